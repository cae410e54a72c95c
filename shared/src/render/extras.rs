//! What a good transactional email offers besides the facts: add-to-calendar links, a
//! map link, the service's description, instructions, price and duration, and the
//! unsubscribe link of promotional messages.

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;
use url::Url;

use crate::domain::booxi::Obj;
use crate::domain::config::Brand;
use crate::domain::contact::Language;
use crate::domain::event::{Booking, Event};

use super::context::{booking_span, clean, duration_minutes};

/// The length given to a calendar entry whose booking says neither its end nor its
/// duration (an entry without an end is a zero-length instant in most calendars).
pub const DEFAULT_MINUTES: i64 = 30;

#[derive(Debug, Clone, Default, Serialize)]
pub struct ServiceDetails {
    pub description: Option<String>,
    pub instructions: Option<String>,
    /// `85.00 CAD`, `85,00 CAD`; the sum of the items' visible prices.
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

/// Description and instructions (in the message language, through `field`), price and
/// duration of the booking.
pub fn service_details(
    event: &Event,
    field: &impl Fn(&Event, &str) -> Option<String>,
    lang: &Language,
) -> ServiceDetails {
    let (price, price_from) = price(&event.booking, lang).unzip();
    ServiceDetails {
        description: field(event, "description"),
        instructions: field(event, "instructions"),
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
    match (h, m) {
        (0, m) => format!("{m} {mins}"),
        (h, 0) => format!("{h} {hours}"),
        (h, m) => format!("{h} {hours} {m} {mins}"),
    }
}

/// The items' prices added up, when every visible one is in the same currency. A
/// price marked hidden (`visibility`) is not shown; a free booking (0) is not either.
fn price(b: &Booking, lang: &Language) -> Option<(String, bool)> {
    let o = Obj::new(&b.raw)?;
    let mut total_cents: i64 = 0;
    let mut currency: Option<String> = None;
    let mut from = false;
    let mut any = false;
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
                let amount = po.get(&["amount"]).and_then(cents)?;
                (
                    amount,
                    po.text(&["currency"]),
                    po.flag(&["isStartingAt"]).unwrap_or(false),
                )
            }
            other => (cents(other)?, None, false),
        };
        if let Some(cur) = cur {
            let cur = cur.trim().to_ascii_uppercase();
            match &currency {
                Some(c) if *c != cur => return None,
                _ => currency = Some(cur),
            }
        }
        total_cents = total_cents.checked_add(amount)?;
        from |= starting;
        any = true;
    }
    if !any || total_cents <= 0 {
        return None;
    }
    let separator = if lang.code() == "eng" { '.' } else { ',' };
    let text = format!("{}{separator}{:02}", total_cents / 100, total_cents % 100);
    let text = match currency {
        Some(c) => format!("{text} {c}"),
        None => text,
    };
    Some((text, from))
}

/// A money amount (decimal string or number) in cents.
fn cents(v: &Value) -> Option<i64> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_owned(),
        _ => return None,
    };
    let (units, fraction) = text.split_once('.').unwrap_or((&text, "0"));
    let units: i64 = units.parse().ok()?;
    let fraction: String = fraction.chars().chain("00".chars()).take(2).collect();
    let fraction: i64 = fraction.parse().ok()?;
    units.checked_mul(100)?.checked_add(fraction)
}

/// A map search for an address (works on phones and desktops alike).
pub fn map_url(lines: &[String]) -> Option<String> {
    let query = clean(&lines.join(", "))?;
    let mut url = Url::parse("https://www.google.com/maps/search/").ok()?;
    url.query_pairs_mut()
        .append_pair("api", "1")
        .append_pair("query", &query);
    Some(url.to_string())
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
    let mut google = Url::parse("https://calendar.google.com/calendar/render").ok()?;
    {
        let mut q = google.query_pairs_mut();
        q.append_pair("action", "TEMPLATE")
            .append_pair("text", &title)
            .append_pair("dates", &format!("{}/{}", compact(start), compact(end)));
        if let Some(l) = &location {
            q.append_pair("location", l);
        }
        if let Some(d) = &details {
            q.append_pair("details", d);
        }
    }
    let mut outlook = Url::parse("https://outlook.live.com/calendar/0/action/compose").ok()?;
    {
        let mut q = outlook.query_pairs_mut();
        q.append_pair("rru", "addevent")
            .append_pair("subject", &title)
            .append_pair("startdt", &iso(start))
            .append_pair("enddt", &iso(end));
        if let Some(l) = &location {
            q.append_pair("location", l);
        }
        if let Some(d) = &details {
            q.append_pair("body", d);
        }
    }
    Some(CalendarLinks {
        google: google.to_string(),
        outlook: outlook.to_string(),
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
        let encoded: String =
            url::form_urlencoded::byte_serialize(to.unwrap_or("").as_bytes()).collect();
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
    use super::*;
    use serde_json::json;

    fn lang(code: &str) -> Language {
        Language::parse(code).unwrap()
    }

    #[test]
    fn amounts_add_up_in_cents() {
        assert_eq!(cents(&json!("85.5")), Some(8550));
        assert_eq!(cents(&json!(12)), Some(1200));
        assert_eq!(cents(&json!("x")), None);
    }

    #[test]
    fn durations_read_in_each_language() {
        assert_eq!(duration_text(45, &lang("eng")), "45 min");
        assert_eq!(duration_text(90, &lang("fre")), "1 h 30 min");
        assert_eq!(duration_text(90, &lang("deu")), "1 Std. 30 Min.");
        assert_eq!(duration_text(120, &lang("nld")), "2 uur");
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
