//! Queued mode against real parts: the compiled `webhook` binary under a Lambda Runtime
//! API, moto's SQS, DynamoDB, SES v2, SNS and Secrets Manager through the real SDK. The
//! HTTP door enqueues; the test plays Lambda's SQS event source mapping (receive, invoke
//! the binary with an SQS batch event, delete what it did not report failed); a proxy in
//! front of moto answers SES sends above a rate with 429 `TooManyRequestsException`.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::{Value, json};
use testkit::events::{burst_event, planned};
use testkit::lambda::{Function, RuntimeApi};
use testkit::moto::{Moto, header};
use testkit::proxy::{RateLimitedSes, SerialProxy};
use testkit::sqs::{EventSourceMapping, Queues};

const WEBHOOK: &str = env!("CARGO_BIN_EXE_webhook");
const SENDER: &str = "notify@atelier-lumiere.example.com";
const TIMEOUT: Duration = Duration::from_secs(60);

/// moto with the stack, the queue and its DLQ, and a rate-limiting proxy in front of it
/// all (only SES sends are limited; every other call passes). DynamoDB's calls go
/// through a proxy that passes one call at a time: moto's conditional writes are not
/// atomic under concurrency (DynamoDB's are), and two drains racing on one message's
/// claim must be decided as DynamoDB would.
struct Stack {
    moto: Moto,
    queues: Queues,
    ses: RateLimitedSes,
    serial: SerialProxy,
    env: Vec<(String, String)>,
}

