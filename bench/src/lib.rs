//! Benchmarks of the webhook Lambda, side by side with a bare `lambda_runtime` function.
//!
//! - [`pipeline`]: the per-event CPU work (parse, plan, render), shared by the criterion
//!   benches (`benches/pipeline.rs`) and the callgrind driver (`src/bin/pipeline-iter.rs`);
//!
//! The suite runner (`src/bin/bench-suite/`, started by `bench/run.sh`) runs the
//! functions under the workspace's test kit (`testkit/`: moto, a Lambda Runtime API, a
//! delaying TCP proxy and process probes), the same one the end-to-end tests use.

pub mod pipeline;
