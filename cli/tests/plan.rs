//! `booxi-notify plan` as a user runs it: the real binary, files in, JSON lines out.

mod support;
use support::{lines, root, run};

use std::path::{Path, PathBuf};
use std::process::Command;

fn temp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("booxi-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn plan_prints_one_json_object_per_message_with_the_documented_keys() {
    let out = run(&["plan", "events/confirmation-created.json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = lines(&out);
    assert_eq!(lines.len(), 3);
    let email = &lines[0];
    assert_eq!(email["event_id"], "evt-0001");
    assert_eq!(email["kind"], "confirmation");
    assert_eq!(email["audience"], "client");
    assert_eq!(email["channel"], "email");
    assert_eq!(email["to"], "jane.doe@example.com");
    assert_eq!(email["language"], "eng");
    assert!(email.get("actor").is_none());
    let view = "https://book.booxi.com/tracking/8c1f2a9e4b7d4f0e?lang=eng";
    assert_eq!(email["links"]["view"], view);
    assert_eq!(email["links"]["modify"], format!("{view}&action=modify"));
    assert_eq!(email["links"]["cancel"], format!("{view}&action=cancel"));
    assert!(email["links"].get("confirm").is_none());
    assert_eq!(lines[1]["channel"], "sms");
    assert_eq!(lines[1]["to"], "+15145550123");
    assert_eq!(lines[1]["segments"], 1);
    assert!(lines[1].get("sms_note").is_none());
    assert_eq!(lines[2]["kind"], "staff_new_booking");
    assert_eq!(lines[2]["audience"], "staff");
    assert_eq!(lines[2]["actor"], "client");
    assert_eq!(lines[2]["language"], "fre");
}

#[test]
fn plan_takes_many_files_and_raw_bodies() {
    let raw = temp(
        "raw.json",
        r#"{"eventId":"r-1","eventType":"appointment.recall","content":{"booking":{"client":{"email":"a@example.com"}}}}"#,
    );
    let out = run(&["plan", "events/reminder.json", raw.to_str().unwrap()]);
    assert!(out.status.success());
    let kinds: Vec<_> = lines(&out)
        .iter()
        .map(|l| l["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["reminder", "reminder", "recall"]);
}

#[test]
fn an_event_that_calls_for_nothing_prints_nothing_and_exits_0() {
    let out = run(&["plan", "events/unknown-type.json"]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert!(out.stderr.is_empty());
}

#[test]
fn explain_writes_why_to_stderr() {
    let out = run(&["plan", "--explain", "events/do-not-send.json"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("events/do-not-send.json: event evt-0202 (appointment.created)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("match     confirmation: appointment.created, status = Approved"),
        "{stderr}"
    );
    assert!(
        stderr.contains("skipped   confirmation to client: clientCommunication is DoNotSend"),
        "{stderr}"
    );
    // Client rows after the first match are not evaluated, and say so; a staff row that
    // did not match says why.
    assert!(
        stderr.contains(
            "  -         request_received: appointment.created, status = PendingStaffApproval \
             (not evaluated: an earlier row matched)\n"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "  no match  staff_needs_dispatch: appointment.created with no staff assigned\n            because a staff is assigned\n"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("  planned   staff_new_booking to staff by email\n"),
        "{stderr}"
    );
    assert_eq!(lines(&out).len(), 1);
    // Explanations never carry an address.
    assert!(!stderr.contains('@'), "{stderr}");
    let out = run(&["plan", "--explain", "events/unknown-type.json"]);
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("ignored: event type `client.consent_updated` is not one we act on")
    );
}

#[test]
fn invalid_input_exits_non_zero_with_one_line_naming_file_and_problem() {
    let bad = temp("x.json", "{\n  \"eventId\":\n    ,\n}");
    let out = run(&["plan", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        format!(
            "{}: not JSON: expected value at line 3 column 5\n",
            bad.display()
        )
    );
    assert!(out.stdout.is_empty());

    let cases = [
        (
            "no-id-no-type.json",
            "{}",
            "not a Booxi event: no event type (eventType, type or event)",
        ),
        (
            "no-type.json",
            r#"{"eventId":"1"}"#,
            "not a Booxi event: no event type (eventType, type or event)",
        ),
        (
            "array.json",
            "[1,2]",
            "not a Booxi event: the body is not a JSON object",
        ),
    ];
    for (name, text, problem) in cases {
        let path = temp(name, text);
        let out = run(&["plan", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("{}: {problem}\n", path.display())
        );
    }
    let out = run(&["plan", "does/not/exist.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("does/not/exist.json: cannot read: "));
}

#[test]
fn an_id_less_body_plans_with_a_derived_event_id() {
    let body = r#"{"event":"booking.confirmed","booking":{"confirmationNumber":"A00006500","status":"Approved",
        "client":{"firstName":"Jane","email":"jane@example.com"}}}"#;
    let path = temp("id-less.json", body);
    let config = temp(
        "aliases.toml",
        "[event_aliases]\n\"booking.confirmed\" = \"appointment.created\"\n",
    );
    let out = run(&[
        "plan",
        "--explain",
        "--config",
        config.to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let first: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    let id = first["event_id"].as_str().unwrap();
    assert!(id.starts_with("derived-") && id.len() == 72, "{id}");
    assert_eq!(first["kind"], "confirmation");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("event id derived from the body's content"),
        "{stderr}"
    );
    assert!(
        stderr.contains("event type `booking.confirmed` read as its alias"),
        "{stderr}"
    );
    // The same body planned again: the same id.
    let again = run(&[
        "plan",
        "--config",
        config.to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    assert_eq!(String::from_utf8_lossy(&again.stdout), stdout);
}

#[test]
fn a_bad_file_does_not_stop_the_others() {
    let bad = temp("bad.json", "nope");
    let out = run(&["plan", bad.to_str().unwrap(), "events/recall.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(lines(&out).len(), 1);
}

#[test]
fn config_file_and_environment_change_the_plan() {
    let config = temp("c.toml", "sms_kinds = []\n");
    let out = run(&[
        "plan",
        "--config",
        config.to_str().unwrap(),
        "events/confirmation-created.json",
    ]);
    let channels: Vec<_> = lines(&out)
        .iter()
        .map(|l| l["channel"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(channels, ["email", "email"]);

    let out = Command::new(env!("CARGO_BIN_EXE_booxi-notify"))
        .current_dir(root())
        .env("BOOXI_CONFIG", config.to_str().unwrap())
        .env("BOOXI_SMS_KINDS", "confirmation")
        .args(["plan", "events/confirmation-created.json"])
        .output()
        .unwrap();
    assert_eq!(lines(&out).len(), 3);

    let broken = temp("broken.toml", "sms_kinds = [\"nope\"]\n");
    let out = run(&[
        "plan",
        "--config",
        broken.to_str().unwrap(),
        "events/recall.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "sms_kinds: unknown notification kind `nope`; the client kinds are confirmation, \
         request_received, awaiting_client_confirmation, changed, canceled_by_store, \
         canceled_by_client, no_show, completed, reminder, recall, reservation_completed \
         (or all)\n"
    );
    // A syntax error gives the line and column; a key in the wrong table says where it goes.
    let broken = temp(
        "syntax.toml",
        "sms_kinds = [\"reminder\"\nstaff_kinds = []\n",
    );
    let out = run(&[
        "plan",
        "--config",
        broken.to_str().unwrap(),
        "events/recall.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let shown = broken.display();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "configuration file {shown}: line 2, column 1: missing comma between array elements, expected `,`\n"
        )
    );
    let misplaced = temp("misplaced.toml", "store_name = \"Acme\"\n");
    let out = run(&[
        "plan",
        "--config",
        misplaced.to_str().unwrap(),
        "events/recall.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "store_name: belongs in the [brand] table, not at the top level (configuration file {}, line 1)\n",
            misplaced.display()
        )
    );
    assert!(Path::new(&root()).join("events").exists());
}

#[test]
fn with_a_bus_plan_prints_the_event_line_and_explain_says_why() {
    let out = support::booxi_notify()
        .env("BOOXI_EVENT_BUS", "booxi-notify")
        .args([
            "plan",
            "--explain",
            "events/changed-date.json",
            "events/unknown-type.json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = lines(&out);
    let event = printed.last().unwrap();
    assert_eq!(
        *event,
        serde_json::json!({"event_id": "evt-0007", "channel": "event", "detail_type": "Booking Moved"})
    );
    // One event line for the move, none for the ignored type.
    assert_eq!(
        printed.iter().filter(|l| l["channel"] == "event").count(),
        1
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("  match     Booking Moved: changed(start date/time) or changed(staff) or changed(location)\n"),
        "{stderr}"
    );
    assert!(
        stderr
            .contains("  event     Booking Moved (published once the event's messages are done)\n"),
        "{stderr}"
    );
    // Without a bus: no event line.
    let out = run(&["plan", "events/changed-date.json"]);
    assert!(lines(&out).iter().all(|l| l.get("detail_type").is_none()));
    // A bus that is not one: refused, the variable named.
    let out = support::booxi_notify()
        .env("BOOXI_EVENT_BUS", "my bus")
        .args(["plan", "events/changed-date.json"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "BOOXI_EVENT_BUS: `my bus` is not an EventBridge bus name (letters, digits, `.`, `-`, `_`, `/`) or ARN (arn:aws:events:<region>:<account>:event-bus/<name>)"
        ),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn whatsapp_lines_name_their_template_and_explain_says_why() {
    let out = support::booxi_notify()
        .env("BOOXI_WHATSAPP_PHONE_NUMBER_ID", "phone-number-id-0a1b")
        .args(["plan", "--explain", "events/confirmation-created.json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = lines(&out);
    let channels: Vec<&str> = lines
        .iter()
        .map(|l| l["channel"].as_str().unwrap())
        .collect();
    assert_eq!(channels, ["email", "whatsapp", "email"]);
    let whatsapp = &lines[1];
    assert_eq!(whatsapp["to"], "+15145550123");
    assert_eq!(whatsapp["template"], "booxi_confirmation");
    assert_eq!(whatsapp["template_language"], "en");
    let explain = String::from_utf8_lossy(&out.stderr);
    assert!(
        explain.contains(
            "  whatsapp  confirmation to client: [whatsapp] kinds lists confirmation, \
             remindBySMS is true and the mobile number reads as E.164; its SMS goes only if \
             the WhatsApp message cannot go or fails"
        ),
        "{explain}"
    );
    assert!(
        explain.contains("skipped   confirmation to client by sms: replaced by WhatsApp"),
        "{explain}"
    );
    // A mistake in [whatsapp] stops the command with the key named.
    let bad = support::booxi_notify()
        .env("BOOXI_WHATSAPP_PHONE_NUMBER_ID", "15145550100")
        .args(["plan", "events/confirmation-created.json"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&bad.stderr).trim(),
        "BOOXI_WHATSAPP_PHONE_NUMBER_ID: `15145550100` is not a phone number id \
         (phone-number-id- and letters or digits)"
    );
}
