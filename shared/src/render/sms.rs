//! SMS length: how many segments a text takes (GSM 03.38 7-bit or UCS-2), and the
//! accent folding ("smart encoding") that lets a text stay in the 7-bit alphabet.

use std::borrow::Cow;

use serde::Serialize;

use super::context::Context;

/// The GSM 03.38 basic character set (one septet each).
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// The GSM 03.38 extension table (an escape plus the character: two septets each).
const GSM_EXTENSION: &str = "\u{c}^{}\\[~]|€";

/// At most this many segments for one message.
pub const MAX_SEGMENTS: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    /// GSM 03.38: 160 septets in one segment, 153 per segment when concatenated.
    Gsm7,
    /// UCS-2 (UTF-16): 70 units in one segment, 67 per segment when concatenated.
    Ucs2,
}

/// How a text travels as SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Segments {
    pub encoding: Encoding,
    /// Septets (GSM-7) or UTF-16 code units (UCS-2).
    pub units: usize,
    /// How many SMS the text is split into (0 for an empty text).
    pub count: usize,
}

/// The septets of each ASCII character (0: not in the alphabet), from the two tables
/// above: most of a text is ASCII, and a lookup is much cheaper than a search.
const ASCII_SEPTETS: [u8; 128] = {
    let mut table = [0; 128];
    let (basic, extension) = (GSM_BASIC.as_bytes(), GSM_EXTENSION.as_bytes());
    let mut i = 0;
    while i < basic.len() {
        if basic[i].is_ascii() {
            table[basic[i] as usize] = 1;
        }
        i += 1;
    }
    let mut i = 0;
    while i < extension.len() {
        if extension[i].is_ascii() {
            table[extension[i] as usize] = 2;
        }
        i += 1;
    }
    table
};

