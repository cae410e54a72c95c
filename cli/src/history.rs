//! `booxi-notify history` and `booxi-notify suppression remove`: what became of each
//! message, and lifting a suppression, from the deployed table (with the cargo feature
//! `aws`) or, offline, from what `serve` and `send` recorded in the outbox folder.
//!
//! The deployed table is read with AWS's usual credentials and `AWS_ENDPOINT_URL`; its
//! name is `--table`, else `$BOOXI_IDEMPOTENCY_TABLE`. A history is a `Scan` of the
//! table for the messages of the asked booking, confirmation number or event: it reads
//! the whole table (its records expire after 30 days), one read unit per 4 KB — a few
//! seconds and a fraction of a cent for a merchant's month — and needs
//! `dynamodb:Scan` on the table, which the function itself is not given.

use std::path::{Path, PathBuf};

use booxi_notify::adapters::memory::{Journal, MemoryStore};
use booxi_notify::core::store::{
    HistoryEntry, IdempotencyStore, RecipientHasher, recipient_hash, suppression_key,
};
use booxi_notify::domain::contact::{EmailAddress, PhoneNumber};
use booxi_notify::domain::feedback::mask;
use booxi_notify::settings::{ENV_IDEMPOTENCY_TABLE, ENV_RECIPIENT_KEY_SECRET_ARN};
use serde_json::{Value, json};

use crate::{Fatal, Outcome, setup};

/// Where the records are.
#[derive(clap::Args)]
pub struct Source {
    /// Read what `serve` and `send` recorded in this outbox folder (the default when
    /// no table is named).
    #[arg(long, value_name = "DIR", conflicts_with = "table")]
    outbox: Option<PathBuf>,
    /// The deployed idempotency table (default: $BOOXI_IDEMPOTENCY_TABLE); needs the
    /// command built with `--features aws`.
    #[arg(long, value_name = "TABLE")]
    table: Option<String>,
    /// The stack's recipient-hash key secret (default: $BOOXI_RECIPIENT_KEY_SECRET_ARN):
    /// suppressions in the deployed table are keyed by a hash under that key, so
    /// `suppression remove` needs it to find one.
    #[arg(long, value_name = "ARN")]
    recipient_key_secret: Option<String>,
}

enum Place {
    Journal(PathBuf),
    Table(String),
}

impl Source {
    /// The secret keying recipients' hashes in the deployed table.
    fn recipient_key_secret(&self) -> Option<String> {
        self.recipient_key_secret.clone().or_else(|| {
            std::env::var(ENV_RECIPIENT_KEY_SECRET_ARN)
                .ok()
                .filter(|t| !t.trim().is_empty())
        })
    }

    fn place(self) -> Place {
        if let Some(dir) = self.outbox {
            return Place::Journal(dir.join(crate::local::JOURNAL));
        }
        let table = self.table.or_else(|| {
            std::env::var(ENV_IDEMPOTENCY_TABLE)
                .ok()
                .filter(|t| !t.trim().is_empty())
        });
        match table {
            Some(table) => Place::Table(table),
            None => Place::Journal(Path::new("outbox").join(crate::local::JOURNAL)),
        }
    }
}

/// One JSON line of `history`: the fixed keys, then `fallback_for` when set and the
/// timeline (each status with its time and reason), oldest first.
pub fn history_line(entry: &HistoryEntry) -> Value {
    let at = |ms: u64| {
        i64::try_from(ms)
            .ok()
            .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
            .map(|t| t.to_string())
    };
    let mut line = json!({
        "event_id": entry.event_id,
        "kind": entry.kind,
        "audience": entry.audience,
        "channel": entry.channel,
        "to": entry.to,
        "status": entry.status,
        "at": at(entry.at),
        "provider_id": entry.provider_id,
        "reason": entry.reason,
    });
    if let Some(channel) = &entry.fallback_for {
        line["fallback_for"] = json!(channel);
    }
    line["timeline"] = entry
        .timeline
        .iter()
        .map(|step| {
            let mut s = json!({"status": step.status, "at": at(step.at)});
            if let Some(reason) = &step.reason {
                s["reason"] = json!(reason);
            }
            s
        })
        .collect();
    line
}

