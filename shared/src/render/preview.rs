//! Every message kind in every language, rendered from a sample booking: what the
//! preview gallery (`booxi-notify preview`) shows a merchant, and what the browser test
//! loads in headless Chromium at phone and desktop widths.

use serde_json::{Value, json};
use url::Url;

use crate::domain::contact::{Country, EmailAddress, Language, PhoneNumber};
use crate::domain::event::Event;
use crate::domain::notification::{
    Action, Actor, Address, Audience, Channel, Kind, Links, Notification,
};
use crate::render::{Email, Message, RenderError, Renderer, Sms, escape_html};

/// Which sample booking to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sample {
    /// An ordinary booking: every field Booxi can send, translated names.
    Typical,
    /// The longest names, addresses and links a phone screen has to hold.
    Long,
}

/// One kind in one language: its email and, for client kinds, its SMS.
#[derive(Debug, Clone)]
pub struct Preview {
    pub kind: Kind,
    pub language: Language,
    pub email: Email,
    pub sms: Option<Sms>,
}

impl Preview {
    /// `eng-confirmation`: a file name.
    pub fn slug(&self) -> String {
        format!("{}-{}", self.language.code(), self.kind.name())
    }
}

/// A tracking page link of the shape and length Booxi sends (see `events/`): a gallery
/// SMS is only as long as a real one when its link is.
const TRACKING: &str = "https://book.booxi.com/tracking/8c1f2a9e4b7d4f0e";

/// The sample booking, as Booxi's webhook body.
pub fn sample_body(sample: Sample) -> Value {
    let translated = |names: [&str; 6]| {
        json!([
            {"language": "fre", "name": names[1]},
            {"language": "spa", "name": names[2]},
            {"language": "por", "name": names[3]},
            {"language": "nld", "name": names[4]},
            {"language": "deu", "name": names[5]}
        ])
    };
    let mut body = json!({
        "eventId": "evt-preview",
        "eventType": "appointment.updated",
        "createdOn": "2026-11-21T09:30:00Z",
        "content": {
            "booking": {
                "bookingId": 778812,
                "confirmationNumber": "A00006500",
                "bookingMethod": "Appointment",
                "status": "Approved",
                "startsOn": "2026-12-03T15:00:00Z",
                "totalClientTimespan": {"start": "2026-12-03T15:00:00Z", "end": "2026-12-03T16:00:00Z", "duration": 60},
                "staffId": 2101,
                "staffFirstName": "Marie",
                "staffLastName": "Tremblay",
                "location": "Business",
                "createdBy": "Client",
                "modifiedBy": "Client",
                "createdOn": "2026-11-20T12:00:00Z",
                "modifiedOn": "2026-11-21T09:30:00Z",
                "clientAvailability": [{"from": "2026-12-04T14:00:00Z", "to": "2026-12-04T17:00:00Z"}],
                "client": {
                    "id": 1, "firstName": "Jane", "lastName": "Doe", "email": "jane@example.com",
                    "mobilePhoneNumber": "514-555-0123", "language": "eng"
                },
                "trackingPage": {"viewURL": TRACKING, "canConfirm": true, "canModify": true, "canCancel": true},
                "additionalRequest": {"Reason for visit": "Blurry vision"}
            },
            "previousBooking": {
                "bookingId": 778812, "status": "Approved", "startsOn": "2026-12-01T19:30:00Z",
                "staffId": 2100, "staffFirstName": "Luc", "staffLastName": "Gagnon", "location": "Business"
            },
            "staff": {"id": 2101, "firstName": "Marie", "lastName": "Tremblay", "communicationEmail": "marie@example.com", "language": "fre"},
            "service": {"id": 1, "name": "Eye exam", "translations": translated(
                ["Eye exam", "examen de la vue", "examen de la vista", "exame de vista", "oogonderzoek", "Augenuntersuchung"])},
            "resources": [{"id": 7, "name": "Room 2", "translations": translated(
                ["Room 2", "Salle 2", "Sala 2", "Sala 2", "Kamer 2", "Raum 2"])}],
            "merchant": {
                "id": 5, "name": "Acme Optics", "timeZone": "America/Toronto", "defaultLanguage": "eng",
                "email": "store@acme.example", "phoneNumber": "514-555-0100",
                "websiteUrl": "https://acme.example", "bookingUrl": "https://acme.example/book",
                "address": {"street": "123 Main St", "city": "Montréal", "state": "QC", "postalCode": "H2X 1Y4", "country": "CA"}
            },
            "trackingQRCodeUrl": "https://booking.booxi.com/qr/8c1f2a9e.png"
        }
    });
    if sample == Sample::Long {
        let c = &mut body["content"];
        c["merchant"]["name"] =
            json!("Clinique d'optométrie Lévesque-Bélanger & Associés — Centre-ville");
        c["merchant"]["websiteUrl"] =
            json!("https://www.clinique-optometrie-levesque-belanger-associes.example/fr/accueil");
        c["merchant"]["address"] = json!({
            "street": "12345 boulevard Saint-Joseph-de-la-Rivière-des-Prairies, bureau 1200",
            "city": "Saint-Jean-sur-Richelieu", "state": "QC", "postalCode": "J3B 1A1", "country": "CA"});
        c["service"] =
            json!({"name": "Examen oculaire complet avec imagerie rétinienne et tomographie"});
        c["booking"]["client"]["firstName"] = json!("Marie-Christine-Alexandra");
        c["booking"]["client"]["lastName"] = json!("Montgomery-Whitfield-Lévesque");
        c["booking"]["client"]["email"] =
            json!("marie-christine.montgomery-whitfield@entreprise-exemple-tres-longue.example");
        c["booking"]["additionalRequest"] = json!({"Remarque": "Supercalifragilisticexpialidocious-Anticonstitutionnellement-Donaudampfschifffahrtsgesellschaft"});
        c["booking"]["staffFirstName"] = json!("Anne-Marie-Geneviève");
        c["booking"]["staffLastName"] = json!("Lévesque-Bélanger");
        c["staff"]["firstName"] = json!("Anne-Marie-Geneviève");
        c["staff"]["lastName"] = json!("Lévesque-Bélanger");
    }
    body
}

