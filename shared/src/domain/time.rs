//! Times as Booxi writes them, read the same way everywhere (rules, flows, rendering):
//! RFC 3339 with an offset (`2026-12-03T15:00:00Z`, `…-05:00`) is that instant; a
//! date-time without an offset (`2026-12-03T10:00:00`) is the store's wall clock, read in
//! the store's time zone (`merchant.timeZone`, else the configured `default_time_zone`).

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::Value;

use crate::domain::booxi::Obj;
use crate::domain::event::{Booking, Event};

/// The instant `raw` stands for; a date-time without an offset is read in `tz` (a wall
/// time that falls in a daylight-saving gap or fold is taken as jiff's "compatible"
/// choice: the later instant in a gap, the earlier in a fold). `None` when it is not a
/// time.
pub fn instant(raw: &str, tz: &TimeZone) -> Option<Timestamp> {
    let raw = raw.trim();
    if let Ok(ts) = raw.parse::<Timestamp>() {
        return Some(ts);
    }
    let civil: jiff::civil::DateTime = raw.parse().ok()?;
    tz.to_timestamp(civil).ok()
}

impl Event {
    /// The store's time zone: the merchant's (`merchant.timeZone`) when it names one we
    /// know, else `default` (the configuration's `default_time_zone`).
    pub fn time_zone(&self, default: &TimeZone) -> TimeZone {
        self.merchant
            .time_zone
            .as_deref()
            .and_then(|name| TimeZone::get(name.trim()).ok())
            .unwrap_or_else(|| default.clone())
    }

    /// An instant of this event (its `startsOn`, `createdOn`…), read with the store's
    /// time zone when it has no offset.
    pub fn instant(&self, raw: &str, default: &TimeZone) -> Option<Timestamp> {
        instant(raw, &self.time_zone(default))
    }
}

/// The start of a booking state, and its end when known: `totalClientTimespan.end`
/// when it is after the start, else the start plus the booking's duration. Times
/// without an offset are read in `tz`, the store's time zone.
pub fn booking_span(b: &Booking, tz: &TimeZone) -> Option<(Timestamp, Option<Timestamp>)> {
    let start = instant(b.starts_on.as_deref()?, tz)?;
    let end = b
        .ends_on
        .as_deref()
        .and_then(|t| instant(t, tz))
        .filter(|e| *e > start)
        .or_else(|| {
            let minutes = duration_minutes(b)?;
            Timestamp::from_second(start.as_second().checked_add(minutes.checked_mul(60)?)?).ok()
        });
    Some((start, end.filter(|e| *e > start)))
}

/// `totalClientTimespan.duration`, else the sum of the items' durations, in minutes.
pub fn duration_minutes(b: &Booking) -> Option<i64> {
    let o = Obj::new(&b.raw)?;
    let number = |v: &Value| match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    let total = o
        .obj(&["totalClientTimespan"])
        .and_then(|t| t.get(&["duration"]))
        .and_then(number)
        .filter(|m| *m > 0);
    total.or_else(|| {
        // Checked: a hostile `[i64::MAX, 1]` gives no end time rather than a panic or a wrap.
        let sum = o
            .objs(&["items"])
            .iter()
            .filter_map(|i| i.get(&["duration"]).and_then(number))
            .filter(|m| *m > 0)
            .try_fold(0i64, i64::checked_add)?;
        (sum > 0).then_some(sum)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_without_offset_are_the_stores_wall_clock() {
        let toronto = TimeZone::get("America/Toronto").unwrap();
        let at = |raw: &str, tz: &TimeZone| instant(raw, tz).map(|t| t.to_string());
        assert_eq!(
            at("2026-12-03T10:00:00", &toronto).as_deref(),
            Some("2026-12-03T15:00:00Z")
        );
        assert_eq!(
            at("2026-07-03T10:00:00.000", &toronto).as_deref(),
            Some("2026-07-03T14:00:00Z")
        );
        // With an offset, the offset rules whatever the zone.
        assert_eq!(
            at("2026-12-03T10:00:00+01:00", &toronto).as_deref(),
            Some("2026-12-03T09:00:00Z")
        );
        assert_eq!(at("tomorrow", &toronto), None);
        assert_eq!(
            at("2026-12-03T10:00:00", &TimeZone::UTC).as_deref(),
            Some("2026-12-03T10:00:00Z")
        );
    }
}
