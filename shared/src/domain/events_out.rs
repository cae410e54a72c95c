//! Booking events out (`[events_out]`): what a Booxi event tells a merchant's other tools
//! (a CRM, a push service, LINE…) through an EventBridge bus. Pure: which detail-type an
//! event is ([`DETAIL_TYPE_RULES`], the first row that applies) and the normalised
//! `detail` ([`Detail`]), whose JSON Schema is `docs/events-out.schema.json` and whose
//! fields `docs/events-out.md` describes one by one. The core publishes them, once per
//! Booxi event (`crate::core::events_out`).
//!
//! The detail is ours, not Booxi's body: the booking as the event gives it (a field the
//! event leaves out is left out here too), its times in UTC and in the store's zone, the
//! client (contact data only when `[events_out] contact_data` allows), the tracking page
//! in the client's language, what changed, and what became of the event's messages.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

use crate::domain::booking::{BookingRef, event_time};
use crate::domain::config::Config;
use crate::domain::event::{Booking, Event, EventType, Status};
use crate::domain::notification::{
    Action, Audience, Channel, FlowName, Kind, NOT_EVALUATED, Plan, utc_seconds,
};
use crate::domain::rules::{
    self, Check, changed, completed_now, date_staff_or_location_changed, event_type_is,
    status_changed,
};
use crate::domain::text::{is_invisible, one_line_without};
use crate::domain::time::booking_span;

/// The `source` of every event published.
pub const SOURCE: &str = "booxi-notify";

/// The detail's `schema_version`: raised only when a field changes meaning or goes away
/// (a new field keeps it).
pub const SCHEMA_VERSION: u32 = 1;

/// Texts (names, ids) are cut to this many characters.
pub const MAX_TEXT: usize = 200;
/// At most this many `messages` entries (the others are counted in `messages_omitted`):
/// with `max_recipients_per_event` raised, a group's messages could outgrow the 256 KB
/// EventBridge takes.
pub const MAX_MESSAGES: usize = 200;
/// At most this many `client.external_ids`.
pub const MAX_EXTERNAL_IDS: usize = 10;
/// A link longer than this is left out (a cut link is a broken one).
pub const MAX_LINK: usize = 2048;

/// What an event says happened to the booking: the `detail-type` of its event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailType {
    Created,
    ReminderDue,
    RecallDue,
    Canceled,
    NoShow,
    Completed,
    Approved,
    PendingApproval,
    Moved,
    Updated,
    /// A flow with the `event` channel, at its time (`starting_soon`: "Booking Starting
    /// Soon").
    Flow(FlowName),
}

impl DetailType {
    /// The `detail-type` as published: `Booking Created`, … For a flow: `Booking ` and
    /// the flow's name with each `_`-separated word capitalised (`starting_soon` →
    /// `Booking Starting Soon`, `pre_visit` → `Booking Pre Visit`).
    pub fn name(self) -> String {
        match self {
            DetailType::Created => "Booking Created".into(),
            DetailType::ReminderDue => "Reminder Due".into(),
            DetailType::RecallDue => "Recall Due".into(),
            DetailType::Canceled => "Booking Canceled".into(),
            DetailType::NoShow => "Booking No-Show".into(),
            DetailType::Completed => "Booking Completed".into(),
            DetailType::Approved => "Booking Approved".into(),
            DetailType::PendingApproval => "Booking Pending Approval".into(),
            DetailType::Moved => "Booking Moved".into(),
            DetailType::Updated => "Booking Updated".into(),
            DetailType::Flow(name) => flow_words(name.as_str()),
        }
    }
}

/// `Booking ` and the flow's name, each `_`-separated word capitalised.
fn flow_words(name: &str) -> String {
    let words: Vec<String> = name
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    format!("Booking {}", words.join(" "))
}

/// One row of the detail-type table: the first row whose condition holds gives the
/// event's one detail-type.
pub struct DetailTypeRule {
    pub detail_type: DetailType,
    /// The row, as `docs/events-out.md` writes it.
    pub row: &'static str,
    pub condition: fn(&Event) -> Check,
}

use EventType::*;

