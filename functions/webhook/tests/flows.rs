//! Scheduled messages (`[[flows]]`) on real parts: the compiled `webhook` binary under a
//! Lambda Runtime API, the AWS SDK against moto's EventBridge Scheduler, DynamoDB, SES
//! and SNS. moto keeps schedules but does not invoke their targets: the test plays the
//! scheduler by invoking the function with a schedule's `Target.Input`, as it would.

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
    let response = runtime
        .invoke(event, TIMEOUT)
        .expect("the function answers");
    let status = response["statusCode"].as_u64().unwrap() as u16;
    let body = response["body"].as_str().unwrap_or_default();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
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
        "514",
        "Marie",
        "Consultation",
    ] {
        assert!(!text.contains(needle), "{needle:?} in {text}");
    }
}

#[test]
fn a_created_booking_makes_the_expected_schedules_and_redelivery_keeps_the_same_set() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let function = stack.function(&runtime);
    let created = delivery("appointment.created", "f-1", "2030-06-01T10:00:00Z", |b| b);
    let (status, answer) = call(&runtime, &created);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["schedules"].as_array().map(Vec::len),
        Some(3),
        "{answer}"
    );
    let schedules = stack.schedules();
    let at: Vec<(&str, &str, &str)> = schedules
        .iter()
        .map(|s| {
            (
                s.input["flow"].as_str().unwrap(),
                s.input["channel"].as_str().unwrap(),
                s.expression.as_str(),
            )
        })
        .collect();
    let mut at = at;
    at.sort();
    assert_eq!(
        at,
        [
            ("pre_visit", "email", "at(2030-06-09T15:00:00)"),
            ("pre_visit", "sms", "at(2030-06-09T15:00:00)"),
            ("starting_soon", "sms", "at(2030-06-10T14:45:00)"),
        ]
    );
    for s in &schedules {
        assert_eq!(s.timezone, "UTC");
        assert_eq!(s.target, TARGET);
        assert_eq!(s.role, ROLE);
        assert_eq!(s.after_completion, "DELETE");
        assert_eq!(s.dead_letter, DLQ);
        assert!(
            s.name.len() <= 64 && s.name.starts_with("bx."),
            "{}",
            s.name
        );
        assert!(
            s.name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)),
            "{}",
            s.name
        );
        assert_eq!(s.input["door"], "schedule");
        assert_eq!(s.input["recipient"], "client");
        assert_eq!(s.input["booking"], "5/778812");
        assert_no_personal_data(&s.name);
        assert_no_personal_data(&s.input.to_string());
    }

    // The booking's state, kept in the idempotency table until a little after the last
    // time anything of it is due (its start, 2030-06-10T15:00Z, + 2 days).
    let item = stack.tokio.block_on(async {
        let aws = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(stack.moto.endpoint())
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .load()
            .await;
        aws_sdk_dynamodb::Client::new(&aws)
            .get_item()
            .table_name(testkit::moto::TABLE)
            .key(
                "pk",
                aws_sdk_dynamodb::types::AttributeValue::S("flow#5/778812".into()),
            )
            .send()
            .await
            .unwrap()
            .item
            .expect("the booking state")
    });
    let expires: i64 = item["expires_at"].as_n().unwrap().parse().unwrap();
    let due_end: jiff::Timestamp = "2030-06-12T15:00:00Z".parse().unwrap();
    assert_eq!(expires, due_end.as_second());
    assert!(item["body"].as_s().unwrap().contains("\"eventId\":\"f-1\""));

    // Booxi delivers it again (duplicate), then a copy under another id: the same set.
    assert_eq!(call(&runtime, &created).1["status"], "duplicate");
    let again = delivery(
        "appointment.created",
        "f-1-copy",
        "2030-06-01T10:00:00Z",
        |b| b,
    );
    assert_eq!(call(&runtime, &again).0, 200);
    assert_eq!(stack.schedules(), schedules);
    assert!(!function.logs().contains("jane@example.com"));
}

