//! Per-event CPU of the webhook's pure work, per sample event: `<event>/pipeline` is
//! parse + plan + render (the figure BENCHMARKS.md reports), `<event>/parse`, `/plan` and
//! `/render` its parts; `init/renderer` the template compilation done once at init. Run by `bench/run.sh`; CI only builds it (`cargo bench --no-run`).

use std::hint::black_box;
use std::time::Duration;

use booxi_notify_bench::pipeline::{Pipeline, SCENARIOS, booxi_body};
use criterion::{Criterion, criterion_group, criterion_main};

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
