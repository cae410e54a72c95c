//! The compiled `webhook` binary under a Lambda Runtime API, against moto (SES v2, SNS,
//! Secrets Manager, DynamoDB) through the real AWS SDK: what Booxi's calls produce,
//! read back from moto.

use std::path::Path;
use std::time::Duration;

use base64::Engine;
use booxi_notify::core::compose::RenderComposer;
use booxi_notify::core::delivery::{Content, MessageMeta};
use booxi_notify::domain::contact::EmailAddress;
use booxi_notify::doors::input;
use booxi_notify::render::{RenderConfig, Renderer};
use booxi_notify::{Config, Event, plan};
use serde_json::{Value, json};
use testkit::events::{events_dir, read_event, with_body};
use testkit::lambda::{Function, RuntimeApi};
use testkit::moto::Moto;
use testkit::proxy::{FailingPutEvents, FailingSns, SerialProxy, ThrottlingSns};

const SECRET: &str = "local-dev-secret";
/// The compiled function under test.
const WEBHOOK: &str = env!("CARGO_BIN_EXE_webhook");
const SENDER: &str = "notify@atelier-lumiere.example.com";
const TABLE: &str = "booxi-idempotency";
const TIMEOUT: Duration = Duration::from_secs(60);
/// The alias events/custom-type-booking-confirmed.json needs.
const ALIASES: &str = "booking.confirmed=appointment.created";

/// moto with the stack's resources, and the environment the function runs with.
struct Stack {
    moto: Moto,
    secret_arn: String,
    env: Vec<(String, String)>,
    tokio: tokio::runtime::Runtime,
}

