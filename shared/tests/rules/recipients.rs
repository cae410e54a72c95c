//! Who a message goes to: client communication, attendees with their own contact,
//! language and links; every skipped message says why.

use super::*;

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
