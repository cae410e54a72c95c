//! The renderer: every kind in every language renders (strict undefined), payload
//! values are escaped, SMS stay within three segments, dates follow the time zone.

use booxi_notify::contact::{Country, EmailAddress, Language, PhoneNumber};
use booxi_notify::notification::{
    Actor, Address, Audience, Channel, Kind, Links, Notification, Recipient,
};
use booxi_notify::render::{Email, Message, RenderConfig, Renderer, Sms, count_segments};
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
        recipient: if kind.is_staff() {
            Recipient::Staff
        } else {
            Recipient::Client
        },
    }
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
                    assert!(s.segments.count <= 3, "{label} {kind} {lang}: {s:?}");
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
    assert_eq!(m.subject, "Your appointment on Thu, Dec 3 is confirmed");
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
        assert!(m.text.contains(expected), "{zone} {start}: {}", m.text);
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
    assert!(m.text.contains("December 3, 2026 at 7:00 AM"), "{}", m.text);
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
        staff.text.contains(
            "Date and time: Friday, March 6, 2026 at 10:00 AM -> Friday, March 13, 2026 at 10:00 AM"
        ),
        "{}",
        staff.text
    );
    assert!(
        staff.text.contains("Staff: Luc Gagnon -> Marie Tremblay"),
        "{}",
        staff.text
    );
    assert!(staff.text.contains("Location: "), "{}", staff.text);
    let client = email(&r, &e, &notification(Kind::Changed, "fre", Channel::Email));
    assert!(
        client.text.contains(
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
            assert!(s.segments.count <= 3, "{kind} {lang}: {s:?}");
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

#[test]
fn a_huge_name_is_cut_to_three_segments() {
    let r = renderer();
    let mut body = rich_body("appointment.created");
    body["content"]["merchant"]["name"] = json!("Ünïcödé ".repeat(80));
    body["content"]["service"] = json!({"name": "Ŝervice ".repeat(80)});
    let e = event(&body);
    for kind in Kind::CLIENT {
        let s = sms(&r, &e, &notification(kind, "eng", Channel::Sms));
        assert!(s.segments.count <= 3, "{kind}: {s:?}");
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

#[test]
fn html_snapshots() {
    let r = renderer();
    let e = event(&rich_body("appointment.updated"));
    for (kind, lang) in [(Kind::Confirmation, "eng"), (Kind::StaffChanged, "fre")] {
        let m = email(&r, &e, &notification(kind, lang, Channel::Email));
        insta::assert_snapshot!(format!("html_{lang}_{kind}"), m.html);
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
        "45.00 CAD|20|20.00|Paid|Bring samples|Hair length?: Long;Allergies: none|12=crm-77/tier: gold"
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
