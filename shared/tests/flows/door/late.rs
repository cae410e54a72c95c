//! Late fires: nothing stale sent, `late_after`, a flow's event published once in time.

use super::*;

fn soon_config() -> Config {
    Config::from_toml(
        "[[flows]]\nname = \"starting_soon\"\nbefore_start = \"30m\"\nchannels = [\"sms\"]\n\
         [[flows]]\nname = \"thank_you\"\nafter_completed = \"2h\"\nlate_after = \"1h\"\n",
    )
    .unwrap()
}

/// A booking starting at `starts`, its state saved (by an event dated a day before),
/// and the fire of its `starting_soon` SMS due 30 minutes before the start.
async fn starting_soon_fire(s: &Setup, id: &str, starts: jiff::Timestamp) -> Value {
    let created = body(
        "appointment.created",
        id,
        &utc_seconds(starts - jiff::SignedDuration::from_hours(24)),
    )
    .set("booking.startsOn", json!(utc_seconds(starts)));
    s.deliver(&created).await;
    json!({"door": "schedule", "booking": "5/778812", "flow": "starting_soon",
           "audience": "client", "channel": "sms", "recipient": "client",
           "at": utc_seconds(starts - jiff::SignedDuration::from_mins(30))})
}

#[tokio::test]
async fn a_late_fire_sends_nothing_stale() {
    let now = jiff::Timestamp::now();
    let mins = jiff::SignedDuration::from_mins;
    // Due 10 minutes ago, within late_after (half of 30 min): sent.
    let s = setup_with(soon_config());
    let fire = starting_soon_fire(&s, "e1", now + mins(20)).await;
    let fired = s.core.fire(&fire, None).await.unwrap();
    assert_eq!(
        fired.messages[0].status(),
        Status::Sent,
        "{:?}",
        fired.messages
    );
    // Due 20 minutes ago: more than late_after after its time.
    let s = setup_with(soon_config());
    let fire = starting_soon_fire(&s, "e1", now + mins(10)).await;
    let fired = s.core.fire(&fire, None).await.unwrap();
    assert_eq!(fired.messages[0].status(), Status::Skipped);
    let reason = fired.messages[0].reason().unwrap();
    assert!(
        reason.starts_with("too late: due at ") && reason.contains("more than late_after (15m)"),
        "{reason}"
    );
    // The booking has started: never at or after the start, whatever late_after says.
    let mut config = soon_config();
    config.flows[0].late_after = Some(jiff::SignedDuration::from_hours(5));
    let s = setup_with(config);
    let fire = starting_soon_fire(&s, "e1", now - mins(1)).await;
    let fired = s.core.fire(&fire, None).await.unwrap();
    let reason = fired.messages[0].reason().unwrap();
    assert!(
        reason.starts_with("too late: the booking started at "),
        "{reason}"
    );
    assert!(s.sent().iter().all(|m| !m.starts_with("starting_soon")));
}

