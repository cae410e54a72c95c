//! Calendar invites (RFC 5545, with the iTIP methods of RFC 5546): one VEVENT per
//! booking, its UID stable across messages so a calendar updates the same entry.

use jiff::Timestamp;
use serde::Serialize;

use super::datetime::push_digits;

/// What the invite asks of the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// Add or update the event (`confirmation`, `changed`).
    Request,
    /// Remove the event (cancellations).
    Cancel,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

/// Where SEQUENCE numbers of cancellations start: every REQUEST is below (seconds since
/// 2020 reach it in 2054), every CANCEL at or above, so a cancellation is applied however
/// old the timestamps of its event are.
pub const CANCEL_SEQUENCES: i64 = 1 << 30;

/// The SEQUENCE of an invite (RFC 5546: a calendar applies an update only when it is
/// higher than the one it has), without stored state: the seconds from 2020-01-01 UTC
/// to the booking's latest known change (`latest`), in the band of its method; and, when
/// the core remembers the last SEQUENCE it sent for the booking, one more than that at
/// least. Always within the 32-bit range calendars use.
pub fn sequence(method: Method, latest: Option<Timestamp>, last_sent: Option<i64>) -> i64 {
    const EPOCH_2020: i64 = 1_577_836_800;
    let seconds = latest
        .map(|t| (t.as_second() - EPOCH_2020).clamp(0, CANCEL_SEQUENCES - 1))
        .unwrap_or(0);
    let derived = match method {
        Method::Request => seconds,
        Method::Cancel => CANCEL_SEQUENCES + seconds,
    };
    let floor = last_sent.map_or(0, |last| last.saturating_add(1));
    derived.max(floor).clamp(0, i64::from(i32::MAX))
}

/// A rendered `.ics` file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ics {
    pub method: Method,
    pub uid: String,
    pub sequence: i64,
    /// The whole file, CRLF line endings, folded at 75 octets.
    pub content: String,
}

/// Someone named in the invite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarAddress {
    pub name: Option<String>,
    pub email: String,
}

/// Everything an invite says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    pub method: Method,
    pub uid: String,
    pub sequence: i64,
    pub stamp: Timestamp,
    pub start: Timestamp,
    pub end: Option<Timestamp>,
    pub summary: String,
    pub location: Option<String>,
    pub description: Option<String>,
    pub url: Option<String>,
    pub organizer: Option<CalendarAddress>,
    pub attendee: Option<CalendarAddress>,
}

impl Invite {
    pub fn to_ics(&self) -> Ics {
        let mut content = String::with_capacity(1024);
        // Each line's parts put end to end, then folded (`format!` costs several times
        // more, and this runs for every invite).
        let mut put = |parts: &[&str]| fold(&parts.concat(), &mut content);
        put(&["BEGIN:VCALENDAR"]);
        put(&["VERSION:2.0"]);
        put(&["PRODID:-//booxi-notify//Booxi notifications//EN"]);
        put(&["CALSCALE:GREGORIAN"]);
        put(&["METHOD:", self.method.name()]);
        put(&["BEGIN:VEVENT"]);
        put(&["UID:", &text(&self.uid)]);
        put(&["SEQUENCE:", &self.sequence.to_string()]);
        put(&["DTSTAMP:", &utc(self.stamp)]);
        put(&["DTSTART:", &utc(self.start)]);
        if let Some(end) = self.end.filter(|e| *e > self.start) {
            put(&["DTEND:", &utc(end)]);
        }
        put(&["SUMMARY:", &text(&self.summary)]);
        if let Some(location) = &self.location {
            put(&["LOCATION:", &text(location)]);
        }
        if let Some(description) = &self.description {
            put(&["DESCRIPTION:", &text(description)]);
        }
        if let Some(url) = &self.url {
            put(&["URL:", &uri(url)]);
        }
        if let Some(organizer) = &self.organizer {
            put(&[
                "ORGANIZER",
                &cn(organizer),
                ":mailto:",
                &uri(&organizer.email),
            ]);
        }
        if let Some(attendee) = &self.attendee {
            put(&[
                "ATTENDEE",
                &cn(attendee),
                ";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE:mailto:",
                &uri(&attendee.email),
            ]);
        }
        put(&[
            "STATUS:",
            match self.method {
                Method::Request => "CONFIRMED",
                Method::Cancel => "CANCELLED",
            },
        ]);
        put(&["TRANSP:OPAQUE"]);
        put(&["END:VEVENT"]);
        put(&["END:VCALENDAR"]);
        Ics {
            method: self.method,
            uid: self.uid.clone(),
            sequence: self.sequence,
            content,
        }
    }
}

