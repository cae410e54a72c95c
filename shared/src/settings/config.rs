//! Configuration: a TOML file (every key optional) overridden by environment variables.
//! Defaults are what a merchant replacing Booxi's own notifications would want.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use jiff::tz::TimeZone;
use url::Url;

use serde::Deserialize;

use crate::domain::config::{Brand, Config, EventsOut, WhatsApp, is_hex_colour};
use crate::domain::contact::{Country, EmailAddress};
use crate::domain::event::{EventType, alias_key};
use crate::domain::notification::{FlowChannel, Kind};
use crate::settings::env::*;
use crate::settings::error::ConfigError;
use crate::settings::flows::FlowFile;

/// The file's shape. Unknown keys are refused so a typo does not silently fall back to a default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    enabled_kinds: Option<Vec<String>>,
    sms_kinds: Option<Vec<String>>,
    staff_kinds: Option<Vec<String>>,
    staff_fallback_email: Option<String>,
    default_country: Option<String>,
    templates_dir: Option<PathBuf>,
    default_time_zone: Option<String>,
    max_recipients_per_event: Option<u64>,
    max_schedules_per_event: Option<u64>,
    merchant_id: Option<String>,
    brand: Option<BrandFile>,
    event_aliases: Option<BTreeMap<String, String>>,
    flows: Option<Vec<FlowFile>>,
    sms_fallback_email: Option<bool>,
    suppression_days: Option<String>,
    sms: Option<crate::settings::sms::SmsFile>,
    events_out: Option<EventsOutFile>,
    whatsapp: Option<WhatsAppFile>,
}

/// The file's `[whatsapp]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WhatsAppFile {
    phone_number_id: Option<String>,
    kinds: Option<Vec<String>>,
    instead_of_sms: Option<bool>,
    meta_api_version: Option<String>,
    languages: Option<BTreeMap<String, String>>,
    template_prefix: Option<String>,
    link_base: Option<String>,
}

/// `[events_out]` as written in the file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsOutFile {
    bus: Option<String>,
    contact_data: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct BrandFile {
    store_name: Option<String>,
    logo_url: Option<String>,
    accent_color: Option<String>,
    reply_to: Option<String>,
    footer_text: Option<String>,
    reply_to_store: Option<bool>,
    unsubscribe_url: Option<String>,
    staff_url: Option<String>,
    review_url: Option<String>,
}

/// Keys of the top level of the file and of its `[brand]` table, to tell a key put in the
/// wrong table from a misspelt one (which serde refuses, listing the valid keys).
const TOP_KEYS: &[&str] = &[
    "enabled_kinds",
    "sms_kinds",
    "staff_kinds",
    "staff_fallback_email",
    "default_country",
    "templates_dir",
    "default_time_zone",
    "max_recipients_per_event",
    "max_schedules_per_event",
    "merchant_id",
    "event_aliases",
    "flows",
    "sms_fallback_email",
    "suppression_days",
    "sms",
    "events_out",
];
const WHATSAPP_KEYS: &[&str] = &[
    "phone_number_id",
    "kinds",
    "instead_of_sms",
    "meta_api_version",
    "languages",
    "template_prefix",
    "link_base",
];
const EVENTS_OUT_KEYS: &[&str] = &["bus", "contact_data"];
const BRAND_KEYS: &[&str] = &[
    "store_name",
    "logo_url",
    "accent_color",
    "reply_to",
    "footer_text",
    "reply_to_store",
    "unsubscribe_url",
    "staff_url",
    "review_url",
];

impl ConfigFile {
    /// Parses the file's text; `path` is only for messages.
    fn parse(text: &str, path: &str) -> Result<Self, ConfigError> {
        let at = |e: toml::de::Error| {
            let (line, column) = line_column(text, e.span().map_or(0, |s| s.start));
            ConfigError::Toml {
                path: path.to_owned(),
                line,
                column,
                message: e.message().trim_end().to_owned(),
            }
        };
        let table: toml::Table = toml::from_str(text).map_err(at)?;
        let misplaced = |key: &str, message: &str| ConfigError::Misplaced {
            key: key.to_owned(),
            message: message.to_owned(),
            path: path.to_owned(),
            line: key_line(text, key.rsplit('.').next().unwrap_or(key)),
        };
        if let Some(key) = table.keys().find(|k| BRAND_KEYS.contains(&k.as_str())) {
            return Err(misplaced(
                key,
                "belongs in the [brand] table, not at the top level",
            ));
        }
        if let Some(key) = table
            .keys()
            .find(|k| crate::settings::sms::SMS_KEYS.contains(&k.as_str()))
        {
            return Err(misplaced(
                key,
                "belongs in the [sms] table, not at the top level",
            ));
        }
        if let Some(key) = table.keys().find(|k| EVENTS_OUT_KEYS.contains(&k.as_str())) {
            return Err(misplaced(
                key,
                "belongs in the [events_out] table, not at the top level",
            ));
        }
        if let Some(key) = table.keys().find(|k| WHATSAPP_KEYS.contains(&k.as_str())) {
            return Err(misplaced(
                key,
                "belongs in the [whatsapp] table, not at the top level",
            ));
        }
        if let Some(whatsapp) = table.get("whatsapp").and_then(toml::Value::as_table)
            && let Some(key) = whatsapp.keys().find(|k| TOP_KEYS.contains(&k.as_str()))
        {
            return Err(misplaced(
                &format!("whatsapp.{key}"),
                "belongs at the top level (before any [table]), not in [whatsapp]",
            ));
        }
        if let Some(brand) = table.get("brand").and_then(toml::Value::as_table)
            && let Some(key) = brand.keys().find(|k| TOP_KEYS.contains(&k.as_str()))
        {
            return Err(misplaced(
                &format!("brand.{key}"),
                "belongs at the top level (before any [table]), not in [brand]",
            ));
        }
        toml::from_str(text).map_err(at)
    }
}

