//! The ports' in-memory twins, for `booxi-notify serve` and `send`, the Lambda's local
//! mode and tests: the idempotency store ([`MemoryStore`]), the flows' scheduler and
//! booking states ([`MemoryScheduler`], [`MemoryStates`]), queued mode's queue
//! ([`MemoryQueue`], with [`drain_forever`] playing SQS's event source mapping) and the
//! events-out bus ([`MemoryBus`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde_json::{Value, json};

use crate::core::compose::Compose;
use crate::core::delivery::{Courier, Failure};
use crate::core::events_out::{self, BusError, EventBus};
use crate::core::process::Core;
use crate::core::queue::{BATCH_ENTRIES, Entry, Queue, QueueError, Rejected};
use crate::core::schedules::{
    BookingState, BookingStates, Named, Saved, Schedule, ScheduleError, Scheduler,
};
use crate::core::store::{
    Applied, Claim, Closed, Counted, Done, Fallback, Found, HistoryEntry, IdempotencyStore, Owner,
    StoreError, Suppression, epoch_millis, event_key, provider_key, sms_day_key,
};
use crate::domain::feedback::Learned;
use crate::domain::sms::SpendDay;
use crate::doors::queue::drain;

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

/// An events-out bus in memory: keeps every entry put, in order; [`MemoryBus::fail`]
/// makes the next puts fail one entry each, as EventBridge does (a failed entry in an
/// answer that is otherwise OK).
#[derive(Debug, Default)]
pub struct MemoryBus {
    entries: Mutex<Vec<events_out::Entry>>,
    failing: AtomicU64,
}

impl MemoryBus {
    pub fn new() -> Self {
        Self::default()
    }

    /// The entries put so far, oldest first.
    pub fn entries(&self) -> Vec<events_out::Entry> {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The next `times` puts fail their entries (`InternalFailure`).
    pub fn fail(&self, times: u64) {
        self.failing.store(times, Ordering::SeqCst);
    }
}

impl EventBus for MemoryBus {
    fn put<'a>(
        &'a self,
        entries: &'a [events_out::Entry],
    ) -> BoxFuture<'a, Result<Vec<(usize, BusError)>, BusError>> {
        Box::pin(async move {
            let failing = self
                .failing
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            if failing {
                let failed = (0..entries.len())
                    .map(|i| {
                        let e = BusError {
                            failure: Failure::Temporary,
                            message: "PutEvents entry: InternalFailure".into(),
                        };
                        (i, e)
                    })
                    .collect();
                return Ok(failed);
            }
            self.entries
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend_from_slice(entries);
            Ok(Vec::new())
        })
    }
}

/// The in-memory store: the same semantics as DynamoDB's conditional writes, each
/// operation atomic under one lock, for one process. With a journal
/// ([`MemoryStore::with_journal`]), message histories and suppressions are also appended
/// to a file of JSON lines, read back at start, so `booxi-notify history` and a later
/// `serve` see them.
#[derive(Debug, Default)]
pub struct MemoryStore {
    records: Mutex<HashMap<String, Record>>,
    /// The daily SMS counters (`[sms] max_per_day`): each day's messages counted.
    sms_days: Mutex<HashMap<String, std::collections::BTreeSet<String>>>,
    /// Message histories by key (`pid#…` once sent, else the message's key).
    history: Mutex<HashMap<String, HistoryEntry>>,
    suppressions: Mutex<HashMap<String, Suppression>>,
    /// WhatsApp messages' SMS fallbacks, by provider id (never journaled: they hold
    /// the number and the text).
    fallbacks: Mutex<HashMap<String, Fallback>>,
    journal: Option<std::path::PathBuf>,
}

/// One line of a journal file.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum JournalLine {
    /// A message's history as it now stands, under `key`.
    Message {
        key: String,
        entry: Box<HistoryEntry>,
    },
    /// A recipient suppressed (`key`: `sup#<hash>`), times in epoch milliseconds.
    Suppression {
        key: String,
        cause: String,
        learned_at: u64,
        expires_at: u64,
    },
    /// A suppression lifted.
    Lifted { key: String },
}

/// What a journal holds once read: each message's latest history, by key, and the
/// suppressions in force.
#[derive(Debug, Default)]
pub struct Journal {
    pub history: HashMap<String, HistoryEntry>,
    pub suppressions: HashMap<String, Suppression>,
}

