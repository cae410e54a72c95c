//! The schedules a booking makes: times, target, role, dead-letter queue, no personal
//! data, the same set after a redelivery; a move updating the times; after_completed flows.

use super::*;

#[test]
fn a_created_booking_makes_the_expected_schedules_and_redelivery_keeps_the_same_set() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let function = stack.function(&runtime);
    let created = delivery("appointment.created", "f-1", "2030-06-01T10:00:00Z", |b| b);
    let (status, answer) = call(&runtime, &created);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["schedules"].as_array().map(Vec::len),
        Some(3),
        "{answer}"
    );
    let schedules = stack.schedules();
    let at: Vec<(&str, &str, &str)> = schedules
        .iter()
        .map(|s| {
            (
                s.input["flow"].as_str().unwrap(),
                s.input["channel"].as_str().unwrap(),
                s.expression.as_str(),
            )
        })
        .collect();
    let mut at = at;
    at.sort();
    assert_eq!(
        at,
        [
            ("pre_visit", "email", "at(2030-06-09T15:00:00)"),
            ("pre_visit", "sms", "at(2030-06-09T15:00:00)"),
            ("starting_soon", "sms", "at(2030-06-10T14:45:00)"),
        ]
    );
    for s in &schedules {
        assert_eq!(s.timezone, "UTC");
        assert_eq!(s.target, TARGET);
        assert_eq!(s.role, ROLE);
        assert_eq!(s.after_completion, "DELETE");
        assert_eq!(s.dead_letter, DLQ);
        assert!(
            s.name.len() <= 64 && s.name.starts_with("bx."),
            "{}",
            s.name
        );
        assert!(
            s.name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)),
            "{}",
            s.name
        );
        assert_eq!(s.input["door"], "schedule");
        assert_eq!(s.input["recipient"], "client");
        assert_eq!(s.input["booking"], "5/778812");
        assert_no_personal_data(&s.name);
        assert_no_personal_data(&s.input.to_string());
    }

    // The booking's state, kept in the idempotency table until a little after the last
    // time anything of it is due (its start, 2030-06-10T15:00Z, + 2 days).
    let item = stack.tokio.block_on(async {
        let aws = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(stack.moto.endpoint())
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .load()
            .await;
        aws_sdk_dynamodb::Client::new(&aws)
            .get_item()
            .table_name(testkit::moto::TABLE)
            .key(
                "pk",
                aws_sdk_dynamodb::types::AttributeValue::S("flow#5/778812".into()),
            )
            .send()
            .await
            .unwrap()
            .item
            .expect("the booking state")
    });
    let expires: i64 = item["expires_at"].as_n().unwrap().parse().unwrap();
    let due_end: jiff::Timestamp = "2030-06-12T15:00:00Z".parse().unwrap();
    assert_eq!(expires, due_end.as_second());
    assert!(item["body"].as_s().unwrap().contains("\"eventId\":\"f-1\""));

    // Booxi delivers it again (duplicate), then a copy under another id: the same set.
    assert_eq!(call(&runtime, &created).1["status"], "duplicate");
    let again = delivery(
        "appointment.created",
        "f-1-copy",
        "2030-06-01T10:00:00Z",
        |b| b,
    );
    assert_eq!(call(&runtime, &again).0, 200);
    assert_eq!(stack.schedules(), schedules);
    assert!(!function.logs().contains("jane@example.com"));
}

#[test]
fn a_move_updates_the_times_and_the_old_time_sends_nothing() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let _function = stack.function(&runtime);
    call(
        &runtime,
        &delivery("appointment.created", "f-1", "2030-06-01T10:00:00Z", |b| b),
    );
    let old = stack.schedules();
    let moved = delivery("appointment.updated", "f-2", "2030-06-02T10:00:00Z", |b| {
        b.set("booking.startsOn", json!("2030-06-20T09:30:00Z"))
    });
    assert_eq!(call(&runtime, &moved).0, 200);
    let new = stack.schedules();
    assert_eq!(
        old.iter().map(|s| &s.name).collect::<Vec<_>>(),
        new.iter().map(|s| &s.name).collect::<Vec<_>>(),
        "the same schedules, moved"
    );
    let mut times: Vec<&str> = new.iter().map(|s| s.expression.as_str()).collect();
    times.sort();
    assert_eq!(
        times,
        [
            "at(2030-06-19T09:30:00)",
            "at(2030-06-19T09:30:00)",
            "at(2030-06-20T09:15:00)"
        ]
    );
    let before = stack.moto.sent();
    let stale = runtime.invoke(&old[0].input, TIMEOUT).unwrap();
    assert_eq!(stale["messages"][0]["status"], "skipped", "{stale}");
    assert!(
        stale["messages"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("the booking moved: this flow is now due at 2030-06-"),
        "{stale}"
    );
    assert_eq!(stack.moto.sent(), before);
    let fresh = new.iter().find(|s| s.name == old[0].name).unwrap();
    let sent = runtime.invoke(&fresh.input, TIMEOUT).unwrap();
    assert_eq!(sent["messages"][0]["status"], "sent", "{sent}");
}

#[test]
fn a_completed_booking_schedules_its_after_completed_flow() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let _function = stack.function(&runtime);
    let completed = delivery(
        "appointment.completed",
        "f-9",
        "2030-06-10T16:00:00Z",
        |b| b.set("booking.isCompleted", json!(true)),
    );
    let (status, answer) = call(&runtime, &completed);
    assert_eq!(status, 200, "{answer}");
    let schedules = stack.schedules();
    assert_eq!(schedules.len(), 1, "{schedules:?}");
    assert_eq!(schedules[0].input["flow"], "thank_you");
    assert_eq!(schedules[0].expression, "at(2030-06-10T18:00:00)");
    let fired = runtime.invoke(&schedules[0].input, TIMEOUT).unwrap();
    assert_eq!(fired["messages"][0]["status"], "sent", "{fired}");
}
