//! The measurements: cold starts, a run of warm invocations and memory, fan-out, callgrind
//! instruction counts and criterion's results.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use booxi_notify_bench::pipeline::SCENARIOS;
use serde_json::Value;
use testkit::Captured;
use testkit::lambda::{Function, Memory, RuntimeApi};
use testkit::moto::Moto;
use testkit::proxy::Proxy;

use crate::{Events, ONE, Options, THREE, TIMEOUT};

/// A function's output, its last 64 KiB (runs are long; only the end helps a failure).
pub(crate) fn output() -> Captured {
    Captured::with_limit(64 * 1024)
}

/// Invokes and checks the answer: 200 `processed` with `messages` sent. Returns the time.
pub(crate) fn invoke(
    runtime: &RuntimeApi,
    function: &Function,
    payload: &[u8],
    messages: usize,
) -> Duration {
    let (response, took) = runtime.invoke_raw(payload, TIMEOUT).unwrap_or_else(|e| {
        panic!(
            "the function did not answer: {e}\n{}",
            function.output.text()
        )
    });
    let response: Value = serde_json::from_slice(&response).expect("JSON response");
    let body: Value =
        serde_json::from_str(response["body"].as_str().unwrap_or_default()).unwrap_or(Value::Null);
    let sent = body["messages"]
        .as_array()
        .map_or(0, |m| m.iter().filter(|m| m["status"] == "sent").count());
    assert!(
        response["statusCode"] == 200 && body["status"] == "processed" && sent == messages,
        "unexpected answer (want {messages} sent): {response}\n{}",
        function.output.text()
    );
    took
}

pub(crate) fn invoke_bare(runtime: &RuntimeApi, payload: &[u8]) -> Duration {
    let (response, took) = runtime
        .invoke_raw(payload, TIMEOUT)
        .expect("the bare function answers");
    assert!(String::from_utf8_lossy(&response).contains("hello world"));
    took
}

pub(crate) fn start(binary: &Path, env: &[(String, String)]) -> (RuntimeApi, Function, Instant) {
    let runtime = RuntimeApi::start();
    let function = Function::spawn_with(Command::new(binary), &runtime, env, output());
    let polled = runtime.wait_first_poll(TIMEOUT).unwrap_or_else(|| {
        panic!(
            "{} did not start:\n{}",
            binary.display(),
            function.output.text()
        )
    });
    (runtime, function, polled)
}

/// moto answers a service's first calls slowly (it loads code): one throwaway function
/// sends every kind of message once before anything is measured.
pub(crate) fn warm_moto(webhook: &Path, env: &[(String, String)], events: &Events) {
    let (runtime, function, _) = start(webhook, env);
    for _ in 0..3 {
        invoke(&runtime, &function, &events.payload(THREE), 3);
        invoke(&runtime, &function, &events.payload(ONE), 1);
    }
}

#[derive(Default)]
pub(crate) struct Start {
    pub(crate) init: Duration,
    pub(crate) cpu: Duration,
    pub(crate) rss_kb: u64,
    /// exec → the first connection to AWS; the AWS calls; after them (webhook only).
    pub(crate) before_aws: Duration,
    pub(crate) aws: Duration,
    pub(crate) after_aws: Duration,
    pub(crate) aws_requests: usize,
    pub(crate) first_invocation: Duration,
    /// CPU time, all threads, from `exec` to the first response (init + first invocation).
    pub(crate) cold_cpu: Duration,
    /// Minor page faults at the first `/next` and at the first response.
    pub(crate) init_faults: u64,
    pub(crate) cold_faults: u64,
}

pub(crate) struct Starts {
    pub(crate) webhook: Vec<Start>,
    pub(crate) reference: Vec<Start>,
    /// The reference built for speed (`--profile fast`).
    pub(crate) reference_fast: Vec<Start>,
    pub(crate) bare: Vec<Start>,
}

/// Which function a measurement runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Webhook,
    Reference,
    /// The reference built for speed (`--profile fast`).
    ReferenceFast,
    Bare,
}

