//! Bad input: malformed requests get their status, events through no open door are
//! errors; nothing is sent.

use super::*;

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