/// The 1-based line and column (in characters) of byte `offset` of `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..text.floor_char_boundary(offset.min(text.len()))];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The 1-based line where `key = …` is first written (0 when not found).
fn key_line(text: &str, key: &str) -> usize {
    text.lines()
        .position(|line| {
            line.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or(0, |i| i + 1)
}

impl Config {
    /// Reads `path` (if any), then applies overrides from `env` (a lookup such as
    /// `|k| std::env::var(k).ok()`).
    pub fn load(
        path: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let file = match path {
            None => ConfigFile::default(),
            Some(path) => {
                let shown = path.display().to_string();
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: shown.clone(),
                    source,
                })?;
                let mut file = ConfigFile::parse(&text, &shown)?;
                // A relative templates folder is relative to the file that names it.
                if let (Some(dir), Some(base)) = (file.templates_dir.as_mut(), path.parent())
                    && dir.is_relative()
                {
                    *dir = base.join(&*dir);
                }
                file
            }
        };
        Self::from_parts(file, env)
    }

    /// Parses TOML text (no environment), for tests and embedding.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let file = ConfigFile::parse(text, "<inline>")?;
        Self::from_parts(file, |_| None)
    }

    fn from_parts(
        file: ConfigFile,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut config = Config::default();
        let list = |env_key: &str, file_key: &str, from_file: Option<Vec<String>>, staff| match env(
            env_key,
        ) {
            Some(text) => kinds(env_key, split_list(&text), staff).map(Some),
            None => from_file
                .map(|names| kinds(file_key, names, staff))
                .transpose(),
        };
        if let Some(set) = list(
            ENV_ENABLED_KINDS,
            "enabled_kinds",
            file.enabled_kinds,
            false,
        )? {
            config.enabled_kinds = only(set, "enabled_kinds", false)?;
        }
        if let Some(set) = list(ENV_SMS_KINDS, "sms_kinds", file.sms_kinds, false)? {
            config.sms_kinds = only(set, "sms_kinds", false)?;
        }
        if let Some(set) = list(ENV_STAFF_KINDS, "staff_kinds", file.staff_kinds, true)? {
            config.staff_kinds = only(set, "staff_kinds", true)?;
        }
        let fallback = env(ENV_STAFF_FALLBACK_EMAIL)
            .map(|v| (ENV_STAFF_FALLBACK_EMAIL, v))
            .or(file
                .staff_fallback_email
                .map(|v| ("staff_fallback_email", v)));
        if let Some((key, text)) = fallback {
            config.staff_fallback_email = if text.trim().is_empty() {
                None
            } else {
                Some(EmailAddress::parse(&text).map_err(|e| invalid(key, e.to_string()))?)
            };
        }
        let country = env(ENV_DEFAULT_COUNTRY)
            .map(|v| (ENV_DEFAULT_COUNTRY, v))
            .or(file.default_country.map(|v| ("default_country", v)));
        if let Some((key, text)) = country {
            config.default_country = Country::parse(&text).ok_or_else(|| {
                invalid(
                    key,
                    format!("`{text}` is not an ISO 3166-1 alpha-2 country code"),
                )
            })?;
        }
        let templates_dir = env(ENV_TEMPLATES_DIR)
            .map(PathBuf::from)
            .or(file.templates_dir);
        config.templates_dir = templates_dir.filter(|d| !d.as_os_str().is_empty());
        let zone = env(ENV_DEFAULT_TIME_ZONE)
            .map(|v| (ENV_DEFAULT_TIME_ZONE, v))
            .or(file.default_time_zone.map(|v| ("default_time_zone", v)));
        if let Some((key, name)) = zone {
            config.default_time_zone = TimeZone::get(name.trim())
                .map_err(|_| invalid(key, format!("`{name}` is not an IANA time zone name")))?;
        }
        let at_least_one = |key: &str, text: String| {
            text.trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| {
                    invalid(key, format!("`{text}` is not a whole number of at least 1"))
                })
        };
        let cap = env(ENV_MAX_RECIPIENTS_PER_EVENT)
            .map(|v| (ENV_MAX_RECIPIENTS_PER_EVENT, v))
            .or(file
                .max_recipients_per_event
                .map(|n| ("max_recipients_per_event", n.to_string())));
        if let Some((key, text)) = cap {
            config.max_recipients_per_event = at_least_one(key, text)?;
        }
        let cap = env(ENV_MAX_SCHEDULES_PER_EVENT)
            .map(|v| (ENV_MAX_SCHEDULES_PER_EVENT, v))
            .or(file
                .max_schedules_per_event
                .map(|n| ("max_schedules_per_event", n.to_string())));
        if let Some((key, text)) = cap {
            config.max_schedules_per_event = at_least_one(key, text)?;
        }
        let merchant = env(ENV_MERCHANT_ID).or(file.merchant_id);
        config.merchant_id = merchant
            .map(|m| m.trim().to_owned())
            .filter(|m| !m.is_empty());
        let fallback = env(ENV_SMS_FALLBACK_EMAIL)
            .map(|v| (ENV_SMS_FALLBACK_EMAIL, v))
            .or(file
                .sms_fallback_email
                .map(|b| ("sms_fallback_email", b.to_string())));
        if let Some((key, text)) = fallback {
            config.sms_fallback_email = match text.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => true,
                "false" | "0" | "no" | "off" => false,
                _ => return Err(invalid(key, format!("`{text}` is not true or false"))),
            };
        }
        let days = env(ENV_SUPPRESSION_DAYS)
            .map(|v| (ENV_SUPPRESSION_DAYS, v))
            .or(file.suppression_days.map(|v| ("suppression_days", v)));
        if let Some((key, text)) = days {
            config.suppression_days = crate::domain::feedback::SuppressionDays::parse(&text)
                .map_err(|e| invalid(key, e))?;
        }
        config.brand = brand(file.brand.unwrap_or_default(), &env)?;
        config.sms =
            crate::settings::sms::sms(file.sms.unwrap_or_default(), &env, |key, names| {
                kinds(key, names, false)
            })?;
        config.flows = crate::settings::flows::flows(file.flows.unwrap_or_default())?;
        // Without a review page, the built-in review request can only ask for a reply:
        // fine by email (it goes to the reply-to address), lost by SMS (a text's reply
        // reaches no one unless two-way SMS is set up).
        if config.brand.review_url.is_none()
            && let Some(i) = config.flows.iter().position(|f| {
                f.name.as_str() == "review_request" && f.channels.contains(&FlowChannel::Sms)
            })
        {
            return Err(ConfigError::Invalid {
                key: format!("flows[{i}].channels"),
                message: "review_request by SMS needs [brand] review_url \
                          (BOOXI_BRAND_REVIEW_URL): a reply to a text reaches no one"
                    .into(),
            });
        }
        config.events_out = events_out(file.events_out.unwrap_or_default(), &env)?;
        // A flow's event goes to the bus: without one it would go nowhere.
        if config.events_out.is_none()
            && let Some(i) = config
                .flows
                .iter()
                .position(|f| f.channels.contains(&FlowChannel::Event))
        {
            return Err(ConfigError::Invalid {
                key: format!("flows[{i}].channels"),
                message: "`event` needs [events_out] bus (BOOXI_EVENT_BUS): the bus its event \
                          is published to"
                    .into(),
            });
        }
        config.whatsapp = whatsapp(file.whatsapp, &env, &config)?;
        config.event_aliases = match env(ENV_EVENT_ALIASES) {
            Some(text) => event_aliases(ENV_EVENT_ALIASES, &alias_pairs(&text)?, |name| {
                format!("{ENV_EVENT_ALIASES}[{name}]")
            })?,
            None => event_aliases(
                "event_aliases",
                &file.event_aliases.unwrap_or_default(),
                |name| format!("event_aliases.\"{name}\""),
            )?,
        };
        Ok(config)
    }
}

