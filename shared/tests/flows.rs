//! Scheduled messages (`[[flows]]`): one test per row of the flows table of
//! `docs/rules.md`, the recipients and consent rules, the configuration's checks, and the
//! schedule door (fire once, stale fires) on the in-memory adapters.

mod support;

use booxi_notify::Config;
use booxi_notify::domain::notification::{ScheduleChange, utc_seconds};
use booxi_notify::domain::rules::plan_at;
use serde_json::json;
use support::event;

const FLOWS: &str = r#"
[[flows]]
name = "pre_visit"
before_start = "24h"
channels = ["email", "sms"]

[[flows]]
name = "thank_you"
after_completed = "PT2H"
channels = ["email"]
"#;

fn config() -> Config {
    Config::from_toml(FLOWS).unwrap()
}

/// The event is dated (createdOn) three days before the booking's start.
fn dated(body: support::Body, created: &str) -> support::Body {
    let mut body = body;
    body.0["createdOn"] = json!(created);
    body
}

const CREATED: &str = "2026-11-30T12:00:00Z";

/// `upsert kind/audience/channel at` or `delete kind/audience/channel`, in plan order.
fn changes(body: &support::Body) -> Vec<String> {
    let now = "2026-11-30T13:00:00Z".parse().unwrap();
    plan_at(&body.parse(), &config(), now)
        .schedules
        .iter()
        .map(|c| match c {
            ScheduleChange::Upsert(s) => format!(
                "upsert {}/{}/{} {}",
                s.notification.kind,
                booxi_notify::domain::notification::audience_name(s.notification.audience),
                booxi_notify::domain::notification::channel_name(s.notification.channel),
                utc_seconds(s.at)
            ),
            ScheduleChange::Publish(p) => {
                format!("publish {} {}", p.kind, utc_seconds(p.at))
            }
            ScheduleChange::Delete(d) => format!(
                "delete {}/{}/{}",
                d.kind,
                d.audience
                    .map_or("booking", booxi_notify::domain::notification::audience_name),
                d.channel.name()
            ),
        })
        .collect()
}

fn explain(body: &support::Body) -> String {
    let now = "2026-11-30T13:00:00Z".parse().unwrap();
    plan_at(&body.parse(), &config(), now).explain()
}

const PRE_VISIT_AT: &str = "2026-12-02T15:00:00Z";

fn pre_visit_upserts(at: &str) -> Vec<String> {
    vec![
        format!("upsert pre_visit/client/email {at}"),
        format!("upsert pre_visit/client/sms {at}"),
    ]
}

// ======================================================================= flows table

#[test]
fn row_before_start_upsert_when_an_event_leaves_an_approved_booking_with_a_future_start() {
    // Created Approved.
    let created = dated(event("appointment.created"), CREATED);
    assert_eq!(changes(&created), pre_visit_upserts(PRE_VISIT_AT));
    assert!(
        explain(&created)
            .contains("pre_visit: upsert at 2026-12-02T15:00:00Z (24h before the start"),
        "{}",
        explain(&created)
    );

    // Approved later.
    let approved = dated(
        event("appointment.status_updated")
            .with_previous()
            .set("previousBooking.status", json!("PendingStaffApproval")),
        CREATED,
    );
    assert_eq!(changes(&approved), pre_visit_upserts(PRE_VISIT_AT));

    // Moved: date/time, staff or location; the new time.
    let moved = dated(
        event("appointment.updated")
            .with_previous()
            .set("booking.startsOn", json!("2026-12-10T18:30:00Z")),
        CREATED,
    );
    assert_eq!(changes(&moved), pre_visit_upserts("2026-12-09T18:30:00Z"));
    for (path, value) in [
        ("booking.staffId", json!(9)),
        ("booking.location", json!("Home")),
    ] {
        let moved = dated(
            event("appointment.updated")
                .with_previous()
                .set(path, value),
            CREATED,
        );
        assert_eq!(changes(&moved), pre_visit_upserts(PRE_VISIT_AT), "{path}");
    }

    // A time already past at the event's own time: skipped, with the reason.
    let late = dated(event("appointment.created"), "2026-12-03T01:00:00Z");
    assert!(changes(&late).is_empty(), "{:?}", changes(&late));
    assert!(
        explain(&late).contains(
            "pre_visit: not scheduled: 2026-12-02T15:00:00Z is already past at the event's time 2026-12-03T01:00:00Z"
        ),
        "{}",
        explain(&late)
    );
    // Without createdOn, the time of planning stands for the event's time.
    let undated = event("appointment.created");
    let now = "2026-12-02T16:00:00Z".parse().unwrap();
    assert!(
        plan_at(&undated.parse(), &config(), now)
            .schedules
            .is_empty()
    );
    let now = "2026-12-01T16:00:00Z".parse().unwrap();
    assert_eq!(plan_at(&undated.parse(), &config(), now).schedules.len(), 2);
}

#[test]
fn row_before_start_delete_when_canceled_no_show_or_pending_again() {
    let deletes = vec![
        "delete pre_visit/client/email".to_owned(),
        "delete pre_visit/client/sms".to_owned(),
    ];
    for by in ["Staff", "Client"] {
        let canceled = dated(
            event("appointment.canceled")
                .with_previous()
                .set("booking.status", json!("Cancelled"))
                .set("booking.modifiedBy", json!(by)),
            CREATED,
        );
        assert_eq!(changes(&canceled), deletes, "canceled by {by}");
        assert!(explain(&canceled).contains(
            "pre_visit: delete (canceled, no-show or pending: the booking is Cancelled)"
        ));
    }
    let no_show = dated(
        event("appointment.status_updated")
            .with_previous()
            .set("booking.client.presence", json!("NoShow")),
        CREATED,
    );
    assert_eq!(changes(&no_show), deletes);
    for pending in ["PendingStaffApproval", "PendingClientApproval"] {
        let back = dated(
            event("appointment.updated")
                .with_previous()
                .set("booking.status", json!(pending)),
            CREATED,
        );
        assert_eq!(changes(&back), deletes, "{pending}");
    }
    // Attendees' schedules go too (each by its id), whatever clientCommunication says now.
    let group = dated(
        event("appointment.canceled")
            .set("booking.status", json!("Cancelled"))
            .set(
                "booking.attendees",
                json!([{"id": 71, "email": "a@example.com"}]),
            ),
        CREATED,
    );
    let now = "2026-11-30T13:00:00Z".parse().unwrap();
    let plan = plan_at(&group.parse(), &config(), now);
    let keys: Vec<&str> = plan.schedules.iter().map(|c| c.recipient_key()).collect();
    assert_eq!(keys, ["client", "client", "attendee-71", "attendee-71"]);
}

#[test]
fn row_after_completed_upsert_at_the_events_time_plus_offset_when_it_plans_a_completion() {
    let completed = dated(
        event("appointment.status_updated")
            .with_previous()
            .set("booking.isCompleted", json!(true))
            .set("booking.client.presence", json!("Arrived")),
        "2026-12-03T16:10:00Z",
    );
    let got = changes(&completed);
    assert!(
        got.contains(&"upsert thank_you/client/email 2026-12-03T18:10:00Z".to_owned()),
        "{got:?}"
    );
    assert!(
        !got.iter().any(|c| c.contains("thank_you/client/sms")),
        "email only: {got:?}"
    );
    let reservation = dated(
        event("reservation.status_updated")
            .with_previous()
            .set("booking.isCompleted", json!(true)),
        "2026-12-03T16:10:00Z",
    );
    assert!(
        changes(&reservation)
            .contains(&"upsert thank_you/client/email 2026-12-03T18:10:00Z".to_owned())
    );
    // Any other event leaves after_completed flows alone.
    let created = dated(event("appointment.created"), CREATED);
    assert!(!changes(&created).iter().any(|c| c.contains("thank_you")));
    assert!(explain(&created).contains("thank_you: no change (the event plans confirmation, not completed or reservation_completed)"));
}

/// A start or an event time without an offset is the store's wall clock: read in the
/// merchant's time zone, else the configured `default_time_zone`, as the messages show it.
#[test]
fn times_without_an_offset_are_read_in_the_stores_time_zone() {
    // 10:00 in Toronto (UTC−5 in December) is 15:00Z: pre_visit 24 h before.
    let toronto = dated(event("appointment.created"), "2026-11-30T07:00:00")
        .set("booking.startsOn", json!("2026-12-03T10:00:00"));
    assert_eq!(changes(&toronto), pre_visit_upserts(PRE_VISIT_AT));
    // Dated 2026-12-02T11:00 in Toronto (16:00Z): already past at the event's own time.
    let late = dated(event("appointment.created"), "2026-12-02T11:00:00")
        .set("booking.startsOn", json!("2026-12-03T10:00:00"));
    assert!(
        explain(&late).contains(
            "pre_visit: not scheduled: 2026-12-02T15:00:00Z is already past at the event's time 2026-12-02T16:00:00Z"
        ),
        "{}",
        explain(&late)
    );
    // No zone from the merchant: the configured default (Paris, UTC+1 in December).
    let paris =
        Config::from_toml(&format!("default_time_zone = \"Europe/Paris\"\n{FLOWS}")).unwrap();
    let body = dated(event("appointment.created"), CREATED)
        .set("booking.startsOn", json!("2026-12-03T16:00:00"))
        .remove("merchant.timeZone");
    let now = "2026-11-30T13:00:00Z".parse().unwrap();
    let at: Vec<String> = plan_at(&body.parse(), &paris, now)
        .schedules
        .iter()
        .map(|c| c.at().map_or_else(|| "delete".into(), utc_seconds))
        .collect();
    assert_eq!(at, [PRE_VISIT_AT, PRE_VISIT_AT]);
}

