//! What a good transactional email offers besides the facts: add-to-calendar links, a
//! map link, the service's description, instructions, price and duration, and the
//! unsubscribe link of promotional messages.

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use crate::domain::booxi::Obj;
use crate::domain::config::Brand;
use crate::domain::contact::Language;
use crate::domain::event::{Booking, Event};

use super::datetime::{booking_span, duration_minutes};
use super::text::{Picked, clean, language_tag};

/// The length given to a calendar entry whose booking says neither its end nor its
/// duration (an entry without an end is a zero-length instant in most calendars).
pub const DEFAULT_MINUTES: i64 = 30;

#[derive(Debug, Clone, Default, Serialize)]
pub struct ServiceDetails {
    /// In the message language only: a description Booxi has only in another language
    /// is left out (it would sit, untranslated, under a translated label).
    pub description: Option<String>,
    /// As Booxi gives them: what to bring or do matters even untranslated, so text in
    /// another language is kept, with that language in `instructions_lang`.
    pub instructions: Option<String>,
    /// The BCP 47 tag (`en`) of `instructions` when they are not in the message language.
    pub instructions_lang: Option<&'static str>,
    /// `$85.00`, `85,00 $`, `R$ 85,00`: the sum of the items' visible prices with their
    /// currency (the Price object's, else the store country's); none without a currency.
    pub price: Option<String>,
    /// The price is a starting price (`isStartingAt`).
    pub price_from: bool,
    /// `45 min`, `1 h 30 min`, `1 Std. 30 Min.`
    pub duration: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CalendarLinks {
    pub google: String,
    pub outlook: String,
}

/// Description and instructions (through `field`, which says their language), price
/// (when `with_price`) and duration of the booking.
pub fn service_details(
    event: &Event,
    field: &impl Fn(&Event, &str) -> Option<Picked>,
    lang: &Language,
    store_country: &str,
    with_price: bool,
) -> ServiceDetails {
    let (price, price_from) = with_price
        .then(|| price(&event.booking, lang, store_country))
        .flatten()
        .unzip();
    let instructions = field(event, "instructions");
    ServiceDetails {
        description: field(event, "description")
            .filter(|p| p.other_language.is_none())
            .map(|p| p.text),
        instructions_lang: instructions
            .as_ref()
            .and_then(|p| p.other_language.as_ref())
            .map(|l| language_tag(l.code())),
        instructions: instructions.map(|p| p.text),
        price,
        price_from: price_from.unwrap_or(false),
        duration: duration_minutes(&event.booking).map(|m| duration_text(m, lang)),
    }
}

fn duration_text(minutes: i64, lang: &Language) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    let (hours, mins) = match lang.code() {
        "deu" => ("Std.", "Min."),
        "nld" => ("uur", "min"),
        _ => ("h", "min"),
    };
    // A number and its unit never part.
    match (h, m) {
        (0, m) => format!("{m}\u{a0}{mins}"),
        (h, 0) => format!("{h}\u{a0}{hours}"),
        (h, m) => format!("{h}\u{a0}{hours} {m}\u{a0}{mins}"),
    }
}

/// The items' visible prices as Booxi wrote them, the currency they name (when every
/// item that names one names the same), and whether any is a starting price. A price
/// marked hidden (`visibility`) is left out.
fn prices(b: &Booking) -> Option<(Vec<String>, Option<String>, bool)> {
    let o = Obj::new(&b.raw)?;
    let mut amounts = Vec::new();
    let mut currency: Option<String> = None;
    let mut from = false;
    for item in o.objs(&["items"]) {
        let Some(p) = item.get(&["price"]) else {
            continue;
        };
        let (amount, cur, starting) = match p {
            Value::Object(_) => {
                let po = Obj::new(p)?;
                let hidden = po.text(&["visibility"]).is_some_and(|v| {
                    let v = v.to_ascii_lowercase();
                    v.contains("hid") || v.contains("private") || v == "none"
                });
                if hidden {
                    continue;
                }
                (
                    amount_text(po.get(&["amount"])?)?,
                    po.text(&["currency"]),
                    po.flag(&["isStartingAt"]).unwrap_or(false),
                )
            }
            other => (amount_text(other)?, None, false),
        };
        if let Some(cur) = cur {
            let cur = cur.trim().to_ascii_uppercase();
            match &currency {
                Some(c) if *c != cur => return None,
                _ => currency = Some(cur),
            }
        }
        amounts.push(amount);
        from |= starting;
    }
    Some((amounts, currency, from))
}

/// The total of the booking's visible prices with its currency, as the language writes
/// money, and whether it is a starting price. None for a free booking (0), a booking
/// without prices, or one whose currency is unknown (a price always shows its currency).
fn price(b: &Booking, lang: &Language, store_country: &str) -> Option<(String, bool)> {
    let (amounts, named, from) = prices(b)?;
    let currency = super::money::currency(named.as_deref(), Some(store_country))?;
    let cents = amounts.iter().try_fold(0_i64, |sum, a| {
        sum.checked_add(super::money::minor_units(a, &currency)?)
    })?;
    if amounts.is_empty() || cents <= 0 {
        return None;
    }
    let money = super::money::Money { cents, currency };
    Some((money.display(lang, Some(store_country)), from))
}

