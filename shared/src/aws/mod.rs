//! The AWS side of the adapters (feature `aws`): SES v2 and SNS as a [`Courier`],
//! DynamoDB as the [`IdempotencyStore`], Secrets Manager as the [`SecretSource`].
//! Each builds on an SDK client made once at Lambda init; none knows about HTTP requests.
//!
//! [`Courier`]: crate::delivery::Courier
//! [`IdempotencyStore`]: crate::store::IdempotencyStore
//! [`SecretSource`]: crate::auth::SecretSource

mod courier;
mod dynamo;
mod secrets;

pub use courier::{AwsCourier, SenderSettings};
pub use dynamo::DynamoStore;
pub use secrets::SecretsManagerSource;

use aws_sdk_sesv2::error::ProvideErrorMetadata;

use crate::delivery::Failure;

/// Error codes that mean "slow down": retried within the time budget. SNS's `Throttled`
/// is not in the SDK's own retry list, hence this one.
const THROTTLING: &[&str] = &[
    "Throttled",
    "ThrottledException",
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "LimitExceededException",
    "RequestLimitExceeded",
    "ProvisionedThroughputExceededException",
];

/// Error codes by which a provider refuses one recipient for good (an SNS phone number
/// it will not take, an SES destination it cannot parse): the message is recorded as
/// failed and the event is not retried for it. Everything else that is not temporary is
/// taken as a configuration problem (sender not verified, access denied, sandbox, a
/// missing configuration set) and answered 502 so Booxi's retries deliver after a fix.
const REFUSALS: &[&str] = &[
    "InvalidParameter",
    "InvalidParameterValue",
    "InvalidParameterException",
    "BadRequestException",
];

/// What an SDK error says, without its message (which may quote an address): the error
/// code, and what kind of failure it is.
fn classify<E, R>(e: &aws_sdk_sesv2::error::SdkError<E, R>) -> (Failure, String)
where
    E: ProvideErrorMetadata,
    R: std::fmt::Debug,
{
    use aws_sdk_sesv2::error::SdkError;
    match e {
        SdkError::ServiceError(se) => {
            let code = se.err().code().unwrap_or("UnknownError").to_owned();
            (failure_of(&code), code)
        }
        SdkError::TimeoutError(_) => (Failure::Temporary, "timeout".into()),
        SdkError::DispatchFailure(_) => (Failure::Temporary, "network error".into()),
        SdkError::ResponseError(_) => (Failure::Temporary, "unreadable response".into()),
        _ => (Failure::Configuration, "request could not be built".into()),
    }
}

/// The kind of failure a service error code means.
fn failure_of(code: &str) -> Failure {
    if THROTTLING.contains(&code) || code.starts_with("Internal") || code.contains("Unavailable") {
        Failure::Temporary
    } else if REFUSALS.contains(&code) {
        Failure::Refused
    } else {
        Failure::Configuration
    }
}

use std::time::Duration;

use crate::config::ConfigError;

/// The SDK configuration of the Lambda: short connect and per-attempt timeouts, so a
/// stuck call fails inside the delivery budget and is retried or reported.
pub async fn sdk_config() -> aws_config::SdkConfig {
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(5))
        .build();
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .timeout_config(timeouts)
        .load()
        .await
}
use crate::contact::EmailAddress;

pub const ENV_SECRET_ARN: &str = "BOOXI_SECRET_ARN";
pub const ENV_IDEMPOTENCY_TABLE: &str = "BOOXI_IDEMPOTENCY_TABLE";
pub const ENV_SENDER_EMAIL: &str = "BOOXI_SENDER_EMAIL";
pub const ENV_SES_CONFIGURATION_SET: &str = "BOOXI_SES_CONFIGURATION_SET";
pub const ENV_SMS_SENDER_ID: &str = "BOOXI_SMS_SENDER_ID";
pub const ENV_SMS_ORIGINATION_NUMBER: &str = "BOOXI_SMS_ORIGINATION_NUMBER";
pub const ENV_SECRET_CACHE_SECONDS: &str = "BOOXI_SECRET_CACHE_SECONDS";

/// What the Lambda reads from its environment besides the rules configuration.
#[derive(Debug, Clone)]
pub struct LambdaEnv {
    /// Required unless API Gateway authenticates (OAuth2 mode).
    pub secret_arn: Option<String>,
    pub table: String,
    pub sender: SenderSettings,
    /// How long secret values are cached (default 300 s).
    pub secret_cache: Duration,
}

impl LambdaEnv {
    /// How often an unknown presented secret may trigger a refresh: at most every 30 s,
    /// sooner when the cache itself is shorter.
    pub fn secret_min_refresh(&self) -> Duration {
        self.secret_cache.min(Duration::from_secs(30))
    }
}

