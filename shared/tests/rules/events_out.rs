//! Booking events out: one test per row of the detail-type table.

use super::*;

/// The detail-type published for `body` (`[events_out]` on).
fn detail_type(body: &support::Body) -> String {
    planned_event(body)
        .expect("an event is published for every known type")
        .detail_type
        .name()
}

fn planned_event(body: &support::Body) -> Option<booxi_notify::domain::events_out::PlannedEvent> {
    let config = Config::from_toml("[events_out]\nbus = \"b\"").unwrap();
    let event = body.parse();
    let plan = booxi_notify::plan(&event, &config);
    booxi_notify::domain::events_out::planned(&event, &config, &plan)
}

#[test]
fn row_detail_type_booking_created_whatever_the_status() {
    for status in ["Approved", "PendingStaffApproval", "PendingClientApproval"] {
        let created = event("appointment.created").set("booking.status", json!(status));
        assert_eq!(detail_type(&created), "Booking Created", "{status}");
    }
    assert_eq!(
        detail_type(&event("reservation.created")),
        "Booking Created"
    );
}

#[test]
fn row_detail_type_reminder_due_and_recall_due() {
    assert_eq!(detail_type(&event("appointment.remind")), "Reminder Due");
    // Even for a canceled booking (no reminder message goes; the detail says cancelled).
    let canceled = event("appointment.remind").set("booking.status", json!("Cancelled"));
    assert_eq!(detail_type(&canceled), "Reminder Due");
    assert_eq!(detail_type(&event("appointment.recall")), "Recall Due");
}

#[test]
fn row_detail_type_booking_canceled_appointment_canceled_or_status_changed_to_cancelled() {
    let canceled = event("appointment.status_updated")
        .with_previous()
        .set("booking.status", json!("Cancelled"));
    assert_eq!(detail_type(&canceled), "Booking Canceled");
    // appointment.canceled says it by its type.
    assert_eq!(
        detail_type(&event("appointment.canceled")),
        "Booking Canceled"
    );
    // Cancelled before and after: not news.
    let still = canceled
        .set("previousBooking.status", json!("Cancelled"))
        .set("booking.startsOn", json!("2026-12-04T15:00:00Z"));
    assert_eq!(detail_type(&still), "Booking Moved");
}

#[test]
fn row_detail_type_booking_no_show_presence_changed() {
    let no_show = event("appointment.status_updated")
        .with_previous()
        .set("booking.client.presence", json!("NoShow"));
    assert_eq!(detail_type(&no_show), "Booking No-Show");
    // Without the presence before: unknown is not a change.
    let unknown =
        event("appointment.status_updated").set("booking.client.presence", json!("NoShow"));
    assert_eq!(detail_type(&unknown), "Booking Updated");
}

#[test]
fn row_detail_type_booking_completed() {
    let completed = event("appointment.status_updated")
        .with_previous()
        .set("booking.isCompleted", json!(true));
    assert_eq!(detail_type(&completed), "Booking Completed");
    assert_eq!(
        detail_type(&event("appointment.completed")),
        "Booking Completed"
    );
    let reservation = event("reservation.status_updated")
        .with_previous()
        .set("booking.isCompleted", json!(true));
    assert_eq!(detail_type(&reservation), "Booking Completed");
    // Completed before already: not news.
    let again = completed.set("previousBooking.isCompleted", json!(true));
    assert_eq!(detail_type(&again), "Booking Updated");
}

#[test]
fn row_detail_type_booking_approved_and_pending_approval_status_changed() {
    assert_eq!(
        detail_type(&approved_from_pending("appointment.updated")),
        "Booking Approved"
    );
    // Approved and moved in one update: Approved is first; `changes` says both.
    let both = approved_from_pending("appointment.updated")
        .set("booking.startsOn", json!("2026-12-04T15:00:00Z"));
    assert_eq!(detail_type(&both), "Booking Approved");
    let pending = event("appointment.status_updated")
        .with_previous()
        .set("booking.status", json!("PendingClientApproval"));
    assert_eq!(detail_type(&pending), "Booking Pending Approval");
}

#[test]
fn row_detail_type_booking_moved_date_staff_or_location() {
    let base = || event("appointment.updated").with_previous();
    for moved in [
        base().set("booking.startsOn", json!("2026-12-04T15:00:00Z")),
        base().set("booking.staffId", json!(2102)),
        base().set("booking.location", json!("Phone")),
    ] {
        assert_eq!(detail_type(&moved), "Booking Moved");
    }
}

#[test]
fn row_detail_type_booking_updated_anything_else() {
    // An update with nothing we can see changed, and types no message row uses.
    assert_eq!(
        detail_type(&event("appointment.updated").with_previous()),
        "Booking Updated"
    );
    assert_eq!(
        detail_type(&event("reservation.updated")),
        "Booking Updated"
    );
    // A type we do not act on publishes nothing.
    assert!(planned_event(&event("booking.unknown")).is_none());
    // Without [events_out], nothing is planned at all.
    let created = event("appointment.created");
    let plan = created.plan();
    assert!(
        booxi_notify::domain::events_out::planned(&created.parse(), &Config::default(), &plan)
            .is_none()
    );
}

#[test]
fn explain_says_which_detail_type_row_applied_and_why_the_others_did_not() {
    let explained = planned_event(
        &event("appointment.updated")
            .with_previous()
            .set("booking.staffId", json!(2102)),
    )
    .unwrap()
    .explain();
    assert!(
        explained.contains("  match     Booking Moved: changed(start date/time) or changed(staff) or changed(location)\n"),
        "{explained}"
    );
    assert!(
        explained.contains("  no match  Booking Approved: status = Approved and status changed\n            because the status did not change (still Approved)\n"),
        "{explained}"
    );
    assert!(
        explained.contains("  -         Booking Updated: any other event about the booking (not evaluated: an earlier row matched)\n"),
        "{explained}"
    );
    assert!(
        explained
            .contains("  event     Booking Moved (published once the event's messages are done)\n"),
        "{explained}"
    );
}
