//! Stand-ins in front of AWS: [`Proxy`] delays every request and logs when AWS was used
//! (a byte pipe, HTTP left untouched), [`SerialProxy`] lets one HTTP call through at a
//! time, [`FailingSns`] answers every call with one SNS error (`Throttled` by default),
//! [`FailingSes`] every call with one SES v2 error, [`FaultyProxy`] fails the calls to
//! some paths,
//! [`RateLimitedSes`] throttles SES sends above a rate (429 `TooManyRequestsException`)
//! and refuses SQS bodies as SQS does ([`sqs_refusal`]),
//! [`RecordingProxy`] passes every call on and keeps what was asked (the request
//! fields moto does not record: SES's configuration set and tags), [`FailingPutEvents`]
//! fails some EventBridge `PutEvents` entries.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::http::{Reply, Request, handler, request_async, serve};

/// What a [`Proxy`] saw since its last reset.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProxyLog {
    pub requests: usize,
    pub first_connect: Option<Instant>,
    pub last_response: Option<Instant>,
}

#[derive(Default)]
struct ProxyState {
    requests: AtomicUsize,
    first_connect: Mutex<Option<Instant>>,
    last_response: Mutex<Option<Instant>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A TCP proxy to a port on loopback that holds every HTTP request for `delay` before
/// passing it on (a request is the first bytes a client sends after a response, or on a
/// new connection: the SDK does not pipeline), and logs when it was used. It copies bytes
/// and parses nothing, so what it measures is what the client and server do.
pub struct Proxy {
    pub port: u16,
    state: Arc<ProxyState>,
}

impl Proxy {
    pub fn start(target: u16, delay: Duration) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().expect("a bound port").port();
        let state = Arc::new(ProxyState::default());
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                lock(&shared.first_connect).get_or_insert_with(Instant::now);
                let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else {
                    continue;
                };
                let awaiting_request = Arc::new(AtomicBool::new(true));
                let (state_up, state_down) = (Arc::clone(&shared), Arc::clone(&shared));
                let (flag_up, flag_down) = (Arc::clone(&awaiting_request), awaiting_request);
                std::thread::spawn(move || {
                    pipe(client, server, |_| {
                        if flag_up.swap(false, Ordering::SeqCst) {
                            state_up.requests.fetch_add(1, Ordering::SeqCst);
                            if !delay.is_zero() {
                                std::thread::sleep(delay);
                            }
                        }
                    })
                });
                std::thread::spawn(move || {
                    pipe(s2, c2, |_| {
                        flag_down.store(true, Ordering::SeqCst);
                        *lock(&state_down.last_response) = Some(Instant::now());
                    })
                });
            }
        });
        Proxy { port, state }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn log(&self) -> ProxyLog {
        ProxyLog {
            requests: self.state.requests.load(Ordering::SeqCst),
            first_connect: *lock(&self.state.first_connect),
            last_response: *lock(&self.state.last_response),
        }
    }

    pub fn reset(&self) {
        self.state.requests.store(0, Ordering::SeqCst);
        *lock(&self.state.first_connect) = None;
        *lock(&self.state.last_response) = None;
    }
}

/// Copies `from` to `to`, calling `before` ahead of each chunk; closes `to`'s write side
/// at the end.
fn pipe(mut from: TcpStream, mut to: TcpStream, mut before: impl FnMut(usize)) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                before(n);
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

/// An HTTP proxy to a port on loopback that passes one call at a time, in arrival order:
/// the next call is sent only once the previous one is answered. In front of moto's
/// DynamoDB it makes each conditional write atomic (moto's are not under concurrency), as
/// DynamoDB's are, so a race between deliveries is decided as it would be on AWS.
pub struct SerialProxy {
    pub port: u16,
    pub calls: Arc<AtomicUsize>,
}

