//! The schedule door: a schedule fired. The function re-reads the booking's latest
//! state and sends the message only if the flow still applies to it — still Approved and
//! due at the same time for `before_start` flows, still completed (not canceled) for
//! `after_completed` ones — and only once however often the schedule fires.
//!
//! A flow with the `event` channel publishes the booking's event instead (the booking
//! as its state now is, `detail-type` from the flow's name), under the same checks.
//!
//! A fire is claimed like an event ([`fire_id`]: the schedule's name and due time) and
//! its message keyed like any other (its event recorded as published), so a double fire
//! sends or publishes once. Temporary failures
//! are returned as errors: the invocation fails, and the retries of the asynchronous
//! invocation (Scheduler invokes Lambda asynchronously), then the dead-letter queue,
//! take over.

use std::time::{Instant, SystemTime};

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::core::compose::Compose;
use crate::core::deferred::{DeferredInput, deferred_key};
use crate::core::delivery::Courier;
use crate::core::outcome::EventReport;
use crate::core::outcome::{Disposition, MessageReport, Outcome, Summary};
use crate::core::process::{Core, Timing as SendTiming};
use crate::core::schedules::FireInput;
use crate::core::store::{Claim, IdempotencyStore, Owner, StoreError};
use crate::domain::event::Event;
use crate::domain::events_out::{self, DetailType};
use crate::domain::flows::{Flow, Timing};
use crate::domain::notification::{Audience, Channel, FlowChannel, Kind, utc_seconds};
use crate::domain::rules::{self, BeforeStart};

/// The id of one fire: the schedule's name and its due time
/// (`bx.pre_visit.0123…-20261202T150000Z`), as the claim, the message keys and the
/// outbox folder name it. The same schedule moved to another time is another fire.
pub fn fire_id(schedule: &str, at: Timestamp) -> String {
    format!("{schedule}-{}", at.strftime("%Y%m%dT%H%M%SZ"))
}

/// Why a fire could not be handled: the invocation fails, so it is retried.
#[derive(Debug, thiserror::Error)]
pub enum FireError {
    /// Not a schedule's input (a retry will not help: it ends in the dead-letter queue).
    #[error("not a schedule input: {0}")]
    BadInput(String),
    #[error("flows are not configured in this function (no [[flows]])")]
    NotConfigured,
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Another invocation is handling the same fire right now.
    #[error("this schedule is being handled by another invocation; retry later")]
    InProgress,
    /// A message failed in a way worth retrying (or a configuration problem).
    #[error("the message was not sent ({0}); retry later")]
    NotSent(String),
}

/// Why a fire sends nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotSent {
    /// The booking no longer calls for it (canceled, moved, no longer completed…).
    Stale(String),
    /// It came too late: at or after the booking's start (a `before_start` flow), or
    /// more than the flow's `late_after` after its time. Counted in `FlowsLate`.
    Late(String),
}

impl NotSent {
    pub fn reason(&self) -> &str {
        match self {
            NotSent::Stale(why) | NotSent::Late(why) => why,
        }
    }
}

impl From<String> for NotSent {
    fn from(why: String) -> Self {
        NotSent::Stale(why)
    }
}

impl From<&str> for NotSent {
    fn from(why: &str) -> Self {
        NotSent::Stale(why.to_owned())
    }
}

/// Whether the flow still applies to the booking as it is now, for a fire on `channel`
/// (a message's, or the flow's event) due `at` arriving `now`. Late fires (Lambda's retries of the asynchronous
/// invocation, an event six hours old, a redrive from the dead-letter queue) send
/// nothing stale: a `before_start` message never goes at or after the booking's start,
/// no message more than its flow's `late_after` after its time, and no SMS inside the
/// quiet hours (`[sms] quiet_hours`).
pub fn still_applies(
    event: &Event,
    flow: &Flow,
    config: &crate::domain::config::Config,
    channel: FlowChannel,
    at: Timestamp,
    now: Timestamp,
) -> Result<(), NotSent> {
    let tz = &config.default_time_zone;
    match flow.timing {
        Timing::BeforeStart(_) => {
            match rules::before_start(event) {
                BeforeStart::Upsert => {}
                BeforeStart::Delete(why) | BeforeStart::Keep(why) => return Err(why.into()),
            }
            // The event's own time as "now": the check made when it was scheduled.
            let due = rules::flow_due(event, flow, tz, Timestamp::UNIX_EPOCH)?;
            // An SMS due inside quiet hours was scheduled at their end (an event is not
            // held back: quiet hours are for texts).
            let due = match channel.message() {
                Some(channel) => rules::flow_sms_due(event, config, flow, channel, due)?,
                None => due,
            };
            if due != at {
                return Err(format!(
                    "the booking moved: this flow is now due at {}",
                    utc_seconds(due)
                )
                .into());
            }
            let starts = event
                .booking
                .starts_on
                .as_deref()
                .and_then(|t| event.instant(t, tz));
            if let Some(starts) = starts.filter(|s| now >= *s) {
                return Err(NotSent::Late(format!(
                    "too late: the booking started at {} (a {} message never goes at or after the start)",
                    utc_seconds(starts),
                    flow.timing.key()
                )));
            }
        }
        Timing::AfterCompleted(_) => {
            if event.booking.status == Some(crate::domain::event::Status::Cancelled) {
                return Err("the booking is Cancelled".into());
            }
            if event.booking.is_completed != Some(true) {
                return Err("the booking is no longer completed".into());
            }
        }
    }
    let tolerance = flow.late_after();
    let what = format!("late_after ({})", rules::shown_duration(tolerance));
    in_time(at, now, tolerance, &what)?;
    match channel.message() {
        Some(channel) => quiet_at(event, config, channel, now),
        None => Ok(()),
    }
}

