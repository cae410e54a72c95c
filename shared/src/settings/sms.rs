//! The `[sms]` table of the configuration file, and the environment variables over its
//! keys, read into [`SmsRules`]: every mistake refused at start with its key named.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::domain::contact::{Country, PhoneNumber};
use crate::domain::notification::Kind;
use crate::domain::sms::{
    MAX_PER_DAY_LIMIT, QuietHours, SenderId, SmsRules, SmsSender, forbids_sender_id,
    parse_max_price,
};
use crate::settings::env::*;
use crate::settings::error::ConfigError;

/// `[sms]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SmsFile {
    quiet_hours: Option<String>,
    quiet_kinds: Option<Vec<String>>,
    countries: Option<Vec<String>>,
    sender_id: Option<String>,
    origination_number: Option<String>,
    senders: Option<BTreeMap<String, SenderFile>>,
    max_per_day: Option<u64>,
    max_price: Option<toml::Value>,
}

/// `[sms.senders.XX]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SenderFile {
    sender_id: Option<String>,
    origination_number: Option<String>,
}

/// Keys of the `[sms]` table, to tell one written at the top level from a misspelt one.
pub(crate) const SMS_KEYS: &[&str] = &[
    "quiet_hours",
    "quiet_kinds",
    "countries",
    "sender_id",
    "origination_number",
    "senders",
    "max_per_day",
    "max_price",
];

/// Reads `[sms]` and the variables over its keys (an empty variable clears the key).
/// `kinds` reads a list of client kinds as `sms_kinds` does; `default_country` reads
/// national origination numbers.
pub(crate) fn sms(
    file: SmsFile,
    env: &impl Fn(&str) -> Option<String>,
    kinds: impl Fn(&str, Vec<String>) -> Result<BTreeSet<Kind>, ConfigError>,
) -> Result<SmsRules, ConfigError> {
    // The environment wins; an empty value clears the setting.
    let pick = |env_key, file_key, from_file| pick(env, env_key, file_key, from_file);
    let mut rules = SmsRules::default();
    if let Some((key, text)) = pick(ENV_SMS_QUIET_HOURS, "sms.quiet_hours", file.quiet_hours) {
        rules.quiet_hours = Some(QuietHours::parse(&text).map_err(|e| invalid(key, e))?);
    }
    let quiet_kinds = match env(ENV_SMS_QUIET_KINDS) {
        Some(text) => Some((ENV_SMS_QUIET_KINDS, split(&text))),
        None => file.quiet_kinds.map(|names| ("sms.quiet_kinds", names)),
    };
    if let Some((key, names)) = quiet_kinds {
        let set = kinds(key, names)?;
        if let Some(staff) = set.iter().find(|k| k.is_staff()) {
            return Err(invalid(
                key,
                format!("`{staff}` is not a client kind (staff messages go by email only)"),
            ));
        }
        rules.quiet_kinds = set;
    }
    let countries = match env(ENV_SMS_COUNTRIES) {
        Some(text) if text.trim().is_empty() => None,
        Some(text) => Some((ENV_SMS_COUNTRIES, split(&text))),
        None => file.countries.map(|names| ("sms.countries", names)),
    };
    if let Some((key, codes)) = countries {
        let mut set = BTreeSet::new();
        for code in &codes {
            set.insert(Country::parse(code).ok_or_else(|| {
                invalid(
                    key,
                    format!("`{code}` is not an ISO 3166-1 alpha-2 country code"),
                )
            })?);
        }
        if set.is_empty() {
            return Err(invalid(
                key,
                "lists no country: to send no SMS at all, set sms_kinds = [] instead",
            ));
        }
        rules.countries = Some(set);
    }
    if let Some((key, text)) = pick(ENV_SMS_SENDER_ID, "sms.sender_id", file.sender_id) {
        rules.sender.sender_id = Some(SenderId::parse(&text).map_err(|e| invalid(key, e))?);
    }
    if let Some((key, text)) = pick(
        ENV_SMS_ORIGINATION_NUMBER,
        "sms.origination_number",
        file.origination_number,
    ) {
        rules.sender.origination_number = Some(origination_number(key, &text)?);
    }
    for (code, table) in file.senders.unwrap_or_default() {
        let key = format!("sms.senders.{code}");
        let country = Country::parse(&code).ok_or_else(|| {
            invalid(
                &key,
                format!("`{code}` is not an ISO 3166-1 alpha-2 country code"),
            )
        })?;
        if rules.senders.contains_key(&country) {
            return Err(invalid(&key, format!("{country} has two tables")));
        }
        let mut sender = SmsSender::default();
        if let Some(text) = table.sender_id {
            let id_key = format!("{key}.sender_id");
            if let Some(name) = forbids_sender_id(country) {
                return Err(invalid(
                    &id_key,
                    format!(
                        "{name} ({country}) does not allow alphanumeric sender IDs: SMS there \
                         come from a number; give its origination_number instead"
                    ),
                ));
            }
            sender.sender_id = Some(SenderId::parse(&text).map_err(|e| invalid(&id_key, e))?);
        }
        if let Some(text) = table.origination_number {
            let number_key = format!("{key}.origination_number");
            // Not checked against the table's country: a toll-free number serves both
            // Canada and the United States, and the numbering plan calls it American.
            let number = origination_number(&number_key, &text)?;
            sender.origination_number = Some(number);
        }
        if sender == SmsSender::default() {
            return Err(invalid(
                &key,
                "give sender_id or origination_number (or both)",
            ));
        }
        if let Some(allowed) = &rules.countries
            && !allowed.contains(&country)
        {
            return Err(invalid(
                &key,
                format!(
                    "{country} is not in [sms] countries, so no SMS goes there: add it to \
                     the list, or remove this table"
                ),
            ));
        }
        rules.senders.insert(country, sender);
    }
    let cap = env(ENV_SMS_MAX_PER_DAY)
        .map(|v| (ENV_SMS_MAX_PER_DAY, v))
        .or(file.max_per_day.map(|n| ("sms.max_per_day", n.to_string())));
    if let Some((key, text)) = cap.filter(|(_, v)| !v.trim().is_empty()) {
        rules.max_per_day = Some(
            text.trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_PER_DAY_LIMIT).contains(n))
                .ok_or_else(|| {
                    invalid(
                        key,
                        format!(
                            "`{}` is not a whole number from 1 to {MAX_PER_DAY_LIMIT}",
                            text.trim()
                        ),
                    )
                })?,
        );
    }
    let price = file.max_price.map(|v| match v {
        toml::Value::String(s) => s,
        other => other.to_string(),
    });
    if let Some((key, text)) = pick(ENV_SMS_MAX_PRICE, "sms.max_price", price) {
        rules.max_price = Some(parse_max_price(&text).map_err(|e| invalid(key, e))?);
    }
    Ok(rules)
}

