//! `[[flows]]` read, its mistakes naming their key; quiet hours moving a flow's SMS
//! and keeping its event's time.

use super::*;

/// The flows with SMS, and quiet hours 21:00-08:00 (store time).
fn quiet_flows() -> Config {
    Config::from_toml(&format!(
        "{FLOWS}\n[[flows]]\nname = \"starting_soon\"\nbefore_start = \"15m\"\nchannels = [\"sms\"]\n\n[sms]\nquiet_hours = \"21:00-08:00\"\n"
    ))
    .unwrap()
}

fn quiet_changes(body: &support::Body) -> (Vec<String>, String) {
    let now = "2026-11-30T13:00:00Z".parse().unwrap();
    let plan = plan_at(&body.parse(), &quiet_flows(), now);
    let changes = plan
        .schedules
        .iter()
        .filter_map(|c| match c {
            ScheduleChange::Upsert(s) => Some(format!(
                "{}/{} {}",
                s.notification.kind,
                booxi_notify::domain::notification::channel_name(s.notification.channel),
                utc_seconds(s.at)
            )),
            ScheduleChange::Publish(_) | ScheduleChange::Delete(_) => None,
        })
        .collect();
    (changes, plan.explain())
}

/// Quiet hours are for texts: a flow's event keeps its time where its SMS waits for the
/// window's end, or is not scheduled at all (too late to matter).
#[test]
fn a_flows_event_keeps_its_time_inside_quiet_hours() {
    let config = Config::from_toml(
        "[events_out]\nbus = \"b\"\n[[flows]]\nname = \"starting_soon\"\nbefore_start = \"15m\"\n\
         channels = [\"sms\", \"event\"]\n\n[sms]\nquiet_hours = \"21:00-08:00\"\n",
    )
    .unwrap();
    let now = "2026-11-30T13:00:00Z".parse().unwrap();
    let shown = |starts: &str| {
        let body = dated(
            event("appointment.created").set("booking.startsOn", json!(starts)),
            CREATED,
        );
        plan_at(&body.parse(), &config, now)
            .schedules
            .iter()
            .map(|c| match c {
                ScheduleChange::Upsert(s) => format!(
                    "{}/{} {}",
                    s.notification.kind,
                    booxi_notify::domain::notification::channel_name(s.notification.channel),
                    utc_seconds(s.at)
                ),
                ScheduleChange::Publish(p) => format!("{}/event {}", p.kind, utc_seconds(p.at)),
                ScheduleChange::Delete(d) => format!("delete {}", d.kind),
            })
            .collect::<Vec<_>>()
    };
    // A visit at 07:00 (Toronto): the SMS (06:45) would wait past the start; the event
    // goes at 06:45.
    assert_eq!(
        shown("2026-12-04T12:00:00Z"),
        ["starting_soon/event 2026-12-04T11:45:00Z"]
    );
    // At 08:10: the SMS at 08:00, the end of the window; the event at 07:55.
    assert_eq!(
        shown("2026-12-04T13:10:00Z"),
        [
            "starting_soon/sms 2026-12-04T13:00:00Z",
            "starting_soon/event 2026-12-04T12:55:00Z"
        ]
    );
}

