//! Booking events out on an EventBridge bus: one event per file with its detail-type,
//! none on a redelivery, a failed entry retried.

use super::*;

/// The detail-type the library publishes for `event` (with a bus configured).
fn expected_detail_type(event: &Value) -> Option<String> {
    let config = Config::load(None, |k| match k {
        "BOOXI_EVENT_ALIASES" => Some(ALIASES.to_owned()),
        "BOOXI_EVENT_BUS" => Some("booxi-notify".to_owned()),
        _ => None,
    })
    .unwrap();
    let bytes = input::booxi_body(event.to_string().as_bytes()).unwrap();
    let parsed = Event::read(&bytes, &config).unwrap();
    let planned = plan(&parsed, &config);
    booxi_notify::domain::events_out::planned(&parsed, &config, &planned)
        .map(|e| e.detail_type.name())
}

/// The answer's messages as a detail lists them: kind, audience, channel, status.
fn as_detail_messages(messages: &Value) -> Value {
    let list: Vec<Value> = messages
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let mut out = serde_json::Map::new();
            for key in ["kind", "audience", "channel", "status", "fallback_for"] {
                if let Some(v) = m.get(key) {
                    out.insert(key.to_owned(), v.clone());
                }
            }
            Value::Object(out)
        })
        .collect();
    Value::Array(list)
}

