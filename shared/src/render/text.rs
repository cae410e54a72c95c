//! Text as the templates receive it: cleaned of what changes how it reads without
//! showing, typography kept (no-break spaces), web links checked, and language tags.

use crate::domain::contact::Language;

/// Removes control characters (line breaks included), bidirectional controls and
/// zero-width characters, and collapses runs of white space; `None` when nothing is left.
/// A run made only of no-break spaces (U+00A0, U+202F, U+2007) stays one no-break space:
/// typography (`10 h 00`, `Bonjour :`, `10:00 AM`) is meant, and a line never breaks there.
pub fn clean(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    // The separator owed before the next visible character: none, a space, or the
    // no-break space a run of only no-break spaces leaves.
    let mut gap: Option<char> = None;
    for c in text.chars() {
        if is_invisible(c) {
            continue;
        }
        if c.is_control() || c.is_whitespace() {
            if !out.is_empty() {
                let plain_before = gap.is_some_and(|g| !is_no_break(g));
                gap = Some(if is_no_break(c) && !plain_before {
                    c
                } else {
                    ' '
                });
            }
            continue;
        }
        if let Some(g) = gap.take() {
            out.push(g);
        }
        out.push(c);
    }
    (!out.is_empty()).then_some(out)
}

/// The spaces a line never breaks at.
pub fn is_no_break(c: char) -> bool {
    matches!(c, '\u{a0}' | '\u{202f}' | '\u{2007}')
}

/// `text` with its no-break spaces as plain spaces: what SMS send (GSM-7 has none).
pub fn plain_spaces(text: &str) -> String {
    text.chars()
        .map(|c| if is_no_break(c) { ' ' } else { c })
        .collect()
}

pub use crate::domain::text::is_invisible;

/// The link when it is an absolute http(s) URL with a host, else none.
pub fn web_link(raw: &str) -> Option<String> {
    crate::domain::text::web_url(raw).map(String::from)
}

/// A store text and, when it is not in the message language, the language it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picked {
    pub text: String,
    /// `None`: in the message language, or in a language nobody named.
    pub other_language: Option<Language>,
}

/// BCP 47 tag of a Booxi language code, for `Content-Language`.
pub fn language_tag(code: &str) -> &'static str {
    match code {
        "fre" => "fr",
        "spa" => "es",
        "por" => "pt",
        "nld" => "nl",
        "deu" => "de",
        _ => "en",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_removes_line_breaks_and_controls() {
        assert_eq!(
            clean(" Jane\r\nBcc: x@y.z\t "),
            Some("Jane Bcc: x@y.z".to_owned())
        );
        assert_eq!(clean("\u{7}\n "), None);
    }

    #[test]
    fn clean_removes_bidi_controls_and_zero_width_characters() {
        assert_eq!(
            clean("Jane\u{202E}gpj.exe\u{202C} \u{200B}Doe\u{FEFF}\u{2066}x\u{2069}\u{200F}"),
            Some("Janegpj.exe Doex".to_owned())
        );
        assert_eq!(clean("\u{200B}\u{FEFF} \u{202E}"), None);
        assert_eq!(clean("Zoë 🙂 Ng"), Some("Zoë 🙂 Ng".to_owned()));
    }

    #[test]
    fn clean_keeps_no_break_spaces_between_words_only() {
        assert_eq!(
            clean("10\u{a0}h\u{a0}00 \u{ab}\u{202f}Bonjour\u{202f}\u{bb}"),
            Some("10\u{a0}h\u{a0}00 \u{ab}\u{202f}Bonjour\u{202f}\u{bb}".to_owned())
        );
        // Mixed with a breaking space the run may break: one plain space.
        assert_eq!(clean("a \u{a0}b\u{a0}\n c"), Some("a b c".to_owned()));
        assert_eq!(clean("a\u{a0}\u{202f}b"), Some("a\u{202f}b".to_owned()));
        assert_eq!(clean("\u{a0}\u{202f} x \u{a0}"), Some("x".to_owned()));
        assert_eq!(clean("\u{a0}\u{202f}"), None);
        assert_eq!(plain_spaces("10\u{a0}h\u{202f}!"), "10 h !");
    }

    #[test]
    fn only_web_links_survive() {
        assert_eq!(
            web_link("https://a.example/x?y=1"),
            Some("https://a.example/x?y=1".into())
        );
        for bad in [
            "javascript:alert(1)",
            "data:text/html,x",
            "mailto:a@b.c",
            "/relative",
            "http://",
        ] {
            assert_eq!(web_link(bad), None, "{bad}");
        }
    }
}
