//! Local mode for the Lambda binary: the same webhook wired to local adapters, so that
//! `sam local invoke` and `cargo lambda watch` run it with no AWS account. Turned on by
//! `BOOXI_LOCAL_MODE=true` (as `events/local-env.json` does); then the secret comes from
//! `BOOXI_LOCAL_SECRET`, the idempotency store is in memory, and each message is written
//! as files under `/tmp/booxi-notify/<event id>/` (the layout of `booxi-notify render`)
//! and announced by one JSON line on stdout; with `[events_out]`, each booking event is
//! appended to `<event id>/events.jsonl` there instead of being published. Nothing talks
//! to AWS.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::adapters::memory::MemoryStore;
use crate::adapters::outbox::{self, Announce, OutboxBus};
use crate::core::compose::RenderComposer;
use crate::core::delivery::{Courier, Outgoing, SendError};
use crate::core::events_out::EventsOut;
use crate::core::process::Core;
use crate::domain::config::Config;
use crate::domain::contact::EmailAddress;
use crate::domain::notification::{audience_name, channel_name};
use crate::doors::auth::{CachedSecrets, FixedSecret};
use crate::doors::http::Webhook;
use crate::render::{RenderConfig, RenderError, Renderer};
use crate::settings::Settings;
pub use crate::settings::{ENV_LOCAL_MODE, ENV_LOCAL_OUTBOX, ENV_LOCAL_SECRET, ENV_SENDER_EMAIL};

pub const DEFAULT_LOCAL_OUTBOX: &str = "/tmp/booxi-notify";
/// The From of the messages (`BOOXI_SENDER_EMAIL`, as in AWS) when it is unset.
const DEFAULT_SENDER: &str = "notifications@example.com";

/// The webhook local mode runs.
pub type LocalWebhook = Webhook<FixedSecret, MemoryStore, LocalCourier, RenderComposer>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocalModeError {
    #[error("{ENV_LOCAL_MODE}: `{0}` is neither true nor false")]
    NotABool(String),
    #[error("{ENV_SENDER_EMAIL}: `{0}` is not a valid email address")]
    Sender(String),
    #[error(
        "{ENV_LOCAL_MODE} is on but {ENV_LOCAL_SECRET} is empty: set the secret the local webhook \
         accepts (events/local-env.json sets local-dev-secret, the secret the files of events/ carry)"
    )]
    NoSecret,
}

/// The local adapters, when the environment asks for local mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalMode {
    pub secret: String,
    pub outbox: PathBuf,
    pub sender: EmailAddress,
}

impl LocalMode {
    /// `None` when local mode is off: the Lambda then wires the AWS adapters.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, LocalModeError> {
        let switch = env(ENV_LOCAL_MODE).unwrap_or_default();
        match switch.trim().to_ascii_lowercase().as_str() {
            "" | "false" | "0" | "no" | "off" => return Ok(None),
            "true" | "1" | "yes" | "on" => {}
            _ => return Err(LocalModeError::NotABool(switch)),
        }
        let secret = env(ENV_LOCAL_SECRET)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .ok_or(LocalModeError::NoSecret)?;
        let outbox = env(ENV_LOCAL_OUTBOX)
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_LOCAL_OUTBOX.to_owned());
        let sender = env(ENV_SENDER_EMAIL)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| DEFAULT_SENDER.to_owned());
        let sender = EmailAddress::parse(&sender).map_err(|_| LocalModeError::Sender(sender))?;
        Ok(Some(Self {
            secret,
            outbox: PathBuf::from(outbox),
            sender,
        }))
    }

    /// The webhook over the local adapters, with the configuration and settings the
    /// Lambda read (templates compiled now, as in AWS).
    pub fn webhook(self, config: Config, settings: Settings) -> Result<LocalWebhook, RenderError> {
        let renderer = Renderer::new(&RenderConfig::from(&config))?;
        // The mode is not read here: the Lambda's local mode sends in the call (`serve --queued`
        // runs the queued mode offline).
        let Settings { http, delivery, .. } = settings;
        let events_out = config.events_out.as_ref().map(|_| EventsOut {
            bus: Arc::new(OutboxBus {
                dir: self.outbox.clone(),
                announce: Announce::Json,
            }),
        });
        Ok(Webhook {
            settings: http,
            secrets: CachedSecrets::new(self.secrets(), Duration::MAX, Duration::MAX),
            core: Core {
                store: self.store(),
                courier: self.courier(),
                composer: RenderComposer {
                    renderer,
                    from: self.sender.clone(),
                    reply_to: config.brand.reply_to.clone(),
                },
                config,
                delivery,
                // No CloudWatch here: stdout is for the messages.
                emit_metrics: false,
                flows: None,
                queue: None,
                events_out,
            },
        })
    }

    pub fn secrets(&self) -> FixedSecret {
        FixedSecret(self.secret.clone())
    }

    pub fn store(&self) -> MemoryStore {
        MemoryStore::new()
    }

    pub fn courier(&self) -> LocalCourier {
        LocalCourier {
            dir: self.outbox.clone(),
        }
    }
}