#[test]
fn a_fire_sends_once_twice_still_once() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let function = stack.function(&runtime);
    call(
        &runtime,
        &delivery("appointment.created", "f-1", "2030-06-01T10:00:00Z", |b| b),
    );
    let before = (stack.moto.sent().0, stack.moto.sent().1);
    let pre_visit: Vec<Schedule> = stack
        .schedules()
        .into_iter()
        .filter(|s| s.input["flow"] == "pre_visit")
        .collect();
    assert_eq!(pre_visit.len(), 2);
    for s in &pre_visit {
        let answer = runtime
            .invoke(&s.input, TIMEOUT)
            .expect("the fire succeeds");
        assert_eq!(answer["status"], "processed", "{answer}");
        assert_eq!(answer["messages"][0]["status"], "sent", "{answer}");
        let twice = runtime
            .invoke(&s.input, TIMEOUT)
            .expect("the second fire succeeds");
        assert_eq!(twice["status"], "duplicate", "{twice}");
    }
    let after = stack.moto.sent();
    assert_eq!(
        (after.0 - before.0, after.1 - before.1),
        (1, 1),
        "one email, one SMS"
    );
    assert_eq!(
        flow_messages(&stack.moto, "Your visit is on"),
        ["sms +15145550123"]
    );
    // Subjects carry no-break spaces (`Jun 10`, `11:00 AM`): moto keeps them encoded
    // (`=?utf-8?Q?Before_your_visit…`), where an underscore stands for a space.
    let emails = stack.moto.emails();
    assert!(
        emails
            .iter()
            .any(|(to, subject, _)| to == "jane@example.com"
                && subject.replace('_', " ").contains("Before your visit")),
        "{:?}",
        emails.iter().map(|e| &e.1).collect::<Vec<_>>()
    );
    // Its own Message-ID: never the one of the event's confirmation.
    let pre_visit_mime = emails
        .iter()
        .find(|(_, subject, _)| subject.replace('_', " ").contains("Before your visit"))
        .map(|(_, _, raw)| raw.clone())
        .unwrap();
    assert!(
        pre_visit_mime.contains("\r\nMessage-ID: <booxi.bx.pre_visit."),
        "{pre_visit_mime}"
    );
    let logs = function.logs();
    assert!(!logs.contains("jane@example.com") && !logs.contains("+15145550123"));
}

#[test]
fn a_cancel_deletes_the_schedules_and_a_stale_fire_sends_nothing() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let _function = stack.function(&runtime);
    call(
        &runtime,
        &delivery("appointment.created", "f-1", "2030-06-01T10:00:00Z", |b| b),
    );
    let made = stack.schedules();
    assert_eq!(made.len(), 3);
    let before = stack.moto.sent();
    let cancel = delivery("appointment.canceled", "f-2", "2030-06-02T10:00:00Z", |b| {
        b.set("booking.status", json!("Cancelled"))
    });
    let (status, answer) = call(&runtime, &cancel);
    assert_eq!(status, 200, "{answer}");
    let deletes: Vec<&Value> = answer["schedules"].as_array().unwrap().iter().collect();
    assert!(
        deletes
            .iter()
            .all(|d| d["schedule"] == "delete" && d["status"] == "done"),
        "{answer}"
    );
    assert!(stack.schedules().is_empty(), "{:?}", stack.schedules());
    // The cancel's own messages only: a fire that was already under way sends nothing.
    let after_cancel = stack.moto.sent();
    for s in &made {
        let answer = runtime
            .invoke(&s.input, TIMEOUT)
            .expect("a stale fire is no error");
        assert_eq!(answer["messages"][0]["status"], "skipped", "{answer}");
        assert_eq!(answer["messages"][0]["reason"], "the booking is Cancelled");
    }
    assert_eq!(stack.moto.sent(), after_cancel);
    assert!(
        after_cancel.0 > before.0,
        "the cancel itself told the client"
    );
    // A second cancel delivery deletes what is already gone without an error.
    let again = delivery("appointment.canceled", "f-3", "2030-06-02T10:05:00Z", |b| {
        b.set("booking.status", json!("Cancelled"))
    });
    assert_eq!(call(&runtime, &again).0, 200);
}

