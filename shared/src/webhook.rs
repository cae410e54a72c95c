//! The webhook, end to end, independent of where it runs: [`Webhook::handle`] takes an
//! HTTP request (from API Gateway through `lambda_http`, or from the local server) and
//! answers it, going through authentication, parsing, idempotency, planning, rendering and
//! concurrent delivery. The adapters (secrets, store, courier, composer) are traits, wired
//! to AWS in the Lambda and to local stand-ins by `booxi-notify serve`.
//!
//! Answers: 405 (method), 413 (size), 401 (secret; no detail), 400 (not a Booxi event,
//! one-line reason), 200 `ignored` (unknown event type), 200 `duplicate` (already
//! processed), 409 (being processed under a live lease), 200 with a summary, or 502/503
//! when a message failed (Booxi retries; what was sent is not sent again).

use std::collections::HashSet;
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use serde_json::{Value, json};

use crate::auth::{CachedSecrets, SecretSource, Verdict};
use crate::config::Config;
use crate::delivery::{Courier, MessageMeta, Outgoing, RetryPolicy, send_with_retry};
use crate::event::Event;
use crate::metrics;
use crate::notification::{Audience, Channel, Kind, Notification, audience_name, channel_name};
use crate::rules;
use crate::store::{Claim, IdempotencyStore, message_key};

/// Turns a planned notification into a message ready to send (the renderer).
pub trait Compose: Send + Sync {
    /// An error is one line, without personal data.
    fn compose(
        &self,
        event: &Event,
        notification: &Notification,
        meta: MessageMeta,
    ) -> Result<Outgoing, String>;
}

/// How the caller is authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// The header secret, checked by the function.
    HeaderSecret,
    /// API Gateway's JWT authorizer already checked an OAuth2 token.
    OAuth2,
}

impl AuthMode {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "headersecret" | "header_secret" | "header-secret" | "" => Some(Self::HeaderSecret),
            "oauth2" => Some(Self::OAuth2),
            _ => None,
        }
    }
}

/// Settings of the HTTP side.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Header carrying the secret (matched ignoring case).
    pub secret_header: String,
    pub auth_mode: AuthMode,
    pub max_body_bytes: usize,
    /// How long a claim keeps other deliveries of the same event out.
    pub lease: Duration,
    /// Time allowed for sending, retries included (API Gateway gives up at ~30 s).
    pub delivery_budget: Duration,
    pub retry: RetryPolicy,
    /// Print CloudWatch Embedded Metric Format lines to stdout.
    pub emit_metrics: bool,
}

pub const DEFAULT_SECRET_HEADER: &str = "X-Booxi-Secret";
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;

impl Default for Settings {
    fn default() -> Self {
        Self {
            secret_header: DEFAULT_SECRET_HEADER.to_owned(),
            auth_mode: AuthMode::HeaderSecret,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            lease: Duration::from_secs(60),
            delivery_budget: Duration::from_secs(12),
            retry: RetryPolicy::default(),
            emit_metrics: false,
        }
    }
}

/// An HTTP request, as much of it as the webhook needs.
#[derive(Debug, Clone, Default)]
pub struct WebhookRequest {
    pub method: String,
    /// Header names in any case.
    pub headers: Vec<(String, String)>,
    /// The body, base64 already decoded.
    pub body: Vec<u8>,
    /// When the caller stops waiting (the Lambda invocation's deadline): sending ends a
    /// second before it even if the delivery budget is not spent.
    pub deadline: Option<Instant>,
}

impl WebhookRequest {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
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
}

/// What happened to one message, as the answer reports it (no address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageReport {
    pub kind: Kind,
    pub audience: Audience,
    /// Absent (not `null`) for a message skipped before a channel was chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    pub status: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Sent,
    Skipped,
    Failed,
}

pub struct Webhook<S, I, C, P> {
    pub settings: Settings,
    pub config: Config,
    pub secrets: CachedSecrets<S>,
    pub store: I,
    pub courier: C,
    pub composer: P,
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
        let response = self.answer(request, started).await;
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

