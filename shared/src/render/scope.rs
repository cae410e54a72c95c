//! One event's messages rendered together: the context a template reads is made once for
//! the messages that would get the same one (a client's email and SMS of one kind, which
//! differ only by channel and address), not once per message.

use std::ops::Deref;
use std::sync::{Arc, Mutex, OnceLock};

use minijinja::Value;
use url::Url;

use super::context::Context;
use crate::domain::contact::Language;
use crate::domain::event::Event;
use crate::domain::notification::{
    Actor, Address, Audience, Channel, Kind, Links, Notification, Recipient,
};

/// An event while its messages are rendered. The event is borrowed, so it cannot change
/// meanwhile, and what is made from it can be kept for the next message. Dereferences to
/// the event.
pub struct EventScope<'e> {
    event: &'e Event,
    contexts: Mutex<Vec<(ContextKey, Arc<Kept>)>>,
}

/// A context the scope keeps, and its template value, made when first asked for.
pub(super) struct Kept {
    pub context: Context,
    value: OnceLock<Value>,
}

impl Kept {
    /// The context as templates read it ([`super::values::context_value`]), made once.
    pub fn value(&self) -> &Value {
        self.value
            .get_or_init(|| super::values::context_value(&self.context))
    }
}

impl<'e> EventScope<'e> {
    pub fn new(event: &'e Event) -> Self {
        Self {
            event,
            contexts: Mutex::new(Vec::new()),
        }
    }

    pub fn event(&self) -> &'e Event {
        self.event
    }

    /// The context kept under `key`, else the one `make` makes (then kept).
    pub(super) fn context(&self, key: ContextKey, make: impl FnOnce() -> Context) -> Arc<Kept> {
        let kept = self.contexts.lock().ok().and_then(|contexts| {
            contexts
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, context)| Arc::clone(context))
        });
        if let Some(context) = kept {
            return context;
        }
        let made = Arc::new(Kept {
            context: make(),
            value: OnceLock::new(),
        });
        // A poisoned lock only costs the next message a context made again.
        if let Ok(mut contexts) = self.contexts.lock() {
            contexts.push((key, Arc::clone(&made)));
        }
        made
    }
}

impl Deref for EventScope<'_> {
    type Target = Event;

    fn deref(&self) -> &Event {
        self.event
    }
}

/// What a message's [`Context`] is made from besides the event: the renderer (its brand,
/// labels and defaults), the template's language, and every field of the notification
/// but its channel, which the context never reads, and its address, which it reads only
/// for a promotional message's unsubscribe link.
#[derive(Debug, PartialEq)]
pub(super) struct ContextKey {
    renderer: u64,
    language: Language,
    event_id: String,
    kind: Kind,
    audience: Audience,
    to: Option<Address>,
    notification_language: Language,
    actor: Option<Actor>,
    links: Option<Links>,
    video_url: Option<Url>,
    fallback_for: Option<Channel>,
    recipient: Recipient,
}

impl ContextKey {
    /// `renderer` tells renderers apart (`Renderer::id`, never reused in a process).
    pub(super) fn of(renderer: u64, language: &Language, n: &Notification) -> Self {
        // Every field named: a field added to `Notification` does not compile here until
        // it is placed in the key (or said unread, as `channel`).
        let Notification {
            event_id,
            kind,
            audience,
            channel: _,
            to,
            language: notification_language,
            actor,
            links,
            video_url,
            fallback_for,
            recipient,
        } = n;
        Self {
            renderer,
            language: language.clone(),
            event_id: event_id.clone(),
            kind: *kind,
            audience: *audience,
            to: kind.is_promotional().then(|| to.clone()),
            notification_language: notification_language.clone(),
            actor: *actor,
            links: links.clone(),
            video_url: video_url.clone(),
            fallback_for: *fallback_for,
            recipient: *recipient,
        }
    }
}
