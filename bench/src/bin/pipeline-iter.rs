//! The callgrind driver: `pipeline-iter EVENT N` builds the pipeline once (as Lambda
//! init does), runs parse + plan + render of `events/confirmation-created.json` once as a
//! warm-up (the first event of a process pays one-time costs, such as loading the phone
//! number metadata), then that of `events/EVENT.json` N times. The suite runs it under
//! `valgrind --tool=callgrind` with N = 0 (the baseline) and N = 10: the difference of the
//! instruction counts over 10 is the per-event count of a warm process. `pipeline-iter -`
//! only builds the pipeline (no event at all): the baseline minus that is the one-time
//! cost of a process's first event.

use std::hint::black_box;

// The webhook's allocator, so that the counts are the function's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use booxi_notify_bench::pipeline::{Pipeline, booxi_body};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(event), Some(n)) = (
        args.next(),
        args.next()
            .or(Some("0".into()))
            .and_then(|n| n.parse::<u32>().ok()),
    ) else {
        eprintln!("usage: pipeline-iter EVENT N");
        std::process::exit(2);
    };
    let pipeline = Pipeline::new();
    if event == "-" {
        println!("{}", black_box(&pipeline).config.default_country.code());
        return;
    }
    let warm_up = booxi_body("confirmation-created");
    let body = booxi_body(&event);
    let mut bytes = pipeline.run(black_box(&warm_up));
    for _ in 0..n {
        bytes += pipeline.run(black_box(&body));
    }
    println!("{bytes}");
}