/// A money amount (decimal string or number) as text.
fn amount_text(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.trim().to_owned()),
        _ => None,
    }
}

/// A map search for an address (works on phones and desktops alike).
pub fn map_url(lines: &[String]) -> Option<String> {
    Some(map_search(&clean(&lines.join(", "))?))
}

/// A map search for `query`, the address's lines joined and cleaned as [`map_url`]
/// joins and cleans them.
pub fn map_search(query: &str) -> String {
    // Written as `Url::query_pairs_mut` writes it, without parsing the fixed part.
    link(
        "https://www.google.com/maps/search/",
        &[("api", "1"), ("query", query)],
    )
}

/// `base` (a fixed https link without query) with `pairs` as its query, encoded as
/// `Url::query_pairs_mut` encodes them (application/x-www-form-urlencoded).
fn link(base: &str, pairs: &[(&str, &str)]) -> String {
    let encoded: usize = pairs.iter().map(|(k, v)| k.len() + 3 * v.len() + 2).sum();
    let mut out = String::with_capacity(base.len() + 1 + encoded);
    out.push_str(base);
    out.push('?');
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        form_encode(&mut out, key);
        out.push('=');
        form_encode(&mut out, value);
    }
    out
}

/// Appends `text` form-encoded (application/x-www-form-urlencoded) as
/// `url::form_urlencoded::byte_serialize` encodes it: ASCII letters, digits and `*-._`
/// as they are, a space as `+`, any other byte as `%XX`; the runs kept copied whole.
fn form_encode(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut run = 0;
    for (i, &byte) in text.as_bytes().iter().enumerate() {
        if matches!(byte, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_') {
            continue;
        }
        // A run is ASCII and follows an encoded byte or the start: character boundaries.
        out.push_str(text.get(run..i).unwrap_or_default());
        if byte == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        run = i + 1;
    }
    out.push_str(text.get(run..).unwrap_or_default());
}

/// Add-to-calendar links for Google Calendar and Outlook on the web.
pub fn calendar_links(
    booking: &Booking,
    tz: &jiff::tz::TimeZone,
    service: Option<String>,
    store: Option<String>,
    location: Option<String>,
    details: Option<String>,
) -> Option<CalendarLinks> {
    let (start, end) = booking_span(booking, tz)?;
    let end = end.or_else(|| {
        Timestamp::from_second(start.as_second().checked_add(DEFAULT_MINUTES * 60)?).ok()
    })?;
    let title = match (service, store) {
        (Some(s), Some(st)) => format!("{s} – {st}"),
        (Some(s), None) => s,
        (None, Some(st)) => st,
        (None, None) => String::new(),
    };
    let compact = |t: Timestamp| t.strftime("%Y%m%dT%H%M%SZ").to_string();
    let iso = |t: Timestamp| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let dates = format!("{}/{}", compact(start), compact(end));
    let mut google = vec![("action", "TEMPLATE"), ("text", &title), ("dates", &dates)];
    google.extend(location.as_deref().map(|l| ("location", l)));
    google.extend(details.as_deref().map(|d| ("details", d)));
    let (startdt, enddt) = (iso(start), iso(end));
    let mut outlook = vec![
        ("rru", "addevent"),
        ("subject", &title),
        ("startdt", &startdt),
        ("enddt", &enddt),
    ];
    outlook.extend(location.as_deref().map(|l| ("location", l)));
    outlook.extend(details.as_deref().map(|d| ("body", d)));
    Some(CalendarLinks {
        google: link("https://calendar.google.com/calendar/render", &google),
        outlook: link(
            "https://outlook.live.com/calendar/0/action/compose",
            &outlook,
        ),
    })
}

/// The unsubscribe link of a promotional message: the configured page (`{email}`
/// replaced by the recipient's address, encoded), else a `mailto:` to the store asking
/// to unsubscribe; none without either.
pub fn unsubscribe_url(
    brand: &Brand,
    store_email: Option<&str>,
    to: Option<&str>,
) -> Option<String> {
    if let Some(url) = &brand.unsubscribe_url {
        let mut encoded = String::new();
        form_encode(&mut encoded, to.unwrap_or(""));
        // `{` and `}` are percent-encoded inside a parsed URL.
        let text = url
            .as_str()
            .replace("%7Bemail%7D", &encoded)
            .replace("{email}", &encoded);
        return Some(text);
    }
    let store = store_email?;
    Some(format!("mailto:{store}?subject=unsubscribe"))
}

#[cfg(test)]
mod tests {
    use url::Url;

    use super::*;
    use serde_json::json;

