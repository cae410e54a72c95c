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
