//! The canonical shape, and the envelope's spellings: event id, event type, payload.

use super::*;

#[test]
fn canonical_shape_is_read_and_planned() {
    let body = created_approved();
    let e = event(&body);
    assert_eq!(e.id, "evt-1");
    assert_eq!(e.event_type, EventType::AppointmentCreated);
    assert_eq!(e.booking.status, Some(Status::Approved));
    assert_eq!(e.booking.presence, Some(Presence::Expecting));
    assert!(e.tracking_page.is_some());
    let p = planned(&body);
    assert_eq!(
        sent(&p),
        [
            (
                Kind::Confirmation,
                Audience::Client,
                Channel::Email,
                "jane@example.com".to_owned()
            ),
            (
                Kind::Confirmation,
                Audience::Client,
                Channel::Sms,
                "+15145550123".to_owned()
            ),
            (
                Kind::StaffNewBooking,
                Audience::Staff,
                Channel::Email,
                "sam@store.example".to_owned()
            ),
        ]
    );
}

#[test]
fn event_id_may_be_spelled_event_id() {
    assert_eq!(event(&created_approved()).id, "evt-1");
}

#[test]
fn event_id_may_be_spelled_id() {
    let canonical = created_approved();
    let body = renamed(canonical.clone(), "eventId", "id");
    assert!(body.get("eventId").is_none());
    assert_eq!(event(&body).id, "evt-1");
    assert_eq!(planned(&body), planned(&canonical));
}

#[test]
fn event_id_may_be_a_number() {
    let mut body = created_approved();
    body["eventId"] = json!(1234567890123_u64);
    assert_eq!(event(&body).id, "1234567890123");
    let p = planned(&body);
    assert!(!p.notifications.is_empty());
    assert!(
        p.notifications
            .iter()
            .all(|n| n.event_id == "1234567890123")
    );

    let body = json!({ "id": 42, "type": "appointment.created" });
    assert_eq!(event(&body).id, "42");
}

#[test]
fn event_id_null_falls_through_to_the_next_spelling() {
    let mut body = renamed(created_approved(), "eventId", "id");
    body["eventId"] = Value::Null;
    assert_eq!(event(&body).id, "evt-1");
}

#[test]
fn event_type_may_be_spelled_event_type() {
    assert_eq!(
        event(&created_approved()).event_type,
        EventType::AppointmentCreated
    );
}

#[test]
fn event_type_may_be_spelled_type() {
    let canonical = created_approved();
    let body = renamed(canonical.clone(), "eventType", "type");
    assert_eq!(event(&body).event_type, EventType::AppointmentCreated);
    assert_eq!(planned(&body), planned(&canonical));
}

#[test]
fn event_type_may_be_spelled_event() {
    let canonical = created_approved();
    let body = renamed(canonical.clone(), "eventType", "event");
    assert_eq!(event(&body).event_type, EventType::AppointmentCreated);
    assert_eq!(planned(&body), planned(&canonical));
}

#[test]
fn event_type_is_compared_case_insensitively() {
    let canonical = created_approved();
    for spelling in ["Appointment.Created", " APPOINTMENT.CREATED "] {
        let mut body = canonical.clone();
        body["eventType"] = json!(spelling);
        assert_eq!(
            event(&body).event_type,
            EventType::AppointmentCreated,
            "{spelling}"
        );
        assert_eq!(planned(&body), planned(&canonical), "{spelling}");
    }
}

#[test]
fn event_type_canceled_may_be_spelled_cancelled() {
    for spelling in ["appointment.canceled", "appointment.cancelled"] {
        let body = json!({ "eventId": "e", "eventType": spelling });
        assert_eq!(
            event(&body).event_type,
            EventType::AppointmentCanceled,
            "{spelling}"
        );
    }
}

#[test]
fn payload_may_be_spelled_content() {
    let e = event(&created_approved());
    assert_eq!(e.booking.id.as_deref(), Some("b-42"));
    assert_eq!(e.content["booking"]["bookingId"], "b-42");
}

#[test]
fn payload_may_be_spelled_event_content() {
    let canonical = created_approved();
    let body = renamed(canonical.clone(), "content", "eventContent");
    let e = event(&body);
    assert_eq!(e.booking.id.as_deref(), Some("b-42"));
    assert_eq!(e.booking.status, Some(Status::Approved));
    assert_eq!(e.content["booking"]["bookingId"], "b-42");
    assert_eq!(planned(&body), planned(&canonical));
}

#[test]
fn null_content_falls_through_to_event_content() {
    let mut body = renamed(created_approved(), "content", "eventContent");
    body["content"] = Value::Null;
    assert_eq!(event(&body).booking.status, Some(Status::Approved));
}

#[test]
fn a_blank_first_spelling_does_not_hide_the_next() {
    let mut body = created_approved();
    body["eventId"] = json!("");
    body["id"] = json!("evt-2");
    assert_eq!(event(&body).id, "evt-2");
    let mut body = created_approved();
    body["eventContent"] = body["content"].take();
    body["content"] = json!("oops");
    assert_eq!(kinds(&planned(&body)), kinds(&planned(&created_approved())));
}

#[test]
fn event_types_may_use_hyphens() {
    let body = status_updated(
        booking("Approved"),
        with_status(booking("Approved"), "Cancelled"),
    );
    let mut hyphen = body.clone();
    hyphen["eventType"] = json!("appointment.status-updated");
    assert_eq!(
        event(&hyphen).event_type,
        EventType::AppointmentStatusUpdated
    );
    assert_eq!(kinds(&planned(&hyphen)), kinds(&planned(&body)));
}