impl Journal {
    /// Reads `path` (a missing file is an empty journal; a line that does not read is
    /// skipped).
    pub fn read(path: &std::path::Path) -> std::io::Result<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e),
        };
        let mut journal = Journal::default();
        for line in text.lines() {
            match serde_json::from_str::<JournalLine>(line) {
                Ok(JournalLine::Message { key, entry }) => {
                    journal.history.insert(key, *entry);
                }
                Ok(JournalLine::Suppression {
                    key,
                    cause,
                    learned_at,
                    expires_at,
                }) => {
                    let Some(cause) = crate::domain::feedback::Cause::parse(&cause) else {
                        continue;
                    };
                    let at = |ms| SystemTime::UNIX_EPOCH + Duration::from_millis(ms);
                    journal.suppressions.insert(
                        key,
                        Suppression {
                            cause,
                            learned_at: at(learned_at),
                            expires_at: at(expires_at),
                        },
                    );
                }
                Ok(JournalLine::Lifted { key }) => {
                    journal.suppressions.remove(&key);
                }
                Err(_) => {}
            }
        }
        Ok(journal)
    }

    /// Appends one line to the journal at `path`.
    pub fn append(path: &std::path::Path, line: &JournalLine) -> std::io::Result<()> {
        use std::io::Write;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        let text = serde_json::to_string(line).map_err(std::io::Error::other)?;
        writeln!(file, "{text}")
    }
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// A store whose histories and suppressions are also kept in the journal at
    /// `path` (read now, appended to from now on).
    pub fn with_journal(path: impl Into<std::path::PathBuf>) -> std::io::Result<Self> {
        let path = path.into();
        let journal = Journal::read(&path)?;
        Ok(Self {
            records: Mutex::default(),
            history: Mutex::new(journal.history),
            suppressions: Mutex::new(journal.suppressions),
            fallbacks: Mutex::default(),
            journal: Some(path),
            sms_days: Mutex::default(),
        })
    }

    fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
        m.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn journal(&self, line: &JournalLine) -> Result<(), StoreError> {
        match &self.journal {
            Some(path) => Journal::append(path, line)
                .map_err(|e| StoreError(format!("journal: cannot write: {}", e.kind()))),
            None => Ok(()),
        }
    }

    fn keep_history(&self, key: String, entry: HistoryEntry) -> Result<(), StoreError> {
        Self::lock(&self.history).insert(key.clone(), entry.clone());
        self.journal(&JournalLine::Message {
            key,
            entry: Box::new(entry),
        })
    }

    /// Every message history kept, in no order.
    pub fn histories(&self) -> Vec<HistoryEntry> {
        Self::lock(&self.history).values().cloned().collect()
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
    async fn look_up(
        &self,
        message_keys: &[String],
        suppression_keys: &[String],
    ) -> Result<Found, StoreError> {
        let done = self.recorded(message_keys).await?;
        let suppressions = Self::lock(&self.suppressions);
        let suppressed = suppression_keys
            .iter()
            .filter_map(|k| suppressions.get(k).map(|s| (k.clone(), s.clone())))
            .collect();
        Ok(Found { done, suppressed })
    }

    async fn record_message(
        &self,
        key: &str,
        done: Done,
        entry: &HistoryEntry,
        now: SystemTime,
    ) -> Result<(), StoreError> {
        self.record(key, done, now).await?;
        self.keep_history(entry.key(key), entry.clone())
    }

    async fn note_skipped(
        &self,
        key: &str,
        entry: &HistoryEntry,
        _now: SystemTime,
    ) -> Result<(), StoreError> {
        self.keep_history(key.to_owned(), entry.clone())
    }

    async fn learn(&self, learned: &Learned, now: SystemTime) -> Result<Applied, StoreError> {
        let key = provider_key(&learned.provider_id);
        let next = {
            let history = Self::lock(&self.history);
            let Some(entry) = history.get(&key) else {
                return Ok(Applied::Unmatched);
            };
            match entry.learn(learned, now) {
                None => return Ok(Applied::Unchanged(entry.clone())),
                Some(next) => next,
            }
        };
        self.keep_history(key, next.clone())?;
        Ok(Applied::Changed(next))
    }

    async fn suppress(&self, key: &str, suppression: &Suppression) -> Result<(), StoreError> {
        Self::lock(&self.suppressions).insert(key.to_owned(), suppression.clone());
        self.journal(&JournalLine::Suppression {
            key: key.to_owned(),
            cause: suppression.cause.name().to_owned(),
            learned_at: epoch_millis(suppression.learned_at),
            expires_at: epoch_millis(suppression.expires_at),
        })
    }

    async fn lift(&self, key: &str) -> Result<bool, StoreError> {
        let removed = Self::lock(&self.suppressions).remove(key).is_some();
        self.journal(&JournalLine::Lifted {
            key: key.to_owned(),
        })?;
        Ok(removed)
    }

    async fn keep_fallback(
        &self,
        provider_id: &str,
        fallback: &Fallback,
        _now: SystemTime,
    ) -> Result<(), StoreError> {
        Self::lock(&self.fallbacks).insert(provider_id.to_owned(), fallback.clone());
        Ok(())
    }

    async fn fallback(&self, provider_id: &str) -> Result<Option<Fallback>, StoreError> {
        Ok(Self::lock(&self.fallbacks).get(provider_id).cloned())
    }
    async fn count_sms(
        &self,
        day: &SpendDay,
        message: &str,
        cap: u32,
    ) -> Result<Counted, StoreError> {
        let mut days = self.sms_days.lock().unwrap_or_else(|p| p.into_inner());
        let counted = days.entry(sms_day_key(day)).or_default();
        Ok(if counted.contains(message) {
            Counted::Before
        } else if counted.len() >= cap as usize {
            Counted::Full
        } else {
            counted.insert(message.to_owned());
            Counted::Counted
        })
    }

    async fn uncount_sms(&self, day: &SpendDay, message: &str) -> Result<(), StoreError> {
        let mut days = self.sms_days.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(counted) = days.get_mut(&sms_day_key(day)) {
            counted.remove(message);
        }
        Ok(())
    }
}

