//! The email: the MIME message, Reply-To, unsubscribe headers, a preheader in each.

use super::*;

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