impl Stack {
    fn new() -> Stack {
        let moto = Moto::start();
        let tokio = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let aws = tokio.block_on(sdk_config(&moto.endpoint()));
        let secret_arn = tokio.block_on(async {
            let dynamo = aws_sdk_dynamodb::Client::new(&aws);
            use aws_sdk_dynamodb::types::*;
            dynamo
                .create_table()
                .table_name(TABLE)
                .billing_mode(BillingMode::PayPerRequest)
                .attribute_definitions(
                    AttributeDefinition::builder()
                        .attribute_name("pk")
                        .attribute_type(ScalarAttributeType::S)
                        .build()
                        .unwrap(),
                )
                .key_schema(
                    KeySchemaElement::builder()
                        .attribute_name("pk")
                        .key_type(KeyType::Hash)
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .expect("create the idempotency table");
            dynamo
                .update_time_to_live()
                .table_name(TABLE)
                .time_to_live_specification(
                    TimeToLiveSpecification::builder()
                        .enabled(true)
                        .attribute_name("expires_at")
                        .build()
                        .unwrap(),
                )
                .send()
                .await
                .expect("enable TTL");
            aws_sdk_sesv2::Client::new(&aws)
                .create_email_identity()
                .email_identity("atelier-lumiere.example.com")
                .send()
                .await
                .expect("verify the sending domain");
            aws_sdk_secretsmanager::Client::new(&aws)
                .create_secret()
                .name(testkit::moto::RECIPIENT_KEY_SECRET)
                .secret_string(testkit::moto::RECIPIENT_KEY)
                .send()
                .await
                .expect("create the recipient key");
            aws_sdk_secretsmanager::Client::new(&aws)
                .create_secret()
                .name("booxi-notify/webhook-secret")
                .secret_string(SECRET)
                .send()
                .await
                .expect("create the secret")
                .arn()
                .unwrap()
                .to_owned()
        });
        let env = [
            ("AWS_ENDPOINT_URL", moto.endpoint()),
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("BOOXI_SECRET_ARN", secret_arn.clone()),
            ("BOOXI_IDEMPOTENCY_TABLE", TABLE.into()),
            (
                "BOOXI_RECIPIENT_KEY_SECRET_ARN",
                testkit::moto::RECIPIENT_KEY_SECRET.into(),
            ),
            ("BOOXI_SENDER_EMAIL", SENDER.into()),
            ("BOOXI_SECRET_CACHE_SECONDS", "0".into()),
            ("BOOXI_DELIVERY_BUDGET_SECONDS", "3".into()),
            ("BOOXI_EVENT_ALIASES", ALIASES.into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        Stack {
            moto,
            secret_arn,
            env,
            tokio,
        }
    }

    fn function(&self, runtime: &RuntimeApi) -> Function {
        Function::spawn(Path::new(WEBHOOK), runtime, &self.env)
    }

    /// The function with more environment variables.
    fn function_with(&self, runtime: &RuntimeApi, extra: &[(&str, &str)]) -> Function {
        let mut env = self.env.clone();
        env.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        Function::spawn(Path::new(WEBHOOK), runtime, &env)
    }

    fn rotate_secret(&self, value: &str) {
        self.tokio.block_on(async {
            let aws = sdk_config(&self.moto.endpoint()).await;
            aws_sdk_secretsmanager::Client::new(&aws)
                .put_secret_value()
                .secret_id(&self.secret_arn)
                .secret_string(value)
                .send()
                .await
                .expect("rotate the secret");
        });
    }
}

async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .load()
        .await
}

/// An API Gateway event from `events/`, with its body and headers changed as asked.
fn gateway_event(name: &str) -> Value {
    read_event(name)
}

fn with_event_id(event: Value, id: &str) -> Value {
    let mut body = booxi_body(&event);
    body["eventId"] = json!(id);
    with_body(event, &body.to_string())
}

fn booxi_body(event: &Value) -> Value {
    serde_json::from_slice(&input::booxi_body(event.to_string().as_bytes()).unwrap()).unwrap()
}

/// The function's HTTP answer: status and JSON body.
fn answer(response: Value) -> (u16, Value) {
    let status = response["statusCode"].as_u64().unwrap() as u16;
    let body = response["body"].as_str().unwrap_or_default();
    let body = if response["isBase64Encoded"] == true {
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(body)
                .unwrap(),
        )
        .unwrap()
    } else {
        body.to_owned()
    };
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn call(runtime: &RuntimeApi, event: &Value) -> (u16, Value) {
    answer(
        runtime
            .invoke(event, TIMEOUT)
            .expect("the function answers"),
    )
}

/// What the library plans and renders for an event: (to, subject or SMS text).
/// (recipient, subject or text) pairs.
type Sent = Vec<(String, String)>;

fn expected_messages(event: &Value) -> (Sent, Sent) {
    let config = Config::load(None, |k| {
        (k == "BOOXI_EVENT_ALIASES").then(|| ALIASES.to_owned())
    })
    .unwrap();
    let bytes = input::booxi_body(event.to_string().as_bytes()).unwrap();
    let parsed = Event::read(&bytes, &config).unwrap();
    let composer = RenderComposer {
        renderer: Renderer::new(&RenderConfig::from(&config)).unwrap(),
        from: EmailAddress::parse(SENDER).unwrap(),
        reply_to: None,
    };
    let (mut emails, mut sms) = (Vec::new(), Vec::new());
    for (i, n) in plan(&parsed, &config).notifications.iter().enumerate() {
        let meta = MessageMeta::of(n, i + 1);
        match composer
            .compose_at(&parsed, n, meta, jiff::Timestamp::UNIX_EPOCH)
            .unwrap()
            .content
        {
            Content::Email(e) => emails.push((e.to.to_string(), e.subject)),
            Content::Sms(s) => sms.push((s.to.to_string(), s.text)),
            Content::WhatsApp(w) => panic!("no WhatsApp is configured here: {w:?}"),
        }
    }
    (emails, sms)
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) in a header value.
fn decode_header(value: &str) -> String {
    let mut out = String::new();
    let mut previous_was_word = false;
    for token in value.split(' ') {
        let parts: Vec<&str> = token.split('?').collect();
        if parts.len() == 5 && parts[0] == "=" && parts[4] == "=" {
            let bytes = match parts[2].to_ascii_lowercase().as_str() {
                "b" => base64::engine::general_purpose::STANDARD
                    .decode(parts[3])
                    .unwrap_or_default(),
                _ => quoted(parts[3]),
            };
            out.push_str(&String::from_utf8_lossy(&bytes));
            previous_was_word = true;
        } else {
            if !out.is_empty() || previous_was_word {
                out.push(' ');
            }
            out.push_str(token);
            previous_was_word = false;
        }
    }
    out
}

fn quoted(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'_' => out.push(b' '),
            b'=' if i + 2 < bytes.len() => {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap_or(b'?'));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// What `after` holds beyond `before` (as multisets).
fn new_since<T: PartialEq + Clone>(before: &[T], after: &[T]) -> Vec<T> {
    let mut left = before.to_vec();
    after
        .iter()
        .filter(|x| match left.iter().position(|y| y == *x) {
            Some(i) => {
                left.remove(i);
                false
            }
            None => true,
        })
        .cloned()
        .collect()
}

fn sent_emails(moto: &Moto) -> Vec<(String, String)> {
    let mut emails: Vec<(String, String)> = moto
        .emails()
        .into_iter()
        .map(|(to, subject, _)| (to, decode_header(&subject)))
        .collect();
    emails.sort();
    emails
}

fn sent_sms(moto: &Moto) -> Vec<(String, String)> {
    let mut sms = moto.sms();
    sms.sort();
    sms
}

/// No address, number, name or secret in what the function logged.
fn assert_no_personal_data(logs: &str) {
    assert!(!logs.is_empty(), "the function logged nothing");
    for needle in [
        "@example.com",
        "jane",
        "Jane",
        "Doe",
        "Marie",
        "Tremblay",
        "Élodie",
        "Bélanger",
        "Luc",
        "Gagnon",
        "+1514",
        "514-555",
        "(514)",
        "5550123",
        SECRET,
        "wrong-secret",
        "new-secret",
    ] {
        assert!(
            !logs.contains(needle),
            "the logs contain {needle:?}:\n{logs}"
        );
    }
}

#[test]
fn every_event_file_sends_exactly_what_the_rules_call_for() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let function = stack.function(&runtime);
    let mut names: Vec<String> = std::fs::read_dir(events_dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json") && n != "local-env.json")
        .collect();
    names.sort();
    assert!(names.len() >= 20);
    for name in names {
        let event = gateway_event(&name);
        let (emails_before, sms_before) = (sent_emails(&stack.moto), sent_sms(&stack.moto));
        let (status, body) = call(&runtime, &event);
        let (mut want_emails, mut want_sms) = expected_messages(&event);
        if name == "unknown-type.json" {
            assert_eq!(
                (status, body["status"].as_str()),
                (200, Some("ignored")),
                "{name}"
            );
        } else {
            assert_eq!(
                (status, body["status"].as_str()),
                (200, Some("processed")),
                "{name}: {body}"
            );
        }
        let mut emails = new_since(&emails_before, &sent_emails(&stack.moto));
        let mut sms = new_since(&sms_before, &sent_sms(&stack.moto));
        for list in [&mut emails, &mut want_emails] {
            list.sort();
        }
        for list in [&mut sms, &mut want_sms] {
            list.sort();
        }
        assert_eq!(emails, want_emails, "{name}: emails");
        assert_eq!(sms, want_sms, "{name}: SMS");
        let sent = body["messages"]
            .as_array()
            .map_or(0, |m| m.iter().filter(|m| m["status"] == "sent").count());
        assert_eq!(sent, want_emails.len() + want_sms.len(), "{name}: {body}");
    }
    // Spot checks of what a client actually receives.
    let all = sent_emails(&stack.moto);
    assert!(all.iter().any(|(to, _)| to == "jane.doe@example.com"));
    assert!(
        sent_sms(&stack.moto)
            .iter()
            .any(|(to, _)| to == "+15145550123")
    );
    assert_no_personal_data(&function.logs());
}

#[test]
fn the_same_event_twice_sends_once() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let function = stack.function(&runtime);
    let event = gateway_event("confirmation-created.json");
    let (_, first) = call(&runtime, &event);
    assert_eq!(first["status"], "processed");
    let (status, body) = call(&runtime, &event);
    assert_eq!((status, body["status"].as_str()), (200, Some("duplicate")));
    // Every email, .ics or not, went raw with our headers (SES's simple content drops them).
    let raw = stack.moto.data()["ses"]["RawMessage"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(raw.len(), 2, "both emails raw");
    for m in &raw {
        let mime = m["raw_data"].as_str().unwrap_or_default();
        assert!(
            mime.contains("\r\nAuto-Submitted: auto-generated\r\n"),
            "{mime}"
        );
        assert!(mime.contains("\r\nMessage-ID: <booxi.evt-0001."), "{mime}");
        assert!(mime.contains("\r\nContent-Language: "), "{mime}");
    }
    // The duplicate answers the first processing's summary, saved in DynamoDB.
    assert_eq!(body["messages"], first["messages"], "{body}");
    assert_eq!(body["messages"].as_array().map(Vec::len), Some(3), "{body}");
    assert_eq!(sent_emails(&stack.moto).len(), 2);
    assert_eq!(sent_sms(&stack.moto).len(), 1);
    assert_no_personal_data(&function.logs());
}

/// Three function instances race over ten deliveries of one event. DynamoDB goes through
/// a proxy that passes one call at a time: moto's conditional writes are not atomic under
/// concurrency (two racing `PutItem`s on one key both succeed now and then), DynamoDB's
/// are, and the proxy gives moto DynamoDB's behaviour so the test proves our claim logic,
/// not moto's luck. The proxy must have seen the calls, or the test proves nothing.
#[test]
fn ten_concurrent_deliveries_send_each_message_once() {
    let stack = Stack::new();
    let serial = SerialProxy::start(stack.moto.port);
    let mut env = stack.env.clone();
    env.push(("AWS_ENDPOINT_URL_DYNAMODB".into(), serial.endpoint()));
    let runtime = RuntimeApi::start();
    let functions: Vec<Function> = (0..3)
        .map(|_| Function::spawn(Path::new(WEBHOOK), &runtime, &env))
        .collect();
    let event = gateway_event("changed-date.json");
    let answers: Vec<(u16, Value)> = std::thread::scope(|scope| {
        let calls: Vec<_> = (0..10)
            .map(|_| scope.spawn(|| call(&runtime, &event)))
            .collect();
        calls.into_iter().map(|c| c.join().unwrap()).collect()
    });
    let processed = answers
        .iter()
        .filter(|(s, b)| *s == 200 && b["status"] == "processed")
        .count();
    let others_ok = answers.iter().all(|(s, b)| {
        (*s == 200 && (b["status"] == "processed" || b["status"] == "duplicate")) || *s == 409
    });
    assert_eq!(processed, 1, "{answers:?}");
    assert!(others_ok, "{answers:?}");
    assert_eq!(
        sent_emails(&stack.moto).len(),
        2,
        "client and staff email once each"
    );
    assert_eq!(sent_sms(&stack.moto).len(), 1);
    // A later delivery (after the 409s) is a duplicate.
    assert_eq!(call(&runtime, &event).1["status"], "duplicate");
    let through_proxy = serial.calls.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        through_proxy >= 10,
        "DynamoDB calls through the proxy: {through_proxy}"
    );
    for f in &functions {
        let logs = f.logs();
        if !logs.is_empty() {
            assert_no_personal_data(&logs);
        }
    }
}

#[test]
fn a_wrong_or_missing_secret_is_401_with_no_detail_and_sends_nothing() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let function = stack.function(&runtime);
    let good = gateway_event("confirmation-created.json");
    let mut wrong = good.clone();
    wrong["headers"]["x-booxi-secret"] = json!("wrong-secret");
    let mut missing = good.clone();
    missing["headers"]
        .as_object_mut()
        .unwrap()
        .remove("x-booxi-secret");
    let mut bearer = missing.clone();
    bearer["headers"]["authorization"] = json!("Bearer wrong-secret");
    for event in [&wrong, &missing, &bearer] {
        assert_eq!(
            call(&runtime, event),
            (401, json!({"error": "unauthorized"}))
        );
    }
    assert!(sent_emails(&stack.moto).is_empty());
    assert!(sent_sms(&stack.moto).is_empty());
    // The right secret as a bearer token works.
    let mut bearer_ok = missing.clone();
    bearer_ok["headers"]["authorization"] = json!(format!("Bearer {SECRET}"));
    assert_eq!(call(&runtime, &bearer_ok).0, 200);
    assert_no_personal_data(&function.logs());
}

/// The API Gateway event with the signature header set (its other auth headers removed).
fn signed(mut event: Value, signature: &str) -> Value {
    let headers = event["headers"].as_object_mut().unwrap();
    headers.remove("x-booxi-secret");
    headers.insert("x-booxi-signature".to_owned(), json!(signature));
    event
}

/// The bytes Booxi sent: the event's body, base64-decoded when API Gateway encoded it.
fn raw_body(event: &Value) -> Vec<u8> {
    input::booxi_body(event.to_string().as_bytes()).unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn signature_mode_accepts_exactly_the_correctly_signed_bodies() {
    use booxi_notify::doors::auth::hmac_sha256;
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let function = stack.function_with(&runtime, &[("BOOXI_AUTH_MODE", "Signature")]);
    let b64 = |mac: [u8; 32]| base64::engine::general_purpose::STANDARD.encode(mac);

    // Refused: the header secret alone, no header, another key, a tampered body.
    let plain = gateway_event("confirmation-created.json");
    let body = raw_body(&plain);
    let mut tampered = signed(plain.clone(), &hex(&hmac_sha256(SECRET.as_bytes(), &body)));
    let changed = String::from_utf8(body.clone())
        .unwrap()
        .replace("A00006500", "A00006501");
    tampered = with_body(tampered, &changed);
    let mut no_header = signed(plain.clone(), "");
    no_header["headers"]
        .as_object_mut()
        .unwrap()
        .remove("x-booxi-signature");
    let refused = [
        plain.clone(),
        no_header,
        signed(plain.clone(), SECRET),
        signed(plain.clone(), &hex(&hmac_sha256(b"wrong-secret", &body))),
        tampered,
    ];
    for event in &refused {
        assert_eq!(
            call(&runtime, event),
            (401, json!({"error": "unauthorized"}))
        );
    }
    assert!(sent_emails(&stack.moto).is_empty());
    assert!(sent_sms(&stack.moto).is_empty());

    // Accepted: hex without prefix; base64 with `sha256=`, over the base64-decoded body.
    let (status, answer) = call(
        &runtime,
        &signed(plain.clone(), &hex(&hmac_sha256(SECRET.as_bytes(), &body))),
    );
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("processed")),
        "{answer}"
    );
    let reminder = gateway_event("reminder.json");
    assert_eq!(reminder["isBase64Encoded"], true);
    let signature = format!(
        "sha256={}",
        b64(hmac_sha256(SECRET.as_bytes(), &raw_body(&reminder)))
    );
    let (status, answer) = call(&runtime, &signed(reminder, &signature));
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("processed")),
        "{answer}"
    );
    // An id-less body signed: sent once, however often it comes.
    let id_less = gateway_event("root-envelope-without-id.json");
    let signature = hex(&hmac_sha256(SECRET.as_bytes(), &raw_body(&id_less)));
    let first = call(&runtime, &signed(id_less.clone(), &signature));
    assert_eq!(first.1["status"], "processed", "{}", first.1);
    let again = call(&runtime, &signed(id_less, &signature));
    assert_eq!((again.0, &again.1["status"]), (200, &json!("duplicate")));
    assert_eq!(again.1["event_id"], first.1["event_id"]);
    let (mut emails, mut sms) = (Vec::new(), Vec::new());
    for name in [
        "confirmation-created.json",
        "reminder.json",
        "root-envelope-without-id.json",
    ] {
        let (e, s) = expected_messages(&gateway_event(name));
        emails.extend(e);
        sms.extend(s);
    }
    emails.sort();
    sms.sort();
    assert_eq!(sent_emails(&stack.moto), emails);
    assert_eq!(sent_sms(&stack.moto), sms);

    // After a rotation, bodies signed with the new and with the previous key are accepted.
    stack.rotate_secret("new-secret");
    for (id, key) in [("sig-rot-1", "new-secret"), ("sig-rot-2", SECRET)] {
        let event = with_event_id(gateway_event("recall.json"), id);
        let signature = hex(&hmac_sha256(key.as_bytes(), &raw_body(&event)));
        assert_eq!(call(&runtime, &signed(event, &signature)).0, 200, "{key}");
    }
    let logs = function.logs();
    let derived = first.1["event_id"].as_str().unwrap();
    assert!(
        logs.lines()
            .any(|l| l.contains("derived one from its content") && l.contains(derived)),
        "no log line says the id was derived:\n{logs}"
    );
    assert_no_personal_data(&logs);
}

