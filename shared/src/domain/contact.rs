//! Contact data, parsed once at the edge: an [`EmailAddress`] is valid, a
//! [`PhoneNumber`] is E.164, a [`Language`] is one of Booxi's three-letter codes.
//! Past this module nothing re-checks them.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;

use rlibphonenumber::{PHONE_NUMBER_UTIL, PhoneNumberFormat, PhoneNumberUtil, Region};

use super::phone_metadata;
use serde::{Serialize, Serializer};

/// Why a piece of contact data could not be used. Never carries the value itself,
/// so it can be logged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    #[error("email address is not valid")]
    InvalidEmail,
    /// Valid by RFC 5322, but not a plain `local@domain` address we send to.
    #[error("email address not used: {0}")]
    UnusableEmail(&'static str),
    #[error("phone number cannot be made E.164 with country {country}")]
    InvalidPhone { country: String },
}

/// A plain email address: `local@domain`, an ASCII dot-atom local part and a DNS domain
/// name of two labels or more. Quoted local parts, IP literals, comments, encoded words
/// and non-ASCII text are legal in RFC 5322 (or RFC 6531) but are refused: they end up
/// in `To:` headers and `mailto:` links, where they can be read as other addresses.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, ContactError> {
        let trimmed = raw.trim();
        // A display name, spaces or control characters would be a header-injection risk later.
        if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) || trimmed.contains('<') {
            return Err(ContactError::InvalidEmail);
        }
        // Split as the email_address crate splits it: at the last `@` (there is no
        // display name here).
        let plain = trimmed
            .rsplit_once('@')
            .map(|(local, domain)| (domain.contains('.'), plain_address(local, domain)));
        // A plain address (the common case) is one the crate accepts too (a test checks
        // it): taken without the crate's parse.
        if let Some((true, Ok(()))) = plain {
            return Ok(Self(trimmed.to_owned()));
        }
        // Any other is parsed by the crate first, which tells an invalid address from an
        // unusable one.
        email_address::EmailAddress::from_str(trimmed).map_err(|_| ContactError::InvalidEmail)?;
        match plain {
            Some((true, Err(why))) => Err(ContactError::UnusableEmail(why)),
            // No `@`, or no dot in the domain (`a@localhost`): legal, but never a client's.
            _ => Err(ContactError::InvalidEmail),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why `local@domain` is not a plain address, if it is not.
fn plain_address(local: &str, domain: &str) -> Result<(), &'static str> {
    if !local.is_ascii() || !domain.is_ascii() {
        return Err("non-ASCII characters");
    }
    if local.starts_with('"') || local.contains('"') {
        return Err("quoted local part");
    }
    if domain.starts_with('[') {
        return Err("IP address instead of a domain");
    }
    if local.contains("=?") || domain.contains("=?") {
        return Err("encoded word");
    }
    // dot-atom: atext runs separated by single dots (RFC 5322 3.2.3).
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    if local.len() > 64
        || local
            .split('.')
            .any(|atom| atom.is_empty() || !atom.chars().all(atext))
    {
        return Err("local part is not a dot-atom");
    }
    // A DNS name: letters, digits and inner hyphens, labels of 1 to 63, at most 253 in all.
    let label = |l: &str| {
        (1..=63).contains(&l.len())
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let labels: Vec<&str> = domain.split('.').collect();
    let top_level_is_numeric = labels
        .last()
        .is_some_and(|t| t.chars().all(|c| c.is_ascii_digit()));
    if domain.len() > 253
        || labels.len() < 2
        || !labels.iter().all(|l| label(l))
        || top_level_is_numeric
    {
        return Err("domain is not a DNS name");
    }
    Ok(())
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for EmailAddress {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// An ISO 3166-1 alpha-2 country code known to the phone-number metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Country {
    region: Region,
    /// The code, upper case (`Region` only hands out an owned copy of it).
    code: [u8; 2],
}

impl Country {
    /// Accepts `CA`, `ca`, ` us `; anything else (including country names) is `None`.
    pub fn parse(raw: &str) -> Option<Self> {
        let code = raw.trim().to_ascii_uppercase();
        let &[a, b] = code.as_bytes() else {
            return None;
        };
        let region = Region::from_code(&code).ok()?;
        // Any two letters make a `Region`: only those with numbering metadata are countries.
        phone_metadata::has_region(region).then_some(Self {
            region,
            code: [a, b],
        })
    }

    fn of_region(region: Region) -> Option<Self> {
        Self::parse(&region.as_region_str())
    }

    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.code).unwrap_or_default()
    }
}

