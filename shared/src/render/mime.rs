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

/// Who encodes the text parts: [`super::qp`] (what is sent), or mail-builder itself (what
/// the tests compare it with).
#[derive(Clone, Copy)]
enum TextEncoder {
    Ours,
    #[cfg(test)]
    MailBuilder,
}

/// A text part of `content_type` (UTF-8): quoted-printable encoded by [`super::qp`] when
/// mail-builder would encode it so, else left to mail-builder (7bit or base64).
fn text_part<'x>(
    content_type: ContentType<'x>,
    text: &'x str,
    encoder: TextEncoder,
) -> MimePart<'x> {
    let encoded = match encoder {
        TextEncoder::Ours => super::qp::encode_body(text.as_bytes()),
        #[cfg(test)]
        TextEncoder::MailBuilder => None,
    };
    match encoded {
        Some(encoded) => MimePart::new(content_type, BodyPart::Binary(encoded.into()))
            .transfer_encoding("quoted-printable"),
        None => MimePart::new(content_type, BodyPart::Text(text.into())),
    }
}

impl Email {
    /// The complete message, CRLF line endings, ready to send or to save as `.eml`.
    pub fn to_mime(&self, envelope: &Envelope) -> Result<Vec<u8>, RenderError> {
        self.mime_with(envelope, TextEncoder::Ours)
    }

    fn mime_with(&self, envelope: &Envelope, encoder: TextEncoder) -> Result<Vec<u8>, RenderError> {
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
        let utf8 = |name| ContentType::new(name).attribute("charset", "utf-8");
        let mut alternatives = vec![
            text_part(utf8("text/plain"), &self.text, encoder),
            text_part(utf8("text/html"), &self.html, encoder),
        ];
        let body = match &self.ics {
            None => MimePart::new("multipart/alternative", alternatives),
            Some(ics) => {
                let calendar = ContentType::new("text/calendar")
                    .attribute("method", ics.method.name())
                    .attribute("charset", "utf-8");
                alternatives.push(text_part(calendar, &ics.content, encoder));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::config::Config;
    use crate::render::preview::{Sample, previews, sample_event, sample_notification};
    use crate::render::{RenderConfig, Renderer};

    /// Every email of both preview galleries (each kind in each language, the longest
    /// names too) is the same message, byte for byte, whether its text parts are
    /// encoded by `qp` or by mail-builder.
    #[test]
    fn every_gallery_email_is_the_message_mail_builder_writes() {
        let renderer = Renderer::new(&RenderConfig::from(&Config::default())).unwrap();
        let from = EmailAddress::parse("notifications@acme.example").unwrap();
        let mut checked = 0;
        for sample in [Sample::Typical, Sample::Long] {
            let event = sample_event(sample).unwrap();
            for preview in previews(&renderer, sample).unwrap() {
                let n = sample_notification(
                    preview.kind,
                    &preview.language,
                    crate::domain::notification::Channel::Email,
                )
                .unwrap();
                let envelope = Envelope::for_preview(&event, &n, 1, &from).unwrap();
                let message = |encoder| {
                    let mime = preview.email.mime_with(&envelope, encoder).unwrap();
                    without_boundaries(&String::from_utf8(mime).unwrap())
                };
                let (ours, theirs) = (
                    message(TextEncoder::Ours),
                    message(TextEncoder::MailBuilder),
                );
                assert_eq!(ours, theirs, "{} ({sample:?})", preview.slug());
                checked += 1;
            }
        }
        assert!(checked > 100, "only {checked} emails checked");
    }

    /// The message with its MIME boundaries (random) replaced by their order.
    fn without_boundaries(mime: &str) -> String {
        let mut out = mime.to_owned();
        for (n, part) in mime.split("boundary=\"").skip(1).enumerate() {
            let boundary = part.split('"').next().unwrap();
            out = out.replace(boundary, &format!("boundary-{n}"));
        }
        out
    }
}
