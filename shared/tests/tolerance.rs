//! The tolerance rules of `docs/payload.md`, one test per rule, checked through
//! the public API only: `Event::from_value` / `Event::parse`, `plan` and `Config::default()`.
//!
//! Most tests take a canonical body (the shape of docs/payload.md's "The shape we read"),
//! respell or move one thing, and check that the event reads the same and that the plan
//! is the same as for the canonical body.

use booxi_notify::domain::event::{ClientCommunication, EventType, Presence, Status};
use booxi_notify::domain::notification::{Audience, Channel};
use booxi_notify::{Config, Event, Kind, ParseError, Plan, plan};
use serde_json::{Value, json};

// ---------------------------------------------------------------- canonical bodies

fn client() -> Value {
    json!({
        "id": "c-1",
        "firstName": "Jane",
        "lastName": "Doe",
        "email": "jane@example.com",
        "mobilePhoneNumber": "(514) 555-0123",
        "presence": "Expecting",
        "remindByEmail": true,
        "remindBySMS": true,
        "language": "eng"
    })
}

fn tracking_page() -> Value {
    json!({
        "viewURL": "https://booxi.example/track?b=abc",
        "canConfirm": true,
        "canModify": true,
        "canCancel": true
    })
}

/// `booking` in the canonical shape: client and tracking page inside it.
fn booking(status: &str) -> Value {
    json!({
        "bookingId": "b-42",
        "confirmationNumber": "A00006500",
        "bookingMethod": "Appointment",
        "status": status,
        "isCompleted": false,
        "startsOn": "2025-03-04T15:00:00Z",
        "staffId": "7",
        "staffFirstName": "Sam",
        "staffLastName": "Lee",
        "location": "Business",
        "clientCommunication": "ClientOnly",
        "createdBy": "Client",
        "modifiedBy": "Staff",
        "client": client(),
        "trackingPage": tracking_page()
    })
}

fn content(booking: Value) -> Value {
    json!({
        "booking": booking,
        "staff": {
            "id": "7",
            "firstName": "Sam",
            "lastName": "Lee",
            "communicationEmail": "sam@store.example",
            "language": "eng"
        },
        "service": { "id": "s-1", "name": "Haircut" },
        "merchant": {
            "id": "m-1",
            "name": "Downtown store",
            "timeZone": "America/Toronto",
            "defaultLanguage": "eng",
            "email": "store@store.example",
            "address": { "country": "CA" }
        }
    })
}

fn envelope(event_type: &str, content: Value) -> Value {
    json!({
        "eventId": "evt-1",
        "eventType": event_type,
        "createdOn": "2025-03-01T12:00:00Z",
        "content": content
    })
}

/// appointment.created, Approved: a confirmation (email and SMS) and a staff message.
fn created_approved() -> Value {
    envelope("appointment.created", content(booking("Approved")))
}

/// appointment.status_updated from `before` to `after`.
fn status_updated(before: Value, after: Value) -> Value {
    let mut c = content(after);
    c["previousBooking"] = before;
    envelope("appointment.status_updated", c)
}

fn with_status(mut booking: Value, status: &str) -> Value {
    booking["status"] = json!(status);
    booking
}

fn with_presence(mut booking: Value, presence: &str) -> Value {
    booking["client"]["presence"] = json!(presence);
    booking
}

// ---------------------------------------------------------------- helpers

fn country() -> booxi_notify::domain::contact::Country {
    Config::default().default_country
}

fn event(body: &Value) -> Event {
    Event::from_value(body, country()).unwrap_or_else(|e| panic!("{e}: {body}"))
}

fn planned(body: &Value) -> Plan {
    plan(&event(body), &Config::default())
}

/// What a plan sends, in a form that is easy to compare: (kind, audience, channel, to).
fn sent(plan: &Plan) -> Vec<(Kind, Audience, Channel, String)> {
    plan.notifications
        .iter()
        .map(|n| (n.kind, n.audience, n.channel, n.to.as_str().to_owned()))
        .collect()
}

fn kinds(plan: &Plan) -> Vec<Kind> {
    plan.notifications.iter().map(|n| n.kind).collect()
}