#[test]
fn a_move_updates_the_times_and_the_old_time_sends_nothing() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let _function = stack.function(&runtime);
    call(
        &runtime,
        &delivery("appointment.created", "f-1", "2030-06-01T10:00:00Z", |b| b),
    );
    let old = stack.schedules();
    let moved = delivery("appointment.updated", "f-2", "2030-06-02T10:00:00Z", |b| {
        b.set("booking.startsOn", json!("2030-06-20T09:30:00Z"))
    });
    assert_eq!(call(&runtime, &moved).0, 200);
    let new = stack.schedules();
    assert_eq!(
        old.iter().map(|s| &s.name).collect::<Vec<_>>(),
        new.iter().map(|s| &s.name).collect::<Vec<_>>(),
        "the same schedules, moved"
    );
    let mut times: Vec<&str> = new.iter().map(|s| s.expression.as_str()).collect();
    times.sort();
    assert_eq!(
        times,
        [
            "at(2030-06-19T09:30:00)",
            "at(2030-06-19T09:30:00)",
            "at(2030-06-20T09:15:00)"
        ]
    );
    let before = stack.moto.sent();
    let stale = runtime.invoke(&old[0].input, TIMEOUT).unwrap();
    assert_eq!(stale["messages"][0]["status"], "skipped", "{stale}");
    assert!(
        stale["messages"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("the booking moved: this flow is now due at 2030-06-"),
        "{stale}"
    );
    assert_eq!(stack.moto.sent(), before);
    let fresh = new.iter().find(|s| s.name == old[0].name).unwrap();
    let sent = runtime.invoke(&fresh.input, TIMEOUT).unwrap();
    assert_eq!(sent["messages"][0]["status"], "sent", "{sent}");
}

#[test]
fn a_completed_booking_schedules_its_after_completed_flow() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let _function = stack.function(&runtime);
    let completed = delivery(
        "appointment.completed",
        "f-9",
        "2030-06-10T16:00:00Z",
        |b| b.set("booking.isCompleted", json!(true)),
    );
    let (status, answer) = call(&runtime, &completed);
    assert_eq!(status, 200, "{answer}");
    let schedules = stack.schedules();
    assert_eq!(schedules.len(), 1, "{schedules:?}");
    assert_eq!(schedules[0].input["flow"], "thank_you");
    assert_eq!(schedules[0].expression, "at(2030-06-10T18:00:00)");
    let fired = runtime.invoke(&schedules[0].input, TIMEOUT).unwrap();
    assert_eq!(fired["messages"][0]["status"], "sent", "{fired}");
}

#[test]
fn a_scheduler_failure_answers_5xx_so_booxi_retries() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    // A group that does not exist: CreateSchedule fails (ResourceNotFound).
    let mut env = stack.env.clone();
    env.retain(|(k, _)| k != "BOOXI_SCHEDULE_GROUP");
    env.push(("BOOXI_SCHEDULE_GROUP".into(), "no-such-group".into()));
    let _function = Function::spawn(Path::new(WEBHOOK), &runtime, &env);
    let (status, answer) = call(
        &runtime,
        &delivery("appointment.created", "f-1", "2030-06-01T10:00:00Z", |b| b),
    );
    assert_eq!(status, 502, "{answer}");
    let failed = &answer["schedules"][0];
    assert_eq!(failed["status"], "failed", "{answer}");
    assert_eq!(failed["failure"], "configuration", "{answer}");
    assert!(
        failed["reason"]
            .as_str()
            .unwrap()
            .starts_with("scheduler: CreateSchedule: "),
        "{answer}"
    );
}

#[test]
fn missing_scheduler_settings_stop_the_function_at_start_with_the_key_named() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let mut env = stack.env.clone();
    env.retain(|(k, _)| k != "BOOXI_SCHEDULER_ROLE_ARN");
    let function = Function::spawn(Path::new(WEBHOOK), &runtime, &env);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !function.logs().contains("BOOXI_SCHEDULER_ROLE_ARN")
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        function
            .logs()
            .contains(r#"key: "BOOXI_SCHEDULER_ROLE_ARN", message: "required when [[flows]] are configured, not set""#),
        "{}",
        function.logs()
    );
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

