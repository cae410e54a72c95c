//! WhatsApp template messages. A business may only start a WhatsApp conversation with a
//! template Meta has approved, so a WhatsApp message is not a text: it names a template,
//! the language it was approved in and the values of its parameters, in the form of
//! Meta's Cloud API message object (what AWS End User Messaging Social's
//! `SendWhatsAppMessage` carries).
//!
//! The templates are ours, one per client kind and flow in each client language:
//! `<language>/<kind>.whatsapp.txt` holds the body with named placeholders (`{{name}}`,
//! `{{date}}`, `{{time}}`, `{{service}}`, `{{store}}`), numbered for Meta in that order
//! among those the body uses; `whatsapp.toml` gives each kind's Meta category and button.
//! A kind whose button opens the tracking page has two templates: `<prefix><kind>`, with
//! the button and a line that points to it, and `<prefix><kind>_nolink`, without them,
//! for a message that has no tracking page (a client without email, an attendee).
//!
//! Pure: no I/O, no clock.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use url::Url;

/// The placeholders a template's body may hold, in the order their numbers go.
pub const PLACEHOLDERS: [&str; 5] = ["name", "date", "time", "service", "store"];

/// Meta's limits: a body of at most 1024 characters (parameters included), a button
/// label of at most 25, a template name of at most 512.
pub const MAX_BODY: usize = 1024;
pub const MAX_BUTTON_LABEL: usize = 25;
pub const MAX_NAME: usize = 512;

/// The suffix of a kind's second template, the one without the tracking-page button.
pub const NO_LINK: &str = "_nolink";

/// The longest value of each placeholder, in characters (a longer one is cut, with `…`):
/// with the longest body we ship, every message stays within [`MAX_BODY`].
pub fn cap(placeholder: &str) -> usize {
    match placeholder {
        "name" | "date" => 60,
        "time" => 40,
        _ => 120,
    }
}

/// What a template's button does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    None,
    /// A URL button to the tracking page.
    View,
    /// A URL button to the tracking page's confirm action (its page, when it offers none).
    Confirm,
    /// A fixed URL button to `[brand] review_url`.
    Review,
}

/// Meta's template category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Utility,
    Marketing,
}

impl Category {
    pub fn name(self) -> &'static str {
        match self {
            Category::Utility => "UTILITY",
            Category::Marketing => "MARKETING",
        }
    }
}

/// What `whatsapp.toml` says of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Manifest {
    pub category: Category,
    pub button: Button,
}

/// `whatsapp.toml`, read: kind name → its category and button. An error names the key.
pub fn parse_manifest(source: &str) -> Result<BTreeMap<String, Manifest>, String> {
    let table: toml::Table = toml::from_str(source).map_err(|e| e.message().to_owned())?;
    let mut out = BTreeMap::new();
    for (kind, entry) in table {
        let entry = entry
            .as_table()
            .ok_or_else(|| format!("`{kind}` is not a table ([{kind}])"))?;
        let text = |key: &str| entry.get(key).and_then(toml::Value::as_str);
        let category = match text("category") {
            Some("UTILITY") | None => Category::Utility,
            Some("MARKETING") => Category::Marketing,
            Some(other) => {
                return Err(format!(
                    "{kind}.category: `{other}` is not UTILITY or MARKETING"
                ));
            }
        };
        let button = match text("button") {
            Some("none") | None => Button::None,
            Some("view") => Button::View,
            Some("confirm") => Button::Confirm,
            Some("review") => Button::Review,
            Some(other) => {
                return Err(format!(
                    "{kind}.button: `{other}` is not view, confirm, review or none"
                ));
            }
        };
        if let Some(key) = entry
            .keys()
            .find(|k| !["category", "button"].contains(&k.as_str()))
        {
            return Err(format!("{kind}.{key}: not a key (category, button)"));
        }
        out.insert(kind, Manifest { category, button });
    }
    Ok(out)
}

/// A template's body in Meta's form: its placeholders numbered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// The text, `{{1}}`, `{{2}}`… in place of the placeholders.
    pub text: String,
    /// The placeholder each number stands for: `placeholders[0]` is `{{1}}`.
    pub placeholders: Vec<&'static str>,
}

