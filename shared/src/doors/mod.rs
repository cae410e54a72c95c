//! Which door an invocation comes through. One Lambda binary serves three kinds of
//! invocation and tells them apart by the shape of the event it receives:
//!
//! - [`Door::Http`]: an API Gateway request (HTTP API v2 or REST v1) carrying a Booxi
//!   webhook call — handled by [`crate::doors::http`];
//! - [`Door::Schedule`]: EventBridge Scheduler firing a scheduled message; the schedule's
//!   input is our own JSON, marked with a top-level `"door": "schedule"`;
//! - [`Door::Queue`]: an SQS batch from the event source mapping (`Records[0].eventSource`
//!   is `aws:sqs`);
//! - [`Door::EventBridge`]: an event an EventBridge rule delivers (`source`,
//!   `detail-type`, `detail`): SES's delivery outcomes, dispatched on `source` by
//!   [`outcomes::event`];
//! - [`Door::Logs`]: a CloudWatch Logs subscription (`awslogs.data`): SNS's SMS
//!   delivery-status records ([`outcomes::sms_logs`]).
//!
//! Anything else is [`Door::Unknown`]: the function answers an error naming what it
//! expected rather than guessing.

pub mod auth;
pub mod http;
pub mod input;
pub mod outcomes;
pub mod queue;
pub mod schedule;

use serde_json::Value;

/// The value of the top-level `door` key that marks a scheduled message's input.
pub const SCHEDULE_DOOR: &str = crate::core::schedules::DOOR;

/// The `eventSource` of every record in an SQS batch event.
pub const SQS_EVENT_SOURCE: &str = "aws:sqs";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    Http,
    Schedule,
    Queue,
    EventBridge,
    Logs,
    Unknown,
}

/// The door of a raw Lambda event. Looks only at the keys that tell the shapes apart,
/// so it costs nothing next to the event's own parsing.
pub fn door_of(event: &Value) -> Door {
    let Some(object) = event.as_object() else {
        return Door::Unknown;
    };
    if object.get("door").and_then(Value::as_str) == Some(SCHEDULE_DOOR) {
        return Door::Schedule;
    }
    if let Some(records) = object.get("Records").and_then(Value::as_array) {
        let from_sqs = records
            .first()
            .and_then(|r| r.get("eventSource"))
            .and_then(Value::as_str)
            == Some(SQS_EVENT_SOURCE);
        return if from_sqs { Door::Queue } else { Door::Unknown };
    }
    if object.contains_key("detail-type") && object.get("source").is_some_and(Value::is_string) {
        return Door::EventBridge;
    }
    if object
        .get("awslogs")
        .and_then(|logs| logs.get("data"))
        .is_some_and(Value::is_string)
    {
        return Door::Logs;
    }
    // HTTP API v2 and REST v1 both carry a requestContext; v1 also an httpMethod.
    if object.contains_key("requestContext") || object.contains_key("httpMethod") {
        return Door::Http;
    }
    Door::Unknown
}

/// What the function says when an event comes through no door it knows.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "unsupported invocation: expected an API Gateway request, a scheduled message \
     (\"door\": \"schedule\"), an SQS batch, an EventBridge event or a CloudWatch Logs \
     subscription"
)]
pub struct UnknownDoor;

/// What the function says when an event comes through a door this deployment does not
/// open (flows not configured, queued mode off).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{door} invocation received, but this function is not configured for it: {hint}")]
pub struct ClosedDoor {
    pub door: &'static str,
    pub hint: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn api_gateway_v2_and_v1_requests_are_http() {
        let v2 = json!({"version": "2.0", "routeKey": "POST /webhook", "rawPath": "/webhook",
            "requestContext": {"http": {"method": "POST"}}, "body": "{}"});
        let v1 = json!({"resource": "/webhook", "path": "/webhook", "httpMethod": "POST",
            "requestContext": {}, "body": "{}"});
        assert_eq!(door_of(&v2), Door::Http);
        assert_eq!(door_of(&v1), Door::Http);
    }

    #[test]
    fn the_schedule_marker_opens_the_schedule_door() {
        let fired = json!({"door": "schedule", "booking": "b-1", "flow": "pre_visit"});
        assert_eq!(door_of(&fired), Door::Schedule);
        assert_eq!(door_of(&json!({"door": "elsewhere"})), Door::Unknown);
    }

    #[test]
    fn sqs_batches_open_the_queue_door_and_other_records_do_not() {
        let sqs =
            json!({"Records": [{"messageId": "m-1", "eventSource": "aws:sqs", "body": "{}"}]});
        let sns = json!({"Records": [{"EventSource": "aws:sns", "Sns": {}}]});
        assert_eq!(door_of(&sqs), Door::Queue);
        assert_eq!(door_of(&sns), Door::Unknown);
        assert_eq!(door_of(&json!({"Records": []})), Door::Unknown);
    }

    #[test]
    fn eventbridge_events_and_log_subscriptions_have_their_doors() {
        let ses = json!({"version": "0", "id": "x", "detail-type": "Email Bounced",
            "source": "aws.ses", "detail": {"eventType": "Bounce"}});
        assert_eq!(door_of(&ses), Door::EventBridge);
        let whatsapp = json!({"detail-type": "WhatsApp Message Delivered",
            "source": "aws.social-messaging", "detail": {}});
        assert_eq!(door_of(&whatsapp), Door::EventBridge);
        assert_eq!(door_of(&json!({"awslogs": {"data": "H4sI"}})), Door::Logs);
        assert_eq!(door_of(&json!({"awslogs": {}})), Door::Unknown);
        assert_eq!(door_of(&json!({"detail-type": "x"})), Door::Unknown);
    }

    #[test]
    fn anything_else_is_unknown() {
        for event in [
            json!(null),
            json!("x"),
            json!([1]),
            json!({}),
            json!({"body": "{}"}),
        ] {
            assert_eq!(door_of(&event), Door::Unknown, "{event}");
        }
        assert!(UnknownDoor.to_string().contains("API Gateway request"));
    }
}
