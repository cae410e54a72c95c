//! Scheduled messages (`[[flows]]`): pre-visit instructions, starting-soon nudges,
//! thank-you and review requests, sent at a time computed from the booking.
//!
//! The rules ([`crate::domain::rules`]) turn an event into schedule changes (pure). This module
//! holds what carries them out:
//! - [`Scheduler`]: one one-time schedule per booking × flow × recipient × channel
//!   ([`schedule_name`]), upserted or deleted; on AWS, EventBridge Scheduler
//!   (`crate::adapters::aws::EventBridgeScheduler`), offline [`MemoryScheduler`];
//! - [`BookingStates`]: the booking's latest event, kept so that a schedule that fires
//!   can check it still applies (DynamoDB under `flow#`, or in memory);
//! - [`FireInput`]: what a schedule hands the function when it fires: keys only;
//! - [`fire`]: the schedule door's work: re-read, re-check, send once.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::core::delivery::Failure;
use crate::core::outcome::ScheduleReport;
use crate::core::store::StoreError;
use crate::domain::booking::booking_key;
use crate::domain::event::Event;
use crate::domain::notification::{
    Audience, Channel, Kind, Plan, ScheduleChange, audience_name, channel_name, utc_seconds,
};
use crate::domain::rules;

/// The value of the `door` key that tells the function a schedule fired (see
/// [`crate::doors::door_of`]).
pub const DOOR: &str = "schedule";

/// Booking states are kept this long after the last time a message of theirs is due.
pub const STATE_MARGIN: Duration = Duration::from_secs(2 * 24 * 3600);

/// The schedule's name: `bx.<flow>.<24 hex digits>`, the digits a SHA-256 of the booking
/// key, flow, recipient key and channel. Deterministic (an upsert finds the schedule it
/// made before), at most 60 characters of `[0-9a-z_.]`, no personal data.
pub fn schedule_name(booking: &str, kind: Kind, recipient_key: &str, channel: Channel) -> String {
    let mut hash = Sha256::new();
    for part in [
        booking,
        kind.name(),
        recipient_key,
        crate::domain::notification::channel_name(channel),
    ] {
        hash.update(part.as_bytes());
        hash.update([0u8]);
    }
    let digest = hash.finalize();
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("bx.{kind}.{hex}")
}

/// The event a schedule hands the function when it fires (its `Target.Input`): keys,
/// never a name, an address or a phone number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FireInput {
    /// Always `schedule`: how the function tells this door from the others.
    pub door: String,
    /// [`booking_key`].
    pub booking: String,
    /// The flow's name.
    pub flow: String,
    pub audience: Audience,
    pub channel: Channel,
    /// `client` or `attendee-<id>`.
    pub recipient: String,
    /// When it was due, RFC 3339 UTC: a fire whose time no longer matches the booking's
    /// (it moved) sends nothing.
    pub at: String,
}

impl FireInput {
    /// The schedule's own name (the same as when it was made).
    pub fn schedule_name(&self) -> Result<String, String> {
        let kind = flow_kind(&self.flow)?;
        Ok(schedule_name(
            &self.booking,
            kind,
            &self.recipient,
            self.channel,
        ))
    }
}

fn flow_kind(name: &str) -> Result<Kind, String> {
    crate::domain::notification::FlowName::parse(name)
        .map(Kind::Flow)
        .map_err(|e| format!("flow: {e}"))
}

/// One one-time schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub name: String,
    /// Due at (whole seconds, UTC).
    pub at: Timestamp,
    /// [`FireInput`] as JSON.
    pub input: String,
}

impl Schedule {
    /// `at(2026-03-04T15:00:00)`: EventBridge Scheduler's one-time expression, in UTC.
    pub fn expression(&self) -> String {
        let text = utc_seconds(self.at);
        format!("at({})", text.trim_end_matches('Z'))
    }
}

/// Why a schedule could not be changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("scheduler: {message}")]
pub struct ScheduleError {
    /// Throttling, timeouts, 5xx: worth a retry. Otherwise a configuration problem
    /// (permissions, a missing group).
    pub temporary: bool,
    pub message: String,
}

