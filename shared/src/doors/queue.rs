//! The queue door (queued mode): Lambda's SQS event source mapping hands the function a
//! batch of the messages the core put on the queue ([`crate::core::queue`]); each is
//! rendered and sent once, with the same per-message idempotency as direct mode.
//!
//! The door's answer to a batch is SQS's partial-batch response:
//! `{"batchItemFailures":[{"itemIdentifier": messageId}, …]}` lists the messages to
//! deliver again after the visibility timeout: those that failed for a temporary reason
//! (throttling, timeouts) and those that failed for a configuration reason (sender not
//! verified, a template that does not render), which the queue's redrive policy moves
//! to the dead-letter queue after a bounded number of receives, to be redriven once the
//! cause is fixed. A recipient the provider refused is recorded and never retried; a
//! message already sent (a duplicate delivery) is not sent again.

use std::collections::HashMap;
use std::time::{Instant, SystemTime};

use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::core::compose::Compose;
use crate::core::delivery::{Courier, Failure};
use crate::core::metrics;
use crate::core::outcome::{MessageReport, Outcome, report};
use crate::core::process::{Core, Known, Timing};
use crate::core::queue::{FORMAT, QueueError, QueuedMessage};
use crate::core::store::{Claim, Done, IdempotencyStore, Owner, legacy_message_key, message_key};
use crate::render::EventScope;

/// One record of an SQS batch event, as much as the door needs.
#[derive(Debug, Clone, Deserialize)]
struct Record {
    #[serde(rename = "messageId")]
    message_id: String,
    #[serde(default)]
    body: String,
}

#[derive(Debug, Deserialize)]
struct Batch {
    #[serde(rename = "Records", default)]
    records: Vec<Record>,
}

/// What became of one queue message.
#[derive(Debug, Clone)]
struct Handled {
    /// Deliver it again later (it is in the batch answer).
    retry: bool,
    reports: Vec<MessageReport>,
}

/// What is wrong with a JSON document, without quoting it: serde's own text quotes the
/// value it did not expect (`invalid type: string "…"`), and a queued message holds the
/// booking's personal data. A missing field names only the field: kept as it is.
fn json_problem(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let text = e.to_string();
    let what = match e.classify() {
        Category::Data if text.starts_with("missing field") => {
            return text;
        }
        Category::Data => "a value of the wrong type or shape",
        Category::Syntax => "not JSON",
        Category::Eof => "JSON cut short",
        Category::Io => "unreadable",
    };
    if e.line() == 0 {
        what.to_owned()
    } else {
        format!("{what} at line {} column {}", e.line(), e.column())
    }
}