impl Stack {
    fn new(ses_rate: f64, refuse: Option<&str>, max_receives: u32) -> Stack {
        let moto = Moto::start();
        let secret_arn = moto.set_up_stack();
        let queues = moto.create_queues(
            "booxi-notify-deliveries",
            max_receives,
            Duration::from_secs(1),
        );
        let serial = SerialProxy::start(moto.port);
        let ses = RateLimitedSes::start(moto.port, ses_rate, refuse);
        let env = [
            ("AWS_ENDPOINT_URL", ses.endpoint()),
            ("AWS_ENDPOINT_URL_DYNAMODB", serial.endpoint()),
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("BOOXI_SECRET_ARN", secret_arn),
            ("BOOXI_IDEMPOTENCY_TABLE", testkit::moto::TABLE.into()),
            (
                "BOOXI_RECIPIENT_KEY_SECRET_ARN",
                testkit::moto::RECIPIENT_KEY_SECRET.into(),
            ),
            ("BOOXI_SENDER_EMAIL", SENDER.into()),
            ("BOOXI_DELIVERY_BUDGET_SECONDS", "5".into()),
            ("BOOXI_DELIVERY_MODE", "queued".into()),
            ("BOOXI_QUEUE_URL", queues.url.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        Stack {
            moto,
            queues,
            ses,
            serial,
            env,
        }
    }

    /// `count` function processes polling `runtime` (concurrent Lambda instances).
    fn functions(&self, runtime: &RuntimeApi, count: usize) -> Vec<Function> {
        (0..count)
            .map(|_| Function::spawn(Path::new(WEBHOOK), runtime, &self.env))
            .collect()
    }

    fn mapping(&self, concurrency: usize) -> EventSourceMapping {
        EventSourceMapping {
            queues: self.queues.clone(),
            batch_size: 10,
            concurrency,
        }
    }
}

/// The function's HTTP answer: status and JSON body.
fn call(runtime: &RuntimeApi, event: &Value) -> (u16, Value) {
    runtime.call_http(event, TIMEOUT)
}

/// Emails moto recorded, by Message-ID, and SMS by number: (emails, distinct
/// Message-IDs, SMS, distinct numbers).
fn sent(moto: &Moto) -> (usize, usize, usize, usize) {
    let emails = moto.emails();
    let ids: HashSet<String> = emails
        .iter()
        .map(|(_, _, raw)| header(raw, "Message-ID"))
        .collect();
    let sms = moto.sms();
    let numbers: HashSet<&str> = sms.iter().map(|(to, _)| to.as_str()).collect();
    (emails.len(), ids.len(), sms.len(), numbers.len())
}

/// Up to `n` queue messages' bodies, left on the queue (visibility 0).
fn peek(moto: &Moto, url: &str, n: usize) -> Vec<String> {
    let got = moto.sqs(
        "ReceiveMessage",
        json!({"QueueUrl": url, "MaxNumberOfMessages": n, "VisibilityTimeout": 0}),
    );
    got["Messages"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| m["Body"].as_str().unwrap().to_owned())
        .collect()
}

/// Puts `bodies` on the queue again, as SQS's at-least-once delivery may.
fn duplicate(moto: &Moto, url: &str, bodies: &[String]) {
    let entries: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| json!({"Id": i.to_string(), "MessageBody": b}))
        .collect();
    moto.sqs(
        "SendMessageBatch",
        json!({"QueueUrl": url, "Entries": entries}),
    );
}

#[test]
fn a_burst_is_answered_at_once_and_every_message_is_sent_once_through_a_throttled_ses() {
    const EVENTS: usize = 100;
    // Below what the drain attempts: it meets 429s and must retry them (the benchmark
    // uses 10/s; this is kept a little higher for CI time).
    let stack = Stack::new(12.0, None, 5);
    let webhook = RuntimeApi::start();
    let _webhooks = stack.functions(&webhook, 2);
    let drain = RuntimeApi::start();
    let drains = stack.functions(&drain, 2);

    let events: Vec<Value> = (0..EVENTS).map(burst_event).collect();
    let (mut emails, mut sms) = (0, 0);
    for e in &events {
        let (em, sm) = planned(e);
        emails += em;
        sms += sm;
    }
    assert!(
        emails >= EVENTS && sms >= EVENTS,
        "{emails} emails, {sms} SMS"
    );

    // Every event at once.
    let answers: Vec<(u16, Value)> = std::thread::scope(|scope| {
        let handles: Vec<_> = events
            .iter()
            .map(|e| scope.spawn(|| call(&webhook, e)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (i, (status, body)) in answers.iter().enumerate() {
        assert_eq!(*status, 200, "event {i}: {body}");
        assert_eq!(body["status"], "queued", "event {i}: {body}");
        assert_eq!(body["event_id"], format!("burst-{i}"));
        let text = body.to_string();
        assert!(!text.contains('@') && !text.contains("+1514"), "{text}");
        let queued = body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["status"] == "queued")
            .count();
        let (em, sm) = planned(&events[i]);
        assert_eq!(queued, em + sm, "event {i}: {body}");
    }
    assert_eq!(
        sent(&stack.moto),
        (0, 0, 0, 0),
        "nothing is sent by the webhook"
    );
    assert_eq!(stack.moto.queue_depth(&stack.queues.url), (emails + sms, 0));

    // Booxi retries an event: answered as a duplicate, with the first answer's messages;
    // they are queued again (nothing says the first delivery queued them: it could have
    // stopped after its claim), and the drain must still send each once.
    let (status, body) = call(&webhook, &events[0]);
    assert_eq!((status, body["status"].as_str()), (200, Some("duplicate")));
    assert_eq!(body["messages"], answers[0].1["messages"]);
    let (em0, sm0) = planned(&events[0]);
    // SQS delivers some messages twice.
    let copies = peek(&stack.moto, &stack.queues.url, 10);
    assert_eq!(copies.len(), 10);
    duplicate(&stack.moto, &stack.queues.url, &copies);
    assert_eq!(
        stack.moto.queue_depth(&stack.queues.url).0,
        emails + sms + em0 + sm0 + 10
    );

    let (log, drained_in) =
        stack
            .mapping(2)
            .run_until_empty(&stack.moto, &drain, Duration::from_secs(240));
    eprintln!(
        "drained in {drained_in:?}: {} invocations, {} received, {} reported failed; SES: {} passed, {} throttled",
        log.invocations.load(Ordering::SeqCst),
        log.received.load(Ordering::SeqCst),
        log.reported_failed.load(Ordering::SeqCst),
        stack.ses.counts.passed.load(Ordering::SeqCst),
        stack.ses.counts.throttled.load(Ordering::SeqCst),
    );
    assert_eq!(log.invoke_errors.load(Ordering::SeqCst), 0);
    let (sent_emails, distinct_emails, sent_sms, distinct_numbers) = sent(&stack.moto);
    assert_eq!(
        (sent_emails, distinct_emails, sent_sms, distinct_numbers),
        (emails, emails, sms, sms),
        "every message sent exactly once"
    );
    assert_eq!(stack.ses.counts.passed.load(Ordering::SeqCst), emails);
    assert!(
        stack.ses.counts.throttled.load(Ordering::SeqCst) > 0,
        "the proxy never throttled: the test did not test throttling"
    );
    assert_eq!(stack.moto.queue_depth(&stack.queues.url), (0, 0));
    assert_eq!(
        stack.moto.queue_depth(&stack.queues.dlq_url),
        (0, 0),
        "nothing in the dead-letter queue"
    );
    assert!(
        stack.serial.calls.load(Ordering::SeqCst) > emails + sms,
        "DynamoDB's calls went through the serialising proxy"
    );
    for f in &drains {
        let logs = f.logs();
        assert!(
            !logs.contains("@example.com") && !logs.contains("+1514"),
            "{logs}"
        );
    }
}

/// Queued mode claims an event with one write, before its messages go on the queue: a
/// delivery cut off between the two leaves a claim and nothing queued. Booxi's retry
/// (the cut-off delivery never answered) must then queue them.
#[test]
fn a_delivery_cut_off_after_its_claim_loses_nothing() {
    let stack = Stack::new(1000.0, None, 2);
    let webhook = RuntimeApi::start();
    let _webhooks = stack.functions(&webhook, 1);
    let drain = RuntimeApi::start();
    let _drains = stack.functions(&drain, 1);
    let event = burst_event(3);
    let (emails, sms) = planned(&event);
    // The claim as the cut-off delivery wrote it (its owner's token, its answer, when).
    let claimed_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        .to_string();
    stack.moto.dynamodb(
        "PutItem",
        json!({"TableName": testkit::moto::TABLE, "Item": {
            "pk": {"S": "evt#burst-3"}, "status": {"S": "COMPLETED"},
            "owner": {"S": "0123456789abcdef0123456789abcdef"}, "summary": {"S": "[]"},
            "completed_at": {"N": "1764547200"}, "claimed_at": {"N": claimed_at},
            "expires_at": {"N": "4102444800"}}}),
    );
    assert_eq!(stack.moto.queue_depth(&stack.queues.url), (0, 0));

    let (status, body) = call(&webhook, &event);
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("duplicate")),
        "{body}"
    );
    assert_eq!(stack.moto.queue_depth(&stack.queues.url), (emails + sms, 0));
    stack
        .mapping(1)
        .run_until_empty(&stack.moto, &drain, Duration::from_secs(60));
    let (sent_emails, distinct_emails, sent_sms, distinct_numbers) = sent(&stack.moto);
    assert_eq!(
        (sent_emails, distinct_emails, sent_sms, distinct_numbers),
        (emails, emails, sms, sms)
    );
    // And once more: queued again, sent nothing more.
    let (status, body) = call(&webhook, &event);
    assert_eq!((status, body["status"].as_str()), (200, Some("duplicate")));
    stack
        .mapping(1)
        .run_until_empty(&stack.moto, &drain, Duration::from_secs(60));
    assert_eq!(sent(&stack.moto), (emails, emails, sms, sms));
    assert_eq!(stack.moto.queue_depth(&stack.queues.dlq_url), (0, 0));
}

#[test]
fn a_message_ses_refuses_is_recorded_failed_counted_and_never_retried() {
    let refused = "client7@example.com";
    let stack = Stack::new(1000.0, Some(refused), 2);
    let webhook = RuntimeApi::start();
    let _webhooks = stack.functions(&webhook, 1);
    let drain = RuntimeApi::start();
    let drains = stack.functions(&drain, 1);

    let event = burst_event(7);
    let (emails, sms) = planned(&event);
    let (status, body) = call(&webhook, &event);
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("queued")),
        "{body}"
    );
    let bodies = peek(&stack.moto, &stack.queues.url, 10);
    assert_eq!(bodies.len(), emails + sms);
    // One message that is not ours: it can never be sent and must end in the DLQ.
    stack.moto.sqs(
        "SendMessage",
        json!({"QueueUrl": stack.queues.url, "MessageBody": "not a queued message"}),
    );

