//! Small text rules shared by every module that takes text from outside: one cleaner of
//! control characters, one check of web links.

use url::Url;

/// One line of plain text: control characters (line breaks included) and every kind of
/// white space become single spaces, trimmed at both ends. Names, subjects and headers
/// go through it, so nothing can start a new header or line.
pub fn one_line(text: &str) -> String {
    one_line_without(text, |_| false)
}

/// [`one_line`] of `text` once the characters `dropped` accepts are removed (which joins
/// what stood on either side of them). One pass, one allocation: names and labels go
/// through it many times per message.
pub fn one_line_without(text: &str, dropped: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if dropped(c) {
            continue;
        }
        if c.is_control() || c.is_whitespace() || c == '\u{2028}' || c == '\u{2029}' {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    out
}

/// Characters that change how text reads without showing: bidirectional embeddings,
/// overrides, isolates and marks (`U+202E` turns `gpj.exe` around), zero-width spaces and
/// joiners, the word joiner and invisible operators, the byte-order mark.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// `text` as an absolute http(s) URL with a host, else none: the only links we render
/// or accept in the configuration.
pub fn web_url(text: &str) -> Option<Url> {
    let url = Url::parse(text.trim()).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host().is_some()).then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_removes_breaks_and_controls() {
        assert_eq!(
            one_line(" Acme\r\nBcc: x\t\u{7}\u{2028}Optics  "),
            "Acme Bcc: x Optics"
        );
        assert_eq!(one_line("\n\t "), "");
        assert_eq!(one_line("a"), "a");
        assert_eq!(one_line("  a  b\u{85}c "), "a b c");
    }

    #[test]
    fn one_line_without_joins_across_what_it_drops() {
        let zero_width = |c| c == '\u{200B}';
        assert_eq!(one_line_without("a\u{200B}b", zero_width), "ab");
        assert_eq!(one_line_without(" a \u{200B} b ", zero_width), "a b");
        assert_eq!(one_line_without("\u{200B} \u{200B}", zero_width), "");
    }

    #[test]
    fn only_absolute_http_links_with_a_host() {
        assert_eq!(
            web_url(" https://acme.example/logo.png ").map(String::from),
            Some("https://acme.example/logo.png".to_owned())
        );
        for bad in [
            "javascript:alert(1)",
            "mailto:a@b.co",
            "/relative",
            "http://",
            "data:x",
        ] {
            assert_eq!(web_url(bad), None, "{bad}");
        }
    }
}
