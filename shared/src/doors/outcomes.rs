//! The outcome doors: what providers say after the send comes in here.
//!
//! - [`event`]: an EventBridge event, as EventBridge delivers it to a rule's target
//!   (`source`, `detail-type`, `detail`). It dispatches on `source`: `aws.ses` is SES's
//!   delivery events (the configuration set's EventBridge destination: "Email Sent",
//!   "Email Delivered", "Email Bounced", "Email Complaint Received", "Email Rejected",
//!   "Email Delivery Delayed", "Email Rendering Failed"); other sources (WhatsApp's
//!   status events later) get their own arm.
//! - [`sms_logs`]: a CloudWatch Logs subscription event (`{"awslogs":{"data":…}}`,
//!   base64 of gzip) carrying SNS's SMS delivery-status records.
//!
//! Both deliver at least once, late and out of order: the core keeps a message's status
//! moving forward only. An event about a message we do not know is counted and answered
//! (never an error, which would only bring it back); an event we cannot read is logged
//! and answered too. Only a store that cannot be reached fails the invocation, so the
//! event is delivered again.

use std::io::Read;

use base64::Engine;
use serde_json::{Value, json};

use crate::core::process::Core;
use crate::core::store::{Applied, IdempotencyStore, StoreError};
use crate::domain::feedback::{self, Learned};

/// The `source` of SES's events on EventBridge.
pub const SES_SOURCE: &str = "aws.ses";

/// The detail-types of SES's delivery events this door acts on (the EventBridge rule's
/// pattern lists the same).
pub const SES_DETAIL_TYPES: [&str; 7] = [
    "Email Sent",
    "Email Delivered",
    "Email Bounced",
    "Email Complaint Received",
    "Email Rejected",
    "Email Delivery Delayed",
    "Email Rendering Failed",
];

/// Why an outcome event failed the invocation: only the store.
#[derive(Debug, thiserror::Error)]
#[error("outcome not recorded: {0}")]
pub struct OutcomeError(#[from] pub StoreError);

/// The word an [`Applied`] is answered with.
fn applied_word(applied: &Applied) -> &'static str {
    match applied {
        Applied::Unmatched => "unmatched",
        Applied::Unchanged(_) => "unchanged",
        Applied::Changed(_) => "updated",
    }
}

/// The EventBridge door: one event, dispatched on its `source` and `detail-type`.
pub async fn event<I: IdempotencyStore, C, P>(
    core: &Core<I, C, P>,
    event: &Value,
) -> Result<Value, OutcomeError> {
    let source = event.get("source").and_then(Value::as_str).unwrap_or("");
    let detail_type = event
        .get("detail-type")
        .and_then(Value::as_str)
        .unwrap_or("");
    let detail = event.get("detail").unwrap_or(&Value::Null);
    match source {
        SES_SOURCE => ses(core, detail_type, detail).await,
        _ => {
            tracing::warn!(source = %crate::domain::text::one_line(source).chars().take(64).collect::<String>(), "EventBridge event from a source this function does not handle: ignored");
            Ok(json!({"status": "ignored", "reason": "unknown source"}))
        }
    }
}

async fn ses<I: IdempotencyStore, C, P>(
    core: &Core<I, C, P>,
    detail_type: &str,
    detail: &Value,
) -> Result<Value, OutcomeError> {
    let learned = match feedback::from_ses(detail) {
        Ok(Some(learned)) => learned,
        Ok(None) => {
            tracing::info!(detail_type = %shown(detail_type), "SES event that says nothing of delivery: ignored");
            return Ok(json!({"status": "ignored"}));
        }
        Err(e) => {
            tracing::warn!(detail_type = %shown(detail_type), error = %e, "SES event not understood: ignored");
            return Ok(json!({"status": "ignored", "reason": e.to_string()}));
        }
    };
    let applied = core.learn(&learned, "ses").await?;
    Ok(answer(&learned, &applied))
}