/// Whether `entry` is a message of `wanted` (a booking id, a confirmation number or an
/// event id; a scheduled message's event id starts with its schedule's).
fn matches(entry: &HistoryEntry, wanted: &str) -> bool {
    entry.event_id == wanted
        || entry.booking_id.as_deref() == Some(wanted)
        || entry.confirmation.as_deref() == Some(wanted)
}

/// Oldest first: by the time each message was first recorded.
fn sort(entries: &mut [HistoryEntry]) {
    entries.sort_by_key(|e| {
        (
            e.timeline.first().map(|s| s.at).unwrap_or(e.at),
            e.event_id.clone(),
            e.kind.clone(),
            e.channel.clone(),
        )
    });
}

pub fn history(wanted: &str, source: Source) -> Outcome {
    let wanted = wanted.trim();
    if wanted.is_empty() {
        return Err(Fatal(
            "history: give a booking id, a confirmation number or an event id".into(),
            2,
        ));
    }
    let mut entries: Vec<HistoryEntry> = match source.place() {
        Place::Journal(path) => setup(
            Journal::read(&path).map_err(|e| format!("{}: cannot read: {e}", path.display())),
        )?
        .history
        .into_values()
        .filter(|e| matches(e, wanted))
        .collect(),
        Place::Table(table) => table_history(&table, wanted)?,
    };
    if entries.is_empty() {
        eprintln!("history: no message recorded for `{wanted}`");
        return Ok(false);
    }
    sort(&mut entries);
    for entry in &entries {
        if !crate::emit(&history_line(entry).to_string()) {
            break;
        }
    }
    Ok(true)
}

/// The recipient as the store hashes it: an email address as read, a number in E.164
/// (national numbers read with the configuration's default country).
fn recipient(text: &str, config: Option<PathBuf>) -> Result<String, Fatal> {
    let text = text.trim();
    if text.contains('@') {
        return EmailAddress::parse(text)
            .map(|a| a.as_str().to_owned())
            .map_err(|e| Fatal(format!("suppression remove: {e}"), 2));
    }
    let config = setup(crate::load_config(config))?;
    PhoneNumber::parse(text, config.default_country)
        .map(|n| n.as_str().to_owned())
        .map_err(|e| Fatal(format!("suppression remove: {e}"), 2))
}

pub fn suppression_remove(address: &str, config: Option<PathBuf>, source: Source) -> Outcome {
    let recipient = recipient(address, config)?;
    let shown = mask(&recipient);
    let secret = source.recipient_key_secret();
    let place = source.place();
    // Offline (`serve`, `send`) recipients are hashed under the fixed offline key; in the
    // deployed table under the stack's recipient key.
    let hasher = match &place {
        Place::Journal(_) => RecipientHasher::offline(),
        Place::Table(_) => recipient_key(secret.as_deref())?,
    };
    let key = suppression_key(&recipient_hash(&hasher, &recipient));
    let lifted = match place {
        Place::Journal(path) => {
            let store = setup(
                MemoryStore::with_journal(&path)
                    .map_err(|e| format!("{}: cannot read: {e}", path.display())),
            )?;
            let runtime = setup(
                tokio::runtime::Builder::new_current_thread()
                    .build()
                    .map_err(|e| e.to_string()),
            )?;
            runtime
                .block_on(store.lift(&key))
                .map_err(|e| Fatal(e.to_string(), 1))?
        }
        Place::Table(table) => table_lift(&table, &key)?,
    };
    if lifted {
        println!("suppression lifted: {shown} gets messages again");
        Ok(true)
    } else {
        eprintln!("suppression remove: {shown} is not suppressed");
        Ok(false)
    }
}

#[cfg(not(feature = "aws"))]
const NO_AWS: &str = "this booxi-notify was built without the `aws` feature, so it cannot read \
     the deployed table: build it with `cargo install --locked --path cli --features aws` (or \
     run `cargo run --features aws --bin booxi-notify -- …`), or give --outbox DIR for what \
     `serve` recorded";

