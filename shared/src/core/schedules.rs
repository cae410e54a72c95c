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

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::core::delivery::Failure;
use crate::core::outcome::ScheduleReport;
use crate::core::store::{Done, IdempotencyStore, StoreError};
use crate::domain::booking::{self, BookingRef, Merged};
use crate::domain::config::Config;
use crate::domain::event::Event;
use crate::domain::notification::{
    Audience, FlowChannel, Kind, Plan, ScheduleChange, audience_name, utc_seconds,
};
use crate::domain::rules;

/// The value of the `door` key that tells the function a schedule fired (see
/// [`crate::doors::door_of`]).
pub const DOOR: &str = "schedule";

/// Booking states are kept this long after the last time a message of theirs is due.
pub const STATE_MARGIN: Duration = Duration::from_secs(2 * 24 * 3600);

/// The schedule's name: `bx.<flow>.<24 hex digits>`, the digits a SHA-256 of the booking
/// key, flow, recipient key and channel (`event` for a flow's event, whose recipient key
/// is `booking`). Deterministic (an upsert finds the schedule it made before), at most 60
/// characters of `[0-9a-z_.]`, no personal data.
pub fn schedule_name(
    booking: &str,
    kind: Kind,
    recipient_key: &str,
    channel: impl Into<FlowChannel>,
) -> String {
    let mut hash = Sha256::new();
    for part in [booking, kind.name(), recipient_key, channel.into().name()] {
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
    /// The booking's key ([`BookingRef::key`] of the first event that named it).
    pub booking: String,
    /// The flow's name.
    pub flow: String,
    /// Absent for a flow's event (the `event` channel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<Audience>,
    /// `email`, `sms`, or `event` (the flow's event, published on the bus).
    pub channel: FlowChannel,
    /// `client`, `attendee-<id>`, or `booking` for a flow's event.
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

/// A booking's state as kept: the events merged so far ([`booking::merge`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingState {
    /// The merged body as the function reads it (`eventId`, `eventType`, `createdOn` of
    /// the latest event; `content` merged from all of them).
    pub body: String,
    /// The latest time an event's body gave (epoch milliseconds), if any did.
    pub known_at_ms: Option<i64>,
    /// A cancel, no-show or completion made by an event without a time: final.
    pub sealed: bool,
    /// Kept until then (the table's TTL).
    pub expires_at: SystemTime,
    /// The state's revision: each save writes the next one, on the condition that the
    /// kept state is still the one it read.
    pub rev: u64,
}

impl BookingState {
    fn merged(&self) -> Option<booking::State> {
        Some(booking::State {
            body: serde_json::from_str(&self.body).ok()?,
            known_at: self
                .known_at_ms
                .and_then(|ms| Timestamp::from_millisecond(ms).ok()),
            sealed: self.sealed,
        })
    }
}

/// Whether a state was saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Stored,
    /// Another delivery saved the booking's state since it was read: read it again.
    Conflict,
}

/// A name a booking is known by ([`booking::BookingRef::names`]) and the key of its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub booking: String,
    pub expires_at: SystemTime,
}

/// Where booking states, and the names that lead to them, are kept.
pub trait BookingStates: Send + Sync {
    /// Saves `state` as revision `state.rev`, if the kept state is still revision
    /// `read` (`None`: if there is none).
    fn save<'a>(
        &'a self,
        booking: &'a str,
        state: &'a BookingState,
        read: Option<u64>,
    ) -> BoxFuture<'a, Result<Saved, StoreError>>;
    fn load<'a>(
        &'a self,
        booking: &'a str,
    ) -> BoxFuture<'a, Result<Option<BookingState>, StoreError>>;
    /// The bookings some of `names` lead to.
    fn find<'a>(
        &'a self,
        names: &'a [String],
    ) -> BoxFuture<'a, Result<HashMap<String, Named>, StoreError>>;
    /// Makes `name` lead to `booking` until `expires_at`, unless it leads to another
    /// booking already (the first booking to take a name keeps it).
    fn name<'a>(
        &'a self,
        name: &'a str,
        booking: &'a str,
        expires_at: SystemTime,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
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
    let Some(at) = change.at() else {
        return (name, None);
    };
    let input = FireInput {
        door: DOOR.to_owned(),
        booking: booking.to_owned(),
        flow: change.kind().name().to_owned(),
        audience: change.audience(),
        channel: change.channel(),
        recipient: change.recipient_key().to_owned(),
        at: utc_seconds(at),
    };
    let input = serde_json::to_string(&input).unwrap_or_default();
    (name.clone(), Some(Schedule { name, at, input }))
}

/// What [`Flows::apply`] works on: the event, the core's store (to record each schedule
/// change done) and the time it has.
pub(crate) struct FlowWork<'a, I> {
    pub(crate) store: &'a I,
    pub(crate) event: &'a Event,
    pub(crate) config: &'a Config,
    /// The event's own plan: its client kind (for `after_completed` flows), and the
    /// schedule changes reported failed when the booking's state cannot be read.
    pub(crate) plan: &'a Plan,
    /// The time the plan is made as of (the first delivery's, for a redo).
    pub(crate) planned_at: Timestamp,
    /// No Scheduler call is started, and none is in flight, after this.
    pub(crate) until: Instant,
    pub(crate) concurrency: usize,
}