// ======================================================================= recipients and consent

#[test]
fn flows_follow_client_communication_addresses_and_consent() {
    let base = || dated(event("appointment.created"), CREATED);
    let none = base().set("booking.clientCommunication", json!("DoNotSend"));
    assert!(changes(&none).is_empty());
    assert!(explain(&none).contains("pre_visit: skipped: clientCommunication is DoNotSend"));

    // before_start email follows remindByEmail, like the reminder.
    let no_email_reminders = base().set("booking.client.remindByEmail", json!(false));
    assert_eq!(
        changes(&no_email_reminders),
        [format!("upsert pre_visit/client/sms {PRE_VISIT_AT}")]
    );
    assert!(
        explain(&no_email_reminders)
            .contains("pre_visit: skipped client by email: remindByEmail is not true")
    );

    // SMS needs remindBySMS and a valid number.
    let no_sms = base().set("booking.client.remindBySMS", json!(false));
    assert_eq!(
        changes(&no_sms),
        [format!("upsert pre_visit/client/email {PRE_VISIT_AT}")]
    );
    let bad_number = base().set("booking.client.mobilePhoneNumber", json!("12"));
    assert_eq!(
        changes(&bad_number),
        [format!("upsert pre_visit/client/email {PRE_VISIT_AT}")]
    );
    let no_address = base().remove("booking.client.email");
    assert_eq!(
        changes(&no_address),
        [format!("upsert pre_visit/client/sms {PRE_VISIT_AT}")]
    );

    // ClientAndAttendees: each attendee with their own address, keyed by their id.
    let group = base()
        .set("booking.clientCommunication", json!("ClientAndAttendees"))
        .set(
            "booking.attendees",
            json!([{"id": 71, "email": "ann@example.com", "remindByEmail": true},
                   {"id": 72, "email": "bob@example.com", "remindByEmail": false}]),
        );
    let now = "2026-11-30T13:00:00Z".parse().unwrap();
    let plan = plan_at(&group.parse(), &config(), now);
    let who: Vec<String> = plan
        .schedules
        .iter()
        .map(|c| format!("{}:{}", c.recipient_key(), c.channel().name()))
        .collect();
    assert_eq!(who, ["client:email", "client:sms", "attendee-71:email"]);
    // ClientOnly: attendees get nothing.
    let only = group.set("booking.clientCommunication", json!("ClientOnly"));
    assert_eq!(changes(&only).len(), 2);
}

#[test]
fn a_group_over_the_recipient_limit_schedules_and_deletes_within_it() {
    let config = Config::from_toml(&format!("max_recipients_per_event = 3\n{FLOWS}")).unwrap();
    let attendees: Vec<serde_json::Value> = (0..500)
        .map(|i| json!({"id": i, "email": format!("a{i}@example.com"), "remindByEmail": true}))
        .collect();
    let now = "2026-11-30T13:00:00Z".parse().unwrap();
    let created = dated(event("appointment.created"), CREATED)
        .set("booking.clientCommunication", json!("ClientAndAttendees"))
        .set("booking.attendees", json!(attendees));
    let plan = plan_at(&created.parse(), &config, now);
    let keys: Vec<&str> = plan.schedules.iter().map(|c| c.recipient_key()).collect();
    assert_eq!(
        keys,
        ["client", "client", "attendee-0", "attendee-1"],
        "the client (email, sms) and two attendees"
    );
    let over: Vec<&String> = plan
        .flow_notes
        .iter()
        .filter(|n| n.contains("over the limit"))
        .collect();
    assert_eq!(
        over,
        ["pre_visit: skipped attendees 3 to 500: over the limit of 3 recipients per event"]
    );
    let canceled = created.set("booking.status", json!("Cancelled"));
    let plan = plan_at(&canceled.parse(), &config, now);
    assert_eq!(plan.schedules.len(), 3 * 2, "three people, two channels");
}

#[test]
fn nothing_is_scheduled_for_an_event_that_names_no_booking() {
    let anonymous = dated(event("appointment.created"), CREATED).remove("booking.bookingId");
    assert!(changes(&anonymous).is_empty());
    assert!(
        explain(&anonymous).contains(
            "flow      no flow scheduled: the event names no booking (no bookingId or confirmationNumber)"
        ),
        "{}",
        explain(&anonymous)
    );
    // The event's own messages still go.
    assert!(!anonymous.plan_with(&config()).notifications.is_empty());
}

#[test]
fn nothing_is_scheduled_without_flows() {
    for body in [
        event("appointment.created"),
        event("appointment.canceled").set("booking.status", json!("Cancelled")),
        event("appointment.completed").set("booking.isCompleted", json!(true)),
    ] {
        let plan = body.plan();
        assert!(plan.schedules.is_empty());
        assert!(plan.flow_notes.is_empty());
    }
}

// ======================================================================= configuration

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

// ======================================================================= the schedule door

