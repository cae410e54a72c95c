//! The settings of the webhook's doors and of delivery, read from the environment in one
//! place with one error style (`KEY: what is wrong`). Absent or empty values keep the
//! defaults. The names are a public contract: deployments set them.

use std::time::Duration;

use crate::config::ConfigError;
use crate::process::DeliverySettings;

/// Environment variables of the webhook (names fixed: deployments rely on them).
pub const ENV_SECRET_HEADER: &str = "BOOXI_SECRET_HEADER";
pub const ENV_AUTH_MODE: &str = "BOOXI_AUTH_MODE";
pub const ENV_MAX_BODY_BYTES: &str = "BOOXI_MAX_BODY_BYTES";
pub const ENV_DELIVERY_BUDGET_SECONDS: &str = "BOOXI_DELIVERY_BUDGET_SECONDS";

pub const DEFAULT_SECRET_HEADER: &str = "X-Booxi-Secret";
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;

/// How the caller is authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// The header secret, checked by the function.
    HeaderSecret,
    /// API Gateway's JWT authorizer already checked an OAuth2 token.
    OAuth2,
}

impl AuthMode {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "headersecret" | "header_secret" | "header-secret" | "" => Some(Self::HeaderSecret),
            "oauth2" => Some(Self::OAuth2),
            _ => None,
        }
    }
}

/// Settings of the HTTP door.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Header carrying the secret (matched ignoring case).
    pub secret_header: String,
    pub auth_mode: AuthMode,
    pub max_body_bytes: usize,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            secret_header: DEFAULT_SECRET_HEADER.to_owned(),
            auth_mode: AuthMode::HeaderSecret,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// Everything the doors and delivery read from the environment.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub http: HttpSettings,
    pub delivery: DeliverySettings,
}

pub(crate) fn invalid(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.to_owned(),
        message: message.into(),
    }
}

/// A trimmed, non-empty value of `key`.
pub(crate) fn get(env: &impl Fn(&str) -> Option<String>, key: &str) -> Option<String> {
    env(key)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

impl Settings {
    /// Reads `BOOXI_SECRET_HEADER`, `BOOXI_AUTH_MODE`, `BOOXI_MAX_BODY_BYTES` and
    /// `BOOXI_DELIVERY_BUDGET_SECONDS`.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut settings = Settings::default();
        let http = &mut settings.http;
        if let Some(header) = get(&env, ENV_SECRET_HEADER) {
            let valid = header
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !valid {
                return Err(invalid(
                    ENV_SECRET_HEADER,
                    format!("`{header}` is not an HTTP header name"),
                ));
            }
            http.secret_header = header;
        }
        if let Some(mode) = get(&env, ENV_AUTH_MODE) {
            http.auth_mode = AuthMode::parse(&mode).ok_or_else(|| {
                invalid(
                    ENV_AUTH_MODE,
                    format!("`{mode}` is not HeaderSecret or OAuth2"),
                )
            })?;
        }
        if let Some(bytes) = get(&env, ENV_MAX_BODY_BYTES) {
            http.max_body_bytes = bytes.parse().ok().filter(|b| *b > 0).ok_or_else(|| {
                invalid(
                    ENV_MAX_BODY_BYTES,
                    format!("`{bytes}` is not a positive number of bytes"),
                )
            })?;
        }
        if let Some(seconds) = get(&env, ENV_DELIVERY_BUDGET_SECONDS) {
            let parsed: f64 = seconds
                .parse()
                .ok()
                .filter(|s: &f64| *s > 0.0 && *s <= 25.0)
                .ok_or_else(|| {
                    invalid(
                        ENV_DELIVERY_BUDGET_SECONDS,
                        format!("`{seconds}` is not a number of seconds in (0, 25]"),
                    )
                })?;
            settings.delivery.budget = Duration::from_secs_f64(parsed);
        }
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn settings_from_the_environment() {
        let s = Settings::from_env(env(&[
            ("BOOXI_SECRET_HEADER", "X-Hook-Token"),
            ("BOOXI_AUTH_MODE", "OAuth2"),
            ("BOOXI_MAX_BODY_BYTES", "1024"),
            ("BOOXI_DELIVERY_BUDGET_SECONDS", "2.5"),
        ]))
        .unwrap();
        assert_eq!(s.http.secret_header, "X-Hook-Token");
        assert_eq!(s.http.auth_mode, AuthMode::OAuth2);
        assert_eq!(s.http.max_body_bytes, 1024);
        assert_eq!(s.delivery.budget, Duration::from_millis(2500));
        let d = Settings::from_env(env(&[])).unwrap();
        assert_eq!(
            (
                d.http.secret_header.as_str(),
                d.http.auth_mode,
                d.http.max_body_bytes
            ),
            ("X-Booxi-Secret", AuthMode::HeaderSecret, 262_144)
        );
        assert_eq!(d.delivery.budget, Duration::from_secs(12));
        let e = Settings::from_env(env(&[("BOOXI_AUTH_MODE", "basic")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "BOOXI_AUTH_MODE: `basic` is not HeaderSecret or OAuth2"
        );
        let e = Settings::from_env(env(&[("BOOXI_SECRET_HEADER", "X Bad")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "BOOXI_SECRET_HEADER: `X Bad` is not an HTTP header name"
        );
        let e = Settings::from_env(env(&[("BOOXI_DELIVERY_BUDGET_SECONDS", "30")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "BOOXI_DELIVERY_BUDGET_SECONDS: `30` is not a number of seconds in (0, 25]"
        );
    }
}
