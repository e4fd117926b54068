//! Small, dependency-free encodings used for ids, tokens and signatures.

const HEX: &[u8; 16] = b"0123456789abcdef";
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(HEX[(byte >> 4) as usize] as char);
        out.push(HEX[(byte & 0x0f) as usize] as char);
    }
    out
}

/// Decodes lower- or upper-case hex; `None` on odd length or a non-hex digit.
pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let bytes = text.as_bytes();
    if bytes.len() % 2 != 0 {
        return None;
    }
    bytes.chunks(2).map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?)).collect()
}

/// Base62 of random bytes, for tokens: URL-safe, no separators that could be
/// confused with the `_` that separates a token's parts.
pub fn base62(bytes: &[u8]) -> String {
    // Each byte is mapped independently with rejection-free modulo over a
    // 16-bit window: tokens only need to be unguessable, not dense.
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 2);
    for pair in bytes.chunks(2) {
        let mut value = pair.iter().fold(0u32, |acc, b| acc << 8 | u32::from(*b));
        let digits = if pair.len() == 2 { 3 } else { 2 };
        for _ in 0..digits {
            out.push(BASE62[(value % 62) as usize] as char);
            value /= 62;
        }
    }
    out
}

/// Crockford base32 of a 128-bit value, 26 characters, sorting like the number.
pub fn crockford_128(value: u128) -> String {
    (0..26).rev().map(|i| CROCKFORD[((value >> (i * 5)) & 0x1f) as usize] as char).collect()
}

/// Whitespace as ECMA-262 regular expressions (and so JSON Schema's `\s`)
/// read it: WhiteSpace and LineTerminator.
pub fn is_ecma_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}' | '\u{feff}')
}

pub fn is_crockford(text: &str) -> bool {
    text.bytes().all(|c| CROCKFORD.contains(&c))
}

pub fn is_base62(text: &str) -> bool {
    text.bytes().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        let bytes = [0u8, 1, 0xab, 0xff];
        assert_eq!(hex(&bytes), "0001abff");
        assert_eq!(from_hex("0001ABff").unwrap(), bytes);
        assert!(from_hex("abc").is_none());
        assert!(from_hex("zz").is_none());
    }

    #[test]
    fn base62_is_alphanumeric_and_long_enough() {
        let token = base62(&[0xff; 32]);
        assert!(is_base62(&token));
        assert_eq!(token.len(), 48);
    }

    #[test]
    fn crockford_sorts_like_the_number() {
        let a = crockford_128(1 << 80);
        let b = crockford_128((1 << 80) + 1);
        assert_eq!(a.len(), 26);
        assert!(a < b);
        assert!(is_crockford(&a));
    }
}