#[test]
fn sms_quiet_hours_shift_flows() {
    // A visit at 07:00 (Toronto, EST): pre_visit's SMS, due at 07:00 the day before,
    // waits for 08:00; its email keeps 07:00. starting_soon, due 06:45, would wait past
    // the start: not scheduled.
    let early = dated(
        event("appointment.created").set("booking.startsOn", json!("2026-12-04T12:00:00Z")),
        CREATED,
    );
    let (changes, explain) = quiet_changes(&early);
    assert_eq!(
        changes,
        [
            "pre_visit/email 2026-12-03T12:00:00Z",
            "pre_visit/sms 2026-12-03T13:00:00Z"
        ]
    );
    assert!(
        explain.contains(
            "  flow      pre_visit: client by sms at 2026-12-03T13:00:00Z, the end of the quiet \
             hours (21:00-08:00, America/Toronto), not 2026-12-03T12:00:00Z\n"
        ),
        "{explain}"
    );
    assert!(
        explain.contains(
            "  flow      starting_soon: skipped client by sms: due at 2026-12-04T11:45:00Z \
             inside the quiet hours (21:00-08:00, America/Toronto), which end at \
             2026-12-04T13:00:00Z, at or after the booking's start 2026-12-04T12:00:00Z: too late to matter\n"
        ),
        "{explain}"
    );
    // A visit at 08:10: starting_soon (07:55) goes at 08:00, before the start.
    let later = dated(
        event("appointment.created").set("booking.startsOn", json!("2026-12-04T13:10:00Z")),
        CREATED,
    );
    assert!(
        quiet_changes(&later)
            .0
            .contains(&"starting_soon/sms 2026-12-04T13:00:00Z".to_owned())
    );
    // In the day, nothing moves.
    let day = dated(event("appointment.created"), CREATED);
    assert_eq!(
        quiet_changes(&day).0,
        [
            "pre_visit/email 2026-12-02T15:00:00Z",
            "pre_visit/sms 2026-12-02T15:00:00Z",
            "starting_soon/sms 2026-12-03T14:45:00Z"
        ]
    );
    // after_completed flows move too: a thank-you by SMS due at 22:30 goes at 08:00.
    let config = Config::from_toml(
        "[[flows]]\nname = \"thank_you\"\nafter_completed = \"1h\"\nchannels = [\"sms\"]\n[sms]\nquiet_hours = \"21:00-08:00\"",
    )
    .unwrap();
    let completed = dated(
        event("appointment.completed")
            .with_previous()
            .set("booking.isCompleted", json!(true)),
        "2026-12-03T21:30:00-05:00",
    );
    let plan = plan_at(
        &completed.parse(),
        &config,
        "2026-11-30T13:00:00Z".parse().unwrap(),
    );
    let ats: Vec<String> = plan
        .schedules
        .iter()
        .filter_map(|c| match c {
            ScheduleChange::Upsert(s) => Some(utc_seconds(s.at)),
            ScheduleChange::Publish(_) | ScheduleChange::Delete(_) => None,
        })
        .collect();
    assert_eq!(ats, ["2026-12-04T13:00:00Z"]);
}