impl LambdaEnv {
    /// `reply_to` is the configuration's (`BOOXI_REPLY_TO`).
    pub fn from_env(
        env: impl Fn(&str) -> Option<String>,
        secret_required: bool,
        reply_to: Option<EmailAddress>,
    ) -> Result<Self, ConfigError> {
        let get = |key: &str| {
            env(key)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let invalid = |key: &str, message: &str| ConfigError::Invalid {
            key: key.to_owned(),
            message: message.to_owned(),
        };
        let required = |key: &str| get(key).ok_or_else(|| invalid(key, "required, not set"));
        let secret_arn = if secret_required {
            Some(required(ENV_SECRET_ARN)?)
        } else {
            get(ENV_SECRET_ARN)
        };
        let from = EmailAddress::parse(&required(ENV_SENDER_EMAIL)?)
            .map_err(|_| invalid(ENV_SENDER_EMAIL, "email address is not valid"))?;
        let sms_sender_id = get(ENV_SMS_SENDER_ID);
        if let Some(id) = &sms_sender_id {
            let ok = (1..=11).contains(&id.len())
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && id.chars().any(|c| c.is_ascii_alphabetic());
            if !ok {
                return Err(invalid(
                    ENV_SMS_SENDER_ID,
                    "1 to 11 letters, digits or hyphens, at least one letter",
                ));
            }
        }
        let sms_origination_number = get(ENV_SMS_ORIGINATION_NUMBER);
        if let Some(number) = &sms_origination_number {
            let digits = number.strip_prefix('+').unwrap_or("");
            if !(8..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid(
                    ENV_SMS_ORIGINATION_NUMBER,
                    "an E.164 number such as +15145550100",
                ));
            }
        }
        let secret_cache = match get(ENV_SECRET_CACHE_SECONDS) {
            None => Duration::from_secs(300),
            Some(s) => Duration::from_secs(
                s.parse()
                    .map_err(|_| invalid(ENV_SECRET_CACHE_SECONDS, "a whole number of seconds"))?,
            ),
        };
        Ok(Self {
            secret_arn,
            table: required(ENV_IDEMPOTENCY_TABLE)?,
            sender: SenderSettings {
                from,
                reply_to,
                configuration_set: get(ENV_SES_CONFIGURATION_SET),
                sms_sender_id,
                sms_origination_number,
            },
            secret_cache,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_sorted_into_kinds_of_failure() {
        for (code, failure) in [
            ("Throttled", Failure::Temporary),
            ("TooManyRequestsException", Failure::Temporary),
            ("InternalFailure", Failure::Temporary),
            ("ServiceUnavailable", Failure::Temporary),
            ("InvalidParameter", Failure::Refused),
            ("BadRequestException", Failure::Refused),
            ("MessageRejected", Failure::Configuration),
            ("AccessDeniedException", Failure::Configuration),
            ("MailFromDomainNotVerifiedException", Failure::Configuration),
            ("NotFoundException", Failure::Configuration),
        ] {
            assert_eq!(failure_of(code), failure, "{code}");
        }
    }

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
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
                ("BOOXI_SENDER_EMAIL", "notify@store.example.com"),
                ("BOOXI_SES_CONFIGURATION_SET", "booxi"),
                ("BOOXI_SMS_SENDER_ID", "Atelier"),
                ("BOOXI_SMS_ORIGINATION_NUMBER", "+15145550100"),
                ("BOOXI_SECRET_CACHE_SECONDS", "0"),
            ]),
            true,
            None,
        )
        .unwrap();
        assert_eq!(e.table, "booxi-idempotency");
        assert_eq!(e.sender.from.as_str(), "notify@store.example.com");
        assert_eq!(e.sender.configuration_set.as_deref(), Some("booxi"));
        assert_eq!(e.secret_cache, Duration::ZERO);

        let missing = LambdaEnv::from_env(
            env(&[
                ("BOOXI_IDEMPOTENCY_TABLE", "t"),
                ("BOOXI_SENDER_EMAIL", "a@b.co"),
            ]),
            true,
            None,
        );
        assert_eq!(
            missing.unwrap_err().to_string(),
            "BOOXI_SECRET_ARN: required, not set"
        );
        assert!(
            LambdaEnv::from_env(
                env(&[
                    ("BOOXI_IDEMPOTENCY_TABLE", "t"),
                    ("BOOXI_SENDER_EMAIL", "a@b.co")
                ]),
                false,
                None
            )
            .is_ok()
        );
        let bad = LambdaEnv::from_env(
            env(&[
                ("BOOXI_IDEMPOTENCY_TABLE", "t"),
                ("BOOXI_SENDER_EMAIL", "a@b.co"),
                ("BOOXI_SMS_SENDER_ID", "Far too long an id"),
            ]),
            false,
            None,
        );
        assert_eq!(
            bad.unwrap_err().to_string(),
            "BOOXI_SMS_SENDER_ID: 1 to 11 letters, digits or hyphens, at least one letter"
        );
    }
}
