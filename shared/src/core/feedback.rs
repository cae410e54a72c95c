//! After the send: a provider's outcome ([`Learned`], read by the outcome doors from
//! SES's events, SNS's SMS delivery records and WhatsApp's status events) applied to
//! the message it names, found by the provider's message id; and a failed WhatsApp
//! message's SMS fallback, sent once ([`Core::whatsapp_fallback`]). The message's status only moves forward (a late or
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

/// What became of a WhatsApp message's SMS fallback when its failure came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FallbackDone {
    /// Sent now, as the provider's id.
    Sent(String),
    /// Sent before (the same failure delivered twice, or the SMS went when the WhatsApp
    /// message was refused): nothing more.
    Earlier,
    /// Another invocation is sending it now.
    InProgress,
    /// No SMS was kept for it: the kind goes by SMS in no case, or WhatsApp does not
    /// replace the SMS (`instead_of_sms = false`: it went anyway).
    NoneKept,
    /// The failure came after the fallback's deadline (a day, or the booking's start).
    TooLate,
    /// Not sent: the number is suppressed (opted out of SMS), or SNS refused it.
    NotSent(String),
}

impl FallbackDone {
    pub fn word(&self) -> &'static str {
        match self {
            FallbackDone::Sent(_) => "sent",
            FallbackDone::Earlier => "sent_earlier",
            FallbackDone::InProgress => "in_progress",
            FallbackDone::NoneKept => "none",
            FallbackDone::TooLate => "too_late",
            FallbackDone::NotSent(_) => "not_sent",
        }
    }
}

/// Why a fallback could not be sent now: the invocation fails, and the event comes again.
#[derive(Debug, thiserror::Error)]
pub enum FallbackError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("SMS fallback not sent: {0}")]
    Send(crate::core::delivery::SendError),
}

/// What counting a fallback on the daily SMS cap came to (`None`: no cap).
#[derive(Debug, Clone, PartialEq, Eq)]
enum FallbackCount {
    /// Counted now, on this day, as this message: given back if nothing went.
    Counted(crate::domain::sms::SpendDay, String),
    /// Counted by an earlier try of the same fallback.
    Before,
    /// Over the cap: not sent (why).
    Over(String),
}

impl<I: IdempotencyStore, C, P> Core<I, C, P> {
    /// Counts `fallback` on its merchant's SMS counter of the WhatsApp message's day, when
    /// `[sms] max_per_day` is set.
    async fn count_fallback(
        &self,
        fallback: &crate::core::store::Fallback,
    ) -> Result<Option<FallbackCount>, StoreError> {
        use crate::core::store::{Counted, sms_fingerprint};
        let Some(cap) = self.config.sms.max_per_day else {
            return Ok(None);
        };
        let day = crate::domain::sms::SpendDay {
            merchant: fallback.spend_merchant.clone(),
            day: fallback
                .spend_day
                .parse()
                .map_err(|_| StoreError("the kept fallback's day does not read".into()))?,
        };
        let fingerprint = sms_fingerprint(&fallback.key);
        Ok(Some(
            match self.store.count_sms(&day, &fingerprint, cap).await? {
                Counted::Counted => FallbackCount::Counted(day, fingerprint),
                Counted::Before => FallbackCount::Before,
                Counted::Full => {
                    tracing::warn!(event_id = %fallback.event_id, kind = %fallback.kind, day = %day.date(), cap, "WhatsApp's SMS fallback over the daily cap: not sent");
                    if self.emit_metrics {
                        metrics::sms_over_daily_cap();
                    }
                    FallbackCount::Over(crate::domain::sms::over_cap_reason(cap, &day))
                }
            },
        ))
    }

    /// Gives back a fallback counted now whose send sent nothing.
    async fn uncount_fallback(&self, counted: &Option<FallbackCount>) {
        if let Some(FallbackCount::Counted(day, fingerprint)) = counted
            && let Err(e) = self.store.uncount_sms(day, fingerprint).await
        {
            tracing::warn!(error = %e, "cannot give an SMS back to the daily cap");
        }
    }
}