/// Reads a template's body (`{{name}}`… placeholders) into Meta's form, checking it
/// against what Meta refuses at approval: an unknown placeholder, a body that starts or
/// ends with one (punctuation after it counts as the end), two with nothing but spaces
/// or punctuation between them, too few words for its parameters (at least 3 per
/// parameter, plus one), more than four spaces or two line breaks in a row, tabs, a
/// body that could exceed [`MAX_BODY`] with its longest values.
pub fn parse_body(source: &str) -> Result<Body, String> {
    let text = source.replace("\r\n", "\n");
    let text = text.trim();
    if text.is_empty() {
        return Err("the body is empty".into());
    }
    // The pieces: literal text and placeholders, in order.
    let mut used: Vec<&'static str> = Vec::new();
    let mut pieces: Vec<Result<&str, &'static str>> = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let close = rest[open..]
            .find("}}")
            .map(|c| open + c)
            .ok_or("a `{{` is not closed")?;
        let inner = rest[open + 2..close].trim();
        let placeholder = PLACEHOLDERS
            .iter()
            .copied()
            .find(|p| *p == inner)
            .ok_or_else(|| {
                format!("`{{{{{inner}}}}}` is not a placeholder (name, date, time, service, store)")
            })?;
        if !used.contains(&placeholder) {
            used.push(placeholder);
        }
        pieces.push(Ok(&rest[..open]));
        pieces.push(Err(placeholder));
        rest = &rest[close + 2..];
    }
    pieces.push(Ok(rest));
    if text.contains('\t') {
        return Err("the body holds a tab".into());
    }
    if text.contains("     ") {
        return Err("the body holds more than four spaces in a row".into());
    }
    if text.contains("\n\n\n") {
        return Err("the body holds more than one blank line in a row".into());
    }
    let is_filler = |s: &str| {
        s.chars()
            .all(|c| c.is_whitespace() || (c.is_ascii_punctuation() && c != '{'))
    };
    if pieces
        .first()
        .is_some_and(|p| matches!(p, Ok(s) if is_filler(s)))
        && !used.is_empty()
    {
        return Err("the body starts with a placeholder".into());
    }
    if let Some(Ok(last)) = pieces.last()
        && is_filler(last)
        && !used.is_empty()
    {
        return Err("the body ends with a placeholder".into());
    }
    for window in pieces.windows(3) {
        if let [Err(_), Ok(between), Err(_)] = window
            && is_filler(between)
        {
            return Err("two placeholders with no word between them".into());
        }
    }
    // Numbers in the order of PLACEHOLDERS among those used.
    let mut placeholders: Vec<&'static str> = PLACEHOLDERS
        .iter()
        .copied()
        .filter(|p| used.contains(p))
        .collect();
    placeholders.dedup();
    let words = text.split_whitespace().count();
    let needed = 3 * placeholders.len() + 1;
    if !placeholders.is_empty() && words < needed {
        return Err(format!(
            "{} placeholders need at least {needed} words in all, the body has {words}",
            placeholders.len()
        ));
    }
    let mut numbered = String::with_capacity(text.len());
    let mut longest = 0;
    for piece in &pieces {
        match piece {
            Ok(s) => {
                numbered.push_str(s);
                longest += s.chars().count();
            }
            Err(p) => {
                let n = placeholders.iter().position(|q| q == p).unwrap_or(0) + 1;
                numbered.push_str(&format!("{{{{{n}}}}}"));
                longest += cap(p);
            }
        }
    }
    if longest > MAX_BODY {
        return Err(format!(
            "with its longest values the body takes {longest} characters, more than Meta's {MAX_BODY}"
        ));
    }
    Ok(Body {
        text: numbered,
        placeholders,
    })
}

impl Body {
    /// The text with `values` in place (`values[0]` for `{{1}}`): what the phone shows.
    pub fn fill(&self, values: &[String]) -> String {
        let mut out = self.text.clone();
        // Highest number first, so `{{1}}` never matches inside `{{10}}`.
        for (i, value) in values.iter().enumerate().rev() {
            out = out.replace(&format!("{{{{{}}}}}", i + 1), value);
        }
        out
    }
}

/// A template's body with a line pointing to its button after it (`hint`, from the
/// language's labels): the text of the template with the button.
pub fn with_hint(source: &str, hint: &str) -> String {
    format!("{}\n\n{}\n", source.trim_end(), hint.trim())
}

/// `text` as a parameter value: cleaned as SMS text is (one line: no line break, tab or
/// control character, no run of spaces, no-break spaces made plain), at most `max`
/// characters (cut, with `…`). `None` when nothing is left.
pub fn parameter(text: &str, max: usize) -> Option<String> {
    let cleaned = super::text::plain_spaces(&super::text::clean(text)?);
    if cleaned.chars().count() <= max {
        return Some(cleaned);
    }
    let cut: String = cleaned.chars().take(max.saturating_sub(1)).collect();
    Some(format!("{}…", cut.trim_end()))
}

