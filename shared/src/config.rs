//! Configuration: a TOML file (every key optional) overridden by environment variables.
//! Defaults are what a merchant replacing Booxi's own notifications would want.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;

use crate::contact::{Country, EmailAddress};
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
}

/// Environment variables, each overriding the file key of the same meaning.
pub const ENV_ENABLED_KINDS: &str = "BOOXI_ENABLED_KINDS";
pub const ENV_SMS_KINDS: &str = "BOOXI_SMS_KINDS";
pub const ENV_STAFF_KINDS: &str = "BOOXI_STAFF_KINDS";
pub const ENV_STAFF_FALLBACK_EMAIL: &str = "BOOXI_STAFF_FALLBACK_EMAIL";
pub const ENV_DEFAULT_COUNTRY: &str = "BOOXI_DEFAULT_COUNTRY";
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
                toml::from_str(&text).map_err(|e| ConfigError::Toml {
                    path: shown,
                    message: e.message().to_owned(),
                })?
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
        let list = |env_key: &str, file_key: &str, from_file: Option<Vec<String>>| {
            match env(env_key) {
                Some(text) => kinds(env_key, split_list(&text)).map(Some),
                None => from_file.map(|names| kinds(file_key, names)).transpose(),
            }
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
                invalid(key, format!("`{text}` is not an ISO 3166-1 alpha-2 country code"))
            })?;
        }
        Ok(config)
    }
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
    if let Some(wrong) = set.iter().find(|k| k.is_staff() != staff).filter(|_| !everything) {
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
        assert_eq!(sms, ["confirmation", "changed", "canceled_by_store", "reminder"]);
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
        std::fs::write(&path, "sms_kinds = [\"reminder\"]\ndefault_country = \"FR\"\n").unwrap();
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
        assert_eq!(c.staff_fallback_email.unwrap().as_str(), "front@example.com");
    }

    #[test]
    fn mistakes_are_named() {
        let err = Config::from_toml("sms_kinds = [\"confirmaton\"]").unwrap_err();
        assert_eq!(err.to_string(), "sms_kinds: unknown notification kind `confirmaton`");
        let err = Config::from_toml("staff_kinds = [\"reminder\"]").unwrap_err();
        assert_eq!(err.to_string(), "staff_kinds: `reminder` is not a staff kind");
        let err = Config::from_toml("default_country = \"Canada\"").unwrap_err();
        assert_eq!(
            err.to_string(),
            "default_country: `Canada` is not an ISO 3166-1 alpha-2 country code"
        );
        let err = Config::from_toml("staff_fallback_email = \"desk\"").unwrap_err();
        assert_eq!(err.to_string(), "staff_fallback_email: email address is not valid");
        let err = Config::from_toml("sms_kind = []").unwrap_err();
        assert!(err.to_string().contains("unknown field `sms_kind`"), "{err}");
        let err = Config::load(None, env(&[(ENV_ENABLED_KINDS, "confirmation,bogus")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "BOOXI_ENABLED_KINDS: unknown notification kind `bogus`"
        );
    }

    #[test]
    fn all_means_every_kind_of_that_side() {
        let c = Config::load(None, env(&[(ENV_SMS_KINDS, "all"), (ENV_STAFF_KINDS, "all")])).unwrap();
        assert_eq!(c.sms_kinds.len(), 11);
        assert_eq!(c.staff_kinds.len(), 6);
    }
}