/// Creates, moves and removes one-time schedules.
pub trait Scheduler: Send + Sync {
    /// Creates the schedule, or updates it when one of that name exists.
    fn upsert<'a>(&'a self, schedule: &'a Schedule) -> BoxFuture<'a, Result<(), ScheduleError>>;
    /// Removes the schedule; one that does not exist is not an error.
    fn delete<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), ScheduleError>>;
}

/// A booking's latest known state: the event that left it so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingState {
    /// The event's body as the function reads it (`eventId`, `eventType`, `createdOn`,
    /// `content`).
    pub body: String,
    /// The event's time (epoch milliseconds): an older event never replaces a newer one.
    pub event_at_ms: i64,
    /// Kept until then (the table's TTL).
    pub expires_at: SystemTime,
}

/// Whether a state was saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Stored,
    /// A newer event of the booking was saved before: this one changes nothing.
    Stale,
}

/// Where booking states are kept.
pub trait BookingStates: Send + Sync {
    fn save<'a>(
        &'a self,
        booking: &'a str,
        state: &'a BookingState,
    ) -> BoxFuture<'a, Result<Saved, StoreError>>;
    fn load<'a>(
        &'a self,
        booking: &'a str,
    ) -> BoxFuture<'a, Result<Option<BookingState>, StoreError>>;
}

/// The flows' adapters, wired only when `[[flows]]` lists any.
#[derive(Clone)]
pub struct Flows {
    pub scheduler: Arc<dyn Scheduler>,
    pub states: Arc<dyn BookingStates>,
}

/// What the core stores of an event for its booking: enough for [`Event::read`].
pub fn state_body(event: &Event) -> String {
    let mut body = serde_json::Map::new();
    body.insert("eventId".into(), event.id.clone().into());
    body.insert("eventType".into(), event.event_type.name().into());
    if let Some(created) = &event.created_on {
        body.insert("createdOn".into(), created.clone().into());
    }
    body.insert("content".into(), event.content.clone());
    serde_json::Value::Object(body).to_string()
}

/// The schedule an upsert makes, or the name a delete removes.
pub fn schedule_for(booking: &str, change: &ScheduleChange) -> (String, Option<Schedule>) {
    let name = schedule_name(
        booking,
        change.kind(),
        change.recipient_key(),
        change.channel(),
    );
    match change {
        ScheduleChange::Delete(_) => (name, None),
        ScheduleChange::Upsert(s) => {
            let input = FireInput {
                door: DOOR.to_owned(),
                booking: booking.to_owned(),
                flow: s.notification.kind.name().to_owned(),
                audience: s.notification.audience,
                channel: s.notification.channel,
                recipient: s.recipient_key.clone(),
                at: utc_seconds(s.at),
            };
            let input = serde_json::to_string(&input).unwrap_or_default();
            (
                name.clone(),
                Some(Schedule {
                    name,
                    at: s.at,
                    input,
                }),
            )
        }
    }
}