#[cfg(not(feature = "aws"))]
fn table_history(_table: &str, _wanted: &str) -> Result<Vec<HistoryEntry>, Fatal> {
    Err(Fatal(format!("history: {NO_AWS}"), 2))
}

#[cfg(not(feature = "aws"))]
fn recipient_key(_arn: Option<&str>) -> Result<RecipientHasher, Fatal> {
    Err(Fatal(format!("suppression remove: {NO_AWS}"), 2))
}

#[cfg(not(feature = "aws"))]
fn table_lift(_table: &str, _key: &str) -> Result<bool, Fatal> {
    Err(Fatal(format!("suppression remove: {NO_AWS}"), 2))
}

#[cfg(feature = "aws")]
fn aws_runtime() -> Result<tokio::runtime::Runtime, Fatal> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Fatal(e.to_string(), 1))
}

#[cfg(feature = "aws")]
async fn dynamodb() -> aws_sdk_dynamodb::Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await;
    aws_sdk_dynamodb::Client::new(&config)
}

/// What an SDK error says, with its code (the table's name is the caller's own).
#[cfg(feature = "aws")]
fn sdk_error<E, R>(what: &str, e: &aws_sdk_dynamodb::error::SdkError<E, R>) -> Fatal
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata};
    let code = e.code().unwrap_or("error");
    let message = e
        .message()
        .map(str::to_owned)
        .unwrap_or_else(|| DisplayErrorContext(e).to_string());
    Fatal(format!("{what}: {code}: {message}"), 1)
}

#[cfg(feature = "aws")]
fn table_history(table: &str, wanted: &str) -> Result<Vec<HistoryEntry>, Fatal> {
    use aws_sdk_dynamodb::types::AttributeValue;
    aws_runtime()?.block_on(async {
        let client = dynamodb().await;
        let mut entries = Vec::new();
        let mut start = None;
        loop {
            let out = client
                .scan()
                .table_name(table)
                .filter_expression(
                    "attribute_exists(history) AND (event_id = :q OR booking_id = :q OR confirmation = :q)",
                )
                .expression_attribute_values(":q", AttributeValue::S(wanted.to_owned()))
                .projection_expression("history")
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| sdk_error("history: Scan", &e))?;
            for item in out.items() {
                if let Some(entry) = item
                    .get("history")
                    .and_then(|v| v.as_s().ok())
                    .and_then(|json| serde_json::from_str::<HistoryEntry>(json).ok())
                {
                    entries.push(entry);
                }
            }
            match out.last_evaluated_key() {
                Some(key) if !key.is_empty() => start = Some(key.clone()),
                _ => break,
            }
        }
        Ok(entries)
    })
}

/// The recipients' hash key, read from the stack's secret (`AWSCURRENT`), as the function
/// reads it at init.
#[cfg(feature = "aws")]
fn recipient_key(arn: Option<&str>) -> Result<RecipientHasher, Fatal> {
    use booxi_notify::adapters::aws::SecretsManagerSource;
    let Some(arn) = arn else {
        return Err(Fatal(
            format!(
                "suppression remove: the deployed table keys suppressions by a hash under the \
                 stack's recipient key: give its secret with --recipient-key-secret ARN or \
                 ${ENV_RECIPIENT_KEY_SECRET_ARN} (the stack's output RecipientKeySecretArn)"
            ),
            2,
        ));
    };
    aws_runtime()?.block_on(async {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .load()
            .await;
        let source =
            SecretsManagerSource::new(aws_sdk_secretsmanager::Client::new(&config), arn.to_owned());
        let key = source.current().await.map_err(|e| {
            Fatal(
                format!("suppression remove: the recipient key ({arn}): {e}"),
                1,
            )
        })?;
        Ok(RecipientHasher::new(key.as_bytes()))
    })
}

#[cfg(feature = "aws")]
fn table_lift(table: &str, key: &str) -> Result<bool, Fatal> {
    use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
    aws_runtime()?.block_on(async {
        let out = dynamodb()
            .await
            .delete_item()
            .table_name(table)
            .key("pk", AttributeValue::S(key.to_owned()))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| sdk_error("suppression remove: DeleteItem", &e))?;
        Ok(out.attributes().is_some_and(|a| a.contains_key("cause")))
    })
}
