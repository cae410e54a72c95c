//! The repository's `events/` folder: API Gateway events wrapping Booxi bodies.

use std::path::PathBuf;

use serde_json::{Value, json};

/// The repository's `events/` folder.
pub fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events")
}

/// The sample events of `events/`, sorted by name: every `.json` file but
/// `local-env.json` (SAM's `--env-vars` file for local mode, not an event).
pub fn event_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(events_dir())
        .expect("events/ exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter(|p| !p.ends_with("local-env.json"))
        .collect();
    files.sort();
    files
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

/// An outcome event of `events/outcomes/` (SES's on EventBridge, SNS's SMS records in
/// CloudWatch Logs), parsed.
pub fn outcome_event(name: &str) -> Value {
    read_event(&format!("outcomes/{name}"))
}

/// A SES event of `events/outcomes/` about the message SES accepted as `message_id`.
pub fn ses_event(name: &str, message_id: &str) -> Value {
    let mut event = outcome_event(name);
    event["detail"]["mail"]["messageId"] = json!(message_id);
    event
}

/// A WhatsApp status event of `events/outcomes/` about the message End User Messaging
/// Social accepted as `message_id`.
pub fn whatsapp_event(name: &str, message_id: &str) -> Value {
    let mut event = outcome_event(name);
    event["detail"]["messageId"] = json!(message_id);
    event
}

/// What a CloudWatch Logs subscription event carries: its JSON, decoded.
pub fn decode_logs(event: &Value) -> Value {
    use base64::Engine;
    use std::io::Read;
    let data = event["awslogs"]["data"].as_str().expect("awslogs.data");
    let gzipped = base64::engine::general_purpose::STANDARD
        .decode(data)
        .expect("base64");
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(gzipped.as_slice())
        .read_to_end(&mut text)
        .expect("gzip");
    serde_json::from_slice(&text).expect("JSON")
}

/// `data` as CloudWatch Logs hands it to Lambda: `{"awslogs":{"data": base64(gzip)}}`.
pub fn encode_logs(data: &Value) -> Value {
    use base64::Engine;
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data.to_string().as_bytes()).expect("gzip");
    let packed = gz.finish().expect("gzip");
    json!({"awslogs": {"data": base64::engine::general_purpose::STANDARD.encode(packed)}})
}

/// An SMS delivery-status event of `events/outcomes/` about the SMS SNS accepted as
/// `message_id` (each record of it).
pub fn sms_event(name: &str, message_id: &str) -> Value {
    let mut data = decode_logs(&outcome_event(name));
    for log_event in data["logEvents"].as_array_mut().into_iter().flatten() {
        let mut record: Value =
            serde_json::from_str(log_event["message"].as_str().unwrap_or("{}")).expect("a record");
        record["notification"]["messageId"] = json!(message_id);
        log_event["message"] = json!(record.to_string());
    }
    encode_logs(&data)
}
