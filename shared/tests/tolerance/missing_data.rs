//! Missing optional data: absent, null or wrongly typed values read as absent, not an
//! error; contact data that cannot be used is skipped.

use super::*;

#[test]
fn empty_content_is_not_an_error() {
    let body = envelope("appointment.created", json!({}));
    let e = event(&body);
    assert!(e.client.is_none());
    assert_eq!(e.booking.status, None);
    let p = plan(&e, &Config::default());
    assert_eq!(p.client_kind, None);
    // No staff assigned: dispatch, but nobody to write to.
    assert!(p.notifications.is_empty());
    assert!(
        p.skipped.iter().any(|s| s.kind == Kind::StaffNeedsDispatch),
        "{:?}",
        p.skipped
    );
}

#[test]
fn absent_content_is_not_an_error() {
    for event_type in [
        "appointment.created",
        "appointment.updated",
        "appointment.status_updated",
        "appointment.canceled",
        "appointment.completed",
        "appointment.remind",
        "appointment.recall",
        "reservation.created",
        "reservation.updated",
        "reservation.status_updated",
    ] {
        let body = json!({ "eventId": "e", "eventType": event_type });
        let e = event(&body);
        assert_eq!(e.content, Value::Null);
        assert_eq!(e.event_type.name(), event_type);
        let p = plan(&e, &Config::default());
        assert!(p.notifications.is_empty(), "{event_type}: {:?}", sent(&p));
        assert!(p.ignored.is_none());
    }
}

#[test]
fn absent_booking_is_not_an_error() {
    let mut c = content(booking("Approved"));
    let b = c.as_object_mut().unwrap().remove("booking").unwrap();
    c["client"] = b["client"].clone();
    let e = event(&envelope("appointment.created", c));
    assert_eq!(e.booking.status, None);
    assert!(e.client.is_some());
    let p = plan(&e, &Config::default());
    assert_eq!(p.client_kind, None);
}

#[test]
fn absent_client_is_not_an_error() {
    let mut b = booking("Approved");
    b.as_object_mut().unwrap().remove("client");
    let body = envelope("appointment.created", content(b));
    let e = event(&body);
    assert!(e.client.is_none());
    assert_eq!(e.booking.presence, None);
    let p = plan(&e, &Config::default());
    assert_eq!(p.client_kind, Some(Kind::Confirmation));
    assert_eq!(kinds(&p), [Kind::StaffNewBooking]);
    assert!(
        p.skipped
            .iter()
            .any(|s| s.audience == Audience::Client && s.reason.contains("no client")),
        "{:?}",
        p.skipped
    );
}

#[test]
fn client_without_contact_data_is_skipped_not_an_error() {
    let mut b = booking("Approved");
    b["client"] = json!({ "firstName": "Jane", "remindBySMS": true });
    let p = planned(&envelope("appointment.created", content(b)));
    assert!(
        p.notifications
            .iter()
            .all(|n| n.audience == Audience::Staff)
    );
    assert!(
        p.skipped
            .iter()
            .any(|s| s.channel == Some(Channel::Email) && s.reason.contains("email"))
    );
    assert!(
        p.skipped
            .iter()
            .any(|s| s.channel == Some(Channel::Sms) && s.reason.contains("mobile"))
    );
}

#[test]
fn a_phone_number_that_cannot_be_e164_is_skipped_not_sent() {
    let mut b = booking("Approved");
    b["client"]["mobilePhoneNumber"] = json!("555-01");
    let p = planned(&envelope("appointment.created", content(b)));
    assert!(p.notifications.iter().all(|n| n.channel != Channel::Sms));
    assert!(
        p.skipped
            .iter()
            .any(|s| s.channel == Some(Channel::Sms) && s.reason.contains("E.164")),
        "{:?}",
        p.skipped
    );
}

#[test]
fn national_numbers_are_read_in_the_merchant_country() {
    let mut c = content(booking("Approved"));
    c["booking"]["client"]["mobilePhoneNumber"] = json!("06 12 34 56 78");
    c["merchant"]["address"]["country"] = json!("fr");
    let p = planned(&envelope("appointment.created", c));
    let sms: Vec<_> = p
        .notifications
        .iter()
        .filter(|n| n.channel == Channel::Sms)
        .map(|n| n.to.as_str())
        .collect();
    assert_eq!(sms, ["+33612345678"]);
}

#[test]
fn null_values_read_as_absent() {
    let body = json!({
        "eventId": "e-null",
        "eventType": "appointment.created",
        "createdOn": null,
        "content": {
            "booking": {
                "bookingId": null, "status": null, "isCompleted": null, "startsOn": null,
                "staffId": null, "clientCommunication": null, "modifiedBy": null,
                "client": {
                    "email": null, "mobilePhoneNumber": null, "presence": null,
                    "language": null, "remindBySMS": null
                },
                "trackingPage": { "viewURL": null },
                "attendees": null, "items": null
            },
            "previousBooking": null,
            "staff": null, "service": null, "resources": null,
            "merchant": null, "trackingQRCodeUrl": null, "additionalRequest": null
        }
    });
    let e = event(&body);
    assert_eq!(e.created_on, None);
    assert_eq!(e.booking.id, None);
    assert_eq!(e.booking.status, None);
    assert_eq!(e.booking.is_completed, None);
    assert!(e.previous.is_none());
    assert!(e.staff.is_none());
    assert!(e.tracking_page.is_none());
    assert!(e.additional_request.is_none());
    let client = e
        .client
        .as_ref()
        .expect("a client of nulls is still a client");
    assert_eq!(client.language, None);
    assert_eq!(client.remind_by_sms, None);
    let p = plan(&e, &Config::default());
    assert_eq!(p.client_kind, None);
    assert!(p.notifications.is_empty());
}

