//! Suppressed recipients and the email fallback, on the core with the in-memory store:
//! what the store and the provider's opt-out list say decides what goes.

mod support;

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use booxi_notify::Config;
use booxi_notify::adapters::memory::MemoryStore;
use booxi_notify::core::compose::RenderComposer;
use booxi_notify::core::delivery::{Content, Courier, DeliverySettings, Outgoing, SendError};
use booxi_notify::core::outcome::{MessageReport, Status};
use booxi_notify::core::process::Core;
use booxi_notify::core::store::{
    IdempotencyStore, RecipientHasher, Suppression, recipient_hash, suppression_key,
};
use booxi_notify::domain::contact::{EmailAddress, PhoneNumber};
use booxi_notify::domain::feedback::Cause;
use booxi_notify::domain::notification::Channel;
use booxi_notify::render::{RenderConfig, Renderer};
use serde_json::json;
use support::event;

/// Records what goes out; answers SNS's opt-out question from `opted_out`, counting the
/// questions; refuses SMS for good while `refuse_sms` is set.
#[derive(Default)]
struct Courierish {
    sent: Mutex<Vec<String>>,
    opted_out: Vec<String>,
    asked: AtomicUsize,
    refuse_sms: bool,
    /// Emails fail for a temporary reason while set.
    fail_email: std::sync::atomic::AtomicBool,
    sms_attempts: AtomicUsize,
}

impl Courier for Courierish {
    async fn send(&self, m: &Outgoing) -> Result<String, SendError> {
        let to = match &m.content {
            Content::Email(_) if self.fail_email.load(Ordering::SeqCst) => {
                return Err(SendError::retryable("SES SendEmail: Throttling"));
            }
            Content::Email(e) => e.to.to_string(),
            Content::Sms(s) => {
                self.sms_attempts.fetch_add(1, Ordering::SeqCst);
                if self.refuse_sms {
                    return Err(SendError::refused("SNS Publish: InvalidParameter"));
                }
                s.to.to_string()
            }
        };
        self.sent.lock().unwrap().push(to.clone());
        Ok(format!("id-{to}"))
    }

    async fn opted_out(&self, number: &PhoneNumber) -> Result<bool, SendError> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        Ok(self.opted_out.iter().any(|n| n == number.as_str()))
    }
}

fn core(courier: Courierish) -> Core<MemoryStore, Courierish, RenderComposer> {
    let config = Config::default();
    Core {
        store: MemoryStore::new(),
        courier,
        composer: RenderComposer {
            renderer: Renderer::new(&RenderConfig::from(&config)).unwrap(),
            from: EmailAddress::parse("notifications@example.com").unwrap(),
            reply_to: None,
        },
        config,
        delivery: DeliverySettings {
            retry: booxi_notify::core::delivery::RetryPolicy {
                first_backoff: Duration::from_millis(1),
                max_backoff: Duration::from_millis(1),
                max_attempts: 1,
            },
            ..DeliverySettings::default()
        },
        emit_metrics: false,
        flows: None,
        queue: None,
        events_out: None,
    }
}

fn client(messages: &[MessageReport], channel: Channel) -> Vec<&MessageReport> {
    messages
        .iter()
        .filter(|m| m.audience != booxi_notify::domain::notification::Audience::Staff)
        .filter(|m| m.channel == Some(channel))
        .collect()
}

fn body(id: &str) -> support::Body {
    let mut body = event("appointment.created");
    body.0["eventId"] = json!(id);
    body
}

#[tokio::test]
async fn an_expired_suppression_no_longer_holds() {
    let core = core(Courierish::default());
    let now = SystemTime::now();
    let expired = Suppression {
        cause: Cause::Bounced,
        learned_at: now - Duration::from_secs(100 * 24 * 3600),
        expires_at: now - Duration::from_secs(60),
    };
    let key = suppression_key(&recipient_hash(
        &RecipientHasher::offline(),
        "jane@example.com",
    ));
    core.store.suppress(&key, &expired).await.unwrap();
    let summary = core
        .process(&body("e-expired").parse(), None)
        .await
        .unwrap();
    let email = client(&summary.messages, Channel::Email);
    assert_eq!(email[0].status(), Status::Sent, "{:?}", summary.messages);
    // Still held a minute before it ends: skipped.
    let holding = Suppression {
        expires_at: now + Duration::from_secs(60),
        ..expired
    };
    core.store.suppress(&key, &holding).await.unwrap();
    let summary = core
        .process(&body("e-holding").parse(), None)
        .await
        .unwrap();
    let email = client(&summary.messages, Channel::Email);
    assert_eq!(email[0].status(), Status::Skipped, "{:?}", summary.messages);
}

