//! A fire sends once; stale fires after a cancel or a move send nothing; queued
//! duplicates, late events, temporary failures, unreadable states, inputs not ours.

use super::*;

#[tokio::test]
async fn a_pending_scheduled_message_to_a_suppressed_recipient_does_not_send() {
    use booxi_notify::core::process::suppression_for;
    use booxi_notify::core::store::{IdempotencyStore, recipient_hash, suppression_key};
    use booxi_notify::domain::feedback::Cause;
    let s = setup();
    s.deliver(&body(
        "appointment.created",
        "e-sup",
        "2030-06-01T10:00:00Z",
    ))
    .await;
    let inputs = s.inputs();
    assert_eq!(inputs.len(), 2);
    // Learned after the schedules were made: the address bounced, the number opted out.
    let now = std::time::SystemTime::now();
    for (recipient, cause) in [
        ("jane@example.com", Cause::Bounced),
        ("+15145550123", Cause::OptedOut),
    ] {
        let suppression = suppression_for(&s.core.config, cause, now);
        s.core
            .store
            .suppress(
                &suppression_key(&recipient_hash(&s.core.delivery.recipients, recipient)),
                &suppression,
            )
            .await
            .unwrap();
    }
    for input in &inputs {
        let fired = s.core.fire(input, None).await.unwrap();
        assert_eq!(fired.messages.len(), 1, "{:?}", fired.messages);
        let m = &fired.messages[0];
        assert_eq!(m.status(), Status::Skipped);
        let words = if input["channel"] == "email" {
            "bounced"
        } else {
            "opted out"
        };
        assert!(m.reason().unwrap().contains(words), "{:?}", m.reason());
    }
    // Nothing of the flow went; the SMS had the flow's own email, so no fallback.
    assert!(s.flow_sent().is_empty(), "{:?}", s.flow_sent());
}

#[tokio::test]
async fn a_fire_sends_once_and_a_double_fire_still_once() {
    let s = setup();
    let summary = s
        .deliver(&body("appointment.created", "e1", "2030-06-01T10:00:00Z"))
        .await;
    assert_eq!(summary.schedules.len(), 2, "{:?}", summary.schedules);
    assert!(summary.schedules.iter().all(|r| r.status == "done"));
    let inputs = s.inputs();
    assert_eq!(inputs.len(), 2);
    for input in &inputs {
        // Keys only: no name, address or phone number.
        let text = input.to_string();
        for personal in ["Jane", "Doe", "jane@example.com", "555"] {
            assert!(!text.contains(personal), "{text}");
        }
        assert_eq!(input["door"], "schedule");
        assert_eq!(input["at"], "2030-06-09T15:00:00Z");
    }
    for input in &inputs {
        let first = s.core.fire(input, None).await.unwrap();
        assert_eq!(first.disposition, Disposition::Processed);
        assert_eq!(
            first.messages[0].status(),
            Status::Sent,
            "{:?}",
            first.messages
        );
        let again = s.core.fire(input, None).await.unwrap();
        assert_eq!(again.disposition, Disposition::Duplicate);
    }
    let sent = s.flow_sent();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(
        sent.iter()
            .any(|m| m.starts_with("pre_visit email jane@example.com: Before your visit on")),
        "{sent:?}"
    );
    assert!(
        sent.iter().any(
            |m| m.starts_with("pre_visit sms +15145550123: Store: Before your visit")
                && m.contains("Arrive ten minutes early.")
        ),
        "{sent:?}"
    );
}

#[tokio::test]
async fn a_stale_fire_after_a_cancel_sends_nothing_and_the_cancel_deletes_the_schedules() {
    let s = setup();
    s.deliver(&body("appointment.created", "e1", "2030-06-01T10:00:00Z"))
        .await;
    let inputs = s.inputs();
    let cancel = body("appointment.canceled", "e2", "2030-06-02T10:00:00Z")
        .with_previous()
        .set("booking.status", json!("Cancelled"));
    let summary = s.deliver(&cancel).await;
    assert_eq!(
        summary
            .schedules
            .iter()
            .map(|r| r.schedule)
            .collect::<Vec<_>>(),
        ["delete", "delete"]
    );
    assert!(s.scheduler.all().is_empty());
    for input in &inputs {
        let fired = s.core.fire(input, None).await.unwrap();
        assert_eq!(fired.messages[0].status(), Status::Skipped);
        assert_eq!(fired.messages[0].reason(), Some("the booking is Cancelled"));
    }
    assert!(s.flow_sent().is_empty());
}