/// Schedules in memory (`booxi-notify serve`, tests): the same upsert/delete semantics.
#[derive(Debug, Default)]
pub struct MemoryScheduler {
    schedules: Mutex<BTreeMap<String, Schedule>>,
}

impl MemoryScheduler {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Schedule>> {
        self.schedules.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every schedule, by name.
    pub fn all(&self) -> Vec<Schedule> {
        self.lock().values().cloned().collect()
    }

    /// Takes out the schedules due at `now` (all of them with `everything`), earliest
    /// first: a fired one-time schedule is deleted, as `ActionAfterCompletion: DELETE`.
    pub fn take_due(&self, now: Timestamp, everything: bool) -> Vec<Schedule> {
        let mut schedules = self.lock();
        let due: Vec<String> = schedules
            .values()
            .filter(|s| everything || s.at <= now)
            .map(|s| s.name.clone())
            .collect();
        let mut out: Vec<Schedule> = due.iter().filter_map(|n| schedules.remove(n)).collect();
        out.sort_by_key(|s| s.at);
        out
    }
}

impl Scheduler for MemoryScheduler {
    fn upsert<'a>(&'a self, schedule: &'a Schedule) -> BoxFuture<'a, Result<(), ScheduleError>> {
        self.lock().insert(schedule.name.clone(), schedule.clone());
        Box::pin(async { Ok(()) })
    }

    fn delete<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), ScheduleError>> {
        self.lock().remove(name);
        Box::pin(async { Ok(()) })
    }
}

/// Booking states in memory, and the names that lead to them.
#[derive(Debug, Default)]
pub struct MemoryStates {
    states: Mutex<BTreeMap<String, BookingState>>,
    names: Mutex<BTreeMap<String, Named>>,
}

impl MemoryStates {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every booking key a state is kept under.
    pub fn bookings(&self) -> Vec<String> {
        let states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        states.keys().cloned().collect()
    }
}

