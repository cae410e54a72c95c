//! Quiet hours for the event's own SMS (`[sms] quiet_hours`): a reminder or a recall
//! that would go at night waits for the end of the window. The rules decide which
//! ([`crate::domain::rules::defer_quiet`]); this keeps the event (personal data, like a
//! booking's state: encrypted at rest, expiring) and makes one one-time schedule per
//! message, through the flows' scheduler. When it fires, the schedule door reads the
//! event again, plans it again and sends the message under the event's own key, so the
//! event's own retries and the fire send it once between them.

use std::time::{Duration, Instant, SystemTime};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::core::compose::Compose;
use crate::core::delivery::{Courier, Failure};
use crate::core::outcome::{MessageReport, Outcome, report};
use crate::core::process::{Core, REFUSED_EARLIER};
use crate::core::schedules::{
    BookingState, DOOR, Schedule, ScheduleError, schedule_change_key, schedule_name, state_body,
};
use crate::core::store::{Done, IdempotencyStore, message_key};
use crate::domain::event::Event;
use crate::domain::notification::{Audience, Channel, Kind, Scheduled, utc_seconds};

/// The event of held-back SMS is kept this long after the last of them is due.
pub const DEFERRED_MARGIN: Duration = Duration::from_secs(3 * 24 * 3600);

/// Where the event of held-back SMS is kept, among booking states: `deferred:<event
/// id>` (bounded as ids are), which no booking key can be (their merchant part holds
/// no `:`).
pub fn deferred_key(event_id: &str) -> String {
    crate::domain::ids::storage_key(&format!("deferred:{event_id}"))
}

/// What the schedule of a held-back SMS hands the function when it fires (its
/// `Target.Input`): keys, never a name, an address or a number.
/// `{"door":"schedule","event":"evt-1","kind":"recall","audience":"client","channel":"sms","recipient":"client","at":"2026-12-04T13:00:00Z"}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeferredInput {
    /// Always `schedule`, as a flow's fire.
    pub door: String,
    /// The id of the event whose SMS it is.
    pub event: String,
    pub kind: Kind,
    pub audience: Audience,
    pub channel: Channel,
    /// `client` or `attendee-<id>`.
    pub recipient: String,
    /// When it goes (the end of the quiet hours), RFC 3339 UTC.
    pub at: String,
}

impl DeferredInput {
    /// The input of a held-back message of `event`.
    pub fn of(event: &Event, s: &Scheduled) -> Self {
        Self {
            door: DOOR.to_owned(),
            event: event.id.clone(),
            kind: s.notification.kind,
            audience: s.notification.audience,
            channel: s.notification.channel,
            recipient: s.recipient_key.clone(),
            at: utc_seconds(s.at),
        }
    }

    /// The schedule's name: `bx.<kind>.<24 hex digits>`, as a flow's.
    pub fn schedule_name(&self) -> String {
        schedule_name(
            &deferred_key(&self.event),
            self.kind,
            &self.recipient,
            self.channel,
        )
    }
}