/// The dynamic suffix of a URL button whose fixed part is `base`: `link` without `base`,
/// with every character outside the unreserved ones and the URL's own marks
/// (`/ ? = & # + %`) percent-encoded, as Meta asks (`:` → `%3A`, `|` → `%7C`). `None`
/// when `link` is not under `base`.
pub fn url_suffix(link: &Url, base: &Url) -> Option<String> {
    let rest = link.as_str().strip_prefix(base.as_str())?;
    if rest.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(rest.len());
    let bytes = rest.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let escape_already = b == b'%'
            && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
        if b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.' | b'_' | b'~' | b'/' | b'?' | b'=' | b'&' | b'#' | b'+'
            )
            || escape_already
        {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Some(out)
}

/// A WhatsApp template message as sent: which template, in which language, with which
/// values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateMessage {
    /// The template's name (`booxi_confirmation`, `booxi_confirmation_nolink`).
    pub name: String,
    /// Meta's language code the template was approved in (`en`, `pt_BR`).
    pub language: String,
    /// The body's values, `{{1}}` first.
    pub parameters: Vec<String>,
    /// The URL button's dynamic suffix (the tracking page's path), if the template has one.
    pub button_suffix: Option<String>,
}

impl TemplateMessage {
    /// Meta's Cloud API message object to `to` (E.164 with its `+`, as Meta advises),
    /// the `message` of `SendWhatsAppMessage`.
    pub fn to_cloud_api(&self, to: &str) -> Value {
        let mut components = Vec::new();
        if !self.parameters.is_empty() {
            let parameters: Vec<Value> = self
                .parameters
                .iter()
                .map(|text| json!({"type": "text", "text": text}))
                .collect();
            components.push(json!({"type": "body", "parameters": parameters}));
        }
        if let Some(suffix) = &self.button_suffix {
            components.push(json!({
                "type": "button",
                "sub_type": "url",
                "index": "0",
                "parameters": [{"type": "text", "text": suffix}],
            }));
        }
        let mut template = json!({
            "name": self.name,
            "language": {"code": self.language},
        });
        if !components.is_empty() {
            template["components"] = Value::Array(components);
        }
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "template",
            "template": template,
        })
    }
}

/// A rendered WhatsApp message: what is sent, and what the phone shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhatsAppMessage {
    pub template: TemplateMessage,
    /// The body as the phone shows it, the values in place.
    pub text: String,
    /// The button's label and the page it opens.
    pub button: Option<(String, String)>,
}

/// A template as Meta's template API takes it (`CreateWhatsAppMessageTemplate`'s
/// `templateDefinition`, WhatsApp Manager's JSON): one name in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    pub name: String,
    pub language: String,
    pub category: Category,
    pub body: Body,
    /// A sample value of each parameter (Meta requires them), `{{1}}` first.
    pub examples: Vec<String>,
    pub button: Option<DefinedButton>,
}

/// A template's URL button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinedButton {
    pub label: String,
    /// The URL, ending with `{{1}}` when its suffix is dynamic.
    pub url: String,
    /// A sample suffix, for a dynamic URL.
    pub example: Option<String>,
}

impl Definition {
    /// The template in Meta's JSON.
    pub fn to_meta(&self) -> Value {
        let mut body = json!({"type": "BODY", "text": self.body.text});
        if !self.examples.is_empty() {
            body["example"] = json!({"body_text": [self.examples]});
        }
        let mut components = vec![body];
        if let Some(button) = &self.button {
            let mut url = json!({"type": "URL", "text": button.label, "url": button.url});
            if let Some(example) = &button.example {
                url["example"] = json!([example]);
            }
            components.push(json!({"type": "BUTTONS", "buttons": [url]}));
        }
        json!({
            "name": self.name,
            "language": self.language,
            "category": self.category.name(),
            "components": components,
        })
    }

