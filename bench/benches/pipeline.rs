//! Per-event CPU of the webhook's pure work, per sample event: `<event>/pipeline` is
//! parse + plan + render (the figure BENCHMARKS.md reports), `<event>/parse`, `/plan` and
//! `/render` its parts; `init/renderer` what the pipeline builds once at init (configuration, labels; templates compile on first use);
//! `auth/signature` the Signature mode's HMAC check, `root-envelope-without-id/parse` the
//! parse of a body whose id is derived from its content. Run by `bench/run.sh`; CI only builds it (`cargo bench --no-run`).

use std::hint::black_box;
use std::time::Duration;

use booxi_notify_bench::pipeline::{Pipeline, SCENARIOS, booxi_body};
use criterion::{Criterion, criterion_group, criterion_main};

// The webhook's allocator, so that the figures are the function's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn benches(c: &mut Criterion) {
    // What Lambda init spends on templates (once per cold start, not per event).
    c.benchmark_group("init")
        .bench_function("renderer", |b| b.iter(Pipeline::new));

    let pipeline = Pipeline::new();
    // One group per event, its stages measured one after the other, so that a change in
    // the machine's load between groups does not skew the stages against each other.
    for name in SCENARIOS {
        let body = booxi_body(name);
        let event = pipeline.parse(&body);
        let plan = pipeline.plan(&event);
        let mut group = c.benchmark_group(*name);
        group.bench_function("pipeline", |b| b.iter(|| pipeline.run(black_box(&body))));
        group.bench_function("parse", |b| b.iter(|| pipeline.parse(black_box(&body))));
        group.bench_function("plan", |b| b.iter(|| pipeline.plan(black_box(&event))));
        group.bench_function("render", |b| {
            b.iter(|| pipeline.render(black_box(&event), black_box(&plan)))
        });
        group.finish();
    }

    // Signature mode: the HMAC-SHA256 check of a body against two secrets (current and
    // previous), and the parse of an id-less body (its id hashed from its content).
    let body = booxi_body("confirmation-created");
    let signature = booxi_notify::doors::auth::sign_hex("previous", &body);
    let secrets = ["current".to_owned(), "previous".to_owned()];
    let mut group = c.benchmark_group("auth");
    group.bench_function("signature", |b| {
        b.iter(|| {
            booxi_notify::doors::auth::signature_matches(
                black_box(&body),
                black_box(&signature),
                black_box(&secrets),
            )
        })
    });
    group.finish();
    let id_less = booxi_body("root-envelope-without-id");
    c.benchmark_group("root-envelope-without-id")
        .bench_function("parse", |b| b.iter(|| pipeline.parse(black_box(&id_less))));
}

criterion_group! {
    name = pipeline;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50);
    targets = benches
}
criterion_main!(pipeline);
