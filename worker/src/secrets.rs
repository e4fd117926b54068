//! Secrets we must be able to read back (webhook signing secrets, bot tokens)
//! are sealed with AES-256-GCM under a key that lives only in a Worker secret,
//! so a dump of D1 reveals nothing usable.
//!
//! A sealed value names the key that sealed it (`v2:{key id}:{base64}`, the
//! key id a fingerprint of the key), so `SECRETS_KEY` can be rotated: the old
//! key, given as `SECRETS_KEY_PREVIOUS`, keeps opening what it sealed until
//! the cron has re-sealed everything under the new one. Values in the first
//! format (`v1:{base64}`, no key id) still open, under either key.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use sha2::{Digest, Sha256};

const LEGACY_PREFIX: &str = "v1:";
const KEYED_PREFIX: &str = "v2:";

#[derive(Debug, PartialEq, Eq)]
pub enum SealError {
    BadKey,
    BadCiphertext,
    /// Sealed under a key this worker does not hold (its key id).
    UnknownKey(String),
}

impl std::fmt::Display for SealError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BadKey => f.write_str("SECRETS_KEY (and SECRETS_KEY_PREVIOUS, when set) must be base64 of 32 bytes"),
            Self::BadCiphertext => f.write_str("sealed value is corrupt or was sealed under another key"),
            Self::UnknownKey(id) => write!(f, "sealed under key {id}, which is neither SECRETS_KEY nor SECRETS_KEY_PREVIOUS"),
        }
    }
}

/// A sealed value's parts, before any decryption.
#[derive(Debug, PartialEq, Eq)]
pub enum Sealed<'a> {
    /// `v1:` values, sealed before values named their key.
    Legacy { packed: &'a str },
    Keyed { key_id: &'a str, packed: &'a str },
}

pub fn parse_sealed(sealed: &str) -> Option<Sealed<'_>> {
    if let Some(packed) = sealed.strip_prefix(LEGACY_PREFIX) {
        return Some(Sealed::Legacy { packed });
    }
    let (key_id, packed) = sealed.strip_prefix(KEYED_PREFIX)?.split_once(':')?;
    Some(Sealed::Keyed { key_id, packed })
}

/// A short, public fingerprint of a key: the first 4 bytes of a labelled
/// SHA-256 of it, in hex. Names a key without revealing anything about it.
pub fn key_id(key: &[u8]) -> String {
    let digest = Sha256::new().chain_update(b"leadsbot secrets key id\0").chain_update(key).finalize();
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}

struct Key {
    id: String,
    cipher: Aes256Gcm,
}

impl Key {
    fn parse(key_base64: &str) -> Result<Self, SealError> {
        let key = BASE64.decode(key_base64.trim()).map_err(|_| SealError::BadKey)?;
        let cipher = Aes256Gcm::new_from_slice(&key).map_err(|_| SealError::BadKey)?;
        Ok(Self { id: key_id(&key), cipher })
    }

    fn open(&self, packed_base64: &str) -> Result<String, SealError> {
        let packed = BASE64.decode(packed_base64).ok().filter(|p| p.len() > 12).ok_or(SealError::BadCiphertext)?;
        let (nonce, ciphertext) = packed.split_at(12);
        let plaintext = self.cipher.decrypt(Nonce::from_slice(nonce), ciphertext).map_err(|_| SealError::BadCiphertext)?;
        String::from_utf8(plaintext).map_err(|_| SealError::BadCiphertext)
    }
}

pub struct SecretBox {
    current: Key,
    previous: Option<Key>,
}

impl SecretBox {
    /// `key_base64` is the `SECRETS_KEY` Worker secret.
    pub fn new(key_base64: &str) -> Result<Self, SealError> {
        Ok(Self { current: Key::parse(key_base64)?, previous: None })
    }

    /// Adds the key being rotated away from (`SECRETS_KEY_PREVIOUS`): it
    /// only ever opens, never seals.
    pub fn with_previous(mut self, previous_base64: &str) -> Result<Self, SealError> {
        self.previous = Some(Key::parse(previous_base64)?);
        Ok(self)
    }

    /// The id new values are sealed under.
    pub fn key_id(&self) -> &str {
        &self.current.id
    }

    pub fn seal(&self, plaintext: &str, nonce: [u8; 12]) -> Result<String, SealError> {
        let ciphertext = self.current.cipher.encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes()).map_err(|_| SealError::BadCiphertext)?;
        let mut packed = nonce.to_vec();
        packed.extend_from_slice(&ciphertext);
        Ok(format!("{KEYED_PREFIX}{}:{}", self.current.id, BASE64.encode(packed)))
    }

    pub fn open(&self, sealed: &str) -> Result<String, SealError> {
        match parse_sealed(sealed).ok_or(SealError::BadCiphertext)? {
            Sealed::Keyed { key_id, packed } => {
                let mut keys = self.keys().filter(|k| k.id == key_id).peekable();
                if keys.peek().is_none() {
                    return Err(SealError::UnknownKey(key_id.to_string()));
                }
                first_opening(keys, packed)
            }
            Sealed::Legacy { packed } => first_opening(self.keys(), packed),
        }
    }

    /// True when `sealed` is already sealed under the current key.
    pub fn is_current(&self, sealed: &str) -> bool {
        matches!(parse_sealed(sealed), Some(Sealed::Keyed { key_id, .. }) if key_id == self.current.id)
    }

    /// The value sealed under the current key; `None` when it already is.
    pub fn reseal(&self, sealed: &str, nonce: [u8; 12]) -> Result<Option<String>, SealError> {
        if self.is_current(sealed) {
            return Ok(None);
        }
        self.seal(&self.open(sealed)?, nonce).map(Some)
    }

    /// SQL `LIKE` patterns matching the values `reseal` would change and
    /// can open: the first format, and values sealed under the previous key.
    pub fn stale_patterns(&self) -> Vec<String> {
        let mut patterns = vec![format!("{LEGACY_PREFIX}%")];
        patterns.extend(self.previous.as_ref().filter(|p| p.id != self.current.id).map(|p| format!("{KEYED_PREFIX}{}:%", p.id)));
        patterns
    }

    fn keys(&self) -> impl Iterator<Item = &Key> {
        std::iter::once(&self.current).chain(self.previous.as_ref())
    }
}

