//! The offline webhook: the library's `Webhook` with a local secret, an in-memory
//! idempotency store and an outbox folder, served on 127.0.0.1 (`serve`) or fed files
//! in-process (`send`).

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use booxi_notify::Config;

use crate::{Fatal, Outcome, setup};
use booxi_notify::adapters::memory::MemoryStore;
use booxi_notify::adapters::memory::{MemoryQueue, drain_forever};
use booxi_notify::adapters::memory::{MemoryScheduler, MemoryStates};
use booxi_notify::adapters::outbox::{Announce, Outbox, OutboxBus};
use booxi_notify::adapters::simulator::Simulator;
use booxi_notify::core::compose::RenderComposer;
use booxi_notify::core::events_out::EventsOut;
use booxi_notify::core::process::Core;
use booxi_notify::core::queue::Queue;
use booxi_notify::core::schedules::Flows;
use booxi_notify::domain::contact::EmailAddress;
use booxi_notify::doors::auth::{CachedSecrets, FixedSecret};
use booxi_notify::doors::http::{self as edge, AuthMode, Webhook, WebhookRequest, WebhookResponse};
use booxi_notify::doors::input;
use booxi_notify::doors::outcomes;
use booxi_notify::render::{RenderConfig, Renderer};
use booxi_notify::settings::DeliveryMode;
use booxi_notify::settings::{ENV_LOCAL_NOT_ON_WHATSAPP, ENV_LOCAL_OPTED_OUT, ENV_SENDER_EMAIL};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};

/// The secret `events/` files carry, used by `send` unless told otherwise.
pub const SAMPLE_SECRET: &str = "local-dev-secret";
pub use booxi_notify::settings::ENV_LOCAL_SECRET;
const DEFAULT_SENDER: &str = "notifications@example.com";

#[derive(clap::Args)]
pub struct LocalOptions {
    /// Configuration file (TOML); default: $BOOXI_CONFIG, else built-in defaults.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Folder the messages are written to, one folder per event.
    #[arg(long, value_name = "DIR", default_value = "outbox")]
    out: PathBuf,
    /// With [[flows]]: send scheduled messages at once instead of at their time (they
    /// are kept in memory and go to the outbox when due).
    #[arg(long)]
    fire_now: bool,
}

type LocalWebhook = Webhook<FixedSecret, MemoryStore, Outbox, RenderComposer>;

/// The renderer with the sender address: `from`, else `$BOOXI_SENDER_EMAIL`, else
/// notifications@example.com.
pub fn composer(config: &Config, from: Option<&str>) -> Result<RenderComposer, String> {
    let from = from
        .map(str::to_owned)
        .or_else(|| std::env::var(ENV_SENDER_EMAIL).ok())
        .unwrap_or_else(|| DEFAULT_SENDER.to_owned());
    Ok(RenderComposer {
        renderer: Renderer::new(&RenderConfig::from(config)).map_err(|e| e.to_string())?,
        from: EmailAddress::parse(&from).map_err(|e| format!("sender address: {e}"))?,
        reply_to: config.brand.reply_to.clone(),
    })
}

/// The local webhook; with an in-memory queue when `queued` says so (`None`: as
/// `BOOXI_DELIVERY_MODE` says), and in-memory schedules when flows are configured (or
/// quiet hours hold SMS back).
#[allow(clippy::type_complexity)]
fn webhook(
    options: &LocalOptions,
    secret: String,
    queued: Option<bool>,
) -> Result<
    (
        LocalWebhook,
        Option<Arc<MemoryScheduler>>,
        Option<Arc<MemoryQueue>>,
    ),
    String,