/// The queue door: sends each message of an SQS batch event (`Records[]`, as Lambda's
/// event source mapping delivers it) and answers which to deliver again.
/// `deadline` is when the invocation ends, if known; sends stop before it. An error (a
/// batch whose records do not read) fails the invocation: Lambda then returns the whole
/// batch to the queue, and the redrive policy bounds how often.
pub async fn drain<I, C, P>(
    core: &Core<I, C, P>,
    batch: &Value,
    deadline: Option<Instant>,
) -> Result<Value, QueueError>
where
    I: IdempotencyStore,
    C: Courier,
    P: Compose,
{
    let started = Instant::now();
    let records = match Batch::deserialize(batch) {
        Ok(batch) => batch.records,
        Err(e) => {
            let problem = json_problem(&e);
            tracing::error!(error = %problem, "not an SQS batch event");
            return Err(QueueError(format!("not an SQS batch event: {problem}")));
        }
    };
    let timing = Timing::new(started, core.delivery.budget, deadline);
    // The same message twice in one batch (SQS delivers at least once) is handled once.
    let mut first_of: HashMap<String, usize> = HashMap::new();
    let mut handled: Vec<Option<Handled>> = vec![None; records.len()];
    let mut work = Vec::new();
    for (i, record) in records.iter().enumerate() {
        let message: Result<QueuedMessage, String> = serde_json::from_str(&record.body)
            .map_err(|e| format!("not a queued message: {}", json_problem(&e)))
            .and_then(|m: QueuedMessage| {
                if m.v == FORMAT {
                    Ok(m)
                } else {
                    Err(format!("queued message format {} unknown", m.v))
                }
            });
        match message {
            Err(reason) => {
                tracing::error!(message_id = %record.message_id, reason = %reason, "queue message not understood: left to the dead-letter queue");
                handled[i] = Some(Handled {
                    retry: true,
                    reports: Vec::new(),
                });
            }
            Ok(m) => {
                if first_of.contains_key(&m.key) {
                    continue;
                }
                first_of.insert(m.key.clone(), i);
                work.push((i, m));
            }
        }
    }
    // What was sent or refused before, for the whole batch in one read (a failed read
    // leaves each message to read its own).
    let keys: Vec<String> = work.iter().map(|(_, m)| m.key.clone()).collect();
    let known = match core.store.recorded(&keys).await {
        Ok(done) => Some(done),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the batch's sent messages");
            None
        }
    };
    let sends = work
        .into_iter()
        .map(|(i, m)| {
            let id = records[i].message_id.clone();
            let already = known.as_ref().map(|done| done.get(&m.key).copied());
            async move { (i, one(core, &id, m, already, timing).await) }
        })
        .collect::<Vec<_>>();
    let results: Vec<(usize, Handled)> = futures_util::stream::iter(sends)
        .buffer_unordered(core.delivery.send_concurrency.max(1))
        .collect()
        .await;
    for (i, h) in results {
        handled[i] = Some(h);
    }
    let mut failures = Vec::new();
    let mut reports = Vec::new();
    for (i, record) in records.iter().enumerate() {
        let h = match &handled[i] {
            Some(h) => h.clone(),
            // A duplicate within the batch: as its first copy went.
            None => {
                let key = serde_json::from_str::<QueuedMessage>(&record.body)
                    .map(|m| m.key)
                    .unwrap_or_default();
                let first = first_of.get(&key).and_then(|&f| handled[f].clone());
                Handled {
                    retry: first.as_ref().is_none_or(|f| f.retry),
                    reports: Vec::new(),
                }
            }
        };
        if h.retry {
            failures.push(json!({"itemIdentifier": record.message_id}));
        }
        reports.extend(h.reports);
    }
    let count = |status| reports.iter().filter(|r| r.status() == status).count();
    use crate::core::outcome::Status;
    tracing::info!(
        received = records.len(),
        sent = count(Status::Sent),
        skipped = count(Status::Skipped),
        failed = count(Status::Failed),
        retried = failures.len(),
        latency_ms = started.elapsed().as_millis() as u64,
        "queue batch handled"
    );
    if core.emit_metrics {
        metrics::batch_done(&reports, started.elapsed());
    }
    Ok(json!({ "batchItemFailures": failures }))
}

