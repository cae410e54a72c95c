//! Dates and times as each language writes them, in the merchant's time zone.
//!
//! Booxi sends instants (`startsOn`, RFC 3339 in UTC); a message shows them as wall-clock
//! time where the store is, so the conversion goes through jiff's time zone database and
//! is right on both sides of a daylight-saving change.

use jiff::Timestamp;
use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use serde::Serialize;

use crate::domain::event::Event;

/// A language whose dates we know how to write. Any other falls back to English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateLanguage {
    English,
    French,
    Spanish,
    Portuguese,
    Dutch,
    German,
}

impl DateLanguage {
    /// From a Booxi three-letter code (`eng`, `fre`, `spa`, `por`, `nld`, `deu`).
    pub fn from_code(code: &str) -> Self {
        match code {
            "fre" => Self::French,
            "spa" => Self::Spanish,
            "por" => Self::Portuguese,
            "nld" => Self::Dutch,
            "deu" => Self::German,
            _ => Self::English,
        }
    }

    fn weekdays(self) -> [&'static str; 7] {
        match self {
            Self::English => [
                "Monday",
                "Tuesday",
                "Wednesday",
                "Thursday",
                "Friday",
                "Saturday",
                "Sunday",
            ],
            Self::French => [
                "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
            ],
            Self::Spanish => [
                "lunes",
                "martes",
                "miércoles",
                "jueves",
                "viernes",
                "sábado",
                "domingo",
            ],
            Self::Portuguese => [
                "segunda-feira",
                "terça-feira",
                "quarta-feira",
                "quinta-feira",
                "sexta-feira",
                "sábado",
                "domingo",
            ],
            Self::Dutch => [
                "maandag",
                "dinsdag",
                "woensdag",
                "donderdag",
                "vrijdag",
                "zaterdag",
                "zondag",
            ],
            Self::German => [
                "Montag",
                "Dienstag",
                "Mittwoch",
                "Donnerstag",
                "Freitag",
                "Samstag",
                "Sonntag",
            ],
        }
    }

    fn short_weekdays(self) -> [&'static str; 7] {
        match self {
            Self::English => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
            Self::French => ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."],
            Self::Spanish => ["lun.", "mar.", "mié.", "jue.", "vie.", "sáb.", "dom."],
            Self::Portuguese => ["seg.", "ter.", "qua.", "qui.", "sex.", "sáb.", "dom."],
            Self::Dutch => ["ma", "di", "wo", "do", "vr", "za", "zo"],
            Self::German => ["Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."],
        }
    }

    // A table (12 month names in 6 languages), not logic: hence its length.
    fn months(self) -> [&'static str; 12] {
        match self {
            Self::English => [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ],
            Self::French => [
                "janvier",
                "février",
                "mars",
                "avril",
                "mai",
                "juin",
                "juillet",
                "août",
                "septembre",
                "octobre",
                "novembre",
                "décembre",
            ],
            Self::Spanish => [
                "enero",
                "febrero",
                "marzo",
                "abril",
                "mayo",
                "junio",
                "julio",
                "agosto",
                "septiembre",
                "octubre",
                "noviembre",
                "diciembre",
            ],
            Self::Portuguese => [
                "janeiro",
                "fevereiro",
                "março",
                "abril",
                "maio",
                "junho",
                "julho",
                "agosto",
                "setembro",
                "outubro",
                "novembro",
                "dezembro",
            ],
            Self::Dutch => [
                "januari",
                "februari",
                "maart",
                "april",
                "mei",
                "juni",
                "juli",
                "augustus",
                "september",
                "oktober",
                "november",
                "december",
            ],
            Self::German => [
                "Januar",
                "Februar",
                "März",
                "April",
                "Mai",
                "Juni",
                "Juli",
                "August",
                "September",
                "Oktober",
                "November",
                "Dezember",
            ],
        }
    }

    fn short_months(self) -> [&'static str; 12] {
        match self {
            Self::English => [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ],
            Self::French => [
                "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
                "nov.", "déc.",
            ],
            Self::Spanish => [
                "ene.", "feb.", "mar.", "abr.", "may.", "jun.", "jul.", "ago.", "sept.", "oct.",
                "nov.", "dic.",
            ],
            Self::Portuguese => [
                "jan.", "fev.", "mar.", "abr.", "mai.", "jun.", "jul.", "ago.", "set.", "out.",
                "nov.", "dez.",
            ],
            Self::Dutch => [
                "jan.", "feb.", "mrt.", "apr.", "mei", "jun.", "jul.", "aug.", "sep.", "okt.",
                "nov.", "dec.",
            ],
            Self::German => [
                "Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.",
                "Nov.", "Dez.",
            ],
        }
    }

