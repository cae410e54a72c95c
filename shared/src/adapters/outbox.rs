//! The offline [`Courier`]: every message becomes files in a folder, the same files
//! `booxi-notify render` writes — `DIR/<event id, percent-encoded>/<n>-<kind>-<audience>-<channel>` with
//! `.eml` (the complete MIME message), `.html` and `.txt` for an email, `.txt` for an SMS,
//! `.json` for a WhatsApp message (Meta's message object, as `SendWhatsAppMessage`
//! would carry it). And the offline [`EventBus`] ([`OutboxBus`]): each booking event
//! published becomes a line of `DIR/<event id>/events.jsonl`.

use std::path::{Path, PathBuf};

use crate::adapters::simulator::Simulator;
use crate::core::delivery::{Content, Courier, Failure, Outgoing, SendError};
use crate::core::events_out::{BusError, Entry, EventBus};
use crate::domain::contact::PhoneNumber;
use crate::domain::events_out::SOURCE;
use crate::domain::notification::{audience_name, channel_name};

/// Writes messages under `dir`, printing one summary line per message (no address).
/// With a [`Simulator`], emails to SES's simulator addresses get their events, and the
/// numbers it lists act as opted out.
#[derive(Debug, Clone)]
pub struct Outbox {
    pub dir: PathBuf,
    pub print: bool,
    pub simulator: Option<std::sync::Arc<Simulator>>,
}

/// The files of one message, relative to the outbox folder.
pub fn files(message: &Outgoing) -> Vec<(PathBuf, Vec<u8>)> {
    let m = &message.meta;
    let folder = PathBuf::from(safe_file_name(&m.event_id));
    let stem = format!(
        "{}-{}-{}-{}",
        m.index,
        m.kind,
        audience_name(m.audience),
        channel_name(m.channel)
    );
    match &message.content {
        Content::Email(email) => vec![
            (folder.join(format!("{stem}.eml")), email.mime.clone()),
            (
                folder.join(format!("{stem}.html")),
                email.html.clone().into_bytes(),
            ),
            (
                folder.join(format!("{stem}.txt")),
                email.text.clone().into_bytes(),
            ),
        ],
        Content::Sms(sms) => vec![(
            folder.join(format!("{stem}.txt")),
            format!("{}\n", sms.text).into_bytes(),
        )],
        Content::WhatsApp(whatsapp) => {
            let object =
                serde_json::to_string_pretty(&whatsapp.message_object()).unwrap_or_default();
            vec![(
                folder.join(format!("{stem}.json")),
                format!("{object}\n").into_bytes(),
            )]
        }
    }
}

/// Writes the files of `message` under `dir`; returns their paths.
pub fn write(dir: &Path, message: &Outgoing) -> std::io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for (relative, bytes) in files(message) {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, bytes)?;
        written.push(path);
    }
    Ok(written)
}

/// An event id as a folder name: percent-encoded, injective, never `.` or `..`, at most
/// 200 bytes (see [`crate::domain::ids::file_name`]).
pub fn safe_file_name(id: &str) -> String {
    crate::domain::ids::file_name(id)
}

impl Courier for Outbox {
    async fn send(&self, message: &Outgoing) -> Result<String, SendError> {
        let paths = write(&self.dir, message)
            .map_err(|e| SendError::permanent(format!("outbox: cannot write: {}", e.kind())))?;
        let first = paths
            .first()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        if self.print {
            let m = &message.meta;
            println!(
                "sent {} to {} by {} -> {first}",
                m.kind,
                audience_name(m.audience),
                channel_name(m.channel)
            );
        }
        match (&self.simulator, &message.content) {
            (Some(simulator), Content::Email(email)) => simulator.sent(email.to.as_str(), &first),
            (Some(simulator), Content::WhatsApp(whatsapp)) => {
                simulator.whatsapp_sent(whatsapp.to.as_str(), &first)
            }
            _ => {}
        }
        Ok(first)
    }

    async fn opted_out(&self, number: &PhoneNumber) -> Result<bool, SendError> {
        Ok(self
            .simulator
            .as_ref()
            .is_some_and(|s| s.is_opted_out(number.as_str())))
    }
}

