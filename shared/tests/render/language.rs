//! Language: names from translations, French no-break spaces, store text kept in its
//! own language.

use super::*;

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
