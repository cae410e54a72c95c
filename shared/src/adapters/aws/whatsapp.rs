//! WhatsApp through AWS End User Messaging Social: one `SendWhatsAppMessage` per
//! message, from the configured phone number id, carrying Meta's Cloud API message
//! object (a template message). Its client is made only when `[whatsapp]` is configured.

use aws_sdk_socialmessaging::primitives::Blob;

use super::classify;
use crate::core::delivery::{SendError, WhatsApp};

/// Sends WhatsApp template messages from one phone number.
#[derive(Debug, Clone)]
pub struct WhatsAppSender {
    pub client: aws_sdk_socialmessaging::Client,
    /// `phone-number-id-…`, as End User Messaging Social names the number.
    pub phone_number_id: String,
    /// Meta's Graph API version the message object is written for (`v20.0`).
    pub meta_api_version: String,
}

impl WhatsAppSender {
    /// The sender of `[whatsapp]`, on `client`.
    pub fn new(
        client: aws_sdk_socialmessaging::Client,
        settings: &crate::domain::config::WhatsApp,
    ) -> Self {
        Self {
            client,
            phone_number_id: settings.phone_number_id.clone(),
            meta_api_version: settings.meta_api_version.clone(),
        }
    }

    /// Sends `message`; the provider's id (`messageId`, what the status events name).
    pub async fn send(&self, message: &WhatsApp) -> Result<String, SendError> {
        let object = serde_json::to_vec(&message.message_object())
            .map_err(|e| SendError::permanent(format!("WhatsApp message object: {e}")))?;
        let out = self
            .client
            .send_whats_app_message()
            .origination_phone_number_id(&self.phone_number_id)
            .meta_api_version(&self.meta_api_version)
            .message(Blob::new(object))
            .send()
            .await
            .map_err(|e| {
                let (failure, code) = classify(&e);
                SendError {
                    failure,
                    reason: format!("SocialMessaging SendWhatsAppMessage: {code}"),
                }
            })?;
        Ok(out.message_id().unwrap_or_default().to_owned())
    }
}
