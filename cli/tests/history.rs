//! The loop after the send, offline, as a user runs it: `send` to SES's mailbox
//! simulator addresses and to numbers listed as opted out, then `history` and
//! `suppression remove` on what `send` recorded in the outbox folder.

mod support;
use support::{booxi_notify, lines, root};

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("booxi-history-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The confirmation of `events/` as a raw Booxi body with its own id and client contacts.
fn body(dir: &Path, id: &str, email: &str, mobile: &str) -> PathBuf {
    let event = std::fs::read(root().join("events/confirmation-created.json")).unwrap();
    let raw = booxi_notify::doors::input::booxi_body(&event).unwrap();
    let mut body: Value = serde_json::from_slice(&raw).unwrap();
    body["eventId"] = json!(id);
    body["content"]["booking"]["client"]["email"] = json!(email);
    body["content"]["booking"]["client"]["mobilePhoneNumber"] = json!(mobile);
    let path = dir.join(format!("{id}.json"));
    std::fs::write(&path, body.to_string()).unwrap();
    path
}

fn send(out: &Path, files: &[&Path], opted_out: &str) -> Output {
    let mut command = booxi_notify();
    command
        .args(["send", "--out", out.to_str().unwrap()])
        .args(files)
        .env("BOOXI_LOCAL_OPTED_OUT", opted_out);
    command.output().unwrap()
}

/// The answer `send` printed for `file`.
fn answer(out: &Output, file: &Path) -> Value {
    let prefix = format!("{}: 200 ", file.display());
    let stdout = text(&out.stdout);
    let json = stdout
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no answer for {}:\n{stdout}", file.display()));
    serde_json::from_str(json).unwrap()
}

fn client(answer: &Value, channel: &str) -> Value {
    answer["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["audience"] == "client" && m["channel"] == channel)
        .cloned()
        .unwrap_or_else(|| panic!("no client {channel} in {answer}"))
}

fn run(args: &[&str]) -> Output {
    booxi_notify().args(args).output().unwrap()
}

#[test]
fn the_mailbox_simulator_bounces_history_shows_it_and_an_operator_lifts_it() {
    let dir = temp_dir("loop");
    let out = dir.join("outbox");
    let first = body(
        &dir,
        "hist-1",
        "bounce@simulator.amazonses.com",
        "+15145550123",
    );
    let second = body(
        &dir,
        "hist-2",
        "bounce@simulator.amazonses.com",
        "+15145550123",
    );

    let sent = send(&out, &[&first], "");
    assert!(sent.status.success(), "{}", text(&sent.stderr));
    let stdout = text(&sent.stdout);
    assert!(
        stdout.contains("outcome Email Bounced for ")
            && stdout.contains("-> updated (now bounced)"),
        "{stdout}"
    );
    let email = client(&answer(&sent, &first), "email");
    assert_eq!(email["status"], "sent");
    assert!(email["provider_id"].as_str().unwrap().ends_with(".eml"));

    // The next event: the bounced address gets nothing, its SMS still goes.
    let sent = send(&out, &[&second], "");
    let next = answer(&sent, &second);
    let email = client(&next, "email");
    assert_eq!(email["status"], "skipped", "{next}");
    assert!(
        email["reason"].as_str().unwrap().contains("bounced"),
        "{email}"
    );
    assert_eq!(client(&next, "sms")["status"], "sent");

    // The history of the booking, oldest first, each line with the fixed keys.
    let history = run(&["history", "--outbox", out.to_str().unwrap(), "778812"]);
    assert!(history.status.success(), "{}", text(&history.stderr));
    let found = lines(&history);
    assert_eq!(found.len(), 6, "{found:?}");
    let keys: Vec<&str> = found[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "event_id",
        "kind",
        "audience",
        "channel",
        "to",
        "status",
        "at",
        "provider_id",
        "reason",
    ] {
        assert!(keys.contains(&key), "{key} missing from {}", found[0]);
    }
    assert_eq!(found[0]["event_id"], "hist-1");
    assert_eq!(found[0]["to"], "b•••@simulator.amazonses.com");
    assert_eq!(found[0]["status"], "bounced");
    let steps: Vec<&str> = found[0]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["sent", "bounced"]);
    assert_eq!(found[1]["channel"], "sms");
    assert_eq!(found[1]["to"], "+1•••••••0123");
    let skipped = found
        .iter()
        .find(|l| l["event_id"] == "hist-2" && l["channel"] == "email" && l["audience"] == "client")
        .unwrap();
    assert_eq!(skipped["status"], "skipped");
    assert_eq!(skipped["provider_id"], Value::Null);
    // By event id too; nothing of the address in the records.
    let by_event = run(&["history", "--outbox", out.to_str().unwrap(), "hist-2"]);
    assert_eq!(lines(&by_event).len(), 3);
    let journal = std::fs::read_to_string(out.join("history.jsonl")).unwrap();
    assert!(!journal.contains("bounce@"), "{journal}");
    assert!(!journal.contains("5145550123"), "{journal}");

    // The operator lifts the suppression: the next email goes.
    let lifted = run(&[
        "suppression",
        "remove",
        "--outbox",
        out.to_str().unwrap(),
        "bounce@simulator.amazonses.com",
    ]);
    assert_eq!(lifted.status.code(), Some(0), "{}", text(&lifted.stderr));
    assert_eq!(
        text(&lifted.stdout),
        "suppression lifted: b•••@simulator.amazonses.com gets messages again\n"
    );
    let again = run(&[
        "suppression",
        "remove",
        "--outbox",
        out.to_str().unwrap(),
        "bounce@simulator.amazonses.com",
    ]);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        text(&again.stderr),
        "suppression remove: b•••@simulator.amazonses.com is not suppressed\n"
    );
    let third = body(
        &dir,
        "hist-3",
        "bounce@simulator.amazonses.com",
        "+15145550123",
    );
    let sent = send(&out, &[&third], "");
    assert_eq!(client(&answer(&sent, &third), "email")["status"], "sent");
}

