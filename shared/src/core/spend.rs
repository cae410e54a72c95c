//! The daily SMS cap (`[sms] max_per_day`): each SMS is counted on its merchant's
//! counter of the day (the store's clock, midnight to midnight) just before it is sent,
//! in one conditional write to the idempotency table; past the cap it is not sent. An
//! SMS whose send failed with the provider's answer (refused, a configuration error:
//! nothing went) is given back; one that may have gone (a timeout, a lost answer) stays
//! counted, and its retry finds it counted instead of counting it again.

use jiff::Timestamp;

use crate::core::delivery::Failure;
use crate::core::metrics;
use crate::core::store::{Counted, IdempotencyStore, sms_fingerprint};
use crate::domain::config::Config;
use crate::domain::event::Event;
use crate::domain::notification::{Channel, Notification};
use crate::domain::sms::{SpendDay, over_cap_reason};

/// What counting one message on the day's SMS counter came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SmsCount {
    /// Not an SMS, or no cap configured.
    Uncapped,
    /// Counted now (given back if the send fails and sent nothing).
    Counted { day: SpendDay, fingerprint: String },
    /// Counted by an earlier attempt of the same message.
    Before,
    /// Over the cap: not sent (why).
    Over(String),
    /// The counter could not be read: not sent now (a temporary failure: the retry counts).
    Unknown(String),
}

/// Counts `n` (planned for `event`, recorded under `key`) on its merchant's SMS counter
/// of the day, when it is an SMS and `[sms] max_per_day` is set.
pub(crate) async fn count_sms<I: IdempotencyStore>(
    store: &I,
    config: &Config,
    emit_metrics: bool,
    event: &Event,
    n: &Notification,
    key: &str,
) -> SmsCount {
    let Some(cap) = config.sms.max_per_day.filter(|_| n.channel == Channel::Sms) else {
        return SmsCount::Uncapped;
    };
    let day = SpendDay::of(
        event,
        config.merchant_id.as_deref(),
        &config.default_time_zone,
        Timestamp::now(),
    );
    let fingerprint = sms_fingerprint(key);
    match store.count_sms(&day, &fingerprint, cap).await {
        Ok(Counted::Counted) => SmsCount::Counted { day, fingerprint },
        Ok(Counted::Before) => SmsCount::Before,
        Ok(Counted::Full) => {
            tracing::warn!(event_id = %event.id, kind = %n.kind, day = %day.date(), cap, "SMS over the daily cap: not sent");
            if emit_metrics {
                metrics::sms_over_daily_cap();
            }
            SmsCount::Over(over_cap_reason(cap, &day))
        }
        Err(e) => {
            tracing::error!(event_id = %event.id, error = %e, "cannot count the SMS on the daily cap");
            SmsCount::Unknown(format!("cannot count the SMS on the daily cap ({e})"))
        }
    }
}

/// Gives back an SMS counted now whose send failed with `failure`, when that failure
/// means nothing went (the provider refused it, or our side is misconfigured).
pub(crate) async fn uncount_sms<I: IdempotencyStore>(
    store: &I,
    count: &SmsCount,
    failure: Failure,
) {
    let SmsCount::Counted { day, fingerprint } = count else {
        return;
    };
    if failure == Failure::Temporary {
        // It may have gone (a timeout, a lost answer): it stays counted, once.
        return;
    }
    if let Err(e) = store.uncount_sms(day, fingerprint).await {
        tracing::warn!(error = %e, "cannot give an SMS back to the daily cap");
    }
}
