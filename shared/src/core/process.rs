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

use std::time::{Duration, Instant, SystemTime};

use futures_util::StreamExt;

use crate::core::compose::Compose;
use crate::core::delivery::{
    Content, Courier, DeliverySettings, Failure, MessageMeta, Outgoing, SendError, send_with_retry,
};
use crate::core::events_out::{BusError, Entry, detail_messages, publication_key};
use crate::core::metrics;
use crate::core::outcome::{
    Disposition, EventReport, MessageReport, Outcome, PUBLISHED_EARLIER, Summary, report,
};
use crate::core::queue;
use crate::core::schedules::{FlowWork, Flows};
use crate::core::spend::{self, SmsCount};
use crate::core::store::{
    Claim, Closed, Done, Fallback, HistoryEntry, IdempotencyStore, Owner, RecipientHasher, Step,
    StoreError, Suppression, message_key, recipient_hash, suppression_key,
};
use crate::domain::config::Config;
use crate::domain::event::Event;
use crate::domain::events_out::{self, Detail};
use crate::domain::feedback::{Cause, MessageStatus, mask};
use crate::domain::notification::{Address, Channel, Notification, audience_name, channel_name};
use crate::domain::rules;
use crate::render::EventScope;

/// Plans the messages for one event (the rules of [`rules::plan_at`]), an event without
/// `createdOn` dated now, for the flows' "already past" check.
pub fn plan(event: &Event, config: &Config) -> crate::Plan {
    rules::plan_at(event, config, jiff::Timestamp::now())
}