#[test]
fn after_a_rotation_the_old_and_the_new_secret_are_both_accepted() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let function = stack.function(&runtime);
    let base = gateway_event("recall.json");
    assert_eq!(call(&runtime, &with_event_id(base.clone(), "rot-1")).0, 200);
    stack.rotate_secret("new-secret");
    let mut new = with_event_id(base.clone(), "rot-2");
    new["headers"]["x-booxi-secret"] = json!("new-secret");
    assert_eq!(call(&runtime, &new).0, 200, "the new secret (AWSCURRENT)");
    let old = with_event_id(base.clone(), "rot-3");
    assert_eq!(call(&runtime, &old).0, 200, "the old secret (AWSPREVIOUS)");
    let mut neither = with_event_id(base, "rot-4");
    neither["headers"]["x-booxi-secret"] = json!("wrong-secret");
    assert_eq!(call(&runtime, &neither).0, 401);
    assert_eq!(sent_emails(&stack.moto).len(), 3);
    assert_no_personal_data(&function.logs());
}

#[test]
fn bad_requests_get_their_status_and_send_nothing() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let function = stack.function(&runtime);
    let base = gateway_event("confirmation-created.json");
    let cases = [
        (
            with_body(base.clone(), "{\"eventId\": "),
            400,
            "not JSON: EOF while parsing a value at line 1 column 12",
        ),
        (
            with_body(base.clone(), "[]"),
            400,
            "not a Booxi event: the body is not a JSON object",
        ),
        (
            with_body(base.clone(), r#"{"eventId":"x-1","content":{}}"#),
            400,
            "not a Booxi event: no event type (eventType, type or event)",
        ),
    ];
    for (event, status, error) in cases {
        assert_eq!(call(&runtime, &event), (status, json!({"error": error})));
    }
    let mut get = base.clone();
    get["requestContext"]["http"]["method"] = json!("GET");
    assert_eq!(
        call(&runtime, &get),
        (405, json!({"error": "method not allowed: use POST or PUT"}))
    );
    let big = with_body(
        base.clone(),
        &format!(
            "{{\"eventId\":\"big\",\"eventType\":\"appointment.recall\",\"pad\":\"{}\"}}",
            "x".repeat(300 * 1024)
        ),
    );
    assert_eq!(call(&runtime, &big).0, 413);
    let (status, body) = call(&runtime, &gateway_event("unknown-type.json"));
    assert_eq!((status, body["status"].as_str()), (200, Some("ignored")));
    assert!(sent_emails(&stack.moto).is_empty());
    assert!(sent_sms(&stack.moto).is_empty());
    // The type nothing handles is logged and counted by name (an EMF metric line).
    let logs = function.logs();
    let ignored_line = logs
        .lines()
        .find(|l| l.contains("event type not handled"))
        .unwrap_or_else(|| panic!("no log line for the ignored type:\n{logs}"));
    assert!(
        ignored_line.contains("client.consent_updated"),
        "{ignored_line}"
    );
    let metric = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v.get("IgnoredEvents").is_some())
        .unwrap_or_else(|| panic!("no IgnoredEvents metric:\n{logs}"));
    assert_eq!(metric["EventType"], "client.consent_updated");
    assert_eq!(metric["IgnoredEvents"], 1.0);
    assert_no_personal_data(&logs);
}

