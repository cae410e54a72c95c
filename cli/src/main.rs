//! `booxi-notify`: run the notification pipeline on files, on a laptop, with no AWS.

mod history;
mod local;
mod whatsapp;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use booxi_notify::Event;
use booxi_notify::adapters::outbox;
use booxi_notify::core::delivery::MessageMeta;
use booxi_notify::domain::config::Config;
use booxi_notify::domain::events_out;
use booxi_notify::domain::notification::{
    Notification, ScheduleChange, audience_name, channel_name, utc_seconds,
};
use booxi_notify::doors::input;
use booxi_notify::render::{Message, RenderConfig, Renderer};
pub(crate) use booxi_notify::settings::Loaded;
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
    /// with their subject); with [[flows]], also each scheduled message (`"schedule":
    /// "upsert"` and its `"at"`) and each removal (`"schedule": "delete"`).
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
    /// emails as .eml (complete MIME message), .html and .txt; SMS as .txt. Scheduled
    /// messages ([[flows]]) are rendered too, as they would be sent.
    Render {
        /// Configuration file (TOML); default: $BOOXI_CONFIG, else built-in defaults.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Folder to write the messages into (created if needed).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Sender address written in the .eml files; default: $BOOXI_SENDER_EMAIL, else
        /// notifications@example.com.
        #[arg(long, value_name = "ADDRESS")]
        from: Option<String>,
        /// Raw Booxi bodies, or API Gateway events (v1 or v2) that wrap one.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Write a gallery of every message kind in every language, rendered from a sample
    /// booking with this configuration's brand and templates: DIR/index.html shows each
    /// email at phone (375 px) and desktop (600 px) width, and each SMS with its
    /// segment count; DIR/<lang>-<kind>.html are the emails themselves.
    Preview {
        /// Configuration file (TOML); default: $BOOXI_CONFIG, else built-in defaults.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Folder to write the gallery into (created if needed).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Render the sample with the longest names and links instead of a typical one.
        #[arg(long)]
        long: bool,
    },
    /// Write the WhatsApp templates in the form Meta's template API takes, one file per
    /// template and language: DIR/<language>/<name>.json (`booxi_confirmation`, and
    /// `booxi_confirmation_nolink` for messages without a tracking page). A WhatsApp
    /// message can only name a template Meta approved: submit these first.
    WhatsappTemplates {
        /// Configuration file (TOML); default: $BOOXI_CONFIG, else built-in defaults.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Folder to write the templates into (created if needed).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Every client kind and built-in flow, not only those `[whatsapp] kinds` lists.
        #[arg(long)]
        all: bool,
        /// Also submit each to Meta (End User Messaging Social's
        /// CreateWhatsAppMessageTemplate) for this WhatsApp Business Account id
        /// (`waba-…`); needs the command built with `--features aws`.
        #[arg(long, value_name = "WABA_ID")]
        submit: Option<String>,
    },
    /// Run the webhook on 127.0.0.1, offline: a local secret, an in-memory idempotency
    /// store, and an outbox folder instead of SES and SNS.
    Serve {
        #[command(flatten)]
        local: local::LocalOptions,
        /// Port to listen on (127.0.0.1 only).
        #[arg(long, default_value_t = 8787)]
        port: u16,
        /// Queued delivery (as BOOXI_DELIVERY_MODE=queued): the webhook answers once the
        /// messages are on an in-memory queue, and a drain in the same process sends them.
        #[arg(long)]
        queued: bool,
    },
    /// Deliver files through the same webhook, in this process, and print each answer:
    /// the whole job (duplicates and bad secrets included) with no server and no AWS.
    Send {
        #[command(flatten)]
        local: local::LocalOptions,
        /// Present this secret instead of the file's own header (try a wrong one).
        #[arg(long, value_name = "SECRET")]
        present: Option<String>,
        /// API Gateway events (their method, headers and body are used) or raw Booxi
        /// bodies (sent as POST with the local secret).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// What became of each message of a booking, a confirmation number or an event: one
    /// JSON line per message, oldest first (`event_id`, `kind`, `audience`, `channel`,
    /// `to` masked, `status`, `at`, `provider_id`, `reason`, and its timeline). Offline,
    /// what `serve` and `send` recorded in the outbox folder; with --table (or
    /// $BOOXI_IDEMPOTENCY_TABLE), the deployed table (cargo feature `aws`).
    History {
        #[command(flatten)]
        source: history::Source,
        /// A booking id, a confirmation number or an event id.
        #[arg(value_name = "ID")]
        id: String,
    },
    /// Suppressed recipients (a permanent bounce, a complaint, an SMS opt-out).
    Suppression {
        #[command(subcommand)]
        action: SuppressionAction,
    },
}

#[derive(Subcommand)]
enum SuppressionAction {
    /// Lift the suppression of an email address or a phone number, so it gets messages
    /// again (for the deployed table: cargo feature `aws`).
    Remove {
        #[command(flatten)]
        source: history::Source,
        /// Configuration file, for the default country of a national phone number.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The email address or phone number.
        #[arg(value_name = "ADDRESS")]
        address: String,
    },
}

/// A problem that stops a command before it does anything: its message, and the exit
/// code (2 for a usage or configuration mistake).
pub(crate) struct Fatal(pub String, pub u8);

/// A command's result: `Ok(true)` when every file went through.
pub(crate) type Outcome = Result<bool, Fatal>;

/// A setup step's error, as a configuration mistake (exit code 2).
pub(crate) fn setup<T, E: std::fmt::Display>(result: Result<T, E>) -> Result<T, Fatal> {
    result.map_err(|e| Fatal(e.to_string(), 2))
}

fn main() -> ExitCode {
    let outcome = match Cli::parse().command {
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
        Command::Preview { config, out, long } => preview(config, &out, long),
        Command::WhatsappTemplates {
            config,
            out,
            all,
            submit,
        } => whatsapp::templates(config, &out, all, submit),
        Command::Serve {
            local,
            port,
            queued,
        } => local::serve(local, port, queued),
        Command::Send {
            local,
            present,
            files,
        } => local::send(local, present, &files),
        Command::History { source, id } => history::history(&id, source),
        Command::Suppression {
            action:
                SuppressionAction::Remove {
                    source,
                    config,
                    address,
                },
        } => history::suppression_remove(&address, config, source),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(Fatal(message, code)) => {
            eprintln!("{message}");
            ExitCode::from(code)
        }
    }
}

/// Writes a line to stdout; `false` when the reader went away (`| head`), to stop quietly.
pub(crate) fn emit(line: &str) -> bool {
    use std::io::Write;
    writeln!(std::io::stdout().lock(), "{line}").is_ok()
}

pub(crate) fn load_config(path: Option<PathBuf>) -> Result<Config, String> {
    booxi_notify::settings::load_config(path.as_deref(), |k| std::env::var(k).ok())
        .map_err(|e| e.to_string())
}

/// The whole settings tree: the file (`--config`, else `$BOOXI_CONFIG`) and the environment.
pub(crate) fn load(path: Option<PathBuf>) -> Result<Loaded, String> {
    Loaded::load(path.as_deref(), |k| std::env::var(k).ok()).map_err(|e| e.to_string())
}

fn read_event(file: &Path, config: &Config) -> Result<Event, String> {
    std::fs::read(file)
        .map_err(|e| format!("cannot read: {e}"))
        .and_then(|bytes| input::booxi_body(&bytes).map_err(|e| e.to_string()))
        .and_then(|body| Event::read(&body, config).map_err(|e| e.to_string()))
}

fn plan(config: Option<PathBuf>, explain: bool, files: &[PathBuf]) -> Outcome {
    let config = setup(load_config(config))?;
    let renderer = setup(Renderer::new(&RenderConfig::from(&config)))?;
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
        let plan = booxi_notify::plan_as_sent(&event, &config);
        let planned_event = events_out::planned(&event, &config, &plan);
        if explain {
            let mut notes = String::new();
            if event.id_derived {
                notes.push_str("  event id derived from the body's content (it has none)\n");
            }
            if let Some(sent) = &event.aliased_from {
                notes.push_str(&format!("  event type `{sent}` read as its alias\n"));
            }
            eprint!(
                "{shown}: event {} ({})\n{notes}{}{}",
                event.id,
                event.event_type.name(),
                plan.explain(),
                planned_event
                    .as_ref()
                    .map(|e| e.explain())
                    .unwrap_or_default()
            );
        }
        for n in &plan.notifications {
            match plan_line(&renderer, &event, n, &mut failed) {
                Ok(line) => {
                    if !emit(&line) {
                        return Ok(!failed);
                    }
                }
                Err(e) => {
                    eprintln!("{shown}: {e}");
                    failed = true;
                }
            }
        }
        if let Some(out) = &planned_event {
            // The booking event published for it ([events_out]).
            let line = serde_json::json!({
                "event_id": event.id,
                "channel": "event",
                "detail_type": out.detail_type.name(),
            });
            if !emit(&line.to_string()) {
                return Ok(!failed);
            }
        }
        // SMS held back by quiet hours: a one-time schedule each, as a flow's.
        let held = plan
            .deferred
            .iter()
            .map(|s| ScheduleChange::Upsert(Box::new(s.clone())));
        for change in plan.schedules.iter().cloned().chain(held) {
            match schedule_line(&renderer, &event, &change, &mut failed) {
                Ok(line) => {
                    if !emit(&line) {
                        return Ok(!failed);
                    }
                }
                Err(e) => {
                    eprintln!("{shown}: {e}");
                    failed = true;
                }
            }
        }
    }
    Ok(!failed)
}

