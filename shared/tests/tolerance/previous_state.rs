//! The previous state: `previousBooking` or `previous`; without it, no status change.

use super::*;

fn pending_to_approved(previous_key: &str) -> Value {
    let mut c = content(booking("Approved"));
    c[previous_key] = booking("PendingStaffApproval");
    envelope("appointment.updated", c)
}

#[test]
fn previous_state_may_be_spelled_previous_booking() {
    let body = pending_to_approved("previousBooking");
    let e = event(&body);
    assert_eq!(
        e.previous.as_ref().and_then(|p| p.status.clone()),
        Some(Status::PendingStaffApproval)
    );
    let p = planned(&body);
    assert_eq!(p.client_kind, Some(Kind::Confirmation));
    assert!(kinds(&p).contains(&Kind::StaffApproved), "{:?}", kinds(&p));
}

#[test]
fn previous_state_may_be_spelled_previous() {
    let body = pending_to_approved("previous");
    let e = event(&body);
    assert_eq!(
        e.previous.as_ref().and_then(|p| p.status.clone()),
        Some(Status::PendingStaffApproval)
    );
    assert_eq!(
        planned(&body),
        planned(&pending_to_approved("previousBooking"))
    );
}

#[test]
fn without_previous_state_an_update_is_no_status_change() {
    // "a missing previous status counts as changed only on appointment.created"
    let body = envelope("appointment.updated", content(booking("Approved")));
    let p = planned(&body);
    assert_eq!(p.client_kind, None);
    assert!(p.notifications.is_empty(), "{:?}", sent(&p));
}
