//! Two string helpers written out by hand: core's generic `concat`/`join` and
//! substring search (the Two-Way algorithm) cost kilobytes of wasm each, far
//! more than these short inputs need.

use alloc::string::String;

pub fn concat(parts: &[&str]) -> String {
    let mut joined = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        joined.push_str(part);
    }
    joined
}

pub fn join(parts: &[String], separator: &str) -> String {
    let mut joined = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            joined.push_str(separator);
        }
        joined.push_str(part);
    }
    joined
}

pub fn has(haystack: &str, needle: &str) -> bool {
    haystack.as_bytes().windows(needle.len()).any(|window| window == needle.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn helpers_match_the_std_versions() {
        assert_eq!(concat(&["a", "", "bc"]), "abc");
        assert_eq!(join(&["a".to_string(), "b".to_string()], ", "), "a, b");
        assert_eq!(join(&[], ", "), "");
        assert!(has("work_email", "email"));
        assert!(!has("mail", "email"));
    }
}