/// A scheduled message's line: the message's own (as `plan_line`) with `"schedule":
/// "upsert"` and `"at"`; a flow's event's: event id, kind, `"channel": "event"`, its
/// `detail_type`, `"schedule": "upsert"` and `"at"`; a removal's: event id, kind,
/// audience (none for a flow's event), channel, recipient (`client`, `attendee 2`,
/// `booking`) and `"schedule": "delete"`.
fn schedule_line(
    renderer: &Renderer,
    event: &Event,
    change: &ScheduleChange,
    failed: &mut bool,
) -> Result<String, String> {
    let cannot = |e: serde_json::Error| format!("cannot write the plan: {e}");
    match change {
        ScheduleChange::Upsert(s) => {
            let mut line = plan_line(renderer, event, &s.notification, failed)?;
            if line.ends_with('}') {
                line.pop();
                line.push_str(&format!(
                    ",\"schedule\":\"upsert\",\"at\":\"{}\"}}",
                    utc_seconds(s.at)
                ));
            }
            Ok(line)
        }
        ScheduleChange::Publish(p) => {
            let text = |v: &str| serde_json::to_string(v).map_err(cannot);
            Ok(format!(
                "{{\"event_id\":{},\"kind\":{},\"channel\":\"event\",\"detail_type\":{},\"schedule\":\"upsert\",\"at\":\"{}\"}}",
                text(&event.id)?,
                text(p.kind.name())?,
                text(&events_out::flow_detail_type(p.kind).unwrap_or_default())?,
                utc_seconds(p.at)
            ))
        }
        ScheduleChange::Delete(d) => {
            // In this order, as the other lines: event, kind, audience, channel (a flow's
            // event has no audience).
            let text = |v: &str| serde_json::to_string(v).map_err(cannot);
            let audience = d
                .audience
                .map(|a| format!("\"audience\":\"{}\",", audience_name(a)))
                .unwrap_or_default();
            Ok(format!(
                "{{\"event_id\":{},\"kind\":{},{audience}\"channel\":\"{}\",\"recipient\":{},\"schedule\":\"delete\"}}",
                text(&event.id)?,
                text(d.kind.name())?,
                d.channel.name(),
                text(&d.recipient)?
            ))
        }
    }
}