#[test]
fn with_a_bus_each_event_publishes_its_detail_type_once_and_a_failed_entry_is_retried() {
    let stack = Stack::new();
    let tap = stack.moto.tap_bus("booxi-notify");
    let proxy = FailingPutEvents::start(stack.moto.port);
    let eventbridge = proxy.endpoint();
    let mut details = Vec::new();
    {
        let runtime = RuntimeApi::start();
        let function = stack.function_with(
            &runtime,
            &[
                ("BOOXI_EVENT_BUS", tap.bus_arn.as_str()),
                ("AWS_ENDPOINT_URL_EVENTBRIDGE", eventbridge.as_str()),
            ],
        );
        let mut names: Vec<String> = std::fs::read_dir(events_dir())
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".json") && n != "local-env.json")
            .collect();
        names.sort();
        for name in &names {
            let event = gateway_event(name);
            let (status, body) = call(&runtime, &event);
            let published = stack.moto.tapped(&tap);
            let Some(want) = expected_detail_type(&event) else {
                assert_eq!(body["status"], "ignored", "{name}");
                assert!(published.is_empty(), "{name}: {published:?}");
                continue;
            };
            assert_eq!(status, 200, "{name}: {body}");
            assert_eq!(
                body["event"],
                json!({"detail_type": want, "status": "published"}),
                "{name}"
            );
            assert_eq!(
                published.len(),
                1,
                "{name}: exactly one event: {published:?}"
            );
            let out = &published[0];
            assert_eq!(out["source"], "booxi-notify", "{name}");
            assert_eq!(out["detail-type"], want.as_str(), "{name}");
            assert_eq!(out["detail"]["event_id"], body["event_id"], "{name}");
            assert_eq!(
                out["detail"]["messages"],
                as_detail_messages(&body["messages"]),
                "{name}: the detail says what became of the messages"
            );
            details.push(out["detail"].clone());
        }
        assert!(details.len() >= 20);
        // Booxi delivers each again: duplicates, nothing published twice.
        for name in &names {
            let (_, body) = call(&runtime, &gateway_event(name));
            assert_ne!(body["status"], "processed", "{name}");
        }
        assert!(
            stack.moto.tapped(&tap).is_empty(),
            "a redelivery publishes nothing"
        );
        let calls = proxy
            .put_events_calls
            .load(std::sync::atomic::Ordering::SeqCst);
        assert_eq!(calls, details.len(), "one PutEvents call per event");

        // PutEvents does not take the entry: 503, the messages went; Booxi's retry
        // publishes it once and sends nothing again.
        let event = with_event_id(gateway_event("confirmation-created.json"), "evt-pub-1");
        let sent_before = (sent_emails(&stack.moto).len(), sent_sms(&stack.moto).len());
        proxy.fail(1, "InternalFailure");
        let (status, body) = call(&runtime, &event);
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["event"]["status"], "failed", "{body}");
        assert_eq!(body["event"]["failure"], "temporary", "{body}");
        assert_eq!(
            body["event"]["reason"], "PutEvents entry: InternalFailure",
            "{body}"
        );
        let sent_once = (sent_emails(&stack.moto).len(), sent_sms(&stack.moto).len());
        assert_eq!(sent_once, (sent_before.0 + 2, sent_before.1 + 1));
        assert!(stack.moto.tapped(&tap).is_empty());
        let (status, body) = call(&runtime, &event);
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["event"]["status"], "published", "{body}");
        assert!(
            body["messages"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["reason"] == "sent by an earlier delivery of this event"),
            "{body}"
        );
        let published = stack.moto.tapped(&tap);
        assert_eq!(published.len(), 1, "{published:?}");
        assert_eq!(published[0]["detail"]["event_id"], "evt-pub-1");
        details.push(published[0]["detail"].clone());
        assert_eq!(
            (sent_emails(&stack.moto).len(), sent_sms(&stack.moto).len()),
            sent_once,
            "nothing sent again"
        );
        assert_eq!(call(&runtime, &event).1["status"], "duplicate");
        assert!(stack.moto.tapped(&tap).is_empty());
        // An entry refused for permissions is ours to fix: 502.
        proxy.fail(1, "NotAuthorizedForSourceException");
        let event = with_event_id(gateway_event("reminder.json"), "evt-pub-2");
        let (status, body) = call(&runtime, &event);
        assert_eq!(
            (status, &body["event"]["failure"]),
            (502, &json!("configuration")),
            "{body}"
        );
        assert_no_personal_data(&function.logs());
    }
    // Without contact data (the bus named by its name, not its ARN): no email, no mobile.
    {
        let runtime = RuntimeApi::start();
        let _function = stack.function_with(
            &runtime,
            &[
                ("BOOXI_EVENT_BUS", "booxi-notify"),
                ("BOOXI_EVENTS_CONTACT_DATA", "false"),
                ("AWS_ENDPOINT_URL_EVENTBRIDGE", eventbridge.as_str()),
            ],
        );
        let event = with_event_id(gateway_event("confirmation-created.json"), "evt-pub-3");
        assert_eq!(call(&runtime, &event).0, 200);
        let published = stack.moto.tapped(&tap);
        assert_eq!(published.len(), 1);
        let client = &published[0]["detail"]["client"];
        assert_eq!(client["first_name"], "Jane");
        assert!(
            client.get("email").is_none() && client.get("mobile").is_none(),
            "{client}"
        );
        details.push(published[0]["detail"].clone());
    }
    // Without a bus nothing changes: no `event` in the answer, no call to EventBridge.
    {
        let runtime = RuntimeApi::start();
        let _function = stack.function_with(
            &runtime,
            &[("AWS_ENDPOINT_URL_EVENTBRIDGE", eventbridge.as_str())],
        );
        let calls = proxy
            .put_events_calls
            .load(std::sync::atomic::Ordering::SeqCst);
        let event = with_event_id(gateway_event("confirmation-created.json"), "evt-pub-4");
        let (status, body) = call(&runtime, &event);
        assert_eq!(status, 200);
        assert!(body.get("event").is_none(), "{body}");
        assert!(stack.moto.tapped(&tap).is_empty());
        assert_eq!(
            proxy
                .put_events_calls
                .load(std::sync::atomic::Ordering::SeqCst),
            calls
        );
    }
    // A bus that is not one: the function does not start, and says which setting.
    {
        let runtime = RuntimeApi::start();
        let function = stack.function_with(&runtime, &[("BOOXI_EVENT_BUS", "my bus")]);
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !function.logs().contains("BOOXI_EVENT_BUS") && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(
            function.logs().contains(
                "key: \"BOOXI_EVENT_BUS\", message: \"`my bus` is not an EventBridge bus name"
            ),
            "{}",
            function.logs()
        );
    }
    testkit::schema::assert_valid_details(&details);
}