impl<I, C, P> Core<I, C, P>
where
    I: IdempotencyStore,
    C: Courier,
    P: Compose,
{
    /// The event's SMS held back by quiet hours: the event kept for their fires, then one
    /// one-time schedule each at the end of the window (none is started after `until`).
    /// A message an earlier delivery of the event sent is reported sent, not held back
    /// again; each schedule made is recorded, so a retry makes only what failed. Without
    /// a scheduler (the Lambda's local mode), they are skipped with the reason.
    pub(crate) async fn defer(
        &self,
        event: &Event,
        deferred: &[Scheduled],
        until: Instant,
    ) -> Vec<MessageReport> {
        if deferred.is_empty() {
            return Vec::new();
        }
        let held = |s: &Scheduled| format!("held back by quiet hours until {}", utc_seconds(s.at));
        let Some(flows) = &self.flows else {
            return deferred
                .iter()
                .map(|s| {
                    let reason = format!(
                        "{}, but no scheduler is configured to send it then (local mode makes no schedules)",
                        held(s)
                    );
                    report(&s.notification, Outcome::Skipped { reason })
                })
                .collect();
        };
        let failed_all = |why: String| -> Vec<MessageReport> {
            deferred
                .iter()
                .map(|s| {
                    let failed = Outcome::Failed {
                        failure: Failure::Temporary,
                        reason: why.clone(),
                    };
                    report(&s.notification, failed)
                })
                .collect()
        };
        let recipients = &self.delivery.recipients;
        let inputs: Vec<(DeferredInput, Schedule, String)> = deferred
            .iter()
            .map(|s| {
                let input = DeferredInput::of(event, s);
                let name = input.schedule_name();
                let schedule = Schedule {
                    name: name.clone(),
                    at: s.at,
                    input: serde_json::to_string(&input).unwrap_or_default(),
                };
                let change = schedule_change_key(&event.id, &name, Some(&schedule));
                (input, schedule, change)
            })
            .collect();
        let keys: Vec<String> = deferred
            .iter()
            .map(|s| message_key(&s.notification, recipients))
            .chain(inputs.iter().map(|(_, _, change)| change.clone()))
            .collect();
        let done = match self.store.recorded(&keys).await {
            Ok(done) => done,
            Err(e) => return failed_all(e.to_string()),
        };
        let pending = deferred
            .iter()
            .any(|s| !done.contains_key(&message_key(&s.notification, recipients)));
        if pending {
            let kept_until = deferred
                .iter()
                .map(|s| s.at)
                .max()
                .unwrap_or_else(Timestamp::now);
            let state = BookingState {
                body: state_body(event),
                known_at_ms: None,
                sealed: false,
                expires_at: SystemTime::UNIX_EPOCH
                    + Duration::from_secs(u64::try_from(kept_until.as_second()).unwrap_or(0))
                    + DEFERRED_MARGIN,
                rev: 1,
            };
            // Kept already by an earlier delivery of the event: the same event.
            if let Err(e) = flows
                .states
                .save(&deferred_key(&event.id), &state, None)
                .await
            {
                tracing::error!(event_id = %event.id, error = %e, "cannot keep the event of SMS held back by quiet hours");
                return failed_all(e.to_string());
            }
        }
        let mut reports = Vec::with_capacity(deferred.len());
        for (s, (_, schedule, change)) in deferred.iter().zip(&inputs) {
            let n = &s.notification;
            let outcome = match done.get(&message_key(n, recipients)) {
                Some(Done::Sent) => Outcome::Sent {
                    earlier: true,
                    provider_id: None,
                },
                Some(Done::Refused) => Outcome::Failed {
                    failure: Failure::Refused,
                    reason: REFUSED_EARLIER.to_owned(),
                },
                None if done.contains_key(change) => Outcome::held_back(s.at),
                None => match self.schedule_one(flows, schedule, until).await {
                    Ok(()) => {
                        if let Err(e) = self
                            .store
                            .record(change, Done::Sent, SystemTime::now())
                            .await
                        {
                            // Not fatal: a retry makes the same schedule again.
                            tracing::warn!(event_id = %event.id, error = %e, "cannot record a schedule made");
                        }
                        Outcome::held_back(s.at)
                    }
                    Err(e) => Outcome::Failed {
                        failure: if e.temporary {
                            Failure::Temporary
                        } else {
                            Failure::Configuration
                        },
                        reason: e.to_string(),
                    },
                },
            };
            tracing::info!(
                event_id = %event.id,
                kind = %n.kind,
                audience = crate::domain::notification::audience_name(n.audience),
                channel = crate::domain::notification::channel_name(n.channel),
                schedule = %schedule.name,
                at = %utc_seconds(s.at),
                "held back by quiet hours"
            );
            reports.push(report(n, outcome));
        }
        reports
    }

    /// One schedule upserted, cut off at `until`.
    async fn schedule_one(
        &self,
        flows: &crate::core::schedules::Flows,
        schedule: &Schedule,
        until: Instant,
    ) -> Result<(), ScheduleError> {
        if Instant::now() >= until {
            return Err(ScheduleError {
                temporary: true,
                message: "not started: the delivery deadline came first".into(),
            });
        }
        tokio::time::timeout_at(until.into(), flows.scheduler.upsert(schedule))
            .await
            .unwrap_or_else(|_| {
                Err(ScheduleError {
                    temporary: true,
                    message: "cut off at the delivery deadline".into(),
                })
            })
    }
}
