//! The sample bodies: inline ones and every file of `events/`, each holding a Booxi body
//! that plans messages.

use super::*;

const EVENTS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../events");

/// Inline canonical bodies, so the mutation property has input whatever `events/` holds.
fn inline_samples() -> Vec<(String, Value)> {
    let client = json!({
        "id": 90412, "firstName": "Jane", "lastName": "Doe",
        "email": "jane.doe@example.com", "mobilePhoneNumber": "(514) 555-0123",
        "presence": "Expecting", "remindByEmail": true, "remindBySMS": true, "language": "eng"
    });
    let merchant = json!({
        "id": 501, "name": "Atelier", "timeZone": "America/Toronto", "defaultLanguage": "eng",
        "email": "bookings@atelier.example.com", "address": { "country": "CA" },
        "translations": [{ "language": "fre", "name": "Atelier" }]
    });
    let staff = json!({
        "id": 2101, "firstName": "Marie", "communicationEmail": "marie@atelier.example.com",
        "language": "fre"
    });
    let tracking = json!({
        "viewURL": "https://booking.booxi.example/track/8c1f", "canConfirm": true,
        "canModify": true, "canCancel": true
    });
    let booking = |status: &str, starts_on: &str| {
        json!({
            "bookingId": 778812, "confirmationNumber": "A00006500", "status": status,
            "isCompleted": false, "startsOn": starts_on, "staffId": 2101,
            "staffFirstName": "Marie", "location": "Business",
            "clientCommunication": "ClientOnly", "createdBy": "Client", "modifiedBy": "Staff",
            "modifiedByStaffId": 2101, "client": client, "trackingPage": tracking,
            "items": [{ "serviceId": 3301, "serviceName": "Colour consultation" }]
        })
    };

    let created = json!({
        "eventId": "inline-created", "eventType": "appointment.created",
        "createdOn": "2026-11-20T14:02:12Z",
        "content": {
            "booking": booking("Approved", "2026-12-03T15:00:00Z"),
            "staff": staff, "merchant": merchant,
            "service": { "id": 3301, "name": "Colour consultation" },
            "trackingQRCodeUrl": "https://booking.booxi.example/qr/8c1f.png"
        }
    });

    let mut canceled_after = booking("Cancelled", "2026-12-03T15:00:00Z");
    canceled_after["clientCommunication"] = json!("ClientAndAttendees");
    canceled_after["bookingMethod"] = json!("GroupReservation");
    canceled_after["attendees"] = json!([
        { "id": 1, "email": "ann@example.com", "mobilePhoneNumber": "+33 6 12 34 56 78",
          "remindBySMS": true, "language": "fr-CA", "isRequester": false },
        { "id": 2, "email": "jane.doe@example.com", "isRequester": true }
    ]);
    let canceled = json!({
        "eventId": 2002, "eventType": "appointment.status_updated",
        "content": {
            "booking": canceled_after,
            "previousBooking": booking("Approved", "2026-12-03T15:00:00Z"),
            "staff": staff, "merchant": merchant
        }
    });

    // The other spellings: id, type, eventContent, previous, client and tracking page
    // beside the booking.
    let mut moved_after = booking("Approved", "2026-12-04T16:30:00Z");
    let moved_client = moved_after
        .as_object_mut()
        .and_then(|b| b.remove("client"))
        .unwrap_or_default();
    let moved_tracking = moved_after
        .as_object_mut()
        .and_then(|b| b.remove("trackingPage"))
        .unwrap_or_default();
    let moved = json!({
        "id": "inline-moved", "type": "appointment.updated",
        "eventContent": {
            "booking": moved_after,
            "previous": booking("Approved", "2026-12-03T15:00:00Z"),
            "client": moved_client, "trackingPage": moved_tracking,
            "staff": staff, "merchant": merchant, "unknownField": { "kept": true }
        }
    });

    // Booxi's published sample: objects at the root, `event`, no id.
    let mut root = created.clone();
    if let Some(o) = root.as_object_mut() {
        let content = o.remove("content").unwrap_or_default();
        o.remove("eventId");
        let event_type = o.remove("eventType").unwrap_or_default();
        o.insert("event".to_owned(), event_type);
        for (k, v) in content.as_object().cloned().unwrap_or_default() {
            o.insert(k, v);
        }
    }

    vec![
        ("inline: root envelope without id".to_owned(), root),
        ("inline: created".to_owned(), created),
        ("inline: canceled with attendees".to_owned(), canceled),
        ("inline: moved, other spellings".to_owned(), moved),
    ]
}

/// The Booxi bodies of `events/*.json` (each an API Gateway event), by file name.
/// Files that are not JSON or have no body are left out here and reported by
/// `every_sample_event_file_holds_a_booxi_body`.
fn file_samples() -> Vec<(String, Result<Vec<u8>, String>)> {
    testkit::events::event_files()
        .into_iter()
        .map(|path| {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let body = std::fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|bytes| booxi_body(&bytes).map_err(|e| e.to_string()));
            (name, body)
        })
        .collect()
}

pub(super) static SAMPLES: LazyLock<Vec<(String, Value)>> = LazyLock::new(|| {
    let mut samples = inline_samples();
    for (name, body) in file_samples() {
        if let Some(value) = body
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        {
            samples.push((name, value));
        }
    }
    samples
});

#[test]
fn the_events_directory_exists() {
    assert!(
        Path::new(EVENTS_DIR).is_dir(),
        "{EVENTS_DIR} is not a directory"
    );
}

#[test]
fn every_sample_event_file_holds_a_booxi_body() {
    let mut bad = Vec::new();
    let mut refused = Vec::new();
    let mut accepted = 0;
    for (name, body) in file_samples() {
        let body = match body {
            Ok(body) => body,
            Err(e) => {
                bad.push(format!("{name}: {e}"));
                continue;
            }
        };
        match Event::parse(&body, country()) {
            Err(e) => refused.push(format!("{name}: {e}")),
            Ok(event) => {
                accepted += 1;
                let plan = plan(&event, &Config::default());
                if let Err(e) = check_plan(&event, &plan) {
                    bad.push(format!("{name}: {e}"));
                }
            }
        }
    }
    assert!(bad.is_empty(), "sample events with problems: {bad:#?}");
    // docs/payload.md: the files of events/ are one sample per shape the project accepts.
    assert!(
        refused.is_empty(),
        "sample events refused by Event::parse: {refused:#?} ({accepted} accepted)"
    );
}

#[test]
fn inline_samples_plan_messages() {
    for (name, body) in inline_samples() {
        let event = Event::from_value(&body, country()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let plan = plan(&event, &Config::default());
        assert!(
            plan.notifications.iter().any(|n| !n.kind.is_staff()),
            "{name}: no client message\n{}",
            plan.explain()
        );
        assert!(
            plan.notifications.iter().any(|n| n.kind.is_staff()),
            "{name}: no staff message\n{}",
            plan.explain()
        );
        check_plan(&event, &plan).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}