/// `20261203T150000Z`: its digits written directly; a year before 0 (never a booking's;
/// jiff's years end at 9999) as `strftime` writes it.
fn utc(ts: Timestamp) -> String {
    let at = jiff::tz::Offset::UTC.to_datetime(ts);
    let Ok(year) = u16::try_from(at.year()) else {
        return ts.strftime(UTC_FORMAT).to_string();
    };
    let mut out = String::with_capacity(16);
    // Month, day, hour, minute and second are never negative.
    let two = |v: i8| u16::try_from(v).unwrap_or_default();
    push_digits(&mut out, year, 4);
    push_digits(&mut out, two(at.month()), 2);
    push_digits(&mut out, two(at.day()), 2);
    out.push('T');
    push_digits(&mut out, two(at.hour()), 2);
    push_digits(&mut out, two(at.minute()), 2);
    push_digits(&mut out, two(at.second()), 2);
    out.push('Z');
    out
}

const UTC_FORMAT: &str = "%Y%m%dT%H%M%SZ";

/// A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines escaped;
/// other control characters dropped.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let normalised = value.replace("\r\n", "\n").replace('\r', "\n");
    for c in normalised.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A URI value: no control characters or spaces can break the line.
fn uri(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_control() && !c.is_whitespace())
        .collect()
}

/// `;CN="Name"`: a quoted parameter value cannot hold a double quote or a control.
fn cn(address: &CalendarAddress) -> String {
    match &address.name {
        Some(name) => {
            let clean: String = name
                .chars()
                .filter(|c| !c.is_control() && *c != '"')
                .collect();
            let clean = clean.trim();
            if clean.is_empty() {
                String::new()
            } else {
                format!(";CN=\"{clean}\"")
            }
        }
        None => String::new(),
    }
}