#[test]
fn a_throttled_sms_answers_503_and_the_retry_sends_only_it() {
    let stack = Stack::new();
    let throttling = ThrottlingSns::start();
    let mut env = stack.env.clone();
    env.push((
        "AWS_ENDPOINT_URL_SNS".into(),
        format!("http://127.0.0.1:{}", throttling.port),
    ));
    // Room for several retries even when moto is slow on a loaded machine.
    env.retain(|(k, _)| k != "BOOXI_DELIVERY_BUDGET_SECONDS");
    env.push(("BOOXI_DELIVERY_BUDGET_SECONDS".into(), "10".into()));
    let event = gateway_event("confirmation-created.json");
    {
        let runtime = RuntimeApi::start();
        let throttled = Function::spawn(Path::new(WEBHOOK), &runtime, &env);
        let (status, body) = call(&runtime, &event);
        assert_eq!(status, 503, "{body}");
        let sms = body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["channel"] == "sms")
            .unwrap();
        assert_eq!(sms["status"], "failed");
        assert!(
            sms["reason"].as_str().unwrap().contains("Throttled"),
            "{sms}"
        );
        let calls = throttling.calls.load(std::sync::atomic::Ordering::SeqCst);
        assert!(
            calls > 1,
            "SNS Throttled is retried: {calls} calls; {body}\n{}",
            throttled.logs()
        );
        assert_eq!(sent_emails(&stack.moto).len(), 2);
        assert!(sent_sms(&stack.moto).is_empty());
        assert_no_personal_data(&throttled.logs());
    }
    // Booxi retries; SNS is back (a fresh instance: its own Runtime API).
    let runtime = RuntimeApi::start();
    let function = stack.function(&runtime);
    let (status, body) = call(&runtime, &event);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        sent_emails(&stack.moto).len(),
        2,
        "the emails are not sent again"
    );
    assert_eq!(sent_sms(&stack.moto).len(), 1);
    assert_eq!(call(&runtime, &event).1["status"], "duplicate");
    assert_no_personal_data(&function.logs());
}

#[test]
fn a_rest_api_v1_event_is_handled_too() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let function = stack.function(&runtime);
    let v2 = gateway_event("recall.json");
    let v1 = json!({
        "resource": "/booxi",
        "path": "/booxi",
        "httpMethod": "PUT",
        "headers": {"Content-Type": "application/json", "X-Booxi-Secret": SECRET},
        "multiValueHeaders": {"Content-Type": ["application/json"], "X-Booxi-Secret": [SECRET]},
        "queryStringParameters": null,
        "multiValueQueryStringParameters": null,
        "pathParameters": null,
        "stageVariables": null,
        "requestContext": {
            "accountId": "123456789012", "resourceId": "abc", "stage": "prod", "requestId": "r-1",
            "identity": {"sourceIp": "203.0.113.10"}, "resourcePath": "/booxi", "httpMethod": "PUT",
            "apiId": "api", "path": "/prod/booxi", "requestTimeEpoch": 1_795_183_332_000_i64
        },
        "body": booxi_body(&v2).to_string(),
        "isBase64Encoded": false
    });
    let (status, body) = call(&runtime, &v1);
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("processed")),
        "{body}"
    );
    assert_eq!(sent_emails(&stack.moto).len(), 1);
    assert_no_personal_data(&function.logs());
}

#[test]
fn an_event_id_over_dynamodbs_key_limit_is_processed_once() {
    // 3,000 bytes: over DynamoDB's 2,048-byte key limit (moto enforces it too), which
    // answered 503 on every retry. The id is stored, answered and logged as its hash.
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let function = stack.function(&runtime);
    let event = with_event_id(
        gateway_event("confirmation-created.json"),
        &"e".repeat(3_000),
    );
    let (status, body) = call(&runtime, &event);
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("processed")),
        "{body}"
    );
    let id = body["event_id"].as_str().unwrap();
    assert!(id.starts_with("sha256:") && id.len() == 71, "{id}");
    let (status, again) = call(&runtime, &event);
    assert_eq!((status, again["status"].as_str()), (200, Some("duplicate")));
    assert_eq!(sent_emails(&stack.moto).len(), 2);
    assert_eq!(sent_sms(&stack.moto).len(), 1);
    assert!(
        !function.logs().contains(&"e".repeat(300)),
        "the long id was logged"
    );
}