// Ordered by code, so sets and maps of countries read alphabetically (`CA, US`).
impl PartialOrd for Country {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Country {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.code.cmp(&other.code)
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A phone number in E.164 form (`+15145550123`), valid for its country's numbering plan.
/// Its display forms are made once, when it is parsed, for the templates to show.
#[derive(Debug, Clone)]
pub struct PhoneNumber {
    e164: String,
    /// As dialled within its own country (`(514) 555-0123`) and from abroad
    /// (`+1 514-555-0123`).
    national: String,
    international: String,
    /// The country the number belongs to, when the metadata names one.
    country: Option<Country>,
}

impl PhoneNumber {
    /// Parses a number as people type it (`(514) 555-0123`, `+33 6 12 34 56 78`,
    /// `00 44 …`), reading national numbers in `country`.
    pub fn parse(raw: &str, country: Country) -> Result<Self, ContactError> {
        let invalid = || ContactError::InvalidPhone {
            country: country.code().to_owned(),
        };
        let mut text = raw.trim().to_owned();
        if let Some(rest) = text.strip_prefix("00") {
            text = format!("+{rest}");
        }
        Self::read(&text, Some(country)).ok_or_else(invalid)
    }

    /// A valid number as written (no `00` rewriting), national numbers read in `country`;
    /// `None` when it is not one (a national number without a country included).
    pub fn read(text: &str, country: Option<Country>) -> Option<Self> {
        // The store's and the staff's numbers come back with every event of a store: a
        // warm process reads each once (checking a number is ~0.25 M instructions).
        type Memo = HashMap<(String, Option<Country>), Option<PhoneNumber>>;
        static MEMO: Mutex<Option<Memo>> = Mutex::new(None);
        const MEMO_SIZE: usize = 256;
        let key = (text.to_owned(), country);
        if let Ok(mut memo) = MEMO.lock()
            && let Some(known) = memo.get_or_insert_default().get(&key)
        {
            return known.clone();
        }
        let number = Self::read_uncached(text, country);
        if let Ok(mut memo) = MEMO.lock() {
            let memo = memo.get_or_insert_default();
            if memo.len() >= MEMO_SIZE {
                memo.clear();
            }
            memo.insert(key, number.clone());
        }
        number
    }

    /// Read with the metadata of one calling code (the one an international number
    /// starts with, else `country`'s), else, when that cannot read it, with all of it:
    /// see [`phone_metadata`].
    fn read_uncached(text: &str, country: Option<Country>) -> Option<Self> {
        let part = phone_metadata::util_for_number(text)
            .or_else(|| country.map(|c| phone_metadata::util_for(c.region)));
        part.and_then(|util| Self::read_with(util, text, country))
            .or_else(|| Self::read_with(&PHONE_NUMBER_UTIL, text, country))
    }

