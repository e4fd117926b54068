//! A string helper written out by hand: core's generic `concat` costs far more
//! wasm than these short inputs need.

use alloc::string::String;

pub fn concat(parts: &[&str]) -> String {
    let mut joined = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        joined.push_str(part);
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concat_matches_the_std_version() {
        assert_eq!(concat(&["a", "", "bc"]), "abc");
    }
}