mod door {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};

    use booxi_notify::adapters::memory::MemoryStore;
    use booxi_notify::adapters::memory::{MemoryScheduler, MemoryStates};
    use booxi_notify::core::compose::RenderComposer;
    use booxi_notify::core::delivery::DeliverySettings;
    use booxi_notify::core::delivery::{Content, Courier, Outgoing, SendError};
    use booxi_notify::core::outcome::{Disposition, Status};
    use booxi_notify::core::process::Core;
    use booxi_notify::core::schedules::Flows;
    use booxi_notify::domain::contact::EmailAddress;
    use booxi_notify::doors::schedule::FireError;
    use booxi_notify::render::{RenderConfig, Renderer};
    use serde_json::Value;

    /// Records what goes out (kind and subject or text); fails while `fail` is set.
    #[derive(Default)]
    struct Recorder {
        sent: Mutex<Vec<String>>,
        fail: AtomicBool,
    }

    impl Courier for Recorder {
        async fn send(&self, m: &Outgoing) -> Result<String, SendError> {
            if self.fail.load(Ordering::SeqCst) {
                return Err(SendError::retryable("ThrottlingException"));
            }
            let what = match &m.content {
                Content::Email(e) => format!("{} email {}: {}", m.meta.kind, e.to, e.subject),
                Content::Sms(s) => format!("{} sms {}: {}", m.meta.kind, s.to, s.text),
                Content::WhatsApp(w) => {
                    format!("{} whatsapp {}: {}", m.meta.kind, w.to, w.template.name)
                }
            };
            self.sent.lock().unwrap().push(what);
            Ok("id".into())
        }
    }

    struct Setup {
        core: Core<MemoryStore, Recorder, RenderComposer>,
        scheduler: Arc<MemoryScheduler>,
        states: Arc<MemoryStates>,
    }

    fn setup() -> Setup {
        setup_with(config())
    }

    fn setup_with(config: Config) -> Setup {
        let scheduler = Arc::new(MemoryScheduler::new());
        let states = Arc::new(MemoryStates::new());
        let core = Core {
            store: MemoryStore::new(),
            courier: Recorder::default(),
            composer: RenderComposer {
                renderer: Renderer::new(&RenderConfig::from(&config)).unwrap(),
                from: EmailAddress::parse("notifications@example.com").unwrap(),
                reply_to: None,
            },
            config,
            delivery: DeliverySettings::default(),
            emit_metrics: false,
            flows: Some(Flows {
                scheduler: scheduler.clone(),
                states: states.clone(),
            }),
            queue: None,
            events_out: None,
        };
        Setup {
            core,
            scheduler,
            states,
        }
    }

    fn body(event_type: &str, id: &str, created: &str) -> support::Body {
        let mut body = event(event_type)
            .set("booking.startsOn", json!("2030-06-10T15:00:00Z"))
            .set("service.instructions", json!("Arrive ten minutes early."));
        body.0["eventId"] = json!(id);
        body.0["createdOn"] = json!(created);
        body
    }

    impl Setup {
        async fn deliver(&self, body: &support::Body) -> booxi_notify::core::outcome::Summary {
            self.core.process(&body.parse(), None).await.unwrap()
        }

        fn inputs(&self) -> Vec<Value> {
            self.scheduler
                .all()
                .iter()
                .map(|s| serde_json::from_str(&s.input).unwrap())
                .collect()
        }

        fn sent(&self) -> Vec<String> {
            self.core.courier.sent.lock().unwrap().clone()
        }

        fn flow_sent(&self) -> Vec<String> {
            self.sent()
                .into_iter()
                .filter(|s| s.starts_with("pre_visit"))
                .collect()
        }
    }

    #[tokio::test]
    async fn a_pending_scheduled_message_to_a_suppressed_recipient_does_not_send() {
        use booxi_notify::core::process::suppression_for;
        use booxi_notify::core::store::{IdempotencyStore, recipient_hash, suppression_key};
        use booxi_notify::domain::feedback::Cause;
        let s = setup();
        s.deliver(&body(
            "appointment.created",
            "e-sup",
            "2030-06-01T10:00:00Z",
        ))
        .await;
        let inputs = s.inputs();
        assert_eq!(inputs.len(), 2);
        // Learned after the schedules were made: the address bounced, the number opted out.
        let now = std::time::SystemTime::now();
        for (recipient, cause) in [
            ("jane@example.com", Cause::Bounced),
            ("+15145550123", Cause::OptedOut),
        ] {
            let suppression = suppression_for(&s.core.config, cause, now);
            s.core
                .store
                .suppress(
                    &suppression_key(&recipient_hash(&s.core.delivery.recipients, recipient)),
                    &suppression,
                )
                .await
                .unwrap();
        }
        for input in &inputs {
            let fired = s.core.fire(input, None).await.unwrap();
            assert_eq!(fired.messages.len(), 1, "{:?}", fired.messages);
            let m = &fired.messages[0];
            assert_eq!(m.status(), Status::Skipped);
            let words = if input["channel"] == "email" {
                "bounced"
            } else {
                "opted out"
            };
            assert!(m.reason().unwrap().contains(words), "{:?}", m.reason());
        }
        // Nothing of the flow went; the SMS had the flow's own email, so no fallback.
        assert!(s.flow_sent().is_empty(), "{:?}", s.flow_sent());
    }

    #[tokio::test]
    async fn a_fire_sends_once_and_a_double_fire_still_once() {
        let s = setup();
        let summary = s
            .deliver(&body("appointment.created", "e1", "2030-06-01T10:00:00Z"))
            .await;
        assert_eq!(summary.schedules.len(), 2, "{:?}", summary.schedules);
        assert!(summary.schedules.iter().all(|r| r.status == "done"));
        let inputs = s.inputs();
        assert_eq!(inputs.len(), 2);
        for input in &inputs {
            // Keys only: no name, address or phone number.
            let text = input.to_string();
            for personal in ["Jane", "Doe", "jane@example.com", "555"] {
                assert!(!text.contains(personal), "{text}");
            }
            assert_eq!(input["door"], "schedule");
            assert_eq!(input["at"], "2030-06-09T15:00:00Z");
        }
        for input in &inputs {
            let first = s.core.fire(input, None).await.unwrap();
            assert_eq!(first.disposition, Disposition::Processed);
            assert_eq!(
                first.messages[0].status(),
                Status::Sent,
                "{:?}",
                first.messages
            );
            let again = s.core.fire(input, None).await.unwrap();
            assert_eq!(again.disposition, Disposition::Duplicate);
        }
        let sent = s.flow_sent();
        assert_eq!(sent.len(), 2, "{sent:?}");
        assert!(
            sent.iter()
                .any(|m| m.starts_with("pre_visit email jane@example.com: Before your visit on")),
            "{sent:?}"
        );
        assert!(
            sent.iter().any(|m| m
                .starts_with("pre_visit sms +15145550123: Store: Before your visit")
                && m.contains("Arrive ten minutes early.")),
            "{sent:?}"
        );
    }

    #[tokio::test]
    async fn a_stale_fire_after_a_cancel_sends_nothing_and_the_cancel_deletes_the_schedules() {
        let s = setup();
        s.deliver(&body("appointment.created", "e1", "2030-06-01T10:00:00Z"))
            .await;
        let inputs = s.inputs();
        let cancel = body("appointment.canceled", "e2", "2030-06-02T10:00:00Z")
            .with_previous()
            .set("booking.status", json!("Cancelled"));
        let summary = s.deliver(&cancel).await;
        assert_eq!(
            summary
                .schedules
                .iter()
                .map(|r| r.schedule)
                .collect::<Vec<_>>(),
            ["delete", "delete"]
        );
        assert!(s.scheduler.all().is_empty());
        for input in &inputs {
            let fired = s.core.fire(input, None).await.unwrap();
            assert_eq!(fired.messages[0].status(), Status::Skipped);
            assert_eq!(fired.messages[0].reason(), Some("the booking is Cancelled"));
        }
        assert!(s.flow_sent().is_empty());
    }

    /// Queued mode claims with one write and a later delivery of the event does its work
    /// again, schedules included: as of the first delivery's time, so an event without
    /// `createdOn` (its time is when it arrived) stays older than what came after it.
    #[tokio::test]
    async fn a_queued_duplicate_redoes_the_schedules_as_of_the_first_delivery() {
        let mut s = setup();
        let queue = Arc::new(booxi_notify::adapters::memory::MemoryQueue::default());
        s.core.queue = Some(queue.clone());
        let mut created = body("appointment.created", "e1", "");
        created.0.as_object_mut().unwrap().remove("createdOn");
        let t0 = jiff::Timestamp::now();
        // A first delivery that stopped right after its claim (queued mode claims with
        // one write, before its messages and schedules).
        let owner = booxi_notify::core::store::Owner::new().unwrap();
        use booxi_notify::core::store::IdempotencyStore;
        s.core
            .store
            .claim_completed(
                &created.parse().id,
                &owner,
                std::time::SystemTime::UNIX_EPOCH
                    + std::time::Duration::from_millis(t0.as_millisecond() as u64),
                "[]",
            )
            .await
            .unwrap();
        assert!(s.scheduler.all().is_empty());

        // Redelivered: its schedules made, as of the first delivery.
        let again = s.deliver(&created).await;
        assert_eq!(again.disposition, Disposition::Duplicate);
        let made = s.scheduler.all();
        assert_eq!(made.len(), 2, "{made:?}");
        assert!(
            made.iter()
                .all(|m| m.at.to_string() == "2030-06-09T15:00:00Z")
        );
        // And again: nothing more to do, each change recorded as done.
        let third = s.deliver(&created).await;
        assert_eq!(third.disposition, Disposition::Duplicate);
        assert_eq!(s.scheduler.all(), made);

        // Cancelled a second after the first delivery; then the first event comes again.
        let cancel = body(
            "appointment.canceled",
            "e2",
            &(t0 + jiff::SignedDuration::from_secs(1)).to_string(),
        )
        .with_previous()
        .set("booking.status", json!("Cancelled"));
        s.deliver(&cancel).await;
        assert!(s.scheduler.all().is_empty());
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        let late = s.deliver(&created).await;
        assert_eq!(late.disposition, Disposition::Duplicate);
        assert!(
            s.scheduler.all().is_empty(),
            "a redo as of now would have brought the cancelled booking's schedules back: {:?}",
            s.scheduler.all()
        );
        for input in s.inputs() {
            s.core.fire(&input, None).await.unwrap();
        }
        assert!(s.flow_sent().is_empty());
    }

    /// A redo plans as of the first delivery, but what is already past is judged by the
    /// clock: a schedule due between the two deliveries is not made again.
    #[tokio::test]
    async fn a_queued_duplicate_does_not_make_a_schedule_already_past() {
        let mut s = setup();
        s.core.queue = Some(Arc::new(
            booxi_notify::adapters::memory::MemoryQueue::default(),
        ));
        let starts = jiff::Timestamp::now()
            + jiff::SignedDuration::from_hours(24)
            + jiff::SignedDuration::from_secs(2);
        let mut created = body("appointment.created", "e1", "")
            .set("booking.startsOn", json!(utc_seconds(starts)));
        created.0.as_object_mut().unwrap().remove("createdOn");
        s.deliver(&created).await;
        assert_eq!(s.scheduler.all().len(), 2);
        s.scheduler.take_due(jiff::Timestamp::now(), true);
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        let again = s.deliver(&created).await;
        assert_eq!(again.disposition, Disposition::Duplicate);
        assert!(s.scheduler.all().is_empty(), "{:?}", s.scheduler.all());
    }

    #[tokio::test]
    async fn a_move_updates_the_times_and_the_old_time_sends_nothing() {
        let s = setup();
        s.deliver(&body("appointment.created", "e1", "2030-06-01T10:00:00Z"))
            .await;
        let before = s.scheduler.all();
        let old_inputs = s.inputs();
        let moved = body("appointment.updated", "e2", "2030-06-02T10:00:00Z")
            .with_previous()
            .set("booking.startsOn", json!("2030-06-20T09:30:00Z"));
        s.deliver(&moved).await;
        let after = s.scheduler.all();
        // The same schedules (same names), at the new time.
        assert_eq!(
            before.iter().map(|s| &s.name).collect::<Vec<_>>(),
            after.iter().map(|s| &s.name).collect::<Vec<_>>()
        );
        assert!(
            after
                .iter()
                .all(|s| s.expression() == "at(2030-06-19T09:30:00)")
        );
        let fired = s.core.fire(&old_inputs[0], None).await.unwrap();
        assert_eq!(
            fired.messages[0].reason(),
            Some("the booking moved: this flow is now due at 2030-06-19T09:30:00Z")
        );
        assert!(s.flow_sent().is_empty());
        for input in s.inputs() {
            s.core.fire(&input, None).await.unwrap();
        }
        assert_eq!(s.flow_sent().len(), 2);
    }

    #[tokio::test]
    async fn an_older_event_delivered_late_changes_nothing() {
        let s = setup();
        let moved = body("appointment.updated", "e2", "2030-06-02T10:00:00Z")
            .with_previous()
            .set("booking.startsOn", json!("2030-06-20T09:30:00Z"));
        s.deliver(&moved).await;
        let late = s
            .deliver(&body("appointment.created", "e1", "2030-06-01T10:00:00Z"))
            .await;
        assert!(late.schedules.is_empty(), "{:?}", late.schedules);
        assert!(
            s.scheduler
                .all()
                .iter()
                .all(|s| s.expression() == "at(2030-06-19T09:30:00)")
        );
    }

    #[tokio::test]
    async fn an_event_processed_after_the_time_schedules_nothing() {
        let s = setup();
        // Dated long ago: the plan schedules (the time was ahead of the event), but by
        // the time it is processed the message is past.
        let late = body("appointment.created", "e1", "2020-06-01T10:00:00Z")
            .set("booking.startsOn", json!("2020-06-10T15:00:00Z"));
        let summary = s.deliver(&late).await;
        assert_eq!(summary.schedules.len(), 2);
        for r in &summary.schedules {
            assert_eq!(r.status, "skipped");
            assert_eq!(
                r.reason.as_deref(),
                Some("2020-06-09T15:00:00Z is already past at processing time")
            );
            assert_eq!(r.failure, None);
        }
        assert_eq!(summary.retry_wanted(), None);
        assert!(s.scheduler.all().is_empty());
    }

    #[tokio::test]
    async fn a_temporary_failure_is_an_error_and_the_retry_sends() {
        let s = setup();
        s.deliver(&body("appointment.created", "e1", "2030-06-01T10:00:00Z"))
            .await;
        let input = &s.inputs()[0];
        s.core.courier.fail.store(true, Ordering::SeqCst);
        let err = s.core.fire(input, None).await.unwrap_err();
        assert!(matches!(err, FireError::NotSent(_)), "{err}");
        assert!(err.to_string().contains("ThrottlingException"), "{err}");
        s.core.courier.fail.store(false, Ordering::SeqCst);
        let retried = s.core.fire(input, None).await.unwrap();
        assert_eq!(retried.messages[0].status(), Status::Sent);
        assert_eq!(s.flow_sent().len(), 1);
    }

    /// Booking states that cannot be read (DynamoDB unreachable).
    struct Unreachable;

    impl booxi_notify::core::schedules::BookingStates for Unreachable {
        fn save<'a>(
            &'a self,
            _: &'a str,
            _: &'a booxi_notify::core::schedules::BookingState,
            _: Option<u64>,
        ) -> futures_util::future::BoxFuture<
            'a,
            Result<booxi_notify::core::schedules::Saved, booxi_notify::core::store::StoreError>,
        > {
            Box::pin(async { Ok(booxi_notify::core::schedules::Saved::Stored) })
        }

        fn load<'a>(
            &'a self,
            _: &'a str,
        ) -> futures_util::future::BoxFuture<
            'a,
            Result<
                Option<booxi_notify::core::schedules::BookingState>,
                booxi_notify::core::store::StoreError,
            >,
        > {
            Box::pin(async {
                Err(booxi_notify::core::store::StoreError(
                    "GetItem (booking state): timeout".into(),
                ))
            })
        }

        fn find<'a>(
            &'a self,
            _: &'a [String],
        ) -> futures_util::future::BoxFuture<
            'a,
            Result<
                std::collections::HashMap<String, booxi_notify::core::schedules::Named>,
                booxi_notify::core::store::StoreError,
            >,
        > {
            Box::pin(async { Ok(std::collections::HashMap::new()) })
        }

        fn name<'a>(
            &'a self,
            _: &'a str,
            _: &'a str,
            _: std::time::SystemTime,
        ) -> futures_util::future::BoxFuture<'a, Result<(), booxi_notify::core::store::StoreError>>
        {
            Box::pin(async { Ok(()) })
        }
    }

    #[tokio::test]
    async fn an_unreadable_booking_state_is_an_error_so_scheduler_retries() {
        let mut s = setup();
        s.deliver(&body("appointment.created", "e1", "2030-06-01T10:00:00Z"))
            .await;
        let input = s.inputs()[0].clone();
        s.core.flows = Some(Flows {
            scheduler: s.scheduler.clone(),
            states: Arc::new(Unreachable),
        });
        let err = s.core.fire(&input, None).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "the message was not sent (idempotency store: GetItem (booking state): timeout); retry later"
        );
        assert!(s.flow_sent().is_empty());
    }

    #[tokio::test]
    async fn after_completed_fires_send_only_for_a_completed_booking() {
        let s = setup();
        let completed = body("appointment.completed", "e3", "2030-06-10T16:00:00Z")
            .with_previous()
            .set("booking.isCompleted", json!(true));
        s.deliver(&completed).await;
        let inputs = s.inputs();
        assert_eq!(inputs.len(), 1, "{inputs:?}");
        assert_eq!(inputs[0]["at"], "2030-06-10T18:00:00Z");
        // Canceled after completion (a correction in Booxi): the fire sends nothing.
        let canceled = body("appointment.canceled", "e4", "2030-06-10T16:30:00Z")
            .with_previous()
            .set("booking.isCompleted", json!(true))
            .set("booking.status", json!("Cancelled"));
        s.deliver(&canceled).await;
        let fired = s.core.fire(&inputs[0], None).await.unwrap();
        assert_eq!(fired.messages[0].reason(), Some("the booking is Cancelled"));
        assert!(!s.sent().iter().any(|m| m.starts_with("thank_you")));

        // Completed (again): the same schedule's next due time sends.
        let again = body("appointment.completed", "e5", "2030-06-10T17:00:00Z")
            .with_previous()
            .set("booking.isCompleted", json!(true));
        s.deliver(&again).await;
        let inputs = s.inputs();
        assert_eq!(inputs[0]["at"], "2030-06-10T19:00:00Z");
        s.core.fire(&inputs[0], None).await.unwrap();
        let sent = s.sent();
        assert!(
            sent.iter().any(
                |m| m.starts_with("thank_you email jane@example.com: Thank you for your visit")
            ),
            "{sent:?}"
        );
    }

    #[tokio::test]
    async fn inputs_that_are_not_ours_are_refused() {
        let s = setup();
        for (input, why) in [
            (
                json!({"door": "schedule"}),
                "not a schedule input: missing field `booking`",
            ),
            (
                json!({"door": "schedule", "booking": "5/1", "flow": "pre_visit", "audience": "client",
                       "channel": "email", "recipient": "client", "at": "soon"}),
                "not a schedule input: at: `soon` is not an RFC 3339 time",
            ),
            (
                json!({"door": "schedule", "booking": "5/1", "flow": "Bad Name", "audience": "client",
                       "channel": "email", "recipient": "client", "at": "2030-01-01T00:00:00Z"}),
                "not a schedule input: flow: `Bad Name` may only hold lower-case letters, digits and `_` (it names template files)",
            ),
        ] {
            let err = s.core.fire(&input, None).await.unwrap_err();
            assert_eq!(err.to_string(), why);
        }
        // A booking nothing is known of: nothing sent, no error (nothing to retry).
        let unknown = json!({"door": "schedule", "booking": "5/404", "flow": "pre_visit", "audience": "client",
                             "channel": "email", "recipient": "client", "at": "2030-01-01T00:00:00Z"});
        let fired = s.core.fire(&unknown, None).await.unwrap();
        assert_eq!(
            fired.messages[0].reason(),
            Some("no state is kept for this booking (expired, or never saved)")
        );
        assert!(s.sent().is_empty());
    }

    // ------------------------------------------------------------- one booking, one key

    /// The shapes one booking's events come in: the canonical one (merchant object,
    /// `bookingId`, `confirmationNumber`), the merchant named on the booking only, no
    /// merchant at all and the id spelt `id`, Booxi's public sample (payload at the
    /// root, no event id, `event`, the confirmation number only), the confirmation number
    /// only, the booking id only.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Shape {
        Canonical,
        MerchantOnBooking,
        NoMerchant,
        PublicSample,
        ConfirmationOnly,
        IdOnly,
    }

    fn shaped(shape: Shape, body: support::Body) -> support::Body {
        let b = body.set("booking.confirmationNumber", json!("A00006500"));
        match shape {
            Shape::Canonical => b,
            Shape::MerchantOnBooking => b.remove("merchant").set("booking.merchantId", json!("5")),
            Shape::NoMerchant => b
                .remove("merchant")
                .remove("booking.bookingId")
                .set("booking.id", json!(778812)),
            Shape::ConfirmationOnly => b.remove("booking.bookingId"),
            Shape::IdOnly => b.remove("booking.confirmationNumber"),
            Shape::PublicSample => {
                let b = b.remove("merchant").remove("booking.bookingId");
                let mut root = b.0["content"].as_object().unwrap().clone();
                root.insert("event".into(), b.0["eventType"].clone());
                root.insert("createdOn".into(), b.0["createdOn"].clone());
                support::Body(serde_json::Value::Object(root))
            }
        }
    }

    /// Approved in one shape, canceled in another: one state, the cancel deletes the
    /// schedules the approval made, and their fires send nothing. Every pair of shapes
    /// that shares an id (a booking named only by its id and another only by its
    /// confirmation number cannot be told to be the same).
    #[tokio::test]
    async fn every_shape_of_a_booking_reaches_the_same_state_and_schedules() {
        use Shape::*;
        let with_confirmation = [
            Canonical,
            MerchantOnBooking,
            NoMerchant,
            PublicSample,
            ConfirmationOnly,
        ];
        let mut pairs: Vec<(Shape, Shape)> = with_confirmation
            .iter()
            .flat_map(|a| with_confirmation.iter().map(move |b| (*a, *b)))
            .collect();
        for other in [Canonical, MerchantOnBooking, NoMerchant] {
            pairs.push((IdOnly, other));
            pairs.push((other, IdOnly));
        }
        for (first, then) in pairs {
            let s = setup();
            let approved = shaped(
                first,
                body("appointment.created", "e1", "2030-06-01T10:00:00Z"),
            );
            let made = s.deliver(&approved).await;
            assert_eq!(made.schedules.len(), 2, "{first:?}: {:?}", made.schedules);
            let inputs = s.inputs();
            let cancel = shaped(
                then,
                body("appointment.canceled", "e2", "2030-06-02T10:00:00Z")
                    .with_previous()
                    .set("booking.status", json!("Cancelled")),
            );
            let canceled = s.deliver(&cancel).await;
            assert!(
                s.scheduler.all().is_empty(),
                "{first:?} then {then:?}: {:?}",
                canceled.schedules
            );
            assert_eq!(s.states.bookings().len(), 1, "{first:?} then {then:?}");
            for input in &inputs {
                let fired = s.core.fire(input, None).await.unwrap();
                assert_eq!(
                    fired.messages[0].reason(),
                    Some("the booking is Cancelled"),
                    "{first:?} then {then:?}"
                );
            }
            assert!(s.flow_sent().is_empty(), "{first:?} then {then:?}");
        }
    }

    /// With `merchant_id` configured, a body that names no merchant is that merchant's:
    /// its booking has the key it has with the merchant named.
    #[tokio::test]
    async fn the_configured_merchant_stands_for_a_merchant_not_named() {
        let s = setup_with(Config::from_toml(&format!("merchant_id = \"5\"\n{FLOWS}")).unwrap());
        s.deliver(&shaped(
            Shape::NoMerchant,
            body("appointment.created", "e1", "2030-06-01T10:00:00Z"),
        ))
        .await;
        assert_eq!(s.states.bookings(), ["5/778812"]);
        assert!(s.inputs().iter().all(|i| i["booking"] == "5/778812"));
    }

    // ------------------------------------------------------------- the booking's state

    /// Row: a field absent from an event keeps its last known value. An update without
    /// `status` or `startsOn` leaves an Approved booking's schedules as they were, and
    /// their fires send.
    #[tokio::test]
    async fn row_state_a_field_absent_from_an_event_keeps_its_value() {
        let s = setup();
        s.deliver(&body("appointment.created", "e1", "2030-06-01T10:00:00Z"))
            .await;
        let made = s.scheduler.all();
        let update = body("appointment.updated", "e2", "2030-06-02T10:00:00Z")
            .remove("booking.status")
            .remove("booking.startsOn")
            .remove("booking.client")
            .set("booking.quickNote", json!("Bring your glasses"));
        let summary = s.deliver(&update).await;
        assert!(
            summary.schedules.iter().all(|r| r.status == "done"),
            "{:?}",
            summary.schedules
        );
        assert_eq!(s.scheduler.all(), made);
        for input in s.inputs() {
            let fired = s.core.fire(&input, None).await.unwrap();
            assert_eq!(
                fired.messages[0].status(),
                Status::Sent,
                "{:?}",
                fired.messages
            );
        }
        assert_eq!(s.flow_sent().len(), 2);
    }

    /// Row: an event older than one merged, by its own time (the booking's `modifiedOn`,
    /// else `createdOn`), changes nothing.
    #[tokio::test]
    async fn row_state_an_older_event_by_its_own_time_changes_nothing() {
        let s = setup();
        s.deliver(
            &body("appointment.created", "e1", "2030-06-01T10:00:00Z")
                .set("booking.modifiedOn", json!("2030-06-01T10:00:00Z")),
        )
        .await;
        let moved = body("appointment.updated", "e2", "2030-06-01T12:00:00Z")
            .set("booking.modifiedOn", json!("2030-06-01T12:00:00Z"))
            .set("booking.startsOn", json!("2030-06-20T09:30:00Z"));
        s.deliver(&moved).await;
        let after_move = s.scheduler.all();
        assert!(
            after_move
                .iter()
                .all(|m| m.at.to_string() == "2030-06-19T09:30:00Z")
        );
        // Created later (Booxi's retry of an old change) but modified before the move.
        let old = body("appointment.updated", "e3", "2030-06-03T10:00:00Z")
            .set("booking.modifiedOn", json!("2030-06-01T11:00:00Z"))
            .set("booking.startsOn", json!("2030-06-10T15:00:00Z"));
        let summary = s.deliver(&old).await;
        assert!(summary.schedules.is_empty(), "{:?}", summary.schedules);
        assert_eq!(s.scheduler.all(), after_move);
    }

    /// Row: an event without a time of its own is merged, but never undoes a cancel: a
    /// retry of an old approval that lands after the cancel restores nothing.
    #[tokio::test]
    async fn row_state_a_timeless_event_never_undoes_a_cancel() {
        // Dated in the past: an event without a time used to be dated when processed,
        // which made it the newest.
        let s = setup();
        let approval = body("appointment.created", "e1", "");
        let mut approval = approval;
        approval.0.as_object_mut().unwrap().remove("createdOn");
        s.deliver(&body("appointment.created", "e0", "2026-01-01T10:00:00Z"))
            .await;
        let inputs = s.inputs();
        s.deliver(
            &body("appointment.canceled", "e2", "2026-01-02T10:00:00Z")
                .with_previous()
                .set("booking.status", json!("Cancelled")),
        )
        .await;
        assert!(s.scheduler.all().is_empty());
        let summary = s.deliver(&approval).await;
        assert!(
            s.scheduler.all().is_empty(),
            "the cancel was undone: {:?}",
            summary.schedules
        );
        for input in &inputs {
            let fired = s.core.fire(input, None).await.unwrap();
            assert_eq!(fired.messages[0].reason(), Some("the booking is Cancelled"));
        }
        // A no-show holds the same way.
        let s = setup();
        s.deliver(&body("appointment.created", "e0", "2026-01-01T10:00:00Z"))
            .await;
        s.deliver(
            &body("appointment.status_updated", "e2", "2026-01-02T10:00:00Z")
                .with_previous()
                .set("booking.client.presence", json!("NoShow")),
        )
        .await;
        s.deliver(&approval).await;
        assert!(s.scheduler.all().is_empty());
    }

    /// Row: a cancel made by an event without a time of its own is final, even against a
    /// later-dated event; one made by a dated event is undone by a later-dated one.
    #[tokio::test]
    async fn row_state_only_a_later_dated_event_undoes_a_dated_cancel() {
        let reapproval = || body("appointment.status_updated", "e3", "2030-06-03T10:00:00Z");
        // Dated cancel, later re-approval: the schedules are back.
        let s = setup();
        s.deliver(&body("appointment.created", "e1", "2030-06-01T10:00:00Z"))
            .await;
        s.deliver(
            &body("appointment.canceled", "e2", "2030-06-02T10:00:00Z")
                .set("booking.status", json!("Cancelled")),
        )
        .await;
        assert!(s.scheduler.all().is_empty());
        s.deliver(&reapproval()).await;
        assert_eq!(s.scheduler.all().len(), 2);
        // Timeless cancel: final.
        let s = setup();
        s.deliver(&body("appointment.created", "e1", "2030-06-01T10:00:00Z"))
            .await;
        let mut cancel =
            body("appointment.canceled", "e2", "").set("booking.status", json!("Cancelled"));
        cancel.0.as_object_mut().unwrap().remove("createdOn");
        s.deliver(&cancel).await;
        assert!(s.scheduler.all().is_empty());
        s.deliver(&reapproval()).await;
        assert!(s.scheduler.all().is_empty(), "{:?}", s.scheduler.all());
    }

    // ------------------------------------------------------------- late fires

    fn soon_config() -> Config {
        Config::from_toml(
            "[[flows]]\nname = \"starting_soon\"\nbefore_start = \"30m\"\nchannels = [\"sms\"]\n\
             [[flows]]\nname = \"thank_you\"\nafter_completed = \"2h\"\nlate_after = \"1h\"\n",
        )
        .unwrap()
    }

    /// A booking starting at `starts`, its state saved (by an event dated a day before),
    /// and the fire of its `starting_soon` SMS due 30 minutes before the start.
    async fn starting_soon_fire(s: &Setup, id: &str, starts: jiff::Timestamp) -> Value {
        let created = body(
            "appointment.created",
            id,
            &utc_seconds(starts - jiff::SignedDuration::from_hours(24)),
        )
        .set("booking.startsOn", json!(utc_seconds(starts)));
        s.deliver(&created).await;
        json!({"door": "schedule", "booking": "5/778812", "flow": "starting_soon",
               "audience": "client", "channel": "sms", "recipient": "client",
               "at": utc_seconds(starts - jiff::SignedDuration::from_mins(30))})
    }

    #[tokio::test]
    async fn a_late_fire_sends_nothing_stale() {
        let now = jiff::Timestamp::now();
        let mins = jiff::SignedDuration::from_mins;
        // Due 10 minutes ago, within late_after (half of 30 min): sent.
        let s = setup_with(soon_config());
        let fire = starting_soon_fire(&s, "e1", now + mins(20)).await;
        let fired = s.core.fire(&fire, None).await.unwrap();
        assert_eq!(
            fired.messages[0].status(),
            Status::Sent,
            "{:?}",
            fired.messages
        );
        // Due 20 minutes ago: more than late_after after its time.
        let s = setup_with(soon_config());
        let fire = starting_soon_fire(&s, "e1", now + mins(10)).await;
        let fired = s.core.fire(&fire, None).await.unwrap();
        assert_eq!(fired.messages[0].status(), Status::Skipped);
        let reason = fired.messages[0].reason().unwrap();
        assert!(
            reason.starts_with("too late: due at ")
                && reason.contains("more than late_after (15m)"),
            "{reason}"
        );
        // The booking has started: never at or after the start, whatever late_after says.
        let mut config = soon_config();
        config.flows[0].late_after = Some(jiff::SignedDuration::from_hours(5));
        let s = setup_with(config);
        let fire = starting_soon_fire(&s, "e1", now - mins(1)).await;
        let fired = s.core.fire(&fire, None).await.unwrap();
        let reason = fired.messages[0].reason().unwrap();
        assert!(
            reason.starts_with("too late: the booking started at "),
            "{reason}"
        );
        assert!(s.sent().iter().all(|m| !m.starts_with("starting_soon")));
    }

    #[tokio::test]
    async fn a_flows_event_is_published_in_time_once_never_late_and_retried_after_a_failure() {
        use booxi_notify::adapters::memory::MemoryBus;
        use booxi_notify::core::events_out::EventsOut;
        let now = jiff::Timestamp::now();
        let mins = jiff::SignedDuration::from_mins;
        let config = || {
            Config::from_toml(
                "[events_out]\nbus = \"b\"\n[[flows]]\nname = \"starting_soon\"\n\
                 before_start = \"30m\"\nchannels = [\"event\"]\n",
            )
            .unwrap()
        };
        let with_bus = || {
            let mut s = setup_with(config());
            let bus = Arc::new(MemoryBus::new());
            s.core.events_out = Some(EventsOut { bus: bus.clone() });
            (s, bus)
        };
        let fire_of = |starts: jiff::Timestamp| {
            json!({"door": "schedule", "booking": "5/778812", "flow": "starting_soon",
                   "channel": "event", "recipient": "booking",
                   "at": utc_seconds(starts - mins(30))})
        };
        let flow_events = |bus: &MemoryBus| {
            bus.entries()
                .into_iter()
                .filter(|e| e.detail_type == "Booking Starting Soon")
                .count()
        };
        // In time: published, once however often it fires.
        let (s, bus) = with_bus();
        let starts = now + mins(20);
        starting_soon_fire(&s, "e1", starts).await;
        let fire = fire_of(starts);
        let fired = s.core.fire(&fire, None).await.unwrap();
        assert_eq!(fired.event.unwrap().status, "published");
        assert_eq!(
            s.core.fire(&fire, None).await.unwrap().disposition,
            booxi_notify::core::outcome::Disposition::Duplicate
        );
        assert_eq!(flow_events(&bus), 1);
        // More than late_after (15m) after its time: nothing, counted as late.
        let (s, bus) = with_bus();
        let starts = now + mins(10);
        starting_soon_fire(&s, "e1", starts).await;
        let fired = s.core.fire(&fire_of(starts), None).await.unwrap();
        let event = fired.event.unwrap();
        assert_eq!(event.status, "skipped");
        assert!(
            event
                .reason
                .as_deref()
                .unwrap()
                .starts_with("too late: due at "),
            "{event:?}"
        );
        assert_eq!(flow_events(&bus), 0);
        // The bus does not take it: the fire fails (Scheduler retries); the retry publishes.
        let (s, bus) = with_bus();
        let starts = now + mins(20);
        starting_soon_fire(&s, "e1", starts).await;
        bus.fail(1);
        let failed = s.core.fire(&fire_of(starts), None).await;
        assert!(
            matches!(&failed, Err(booxi_notify::doors::schedule::FireError::NotSent(why)) if why == "PutEvents entry: InternalFailure"),
            "{failed:?}"
        );
        assert_eq!(flow_events(&bus), 0);
        let retried = s.core.fire(&fire_of(starts), None).await.unwrap();
        assert_eq!(retried.event.unwrap().status, "published");
        assert_eq!(flow_events(&bus), 1);
        // Without a bus any more (the setting removed since): nothing, and no error.
        let s = setup_with(config());
        let starts = now + mins(20);
        starting_soon_fire(&s, "e1", starts).await;
        let fired = s.core.fire(&fire_of(starts), None).await.unwrap();
        assert_eq!(
            fired.event.unwrap().reason.as_deref(),
            Some("events out are not configured ([events_out] bus)")
        );
    }

    /// A flow's event fires inside the quiet hours: published (they are for texts).
    #[tokio::test]
    async fn a_flows_event_fired_inside_quiet_hours_is_published() {
        use booxi_notify::adapters::memory::MemoryBus;
        use booxi_notify::core::events_out::EventsOut;
        let config = Config::from_toml(&format!(
            "[events_out]\nbus = \"b\"\n[[flows]]\nname = \"starting_soon\"\n\
             before_start = \"30m\"\nchannels = [\"event\"]\n[sms]\nquiet_hours = \"{}\"\n",
            testkit::bodies::window_around_now(-1, 1)
        ))
        .unwrap();
        let mut s = setup_with(config);
        let bus = Arc::new(MemoryBus::new());
        s.core.events_out = Some(EventsOut { bus: bus.clone() });
        let starts = jiff::Timestamp::now() + jiff::SignedDuration::from_mins(20);
        starting_soon_fire(&s, "e1", starts).await;
        let fire = json!({"door": "schedule", "booking": "5/778812", "flow": "starting_soon",
                          "channel": "event", "recipient": "booking",
                          "at": utc_seconds(starts - jiff::SignedDuration::from_mins(30))});
        let fired = s.core.fire(&fire, None).await.unwrap();
        let event = fired.event.unwrap();
        assert_eq!(event.status, "published", "{event:?}");
        assert_eq!(
            bus.entries()
                .iter()
                .filter(|e| e.detail_type == "Booking Starting Soon")
                .count(),
            1
        );
    }

    #[tokio::test]
    async fn an_after_completed_fire_later_than_its_late_after_sends_nothing() {
        let now = jiff::Timestamp::now();
        let s = setup_with(soon_config());
        let completed_at = now - jiff::SignedDuration::from_hours(4);
        s.deliver(
            &body("appointment.completed", "e1", &utc_seconds(completed_at))
                .with_previous()
                .set("booking.isCompleted", json!(true)),
        )
        .await;
        let fire = |at: jiff::Timestamp| {
            json!({"door": "schedule", "booking": "5/778812", "flow": "thank_you",
                   "audience": "client", "channel": "email", "recipient": "client",
                   "at": utc_seconds(at)})
        };
        // Due two hours ago, late_after one hour: nothing.
        let fired = s
            .core
            .fire(
                &fire(completed_at + jiff::SignedDuration::from_hours(2)),
                None,
            )
            .await
            .unwrap();
        assert!(
            fired.messages[0]
                .reason()
                .unwrap()
                .contains("more than late_after (1h)"),
            "{:?}",
            fired.messages
        );
        // Due half an hour ago: sent.
        let fired = s
            .core
            .fire(&fire(now - jiff::SignedDuration::from_mins(30)), None)
            .await
            .unwrap();
        assert_eq!(
            fired.messages[0].status(),
            Status::Sent,
            "{:?}",
            fired.messages
        );
    }

    // ------------------------------------------------------------- bounded, recorded work

    /// A scheduler that fails (temporarily) the upserts of one channel while `failing`
    /// is set, hangs while `hanging` is set, and counts the calls made.
    #[derive(Default)]
    struct Flaky {
        inner: MemoryScheduler,
        failing: Mutex<Option<&'static str>>,
        hanging: AtomicBool,
        calls: Mutex<Vec<String>>,
    }

    impl booxi_notify::core::schedules::Scheduler for Flaky {
        fn upsert<'a>(
            &'a self,
            schedule: &'a booxi_notify::core::schedules::Schedule,
        ) -> futures_util::future::BoxFuture<
            'a,
            Result<(), booxi_notify::core::schedules::ScheduleError>,
        > {
            Box::pin(async move {
                self.calls.lock().unwrap().push(schedule.input.clone());
                if self.hanging.load(Ordering::SeqCst) {
                    tokio::time::sleep(std::time::Duration::from_secs(30)).await;
                }
                let failing = *self.failing.lock().unwrap();
                if let Some(channel) = failing
                    && schedule
                        .input
                        .contains(&format!("\"channel\":\"{channel}\""))
                {
                    return Err(booxi_notify::core::schedules::ScheduleError {
                        temporary: true,
                        message: "CreateSchedule: ThrottlingException".into(),
                    });
                }
                self.inner.upsert(schedule).await
            })
        }

        fn delete<'a>(
            &'a self,
            name: &'a str,
        ) -> futures_util::future::BoxFuture<
            'a,
            Result<(), booxi_notify::core::schedules::ScheduleError>,
        > {
            self.inner.delete(name)
        }
    }

    fn with_flaky(s: &mut Setup) -> Arc<Flaky> {
        let flaky = Arc::new(Flaky::default());
        s.core.flows = Some(Flows {
            scheduler: flaky.clone(),
            states: s.states.clone(),
        });
        flaky
    }

    /// Each schedule change done is recorded: Booxi's retry of an event whose SMS
    /// schedule failed makes that one only.
    #[tokio::test]
    async fn a_retry_redoes_only_the_schedule_changes_that_failed() {
        let mut s = setup();
        let flaky = with_flaky(&mut s);
        *flaky.failing.lock().unwrap() = Some("sms");
        let created = body("appointment.created", "e1", "2030-06-01T10:00:00Z");
        let first = s.deliver(&created).await;
        assert_eq!(
            first.retry_wanted(),
            Some(booxi_notify::core::delivery::Failure::Temporary)
        );
        let statuses: Vec<(&str, &str)> = first
            .schedules
            .iter()
            .map(|r| (r.channel.name(), r.status))
            .collect();
        assert_eq!(statuses, [("email", "done"), ("sms", "failed")]);
        *flaky.failing.lock().unwrap() = None;
        flaky.calls.lock().unwrap().clear();
        let retry = s.deliver(&created).await;
        assert_eq!(retry.retry_wanted(), None, "{:?}", retry.schedules);
        let calls = flaky.calls.lock().unwrap().clone();
        assert_eq!(calls.len(), 1, "{calls:?}");
        assert!(calls[0].contains("\"channel\":\"sms\""), "{calls:?}");
        assert_eq!(
            retry.schedules[0].reason.as_deref(),
            Some("done by an earlier delivery of this event")
        );
        assert_eq!(flaky.inner.all().len(), 2);
    }

    /// Schedule changes stop at the delivery deadline: a Scheduler that does not answer
    /// holds the event no longer than its budget, and what was cut off is failed for a
    /// temporary reason (Booxi retries).
    #[tokio::test]
    async fn schedule_changes_end_at_the_delivery_deadline() {
        let mut s = setup();
        s.core.delivery.budget = std::time::Duration::from_millis(700);
        let flaky = with_flaky(&mut s);
        flaky.hanging.store(true, Ordering::SeqCst);
        let started = std::time::Instant::now();
        let summary = s
            .deliver(&body("appointment.created", "e1", "2030-06-01T10:00:00Z"))
            .await;
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert!(!summary.schedules.is_empty());
        for r in &summary.schedules {
            assert_eq!(r.status, "failed");
            assert_eq!(
                r.failure,
                Some(booxi_notify::core::delivery::Failure::Temporary)
            );
            let reason = r.reason.as_deref().unwrap();
            assert!(reason.contains("delivery deadline"), "{reason}");
        }
    }

    /// At most `max_schedules_per_event` changes per event, the client's first.
    #[tokio::test]
    async fn schedule_changes_per_event_are_capped() {
        let s = setup_with(
            Config::from_toml(&format!("max_schedules_per_event = 3\n{FLOWS}")).unwrap(),
        );
        let attendees: Vec<Value> = (0..50)
            .map(|i| json!({"id": i, "email": format!("a{i}@example.com"), "remindByEmail": true}))
            .collect();
        let summary = s
            .deliver(
                &body("appointment.created", "e1", "2030-06-01T10:00:00Z")
                    .set("booking.clientCommunication", json!("ClientAndAttendees"))
                    .set("booking.attendees", json!(attendees)),
            )
            .await;
        assert_eq!(summary.schedules.len(), 3);
        assert_eq!(s.scheduler.all().len(), 3);
        let inputs = s.inputs();
        assert_eq!(
            inputs.iter().filter(|i| i["recipient"] == "client").count(),
            2,
            "the client's first"
        );
    }

    use testkit::bodies::window_around_now as window;

    fn quiet_config(window: &str) -> Config {
        Config::from_toml(&format!(
            "sms_kinds = [\"reminder\"]\n[sms]\nquiet_hours = \"{window}\"\n"
        ))
        .unwrap()
    }

    fn reminder(id: &str) -> support::Body {
        let mut body =
            event("appointment.remind").set("booking.startsOn", json!("2030-06-10T15:00:00Z"));
        body.0["eventId"] = json!(id);
        body
    }

    #[tokio::test]
    async fn sms_quiet_hours_hold_back_quiet_kinds_until_a_schedule_sends_them_once() {
        let mut s = setup_with(quiet_config(&window(-1, 1)));
        let first = s.deliver(&reminder("e1")).await;
        let sms = first
            .messages
            .iter()
            .find(|m| m.channel == Some(booxi_notify::domain::notification::Channel::Sms))
            .unwrap();
        assert_eq!(sms.status(), Status::Deferred, "{first:?}");
        let at = sms.at().unwrap().to_owned();
        assert!(at > utc_seconds(jiff::Timestamp::now()), "{at}");
        assert_eq!(s.sent().len(), 1, "the email goes at once: {:?}", s.sent());
        let inputs = s.inputs();
        assert_eq!(inputs.len(), 1);
        // Keys only.
        assert_eq!(
            inputs[0],
            json!({"door": "schedule", "event": "e1", "kind": "reminder", "audience": "client",
                   "channel": "sms", "recipient": "client", "at": at})
        );
        // The event is kept for the fire, never under a booking's key.
        assert_eq!(s.states.bookings(), ["deferred:e1"]);
        // Booxi's retry in the night: the same schedule, nothing more sent.
        let again = s.core.process(&reminder("e1").parse(), None).await.unwrap();
        assert_eq!(again.disposition, Disposition::Duplicate);
        assert_eq!(s.scheduler.all().len(), 1);

        // Morning (the window has ended): the fire sends it once.
        s.core.config = quiet_config(&window(2, 4));
        let fired = s.core.fire(&inputs[0], None).await.unwrap();
        assert_eq!(fired.messages[0].status(), Status::Sent, "{fired:?}");
        assert_eq!(
            s.core.fire(&inputs[0], None).await.unwrap().disposition,
            Disposition::Duplicate
        );
        let texts: Vec<String> = s
            .sent()
            .into_iter()
            .filter(|m| m.starts_with("reminder sms"))
            .collect();
        assert_eq!(texts.len(), 1, "{:?}", s.sent());
        // Recorded under the event's own message key: a later delivery of the event (a
        // retry Booxi makes, or queued mode's redo) finds it sent.
        use booxi_notify::core::store::{IdempotencyStore, RecipientHasher, message_key};
        let planned = booxi_notify::plan(&reminder("e1").parse(), &s.core.config);
        let sms = planned
            .notifications
            .iter()
            .find(|n| n.channel == booxi_notify::domain::notification::Channel::Sms)
            .unwrap();
        let key = message_key(sms, &RecipientHasher::offline());
        let done = s
            .core
            .store
            .recorded(std::slice::from_ref(&key))
            .await
            .unwrap();
        assert_eq!(done.get(&key), Some(&booxi_notify::core::store::Done::Sent));
    }

    #[tokio::test]
    async fn sms_quiet_hours_at_the_fire() {
        // A held-back SMS whose fire comes inside the window (a late fire) sends nothing.
        let s = setup_with(quiet_config(&window(-1, 1)));
        s.deliver(&reminder("e2")).await;
        let inputs = s.inputs();
        let fired = s.core.fire(&inputs[0], None).await.unwrap();
        assert_eq!(fired.messages[0].status(), Status::Skipped);
        let reason = fired.messages[0].reason().unwrap();
        assert!(
            reason.starts_with("too late: fired at ") && reason.contains("inside the quiet hours"),
            "{reason}"
        );
        assert!(!s.sent().iter().any(|m| m.starts_with("reminder sms")));

        // A flow's SMS scheduled before quiet hours were configured, firing inside them.
        let start = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(12 + 730 * 24);
        let mut s = setup_with(
            Config::from_toml(
                "[[flows]]\nname = \"pre_visit\"\nbefore_start = \"24h\"\nchannels = [\"sms\"]",
            )
            .unwrap(),
        );
        let created = body("appointment.created", "e3", "2026-01-01T10:00:00Z")
            .set("booking.startsOn", json!(utc_seconds(start)));
        s.deliver(&created).await;
        let inputs = s.inputs();
        assert_eq!(inputs.len(), 1, "{inputs:?}");
        let mut late = s.core.config.clone();
        late.sms.quiet_hours =
            Some(booxi_notify::domain::sms::QuietHours::parse(&window(-1, 1)).unwrap());
        s.core.config = late;
        let fired = s.core.fire(&inputs[0], None).await.unwrap();
        assert_eq!(fired.messages[0].status(), Status::Skipped, "{fired:?}");
        assert!(
            fired.messages[0]
                .reason()
                .unwrap()
                .contains("inside the quiet hours"),
            "{fired:?}"
        );
        assert!(s.flow_sent().is_empty());
    }

    /// A flow `[whatsapp] kinds` lists goes by WhatsApp when it fires (the SMS of its
    /// `channels` replaced), once however often it fires.
    #[tokio::test]
    async fn a_flow_listed_for_whatsapp_fires_as_a_whatsapp_template_message() {
        let config = Config::from_toml(&format!(
            "{FLOWS}\n[whatsapp]\nphone_number_id = \"phone-number-id-0a1b\"\nkinds = [\"pre_visit\"]\n\
             link_base = \"https://booking.booxi.com/\"\n"
        ))
        .unwrap();
        let s = setup_with(config);
        s.deliver(&body("appointment.created", "e-wa", "2030-06-01T10:00:00Z"))
            .await;
        let inputs = s.inputs();
        let channels: Vec<&str> = inputs
            .iter()
            .map(|i| i["channel"].as_str().unwrap())
            .collect();
        assert_eq!(channels.len(), 2, "{inputs:?}");
        assert!(
            channels.contains(&"email") && channels.contains(&"whatsapp"),
            "{channels:?}"
        );
        for input in &inputs {
            s.core.fire(input, None).await.unwrap();
            let again = s.core.fire(input, None).await.unwrap();
            assert_eq!(again.disposition, Disposition::Duplicate);
        }
        let sent = s.flow_sent();
        assert_eq!(sent.len(), 2, "{sent:?}");
        // Its tracking page is under `link_base`: the template with the button.
        assert!(
            sent.contains(&"pre_visit whatsapp +15145550123: booxi_pre_visit".to_owned()),
            "{sent:?}"
        );
    }
}

