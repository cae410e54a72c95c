//! The staff table of `docs/rules.md`: one test per row, the actor and the staff
//! fallback address.

use super::*;

#[test]
fn row_staff_new_booking_created_approved_or_pending_staff_approval_with_staff() {
    for status in ["Approved", "PendingStaffApproval"] {
        let plan = event("appointment.created")
            .set("booking.status", json!(status))
            .plan();
        assert_eq!(staff_kinds(&plan), ["staff_new_booking"], "{status}");
        assert_eq!(
            line(&plan, "staff_new_booking", "staff", "email")["to"],
            "marie@example.com"
        );
    }
    let awaiting =
        event("appointment.created").set("booking.status", json!("PendingClientApproval"));
    assert!(staff_kinds(&awaiting.plan()).is_empty());
}

#[test]
fn row_staff_needs_dispatch_created_without_staff() {
    let plan = event("appointment.created")
        .remove("booking.staffId")
        .remove("staff")
        .plan();
    assert_eq!(staff_kinds(&plan), ["staff_needs_dispatch"]);
    // Without staff it goes to the merchant's address (no fallback configured).
    assert_eq!(
        line(&plan, "staff_needs_dispatch", "staff", "email")["to"],
        "store@example.com"
    );
}

#[test]
fn row_staff_flexible_dates_created_with_client_availabilities() {
    let plan = event("appointment.created")
        .set("booking.status", json!("PendingStaffApproval"))
        .remove("booking.startsOn")
        .set(
            "booking.clientAvailability",
            json!([{"from": "2026-12-07T14:00:00Z", "to": "2026-12-07T20:00:00Z"}]),
        )
        .plan();
    assert_eq!(
        staff_kinds(&plan),
        ["staff_new_booking", "staff_flexible_dates"]
    );
    let fixed = event("appointment.created").set("booking.clientAvailability", json!([]));
    assert!(!staff_kinds(&fixed.plan()).contains(&"staff_flexible_dates".to_owned()));
}

#[test]
fn row_staff_approved_confirmation_of_a_pending_booking() {
    for pending in ["PendingStaffApproval", "PendingClientApproval"] {
        let plan = event("appointment.status_updated")
            .with_previous()
            .set("previousBooking.status", json!(pending))
            .plan();
        assert_eq!(staff_kinds(&plan), ["staff_approved"], "{pending}");
    }
    // Created Approved: a new booking, not an approval.
    assert_eq!(
        staff_kinds(&event("appointment.created").plan()),
        ["staff_new_booking"]
    );
    // Reinstated from Cancelled: not an approval of a pending booking.
    let reinstated = event("appointment.updated")
        .with_previous()
        .set("previousBooking.status", json!("Cancelled"));
    assert_eq!(kinds(&reinstated.plan()), ["confirmation"]);
    assert!(staff_kinds(&reinstated.plan()).is_empty());
}

#[test]
fn row_staff_changed_when_client_changed() {
    let plan = event("appointment.updated")
        .with_previous()
        .set("booking.startsOn", json!("2026-12-04T15:00:00Z"))
        .plan();
    assert_eq!(staff_kinds(&plan), ["staff_changed"]);
}

#[test]
fn row_staff_canceled_when_client_canceled_by_store_or_client() {
    for by in ["Staff", "Client"] {
        let plan = cancelled("appointment.status_updated")
            .set("booking.modifiedBy", json!(by))
            .plan();
        assert_eq!(staff_kinds(&plan), ["staff_canceled"], "{by}");
    }
}

#[test]
fn staff_actor_is_client_self_or_other_staff() {
    let actor = |body: support::Body| {
        let plan = body.plan();
        let staff = plan
            .notifications
            .iter()
            .find(|n| n.kind.is_staff())
            .expect("a staff message");
        serde_json::to_value(staff).unwrap()["actor"].clone()
    };
    let by_client =
        cancelled("appointment.status_updated").set("booking.modifiedBy", json!("Client"));
    assert_eq!(actor(by_client), "client");
    let by_self = cancelled("appointment.status_updated")
        .set("booking.modifiedBy", json!("Staff"))
        .set("booking.modifiedByStaffId", json!(2101));
    assert_eq!(actor(by_self), "self");
    let by_other = cancelled("appointment.status_updated")
        .set("booking.modifiedBy", json!("Staff"))
        .set("booking.modifiedByStaffId", json!(2107));
    assert_eq!(actor(by_other), "other_staff");
    // Created: createdBy / createdByStaffId decide.
    let created_by_self = event("appointment.created")
        .set("booking.createdBy", json!("Staff"))
        .set("booking.createdByStaffId", json!("2101"));
    assert_eq!(actor(created_by_self), "self");
    assert_eq!(actor(event("appointment.created")), "client");
}

#[test]
fn staff_fallback_address_then_merchant_email_then_skipped_with_reason() {
    let unassigned = || {
        event("appointment.created")
            .remove("booking.staffId")
            .remove("staff")
    };
    let config = Config::from_toml("staff_fallback_email = \"desk@example.com\"").unwrap();
    let plan = unassigned().plan_with(&config);
    assert_eq!(
        line(&plan, "staff_needs_dispatch", "staff", "email")["to"],
        "desk@example.com"
    );
    assert_eq!(
        line(&plan, "staff_needs_dispatch", "staff", "email")["actor"],
        "client"
    );

    let plan = unassigned().plan();
    assert_eq!(
        line(&plan, "staff_needs_dispatch", "staff", "email")["to"],
        "store@example.com"
    );

    let plan = unassigned().remove("merchant.email").plan();
    assert!(staff_kinds(&plan).is_empty());
    assert!(
        skip_reasons(&plan).contains(
            &"staff_needs_dispatch: no staff email, no staff_fallback_email and no merchant email"
                .to_owned()
        ),
        "{:?}",
        skip_reasons(&plan)
    );
}

#[test]
fn staff_without_email_falls_back_like_no_staff() {
    let plan = event("appointment.created")
        .remove("staff.communicationEmail")
        .plan();
    assert_eq!(
        line(&plan, "staff_new_booking", "staff", "email")["to"],
        "store@example.com"
    );
}

#[test]
fn staff_messages_are_not_muted_by_client_communication() {
    let plan = event("appointment.created")
        .set("booking.clientCommunication", json!("DoNotSend"))
        .plan();
    assert_eq!(summary(&plan), ["staff_new_booking/staff/email"]);
}

#[test]
fn each_staff_kind_can_be_turned_off() {
    let config = Config::from_toml("staff_kinds = [\"staff_canceled\"]").unwrap();
    let plan = event("appointment.created").plan_with(&config);
    assert!(staff_kinds(&plan).is_empty());
    assert!(skip_reasons(&plan).iter().any(|r| r.contains("turned off")));
    let plan = cancelled("appointment.canceled").plan_with(&config);
    assert_eq!(staff_kinds(&plan), ["staff_canceled"]);
}
