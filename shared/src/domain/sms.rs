//! SMS sent with care (`[sms]` in the configuration): quiet hours, the countries texts
//! may go to, the sender each country sees, and a daily cap per merchant. Data and pure
//! rules: reading them from the file and the environment is [`crate::settings::sms`]'s
//! job, applying them to a plan [`crate::domain::rules`]'s, counting the cap the core's.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::{AmbiguousOffset, TimeZone};

use crate::domain::contact::{Country, PhoneNumber};
use crate::domain::event::Event;
use crate::domain::notification::Kind;

/// The SMS settings of the rules (`[sms]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsRules {
    /// `quiet_hours = "21:00-08:00"`: no scheduled SMS and no SMS of a [`Self::quiet_kinds`]
    /// kind goes inside this window of the store's wall clock; off when `None`.
    pub quiet_hours: Option<QuietHours>,
    /// Event-driven kinds that wait for the end of the quiet hours (`quiet_kinds`; by
    /// default the reminder and the recall). The others (a confirmation, a move, a
    /// cancel: a change the client must know) go at once.
    pub quiet_kinds: BTreeSet<Kind>,
    /// `countries = ["CA", "US"]`: the countries SMS may go to; `None`: the store's
    /// country and `default_country`.
    pub countries: Option<BTreeSet<Country>>,
    /// The sender of countries without a table of their own (`[sms] sender_id`,
    /// `origination_number`; `BOOXI_SMS_SENDER_ID`, `BOOXI_SMS_ORIGINATION_NUMBER`).
    pub sender: SmsSender,
    /// `[sms.senders.XX]`: the sender numbers of country `XX` see, instead of the default.
    pub senders: BTreeMap<Country, SmsSender>,
    /// `max_per_day`: at most this many SMS per merchant per day of the store's clock.
    pub max_per_day: Option<u32>,
    /// `max_price`: SNS's `AWS.SNS.SMS.MaxPrice`, USD per message, as written (`0.50`).
    pub max_price: Option<String>,
}

/// The kinds that wait out the quiet hours unless the configuration says otherwise: the
/// two a client need not read at once.
pub const DEFAULT_QUIET_KINDS: [Kind; 2] = [Kind::Reminder, Kind::Recall];

/// A daily cap above this would make the day's counter item too large for DynamoDB (it
/// keeps a 16-character fingerprint of each message counted, so a retry never counts
/// twice); far above what one store sends in a day.
pub const MAX_PER_DAY_LIMIT: u32 = 10_000;

impl Default for SmsRules {
    fn default() -> Self {
        Self {
            quiet_hours: None,
            quiet_kinds: DEFAULT_QUIET_KINDS.into_iter().collect(),
            countries: None,
            sender: SmsSender::default(),
            senders: BTreeMap::new(),
            max_per_day: None,
            max_price: None,
        }
    }
}

// ---------------------------------------------------------------- quiet hours

/// A window of the wall clock, `21:00-08:00` (across midnight) or `12:00-14:00`: from
/// its start (included) to its end (excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: Time,
    pub end: Time,
}

impl QuietHours {
    /// `HH:MM-HH:MM` (an en dash works too); start and end differ.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("`{text}` is not a window of the clock such as 21:00-08:00");
        let (start, end) = text.trim().split_once(['-', '–']).ok_or_else(bad)?;
        let time = |t: &str| {
            let (h, m) = t.trim().split_once(':')?;
            let valid = |part: &str| {
                !part.is_empty() && part.len() <= 2 && part.bytes().all(|b| b.is_ascii_digit())
            };
            if !valid(h) || m.len() != 2 || !valid(m) {
                return None;
            }
            Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
        };
        let (start, end) = (time(start).ok_or_else(bad)?, time(end).ok_or_else(bad)?);
        if start == end {
            return Err(format!(
                "`{text}` is an empty window (it starts when it ends)"
            ));
        }
        Ok(Self { start, end })
    }

    /// Whether the wall-clock time `t` is inside the window.
    pub fn contains(&self, t: Time) -> bool {
        if self.start < self.end {
            self.start <= t && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }

    /// When the instant `at` falls inside the window on the wall clock of `tz`: the
    /// instant the window ends (the next time the clock reads its end: a daylight-saving
    /// change is followed, an end that the change skips is read as the time after the
    /// gap). `None` when `at` is outside.
    pub fn end_after(&self, at: Timestamp, tz: &TimeZone) -> Option<Timestamp> {
        let local = tz.to_datetime(at);
        if !self.contains(local.time()) {
            return None;
        }
        let today = local.date();
        let first_day = if self.start < self.end || local.time() < self.end {
            today
        } else {
            today.tomorrow().ok()?
        };
        // The first instant after `at` that the clock reads as the end: on a night the
        // clock falls back, the end may come twice, and the first can be behind `at`.
        let mut day: Date = first_day;
        for _ in 0..2 {
            let end = tz.to_ambiguous_timestamp(day.to_datetime(self.end));
            let candidates = match end.offset() {
                // The clock reads the end twice: the first time after `at`.
                AmbiguousOffset::Fold { .. } => [end.earlier(), end.later()],
                // The clock skips the end: the instant after the gap, as the clock
                // reads it (a skipped 02:30 is read as 03:30).
                _ => [end.compatible(), end.compatible()],
            };
            for candidate in candidates.into_iter().flatten() {
                if candidate > at {
                    return Some(candidate);
                }
            }
            day = day.tomorrow().ok()?;
        }
        None
    }
}