/// Moves `content[from]` to `content[to]` (both may be dotted paths of objects).
fn moved(mut body: Value, from: &[&str], to: &[&str]) -> Value {
    let (last, parents) = from.split_last().unwrap();
    let mut node = &mut body;
    for p in parents {
        node = &mut node[*p];
    }
    let value = node.as_object_mut().unwrap().remove(*last).unwrap();
    let (last, parents) = to.split_last().unwrap();
    let mut node = &mut body;
    for p in parents {
        node = &mut node[*p];
    }
    node[*last] = value;
    body
}

fn renamed(body: Value, from: &str, to: &str) -> Value {
    moved(body, &[from], &[to])
}

fn parse_error(body: &[u8]) -> ParseError {
    match Event::parse(body, country()) {
        Ok(e) => panic!(
            "{} parsed as event {:?}",
            String::from_utf8_lossy(body),
            e.id
        ),
        Err(e) => e,
    }
}

// ---------------------------------------------------------------- the canonical shape

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

// ---------------------------------------------------------------- envelope spellings

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

// ---------------------------------------------------------------- previous state

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

// ---------------------------------------------------------------- where the objects sit

#[test]
fn client_may_sit_beside_booking() {
    let canonical = created_approved();
    let body = moved(
        canonical.clone(),
        &["content", "booking", "client"],
        &["content", "client"],
    );
    assert!(body["content"]["booking"].get("client").is_none());
    let e = event(&body);
    let client = e.client.as_ref().expect("client beside booking is read");
    assert_eq!(
        client.email.valid().map(|a| a.as_str()),
        Some("jane@example.com")
    );
    assert_eq!(e.booking.presence, Some(Presence::Expecting));
    assert_eq!(planned(&body), planned(&canonical));
}

#[test]
fn client_presence_beside_booking_is_the_booking_presence() {
    // A status_updated that marks a no-show, with the current client beside the booking.
    let before = booking("Approved");
    let after = with_presence(booking("Approved"), "NoShow");
    let body = moved(
        status_updated(before, after),
        &["content", "booking", "client"],
        &["content", "client"],
    );
    let e = event(&body);
    assert_eq!(e.booking.presence, Some(Presence::NoShow));
    assert_eq!(planned(&body).client_kind, Some(Kind::NoShow));
}

#[test]
fn client_inside_booking_wins_over_client_beside() {
    let mut body = created_approved();
    body["content"]["client"] = json!({ "email": "other@example.com" });
    let e = event(&body);
    assert_eq!(
        e.client
            .and_then(|c| c.email.valid().map(|a| a.as_str().to_owned())),
        Some("jane@example.com".to_owned())
    );
}

#[test]
fn tracking_page_may_sit_inside_booking() {
    let e = event(&created_approved());
    let page = e.tracking_page.expect("booking.trackingPage is read");
    assert_eq!(page.view_url.as_str(), "https://booxi.example/track?b=abc");
    assert!(page.can_confirm && page.can_modify && page.can_cancel);
}

#[test]
fn tracking_page_may_sit_beside_booking() {
    let canonical = created_approved();
    let body = moved(
        canonical.clone(),
        &["content", "booking", "trackingPage"],
        &["content", "trackingPage"],
    );
    let e = event(&body);
    assert_eq!(
        e.tracking_page.map(|t| t.view_url.to_string()),
        Some("https://booxi.example/track?b=abc".to_owned())
    );
    let p = planned(&body);
    assert_eq!(p, planned(&canonical));
    let links = p.notifications[0].links.as_ref().expect("links");
    assert_eq!(
        links.view.as_str(),
        "https://booxi.example/track?b=abc&lang=eng"
    );
}

#[test]
fn tracking_page_may_sit_inside_booking_client() {
    let canonical = created_approved();
    let body = moved(
        canonical.clone(),
        &["content", "booking", "trackingPage"],
        &["content", "booking", "client", "trackingPage"],
    );
    assert!(body["content"]["booking"].get("trackingPage").is_none());
    let e = event(&body);
    assert_eq!(
        e.tracking_page.map(|t| t.view_url.to_string()),
        Some("https://booxi.example/track?b=abc".to_owned())
    );
    assert_eq!(planned(&body), planned(&canonical));
}

#[test]
fn tracking_page_may_sit_inside_a_client_beside_booking() {
    let canonical = created_approved();
    let body = moved(
        canonical.clone(),
        &["content", "booking", "trackingPage"],
        &["content", "booking", "client", "trackingPage"],
    );
    let body = moved(
        body,
        &["content", "booking", "client"],
        &["content", "client"],
    );
    assert!(event(&body).tracking_page.is_some());
    assert_eq!(planned(&body), planned(&canonical));
}