    /// The time of day: `10:00 AM`, `10 h 00`, `10:00`, `10:00 Uhr`, with no-break spaces
    /// inside (a line never ends on `10:00` before its `AM`).
    fn time(self, hour: i8, minute: i8) -> String {
        match self {
            Self::English => {
                let (h12, half) = match hour {
                    0 => (12, "AM"),
                    1..=11 => (hour, "AM"),
                    12 => (12, "PM"),
                    _ => (hour - 12, "PM"),
                };
                [&h12.to_string(), ":", &two_digits(minute), "\u{a0}", half].concat()
            }
            Self::French => [&hour.to_string(), "\u{a0}h\u{a0}", &two_digits(minute)].concat(),
            Self::Spanish => [&hour.to_string(), ":", &two_digits(minute)].concat(),
            Self::Portuguese | Self::Dutch => [two_digits(hour), two_digits(minute)].join(":"),
            Self::German => [&two_digits(hour), ":", &two_digits(minute), "\u{a0}Uhr"].concat(),
        }
    }

    /// The word between a date and a time: `at`, `à`, `a las`, `às`, `om`, `um`.
    fn at(self, hour: i8) -> &'static str {
        match self {
            Self::English => "at",
            Self::French => "à",
            Self::Spanish if hour == 1 => "a la",
            Self::Spanish => "a las",
            Self::Portuguese if hour <= 1 => "à",
            Self::Portuguese => "às",
            Self::Dutch => "om",
            Self::German => "um",
        }
    }

    /// `Thursday, December 3, 2026`, `jeudi 3 décembre 2026`, `jueves, 3 de diciembre de
    /// 2026`, `quinta-feira, 3 de dezembro de 2026`, `donderdag 3 december 2026`,
    /// `Donnerstag, 3. Dezember 2026`. The day and its month never part (a no-break
    /// space between them); the first of the month is `1er` in French, `1º` in Portuguese.
    fn date(self, weekday: Weekday, year: i16, month: i8, day: i8) -> String {
        let w = self.weekdays()[weekday_index(weekday)];
        let m = self.months()[month_index(month)];
        let d = self.day(day);
        let year = year.to_string();
        // Put end to end: `format!` costs several times more.
        match self {
            Self::English => [w, ", ", m, "\u{a0}", &d, ", ", &year].concat(),
            Self::French | Self::Dutch => [w, " ", &d, "\u{a0}", m, " ", &year].concat(),
            Self::Spanish | Self::Portuguese => [w, ", ", &d, " de ", m, " de ", &year].concat(),
            Self::German => [w, ", ", &d, ".\u{a0}", m, " ", &year].concat(),
        }
    }

    /// The day of the month as the language writes it in a date.
    fn day(self, day: i8) -> String {
        match (self, day) {
            (Self::French, 1) => "1er".to_owned(),
            (Self::Portuguese, 1) => "1º".to_owned(),
            _ => day.to_string(),
        }
    }

    /// Without the year, abbreviated, for texts: `Thu, Dec 3`, `jeu. 3 déc.`.
    fn short_date(self, weekday: Weekday, month: i8, day: i8) -> String {
        let w = self.short_weekdays()[weekday_index(weekday)];
        let m = self.short_months()[month_index(month)];
        let d = self.day(day);
        match self {
            Self::English => [w, ", ", m, "\u{a0}", &d].concat(),
            Self::French | Self::Dutch | Self::Spanish | Self::Portuguese => {
                [w, " ", &d, "\u{a0}", m].concat()
            }
            Self::German => [w, ", ", &d, ".\u{a0}", m].concat(),
        }
    }

    /// The zone's abbreviation as this language writes it, where it has its own
    /// (`MEZ`/`MESZ` in German, `HNE`/`HAE` in French); else the one given.
    fn zone_name(self, abbreviation: &str) -> String {
        let own = match (self, abbreviation) {
            (Self::German, "CET") => "MEZ",
            (Self::German, "CEST") => "MESZ",
            (Self::German, "WET") => "WEZ",
            (Self::German, "WEST") => "WESZ",
            (Self::German, "EET") => "OEZ",
            (Self::German, "EEST") => "OESZ",
            (Self::Dutch, "CET") => "MET",
            (Self::Dutch, "CEST") => "MEZT",
            (Self::French, "EST") => "HNE",
            (Self::French, "EDT") => "HAE",
            (Self::French, "CST") => "HNC",
            (Self::French, "CDT") => "HAC",
            (Self::French, "MST") => "HNR",
            (Self::French, "MDT") => "HAR",
            (Self::French, "PST") => "HNP",
            (Self::French, "PDT") => "HAP",
            (Self::French, "AST") => "HNA",
            (Self::French, "ADT") => "HAA",
            (Self::French, "NST") => "HNT",
            (Self::French, "NDT") => "HAT",
            (Self::French, "CET") => "HNEC",
            (Self::French, "CEST") => "HAEC",
            (Self::French, "WET") => "HNEO",
            (Self::French, "WEST") => "HAEO",
            _ => abbreviation,
        };
        own.to_owned()
    }
}

