//! Sending: what leaves the system ([`Outgoing`]), the [`Courier`] trait that carries it
//! (SES/SNS in Lambda, an outbox folder offline), and retries within a time budget.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::domain::contact::{EmailAddress, PhoneNumber};
use crate::domain::ids::RecipientHasher;
use crate::domain::notification::{Audience, Channel, Kind};

/// Which planned message an outgoing message is, for file names, logs and metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageMeta {
    pub event_id: String,
    /// 1-based position in the event's plan.
    pub index: usize,
    pub kind: Kind,
    pub audience: Audience,
    pub channel: Channel,
}

impl MessageMeta {
    /// The meta of `n`, the `index`th (1-based) message of its event's plan.
    pub fn of(n: &crate::domain::notification::Notification, index: usize) -> Self {
        Self {
            event_id: n.event_id.clone(),
            index,
            kind: n.kind,
            audience: n.audience,
            channel: n.channel,
        }
    }
}

/// An email ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: EmailAddress,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The complete MIME message (multipart/alternative, plus the .ics part when the
    /// message carries a calendar invite).
    pub mime: Vec<u8>,
    /// Whether `mime` carries an attachment (the .ics invite).
    pub has_attachment: bool,
    /// The sender's display name (brand or store name).
    pub from_name: String,
}

/// An SMS ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sms {
    pub to: PhoneNumber,
    pub text: String,
    /// Who it comes from: the sender ID and origination number its country gets
    /// (`[sms.senders.XX]`, else the default sender).
    pub sender: crate::domain::sms::SmsSender,
    /// SNS's `AWS.SNS.SMS.MaxPrice` (`[sms] max_price`), USD.
    pub max_price: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    Email(Email),
    Sms(Sms),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub meta: MessageMeta,
    pub content: Content,
}

/// What kind of failure a send met, which decides what happens to the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// Throttling, a 5xx, a network fault, a timeout: worth trying again (503, Booxi retries).
    Temporary,
    /// Our side is wrong (sender not verified, access denied, a bad setting): Booxi's
    /// retries deliver once it is fixed (502).
    Configuration,
    /// The provider refused this recipient for good (an invalid or suppressed address):
    /// recorded as failed, never retried; the event completes.
    Refused,
}

/// Why a send failed. `reason` names the provider's error code, never an address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct SendError {
    pub failure: Failure,
    pub reason: String,
}

impl SendError {
    /// A temporary failure (throttling, 5xx, network, timeout).
    pub fn retryable(reason: impl Into<String>) -> Self {
        Self {
            failure: Failure::Temporary,
            reason: reason.into(),
        }
    }

    /// A failure that no retry fixes until someone changes the configuration.
    pub fn permanent(reason: impl Into<String>) -> Self {
        Self {
            failure: Failure::Configuration,
            reason: reason.into(),
        }
    }

    /// The recipient was refused for good.
    pub fn refused(reason: impl Into<String>) -> Self {
        Self {
            failure: Failure::Refused,
            reason: reason.into(),
        }
    }

    pub fn is_retryable(&self) -> bool {
        self.failure == Failure::Temporary
    }
}

/// Carries messages to people. Returns the provider's message id.
pub trait Courier: Send + Sync {
    fn send(&self, message: &Outgoing) -> impl Future<Output = Result<String, SendError>> + Send;

    /// Whether the provider's own list says `number` opted out of SMS (SNS's
    /// `CheckIfPhoneNumberIsOptedOut`). By default nobody has.
    fn opted_out(
        &self,
        number: &PhoneNumber,
    ) -> impl Future<Output = Result<bool, SendError>> + Send {
        let _ = number;
        async { Ok(false) }
    }
}

/// How retries of retryable failures are spaced.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            first_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(2),
            max_attempts: 6,
        }
    }
}

/// Sends, retrying retryable failures with exponential backoff (with jitter) while the
/// next attempt can still start before `deadline`. Every attempt is cut off at `deadline`:
/// nothing is in flight after it (the caller keeps it before the end of its claim's lease).
pub async fn send_with_retry<C: Courier>(
    courier: &C,
    message: &Outgoing,
    policy: RetryPolicy,
    deadline: Instant,
) -> Result<String, SendError> {
    let mut backoff = policy.first_backoff;
    let mut attempt = 1;
    loop {
        let sent = tokio::time::timeout_at(deadline.into(), courier.send(message)).await;
        let sent = sent.unwrap_or_else(|_| {
            Err(SendError::retryable(
                "timed out at the delivery deadline (the provider may have taken it)",
            ))
        });
        match sent {
            Ok(id) => return Ok(id),
            Err(e) if !e.is_retryable() || attempt >= policy.max_attempts => return Err(e),
            Err(e) => {
                let pause = jitter(backoff, attempt);
                if Instant::now() + pause >= deadline {
                    return Err(SendError::retryable(format!(
                        "{} (gave up after {attempt} attempts: time budget spent)",
                        e.reason
                    )));
                }
                tokio::time::sleep(pause).await;
                backoff = (backoff * 2).min(policy.max_backoff);
                attempt += 1;
            }
        }
    }
}