#[test]
fn tracking_page_view_url_may_be_spelled_view_url() {
    let mut body = created_approved();
    body["content"]["booking"]["trackingPage"] =
        json!({ "viewUrl": "https://booxi.example/t", "canModify": true });
    let page = event(&body).tracking_page.expect("viewUrl is read");
    assert_eq!(page.view_url.as_str(), "https://booxi.example/t");
    assert!(page.can_modify && !page.can_cancel && !page.can_confirm);
}

#[test]
fn a_tracking_page_without_a_web_url_is_no_tracking_page() {
    let mut body = created_approved();
    body["content"]["booking"]["trackingPage"]["viewURL"] = json!("javascript:alert(1)");
    let e = event(&body);
    assert!(e.tracking_page.is_none());
    let p = plan(&e, &Config::default());
    assert!(p.notifications.iter().all(|n| n.links.is_none()));
}

// ---------------------------------------------------------------- enum values

#[test]
fn status_canceled_and_cancelled_are_the_same() {
    let plans: Vec<Plan> = ["Cancelled", "Canceled", "cancelled", "CANCELED"]
        .into_iter()
        .map(|spelling| {
            let body = status_updated(
                booking("Approved"),
                with_status(booking("Approved"), spelling),
            );
            assert_eq!(
                event(&body).booking.status,
                Some(Status::Cancelled),
                "{spelling}"
            );
            planned(&body)
        })
        .collect();
    assert_eq!(plans[0].client_kind, Some(Kind::CanceledByStore));
    assert!(kinds(&plans[0]).contains(&Kind::StaffCanceled));
    for p in &plans[1..] {
        assert_eq!(p, &plans[0]);
    }
}

#[test]
fn status_is_compared_case_insensitively() {
    let canonical = planned(&created_approved());
    for spelling in ["approved", "APPROVED", "aPpRoVeD"] {
        let body = envelope(
            "appointment.created",
            content(with_status(booking("Approved"), spelling)),
        );
        assert_eq!(event(&body).booking.status, Some(Status::Approved));
        assert_eq!(planned(&body), canonical, "{spelling}");
    }
}

#[test]
fn pending_statuses_are_compared_case_insensitively() {
    for (spelling, status, kind) in [
        (
            "pendingstaffapproval",
            Status::PendingStaffApproval,
            Kind::RequestReceived,
        ),
        (
            "PENDING_CLIENT_APPROVAL",
            Status::PendingClientApproval,
            Kind::AwaitingClientConfirmation,
        ),
    ] {
        let body = envelope(
            "appointment.created",
            content(with_status(booking("x"), spelling)),
        );
        assert_eq!(event(&body).booking.status, Some(status), "{spelling}");
        assert_eq!(planned(&body).client_kind, Some(kind), "{spelling}");
    }
}

#[test]
fn presence_noshow_is_compared_case_insensitively() {
    let plans: Vec<Plan> = ["NoShow", "noshow", "NOSHOW", "no_show"]
        .into_iter()
        .map(|spelling| {
            let body = status_updated(
                booking("Approved"),
                with_presence(booking("Approved"), spelling),
            );
            assert_eq!(
                event(&body).booking.presence,
                Some(Presence::NoShow),
                "{spelling}"
            );
            planned(&body)
        })
        .collect();
    assert_eq!(plans[0].client_kind, Some(Kind::NoShow));
    assert!(!plans[0].notifications.is_empty());
    for p in &plans[1..] {
        assert_eq!(p, &plans[0]);
    }
}

#[test]
fn presence_expecting_is_compared_case_insensitively() {
    let before = booking("PendingStaffApproval");
    let after = with_presence(booking("Approved"), "expecting");
    let body = status_updated(before, after);
    assert_eq!(event(&body).booking.presence, Some(Presence::Expecting));
    assert_eq!(planned(&body).client_kind, Some(Kind::Confirmation));
}

#[test]
fn completed_appointment_with_presence_arrived_is_completed() {
    // Since 2024 a completed appointment also has client.presence = Arrived.
    let mut after = with_presence(booking("Approved"), "arrived");
    after["isCompleted"] = json!(true);
    let body = status_updated(booking("Approved"), after);
    let e = event(&body);
    assert_eq!(e.booking.presence, Some(Presence::Arrived));
    assert_eq!(planned(&body).client_kind, Some(Kind::Completed));
}