fn weekday_index(w: Weekday) -> usize {
    usize::from(w as u8).saturating_sub(1).min(6)
}

fn month_index(m: i8) -> usize {
    usize::try_from(m).unwrap_or(1).clamp(1, 12) - 1
}

/// An instant as a message shows it, every part already written out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct When {
    /// `Thursday, December 3, 2026`
    pub date: String,
    /// `10:00 AM`
    pub time: String,
    /// `Thursday, December 3, 2026 at 10:00 AM`
    pub full: String,
    /// The date with the language's "on": `on Thursday, December 3, 2026`, `le jeudi…`,
    /// `el jueves…`, `na quinta-feira…` / `no sábado…`, `op donderdag…`, `am Donnerstag…`.
    pub on_date: String,
    /// `Thu, Dec 3`
    pub short_date: String,
    /// `Thu, Dec 3 at 10:00 AM`
    pub short: String,
    /// The end time of day (`11:00 AM`), when known.
    pub end_time: Option<String>,
    /// `10:00 AM – 11:00 AM`, or the start time alone.
    pub time_range: String,
    /// The time zone's abbreviation at that instant (`EST`, `CET`, `MEZ` in German), or
    /// its UTC offset.
    pub zone: String,
    /// The range with its zone: `10:00 AM – 11:00 AM (EST)`; across a daylight-saving
    /// change each end with its own: `1:30 AM EDT – 1:30 AM EST`.
    pub zoned_range: String,
    /// The wall-clock date and time, ISO 8601 with offset (`2026-12-03T10:00:00-05:00`).
    pub iso: String,
}

impl When {
    pub fn new(
        start: Timestamp,
        end: Option<Timestamp>,
        tz: &TimeZone,
        lang: DateLanguage,
    ) -> Self {
        let zdt = start.to_zoned_datetime(tz.clone());
        let (hour, minute) = (zdt.hour(), zdt.minute());
        let date = lang.date(zdt.weekday(), zdt.year(), zdt.month(), zdt.day());
        let short_date = lang.short_date(zdt.weekday(), zdt.month(), zdt.day());
        let time = lang.time(hour, minute);
        let at = lang.at(hour);
        let end = end.filter(|e| *e > start);
        let end_time = end.map(|e| {
            let z = e.to_zoned_datetime(tz.clone());
            lang.time(z.hour(), z.minute())
        });
        let zone = lang.zone_name(&zone_label(tz, start));
        let end_zone = end.map(|e| lang.zone_name(&zone_label(tz, e)));
        let time_range = match (&end_time, lang) {
            // `10:00 – 11:00 Uhr`, not `10:00 Uhr – 11:00 Uhr`. The dash stays on the
            // line of the start.
            (Some(end), DateLanguage::German) => {
                [time.trim_end_matches("\u{a0}Uhr"), "\u{a0}– ", end].concat()
            }
            (Some(end), _) => [time.as_str(), "\u{a0}– ", end].concat(),
            (None, _) => time.clone(),
        };
        let zoned_range = match (&end_time, &end_zone) {
            (Some(end_time), Some(end_zone)) if *end_zone != zone => [
                time.as_str(),
                "\u{a0}",
                &zone,
                "\u{a0}– ",
                end_time,
                "\u{a0}",
                end_zone,
            ]
            .concat(),
            _ => [time_range.as_str(), "\u{a0}(", &zone, ")"].concat(),
        };
        let on = match lang {
            DateLanguage::English => "on",
            DateLanguage::French => "le",
            DateLanguage::Spanish => "el",
            DateLanguage::Portuguese
                if matches!(zdt.weekday(), Weekday::Saturday | Weekday::Sunday) =>
            {
                "no"
            }
            DateLanguage::Portuguese => "na",
            DateLanguage::Dutch => "op",
            DateLanguage::German => "am",
        };
        Self {
            // Strings put end to end: `format!`'s machinery costs several times more.
            on_date: [on, " ", &date].concat(),
            full: [date.as_str(), " ", at, " ", &time].concat(),
            short: [short_date.as_str(), " ", at, " ", &time].concat(),
            date,
            short_date,
            time,
            end_time,
            time_range,
            zoned_range,
            zone,
            iso: zdt.datetime().to_string() + &zdt.offset().to_string(),
        }
    }
}

