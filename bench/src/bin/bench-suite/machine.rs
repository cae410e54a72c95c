//! What was measured on: the machine, and the sizes of the binaries and zips.

use std::path::Path;
use std::process::Command;

use crate::Options;

pub(crate) struct Sizes {
    pub(crate) webhook_x86: u64,
    pub(crate) reference_x86: u64,
    pub(crate) bare_x86: u64,
    pub(crate) webhook_arm64: Option<u64>,
    pub(crate) webhook_zip: Option<u64>,
    pub(crate) reference_arm64: Option<u64>,
    pub(crate) reference_zip: Option<u64>,
    pub(crate) bare_arm64: Option<u64>,
    pub(crate) bare_zip: Option<u64>,
}

impl Sizes {
    pub(crate) fn read(options: &Options, webhook: &Path, reference: &Path, bare: &Path) -> Sizes {
        let size = |p: &Path| std::fs::metadata(p).ok().map(|m| m.len());
        let arm = |name: &str| size(&options.arm64_dir.join(name));
        Sizes {
            webhook_x86: size(webhook).unwrap_or(0),
            reference_x86: size(reference).unwrap_or(0),
            bare_x86: size(bare).unwrap_or(0),
            webhook_arm64: arm("webhook/bootstrap"),
            webhook_zip: arm("webhook.zip"),
            reference_arm64: arm("reference-lambda/bootstrap"),
            reference_zip: arm("reference-lambda.zip"),
            bare_arm64: arm("bare-lambda/bootstrap"),
            bare_zip: arm("bare-lambda.zip"),
        }
    }
}

pub(crate) struct Machine {
    pub(crate) cpu: String,
    pub(crate) cores: usize,
    pub(crate) memory_gib: f64,
    pub(crate) kernel: String,
    pub(crate) rustc: String,
    pub(crate) moto: String,
    pub(crate) load_before: String,
}

pub(crate) fn first_line(command: &mut Command) -> String {
    command
        .output()
        .ok()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned()
        })
        .unwrap_or_default()
}

pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

impl Machine {
    pub(crate) fn read() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| {
                l.strip_prefix("model name")
                    .and_then(|v| v.split_once(':'))
                    .map(|(_, v)| v.trim().to_owned())
            })
            .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_kb: f64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0.0);
        let moto = testkit::moto::moto_binary();
        let moto_python = moto.with_file_name("python");
        Machine {
            cpu,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_gib: memory_kb / 1024.0 / 1024.0,
            kernel: first_line(Command::new("uname").arg("-sr")),
            rustc: first_line(Command::new("rustc").arg("-V")),
            moto: first_line(
                Command::new(moto_python).args(["-c", "import moto; print(moto.__version__)"]),
            ),
            load_before: load_average(),
        }
    }
}