    let (log, _) = stack
        .mapping(1)
        .run_until_empty(&stack.moto, &drain, Duration::from_secs(60));
    assert_eq!(stack.ses.counts.refused.load(Ordering::SeqCst), 1);
    let (sent_emails, _, sent_sms, _) = sent(&stack.moto);
    assert_eq!((sent_emails, sent_sms), (emails - 1, sms));
    assert_eq!(stack.moto.queue_depth(&stack.queues.url), (0, 0));
    assert_eq!(
        stack.moto.queue_depth(&stack.queues.dlq_url),
        (1, 0),
        "only the unreadable message is dead-lettered"
    );
    assert!(log.reported_failed.load(Ordering::SeqCst) >= 2);

    // The refused message delivered again (SQS at least once): SES is not asked again.
    duplicate(&stack.moto, &stack.queues.url, &bodies);
    stack
        .mapping(1)
        .run_until_empty(&stack.moto, &drain, Duration::from_secs(60));
    assert_eq!(stack.ses.counts.refused.load(Ordering::SeqCst), 1);
    assert_eq!(sent(&stack.moto).0, emails - 1);
    assert_eq!(stack.moto.queue_depth(&stack.queues.dlq_url).0, 1);

    // Visible in the drain's summary line and in its metrics (EMF).
    let logs = drains[0].logs();
    let lines: Vec<Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let refusal = lines
        .iter()
        .find(|l| l["fields"]["message"] == "message" && l["fields"]["outcome"] == "Failed")
        .unwrap_or_else(|| panic!("no failed message line:\n{logs}"));
    assert_eq!(
        refusal["fields"]["reason"],
        "SES SendEmail: BadRequestException"
    );
    assert!(
        lines
            .iter()
            .any(|l| l["fields"]["message"] == "queue batch handled" && l["fields"]["failed"] == 1),
        "{logs}"
    );
    assert!(
        lines.iter().any(|l| l["MessagesFailed"] == 1.0
            && l["Channel"] == "email"
            && l["Kind"] == "confirmation"),
        "{logs}"
    );
    assert!(!logs.contains(refused), "{logs}");
}