impl fmt::Display for QuietHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}:{:02}-{:02}:{:02}",
            self.start.hour(),
            self.start.minute(),
            self.end.hour(),
            self.end.minute()
        )
    }
}

/// The zone quiet hours are read in: the store's (`merchant.timeZone`, else the
/// configured `default_time_zone`). Booxi's payload gives no client time zone.
pub fn quiet_zone(event: &Event, default: &TimeZone) -> TimeZone {
    event.time_zone(default)
}

/// `21:00-08:00, America/Toronto`: the window and the zone it is read in, for reasons.
pub fn shown_window(window: &QuietHours, tz: &TimeZone) -> String {
    format!("{window}, {}", tz.iana_name().unwrap_or("UTC"))
}

// ---------------------------------------------------------------- countries

/// The countries SMS may go to for this event: the configured list, else the store's
/// country (the merchant's address) and `default_country`. In order, without repeats.
pub fn allowed_countries(
    rules: &SmsRules,
    event: &Event,
    default_country: Country,
) -> BTreeSet<Country> {
    match &rules.countries {
        Some(list) => list.clone(),
        None => event
            .merchant
            .country
            .into_iter()
            .chain([default_country])
            .collect(),
    }
}

/// Whether an SMS may go to `phone`; otherwise why not (no number in the reason).
pub fn country_allowed(
    rules: &SmsRules,
    event: &Event,
    default_country: Country,
    phone: &PhoneNumber,
) -> Result<(), String> {
    let allows = |country: Country| match &rules.countries {
        Some(list) => list.contains(&country),
        None => country == default_country || event.merchant.country == Some(country),
    };
    match phone.country() {
        Some(country) if allows(country) => Ok(()),
        other => {
            let listed = allowed_countries(rules, event, default_country)
                .iter()
                .map(Country::code)
                .collect::<Vec<_>>()
                .join(", ");
            let whence = if rules.countries.is_some() {
                "[sms] countries"
            } else {
                "the store's country and default_country; [sms] countries lists others"
            };
            Err(match other {
                Some(country) => {
                    format!("SMS to {country} numbers is not allowed (allowed: {listed}, {whence})")
                }
                None => format!(
                    "the number belongs to no country (a non-geographic number): SMS is not allowed (allowed: {listed}, {whence})"
                ),
            })
        }
    }
}

// ---------------------------------------------------------------- senders

/// An alphanumeric sender ID (`ACMEOPTICS`): 3 to 11 letters and digits, at least one
/// letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SenderId(String);

