//! What processing an event came to, typed: the [`Summary`] every door answers with and
//! metrics count, one [`MessageReport`] per planned or skipped message. No HTTP here: the
//! HTTP edge maps a summary to a status code, a future queue door to a partial-batch
//! answer.

use serde::{Deserialize, Serialize};

use crate::core::delivery::Failure;
use crate::domain::notification::{Audience, Channel, Kind, Notification};

/// What happened to one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Sent now, or (`earlier`) by an earlier delivery of the same event; with the
    /// provider's message id when it is known (SES's or SNS's `MessageId`).
    Sent {
        earlier: bool,
        provider_id: Option<String>,
    },
    /// Not sent, by decision (rules, consent, configuration).
    Skipped { reason: String },
    /// Not sent: the recipient is suppressed (bounced, complained, opted out); answered
    /// as `skipped`, counted in `MessagesSuppressed` too.
    Suppressed {
        cause: crate::domain::feedback::Cause,
        reason: String,
    },
    /// Not sent: why, and what kind of failure decides what happens next.
    Failed { failure: Failure, reason: String },
    /// Put on the delivery queue (queued mode): the queue door sends it.
    Queued,
    /// Held back by quiet hours (`[sms] quiet_hours`): a one-time schedule sends it at
    /// `at` (RFC 3339, UTC), the end of the window; `reason` says so.
    Deferred { at: String, reason: String },
}

impl Outcome {
    /// An SMS held back by quiet hours, a schedule sending it at `at`.
    pub fn held_back(at: jiff::Timestamp) -> Self {
        let at = crate::domain::notification::utc_seconds(at);
        Outcome::Deferred {
            reason: format!("held back by quiet hours: a schedule sends it at {at}"),
            at,
        }
    }
}

/// Reason shown for a message an earlier delivery sent.
pub const SENT_EARLIER: &str = "sent by an earlier delivery of this event";

/// One message of the summary (no address). Serialised as
/// `{"kind","audience","channel"?,"status","reason"?,"failure"?,"provider_id"?,"fallback_for"?,"at"?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "ReportWire", try_from = "ReportWire")]
pub struct MessageReport {
    pub kind: Kind,
    pub audience: Audience,
    pub channel: Option<Channel>,
    pub outcome: Outcome,
    /// An email that went because the SMS of the same message could not (`"sms"`).
    pub fallback_for: Option<Channel>,
}

/// The three words of the answer's `status` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Sent,
    Skipped,
    Failed,
    Queued,
    /// Held back by quiet hours, scheduled for their end.
    Deferred,
}

impl MessageReport {
    pub fn status(&self) -> Status {
        match self.outcome {
            Outcome::Sent { .. } => Status::Sent,
            Outcome::Skipped { .. } | Outcome::Suppressed { .. } => Status::Skipped,
            Outcome::Failed { .. } => Status::Failed,
            Outcome::Queued => Status::Queued,
            Outcome::Deferred { .. } => Status::Deferred,
        }
    }

