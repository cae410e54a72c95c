//! Fires: once however often a schedule fires; a cancel deleting the schedules and a
//! stale fire sending nothing; a booking's life, each flow sent once at its time.

use super::*;

#[test]
fn a_fire_sends_once_twice_still_once() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let function = stack.function(&runtime);
    call(
        &runtime,
        &delivery("appointment.created", "f-1", "2030-06-01T10:00:00Z", |b| b),
    );
    let before = (stack.moto.sent().0, stack.moto.sent().1);
    let pre_visit: Vec<Schedule> = stack
        .schedules()
        .into_iter()
        .filter(|s| s.input["flow"] == "pre_visit")
        .collect();
    assert_eq!(pre_visit.len(), 2);
    for s in &pre_visit {
        let answer = runtime
            .invoke(&s.input, TIMEOUT)
            .expect("the fire succeeds");
        assert_eq!(answer["status"], "processed", "{answer}");
        assert_eq!(answer["messages"][0]["status"], "sent", "{answer}");
        let twice = runtime
            .invoke(&s.input, TIMEOUT)
            .expect("the second fire succeeds");
        assert_eq!(twice["status"], "duplicate", "{twice}");
    }
    let after = stack.moto.sent();
    assert_eq!(
        (after.0 - before.0, after.1 - before.1),
        (1, 1),
        "one email, one SMS"
    );
    assert_eq!(
        flow_messages(&stack.moto, "Your visit is on"),
        ["sms +15145550123"]
    );
    // Subjects carry no-break spaces (`Jun 10`, `11:00 AM`): moto keeps them encoded
    // (`=?utf-8?Q?Before_your_visit…`), where an underscore stands for a space.
    let emails = stack.moto.emails();
    assert!(
        emails
            .iter()
            .any(|(to, subject, _)| to == "jane@example.com"
                && subject.replace('_', " ").contains("Before your visit")),
        "{:?}",
        emails.iter().map(|e| &e.1).collect::<Vec<_>>()
    );
    // Its own Message-ID: never the one of the event's confirmation.
    let pre_visit_mime = emails
        .iter()
        .find(|(_, subject, _)| subject.replace('_', " ").contains("Before your visit"))
        .map(|(_, _, raw)| raw.clone())
        .unwrap();
    assert!(
        pre_visit_mime.contains("\r\nMessage-ID: <booxi.bx.pre_visit."),
        "{pre_visit_mime}"
    );
    let logs = function.logs();
    assert!(!logs.contains("jane@example.com") && !logs.contains("+15145550123"));
}

#[test]
fn a_cancel_deletes_the_schedules_and_a_stale_fire_sends_nothing() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let _function = stack.function(&runtime);
    call(
        &runtime,
        &delivery("appointment.created", "f-1", "2030-06-01T10:00:00Z", |b| b),
    );
    let made = stack.schedules();
    assert_eq!(made.len(), 3);
    let before = stack.moto.sent();
    let cancel = delivery("appointment.canceled", "f-2", "2030-06-02T10:00:00Z", |b| {
        b.set("booking.status", json!("Cancelled"))
    });
    let (status, answer) = call(&runtime, &cancel);
    assert_eq!(status, 200, "{answer}");
    let deletes: Vec<&Value> = answer["schedules"].as_array().unwrap().iter().collect();
    assert!(
        deletes
            .iter()
            .all(|d| d["schedule"] == "delete" && d["status"] == "done"),
        "{answer}"
    );
    assert!(stack.schedules().is_empty(), "{:?}", stack.schedules());
    // The cancel's own messages only: a fire that was already under way sends nothing.
    let after_cancel = stack.moto.sent();
    for s in &made {
        let answer = runtime
            .invoke(&s.input, TIMEOUT)
            .expect("a stale fire is no error");
        assert_eq!(answer["messages"][0]["status"], "skipped", "{answer}");
        assert_eq!(answer["messages"][0]["reason"], "the booking is Cancelled");
    }
    assert_eq!(stack.moto.sent(), after_cancel);
    assert!(
        after_cancel.0 > before.0,
        "the cancel itself told the client"
    );
    // A second cancel delivery deletes what is already gone without an error.
    let again = delivery("appointment.canceled", "f-3", "2030-06-02T10:05:00Z", |b| {
        b.set("booking.status", json!("Cancelled"))
    });
    assert_eq!(call(&runtime, &again).0, 200);
}

#[test]
fn a_bookings_life_created_moved_completed_sends_each_flow_once_at_its_time() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let function = stack.function(&runtime);
    call(
        &runtime,
        &delivery("appointment.created", "l-1", "2030-06-01T10:00:00Z", |b| b),
    );
    let moved = delivery("appointment.updated", "l-2", "2030-06-02T10:00:00Z", |b| {
        b.set("booking.startsOn", json!("2030-06-20T09:30:00Z"))
    });
    call(&runtime, &moved);
    let before_visit = stack.schedules();
    let mut due: Vec<(String, String, String)> = before_visit
        .iter()
        .map(|s| {
            (
                s.expression.clone(),
                s.input["flow"].as_str().unwrap().to_owned(),
                s.input["channel"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    due.sort();
    assert_eq!(
        due,
        [
            (
                "at(2030-06-19T09:30:00)".into(),
                "pre_visit".into(),
                "email".into()
            ),
            (
                "at(2030-06-19T09:30:00)".into(),
                "pre_visit".into(),
                "sms".into()
            ),
            (
                "at(2030-06-20T09:15:00)".into(),
                "starting_soon".into(),
                "sms".into()
            ),
        ]
    );
    let start = stack.moto.sent();
    for s in &before_visit {
        let answer = fire_and_complete(&stack, &runtime, s);
        assert_eq!(answer["messages"][0]["status"], "sent", "{answer}");
    }
    assert!(stack.schedules().is_empty());
    // The visit is over: the completion schedules the thank-you two hours later.
    let completed = delivery(
        "appointment.completed",
        "l-3",
        "2030-06-20T10:40:00Z",
        |b| {
            b.set("booking.startsOn", json!("2030-06-20T09:30:00Z"))
                .set("previousBooking.startsOn", json!("2030-06-20T09:30:00Z"))
                .set("booking.isCompleted", json!(true))
                .set("booking.client.presence", json!("Arrived"))
        },
    );
    let (status, answer) = call(&runtime, &completed);
    assert_eq!(status, 200, "{answer}");
    let after = stack.schedules();
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0].input["flow"], "thank_you");
    assert_eq!(after[0].expression, "at(2030-06-20T12:40:00)");
    let answer = fire_and_complete(&stack, &runtime, &after[0]);
    assert_eq!(answer["messages"][0]["status"], "sent", "{answer}");
    // Each flow message once: pre_visit by email and SMS, starting_soon by SMS, thank_you
    // by email (the completion's own `completed` email besides).
    let end = stack.moto.sent();
    assert_eq!((end.0 - start.0, end.1 - start.1), (3, 2), "emails, SMS");
    // Fired again (Scheduler delivers at least once): nothing more.
    for s in before_visit.iter().chain(&after) {
        let again = runtime.invoke(&s.input, TIMEOUT).unwrap();
        assert_eq!(again["status"], "duplicate", "{again}");
    }
    assert_eq!(stack.moto.sent(), end);
    let logs = function.logs();
    assert!(!logs.contains("jane@example.com") && !logs.contains("+15145550123"));
}
