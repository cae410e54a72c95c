//! The suite's moving parts, on loopback only: moto in server mode (set up with plain
//! HTTP calls, no SDK), a Lambda Runtime API of the 2018-06-01 interface, the function
//! processes it runs (with their memory and CPU read from `/proc`), and a TCP proxy that
//! can delay every request (in front of SES and SNS) and records when AWS was first and
//! last talked to (in front of everything else). Adapted from the webhook's end-to-end
//! test harness (`functions/webhook/tests/support`).

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A plain HTTP/1.1 request on loopback (`Connection: close`): status and body.
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no HTTP header end"))?;
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no HTTP status"))?;
    let mut body = response[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    Ok((status, body))
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&data[..end]).trim(), 16).unwrap_or(0);
        if size == 0 || data.len() < end + 2 + size {
            break;
        }
        out.extend_from_slice(&data[end + 2..end + 2 + size]);
        data = &data[(end + 4 + size).min(data.len())..];
    }
    out
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `moto_server`: `$BOOXI_MOTO_SERVER`, else the venv `scripts/tools.sh` makes (under
/// `$BOOXI_CI_CACHE`, default `~/.cache/booxi-notify`), else `moto_server` on PATH.
pub fn moto_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("BOOXI_MOTO_SERVER") {
        return PathBuf::from(path);
    }
    let cache = std::env::var_os("BOOXI_CI_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/booxi-notify")
        });
    let venv = cache.join("venv/bin/moto_server");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("moto_server")
    }
}

/// A moto server of our own, stopped when dropped.
pub struct Moto {
    pub port: u16,
    child: Child,
}

/// The names the function is configured with.
pub const SECRET: &str = "local-dev-secret";
pub const TABLE: &str = "booxi-idempotency";
pub const DOMAIN: &str = "atelier-lumiere.example.com";

impl Moto {
    pub fn start() -> Moto {
        let port = free_port();
        let child = Command::new(moto_binary())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start moto_server ({e}): run scripts/tools.sh, or set BOOXI_MOTO_SERVER"
                )
            });
        let moto = Moto { port, child };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !matches!(
            http(port, "GET", "/moto-api/data.json", &[], b""),
            Ok((200, _))
        ) {
            assert!(
                Instant::now() < deadline,
                "moto_server did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// One AWS call; moto reads the service and region from the (unchecked) signature.
    fn call(&self, service: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Value {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"
        );
        let mut all = vec![("Authorization", auth.as_str())];
        all.extend_from_slice(headers);
        let (status, reply) =
            http(self.port, "POST", path, &all, body.as_bytes()).expect("moto answers");
        let text = String::from_utf8_lossy(&reply).into_owned();
        assert!(
            status == 200,
            "moto {service} {path} {headers:?}: HTTP {status}: {text}"
        );
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    }

    fn json_call(&self, service: &str, target: &str, version: &str, body: Value) -> Value {
        let content_type = format!("application/x-amz-json-{version}");
        self.call(
            service,
            "/",
            &[
                ("X-Amz-Target", target),
                ("Content-Type", content_type.as_str()),
            ],
            &body.to_string(),
        )
    }

    /// The stack's resources (as the end-to-end tests make them): the idempotency table
    /// with TTL, the verified sending domain, the webhook secret. Returns the secret ARN.
    pub fn set_up_stack(&self) -> String {
        self.json_call(
            "dynamodb",
            "DynamoDB_20120810.CreateTable",
            "1.0",
            json!({
                "TableName": TABLE,
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            }),
        );
        self.json_call(
            "dynamodb",
            "DynamoDB_20120810.UpdateTimeToLive",
            "1.0",
            json!({"TableName": TABLE, "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "expires_at"}}),
        );
        self.call(
            "ses",
            "/v2/email/identities",
            &[("Content-Type", "application/json")],
            &json!({ "EmailIdentity": DOMAIN }).to_string(),
        );
        // Loads moto's SNS backend now rather than in the first measured request.
        self.call(
            "sns",
            "/",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            "Action=GetSMSAttributes&Version=2010-03-31",
        );
        let secret = self.json_call(
            "secretsmanager",
            "secretsmanager.CreateSecret",
            "1.1",
            json!({"Name": "booxi-notify/webhook-secret", "SecretString": SECRET}),
        );
        secret["ARN"]
            .as_str()
            .expect("CreateSecret returns an ARN")
            .to_owned()
    }

    /// How many emails and SMS moto has recorded.
    pub fn sent(&self) -> (usize, usize) {
        let (_, body) =
            http(self.port, "GET", "/moto-api/data.json", &[], b"").expect("moto answers");
        let data: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let count = |v: &Value| v.as_array().map_or(0, Vec::len);
        (
            count(&data["ses"]["Message"]) + count(&data["ses"]["RawMessage"]),
            count(&data["sns"]["SMS"]),
        )
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One parsed HTTP request of the Runtime API.
struct Request {
    method: String,
    path: String,
    body: Vec<u8>,
}

type Reply = (u16, Vec<(String, String)>, Vec<u8>);

/// Serves HTTP/1.1 requests on one keep-alive connection until the peer closes it.
fn serve_connection(
    stream: TcpStream,
    mut handle: impl FnMut(Request) -> Reply,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let (method, path) = match (parts.next(), parts.next()) {
            (Some(m), Some(p)) => (m.to_owned(), p.to_owned()),
            _ => return Ok(()),
        };
        let mut length = 0usize;
        let mut chunked = false;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header)?;
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                let name = name.trim().to_ascii_lowercase();
                if name == "content-length" {
                    length = value.trim().parse().unwrap_or(0);
                } else if name == "transfer-encoding"
                    && value.to_ascii_lowercase().contains("chunked")
                {
                    chunked = true;
                }
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                let mut size = String::new();
                reader.read_line(&mut size)?;
                let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                    .unwrap_or(0);
                let mut chunk = vec![0; size + 2];
                reader.read_exact(&mut chunk)?;
                if size == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..size]);
            }
        } else {
            body.resize(length, 0);
            reader.read_exact(&mut body)?;
        }
        let (status, headers, reply) = handle(Request { method, path, body });
        let mut head = format!(
            "HTTP/1.1 {status} OK\r\nContent-Length: {}\r\n",
            reply.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let mut out = head.into_bytes();
        out.extend_from_slice(&reply);
        writer.write_all(&out)?;
        writer.flush()?;
    }
}

