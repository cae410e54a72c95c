//! Authentication by header secret: the presented value is compared in constant time with
//! every accepted secret (the current and the previous version, so the secret rotates
//! without dropped events). Values are cached for a TTL; a value that matches nothing
//! triggers at most one refresh per `min_refresh`, so a rotation is picked up at once
//! without letting bad requests hammer Secrets Manager. The presented value is never logged.

use std::future::Future;
use std::time::{Duration, Instant};

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
        let mut cache = self.cache.lock().await;
        let fresh = cache
            .as_ref()
            .is_some_and(|(at, _)| at.elapsed() < self.ttl);
        if !fresh {
            let values = self.source.fetch().await?;
            *cache = Some((Instant::now(), values));
        }
        if let Some((at, values)) = cache.as_ref() {
            if matches_any(presented, values) {
                return Ok(Verdict::Accepted);
            }
            if at.elapsed() < self.min_refresh {
                return Ok(Verdict::Rejected);
            }
        }
        // Maybe the secret rotated since we cached it: look once more.
        let values = self.source.fetch().await?;
        let accepted = matches_any(presented, &values);
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
