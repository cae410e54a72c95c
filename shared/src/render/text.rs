//! Text as the templates receive it: cleaned of what changes how it reads without
//! showing, typography kept (no-break spaces), web links checked, and language tags.

use crate::domain::contact::Language;

/// Removes control characters (line breaks included), bidirectional controls and
/// zero-width characters, and collapses runs of white space; `None` when nothing is left.
/// A run made only of no-break spaces (U+00A0, U+202F, U+2007) stays one no-break space:
/// typography (`10 h 00`, `Bonjour :`, `10:00 AM`) is meant, and a line never breaks there.
pub fn clean(text: &str) -> Option<String> {
    // Most text is already clean: visible characters, single spaces, none at either end.
    // That text is its own answer, found in one pass.
    if is_clean(text) {
        return Some(text.to_owned());
    }
    clean_chars(text)
}

/// [`clean`] in one pass: runs of printable ASCII copied whole, anything else read
/// character by character.
fn clean_chars(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    // The separator owed before the next visible character: none, a space, or the
    // no-break space a run of only no-break spaces leaves.
    let mut gap: Option<char> = None;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_graphic() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_graphic() {
                i += 1;
            }
            if let Some(g) = gap.take() {
                out.push(g);
            }
            // Both ends are ASCII bytes, hence character boundaries.
            out.push_str(&text[start..i]);
            continue;
        }
        if bytes[i] == b' ' {
            // The plain space, the commonest gap: what the general case below makes of
            // it, without decoding a character.
            i += 1;
            if !out.is_empty() {
                gap = Some(' ');
            }
            continue;
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        i += c.len_utf8();
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

/// Non-empty, visible characters separated by at most one space or one no-break space,
/// none at either end, and nothing invisible: what [`clean`] leaves as it is. ASCII is
/// read byte by byte; a character is decoded only from a byte 0x80 and up.
fn is_clean(text: &str) -> bool {
    let bytes = text.as_bytes();
    // Whether the last character was a gap (a space): none may begin the text, follow
    // another or end it.
    let mut gap = true;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'!'..=b'~' => {
                gap = false;
                i += 1;
            }
            b' ' if !gap => {
                gap = true;
                i += 1;
            }
            0x80.. => {
                let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) else {
                    return false;
                };
                i += c.len_utf8();
                if is_no_break(c) && !gap {
                    gap = true;
                } else if is_invisible(c) || c.is_control() || c.is_whitespace() {
                    return false;
                } else {
                    gap = false;
                }
            }
            _ => return false,
        }
    }
    !gap
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

/// [`web_link`] of a link already parsed (the event's and the configuration's): its
/// scheme and host checked without parsing its text a second time. A parsed URL's text
/// parses back to itself, so this is `web_link(url.as_str())`.
pub fn web_link_of(url: &url::Url) -> Option<String> {
    (matches!(url.scheme(), "http" | "https") && url.host().is_some())
        .then(|| url.as_str().to_owned())
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

/// Writes `text` with `&`, `<`, `>`, `"` and `'` escaped, the runs between them whole.
pub(crate) fn write_escaped_html(out: &mut impl std::fmt::Write, text: &str) -> std::fmt::Result {
    let mut rest = text;
    while let Some(i) = rest
        .bytes()
        .position(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\''))
    {
        out.write_str(&rest[..i])?;
        out.write_str(match rest.as_bytes()[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        })?;
        rest = &rest[i + 1..];
    }
    out.write_str(rest)
}

/// Splits text into paragraphs at blank lines; the lines of a paragraph are joined
/// with spaces and cleaned (`clean`); empty paragraphs are dropped.
pub(crate) fn paragraph_texts(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut flush = |current: &mut Vec<&str>| {
        if let Some(p) = clean(&current.join(" ")) {
            out.push(p);
        }
        current.clear();
    };
    for line in text.lines() {
        if line.trim().is_empty() {
            flush(&mut current);
        } else {
            current.push(line);
        }
    }
    flush(&mut current);
    out
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

    /// [`clean`] as first written, one character at a time: what the shortcuts must match.
    fn clean_reference(text: &str) -> Option<String> {
        let mut out = String::with_capacity(text.len());
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

    proptest::proptest! {
        /// The shortcuts answer as the character-by-character cleaning does, and a text
        /// is taken as clean exactly when cleaning leaves it as it is.
        #[test]
        fn clean_shortcuts_agree(text in "[ a-z!~\\x00-\\x1f\\x7f\u{a0}\u{202f}\u{2007}\u{200b}\u{2028}\u{2003}\u{85}\u{feff}é日😀]{0,16}") {
            proptest::prop_assert_eq!(clean(&text), clean_reference(&text));
            proptest::prop_assert_eq!(
                is_clean(&text),
                clean_reference(&text).as_deref() == Some(text.as_str())
            );
        }
    }

    #[test]
    fn clean_ascii_shortcut_cases() {
        for text in [
            "",
            " ",
            "a",
            "a b",
            "a  b",
            " a",
            "a ",
            "a\tb",
            "a\u{7f}b",
            "~!",
            "é",
            "a\u{a0}b",
            "a\u{a0}\u{a0}b",
            "a \u{a0}b",
            "\u{a0}a",
            "a\u{a0}",
            "a\u{200b}b",
            "a\u{2003}b",
            "日本 😀",
        ] {
            assert_eq!(clean(text), clean_reference(text), "{text:?}");
        }
    }

    /// A link parsed once is checked without a second parse, with the same answer.
    #[test]
    fn a_parsed_link_checks_as_its_text_does() {
        for raw in [
            "https://a.example/x?y=1",
            "HTTPS://Book.EXAMPLE.com:443/a/../b/./c?q=a b#frag",
            "http://café.example/é?x=é",
            "http://[::1]:8080/p",
            "http://127.0.0.1/",
            "https://a.example",
            "https://user:pw@a.example/%7Ex",
            "javascript:alert(1)",
            "data:text/html,x",
            "mailto:a@b.c",
            "file:///etc/passwd",
            "ftp://a.example/x",
            "web+app://host/x",
        ] {
            let url = url::Url::parse(raw).unwrap();
            assert_eq!(web_link_of(&url), web_link(url.as_str()), "{raw}");
        }
    }
}
