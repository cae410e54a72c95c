//! JSON as Booxi may send it on a bad day, read tolerantly: a body the strict parser
//! refuses for a flaw that leaves its meaning whole is repaired, then read again.
//!
//! Repaired (each is a real way for a sender to cut or garble a value, and none stops us
//! from reading the rest):
//! - a lone UTF-16 surrogate escape (a name cut in the middle of an emoji: `"\ud83d"`)
//!   becomes U+FFFD, the replacement character;
//! - a number too large for a 64-bit float (`1e400`) becomes a string holding its text,
//!   so a field we do not read cannot refuse the body (one we read as text still reads);
//! - bytes that are not UTF-8 become U+FFFD;
//! - a raw control character inside a string (a tab, a newline) is escaped.
//!
//! Anything else the parser refuses (a body cut short, nesting deeper than it allows,
//! something that is not JSON at all) stays refused: that body we truly cannot read.
//! The repair runs only after the strict parser failed, so a sound body costs nothing
//! more.

use std::borrow::Cow;

use serde_json::Value;

/// Reads `body` as JSON, repairing the flaws above when the strict parser refuses it.
/// The error is the strict parser's, for a body the repair does not save.
pub fn read(body: &[u8]) -> Result<Value, serde_json::Error> {
    match serde_json::from_slice(body) {
        Ok(value) => Ok(value),
        Err(first) => match repair(body) {
            Some(repaired) => serde_json::from_slice(&repaired).map_err(|_| first),
            None => Err(first),
        },
    }
}

/// `body` with its repairable flaws repaired, or `None` when it has none to repair.
pub fn repair(body: &[u8]) -> Option<Vec<u8>> {
    let text = String::from_utf8_lossy(body);
    let mut changed = matches!(text, Cow::Owned(_));
    let text = text.as_ref();
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.char_indices().peekable();
    let mut in_string = false;
    while let Some((i, c)) = chars.next() {
        if in_string {
            match c {
                '"' => {
                    in_string = false;
                    out.push(c);
                }
                '\\' => match chars.next() {
                    Some((_, 'u')) => {
                        let (escape, fixed) = unicode_escape(&text[i..]);
                        // Skip the four hex digits (and a second escape taken as the
                        // surrogate pair's low half).
                        for _ in 0..escape.len().saturating_sub(2) {
                            chars.next();
                        }
                        changed |= fixed.is_some();
                        out.push_str(fixed.unwrap_or(escape));
                    }
                    Some((_, other)) => {
                        out.push('\\');
                        out.push(other);
                    }
                    None => out.push('\\'),
                },
                c if (c as u32) < 0x20 => {
                    changed = true;
                    out.push_str(&format!("\\u{:04x}", c as u32));
                }
                c => out.push(c),
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if c == '-' || c.is_ascii_digit() {
            let start = i;
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = chars.peek() {
                if d.is_ascii_digit() || matches!(d, '.' | 'e' | 'E' | '+' | '-') {
                    end = j + d.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            let token = &text[start..end];
            if token.parse::<f64>().is_ok_and(f64::is_infinite) {
                changed = true;
                out.push('"');
                out.push_str(token);
                out.push('"');
            } else {
                out.push_str(token);
            }
        } else {
            out.push(c);
        }
    }
    changed.then(|| out.into_bytes())
}

/// The `\uXXXX` escape at the start of `text` (which starts with the backslash), and its
/// repair: `\ufffd` for a surrogate half without its other half. A high surrogate
/// followed by a low one is a pair: both escapes are returned, unchanged. A malformed
/// escape (fewer than four hex digits) is returned as it is, for the parser to refuse.
fn unicode_escape(text: &str) -> (&str, Option<&'static str>) {
    let hex = |at: usize| {
        text.get(at..at + 4)
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|h| u16::from_str_radix(h, 16).ok())
    };
    let Some(unit) = hex(2) else {
        return (&text[..2], None);
    };
    match unit {
        0xD800..=0xDBFF => {
            let low = text
                .get(6..8)
                .filter(|s| *s == "\\u")
                .and_then(|_| hex(8))
                .filter(|u| (0xDC00..=0xDFFF).contains(u));
            match low {
                Some(_) => (&text[..12], None),
                None => (&text[..6], Some("\\ufffd")),
            }
        }
        0xDC00..=0xDFFF => (&text[..6], Some("\\ufffd")),
        _ => (&text[..6], None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read_str(body: &str) -> Value {
        read(body.as_bytes()).unwrap_or_else(|e| panic!("{body}: {e}"))
    }

    #[test]
    fn lone_surrogates_become_the_replacement_character() {
        assert_eq!(read_str(r#"{"n":"Jo\ud83d"}"#), json!({"n": "Jo\u{FFFD}"}));
        assert_eq!(read_str(r#"{"n":"\udc00x"}"#), json!({"n": "\u{FFFD}x"}));
        assert_eq!(
            read_str(r#"{"n":"\ud83d\ud83d\ude00"}"#),
            json!({"n": "\u{FFFD}😀"})
        );
        // A pair, and escaped backslashes, are left as they are.
        assert_eq!(read_str(r#"{"n":"\ud83d\ude00"}"#), json!({"n": "😀"}));
        assert_eq!(
            read_str(r#"{"n":"\\ud83d","m":"\ud83d"}"#),
            json!({"n": "\\ud83d", "m": "\u{FFFD}"})
        );
    }

    #[test]
    fn numbers_out_of_range_become_their_text() {
        assert_eq!(
            read_str(r#"{"a":1e400,"b":-2E+999,"c":[1.5e308,12]}"#),
            json!({"a": "1e400", "b": "-2E+999", "c": [1.5e308, 12]})
        );
        // Inside a string a number is text already.
        assert_eq!(read_str(r#"{"a":"1e400"}"#), json!({"a": "1e400"}));
    }

    #[test]
    fn broken_utf8_and_raw_controls_are_repaired() {
        let body = b"{\"n\":\"Jo\xF0\x9F\",\"t\":\"a\tb\nc\"}";
        assert_eq!(
            read(body).unwrap(),
            json!({"n": "Jo\u{FFFD}", "t": "a\tb\nc"})
        );
    }

    #[test]
    fn what_cannot_be_read_stays_refused_with_the_strict_error() {
        for (body, error) in [
            ("{\"a\":", "EOF while parsing a value at line 1 column 5"),
            ("nope", "expected ident at line 1 column 2"),
            ("{\"a\":\"\\u12\"}", "invalid escape at line 1 column 12"),
        ] {
            let e = read(body.as_bytes()).unwrap_err();
            assert_eq!(e.to_string(), error, "{body}");
        }
        assert_eq!(repair(br#"{"a":[1,2,"x"]}"#), None, "nothing to repair");
    }
}