/// Sends one queue message (unless it was sent or refused before). `known`: what the
/// records say of it, when the batch's read succeeded.
async fn one<I, C, P>(
    core: &Core<I, C, P>,
    message_id: &str,
    m: QueuedMessage,
    known: Option<Option<Done>>,
    timing: Timing,
) -> Handled
where
    I: IdempotencyStore,
    C: Courier,
    P: Compose,
{
    let event = match m.event(&core.config) {
        Ok(event) => event,
        Err(reason) => {
            tracing::error!(message_id, reason = %reason, "queue message not understood: left to the dead-letter queue");
            return Handled {
                retry: true,
                reports: Vec::new(),
            };
        }
    };
    let plan = crate::core::plan(&event, &core.config);
    // A message queued by a version that keyed recipients with a plain hash is still
    // found (and recorded under its own key): an upgrade loses nothing on the queue.
    let recipients = &core.delivery.recipients;
    let Some(n) = plan
        .notifications
        .iter()
        .find(|n| message_key(n, recipients) == m.key || legacy_message_key(n) == m.key)
    else {
        // The configuration changed since the event was planned (a kind turned off…).
        tracing::warn!(event_id = %event.id, message_id, "queued message no longer planned under the current configuration: dropped");
        return Handled {
            retry: false,
            reports: Vec::new(),
        };
    };
    let store_failed = |e: crate::core::store::StoreError| {
        tracing::error!(event_id = %event.id, error = %e, "idempotency store unavailable");
        Handled {
            retry: true,
            reports: vec![report(
                n,
                Outcome::Failed {
                    failure: Failure::Temporary,
                    reason: e.to_string(),
                },
            )],
        }
    };
    let recorded = |done: HashMap<String, Done>| done.get(&m.key).copied();
    let already = match known {
        Some(already) => already,
        None => match core.store.recorded(std::slice::from_ref(&m.key)).await {
            Ok(done) => recorded(done),
            Err(e) => return store_failed(e),
        },
    };
    if already.is_some() {
        let result = core
            .deliver_one(
                &EventScope::new(&event),
                n,
                m.index,
                &m.key,
                send_state(already),
                &plan.notifications,
                timing,
            )
            .await;
        return Handled {
            retry: false,
            reports: result,
        };
    }
    // SQS may hand the same message to two pollers at once (at-least-once delivery, or a
    // copy enqueued twice after a partial failure): a claim on the message, with the
    // same conditional writes as an event's, lets one of them send.
    let claim_id = format!("{SEND_CLAIM}{}", m.key);
    let owner = match Owner::new() {
        Ok(owner) => owner,
        Err(e) => return store_failed(e),
    };
    // The claim outlasts this invocation by a delivery budget more than an event's: a
    // copy of the message in another batch, whose records were read just before this
    // send was recorded, claims it within that batch's budget, so it still finds the
    // claim and never sends without reading the record again.
    let lease_until = timing.lease_until + core.delivery.budget;
    let claim = core
        .store
        .claim(&claim_id, &owner, SystemTime::now(), lease_until)
        .await;
    match claim {
        Err(e) => return store_failed(e),
        Ok(Claim::Acquired) => {}
        Ok(Claim::InProgress) => {
            tracing::info!(event_id = %event.id, message_id, "message being sent by another delivery: later");
            return Handled {
                retry: true,
                reports: Vec::new(),
            };
        }
        Ok(Claim::Completed { .. }) => {
            // Sent (or refused) by another delivery since we looked.
            let already = match core.store.recorded(std::slice::from_ref(&m.key)).await {
                Ok(done) => recorded(done),
                Err(e) => return store_failed(e),
            };
            let result = core
                .deliver_one(
                    &EventScope::new(&event),
                    n,
                    m.index,
                    &m.key,
                    send_state(already),
                    &plan.notifications,
                    timing,
                )
                .await;
            return Handled {
                retry: already.is_none(),
                reports: result,
            };
        }
    }
    let result = core
        .deliver_one(
            &EventScope::new(&event),
            n,
            m.index,
            &m.key,
            send_state(None),
            &plan.notifications,
            timing,
        )
        .await;
    let retry = matches!(
        result.first().and_then(MessageReport::failure),
        Some(Failure::Temporary | Failure::Configuration)
    );
    // Done: the record now answers any later delivery, and the claim keeps concurrent
    // ones out until its lease ends (then its TTL removes it): no call to close it.
    // Not done: released, so the redelivery need not wait for the lease.
    if retry && let Err(e) = core.store.release(&claim_id, &owner).await {
        tracing::warn!(event_id = %event.id, error = %e, "cannot release the message's claim");
    }
    Handled {
        retry,
        reports: result,
    }
}

/// What the batch's read said of a message; its recipient's suppression is read at its send.
fn send_state(done: Option<Done>) -> Known {
    Known {
        done,
        suppressed: None,
        opted_out: None,
    }
}

