//! The core, transport-free: an [`Event`] goes through claim → plan → compose → send →
//! record, and comes out as a typed [`Summary`]. No HTTP, no Lambda types: the HTTP edge
//! ([`crate::doors::http`]) calls it, and so can any other door (a scheduler, a queue).
//!
//! The delivery guarantee (also in the README): a message is sent at most once per
//! successful send and recorded at once; the claim's lease lasts until after the caller's
//! deadline and every send is cut off before that deadline, so no delivery of the same
//! event can start while one of ours is in flight. What remains at-least-once: a message
//! the provider accepted but whose answer was lost (cut off, network) or whose record
//! failed is sent again by Booxi's retry.
//!
//! Queued mode claims with one write that already says completed, with the answer the
//! delivery will give: putting messages on the queue (and scheduling) is safe to do
//! again, since the drain claims each message before sending it. A later delivery of
//! the event therefore queues its messages again and answers as a duplicate; that is
//! also what saves a delivery cut off between its claim and its enqueue. A failure to
//! enqueue releases the claim, as in direct mode. The work is redone as of the first
//! delivery's time (stored with the claim), so the plan is the same; what is already
//! past is still judged by the clock. Direct mode (after a switch) takes such a claim
//! over with a conditional write before redoing it, so one delivery at a time holds.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use futures_util::StreamExt;

use crate::core::compose::Compose;
use crate::core::delivery::{Courier, DeliverySettings, Failure, MessageMeta, send_with_retry};
use crate::core::events_out::{EventReport, detail_messages};
use crate::core::metrics;
use crate::core::outcome::{Disposition, MessageReport, Outcome, Summary, report};
use crate::core::queue;
use crate::core::schedules::{FlowWork, Flows};
use crate::core::store::{Claim, Closed, Done, IdempotencyStore, Owner, StoreError, message_key};
use crate::domain::config::Config;
use crate::domain::event::Event;
use crate::domain::events_out;
use crate::domain::notification::{Notification, audience_name, channel_name};
use crate::domain::rules;

/// Plans the messages for one event (the rules of [`rules::plan_at`]), an event without
/// `createdOn` dated now, for the flows' "already past" check.
pub fn plan(event: &Event, config: &Config) -> crate::Plan {
    rules::plan_at(event, config, jiff::Timestamp::now())
}

/// Sending stops this long before the caller's deadline, leaving time to record and answer.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(1);

/// The lease outlasts the caller's deadline by this much (clock differences between
/// Lambda hosts are milliseconds; this leaves room).
pub const LEASE_MARGIN: Duration = Duration::from_secs(5);

/// The core and the adapters it works through.
pub struct Core<I, C, P> {
    pub config: Config,
    pub store: I,
    pub courier: C,
    pub composer: P,
    pub delivery: DeliverySettings,
    /// Print CloudWatch Embedded Metric Format lines to stdout.
    pub emit_metrics: bool,
    /// The scheduler and booking states of `[[flows]]`; `None` when no flow is configured.
    pub flows: Option<Flows>,
    /// Queued mode (`BOOXI_DELIVERY_MODE=queued`): planned messages go on this queue and
    /// the queue door ([`crate::doors::queue`]) sends them. `None`: sent in the call (direct).
    pub queue: Option<std::sync::Arc<dyn crate::core::queue::Queue>>,
    /// `[events_out]`: the bus each event's booking event is published to; `None` when
    /// no bus is configured (nothing is published).
    pub events_out: Option<crate::core::events_out::EventsOut>,
}

/// When the work of one delivery must end.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    /// No send is in flight after this.
    pub(crate) send_until: Instant,
    /// The claim keeps other deliveries out until this (wall clock, stored).
    pub(crate) lease_until: SystemTime,
}

impl Timing {
    /// `caller` is when the caller stops waiting (the invocation's deadline), if known.
    pub(crate) fn new(started: Instant, budget: Duration, caller: Option<Instant>) -> Self {
        let now = Instant::now();
        let end = caller.unwrap_or(started + budget + DEADLINE_MARGIN);
        let send_until = (started + budget).min(end.checked_sub(DEADLINE_MARGIN).unwrap_or(end));
        let lease_until = SystemTime::now() + end.saturating_duration_since(now) + LEASE_MARGIN;
        Self {
            send_until,
            lease_until,
        }
    }
}