/// Any body direct mode accepts is accepted in queued mode: characters SQS refuses in a
/// message body (U+FFFE and U+FFFF, which serde_json writes as they are) go on the queue
/// escaped, with U+0000 and 4-byte characters, and come out the same. The proxy in front
/// of moto refuses such bodies as SQS does (`InvalidMessageContents`); moto alone takes
/// them. The drain runs as the stack runs it: `BOOXI_DRAIN_ONLY`, not told where the
/// webhook secret is, refusing HTTP invocations. Messages are recorded under the keyed
/// hash of their recipient, never a plain hash of the address.
#[test]
fn bodies_sqs_refuses_are_queued_escaped_and_drained_without_the_webhook_secret() {
    let stack = Stack::new(1000.0, None, 2);
    let webhook = RuntimeApi::start();
    let _webhooks = stack.functions(&webhook, 1);
    let drain = RuntimeApi::start();
    let mut drain_env = stack.env.clone();
    drain_env.retain(|(k, _)| k != "BOOXI_SECRET_ARN");
    drain_env.push(("BOOXI_DRAIN_ONLY".into(), "true".into()));
    let drains = Function::spawn(Path::new(WEBHOOK), &drain, &drain_env);

    let event = burst_event(11);
    let mut body: Value = serde_json::from_str(event["body"].as_str().unwrap()).unwrap();
    let client = &mut body["content"]["booking"]["client"];
    client["firstName"] = json!("Zoë\u{FFFE}\u{FFFF}\u{0}😀");
    client["lastName"] = json!("Ünal\u{FFFF}𝒜");
    let event = testkit::events::with_body(event, &body.to_string());
    let (emails, sms) = planned(&event);
    let (status, answer) = call(&webhook, &event);
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("queued")),
        "{answer}"
    );
    let bodies = peek(&stack.moto, &stack.queues.url, 10);
    assert_eq!(bodies.len(), emails + sms);
    for b in &bodies {
        assert!(!b.contains(['\u{FFFE}', '\u{FFFF}', '\u{0}']), "{b:?}");
        assert!(
            b.contains("\\ufffe") && b.contains("😀") && b.contains("𝒜"),
            "{b}"
        );
    }

    // The drain's only door is the queue.
    let refused = drain
        .invoke(&event, TIMEOUT)
        .expect_err("an HTTP invocation is an error for the drain");
    assert!(refused.contains("queued mode's drain"), "{refused}");
    let (log, _) = stack
        .mapping(1)
        .run_until_empty(&stack.moto, &drain, Duration::from_secs(60));
    assert_eq!(log.invoke_errors.load(Ordering::SeqCst), 0);
    assert_eq!(sent(&stack.moto), (emails, emails, sms, sms));
    assert_eq!(stack.moto.queue_depth(&stack.queues.dlq_url), (0, 0));
    let logs = drains.logs();
    assert!(
        !logs.contains("client11@") && !logs.contains("5552022"),
        "{logs}"
    );

    // Recorded under the keyed hash of each recipient.
    let items = stack.moto.dynamodb(
        "Scan",
        json!({"TableName": testkit::moto::TABLE, "ProjectionExpression": "pk"}),
    );
    let keys: Vec<&str> = items["Items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["pk"]["S"].as_str())
        .filter(|k| k.starts_with("msg#burst-11#"))
        .collect();
    assert_eq!(keys.len(), emails + sms, "{keys:?}");
    let hasher =
        booxi_notify::domain::ids::RecipientHasher::new(testkit::moto::RECIPIENT_KEY.as_bytes());
    let offline = booxi_notify::domain::ids::RecipientHasher::offline();
    for recipient in ["client11@example.com", "+15145552022"] {
        let keyed = hasher.hash(recipient);
        assert!(
            keys.iter().any(|k| k.ends_with(&keyed)),
            "{recipient}: {keys:?}"
        );
        assert!(!keys.iter().any(|k| k.ends_with(&offline.hash(recipient))));
        let plain: String = {
            use sha2::Digest;
            sha2::Sha256::digest(recipient.as_bytes())[..12]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        };
        assert!(!keys.iter().any(|k| k.ends_with(&plain)), "{keys:?}");
    }
}