/// The file of an event's published events, in its folder.
pub const EVENTS_FILE: &str = "events.jsonl";

/// Appends what would be published to `DIR/<event id>/events.jsonl`, one JSON line per
/// event — `{"source":"booxi-notify","detail-type":…,"detail":{…}}`, the fields a rule
/// matches on — and announces each as `announce` says (no personal data: the
/// detail-type and the file).
#[derive(Debug, Clone)]
pub struct OutboxBus {
    pub dir: PathBuf,
    pub announce: Announce,
}

/// How an [`OutboxBus`] announces each event it writes, on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Announce {
    Nothing,
    /// `published Booking Created -> outbox/evt-0001/events.jsonl` (`serve`, `send`).
    Line,
    /// `{"local_event":"written, not published","event_id":…,"detail_type":…,"file":…}`
    /// (the Lambda's local mode, whose stdout is JSON lines).
    Json,
}

impl OutboxBus {
    /// Appends `entry`'s line to its event's `events.jsonl`; returns the file's path.
    pub fn append(&self, entry: &Entry) -> Result<PathBuf, BusError> {
        use std::io::Write;
        let fail = |what: &str, e: std::io::Error| BusError {
            failure: Failure::Configuration,
            message: format!("outbox: cannot {what}: {}", e.kind()),
        };
        let detail: serde_json::Value =
            serde_json::from_str(&entry.detail).map_err(|e| BusError {
                failure: Failure::Configuration,
                message: format!("the detail is not JSON: {e}"),
            })?;
        let line = serde_json::json!({
            "source": SOURCE,
            "detail-type": entry.detail_type,
            "detail": detail,
        });
        let folder = self.dir.join(safe_file_name(&entry.event_id));
        std::fs::create_dir_all(&folder).map_err(|e| fail("create its folder", e))?;
        let path = folder.join(EVENTS_FILE);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| fail("open events.jsonl", e))?;
        writeln!(file, "{line}").map_err(|e| fail("write", e))?;
        Ok(path)
    }
}

impl EventBus for OutboxBus {
    fn put<'a>(
        &'a self,
        entries: &'a [Entry],
    ) -> futures_util::future::BoxFuture<'a, Result<Vec<(usize, BusError)>, BusError>> {
        Box::pin(async move {
            let mut failed = Vec::new();
            for (i, entry) in entries.iter().enumerate() {
                match (self.append(entry), self.announce) {
                    (Ok(_), Announce::Nothing) => {}
                    (Ok(path), Announce::Line) => {
                        println!("published {} -> {}", entry.detail_type, path.display())
                    }
                    (Ok(path), Announce::Json) => println!(
                        "{}",
                        serde_json::json!({
                            "local_event": "written, not published",
                            "event_id": entry.event_id,
                            "detail_type": entry.detail_type,
                            "file": path.display().to_string(),
                        })
                    ),
                    (Err(e), _) => failed.push((i, e)),
                }
            }
            Ok(failed)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::delivery::{MessageMeta, Sms};
    use crate::domain::contact::{Country, PhoneNumber};
    use crate::domain::notification::{Audience, Channel, Kind};

    #[test]
    fn file_names_follow_the_render_layout() {
        let message = Outgoing {
            meta: MessageMeta {
                event_id: "../evt 1".into(),
                index: 2,
                kind: Kind::Reminder,
                audience: Audience::Client,
                channel: Channel::Sms,
            },
            content: Content::Sms(Sms {
                to: PhoneNumber::parse("+15145550123", Country::parse("CA").unwrap()).unwrap(),
                text: "Hi".into(),
                sender: Default::default(),
                max_price: None,
            }),
        };
        let files = files(&message);
        assert_eq!(
            files,
            vec![(
                PathBuf::from("%2E.%2Fevt%201/2-reminder-client-sms.txt"),
                b"Hi\n".to_vec()
            )]
        );
        assert_eq!(safe_file_name("..."), "%2E..");
        assert_ne!(safe_file_name("a/b"), safe_file_name("a_b"));
    }
}
