//! The first ten minutes of a new user: each mistake they are likely to make gets an
//! answer that says what to do. The real binary, checked on the exact text it prints.

mod support;
use support::{booxi_notify, root, run};

use std::path::{Path, PathBuf};
use std::process::Output;

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A fresh folder for one test.
fn folder(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("booxi-first-run-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn plan_exits_non_zero_when_a_message_does_not_render() {
    let dir = folder("plan-render");
    write(
        &dir.join("templates/eng/confirmation.email.html"),
        "{% extends layout %}{% block subject %}Hi {{ clinet.name }}{% endblock %}",
    );
    write(
        &dir.join("booxi-notify.toml"),
        "templates_dir = \"templates\"\n",
    );
    let config = dir.join("booxi-notify.toml");
    let out = run(&[
        "plan",
        "--config",
        config.to_str().unwrap(),
        "events/confirmation-created.json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "event evt-0001: confirmation to client: template eng/confirmation.email.html: \
         undefined value (in eng/confirmation.email.html (text):1)\n"
    );
    // Every planned message keeps its line, the broken one without a subject.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
    assert!(!stdout.lines().next().unwrap().contains("\"subject\""));
    // The same event without the broken template exits 0.
    let out = run(&["plan", "events/confirmation-created.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn templates_that_would_never_be_used_are_refused_with_their_paths() {
    let dir = folder("templates-dir");
    for file in [
        "ita/confirmation.email.html",
        "english/confirmation.email.html",
        "eng/confirmaton.email.html",
        "fre/reminder.sms.txt",
    ] {
        write(
            &dir.join("templates").join(file),
            "{{ booking.starts_at }}\n",
        );
    }
    write(
        &dir.join("booxi-notify.toml"),
        "templates_dir = \"templates\"\n",
    );
    let config = dir.join("booxi-notify.toml");
    let t = dir.join("templates");
    let t = t.display();
    let expected = format!(
        "templates folder {t}: files that would never be used (rename or remove them):\n  \
         {t}/eng/confirmaton.email.html: not a built-in template: did you mean `eng/confirmation.email.html`?\n  \
         {t}/english/confirmation.email.html: `english` is not a language folder: did you mean `eng`? (language folders: deu, eng, fre, nld, por, spa)\n  \
         {t}/ita/confirmation.email.html: `ita` is not a language folder: there are built-in templates in deu, eng, fre, nld, por, spa only\n"
    );
    for command in ["plan", "render", "send"] {
        let mut args = vec![command, "--config", config.to_str().unwrap()];
        if command == "render" {
            args.extend(["--out", "/tmp/booxi-first-run-never-written"]);
        }
        args.push("events/confirmation-created.json");
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{command}: {}", stderr(&out));
        assert_eq!(stderr(&out), expected, "{command}");
        assert!(out.stdout.is_empty(), "{command}: nothing planned or sent");
    }
    // The environment variable names the same folder the same way.
    let out = booxi_notify()
        .env("BOOXI_TEMPLATES_DIR", dir.join("templates"))
        .args(["plan", "events/confirmation-created.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out), expected);
}

#[test]
fn explain_says_when_a_client_language_has_no_templates() {
    let dir = folder("language");
    let event: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("events/confirmation-created.json")).unwrap(),
    )
    .unwrap();
    let decoded = event["body"].as_str().expect("a plain-text body");
    let mut booxi: serde_json::Value = serde_json::from_str(decoded).unwrap();
    booxi["content"]["booking"]["client"]["language"] = "xyz".into();
    booxi["content"]["merchant"]
        .as_object_mut()
        .unwrap()
        .remove("defaultLanguage");
    let file = dir.join("xyz.json");
    write(&file, &booxi.to_string());
    let out = run(&["plan", "--explain", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "  language  confirmation to client: no confirmation templates in `xyz`, written in eng \
             (English, the last resort); its links carry lang=eng\n"
        ),
        "{}",
        stderr(&out)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("lang=eng"), "{stdout}");
    assert!(!stdout.contains("lang=xyz"), "{stdout}");
}

#[test]
fn send_says_why_the_samples_get_401_when_a_local_secret_is_exported() {
    let dir = folder("send-secret");
    let out = booxi_notify()
        .env("BOOXI_LOCAL_SECRET", "my-own-secret")
        .args([
            "send",
            "--out",
            dir.to_str().unwrap(),
            "events/reminder.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "events/reminder.json: 401 {\"error\":\"unauthorized\"}\n"
    );
    assert_eq!(
        stderr(&out),
        "events/reminder.json: the file presents the samples' secret `local-dev-secret`, but \
         BOOXI_LOCAL_SECRET is set to another one: unset BOOXI_LOCAL_SECRET, or pass \
         --present \"$BOOXI_LOCAL_SECRET\"\n"
    );
    assert!(!stderr(&out).contains("my-own-secret"));
    assert!(!dir.exists() || std::fs::read_dir(&dir).unwrap().next().is_none());
    // A wrong secret asked for with --present is what the user wanted: no hint.
    let out = run(&["send", "--present", "wrong", "events/reminder.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), "");
}

/// Starts `serve` on a free port; returns the child and the port.
fn serve(dir: &Path) -> (std::process::Child, u16) {
    use std::time::Duration;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = booxi_notify()
        .env("BOOXI_LOCAL_SECRET", "test-secret")
        .args(["serve", "--port", &port.to_string(), "--out"])
        .arg(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    testkit::http::wait_for_port(port, Duration::from_secs(30), "serve");
    (child, port)
}

fn request(port: u16, method: &str, secret: &str, body: &[u8]) -> u16 {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "{method} /booxi HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Booxi-Secret: {secret}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(body).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response[9..12].parse().unwrap()
}

#[test]
fn serve_prints_one_line_per_request_with_its_status_and_outcome() {
    use std::io::Read;
    let dir = folder("serve-log");
    let (mut child, port) = serve(&dir.join("outbox"));
    let event = std::fs::read(root().join("events/confirmation-created.json")).unwrap();
    let ignored = std::fs::read(root().join("events/unknown-type.json")).unwrap();
    assert_eq!(request(port, "POST", "test-secret", &event), 200);
    assert_eq!(request(port, "PUT", "test-secret", &event), 200);
    assert_eq!(request(port, "POST", "wrong", &event), 401);
    assert_eq!(request(port, "GET", "test-secret", b""), 405);
    assert_eq!(request(port, "POST", "test-secret", b"not json"), 400);
    assert_eq!(request(port, "POST", "test-secret", &ignored), 200);
    child.kill().unwrap();
    let mut printed = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut printed)
        .unwrap();
    let _ = child.wait();
    let lines: Vec<&str> = printed.lines().filter(|l| l.contains(" -> ")).collect();
    let outbox = dir.join("outbox");
    let outbox = outbox.display();
    assert_eq!(
        lines,
        [
            format!(
                "sent confirmation to client by email -> {outbox}/evt-0001/1-confirmation-client-email.eml"
            ),
            format!(
                "sent confirmation to client by sms -> {outbox}/evt-0001/2-confirmation-client-sms.txt"
            ),
            format!(
                "sent staff_new_booking to staff by email -> {outbox}/evt-0001/3-staff_new_booking-staff-email.eml"
            ),
            "POST /booxi -> 200 processed evt-0001 (3 sent)".to_owned(),
            "PUT /booxi -> 200 duplicate evt-0001 (already processed: nothing sent)".to_owned(),
            "POST /booxi -> 401 unauthorized: the secret presented is not the one printed above"
                .to_owned(),
            "GET /booxi -> 405 method not allowed: use POST or PUT".to_owned(),
            "POST /booxi -> 400 not JSON: expected ident at line 1 column 2".to_owned(),
            "POST /booxi -> 200 ignored evt-0208 (an event type we do not act on)".to_owned(),
        ]
    );
}

#[test]
fn a_port_in_use_is_named_with_the_option_that_changes_it() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let out = run(&["serve", "--port", &port.to_string()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "booxi-notify serve: port {port} on 127.0.0.1 is already in use (another \
             `booxi-notify serve`?): stop that program, or choose another port with --port, \
             e.g. --port {}\n",
            port + 1
        )
    );
}

#[test]
fn a_message_skipped_before_any_channel_has_no_null_channel() {
    // (A folder name without "null": the answer gives each sent message's outbox path.)
    let dir = folder("channel-less");
    let out = run(&[
        "send",
        "--out",
        dir.to_str().unwrap(),
        "events/do-not-send.json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let answer = stdout
        .lines()
        .find_map(|l| l.strip_prefix("events/do-not-send.json: 200 "))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(!answer.contains("null"), "{answer}");
    let answer: serde_json::Value = serde_json::from_str(answer).unwrap();
    let skipped = answer["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["status"] == "skipped")
        .expect("the client message is skipped");
    assert_eq!(
        skipped,
        &serde_json::json!({"audience": "client", "kind": "confirmation",
                            "reason": "clientCommunication is DoNotSend", "status": "skipped"})
    );
}