#[test]
fn numbers_listed_as_opted_out_get_no_sms() {
    let dir = temp_dir("opted-out");
    let out = dir.join("outbox");
    let file = body(
        &dir,
        "optout-1",
        "success@simulator.amazonses.com",
        "+15145550166",
    );
    let sent = send(&out, &[&file], "+15145550166, +15145550177");
    assert!(sent.status.success(), "{}", text(&sent.stderr));
    let answer = answer(&sent, &file);
    let sms = client(&answer, "sms");
    assert_eq!(sms["status"], "skipped");
    assert!(
        sms["reason"].as_str().unwrap().contains("opted out"),
        "{sms}"
    );
    // The confirmation's email goes anyway (never both channels): delivered.
    let email = client(&answer, "email");
    assert_eq!(email["status"], "sent");
    assert!(email.get("fallback_for").is_none());
    assert!(text(&sent.stdout).contains("outcome Email Delivered"));
    assert!(
        !out.join("optout-1")
            .join("2-confirmation-client-sms.txt")
            .exists()
    );
    let history = lines(&run(&[
        "history",
        "--outbox",
        out.to_str().unwrap(),
        "optout-1",
    ]));
    let email = history
        .iter()
        .find(|l| l["channel"] == "email" && l["audience"] == "client");
    assert_eq!(email.unwrap()["status"], "delivered");
}

#[test]
fn history_and_suppression_remove_refuse_what_they_cannot_do() {
    let dir = temp_dir("refusals");
    let out = dir.join("outbox");
    let none = run(&["history", "--outbox", out.to_str().unwrap(), "nope"]);
    assert_eq!(none.status.code(), Some(1));
    assert_eq!(
        text(&none.stderr),
        "history: no message recorded for `nope`\n"
    );
    assert_eq!(text(&none.stdout), "");
    let empty = run(&["history", "--outbox", out.to_str().unwrap(), " "]);
    assert_eq!(empty.status.code(), Some(2));
    assert_eq!(
        text(&empty.stderr),
        "history: give a booking id, a confirmation number or an event id\n"
    );
    let bad = run(&[
        "suppression",
        "remove",
        "--outbox",
        out.to_str().unwrap(),
        "jane@",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).starts_with("suppression remove: "),
        "{}",
        text(&bad.stderr)
    );
    assert!(!out.exists(), "nothing written");
}

#[cfg(not(feature = "aws"))]
#[test]
fn the_deployed_table_needs_the_aws_feature() {
    let out = run(&["history", "--table", "booxi-idempotency", "778812"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("history: this booxi-notify was built without the `aws` feature")
            && stderr.contains("--features aws"),
        "{stderr}"
    );
    let out = booxi_notify()
        .args(["suppression", "remove", "jane@example.com"])
        .env("BOOXI_IDEMPOTENCY_TABLE", "booxi-idempotency")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("suppression remove: this booxi-notify"));
}
