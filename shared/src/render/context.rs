//! What a template sees: an [`Event`] and a [`Notification`] turned into plain, cleaned,
//! already-translated values. Every string from the payload passes through [`clean`]
//! (no control characters, no line breaks), every link through [`web_link`] (http and
//! https only), so templates can place them anywhere.

use std::collections::BTreeMap;

use jiff::tz::TimeZone;
use serde::Serialize;
use serde_json::Value;

use crate::domain::booxi::{Obj, spelling as s};
use crate::domain::config::{Brand, is_hex_colour};
use crate::domain::contact::{Language, PhoneNumber};
use crate::domain::event::{
    Booking, Contact, Event, Money, Payment, Person, PlaceKind, Status, Translation,
};
use crate::domain::notification::{Actor, Audience, Kind, Notification, Recipient};

use super::datetime::{DateLanguage, When, booking_span, parse_instant, time_zone};
use super::text::{Picked, clean, web_link, web_link_of};

/// The values of one message, shared by its HTML, text and SMS renderings. Templates
/// also see `format` (`html`, `text` or `sms`), the `layout` an email template extends
/// (`layout.html` or `layout.txt`) and the labels as `t`: see `render::values`.
#[derive(Debug, Clone, Serialize)]
pub struct Context {
    /// The message language (`eng`, `fre`, …).
    pub lang: String,
    pub kind: &'static str,
    /// `client`, `attendee` or `staff`.
    pub audience: &'static str,
    pub brand: BrandView,
    /// The person the message is written to (none for a shared staff address).
    pub recipient: PersonView,
    /// The booking's client.
    pub client: PersonView,
    pub booking: BookingView,
    /// The appointment's date and time in the store's time zone (none: flexible dates).
    pub when: Option<When>,
    /// The date and time before the change, when it changed.
    pub previous_when: Option<When>,
    pub service: Option<String>,
    pub staff: Option<String>,
    pub resources: Vec<String>,
    pub store: StoreView,
    pub place: Place,
    pub links: Option<LinksView>,
    pub qr_code_url: Option<String>,
    pub video_url: Option<String>,
    /// Who acted, for staff messages: `client`, `self` or `other_staff`.
    pub actor: Option<&'static str>,
    /// What changed, before → after (staff and `changed` messages).
    pub changes: Vec<Change>,
    /// The client's availabilities (flexible dates), each one line.
    pub availability: Vec<String>,
    /// `additionalRequest`, as lines of text.
    pub additional_request: Vec<String>,
    /// `booking.payment` (Booxi's REST model), amounts as Booxi wrote them.
    pub payment: Option<PaymentView>,
    /// `booking.quickNote`.
    pub quick_note: Option<String>,
    /// `surveyAnswers` of the booking's items, as lines of text.
    pub survey_answers: Vec<String>,
    /// `clientLinks[]`: the client's ids in other systems (Booxi client modules).
    pub client_links: Vec<ClientLinkView>,
    /// A marketing message (recall): it carries an unsubscribe link / SMS opt-out.
    pub promotional: bool,
    /// What the webhook event did: `created`, `updated`, `status_updated`, `canceled`,
    /// `completed`, `remind`, `recall` (the part of its type after the dot).
    pub event_action: String,
    /// The staff member reading is the booking's staff member: "with you", not their name.
    pub staff_is_reader: bool,
    /// The service's description and instructions, price and duration, when Booxi sends them.
    pub service_details: super::extras::ServiceDetails,
    /// "Add to Google Calendar / Outlook" links (client confirmations, changes, reminders).
    pub calendar_links: Option<super::extras::CalendarLinks>,
    /// Promotional messages: where to unsubscribe (an https page or a `mailto:`).
    pub unsubscribe_url: Option<String>,
    /// Staff messages: the "Open Booxi" button.
    pub staff_url: String,
    /// The one action the message exists for, shown right after its first paragraph:
    /// confirm (`awaiting_client_confirmation`), review (`review_request`), book again
    /// (`recall`, `no_show`). None for other kinds, or when its link is missing.
    pub lead_action: Option<ActionView>,
    /// The other actions, in order: buttons, or plain links below the details when there
    /// is a lead action.
    pub actions: Vec<ActionView>,
    /// A reply to this email reaches the store (a reply-to address is set).
    pub replies_reach_store: bool,
}