/// The DynamoDB store's conditions, through the real SDK against moto: a claim carries its
/// owner, and only that owner completes or releases it. The calls here are sequential on
/// purpose: moto's conditional writes are not atomic under concurrency (racing
/// `PutItem`s both succeed now and then), so races are tested on the in-memory store,
/// whose operations are atomic like DynamoDB's (`edge` and `store` unit tests), and here
/// only through a proxy that serialises moto's calls (the ten-deliveries test); this
/// test proves the conditions DynamoDB evaluates are the right ones.
#[test]
fn the_dynamodb_claim_belongs_to_its_owner() {
    use booxi_notify::adapters::aws::DynamoStore;
    use booxi_notify::core::store::{Claim, Closed, Done, IdempotencyStore, Owner};
    use std::time::SystemTime;

    let stack = Stack::new();
    stack.tokio.block_on(async {
        let aws = sdk_config(&stack.moto.endpoint()).await;
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), TABLE);
        let (a, b, c) = (
            Owner::new().unwrap(),
            Owner::new().unwrap(),
            Owner::new().unwrap(),
        );
        let now = SystemTime::now();
        let until = now + Duration::from_secs(60);
        assert_eq!(
            store.claim("e1", &a, now, until).await.unwrap(),
            Claim::Acquired
        );
        assert_eq!(
            store.claim("e1", &b, now, until).await.unwrap(),
            Claim::InProgress
        );
        // After a's lease, b takes over; a can then neither release nor complete.
        let later = until + Duration::from_secs(1);
        let later_until = later + Duration::from_secs(60);
        assert_eq!(
            store.claim("e1", &b, later, later_until).await.unwrap(),
            Claim::Acquired
        );
        assert_eq!(store.release("e1", &a).await.unwrap(), Closed::NotOwner);
        assert_eq!(
            store.complete("e1", &a, later, "[]").await.unwrap(),
            Closed::NotOwner
        );
        assert_eq!(
            store.claim("e1", &c, later, later_until).await.unwrap(),
            Claim::InProgress
        );
        // b's own release works, then c's claim and completion with a summary.
        assert_eq!(store.release("e1", &b).await.unwrap(), Closed::Done);
        assert_eq!(
            store.claim("e1", &c, later, later_until).await.unwrap(),
            Claim::Acquired
        );
        let summary =
            r#"[{"kind":"reminder","audience":"client","channel":"sms","status":"sent"}]"#;
        assert_eq!(
            store.complete("e1", &c, later, summary).await.unwrap(),
            Closed::Done
        );
        assert_eq!(
            store.claim("e1", &a, later, later_until).await.unwrap(),
            Claim::Completed {
                summary: Some(summary.to_owned()),
                redo_from: None,
            }
        );
        assert_eq!(
            store.release("e1", &c).await.unwrap(),
            Closed::NotOwner,
            "completed stays completed"
        );
        assert_eq!(
            store.claim("e1", &b, later, later_until).await.unwrap(),
            Claim::Completed {
                summary: Some(summary.to_owned()),
                redo_from: None,
            }
        );
        // Queued mode's claim, written completed in one put: answered as completed, and
        // only its owner undoes it (after a failure to enqueue).
        let queued =
            r#"[{"kind":"reminder","audience":"client","channel":"sms","status":"queued"}]"#;
        assert_eq!(
            store.claim_completed("q1", &a, now, queued).await.unwrap(),
            Claim::Acquired
        );
        // With when it was claimed (stored in milliseconds): a later delivery redoes the
        // work as of then.
        let millis = now
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let completed = Claim::Completed {
            summary: Some(queued.to_owned()),
            redo_from: Some(std::time::UNIX_EPOCH + Duration::from_millis(millis)),
        };
        assert_eq!(store.claim("q1", &b, now, until).await.unwrap(), completed);
        assert_eq!(
            store.claim_completed("q1", &b, now, "[]").await.unwrap(),
            completed
        );
        assert_eq!(
            store.complete("q1", &a, now, "[]").await.unwrap(),
            Closed::NotOwner
        );
        assert_eq!(store.release("q1", &b).await.unwrap(), Closed::NotOwner);
        assert_eq!(store.release("q1", &a).await.unwrap(), Closed::Done);
        assert_eq!(
            store.claim_completed("q1", &b, now, "[]").await.unwrap(),
            Claim::Acquired
        );
        // Direct mode takes a queued claim over, once, and only that claim (its time).
        assert_eq!(
            store.claim_completed("q3", &a, now, "[]").await.unwrap(),
            Claim::Acquired
        );
        let millis_later = now + Duration::from_millis(1);
        assert!(
            !store
                .take_over("q3", millis_later, &b, until)
                .await
                .unwrap()
        );
        assert!(store.take_over("q3", now, &b, until).await.unwrap());
        assert!(!store.take_over("q3", now, &c, until).await.unwrap());
        assert_eq!(
            store.claim("q3", &c, now, until).await.unwrap(),
            Claim::InProgress
        );
        assert_eq!(
            store.complete("q3", &b, now, "[]").await.unwrap(),
            Closed::Done
        );
        assert!(!store.take_over("q3", now, &c, until).await.unwrap());
        // A live claim in progress keeps it out.
        assert_eq!(
            store.claim("q2", &a, now, until).await.unwrap(),
            Claim::Acquired
        );
        assert_eq!(
            store.claim_completed("q2", &b, now, "[]").await.unwrap(),
            Claim::InProgress
        );
        // Messages are recorded as sent or refused, and read back as such.
        store.record("msg#a", Done::Sent, later).await.unwrap();
        store.record("msg#b", Done::Refused, later).await.unwrap();
        let keys = ["msg#a".to_owned(), "msg#b".to_owned(), "msg#c".to_owned()];
        let recorded = store.recorded(&keys).await.unwrap();
        assert_eq!(recorded.get("msg#a"), Some(&Done::Sent));
        assert_eq!(recorded.get("msg#b"), Some(&Done::Refused));
        assert_eq!(recorded.len(), 2);
    });
}

/// Only an error about the recipient refuses a message for good, on the error bodies AWS
/// sends: SNS's `InvalidParameter` naming the `PhoneNumber` (`… Reason: +1… is not valid
/// to publish to`) and SES v2's `BadRequestException` `Illegal address` are recorded as
/// refused, answered 200, and never tried again. The same codes about our side — SNS's
/// `Invalid parameter: ` with no parameter named (its answer to a sender ID it will not
/// take), one naming the origination number, SES's `The input you provided is invalid.`
/// — are configuration failures: 502, nothing recorded, and Booxi's retry sends every
/// message once the configuration is fixed.
#[test]
fn only_errors_about_the_recipient_refuse_it_for_good() {
    use std::sync::atomic::Ordering::SeqCst;
    use testkit::proxy::FailingSes;
    let stack = Stack::new();
    let failure_of = |body: &Value, channel: &str| -> Vec<(String, String, String)> {
        body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["channel"] == channel)
            .map(|m| {
                let text = |k: &str| m[k].as_str().unwrap_or_default().to_owned();
                (text("status"), text("failure"), text("reason"))
            })
            .collect()
    };
    let with_endpoints = |sns: &str, ses: &str| {
        let mut env = stack.env.clone();
        env.push(("AWS_ENDPOINT_URL_SNS".into(), sns.to_owned()));
        env.push(("AWS_ENDPOINT_URL_SESV2".into(), ses.to_owned()));
        env.push(("BOOXI_SMS_SENDER_ID".into(), "AtelierL".into()));
        // Without the opt-out check before each SMS, SNS's calls are the Publish alone.
        env.push(("BOOXI_SMS_OPT_OUT_CHECK".into(), "false".into()));
        env
    };

    // The recipient's: refused for good.
    let number = FailingSns::with_code(
        "InvalidParameter",
        "Invalid parameter: PhoneNumber Reason: +15145550123 is not valid to publish to",
    );
    let address = FailingSes::with_error("BadRequestException", "Illegal address");
    let event = gateway_event("confirmation-created.json");
    {
        let runtime = RuntimeApi::start();
        let function = Function::spawn(
            Path::new(WEBHOOK),
            &runtime,
            &with_endpoints(&number.endpoint(), &address.endpoint()),
        );
        let (status, body) = call(&runtime, &event);
        assert_eq!(
            (status, body["status"].as_str()),
            (200, Some("processed")),
            "{body}"
        );
        let refused = |reason: &str| ("failed".to_owned(), "refused".to_owned(), reason.to_owned());
        assert_eq!(
            failure_of(&body, "sms"),
            [refused("SNS Publish: InvalidParameter")]
        );
        assert_eq!(
            failure_of(&body, "email"),
            [
                refused("SES SendEmail: BadRequestException"),
                refused("SES SendEmail: BadRequestException")
            ]
        );
        assert_eq!(
            (number.calls.load(SeqCst), address.calls.load(SeqCst)),
            (1, 2),
            "not retried"
        );
        let (status, again) = call(&runtime, &event);
        assert_eq!((status, again["status"].as_str()), (200, Some("duplicate")));
        assert_eq!(again["messages"], body["messages"]);
        assert_eq!(
            (number.calls.load(SeqCst), address.calls.load(SeqCst)),
            (1, 2)
        );
        assert_no_personal_data(&function.logs());
    }

    // Ours: configuration failures, retried by Booxi once fixed.
    let sender_id = FailingSns::with_code("InvalidParameter", "Invalid parameter: ");
    let origination = FailingSns::with_code(
        "InvalidParameter",
        "Invalid parameter: AWS.MM.SMS.OriginationNumber Reason: not owned by the account",
    );
    let malformed =
        FailingSes::with_error("BadRequestException", "The input you provided is invalid.");
    for (sns, expected) in [
        (
            &sender_id,
            "SNS Publish: InvalidParameter (not about the recipient)",
        ),
        (
            &origination,
            "SNS Publish: InvalidParameter (AWS.MM.SMS.OriginationNumber, not the recipient)",
        ),
    ] {
        let event = with_event_id(
            gateway_event("confirmation-created.json"),
            &format!("config-{}", sns.port),
        );
        let runtime = RuntimeApi::start();
        let function = Function::spawn(
            Path::new(WEBHOOK),
            &runtime,
            &with_endpoints(&sns.endpoint(), &malformed.endpoint()),
        );
        let (status, body) = call(&runtime, &event);
        assert_eq!(
            (status, body["status"].as_str()),
            (502, Some("failed")),
            "{body}"
        );
        let configuration = |reason: &str| {
            (
                "failed".to_owned(),
                "configuration".to_owned(),
                reason.to_owned(),
            )
        };
        assert_eq!(failure_of(&body, "sms"), [configuration(expected)]);
        assert_eq!(
            failure_of(&body, "email"),
            [
                configuration("SES SendEmail: BadRequestException (not about the recipient)"),
                configuration("SES SendEmail: BadRequestException (not about the recipient)")
            ]
        );
        assert_no_personal_data(&function.logs());
        drop(function);
        // Fixed: Booxi's retry sends every message, once.
        let (emails, sms) = (sent_emails(&stack.moto).len(), sent_sms(&stack.moto).len());
        let runtime = RuntimeApi::start();
        let _fixed = stack.function(&runtime);
        let (status, body) = call(&runtime, &event);
        assert_eq!(
            (status, body["status"].as_str()),
            (200, Some("processed")),
            "{body}"
        );
        assert_eq!(
            (sent_emails(&stack.moto).len(), sent_sms(&stack.moto).len()),
            (emails + 2, sms + 1)
        );
    }
}