/// Writes each message's files under `dir` and prints one JSON line per message to
/// stdout: `{"local_delivery":…,"event_id":…,"kind":…,"audience":…,"channel":…,"files":[…]}`.
/// The line names no address (the files hold the whole message).
#[derive(Debug, Clone)]
pub struct LocalCourier {
    pub dir: PathBuf,
}

impl Courier for LocalCourier {
    async fn send(&self, message: &Outgoing) -> Result<String, SendError> {
        let paths = outbox::write(&self.dir, message).map_err(|e| {
            SendError::permanent(format!("local outbox: cannot write: {}", e.kind()))
        })?;
        let m = &message.meta;
        let files: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        println!(
            "{}",
            json!({
                "local_delivery": "written, not sent",
                "event_id": m.event_id,
                "kind": m.kind.name(),
                "audience": audience_name(m.audience),
                "channel": channel_name(m.channel),
                "files": files,
            })
        );
        Ok(files.into_iter().next().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |key| {
            vars.iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn off_unless_switched_on() {
        for value in ["", "false", "0", "no", "OFF"] {
            let vars = [(ENV_LOCAL_MODE, value), (ENV_LOCAL_SECRET, "s")];
            assert_eq!(LocalMode::from_env(env(&vars)), Ok(None), "{value}");
        }
        assert_eq!(LocalMode::from_env(env(&[])), Ok(None));
    }

    #[test]
    fn on_with_the_secret_and_the_default_outbox() {
        let vars = [
            (ENV_LOCAL_MODE, "true"),
            (ENV_LOCAL_SECRET, " local-dev-secret "),
        ];
        assert_eq!(
            LocalMode::from_env(env(&vars)),
            Ok(Some(LocalMode {
                secret: "local-dev-secret".into(),
                outbox: PathBuf::from("/tmp/booxi-notify"),
                sender: EmailAddress::parse("notifications@example.com").unwrap(),
            }))
        );
        let vars = [
            (ENV_LOCAL_MODE, "1"),
            (ENV_LOCAL_SECRET, "s"),
            (ENV_LOCAL_OUTBOX, "/tmp/x"),
        ];
        assert_eq!(
            LocalMode::from_env(env(&vars)).unwrap().unwrap().outbox,
            PathBuf::from("/tmp/x")
        );
    }

    #[test]
    fn on_without_a_secret_or_with_a_typo_is_refused_with_what_to_do() {
        let vars = [(ENV_LOCAL_MODE, "true")];
        assert_eq!(
            LocalMode::from_env(env(&vars)).unwrap_err().to_string(),
            "BOOXI_LOCAL_MODE is on but BOOXI_LOCAL_SECRET is empty: set the secret the local \
             webhook accepts (events/local-env.json sets local-dev-secret, the secret the files \
             of events/ carry)"
        );
        let vars = [(ENV_LOCAL_MODE, "ture"), (ENV_LOCAL_SECRET, "s")];
        assert_eq!(
            LocalMode::from_env(env(&vars)).unwrap_err().to_string(),
            "BOOXI_LOCAL_MODE: `ture` is neither true nor false"
        );
    }
}
