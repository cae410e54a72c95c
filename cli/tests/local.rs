//! The offline path as a user runs it: `send`, `serve` and `render` with the real binary.

mod support;
use support::{root, run as booxi};

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("booxi-local-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn send_delivers_once_then_reports_duplicates_and_bad_secrets() {
    let out_dir = temp_dir("send");
    let out = booxi(&[
        "send",
        "--out",
        out_dir.to_str().unwrap(),
        "events/confirmation-created.json",
        "events/confirmation-created.json",
        "events/unknown-type.json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    assert!(
        text.contains("sent confirmation to client by email -> "),
        "{text}"
    );
    assert!(
        text.contains(
            "events/confirmation-created.json: 200 {\"event_id\":\"evt-0001\",\"messages\":"
        ),
        "{text}"
    );
    // The second delivery is a duplicate answering the first one's messages.
    let answers: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|l| l.strip_prefix("events/confirmation-created.json: 200 "))
        .map(|json| serde_json::from_str(json).unwrap())
        .collect();
    assert_eq!(answers.len(), 2, "{text}");
    assert_eq!(answers[0]["status"], "processed");
    assert_eq!(answers[1]["status"], "duplicate");
    assert_eq!(answers[1]["event_id"], "evt-0001");
    assert_eq!(answers[1]["messages"], answers[0]["messages"]);
    assert!(
        text.contains(
            "events/unknown-type.json: 200 {\"event_id\":\"evt-0208\",\"status\":\"ignored\"}"
        ),
        "{text}"
    );
    assert_eq!(
        text.matches("sent confirmation to client by sms").count(),
        1
    );
    let folder = out_dir.join("evt-0001");
    for file in [
        "1-confirmation-client-email.eml",
        "1-confirmation-client-email.html",
        "1-confirmation-client-email.txt",
        "2-confirmation-client-sms.txt",
        "3-staff_new_booking-staff-email.eml",
    ] {
        assert!(folder.join(file).exists(), "{file}");
    }
    let eml = std::fs::read_to_string(folder.join("1-confirmation-client-email.eml")).unwrap();
    assert!(
        eml.contains("To: <jane.doe@example.com>") || eml.contains("To: jane.doe@example.com"),
        "{eml}"
    );
    assert!(eml.contains("BEGIN:VCALENDAR"));

    let out = booxi(&[
        "send",
        "--out",
        out_dir.to_str().unwrap(),
        "--present",
        "wrong",
        "events/reminder.json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        "events/reminder.json: 401 {\"error\":\"unauthorized\"}\n"
    );
    assert!(
        !out_dir.join("evt-0012").exists(),
        "nothing sent on a bad secret"
    );
}

#[test]
fn send_answers_400_for_a_body_that_is_not_a_booxi_event() {
    let dir = temp_dir("bad");
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"eventId\":\"1\"}").unwrap();
    let out = booxi(&[
        "send",
        "--out",
        dir.join("out").to_str().unwrap(),
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).ends_with(
            ": 400 {\"error\":\"not a Booxi event: no event type (eventType, type or event)\"}\n"
        ),
        "{}",
        stdout(&out)
    );
    assert!(!dir.join("out").exists());
}

fn post(port: u16, method: &str, secret: &str, body: &[u8]) -> (u16, String) {
    post_with(port, method, ("X-Booxi-Secret", secret), body)
}

fn post_with(port: u16, method: &str, header: (&str, &str), body: &[u8]) -> (u16, String) {
    let headers = [header, ("Content-Type", "application/json")];
    let (status, body) = testkit::http::request(port, method, "/booxi", &headers, body).unwrap();
    (status, String::from_utf8(body).unwrap())
}

#[test]
fn serve_answers_http_with_the_same_handler() {
    let port = testkit::free_port();
    let out_dir = temp_dir("serve");
    let mut child = Command::new(env!("CARGO_BIN_EXE_booxi-notify"))
        .current_dir(root())
        .env("BOOXI_LOCAL_SECRET", "test-secret")
        .args([
            "serve",
            "--port",
            &port.to_string(),
            "--out",
            out_dir.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    testkit::http::wait_for_port(port, Duration::from_secs(20), "serve");
    let event = std::fs::read(root().join("events/changed-date.json")).unwrap();
    let (status, body) = post(port, "POST", "test-secret", &event);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"status\":\"processed\""), "{body}");
    let first: serde_json::Value = serde_json::from_str(&body).unwrap();
    let (status, again) = post(port, "PUT", "test-secret", &event);
    let again: serde_json::Value = serde_json::from_str(&again).unwrap();
    assert_eq!(status, 200);
    assert_eq!(
        (&again["status"], &again["event_id"]),
        (
            &serde_json::json!("duplicate"),
            &serde_json::json!("evt-0007")
        )
    );
    assert_eq!(again["messages"], first["messages"]);
    assert_eq!(
        post(port, "POST", "nope", &event),
        (401, "{\"error\":\"unauthorized\"}".to_owned())
    );
    assert_eq!(post(port, "DELETE", "test-secret", &event).0, 405);
    assert_eq!(post(port, "POST", "test-secret", b"{}").0, 400);
    assert!(out_dir.join("evt-0007/2-changed-client-sms.txt").exists());
    child.kill().unwrap();
    let mut printed = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut printed)
        .unwrap();
    let _ = child.wait();
    assert!(
        printed.contains("listening on http://127.0.0.1:"),
        "{printed}"
    );
    assert!(
        printed.contains("header X-Booxi-Secret: test-secret"),
        "{printed}"
    );
    assert_eq!(
        printed.matches("sent changed to client by email").count(),
        1,
        "{printed}"
    );
}

