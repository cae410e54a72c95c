//! Queued mode's enqueue side (`BOOXI_DELIVERY_MODE=queued`): the core claims and plans
//! an event, puts one message per planned notification on a [`Queue`] (a port: SQS in
//! Lambda, a memory queue in `serve --queued`) and answers at once; the queue door
//! ([`crate::doors::queue`]) later renders and sends each message with the same
//! per-message idempotency as direct mode.
//!
//! What a queue message holds ([`QueuedMessage`], JSON): a format version, the message's
//! key in the idempotency store (event id, kind, audience, channel and a hash of the
//! recipient, never an address), its position in the plan, and the event as the render
//! needs it: its id, type, creation time and the payload Booxi sent (`content`). The
//! payload carries the booking's personal data (names, addresses, numbers): the
//! templates may read any of its fields, so it cannot be cut down without changing what
//! is rendered. The address of the message is not copied out of it; the drain plans the
//! event again (the rules are pure) and picks the notification by its key.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::core::delivery::Failure;
use crate::core::outcome::report;
use crate::core::outcome::{MessageReport, Outcome};
use crate::core::store::{RecipientHasher, message_key};
use crate::domain::event::Event;
use crate::domain::notification::{Notification, audience_name, channel_name};

/// At most this many messages per `SendMessageBatch` call (SQS's limit).
pub const BATCH_ENTRIES: usize = 10;
/// At most this many bytes of bodies per call, and per message (SQS's classic limit,
/// which every queue accepts).
pub const BATCH_BYTES: usize = 256 * 1024;
/// Attempts at enqueueing the entries a batch call did not take.
const ENQUEUE_ATTEMPTS: u32 = 3;
/// The version of [`QueuedMessage`]'s format.
pub const FORMAT: u32 = 1;

/// One message to put on the queue: an id unique within its batch call, and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub body: String,
}

/// An entry the queue did not take, and why (an error code, no content).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub id: String,
    pub reason: String,
    /// The queue says the entry itself is wrong: trying again will not help.
    pub sender_fault: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("queue: {0}")]
pub struct QueueError(pub String);

/// Where queued mode puts messages: SQS in Lambda (`aws::SqsQueue`), [`MemoryQueue`] in
/// `booxi-notify serve --queued` and tests.
pub trait Queue: Send + Sync {
    /// Puts up to [`BATCH_ENTRIES`] entries on the queue; returns those it did not take.
    /// An error means the call itself failed (none was taken, as far as we know).
    fn send_batch<'a>(
        &'a self,
        entries: &'a [Entry],
    ) -> BoxFuture<'a, Result<Vec<Rejected>, QueueError>>;
}

/// The event as a queue message carries it: what [`Event`] is read from again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_on: Option<String>,
    /// The payload as Booxi sent it.
    pub content: Value,
}

/// The body of one queue message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedMessage {
    pub v: u32,
    /// The message's key in the idempotency store.
    pub key: String,
    /// 1-based position in the event's plan (the Message-ID of an email depends on it).
    pub index: usize,
    pub event: QueuedEvent,
}

impl QueuedMessage {
    pub fn new(event: &Event, key: String, index: usize) -> Self {
        Self {
            v: FORMAT,
            key,
            index,
            event: QueuedEvent {
                id: event.id.clone(),
                event_type: event.event_type.name().to_owned(),
                created_on: event.created_on.clone(),
                content: event.content.clone(),
            },
        }
    }

    /// The event again, as the webhook read it (its aliased type and its id kept).
    pub fn event(&self, config: &crate::Config) -> Result<Event, String> {
        let envelope = json!({
            "eventId": self.event.id,
            "eventType": self.event.event_type,
            "createdOn": self.event.created_on,
            "content": self.event.content,
        });
        let mut event = Event::from_value(&envelope, config.default_country)
            .map_err(|e| format!("the queued event does not read: {e}"))?;
        event.id = self.event.id.clone();
        Ok(event)
    }
}