impl BookingStates for MemoryStates {
    fn save<'a>(
        &'a self,
        booking: &'a str,
        state: &'a BookingState,
        read: Option<u64>,
    ) -> BoxFuture<'a, Result<Saved, StoreError>> {
        let mut states = self.states.lock().unwrap_or_else(|p| p.into_inner());
        let saved = if states.get(booking).map(|s| s.rev) == read {
            states.insert(booking.to_owned(), state.clone());
            Saved::Stored
        } else {
            Saved::Conflict
        };
        Box::pin(async move { Ok(saved) })
    }

    fn load<'a>(
        &'a self,
        booking: &'a str,
    ) -> BoxFuture<'a, Result<Option<BookingState>, StoreError>> {
        let state = self
            .states
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(booking)
            .cloned();
        Box::pin(async move { Ok(state) })
    }

    fn find<'a>(
        &'a self,
        names: &'a [String],
    ) -> BoxFuture<'a, Result<HashMap<String, Named>, StoreError>> {
        let known = self.names.lock().unwrap_or_else(|p| p.into_inner());
        let found = names
            .iter()
            .filter_map(|n| known.get(n).map(|named| (n.clone(), named.clone())))
            .collect();
        Box::pin(async move { Ok(found) })
    }

    fn name<'a>(
        &'a self,
        name: &'a str,
        booking: &'a str,
        expires_at: SystemTime,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let mut known = self.names.lock().unwrap_or_else(|p| p.into_inner());
        if known.get(name).is_none_or(|n| n.booking == booking) {
            known.insert(
                name.to_owned(),
                Named {
                    booking: booking.to_owned(),
                    expires_at,
                },
            );
        }
        Box::pin(async { Ok(()) })
    }
}

/// A queue in memory, for `booxi-notify serve --queued` and tests: what is put on it can
/// be received in batches shaped as Lambda's SQS events, failed messages come back after
/// a pause, and a message received [`MemoryQueue::max_receives`] times without success
/// is set aside as dead.
#[derive(Debug)]
pub struct MemoryQueue {
    state: Mutex<MemoryState>,
    ids: AtomicU64,
    /// Receives after which a message is dead (the redrive policy's maxReceiveCount).
    pub max_receives: u32,
    /// How long a failed message stays invisible (the visibility timeout).
    pub retry_after: Duration,
    notify: tokio::sync::Notify,
}

#[derive(Debug, Default)]
struct MemoryState {
    /// (message id, body, receives so far, visible from)
    ready: Vec<(String, String, u32, Instant)>,
    dead: Vec<String>,
}

/// A message [`MemoryQueue::receive`] handed out: (message id, body, receives so far).
pub type Received = (String, String, u32);

impl Default for MemoryQueue {
    fn default() -> Self {
        Self::new(5, Duration::from_secs(2))
    }
}