/// `name=known, name=known` (`BOOXI_EVENT_ALIASES`); empty means no alias.
fn alias_pairs(text: &str) -> Result<BTreeMap<String, String>, ConfigError> {
    pairs(
        ENV_EVENT_ALIASES,
        text,
        "name=known (e.g. booking.confirmed=appointment.created)",
    )
}

/// `a=b, c=d` read from the variable `key`; `shape` says what a pair looks like.
fn pairs(key: &str, text: &str, shape: &str) -> Result<BTreeMap<String, String>, ConfigError> {
    let mut pairs = BTreeMap::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| invalid(key, format!("`{pair}` is not {shape}")))?;
        pairs.insert(name.trim().to_owned(), value.trim().to_owned());
    }
    Ok(pairs)
}

/// Checks each alias: the name is not empty and not a type we already know, the target
/// is one we act on. `key` names the setting in errors.
fn event_aliases(
    table: &str,
    pairs: &BTreeMap<String, String>,
    key: impl Fn(&str) -> String,
) -> Result<BTreeMap<String, EventType>, ConfigError> {
    let mut aliases = BTreeMap::new();
    for (name, target) in pairs {
        if name.trim().is_empty() {
            return Err(invalid(table, "an alias needs a name".to_owned()));
        }
        if EventType::parse(name).is_known() {
            return Err(invalid(
                &key(name),
                format!("`{}` is already an event type we act on", name.trim()),
            ));
        }
        let known = EventType::parse(target);
        if !known.is_known() {
            return Err(invalid(
                &key(name),
                format!(
                    "`{}` is not an event type we act on (appointment.created, appointment.updated, \
                     appointment.status_updated, appointment.canceled, appointment.completed, \
                     appointment.remind, appointment.recall, reservation.created, \
                     reservation.updated, reservation.status_updated)",
                    target.trim()
                ),
            ));
        }
        aliases.insert(alias_key(name), known);
    }
    Ok(aliases)
}

fn brand(file: BrandFile, env: &impl Fn(&str) -> Option<String>) -> Result<Brand, ConfigError> {
    // The environment wins; an empty value clears the setting.
    let pick = |env_key, file_key, from_file| pick(env, env_key, file_key, from_file);
    let mut brand = Brand::default();
    if let Some((_, name)) = pick(ENV_BRAND_STORE_NAME, "brand.store_name", file.store_name) {
        brand.store_name = Some(one_line(&name));
    }
    if let Some((key, text)) = pick(ENV_BRAND_LOGO_URL, "brand.logo_url", file.logo_url) {
        let url = crate::domain::text::web_url(&text)
            .ok_or_else(|| invalid(key, format!("`{text}` is not an http(s) URL")))?;
        brand.logo_url = Some(url);
    }
    if let Some((key, text)) = pick(
        ENV_BRAND_ACCENT_COLOR,
        "brand.accent_color",
        file.accent_color,
    ) {
        if !is_hex_colour(&text) {
            return Err(invalid(
                key,
                format!("`{text}` is not a colour like #1d4ed8"),
            ));
        }
        brand.accent_color = text.to_ascii_lowercase();
    }
    if let Some((key, text)) = pick(ENV_BRAND_REPLY_TO, "brand.reply_to", file.reply_to) {
        brand.reply_to = Some(EmailAddress::parse(&text).map_err(|e| invalid(key, e.to_string()))?);
    }
    if let Some((_, text)) = pick(ENV_BRAND_FOOTER_TEXT, "brand.footer_text", file.footer_text) {
        brand.footer_text = Some(one_line(&text));
    }
    let reply_to_store = file.reply_to_store.map(|b| b.to_string());
    if let Some((key, text)) = pick(
        ENV_BRAND_REPLY_TO_STORE,
        "brand.reply_to_store",
        reply_to_store,
    ) {
        brand.reply_to_store = match text.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => true,
            "false" | "0" | "no" | "off" => false,
            _ => return Err(invalid(key, format!("`{text}` is not true or false"))),
        };
    }
    let web_url = |key: &str, text: &str| {
        Url::parse(text)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| invalid(key, format!("`{text}` is not an http(s) URL")))
    };
    if let Some((key, text)) = pick(
        ENV_BRAND_UNSUBSCRIBE_URL,
        "brand.unsubscribe_url",
        file.unsubscribe_url,
    ) {
        brand.unsubscribe_url = Some(web_url(key, &text)?);
    }
    if let Some((key, text)) = pick(ENV_BRAND_STAFF_URL, "brand.staff_url", file.staff_url) {
        brand.staff_url = web_url(key, &text)?;
    }
    if let Some((key, text)) = pick(ENV_BRAND_REVIEW_URL, "brand.review_url", file.review_url) {
        brand.review_url = Some(web_url(key, &text)?);
    }
    Ok(brand)
}