#[derive(Default)]
struct State {
    queue: Mutex<VecDeque<(String, Vec<u8>)>>,
    queued: Condvar,
    results: Mutex<HashMap<String, Result<Vec<u8>, String>>>,
    answered: Condvar,
    /// When each `GET …/next` arrived.
    polls: Mutex<Vec<Instant>>,
    polled: Condvar,
}

/// A Lambda Runtime API on loopback, for one function process (a killed process leaves a
/// connection thread waiting for work: a fresh API per process keeps that harmless).
pub struct RuntimeApi {
    pub port: u16,
    state: Arc<State>,
    ids: AtomicU64,
}

const PREFIX: &str = "/2018-06-01/runtime/";

impl Default for RuntimeApi {
    fn default() -> Self {
        Self::start()
    }
}

impl RuntimeApi {
    pub fn start() -> RuntimeApi {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the Runtime API");
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(State::default());
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = Arc::clone(&shared);
                std::thread::spawn(move || {
                    let _ = serve_connection(stream, |request| route(&state, request));
                });
            }
        });
        RuntimeApi {
            port,
            state,
            ids: AtomicU64::new(1),
        }
    }

    /// When the function first asked for work (the end of its init).
    pub fn wait_first_poll(&self, timeout: Duration) -> Option<Instant> {
        let deadline = Instant::now() + timeout;
        let mut polls = self.state.polls.lock().unwrap();
        loop {
            if let Some(first) = polls.first() {
                return Some(*first);
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            polls = self.state.polled.wait_timeout(polls, left).unwrap().0;
        }
    }

    /// Queues one invocation and waits for the answer: the response and how long it took.
    pub fn invoke(&self, payload: &[u8], timeout: Duration) -> Result<(Vec<u8>, Duration), String> {
        let id = format!("req-{}", self.ids.fetch_add(1, Ordering::SeqCst));
        let started = Instant::now();
        self.state
            .queue
            .lock()
            .unwrap()
            .push_back((id.clone(), payload.to_vec()));
        self.state.queued.notify_all();
        let deadline = started + timeout;
        let mut results = self.state.results.lock().unwrap();
        loop {
            if let Some(result) = results.remove(&id) {
                let took = started.elapsed();
                return result.map(|body| (body, took));
            }
            let left = deadline
                .checked_duration_since(Instant::now())
                .ok_or_else(|| format!("{id}: no answer in {timeout:?}"))?;
            results = self.state.answered.wait_timeout(results, left).unwrap().0;
        }
    }
}

fn route(state: &State, request: Request) -> Reply {
    let Some(rest) = request.path.strip_prefix(PREFIX) else {
        return (404, vec![], b"{}".to_vec());
    };
    if request.method == "GET" && rest == "invocation/next" {
        state.polls.lock().unwrap().push(Instant::now());
        state.polled.notify_all();
        let mut queue = state.queue.lock().unwrap();
        let (id, payload) = loop {
            if let Some(next) = queue.pop_front() {
                break next;
            }
            queue = state.queued.wait(queue).unwrap();
        };
        let deadline = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
            + 30_000;
        let headers = vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("Lambda-Runtime-Aws-Request-Id".to_owned(), id),
            (
                "Lambda-Runtime-Deadline-Ms".to_owned(),
                deadline.to_string(),
            ),
            (
                "Lambda-Runtime-Invoked-Function-Arn".to_owned(),
                "arn:aws:lambda:us-east-1:123456789012:function:webhook".to_owned(),
            ),
            (
                "Lambda-Runtime-Trace-Id".to_owned(),
                "Root=1-00000000-000000000000000000000000;Sampled=0".to_owned(),
            ),
        ];
        return (200, headers, payload);
    }
    if request.method == "POST" {
        if let Some((id, kind)) = rest
            .strip_prefix("invocation/")
            .and_then(|r| r.split_once('/'))
        {
            let result = if kind == "response" {
                Ok(request.body)
            } else {
                Err(String::from_utf8_lossy(&request.body).into_owned())
            };
            state.results.lock().unwrap().insert(id.to_owned(), result);
            state.answered.notify_all();
            return (202, vec![], b"{\"status\":\"OK\"}".to_vec());
        }
        if rest == "init/error" {
            eprintln!(
                "function init error: {}",
                String::from_utf8_lossy(&request.body)
            );
            return (202, vec![], b"{\"status\":\"OK\"}".to_vec());
        }
    }
    (404, vec![], b"{}".to_vec())
}

