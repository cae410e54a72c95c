//! The renderer: every kind in every language renders (strict undefined), payload
//! values are escaped, SMS stay within three segments, dates follow the time zone.
//!
//! Where a case lives:
//! - `templates`: every kind renders in every language of its side, strict undefined,
//!   escaping, the override folder, Booxi's REST-model fields reaching templates.
//! - `content`: what each message says and offers: changes before and after, the one action,
//!   video calls, book again, review requests, attendees' links, prices, staff messages.
//! - `email`: the MIME message, Reply-To, unsubscribe headers, preheaders.
//! - `sms`: fitting three segments, long names, the form chosen, never cut inside a link.
//! - `dates`: the store's time zone, daylight saving, times without an offset.
//! - `invites`: the `.ics` invites: UID, sequence, moves, cancels, the video link.
//! - `language`: names from translations, French typography, store text in its own language.
//!
//! The snapshot tests stay here, at the crate root, so their files keep their names
//! (`snapshots/render__<name>.snap`; `cargo insta review` after a change). The sample
//! bodies and helpers every module uses are below.

mod compiled;
mod content;
mod dates;
mod email;
mod invites;
mod language;
mod scope;
mod sms;
mod templates;

use booxi_notify::domain::contact::{Country, EmailAddress, Language, PhoneNumber};
use booxi_notify::domain::notification::{
    Actor, Address, Audience, Channel, Kind, Links, Notification, Recipient,
};
use booxi_notify::render::{
    Email, Message, RenderConfig, Renderer, Sms, SmsForm, choose_sms, count_segments,
};
use booxi_notify::{Config, Event, plan};
use serde_json::{Value, json};
use url::Url;

const LANGS: [&str; 6] = ["eng", "fre", "spa", "por", "nld", "deu"];

fn renderer() -> Renderer {
    Renderer::new(&RenderConfig::default()).expect("built-in templates compile")
}

/// Everything a Booxi event can carry, with translations in every language.
fn rich_body(event_type: &str) -> Value {
    let names = |base: &str| {
        json!([
            {"language": "fre", "name": format!("{base} (fr)")},
            {"language": "spa", "name": format!("{base} (es)")},
            {"language": "por", "name": format!("{base} (pt)")},
            {"language": "nld", "name": format!("{base} (nl)")},
            {"language": "deu", "name": format!("{base} (de)")}
        ])
    };
    json!({
        "eventId": "evt-rich",
        "eventType": event_type,
        "createdOn": "2026-11-20T12:00:00Z",
        "content": {
            "booking": {
                "bookingId": 778812,
                "confirmationNumber": "A00006500",
                "bookingMethod": "Appointment",
                "status": "Approved",
                "isCompleted": false,
                "startsOn": "2026-12-03T15:00:00Z",
                "totalClientTimespan": {"start": "2026-12-03T15:00:00Z", "end": "2026-12-03T16:00:00Z", "duration": 60},
                "staffId": 2101,
                "staffFirstName": "Marie",
                "staffLastName": "Tremblay",
                "location": "Business",
                "clientCommunication": "ClientAndAttendees",
                "createdBy": "Client",
                "modifiedBy": "Client",
                "createdOn": "2026-11-20T12:00:00Z",
                "modifiedOn": "2026-11-21T09:30:00Z",
                "clientAvailability": [{"from": "2026-12-04T14:00:00Z", "to": "2026-12-04T17:00:00Z"}],
                "client": {
                    "id": 1, "firstName": "Jane", "lastName": "Doe", "email": "jane@example.com",
                    "mobilePhoneNumber": "514-555-0123", "language": "eng", "presence": "Expecting",
                    "remindByEmail": true, "remindBySMS": true,
                    "videoConferenceUrl": "https://meet.example.com/client",
                    "address": {"street": "9 Elm St", "city": "Laval", "state": "QC", "postalCode": "H7N 1A1", "country": "CA"}
                },
                "attendees": [{"id": 2, "firstName": "Sam", "lastName": "Roe", "email": "sam@example.com", "language": "spa",
                               "videoConferenceUrl": "https://meet.example.com/sam"}],
                "trackingPage": {"viewURL": "https://booking.booxi.com/track/abc", "canConfirm": true, "canModify": true, "canCancel": true},
                "additionalRequest": {"Reason for visit": "Blurry vision", "First visit": true}
            },
            "previousBooking": {
                "bookingId": 778812, "status": "Approved", "startsOn": "2026-12-01T19:30:00Z",
                "staffId": 2100, "staffFirstName": "Luc", "staffLastName": "Gagnon", "location": "Phone"
            },
            "staff": {"id": 2101, "firstName": "Marie", "lastName": "Tremblay", "communicationEmail": "marie@example.com", "language": "fre"},
            "service": {"id": 1, "name": "Eye exam", "translations": names("Eye exam")},
            "resources": [{"id": 7, "name": "Room 2", "translations": names("Room 2")}],
            "merchant": {
                "id": 5, "name": "Acme Optics", "timeZone": "America/Toronto", "defaultLanguage": "eng",
                "email": "store@acme.example", "phoneNumber": "514-555-0100",
                "websiteUrl": "https://acme.example", "bookingUrl": "https://acme.example/book",
                "address": {"street": "123 Main St", "city": "Montréal", "state": "QC", "postalCode": "H2X 1Y4", "country": "CA"},
                "translations": names("Acme Optics")
            },
            "trackingQRCodeUrl": "https://booking.booxi.com/qr/abc.png",
            "staffVideoConferenceUrl": "https://meet.example.com/staff"
        }
    })
}