/// `[whatsapp]` and its variables: `None` (off) unless a phone number id is set; a
/// `[whatsapp]` table without one is a mistake worth naming.
fn whatsapp(
    file: Option<WhatsAppFile>,
    env: &impl Fn(&str) -> Option<String>,
    config: &Config,
) -> Result<Option<WhatsApp>, ConfigError> {
    let in_file = file.is_some();
    let file = file.unwrap_or_default();
    let pick = |env_key: &'static str, file_key: &'static str, from_file: Option<String>| {
        env(env_key)
            .map(|v| (env_key, v))
            .or(from_file.map(|v| (file_key, v)))
            .map(|(key, v)| (key, v.trim().to_owned()))
            .filter(|(_, v)| !v.is_empty())
    };
    let Some((key, id)) = pick(
        ENV_WHATSAPP_PHONE_NUMBER_ID,
        "whatsapp.phone_number_id",
        file.phone_number_id,
    ) else {
        if in_file {
            return Err(invalid(
                "whatsapp.phone_number_id",
                "required with [whatsapp]: the id End User Messaging Social gives the \
                 WhatsApp number (phone-number-id-…)"
                    .into(),
            ));
        }
        return Ok(None);
    };
    let digits = id.strip_prefix("phone-number-id-").unwrap_or("");
    if digits.is_empty() || id.len() > 115 || !digits.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(invalid(
            key,
            format!("`{id}` is not a phone number id (phone-number-id- and letters or digits)"),
        ));
    }
    let mut whatsapp = WhatsApp::new(id);
    let kinds = match env(ENV_WHATSAPP_KINDS) {
        Some(text) => Some((ENV_WHATSAPP_KINDS, split_list(&text))),
        None => file.kinds.map(|k| ("whatsapp.kinds", k)),
    };
    if let Some((key, names)) = kinds {
        whatsapp.kinds = whatsapp_kinds(key, names, config)?;
    }
    let instead = pick(
        ENV_WHATSAPP_INSTEAD_OF_SMS,
        "whatsapp.instead_of_sms",
        file.instead_of_sms.map(|b| b.to_string()),
    );
    if let Some((key, text)) = instead {
        whatsapp.instead_of_sms = match text.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => true,
            "false" | "0" | "no" | "off" => false,
            _ => return Err(invalid(key, format!("`{text}` is not true or false"))),
        };
    }
    if let Some((key, version)) = pick(
        ENV_WHATSAPP_META_API_VERSION,
        "whatsapp.meta_api_version",
        file.meta_api_version,
    ) {
        let number = version.strip_prefix('v').unwrap_or("");
        let ok = !number.is_empty()
            && number.split('.').count() <= 2
            && number
                .split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        if !ok {
            return Err(invalid(
                key,
                format!("`{version}` is not a Graph API version such as v20.0"),
            ));
        }
        whatsapp.meta_api_version = version;
    }
    let languages = match env(ENV_WHATSAPP_LANGUAGES) {
        Some(text) => Some((ENV_WHATSAPP_LANGUAGES, language_pairs(&text)?)),
        None => file.languages.map(|l| ("whatsapp.languages", l)),
    };
    if let Some((key, pairs)) = languages {
        for (ours, meta) in pairs {
            let ours = ours.trim();
            if !crate::domain::contact::LANGUAGES.contains(&ours) {
                return Err(invalid(
                    key,
                    format!(
                        "`{ours}` is not one of our languages ({})",
                        crate::domain::contact::LANGUAGES.join(", ")
                    ),
                ));
            }
            let meta = meta.trim();
            let (lang, region) = meta.split_once('_').unwrap_or((meta, ""));
            let ok = (2..=3).contains(&lang.len())
                && lang.bytes().all(|b| b.is_ascii_lowercase())
                && region.len() <= 4
                && region.bytes().all(|b| b.is_ascii_alphanumeric())
                && (region.is_empty() != meta.contains('_'));
            if !ok {
                return Err(invalid(
                    key,
                    format!("`{meta}` is not one of Meta's language codes (en, en_US, pt_BR…)"),
                ));
            }
            whatsapp.languages.insert(ours.to_owned(), meta.to_owned());
        }
    }
    if let Some((key, prefix)) = pick(
        ENV_WHATSAPP_TEMPLATE_PREFIX,
        "whatsapp.template_prefix",
        file.template_prefix,
    ) {
        if prefix.len() > 64
            || !prefix
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(invalid(
                key,
                format!(
                    "`{prefix}`: template names take lower-case letters, digits and `_` (at most 64 here)"
                ),
            ));
        }
        whatsapp.template_prefix = prefix;
    }
    if let Some((key, text)) = pick(ENV_WHATSAPP_LINK_BASE, "whatsapp.link_base", file.link_base) {
        let url = Url::parse(&text)
            .ok()
            .filter(|u| u.scheme() == "https" && u.host().is_some())
            .filter(|u| u.query().is_none() && u.fragment().is_none())
            .ok_or_else(|| {
                invalid(
                    key,
                    format!(
                        "`{text}` is not an https URL without a query (https://book.booxi.com/)"
                    ),
                )
            })?;
        whatsapp.link_base = url;
    }
    // A reply to a WhatsApp message reaches no one here: the review request needs its page.
    if whatsapp.sends(Kind::Flow(
        crate::domain::notification::FlowName::parse("review_request")
            .map_err(|e| invalid("whatsapp.kinds", e.to_string()))?,
    )) && config.brand.review_url.is_none()
    {
        return Err(invalid(
            "whatsapp.kinds",
            "review_request by WhatsApp needs [brand] review_url (BOOXI_BRAND_REVIEW_URL): \
             its button opens it"
                .into(),
        ));
    }
    Ok(Some(whatsapp))
}

/// `[whatsapp] kinds`: client kinds and configured flows (`all`: every client kind and
/// every configured flow).
fn whatsapp_kinds(
    key: &str,
    names: Vec<String>,
    config: &Config,
) -> Result<BTreeSet<Kind>, ConfigError> {
    let flows = config.flows.iter().map(|f| Kind::Flow(f.name));
    if names.len() == 1 && names[0].eq_ignore_ascii_case("all") {
        return Ok(Kind::CLIENT.into_iter().chain(flows).collect());
    }
    let mut set = BTreeSet::new();
    for name in &names {
        let name = name.trim();
        let kind = name
            .parse::<Kind>()
            .ok()
            .filter(|k| !k.is_staff())
            .or_else(|| flows.clone().find(|k| k.name() == name))
            .ok_or_else(|| {
                let mut valid: Vec<&str> = Kind::CLIENT.iter().map(|k| k.name()).collect();
                valid.extend(config.flows.iter().map(|f| f.name.as_str()));
                invalid(
                    key,
                    format!(
                        "`{name}` is not a client kind or a configured flow; WhatsApp takes {} (or all)",
                        valid.join(", ")
                    ),
                )
            })?;
        set.insert(kind);
    }
    Ok(set)
}

/// `eng=en_US, spa=es_MX` (`BOOXI_WHATSAPP_LANGUAGES`).
fn language_pairs(text: &str) -> Result<BTreeMap<String, String>, ConfigError> {
    pairs(
        ENV_WHATSAPP_LANGUAGES,
        text,
        "language=code (e.g. spa=es_MX)",
    )
}

/// `[events_out]`: the bus (`BOOXI_EVENT_BUS` wins; empty: off) and whether the detail
/// carries contact data (`BOOXI_EVENTS_CONTACT_DATA`).
fn events_out(
    file: EventsOutFile,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Option<EventsOut>, ConfigError> {
    let contact_data = match env(ENV_EVENTS_CONTACT_DATA)
        .map(|v| (ENV_EVENTS_CONTACT_DATA, v.trim().to_ascii_lowercase()))
        .filter(|(_, v)| !v.is_empty())
    {
        None => file.contact_data.unwrap_or(true),
        Some((key, text)) => match text.as_str() {
            "true" | "1" | "yes" | "on" => true,
            "false" | "0" | "no" | "off" => false,
            _ => return Err(invalid(key, format!("`{text}` is not true or false"))),
        },
    };
    let bus = env(ENV_EVENT_BUS)
        .map(|v| (ENV_EVENT_BUS, v))
        .or(file.bus.map(|v| ("events_out.bus", v)))
        .map(|(key, v)| (key, v.trim().to_owned()))
        .filter(|(_, v)| !v.is_empty());
    let Some((key, bus)) = bus else {
        return Ok(None);
    };
    if !is_event_bus(&bus) {
        return Err(invalid(
            key,
            format!(
                "`{bus}` is not an EventBridge bus name (letters, digits, `.`, `-`, `_`, `/`) \
                 or ARN (arn:aws:events:<region>:<account>:event-bus/<name>)"
            ),
        ));
    }
    Ok(Some(EventsOut { bus, contact_data }))
}

/// A bus name (1 to 256 of `[A-Za-z0-9._/-]`) or a bus ARN, as PutEvents takes them.
fn is_event_bus(text: &str) -> bool {
    let name_ok = |name: &str| {
        (1..=256).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._/-".contains(&b))
    };
    match text.strip_prefix("arn:") {
        None => name_ok(text),
        Some(rest) => {
            let parts: Vec<&str> = rest.splitn(5, ':').collect();
            match parts.as_slice() {
                [partition, "events", region, account, resource] => {
                    partition.starts_with("aws")
                        && !region.is_empty()
                        && account.len() == 12
                        && account.bytes().all(|b| b.is_ascii_digit())
                        && resource.strip_prefix("event-bus/").is_some_and(name_ok)
                }
                _ => false,
            }
        }
    }
}

/// Control characters (line breaks included) become spaces: these values go into headers.
fn one_line(text: &str) -> String {
    crate::domain::text::one_line(text)
}

fn invalid(key: &str, message: String) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_owned(),
        message,
    }
}