    fn read_with(util: &PhoneNumberUtil, text: &str, country: Option<Country>) -> Option<Self> {
        let number = util.parse(text, country.map(|c| c.region)).ok()?;
        // What `is_valid_number` does, without finding the number's region twice (for
        // +1, that tries each North American region's patterns in turn).
        let region = util.get_region_for_number(&number)?;
        if !util.is_valid_number_for_region(&number, region) {
            return None;
        }
        let format = |f| util.format(&number, f).into_owned();
        Some(Self {
            e164: format(PhoneNumberFormat::E164),
            national: format(PhoneNumberFormat::National),
            international: format(PhoneNumberFormat::International),
            country: Country::of_region(region),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.e164
    }

    /// The country the number belongs to (`+1 514…` is CA, `+1 212…` US); `None` for a
    /// number of no country (international freephone `+800`, satellite networks `+881`,
    /// `+882`…).
    pub fn country(&self) -> Option<Country> {
        self.country
    }

    /// The number as people of `store` write it (`(514) 555-0100`) when it belongs to that
    /// country, else in international form (`+33 6 12 34 56 78`).
    pub fn display_for(&self, store: Option<Country>) -> &str {
        if store.is_some() && self.country == store {
            &self.national
        } else {
            &self.international
        }
    }
}

// One number, one identity: the display forms follow from the E.164 form.
impl PartialEq for PhoneNumber {
    fn eq(&self, other: &Self) -> bool {
        self.e164 == other.e164
    }
}

impl Eq for PhoneNumber {}

impl std::hash::Hash for PhoneNumber {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.e164.hash(state);
    }
}

impl PartialOrd for PhoneNumber {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PhoneNumber {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.e164.cmp(&other.e164)
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.e164)
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.e164)
    }
}

/// A language as Booxi writes it: a lower-case three-letter code (`eng`, `fre`, `spa`,
/// `por`, `nld`, `deu`, or any other ISO 639-2 code Booxi sends).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Language(String);

/// The languages messages are written in, as Booxi codes them: client messages in all
/// six (the languages of Booxi's booking widget), staff messages in the first two.
/// The one table of supported languages: templates, dates and parsing follow it.
pub const LANGUAGES: [&str; 6] = ["eng", "fre", "spa", "por", "nld", "deu"];
pub const STAFF_LANGUAGES: &[&str] = LANGUAGES.split_at(2).0;

/// Two-letter, three-letter and alternative codes of [`LANGUAGES`], with the code Booxi
/// uses for each (in the same order).
const LANGUAGE_SPELLINGS: &[(&[&str], &str)] = &[
    (&["en", "eng"], "eng"),
    (&["fr", "fre", "fra"], "fre"),
    (&["es", "spa"], "spa"),
    (&["pt", "por"], "por"),
    (&["nl", "nld", "dut"], "nld"),
    (&["de", "deu", "ger"], "deu"),
];

impl Language {
    pub fn english() -> Self {
        Self("eng".to_owned())
    }

    pub fn french() -> Self {
        Self("fre".to_owned())
    }

    /// `en`, `eng`, `EN`, `en-CA`, `en_US` → `eng`; `fr`, `fra`, `fre`, `fr-CA` → `fre`;
    /// likewise `spa`, `por`, `nld`, `deu`. Another three-letter code is kept as it is
    /// (lower-cased); anything else is not a language.
    pub fn parse(raw: &str) -> Option<Self> {
        let primary = raw
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if let Some((_, code)) = LANGUAGE_SPELLINGS
            .iter()
            .find(|(spellings, _)| spellings.contains(&primary.as_str()))
        {
            return Some(Self((*code).to_owned()));
        }
        (primary.len() == 3 && primary.chars().all(|c| c.is_ascii_lowercase()))
            .then_some(Self(primary))
    }

