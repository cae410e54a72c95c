//! Times as Booxi writes them, read the same way everywhere (rules, flows, rendering):
//! RFC 3339 with an offset (`2026-12-03T15:00:00Z`, `…-05:00`) is that instant; a
//! date-time without an offset (`2026-12-03T10:00:00`) is the store's wall clock, read in
//! the store's time zone (`merchant.timeZone`, else the configured `default_time_zone`).

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::domain::event::Event;

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