/// Whether a fire due `at` arriving `now` is at most `tolerance` late (`what` names the
/// tolerance in the reason).
fn in_time(
    at: Timestamp,
    now: Timestamp,
    tolerance: jiff::SignedDuration,
    what: &str,
) -> Result<(), NotSent> {
    match at.checked_add(tolerance) {
        Ok(deadline) if now > deadline => Err(NotSent::Late(format!(
            "too late: due at {}, fired at {}, more than {what} after its time",
            utc_seconds(at),
            utc_seconds(now)
        ))),
        _ => Ok(()),
    }
}

/// An SMS that fires inside the quiet hours (a late fire: Lambda's retries, a redrive;
/// or quiet hours configured after it was scheduled) sends nothing; the booking's next
/// event schedules its flows again, out of the window.
pub fn quiet_at(
    event: &Event,
    config: &crate::domain::config::Config,
    channel: crate::domain::notification::Channel,
    now: Timestamp,
) -> Result<(), NotSent> {
    let Some(window) = config
        .sms
        .quiet_hours
        .filter(|_| channel == crate::domain::notification::Channel::Sms)
    else {
        return Ok(());
    };
    let tz = crate::domain::sms::quiet_zone(event, &config.default_time_zone);
    if window.end_after(now, &tz).is_some() {
        return Err(NotSent::Late(format!(
            "too late: fired at {} ({} store time), inside the quiet hours ({})",
            utc_seconds(now),
            tz.to_datetime(now).strftime("%H:%M"),
            crate::domain::sms::shown_window(&window, &tz)
        )));
    }
    Ok(())
}

