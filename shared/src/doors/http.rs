//! The HTTP edge: everything HTTP and nothing else. Method, body size, the header secret
//! (or bearer token), parsing the body into an [`Event`], and mapping the core's
//! [`Summary`] to a status code and a JSON body. [`from_http`] is the one conversion from
//! an `http::Request`, used by the Lambda (`lambda_http`) and by `booxi-notify serve`.
//! The work itself is the core's ([`crate::core::process`]).
//!
//! Answers: 405 (method), 413 (size), 401 (secret; no detail), 400 (not a Booxi event,
//! one-line reason), 200 `ignored` (unknown event type), 200 `duplicate` (already
//! processed: the first processing's messages), 409 (being processed under a live lease),
//! 200 with a summary, 503 when a message failed for a temporary reason, 502 when one
//! failed for a configuration reason (Booxi retries; what was sent is not sent again);
//! in queued mode 200 `queued` once the messages are on the queue (503 when some could
//! not be put on it). With `[events_out]` the answer adds `event`, the booking event
//! published for it (503 when the bus did not take it, 502 when it refused us).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::core::compose::Compose;
use crate::core::delivery::{Courier, Failure};
use crate::core::outcome::{Disposition, Summary};
use crate::core::process::Core;
use crate::core::store::{IdempotencyStore, StoreError};
use crate::domain::event::Event;
use crate::doors::auth::{CachedSecrets, SecretSource, Verdict};

pub use crate::settings::{AuthMode, HttpSettings as Settings};

/// An HTTP request, as much of it as the webhook needs.
#[derive(Debug, Clone, Default)]
pub struct WebhookRequest {
    pub method: String,
    /// Header names in any case.
    pub headers: Vec<(String, String)>,
    /// The body, base64 already decoded.
    pub body: Vec<u8>,
    /// When the caller stops waiting (the Lambda invocation's deadline): sending ends
    /// before it even if the delivery budget is not spent.
    pub deadline: Option<Instant>,
}

impl WebhookRequest {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The secret the caller presents: the secret header, else an `Authorization: Bearer`.
    /// Needs only the headers, so a server can check it before reading the body.
    pub fn presented_secret(&self, settings: &Settings) -> Option<&str> {
        self.header(&settings.secret_header).or_else(|| {
            self.header("authorization")
                .and_then(|v| {
                    v.strip_prefix("Bearer ")
                        .or_else(|| v.strip_prefix("bearer "))
                })
                .map(str::trim)
        })
    }
}

/// The one conversion from an `http::Request` (API Gateway's through `lambda_http`, or the
/// local server's once its body is read). Header values that are not text are dropped.
pub fn from_http<B: AsRef<[u8]>>(
    request: http::Request<B>,
    deadline: Option<Instant>,
) -> WebhookRequest {
    let (parts, body) = request.into_parts();
    WebhookRequest {
        method: parts.method.as_str().to_owned(),
        headers: parts
            .headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect(),
        body: body.as_ref().to_vec(),
        deadline,
    }
}

/// The Lambda invocation's deadline (epoch milliseconds) as an `Instant`; a deadline
/// already past is now (nothing more may be sent).
pub fn deadline_from_epoch_millis(deadline_ms: u64) -> Option<Instant> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_millis();
    let left = u128::from(deadline_ms).saturating_sub(now);
    Some(Instant::now() + Duration::from_millis(u64::try_from(left).ok()?))
}

#[derive(Debug, Clone, PartialEq)]
pub struct WebhookResponse {
    pub status: u16,
    pub body: Value,
}

impl WebhookResponse {
    fn new(status: u16, body: Value) -> Self {
        Self { status, body }
    }

    fn error(status: u16, message: impl Into<String>) -> Self {
        Self::new(status, json!({ "error": message.into() }))
    }

    /// 413: the body is longer than `limit` bytes (also for a server that stops reading).
    pub fn too_large(limit: usize) -> Self {
        Self::error(413, format!("body too large: more than {limit} bytes"))
    }