> {
    let crate::Loaded { config, settings } = crate::load(options.config.clone())?;
    let queued = queued.unwrap_or(settings.mode == DeliveryMode::Queued);
    let queue = queued.then(|| Arc::new(MemoryQueue::default()));
    // Schedules in memory, only when flows are configured or quiet hours hold SMS back.
    let scheduler = config
        .needs_scheduler()
        .then(|| Arc::new(MemoryScheduler::new()));
    let flows = scheduler.as_ref().map(|scheduler| Flows {
        scheduler: scheduler.clone(),
        states: Arc::new(MemoryStates::new()),
    });
    // With [events_out]: each booking event goes to <out>/<event id>/events.jsonl.
    let events_out = config.events_out.as_ref().map(|_| EventsOut {
        bus: Arc::new(OutboxBus {
            dir: options.out.clone(),
            announce: Announce::Line,
        }),
    });
    // Message histories and suppressions are kept in the outbox folder too, so
    // `booxi-notify history` reads them and the next `serve` or `send` still knows them.
    let store = MemoryStore::with_journal(options.out.join(JOURNAL))
        .map_err(|e| format!("{}: cannot read: {e}", options.out.join(JOURNAL).display()))?;
    let opted_out = std::env::var(ENV_LOCAL_OPTED_OUT).ok();
    let not_on_whatsapp = std::env::var(ENV_LOCAL_NOT_ON_WHATSAPP).ok();
    let webhook = Webhook {
        settings: settings.http,
        secrets: CachedSecrets::new(FixedSecret(secret), Duration::MAX, Duration::MAX),
        core: Core {
            store,
            courier: Outbox {
                dir: options.out.clone(),
                print: true,
                simulator: Some(Arc::new(
                    Simulator::from_list(opted_out.as_deref())
                        .with_not_on_whatsapp(not_on_whatsapp.as_deref()),
                )),
            },
            composer: composer(&config, None)?,
            config,
            delivery: settings.delivery,
            emit_metrics: false,
            flows,
            queue: queue.clone().map(|q| q as Arc<dyn Queue>),
            events_out,
        },
    };
    Ok((webhook, scheduler, queue))
}

/// The file, in the outbox folder, where `serve` and `send` keep message histories and
/// suppressions (JSON lines), read by `booxi-notify history`.
pub const JOURNAL: &str = "history.jsonl";

/// Hands what SES's mailbox simulator would publish after the sends so far to the
/// outcome door, as EventBridge would: one line each, without personal data.
async fn apply_outcomes(webhook: &LocalWebhook) -> Vec<String> {
    let Some(simulator) = &webhook.core.courier.simulator else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    for event in simulator.take() {
        let detail_type = event["detail-type"].as_str().unwrap_or("").to_owned();
        let line = match outcomes::event(&webhook.core, &event).await {
            Ok(answer) => format!(
                "outcome {detail_type} for {} -> {} (now {}){}",
                answer["provider_id"].as_str().unwrap_or("?"),
                answer["status"].as_str().unwrap_or("?"),
                answer["message_status"].as_str().unwrap_or("?"),
                answer["fallback"]
                    .as_str()
                    .map(|f| format!(", SMS fallback {f}"))
                    .unwrap_or_default(),
            ),
            Err(e) => format!("outcome {detail_type} -> failed: {e}"),
        };
        lines.push(line);
    }
    lines
}

/// Fires the schedules that are due (all of them with `everything`) through the
/// schedule door, as EventBridge Scheduler would: one line each, without personal data.
async fn fire_due(
    webhook: &LocalWebhook,
    scheduler: &MemoryScheduler,
    everything: bool,
) -> Vec<String> {
    let mut lines = Vec::new();
    for schedule in scheduler.take_due(jiff::Timestamp::now(), everything) {
        let input: serde_json::Value = serde_json::from_str(&schedule.input).unwrap_or_default();
        let text = |key: &str| {
            input
                .get(key)
                .and_then(serde_json::Value::as_str)
                .unwrap_or("")
        };
        // A flow's schedule names its flow; an SMS held back by quiet hours, its kind.
        let kind = if input.get("flow").is_some() {
            text("flow")
        } else {
            text("kind")
        };
        let what = if text("channel") == "event" {
            format!(
                "schedule {} ({kind} event, due {})",
                schedule.name,
                text("at")
            )
        } else {
            format!(
                "schedule {} ({} to {} by {}, due {})",
                schedule.name,
                kind,
                text("recipient"),
                text("channel"),
                text("at")
            )
        };
        let outcome = match webhook.core.fire(&input, None).await {
            Ok(summary) if summary.event.is_some() => summary
                .event
                .map(|e| match e.reason {
                    Some(reason) => format!("{} {}: {reason}", e.status, e.detail_type),
                    None => format!("{} {}", e.status, e.detail_type),
                })
                .unwrap_or_default(),
            Ok(summary) if summary.messages.is_empty() => "nothing to send".to_owned(),
            Ok(summary) => summary
                .messages
                .iter()
                .map(|m| match m.reason() {
                    Some(reason) => format!("{:?}: {reason}", m.status()).to_lowercase(),
                    None => format!("{:?}", m.status()).to_lowercase(),
                })
                .collect::<Vec<_>>()
                .join("; "),
            Err(e) => format!("failed: {e}"),
        };
        lines.push(format!("{what} -> {outcome}"));
    }
    lines
}

