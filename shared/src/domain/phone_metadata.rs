//! libphonenumber's metadata, opened one calling code at a time.
//!
//! `rlibphonenumber`'s shared utility (`PHONE_NUMBER_UTIL`) decodes the metadata of all
//! ~250 regions and wraps each of them when it is first used: about 12 M instructions and
//! 5 MB of fresh heap (~1,100 page faults), the largest part of a cold start. A merchant's
//! numbers are nearly all of its own calling code, so a process builds the utility from
//! the metadata of that calling code only (every region that shares it: all of North
//! America's for +1), and the whole one only for a number the smaller one cannot read
//! (another calling code, or an invalid number): [`util_for`], and the caller's fallback.
//!
//! The metadata is the crate's own (`shared/data/phone-metadata.bin`, copied from
//! rlibphonenumber's sources by `scripts/update-phone-metadata.sh`); a test reads every
//! region's example numbers with both utilities and fails on any difference, so a copy
//! that no longer matches the crate is seen.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Mutex, OnceLock};

use prost::Message;
use prost::encoding::{DecodeContext, WireType, decode_key, decode_varint, skip_field};
use rlibphonenumber::{
    PHONE_NUMBER_UTIL, PhoneMetadata, PhoneMetadataCollection, PhoneNumberUtil, Region,
};

/// `PhoneMetadataCollection` as rlibphonenumber 2.2.15 ships it.
static METADATA: &[u8] = include_bytes!("../../data/phone-metadata.bin");

/// Where each region's metadata sits in [`METADATA`], read without decoding it.
#[derive(Debug, Default)]
struct Index {
    /// Geographic regions and their calling code.
    regions: HashMap<Region, i32>,
    /// Each calling code's metadata entries (byte ranges of [`METADATA`]).
    entries: HashMap<i32, Vec<Range<usize>>>,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| read_index(METADATA).unwrap_or_default())
}

/// The `id` (field 9) and `country_code` (field 10) of every `metadata` entry (field 1),
/// the other fields skipped by their length.
fn read_index(bytes: &'static [u8]) -> Option<Index> {
    let mut index = Index::default();
    let mut rest = bytes;
    while !rest.is_empty() {
        let (tag, wire_type) = decode_key(&mut rest).ok()?;
        if tag != 1 || wire_type != WireType::LengthDelimited {
            skip_field(wire_type, tag, &mut rest, DecodeContext::default()).ok()?;
            continue;
        }
        let len = usize::try_from(decode_varint(&mut rest).ok()?).ok()?;
        let start = bytes.len() - rest.len();
        let mut entry = rest.get(..len)?;
        rest = &rest[len..];
        let (mut id, mut code) = (None, None);
        while !entry.is_empty() {
            let (tag, wire_type) = decode_key(&mut entry).ok()?;
            match (tag, wire_type) {
                (9, WireType::LengthDelimited) => {
                    let n = usize::try_from(decode_varint(&mut entry).ok()?).ok()?;
                    id = Some(std::str::from_utf8(entry.get(..n)?).ok()?);
                    entry = &entry[n..];
                }
                // int32: a varint, negative numbers in ten bytes (truncation intended).
                (10, WireType::Varint) => code = Some(decode_varint(&mut entry).ok()? as i32),
                _ => skip_field(wire_type, tag, &mut entry, DecodeContext::default()).ok()?,
            }
        }
        // As `PhoneNumberUtil` reads the collection: entries without a calling code are
        // left out, "001" holds the non-geographic entities (+800, +881…).
        let (Some(id), Some(code)) = (id, code) else {
            continue;
        };
        let region = Region::from_code(id).ok()?;
        if region != Region::World {
            index.regions.insert(region, code);
        }
        index
            .entries
            .entry(code)
            .or_default()
            .push(start..start + len);
    }
    Some(index)
}

/// Whether `region` is a country of the numbering plan: what
/// `PHONE_NUMBER_UTIL.get_country_code_for_region(region).is_some()` says, without
/// building it.
pub fn has_region(region: Region) -> bool {
    index().regions.contains_key(&region)
}

/// The utility for the numbers of `region`'s calling code, built the first time it is
/// asked for; the whole one when the region is unknown, or past a few calling codes (a
/// process of one merchant sees one or two).
pub fn util_for(region: Region) -> &'static PhoneNumberUtil {
    match index().regions.get(&region) {
        Some(&code) => util_for_code(code),
        None => &PHONE_NUMBER_UTIL,
    }
}

