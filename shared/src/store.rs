//! Idempotency: an event is processed once, and each of its messages is sent once, however
//! often Booxi delivers it. The [`IdempotencyStore`] trait has a DynamoDB implementation
//! (`aws::DynamoStore`) and an in-memory one ([`MemoryStore`]) for tests and offline use.
//!
//! Records (one table, string partition key `pk`, TTL attribute `expires_at`):
//! - `evt#<event id>`: `status` = `IN_PROGRESS` (with `lease_until`, epoch ms) or `COMPLETED`;
//! - `msg#<event id>#<kind>#<audience>#<channel>#<recipient hash>`: the message was sent.
//!
//! Recipients are stored as a SHA-256 prefix, never as an address.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::notification::{Notification, audience_name, channel_name};

/// How long records are kept: far longer than Booxi's 30 retries take.
pub const RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

/// The outcome of trying to claim an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Ours to process.
    Acquired,
    /// Processed before: nothing to do.
    Completed,
    /// Another delivery is processing it under a live lease.
    InProgress,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("idempotency store: {0}")]
pub struct StoreError(pub String);

pub trait IdempotencyStore: Send + Sync {
    /// Claims `event_id` for `lease`, unless it is completed or claimed under a live lease.
    fn claim(
        &self,
        event_id: &str,
        now: SystemTime,
        lease: Duration,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send;

    /// Which of `keys` are recorded as sent.
    fn sent(
        &self,
        keys: &[String],
    ) -> impl Future<Output = Result<HashSet<String>, StoreError>> + Send;

    /// Records a message as sent.
    fn record_sent(
        &self,
        key: &str,
        now: SystemTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Marks the event completed: later deliveries are duplicates.
    fn complete(
        &self,
        event_id: &str,
        now: SystemTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Gives the claim up (after a failure), so Booxi's retry can process the event.
    fn release(&self, event_id: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
}

pub fn event_key(event_id: &str) -> String {
    format!("evt#{event_id}")
}

/// The per-message key: event id + kind + audience + channel + recipient (hashed).
pub fn message_key(n: &Notification) -> String {
    let digest = Sha256::digest(n.to.as_str().as_bytes());
    let hash: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "msg#{}#{}#{}#{}#{hash}",
        n.event_id,
        n.kind,
        audience_name(n.audience),
        channel_name(n.channel)
    )
}

pub fn epoch_seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

pub fn epoch_millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Record {
    InProgress { lease_until: SystemTime },
    Completed,
    Sent,
}

/// The in-memory store: the same semantics as DynamoDB's, for one process.
#[derive(Debug, Default)]
pub struct MemoryStore {
    records: Mutex<HashMap<String, Record>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn records(&self) -> std::sync::MutexGuard<'_, HashMap<String, Record>> {
        // A panic while holding the lock leaves plain data behind; keep using it.
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl IdempotencyStore for MemoryStore {
    async fn claim(
        &self,
        event_id: &str,
        now: SystemTime,
        lease: Duration,
    ) -> Result<Claim, StoreError> {
        let mut records = self.records();
        let key = event_key(event_id);
        match records.get(&key) {
            Some(Record::Completed) => Ok(Claim::Completed),
            Some(Record::InProgress { lease_until }) if *lease_until > now => Ok(Claim::InProgress),
            _ => {
                records.insert(
                    key,
                    Record::InProgress {
                        lease_until: now + lease,
                    },
                );
                Ok(Claim::Acquired)
            }
        }
    }

    async fn sent(&self, keys: &[String]) -> Result<HashSet<String>, StoreError> {
        let records = self.records();
        Ok(keys
            .iter()
            .filter(|k| records.get(*k) == Some(&Record::Sent))
            .cloned()
            .collect())
    }

    async fn record_sent(&self, key: &str, _now: SystemTime) -> Result<(), StoreError> {
        self.records().insert(key.to_owned(), Record::Sent);
        Ok(())
    }

    async fn complete(&self, event_id: &str, _now: SystemTime) -> Result<(), StoreError> {
        self.records()
            .insert(event_key(event_id), Record::Completed);
        Ok(())
    }

    async fn release(&self, event_id: &str) -> Result<(), StoreError> {
        self.records().remove(&event_key(event_id));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_event_is_claimed_once_until_released_or_its_lease_ends() {
        let store = MemoryStore::new();
        let now = SystemTime::now();
        let lease = Duration::from_secs(60);
        assert_eq!(
            store.claim("e1", now, lease).await.unwrap(),
            Claim::Acquired
        );
        assert_eq!(
            store.claim("e1", now, lease).await.unwrap(),
            Claim::InProgress
        );
        assert_eq!(
            store
                .claim("e1", now + Duration::from_secs(61), lease)
                .await
                .unwrap(),
            Claim::Acquired
        );
        store.release("e1").await.unwrap();
        assert_eq!(
            store.claim("e1", now, lease).await.unwrap(),
            Claim::Acquired
        );
        store.complete("e1", now).await.unwrap();
        assert_eq!(
            store.claim("e1", now, lease).await.unwrap(),
            Claim::Completed
        );
    }

    #[tokio::test]
    async fn sent_messages_are_remembered() {
        let store = MemoryStore::new();
        store.record_sent("msg#a", SystemTime::now()).await.unwrap();
        let sent = store.sent(&["msg#a".into(), "msg#b".into()]).await.unwrap();
        assert_eq!(sent, HashSet::from(["msg#a".to_owned()]));
    }
}