fn canada() -> Result<Country, String> {
    Country::parse("CA").ok_or_else(|| "no country CA".to_owned())
}

/// The sample event.
pub fn sample_event(sample: Sample) -> Result<Event, String> {
    Event::from_value(&sample_body(sample), canada()?).map_err(|e| e.to_string())
}

/// The notification of `kind` in `lang` on `channel` to the sample client (or staff
/// member), with the tracking links the rules would allow.
pub fn sample_notification(
    kind: Kind,
    lang: &Language,
    channel: Channel,
) -> Result<Notification, String> {
    let staff = kind.is_staff();
    let view =
        Url::parse(&format!("{TRACKING}?lang={}", lang.code())).map_err(|e| e.to_string())?;
    let with = |action: Action| {
        let mut url = view.clone();
        url.query_pairs_mut().append_pair("action", action.name());
        url
    };
    // Flows before the visit carry reschedule and cancel links (see the rules).
    let actions = match kind.flow().map(|f| f.as_str()) {
        Some("pre_visit" | "starting_soon") => Some(&[Action::Modify, Action::Cancel][..]),
        Some(_) => None,
        None => kind.link_actions(),
    };
    let links = actions.filter(|_| !staff).map(|actions| Links {
        view: view.clone(),
        modify: actions
            .contains(&Action::Modify)
            .then(|| with(Action::Modify)),
        cancel: actions
            .contains(&Action::Cancel)
            .then(|| with(Action::Cancel)),
        confirm: actions
            .contains(&Action::Confirm)
            .then(|| with(Action::Confirm)),
    });
    let to = match channel {
        Channel::Email => Address::Email(
            EmailAddress::parse(if staff {
                "marie@example.com"
            } else {
                "jane@example.com"
            })
            .map_err(|e| e.to_string())?,
        ),
        Channel::Sms => Address::Phone(
            PhoneNumber::parse("+15145550123", canada()?).map_err(|e| e.to_string())?,
        ),
    };
    Ok(Notification {
        event_id: "evt-preview".into(),
        kind,
        audience: if staff {
            Audience::Staff
        } else {
            Audience::Client
        },
        channel,
        to,
        language: lang.clone(),
        actor: staff.then_some(Actor::Client),
        links,
        video_url: None,
        fallback_for: None,
        recipient: if staff {
            crate::domain::notification::Recipient::Staff
        } else {
            crate::domain::notification::Recipient::Client
        },
    })
}