impl<I, C, P> Core<I, C, P>
where
    I: IdempotencyStore,
    C: Courier,
    P: Compose,
{
    /// Handles one fire (a schedule's `Target.Input`: a flow's, or an SMS held back by
    /// quiet hours). `Ok` when there is nothing more to do (sent now, sent before, or no
    /// longer wanted); `Err` asks for a retry.
    pub async fn fire(
        &self,
        input: &Value,
        deadline: Option<Instant>,
    ) -> Result<Summary, FireError> {
        let started = Instant::now();
        let fire = if input.get("event").is_some() {
            let input: DeferredInput = serde_json::from_value(input.clone())
                .map_err(|e| FireError::BadInput(e.to_string()))?;
            Fire::Deferred(input)
        } else {
            let input: FireInput = serde_json::from_value(input.clone())
                .map_err(|e| FireError::BadInput(e.to_string()))?;
            Fire::Flow(input)
        };
        let (door, at_text) = match &fire {
            Fire::Flow(i) => (&i.door, &i.at),
            Fire::Deferred(i) => (&i.door, &i.at),
        };
        if door != crate::core::schedules::DOOR {
            return Err(FireError::BadInput(format!(
                "door is `{door}`, not `schedule`"
            )));
        }
        let at: Timestamp = at_text
            .parse()
            .map_err(|_| FireError::BadInput(format!("at: `{at_text}` is not an RFC 3339 time")))?;
        let name = match &fire {
            Fire::Flow(i) => i.schedule_name().map_err(FireError::BadInput)?,
            Fire::Deferred(i) => i.schedule_name(),
        };
        if self.flows.is_none() {
            return Err(FireError::NotConfigured);
        }
        let fire_id = fire_id(&name, at);
        // A message is for someone (`None`: a flow's event, for the booking).
        let message = match &fire {
            Fire::Deferred(i) => Some((i.audience, i.channel)),
            Fire::Flow(i) => match (i.channel.message(), i.audience) {
                (Some(_), None) => {
                    return Err(FireError::BadInput(
                        "audience: a message's schedule names its audience".into(),
                    ));
                }
                (Some(channel), Some(audience)) => Some((audience, channel)),
                (None, _) => None,
            },
        };
        let done = |disposition, messages, event| Summary {
            event_id: fire_id.clone(),
            disposition,
            messages,
            schedules: Vec::new(),
            event,
        };
        let flow = match &fire {
            Fire::Deferred(_) => None,
            Fire::Flow(input) => {
                let found = self
                    .config
                    .flows
                    .iter()
                    .find(|f| f.name.as_str() == input.flow);
                let Some(flow) = found else {
                    tracing::info!(schedule = %name, flow = %input.flow, "fire: the flow is no longer configured");
                    return Ok(done(Disposition::Processed, Vec::new(), None));
                };
                Some(flow)
            }
        };
        let kind = match (&fire, flow) {
            (Fire::Deferred(input), _) => input.kind,
            (_, Some(flow)) => Kind::Flow(flow.name),
            (Fire::Flow(_), None) => unreachable!("a flow's fire has its flow"),
        };

        let timing = SendTiming::new(started, self.delivery.budget, deadline);
        let owner = Owner::new()?;
        match self
            .store
            .claim(&fire_id, &owner, SystemTime::now(), timing.lease_until)
            .await?
        {
            Claim::Acquired => {}
            Claim::Completed { .. } => {
                tracing::info!(schedule = %name, "fire: handled before, nothing to do");
                return Ok(done(Disposition::Duplicate, Vec::new(), None));
            }
            Claim::InProgress => return Err(FireError::InProgress),
        }

        let not_sent = |not_sent: &NotSent| {
            let late = matches!(not_sent, NotSent::Late(_));
            tracing::info!(schedule = %name, flow = %kind, late, reason = %not_sent.reason(), "fire: nothing sent");
            if late && self.emit_metrics {
                crate::core::metrics::flow_late(kind.name());
            }
        };
        let summary = match message {
            Some((audience, channel)) => {
                let sent = match (&fire, flow) {
                    (Fire::Flow(input), Some(flow)) => {
                        self.fire_message(input, audience, channel, flow, at, &timing)
                            .await
                    }
                    (Fire::Deferred(input), _) => self.fire_deferred(input, at, &timing).await,
                    (Fire::Flow(_), None) => Err("the flow is no longer configured".into()),
                };
                let reports = match sent {
                    Ok(reports) => reports,
                    Err(why) => {
                        not_sent(&why);
                        vec![MessageReport {
                            kind,
                            audience,
                            channel: Some(channel),
                            outcome: Outcome::Skipped {
                                reason: why.reason().to_owned(),
                            },
                            fallback_for: None,
                        }]
                    }
                };
                done(Disposition::Processed, reports, None)
            }
            None => {
                let (Fire::Flow(input), Some(flow)) = (&fire, flow) else {
                    unreachable!("only a flow's fire publishes an event")
                };
                let detail_type = DetailType::Flow(flow.name).name();
                let report = match self
                    .fire_event(input, flow, at, &fire_id, &detail_type, &timing)
                    .await
                {
                    Ok(report) => report,
                    Err(why) => {
                        not_sent(&why);
                        EventReport::skipped(&detail_type, why.reason().to_owned())
                    }
                };
                done(Disposition::Processed, Vec::new(), Some(report))
            }
        };
        self.close(&summary, &owner).await;
        if self.emit_metrics {
            for line in crate::core::metrics::outcome_lines(&summary.messages) {
                println!("{line}");
            }
        }
        if let Some(failure) = summary.retry_wanted() {
            let reason = summary
                .messages
                .iter()
                .find_map(|m| m.failure().and(m.reason()))
                .or_else(|| {
                    summary
                        .event
                        .as_ref()
                        .filter(|e| e.failure.is_some())
                        .and_then(|e| e.reason.as_deref())
                })
                .unwrap_or("failed")
                .to_owned();
            tracing::warn!(schedule = %name, failure = ?failure, "fire: it failed; Scheduler will retry");
            return Err(FireError::NotSent(reason));
        }
        Ok(summary)
    }

    /// The booking as its kept state now is, if the flow still applies to it at this
    /// fire (see [`still_applies`]). `Ok(None)`: the store could not be read (a
    /// temporary failure, for Scheduler's retry).
    async fn fire_state(
        &self,
        input: &FireInput,
        flow: &Flow,
        at: Timestamp,
    ) -> Result<Result<Event, crate::core::store::StoreError>, NotSent> {
        let flows = self.flows.as_ref().ok_or("flows are not configured")?;
        let state = match flows.states.load(&input.booking).await {
            Ok(state) => state,
            Err(e) => return Ok(Err(e)),
        };
        let state = state.ok_or("no state is kept for this booking (expired, or never saved)")?;
        let event = Event::read(state.body.as_bytes(), &self.config)
            .map_err(|e| format!("the booking state does not read: {e}"))?;
        still_applies(
            &event,
            flow,
            &self.config,
            input.channel,
            at,
            Timestamp::now(),
        )?;
        Ok(Ok(event))
    }

    /// The event of this fire (a flow with the `event` channel), if the booking still
    /// calls for it, published once.
    async fn fire_event(
        &self,
        input: &FireInput,
        flow: &Flow,
        at: Timestamp,
        fire_id: &str,
        detail_type: &str,
        timing: &SendTiming,
    ) -> Result<EventReport, NotSent> {
        if self.events_out.is_none() {
            return Err("events out are not configured ([events_out] bus)".into());
        }
        let event = match self.fire_state(input, flow, at).await? {
            Ok(event) => event,
            Err(e) => {
                return Ok(EventReport::failed(
                    detail_type,
                    crate::core::delivery::Failure::Temporary,
                    e.to_string(),
                ));
            }
        };
        let detail = events_out::flow_detail(&event, &self.config, fire_id, flow.name, at);
        Ok(self
            .publish(fire_id, detail_type, &detail, timing.send_until)
            .await)
    }

    /// The message of this fire, if the booking still calls for it, sent once.
    async fn fire_message(
        &self,
        input: &FireInput,
        audience: Audience,
        channel: Channel,
        flow: &Flow,
        at: Timestamp,
        timing: &SendTiming,
    ) -> Result<Vec<MessageReport>, NotSent> {
        let event = match self.fire_state(input, flow, at).await? {
            Ok(event) => event,
            // The store is unreachable: a temporary failure, for Scheduler's retry.
            Err(e) => {
                return Ok(vec![MessageReport {
                    kind: Kind::Flow(flow.name),
                    audience,
                    channel: Some(channel),
                    outcome: Outcome::Failed {
                        failure: crate::core::delivery::Failure::Temporary,
                        reason: e.to_string(),
                    },
                    fallback_for: None,
                }]);
            }
        };
        let (messages, _) = rules::flow_messages(&event, &self.config, flow);
        // Everything the flow sends this booking: an SMS that cannot go falls back to
        // email only when the flow does not email the same person anyway.
        let planned: Vec<_> = messages.iter().map(|(n, _)| n.clone()).collect();
        let mut notification = messages
            .into_iter()
            .find(|(n, key)| n.audience == audience && n.channel == channel && *key == input.recipient)
            .map(|(n, _)| n)
            .ok_or("the recipient no longer gets this flow (clientCommunication, consent or address changed)")?;
        // Keyed per fire: a booking moved to another time gets its message again.
        notification.event_id = fire_id(&input.schedule_name()?, at);
        Ok(self
            .deliver(&event, &[notification], &planned, *timing)
            .await)
    }
}

