//! The AWS side of the adapters (feature `aws`): SES v2, SNS and End User Messaging
//! Social (WhatsApp) as a [`Courier`],
//! DynamoDB as the [`IdempotencyStore`] (and the flows' booking states), Secrets Manager
//! as the [`SecretSource`], EventBridge Scheduler as the flows' scheduler, SQS as the
//! [`Queue`] of queued mode, EventBridge as the events-out [`EventBus`].
//! Each builds on an SDK client made once at Lambda init; none knows about HTTP requests.
//!
//! [`Courier`]: crate::core::delivery::Courier
//! [`IdempotencyStore`]: crate::core::store::IdempotencyStore
//! [`SecretSource`]: crate::doors::auth::SecretSource
//! [`Queue`]: crate::doors::queue::Queue
//! [`EventBus`]: crate::core::events_out::EventBus

mod courier;
mod dynamo;
mod eventbridge;
mod scheduler;
mod secrets;
mod sqs;
mod whatsapp;

/// Moved to [`crate::settings`]; here for the callers that knew them here.
pub use crate::core::delivery::SenderSettings;
pub use crate::settings::LambdaEnv;
pub use courier::{AwsCourier, OPT_OUT_CACHE, OptOutCache};
pub use dynamo::DynamoStore;
pub use eventbridge::EventBridgeBus;
pub use scheduler::EventBridgeScheduler;
pub use secrets::SecretsManagerSource;
pub use sqs::SqsQueue;
pub use whatsapp::WhatsAppSender;

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
    // End User Messaging Social.
    "ThrottledRequestException",
];

/// Error codes by which a provider refuses one recipient whatever the message says.
const REFUSALS: &[&str] = &["OptedOut", "OptedOutException"];

/// Error codes that say the request was wrong: about the recipient (SNS: the phone
/// number; SES: the address) or about us (SNS: the sender ID, the origination number,
/// an attribute; SES: a malformed request, the configuration set). Their message tells
/// which ([`about_the_recipient`]).
const INVALID_INPUT: &[&str] = &[
    "InvalidParameter",
    "InvalidParameterValue",
    "InvalidParameterException",
    "InvalidParameterValueException",
    "ParameterValueInvalid",
    "BadRequestException",
];

/// Whether an invalid-input error's message is about the recipient, as AWS words it:
/// SNS names the parameter (`Invalid parameter: PhoneNumber Reason: +1… is not valid to
/// publish to`; any other parameter — `Invalid parameter: ` with a sender ID SNS will
/// not take, an origination number the account does not own, a message attribute — is
/// ours); SES gives the address parser's complaint (`Illegal address`, `Missing domain`,
/// `Local address contains control or whitespace`, `Domain contains illegal
/// character`…). moto's own texts for the same cases are read too (`Phone number does
/// not meet the E164 format`).
fn about_the_recipient(message: &str) -> bool {
    const ADDRESS: &[&str] = &[
        "illegal address",
        "missing domain",
        "missing final '@domain'",
        "missing local name",
        "local address ",
        "domain contains ",
        "domain starts with ",
        "domain ends with ",
    ];
    if parameter_named(message).is_some_and(|p| p.eq_ignore_ascii_case("PhoneNumber")) {
        return true;
    }
    let m = message.trim().to_ascii_lowercase();
    m.starts_with("phone number does not meet the e164 format")
        || m.contains("is opted out")
        || ADDRESS.iter().any(|a| m.starts_with(a))
}

/// End User Messaging Social's invalid-input code: about the recipient (the message
/// object's `to`) or about us (the phone number id, the Graph API version, the template,
/// its parameters); its message tells which ([`whatsapp_recipient`]).
const WHATSAPP_INVALID: &str = "InvalidParametersException";

/// Whether an `InvalidParametersException`'s message is about the recipient: it names
/// the recipient, the `to` field or a phone number that is not our origination number,
/// and nothing of ours (the origination number, the template, the API version, Meta's
/// allowed list of a test number). AWS does not document these texts: anything else is
/// ours to fix (a configuration failure, answered 502 and alarmed), never a refusal that
/// would drop the message for good.
fn whatsapp_recipient(message: &str) -> bool {
    let m = message.trim().to_ascii_lowercase();
    let ours = [
        "origination",
        "template",
        "metaapiversion",
        "api version",
        "allowed list",
    ];
    if ours.iter().any(|o| m.contains(o)) {
        return false;
    }
    [
        "recipient",
        "phone number",
        "'to'",
        "\"to\"",
        "`to`",
        " to field",
        " to parameter",
    ]
    .iter()
    .any(|r| m.contains(r))
}

