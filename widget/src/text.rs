//! Two string helpers written out by hand: core's generic `concat` and
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

pub fn has(haystack: &str, needle: &str) -> bool {
    haystack.as_bytes().windows(needle.len()).any(|window| window == needle.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_match_the_std_versions() {
        assert_eq!(concat(&["a", "", "bc"]), "abc");
        assert!(has("work_email", "email"));
        assert!(!has("mail", "email"));
    }
}