    /// The provider's message id of a message sent.
    pub fn provider_id(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Sent { provider_id, .. } => provider_id.as_deref(),
            _ => None,
        }
    }

    pub fn failure(&self) -> Option<Failure> {
        match self.outcome {
            Outcome::Failed { failure, .. } => Some(failure),
            _ => None,
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Sent { earlier: false, .. } | Outcome::Queued => None,
            Outcome::Sent { earlier: true, .. } => Some(SENT_EARLIER),
            Outcome::Skipped { reason }
            | Outcome::Suppressed { reason, .. }
            | Outcome::Failed { reason, .. }
            | Outcome::Deferred { reason, .. } => Some(reason),
        }
    }

    /// When a message held back by quiet hours goes.
    pub fn at(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Deferred { at, .. } => Some(at),
            _ => None,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct ReportWire {
    kind: Kind,
    audience: Audience,
    /// Absent (not `null`) for a message skipped before a channel was chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    channel: Option<Channel>,
    status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    failure: Option<Failure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    provider_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fallback_for: Option<Channel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    at: Option<String>,
}

impl From<MessageReport> for ReportWire {
    fn from(r: MessageReport) -> Self {
        Self {
            kind: r.kind,
            audience: r.audience,
            channel: r.channel,
            status: r.status(),
            reason: r.reason().map(str::to_owned),
            failure: r.failure(),
            provider_id: r.provider_id().map(str::to_owned),
            fallback_for: r.fallback_for,
            at: r.at().map(str::to_owned),
        }
    }
}

impl TryFrom<ReportWire> for MessageReport {
    type Error = String;

    fn try_from(w: ReportWire) -> Result<Self, String> {
        let reason = w.reason.unwrap_or_default();
        let outcome = match w.status {
            Status::Sent => Outcome::Sent {
                earlier: !reason.is_empty(),
                provider_id: w.provider_id,
            },
            Status::Skipped => Outcome::Skipped { reason },
            Status::Failed => Outcome::Failed {
                failure: w
                    .failure
                    .ok_or("a failed message without its kind of failure")?,
                reason,
            },
            Status::Queued => Outcome::Queued,
            Status::Deferred => Outcome::Deferred {
                at: w.at.ok_or("a deferred message without its time")?,
                reason,
            },
        };
        Ok(Self {
            kind: w.kind,
            audience: w.audience,
            channel: w.channel,
            outcome,
            fallback_for: w.fallback_for,
        })
    }
}

/// What became of the event as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// Not an event type we act on: nothing planned, nothing claimed.
    Ignored,
    /// Processed before: nothing sent now. `messages` are the first processing's
    /// outcomes when they were saved.
    Duplicate,
    /// Another delivery holds the claim under a live lease: nothing done.
    InProgress,
    /// Processed now: `messages` says what went.
    Processed,
    /// Processed now in queued mode: `messages` says what was put on the queue.
    Queued,
}

/// The typed result of processing one event, for any door.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub event_id: String,
    pub disposition: Disposition,
    pub messages: Vec<MessageReport>,
    /// Scheduled messages (`[[flows]]`) created, moved or removed, or that failed to be.
    pub schedules: Vec<ScheduleReport>,
    /// With `[events_out]`: what became of the event published for it.
    pub event: Option<EventReport>,
}

/// One schedule change of the summary (no address). Serialised as
/// `{"kind","audience","channel","schedule":"upsert"|"delete","at"?,"status":"done"|"skipped"|"failed","reason"?,"failure"?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduleReport {
    pub kind: Kind,
    /// Absent for a flow's event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<Audience>,
    /// `email`, `sms`, or `event` (a flow's event).
    pub channel: crate::domain::notification::FlowChannel,
    /// `upsert` or `delete`.
    pub schedule: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// `done`, `skipped` (an upsert already past when processed) or `failed`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
}

/// Reason shown for an event an earlier delivery published.
pub const PUBLISHED_EARLIER: &str = "published by an earlier delivery of this event";

/// Reason shown when the event's messages want a retry: the retry publishes it, with
/// what became of them then.
pub const DEFERRED: &str =
    "not published yet: a message failed, and the delivery that completes the event publishes it";

/// What became of an event's publication: the answer's `event`. Serialised as
/// `{"detail_type","status":"published"|"failed"|"deferred"|"skipped","reason"?,"failure"?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventReport {
    pub detail_type: String,
    /// `published` (now, or by an earlier delivery: see `reason`), `failed`, `deferred`
    /// (the event's messages want a retry first), `skipped` (a flow's event no longer
    /// wanted).
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
}

impl EventReport {
    pub(crate) fn new(detail_type: &str, status: &'static str, reason: Option<String>) -> Self {
        Self {
            detail_type: detail_type.to_owned(),
            status,
            reason,
            failure: None,
        }
    }

    pub fn deferred(detail_type: &str) -> Self {
        Self::new(detail_type, "deferred", Some(DEFERRED.to_owned()))
    }

