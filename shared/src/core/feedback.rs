//! After the send: a provider's outcome ([`Learned`], read by the outcome doors from
//! SES's events and SNS's SMS delivery records) applied to the message it names, found
//! by the provider's message id. The message's status only moves forward (a late or
//! repeated event changes nothing), an outcome for a message we do not know is counted
//! and ignored, and a permanent bounce, a complaint or an opt-out suppresses the
//! recipient (by the hash kept with the message, never the address).

use std::time::SystemTime;

use crate::core::metrics;
use crate::core::process::{Core, suppression_for};
use crate::core::store::{Applied, IdempotencyStore, StoreError, suppression_key};
use crate::domain::feedback::Learned;

impl<I: IdempotencyStore, C, P> Core<I, C, P> {
    /// Applies `learned` (from `provider`: `ses` or `sns`, for the metrics) and
    /// suppresses the recipient when it says so. An error: the store could not be
    /// reached (the invocation fails, and the event is delivered again).
    pub async fn learn(&self, learned: &Learned, provider: &str) -> Result<Applied, StoreError> {
        let now = SystemTime::now();
        let applied = self.store.learn(learned, now).await?;
        let entry = match &applied {
            Applied::Unmatched => {
                tracing::info!(provider, provider_id = %learned.provider_id, status = %learned.status, "outcome for a message we do not know: ignored");
                if self.emit_metrics {
                    metrics::outcome_unmatched(provider);
                }
                return Ok(applied);
            }
            Applied::Unchanged(entry) => {
                tracing::info!(event_id = %entry.event_id, kind = %entry.kind, provider_id = %learned.provider_id, status = %learned.status, now = %entry.status, "outcome changes nothing (late or repeated)");
                entry
            }
            Applied::Changed(entry) => {
                tracing::info!(event_id = %entry.event_id, kind = %entry.kind, audience = %entry.audience, channel = %entry.channel, provider_id = %learned.provider_id, status = %learned.status, reason = learned.reason.as_deref().unwrap_or(""), "outcome");
                if self.emit_metrics {
                    metrics::outcome_learned(learned.status, &entry.audience, &entry.channel);
                }
                entry
            }
        };
        // Also when nothing changed: a repeated event may be the retry of one whose
        // suppression was not written.
        if let Some(cause) = learned.suppress {
            let at = learned
                .at
                .map(SystemTime::try_from)
                .and_then(Result::ok)
                .unwrap_or(now);
            let suppression = suppression_for(&self.config, cause, at);
            self.store
                .suppress(&suppression_key(&entry.recipient), &suppression)
                .await?;
            tracing::info!(event_id = %entry.event_id, audience = %entry.audience, channel = %entry.channel, cause = cause.name(), "recipient suppressed");
        }
        Ok(applied)
    }
}
