//! One test per row of `docs/rules.md`, named after the row, and one per rule of
//! its Recipients, Channels, Links and Language sections.

mod support;

use booxi_notify::Config;
use booxi_notify::domain::notification::Kind;
use serde_json::{Value, json};
use support::{TRACKING, client_kinds, event, line, skip_reasons, staff_kinds, summary};

fn kinds(plan: &booxi_notify::Plan) -> Vec<String> {
    client_kinds(plan)
}

// ======================================================================= client table

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

// ======================================================================= staff table

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

// ======================================================================= recipients

#[test]
fn do_not_send_reaches_neither_client_nor_attendees() {
    let plan = group("DoNotSend").plan();
    assert!(client_kinds(&plan).is_empty());
    assert!(skip_reasons(&plan).iter().any(|r| r.contains("DoNotSend")));
}

#[test]
fn client_only_and_absent_reach_only_the_client() {
    for communication in [json!("ClientOnly"), Value::Null] {
        let plan = group_with(communication.clone()).plan();
        assert_eq!(
            summary(&plan),
            ["reservation_completed/client/email"],
            "{communication}"
        );
    }
}

#[test]
fn client_and_attendees_reach_each_with_own_contact_language_and_video() {
    let plan = group("ClientAndAttendees").plan();
    assert_eq!(
        summary(&plan),
        [
            "reservation_completed/client/email",
            "reservation_completed/attendee/email",
            "reservation_completed/attendee/email"
        ]
    );
    let attendees: Vec<Value> = plan
        .notifications
        .iter()
        .filter(|n| n.audience == booxi_notify::domain::notification::Audience::Attendee)
        .map(|n| serde_json::to_value(n).unwrap())
        .collect();
    assert_eq!(attendees[0]["to"], "luc@example.com");
    assert_eq!(attendees[0]["language"], "fre");
    assert_eq!(attendees[0]["video_url"], "https://meet.example.com/luc");
    assert_eq!(attendees[1]["to"], "ana@example.com");
    assert_eq!(attendees[1]["language"], "por");
    assert_eq!(attendees[1]["video_url"], "https://meet.example.com/ana");
    // The requesting client listed among attendees is not written to twice.
    assert!(
        skip_reasons(&plan)
            .iter()
            .any(|r| r.contains("requesting client"))
    );
}

#[test]
fn attendees_get_no_link_to_the_requesting_clients_tracking_page() {
    let plan = event("appointment.remind")
        .set("booking.bookingMethod", json!("GroupReservation"))
        .set(
            "booking.attendees",
            json!([{"id": 2, "firstName": "Luc", "email": "luc@example.com", "remindByEmail": true,
                    "videoConferenceUrl": "https://meet.example.com/luc"}]),
        )
        .set("booking.clientCommunication", json!("ClientAndAttendees"))
        .set("booking.client.remindBySMS", json!(false))
        .plan();
    assert_eq!(
        summary(&plan),
        ["reminder/client/email", "reminder/attendee/email"]
    );
    let json = |n| serde_json::to_value(n).unwrap();
    let client = json(&plan.notifications[0]);
    assert!(client["links"]["view"].is_string(), "{client}");
    let attendee = json(&plan.notifications[1]);
    assert!(attendee.get("links").is_none(), "{attendee}");
    assert_eq!(attendee["video_url"], "https://meet.example.com/luc");
}

// ======================================================================= channels

#[test]
fn reminder_by_email_only_if_remind_by_email() {
    let plan = event("appointment.remind")
        .set("booking.client.remindByEmail", json!(false))
        .plan();
    assert_eq!(summary(&plan), ["reminder/client/sms"]);
}

#[test]
fn an_sms_without_a_valid_mobile_goes_by_email_when_its_email_does_not_go_anyway() {
    // A reminder by SMS only (remindByEmail false) to a number that cannot be read.
    let invalid = event("appointment.remind")
        .set("booking.client.remindByEmail", json!(false))
        .set("booking.client.mobilePhoneNumber", json!("12"));
    let plan = invalid.plan();
    assert_eq!(summary(&plan), ["reminder/client/email"]);
    assert_eq!(
        line(&plan, "reminder", "client", "email")["fallback_for"],
        "sms"
    );
    // No number at all, with consent: the same.
    let missing = event("appointment.remind")
        .set("booking.client.remindByEmail", json!(false))
        .remove("booking.client.mobilePhoneNumber");
    assert_eq!(summary(&missing.plan()), ["reminder/client/email"]);
    // The email goes anyway (a confirmation): never a second one.
    let confirmation =
        event("appointment.created").set("booking.client.mobilePhoneNumber", json!("12"));
    let plan = confirmation.plan();
    assert_eq!(
        summary(&plan)
            .iter()
            .filter(|m| m.starts_with("confirmation/client/"))
            .collect::<Vec<_>>(),
        ["confirmation/client/email"]
    );
    assert!(
        line(&plan, "confirmation", "client", "email")
            .get("fallback_for")
            .is_none()
    );
    // Without SMS consent there is no SMS to fall back from.
    let no_consent = event("appointment.remind")
        .set("booking.client.remindByEmail", json!(false))
        .set("booking.client.remindBySMS", json!(false));
    assert!(no_consent.plan().notifications.is_empty());
    // Turned off (sms_fallback_email = false): nothing instead.
    let off = Config::from_toml("sms_fallback_email = false").unwrap();
    assert!(invalid.plan_with(&off).notifications.is_empty());
}

#[test]
fn an_sms_that_cannot_go_at_send_time_falls_back_to_the_same_persons_email_once() {
    use booxi_notify::domain::notification::Channel;
    use booxi_notify::domain::rules::email_fallback;
    let body = event("appointment.remind").set("booking.client.remindByEmail", json!(false));
    let (parsed, config) = (body.parse(), Config::default());
    let plan = body.plan();
    let sms = &plan.notifications[0];
    assert_eq!(sms.channel, Channel::Sms);
    let email = email_fallback(&parsed, &config, sms, &plan.notifications).unwrap();
    assert_eq!(
        (email.kind, email.channel, email.fallback_for),
        (Kind::Reminder, Channel::Email, Some(Channel::Sms))
    );
    assert_eq!(email.to.as_str(), "jane@example.com");
    // Not when the email is planned anyway, nor from an email, nor when turned off.
    let both = event("appointment.remind").plan();
    let sms = both
        .notifications
        .iter()
        .find(|n| n.channel == Channel::Sms)
        .unwrap();
    assert!(email_fallback(&parsed, &config, sms, &both.notifications).is_none());
    assert!(email_fallback(&parsed, &config, &email, &plan.notifications).is_none());
    let off = Config::from_toml("sms_fallback_email = false").unwrap();
    assert!(email_fallback(&parsed, &off, &plan.notifications[0], &plan.notifications).is_none());
    // A client without a usable address: nothing.
    let no_email = body.clone().remove("booking.client.email");
    let plan = no_email.plan();
    assert!(
        email_fallback(
            &no_email.parse(),
            &config,
            &plan.notifications[0],
            &plan.notifications
        )
        .is_none()
    );
}

