//! The repository's `events/` folder: API Gateway events wrapping Booxi bodies.

use std::path::PathBuf;

use serde_json::{Value, json};

/// The repository's `events/` folder.
pub fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events")
}

/// An event file, parsed.
pub fn read_event(name: &str) -> Value {
    let path = events_dir().join(name);
    serde_json::from_slice(
        &std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `event` with its body replaced by `body` (plain text).
pub fn with_body(mut event: Value, body: &str) -> Value {
    event["body"] = json!(body);
    event["isBase64Encoded"] = json!(false);
    event
}

/// The confirmation event (client email, client SMS, staff email) with its own id
/// (`burst-<i>`), client address and mobile number: the bursts' events.
pub fn burst_event(i: usize) -> Value {
    let event = read_event("confirmation-created.json");
    let raw = booxi_notify::doors::input::booxi_body(event.to_string().as_bytes())
        .expect("the sample's body is readable");
    let mut body: Value = serde_json::from_slice(&raw).expect("the sample's body is JSON");
    body["eventId"] = json!(format!("burst-{i}"));
    let client = &mut body["content"]["booking"]["client"];
    client["email"] = json!(format!("client{i}@example.com"));
    // Even numbers: none ends in 99 (moto reports those as opted out).
    client["mobilePhoneNumber"] = json!(format!("+1514555{:04}", 2000 + 2 * i));
    with_body(event, &body.to_string())
}

/// The emails and SMS the library plans for an API Gateway event, default configuration.
pub fn planned(event: &Value) -> (usize, usize) {
    use booxi_notify::domain::notification::Channel;
    use booxi_notify::doors::input;
    use booxi_notify::{Config, Event, plan};
    let bytes = input::booxi_body(event.to_string().as_bytes()).expect("a readable body");
    let parsed = Event::read(&bytes, &Config::default()).expect("a Booxi event");
    let p = plan(&parsed, &Config::default());
    let count = |c| p.notifications.iter().filter(|n| n.channel == c).count();
    (count(Channel::Email), count(Channel::Sms))
}
