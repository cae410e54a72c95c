//! Every environment variable's name. The names are a public contract: deployments and
//! users' scripts set them. Absent or empty values keep the defaults.

use crate::settings::error::ConfigError;

/// Path of the TOML file, when no path is given on the command line.
pub const ENV_CONFIG: &str = "BOOXI_CONFIG";
/// Rules and brand: each overrides the file key of the same meaning.
pub const ENV_ENABLED_KINDS: &str = "BOOXI_ENABLED_KINDS";
pub const ENV_SMS_KINDS: &str = "BOOXI_SMS_KINDS";
pub const ENV_STAFF_KINDS: &str = "BOOXI_STAFF_KINDS";
pub const ENV_STAFF_FALLBACK_EMAIL: &str = "BOOXI_STAFF_FALLBACK_EMAIL";
pub const ENV_DEFAULT_COUNTRY: &str = "BOOXI_DEFAULT_COUNTRY";
pub const ENV_TEMPLATES_DIR: &str = "BOOXI_TEMPLATES_DIR";
pub const ENV_DEFAULT_TIME_ZONE: &str = "BOOXI_DEFAULT_TIME_ZONE";
pub const ENV_MAX_RECIPIENTS_PER_EVENT: &str = "BOOXI_MAX_RECIPIENTS_PER_EVENT";
pub const ENV_MAX_SCHEDULES_PER_EVENT: &str = "BOOXI_MAX_SCHEDULES_PER_EVENT";
/// The one merchant a deployment serves: the merchant of a body that names none.
pub const ENV_MERCHANT_ID: &str = "BOOXI_MERCHANT_ID";
/// `true` (default) / `false`: a client's SMS that cannot go is sent by email instead.
pub const ENV_SMS_FALLBACK_EMAIL: &str = "BOOXI_SMS_FALLBACK_EMAIL";
/// `bounced=90,complained=365,opted_out=365`: days a suppression lasts, per cause.
pub const ENV_SUPPRESSION_DAYS: &str = "BOOXI_SUPPRESSION_DAYS";
/// WhatsApp (`[whatsapp]`): the phone number id turns it on; the others override the
/// file's keys of the same meaning.
pub const ENV_WHATSAPP_PHONE_NUMBER_ID: &str = "BOOXI_WHATSAPP_PHONE_NUMBER_ID";
pub const ENV_WHATSAPP_KINDS: &str = "BOOXI_WHATSAPP_KINDS";
pub const ENV_WHATSAPP_INSTEAD_OF_SMS: &str = "BOOXI_WHATSAPP_INSTEAD_OF_SMS";
pub const ENV_WHATSAPP_META_API_VERSION: &str = "BOOXI_WHATSAPP_META_API_VERSION";
/// `eng=en_US,spa=es_MX`: Meta's language code of some of our languages.
pub const ENV_WHATSAPP_LANGUAGES: &str = "BOOXI_WHATSAPP_LANGUAGES";
pub const ENV_WHATSAPP_TEMPLATE_PREFIX: &str = "BOOXI_WHATSAPP_TEMPLATE_PREFIX";
pub const ENV_WHATSAPP_LINK_BASE: &str = "BOOXI_WHATSAPP_LINK_BASE";
/// `name=known,name=known`: replaces the file's `[event_aliases]` table.
pub const ENV_EVENT_ALIASES: &str = "BOOXI_EVENT_ALIASES";
pub const ENV_BRAND_STORE_NAME: &str = "BOOXI_BRAND_STORE_NAME";
pub const ENV_BRAND_LOGO_URL: &str = "BOOXI_BRAND_LOGO_URL";
pub const ENV_BRAND_ACCENT_COLOR: &str = "BOOXI_BRAND_ACCENT_COLOR";
/// The reply-to address (`[brand] reply_to` in the file), used by the renderer and SES.
pub const ENV_BRAND_REPLY_TO: &str = "BOOXI_REPLY_TO";
pub const ENV_BRAND_FOOTER_TEXT: &str = "BOOXI_BRAND_FOOTER_TEXT";
pub const ENV_BRAND_REPLY_TO_STORE: &str = "BOOXI_BRAND_REPLY_TO_STORE";
pub const ENV_BRAND_UNSUBSCRIBE_URL: &str = "BOOXI_BRAND_UNSUBSCRIBE_URL";
pub const ENV_BRAND_STAFF_URL: &str = "BOOXI_BRAND_STAFF_URL";
pub const ENV_BRAND_REVIEW_URL: &str = "BOOXI_BRAND_REVIEW_URL";
/// The HTTP door and delivery.
pub const ENV_SECRET_HEADER: &str = "BOOXI_SECRET_HEADER";
pub const ENV_SIGNATURE_HEADER: &str = "BOOXI_SIGNATURE_HEADER";
pub const ENV_AUTH_MODE: &str = "BOOXI_AUTH_MODE";
pub const ENV_MAX_BODY_BYTES: &str = "BOOXI_MAX_BODY_BYTES";
pub const ENV_DELIVERY_BUDGET_SECONDS: &str = "BOOXI_DELIVERY_BUDGET_SECONDS";
/// The Lambda: AWS resources and the sender.
pub const ENV_SECRET_ARN: &str = "BOOXI_SECRET_ARN";
pub const ENV_IDEMPOTENCY_TABLE: &str = "BOOXI_IDEMPOTENCY_TABLE";
pub const ENV_SENDER_EMAIL: &str = "BOOXI_SENDER_EMAIL";
pub const ENV_SES_CONFIGURATION_SET: &str = "BOOXI_SES_CONFIGURATION_SET";
/// The default SMS sender (`[sms] sender_id`, `[sms] origination_number`).
pub const ENV_SMS_SENDER_ID: &str = "BOOXI_SMS_SENDER_ID";
pub const ENV_SMS_ORIGINATION_NUMBER: &str = "BOOXI_SMS_ORIGINATION_NUMBER";
/// `[sms]`: quiet hours (`21:00-08:00`), the kinds they hold back, the countries SMS may
/// go to (`CA,US`), the daily cap per merchant, SNS's maximum price per SMS.
pub const ENV_SMS_QUIET_HOURS: &str = "BOOXI_SMS_QUIET_HOURS";
pub const ENV_SMS_QUIET_KINDS: &str = "BOOXI_SMS_QUIET_KINDS";
pub const ENV_SMS_COUNTRIES: &str = "BOOXI_SMS_COUNTRIES";
pub const ENV_SMS_MAX_PER_DAY: &str = "BOOXI_SMS_MAX_PER_DAY";
pub const ENV_SMS_MAX_PRICE: &str = "BOOXI_SMS_MAX_PRICE";
pub const ENV_SECRET_CACHE_SECONDS: &str = "BOOXI_SECRET_CACHE_SECONDS";
/// The Secrets Manager secret (ARN or name) whose value keys the recipients' hashes
/// (`RecipientHasher`): required on AWS, read once at init by every function.
pub const ENV_RECIPIENT_KEY_SECRET_ARN: &str = "BOOXI_RECIPIENT_KEY_SECRET_ARN";
/// `true`: the function is queued mode's drain: it answers SQS batches only, reads no
/// webhook secret and refuses HTTP and schedule invocations.
pub const ENV_DRAIN_ONLY: &str = "BOOXI_DRAIN_ONLY";
/// Flows (`[[flows]]`) on EventBridge Scheduler: the schedule group, the function the
/// schedules invoke, and the role Scheduler invokes it with. Required when flows are
/// configured; these names are fixed (checks outside this repository read them).
pub const ENV_SCHEDULE_GROUP: &str = "BOOXI_SCHEDULE_GROUP";
pub const ENV_SCHEDULER_TARGET_ARN: &str = "BOOXI_SCHEDULER_TARGET_ARN";
pub const ENV_SCHEDULER_ROLE_ARN: &str = "BOOXI_SCHEDULER_ROLE_ARN";
/// Optional: the SQS queue (ARN) Scheduler sends a fire to when every retry failed.
pub const ENV_SCHEDULER_DLQ_ARN: &str = "BOOXI_SCHEDULER_DLQ_ARN";
/// Booking events out: the EventBridge bus (name or ARN) each processed event is
/// published to (`[events_out] bus`; unset or empty: off, no client made), and whether
/// its detail carries the client's email and mobile (`[events_out] contact_data`).
pub const ENV_EVENT_BUS: &str = "BOOXI_EVENT_BUS";
pub const ENV_EVENTS_CONTACT_DATA: &str = "BOOXI_EVENTS_CONTACT_DATA";
/// Offline mode (`booxi-notify serve` / `send`, and the Lambda's local mode): the secret
/// to accept.
pub const ENV_LOCAL_SECRET: &str = "BOOXI_LOCAL_SECRET";
/// The Lambda binary's local mode: `true` turns it on (also `1`, `yes`, `on`); unset,
/// empty, `false`, `0`, `no`, `off`: the AWS adapters.
pub const ENV_LOCAL_MODE: &str = "BOOXI_LOCAL_MODE";
/// Offline (`serve`, `send`): numbers (E.164, comma-separated) that act as opted out of SMS.
pub const ENV_LOCAL_OPTED_OUT: &str = "BOOXI_LOCAL_OPTED_OUT";
/// Offline (`serve`, `send`): numbers (E.164, comma-separated) that are not on WhatsApp:
/// a WhatsApp message to them comes back failed, and its SMS fallback goes.
pub const ENV_LOCAL_NOT_ON_WHATSAPP: &str = "BOOXI_LOCAL_NOT_ON_WHATSAPP";
/// `true` (default) / `false`: ask SNS (`CheckIfPhoneNumberIsOptedOut`) before each SMS
/// to a number not asked about in the last 10 minutes.
pub const ENV_SMS_OPT_OUT_CHECK: &str = "BOOXI_SMS_OPT_OUT_CHECK";
/// Where the Lambda's local mode writes messages (default `/tmp/booxi-notify`).
pub const ENV_LOCAL_OUTBOX: &str = "BOOXI_LOCAL_OUTBOX";
/// Time a client of `serve` has to send its headers, then its body.
pub const ENV_SERVE_READ_TIMEOUT: &str = "BOOXI_SERVE_READ_TIMEOUT_SECONDS";
/// How long `serve` keeps a connection with no request in flight before closing it.
pub const ENV_SERVE_IDLE_TIMEOUT: &str = "BOOXI_SERVE_IDLE_TIMEOUT_SECONDS";
/// Queued delivery: `direct` (send inside the webhook call, the default) or `queued`
/// (one SQS message per planned notification, sent by the queue door).
pub const ENV_DELIVERY_MODE: &str = "BOOXI_DELIVERY_MODE";
/// The SQS queue of queued mode (required when `BOOXI_DELIVERY_MODE=queued`).
pub const ENV_QUEUE_URL: &str = "BOOXI_QUEUE_URL";

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

/// A file key's value with the variable over it: the variable wins, and an empty value
/// (either's) clears the setting; with the name an error gives (the variable's, or the
/// file key's).
pub(crate) fn pick(
    env: &impl Fn(&str) -> Option<String>,
    env_key: &'static str,
    file_key: &'static str,
    from_file: Option<String>,
) -> Option<(&'static str, String)> {
    env(env_key)
        .map(|v| (env_key, v))
        .or(from_file.map(|v| (file_key, v)))
        .map(|(key, v)| (key, v.trim().to_owned()))
        .filter(|(_, v)| !v.is_empty())
}