impl<I, C, P> Core<I, C, P>
where
    I: IdempotencyStore,
    C: Courier,
    P: Compose,
{
    /// Processes `event` once: plans it, claims it, sends what was not sent before and
    /// records the outcome. `deadline` is when the caller stops waiting, if it says.
    /// An error means the store could not be reached (nothing was sent).
    pub async fn process(
        &self,
        event: &Event,
        deadline: Option<Instant>,
    ) -> Result<Summary, StoreError> {
        let started = Instant::now();
        if self.emit_metrics {
            metrics::event_received(&event.event_type.log_name());
        }
        let summary = |disposition, messages| Summary {
            event_id: event.id.clone(),
            disposition,
            messages,
            schedules: Vec::new(),
            event: None,
        };
        // One clock reading, in whole milliseconds as the claim stores it: a later
        // delivery that redoes this one's work plans at the same instant.
        let wall = SystemTime::UNIX_EPOCH
            + Duration::from_millis(crate::core::store::epoch_millis(SystemTime::now()));
        let now = jiff::Timestamp::try_from(wall).unwrap_or_else(|_| jiff::Timestamp::now());
        let plan = rules::plan_at(event, &self.config, now);
        if plan.ignored.is_some() {
            let event_type = event.event_type.log_name();
            tracing::info!(event_id = %event.id, event_type = %event_type, "event type not handled: ignored");
            if self.emit_metrics {
                metrics::event_ignored(&event_type);
            }
            return Ok(summary(Disposition::Ignored, Vec::new()));
        }
        if plan.capped_recipients > 0 {
            tracing::warn!(event_id = %event.id, left_out = plan.capped_recipients, "recipients over max_recipients_per_event");
            if self.emit_metrics {
                metrics::recipients_capped(plan.capped_recipients);
            }
        }
        let timing = Timing::new(started, self.delivery.budget, deadline);
        let owner = Owner::new()?;
        // Queued mode writes the claim completed, with the answer it will give, in one
        // write: what follows (enqueueing, schedules) is safe to do again, and is, by any
        // later delivery of the event (see `claim_completed`).
        let claim = match &self.queue {
            None => {
                self.store
                    .claim(&event.id, &owner, SystemTime::now(), timing.lease_until)
                    .await
            }
            Some(_) => {
                let planned: Vec<MessageReport> = plan
                    .notifications
                    .iter()
                    .map(|n| report(n, Outcome::Queued))
                    .chain(skipped(&plan))
                    .collect();
                let saved = serde_json::to_string(&planned).unwrap_or_default();
                self.store
                    .claim_completed(&event.id, &owner, wall, &saved)
                    .await
            }
        }
        .inspect_err(
            |e| tracing::error!(event_id = %event.id, error = %e, "cannot claim the event"),
        )?;
        // Claimed in queued mode, and nothing says that delivery got its messages on the
        // queue or its schedules made (it may have stopped right after its claim): its
        // work is done again, as of the time it planned at, so with the same plan.
        let mut redo_at = None;
        let earlier = match claim {
            Claim::Acquired => None,
            Claim::Completed {
                summary: saved,
                redo_from,
            } => {
                let messages: Vec<MessageReport> = saved
                    .and_then(|text| serde_json::from_str(&text).ok())
                    .unwrap_or_default();
                let Some(first) = redo_from else {
                    return Ok(summary(Disposition::Duplicate, messages));
                };
                redo_at = Some(jiff::Timestamp::try_from(first).unwrap_or(now));
                tracing::info!(event_id = %event.id, "event claimed before in queued mode: its work is done again");
                if self.queue.is_some() {
                    // The drain sends each message once, however often it is queued.
                    Some(messages)
                } else {
                    // Direct mode since: one delivery at a time, as for any claim; it
                    // sends what is not recorded as sent, and completes.
                    let taken = self
                        .store
                        .take_over(&event.id, first, &owner, timing.lease_until)
                        .await
                        .inspect_err(|e| tracing::error!(event_id = %event.id, error = %e, "cannot take the event's claim over"))?;
                    if !taken {
                        return Ok(summary(Disposition::InProgress, Vec::new()));
                    }
                    None
                }
            }
            Claim::InProgress => return Ok(summary(Disposition::InProgress, Vec::new())),
        };
        let (plan, planned_at) = match redo_at {
            Some(first) => (rules::plan_at(event, &self.config, first), first),
            None => (plan, now),
        };

        let (disposition, mut messages) = match &self.queue {
            Some(queue) => (
                Disposition::Queued,
                queue::enqueue(
                    queue.as_ref(),
                    event,
                    &plan.notifications,
                    &self.delivery.recipients,
                )
                .await,
            ),
            None => (
                Disposition::Processed,
                self.deliver(event, &plan.notifications, timing).await,
            ),
        };
        messages.extend(skipped(&plan));
        let mut done = summary(disposition, messages);
        if let Some(flows) = &self.flows
            && !self.config.flows.is_empty()
        {
            let flows_done = flows
                .apply(FlowWork {
                    store: &self.store,
                    event,
                    config: &self.config,
                    plan: &plan,
                    planned_at,
                    until: timing.send_until,
                    concurrency: self.delivery.send_concurrency,
                })
                .await;
            if flows_done.capped > 0 {
                tracing::warn!(event_id = %event.id, left_out = flows_done.capped, "schedule changes over max_schedules_per_event");
                if self.emit_metrics {
                    metrics::schedules_capped(flows_done.capped);
                }
            }
            done.schedules = flows_done.reports;
        }
        // The booking event, once the event's own work is done: what it says of the
        // messages is then final. A delivery whose messages want a retry leaves it to
        // the retry (which finds what was sent recorded, and publishes once).
        if let (Some(_), Some(planned)) = (&self.events_out, &plan.event_out) {
            let detail_type = planned.detail_type.name();
            done.event = Some(if done.retry_wanted().is_some() {
                EventReport::deferred(&detail_type)
            } else {
                let messages = detail_messages(&done.messages);
                let detail = events_out::detail(event, &self.config, &messages);
                self.publish(&event.id, &detail_type, &detail, timing.send_until)
                    .await
            });
        }
        match (&self.queue, earlier) {
            // Work done again answers as a duplicate; if it failed, the failure is its
            // answer (and the claim, not ours, stays).
            (_, Some(messages)) => {
                if done.retry_wanted().is_none() {
                    return Ok(summary(Disposition::Duplicate, messages));
                }
            }
            (None, None) => self.close(&done, &owner).await,
            // The claim already says completed; only a failure undoes it.
            (Some(_), None) => {
                if done.retry_wanted().is_some() {
                    self.close(&done, &owner).await;
                }
            }
        }
        if self.emit_metrics {
            metrics::event_done(&done, started.elapsed());
        }
        Ok(done)
    }

    /// Completes the claim (saving the summary for duplicates) or, when a failure asks for
    /// a retry, releases it. Either only if the claim is still ours.
    pub(crate) async fn close(&self, summary: &Summary, owner: &Owner) {
        let id = &summary.event_id;
        let closed = if summary.retry_wanted().is_some() {
            self.store.release(id, owner).await
        } else {
            let saved = serde_json::to_string(&summary.messages).unwrap_or_default();
            // On an error everything still went: a retry finds each message recorded.
            self.store
                .complete(id, owner, SystemTime::now(), &saved)
                .await
        };
        match closed {
            Ok(Closed::Done) => {}
            Ok(Closed::NotOwner) => {
                tracing::warn!(event_id = %id, "the claim was no longer ours when closing it")
            }
            Err(e) => tracing::warn!(event_id = %id, error = %e, "cannot close the claim"),
        }
    }

    /// Renders and sends every planned message not sent before, at most
    /// `send_concurrency` at a time, in plan order.
    pub(crate) async fn deliver(
        &self,
        event: &Event,
        notifications: &[Notification],
        timing: Timing,
    ) -> Vec<MessageReport> {
        let recipients = &self.delivery.recipients;
        let keys: Vec<String> = notifications
            .iter()
            .map(|n| message_key(n, recipients))
            .collect();
        let already: HashMap<String, Done> = match self.store.recorded(&keys).await {
            Ok(sent) => sent,
            Err(e) => {
                tracing::error!(event_id = %event.id, error = %e, "cannot read sent messages");
                let failed = |n| {
                    report(
                        n,
                        Outcome::Failed {
                            failure: Failure::Temporary,
                            reason: e.to_string(),
                        },
                    )
                };
                return notifications.iter().map(failed).collect();
            }
        };
        let sends = notifications
            .iter()
            .zip(&keys)
            .enumerate()
            .map(|(i, (n, key))| {
                self.deliver_one(event, n, i + 1, key, already.get(key).copied(), timing)
            })
            .collect::<Vec<_>>();
        // Collected first: a lazy iterator held across the await trips rustc's Send check.
        futures_util::stream::iter(sends)
            .buffered(self.delivery.send_concurrency.max(1))
            .collect()
            .await
    }

    pub(crate) async fn deliver_one(
        &self,
        event: &Event,
        n: &Notification,
        index: usize,
        key: &str,
        already: Option<Done>,
        timing: Timing,
    ) -> MessageReport {
        let started = Instant::now();
        let outcome = if let Some(done) = already {
            match done {
                Done::Sent => Outcome::Sent { earlier: true },
                Done::Refused => Outcome::Failed {
                    failure: Failure::Refused,
                    reason: REFUSED_EARLIER.to_owned(),
                },
            }
        } else {
            match self.composer.compose(event, n, MessageMeta::of(n, index)) {
                Err(e) => Outcome::Failed {
                    failure: Failure::Configuration,
                    reason: format!("cannot render: {e}"),
                },
                Ok(message) => {
                    let retry = self.delivery.retry;
                    match send_with_retry(&self.courier, &message, retry, timing.send_until).await {
                        Ok(_) => {
                            self.record(event, n, key, Done::Sent).await;
                            Outcome::Sent { earlier: false }
                        }
                        Err(e) => {
                            if e.failure == Failure::Refused {
                                self.record(event, n, key, Done::Refused).await;
                            }
                            Outcome::Failed {
                                failure: e.failure,
                                reason: e.reason,
                            }
                        }
                    }
                }
            }
        };
        let result = report(n, outcome);
        tracing::info!(
            event_id = %event.id,
            kind = %n.kind,
            audience = audience_name(n.audience),
            channel = channel_name(n.channel),
            outcome = ?result.status(),
            reason = result.reason().unwrap_or(""),
            latency_ms = started.elapsed().as_millis() as u64,
            "message"
        );
        result
    }
}