/// The notification as JSON, with `subject` added last on email lines, `segments` (and
/// `sms_note` when names were shortened or the link dropped) on SMS lines. A message that
/// does not render keeps its line (without subject); the error goes to stderr and sets
/// `failed`, so that `plan` exits non-zero (it is a pre-deploy check).
fn plan_line(
    renderer: &Renderer,
    event: &Event,
    n: &Notification,
    failed: &mut bool,
) -> Result<String, String> {
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
        Ok(Message::WhatsApp(whatsapp)) => {
            // Which approved template goes, in which of Meta's languages.
            let name = serde_json::to_string(&whatsapp.template.name)
                .map_err(|e| format!("cannot write the plan: {e}"))?;
            let language = serde_json::to_string(&whatsapp.template.language)
                .map_err(|e| format!("cannot write the plan: {e}"))?;
            if line.ends_with('}') {
                line.pop();
                line.push_str(&format!(
                    ",\"template\":{name},\"template_language\":{language}}}"
                ));
            }
        }
        Ok(Message::Sms(sms)) => {
            // How many SMS it takes, and what was given up to fit (names, the link).
            if line.ends_with('}') {
                line.pop();
                line.push_str(&format!(",\"segments\":{}", sms.segments.count));
                if let Some(note) = sms.note() {
                    line.push_str(&format!(",\"sms_note\":\"{note}\""));
                }
                line.push('}');
            }
        }
        Err(e) => {
            eprintln!(
                "event {}: {} to {}: {e}",
                event.id,
                n.kind,
                audience_name(n.audience)
            );
            *failed = true;
        }
    }
    Ok(line)
}