/// The detail-types of `docs/events-out.md`, top to bottom; the last always applies.
pub const DETAIL_TYPE_RULES: &[DetailTypeRule] = &[
    DetailTypeRule {
        detail_type: DetailType::Created,
        row: "Booking Created: appointment.created or reservation.created (whatever the status: the detail gives it)",
        condition: |e| event_type_is(e, &[AppointmentCreated, ReservationCreated]),
    },
    DetailTypeRule {
        detail_type: DetailType::ReminderDue,
        row: "Reminder Due: appointment.remind",
        condition: |e| event_type_is(e, &[AppointmentRemind]),
    },
    DetailTypeRule {
        detail_type: DetailType::RecallDue,
        row: "Recall Due: appointment.recall",
        condition: |e| event_type_is(e, &[AppointmentRecall]),
    },
    DetailTypeRule {
        detail_type: DetailType::Canceled,
        row: "Booking Canceled: appointment.canceled, or status = Cancelled and status changed",
        condition: |e| {
            if e.event_type == AppointmentCanceled {
                return Ok(());
            }
            match e.booking.status {
                Some(Status::Cancelled) => status_changed(e),
                _ => Err("the status is not Cancelled".to_owned()),
            }
        },
    },
    DetailTypeRule {
        detail_type: DetailType::NoShow,
        row: "Booking No-Show: presence = NoShow and presence changed",
        condition: |e| match e.booking.presence {
            Some(crate::domain::event::Presence::NoShow) => {
                changed(e, "presence", |b| b.presence.clone())
            }
            _ => Err("the presence is not NoShow".to_owned()),
        },
    },
    DetailTypeRule {
        detail_type: DetailType::Completed,
        row: "Booking Completed: appointment.completed, or isCompleted = true and previousBooking.isCompleted is not true",
        condition: |e| {
            if e.event_type == AppointmentCompleted {
                return Ok(());
            }
            completed_now(e)
        },
    },
    DetailTypeRule {
        detail_type: DetailType::Approved,
        row: "Booking Approved: status = Approved and status changed",
        condition: |e| match e.booking.status {
            Some(Status::Approved) => status_changed(e),
            _ => Err("the status is not Approved".to_owned()),
        },
    },
    DetailTypeRule {
        detail_type: DetailType::PendingApproval,
        row: "Booking Pending Approval: status = PendingStaffApproval or PendingClientApproval, and status changed",
        condition: |e| match &e.booking.status {
            Some(s) if s.is_pending() => status_changed(e),
            _ => Err("the status is not pending".to_owned()),
        },
    },
    DetailTypeRule {
        detail_type: DetailType::Moved,
        row: "Booking Moved: changed(start date/time) or changed(staff) or changed(location)",
        condition: date_staff_or_location_changed,
    },
    DetailTypeRule {
        detail_type: DetailType::Updated,
        row: "Booking Updated: any other event about the booking",
        condition: |_| Ok(()),
    },
];

/// How one row of the detail-type table judged the event (for `--explain`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailTypeVerdict {
    pub row: &'static str,
    /// `Ok(())` when the row applied; otherwise why not.
    pub outcome: Result<(), String>,
}

/// The event's detail-type, and how each row judged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedEvent {
    pub detail_type: DetailType,
    pub verdicts: Vec<DetailTypeVerdict>,
}

impl PlannedEvent {
    /// Why (the `--explain` lines): each row, `match`, `no match … because …` or `-`
    /// after the one that applied, then an `event` line.
    pub fn explain(&self) -> String {
        let mut out = String::new();
        for v in &self.verdicts {
            match &v.outcome {
                Ok(()) => out.push_str(&format!("  match     {}\n", v.row)),
                Err(why) if why == NOT_EVALUATED => {
                    out.push_str(&format!("  -         {} ({why})\n", v.row))
                }
                Err(why) => out.push_str(&format!(
                    "  no match  {}\n            because {why}\n",
                    v.row
                )),
            }
        }
        out.push_str(&format!(
            "  event     {} (published once the event's messages are done)\n",
            self.detail_type.name()
        ));
        out
    }
}

/// The event published for an event `plan` was made for: with `[events_out]`, and for a
/// type we act on (an ignored event publishes nothing).
pub fn planned(event: &Event, config: &Config, plan: &Plan) -> Option<PlannedEvent> {
    (config.events_out.is_some() && plan.ignored.is_none()).then(|| detail_type(event))
}

/// The detail-type a flow's event is published with (`None` for a kind that is no flow).
pub fn flow_detail_type(kind: Kind) -> Option<String> {
    kind.flow().map(|name| DetailType::Flow(name).name())
}