impl<I: IdempotencyStore, C, P> Core<I, C, P> {
    /// Records a message as done; a failure to record is logged (a retry may then send
    /// it again: the at-least-once window).
    async fn record(&self, event: &Event, n: &Notification, key: &str, done: Done) {
        if let Err(e) = self.store.record(key, done, SystemTime::now()).await {
            tracing::warn!(event_id = %event.id, kind = %n.kind, error = %e, outcome = ?done, "cannot record the message");
        }
    }
}

/// Reason shown for a recipient an earlier delivery found refused.
pub(crate) const REFUSED_EARLIER: &str =
    "refused by the provider in an earlier delivery of this event";

/// The plan's skipped messages, as reported.
fn skipped(plan: &crate::Plan) -> impl Iterator<Item = MessageReport> + '_ {
    plan.skipped.iter().map(|s| MessageReport {
        kind: s.kind,
        audience: s.audience,
        channel: s.channel,
        outcome: Outcome::Skipped {
            reason: s.reason.clone(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sends_end_before_the_callers_deadline_and_the_lease_after_it() {
        let started = Instant::now();
        let caller = started + Duration::from_secs(10);
        let t = Timing::new(started, Duration::from_secs(12), Some(caller));
        assert_eq!(t.send_until, caller - DEADLINE_MARGIN);
        let lease = t.lease_until.duration_since(SystemTime::now()).unwrap();
        assert!(
            lease > Duration::from_secs(14) && lease <= Duration::from_secs(15),
            "{lease:?}"
        );

        let t = Timing::new(started, Duration::from_secs(2), Some(caller));
        assert_eq!(
            t.send_until,
            started + Duration::from_secs(2),
            "the budget ends first"
        );

        let t = Timing::new(started, Duration::from_secs(2), None);
        assert_eq!(t.send_until, started + Duration::from_secs(2));
        let lease = t.lease_until.duration_since(SystemTime::now()).unwrap();
        assert!(
            lease > Duration::from_secs(7) && lease <= Duration::from_secs(8),
            "{lease:?}"
        );
    }
}
