//! Idempotency: an event is processed once, and each of its messages is sent once, however
//! often Booxi delivers it. The [`IdempotencyStore`] trait has a DynamoDB implementation
//! (`adapters::aws::DynamoStore`) and an in-memory one (`adapters::memory::MemoryStore`) for tests
//! and offline use.
//!
//! Records (one table, string partition key `pk`, TTL attribute `expires_at`):
//! - `evt#<event id>`: `status` = `IN_PROGRESS` (with `owner`, a random token of the
//!   delivery holding the claim, and `lease_until`, epoch ms) or `COMPLETED` (with
//!   `summary`, the JSON of the first processing's messages, answered to duplicates; in
//!   queued mode the claim itself is written completed, with its `owner`, see
//!   [`IdempotencyStore::claim_completed`]);
//! - `msg#<event id>#<kind>#<audience>#<channel>#<recipient hash>`: the message was sent
//!   (`SENT`), or its recipient refused for good (`REFUSED`): either way it is not tried
//!   again;
//! - `sms#<merchant>#<day>`: with `[sms] max_per_day`, the SMS counted for a merchant on
//!   one day of the store's clock (`count`, and `msgs`, a fingerprint of each).
//!
//! `complete` and `release` only act on a claim the caller still owns, so a stale delivery
//! can neither free nor close a newer delivery's claim.
//!
//! Recipients are stored as a keyed hash ([`RecipientHasher`]: HMAC-SHA256 under the
//! stack's recipient key), never as an address, and never as a plain hash that hashing
//! every phone number of a country would undo.
//!
//! After the send (delivery outcomes), the same table keeps:
//! - `pid#<provider message id>`: the history of a message sent ([`HistoryEntry`]): what
//!   it was, to whom (masked, and the recipient's keyed hash), where it stands and how it
//!   got there; the provider's outcomes find it by that id;
//! - the history of a message refused or skipped on its `msg#…` record itself;
//! - `sup#<recipient hash>`: a suppressed recipient ([`Suppression`]), until it expires.

use std::collections::HashMap;
use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use crate::domain::ids::RecipientHasher;

use crate::domain::feedback::{Cause, Learned, MessageStatus};
use crate::domain::notification::{Notification, audience_name, channel_name};
use crate::domain::sms::SpendDay;

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

    /// Which of `message_keys` are recorded (as [`IdempotencyStore::recorded`]) and
    /// which of `suppression_keys` are suppressed, in one read where the store can.
    fn look_up(
        &self,
        message_keys: &[String],
        suppression_keys: &[String],
    ) -> impl Future<Output = Result<Found, StoreError>> + Send {
        let _ = suppression_keys;
        async move {
            Ok(Found {
                done: self.recorded(message_keys).await?,
                suppressed: HashMap::new(),
            })
        }
    }

    /// Records a message as done, with its history (`entry`: kept under
    /// `pid#<provider id>` for a message sent, on the message's record otherwise).
    fn record_message(
        &self,
        key: &str,
        done: Done,
        entry: &HistoryEntry,
        now: SystemTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let _ = entry;
        self.record(key, done, now)
    }

    /// Keeps the history of a message not sent by decision (a suppressed recipient) on
    /// its record, without marking it done: a later delivery decides again.
    fn note_skipped(
        &self,
        key: &str,
        entry: &HistoryEntry,
        now: SystemTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let _ = (key, entry, now);
        async { Ok(()) }
    }

    /// Applies a provider's outcome to the message it names, unless the message is
    /// already at that stage or further.
    fn learn(
        &self,
        learned: &Learned,
        now: SystemTime,
    ) -> impl Future<Output = Result<Applied, StoreError>> + Send {
        let _ = (learned, now);
        async { Ok(Applied::Unmatched) }
    }

    /// Suppresses a recipient (by its [`suppression_key`]).
    fn suppress(
        &self,
        key: &str,
        suppression: &Suppression,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let _ = (key, suppression);
        async { Ok(()) }
    }

    /// Lifts a suppression; `false` when there was none.
    fn lift(&self, key: &str) -> impl Future<Output = Result<bool, StoreError>> + Send {
        let _ = key;
        async { Ok(false) }
    }

    /// Counts one SMS on its merchant's counter of the day (`[sms] max_per_day`), in one
    /// atomic step: unless `cap` SMS are counted already, and not twice for one message
    /// (`message`: [`sms_fingerprint`] of its key; a retry of a send that may have gone
    /// finds it counted). A store without counters answers an error: the SMS is not sent.
    fn count_sms(
        &self,
        day: &SpendDay,
        message: &str,
        cap: u32,
    ) -> impl Future<Output = Result<Counted, StoreError>> + Send {
        let _ = (day, message, cap);
        async { Err(StoreError("this store keeps no daily SMS counter".into())) }
    }

    /// Takes back what [`IdempotencyStore::count_sms`] counted for `message` (its send
    /// failed, and sent nothing); nothing when it was not counted.
    fn uncount_sms(
        &self,
        day: &SpendDay,
        message: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let _ = (day, message);
        async { Ok(()) }
    }
}