/// The first row of [`DETAIL_TYPE_RULES`] that applies to `event` (one always does).
pub fn detail_type(event: &Event) -> PlannedEvent {
    let mut found = None;
    let mut verdicts = Vec::with_capacity(DETAIL_TYPE_RULES.len());
    for rule in DETAIL_TYPE_RULES {
        let outcome = if found.is_some() {
            Err(NOT_EVALUATED.to_owned())
        } else {
            (rule.condition)(event)
        };
        if outcome.is_ok() {
            found = Some(rule.detail_type);
        }
        verdicts.push(DetailTypeVerdict {
            row: rule.row,
            outcome,
        });
    }
    PlannedEvent {
        detail_type: found.unwrap_or(DetailType::Updated),
        verdicts,
    }
}

/// What became of one of the event's messages, as the detail lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DetailMessage {
    pub kind: Kind,
    pub audience: Audience,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// `sent`, `skipped`, `failed`, `queued` or `deferred` (held back by quiet hours).
    pub status: &'static str,
    /// An email that went instead of the same message's SMS (`sms`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_for: Option<Channel>,
}

/// A flow's event, at its time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowFire {
    /// The flow's name (`starting_soon`).
    pub name: String,
    /// When it was due (UTC).
    pub due_at: String,
}

/// An instant as the detail gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instant {
    /// RFC 3339 in UTC, whole seconds (`2026-12-03T15:00:00Z`).
    pub utc: String,
    /// The store's wall clock with its offset (`2026-12-03T10:00:00-05:00`).
    pub local: String,
    /// The store's IANA time zone (`America/Toronto`), when it has a name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

impl Instant {
    fn new(at: Timestamp, tz: &TimeZone) -> Self {
        let at = Timestamp::from_second(at.as_second()).unwrap_or(at);
        let zoned = at.to_zoned_datetime(tz.clone());
        Self {
            utc: utc_seconds(at),
            local: zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
            time_zone: tz.iana_name().map(str::to_owned),
        }
    }
}

/// An id and a name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Named {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Named {
    fn of(id: Option<&str>, name: Option<&str>) -> Option<Self> {
        let named = Self {
            id: id.and_then(text),
            name: name.and_then(text),
        };
        (named.id.is_some() || named.name.is_some()).then_some(named)
    }
}

/// Where the booking takes place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// `store`, `home`, `phone`, `video` or `custom`.
    pub kind: &'static str,
    /// `locationText`, as Booxi wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// The booking's client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Client {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Booxi's three-letter code (`eng`, `fre`), as the client's profile gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Only with `contact_data` (the default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// E.164; only with `contact_data` (the default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    /// Booxi's client links (`clientLinks[]`): the client's id in another system (a
    /// LINE user id, a CRM id) under the link's module id, so a rule can name it
    /// (`detail.client.external_ids.<module id>`). Links whose module id is not
    /// 1–64 of `[A-Za-z0-9_.-]` are left out (no rule could name them).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub external_ids: BTreeMap<String, String>,
}

/// The client's tracking page, in the client's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Links {
    /// The language of the page (`lang=`): the client's, when we write to clients in it,
    /// else the merchant's default, else English.
    pub language: String,
    pub view: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modify: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm: Option<String>,
}

/// The booking before the change, as far as the event says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Previous {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<Instant>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<Instant>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staff: Option<Named>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// The `detail` of a published event. A field whose value is unknown is left out (an
/// EventBridge rule tests it with `exists`); `docs/events-out.md` describes each field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Detail {
    pub schema_version: u32,
    /// Booxi's event id (for a flow: the fire's id): what a consumer deduplicates on.
    pub event_id: String,
    /// Booxi's event type as we read it (`appointment.created`); absent for a flow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// When it happened (UTC): the booking's `modifiedOn`, else the event's `createdOn`;
    /// for a flow, its due time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<String>,
    /// A flow's event: which flow, due when.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow: Option<FlowFire>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merchant: Option<Named>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub booking_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmation_number: Option<String>,
    /// `appointment` or `reservation`.
    pub method: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presence: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed: Option<bool>,
    /// `do_not_send`, `client_only` or `client_and_attendees`: whom Booxi lets us write to.
    pub client_communication: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<Instant>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<Instant>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<Named>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staff: Option<Named>,
    pub location: Location,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<Client>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<Links>,
    /// The client's own video-conference link, when the booking has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<Previous>,
    /// What changed, of `status`, `start`, `staff`, `location` (each only when the
    /// previous value is known and differs).
    pub changes: Vec<&'static str>,
    /// What became of the event's messages (none for a flow's event).
    pub messages: Vec<DetailMessage>,
    /// `messages` entries left out past [`MAX_MESSAGES`].
    #[serde(skip_serializing_if = "is_zero")]
    pub messages_omitted: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A text as the detail carries it: one line, no invisible characters, at most
