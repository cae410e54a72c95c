//! The complete MIME message of an email (what SES `SendRawEmail` and an `.eml` file
//! hold), built with mail-builder: multipart/alternative of text and HTML, plus the
//! calendar invite as a `text/calendar` alternative and as an `invite.ics` attachment.

use jiff::Timestamp;
use mail_builder::MessageBuilder;
use mail_builder::headers::address::Address as MailAddress;
use mail_builder::headers::content_type::ContentType;
use mail_builder::mime::{BodyPart, MimePart};

use crate::domain::contact::EmailAddress;
use crate::domain::event::Event;
use crate::domain::notification::{Address, Notification};

use super::Email;
use super::error::RenderError;
use super::text::{clean, language_tag};

/// What the sender adds to a rendered email: addresses, date and message id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The sending address (a verified SES identity); its display name is the email's
    /// `from_name`.
    pub from: EmailAddress,
    pub to: EmailAddress,
    /// Overrides the email's own reply-to (the brand's) when set.
    pub reply_to: Option<EmailAddress>,
    pub date: Timestamp,
    /// Without angle brackets: `evt-1.1@example.com` (see [`message_id`]).
    pub message_id: String,
}

impl Envelope {
    /// The envelope of the `n`th planned message of an event for a preview or a test:
    /// dated when the event was created (else the Unix epoch), so that the same event
    /// always gives the same headers. `None` for an SMS.
    pub fn for_preview(
        event: &Event,
        notification: &Notification,
        n: usize,
        from: &EmailAddress,
    ) -> Option<Self> {
        let Address::Email(to) = &notification.to else {
            return None;
        };
        // No configuration here: a time without an offset is read in the merchant's
        // zone, else as UTC.
        let tz = event.time_zone(&jiff::tz::TimeZone::UTC);
        let date = event
            .created_on
            .as_deref()
            .and_then(|t| super::datetime::parse_instant(t, &tz))
            .unwrap_or(Timestamp::UNIX_EPOCH);
        Some(Self {
            from: from.clone(),
            to: to.clone(),
            reply_to: None,
            date,
            message_id: message_id(&event.id, n, from),
        })
    }
}

/// A Message-ID for the `n`th message of an event, under the sender's domain: the same
/// event and position always give the same id.
pub fn message_id(event_id: &str, n: usize, from: &EmailAddress) -> String {
    let local: String = event_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
        .collect();
    let local = if local.is_empty() {
        "event".to_owned()
    } else {
        local
    };
    let domain = from.as_str().rsplit('@').next().unwrap_or("localhost");
    format!("booxi.{local}.{n}@{domain}")
}

impl Email {
    /// The complete message, CRLF line endings, ready to send or to save as `.eml`.
    pub fn to_mime(&self, envelope: &Envelope) -> Result<Vec<u8>, RenderError> {
        let from_name = clean(&self.from_name);
        let from: MailAddress<'_> = match &from_name {
            Some(name) => MailAddress::new_address(Some(name.as_str()), envelope.from.as_str()),
            None => MailAddress::new_address(None::<&str>, envelope.from.as_str()),
        };
        let mut builder = MessageBuilder::new()
            .from(from)
            .to(envelope.to.as_str())
            .subject(clean(&self.subject).unwrap_or_default())
            .date(envelope.date.as_second())
            .message_id(envelope.message_id.as_str())
            .header(
                "Content-Language",
                mail_builder::headers::raw::Raw::new(language_tag(self.language.code())),
            )
            .header(
                "Auto-Submitted",
                mail_builder::headers::raw::Raw::new("auto-generated"),
            );
        if let Some(reply_to) = envelope.reply_to.as_ref().or(self.reply_to.as_ref()) {
            builder = builder.reply_to(reply_to.as_str());
        }
        // RFC 2369 and RFC 8058: mail apps show an "Unsubscribe" button; an https target
        // is unsubscribed with one POST, no page to visit.
        if let Some(target) = self
            .list_unsubscribe
            .as_deref()
            .filter(|t| !t.contains(['<', '>', '\r', '\n', ' ']))
        {
            builder = builder.header(
                "List-Unsubscribe",
                mail_builder::headers::raw::Raw::new(format!("<{target}>")),
            );
            if target.starts_with("https://") {
                builder = builder.header(
                    "List-Unsubscribe-Post",
                    mail_builder::headers::raw::Raw::new("List-Unsubscribe=One-Click"),
                );
            }
        }
        let mut alternatives = vec![
            MimePart::new("text/plain", BodyPart::Text(self.text.as_str().into())),
            MimePart::new("text/html", BodyPart::Text(self.html.as_str().into())),
        ];
        let body = match &self.ics {
            None => MimePart::new("multipart/alternative", alternatives),
            Some(ics) => {
                let calendar = ContentType::new("text/calendar")
                    .attribute("method", ics.method.name())
                    .attribute("charset", "utf-8");
                alternatives.push(MimePart::new(
                    calendar,
                    BodyPart::Text(ics.content.as_str().into()),
                ));
                let attachment = MimePart::new(
                    ContentType::new("application/ics").attribute("name", "invite.ics"),
                    BodyPart::Binary(ics.content.as_bytes().into()),
                )
                .attachment("invite.ics");
                MimePart::new(
                    "multipart/mixed",
                    vec![
                        MimePart::new("multipart/alternative", alternatives),
                        attachment,
                    ],
                )
            }
        };
        builder
            .body(body)
            .write_to_vec()
            .map_err(|e| RenderError::Mime(e.to_string()))
    }
}
