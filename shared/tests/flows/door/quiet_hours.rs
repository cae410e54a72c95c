//! Quiet hours: SMS held back until a schedule sends them once; quiet hours at the fire.

use super::*;

use testkit::bodies::window_around_now as window;

fn quiet_config(window: &str) -> Config {
    Config::from_toml(&format!(
        "sms_kinds = [\"reminder\"]\n[sms]\nquiet_hours = \"{window}\"\n"
    ))
    .unwrap()
}

fn reminder(id: &str) -> support::Body {
    let mut body =
        event("appointment.remind").set("booking.startsOn", json!("2030-06-10T15:00:00Z"));
    body.0["eventId"] = json!(id);
    body
}

#[tokio::test]
async fn sms_quiet_hours_hold_back_quiet_kinds_until_a_schedule_sends_them_once() {
    let mut s = setup_with(quiet_config(&window(-1, 1)));
    let first = s.deliver(&reminder("e1")).await;
    let sms = first
        .messages
        .iter()
        .find(|m| m.channel == Some(booxi_notify::domain::notification::Channel::Sms))
        .unwrap();
    assert_eq!(sms.status(), Status::Deferred, "{first:?}");
    let at = sms.at().unwrap().to_owned();
    assert!(at > utc_seconds(jiff::Timestamp::now()), "{at}");
    assert_eq!(s.sent().len(), 1, "the email goes at once: {:?}", s.sent());
    let inputs = s.inputs();
    assert_eq!(inputs.len(), 1);
    // Keys only.
    assert_eq!(
        inputs[0],
        json!({"door": "schedule", "event": "e1", "kind": "reminder", "audience": "client",
               "channel": "sms", "recipient": "client", "at": at})
    );
    // The event is kept for the fire, never under a booking's key.
    assert_eq!(s.states.bookings(), ["deferred:e1"]);
    // Booxi's retry in the night: the same schedule, nothing more sent.
    let again = s.core.process(&reminder("e1").parse(), None).await.unwrap();
    assert_eq!(again.disposition, Disposition::Duplicate);
    assert_eq!(s.scheduler.all().len(), 1);

    // Morning (the window has ended): the fire sends it once.
    s.core.config = quiet_config(&window(2, 4));
    let fired = s.core.fire(&inputs[0], None).await.unwrap();
    assert_eq!(fired.messages[0].status(), Status::Sent, "{fired:?}");
    assert_eq!(
        s.core.fire(&inputs[0], None).await.unwrap().disposition,
        Disposition::Duplicate
    );
    let texts: Vec<String> = s
        .sent()
        .into_iter()
        .filter(|m| m.starts_with("reminder sms"))
        .collect();
    assert_eq!(texts.len(), 1, "{:?}", s.sent());
    // Recorded under the event's own message key: a later delivery of the event (a
    // retry Booxi makes, or queued mode's redo) finds it sent.
    use booxi_notify::core::store::{IdempotencyStore, RecipientHasher, message_key};
    let planned = booxi_notify::plan(&reminder("e1").parse(), &s.core.config);
    let sms = planned
        .notifications
        .iter()
        .find(|n| n.channel == booxi_notify::domain::notification::Channel::Sms)
        .unwrap();
    let key = message_key(sms, &RecipientHasher::offline());
    let done = s
        .core
        .store
        .recorded(std::slice::from_ref(&key))
        .await
        .unwrap();
    assert_eq!(done.get(&key), Some(&booxi_notify::core::store::Done::Sent));
}

#[tokio::test]
async fn sms_quiet_hours_at_the_fire() {
    // A held-back SMS whose fire comes inside the window (a late fire) sends nothing.
    let s = setup_with(quiet_config(&window(-1, 1)));
    s.deliver(&reminder("e2")).await;
    let inputs = s.inputs();
    let fired = s.core.fire(&inputs[0], None).await.unwrap();
    assert_eq!(fired.messages[0].status(), Status::Skipped);
    let reason = fired.messages[0].reason().unwrap();
    assert!(
        reason.starts_with("too late: fired at ") && reason.contains("inside the quiet hours"),
        "{reason}"
    );
    assert!(!s.sent().iter().any(|m| m.starts_with("reminder sms")));

    // A flow's SMS scheduled before quiet hours were configured, firing inside them.
    let start = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(12 + 730 * 24);
    let mut s = setup_with(
        Config::from_toml(
            "[[flows]]\nname = \"pre_visit\"\nbefore_start = \"24h\"\nchannels = [\"sms\"]",
        )
        .unwrap(),
    );
    let created = body("appointment.created", "e3", "2026-01-01T10:00:00Z")
        .set("booking.startsOn", json!(utc_seconds(start)));
    s.deliver(&created).await;
    let inputs = s.inputs();
    assert_eq!(inputs.len(), 1, "{inputs:?}");
    let mut late = s.core.config.clone();
    late.sms.quiet_hours =
        Some(booxi_notify::domain::sms::QuietHours::parse(&window(-1, 1)).unwrap());
    s.core.config = late;
    let fired = s.core.fire(&inputs[0], None).await.unwrap();
    assert_eq!(fired.messages[0].status(), Status::Skipped, "{fired:?}");
    assert!(
        fired.messages[0]
            .reason()
            .unwrap()
            .contains("inside the quiet hours"),
        "{fired:?}"
    );
    assert!(s.flow_sent().is_empty());
}