#[tokio::test]
async fn a_flows_event_is_published_in_time_once_never_late_and_retried_after_a_failure() {
    use booxi_notify::adapters::memory::MemoryBus;
    use booxi_notify::core::events_out::EventsOut;
    let now = jiff::Timestamp::now();
    let mins = jiff::SignedDuration::from_mins;
    let config = || {
        Config::from_toml(
            "[events_out]\nbus = \"b\"\n[[flows]]\nname = \"starting_soon\"\n\
             before_start = \"30m\"\nchannels = [\"event\"]\n",
        )
        .unwrap()
    };
    let with_bus = || {
        let mut s = setup_with(config());
        let bus = Arc::new(MemoryBus::new());
        s.core.events_out = Some(EventsOut { bus: bus.clone() });
        (s, bus)
    };
    let fire_of = |starts: jiff::Timestamp| {
        json!({"door": "schedule", "booking": "5/778812", "flow": "starting_soon",
               "channel": "event", "recipient": "booking",
               "at": utc_seconds(starts - mins(30))})
    };
    let flow_events = |bus: &MemoryBus| {
        bus.entries()
            .into_iter()
            .filter(|e| e.detail_type == "Booking Starting Soon")
            .count()
    };
    // In time: published, once however often it fires.
    let (s, bus) = with_bus();
    let starts = now + mins(20);
    starting_soon_fire(&s, "e1", starts).await;
    let fire = fire_of(starts);
    let fired = s.core.fire(&fire, None).await.unwrap();
    assert_eq!(fired.event.unwrap().status, "published");
    assert_eq!(
        s.core.fire(&fire, None).await.unwrap().disposition,
        booxi_notify::core::outcome::Disposition::Duplicate
    );
    assert_eq!(flow_events(&bus), 1);
    // More than late_after (15m) after its time: nothing, counted as late.
    let (s, bus) = with_bus();
    let starts = now + mins(10);
    starting_soon_fire(&s, "e1", starts).await;
    let fired = s.core.fire(&fire_of(starts), None).await.unwrap();
    let event = fired.event.unwrap();
    assert_eq!(event.status, "skipped");
    assert!(
        event
            .reason
            .as_deref()
            .unwrap()
            .starts_with("too late: due at "),
        "{event:?}"
    );
    assert_eq!(flow_events(&bus), 0);
    // The bus does not take it: the fire fails (Scheduler retries); the retry publishes.
    let (s, bus) = with_bus();
    let starts = now + mins(20);
    starting_soon_fire(&s, "e1", starts).await;
    bus.fail(1);
    let failed = s.core.fire(&fire_of(starts), None).await;
    assert!(
        matches!(&failed, Err(booxi_notify::doors::schedule::FireError::NotSent(why)) if why == "PutEvents entry: InternalFailure"),
        "{failed:?}"
    );
    assert_eq!(flow_events(&bus), 0);
    let retried = s.core.fire(&fire_of(starts), None).await.unwrap();
    assert_eq!(retried.event.unwrap().status, "published");
    assert_eq!(flow_events(&bus), 1);
    // Without a bus any more (the setting removed since): nothing, and no error.
    let s = setup_with(config());
    let starts = now + mins(20);
    starting_soon_fire(&s, "e1", starts).await;
    let fired = s.core.fire(&fire_of(starts), None).await.unwrap();
    assert_eq!(
        fired.event.unwrap().reason.as_deref(),
        Some("events out are not configured ([events_out] bus)")
    );
}

/// A flow's event fires inside the quiet hours: published (they are for texts).
#[tokio::test]
async fn a_flows_event_fired_inside_quiet_hours_is_published() {
    use booxi_notify::adapters::memory::MemoryBus;
    use booxi_notify::core::events_out::EventsOut;
    let config = Config::from_toml(&format!(
        "[events_out]\nbus = \"b\"\n[[flows]]\nname = \"starting_soon\"\n\
         before_start = \"30m\"\nchannels = [\"event\"]\n[sms]\nquiet_hours = \"{}\"\n",
        testkit::bodies::window_around_now(-1, 1)
    ))
    .unwrap();
    let mut s = setup_with(config);
    let bus = Arc::new(MemoryBus::new());
    s.core.events_out = Some(EventsOut { bus: bus.clone() });
    let starts = jiff::Timestamp::now() + jiff::SignedDuration::from_mins(20);
    starting_soon_fire(&s, "e1", starts).await;
    let fire = json!({"door": "schedule", "booking": "5/778812", "flow": "starting_soon",
                      "channel": "event", "recipient": "booking",
                      "at": utc_seconds(starts - jiff::SignedDuration::from_mins(30))});
    let fired = s.core.fire(&fire, None).await.unwrap();
    let event = fired.event.unwrap();
    assert_eq!(event.status, "published", "{event:?}");
    assert_eq!(
        bus.entries()
            .iter()
            .filter(|e| e.detail_type == "Booking Starting Soon")
            .count(),
        1
    );
}

#[tokio::test]
async fn an_after_completed_fire_later_than_its_late_after_sends_nothing() {
    let now = jiff::Timestamp::now();
    let s = setup_with(soon_config());
    let completed_at = now - jiff::SignedDuration::from_hours(4);
    s.deliver(
        &body("appointment.completed", "e1", &utc_seconds(completed_at))
            .with_previous()
            .set("booking.isCompleted", json!(true)),
    )
    .await;
    let fire = |at: jiff::Timestamp| {
        json!({"door": "schedule", "booking": "5/778812", "flow": "thank_you",
               "audience": "client", "channel": "email", "recipient": "client",
               "at": utc_seconds(at)})
    };
    // Due two hours ago, late_after one hour: nothing.
    let fired = s
        .core
        .fire(
            &fire(completed_at + jiff::SignedDuration::from_hours(2)),
            None,
        )
        .await
        .unwrap();
    assert!(
        fired.messages[0]
            .reason()
            .unwrap()
            .contains("more than late_after (1h)"),
        "{:?}",
        fired.messages
    );
    // Due half an hour ago: sent.
    let fired = s
        .core
        .fire(&fire(now - jiff::SignedDuration::from_mins(30)), None)
        .await
        .unwrap();
    assert_eq!(
        fired.messages[0].status(),
        Status::Sent,
        "{:?}",
        fired.messages
    );
}