/// Prefix of a message's claim id in the store (`evt#send#msg#…`).
pub const SEND_CLAIM: &str = "send#";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_problems_do_not_quote_the_document() {
        let wrong_type = serde_json::from_str::<QueuedMessage>(
            r#"{"v": "jane@example.com", "key": "k", "index": 1, "event": {}}"#,
        )
        .unwrap_err();
        let problem = json_problem(&wrong_type);
        assert!(!problem.contains("jane"), "{problem}");
        assert!(
            problem.starts_with("a value of the wrong type or shape at line 1"),
            "{problem}"
        );
        let missing = serde_json::from_str::<QueuedMessage>(r#"{"v": 1}"#).unwrap_err();
        assert!(
            json_problem(&missing).starts_with("missing field `key`"),
            "{}",
            json_problem(&missing)
        );
        let not_json = serde_json::from_str::<QueuedMessage>("+15145550123 x").unwrap_err();
        assert_eq!(json_problem(&not_json), "not JSON at line 1 column 1");
    }
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    use futures_util::future::BoxFuture;

    use crate::adapters::memory::MemoryQueue;
    use crate::adapters::memory::MemoryStore;
    use crate::core::delivery::DeliverySettings;
    use crate::core::delivery::{
        Content, Email, MessageMeta, Outgoing, RetryPolicy, SendError, Sms, WhatsApp,
    };
    use crate::core::outcome::{Disposition, Status};
    use crate::core::queue::{BATCH_ENTRIES, Entry, Queue, Rejected};
    use crate::domain::config::Config;
    use crate::domain::event::Event;
    use crate::domain::notification::Address;
    use crate::domain::notification::Notification;
    use std::sync::Arc;

    /// Records what it sends; refuses or throttles the addresses it is told to.
    #[derive(Default)]
    struct Recorder {
        sent: Mutex<Vec<String>>,
        refuse: Option<String>,
        throttle: Option<String>,
    }

    impl Courier for Recorder {
        async fn send(&self, m: &Outgoing) -> Result<String, SendError> {
            let to = match &m.content {
                Content::Email(e) => e.to.to_string(),
                Content::Sms(s) => s.to.to_string(),
                Content::WhatsApp(w) => w.to.to_string(),
            };
            if self.refuse.as_deref() == Some(&to) {
                return Err(SendError::refused("SES SendEmail: BadRequestException"));
            }
            if self.throttle.as_deref() == Some(&to) {
                return Err(SendError::retryable(
                    "SES SendEmail: TooManyRequestsException",
                ));
            }
            self.sent.lock().unwrap().push(to);
            Ok("id".into())
        }
    }

    struct Plain;

    impl Compose for Plain {
        fn compose(
            &self,
            _: &crate::render::EventScope<'_>,
            n: &Notification,
            meta: MessageMeta,
        ) -> Result<Outgoing, String> {
            let content = match &n.to {
                Address::Email(to) => Content::Email(Email {
                    to: to.clone(),
                    subject: n.kind.to_string(),
                    text: String::new(),
                    html: String::new(),
                    mime: Vec::new(),
                    has_attachment: false,
                    from_name: String::new(),
                }),
                Address::Phone(to) => Content::Sms(Sms {
                    to: to.clone(),
                    text: n.kind.to_string(),
                    sender: Default::default(),
                    max_price: None,
                }),
                Address::Whatsapp(to) => Content::WhatsApp(WhatsApp {
                    to: to.clone(),
                    template: crate::render::whatsapp::TemplateMessage {
                        name: format!("booxi_{}", n.kind),
                        language: "en".into(),
                        parameters: Vec::new(),
                        button_suffix: None,
                    },
                    text: n.kind.to_string(),
                }),
            };
            Ok(Outgoing { meta, content })
        }
    }

    fn core(courier: Recorder, queue: Arc<MemoryQueue>) -> Core<MemoryStore, Recorder, Plain> {
        Core {
            config: Config::default(),
            store: MemoryStore::new(),
            courier,
            composer: Plain,
            delivery: DeliverySettings {
                retry: RetryPolicy {
                    first_backoff: Duration::from_millis(1),
                    max_backoff: Duration::from_millis(2),
                    max_attempts: 2,
                },
                ..DeliverySettings::default()
            },
            emit_metrics: false,
            flows: None,
            queue: Some(queue),
            events_out: None,
        }
    }

    const BODY: &str = r#"{"eventId":"e-1","eventType":"appointment.created","content":{"booking":{"status":"Approved",
        "client":{"email":"jane@example.com","mobilePhoneNumber":"+15145550123","remindBySMS":true}},
        "merchant":{"email":"store@example.com"}}}"#;

    fn event() -> Event {
        Event::read(BODY.as_bytes(), &Config::default()).unwrap()
    }

    fn failures(answer: &Value) -> Vec<String> {
        answer["batchItemFailures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["itemIdentifier"].as_str().unwrap().to_owned())
            .collect()
    }

    #[tokio::test]
    async fn queued_mode_enqueues_each_planned_message_and_sends_nothing() {
        let queue = Arc::new(MemoryQueue::default());
        let core = core(Recorder::default(), Arc::clone(&queue));
        let summary = core.process(&event(), None).await.unwrap();
        assert_eq!(summary.disposition, Disposition::Queued);
        let planned = crate::core::plan(&event(), &core.config)
            .notifications
            .len();
        assert!(planned >= 2, "{planned}");
        let queued: Vec<_> = summary
            .messages
            .iter()
            .filter(|m| m.status() == Status::Queued)
            .collect();
        assert_eq!(queued.len(), planned);
        assert_eq!(queue.len(), planned);
        assert!(core.courier.sent.lock().unwrap().is_empty());
        // The summary serialises without addresses, with the status `queued`.
        let wire = serde_json::to_string(&summary.messages).unwrap();
        assert!(wire.contains(r#""status":"queued""#), "{wire}");
        assert!(
            !wire.contains("jane@") && !wire.contains("5550123"),
            "{wire}"
        );
        // A second delivery of the event is a duplicate, answered with the first answer's
        // messages; they are queued again (nothing records that the first delivery
        // queued them), and the drain sends each once.
        let again = core.process(&event(), None).await.unwrap();
        assert_eq!(again.disposition, Disposition::Duplicate);
        assert_eq!(again.messages, summary.messages);
        assert_eq!(queue.len(), 2 * planned);
        while let Some((batch, received)) = queue.receive(BATCH_ENTRIES) {
            let answer = drain(&core, &batch, None).await.unwrap();
            queue.settle(received, &answer);
        }
        assert_eq!(core.courier.sent.lock().unwrap().len(), planned);
    }

    /// A message queued by a version that keyed recipients with a plain hash (before the
    /// keyed hash) is still found and sent, once: an upgrade loses nothing on the queue.
    #[tokio::test]
    async fn messages_queued_before_the_keyed_hash_are_still_sent_once() {
        let queue = Arc::new(MemoryQueue::default());
        let mut core = core(Recorder::default(), Arc::clone(&queue));
        core.delivery.recipients = crate::core::store::RecipientHasher::new(b"the stack's key");
        let planned = crate::core::plan(&event(), &core.config).notifications;
        let entries: Vec<Entry> = planned
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let old = QueuedMessage::new(&event(), legacy_message_key(n), i + 1);
                assert_ne!(old.key, message_key(n, &core.delivery.recipients));
                Entry {
                    id: i.to_string(),
                    body: serde_json::to_string(&old).unwrap(),
                }
            })
            .collect();
        queue.send_batch(&entries).await.unwrap();
        queue.send_batch(&entries).await.unwrap();
        while let Some((batch, received)) = queue.receive(BATCH_ENTRIES) {
            let answer = drain(&core, &batch, None).await.unwrap();
            queue.settle(received, &answer);
        }
        assert_eq!(core.courier.sent.lock().unwrap().len(), planned.len());
    }

    #[tokio::test]
    async fn a_delivery_that_stopped_after_its_claim_loses_nothing() {
        // The claim is one write, made before the messages go on the queue: a delivery
        // cut off between the two leaves a claim and an empty queue.
        let queue = Arc::new(MemoryQueue::default());
        let core = core(Recorder::default(), Arc::clone(&queue));
        let owner = Owner::new().unwrap();
        let claimed = core
            .store
            .claim_completed(&event().id, &owner, SystemTime::now(), "[]")
            .await
            .unwrap();
        assert_eq!(claimed, Claim::Acquired);
        assert!(queue.is_empty());
        // Booxi's retry (the cut-off delivery never answered 200) queues the messages.
        let retry = core.process(&event(), None).await.unwrap();
        assert_eq!(retry.disposition, Disposition::Duplicate);
        let planned = crate::core::plan(&event(), &core.config)
            .notifications
            .len();
        assert_eq!(queue.len(), planned);
        let (batch, received) = queue.receive(BATCH_ENTRIES).unwrap();
        let answer = drain(&core, &batch, None).await.unwrap();
        queue.settle(received, &answer);
        assert_eq!(core.courier.sent.lock().unwrap().len(), planned);
    }

    #[tokio::test]
    async fn switching_modes_loses_nothing_and_redoes_nothing_done() {
        // Queued claimed it and was cut off before enqueueing; the mode is direct now:
        // the retry sends what is not recorded as sent, once.
        let mut c = core(Recorder::default(), Arc::new(MemoryQueue::default()));
        c.queue = None;
        let owner = Owner::new().unwrap();
        c.store
            .claim_completed(&event().id, &owner, SystemTime::now(), "[]")
            .await
            .unwrap();
        let planned = crate::core::plan(&event(), &c.config).notifications.len();
        let retry = c.process(&event(), None).await.unwrap();
        assert_eq!(retry.disposition, Disposition::Processed);
        assert_eq!(c.courier.sent.lock().unwrap().len(), planned);
        let again = c.process(&event(), None).await.unwrap();
        assert_eq!(again.disposition, Disposition::Duplicate);
        assert_eq!(c.courier.sent.lock().unwrap().len(), planned, "sent once");

        // Two direct deliveries of such an event at once: one takes the claim over, the
        // other is told to come back later, and sends nothing.
        let mut c = core(Recorder::default(), Arc::new(MemoryQueue::default()));
        c.queue = None;
        let claimed_at = SystemTime::now();
        c.store
            .claim_completed(&event().id, &owner, claimed_at, "[]")
            .await
            .unwrap();
        let until = claimed_at + Duration::from_secs(60);
        let first = Owner::new().unwrap();
        assert!(
            c.store
                .take_over(&event().id, claimed_at, &first, until)
                .await
                .unwrap()
        );
        let second = c.process(&event(), None).await.unwrap();
        assert_eq!(second.disposition, Disposition::InProgress);
        assert!(c.courier.sent.lock().unwrap().is_empty());

        // Direct mode completed it (every message sent); the mode is queued now: a
        // duplicate, nothing queued again.
        let queue = Arc::new(MemoryQueue::default());
        let c = core(Recorder::default(), Arc::clone(&queue));
        let owner = Owner::new().unwrap();
        let now = SystemTime::now();
        let lease = now + Duration::from_secs(60);
        c.store
            .claim(&event().id, &owner, now, lease)
            .await
            .unwrap();
        c.store
            .complete(&event().id, &owner, now, "[]")
            .await
            .unwrap();
        let retry = c.process(&event(), None).await.unwrap();
        assert_eq!(retry.disposition, Disposition::Duplicate);
        assert!(queue.is_empty());
    }

    #[tokio::test]
    async fn a_sent_messages_claim_outlasts_any_other_batch_that_read_before_it_was_recorded() {
        // Another batch holding a copy may have read the records just before this send
        // was recorded, at the latest at this invocation's deadline; it sends within its
        // budget after that. The claim must still be live then.
        let queue = Arc::new(MemoryQueue::default());
        let core = core(Recorder::default(), Arc::clone(&queue));
        core.process(&event(), None).await.unwrap();
        let (batch, received) = queue.receive(BATCH_ENTRIES).unwrap();
        let deadline = Duration::from_secs(30);
        drain(&core, &batch, Some(Instant::now() + deadline))
            .await
            .unwrap();
        let key = serde_json::from_str::<QueuedMessage>(&received[0].1)
            .unwrap()
            .key;
        let copy_sends_at = SystemTime::now() + deadline + core.delivery.budget;
        let claim = core
            .store
            .claim(
                &format!("{SEND_CLAIM}{key}"),
                &Owner::new().unwrap(),
                copy_sends_at,
                copy_sends_at + deadline,
            )
            .await
            .unwrap();
        assert_eq!(claim, Claim::InProgress);
    }

    #[tokio::test]
    async fn a_duplicate_that_cannot_queue_again_answers_503_and_leaves_the_claim() {
        let mut c = core(Recorder::default(), Arc::new(MemoryQueue::default()));
        let first = c.process(&event(), None).await.unwrap();
        assert_eq!(crate::doors::http::respond(Ok(first)).status, 200);
        c.queue = Some(Arc::new(Refusing {
            refuse: vec!["0", "1", "2"],
            times: 0,
            sender_fault: true,
            calls: AtomicU64::new(0),
            kept: Mutex::default(),
        }));
        let again = c.process(&event(), None).await.unwrap();
        let answer = crate::doors::http::respond(Ok(again));
        assert_eq!(answer.status, 503, "{}", answer.body);
        assert_eq!(answer.body["status"], "failed");
        // Not its claim to release: the event stays claimed, and the next delivery is a
        // duplicate again.
        let queue = Arc::new(MemoryQueue::default());
        c.queue = Some(queue.clone());
        let third = c.process(&event(), None).await.unwrap();
        assert_eq!(third.disposition, Disposition::Duplicate);
        assert!(!queue.is_empty());
    }

    #[tokio::test]
    async fn the_drain_sends_each_message_once_even_when_delivered_twice() {
        let queue = Arc::new(MemoryQueue::default());
        let core = core(Recorder::default(), Arc::clone(&queue));
        core.process(&event(), None).await.unwrap();
        let (batch, received) = queue.receive(BATCH_ENTRIES).unwrap();
        assert!(queue.is_empty());
        // The same batch delivered twice at once, and then once more.
        let mut doubled = batch.clone();
        let records = doubled["Records"].as_array_mut().unwrap();
        let copy: Vec<Value> = records.clone();
        records.extend(copy);
        let answer = drain(&core, &doubled, None).await.unwrap();
        assert_eq!(failures(&answer), Vec::<String>::new());
        let sent = core.courier.sent.lock().unwrap().clone();
        assert_eq!(sent.len(), received.len());
        let answer = drain(&core, &batch, None).await.unwrap();
        assert_eq!(failures(&answer), Vec::<String>::new());
        assert_eq!(core.courier.sent.lock().unwrap().len(), received.len());
    }

    #[tokio::test]
    async fn the_drain_skips_a_suppressed_recipient_and_does_not_retry_it() {
        use crate::core::store::{RecipientHasher, recipient_hash, suppression_key};
        use crate::domain::feedback::Cause;
        let queue = Arc::new(MemoryQueue::default());
        let core = core(Recorder::default(), Arc::clone(&queue));
        core.process(&event(), None).await.unwrap();
        // The address bounced after the event was queued, before the drain sent it.
        let suppression = crate::core::process::suppression_for(
            &core.config,
            Cause::Bounced,
            std::time::SystemTime::now(),
        );
        core.store
            .suppress(
                &suppression_key(&recipient_hash(
                    &RecipientHasher::offline(),
                    "jane@example.com",
                )),
                &suppression,
            )
            .await
            .unwrap();
        let (batch, _) = queue.receive(BATCH_ENTRIES).unwrap();
        let answer = drain(&core, &batch, None).await.unwrap();
        assert_eq!(failures(&answer), Vec::<String>::new());
        let sent = core.courier.sent.lock().unwrap().clone();
        assert!(!sent.contains(&"jane@example.com".to_owned()), "{sent:?}");
        assert!(sent.contains(&"+15145550123".to_owned()), "{sent:?}");
    }

    #[tokio::test]
    async fn temporary_failures_come_back_and_refusals_are_recorded_not_retried() {
        let queue = Arc::new(MemoryQueue::new(3, Duration::ZERO));
        let courier = Recorder {
            refuse: Some("jane@example.com".into()),
            throttle: Some("+15145550123".into()),
            ..Recorder::default()
        };
        let core = core(courier, Arc::clone(&queue));
        core.process(&event(), None).await.unwrap();
        let (batch, received) = queue.receive(BATCH_ENTRIES).unwrap();
        let answer = drain(&core, &batch, None).await.unwrap();
        let bodies: HashMap<String, QueuedMessage> = received
            .iter()
            .map(|(id, body, _)| (id.clone(), serde_json::from_str(body).unwrap()))
            .collect();
        let retried = failures(&answer);
        assert_eq!(retried.len(), 1, "{answer}");
        assert!(bodies[&retried[0]].key.contains("#sms#"), "{answer}");
        // The refusal is recorded: a later delivery of it does not ask SES again.
        let refused_key = bodies
            .values()
            .find(|m| m.key.contains("#client#email#"))
            .unwrap()
            .key
            .clone();
        let recorded = core.store.recorded(&[refused_key]).await.unwrap();
        assert_eq!(recorded.values().next(), Some(&Done::Refused));
        queue.settle(received, &answer);
        // Throttled on every receive: dead after the third (max_receives), never sent.
        for _ in 0..2 {
            let (batch, received) = queue.receive(BATCH_ENTRIES).unwrap();
            assert_eq!(received.len(), 1);
            let answer = drain(&core, &batch, None).await.unwrap();
            queue.settle(received, &answer);
        }
        assert!(queue.receive(BATCH_ENTRIES).is_none());
        assert_eq!(queue.dead().len(), 1);
        assert!(
            !core
                .courier
                .sent
                .lock()
                .unwrap()
                .contains(&"+15145550123".to_owned())
        );
    }

    #[tokio::test]
    async fn a_message_that_does_not_read_is_left_for_the_dead_letter_queue() {
        let queue = Arc::new(MemoryQueue::default());
        let core = core(Recorder::default(), queue);
        let batch = json!({"Records": [
            {"messageId": "m-1", "eventSource": "aws:sqs", "body": "not json"},
            {"messageId": "m-2", "eventSource": "aws:sqs", "body": "{\"v\":9,\"key\":\"k\",\"index\":1,\"event\":{\"id\":\"e\",\"type\":\"x\",\"content\":null}}"},
        ]});
        let answer = drain(&core, &batch, None).await.unwrap();
        assert_eq!(failures(&answer), ["m-1", "m-2"]);
        assert!(core.courier.sent.lock().unwrap().is_empty());
    }

    /// A queue that refuses the entries it is told to, `times` times each (for ever when
    /// `sender_fault`), and keeps the others.
    struct Refusing {
        refuse: Vec<&'static str>,
        times: usize,
        sender_fault: bool,
        calls: AtomicU64,
        kept: Mutex<Vec<String>>,
    }

    impl Queue for Refusing {
        fn send_batch<'a>(
            &'a self,
            entries: &'a [Entry],
        ) -> BoxFuture<'a, Result<Vec<Rejected>, QueueError>> {
            Box::pin(async move {
                let call = self.calls.fetch_add(1, Ordering::SeqCst) as usize;
                let mut rejected = Vec::new();
                for e in entries {
                    if self.refuse.contains(&e.id.as_str())
                        && (self.sender_fault || call < self.times)
                    {
                        rejected.push(Rejected {
                            id: e.id.clone(),
                            reason: "SQS SendMessageBatch: InternalError".into(),
                            sender_fault: self.sender_fault,
                        });
                    } else {
                        self.kept.lock().unwrap().push(e.id.clone());
                    }
                }
                Ok(rejected)
            })
        }
    }

    #[tokio::test]
    async fn entries_the_queue_does_not_take_are_tried_again_then_answered_503() {
        let flaky = Arc::new(Refusing {
            refuse: vec!["1"],
            times: 1,
            sender_fault: false,
            calls: AtomicU64::new(0),
            kept: Mutex::default(),
        });
        let mut c = core(Recorder::default(), Arc::new(MemoryQueue::default()));
        c.queue = Some(flaky.clone());
        let summary = c.process(&event(), None).await.unwrap();
        assert!(
            summary
                .messages
                .iter()
                .all(|m| m.status() != Status::Failed),
            "{summary:?}"
        );
        assert_eq!(
            flaky.calls.load(Ordering::SeqCst),
            2,
            "the refused entry alone, once more"
        );
        assert_eq!(crate::doors::http::respond(Ok(summary)).status, 200);

        let refusing = Arc::new(Refusing {
            refuse: vec!["0"],
            times: 0,
            sender_fault: true,
            calls: AtomicU64::new(0),
            kept: Mutex::default(),
        });
        let mut c = core(Recorder::default(), Arc::new(MemoryQueue::default()));
        c.queue = Some(refusing.clone());
        let summary = c.process(&event(), None).await.unwrap();
        assert_eq!(summary.retry_wanted(), Some(Failure::Temporary));
        assert_eq!(
            refusing.calls.load(Ordering::SeqCst),
            1,
            "a sender fault is not tried again"
        );
        let answer = crate::doors::http::respond(Ok(summary));
        assert_eq!(answer.status, 503);
        assert_eq!(answer.body["status"], "failed");
        assert!(
            answer
                .body
                .to_string()
                .contains("not queued: SQS SendMessageBatch: InternalError"),
            "{}",
            answer.body
        );
        // The claim was released: Booxi's retry enqueues again, and is taken this time.
        refusing.kept.lock().unwrap().clear();
        c.queue = Some(Arc::new(MemoryQueue::default()));
        let again = c.process(&event(), None).await.unwrap();
        assert_eq!(again.disposition, Disposition::Queued);
        assert_eq!(crate::doors::http::respond(Ok(again)).status, 200);
    }

    #[tokio::test]
    async fn a_batch_whose_records_do_not_read_fails_whole() {
        let core = core(Recorder::default(), Arc::new(MemoryQueue::default()));
        let batch = json!({"Records": [{"eventSource": "aws:sqs", "body": "{}"}]});
        let e = drain(&core, &batch, None).await.unwrap_err();
        assert!(
            e.to_string()
                .starts_with("queue: not an SQS batch event: missing field `messageId`"),
            "{e}"
        );
    }
}