#[test]
fn events_that_come_through_no_open_door_are_errors_and_send_nothing() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let _function = stack.function(&runtime);
    let sqs_batch =
        json!({"Records": [{"messageId": "m-1", "eventSource": "aws:sqs", "body": "{}"}]});
    let fired = json!({"door": "schedule", "booking": "b-1"});
    let cases = [
        (
            json!({"Records": [{"EventSource": "aws:sns"}]}),
            "unsupported invocation: expected an API Gateway request",
        ),
        (
            json!({"eventId": "x-1", "eventType": "appointment.created"}),
            "unsupported invocation",
        ),
        (
            sqs_batch,
            "SQS invocation received, but this function is not configured for it",
        ),
        (
            fired,
            "schedule invocation received, but this function is not configured for it",
        ),
    ];
    for (event, error) in cases {
        let answer = runtime
            .invoke(&event, TIMEOUT)
            .expect_err("an invocation error, not a response");
        assert!(answer.contains(error), "{event}: {answer}");
    }
    // The HTTP door still answers after the errors.
    assert_eq!(call(&runtime, &gateway_event("unknown-type.json")).0, 200);
    assert!(sent_emails(&stack.moto).is_empty());
    assert!(sent_sms(&stack.moto).is_empty());
}

/// The detail-type the library publishes for `event` (with a bus configured).
fn expected_detail_type(event: &Value) -> Option<String> {
    let config = Config::load(None, |k| match k {
        "BOOXI_EVENT_ALIASES" => Some(ALIASES.to_owned()),
        "BOOXI_EVENT_BUS" => Some("booxi-notify".to_owned()),
        _ => None,
    })
    .unwrap();
    let bytes = input::booxi_body(event.to_string().as_bytes()).unwrap();
    let parsed = Event::read(&bytes, &config).unwrap();
    let planned = plan(&parsed, &config);
    booxi_notify::domain::events_out::planned(&parsed, &config, &planned)
        .map(|e| e.detail_type.name())
}

/// The answer's messages as a detail lists them: kind, audience, channel, status.
fn as_detail_messages(messages: &Value) -> Value {
    let list: Vec<Value> = messages
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let mut out = serde_json::Map::new();
            for key in ["kind", "audience", "channel", "status", "fallback_for"] {
                if let Some(v) = m.get(key) {
                    out.insert(key.to_owned(), v.clone());
                }
            }
            Value::Object(out)
        })
        .collect();
    Value::Array(list)
}