#[test]
fn client_communication_donotsend_is_compared_case_insensitively() {
    for spelling in ["DoNotSend", "donotsend", "DO_NOT_SEND"] {
        let mut b = booking("Approved");
        b["clientCommunication"] = json!(spelling);
        let body = envelope("appointment.created", content(b));
        assert_eq!(
            event(&body).client_communication(),
            ClientCommunication::DoNotSend,
            "{spelling}"
        );
        let p = planned(&body);
        assert_eq!(p.client_kind, Some(Kind::Confirmation));
        // No message to the client, staff messages still go.
        assert_eq!(kinds(&p), [Kind::StaffNewBooking], "{spelling}");
        assert!(
            p.skipped
                .iter()
                .any(|s| s.audience == Audience::Client && s.reason.contains("DoNotSend")),
            "{:?}",
            p.skipped
        );
    }
}

#[test]
fn client_communication_client_and_attendees_is_compared_case_insensitively() {
    let mut b = booking("Approved");
    b["clientCommunication"] = json!("clientandattendees");
    b["attendees"] = json!([
        { "firstName": "Ann", "email": "ann@example.com", "language": "fre" },
        { "firstName": "Bob", "email": "bob@example.com" }
    ]);
    let body = envelope("appointment.created", content(b));
    let e = event(&body);
    assert_eq!(
        e.client_communication(),
        ClientCommunication::ClientAndAttendees
    );
    assert_eq!(e.attendees.len(), 2);
    let p = planned(&body);
    let to_attendees: Vec<_> = p
        .notifications
        .iter()
        .filter(|n| n.audience == Audience::Attendee)
        .map(|n| (n.to.as_str(), n.language.code()))
        .collect();
    assert_eq!(
        to_attendees,
        [("ann@example.com", "fre"), ("bob@example.com", "eng")]
    );
}

#[test]
fn absent_client_communication_means_client_only() {
    let mut b = booking("Approved");
    b.as_object_mut().unwrap().remove("clientCommunication");
    b["attendees"] = json!([{ "email": "ann@example.com" }]);
    let body = envelope("appointment.created", content(b));
    assert_eq!(
        event(&body).client_communication(),
        ClientCommunication::ClientOnly
    );
    let p = planned(&body);
    assert!(
        p.notifications
            .iter()
            .all(|n| n.audience != Audience::Attendee)
    );
}

#[test]
fn modified_by_is_compared_case_insensitively() {
    for (spelling, kind) in [
        ("client", Kind::CanceledByClient),
        ("CLIENT", Kind::CanceledByClient),
        ("staff", Kind::CanceledByStore),
        ("Staff", Kind::CanceledByStore),
    ] {
        let mut after = with_status(booking("Approved"), "Cancelled");
        after["modifiedBy"] = json!(spelling);
        let body = status_updated(booking("Approved"), after);
        assert_eq!(planned(&body).client_kind, Some(kind), "{spelling}");
    }
}

#[test]
fn languages_may_be_two_letter_or_bcp47() {
    for spelling in ["fr", "fr-CA", "fra", "FRE", "fr_CA"] {
        let mut b = booking("Approved");
        b["client"]["language"] = json!(spelling);
        let body = envelope("appointment.created", content(b));
        let e = event(&body);
        assert_eq!(
            e.client
                .as_ref()
                .and_then(|c| c.language.as_ref())
                .map(|l| l.code()),
            Some("fre"),
            "{spelling}"
        );
        let p = plan(&e, &Config::default());
        let to_client = &p.notifications[0];
        assert_eq!(to_client.language.code(), "fre", "{spelling}");
        assert!(
            to_client
                .links
                .as_ref()
                .is_some_and(|l| l.view.as_str().ends_with("&lang=fre")),
            "{spelling}: {:?}",
            to_client.links
        );
    }
}

// ---------------------------------------------------------------- unknown fields