/// The last `LIMIT` bytes a child process wrote.
#[derive(Clone, Default)]
pub struct Tail(Arc<Mutex<Vec<u8>>>);

impl Tail {
    const LIMIT: usize = 64 * 1024;

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    fn drain(&self, mut from: impl Read + Send + 'static) {
        let tail = self.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = from.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut kept = tail.0.lock().unwrap();
                kept.extend_from_slice(&buf[..n]);
                if kept.len() > Self::LIMIT {
                    let cut = kept.len() - Self::LIMIT;
                    kept.drain(..cut);
                }
            }
        });
    }
}

/// Memory of a process, from `/proc/<pid>/status`, in kB.
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    /// Peak resident set size (VmHWM).
    pub peak_kb: u64,
    /// Resident set size now (VmRSS).
    pub rss_kb: u64,
}

/// A function process (`webhook` or `bare-lambda`) polling a Runtime API. Killed when dropped.
pub struct Function {
    child: Child,
    /// Just before `exec`.
    pub spawned_at: Instant,
    pub output: Tail,
}

impl Function {
    /// Starts `binary` with the Lambda environment (as the Lambda service sets it) and `env`.
    pub fn spawn(binary: &Path, runtime: &RuntimeApi, env: &[(String, String)]) -> Function {
        Self::spawn_with(Command::new(binary), runtime, env)
    }

    /// Starts an already prepared command (e.g. `valgrind … binary`) the same way.
    pub fn spawn_with(
        mut command: Command,
        runtime: &RuntimeApi,
        env: &[(String, String)],
    ) -> Function {
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env(
                "AWS_LAMBDA_RUNTIME_API",
                format!("127.0.0.1:{}", runtime.port),
            )
            .env("AWS_LAMBDA_FUNCTION_NAME", "webhook")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/webhook")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
            .env("LAMBDA_TASK_ROOT", "/var/task")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let spawned_at = Instant::now();
        let mut child = command.spawn().expect("start the function");
        let output = Tail::default();
        output.drain(child.stdout.take().unwrap());
        output.drain(child.stderr.take().unwrap());
        Function {
            child,
            spawned_at,
            output,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn memory(&self) -> Memory {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        Memory {
            peak_kb: field("VmHWM:"),
            rss_kb: field("VmRSS:"),
        }
    }

    /// CPU time used so far by all its live threads (`/proc/<pid>/task/*/schedstat`, ns):
    /// unlike wall time, it does not count waiting for a core on a busy machine.
    pub fn cpu_time(&self) -> Duration {
        let mut total = 0u64;
        if let Ok(tasks) = std::fs::read_dir(format!("/proc/{}/task", self.pid())) {
            for task in tasks.flatten() {
                let stat =
                    std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
                total += stat
                    .split_whitespace()
                    .next()
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0);
            }
        }
        Duration::from_nanos(total)
    }

    /// Sends SIGTERM (valgrind writes its results on it) and waits for the end.
    pub fn terminate(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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

/// A TCP proxy to a port on loopback that holds every HTTP request for `delay` before
/// passing it on (a request is the first bytes a client sends after a response, or on a
/// new connection: the SDK does not pipeline), and logs when it was used.
pub struct Proxy {
    pub port: u16,
    state: Arc<ProxyState>,
}

impl Proxy {
    pub fn start(target: u16, delay: Duration) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(ProxyState::default());
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                shared
                    .first_connect
                    .lock()
                    .unwrap()
                    .get_or_insert_with(Instant::now);
                let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let awaiting_request = Arc::new(AtomicBool::new(true));
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
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
                        *state_down.last_response.lock().unwrap() = Some(Instant::now());
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
            first_connect: *self.state.first_connect.lock().unwrap(),
            last_response: *self.state.last_response.lock().unwrap(),
        }
    }

    pub fn reset(&self) {
        self.state.requests.store(0, Ordering::SeqCst);
        *self.state.first_connect.lock().unwrap() = None;
        *self.state.last_response.lock().unwrap() = None;
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
