//! A Lambda Runtime API (the 2018-06-01 interface the `lambda_runtime` crate polls) on
//! loopback, and the function processes that poll it. Invocations are queued by
//! [`RuntimeApi::invoke`], handed out by `GET /runtime/invocation/next` with a 30 s
//! deadline, and answered by `POST /runtime/invocation/{id}/response` (or `/error`).
//! Several processes may poll one API at once, as concurrent Lambda instances would.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::Captured;
use crate::http::{Reply, Request, handler, serve};

type Results = HashMap<String, Result<Vec<u8>, String>>;

struct State {
    queue: mpsc::UnboundedSender<(String, Vec<u8>)>,
    next: tokio::sync::Mutex<mpsc::UnboundedReceiver<(String, Vec<u8>)>>,
    results: Mutex<Results>,
    answered: Condvar,
    /// When each `GET …/next` arrived (the first one ends the function's init).
    polls: Mutex<Vec<Instant>>,
    polled: Condvar,
}

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

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl RuntimeApi {
    pub fn start() -> RuntimeApi {
        let (queue, next) = mpsc::unbounded_channel();
        let state = Arc::new(State {
            queue,
            next: tokio::sync::Mutex::new(next),
            results: Mutex::default(),
            answered: Condvar::new(),
            polls: Mutex::default(),
            polled: Condvar::new(),
        });
        let shared = Arc::clone(&state);
        let port = serve(handler(move |request| {
            let state = Arc::clone(&shared);
            async move { route(&state, request).await }
        }));
        RuntimeApi {
            port,
            state,
            ids: AtomicU64::new(1),
        }
    }

    /// Queues one invocation and waits for the answer: the response and how long it took.
    pub fn invoke_raw(
        &self,
        payload: &[u8],
        timeout: Duration,
    ) -> Result<(Vec<u8>, Duration), String> {
        let id = format!("req-{}", self.ids.fetch_add(1, Ordering::SeqCst));
        let started = Instant::now();
        self.state
            .queue
            .send((id.clone(), payload.to_vec()))
            .map_err(|_| "the Runtime API is gone".to_owned())?;
        let deadline = started + timeout;
        let mut results = lock(&self.state.results);
        loop {
            if let Some(result) = results.remove(&id) {
                let took = started.elapsed();
                return result.map(|body| (body, took));
            }
            let left = deadline
                .checked_duration_since(Instant::now())
                .ok_or_else(|| format!("{id}: no answer in {timeout:?}"))?;
            results = self
                .state
                .answered
                .wait_timeout(results, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Queues one JSON invocation and waits for the function's JSON answer.
    pub fn invoke(&self, payload: &Value, timeout: Duration) -> Result<Value, String> {
        let (body, _) = self.invoke_raw(payload.to_string().as_bytes(), timeout)?;
        serde_json::from_slice(&body).map_err(|e| format!("the function's answer: {e}"))
    }

    /// Queues one API Gateway event and returns the function's HTTP answer: its status
    /// and its body read as JSON (base64-decoded when the answer says so; `Null` when
    /// the body is not JSON). Panics when the function does not answer in `timeout`.
    pub fn call_http(&self, event: &Value, timeout: Duration) -> (u16, Value) {
        let response = self
            .invoke(event, timeout)
            .unwrap_or_else(|e| panic!("the function failed on {event}: {e}"));
        let status = response["statusCode"].as_u64().unwrap_or_default() as u16;
        let body = response["body"].as_str().unwrap_or_default();
        let body = if response["isBase64Encoded"] == true {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(body)
                .unwrap_or_else(|e| panic!("a body said base64 is not: {e}"));
            String::from_utf8_lossy(&bytes).into_owned()
        } else {
            body.to_owned()
        };
        (status, serde_json::from_str(&body).unwrap_or(Value::Null))
    }

    /// When the functions asked for work, in order.
    pub fn polls(&self) -> Vec<Instant> {
        lock(&self.state.polls).clone()
    }

    /// When a function first asked for work (the end of its init).
    pub fn wait_first_poll(&self, timeout: Duration) -> Option<Instant> {
        let deadline = Instant::now() + timeout;
        let mut polls = lock(&self.state.polls);
        loop {
            if let Some(first) = polls.first() {
                return Some(*first);
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            polls = self
                .state
                .polled
                .wait_timeout(polls, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

const OK: &[u8] = b"{\"status\":\"OK\"}";

async fn route(state: &State, request: Request) -> Reply {
    let Some(rest) = request.path.strip_prefix(PREFIX) else {
        return Reply::new(404, "{}");
    };
    if request.method == "GET" && rest == "invocation/next" {
        lock(&state.polls).push(Instant::now());
        state.polled.notify_all();
        let Some((id, payload)) = state.next.lock().await.recv().await else {
            return Reply::new(500, "{}");
        };
        let deadline = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis())
            + 30_000;
        return Reply::new(200, payload)
            .header("Content-Type", "application/json")
            .header("Lambda-Runtime-Aws-Request-Id", id)
            .header("Lambda-Runtime-Deadline-Ms", deadline.to_string())
            .header(
                "Lambda-Runtime-Invoked-Function-Arn",
                "arn:aws:lambda:us-east-1:123456789012:function:webhook",
            )
            .header(
                "Lambda-Runtime-Trace-Id",
                "Root=1-00000000-000000000000000000000000;Sampled=0",
            );
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
            lock(&state.results).insert(id.to_owned(), result);
            state.answered.notify_all();
            return Reply::new(202, OK);
        }
        if rest == "init/error" {
            eprintln!(
                "function init error: {}",
                String::from_utf8_lossy(&request.body)
            );
            return Reply::new(202, OK);
        }
    }
    Reply::new(404, "{}")
}

/// Memory of a process, from `/proc/<pid>/status`, in kB.
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    /// Peak resident set size (VmHWM).
    pub peak_kb: u64,
    /// Resident set size now (VmRSS).
    pub rss_kb: u64,
}

/// A function process polling a Runtime API. Killed when dropped.
pub struct Function {
    child: Child,
    /// Just before `exec`.
    pub spawned_at: Instant,
    /// Its stdout and stderr, interleaved.
    pub output: Captured,
}

impl Function {
    /// Starts `binary` with the Lambda environment (as the Lambda service sets it) and `env`.
    pub fn spawn(binary: &Path, runtime: &RuntimeApi, env: &[(String, String)]) -> Function {
        Self::spawn_with(Command::new(binary), runtime, env, Captured::default())
    }

    /// Starts an already prepared command (e.g. `valgrind … binary`) the same way,
    /// keeping its output in `output`.
    pub fn spawn_with(
        mut command: Command,
        runtime: &RuntimeApi,
        env: &[(String, String)],
        output: Captured,
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
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
            .env("LAMBDA_TASK_ROOT", "/var/task")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let spawned_at = Instant::now();
        let mut child = command.spawn().expect("start the function");
        if let Some(out) = child.stdout.take() {
            output.drain(out);
        }
        if let Some(err) = child.stderr.take() {
            output.drain(err);
        }
        Function {
            child,
            spawned_at,
            output,
        }
    }

    /// Everything the function wrote so far.
    pub fn logs(&self) -> String {
        self.output.text()
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

    /// Minor page faults so far, all threads (`/proc/<pid>/stat`, field 10): the pages
    /// the process touched for the first time (heap, stacks, the binary's pages), each
    /// a trip into the kernel that its CPU time counts.
    pub fn minor_faults(&self) -> u64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap_or_default();
        // The command name (field 2) is in parentheses and may hold spaces: count after it.
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(7))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
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
