//! Calendar invites (RFC 5545, with the iTIP methods of RFC 5546): one VEVENT per
//! booking, its UID stable across messages so a calendar updates the same entry.

use jiff::Timestamp;
use serde::Serialize;

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
        let mut lines: Vec<String> = vec![
            "BEGIN:VCALENDAR".into(),
            "VERSION:2.0".into(),
            "PRODID:-//booxi-notify//Booxi notifications//EN".into(),
            "CALSCALE:GREGORIAN".into(),
            format!("METHOD:{}", self.method.name()),
            "BEGIN:VEVENT".into(),
            format!("UID:{}", text(&self.uid)),
            format!("SEQUENCE:{}", self.sequence),
            format!("DTSTAMP:{}", utc(self.stamp)),
            format!("DTSTART:{}", utc(self.start)),
        ];
        if let Some(end) = self.end.filter(|e| *e > self.start) {
            lines.push(format!("DTEND:{}", utc(end)));
        }
        lines.push(format!("SUMMARY:{}", text(&self.summary)));
        if let Some(location) = &self.location {
            lines.push(format!("LOCATION:{}", text(location)));
        }
        if let Some(description) = &self.description {
            lines.push(format!("DESCRIPTION:{}", text(description)));
        }
        if let Some(url) = &self.url {
            lines.push(format!("URL:{}", uri(url)));
        }
        if let Some(organizer) = &self.organizer {
            lines.push(format!(
                "ORGANIZER{}:mailto:{}",
                cn(organizer),
                uri(&organizer.email)
            ));
        }
        if let Some(attendee) = &self.attendee {
            lines.push(format!(
                "ATTENDEE{};ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE:mailto:{}",
                cn(attendee),
                uri(&attendee.email)
            ));
        }
        let status = match self.method {
            Method::Request => "CONFIRMED",
            Method::Cancel => "CANCELLED",
        };
        lines.push(format!("STATUS:{status}"));
        lines.push("TRANSP:OPAQUE".into());
        lines.push("END:VEVENT".into());
        lines.push("END:VCALENDAR".into());
        let mut content = String::new();
        for line in lines {
            fold(&line, &mut content);
        }
        Ics {
            method: self.method,
            uid: self.uid.clone(),
            sequence: self.sequence,
            content,
        }
    }
}

/// `20261203T150000Z`
fn utc(ts: Timestamp) -> String {
    ts.strftime("%Y%m%dT%H%M%SZ").to_string()
}

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
