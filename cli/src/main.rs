//! `booxi-notify`: run the notification pipeline on files, on a laptop, with no AWS.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use booxi_notify::config::{Config, ENV_CONFIG};
use booxi_notify::contact::EmailAddress;
use booxi_notify::notification::{Notification, audience_name, channel_name};
use booxi_notify::render::{Envelope, Message, RenderConfig, Renderer};
use booxi_notify::{Event, input, rules};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "booxi-notify",
    version,
    about = "Booxi webhook events to client and staff notifications"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the messages each event calls for, one JSON object per line (emails
    /// with their subject).
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
    /// Render each planned message into DIR/<event_id>/<n>-<kind>-<audience>-<channel>.*:
    /// emails as .eml (complete MIME message), .html and .txt; SMS as .txt.
    Render {
        /// Configuration file (TOML); default: $BOOXI_CONFIG, else built-in defaults.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Folder to write the messages into (created if needed).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Sender address written in the .eml files; default: the brand's reply-to,
        /// else notifications@example.com.
        #[arg(long, value_name = "ADDRESS")]
        from: Option<String>,
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
        Command::Render {
            config,
            out,
            from,
            files,
        } => render(config, &out, from.as_deref(), &files),
    }
}

fn load_config(path: Option<PathBuf>) -> Result<Config, String> {
    let path = path.or_else(|| std::env::var_os(ENV_CONFIG).map(PathBuf::from));
    Config::load(path.as_deref(), |k| std::env::var(k).ok()).map_err(|e| e.to_string())
}

fn read_event(file: &Path, config: &Config) -> Result<Event, String> {
    std::fs::read(file)
        .map_err(|e| format!("cannot read: {e}"))
        .and_then(|bytes| input::booxi_body(&bytes).map_err(|e| e.to_string()))
        .and_then(|body| Event::parse(&body, config.default_country).map_err(|e| e.to_string()))
}

fn plan(config: Option<PathBuf>, explain: bool, files: &[PathBuf]) -> ExitCode {
    let config = match load_config(config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let renderer = match Renderer::new(&RenderConfig::from(&config)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let mut failed = false;
    for file in files {
        let shown = file.display();
        let event = match read_event(file, &config) {
            Ok(event) => event,
            Err(problem) => {
                eprintln!("{shown}: {problem}");
                failed = true;
                continue;
            }
        };
        let plan = rules::plan(&event, &config);
        if explain {
            eprint!(
                "{shown}: event {} ({})\n{}",
                event.id,
                event.event_type.name(),
                plan.explain()
            );
        }
        for n in &plan.notifications {
            match plan_line(&renderer, &event, n) {
                Ok(line) => println!("{line}"),
                Err(e) => {
                    eprintln!("{shown}: {e}");
                    failed = true;
                }
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The notification as JSON, with `subject` added last on email lines. A message that
/// does not render keeps its line (without subject); the error goes to stderr.
fn plan_line(renderer: &Renderer, event: &Event, n: &Notification) -> Result<String, String> {
    let mut line = serde_json::to_string(n).map_err(|e| format!("cannot write the plan: {e}"))?;
    match renderer.render(event, n) {
        Ok(Message::Email(email)) => {
            let subject = serde_json::to_string(&email.subject)
                .map_err(|e| format!("cannot write the plan: {e}"))?;
            if line.ends_with('}') {
                line.pop();
                line.push_str(&format!(",\"subject\":{subject}}}"));
            }
        }
        Ok(Message::Sms(_)) => {}
        Err(e) => eprintln!(
            "event {}: {} to {}: {e}",
            event.id,
            n.kind,
            audience_name(n.audience)
        ),
    }
    Ok(line)
}

fn render(config: Option<PathBuf>, out: &Path, from: Option<&str>, files: &[PathBuf]) -> ExitCode {
    let config = match load_config(config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let from = match from
        .map(EmailAddress::parse)
        .transpose()
        .map(|f| f.or_else(|| config.brand.reply_to.clone()))
    {
        Ok(Some(from)) => from,
        Ok(None) => match EmailAddress::parse("notifications@example.com") {
            Ok(a) => a,
            Err(e) => {
                eprintln!("--from: {e}");
                return ExitCode::from(2);
            }
        },
        Err(e) => {
            eprintln!("--from: {e}");
            return ExitCode::from(2);
        }
    };
    let renderer = match Renderer::new(&RenderConfig::from(&config)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let mut failed = false;
    let mut written = 0;
    for file in files {
        let shown = file.display();
        let event = match read_event(file, &config) {
            Ok(event) => event,
            Err(problem) => {
                eprintln!("{shown}: {problem}");
                failed = true;
                continue;
            }
        };
        let plan = rules::plan(&event, &config);
        let dir = out.join(safe_file_name(&event.id));
        for (i, n) in plan.notifications.iter().enumerate() {
            let index = i + 1;
            let stem = format!(
                "{index}-{}-{}-{}",
                n.kind,
                audience_name(n.audience),
                channel_name(n.channel)
            );
            // One message failing leaves the others.
            match write_message(&renderer, &event, n, index, &from, &dir, &stem) {
                Ok(paths) => {
                    written += 1;
                    for p in paths {
                        println!("{}", p.display());
                    }
                }
                Err(e) => {
                    eprintln!("{shown}: message {index} ({stem}): {e}");
                    failed = true;
                }
            }
        }
    }
    eprintln!("{written} message(s) written to {}", out.display());
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn write_message(
    renderer: &Renderer,
    event: &Event,
    n: &Notification,
    index: usize,
    from: &EmailAddress,
    dir: &Path,
    stem: &str,
) -> Result<Vec<PathBuf>, String> {
    let message = renderer.render(event, n).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    match message {
        Message::Email(email) => {
            let envelope = Envelope::for_preview(event, n, index, from)
                .ok_or_else(|| "an email without an email address".to_owned())?;
            let eml = email.to_mime(&envelope).map_err(|e| e.to_string())?;
            files.push((dir.join(format!("{stem}.eml")), eml));
            files.push((dir.join(format!("{stem}.html")), email.html.into_bytes()));
            files.push((dir.join(format!("{stem}.txt")), email.text.into_bytes()));
        }
        Message::Sms(sms) => {
            files.push((
                dir.join(format!("{stem}.txt")),
                format!("{}\n", sms.text).into_bytes(),
            ));
        }
    }
    let mut paths = Vec::new();
    for (path, bytes) in files {
        std::fs::write(&path, bytes)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        paths.push(path);
    }
    Ok(paths)
}

/// An event id as a folder name: letters, digits, `-`, `_` and `.` (not leading).
fn safe_file_name(id: &str) -> String {
    let name: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = name.trim_start_matches('.').to_owned();
    if name.is_empty() {
        "event".to_owned()
    } else {
        name
    }
}
