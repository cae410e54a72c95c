//! The AWS side of the adapters (feature `aws`): SES v2 and SNS as a [`Courier`],
//! DynamoDB as the [`IdempotencyStore`] (and the flows' booking states), Secrets Manager
//! as the [`SecretSource`], EventBridge Scheduler as the flows' scheduler, SQS as the
//! [`Queue`] of queued mode.
//! Each builds on an SDK client made once at Lambda init; none knows about HTTP requests.
//!
//! [`Courier`]: crate::core::delivery::Courier
//! [`IdempotencyStore`]: crate::core::store::IdempotencyStore
//! [`SecretSource`]: crate::doors::auth::SecretSource
//! [`Queue`]: crate::doors::queue::Queue

mod courier;
mod dynamo;
mod scheduler;
mod secrets;
mod sqs;

/// Moved to [`crate::settings`]; here for the callers that knew them here.
pub use crate::core::delivery::SenderSettings;
pub use crate::settings::LambdaEnv;
pub use courier::{AwsCourier, OPT_OUT_CACHE, OptOutCache};
pub use dynamo::DynamoStore;
pub use scheduler::EventBridgeScheduler;
pub use secrets::SecretsManagerSource;
pub use sqs::SqsQueue;

use aws_sdk_sesv2::error::ProvideErrorMetadata;

use crate::core::delivery::Failure;

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

/// The root certificates AWS service endpoints chain to: Amazon Root CA 1 to 4 (Amazon
/// Trust Services) and Starfield Services Root Certificate Authority - G2, which
/// cross-signs them. Compiled in: the SDK's default HTTPS client reads and parses the
/// whole OS store instead (~146 certificates, ~22 M instructions at every cold start).
const AMAZON_ROOT_CAS: &[u8] = include_bytes!("amazon-root-cas.pem");

/// The SDK's HTTPS client (rustls on aws-lc, as the default one) trusting only
/// [`AMAZON_ROOT_CAS`].
fn https_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
    let trust = TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(AMAZON_ROOT_CAS);
    let builder = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc));
    match TlsContext::builder().with_trust_store(trust).build() {
        Ok(context) => builder.tls_context(context).build_https(),
        // Building a context from a trust store cannot fail today; if it ever does, the
        // default roots (the OS store) still reach AWS.
        Err(_) => builder.build_https(),
    }
}

/// The SDK configuration of the Lambda: short connect and per-attempt timeouts, so a
/// stuck call fails inside the delivery budget and is retried or reported; an HTTPS
/// client that trusts Amazon's root certificates, compiled in.
pub async fn sdk_config() -> aws_config::SdkConfig {
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(5))
        .build();
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(https_client())
        .timeout_config(timeouts)
        .load()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_in_roots_are_amazons_five() {
        let pem = std::str::from_utf8(AMAZON_ROOT_CAS).unwrap();
        assert_eq!(pem.matches("-----BEGIN CERTIFICATE-----").count(), 5);
        assert_eq!(pem.matches("-----END CERTIFICATE-----").count(), 5);
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    }

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
}