    pub fn code(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Language {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spellings_follow_the_one_table_of_languages() {
        let codes: Vec<&str> = LANGUAGE_SPELLINGS.iter().map(|(_, code)| *code).collect();
        assert_eq!(codes, LANGUAGES);
        assert_eq!(STAFF_LANGUAGES, ["eng", "fre"]);
    }

    fn ca() -> Country {
        Country::parse("CA").unwrap()
    }

    type Read = (String, String, String, Option<Country>);

    fn read_key(n: &PhoneNumber) -> Read {
        let n = n.clone();
        (n.e164, n.national, n.international, n.country)
    }

    /// A calling code's own utility reads what the whole one reads, and reads it the same:
    /// every region's example numbers of every type, written in E.164, nationally and
    /// internationally, read with the region itself, Canada and France as the store's
    /// country. (A copy of the metadata that no longer matches the crate's fails here.)
    #[test]
    fn a_calling_codes_utility_reads_as_the_whole_one() {
        use rlibphonenumber::PhoneNumberType as T;
        let whole = &*PHONE_NUMBER_UTIL;
        let fr = Country::parse("FR").unwrap();
        let mut utils: HashMap<Country, PhoneNumberUtil> = HashMap::new();
        let (mut read_by_part, mut examples) = (0, 0);
        for region in whole.get_supported_regions() {
            let Some(own) = Country::of_region(region) else {
                continue;
            };
            for t in [
                T::FixedLine,
                T::Mobile,
                T::TollFree,
                T::PremiumRate,
                T::VoIP,
                T::UAN,
            ] {
                let Ok(example) = whole.get_example_number_for_type_and_region(region, t) else {
                    continue;
                };
                examples += 1;
                for f in [
                    PhoneNumberFormat::E164,
                    PhoneNumberFormat::National,
                    PhoneNumberFormat::International,
                ] {
                    let text = whole.format(&example, f).into_owned();
                    for store in [own, ca(), fr] {
                        let by_whole = PhoneNumber::read_with(whole, &text, Some(store));
                        // The store's calling code's utility, and the number's own.
                        for code_of in [store, own] {
                            let util = utils.entry(code_of).or_insert_with(|| {
                                phone_metadata::build_for(code_of.region).unwrap()
                            });
                            let Some(by_part) = PhoneNumber::read_with(util, &text, Some(store))
                            else {
                                continue;
                            };
                            assert_eq!(
                                Some(read_key(&by_part)),
                                by_whole.as_ref().map(read_key),
                                "{text} read in {store} with the metadata of {code_of}"
                            );
                            read_by_part += 1;
                        }
                    }
                    // Without a country (a configured sender number): E.164 only.
                    if f == PhoneNumberFormat::E164 {
                        let by_whole = PhoneNumber::read_with(whole, &text, None);
                        let read = PhoneNumber::read_uncached(&text, None);
                        assert_eq!(
                            read.as_ref().map(read_key),
                            by_whole.as_ref().map(read_key),
                            "{text}"
                        );
                    }
                }
            }
        }
        assert!(examples > 900, "{examples}");
        assert!(read_by_part > 2000, "{read_by_part}");
    }

    /// What the part cannot read, the whole reads: other calling codes, international
    /// prefixes, non-geographic numbers; and what neither reads stays unread.
    #[test]
    fn numbers_of_other_calling_codes_are_read_by_the_whole() {
        let fr = Country::parse("FR").unwrap();
        for (text, store) in [
            ("+33 6 12 34 56 78", ca()),
            ("011 33 6 12 34 56 78", ca()),
            ("00 1 514 555 0123", fr),
            ("+44 20 7946 0958", fr),
            ("+800 1234 5678", ca()),
            ("06 12 34 56 78", fr),
            ("(514) 555-0123", ca()),
            ("514 555", ca()),
            ("+1 999 555 0123", ca()),
            ("not a number", fr),
            ("+", fr),
            ("+0", fr),
            ("+3", fr),
            ("+44", fr),
            ("+33612345678", fr),
            ("+ 33 6 12 34 56 78", ca()),
        ] {
            for country in [Some(store), None] {
                let whole = PhoneNumber::read_with(&PHONE_NUMBER_UTIL, text, country);
                let read = PhoneNumber::read_uncached(text, country);
                assert_eq!(
                    read.as_ref().map(read_key),
                    whole.as_ref().map(read_key),
                    "{text}"
                );
            }
        }
        assert!(PhoneNumber::read_uncached("+33 6 12 34 56 78", Some(ca())).is_some());
        assert!(PhoneNumber::read_uncached("+1 999 555 0123", Some(ca())).is_none());
    }

    #[test]
    fn email_addresses_are_validated() {
        assert_eq!(
            EmailAddress::parse(" jane@example.com ").unwrap().as_str(),
            "jane@example.com"
        );
        for bad in [
            "",
            "jane",
            "jane@",
            "@example.com",
            "jane@example",
            "Jane <jane@example.com>",
            "jane@example.com\r\nBcc: x@y.z",
            "ja ne@example.com",
        ] {
            assert_eq!(
                EmailAddress::parse(bad),
                Err(ContactError::InvalidEmail),
                "{bad:?}"
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: 2000,
            failure_persistence: None,
            ..proptest::test_runner::Config::default()
        })]
        /// Every plain address is one the email_address crate accepts: the fast path of
        /// `EmailAddress::parse` never takes an address the crate refuses.
        #[test]
        fn a_plain_address_is_one_the_crate_accepts(
            local in "[a-zA-Z0-9!#$%&'*+/=?^_`{|}~.\\-]{1,70}",
            domain in "[a-zA-Z0-9.\\-]{1,70}",
        ) {
            if domain.contains('.') && plain_address(&local, &domain).is_ok() {
                let address = format!("{local}@{domain}");
                use std::str::FromStr;
                proptest::prop_assert!(email_address::EmailAddress::from_str(&address).is_ok(), "{}", address);
            }
        }
    }

    #[test]
    fn an_address_is_split_where_the_crate_splits_it() {
        use std::str::FromStr;
        let mut compared = 0;
        for raw in [
            "jane@example.com",
            "\"a@b\"@example.com",
            "\"evil@x.com>\"@y.com",
            "a@b@example.com",
            "x_y-z@sub-domain.example.co.uk",
            "jane@[192.168.0.1]",
            "o'brien@example.ie",
        ] {
            if let Ok(parsed) = email_address::EmailAddress::from_str(raw) {
                assert_eq!(
                    raw.rsplit_once('@'),
                    Some((parsed.local_part(), parsed.domain())),
                    "{raw}"
                );
                compared += 1;
            }
        }
        assert!(compared >= 5, "{compared}");
    }

    #[test]
    fn only_plain_addresses_are_used() {
        for good in [
            "jane.doe+booking@mail.example.com",
            "o'brien@example.ie",
            "x_y-z@sub-domain.example.co.uk",
        ] {
            assert_eq!(EmailAddress::parse(good).unwrap().as_str(), good);
        }
        let cases = [
            (
                "\"evil@x.com>\"@y.com",
                "email address not used: quoted local part",
            ),
            ("\"a,b\"@x.com", "email address not used: quoted local part"),
            (
                "a@[127.0.0.1]",
                "email address not used: IP address instead of a domain",
            ),
            (
                "=?utf-8?q?a?=@x.com",
                "email address not used: encoded word",
            ),
            (
                "a@1.2.3.4",
                "email address not used: domain is not a DNS name",
            ),
            (
                "a@x_y.com",
                "email address not used: domain is not a DNS name",
            ),
            (
                "josé@example.com",
                "email address not used: non-ASCII characters",
            ),
            (
                "a@exämple.com",
                "email address not used: non-ASCII characters",
            ),
        ];
        for (bad, why) in cases {
            let e = EmailAddress::parse(bad).map(|a| a.as_str().to_owned());
            match e {
                Err(e) => assert_eq!(e.to_string(), why, "{bad:?}"),
                // Refused earlier by the RFC parser: refused all the same.
                Ok(a) => panic!("{bad:?} accepted as {a:?}"),
            }
        }
    }

    #[test]
    fn national_numbers_take_the_merchant_country() {
        let n = PhoneNumber::parse("(514) 555-0123", ca()).unwrap();
        assert_eq!(n.as_str(), "+15145550123");
        let fr = Country::parse("fr").unwrap();
        assert_eq!(
            PhoneNumber::parse("06 12 34 56 78", fr).unwrap().as_str(),
            "+33612345678"
        );
    }

    #[test]
    fn international_numbers_keep_their_own_country() {
        assert_eq!(
            PhoneNumber::parse("+33 6 12 34 56 78", ca())
                .unwrap()
                .as_str(),
            "+33612345678"
        );
        assert_eq!(
            PhoneNumber::parse("0033 6 12 34 56 78", ca())
                .unwrap()
                .as_str(),
            "+33612345678"
        );
    }

    #[test]
    fn numbers_that_cannot_be_e164_are_refused() {
        for bad in ["", "123", "not a number", "+1 555", "555-01"] {
            assert!(PhoneNumber::parse(bad, ca()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn languages_normalise_to_booxi_codes() {
        let cases = [
            ("en", "eng"),
            ("eng", "eng"),
            ("en-CA", "eng"),
            ("EN_us", "eng"),
            ("fr", "fre"),
            ("fra", "fre"),
            ("fre", "fre"),
            ("fr-CA", "fre"),
            ("es", "spa"),
            ("spa", "spa"),
            ("pt-BR", "por"),
            ("por", "por"),
            ("nl", "nld"),
            ("dut", "nld"),
            ("de", "deu"),
            ("ger", "deu"),
            ("ita", "ita"),
        ];
        for (raw, code) in cases {
            assert_eq!(Language::parse(raw).unwrap().code(), code, "{raw}");
        }
        for bad in ["", "x", "it", "english", "12e"] {
            assert_eq!(Language::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn countries_are_iso_alpha2() {
        assert_eq!(Country::parse(" us ").unwrap().code(), "US");
        assert_eq!(Country::parse("Canada"), None);
        assert_eq!(Country::parse("ZZ"), None);
    }
}