#[test]
fn send_signs_bodies_in_signature_mode() {
    let out_dir = temp_dir("send-signed");
    let run = |extra: &[&str]| {
        let mut args = vec!["send", "--out", out_dir.to_str().unwrap()];
        args.extend_from_slice(extra);
        Command::new(env!("CARGO_BIN_EXE_booxi-notify"))
            .current_dir(root())
            .env_remove("BOOXI_LOCAL_SECRET")
            .env_remove("BOOXI_CONFIG")
            .env("BOOXI_AUTH_MODE", "Signature")
            .args(&args)
            .output()
            .unwrap()
    };
    let out = run(&[
        "--present",
        "not-the-secret",
        "events/confirmation-created.json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).ends_with(": 401 {\"error\":\"unauthorized\"}\n"),
        "{}",
        stdout(&out)
    );
    assert!(!out_dir.exists(), "nothing sent");
    let out = run(&["events/confirmation-created.json"]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(": 200 {\"event_id\":\"evt-0001\""),
        "{}",
        stdout(&out)
    );
}

#[test]
fn serve_checks_body_signatures_in_signature_mode() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out_dir = temp_dir("serve-signed");
    let mut child = Command::new(env!("CARGO_BIN_EXE_booxi-notify"))
        .current_dir(root())
        .env("BOOXI_LOCAL_SECRET", "test-secret")
        .env("BOOXI_AUTH_MODE", "Signature")
        .args([
            "serve",
            "--port",
            &port.to_string(),
            "--out",
            out_dir.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    testkit::http::wait_for_port(port, Duration::from_secs(20), "serve");
    let body = br#"{"event":"appointment.remind","booking":{"status":"Approved","client":{"email":"jane@example.com","remindByEmail":true}}}"#;
    let signature = booxi_notify::doors::auth::sign_hex("test-secret", body);
    let unauthorized = (401, "{\"error\":\"unauthorized\"}".to_owned());
    assert_eq!(
        post(port, "POST", "test-secret", body),
        unauthorized,
        "the secret alone"
    );
    let wrong = booxi_notify::doors::auth::sign_hex("other", body);
    assert_eq!(
        post_with(port, "POST", ("X-Booxi-Signature", &wrong), body),
        unauthorized
    );
    let (status, answer) = post_with(port, "POST", ("x-booxi-signature", &signature), body);
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("\"status\":\"processed\""), "{answer}");
    assert!(answer.contains("\"event_id\":\"derived-"), "{answer}");
    assert!(answer.contains("\"status\":\"sent\""), "{answer}");
    child.kill().unwrap();
    let mut printed = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut printed)
        .unwrap();
    let _ = child.wait();
    assert!(
        printed.contains("header X-Booxi-Signature: sha256=<hex HMAC-SHA256"),
        "{printed}"
    );
    assert_eq!(
        printed.matches("sent reminder to client by email").count(),
        1,
        "{printed}"
    );
}

