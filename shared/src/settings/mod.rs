//! Every setting, in one tree read in one place with one error style (`KEY: what is
//! wrong`): the rules configuration ([`Config`]: a TOML file and the environment
//! variables that override its keys), the HTTP door and delivery ([`Settings`]), and what
//! the Lambda adds ([`LambdaEnv`]: table, secret, sender). Every environment variable's
//! name is a constant here; the names are a public contract (deployments set them).
//! Absent or empty values keep the defaults.

pub mod config;
pub mod env;
pub mod error;
pub mod flows;
pub mod sms;

pub use env::*;
pub use error::ConfigError;

use std::path::Path;
use std::time::Duration;

use crate::core::delivery::{DeliverySettings, SenderSettings};
use crate::domain::config::Config;
use crate::domain::contact::EmailAddress;
use crate::settings::env::{get, invalid};

pub const DEFAULT_SECRET_HEADER: &str = "X-Booxi-Secret";
pub const DEFAULT_SIGNATURE_HEADER: &str = "X-Booxi-Signature";
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;

/// How the caller is authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// The header secret, checked by the function.
    HeaderSecret,
    /// API Gateway's JWT authorizer already checked an OAuth2 token.
    OAuth2,
    /// An HMAC-SHA256 of the raw body, keyed with the secret, in a header.
    Signature,
}

impl AuthMode {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "headersecret" | "header_secret" | "header-secret" | "" => Some(Self::HeaderSecret),
            "oauth2" => Some(Self::OAuth2),
            "signature" => Some(Self::Signature),
            _ => None,
        }
    }

    /// Whether the function itself needs the secret (Secrets Manager).
    pub fn uses_secret(self) -> bool {
        matches!(self, Self::HeaderSecret | Self::Signature)
    }
}

/// Settings of the HTTP door.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Header carrying the secret (matched ignoring case).
    pub secret_header: String,
    /// Header carrying the body signature in `Signature` mode (matched ignoring case).
    pub signature_header: String,
    pub auth_mode: AuthMode,
    pub max_body_bytes: usize,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            secret_header: DEFAULT_SECRET_HEADER.to_owned(),
            signature_header: DEFAULT_SIGNATURE_HEADER.to_owned(),
            auth_mode: AuthMode::HeaderSecret,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// Where the webhook's planned messages go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeliveryMode {
    /// Sent inside the webhook call (retries within the delivery budget).
    #[default]
    Direct,
    /// Put on a queue, one message per notification; the queue door sends them.
    Queued,
}

impl DeliveryMode {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "" | "direct" => Some(Self::Direct),
            "queued" => Some(Self::Queued),
            _ => None,
        }
    }
}

/// Everything the doors and delivery read from the environment.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub http: HttpSettings,
    pub delivery: DeliverySettings,
    /// `BOOXI_DELIVERY_MODE`.
    pub mode: DeliveryMode,
}

/// The whole tree a door is wired from: the rules configuration and the settings of the
/// door and of delivery.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub settings: Settings,
}

impl Loaded {
    /// Reads the TOML file (`path`, else `$BOOXI_CONFIG`, else none) and the environment.
    pub fn load(
        path: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        Ok(Self {
            config: load_config(path, &env)?,
            settings: Settings::from_env(&env)?,
        })
    }
}

/// The rules configuration alone (what `plan` and `render` need): the TOML file (`path`,
/// else `$BOOXI_CONFIG`, else none) and the variables over its keys.
pub fn load_config(
    path: Option<&Path>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let from_env = get(&env, ENV_CONFIG).map(std::path::PathBuf::from);
    Config::load(path.or(from_env.as_deref()), &env)
}