/// The functions a cold start is measured of.
pub(crate) struct Binaries<'a> {
    pub(crate) webhook: &'a Path,
    pub(crate) reference: &'a Path,
    pub(crate) reference_fast: &'a Path,
    pub(crate) bare: &'a Path,
}

pub(crate) fn measure_starts(
    options: &Options,
    binaries: &Binaries<'_>,
    env: &[(String, String)],
    aws: &Proxy,
    events: &Events,
) -> Starts {
    let mut starts = Starts {
        webhook: Vec::new(),
        reference: Vec::new(),
        reference_fast: Vec::new(),
        bare: Vec::new(),
    };
    let kinds = [
        Kind::Bare,
        Kind::Reference,
        Kind::ReferenceFast,
        Kind::Webhook,
    ];
    for i in 0..options.starts {
        // Rotate which goes first, so that all four see the same machine.
        for k in 0..kinds.len() {
            let kind = kinds[(i + k) % kinds.len()];
            let binary = match kind {
                Kind::Webhook => binaries.webhook,
                Kind::Reference => binaries.reference,
                Kind::ReferenceFast => binaries.reference_fast,
                Kind::Bare => binaries.bare,
            };
            aws.reset();
            let (runtime, function, polled) = start(binary, env);
            let (cpu, memory) = (function.cpu_time(), function.memory());
            let init_faults = function.minor_faults();
            let log = aws.log();
            let spawned = function.spawned_at;
            let first = log.first_connect.unwrap_or(polled);
            let last = log.last_response.unwrap_or(polled).min(polled);
            let first_invocation = if kind == Kind::Bare {
                invoke_bare(&runtime, &events.payload(THREE))
            } else {
                invoke(&runtime, &function, &events.payload(THREE), 3)
            };
            let start = Start {
                init: polled - spawned,
                cpu,
                rss_kb: memory.rss_kb,
                before_aws: first.saturating_duration_since(spawned),
                aws: last.saturating_duration_since(first),
                after_aws: polled.saturating_duration_since(last),
                aws_requests: log.requests,
                first_invocation,
                cold_cpu: function.cpu_time(),
                init_faults,
                cold_faults: function.minor_faults(),
            };
            match kind {
                Kind::Webhook => starts.webhook.push(start),
                Kind::Reference => starts.reference.push(start),
                Kind::ReferenceFast => starts.reference_fast.push(start),
                Kind::Bare => starts.bare.push(start),
            }
        }
    }
    starts
}

/// One process, `invocations` invocations of the three-message event: the latency of
/// each, and memory after init and after every 100.
pub(crate) struct Run {
    pub(crate) first: Duration,
    pub(crate) warm: Vec<Duration>,
    /// (invocations so far, memory)
    pub(crate) samples: Vec<(usize, Memory)>,
    /// Warm invocations of the one-email event, after the run.
    pub(crate) warm_one: Vec<Duration>,
    /// CPU time, all threads, after the first invocation and after the last of the
    /// three-message event: (last − first) / (invocations − 1) is the warm CPU per event.
    pub(crate) cpu_after_first: Duration,
    pub(crate) cpu_after_warm: Duration,
}

impl Run {
    /// CPU time per warm invocation, all threads, in ms.
    pub(crate) fn warm_cpu_ms(&self) -> f64 {
        (self.cpu_after_warm.saturating_sub(self.cpu_after_first)).as_secs_f64() * 1000.0
            / self.warm.len().max(1) as f64
    }
}

