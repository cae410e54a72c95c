//! What is sent: every file of `events/` sends exactly what the rules call for;
//! REST API v1 events are handled too.

use super::*;

#[test]
fn every_event_file_sends_exactly_what_the_rules_call_for() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let function = stack.function(&runtime);
    let mut names: Vec<String> = std::fs::read_dir(events_dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json") && n != "local-env.json")
        .collect();
    names.sort();
    assert!(names.len() >= 20);
    for name in names {
        let event = gateway_event(&name);
        let (emails_before, sms_before) = (sent_emails(&stack.moto), sent_sms(&stack.moto));
        let (status, body) = call(&runtime, &event);
        let (mut want_emails, mut want_sms) = expected_messages(&event);
        if name == "unknown-type.json" {
            assert_eq!(
                (status, body["status"].as_str()),
                (200, Some("ignored")),
                "{name}"
            );
        } else {
            assert_eq!(
                (status, body["status"].as_str()),
                (200, Some("processed")),
                "{name}: {body}"
            );
        }
        let mut emails = new_since(&emails_before, &sent_emails(&stack.moto));
        let mut sms = new_since(&sms_before, &sent_sms(&stack.moto));
        for list in [&mut emails, &mut want_emails] {
            list.sort();
        }
        for list in [&mut sms, &mut want_sms] {
            list.sort();
        }
        assert_eq!(emails, want_emails, "{name}: emails");
        assert_eq!(sms, want_sms, "{name}: SMS");
        let sent = body["messages"]
            .as_array()
            .map_or(0, |m| m.iter().filter(|m| m["status"] == "sent").count());
        assert_eq!(sent, want_emails.len() + want_sms.len(), "{name}: {body}");
    }
    // Spot checks of what a client actually receives.
    let all = sent_emails(&stack.moto);
    assert!(all.iter().any(|(to, _)| to == "jane.doe@example.com"));
    assert!(
        sent_sms(&stack.moto)
            .iter()
            .any(|(to, _)| to == "+15145550123")
    );
    assert_no_personal_data(&function.logs());
}

#[test]
fn a_rest_api_v1_event_is_handled_too() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let function = stack.function(&runtime);
    let v2 = gateway_event("recall.json");
    let v1 = json!({
        "resource": "/booxi",
        "path": "/booxi",
        "httpMethod": "PUT",
        "headers": {"Content-Type": "application/json", "X-Booxi-Secret": SECRET},
        "multiValueHeaders": {"Content-Type": ["application/json"], "X-Booxi-Secret": [SECRET]},
        "queryStringParameters": null,
        "multiValueQueryStringParameters": null,
        "pathParameters": null,
        "stageVariables": null,
        "requestContext": {
            "accountId": "123456789012", "resourceId": "abc", "stage": "prod", "requestId": "r-1",
            "identity": {"sourceIp": "203.0.113.10"}, "resourcePath": "/booxi", "httpMethod": "PUT",
            "apiId": "api", "path": "/prod/booxi", "requestTimeEpoch": 1_795_183_332_000_i64
        },
        "body": booxi_body(&v2).to_string(),
        "isBase64Encoded": false
    });
    let (status, body) = call(&runtime, &v1);
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("processed")),
        "{body}"
    );
    assert_eq!(sent_emails(&stack.moto).len(), 1);
    assert_no_personal_data(&function.logs());
}
