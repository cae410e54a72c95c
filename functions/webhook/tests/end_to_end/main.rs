//! The compiled `webhook` binary under a Lambda Runtime API, against moto (SES v2, SNS,
//! Secrets Manager, DynamoDB) through the real AWS SDK: what Booxi's calls produce,
//! read back from moto.
//!
//! Where a case lives:
//! - `sending`: every file of `events/` sends exactly what the rules call for; REST API v1
//!   events.
//! - `idempotency`: duplicates and concurrent deliveries sending once, an event id over
//!   DynamoDB's key limit, the claim's owner conditions.
//! - `auth`: wrong or missing secrets, signature mode, a secret's rotation.
//! - `bad_input`: malformed requests and events that come through no open door.
//! - `retries`: a throttled SNS answering 503 and the retry sending only the SMS; which SES
//!   errors refuse a recipient for good and which are configuration failures.
//! - `events_out`: booking events out on a bus, once each, a failed entry retried.
//! - `sms`: `[sms]` guards: each country's sender, countries not allowed, the daily cap
//!   under concurrency.
//!
//! The stack (`Stack`: moto and the function's environment) and the helpers every module
//! uses are below.

mod auth;
mod bad_input;
mod events_out;
mod idempotency;
mod retries;
mod sending;
mod sms;

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
fn call(runtime: &RuntimeApi, event: &Value) -> (u16, Value) {
    runtime.call_http(event, TIMEOUT)
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