/// The warm runs of several functions, interleaved: all started, then each invoked once
/// in turn, `options.invocations` rounds, so that a change in the machine's load during
/// the run weighs on every function alike (run one after the other, the same build's
/// warm CPU ratio moved from 1.07× to 1.20× between two runs). Returns the runs in the
/// order of `functions`.
pub(crate) fn measure_runs(
    options: &Options,
    functions: &[(&Path, Kind)],
    env: &[(String, String)],
    events: &Events,
) -> Vec<Run> {
    let started: Vec<(RuntimeApi, Function)> = functions
        .iter()
        .map(|(binary, _)| {
            let (runtime, function, _) = start(binary, env);
            (runtime, function)
        })
        .collect();
    let mut runs: Vec<Run> = started
        .iter()
        .map(|(_, function)| Run {
            first: Duration::ZERO,
            warm: Vec::new(),
            samples: vec![(0, function.memory())],
            warm_one: Vec::new(),
            cpu_after_first: Duration::ZERO,
            cpu_after_warm: Duration::ZERO,
        })
        .collect();
    for i in 1..=options.invocations {
        // The first function of a round changes from round to round.
        for k in 0..functions.len() {
            let f = (i + k) % functions.len();
            let ((runtime, function), kind, run) = (&started[f], functions[f].1, &mut runs[f]);
            let payload = events.payload(THREE);
            let took = if kind == Kind::Bare {
                invoke_bare(runtime, &payload)
            } else {
                invoke(runtime, function, &payload, 3)
            };
            if i == 1 {
                run.first = took;
                run.cpu_after_first = function.cpu_time();
            } else {
                run.warm.push(took);
            }
            if i % 100 == 0 || i == options.invocations {
                run.samples.push((i, function.memory()));
            }
        }
    }
    for (((runtime, function), (_, kind)), run) in started.iter().zip(functions).zip(&mut runs) {
        run.cpu_after_warm = function.cpu_time();
        if *kind == Kind::Webhook {
            for _ in 0..30 {
                run.warm_one
                    .push(invoke(runtime, function, &events.payload(ONE), 1));
            }
        }
    }
    runs
}

pub(crate) struct Fanout {
    pub(crate) three: Vec<Duration>,
    pub(crate) one: Vec<Duration>,
    pub(crate) delayed_requests: usize,
    /// The three-message event with SNS's opt-out check on (as deployed).
    pub(crate) three_checked: Vec<Duration>,
}

/// The function with SES and SNS behind a proxy that holds every request for the delay.
pub(crate) fn measure_fanout(
    options: &Options,
    webhook: &Path,
    env: &[(String, String)],
    moto: &Moto,
    events: &Events,
) -> Fanout {
    let slow = Proxy::start(moto.port, options.delay);
    let mut checked_env = env.to_vec();
    checked_env.push(("AWS_ENDPOINT_URL_SESV2".into(), slow.endpoint()));
    checked_env.push(("AWS_ENDPOINT_URL_SNS".into(), slow.endpoint()));
    // The sends alone: SNS's opt-out check (one more SNS call before each SMS, made
    // while the store is read) is measured apart, below.
    let mut env = checked_env.clone();
    env.push(("BOOXI_SMS_OPT_OUT_CHECK".into(), "false".into()));
    let (runtime, function, _) = start(webhook, &env);
    invoke(&runtime, &function, &events.payload(THREE), 3);
    invoke(&runtime, &function, &events.payload(ONE), 1);
    slow.reset();
    let mut fanout = Fanout {
        three: Vec::new(),
        one: Vec::new(),
        delayed_requests: 0,
        three_checked: Vec::new(),
    };
    for _ in 0..options.fanout_pairs {
        fanout
            .three
            .push(invoke(&runtime, &function, &events.payload(THREE), 3));
        fanout
            .one
            .push(invoke(&runtime, &function, &events.payload(ONE), 1));
    }
    fanout.delayed_requests = slow.log().requests;
    assert_eq!(
        fanout.delayed_requests,
        4 * options.fanout_pairs,
        "every SES and SNS call should have gone through the delaying proxy"
    );
    function.terminate();
    let (runtime, function, _) = start(webhook, &checked_env);
    invoke(&runtime, &function, &events.payload(THREE), 3);
    for _ in 0..options.fanout_pairs {
        fanout
            .three_checked
            .push(invoke(&runtime, &function, &events.payload(THREE), 3));
    }
    fanout
}