#[tokio::test]
async fn a_number_on_sns_opt_out_list_is_suppressed_from_then_on() {
    let courier = Courierish {
        opted_out: vec!["+15145550123".into()],
        ..Courierish::default()
    };
    let core = core(courier);
    let first = core.process(&body("e-opt-1").parse(), None).await.unwrap();
    let sms = client(&first.messages, Channel::Sms);
    assert_eq!(sms[0].status(), Status::Skipped);
    assert!(sms[0].reason().unwrap().contains("opted out"));
    assert_eq!(core.courier.asked.load(Ordering::SeqCst), 1);
    // Learned: the store holds the suppression, which lasts when SNS's list no longer
    // says so (or is not asked: BOOXI_SMS_OPT_OUT_CHECK=false).
    let key = suppression_key(&recipient_hash(&RecipientHasher::offline(), "+15145550123"));
    let found = core
        .store
        .look_up(&[], std::slice::from_ref(&key))
        .await
        .unwrap();
    assert_eq!(found.suppressed[&key].cause, Cause::OptedOut);
    let sent = core.courier.sent.lock().unwrap().clone();
    // The confirmation's email went, once: no fallback for a message emailed anyway.
    assert_eq!(sent, ["jane@example.com", "marie@example.com"]);
    let core = Core {
        courier: Courierish::default(),
        ..core
    };
    let second = core.process(&body("e-opt-2").parse(), None).await.unwrap();
    let sms = client(&second.messages, Channel::Sms);
    assert_eq!(sms[0].status(), Status::Skipped);
    let sent = core.courier.sent.lock().unwrap().clone();
    assert!(!sent.contains(&"+15145550123".to_owned()), "{sent:?}");
}

#[tokio::test]
async fn an_sms_refused_for_good_falls_back_to_email_and_a_retry_sends_nothing_twice() {
    let courier = Courierish {
        refuse_sms: true,
        fail_email: true.into(),
        ..Courierish::default()
    };
    let core = core(courier);
    // A reminder by SMS only: the number is refused, and its email fails for a while.
    let reminder = event("appointment.remind").set("booking.client.remindByEmail", json!(false));
    let first = core.process(&reminder.parse(), None).await.unwrap();
    let sms = client(&first.messages, Channel::Sms);
    assert_eq!(sms[0].status(), Status::Failed);
    let email = client(&first.messages, Channel::Email);
    let fallback = email.iter().find(|m| m.fallback_for.is_some()).unwrap();
    assert_eq!(fallback.status(), Status::Failed, "{:?}", first.messages);
    assert_eq!(core.courier.sms_attempts.load(Ordering::SeqCst), 1);
    // Booxi's retry: the refusal is recorded (SNS is not asked again), the email goes.
    core.courier.fail_email.store(false, Ordering::SeqCst);
    let retry = core.process(&reminder.parse(), None).await.unwrap();
    let email = client(&retry.messages, Channel::Email);
    let fallback = email.iter().find(|m| m.fallback_for.is_some()).unwrap();
    assert_eq!(fallback.status(), Status::Sent, "{:?}", retry.messages);
    assert_eq!(fallback.provider_id(), Some("id-jane@example.com"));
    assert_eq!(core.courier.sms_attempts.load(Ordering::SeqCst), 1);
    assert_eq!(*core.courier.sent.lock().unwrap(), ["jane@example.com"]);
    // Once more: everything found done, nothing sent.
    let again = core.process(&reminder.parse(), None).await.unwrap();
    assert_eq!(
        again.disposition,
        booxi_notify::core::outcome::Disposition::Duplicate
    );
    assert_eq!(core.courier.sent.lock().unwrap().len(), 1);
}
