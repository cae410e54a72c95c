//! Scheduled messages (`[[flows]]`) on real parts: the compiled `webhook` binary under a
//! Lambda Runtime API, the AWS SDK against moto's EventBridge Scheduler, DynamoDB, SES
//! and SNS. moto keeps schedules but does not invoke their targets: the test plays the
//! scheduler by invoking the function with a schedule's `Target.Input`, as it would.
//!
//! Where a case lives:
//! - `schedules`: the schedules a created booking makes (times, target, role, dead-letter
//!   queue, no personal data), kept on a redelivery; a move's new times; after_completed.
//! - `fires`: a fire sending once however often it comes, a cancel deleting the schedules
//!   and a stale fire sending nothing, a booking's whole life.
//! - `failures`: Scheduler failures answering 5xx, missing Scheduler settings at start.
//! - `partial_input`: partial, late and differently shaped input.
//! - `events_out`: a flow with the `event` channel.
//! - `quiet_hours`: SMS held back to the end of the quiet hours.
//!
//! The stack (`Stack`: moto and the function's environment) and the helpers every module
//! uses are below.

mod events_out;
mod failures;
mod fires;
mod partial_input;
mod quiet_hours;
mod schedules;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use testkit::events::{read_event, with_body};
use testkit::lambda::{Function, RuntimeApi};
use testkit::moto::Moto;

const WEBHOOK: &str = env!("CARGO_BIN_EXE_webhook");

const SENDER: &str = "notify@atelier-lumiere.example.com";

const TIMEOUT: Duration = Duration::from_secs(60);

const GROUP: &str = "booxi-notify-flows";

const TARGET: &str = "arn:aws:lambda:us-east-1:123456789012:function:booxi-notify-webhook";

const ROLE: &str = "arn:aws:iam::123456789012:role/booxi-notify-scheduler";

const DLQ: &str = "arn:aws:sqs:us-east-1:123456789012:booxi-notify-flows-dlq";

const FLOWS: &str = r#"
[[flows]]
name = "pre_visit"
before_start = "24h"
channels = ["email", "sms"]

[[flows]]
name = "starting_soon"
before_start = "15m"
channels = ["sms"]

[[flows]]
name = "thank_you"
after_completed = "2h"
channels = ["email"]
"#;

struct Stack {
    moto: Moto,
    env: Vec<(String, String)>,
    tokio: tokio::runtime::Runtime,
    _dir: PathBuf,
}