/// `$BOOXI_LOCAL_SECRET`, else 32 random hex digits.
fn local_secret() -> String {
    if let Ok(secret) = std::env::var(ENV_LOCAL_SECRET)
        && !secret.trim().is_empty()
    {
        return secret.trim().to_owned();
    }
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No random source: the clock and the process id are unpredictable enough locally.
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
            ^ u128::from(std::process::id()) << 64;
        bytes = seed.to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The async runtime, or why there is none.
fn runtime(threads: bool) -> Result<tokio::runtime::Runtime, Fatal> {
    let mut builder = if threads {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    builder
        .enable_all()
        .build()
        .map_err(|e| Fatal(format!("cannot start the async runtime: {e}"), 1))
}

pub fn serve(options: LocalOptions, port: u16, queued: bool) -> Outcome {
    let secret = local_secret();
    // `--queued`, or BOOXI_DELIVERY_MODE=queued.
    let (webhook, scheduler, queue) =
        setup(webhook(&options, secret.clone(), queued.then_some(true)))?;
    let webhook = Arc::new(webhook);
    let runtime = runtime(true)?;
    let fire_now = options.fire_now;
    if let Some(queue) = queue {
        // The queue door, in process: it drains the in-memory queue into the outbox.
        let webhook = Arc::clone(&webhook);
        runtime.spawn(async move { drain_forever(&webhook.core, &queue).await });
        println!(
            "booxi-notify serve: queued mode: answers once messages are queued in memory; a drain in this process sends them"
        );
    }
    let result = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| bind_error(e, port))?;
        let address = listener.local_addr()?;
        let header = webhook.settings.secret_header.clone();
        println!("booxi-notify serve: listening on http://{address}/booxi (POST or PUT)");
        if webhook.settings.auth_mode == AuthMode::Signature {
            let header = &webhook.settings.signature_header;
            println!(
                "  secret:  {secret} (Signature mode: header {header}: sha256=<hex HMAC-SHA256 of the Booxi body>)"
            );
            println!("  outbox:  {}/<event id>/", webhook.core.courier.dir.display());
            println!(
                "  try:     sig=$(openssl dgst -sha256 -hmac '{secret}' -hex < body.json | sed 's/^.* //'); curl -s -H \"{header}: sha256=$sig\" --data-binary @body.json http://{address}/booxi"
            );
        } else {
            println!("  secret:  header {header}: {secret}");
            println!("  outbox:  {}/<event id>/", webhook.core.courier.dir.display());
            println!(
                "  try:     curl -s -H '{header}: {secret}' --data @events/confirmation-created.json http://{address}/booxi"
            );
        }
        println!(
            "  history: booxi-notify history <booking id> (SES's simulator addresses, e.g. bounce@simulator.amazonses.com, get their outcomes)"
        );
        if let Some(scheduler) = scheduler {
            // Plays EventBridge Scheduler: fires what is due (everything with --fire-now).
            let webhook = Arc::clone(&webhook);
            tokio::spawn(async move {
                loop {
                    for line in fire_due(&webhook, &scheduler, fire_now).await {
                        println!("{line}");
                    }
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            });
            let when = if fire_now { "at once (--fire-now)" } else { "at their time" };
            println!("  flows:   scheduled messages are kept in memory and sent {when}");
        }
        {
            // Plays SES's mailbox simulator: its events reach the outcome door shortly
            // after the send, as EventBridge's would.
            let webhook = Arc::clone(&webhook);
            tokio::spawn(async move {
                loop {
                    for line in apply_outcomes(&webhook).await {
                        println!("{line}");
                    }
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            });
        }
        let read_timeout = read_timeout()?;
        let idle_timeout = idle_timeout()?;
        // Each connection holds a permit: past MAX_CONNECTIONS, a new connection waits
        // (and the next ones in the backlog) while the idle connections are asked to close
        // (`shed`), so idle keep-alive connections never keep a new request waiting.
        let permits = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
        let (shed, _) = tokio::sync::watch::channel(0u64);
        let mut backoff = ACCEPT_BACKOFF_MIN;
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => {
                    backoff = ACCEPT_BACKOFF_MIN;
                    stream
                }
                // Out of file descriptors, a connection reset before it was accepted...:
                // the server stays up, waits a little and accepts again.
                Err(e) => {
                    eprintln!(
                        "booxi-notify serve: cannot accept a connection ({e}); retrying in {} ms",
                        backoff.as_millis()
                    );
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                    continue;
                }
            };
            let permit = match Arc::clone(&permits).try_acquire_owned() {
                Ok(permit) => permit,
                Err(_) => loop {
                    // Asked again while waiting: a connection busy at the first call
                    // may be idle by the next.
                    shed.send_modify(|round| *round += 1);
                    let wait = Arc::clone(&permits).acquire_owned();
                    if let Ok(Ok(permit)) = tokio::time::timeout(SHED_AGAIN, wait).await {
                        break permit;
                    }
                },
            };
            let webhook = Arc::clone(&webhook);
            let mut shed = shed.subscribe();
            tokio::spawn(async move {
                let activity = Arc::new(Activity::new());
                let seen = Arc::clone(&activity);
                let service = hyper::service::service_fn(move |request| {
                    let webhook = Arc::clone(&webhook);
                    let busy = seen.begin();
                    async move {
                        let asked = format!("{} {}", request.method(), request.uri().path());
                        let response = answer(&webhook, request, read_timeout).await;
                        print_request(&asked, &response).await;
                        drop(busy);
                        Ok::<_, Infallible>(response)
                    }
                });
                let io = hyper_util::rt::TokioIo::new(stream);
                // A client that does not finish its headers in time is disconnected.
                let connection = hyper::server::conn::http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(read_timeout)
                    .serve_connection(io, service);
                tokio::pin!(connection);
                // Idle (no request in flight) for `idle_timeout`, or asked to make room:
                // close. A graceful shutdown closes an idle connection at once and lets
                // a request being read or answered finish first.
                loop {
                    let idle_until = activity.idle_until(idle_timeout);
                    tokio::select! {
                        _ = connection.as_mut() => break,
                        Ok(()) = shed.changed() => {
                            // Only a connection with nothing to do makes room: one that
                            // served a request, or one silent since it opened.
                            if activity.sheddable() {
                                connection.as_mut().graceful_shutdown();
                                let _ = connection.as_mut().await;
                                break;
                            }
                        }
                        () = tokio::time::sleep_until(idle_until.into()) => {
                            if activity.idle_for(idle_timeout) {
                                connection.as_mut().graceful_shutdown();
                                let _ = connection.as_mut().await;
                                break;
                            }
                        }
                    }
                }
                drop(permit);
            });
        }
        #[allow(unreachable_code)]
        Ok::<(), std::io::Error>(())
    });
    result
        .map(|()| true)
        .map_err(|e| Fatal(format!("booxi-notify serve: {e}"), 1))
}