/// `a, b ,c` → [a, b, c]; `` or `none` → []; `all` stays `all`.
fn split_list(text: &str) -> Vec<String> {
    if text.trim().eq_ignore_ascii_case("none") {
        return Vec::new();
    }
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn kinds(key: &str, names: Vec<String>, staff: bool) -> Result<BTreeSet<Kind>, ConfigError> {
    if names.len() == 1 && names[0].eq_ignore_ascii_case("all") {
        return Ok(Kind::CLIENT.into_iter().chain(Kind::STAFF).collect());
    }
    names
        .iter()
        .map(|n| {
            n.parse::<Kind>().map_err(|e| {
                let side: &[Kind] = if staff { &Kind::STAFF } else { &Kind::CLIENT };
                let valid: Vec<&str> = side.iter().map(|k| k.name()).collect();
                let which = if staff { "staff" } else { "client" };
                invalid(
                    key,
                    format!("{e}; the {which} kinds are {} (or all)", valid.join(", ")),
                )
            })
        })
        .collect()
}

/// Keeps a set to one side of the rules: `all` means all kinds of that side, and a kind
/// of the other side is a mistake worth reporting.
fn only(set: BTreeSet<Kind>, key: &str, staff: bool) -> Result<BTreeSet<Kind>, ConfigError> {
    let everything = set.len() == Kind::CLIENT.len() + Kind::STAFF.len();
    if let Some(wrong) = set
        .iter()
        .find(|k| k.is_staff() != staff)
        .filter(|_| !everything)
    {
        let side = if staff { "staff" } else { "client" };
        return Err(invalid(key, format!("`{wrong}` is not a {side} kind")));
    }
    Ok(set.into_iter().filter(|k| k.is_staff() == staff).collect())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::config::DEFAULT_STAFF_URL;
    use std::collections::HashMap;

    /// The environment as `pairs` (the settings' tests share it).
    pub(crate) fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults_enable_every_kind_and_sms_for_four() {
        let c = Config::default();
        assert_eq!(c.enabled_kinds.len(), 11);
        assert_eq!(c.staff_kinds.len(), 6);
        let sms: Vec<_> = c.sms_kinds.iter().map(|k| k.name()).collect();
        assert_eq!(
            sms,
            ["confirmation", "changed", "canceled_by_store", "reminder"]
        );
        assert_eq!(c.default_country.code(), "CA");
        assert_eq!(c.staff_fallback_email, None);
        assert_eq!(c.max_recipients_per_event, 200);
    }

    #[test]
    fn the_recipient_cap_is_read_and_checked() {
        let c = Config::from_toml("max_recipients_per_event = 12").unwrap();
        assert_eq!(c.max_recipients_per_event, 12);
        let c = Config::load(None, env(&[(ENV_MAX_RECIPIENTS_PER_EVENT, " 3 ")])).unwrap();
        assert_eq!(c.max_recipients_per_event, 3);
        for bad in ["0", "-1", "lots"] {
            let e = Config::load(None, env(&[(ENV_MAX_RECIPIENTS_PER_EVENT, bad)])).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!(
                    "BOOXI_MAX_RECIPIENTS_PER_EVENT: `{bad}` is not a whole number of at least 1"
                )
            );
        }
    }

    #[test]
    fn file_keys_are_read() {
        let c = Config::from_toml(
            r#"
            enabled_kinds = ["confirmation", "reminder"]
            sms_kinds = []
            staff_kinds = ["staff_canceled"]
            staff_fallback_email = "desk@example.com"
            default_country = "fr"
            "#,
        )
        .unwrap();
        assert_eq!(c.enabled_kinds, [Kind::Confirmation, Kind::Reminder].into());
        assert!(c.sms_kinds.is_empty());
        assert_eq!(c.staff_kinds, [Kind::StaffCanceled].into());
        assert_eq!(c.staff_fallback_email.unwrap().as_str(), "desk@example.com");
        assert_eq!(c.default_country.code(), "FR");
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = std::env::temp_dir().join(format!("booxi-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.toml");
        std::fs::write(
            &path,
            "sms_kinds = [\"reminder\"]\ndefault_country = \"FR\"\n",
        )
        .unwrap();
        let c = Config::load(
            Some(&path),
            env(&[
                (ENV_SMS_KINDS, "confirmation, changed"),
                (ENV_DEFAULT_COUNTRY, "us"),
                (ENV_STAFF_KINDS, "none"),
                (ENV_STAFF_FALLBACK_EMAIL, "front@example.com"),
            ]),
        )
        .unwrap();
        assert_eq!(c.sms_kinds, [Kind::Confirmation, Kind::Changed].into());
        assert_eq!(c.default_country.code(), "US");
        assert!(c.staff_kinds.is_empty());
        assert_eq!(
            c.staff_fallback_email.unwrap().as_str(),
            "front@example.com"
        );
    }

    #[test]
    fn sms_fallback_and_suppression_days_read_from_file_and_environment() {
        let d = Config::default();
        assert!(d.sms_fallback_email);
        assert_eq!(d.suppression_days.bounced, 90);
        let c = Config::from_toml("sms_fallback_email = false\nsuppression_days = \"bounced=30\"")
            .unwrap();
        assert!(!c.sms_fallback_email);
        assert_eq!(c.suppression_days.bounced, 30);
        let c = Config::load(
            None,
            env(&[
                (ENV_SMS_FALLBACK_EMAIL, "off"),
                (ENV_SUPPRESSION_DAYS, "complained=700"),
            ]),
        )
        .unwrap();
        assert!(!c.sms_fallback_email);
        assert_eq!(c.suppression_days.complained, 700);
        let err = Config::load(None, env(&[(ENV_SMS_FALLBACK_EMAIL, "maybe")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "BOOXI_SMS_FALLBACK_EMAIL: `maybe` is not true or false"
        );
        let err = Config::load(None, env(&[(ENV_SUPPRESSION_DAYS, "bounced=0")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "BOOXI_SUPPRESSION_DAYS: `bounced=0`: days must be a whole number from 1 to 3650"
        );
    }

    #[test]
    fn mistakes_are_named() {
        let err = Config::from_toml("sms_kinds = [\"confirmaton\"]").unwrap_err();
        assert_eq!(
            err.to_string(),
            "sms_kinds: unknown notification kind `confirmaton`; the client kinds are \
             confirmation, request_received, awaiting_client_confirmation, changed, \
             canceled_by_store, canceled_by_client, no_show, completed, reminder, recall, \
             reservation_completed (or all)"
        );
        let err = Config::from_toml("staff_kinds = [\"staff_cancelled\"]").unwrap_err();
        assert_eq!(
            err.to_string(),
            "staff_kinds: unknown notification kind `staff_cancelled`; the staff kinds are \
             staff_new_booking, staff_needs_dispatch, staff_flexible_dates, staff_approved, \
             staff_changed, staff_canceled (or all)"
        );
        let err = Config::from_toml("staff_kinds = [\"reminder\"]").unwrap_err();
        assert_eq!(
            err.to_string(),
            "staff_kinds: `reminder` is not a staff kind"
        );
        let err = Config::from_toml("default_country = \"Canada\"").unwrap_err();
        assert_eq!(
            err.to_string(),
            "default_country: `Canada` is not an ISO 3166-1 alpha-2 country code"
        );
        let err = Config::from_toml("staff_fallback_email = \"desk\"").unwrap_err();
        assert_eq!(
            err.to_string(),
            "staff_fallback_email: email address is not valid"
        );
        let err = Config::from_toml("sms_kind = []").unwrap_err();
        assert_eq!(
            err.to_string(),
            "configuration file <inline>: line 1, column 1: unknown field `sms_kind`, expected \
             one of `enabled_kinds`, `sms_kinds`, `staff_kinds`, `staff_fallback_email`, \
             `default_country`, `templates_dir`, `default_time_zone`, `max_recipients_per_event`, \
             `max_schedules_per_event`, `merchant_id`, `brand`, \
             `event_aliases`, `flows`, `sms_fallback_email`, `suppression_days`, `sms`, \
             `events_out`, `whatsapp`"
        );
        let err =
            Config::load(None, env(&[(ENV_ENABLED_KINDS, "confirmation,bogus")])).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("BOOXI_ENABLED_KINDS: unknown notification kind `bogus`; the client kinds are confirmation, "),
            "{err}"
        );
    }

    #[test]
    fn syntax_errors_give_line_and_column() {
        let err = Config::from_toml(
            "sms_kinds = []\n[brand]\nstore_name = \"Acme\nfooter_text = \"x\"\n",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "configuration file <inline>: line 3, column 19: invalid basic string, expected `\"`"
        );
        let err =
            Config::from_toml("default_country = \"CA\"\nsms_kinds = \"reminder\"\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "configuration file <inline>: line 2, column 13: invalid type: string \"reminder\", expected a sequence"
        );
    }

    #[test]
    fn a_key_in_the_wrong_table_says_where_it_belongs() {
        let err = Config::from_toml("sms_kinds = []\nstore_name = \"Acme\"\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "store_name: belongs in the [brand] table, not at the top level \
             (configuration file <inline>, line 2)"
        );
        let err = Config::from_toml("[brand]\nstore_name = \"Acme\"\ndefault_country = \"FR\"\n")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "brand.default_country: belongs at the top level (before any [table]), not in \
             [brand] (configuration file <inline>, line 3)"
        );
    }

    #[test]
    fn whatsapp_is_off_unless_a_phone_number_id_is_set() {
        assert_eq!(Config::default().whatsapp, None);
        assert_eq!(Config::from_toml("").unwrap().whatsapp, None);
        let c = Config::from_toml("[whatsapp]\nphone_number_id = \"phone-number-id-0a1b2c\"\n")
            .unwrap();
        let w = c.whatsapp.unwrap();
        assert_eq!(w.phone_number_id, "phone-number-id-0a1b2c");
        assert_eq!(w.arn_id(), "0a1b2c");
        let kinds: Vec<&str> = w.kinds.iter().map(|k| k.name()).collect();
        assert_eq!(
            kinds,
            ["confirmation", "changed", "canceled_by_store", "reminder"]
        );
        assert!(w.instead_of_sms);
        assert_eq!(w.meta_api_version, "v20.0");
        assert_eq!(w.language_code("por"), Some("pt_BR"));
        assert_eq!(w.template_prefix, "booxi_");
        assert_eq!(w.link_base.as_str(), "https://book.booxi.com/");
        // The environment alone turns it on, as the stack does.
        let c = Config::load(
            None,
            env(&[
                (ENV_WHATSAPP_PHONE_NUMBER_ID, "phone-number-id-99"),
                (ENV_WHATSAPP_KINDS, "reminder, no_show"),
                (ENV_WHATSAPP_INSTEAD_OF_SMS, "false"),
                (ENV_WHATSAPP_LANGUAGES, "spa=es_MX, eng=en_US"),
                (ENV_WHATSAPP_META_API_VERSION, "v21.0"),
            ]),
        )
        .unwrap();
        let w = c.whatsapp.unwrap();
        assert_eq!(w.kinds, [Kind::NoShow, Kind::Reminder].into());
        assert!(!w.instead_of_sms);
        assert_eq!(w.language_code("spa"), Some("es_MX"));
        assert_eq!(w.language_code("eng"), Some("en_US"));
        assert_eq!(w.language_code("fre"), Some("fr"));
        assert_eq!(w.meta_api_version, "v21.0");
    }

    #[test]
    fn whatsapp_mistakes_are_named() {
        let err = |text: &str| Config::from_toml(text).unwrap_err().to_string();
        assert_eq!(
            err("[whatsapp]\nkinds = [\"reminder\"]\n"),
            "whatsapp.phone_number_id: required with [whatsapp]: the id End User Messaging \
             Social gives the WhatsApp number (phone-number-id-…)"
        );
        let id = "[whatsapp]\nphone_number_id = \"phone-number-id-1\"\n";
        assert_eq!(
            err("[whatsapp]\nphone_number_id = \"+15145550100\"\n"),
            "whatsapp.phone_number_id: `+15145550100` is not a phone number id \
             (phone-number-id- and letters or digits)"
        );
        assert!(
            err(&format!("{id}kinds = [\"staff_new_booking\"]\n")).starts_with(
                "whatsapp.kinds: `staff_new_booking` is not a client kind or a configured flow"
            )
        );
        assert_eq!(
            err(&format!("{id}meta_api_version = \"20\"\n")),
            "whatsapp.meta_api_version: `20` is not a Graph API version such as v20.0"
        );
        assert_eq!(
            err(&format!("{id}languages = {{ ita = \"it\" }}\n")),
            "whatsapp.languages: `ita` is not one of our languages (eng, fre, spa, por, nld, deu)"
        );
        assert_eq!(
            err(&format!("{id}languages = {{ spa = \"Spanish\" }}\n")),
            "whatsapp.languages: `Spanish` is not one of Meta's language codes (en, en_US, pt_BR…)"
        );
        assert!(
            err(&format!("{id}template_prefix = \"Booxi-\"\n"))
                .starts_with("whatsapp.template_prefix")
        );
        assert!(
            err(&format!("{id}link_base = \"http://x.example/\"\n"))
                .starts_with("whatsapp.link_base")
        );
        assert_eq!(
            err("phone_number_id = \"phone-number-id-1\"\n"),
            "phone_number_id: belongs in the [whatsapp] table, not at the top level \
             (configuration file <inline>, line 1)"
        );
        let flows = "[[flows]]\nname = \"review_request\"\nafter_completed = \"2h\"\n";
        assert_eq!(
            err(&format!("{flows}{id}kinds = [\"review_request\"]\n")),
            "whatsapp.kinds: review_request by WhatsApp needs [brand] review_url \
             (BOOXI_BRAND_REVIEW_URL): its button opens it"
        );
        // A configured flow is a WhatsApp kind like the others.
        let c = Config::from_toml(&format!(
            "[[flows]]\nname = \"pre_visit\"\nbefore_start = \"24h\"\n{id}kinds = [\"pre_visit\", \"reminder\"]\n"
        ))
        .unwrap();
        assert_eq!(c.whatsapp.unwrap().kinds.len(), 2);
    }

    #[test]
    fn rendering_defaults() {
        let c = Config::default();
        assert_eq!(c.brand, Brand::default());
        assert_eq!(c.brand.accent_color, "#1d4ed8");
        assert_eq!(c.templates_dir, None);
        assert_eq!(c.default_time_zone.iana_name(), Some("America/Toronto"));
    }

    #[test]
    fn brand_templates_and_time_zone_keys_are_read() {
        let c = Config::from_toml(
            r##"
            default_time_zone = "Europe/Paris"
            templates_dir = "/srv/templates"

            [brand]
            store_name = "Acme Optics"
            logo_url = "https://acme.example/logo.png"
            accent_color = "#0F766E"
            reply_to = "hello@acme.example"
            footer_text = "Acme Optics, 1 Main St."
            "##,
        )
        .unwrap();
        assert_eq!(c.default_time_zone.iana_name(), Some("Europe/Paris"));
        assert_eq!(
            c.templates_dir.as_deref(),
            Some(Path::new("/srv/templates"))
        );
        assert_eq!(c.brand.store_name.as_deref(), Some("Acme Optics"));
        assert_eq!(
            c.brand.logo_url.unwrap().as_str(),
            "https://acme.example/logo.png"
        );
        assert_eq!(c.brand.accent_color, "#0f766e");
        assert_eq!(c.brand.reply_to.unwrap().as_str(), "hello@acme.example");
        assert_eq!(
            c.brand.footer_text.as_deref(),
            Some("Acme Optics, 1 Main St.")
        );
    }

    #[test]
    fn reply_unsubscribe_and_staff_link_keys() {
        let d = Config::default().brand;
        assert!(d.reply_to_store);
        assert_eq!(d.unsubscribe_url, None);
        assert_eq!(d.staff_url.as_str(), DEFAULT_STAFF_URL);
        let c = Config::from_toml(
            "[brand]\nreply_to_store = false\nunsubscribe_url = \"https://acme.example/unsubscribe?e={email}\"\nstaff_url = \"https://backoffice.example/\"\n",
        )
        .unwrap();
        assert!(!c.brand.reply_to_store);
        assert_eq!(
            c.brand.unsubscribe_url.unwrap().as_str(),
            "https://acme.example/unsubscribe?e={email}"
        );
        assert_eq!(c.brand.staff_url.as_str(), "https://backoffice.example/");
        let c = Config::load(None, env(&[(ENV_BRAND_REPLY_TO_STORE, "off")])).unwrap();
        assert!(!c.brand.reply_to_store);
        let err = Config::load(None, env(&[(ENV_BRAND_REPLY_TO_STORE, "maybe")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "BOOXI_BRAND_REPLY_TO_STORE: `maybe` is not true or false"
        );
        let err = Config::from_toml("[brand]\nunsubscribe_url = \"javascript:x\"").unwrap_err();
        assert_eq!(
            err.to_string(),
            "brand.unsubscribe_url: `javascript:x` is not an http(s) URL"
        );
    }

    #[test]
    fn rendering_keys_from_the_environment() {
        let dir = std::env::temp_dir().join(format!("booxi-config-r-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.toml");
        std::fs::write(
            &path,
            "templates_dir = \"mine\"\n[brand]\nstore_name = \"File\"\nfooter_text = \"x\"\n",
        )
        .unwrap();
        let c = Config::load(Some(&path), env(&[])).unwrap();
        assert_eq!(
            c.templates_dir,
            Some(dir.join("mine")),
            "relative to the file"
        );
        let c = Config::load(
            Some(&path),
            env(&[
                (ENV_TEMPLATES_DIR, "/elsewhere"),
                (ENV_DEFAULT_TIME_ZONE, "America/Vancouver"),
                (ENV_BRAND_STORE_NAME, "Env\r\nBcc: x"),
                (ENV_BRAND_LOGO_URL, "http://cdn.example/l.png"),
                (ENV_BRAND_ACCENT_COLOR, "#abc"),
                (ENV_BRAND_REPLY_TO, "desk@acme.example"),
                (ENV_BRAND_FOOTER_TEXT, ""),
            ]),
        )
        .unwrap();
        assert_eq!(c.templates_dir.as_deref(), Some(Path::new("/elsewhere")));
        assert_eq!(c.default_time_zone.iana_name(), Some("America/Vancouver"));
        assert_eq!(c.brand.store_name.as_deref(), Some("Env Bcc: x"));
        assert_eq!(
            c.brand.logo_url.unwrap().as_str(),
            "http://cdn.example/l.png"
        );
        assert_eq!(c.brand.accent_color, "#abc");
        assert_eq!(c.brand.reply_to.unwrap().as_str(), "desk@acme.example");
        assert_eq!(
            c.brand.footer_text, None,
            "an empty variable clears the file's value"
        );
    }

    #[test]
    fn rendering_mistakes_are_named() {
        let err = Config::from_toml("default_time_zone = \"Mars/Olympus\"").unwrap_err();
        assert_eq!(
            err.to_string(),
            "default_time_zone: `Mars/Olympus` is not an IANA time zone name"
        );
        let err =
            Config::from_toml("[brand]\naccent_color = \"red; background:url(x)\"").unwrap_err();
        assert_eq!(
            err.to_string(),
            "brand.accent_color: `red; background:url(x)` is not a colour like #1d4ed8"
        );
        let err = Config::from_toml("[brand]\nlogo_url = \"javascript:alert(1)\"").unwrap_err();
        assert_eq!(
            err.to_string(),
            "brand.logo_url: `javascript:alert(1)` is not an http(s) URL"
        );
        let err = Config::load(None, env(&[(ENV_BRAND_REPLY_TO, "nope")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "BOOXI_REPLY_TO: email address is not valid"
        );
        let err = Config::from_toml("[brand]\nlogo = \"x\"").unwrap_err();
        assert!(err.to_string().contains("unknown field `logo`"), "{err}");
    }

    #[test]
    fn event_aliases_from_the_file_and_the_environment() {
        let c = Config::from_toml(
            "[event_aliases]\n\"booking.confirmed\" = \"appointment.created\"\n\"Booking.Cancelled\" = \"Appointment.Canceled\"\n",
        )
        .unwrap();
        assert_eq!(
            c.event_aliases,
            [
                (
                    "booking.cancelled".to_owned(),
                    EventType::AppointmentCanceled
                ),
                (
                    "booking.confirmed".to_owned(),
                    EventType::AppointmentCreated
                ),
            ]
            .into()
        );
        let c = Config::load(
            None,
            env(&[(
                ENV_EVENT_ALIASES,
                " booking.confirmed = appointment.created ,booking.moved=appointment.updated",
            )]),
        )
        .unwrap();
        assert_eq!(c.event_aliases.len(), 2);
        assert_eq!(
            c.event_aliases["booking.moved"],
            EventType::AppointmentUpdated
        );
        let c = Config::load(None, env(&[(ENV_EVENT_ALIASES, "")])).unwrap();
        assert!(c.event_aliases.is_empty());
    }

    #[test]
    fn event_alias_mistakes_name_the_key() {
        let err =
            Config::from_toml("[event_aliases]\n\"booking.confirmed\" = \"appointment.create\"\n")
                .unwrap_err();
        assert!(
            err.to_string().starts_with(
                "event_aliases.\"booking.confirmed\": `appointment.create` is not an event type we act on ("
            ),
            "{err}"
        );
        let err = Config::from_toml(
            "[event_aliases]\n\"appointment.created\" = \"appointment.updated\"\n",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "event_aliases.\"appointment.created\": `appointment.created` is already an event type we act on"
        );
        let err = Config::load(
            None,
            env(&[(ENV_EVENT_ALIASES, "booking.confirmed=nothing")]),
        )
        .unwrap_err();
        assert!(
            err.to_string().starts_with(
                "BOOXI_EVENT_ALIASES[booking.confirmed]: `nothing` is not an event type we act on"
            ),
            "{err}"
        );
        let err = Config::load(None, env(&[(ENV_EVENT_ALIASES, "booking.confirmed")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "BOOXI_EVENT_ALIASES: `booking.confirmed` is not name=known (e.g. booking.confirmed=appointment.created)"
        );
        let err = Config::from_toml("[event_aliases]\n\"booking.confirmed\" = 3\n").unwrap_err();
        assert!(err.to_string().contains("invalid type"), "{err}");
    }

    #[test]
    fn all_means_every_kind_of_that_side() {
        let c = Config::load(
            None,
            env(&[(ENV_SMS_KINDS, "all"), (ENV_STAFF_KINDS, "all")]),
        )
        .unwrap();
        assert_eq!(c.sms_kinds.len(), 11);
        assert_eq!(c.staff_kinds.len(), 6);
    }

    #[test]
    fn events_out_is_off_unless_a_bus_is_named_and_a_bad_one_is_refused() {
        assert_eq!(Config::default().events_out, None);
        let c = Config::from_toml("[events_out]\nbus = \"booxi-notify\"").unwrap();
        assert_eq!(
            c.events_out,
            Some(EventsOut {
                bus: "booxi-notify".into(),
                contact_data: true
            })
        );
        let arn = "arn:aws:events:ca-central-1:123456789012:event-bus/booxi/events";
        let c = Config::load(
            None,
            env(&[(ENV_EVENT_BUS, arn), (ENV_EVENTS_CONTACT_DATA, " FALSE ")]),
        )
        .unwrap();
        assert_eq!(
            c.events_out,
            Some(EventsOut {
                bus: arn.into(),
                contact_data: false
            })
        );
        // contact_data alone turns nothing on.
        let c = Config::from_toml("[events_out]\ncontact_data = false").unwrap();
        assert_eq!(c.events_out, None);
        for bad in [
            "my bus",
            "bus!",
            "arn:aws:events:us-east-1:123:event-bus/x",
            "arn:aws:sqs:us-east-1:123456789012:queue",
            "arn:aws:events:us-east-1:123456789012:rule/x",
        ] {
            let e = Config::load(None, env(&[(ENV_EVENT_BUS, bad)])).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!(
                    "BOOXI_EVENT_BUS: `{bad}` is not an EventBridge bus name (letters, digits, `.`, \
                     `-`, `_`, `/`) or ARN (arn:aws:events:<region>:<account>:event-bus/<name>)"
                )
            );
        }
        let e =
            Config::from_toml(&format!("[events_out]\nbus = \"{}\"", "b".repeat(257))).unwrap_err();
        assert!(e.to_string().starts_with("events_out.bus: `bbbb"), "{e}");
        let e = Config::load(None, env(&[(ENV_EVENTS_CONTACT_DATA, "maybe")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "BOOXI_EVENTS_CONTACT_DATA: `maybe` is not true or false"
        );
        // The environment wins, and an empty value clears the file's bus.
        let dir = std::env::temp_dir().join(format!("booxi-events-out-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.toml");
        std::fs::write(&file, "[events_out]\nbus = \"from-file\"\n").unwrap();
        let c = Config::load(Some(&file), env(&[(ENV_EVENT_BUS, "from-env")])).unwrap();
        assert_eq!(c.events_out.unwrap().bus, "from-env");
        let c = Config::load(Some(&file), env(&[(ENV_EVENT_BUS, " ")])).unwrap();
        assert_eq!(c.events_out, None);
        // A key in the wrong table, or misspelt, says so.
        let e = Config::from_toml("bus = \"b\"").unwrap_err();
        assert_eq!(
            e.to_string(),
            "bus: belongs in the [events_out] table, not at the top level (configuration file <inline>, line 1)"
        );
        let e = Config::from_toml("[events_out]\nbuss = \"b\"").unwrap_err();
        assert!(
            e.to_string()
                .contains("unknown field `buss`, expected `bus` or `contact_data`"),
            "{e}"
        );
    }
}
