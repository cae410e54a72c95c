//! `booxi-notify`: run the notification pipeline on files, on a laptop, with no AWS.

use std::path::PathBuf;
use std::process::ExitCode;

use booxi_notify::config::{Config, ENV_CONFIG};
use booxi_notify::{Event, input, rules};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "booxi-notify", version, about = "Booxi webhook events to client and staff notifications")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the messages each event calls for, one JSON object per line.
    Plan {
        /// Configuration file (TOML); default: $BOOXI_CONFIG, else built-in defaults.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Write to stderr why each rule matched or not, and why messages were skipped.
        #[arg(long)]
        explain: bool,
        /// Raw Booxi bodies, or API Gateway events (v1 or v2) that wrap one.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Plan {
            config,
            explain,
            files,
        } => plan(config, explain, &files),
    }
}

fn load_config(path: Option<PathBuf>) -> Result<Config, String> {
    let path = path.or_else(|| std::env::var_os(ENV_CONFIG).map(PathBuf::from));
    Config::load(path.as_deref(), |k| std::env::var(k).ok()).map_err(|e| e.to_string())
}

fn plan(config: Option<PathBuf>, explain: bool, files: &[PathBuf]) -> ExitCode {
    let config = match load_config(config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let mut failed = false;
    for file in files {
        let shown = file.display();
        let event = std::fs::read(file)
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|bytes| input::booxi_body(&bytes).map_err(|e| e.to_string()))
            .and_then(|body| Event::parse(&body, config.default_country).map_err(|e| e.to_string()));
        let event = match event {
            Ok(event) => event,
            Err(problem) => {
                eprintln!("{shown}: {problem}");
                failed = true;
                continue;
            }
        };
        let plan = rules::plan(&event, &config);
        if explain {
            eprint!("{shown}: event {} ({})\n{}", event.id, event.event_type.name(), plan.explain());
        }
        for n in &plan.notifications {
            match serde_json::to_string(n) {
                Ok(line) => println!("{line}"),
                Err(e) => {
                    eprintln!("{shown}: cannot write the plan: {e}");
                    failed = true;
                }
            }
        }
    }
    if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS }
}