#[test]
fn reminder_by_sms_only_if_remind_by_sms() {
    let plan = event("appointment.remind")
        .set("booking.client.remindBySMS", json!(false))
        .plan();
    assert_eq!(summary(&plan), ["reminder/client/email"]);
}

#[test]
fn reminder_both_or_neither() {
    let both = event("appointment.remind").plan();
    assert_eq!(
        summary(&both),
        ["reminder/client/email", "reminder/client/sms"]
    );
    let neither = event("appointment.remind")
        .set("booking.client.remindByEmail", json!(false))
        .remove("booking.client.remindBySMS")
        .plan();
    assert!(neither.notifications.is_empty());
    assert!(skip_reasons(&neither).contains(&"reminder: remindByEmail is not true".to_owned()));
}

#[test]
fn other_kinds_go_by_email_by_default() {
    let plan = event("appointment.recall").plan();
    assert_eq!(summary(&plan), ["recall/client/email"]);
    let no_email = event("appointment.recall")
        .remove("booking.client.email")
        .plan();
    assert!(no_email.notifications.is_empty());
    assert!(skip_reasons(&no_email).contains(&"recall: no email address".to_owned()));
}

#[test]
fn sms_only_for_kinds_enabled_for_sms_and_only_with_consent() {
    // Default SMS kinds: confirmation, changed, canceled_by_store, reminder.
    let confirmation = event("appointment.created").plan();
    assert!(summary(&confirmation).contains(&"confirmation/client/sms".to_owned()));
    let by_client = cancelled("appointment.canceled")
        .set("booking.modifiedBy", json!("Client"))
        .plan();
    assert_eq!(client_kinds(&by_client), ["canceled_by_client"]);
    assert!(!summary(&by_client).iter().any(|s| s.ends_with("/sms")));
    let no_consent = event("appointment.created")
        .set("booking.client.remindBySMS", json!(false))
        .plan();
    assert!(!summary(&no_consent).iter().any(|s| s.ends_with("/sms")));
    assert!(
        skip_reasons(&no_consent)
            .contains(&"confirmation: no SMS consent (remindBySMS is not true)".to_owned())
    );

    let config = Config::from_toml("sms_kinds = [\"recall\"]").unwrap();
    assert_eq!(
        summary(&event("appointment.recall").plan_with(&config)),
        ["recall/client/email", "recall/client/sms"]
    );
    assert_eq!(
        summary(&event("appointment.created").plan_with(&config))[..1],
        ["confirmation/client/email"]
    );
}

#[test]
fn default_sms_kinds_are_confirmation_changed_canceled_by_store_reminder() {
    let sms: Vec<_> = Config::default()
        .sms_kinds
        .iter()
        .map(|k| k.name())
        .collect();
    assert_eq!(
        sms,
        ["confirmation", "changed", "canceled_by_store", "reminder"]
    );
}

#[test]
fn sms_goes_to_the_e164_number() {
    let plan = event("appointment.created").plan();
    assert_eq!(
        line(&plan, "confirmation", "client", "sms")["to"],
        "+15145550123"
    );
}

#[test]
fn a_number_that_cannot_be_e164_is_skipped_with_a_reason_never_sent_as_is() {
    let plan = event("appointment.created")
        .set("booking.client.mobilePhoneNumber", json!("555-01"))
        .plan();
    assert!(!summary(&plan).contains(&"confirmation/client/sms".to_owned()));
    assert!(
        skip_reasons(&plan).contains(
            &"confirmation: phone number cannot be made E.164 with country CA".to_owned()
        ),
        "{:?}",
        skip_reasons(&plan)
    );
}

#[test]
fn national_numbers_use_the_store_country() {
    let plan = event("appointment.created")
        .set("merchant.address.country", json!("FR"))
        .set("booking.client.mobilePhoneNumber", json!("06 12 34 56 78"))
        .plan();
    assert_eq!(
        line(&plan, "confirmation", "client", "sms")["to"],
        "+33612345678"
    );
}

#[test]
fn kinds_can_be_disabled() {
    let config = Config::from_toml("enabled_kinds = [\"reminder\"]").unwrap();
    let plan = event("appointment.created").plan_with(&config);
    assert_eq!(summary(&plan), ["staff_new_booking/staff/email"]);
    assert!(skip_reasons(&plan).iter().any(|r| r.contains("disabled")));
}

// ======================================================================= links

#[test]
fn view_link_is_the_tracking_page_with_the_client_language() {
    // The reminder offers to reschedule or cancel when the page allows it (issue 13).
    let plan = event("appointment.remind").plan();
    let links = &line(&plan, "reminder", "client", "email")["links"];
    assert_eq!(
        links,
        &json!({
            "view": format!("{TRACKING}?lang=eng"),
            "modify": format!("{TRACKING}?lang=eng&action=modify"),
            "cancel": format!("{TRACKING}?lang=eng&action=cancel"),
        })
    );
    let plan = event("appointment.remind")
        .set("booking.trackingPage.canModify", json!(false))
        .set("booking.trackingPage.canCancel", json!(false))
        .plan();
    let links = &line(&plan, "reminder", "client", "email")["links"];
    assert_eq!(links, &json!({"view": format!("{TRACKING}?lang=eng")}));
    let french = event("appointment.remind")
        .set("booking.client.language", json!("fr-CA"))
        .plan();
    assert_eq!(
        line(&french, "reminder", "client", "email")["links"]["view"],
        format!("{TRACKING}?lang=fre")
    );
}