/// A button or link: its label is `t["action_" ~ name]`.
#[derive(Debug, Clone, Serialize)]
pub struct ActionView {
    /// `review`, `join_video`, `confirm`, `book`, `view`, `modify`, `cancel`, `open_booxi`.
    pub name: &'static str,
    pub url: String,
    /// Drawn filled (the main button) rather than outlined.
    pub primary: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct BrandView {
    pub name: String,
    pub logo_url: Option<String>,
    pub accent: String,
    /// Text colour readable on the accent colour.
    pub on_accent: &'static str,
    pub footer: Option<String>,
    /// `[brand] review_url`: the review page of the `review_request` flow.
    pub review_url: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PersonView {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// `tel:` of `phone`.
    pub phone_uri: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct BookingView {
    pub id: Option<String>,
    pub confirmation_number: Option<String>,
    /// `appointment` or `reservation` (a group event).
    pub method: &'static str,
    /// `approved`, `pending_staff_approval`, `pending_client_approval`, `cancelled`, or none.
    pub status: Option<&'static str>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct StoreView {
    pub name: Option<String>,
    pub address: Vec<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    /// The website as shown: host and path, without the scheme.
    pub website_label: Option<String>,
    /// The store's online booking page (`bookingUrl`), for "book again" buttons.
    pub booking_url: Option<String>,
    /// A map search for the store's address.
    pub map_url: Option<String>,
    /// `tel:+15145550100`, for a tappable phone number.
    pub phone_uri: Option<String>,
}

/// Where the appointment takes place, from the recipient's point of view.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Place {
    /// `store`, `home`, `phone`, `video`, `custom` or `unknown`.
    pub kind: &'static str,
    /// Address or description lines.
    pub lines: Vec<String>,
    /// The video link of the recipient's role.
    pub url: Option<String>,
    /// The number to call (phone appointments, for staff) or to expect a call from.
    pub phone: Option<String>,
    /// Everything on one line (texts, calendar invites).
    pub summary: Option<String>,
    /// A map search for the address (store, home, custom places).
    pub map_url: Option<String>,
    /// `tel:` of `phone`.
    pub phone_uri: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinksView {
    pub view: String,
    pub modify: Option<String>,
    pub cancel: Option<String>,
    pub confirm: Option<String>,
}

/// Amounts as the message language writes money (`$45.00`, `45,00 $`), with the Price
/// object's currency, else the store country's.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PaymentView {
    pub total: Option<String>,
    pub paid: Option<String>,
    pub online_amount: Option<String>,
    /// `onlinePaymentStatus`: `None`, `Requested` or `Paid`, as Booxi wrote it.
    pub online_status: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ClientLinkView {
    pub module_id: Option<String>,
    pub client_id: Option<String>,
    pub external_id: Option<String>,
    /// `metadata`, as lines of text.
    pub metadata: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// `when`, `staff` or `place`.
    pub what: &'static str,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Everything the context is built from besides the event and the notification.
pub struct Inputs<'a> {
    pub brand: &'a Brand,
    pub default_time_zone: &'a TimeZone,
    /// The language the templates are in (the notification's, or its fallback).
    pub language: &'a Language,
    /// That language's labels (`<lang>/labels.toml`).
    pub labels: &'a BTreeMap<String, String>,
    /// The country of a store whose payload names none (prices take its currency).
    pub default_country: crate::domain::contact::Country,
}

impl Context {
    // Long (~130 lines) on purpose: it fills the template context field by field, one
    // struct literal a template author can read against the templates' variables.
    pub fn new(event: &Event, n: &Notification, inputs: &Inputs<'_>) -> Self {
        let lang = inputs.language;
        let names = Names {
            lang,
            merchant_default: event.merchant.default_language.as_ref(),
        };
        let tz = time_zone(event, inputs.default_time_zone);
        let date_lang = DateLanguage::from_code(lang.code());
        let when = booking_when(&event.booking, &tz, date_lang);
        let previous_when = event
            .previous
            .as_ref()
            .and_then(|p| booking_when(p, &tz, date_lang))
            .filter(|p| Some(&p.iso) != when.as_ref().map(|w| &w.iso));

        let store_name = names.pick(
            event.merchant.name.as_deref(),
            &event.merchant.translations,
            "name",
        );
        let store = store_view(event, store_name.clone());
        let brand_name = inputs
            .brand
            .store_name
            .clone()
            .or(store_name)
            .unwrap_or_default();
        let accent = if is_hex_colour(&inputs.brand.accent_color) {
            inputs.brand.accent_color.clone()
        } else {
            crate::domain::config::DEFAULT_ACCENT_COLOR.to_owned()
        };
        let staff_name = staff_name(event, &names);
        let is_staff = n.audience == Audience::Staff;
        let place = place(event, &event.booking, n, &store, is_staff);
        let changes = changes(
            event,
            &names,
            &store,
            n,
            &when,
            &previous_when,
            inputs.labels,
        );

        // The tracking page is the booker's: an attendee gets only what is theirs (their
        // video link, the store's booking page), never a way to change someone else's
        // booking.
        let links = n
            .links
            .as_ref()
            .filter(|_| n.audience != Audience::Attendee)
            .and_then(|l| {
                Some(LinksView {
                    view: web_link_of(&l.view)?,
                    modify: l.modify.as_ref().and_then(web_link_of),
                    cancel: l.cancel.as_ref().and_then(web_link_of),
                    confirm: l.confirm.as_ref().and_then(web_link_of),
                })
            });
        // The QR code is shown at the store's desk: never for a video call.
        let shows_qr = matches!(n.kind, Kind::Confirmation | Kind::Changed | Kind::Reminder)
            && n.audience == Audience::Client
            && place.kind != "video";
        let store_country = event.merchant.country.unwrap_or(inputs.default_country);
        let service_details = super::extras::service_details(
            event,
            &names_fields(&names),
            lang,
            store_country.code(),
            // What a canceled visit would have cost is no news to anyone.
            !matches!(
                n.kind,
                Kind::CanceledByStore | Kind::CanceledByClient | Kind::StaffCanceled
            ),
        );
        let offers_calendar = matches!(n.kind, Kind::Confirmation | Kind::Changed | Kind::Reminder)
            && n.audience != Audience::Staff;
        let calendar_links = offers_calendar
            .then(|| {
                super::extras::calendar_links(
                    &event.booking,
                    &tz,
                    event
                        .service
                        .as_ref()
                        .and_then(|s| names.pick(s.name.as_deref(), &s.translations, "name")),
                    store.name.clone().or_else(|| clean(&brand_name)),
                    place.summary.clone(),
                    links.as_ref().map(|l| l.view.clone()),
                )
            })
            .flatten();
        let recipient_email = match &n.to {
            crate::domain::notification::Address::Email(e) => Some(e.as_str().to_owned()),
            _ => None,
        };
        let unsubscribe_url = n
            .kind
            .is_promotional()
            .then(|| {
                super::extras::unsubscribe_url(
                    inputs.brand,
                    store.email.as_deref(),
                    recipient_email.as_deref(),
                )
            })
            .flatten();
        let staff_is_reader = n.recipient == Recipient::Staff && event.staff.is_some();
        let (lead_action, actions) = actions(n, &links, &store, &place, inputs.brand);
        let replies_reach_store = inputs.brand.reply_to.is_some()
            || (inputs.brand.reply_to_store && store.email.is_some());

        Self {
            lang: lang.code().to_owned(),
            kind: n.kind.name(),
            audience: crate::domain::notification::audience_name(n.audience),
            brand: BrandView {
                name: clean(&brand_name).unwrap_or_default(),
                logo_url: inputs.brand.logo_url.as_ref().and_then(web_link_of),
                on_accent: on_colour(&accent),
                accent,
                footer: inputs.brand.footer_text.as_deref().and_then(clean),
                review_url: inputs.brand.review_url.as_ref().and_then(web_link_of),
            },
            recipient: recipient(event, n.recipient),
            client: event
                .client
                .as_ref()
                .map(|p| person_view(p, event))
                .unwrap_or_default(),
            booking: BookingView {
                id: event.booking.id.as_deref().and_then(clean),
                confirmation_number: event.booking.confirmation_number.as_deref().and_then(clean),
                method: if event.is_reservation() {
                    "reservation"
                } else {
                    "appointment"
                },
                status: event.booking.status.as_ref().and_then(Status::name),
            },
            when,
            previous_when,
            service: event
                .service
                .as_ref()
                .and_then(|s| names.pick(s.name.as_deref(), &s.translations, "name")),
            staff: staff_name,
            resources: event
                .resources
                .iter()
                .filter_map(|r| names.pick(r.name.as_deref(), &r.translations, "name"))
                .collect(),
            store,
            place,
            links,
            qr_code_url: event
                .qr_code_url
                .as_ref()
                .filter(|_| shows_qr)
                .and_then(web_link_of),
            video_url: n.video_url.as_ref().and_then(web_link_of),
            actor: n.actor.map(|a| match a {
                Actor::Client => "client",
                Actor::Myself => "self",
                Actor::OtherStaff => "other_staff",
            }),
            changes,
            availability: availability(&event.booking, &tz, date_lang),
            additional_request: event
                .additional_request
                .as_ref()
                .map(request_lines)
                .unwrap_or_default(),
            payment: event
                .booking
                .payment
                .as_ref()
                .map(|p| payment_view(p, lang, store_country.code())),
            quick_note: event.booking.quick_note.as_deref().and_then(clean),
            survey_answers: event
                .booking
                .items
                .iter()
                .filter_map(|item| item.survey_answers.as_ref())
                .flat_map(request_lines)
                .collect(),
            client_links: event
                .client_links
                .iter()
                .map(|l| ClientLinkView {
                    module_id: l.module_id.as_deref().and_then(clean),
                    client_id: l.client_id.as_deref().and_then(clean),
                    external_id: l.external_id.as_deref().and_then(clean),
                    metadata: l.metadata.as_ref().map(request_lines).unwrap_or_default(),
                })
                .collect(),
            promotional: n.kind.is_promotional(),
            event_action: event
                .event_type
                .name()
                .rsplit('.')
                .next()
                .unwrap_or_default()
                .to_owned(),
            staff_is_reader,
            service_details,
            calendar_links,
            unsubscribe_url,
            staff_url: inputs.brand.staff_url.to_string(),
            lead_action,
            actions,
            replies_reach_store,
        }
    }
}

/// The message's actions, the one it exists for apart: see [`Context::lead_action`].
fn actions(
    n: &Notification,
    links: &Option<LinksView>,
    store: &StoreView,
    place: &Place,
    brand: &Brand,
) -> (Option<ActionView>, Vec<ActionView>) {
    let kind = n.kind;
    let flow = kind.flow();
    let flow_is = |name: &str| flow.as_ref().is_some_and(|f| f.as_str() == name);
    let book = (matches!(
        kind,
        Kind::Recall
            | Kind::NoShow
            | Kind::CanceledByStore
            | Kind::CanceledByClient
            | Kind::Completed
            | Kind::ReservationCompleted
    ) || flow_is("thank_you"))
    .then(|| store.booking_url.clone().or_else(|| store.website.clone()))
    .flatten();
    let join = (place.kind == "video"
        && (matches!(
            kind,
            Kind::Confirmation | Kind::Changed | Kind::Reminder | Kind::AwaitingClientConfirmation
        ) || flow_is("pre_visit")
            || flow_is("starting_soon")))
    .then(|| place.url.clone())
    .flatten();
    let review = flow_is("review_request")
        .then(|| brand.review_url.as_ref().and_then(web_link_of))
        .flatten();
    let confirm = links.as_ref().and_then(|l| l.confirm.clone());
    let open_booxi = (n.audience == Audience::Staff).then(|| brand.staff_url.to_string());
    let mut all: Vec<ActionView> = Vec::new();
    let mut add = |name, url: Option<String>, primary| {
        if let Some(url) = url {
            all.push(ActionView { name, url, primary });
        }
    };
    add("review", review, true);
    add("join_video", join.clone(), true);
    add("confirm", confirm.clone(), join.is_none());
    add("book", book.clone(), true);
    add(
        "view",
        links.as_ref().map(|l| l.view.clone()),
        confirm.is_none() && book.is_none() && join.is_none(),
    );
    add(
        "modify",
        links.as_ref().and_then(|l| l.modify.clone()),
        false,
    );
    add(
        "cancel",
        links.as_ref().and_then(|l| l.cancel.clone()),
        false,
    );
    add("open_booxi", open_booxi, true);
    let lead = match kind {
        Kind::AwaitingClientConfirmation => "confirm",
        Kind::Recall | Kind::NoShow => "book",
        _ if flow_is("review_request") => "review",
        _ => "",
    };
    match all.iter().position(|a| a.name == lead) {
        Some(i) => {
            let mut first = all.remove(i);
            first.primary = true;
            (Some(first), all)
        }
        None => (None, all),
    }
}

/// Black or white, whichever reads better on `hex` (WCAG relative luminance).
fn on_colour(hex: &str) -> &'static str {
    let digits: Vec<u32> = hex
        .trim_start_matches('#')
        .chars()
        .filter_map(|c| c.to_digit(16))
        .collect();
    let rgb = match digits.as_slice() {
        [r, g, b] => [r * 17, g * 17, b * 17],
        [r1, r2, g1, g2, b1, b2] => [r1 * 16 + r2, g1 * 16 + g2, b1 * 16 + b2],
        _ => return "#ffffff",
    };
    let linear = |c: u32| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2]);
    // Contrast with white (1.05 / (l + 0.05)) against contrast with black ((l + 0.05) / 0.05).
    if 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 {
        "#ffffff"
    } else {
        "#111111"
    }
}