/// Queued mode's delivery: every planned message not sent before goes on `queue`,
/// [`BATCH_ENTRIES`] per call; entries a call does not take are tried again, then
/// reported as failed for a temporary reason (the webhook answers 503 and Booxi's
/// retry enqueues them again; the drain sends each message once).
pub(crate) async fn enqueue(
    queue: &dyn Queue,
    event: &Event,
    notifications: &[Notification],
    recipients: &RecipientHasher,
) -> Vec<MessageReport> {
    // Not checked against the records here (one store call less in the answer's
    // path): the drain checks each message before sending it.
    let keys: Vec<String> = notifications
        .iter()
        .map(|n| message_key(n, recipients))
        .collect();
    let mut outcomes: Vec<Option<Outcome>> = vec![None; notifications.len()];
    let mut pending: Vec<(usize, Entry)> = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let body = QueuedMessage::new(event, key.clone(), i + 1);
        let body = queue_safe(serde_json::to_string(&body).unwrap_or_default());
        if body.len() > BATCH_BYTES {
            outcomes[i] = Some(Outcome::Failed {
                failure: Failure::Configuration,
                reason: format!(
                    "too large for the queue: {} bytes, at most {BATCH_BYTES}",
                    body.len()
                ),
            });
        } else {
            let id = i.to_string();
            pending.push((i, Entry { id, body }));
        }
    }
    for chunk in chunks(pending) {
        let taken = put(queue, &event.id, chunk.clone()).await;
        for (i, _) in chunk {
            outcomes[i] = Some(match taken.get(&i.to_string()) {
                None => Outcome::Queued,
                Some(reason) => Outcome::Failed {
                    failure: Failure::Temporary,
                    reason: reason.clone(),
                },
            });
        }
    }
    notifications
        .iter()
        .zip(outcomes)
        .map(|(n, outcome)| {
            let result = report(
                n,
                outcome.unwrap_or(Outcome::Failed {
                    failure: Failure::Temporary,
                    reason: "not queued".into(),
                }),
            );
            tracing::info!(
                event_id = %event.id,
                kind = %n.kind,
                audience = audience_name(n.audience),
                channel = channel_name(n.channel),
                outcome = ?result.status(),
                reason = result.reason().unwrap_or(""),
                "message"
            );
            result
        })
        .collect()
}

/// Whether SQS takes `c` in a message body: `#x9 | #xA | #xD | [#x20-#xD7FF] |
/// [#xE000-#xFFFD] | [#x10000-#x10FFFF]` (XML 1.0's characters).
fn sqs_takes(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `json` with every character SQS refuses in a body written as a JSON escape
/// (`\ufffe`): the same JSON, which any body the webhook accepts can be sent as. SQS
/// refuses the whole call over one such character (`InvalidMessageContents`), and
/// serde_json writes U+FFFE and U+FFFF as they are (it escapes only control
/// characters). Outside strings JSON is ASCII, so each escape lands inside a string.
pub fn queue_safe(json: String) -> String {
    if json.chars().all(sqs_takes) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if sqs_takes(c) {
            out.push(c);
        } else {
            // Every refused character is in the Basic Multilingual Plane: one escape.
            out.push_str(&format!("\\u{:04x}", c as u32));
        }
    }
    out
}

/// Entries in calls of at most [`BATCH_ENTRIES`] entries and [`BATCH_BYTES`] bytes.
fn chunks(entries: Vec<(usize, Entry)>) -> Vec<Vec<(usize, Entry)>> {
    let mut out: Vec<Vec<(usize, Entry)>> = Vec::new();
    let mut bytes = 0;
    for entry in entries {
        let size = entry.1.body.len();
        match out.last_mut() {
            Some(last) if last.len() < BATCH_ENTRIES && bytes + size <= BATCH_BYTES => {
                bytes += size;
                last.push(entry);
            }
            _ => {
                bytes = size;
                out.push(vec![entry]);
            }
        }
    }
    out
}