#[test]
fn render_writes_every_message_of_every_scenario() {
    let out_dir = temp_dir("render");
    let mut args = vec![
        "render".to_owned(),
        "--out".to_owned(),
        out_dir.to_str().unwrap().to_owned(),
    ];
    let mut names: Vec<String> = std::fs::read_dir(root().join("events"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json") && n != "local-env.json")
        .map(|n| format!("events/{n}"))
        .collect();
    names.sort();
    args.extend(names);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = booxi(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let planned: usize = {
        let plan_args: Vec<&str> = std::iter::once("plan")
            .chain(args[3..].iter().copied())
            .collect();
        stdout(&booxi(&plan_args)).lines().count()
    };
    assert_eq!(
        stderr.trim(),
        format!("{planned} message(s) written to {}", out_dir.display())
    );
    let html =
        std::fs::read_to_string(out_dir.join("evt-0204/1-confirmation-client-email.html")).unwrap();
    assert!(
        html.contains("<html") && html.contains("lang=\"fr"),
        "French HTML email"
    );
    // Rendering is deterministic: a second run writes the same HTML.
    let again = temp_dir("render-again");
    let mut second: Vec<&str> = args.clone();
    second[2] = again.to_str().unwrap();
    assert!(booxi(&second).status.success());
    assert_eq!(
        std::fs::read_to_string(again.join("evt-0204/1-confirmation-client-email.html")).unwrap(),
        html
    );
}

#[test]
fn plan_adds_the_subject_to_email_lines() {
    let out = booxi(&["plan", "events/french-client.json"]);
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let subject = lines[0]["subject"].as_str().unwrap();
    assert!(subject.starts_with("Votre rendez-vous"), "{subject}");
    // Added last, after the documented keys.
    let raw = stdout(&out);
    let first = raw.lines().next().unwrap();
    assert!(
        first.starts_with("{\"event_id\":\"evt-0204\",\"kind\":\"confirmation\""),
        "{first}"
    );
    assert!(
        first.ends_with(&format!(
            ",\"subject\":{}}}",
            serde_json::to_string(subject).unwrap()
        )),
        "{first}"
    );
    let sms = booxi(&["plan", "events/reminder.json"]);
    let sms_line: serde_json::Value =
        serde_json::from_str(stdout(&sms).lines().nth(1).unwrap()).unwrap();
    assert_eq!(sms_line["channel"], "sms");
    assert!(sms_line.get("subject").is_none());
}

#[test]
fn serve_queued_answers_once_queued_and_its_drain_sends_each_message_once() {
    let port = testkit::free_port();
    let out_dir = temp_dir("serve-queued");
    let mut child = Command::new(env!("CARGO_BIN_EXE_booxi-notify"))
        .current_dir(root())
        .env("BOOXI_LOCAL_SECRET", "test-secret")
        .args([
            "serve",
            "--queued",
            "--port",
            &port.to_string(),
            "--out",
            out_dir.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    testkit::http::wait_for_port(port, Duration::from_secs(20), "serve --queued");
    let event = std::fs::read(root().join("events/changed-date.json")).unwrap();
    let (status, body) = post(port, "POST", "test-secret", &event);
    assert_eq!(status, 200, "{body}");
    let first: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(first["status"], "queued", "{body}");
    let statuses: Vec<&str> = first["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["status"].as_str())
        .collect();
    assert!(statuses.contains(&"queued"), "{body}");
    assert!(!body.contains('@'), "{body}");
    // The drain writes what was queued, shortly after the answer.
    let sms = out_dir.join("evt-0007/2-changed-client-sms.txt");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !sms.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the drain wrote nothing"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (status, again) = post(port, "PUT", "test-secret", &event);
    assert_eq!(status, 200);
    assert!(again.contains("\"status\":\"duplicate\""), "{again}");
    std::thread::sleep(Duration::from_millis(500));
    child.kill().unwrap();
    let mut printed = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut printed)
        .unwrap();
    let _ = child.wait();
    assert!(printed.contains("queued mode"), "{printed}");
    assert_eq!(
        printed.matches("sent changed to client by email").count(),
        1,
        "{printed}"
    );
}

#[test]
fn with_a_bus_send_appends_each_booking_event_to_its_events_jsonl_once() {
    let out_dir = temp_dir("events-out");
    let out = support::booxi_notify()
        .env("BOOXI_EVENT_BUS", "booxi-notify")
        .env("BOOXI_EVENTS_CONTACT_DATA", "false")
        .args([
            "send",
            "--out",
            out_dir.to_str().unwrap(),
            "events/confirmation-created.json",
            "events/confirmation-created.json",
            "events/canceled-by-client.json",
        ])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    let file = out_dir.join("evt-0001").join("events.jsonl");
    assert!(
        text.contains(&format!("published Booking Created -> {}", file.display())),
        "{text}"
    );
    let first = text
        .lines()
        .find_map(|l| l.strip_prefix("events/confirmation-created.json: 200 "))
        .unwrap();
    let first: serde_json::Value = serde_json::from_str(first).unwrap();
    assert_eq!(
        first["event"],
        serde_json::json!({"detail_type": "Booking Created", "status": "published"})
    );
    // Delivered twice, published once: one line.
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["source"], "booxi-notify");
    assert_eq!(lines[0]["detail-type"], "Booking Created");
    let detail = &lines[0]["detail"];
    assert_eq!(detail["event_id"], "evt-0001");
    assert!(detail["client"].get("email").is_none(), "{detail}");
    let canceled = std::fs::read_to_string(out_dir.join("evt-0009").join("events.jsonl")).unwrap();
    assert!(
        canceled.contains("\"detail-type\":\"Booking Canceled\""),
        "{canceled}"
    );
    let details: Vec<serde_json::Value> = [detail.clone()]
        .into_iter()
        .chain(
            canceled
                .lines()
                .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["detail"].clone()),
        )
        .collect();
    testkit::schema::assert_valid_details(&details);
    // Without a bus: no events.jsonl.
    let plain = temp_dir("events-off");
    let out = booxi(&[
        "send",
        "--out",
        plain.to_str().unwrap(),
        "events/confirmation-created.json",
    ]);
    assert!(out.status.success());
    assert!(!plain.join("evt-0001").join("events.jsonl").exists());
    assert!(!stdout(&out).contains("published"));
}