/// Queued mode claims with one write and a later delivery of the event does its work
/// again, schedules included: as of the first delivery's time, so an event without
/// `createdOn` (its time is when it arrived) stays older than what came after it.
#[tokio::test]
async fn a_queued_duplicate_redoes_the_schedules_as_of_the_first_delivery() {
    let mut s = setup();
    let queue = Arc::new(booxi_notify::adapters::memory::MemoryQueue::default());
    s.core.queue = Some(queue.clone());
    let mut created = body("appointment.created", "e1", "");
    created.0.as_object_mut().unwrap().remove("createdOn");
    let t0 = jiff::Timestamp::now();
    // A first delivery that stopped right after its claim (queued mode claims with
    // one write, before its messages and schedules).
    let owner = booxi_notify::core::store::Owner::new().unwrap();
    use booxi_notify::core::store::IdempotencyStore;
    s.core
        .store
        .claim_completed(
            &created.parse().id,
            &owner,
            std::time::SystemTime::UNIX_EPOCH
                + std::time::Duration::from_millis(t0.as_millisecond() as u64),
            "[]",
        )
        .await
        .unwrap();
    assert!(s.scheduler.all().is_empty());

    // Redelivered: its schedules made, as of the first delivery.
    let again = s.deliver(&created).await;
    assert_eq!(again.disposition, Disposition::Duplicate);
    let made = s.scheduler.all();
    assert_eq!(made.len(), 2, "{made:?}");
    assert!(
        made.iter()
            .all(|m| m.at.to_string() == "2030-06-09T15:00:00Z")
    );
    // And again: nothing more to do, each change recorded as done.
    let third = s.deliver(&created).await;
    assert_eq!(third.disposition, Disposition::Duplicate);
    assert_eq!(s.scheduler.all(), made);

    // Cancelled a second after the first delivery; then the first event comes again.
    let cancel = body(
        "appointment.canceled",
        "e2",
        &(t0 + jiff::SignedDuration::from_secs(1)).to_string(),
    )
    .with_previous()
    .set("booking.status", json!("Cancelled"));
    s.deliver(&cancel).await;
    assert!(s.scheduler.all().is_empty());
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let late = s.deliver(&created).await;
    assert_eq!(late.disposition, Disposition::Duplicate);
    assert!(
        s.scheduler.all().is_empty(),
        "a redo as of now would have brought the cancelled booking's schedules back: {:?}",
        s.scheduler.all()
    );
    for input in s.inputs() {
        s.core.fire(&input, None).await.unwrap();
    }
    assert!(s.flow_sent().is_empty());
}

/// A redo plans as of the first delivery, but what is already past is judged by the
/// clock: a schedule due between the two deliveries is not made again.
#[tokio::test]
async fn a_queued_duplicate_does_not_make_a_schedule_already_past() {
    let mut s = setup();
    s.core.queue = Some(Arc::new(
        booxi_notify::adapters::memory::MemoryQueue::default(),
    ));
    let starts = jiff::Timestamp::now()
        + jiff::SignedDuration::from_hours(24)
        + jiff::SignedDuration::from_secs(2);
    let mut created =
        body("appointment.created", "e1", "").set("booking.startsOn", json!(utc_seconds(starts)));
    created.0.as_object_mut().unwrap().remove("createdOn");
    s.deliver(&created).await;
    assert_eq!(s.scheduler.all().len(), 2);
    s.scheduler.take_due(jiff::Timestamp::now(), true);
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let again = s.deliver(&created).await;
    assert_eq!(again.disposition, Disposition::Duplicate);
    assert!(s.scheduler.all().is_empty(), "{:?}", s.scheduler.all());
}

