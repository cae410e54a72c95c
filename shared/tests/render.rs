//! The renderer: every kind in every language renders (strict undefined), payload
//! values are escaped, SMS stay within three segments, dates follow the time zone.

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

#[test]
fn every_kind_renders_in_every_language_of_its_side() {
    let r = renderer();
    let bodies = [
        ("rich", rich_body("appointment.updated")),
        ("minimal", minimal_body()),
        ("hostile", hostile_body()),
    ];
    for (label, body) in &bodies {
        let e = event(body);
        for kind in all_kinds() {
            for lang in kind.languages() {
                let m = email(&r, &e, &notification(kind, lang, Channel::Email));
                assert!(!m.subject.is_empty(), "{label} {kind} {lang}");
                assert!(
                    m.html.starts_with("<!DOCTYPE html>"),
                    "{label} {kind} {lang}"
                );
                assert!(
                    !m.text.contains("none"),
                    "{label} {kind} {lang}: {}",
                    m.text
                );
                if !kind.is_staff() {
                    let s = sms(&r, &e, &notification(kind, lang, Channel::Sms));
                    assert!(!s.text.is_empty(), "{label} {kind} {lang}");
                    // Even the hostile body leaves room: a form was chosen, nothing cut.
                    assert_ne!(s.form, SmsForm::Truncated, "{label} {kind} {lang}: {s:?}");
                    assert_eq!(count_segments(&s.text), s.segments, "{label} {kind} {lang}");
                }
            }
        }
    }
}

#[test]
fn every_kind_has_its_own_template_in_every_language_of_its_side() {
    // A missing template would fall back to English: the message's language tells.
    let r = renderer();
    let e = event(&rich_body("appointment.updated"));
    for kind in all_kinds() {
        for lang in kind.languages() {
            let m = email(&r, &e, &notification(kind, lang, Channel::Email));
            assert_eq!(m.language.code(), *lang, "{kind}: no {lang} email template");
        }
    }
}

#[test]
fn payload_values_are_escaped_and_links_filtered() {
    let r = renderer();
    let e = event(&hostile_body());
    for kind in all_kinds() {
        for lang in kind.languages() {
            let m = email(&r, &e, &notification(kind, lang, Channel::Email));
            let at = format!("{kind} {lang}");
            assert!(!m.html.contains("<script"), "{at}: unescaped markup");
            assert!(!m.html.contains("\"quoted\""), "{at}: unescaped quotes");
            assert!(!m.html.contains("javascript:"), "{at}: non-web link");
            assert!(
                !m.text.contains("javascript:"),
                "{at}: non-web link in text"
            );
            assert!(
                !m.subject.contains(['\r', '\n']),
                "{at}: line break in subject"
            );
            assert!(
                !m.from_name.contains(['\r', '\n']),
                "{at}: line break in sender name"
            );
            assert!(!m.text.contains('\r'), "{at}: CR in text");
            assert!(
                !m.text.contains("\nBcc:"),
                "{at}: payload line break kept in text"
            );
            if !kind.is_staff() {
                let s = sms(&r, &e, &notification(kind, lang, Channel::Sms));
                assert!(!s.text.contains(['\r', '\n']), "{at}: line break in SMS");
            }
        }
    }
    // The escaped value is still there, readable.
    let m = email(
        &r,
        &e,
        &notification(Kind::StaffChanged, "eng", Channel::Email),
    );
    assert!(
        m.html
            .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;&#x2f;script&gt;")
            || m.html
                .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"),
        "{}",
        m.html
    );
}

#[test]
fn an_undefined_variable_is_an_error_not_a_blank() {
    let dir = tempdir("undefined");
    std::fs::create_dir_all(dir.join("eng")).unwrap();
    std::fs::write(
        dir.join("eng/confirmation.email.html"),
        "{% extends layout %}{% block subject %}Hi {{ clinet.name }}{% endblock %}",
    )
    .unwrap();
    let r = Renderer::new(&RenderConfig {
        templates_dir: Some(dir),
        ..RenderConfig::default()
    })
    .unwrap();
    let e = event(&rich_body("appointment.created"));
    let err = r
        .render(&e, &notification(Kind::Confirmation, "eng", Channel::Email))
        .unwrap_err();
    assert!(
        err.to_string().contains("eng/confirmation.email.html"),
        "{err}"
    );
    assert!(err.to_string().contains("undefined"), "{err}");
    // The other messages of the event still render.
    let plan = plan(&e, &Config::default());
    let results = r.render_all(&e, &plan.notifications);
    assert!(results.iter().any(Result::is_err));
    assert!(
        results.iter().filter(|m| m.is_ok()).count() >= 2,
        "{results:?}"
    );
}

#[test]
fn the_override_folder_replaces_templates_and_labels() {
    let dir = tempdir("override");
    std::fs::create_dir_all(dir.join("fre")).unwrap();
    std::fs::create_dir_all(dir.join("partials")).unwrap();
    std::fs::write(
        dir.join("fre/confirmation.email.html"),
        "{% extends layout %}{% block subject %}C'est confirmé, {{ recipient.first_name }} !{% endblock %}{% block heading %}Merci{% endblock %}",
    )
    .unwrap();
    std::fs::write(
        dir.join("fre/labels.toml"),
        "regards = \"À très bientôt,\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("partials/footer.txt"),
        "Pied de page du marchand\n",
    )
    .unwrap();
    let r = Renderer::new(&RenderConfig {
        templates_dir: Some(dir),
        ..RenderConfig::default()
    })
    .unwrap();
    let e = event(&rich_body("appointment.created"));
    let m = email(
        &r,
        &e,
        &notification(Kind::Confirmation, "fre", Channel::Email),
    );
    assert_eq!(m.subject, "C'est confirmé, Jane !");
    assert!(m.text.contains("À très bientôt,"), "{}", m.text);
    assert!(m.text.contains("Pied de page du marchand"), "{}", m.text);
    assert!(
        m.html.contains("Confirmer") || m.html.contains("Voir mon rendez-vous"),
        "other labels kept"
    );
    let m = email(
        &r,
        &e,
        &notification(Kind::Confirmation, "eng", Channel::Email),
    );
    assert_eq!(
        plain(&m.subject),
        "Your appointment on Thu, Dec 3 is confirmed"
    );
}