impl Flows {
    /// Saves the booking's state (for the schedules to re-read when they fire), then
    /// carries out the plan's schedule changes, `concurrency` at a time. A newer state
    /// saved before (an older event delivered late) leaves the schedules as they are.
    pub(crate) async fn apply(
        &self,
        event: &Event,
        tz: &jiff::tz::TimeZone,
        plan: &Plan,
        planned_at: Timestamp,
        now: Timestamp,
        concurrency: usize,
    ) -> Vec<ScheduleReport> {
        let flows = self;
        let Some(booking) = booking_key(event) else {
            if !plan.schedules.is_empty() {
                tracing::warn!(event_id = %event.id, "the booking has no id: its flows cannot be scheduled");
            }
            return Vec::new();
        };
        let report = |change: &ScheduleChange, failure: Option<(Failure, String)>| {
            let (schedule, at) = match change {
                ScheduleChange::Upsert(s) => ("upsert", Some(utc_seconds(s.at))),
                ScheduleChange::Delete(_) => ("delete", None),
            };
            ScheduleReport {
                kind: change.kind(),
                audience: change.audience(),
                channel: change.channel(),
                schedule,
                at,
                status: if failure.is_some() { "failed" } else { "done" },
                failure: failure.as_ref().map(|(f, _)| *f),
                reason: failure.map(|(_, r)| r),
            }
        };
        // Kept a little after the last time anything of this booking can be due.
        let starts = event
            .booking
            .starts_on
            .as_deref()
            .and_then(|t| event.instant(t, tz));
        let last = plan
            .schedules
            .iter()
            .filter_map(|c| match c {
                ScheduleChange::Upsert(s) => Some(s.at),
                ScheduleChange::Delete(_) => None,
            })
            .chain(starts)
            .chain([now])
            .max()
            .unwrap_or(now);
        let expires_at = SystemTime::UNIX_EPOCH
            + Duration::from_secs(u64::try_from(last.as_second()).unwrap_or(0))
            + STATE_MARGIN;
        let state = BookingState {
            body: state_body(event),
            event_at_ms: rules::event_time(event, tz, planned_at).as_millisecond(),
            expires_at,
        };
        match flows.states.save(&booking, &state).await {
            Ok(Saved::Stored) => {}
            Ok(Saved::Stale) => {
                tracing::info!(event_id = %event.id, "a newer event of this booking was seen: schedules left as they are");
                return Vec::new();
            }
            Err(e) => {
                tracing::error!(event_id = %event.id, error = %e, "cannot save the booking state");
                let why = (Failure::Temporary, e.to_string());
                return plan
                    .schedules
                    .iter()
                    .map(|c| report(c, Some(why.clone())))
                    .collect();
            }
        }
        let changes = plan
            .schedules
            .iter()
            .map(|change| async {
                let (name, schedule) = schedule_for(&booking, change);
                // Processed after its time (a late delivery or retry): nothing to schedule.
                if let Some(s) = schedule.as_ref().filter(|s| s.at <= now) {
                    let mut skipped = report(change, None);
                    skipped.status = "skipped";
                    skipped.reason = Some(format!(
                        "{} is already past at processing time",
                        utc_seconds(s.at)
                    ));
                    return skipped;
                }
                let result = match &schedule {
                    Some(schedule) => flows.scheduler.upsert(schedule).await,
                    None => flows.scheduler.delete(&name).await,
                };
                let failure = result.err().map(|e| {
                    let failure = if e.temporary {
                        Failure::Temporary
                    } else {
                        Failure::Configuration
                    };
                    (failure, e.to_string())
                });
                tracing::info!(
                    event_id = %event.id,
                    kind = %change.kind(),
                    audience = audience_name(change.audience()),
                    channel = channel_name(change.channel()),
                    schedule = %name,
                    change = if schedule.is_some() { "upsert" } else { "delete" },
                    error = failure.as_ref().map(|(_, r)| r.as_str()).unwrap_or(""),
                    "schedule"
                );
                report(change, failure)
            })
            .collect::<Vec<_>>();
        futures_util::stream::iter(changes)
            .buffered(concurrency.max(1))
            .collect()
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_names_are_short_safe_and_stable() {
        let kind = Kind::Flow(
            crate::domain::notification::FlowName::parse("a_rather_long_flow_name_of_32_ch")
                .unwrap(),
        );
        let a = schedule_name(&"m/".repeat(300), kind, "attendee-x", Channel::Sms);
        assert!(a.len() <= 64, "{a}");
        assert!(
            a.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)),
            "{a}"
        );
        assert_eq!(
            a,
            schedule_name(&"m/".repeat(300), kind, "attendee-x", Channel::Sms)
        );
        assert_ne!(
            a,
            schedule_name(&"m/".repeat(300), kind, "attendee-x", Channel::Email)
        );
        assert_ne!(
            a,
            schedule_name(&"m/".repeat(300), kind, "client", Channel::Sms)
        );
        let s = Schedule {
            name: a,
            at: "2026-03-03T15:00:00Z".parse().unwrap(),
            input: String::new(),
        };
        assert_eq!(s.expression(), "at(2026-03-03T15:00:00)");
    }
}