/// The parameter an SNS `Invalid parameter: <name> Reason: …` message names, when it is a
/// plain name (never the value, which may be a number or an address).
fn parameter_named(message: &str) -> Option<&str> {
    let name = message
        .trim()
        .strip_prefix("Invalid parameter: ")?
        .split_whitespace()
        .next()?;
    (name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_'))
    .then_some(name)
}

/// What an SDK error says, without its message (which may quote an address): the error
/// code (with, for an invalid input that is not about the recipient, what it is about),
/// and what kind of failure it is.
fn classify<E, R>(e: &aws_sdk_sesv2::error::SdkError<E, R>) -> (Failure, String)
where
    E: ProvideErrorMetadata,
    R: std::fmt::Debug,
{
    use aws_sdk_sesv2::error::SdkError;
    match e {
        SdkError::ServiceError(se) => {
            let code = se.err().code().unwrap_or("UnknownError").to_owned();
            let message = se.err().message().unwrap_or_default();
            let failure = failure_of(&code, message);
            let reason = match failure {
                Failure::Configuration
                    if INVALID_INPUT.contains(&code.as_str()) || code == WHATSAPP_INVALID =>
                {
                    match parameter_named(message) {
                        Some(name) => format!("{code} ({name}, not the recipient)"),
                        None => format!("{code} (not about the recipient)"),
                    }
                }
                _ => code,
            };
            (failure, reason)
        }
        SdkError::TimeoutError(_) => (Failure::Temporary, "timeout".into()),
        SdkError::DispatchFailure(_) => (Failure::Temporary, "network error".into()),
        SdkError::ResponseError(_) => (Failure::Temporary, "unreadable response".into()),
        _ => (Failure::Configuration, "request could not be built".into()),
    }
}

/// The kind of failure a service error means, from its code and message. Only an error
/// about the recipient (an invalid number or address, an opt-out) refuses the message for
/// good; an invalid input about our side (sender ID, origination number, configuration
/// set, the request's shape) is a configuration failure like access denied or a sender
/// not verified: answered 502, alarmed, and sent by Booxi's retry once fixed.
fn failure_of(code: &str, message: &str) -> Failure {
    if THROTTLING.contains(&code)
        || code.starts_with("Internal")
        || code.contains("Unavailable")
        // End User Messaging Social: Meta did not answer (HTTP 502).
        || code == "DependencyException"
    {
        Failure::Temporary
    } else if code == WHATSAPP_INVALID {
        if whatsapp_recipient(message) {
            Failure::Refused
        } else {
            Failure::Configuration
        }
    } else if REFUSALS.contains(&code)
        || (INVALID_INPUT.contains(&code) && about_the_recipient(message))
    {
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
        for (code, message, failure) in [
            ("Throttled", "Rate exceeded", Failure::Temporary),
            ("TooManyRequestsException", "", Failure::Temporary),
            ("InternalFailure", "", Failure::Temporary),
            ("ServiceUnavailable", "", Failure::Temporary),
            (
                "InvalidParameter",
                "Invalid parameter: PhoneNumber Reason: +15555550100 is not valid to publish to",
                Failure::Refused,
            ),
            (
                "InvalidParameter",
                "Invalid parameter: PhoneNumber",
                Failure::Refused,
            ),
            (
                "InvalidParameter",
                "Phone number does not meet the E164 format",
                Failure::Refused,
            ),
            ("BadRequestException", "Illegal address", Failure::Refused),
            ("InvalidParameterValue", "Missing domain", Failure::Refused),
            (
                "BadRequestException",
                "Local address contains control or whitespace",
                Failure::Refused,
            ),
            ("OptedOut", "", Failure::Refused),
            (
                "InvalidParameter",
                "Invalid parameter: ",
                Failure::Configuration,
            ),
            (
                "InvalidParameter",
                "Invalid parameter: MessageAttributes Reason: origination number",
                Failure::Configuration,
            ),
            (
                "InvalidParameter",
                "SMS message must be less than 1600 bytes",
                Failure::Configuration,
            ),
            (
                "BadRequestException",
                "The input you provided is invalid.",
                Failure::Configuration,
            ),
            ("BadRequestException", "", Failure::Configuration),
            (
                "MessageRejected",
                "Email address is not verified.",
                Failure::Configuration,
            ),
            ("AccessDeniedException", "", Failure::Configuration),
            (
                "MailFromDomainNotVerifiedException",
                "",
                Failure::Configuration,
            ),
            ("NotFoundException", "", Failure::Configuration),
            // End User Messaging Social (SendWhatsAppMessage).
            ("ThrottledRequestException", "", Failure::Temporary),
            ("InternalServiceException", "", Failure::Temporary),
            ("DependencyException", "", Failure::Temporary),
            (
                "InvalidParametersException",
                "Invalid recipient phone number",
                Failure::Refused,
            ),
            (
                "InvalidParametersException",
                "The 'to' field is not a valid WhatsApp phone number",
                Failure::Refused,
            ),
            (
                "InvalidParametersException",
                "Invalid originationPhoneNumberId",
                Failure::Configuration,
            ),
            (
                "InvalidParametersException",
                "Template name does not exist in the translation",
                Failure::Configuration,
            ),
            (
                "InvalidParametersException",
                "Recipient phone number not in allowed list",
                Failure::Configuration,
            ),
            ("InvalidParametersException", "", Failure::Configuration),
            ("ValidationException", "", Failure::Configuration),
            ("ResourceNotFoundException", "", Failure::Configuration),
            ("AccessDeniedException", "", Failure::Configuration),
            ("AccessDeniedByMetaException", "", Failure::Configuration),
        ] {
            assert_eq!(failure_of(code, message), failure, "{code}: {message}");
        }
        assert_eq!(
            parameter_named("Invalid parameter: AWS.MM.SMS.OriginationNumber Reason: x"),
            Some("AWS.MM.SMS.OriginationNumber")
        );
        assert_eq!(parameter_named("Invalid parameter: "), None);
        assert_eq!(parameter_named("Invalid parameter: +1555 is bad"), None);
    }
}