    /// 408: the body did not arrive within `after` (a server that stops waiting).
    pub fn body_timeout(after: Duration) -> Self {
        Self::error(
            408,
            format!("body not received within {} s", after.as_secs_f64()),
        )
    }

    /// As an `http::Response` with a JSON body.
    pub fn to_http(&self) -> http::Response<String> {
        let mut response = http::Response::new(self.body.to_string());
        *response.status_mut() =
            http::StatusCode::from_u16(self.status).unwrap_or(http::StatusCode::BAD_GATEWAY);
        response.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        response
    }
}

/// The answer to a processed (or not processed) event: the README's answers table.
pub fn respond(result: Result<Summary, StoreError>) -> WebhookResponse {
    let summary = match result {
        Ok(summary) => summary,
        // Logged by the core with the event id.
        Err(_) => return WebhookResponse::error(503, "temporarily unavailable"),
    };
    let id = &summary.event_id;
    match summary.disposition {
        Disposition::Ignored => {
            WebhookResponse::new(200, json!({"status": "ignored", "event_id": id}))
        }
        Disposition::InProgress => WebhookResponse::new(
            409,
            json!({"error": "this event is being processed; retry later", "event_id": id}),
        ),
        Disposition::Duplicate if summary.messages.is_empty() => {
            WebhookResponse::new(200, json!({"status": "duplicate", "event_id": id}))
        }
        Disposition::Duplicate => WebhookResponse::new(
            200,
            json!({"status": "duplicate", "event_id": id, "messages": summary.messages}),
        ),
        Disposition::Queued => {
            let status = match summary.retry_wanted() {
                None => 200,
                Some(Failure::Temporary) => 503,
                Some(_) => 502,
            };
            let mut body = json!({
                "status": if status == 200 { "queued" } else { "failed" },
                "event_id": id,
                "messages": summary.messages,
            });
            // Only with [events_out]: answers stay as they were without it.
            if let Some(event) = &summary.event {
                body["event"] = json!(event);
            }
            WebhookResponse::new(status, body)
        }
        Disposition::Processed => {
            let status = match summary.retry_wanted() {
                None => 200,
                Some(Failure::Temporary) => 503,
                Some(_) => 502,
            };
            let mut body = json!({
                "status": if status == 200 { "processed" } else { "failed" },
                "event_id": id,
                "messages": summary.messages,
            });
            // Only with flows configured: answers stay as they were without them.
            if !summary.schedules.is_empty() {
                body["schedules"] = json!(summary.schedules);
            }
            // Only with [events_out]: the booking event published for it.
            if let Some(event) = &summary.event {
                body["event"] = json!(event);
            }
            WebhookResponse::new(status, body)
        }
    }
}

/// The HTTP door: its settings, the secret check, and the core behind it.
pub struct Webhook<S, I, C, P> {
    pub settings: Settings,
    pub secrets: CachedSecrets<S>,
    pub core: Core<I, C, P>,
}