pub(crate) fn valgrind_version() -> Option<String> {
    let out = Command::new("valgrind").arg("--version").output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Instruction count of a callgrind output file (its `totals:` or `summary:` line).
pub(crate) fn callgrind_total(path: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .find_map(|l| {
            l.strip_prefix("totals:")
                .or_else(|| l.strip_prefix("summary:"))
        })
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

pub(crate) struct Callgrind {
    pub(crate) version: String,
    /// Per scenario: messages, instructions per event.
    pub(crate) per_event: Vec<(String, u64)>,
    /// The one-time cost of a process's first event (beyond a warm event's).
    pub(crate) first_event: u64,
    /// Process start + `Pipeline::new` (templates compiled).
    pub(crate) pipeline_new: u64,
    pub(crate) init_webhook: Option<u64>,
    pub(crate) init_reference: Option<u64>,
    pub(crate) init_bare: Option<u64>,
}

pub(crate) fn measure_callgrind(
    options: &Options,
    webhook: &Path,
    reference: &Path,
    bare: &Path,
    env: &[(String, String)],
) -> Callgrind {
    let dir = options.target_dir.join("bench/callgrind");
    std::fs::create_dir_all(&dir).unwrap();
    let iter = options.binary("pipeline-iter");
    let run = |event: &str, n: u32| -> u64 {
        let out = dir.join(format!("{event}-{n}.out"));
        let status = Command::new("valgrind")
            .args(["--tool=callgrind", "--quiet"])
            .arg(format!("--callgrind-out-file={}", out.display()))
            .arg(&iter)
            .args([event, &n.to_string()])
            .stdout(std::process::Stdio::null())
            .status()
            .expect("valgrind runs");
        assert!(
            status.success(),
            "callgrind of pipeline-iter {event} {n} failed"
        );
        callgrind_total(&out).expect("callgrind totals")
    };
    // Process start, templates and a first (warm-up) event: what every run below shares.
    let (baseline, pipeline_only) = if options.callgrind_per_event {
        (run(THREE, 0), run("-", 0))
    } else {
        (0, 0)
    };
    let scenarios = if options.callgrind_per_event {
        SCENARIOS
    } else {
        &[]
    };
    let per_event: Vec<(String, u64)> = scenarios
        .iter()
        .map(|event| {
            (
                (*event).to_owned(),
                run(event, 10).saturating_sub(baseline) / 10,
            )
        })
        .collect();
    // Init under callgrind: from exec to the first `GET /next`, then SIGTERM (callgrind
    // writes its counts on it).
    let init = |binary: &Path, name: &str| -> Option<u64> {
        let out = dir.join(format!("init-{name}.out"));
        let _ = std::fs::remove_file(&out);
        let runtime = RuntimeApi::start();
        let mut command = Command::new("valgrind");
        command
            .args(["--tool=callgrind", "--quiet"])
            .arg(format!("--callgrind-out-file={}", out.display()))
            .arg(binary);
        let function = Function::spawn_with(command, &runtime, env, output());
        runtime.wait_first_poll(Duration::from_secs(300))?;
        function.terminate();
        callgrind_total(&out)
    };
    let warm_three = per_event
        .iter()
        .find(|(e, _)| e == THREE)
        .map_or(0, |(_, n)| *n);
    Callgrind {
        version: valgrind_version().unwrap_or_default(),
        first_event: baseline
            .saturating_sub(pipeline_only)
            .saturating_sub(warm_three),
        pipeline_new: pipeline_only,
        per_event,
        init_webhook: init(webhook, "webhook"),
        init_reference: init(reference, "reference"),
        init_bare: init(bare, "bare"),
    }
}

/// Criterion's estimates (`target/criterion/<group>/<bench>/new/estimates.json`, the
/// groups being the events and `init`): "group/bench" → (median ns, low, high of its
/// 95 % interval).
pub(crate) fn read_criterion(dir: &Path) -> BTreeMap<String, (f64, f64, f64)> {
    let mut out = BTreeMap::new();
    for group in SCENARIOS.iter().copied().chain(["init"]) {
        for bench in ["pipeline", "parse", "plan", "render", "renderer"] {
            let path = dir.join(group).join(bench).join("new/estimates.json");
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let Ok(v) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            let median = &v["median"];
            if let (Some(p), Some(lo), Some(hi)) = (
                median["point_estimate"].as_f64(),
                median["confidence_interval"]["lower_bound"].as_f64(),
                median["confidence_interval"]["upper_bound"].as_f64(),
            ) {
                out.insert(format!("{group}/{bench}"), (p, lo, hi));
            }
        }
    }
    out
}
