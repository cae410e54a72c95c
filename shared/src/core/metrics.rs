//! CloudWatch Embedded Metric Format: one JSON line on stdout per metric set; CloudWatch
//! Logs turns them into metrics with no API call. Namespace `BooxiNotify`.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value, json};

use crate::core::outcome::{MessageReport, Status, Summary};
use crate::core::store::epoch_millis;
use crate::domain::feedback::MessageStatus;
use crate::domain::notification::{Audience, Channel, audience_name, channel_name};

pub const NAMESPACE: &str = "BooxiNotify";

/// One EMF line: `dimensions` (name → value) and `metrics` (name, unit, value).
pub fn emf_line(dimensions: &[(&str, &str)], metrics: &[(&str, &str, f64)]) -> String {
    let mut root = Map::new();
    let names: Vec<&str> = dimensions.iter().map(|(k, _)| *k).collect();
    let definitions: Vec<Value> = metrics
        .iter()
        .map(|(name, unit, _)| json!({"Name": name, "Unit": unit}))
        .collect();
    root.insert(
        "_aws".into(),
        json!({
            "Timestamp": epoch_millis(SystemTime::now()),
            "CloudWatchMetrics": [{"Namespace": NAMESPACE, "Dimensions": [names], "Metrics": definitions}]
        }),
    );
    for (k, v) in dimensions {
        root.insert((*k).into(), json!(v));
    }
    for (name, _, value) in metrics {
        root.insert((*name).into(), json!(value));
    }
    Value::Object(root).to_string()
}

/// Events by type.
pub fn event_received(event_type: &str) {
    println!(
        "{}",
        emf_line(&[("EventType", event_type)], &[("Events", "Count", 1.0)])
    );
}

/// Client-side recipients an event listed beyond `max_recipients_per_event`.
pub fn recipients_capped(count: usize) {
    println!(
        "{}",
        emf_line(&[], &[("RecipientsOverLimit", "Count", count as f64)])
    );
}

/// Schedule changes an event called for beyond `max_schedules_per_event`.
pub fn schedules_capped(count: usize) {
    println!(
        "{}",
        emf_line(&[], &[("SchedulesOverLimit", "Count", count as f64)])
    );
}

/// A scheduled message not sent because its fire came too late (after the booking's
/// start, or more than the flow's `late_after` after its time), by flow.
pub fn flow_late(flow: &str) {
    println!(
        "{}",
        emf_line(&[("Flow", flow)], &[("FlowsLate", "Count", 1.0)])
    );
}

/// A booking event put on the `[events_out]` bus (`EventsPublished`), or that the bus did
/// not take (`EventsPublishFailed`: the webhook answers 5xx and Booxi retries).
pub fn event_published(ok: bool) {
    let name = if ok {
        "EventsPublished"
    } else {
        "EventsPublishFailed"
    };
    println!("{}", emf_line(&[], &[(name, "Count", 1.0)]));
}

/// SMS not sent because their number's country is not allowed (`[sms] countries`).
pub fn sms_country_blocked(count: usize) {
    println!(
        "{}",
        emf_line(&[], &[("SmsCountryBlocked", "Count", count as f64)])
    );
}

/// An SMS not sent because its merchant's daily cap (`[sms] max_per_day`) is reached.
/// The stack alarms at the first one.
pub fn sms_over_daily_cap() {
    println!("{}", emf_line(&[], &[("SmsOverDailyCap", "Count", 1.0)]));
}

/// Events of a type nothing handles (acknowledged and ignored), by type: what Booxi
/// sends that no rule or alias covers.
pub fn event_ignored(event_type: &str) {
    println!(
        "{}",
        emf_line(
            &[("EventType", event_type)],
            &[("IgnoredEvents", "Count", 1.0)]
        )
    );
}

/// A message not sent because its recipient is suppressed, by audience and channel.
pub fn suppressed(audience: Audience, channel: Channel) {
    println!(
        "{}",
        emf_line(
            &[
                ("Audience", audience_name(audience)),
                ("Channel", channel_name(channel))
            ],
            &[("MessagesSuppressed", "Count", 1.0)]
        )
    );
}