fn gsm_septets(c: char) -> Option<usize> {
    if c.is_ascii() {
        return match ASCII_SEPTETS[c as usize] {
            0 => None,
            n => Some(usize::from(n)),
        };
    }
    if GSM_BASIC.contains(c) {
        Some(1)
    } else if GSM_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// Whether every character of `text` is in the GSM 7-bit alphabet (with its extension).
pub fn is_gsm7(text: &str) -> bool {
    text.chars().all(|c| gsm_septets(c).is_some())
}

/// Counts the segments of `text`. A character is never split across two segments
/// (an escaped GSM character, a UTF-16 surrogate pair), as phones and gateways do.
pub fn count_segments(text: &str) -> Segments {
    let (encoding, sizes): (Encoding, Vec<usize>) = if is_gsm7(text) {
        (
            Encoding::Gsm7,
            text.chars().filter_map(gsm_septets).collect(),
        )
    } else {
        (Encoding::Ucs2, text.chars().map(char::len_utf16).collect())
    };
    let (single, multi) = match encoding {
        Encoding::Gsm7 => (160, 153),
        Encoding::Ucs2 => (70, 67),
    };
    let units: usize = sizes.iter().sum();
    let count = if units == 0 {
        0
    } else if units <= single {
        1
    } else {
        let mut count = 1;
        let mut used = 0;
        for size in sizes {
            if used + size > multi {
                count += 1;
                used = 0;
            }
            used += size;
        }
        count
    };
    Segments {
        encoding,
        units,
        count,
    }
}

/// Replaces characters outside the GSM alphabet by their nearest GSM spelling (`ê` → `e`,
/// `ç` → `c`, `’` → `'`, `–` → `-`), as SMS gateways' "smart encoding" does. Characters
/// with no such spelling (other scripts, emoji) are kept.
pub fn fold_to_gsm(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if gsm_septets(c).is_some() {
            out.push(c);
            continue;
        }
        let folded: &str = match c {
            'á' | 'â' | 'ã' | 'ā' | 'ą' => "a",
            'Á' | 'À' | 'Â' | 'Ã' | 'Ā' | 'Ą' => "A",
            'ç' | 'ć' | 'č' => "c",
            'Ć' | 'Č' => "C",
            'ê' | 'ë' | 'ē' | 'ę' | 'ě' => "e",
            'È' | 'Ê' | 'Ë' | 'Ē' | 'Ę' | 'Ě' => "E",
            'í' | 'î' | 'ï' | 'ī' => "i",
            'Í' | 'Ì' | 'Î' | 'Ï' | 'Ī' => "I",
            'ó' | 'ô' | 'õ' | 'ō' | 'ő' => "o",
            'Ó' | 'Ò' | 'Ô' | 'Õ' | 'Ō' | 'Ő' => "O",
            'ú' | 'û' | 'ū' | 'ű' | 'ů' => "u",
            'Ú' | 'Ù' | 'Û' | 'Ū' | 'Ű' | 'Ů' => "U",
            'ý' | 'ÿ' => "y",
            'Ý' | 'Ÿ' => "Y",
            'ñ' => "ñ",
            'ń' | 'ň' => "n",
            'Ń' | 'Ň' => "N",
            'ś' | 'š' => "s",
            'Ś' | 'Š' => "S",
            'ź' | 'ż' | 'ž' => "z",
            'Ź' | 'Ż' | 'Ž' => "Z",
            'ł' => "l",
            'Ł' => "L",
            'ř' => "r",
            'Ř' => "R",
            'œ' => "oe",
            'Œ' => "OE",
            'ĳ' => "ij",
            'Ĳ' => "IJ",
            '‘' | '’' | '‚' | '′' | '`' | '´' => "'",
            '“' | '”' | '„' | '″' | '«' | '»' => "\"",
            '–' | '—' | '‐' | '‑' | '−' => "-",
            '…' => "...",
            '\u{a0}' | '\u{202f}' | '\u{2009}' | '\u{2007}' | '\t' => " ",
            '·' | '•' => "-",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(folded);
    }
    out
}

/// A name in the GSM alphabet: folded as [`fold_to_gsm`] does, and what has no GSM
/// spelling (emoji, pictographs, their joiners and variation selectors) dropped. Other
/// scripts are kept: a name in Greek or Chinese is still that name.
pub fn gsm_name(name: &str) -> String {
    let folded: String = fold_to_gsm(name)
        .chars()
        .filter(|&c| {
            !matches!(
                u32::from(c),
                0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0xFE00..=0xFE0F | 0x200D | 0xE0020..=0xE007F
            )
        })
        .collect();
    // A dropped emoji can leave a space before a shortened name's ellipsis.
    folded
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" ...", "...")
}

/// Each name an SMS can print (the ones [`map_names`] maps).
fn names(ctx: &Context) -> impl Iterator<Item = &str> {
    [
        Some(&ctx.brand.name),
        ctx.store.name.as_ref(),
        ctx.service.as_ref(),
        ctx.staff.as_ref(),
        ctx.recipient.first_name.as_ref(),
        ctx.recipient.name.as_ref(),
        ctx.client.first_name.as_ref(),
        ctx.client.name.as_ref(),
    ]
    .into_iter()
    .flatten()
    .map(String::as_str)
}

/// Each name an SMS can print, mapped by `f`.
fn map_names(ctx: &Context, f: impl Fn(&str) -> String) -> Context {
    let mut ctx = ctx.clone();
    let opt = |v: &mut Option<String>| {
        if let Some(s) = v.as_mut() {
            *s = f(s);
        }
    };
    ctx.brand.name = f(&ctx.brand.name);
    opt(&mut ctx.store.name);
    opt(&mut ctx.service);
    opt(&mut ctx.staff);
    opt(&mut ctx.recipient.first_name);
    opt(&mut ctx.recipient.name);
    opt(&mut ctx.client.first_name);
    opt(&mut ctx.client.name);
    ctx
}

/// The context with names in the GSM alphabet (see [`gsm_name`]); none when every name
/// already is.
pub fn gsm_names(ctx: &Context) -> Option<Context> {
    let changed = std::cell::Cell::new(false);
    let gsm = map_names(ctx, |name| {
        let g = gsm_name(name);
        if g != name {
            changed.set(true);
        }
        g
    });
    changed.get().then_some(gsm)
}

