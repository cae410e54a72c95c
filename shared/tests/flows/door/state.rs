//! The booking's state: one test per row (`row_state_…`).

use super::*;

/// Row: a field absent from an event keeps its last known value. An update without
/// `status` or `startsOn` leaves an Approved booking's schedules as they were, and
/// their fires send.
#[tokio::test]
async fn row_state_a_field_absent_from_an_event_keeps_its_value() {
    let s = setup();
    s.deliver(&body("appointment.created", "e1", "2030-06-01T10:00:00Z"))
        .await;
    let made = s.scheduler.all();
    let update = body("appointment.updated", "e2", "2030-06-02T10:00:00Z")
        .remove("booking.status")
        .remove("booking.startsOn")
        .remove("booking.client")
        .set("booking.quickNote", json!("Bring your glasses"));
    let summary = s.deliver(&update).await;
    assert!(
        summary.schedules.iter().all(|r| r.status == "done"),
        "{:?}",
        summary.schedules
    );
    assert_eq!(s.scheduler.all(), made);
    for input in s.inputs() {
        let fired = s.core.fire(&input, None).await.unwrap();
        assert_eq!(
            fired.messages[0].status(),
            Status::Sent,
            "{:?}",
            fired.messages
        );
    }
    assert_eq!(s.flow_sent().len(), 2);
}

/// Row: an event older than one merged, by its own time (the booking's `modifiedOn`,
/// else `createdOn`), changes nothing.
#[tokio::test]
async fn row_state_an_older_event_by_its_own_time_changes_nothing() {
    let s = setup();
    s.deliver(
        &body("appointment.created", "e1", "2030-06-01T10:00:00Z")
            .set("booking.modifiedOn", json!("2030-06-01T10:00:00Z")),
    )
    .await;
    let moved = body("appointment.updated", "e2", "2030-06-01T12:00:00Z")
        .set("booking.modifiedOn", json!("2030-06-01T12:00:00Z"))
        .set("booking.startsOn", json!("2030-06-20T09:30:00Z"));
    s.deliver(&moved).await;
    let after_move = s.scheduler.all();
    assert!(
        after_move
            .iter()
            .all(|m| m.at.to_string() == "2030-06-19T09:30:00Z")
    );
    // Created later (Booxi's retry of an old change) but modified before the move.
    let old = body("appointment.updated", "e3", "2030-06-03T10:00:00Z")
        .set("booking.modifiedOn", json!("2030-06-01T11:00:00Z"))
        .set("booking.startsOn", json!("2030-06-10T15:00:00Z"));
    let summary = s.deliver(&old).await;
    assert!(summary.schedules.is_empty(), "{:?}", summary.schedules);
    assert_eq!(s.scheduler.all(), after_move);
}

/// Row: an event without a time of its own is merged, but never undoes a cancel: a
/// retry of an old approval that lands after the cancel restores nothing.
#[tokio::test]
async fn row_state_a_timeless_event_never_undoes_a_cancel() {
    // Dated in the past: an event without a time used to be dated when processed,
    // which made it the newest.
    let s = setup();
    let approval = body("appointment.created", "e1", "");
    let mut approval = approval;
    approval.0.as_object_mut().unwrap().remove("createdOn");
    s.deliver(&body("appointment.created", "e0", "2026-01-01T10:00:00Z"))
        .await;
    let inputs = s.inputs();
    s.deliver(
        &body("appointment.canceled", "e2", "2026-01-02T10:00:00Z")
            .with_previous()
            .set("booking.status", json!("Cancelled")),
    )
    .await;
    assert!(s.scheduler.all().is_empty());
    let summary = s.deliver(&approval).await;
    assert!(
        s.scheduler.all().is_empty(),
        "the cancel was undone: {:?}",
        summary.schedules
    );
    for input in &inputs {
        let fired = s.core.fire(input, None).await.unwrap();
        assert_eq!(fired.messages[0].reason(), Some("the booking is Cancelled"));
    }
    // A no-show holds the same way.
    let s = setup();
    s.deliver(&body("appointment.created", "e0", "2026-01-01T10:00:00Z"))
        .await;
    s.deliver(
        &body("appointment.status_updated", "e2", "2026-01-02T10:00:00Z")
            .with_previous()
            .set("booking.client.presence", json!("NoShow")),
    )
    .await;
    s.deliver(&approval).await;
    assert!(s.scheduler.all().is_empty());
}

/// Row: a cancel made by an event without a time of its own is final, even against a
/// later-dated event; one made by a dated event is undone by a later-dated one.
#[tokio::test]
async fn row_state_only_a_later_dated_event_undoes_a_dated_cancel() {
    let reapproval = || body("appointment.status_updated", "e3", "2030-06-03T10:00:00Z");
    // Dated cancel, later re-approval: the schedules are back.
    let s = setup();
    s.deliver(&body("appointment.created", "e1", "2030-06-01T10:00:00Z"))
        .await;
    s.deliver(
        &body("appointment.canceled", "e2", "2030-06-02T10:00:00Z")
            .set("booking.status", json!("Cancelled")),
    )
    .await;
    assert!(s.scheduler.all().is_empty());
    s.deliver(&reapproval()).await;
    assert_eq!(s.scheduler.all().len(), 2);
    // Timeless cancel: final.
    let s = setup();
    s.deliver(&body("appointment.created", "e1", "2030-06-01T10:00:00Z"))
        .await;
    let mut cancel =
        body("appointment.canceled", "e2", "").set("booking.status", json!("Cancelled"));
    cancel.0.as_object_mut().unwrap().remove("createdOn");
    s.deliver(&cancel).await;
    assert!(s.scheduler.all().is_empty());
    s.deliver(&reapproval()).await;
    assert!(s.scheduler.all().is_empty(), "{:?}", s.scheduler.all());
}
