//! What the CLI's test files share: the repository's root, and the binary run from it
//! with none of the caller's `BOOXI_*` settings (each test sets what it means to).
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `booxi-notify`, from the repository's root, without the caller's `BOOXI_*` variables.
pub fn booxi_notify() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_booxi-notify"));
    command.current_dir(root());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("BOOXI_") {
            command.env_remove(key);
        }
    }
    command
}

/// Runs `booxi-notify args…` to the end.
pub fn run(args: &[&str]) -> Output {
    booxi_notify()
        .args(args)
        .output()
        .expect("booxi-notify runs")
}

/// Standard output, one JSON value per line.
pub fn lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}