#[test]
fn flows_are_read_and_mistakes_name_their_key() {
    let c = config();
    assert_eq!(c.flows.len(), 2);
    assert_eq!(c.flows[0].name.as_str(), "pre_visit");
    assert_eq!(c.flows[1].timing.key(), "after_completed");
    let c =
        Config::from_toml("[[flows]]\nname = \"starting_soon\"\nbefore_start = \"15m\"").unwrap();
    assert_eq!(c.flows[0].channels.len(), 1, "email by default");
    // late_after: half the offset before the start, a day after a completion, or as set.
    let minutes = |m| jiff::SignedDuration::from_mins(m);
    assert_eq!(
        c.flows[0].late_after(),
        jiff::SignedDuration::from_secs(450)
    );
    assert_eq!(config().flows[0].late_after(), minutes(12 * 60));
    assert_eq!(config().flows[1].late_after(), minutes(24 * 60));
    let c = Config::from_toml(
        "[[flows]]\nname = \"thank_you\"\nafter_completed = \"2h\"\nlate_after = \"3h\"",
    )
    .unwrap();
    assert_eq!(c.flows[0].late_after(), minutes(180));

    let err = |text: &str| Config::from_toml(text).unwrap_err().to_string();
    assert_eq!(
        err("[[flows]]\nname = \"thank_you\"\nafter_completed = \"2h\"\nlate_after = \"0m\""),
        "flows[0].late_after: `0m` must be more than zero"
    );
    assert_eq!(
        err("[[flows]]\nbefore_start = \"24h\""),
        "flows[0].name: required, not set"
    );
    assert_eq!(
        err(
            "[[flows]]\nname = \"pre_visit\"\nbefore_start = \"24h\"\n[[flows]]\nname = \"Pre-Visit\"\nbefore_start = \"1h\""
        ),
        "flows[1].name: `Pre-Visit` may only hold lower-case letters, digits and `_` (it names template files)"
    );
    assert_eq!(
        err("[[flows]]\nname = \"reminder\"\nbefore_start = \"24h\""),
        "flows[0].name: `reminder` is the name of a built-in message kind"
    );
    assert_eq!(
        err(
            "[[flows]]\nname = \"a\"\nbefore_start = \"1h\"\n[[flows]]\nname = \"a\"\nafter_completed = \"1h\""
        ),
        "flows[1].name: `a` is configured twice"
    );
    assert_eq!(
        err("[[flows]]\nname = \"pre_visit\""),
        "flows[0].before_start: a flow needs before_start or after_completed (e.g. before_start = \"24h\")"
    );
    assert_eq!(
        err("[[flows]]\nname = \"pre_visit\"\nbefore_start = \"24h\"\nafter_completed = \"1h\""),
        "flows[0].after_completed: a flow has before_start or after_completed, not both"
    );
    assert_eq!(
        err("[[flows]]\nname = \"pre_visit\"\nbefore_start = \"tomorrow\""),
        "flows[0].before_start: `tomorrow` is not a duration (write e.g. 15m, 24h, 2d, or ISO 8601 such as PT24H)"
    );
    assert_eq!(
        err("[[flows]]\nname = \"pre_visit\"\nbefore_start = \"24h\"\nchannels = [\"push\"]"),
        "flows[0].channels: `push` is not a channel (email, sms, event)"
    );
    assert_eq!(
        err("[[flows]]\nname = \"pre_visit\"\nbefore_start = \"24h\"\nchannels = [\"whatsapp\"]"),
        "flows[0].channels: `whatsapp` is not a flow channel: a flow goes by WhatsApp when [whatsapp] kinds lists its name"
    );
    assert_eq!(
        err("[[flows]]\nname = \"pre_visit\"\nbefore_start = \"24h\"\nchannels = []"),
        "flows[0].channels: lists no channel (email, sms and/or event)"
    );
    // A flow's event needs the bus it goes to.
    assert_eq!(
        err("[[flows]]\nname = \"starting_soon\"\nbefore_start = \"15m\"\nchannels = [\"event\"]"),
        "flows[0].channels: `event` needs [events_out] bus (BOOXI_EVENT_BUS): the bus its event is published to"
    );
    assert!(
        err("[[flows]]\nname = \"pre_visit\"\nbefore = \"24h\"").contains("unknown field `before`"),
        "{}",
        err("[[flows]]\nname = \"pre_visit\"\nbefore = \"24h\"")
    );
    assert_eq!(
        err("[brand]\nreview_url = \"ftp://x\""),
        "brand.review_url: `ftp://x` is not an http(s) URL"
    );
    // A review request by SMS has nothing to offer without a review page.
    assert_eq!(
        err(
            "[[flows]]\nname = \"review_request\"\nafter_completed = \"2h\"\nchannels = [\"email\", \"sms\"]"
        ),
        "flows[0].channels: review_request by SMS needs [brand] review_url (BOOXI_BRAND_REVIEW_URL): a reply to a text reaches no one"
    );
    for fine in [
        "[[flows]]\nname = \"review_request\"\nafter_completed = \"2h\"\nchannels = [\"email\"]",
        "[brand]\nreview_url = \"https://reviews.example.com/s\"\n[[flows]]\nname = \"review_request\"\nafter_completed = \"2h\"\nchannels = [\"sms\"]",
    ] {
        assert!(Config::from_toml(fine).is_ok(), "{fine}");
    }
}