/// What `booxi-notify plan` and `render` show of an event: [`plan`], with the quiet
/// hours of `[sms]` judged at the event's own time (`createdOn`, else now), as if it
/// were processed when Booxi sent it: an SMS held back is in `deferred`, with its time.
pub fn plan_as_sent(event: &Event, config: &Config) -> crate::Plan {
    let now = jiff::Timestamp::now();
    let mut plan = rules::plan_at(event, config, now);
    let at = rules::event_time(event, &config.default_time_zone, now);
    rules::defer_quiet(event, config, &mut plan, at);
    plan
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
        let mut plan = rules::plan_at(event, &self.config, now);
        // Quiet hours hold back what would go now, inside the window, until it ends.
        rules::defer_quiet(event, &self.config, &mut plan, now);
        if plan.ignored.is_some() {
            let event_type = event.event_type.log_name();
            tracing::info!(event_id = %event.id, event_type = %event_type, "event type not handled: ignored");
            if self.emit_metrics {
                metrics::event_ignored(&event_type);
            }
            return Ok(summary(Disposition::Ignored, Vec::new()));
        }
        if plan.sms_country_blocked > 0 {
            tracing::info!(event_id = %event.id, blocked = plan.sms_country_blocked, "SMS to a country not allowed: not sent");
            if self.emit_metrics {
                metrics::sms_country_blocked(plan.sms_country_blocked);
            }
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
                    .chain(
                        plan.deferred
                            .iter()
                            .map(|s| report(&s.notification, Outcome::held_back(s.at))),
                    )
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
            Some(first) => {
                let mut plan = rules::plan_at(event, &self.config, first);
                // Quiet hours are judged at the time of sending: now.
                rules::defer_quiet(event, &self.config, &mut plan, now);
                (plan, first)
            }
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
                self.deliver(event, &plan.notifications, &plan.notifications, timing)
                    .await,
            ),
        };
        messages.extend(self.defer(event, &plan.deferred, timing.send_until).await);
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
        if let (Some(_), Some(planned)) = (
            &self.events_out,
            events_out::planned(event, &self.config, &plan),
        ) {
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
    /// `send_concurrency` at a time, in plan order. `planned` is everything the event (or
    /// the flow) sends, to tell whether an SMS that cannot go may fall back to email.
    pub(crate) async fn deliver(
        &self,
        event: &Event,
        notifications: &[Notification],
        planned: &[Notification],
        timing: Timing,
    ) -> Vec<MessageReport> {
        let recipients = &self.delivery.recipients;
        let keys: Vec<String> = notifications
            .iter()
            .map(|n| message_key(n, recipients))
            .collect();
        let suppression_keys: Vec<String> = notifications
            .iter()
            .map(|n| recipient_key(n, recipients))
            .collect();
        // SNS's opt-out list is asked while the store is read, not after: the SMS does
        // not wait for one more round trip.
        let (found, opt_outs) = futures_util::future::join(
            self.store.look_up(&keys, &suppression_keys),
            futures_util::future::join_all(notifications.iter().map(|n| self.opt_out_of(n))),
        )
        .await;
        let found = match found {
            Ok(found) => found,
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
        // The messages are composed in one scope: one made context serves each message
        // that would get the same one.
        let scope = EventScope::new(event);
        let sends = notifications
            .iter()
            .zip(keys.iter().zip(&suppression_keys).zip(opt_outs))
            .enumerate()
            .map(|(i, (n, ((key, suppression), opted_out)))| {
                let known = Known {
                    done: found.done.get(key).copied(),
                    suppressed: Some(found.suppressed.get(suppression).cloned()),
                    opted_out,
                };
                self.deliver_one(&scope, n, i + 1, key, known, planned, timing)
            })
            .collect::<Vec<_>>();
        // Collected first: a lazy iterator held across the await trips rustc's Send check.
        let reports: Vec<Vec<MessageReport>> = futures_util::stream::iter(sends)
            .buffered(self.delivery.send_concurrency.max(1))
            .collect()
            .await;
        reports.into_iter().flatten().collect()
    }

    /// Sends one planned message (unless `known` says it went before, or its recipient
    /// is suppressed) and, when it cannot go, the same message on the next channel: a
    /// WhatsApp message refused for good goes by SMS ([`rules::whatsapp_fallback`]), an
    /// SMS that cannot go (the number opted out, or refused for good) by email
    /// ([`rules::email_fallback`]). Its report, then each fallback's.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn deliver_one(
        &self,
        event: &EventScope<'_>,
        n: &Notification,
        index: usize,
        key: &str,
        known: Known,
        planned: &[Notification],
        timing: Timing,
    ) -> Vec<MessageReport> {
        let (first, mut fall_back) = self
            .send_one(event, n, index, key, known, planned, timing)
            .await;
        let mut reports = vec![first];
        let mut current = n.clone();
        // WhatsApp → SMS → email: each step changes the channel, email is the last.
        while fall_back {
            let next = match current.channel {
                Channel::Whatsapp => {
                    rules::whatsapp_fallback(event, &self.config, &current, planned)
                }
                Channel::Sms => rules::email_fallback(event, &self.config, &current, planned),
                Channel::Email => None,
            };
            let Some(next) = next else {
                break;
            };
            let key = message_key(&next, &self.delivery.recipients);
            let suppression = recipient_key(&next, &self.delivery.recipients);
            let known = match self
                .store
                .look_up(
                    std::slice::from_ref(&key),
                    std::slice::from_ref(&suppression),
                )
                .await
            {
                Ok(found) => Known {
                    done: found.done.get(&key).copied(),
                    suppressed: Some(found.suppressed.get(&suppression).cloned()),
                    opted_out: None,
                },
                Err(e) => {
                    let failed = Outcome::Failed {
                        failure: Failure::Temporary,
                        reason: e.to_string(),
                    };
                    reports.push(report(&next, failed));
                    return reports;
                }
            };
            let (fallback, again) = self
                .send_one(event, &next, index, &key, known, planned, timing)
                .await;
            if self.emit_metrics
                && next.fallback_for == Some(Channel::Whatsapp)
                && matches!(fallback.outcome, Outcome::Sent { earlier: false, .. })
            {
                metrics::whatsapp_fallback(next.audience);
            }
            reports.push(fallback);
            fall_back = again;
            current = next;
        }
        reports
    }

    /// One message: its report, and whether it is an SMS or a WhatsApp message that
    /// cannot go (so the same message may go on the next channel).
    #[allow(clippy::too_many_arguments)]
    async fn send_one(
        &self,
        event: &EventScope<'_>,
        n: &Notification,
        index: usize,
        key: &str,
        known: Known,
        planned: &[Notification],
        timing: Timing,
    ) -> (MessageReport, bool) {
        let started = Instant::now();
        // Whether the same message may go on another channel when this one cannot.
        let is_sms = matches!(n.channel, Channel::Sms | Channel::Whatsapp);
        let mut fall_back = false;
        let outcome = if let Some(done) = known.done {
            match done {
                Done::Sent => Outcome::Sent {
                    earlier: true,
                    provider_id: None,
                },
                Done::Refused => {
                    fall_back = is_sms;
                    Outcome::Failed {
                        failure: Failure::Refused,
                        reason: REFUSED_EARLIER.to_owned(),
                    }
                }
            }
        } else if let Some(suppression) = self
            .suppression_of(n, known.suppressed, known.opted_out)
            .await
        {
            fall_back = is_sms;
            let learned = jiff::Timestamp::try_from(suppression.learned_at)
                .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
            let reason = suppression.cause.skip_reason(learned);
            let entry = self.history_entry(event, n, MessageStatus::Skipped, None, Some(&reason));
            if let Err(e) = self
                .store
                .note_skipped(key, &entry, SystemTime::now())
                .await
            {
                tracing::warn!(event_id = %event.id, kind = %n.kind, error = %e, "cannot keep the history of a suppressed message");
            }
            if self.emit_metrics {
                metrics::suppressed(n.audience, n.channel);
            }
            Outcome::Suppressed {
                cause: suppression.cause,
                reason,
            }
        } else {
            match self.composer.compose(event, n, MessageMeta::of(n, index)) {
                Err(e) if n.fallback_for.is_some() => Outcome::Skipped {
                    reason: format!("no email to fall back to: cannot render: {e}"),
                },
                Err(e) => Outcome::Failed {
                    failure: Failure::Configuration,
                    reason: format!("cannot render: {e}"),
                },
                Ok(message) => match spend::count_sms(
                    &self.store,
                    &self.config,
                    self.emit_metrics,
                    event,
                    n,
                    key,
                )
                .await
                {
                    SmsCount::Over(reason) => {
                        // Over the daily cap: the email goes instead, when it can.
                        fall_back = is_sms;
                        Outcome::Skipped { reason }
                    }
                    SmsCount::Unknown(reason) => Outcome::Failed {
                        failure: Failure::Temporary,
                        reason,
                    },
                    count => {
                        let retry = self.delivery.retry;
                        match send_with_retry(&self.courier, &message, retry, timing.send_until)
                            .await
                        {
                            Ok(provider_id) => {
                                let provider_id = Some(provider_id).filter(|id| !id.is_empty());
                                let entry = self.history_entry(
                                    event,
                                    n,
                                    MessageStatus::Sent,
                                    provider_id.clone(),
                                    None,
                                );
                                self.record(event, n, key, Done::Sent, &entry).await;
                                if n.channel == Channel::Whatsapp
                                    && let Some(id) = &provider_id
                                {
                                    self.keep_whatsapp_fallback(event, n, index, id, planned)
                                        .await;
                                }
                                Outcome::Sent {
                                    earlier: false,
                                    provider_id,
                                }
                            }
                            Err(e) => {
                                spend::uncount_sms(&self.store, &count, e.failure).await;
                                if e.failure == Failure::Refused {
                                    let entry = self.history_entry(
                                        event,
                                        n,
                                        MessageStatus::Refused,
                                        None,
                                        Some(&e.reason),
                                    );
                                    self.record(event, n, key, Done::Refused, &entry).await;
                                    fall_back = is_sms;
                                    if n.channel == Channel::Sms && e.reason.contains("OptedOut") {
                                        self.suppress_now(n, Cause::OptedOut).await;
                                    }
                                }
                                Outcome::Failed {
                                    failure: e.failure,
                                    reason: e.reason,
                                }
                            }
                        }
                    }
                },
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
            fallback_for = n.fallback_for.map(channel_name).unwrap_or(""),
            latency_ms = started.elapsed().as_millis() as u64,
            "message"
        );
        (result, fall_back)
    }

    /// The suppression that keeps `n` from going, if any: the one the store holds (read
    /// now unless `known` says), or, for an SMS, SNS's opt-out list (asked through the
    /// courier; a number found opted out is suppressed from then on). A WhatsApp message
    /// has none: the causes are an email's (bounces, complaints) and an SMS's (STOP),
    /// and WhatsApp's own opt-out is the person blocking the business in WhatsApp.
    async fn suppression_of(
        &self,
        n: &Notification,
        known: Option<Option<Suppression>>,
        opted_out: Option<Result<bool, SendError>>,
    ) -> Option<Suppression> {
        if n.channel == Channel::Whatsapp {
            return None;
        }
        let now = SystemTime::now();
        let stored = match known {
            Some(found) => found,
            None => {
                let key = recipient_key(n, &self.delivery.recipients);
                match self.store.look_up(&[], std::slice::from_ref(&key)).await {
                    Ok(mut found) => found.suppressed.remove(&key),
                    Err(e) => {
                        tracing::warn!(event_id = %n.event_id, error = %e, "cannot read the recipient's suppression: sending");
                        None
                    }
                }
            }
        };
        if let Some(s) = stored.filter(|s| s.holds(now)) {
            return Some(s);
        }
        let answer = match opted_out {
            Some(answer) => answer,
            None => self.opt_out_of(n).await?,
        };
        match answer {
            Ok(false) => None,
            Ok(true) => Some(self.suppress_now(n, Cause::OptedOut).await),
            Err(e) => {
                tracing::warn!(event_id = %n.event_id, error = %e, "cannot ask whether the number opted out: sending");
                None
            }
        }
    }

    /// Whether SNS's opt-out list holds `n`'s number (`None` for an email).
    async fn opt_out_of(&self, n: &Notification) -> Option<Result<bool, SendError>> {
        match &n.to {
            Address::Phone(phone) => Some(self.courier.opted_out(phone).await),
            Address::Email(_) | Address::Whatsapp(_) => None,
        }
    }

    /// Keeps the SMS that goes if the WhatsApp message `n`, accepted as `provider_id`,
    /// comes back failed ([`rules::whatsapp_fallback`]): rendered now, kept under the
    /// provider's id until [`fallback_until`]. A failure to keep it is logged: the
    /// WhatsApp message went, only its fallback is lost.
    async fn keep_whatsapp_fallback(
        &self,
        event: &EventScope<'_>,
        n: &Notification,
        index: usize,
        provider_id: &str,
        planned: &[Notification],
    ) {
        let Some(sms) = rules::whatsapp_fallback(event, &self.config, n, planned) else {
            return;
        };
        let composed = match self
            .composer
            .compose(event, &sms, MessageMeta::of(&sms, index))
        {
            Ok(Outgoing {
                content: Content::Sms(composed),
                ..
            }) => composed,
            Ok(_) => return,
            Err(e) => {
                tracing::warn!(event_id = %event.id, kind = %n.kind, error = %e, "cannot render the SMS fallback of a WhatsApp message");
                return;
            }
        };
        let now = SystemTime::now();
        // The daily SMS counter of the WhatsApp message's day (`[sms] max_per_day`).
        let day = crate::domain::sms::SpendDay::of(
            event,
            self.config.merchant_id.as_deref(),
            &self.config.default_time_zone,
            jiff::Timestamp::try_from(now).unwrap_or_else(|_| jiff::Timestamp::now()),
        );
        let fallback = Fallback {
            event_id: sms.event_id.clone(),
            index,
            kind: sms.kind,
            audience: sms.audience,
            key: message_key(&sms, &self.delivery.recipients),
            to: sms.to.as_str().to_owned(),
            text: composed.text,
            until: crate::core::store::epoch_millis(fallback_until(event, &self.config, now)),
            booking_id: event.booking.id.clone(),
            confirmation: event.booking.confirmation_number.clone(),
            sender_id: composed
                .sender
                .sender_id
                .as_ref()
                .map(|id| id.as_str().to_owned()),
            origination_number: composed.sender.origination_number.clone(),
            max_price: composed.max_price.clone(),
            spend_merchant: day.merchant,
            spend_day: day.day.to_string(),
        };
        if let Err(e) = self.store.keep_fallback(provider_id, &fallback, now).await {
            tracing::warn!(event_id = %event.id, kind = %n.kind, error = %e, "cannot keep the SMS fallback of a WhatsApp message");
        }
    }

    /// Suppresses `n`'s recipient for `cause`, learned now.
    async fn suppress_now(&self, n: &Notification, cause: Cause) -> Suppression {
        let now = SystemTime::now();
        let suppression = suppression_for(&self.config, cause, now);
        if let Err(e) = self
            .store
            .suppress(&recipient_key(n, &self.delivery.recipients), &suppression)
            .await
        {
            tracing::warn!(event_id = %n.event_id, error = %e, "cannot keep the suppression");
        }
        suppression
    }

    /// The history of `n` as it starts: what it is, to whom (masked), `status` now.
    fn history_entry(
        &self,
        event: &Event,
        n: &Notification,
        status: MessageStatus,
        provider_id: Option<String>,
        reason: Option<&str>,
    ) -> HistoryEntry {
        let at = crate::core::store::epoch_millis(SystemTime::now());
        let reason = reason.map(str::to_owned);
        HistoryEntry {
            event_id: n.event_id.clone(),
            kind: n.kind.to_string(),
            audience: audience_name(n.audience).to_owned(),
            channel: channel_name(n.channel).to_owned(),
            to: mask(n.to.as_str()),
            status: status.name().to_owned(),
            at,
            provider_id,
            reason: reason.clone(),
            booking_id: event.booking.id.clone(),
            confirmation: event.booking.confirmation_number.clone(),
            recipient: recipient_hash(&self.delivery.recipients, n.to.as_str()),
            fallback_for: n.fallback_for.map(|c| channel_name(c).to_owned()),
            timeline: vec![Step {
                status: status.name().to_owned(),
                at,
                reason,
            }],
        }
    }
}

/// What was found out about a message before its send: recorded as done, its
/// recipient's suppression, SNS's word on its number (`None`: not asked yet, the send
/// asks).
#[derive(Debug, Clone, Default)]
pub(crate) struct Known {
    pub(crate) done: Option<Done>,
    pub(crate) suppressed: Option<Option<Suppression>>,
    pub(crate) opted_out: Option<Result<bool, SendError>>,
}

/// The key of `n`'s recipient's suppression entry.
pub(crate) fn recipient_key(n: &Notification, recipients: &RecipientHasher) -> String {
    suppression_key(&recipient_hash(recipients, n.to.as_str()))
}

/// How long a WhatsApp message's SMS fallback may still go: a day after the send, and
/// never after the booking's start (a confirmation or a reminder that arrives once the
/// visit began tells nothing). A failure Meta reports later sends nothing.
pub const FALLBACK_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// When the SMS fallback of a WhatsApp message sent `now` stops being worth sending.
pub fn fallback_until(event: &Event, config: &Config, now: SystemTime) -> SystemTime {
    let window = now + FALLBACK_WINDOW;
    let tz = event.time_zone(&config.default_time_zone);
    let start = event
        .booking
        .starts_on
        .as_deref()
        .and_then(|t| event.instant(t, &tz))
        .and_then(|t| SystemTime::try_from(t).ok())
        .filter(|start| *start > now);
    start.map_or(window, |start| start.min(window))
}

/// A suppression for `cause` learned at `at`, lasting as the configuration says.
pub fn suppression_for(config: &Config, cause: Cause, at: SystemTime) -> Suppression {
    let days = u64::from(config.suppression_days.of(cause));
    Suppression {
        cause,
        learned_at: at,
        expires_at: at + Duration::from_secs(days * 24 * 3600),
    }
}

impl<I: IdempotencyStore, C, P> Core<I, C, P> {
    /// Records a message as done, with its history; a failure to record is logged (a
    /// retry may then send it again: the at-least-once window).
    async fn record(
        &self,
        event: &Event,
        n: &Notification,
        key: &str,
        done: Done,
        entry: &HistoryEntry,
    ) {
        if let Err(e) = self
            .store
            .record_message(key, done, entry, SystemTime::now())
            .await
        {
            tracing::warn!(event_id = %event.id, kind = %n.kind, error = %e, outcome = ?done, "cannot record the message");
        }
    }
}

impl<I: IdempotencyStore, C, P> Core<I, C, P> {
    /// Publishes `detail` as `detail_type` once for `event_id`: not when an earlier
    /// delivery recorded it published; recorded once the bus took it. No call is in
    /// flight after `until`.
    pub(crate) async fn publish(
        &self,
        event_id: &str,
        detail_type: &str,
        detail: &Detail,
        until: Instant,
    ) -> EventReport {
        let started = Instant::now();
        let report = self
            .publish_once(event_id, detail_type, detail, until)
            .await;
        tracing::info!(
            event_id = %event_id,
            detail_type = %detail_type,
            outcome = report.status,
            reason = report.reason.as_deref().unwrap_or(""),
            latency_ms = started.elapsed().as_millis() as u64,
            "event out"
        );
        if self.emit_metrics && report.reason.as_deref() != Some(PUBLISHED_EARLIER) {
            match report.status {
                "published" => metrics::event_published(true),
                "failed" => metrics::event_published(false),
                _ => {}
            }
        }
        report
    }

    async fn publish_once(
        &self,
        event_id: &str,
        detail_type: &str,
        detail: &Detail,
        until: Instant,
    ) -> EventReport {
        let Some(out) = &self.events_out else {
            return EventReport::skipped(detail_type, "events out are not configured".into());
        };
        let key = publication_key(event_id);
        match self.store.recorded(std::slice::from_ref(&key)).await {
            Ok(found) if found.contains_key(&key) => {
                return EventReport::new(
                    detail_type,
                    "published",
                    Some(PUBLISHED_EARLIER.to_owned()),
                );
            }
            Ok(_) => {}
            Err(e) => return EventReport::failed(detail_type, Failure::Temporary, e.to_string()),
        }
        let json = match serde_json::to_string(detail) {
            Ok(json) => json,
            Err(e) => {
                return EventReport::failed(
                    detail_type,
                    Failure::Configuration,
                    format!("the detail does not serialise: {e}"),
                );
            }
        };
        let entries = [Entry {
            detail_type: detail_type.to_owned(),
            detail: json,
            event_id: event_id.to_owned(),
        }];
        if Instant::now() >= until {
            return EventReport::failed(
                detail_type,
                Failure::Temporary,
                "not started: the delivery deadline came first".into(),
            );
        }
        let put = tokio::time::timeout_at(until.into(), out.bus.put(&entries)).await;
        let failure = match put {
            Err(_) => Some(BusError {
                failure: Failure::Temporary,
                message: "cut off at the delivery deadline".into(),
            }),
            Ok(Err(e)) => Some(e),
            // An entry the bus did not take: another delivery publishes it (503 for a
            // retryable code, 502 for one about our side).
            Ok(Ok(failed)) => failed.into_iter().next().map(|(_, e)| e),
        };
        if let Some(e) = failure {
            return EventReport::failed(detail_type, e.failure, e.message);
        }
        if let Err(e) = self.store.record(&key, Done::Sent, SystemTime::now()).await {
            // Not fatal: a later delivery publishes it again (consumers deduplicate).
            tracing::warn!(event_id = %event_id, error = %e, "cannot record the event published");
        }
        EventReport::new(detail_type, "published", None)
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
        fallback_for: None,
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
