//! Property tests of the tolerance rule "never reject a delivery for a field we do not
//! know, never panic": (a) arbitrary JSON, with keys drawn partly from Booxi's field
//! names so the deep paths get read, and (b) random mutations of the sample bodies
//! (`events/*.json` and a few inline ones). Whenever a body parses, the plan must only
//! address valid email addresses and E.164 numbers.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use booxi_notify::domain::contact::{Country, EmailAddress, PhoneNumber};
use booxi_notify::domain::event::ClientCommunication;
use booxi_notify::domain::notification::{Address, Audience, Channel};
use booxi_notify::doors::input::booxi_body;
use booxi_notify::{Config, Event, Plan, plan};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::RngAlgorithm;
use serde_json::{Map, Number, Value, json};

const EVENTS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../events");

/// Cases per property: `PROPTEST_CASES` when set (CI runs many more), else 256.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256)
}

fn proptest_config() -> ProptestConfig {
    ProptestConfig {
        cases: cases(),
        // Only the two test files are ours to write: no `proptest-regressions/` files.
        // A failure prints its minimal input, which is what to paste into a test.
        failure_persistence: None,
        // ChaCha, the default, dominates the run time of an unoptimised test build.
        rng_algorithm: RngAlgorithm::XorShift,
        // About one generated payload in ten carries an envelope key and is rejected by
        // the root-envelope property: allow rejects in proportion to the cases.
        max_global_rejects: cases().max(1024),
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------- invariants

fn country() -> Country {
    Config::default().default_country
}

/// E.164: `+`, a first digit that is not 0, at most 15 digits. libphonenumber accepts
/// 7-digit international numbers (Niue `+6834002`, Tokelau `+6903291`), so the lower
/// bound is 7, not 8.
fn is_e164(text: &str) -> bool {
    let Some(digits) = text.strip_prefix('+') else {
        return false;
    };
    (7..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

fn is_valid_email(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
        && !text.contains(['<', '>'])
        && email_address::EmailAddress::is_valid(text)
}

/// What must hold of any plan, whatever the body was.
fn check_plan(event: &Event, plan: &Plan) -> Result<(), TestCaseError> {
    let _ = plan.explain();
    if plan.ignored.is_some() {
        prop_assert!(
            plan.notifications.is_empty(),
            "an ignored event plans nothing"
        );
    }
    let do_not_send = event.client_communication() == ClientCommunication::DoNotSend;
    for n in &plan.notifications {
        let to = n.to.as_str();
        prop_assert!(!to.is_empty(), "empty address in {n:?}");
        prop_assert_eq!(&n.event_id, &event.id);
        prop_assert_eq!(n.channel, n.to.channel());
        match &n.to {
            Address::Email(_) => {
                prop_assert!(is_valid_email(to), "invalid email address {to:?}");
                prop_assert_eq!(
                    EmailAddress::parse(to).ok().map(|a| a.as_str().to_owned()),
                    Some(to.to_owned()),
                    "an address does not read back as itself"
                );
            }
            Address::Phone(_) | Address::Whatsapp(_) => {
                prop_assert!(is_e164(to), "not E.164: {to:?}");
                prop_assert_eq!(
                    PhoneNumber::parse(to, country())
                        .ok()
                        .map(|p| p.as_str().to_owned()),
                    Some(to.to_owned()),
                    "a number does not read back as itself"
                );
            }
        }
        if n.kind.is_staff() {
            prop_assert_eq!(n.audience, Audience::Staff);
            prop_assert_eq!(n.channel, Channel::Email);
        } else {
            prop_assert_ne!(n.audience, Audience::Staff);
            prop_assert_eq!(Some(n.kind), plan.client_kind, "one client kind per event");
            prop_assert!(
                !do_not_send,
                "DoNotSend, yet {:?} to the client side",
                n.kind
            );
        }
    }
    Ok(())
}

/// Parses a body and, when it is an event, plans it and checks the plan. A refused
/// body is fine (a 400); a panic is not.
fn parse_and_plan(bytes: &[u8]) -> Result<(), TestCaseError> {
    match Event::parse(bytes, country()) {
        Err(e) => prop_assert!(!e.to_string().is_empty()),
        Ok(event) => {
            prop_assert!(!event.id.is_empty(), "an event id is never empty");
            check_plan(&event, &plan(&event, &Config::default()))?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- arbitrary JSON

/// Booxi's field names (docs/payload.md), so random objects hit the paths the parser reads.
const BOOXI_KEYS: &[&str] = &[
    "eventId",
    "id",
    "eventType",
    "type",
    "event",
    "createdOn",
    "content",
    "eventContent",
    "booking",
    "previousBooking",
    "previous",
    "client",
    "attendees",
    "status",
    "isCompleted",
    "presence",
    "startsOn",
    "totalClientTimespan",
    "start",
    "end",
    "staffId",
    "staffFirstName",
    "location",
    "locationText",
    "clientCommunication",
    "modifiedBy",
    "modifiedByStaffId",
    "createdBy",
    "createdByStaffId",
    "isScheduled",
    "clientAvailability",
    "items",
    "serviceName",
    "trackingPage",
    "viewURL",
    "canConfirm",
    "canModify",
    "canCancel",
    "trackingQRCodeUrl",
    "staffVideoConferenceUrl",
    "videoConferenceUrl",
    "additionalRequest",
    "staff",
    "communicationEmail",
    "service",
    "resources",
    "merchant",
    "timeZone",
    "defaultLanguage",
    "address",
    "country",
    "translations",
    "name",
    "firstName",
    "email",
    "mobilePhoneNumber",
    "mobilePhone",
    "language",
    "remindByEmail",
    "remindBySMS",
    "isRequester",
];

/// Values the readers care about, by field; some right, some almost right, some wrong.
const EVENT_TYPES: &[&str] = &[
    "appointment.created",
    "appointment.updated",
    "appointment.status_updated",
    "appointment.canceled",
    "appointment.cancelled",
    "appointment.completed",
    "appointment.remind",
    "appointment.recall",
    "reservation.created",
    "reservation.updated",
    "reservation.status_updated",
    "Appointment.Created",
    "client.consent_changed",
    "",
];
const STATUSES: &[&str] = &[
    "PendingStaffApproval",
    "PendingClientApproval",
    "Approved",
    "Cancelled",
    "Canceled",
    "approved",
    "pending_client_approval",
    "OnHold",
];
const PRESENCES: &[&str] = &[
    "Expecting",
    "Arrived",
    "NoShow",
    "noshow",
    "expecting",
    "Late",
];
const COMMUNICATIONS: &[&str] = &[
    "DoNotSend",
    "donotsend",
    "ClientOnly",
    "ClientAndAttendees",
    "clientandattendees",
    "Everyone",
];
const ACTORS: &[&str] = &["Staff", "Client", "staff", "client", "System"];
const LANGUAGES: &[&str] = &[
    "eng", "fre", "fr-CA", "en", "spa", "por", "nld", "deu", "ita", "xx", "english",
];
const COUNTRIES: &[&str] = &["CA", "FR", "us", "NU", "TK", "ZZ", "Canada"];
const DATES: &[&str] = &[
    "2025-03-04T15:00:00Z",
    "2025-03-04T15:00:00.000Z",
    "2025-03-04T10:00:00-05:00",
    "2025-03-05T15:00:00Z",
    "not a date",
];
const URLS: &[&str] = &[
    "https://booxi.example/track?b=1",
    "https://booxi.example/track?b=1&lang=fre&action=cancel",
    "http://booxi.example",
    "javascript:alert(1)",
    "/relative/path",
    "https://",
];
const EMAILS: &[&str] = &[
    "jane@example.com",
    "ann@example.com",
    "sam@store.example",
    " JANE@EXAMPLE.COM ",
];
const BAD_EMAILS: &[&str] = &[
    "Jane <jane@example.com>",
    "jane@localhost",
    "jane@example.com\r\nBcc: x@y.z",
    "a@[1.2.3.4]",
    "@example.com",
];
const PHONES: &[&str] = &[
    "(514) 555-0123",
    "514-555-0199",
    "+33 6 12 34 56 78",
    "0033612345678",
    "06 12 34 56 78",
    "+6834002",
    "+1 514 555 0123 ext 5",
];
const BAD_PHONES: &[&str] = &["+1 555", "123", "555-01", "+", "00", "+0 0"];
const FLAG_WORDS: &[&str] = &["true", "false", "TRUE", "yes", "no", "1", "0", "maybe", ""];
const VOCABULARIES: &[&[&str]] = &[
    EVENT_TYPES,
    STATUSES,
    PRESENCES,
    COMMUNICATIONS,
    ACTORS,
    LANGUAGES,
    COUNTRIES,
    DATES,
    URLS,
    EMAILS,
    BAD_EMAILS,
    PHONES,
    BAD_PHONES,
    FLAG_WORDS,
];

/// A string strategy from a regex, compiled once (a `&str` strategy compiles its regex
/// for every value it generates, which is slow in debug builds).
fn matching(regex: &str) -> BoxedStrategy<String> {
    proptest::string::string_regex(regex)
        .unwrap_or_else(|e| panic!("{regex}: {e}"))
        .boxed()
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => select(BOOXI_KEYS).prop_map(str::to_owned),
        1 => select(BOOXI_KEYS).prop_map(|k| k.to_ascii_uppercase()),
        1 => select(BOOXI_KEYS).prop_map(|k| k.to_ascii_lowercase()),
        2 => matching("[a-zA-Z_]{0,10}"),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(VOCABULARIES).prop_flat_map(select).prop_map(str::to_owned),
        1 => matching("[a-z0-9.+_-]{1,8}@[a-z0-9-]{1,8}(\\.[a-z]{2,4}){0,2}"),
        1 => matching("[+0]{0,2}[0-9 ().-]{0,18}"),
        1 => matching("(https?|ftp|mailto)://[a-z.]{0,12}/[a-z0-9?=&%]{0,12}"),
        2 => prop::collection::vec(any::<char>(), 0..16).prop_map(String::from_iter),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        1 => (-5i64..5).prop_map(Value::from),
        1 => any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        5 => text().prop_map(Value::String),
    ]
}

fn json_value() -> BoxedStrategy<Value> {
    json_tree(4, 48, 6)
}

/// Any JSON value, nested at most `depth` deep.
fn json_tree(depth: u32, size: u32, branches: u32) -> BoxedStrategy<Value> {
    leaf()
        .prop_recursive(depth, size, branches, move |inner| {
            prop_oneof![
                1 => prop::collection::vec(inner.clone(), 0..branches as usize).prop_map(Value::Array),
                3 => prop::collection::vec((key(), inner), 0..branches as usize)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
        .boxed()
}

/// A field of a Booxi object: its spellings, and values of its expected shape.
type Field = (&'static [&'static str], BoxedStrategy<Value>);

/// An object with some of `fields`, each under one of its spellings (sometimes in
/// another case), its value of the expected shape or (less often) any JSON value.
fn object_of(fields: Vec<Field>) -> BoxedStrategy<Value> {
    let entries: Vec<_> = fields
        .into_iter()
        .map(|(spellings, shaped)| {
            let value = prop_oneof![9 => shaped, 1 => json_tree(2, 8, 4)];
            let name = prop_oneof![
                8 => select(spellings).prop_map(str::to_owned),
                1 => select(spellings).prop_map(str::to_ascii_lowercase),
                1 => select(spellings).prop_map(str::to_ascii_uppercase),
            ];
            prop::option::weighted(0.85, (name, value))
        })
        .collect();
    (
        entries,
        prop::collection::vec((key(), json_tree(2, 8, 4)), 0..3),
    )
        .prop_map(|(known, extra)| {
            let mut map = Map::new();
            for (k, v) in extra.into_iter().chain(known.into_iter().flatten()) {
                map.insert(k, v);
            }
            Value::Object(map)
        })
        .boxed()
}

/// Mostly a word of `words`, sometimes any text.
fn one_of(words: &'static [&'static str]) -> BoxedStrategy<Value> {
    prop_oneof![
        9 => select(words).prop_map(Value::from),
        1 => text().prop_map(Value::String),
    ]
    .boxed()
}

fn email() -> BoxedStrategy<Value> {
    prop_oneof![3 => one_of(EMAILS), 1 => one_of(BAD_EMAILS)].boxed()
}

fn phone() -> BoxedStrategy<Value> {
    prop_oneof![3 => one_of(PHONES), 1 => one_of(BAD_PHONES)].boxed()
}

fn word() -> BoxedStrategy<Value> {
    text().prop_map(Value::String).boxed()
}

fn flag() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => Just(Value::Bool(true)),
        2 => Just(Value::Bool(false)),
        1 => select(FLAG_WORDS).prop_map(Value::from),
        1 => (0i64..3).prop_map(Value::from),
    ]
    .boxed()
}

fn id() -> BoxedStrategy<Value> {
    prop_oneof![
        (0u32..4).prop_map(Value::from),
        any::<u32>().prop_map(Value::from),
        matching("[a-z0-9-]{0,12}").prop_map(Value::from),
    ]
    .boxed()
}

fn tracking_page_like() -> BoxedStrategy<Value> {
    object_of(vec![
        (&["viewURL", "viewUrl", "url"], one_of(URLS)),
        (&["canConfirm"], flag()),
        (&["canModify"], flag()),
        (&["canCancel"], flag()),
    ])
}

/// A client, an attendee or (with `communicationEmail`) a staff member.
fn person_like(email_spellings: &'static [&'static str]) -> BoxedStrategy<Value> {
    object_of(vec![
        (&["id", "clientId", "staffId"], id()),
        (&["firstName"], word()),
        (email_spellings, email()),
        (&["mobilePhoneNumber", "mobilePhone", "mobile"], phone()),
        (&["presence"], one_of(PRESENCES)),
        (&["language"], one_of(LANGUAGES)),
        (&["remindByEmail"], flag()),
        (&["remindBySMS", "remindBySms"], flag()),
        (&["isRequester"], flag()),
        (&["videoConferenceUrl"], one_of(URLS)),
        (&["trackingPage"], tracking_page_like()),
    ])
}

fn booking_like() -> BoxedStrategy<Value> {
    object_of(vec![
        (&["bookingId", "id"], id()),
        (&["status"], one_of(STATUSES)),
        (&["isCompleted"], flag()),
        (&["startsOn", "start"], one_of(DATES)),
        (&["staffId"], id()),
        (&["staffFirstName"], word()),
        (&["location"], word()),
        (&["clientCommunication"], one_of(COMMUNICATIONS)),
        (&["modifiedBy"], one_of(ACTORS)),
        (&["modifiedByStaffId"], id()),
        (&["createdBy"], one_of(ACTORS)),
        (&["isScheduled"], flag()),
        (&["clientAvailability"], json_tree(2, 8, 4)),
        (&["client"], person_like(&["email"])),
        (
            &["attendees"],
            prop::collection::vec(person_like(&["email"]), 0..3)
                .prop_map(Value::Array)
                .boxed(),
        ),
        (&["trackingPage"], tracking_page_like()),
        // Booxi's REST model.
        (&["quickNote"], word()),
        (&["clientCount"], id()),
        (&["payment"], payment_like()),
        (
            &["items"],
            prop::collection::vec(item_like(), 0..3)
                .prop_map(Value::Array)
                .boxed(),
        ),
    ])
}

/// A price as Booxi may write it: a decimal string, a number, or a Price object.
fn price_like() -> BoxedStrategy<Value> {
    prop_oneof![
        select(&["45.00", "0", "19.99", "abc"][..]).prop_map(Value::from),
        (0u32..10_000).prop_map(Value::from),
        object_of(vec![
            (
                &["amount"],
                prop_oneof![
                    select(&["45.00", "12"][..]).prop_map(Value::from),
                    (0u32..100).prop_map(Value::from),
                ]
                .boxed()
            ),
            (&["currency"], one_of(&["CAD", "EUR", "USD"])),
            (&["isStartingAt"], flag()),
            (&["visibility"], word()),
            (&["tax"], json_tree(2, 4, 2)),
        ]),
    ]
    .boxed()
}

fn item_like() -> BoxedStrategy<Value> {
    object_of(vec![
        (&["serviceId"], id()),
        (&["serviceName"], word()),
        (&["resourceId"], id()),
        (&["resourceName"], word()),
        (&["price"], price_like()),
        (&["duration"], id()),
        (&["surveyAnswers"], json_tree(2, 6, 3)),
    ])
}

fn payment_like() -> BoxedStrategy<Value> {
    object_of(vec![
        (&["total"], price_like()),
        (&["paid"], price_like()),
        (&["onlinePaymentAmount"], price_like()),
        (
            &["onlinePaymentStatus"],
            one_of(&["None", "Requested", "Paid"]),
        ),
    ])
}

fn client_link_like() -> BoxedStrategy<Value> {
    object_of(vec![
        (&["moduleId"], id()),
        (&["clientId"], id()),
        (&["externalId"], id()),
        (&["metadata"], json_tree(2, 6, 3)),
    ])
}

fn merchant_like() -> BoxedStrategy<Value> {
    object_of(vec![
        (&["id"], id()),
        (&["name"], word()),
        (&["timeZone"], word()),
        (&["defaultLanguage"], one_of(LANGUAGES)),
        (&["email"], email()),
        (
            &["address"],
            object_of(vec![(&["country", "countryCode"], one_of(COUNTRIES))]),
        ),
    ])
}

fn payload_like() -> BoxedStrategy<Value> {
    object_of(vec![
        (&["booking"], booking_like()),
        (&["previousBooking", "previous"], booking_like()),
        (&["client"], person_like(&["email"])),
        (&["trackingPage"], tracking_page_like()),
        (&["staff"], person_like(&["communicationEmail", "email"])),
        (&["merchant"], merchant_like()),
        (&["service"], object_of(vec![(&["name"], word())])),
        (&["trackingQRCodeUrl"], one_of(URLS)),
        (&["staffVideoConferenceUrl"], one_of(URLS)),
        (
            &["attendees"],
            prop::collection::vec(person_like(&["email"]), 0..2)
                .prop_map(Value::Array)
                .boxed(),
        ),
        (
            &["clientLinks"],
            prop::collection::vec(client_link_like(), 0..2)
                .prop_map(Value::Array)
                .boxed(),
        ),
    ])
}

/// A body shaped like a Booxi event, each part possibly wrong: the payload wrapped
/// (`content`, `eventContent`) or at the root.
fn event_like() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => wrapped_event_like(),
        2 => (wrapped_event_like(), payload_like()).prop_map(|(envelope, payload)| at_root(envelope, &payload)),
    ]
    .boxed()
}

/// The envelope's spellings (any case): a payload key among them would be read as the
/// envelope once at the root.
const ENVELOPE_KEYS: &[&str] = &[
    "eventId",
    "id",
    "event_id",
    "eventType",
    "type",
    "event",
    "event_type",
    "createdOn",
    "created_on",
    "timestamp",
    "content",
    "eventContent",
    "payload",
    "data",
];

/// `envelope` without its wrapper, `payload`'s fields at its root instead.
fn at_root(mut envelope: Value, payload: &Value) -> Value {
    if let (Some(root), Some(fields)) = (envelope.as_object_mut(), payload.as_object()) {
        root.retain(|k, _| {
            !["content", "eventContent"]
                .iter()
                .any(|w| k.eq_ignore_ascii_case(w))
        });
        for (k, v) in fields {
            root.insert(k.clone(), v.clone());
        }
    }
    envelope
}

fn wrapped_event_like() -> BoxedStrategy<Value> {
    object_of(vec![
        (&["eventId", "id", "event_id"], id()),
        (
            &["eventType", "type", "event"],
            // The types that plan most, more often.
            prop_oneof![
                1 => select(&["appointment.created", "appointment.remind"][..]).prop_map(Value::from),
                2 => one_of(EVENT_TYPES),
            ]
            .boxed(),
        ),
        (&["createdOn"], one_of(DATES)),
        (&["content", "eventContent"], payload_like()),
    ])
}

proptest! {
    #![proptest_config(proptest_config())]

    #[test]
    fn arbitrary_json_never_panics(value in prop_oneof![1 => json_value(), 3 => event_like()]) {
        if let Ok(event) = Event::from_value(&value, country()) {
            let plan = plan(&event, &Config::default());
            check_plan(&event, &plan)?;
        }
        // The same value as bytes goes through the same path.
        let bytes = serde_json::to_vec(&value).unwrap();
        parse_and_plan(&bytes)?;
    }

    /// The payload at the root reads like the same payload wrapped: same event, same plan.
    #[test]
    fn a_root_body_plans_like_its_wrapped_form(
        id in id(),
        event_type in one_of(EVENT_TYPES),
        payload in payload_like(),
        wrapper in select(&["content", "eventContent"][..]),
    ) {
        let fields = payload.as_object().cloned().unwrap_or_default();
        prop_assume!(!fields.keys().any(|k| ENVELOPE_KEYS.iter().any(|e| k.eq_ignore_ascii_case(e))));
        let mut wrapped = json!({ "eventId": id, "eventType": event_type });
        wrapped[wrapper] = payload.clone();
        let root = at_root(wrapped.clone(), &payload);
        match (Event::from_value(&wrapped, country()), Event::from_value(&root, country())) {
            (Ok(w), Ok(r)) => {
                // A derived id is of the body, and the two bodies differ; any other is the same.
                prop_assert_eq!(w.id_derived, r.id_derived);
                if !w.id_derived {
                    prop_assert_eq!(&w.id, &r.id);
                }
                let (pw, mut pr) = (plan(&w, &Config::default()), plan(&r, &Config::default()));
                check_plan(&r, &pr)?;
                for n in &mut pr.notifications {
                    n.event_id = w.id.clone();
                }
                prop_assert_eq!(pw, pr, "root: {}", root);
            }
            (w, r) => prop_assert_eq!(w.err(), r.err()),
        }
    }

    /// A body without an id is one event however often (and however laid out) it comes,
    /// and another body is another event.
    #[test]
    fn an_id_less_body_is_one_event_however_often_it_comes(
        body in event_like(),
        other in event_like(),
    ) {
        let strip = |mut v: Value| {
            if let Some(o) = v.as_object_mut() {
                o.retain(|k, _| !["eventId", "id", "event_id"].iter().any(|e| k.eq_ignore_ascii_case(e)));
            }
            v
        };
        let (body, other) = (strip(body), strip(other));
        if let Ok(first) = Event::from_value(&body, country()) {
            prop_assert!(first.id_derived && first.id.starts_with("derived-"));
            let compact = serde_json::to_vec(&body).unwrap();
            let pretty = serde_json::to_vec_pretty(&body).unwrap();
            for bytes in [compact, pretty] {
                // serde_json may read a float back as another value: only exact round trips.
                let Ok(again) = serde_json::from_slice::<Value>(&bytes) else { continue };
                if again == body {
                    prop_assert_eq!(&Event::parse(&bytes, country()).unwrap().id, &first.id);
                }
            }
            if let Ok(second) = Event::from_value(&other, country()) {
                prop_assert_eq!(first.id == second.id, body == other);
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = booxi_body(&bytes);
        parse_and_plan(&bytes)?;
    }
}

// ---------------------------------------------------------------- sample bodies

/// Inline canonical bodies, so the mutation property has input whatever `events/` holds.
fn inline_samples() -> Vec<(String, Value)> {
    let client = json!({
        "id": 90412, "firstName": "Jane", "lastName": "Doe",
        "email": "jane.doe@example.com", "mobilePhoneNumber": "(514) 555-0123",
        "presence": "Expecting", "remindByEmail": true, "remindBySMS": true, "language": "eng"
    });
    let merchant = json!({
        "id": 501, "name": "Atelier", "timeZone": "America/Toronto", "defaultLanguage": "eng",
        "email": "bookings@atelier.example.com", "address": { "country": "CA" },
        "translations": [{ "language": "fre", "name": "Atelier" }]
    });
    let staff = json!({
        "id": 2101, "firstName": "Marie", "communicationEmail": "marie@atelier.example.com",
        "language": "fre"
    });
    let tracking = json!({
        "viewURL": "https://booking.booxi.example/track/8c1f", "canConfirm": true,
        "canModify": true, "canCancel": true
    });
    let booking = |status: &str, starts_on: &str| {
        json!({
            "bookingId": 778812, "confirmationNumber": "A00006500", "status": status,
            "isCompleted": false, "startsOn": starts_on, "staffId": 2101,
            "staffFirstName": "Marie", "location": "Business",
            "clientCommunication": "ClientOnly", "createdBy": "Client", "modifiedBy": "Staff",
            "modifiedByStaffId": 2101, "client": client, "trackingPage": tracking,
            "items": [{ "serviceId": 3301, "serviceName": "Colour consultation" }]
        })
    };

    let created = json!({
        "eventId": "inline-created", "eventType": "appointment.created",
        "createdOn": "2026-11-20T14:02:12Z",
        "content": {
            "booking": booking("Approved", "2026-12-03T15:00:00Z"),
            "staff": staff, "merchant": merchant,
            "service": { "id": 3301, "name": "Colour consultation" },
            "trackingQRCodeUrl": "https://booking.booxi.example/qr/8c1f.png"
        }
    });

    let mut canceled_after = booking("Cancelled", "2026-12-03T15:00:00Z");
    canceled_after["clientCommunication"] = json!("ClientAndAttendees");
    canceled_after["bookingMethod"] = json!("GroupReservation");
    canceled_after["attendees"] = json!([
        { "id": 1, "email": "ann@example.com", "mobilePhoneNumber": "+33 6 12 34 56 78",
          "remindBySMS": true, "language": "fr-CA", "isRequester": false },
        { "id": 2, "email": "jane.doe@example.com", "isRequester": true }
    ]);
    let canceled = json!({
        "eventId": 2002, "eventType": "appointment.status_updated",
        "content": {
            "booking": canceled_after,
            "previousBooking": booking("Approved", "2026-12-03T15:00:00Z"),
            "staff": staff, "merchant": merchant
        }
    });

    // The other spellings: id, type, eventContent, previous, client and tracking page
    // beside the booking.
    let mut moved_after = booking("Approved", "2026-12-04T16:30:00Z");
    let moved_client = moved_after
        .as_object_mut()
        .and_then(|b| b.remove("client"))
        .unwrap_or_default();
    let moved_tracking = moved_after
        .as_object_mut()
        .and_then(|b| b.remove("trackingPage"))
        .unwrap_or_default();
    let moved = json!({
        "id": "inline-moved", "type": "appointment.updated",
        "eventContent": {
            "booking": moved_after,
            "previous": booking("Approved", "2026-12-03T15:00:00Z"),
            "client": moved_client, "trackingPage": moved_tracking,
            "staff": staff, "merchant": merchant, "unknownField": { "kept": true }
        }
    });

    // Booxi's published sample: objects at the root, `event`, no id.
    let mut root = created.clone();
    if let Some(o) = root.as_object_mut() {
        let content = o.remove("content").unwrap_or_default();
        o.remove("eventId");
        let event_type = o.remove("eventType").unwrap_or_default();
        o.insert("event".to_owned(), event_type);
        for (k, v) in content.as_object().cloned().unwrap_or_default() {
            o.insert(k, v);
        }
    }

    vec![
        ("inline: root envelope without id".to_owned(), root),
        ("inline: created".to_owned(), created),
        ("inline: canceled with attendees".to_owned(), canceled),
        ("inline: moved, other spellings".to_owned(), moved),
    ]
}

/// The Booxi bodies of `events/*.json` (each an API Gateway event), by file name.
/// Files that are not JSON or have no body are left out here and reported by
/// `every_sample_event_file_holds_a_booxi_body`.
fn file_samples() -> Vec<(String, Result<Vec<u8>, String>)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(EVENTS_DIR)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        // SAM's --env-vars file for local mode, not an event.
        .filter(|p| !p.ends_with("local-env.json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let body = std::fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|bytes| booxi_body(&bytes).map_err(|e| e.to_string()));
            (name, body)
        })
        .collect()
}

static SAMPLES: LazyLock<Vec<(String, Value)>> = LazyLock::new(|| {
    let mut samples = inline_samples();
    for (name, body) in file_samples() {
        if let Some(value) = body
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        {
            samples.push((name, value));
        }
    }
    samples
});

#[test]
fn the_events_directory_exists() {
    assert!(
        Path::new(EVENTS_DIR).is_dir(),
        "{EVENTS_DIR} is not a directory"
    );
}

#[test]
fn every_sample_event_file_holds_a_booxi_body() {
    let mut bad = Vec::new();
    let mut refused = Vec::new();
    let mut accepted = 0;
    for (name, body) in file_samples() {
        let body = match body {
            Ok(body) => body,
            Err(e) => {
                bad.push(format!("{name}: {e}"));
                continue;
            }
        };
        match Event::parse(&body, country()) {
            Err(e) => refused.push(format!("{name}: {e}")),
            Ok(event) => {
                accepted += 1;
                let plan = plan(&event, &Config::default());
                if let Err(e) = check_plan(&event, &plan) {
                    bad.push(format!("{name}: {e}"));
                }
            }
        }
    }
    assert!(bad.is_empty(), "sample events with problems: {bad:#?}");
    // docs/payload.md: the files of events/ are one sample per shape the project accepts.
    assert!(
        refused.is_empty(),
        "sample events refused by Event::parse: {refused:#?} ({accepted} accepted)"
    );
}

#[test]
fn inline_samples_plan_messages() {
    for (name, body) in inline_samples() {
        let event = Event::from_value(&body, country()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let plan = plan(&event, &Config::default());
        assert!(
            plan.notifications.iter().any(|n| !n.kind.is_staff()),
            "{name}: no client message\n{}",
            plan.explain()
        );
        assert!(
            plan.notifications.iter().any(|n| n.kind.is_staff()),
            "{name}: no staff message\n{}",
            plan.explain()
        );
        check_plan(&event, &plan).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

// ---------------------------------------------------------------- mutations

#[derive(Debug, Clone, Copy)]
enum Case {
    Upper,
    Lower,
    Swap,
    Padded,
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Removes the key or element at the path.
    Delete,
    /// Puts a random JSON value at the path.
    Replace(Value),
    /// Changes the case of a string, or of every key of an object.
    ChangeCase(Case),
    /// Turns a value into one of another JSON type (`"3"` ↔ `3`, `true` → `"true"`…).
    SwapType,
    /// Renames the key at the path to another spelling Booxi may use, or another case.
    Respell(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => Just(Mutation::Delete),
        3 => json_value().prop_map(Mutation::Replace),
        2 => select(&[Case::Upper, Case::Lower, Case::Swap, Case::Padded][..])
            .prop_map(Mutation::ChangeCase),
        3 => Just(Mutation::SwapType),
        2 => any::<Index>().prop_map(Mutation::Respell),
    ]
}

/// Spellings that mean the same field (docs/payload.md and `booxi::spelling`).
const RESPELLINGS: &[&[&str]] = &[
    &["eventId", "id", "event_id"],
    &["eventType", "type", "event"],
    &["content", "eventContent"],
    &["previousBooking", "previous"],
    &["viewURL", "viewUrl", "url"],
    &["mobilePhoneNumber", "mobilePhone"],
    &["communicationEmail", "email"],
    &["remindBySMS", "remindBySms"],
    &["startsOn", "start"],
];

fn respelled(key: &str, pick: Index) -> String {
    match RESPELLINGS.iter().find(|group| group.contains(&key)) {
        Some(group) => pick.get(group).to_string(),
        None => recased(
            key,
            if pick.index(2) == 0 {
                Case::Upper
            } else {
                Case::Lower
            },
        ),
    }
}

fn recased(text: &str, case: Case) -> String {
    match case {
        Case::Upper => text.to_uppercase(),
        Case::Lower => text.to_lowercase(),
        Case::Swap => text
            .chars()
            .map(|c| {
                if c.is_uppercase() {
                    c.to_lowercase().collect::<String>()
                } else {
                    c.to_uppercase().collect()
                }
            })
            .collect(),
        Case::Padded => format!(" {text}\t"),
    }
}

fn swapped_type(value: &Value) -> Value {
    match value {
        Value::Null => Value::String(String::new()),
        Value::Bool(b) => Value::String(b.to_string()),
        Value::Number(n) => Value::String(n.to_string()),
        Value::String(s) => {
            let t = s.trim();
            if let Ok(n) = t.parse::<i64>() {
                Value::from(n)
            } else if let Some(n) = t.parse::<f64>().ok().and_then(Number::from_f64) {
                Value::Number(n)
            } else if let Ok(b) = t.parse::<bool>() {
                Value::Bool(b)
            } else {
                Value::Array(vec![value.clone()])
            }
        }
        Value::Array(items) => Value::Object(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v.clone()))
                .collect(),
        ),
        Value::Object(map) => Value::Array(map.values().cloned().collect()),
    }
}

/// Applies a mutation to `node` itself (the end of a path that reached a leaf).
fn mutate_here(node: &mut Value, mutation: &Mutation) {
    match mutation {
        Mutation::Delete => *node = Value::Null,
        Mutation::Replace(value) => *node = value.clone(),
        Mutation::ChangeCase(case) => match node {
            Value::String(s) => *s = recased(s, *case),
            Value::Object(map) => {
                *map = std::mem::take(map)
                    .into_iter()
                    .map(|(k, v)| (recased(&k, *case), v))
                    .collect();
            }
            _ => {}
        },
        Mutation::SwapType => *node = swapped_type(node),
        Mutation::Respell(pick) => {
            if let Value::Object(map) = node {
                *map = std::mem::take(map)
                    .into_iter()
                    .map(|(k, v)| (respelled(&k, *pick), v))
                    .collect();
            }
        }
    }
}

/// Walks `path` down from `node` (each step picks a key or an element) and applies the
/// mutation where the path ends or reaches a leaf.
fn mutate(node: &mut Value, path: &[Index], mutation: &Mutation) {
    let Some((step, rest)) = path.split_first() else {
        return mutate_here(node, mutation);
    };
    match node {
        Value::Object(map) if !map.is_empty() => {
            let key = map
                .keys()
                .nth(step.index(map.len()))
                .cloned()
                .unwrap_or_default();
            if !rest.is_empty() {
                if let Some(child) = map.get_mut(&key) {
                    mutate(child, rest, mutation);
                }
                return;
            }
            match mutation {
                Mutation::Delete => {
                    map.remove(&key);
                }
                Mutation::Respell(pick) => {
                    if let Some(value) = map.remove(&key) {
                        map.insert(respelled(&key, *pick), value);
                    }
                }
                _ => {
                    if let Some(child) = map.get_mut(&key) {
                        mutate_here(child, mutation);
                    }
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let i = step.index(items.len());
            if rest.is_empty() && matches!(mutation, Mutation::Delete) {
                items.remove(i);
            } else {
                mutate(&mut items[i], rest, mutation);
            }
        }
        _ => mutate_here(node, mutation),
    }
}

/// Where a mutation starts its walk: the payload (most mutations, so that most mutated
/// bodies still parse and get planned) or the whole body (the envelope too).
fn start(body: &mut Value, in_payload: bool) -> &mut Value {
    let payload_key = ["content", "eventContent"]
        .into_iter()
        .find(|k| body.get(k).is_some_and(Value::is_object));
    match payload_key {
        Some(k) if in_payload => &mut body[k],
        _ => body,
    }
}

proptest! {
    #![proptest_config(proptest_config())]

    #[test]
    fn mutated_sample_bodies_never_panic(
        sample in any::<Index>(),
        mutations in prop::collection::vec(
            (
                prop::bool::weighted(0.85),
                prop::collection::vec(any::<Index>(), 1..10),
                mutation(),
            ),
            1..6,
        ),
    ) {
        let (name, original) = sample.get(&SAMPLES);
        let mut body = original.clone();
        for (in_payload, path, mutation) in &mutations {
            mutate(start(&mut body, *in_payload), path, mutation);
        }
        // Through the value...
        if let Ok(event) = Event::from_value(&body, country()) {
            let plan = plan(&event, &Config::default());
            check_plan(&event, &plan)
                .map_err(|e| TestCaseError::fail(format!("{name}: {e}\nbody: {body}")))?;
        }
        // ... and through its text. (Their plans are not compared: serde_json does not
        // read every float back to the same value, and a float may be the event id.)
        let bytes = serde_json::to_vec(&body).unwrap();
        parse_and_plan(&bytes)
            .map_err(|e| TestCaseError::fail(format!("{name}: {e}\nbody: {body}")))?;
    }
}

// ---------------------------------------------------------------- flaws in the text

/// A flaw a sender can make in a body's text without losing its meaning.
#[derive(Debug, Clone, Copy)]
enum Flaw {
    /// A string value cut in the middle of an emoji: a lone high surrogate escape.
    LoneHigh,
    /// A lone low surrogate escape at the start of a string value.
    LoneLow,
    /// An unknown field holding a number too large for a float.
    HugeNumber,
}

/// Every place a string value starts (just after its opening quote) and every place an
/// object starts (just after its `{`), in the compact text of a body.
fn places(text: &str) -> (Vec<usize>, Vec<usize>) {
    let bytes = text.as_bytes();
    let mut strings = Vec::new();
    let mut objects = Vec::new();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        match (in_string, bytes[i]) {
            (true, b'\\') => i += 1,
            (true, b'"') => in_string = false,
            (false, b'"') => {
                in_string = true;
                // A value, not a key: the quote follows a colon (or an array's `[`/`,`).
                let before = text[..i].trim_end().chars().last();
                if matches!(before, Some(':') | Some('[')) {
                    strings.push(i + 1);
                }
            }
            (false, b'{') => objects.push(i + 1),
            _ => {}
        }
        i += 1;
    }
    (strings, objects)
}

/// The body's text with `flaws` put in (each at a place picked by its index).
fn flawed(text: &str, flaws: &[(Flaw, Index)]) -> String {
    let (strings, objects) = places(text);
    let mut inserts: Vec<(usize, String)> = Vec::new();
    for (flaw, pick) in flaws {
        match flaw {
            Flaw::LoneHigh | Flaw::LoneLow if !strings.is_empty() => {
                let at = *pick.get(&strings);
                // At the end of the value for a cut emoji, at its start for a lone low half.
                let at = match flaw {
                    Flaw::LoneHigh => at + value_len(&text[at..]),
                    _ => at,
                };
                let escape = if matches!(flaw, Flaw::LoneHigh) {
                    "\\ud83d"
                } else {
                    "\\udc00"
                };
                inserts.push((at, escape.to_owned()));
            }
            Flaw::HugeNumber if !objects.is_empty() => {
                let at = *pick.get(&objects);
                let comma = if text[at..].starts_with('}') { "" } else { "," };
                inserts.push((at, format!("\"zzFlaw\":-1e999{comma}")));
            }
            _ => {}
        }
    }
    // From the end, so earlier places stay where they were.
    inserts.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    let mut out = text.to_owned();
    for (at, insert) in inserts {
        out.insert_str(at, &insert);
    }
    out
}

/// The length of the string value starting at the beginning of `rest` (up to its
/// closing quote, escapes included).
fn value_len(rest: &str) -> usize {
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i < bytes.len() && bytes[i] != b'"' {
        if bytes[i] == b'\\' {
            i += 1;
        }
        i += 1;
    }
    i.min(bytes.len())
}

fn count_replacements(value: &Value) -> usize {
    match value {
        Value::String(s) => s.matches('\u{FFFD}').count(),
        Value::Array(items) => items.iter().map(count_replacements).sum(),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| k.matches('\u{FFFD}').count() + count_replacements(v))
            .sum(),
        _ => 0,
    }
}

proptest! {
    #![proptest_config(proptest_config())]

    /// A real body with lone surrogate escapes and out-of-range numbers put into its
    /// text is read, not refused: each lone surrogate becomes one U+FFFD, each number
    /// its text, and numbers in fields we do not read change nothing the rules plan.
    #[test]
    fn flawed_sample_bodies_are_read_not_refused(
        sample in any::<Index>(),
        flaws in prop::collection::vec(
            (
                prop_oneof![Just(Flaw::LoneHigh), Just(Flaw::LoneLow), Just(Flaw::HugeNumber)],
                any::<Index>(),
            ),
            1..5,
        ),
    ) {
        let (name, original) = sample.get(&SAMPLES);
        let sound = serde_json::to_string(original).unwrap();
        let text = flawed(&sound, &flaws);
        prop_assert!(serde_json::from_str::<Value>(&text).is_err() || text == sound, "{name}: the flaws make strict JSON refuse it");
        let event = Event::parse(text.as_bytes(), country())
            .map_err(|e| TestCaseError::fail(format!("{name}: refused: {e}\n{text}")))?;
        check_plan(&event, &plan(&event, &Config::default()))?;
        let repaired = booxi_notify::domain::json::read(text.as_bytes()).unwrap();
        let surrogates = text.matches("\\ud83d").count() + text.matches("\\udc00").count();
        prop_assert_eq!(
            count_replacements(&repaired),
            count_replacements(original) + surrogates,
            "{}: each lone surrogate is one U+FFFD\n{}", name, text
        );
        if flaws.iter().all(|(f, _)| matches!(f, Flaw::HugeNumber)) {
            // The event id aside (a body without one gets it from its content).
            let messages = |e: &Event| -> Vec<String> {
                plan(e, &Config::default())
                    .notifications
                    .iter()
                    .map(|n| format!("{} {:?} {:?} {:?}", n.kind, n.audience, n.channel, n.to))
                    .collect()
            };
            if let Ok(before) = Event::from_value(original, country()) {
                prop_assert_eq!(messages(&event), messages(&before), "{}", name);
            }
        }
    }
}

// ---------------------------------------------------------------- the booking's state

/// The key of the booking object in a payload (any case), if it is an object.
fn booking_key_of(content: &Value) -> Option<String> {
    content
        .as_object()?
        .iter()
        .find(|(k, v)| k.eq_ignore_ascii_case("booking") && v.is_object())
        .map(|(k, _)| k.clone())
}

proptest! {
    #![proptest_config(proptest_config())]

    /// A real booking's state, and an update of it that leaves fields out: merged, the
    /// state keeps every field the update left out; an update without a time of its own
    /// never undoes a cancel; an update older than the state changes nothing.
    #[test]
    fn a_partial_update_never_erases_and_a_timeless_one_never_uncancels(
        sample in any::<Index>(),
        left_out in prop::collection::vec(any::<Index>(), 0..8),
        cancelled in any::<bool>(),
        when in 0..3u8,
    ) {
        use booxi_notify::domain::booking::{Merged, State, merge};
        let (name, original) = sample.get(&SAMPLES);
        let Ok(event) = Event::from_value(original, country()) else {
            return Ok(());
        };
        let mut content = event.content.clone();
        let Some(key) = booking_key_of(&content) else {
            return Ok(());
        };
        if cancelled {
            content[&key]["status"] = json!("Cancelled");
        }
        let known: jiff::Timestamp = "2030-06-01T10:00:00Z".parse().unwrap();
        let stored = State {
            body: json!({"eventId": "e0", "eventType": "appointment.updated", "content": content}),
            known_at: Some(known),
            sealed: false,
        };
        let cancelled = Event::from_value(&stored.body, country())
            .is_ok_and(|e| e.booking.status == Some(booxi_notify::domain::event::Status::Cancelled));
        let mut update = content.clone();
        update[&key]["status"] = json!("Approved");
        let fields: Vec<String> = update[&key].as_object().unwrap().keys().cloned().collect();
        let mut dropped = Vec::new();
        for pick in &left_out {
            let field = pick.get(&fields).clone();
            if field != "status" {
                update[&key].as_object_mut().unwrap().remove(&field);
                dropped.push(field);
            }
        }
        let at = match when {
            0 => None,
            1 => Some(known + jiff::SignedDuration::from_hours(1)),
            _ => Some(known - jiff::SignedDuration::from_hours(1)),
        };
        let incoming = json!({"eventId": "e1", "eventType": "appointment.updated", "content": update});
        match merge(Some(&stored), &incoming, at) {
            Merged::Stale(_) => prop_assert_eq!(when, 2, "{}: only an older update is stale", name),
            Merged::State(after) => {
                prop_assert_ne!(when, 2, "{}: an older update was merged", name);
                let booking = &after.body["content"][&key];
                for field in &dropped {
                    prop_assert_eq!(
                        &booking[field], &stored.body["content"][&key][field],
                        "{}: `{}` left out of the update was not kept", name, field
                    );
                }
                use booxi_notify::domain::event::Status;
                let status = Event::from_value(&after.body, country())
                    .ok()
                    .and_then(|e| e.booking.status);
                if cancelled && when == 0 {
                    prop_assert_eq!(status, Some(Status::Cancelled), "{}: a timeless update undid the cancel", name);
                } else {
                    prop_assert_eq!(status, Some(Status::Approved), "{}", name);
                }
            }
        }
    }
}
