//! Configuration: a TOML file (every key optional) overridden by environment variables.
//! Defaults are what a merchant replacing Booxi's own notifications would want.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use jiff::tz::TimeZone;
use url::Url;

use serde::Deserialize;

use crate::contact::{Country, EmailAddress};
use crate::event::{EventType, alias_key};
use crate::notification::Kind;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("configuration file {path}: {message}")]
    Toml { path: String, message: String },
    #[error("{key}: {message}")]
    Invalid { key: String, message: String },
}

/// The settings of the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Client kinds that may be sent at all.
    pub enabled_kinds: BTreeSet<Kind>,
    /// Client kinds that may also go by SMS (to recipients who consented).
    pub sms_kinds: BTreeSet<Kind>,
    /// Staff kinds that are sent.
    pub staff_kinds: BTreeSet<Kind>,
    /// Where staff messages go when the booking has no staff (or no staff email).
    pub staff_fallback_email: Option<EmailAddress>,
    /// Country used to read national phone numbers when the merchant gives none.
    pub default_country: Country,
    /// How messages look and whom they come from.
    pub brand: Brand,
    /// A folder whose files replace the built-in templates of the same relative path.
    pub templates_dir: Option<PathBuf>,
    /// Time zone for dates when the merchant's (`merchant.timeZone`) is absent or unknown.
    pub default_time_zone: TimeZone,
    /// Event type names Booxi sends that we do not know, mapped to one we act on
    /// (`[event_aliases]`; keys in lower case).
    pub event_aliases: BTreeMap<String, EventType>,
}

/// Brand settings for rendered messages (`[brand]` in the file). Every value is optional;
/// without them messages carry the store's name from the payload and a neutral look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brand {
    /// Name shown in the header, the sign-off and the sender's display name, instead
    /// of the merchant's name from the payload.
    pub store_name: Option<String>,
    /// Logo shown in the header of emails (http or https).
    pub logo_url: Option<Url>,
    /// Colour of buttons and of the header rule, `#rgb` or `#rrggbb`.
    pub accent_color: String,
    /// Where replies to emails go.
    pub reply_to: Option<EmailAddress>,
    /// A line of text at the bottom of every email.
    pub footer_text: Option<String>,
}

pub const DEFAULT_ACCENT_COLOR: &str = "#1d4ed8";
pub const DEFAULT_TIME_ZONE: &str = "America/Toronto";

impl Default for Brand {
    fn default() -> Self {
        Self {
            store_name: None,
            logo_url: None,
            accent_color: DEFAULT_ACCENT_COLOR.to_owned(),
            reply_to: None,
            footer_text: None,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            enabled_kinds: Kind::CLIENT.into_iter().collect(),
            sms_kinds: [
                Kind::Confirmation,
                Kind::Changed,
                Kind::CanceledByStore,
                Kind::Reminder,
            ]
            .into_iter()
            .collect(),
            staff_kinds: Kind::STAFF.into_iter().collect(),
            staff_fallback_email: None,
            default_country: Country::parse(DEFAULT_COUNTRY).unwrap_or_else(|| unreachable!()),
            brand: Brand::default(),
            templates_dir: None,
            default_time_zone: TimeZone::get(DEFAULT_TIME_ZONE).unwrap_or(TimeZone::UTC),
            event_aliases: BTreeMap::new(),
        }
    }
}

const DEFAULT_COUNTRY: &str = "CA";

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
    brand: Option<BrandFile>,
    event_aliases: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct BrandFile {
    store_name: Option<String>,
    logo_url: Option<String>,
    accent_color: Option<String>,
    reply_to: Option<String>,
    footer_text: Option<String>,
}