impl Settings {
    /// Reads `BOOXI_SECRET_HEADER`, `BOOXI_SIGNATURE_HEADER`, `BOOXI_AUTH_MODE`, `BOOXI_MAX_BODY_BYTES` and
    /// `BOOXI_DELIVERY_BUDGET_SECONDS`.
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut settings = Settings::default();
        let http = &mut settings.http;
        let header_name = |key: &str| match get(&env, key) {
            None => Ok(None),
            Some(header) => {
                let valid = header
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                if valid {
                    Ok(Some(header))
                } else {
                    Err(invalid(
                        key,
                        format!("`{header}` is not an HTTP header name"),
                    ))
                }
            }
        };
        if let Some(header) = header_name(ENV_SECRET_HEADER)? {
            http.secret_header = header;
        }
        if let Some(header) = header_name(ENV_SIGNATURE_HEADER)? {
            http.signature_header = header;
        }
        if let Some(mode) = get(&env, ENV_AUTH_MODE) {
            http.auth_mode = AuthMode::parse(&mode).ok_or_else(|| {
                invalid(
                    ENV_AUTH_MODE,
                    format!("`{mode}` is not HeaderSecret, OAuth2 or Signature"),
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
        if let Some(mode) = get(&env, ENV_DELIVERY_MODE) {
            settings.mode = DeliveryMode::parse(&mode).ok_or_else(|| {
                invalid(
                    ENV_DELIVERY_MODE,
                    format!("`{mode}` is not direct or queued"),
                )
            })?;
        }
        Ok(settings)
    }
}

/// Where the flows' schedules go (`BOOXI_SCHEDULE_GROUP`, `BOOXI_SCHEDULER_TARGET_ARN`,
/// `BOOXI_SCHEDULER_ROLE_ARN`, `BOOXI_SCHEDULER_DLQ_ARN`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulerEnv {
    pub group: String,
    /// The function the schedules invoke (this one).
    pub target_arn: String,
    /// The role Scheduler assumes to invoke it.
    pub role_arn: String,
    pub dead_letter_arn: Option<String>,
}

/// What the Lambda reads from its environment besides the rules configuration.
#[derive(Debug, Clone)]
pub struct LambdaEnv {
    /// Set when `[[flows]]` lists any flow, or quiet hours may hold SMS back (then its
    /// variables are required).
    pub scheduler: Option<SchedulerEnv>,
    /// Required unless API Gateway authenticates (OAuth2 mode).
    pub secret_arn: Option<String>,
    pub table: String,
    pub sender: SenderSettings,
    /// How long secret values are cached (default 300 s).
    pub secret_cache: Duration,
    /// `BOOXI_QUEUE_URL`: required in queued mode, not read otherwise.
    pub queue_url: Option<String>,
    /// `BOOXI_RECIPIENT_KEY_SECRET_ARN`: the secret keying the recipients' hashes.
    pub recipient_key_arn: String,
    /// `BOOXI_DRAIN_ONLY`: queued mode's drain (SQS batches only; no webhook secret).
    pub drain_only: bool,
    /// `BOOXI_SMS_OPT_OUT_CHECK` (default true): ask SNS whether a number opted out
    /// before sending it an SMS.
    pub sms_opt_out_check: bool,
}

impl LambdaEnv {
    /// How often an unknown presented secret may trigger a refresh: at most every 30 s,
    /// sooner when the cache itself is shorter.
    pub fn secret_min_refresh(&self) -> Duration {
        self.secret_cache.min(Duration::from_secs(30))
    }

    /// Reads the Lambda's variables. The secret ARN is required in header-secret mode;
    /// the reply-to address is the configuration's.
    pub fn from_env(
        env: impl Fn(&str) -> Option<String>,
        loaded: &Loaded,
    ) -> Result<Self, ConfigError> {
        let required = |key: &str| get(&env, key).ok_or_else(|| invalid(key, "required, not set"));
        let drain_only = match get(&env, ENV_DRAIN_ONLY)
            .map(|v| v.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("false" | "0" | "no" | "off") => false,
            Some("true" | "1" | "yes" | "on") => true,
            Some(other) => {
                return Err(invalid(
                    ENV_DRAIN_ONLY,
                    format!("`{other}` is neither true nor false"),
                ));
            }
        };
        if drain_only && loaded.settings.mode != DeliveryMode::Queued {
            return Err(invalid(
                ENV_DRAIN_ONLY,
                "the drain only runs in queued mode (BOOXI_DELIVERY_MODE=queued)",
            ));
        }
        // The drain never reads the webhook secret: it is not even told where it is.
        let secret_arn = if drain_only {
            None
        } else if loaded.settings.http.auth_mode.uses_secret() {
            Some(required(ENV_SECRET_ARN)?)
        } else {
            get(&env, ENV_SECRET_ARN)
        };
        let from = EmailAddress::parse(&required(ENV_SENDER_EMAIL)?)
            .map_err(|_| invalid(ENV_SENDER_EMAIL, "email address is not valid"))?;
        let secret_cache = match get(&env, ENV_SECRET_CACHE_SECONDS) {
            None => Duration::from_secs(300),
            Some(s) => Duration::from_secs(
                s.parse()
                    .map_err(|_| invalid(ENV_SECRET_CACHE_SECONDS, "a whole number of seconds"))?,
            ),
        };
        let scheduler = if !loaded.config.needs_scheduler() {
            None
        } else {
            let when = if loaded.config.flows.is_empty() {
                "required when [sms] quiet_hours hold SMS back (a quiet_kinds kind sent by SMS), not set"
            } else {
                "required when [[flows]] are configured, not set"
            };
            let arn = |key: &str| {
                let value = required(key).map_err(|_| invalid(key, when))?;
                if value.starts_with("arn:") {
                    Ok(value)
                } else {
                    Err(invalid(key, format!("`{value}` is not an ARN")))
                }
            };
            Some(SchedulerEnv {
                group: required(ENV_SCHEDULE_GROUP)
                    .map_err(|_| invalid(ENV_SCHEDULE_GROUP, when))?,
                target_arn: arn(ENV_SCHEDULER_TARGET_ARN)?,
                role_arn: arn(ENV_SCHEDULER_ROLE_ARN)?,
                dead_letter_arn: get(&env, ENV_SCHEDULER_DLQ_ARN),
            })
        };
        let queue_url = match loaded.settings.mode {
            DeliveryMode::Direct => None,
            DeliveryMode::Queued => Some(get(&env, ENV_QUEUE_URL).ok_or_else(|| {
                invalid(ENV_QUEUE_URL, "required when BOOXI_DELIVERY_MODE is queued")
            })?),
        };
        let sms_opt_out_check = match get(&env, ENV_SMS_OPT_OUT_CHECK)
            .map(|v| v.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("true" | "1" | "yes" | "on") => true,
            Some("false" | "0" | "no" | "off") => false,
            Some(other) => {
                return Err(invalid(
                    ENV_SMS_OPT_OUT_CHECK,
                    format!("`{other}` is not true or false"),
                ));
            }
        };
        Ok(Self {
            scheduler,
            queue_url,
            recipient_key_arn: required(ENV_RECIPIENT_KEY_SECRET_ARN)?,
            drain_only,
            sms_opt_out_check,
            secret_arn,
            table: required(ENV_IDEMPOTENCY_TABLE)?,
            sender: SenderSettings {
                from,
                reply_to: loaded.config.brand.reply_to.clone(),
                configuration_set: get(&env, ENV_SES_CONFIGURATION_SET),
            },
            secret_cache,
        })
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
            ("BOOXI_SIGNATURE_HEADER", "X-Hub-Signature-256"),
        ]))
        .unwrap();
        assert_eq!(s.http.signature_header, "X-Hub-Signature-256");
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
            "BOOXI_AUTH_MODE: `basic` is not HeaderSecret, OAuth2 or Signature"
        );
        assert_eq!(d.http.signature_header, "X-Booxi-Signature");
        let s = Settings::from_env(env(&[("BOOXI_AUTH_MODE", "Signature")])).unwrap();
        assert_eq!(s.http.auth_mode, AuthMode::Signature);
        assert!(s.http.auth_mode.uses_secret() && !AuthMode::OAuth2.uses_secret());
        let e = Settings::from_env(env(&[("BOOXI_SIGNATURE_HEADER", "X:Sig")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "BOOXI_SIGNATURE_HEADER: `X:Sig` is not an HTTP header name"
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

    fn header_secret() -> Loaded {
        Loaded::load(None, |_| None).unwrap()
    }

    fn oauth2() -> Loaded {
        Loaded::load(None, |k| (k == ENV_AUTH_MODE).then(|| "OAuth2".to_owned())).unwrap()
    }

    #[test]
    fn the_scheduler_variables_are_required_with_flows_only() {
        let base: &[(&str, &str)] = &[
            (
                "BOOXI_SECRET_ARN",
                "arn:aws:secretsmanager:us-east-1:1:secret:x",
            ),
            ("BOOXI_IDEMPOTENCY_TABLE", "t"),
            (
                "BOOXI_RECIPIENT_KEY_SECRET_ARN",
                "booxi-notify/recipient-key",
            ),
            ("BOOXI_SENDER_EMAIL", "a@example.com"),
        ];
        let lookup = |extra: &'static [(&'static str, &'static str)]| {
            let base = base.to_vec();
            move |k: &str| {
                base.iter()
                    .chain(extra)
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        // Without [[flows]]: not read, not required.
        let plain = LambdaEnv::from_env(lookup(&[]), &header_secret()).unwrap();
        assert_eq!(plain.scheduler, None);
        let mut flows = header_secret();
        flows.config =
            Config::from_toml("[[flows]]\nname = \"pre_visit\"\nbefore_start = \"24h\"").unwrap();
        let e = LambdaEnv::from_env(lookup(&[]), &flows).unwrap_err();
        assert_eq!(
            e.to_string(),
            "BOOXI_SCHEDULE_GROUP: required when [[flows]] are configured, not set"
        );
        let all: &'static [(&'static str, &'static str)] = &[
            ("BOOXI_SCHEDULE_GROUP", "g"),
            (
                "BOOXI_SCHEDULER_TARGET_ARN",
                "arn:aws:lambda:us-east-1:1:function:f",
            ),
            ("BOOXI_SCHEDULER_ROLE_ARN", "arn:aws:iam::1:role/r"),
        ];
        let env = LambdaEnv::from_env(lookup(all), &flows).unwrap();
        assert_eq!(
            env.scheduler,
            Some(SchedulerEnv {
                group: "g".into(),
                target_arn: "arn:aws:lambda:us-east-1:1:function:f".into(),
                role_arn: "arn:aws:iam::1:role/r".into(),
                dead_letter_arn: None,
            })
        );
        let e = LambdaEnv::from_env(
            lookup(&[
                ("BOOXI_SCHEDULE_GROUP", "g"),
                ("BOOXI_SCHEDULER_TARGET_ARN", "my-function"),
            ]),
            &flows,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "BOOXI_SCHEDULER_TARGET_ARN: `my-function` is not an ARN"
        );
    }

    #[test]
    fn the_lambda_environment_is_read_and_checked() {
        let e = LambdaEnv::from_env(
            env(&[
                (
                    "BOOXI_SECRET_ARN",
                    "arn:aws:secretsmanager:us-east-1:1:secret:x",
                ),
                ("BOOXI_IDEMPOTENCY_TABLE", "booxi-idempotency"),
                (
                    "BOOXI_RECIPIENT_KEY_SECRET_ARN",
                    "booxi-notify/recipient-key",
                ),
                ("BOOXI_SENDER_EMAIL", "notify@store.example.com"),
                ("BOOXI_SES_CONFIGURATION_SET", "booxi"),
                ("BOOXI_SECRET_CACHE_SECONDS", "0"),
            ]),
            &header_secret(),
        )
        .unwrap();
        assert_eq!(e.table, "booxi-idempotency");
        assert_eq!(e.sender.from.as_str(), "notify@store.example.com");
        assert_eq!(e.sender.configuration_set.as_deref(), Some("booxi"));
        assert_eq!(e.secret_cache, Duration::ZERO);

        let missing = LambdaEnv::from_env(
            env(&[
                ("BOOXI_IDEMPOTENCY_TABLE", "t"),
                (
                    "BOOXI_RECIPIENT_KEY_SECRET_ARN",
                    "booxi-notify/recipient-key",
                ),
                ("BOOXI_SENDER_EMAIL", "a@b.co"),
            ]),
            &header_secret(),
        );
        assert_eq!(
            missing.unwrap_err().to_string(),
            "BOOXI_SECRET_ARN: required, not set"
        );
        assert!(
            LambdaEnv::from_env(
                env(&[
                    ("BOOXI_IDEMPOTENCY_TABLE", "t"),
                    (
                        "BOOXI_RECIPIENT_KEY_SECRET_ARN",
                        "booxi-notify/recipient-key"
                    ),
                    ("BOOXI_SENDER_EMAIL", "a@b.co")
                ]),
                &oauth2()
            )
            .is_ok()
        );
    }

    #[test]
    fn the_delivery_mode_is_direct_unless_queued_with_a_queue_url() {
        assert_eq!(
            Settings::from_env(env(&[])).unwrap().mode,
            DeliveryMode::Direct
        );
        let queued = Settings::from_env(env(&[("BOOXI_DELIVERY_MODE", " Queued ")])).unwrap();
        assert_eq!(queued.mode, DeliveryMode::Queued);
        let e = Settings::from_env(env(&[("BOOXI_DELIVERY_MODE", "later")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "BOOXI_DELIVERY_MODE: `later` is not direct or queued"
        );
        let loaded = |mode: &'static str| {
            Loaded::load(None, move |k| match k {
                "BOOXI_AUTH_MODE" => Some("OAuth2".into()),
                "BOOXI_DELIVERY_MODE" => Some(mode.into()),
                _ => None,
            })
            .unwrap()
        };
        let base: &'static [(&'static str, &'static str)] = &[
            ("BOOXI_IDEMPOTENCY_TABLE", "t"),
            (
                "BOOXI_RECIPIENT_KEY_SECRET_ARN",
                "booxi-notify/recipient-key",
            ),
            ("BOOXI_SENDER_EMAIL", "a@b.co"),
        ];
        let missing = LambdaEnv::from_env(env(base), &loaded("queued")).unwrap_err();
        assert_eq!(
            missing.to_string(),
            "BOOXI_QUEUE_URL: required when BOOXI_DELIVERY_MODE is queued"
        );
        let with_url: &'static [(&'static str, &'static str)] = &[
            ("BOOXI_IDEMPOTENCY_TABLE", "t"),
            (
                "BOOXI_RECIPIENT_KEY_SECRET_ARN",
                "booxi-notify/recipient-key",
            ),
            ("BOOXI_SENDER_EMAIL", "a@b.co"),
            ("BOOXI_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/1/q"),
        ];
        let queued = LambdaEnv::from_env(env(with_url), &loaded("queued")).unwrap();
        assert_eq!(
            queued.queue_url.as_deref(),
            Some("https://sqs.us-east-1.amazonaws.com/1/q")
        );
        // Direct mode does not read the queue URL: no SQS client is built.
        let direct = LambdaEnv::from_env(env(with_url), &loaded("direct")).unwrap();
        assert_eq!(direct.queue_url, None);
    }

    #[test]
    fn the_drain_reads_no_webhook_secret_and_every_function_the_recipient_key() {
        let loaded = |mode: &'static str| {
            Loaded::load(None, move |k| {
                (k == "BOOXI_DELIVERY_MODE").then(|| mode.to_owned())
            })
            .unwrap()
        };
        let drain: &'static [(&'static str, &'static str)] = &[
            ("BOOXI_IDEMPOTENCY_TABLE", "t"),
            (
                "BOOXI_RECIPIENT_KEY_SECRET_ARN",
                "booxi-notify/recipient-key",
            ),
            ("BOOXI_SENDER_EMAIL", "a@b.co"),
            ("BOOXI_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/1/q"),
            ("BOOXI_DRAIN_ONLY", "true"),
            // Even if it were told, it would not read it.
            (
                "BOOXI_SECRET_ARN",
                "arn:aws:secretsmanager:us-east-1:1:secret:x",
            ),
        ];
        // Header-secret mode, and still no secret for the drain.
        let e = LambdaEnv::from_env(env(drain), &loaded("queued")).unwrap();
        assert!(e.drain_only);
        assert_eq!(e.secret_arn, None);
        assert_eq!(e.recipient_key_arn, "booxi-notify/recipient-key");
        assert_eq!(
            LambdaEnv::from_env(env(drain), &loaded("direct"))
                .unwrap_err()
                .to_string(),
            "BOOXI_DRAIN_ONLY: the drain only runs in queued mode (BOOXI_DELIVERY_MODE=queued)"
        );
        let no_key: &'static [(&'static str, &'static str)] = &[
            ("BOOXI_IDEMPOTENCY_TABLE", "t"),
            ("BOOXI_SENDER_EMAIL", "a@b.co"),
            (
                "BOOXI_SECRET_ARN",
                "arn:aws:secretsmanager:us-east-1:1:secret:x",
            ),
        ];
        assert_eq!(
            LambdaEnv::from_env(env(no_key), &header_secret())
                .unwrap_err()
                .to_string(),
            "BOOXI_RECIPIENT_KEY_SECRET_ARN: required, not set"
        );
    }

    #[test]
    fn the_reply_to_comes_from_the_configuration_once() {
        let loaded = Loaded::load(None, |k| match k {
            "BOOXI_REPLY_TO" => Some("desk@store.example.com".into()),
            "BOOXI_AUTH_MODE" => Some("OAuth2".into()),
            _ => None,
        })
        .unwrap();
        let lambda = LambdaEnv::from_env(
            env(&[
                ("BOOXI_IDEMPOTENCY_TABLE", "t"),
                (
                    "BOOXI_RECIPIENT_KEY_SECRET_ARN",
                    "booxi-notify/recipient-key",
                ),
                ("BOOXI_SENDER_EMAIL", "a@b.co"),
            ]),
            &loaded,
        )
        .unwrap();
        assert_eq!(
            lambda.sender.reply_to.as_ref().map(|a| a.as_str()),
            Some("desk@store.example.com")
        );
        assert_eq!(lambda.sender.reply_to, loaded.config.brand.reply_to);
    }
}