fn booking_when(b: &Booking, tz: &TimeZone, lang: DateLanguage) -> Option<When> {
    let (start, end) = booking_span(b, tz)?;
    Some(When::new(start, end, tz, lang))
}

/// Picks names in the message language: the payload's own text when the message is in
/// the merchant's default language, else the translation for the message language.
struct Names<'a> {
    lang: &'a Language,
    merchant_default: Option<&'a Language>,
}

impl Names<'_> {
    fn translation<'t>(&self, translations: &'t [Translation]) -> Option<&'t Translation> {
        if self.merchant_default == Some(self.lang) {
            return None;
        }
        translations.iter().find(|t| &t.language == self.lang)
    }

    fn pick(
        &self,
        base: Option<&str>,
        translations: &[Translation],
        field: &str,
    ) -> Option<String> {
        self.pick_with_language(base, translations, field)
            .map(|p| p.text)
    }
}

impl Names<'_> {
    /// [`Names::pick`], saying which language the text is in when it is not the
    /// message's: the payload's own text is in the merchant's default language.
    fn pick_with_language(
        &self,
        base: Option<&str>,
        translations: &[Translation],
        field: &str,
    ) -> Option<Picked> {
        let translated = self
            .translation(translations)
            .and_then(|t| t.fields.get(field))
            .and_then(Value::as_str)
            .and_then(clean);
        if let Some(text) = translated {
            return Some(Picked {
                text,
                other_language: None,
            });
        }
        Some(Picked {
            text: base.and_then(clean)?,
            other_language: self.merchant_default.filter(|d| *d != self.lang).cloned(),
        })
    }
}