/// The utility of the calling code an international number (`+33 6…`) starts with;
/// `None` when it does not start with `+` and a known calling code.
pub fn util_for_number(text: &str) -> Option<&'static PhoneNumberUtil> {
    let digits = text.trim_start().strip_prefix('+')?;
    let digits = &digits[..digits.bytes().take_while(u8::is_ascii_digit).count()];
    // No calling code starts with 0 (and "01" must not read as 1).
    if digits.starts_with('0') {
        return None;
    }
    // Calling codes are prefix-free (ITU E.164): at most one of these is one.
    (1..=digits.len().min(3))
        .filter_map(|n| digits[..n].parse::<i32>().ok())
        .find(|code| index().entries.contains_key(code))
        .map(util_for_code)
}

fn util_for_code(code: i32) -> &'static PhoneNumberUtil {
    const MAX_CODES: usize = 4;
    static UTILS: Mutex<Vec<(i32, &'static PhoneNumberUtil)>> = Mutex::new(Vec::new());
    let Ok(mut utils) = UTILS.lock() else {
        return &PHONE_NUMBER_UTIL;
    };
    if let Some((_, util)) = utils.iter().find(|(c, _)| *c == code) {
        return util;
    }
    if utils.len() >= MAX_CODES {
        return &PHONE_NUMBER_UTIL;
    }
    let Some(util) = build(code) else {
        return &PHONE_NUMBER_UTIL;
    };
    // Kept for the process's life, as the shared utility is: at most MAX_CODES of them.
    let util: &'static PhoneNumberUtil = Box::leak(Box::new(util));
    utils.push((code, util));
    util
}

/// A utility of `region`'s calling code, not kept (the tests compare one per code).
#[cfg(test)]
pub(crate) fn build_for(region: Region) -> Option<PhoneNumberUtil> {
    build(*index().regions.get(&region)?)
}

fn build(code: i32) -> Option<PhoneNumberUtil> {
    let metadata = index()
        .entries
        .get(&code)?
        .iter()
        .map(|range| PhoneMetadata::decode(METADATA.get(range.clone())?).ok())
        .collect::<Option<Vec<_>>>()?;
    PhoneNumberUtil::new_for_metadata(PhoneMetadataCollection { metadata }).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every two-letter code is a country here exactly when the whole utility says so.
    #[test]
    fn the_index_knows_the_regions_the_utility_knows() {
        let mut countries = 0;
        for a in b'A'..=b'Z' {
            for b in b'A'..=b'Z' {
                let code = String::from_utf8(vec![a, b]).unwrap();
                let Ok(region) = Region::from_code(&code) else {
                    continue;
                };
                let known = PHONE_NUMBER_UTIL.get_country_code_for_region(region);
                assert_eq!(index().regions.get(&region).copied(), known, "{code}");
                countries += usize::from(known.is_some());
            }
        }
        assert!(countries > 230, "{countries}");
        assert_eq!(
            index().regions.len(),
            PHONE_NUMBER_UTIL.get_supported_regions().len()
        );
    }

    /// North America's utility holds every region of +1, and only those.
    #[test]
    fn a_calling_code_brings_all_its_regions() {
        let ca = Region::from_code("CA").unwrap();
        let util = util_for(ca);
        let mut regions: Vec<String> = util
            .get_supported_regions()
            .map(|r| r.as_region_str().to_string())
            .collect();
        regions.sort();
        let mut nanpa: Vec<String> = PHONE_NUMBER_UTIL
            .get_regions_for_country_calling_code(1)
            .unwrap()
            .map(|r| r.as_region_str().to_string())
            .collect();
        nanpa.sort();
        assert_eq!(regions, nanpa);
        assert!(regions.len() > 20);
        // A + number finds its own calling code's utility; nothing else does.
        assert!(std::ptr::eq(
            util,
            util_for_number("+1 514 555 0123").unwrap()
        ));
        for text in ["+012 345", "+0", "+", "514 555 0123", "+999 1"] {
            assert!(util_for_number(text).is_none(), "{text}");
        }
        // The same utility for the next number of +1, not a second one.
        assert!(std::ptr::eq(
            util,
            util_for(Region::from_code("US").unwrap())
        ));
    }
}
