//! Authentication by header secret: the presented value is compared in constant time with
//! every accepted secret (the current and the previous version, so the secret rotates
//! without dropped events). Values are cached for a TTL; a value that matches nothing
//! triggers at most one refresh per `min_refresh`, so a rotation is picked up at once
//! without letting bad requests hammer Secrets Manager. The presented value is never logged.
//!
//! Signature mode ([`signature_matches`]) checks an HMAC-SHA256 of the raw body, keyed
//! with the same secrets, instead of the secret itself.

use std::future::Future;
use std::time::{Duration, Instant};

use base64::Engine;
use subtle::ConstantTimeEq;
use tokio::sync::Mutex;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("secret store: {0}")]
pub struct SecretError(pub String);

/// Where the accepted secrets come from (Secrets Manager, or a fixed local value).
pub trait SecretSource: Send + Sync {
    /// Every value currently accepted: at least one.
    fn fetch(&self) -> impl Future<Output = Result<Vec<String>, SecretError>> + Send;
}

/// A secret known in advance (offline mode, tests).
#[derive(Debug, Clone)]
pub struct FixedSecret(pub String);

impl SecretSource for FixedSecret {
    async fn fetch(&self) -> Result<Vec<String>, SecretError> {
        Ok(vec![self.0.clone()])
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    Rejected,
}

pub struct CachedSecrets<S> {
    source: S,
    ttl: Duration,
    min_refresh: Duration,
    cache: Mutex<Option<(Instant, Vec<String>)>>,
}

impl<S: SecretSource> CachedSecrets<S> {
    pub fn new(source: S, ttl: Duration, min_refresh: Duration) -> Self {
        Self {
            source,
            ttl,
            min_refresh,
            cache: Mutex::new(None),
        }
    }

    /// Fetches now (at Lambda init, so the first request does not pay the TLS handshake).
    pub async fn warm(&self) -> Result<(), SecretError> {
        let values = self.source.fetch().await?;
        *self.cache.lock().await = Some((Instant::now(), values));
        Ok(())
    }

    /// Checks a presented secret. `None` (no header) is rejected without any lookup.
    pub async fn verify(&self, presented: Option<&str>) -> Result<Verdict, SecretError> {
        let Some(presented) = presented.filter(|p| !p.is_empty()) else {
            return Ok(Verdict::Rejected);
        };
        self.check(|values| matches_any(presented, values)).await
    }

    /// Checks a presented body signature (see [`signature_matches`]). `None` (no header)
    /// is rejected without any lookup.
    pub async fn verify_signature(
        &self,
        body: &[u8],
        presented: Option<&str>,
    ) -> Result<Verdict, SecretError> {
        let Some(presented) = presented.filter(|p| !p.trim().is_empty()) else {
            return Ok(Verdict::Rejected);
        };
        self.check(|values| signature_matches(body, presented, values))
            .await
    }

    /// Runs `matches` on the cached values, refreshing them when stale, or once when
    /// nothing matched (the secret may have rotated).
    async fn check(&self, matches: impl Fn(&[String]) -> bool) -> Result<Verdict, SecretError> {
        let mut cache = self.cache.lock().await;
        let fresh = cache
            .as_ref()
            .is_some_and(|(at, _)| at.elapsed() < self.ttl);
        if !fresh {
            let values = self.source.fetch().await?;
            *cache = Some((Instant::now(), values));
        }
        if let Some((at, values)) = cache.as_ref() {
            if matches(values) {
                return Ok(Verdict::Accepted);
            }
            if at.elapsed() < self.min_refresh {
                return Ok(Verdict::Rejected);
            }
        }
        // Maybe the secret rotated since we cached it: look once more.
        let values = self.source.fetch().await?;
        let accepted = matches(&values);
        *cache = Some((Instant::now(), values));
        Ok(if accepted {
            Verdict::Accepted
        } else {
            Verdict::Rejected
        })
    }
}

/// Constant-time comparison against every value (all are compared, whatever matches).
fn matches_any(presented: &str, values: &[String]) -> bool {
    values.iter().fold(false, |found, v| {
        found | bool::from(presented.as_bytes().ct_eq(v.as_bytes()))
    })
}

/// Whether `presented` is the HMAC-SHA256 of `body` under one of `secrets`: 64 hex
/// digits or base64 (standard or URL-safe, padded or not), with or without a `sha256=`
/// prefix. Every secret is tried and compared in constant time, whichever matches.
pub fn signature_matches(body: &[u8], presented: &str, secrets: &[String]) -> bool {
    let Some(presented) = decode_signature(presented) else {
        return false;
    };
    secrets.iter().fold(false, |found, secret| {
        let expected = hmac_sha256(secret.as_bytes(), body);
        found | bool::from(presented.as_slice().ct_eq(expected.as_slice()))
    })
}

/// The 32 bytes a signature header value stands for, when it stands for 32 bytes.
fn decode_signature(presented: &str) -> Option<Vec<u8>> {
    let text = presented.trim();
    let text = match text.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("sha256=") => &text[7..],
        _ => text,
    }
    .trim();
    let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        (0..32)
            .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok())
            .collect::<Option<Vec<u8>>>()?
    } else {
        use base64::engine::general_purpose::{
            STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD,
        };
        [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(text).ok())?
    };
    (bytes.len() == 32).then_some(bytes)
}

/// HMAC-SHA256 (RFC 2104): the domain's, shared with the recipients' keyed hash.
pub use crate::domain::ids::hmac_sha256;