    async fn answer(&self, request: WebhookRequest, started: Instant) -> WebhookResponse {
        let method = request.method.to_ascii_uppercase();
        if method != "POST" && method != "PUT" {
            return WebhookResponse::error(405, "method not allowed: use POST or PUT");
        }
        if request.body.len() > self.settings.max_body_bytes {
            return WebhookResponse::error(
                413,
                format!(
                    "body too large: more than {} bytes",
                    self.settings.max_body_bytes
                ),
            );
        }
        if self.settings.auth_mode == AuthMode::HeaderSecret {
            let presented = request.header(&self.settings.secret_header).or_else(|| {
                request
                    .header("authorization")
                    .and_then(|v| {
                        v.strip_prefix("Bearer ")
                            .or_else(|| v.strip_prefix("bearer "))
                    })
                    .map(str::trim)
            });
            match self.secrets.verify(presented).await {
                Ok(Verdict::Accepted) => {}
                Ok(Verdict::Rejected) => return WebhookResponse::error(401, "unauthorized"),
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the webhook secret");
                    return WebhookResponse::error(503, "temporarily unavailable");
                }
            }
        }

        let event = match Event::parse(&request.body, self.config.default_country) {
            Ok(event) => event,
            Err(e) => return WebhookResponse::error(400, e.to_string()),
        };
        if self.settings.emit_metrics {
            metrics::event_received(event.event_type.name());
        }
        let plan = rules::plan(&event, &self.config);
        if plan.ignored.is_some() {
            return WebhookResponse::new(200, json!({"status": "ignored", "event_id": event.id}));
        }

        match self
            .store
            .claim(&event.id, SystemTime::now(), self.settings.lease)
            .await
        {
            Ok(Claim::Acquired) => {}
            Ok(Claim::Completed) => {
                return WebhookResponse::new(
                    200,
                    json!({"status": "duplicate", "event_id": event.id}),
                );
            }
            Ok(Claim::InProgress) => {
                let mut r =
                    WebhookResponse::error(409, "this event is being processed; retry later");
                r.body["event_id"] = json!(event.id);
                return r;
            }
            Err(e) => {
                tracing::error!(event_id = %event.id, error = %e, "cannot claim the event");
                return WebhookResponse::error(503, "temporarily unavailable");
            }
        }