/// An SMS sent because a WhatsApp message could not go (refused when sent) or came
/// back failed, by audience.
pub fn whatsapp_fallback(audience: Audience) {
    println!(
        "{}",
        emf_line(
            &[("Audience", audience_name(audience))],
            &[("WhatsAppFallbacks", "Count", 1.0)]
        )
    );
}

/// What a provider's outcome changed, by audience and channel: `MessagesDelivered`,
/// `MessagesBounced`, `MessagesComplained`, `SmsDeliveryFailed` (an SMS failed or
/// opted out), `WhatsAppDeliveryFailed` (a WhatsApp message failed: not on WhatsApp,
/// a paused template…). Other changes (delayed, read, rejected…) are logged, not counted.
pub fn outcome_learned(status: MessageStatus, audience: &str, channel: &str) {
    if let Some(line) = outcome_line(status, audience, channel) {
        println!("{line}");
    }
}

/// The EMF line of [`outcome_learned`], if the change is counted.
pub fn outcome_line(status: MessageStatus, audience: &str, channel: &str) -> Option<String> {
    let name = match status {
        MessageStatus::Delivered => "MessagesDelivered",
        MessageStatus::Bounced => "MessagesBounced",
        MessageStatus::Complained => "MessagesComplained",
        MessageStatus::Failed | MessageStatus::OptedOut if channel == "sms" => "SmsDeliveryFailed",
        MessageStatus::Failed if channel == "whatsapp" => "WhatsAppDeliveryFailed",
        _ => return None,
    };
    Some(emf_line(
        &[("Audience", audience), ("Channel", channel)],
        &[(name, "Count", 1.0)],
    ))
}

/// An outcome for a message we do not know (sent before this version, or by another
/// system on the same identity), by provider (`ses`, `sns`).
pub fn outcome_unmatched(provider: &str) {
    println!(
        "{}",
        emf_line(
            &[("Provider", provider)],
            &[("OutcomesUnmatched", "Count", 1.0)]
        )
    );
}

/// Messages sent / skipped / failed by kind and channel, and the event's duration.
pub fn event_done(summary: &Summary, duration: Duration) {
    for line in outcome_lines(&summary.messages) {
        println!("{line}");
    }
    println!(
        "{}",
        emf_line(
            &[],
            &[("Duration", "Milliseconds", duration.as_secs_f64() * 1000.0)]
        )
    );
}

/// What one batch of the queue door came to: messages sent / failed by kind and channel
/// (the same metrics as direct mode's), and the batch's duration.
pub fn batch_done(reports: &[MessageReport], duration: Duration) {
    for line in outcome_lines(reports) {
        println!("{line}");
    }
    println!(
        "{}",
        emf_line(
            &[],
            &[
                (
                    "QueueBatchDuration",
                    "Milliseconds",
                    duration.as_secs_f64() * 1000.0
                ),
                ("QueueMessagesReceived", "Count", reports.len() as f64),
            ]
        )
    );
}

