//! `[[flows]]` as written in the configuration file, read and checked once at start into
//! [`crate::domain::flows::Flow`]s.

use std::collections::BTreeSet;

use jiff::SignedDuration;
use serde::Deserialize;

use crate::domain::flows::{Flow, MAX_OFFSET, Timing};
use crate::domain::notification::{FlowChannel, FlowName};
use crate::settings::error::ConfigError;

/// A `[[flows]]` entry as written in the file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FlowFile {
    name: Option<String>,
    before_start: Option<String>,
    after_completed: Option<String>,
    channels: Option<Vec<String>>,
    late_after: Option<String>,
}

/// Checks the file's `[[flows]]`, naming the key of the first mistake (`flows[1].channels`).
pub(crate) fn flows(entries: Vec<FlowFile>) -> Result<Vec<Flow>, ConfigError> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(entries.len());
    for (i, entry) in entries.into_iter().enumerate() {
        let key = |k: &str| format!("flows[{i}].{k}");
        let invalid = |k: &str, message: String| ConfigError::Invalid {
            key: key(k),
            message,
        };
        let name = entry
            .name
            .ok_or_else(|| invalid("name", "required, not set".into()))?;
        let name = FlowName::parse(&name).map_err(|e| invalid("name", e.to_string()))?;
        if !seen.insert(name) {
            return Err(invalid("name", format!("`{name}` is configured twice")));
        }
        let timing = match (entry.before_start, entry.after_completed) {
            (Some(text), None) => {
                Timing::BeforeStart(parse_duration(&text).map_err(|e| invalid("before_start", e))?)
            }
            (None, Some(text)) => Timing::AfterCompleted(
                parse_duration(&text).map_err(|e| invalid("after_completed", e))?,
            ),
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "after_completed",
                    "a flow has before_start or after_completed, not both".into(),
                ));
            }
            (None, None) => {
                return Err(invalid(
                    "before_start",
                    "a flow needs before_start or after_completed (e.g. before_start = \"24h\")"
                        .into(),
                ));
            }
        };
        let channels = match entry.channels {
            None => BTreeSet::from([FlowChannel::Email]),
            Some(list) => {
                let mut set = BTreeSet::new();
                for c in list {
                    set.insert(match c.trim().to_ascii_lowercase().as_str() {
                        "email" => FlowChannel::Email,
                        "sms" => FlowChannel::Sms,
                        "event" => FlowChannel::Event,
                        "whatsapp" => {
                            return Err(invalid(
                                "channels",
                                "`whatsapp` is not a flow channel: a flow goes by WhatsApp when \
                                 [whatsapp] kinds lists its name"
                                    .into(),
                            ));
                        }
                        _ => {
                            return Err(invalid(
                                "channels",
                                format!("`{c}` is not a channel (email, sms, event)"),
                            ));
                        }
                    });
                }
                if set.is_empty() {
                    return Err(invalid(
                        "channels",
                        "lists no channel (email, sms and/or event)".into(),
                    ));
                }
                set
            }
        };
        let late_after = match entry.late_after {
            None => None,
            Some(text) => Some(parse_duration(&text).map_err(|e| invalid("late_after", e))?),
        };
        out.push(Flow {
            name,
            timing,
            channels,
            late_after,
        });
    }
    Ok(out)
}

/// `15m`, `24h`, `2d`, `90s`, `1h30m`, or ISO 8601 (`PT24H`, `P2D`, `P1DT12H`, `P1W`):
/// more than zero, at most [`MAX_OFFSET`].
pub fn parse_duration(text: &str) -> Result<SignedDuration, String> {
    let raw = text.trim();
    let bad = || {
        format!("`{raw}` is not a duration (write e.g. 15m, 24h, 2d, or ISO 8601 such as PT24H)")
    };
    if raw.is_empty() {
        return Err(bad());
    }
    let upper = raw.to_ascii_uppercase();
    let seconds: i64 = if let Some(iso) = upper.strip_prefix('P') {
        let (date, time) = match iso.split_once('T') {
            Some((d, t)) if !t.is_empty() => (d, Some(t)),
            Some(_) => return Err(bad()),
            None => (iso, None),
        };
        let date_units: &[(char, i64)] = &[('W', 7 * 86_400), ('D', 86_400)];
        let time_units: &[(char, i64)] = &[('H', 3600), ('M', 60), ('S', 1)];
        let mut total = sum_units(date, date_units).ok_or_else(bad)?;
        if let Some(t) = time {
            total = total
                .checked_add(sum_units(t, time_units).ok_or_else(bad)?)
                .ok_or_else(bad)?;
        }
        if date.is_empty() && time.is_none() {
            return Err(bad());
        }
        total
    } else {
        let units: &[(char, i64)] = &[('D', 86_400), ('H', 3600), ('M', 60), ('S', 1)];
        sum_units(&upper, units).ok_or_else(bad)?
    };
    let duration = SignedDuration::from_secs(seconds);
    if seconds <= 0 {
        return Err(format!("`{raw}` must be more than zero"));
    }
    if duration > MAX_OFFSET {
        return Err(format!("`{raw}` is more than 366 days"));
    }
    Ok(duration)
}

/// `2D3H` with the given units, each at most once and in the given order; `None` when
/// the text is anything else (an empty text is 0).
fn sum_units(text: &str, units: &[(char, i64)]) -> Option<i64> {
    let mut total: i64 = 0;
    let mut number = String::new();
    let mut next_unit = 0;
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let at = units[next_unit..].iter().position(|(u, _)| *u == c)? + next_unit;
        if number.is_empty() || number.len() > 6 {
            return None;
        }
        let n: i64 = number.parse().ok()?;
        total = total.checked_add(n.checked_mul(units[at].1)?)?;
        number.clear();
        next_unit = at + 1;
    }
    number.is_empty().then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_both_ways() {
        let h = |n| SignedDuration::from_hours(n);
        for (text, want) in [
            ("24h", h(24)),
            ("15m", SignedDuration::from_mins(15)),
            ("2d", h(48)),
            ("90s", SignedDuration::from_secs(90)),
            ("1h30m", SignedDuration::from_mins(90)),
            (" PT24H ", h(24)),
            ("pt15m", SignedDuration::from_mins(15)),
            ("P2D", h(48)),
            ("P1DT12H", h(36)),
            ("P1W", h(168)),
        ] {
            assert_eq!(parse_duration(text), Ok(want), "{text}");
        }
        for bad in [
            "", "24", "h", "24x", "1m1h", "P", "PT", "P1H", "-1h", "1.5h", "24 h",
        ] {
            let e = parse_duration(bad).unwrap_err();
            assert!(e.contains("is not a duration"), "{bad}: {e}");
        }
        assert_eq!(
            parse_duration("0h").unwrap_err(),
            "`0h` must be more than zero"
        );
        assert_eq!(
            parse_duration("400d").unwrap_err(),
            "`400d` is more than 366 days"
        );
    }
}