#[test]
fn with_a_bus_each_event_publishes_its_detail_type_once_and_a_failed_entry_is_retried() {
    let stack = Stack::new();
    let tap = stack.moto.tap_bus("booxi-notify");
    let proxy = FailingPutEvents::start(stack.moto.port);
    let eventbridge = proxy.endpoint();
    let mut details = Vec::new();
    {
        let runtime = RuntimeApi::start();
        let function = stack.function_with(
            &runtime,
            &[
                ("BOOXI_EVENT_BUS", tap.bus_arn.as_str()),
                ("AWS_ENDPOINT_URL_EVENTBRIDGE", eventbridge.as_str()),
            ],
        );
        let mut names: Vec<String> = std::fs::read_dir(events_dir())
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".json") && n != "local-env.json")
            .collect();
        names.sort();
        for name in &names {
            let event = gateway_event(name);
            let (status, body) = call(&runtime, &event);
            let published = stack.moto.tapped(&tap);
            let Some(want) = expected_detail_type(&event) else {
                assert_eq!(body["status"], "ignored", "{name}");
                assert!(published.is_empty(), "{name}: {published:?}");
                continue;
            };
            assert_eq!(status, 200, "{name}: {body}");
            assert_eq!(
                body["event"],
                json!({"detail_type": want, "status": "published"}),
                "{name}"
            );
            assert_eq!(
                published.len(),
                1,
                "{name}: exactly one event: {published:?}"
            );
            let out = &published[0];
            assert_eq!(out["source"], "booxi-notify", "{name}");
            assert_eq!(out["detail-type"], want.as_str(), "{name}");
            assert_eq!(out["detail"]["event_id"], body["event_id"], "{name}");
            assert_eq!(
                out["detail"]["messages"],
                as_detail_messages(&body["messages"]),
                "{name}: the detail says what became of the messages"
            );
            details.push(out["detail"].clone());
        }
        assert!(details.len() >= 20);
        // Booxi delivers each again: duplicates, nothing published twice.
        for name in &names {
            let (_, body) = call(&runtime, &gateway_event(name));
            assert_ne!(body["status"], "processed", "{name}");
        }
        assert!(
            stack.moto.tapped(&tap).is_empty(),
            "a redelivery publishes nothing"
        );
        let calls = proxy
            .put_events_calls
            .load(std::sync::atomic::Ordering::SeqCst);
        assert_eq!(calls, details.len(), "one PutEvents call per event");

        // PutEvents does not take the entry: 503, the messages went; Booxi's retry
        // publishes it once and sends nothing again.
        let event = with_event_id(gateway_event("confirmation-created.json"), "evt-pub-1");
        let sent_before = (sent_emails(&stack.moto).len(), sent_sms(&stack.moto).len());
        proxy.fail(1, "InternalFailure");
        let (status, body) = call(&runtime, &event);
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["event"]["status"], "failed", "{body}");
        assert_eq!(body["event"]["failure"], "temporary", "{body}");
        assert_eq!(
            body["event"]["reason"], "PutEvents entry: InternalFailure",
            "{body}"
        );
        let sent_once = (sent_emails(&stack.moto).len(), sent_sms(&stack.moto).len());
        assert_eq!(sent_once, (sent_before.0 + 2, sent_before.1 + 1));
        assert!(stack.moto.tapped(&tap).is_empty());
        let (status, body) = call(&runtime, &event);
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["event"]["status"], "published", "{body}");
        assert!(
            body["messages"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["reason"] == "sent by an earlier delivery of this event"),
            "{body}"
        );
        let published = stack.moto.tapped(&tap);
        assert_eq!(published.len(), 1, "{published:?}");
        assert_eq!(published[0]["detail"]["event_id"], "evt-pub-1");
        details.push(published[0]["detail"].clone());
        assert_eq!(
            (sent_emails(&stack.moto).len(), sent_sms(&stack.moto).len()),
            sent_once,
            "nothing sent again"
        );
        assert_eq!(call(&runtime, &event).1["status"], "duplicate");
        assert!(stack.moto.tapped(&tap).is_empty());
        // An entry refused for permissions is ours to fix: 502.
        proxy.fail(1, "NotAuthorizedForSourceException");
        let event = with_event_id(gateway_event("reminder.json"), "evt-pub-2");
        let (status, body) = call(&runtime, &event);
        assert_eq!(
            (status, &body["event"]["failure"]),
            (502, &json!("configuration")),
            "{body}"
        );
        assert_no_personal_data(&function.logs());
    }
    // Without contact data (the bus named by its name, not its ARN): no email, no mobile.
    {
        let runtime = RuntimeApi::start();
        let _function = stack.function_with(
            &runtime,
            &[
                ("BOOXI_EVENT_BUS", "booxi-notify"),
                ("BOOXI_EVENTS_CONTACT_DATA", "false"),
                ("AWS_ENDPOINT_URL_EVENTBRIDGE", eventbridge.as_str()),
            ],
        );
        let event = with_event_id(gateway_event("confirmation-created.json"), "evt-pub-3");
        assert_eq!(call(&runtime, &event).0, 200);
        let published = stack.moto.tapped(&tap);
        assert_eq!(published.len(), 1);
        let client = &published[0]["detail"]["client"];
        assert_eq!(client["first_name"], "Jane");
        assert!(
            client.get("email").is_none() && client.get("mobile").is_none(),
            "{client}"
        );
        details.push(published[0]["detail"].clone());
    }
    // Without a bus nothing changes: no `event` in the answer, no call to EventBridge.
    {
        let runtime = RuntimeApi::start();
        let _function = stack.function_with(
            &runtime,
            &[("AWS_ENDPOINT_URL_EVENTBRIDGE", eventbridge.as_str())],
        );
        let calls = proxy
            .put_events_calls
            .load(std::sync::atomic::Ordering::SeqCst);
        let event = with_event_id(gateway_event("confirmation-created.json"), "evt-pub-4");
        let (status, body) = call(&runtime, &event);
        assert_eq!(status, 200);
        assert!(body.get("event").is_none(), "{body}");
        assert!(stack.moto.tapped(&tap).is_empty());
        assert_eq!(
            proxy
                .put_events_calls
                .load(std::sync::atomic::Ordering::SeqCst),
            calls
        );
    }
    // A bus that is not one: the function does not start, and says which setting.
    {
        let runtime = RuntimeApi::start();
        let function = stack.function_with(&runtime, &[("BOOXI_EVENT_BUS", "my bus")]);
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !function.logs().contains("BOOXI_EVENT_BUS") && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(
            function.logs().contains(
                "key: \"BOOXI_EVENT_BUS\", message: \"`my bus` is not an EventBridge bus name"
            ),
            "{}",
            function.logs()
        );
    }
    testkit::schema::assert_valid_details(&details);
}

/// `confirmation-created.json` as event `id`, its client's mobile number `mobile`.
fn confirmation_to(id: &str, mobile: &str) -> Value {
    let event = gateway_event("confirmation-created.json");
    let mut body = booxi_body(&event);
    body["eventId"] = json!(id);
    body["content"]["booking"]["client"]["mobilePhoneNumber"] = json!(mobile);
    with_body(event, &body.to_string())
}

/// The message attributes of each SNS `Publish` a proxy saw: phone number → name →
/// (data type, value).
type Attributes = std::collections::BTreeMap<String, (String, String)>;

