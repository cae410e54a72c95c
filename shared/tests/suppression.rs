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
    /// WhatsApp messages are refused for good (an invalid recipient) while set.
    refuse_whatsapp: bool,
    /// SMS fail for a temporary reason while set.
    throttle_sms: std::sync::atomic::AtomicBool,
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
                if self.throttle_sms.load(Ordering::SeqCst) {
                    return Err(SendError::retryable("SNS Publish: Throttled"));
                }
                s.to.to_string()
            }
            Content::WhatsApp(_) if self.refuse_whatsapp => {
                return Err(SendError::refused(
                    "SocialMessaging SendWhatsAppMessage: InvalidParametersException",
                ));
            }
            Content::WhatsApp(w) => {
                let id = format!("wa-{}-{}", m.meta.kind, w.to);
                self.sent.lock().unwrap().push(id.clone());
                return Ok(id);
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
    core_with(courier, Config::default())
}

fn core_with(courier: Courierish, config: Config) -> Core<MemoryStore, Courierish, RenderComposer> {
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

// ---------------------------------------------------------------- WhatsApp's SMS fallback

fn whatsapp_config() -> Config {
    Config::from_toml("[whatsapp]\nphone_number_id = \"phone-number-id-0a1b\"\n").unwrap()
}

/// End User Messaging Social's status event of the message `id`, as EventBridge hands it.
fn status(id: &str, word: &str) -> serde_json::Value {
    json!({"version": "0", "id": "e-1", "detail-type": format!("WhatsApp Message {word}"),
        "source": "aws.social-messaging", "account": "111122223333",
        "time": "2026-12-01T10:00:00Z", "region": "us-east-1", "resources": [],
        "detail": {"wabaId": "1", "originationPhoneNumber": "15815555555",
            "originationPhoneNumberId": "574086085794038", "messageId": id,
            "status": word.to_ascii_lowercase(), "eventTimestamp": "1764583200",
            "errors": [{"code": 131026, "title": "Message undeliverable"}]}})
}

#[tokio::test]
async fn a_whatsapp_message_refused_when_sent_goes_by_sms_at_once() {
    let courier = Courierish {
        refuse_whatsapp: true,
        ..Courierish::default()
    };
    let core = core_with(courier, whatsapp_config());
    let reminder = event("appointment.remind").set("booking.client.remindByEmail", json!(false));
    let summary = core.process(&reminder.parse(), None).await.unwrap();
    let whatsapp = client(&summary.messages, Channel::Whatsapp);
    assert_eq!(
        whatsapp[0].status(),
        Status::Failed,
        "{:?}",
        summary.messages
    );
    // The plan's SMS is answered skipped (WhatsApp replaced it), the fallback sent.
    let sms = client(&summary.messages, Channel::Sms);
    assert_eq!(sms.len(), 2, "{:?}", summary.messages);
    assert_eq!(
        (sms[0].status(), sms[0].fallback_for),
        (Status::Sent, Some(Channel::Whatsapp))
    );
    assert_eq!(sms[1].status(), Status::Skipped);
    assert_eq!(*core.courier.sent.lock().unwrap(), ["+15145550123"]);
    // Booxi's retry: the refusal and the SMS are recorded, nothing goes again.
    let retry = core.process(&reminder.parse(), None).await.unwrap();
    assert_eq!(
        retry.disposition,
        booxi_notify::core::outcome::Disposition::Duplicate
    );
    assert_eq!(core.courier.sent.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_failed_whatsapp_status_sends_the_kept_sms_once_however_often_it_comes() {
    use booxi_notify::doors::outcomes;
    let core = core_with(Courierish::default(), whatsapp_config());
    let summary = core.process(&body("w-1").parse(), None).await.unwrap();
    let whatsapp = client(&summary.messages, Channel::Whatsapp);
    let id = whatsapp[0].provider_id().unwrap().to_owned();
    assert_eq!(id, "wa-confirmation-+15145550123");
    // The SMS it replaces is answered skipped, with the reason.
    let sms = client(&summary.messages, Channel::Sms);
    assert_eq!(sms[0].status(), Status::Skipped);
    assert!(sms[0].reason().unwrap().starts_with("replaced by WhatsApp"));
    // Delivered, then read: no SMS.
    for word in ["Delivered", "Read"] {
        let answer = outcomes::event(&core, &status(&id, word)).await.unwrap();
        assert_eq!(answer["status"], "updated", "{answer}");
        assert!(answer.get("fallback").is_none(), "{answer}");
    }
    assert_eq!(core.courier.sms_attempts.load(Ordering::SeqCst), 0);
    // A message read never falls back, even if a failure came late.
    let late = outcomes::event(&core, &status(&id, "Failed"))
        .await
        .unwrap();
    assert_eq!(late["message_status"], "read", "{late}");
    assert!(late.get("fallback").is_none(), "{late}");

    // Another booking, whose WhatsApp message fails: the SMS goes, once.
    let summary = core.process(&body("w-2").parse(), None).await.unwrap();
    let id = client(&summary.messages, Channel::Whatsapp)[0]
        .provider_id()
        .unwrap()
        .to_owned();
    core.courier.throttle_sms.store(true, Ordering::SeqCst);
    // SNS throttles: the invocation fails (EventBridge and Lambda deliver it again).
    let err = outcomes::event(&core, &status(&id, "Failed"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Throttled"), "{err}");
    core.courier.throttle_sms.store(false, Ordering::SeqCst);
    let answer = outcomes::event(&core, &status(&id, "Failed"))
        .await
        .unwrap();
    assert_eq!(
        (answer["message_status"].clone(), answer["fallback"].clone()),
        (json!("failed"), json!("sent")),
        "{answer}"
    );
    let again = outcomes::event(&core, &status(&id, "Undeliverable"))
        .await
        .unwrap();
    assert_eq!(again["fallback"], "sent_earlier", "{again}");
    let sent: Vec<String> = core.courier.sent.lock().unwrap().clone();
    assert_eq!(
        sent.iter().filter(|s| *s == "+15145550123").count(),
        1,
        "{sent:?}"
    );
    // The SMS says what it stands in for, and the WhatsApp message why it failed.
    let history: Vec<_> = core
        .store
        .histories()
        .into_iter()
        .filter(|h| h.event_id == "w-2" && h.audience == "client")
        .collect();
    let whatsapp = history.iter().find(|h| h.channel == "whatsapp").unwrap();
    assert_eq!(whatsapp.status, "failed");
    assert_eq!(
        whatsapp.reason.as_deref(),
        Some("WhatsApp: failed (131026 Message undeliverable)")
    );
    let sms = history.iter().find(|h| h.channel == "sms").unwrap();
    assert_eq!(
        (sms.status.as_str(), sms.fallback_for.as_deref()),
        ("sent", Some("whatsapp"))
    );
    assert_eq!(sms.to, "+1•••••••0123");
}

#[tokio::test]
async fn no_sms_fallback_to_an_opted_out_number_nor_after_its_deadline() {
    use booxi_notify::core::feedback::FallbackDone;
    use booxi_notify::doors::outcomes;
    let courier = Courierish {
        opted_out: vec!["+15145550123".into()],
        ..Courierish::default()
    };
    let core = core_with(courier, whatsapp_config());
    let summary = core.process(&body("w-3").parse(), None).await.unwrap();
    let id = client(&summary.messages, Channel::Whatsapp)[0]
        .provider_id()
        .unwrap()
        .to_owned();
    let answer = outcomes::event(&core, &status(&id, "Failed"))
        .await
        .unwrap();
    assert_eq!(answer["fallback"], "not_sent", "{answer}");
    assert!(
        answer["fallback_reason"]
            .as_str()
            .unwrap()
            .contains("opted out")
    );
    assert_eq!(core.courier.sms_attempts.load(Ordering::SeqCst), 0);

    // Kept with a deadline already past: nothing goes.
    let mut kept = core.store.fallback(&id).await.unwrap().unwrap();
    kept.until = 1;
    core.store
        .keep_fallback("wa-late", &kept, SystemTime::now())
        .await
        .unwrap();
    assert_eq!(
        core.whatsapp_fallback("wa-late").await.unwrap(),
        FallbackDone::TooLate
    );
    // Nothing kept (WhatsApp beside the SMS, or another system's message): nothing.
    assert_eq!(
        core.whatsapp_fallback("wa-unknown").await.unwrap(),
        FallbackDone::NoneKept
    );
}

/// The SMS that stands in for a failed WhatsApp message is an SMS like the others: it
/// counts on the daily cap (`[sms] max_per_day`) and goes only to the countries SMS may go
/// to (`[sms] countries`, by default the store's).
#[tokio::test]
async fn whatsapp_s_sms_fallback_keeps_to_the_daily_cap_and_the_allowed_countries() {
    use booxi_notify::doors::outcomes;
    let config = Config::from_toml(
        "[sms]\nmax_per_day = 1\n[whatsapp]\nphone_number_id = \"phone-number-id-0a1b\"\n",
    )
    .unwrap();
    let core = core_with(Courierish::default(), config);
    let mut ids = Vec::new();
    for (event_id, mobile) in [("w-cap-1", "+15145550111"), ("w-cap-2", "+15145550122")] {
        let body = body(event_id).set("booking.client.mobilePhoneNumber", json!(mobile));
        let summary = core.process(&body.parse(), None).await.unwrap();
        ids.push(
            client(&summary.messages, Channel::Whatsapp)[0]
                .provider_id()
                .unwrap()
                .to_owned(),
        );
    }
    let first = outcomes::event(&core, &status(&ids[0], "Failed"))
        .await
        .unwrap();
    assert_eq!(first["fallback"], "sent", "{first}");
    let second = outcomes::event(&core, &status(&ids[1], "Failed"))
        .await
        .unwrap();
    assert_eq!(second["fallback"], "not_sent", "{second}");
    assert!(
        second["fallback_reason"]
            .as_str()
            .unwrap()
            .contains("daily"),
        "{second}"
    );
    // The first one's retry is not counted twice.
    let again = outcomes::event(&core, &status(&ids[0], "Failed"))
        .await
        .unwrap();
    assert_eq!(again["fallback"], "sent_earlier", "{again}");
    assert_eq!(core.courier.sms_attempts.load(Ordering::SeqCst), 1);

    // A French number for a Canadian store: WhatsApp goes, no SMS may stand in for it.
    let core = core_with(Courierish::default(), whatsapp_config());
    let body = body("w-fr").set("booking.client.mobilePhoneNumber", json!("+33612345678"));
    let summary = core.process(&body.parse(), None).await.unwrap();
    let id = client(&summary.messages, Channel::Whatsapp)[0]
        .provider_id()
        .unwrap()
        .to_owned();
    let answer = outcomes::event(&core, &status(&id, "Failed"))
        .await
        .unwrap();
    assert_eq!(answer["fallback"], "none", "{answer}");
    assert_eq!(core.courier.sms_attempts.load(Ordering::SeqCst), 0);
}
