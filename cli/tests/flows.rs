//! Scheduled messages (`[[flows]]`) offline, as a user runs them: `plan` prints the
//! schedule changes, `render` renders the scheduled messages, `send --fire-now` and
//! `serve` send them to the outbox (at once, or at their time).

mod support;
use support::{lines, root, run as booxi};

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("booxi-flows-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const FLOWS: &str = r#"
[brand]
review_url = "https://reviews.example.com/store"

[[flows]]
name = "pre_visit"
before_start = "24h"
channels = ["email", "sms"]

[[flows]]
name = "review_request"
after_completed = "2d"
channels = ["email"]
"#;

fn config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("flows.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn folders(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(prefix))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

#[test]
fn plan_prints_scheduled_messages_and_removals() {
    let dir = temp_dir("plan");
    let cfg = config(&dir, FLOWS);
    let out = booxi(&[
        "plan",
        "--explain",
        "--config",
        cfg.to_str().unwrap(),
        "events/confirmation-created.json",
        "events/canceled-by-client.json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = lines(&out);
    let scheduled: Vec<&Value> = lines
        .iter()
        .filter(|l| l.get("schedule").is_some())
        .collect();
    assert_eq!(scheduled.len(), 4, "{lines:#?}");
    let email = scheduled[0];
    assert_eq!(email["schedule"], "upsert");
    assert_eq!(email["at"], "2026-12-02T15:00:00Z");
    assert_eq!(email["kind"], "pre_visit");
    assert_eq!(email["channel"], "email");
    assert_eq!(email["to"], "jane.doe@example.com");
    assert_eq!(
        email["subject"],
        "Before your visit on Thu, Dec\u{a0}3 at 10:00\u{a0}AM"
    );
    assert_eq!(scheduled[1]["channel"], "sms");
    assert_eq!(scheduled[1]["at"], "2026-12-02T15:00:00Z");
    assert_eq!(
        scheduled[2],
        &json!({"event_id": "evt-0009", "kind": "pre_visit", "audience": "client",
                "channel": "email", "recipient": "client", "schedule": "delete"})
    );
    assert_eq!(scheduled[3]["channel"], "sms");
    let explain = String::from_utf8_lossy(&out.stderr);
    assert!(
        explain
            .contains("flow      pre_visit: upsert at 2026-12-02T15:00:00Z (24h before the start"),
        "{explain}"
    );
    assert!(
        explain.contains("flow      review_request: no change (the event plans confirmation"),
        "{explain}"
    );
    assert!(
        explain.contains(
            "flow      pre_visit: delete (canceled, no-show or pending: the booking is Cancelled)"
        ),
        "{explain}"
    );

    // Without [[flows]], the same events plan no schedule at all.
    let plain = booxi(&[
        "plan",
        "events/confirmation-created.json",
        "events/canceled-by-client.json",
    ]);
    assert!(
        self::lines(&plain)
            .iter()
            .all(|l| l.get("schedule").is_none())
    );
}

#[test]
fn a_flow_mistake_stops_plan_with_the_key_named() {
    let dir = temp_dir("mistake");
    let cfg = config(
        &dir,
        "[[flows]]\nname = \"pre_visit\"\nbefore_start = \"a day\"\n",
    );
    let out = booxi(&[
        "plan",
        "--config",
        cfg.to_str().unwrap(),
        "events/confirmation-created.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("flows[0].before_start: `a day` is not a duration"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn render_writes_the_scheduled_messages_too() {
    let dir = temp_dir("render");
    let cfg = config(&dir, FLOWS);
    let out_dir = dir.join("out");
    let out = booxi(&[
        "render",
        "--config",
        cfg.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "events/completed.json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(out_dir.join("evt-0011/2-review_request-client-email.html"))
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert!(html.contains("How was your visit?"), "{html}");
    assert!(html.contains("https://reviews.example.com/store"), "{html}");
}

#[test]
fn send_with_fire_now_sends_scheduled_messages_to_the_outbox() {
    let dir = temp_dir("send");
    let cfg = config(&dir, FLOWS);
    let out_dir = dir.join("outbox");
    // A booking far ahead, so the schedules are never past when the test runs.
    let mut body = testkit::bodies::event("appointment.created")
        .set("booking.startsOn", json!("2030-06-10T15:00:00Z"))
        .0;
    body["createdOn"] = json!("2030-06-01T10:00:00Z");
    let file = dir.join("created.json");
    std::fs::write(&file, body.to_string()).unwrap();
    let args = |fire_now: bool| {
        let mut a = vec![
            "send".to_owned(),
            "--config".to_owned(),
            cfg.display().to_string(),
            "--out".to_owned(),
            out_dir.display().to_string(),
        ];
        if fire_now {
            a.push("--fire-now".to_owned());
        }
        a.push(file.display().to_string());
        a
    };
    let later = Command::new(env!("CARGO_BIN_EXE_booxi-notify"))
        .current_dir(root())
        .env_remove("BOOXI_LOCAL_SECRET")
        .env_remove("BOOXI_CONFIG")
        .args(args(false))
        .output()
        .unwrap();
    assert!(later.status.success());
    assert!(
        folders(&out_dir, "bx.").is_empty(),
        "not due yet: nothing sent"
    );
    assert!(String::from_utf8_lossy(&later.stderr).contains(
        "2 scheduled message(s) not sent: `send` ends before they are due; pass --fire-now"
    ));

    let _ = std::fs::remove_dir_all(&out_dir);
    let now = Command::new(env!("CARGO_BIN_EXE_booxi-notify"))
        .current_dir(root())
        .env_remove("BOOXI_LOCAL_SECRET")
        .env_remove("BOOXI_CONFIG")
        .args(args(true))
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&now.stdout);
    assert!(now.status.success(), "{printed}");
    let sent = folders(&out_dir, "bx.pre_visit.");
    assert_eq!(sent.len(), 2, "{printed}");
    let email = sent
        .iter()
        .map(|f| f.join("1-pre_visit-client-email.txt"))
        .find(|f| f.exists())
        .expect("the pre_visit email");
    let text = std::fs::read_to_string(email).unwrap();
    assert!(text.starts_with("Before your visit"), "{text}");
    assert!(text.contains("Hello Jane,"), "{text}");
    assert_eq!(
        printed.matches("due 2030-06-09T15:00:00Z) -> sent").count(),
        2,
        "{printed}"
    );
}

#[test]
fn serve_fires_schedules_at_their_time() {
    let dir = temp_dir("serve");
    // Due three seconds after the event: 24 h before a start 24 h and 3 s away.
    let cfg = config(
        &dir,
        "[[flows]]\nname = \"starting_soon\"\nbefore_start = \"24h\"\n",
    );
    let out_dir = dir.join("outbox");
    let port = testkit::free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_booxi-notify"))
        .current_dir(root())
        .env("BOOXI_LOCAL_SECRET", "test-secret")
        .env_remove("BOOXI_CONFIG")
        .args([
            "serve",
            "--port",
            &port.to_string(),
            "--config",
            cfg.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // What serve prints, read as it comes: the fired schedule's line follows the file it
    // writes, so the test waits for both before it stops the process.
    let printed = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let reader = {
        let printed = printed.clone();
        let mut stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            let mut buffer = [0; 4096];
            while let Ok(n @ 1..) = stdout.read(&mut buffer) {
                printed
                    .lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buffer[..n]));
            }
        })
    };
    testkit::http::wait_for_port(port, Duration::from_secs(20), "serve");
    let now = jiff::Timestamp::now();
    let starts = now + jiff::SignedDuration::from_secs(24 * 3600 + 3);
    let body = testkit::bodies::event("appointment.created")
        .set("booking.startsOn", json!(starts.to_string()))
        .0;
    let mut body = body;
    body["createdOn"] = json!(now.to_string());
    let headers = [
        ("X-Booxi-Secret", "test-secret"),
        ("Content-Type", "application/json"),
    ];
    let (status, answer) = testkit::http::request(
        port,
        "POST",
        "/booxi",
        &headers,
        body.to_string().as_bytes(),
    )
    .unwrap();
    let answer = String::from_utf8(answer).unwrap();
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("\"schedule\":\"upsert\""), "{answer}");
    assert!(folders(&out_dir, "bx.").is_empty(), "not before its time");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut fired_after = None;
    while Instant::now() < deadline {
        if fired_after.is_none() && !folders(&out_dir, "bx.starting_soon.").is_empty() {
            fired_after = Some(now.duration_until(jiff::Timestamp::now()));
        }
        if fired_after.is_some() && printed.lock().unwrap().contains(", due ") {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    child.kill().unwrap();
    let _ = child.wait();
    reader.join().unwrap();
    let printed = printed.lock().unwrap().clone();
    assert_eq!(folders(&out_dir, "bx.starting_soon.").len(), 1, "{printed}");
    let fired_after = fired_after.expect("the schedule fired");
    assert!(
        fired_after >= jiff::SignedDuration::from_secs(2),
        "{fired_after:?}"
    );
    assert!(
        printed.contains("scheduled messages are kept in memory and sent at their time"),
        "{printed}"
    );
    assert!(
        printed.contains("(starting_soon to client by email, due "),
        "{printed}"
    );
}

#[test]
fn serve_with_fire_now_writes_scheduled_messages_to_the_outbox_at_once() {
    let dir = temp_dir("serve-now");
    let cfg = config(&dir, FLOWS);
    let out_dir = dir.join("outbox");
    let port = testkit::free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_booxi-notify"))
        .current_dir(root())
        .env("BOOXI_LOCAL_SECRET", "test-secret")
        .env_remove("BOOXI_CONFIG")
        .args([
            "serve",
            "--fire-now",
            "--port",
            &port.to_string(),
            "--config",
            cfg.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    testkit::http::wait_for_port(port, Duration::from_secs(20), "serve");
    // Due in 2030: only --fire-now sends it today.
    let mut body = testkit::bodies::event("appointment.created")
        .set("booking.startsOn", json!("2030-06-10T15:00:00Z"))
        .0;
    body["createdOn"] = json!("2030-06-01T10:00:00Z");
    let headers = [
        ("X-Booxi-Secret", "test-secret"),
        ("Content-Type", "application/json"),
    ];
    let (status, answer) = testkit::http::request(
        port,
        "POST",
        "/booxi",
        &headers,
        body.to_string().as_bytes(),
    )
    .unwrap();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    let deadline = Instant::now() + Duration::from_secs(20);
    while folders(&out_dir, "bx.pre_visit.").len() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    // Delivered again: a duplicate, and nothing more is sent.
    let (status, again) = testkit::http::request(
        port,
        "POST",
        "/booxi",
        &headers,
        body.to_string().as_bytes(),
    )
    .unwrap();
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&again).contains("\"status\":\"duplicate\""));
    std::thread::sleep(Duration::from_millis(600));
    child.kill().unwrap();
    let mut printed = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut printed)
        .unwrap();
    let _ = child.wait();
    let sent = folders(&out_dir, "bx.pre_visit.");
    assert_eq!(sent.len(), 2, "{printed}");
    assert!(
        sent.iter()
            .all(|f| f.to_string_lossy().ends_with("-20300609T150000Z")),
        "{sent:?}"
    );
    assert!(
        printed.contains("scheduled messages are kept in memory and sent at once (--fire-now)"),
        "{printed}"
    );
    assert_eq!(printed.matches("-> sent").count(), 2, "{printed}");
}

const EVENT_FLOW: &str = r#"
[events_out]
bus = "booxi-notify"

[[flows]]
name = "starting_soon"
before_start = "15m"
channels = ["event"]
"#;

#[test]
fn a_flow_with_the_event_channel_plans_an_event_line_and_publishes_to_events_jsonl_when_fired() {
    let dir = temp_dir("event-flow");
    let cfg = config(&dir, EVENT_FLOW);
    let out = booxi(&[
        "plan",
        "--config",
        cfg.to_str().unwrap(),
        "events/confirmation-created.json",
        "events/canceled-by-client.json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let scheduled: Vec<Value> = lines(&out)
        .into_iter()
        .filter(|l| l.get("schedule").is_some())
        .collect();
    assert_eq!(
        scheduled,
        [
            json!({"event_id": "evt-0001", "kind": "starting_soon", "channel": "event",
                   "detail_type": "Booking Starting Soon", "schedule": "upsert",
                   "at": "2026-12-03T14:45:00Z"}),
            json!({"event_id": "evt-0009", "kind": "starting_soon", "channel": "event",
                   "recipient": "booking", "schedule": "delete"}),
        ]
    );
    // `render` has no message to write for it.
    let rendered = booxi(&[
        "render",
        "--config",
        cfg.to_str().unwrap(),
        "--out",
        dir.join("preview").to_str().unwrap(),
        "events/confirmation-created.json",
    ]);
    assert!(rendered.status.success());
    assert!(String::from_utf8_lossy(&rendered.stderr).starts_with("3 message(s) written"));

    // Fired at once: its event goes to the fire's events.jsonl, no message is written.
    let out_dir = dir.join("outbox");
    let mut body = testkit::bodies::event("appointment.created")
        .set("booking.startsOn", json!("2030-06-10T15:00:00Z"))
        .0;
    body["createdOn"] = json!("2030-06-01T10:00:00Z");
    let file = dir.join("created.json");
    std::fs::write(&file, body.to_string()).unwrap();
    let now = Command::new(env!("CARGO_BIN_EXE_booxi-notify"))
        .current_dir(root())
        .env_remove("BOOXI_LOCAL_SECRET")
        .env_remove("BOOXI_CONFIG")
        .args([
            "send",
            "--config",
            cfg.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
            "--fire-now",
            file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&now.stdout);
    assert!(now.status.success(), "{printed}");
    assert!(
        printed.contains(
            "(starting_soon event, due 2030-06-10T14:45:00Z) -> published Booking Starting Soon"
        ),
        "{printed}"
    );
    let fired = folders(&out_dir, "bx.starting_soon.");
    assert_eq!(fired.len(), 1, "{printed}");
    let entries: Vec<String> = std::fs::read_dir(&fired[0])
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(entries, ["events.jsonl"]);
    let line: Value = serde_json::from_str(
        std::fs::read_to_string(fired[0].join("events.jsonl"))
            .unwrap()
            .trim(),
    )
    .unwrap();
    assert_eq!(line["detail-type"], "Booking Starting Soon");
    assert_eq!(line["detail"]["flow"]["name"], "starting_soon");
    testkit::schema::assert_valid_details(&[line["detail"].clone()]);
}

/// `plan` shows an SMS held back by quiet hours as the one-time schedule it becomes, at
/// the end of the window, and `--explain` says why: a recall Booxi sent at 23:30 store
/// time goes at 08:00.
#[test]
fn plan_shows_a_recall_at_23_30_going_at_08_00() {
    let dir = temp_dir("quiet");
    let cfg = config(
        &dir,
        "sms_kinds = [\"recall\"]\n[sms]\nquiet_hours = \"21:00-08:00\"\n",
    );
    let event: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("events/recall.json")).unwrap())
            .unwrap();
    let mut body: Value = serde_json::from_str(event["body"].as_str().unwrap()).unwrap();
    // 23:30 in Toronto (EST).
    body["createdOn"] = json!("2026-12-04T04:30:00Z");
    let file = dir.join("recall-at-night.json");
    std::fs::write(&file, body.to_string()).unwrap();
    let out = booxi(&[
        "plan",
        "--explain",
        "--config",
        cfg.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = lines(&out);
    let shown: Vec<String> = lines
        .iter()
        .map(|l| {
            format!(
                "{}/{} {}",
                l["kind"].as_str().unwrap(),
                l["channel"].as_str().unwrap(),
                l["at"].as_str().unwrap_or("now")
            )
        })
        .collect();
    assert_eq!(
        shown,
        ["recall/email now", "recall/sms 2026-12-04T13:00:00Z"],
        "{lines:?}"
    );
    assert_eq!(lines[1]["schedule"], "upsert");
    assert_eq!(lines[1]["to"], "+15145550123");
    let explain = String::from_utf8_lossy(&out.stderr);
    assert!(
        explain.contains(
            "  deferred  recall to client by sms until 2026-12-04T13:00:00Z: \
             2026-12-04T04:30:00Z is inside the quiet hours (21:00-08:00, America/Toronto)"
        ),
        "{explain}"
    );
}