        let mut deadline = started + self.settings.delivery_budget;
        if let Some(caller) = request.deadline {
            deadline = deadline.min(caller.checked_sub(Duration::from_secs(1)).unwrap_or(caller));
        }
        let reports = self.deliver(&event, &plan, deadline).await;
        let failed: Vec<&MessageReport> = reports
            .iter()
            .filter(|r| r.status == Outcome::Failed)
            .collect();
        let status = if failed.is_empty() {
            if let Err(e) = self.store.complete(&event.id, SystemTime::now()).await {
                // Everything went; a retry would find each message recorded as sent.
                tracing::warn!(event_id = %event.id, error = %e, "cannot mark the event completed");
            }
            200
        } else {
            if let Err(e) = self.store.release(&event.id).await {
                tracing::warn!(event_id = %event.id, error = %e, "cannot release the event claim");
            }
            if failed.iter().any(|r| {
                r.reason
                    .as_deref()
                    .is_some_and(|r| r.starts_with(RETRYABLE))
            }) {
                503
            } else {
                502
            }
        };
        if self.settings.emit_metrics {
            metrics::event_done(&event.id, &reports, started.elapsed());
        }
        WebhookResponse::new(
            status,
            json!({
                "status": if status == 200 { "processed" } else { "failed" },
                "event_id": event.id,
                "messages": reports,
            }),
        )
    }

    /// Renders and sends every planned message not sent before, all at once.
    async fn deliver(
        &self,
        event: &Event,
        plan: &crate::Plan,
        deadline: Instant,
    ) -> Vec<MessageReport> {
        let keys: Vec<String> = plan.notifications.iter().map(message_key).collect();
        let already: HashSet<String> = match self.store.sent(&keys).await {
            Ok(sent) => sent,
            Err(e) => {
                tracing::error!(event_id = %event.id, error = %e, "cannot read sent messages");
                return plan
                    .notifications
                    .iter()
                    .map(|n| report(n, Outcome::Failed, Some(format!("{RETRYABLE}{e}"))))
                    .collect();
            }
        };

        let sends = plan.notifications.iter().zip(&keys).enumerate().map(|(i, (n, key))| {
            let already_sent = already.contains(key);
            async move {
                let started = Instant::now();
                let meta = MessageMeta::of(n, i + 1);
                let result = if already_sent {
                    report(n, Outcome::Sent, Some("sent by an earlier delivery of this event".into()))
                } else {
                    match self.composer.compose(event, n, meta) {
                        Err(e) => report(n, Outcome::Failed, Some(format!("cannot render: {e}"))),
                        Ok(message) => {
                            match send_with_retry(&self.courier, &message, self.settings.retry, deadline).await {
                                Ok(_) => {
                                    if let Err(e) = self.store.record_sent(key, SystemTime::now()).await {
                                        tracing::warn!(event_id = %event.id, kind = %n.kind, error = %e, "sent, but cannot record it");
                                    }
                                    report(n, Outcome::Sent, None)
                                }
                                Err(e) if e.retryable => report(n, Outcome::Failed, Some(format!("{RETRYABLE}{e}"))),
                                Err(e) => report(n, Outcome::Failed, Some(e.to_string())),
                            }
                        }
                    }
                };
                tracing::info!(
                    event_id = %event.id,
                    kind = %n.kind,
                    audience = audience_name(n.audience),
                    channel = channel_name(n.channel),
                    outcome = ?result.status,
                    reason = result.reason.as_deref().unwrap_or(""),
                    latency_ms = started.elapsed().as_millis() as u64,
                    "message"
                );
                result
            }
        });
        let mut reports = futures_util::future::join_all(sends).await;
        reports.extend(plan.skipped.iter().map(|s| MessageReport {
            kind: s.kind,
            audience: s.audience,
            channel: s.channel,
            status: Outcome::Skipped,
            reason: Some(s.reason.clone()),
        }));
        reports
    }
}

/// Prefix of the reason of a failure worth retrying (throttling, 5xx, network).
const RETRYABLE: &str = "temporary: ";

fn report(n: &Notification, status: Outcome, reason: Option<String>) -> MessageReport {
    MessageReport {
        kind: n.kind,
        audience: n.audience,
        channel: Some(n.channel),
        status,
        reason,
    }
}

/// Environment variables of the webhook (names fixed: deployments rely on them).
pub const ENV_SECRET_HEADER: &str = "BOOXI_SECRET_HEADER";
pub const ENV_AUTH_MODE: &str = "BOOXI_AUTH_MODE";
pub const ENV_MAX_BODY_BYTES: &str = "BOOXI_MAX_BODY_BYTES";
pub const ENV_DELIVERY_BUDGET_SECONDS: &str = "BOOXI_DELIVERY_BUDGET_SECONDS";

