//! Booking events out: the [`EventBus`] port (EventBridge `PutEvents` on AWS,
//! `outbox/<event id>/events.jsonl` offline). The core publishes one event per Booxi
//! event, or per fire of a flow with the `event` channel (`Core::publish`, in
//! [`crate::core::process`]); what became of it is an [`crate::core::outcome::EventReport`].
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

use futures_util::future::BoxFuture;

use crate::core::delivery::Failure;
use crate::core::outcome::{MessageReport, Status};
use crate::domain::events_out::DetailMessage;

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
                Status::Deferred => "deferred",
            },
            fallback_for: r.fallback_for,
        })
        .collect()
}
