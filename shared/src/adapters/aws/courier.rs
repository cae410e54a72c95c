use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, MessageTag, RawMessage};
use aws_sdk_sns::types::MessageAttributeValue;

use super::classify;
use crate::core::delivery::SenderSettings;
use crate::core::delivery::{Content, Courier, Email, MessageMeta, Outgoing, SendError, Sms};
use crate::domain::contact::{EmailAddress, PhoneNumber};
use crate::domain::notification::{audience_name, channel_name};

/// Email through SES v2 (`SendEmail` with the raw MIME message, naming the configuration
/// set and tagged with what the message is), SMS through SNS (`Publish` to a phone
/// number, transactional, from the sender its country gets), after asking SNS whether
/// the number opted out.
#[derive(Debug, Clone)]
pub struct AwsCourier {
    pub ses: aws_sdk_sesv2::Client,
    pub sns: aws_sdk_sns::Client,
    pub sender: SenderSettings,
    /// SNS's answers to `CheckIfPhoneNumberIsOptedOut`, remembered a while; `None`:
    /// not asked (`BOOXI_SMS_OPT_OUT_CHECK=false`).
    pub opt_outs: Option<Arc<OptOutCache>>,
}

/// How long an answer of `CheckIfPhoneNumberIsOptedOut` is remembered: a number that
/// opts out meanwhile is still caught by SNS's delivery record (the Failure log).
pub const OPT_OUT_CACHE: Duration = Duration::from_secs(600);

/// Numbers asked about, with SNS's answer and when it was given (one process; bounded).
#[derive(Debug, Default)]
pub struct OptOutCache {
    answers: Mutex<HashMap<String, (bool, Instant)>>,
}

impl OptOutCache {
    const MAX: usize = 10_000;

    fn get(&self, number: &str) -> Option<bool> {
        let answers = self.answers.lock().unwrap_or_else(|p| p.into_inner());
        answers
            .get(number)
            .filter(|(_, at)| at.elapsed() < OPT_OUT_CACHE)
            .map(|(opted_out, _)| *opted_out)
    }

    fn put(&self, number: &str, opted_out: bool) {
        let mut answers = self.answers.lock().unwrap_or_else(|p| p.into_inner());
        if answers.len() >= Self::MAX {
            answers.retain(|_, (_, at)| at.elapsed() < OPT_OUT_CACHE);
            if answers.len() >= Self::MAX {
                answers.clear();
            }
        }
        answers.insert(number.to_owned(), (opted_out, Instant::now()));
    }
}

/// SES's tags on an email: what the message is, without personal data (names and
/// values: letters, digits, `_` and `-`, at most 256 characters). The outcome doors
/// find a message by SES's message id; the tags are for whoever reads the events.
fn email_tags(meta: &MessageMeta) -> Vec<MessageTag> {
    let value = |text: &str| -> String {
        text.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .take(256)
            .collect()
    };
    [
        ("booxi-event", value(&meta.event_id)),
        ("booxi-kind", value(meta.kind.name())),
        ("booxi-audience", audience_name(meta.audience).to_owned()),
        ("booxi-channel", channel_name(meta.channel).to_owned()),
        ("booxi-index", meta.index.to_string()),
    ]
    .into_iter()
    .filter_map(|(name, value)| MessageTag::builder().name(name).value(value).build().ok())
    .collect()
}

/// An SDK error of `operation` as a send error: its kind and its code, never its
/// message (which may quote an address).
fn send_error<E, R>(operation: &str, e: &aws_sdk_sesv2::error::SdkError<E, R>) -> SendError
where
    E: aws_sdk_sesv2::error::ProvideErrorMetadata,
    R: std::fmt::Debug,
{
    let (failure, code) = classify(e);
    SendError {
        failure,
        reason: format!("{operation}: {code}"),
    }
}

fn attribute(value: &str) -> Result<MessageAttributeValue, SendError> {
    typed_attribute("String", value)
}

/// SNS takes `AWS.SNS.SMS.MaxPrice` as a `Number`, the others as `String`s.
fn typed_attribute(data_type: &str, value: &str) -> Result<MessageAttributeValue, SendError> {
    MessageAttributeValue::builder()
        .data_type(data_type)
        .string_value(value)
        .build()
        .map_err(|e| SendError::permanent(format!("SNS attribute: {e}")))
}