fn render(config: Option<PathBuf>, out: &Path, from: Option<&str>, files: &[PathBuf]) -> Outcome {
    let config = setup(load_config(config))?;
    let composer = setup(local::composer(&config, from))?;
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
        // The event's own time as the emails' date, so previews do not change between runs.
        let date = event
            .created_on
            .as_deref()
            .and_then(|d| d.parse::<jiff::Timestamp>().ok())
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let plan = booxi_notify::plan_as_sent(&event, &config);
        // Scheduled messages too (SMS held back by quiet hours included), as they would
        // go when due.
        let scheduled = plan
            .schedules
            .iter()
            .filter_map(|c| match c {
                ScheduleChange::Upsert(s) => Some(&s.notification),
                ScheduleChange::Publish(_) | ScheduleChange::Delete(_) => None,
            })
            .chain(plan.deferred.iter().map(|s| &s.notification));
        for (i, n) in plan.notifications.iter().chain(scheduled).enumerate() {
            let meta = MessageMeta::of(n, i + 1);
            // One message failing leaves the others.
            let written_files = composer
                .compose_at(&event, n, meta, date)
                .and_then(|message| outbox::write(out, &message).map_err(|e| e.to_string()));
            match written_files {
                Ok(paths) => {
                    written += 1;
                    for p in paths {
                        if !emit(&p.display().to_string()) {
                            return Ok(!failed);
                        }
                    }
                }
                Err(e) => {
                    eprintln!(
                        "{shown}: message {} ({} to {} by {}): {e}",
                        i + 1,
                        n.kind,
                        audience_name(n.audience),
                        channel_name(n.channel)
                    );
                    failed = true;
                }
            }
        }
    }
    eprintln!("{written} message(s) written to {}", out.display());
    Ok(!failed)
}

fn preview(config: Option<PathBuf>, out: &Path, long: bool) -> Outcome {
    use booxi_notify::render::preview::{Sample, gallery_index, previews};
    let config = setup(load_config(config))?;
    let renderer = setup(Renderer::new(&RenderConfig::from(&config)))?;
    let sample = if long { Sample::Long } else { Sample::Typical };
    let all = previews(&renderer, sample).map_err(|e| Fatal(e, 1))?;
    let write = |path: PathBuf, content: &str| {
        std::fs::write(&path, content)
            .map_err(|e| Fatal(format!("{}: cannot write: {e}", path.display()), 1))
    };
    std::fs::create_dir_all(out)
        .map_err(|e| Fatal(format!("{}: cannot create: {e}", out.display()), 1))?;
    for p in &all {
        write(out.join(format!("{}.html", p.slug())), &p.email.html)?;
    }
    let index = out.join("index.html");
    write(
        index.clone(),
        &gallery_index(&all, |p| format!("{}.html", p.slug())),
    )?;
    emit(&index.display().to_string());
    eprintln!("{} message(s) in {}", all.len(), out.display());
    Ok(true)
}