/// The service's `description` and `instructions` in the message language when Booxi
/// gives them so, else as written with the language they are in.
fn names_fields<'n>(names: &'n Names<'n>) -> impl Fn(&Event, &str) -> Option<Picked> + 'n {
    move |event: &Event, field: &str| {
        let service = event.service.as_ref()?;
        let base = service.raw.get(field).and_then(Value::as_str);
        names.pick_with_language(base, &service.translations, field)
    }
}

fn full_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    clean(&[first.unwrap_or(""), last.unwrap_or("")].join(" "))
}

fn staff_name(event: &Event, names: &Names<'_>) -> Option<String> {
    if let Some(staff) = &event.staff
        && let Some(t) = names.translation(&staff.translations)
    {
        let field = |k: &str| t.fields.get(k).and_then(Value::as_str).map(str::to_owned);
        let translated = field(s::FIELD_NAME).and_then(|n| clean(&n)).or_else(|| {
            full_name(
                field(s::FIELD_FIRST_NAME).as_deref(),
                field(s::FIELD_LAST_NAME).as_deref(),
            )
        });
        if translated.is_some() {
            return translated;
        }
    }
    event.staff_name().as_deref().and_then(clean)
}

/// `tel:` and the number in E.164, when it parses as a valid number.
pub fn phone_uri(raw: &str, event: &Event) -> Option<String> {
    PhoneNumber::read(raw, event.merchant.country).map(|n| format!("tel:{}", n.as_str()))
}