#[test]
fn a_bookings_life_created_moved_completed_sends_each_flow_once_at_its_time() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let function = stack.function(&runtime);
    call(
        &runtime,
        &delivery("appointment.created", "l-1", "2030-06-01T10:00:00Z", |b| b),
    );
    let moved = delivery("appointment.updated", "l-2", "2030-06-02T10:00:00Z", |b| {
        b.set("booking.startsOn", json!("2030-06-20T09:30:00Z"))
    });
    call(&runtime, &moved);
    let before_visit = stack.schedules();
    let mut due: Vec<(String, String, String)> = before_visit
        .iter()
        .map(|s| {
            (
                s.expression.clone(),
                s.input["flow"].as_str().unwrap().to_owned(),
                s.input["channel"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    due.sort();
    assert_eq!(
        due,
        [
            (
                "at(2030-06-19T09:30:00)".into(),
                "pre_visit".into(),
                "email".into()
            ),
            (
                "at(2030-06-19T09:30:00)".into(),
                "pre_visit".into(),
                "sms".into()
            ),
            (
                "at(2030-06-20T09:15:00)".into(),
                "starting_soon".into(),
                "sms".into()
            ),
        ]
    );
    let start = stack.moto.sent();
    for s in &before_visit {
        let answer = fire_and_complete(&stack, &runtime, s);
        assert_eq!(answer["messages"][0]["status"], "sent", "{answer}");
    }
    assert!(stack.schedules().is_empty());
    // The visit is over: the completion schedules the thank-you two hours later.
    let completed = delivery(
        "appointment.completed",
        "l-3",
        "2030-06-20T10:40:00Z",
        |b| {
            b.set("booking.startsOn", json!("2030-06-20T09:30:00Z"))
                .set("previousBooking.startsOn", json!("2030-06-20T09:30:00Z"))
                .set("booking.isCompleted", json!(true))
                .set("booking.client.presence", json!("Arrived"))
        },
    );
    let (status, answer) = call(&runtime, &completed);
    assert_eq!(status, 200, "{answer}");
    let after = stack.schedules();
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0].input["flow"], "thank_you");
    assert_eq!(after[0].expression, "at(2030-06-20T12:40:00)");
    let answer = fire_and_complete(&stack, &runtime, &after[0]);
    assert_eq!(answer["messages"][0]["status"], "sent", "{answer}");
    // Each flow message once: pre_visit by email and SMS, starting_soon by SMS, thank_you
    // by email (the completion's own `completed` email besides).
    let end = stack.moto.sent();
    assert_eq!((end.0 - start.0, end.1 - start.1), (3, 2), "emails, SMS");
    // Fired again (Scheduler delivers at least once): nothing more.
    for s in before_visit.iter().chain(&after) {
        let again = runtime.invoke(&s.input, TIMEOUT).unwrap();
        assert_eq!(again["status"], "duplicate", "{again}");
    }
    assert_eq!(stack.moto.sent(), end);
    let logs = function.logs();
    assert!(!logs.contains("jane@example.com") && !logs.contains("+15145550123"));
}

/// The EMF metric lines a function printed: those carrying `metric`.
fn metric_lines(function: &Function, metric: &str) -> Vec<Value> {
    function
        .logs()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v.get(metric).is_some())
        .collect()
}

fn schedule_names(stack: &Stack) -> Vec<String> {
    stack.schedules().into_iter().map(|s| s.name).collect()
}

