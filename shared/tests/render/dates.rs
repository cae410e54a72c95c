//! Dates and times: the store's time zone across daylight saving, times without an
//! offset, a range across the change.

use super::*;

#[test]
fn dates_follow_the_store_time_zone_across_daylight_saving() {
    let r = renderer();
    // Toronto springs forward on 2026-03-08; Paris falls back on 2026-10-25.
    let cases = [
        (
            "America/Toronto",
            "2026-03-07T15:00:00Z",
            "eng",
            "Saturday, March 7, 2026 at 10:00 AM",
        ),
        (
            "America/Toronto",
            "2026-03-09T14:00:00Z",
            "eng",
            "Monday, March 9, 2026 at 10:00 AM",
        ),
        (
            "Europe/Paris",
            "2026-10-24T08:00:00Z",
            "fre",
            "samedi 24 octobre 2026 à 10 h 00",
        ),
        (
            "Europe/Paris",
            "2026-10-26T09:00:00Z",
            "fre",
            "lundi 26 octobre 2026 à 10 h 00",
        ),
        (
            "Europe/Berlin",
            "2026-03-30T08:00:00Z",
            "deu",
            "Montag, 30. März 2026 um 10:00 Uhr",
        ),
    ];
    for (zone, start, lang, expected) in cases {
        let mut body = rich_body("appointment.created");
        body["content"]["merchant"]["timeZone"] = json!(zone);
        body["content"]["booking"]["startsOn"] = json!(start);
        body["content"]["booking"]["totalClientTimespan"] = json!({"start": start, "duration": 30});
        let e = event(&body);
        let m = email(
            &r,
            &e,
            &notification(Kind::Confirmation, lang, Channel::Email),
        );
        assert!(
            plain(&m.text).contains(expected),
            "{zone} {start}: {}",
            m.text
        );
    }
    // No time zone from the merchant: the configured default.
    let mut body = rich_body("appointment.created");
    body["content"]["merchant"]["timeZone"] = json!("Not/AZone");
    let config = RenderConfig {
        default_time_zone: jiff::tz::TimeZone::get("America/Vancouver").unwrap(),
        ..RenderConfig::default()
    };
    let m = email(
        &Renderer::new(&config).unwrap(),
        &event(&body),
        &notification(Kind::Confirmation, "eng", Channel::Email),
    );
    assert!(
        plain(&m.text).contains("December 3, 2026 at 7:00 AM"),
        "{}",
        m.text
    );
}

/// A time written without an offset is the store's wall clock: read in the merchant's
/// time zone (else the configured default), as the rules and flows read it, not as UTC.
#[test]
fn times_without_an_offset_are_the_stores_wall_clock() {
    let r = renderer();
    let mut body = rich_body("appointment.created");
    body["content"]["merchant"]["timeZone"] = json!("America/Toronto");
    body["content"]["booking"]["startsOn"] = json!("2026-12-03T10:00:00");
    body["content"]["booking"]["totalClientTimespan"] =
        json!({"start": "2026-12-03T10:00:00", "end": "2026-12-03T10:45:00"});
    let m = email(
        &r,
        &event(&body),
        &notification(Kind::Confirmation, "eng", Channel::Email),
    );
    // No-break spaces (typography) read as spaces here.
    let plain = |t: &str| t.replace(['\u{a0}', '\u{202f}'], " ");
    assert!(
        plain(&m.text).contains("Thursday, December 3, 2026 at 10:00 AM"),
        "{}",
        m.text
    );
    // No zone from the merchant: the configured default's wall clock.
    body["content"]["merchant"]
        .as_object_mut()
        .unwrap()
        .remove("timeZone");
    let config = RenderConfig {
        default_time_zone: jiff::tz::TimeZone::get("Europe/Paris").unwrap(),
        ..RenderConfig::default()
    };
    let m = email(
        &Renderer::new(&config).unwrap(),
        &event(&body),
        &notification(Kind::Confirmation, "fre", Channel::Email),
    );
    assert!(
        plain(&m.text).contains("jeudi 3 décembre 2026 à 10 h 00"),
        "{}",
        m.text
    );
}

/// A range across a daylight-saving change names each end's zone; German and French
/// write their own zone names.
#[test]
fn a_range_across_the_change_names_both_zones() {
    let r = renderer();
    let mut body = rich_body("appointment.created");
    body["content"]["booking"]["startsOn"] = json!("2026-11-01T05:30:00Z");
    body["content"]["booking"]["totalClientTimespan"] = json!({"end": "2026-11-01T06:30:00Z"});
    let e = event(&body);
    let m = email(
        &r,
        &e,
        &notification(Kind::Confirmation, "eng", Channel::Email),
    );
    assert!(
        plain(&m.text).contains("1:30 AM EDT – 1:30 AM EST"),
        "{}",
        m.text
    );
    let fr = email(
        &r,
        &e,
        &notification(Kind::Confirmation, "fre", Channel::Email),
    );
    assert!(
        plain(&fr.text).contains("1 h 30 HAE – 1 h 30 HNE"),
        "{}",
        fr.text
    );
    let mut body = rich_body("appointment.created");
    body["content"]["merchant"]["timeZone"] = json!("Europe/Berlin");
    let de = email(
        &r,
        &event(&body),
        &notification(Kind::Confirmation, "deu", Channel::Email),
    );
    assert!(
        plain(&de.text).contains("16:00 – 17:00 Uhr (MEZ)"),
        "{}",
        de.text
    );
}