/// Writes one content line folded at 75 octets (never inside a UTF-8 character).
fn fold(line: &str, out: &mut String) {
    if line.is_ascii() {
        // Every byte a character: 75 on the first line, 74 after each fold's space.
        let mut rest = line;
        let mut room = 75;
        while rest.len() > room {
            out.push_str(&rest[..room]);
            out.push_str("\r\n ");
            rest = &rest[room..];
            room = 74;
        }
        out.push_str(rest);
        out.push_str("\r\n");
        return;
    }
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_writes_what_strftime_writes() {
        for at in [
            "2026-12-03T15:00:00Z",
            "2024-02-29T23:59:59Z",
            "2000-01-01T00:00:00Z",
            "1970-01-01T00:00:00Z",
            "0999-07-04T09:05:03Z",
            "9999-12-30T00:00:00Z",
            "2026-03-08T07:30:00.987Z",
        ] {
            let at = ts(at);
            assert_eq!(utc(at), at.strftime(UTC_FORMAT).to_string(), "{at}");
        }
        // From year -9977 (written by strftime) to 9987.
        for seconds in (-377_000_000_000_i64..253_000_000_000).step_by(7_919_999_993) {
            let at = Timestamp::from_second(seconds).unwrap();
            assert_eq!(utc(at), at.strftime(UTC_FORMAT).to_string(), "{at}");
        }
    }

    #[test]
    fn an_ascii_line_folds_where_a_character_line_does() {
        // The character-by-character fold, for any line.
        let by_character = |line: &str| {
            let mut out = String::new();
            let mut width = 0;
            for c in line.chars() {
                if width + c.len_utf8() > 75 {
                    out.push_str("\r\n ");
                    width = 1;
                }
                out.push(c);
                width += c.len_utf8();
            }
            out + "\r\n"
        };
        for len in [0, 1, 74, 75, 76, 148, 149, 150, 223, 224, 300] {
            let line = "x".repeat(len);
            let mut out = String::new();
            fold(&line, &mut out);
            assert_eq!(out, by_character(&line), "{len}");
        }
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn invite(method: Method) -> Invite {
        Invite {
            method,
            uid: "booking-778812@booxi-notify".into(),
            sequence: 3,
            stamp: ts("2026-11-20T12:00:00Z"),
            start: ts("2026-12-03T15:00:00Z"),
            end: Some(ts("2026-12-03T16:00:00Z")),
            summary: "Eye exam, Acme; \"Downtown\"".into(),
            location: Some("123 Main St\nMontréal".into()),
            description: None,
            url: Some("https://booking.booxi.com/track/abc?lang=eng".into()),
            organizer: Some(CalendarAddress {
                name: Some("Acme \"Optics\"".into()),
                email: "hello@acme.example".into(),
            }),
            attendee: Some(CalendarAddress {
                name: Some("Jane Doe".into()),
                email: "jane@example.com".into(),
            }),
        }
    }

    #[test]
    fn a_request_has_the_required_properties() {
        let ics = invite(Method::Request).to_ics().content;
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        for line in [
            "METHOD:REQUEST",
            "UID:booking-778812@booxi-notify",
            "SEQUENCE:3",
            "DTSTAMP:20261120T120000Z",
            "DTSTART:20261203T150000Z",
            "DTEND:20261203T160000Z",
            "SUMMARY:Eye exam\\, Acme\\; \"Downtown\"",
            "LOCATION:123 Main St\\nMontréal",
            "STATUS:CONFIRMED",
            "ORGANIZER;CN=\"Acme Optics\":mailto:hello@acme.example",
        ] {
            assert!(
                ics.contains(&format!("\r\n{line}\r\n")),
                "{line} missing in\n{ics}"
            );
        }
        assert!(ics.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
        assert!(!ics.replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn sequence_grows_with_time_and_stays_in_range() {
        let at = |s: &str| s.parse().ok();
        let a = sequence(Method::Request, at("2026-11-20T12:00:00Z"), None);
        let b = sequence(Method::Request, at("2026-11-20T12:00:01Z"), None);
        assert!(b > a && a > 0);
        assert_eq!(sequence(Method::Request, None, None), 0);
        assert_eq!(
            sequence(Method::Request, at("2019-01-01T00:00:00Z"), None),
            0
        );
        assert_eq!(
            sequence(Method::Request, at("2100-01-01T00:00:00Z"), None),
            CANCEL_SEQUENCES - 1
        );
        assert_eq!(
            sequence(Method::Cancel, at("2100-01-01T00:00:00Z"), None),
            2 * CANCEL_SEQUENCES - 1
        );
        assert_eq!(
            sequence(Method::Request, None, Some(i64::MAX)),
            i64::from(i32::MAX)
        );
        assert_eq!(sequence(Method::Request, None, Some(-7)), 0);
    }

    #[test]
    fn a_cancel_outranks_any_request_and_a_floor_any_timestamp() {
        let at = |s: &str| s.parse().ok();
        let late_request = sequence(Method::Request, at("2053-12-31T00:00:00Z"), None);
        let old_cancel = sequence(Method::Cancel, at("2020-01-01T00:00:00Z"), None);
        assert!(old_cancel > late_request);
        assert!(sequence(Method::Cancel, None, None) > late_request);
        // What the core remembers wins over older timestamps, and is never lowered.
        let sent = sequence(Method::Request, at("2026-11-22T00:00:00Z"), None);
        let older = sequence(Method::Request, at("2026-11-21T00:00:00Z"), Some(sent));
        assert_eq!(older, sent + 1);
        let newer = sequence(Method::Request, at("2026-11-23T00:00:00Z"), Some(sent));
        assert!(newer > sent + 1);
        // A booking reinstated after a cancellation: only a kept floor can say so.
        let cancel = sequence(Method::Cancel, at("2026-11-24T00:00:00Z"), None);
        assert!(sequence(Method::Request, at("2026-11-25T00:00:00Z"), Some(cancel)) > cancel);
    }

    #[test]
    fn a_cancel_keeps_the_uid() {
        let ics = invite(Method::Cancel).to_ics();
        assert_eq!(ics.uid, invite(Method::Request).to_ics().uid);
        assert!(ics.content.contains("\r\nMETHOD:CANCEL\r\n"));
        assert!(ics.content.contains("\r\nSTATUS:CANCELLED\r\n"));
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let mut i = invite(Method::Request);
        i.summary = "é".repeat(100);
        let ics = i.to_ics().content;
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{line:?}");
        }
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{}", "é".repeat(100))));
    }
}