/// The least an event can carry: no names, no time, no merchant.
fn minimal_body() -> Value {
    json!({"eventId": "evt-min", "eventType": "appointment.created", "content": {"booking": {}}})
}

/// Every value a payload could use to break out: markup, quotes, line breaks.
fn hostile_body() -> Value {
    let evil = "<script>alert('x')</script> \"quoted\" & Co\r\nBcc: victim@example.com";
    let mut body = rich_body("appointment.updated");
    let c = &mut body["content"];
    c["booking"]["client"]["firstName"] = json!(evil);
    c["booking"]["client"]["lastName"] = json!(evil);
    c["booking"]["confirmationNumber"] = json!(evil);
    c["booking"]["locationText"] = json!(evil);
    c["booking"]["additionalRequest"] = json!(evil);
    c["booking"]["staffFirstName"] = json!(evil);
    c["service"] = json!({"name": evil});
    c["staff"]["firstName"] = json!(evil);
    c["merchant"]["name"] = json!(evil);
    c["merchant"]["phoneNumber"] = json!(evil);
    c["merchant"]["address"] = json!({"street": evil, "city": evil});
    c["merchant"]["websiteUrl"] = json!("javascript:alert(1)");
    c["merchant"]["bookingUrl"] = json!("javascript:alert(1)");
    c["trackingQRCodeUrl"] = json!("javascript:alert(1)");
    body
}

fn event(body: &Value) -> Event {
    Event::from_value(body, Country::parse("CA").unwrap()).unwrap()
}

/// A notification of any kind, language and channel, as the planner would build it.
fn notification(kind: Kind, lang: &str, channel: Channel) -> Notification {
    let audience = if kind.is_staff() {
        Audience::Staff
    } else {
        Audience::Client
    };
    let view = Url::parse(&format!("https://booking.booxi.com/track/abc?lang={lang}")).unwrap();
    let with = |action: &str| Url::parse(&format!("{view}&action={action}")).unwrap();
    let actions = kind.link_actions();
    let links = actions.map(|a| Links {
        view: view.clone(),
        modify: a
            .iter()
            .any(|x| x.name() == "modify")
            .then(|| with("modify")),
        cancel: a
            .iter()
            .any(|x| x.name() == "cancel")
            .then(|| with("cancel")),
        confirm: a
            .iter()
            .any(|x| x.name() == "confirm")
            .then(|| with("confirm")),
    });
    Notification {
        event_id: "evt".into(),
        kind,
        audience,
        channel,
        to: match channel {
            Channel::Email => Address::Email(EmailAddress::parse("jane@example.com").unwrap()),
            Channel::Sms => Address::Phone(
                PhoneNumber::parse("+15145550123", Country::parse("CA").unwrap()).unwrap(),
            ),
            Channel::Whatsapp => Address::Whatsapp(
                PhoneNumber::parse("+15145550123", Country::parse("CA").unwrap()).unwrap(),
            ),
        },
        language: Language::parse(lang).unwrap(),
        actor: kind.is_staff().then_some(Actor::Client),
        links: if kind.is_staff() { None } else { links },
        video_url: Some(Url::parse("https://meet.example.com/client").unwrap()),
        fallback_for: None,
        recipient: if kind.is_staff() {
            Recipient::Staff
        } else {
            Recipient::Client
        },
    }
}

