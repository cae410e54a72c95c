//! A hostile corpus: bodies an attacker holding the secret (or a broken sender) could
//! send, each run through `plan`, `render` and the webhook handler (the local wiring:
//! in-memory idempotency store, outbox folder). For each: no panic, the documented
//! status, nothing written outside the outbox, nothing sent twice when Booxi retries.
//! Then a property test of numeric extremes through the same three doors.

mod support;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use booxi_notify::adapters::memory::MemoryStore;
use booxi_notify::adapters::outbox::Outbox;
use booxi_notify::core::compose::RenderComposer;
use booxi_notify::core::delivery::DeliverySettings;
use booxi_notify::core::delivery::{Courier, Outgoing, SendError};
use booxi_notify::core::process::Core;
use booxi_notify::domain::contact::EmailAddress;
use booxi_notify::doors::auth::{CachedSecrets, FixedSecret};
use booxi_notify::doors::http::{Settings, Webhook, WebhookRequest, WebhookResponse};
use booxi_notify::render::{Message, RenderConfig, Renderer};
use booxi_notify::{Config, Event, plan};
use proptest::prelude::*;
use proptest::test_runner::RngAlgorithm;
use serde_json::{Value, json};

use support::event;

const SECRET: &str = "hostile-secret";

/// The outbox, counting what it is asked to send and how many are in flight at once.
struct Counting {
    outbox: Option<Outbox>,
    sent: Mutex<Vec<String>>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    pause: Duration,
}

impl Counting {
    fn new(outbox: Option<Outbox>, pause: Duration) -> Self {
        Self {
            outbox,
            sent: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            most_in_flight: AtomicUsize::new(0),
            pause,
        }
    }
}

impl Courier for Counting {
    async fn send(&self, message: &Outgoing) -> Result<String, SendError> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_in_flight.fetch_max(now, Ordering::SeqCst);
        if !self.pause.is_zero() {
            tokio::time::sleep(self.pause).await;
        }
        let m = &message.meta;
        self.sent.lock().unwrap().push(format!(
            "{}#{}#{}#{:?}#{:?}",
            m.event_id, m.index, m.kind, m.audience, m.channel
        ));
        let result = match &self.outbox {
            Some(outbox) => outbox.send(message).await,
            None => Ok("id".to_owned()),
        };
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        result
    }
}

type Hook = Webhook<FixedSecret, MemoryStore, Counting, RenderComposer>;

fn composer() -> RenderComposer {
    RenderComposer {
        renderer: Renderer::new(&RenderConfig::default()).unwrap(),
        from: EmailAddress::parse("notifications@example.com").unwrap(),
        reply_to: None,
    }
}

fn webhook(courier: Counting) -> Hook {
    Webhook {
        settings: Settings::default(),
        secrets: CachedSecrets::new(
            FixedSecret(SECRET.into()),
            Duration::from_secs(600),
            Duration::from_secs(600),
        ),
        core: Core {
            config: Config::default(),
            store: MemoryStore::new(),
            courier,
            composer: composer(),
            delivery: DeliverySettings::default(),
            emit_metrics: false,
            flows: None,
            queue: None,
            events_out: None,
        },
    }
}