/// Sends one call's entries, trying again (with a short pause) those the queue did not
/// take for a reason that may pass. Returns the entries not taken in the end, by id.
async fn put(
    queue: &dyn Queue,
    event_id: &str,
    chunk: Vec<(usize, Entry)>,
) -> HashMap<String, String> {
    let mut left: Vec<Entry> = chunk.into_iter().map(|(_, e)| e).collect();
    let mut failed = HashMap::new();
    for attempt in 1..=ENQUEUE_ATTEMPTS {
        let rejected = match queue.send_batch(&left).await {
            Ok(rejected) => rejected,
            Err(e) => left
                .iter()
                .map(|entry| Rejected {
                    id: entry.id.clone(),
                    reason: e.to_string(),
                    sender_fault: false,
                })
                .collect(),
        };
        let mut again = Vec::new();
        for r in rejected {
            tracing::warn!(event_id, entry = %r.id, reason = %r.reason, attempt, "the queue did not take a message");
            if r.sender_fault || attempt == ENQUEUE_ATTEMPTS {
                failed.insert(r.id, format!("not queued: {}", r.reason));
            } else if let Some(entry) = left.iter().find(|e| e.id == r.id) {
                again.push(entry.clone());
            }
        }
        if again.is_empty() {
            break;
        }
        left = again;
        tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt))).await;
    }
    failed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::config::Config;

    const BODY: &str = r#"{"eventId":"e-1","eventType":"appointment.created","content":{"booking":{"status":"Approved",
        "client":{"email":"jane@example.com","mobilePhoneNumber":"+15145550123","remindBySMS":true}},
        "merchant":{"email":"store@example.com"}}}"#;

    fn event() -> Event {
        Event::read(BODY.as_bytes(), &Config::default()).unwrap()
    }

    #[test]
    fn batches_hold_at_most_ten_entries_and_256_kib() {
        let entry = |i: usize, size: usize| {
            (
                i,
                Entry {
                    id: i.to_string(),
                    body: "x".repeat(size),
                },
            )
        };
        let sizes: Vec<usize> = chunks((0..23).map(|i| entry(i, 10)).collect())
            .iter()
            .map(Vec::len)
            .collect();
        assert_eq!(sizes, [10, 10, 3]);
        let big = chunks((0..5).map(|i| entry(i, 100 * 1024)).collect());
        assert_eq!(big.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
    }

    #[test]
    fn bodies_hold_only_what_sqs_takes_and_read_back_the_same() {
        let text = "a\u{FFFE}b\u{FFFF}c\u{0}d\u{1F600}e\u{B}\t\u{D7FF}\u{E000}";
        let json = serde_json::to_string(&json!({ "name": text })).unwrap();
        assert!(json.contains('\u{FFFE}'), "serde_json writes it as it is");
        let safe = queue_safe(json);
        assert!(safe.chars().all(sqs_takes), "{safe:?}");
        assert!(
            safe.contains("\\ufffe") && safe.contains("\\uffff"),
            "{safe}"
        );
        assert!(
            safe.contains('\u{1F600}'),
            "4-byte characters are taken as they are"
        );
        let back: Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["name"], text);
        let plain = r#"{"a":"é"}"#.to_owned();
        assert_eq!(queue_safe(plain.clone()), plain);
    }

    #[test]
    fn a_queued_message_reads_back_as_the_same_event() {
        let e = event();
        let m = QueuedMessage::new(&e, "k".into(), 2);
        let wire = serde_json::to_string(&m).unwrap();
        let back: QueuedMessage = serde_json::from_str(&wire).unwrap();
        let again = back.event(&Config::default()).unwrap();
        assert_eq!(again.id, e.id);
        assert_eq!(again.event_type, e.event_type);
        let plan = |ev: &Event| crate::core::plan(ev, &Config::default()).notifications;
        assert_eq!(plan(&again), plan(&e));
    }
}
