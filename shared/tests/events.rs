//! Every file in `events/` plans to what its name says. A new scenario file must be
//! added here too: the test fails on a file it has no expectation for.

use std::collections::BTreeMap;
use std::path::PathBuf;

use booxi_notify::doors::input;
use booxi_notify::{Config, Event, plan};

/// File stem → the planned messages, as `kind/audience/channel`, in plan order.
const EXPECTED: &[(&str, &[&str])] = &[
    (
        "confirmation-created",
        &[
            "confirmation/client/email",
            "confirmation/client/sms",
            "staff_new_booking/staff/email",
        ],
    ),
    (
        "confirmation-status-updated",
        &[
            "confirmation/client/email",
            "confirmation/client/sms",
            "staff_approved/staff/email",
        ],
    ),
    (
        "confirmation-updated-approved-and-moved",
        &[
            "confirmation/client/email",
            "confirmation/client/sms",
            "staff_approved/staff/email",
        ],
    ),
    (
        "request-received",
        &[
            "request_received/client/email",
            "staff_new_booking/staff/email",
        ],
    ),
    (
        "awaiting-client-confirmation-created",
        &["awaiting_client_confirmation/client/email"],
    ),
    (
        "awaiting-client-confirmation-updated",
        &["awaiting_client_confirmation/client/email"],
    ),
    (
        "changed-date",
        &[
            "changed/client/email",
            "changed/client/sms",
            "staff_changed/staff/email",
        ],
    ),
    (
        "canceled-by-store",
        &[
            "canceled_by_store/client/email",
            "canceled_by_store/client/sms",
            "staff_canceled/staff/email",
        ],
    ),
    (
        "canceled-by-client",
        &[
            "canceled_by_client/client/email",
            "staff_canceled/staff/email",
        ],
    ),
    ("no-show", &["no_show/client/email"]),
    ("completed", &["completed/client/email"]),
    (
        "reminder",
        &["reminder/client/email", "reminder/client/sms"],
    ),
    ("recall", &["recall/client/email"]),
    (
        "reservation-completed",
        &["reservation_completed/client/email"],
    ),
    (
        "staff-new-booking-by-other-staff",
        &["confirmation/client/email", "staff_new_booking/staff/email"],
    ),
    (
        "staff-needs-dispatch",
        &[
            "request_received/client/email",
            "staff_needs_dispatch/staff/email",
        ],
    ),
    (
        "staff-flexible-dates",
        &[
            "request_received/client/email",
            "staff_new_booking/staff/email",
            "staff_flexible_dates/staff/email",
        ],
    ),
    (
        "staff-approved",
        &[
            "confirmation/client/email",
            "confirmation/client/sms",
            "staff_approved/staff/email",
        ],
    ),
    (
        "staff-changed-location-by-self",
        &[
            "changed/client/email",
            "changed/client/sms",
            "staff_changed/staff/email",
        ],
    ),
    (
        "staff-canceled-by-other-staff",
        &[
            "canceled_by_store/client/email",
            "canceled_by_store/client/sms",
            "staff_canceled/staff/email",
        ],
    ),
    (
        "group-reservation-attendees",
        &[
            "reservation_completed/client/email",
            "reservation_completed/attendee/email",
            "reservation_completed/attendee/email",
        ],
    ),
    ("do-not-send", &["staff_new_booking/staff/email"]),
    (
        "client-without-email",
        &["confirmation/client/sms", "staff_new_booking/staff/email"],
    ),
    (
        "french-client",
        &["confirmation/client/email", "staff_new_booking/staff/email"],
    ),
    (
        "alias-appointment-canceled",
        &[
            "canceled_by_client/client/email",
            "staff_canceled/staff/email",
        ],
    ),
    ("alias-appointment-completed", &["completed/client/email"]),
    (
        "event-content-envelope",
        &[
            "confirmation/client/email",
            "confirmation/client/sms",
            "staff_new_booking/staff/email",
        ],
    ),
    ("unknown-type", &[]),
    (
        "root-envelope",
        &[
            "confirmation/client/email",
            "confirmation/client/sms",
            "staff_new_booking/staff/email",
        ],
    ),
    (
        "root-envelope-without-id",
        &[
            "confirmation/client/email",
            "confirmation/client/sms",
            "staff_approved/staff/email",
        ],
    ),
    (
        "rest-model-fields",
        &[
            "confirmation/client/email",
            "confirmation/client/sms",
            "staff_new_booking/staff/email",
        ],
    ),
    // With the alias of EVENTS_CONFIG; without it, ignored (see `scenario_details`).
    (
        "custom-type-booking-confirmed",
        &[
            "confirmation/client/email",
            "confirmation/client/sms",
            "staff_new_booking/staff/email",
        ],
    ),
];

