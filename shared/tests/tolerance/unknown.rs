//! Unknown fields, event types and enum values: kept, never an error.

use super::*;

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