/// What [`Flows::apply`] did.
#[derive(Debug, Default)]
pub(crate) struct FlowsDone {
    pub(crate) reports: Vec<ScheduleReport>,
    /// Schedule changes left out by `max_schedules_per_event`.
    pub(crate) capped: usize,
}

/// Attempts at saving a booking's state when other deliveries keep saving it first.
const SAVE_ATTEMPTS: usize = 4;

/// The key under which a schedule change done for an event is recorded, so a retry of
/// the event redoes only what failed: the event, the schedule, and what was done to it.
pub fn schedule_change_key(event_id: &str, name: &str, schedule: Option<&Schedule>) -> String {
    let what = schedule.map_or_else(|| "delete".to_owned(), |s| utc_seconds(s.at));
    format!("sch#{event_id}#{name}#{what}")
}

/// Reason shown for a schedule change an earlier delivery of the event made.
pub const DONE_EARLIER: &str = "done by an earlier delivery of this event";

impl Flows {
    /// Finds the booking's state by any of the names the event gives it, merges the
    /// event into it ([`booking::merge`]: absent fields keep their value, an older event
    /// changes nothing), saves it (for the schedules to re-read when they fire), plans
    /// the flows of the booking as the state now is, and carries the schedule changes
    /// out: at most `concurrency` at a time, none started or in flight after `until`,
    /// each recorded once done so a retry of the event redoes only what failed.
    pub(crate) async fn apply<I: IdempotencyStore>(&self, work: FlowWork<'_, I>) -> FlowsDone {
        let event = work.event;
        let config = work.config;
        let tz = &config.default_time_zone;
        let fail_all = |why: String| FlowsDone {
            reports: work
                .plan
                .schedules
                .iter()
                .map(|c| report(c, Some((Failure::Temporary, why.clone()))))
                .collect(),
            capped: 0,
        };
        let Some(reference) = BookingRef::of(event, config.merchant_id.as_deref()) else {
            if !work.plan.schedules.is_empty() {
                tracing::warn!(event_id = %event.id, "the booking has no id: its flows cannot be scheduled");
            }
            return FlowsDone::default();
        };
        let names = reference.names();
        let found = match self.states.find(&names).await {
            Ok(found) => found,
            Err(e) => {
                tracing::error!(event_id = %event.id, error = %e, "cannot find the booking's state");
                return fail_all(e.to_string());
            }
        };
        // The most precise name found leads to the booking (never another merchant's);
        // else it is a new one.
        let booking = names
            .iter()
            .find_map(|n| {
                let named = found.get(n)?;
                reference
                    .accepts(n, &named.booking)
                    .then(|| named.booking.clone())
            })
            .unwrap_or_else(|| reference.key());
        let incoming: serde_json::Value =
            serde_json::from_str(&state_body(event)).unwrap_or_default();
        let at = booking::event_time(event, tz);
        let mut saved = None;
        for _ in 0..SAVE_ATTEMPTS {
            let stored = match self.states.load(&booking).await {
                Ok(stored) => stored,
                Err(e) => {
                    tracing::error!(event_id = %event.id, error = %e, "cannot read the booking state");
                    return fail_all(e.to_string());
                }
            };
            let before = stored.as_ref().and_then(BookingState::merged);
            let state = match booking::merge(before.as_ref(), &incoming, at) {
                Merged::Stale(why) => {
                    tracing::info!(event_id = %event.id, reason = %why, "an older event of this booking: schedules left as they are");
                    return FlowsDone::default();
                }
                Merged::State(state) => state,
            };
            let mut merged = match Event::from_value(&state.body, config.default_country) {
                Ok(merged) => merged,
                Err(e) => return fail_all(format!("the booking's state does not read: {e}")),
            };
            merged.apply_aliases(&config.event_aliases);
            let mut plan = Plan {
                client_kind: work.plan.client_kind,
                ..Plan::default()
            };
            rules::plan_flows(&merged, config, work.planned_at, &mut plan);
            let kept = BookingState {
                body: state.body.to_string(),
                known_at_ms: state.known_at.map(Timestamp::as_millisecond),
                sealed: state.sealed,
                expires_at: kept_until(&merged, &plan, tz),
                rev: stored.as_ref().map_or(1, |s| s.rev + 1),
            };
            match self
                .states
                .save(&booking, &kept, stored.as_ref().map(|s| s.rev))
                .await
            {
                Ok(Saved::Stored) => {
                    saved = Some((plan, kept.expires_at));
                    break;
                }
                Ok(Saved::Conflict) => continue,
                Err(e) => {
                    tracing::error!(event_id = %event.id, error = %e, "cannot save the booking state");
                    return fail_all(e.to_string());
                }
            }
        }
        let Some((plan, expires_at)) = saved else {
            return fail_all("the booking's state kept changing under other deliveries".into());
        };
        // Every name the event gives the booking now leads to it (until its state expires).
        for name in &names {
            let current = found
                .get(name)
                .is_some_and(|n| n.booking == booking && n.expires_at >= expires_at);
            if !current && let Err(e) = self.states.name(name, &booking, expires_at).await {
                tracing::warn!(event_id = %event.id, error = %e, "cannot record a name of the booking");
            }
        }
        let reports = self.carry_out(&work, &booking, &plan).await;
        FlowsDone {
            reports,
            capped: plan.capped_schedules,
        }
    }