/// What [`IdempotencyStore::look_up`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    pub done: HashMap<String, Done>,
    pub suppressed: HashMap<String, Suppression>,
}

/// A recipient (an email address or an E.164 number) as suppression entries and message
/// histories key it: the keyed hash of [`RecipientHasher`], never the address itself, of
/// the address trimmed and in lower case (`Jane@Example.com` is `jane@example.com`).
pub fn recipient_hash(recipients: &RecipientHasher, recipient: &str) -> String {
    recipients.hash(&recipient.trim().to_ascii_lowercase())
}

/// The key of a recipient's suppression entry.
pub fn suppression_key(recipient_hash: &str) -> String {
    format!("sup#{recipient_hash}")
}

/// The key of a sent message's history: its provider's message id.
pub fn provider_key(provider_id: &str) -> String {
    format!("pid#{provider_id}")
}

/// A recipient who gets nothing more on a channel until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub cause: Cause,
    pub learned_at: SystemTime,
    pub expires_at: SystemTime,
}

impl Suppression {
    /// Whether it still holds at `now` (the table's TTL deletes late).
    pub fn holds(&self, now: SystemTime) -> bool {
        self.expires_at > now
    }
}

/// One step of a message's history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Step {
    pub status: String,
    /// Epoch milliseconds.
    pub at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What `history` shows of one message, as the store keeps it: no address (`to` is
/// masked, `recipient` the recipient's hash).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HistoryEntry {
    pub event_id: String,
    pub kind: String,
    pub audience: String,
    pub channel: String,
    /// Masked (`j•••@example.com`).
    pub to: String,
    pub status: String,
    /// Epoch milliseconds of the current status.
    pub at: u64,
    #[serde(default)]
    pub provider_id: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub booking_id: Option<String>,
    #[serde(default)]
    pub confirmation: Option<String>,
    /// [`recipient_hash`] of the address.
    pub recipient: String,
    #[serde(default)]
    pub fallback_for: Option<String>,
    /// Every status it went through, oldest first.
    #[serde(default)]
    pub timeline: Vec<Step>,
}

impl HistoryEntry {
    pub fn status(&self) -> Option<MessageStatus> {
        MessageStatus::parse(&self.status)
    }

    /// Where the entry is kept: `pid#<provider id>` once sent, else its message's key.
    pub fn key(&self, message_key: &str) -> String {
        match &self.provider_id {
            Some(id) => provider_key(id),
            None => message_key.to_owned(),
        }
    }

    /// The entry once `learned` is applied, if it moves the message on (a later stage).
    pub fn learn(&self, learned: &Learned, now: SystemTime) -> Option<HistoryEntry> {
        let current = self.status().unwrap_or(MessageStatus::Sent);
        if !current.gives_way_to(learned.status) {
            return None;
        }
        let at = learned
            .at
            .map(|t| u64::try_from(t.as_millisecond()).unwrap_or(0))
            .unwrap_or_else(|| epoch_millis(now));
        let mut next = self.clone();
        next.status = learned.status.name().to_owned();
        next.at = at;
        next.reason = learned.reason.clone();
        next.timeline.push(Step {
            status: next.status.clone(),
            at,
            reason: learned.reason.clone(),
        });
        Some(next)
    }
}

/// What applying a provider's outcome to the store came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// No message of ours has that provider id (sent before this version, or by
    /// another system on the same identity).
    Unmatched,
    /// Known, and already at that stage or further: nothing changed.
    Unchanged(HistoryEntry),
    /// Moved on: the entry as it is now.
    Changed(HistoryEntry),
}

/// What counting an SMS on the day's counter came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// Counted now: it may go.
    Counted,
    /// Counted by an earlier attempt of the same message (which may or may not have
    /// gone): it may go, and counts once.
    Before,
    /// The cap is reached: it does not go.
    Full,
}

/// The key of a merchant's SMS counter of one day: `sms#<merchant>#<YYYY-MM-DD>`.
pub fn sms_day_key(day: &SpendDay) -> String {
    format!("sms#{}#{}", day.merchant, day.date())
}

/// What the day's counter keeps of a message counted (so a retry does not count it
/// twice): 64 bits of the SHA-256 of its key, hex. No address: the key holds a keyed
/// hash of the recipient.
pub fn sms_fingerprint(message_key: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(message_key.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

pub fn event_key(event_id: &str) -> String {
    format!("evt#{event_id}")
}

/// The per-message key: event id + kind + audience + channel + recipient (its keyed
/// hash, [`RecipientHasher`]).
pub fn message_key(n: &Notification, recipients: &RecipientHasher) -> String {
    keyed(n, &recipients.hash(n.to.as_str()))
}

/// The key versions before the keyed hash gave a message (a plain SHA-256 prefix of the
/// recipient). Read only: the queue door recognises a message those versions queued,
/// so an upgrade in queued mode loses nothing; nothing new is keyed this way.
pub fn legacy_message_key(n: &Notification) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(n.to.as_str().as_bytes());
    let hash: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    keyed(n, &hash)
}

fn keyed(n: &Notification, recipient: &str) -> String {
    format!(
        "msg#{}#{}#{}#{}#{recipient}",
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