/// `text` with its no-break spaces (`10 h 00`, `10:00 AM`) as plain spaces, to compare
/// wording; the typography has tests of its own.
fn plain(text: &str) -> String {
    text.replace(['\u{a0}', '\u{202f}'], " ")
}

fn all_kinds() -> impl Iterator<Item = Kind> {
    Kind::CLIENT.into_iter().chain(Kind::STAFF)
}

fn email(r: &Renderer, e: &Event, n: &Notification) -> Email {
    match r.render(e, n) {
        Ok(Message::Email(m)) => m,
        Ok(other) => panic!("{} {}: not an email: {other:?}", n.kind, n.language),
        Err(err) => panic!("{} {}: {err}", n.kind, n.language),
    }
}

fn sms(r: &Renderer, e: &Event, n: &Notification) -> Sms {
    match r.render(e, n) {
        Ok(Message::Sms(m)) => m,
        Ok(other) => panic!("{} {}: not an SMS: {other:?}", n.kind, n.language),
        Err(err) => panic!("{} {}: {err}", n.kind, n.language),
    }
}

/// What a reader gets, per kind and language: subject, plain-text body and SMS.
/// Review changes with `cargo insta review` (or `INSTA_UPDATE=always cargo test`).
#[test]
fn snapshots_of_every_kind_and_language() {
    let r = renderer();
    let e = event(&rich_body("appointment.updated"));
    for kind in all_kinds() {
        for lang in kind.languages() {
            let m = email(&r, &e, &notification(kind, lang, Channel::Email));
            let mut shown = format!("Subject: {}\n\n{}", m.subject, m.text);
            if !kind.is_staff() {
                let s = sms(&r, &e, &notification(kind, lang, Channel::Sms));
                shown.push_str(&format!(
                    "\n==== SMS ({:?}, {} segment(s), {:?})\n{}\n",
                    s.segments.encoding, s.segments.count, s.form, s.text
                ));
            }
            insta::assert_snapshot!(format!("{lang}_{kind}"), shown);
        }
    }
}

/// Where a line may not break: subjects, text parts and SMS with each no-break space
/// shown, `⍽` for U+00A0 and `⸱` for U+202F (the narrow one French puts before `:`
/// `;` `!` `?` `»` and after `«`). SMS fold both to plain spaces (GSM-7 has neither).
#[test]
fn typography_snapshots() {
    let r = renderer();
    let e = event(&rich_body("appointment.updated"));
    let shown = |text: &str| text.replace('\u{a0}', "⍽").replace('\u{202f}', "⸱");
    for lang in LANGS {
        let mut out = String::new();
        for kind in [Kind::Confirmation, Kind::Changed, Kind::CanceledByStore] {
            let m = email(&r, &e, &notification(kind, lang, Channel::Email));
            let s = sms(&r, &e, &notification(kind, lang, Channel::Sms));
            assert!(
                !s.text.contains(['\u{a0}', '\u{202f}']),
                "{kind} {lang}: {}",
                s.text
            );
            out.push_str(&format!(
                "==== {kind}\nSubject: {}\n\n{}\n---- SMS\n{}\n\n",
                shown(&m.subject),
                shown(&m.text),
                s.text
            ));
        }
        insta::assert_snapshot!(format!("typography_{lang}"), out);
    }
}

#[test]
fn html_snapshots() {
    let r = renderer();
    let e = event(&rich_body("appointment.updated"));
    for (kind, lang) in [
        (Kind::Confirmation, "eng"),
        (Kind::StaffChanged, "fre"),
        (Kind::AwaitingClientConfirmation, "fre"),
    ] {
        let m = email(&r, &e, &notification(kind, lang, Channel::Email));
        insta::assert_snapshot!(format!("html_{lang}_{kind}"), m.html);
    }
}