fn publishes(proxy: &testkit::proxy::RecordingProxy) -> Vec<(String, Attributes)> {
    proxy
        .requests("/", "Action=Publish")
        .into_iter()
        .map(|(_, _, body)| testkit::proxy::form(&body))
        .map(|form| {
            let get = |key: &str| {
                form.iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let mut attributes = Attributes::new();
            for n in 1.. {
                let entry = format!("MessageAttributes.entry.{n}");
                let name = get(&format!("{entry}.Name"));
                if name.is_empty() {
                    break;
                }
                attributes.insert(
                    name,
                    (
                        get(&format!("{entry}.Value.DataType")),
                        get(&format!("{entry}.Value.StringValue")),
                    ),
                );
            }
            (get("PhoneNumber"), attributes)
        })
        .collect()
}

/// SMS pumping and senders on real parts: SNS behind a proxy that keeps each request
/// (moto keeps an SMS's number and text, not its message attributes). Each country's
/// `Publish` carries its configured sender, the type Transactional and the maximum
/// price; a number of a country not allowed is not published, and its answer says why.
#[test]
fn each_country_gets_its_sender_and_a_country_not_allowed_gets_no_sms() {
    let stack = Stack::new();
    let sns = testkit::proxy::RecordingProxy::start(stack.moto.port);
    let dir = std::env::temp_dir().join(format!("booxi-sms-e2e-{}", stack.moto.port));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("sms.toml");
    std::fs::write(
        &config,
        r#"
[sms]
countries = ["CA", "US", "FR"]
sender_id = "Atelier"
max_price = "0.50"

[sms.senders.CA]
origination_number = "+15145550100"

[sms.senders.FR]
sender_id = "ACMEOPTICS"
"#,
    )
    .unwrap();
    let runtime = RuntimeApi::start();
    let config = config.display().to_string();
    let function = stack.function_with(
        &runtime,
        &[
            ("AWS_ENDPOINT_URL_SNS", &sns.endpoint()),
            ("BOOXI_CONFIG", &config),
        ],
    );
    let numbers = [
        ("s-ca", "(514) 555-0123", "+15145550123"),
        ("s-fr", "+33 6 12 34 56 78", "+33612345678"),
        ("s-us", "+1 212 555 0123", "+12125550123"),
        ("s-de", "+49 151 23456789", "+4915123456789"),
    ];
    let mut answers = Vec::new();
    for (id, mobile, _) in numbers {
        let (status, body) = call(&runtime, &confirmation_to(id, mobile));
        assert_eq!(status, 200, "{body}");
        answers.push(body);
    }
    let published: Vec<String> = sent_sms(&stack.moto)
        .into_iter()
        .map(|(to, _)| to)
        .collect();
    assert_eq!(published, ["+12125550123", "+15145550123", "+33612345678"]);
    // The German number: skipped with the reason; the confirmation email still went.
    let de = &answers[3]["messages"];
    let sms = de
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["channel"] == "sms")
        .unwrap();
    assert_eq!(sms["status"], "skipped");
    assert_eq!(
        sms["reason"],
        "SMS to DE numbers is not allowed (allowed: CA, FR, US, [sms] countries)"
    );
    assert!(
        de.as_array()
            .unwrap()
            .iter()
            .any(|m| m["channel"] == "email" && m["status"] == "sent")
    );

    let by_number: std::collections::BTreeMap<String, Attributes> =
        publishes(&sns).into_iter().collect();
    let attr = |name: &str, t: &str, v: &str| (name.to_owned(), (t.to_owned(), v.to_owned()));
    let common = [
        attr("AWS.SNS.SMS.SMSType", "String", "Transactional"),
        attr("AWS.SNS.SMS.MaxPrice", "Number", "0.50"),
    ];
    let expect = |extra: &[(String, (String, String))]| -> Attributes {
        common.iter().chain(extra).cloned().collect()
    };
    assert_eq!(
        by_number["+15145550123"],
        expect(&[attr(
            "AWS.MM.SMS.OriginationNumber",
            "String",
            "+15145550100"
        )])
    );
    assert_eq!(
        by_number["+33612345678"],
        expect(&[attr("AWS.SNS.SMS.SenderID", "String", "ACMEOPTICS")])
    );
    // No table for the United States: the default sender, whose sender ID the United
    // States does not take.
    assert_eq!(by_number["+12125550123"], expect(&[]));
    assert!(!by_number.contains_key("+4915123456789"));

    let logs = function.logs();
    assert_no_personal_data(&logs);
    let blocked: f64 = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|l| l["SmsCountryBlocked"].as_f64())
        .sum();
    assert_eq!(blocked, 1.0, "{logs}");

    // Mistakes stop the function at start, with the key named; nothing is sent.
    let sent = stack.moto.sent();
    let refused = dir.join("us-sender-id.toml");
    std::fs::write(&refused, "[sms.senders.US]\nsender_id = \"ACMEOPTICS\"\n").unwrap();
    let refused = refused.display().to_string();
    let quiet_without_scheduler = [("BOOXI_SMS_QUIET_HOURS", "21:00-08:00")];
    for (extra, key, message) in [
        (
            vec![("BOOXI_CONFIG", refused.as_str())],
            "sms.senders.US.sender_id",
            "the United States (US) does not allow alphanumeric sender IDs: SMS there come \
             from a number; give its origination_number instead",
        ),
        (
            vec![("BOOXI_SMS_SENDER_ID", "AB")],
            "BOOXI_SMS_SENDER_ID",
            "`AB` is not a sender ID: 3 to 11 letters and digits",
        ),
        (
            quiet_without_scheduler.to_vec(),
            "BOOXI_SCHEDULE_GROUP",
            "required when [sms] quiet_hours hold SMS back (a quiet_kinds kind sent by SMS), \
             not set",
        ),
    ] {
        let runtime = RuntimeApi::start();
        let function = stack.function_with(&runtime, &extra);
        let named =
            |logs: &str| logs.contains(&format!("key: \"{key}\"")) && logs.contains(message);
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !named(&function.logs()) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(named(&function.logs()), "{}", function.logs());
    }
    assert_eq!(stack.moto.sent(), sent);
}

/// The daily cap under concurrency, through the compiled binary: 50 events of one
/// merchant at once, against a cap of 20, publish exactly 20 SMS. DynamoDB is behind a
/// proxy that passes one call at a time: the cap is one conditional UpdateItem, atomic
/// on DynamoDB but not on moto under concurrency (two racing conditional writes both
/// succeed now and then), so without the proxy the test would prove moto's luck, not
/// our counter. The proxy must have seen the calls.
#[test]
fn fifty_concurrent_events_against_a_cap_of_twenty_publish_twenty_sms() {
    let stack = Stack::new();
    let serial = SerialProxy::start(stack.moto.port);
    let mut env = stack.env.clone();
    env.extend(
        [
            ("AWS_ENDPOINT_URL_DYNAMODB", serial.endpoint()),
            ("BOOXI_SMS_MAX_PER_DAY", "20".into()),
            ("BOOXI_STAFF_KINDS", "none".into()),
            ("BOOXI_SMS_OPT_OUT_CHECK", "false".into()),
        ]
        .map(|(k, v)| (k.to_owned(), v)),
    );
    let runtime = RuntimeApi::start();
    let functions: Vec<Function> = (0..5)
        .map(|_| Function::spawn(Path::new(WEBHOOK), &runtime, &env))
        .collect();
    let events: Vec<Value> = (0..50)
        .map(|i| confirmation_to(&format!("cap-{i:02}"), "(514) 555-0123"))
        .collect();
    let deliver_all = || -> Vec<(u16, Value)> {
        std::thread::scope(|scope| {
            let calls: Vec<_> = events
                .iter()
                .map(|event| scope.spawn(|| call(&runtime, event)))
                .collect();
            calls.into_iter().map(|c| c.join().unwrap()).collect()
        })
    };
    let answers = deliver_all();
    let sms_statuses: Vec<(String, String)> = answers
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, 200, "{body}");
            let sms = body["messages"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["channel"] == "sms")
                .unwrap();
            (
                sms["status"].as_str().unwrap().to_owned(),
                sms["reason"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let sent = sms_statuses.iter().filter(|(s, _)| s == "sent").count();
    let over: Vec<&String> = sms_statuses
        .iter()
        .filter(|(s, _)| s == "skipped")
        .map(|(_, r)| r)
        .collect();
    assert_eq!((sent, over.len()), (20, 30), "{sms_statuses:?}");
    assert!(
        over.iter().all(|r| r
            .starts_with("over the daily SMS cap: 20 SMS already counted for this merchant on ")),
        "{over:?}"
    );
    assert_eq!(sent_sms(&stack.moto).len(), 20, "exactly the cap published");
    // Every email still went (the confirmation's email goes anyway: no fallback).
    assert_eq!(sent_emails(&stack.moto).len(), 50);

    // The day's counter, on the store's day (Toronto).
    let day = jiff::tz::TimeZone::get("America/Toronto")
        .unwrap()
        .to_datetime(jiff::Timestamp::now())
        .date();
    let item = stack.moto.dynamodb(
        "GetItem",
        json!({"TableName": TABLE, "Key": {"pk": {"S": format!("sms#501#{day}")}}, "ConsistentRead": true}),
    );
    assert_eq!(item["Item"]["count"]["N"], "20", "{item}");
    assert_eq!(item["Item"]["msgs"]["SS"].as_array().unwrap().len(), 20);
    assert!(item["Item"]["expires_at"]["N"].as_str().is_some());

    // Booxi redelivers them all: duplicates, nothing more published.
    let again = deliver_all();
    assert!(
        again
            .iter()
            .all(|(s, b)| *s == 200 && b["status"] == "duplicate")
    );
    assert_eq!(sent_sms(&stack.moto).len(), 20);

    let through_proxy = serial.calls.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        through_proxy >= 100,
        "DynamoDB calls through the proxy: {through_proxy}"
    );
    let over_metric: f64 = functions
        .iter()
        .flat_map(|f| {
            let logs = f.logs();
            if !logs.is_empty() {
                assert_no_personal_data(&logs);
            }
            logs.lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .filter_map(|l| l["SmsOverDailyCap"].as_f64())
                .collect::<Vec<_>>()
        })
        .sum();
    assert_eq!(over_metric, 30.0);
}
