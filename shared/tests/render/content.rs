//! What each message says and offers: changes before and after, the one action first,
//! video calls, book again, review requests, attendees' own links, prices, staff messages.

use super::*;

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