#[test]
fn a_language_without_templates_is_explained_and_the_link_carries_the_language_used() {
    // No templates in `xyz` and no merchant default language: English, and lang=eng.
    let body = event("appointment.remind")
        .set("booking.client.language", json!("xyz"))
        .set("merchant.defaultLanguage", Value::Null);
    let plan = body.plan();
    let reminder = line(&plan, "reminder", "client", "email");
    assert_eq!(reminder["language"], "eng");
    assert_eq!(reminder["links"]["view"], format!("{TRACKING}?lang=eng"));
    assert_eq!(
        plan.notes,
        [
            "reminder to client: no reminder templates in `xyz`, written in eng \
             (English, the last resort); its links carry lang=eng"
        ]
    );
    assert!(plan.explain().contains(
        "  language  reminder to client: no reminder templates in `xyz`, written in eng"
    ));
    // With a merchant default language that has templates, that one, and said so.
    let plan = body.set("merchant.defaultLanguage", json!("fre")).plan();
    let reminder = line(&plan, "reminder", "client", "email");
    assert_eq!(reminder["links"]["view"], format!("{TRACKING}?lang=fre"));
    assert_eq!(
        plan.notes,
        [
            "reminder to client: no reminder templates in `xyz`, written in fre \
             (the merchant's default language); its links carry lang=fre"
        ]
    );
    // A language that has templates needs no note.
    let plan = event("appointment.remind")
        .set("booking.client.language", json!("spa"))
        .plan();
    assert!(plan.notes.is_empty(), "{:?}", plan.notes);
}

#[test]
fn cta_links_only_when_the_kind_lists_them_and_the_page_allows() {
    let links = |body: support::Body, kind: &str| {
        line(&body.plan(), kind, "client", "email")["links"].clone()
    };
    // confirmation: view, modify, cancel (never confirm, even if allowed).
    let l = links(event("appointment.created"), "confirmation");
    assert_eq!(l["modify"], format!("{TRACKING}?lang=eng&action=modify"));
    assert_eq!(l["cancel"], format!("{TRACKING}?lang=eng&action=cancel"));
    assert!(l.get("confirm").is_none());
    // request_received: view, cancel.
    let l = links(
        event("appointment.created").set("booking.status", json!("PendingStaffApproval")),
        "request_received",
    );
    assert_eq!(keys(&l), ["cancel", "view"]);
    // awaiting_client_confirmation: view, confirm, modify, cancel.
    let l = links(
        event("appointment.created").set("booking.status", json!("PendingClientApproval")),
        "awaiting_client_confirmation",
    );
    assert_eq!(keys(&l), ["cancel", "confirm", "modify", "view"]);
    assert_eq!(l["confirm"], format!("{TRACKING}?lang=eng&action=confirm"));
    // The page forbids modify: no modify link.
    let l = links(
        event("appointment.created").set("booking.trackingPage.canModify", json!(false)),
        "confirmation",
    );
    assert_eq!(keys(&l), ["cancel", "view"]);
    // changed: view, modify, cancel.
    let l = links(
        event("appointment.updated")
            .with_previous()
            .set("booking.startsOn", json!("2026-12-04T15:00:00Z")),
        "changed",
    );
    assert_eq!(keys(&l), ["cancel", "modify", "view"]);
    // Cancellations and no-shows: view only.
    let l = links(
        cancelled("appointment.canceled").set("booking.modifiedBy", json!("Staff")),
        "canceled_by_store",
    );
    assert_eq!(keys(&l), ["view"]);
    // completed, recall: no links.
    let plan = event("appointment.recall").plan();
    assert!(
        line(&plan, "recall", "client", "email")
            .get("links")
            .is_none()
    );
}

#[test]
fn no_tracking_page_means_no_links() {
    let plan = event("appointment.created")
        .remove("booking.trackingPage")
        .remove("booking.client.email")
        .plan();
    assert!(
        line(&plan, "confirmation", "client", "sms")
            .get("links")
            .is_none()
    );
}

#[test]
fn tracking_page_inside_client_is_read_too() {
    let page = json!({"viewURL": TRACKING, "canCancel": true});
    let plan = event("appointment.created")
        .remove("booking.trackingPage")
        .set("booking.client.trackingPage", page)
        .plan();
    assert_eq!(
        keys(&line(&plan, "confirmation", "client", "email")["links"]),
        ["cancel", "view"]
    );
}

#[test]
fn tracking_urls_of_any_form_get_lang_and_action() {
    let cases = [
        (
            "https://book.booxi.com/tracking/8c1f2a9e",
            "https://book.booxi.com/tracking/8c1f2a9e?lang=eng",
            "https://book.booxi.com/tracking/8c1f2a9e?lang=eng&action=cancel",
        ),
        (
            "https://book.booxi.com/tracking/8c1f2a9e?",
            "https://book.booxi.com/tracking/8c1f2a9e?lang=eng",
            "https://book.booxi.com/tracking/8c1f2a9e?lang=eng&action=cancel",
        ),
        (
            "https://book.booxi.com/tracking?code=8c1f&utm_source=mail",
            "https://book.booxi.com/tracking?code=8c1f&utm_source=mail&lang=eng",
            "https://book.booxi.com/tracking?code=8c1f&utm_source=mail&lang=eng&action=cancel",
        ),
        // Booxi's own lang/action are replaced; other parameters keep their encoding.
        (
            "https://book.booxi.com/t/x?lang=fre&tok=a%2Bb&flag&action=view",
            "https://book.booxi.com/t/x?tok=a%2Bb&flag&lang=eng",
            "https://book.booxi.com/t/x?tok=a%2Bb&flag&lang=eng&action=cancel",
        ),
        (
            "https://book.booxi.com/tracking/8c1f2a9e#summary",
            "https://book.booxi.com/tracking/8c1f2a9e?lang=eng#summary",
            "https://book.booxi.com/tracking/8c1f2a9e?lang=eng&action=cancel#summary",
        ),
        (
            "https://api.booxi.eu/track?b=1&&b=2",
            "https://api.booxi.eu/track?b=1&b=2&lang=eng",
            "https://api.booxi.eu/track?b=1&b=2&lang=eng&action=cancel",
        ),
    ];
    for (page, view, cancel) in cases {
        let plan = event("appointment.created")
            .set("booking.trackingPage.viewURL", json!(page))
            .plan();
        let l = &line(&plan, "confirmation", "client", "email")["links"];
        assert_eq!(
            (l["view"].as_str(), l["cancel"].as_str()),
            (Some(view), Some(cancel)),
            "{page}"
        );
    }
}

#[test]
fn video_links_per_recipient() {
    let plan = event("appointment.created").plan();
    assert_eq!(
        line(&plan, "confirmation", "client", "email")["video_url"],
        "https://meet.example.com/client"
    );
    assert_eq!(
        line(&plan, "staff_new_booking", "staff", "email")["video_url"],
        "https://meet.example.com/staff"
    );
}