    /// The plan's schedule changes, skipping those an earlier delivery of the event
    /// recorded as done.
    async fn carry_out<I: IdempotencyStore>(
        &self,
        work: &FlowWork<'_, I>,
        booking: &str,
        plan: &Plan,
    ) -> Vec<ScheduleReport> {
        let event = work.event;
        let made: Vec<(String, Option<Schedule>, String)> = plan
            .schedules
            .iter()
            .map(|change| {
                let (name, schedule) = schedule_for(booking, change);
                let key = schedule_change_key(&event.id, &name, schedule.as_ref());
                (name, schedule, key)
            })
            .collect();
        let keys: Vec<String> = made.iter().map(|(_, _, key)| key.clone()).collect();
        let done_before = match work.store.recorded(&keys).await {
            Ok(done) => done,
            Err(e) => {
                // Nothing is known to be done: everything is done again (idempotent).
                tracing::warn!(event_id = %event.id, error = %e, "cannot read the schedule changes done before");
                HashMap::new()
            }
        };
        let now = Timestamp::now();
        let changes = plan
            .schedules
            .iter()
            .zip(&made)
            .map(|(change, (name, schedule, key))| {
                let earlier = done_before.contains_key(key);
                self.one_change(work, change, name, schedule.as_ref(), key, earlier, now)
            })
            .collect::<Vec<_>>();
        futures_util::stream::iter(changes)
            .buffered(work.concurrency.max(1))
            .collect()
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn one_change<I: IdempotencyStore>(
        &self,
        work: &FlowWork<'_, I>,
        change: &ScheduleChange,
        name: &str,
        schedule: Option<&Schedule>,
        key: &str,
        earlier: bool,
        now: Timestamp,
    ) -> ScheduleReport {
        let event = work.event;
        if earlier {
            let mut done = report(change, None);
            done.reason = Some(DONE_EARLIER.to_owned());
            return done;
        }
        // Processed after its time (a late delivery or retry): nothing to schedule.
        if let Some(s) = schedule.filter(|s| s.at <= now) {
            let mut skipped = report(change, None);
            skipped.status = "skipped";
            skipped.reason = Some(format!(
                "{} is already past at processing time",
                utc_seconds(s.at)
            ));
            return skipped;
        }
        let call = async {
            match schedule {
                Some(schedule) => self.scheduler.upsert(schedule).await,
                None => self.scheduler.delete(name).await,
            }
        };
        let result = if Instant::now() >= work.until {
            Err(ScheduleError {
                temporary: true,
                message: "not started: the delivery deadline came first".into(),
            })
        } else {
            tokio::time::timeout_at(work.until.into(), call)
                .await
                .unwrap_or_else(|_| {
                    Err(ScheduleError {
                        temporary: true,
                        message: "cut off at the delivery deadline".into(),
                    })
                })
        };
        let failure = result.err().map(|e| {
            let failure = if e.temporary {
                Failure::Temporary
            } else {
                Failure::Configuration
            };
            (failure, e.to_string())
        });
        if failure.is_none()
            && let Err(e) = work.store.record(key, Done::Sent, SystemTime::now()).await
        {
            // Not fatal: a retry does the change again, to the same effect.
            tracing::warn!(event_id = %event.id, error = %e, "cannot record a schedule change");
        }
        tracing::info!(
            event_id = %event.id,
            kind = %change.kind(),
            audience = change.audience().map_or("", audience_name),
            channel = change.channel().name(),
            schedule = %name,
            change = if schedule.is_some() { "upsert" } else { "delete" },
            error = failure.as_ref().map(|(_, r)| r.as_str()).unwrap_or(""),
            "schedule"
        );
        report(change, failure)
    }
}

/// A schedule change as the answer reports it.
fn report(change: &ScheduleChange, failure: Option<(Failure, String)>) -> ScheduleReport {
    let (schedule, at) = match change.at() {
        Some(at) => ("upsert", Some(utc_seconds(at))),
        None => ("delete", None),
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
}

/// When a booking's state may go: a little after the last time anything of it can be
/// due (its start, or its latest scheduled message), and never before now.
fn kept_until(booking: &Event, plan: &Plan, tz: &jiff::tz::TimeZone) -> SystemTime {
    let now = Timestamp::now();
    let starts = booking
        .booking
        .starts_on
        .as_deref()
        .and_then(|t| booking.instant(t, tz));
    let last = plan
        .schedules
        .iter()
        .filter_map(ScheduleChange::at)
        .chain(starts)
        .chain([now])
        .max()
        .unwrap_or(now);
    SystemTime::UNIX_EPOCH
        + Duration::from_secs(u64::try_from(last.as_second()).unwrap_or(0))
        + STATE_MARGIN
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::notification::Channel;

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