/// Whether a connection is serving a request, and since when it has not been.
struct Activity {
    in_flight: std::sync::atomic::AtomicUsize,
    served: std::sync::atomic::AtomicBool,
    idle_since: std::sync::Mutex<std::time::Instant>,
}

/// A request in flight on a connection, until dropped.
struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        *self.0.since() = std::time::Instant::now();
        self.0
            .served
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.0
            .in_flight
            .fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Activity {
    fn new() -> Self {
        Self {
            in_flight: std::sync::atomic::AtomicUsize::new(0),
            served: std::sync::atomic::AtomicBool::new(false),
            idle_since: std::sync::Mutex::new(std::time::Instant::now()),
        }
    }

    fn since(&self) -> std::sync::MutexGuard<'_, std::time::Instant> {
        self.idle_since.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn begin(self: &Arc<Self>) -> Busy {
        self.in_flight
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Busy(Arc::clone(self))
    }

    /// When the connection will have been idle for `timeout` if nothing happens.
    fn idle_until(&self, timeout: Duration) -> std::time::Instant {
        *self.since() + timeout
    }

    /// Whether closing the connection to make room loses nothing: no request in flight,
    /// and either one served (an idle keep-alive connection) or none sent for a while
    /// (a connection opened and left silent; a request just opening it is not cut off).
    fn sheddable(&self) -> bool {
        self.in_flight.load(std::sync::atomic::Ordering::SeqCst) == 0
            && (self.served.load(std::sync::atomic::Ordering::SeqCst)
                || self.since().elapsed() >= SHED_GRACE)
    }

    /// No request in flight, and none for `timeout`.
    fn idle_for(&self, timeout: Duration) -> bool {
        self.in_flight.load(std::sync::atomic::Ordering::SeqCst) == 0
            && self.since().elapsed() >= timeout
    }
}

