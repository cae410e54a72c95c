//! Refused bodies (HTTP 400), and an id derived for a body without one.

use super::*;

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