/// `05`, `10`: an hour or a minute in two digits (they are never negative).
fn two_digits(value: i8) -> String {
    let mut out = String::with_capacity(2);
    push_digits(&mut out, value.unsigned_abs().into(), 2);
    out
}

/// Appends `value`'s last `width` decimal digits, zero-padded.
pub(super) fn push_digits(out: &mut String, value: u16, width: u32) {
    for place in (0..width).rev() {
        let digit = (value / 10u16.pow(place)) % 10;
        out.push(char::from(b'0' + digit as u8));
    }
}

/// `EST`, `CEST`; zones whose abbreviation is only a number (`-03`) read as `UTC−03:00`.
fn zone_label(tz: &TimeZone, at: Timestamp) -> String {
    let info = tz.to_offset_info(at);
    let abbreviation = info.abbreviation();
    if abbreviation.chars().all(|c| c.is_ascii_alphabetic()) && !abbreviation.is_empty() {
        abbreviation.to_owned()
    } else {
        format!("UTC{}", info.offset())
    }
}

/// Reads an instant as Booxi writes it: RFC 3339 with an offset (`…Z`); a date-time
/// without one is the store's wall clock, read in `tz` (the store's time zone), as the
/// rules and flows read it ([`crate::domain::time::instant`]).
pub fn parse_instant(raw: &str, tz: &TimeZone) -> Option<Timestamp> {
    crate::domain::time::instant(raw, tz)
}

/// The merchant's time zone when it names one jiff knows, else the configured default.
pub fn time_zone(event: &Event, default: &TimeZone) -> TimeZone {
    event.time_zone(default)
}