/// Connections served at once; more wait in the listen backlog while idle ones close.
const MAX_CONNECTIONS: usize = 256;
/// While a new connection waits for room, the idle ones are asked again this often.
const SHED_AGAIN: Duration = Duration::from_millis(200);
/// A connection silent this long since it opened may be closed to make room.
const SHED_GRACE: Duration = Duration::from_secs(1);
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(50);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);
pub use booxi_notify::settings::{ENV_SERVE_IDLE_TIMEOUT, ENV_SERVE_READ_TIMEOUT};
const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(5);

/// `$BOOXI_SERVE_IDLE_TIMEOUT_SECONDS`, else 5 s.
fn idle_timeout() -> Result<Duration, std::io::Error> {
    seconds(ENV_SERVE_IDLE_TIMEOUT, DEFAULT_IDLE_TIMEOUT)
}

/// `$BOOXI_SERVE_READ_TIMEOUT_SECONDS`, else 10 s.
fn read_timeout() -> Result<Duration, std::io::Error> {
    seconds(ENV_SERVE_READ_TIMEOUT, DEFAULT_READ_TIMEOUT)
}

/// A number of seconds in (0, 3600] from `key`, else `default`.
fn seconds(key: &str, default: Duration) -> Result<Duration, std::io::Error> {
    match std::env::var(key) {
        Ok(text) if !text.trim().is_empty() => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s > 0.0 && *s <= 3600.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| {
                std::io::Error::other(format!(
                    "{key}: `{text}` is not a number of seconds in (0, 3600]"
                ))
            }),
        _ => Ok(default),
    }
}

/// "port 8787 is already in use", with what to do about it; other errors as they are.
fn bind_error(e: std::io::Error, port: u16) -> std::io::Error {
    if e.kind() != std::io::ErrorKind::AddrInUse {
        return e;
    }
    std::io::Error::new(
        e.kind(),
        format!(
            "port {port} on 127.0.0.1 is already in use (another `booxi-notify serve`?): \
             stop that program, or choose another port with --port, e.g. --port {}",
            port.wrapping_add(1).max(1024)
        ),
    )
}

