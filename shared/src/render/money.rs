//! Amounts of money as a reader of each language expects them: `$45.00` in English,
//! `45,00 $` in French, `R$ 45,00` in Brazilian Portuguese, `45,00 €` in German. A price
//! always shows its currency: Booxi's Price object names it (`currency`), else the
//! store's country gives it; with neither, no amount is shown.

use crate::domain::contact::Language;

/// An amount in minor units (cents) of a currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    pub cents: i64,
    /// ISO 4217, upper case (`CAD`).
    pub currency: String,
}

/// The currency of a country (ISO 3166-1 alpha-2), for the countries Booxi's merchants
/// are in and their neighbours; `None` for any other.
pub fn currency_of(country: &str) -> Option<&'static str> {
    let code = country.trim().to_ascii_uppercase();
    Some(match code.as_str() {
        "CA" => "CAD",
        "US" | "PR" | "EC" | "SV" | "PA" => "USD",
        "MX" => "MXN",
        "FR" | "BE" | "LU" | "DE" | "AT" | "NL" | "ES" | "PT" | "IT" | "IE" | "FI" | "GR"
        | "SK" | "SI" | "EE" | "LV" | "LT" | "MT" | "CY" | "HR" | "BG" | "MC" | "SM" | "VA"
        | "AD" | "GP" | "MQ" | "GF" | "RE" | "YT" | "PM" => "EUR",
        "GB" => "GBP",
        "CH" | "LI" => "CHF",
        "BR" => "BRL",
        "AU" => "AUD",
        "NZ" => "NZD",
        "SE" => "SEK",
        "NO" => "NOK",
        "DK" => "DKK",
        "PL" => "PLN",
        "CZ" => "CZK",
        "HU" => "HUF",
        "RO" => "RON",
        "JP" => "JPY",
        "SG" => "SGD",
        "HK" => "HKD",
        "ZA" => "ZAR",
        "AR" => "ARS",
        "CL" => "CLP",
        "CO" => "COP",
        "PE" => "PEN",
        "UY" => "UYU",
        "AE" => "AED",
        "MA" => "MAD",
        "TN" => "TND",
        "SN" | "CI" | "BJ" | "BF" | "ML" | "NE" | "TG" => "XOF",
        "CM" | "GA" | "CG" | "TD" | "CF" | "GQ" => "XAF",
        _ => return None,
    })
}

/// Currencies without minor units.
fn decimals(currency: &str) -> u32 {
    match currency {
        "JPY" | "KRW" | "CLP" | "XOF" | "XAF" | "PYG" | "ISK" | "VND" => 0,
        _ => 2,
    }
}

/// A money amount (decimal string or number, as Booxi writes it) in minor units of
/// `currency`: `"85.5"` → 8550. `None` for anything else, or past `i64`.
pub fn minor_units(text: &str, currency: &str) -> Option<i64> {
    let text = text.trim();
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (units, fraction) = text.split_once('.').unwrap_or((text, ""));
    if units.is_empty() && fraction.is_empty() {
        return None;
    }
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(units) || !all_digits(fraction) {
        return None;
    }
    let places = decimals(currency) as usize;
    let units: i64 = if units.is_empty() {
        0
    } else {
        units.parse().ok()?
    };
    let fraction: String = fraction.chars().chain("00".chars()).take(places).collect();
    let fraction: i64 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().ok()?
    };
    let value = units
        .checked_mul(10_i64.checked_pow(places as u32)?)?
        .checked_add(fraction)?;
    Some(if negative { -value } else { value })
}

/// How a language (and, where it changes things, the store's country) writes money.
struct Style {
    decimal: char,
    group: char,
    /// The symbol before the amount (`$45.00`, `R$ 45,00`), else after it (`45,00 €`).
    symbol_first: bool,
    /// A no-break space between symbol and amount.
    spaced: bool,
}

fn style(lang: &Language, country: Option<&str>) -> Style {
    let country = country.map(str::to_ascii_uppercase);
    let in_country = |list: &[&str]| country.as_deref().is_some_and(|c| list.contains(&c));
    let (decimal, group, symbol_first, spaced) = match lang.code() {
        "fre" if in_country(&["CH", "LI"]) => ('.', '\u{202f}', false, true),
        "fre" => (',', '\u{202f}', false, true),
        "deu" if in_country(&["CH", "LI"]) => ('.', '’', true, true),
        "deu" if in_country(&["AT"]) => (',', '.', true, true),
        "deu" => (',', '.', false, true),
        "spa" if in_country(&["MX", "US", "PR", "DO", "GT", "PA", "SV", "HN", "NI"]) => {
            ('.', ',', true, false)
        }
        "spa" => (',', '.', false, true),
        "por" if in_country(&["PT"]) => (',', '\u{202f}', false, true),
        "por" => (',', '.', true, true),
        "nld" => (',', '.', true, true),
        _ => ('.', ',', true, false),
    };
    Style {
        decimal,
        group,
        symbol_first,
        spaced,
    }
}