// ======================================================================= templates

mod templates {
    use super::*;
    use booxi_notify::domain::notification::Notification;
    use booxi_notify::render::{Message, RenderConfig, Renderer};

    const ALL: &str = r#"
[brand]
review_url = "https://reviews.example.com/store-5"

[[flows]]
name = "pre_visit"
before_start = "24h"
channels = ["email", "sms"]

[[flows]]
name = "starting_soon"
before_start = "15m"
channels = ["email", "sms"]

[[flows]]
name = "thank_you"
after_completed = "2h"
channels = ["email", "sms"]

[[flows]]
name = "review_request"
after_completed = "2d"
channels = ["email", "sms"]
"#;

    fn scheduled(body: &support::Body, config: &Config) -> Vec<Notification> {
        let now = "2026-11-30T13:00:00Z".parse().unwrap();
        plan_at(&body.parse(), config, now)
            .schedules
            .into_iter()
            .filter_map(|c| match c {
                ScheduleChange::Upsert(s) => Some(s.notification),
                ScheduleChange::Publish(_) | ScheduleChange::Delete(_) => None,
            })
            .collect()
    }

    #[test]
    fn built_in_flows_render_in_the_six_languages_by_email_and_sms() {
        let config = Config::from_toml(ALL).unwrap();
        let renderer = Renderer::new(&RenderConfig::from(&config)).unwrap();
        for lang in ["eng", "fre", "spa", "por", "nld", "deu"] {
            let translated = |b: support::Body| {
                dated(b, CREATED)
                    .set("booking.client.language", json!(lang))
                    .set("booking.location", json!("VideoConference"))
                    .set("service.instructions", json!("Bring your card."))
                    .set(
                        "service.translations",
                        json!([{"language": lang, "name": format!("Service-{lang}"),
                                "instructions": format!("Instructions-{lang}")}]),
                    )
            };
            let before = translated(event("appointment.created"));
            let after = translated(
                event("appointment.completed")
                    .with_previous()
                    .set("booking.isCompleted", json!(true)),
            );
            let mut messages = scheduled(&before, &config);
            messages.extend(scheduled(&after, &config));
            let kinds: Vec<String> = messages
                .iter()
                .map(|n| format!("{}/{:?}", n.kind, n.channel))
                .collect();
            assert_eq!(messages.len(), 8, "{lang}: {kinds:?}");
            for n in &messages {
                let e = if n.kind.name().starts_with("pre") || n.kind.name().starts_with("start") {
                    before.parse()
                } else {
                    after.parse()
                };
                let rendered = renderer
                    .render(&e, n)
                    .unwrap_or_else(|err| panic!("{lang} {}: {err}", n.kind));
                let text = match &rendered {
                    Message::Email(m) => {
                        assert!(!m.subject.is_empty());
                        assert_eq!(m.language.code(), lang, "{}", n.kind);
                        format!("{}\n{}", m.subject, m.text)
                    }
                    Message::Sms(m) => {
                        assert!(m.segments.count <= 3, "{lang} {}: {}", n.kind, m.text);
                        m.text.clone()
                    }
                    Message::WhatsApp(m) => m.text.clone(),
                };
                let is_email = matches!(rendered, Message::Email(_));
                match n.kind.name() {
                    "pre_visit" => {
                        if lang != "eng" {
                            assert!(
                                text.contains(&format!("Instructions-{lang}")),
                                "{lang} pre_visit: {text}"
                            );
                        }
                        assert!(
                            text.contains("https://meet.example.com/client"),
                            "{lang} pre_visit: {text}"
                        );
                    }
                    "starting_soon" => {
                        assert!(
                            text.contains("https://meet.example.com/client"),
                            "{lang} starting_soon: {text}"
                        )
                    }
                    "review_request" => {
                        assert!(
                            text.contains("https://reviews.example.com/store-5"),
                            "{lang} review: {text}"
                        )
                    }
                    _ => {}
                }
                if is_email && n.kind.name() == "pre_visit" {
                    assert!(
                        text.contains("?lang="),
                        "links in the message's language: {text}"
                    );
                }
            }
        }
    }