pub fn outcome_lines(reports: &[MessageReport]) -> Vec<String> {
    let mut counts: BTreeMap<(String, &str), [f64; 5]> = BTreeMap::new();
    for r in reports {
        let channel = r.channel.map(channel_name).unwrap_or("none");
        let slot = counts.entry((r.kind.to_string(), channel)).or_default();
        // A message found sent before (Booxi's retry, a queue message delivered twice)
        // is not sent again: counted skipped, so `MessagesSent` counts sends.
        let i = match r.status() {
            Status::Sent if r.reason() == Some(crate::core::outcome::SENT_EARLIER) => 1,
            Status::Sent => 0,
            Status::Skipped => 1,
            Status::Failed => 2,
            Status::Queued => 3,
            Status::Deferred => 4,
        };
        slot[i] += 1.0;
    }
    counts
        .into_iter()
        .map(
            |((kind, channel), [sent, skipped, failed, queued, deferred])| {
                let mut metrics = vec![
                    ("MessagesSent", "Count", sent),
                    ("MessagesSkipped", "Count", skipped),
                    ("MessagesFailed", "Count", failed),
                ];
                // Only in queued mode: direct mode's lines stay as they were.
                if queued > 0.0 {
                    metrics.push(("MessagesQueued", "Count", queued));
                }
                // Only when quiet hours held an SMS back.
                if deferred > 0.0 {
                    metrics.push(("MessagesDeferred", "Count", deferred));
                }
                emf_line(&[("Kind", &kind), ("Channel", channel)], &metrics)
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::outcome::Outcome;
    use crate::domain::notification::Kind;

    #[test]
    fn emf_lines_declare_their_metrics() {
        let line: Value = serde_json::from_str(&emf_line(
            &[("EventType", "appointment.created")],
            &[("Events", "Count", 1.0)],
        ))
        .unwrap();
        assert_eq!(line["EventType"], "appointment.created");
        assert_eq!(line["Events"], 1.0);
        let def = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(def["Namespace"], "BooxiNotify");
        assert_eq!(def["Dimensions"], json!([["EventType"]]));
        assert_eq!(def["Metrics"], json!([{"Name": "Events", "Unit": "Count"}]));
        assert!(line["_aws"]["Timestamp"].as_u64().unwrap() > 1_700_000_000_000);
    }

    #[test]
    fn outcomes_after_the_send_are_counted_by_audience_and_channel() {
        let line: Value =
            serde_json::from_str(&outcome_line(MessageStatus::Bounced, "staff", "email").unwrap())
                .unwrap();
        assert_eq!(line["MessagesBounced"], 1.0);
        assert_eq!(line["Audience"], "staff");
        assert_eq!(
            line["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Audience", "Channel"]])
        );
        for (status, channel, name) in [
            (MessageStatus::Delivered, "email", Some("MessagesDelivered")),
            (
                MessageStatus::Complained,
                "email",
                Some("MessagesComplained"),
            ),
            (MessageStatus::OptedOut, "sms", Some("SmsDeliveryFailed")),
            (MessageStatus::Failed, "sms", Some("SmsDeliveryFailed")),
            (MessageStatus::Delayed, "email", None),
            (MessageStatus::Failed, "email", None),
        ] {
            let line = outcome_line(status, "client", channel)
                .map(|l| serde_json::from_str::<Value>(&l).unwrap());
            let counted = line.and_then(|l| {
                [
                    "MessagesDelivered",
                    "MessagesComplained",
                    "SmsDeliveryFailed",
                ]
                .into_iter()
                .find(|n| l.get(*n).is_some())
            });
            assert_eq!(counted, name, "{status} {channel}");
        }
    }

    #[test]
    fn outcomes_are_counted_by_kind_and_channel() {
        let r = |outcome, channel| MessageReport {
            kind: Kind::Confirmation,
            audience: Audience::Client,
            channel,
            outcome,
            fallback_for: None,
        };
        let lines = outcome_lines(&[
            r(
                Outcome::Sent {
                    earlier: false,
                    provider_id: None,
                },
                Some(Channel::Email),
            ),
            r(
                Outcome::Failed {
                    failure: crate::core::delivery::Failure::Temporary,
                    reason: "x".into(),
                },
                Some(Channel::Sms),
            ),
            r(Outcome::Skipped { reason: "y".into() }, Some(Channel::Sms)),
            r(
                Outcome::Sent {
                    earlier: true,
                    provider_id: None,
                },
                Some(Channel::Email),
            ),
        ]);
        assert_eq!(lines.len(), 2);
        let sms: Value = serde_json::from_str(&lines[1]).unwrap();
        assert_eq!(sms["Channel"], "sms");
        assert_eq!(
            (
                sms["MessagesSent"].as_f64(),
                sms["MessagesSkipped"].as_f64(),
                sms["MessagesFailed"].as_f64()
            ),
            (Some(0.0), Some(1.0), Some(1.0))
        );
        // Sent before: not a send.
        let email: Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(
            (
                email["MessagesSent"].as_f64(),
                email["MessagesSkipped"].as_f64()
            ),
            (Some(1.0), Some(1.0))
        );
    }
}