/// An origination number: E.164 (a leading `+`), valid for its country's numbering plan.
fn origination_number(key: &str, text: &str) -> Result<String, ConfigError> {
    let bad = || invalid(key, "an E.164 number such as +15145550100");
    if !text.trim().starts_with('+') {
        return Err(bad());
    }
    let number = PhoneNumber::read(text.trim(), None).ok_or_else(bad)?;
    Ok(number.as_str().to_owned())
}

/// `a, b ,c` → [a, b, c]; `` or `none` → [].
fn split(text: &str) -> Vec<String> {
    if text.trim().eq_ignore_ascii_case("none") {
        return Vec::new();
    }
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::domain::config::Config;
    use crate::domain::contact::Country;
    use crate::domain::notification::Kind;
    use crate::settings::config::tests::env;

    fn country(code: &str) -> Country {
        Country::parse(code).unwrap()
    }

    fn error(toml: &str) -> String {
        Config::from_toml(toml).unwrap_err().to_string()
    }

    #[test]
    fn by_default_nothing_holds_sms_back() {
        let sms = Config::default().sms;
        assert_eq!(sms.quiet_hours, None);
        assert_eq!(
            sms.quiet_kinds.into_iter().collect::<Vec<_>>(),
            [Kind::Reminder, Kind::Recall]
        );
        assert_eq!(sms.countries, None);
        assert!(sms.senders.is_empty());
        assert_eq!(sms.sender, Default::default());
        assert_eq!((sms.max_per_day, sms.max_price), (None, None));
        assert!(!Config::default().needs_scheduler());
    }

    #[test]
    fn the_sms_table_is_read() {
        let c = Config::from_toml(
            r#"
[sms]
quiet_hours = "21:00-08:00"
quiet_kinds = ["recall"]
countries = ["ca", "US", "FR"]
sender_id = "Atelier"
max_per_day = 200
max_price = 0.5

[sms.senders.CA]
origination_number = "+1 514 555 0100"

[sms.senders.FR]
sender_id = "ACMEOPTICS"
"#,
        )
        .unwrap();
        let sms = &c.sms;
        assert_eq!(sms.quiet_hours.unwrap().to_string(), "21:00-08:00");
        assert_eq!(sms.quiet_kinds.iter().collect::<Vec<_>>(), [&Kind::Recall]);
        assert_eq!(
            sms.countries
                .as_ref()
                .unwrap()
                .iter()
                .map(|c| c.code())
                .collect::<Vec<_>>(),
            ["CA", "FR", "US"]
        );
        assert_eq!(sms.sender.sender_id.as_ref().unwrap().as_str(), "Atelier");
        assert_eq!(
            sms.senders[&country("CA")].origination_number.as_deref(),
            Some("+15145550100")
        );
        assert_eq!(sms.senders[&country("CA")].sender_id, None);
        assert_eq!(
            sms.senders[&country("FR")]
                .sender_id
                .as_ref()
                .unwrap()
                .as_str(),
            "ACMEOPTICS"
        );
        assert_eq!(sms.max_per_day, Some(200));
        assert_eq!(sms.max_price.as_deref(), Some("0.5"));
        // A recall is not an SMS kind by default: nothing for quiet hours to hold back.
        assert!(!c.defers_sms());
        let c = Config::from_toml("sms_kinds = [\"recall\"]\n[sms]\nquiet_hours = \"22:00-07:00\"")
            .unwrap();
        assert!(c.defers_sms() && c.needs_scheduler());
    }

    #[test]
    fn the_environment_overrides_the_table_and_an_empty_value_clears_it() {
        let c = Config::load(
            None,
            env(&[
                ("BOOXI_SMS_QUIET_HOURS", "22:30-07:15"),
                ("BOOXI_SMS_QUIET_KINDS", "reminder, recall, confirmation"),
                ("BOOXI_SMS_COUNTRIES", "CA,US"),
                ("BOOXI_SMS_SENDER_ID", "Lumiere"),
                ("BOOXI_SMS_ORIGINATION_NUMBER", "+15145550100"),
                ("BOOXI_SMS_MAX_PER_DAY", "20"),
                ("BOOXI_SMS_MAX_PRICE", "0.05"),
            ]),
        )
        .unwrap();
        assert_eq!(c.sms.quiet_hours.unwrap().to_string(), "22:30-07:15");
        assert_eq!(c.sms.quiet_kinds.len(), 3);
        assert_eq!(c.sms.countries.as_ref().unwrap().len(), 2);
        assert_eq!(c.sms.sender.sender_id.as_ref().unwrap().as_str(), "Lumiere");
        assert_eq!(
            c.sms.sender.origination_number.as_deref(),
            Some("+15145550100")
        );
        assert_eq!(c.sms.max_per_day, Some(20));
        assert_eq!(c.sms.max_price.as_deref(), Some("0.05"));
        let cleared = Config::load(
            None,
            env(&[
                ("BOOXI_SMS_QUIET_HOURS", ""),
                ("BOOXI_SMS_COUNTRIES", ""),
                ("BOOXI_SMS_MAX_PER_DAY", ""),
                ("BOOXI_SMS_SENDER_ID", " "),
            ]),
        )
        .unwrap();
        assert_eq!(cleared.sms, Config::default().sms);
    }

    #[test]
    fn sender_ids_are_checked_at_start() {
        for bad in [
            "AB",
            "ACME OPTICS",
            "ACME-1",
            "12345",
            "TWELVECHARS1",
            "Lumière",
        ] {
            let e = error(&format!("[sms.senders.FR]\nsender_id = \"{bad}\""));
            assert!(
                e.starts_with("sms.senders.FR.sender_id: `")
                    && e.ends_with(
                        "is not a sender ID: 3 to 11 letters and digits (no spaces or punctuation), at least one letter"
                    ),
                "{bad}: {e}"
            );
        }
        let e = Config::load(None, env(&[("BOOXI_SMS_SENDER_ID", "A1")])).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("BOOXI_SMS_SENDER_ID: `A1` is not a sender ID"),
            "{e}"
        );
        assert!(Config::from_toml("[sms.senders.FR]\nsender_id = \"ACME2026\"").is_ok());
    }

    #[test]
    fn a_sender_id_for_a_country_that_forbids_them_is_refused() {
        assert_eq!(
            error("[sms.senders.US]\nsender_id = \"ACMEOPTICS\""),
            "sms.senders.US.sender_id: the United States (US) does not allow alphanumeric \
             sender IDs: SMS there come from a number; give its origination_number instead"
        );
        assert_eq!(
            error("[sms.senders.ca]\nsender_id = \"ACMEOPTICS\""),
            "sms.senders.ca.sender_id: Canada (CA) does not allow alphanumeric sender IDs: SMS \
             there come from a number; give its origination_number instead"
        );
    }

    #[test]
    fn sms_mistakes_are_named() {
        let cases = [
            (
                "[sms]\nquiet_hours = \"9pm-8am\"",
                "sms.quiet_hours: `9pm-8am` is not a window of the clock such as 21:00-08:00",
            ),
            (
                "[sms]\nquiet_hours = \"08:00-08:00\"",
                "sms.quiet_hours: `08:00-08:00` is an empty window (it starts when it ends)",
            ),
            (
                "[sms]\nquiet_kinds = [\"staff_new_booking\"]",
                "sms.quiet_kinds: `staff_new_booking` is not a client kind (staff messages go by email only)",
            ),
            (
                "[sms]\ncountries = [\"Canada\"]",
                "sms.countries: `Canada` is not an ISO 3166-1 alpha-2 country code",
            ),
            (
                "[sms]\ncountries = []",
                "sms.countries: lists no country: to send no SMS at all, set sms_kinds = [] instead",
            ),
            (
                "[sms]\nmax_per_day = 0",
                "sms.max_per_day: `0` is not a whole number from 1 to 10000",
            ),
            (
                "[sms]\nmax_per_day = 20000",
                "sms.max_per_day: `20000` is not a whole number from 1 to 10000",
            ),
            (
                "[sms]\nmax_price = \"$1\"",
                "sms.max_price: `$1` is not a price in USD such as 0.50 (more than 0, at most 10)",
            ),
            (
                "[sms]\norigination_number = \"5145550100\"",
                "sms.origination_number: an E.164 number such as +15145550100",
            ),
            (
                "[sms.senders.ZZ]\nsender_id = \"ACME\"",
                "sms.senders.ZZ: `ZZ` is not an ISO 3166-1 alpha-2 country code",
            ),
            (
                "[sms.senders.FR]\n",
                "sms.senders.FR: give sender_id or origination_number (or both)",
            ),
            (
                "[sms]\ncountries = [\"CA\"]\n[sms.senders.FR]\nsender_id = \"ACME\"",
                "sms.senders.FR: FR is not in [sms] countries, so no SMS goes there: add it to the list, or remove this table",
            ),
            (
                "[sms.senders.CA]\norigination_number = \"+1555\"",
                "sms.senders.CA.origination_number: an E.164 number such as +15145550100",
            ),
        ];
        for (toml, message) in cases {
            assert_eq!(error(toml), message, "{toml}");
        }
        assert_eq!(
            error("quiet_hours = \"21:00-08:00\""),
            "quiet_hours: belongs in the [sms] table, not at the top level (configuration file <inline>, line 1)"
        );
        assert!(
            error("[sms.senders.FR]\nsenderid = \"ACME\"").contains("unknown field `senderid`")
        );
        let e = Config::load(None, env(&[("BOOXI_SMS_COUNTRIES", "CA,Quebec")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "BOOXI_SMS_COUNTRIES: `Quebec` is not an ISO 3166-1 alpha-2 country code"
        );
    }
}
