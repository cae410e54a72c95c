//! Idempotency: an event is processed once, and each of its messages is sent once, however
//! often Booxi delivers it. The [`IdempotencyStore`] trait has a DynamoDB implementation
//! (`aws::DynamoStore`) and an in-memory one ([`MemoryStore`]) for tests and offline use.
//!
//! Records (one table, string partition key `pk`, TTL attribute `expires_at`):
//! - `evt#<event id>`: `status` = `IN_PROGRESS` (with `owner`, a random token of the
//!   delivery holding the claim, and `lease_until`, epoch ms) or `COMPLETED` (with
//!   `summary`, the JSON of the first processing's messages, answered to duplicates; in
//!   queued mode the claim itself is written completed, with its `owner`, see
//!   [`IdempotencyStore::claim_completed`]);
//! - `msg#<event id>#<kind>#<audience>#<channel>#<recipient hash>`: the message was sent
//!   (`SENT`), or its recipient refused for good (`REFUSED`): either way it is not tried
//!   again.
//!
//! `complete` and `release` only act on a claim the caller still owns, so a stale delivery
//! can neither free nor close a newer delivery's claim.
//!
//! Recipients are stored as a SHA-256 prefix, never as an address.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::notification::{Notification, audience_name, channel_name};

/// How long records are kept: far longer than Booxi's 30 retries take.
pub const RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

/// The token of one delivery's claim: 128 random bits, hex.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Owner(String);

impl Owner {
    /// A fresh token from the operating system's random source.
    pub fn new() -> Result<Self, StoreError> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes)
            .map_err(|e| StoreError(format!("no random source for the claim token: {e}")))?;
        Ok(Self(bytes.iter().map(|b| format!("{b:02x}")).collect()))
    }

    /// A token read back from the store.
    pub fn from_stored(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The outcome of trying to claim an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Ours to process.
    Acquired,
    /// Processed before. `summary` is what the first processing saved.
    Completed {
        summary: Option<String>,
        /// Set when the claim itself was written completed
        /// ([`IdempotencyStore::claim_completed`], queued mode): the time that delivery
        /// planned at. Nothing records that it got any further (it may have been cut off
        /// right after its claim), so a later delivery does the work again, as of that
        /// time. `None`: completed once the work was done; nothing to do.
        redo_from: Option<SystemTime>,
    },
    /// Another delivery is processing it under a live lease.
    InProgress,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("idempotency store: {0}")]
pub struct StoreError(pub String);

/// What was recorded of a message: it is done, not to be tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    Sent,
    /// The provider refused the recipient for good.
    Refused,
}

/// Whether a conditional close of a claim found the claim still ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    Done,
    /// The claim is not ours any more (lease expired and taken over, or already closed).
    NotOwner,
}