    /// The pre-visit SMS reads as sentences whatever the service's instructions: the
    /// visit's date ends with a period, instructions get one unless they end with their
    /// own, and the link's label follows.
    #[test]
    fn the_pre_visit_sms_ends_its_sentences_before_the_link() {
        let config = Config::from_toml(ALL).unwrap();
        let renderer = Renderer::new(&RenderConfig::from(&config)).unwrap();
        for lang in ["eng", "fre", "spa", "por", "nld", "deu"] {
            for instructions in [None, Some("Arrive early"), Some("Arrive early!")] {
                let mut body = dated(event("appointment.created"), CREATED)
                    .set("booking.client.language", json!(lang))
                    .set("service.translations", json!([]));
                if let Some(i) = instructions {
                    body = body.set("service.instructions", json!(i));
                }
                let pre_visit_sms = scheduled(&body, &config)
                    .into_iter()
                    .find(|n| n.kind.name() == "pre_visit" && format!("{:?}", n.channel) == "Sms")
                    .expect("a pre_visit SMS is scheduled");
                let Message::Sms(sms) = renderer.render(&body.parse(), &pre_visit_sms).unwrap()
                else {
                    panic!("an SMS")
                };
                let text = sms.text;
                // French puts a space before the colon: read "Détails :" as one word.
                let plain = text.replace(" :", ":");
                let (before_link, _) = plain.split_once(" https://").expect("a link");
                let (sentences, label) = before_link.rsplit_once(' ').unwrap();
                assert!(label.ends_with(':'), "{lang}: {text}");
                assert!(
                    sentences.ends_with('.') || sentences.ends_with('!'),
                    "{lang}, instructions {instructions:?}: {text}"
                );
                assert!(!text.contains(".."), "{lang}: {text}");
                if let Some(i) = instructions {
                    assert!(text.contains(i), "{lang}: {text}");
                }
            }
        }
    }

