//! How the bytes arrive: inside an API Gateway event in base64, after a byte order mark;
//! `Event::parse` and `Event::from_value` agree.

use super::*;

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
fn a_byte_order_mark_before_the_json_is_ignored() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(created_approved().to_string().into_bytes());
    assert_eq!(Event::parse(&bytes, country()).unwrap().id, "evt-1");
}