impl Stack {
    fn new() -> Stack {
        let moto = Moto::start();
        let secret_arn = moto.set_up_stack();
        let tokio = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        tokio.block_on(async {
            scheduler(&moto)
                .await
                .create_schedule_group()
                .name(GROUP)
                .send()
                .await
                .expect("create the schedule group");
        });
        let dir = std::env::temp_dir().join(format!("booxi-flows-e2e-{}", moto.port));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("flows.toml");
        std::fs::write(&config, FLOWS).unwrap();
        let env = [
            ("AWS_ENDPOINT_URL", moto.endpoint()),
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
            ("BOOXI_CONFIG", config.display().to_string()),
            ("BOOXI_SCHEDULE_GROUP", GROUP.into()),
            ("BOOXI_SCHEDULER_TARGET_ARN", TARGET.into()),
            ("BOOXI_SCHEDULER_ROLE_ARN", ROLE.into()),
            ("BOOXI_SCHEDULER_DLQ_ARN", DLQ.into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        Stack {
            moto,
            env,
            tokio,
            _dir: dir,
        }
    }

    fn function(&self, runtime: &RuntimeApi) -> Function {
        Function::spawn(Path::new(WEBHOOK), runtime, &self.env)
    }

    /// Every schedule of the group, read back one by one: name → (expression, timezone,
    /// target ARN, role ARN, input, action after completion, dead-letter ARN).
    fn schedules(&self) -> Vec<Schedule> {
        self.tokio.block_on(async {
            let client = scheduler(&self.moto).await;
            let listed = client
                .list_schedules()
                .group_name(GROUP)
                .send()
                .await
                .expect("list schedules");
            let mut out = Vec::new();
            for summary in listed.schedules() {
                let name = summary.name().unwrap_or_default().to_owned();
                let got = client
                    .get_schedule()
                    .group_name(GROUP)
                    .name(&name)
                    .send()
                    .await
                    .expect("get schedule");
                let target = got.target().expect("a target");
                out.push(Schedule {
                    name,
                    expression: got.schedule_expression().unwrap_or_default().to_owned(),
                    timezone: got
                        .schedule_expression_timezone()
                        .unwrap_or_default()
                        .to_owned(),
                    target: target.arn().to_owned(),
                    role: target.role_arn().to_owned(),
                    input: serde_json::from_str(target.input().unwrap_or("null")).unwrap(),
                    after_completion: got
                        .action_after_completion()
                        .map(|a| a.as_str().to_owned())
                        .unwrap_or_default(),
                    dead_letter: target
                        .dead_letter_config()
                        .and_then(|d| d.arn())
                        .unwrap_or_default()
                        .to_owned(),
                });
            }
            out.sort_by(|a, b| a.name.cmp(&b.name));
            out
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Schedule {
    name: String,
    expression: String,
    timezone: String,
    target: String,
    role: String,
    input: Value,
    after_completion: String,
    dead_letter: String,
}

async fn scheduler(moto: &Moto) -> aws_sdk_scheduler::Client {
    let aws = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(moto.endpoint())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .load()
        .await;
    aws_sdk_scheduler::Client::new(&aws)
}

/// An API Gateway event carrying a Booxi body about booking 778812, starting at
/// `starts`, dated `created`.
fn delivery(
    event_type: &str,
    id: &str,
    created: &str,
    change: impl Fn(testkit::bodies::Body) -> testkit::bodies::Body,
) -> Value {
    let body = change(
        testkit::bodies::event(event_type)
            .with_previous()
            .set("booking.startsOn", json!("2030-06-10T15:00:00Z")),
    );
    let mut body = body.0;
    body["eventId"] = json!(id);
    body["createdOn"] = json!(created);
    with_body(read_event("confirmation-created.json"), &body.to_string())
}

fn call(runtime: &RuntimeApi, event: &Value) -> (u16, Value) {
    runtime.call_http(event, TIMEOUT)
}

/// Emails and SMS of a flow kind moto has recorded: (destination, subject or text).
fn flow_messages(moto: &Moto, needle: &str) -> Vec<String> {
    let mut out: Vec<String> = moto
        .emails()
        .into_iter()
        .filter(|(_, _, body)| body.contains(needle))
        .map(|(to, _, _)| format!("email {to}"))
        .chain(
            moto.sms()
                .into_iter()
                .filter(|(_, text)| text.contains(needle))
                .map(|(to, _)| format!("sms {to}")),
        )
        .collect();
    out.sort();
    out
}

fn assert_no_personal_data(text: &str) {
    for needle in [
        "Jane",
        "Doe",
        "jane@",
        "example.com",
        // The client's number in each way it could be written (a bare "514" also
        // matched a millisecond timestamp in a metric line, 1796558551401).
        "+1514",
        "5550123",
        "555-0123",
        "555 0123",
        "Marie",
        "Consultation",
    ] {
        assert!(!text.contains(needle), "{needle:?} in {text}");
    }
}

/// Scheduler deletes a one-time schedule after it fires (`ActionAfterCompletion:
/// DELETE`); moto keeps it, so the test does what Scheduler would.
fn fire_and_complete(stack: &Stack, runtime: &RuntimeApi, schedule: &Schedule) -> Value {
    let answer = runtime
        .invoke(&schedule.input, TIMEOUT)
        .expect("the fire succeeds");
    stack.tokio.block_on(async {
        scheduler(&stack.moto)
            .await
            .delete_schedule()
            .group_name(GROUP)
            .name(&schedule.name)
            .send()
            .await
            .expect("delete the fired schedule");
    });
    answer
}
