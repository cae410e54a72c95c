//! Local mode, as `sam local invoke WebhookFunction -e events/confirmation-created.json
//! --env-vars events/local-env.json` runs it, without Docker: the compiled `webhook`
//! binary under our Lambda Runtime API with exactly the variables of
//! `events/local-env.json` (and the runtime's own), no AWS region, credentials or
//! endpoint. It must answer as the deployed function does and print what it would send.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use testkit::events::read_event;
use testkit::lambda::{Function, RuntimeApi};

const WEBHOOK: &str = env!("CARGO_BIN_EXE_webhook");

const TIMEOUT: Duration = Duration::from_secs(60);

/// The variables `events/local-env.json` gives the function, as SAM reads that file.
fn local_env() -> Vec<(String, String)> {
    let file = read_event("local-env.json");
    let vars = file["WebhookFunction"]
        .as_object()
        .expect("events/local-env.json is keyed by the function's logical id");
    vars.iter()
        .map(|(k, v)| {
            let value = v.as_str().expect("SAM env-vars values are strings");
            (k.clone(), value.to_owned())
        })
        .collect()
}

/// `events/confirmation-created.json` with an event id of its own, so that this run's
/// files under /tmp cannot be an earlier run's.
fn event(id: &str, secret: &str) -> Value {
    let mut event = read_event("confirmation-created.json");
    let mut body: Value = serde_json::from_str(event["body"].as_str().unwrap()).unwrap();
    body["eventId"] = json!(id);
    event["body"] = json!(body.to_string());
    event["headers"]["x-booxi-secret"] = json!(secret);
    event
}

/// The JSON lines of the function's stdout that have `key`, once `count` of them are
/// there (stdout is read by a thread of its own: a line can arrive just after the answer).
fn json_lines(function: &Function, key: &str, count: usize) -> Vec<Value> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let lines: Vec<Value> = function
            .output
            .text()
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|l| l.get(key).is_some())
            .collect();
        if lines.len() >= count || std::time::Instant::now() >= deadline {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn local_env_runs_the_function_with_no_aws_and_prints_what_it_would_send() {
    let env = local_env();
    assert!(
        env.iter()
            .all(|(k, _)| !k.starts_with("AWS_") && k != "BOOXI_SECRET_ARN"),
        "local mode must need nothing from AWS: {env:?}"
    );
    let runtime = RuntimeApi::start();
    let function = Function::spawn(Path::new(WEBHOOK), &runtime, &env);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let id = format!("local-{}-{nanos}", std::process::id());

    let answer = runtime
        .invoke(&event(&id, "local-dev-secret"), TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\n{}", function.logs()));
    assert_eq!(answer["statusCode"], 200, "{answer}\n{}", function.logs());
    let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["status"], "processed", "{body}");
    let statuses: Vec<&str> = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["sent", "sent", "sent"], "{body}");

    // One JSON line per message on stdout, naming files that hold the whole message.
    let lines = json_lines(&function, "local_delivery", 3);
    let folder = format!("/tmp/booxi-notify/{id}");
    assert_eq!(
        lines,
        [
            json!({"local_delivery": "written, not sent", "event_id": id, "kind": "confirmation",
                   "audience": "client", "channel": "email",
                   "files": [format!("{folder}/1-confirmation-client-email.eml"),
                             format!("{folder}/1-confirmation-client-email.html"),
                             format!("{folder}/1-confirmation-client-email.txt")]}),
            json!({"local_delivery": "written, not sent", "event_id": id, "kind": "confirmation",
                   "audience": "client", "channel": "sms",
                   "files": [format!("{folder}/2-confirmation-client-sms.txt")]}),
            json!({"local_delivery": "written, not sent", "event_id": id, "kind": "staff_new_booking",
                   "audience": "staff", "channel": "email",
                   "files": [format!("{folder}/3-staff_new_booking-staff-email.eml"),
                             format!("{folder}/3-staff_new_booking-staff-email.html"),
                             format!("{folder}/3-staff_new_booking-staff-email.txt")]}),
        ]
    );
    let eml = std::fs::read_to_string(format!("{folder}/1-confirmation-client-email.eml")).unwrap();
    assert!(eml.contains("To: <jane.doe@example.com>") || eml.contains("jane.doe@example.com"));
    assert!(
        eml.contains("notifications@example.com"),
        "the sender of local-env.json"
    );
    let sms = std::fs::read_to_string(format!("{folder}/2-confirmation-client-sms.txt")).unwrap();
    assert!(!sms.trim().is_empty());

    // The in-memory store: the same event again is a duplicate and sends nothing more.
    let again = runtime
        .invoke(&event(&id, "local-dev-secret"), TIMEOUT)
        .unwrap();
    let body: Value = serde_json::from_str(again["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["status"], "duplicate", "{body}");
    // The secret is the one of local-env.json, nothing else.
    let wrong = runtime
        .invoke(&event(&format!("{id}-2"), "not-the-secret"), TIMEOUT)
        .unwrap();
    assert_eq!(wrong["statusCode"], 401);
    assert_eq!(wrong["body"], "{\"error\":\"unauthorized\"}");

    let logs = function.logs();
    let deliveries = logs.matches("\"local_delivery\"").count();
    assert_eq!(
        deliveries, 3,
        "nothing sent twice, nothing for the 401\n{logs}"
    );
    for personal in [
        "jane.doe@example.com",
        "+15145550123",
        "Jane",
        "marie.tremblay",
    ] {
        assert!(
            !logs.contains(personal),
            "{personal} in the output:\n{logs}"
        );
    }
}

#[test]
fn local_mode_without_its_secret_refuses_to_start_and_says_why() {
    let env: Vec<(String, String)> = local_env()
        .into_iter()
        .filter(|(k, _)| k != "BOOXI_LOCAL_SECRET")
        .collect();
    let runtime = RuntimeApi::start();
    let function = Function::spawn(Path::new(WEBHOOK), &runtime, &env);
    let deadline = std::time::Instant::now() + TIMEOUT;
    let expected = "BOOXI_LOCAL_MODE is on but BOOXI_LOCAL_SECRET is empty: set the secret \
                    the local webhook accepts (events/local-env.json sets local-dev-secret, the \
                    secret the files of events/ carry)";
    while !function.logs().contains(expected) {
        assert!(
            std::time::Instant::now() < deadline,
            "no error at start:\n{}",
            function.logs()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn local_mode_with_a_bus_writes_the_booking_event_instead_of_publishing_it() {
    let mut env = local_env();
    env.push(("BOOXI_EVENT_BUS".into(), "booxi-notify".into()));
    let runtime = RuntimeApi::start();
    let function = Function::spawn(Path::new(WEBHOOK), &runtime, &env);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let id = format!("local-bus-{}-{nanos}", std::process::id());
    let answer = runtime
        .invoke(&event(&id, "local-dev-secret"), TIMEOUT)
        .unwrap_or_else(|e| panic!("{e}\n{}", function.logs()));
    let body: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body["event"],
        json!({"detail_type": "Booking Created", "status": "published"}),
        "{body}"
    );
    let file = format!("/tmp/booxi-notify/{id}/events.jsonl");
    let announced = json_lines(&function, "local_event", 1);
    assert_eq!(
        announced,
        [
            json!({"local_event": "written, not published", "event_id": id,
                "detail_type": "Booking Created", "file": file})
        ]
    );
    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(written.lines().count(), 1);
    let line: Value = serde_json::from_str(written.trim()).unwrap();
    assert_eq!(line["detail"]["event_id"], id.as_str());
    assert!(!function.logs().contains("jane.doe@example.com"));
}
