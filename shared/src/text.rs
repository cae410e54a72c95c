//! Small text rules shared by every module that takes text from outside: one cleaner of
//! control characters, one check of web links.

use url::Url;

/// One line of plain text: control characters (line breaks included) and every kind of
/// white space become single spaces, trimmed at both ends. Names, subjects and headers
/// go through it, so nothing can start a new header or line.
pub fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_control() || c.is_whitespace() || c == '\u{2028}' || c == '\u{2029}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
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