#[test]
fn queued_mode_publishes_the_booking_event_when_accepted_and_a_redelivery_does_not() {
    let stack = Stack::new(1000.0, None, 2);
    let tap = stack.moto.tap_bus("booxi-notify");
    let mut env = stack.env.clone();
    env.push(("BOOXI_EVENT_BUS".into(), "booxi-notify".into()));
    let webhook = RuntimeApi::start();
    let _webhook = Function::spawn(Path::new(WEBHOOK), &webhook, &env);
    let event = burst_event(7);
    let (status, body) = call(&webhook, &event);
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("queued")),
        "{body}"
    );
    assert_eq!(
        body["event"],
        json!({"detail_type": "Booking Created", "status": "published"})
    );
    let published = stack.moto.tapped(&tap);
    assert_eq!(published.len(), 1, "{published:?}");
    let statuses: Vec<&Value> = published[0]["detail"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["status"])
        .collect();
    assert_eq!(
        statuses,
        [&json!("queued"); 3],
        "accepted: the messages are queued"
    );
    testkit::schema::assert_valid_details(&[published[0]["detail"].clone()]);
    // Booxi delivers it again: the work is redone (queued again), not published again.
    let (status, body) = call(&webhook, &event);
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("duplicate")),
        "{body}"
    );
    assert!(stack.moto.tapped(&tap).is_empty());
}