/// The signature header value this project's tools send: `sha256=` and lowercase hex.
pub fn sign_hex(secret: &str, body: &[u8]) -> String {
    let mac = hmac_sha256(secret.as_bytes(), body);
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Clone)]
    struct Rotating {
        values: Arc<std::sync::Mutex<Vec<String>>>,
        fetches: Arc<AtomicUsize>,
    }

    impl SecretSource for Rotating {
        async fn fetch(&self) -> Result<Vec<String>, SecretError> {
            self.fetches.fetch_add(1, Ordering::SeqCst);
            Ok(self.values.lock().unwrap().clone())
        }
    }

    fn rotating(values: &[&str]) -> Rotating {
        Rotating {
            values: Arc::new(std::sync::Mutex::new(
                values.iter().map(|v| v.to_string()).collect(),
            )),
            fetches: Arc::new(AtomicUsize::new(0)),
        }
    }

    #[tokio::test]
    async fn current_and_previous_are_both_accepted() {
        let cached = CachedSecrets::new(
            rotating(&["new", "old"]),
            Duration::from_secs(300),
            Duration::ZERO,
        );
        assert_eq!(cached.verify(Some("new")).await.unwrap(), Verdict::Accepted);
        assert_eq!(cached.verify(Some("old")).await.unwrap(), Verdict::Accepted);
        assert_eq!(
            cached.verify(Some("other")).await.unwrap(),
            Verdict::Rejected
        );
        assert_eq!(cached.verify(Some("")).await.unwrap(), Verdict::Rejected);
        assert_eq!(cached.verify(None).await.unwrap(), Verdict::Rejected);
    }

    #[tokio::test]
    async fn values_are_cached_and_a_rotation_is_picked_up() {
        let source = rotating(&["one"]);
        let cached = CachedSecrets::new(source.clone(), Duration::from_secs(300), Duration::ZERO);
        cached.warm().await.unwrap();
        assert_eq!(cached.verify(Some("one")).await.unwrap(), Verdict::Accepted);
        assert_eq!(cached.verify(Some("one")).await.unwrap(), Verdict::Accepted);
        assert_eq!(source.fetches.load(Ordering::SeqCst), 1);
        *source.values.lock().unwrap() = vec!["two".into(), "one".into()];
        assert_eq!(cached.verify(Some("two")).await.unwrap(), Verdict::Accepted);
        assert_eq!(source.fetches.load(Ordering::SeqCst), 2);
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        // Test cases 1, 2 and 6 (a key longer than the block).
        assert_eq!(
            hex(&hmac_sha256(&[0x0b; 20], b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn signatures_in_hex_or_base64_with_or_without_prefix() {
        let body = br#"{"eventId":"1"}"#;
        let mac = hmac_sha256(b"new", body);
        let b64 = base64::engine::general_purpose::STANDARD.encode(mac);
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac);
        let secrets = ["new".to_owned(), "old".to_owned()];
        for presented in [
            hex(&mac),
            hex(&mac).to_uppercase(),
            format!("sha256={}", hex(&mac)),
            format!("SHA256={b64}"),
            b64.clone(),
            format!(" sha256={url} "),
            sign_hex("new", body),
            sign_hex("old", body),
        ] {
            assert!(signature_matches(body, &presented, &secrets), "{presented}");
        }
        for presented in [
            sign_hex("other", body),
            hex(&mac)[..62].to_owned(),
            format!("{}00", hex(&mac)),
            "sha256=".to_owned(),
            "new".to_owned(),
            "not base64 at all!".to_owned(),
            format!("sha1={}", hex(&mac)),
        ] {
            assert!(
                !signature_matches(body, &presented, &secrets),
                "{presented}"
            );
        }
        assert!(!signature_matches(
            b"{\"eventId\":\"2\"}",
            &sign_hex("new", body),
            &secrets
        ));
        assert!(!signature_matches(body, &sign_hex("new", body), &[]));
    }

    #[tokio::test]
    async fn signature_verdicts_use_the_cached_secrets() {
        let source = rotating(&["one"]);
        let cached = CachedSecrets::new(source.clone(), Duration::from_secs(300), Duration::ZERO);
        let body = b"{}";
        assert_eq!(
            cached
                .verify_signature(body, Some(&sign_hex("one", body)))
                .await
                .unwrap(),
            Verdict::Accepted
        );
        assert_eq!(
            cached.verify_signature(body, Some("one")).await.unwrap(),
            Verdict::Rejected
        );
        assert_eq!(
            cached.verify_signature(body, None).await.unwrap(),
            Verdict::Rejected
        );
        *source.values.lock().unwrap() = vec!["two".into(), "one".into()];
        assert_eq!(
            cached
                .verify_signature(body, Some(&sign_hex("two", body)))
                .await
                .unwrap(),
            Verdict::Accepted,
            "a rotation is picked up"
        );
    }

    #[tokio::test]
    async fn bad_values_do_not_refresh_more_than_once_per_interval() {
        let source = rotating(&["one"]);
        let cached = CachedSecrets::new(
            source.clone(),
            Duration::from_secs(300),
            Duration::from_secs(30),
        );
        cached.warm().await.unwrap();
        for _ in 0..10 {
            assert_eq!(
                cached.verify(Some("guess")).await.unwrap(),
                Verdict::Rejected
            );
        }
        assert_eq!(source.fetches.load(Ordering::SeqCst), 1);
    }
}