#[test]
fn unknown_fields_are_kept_and_never_an_error() {
    let mut body = created_approved();
    body["schemaVersion"] = json!(3);
    body["content"]["futureField"] = json!({ "nested": [1, "two", null] });
    body["content"]["clientLinks"] = json!([{ "name": "survey", "url": "https://x.example" }]);
    body["content"]["booking"]["loyaltyTier"] = json!("gold");
    body["content"]["booking"]["client"]["favouriteColour"] = json!("teal");
    body["content"]["staff"]["badge"] = json!(17);
    body["content"]["merchant"]["region"] = json!("east");
    let e = event(&body);
    assert_eq!(e.content["futureField"]["nested"][1], "two");
    assert_eq!(e.content["clientLinks"][0]["name"], "survey");
    assert_eq!(e.booking.raw["loyaltyTier"], "gold");
    assert_eq!(e.client.as_ref().unwrap().raw["favouriteColour"], "teal");
    assert_eq!(e.staff.as_ref().unwrap().raw["badge"], 17);
    assert_eq!(e.merchant.raw["region"], "east");
    assert_eq!(planned(&body), planned(&created_approved()));
}

#[test]
fn unknown_fields_of_attendees_are_kept() {
    let mut b = booking("Approved");
    b["attendees"] = json!([{ "email": "ann@example.com", "seat": "A3" }]);
    let e = event(&envelope("appointment.created", content(b)));
    assert_eq!(e.attendees[0].raw["seat"], "A3");
}

#[test]
fn unknown_event_type_plans_nothing_and_is_ignored() {
    for unknown in ["client.consent_changed", "notification.sent", "appointment"] {
        let mut body = created_approved();
        body["eventType"] = json!(unknown);
        let e = event(&body);
        assert_eq!(e.event_type, EventType::Other(unknown.to_owned()));
        assert!(!e.event_type.is_known());
        let p = plan(&e, &Config::default());
        assert!(
            p.ignored
                .as_deref()
                .is_some_and(|why| why.contains(unknown)),
            "{:?}",
            p.ignored
        );
        assert!(p.notifications.is_empty());
        assert!(p.skipped.is_empty());
        assert_eq!(p.client_kind, None);
    }
}

#[test]
fn unknown_enum_values_are_kept_not_refused() {
    let mut after = with_status(booking("Approved"), "OnHold");
    after["client"]["presence"] = json!("Late");
    after["modifiedBy"] = json!("System");
    after["clientCommunication"] = json!("Carrier pigeon");
    let body = status_updated(booking("Approved"), after);
    let e = event(&body);
    assert_eq!(e.booking.status, Some(Status::Other("OnHold".to_owned())));
    assert_eq!(e.booking.presence, Some(Presence::Other("Late".to_owned())));
    // An unrecognised clientCommunication is the narrowest useful value.
    assert_eq!(e.client_communication(), ClientCommunication::ClientOnly);
    let p = plan(&e, &Config::default());
    assert_eq!(p.client_kind, None);
    assert!(p.notifications.is_empty());
}

// ---------------------------------------------------------------- missing optional data

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

// ---------------------------------------------------------------- refused bodies (HTTP 400)

#[test]
fn a_body_that_is_not_json_is_refused() {
    let e = parse_error(b"not json");
    assert!(matches!(e, ParseError::NotJson(_)), "{e:?}");
    assert_eq!(e.to_string(), "not JSON: expected ident at line 1 column 2");

    let e = parse_error(b"");
    assert_eq!(
        e.to_string(),
        "not JSON: EOF while parsing a value at line 1 column 0"
    );

    let e = parse_error(b"{\"eventId\": \"1\",");
    assert!(matches!(e, ParseError::NotJson(_)), "{e:?}");
    assert!(e.to_string().starts_with("not JSON: "), "{e}");
}

#[test]
fn a_body_that_is_not_an_object_is_refused() {
    for body in [
        "[]",
        "[{\"eventId\":\"1\",\"eventType\":\"appointment.created\"}]",
        "\"appointment.created\"",
        "42",
        "true",
        "null",
    ] {
        let e = parse_error(body.as_bytes());
        assert_eq!(e, ParseError::NotAnObject, "{body}");
        assert_eq!(
            e.to_string(),
            "not a Booxi event: the body is not a JSON object"
        );
    }
}