/// Every kind in every language of its side, then the built-in flows (scheduled
/// messages) in the client languages, rendered from the sample booking.
pub fn previews(renderer: &Renderer, sample: Sample) -> Result<Vec<Preview>, String> {
    let event = sample_event(sample)?;
    let render = |n: Notification| {
        renderer
            .render(&event, &n)
            .map_err(|e: RenderError| e.to_string())
    };
    let mut out = Vec::new();
    let flows = crate::domain::flows::BUILT_IN
        .iter()
        .filter_map(|name| crate::domain::notification::FlowName::parse(name).ok())
        .map(Kind::Flow);
    for kind in Kind::CLIENT.into_iter().chain(Kind::STAFF).chain(flows) {
        for code in kind.languages() {
            let Some(language) = Language::parse(code) else {
                continue;
            };
            let email = match render(sample_notification(kind, &language, Channel::Email)?)? {
                Message::Email(e) => e,
                Message::Sms(_) => continue,
            };
            let sms = if kind.is_staff() {
                None
            } else {
                match render(sample_notification(kind, &language, Channel::Sms)?)? {
                    Message::Sms(s) => Some(s),
                    Message::Email(_) => None,
                }
            };
            out.push(Preview {
                kind,
                language,
                email,
                sms,
            });
        }
    }
    Ok(out)
}

/// The gallery page: each message at phone (375 px) and desktop (600 px) width beside
/// its subject, and its SMS with the segment count. `file` names the HTML file of a
/// preview, relative to the page.
pub fn gallery_index(previews: &[Preview], file: impl Fn(&Preview) -> String) -> String {
    let mut page = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>booxi-notify: message preview</title>\n<style>\n\
body{margin:0;padding:24px;font-family:system-ui,sans-serif;background:#e5e7eb;color:#111827}\n\
nav{margin:0 0 24px 0;line-height:1.8}nav a{margin-right:12px;white-space:nowrap}\n\
section{margin:0 0 40px 0;padding:16px;background:#fff;border-radius:8px}\n\
h2{margin:0 0 4px 0;font-size:18px}.subject{margin:0 0 12px 0;color:#374151}\n\
.frames{display:flex;gap:16px;flex-wrap:wrap;align-items:flex-start}\n\
.frames figure{margin:0}.frames figcaption{font-size:12px;color:#6b7280}\n\
iframe{border:1px solid #d1d5db;background:#fff;height:900px}\n\
.sms{max-width:375px;white-space:pre-wrap;background:#dcfce7;border-radius:12px;padding:10px 12px;margin:12px 0 0 0}\n\
.meta{font-size:12px;color:#6b7280}\n</style>\n</head>\n<body>\n<h1>Message preview</h1>\n<nav>\n",
    );
    for p in previews {
        page.push_str(&format!(
            "<a href=\"#{slug}\">{slug}</a>\n",
            slug = escape_html(&p.slug())
        ));
    }
    page.push_str("</nav>\n");
    for p in previews {
        let slug = escape_html(&p.slug());
        let src = escape_html(&file(p));
        page.push_str(&format!(
            "<section id=\"{slug}\">\n<h2>{kind} · {lang}</h2>\n<p class=\"subject\">Subject: {subject}</p>\n\
<div class=\"frames\">\n\
<figure><iframe src=\"{src}\" width=\"375\" title=\"{slug} at 375 px\" loading=\"lazy\"></iframe><figcaption>phone, 375 px</figcaption></figure>\n\
<figure><iframe src=\"{src}\" width=\"600\" title=\"{slug} at 600 px\" loading=\"lazy\"></iframe><figcaption>desktop, 600 px</figcaption></figure>\n\
</div>\n",
            kind = p.kind.name(),
            lang = p.language.code(),
            subject = escape_html(&p.email.subject),
        ));
        if let Some(sms) = &p.sms {
            page.push_str(&format!(
                "<p class=\"sms\">{text}</p>\n<p class=\"meta\">SMS: {count} segment(s), {encoding:?}, {units} units, form {form:?}</p>\n",
                text = escape_html(&sms.text),
                count = sms.segments.count,
                encoding = sms.segments.encoding,
                units = sms.segments.units,
                form = sms.form,
            ));
        }
        page.push_str("</section>\n");
    }
    page.push_str("</body>\n</html>\n");
    page
}
