//! An event's messages rendered in one scope (`EventScope`, as the core renders them:
//! a context made once serves each message that would get the same one) are the messages
//! rendered each on its own, whatever the order.

use super::*;
use booxi_notify::domain::config::Brand;
use booxi_notify::domain::notification::FlowName;
use booxi_notify::render::{EventScope, Sequencing};

/// Each message rendered alone, then all in one scope, in order and in reverse order.
fn same_in_one_scope(r: &Renderer, e: &Event, messages: &[Notification]) -> usize {
    let alone: Vec<String> = messages
        .iter()
        .map(|n| format!("{:?}", r.render(e, n)))
        .collect();
    for order in [false, true] {
        let scope = EventScope::new(e);
        let mut indices: Vec<usize> = (0..messages.len()).collect();
        if order {
            indices.reverse();
        }
        for i in indices {
            let n = &messages[i];
            let together = format!("{:?}", r.render_in(&scope, n, Sequencing::default()));
            assert_eq!(
                together, alone[i],
                "{} {:?} {:?} {} (reversed: {order})",
                n.kind, n.audience, n.channel, n.language
            );
        }
    }
    alone.iter().filter(|m| m.starts_with("Ok(")).count()
}

/// Every kind, in every language, to its audience by email and by SMS (an attendee and
/// the staff too), in one scope: a promotional email carries its own address's
/// unsubscribe link.
#[test]
fn every_kind_rendered_in_one_scope_is_the_message_rendered_alone() {
    // An unsubscribe page that names the address: each promotional email has its own.
    let r = Renderer::new(&RenderConfig {
        brand: Brand {
            unsubscribe_url: Some(
                Url::parse("https://acme.example/unsubscribe?email={email}").unwrap(),
            ),
            ..Brand::default()
        },
        ..RenderConfig::default()
    })
    .unwrap();
    let e = event(&rich_body("appointment.updated"));
    let mut rendered = 0;
    for lang in LANGS {
        let mut messages = Vec::new();
        for kind in all_kinds() {
            for channel in [Channel::Email, Channel::Sms] {
                messages.push(notification(kind, lang, channel));
            }
        }
        // Same kind, other recipient: an attendee's email, and a promotional email to
        // another address (its unsubscribe link is the address's own).
        let mut attendee = notification(Kind::Confirmation, lang, Channel::Email);
        attendee.audience = Audience::Attendee;
        attendee.recipient = Recipient::Attendee(0);
        messages.push(attendee);
        let mut other = notification(Kind::Recall, lang, Channel::Email);
        other.to = Address::Email(EmailAddress::parse("john@example.com").unwrap());
        messages.push(other);
        // Same kind and address, without the tracking page's links.
        let mut unlinked = notification(Kind::Confirmation, lang, Channel::Sms);
        unlinked.links = None;
        messages.push(unlinked);
        rendered += same_in_one_scope(&r, &e, &messages);
    }
    assert!(
        rendered >= 6 * all_kinds().len(),
        "{rendered} messages rendered"
    );
}

/// The built-in kinds: the rules' (client and staff) and the flows' (the promotional
/// ones among them).
fn all_kinds() -> Vec<Kind> {
    let flows = ["pre_visit", "starting_soon", "thank_you", "review_request"]
        .map(|name| Kind::Flow(FlowName::parse(name).unwrap()));
    Kind::CLIENT
        .into_iter()
        .chain(Kind::STAFF)
        .chain(flows)
        .collect()
}

/// Two renderers in one scope (another brand): each renders with its own.
#[test]
fn a_scope_keeps_each_renderers_contexts_apart() {
    let e = event(&rich_body("appointment.created"));
    let n = notification(Kind::Confirmation, "eng", Channel::Sms);
    let branded = |name: &str| {
        Renderer::new(&RenderConfig {
            brand: Brand {
                store_name: Some(name.into()),
                ..Brand::default()
            },
            ..RenderConfig::default()
        })
        .unwrap()
    };
    let (first, second) = (branded("First Optics"), branded("Second Optics"));
    let scope = EventScope::new(&e);
    let sms = |r: &Renderer| match r.render_in(&scope, &n, Sequencing::default()) {
        Ok(Message::Sms(s)) => s.text,
        other => panic!("an SMS: {other:?}"),
    };
    for (r, name) in [(&first, "First Optics"), (&second, "Second Optics")] {
        assert!(sms(r).starts_with(name), "{name}");
    }
    // One renderer after another, each dropped before the next is built (in the same
    // place, as often as not): the second is not taken for the first.
    for name in ["Third Optics", "Fourth Optics", "Fifth Optics"] {
        let r = branded(name);
        assert!(sms(&r).starts_with(name), "{name}");
    }
}
