//! Two string helpers written out by hand: core's generic `concat` and
//! substring search (the Two-Way algorithm) cost kilobytes of wasm each, far
//! more than these short inputs need. `has` compares with `get`, not `windows`,
//! whose zero-size check and bounds checks link in core's panic formatting.

use alloc::string::String;

pub fn concat(parts: &[&str]) -> String {
    let mut joined = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        joined.push_str(part);
    }
    joined
}

pub fn has(haystack: &str, needle: &str) -> bool {
    let (haystack, needle) = (haystack.as_bytes(), needle.as_bytes());
    (0..haystack.len()).any(|start| haystack.get(start..start + needle.len()) == Some(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_match_the_std_versions() {
        assert_eq!(concat(&["a", "", "bc"]), "abc");
        assert!(has("work_email", "email"));
        assert!(!has("mail", "email"));
        assert!(has("email", "email") && has("my_email", "email"));
    }
}