#[test]
fn a_broken_override_is_refused_when_the_renderer_is_built() {
    let dir = tempdir("broken");
    std::fs::write(dir.join("layout.html"), "{% if %}").unwrap();
    let err = Renderer::new(&RenderConfig {
        templates_dir: Some(dir),
        ..RenderConfig::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("layout.html"), "{err}");
    let err = Renderer::new(&RenderConfig {
        templates_dir: Some(std::path::PathBuf::from("/nonexistent/booxi-templates")),
        ..RenderConfig::default()
    })
    .unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/booxi-templates"),
        "{err}"
    );
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("booxi-render-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn names_come_from_translations_when_the_language_differs() {
    let r = renderer();
    let e = event(&rich_body("appointment.created"));
    let fr = email(
        &r,
        &e,
        &notification(Kind::Confirmation, "fre", Channel::Email),
    );
    assert!(fr.text.contains("Eye exam (fr)"), "{}", fr.text);
    assert!(fr.text.contains("Acme Optics (fr)"), "{}", fr.text);
    assert!(fr.text.contains("Room 2 (fr)"), "{}", fr.text);
    let en = email(
        &r,
        &e,
        &notification(Kind::Confirmation, "eng", Channel::Email),
    );
    assert!(en.text.contains("Service: Eye exam\n"), "{}", en.text);
}

#[test]
fn dates_follow_the_store_time_zone_across_daylight_saving() {
    let r = renderer();
    // Toronto springs forward on 2026-03-08; Paris falls back on 2026-10-25.
    let cases = [
        (
            "America/Toronto",
            "2026-03-07T15:00:00Z",
            "eng",
            "Saturday, March 7, 2026 at 10:00 AM",
        ),
        (
            "America/Toronto",
            "2026-03-09T14:00:00Z",
            "eng",
            "Monday, March 9, 2026 at 10:00 AM",
        ),
        (
            "Europe/Paris",
            "2026-10-24T08:00:00Z",
            "fre",
            "samedi 24 octobre 2026 à 10 h 00",
        ),
        (
            "Europe/Paris",
            "2026-10-26T09:00:00Z",
            "fre",
            "lundi 26 octobre 2026 à 10 h 00",
        ),
        (
            "Europe/Berlin",
            "2026-03-30T08:00:00Z",
            "deu",
            "Montag, 30. März 2026 um 10:00 Uhr",
        ),
    ];
    for (zone, start, lang, expected) in cases {
        let mut body = rich_body("appointment.created");
        body["content"]["merchant"]["timeZone"] = json!(zone);
        body["content"]["booking"]["startsOn"] = json!(start);
        body["content"]["booking"]["totalClientTimespan"] = json!({"start": start, "duration": 30});
        let e = event(&body);
        let m = email(
            &r,
            &e,
            &notification(Kind::Confirmation, lang, Channel::Email),
        );
        assert!(
            plain(&m.text).contains(expected),
            "{zone} {start}: {}",
            m.text
        );
    }
    // No time zone from the merchant: the configured default.
    let mut body = rich_body("appointment.created");
    body["content"]["merchant"]["timeZone"] = json!("Not/AZone");
    let config = RenderConfig {
        default_time_zone: jiff::tz::TimeZone::get("America/Vancouver").unwrap(),
        ..RenderConfig::default()
    };
    let m = email(
        &Renderer::new(&config).unwrap(),
        &event(&body),
        &notification(Kind::Confirmation, "eng", Channel::Email),
    );
    assert!(
        plain(&m.text).contains("December 3, 2026 at 7:00 AM"),
        "{}",
        m.text
    );
}

/// A time written without an offset is the store's wall clock: read in the merchant's
/// time zone (else the configured default), as the rules and flows read it, not as UTC.
#[test]
fn times_without_an_offset_are_the_stores_wall_clock() {
    let r = renderer();
    let mut body = rich_body("appointment.created");
    body["content"]["merchant"]["timeZone"] = json!("America/Toronto");
    body["content"]["booking"]["startsOn"] = json!("2026-12-03T10:00:00");
    body["content"]["booking"]["totalClientTimespan"] =
        json!({"start": "2026-12-03T10:00:00", "end": "2026-12-03T10:45:00"});
    let m = email(
        &r,
        &event(&body),
        &notification(Kind::Confirmation, "eng", Channel::Email),
    );
    // No-break spaces (typography) read as spaces here.
    let plain = |t: &str| t.replace(['\u{a0}', '\u{202f}'], " ");
    assert!(
        plain(&m.text).contains("Thursday, December 3, 2026 at 10:00 AM"),
        "{}",
        m.text
    );
    // No zone from the merchant: the configured default's wall clock.
    body["content"]["merchant"]
        .as_object_mut()
        .unwrap()
        .remove("timeZone");
    let config = RenderConfig {
        default_time_zone: jiff::tz::TimeZone::get("Europe/Paris").unwrap(),
        ..RenderConfig::default()
    };
    let m = email(
        &Renderer::new(&config).unwrap(),
        &event(&body),
        &notification(Kind::Confirmation, "fre", Channel::Email),
    );
    assert!(
        plain(&m.text).contains("jeudi 3 décembre 2026 à 10 h 00"),
        "{}",
        m.text
    );
}

#[test]
fn changes_show_before_and_after_in_each_side_of_the_change() {
    let r = renderer();
    let mut body = rich_body("appointment.updated");
    body["content"]["merchant"]["timeZone"] = json!("America/Toronto");
    body["content"]["previousBooking"]["startsOn"] = json!("2026-03-06T15:00:00Z"); // EST
    body["content"]["booking"]["startsOn"] = json!("2026-03-13T14:00:00Z"); // EDT
    body["content"]["booking"]["totalClientTimespan"] = json!({"duration": 60});
    let e = event(&body);
    let staff = email(
        &r,
        &e,
        &notification(Kind::StaffChanged, "eng", Channel::Email),
    );
    assert!(
        plain(&staff.text).contains(
            "Date and time: Friday, March 6, 2026 at 10:00 AM -> Friday, March 13, 2026 at 10:00 AM"
        ),
        "{}",
        staff.text
    );
    assert!(
        staff
            .text
            .contains("Staff member: Luc Gagnon -> Marie Tremblay"),
        "{}",
        staff.text
    );
    assert!(staff.text.contains("Location: "), "{}", staff.text);
    let client = email(&r, &e, &notification(Kind::Changed, "fre", Channel::Email));
    assert!(
        plain(&client.text).contains(
            "du vendredi 6 mars 2026 à 10 h 00 est déplacé au vendredi 13 mars 2026 à 10 h 00"
        ),
        "{}",
        client.text
    );
}

#[test]
fn invites_keep_their_uid_and_grow_their_sequence() {
    let r = renderer();
    let created = event(&rich_body("appointment.created"));
    let confirmation = email(
        &r,
        &created,
        &notification(Kind::Confirmation, "eng", Channel::Email),
    );
    let ics = confirmation.ics.expect("a confirmation carries an invite");
    assert!(ics.content.contains("\r\nMETHOD:REQUEST\r\n"));
    assert!(ics.content.contains("\r\nDTSTART:20261203T150000Z\r\n"));
    assert!(ics.content.contains("\r\nDTEND:20261203T160000Z\r\n"));

    let mut moved = rich_body("appointment.updated");
    moved["content"]["booking"]["modifiedOn"] = json!("2026-11-25T08:00:00Z");
    let changed = email(
        &r,
        &event(&moved),
        &notification(Kind::Changed, "eng", Channel::Email),
    )
    .ics
    .unwrap();
    assert_eq!(changed.uid, ics.uid);
    assert!(changed.sequence > ics.sequence);

    let mut canceled = rich_body("appointment.canceled");
    canceled["content"]["booking"]["modifiedOn"] = json!("2026-11-26T08:00:00Z");
    let cancel = email(
        &r,
        &event(&canceled),
        &notification(Kind::CanceledByClient, "eng", Channel::Email),
    )
    .ics
    .unwrap();
    assert_eq!(cancel.uid, ics.uid);
    assert!(cancel.sequence > changed.sequence);
    assert!(cancel.content.contains("\r\nMETHOD:CANCEL\r\n"));
    assert!(cancel.content.contains("\r\nSTATUS:CANCELLED\r\n"));

    // No invite for other kinds, for staff, or without a start time.
    for kind in [Kind::Reminder, Kind::RequestReceived, Kind::StaffNewBooking] {
        assert!(
            email(&r, &created, &notification(kind, "eng", Channel::Email))
                .ics
                .is_none(),
            "{kind}"
        );
    }
    let flexible = event(&minimal_body());
    assert!(
        email(
            &r,
            &flexible,
            &notification(Kind::Confirmation, "eng", Channel::Email)
        )
        .ics
        .is_none()
    );
}

#[test]
fn the_mime_message_is_complete() {
    use booxi_notify::render::Envelope;
    let r = renderer();
    let e = event(&hostile_body());
    let n = notification(Kind::Confirmation, "fre", Channel::Email);
    let m = email(&r, &e, &n);
    let from = EmailAddress::parse("notifications@acme.example").unwrap();
    let envelope = Envelope::for_preview(&e, &n, 1, &from).unwrap();
    let eml = String::from_utf8(m.to_mime(&envelope).unwrap()).unwrap();
    let headers = eml.split("\r\n\r\n").next().unwrap();
    for header in [
        "From: ",
        "To: <jane@example.com>",
        "Subject: ",
        "Date: Fri, 20 Nov 2026 12:00:00 +0000",
        "Message-ID: <booxi.evt-rich.1@acme.example>",
        "MIME-Version: 1.0",
        "Content-Type: multipart/mixed",
    ] {
        assert!(headers.contains(header), "{header} missing in\n{headers}");
    }
    assert!(
        !headers.contains("Bcc"),
        "a payload line break became a header:\n{headers}"
    );
    assert!(eml.contains("Content-Type: multipart/alternative"));
    assert!(eml.contains("Content-Type: text/plain"));
    assert!(eml.contains("Content-Type: text/html"));
    assert!(eml.contains("Content-Type: text/calendar; method=\"REQUEST\""));
    assert!(eml.contains("filename=\"invite.ics\""));
    // Every header line is short enough for SMTP, and lines end with CRLF.
    assert!(eml.split("\r\n").all(|l| l.len() <= 998));
    assert!(!eml.replace("\r\n", "").contains('\n'));
}

/// Realistic long names in each language: the SMS still fits, in as few segments as
/// the language allows.
#[test]
fn sms_fit_with_long_realistic_names() {
    let r = renderer();
    let long = [
        (
            "eng",
            "Dr. Christopher Montgomery-Whitfield Optometry & Eyewear",
            "Comprehensive Eye Examination with Retinal Imaging",
        ),
        (
            "fre",
            "Clinique d'optométrie Lévesque-Bélanger & Associés",
            "Examen complet de la vue avec imagerie rétinienne",
        ),
        (
            "spa",
            "Óptica Fernández-Castañeda e Hijos de Valladolid",
            "Revisión visual completa con tomografía de retina",
        ),
        (
            "por",
            "Ótica Gonçalves Magalhães & Filhos Ltda. — Centro",
            "Exame oftalmológico completo com mapeamento de retina",
        ),
        (
            "nld",
            "Opticien Van den Bergh-Vermeulen Oogzorgspecialisten",
            "Uitgebreid oogonderzoek met netvliesfotografie en meting",
        ),
        (
            "deu",
            "Augenoptik Müller-Lüdenscheidt & Söhne Fachgeschäft",
            "Umfassende Augenuntersuchung mit Netzhautfotografie",
        ),
    ];
    let mut report = String::new();
    for (lang, store, service) in long {
        let mut body = rich_body("appointment.created");
        let c = &mut body["content"];
        c["merchant"]["defaultLanguage"] = json!(lang);
        c["merchant"]["name"] = json!(store);
        c["service"] = json!({"name": service});
        let e = event(&body);
        for kind in Kind::CLIENT {
            let s = sms(&r, &e, &notification(kind, lang, Channel::Sms));
            // Long names push the text to a shorter or folded form, never to a cut one.
            assert_ne!(s.form, SmsForm::Truncated, "{kind} {lang}: {s:?}");
            assert_eq!(count_segments(&s.text), s.segments);
            report.push_str(&format!(
                "{lang} {kind}: {} segment(s), {:?}\n",
                s.segments.count, s.form
            ));
        }
    }
    // With an ordinary store name and a short link, the common texts fit one segment.
    for lang in LANGS {
        let mut body = rich_body("appointment.created");
        body["content"]["merchant"]["defaultLanguage"] = json!(lang);
        body["content"]["merchant"]["name"] = json!("Acme Optics");
        body["content"]["service"] = json!({"name": "Eye exam"});
        let e = event(&body);
        for kind in [
            Kind::Confirmation,
            Kind::Changed,
            Kind::CanceledByStore,
            Kind::Reminder,
        ] {
            let s = sms(&r, &e, &notification(kind, lang, Channel::Sms));
            assert_eq!(s.segments.count, 1, "{kind} {lang}: {s:?}");
        }
    }
    println!("{report}");
}

/// Names of hundreds of characters are capped before anything else is given up: one
/// GSM-7 segment, the link kept.
#[test]
fn a_huge_name_is_capped_and_the_link_kept() {
    let r = renderer();
    let mut body = rich_body("appointment.created");
    body["content"]["merchant"]["name"] = json!("Ünïcödé ".repeat(80));
    body["content"]["service"] = json!({"name": "Ŝervice ".repeat(80)});
    let e = event(&body);
    for kind in Kind::CLIENT {
        let s = sms(&r, &e, &notification(kind, "eng", Channel::Sms));
        assert!(s.names_shortened, "{kind}: {s:?}");
        assert!(!s.link_dropped, "{kind}: {s:?}");
        assert_eq!(s.segments.count, 1, "{kind}: {s:?}");
        assert!(!s.text.contains(&"Ünïcödé ".repeat(10)), "{kind}: {s:?}");
    }
}

/// `choose_sms` on its own: the first form that fits one segment, in order; else the
/// one with the fewest segments (the earlier on a tie); empty forms never chosen.
#[test]
fn choose_sms_takes_the_first_form_that_fits() {
    let fits = "Your visit is confirmed.";
    let s = choose_sms(vec![
        (SmsForm::Full, fits.to_owned()),
        (SmsForm::Short, "Confirmed.".to_owned()),
    ]);
    assert_eq!((s.form, s.text.as_str()), (SmsForm::Full, fits));
    // ê is outside GSM-7 (é is in it): the full form is UCS-2 (70 a segment), two segments.
    let accented = format!("Votre rendez-vous est confirmé{}", " ê".repeat(30));
    let folded = format!("Votre rendez-vous est confirmé{}", " e".repeat(30));
    let s = choose_sms(vec![
        (SmsForm::Full, accented.clone()),
        (SmsForm::FullFolded, folded.clone()),
    ]);
    assert_eq!(
        (s.form, s.text.as_str()),
        (SmsForm::FullFolded, folded.as_str())
    );
    assert_eq!(s.segments.count, 1);
    let long = "x".repeat(200);
    let s = choose_sms(vec![
        (SmsForm::Full, long.clone()),
        (SmsForm::Short, String::new()),
    ]);
    assert_eq!(
        (s.form, s.segments.count),
        (SmsForm::Full, 2),
        "empty form skipped"
    );
    let s = choose_sms(vec![
        (SmsForm::Full, long.clone()),
        (SmsForm::Short, "y".repeat(200)),
    ]);
    assert_eq!(s.form, SmsForm::Full, "the earlier on a tie");
    let s = choose_sms(vec![
        (SmsForm::Full, "w".repeat(400)),
        (SmsForm::Short, long),
    ]);
    assert_eq!(
        (s.form, s.segments.count),
        (SmsForm::Short, 2),
        "fewest segments"
    );
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

/// French keeps its narrow no-break spaces everywhere a reader sees them: subject, text
/// part and the HTML's text, in every kind; no plain or wide space stands before `:`
/// `;` `!` `?` `»` or after `«`. Times and dates never break inside, in any language.
#[test]
fn french_html_keeps_its_no_break_spaces() {
    let r = renderer();
    let e = event(&rich_body("appointment.updated"));
    let visible = |html: &str| {
        let mut text = String::new();
        let mut rest = html;
        // Drop the style element, comments and tags: what is left is what is read.
        while let Some(i) = rest.find(['<']) {
            text.push_str(&rest[..i]);
            let after = &rest[i..];
            let end = if after.starts_with("<style") {
                after.find("</style>").map(|j| j + "</style>".len())
            } else if after.starts_with("<!--") {
                after.find("-->").map(|j| j + 3)
            } else {
                after.find('>').map(|j| j + 1)
            };
            rest = &after[end.unwrap_or(after.len())..];
            text.push(' ');
        }
        text.push_str(rest);
        text
    };
    for kind in all_kinds() {
        let m = email(&r, &e, &notification(kind, "fre", Channel::Email));
        for (part, text) in [
            ("subject", m.subject.clone()),
            ("text", m.text.clone()),
            ("html", visible(&m.html)),
        ] {
            for bad in [
                " :", " ;", " !", " ?", " »", "« ", "\u{a0}:", "\u{a0};", "\u{a0}!", "\u{a0}?",
                "\u{a0}»", "«\u{a0}",
            ] {
                assert!(!text.contains(bad), "{kind} {part}: {bad:?} in\n{text}");
            }
        }
        if kind == Kind::Confirmation {
            for kept in [
                "10\u{a0}h\u{a0}00",
                "3\u{a0}décembre",
                "programme\u{202f}?",
                "agenda\u{202f}:",
            ] {
                assert!(m.html.contains(kept), "{kept:?} in {}", m.html);
            }
            assert!(m.text.contains("programme\u{202f}?"), "{}", m.text);
            assert!(m.text.contains("10\u{a0}h\u{a0}00"), "{}", m.text);
        }
    }
    let en = email(
        &r,
        &e,
        &notification(Kind::Confirmation, "eng", Channel::Email),
    );
    assert!(en.html.contains("10:00\u{a0}AM"), "{}", en.html);
    assert!(en.subject.contains("Dec\u{a0}3"), "{}", en.subject);
    let de = email(
        &r,
        &e,
        &notification(Kind::Confirmation, "deu", Channel::Email),
    );
    assert!(de.html.contains("3.\u{a0}Dezember"), "{}", de.html);
    assert!(
        de.text.contains("10:00\u{a0}– 11:00\u{a0}Uhr"),
        "{}",
        de.text
    );
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

/// The case: an em dash or an emoji in the store name switched the SMS to UCS-2
/// and the cut to three segments fell inside the tracking link. Now names lose their
/// non-GSM characters first, are shortened next, and a link is only ever dropped whole.
#[test]
fn no_sms_ever_ends_inside_a_link() {
    use booxi_notify::render::sms::ends_inside_link;
    let r = renderer();
    let stores = [
        "Acme Optics — Centre-ville 👓",
        "Clinique d'optométrie Lévesque-Bélanger & Associés — Centre-ville de Montréal ✨",
        &"Ünïcödé 😀 ".repeat(40),
    ];
    for store in stores {
        for lang in LANGS {
            let mut body = rich_body("appointment.created");
            body["content"]["merchant"]["defaultLanguage"] = json!(lang);
            body["content"]["merchant"]["name"] = json!(store);
            body["content"]["service"] = json!({"name": format!("Examen complet — {store}")});
            let e = event(&body);
            for kind in Kind::CLIENT {
                let n = notification(kind, lang, Channel::Sms);
                let s = sms(&r, &e, &n);
                let at = format!("{kind} {lang} {store:.20}");
                assert!(s.segments.count <= 3, "{at}: {s:?}");
                let mut links: Vec<String> = vec!["https://acme.example/book".into()];
                if let Some(l) = &n.links {
                    links.push(l.view.to_string());
                    links.extend(l.confirm.iter().map(|u| u.to_string()));
                }
                let links: Vec<&str> = links.iter().map(String::as_str).collect();
                assert!(!ends_inside_link(&s.text, &links), "{at}: {}", s.text);
                if store.starts_with("Acme") {
                    // A short name with one em dash and one emoji: everything still fits,
                    // link included, in GSM-7.
                    assert!(!s.link_dropped, "{at}: {s:?}");
                    assert!(!s.names_shortened, "{at}: {s:?}");
                    if n.links.is_some()
                        && !matches!(kind, Kind::CanceledByStore | Kind::CanceledByClient)
                    {
                        assert!(s.text.contains("https://"), "{at}: {}", s.text);
                    }
                }
                if std::env::var_os("SHOW_SMS").is_some() {
                    println!(
                        "{at}: {:?} {} {:?} {}",
                        s.form,
                        s.segments.count,
                        s.note(),
                        s.text
                    );
                }
                if s.link_dropped {
                    assert!(s.note().is_some_and(|n| n.contains("link dropped")));
                }
            }
        }
    }
}

/// Booxi may leave `modifiedOn` where it was: each change still arrives in a later
/// webhook event, and the invite's SEQUENCE follows it, so calendars apply a move and
/// then a cancel. A moved start past `totalClientTimespan.end` still gets a DTEND.
#[test]
fn invites_apply_a_move_and_a_cancel_when_modified_on_stays_put() {
    let r = renderer();
    let stamped = |event_type: &str, created_on: &str| {
        let mut body = rich_body(event_type);
        body["createdOn"] = json!(created_on);
        body["content"]["booking"]["modifiedOn"] = json!("2026-11-21T09:30:00Z");
        body
    };
    let invite = |body: &Value, kind: Kind| {
        email(&r, &event(body), &notification(kind, "eng", Channel::Email))
            .ics
            .expect("an invite")
    };
    let first = invite(
        &stamped("appointment.created", "2026-11-21T09:30:00Z"),
        Kind::Confirmation,
    );
    // Moved to 18:00 UTC; Booxi left the timespan's end at 16:00 and modifiedOn as is.
    let mut moved = stamped("appointment.updated", "2026-11-22T10:00:00Z");
    moved["content"]["booking"]["startsOn"] = json!("2026-12-03T18:00:00Z");
    let moved_ics = invite(&moved, Kind::Changed);
    assert!(
        moved_ics.sequence > first.sequence,
        "{moved_ics:?} {first:?}"
    );
    assert!(
        moved_ics
            .content
            .contains("\r\nDTSTART:20261203T180000Z\r\n"),
        "{}",
        moved_ics.content
    );
    assert!(
        moved_ics.content.contains("\r\nDTEND:20261203T190000Z\r\n"),
        "the 60-minute duration gives the end: {}",
        moved_ics.content
    );
    let canceled = stamped("appointment.canceled", "2026-11-23T08:00:00Z");
    let cancel_ics = invite(&canceled, Kind::CanceledByClient);
    assert!(cancel_ics.sequence > moved_ics.sequence);
    assert_eq!(cancel_ics.uid, first.uid);

    // The items' durations when the timespan has no usable end or duration.
    let mut items = stamped("appointment.created", "2026-11-21T09:30:00Z");
    items["content"]["booking"]["totalClientTimespan"] = json!({"end": "2026-12-03T14:00:00Z"});
    items["content"]["booking"]["items"] = json!([{"duration": 45}, {"duration": 30}]);
    let ics = invite(&items, Kind::Confirmation);
    assert!(
        ics.content.contains("\r\nDTEND:20261203T161500Z\r\n"),
        "{}",
        ics.content
    );
    // Nothing at all: a default length rather than a zero-length event.
    let mut nothing = stamped("appointment.created", "2026-11-21T09:30:00Z");
    nothing["content"]["booking"]["totalClientTimespan"] = json!({});
    let ics = invite(&nothing, Kind::Confirmation);
    assert!(
        ics.content.contains("\r\nDTEND:20261203T153000Z\r\n"),
        "{}",
        ics.content
    );
}

/// Replies reach the store by default; a brand reply-to wins; the merchant can turn the
/// store default off.
#[test]
fn reply_to_defaults_to_the_store_address() {
    let e = event(&rich_body("appointment.created"));
    let n = notification(Kind::Confirmation, "eng", Channel::Email);
    let m = email(&renderer(), &e, &n);
    assert_eq!(
        m.reply_to.as_ref().map(|a| a.as_str()),
        Some("store@acme.example")
    );
    let mut config = RenderConfig::default();
    config.brand.reply_to_store = false;
    let m = email(&Renderer::new(&config).unwrap(), &e, &n);
    assert_eq!(m.reply_to, None);
    config.brand.reply_to = Some(EmailAddress::parse("desk@acme.example").unwrap());
    let m = email(&Renderer::new(&config).unwrap(), &e, &n);
    assert_eq!(
        m.reply_to.as_ref().map(|a| a.as_str()),
        Some("desk@acme.example")
    );
}

/// The recall is promotional: an unsubscribe link in the footer and RFC 2369 / 8058
/// headers; transactional kinds have neither.
#[test]
fn promotional_emails_carry_unsubscribe_headers() {
    use booxi_notify::render::Envelope;
    let from = EmailAddress::parse("notifications@acme.example").unwrap();
    let e = event(&rich_body("appointment.recall"));
    let headers = |r: &Renderer, kind: Kind| {
        let n = notification(kind, "eng", Channel::Email);
        let m = email(r, &e, &n);
        let eml = String::from_utf8(
            m.to_mime(&Envelope::for_preview(&e, &n, 1, &from).unwrap())
                .unwrap(),
        )
        .unwrap();
        (m, eml.split("\r\n\r\n").next().unwrap().to_owned())
    };
    let (m, h) = headers(&renderer(), Kind::Recall);
    assert!(
        h.contains("List-Unsubscribe: <mailto:store@acme.example?subject=unsubscribe>"),
        "{h}"
    );
    assert!(
        !h.contains("List-Unsubscribe-Post"),
        "mailto has no one-click: {h}"
    );
    assert!(
        m.text.contains("Unsubscribe from these reminders: mailto:"),
        "{}",
        m.text
    );
    let mut config = RenderConfig::default();
    config.brand.unsubscribe_url = Url::parse("https://acme.example/unsubscribe?e={email}").ok();
    let r = Renderer::new(&config).unwrap();
    let (m, h) = headers(&r, Kind::Recall);
    assert!(
        h.contains("List-Unsubscribe: <https://acme.example/unsubscribe?e=jane%40example.com>"),
        "{h}"
    );
    assert!(
        h.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{h}"
    );
    assert!(
        m.html
            .contains("https://acme.example/unsubscribe?e=jane%40example.com")
    );
    let (m, h) = headers(&r, Kind::Confirmation);
    assert!(!h.contains("List-Unsubscribe"), "{h}");
    assert!(!m.text.contains("Unsubscribe"), "{}", m.text);
}

/// A booking created awaiting the client's approval is new, not "updated".
#[test]
fn awaiting_confirmation_says_booked_or_updated() {
    let r = renderer();
    let n = notification(Kind::AwaitingClientConfirmation, "eng", Channel::Email);
    let created = email(&r, &event(&rich_body("appointment.created")), &n);
    assert!(
        created
            .text
            .contains("is booked and needs your confirmation"),
        "{}",
        created.text
    );
    assert!(!created.text.contains("changed"), "{}", created.text);
    let updated = email(&r, &event(&rich_body("appointment.updated")), &n);
    assert!(
        updated
            .text
            .contains("has changed and needs your confirmation"),
        "{}",
        updated.text
    );
    let sms_created = sms(
        &r,
        &event(&rich_body("appointment.created")),
        &notification(Kind::AwaitingClientConfirmation, "fre", Channel::Sms),
    );
    assert!(
        !sms_created.text.contains("modifié"),
        "{}",
        sms_created.text
    );
}

/// A video call: no QR code to show at a desk, and a clear "Join" button.
#[test]
fn video_calls_get_a_join_button_and_no_qr_code() {
    let r = renderer();
    let mut body = rich_body("appointment.created");
    body["content"]["booking"]["location"] = json!("VideoConference");
    let e = event(&body);
    for kind in [Kind::Confirmation, Kind::Reminder] {
        let m = email(&r, &e, &notification(kind, "eng", Channel::Email));
        assert!(
            !m.html.contains("qr/abc.png"),
            "{kind}: QR code on a video call"
        );
        assert!(!m.text.contains("Show this code"), "{kind}");
        assert!(
            m.html.contains(">Join the video call</span></a>")
                || m.html.contains(">Join the video call<"),
            "{kind}: {}",
            m.html
        );
        assert!(
            m.text
                .contains("Join the video call: https://meet.example.com/client"),
            "{}",
            m.text
        );
    }
    // In the store, the QR code is there, below the buttons.
    let m = email(
        &r,
        &event(&rich_body("appointment.created")),
        &notification(Kind::Confirmation, "eng", Channel::Email),
    );
    let qr = m.html.find("qr/abc.png").expect("a QR code in the store");
    let button = m.html.find("data-button").expect("buttons");
    assert!(button < qr, "the QR code comes after the buttons");
}

/// "Book again" needs somewhere to go: the booking page, else the store's website.
#[test]
fn book_again_falls_back_to_the_website() {
    let r = renderer();
    let mut body = rich_body("appointment.canceled");
    body["content"]["merchant"]["bookingUrl"] = Value::Null;
    let e = event(&body);
    for kind in [Kind::NoShow, Kind::CanceledByStore, Kind::CanceledByClient] {
        let m = email(&r, &e, &notification(kind, "eng", Channel::Email));
        assert!(m.html.contains("href=\"https://acme.example/\""), "{kind}");
        assert!(
            m.text
                .contains("Book an appointment: https://acme.example/"),
            "{kind}: {}",
            m.text
        );
    }
    for kind in [Kind::NoShow, Kind::Recall] {
        let s = sms(&r, &e, &notification(kind, "eng", Channel::Sms));
        assert!(
            s.text.contains("https://acme.example/"),
            "{kind}: {}",
            s.text
        );
    }
}

/// Staff read "with you" about their own booking, and get a way into Booxi.
#[test]
fn staff_see_you_and_a_link_to_booxi() {
    let r = renderer();
    let e = event(&rich_body("appointment.created"));
    let m = email(
        &r,
        &e,
        &notification(Kind::StaffNewBooking, "eng", Channel::Email),
    );
    assert!(
        m.text
            .contains("booked an appointment (Eye exam) with you."),
        "{}",
        m.text
    );
    assert!(!m.text.contains("Marie Tremblay"), "{}", m.text);
    assert!(
        m.text.contains("Open Booxi: https://www.booxi.com/"),
        "{}",
        m.text
    );
    let fr = email(
        &r,
        &e,
        &notification(Kind::StaffNewBooking, "fre", Channel::Email),
    );
    assert!(fr.text.contains("avec vous."), "{}", fr.text);
}

/// A range across a daylight-saving change names each end's zone; German and French
/// write their own zone names.
#[test]
fn a_range_across_the_change_names_both_zones() {
    let r = renderer();
    let mut body = rich_body("appointment.created");
    body["content"]["booking"]["startsOn"] = json!("2026-11-01T05:30:00Z");
    body["content"]["booking"]["totalClientTimespan"] = json!({"end": "2026-11-01T06:30:00Z"});
    let e = event(&body);
    let m = email(
        &r,
        &e,
        &notification(Kind::Confirmation, "eng", Channel::Email),
    );
    assert!(
        plain(&m.text).contains("1:30 AM EDT – 1:30 AM EST"),
        "{}",
        m.text
    );
    let fr = email(
        &r,
        &e,
        &notification(Kind::Confirmation, "fre", Channel::Email),
    );
    assert!(
        plain(&fr.text).contains("1 h 30 HAE – 1 h 30 HNE"),
        "{}",
        fr.text
    );
    let mut body = rich_body("appointment.created");
    body["content"]["merchant"]["timeZone"] = json!("Europe/Berlin");
    let de = email(
        &r,
        &event(&body),
        &notification(Kind::Confirmation, "deu", Channel::Email),
    );
    assert!(
        plain(&de.text).contains("16:00 – 17:00 Uhr (MEZ)"),
        "{}",
        de.text
    );
}

/// Service description, instructions, price and duration, when Booxi sends them; a
/// map link and a tappable phone number; add-to-calendar links.
#[test]
fn what_a_good_confirmation_offers() {
    let r = renderer();
    let mut body = rich_body("appointment.created");
    body["content"]["service"]["description"] = json!("A complete check of your eyes.");
    body["content"]["service"]["instructions"] = json!("Bring your current glasses.");
    body["content"]["booking"]["items"] = json!([
        {"serviceName": "Eye exam", "duration": 45, "price": {"amount": "85.50", "currency": "CAD", "visibility": "Visible"}},
        {"serviceName": "Retina photo", "duration": 15, "price": {"amount": "20", "currency": "CAD"}}
    ]);
    let e = event(&body);
    let m = email(
        &r,
        &e,
        &notification(Kind::Confirmation, "eng", Channel::Email),
    );
    for expected in [
        "Duration: 1 h",
        "Price: $105.50",
        "About: A complete check of your eyes.",
        "Before you come: Bring your current glasses.",
    ] {
        assert!(plain(&m.text).contains(expected), "{expected}: {}", m.text);
    }
    assert!(m.html.contains("href=\"tel:+15145550100\""), "tel: link");
    assert!(
        m.html
            .contains("https://www.google.com/maps/search/?api=1&amp;query=")
    );
    assert!(
        m.html
            .contains("https://calendar.google.com/calendar/render?action=TEMPLATE")
    );
    assert!(
        m.html
            .contains("https://outlook.live.com/calendar/0/action/compose?")
    );
    assert!(m.html.contains("dates=20261203T150000Z%2F20261203T160000Z"));
    let fr = email(
        &r,
        &e,
        &notification(Kind::Confirmation, "fre", Channel::Email),
    );
    assert!(fr.text.contains("105,50\u{a0}$"), "{}", fr.text);
    // A hidden price is not shown.
    body["content"]["booking"]["items"] =
        json!([{"price": {"amount": "85", "visibility": "Hidden"}}]);
    let m = email(
        &r,
        &event(&body),
        &notification(Kind::Confirmation, "eng", Channel::Email),
    );
    assert!(!m.text.contains("Price"), "{}", m.text);
}

/// Every kind has a preheader (the line a mail app shows after the subject): its own,
/// else its first paragraph; never the greeting.
#[test]
fn every_email_has_a_preheader() {
    let r = renderer();
    let e = event(&rich_body("appointment.updated"));
    for kind in all_kinds() {
        for lang in kind.languages() {
            let m = email(&r, &e, &notification(kind, lang, Channel::Email));
            let marker = "mso-hide:all;\">";
            let start = m.html.find(marker).map(|i| i + marker.len());
            let text: String = start
                .map(|i| {
                    m.html[i..]
                        .chars()
                        .take_while(|c| *c != '&' && *c != '<')
                        .collect()
                })
                .unwrap_or_default();
            assert!(text.trim().len() > 10, "{kind} {lang}: preheader {text:?}");
            assert!(!text.starts_with("Hello"), "{kind} {lang}: {text}");
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config {
        cases: 48,
        failure_persistence: None,
        rng_algorithm: proptest::test_runner::RngAlgorithm::XorShift,
        ..proptest::test_runner::Config::default()
    })]

    /// Whatever the names (any length, accents, dashes, emoji, other scripts), every
    /// client SMS fits three segments and never ends inside a link.
    #[test]
    fn any_names_give_sms_that_never_cut_a_link(
        store in "[A-Za-zÀ-ÿ—–’ 😀✨李]{0,200}",
        service in "[A-Za-zÀ-ÿ—’ 💅]{0,120}",
        lang in proptest::sample::select(&LANGS[..]),
    ) {
        use booxi_notify::render::sms::ends_inside_link;
        let r = renderer();
        let mut body = rich_body("appointment.created");
        body["content"]["merchant"]["defaultLanguage"] = json!(lang);
        body["content"]["merchant"]["name"] = json!(store);
        body["content"]["service"] = json!({"name": service});
        let e = event(&body);
        for kind in Kind::CLIENT {
            let n = notification(kind, lang, Channel::Sms);
            let s = sms(&r, &e, &n);
            proptest::prop_assert!(s.segments.count <= 3, "{} {}: {:?}", kind, lang, s);
            let mut links: Vec<String> = vec!["https://acme.example/book".into()];
            if let Some(l) = &n.links {
                links.push(l.view.to_string());
                links.extend(l.confirm.iter().map(|u| u.to_string()));
            }
            let links: Vec<&str> = links.iter().map(String::as_str).collect();
            proptest::prop_assert!(!ends_inside_link(&s.text, &links), "{} {}: {}", kind, lang, s.text);
        }
    }
}

#[test]
fn payment_quick_note_survey_answers_and_client_links_reach_templates() {
    let dir = tempdir("rest-model");
    std::fs::create_dir_all(dir.join("eng")).unwrap();
    std::fs::write(
        dir.join("eng/confirmation.sms.txt"),
        "{% block full %}{{ payment.total }}|{{ payment.paid }}|{{ payment.online_amount }}|{{ payment.online_status }}|{{ quick_note }}|{{ survey_answers|join(';') }}|{% for l in client_links %}{{ l.module_id }}={{ l.external_id }}/{{ l.metadata|join(',') }}{% endfor %}{% endblock %}{% block short %}-{% endblock %}",
    )
    .unwrap();
    let r = Renderer::new(&RenderConfig {
        templates_dir: Some(dir),
        ..RenderConfig::default()
    })
    .unwrap();
    let mut body = rich_body("appointment.created");
    body["content"]["booking"]["payment"] = json!({
        "total": {"amount": "45.00", "currency": "CAD", "visibility": "Visible"},
        "paid": 20,
        "onlinePaymentAmount": "20.00",
        "onlinePaymentStatus": "Paid"
    });
    body["content"]["booking"]["quickNote"] = json!("Bring\nsamples");
    body["content"]["booking"]["items"] = json!([
        {"serviceName": "Cut", "price": {"amount": "45.00"}, "surveyAnswers": [{"question": "Hair length?", "answer": "Long"}]},
        {"serviceName": "Wash", "surveyAnswers": {"Allergies": "none"}}
    ]);
    body["content"]["clientLinks"] =
        json!([{"moduleId": 12, "externalId": "crm-77", "metadata": {"tier": "gold"}}]);
    let e = event(&body);
    let m = sms(
        &r,
        &e,
        &notification(Kind::Confirmation, "eng", Channel::Sms),
    );
    assert_eq!(
        m.text,
        "$45.00|$20.00|$20.00|Paid|Bring samples|Hair length?: Long;Allergies: none|12=crm-77/tier: gold"
    );
    // Absent, they are empty: a template may test them.
    let dir = tempdir("rest-model-absent");
    std::fs::create_dir_all(dir.join("eng")).unwrap();
    std::fs::write(
        dir.join("eng/confirmation.sms.txt"),
        "{% block full %}[{% if payment %}p{% endif %}{% if quick_note %}q{% endif %}{{ survey_answers|length }}{{ client_links|length }}]{% endblock %}{% block short %}-{% endblock %}",
    )
    .unwrap();
    let r = Renderer::new(&RenderConfig {
        templates_dir: Some(dir),
        ..RenderConfig::default()
    })
    .unwrap();
    let e = event(&minimal_body());
    let m = sms(
        &r,
        &e,
        &notification(Kind::Confirmation, "eng", Channel::Sms),
    );
    assert_eq!(m.text, "[00]");
}

/// Where a message exists for one action, that action follows the first paragraph (a
/// button in HTML, a line in the text part) and the others become plain links below the
/// details; other messages keep their row of buttons.
#[test]
fn the_one_action_comes_first_and_the_others_become_links() {
    let r = renderer();
    let e = event(&rich_body("appointment.updated"));
    let n = notification(Kind::AwaitingClientConfirmation, "eng", Channel::Email);
    let m = email(&r, &e, &n);
    let confirm = n
        .links
        .as_ref()
        .unwrap()
        .confirm
        .as_ref()
        .unwrap()
        .to_string();
    let first_paragraph = m
        .html
        .find("has changed and needs your confirmation")
        .unwrap();
    let lead = m.html.find("data-lead").expect("a lead button");
    let details = m.html.find("Confirmation number").unwrap();
    assert!(first_paragraph < lead && lead < details, "{}", m.html);
    assert_eq!(m.html.matches("data-button").count(), 1, "{}", m.html);
    assert!(m.html[lead..].contains(&confirm.replace('&', "&amp;")));
    for link in ["View my appointment</a>", "Reschedule</a>", "Cancel</a>"] {
        let at = m
            .html
            .find(link)
            .unwrap_or_else(|| panic!("{link}: {}", m.html));
        assert!(at > details, "{link} below the details");
    }
    let text = plain(&m.text);
    let lines: Vec<&str> = text.lines().collect();
    let p = lines
        .iter()
        .position(|l| l.contains("needs your confirmation"))
        .unwrap();
    assert_eq!(
        lines[p + 2],
        format!("Confirm my appointment: {confirm}"),
        "{text}"
    );
    assert_eq!(text.matches("Confirm my appointment:").count(), 1, "{text}");
    // A confirmation has no single action: its buttons stay, in order.
    let m = email(
        &r,
        &e,
        &notification(Kind::Confirmation, "eng", Channel::Email),
    );
    assert!(!m.html.contains("data-lead"));
    assert_eq!(m.html.matches("data-button").count(), 3, "{}", m.html);
    // Recall and no-show: book again first.
    for kind in [Kind::Recall, Kind::NoShow] {
        let m = email(&r, &e, &notification(kind, "eng", Channel::Email));
        let lead = m.html.find("data-lead").expect("a lead button");
        assert!(
            m.html[lead..].contains("https://acme.example/book"),
            "{kind}"
        );
    }
}

fn review_request() -> Kind {
    Kind::Flow(booxi_notify::domain::notification::FlowName::parse("review_request").unwrap())
}

/// Without a review page, the review request says how to answer: by replying (when a
/// reply reaches the store), else by phone; with one, its button comes first.
#[test]
fn a_review_request_always_says_how_to_answer() {
    let e = event(&rich_body("appointment.completed"));
    for lang in LANGS {
        let m = email(
            &renderer(),
            &e,
            &notification(review_request(), lang, Channel::Email),
        );
        assert!(!m.html.contains("data-button"), "{lang}");
        let said = m.text.lines().filter(|l| !l.trim().is_empty()).count();
        assert!(said > 4, "{lang}: {}", m.text);
    }
    let m = email(
        &renderer(),
        &e,
        &notification(review_request(), "eng", Channel::Email),
    );
    assert!(m.text.contains("Simply reply to this email"), "{}", m.text);
    let mut config = RenderConfig::default();
    config.brand.reply_to_store = false;
    let m = email(
        &Renderer::new(&config).unwrap(),
        &e,
        &notification(review_request(), "eng", Channel::Email),
    );
    assert!(!m.text.contains("reply"), "{}", m.text);
    assert!(
        plain(&m.text).contains("call us at (514) 555-0100"),
        "{}",
        m.text
    );
    config.brand.review_url = Url::parse("https://g.page/acme/review").ok();
    let m = email(
        &Renderer::new(&config).unwrap(),
        &e,
        &notification(review_request(), "eng", Channel::Email),
    );
    assert!(m.html.contains("data-lead"), "{}", m.html);
    assert!(
        m.text
            .contains("Leave a review: https://g.page/acme/review")
    );
    assert!(!m.text.contains("call us"), "{}", m.text);
}

/// An attendee of a group booking gets what is theirs: their video link and the store's
/// pages, never the requester's tracking links (which change the whole booking); each
/// footer says why its reader got the message.
#[test]
fn attendees_get_only_their_own_links_and_footers_say_why() {
    let r = renderer();
    let mut body = rich_body("reservation.created");
    body["content"]["booking"]["location"] = json!("VideoConference");
    let e = event(&body);
    let mut n = notification(Kind::Confirmation, "spa", Channel::Email);
    n.audience = Audience::Attendee;
    n.recipient = Recipient::Attendee(0);
    n.to = Address::Email(EmailAddress::parse("sam@example.com").unwrap());
    n.video_url = Some(Url::parse("https://meet.example.com/sam").unwrap());
    let m = email(&r, &e, &n);
    assert!(!m.html.contains("booking.booxi.com/track"), "{}", m.html);
    assert!(!m.text.contains("booking.booxi.com/track"), "{}", m.text);
    assert!(
        m.text.contains("https://meet.example.com/sam"),
        "{}",
        m.text
    );
    assert!(!m.text.contains("meet.example.com/client"), "{}", m.text);
    assert!(
        m.text.contains("su nombre figura en esta reserva"),
        "{}",
        m.text
    );
    let ics = m.ics.expect("an invite").content;
    assert!(!ics.contains("booking.booxi.com"), "{ics}");
    let mut n = notification(Kind::Reminder, "eng", Channel::Sms);
    n.audience = Audience::Attendee;
    n.recipient = Recipient::Attendee(0);
    assert!(!sms(&r, &e, &n).text.contains("http"));

    let footer = |kind: Kind| email(&r, &e, &notification(kind, "eng", Channel::Email)).text;
    assert!(footer(Kind::Confirmation).contains("because you made this booking"));
    assert!(footer(Kind::Recall).contains("because you have booked with us before"));
    assert!(footer(Kind::StaffNewBooking).contains("member of the team at this business"));
    for lang in LANGS {
        let text = email(&r, &e, &notification(Kind::Recall, lang, Channel::Email)).text;
        let words: Vec<&str> = text
            .split_whitespace()
            .filter(|w| !w.contains('@') && !w.contains("://"))
            .flat_map(|w| w.split(|c: char| !c.is_alphabetic()))
            .collect();
        for store in ["store", "magasin", "tienda", "loja", "winkel", "Geschäft"] {
            assert!(!words.contains(&store), "{lang}: {store} in {text}");
        }
    }
}

/// A price shows its currency, as the language writes money: the Price object's
/// currency, else the store country's; never on a cancellation.
#[test]
fn prices_show_their_currency_and_never_on_cancellations() {
    let r = renderer();
    let mut body = rich_body("appointment.created");
    body["content"]["booking"]["items"] =
        json!([{"price": {"amount": "45", "visibility": "Visible"}}]);
    let e = event(&body);
    let price = |kind: Kind, lang: &str| {
        let m = email(&r, &e, &notification(kind, lang, Channel::Email));
        m.text
            .lines()
            .find(|l| l.starts_with('P') && l.contains("45"))
            .map(plain)
    };
    assert_eq!(
        price(Kind::Confirmation, "eng").as_deref(),
        Some("Price: $45.00")
    );
    assert_eq!(
        price(Kind::Confirmation, "fre").as_deref(),
        Some("Prix : 45,00 $")
    );
    assert_eq!(
        price(Kind::Confirmation, "por").as_deref(),
        Some("Preço: $ 45,00")
    );
    for kind in [
        Kind::CanceledByStore,
        Kind::CanceledByClient,
        Kind::StaffCanceled,
    ] {
        assert_eq!(price(kind, "eng"), None, "{kind}");
    }
    // A store in France: euros, whatever language.
    body["content"]["merchant"]["address"]["country"] = json!("FR");
    let e = event(&body);
    let m = email(&r, &e, &notification(Kind::Reminder, "deu", Channel::Email));
    assert!(m.text.contains("Preis: 45,00\u{a0}€"), "{}", m.text);
}

/// Store text Booxi has only in another language is not put under a translated label:
/// the description is left out, the instructions (what to bring) are kept with their
/// own `lang`.
#[test]
fn untranslated_store_text_keeps_its_own_language() {
    let r = renderer();
    let mut body = rich_body("appointment.created");
    body["content"]["service"]["description"] = json!("A complete check of your eyes.");
    body["content"]["service"]["instructions"] = json!("Bring your current glasses.");
    body["content"]["service"]["translations"] = json!([{"language": "fre", "name": "Examen de la vue", "description": "Un examen complet."}]);
    let e = event(&body);
    let fr = email(
        &r,
        &e,
        &notification(Kind::Confirmation, "fre", Channel::Email),
    );
    assert!(fr.text.contains("Un examen complet."), "{}", fr.text);
    assert!(
        fr.html
            .contains("<span lang=\"en\">Bring your current glasses.</span>"),
        "{}",
        fr.html
    );
    let es = email(
        &r,
        &e,
        &notification(Kind::Confirmation, "spa", Channel::Email),
    );
    assert!(!es.text.contains("A complete check"), "{}", es.text);
    assert!(es.html.contains("<span lang=\"en\">Bring"), "{}", es.html);
    let en = email(
        &r,
        &e,
        &notification(Kind::Confirmation, "eng", Channel::Email),
    );
    assert!(en.text.contains("About: A complete check of your eyes."));
    assert!(!en.html.contains("<span lang="), "{}", en.html);
}

/// The no-show message states the fact and offers a new time; it never says "we missed
/// you" (sentimental, and wrong when the no-show is marked days later).
#[test]
fn no_show_never_says_we_missed_you() {
    let r = renderer();
    let e = event(&rich_body("appointment.status_updated"));
    for lang in LANGS {
        let m = email(&r, &e, &notification(Kind::NoShow, lang, Channel::Email));
        let s = sms(&r, &e, &notification(Kind::NoShow, lang, Channel::Sms));
        for text in [&m.subject, &m.text, &s.text] {
            let lower = text.to_lowercase();
            for missed in [
                "missed you",
                "manqué",
                "echamos de menos",
                "sua falta",
                "vermisst",
                "gemist",
                "today",
                "aujourd",
                "hoy",
                "hoje",
                "vandaag",
                "heute",
            ] {
                assert!(!lower.contains(missed), "{lang}: {missed:?} in {text}");
            }
        }
    }
}

/// The join link of a video call is in the invite's DESCRIPTION too (some calendars show
/// LOCATION as plain text), and only in a REQUEST.
#[test]
fn invites_carry_the_video_link_in_their_description() {
    let r = renderer();
    let mut body = rich_body("appointment.created");
    body["content"]["booking"]["location"] = json!("VideoConference");
    let e = event(&body);
    let ics = email(
        &r,
        &e,
        &notification(Kind::Confirmation, "eng", Channel::Email),
    )
    .ics
    .unwrap()
    .content
    .replace("\r\n ", "");
    let description = ics
        .lines()
        .find(|l| l.starts_with("DESCRIPTION:"))
        .unwrap_or_else(|| panic!("{ics}"));
    assert!(
        description.contains("Join the video call: https://meet.example.com/client"),
        "{description}"
    );
    assert!(ics.contains("\r\nLOCATION:https://meet.example.com/client\r\n"));
    let cancel = email(
        &r,
        &e,
        &notification(Kind::CanceledByClient, "eng", Channel::Email),
    )
    .ics
    .unwrap()
    .content;
    assert!(!cancel.contains("Join the video call"), "{cancel}");
}