impl<S, I, C, P> Webhook<S, I, C, P>
where
    S: SecretSource,
    I: IdempotencyStore,
    C: Courier,
    P: Compose,
{
    pub async fn handle(&self, request: WebhookRequest) -> WebhookResponse {
        let started = Instant::now();
        let response = self.answer(request).await;
        let field = |name: &str| {
            response
                .body
                .get(name)
                .and_then(|v| v.as_str())
                .unwrap_or("")
        };
        let (event_id, outcome) = (field("event_id"), field("status"));
        tracing::info!(
            status = response.status,
            event_id,
            outcome,
            latency_ms = started.elapsed().as_millis() as u64,
            "request handled"
        );
        response
    }

    /// The secret check alone (in header-secret mode): the answer to give when it fails.
    /// Needs only the headers, so a server can call it before reading the body.
    /// In `Signature` mode the check needs the body: see `check_signature`.
    pub async fn check_secret(&self, request: &WebhookRequest) -> Result<(), WebhookResponse> {
        if self.settings.auth_mode != AuthMode::HeaderSecret {
            return Ok(());
        }
        let verdict = self
            .secrets
            .verify(request.presented_secret(&self.settings))
            .await;
        Self::verdict(verdict)
    }

    /// The body signature check (in `Signature` mode): an HMAC-SHA256 of the raw body.
    pub async fn check_signature(&self, request: &WebhookRequest) -> Result<(), WebhookResponse> {
        if self.settings.auth_mode != AuthMode::Signature {
            return Ok(());
        }
        let presented = request.header(&self.settings.signature_header);
        let verdict = self
            .secrets
            .verify_signature(&request.body, presented)
            .await;
        Self::verdict(verdict)
    }

    fn verdict<E: std::fmt::Display>(verdict: Result<Verdict, E>) -> Result<(), WebhookResponse> {
        match verdict {
            Ok(Verdict::Accepted) => Ok(()),
            Ok(Verdict::Rejected) => Err(WebhookResponse::error(401, "unauthorized")),
            Err(e) => {
                tracing::error!(error = %e, "cannot read the webhook secret");
                Err(WebhookResponse::error(503, "temporarily unavailable"))
            }
        }
    }

    async fn answer(&self, request: WebhookRequest) -> WebhookResponse {
        let method = request.method.to_ascii_uppercase();
        if method != "POST" && method != "PUT" {
            return WebhookResponse::error(405, "method not allowed: use POST or PUT");
        }
        if request.body.len() > self.settings.max_body_bytes {
            return WebhookResponse::too_large(self.settings.max_body_bytes);
        }
        if let Err(refused) = self.check_secret(&request).await {
            return refused;
        }
        if let Err(refused) = self.check_signature(&request).await {
            return refused;
        }
        let event = match Event::read(&request.body, &self.core.config) {
            Ok(event) => event,
            Err(e) => return WebhookResponse::error(400, e.to_string()),
        };
        if event.id_derived {
            tracing::info!(event_id = %event.id, "the body has no event id: derived one from its content");
        }
        if let Some(sent) = &event.aliased_from {
            tracing::info!(
                event_id = %event.id,
                sent_type = %crate::domain::event::EventType::Other(sent.clone()).log_name(),
                event_type = event.event_type.name(),
                "event type mapped by an alias"
            );
        }
        respond(self.core.process(&event, request.deadline).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::MemoryStore;
    use crate::core::delivery::DeliverySettings;
    use crate::core::delivery::{
        Content, Email, MessageMeta, Outgoing, RetryPolicy, SendError, Sms, WhatsApp,
    };
    use crate::core::store::{Claim, Owner};
    use crate::domain::config::Config;
    use crate::domain::notification::{Address, Notification};
    use crate::doors::auth::FixedSecret;
    use crate::settings::DEFAULT_MAX_BODY_BYTES;
    use std::sync::Mutex;

    /// Records what it is asked to send; fails SMS with the given error while `fail_sms`
    /// is set.
    #[derive(Default)]
    struct Recorder {
        sent: Mutex<Vec<(String, String)>>,
        fail_sms: Mutex<Option<SendError>>,
        sms_attempts: std::sync::atomic::AtomicUsize,
        /// Fails emails to this address with the given error.
        fail_email: Mutex<Option<(String, SendError)>>,
    }

    impl Courier for Recorder {
        async fn send(&self, m: &Outgoing) -> Result<String, SendError> {
            let (to, what) = match &m.content {
                Content::Email(e) => {
                    if let Some((to, err)) = self.fail_email.lock().unwrap().clone()
                        && e.to.as_str() == to
                    {
                        return Err(err);
                    }
                    (e.to.to_string(), e.subject.clone())
                }
                Content::Sms(s) => {
                    self.sms_attempts
                        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if let Some(e) = self.fail_sms.lock().unwrap().clone() {
                        return Err(e);
                    }
                    (s.to.to_string(), s.text.clone())
                }
                Content::WhatsApp(w) => (w.to.to_string(), w.template.name.clone()),
            };
            self.sent.lock().unwrap().push((to, what));
            Ok("id".into())
        }
    }

    struct Plain;

    impl Compose for Plain {
        fn compose(
            &self,
            _: &crate::render::EventScope<'_>,
            n: &Notification,
            meta: MessageMeta,
        ) -> Result<Outgoing, String> {
            let content = match &n.to {
                Address::Email(to) => Content::Email(Email {
                    to: to.clone(),
                    subject: format!("{} {}", n.kind, meta.index),
                    text: String::new(),
                    html: String::new(),
                    mime: Vec::new(),
                    has_attachment: false,
                    from_name: String::new(),
                }),
                Address::Phone(to) => Content::Sms(Sms {
                    to: to.clone(),
                    text: n.kind.to_string(),
                    sender: Default::default(),
                    max_price: None,
                }),
                Address::Whatsapp(to) => Content::WhatsApp(WhatsApp {
                    to: to.clone(),
                    template: crate::render::whatsapp::TemplateMessage {
                        name: format!("booxi_{}", n.kind),
                        language: "en".into(),
                        parameters: Vec::new(),
                        button_suffix: None,
                    },
                    text: n.kind.to_string(),
                }),
            };
            Ok(Outgoing { meta, content })
        }
    }

    fn webhook() -> Webhook<FixedSecret, MemoryStore, Recorder, Plain> {
        Webhook {
            settings: Settings::default(),
            secrets: CachedSecrets::new(
                FixedSecret("s3cret".into()),
                Duration::from_secs(60),
                Duration::from_secs(30),
            ),
            core: Core {
                config: Config::default(),
                store: MemoryStore::new(),
                courier: Recorder::default(),
                composer: Plain,
                delivery: DeliverySettings {
                    retry: RetryPolicy {
                        first_backoff: Duration::from_millis(1),
                        max_backoff: Duration::from_millis(2),
                        max_attempts: 2,
                    },
                    ..DeliverySettings::default()
                },
                emit_metrics: false,
                flows: None,
                queue: None,
                events_out: None,
            },
        }
    }

    const BODY: &str = r#"{"eventId":"e-1","eventType":"appointment.created","content":{"booking":{"status":"Approved",
        "client":{"email":"jane@example.com","mobilePhoneNumber":"+15145550123","remindBySMS":true}},
        "merchant":{"email":"store@example.com"}}}"#;

    fn request(method: &str, headers: &[(&str, &str)], body: &str) -> WebhookRequest {
        WebhookRequest {
            method: method.into(),
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
            body: body.as_bytes().to_vec(),
            deadline: None,
        }
    }

    fn authed(body: &str) -> WebhookRequest {
        request("POST", &[("x-booxi-secret", "s3cret")], body)
    }

    #[tokio::test]
    async fn a_new_event_is_sent_and_summarised_without_addresses() {
        let w = webhook();
        let r = w.handle(authed(BODY)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["status"], "processed");
        assert_eq!(r.body["event_id"], "e-1");
        let statuses: Vec<_> = r.body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["kind"].clone(), m["channel"].clone(), m["status"].clone()))
            .collect();
        assert_eq!(
            statuses[..3],
            [
                (json!("confirmation"), json!("email"), json!("sent")),
                (json!("confirmation"), json!("sms"), json!("sent")),
                (json!("staff_needs_dispatch"), json!("email"), json!("sent")),
            ]
        );
        assert!(!r.body.to_string().contains('@') && !r.body.to_string().contains("+1514"));
        assert_eq!(w.core.courier.sent.lock().unwrap().len(), 3);
    }

    #[tokio::test]
    async fn a_duplicate_sends_nothing_and_answers_the_first_summary() {
        let w = webhook();
        let first = w.handle(authed(BODY)).await;
        assert_eq!(first.status, 200);
        let again = w
            .handle(request("PUT", &[("Authorization", "Bearer s3cret")], BODY))
            .await;
        assert_eq!(
            (again.status, again.body["status"].clone()),
            (200, json!("duplicate"))
        );
        assert_eq!(again.body["event_id"], "e-1");
        assert_eq!(again.body["messages"], first.body["messages"]);
        assert_eq!(again.body["messages"][0]["status"], "sent");
        assert_eq!(w.core.courier.sent.lock().unwrap().len(), 3);
    }

    #[tokio::test]
    async fn an_event_in_progress_answers_409() {
        let w = webhook();
        let other = Owner::new().unwrap();
        let until = SystemTime::now() + Duration::from_secs(60);
        let claim = w.core.store.claim("e-1", &other, SystemTime::now(), until);
        assert_eq!(claim.await.unwrap(), Claim::Acquired);
        let r = w.handle(authed(BODY)).await;
        assert_eq!(r.status, 409);
        assert!(w.core.courier.sent.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_failed_message_answers_503_and_the_retry_sends_only_it() {
        let w = webhook();
        *w.core.courier.fail_sms.lock().unwrap() =
            Some(SendError::retryable("SNS Publish: Throttled"));
        let r = w.handle(authed(BODY)).await;
        assert_eq!(r.status, 503, "{}", r.body);
        assert_eq!(r.body["status"], "failed");
        assert_eq!(r.body["messages"][1]["status"], "failed");
        assert_eq!(r.body["messages"][1]["reason"], "SNS Publish: Throttled");
        assert_eq!(r.body["messages"][1]["failure"], "temporary");
        assert_eq!(w.core.courier.sent.lock().unwrap().len(), 2);
        *w.core.courier.fail_sms.lock().unwrap() = None;
        let r = w.handle(authed(BODY)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            r.body["messages"][0]["reason"],
            "sent by an earlier delivery of this event"
        );
        let sent = w.core.courier.sent.lock().unwrap();
        assert_eq!(sent.len(), 3);
        assert_eq!(sent[2].1, "confirmation");
    }

    #[tokio::test]
    async fn the_callers_deadline_bounds_the_retries() {
        let mut w = webhook();
        w.core.delivery.retry = RetryPolicy {
            first_backoff: Duration::from_millis(300),
            max_backoff: Duration::from_secs(1),
            max_attempts: 10,
        };
        *w.core.courier.fail_sms.lock().unwrap() =
            Some(SendError::retryable("SNS Publish: Throttled"));
        let mut request = authed(BODY);
        request.deadline = Some(Instant::now() + Duration::from_millis(1100));
        let started = Instant::now();
        assert_eq!(w.handle(request).await.status, 503);
        assert_eq!(
            w.core
                .courier
                .sms_attempts
                .load(std::sync::atomic::Ordering::SeqCst),
            1
        );
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test]
    async fn a_configuration_failure_answers_502_and_a_fixed_retry_delivers() {
        let w = webhook();
        *w.core.courier.fail_sms.lock().unwrap() =
            Some(SendError::permanent("SNS Publish: AuthorizationError"));
        let r = w.handle(authed(BODY)).await;
        assert_eq!(r.status, 502, "{}", r.body);
        assert_eq!(r.body["messages"][1]["failure"], "configuration");
        *w.core.courier.fail_sms.lock().unwrap() = None;
        let r = w.handle(authed(BODY)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(w.core.courier.sent.lock().unwrap().len(), 3);
    }

    #[tokio::test]
    async fn a_refused_recipient_is_recorded_failed_and_never_retried() {
        let w = webhook();
        *w.core.courier.fail_sms.lock().unwrap() =
            Some(SendError::refused("SNS Publish: InvalidParameter"));
        let r = w.handle(authed(BODY)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["status"], "processed");
        assert_eq!(r.body["messages"][1]["status"], "failed");
        assert_eq!(r.body["messages"][1]["failure"], "refused");
        let attempts = |w: &Webhook<_, _, Recorder, _>| {
            w.core
                .courier
                .sms_attempts
                .load(std::sync::atomic::Ordering::SeqCst)
        };
        assert_eq!(attempts(&w), 1);
        // The event is complete: Booxi's next delivery is a duplicate and tries nothing.
        *w.core.courier.fail_sms.lock().unwrap() = None;
        let again = w.handle(authed(BODY)).await;
        assert_eq!(
            (again.status, again.body["status"].clone()),
            (200, json!("duplicate"))
        );
        assert_eq!(again.body["messages"][1]["failure"], "refused");
        assert_eq!(attempts(&w), 1);
    }

    #[tokio::test]
    async fn a_refusal_is_not_tried_again_when_another_failure_brings_a_retry() {
        let w = webhook();
        *w.core.courier.fail_sms.lock().unwrap() =
            Some(SendError::refused("SNS Publish: InvalidParameter"));
        *w.core.courier.fail_email.lock().unwrap() = Some((
            "store@example.com".into(),
            SendError::retryable("SES SendEmail: Throttling"),
        ));
        let r = w.handle(authed(BODY)).await;
        assert_eq!(r.status, 503, "{}", r.body);
        // Booxi retries; the email goes now, the refused SMS is not tried again.
        *w.core.courier.fail_sms.lock().unwrap() = None;
        *w.core.courier.fail_email.lock().unwrap() = None;
        let r = w.handle(authed(BODY)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let sms = &r.body["messages"][1];
        assert_eq!(
            (
                &sms["channel"],
                &sms["status"],
                &sms["failure"],
                &sms["reason"]
            ),
            (
                &json!("sms"),
                &json!("failed"),
                &json!("refused"),
                &json!("refused by the provider in an earlier delivery of this event")
            )
        );
        let attempts = w
            .core
            .courier
            .sms_attempts
            .load(std::sync::atomic::Ordering::SeqCst);
        assert_eq!(attempts, 1);
        let sent = w.core.courier.sent.lock().unwrap();
        assert_eq!(
            sent.len(),
            2,
            "client email once, then the staff email: {sent:?}"
        );
    }

    #[tokio::test]
    async fn the_store_unreachable_answers_503_and_sends_nothing() {
        struct Down;
        impl IdempotencyStore for Down {
            async fn claim(
                &self,
                _: &str,
                _: &Owner,
                _: SystemTime,
                _: SystemTime,
            ) -> Result<Claim, StoreError> {
                Err(StoreError("PutItem (claim): network error".into()))
            }
            async fn claim_completed(
                &self,
                _: &str,
                _: &Owner,
                _: SystemTime,
                _: &str,
            ) -> Result<Claim, StoreError> {
                Err(StoreError("PutItem (claim): network error".into()))
            }
            async fn take_over(
                &self,
                _: &str,
                _: SystemTime,
                _: &Owner,
                _: SystemTime,
            ) -> Result<bool, StoreError> {
                unreachable!("never asked after a failed claim")
            }
            async fn recorded(
                &self,
                _: &[String],
            ) -> Result<std::collections::HashMap<String, crate::core::store::Done>, StoreError>
            {
                unreachable!("never asked after a failed claim")
            }
            async fn record(
                &self,
                _: &str,
                _: crate::core::store::Done,
                _: SystemTime,
            ) -> Result<(), StoreError> {
                unreachable!("never asked after a failed claim")
            }
            async fn complete(
                &self,
                _: &str,
                _: &Owner,
                _: SystemTime,
                _: &str,
            ) -> Result<crate::core::store::Closed, StoreError> {
                unreachable!("never asked after a failed claim")
            }
            async fn release(
                &self,
                _: &str,
                _: &Owner,
            ) -> Result<crate::core::store::Closed, StoreError> {
                unreachable!("never asked after a failed claim")
            }
        }
        let w = webhook();
        let down = Webhook {
            settings: w.settings,
            secrets: w.secrets,
            core: Core {
                config: w.core.config,
                store: Down,
                courier: w.core.courier,
                composer: w.core.composer,
                delivery: w.core.delivery,
                emit_metrics: false,
                flows: None,
                queue: None,
                events_out: None,
            },
        };
        let r = down.handle(authed(BODY)).await;
        assert_eq!(
            (r.status, r.body["error"].as_str()),
            (503, Some("temporarily unavailable"))
        );
        assert!(down.core.courier.sent.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn bad_requests_get_their_status_and_send_nothing() {
        let w = webhook();
        let cases = [
            (
                request("GET", &[("x-booxi-secret", "s3cret")], BODY),
                405,
                "method not allowed: use POST or PUT",
            ),
            (request("POST", &[], BODY), 401, "unauthorized"),
            (
                request("POST", &[("x-booxi-secret", "wrong")], BODY),
                401,
                "unauthorized",
            ),
            (
                request("POST", &[("authorization", "Bearer wrong")], BODY),
                401,
                "unauthorized",
            ),
            (
                authed("{\"eventId\":"),
                400,
                "not JSON: EOF while parsing a value at line 1 column 11",
            ),
            (
                authed("{\"eventId\":\"1\"}"),
                400,
                "not a Booxi event: no event type (eventType, type or event)",
            ),
            (
                authed(&"x".repeat(DEFAULT_MAX_BODY_BYTES + 1)),
                413,
                "body too large: more than 262144 bytes",
            ),
        ];
        for (req, status, error) in cases {
            let r = w.handle(req).await;
            assert_eq!(
                (r.status, r.body["error"].as_str().unwrap()),
                (status, error)
            );
        }
        let r = w
            .handle(authed(
                r#"{"eventId":"u","eventType":"client.consent_updated"}"#,
            ))
            .await;
        assert_eq!(
            (r.status, r.body["status"].clone()),
            (200, json!("ignored"))
        );
        assert!(w.core.courier.sent.lock().unwrap().is_empty());
    }

    /// Booxi's one public sample: objects at the root, the type under `event`, no id.
    const ROOT_BODY: &str = r#"{"event":"booking.confirmed","booking":{"confirmationNumber":"A00006500",
        "status":"Approved","client":{"firstName":"Jane","email":"jane@example.com"}},
        "merchant":{"email":"store@example.com"}}"#;

    #[tokio::test]
    async fn an_id_less_root_body_with_an_alias_is_sent_once() {
        let mut w = webhook();
        w.core.config =
            Config::from_toml("[event_aliases]\n\"booking.confirmed\" = \"appointment.created\"\n")
                .unwrap();
        let r = w.handle(authed(ROOT_BODY)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["status"], "processed");
        let id = r.body["event_id"].as_str().unwrap().to_owned();
        assert!(id.starts_with("derived-") && id.len() == 8 + 64, "{id}");
        assert_eq!(r.body["messages"][0]["kind"], "confirmation");
        let sent = w.core.courier.sent.lock().unwrap().len();
        assert!(sent >= 1);
        // Booxi's retry of the same body is the same event.
        let again = w.handle(authed(ROOT_BODY)).await;
        assert_eq!(
            (
                again.status,
                again.body["status"].clone(),
                again.body["event_id"].clone()
            ),
            (200, json!("duplicate"), json!(id))
        );
        assert_eq!(w.core.courier.sent.lock().unwrap().len(), sent);
        // Another body is another event.
        let other = ROOT_BODY.replace("A00006500", "A00006501");
        let r = w.handle(authed(&other)).await;
        assert_eq!(r.body["status"], "processed");
        assert_ne!(r.body["event_id"], json!(id));
    }

    #[tokio::test]
    async fn without_its_alias_a_custom_type_is_ignored() {
        let w = webhook();
        let r = w.handle(authed(ROOT_BODY)).await;
        assert_eq!(
            (r.status, r.body["status"].clone()),
            (200, json!("ignored"))
        );
        assert!(w.core.courier.sent.lock().unwrap().is_empty());
    }

    fn signed(body: &str, signature: &str) -> WebhookRequest {
        request("POST", &[("X-Booxi-Signature", signature)], body)
    }

    #[tokio::test]
    async fn signature_mode_accepts_exactly_the_signed_bodies() {
        use base64::Engine;
        let mut w = webhook();
        w.settings.auth_mode = AuthMode::Signature;
        let mac = crate::doors::auth::hmac_sha256(b"s3cret", BODY.as_bytes());
        let b64 = base64::engine::general_purpose::STANDARD.encode(mac);
        let tampered = BODY.replace("e-1", "e-2");
        let cases = [
            request("POST", &[], BODY),
            request("POST", &[("x-booxi-secret", "s3cret")], BODY),
            request("POST", &[("authorization", "Bearer s3cret")], BODY),
            signed(BODY, "s3cret"),
            signed(
                BODY,
                &crate::doors::auth::sign_hex("wrong", BODY.as_bytes()),
            ),
            signed(
                &tampered,
                &crate::doors::auth::sign_hex("s3cret", BODY.as_bytes()),
            ),
        ];
        for req in cases {
            let r = w.handle(req).await;
            assert_eq!(
                (r.status, r.body.clone()),
                (401, json!({"error": "unauthorized"}))
            );
        }
        assert!(w.core.courier.sent.lock().unwrap().is_empty());
        let r = w.handle(signed(BODY, &format!("sha256={b64}"))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = w
            .handle(signed(
                &tampered,
                &crate::doors::auth::sign_hex("s3cret", tampered.as_bytes()),
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(w.core.courier.sent.lock().unwrap().len(), 6);
    }

    #[tokio::test]
    async fn oauth2_mode_trusts_the_gateway() {
        let mut w = webhook();
        w.settings.auth_mode = AuthMode::OAuth2;
        assert_eq!(w.handle(request("POST", &[], BODY)).await.status, 200);
    }

    /// A courier that takes its time, so concurrent deliveries overlap.
    #[derive(Default)]
    struct Slow(Recorder);

    impl Courier for Slow {
        async fn send(&self, m: &Outgoing) -> Result<String, SendError> {
            tokio::time::sleep(Duration::from_millis(30)).await;
            self.0.send(m).await
        }
    }

    /// Why the in-memory store: its every operation is atomic under one lock, the same
    /// conditional semantics as DynamoDB's. moto's conditional writes are not atomic under
    /// concurrency, so a race against moto could pass or fail by chance.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn twenty_concurrent_deliveries_send_each_message_once() {
        let w = webhook();
        let w = std::sync::Arc::new(Webhook {
            settings: w.settings,
            secrets: w.secrets,
            core: Core {
                config: w.core.config,
                store: w.core.store,
                courier: Slow::default(),
                composer: w.core.composer,
                delivery: w.core.delivery,
                emit_metrics: false,
                flows: None,
                queue: None,
                events_out: None,
            },
        });
        let calls: Vec<_> = (0..20)
            .map(|_| {
                let w = std::sync::Arc::clone(&w);
                tokio::spawn(async move { w.handle(authed(BODY)).await })
            })
            .collect();
        let mut answers = Vec::new();
        for call in calls {
            answers.push(call.await.unwrap());
        }
        let processed = answers
            .iter()
            .filter(|r| r.status == 200 && r.body["status"] == "processed")
            .count();
        assert_eq!(processed, 1, "{answers:?}");
        assert!(
            answers.iter().all(|r| r.status == 409
                || (r.status == 200
                    && ["processed", "duplicate"]
                        .contains(&r.body["status"].as_str().unwrap_or("")))),
            "{answers:?}"
        );
        assert_eq!(w.core.courier.0.sent.lock().unwrap().len(), 3);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn racing_claims_on_the_memory_store_have_one_winner() {
        let store = std::sync::Arc::new(MemoryStore::new());
        let until = SystemTime::now() + Duration::from_secs(60);
        let claims: Vec<_> = (0..50)
            .map(|_| {
                let store = std::sync::Arc::clone(&store);
                tokio::spawn(async move {
                    let owner = Owner::new().unwrap();
                    store
                        .claim("race", &owner, SystemTime::now(), until)
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut won = 0;
        for claim in claims {
            if claim.await.unwrap() == Claim::Acquired {
                won += 1;
            }
        }
        assert_eq!(won, 1);
    }

    #[test]
    fn the_invocation_deadline_becomes_an_instant() {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let d = deadline_from_epoch_millis(now_ms + 10_000).unwrap();
        let left = d.saturating_duration_since(Instant::now());
        assert!(
            left > Duration::from_secs(9) && left <= Duration::from_secs(10),
            "{left:?}"
        );
        let past = deadline_from_epoch_millis(now_ms - 5_000).unwrap();
        assert!(past <= Instant::now());
    }
}
