use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};
use aws_sdk_sns::types::MessageAttributeValue;

use super::classify;
use crate::core::delivery::SenderSettings;
use crate::core::delivery::{Content, Courier, Email, Outgoing, SendError, Sms};
use crate::domain::contact::EmailAddress;

/// Email through SES v2 (`SendEmail` with the raw MIME message), SMS through SNS
/// (`Publish` to a phone number, transactional, from the sender its country gets).
#[derive(Debug, Clone)]
pub struct AwsCourier {
    pub ses: aws_sdk_sesv2::Client,
    pub sns: aws_sdk_sns::Client,
    pub sender: SenderSettings,
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
    async fn email(&self, email: &Email) -> Result<String, SendError> {
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
            .content(content)
            .send()
            .await
            .map_err(|e| {
                let (failure, code) = classify(&e);
                SendError {
                    failure,
                    reason: format!("SES SendEmail: {code}"),
                }
            })?;
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
            let (failure, code) = classify(&e);
            SendError {
                failure,
                reason: format!("SNS Publish: {code}"),
            }
        })?;
        Ok(out.message_id().unwrap_or_default().to_owned())
    }
}

impl Courier for AwsCourier {
    async fn send(&self, message: &Outgoing) -> Result<String, SendError> {
        match &message.content {
            Content::Email(email) => self.email(email).await,
            Content::Sms(sms) => self.sms(sms).await,
        }
    }
}