/// The configuration the scenarios are planned with: the defaults, and the alias the
/// custom type scenario needs.
const EVENTS_CONFIG: &str = "[event_aliases]\n\"booking.confirmed\" = \"appointment.created\"\n";

fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events")
}

fn plan_file(stem: &str) -> (Event, booxi_notify::Plan) {
    let path = events_dir().join(format!("{stem}.json"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let body = input::booxi_body(&bytes).unwrap_or_else(|e| panic!("{stem}: {e}"));
    let config = Config::from_toml(EVENTS_CONFIG).unwrap();
    let event = Event::read(&body, &config).unwrap_or_else(|e| panic!("{stem}: {e}"));
    let plan = plan(&event, &config);
    (event, plan)
}

fn summary(plan: &booxi_notify::Plan) -> Vec<String> {
    plan.notifications
        .iter()
        .map(|n| format!("{}/{:?}/{:?}", n.kind, n.audience, n.channel).to_lowercase())
        .collect()
}

#[test]
fn every_event_file_plans_to_what_its_name_says() {
    let expected: BTreeMap<&str, &[&str]> = EXPECTED.iter().copied().collect();
    let mut seen = 0;
    for path in testkit::events::event_files() {
        let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let want = expected.get(stem.as_str()).unwrap_or_else(|| {
            panic!("events/{stem}.json has no expectation in shared/tests/events.rs")
        });
        let (_, plan) = plan_file(&stem);
        assert_eq!(summary(&plan), *want, "events/{stem}.json");
        seen += 1;
    }
    assert_eq!(
        seen,
        EXPECTED.len(),
        "a scenario listed here is missing from events/"
    );
}

/// The stems of the API Gateway events in `events/` (JSON with a `requestContext`; other
/// JSON there, such as a settings file for local runs, is not an event).
fn stems() -> Vec<String> {
    let is_event = |path: &PathBuf| {
        std::fs::read(path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
            .is_some_and(|v| v.get("requestContext").is_some())
    };
    let mut stems: Vec<String> = std::fs::read_dir(events_dir())
        .expect("events/ exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().and_then(|e| e.to_str()) == Some("json"))
        .filter(is_event)
        .map(|path| path.file_stem().unwrap().to_str().unwrap().to_owned())
        .collect();
    assert!(stems.len() >= 20, "only {} events in events/", stems.len());
    stems.sort();
    stems
}

/// Names that say which edge case a file is rather than a kind.
const EDGE_CASES: [&str; 10] = [
    "group", "do", "client", "french", "alias", "event", "unknown", "root", "rest", "custom",
];

#[test]
fn the_name_of_each_scenario_is_a_kind_it_plans() {
    // `confirmation-created` plans a `confirmation`; `staff-needs-dispatch` a
    // `staff_needs_dispatch`: checked on what each file actually plans.
    for stem in stems() {
        let (_, plan) = plan_file(&stem);
        let planned: Vec<&str> = plan.notifications.iter().map(|n| n.kind.name()).collect();
        let words: Vec<&str> = stem.split('-').collect();
        let named = (1..=words.len())
            .map(|n| words[..n].join("_"))
            .any(|prefix| planned.contains(&prefix.as_str()));
        assert!(
            named || EDGE_CASES.contains(&words[0]),
            "events/{stem}.json does not name a kind it plans: {planned:?}"
        );
    }
}

#[test]
fn there_is_a_scenario_per_client_kind_and_per_staff_kind() {
    use booxi_notify::Kind;
    let plans: Vec<(String, Vec<Kind>)> = stems()
        .into_iter()
        .map(|stem| {
            let (_, plan) = plan_file(&stem);
            let kinds = plan.notifications.iter().map(|n| n.kind).collect();
            (stem, kinds)
        })
        .collect();
    for kind in Kind::CLIENT.into_iter().chain(Kind::STAFF) {
        let name = kind.name().replace('_', "-");
        assert!(
            plans
                .iter()
                .any(|(stem, kinds)| stem.starts_with(&name) && kinds.contains(&kind)),
            "no events/{name}*.json file that plans a {kind}"
        );
    }
}

#[test]
fn scenario_details() {
    // The French client gets French, with the tracking page in French.
    let (_, plan) = plan_file("french-client");
    let n = &plan.notifications[0];
    assert_eq!(n.language.code(), "fre");
    assert!(
        n.links
            .as_ref()
            .unwrap()
            .view
            .as_str()
            .ends_with("?lang=fre")
    );
    // No email → no tracking page → no links.
    let (_, plan) = plan_file("client-without-email");
    assert!(plan.notifications[0].links.is_none());
    // The eventContent envelope with `id`/`type` reads like the canonical one.
    let (event, _) = plan_file("event-content-envelope");
    assert_eq!(event.id, "evt-0207");
    // Unknown types are ignored, with the reason.
    let (_, plan) = plan_file("unknown-type");
    assert!(plan.ignored.is_some());
    // The reminder's body is base64, as SAM generates it.
    let raw: serde_json::Value =
        serde_json::from_slice(&std::fs::read(events_dir().join("reminder.json")).unwrap())
            .unwrap();
    assert_eq!(raw["isBase64Encoded"], true);

    // The root envelope reads like the wrapped one; without an id, the id is derived
    // from the body, the same at every reading.
    let (event, plan) = plan_file("root-envelope");
    assert_eq!(event.id, "evt-0301");
    assert_eq!(
        plan.notifications[0].links.as_ref().unwrap().view.as_str(),
        "https://book.booxi.com/tracking/8c1f2a9e4b7d4f0e?lang=eng"
    );
    let (event, _) = plan_file("root-envelope-without-id");
    assert!(event.id_derived && event.id.starts_with("derived-"));
    assert_eq!(plan_file("root-envelope-without-id").0.id, event.id);
    assert!(event.previous.is_some());

    // REST-model fields are read; the tracking page on the client gives the links.
    let (event, plan) = plan_file("rest-model-fields");
    assert_eq!(event.booking.id.as_deref(), Some("778812"));
    assert_eq!(
        event.booking.quick_note.as_deref(),
        Some("Allergic to latex gloves")
    );
    assert_eq!(
        event.booking.items[0]
            .price
            .as_ref()
            .unwrap()
            .currency
            .as_deref(),
        Some("CAD")
    );
    assert_eq!(
        event
            .booking
            .payment
            .as_ref()
            .unwrap()
            .online_status
            .as_deref(),
        Some("Paid")
    );
    assert_eq!(
        event.client_links[0].external_id.as_deref(),
        Some("crm-000123")
    );
    assert!(plan.notifications[0].links.is_some());

    // The custom type plans through its alias, and is ignored without it.
    let (event, _) = plan_file("custom-type-booking-confirmed");
    assert_eq!(event.aliased_from.as_deref(), Some("booking.confirmed"));
    assert!(event.id_derived);
    let bytes = std::fs::read(events_dir().join("custom-type-booking-confirmed.json")).unwrap();
    let body = input::booxi_body(&bytes).unwrap();
    let unaliased = Event::read(&body, &Config::default()).unwrap();
    let ignored = booxi_notify::plan(&unaliased, &Config::default());
    assert!(ignored.ignored.is_some() && ignored.notifications.is_empty());
}

/// File stem → the detail-type of the booking event published for it (`[events_out]`),
/// the first row of docs/events-out.md that applies. `unknown-type` publishes nothing.
const DETAIL_TYPES: &[(&str, &str)] = &[
    ("alias-appointment-canceled", "Booking Canceled"),
    ("alias-appointment-completed", "Booking Completed"),
    ("awaiting-client-confirmation-created", "Booking Created"),
    (
        "awaiting-client-confirmation-updated",
        "Booking Pending Approval",
    ),
    ("canceled-by-client", "Booking Canceled"),
    ("canceled-by-store", "Booking Canceled"),
    ("changed-date", "Booking Moved"),
    ("client-without-email", "Booking Created"),
    ("completed", "Booking Completed"),
    ("confirmation-created", "Booking Created"),
    ("confirmation-status-updated", "Booking Approved"),
    // Approved and moved at once: Approved comes first (the detail's `changes` says both).
    (
        "confirmation-updated-approved-and-moved",
        "Booking Approved",
    ),
    ("custom-type-booking-confirmed", "Booking Created"),
    ("do-not-send", "Booking Created"),
    ("event-content-envelope", "Booking Created"),
    ("french-client", "Booking Created"),
    ("group-reservation-attendees", "Booking Completed"),
    ("no-show", "Booking No-Show"),
    ("recall", "Recall Due"),
    ("reminder", "Reminder Due"),
    ("request-received", "Booking Created"),
    ("reservation-completed", "Booking Completed"),
    ("rest-model-fields", "Booking Created"),
    ("root-envelope", "Booking Created"),
    ("root-envelope-without-id", "Booking Approved"),
    ("staff-approved", "Booking Approved"),
    ("staff-canceled-by-other-staff", "Booking Canceled"),
    ("staff-changed-location-by-self", "Booking Moved"),
    ("staff-flexible-dates", "Booking Created"),
    ("staff-needs-dispatch", "Booking Created"),
    ("staff-new-booking-by-other-staff", "Booking Created"),
];

/// The scenario, its plan and its detail with `[events_out]` (contact data as asked),
/// its messages reported sent and its skipped ones skipped.
fn published(
    stem: &str,
    contact_data: bool,
) -> (Event, booxi_notify::Plan, Option<serde_json::Value>) {
    use booxi_notify::domain::events_out::{DetailMessage, detail};
    let path = events_dir().join(format!("{stem}.json"));
    let body = input::booxi_body(&std::fs::read(&path).unwrap()).unwrap();
    let config = Config::from_toml(&format!(
        "{EVENTS_CONFIG}[events_out]\nbus = \"booxi-notify\"\ncontact_data = {contact_data}\n"
    ))
    .unwrap();
    let event = Event::read(&body, &config).unwrap();
    let plan = plan(&event, &config);
    let messages: Vec<DetailMessage> = plan
        .notifications
        .iter()
        .map(|n| DetailMessage {
            kind: n.kind,
            audience: n.audience,
            channel: Some(n.channel),
            status: "sent",
            fallback_for: n.fallback_for,
        })
        .chain(plan.skipped.iter().map(|s| DetailMessage {
            kind: s.kind,
            audience: s.audience,
            channel: s.channel,
            status: "skipped",
            fallback_for: None,
        }))
        .collect();
    let detail = booxi_notify::domain::events_out::planned(&event, &config, &plan)
        .map(|_| serde_json::to_value(detail(&event, &config, &messages)).unwrap());
    (event, plan, detail)
}

#[test]
fn every_event_file_publishes_its_documented_detail_type_with_a_valid_detail() {
    let expected: BTreeMap<&str, &str> = DETAIL_TYPES.iter().copied().collect();
    let mut details = Vec::new();
    for stem in stems() {
        let (event, plan, detail) = published(&stem, true);
        if stem == "unknown-type" {
            assert!(plan.ignored.is_some() && detail.is_none(), "{stem}");
            continue;
        }
        let want = expected
            .get(stem.as_str())
            .unwrap_or_else(|| panic!("events/{stem}.json has no detail-type in DETAIL_TYPES"));
        let got = booxi_notify::domain::events_out::detail_type(&event)
            .detail_type
            .name();
        assert_eq!(got, *want, "events/{stem}.json");
        details.push(detail.unwrap());
        // Without contact data: the same detail, less the client's email and mobile.
        let (_, _, without) = published(&stem, false);
        let mut without = without.unwrap();
        if let Some(client) = without["client"].as_object() {
            assert!(
                !client.contains_key("email") && !client.contains_key("mobile"),
                "{stem}: {without}"
            );
        }
        let mut with = details.last().cloned().unwrap();
        if let Some(client) = with["client"].as_object_mut() {
            client.remove("email");
            client.remove("mobile");
        }
        without["client"] = with["client"].clone();
        assert_eq!(
            without, with,
            "{stem}: contact_data = false changes only the client"
        );
        details.push(without);
    }
    assert_eq!(details.len(), 2 * DETAIL_TYPES.len());
    testkit::schema::assert_valid_details(&details);
}

#[test]
fn the_detail_of_a_created_booking_reads_as_documented() {
    let (_, _, detail) = published("confirmation-created", true);
    assert_eq!(
        detail.unwrap(),
        serde_json::json!({
            "schema_version": 1,
            "event_id": "evt-0001",
            "event_type": "appointment.created",
            "occurred_at": "2026-11-20T14:02:11Z",
            "merchant": {"id": "501", "name": "Atelier Lumière"},
            "booking_id": "778812",
            "confirmation_number": "A00006500",
            "method": "appointment",
            "status": "approved",
            "presence": "expecting",
            "completed": false,
            "client_communication": "client_only",
            "start": {"utc": "2026-12-03T15:00:00Z", "local": "2026-12-03T10:00:00-05:00", "time_zone": "America/Toronto"},
            "end": {"utc": "2026-12-03T15:45:00Z", "local": "2026-12-03T10:45:00-05:00", "time_zone": "America/Toronto"},
            "service": {"id": "3301", "name": "Colour consultation"},
            "staff": {"id": "2101", "name": "Marie Tremblay"},
            "location": {"kind": "store"},
            "client": {
                "id": "90412", "first_name": "Jane", "last_name": "Doe", "language": "eng",
                "email": "jane.doe@example.com", "mobile": "+15145550123"
            },
            "links": {
                "language": "eng",
                "view": "https://book.booxi.com/tracking/8c1f2a9e4b7d4f0e?lang=eng",
                "modify": "https://book.booxi.com/tracking/8c1f2a9e4b7d4f0e?lang=eng&action=modify",
                "cancel": "https://book.booxi.com/tracking/8c1f2a9e4b7d4f0e?lang=eng&action=cancel"
            },
            "changes": [],
            "messages": [
                {"kind": "confirmation", "audience": "client", "channel": "email", "status": "sent"},
                {"kind": "confirmation", "audience": "client", "channel": "sms", "status": "sent"},
                {"kind": "staff_new_booking", "audience": "staff", "channel": "email", "status": "sent"}
            ]
        })
    );
    // A move says what it was before; the French client's page opens in French; the
    // client's links to other systems are carried.
    let (_, _, moved) = published("changed-date", true);
    let moved = moved.unwrap();
    assert_eq!(moved["changes"], serde_json::json!(["start"]));
    assert_eq!(moved["previous"]["start"]["utc"], "2026-12-03T15:00:00Z");
    assert_eq!(moved["start"]["utc"], "2026-12-10T19:00:00Z");
    let (_, _, french) = published("french-client", true);
    assert_eq!(french.unwrap()["links"]["language"], "fre");
    let (_, _, rest) = published("rest-model-fields", false);
    let rest = rest.unwrap();
    // Keyed by the link's module id, so a rule can name it.
    assert_eq!(
        rest["client"]["external_ids"],
        serde_json::json!({"7": "crm-000123"})
    );
    assert!(rest["client"].get("email").is_none());
    let (_, _, dns) = published("do-not-send", true);
    assert_eq!(dns.unwrap()["client_communication"], "do_not_send");
}

/// An SMS held back by quiet hours is `deferred` in the detail: what its answer says.
#[test]
fn an_sms_held_back_by_quiet_hours_reads_deferred_in_a_valid_detail() {
    use booxi_notify::core::events_out::detail_messages;
    use booxi_notify::core::outcome::{MessageReport, Outcome};
    let (event, plan, _) = published("confirmation-created", true);
    let reports: Vec<MessageReport> = plan
        .notifications
        .iter()
        .map(|n| MessageReport {
            kind: n.kind,
            audience: n.audience,
            channel: Some(n.channel),
            outcome: match n.channel {
                booxi_notify::domain::notification::Channel::Sms => {
                    Outcome::held_back("2026-12-04T13:00:00Z".parse().unwrap())
                }
                _ => Outcome::Queued,
            },
            fallback_for: n.fallback_for,
        })
        .collect();
    let config = Config::from_toml(&format!(
        "{EVENTS_CONFIG}[events_out]\nbus = \"booxi-notify\"\n"
    ))
    .unwrap();
    let detail = serde_json::to_value(booxi_notify::domain::events_out::detail(
        &event,
        &config,
        &detail_messages(&reports),
    ))
    .unwrap();
    assert_eq!(
        detail["messages"],
        serde_json::json!([
            {"kind": "confirmation", "audience": "client", "channel": "email", "status": "queued"},
            {"kind": "confirmation", "audience": "client", "channel": "sms", "status": "deferred"},
            {"kind": "staff_new_booking", "audience": "staff", "channel": "email", "status": "queued"}
        ])
    );
    testkit::schema::assert_valid_details(&[detail]);
}

#[test]
fn client_links_are_keyed_by_module_id_and_unaddressable_ones_left_out() {
    use booxi_notify::domain::events_out::detail;
    let body = testkit::bodies::event("appointment.created").set(
        "clientLinks",
        serde_json::json!([
            {"moduleId": "line", "externalId": "U4af4980629"},
            {"moduleId": 12, "externalId": 90412},
            {"moduleId": "has space", "externalId": "x"},
            {"externalId": "no-module"},
            {"moduleId": "empty"}
        ]),
    );
    let config = Config::from_toml("[events_out]\nbus = \"b\"").unwrap();
    let out = serde_json::to_value(detail(&body.parse(), &config, &[])).unwrap();
    assert_eq!(
        out["client"]["external_ids"],
        serde_json::json!({"line": "U4af4980629", "12": "90412"})
    );
    testkit::schema::assert_valid_details(&[out]);
}

#[test]
fn a_hostile_body_gives_a_bounded_valid_detail() {
    use booxi_notify::domain::events_out::{DetailMessage, detail};
    use booxi_notify::domain::notification::{Audience, Channel, Kind};
    let long = "é".repeat(50_000);
    let body = testkit::bodies::event("appointment.created")
        .set("booking.client.firstName", serde_json::json!(long))
        .set(
            "booking.bookingId",
            serde_json::json!("\u{202E}1\n2\u{200B}3"),
        )
        .set("service.name", serde_json::json!("Cut\r\nBcc: x"))
        .set(
            "booking.trackingPage.viewURL",
            serde_json::json!(format!("https://book.example.com/{}", "a".repeat(5_000))),
        )
        .set(
            "clientLinks",
            serde_json::Value::Array(
                (0..500)
                    .map(|i| serde_json::json!({"moduleId": format!("m{i}"), "externalId": long}))
                    .collect(),
            ),
        );
    let config = Config::from_toml("[events_out]\nbus = \"b\"").unwrap();
    let messages: Vec<DetailMessage> = (0..500)
        .map(|_| DetailMessage {
            kind: Kind::Confirmation,
            audience: Audience::Attendee,
            channel: Some(Channel::Email),
            status: "sent",
            fallback_for: None,
        })
        .collect();
    let out = serde_json::to_value(detail(&body.parse(), &config, &messages)).unwrap();
    assert_eq!(out["messages"].as_array().unwrap().len(), 200);
    assert_eq!(out["messages_omitted"], 300);
    assert_eq!(
        out["client"]["first_name"]
            .as_str()
            .unwrap()
            .chars()
            .count(),
        200
    );
    assert_eq!(out["booking_id"], "1 23");
    assert_eq!(out["service"]["name"], "Cut Bcc: x");
    // A link too long to carry whole is left out, never cut.
    assert!(out.get("links").is_none(), "{}", out["links"]);
    assert_eq!(out["client"]["external_ids"].as_object().unwrap().len(), 10);
    let size = out.to_string().len();
    assert!(size < 64 * 1024, "{size} bytes");
    testkit::schema::assert_valid_details(&[out]);
}

/// Every sample's event as a rule's target receives it, and a flow's "Booking Starting
/// Soon" for a client whose LINE user id is a client link (with and without DoNotSend).
fn delivered_events() -> Vec<serde_json::Value> {
    use booxi_notify::domain::events_out::flow_detail;
    use booxi_notify::domain::notification::FlowName;
    let envelope = |detail_type: &str, detail: serde_json::Value| {
        serde_json::json!({
            "version": "0", "id": "0a1b2c3d-0000-4000-8000-000000000000",
            "detail-type": detail_type, "source": "booxi-notify", "account": "123456789012",
            "time": "2026-11-20T14:02:13Z", "region": "us-east-1", "resources": [],
            "detail": detail,
        })
    };
    let mut events = Vec::new();
    for stem in stems() {
        let (event, _, detail) = published(&stem, true);
        if let Some(detail) = detail {
            let name = booxi_notify::domain::events_out::detail_type(&event)
                .detail_type
                .name();
            events.push(envelope(&name, detail));
        }
    }
    let config = Config::from_toml("[events_out]\nbus = \"b\"").unwrap();
    for communication in ["ClientOnly", "DoNotSend"] {
        let state = testkit::bodies::event("appointment.created")
            .set(
                "clientLinks",
                serde_json::json!([{"moduleId": "line", "externalId": "U4af4980629"}]),
            )
            .set(
                "booking.clientCommunication",
                serde_json::json!(communication),
            )
            .parse();
        let detail = flow_detail(
            &state,
            &config,
            &format!("bx.starting_soon.0123456789abcdef01234567-{communication}"),
            FlowName::parse("starting_soon").unwrap(),
            "2026-12-03T14:45:00Z".parse().unwrap(),
        );
        events.push(envelope(
            "Booking Starting Soon",
            serde_json::to_value(detail).unwrap(),
        ));
    }
    events
}

/// The recipes of examples/ run on those events (scripts/check-examples.py: the rules'
/// patterns by moto's matcher, the input transformers as EventBridge applies them, the
/// bodies checked against each API's documented shape). Needs the deploy tools' cfn-lint
/// in the venv: skipped without it, except where CI requires it.
#[test]
fn the_recipes_of_examples_match_the_events_and_send_what_their_apis_take() {
    let python = testkit::moto::moto_binary().with_file_name("python");
    let has_cfnlint = std::process::Command::new(&python)
        .args(["-c", "import cfnlint, moto"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_cfnlint {
        let required = ["CI", "BOOXI_REQUIRE_SAM"]
            .iter()
            .any(|k| std::env::var_os(k).is_some_and(|v| !v.is_empty()));
        assert!(
            !required,
            "no cfn-lint in {}: run scripts/tools.sh all",
            python.display()
        );
        eprintln!("skipped: no cfn-lint beside moto (scripts/tools.sh deploy installs it)");
        return;
    }
    let events = delivered_events();
    testkit::schema::assert_valid_details(
        &events
            .iter()
            .map(|e| e["detail"].clone())
            .collect::<Vec<_>>(),
    );
    let file = std::env::temp_dir().join(format!("booxi-recipes-{}.json", std::process::id()));
    std::fs::write(&file, serde_json::Value::Array(events).to_string()).unwrap();
    let out = std::process::Command::new(&python)
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/check-examples.py"))
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    eprint!("{}", String::from_utf8_lossy(&out.stdout));
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