/// The context with every name at most `max` characters, cut at a word when it can be
/// and marked with `…`; and whether any name was cut.
pub fn cap_names(ctx: &Context, max: usize) -> (Cow<'_, Context>, bool) {
    // Most names fit: the context as it is, not a copy.
    if names(ctx).all(|name| name.chars().count() <= max) {
        return (Cow::Borrowed(ctx), false);
    }
    let cut = std::cell::Cell::new(false);
    let capped = map_names(ctx, |name| {
        if name.chars().count() <= max {
            return name.to_owned();
        }
        cut.set(true);
        let cut: String = name.chars().take(max.saturating_sub(1)).collect();
        let at_word = match cut.rfind(' ') {
            Some(i) if i >= cut.len() / 2 => &cut[..i],
            _ => cut.as_str(),
        };
        format!("{}…", at_word.trim_end_matches([' ', ',', '-', '&']))
    });
    (Cow::Owned(capped), cut.get())
}

/// The context without any link an SMS could print.
pub fn without_links(ctx: &Context) -> Context {
    let mut ctx = ctx.clone();
    ctx.links = None;
    ctx.store.booking_url = None;
    ctx.store.website = None;
    ctx.place.url = None;
    ctx.video_url = None;
    ctx
}

/// Cuts `text` so that it fits `max` segments, ending with `…` (or `...` in GSM-7). The
/// cut never falls inside a link (a word starting with `http://` or `https://`): the
/// link goes whole.
pub fn truncate_to_segments(text: &str, max: usize) -> String {
    if count_segments(text).count <= max {
        return text.to_owned();
    }
    let ellipsis = if is_gsm7(text) { "..." } else { "…" };
    let chars: Vec<char> = text.chars().collect();
    // Binary search for the longest prefix that fits with the ellipsis.
    let (mut lo, mut hi) = (0, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let candidate: String = chars[..mid].iter().collect::<String>() + ellipsis;
        if count_segments(&candidate).count <= max {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let mut cut: String = chars[..lo].iter().collect();
    let word_start = cut.rfind(char::is_whitespace).map_or(0, |i| i + 1);
    let rest_of_word = text[cut.len()..]
        .split(char::is_whitespace)
        .next()
        .unwrap_or_default();
    if !rest_of_word.is_empty() && is_link(&cut[word_start..]) {
        cut.truncate(word_start);
    }
    cut.truncate(cut.trim_end().len());
    cut + ellipsis
}

fn is_link(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    lower.starts_with("http://")
        || lower.starts_with("https://")
        || "https://".starts_with(&lower) && lower.len() >= 4
}

/// Whether `text` holds a link cut short: a word that starts like a link but is not the
/// link it should be (used by tests on every rendered SMS).
pub fn ends_inside_link(text: &str, links: &[&str]) -> bool {
    text.split_whitespace().any(|word| {
        let word = word.trim_end_matches(['.', ',', ')', '!']);
        (word.starts_with("http") || word.ends_with('…') && word.contains("://"))
            && !links.contains(&word)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ascii_table_agrees_with_the_alphabet() {
        for c in (0u8..128).map(char::from) {
            let searched = if GSM_BASIC.contains(c) {
                Some(1)
            } else if GSM_EXTENSION.contains(c) {
                Some(2)
            } else {
                None
            };
            assert_eq!(gsm_septets(c), searched, "{c:?}");
        }
    }

    #[test]
    fn gsm7_limits() {
        assert_eq!(count_segments("").count, 0);
        assert_eq!(count_segments(&"a".repeat(160)).count, 1);
        assert_eq!(count_segments(&"a".repeat(161)).count, 2);
        assert_eq!(count_segments(&"a".repeat(306)).count, 2);
        assert_eq!(count_segments(&"a".repeat(307)).count, 3);
        assert_eq!(count_segments(&"a".repeat(459)).count, 3);
        assert_eq!(count_segments(&"a".repeat(460)).count, 4);
    }

    #[test]
    fn extension_characters_take_two_septets_and_are_not_split() {
        let s = count_segments(&"€".repeat(80));
        assert_eq!((s.encoding, s.units, s.count), (Encoding::Gsm7, 160, 1));
        assert_eq!(count_segments(&"€".repeat(81)).count, 2);
        // 152 septets then an escape pair: the pair moves whole to the next segment.
        let text = "a".repeat(152) + "€" + &"a".repeat(10);
        assert_eq!(count_segments(&text).count, 2);
        let text = "a".repeat(152) + "€" + &"a".repeat(152);
        assert_eq!(count_segments(&text).count, 3);
    }

    #[test]
    fn ucs2_limits() {
        let s = count_segments(&"ê".repeat(70));
        assert_eq!((s.encoding, s.count), (Encoding::Ucs2, 1));
        assert_eq!(count_segments(&"ê".repeat(71)).count, 2);
        assert_eq!(count_segments(&"ê".repeat(134)).count, 2);
        assert_eq!(count_segments(&"ê".repeat(135)).count, 3);
        // An emoji is a surrogate pair: two units, never split.
        let s = count_segments("😀");
        assert_eq!((s.units, s.count), (2, 1));
        let text = "a".repeat(66) + "😀" + &"a".repeat(10);
        assert_eq!(count_segments(&text).count, 2);
    }

    #[test]
    fn french_accents_in_gsm_stay_gsm() {
        assert!(is_gsm7(
            "Votre rendez-vous est confirmé pour jeudi à 10 h 00, déc."
        ));
        assert!(!is_gsm7("Vous êtes attendu"));
        assert!(!is_gsm7("ça"));
    }

    #[test]
    fn folding_keeps_gsm_letters_and_replaces_the_others() {
        assert_eq!(
            fold_to_gsm("Vous êtes attendu à l’accueil"),
            "Vous etes attendu à l'accueil"
        );
        assert_eq!(
            fold_to_gsm("miércoles, sábado – ñandú"),
            "miércoles, sabado - ñandu"
        );
        assert_eq!(
            fold_to_gsm("João Gonçalves, às 10:00"),
            "Joao Goncalves, às 10:00"
        );
        assert!(is_gsm7(&fold_to_gsm("Straße Düsseldorf, März, Ärztin")));
        assert_eq!(fold_to_gsm("李 😀"), "李 😀");
    }

    #[test]
    fn truncation_fits_the_limit() {
        let long = "word ".repeat(200);
        let cut = truncate_to_segments(&long, 3);
        assert_eq!(count_segments(&cut).count, 3);
        assert!(cut.ends_with("..."));
        let long = "mot ê ".repeat(100);
        let cut = truncate_to_segments(&long, 1);
        assert_eq!(count_segments(&cut).count, 1);
        assert!(cut.ends_with('…'));
        assert_eq!(truncate_to_segments("short", 1), "short");
    }

    #[test]
    fn truncation_never_cuts_a_link() {
        let link = "https://booking.booxi.com/track/abcdef?lang=eng";
        for pad in 100..200 {
            let text = format!("{} {link} {}", "x".repeat(pad), "y ".repeat(100));
            let cut = truncate_to_segments(&text, 1);
            assert_eq!(count_segments(&cut).count, 1);
            let kept_link = cut.contains(link);
            let no_link = !cut.contains("http");
            assert!(kept_link || no_link, "{pad}: {cut}");
        }
    }

    #[test]
    fn names_lose_what_gsm_cannot_say() {
        assert_eq!(gsm_name("Café Soleil — Centre ☀️"), "Café Soleil - Centre");
        assert_eq!(gsm_name("Ótica 😀 Gonçalves"), "Otica Goncalves");
        assert_eq!(gsm_name("李小龙"), "李小龙");
        assert_eq!(gsm_name("Spa 😀 Soleil 😀 …"), "Spa Soleil...");
        assert!(is_gsm7(&gsm_name("Acme — Spa & Nails 💅")));
    }
}