    /// The map link is what the URL parser wrote when it built it.
    #[test]
    fn map_links_read_as_the_url_parser_wrote_them() {
        let parsed = |query: &str| {
            let mut url = Url::parse("https://www.google.com/maps/search/").unwrap();
            url.query_pairs_mut()
                .append_pair("api", "1")
                .append_pair("query", query);
            url.to_string()
        };
        for lines in [
            vec![
                "1 Rue de l'Église".to_owned(),
                "Montréal QC H2X 1Y4".to_owned(),
            ],
            vec!["5 Main St. #2 & 3".to_owned(), "Boston, MA".to_owned()],
            vec!["a+b=c?d/e%f~g*h".to_owned(), "東京都 渋谷区".to_owned()],
        ] {
            let query = clean(&lines.join(", ")).unwrap();
            assert_eq!(map_url(&lines), Some(parsed(&query)), "{lines:?}");
        }
        assert_eq!(map_url(&[]), None);
    }

    /// Every link built from a fixed base reads as the URL parser wrote it.
    #[test]
    fn links_read_as_the_url_parser_wrote_them() {
        let pairs = [
            ("action", "TEMPLATE"),
            ("text", "Coupe – Atelier Lumière"),
            ("dates", "20261201T150000Z/20261201T160000Z"),
            ("details", "Line 1\nLine 2 & <b>3</b> 50% + tax = ?"),
        ];
        for base in [
            "https://calendar.google.com/calendar/render",
            "https://outlook.live.com/calendar/0/action/compose",
        ] {
            let mut url = Url::parse(base).unwrap();
            url.query_pairs_mut().extend_pairs(pairs);
            assert_eq!(link(base, &pairs), url.to_string());
        }
    }

    proptest::proptest! {
        /// The form encoding against the url crate's, on any text.
        #[test]
        fn form_encoding_is_the_url_crates(text in "\\PC{0,24}|[ a-zA-Z0-9*._~!'()+&=%/-]{0,24}") {
            let mut ours = String::new();
            form_encode(&mut ours, &text);
            let theirs: String = url::form_urlencoded::byte_serialize(text.as_bytes()).collect();
            proptest::prop_assert_eq!(ours, theirs);
        }
    }

    fn lang(code: &str) -> Language {
        Language::parse(code).unwrap()
    }

    #[test]
    fn prices_add_up_with_their_currency() {
        let booking = |items: Value| Booking {
            raw: json!({ "items": items }),
            ..Booking::default()
        };
        let shown = |items: Value, lang: &str, country: &str| {
            price(&booking(items), &Language::parse(lang).unwrap(), country)
                .map(|(p, from)| (p.replace('\u{a0}', "~"), from))
        };
        let items = json!([{"price": {"amount": "85.5", "currency": "cad"}}, {"price": 12}]);
        assert_eq!(
            shown(items.clone(), "eng", "CA"),
            Some(("$97.50".into(), false))
        );
        assert_eq!(shown(items, "fre", "FR"), Some(("97,50~CAD".into(), false)));
        let plain = json!([{"price": {"amount": 45, "isStartingAt": true}}]);
        assert_eq!(
            shown(plain.clone(), "deu", "DE"),
            Some(("45,00~€".into(), true))
        );
        assert_eq!(shown(plain, "eng", "ZZ"), None, "no currency, no price");
        let mixed = json!([{"price": {"amount": 1, "currency": "CAD"}}, {"price": {"amount": 1, "currency": "USD"}}]);
        assert_eq!(shown(mixed, "eng", "CA"), None);
        assert_eq!(shown(json!([{"price": "x"}]), "eng", "CA"), None);
        assert_eq!(shown(json!([{"price": 0}]), "eng", "CA"), None);
        let hidden = json!([{"price": {"amount": 10, "visibility": "Hidden"}}]);
        assert_eq!(shown(hidden, "eng", "CA"), None);
    }

    #[test]
    fn durations_read_in_each_language() {
        let shown = |m, l| duration_text(m, &lang(l)).replace('\u{a0}', "~");
        assert_eq!(shown(45, "eng"), "45~min");
        assert_eq!(shown(90, "fre"), "1~h 30~min");
        assert_eq!(shown(90, "deu"), "1~Std. 30~Min.");
        assert_eq!(shown(120, "nld"), "2~uur");
    }

    #[test]
    fn the_unsubscribe_link_names_the_recipient_encoded() {
        let mut brand = Brand::default();
        assert_eq!(
            unsubscribe_url(&brand, Some("store@acme.example"), Some("a@b.c")).as_deref(),
            Some("mailto:store@acme.example?subject=unsubscribe")
        );
        assert_eq!(unsubscribe_url(&brand, None, Some("a@b.c")), None);
        brand.unsubscribe_url = Url::parse("https://acme.example/u?e={email}").ok();
        assert_eq!(
            unsubscribe_url(&brand, None, Some("jane+x@example.com")).as_deref(),
            Some("https://acme.example/u?e=jane%2Bx%40example.com")
        );
    }
}