/// One line per request on the serve terminal: what was asked, the status, and the
/// outcome the answer carries (`processed`, `duplicate`, `ignored`, `failed`, or the
/// error). The answer holds no address or secret, so neither does the line.
async fn print_request(asked: &str, response: &Response<Full<Bytes>>) {
    let body = response
        .body()
        .clone()
        .collect()
        .await
        .map(|b| b.to_bytes());
    let answer: serde_json::Value = body
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    println!(
        "{asked} -> {} {}",
        response.status().as_u16(),
        request_outcome(&answer)
    );
}

/// The outcome an answer carries, in a few words.
fn request_outcome(answer: &serde_json::Value) -> String {
    let text = |key: &str| answer.get(key).and_then(serde_json::Value::as_str);
    if let Some(error) = text("error") {
        return if error == "unauthorized" {
            "unauthorized: the secret presented is not the one printed above".to_owned()
        } else {
            error.to_owned()
        };
    }
    let status = text("status").unwrap_or("answered");
    let event = text("event_id")
        .map(|id| format!(" {id}"))
        .unwrap_or_default();
    let detail = match status {
        "duplicate" => " (already processed: nothing sent)".to_owned(),
        "ignored" => " (an event type we do not act on)".to_owned(),
        _ => {
            let messages = answer.get("messages").and_then(serde_json::Value::as_array);
            let count = |wanted: &str| {
                messages.map_or(0, |m| {
                    m.iter()
                        .filter(|m| {
                            m.get("status").and_then(serde_json::Value::as_str) == Some(wanted)
                        })
                        .count()
                })
            };
            let counts: Vec<String> = [
                ("sent", count("sent")),
                ("skipped", count("skipped")),
                ("failed", count("failed")),
            ]
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(what, n)| format!("{n} {what}"))
            .collect();
            if counts.is_empty() {
                String::new()
            } else {
                format!(" ({})", counts.join(", "))
            }
        }
    };
    format!("{status}{event}{detail}")
}

/// One HTTP request through the webhook. The secret is checked on the headers, before
/// any of the body is read. The body may also be an API Gateway event wrapping a Booxi
/// body (as the files in `events/` are), which is unwrapped first.
async fn answer(
    webhook: &LocalWebhook,
    request: Request<Incoming>,
    read_timeout: Duration,
) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let reply = |response: http::Response<String>| response.map(|b| Full::new(Bytes::from(b)));
    if parts.uri.path() != "/booxi" {
        let mut response =
            http::Response::new(r#"{"error":"not found: the webhook is at /booxi"}"#.to_owned());
        *response.status_mut() = http::StatusCode::NOT_FOUND;
        return reply(response);
    }
    // The secret first, on the headers alone: a caller without it never gets its
    // body read.
    let head = edge::from_http(Request::from_parts(parts.clone(), Vec::<u8>::new()), None);
    if let Err(refused) = webhook.check_secret(&head).await {
        return reply(refused.to_http());
    }
    let limit = webhook.settings.max_body_bytes;
    let body =
        match tokio::time::timeout(read_timeout, Limited::new(body, limit + 1).collect()).await {
            Ok(Ok(collected)) => collected.to_bytes().to_vec(),
            Ok(Err(_)) => return reply(WebhookResponse::too_large(limit).to_http()),
            Err(_) => return reply(WebhookResponse::body_timeout(read_timeout).to_http()),
        };
    let body = match input::gateway_request(&body) {
        Ok(Some(wrapped)) => wrapped.body,
        _ => body,
    };
    let request = edge::from_http(Request::from_parts(parts, body), None);
    reply(webhook.handle(request).await.to_http())
}