    /// Why Meta would refuse it, checked before anyone submits it: a name that is not
    /// lower-case letters, digits and `_` or longer than [`MAX_NAME`], a button label
    /// longer than [`MAX_BUTTON_LABEL`].
    pub fn check(&self) -> Result<(), String> {
        if self.name.is_empty()
            || self.name.len() > MAX_NAME
            || !self
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(format!(
                "`{}`: a template name is lower-case letters, digits and `_`, at most {MAX_NAME}",
                self.name
            ));
        }
        if let Some(button) = &self.button
            && button.label.chars().count() > MAX_BUTTON_LABEL
        {
            return Err(format!(
                "{} ({}): the button label `{}` is longer than {MAX_BUTTON_LABEL} characters",
                self.name, self.language, button.label
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_their_order_among_those_used() {
        let body = parse_body(
            "Hello {{name}},\nYour visit to {{store}} is on {{date}}.\n\nSee you there, we look forward to it.\n",
        )
        .unwrap();
        assert_eq!(body.placeholders, ["name", "date", "store"]);
        assert_eq!(
            body.text,
            "Hello {{1}},\nYour visit to {{3}} is on {{2}}.\n\nSee you there, we look forward to it."
        );
    }

    #[test]
    fn what_meta_refuses_is_refused_here() {
        for (source, why) in [
            (
                "{{name}}, your appointment is confirmed, see you soon then.",
                "starts with",
            ),
            (
                "Your appointment is confirmed, see you soon {{name}}.",
                "ends with",
            ),
            (
                "Hello {{name}} {{store}}, your appointment is confirmed today.",
                "no word",
            ),
            (
                "Hello {{name}}, see {{store}} on {{date}} soon.",
                "at least",
            ),
            (
                "Hello {{who}}, your appointment is confirmed.",
                "not a placeholder",
            ),
            (
                "Hello {{name}, your appointment is confirmed.",
                "not closed",
            ),
            (
                "Hello {{name}},\tyour appointment is confirmed, see you soon then.",
                "tab",
            ),
            (
                "Hello {{name}},\n\n\nyour appointment is confirmed, see you soon.",
                "blank line",
            ),
            ("", "empty"),
        ] {
            let err = parse_body(source).unwrap_err();
            assert!(err.contains(why), "{source:?}: {err}");
        }
        let long = format!("Hello {{{{name}}}}, {} done.", "word ".repeat(200));
        assert!(parse_body(&long).unwrap_err().contains("1024"));
    }

    #[test]
    fn parameters_are_one_line_and_capped() {
        assert_eq!(
            parameter("  Jane\n\tDoe  \u{a0} x ", 60).as_deref(),
            Some("Jane Doe x")
        );
        assert_eq!(
            parameter("10\u{a0}h\u{a0}00", 40).as_deref(),
            Some("10 h 00")
        );
        assert_eq!(parameter("abcdef", 4).as_deref(), Some("abc…"));
        assert_eq!(parameter(" \n ", 4), None);
        let spaced = parameter("a          b", 60).unwrap();
        assert!(!spaced.contains("     "));
    }

    #[test]
    fn the_button_suffix_is_the_link_under_the_base_percent_encoded() {
        let base = Url::parse("https://book.booxi.com/").unwrap();
        let link =
            Url::parse("https://book.booxi.com/tracking/8c1f?lang=eng&action=confirm").unwrap();
        assert_eq!(
            url_suffix(&link, &base).as_deref(),
            Some("tracking/8c1f?lang=eng&action=confirm")
        );
        let odd = Url::parse("https://book.booxi.com/t/a:b|c%20d?x=ç").unwrap();
        assert_eq!(
            url_suffix(&odd, &base).as_deref(),
            Some("t/a%3Ab%7Cc%20d?x=%C3%A7")
        );
        let elsewhere = Url::parse("https://other.example/tracking/8c1f").unwrap();
        assert_eq!(url_suffix(&elsewhere, &base), None);
        assert_eq!(url_suffix(&base, &base), None);
    }

    #[test]
    fn the_message_object_is_meta_s_template_message() {
        let m = TemplateMessage {
            name: "booxi_confirmation".into(),
            language: "pt_BR".into(),
            parameters: vec!["Jane".into(), "3 de dezembro".into()],
            button_suffix: Some("tracking/8c1f?lang=por".into()),
        };
        assert_eq!(
            m.to_cloud_api("+15145550123"),
            json!({
                "messaging_product": "whatsapp", "recipient_type": "individual",
                "to": "+15145550123", "type": "template",
                "template": {"name": "booxi_confirmation", "language": {"code": "pt_BR"},
                    "components": [
                        {"type": "body", "parameters": [
                            {"type": "text", "text": "Jane"}, {"type": "text", "text": "3 de dezembro"}]},
                        {"type": "button", "sub_type": "url", "index": "0",
                         "parameters": [{"type": "text", "text": "tracking/8c1f?lang=por"}]}]}
            })
        );
        let bare = TemplateMessage {
            parameters: Vec::new(),
            button_suffix: None,
            ..m
        };
        assert!(
            bare.to_cloud_api("+1")
                .pointer("/template/components")
                .is_none()
        );
    }

    #[test]
    fn the_manifest_reads_and_names_its_mistakes() {
        let m = parse_manifest("[recall]\ncategory = \"MARKETING\"\nbutton = \"none\"\n").unwrap();
        assert_eq!(
            m["recall"],
            Manifest {
                category: Category::Marketing,
                button: Button::None
            }
        );
        assert_eq!(
            parse_manifest("[x]\nbutton = \"call\"\n").unwrap_err(),
            "x.button: `call` is not view, confirm, review or none"
        );
        assert!(parse_manifest("[x]\ncolour = \"red\"\n").is_err());
    }
}