impl MemoryQueue {
    pub fn new(max_receives: u32, retry_after: Duration) -> Self {
        Self {
            state: Mutex::default(),
            ids: AtomicU64::new(1),
            max_receives,
            retry_after,
            notify: tokio::sync::Notify::new(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Messages waiting (visible or not).
    pub fn len(&self) -> usize {
        self.state().ready.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bodies of the messages set aside as dead.
    pub fn dead(&self) -> Vec<String> {
        self.state().dead.clone()
    }

    /// Up to `max` visible messages as an SQS batch event (`Records[]`), and their ids;
    /// `None` when none is visible. Received messages leave the queue until
    /// [`MemoryQueue::settle`] says which failed.
    pub fn receive(&self, max: usize) -> Option<(Value, Vec<Received>)> {
        let now = Instant::now();
        let mut state = self.state();
        let mut taken = Vec::new();
        let mut i = 0;
        while i < state.ready.len() && taken.len() < max {
            if state.ready[i].3 <= now {
                let (id, body, receives, _) = state.ready.remove(i);
                taken.push((id, body, receives + 1));
            } else {
                i += 1;
            }
        }
        if taken.is_empty() {
            return None;
        }
        let records: Vec<Value> = taken
            .iter()
            .map(|(id, body, receives)| {
                json!({
                    "messageId": id,
                    "body": body,
                    "attributes": {"ApproximateReceiveCount": receives.to_string()},
                    "eventSource": "aws:sqs",
                    "eventSourceARN": "arn:aws:sqs:local:000000000000:booxi-notify-local",
                })
            })
            .collect();
        Some((json!({ "Records": records }), taken))
    }

    /// Puts back the received messages the door's `answer` lists as failed (visible
    /// again after `retry_after`, or dead after `max_receives`); the others are deleted.
    pub fn settle(&self, received: Vec<Received>, answer: &Value) {
        let failed: Vec<&str> = answer["batchItemFailures"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f["itemIdentifier"].as_str())
            .collect();
        let mut state = self.state();
        let visible = Instant::now() + self.retry_after;
        for (id, body, receives) in received {
            if !failed.contains(&id.as_str()) {
                continue;
            }
            if receives >= self.max_receives {
                tracing::warn!(message_id = %id, receives, "queue message dead after its last receive");
                state.dead.push(body);
            } else {
                state.ready.push((id, body, receives, visible));
            }
        }
        drop(state);
        self.notify.notify_one();
    }

    /// Waits until a message may be visible (woken by a put, or after a short pause).
    pub async fn wait(&self) {
        let _ = tokio::time::timeout(Duration::from_millis(200), self.notify.notified()).await;
    }
}

impl Queue for MemoryQueue {
    fn send_batch<'a>(
        &'a self,
        entries: &'a [Entry],
    ) -> BoxFuture<'a, Result<Vec<Rejected>, QueueError>> {
        Box::pin(async move {
            let now = Instant::now();
            {
                let mut state = self.state();
                for e in entries {
                    let id = format!("local-{}", self.ids.fetch_add(1, Ordering::SeqCst));
                    state.ready.push((id, e.body.clone(), 0, now));
                }
            }
            self.notify.notify_one();
            Ok(Vec::new())
        })
    }
}

/// Runs the queue door over `queue` for as long as the process lives: receives up to
/// [`BATCH_ENTRIES`] messages, sends them through `core`, settles what failed.
pub async fn drain_forever<I, C, P>(core: &Core<I, C, P>, queue: &MemoryQueue)
where
    I: IdempotencyStore,
    C: Courier,
    P: Compose,
{
    loop {
        match queue.receive(BATCH_ENTRIES) {
            Some((batch, received)) => {
                // A batch that does not read comes back whole (as Lambda's would).
                let answer = drain(core, &batch, None).await.unwrap_or_else(|_| {
                    let all: Vec<Value> = received
                        .iter()
                        .map(|(id, _, _)| json!({"itemIdentifier": id}))
                        .collect();
                    json!({ "batchItemFailures": all })
                });
                queue.settle(received, &answer);
            }
            None => queue.wait().await,
        }
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
    async fn histories_move_forward_and_suppressions_survive_in_the_journal() {
        use crate::core::store::{RecipientHasher, Step, recipient_hash, suppression_key};
        use crate::domain::feedback::{Cause, MessageStatus};
        let dir = std::env::temp_dir().join(format!("booxi-journal-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("history.jsonl");
        let store = MemoryStore::with_journal(&path).unwrap();
        let now = SystemTime::now();
        let entry = HistoryEntry {
            event_id: "e".into(),
            kind: "confirmation".into(),
            audience: "client".into(),
            channel: "email".into(),
            to: "j•••@example.com".into(),
            status: "sent".into(),
            at: 1,
            provider_id: Some("p-1".into()),
            reason: None,
            booking_id: None,
            confirmation: None,
            recipient: recipient_hash(&RecipientHasher::offline(), "jane@example.com"),
            fallback_for: None,
            timeline: vec![Step {
                status: "sent".into(),
                at: 1,
                reason: None,
            }],
        };
        store
            .record_message("msg#e", Done::Sent, &entry, now)
            .await
            .unwrap();
        let learned = |status, id: &str| Learned {
            provider_id: id.into(),
            status,
            at: None,
            reason: None,
            suppress: None,
        };
        let delivered = learned(MessageStatus::Delivered, "p-1");
        assert!(matches!(
            store.learn(&delivered, now).await.unwrap(),
            Applied::Changed(e) if e.status == "delivered"
        ));
        let late = learned(MessageStatus::Delayed, "p-1");
        assert!(matches!(
            store.learn(&late, now).await.unwrap(),
            Applied::Unchanged(e) if e.status == "delivered"
        ));
        assert_eq!(
            store
                .learn(&learned(MessageStatus::Delivered, "p-2"), now)
                .await
                .unwrap(),
            Applied::Unmatched
        );
        let key = suppression_key(&entry.recipient);
        let suppression = Suppression {
            cause: Cause::Bounced,
            learned_at: now,
            expires_at: now + Duration::from_secs(60),
        };
        store.suppress(&key, &suppression).await.unwrap();
        // A new store on the same journal knows both; lifting is kept too.
        let again = MemoryStore::with_journal(&path).unwrap();
        let found = again
            .look_up(&[], std::slice::from_ref(&key))
            .await
            .unwrap();
        assert_eq!(found.suppressed[&key].cause, Cause::Bounced);
        assert_eq!(again.histories()[0].status, "delivered");
        assert!(again.lift(&key).await.unwrap());
        assert!(!again.lift(&key).await.unwrap());
        let third = MemoryStore::with_journal(&path).unwrap();
        assert!(
            third
                .look_up(&[], &[key])
                .await
                .unwrap()
                .suppressed
                .is_empty()
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("jane@"), "{text}");
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