impl Settings {
    /// Reads `BOOXI_SECRET_HEADER`, `BOOXI_AUTH_MODE`, `BOOXI_MAX_BODY_BYTES` and
    /// `BOOXI_DELIVERY_BUDGET_SECONDS`; absent or empty values keep the defaults.
    pub fn from_env(
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, crate::config::ConfigError> {
        let invalid = |key: &str, message: String| crate::config::ConfigError::Invalid {
            key: key.to_owned(),
            message,
        };
        let get = |key: &str| {
            env(key)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut settings = Settings::default();
        if let Some(header) = get(ENV_SECRET_HEADER) {
            let valid = header
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !valid {
                return Err(invalid(
                    ENV_SECRET_HEADER,
                    format!("`{header}` is not an HTTP header name"),
                ));
            }
            settings.secret_header = header;
        }
        if let Some(mode) = get(ENV_AUTH_MODE) {
            settings.auth_mode = AuthMode::parse(&mode).ok_or_else(|| {
                invalid(
                    ENV_AUTH_MODE,
                    format!("`{mode}` is not HeaderSecret or OAuth2"),
                )
            })?;
        }
        if let Some(bytes) = get(ENV_MAX_BODY_BYTES) {
            settings.max_body_bytes = bytes.parse().ok().filter(|b| *b > 0).ok_or_else(|| {
                invalid(
                    ENV_MAX_BODY_BYTES,
                    format!("`{bytes}` is not a positive number of bytes"),
                )
            })?;
        }
        if let Some(seconds) = get(ENV_DELIVERY_BUDGET_SECONDS) {
            let seconds: f64 = seconds
                .parse()
                .ok()
                .filter(|s: &f64| *s > 0.0 && *s <= 25.0)
                .ok_or_else(|| {
                    invalid(
                        ENV_DELIVERY_BUDGET_SECONDS,
                        format!("`{seconds}` is not a number of seconds in (0, 25]"),
                    )
                })?;
            settings.delivery_budget = Duration::from_secs_f64(seconds);
        }
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::FixedSecret;
    use crate::delivery::{Content, Email, SendError, Sms};
    use crate::notification::Address;
    use crate::store::MemoryStore;
    use std::sync::Mutex;

    /// Records what it is asked to send; fails SMS while `fail_sms` is set.
    #[derive(Default)]
    struct Recorder {
        sent: Mutex<Vec<(String, String)>>,
        fail_sms: Mutex<Option<bool>>,
        sms_attempts: std::sync::atomic::AtomicUsize,
    }

    impl Courier for Recorder {
        async fn send(&self, m: &Outgoing) -> Result<String, SendError> {
            let (to, what) = match &m.content {
                Content::Email(e) => (e.to.to_string(), e.subject.clone()),
                Content::Sms(s) => {
                    self.sms_attempts
                        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if let Some(retryable) = *self.fail_sms.lock().unwrap() {
                        return Err(SendError {
                            retryable,
                            reason: "SNS Publish: Throttled".into(),
                        });
                    }
                    (s.to.to_string(), s.text.clone())
                }
            };
            self.sent.lock().unwrap().push((to, what));
            Ok("id".into())
        }
    }

    struct Plain;

    impl Compose for Plain {
        fn compose(
            &self,
            _: &Event,
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
                }),
            };
            Ok(Outgoing { meta, content })
        }
    }