pub fn send(options: LocalOptions, present: Option<String>, files: &[PathBuf]) -> Outcome {
    let secret = std::env::var(ENV_LOCAL_SECRET)
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| SAMPLE_SECRET.to_owned());
    // `send` answers once each file's messages are written: always direct.
    let (webhook, scheduler, _) = setup(webhook(&options, secret.clone(), Some(false)))?;
    let runtime = runtime(false)?;
    let header = webhook.settings.secret_header.clone();
    let mut failed = false;
    for file in files {
        let shown = file.display();
        let bytes = match std::fs::read(file) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{shown}: cannot read: {e}");
                failed = true;
                continue;
            }
        };
        let mut request = match input::gateway_request(&bytes) {
            Ok(Some(g)) => WebhookRequest {
                method: g.method.unwrap_or_else(|| "POST".to_owned()),
                headers: g.headers,
                body: g.body,
                deadline: None,
            },
            // A raw body (or not JSON at all: the webhook will say so).
            Ok(None) | Err(_) => WebhookRequest {
                method: "POST".to_owned(),
                headers: vec![(header.clone(), secret.clone())],
                body: bytes,
                deadline: None,
            },
        };
        if let Some(value) = &present {
            request.headers.retain(|(k, _)| {
                !k.eq_ignore_ascii_case(&header) && !k.eq_ignore_ascii_case("authorization")
            });
            request.headers.push((header.clone(), value.clone()));
        }
        if webhook.settings.auth_mode == AuthMode::Signature {
            // Signed as Booxi would: with the presented secret when given, else the local one.
            let signature_header = &webhook.settings.signature_header;
            let has_signature = request
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case(signature_header));
            if present.is_some() || !has_signature {
                let key = present.as_deref().unwrap_or(&secret);
                request
                    .headers
                    .retain(|(k, _)| !k.eq_ignore_ascii_case(signature_header));
                request.headers.push((
                    signature_header.clone(),
                    booxi_notify::doors::auth::sign_hex(key, &request.body),
                ));
            }
        }
        let presented = presented_secret(&request.headers, &header);
        let answer = runtime.block_on(webhook.handle(request));
        println!("{shown}: {} {}", answer.status, answer.body);
        if answer.status == 401
            && present.is_none()
            && let Some(hint) = secret_hint(presented.as_deref(), &secret, &header)
        {
            eprintln!("{shown}: {hint}");
        }
        failed |= answer.status >= 400;
        if let Some(scheduler) = &scheduler
            && options.fire_now
        {
            for line in runtime.block_on(fire_due(&webhook, scheduler, true)) {
                println!("{shown}: {line}");
            }
        }
        for line in runtime.block_on(apply_outcomes(&webhook)) {
            println!("{shown}: {line}");
        }
    }
    if let Some(scheduler) = &scheduler {
        let left = scheduler.all().len();
        if left > 0 {
            eprintln!(
                "{left} scheduled message(s) not sent: `send` ends before they are due; \
                 pass --fire-now to send them at once"
            );
        }
    }
    Ok(!failed)
}

/// The secret a request presents: the secret header, else `Authorization: Bearer …`.
fn presented_secret(headers: &[(String, String)], header: &str) -> Option<String> {
    let value = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_owned())
    };
    value(header).or_else(|| {
        value("authorization").and_then(|v| v.strip_prefix("Bearer ").map(str::to_owned))
    })
}

/// Why `send` got 401 for a file, when the file's own secret is the cause. Names the
/// secrets' origins, never a value other than the public sample secret.
fn secret_hint(presented: Option<&str>, expected: &str, header: &str) -> Option<String> {
    match presented {
        None => Some(format!(
            "the file presents no secret (no {header} header): add one, or pass --present"
        )),
        Some(p) if p == expected => None,
        Some(SAMPLE_SECRET) => Some(format!(
            "the file presents the samples' secret `{SAMPLE_SECRET}`, but {ENV_LOCAL_SECRET} \
             is set to another one: unset {ENV_LOCAL_SECRET}, or pass --present \"${ENV_LOCAL_SECRET}\""
        )),
        Some(_) if expected == SAMPLE_SECRET => Some(format!(
            "the file presents another secret than the samples' `{SAMPLE_SECRET}`: pass \
             --present {SAMPLE_SECRET}, or set {ENV_LOCAL_SECRET} to the file's secret"
        )),
        Some(_) => Some(format!(
            "the file's secret is not {ENV_LOCAL_SECRET}: pass --present \"${ENV_LOCAL_SECRET}\", \
             or unset {ENV_LOCAL_SECRET} to use the samples' `{SAMPLE_SECRET}`"
        )),
    }
}
