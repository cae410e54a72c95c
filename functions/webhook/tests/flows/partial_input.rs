//! Partial, late and differently shaped input: an update without `status` or
//! `startsOn`, a cancel shaped as Booxi's public sample, late fires, a retry making only the
//! schedule that failed, `max_schedules_per_event`.

use super::*;

/// The EMF metric lines a function printed: those carrying `metric`.
fn metric_lines(function: &Function, metric: &str) -> Vec<Value> {
    function
        .logs()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v.get(metric).is_some())
        .collect()
}

fn schedule_names(stack: &Stack) -> Vec<String> {
    stack.schedules().into_iter().map(|s| s.name).collect()
}

/// Partial, late and differently shaped input, through the compiled function against
/// moto: the two faults found end to end on the old main (a cancel naming the booking
/// another way deleted nothing; an update without `status` made the schedules send
/// nothing), late fires, schedule work redone only where it failed, and the cap.
#[test]
fn flows_stay_right_on_partial_late_and_differently_shaped_input() {
    use booxi_notify::core::schedules::schedule_name;
    use booxi_notify::domain::notification::{Channel, FlowName, Kind};
    let stack = Stack::new();
    let scheduler_proxy = testkit::proxy::FaultyProxy::start(stack.moto.port);
    let mut env = stack.env.clone();
    env.push((
        "AWS_ENDPOINT_URL_SCHEDULER".into(),
        scheduler_proxy.endpoint(),
    ));
    let runtime = RuntimeApi::start();
    let function = Function::spawn(Path::new(WEBHOOK), &runtime, &env);

    // Approved, with its merchant and both its ids.
    let approved = delivery("appointment.created", "p-1", "2030-06-01T10:00:00Z", |b| {
        b.set("booking.confirmationNumber", json!("A00006500"))
    });
    assert_eq!(call(&runtime, &approved).0, 200);
    let made = stack.schedules();
    assert_eq!(made.len(), 3);

    // An update without status, start or merchant: the booking is still Approved.
    let update = delivery("appointment.updated", "p-2", "2030-06-02T10:00:00Z", |b| {
        b.remove("merchant")
            .remove("booking.status")
            .remove("booking.startsOn")
            .set("booking.quickNote", json!("Parking at the back"))
    });
    let (status, answer) = call(&runtime, &update);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(stack.schedules(), made, "{answer}");
    let pre_visit_email = made
        .iter()
        .find(|s| s.input["flow"] == "pre_visit" && s.input["channel"] == "email")
        .unwrap();
    let fired = fire_and_complete(&stack, &runtime, pre_visit_email);
    assert_eq!(fired["messages"][0]["status"], "sent", "{fired}");

    // Canceled by a body shaped as Booxi's public sample: payload at the root, no event
    // id, no merchant, the confirmation number only.
    let mut sample = testkit::bodies::event("appointment.canceled")
        .set("booking.status", json!("Cancelled"))
        .set("booking.confirmationNumber", json!("A00006500"))
        .remove("booking.bookingId")
        .remove("merchant")
        .0;
    let mut root = sample["content"].take().as_object().unwrap().clone();
    root.insert("event".into(), json!("appointment.canceled"));
    root.insert("createdOn".into(), json!("2030-06-03T10:00:00Z"));
    let cancel = with_body(
        read_event("confirmation-created.json"),
        &Value::Object(root).to_string(),
    );
    let (status, answer) = call(&runtime, &cancel);
    assert_eq!(status, 200, "{answer}");
    assert!(stack.schedules().is_empty(), "{answer}");
    for s in made.iter().filter(|s| s.name != pre_visit_email.name) {
        let fired = runtime.invoke(&s.input, TIMEOUT).unwrap();
        assert_eq!(
            fired["messages"][0]["reason"], "the booking is Cancelled",
            "{fired}"
        );
    }

    // Booxi's retry of an event whose SMS schedule failed makes that schedule only.
    let sms_name = schedule_name(
        "5/900001",
        Kind::Flow(FlowName::parse("pre_visit").unwrap()),
        "client",
        Channel::Sms,
    );
    scheduler_proxy.fail(Some(&sms_name));
    let other = delivery("appointment.created", "p-4", "2030-06-01T10:00:00Z", |b| {
        b.set("booking.bookingId", json!("900001"))
    });
    let (status, answer) = call(&runtime, &other);
    assert_eq!(status, 503, "{answer}");
    let failed: Vec<&Value> = answer["schedules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1, "{answer}");
    assert_eq!(
        (&failed[0]["kind"], &failed[0]["channel"]),
        (&json!("pre_visit"), &json!("sms")),
        "{answer}"
    );
    scheduler_proxy.fail(None);
    scheduler_proxy.clear();
    let (status, answer) = call(&runtime, &other);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        scheduler_proxy.calls(),
        [format!("POST /schedules/{sms_name}")],
        "only the failed change is made again"
    );
    assert_eq!(
        answer["schedules"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["reason"] == "done by an earlier delivery of this event")
            .count(),
        2,
        "{answer}"
    );

    // A fire later than its flow allows sends nothing stale, and is counted.
    let now = jiff::Timestamp::now();
    let starts = now + jiff::SignedDuration::from_mins(5);
    let soon = delivery(
        "appointment.created",
        "p-5",
        &(now - jiff::SignedDuration::from_hours(48)).to_string(),
        |b| {
            b.set("booking.bookingId", json!("900002"))
                .set("booking.startsOn", json!(starts.to_string()))
        },
    );
    assert_eq!(call(&runtime, &soon).0, 200);
    let sent_before = stack.moto.sent();
    for (flow, channel, offset) in [
        ("starting_soon", "sms", jiff::SignedDuration::from_mins(15)),
        ("pre_visit", "email", jiff::SignedDuration::from_hours(24)),
    ] {
        let at = jiff::Timestamp::from_second((starts - offset).as_second()).unwrap();
        let fire = json!({"door": "schedule", "booking": "5/900002", "flow": flow,
            "audience": "client", "channel": channel, "recipient": "client",
            "at": booxi_notify::domain::notification::utc_seconds(at)});
        let fired = runtime
            .invoke(&fire, TIMEOUT)
            .expect("a late fire is no error");
        assert_eq!(fired["messages"][0]["status"], "skipped", "{fired}");
        assert!(
            fired["messages"][0]["reason"]
                .as_str()
                .unwrap()
                .starts_with("too late: due at "),
            "{fired}"
        );
    }
    assert_eq!(stack.moto.sent(), sent_before);
    let late = metric_lines(&function, "FlowsLate");
    let flows: Vec<&str> = late.iter().filter_map(|l| l["Flow"].as_str()).collect();
    assert_eq!(flows, ["starting_soon", "pre_visit"], "{late:?}");
    drop(function);

    // At most max_schedules_per_event changes per event, counted.
    let mut capped_env = env.clone();
    capped_env.push(("BOOXI_MAX_SCHEDULES_PER_EVENT".into(), "2".into()));
    let capped_runtime = RuntimeApi::start();
    let capped = Function::spawn(Path::new(WEBHOOK), &capped_runtime, &capped_env);
    let before = schedule_names(&stack);
    let (status, answer) = call(
        &capped_runtime,
        &delivery("appointment.created", "p-6", "2030-06-01T10:00:00Z", |b| {
            b.set("booking.bookingId", json!("900003"))
        }),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["schedules"].as_array().unwrap().len(), 2, "{answer}");
    assert_eq!(schedule_names(&stack).len(), before.len() + 2);
    let over = metric_lines(&capped, "SchedulesOverLimit");
    assert_eq!(over.len(), 1, "{}", capped.logs());
    assert_eq!(over[0]["SchedulesOverLimit"], 1.0);
    assert_no_personal_data(&capped.logs());
}