/// The claim that lets one invocation at a time send a fallback: its SMS's message key
/// after this prefix (a claim as an event's, in the same table).
pub const FALLBACK_CLAIM: &str = "fallback#";

impl<I: IdempotencyStore, C: crate::core::delivery::Courier, P> Core<I, C, P> {
    /// Sends, once, the SMS kept for the WhatsApp message `provider_id` whose status came
    /// back failed: unless it went before, its deadline passed, or the number is
    /// suppressed or opted out. One invocation at a time (a claim on the SMS's key); a
    /// temporary or configuration failure releases it and fails, so the event is
    /// delivered again and tries again.
    pub async fn whatsapp_fallback(
        &self,
        provider_id: &str,
    ) -> Result<FallbackDone, FallbackError> {
        use crate::core::delivery::{
            Content, Failure, MessageMeta, Outgoing, Sms, send_with_retry,
        };
        use crate::core::store::{
            Claim, Done, HistoryEntry, Owner, Step, epoch_millis, recipient_hash,
        };
        use crate::domain::contact::PhoneNumber;
        use crate::domain::feedback::{Cause, MessageStatus, mask};
        use crate::domain::notification::{Channel, audience_name};

        let Some(fallback) = self.store.fallback(provider_id).await? else {
            return Ok(FallbackDone::NoneKept);
        };
        let now = SystemTime::now();
        let event_id = fallback.event_id.as_str();
        if epoch_millis(now) > fallback.until {
            tracing::info!(event_id, kind = %fallback.kind, "WhatsApp failure came after its SMS fallback's deadline: nothing sent");
            return Ok(FallbackDone::TooLate);
        }
        let hash = recipient_hash(&self.delivery.recipients, &fallback.to);
        let suppression = suppression_key(&hash);
        let found = self
            .store
            .look_up(
                std::slice::from_ref(&fallback.key),
                std::slice::from_ref(&suppression),
            )
            .await?;
        if found.done.contains_key(&fallback.key) {
            return Ok(FallbackDone::Earlier);
        }
        let history =
            |status: MessageStatus, provider_id: Option<String>, reason: Option<String>| {
                let at = epoch_millis(SystemTime::now());
                HistoryEntry {
                    event_id: fallback.event_id.clone(),
                    kind: fallback.kind.to_string(),
                    audience: audience_name(fallback.audience).to_owned(),
                    channel: "sms".to_owned(),
                    to: mask(&fallback.to),
                    status: status.name().to_owned(),
                    at,
                    provider_id,
                    reason: reason.clone(),
                    booking_id: fallback.booking_id.clone(),
                    confirmation: fallback.confirmation.clone(),
                    recipient: hash.clone(),
                    fallback_for: Some("whatsapp".to_owned()),
                    timeline: vec![Step {
                        status: status.name().to_owned(),
                        at,
                        reason,
                    }],
                }
            };
        let phone = PhoneNumber::parse(&fallback.to, self.config.default_country)
            .map_err(|e| StoreError(format!("the kept fallback's number: {e}")))?;
        // The SMS's own rules: a suppressed number, or one SNS's list says opted out,
        // gets nothing.
        let suppressed = match found.suppressed.get(&suppression).filter(|s| s.holds(now)) {
            Some(s) => Some(s.clone()),
            None => match self.courier.opted_out(&phone).await {
                Ok(true) => {
                    let s = suppression_for(&self.config, Cause::OptedOut, now);
                    self.store.suppress(&suppression, &s).await?;
                    Some(s)
                }
                Ok(false) => None,
                Err(e) => {
                    tracing::warn!(event_id, error = %e, "cannot ask whether the number opted out: sending");
                    None
                }
            },
        };
        if let Some(s) = suppressed {
            let learned =
                jiff::Timestamp::try_from(s.learned_at).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
            let reason = s.cause.skip_reason(learned);
            let entry = history(MessageStatus::Skipped, None, Some(reason.clone()));
            self.store.note_skipped(&fallback.key, &entry, now).await?;
            if self.emit_metrics {
                metrics::suppressed(fallback.audience, Channel::Sms);
            }
            return Ok(FallbackDone::NotSent(reason));
        }
        let claim_id = format!("{FALLBACK_CLAIM}{}", fallback.key);
        let owner = Owner::new()?;
        let started = std::time::Instant::now();
        let lease_until = now + self.delivery.budget + crate::core::process::LEASE_MARGIN;
        match self
            .store
            .claim(&claim_id, &owner, now, lease_until)
            .await?
        {
            Claim::Acquired => {}
            Claim::InProgress => return Ok(FallbackDone::InProgress),
            Claim::Completed { .. } => return Ok(FallbackDone::Earlier),
        }
        // The daily SMS cap (`[sms] max_per_day`), on the WhatsApp message's day.
        let counted = match self.count_fallback(&fallback).await {
            Ok(counted) => counted,
            Err(e) => {
                if let Err(release) = self.store.release(&claim_id, &owner).await {
                    tracing::warn!(event_id, error = %release, "cannot release the fallback's claim");
                }
                return Err(e.into());
            }
        };
        if let Some(FallbackCount::Over(reason)) = &counted {
            let entry = history(MessageStatus::Skipped, None, Some(reason.clone()));
            self.store.note_skipped(&fallback.key, &entry, now).await?;
            return Ok(FallbackDone::NotSent(reason.clone()));
        }
        let outgoing = Outgoing {
            meta: MessageMeta {
                event_id: fallback.event_id.clone(),
                index: fallback.index,
                kind: fallback.kind,
                audience: fallback.audience,
                channel: Channel::Sms,
            },
            content: Content::Sms(Sms {
                to: phone,
                text: fallback.text.clone(),
                sender: crate::domain::sms::SmsSender {
                    sender_id: fallback
                        .sender_id
                        .as_deref()
                        .and_then(|id| crate::domain::sms::SenderId::parse(id).ok()),
                    origination_number: fallback.origination_number.clone(),
                },
                max_price: fallback.max_price.clone(),
            }),
        };
        let deadline = started + self.delivery.budget;
        match send_with_retry(&self.courier, &outgoing, self.delivery.retry, deadline).await {
            Ok(id) => {
                let id = Some(id).filter(|id| !id.is_empty());
                let entry = history(MessageStatus::Sent, id.clone(), None);
                if let Err(e) = self
                    .store
                    .record_message(&fallback.key, Done::Sent, &entry, SystemTime::now())
                    .await
                {
                    tracing::warn!(event_id, error = %e, "cannot record the SMS fallback of a WhatsApp message");
                }
                tracing::info!(event_id, kind = %fallback.kind, audience = audience_name(fallback.audience), "WhatsApp message failed: its SMS fallback sent");
                if self.emit_metrics {
                    metrics::whatsapp_fallback(fallback.audience);
                }
                Ok(FallbackDone::Sent(id.unwrap_or_default()))
            }
            Err(e) if e.failure == Failure::Refused => {
                self.uncount_fallback(&counted).await;
                let entry = history(MessageStatus::Refused, None, Some(e.reason.clone()));
                self.store
                    .record_message(&fallback.key, Done::Refused, &entry, SystemTime::now())
                    .await?;
                if e.reason.contains("OptedOut") {
                    let s = suppression_for(&self.config, Cause::OptedOut, now);
                    self.store.suppress(&suppression, &s).await?;
                }
                tracing::info!(event_id, kind = %fallback.kind, reason = %e.reason, "WhatsApp message failed: its SMS fallback refused");
                Ok(FallbackDone::NotSent(e.reason))
            }
            Err(e) => {
                if e.failure == Failure::Configuration {
                    self.uncount_fallback(&counted).await;
                }
                // Released: the event's next delivery tries again at once.
                if let Err(release) = self.store.release(&claim_id, &owner).await {
                    tracing::warn!(event_id, error = %release, "cannot release the fallback's claim");
                }
                tracing::warn!(event_id, kind = %fallback.kind, reason = %e.reason, "WhatsApp message failed: its SMS fallback could not go now");
                Err(FallbackError::Send(e))
            }
        }
    }
}