impl SerialProxy {
    pub fn start(target: u16) -> SerialProxy {
        let turn = Arc::new(tokio::sync::Mutex::new(()));
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&calls);
        let port = serve(handler(move |request| {
            let (turn, counter) = (Arc::clone(&turn), Arc::clone(&counter));
            async move {
                let _one_at_a_time = turn.lock().await;
                counter.fetch_add(1, Ordering::SeqCst);
                forward(target, request, "serial proxy").await
            }
        }));
        SerialProxy { port, calls }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// A form body (`a=1&b=x%2By`: the Query protocol SNS speaks, as a [`RecordingProxy`]
/// keeps it) as decoded pairs (`+` is a space, `%XX` a byte).
pub fn form(body: &str) -> Vec<(String, String)> {
    let decode = |text: &str| {
        let bytes = text.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => {
                    let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                    match u8::from_str_radix(hex, 16) {
                        Ok(b) => {
                            out.push(b);
                            i += 2;
                        }
                        Err(_) => out.push(b'%'),
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    body.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// Passes `request` on to `target` and its answer back, without hop-by-hop headers; a
/// failure to reach `target` is a 502 saying which proxy (`label`) could not.
async fn forward(target: u16, request: Request, label: &str) -> Reply {
    let headers: Vec<(String, String)> = request
        .headers
        .into_iter()
        .filter(|(k, _)| !is_hop_by_hop(k))
        .collect();
    match request_async(
        target,
        &request.method,
        &request.path,
        &headers,
        request.body,
    )
    .await
    {
        Ok(mut reply) => {
            reply.headers.retain(|(k, _)| !is_hop_by_hop(k));
            reply
        }
        Err(e) => Reply::new(502, format!("{label}: {e}")),
    }
}

fn is_hop_by_hop(name: &str) -> bool {
    [
        "connection",
        "keep-alive",
        "transfer-encoding",
        "content-length",
        "upgrade",
    ]
    .iter()
    .any(|h| name.eq_ignore_ascii_case(h))
}

/// An SNS endpoint that answers every call with one error code, counting the calls.
pub struct FailingSns {
    pub port: u16,
    pub calls: Arc<AtomicUsize>,
}

/// The SNS endpoint that always throttles.
pub type ThrottlingSns = FailingSns;

impl FailingSns {
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every call answered `Throttled` (HTTP 400, as SNS throttles).
    pub fn start() -> FailingSns {
        Self::with_code("Throttled", "Rate exceeded")
    }

    /// Every call answered with the SNS error `code` (HTTP 400, sender fault).
    pub fn with_code(code: &'static str, message: &'static str) -> FailingSns {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&calls);
        let port = serve(handler(move |_request| {
            counter.fetch_add(1, Ordering::SeqCst);
            async move {
                let body = format!(
                    "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>failing-sns</RequestId></ErrorResponse>"
                );
                Reply::new(400, body).header("Content-Type", "text/xml")
            }
        }));
        FailingSns { port, calls }
    }
}

/// An SES v2 endpoint that answers every call with one error (HTTP 400, the error type
/// in `x-amzn-ErrorType` and the message in the JSON body, as SES v2 answers), counting
/// the calls.
pub struct FailingSes {
    pub port: u16,
    pub calls: Arc<AtomicUsize>,
}

impl FailingSes {
    pub fn with_error(error_type: &'static str, message: &'static str) -> FailingSes {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&calls);
        let port = serve(handler(move |_request| {
            counter.fetch_add(1, Ordering::SeqCst);
            async move {
                Reply::new(400, serde_json::json!({ "message": message }).to_string())
                    .header("Content-Type", "application/json")
                    .header("x-amzn-ErrorType", error_type)
            }
        }));
        FailingSes { port, calls }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// An HTTP proxy to a port on loopback that records every call (`METHOD /path`) and
/// answers HTTP 500 `InternalServerException` (a REST-JSON service's server error, as
/// EventBridge Scheduler answers it) to each call whose path contains the text set by
/// [`FaultyProxy::fail`]; every other call passes through untouched.
pub struct FaultyProxy {
    pub port: u16,
    calls: Arc<Mutex<Vec<String>>>,
    failing: Arc<Mutex<Option<String>>>,
}

impl FaultyProxy {
    pub fn start(target: u16) -> FaultyProxy {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let failing: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
        let (seen, fail) = (Arc::clone(&calls), Arc::clone(&failing));
        let port = serve(handler(move |request| {
            let (seen, fail) = (Arc::clone(&seen), Arc::clone(&fail));
            async move {
                lock(&seen).push(format!("{} {}", request.method, request.path));
                let failing = lock(&fail)
                    .as_deref()
                    .is_some_and(|text| request.path.contains(text));
                if failing {
                    return Reply::new(500, r#"{"Message":"Unexpected server error."}"#)
                        .header("Content-Type", "application/json")
                        .header("x-amzn-ErrorType", "InternalServerException");
                }
                forward(target, request, "faulty proxy").await
            }
        }));
        FaultyProxy {
            port,
            calls,
            failing,
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Fail the calls whose path contains `text` (`None`: fail none).
    pub fn fail(&self, text: Option<&str>) {
        *lock(&self.failing) = text.map(str::to_owned);
    }

    /// The calls seen since the last [`FaultyProxy::clear`], as `METHOD /path`.
    pub fn calls(&self) -> Vec<String> {
        lock(&self.calls).clone()
    }

    pub fn clear(&self) {
        lock(&self.calls).clear();
    }
}

/// What a [`RateLimitedSes`] did with SES `SendEmail` calls.
#[derive(Debug, Default)]
pub struct SesCounts {
    /// Passed on to moto (and so sent).
    pub passed: AtomicUsize,
    /// Answered 429 `TooManyRequestsException`.
    pub throttled: AtomicUsize,
    /// Answered 400 `BadRequestException` (the refused address).
    pub refused: AtomicUsize,
}

/// SQS's answer to a `SendMessage` or `SendMessageBatch` (JSON protocol) whose message
/// body holds a character outside the set SQS takes (XML 1.0's), which moto does not
/// check: the whole call refused, HTTP 400 `InvalidMessageContents`, with SQS's text.
pub fn sqs_refusal(request: &Request) -> Option<Reply> {
    let target = request.header("X-Amz-Target")?;
    if !matches!(
        target,
        "AmazonSQS.SendMessage" | "AmazonSQS.SendMessageBatch"
    ) {
        return None;
    }
    let call: serde_json::Value = serde_json::from_slice(&request.body).ok()?;
    let bodies: Vec<&str> = match call["Entries"].as_array() {
        Some(entries) => entries
            .iter()
            .filter_map(|e| e["MessageBody"].as_str())
            .collect(),
        None => call["MessageBody"].as_str().into_iter().collect(),
    };
    let refused = bodies.iter().flat_map(|b| b.chars()).find(|c| {
        !matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
    })?;
    let message = format!(
        "Invalid binary character '#x{:X}' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].",
        refused as u32
    );
    Some(
        Reply::new(
            400,
            serde_json::json!({"__type": "com.amazonaws.sqs#InvalidMessageContents", "message": message})
                .to_string(),
        )
        .header("Content-Type", "application/x-amz-json-1.0")
        .header("x-amzn-query-error", "InvalidMessageContents;Sender"),
    )
}

/// An HTTP proxy in front of all of moto that lets SES v2 `SendEmail` through at most
/// `rate` times a second (a token bucket holding one second's worth) and answers the
/// calls above that rate as SES does when the account's sending rate is exceeded: HTTP
/// 429 with `x-amzn-ErrorType: TooManyRequestsException`. Optionally it refuses one
/// recipient for good (400 `BadRequestException`, as SES answers an address it cannot
/// take). SQS sends are checked for the characters SQS refuses ([`sqs_refusal`]). Every
/// other call passes through untouched.
pub struct RateLimitedSes {
    pub port: u16,
    pub counts: Arc<SesCounts>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimitedSes {
    pub fn start(target: u16, rate: f64, refuse: Option<&str>) -> RateLimitedSes {
        let counts = Arc::new(SesCounts::default());
        let bucket = Arc::new(Mutex::new(Bucket {
            tokens: rate.max(1.0),
            at: Instant::now(),
        }));
        let refuse = refuse.map(|a| format!("\"{a}\""));
        let shared = Arc::clone(&counts);
        let port = serve(handler(move |request| {
            let (counts, bucket, refuse) =
                (Arc::clone(&shared), Arc::clone(&bucket), refuse.clone());
            async move {
                if let Some(refusal) = sqs_refusal(&request) {
                    return refusal;
                }
                let is_send = request.method == "POST"
                    && request.path.starts_with("/v2/email/outbound-emails");
                if is_send {
                    let body = String::from_utf8_lossy(&request.body);
                    if refuse.as_deref().is_some_and(|a| body.contains(a)) {
                        counts.refused.fetch_add(1, Ordering::SeqCst);
                        // SES v2's answer to a recipient address it cannot parse.
                        return Reply::new(400, r#"{"message":"Illegal address"}"#)
                            .header("Content-Type", "application/json")
                            .header("x-amzn-ErrorType", "BadRequestException");
                    }
                    let allowed = {
                        let mut b = lock(&bucket);
                        let now = Instant::now();
                        let capacity = rate.max(1.0);
                        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * rate)
                            .min(capacity);
                        b.at = now;
                        if b.tokens >= 1.0 {
                            b.tokens -= 1.0;
                            true
                        } else {
                            false
                        }
                    };
                    if !allowed {
                        counts.throttled.fetch_add(1, Ordering::SeqCst);
                        return Reply::new(429, r#"{"message":"Maximum sending rate exceeded."}"#)
                            .header("Content-Type", "application/json")
                            .header("x-amzn-ErrorType", "TooManyRequestsException");
                    }
                    counts.passed.fetch_add(1, Ordering::SeqCst);
                }
                forward(target, request, "rate-limited SES proxy").await
            }
        }));
        RateLimitedSes { port, counts }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// One request a [`RecordingProxy`] passed on: method, path, body.
pub type Recorded = (String, String, String);

/// An HTTP proxy in front of moto that passes every call on untouched and keeps each
/// request (method, path and body as text), for what moto does not record.
pub struct RecordingProxy {
    pub port: u16,
    seen: Arc<Mutex<Vec<Recorded>>>,
}

impl RecordingProxy {
    pub fn start(target: u16) -> RecordingProxy {
        let seen: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let kept = Arc::clone(&seen);
        let port = serve(handler(move |request| {
            let kept = Arc::clone(&kept);
            async move {
                lock(&kept).push((
                    request.method.clone(),
                    request.path.clone(),
                    String::from_utf8_lossy(&request.body).into_owned(),
                ));
                forward(target, request, "recording proxy").await
            }
        }));
        RecordingProxy { port, seen }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The requests so far whose path starts with `path` and whose body contains
    /// `containing`.
    pub fn requests(&self, path: &str, containing: &str) -> Vec<Recorded> {
        lock(&self.seen)
            .iter()
            .filter(|(_, p, body)| p.starts_with(path) && body.contains(containing))
            .cloned()
            .collect()
    }
}

/// An HTTP proxy in front of moto's EventBridge (`AWS_ENDPOINT_URL_EVENTBRIDGE`) that
/// answers the next [`FailingPutEvents::fail`] `PutEvents` calls as EventBridge does when
/// it does not take an entry — HTTP 200, `{"FailedEntryCount":1,"Entries":[{"ErrorCode":…,
/// "ErrorMessage":…}]}` — and passes every other call to moto, counting `PutEvents` calls.
pub struct FailingPutEvents {
    pub port: u16,
    pub put_events_calls: Arc<AtomicUsize>,
    failing: Arc<Mutex<(usize, &'static str)>>,
}

impl FailingPutEvents {
    pub fn start(target: u16) -> FailingPutEvents {
        let calls = Arc::new(AtomicUsize::new(0));
        let failing = Arc::new(Mutex::new((0usize, "InternalFailure")));
        let (counter, fail) = (Arc::clone(&calls), Arc::clone(&failing));
        let port = serve(handler(move |request| {
            let (counter, fail) = (Arc::clone(&counter), Arc::clone(&fail));
            async move {
                if request.header("X-Amz-Target") == Some("AWSEvents.PutEvents") {
                    counter.fetch_add(1, Ordering::SeqCst);
                    let code = {
                        let mut f = fail.lock().unwrap_or_else(|p| p.into_inner());
                        (f.0 > 0).then(|| {
                            f.0 -= 1;
                            f.1
                        })
                    };
                    if let Some(code) = code {
                        let body = serde_json::json!({
                            "FailedEntryCount": 1,
                            "Entries": [{
                                "ErrorCode": code,
                                "ErrorMessage": "The request processing has failed because of an unknown error, exception or failure."
                            }]
                        });
                        return Reply::new(200, body.to_string())
                            .header("Content-Type", "application/x-amz-json-1.1");
                    }
                }
                forward(target, request, "failing PutEvents proxy").await
            }
        }));
        FailingPutEvents {
            port,
            put_events_calls: calls,
            failing,
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The next `times` `PutEvents` calls fail their entry with `code`.
    pub fn fail(&self, times: usize, code: &'static str) {
        *self.failing.lock().unwrap_or_else(|p| p.into_inner()) = (times, code);
    }
}
