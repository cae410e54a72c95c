//! A flow with the `event` channel: published at its time, once, not when stale.

use super::*;

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