/// [`MAX_TEXT`] characters; `None` when nothing is left.
fn text(raw: &str) -> Option<String> {
    let line = one_line_without(raw, is_invisible);
    let cut: String = line.chars().take(MAX_TEXT).collect();
    let cut = cut.trim_end().to_owned();
    (!cut.is_empty()).then_some(cut)
}

/// A link as the detail carries it (http(s) only, as parsed), unless too long.
fn link(url: &url::Url) -> Option<String> {
    let text = url.as_str();
    (text.len() <= MAX_LINK).then(|| text.to_owned())
}

fn location(b: &Booking) -> Location {
    Location {
        kind: b.place_kind().name(),
        text: b.location_text.as_deref().and_then(text),
    }
}

/// What changed, of status, start, staff and location: a previous value known and
/// different (the rules' `changed(x)`).
fn changes(event: &Event) -> Vec<&'static str> {
    let start = |b: &Booking| b.starts_on.as_deref().map(|raw| rules::instant(event, raw));
    let staff = |b: &Booking| b.staff_id.clone().or(b.staff_name.clone());
    let place = |b: &Booking| {
        let (kind, text) = b.location_key();
        (kind.is_some() || text.is_some()).then_some((kind, text))
    };
    let mut out = Vec::new();
    if changed(event, "status", |b| b.status.clone()).is_ok() {
        out.push("status");
    }
    if changed(event, "start", start).is_ok() {
        out.push("start");
    }
    if changed(event, "staff", staff).is_ok() {
        out.push("staff");
    }
    if changed(event, "location", place).is_ok() {
        out.push("location");
    }
    out
}

fn previous(event: &Event, tz: &TimeZone) -> Option<Previous> {
    let p = event.previous.as_ref()?;
    let span = booking_span(p, tz);
    Some(Previous {
        status: p.status.as_ref().and_then(Status::name),
        start: span.map(|(start, _)| Instant::new(start, tz)),
        end: span
            .and_then(|(_, end)| end)
            .map(|end| Instant::new(end, tz)),
        staff: Named::of(p.staff_id.as_deref(), p.staff_name.as_deref()),
        location: (p.location.is_some() || p.location_text.is_some()).then(|| location(p)),
    })
}

fn client(event: &Event, contact_data: bool) -> Option<Client> {
    let person = event.client.as_ref()?;
    let external_ids = event
        .client_links
        .iter()
        .filter_map(|l| {
            let module = l.module_id.as_deref()?.trim();
            let addressable = (1..=64).contains(&module.len())
                && module
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
            addressable.then_some(())?;
            Some((module.to_owned(), l.external_id.as_deref().and_then(text)?))
        })
        .take(MAX_EXTERNAL_IDS)
        .collect();
    Some(Client {
        id: person.id.as_deref().and_then(text),
        first_name: person.first_name.as_deref().and_then(text),
        last_name: person.last_name.as_deref().and_then(text),
        language: person.language.as_ref().map(|l| l.code().to_owned()),
        email: contact_data
            .then(|| person.email.valid().map(|e| e.as_str().to_owned()))
            .flatten(),
        mobile: contact_data
            .then(|| person.mobile.valid().map(|m| m.as_str().to_owned()))
            .flatten(),
        external_ids,
    })
}

fn links(event: &Event) -> Option<Links> {
    let wanted = event.client.as_ref().and_then(|c| c.language.as_ref());
    let language = rules::message_language(Kind::Confirmation, wanted, event);
    let found = rules::links_for(
        event,
        &[Action::Modify, Action::Cancel, Action::Confirm],
        &language,
    )?;
    Some(Links {
        language: language.code().to_owned(),
        view: link(&found.view)?,
        modify: found.modify.as_ref().and_then(link),
        cancel: found.cancel.as_ref().and_then(link),
        confirm: found.confirm.as_ref().and_then(link),
    })
}