#[test]
fn null_objects_read_as_absent() {
    let body = json!({
        "eventId": "e", "eventType": "appointment.status_updated",
        "content": { "booking": null, "client": null, "previousBooking": null, "merchant": null }
    });
    let e = event(&body);
    assert!(e.client.is_none());
    assert!(e.previous.is_none());
    assert!(plan(&e, &Config::default()).notifications.is_empty());
}

#[test]
fn values_of_the_wrong_type_read_as_absent() {
    let body = json!({
        "eventId": "e-types",
        "eventType": "appointment.status_updated",
        "createdOn": 20250301,
        "content": {
            "booking": {
                "bookingId": ["b"],
                "status": 3,
                "isCompleted": { "value": true },
                "startsOn": false,
                "staffId": { "id": 7 },
                "clientCommunication": [],
                "modifiedBy": 0,
                "client": "jane@example.com",
                "attendees": "everyone",
                "trackingPage": "https://booxi.example/t",
                "items": { "serviceName": "Haircut" },
                "clientAvailability": 2
            },
            "previousBooking": [],
            "staff": "Sam",
            "service": 5,
            "resources": { "name": "Chair" },
            "merchant": true,
            "trackingQRCodeUrl": 12
        }
    });
    let e = event(&body);
    assert_eq!(e.booking.id, None);
    // A number read as text is kept (and is an unknown status), never a panic.
    assert_eq!(e.booking.status, Some(Status::Other("3".to_owned())));
    assert_eq!(e.booking.is_completed, None);
    assert_eq!(e.booking.starts_on, None);
    assert_eq!(e.booking.staff_id, None);
    assert!(e.client.is_none());
    assert!(e.attendees.is_empty());
    assert!(e.tracking_page.is_none());
    assert!(e.previous.is_none());
    assert!(e.staff.is_none());
    assert!(e.service.is_none());
    assert!(e.resources.is_empty());
    assert!(e.qr_code_url.is_none());
    assert!(!e.booking.flexible_dates);
    let p = plan(&e, &Config::default());
    assert_eq!(p.client_kind, None);
    assert!(p.notifications.is_empty());
}

#[test]
fn booleans_may_arrive_as_strings_or_numbers() {
    let mut after = booking("Approved");
    after["isCompleted"] = json!("true");
    let mut before = booking("Approved");
    before["isCompleted"] = json!(0);
    let body = status_updated(before, after);
    let e = event(&body);
    assert_eq!(e.booking.is_completed, Some(true));
    assert_eq!(e.previous.as_ref().unwrap().is_completed, Some(false));
    assert_eq!(planned(&body).client_kind, Some(Kind::Completed));

    // A text that is no boolean reads as absent: not completed.
    let mut after = booking("Approved");
    after["isCompleted"] = json!("maybe");
    let body = status_updated(booking("Approved"), after);
    assert_eq!(event(&body).booking.is_completed, None);
    assert_eq!(planned(&body).client_kind, None);

    // "yes" reads as true (as "true" and 1 do): the booking is completed.
    let mut after = booking("Approved");
    after["isCompleted"] = json!("yes");
    let body = status_updated(booking("Approved"), after);
    assert_eq!(event(&body).booking.is_completed, Some(true));
    assert_eq!(planned(&body).client_kind, Some(Kind::Completed));
}

#[test]
fn a_non_object_attendee_is_passed_over() {
    let mut b = booking("Approved");
    b["clientCommunication"] = json!("ClientAndAttendees");
    b["attendees"] = json!([null, 3, "x", { "email": "ann@example.com" }, []]);
    let body = envelope("appointment.created", content(b));
    let e = event(&body);
    assert_eq!(e.attendees.len(), 1);
    let p = plan(&e, &Config::default());
    assert!(
        p.notifications
            .iter()
            .any(|n| n.audience == Audience::Attendee && n.to.as_str() == "ann@example.com")
    );
}

#[test]
fn field_names_in_another_case_are_read() {
    let body = json!({
        "EventID": "e-case",
        "EVENTTYPE": "appointment.created",
        "Content": {
            "Booking": {
                "Status": "Approved",
                "Client": { "EMAIL": "jane@example.com" }
            }
        }
    });
    let e = event(&body);
    assert_eq!(e.id, "e-case");
    assert_eq!(e.booking.status, Some(Status::Approved));
    assert_eq!(
        sent(&plan(&e, &Config::default()))
            .into_iter()
            .filter(|s| s.1 == Audience::Client)
            .collect::<Vec<_>>(),
        [(
            Kind::Confirmation,
            Audience::Client,
            Channel::Email,
            "jane@example.com".to_owned()
        )]
    );
}

#[test]
fn staff_id_zero_means_no_staff() {
    let mut body = created_approved();
    body["content"]["booking"]["staffId"] = json!(0);
    body["content"]["staff"] = json!({"id": 0, "communicationEmail": null});
    let plan = planned(&body);
    assert!(
        kinds(&plan).contains(&Kind::StaffNeedsDispatch),
        "{:?}",
        kinds(&plan)
    );
    assert!(!kinds(&plan).contains(&Kind::StaffNewBooking));
    // An unusable email alone is no evidence of an assigned staff either.
    body["content"]["staff"] = json!({"communicationEmail": "not-an-email"});
    assert!(kinds(&planned(&body)).contains(&Kind::StaffNeedsDispatch));
}