/// What fired: a flow's schedule, or an SMS held back by quiet hours.
enum Fire {
    Flow(FireInput),
    Deferred(DeferredInput),
}

/// A held-back SMS still goes this long after its time (the end of the quiet hours),
/// and never inside them: a fire retried by Lambda for hours, or redriven days later,
/// sends nothing stale.
pub const DEFERRED_LATE_AFTER: jiff::SignedDuration = jiff::SignedDuration::from_hours(12);

impl<I, C, P> Core<I, C, P>
where
    I: IdempotencyStore,
    C: Courier,
    P: Compose,
{
    /// The SMS of a held-back event, if it still goes, sent once under the event's own
    /// key (so the event's retries and this fire send it once between them).
    async fn fire_deferred(
        &self,
        input: &DeferredInput,
        at: Timestamp,
        timing: &SendTiming,
    ) -> Result<Vec<MessageReport>, NotSent> {
        let flows = self.flows.as_ref().ok_or("no scheduler is configured")?;
        let failed = |reason: String| {
            vec![MessageReport {
                kind: input.kind,
                audience: input.audience,
                channel: Some(input.channel),
                outcome: Outcome::Failed {
                    failure: crate::core::delivery::Failure::Temporary,
                    reason,
                },
                fallback_for: None,
            }]
        };
        let state = match flows.states.load(&deferred_key(&input.event)).await {
            Ok(state) => state,
            Err(e) => return Ok(failed(e.to_string())),
        };
        let state = state.ok_or("nothing is kept of this event any more (expired)")?;
        let event = Event::read(state.body.as_bytes(), &self.config)
            .map_err(|e| format!("the event kept does not read: {e}"))?;
        let now = Timestamp::now();
        deferred_in_time(&event, &self.config, input.kind, input.channel, at, now)?;
        if let Some(why) = self.booking_changed(flows, &event, input.kind).await {
            return Err(why.into());
        }
        // Planned again as when it was held back: the configuration may have changed
        // since (a kind turned off, a country no longer allowed).
        let plan = rules::plan_at(&event, &self.config, at);
        let notification = plan
            .notifications
            .iter()
            .find(|n| {
                n.kind == input.kind
                    && n.audience == input.audience
                    && n.channel == input.channel
                    && rules::recipient_key(n.recipient, &event) == input.recipient
            })
            .cloned()
            .ok_or("no longer planned (the configuration, consent or number changed)")?;
        // Everything the event sends: an SMS that cannot go falls back to email only when
        // the event does not email the same person this message anyway.
        Ok(self
            .deliver(&event, &[notification], &plan.notifications, *timing)
            .await)
    }

    /// Why a held-back message about the visit ahead no longer goes, when the booking's
    /// state is kept (with `[[flows]]`): canceled, a no-show or pending since, or moved.
    async fn booking_changed(
        &self,
        flows: &crate::core::schedules::Flows,
        event: &Event,
        kind: Kind,
    ) -> Option<String> {
        if self.config.flows.is_empty() || !rules::about_the_visit_ahead(kind) {
            return None;
        }
        let reference =
            crate::domain::booking::BookingRef::of(event, self.config.merchant_id.as_deref())?;
        let names = reference.names();
        let found = flows.states.find(&names).await.ok()?;
        let booking = names.iter().find_map(|n| {
            let named = found.get(n)?;
            reference
                .accepts(n, &named.booking)
                .then(|| named.booking.clone())
        })?;
        let state = flows.states.load(&booking).await.ok()??;
        let now = Event::read(state.body.as_bytes(), &self.config).ok()?;
        if let BeforeStart::Delete(why) = rules::before_start(&now) {
            return Some(why);
        }
        let tz = &self.config.default_time_zone;
        let start = |e: &Event| {
            e.booking
                .starts_on
                .as_deref()
                .and_then(|t| e.instant(t, tz))
        };
        match (start(event), start(&now)) {
            (Some(then), Some(moved)) if then != moved => Some(format!(
                "the booking moved: it now starts at {}",
                utc_seconds(moved)
            )),
            _ => None,
        }
    }
}

