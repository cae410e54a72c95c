//! The renderer as the webhook's [`Compose`] step: a planned notification becomes an
//! [`Outgoing`] message with its complete MIME form (what SES raw sending and the local
//! outbox both use).

use jiff::Timestamp;

use crate::core::delivery::{Content, Email, MessageMeta, Outgoing, Sms, WhatsApp};
use crate::domain::contact::EmailAddress;
use crate::domain::event::Event;
use crate::domain::notification::{Address, Notification};
use crate::render::{Envelope, EventScope, Message, Renderer, Sequencing, message_id};

/// Turns a planned notification into a message ready to send (the renderer).
pub trait Compose: Send + Sync {
    /// An error is one line, without personal data. `event` is the event with what its
    /// earlier messages made ([`EventScope`]): the core composes an event's messages in
    /// one scope.
    fn compose(
        &self,
        event: &EventScope<'_>,
        notification: &Notification,
        meta: MessageMeta,
    ) -> Result<Outgoing, String>;
}

pub struct RenderComposer {
    pub renderer: Renderer,
    /// The sending address (`BOOXI_SENDER_EMAIL`).
    pub from: EmailAddress,
    /// Overrides the brand's reply-to when set.
    pub reply_to: Option<EmailAddress>,
}

impl RenderComposer {
    /// The renderer with the sender's address and reply-to.
    pub fn new(renderer: Renderer, sender: &crate::core::delivery::SenderSettings) -> Self {
        Self {
            renderer,
            from: sender.from.clone(),
            reply_to: sender.reply_to.clone(),
        }
    }

    /// Composes with an explicit date (the outbox and tests use a fixed one).
    pub fn compose_at(
        &self,
        event: &Event,
        n: &Notification,
        meta: MessageMeta,
        date: Timestamp,
    ) -> Result<Outgoing, String> {
        self.compose_in(&EventScope::new(event), n, meta, date)
    }

    /// [`RenderComposer::compose_at`] for one of an event's messages composed together
    /// ([`EventScope`]).
    pub fn compose_in(
        &self,
        event: &EventScope<'_>,
        n: &Notification,
        meta: MessageMeta,
        date: Timestamp,
    ) -> Result<Outgoing, String> {
        let content = match (
            self.renderer
                .render_in(
                    event,
                    n,
                    Sequencing {
                        received: Some(date),
                        last_sent: None,
                    },
                )
                .map_err(|e| e.to_string())?,
            &n.to,
        ) {
            (Message::Email(email), Address::Email(to)) => {
                let envelope = Envelope {
                    from: self.from.clone(),
                    to: to.clone(),
                    reply_to: self.reply_to.clone(),
                    date,
                    // The message's own event id: a scheduled message's is its fire, so it
                    // never shares a Message-ID with the event's own messages.
                    message_id: message_id(&meta.event_id, meta.index, &self.from),
                };
                let mime = email.to_mime(&envelope).map_err(|e| e.to_string())?;
                Content::Email(Email {
                    to: to.clone(),
                    subject: email.subject,
                    text: email.text,
                    html: email.html,
                    mime,
                    has_attachment: email.ics.is_some(),
                    from_name: email.from_name,
                })
            }
            (Message::Sms(sms), Address::Phone(to)) => {
                let (sender, max_price) = self.renderer.sms_route(to);
                Content::Sms(Sms {
                    to: to.clone(),
                    text: sms.text,
                    sender,
                    max_price,
                })
            }
            (Message::WhatsApp(message), Address::Whatsapp(to)) => Content::WhatsApp(WhatsApp {
                to: to.clone(),
                template: message.template,
                text: message.text,
            }),
            _ => return Err("the rendered message does not match the recipient's channel".into()),
        };
        Ok(Outgoing { meta, content })
    }
}

impl Compose for RenderComposer {
    fn compose(
        &self,
        event: &EventScope<'_>,
        n: &Notification,
        meta: MessageMeta,
    ) -> Result<Outgoing, String> {
        self.compose_in(event, n, meta, Timestamp::now())
    }
}