    pub fn skipped(detail_type: &str, reason: String) -> Self {
        Self::new(detail_type, "skipped", Some(reason))
    }

    pub fn failed(detail_type: &str, failure: Failure, reason: String) -> Self {
        Self {
            failure: Some(failure),
            ..Self::new(detail_type, "failed", Some(reason))
        }
    }
}

impl Summary {
    /// The failure that asks for the event to be delivered again, if any (a message's, a
    /// schedule change's or the event's publication's): a temporary one first (it may
    /// clear by itself), else a configuration one. Refusals never do.
    pub fn retry_wanted(&self) -> Option<Failure> {
        let failures = || {
            self.messages
                .iter()
                .filter_map(MessageReport::failure)
                .chain(self.schedules.iter().filter_map(|s| s.failure))
                .chain(self.event.iter().filter_map(|e| e.failure))
        };
        if failures().any(|f| f == Failure::Temporary) {
            Some(Failure::Temporary)
        } else if failures().any(|f| f == Failure::Configuration) {
            Some(Failure::Configuration)
        } else {
            None
        }
    }
}

/// What became of a planned notification.
pub(crate) fn report(n: &Notification, outcome: Outcome) -> MessageReport {
    MessageReport {
        kind: n.kind,
        audience: n.audience,
        channel: Some(n.channel),
        outcome,
        fallback_for: n.fallback_for,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report(outcome: Outcome) -> MessageReport {
        MessageReport {
            kind: Kind::Confirmation,
            audience: Audience::Client,
            channel: Some(Channel::Sms),
            outcome,
            fallback_for: None,
        }
    }

    #[test]
    fn reports_serialise_to_the_answer_shape_and_back() {
        let cases = [
            (
                report(Outcome::Sent {
                    earlier: false,
                    provider_id: Some("m-1".into()),
                }),
                json!({"kind":"confirmation","audience":"client","channel":"sms","status":"sent","provider_id":"m-1"}),
            ),
            (
                report(Outcome::Sent {
                    earlier: true,
                    provider_id: None,
                }),
                json!({"kind":"confirmation","audience":"client","channel":"sms","status":"sent",
                       "reason":"sent by an earlier delivery of this event"}),
            ),
            (
                report(Outcome::Failed {
                    failure: Failure::Refused,
                    reason: "SNS Publish: InvalidParameter".into(),
                }),
                json!({"kind":"confirmation","audience":"client","channel":"sms","status":"failed",
                       "reason":"SNS Publish: InvalidParameter","failure":"refused"}),
            ),
            (
                report(Outcome::Deferred {
                    at: "2026-12-04T13:00:00Z".into(),
                    reason: "quiet hours".into(),
                }),
                json!({"kind":"confirmation","audience":"client","channel":"sms","status":"deferred",
                       "reason":"quiet hours","at":"2026-12-04T13:00:00Z"}),
            ),
        ];
        for (r, wire) in cases {
            assert_eq!(serde_json::to_value(&r).unwrap(), wire);
            assert_eq!(serde_json::from_value::<MessageReport>(wire).unwrap(), r);
        }
    }

    #[test]
    fn a_temporary_failure_wins_over_a_configuration_one_and_refusals_ask_nothing() {
        let failed = |failure| {
            report(Outcome::Failed {
                failure,
                reason: "x".into(),
            })
        };
        let summary = |messages| Summary {
            event_id: "e".into(),
            disposition: Disposition::Processed,
            messages,
            schedules: Vec::new(),
            event: None,
        };
        assert_eq!(summary(vec![failed(Failure::Refused)]).retry_wanted(), None);
        assert_eq!(
            summary(vec![
                failed(Failure::Configuration),
                failed(Failure::Refused)
            ])
            .retry_wanted(),
            Some(Failure::Configuration)
        );
        assert_eq!(
            summary(vec![
                failed(Failure::Configuration),
                failed(Failure::Temporary)
            ])
            .retry_wanted(),
            Some(Failure::Temporary)
        );
    }
}