#[tokio::test]
async fn a_move_updates_the_times_and_the_old_time_sends_nothing() {
    let s = setup();
    s.deliver(&body("appointment.created", "e1", "2030-06-01T10:00:00Z"))
        .await;
    let before = s.scheduler.all();
    let old_inputs = s.inputs();
    let moved = body("appointment.updated", "e2", "2030-06-02T10:00:00Z")
        .with_previous()
        .set("booking.startsOn", json!("2030-06-20T09:30:00Z"));
    s.deliver(&moved).await;
    let after = s.scheduler.all();
    // The same schedules (same names), at the new time.
    assert_eq!(
        before.iter().map(|s| &s.name).collect::<Vec<_>>(),
        after.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    assert!(
        after
            .iter()
            .all(|s| s.expression() == "at(2030-06-19T09:30:00)")
    );
    let fired = s.core.fire(&old_inputs[0], None).await.unwrap();
    assert_eq!(
        fired.messages[0].reason(),
        Some("the booking moved: this flow is now due at 2030-06-19T09:30:00Z")
    );
    assert!(s.flow_sent().is_empty());
    for input in s.inputs() {
        s.core.fire(&input, None).await.unwrap();
    }
    assert_eq!(s.flow_sent().len(), 2);
}

#[tokio::test]
async fn an_older_event_delivered_late_changes_nothing() {
    let s = setup();
    let moved = body("appointment.updated", "e2", "2030-06-02T10:00:00Z")
        .with_previous()
        .set("booking.startsOn", json!("2030-06-20T09:30:00Z"));
    s.deliver(&moved).await;
    let late = s
        .deliver(&body("appointment.created", "e1", "2030-06-01T10:00:00Z"))
        .await;
    assert!(late.schedules.is_empty(), "{:?}", late.schedules);
    assert!(
        s.scheduler
            .all()
            .iter()
            .all(|s| s.expression() == "at(2030-06-19T09:30:00)")
    );
}

#[tokio::test]
async fn an_event_processed_after_the_time_schedules_nothing() {
    let s = setup();
    // Dated long ago: the plan schedules (the time was ahead of the event), but by
    // the time it is processed the message is past.
    let late = body("appointment.created", "e1", "2020-06-01T10:00:00Z")
        .set("booking.startsOn", json!("2020-06-10T15:00:00Z"));
    let summary = s.deliver(&late).await;
    assert_eq!(summary.schedules.len(), 2);
    for r in &summary.schedules {
        assert_eq!(r.status, "skipped");
        assert_eq!(
            r.reason.as_deref(),
            Some("2020-06-09T15:00:00Z is already past at processing time")
        );
        assert_eq!(r.failure, None);
    }
    assert_eq!(summary.retry_wanted(), None);
    assert!(s.scheduler.all().is_empty());
}

#[tokio::test]
async fn a_temporary_failure_is_an_error_and_the_retry_sends() {
    let s = setup();
    s.deliver(&body("appointment.created", "e1", "2030-06-01T10:00:00Z"))
        .await;
    let input = &s.inputs()[0];
    s.core.courier.fail.store(true, Ordering::SeqCst);
    let err = s.core.fire(input, None).await.unwrap_err();
    assert!(matches!(err, FireError::NotSent(_)), "{err}");
    assert!(err.to_string().contains("ThrottlingException"), "{err}");
    s.core.courier.fail.store(false, Ordering::SeqCst);
    let retried = s.core.fire(input, None).await.unwrap();
    assert_eq!(retried.messages[0].status(), Status::Sent);
    assert_eq!(s.flow_sent().len(), 1);
}

/// Booking states that cannot be read (DynamoDB unreachable).
struct Unreachable;

impl booxi_notify::core::schedules::BookingStates for Unreachable {
    fn save<'a>(
        &'a self,
        _: &'a str,
        _: &'a booxi_notify::core::schedules::BookingState,
        _: Option<u64>,
    ) -> futures_util::future::BoxFuture<
        'a,
        Result<booxi_notify::core::schedules::Saved, booxi_notify::core::store::StoreError>,
    > {
        Box::pin(async { Ok(booxi_notify::core::schedules::Saved::Stored) })
    }

    fn load<'a>(
        &'a self,
        _: &'a str,
    ) -> futures_util::future::BoxFuture<
        'a,
        Result<
            Option<booxi_notify::core::schedules::BookingState>,
            booxi_notify::core::store::StoreError,
        >,
    > {
        Box::pin(async {
            Err(booxi_notify::core::store::StoreError(
                "GetItem (booking state): timeout".into(),
            ))
        })
    }

    fn find<'a>(
        &'a self,
        _: &'a [String],
    ) -> futures_util::future::BoxFuture<
        'a,
        Result<
            std::collections::HashMap<String, booxi_notify::core::schedules::Named>,
            booxi_notify::core::store::StoreError,
        >,
    > {
        Box::pin(async { Ok(std::collections::HashMap::new()) })
    }

    fn name<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: std::time::SystemTime,
    ) -> futures_util::future::BoxFuture<'a, Result<(), booxi_notify::core::store::StoreError>>
    {
        Box::pin(async { Ok(()) })
    }
}