pub trait IdempotencyStore: Send + Sync {
    /// Claims `event_id` for `owner` until `lease_until`, unless it is completed or
    /// claimed by someone under a live lease.
    fn claim(
        &self,
        event_id: &str,
        owner: &Owner,
        now: SystemTime,
        lease_until: SystemTime,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send;

    /// Claims `event_id` as [`IdempotencyStore::claim`] does (same conditions, same
    /// answers) but writes it completed with `summary` at once, for `owner`: one write
    /// instead of a claim and a completion. For work that is safe to do again, since
    /// nothing records that it was done: queued mode, where a later delivery of the event
    /// puts its messages on the queue again and the drain's per-message claims send each
    /// once. [`IdempotencyStore::release`] undoes it while `owner` still holds it.
    fn claim_completed(
        &self,
        event_id: &str,
        owner: &Owner,
        now: SystemTime,
        summary: &str,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send;

    /// Takes over, for `owner` until `lease_until` (a claim in progress, as
    /// [`IdempotencyStore::claim`] makes), an event that queued mode claimed at
    /// `claimed_at` ([`Claim::Completed`]'s `redo_from`), if it is still that claim:
    /// direct mode's way to redo it with one delivery at a time. `false`: another
    /// delivery took it over first.
    fn take_over(
        &self,
        event_id: &str,
        claimed_at: SystemTime,
        owner: &Owner,
        lease_until: SystemTime,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Which of `keys` are recorded, and as what.
    fn recorded(
        &self,
        keys: &[String],
    ) -> impl Future<Output = Result<HashMap<String, Done>, StoreError>> + Send;

    /// Records a message as done (sent, or refused for good).
    fn record(
        &self,
        key: &str,
        done: Done,
        now: SystemTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Marks the event completed with its `summary` (later deliveries are duplicates),
    /// if `owner` still holds the claim.
    fn complete(
        &self,
        event_id: &str,
        owner: &Owner,
        now: SystemTime,
        summary: &str,
    ) -> impl Future<Output = Result<Closed, StoreError>> + Send;

    /// Gives the claim up (after a failure) so Booxi's retry can process the event, if
    /// `owner` still holds it (a claim in progress, or one written completed by
    /// [`IdempotencyStore::claim_completed`]).
    fn release(
        &self,
        event_id: &str,
        owner: &Owner,
    ) -> impl Future<Output = Result<Closed, StoreError>> + Send;
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
    InProgress {
        owner: Owner,
        lease_until: SystemTime,
    },
    Completed {
        summary: String,
        /// Set when the claim itself was written completed (`claim_completed`): its
        /// owner, and when it claimed.
        claimed: Option<(Owner, SystemTime)>,
    },
    Done(Done),
}

/// The in-memory store: the same semantics as DynamoDB's conditional writes, each
/// operation atomic under one lock, for one process.
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

    fn owned_by(records: &HashMap<String, Record>, key: &str, owner: &Owner) -> bool {
        matches!(records.get(key), Some(Record::InProgress { owner: o, .. }) if o == owner)
    }

    /// The claim, and `record` in its place when it can be taken.
    fn take(&self, event_id: &str, now: SystemTime, record: Record) -> Result<Claim, StoreError> {
        let mut records = self.records();
        let key = event_key(event_id);
        match records.get(&key) {
            Some(Record::Completed { summary, claimed }) => Ok(Claim::Completed {
                summary: Some(summary.clone()).filter(|s| !s.is_empty()),
                redo_from: claimed.as_ref().map(|(_, at)| *at),
            }),
            Some(Record::InProgress { lease_until, .. }) if *lease_until >= now => {
                Ok(Claim::InProgress)
            }
            _ => {
                records.insert(key, record);
                Ok(Claim::Acquired)
            }
        }
    }
}

impl IdempotencyStore for MemoryStore {
    async fn claim(
        &self,
        event_id: &str,
        owner: &Owner,
        now: SystemTime,
        lease_until: SystemTime,
    ) -> Result<Claim, StoreError> {
        let record = Record::InProgress {
            owner: owner.clone(),
            lease_until,
        };
        self.take(event_id, now, record)
    }

    async fn claim_completed(
        &self,
        event_id: &str,
        owner: &Owner,
        now: SystemTime,
        summary: &str,
    ) -> Result<Claim, StoreError> {
        let record = Record::Completed {
            summary: summary.to_owned(),
            claimed: Some((owner.clone(), now)),
        };
        self.take(event_id, now, record)
    }

    async fn take_over(
        &self,
        event_id: &str,
        claimed_at: SystemTime,
        owner: &Owner,
        lease_until: SystemTime,
    ) -> Result<bool, StoreError> {
        let mut records = self.records();
        let key = event_key(event_id);
        let ours = matches!(
            records.get(&key),
            Some(Record::Completed { claimed: Some((_, at)), .. })
                if epoch_millis(*at) == epoch_millis(claimed_at)
        );
        if ours {
            let record = Record::InProgress {
                owner: owner.clone(),
                lease_until,
            };
            records.insert(key, record);
        }
        Ok(ours)
    }

    async fn recorded(&self, keys: &[String]) -> Result<HashMap<String, Done>, StoreError> {
        let records = self.records();
        Ok(keys
            .iter()
            .filter_map(|k| match records.get(k) {
                Some(Record::Done(done)) => Some((k.clone(), *done)),
                _ => None,
            })
            .collect())
    }

    async fn record(&self, key: &str, done: Done, _now: SystemTime) -> Result<(), StoreError> {
        self.records().insert(key.to_owned(), Record::Done(done));
        Ok(())
    }

    async fn complete(
        &self,
        event_id: &str,
        owner: &Owner,
        _now: SystemTime,
        summary: &str,
    ) -> Result<Closed, StoreError> {
        let mut records = self.records();
        let key = event_key(event_id);
        if !Self::owned_by(&records, &key, owner) {
            return Ok(Closed::NotOwner);
        }
        records.insert(
            key,
            Record::Completed {
                summary: summary.to_owned(),
                claimed: None,
            },
        );
        Ok(Closed::Done)
    }

    async fn release(&self, event_id: &str, owner: &Owner) -> Result<Closed, StoreError> {
        let mut records = self.records();
        let key = event_key(event_id);
        let written_completed = matches!(
            records.get(&key),
            Some(Record::Completed { claimed: Some((o, _)), .. }) if o == owner
        );
        if !written_completed && !Self::owned_by(&records, &key, owner) {
            return Ok(Closed::NotOwner);
        }
        records.remove(&key);
        Ok(Closed::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_event_is_claimed_once_until_released_or_its_lease_ends() {
        let store = MemoryStore::new();
        let now = SystemTime::now();
        let until = now + Duration::from_secs(60);
        let (a, b, c) = (
            Owner::new().unwrap(),
            Owner::new().unwrap(),
            Owner::new().unwrap(),
        );
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 32);
        assert_eq!(
            store.claim("e1", &a, now, until).await.unwrap(),
            Claim::Acquired
        );
        assert_eq!(
            store.claim("e1", &b, now, until).await.unwrap(),
            Claim::InProgress
        );
        let later = now + Duration::from_secs(61);
        let later_until = later + Duration::from_secs(60);
        assert_eq!(
            store.claim("e1", &b, later, later_until).await.unwrap(),
            Claim::Acquired
        );
        // The stale owner can neither free nor close the newer claim.
        assert_eq!(store.release("e1", &a).await.unwrap(), Closed::NotOwner);
        assert_eq!(
            store.complete("e1", &a, now, "[]").await.unwrap(),
            Closed::NotOwner
        );
        assert_eq!(
            store.claim("e1", &c, later, later_until).await.unwrap(),
            Claim::InProgress
        );
        assert_eq!(store.release("e1", &b).await.unwrap(), Closed::Done);
        assert_eq!(
            store.claim("e1", &c, now, until).await.unwrap(),
            Claim::Acquired
        );
        assert_eq!(
            store.complete("e1", &c, now, "[1]").await.unwrap(),
            Closed::Done
        );
        assert_eq!(
            store.claim("e1", &a, later, later_until).await.unwrap(),
            Claim::Completed {
                summary: Some("[1]".into()),
                redo_from: None,
            }
        );
        assert_eq!(store.release("e1", &c).await.unwrap(), Closed::NotOwner);
    }

    fn c_owner() -> Owner {
        Owner::new().unwrap()
    }

    #[tokio::test]
    async fn a_claim_written_completed_answers_as_completed_until_its_owner_releases_it() {
        let store = MemoryStore::new();
        let now = SystemTime::now();
        let until = now + Duration::from_secs(60);
        let (a, b) = (Owner::new().unwrap(), Owner::new().unwrap());
        assert_eq!(
            store.claim_completed("q1", &a, now, "[1]").await.unwrap(),
            Claim::Acquired
        );
        let completed = Claim::Completed {
            summary: Some("[1]".into()),
            redo_from: Some(now),
        };
        assert_eq!(store.claim("q1", &b, now, until).await.unwrap(), completed);
        assert_eq!(
            store.claim_completed("q1", &b, now, "[2]").await.unwrap(),
            completed
        );
        // Only its owner may undo it, and a completion is not a claim of its own.
        assert_eq!(store.release("q1", &b).await.unwrap(), Closed::NotOwner);
        assert_eq!(
            store.complete("q1", &a, now, "[3]").await.unwrap(),
            Closed::NotOwner
        );
        assert_eq!(store.release("q1", &a).await.unwrap(), Closed::Done);
        assert_eq!(
            store.claim_completed("q1", &b, now, "[2]").await.unwrap(),
            Claim::Acquired
        );
        // A live claim in progress (direct mode) keeps it out; a lapsed one does not.
        assert_eq!(
            store.claim("q2", &a, now, until).await.unwrap(),
            Claim::Acquired
        );
        assert_eq!(
            store.claim_completed("q2", &b, now, "[]").await.unwrap(),
            Claim::InProgress
        );
        let later = until + Duration::from_secs(1);
        assert_eq!(
            store.claim_completed("q2", &b, later, "[]").await.unwrap(),
            Claim::Acquired
        );
        assert_eq!(store.release("q2", &a).await.unwrap(), Closed::NotOwner);
        // Direct mode takes a queued claim over, once, and only that claim.
        assert_eq!(
            store.claim_completed("q4", &a, now, "[]").await.unwrap(),
            Claim::Acquired
        );
        let other_time = now + Duration::from_millis(1);
        assert!(!store.take_over("q4", other_time, &b, until).await.unwrap());
        assert!(store.take_over("q4", now, &b, until).await.unwrap());
        assert!(!store.take_over("q4", now, &c_owner(), until).await.unwrap());
        assert_eq!(
            store.claim("q4", &a, now, until).await.unwrap(),
            Claim::InProgress
        );
        assert_eq!(
            store.complete("q4", &b, now, "[5]").await.unwrap(),
            Closed::Done
        );
        // A record completed the usual way has no owner: nobody releases it.
        assert_eq!(
            store.claim("q3", &a, now, until).await.unwrap(),
            Claim::Acquired
        );
        assert_eq!(
            store.complete("q3", &a, now, "[]").await.unwrap(),
            Closed::Done
        );
        assert_eq!(store.release("q3", &a).await.unwrap(), Closed::NotOwner);
    }

    #[tokio::test]
    async fn sent_messages_are_remembered() {
        let store = MemoryStore::new();
        let now = SystemTime::now();
        store.record("msg#a", Done::Sent, now).await.unwrap();
        store.record("msg#c", Done::Refused, now).await.unwrap();
        let keys = ["msg#a".into(), "msg#b".into(), "msg#c".into()];
        let recorded = store.recorded(&keys).await.unwrap();
        assert_eq!(
            recorded,
            HashMap::from([
                ("msg#a".to_owned(), Done::Sent),
                ("msg#c".to_owned(), Done::Refused)
            ])
        );
    }
}