/// The start and end of a booking state, and its duration: the domain's, read the same
/// way by the rules, the flows, the events out and the messages.
pub use crate::domain::time::{booking_span, duration_minutes};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::Booking;
    use serde_json::{Value, json};

    #[test]
    fn hostile_durations_give_no_end_time_and_no_panic() {
        let booking = |items: Value| Booking {
            starts_on: Some("2026-12-03T15:00:00Z".into()),
            raw: json!({ "items": items }),
            ..Booking::default()
        };
        for items in [
            json!([{"duration": i64::MAX}, {"duration": 1}]),
            json!([{"duration": i64::MIN}, {"duration": -1}]),
            json!([{"duration": i64::MAX / 60 + 1}]),
            json!([{"duration": -30}]),
            json!([{"duration": 1e300}, {"duration": "9223372036854775807"}, {"duration": "1"}]),
        ] {
            let (_, end) = booking_span(&booking(items.clone()), &TimeZone::UTC).unwrap();
            assert_eq!(end, None, "{items}");
        }
        let (start, end) = booking_span(
            &booking(json!([{"duration": 30}, {"duration": 15}])),
            &TimeZone::UTC,
        )
        .unwrap();
        assert_eq!(end.unwrap().as_second() - start.as_second(), 45 * 60);
    }

    /// A value with its no-break spaces shown as `~`, to compare with expectations.
    fn shown(s: &str) -> String {
        s.replace('\u{a0}', "~")
    }

    fn when(raw: &str, zone: &str, lang: DateLanguage) -> When {
        let tz = TimeZone::get(zone).unwrap();
        When::new(parse_instant(raw, &tz).unwrap(), None, &tz, lang)
    }

    #[test]
    fn the_issue_examples() {
        let en = when(
            "2026-12-03T15:00:00Z",
            "America/Toronto",
            DateLanguage::English,
        );
        assert_eq!(shown(&en.full), "Thursday, December~3, 2026 at 10:00~AM");
        let fr = when(
            "2026-12-03T15:00:00Z",
            "America/Toronto",
            DateLanguage::French,
        );
        assert_eq!(shown(&fr.full), "jeudi 3~décembre 2026 à 10~h~00");
    }

    #[test]
    fn every_language() {
        let cases = [
            (
                DateLanguage::Spanish,
                "jueves, 3 de diciembre de 2026 a las 10:00",
                "jue. 3~dic. a las 10:00",
            ),
            (
                DateLanguage::Portuguese,
                "quinta-feira, 3 de dezembro de 2026 às 10:00",
                "qui. 3~dez. às 10:00",
            ),
            (
                DateLanguage::Dutch,
                "donderdag 3~december 2026 om 10:00",
                "do 3~dec. om 10:00",
            ),
            (
                DateLanguage::German,
                "Donnerstag, 3.~Dezember 2026 um 10:00~Uhr",
                "Do., 3.~Dez. um 10:00~Uhr",
            ),
            (
                DateLanguage::English,
                "Thursday, December~3, 2026 at 10:00~AM",
                "Thu, Dec~3 at 10:00~AM",
            ),
            (
                DateLanguage::French,
                "jeudi 3~décembre 2026 à 10~h~00",
                "jeu. 3~déc. à 10~h~00",
            ),
        ];
        for (lang, full, short) in cases {
            let w = when("2026-12-03T15:00:00Z", "America/Toronto", lang);
            assert_eq!(shown(&w.full), full);
            assert_eq!(shown(&w.short), short);
        }
    }

    #[test]
    fn the_first_of_the_month_in_french_and_ranges_in_german() {
        let fr = when(
            "2026-12-01T15:00:00Z",
            "America/Toronto",
            DateLanguage::French,
        );
        assert_eq!(shown(&fr.full), "mardi 1er~décembre 2026 à 10~h~00");
        assert_eq!(shown(&fr.short), "mar. 1er~déc. à 10~h~00");
        let tz = TimeZone::get("Europe/Berlin").unwrap();
        let w = When::new(
            parse_instant("2026-12-01T09:00:00Z", &TimeZone::UTC).unwrap(),
            parse_instant("2026-12-01T10:30:00Z", &TimeZone::UTC),
            &tz,
            DateLanguage::German,
        );
        assert_eq!(shown(&w.time_range), "10:00~– 11:30~Uhr");
        let pt = When::new(
            parse_instant("2026-12-01T09:00:00Z", &TimeZone::UTC).unwrap(),
            None,
            &tz,
            DateLanguage::Portuguese,
        );
        assert_eq!(
            shown(&pt.full),
            "terça-feira, 1º de dezembro de 2026 às 10:00"
        );
        assert_eq!(shown(&pt.short), "ter. 1º~dez. às 10:00");
    }

    #[test]
    fn portuguese_weekdays_take_their_article() {
        let thu = when(
            "2026-12-03T15:00:00Z",
            "America/Sao_Paulo",
            DateLanguage::Portuguese,
        );
        assert_eq!(thu.on_date, "na quinta-feira, 3 de dezembro de 2026");
        let sat = when(
            "2026-12-05T15:00:00Z",
            "America/Sao_Paulo",
            DateLanguage::Portuguese,
        );
        assert_eq!(sat.on_date, "no sábado, 5 de dezembro de 2026");
    }

    #[test]
    fn twelve_hour_clock_edges() {
        let tz = "UTC";
        assert_eq!(
            shown(&when("2026-01-01T00:05:00Z", tz, DateLanguage::English).time),
            "12:05~AM"
        );
        assert_eq!(
            shown(&when("2026-01-01T12:00:00Z", tz, DateLanguage::English).time),
            "12:00~PM"
        );
        assert_eq!(
            shown(&when("2026-01-01T13:30:00Z", tz, DateLanguage::English).time),
            "1:30~PM"
        );
        assert_eq!(
            shown(&when("2026-01-01T13:30:00Z", tz, DateLanguage::French).time),
            "13~h~30"
        );
        assert_eq!(
            when("2026-01-01T01:30:00Z", tz, DateLanguage::Spanish).full,
            "jueves, 1 de enero de 2026 a la 1:30"
        );
    }

    #[test]
    fn daylight_saving_starts_in_toronto() {
        // 2026-03-08: clocks go from 2:00 EST to 3:00 EDT.
        let before = when(
            "2026-03-08T06:30:00Z",
            "America/Toronto",
            DateLanguage::English,
        );
        assert_eq!(
            (shown(&before.time).as_str(), before.zone.as_str()),
            ("1:30~AM", "EST")
        );
        let after = when(
            "2026-03-08T07:30:00Z",
            "America/Toronto",
            DateLanguage::English,
        );
        assert_eq!(
            (shown(&after.time).as_str(), after.zone.as_str()),
            ("3:30~AM", "EDT")
        );
        // The same wall-clock hour a week apart is a different UTC hour.
        let week_before = when(
            "2026-03-01T15:00:00Z",
            "America/Toronto",
            DateLanguage::English,
        );
        let week_after = when(
            "2026-03-15T14:00:00Z",
            "America/Toronto",
            DateLanguage::English,
        );
        assert_eq!(week_before.time, week_after.time);
        assert_eq!(shown(&week_after.time), "10:00~AM");
    }

    #[test]
    fn daylight_saving_ends_in_paris() {
        // 2026-10-25: 3:00 CEST becomes 2:00 CET; 2:30 happens twice.
        let first = when("2026-10-25T00:30:00Z", "Europe/Paris", DateLanguage::French);
        let second = when("2026-10-25T01:30:00Z", "Europe/Paris", DateLanguage::French);
        assert_eq!(
            (shown(&first.time).as_str(), first.zone.as_str()),
            ("2~h~30", "HAEC")
        );
        assert_eq!(
            (shown(&second.time).as_str(), second.zone.as_str()),
            ("2~h~30", "HNEC")
        );
        assert_eq!(shown(&first.full), "dimanche 25~octobre 2026 à 2~h~30");
    }

    #[test]
    fn a_range_crossing_the_change_shows_each_side_in_its_own_offset() {
        let tz = TimeZone::get("America/Toronto").unwrap();
        let start = parse_instant("2026-11-01T05:30:00Z", &TimeZone::UTC).unwrap(); // 1:30 EDT
        let end = parse_instant("2026-11-01T06:30:00Z", &TimeZone::UTC).unwrap(); // 1:30 EST, an hour later
        let w = When::new(start, Some(end), &tz, DateLanguage::English);
        assert_eq!(shown(&w.time_range), "1:30~AM~– 1:30~AM");
        assert_eq!(shown(&w.zoned_range), "1:30~AM~EDT~– 1:30~AM~EST");
        let fr = When::new(start, Some(end), &tz, DateLanguage::French);
        assert_eq!(shown(&fr.zoned_range), "1~h~30~HAE~– 1~h~30~HNE");
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        let start = parse_instant("2026-10-25T00:30:00Z", &TimeZone::UTC).unwrap(); // 2:30 MESZ
        let end = parse_instant("2026-10-25T01:45:00Z", &TimeZone::UTC).unwrap(); // 2:45 MEZ
        let de = When::new(start, Some(end), &berlin, DateLanguage::German);
        assert_eq!(shown(&de.zoned_range), "02:30~Uhr~MESZ~– 02:45~Uhr~MEZ");
        let same = When::new(start, None, &berlin, DateLanguage::German);
        assert_eq!(shown(&same.zoned_range), "02:30~Uhr~(MESZ)");
        assert_eq!(w.iso, "2026-11-01T01:30:00-04");
    }

    #[test]
    fn numeric_abbreviations_read_as_offsets() {
        let w = when(
            "2026-06-01T15:00:00Z",
            "America/Sao_Paulo",
            DateLanguage::Portuguese,
        );
        assert_eq!(w.zone, "UTC-03");
        assert_eq!(w.time, "12:00");
    }

    #[test]
    fn instants_without_offset_are_the_stores_wall_clock() {
        let paris = TimeZone::get("Europe/Paris").unwrap();
        assert_eq!(
            parse_instant("2026-12-03T15:00:00", &paris).unwrap(),
            parse_instant("2026-12-03T14:00:00Z", &paris).unwrap()
        );
        assert_eq!(parse_instant("tomorrow", &paris), None);
    }
}
