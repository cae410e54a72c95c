//! The client table of `docs/rules.md`: one test per row, named after it.

use super::*;

#[test]
fn row_confirmation_appointment_created_status_approved() {
    let plan = event("appointment.created").plan();
    assert_eq!(kinds(&plan), ["confirmation"]);
    let pending = event("appointment.created").set("booking.status", json!("PendingStaffApproval"));
    assert_ne!(kinds(&pending.plan()), ["confirmation"]);
}

#[test]
fn row_confirmation_appointment_status_updated_approved_expecting_status_changed() {
    let approved = event("appointment.status_updated")
        .with_previous()
        .set("previousBooking.status", json!("PendingStaffApproval"));
    assert_eq!(kinds(&approved.plan()), ["confirmation"]);

    // Not Expecting (e.g. Arrived): no confirmation.
    let arrived = approved_from_pending("appointment.status_updated")
        .set("booking.client.presence", json!("Arrived"));
    assert!(
        kinds(&arrived.plan()).is_empty(),
        "{:?}",
        kinds(&arrived.plan())
    );

    // Status unchanged: no confirmation.
    let unchanged = event("appointment.status_updated").with_previous();
    assert!(kinds(&unchanged.plan()).is_empty());

    // No previous status on an update: not a change.
    let unknown = event("appointment.status_updated");
    assert!(kinds(&unknown.plan()).is_empty());
}

#[test]
fn row_confirmation_appointment_updated_approved_status_changed() {
    assert_eq!(
        kinds(&approved_from_pending("appointment.updated").plan()),
        ["confirmation"]
    );
    let unchanged = event("appointment.updated").with_previous();
    assert!(kinds(&unchanged.plan()).is_empty());
}

#[test]
fn row_request_received_appointment_created_pending_staff_approval() {
    let plan = event("appointment.created")
        .set("booking.status", json!("PendingStaffApproval"))
        .plan();
    assert_eq!(kinds(&plan), ["request_received"]);
}

#[test]
fn row_awaiting_client_confirmation_appointment_created_pending_client_approval() {
    let plan = event("appointment.created")
        .set("booking.status", json!("PendingClientApproval"))
        .plan();
    assert_eq!(kinds(&plan), ["awaiting_client_confirmation"]);
}

#[test]
fn row_awaiting_client_confirmation_appointment_updated_or_status_updated_status_changed() {
    for event_type in ["appointment.updated", "appointment.status_updated"] {
        let changed = event(event_type)
            .with_previous()
            .set("booking.status", json!("PendingClientApproval"));
        assert_eq!(
            kinds(&changed.plan()),
            ["awaiting_client_confirmation"],
            "{event_type}"
        );
        let unchanged = event(event_type)
            .set("booking.status", json!("PendingClientApproval"))
            .with_previous();
        assert!(kinds(&unchanged.plan()).is_empty(), "{event_type}");
    }
}

#[test]
fn row_changed_appointment_updated_status_unchanged_date_staff_or_location_changed() {
    let cases = [
        ("booking.startsOn", json!("2026-12-04T15:00:00Z")),
        ("booking.staffId", json!(2107)),
        ("booking.location", json!("VideoConference")),
        ("booking.locationText", json!("Back room")),
    ];
    for (path, value) in cases {
        let plan = event("appointment.updated")
            .with_previous()
            .set(path, value)
            .plan();
        assert_eq!(kinds(&plan), ["changed"], "{path}");
    }
    // The same instant written differently is not a change.
    let same = event("appointment.updated")
        .with_previous()
        .set("booking.startsOn", json!("2026-12-03T10:00:00-05:00"));
    assert!(kinds(&same.plan()).is_empty());
    // Nothing that matters changed.
    let notes = event("appointment.updated")
        .with_previous()
        .set("booking.client.additionalRequest", json!("new note"));
    assert!(kinds(&notes.plan()).is_empty());
    // No previousBooking: nothing to compare, no change claimed.
    let blind = event("appointment.updated");
    assert!(kinds(&blind.plan()).is_empty());
    // Only on appointment.updated.
    let status_updated = event("appointment.status_updated")
        .with_previous()
        .set("booking.startsOn", json!("2026-12-04T15:00:00Z"));
    assert!(kinds(&status_updated.plan()).is_empty());
}

#[test]
fn row_changed_needs_status_unchanged() {
    // Moved and cancelled in one update: not a `changed`, and not a cancel either
    // (cancels come on status_updated / canceled).
    let plan = event("appointment.updated")
        .with_previous()
        .set("booking.startsOn", json!("2026-12-04T15:00:00Z"))
        .set("booking.status", json!("Cancelled"))
        .plan();
    assert!(kinds(&plan).is_empty());
}

#[test]
fn row_canceled_by_store_status_updated_or_canceled_cancelled_status_changed_modified_by_staff() {
    for event_type in ["appointment.status_updated", "appointment.canceled"] {
        let plan = cancelled(event_type)
            .set("booking.modifiedBy", json!("Staff"))
            .plan();
        assert_eq!(kinds(&plan), ["canceled_by_store"], "{event_type}");
    }
    // Already cancelled before: no second message.
    let again = event("appointment.status_updated")
        .set("booking.status", json!("Cancelled"))
        .with_previous();
    assert!(kinds(&again.plan()).is_empty());
}