fn first_opening<'k>(keys: impl Iterator<Item = &'k Key>, packed: &str) -> Result<String, SealError> {
    let mut last = SealError::BadCiphertext;
    for key in keys {
        match key.open(packed) {
            Ok(plaintext) => return Ok(plaintext),
            Err(err) => last = err,
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const OTHER: &str = "HwAeAB0AHAAbABoAGQAYABcAFgAVABQAEwASABEAEAA=";

    /// A value in the first format, sealed as the code before key ids did.
    fn legacy_seal(key_base64: &str, plaintext: &str) -> String {
        let cipher = Aes256Gcm::new_from_slice(&BASE64.decode(key_base64).unwrap()).unwrap();
        let mut packed = vec![9u8; 12];
        packed.extend(cipher.encrypt(Nonce::from_slice(&[9; 12]), plaintext.as_bytes()).unwrap());
        format!("v1:{}", BASE64.encode(packed))
    }

    #[test]
    fn sealed_values_name_their_key_and_open_only_under_it() {
        let secrets = SecretBox::new(KEY).unwrap();
        let sealed = secrets.seal("whsec_abc", [7; 12]).unwrap();
        assert!(!sealed.contains("whsec_abc"));
        assert!(sealed.starts_with(&format!("v2:{}:", secrets.key_id())), "{sealed}");
        assert_eq!(secrets.key_id().len(), 8);
        assert_eq!(secrets.open(&sealed).unwrap(), "whsec_abc");
        let other = SecretBox::new(OTHER).unwrap();
        assert_ne!(other.key_id(), secrets.key_id());
        assert_eq!(other.open(&sealed), Err(SealError::UnknownKey(secrets.key_id().to_string())));
    }

    #[test]
    fn key_ids_are_stable_fingerprints() {
        assert_eq!(key_id(&BASE64.decode(KEY).unwrap()), SecretBox::new(KEY).unwrap().key_id());
        assert_eq!(SecretBox::new(KEY).unwrap().key_id(), SecretBox::new(&format!(" {KEY}\n")).unwrap().key_id());
    }

    #[test]
    fn the_first_format_still_opens_under_either_key() {
        let legacy = legacy_seal(KEY, "123:bot");
        assert_eq!(SecretBox::new(KEY).unwrap().open(&legacy).unwrap(), "123:bot");
        let rotating = SecretBox::new(OTHER).unwrap().with_previous(KEY).unwrap();
        assert_eq!(rotating.open(&legacy).unwrap(), "123:bot");
        assert_eq!(SecretBox::new(OTHER).unwrap().open(&legacy), Err(SealError::BadCiphertext));
    }

    #[test]
    fn rotation_opens_old_values_and_reseals_them_under_the_new_key() {
        let old = SecretBox::new(KEY).unwrap().seal("whsec_old", [1; 12]).unwrap();
        let rotating = SecretBox::new(OTHER).unwrap().with_previous(KEY).unwrap();
        assert_eq!(rotating.open(&old).unwrap(), "whsec_old");
        assert!(!rotating.is_current(&old));
        let resealed = rotating.reseal(&old, [2; 12]).unwrap().unwrap();
        assert!(rotating.is_current(&resealed));
        assert_eq!(rotating.reseal(&resealed, [3; 12]).unwrap(), None, "already current: left alone");
        assert_eq!(SecretBox::new(OTHER).unwrap().open(&resealed).unwrap(), "whsec_old", "opens once the old key is gone");
        let legacy = rotating.reseal(&legacy_seal(KEY, "x"), [4; 12]).unwrap().unwrap();
        assert!(rotating.is_current(&legacy));
        let previous_id = SecretBox::new(KEY).unwrap().key_id().to_string();
        assert_eq!(rotating.stale_patterns(), vec!["v1:%".to_string(), format!("v2:{previous_id}:%")]);
        assert_eq!(SecretBox::new(KEY).unwrap().stale_patterns(), vec!["v1:%".to_string()]);
    }

    #[test]
    fn bad_keys_and_tampering_are_errors_not_panics() {
        assert!(SecretBox::new("short").is_err());
        assert!(SecretBox::new(KEY).unwrap().with_previous("short").is_err());
        let secrets = SecretBox::new(KEY).unwrap();
        assert_eq!(secrets.open("v1:AAAA"), Err(SealError::BadCiphertext));
        assert_eq!(secrets.open("plain"), Err(SealError::BadCiphertext));
        assert_eq!(secrets.open(&format!("v2:{}:AAAA", secrets.key_id())), Err(SealError::BadCiphertext));
        assert_eq!(secrets.open("v2:nocolon"), Err(SealError::BadCiphertext));
        assert!(secrets.reseal("garbage", [0; 12]).is_err());
    }
}