fn person_view(p: &Person, event: &Event) -> PersonView {
    let home_phone = Obj::new(&p.raw)
        .and_then(|o| o.text(s::HOME_PHONE))
        .and_then(|t| clean(&t));
    // The mobile number was parsed (and formatted) once, with the event.
    let mobile = p.mobile.valid();
    let phone = mobile
        .map(|m| m.display_for(event.merchant.country).to_owned())
        .or(home_phone);
    PersonView {
        first_name: p.first_name.as_deref().and_then(clean),
        last_name: p.last_name.as_deref().and_then(clean),
        name: full_name(p.first_name.as_deref(), p.last_name.as_deref()),
        email: p.email.valid().map(|e| e.as_str().to_owned()),
        phone_uri: match mobile {
            Some(m) => Some(format!("tel:{}", m.as_str())),
            None => phone.as_deref().and_then(|n| phone_uri(n, event)),
        },
        phone,
    }
}

fn recipient(event: &Event, r: Recipient) -> PersonView {
    match r {
        Recipient::Client => event
            .client
            .as_ref()
            .map(|p| person_view(p, event))
            .unwrap_or_default(),
        Recipient::Attendee(i) => event
            .attendees
            .get(i)
            .map(|p| person_view(p, event))
            .unwrap_or_default(),
        Recipient::Staff => event
            .staff
            .as_ref()
            .map(|s| PersonView {
                first_name: s.first_name.as_deref().and_then(clean),
                last_name: s.last_name.as_deref().and_then(clean),
                name: full_name(s.first_name.as_deref(), s.last_name.as_deref()),
                email: s.email.valid().map(|e| e.as_str().to_owned()),
                ..PersonView::default()
            })
            .unwrap_or_default(),
        Recipient::StaffFallback => PersonView::default(),
    }
}