/// Partial, late and differently shaped input, through the compiled function against
/// moto: the two faults found end to end on the old main (a cancel naming the booking
/// another way deleted nothing; an update without `status` made the schedules send
/// nothing), late fires, schedule work redone only where it failed, and the cap.
#[test]
fn flows_stay_right_on_partial_late_and_differently_shaped_input() {
    use booxi_notify::core::schedules::schedule_name;
    use booxi_notify::domain::notification::{Channel, FlowName, Kind};
    let stack = Stack::new();
    let scheduler_proxy = testkit::proxy::FaultyProxy::start(stack.moto.port);
    let mut env = stack.env.clone();
    env.push((
        "AWS_ENDPOINT_URL_SCHEDULER".into(),
        scheduler_proxy.endpoint(),
    ));
    let runtime = RuntimeApi::start();
    let function = Function::spawn(Path::new(WEBHOOK), &runtime, &env);

    // Approved, with its merchant and both its ids.
    let approved = delivery("appointment.created", "p-1", "2030-06-01T10:00:00Z", |b| {
        b.set("booking.confirmationNumber", json!("A00006500"))
    });
    assert_eq!(call(&runtime, &approved).0, 200);
    let made = stack.schedules();
    assert_eq!(made.len(), 3);

    // An update without status, start or merchant: the booking is still Approved.
    let update = delivery("appointment.updated", "p-2", "2030-06-02T10:00:00Z", |b| {
        b.remove("merchant")
            .remove("booking.status")
            .remove("booking.startsOn")
            .set("booking.quickNote", json!("Parking at the back"))
    });
    let (status, answer) = call(&runtime, &update);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(stack.schedules(), made, "{answer}");
    let pre_visit_email = made
        .iter()
        .find(|s| s.input["flow"] == "pre_visit" && s.input["channel"] == "email")
        .unwrap();
    let fired = fire_and_complete(&stack, &runtime, pre_visit_email);
    assert_eq!(fired["messages"][0]["status"], "sent", "{fired}");

    // Canceled by a body shaped as Booxi's public sample: payload at the root, no event
    // id, no merchant, the confirmation number only.
    let mut sample = testkit::bodies::event("appointment.canceled")
        .set("booking.status", json!("Cancelled"))
        .set("booking.confirmationNumber", json!("A00006500"))
        .remove("booking.bookingId")
        .remove("merchant")
        .0;
    let mut root = sample["content"].take().as_object().unwrap().clone();
    root.insert("event".into(), json!("appointment.canceled"));
    root.insert("createdOn".into(), json!("2030-06-03T10:00:00Z"));
    let cancel = with_body(
        read_event("confirmation-created.json"),
        &Value::Object(root).to_string(),
    );
    let (status, answer) = call(&runtime, &cancel);
    assert_eq!(status, 200, "{answer}");
    assert!(stack.schedules().is_empty(), "{answer}");
    for s in made.iter().filter(|s| s.name != pre_visit_email.name) {
        let fired = runtime.invoke(&s.input, TIMEOUT).unwrap();
        assert_eq!(
            fired["messages"][0]["reason"], "the booking is Cancelled",
            "{fired}"
        );
    }

    // Booxi's retry of an event whose SMS schedule failed makes that schedule only.
    let sms_name = schedule_name(
        "5/900001",
        Kind::Flow(FlowName::parse("pre_visit").unwrap()),
        "client",
        Channel::Sms,
    );
    scheduler_proxy.fail(Some(&sms_name));
    let other = delivery("appointment.created", "p-4", "2030-06-01T10:00:00Z", |b| {
        b.set("booking.bookingId", json!("900001"))
    });
    let (status, answer) = call(&runtime, &other);
    assert_eq!(status, 503, "{answer}");
    let failed: Vec<&Value> = answer["schedules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1, "{answer}");
    assert_eq!(
        (&failed[0]["kind"], &failed[0]["channel"]),
        (&json!("pre_visit"), &json!("sms")),
        "{answer}"
    );
    scheduler_proxy.fail(None);
    scheduler_proxy.clear();
    let (status, answer) = call(&runtime, &other);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        scheduler_proxy.calls(),
        [format!("POST /schedules/{sms_name}")],
        "only the failed change is made again"
    );
    assert_eq!(
        answer["schedules"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["reason"] == "done by an earlier delivery of this event")
            .count(),
        2,
        "{answer}"
    );

    // A fire later than its flow allows sends nothing stale, and is counted.
    let now = jiff::Timestamp::now();
    let starts = now + jiff::SignedDuration::from_mins(5);
    let soon = delivery(
        "appointment.created",
        "p-5",
        &(now - jiff::SignedDuration::from_hours(48)).to_string(),
        |b| {
            b.set("booking.bookingId", json!("900002"))
                .set("booking.startsOn", json!(starts.to_string()))
        },
    );
    assert_eq!(call(&runtime, &soon).0, 200);
    let sent_before = stack.moto.sent();
    for (flow, channel, offset) in [
        ("starting_soon", "sms", jiff::SignedDuration::from_mins(15)),
        ("pre_visit", "email", jiff::SignedDuration::from_hours(24)),
    ] {
        let at = jiff::Timestamp::from_second((starts - offset).as_second()).unwrap();
        let fire = json!({"door": "schedule", "booking": "5/900002", "flow": flow,
            "audience": "client", "channel": channel, "recipient": "client",
            "at": booxi_notify::domain::notification::utc_seconds(at)});
        let fired = runtime
            .invoke(&fire, TIMEOUT)
            .expect("a late fire is no error");
        assert_eq!(fired["messages"][0]["status"], "skipped", "{fired}");
        assert!(
            fired["messages"][0]["reason"]
                .as_str()
                .unwrap()
                .starts_with("too late: due at "),
            "{fired}"
        );
    }
    assert_eq!(stack.moto.sent(), sent_before);
    let late = metric_lines(&function, "FlowsLate");
    let flows: Vec<&str> = late.iter().filter_map(|l| l["Flow"].as_str()).collect();
    assert_eq!(flows, ["starting_soon", "pre_visit"], "{late:?}");
    drop(function);

    // At most max_schedules_per_event changes per event, counted.
    let mut capped_env = env.clone();
    capped_env.push(("BOOXI_MAX_SCHEDULES_PER_EVENT".into(), "2".into()));
    let capped_runtime = RuntimeApi::start();
    let capped = Function::spawn(Path::new(WEBHOOK), &capped_runtime, &capped_env);
    let before = schedule_names(&stack);
    let (status, answer) = call(
        &capped_runtime,
        &delivery("appointment.created", "p-6", "2030-06-01T10:00:00Z", |b| {
            b.set("booking.bookingId", json!("900003"))
        }),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["schedules"].as_array().unwrap().len(), 2, "{answer}");
    assert_eq!(schedule_names(&stack).len(), before.len() + 2);
    let over = metric_lines(&capped, "SchedulesOverLimit");
    assert_eq!(over.len(), 1, "{}", capped.logs());
    assert_eq!(over[0]["SchedulesOverLimit"], 1.0);
    assert_no_personal_data(&capped.logs());
}

