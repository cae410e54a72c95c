//! The report: BENCHMARKS.md's table between its markers, and the raw figures as JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use booxi_notify_bench::pipeline::SCENARIOS;
use serde_json::{Value, json};

use crate::machine::{Machine, Sizes, load_average};
use crate::measure::{Callgrind, Fanout, Run, Start, Starts};
use crate::{END, Options, START, THREE};

pub(crate) struct Report<'a> {
    pub(crate) machine: Machine,
    pub(crate) options: &'a Options,
    pub(crate) starts: Starts,
    pub(crate) run: Run,
    pub(crate) reference_run: Run,
    pub(crate) reference_fast_run: Run,
    pub(crate) bare_run: Run,
    pub(crate) fanout: Fanout,
    pub(crate) callgrind: Option<Callgrind>,
    pub(crate) criterion: BTreeMap<String, (f64, f64, f64)>,
    pub(crate) sizes: Sizes,
    pub(crate) sent: (usize, usize),
    pub(crate) took: Duration,
}

pub(crate) fn sorted(values: impl IntoIterator<Item = Duration>) -> Vec<f64> {
    let mut v: Vec<f64> = values
        .into_iter()
        .map(|d| d.as_secs_f64() * 1000.0)
        .collect();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v
}

/// The `p`-th percentile (0–100, nearest rank) of sorted values.
pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

pub(crate) fn median(sorted: &[f64]) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// "median (p10–p90)" in ms.
pub(crate) fn spread(values: &[f64]) -> String {
    format!(
        "{:.2} ms ({:.2}–{:.2})",
        median(values),
        percentile(values, 10.0),
        percentile(values, 90.0)
    )
}

pub(crate) fn mib(bytes: u64) -> String {
    format!("{:.2} MiB", bytes as f64 / 1024.0 / 1024.0)
}

pub(crate) fn mb_kb(kb: u64) -> String {
    format!("{:.1} MB", kb as f64 * 1024.0 / 1e6)
}

pub(crate) fn verdict(met: bool) -> &'static str {
    if met { "**met**" } else { "**not met**" }
}