fn store_view(event: &Event, name: Option<String>) -> StoreView {
    let o = Obj::new(&event.merchant.raw);
    let text = |keys: &[&str]| o.and_then(|o| o.text(keys)).and_then(|t| clean(&t));
    let website = o
        .and_then(|o| o.text(s::WEBSITE_URL))
        .and_then(|u| web_link(&u));
    let address = o
        .and_then(|o| o.get(s::ADDRESS))
        .map(address_lines)
        .unwrap_or_default();
    StoreView {
        name,
        // The map's link searches the address's lines (none without an address).
        map_url: super::extras::map_url(&address),
        address,
        // Parsed once, with the event; as given when it is not a valid number.
        phone: text(s::PHONE).map(|p| match &event.merchant.phone {
            Some(number) => number.display_for(event.merchant.country).to_owned(),
            None => p,
        }),
        email: match &event.merchant.email {
            Contact::Valid(e) => Some(e.as_str().to_owned()),
            _ => None,
        },
        website_label: website.as_ref().map(|u| {
            let bare = u.split_once("://").map_or(u.as_str(), |(_, rest)| rest);
            bare.trim_end_matches('/').to_owned()
        }),
        website,
        booking_url: o
            .and_then(|o| o.text(s::BOOKING_URL))
            .and_then(|u| web_link(&u)),
        phone_uri: event
            .merchant
            .phone
            .as_ref()
            .map(|number| format!("tel:{}", number.as_str())),
    }
}