    fn webhook() -> Webhook<FixedSecret, MemoryStore, Recorder, Plain> {
        let settings = Settings {
            retry: RetryPolicy {
                first_backoff: Duration::from_millis(1),
                max_backoff: Duration::from_millis(2),
                max_attempts: 2,
            },
            ..Settings::default()
        };
        Webhook {
            settings,
            config: Config::default(),
            secrets: CachedSecrets::new(
                FixedSecret("s3cret".into()),
                Duration::from_secs(60),
                Duration::from_secs(30),
            ),
            store: MemoryStore::new(),
            courier: Recorder::default(),
            composer: Plain,
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
        assert_eq!(w.courier.sent.lock().unwrap().len(), 3);
    }

    #[tokio::test]
    async fn a_duplicate_sends_nothing() {
        let w = webhook();
        assert_eq!(w.handle(authed(BODY)).await.status, 200);
        let again = w
            .handle(request("PUT", &[("Authorization", "Bearer s3cret")], BODY))
            .await;
        assert_eq!(
            (again.status, again.body["status"].clone()),
            (200, json!("duplicate"))
        );
        assert_eq!(w.courier.sent.lock().unwrap().len(), 3);
    }

    #[tokio::test]
    async fn an_event_in_progress_answers_409() {
        let w = webhook();
        w.store
            .claim("e-1", SystemTime::now(), Duration::from_secs(60))
            .await
            .unwrap();
        let r = w.handle(authed(BODY)).await;
        assert_eq!(r.status, 409);
        assert!(w.courier.sent.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_failed_message_answers_503_and_the_retry_sends_only_it() {
        let w = webhook();
        *w.courier.fail_sms.lock().unwrap() = Some(true);
        let r = w.handle(authed(BODY)).await;
        assert_eq!(r.status, 503, "{}", r.body);
        assert_eq!(r.body["messages"][1]["status"], "failed");
        assert_eq!(
            r.body["messages"][1]["reason"],
            "temporary: SNS Publish: Throttled"
        );
        assert_eq!(w.courier.sent.lock().unwrap().len(), 2);
        *w.courier.fail_sms.lock().unwrap() = None;
        let r = w.handle(authed(BODY)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            r.body["messages"][0]["reason"],
            "sent by an earlier delivery of this event"
        );
        let sent = w.courier.sent.lock().unwrap();
        assert_eq!(sent.len(), 3);
        assert_eq!(sent[2].1, "confirmation");
    }

    #[tokio::test]
    async fn the_callers_deadline_bounds_the_retries() {
        let mut w = webhook();
        w.settings.retry = RetryPolicy {
            first_backoff: Duration::from_millis(300),
            max_backoff: Duration::from_secs(1),
            max_attempts: 10,
        };
        *w.courier.fail_sms.lock().unwrap() = Some(true);
        let mut request = authed(BODY);
        request.deadline = Some(Instant::now() + Duration::from_millis(1100));
        let started = Instant::now();
        assert_eq!(w.handle(request).await.status, 503);
        assert_eq!(
            w.courier
                .sms_attempts
                .load(std::sync::atomic::Ordering::SeqCst),
            1
        );
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test]
    async fn a_permanent_failure_answers_502() {
        let w = webhook();
        *w.courier.fail_sms.lock().unwrap() = Some(false);
        assert_eq!(w.handle(authed(BODY)).await.status, 502);
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
                authed("{\"eventType\":\"appointment.created\"}"),
                400,
                "not a Booxi event: no event id (eventId or id)",
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
        assert!(w.courier.sent.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn oauth2_mode_trusts_the_gateway() {
        let mut w = webhook();
        w.settings.auth_mode = AuthMode::OAuth2;
        assert_eq!(w.handle(request("POST", &[], BODY)).await.status, 200);
    }

    #[test]
    fn settings_from_the_environment() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let s = Settings::from_env(env(&[
            ("BOOXI_SECRET_HEADER", "X-Hook-Token"),
            ("BOOXI_AUTH_MODE", "OAuth2"),
            ("BOOXI_MAX_BODY_BYTES", "1024"),
            ("BOOXI_DELIVERY_BUDGET_SECONDS", "2.5"),
        ]))
        .unwrap();
        assert_eq!(s.secret_header, "X-Hook-Token");
        assert_eq!(s.auth_mode, AuthMode::OAuth2);
        assert_eq!(s.max_body_bytes, 1024);
        assert_eq!(s.delivery_budget, Duration::from_millis(2500));
        let d = Settings::from_env(env(&[])).unwrap();
        assert_eq!(
            (d.secret_header.as_str(), d.auth_mode, d.max_body_bytes),
            ("X-Booxi-Secret", AuthMode::HeaderSecret, 262_144)
        );
        let e = Settings::from_env(env(&[("BOOXI_AUTH_MODE", "basic")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "BOOXI_AUTH_MODE: `basic` is not HeaderSecret or OAuth2"
        );
        let e = Settings::from_env(env(&[("BOOXI_SECRET_HEADER", "X Bad")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "BOOXI_SECRET_HEADER: `X Bad` is not an HTTP header name"
        );
    }
}
