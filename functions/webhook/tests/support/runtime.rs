//! A Lambda Runtime API (the 2018-06-01 interface the `lambda_runtime` crate polls), on
//! loopback, small enough to read: invocations are queued by [`RuntimeApi::invoke`],
//! handed out by `GET /runtime/invocation/next`, and answered by
//! `POST /runtime/invocation/{id}/response` (or `/error`). Several function processes may
//! poll it at once, as concurrent Lambda instances would.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{Captured, capture};

pub struct Request {
    pub method: String,
    pub path: String,
    pub body: Vec<u8>,
}

type Reply = (u16, Vec<(String, String)>, Vec<u8>);

/// Serves HTTP/1.1 requests on one keep-alive connection until the peer closes it.
pub fn serve_connection(
    stream: TcpStream,
    mut handle: impl FnMut(Request) -> Reply,
) -> std::io::Result<()> {
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
        writer.write_all(head.as_bytes())?;
        writer.write_all(&reply)?;
        writer.flush()?;
    }
}

#[derive(Default)]
struct State {
    queue: Mutex<VecDeque<(String, Vec<u8>)>>,
    queued: Condvar,
    results: Mutex<HashMap<String, Result<Vec<u8>, String>>>,
    answered: Condvar,
    /// When each `GET …/next` arrived (init time is the first one's).
    polls: Mutex<Vec<Instant>>,
}

pub struct RuntimeApi {
    pub port: u16,
    state: Arc<State>,
    ids: AtomicU64,
}

const PREFIX: &str = "/2018-06-01/runtime/";

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

    /// Queues one invocation and waits for the function's answer.
    pub fn invoke(&self, payload: &Value, timeout: Duration) -> Result<Value, String> {
        let id = format!("req-{}", self.ids.fetch_add(1, Ordering::SeqCst));
        self.state
            .queue
            .lock()
            .unwrap()
            .push_back((id.clone(), payload.to_string().into_bytes()));
        self.state.queued.notify_all();
        let deadline = Instant::now() + timeout;
        let mut results = self.state.results.lock().unwrap();
        loop {
            if let Some(result) = results.remove(&id) {
                return result
                    .map(|body| serde_json::from_slice(&body).expect("the function answers JSON"));
            }
            let left = deadline
                .checked_duration_since(Instant::now())
                .ok_or_else(|| format!("{id}: no answer in {timeout:?}"))?;
            results = self.state.answered.wait_timeout(results, left).unwrap().0;
        }
    }

    /// When the functions first asked for work, in order.
    pub fn polls(&self) -> Vec<Instant> {
        self.state.polls.lock().unwrap().clone()
    }
}

fn route(state: &State, request: Request) -> Reply {
    let Some(rest) = request.path.strip_prefix(PREFIX) else {
        return (404, vec![], b"{}".to_vec());
    };
    if request.method == "GET" && rest == "invocation/next" {
        state.polls.lock().unwrap().push(Instant::now());
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

/// A running `webhook` binary, polling a Runtime API. Killed when dropped.
pub struct Function {
    child: Child,
    pub stdout: Captured,
    pub stderr: Captured,
}

impl Function {
    /// Starts the compiled `webhook` binary with the Lambda environment and `env`.
    pub fn spawn(runtime: &RuntimeApi, env: &[(String, String)]) -> Function {
        let mut command = Command::new(env!("CARGO_BIN_EXE_webhook"));
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
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("start the webhook binary");
        let stdout = Captured::default();
        let stderr = Captured::default();
        capture(child.stdout.take().unwrap(), stdout.clone());
        capture(child.stderr.take().unwrap(), stderr.clone());
        Function {
            child,
            stdout,
            stderr,
        }
    }

    /// Everything the function wrote so far.
    pub fn logs(&self) -> String {
        format!("{}{}", self.stdout.text(), self.stderr.text())
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