#[tokio::test]
async fn an_unreadable_booking_state_is_an_error_so_scheduler_retries() {
    let mut s = setup();
    s.deliver(&body("appointment.created", "e1", "2030-06-01T10:00:00Z"))
        .await;
    let input = s.inputs()[0].clone();
    s.core.flows = Some(Flows {
        scheduler: s.scheduler.clone(),
        states: Arc::new(Unreachable),
    });
    let err = s.core.fire(&input, None).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "the message was not sent (idempotency store: GetItem (booking state): timeout); retry later"
    );
    assert!(s.flow_sent().is_empty());
}

#[tokio::test]
async fn after_completed_fires_send_only_for_a_completed_booking() {
    let s = setup();
    let completed = body("appointment.completed", "e3", "2030-06-10T16:00:00Z")
        .with_previous()
        .set("booking.isCompleted", json!(true));
    s.deliver(&completed).await;
    let inputs = s.inputs();
    assert_eq!(inputs.len(), 1, "{inputs:?}");
    assert_eq!(inputs[0]["at"], "2030-06-10T18:00:00Z");
    // Canceled after completion (a correction in Booxi): the fire sends nothing.
    let canceled = body("appointment.canceled", "e4", "2030-06-10T16:30:00Z")
        .with_previous()
        .set("booking.isCompleted", json!(true))
        .set("booking.status", json!("Cancelled"));
    s.deliver(&canceled).await;
    let fired = s.core.fire(&inputs[0], None).await.unwrap();
    assert_eq!(fired.messages[0].reason(), Some("the booking is Cancelled"));
    assert!(!s.sent().iter().any(|m| m.starts_with("thank_you")));

    // Completed (again): the same schedule's next due time sends.
    let again = body("appointment.completed", "e5", "2030-06-10T17:00:00Z")
        .with_previous()
        .set("booking.isCompleted", json!(true));
    s.deliver(&again).await;
    let inputs = s.inputs();
    assert_eq!(inputs[0]["at"], "2030-06-10T19:00:00Z");
    s.core.fire(&inputs[0], None).await.unwrap();
    let sent = s.sent();
    assert!(
        sent.iter()
            .any(|m| m.starts_with("thank_you email jane@example.com: Thank you for your visit")),
        "{sent:?}"
    );
}

#[tokio::test]
async fn inputs_that_are_not_ours_are_refused() {
    let s = setup();
    for (input, why) in [
        (
            json!({"door": "schedule"}),
            "not a schedule input: missing field `booking`",
        ),
        (
            json!({"door": "schedule", "booking": "5/1", "flow": "pre_visit", "audience": "client",
                   "channel": "email", "recipient": "client", "at": "soon"}),
            "not a schedule input: at: `soon` is not an RFC 3339 time",
        ),
        (
            json!({"door": "schedule", "booking": "5/1", "flow": "Bad Name", "audience": "client",
                   "channel": "email", "recipient": "client", "at": "2030-01-01T00:00:00Z"}),
            "not a schedule input: flow: `Bad Name` may only hold lower-case letters, digits and `_` (it names template files)",
        ),
    ] {
        let err = s.core.fire(&input, None).await.unwrap_err();
        assert_eq!(err.to_string(), why);
    }
    // A booking nothing is known of: nothing sent, no error (nothing to retry).
    let unknown = json!({"door": "schedule", "booking": "5/404", "flow": "pre_visit", "audience": "client",
                         "channel": "email", "recipient": "client", "at": "2030-01-01T00:00:00Z"});
    let fired = s.core.fire(&unknown, None).await.unwrap();
    assert_eq!(
        fired.messages[0].reason(),
        Some("no state is kept for this booking (expired, or never saved)")
    );
    assert!(s.sent().is_empty());
}