/// The detail of `event`'s own publication, with what became of its messages.
pub fn detail(event: &Event, config: &Config, messages: &[DetailMessage]) -> Detail {
    let mut detail = booking_detail(event, config);
    detail.event_id = event.id.clone();
    detail.event_type = text(event.event_type.name());
    detail.occurred_at = event_time(event, &config.default_time_zone).map(utc_seconds);
    detail.messages = messages.iter().take(MAX_MESSAGES).cloned().collect();
    detail.messages_omitted = messages.len().saturating_sub(MAX_MESSAGES);
    detail
}

/// The detail of a flow's event at its time (`fire_id`, due `at`): the booking as its
/// kept state now is (`state`), no messages.
pub fn flow_detail(
    state: &Event,
    config: &Config,
    fire_id: &str,
    flow: FlowName,
    at: Timestamp,
) -> Detail {
    let mut detail = booking_detail(state, config);
    detail.event_id = fire_id.to_owned();
    detail.occurred_at = Some(utc_seconds(at));
    detail.flow = Some(FlowFire {
        name: flow.as_str().to_owned(),
        due_at: utc_seconds(at),
    });
    // A flow's event is not a change: what the kept state's last event changed is not news.
    detail.changes = Vec::new();
    detail.previous = None;
    detail
}

/// What the booking is, as `event` gives it.
fn booking_detail(event: &Event, config: &Config) -> Detail {
    let tz = event.time_zone(&config.default_time_zone);
    let contact_data = config.events_out.as_ref().is_none_or(|e| e.contact_data);
    let b = &event.booking;
    let span = booking_span(b, &tz);
    let merchant = BookingRef::of(event, config.merchant_id.as_deref())
        .and_then(|r| r.merchant)
        .or_else(|| event.merchant.id.clone());
    Detail {
        schema_version: SCHEMA_VERSION,
        event_id: String::new(),
        event_type: None,
        occurred_at: None,
        flow: None,
        merchant: Named::of(merchant.as_deref(), event.merchant.name.as_deref()),
        booking_id: b.id.as_deref().and_then(text),
        confirmation_number: b.confirmation_number.as_deref().and_then(text),
        method: if event.is_reservation() {
            "reservation"
        } else {
            "appointment"
        },
        status: b.status.as_ref().and_then(Status::name),
        presence: b.presence.as_ref().and_then(|p| p.name()),
        completed: b.is_completed,
        client_communication: event.client_communication().name(),
        start: span.map(|(start, _)| Instant::new(start, &tz)),
        end: span
            .and_then(|(_, end)| end)
            .map(|end| Instant::new(end, &tz)),
        service: event
            .service
            .as_ref()
            .and_then(|s| Named::of(s.id.as_deref(), s.name.as_deref())),
        staff: Named::of(
            b.staff_id
                .as_deref()
                .or(event.staff.as_ref().and_then(|s| s.id.as_deref()))
                .filter(|id| *id != "0"),
            event.staff_name().as_deref(),
        ),
        location: location(b),
        client: client(event, contact_data),
        links: links(event),
        video_url: event
            .client
            .as_ref()
            .and_then(|c| c.video_url.as_ref())
            .and_then(link),
        previous: previous(event, &tz),
        changes: changes(event),
        messages: Vec::new(),
        messages_omitted: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_detail_types_capitalise_each_word() {
        let name = |n: &str| DetailType::Flow(FlowName::parse(n).unwrap()).name();
        assert_eq!(name("starting_soon"), "Booking Starting Soon");
        assert_eq!(name("pre_visit"), "Booking Pre Visit");
        assert_eq!(name("check_in_2h"), "Booking Check In 2h");
        assert_eq!(name("x"), "Booking X");
    }

    #[test]
    fn texts_are_one_visible_line_and_bounded() {
        assert_eq!(
            text(" Jane\r\nBcc:\u{202E} x ").as_deref(),
            Some("Jane Bcc: x")
        );
        assert_eq!(text("\u{200B} \n"), None);
        assert_eq!(
            text(&"é".repeat(500)).map(|t| t.chars().count()),
            Some(MAX_TEXT)
        );
    }
}
