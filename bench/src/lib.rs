//! Benchmarks of the webhook Lambda, side by side with a bare `lambda_runtime` function.
//!
//! - [`pipeline`]: the per-event CPU work (parse, plan, render), shared by the criterion
//!   benches (`benches/pipeline.rs`) and the callgrind driver (`src/bin/pipeline-iter.rs`);
//! - [`harness`]: moto, a Lambda Runtime API, a delaying TCP proxy and process probes,
//!   used by the suite runner (`src/bin/bench-suite.rs`, started by `bench/run.sh`).

pub mod harness;
pub mod pipeline;