/// Between half and all of `backoff`, varied per attempt and per process so retries of
/// concurrent messages do not line up.
fn jitter(backoff: Duration, attempt: u32) -> Duration {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
        ^ attempt.wrapping_mul(2_654_435_761);
    let fraction = 0.5 + f64::from(seed % 1000) / 2000.0;
    backoff.mul_f64(fraction)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    struct Flaky {
        failures: u32,
        retryable: bool,
        calls: AtomicU32,
    }

    impl Courier for Flaky {
        async fn send(&self, _: &Outgoing) -> Result<String, SendError> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            if n < self.failures {
                Err(if self.retryable {
                    SendError::retryable("Throttled")
                } else {
                    SendError::permanent("AccessDenied")
                })
            } else {
                Ok(format!("id-{n}"))
            }
        }
    }

    fn message() -> Outgoing {
        Outgoing {
            meta: MessageMeta {
                event_id: "e".into(),
                index: 1,
                kind: Kind::Reminder,
                audience: Audience::Client,
                channel: Channel::Sms,
            },
            content: Content::Sms(Sms {
                to: PhoneNumber::parse(
                    "+15145550123",
                    crate::domain::contact::Country::parse("CA").unwrap(),
                )
                .unwrap(),
                text: "hi".into(),
                sender: Default::default(),
                max_price: None,
            }),
        }
    }

    fn fast() -> RetryPolicy {
        RetryPolicy {
            first_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(4),
            max_attempts: 5,
        }
    }

    #[tokio::test]
    async fn throttling_is_retried_until_it_succeeds() {
        let c = Flaky {
            failures: 3,
            retryable: true,
            calls: AtomicU32::new(0),
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        assert_eq!(
            send_with_retry(&c, &message(), fast(), deadline)
                .await
                .unwrap(),
            "id-3"
        );
    }

    #[tokio::test]
    async fn permanent_failures_are_not_retried() {
        let c = Flaky {
            failures: 3,
            retryable: false,
            calls: AtomicU32::new(0),
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        assert!(
            send_with_retry(&c, &message(), fast(), deadline)
                .await
                .is_err()
        );
        assert_eq!(c.calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn retries_stop_at_the_attempt_limit_and_the_deadline() {
        let c = Flaky {
            failures: 100,
            retryable: true,
            calls: AtomicU32::new(0),
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        let err = send_with_retry(&c, &message(), fast(), deadline)
            .await
            .unwrap_err();
        assert!(err.is_retryable());
        assert_eq!(c.calls.load(Ordering::SeqCst), 5);

        let c = Flaky {
            failures: 100,
            retryable: true,
            calls: AtomicU32::new(0),
        };
        let slow = RetryPolicy {
            first_backoff: Duration::from_millis(400),
            ..fast()
        };
        let deadline = Instant::now() + Duration::from_millis(100);
        let err = send_with_retry(&c, &message(), slow, deadline)
            .await
            .unwrap_err();
        assert!(err.reason.contains("time budget spent"), "{err}");
        assert_eq!(c.calls.load(Ordering::SeqCst), 1);
    }

    /// A courier that never answers in time.
    struct Hanging;

    impl Courier for Hanging {
        async fn send(&self, _: &Outgoing) -> Result<String, SendError> {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok("late".into())
        }
    }

    #[tokio::test]
    async fn a_send_in_flight_is_cut_off_at_the_deadline() {
        let started = Instant::now();
        let deadline = started + Duration::from_millis(150);
        let err = send_with_retry(&Hanging, &message(), fast(), deadline)
            .await
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(err.failure, Failure::Temporary);
        assert!(
            err.reason.starts_with("timed out at the delivery deadline"),
            "{err}"
        );
    }
}

/// How long sending may take and how it is retried.
#[derive(Debug, Clone, Copy)]
pub struct DeliverySettings {
    /// Time allowed for sending, retries included (API Gateway gives up at ~30 s).
    pub budget: Duration,
    pub retry: RetryPolicy,
    /// At most this many messages of one event are being sent at a time.
    pub send_concurrency: usize,
    /// The keyed hash recipients are recorded under (message keys; any record kept per
    /// recipient). The Lambda sets it from the stack's recipient key at init; offline it
    /// is [`RecipientHasher::offline`].
    pub recipients: RecipientHasher,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            budget: DEFAULT_DELIVERY_BUDGET,
            retry: RetryPolicy::default(),
            send_concurrency: DEFAULT_SEND_CONCURRENCY,
            recipients: RecipientHasher::offline(),
        }
    }
}

pub const DEFAULT_DELIVERY_BUDGET: Duration = Duration::from_secs(12);
/// Messages of one event sent at a time (an event may fan out to many recipients).
pub const DEFAULT_SEND_CONCURRENCY: usize = 8;

/// Who emails come from (`BOOXI_SENDER_EMAIL`, `BOOXI_REPLY_TO`,
/// `BOOXI_SES_CONFIGURATION_SET`). SMS senders are the configuration's (`[sms]`), chosen
/// per message ([`Sms::sender`]).
#[derive(Debug, Clone)]
pub struct SenderSettings {
    pub from: EmailAddress,
    /// The configuration's `[brand] reply_to` / `BOOXI_REPLY_TO`, taken from there once.
    pub reply_to: Option<EmailAddress>,
    pub configuration_set: Option<String>,
}