    #[test]
    fn custom_flows_need_their_templates_in_templates_dir() {
        let dir = std::env::temp_dir().join(format!("booxi-flows-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("eng")).unwrap();
        let toml =
            "[[flows]]\nname = \"aftercare\"\nafter_completed = \"3d\"\nchannels = [\"email\"]";
        let config = Config::from_toml(toml).unwrap();
        let err = Renderer::new(&RenderConfig::from(&config)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "flows[0].name: no template <language>/aftercare.email.html (built in: pre_visit, \
             starting_soon, thank_you, review_request; others go in templates_dir)"
        );
        std::fs::write(
            dir.join("eng/aftercare.email.html"),
            "{% extends layout %}{% block subject %}Caring for your {{ service }}{% endblock %}\
             {% block heading %}Aftercare{% endblock %}{% block body %}Rest well.{% endblock %}",
        )
        .unwrap();
        let config = RenderConfig {
            templates_dir: Some(dir.clone()),
            ..RenderConfig::from(&config)
        };
        let renderer = Renderer::new(&config).unwrap();
        let completed = dated(
            event("appointment.completed")
                .with_previous()
                .set("booking.isCompleted", json!(true)),
            CREATED,
        );
        let flows = Config::from_toml(toml).unwrap();
        let n = &scheduled(&completed, &flows)[0];
        match renderer.render(&completed.parse(), n).unwrap() {
            Message::Email(m) => assert_eq!(m.subject, "Caring for your Consultation"),
            other => panic!("{other:?}"),
        }
        // Without the flow configured, the same file is a file that would never be used.
        let unused = Renderer::new(&RenderConfig {
            templates_dir: Some(dir.clone()),
            ..RenderConfig::default()
        })
        .unwrap_err();
        assert!(
            unused.to_string().contains("aftercare.email.html"),
            "{unused}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