fn request(secret: &str, body: Vec<u8>) -> WebhookRequest {
    WebhookRequest {
        method: "POST".into(),
        headers: vec![("X-Booxi-Secret".into(), secret.into())],
        body,
        deadline: None,
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Plans and renders a body that parses; a render error is allowed, a panic is not.
/// Subjects and SMS texts must carry no control, bidi or zero-width character.
fn plan_and_render(renderer: &Renderer, body: &[u8]) {
    let Ok(event) = Event::parse(body, Config::default().default_country) else {
        return;
    };
    let plan = plan(&event, &Config::default());
    for message in renderer
        .render_all(&event, &plan.notifications)
        .into_iter()
        .flatten()
    {
        let text = match message {
            Message::Email(e) => e.subject,
            Message::Sms(s) => s.text,
            Message::WhatsApp(w) => w.text,
        };
        assert!(
            !text.chars().any(invisible_or_control),
            "{text:?} carries an invisible character"
        );
    }
}

fn invisible_or_control(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// A body from [`support::event`] with `changes` applied (`path` under `content`).
fn body(event_id: &str, changes: &[(&str, Value)]) -> Value {
    let mut b = event("appointment.created");
    for (path, value) in changes {
        b = b.set(path, value.clone());
    }
    let mut v = b.0;
    v["eventId"] = json!(event_id);
    v
}

struct Case {
    name: &'static str,
    body: Vec<u8>,
    secret: &'static str,
    status: u16,
    /// A piece of the answer's JSON text.
    answer_has: &'static str,
}

fn case(name: &'static str, body: Value, status: u16, answer_has: &'static str) -> Case {
    Case {
        name,
        body: serde_json::to_vec(&body).unwrap(),
        secret: SECRET,
        status,
        answer_has,
    }
}

fn hostile_addresses() -> Value {
    json!([
        {"email": "\"evil@x.com>\"@y.com"},
        {"email": "\"a,b\"@x.com"},
        {"email": "a@[127.0.0.1]"},
        {"email": "=?utf-8?q?a?=@x.com"},
        {"email": "ok@example.com"}
    ])
}

fn corpus() -> Vec<Case> {
    let many: Vec<Value> = (0..9_500)
        .map(|i| json!({"email": format!("a{i}@x.co")}))
        .collect();
    let mut deep = json!("bottom");
    for _ in 0..200 {
        deep = json!([deep]);
    }
    let mut cases = vec![
        case(
            "item durations that overflow i64",
            body(
                "dur-1",
                &[(
                    "booking.items",
                    json!([{"duration": i64::MAX}, {"duration": 1}]),
                )],
            ),
            200,
            "\"status\":\"processed\"",
        ),
        case(
            "negative, minimal and huge durations",
            body(
                "dur-2",
                &[
                    (
                        "booking.items",
                        json!([{"duration": i64::MIN}, {"duration": -1}, {"duration": 1e308}]),
                    ),
                    ("booking.totalClientTimespan", json!({"duration": i64::MIN})),
                ],
            ),
            200,
            "\"status\":\"processed\"",
        ),
        case(
            "timestamps at the ends of the range",
            body(
                "ts-1",
                &[
                    ("booking.startsOn", json!("9999-12-31T23:59:59Z")),
                    ("booking.modifiedOn", json!("-009999-01-02T01:59:59Z")),
                    ("booking.items", json!([{"duration": 60}])),
                ],
            ),
            200,
            "\"status\":\"processed\"",
        ),
        case(
            "numbers where text and flags are expected",
            body(
                "num-1",
                &[
                    ("booking.bookingId", json!(i64::MIN)),
                    ("booking.staffId", json!(u64::MAX)),
                    ("booking.startsOn", json!(i64::MAX)),
                    ("booking.client.remindBySMS", json!(1e308)),
                    ("booking.client.mobilePhoneNumber", json!(-1)),
                    ("booking.isCompleted", json!(-0.0)),
                ],
            ),
            200,
            "\"status\":\"processed\"",
        ),
        case(
            "an event id of 5,000 bytes",
            body(&"x".repeat(5_000), &[]),
            200,
            "\"event_id\":\"sha256:",
        ),
        case(
            "an event id of 150 two-byte characters",
            body(&"é".repeat(150), &[]),
            200,
            "\"event_id\":\"sha256:",
        ),
        case(
            "addresses with quotes, IP literals and encoded words",
            body(
                "addr-1",
                &[
                    ("booking.client.email", json!("\"evil@x.com>\"@y.com")),
                    ("booking.clientCommunication", json!("ClientAndAttendees")),
                    ("booking.attendees", hostile_addresses()),
                ],
            ),
            200,
            "email address not used: quoted local part",
        ),
        case(
            "bidi controls and zero-width characters in names",
            body(
                "bidi-1",
                &[
                    (
                        "booking.client.firstName",
                        json!("Jane\u{202E}gpj.exe\u{202C}"),
                    ),
                    ("booking.client.lastName", json!("\u{200B}Doe\u{FEFF}")),
                    ("service.name", json!("Consul\u{2066}tation\u{2069}")),
                    ("merchant.name", json!("\u{202E}erotS")),
                ],
            ),
            200,
            "\"status\":\"processed\"",
        ),
        case(
            "9,500 attendees",
            body(
                "many-1",
                &[
                    ("booking.clientCommunication", json!("ClientAndAttendees")),
                    ("booking.attendees", Value::Array(many)),
                ],
            ),
            200,
            "\"reason\":\"over the limit of 200 recipients per event (max_recipients_per_event)\"",
        ),
        case(
            "a number too large for a float, in a field we do not read",
            json!("placeholder"),
            200,
            "\"status\":\"processed\"",
        ),
        case(
            "nesting deeper than the parser allows",
            body("deep-1", &[("additionalRequest", deep)]),
            400,
            "\"error\":\"not JSON: recursion limit exceeded",
        ),
        case(
            "an unknown event type full of hostile values",
            {
                let mut v = body(
                    &"y".repeat(3_000),
                    &[(
                        "booking.items",
                        json!([{"duration": i64::MAX}, {"duration": 1}]),
                    )],
                );
                v["eventType"] = json!("client.deleted");
                v
            },
            200,
            "\"status\":\"ignored\"",
        ),
    ];
    // Flaws a sender can make without losing the body's meaning: read, not refused.
    let sound = serde_json::to_string(&body("flaw-1", &[])).unwrap();
    cases[9].body = sound
        .replacen("\"content\":{", "\"content\":{\"n\":1e400,", 1)
        .replacen("\"flaw-1\"", "\"big-1\"", 1)
        .into_bytes();
    for (i, (name, from, to)) in [
        (
            "a name cut in the middle of an emoji (lone surrogate escape)",
            "\"Jane\"",
            "\"Jane\\ud83d\"",
        ),
        ("a lone low surrogate escape", "\"Jane\"", "\"\\udc00Jane\""),
        (
            "a number out of range in a field we do not read",
            "\"clientCommunication\"",
            "\"surveyScore\":-9e999,\"clientCommunication\"",
        ),
        ("a raw tab inside a string", "\"Jane\"", "\"Ja\tne\""),
    ]
    .into_iter()
    .enumerate()
    {
        assert!(sound.contains(from), "{from}");
        let mut flawed = case(name, json!(null), 200, "\"status\":\"processed\"");
        flawed.body = sound
            .replacen(from, to, 1)
            .replacen("\"flaw-1\"", &format!("\"flaw-{}\"", i + 1), 1)
            .into_bytes();
        cases.push(flawed);
    }
    let mut cut = case(
        "a body cut short inside a string",
        json!(null),
        400,
        "\"error\":\"not JSON: EOF while parsing a string",
    );
    cut.body = sound.as_bytes()[..sound.len() / 2].to_vec();
    cases.push(cut);
    for id in [
        ".",
        "..",
        "...",
        "a/b",
        "a_b",
        "../../escape",
        "/etc/passwd",
        "a\\b",
        "con:1",
    ] {
        cases.push(case(
            "file-system names as event ids",
            body(id, &[]),
            200,
            "\"status\":\"processed\"",
        ));
    }
    let mut wrong = case(
        "a wrong secret on a hostile body",
        body(
            "dur-9",
            &[(
                "booking.items",
                json!([{"duration": i64::MAX}, {"duration": 1}]),
            )],
        ),
        401,
        "{\"error\":\"unauthorized\"}",
    );
    wrong.secret = "guess";
    cases.push(wrong);
    cases
}

/// Every file under `dir`, relative to it.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out
}

fn answer_text(r: &WebhookResponse) -> String {
    r.body.to_string()
}

#[test]
fn the_hostile_corpus_gets_its_documented_answers() {
    let root = std::env::temp_dir().join(format!("booxi-hostile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let outbox_dir = root.join("outbox");
    let hook = webhook(Counting::new(
        Some(Outbox {
            dir: outbox_dir.clone(),
            print: false,
            simulator: None,
        }),
        Duration::ZERO,
    ));
    let renderer = Renderer::new(&RenderConfig::default()).unwrap();
    let rt = runtime();
    let mut folders: BTreeMap<String, &'static str> = BTreeMap::new();
    for case in corpus() {
        plan_and_render(&renderer, &case.body);
        let first = rt.block_on(hook.handle(request(case.secret, case.body.clone())));
        let text = answer_text(&first);
        assert_eq!(first.status, case.status, "{}: {text}", case.name);
        assert!(text.contains(case.answer_has), "{}: {text}", case.name);
        let sent_before = hook.core.courier.sent.lock().unwrap().len();
        // Booxi's retry of the same delivery sends nothing more.
        let again = rt.block_on(hook.handle(request(case.secret, case.body.clone())));
        assert_eq!(
            hook.core.courier.sent.lock().unwrap().len(),
            sent_before,
            "{}: sent twice",
            case.name
        );
        if first.status == 200 && text.contains("processed") {
            assert_eq!(again.body["status"], "duplicate", "{}", case.name);
            let id = first.body["event_id"].as_str().unwrap().to_owned();
            assert!(
                id.len() <= 200,
                "{}: answered id of {} bytes",
                case.name,
                id.len()
            );
            let folder = booxi_notify::adapters::outbox::safe_file_name(&id);
            if let Some(other) = folders.insert(folder.clone(), case.name) {
                panic!("{}: folder {folder} already used by {other}", case.name);
            }
        }
    }

    // Nothing outside the outbox; one folder per processed event, each name in bounds.
    let top: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(top, ["outbox"]);
    let written: HashSet<String> = std::fs::read_dir(&outbox_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(written, folders.keys().cloned().collect::<HashSet<_>>());
    let files = files_under(&outbox_dir);
    for file in &files {
        assert_eq!(file.components().count(), 2, "{}", file.display());
        let text = std::fs::read_to_string(outbox_dir.join(file)).unwrap_or_default();
        if file.extension().is_some_and(|e| e == "txt" || e == "html") {
            assert!(
                !text.contains(['\u{202E}', '\u{200B}', '\u{FEFF}', '\u{2066}']),
                "{}: an invisible character was written",
                file.display()
            );
        }
        for refused in ["evil@x.com", "a,b", "127.0.0.1", "=?utf-8?q?a?="] {
            assert!(
                !text.contains(refused),
                "{}: {refused} was written",
                file.display()
            );
        }
    }

    // Nothing sent twice, across the whole corpus.
    let sent = hook.core.courier.sent.lock().unwrap();
    let unique: HashSet<&String> = sent.iter().collect();
    assert_eq!(unique.len(), sent.len(), "a message was sent twice");
    // 9,500 attendees: the client and 199 attendees, by email, plus the staff.
    let many = sent.iter().filter(|s| s.starts_with("many-1#")).count();
    assert_eq!(
        many,
        200 + 1 + 1,
        "client email + SMS, 199 attendees, staff"
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn the_sends_of_one_event_run_eight_at_a_time() {
    let hook = webhook(Counting::new(None, Duration::from_millis(20)));
    let attendees: Vec<Value> = (0..40)
        .map(|i| json!({"email": format!("guest{i}@example.com")}))
        .collect();
    let b = body(
        "group-1",
        &[
            ("booking.clientCommunication", json!("ClientAndAttendees")),
            ("booking.attendees", Value::Array(attendees)),
        ],
    );
    let r = runtime().block_on(hook.handle(request(SECRET, serde_json::to_vec(&b).unwrap())));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        hook.core.courier.sent.lock().unwrap().len(),
        43,
        "client email + SMS, 40 attendees, staff"
    );
    let most = hook.core.courier.most_in_flight.load(Ordering::SeqCst);
    assert!((2..=8).contains(&most), "{most} sends in flight at once");
}

/// Booking names a sender can make hostile, with flows configured: ids that look like a
/// key's separators or another merchant's wildcard, 5,000-byte ids, a merchant named as
/// the names shared by every merchant. Each booking's state is kept under a bounded key
/// of its own, and no booking takes another's state or schedules.
#[test]
fn hostile_booking_names_keep_bounded_states_of_their_own() {
    use booxi_notify::adapters::memory::{MemoryScheduler, MemoryStates};
    use booxi_notify::core::schedules::Flows;
    use std::sync::Arc;
    let config =
        Config::from_toml("[[flows]]\nname = \"pre_visit\"\nbefore_start = \"24h\"").unwrap();
    let scheduler = Arc::new(MemoryScheduler::new());
    let states = Arc::new(MemoryStates::new());
    let core = Core {
        config,
        store: MemoryStore::new(),
        courier: Counting::new(None, Duration::ZERO),
        composer: composer(),
        delivery: DeliverySettings::default(),
        emit_metrics: false,
        flows: Some(Flows {
            scheduler: scheduler.clone(),
            states: states.clone(),
        }),
        queue: None,
        events_out: None,
    };
    let long = "x".repeat(5_000);
    let names: Vec<(&str, &str, Option<&str>)> = vec![
        ("5", "1", Some("A1")),
        ("any", "1", None),
        ("-", "1", None),
        ("5/id:1", "2", None),
        ("5", "1/id:2", None),
        ("m:5", "1", None),
        ("%2F", "%3A", Some("cn:3")),
        ("6", "1", Some("A1")),
        ("5", &long, Some("*")),
    ];
    let rt = runtime();
    for (i, (merchant, id, confirmation)) in names.iter().enumerate() {
        let mut changes = vec![
            ("merchant.id", json!(merchant)),
            ("booking.bookingId", json!(id)),
            ("booking.startsOn", json!("2030-06-10T15:00:00Z")),
        ];
        if let Some(cn) = confirmation {
            changes.push(("booking.confirmationNumber", json!(cn)));
        }
        let mut b = body(&format!("name-{i}"), &changes);
        b["createdOn"] = json!("2030-06-01T10:00:00Z");
        let event = Event::parse(
            &serde_json::to_vec(&b).unwrap(),
            Config::default().default_country,
        )
        .unwrap();
        let summary = rt.block_on(core.process(&event, None)).unwrap();
        assert_eq!(
            summary.retry_wanted(),
            None,
            "{merchant}/{id}: {:?}",
            summary.schedules
        );
    }
    let kept = states.bookings();
    assert_eq!(kept.len(), names.len(), "{kept:?}");
    assert!(kept.iter().all(|k| k.len() <= 200), "{kept:?}");
    let bookings: HashSet<String> = scheduler
        .all()
        .iter()
        .map(|s| {
            serde_json::from_str::<Value>(&s.input).unwrap()["booking"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(bookings.len(), names.len(), "{bookings:?}");
}

// ---------------------------------------------------------------- numeric extremes

/// Every property test's settings: `cases()` cases, a fixed generator, no files.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256)
}

/// Where Booxi's numbers (or numbers where text is expected) reach our code.
const NUMERIC_PATHS: &[&str] = &[
    "booking.items.0.duration",
    "booking.items.1.duration",
    "booking.totalClientTimespan.duration",
    "booking.startsOn",
    "booking.totalClientTimespan.end",
    "booking.bookingId",
    "booking.staffId",
    "booking.isCompleted",
    "booking.modifiedOn",
    "booking.client.remindBySMS",
    "booking.client.mobilePhoneNumber",
    "booking.client.id",
    "booking.clientAvailability.0.from",
    "previousBooking.startsOn",
    "previousBooking.isCompleted",
    "merchant.timeZone",
    "staff.id",
];

fn extreme() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(json!(i64::MIN)),
        Just(json!(i64::MAX)),
        Just(json!(u64::MAX)),
        Just(json!(i64::MAX / 60 + 1)),
        Just(json!(-1)),
        Just(json!(0)),
        Just(json!(1e308)),
        Just(json!(-1e308)),
        Just(json!(5e-324)),
        Just(json!(-0.0)),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        any::<i64>().prop_map(|n| json!(n.to_string())),
        Just(json!("9223372036854775808")),
        Just(json!("-9223372036854775809")),
    ]
    .boxed()
}

/// Sets `value` at a dotted path under `content`, array indices included.
fn set_path(body: &mut Value, path: &str, value: Value) {
    let mut node = &mut body["content"];
    let parts: Vec<&str> = path.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        node = match part.parse::<usize>() {
            Ok(i) => {
                if !node.is_array() {
                    *node = json!([]);
                }
                let items = node.as_array_mut().unwrap();
                while items.len() <= i {
                    items.push(json!({}));
                }
                &mut items[i]
            }
            Err(_) => {
                if !node.is_object() {
                    *node = json!({});
                }
                &mut node[*part]
            }
        };
    }
    node[*parts.last().unwrap()] = value;
}

static EXTREMES: LazyLock<(Hook, tokio::runtime::Runtime, Renderer)> = LazyLock::new(|| {
    (
        webhook(Counting::new(None, Duration::ZERO)),
        runtime(),
        Renderer::new(&RenderConfig::default()).unwrap(),
    )
});
static CASE_NUMBER: AtomicUsize = AtomicUsize::new(0);

proptest! {
    #![proptest_config(config())]

    /// Any extreme number anywhere Booxi sends one: plan and render do not panic, the
    /// handler answers 200 and a retry sends nothing again.
    #[test]
    fn numeric_extremes_never_panic_and_never_send_twice(
        changes in prop::collection::vec((prop::sample::select(NUMERIC_PATHS), extreme()), 1..5),
        kind in prop::sample::select(&["appointment.created", "appointment.updated", "appointment.canceled", "appointment.remind"][..]),
    ) {
        let (hook, rt, renderer) = &*EXTREMES;
        let mut b = event(kind).with_previous().0;
        b["eventId"] = json!(format!("x-{}", CASE_NUMBER.fetch_add(1, Ordering::SeqCst)));
        set_path(&mut b, "booking.items", json!([{"duration": 30}, {"duration": 15}]));
        set_path(&mut b, "booking.totalClientTimespan", json!({"start": "2026-12-03T15:00:00Z"}));
        for (path, value) in &changes {
            set_path(&mut b, path, value.clone());
        }
        let bytes = serde_json::to_vec(&b).unwrap();
        plan_and_render(renderer, &bytes);
        let first = rt.block_on(hook.handle(request(SECRET, bytes.clone())));
        prop_assert_eq!(first.status, 200, "{}", first.body);
        let sent = hook.core.courier.sent.lock().unwrap().len();
        let again = rt.block_on(hook.handle(request(SECRET, bytes)));
        prop_assert_eq!(again.status, 200);
        prop_assert_eq!(hook.core.courier.sent.lock().unwrap().len(), sent, "sent twice");
    }
}

#[test]
fn the_recipient_cap_counts_the_client_and_leaves_the_rest_in_one_entry() {
    let config = Config {
        max_recipients_per_event: 3,
        ..Config::default()
    };
    let attendees: Vec<Value> = (0..5)
        .map(|i| json!({"email": format!("guest{i}@example.com")}))
        .collect();
    let with = |communication: &str| {
        event("appointment.created")
            .set("booking.clientCommunication", json!(communication))
            .set("booking.attendees", Value::Array(attendees.clone()))
            .plan_with(&config)
    };
    let plan = with("ClientAndAttendees");
    let emailed: Vec<String> = plan
        .notifications
        .iter()
        .filter(|n| !n.kind.is_staff() && n.to.as_str().contains('@'))
        .map(|n| n.to.as_str().to_owned())
        .collect();
    assert_eq!(
        emailed,
        [
            "jane@example.com",
            "guest0@example.com",
            "guest1@example.com"
        ]
    );
    assert_eq!(plan.capped_recipients, 3);
    let capped: Vec<(&str, &str)> = plan
        .skipped
        .iter()
        .map(|s| (s.recipient.as_str(), s.reason.as_str()))
        .filter(|(r, _)| r.starts_with("attendees"))
        .collect();
    assert_eq!(
        capped,
        [(
            "attendees 3 to 5",
            "over the limit of 3 recipients per event (max_recipients_per_event)"
        )]
    );

    // Attendees not written to anyway are not "over the limit": one entry, its own reason.
    let plan = with("ClientOnly");
    assert_eq!(plan.capped_recipients, 0);
    assert!(
        plan.skipped
            .iter()
            .any(|s| s.recipient == "attendees 3 to 5"
                && s.reason == "clientCommunication is ClientOnly"),
        "{:?}",
        plan.skipped
    );
}

// ---------------------------------------------------------------- invites in order

/// A timestamp as a hostile or broken sender may write it (or leave it out).
fn stamp() -> BoxedStrategy<Option<Value>> {
    prop_oneof![
        Just(None),
        Just(Some(json!("not a date"))),
        Just(Some(json!("1970-01-01T00:00:00Z"))),
        Just(Some(json!("2019-12-31T23:59:59Z"))),
        Just(Some(json!("9999-12-31T23:59:59Z"))),
        Just(Some(json!(i64::MAX))),
        (1_577_836_800_i64..2_800_000_000).prop_map(|s| {
            let t = jiff::Timestamp::from_second(s).unwrap();
            Some(json!(t.to_string()))
        }),
    ]
    .boxed()
}

/// The events of one booking, in the order Booxi sends them: created (confirmed),
/// moved twice, canceled by the client; each with the timestamps given (the event's
/// `createdOn`, the booking's `modifiedOn` and `createdOn`), absent when `None`.
fn lifecycle(stamps: &[[Option<Value>; 3]; 4]) -> Vec<Value> {
    let starts = [
        "2026-12-03T15:00:00Z",
        "2026-12-04T15:00:00Z",
        "2026-12-05T15:00:00Z",
    ];
    let mut bodies = vec![
        event("appointment.created"),
        event("appointment.updated")
            .set("booking.startsOn", json!(starts[0]))
            .with_previous()
            .set("booking.startsOn", json!(starts[1])),
        event("appointment.updated")
            .set("booking.startsOn", json!(starts[1]))
            .with_previous()
            .set("booking.startsOn", json!(starts[2])),
        event("appointment.canceled")
            .set("booking.startsOn", json!(starts[2]))
            .with_previous()
            .set("booking.status", json!("Cancelled")),
    ];
    for (i, (b, [created, modified, booked])) in bodies.iter_mut().zip(stamps).enumerate() {
        b.0["eventId"] = json!(format!("seq-{i}"));
        for (key, value) in [("modifiedOn", modified), ("createdOn", booked)] {
            match value {
                Some(v) => b.0["content"]["booking"][key] = v.clone(),
                None => {
                    if let Some(o) = b.0["content"]["booking"].as_object_mut() {
                        o.remove(key);
                    }
                }
            }
        }
        if let Some(v) = created {
            b.0["createdOn"] = v.clone();
        }
    }
    bodies.into_iter().map(|b| b.0).collect()
}

/// The SEQUENCE of the client's invite for `body` (none when the event makes none),
/// rendered as a core that remembers `last` would render it.
fn invite_sequence(renderer: &Renderer, body: &Value, last: Option<i64>) -> Option<i64> {
    let event = Event::from_value(body, Config::default().default_country).ok()?;
    let plan = plan(&event, &Config::default());
    plan.notifications
        .iter()
        .filter(|n| n.channel == booxi_notify::domain::notification::Channel::Email)
        .filter(|n| n.audience == booxi_notify::domain::notification::Audience::Client)
        .find_map(|n| match renderer.render_after(&event, n, last) {
            Ok(Message::Email(e)) => e.ics.map(|i| i.sequence),
            _ => None,
        })
}

proptest! {
    #![proptest_config(config())]

    /// Whatever the timestamps (absent, unreadable, older than the last event's, past
    /// the 32-bit range), the cancellation of a booking outranks every invite sent
    /// before it: Outlook and Apple Calendar apply it. Without memory that is all the
    /// data can promise; with the last SEQUENCE remembered (what `render_after` takes),
    /// every later event of the booking carries a higher SEQUENCE than the one before.
    #[test]
    fn invites_of_a_booking_never_go_backwards(
        stamps in prop::array::uniform4(prop::array::uniform3(stamp())),
    ) {
        let renderer = &EXTREMES.2;
        let bodies = lifecycle(&stamps);
        let stateless: Vec<i64> = bodies
            .iter()
            .map(|b| invite_sequence(renderer, b, None).expect("an invite"))
            .collect();
        let cancel = stateless[3];
        for request in &stateless[..3] {
            prop_assert!(cancel > *request, "{stateless:?}");
        }
        let mut last: Option<i64> = None;
        for (i, b) in bodies.iter().enumerate() {
            let sequence = invite_sequence(renderer, b, last).expect("an invite");
            prop_assert!(last.is_none_or(|l| sequence > l), "event {i}: {sequence} after {last:?}");
            prop_assert!((0..=i64::from(i32::MAX)).contains(&sequence));
            last = Some(sequence);
        }
    }
}

/// Events that give no time of their own (no `createdOn`, an old `modifiedOn`), composed
/// one after the other as the core composes them (the composer's date is when each is
/// processed): a later one never carries a lower SEQUENCE, a cancel outranks them all.
#[test]
fn invites_of_events_without_a_time_follow_the_order_they_are_processed_in() {
    use booxi_notify::core::compose::RenderComposer;
    use booxi_notify::core::delivery::{Content, MessageMeta};
    let composer = RenderComposer {
        renderer: Renderer::new(&booxi_notify::render::RenderConfig::default()).unwrap(),
        from: booxi_notify::domain::contact::EmailAddress::parse("bookings@example.com").unwrap(),
        reply_to: None,
    };
    let old = Some(json!("2026-11-01T09:30:00Z"));
    let stamps = [
        [
            Some(json!("2026-11-20T10:00:00Z")),
            old.clone(),
            old.clone(),
        ],
        [None, old.clone(), old.clone()],
        [None, old.clone(), old.clone()],
        [None, old.clone(), None],
    ];
    let bodies = lifecycle(&stamps);
    let mut last = None;
    for (i, body) in bodies.iter().enumerate() {
        let event = Event::from_value(body, Config::default().default_country).unwrap();
        let plan = plan(&event, &Config::default());
        let n = plan
            .notifications
            .iter()
            .find(|n| {
                n.channel == booxi_notify::domain::notification::Channel::Email
                    && n.audience == booxi_notify::domain::notification::Audience::Client
            })
            .unwrap();
        // Processed a minute apart, after the first event's own time.
        let date: jiff::Timestamp = "2026-11-20T10:05:00Z".parse().unwrap();
        let date = date + jiff::SignedDuration::from_mins(i as i64);
        let out = composer
            .compose_at(&event, n, MessageMeta::of(n, 1), date)
            .unwrap();
        let Content::Email(email) = out.content else {
            panic!("an email")
        };
        let mime = String::from_utf8_lossy(&email.mime).into_owned();
        let sequence: i64 = mime
            .lines()
            .find_map(|l| l.strip_prefix("SEQUENCE:"))
            .unwrap_or_else(|| panic!("event {i}: no SEQUENCE in\n{mime}"))
            .trim()
            .parse()
            .unwrap();
        assert!(
            last.is_none_or(|l| sequence > l),
            "event {i}: {sequence} after {last:?}"
        );
        last = Some(sequence);
    }
}

/// The case, written out: a cancellation with no `createdOn` and a `modifiedOn`
/// older than the confirmation's time.
#[test]
fn a_cancel_with_older_timestamps_still_cancels() {
    let renderer = &EXTREMES.2;
    let at = |s: &str| Some(json!(s));
    let stamps = [
        [
            at("2026-11-22T10:00:00Z"),
            at("2026-11-21T09:30:00Z"),
            at("2026-11-20T12:00:00Z"),
        ],
        [
            at("2026-11-23T10:00:00Z"),
            at("2026-11-21T09:30:00Z"),
            at("2026-11-20T12:00:00Z"),
        ],
        [None, at("2026-11-21T09:30:00Z"), at("2026-11-20T12:00:00Z")],
        [None, at("2026-11-21T09:30:00Z"), None],
    ];
    let bodies = lifecycle(&stamps);
    let confirmation = invite_sequence(renderer, &bodies[0], None).unwrap();
    let moved = invite_sequence(renderer, &bodies[1], None).unwrap();
    let moved_again = invite_sequence(renderer, &bodies[2], None).unwrap();
    let cancel = invite_sequence(renderer, &bodies[3], None).unwrap();
    assert!(moved > confirmation);
    assert!(cancel > moved && cancel > moved_again);
    // The second move has only an old `modifiedOn`: from the data alone it cannot be
    // told apart from an older event (same SEQUENCE as before at best)...
    assert!(moved_again <= moved);
    // ...what the core remembers of the last invite puts it after.
    assert_eq!(
        invite_sequence(renderer, &bodies[2], Some(moved)),
        Some(moved + 1)
    );
}