fn answer(learned: &Learned, applied: &Applied) -> Value {
    let mut answer = json!({
        "status": applied_word(applied),
        "provider_id": learned.provider_id,
        "outcome": learned.status.name(),
    });
    if let Applied::Changed(entry) | Applied::Unchanged(entry) = applied {
        answer["message_status"] = json!(entry.status);
    }
    answer
}

/// A provider's word in a log line: bounded, one line.
fn shown(text: &str) -> String {
    crate::domain::text::one_line(text)
        .chars()
        .take(64)
        .collect()
}

/// What a subscription event holds, decoded.
#[derive(Debug, serde::Deserialize)]
struct LogData {
    #[serde(rename = "messageType", default)]
    message_type: String,
    #[serde(rename = "logEvents", default)]
    log_events: Vec<LogEvent>,
}

#[derive(Debug, serde::Deserialize)]
struct LogEvent {
    #[serde(default)]
    timestamp: Option<i64>,
    #[serde(default)]
    message: String,
}

/// At most this many bytes once gunzipped (CloudWatch Logs sends at most 1 MB of
/// events per invocation, far less compressed): a bound on what a bad event can cost.
const MAX_LOG_DATA: u64 = 8 * 1024 * 1024;

/// Decodes `{"awslogs":{"data": base64(gzip(json))}}`.
fn decode_logs(event: &Value) -> Result<LogData, String> {
    let data = event
        .pointer("/awslogs/data")
        .and_then(Value::as_str)
        .ok_or("no awslogs.data")?;
    let gzipped = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|_| "awslogs.data is not base64")?;
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(gzipped.as_slice())
        .take(MAX_LOG_DATA)
        .read_to_end(&mut text)
        .map_err(|_| "awslogs.data is not gzip")?;
    serde_json::from_slice(&text).map_err(|_| "awslogs.data is not the JSON of log events".into())
}

/// The CloudWatch Logs door: SNS's SMS delivery-status records, one per log event.
/// A control message (CloudWatch Logs checking the destination) is answered and
/// ignored; a record that does not read is logged and skipped; the others are applied.
pub async fn sms_logs<I: IdempotencyStore, C, P>(
    core: &Core<I, C, P>,
    event: &Value,
) -> Result<Value, OutcomeError> {
    let data = match decode_logs(event) {
        Ok(data) => data,
        Err(e) => {
            tracing::warn!(error = %e, "CloudWatch Logs event not understood: ignored");
            return Ok(json!({"status": "ignored", "reason": e}));
        }
    };
    if data.message_type != "DATA_MESSAGE" {
        return Ok(json!({"status": "ignored", "reason": "not a DATA_MESSAGE"}));
    }
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for log_event in &data.log_events {
        let logged_at = log_event
            .timestamp
            .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok());
        let learned = serde_json::from_str::<Value>(&log_event.message)
            .map_err(|_| feedback::FeedbackError::Sms("not JSON".into()))
            .and_then(|record| feedback::from_sms_log(&record, logged_at));
        let word = match learned {
            Err(e) => {
                tracing::warn!(error = %e, "SMS delivery record not understood: skipped");
                "ignored"
            }
            Ok(learned) => applied_word(&core.learn(&learned, "sns").await?),
        };
        *counts.entry(word).or_default() += 1;
    }
    Ok(json!({"status": "processed", "records": counts}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_data_decodes_from_base64_gzip() {
        use std::io::Write;
        let json = br#"{"messageType":"CONTROL_MESSAGE","logEvents":[]}"#;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(json).unwrap();
        let data = base64::engine::general_purpose::STANDARD.encode(gz.finish().unwrap());
        let decoded = decode_logs(&json!({"awslogs": {"data": data}})).unwrap();
        assert_eq!(decoded.message_type, "CONTROL_MESSAGE");
        assert_eq!(
            decode_logs(&json!({"awslogs": {"data": "!!"}})).unwrap_err(),
            "awslogs.data is not base64"
        );
        assert_eq!(
            decode_logs(&json!({"awslogs": {"data": "aGVsbG8="}})).unwrap_err(),
            "awslogs.data is not gzip"
        );
    }
}