pub(crate) fn instructions(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub(crate) struct Figures {
    pub(crate) init: f64,
    pub(crate) init_bare: f64,
    pub(crate) first: f64,
    pub(crate) warm: f64,
    pub(crate) fan_three: f64,
    pub(crate) fan_one: f64,
    pub(crate) per_event_us: f64,
    pub(crate) peak_kb: u64,
    pub(crate) growth_kb: i64,
}

impl Report<'_> {
    pub(crate) fn figures(&self) -> Figures {
        let init = median(&sorted(self.starts.webhook.iter().map(|s| s.init)));
        let init_bare = median(&sorted(self.starts.bare.iter().map(|s| s.init)));
        let first = median(&sorted(
            self.starts.webhook.iter().map(|s| s.first_invocation),
        ));
        let warm = median(&sorted(self.run.warm.iter().copied()));
        let fan_three = median(&sorted(self.fanout.three.iter().copied()));
        let fan_one = median(&sorted(self.fanout.one.iter().copied()));
        let per_event_us = self
            .criterion
            .get(&format!("{THREE}/pipeline"))
            .map_or(f64::NAN, |c| c.0 / 1000.0);
        let peak_kb = self
            .run
            .samples
            .iter()
            .map(|(_, m)| m.peak_kb)
            .max()
            .unwrap_or(0);
        let rss_at = |n: usize| {
            self.run
                .samples
                .iter()
                .find(|(i, _)| *i >= n)
                .map_or(0, |(_, m)| m.rss_kb) as i64
        };
        let last = self.run.samples.last().map_or(0, |(_, m)| m.rss_kb) as i64;
        Figures {
            init,
            init_bare,
            first,
            warm,
            fan_three,
            fan_one,
            per_event_us,
            peak_kb,
            growth_kb: last - rss_at(100),
        }
    }

    pub(crate) fn markdown(&self) -> String {
        let f = self.figures();
        let o = self.options;
        let m = &self.machine;
        let mut s = String::new();
        let _ = writeln!(s, "{START}");
        let _ = writeln!(
            s,
            "Run of `bench/run.sh` finished {} (suite {:.0} s). Machine: {}, {} cores, {:.0} GiB, {}; {}; moto {}. \
             Load average (1/5/15 min) {} at the start, {} at the end: the machine was shared with other builds, \
             which is why CPU time and instruction counts are given beside wall times.\n",
            utc_now(),
            self.took.as_secs_f64(),
            m.cpu,
            m.cores,
            m.memory_gib,
            m.kernel,
            m.rustc,
            m.moto,
            m.load_before,
            load_average(),
        );

        self.reference_table(&mut s);

        let _ = writeln!(s, "### Summary\n");
        let _ = writeln!(
            s,
            "| Measure | webhook | bare `lambda_runtime` | Result | Target | |"
        );
        let _ = writeln!(s, "|---|---:|---:|---:|---|---|");
        let init_ratio = f.init / f.init_bare;
        let _ = writeln!(
            s,
            "| Init: `exec` → first `GET …/invocation/next`, median of {} starts (x86_64 release) | {:.2} ms | {:.2} ms | {:.1}× | ≤ 1.5× | {} |",
            o.starts,
            f.init,
            f.init_bare,
            init_ratio,
            verdict(init_ratio <= 1.5)
        );
        let before = median(&sorted(self.starts.webhook.iter().map(|s| s.before_aws)));
        let after = median(&sorted(self.starts.webhook.iter().map(|s| s.after_aws)));
        let local = median(&sorted(
            self.starts
                .webhook
                .iter()
                .map(|s| s.before_aws + s.after_aws),
        ));
        let _ = writeln!(
            s,
            "| ↳ init without its AWS calls (before the first + after the last) | {:.2} ms | {:.2} ms | {:.1}× | | |",
            local,
            f.init_bare,
            local / f.init_bare
        );
        let first_ratio = f.first / f.warm;
        let _ = writeln!(
            s,
            "| First invocation, 3 messages, moto (median of {} cold starts) | {:.2} ms | | | | |",
            o.starts, f.first
        );
        let _ = writeln!(
            s,
            "| Warm invocation, 3 messages, moto (median of {}) | {:.2} ms | | first / warm = {:.2}× | ≤ 3× | {} |",
            self.run.warm.len().min(o.invocations.saturating_sub(1)),
            f.warm,
            first_ratio,
            verdict(first_ratio <= 3.0)
        );
        let fan_ratio = f.fan_three / f.fan_one;
        let _ = writeln!(
            s,
            "| Fan-out, {} ms before each SES/SNS call: 3 messages / 1 message | {:.1} / {:.1} ms | | {:.2} | ≤ 1.3 | {} |",
            o.delay.as_millis(),
            f.fan_three,
            f.fan_one,
            fan_ratio,
            verdict(fan_ratio <= 1.3)
        );
        let _ = writeln!(
            s,
            "| Parse + plan + render, 3 messages (criterion median) | {:.1} µs | | | ≤ 100 µs | {} |",
            f.per_event_us,
            verdict(f.per_event_us <= 100.0)
        );
        if let Some((_, n)) = self
            .callgrind
            .as_ref()
            .and_then(|c| c.per_event.iter().find(|(e, _)| e == THREE))
        {
            let _ = writeln!(
                s,
                "| ↳ instructions per event (callgrind) | {} | | | | |",
                instructions(*n)
            );
        }
        let bare_peak = self
            .bare_run
            .samples
            .iter()
            .map(|(_, m)| m.peak_kb)
            .max()
            .unwrap_or(0);
        let flat = f.growth_kb <= 512;
        let _ = writeln!(
            s,
            "| Peak RSS (VmHWM) over {} invocations | {} | {} | | ≤ 32 MB | {} |",
            o.invocations,
            mb_kb(f.peak_kb),
            mb_kb(bare_peak),
            verdict(f.peak_kb * 1024 <= 32_000_000)
        );
        let _ = writeln!(
            s,
            "| RSS growth from invocation 100 to {} | {:+} kB | | | flat | {} |",
            o.invocations,
            f.growth_kb,
            verdict(flat)
        );
        match (self.sizes.webhook_arm64, self.sizes.webhook_zip) {
            (Some(bin), Some(zip)) => {
                let _ = writeln!(
                    s,
                    "| arm64 `bootstrap` / its zip | {} / {} | {} / {} | | zip ≤ 5 MB | {} |",
                    mib(bin),
                    mib(zip),
                    self.sizes.bare_arm64.map_or("–".into(), mib),
                    self.sizes.bare_zip.map_or("–".into(), mib),
                    verdict(zip <= 5_000_000)
                );
            }
            _ => {
                let _ = writeln!(
                    s,
                    "| arm64 `bootstrap` / its zip | not built | | | zip ≤ 5 MB | – |"
                );
            }
        }

        // Init in detail.
        let _ = writeln!(
            s,
            "\n### Init ({} cold starts each, alternating; median (p10–p90))\n",
            o.starts
        );
        let _ = writeln!(s, "| | webhook | reference | bare |");
        let _ = writeln!(s, "|---|---:|---:|---:|");
        let w = &self.starts.webhook;
        let r = &self.starts.reference;
        let b = &self.starts.bare;
        let _ = writeln!(
            s,
            "| wall: `exec` → first `/next` | {} | {} | {} |",
            spread(&sorted(w.iter().map(|s| s.init))),
            spread(&sorted(r.iter().map(|s| s.init))),
            spread(&sorted(b.iter().map(|s| s.init)))
        );
        let _ = writeln!(
            s,
            "| ↳ `exec` → first connection to AWS | {} | {} | |",
            spread(&sorted(w.iter().map(|s| s.before_aws))),
            spread(&sorted(r.iter().map(|s| s.before_aws)))
        );
        let _ = writeln!(
            s,
            "| ↳ AWS calls at init ({} requests to moto: secret AWSCURRENT + AWSPREVIOUS, DynamoDB GetItem; concurrent) | {} | {} | |",
            w.first().map_or(0, |s| s.aws_requests),
            spread(&sorted(w.iter().map(|s| s.aws))),
            spread(&sorted(r.iter().map(|s| s.aws)))
        );
        let _ = writeln!(
            s,
            "| ↳ last AWS answer → first `/next` (templates, runtime) | {} | {} | |",
            spread(&sorted(w.iter().map(|s| s.after_aws))),
            spread(&sorted(r.iter().map(|s| s.after_aws)))
        );
        let _ = writeln!(
            s,
            "| CPU time, all threads, at first `/next` | {} | {} | {} |",
            spread(&sorted(w.iter().map(|s| s.cpu))),
            spread(&sorted(r.iter().map(|s| s.cpu))),
            spread(&sorted(b.iter().map(|s| s.cpu)))
        );
        let _ = writeln!(
            s,
            "| CPU time, all threads, at the first response | {} | {} | {} |",
            spread(&sorted(w.iter().map(|s| s.cold_cpu))),
            spread(&sorted(r.iter().map(|s| s.cold_cpu))),
            spread(&sorted(b.iter().map(|s| s.cold_cpu)))
        );
        let rss = |v: &[Start]| {
            let mut kb: Vec<u64> = v.iter().map(|s| s.rss_kb).collect();
            kb.sort();
            mb_kb(kb.get(kb.len() / 2).copied().unwrap_or(0))
        };
        let _ = writeln!(
            s,
            "| RSS after init | {} | {} | {} |",
            rss(w),
            rss(r),
            rss(b)
        );
        if let Some(c) = &self.callgrind {
            let show = |n: Option<u64>| n.map_or("–".into(), instructions);
            let _ = writeln!(
                s,
                "| instructions, `exec` → first `/next` (callgrind) | {} | {} | {} |",
                show(c.init_webhook),
                show(c.init_reference),
                show(c.init_bare)
            );
        }
        let _ = writeln!(
            s,
            "\n(`before` + `after` = {:.2} ms + {:.2} ms: the medians of the parts need not add up to the median of the whole.)",
            before, after
        );

        // Latency.
        let warm = sorted(self.run.warm.iter().copied());
        let first = sorted(w.iter().map(|s| s.first_invocation));
        let _ = writeln!(
            s,
            "\n### Invocation latency against moto (Runtime API request → response)\n"
        );
        let _ = writeln!(s, "| | median | p10 | p90 | n |");
        let _ = writeln!(s, "|---|---:|---:|---:|---:|");
        let row = |s: &mut String, label: &str, v: &[f64]| {
            let _ = writeln!(
                s,
                "| {label} | {:.2} ms | {:.2} ms | {:.2} ms | {} |",
                median(v),
                percentile(v, 10.0),
                percentile(v, 90.0),
                v.len()
            );
        };
        row(
            &mut s,
            "webhook, first invocation after a cold start, 3 messages",
            &first,
        );
        row(&mut s, "webhook, warm, 3 messages", &warm);
        row(
            &mut s,
            "webhook, warm, 1 email (`recall`)",
            &sorted(self.run.warm_one.iter().copied()),
        );
        row(
            &mut s,
            "reference, first invocation after a cold start, 3 messages",
            &sorted(r.iter().map(|s| s.first_invocation)),
        );
        row(
            &mut s,
            "reference, warm, 3 messages",
            &sorted(self.reference_run.warm.iter().copied()),
        );
        row(
            &mut s,
            "bare, first invocation",
            &sorted(b.iter().map(|s| s.first_invocation)),
        );
        row(
            &mut s,
            "bare, warm",
            &sorted(self.bare_run.warm.iter().copied()),
        );

        // Fan-out.
        let three = sorted(self.fanout.three.iter().copied());
        let one = sorted(self.fanout.one.iter().copied());
        let _ = writeln!(
            s,
            "\n### Fan-out ({} ms added before every SES and SNS request by a proxy; {} delayed requests seen)\n",
            o.delay.as_millis(),
            self.fanout.delayed_requests
        );
        let _ = writeln!(s, "| | median | p10 | p90 | n |");
        let _ = writeln!(s, "|---|---:|---:|---:|---:|");
        row(&mut s, "3 messages (email, SMS, email)", &three);
        row(&mut s, "1 email", &one);
        let checked = sorted(self.fanout.three_checked.iter().copied());
        row(
            &mut s,
            "3 messages, SNS's opt-out check on (as deployed)",
            &checked,
        );
        let _ = writeln!(
            s,
            "\nRatio {:.2}. Sent one after another, the three messages would take at least {:.0} ms more than one \
             (ratio ≥ {:.2}).",
            fan_ratio,
            2.0 * o.delay.as_secs_f64() * 1000.0,
            (f.fan_one + 2.0 * o.delay.as_secs_f64() * 1000.0) / f.fan_one
        );
        let _ = writeln!(
            s,
            "The first two rows turn SNS's opt-out check off (`BOOXI_SMS_OPT_OUT_CHECK=false`) to \
             measure the sends alone. As deployed, `CheckIfPhoneNumberIsOptedOut` is asked for the \
             SMS's number (while the store is read) before the SMS goes: one more delayed SNS \
             call, {:.1} ms more here; on AWS one SNS round trip (tens of milliseconds) for each \
             number not asked in the last 10 minutes.",
            median(&checked) - f.fan_three
        );
        let warm_one = median(&sorted(self.run.warm_one.iter().copied()));
        let _ = writeln!(
            s,
            "What the delay added: {:.1} ms to the three-message event and {:.1} ms to the one-message \
             event (delayed median minus the warm median without delay above), a ratio of {:.2}: the three \
             sends wait for the delay together. The rest of the difference between the two events, \
             {:.1} ms without any delay, is moto's own time for the two extra sends and the two extra \
             DynamoDB writes (`record_sent`).",
            f.fan_three - f.warm,
            f.fan_one - warm_one,
            (f.fan_three - f.warm) / (f.fan_one - warm_one),
            f.warm - warm_one
        );

        // Per-event CPU.
        let _ = writeln!(
            s,
            "\n### Per-event CPU (criterion median, release profile; callgrind instructions per event)\n"
        );
        let _ = writeln!(
            s,
            "| event | parse + plan + render | parse | plan | render | instructions |"
        );
        let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|");
        for event in SCENARIOS {
            let c = |group: &str| {
                self.criterion
                    .get(&format!("{event}/{group}"))
                    .map_or("–".into(), |(p, _, _)| format!("{:.2} µs", p / 1000.0))
            };
            let inst = self
                .callgrind
                .as_ref()
                .and_then(|c| c.per_event.iter().find(|(e, _)| e == event))
                .map_or("–".into(), |(_, n)| instructions(*n));
            let _ = writeln!(
                s,
                "| `{event}` | {} | {} | {} | {} | {} |",
                c("pipeline"),
                c("parse"),
                c("plan"),
                c("render"),
                inst
            );
        }
        if let Some((p, _, _)) = self.criterion.get("init/renderer") {
            let _ = writeln!(
                s,
                "\nAt init, building the pipeline (configuration and `Renderer::new`; labels and built-in templates load on first use) takes {:.1} µs.",
                p / 1e3
            );
        }
        if let Some(c) = &self.callgrind {
            let _ = writeln!(
                s,
                "\nInstructions are counted by {} (`pipeline-iter`, warm process: (N = 10) − (N = 0), over 10). \
                 Once per process, not per event: process start + `Renderer::new` {} instructions; \
                 the first event of a process {} instructions more than a warm one.",
                c.version,
                instructions(c.pipeline_new),
                instructions(c.first_event)
            );
        }

        // Memory.
        let _ = writeln!(
            s,
            "\n### Memory over {} invocations (`/proc/<pid>/status`)\n",
            o.invocations
        );
        let _ = writeln!(
            s,
            "| invocations | webhook VmRSS | webhook VmHWM | bare VmRSS | bare VmHWM |"
        );
        let _ = writeln!(s, "|---:|---:|---:|---:|---:|");
        for ((n, ours), (_, bare)) in self.run.samples.iter().zip(&self.bare_run.samples) {
            let _ = writeln!(
                s,
                "| {n} | {} | {} | {} | {} |",
                mb_kb(ours.rss_kb),
                mb_kb(ours.peak_kb),
                mb_kb(bare.rss_kb),
                mb_kb(bare.peak_kb)
            );
        }

        // Size.
        let _ = writeln!(
            s,
            "\n### Size (release profile: opt-level 3, fat LTO, 1 codegen unit, stripped)\n"
        );
        let _ = writeln!(s, "| | webhook | reference | bare |");
        let _ = writeln!(s, "|---|---:|---:|---:|");
        let opt = |v: Option<u64>| v.map_or("–".into(), mib);
        let _ = writeln!(
            s,
            "| arm64 `bootstrap` (`cargo lambda build --release --arm64`) | {} | {} | {} |",
            opt(self.sizes.webhook_arm64),
            opt(self.sizes.reference_arm64),
            opt(self.sizes.bare_arm64)
        );
        let _ = writeln!(
            s,
            "| its zip (`zip -9`) | {} | {} | {} |",
            opt(self.sizes.webhook_zip),
            opt(self.sizes.reference_zip),
            opt(self.sizes.bare_zip)
        );
        let _ = writeln!(
            s,
            "| x86_64 release binary (the one timed above) | {} | {} | {} |",
            mib(self.sizes.webhook_x86),
            mib(self.sizes.reference_x86),
            mib(self.sizes.bare_x86)
        );
        let _ = writeln!(
            s,
            "\nmoto recorded {} emails and {} SMS over the run; every invocation was checked to answer 200 `processed` with all its messages sent.",
            self.sent.0, self.sent.1
        );
        let _ = writeln!(s, "{END}");
        s
    }

    /// The webhook against the hand-written reference, built for speed and with the
    /// workspace's release profile (and the bare function), the ratios the cold-path
    /// targets are stated in: the headline is against the reference built for speed.
    pub(crate) fn reference_table(&self, s: &mut String) {
        let o = self.options;
        let (w, f, r, b) = (
            &self.starts.webhook,
            &self.starts.reference_fast,
            &self.starts.reference,
            &self.starts.bare,
        );
        let med = |v: &[Start], g: &dyn Fn(&Start) -> Duration| median(&sorted(v.iter().map(g)));
        let _ = writeln!(
            s,
            "### Against the hand-written reference\n\n\
             The confirmation (`{THREE}`: client email, client SMS, staff email) through the \
             webhook and through `reference-lambda` (`bench/reference`: the same SDK clients and \
             AWS calls, fixed strings), under the same Runtime API against the same moto; the \
             bare `lambda_runtime` function for scale. The reference is built twice: *fast*, the \
             way a developer building for speed would (`--profile fast`: opt-level 3, thin LTO, \
             one codegen unit) — the headline, since it is the reference a user would pick — and \
             with the workspace's release profile (opt-level 3, fat LTO), which compares code \
             alone. Cold: median of {} starts of each, in rotating order. Warm: one process \
             each, {} invocations after the first, the functions taking turns. CPU is all threads \
             (`/proc/<pid>/task/*/schedstat`).\n",
            o.starts,
            self.run.warm.len()
        );
        let _ = writeln!(
            s,
            "| Measure | webhook | reference, fast | reference, release profile | bare | webhook / fast | Target | | webhook / release profile |"
        );
        let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---|---|---:|");
        let ratio_row = |s: &mut String,
                         label: &str,
                         x: f64,
                         fast: f64,
                         y: f64,
                         z: f64,
                         target: Option<f64>| {
            let ratio = x / fast;
            let (t, v) = match target {
                Some(t) => (format!("≤ {t}×"), verdict(ratio <= t).to_owned()),
                None => (String::new(), String::new()),
            };
            let _ = writeln!(
                s,
                "| {label} | {x:.2} ms | {fast:.2} ms | {y:.2} ms | {z:.2} ms | {ratio:.2}× | {t} | {v} | {:.2}× |",
                x / y
            );
        };
        ratio_row(
            s,
            "**Cold CPU**, `exec` → first response (init + first invocation)",
            med(w, &|s| s.cold_cpu),
            med(f, &|s| s.cold_cpu),
            med(r, &|s| s.cold_cpu),
            med(b, &|s| s.cold_cpu),
            Some(1.15),
        );
        ratio_row(
            s,
            "↳ CPU at the first `GET …/invocation/next` (init)",
            med(w, &|s| s.cpu),
            med(f, &|s| s.cpu),
            med(r, &|s| s.cpu),
            med(b, &|s| s.cpu),
            None,
        );
        ratio_row(
            s,
            "**Warm CPU** per event (mean over the warm run)",
            self.run.warm_cpu_ms(),
            self.reference_fast_run.warm_cpu_ms(),
            self.reference_run.warm_cpu_ms(),
            self.bare_run.warm_cpu_ms(),
            Some(1.15),
        );
        ratio_row(
            s,
            "Wall: `exec` → first response",
            med(w, &|s| s.init + s.first_invocation),
            med(f, &|s| s.init + s.first_invocation),
            med(r, &|s| s.init + s.first_invocation),
            med(b, &|s| s.init + s.first_invocation),
            None,
        );
        ratio_row(
            s,
            "↳ wall: init (`exec` → first `/next`)",
            med(w, &|s| s.init),
            med(f, &|s| s.init),
            med(r, &|s| s.init),
            med(b, &|s| s.init),
            None,
        );
        ratio_row(
            s,
            "↳ wall: first invocation",
            med(w, &|s| s.first_invocation),
            med(f, &|s| s.first_invocation),
            med(r, &|s| s.first_invocation),
            med(b, &|s| s.first_invocation),
            None,
        );
        // Each page a process touches first costs a trip into the kernel, which the CPU
        // time above counts: the binary's pages, the heap init builds, the stacks.
        let faults = |v: &[Start], g: &dyn Fn(&Start) -> u64| {
            let mut n: Vec<u64> = v.iter().map(g).collect();
            n.sort();
            n.get(n.len() / 2).copied().unwrap_or(0)
        };
        for (label, g) in [
            (
                "Minor page faults, `exec` → first response (median)",
                &(|s: &Start| s.cold_faults) as &dyn Fn(&Start) -> u64,
            ),
            (
                "↳ page faults at the first `/next` (init)",
                &|s: &Start| s.init_faults,
            ),
        ] {
            let (x, fast, y, z) = (faults(w, g), faults(f, g), faults(r, g), faults(b, g));
            let _ = writeln!(
                s,
                "| {label} | {x} | {fast} | {y} | {z} | {:.2}× | | | {:.2}× |",
                x as f64 / fast.max(1) as f64,
                x as f64 / y.max(1) as f64
            );
        }
        let warm = |run: &Run| median(&sorted(run.warm.iter().copied()));
        ratio_row(
            s,
            "Wall: warm invocation (median)",
            warm(&self.run),
            warm(&self.reference_fast_run),
            warm(&self.reference_run),
            warm(&self.bare_run),
            None,
        );
        let peak = |run: &Run| {
            run.samples
                .iter()
                .map(|(_, m)| m.peak_kb)
                .max()
                .unwrap_or(0)
        };
        let _ = writeln!(
            s,
            "| Peak RSS (VmHWM) over {} invocations | {} | {} | {} | {} | {:.2}× | | | {:.2}× |",
            o.invocations,
            mb_kb(peak(&self.run)),
            mb_kb(peak(&self.reference_fast_run)),
            mb_kb(peak(&self.reference_run)),
            mb_kb(peak(&self.bare_run)),
            peak(&self.run) as f64 / peak(&self.reference_fast_run).max(1) as f64,
            peak(&self.run) as f64 / peak(&self.reference_run).max(1) as f64
        );
        let z = &self.sizes;
        match (z.webhook_zip, z.reference_zip) {
            (Some(wz), Some(rz)) => {
                let _ = writeln!(
                    s,
                    "| arm64 zip (`zip -9` of `bootstrap`) | {} | not built | {} | {} | | | | {:.2}× |",
                    mib(wz),
                    mib(rz),
                    z.bare_zip.map_or("–".into(), mib),
                    wz as f64 / rz as f64
                );
            }
            _ => {
                let _ = writeln!(
                    s,
                    "| arm64 zip | not built | not built | not built | | | | | |"
                );
            }
        }
        if let Some(c) = &self.callgrind
            && let (Some(wi), Some(ri)) = (c.init_webhook, c.init_reference)
        {
            let _ = writeln!(
                s,
                "| Instructions, `exec` → first `/next` (callgrind) | {} | | {} | {} | | | | {:.2}× |",
                instructions(wi),
                instructions(ri),
                c.init_bare.map_or("–".into(), instructions),
                wi as f64 / ri as f64
            );
        }
        let _ = writeln!(s);
    }

    pub(crate) fn json(&self) -> Value {
        let ms = |v: &[Duration]| {
            v.iter()
                .map(|d| d.as_secs_f64() * 1000.0)
                .collect::<Vec<_>>()
        };
        let starts = |v: &[Start]| {
            v.iter()
                .map(|s| {
                    json!({
                        "init_ms": s.init.as_secs_f64() * 1000.0,
                        "cpu_ms": s.cpu.as_secs_f64() * 1000.0,
                        "rss_kb": s.rss_kb,
                        "before_aws_ms": s.before_aws.as_secs_f64() * 1000.0,
                        "aws_ms": s.aws.as_secs_f64() * 1000.0,
                        "after_aws_ms": s.after_aws.as_secs_f64() * 1000.0,
                        "first_invocation_ms": s.first_invocation.as_secs_f64() * 1000.0,
                        "cold_cpu_ms": s.cold_cpu.as_secs_f64() * 1000.0,
                        "init_minor_faults": s.init_faults,
                        "cold_minor_faults": s.cold_faults,
                    })
                })
                .collect::<Vec<_>>()
        };
        let samples = |r: &Run| {
            r.samples
                .iter()
                .map(|(n, m)| json!([n, m.rss_kb, m.peak_kb]))
                .collect::<Vec<_>>()
        };
        json!({
            "starts": {"webhook": starts(&self.starts.webhook), "reference": starts(&self.starts.reference), "reference_fast": starts(&self.starts.reference_fast), "bare": starts(&self.starts.bare)},
            "run": {"first_ms": self.run.first.as_secs_f64() * 1000.0, "warm_ms": ms(&self.run.warm), "warm_one_ms": ms(&self.run.warm_one), "warm_cpu_ms": self.run.warm_cpu_ms(), "memory": samples(&self.run)},
            "reference_run": {"warm_ms": ms(&self.reference_run.warm), "warm_cpu_ms": self.reference_run.warm_cpu_ms(), "memory": samples(&self.reference_run)},
            "reference_fast_run": {"warm_ms": ms(&self.reference_fast_run.warm), "warm_cpu_ms": self.reference_fast_run.warm_cpu_ms(), "memory": samples(&self.reference_fast_run)},
            "bare_run": {"warm_ms": ms(&self.bare_run.warm), "warm_cpu_ms": self.bare_run.warm_cpu_ms(), "memory": samples(&self.bare_run)},
            "fanout": {"three_ms": ms(&self.fanout.three), "one_ms": ms(&self.fanout.one), "three_checked_ms": ms(&self.fanout.three_checked), "delay_ms": self.options.delay.as_millis() as u64},
            "criterion_ns": self.criterion.iter().map(|(k, v)| (k.clone(), json!(v.0))).collect::<serde_json::Map<_, _>>(),
            "callgrind": self.callgrind.as_ref().map(|c| json!({
                "per_event": c.per_event.iter().map(|(e, n)| (e.clone(), json!(n))).collect::<serde_json::Map<_, _>>(),
                "first_event": c.first_event,
                "pipeline_new": c.pipeline_new,
                "init_webhook": c.init_webhook,
                "init_reference": c.init_reference,
                "init_bare": c.init_bare,
            })),
            "sizes": {
                "webhook_x86": self.sizes.webhook_x86, "bare_x86": self.sizes.bare_x86,
                "webhook_arm64": self.sizes.webhook_arm64, "webhook_zip": self.sizes.webhook_zip,
                "reference_x86": self.sizes.reference_x86,
                "reference_arm64": self.sizes.reference_arm64, "reference_zip": self.sizes.reference_zip,
                "bare_arm64": self.sizes.bare_arm64, "bare_zip": self.sizes.bare_zip,
            },
        })
    }
}

pub(crate) fn utc_now() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%d %H:%M UTC")
        .to_string()
}

/// Replaces the generated part of BENCHMARKS.md (between the markers), keeping the rest.
pub(crate) fn write_benchmarks(path: &Path, table: &str) {
    let existing = std::fs::read_to_string(path).unwrap_or_default();
    let text = match (existing.find(START), existing.find(END)) {
        (Some(a), Some(b)) if a < b => format!(
            "{}{}{}",
            &existing[..a],
            table.trim_end(),
            &existing[b + END.len()..]
        ),
        _ => format!("# Benchmarks\n\n{table}"),
    };
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}