impl SenderId {
    pub fn parse(text: &str) -> Result<Self, String> {
        let id = text.trim();
        let ok = (3..=11).contains(&id.len())
            && id.bytes().all(|b| b.is_ascii_alphanumeric())
            && id.bytes().any(|b| b.is_ascii_alphabetic());
        if ok {
            Ok(Self(id.to_owned()))
        } else {
            Err(format!(
                "`{id}` is not a sender ID: 3 to 11 letters and digits (no spaces or \
                 punctuation), at least one letter"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who an SMS comes from: an alphanumeric sender ID and/or an origination number
/// (E.164), each sent only when set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SmsSender {
    pub sender_id: Option<SenderId>,
    pub origination_number: Option<String>,
}

/// Countries where AWS End User Messaging SMS supports no alphanumeric sender ID (its
/// country tables, checked December 2026: North and South America, and China), with
/// the name an error shows. A sender ID configured for one of them is refused at start;
/// the default sender ID is not sent to their numbers. A country missing here may still
/// refuse sender IDs: check AWS's table before configuring one.
pub const NO_SENDER_ID: &[(&str, &str)] = &[
    ("AR", "Argentina"),
    ("AS", "American Samoa"),
    ("BR", "Brazil"),
    ("BS", "the Bahamas"),
    ("CA", "Canada"),
    ("CL", "Chile"),
    ("CN", "China"),
    ("CO", "Colombia"),
    ("CR", "Costa Rica"),
    ("DO", "the Dominican Republic"),
    ("EC", "Ecuador"),
    ("GU", "Guam"),
    ("KY", "the Cayman Islands"),
    ("PE", "Peru"),
    ("PR", "Puerto Rico"),
    ("PY", "Paraguay"),
    ("SV", "El Salvador"),
    ("US", "the United States"),
    ("UY", "Uruguay"),
    ("VE", "Venezuela"),
    ("VI", "the US Virgin Islands"),
];

/// The country's name when it supports no alphanumeric sender ID ([`NO_SENDER_ID`]).
pub fn forbids_sender_id(country: Country) -> Option<&'static str> {
    NO_SENDER_ID
        .iter()
        .find(|(code, _)| *code == country.code())
        .map(|(_, name)| *name)
}

impl SmsRules {
    /// The sender of an SMS to `phone`: its country's `[sms.senders.XX]` table when
    /// there is one (as written: a key it leaves out is not sent), else the default
    /// sender, without its sender ID for a country that supports none.
    pub fn sender_for(&self, phone: &PhoneNumber) -> SmsSender {
        let country = phone.country();
        if let Some(own) = country.and_then(|c| self.senders.get(&c)) {
            return own.clone();
        }
        let mut sender = self.sender.clone();
        if country.is_some_and(|c| forbids_sender_id(c).is_some()) {
            sender.sender_id = None;
        }
        sender
    }
}

/// `0.50`: a price in USD as SNS's `MaxPrice` takes it (digits, at most five decimals),
/// more than zero and at most 10.
pub fn parse_max_price(text: &str) -> Result<String, String> {
    let price = text.trim();
    let bad = || format!("`{price}` is not a price in USD such as 0.50 (more than 0, at most 10)");
    let (whole, fraction) = price.split_once('.').unwrap_or((price, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 5 {
        return Err(bad());
    }
    let value: f64 = price.parse().map_err(|_| bad())?;
    if value <= 0.0 || value > 10.0 {
        return Err(bad());
    }
    Ok(price.to_owned())
}

// ---------------------------------------------------------------- the daily cap

/// Which counter an SMS counts on: the merchant's (its id as the event names it,
/// [`crate::domain::booking::merchant_of`]; `-` for none) and the day of the store's wall clock at `now` (midnight to midnight in the
/// store's time zone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpendDay {
    pub merchant: String,
    pub day: Date,
}

impl SpendDay {
    pub fn of(
        event: &Event,
        default_merchant: Option<&str>,
        tz: &TimeZone,
        now: Timestamp,
    ) -> Self {
        let merchant = crate::domain::booking::merchant_of(event, default_merchant)
            .unwrap_or_else(|| "-".to_owned());
        Self {
            merchant: crate::domain::ids::storage_key(&merchant),
            day: event.time_zone(tz).to_datetime(now).date(),
        }
    }

    /// `2026-12-03`.
    pub fn date(&self) -> String {
        self.day.to_string()
    }

    /// When the day's counter may go: two days after the day's start (UTC, whatever the
    /// store's zone: no day lasts longer).
    pub fn expires(&self) -> Timestamp {
        self.day
            .to_datetime(Time::midnight())
            .to_zoned_datetime(TimeZone::UTC)
            .map(|z| z.timestamp())
            .unwrap_or(Timestamp::UNIX_EPOCH)
            .checked_add(jiff::SignedDuration::from_hours(72))
            .unwrap_or(Timestamp::MAX)
    }
}

/// Why an SMS is skipped over the cap (no number, no name).
pub fn over_cap_reason(cap: u32, day: &SpendDay) -> String {
    format!(
        "over the daily SMS cap: {cap} SMS already counted for this merchant on {} (max_per_day); the day ends at midnight, store time",
        day.date()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn windows_read_and_print() {
        let w = QuietHours::parse("21:00-08:00").unwrap();
        assert_eq!(w.to_string(), "21:00-08:00");
        assert_eq!(
            QuietHours::parse(" 9:30 – 12:00 ").unwrap().to_string(),
            "09:30-12:00"
        );
        for bad in [
            "",
            "21:00",
            "21-08",
            "25:00-08:00",
            "21:00-08:60",
            "21:00-21:00",
            "ab:cd-08:00",
        ] {
            assert!(QuietHours::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_end_of_the_window_follows_the_clock() {
        let w = QuietHours::parse("21:00-08:00").unwrap();
        let toronto = TimeZone::get("America/Toronto").unwrap();
        // 23:30 EST → 08:00 EST next day.
        assert_eq!(
            w.end_after(at("2026-12-04T04:30:00Z"), &toronto),
            Some(at("2026-12-04T13:00:00Z"))
        );
        // 07:59:59 → 08:00 the same day; 08:00 and 20:59:59 are outside; 21:00 inside.
        assert_eq!(
            w.end_after(at("2026-12-04T12:59:59Z"), &toronto),
            Some(at("2026-12-04T13:00:00Z"))
        );
        assert_eq!(w.end_after(at("2026-12-04T13:00:00Z"), &toronto), None);
        assert_eq!(w.end_after(at("2026-12-05T01:59:59Z"), &toronto), None);
        assert_eq!(
            w.end_after(at("2026-12-05T02:00:00Z"), &toronto),
            Some(at("2026-12-05T13:00:00Z"))
        );
    }
}