/// Environment variables, each overriding the file key of the same meaning.
pub const ENV_ENABLED_KINDS: &str = "BOOXI_ENABLED_KINDS";
pub const ENV_SMS_KINDS: &str = "BOOXI_SMS_KINDS";
pub const ENV_STAFF_KINDS: &str = "BOOXI_STAFF_KINDS";
pub const ENV_STAFF_FALLBACK_EMAIL: &str = "BOOXI_STAFF_FALLBACK_EMAIL";
pub const ENV_DEFAULT_COUNTRY: &str = "BOOXI_DEFAULT_COUNTRY";
pub const ENV_TEMPLATES_DIR: &str = "BOOXI_TEMPLATES_DIR";
pub const ENV_DEFAULT_TIME_ZONE: &str = "BOOXI_DEFAULT_TIME_ZONE";
pub const ENV_BRAND_STORE_NAME: &str = "BOOXI_BRAND_STORE_NAME";
pub const ENV_BRAND_LOGO_URL: &str = "BOOXI_BRAND_LOGO_URL";
pub const ENV_BRAND_ACCENT_COLOR: &str = "BOOXI_BRAND_ACCENT_COLOR";
/// The reply-to address (fixed name, shared with the deployment: `BOOXI_REPLY_TO`).
pub const ENV_BRAND_REPLY_TO: &str = "BOOXI_REPLY_TO";
pub const ENV_BRAND_FOOTER_TEXT: &str = "BOOXI_BRAND_FOOTER_TEXT";
/// `name=known,name=known`: replaces the file's `[event_aliases]` table.
pub const ENV_EVENT_ALIASES: &str = "BOOXI_EVENT_ALIASES";
/// Path of the TOML file, when no path is given on the command line.
pub const ENV_CONFIG: &str = "BOOXI_CONFIG";

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
                let mut file: ConfigFile =
                    toml::from_str(&text).map_err(|e| ConfigError::Toml {
                        path: shown,
                        message: e.message().to_owned(),
                    })?;
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
        let file: ConfigFile = toml::from_str(text).map_err(|e| ConfigError::Toml {
            path: "<inline>".to_owned(),
            message: e.message().to_owned(),
        })?;
        Self::from_parts(file, |_| None)
    }

    fn from_parts(
        file: ConfigFile,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut config = Config::default();
        let list =
            |env_key: &str, file_key: &str, from_file: Option<Vec<String>>| match env(env_key) {
                Some(text) => kinds(env_key, split_list(&text)).map(Some),
                None => from_file.map(|names| kinds(file_key, names)).transpose(),
            };
        if let Some(set) = list(ENV_ENABLED_KINDS, "enabled_kinds", file.enabled_kinds)? {
            config.enabled_kinds = only(set, "enabled_kinds", false)?;
        }
        if let Some(set) = list(ENV_SMS_KINDS, "sms_kinds", file.sms_kinds)? {
            config.sms_kinds = only(set, "sms_kinds", false)?;
        }
        if let Some(set) = list(ENV_STAFF_KINDS, "staff_kinds", file.staff_kinds)? {
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
        config.brand = brand(file.brand.unwrap_or_default(), &env)?;
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
    let mut pairs = BTreeMap::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, known) = pair.split_once('=').ok_or_else(|| {
            invalid(
                ENV_EVENT_ALIASES,
                format!("`{pair}` is not name=known (e.g. booking.confirmed=appointment.created)"),
            )
        })?;
        pairs.insert(name.trim().to_owned(), known.trim().to_owned());
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
    let pick = |env_key: &'static str, file_key: &'static str, from_file: Option<String>| {
        env(env_key)
            .map(|v| (env_key, v))
            .or(from_file.map(|v| (file_key, v)))
            .map(|(key, v)| (key, v.trim().to_owned()))
            .filter(|(_, v)| !v.is_empty())
    };
    let mut brand = Brand::default();
    if let Some((_, name)) = pick(ENV_BRAND_STORE_NAME, "brand.store_name", file.store_name) {
        brand.store_name = Some(one_line(&name));
    }
    if let Some((key, text)) = pick(ENV_BRAND_LOGO_URL, "brand.logo_url", file.logo_url) {
        let url = Url::parse(&text)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
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
    Ok(brand)
}

/// `#rgb` or `#rrggbb`: the only colours that can go into a style attribute as they are.
pub fn is_hex_colour(text: &str) -> bool {
    text.strip_prefix('#')
        .is_some_and(|hex| matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Control characters (line breaks included) become spaces: these values go into headers.
fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
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

fn kinds(key: &str, names: Vec<String>) -> Result<BTreeSet<Kind>, ConfigError> {
    if names.len() == 1 && names[0].eq_ignore_ascii_case("all") {
        return Ok(Kind::CLIENT.into_iter().chain(Kind::STAFF).collect());
    }
    names
        .iter()
        .map(|n| n.parse::<Kind>().map_err(|e| invalid(key, e.to_string())))
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
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
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
    fn mistakes_are_named() {
        let err = Config::from_toml("sms_kinds = [\"confirmaton\"]").unwrap_err();
        assert_eq!(
            err.to_string(),
            "sms_kinds: unknown notification kind `confirmaton`"
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
        assert!(
            err.to_string().contains("unknown field `sms_kind`"),
            "{err}"
        );
        let err =
            Config::load(None, env(&[(ENV_ENABLED_KINDS, "confirmation,bogus")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "BOOXI_ENABLED_KINDS: unknown notification kind `bogus`"
        );
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
}