#[test]
fn an_event_without_event_id_gets_one_derived_from_its_content() {
    for body in [
        json!({ "eventType": "appointment.created", "content": {} }),
        json!({ "eventId": null, "eventType": "appointment.created" }),
        json!({ "eventId": "   ", "eventType": "appointment.created" }),
        json!({ "eventId": true, "eventType": "appointment.created" }),
        json!({ "eventId": { "value": "1" }, "eventType": "appointment.created" }),
    ] {
        let e = event(&body);
        assert!(e.id_derived, "{body}");
        assert!(e.id.starts_with("derived-"), "{}", e.id);
        assert_eq!(e.id.len(), "derived-".len() + 64);
        assert!(
            e.id["derived-".len()..]
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        // The raw body (any layout of the same JSON) reads to the same id.
        let compact = Event::parse(body.to_string().as_bytes(), country()).unwrap();
        let pretty = serde_json::to_vec_pretty(&body).unwrap();
        assert_eq!(compact.id, e.id);
        assert_eq!(Event::parse(&pretty, country()).unwrap().id, e.id);
    }
    let a = event(
        &json!({ "eventType": "appointment.created", "content": { "booking": { "bookingId": 1 } } }),
    );
    let b = event(
        &json!({ "eventType": "appointment.created", "content": { "booking": { "bookingId": 2 } } }),
    );
    assert_ne!(a.id, b.id, "different bodies, different ids");
    assert!(!event(&created_approved()).id_derived);
    assert_eq!(
        parse_error(b"{}"),
        ParseError::MissingEventType,
        "no id and no type: still refused for the type"
    );
}

#[test]
fn an_id_less_body_plans_like_the_same_body_with_an_id() {
    let canonical = created_approved();
    let mut body = canonical.clone();
    body.as_object_mut().unwrap().remove("eventId");
    let (with_id, without) = (planned(&canonical), planned(&body));
    assert_eq!(sent(&without), sent(&with_id));
    let id = event(&body).id;
    assert!(without.notifications.iter().all(|n| n.event_id == id));
}

// ---------------------------------------------------------------- the root envelope

/// The canonical body with the payload objects at the root (no `content` wrapper).
fn at_root(body: &Value) -> Value {
    let mut root = body.clone();
    let content = root.as_object_mut().unwrap().remove("content").unwrap();
    for (k, v) in content.as_object().unwrap() {
        root[k] = v.clone();
    }
    root
}

#[test]
fn payload_objects_may_sit_at_the_root() {
    let canonical = created_approved();
    let body = at_root(&canonical);
    assert!(body.get("content").is_none() && body.get("booking").is_some());
    let e = event(&body);
    assert_eq!(e.id, "evt-1");
    assert_eq!(e.booking.status, Some(Status::Approved));
    assert_eq!(e.merchant.name.as_deref(), Some("Downtown store"));
    assert!(e.staff.is_some() && e.service.is_some() && e.tracking_page.is_some());
    assert_eq!(planned(&body), planned(&canonical));

    let before = with_status(booking("PendingStaffApproval"), "PendingStaffApproval");
    let canonical = status_updated(before, booking("Approved"));
    let body = at_root(&canonical);
    assert!(event(&body).previous.is_some());
    assert_eq!(planned(&body), planned(&canonical));
    assert_eq!(kinds(&planned(&body))[0], Kind::Confirmation);
}

#[test]
fn at_the_root_client_and_tracking_page_may_sit_beside_booking() {
    let canonical = created_approved();
    let body = moved(at_root(&canonical), &["booking", "client"], &["client"]);
    let body = moved(body, &["booking", "trackingPage"], &["trackingPage"]);
    assert!(body["booking"].get("client").is_none());
    assert_eq!(planned(&body), planned(&canonical));
}

/// Booxi's one published sample body: `event` at the root, no id, a type name the guide
/// does not list, the booking at the root.
fn booxi_public_sample() -> Value {
    let mut b = booking("Approved");
    b["client"]["trackingPage"] = b.as_object_mut().unwrap().remove("trackingPage").unwrap();
    let mut body = content(b);
    body["event"] = json!("booking.confirmed");
    body
}

#[test]
fn the_public_sample_shape_plans_with_its_alias() {
    let body = booxi_public_sample();
    let unaliased = planned(&body);
    assert!(unaliased.ignored.is_some() && unaliased.notifications.is_empty());

    let config =
        Config::from_toml("[event_aliases]\n\"booking.confirmed\" = \"appointment.created\"\n")
            .unwrap();
    let e = Event::read(body.to_string().as_bytes(), &config).unwrap();
    assert_eq!(e.event_type, EventType::AppointmentCreated);
    assert_eq!(e.aliased_from.as_deref(), Some("booking.confirmed"));
    assert!(e.id_derived);
    assert!(e.tracking_page.is_some(), "booking.client.trackingPage");
    let p = plan(&e, &config);
    assert_eq!(sent(&p), sent(&planned(&created_approved())));
    // Aliases are compared ignoring case.
    let shouted = body
        .to_string()
        .replace("booking.confirmed", "Booking.Confirmed");
    assert_eq!(
        Event::read(shouted.as_bytes(), &config).unwrap().event_type,
        EventType::AppointmentCreated
    );
}

// ---------------------------------------------------------------- Booxi's REST model

/// The canonical booking with the fields of Booxi's REST model.
fn rest_model_booking() -> Value {
    let mut b = booking("Approved");
    b["bookingId"] = json!("778812");
    b["merchantId"] = json!(501);
    b["staffId"] = json!(7);
    b["totalClientTimespan"] =
        json!({ "start": "2025-03-04T15:00:00Z", "end": "2025-03-04T15:45:00Z", "duration": 45 });
    b["acquisitionChannel"] = json!("Web");
    b["clientCount"] = json!(2);
    b["quickNote"] = json!("Bring the fabric samples");
    b["payment"] = json!({
        "total": "45.00", "paid": 20, "onlinePaymentId": "pay-1",
        "onlinePaymentAmount": { "amount": "20.00", "currency": "CAD" },
        "onlinePaymentStatus": "Paid"
    });
    b["items"] = json!([{
        "serviceId": 3301, "serviceName": "Colour consultation",
        "price": { "visibility": "Visible", "amount": "45.00", "amountPerPerson": null,
                   "amountPerHour": null, "currency": "CAD", "isStartingAt": true, "tax": {} },
        "duration": 45, "resourceId": "r-9", "resourceName": "Chair 2",
        "reservedClientTimespan": { "start": "2025-03-04T15:00:00Z", "end": "2025-03-04T15:45:00Z", "duration": 45 },
        "shoppingCartProductId": null,
        "surveyAnswers": [{ "question": "Hair length?", "answer": "Long" }]
    }, {
        "serviceId": "3302", "price": "10.00", "surveyAnswers": "unexpected"
    }, "not an object"]);
    b["client"]["id"] = json!(90412);
    b["client"]["trackingPage"] = json!({ "viewURL": "https://book.booxi.com/tracking/8c1f2a9e" });
    b
}

#[test]
fn rest_model_fields_are_read_and_change_nothing_planned() {
    let canonical = created_approved();
    let mut c = content(rest_model_booking());
    c["clientLinks"] = json!([
        { "moduleId": 12, "clientId": 90412, "externalId": "crm-77", "metadata": { "tier": "gold" },
          "createdOn": "2025-01-01T00:00:00Z", "modifiedOn": "2025-01-02T00:00:00Z" },
        "junk"
    ]);
    let body = envelope("appointment.created", c);
    let e = event(&body);
    let b = &e.booking;
    assert_eq!(b.id.as_deref(), Some("778812"));
    assert_eq!(b.staff_id.as_deref(), Some("7"));
    assert_eq!(b.quick_note.as_deref(), Some("Bring the fabric samples"));
    assert_eq!(b.client_count.as_deref(), Some("2"));
    assert_eq!(b.acquisition_channel.as_deref(), Some("Web"));
    let payment = b.payment.as_ref().unwrap();
    assert_eq!(payment.total.as_ref().unwrap().amount, "45.00");
    assert_eq!(payment.paid.as_ref().unwrap().amount, "20");
    let online = payment.online_amount.as_ref().unwrap();
    assert_eq!(
        (online.amount.as_str(), online.currency.as_deref()),
        ("20.00", Some("CAD"))
    );
    assert_eq!(payment.online_status.as_deref(), Some("Paid"));
    assert_eq!(
        b.items.len(),
        2,
        "the element that is not an object is passed over"
    );
    let price = b.items[0].price.as_ref().unwrap();
    assert_eq!(
        (
            price.amount.as_str(),
            price.currency.as_deref(),
            price.is_starting_at
        ),
        ("45.00", Some("CAD"), true)
    );
    assert_eq!(b.items[0].service_id.as_deref(), Some("3301"));
    assert_eq!(b.items[0].resource_name.as_deref(), Some("Chair 2"));
    assert_eq!(
        b.items[0].survey_answers,
        Some(json!([{ "question": "Hair length?", "answer": "Long" }]))
    );
    assert_eq!(b.items[1].price.as_ref().unwrap().amount, "10.00");
    assert_eq!(b.items[1].service_id.as_deref(), Some("3302"));
    assert_eq!(e.client_links.len(), 1);
    assert_eq!(e.client_links[0].module_id.as_deref(), Some("12"));
    assert_eq!(e.client_links[0].client_id.as_deref(), Some("90412"));
    assert_eq!(e.client_links[0].external_id.as_deref(), Some("crm-77"));
    assert_eq!(e.client.as_ref().unwrap().id.as_deref(), Some("90412"));
    assert_eq!(
        e.tracking_page.as_ref().unwrap().view_url.as_str(),
        "https://booxi.example/track?b=abc",
        "booking.trackingPage first"
    );
    assert_eq!(sent(&planned(&body)), sent(&planned(&canonical)));
}

#[test]
fn rest_model_values_of_unexpected_types_read_as_absent() {
    let mut b = rest_model_booking();
    b["payment"] = json!({ "total": { "currency": "CAD" }, "paid": [1], "onlinePaymentStatus": 3 });
    b["items"] = json!([{ "price": { "amount": null }, "surveyAnswers": null }]);
    b["quickNote"] = json!({ "text": "x" });
    let mut c = content(b);
    c["clientLinks"] = json!("none");
    let body = envelope("appointment.created", c);
    let e = event(&body);
    let payment = e.booking.payment.as_ref().unwrap();
    assert_eq!(
        (payment.total.as_ref(), payment.paid.as_ref()),
        (None, None)
    );
    assert_eq!(payment.online_status.as_deref(), Some("3"));
    assert_eq!(e.booking.items[0].price, None);
    assert_eq!(e.booking.items[0].survey_answers, None);
    assert_eq!(e.booking.quick_note, None);
    assert!(e.client_links.is_empty());
    assert_eq!(sent(&planned(&body)), sent(&planned(&created_approved())));
}

#[test]
fn client_links_may_sit_on_the_client() {
    let mut b = booking("Approved");
    b["client"]["clientLinks"] = json!([{ "moduleId": "m", "externalId": "x-1" }]);
    let e = event(&envelope("appointment.created", content(b)));
    assert_eq!(e.client_links[0].external_id.as_deref(), Some("x-1"));
}

#[test]
fn an_event_without_event_type_is_refused() {
    for body in [
        json!({ "eventId": "1", "content": { "booking": {} } }),
        json!({ "eventId": "1", "eventType": null }),
        json!({ "eventId": "1", "eventType": "" }),
        json!({ "eventId": "1", "type": ["appointment.created"] }),
    ] {
        let e = parse_error(body.to_string().as_bytes());
        assert_eq!(e, ParseError::MissingEventType, "{body}");
        assert_eq!(
            e.to_string(),
            "not a Booxi event: no event type (eventType, type or event)"
        );
    }
}

#[test]
fn parse_and_from_value_agree() {
    let body = created_approved();
    let from_bytes = Event::parse(body.to_string().as_bytes(), country()).unwrap();
    assert_eq!(
        plan(&from_bytes, &Config::default()),
        planned(&body),
        "Event::parse and Event::from_value read the same body differently"
    );
}

// ---------------------------------------------------------------- delivery wrapper

#[test]
fn a_body_may_arrive_inside_an_api_gateway_event_in_base64() {
    use base64::Engine;
    let raw = created_approved().to_string();
    let wrapped = json!({
        "version": "2.0",
        "rawPath": "/booxi",
        "requestContext": { "http": { "method": "PUT" } },
        "body": base64::engine::general_purpose::STANDARD.encode(&raw),
        "isBase64Encoded": true
    });
    let body = booxi_notify::doors::input::booxi_body(wrapped.to_string().as_bytes()).unwrap();
    assert_eq!(body, raw.as_bytes());
    let e = Event::parse(&body, country()).unwrap();
    assert_eq!(plan(&e, &Config::default()), planned(&created_approved()));
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

#[test]
fn a_byte_order_mark_before_the_json_is_ignored() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(created_approved().to_string().into_bytes());
    assert_eq!(Event::parse(&bytes, country()).unwrap().id, "evt-1");
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

#[test]
fn presence_may_sit_on_the_booking_itself() {
    let mut before = booking("Approved");
    before["client"].as_object_mut().unwrap().remove("presence");
    before["presence"] = json!("Expecting");
    let mut after = before.clone();
    after["presence"] = json!("NoShow");
    assert_eq!(
        kinds(&planned(&status_updated(before, after))),
        vec![Kind::NoShow]
    );
}