#[test]
fn only_http_links_are_kept() {
    let plan = event("appointment.created")
        .set("booking.trackingPage.viewURL", json!("javascript:alert(1)"))
        .set(
            "booking.client.videoConferenceUrl",
            json!("ftp://x.example.com"),
        )
        .plan();
    let l = line(&plan, "confirmation", "client", "email");
    assert!(l.get("links").is_none());
    assert!(l.get("video_url").is_none());
}

// ======================================================================= language

#[test]
fn language_is_the_recipient_language_when_templates_exist() {
    for (given, code) in [
        ("fr", "fre"),
        ("spa", "spa"),
        ("pt-BR", "por"),
        ("nl", "nld"),
        ("de-DE", "deu"),
    ] {
        let plan = event("appointment.created")
            .set("booking.client.language", json!(given))
            .plan();
        assert_eq!(
            line(&plan, "confirmation", "client", "email")["language"],
            code,
            "{given}"
        );
    }
}

#[test]
fn language_falls_back_to_the_merchant_default_then_english() {
    let plan = event("appointment.created")
        .set("booking.client.language", json!("ita"))
        .set("merchant.defaultLanguage", json!("fre"))
        .plan();
    assert_eq!(
        line(&plan, "confirmation", "client", "email")["language"],
        "fre"
    );
    let plan = event("appointment.created")
        .remove("booking.client.language")
        .set("merchant.defaultLanguage", json!("jpn"))
        .plan();
    assert_eq!(
        line(&plan, "confirmation", "client", "email")["language"],
        "eng"
    );
    // Staff templates exist in English and French only.
    let plan = event("appointment.created")
        .set("staff.language", json!("spa"))
        .set("merchant.defaultLanguage", json!("spa"))
        .plan();
    assert_eq!(
        line(&plan, "staff_new_booking", "staff", "email")["language"],
        "eng"
    );
    let plan = event("appointment.created").plan();
    assert_eq!(
        line(&plan, "staff_new_booking", "staff", "email")["language"],
        "fre"
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

#[test]
fn every_skipped_message_has_a_reason_and_no_address() {
    let plan = event("appointment.created")
        .set("booking.client.email", json!("not-an-email"))
        .set("booking.client.mobilePhoneNumber", json!("12"))
        .plan();
    assert!(!plan.skipped.is_empty());
    for s in &plan.skipped {
        assert!(!s.reason.is_empty());
        assert!(
            !s.reason.contains("not-an-email") && !s.reason.contains("12 "),
            "{}",
            s.reason
        );
    }
}

// ======================================================================= helpers

// ======================================================================= SMS ([sms])

/// SMS for the reminder, the recall and the confirmation; quiet hours 21:00-08:00.
fn quiet(extra: &str) -> Config {
    Config::from_toml(&format!(
        "sms_kinds = [\"confirmation\", \"reminder\", \"recall\"]\n[sms]\nquiet_hours = \"21:00-08:00\"\n{extra}"
    ))
    .unwrap()
}

/// The event as if processed when Booxi sent it (`createdOn`): what `plan` shows.
fn sent_at(body: support::Body, created: &str, config: &Config) -> booxi_notify::Plan {
    let mut body = body;
    body.0["createdOn"] = json!(created);
    booxi_notify::plan_as_sent(&body.parse(), config)
}

/// `kind/audience/channel at` of each SMS held back.
fn held(plan: &booxi_notify::Plan) -> Vec<String> {
    plan.deferred
        .iter()
        .map(|s| {
            let v = serde_json::to_value(&s.notification).unwrap();
            format!(
                "{}/{}/{} {}",
                v["kind"].as_str().unwrap(),
                v["audience"].as_str().unwrap(),
                v["channel"].as_str().unwrap(),
                booxi_notify::domain::notification::utc_seconds(s.at)
            )
        })
        .collect()
}

#[test]
fn sms_allowed_countries() {
    // By default: the store's country (CA here) and default_country (CA).
    let french = event("appointment.created").set(
        "booking.client.mobilePhoneNumber",
        json!("+33 6 12 34 56 78"),
    );
    let plan = french.plan();
    assert!(!summary(&plan).contains(&"confirmation/client/sms".to_owned()));
    assert!(summary(&plan).contains(&"confirmation/client/email".to_owned()));
    assert!(
        skip_reasons(&plan).contains(
            &"confirmation: SMS to FR numbers is not allowed (allowed: CA, the store's country \
              and default_country; [sms] countries lists others)"
                .to_owned()
        ),
        "{:?}",
        skip_reasons(&plan)
    );
    assert_eq!(plan.sms_country_blocked, 1);
    // A French store texts French numbers, and default_country's.
    let in_paris = french.set("merchant.address.country", json!("FR")).plan();
    assert!(summary(&in_paris).contains(&"confirmation/client/sms".to_owned()));
    assert_eq!(in_paris.sms_country_blocked, 0);

    // The configured list replaces the default.
    let config = Config::from_toml("[sms]\ncountries = [\"FR\", \"US\"]").unwrap();
    let canadian = event("appointment.created").plan_with(&config);
    assert!(!summary(&canadian).contains(&"confirmation/client/sms".to_owned()));
    assert!(
        skip_reasons(&canadian).contains(
            &"confirmation: SMS to CA numbers is not allowed (allowed: FR, US, [sms] countries)"
                .to_owned()
        )
    );
    let american = event("appointment.created")
        .set("booking.client.mobilePhoneNumber", json!("+1 212 555 0123"))
        .plan_with(&config);
    assert!(summary(&american).contains(&"confirmation/client/sms".to_owned()));

    // A number of no country (international freephone): never.
    let freephone = event("appointment.created")
        .set("booking.client.mobilePhoneNumber", json!("+800 1234 5678"))
        .plan();
    assert!(!summary(&freephone).iter().any(|s| s.ends_with("/sms")));
    assert!(
        skip_reasons(&freephone).iter().any(|r| r.starts_with(
            "confirmation: the number belongs to no country (a non-geographic number): SMS is not allowed"
        )),
        "{:?}",
        skip_reasons(&freephone)
    );
    // Reasons carry no number.
    assert!(skip_reasons(&plan).iter().all(|r| !r.contains("612345678")));

    // A message that was to go by SMS only goes by email instead (the fallback).
    let reminder = event("appointment.remind")
        .set("booking.client.remindByEmail", json!(false))
        .set(
            "booking.client.mobilePhoneNumber",
            json!("+33 6 12 34 56 78"),
        )
        .plan();
    assert_eq!(summary(&reminder), ["reminder/client/email"]);
    assert_eq!(
        line(&reminder, "reminder", "client", "email")["fallback_for"],
        "sms"
    );
    let no_fallback = Config::from_toml("sms_fallback_email = false").unwrap();
    let reminder = event("appointment.remind")
        .set("booking.client.remindByEmail", json!(false))
        .set(
            "booking.client.mobilePhoneNumber",
            json!("+33 6 12 34 56 78"),
        )
        .plan_with(&no_fallback);
    assert!(reminder.notifications.is_empty());
}

#[test]
fn sms_quiet_hours_hold_back_quiet_kinds() {
    let config = quiet("");
    // A recall planned at 23:30 store time (Toronto, EST) goes at 08:00: 13:00 UTC.
    let recall = sent_at(
        event("appointment.recall"),
        "2026-12-03T23:30:00-05:00",
        &config,
    );
    assert_eq!(held(&recall), ["recall/client/sms 2026-12-04T13:00:00Z"]);
    // Its email goes at once: an email wakes no one.
    assert_eq!(summary(&recall), ["recall/client/email"]);
    assert!(
        recall.explain().contains(
            "  deferred  recall to client by sms until 2026-12-04T13:00:00Z: \
             2026-12-04T04:30:00Z is inside the quiet hours (21:00-08:00, America/Toronto)\n"
        ),
        "{}",
        recall.explain()
    );
    // A reminder at 22:00 for a booking tomorrow afternoon waits too.
    let reminder = sent_at(
        event("appointment.remind").set("booking.startsOn", json!("2026-12-04T19:00:00Z")),
        "2026-12-03T22:00:00-05:00",
        &config,
    );
    assert_eq!(
        held(&reminder),
        ["reminder/client/sms 2026-12-04T13:00:00Z"]
    );
    assert_eq!(summary(&reminder), ["reminder/client/email"]);
    // At 10:00 nothing waits; without quiet_hours nothing ever does.
    let day = sent_at(
        event("appointment.recall"),
        "2026-12-04T10:00:00-05:00",
        &config,
    );
    assert!(held(&day).is_empty());
    assert_eq!(summary(&day), ["recall/client/email", "recall/client/sms"]);
    let off = Config::from_toml("sms_kinds = [\"recall\"]").unwrap();
    let night = sent_at(
        event("appointment.recall"),
        "2026-12-03T23:30:00-05:00",
        &off,
    );
    assert!(held(&night).is_empty());
    // The kinds held back are configurable.
    let only_recall = quiet("quiet_kinds = [\"recall\"]");
    let reminder = sent_at(
        event("appointment.remind").set("booking.startsOn", json!("2026-12-04T19:00:00Z")),
        "2026-12-03T22:00:00-05:00",
        &only_recall,
    );
    assert!(held(&reminder).is_empty());
    assert_eq!(
        summary(&reminder),
        ["reminder/client/email", "reminder/client/sms"]
    );
}

#[test]
fn sms_quiet_hours_exempt_other_kinds() {
    let config = quiet("");
    let created = sent_at(
        event("appointment.created"),
        "2026-12-03T23:30:00-05:00",
        &config,
    );
    assert!(held(&created).is_empty());
    assert!(summary(&created).contains(&"confirmation/client/sms".to_owned()));
    // Unless listed.
    let listed = quiet("quiet_kinds = [\"confirmation\"]");
    let created = sent_at(
        event("appointment.created"),
        "2026-12-02T23:30:00-05:00",
        &listed,
    );
    assert_eq!(
        held(&created),
        ["confirmation/client/sms 2026-12-03T13:00:00Z"]
    );
}

#[test]
fn sms_quiet_hours_too_late_for_the_visit() {
    let config = quiet("");
    // A reminder at 23:30 for a visit at 07:30: the window ends at 08:00, after it.
    let early = event("appointment.remind").set("booking.startsOn", json!("2026-12-04T12:30:00Z"));
    let plan = sent_at(early, "2026-12-03T23:30:00-05:00", &config);
    assert!(held(&plan).is_empty());
    assert_eq!(summary(&plan), ["reminder/client/email"]);
    assert!(
        skip_reasons(&plan).contains(
            &"reminder: quiet hours (21:00-08:00, America/Toronto) end at 2026-12-04T13:00:00Z, \
              at or after the booking's start 2026-12-04T12:30:00Z: too late to matter"
                .to_owned()
        ),
        "{:?}",
        skip_reasons(&plan)
    );
    // Exactly at the end is too late as well; a minute later is not.
    let at_eight =
        event("appointment.remind").set("booking.startsOn", json!("2026-12-04T13:00:00Z"));
    assert!(held(&sent_at(at_eight, "2026-12-03T23:30:00-05:00", &config)).is_empty());
    let after = event("appointment.remind").set("booking.startsOn", json!("2026-12-04T13:01:00Z"));
    assert_eq!(
        held(&sent_at(after, "2026-12-03T23:30:00-05:00", &config)),
        ["reminder/client/sms 2026-12-04T13:00:00Z"]
    );
    // A recall is not about the visit ahead: it waits whatever its booking's time.
    let recall = event("appointment.recall").set("booking.startsOn", json!("2026-12-04T12:30:00Z"));
    assert_eq!(
        held(&sent_at(recall, "2026-12-03T23:30:00-05:00", &config)),
        ["recall/client/sms 2026-12-04T13:00:00Z"]
    );
}

#[test]
fn sms_quiet_hours_window_edges() {
    use booxi_notify::domain::sms::QuietHours;
    let config = quiet("");
    let recall_at = |created: &str| held(&sent_at(event("appointment.recall"), created, &config));
    // 21:00:00 and 07:59:59 are inside, 20:59:59 and 08:00:00 outside (EST, -05:00).
    assert_eq!(
        recall_at("2026-12-03T21:00:00-05:00"),
        ["recall/client/sms 2026-12-04T13:00:00Z"]
    );
    assert_eq!(
        recall_at("2026-12-04T07:59:59-05:00"),
        ["recall/client/sms 2026-12-04T13:00:00Z"]
    );
    assert!(recall_at("2026-12-03T20:59:59-05:00").is_empty());
    assert!(recall_at("2026-12-04T08:00:00-05:00").is_empty());
    // The night the clocks go forward (8 March 2026 in Toronto): 08:00 is daylight time.
    assert_eq!(
        recall_at("2026-03-07T23:30:00-05:00"),
        ["recall/client/sms 2026-03-08T12:00:00Z"]
    );
    // The night they go back (1 November 2026): 08:00 is standard time again.
    assert_eq!(
        recall_at("2026-10-31T23:30:00-04:00"),
        ["recall/client/sms 2026-11-01T13:00:00Z"]
    );
    // The store's zone: a Paris store's 23:30 waits for 08:00 in Paris.
    let paris = event("appointment.recall").set("merchant.timeZone", json!("Europe/Paris"));
    assert_eq!(
        held(&sent_at(paris, "2026-12-03T23:30:00+01:00", &config)),
        ["recall/client/sms 2026-12-04T07:00:00Z"]
    );

    let toronto = jiff::tz::TimeZone::get("America/Toronto").unwrap();
    let end = |window: &str, at: &str| {
        QuietHours::parse(window)
            .unwrap()
            .end_after(at.parse().unwrap(), &toronto)
            .map(|t| t.to_string())
    };
    // Within a day.
    assert_eq!(
        end("12:00-14:00", "2026-12-03T17:30:00Z").as_deref(),
        Some("2026-12-03T19:00:00Z")
    );
    assert_eq!(end("12:00-14:00", "2026-12-03T19:00:00Z"), None);
    // An end the clocks skip (02:30 on 8 March) is read as the time after the gap.
    assert_eq!(
        end("00:30-02:30", "2026-03-08T06:00:00Z").as_deref(),
        Some("2026-03-08T07:30:00Z")
    );
    // An end the clocks read twice (01:30 on 1 November): the first one after the time.
    assert_eq!(
        end("00:30-01:30", "2026-11-01T05:15:00Z").as_deref(),
        Some("2026-11-01T05:30:00Z")
    );
    assert_eq!(
        end("00:30-01:30", "2026-11-01T06:15:00Z").as_deref(),
        Some("2026-11-01T06:30:00Z")
    );
}

#[test]
fn sms_sender_per_country() {
    use booxi_notify::domain::contact::{Country, PhoneNumber};
    let config = Config::from_toml(
        r#"
[sms]
countries = ["CA", "US", "FR", "GB"]
sender_id = "Atelier"
origination_number = "+15145550100"

[sms.senders.CA]
origination_number = "+14165550100"

[sms.senders.FR]
sender_id = "ACMEOPTICS"
"#,
    )
    .unwrap();
    let number = |raw: &str| PhoneNumber::parse(raw, Country::parse("CA").unwrap()).unwrap();
    let sender = |raw: &str| {
        let s = config.sms.sender_for(&number(raw));
        (
            s.sender_id.map(|id| id.as_str().to_owned()),
            s.origination_number,
        )
    };
    // Its own table, exactly: Canada's number, no sender ID.
    assert_eq!(
        sender("+1 514 555 0123"),
        (None, Some("+14165550100".into()))
    );
    // France's sender ID, and no number (its table gives none).
    assert_eq!(
        sender("+33 6 12 34 56 78"),
        (Some("ACMEOPTICS".into()), None)
    );
    // No table: the default, without its sender ID where none is supported.
    assert_eq!(
        sender("+1 212 555 0123"),
        (None, Some("+15145550100".into()))
    );
    assert_eq!(
        sender("+44 7911 123456"),
        (Some("Atelier".into()), Some("+15145550100".into()))
    );
}

#[tokio::test]
async fn sms_daily_cap() {
    use booxi_notify::adapters::memory::MemoryStore;
    use booxi_notify::core::compose::RenderComposer;
    use booxi_notify::core::delivery::{Content, Courier, DeliverySettings, Outgoing, SendError};
    use booxi_notify::core::outcome::Status;
    use booxi_notify::core::process::Core;
    use booxi_notify::domain::contact::EmailAddress;
    use booxi_notify::render::{RenderConfig, Renderer};
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// Records the SMS that go; refuses them while `refuse` is set (nothing goes), times
    /// out while `time_out` is set (it may have gone).
    #[derive(Default)]
    struct Texts {
        sent: Mutex<Vec<String>>,
        refuse: AtomicBool,
        time_out: AtomicBool,
    }
    impl Courier for Texts {
        async fn send(&self, m: &Outgoing) -> Result<String, SendError> {
            if let Content::Sms(s) = &m.content {
                if self.refuse.load(Ordering::SeqCst) {
                    return Err(SendError::permanent("SNS Publish: AuthorizationError"));
                }
                if self.time_out.load(Ordering::SeqCst) {
                    return Err(SendError::retryable("timeout"));
                }
                self.sent.lock().unwrap().push(s.to.to_string());
            }
            Ok("id".into())
        }
    }
    let config = Config::from_toml("[sms]\nmax_per_day = 2").unwrap();
    let core = Core {
        store: MemoryStore::new(),
        courier: Texts::default(),
        composer: RenderComposer {
            renderer: Renderer::new(&RenderConfig::from(&config)).unwrap(),
            from: EmailAddress::parse("notify@example.com").unwrap(),
            reply_to: None,
        },
        config,
        delivery: DeliverySettings {
            retry: booxi_notify::core::delivery::RetryPolicy {
                max_attempts: 1,
                ..Default::default()
            },
            ..DeliverySettings::default()
        },
        emit_metrics: false,
        flows: None,
        queue: None,
        events_out: None,
    };
    let booking = |id: &str| {
        let mut body = event("appointment.created");
        body.0["eventId"] = json!(id);
        body.parse()
    };
    let sms_status = |summary: &booxi_notify::core::outcome::Summary| {
        summary
            .messages
            .iter()
            .find(|m| m.channel == Some(booxi_notify::domain::notification::Channel::Sms))
            .map(|m| (m.status(), m.reason().unwrap_or("").to_owned()))
            .unwrap()
    };
    // A send refused with the provider's answer sent nothing: given back.
    core.courier.refuse.store(true, Ordering::SeqCst);
    let refused = core.process(&booking("e0"), None).await.unwrap();
    assert_eq!(sms_status(&refused).0, Status::Failed);
    core.courier.refuse.store(false, Ordering::SeqCst);
    // Two SMS go; the same event again counts nothing more (sent before).
    for id in ["e1", "e2", "e1"] {
        let summary = core.process(&booking(id), None).await.unwrap();
        assert_ne!(sms_status(&summary).0, Status::Skipped, "{id}: {summary:?}");
    }
    // The third is over the cap: skipped with the reason, its email still goes.
    let third = core.process(&booking("e3"), None).await.unwrap();
    let (status, reason) = sms_status(&third);
    assert_eq!(status, Status::Skipped);
    assert!(
        reason.starts_with("over the daily SMS cap: 2 SMS already counted for this merchant on 20"),
        "{reason}"
    );
    assert!(third.messages.iter().any(|m| m.channel
        == Some(booxi_notify::domain::notification::Channel::Email)
        && m.status() == Status::Sent));
    assert_eq!(core.courier.sent.lock().unwrap().len(), 2);
    // A reminder that was to go by SMS only goes by email over the cap (the fallback).
    let mut reminder =
        event("appointment.remind").set("booking.client.remindByEmail", json!(false));
    reminder.0["eventId"] = json!("r1");
    let summary = core.process(&reminder.parse(), None).await.unwrap();
    let statuses: Vec<(String, String, Option<&str>)> = summary
        .messages
        .iter()
        .map(|m| {
            (
                format!("{:?}", m.channel),
                format!("{:?}", m.status()),
                m.fallback_for
                    .map(booxi_notify::domain::notification::channel_name),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("Some(Sms)".into(), "Skipped".into(), None),
            ("Some(Email)".into(), "Sent".into(), Some("sms")),
            // The plan's own word on the email: no email reminders asked for.
            ("Some(Email)".into(), "Skipped".into(), None)
        ],
        "{summary:?}"
    );
    // Another merchant has its own counter.
    let mut other = event("appointment.created");
    other.0["eventId"] = json!("e4");
    let other = other.set("merchant.id", json!(6)).parse();
    let summary = core.process(&other, None).await.unwrap();
    assert_eq!(sms_status(&summary).0, Status::Sent);
    // A send that may have gone (a timeout) stays counted, and its retry (Booxi's, after
    // the 503) finds it counted rather than over the cap: merchant 6 has counted e4 and
    // e5, so e6 is over.
    core.courier.time_out.store(true, Ordering::SeqCst);
    let mut timed_out = event("appointment.created");
    timed_out.0["eventId"] = json!("e5");
    let timed_out = timed_out.set("merchant.id", json!(6)).parse();
    let first = core.process(&timed_out, None).await.unwrap();
    assert_eq!(sms_status(&first).0, Status::Failed);
    core.courier.time_out.store(false, Ordering::SeqCst);
    let retry = core.process(&timed_out, None).await.unwrap();
    assert_eq!(sms_status(&retry).0, Status::Sent, "{retry:?}");
    let mut last = event("appointment.created");
    last.0["eventId"] = json!("e6");
    let last = last.set("merchant.id", json!(6)).parse();
    assert_eq!(
        sms_status(&core.process(&last, None).await.unwrap()).0,
        Status::Skipped
    );
    assert_eq!(core.courier.sent.lock().unwrap().len(), 4);
}

fn approved_from_pending(event_type: &str) -> support::Body {
    event(event_type)
        .with_previous()
        .set("previousBooking.status", json!("PendingStaffApproval"))
}

fn cancelled(event_type: &str) -> support::Body {
    event(event_type)
        .with_previous()
        .set("booking.status", json!("Cancelled"))
        .set("booking.trackingPage.canModify", json!(false))
}

fn group(communication: &str) -> support::Body {
    group_with(json!(communication))
}

fn group_with(communication: Value) -> support::Body {
    let attendees = json!([
        {"id": 1, "firstName": "Jane", "email": "jane@example.com", "isRequester": true},
        {"id": 2, "firstName": "Luc", "email": "luc@example.com", "language": "fr-CA",
         "videoConferenceUrl": "https://meet.example.com/luc"},
        {"id": 3, "firstName": "Ana", "email": "ana@example.com", "language": "pt",
         "videoConferenceUrl": "https://meet.example.com/ana"}
    ]);
    event("reservation.status_updated")
        .set("booking.bookingMethod", json!("GroupReservation"))
        .set("booking.attendees", attendees)
        .set("booking.client.remindBySMS", json!(false))
        .with_previous()
        .set("booking.isCompleted", json!(true))
        .set("booking.clientCommunication", communication)
}

fn keys(links: &Value) -> Vec<String> {
    let mut keys: Vec<String> = links.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

// ============================================== events out: the detail-type table

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

// ======================================================================= WhatsApp

fn whatsapp(extra: &str) -> Config {
    Config::from_toml(&format!(
        "[whatsapp]\nphone_number_id = \"phone-number-id-0a1b\"\n{extra}"
    ))
    .unwrap()
}

#[test]
fn whatsapp_replaces_the_sms_of_its_kinds_for_people_with_the_sms_consent() {
    let config = whatsapp("");
    let plan = event("appointment.created").plan_with(&config);
    let client: Vec<String> = summary(&plan)
        .into_iter()
        .filter(|m| m.starts_with("confirmation/"))
        .collect();
    assert_eq!(
        client,
        ["confirmation/client/email", "confirmation/client/whatsapp"]
    );
    let line = line(&plan, "confirmation", "client", "whatsapp");
    assert_eq!(line["to"], "+15145550123");
    assert_eq!(line["language"], "eng");
    assert!(line["links"]["view"].is_string(), "{line}");
    assert!(
        skip_reasons(&plan).contains(
            &"confirmation: replaced by WhatsApp ([whatsapp] instead_of_sms): sent only if the \
          WhatsApp message cannot go or fails"
                .to_owned()
        )
    );
    let explain = plan.explain();
    assert!(
        explain.contains("planned   confirmation to client by whatsapp"),
        "{explain}"
    );
    assert!(
        explain.contains("skipped   confirmation to client by sms: replaced by WhatsApp"),
        "{explain}"
    );
    // Off (no [whatsapp]): the SMS as before.
    assert!(
        summary(&event("appointment.created").plan())
            .contains(&"confirmation/client/sms".to_owned())
    );
    // Both, when WhatsApp does not replace the SMS.
    let both = event("appointment.created").plan_with(&whatsapp("instead_of_sms = false\n"));
    assert!(summary(&both).contains(&"confirmation/client/whatsapp".to_owned()));
    assert!(summary(&both).contains(&"confirmation/client/sms".to_owned()));
}

#[test]
fn whatsapp_follows_the_sms_consent_and_a_valid_mobile() {
    let config = whatsapp("");
    let no_consent = event("appointment.created")
        .set("booking.client.remindBySMS", json!(false))
        .plan_with(&config);
    assert!(
        !summary(&no_consent)
            .iter()
            .any(|m| m.ends_with("/whatsapp"))
    );
    assert!(
        skip_reasons(&no_consent).contains(
            &"confirmation: no SMS consent (remindBySMS is not true), which WhatsApp follows"
                .to_owned()
        )
    );
    let invalid = event("appointment.created")
        .set("booking.client.mobilePhoneNumber", json!("12"))
        .plan_with(&config);
    assert!(!summary(&invalid).iter().any(|m| m.ends_with("/whatsapp")));
    // A reminder by text only, to a number that cannot be read: the email instead.
    let reminder = event("appointment.remind")
        .set("booking.client.remindByEmail", json!(false))
        .remove("booking.client.mobilePhoneNumber")
        .plan_with(&config);
    assert_eq!(summary(&reminder), ["reminder/client/email"]);
    assert_eq!(
        line(&reminder, "reminder", "client", "email")["fallback_for"],
        "sms"
    );
    // Only the kinds [whatsapp] lists: the recall stays an email, and says why.
    let recall = event("appointment.recall").plan_with(&config);
    assert_eq!(summary(&recall), ["recall/client/email"]);
    assert!(
        skip_reasons(&recall)
            .contains(&"recall: recall is not enabled for WhatsApp ([whatsapp] kinds)".to_owned())
    );
    // A kind WhatsApp sends but SMS does not: WhatsApp alone.
    let no_show = event("appointment.status_updated")
        .with_previous()
        .set("booking.client.presence", json!("NoShow"))
        .plan_with(&whatsapp("kinds = [\"no_show\"]\n"));
    assert_eq!(
        summary(&no_show)
            .into_iter()
            .filter(|m| m.starts_with("no_show/"))
            .collect::<Vec<_>>(),
        ["no_show/client/email", "no_show/client/whatsapp"]
    );
}

#[test]
fn attendees_with_the_sms_consent_get_whatsapp_too() {
    let plan = event("appointment.remind")
        .set("booking.bookingMethod", json!("GroupReservation"))
        .set(
            "booking.attendees",
            json!([{"id": 2, "firstName": "Luc", "email": "luc@example.com",
                    "mobilePhoneNumber": "+33612345678", "remindBySMS": true}]),
        )
        .set("booking.clientCommunication", json!("ClientAndAttendees"))
        .plan_with(&whatsapp(""));
    assert_eq!(
        summary(&plan),
        [
            "reminder/client/email",
            "reminder/client/whatsapp",
            "reminder/attendee/whatsapp"
        ]
    );
    let attendee = line(&plan, "reminder", "attendee", "whatsapp");
    assert_eq!(attendee["to"], "+33612345678");
    assert!(attendee.get("links").is_none(), "{attendee}");
}

#[test]
fn a_whatsapp_message_that_cannot_go_falls_back_to_the_sms_it_replaced() {
    use booxi_notify::domain::notification::Channel;
    use booxi_notify::domain::rules::{email_fallback, whatsapp_fallback};
    let config = whatsapp("");
    let body = event("appointment.remind").set("booking.client.remindByEmail", json!(false));
    let plan = body.plan_with(&config);
    assert_eq!(summary(&plan), ["reminder/client/whatsapp"]);
    let message = &plan.notifications[0];
    let sms = whatsapp_fallback(&body.parse(), &config, message, &plan.notifications).unwrap();
    assert_eq!(
        (sms.channel, sms.fallback_for, sms.to.as_str()),
        (Channel::Sms, Some(Channel::Whatsapp), "+15145550123")
    );
    // That SMS may in turn go by email (SMS fallback to email).
    let email = email_fallback(&body.parse(), &config, &sms, &plan.notifications).unwrap();
    assert_eq!(
        (email.channel, email.fallback_for),
        (Channel::Email, Some(Channel::Sms))
    );
    // No SMS to fall back to: WhatsApp goes beside the SMS, the kind is not an SMS kind,
    // or the SMS is planned anyway.
    let beside = whatsapp("instead_of_sms = false\n");
    assert!(whatsapp_fallback(&body.parse(), &beside, message, &plan.notifications).is_none());
    let no_sms = Config {
        sms_kinds: Default::default(),
        ..config.clone()
    };
    assert!(whatsapp_fallback(&body.parse(), &no_sms, message, &plan.notifications).is_none());
    let mut with_sms = plan.notifications.clone();
    with_sms.push(sms.clone());
    assert!(whatsapp_fallback(&body.parse(), &config, message, &with_sms).is_none());
    assert!(whatsapp_fallback(&body.parse(), &config, &sms, &plan.notifications).is_none());
}

#[test]
fn flows_go_by_whatsapp_when_whatsapp_lists_them() {
    use booxi_notify::domain::notification::{FlowChannel, ScheduleChange};
    let config = Config::from_toml(
        "[[flows]]\nname = \"pre_visit\"\nbefore_start = \"24h\"\nchannels = [\"email\", \"sms\"]\n\
         [whatsapp]\nphone_number_id = \"phone-number-id-0a1b\"\nkinds = [\"pre_visit\"]\n",
    )
    .unwrap();
    let now = "2026-11-01T00:00:00Z".parse().unwrap();
    let plan =
        booxi_notify::domain::rules::plan_at(&event("appointment.created").parse(), &config, now);
    let channels: Vec<FlowChannel> = plan.schedules.iter().map(ScheduleChange::channel).collect();
    assert_eq!(
        channels,
        [FlowChannel::Email, FlowChannel::Whatsapp],
        "{:?}",
        plan.flow_notes
    );
    assert!(
        plan.flow_notes
            .iter()
            .any(|n| n.contains("skipped client by sms: replaced by WhatsApp")),
        "{:?}",
        plan.flow_notes
    );
    // A cancel removes every channel's schedule, WhatsApp's included.
    let canceled = event("appointment.canceled")
        .with_previous()
        .set("booking.status", json!("Cancelled"));
    let plan = booxi_notify::domain::rules::plan_at(&canceled.parse(), &config, now);
    let deleted: Vec<FlowChannel> = plan.schedules.iter().map(ScheduleChange::channel).collect();
    assert_eq!(
        deleted,
        [FlowChannel::Email, FlowChannel::Sms, FlowChannel::Whatsapp]
    );
}
