//! Event ids as keys and file names. Booxi's ids are short, but nothing bounds what a
//! sender puts there: an id goes into DynamoDB keys (2048 bytes at most), folder names
//! (255 bytes at most on common file systems), Message-IDs and logs. [`storage_key`]
//! bounds it; [`file_name`] makes it a safe, collision-free folder name.
//!
//! Recipients as keys: [`RecipientHasher`], a keyed hash (HMAC-SHA256) of an address or a
//! number, so that records name a recipient without holding, or revealing, who it is.

use sha2::{Digest, Sha256};

/// Ids up to this many bytes are used as they are; longer ones are hashed.
pub const MAX_ID_BYTES: usize = 200;

/// The prefix of a hashed id. A short id that starts with it is hashed too, so a hashed
/// key never equals a key used as it is.
pub const HASHED_PREFIX: &str = "sha256:";

/// The id under which an event is stored, logged and answered: the id itself when it
/// has at most [`MAX_ID_BYTES`] bytes, else `sha256:` and the 64 hex digits of its
/// SHA-256 (71 bytes). Injective: different ids never share a key (short of a SHA-256
/// collision).
pub fn storage_key(id: &str) -> String {
    if id.len() <= MAX_ID_BYTES && !id.starts_with(HASHED_PREFIX) {
        id.to_owned()
    } else {
        hashed(id)
    }
}

/// HMAC-SHA256 (RFC 2104) of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// The one keyed hash of recipients (email addresses, E.164 numbers) every record uses:
/// HMAC-SHA256 under a secret key, as 24 hex digits (96 bits). A plain hash of a phone
/// number is undone by hashing every number of a country; without the key, this one is
/// not. The same recipient always gets the same hash under the same key, so whatever
/// keys a record by recipient (sent messages, a suppression list) finds it again.
///
/// On AWS the key is the stack's recipient-key secret (`BOOXI_RECIPIENT_KEY_SECRET_ARN`,
/// read once at init); offline (`serve`, `send`, local mode, tests) a fixed key that is
/// not secret, [`RecipientHasher::offline`]: nothing offline outlives the process.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RecipientHasher {
    /// SHA-256 of the secret: the HMAC key (any secret length, a fixed size to copy).
    key: [u8; 32],
}

impl RecipientHasher {
    /// A hasher keyed with `secret` (the secret's bytes, e.g. its `SecretString`).
    pub fn new(secret: &[u8]) -> Self {
        Self {
            key: Sha256::digest(secret).into(),
        }
    }

    /// The offline key: fixed and public, for what lives in memory or in test tables.
    pub fn offline() -> Self {
        Self::new(b"booxi-notify offline recipient key (not secret)")
    }

    /// The recipient's keyed hash: 24 lowercase hex digits.
    pub fn hash(&self, recipient: &str) -> String {
        hmac_sha256(&self.key, recipient.as_bytes())[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl Default for RecipientHasher {
    fn default() -> Self {
        Self::offline()
    }
}

impl std::fmt::Debug for RecipientHasher {
    /// Never the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecipientHasher(..)")
    }
}

fn hashed(id: &str) -> String {
    let digest = Sha256::digest(id.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{HASHED_PREFIX}{hex}")
}

/// An event id as one folder name: the [`storage_key`] with ASCII letters, digits, `-`,
/// `_` and `.` kept and every other byte (and a leading `.`) percent-encoded (`a/b` →
/// `a%2Fb`, `a_b` stays, `..` → `%2E.`), so names never collide, are never `.` or `..`
/// and never leave the folder. When encoding makes a key longer than [`MAX_ID_BYTES`]
/// (non-ASCII text), the name is that of the key's hash.
pub fn file_name(id: &str) -> String {
    let key = storage_key(id);
    let encoded = percent_encode(&key);
    if encoded.len() <= MAX_ID_BYTES && !encoded.is_empty() {
        encoded
    } else {
        // `key` is short and not hashed here, so its hash cannot be another id's name.
        percent_encode(&hashed(&key))
    }
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, byte) in text.bytes().enumerate() {
        let plain = byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_';
        if plain || (byte == b'.' && i > 0) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_are_hashed_with_the_key() {
        let a = RecipientHasher::new(b"stack secret one");
        let b = RecipientHasher::new(b"stack secret two");
        let number = "+15145550123";
        assert_eq!(a.hash(number), a.hash(number), "stable under one key");
        assert_ne!(a.hash(number), b.hash(number), "another key, another hash");
        assert_ne!(a.hash(number), a.hash("+15145550124"));
        assert_eq!(a.hash(number).len(), 24);
        // Not the plain SHA-256 prefix that could be undone by hashing every number.
        let plain: String = Sha256::digest(number.as_bytes())[..12]
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect();
        assert_ne!(a.hash(number), plain);
        // HMAC-SHA256 under SHA-256 of the secret (RFC 4231 case 2 checks the HMAC).
        let key: [u8; 32] = Sha256::digest(b"stack secret one").into();
        let mac = hmac_sha256(&key, number.as_bytes());
        let hex: String = mac[..12].iter().map(|x| format!("{x:02x}")).collect();
        assert_eq!(a.hash(number), hex);
        let rfc = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            rfc.iter().map(|x| format!("{x:02x}")).collect::<String>(),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(format!("{a:?}"), "RecipientHasher(..)");
    }

    #[test]
    fn short_ids_are_kept_and_long_ones_hashed() {
        assert_eq!(storage_key("evt-1"), "evt-1");
        let limit = "x".repeat(MAX_ID_BYTES);
        assert_eq!(storage_key(&limit), limit);
        let long = "x".repeat(MAX_ID_BYTES + 1);
        let key = storage_key(&long);
        assert!(key.starts_with("sha256:") && key.len() == 71, "{key}");
        assert_eq!(storage_key(&"y".repeat(5000)).len(), 71);
        // A short id that looks hashed is hashed too: it cannot take a long id's key.
        assert_ne!(storage_key(&key), key);
        assert_ne!(storage_key(&"x".repeat(MAX_ID_BYTES + 2)), key);
    }

    #[test]
    fn folder_names_are_safe_and_never_collide() {
        let ids = [
            ".",
            "..",
            "...",
            "a/b",
            "a_b",
            "a%2Fb",
            "a b",
            "a\\b",
            "a:b",
            ".hidden",
            "é",
            "evt-1",
            "x.y",
            "sha256:00",
            "CON",
            "a\u{0}b",
        ];
        let names: Vec<String> = ids.iter().map(|id| file_name(id)).collect();
        for (id, name) in ids.iter().zip(&names) {
            assert!(
                !name.is_empty() && name != "." && name != "..",
                "{id:?} → {name:?}"
            );
            assert!(!name.starts_with('.'), "{id:?} → {name:?}");
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.%".contains(&b)),
                "{id:?} → {name:?}"
            );
        }
        let unique: std::collections::HashSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        assert_eq!(file_name("a/b"), "a%2Fb");
        assert_eq!(file_name("a_b"), "a_b");
        assert_eq!(file_name(".."), "%2E.");
        assert_eq!(file_name("evt-1"), "evt-1");
        // 200 two-byte characters: 1,200 bytes once encoded, so hashed.
        let wide = "é".repeat(100);
        assert!(file_name(&wide).len() <= MAX_ID_BYTES);
        assert_ne!(file_name(&wide), file_name(&"é".repeat(99)));
        assert!(file_name(&"z".repeat(10_000)).len() <= MAX_ID_BYTES);
    }
}
