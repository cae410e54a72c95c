//! Booking events out: the [`EventBus`] port (EventBridge `PutEvents` on AWS,
//! `outbox/<event id>/events.jsonl` offline) and the core's publication of one event per
//! Booxi event, or per fire of a flow with the `event` channel.
//!
//! Publication is part of the event's idempotent work: once the bus took the event it is
//! recorded (`pub#<event id>` in the idempotency store, like a message), so a later
//! delivery of the same event does not publish it again. A call that fails, or an entry
//! the bus did not take, is a failure the answer reports (503 for a temporary fault or an
//! entry EventBridge calls retryable, 502 for access denied, a missing bus or an entry
//! refused for permissions), so Booxi delivers the event
//! again and that delivery publishes it, without sending again the messages already
//! recorded. What stays at-least-once: an event the bus took but whose answer was lost
//! (cut off at the deadline, a network fault) or whose record could not be written is
//! published again by the next delivery; and EventBridge itself delivers to targets at
//! least once. Consumers deduplicate on `detail.event_id`.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use futures_util::future::BoxFuture;
use serde::Serialize;

use crate::core::delivery::Failure;
use crate::core::metrics;
use crate::core::outcome::{MessageReport, Status};
use crate::core::process::Core;
use crate::core::store::{Done, IdempotencyStore};
use crate::domain::events_out::{Detail, DetailMessage};

/// One event to put on the bus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `Booking Created`, …
    pub detail_type: String,
    /// The detail, as JSON.
    pub detail: String,
    /// The event's id (Booxi's, or a fire's): for the local twin's folder and the logs,
    /// not sent to the bus (the detail carries it).
    pub event_id: String,
}

/// Why a put (or one of its entries) failed: a code, never the detail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct BusError {
    /// [`Failure::Temporary`] (throttling, 5xx, network, a failed entry) or
    /// [`Failure::Configuration`] (access denied, no such bus).
    pub failure: Failure,
    pub message: String,
}

/// Puts events on a bus.
pub trait EventBus: Send + Sync {
    /// Puts `entries` in one call. `Ok` lists the entries the bus did not take (by index,
    /// with why); `Err` is a call that failed as a whole.
    fn put<'a>(
        &'a self,
        entries: &'a [Entry],
    ) -> BoxFuture<'a, Result<Vec<(usize, BusError)>, BusError>>;
}

/// The bus events go to, wired only when `[events_out] bus` is set.
#[derive(Clone)]
pub struct EventsOut {
    pub bus: Arc<dyn EventBus>,
}

/// The record of an event published: `pub#<event id>`.
pub fn publication_key(event_id: &str) -> String {
    format!("pub#{event_id}")
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
    fn new(detail_type: &str, status: &'static str, reason: Option<String>) -> Self {
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

/// The event's messages as its detail lists them.
pub fn detail_messages(reports: &[MessageReport]) -> Vec<DetailMessage> {
    reports
        .iter()
        .map(|r| DetailMessage {
            kind: r.kind,
            audience: r.audience,
            channel: r.channel,
            status: match r.status() {
                Status::Sent => "sent",
                Status::Skipped => "skipped",
                Status::Failed => "failed",
                Status::Queued => "queued",
            },
            fallback_for: r.fallback_for,
        })
        .collect()
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