/// An address as lines: `street`, then `City, ST H2X 1Y4` in North America, else
/// `75001 Paris`.
pub fn address_lines(v: &Value) -> Vec<String> {
    if let Value::String(s) = v {
        return s.lines().filter_map(clean).collect();
    }
    let Some(o) = Obj::new(v) else {
        return Vec::new();
    };
    let text = |keys: &[&str]| o.text(keys).and_then(|t| clean(&t));
    let mut lines: Vec<String> = [text(s::STREET), text(s::STREET2)]
        .into_iter()
        .flatten()
        .collect();
    let city = text(s::CITY);
    let state = text(s::STATE);
    let postal = text(s::POSTAL_CODE);
    let country = text(s::COUNTRY);
    let north_america = matches!(
        country.as_deref().map(str::to_ascii_uppercase).as_deref(),
        None | Some("CA" | "US" | "CANADA" | "USA" | "UNITED STATES")
    );
    let locality = if north_america {
        let region = [state, postal]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        [city, clean(&region)]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        let line = [postal, city]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        [Some(line), state]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !locality.is_empty() {
        lines.push(locality);
    }
    lines
}

fn place(event: &Event, b: &Booking, n: &Notification, store: &StoreView, is_staff: bool) -> Place {
    let text = b.location_text.as_deref().and_then(clean);
    let client = event.client.as_ref();
    let mut place = match b.place_kind() {
        PlaceKind::Home => Place {
            kind: "home",
            lines: client
                .and_then(|c| Obj::new(&c.raw).and_then(|o| o.get(s::ADDRESS)))
                .map(address_lines)
                .unwrap_or_default(),
            ..Place::default()
        },
        PlaceKind::Phone => Place {
            kind: "phone",
            phone: if is_staff {
                client.map(|p| person_view(p, event)).and_then(|p| p.phone)
            } else {
                store.phone.clone()
            },
            ..Place::default()
        },
        PlaceKind::Video => Place {
            kind: "video",
            url: n.video_url.as_ref().and_then(web_link_of),
            ..Place::default()
        },
        PlaceKind::Custom => Place {
            kind: "custom",
            ..Place::default()
        },
        PlaceKind::Store => {
            let mut lines: Vec<String> = store.name.iter().cloned().collect();
            lines.extend(store.address.iter().cloned());
            Place {
                kind: if store.address.is_empty() && text.is_none() {
                    "unknown"
                } else {
                    "store"
                },
                lines,
                ..Place::default()
            }
        }
    };
    if let Some(t) = text
        && !place.lines.contains(&t)
    {
        place.lines.push(t);
    }
    if place.kind == "custom" && place.lines.is_empty() {
        place.kind = "unknown";
    }
    let summary = match place.kind {
        "video" => place.url.clone(),
        "phone" => place.phone.clone(),
        _ => clean(&place.lines.join(", ")),
    };
    place.summary = summary;
    if matches!(place.kind, "store" | "home" | "custom") {
        // The summary is the lines joined and cleaned, as `map_url` would make them.
        place.map_url = place.summary.as_deref().map(super::extras::map_search);
    }
    place.phone_uri = place.phone.as_deref().and_then(|p| phone_uri(p, event));
    place
}

fn changes(
    event: &Event,
    names: &Names<'_>,
    store: &StoreView,
    n: &Notification,
    when: &Option<When>,
    previous_when: &Option<When>,
    labels: &BTreeMap<String, String>,
) -> Vec<Change> {
    let Some(previous) = event.previous.as_ref() else {
        return Vec::new();
    };
    if !matches!(n.kind, Kind::Changed | Kind::StaffChanged) {
        return Vec::new();
    }
    let mut out = Vec::new();
    if let Some(before) = previous_when {
        out.push(Change {
            what: "when",
            before: Some(before.full.clone()),
            after: when.as_ref().map(|w| w.full.clone()),
        });
    }
    let staff_key = |b: &Booking| b.staff_id.clone().or_else(|| b.staff_name.clone());
    let (before_staff, now_staff) = (staff_key(previous), staff_key(&event.booking));
    if before_staff.is_some() && before_staff != now_staff {
        out.push(Change {
            what: "staff",
            before: previous.staff_name.as_deref().and_then(clean),
            after: staff_name(event, names),
        });
    }
    let (kind, text) = previous.location_key();
    if (kind.is_some() || text.is_some()) && previous.location_key() != event.booking.location_key()
    {
        let is_staff = n.audience == Audience::Staff;
        // A place is named by its address; a call, a video call or a home visit by
        // what it is (the number or link itself says little out of context).
        let named = |p: Place| {
            let label = |key: &str| labels.get(key).cloned();
            match p.kind {
                "phone" => label("by_phone"),
                "video" => label("video_call"),
                "home" if is_staff => label("at_client_address"),
                "home" => label("at_your_address"),
                _ => p.summary,
            }
        };
        out.push(Change {
            what: "place",
            before: named(place(event, previous, n, store, is_staff)),
            after: named(place(event, &event.booking, n, store, is_staff)),
        });
    }
    out
}

fn availability(b: &Booking, tz: &TimeZone, lang: DateLanguage) -> Vec<String> {
    let Some(o) = Obj::new(&b.raw) else {
        return Vec::new();
    };
    o.objs(s::CLIENT_AVAILABILITY)
        .into_iter()
        .filter_map(|slot| {
            let from = parse_instant(&slot.text(s::SLOT_FROM)?, tz)?;
            let to = slot.text(s::SLOT_TO).and_then(|t| parse_instant(&t, tz));
            let w = When::new(from, to, tz, lang);
            Some(format!("{}, {}", w.date, w.time_range))
        })
        .collect()
}

/// Amounts as the language writes money, with their currency (the Price object's, else
/// the store country's); as Booxi wrote them when they do not read as a number.
fn payment_view(p: &Payment, lang: &Language, store_country: &str) -> PaymentView {
    let money = |m: &Option<Money>| {
        let m = m.as_ref()?;
        let currency = super::money::currency(m.currency.as_deref(), Some(store_country));
        let text = match currency {
            Some(currency) => match super::money::minor_units(&m.amount, &currency) {
                Some(cents) => {
                    super::money::Money { cents, currency }.display(lang, Some(store_country))
                }
                None => format!("{} {currency}", m.amount),
            },
            None => m.amount.clone(),
        };
        clean(&text)
    };
    PaymentView {
        total: money(&p.total),
        paid: money(&p.paid),
        online_amount: money(&p.online_amount),
        online_status: p.online_status.as_deref().and_then(clean),
    }
}

/// `additionalRequest` as lines: a text as its lines, an object as `key: value`, a list
/// item by item. Nested structures are flattened one level; nothing is dropped silently
/// except empty values.
pub fn request_lines(v: &Value) -> Vec<String> {
    fn scalar(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => clean(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Array(items) => clean(
                &items
                    .iter()
                    .filter_map(scalar)
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            Value::Object(map) => {
                // A labelled answer: {"question": "...", "answer": "..."}.
                let label = ["question", "label", "name", "key"]
                    .iter()
                    .find_map(|k| map.get(*k).and_then(Value::as_str));
                let value = ["answer", "value", "text"].iter().find_map(|k| map.get(*k));
                match (label, value) {
                    (Some(l), Some(v)) => Some(format!("{}: {}", clean(l)?, scalar(v)?)),
                    _ => clean(
                        &map.iter()
                            .filter_map(|(k, v)| Some(format!("{k}: {}", scalar(v)?)))
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                }
            }
            Value::Null => None,
        }
    }
    match v {
        Value::String(s) => s.lines().filter_map(clean).collect(),
        Value::Array(items) => items.iter().filter_map(scalar).collect(),
        Value::Object(map) => map
            .iter()
            .filter_map(|(k, v)| Some(format!("{}: {}", clean(k)?, scalar(v)?)))
            .collect(),
        other => scalar(other).into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn addresses_read_in_local_order() {
        let ca = json!({"street": "123 Main St", "city": "Montréal", "state": "QC", "postalCode": "H2X 1Y4", "country": "CA"});
        assert_eq!(address_lines(&ca), ["123 Main St", "Montréal, QC H2X 1Y4"]);
        let fr = json!({"street": "1 rue de Rivoli", "city": "Paris", "postalCode": "75001", "country": "FR"});
        assert_eq!(address_lines(&fr), ["1 rue de Rivoli", "75001 Paris"]);
        assert_eq!(
            address_lines(&json!("1 Main\nSpringfield")),
            ["1 Main", "Springfield"]
        );
    }

    #[test]
    fn additional_requests_become_lines() {
        assert_eq!(
            request_lines(&json!("Wheelchair access\r\nplease")),
            ["Wheelchair access", "please"]
        );
        assert_eq!(
            request_lines(&json!({"allergies": "latex", "firstVisit": true})),
            ["allergies: latex", "firstVisit: true"]
        );
        assert_eq!(
            request_lines(&json!([{"question": "Reason", "answer": "Check-up"}, "Parking?"])),
            ["Reason: Check-up", "Parking?"]
        );
    }

    #[test]
    fn text_on_accent() {
        assert_eq!(on_colour("#1d4ed8"), "#ffffff");
        assert_eq!(on_colour("#ffeb3b"), "#111111");
        assert_eq!(on_colour("#fff"), "#111111");
    }
}
