//! Secrets we must be able to read back (webhook signing secrets, bot tokens)
//! are sealed with AES-256-GCM under a key that lives only in a Worker secret,
//! so a dump of D1 reveals nothing usable.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

const FORMAT_PREFIX: &str = "v1:";

#[derive(Debug, PartialEq, Eq)]
pub enum SealError {
    BadKey,
    BadCiphertext,
}

impl std::fmt::Display for SealError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BadKey => f.write_str("SECRETS_KEY must be base64 of 32 bytes"),
            Self::BadCiphertext => f.write_str("sealed value is corrupt or was sealed under another key"),
        }
    }
}

pub struct SecretBox(Aes256Gcm);

impl SecretBox {
    /// `key_base64` is the `SECRETS_KEY` Worker secret.
    pub fn new(key_base64: &str) -> Result<Self, SealError> {
        let key = BASE64.decode(key_base64.trim()).map_err(|_| SealError::BadKey)?;
        Aes256Gcm::new_from_slice(&key).map(Self).map_err(|_| SealError::BadKey)
    }

    pub fn seal(&self, plaintext: &str, nonce: [u8; 12]) -> Result<String, SealError> {
        let ciphertext = self
            .0
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .map_err(|_| SealError::BadCiphertext)?;
        let mut packed = nonce.to_vec();
        packed.extend_from_slice(&ciphertext);
        Ok(format!("{FORMAT_PREFIX}{}", BASE64.encode(packed)))
    }

    pub fn open(&self, sealed: &str) -> Result<String, SealError> {
        let packed = sealed
            .strip_prefix(FORMAT_PREFIX)
            .and_then(|b64| BASE64.decode(b64).ok())
            .filter(|p| p.len() > 12)
            .ok_or(SealError::BadCiphertext)?;
        let (nonce, ciphertext) = packed.split_at(12);
        let plaintext = self.0.decrypt(Nonce::from_slice(nonce), ciphertext).map_err(|_| SealError::BadCiphertext)?;
        String::from_utf8(plaintext).map_err(|_| SealError::BadCiphertext)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    #[test]
    fn sealed_values_open_only_under_their_key() {
        let sealed = SecretBox::new(KEY).unwrap().seal("whsec_abc", [7; 12]).unwrap();
        assert!(!sealed.contains("whsec_abc"));
        assert_eq!(SecretBox::new(KEY).unwrap().open(&sealed).unwrap(), "whsec_abc");
        let other = SecretBox::new("HwAeAB0AHAAbABoAGQAYABcAFgAVABQAEwASABEAEAA=").unwrap();
        assert_eq!(other.open(&sealed), Err(SealError::BadCiphertext));
    }

    #[test]
    fn bad_keys_and_tampering_are_errors_not_panics() {
        assert!(SecretBox::new("short").is_err());
        let secrets = SecretBox::new(KEY).unwrap();
        assert_eq!(secrets.open("v1:AAAA"), Err(SealError::BadCiphertext));
        assert_eq!(secrets.open("plain"), Err(SealError::BadCiphertext));
    }
}