/// The sign of a currency where readers cannot take it for another: `€`, `£`, `R$`
/// everywhere; `$` for the store's own dollar; else the ISO code.
fn symbol<'a>(currency: &'a str, country: Option<&str>) -> (&'a str, bool) {
    let own = country.and_then(currency_of) == Some(currency);
    match currency {
        "EUR" => ("€", true),
        "GBP" => ("£", true),
        "BRL" => ("R$", true),
        "CAD" | "USD" | "AUD" | "NZD" | "MXN" if own => ("$", true),
        "JPY" if own => ("¥", true),
        other => (other, false),
    }
}

impl Money {
    /// `$45.00`, `45,00 $`, `1 234,50 €`, `CHF 45.00`, `R$ 45,00`: with no-break spaces,
    /// so the amount and its currency never part.
    pub fn display(&self, lang: &Language, store_country: Option<&str>) -> String {
        let style = style(lang, store_country);
        let places = decimals(&self.currency);
        let scale = 10_i64.pow(places);
        let abs = self.cents.unsigned_abs();
        let (units, fraction) = (abs / scale as u64, abs % scale as u64);
        let digits = units.to_string();
        let mut grouped = String::new();
        for (i, d) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(style.group);
            }
            grouped.push(d);
        }
        let mut amount = if self.cents < 0 {
            format!("-{grouped}")
        } else {
            grouped
        };
        if places > 0 {
            amount.push(style.decimal);
            amount.push_str(&format!("{fraction:0width$}", width = places as usize));
        }
        let (sign, is_symbol) = symbol(&self.currency, store_country);
        // A code always stands apart from the digits (`CHF 45.00`); a symbol as the
        // language writes it.
        let space = if style.spaced || !is_symbol {
            "\u{a0}"
        } else {
            ""
        };
        if style.symbol_first {
            format!("{sign}{space}{amount}")
        } else {
            format!("{amount}\u{a0}{sign}")
        }
    }
}

/// The currency named (a three-letter code), else the store country's.
pub fn currency(named: Option<&str>, store_country: Option<&str>) -> Option<String> {
    named
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
        .or_else(|| store_country.and_then(currency_of).map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(cents: i64, currency: &str, lang: &str, country: Option<&str>) -> String {
        Money {
            cents,
            currency: currency.into(),
        }
        .display(&Language::parse(lang).unwrap(), country)
        .replace(['\u{a0}', '\u{202f}'], "~")
    }

    #[test]
    fn each_language_writes_money_its_own_way() {
        assert_eq!(shown(4500, "CAD", "eng", Some("CA")), "$45.00");
        assert_eq!(shown(4500, "CAD", "fre", Some("CA")), "45,00~$");
        assert_eq!(shown(123450, "EUR", "fre", Some("FR")), "1~234,50~€");
        assert_eq!(shown(123450, "EUR", "deu", Some("DE")), "1.234,50~€");
        assert_eq!(shown(4500, "EUR", "deu", Some("AT")), "€~45,00");
        assert_eq!(shown(4500, "CHF", "deu", Some("CH")), "CHF~45.00");
        assert_eq!(shown(4500, "CHF", "fre", Some("CH")), "45.00~CHF");
        assert_eq!(shown(4500, "EUR", "spa", Some("ES")), "45,00~€");
        assert_eq!(shown(4500, "MXN", "spa", Some("MX")), "$45.00");
        assert_eq!(shown(4500, "BRL", "por", Some("BR")), "R$~45,00");
        assert_eq!(shown(4500, "EUR", "por", Some("PT")), "45,00~€");
        assert_eq!(shown(4500, "EUR", "nld", Some("NL")), "€~45,00");
        assert_eq!(shown(4500, "GBP", "eng", Some("GB")), "£45.00");
        assert_eq!(shown(450000, "JPY", "eng", Some("JP")), "¥450,000");
    }

    #[test]
    fn a_foreign_dollar_is_named() {
        assert_eq!(shown(4500, "USD", "eng", Some("CA")), "USD~45.00");
        assert_eq!(shown(4500, "USD", "fre", Some("CA")), "45,00~USD");
        assert_eq!(shown(4500, "CAD", "eng", None), "CAD~45.00");
    }

    #[test]
    fn the_currency_comes_from_the_price_else_the_country() {
        assert_eq!(currency(Some(" cad "), Some("FR")).as_deref(), Some("CAD"));
        assert_eq!(currency(None, Some("fr")).as_deref(), Some("EUR"));
        assert_eq!(
            currency(Some("dollars"), Some("US")).as_deref(),
            Some("USD")
        );
        assert_eq!(currency(None, Some("ZZ")), None);
        assert_eq!(currency(None, None), None);
    }

    #[test]
    fn amounts_read_in_minor_units() {
        assert_eq!(minor_units("85.5", "CAD"), Some(8550));
        assert_eq!(minor_units("12", "EUR"), Some(1200));
        assert_eq!(minor_units("4500", "JPY"), Some(4500));
        assert_eq!(minor_units("-3.10", "EUR"), Some(-310));
        assert_eq!(minor_units(".5", "EUR"), Some(50));
        for bad in ["x", "", ".", "1e3", "1.2.3", "--1", "99999999999999999999"] {
            assert_eq!(minor_units(bad, "EUR"), None, "{bad}");
        }
    }
}