/// Whether a held-back message firing `now` is still in time: not inside the quiet
/// hours, not more than [`DEFERRED_LATE_AFTER`] after its time, and for a message about
/// the visit ahead not at or after the booking's start.
pub fn deferred_in_time(
    event: &Event,
    config: &crate::domain::config::Config,
    kind: Kind,
    channel: crate::domain::notification::Channel,
    at: Timestamp,
    now: Timestamp,
) -> Result<(), NotSent> {
    if rules::about_the_visit_ahead(kind)
        && let Some(starts) = event
            .booking
            .starts_on
            .as_deref()
            .and_then(|t| event.instant(t, &config.default_time_zone))
        && now >= starts
    {
        return Err(NotSent::Late(format!(
            "too late: the booking started at {}",
            utc_seconds(starts)
        )));
    }
    in_time(
        at,
        now,
        DEFERRED_LATE_AFTER,
        &rules::shown_duration(DEFERRED_LATE_AFTER),
    )?;
    quiet_at(event, config, channel, now)
}

/// The schedule door's answer: what the Lambda returns (an error makes Scheduler retry).
pub fn answer(result: Result<Summary, FireError>) -> Result<Value, String> {
    match result {
        Ok(summary) => {
            let mut answer = json!({
                "status": match summary.disposition {
                    Disposition::Duplicate => "duplicate",
                    _ => "processed",
                },
                "fire_id": summary.event_id,
                "messages": summary.messages,
            });
            if let Some(event) = &summary.event {
                answer["event"] = json!(event);
            }
            Ok(answer)
        }
        Err(e) => Err(e.to_string()),
    }
}