#[test]
fn a_flow_with_the_event_channel_publishes_at_its_time_once_and_not_when_stale() {
    let stack = Stack::new();
    let tap = stack.moto.tap_bus("booxi-notify");
    // `starting_soon` as an event for the merchant's app (a push), not an SMS.
    let config = stack._dir.join("event-flow.toml");
    std::fs::write(
        &config,
        "[events_out]\nbus = \"booxi-notify\"\n\n[[flows]]\nname = \"starting_soon\"\nbefore_start = \"15m\"\nchannels = [\"event\"]\n",
    )
    .unwrap();
    let mut env = stack.env.clone();
    env.retain(|(k, _)| k != "BOOXI_CONFIG");
    env.push(("BOOXI_CONFIG".into(), config.display().to_string()));
    let runtime = RuntimeApi::start();
    let function = Function::spawn(Path::new(WEBHOOK), &runtime, &env);
    let (status, answer) = call(
        &runtime,
        &delivery("appointment.created", "f-1", "2030-06-01T10:00:00Z", |b| b),
    );
    assert_eq!(status, 200, "{answer}");
    // One schedule for the booking, whoever its recipients are: no audience.
    assert_eq!(
        answer["schedules"],
        json!([{"kind": "starting_soon", "channel": "event", "schedule": "upsert",
                "at": "2030-06-10T14:45:00Z", "status": "done"}]),
        "{answer}"
    );
    let created: Vec<String> = stack
        .moto
        .tapped(&tap)
        .iter()
        .map(|e| e["detail-type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(created, ["Booking Created"]);
    let old = stack.schedules();
    assert_eq!(old.len(), 1, "{old:?}");
    assert_eq!(
        old[0].input,
        json!({"door": "schedule", "booking": "5/778812", "flow": "starting_soon",
               "channel": "event", "recipient": "booking", "at": "2030-06-10T14:45:00Z"})
    );
    assert_eq!(old[0].expression, "at(2030-06-10T14:45:00)");

    // Moved: the same schedule at the new time; the old time's fire publishes nothing.
    let moved = delivery("appointment.updated", "f-2", "2030-06-02T10:00:00Z", |b| {
        b.set("booking.startsOn", json!("2030-06-20T09:30:00Z"))
    });
    assert_eq!(call(&runtime, &moved).0, 200);
    assert_eq!(
        stack
            .moto
            .tapped(&tap)
            .iter()
            .map(|e| e["detail-type"].clone())
            .collect::<Vec<_>>(),
        ["Booking Moved"]
    );
    let new = stack.schedules();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].name, old[0].name);
    assert_eq!(new[0].expression, "at(2030-06-20T09:15:00)");
    let stale = runtime.invoke(&old[0].input, TIMEOUT).unwrap();
    assert_eq!(stale["event"]["status"], "skipped", "{stale}");
    assert!(
        stale["event"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("the booking moved: this flow is now due at 2030-06-20T09:15:00Z"),
        "{stale}"
    );
    assert!(stack.moto.tapped(&tap).is_empty());

    // At its time: "Booking Starting Soon", the booking as it now is; twice, once.
    let sent_before = stack.moto.sent();
    let fired = runtime.invoke(&new[0].input, TIMEOUT).unwrap();
    assert_eq!(fired["status"], "processed", "{fired}");
    assert_eq!(
        fired["event"],
        json!({"detail_type": "Booking Starting Soon", "status": "published"})
    );
    assert_eq!(fired["messages"], json!([]));
    let published = stack.moto.tapped(&tap);
    assert_eq!(published.len(), 1, "{published:?}");
    let detail = &published[0]["detail"];
    assert_eq!(published[0]["detail-type"], "Booking Starting Soon");
    assert_eq!(detail["event_id"], fired["fire_id"]);
    assert_eq!(
        detail["flow"],
        json!({"name": "starting_soon", "due_at": "2030-06-20T09:15:00Z"})
    );
    assert_eq!(detail["start"]["utc"], "2030-06-20T09:30:00Z");
    assert!(detail.get("event_type").is_none(), "{detail}");
    assert_eq!(detail["client"]["first_name"], "Jane");
    testkit::schema::assert_valid_details(std::slice::from_ref(detail));
    let twice = runtime.invoke(&new[0].input, TIMEOUT).unwrap();
    assert_eq!(twice["status"], "duplicate", "{twice}");
    assert!(stack.moto.tapped(&tap).is_empty());
    // No message is sent for it.
    assert_eq!(stack.moto.sent(), sent_before);

    // Canceled: its schedule deleted with the others.
    let cancel = delivery("appointment.canceled", "f-3", "2030-06-03T10:00:00Z", |b| {
        b.set("booking.status", json!("Cancelled"))
    });
    let (_, answer) = call(&runtime, &cancel);
    assert_eq!(
        answer["schedules"],
        json!([{"kind": "starting_soon", "channel": "event", "schedule": "delete", "status": "done"}]),
        "{answer}"
    );
    assert!(stack.schedules().is_empty());
    let logs = function.logs();
    assert!(!logs.contains("jane@example.com") && !logs.contains("+15145550123"));
}

use testkit::bodies::window_around_now as window;

impl Stack {
    /// The function with the flows, SMS for recalls too, and `[sms]` as given.
    fn function_with_sms(&self, runtime: &RuntimeApi, name: &str, sms: &str) -> Function {
        let path = self._dir.join(name);
        let text = format!(
            "sms_kinds = [\"confirmation\", \"reminder\", \"recall\"]\n{FLOWS}\n[sms]\n{sms}\n"
        );
        std::fs::write(&path, text).unwrap();
        let mut env = self.env.clone();
        env.retain(|(k, _)| k != "BOOXI_CONFIG");
        env.push(("BOOXI_CONFIG".into(), path.display().to_string()));
        Function::spawn(Path::new(WEBHOOK), runtime, &env)
    }
}

/// Quiet hours on real parts: a flow's SMS due at night is scheduled for the window's
/// end on EventBridge Scheduler (its email keeps its time), a starting-soon SMS that
/// would wait past the start is not scheduled at all; a recall planned inside the
/// window is not published but scheduled for the window's end (keys only), and its
/// fire, once the window is over, publishes it once.
#[test]
fn quiet_hours_hold_sms_back_to_the_end_of_the_window() {
    let stack = Stack::new();
    let night = RuntimeApi::start();
    let _night = stack.function_with_sms(&night, "night.toml", "quiet_hours = \"21:00-08:00\"");
    // A visit at 07:30 (Toronto, daylight time): pre_visit's SMS, due 07:30 the day
    // before, waits for 08:00; starting_soon (07:15) would wait past the start.
    let (status, answer) = call(
        &night,
        &delivery("appointment.created", "q-1", "2030-06-01T10:00:00Z", |b| {
            b.set("booking.startsOn", json!("2030-06-10T11:30:00Z"))
        }),
    );
    assert_eq!(status, 200, "{answer}");
    let made: Vec<(String, String, String)> = stack
        .schedules()
        .into_iter()
        .map(|s| {
            (
                s.input["flow"].as_str().unwrap_or_default().to_owned(),
                s.input["channel"].as_str().unwrap_or_default().to_owned(),
                s.expression,
            )
        })
        .collect();
    let mut made = made;
    made.sort();
    assert_eq!(
        made,
        [
            (
                "pre_visit".into(),
                "email".into(),
                "at(2030-06-09T11:30:00)".into()
            ),
            (
                "pre_visit".into(),
                "sms".into(),
                "at(2030-06-09T12:00:00)".into()
            ),
        ],
        "{answer}"
    );
    assert!(
        !answer["schedules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["kind"] == "starting_soon"),
        "{answer}"
    );

    // A recall inside the window: its email goes, its SMS waits for the window's end.
    let now = RuntimeApi::start();
    let _now = stack.function_with_sms(
        &now,
        "now.toml",
        &format!("quiet_hours = \"{}\"", window(-1, 1)),
    );
    let sms_before = stack.moto.sent().1;
    let (status, answer) = call(
        &now,
        &delivery("appointment.recall", "q-2", "2030-06-01T10:00:00Z", |b| b),
    );
    assert_eq!(status, 200, "{answer}");
    let held = answer["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "recall" && m["channel"] == "sms")
        .cloned()
        .unwrap();
    assert_eq!(held["status"], "deferred", "{answer}");
    let at = held["at"].as_str().unwrap().to_owned();
    assert_eq!(stack.moto.sent().1, sms_before, "no SMS published at night");
    let recall: Vec<Schedule> = stack
        .schedules()
        .into_iter()
        .filter(|s| s.input["kind"] == "recall")
        .collect();
    assert_eq!(recall.len(), 1);
    assert_eq!(
        recall[0].input,
        json!({"door": "schedule", "event": "q-2", "kind": "recall", "audience": "client",
               "channel": "sms", "recipient": "client", "at": at})
    );
    assert_eq!(
        recall[0].expression,
        format!("at({})", at.trim_end_matches('Z'))
    );
    assert_eq!(
        (recall[0].target.as_str(), recall[0].role.as_str()),
        (TARGET, ROLE)
    );
    assert_no_personal_data(&recall[0].input.to_string());

    // Morning: the window is over; the fire publishes it, once however often it fires.
    let morning = RuntimeApi::start();
    let _morning = stack.function_with_sms(
        &morning,
        "morning.toml",
        &format!("quiet_hours = \"{}\"", window(2, 4)),
    );
    let fired = morning
        .invoke(&recall[0].input, TIMEOUT)
        .expect("the fire succeeds");
    assert_eq!(fired["messages"][0]["status"], "sent", "{fired}");
    let twice = morning
        .invoke(&recall[0].input, TIMEOUT)
        .expect("the second fire succeeds");
    assert_eq!(twice["status"], "duplicate", "{twice}");
    assert_eq!(stack.moto.sent().1, sms_before + 1);
    assert_eq!(
        stack.moto.sms().last().map(|(to, _)| to.as_str()),
        Some("+15145550123")
    );
}