/// `"Name" <address>` with the name RFC 2047-encoded (SES wants non-ASCII names encoded).
fn display_address(name: &str, address: &EmailAddress) -> String {
    let name = crate::domain::text::one_line(name);
    if name.is_empty() {
        return address.to_string();
    }
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(name.as_bytes());
    format!("=?UTF-8?B?{encoded}?= <{address}>")
}

impl AwsCourier {
    async fn email(&self, email: &Email, meta: &MessageMeta) -> Result<String, SendError> {
        // Always the complete MIME message (raw), never SES's "simple" content: only the
        // raw form keeps our Message-ID (the thread a reply joins), Auto-Submitted (no
        // out-of-office loops) and Content-Language, and one path is one thing to test.
        // Measured on the sample events: a staff email without .ics is 5.4 KB as simple
        // content and 9.0 KB as base64 raw, a difference no send latency shows.
        let content = EmailContent::builder()
            .raw(
                RawMessage::builder()
                    .data(Blob::new(email.mime.clone()))
                    .build()
                    .map_err(|e| SendError::permanent(format!("SES raw message: {e}")))?,
            )
            .build();
        let out = self
            .ses
            .send_email()
            .from_email_address(display_address(&email.from_name, &self.sender.from))
            .destination(
                Destination::builder()
                    .to_addresses(email.to.as_str())
                    .build(),
            )
            .set_reply_to_addresses(
                self.sender
                    .reply_to
                    .as_ref()
                    .map(|r| vec![r.as_str().to_owned()]),
            )
            .set_configuration_set_name(self.sender.configuration_set.clone())
            .set_email_tags(Some(email_tags(meta)))
            .content(content)
            .send()
            .await
            .map_err(|e| send_error("SES SendEmail", &e))?;
        Ok(out.message_id().unwrap_or_default().to_owned())
    }

    async fn sms(&self, sms: &Sms) -> Result<String, SendError> {
        let mut publish = self
            .sns
            .publish()
            .phone_number(sms.to.as_str())
            .message(&sms.text)
            .message_attributes("AWS.SNS.SMS.SMSType", attribute("Transactional")?);
        // The sender the number's country gets (`[sms.senders.XX]`, else the default).
        if let Some(id) = &sms.sender.sender_id {
            publish = publish.message_attributes("AWS.SNS.SMS.SenderID", attribute(id.as_str())?);
        }
        if let Some(number) = &sms.sender.origination_number {
            publish =
                publish.message_attributes("AWS.MM.SMS.OriginationNumber", attribute(number)?);
        }
        if let Some(price) = &sms.max_price {
            publish = publish
                .message_attributes("AWS.SNS.SMS.MaxPrice", typed_attribute("Number", price)?);
        }
        let out = publish.send().await.map_err(|e| {
            let mut error = send_error("SNS Publish", &e);
            // SNS names an opted-out number `OptedOut`: the number's refusal, for good
            // (the core suppresses it and falls back to email).
            if error.reason.starts_with("SNS Publish: OptedOut") {
                error.failure = crate::core::delivery::Failure::Refused;
            }
            error
        })?;
        Ok(out.message_id().unwrap_or_default().to_owned())
    }
}

impl Courier for AwsCourier {
    async fn send(&self, message: &Outgoing) -> Result<String, SendError> {
        match &message.content {
            Content::Email(email) => self.email(email, &message.meta).await,
            Content::Sms(sms) => self.sms(sms).await,
        }
    }

    /// SNS's `CheckIfPhoneNumberIsOptedOut`, its answer remembered [`OPT_OUT_CACHE`].
    async fn opted_out(&self, number: &PhoneNumber) -> Result<bool, SendError> {
        let Some(cache) = &self.opt_outs else {
            return Ok(false);
        };
        if let Some(known) = cache.get(number.as_str()) {
            return Ok(known);
        }
        let out = self
            .sns
            .check_if_phone_number_is_opted_out()
            .phone_number(number.as_str())
            .send()
            .await
            .map_err(|e| send_error("SNS CheckIfPhoneNumberIsOptedOut", &e))?;
        let opted_out = out.is_opted_out();
        cache.put(number.as_str(), opted_out);
        Ok(opted_out)
    }
}