#[test]
fn row_canceled_by_store_when_modified_by_is_absent() {
    let plan = cancelled("appointment.status_updated")
        .remove("booking.modifiedBy")
        .plan();
    assert_eq!(kinds(&plan), ["canceled_by_store"]);
}

#[test]
fn row_canceled_by_client_status_updated_or_canceled_cancelled_status_changed_modified_by_client() {
    for event_type in ["appointment.status_updated", "appointment.canceled"] {
        for by in ["Client", "client"] {
            let plan = cancelled(event_type)
                .set("booking.modifiedBy", json!(by))
                .plan();
            assert_eq!(kinds(&plan), ["canceled_by_client"], "{event_type} {by}");
        }
    }
}

#[test]
fn row_no_show_status_updated_approved_presence_no_show_presence_changed() {
    let plan = event("appointment.status_updated")
        .with_previous()
        .set("booking.client.presence", json!("NoShow"))
        .plan();
    assert_eq!(kinds(&plan), ["no_show"]);
    let already = event("appointment.status_updated")
        .set("booking.client.presence", json!("NoShow"))
        .with_previous();
    assert!(kinds(&already.plan()).is_empty());
    let cancelled_no_show = event("appointment.status_updated")
        .with_previous()
        .set("booking.status", json!("PendingStaffApproval"))
        .set("previousBooking.status", json!("PendingStaffApproval"))
        .set("booking.client.presence", json!("noshow"));
    assert!(kinds(&cancelled_no_show.plan()).is_empty());
}

#[test]
fn row_completed_status_updated_or_completed_is_completed_newly_true() {
    for event_type in ["appointment.status_updated", "appointment.completed"] {
        let plan = event(event_type)
            .with_previous()
            .set("booking.isCompleted", json!(true))
            .set("booking.client.presence", json!("Arrived"))
            .plan();
        assert_eq!(kinds(&plan), ["completed"], "{event_type}");
    }
    // previousBooking absent: "is not true" holds.
    let no_previous = event("appointment.completed").set("booking.isCompleted", json!(true));
    assert_eq!(kinds(&no_previous.plan()), ["completed"]);
    // Already completed before: no second thank-you.
    let again = event("appointment.status_updated")
        .set("booking.isCompleted", json!(true))
        .with_previous();
    assert!(kinds(&again.plan()).is_empty());
}

#[test]
fn row_reminder_appointment_remind_status_not_cancelled() {
    assert_eq!(kinds(&event("appointment.remind").plan()), ["reminder"]);
    let cancelled = event("appointment.remind").set("booking.status", json!("Canceled"));
    assert!(kinds(&cancelled.plan()).is_empty());
}

#[test]
fn row_recall_appointment_recall() {
    assert_eq!(kinds(&event("appointment.recall").plan()), ["recall"]);
}

#[test]
fn row_reservation_completed_reservation_status_updated_is_completed_newly_true() {
    let plan = event("reservation.status_updated")
        .with_previous()
        .set("booking.isCompleted", json!(true))
        .plan();
    assert_eq!(kinds(&plan), ["reservation_completed"]);
    let again = event("reservation.status_updated")
        .set("booking.isCompleted", json!(true))
        .with_previous();
    assert!(kinds(&again.plan()).is_empty());
    // Reservations are not appointments: no `completed`.
    let created = event("reservation.created").set("booking.isCompleted", json!(true));
    assert!(kinds(&created.plan()).is_empty());
}

#[test]
fn first_match_wins_status_change_to_approved_over_date_change() {
    let plan = approved_from_pending("appointment.updated")
        .set("booking.startsOn", json!("2026-12-04T15:00:00Z"))
        .plan();
    assert_eq!(kinds(&plan), ["confirmation"]);
    let verdicts: Vec<_> = plan.verdicts.iter().filter(|v| v.outcome.is_ok()).collect();
    assert_eq!(verdicts[0].kind, Kind::Confirmation);
    assert_eq!(plan.client_kind, Some(Kind::Confirmation));
}

#[test]
fn one_event_gives_at_most_one_client_kind() {
    // A completed appointment is Approved too; completed wins only when confirmation fails.
    let plan = event("appointment.status_updated")
        .with_previous()
        .set("previousBooking.status", json!("PendingStaffApproval"))
        .set("booking.isCompleted", json!(true))
        .plan();
    assert_eq!(kinds(&plan), ["confirmation"]);
    assert_eq!(
        plan.verdicts
            .iter()
            .filter(|v| !v.kind.is_staff() && v.outcome.is_ok())
            .count(),
        1
    );
}

#[test]
fn unknown_event_types_plan_nothing_and_say_so() {
    let plan = event("client.consent_updated").plan();
    assert!(plan.notifications.is_empty());
    assert_eq!(
        plan.ignored.as_deref(),
        Some("event type `client.consent_updated` is not one we act on")
    );
}
