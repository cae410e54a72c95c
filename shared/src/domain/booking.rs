//! Which booking an event is about, and what is known of it: the names its saved state
//! and schedules hang on ([`BookingRef`]), and the state events build up ([`merge`]).
//! Pure: the core reads and writes the state (`core::schedules`); this decides.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Map, Value};

use crate::domain::booxi::{Obj, spelling as s, squash};
use crate::domain::event::Event;
use crate::domain::ids::storage_key;

/// What an event says of the booking it is about: its merchant (`merchant.id`, else
/// `booking.merchantId`, else the configured single merchant) and the booking's ids
/// (`bookingId` or `id`, and `confirmationNumber`). Booxi names one booking in
/// several ways — with or without its merchant, by id or by confirmation number only,
/// as its own public sample does — and every way must reach the same state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingRef {
    pub merchant: Option<String>,
    pub booking_id: Option<String>,
    pub confirmation: Option<String>,
}

/// The merchant part of a key when no merchant is known.
const NO_MERCHANT: &str = "-";
/// The merchant part of a name that holds for any merchant (a merchant's own names
/// start with `m:`, so no merchant id can take it).
const ANY_MERCHANT: &str = "any";

/// A part of a key or name with `%`, `/` and `:` percent-encoded, so no id can be read
/// as two parts (ids Booxi sends contain none of them: they are unchanged).
fn part(text: &str) -> String {
    if !text.contains(['%', '/', ':']) {
        return text.to_owned();
    }
    text.replace('%', "%25")
        .replace('/', "%2F")
        .replace(':', "%3A")
}

impl BookingRef {
    /// `None` when the event names no booking (neither an id nor a confirmation number).
    pub fn of(event: &Event, default_merchant: Option<&str>) -> Option<Self> {
        let b = &event.booking;
        if b.id.is_none() && b.confirmation_number.is_none() {
            return None;
        }
        Some(Self {
            merchant: merchant_of(event, default_merchant),
            booking_id: b.id.clone(),
            confirmation: b.confirmation_number.clone(),
        })
    }

    /// The key a booking's state is first kept under: `<merchant>/<booking id>`, the
    /// confirmation number standing in for an absent id and `-` for an unknown merchant
    /// (bounded by [`storage_key`]). Once kept, the state keeps its key: later events
    /// find it by [`BookingRef::names`].
    pub fn key(&self) -> String {
        let merchant = self
            .merchant
            .as_deref()
            .map_or(NO_MERCHANT.to_owned(), part);
        let booking = self
            .booking_id
            .as_deref()
            .or(self.confirmation.as_deref())
            .map(part)
            .unwrap_or_default();
        storage_key(&format!("{merchant}/{booking}"))
    }

    /// Every name the booking's state may be found by, the most precise first: by id,
    /// then by confirmation number, for its merchant when known, then for any merchant
    /// (a body that names no merchant). Each bounded by [`storage_key`].
    pub fn names(&self) -> Vec<String> {
        let ids = [
            self.booking_id
                .as_deref()
                .map(|id| format!("id:{}", part(id))),
            self.confirmation
                .as_deref()
                .map(|cn| format!("cn:{}", part(cn))),
        ];
        let merchants = [
            self.merchant.as_deref().map(|m| format!("m:{}", part(m))),
            Some(ANY_MERCHANT.to_owned()),
        ];
        merchants
            .into_iter()
            .flatten()
            .flat_map(|m| {
                ids.iter()
                    .flatten()
                    .map(move |id| storage_key(&format!("{m}/{id}")))
            })
            .collect()
    }
}

impl BookingRef {
    /// Whether the state kept under `booking` (the key a `name` of this event leads to)
    /// is this event's booking. A merchant's own names are; a name shared by every
    /// merchant (`any/…`) is when the event names no merchant, or when the state was
    /// kept for no merchant or for the event's own: never another merchant's booking.
    pub fn accepts(&self, name: &str, booking: &str) -> bool {
        let Some(merchant) = self.merchant.as_deref() else {
            return true;
        };
        name.starts_with("m:")
            || booking.starts_with(&format!("{NO_MERCHANT}/"))
            || booking.starts_with(&format!("{}/", part(merchant)))
    }
}

/// The merchant an event is about: `merchant.id`, else `booking.merchantId` (or a
/// `merchantId` beside the booking), else the configured single merchant.
pub fn merchant_of(event: &Event, default_merchant: Option<&str>) -> Option<String> {
    event
        .merchant
        .id
        .clone()
        .or_else(|| event.booking.merchant_id.clone())
        .or_else(|| Obj::new(&event.content).and_then(|c| c.text(s::MERCHANT_ID)))
        .or_else(|| default_merchant.map(str::to_owned))
}

/// The key of the booking an event is about (see [`BookingRef::key`]); `None` when it
/// names no booking.
pub fn booking_key(event: &Event, default_merchant: Option<&str>) -> Option<String> {
    BookingRef::of(event, default_merchant).map(|r| r.key())
}

/// The event's own time, as the booking's states are ordered by it: its booking's
/// `modifiedOn`, else its `createdOn` (read in the store's time zone when they carry no
/// offset, `tz` being the configured default). `None` when the body gives neither.
pub fn event_time(event: &Event, tz: &TimeZone) -> Option<Timestamp> {
    Obj::new(&event.booking.raw)
        .and_then(|b| b.text(s::MODIFIED_ON))
        .and_then(|t| event.instant(&t, tz))
        .or_else(|| {
            event
                .created_on
                .as_deref()
                .and_then(|t| event.instant(t, tz))
        })
}

/// A booking's state as kept: the body of the events merged so far, and what is known
/// of their times.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// `{"eventId", "eventType", "createdOn", "content"}`: the latest event's envelope,
    /// the content merged from every event (see [`merge`]).
    pub body: Value,
    /// The latest time an event's body gave ([`event_time`]), if any did.
    pub known_at: Option<Timestamp>,
    /// The booking is canceled, a no-show or completed, and an event without a time of
    /// its own made it so: then no event can undo it (none can be shown to be later).
    pub sealed: bool,
}

/// What an event does to its booking's state.
#[derive(Debug, Clone, PartialEq)]
pub enum Merged {
    /// The event is older than one already merged: it changes nothing (why).
    Stale(String),
    /// The state after the event.
    State(State),
}

/// The booking's state after `incoming` (an event body as the state keeps it, of time
/// `at`, see [`event_time`]), given the state kept before. The rules (docs/rules.md,
/// "The booking's state"):
///
/// - an event whose time is known and before the latest known time changes nothing;
/// - otherwise the event's fields replace the state's, and **a field absent from the
///   event keeps its last known value** (objects merge field by field; a value, an
///   array or `null` replaces; a field under another case or spelling is the same
///   field; the previous booking is the event's own, never kept from another);
/// - a cancel, no-show or completion is undone only by an event with a known time
///   later than every time known before, and never when an event without a time made
///   it (`sealed`): a retry of an old approval restores nothing.
pub fn merge(stored: Option<&State>, incoming: &Value, at: Option<Timestamp>) -> Merged {
    let Some(stored) = stored else {
        let body = incoming.clone();
        return Merged::State(State {
            sealed: at.is_none() && terminal(&body),
            body,
            known_at: at,
        });
    };
    if let (Some(at), Some(known)) = (at, stored.known_at)
        && at < known
    {
        return Merged::Stale(format!(
            "an event of {} was merged before: this one, of {}, is older",
            crate::domain::notification::utc_seconds(known),
            crate::domain::notification::utc_seconds(at)
        ));
    }
    let was_terminal = terminal(&stored.body);
    let later = matches!((at, stored.known_at), (Some(at), Some(known)) if at > known);
    let mut incoming_content = incoming.get("content").cloned().unwrap_or(Value::Null);
    // Only a later event may undo a cancel, no-show or completion, and none a sealed one.
    let may_undo = later && !stored.sealed;
    if !may_undo {
        keep_terminal(&stored.body, &mut incoming_content);
    }
    let mut content = stored.body.get("content").cloned().unwrap_or(Value::Null);
    if let Some(map) = content.as_object_mut() {
        remove_same_field(map, s::PREVIOUS_BOOKING[0]);
    }
    merge_value(&mut content, &incoming_content);
    let mut body = Map::new();
    for key in ["eventId", "eventType", "createdOn"] {
        if let Some(v) = incoming.get(key) {
            body.insert(key.to_owned(), v.clone());
        }
    }
    body.insert("content".to_owned(), content);
    let body = Value::Object(body);
    let now_terminal = terminal(&body);
    Merged::State(State {
        sealed: now_terminal && (stored.sealed || (at.is_none() && !was_terminal)),
        known_at: match (at, stored.known_at) {
            (Some(a), Some(k)) => Some(a.max(k)),
            (a, k) => a.or(k),
        },
        body,
    })
}

/// Spellings of one field beyond its case (`booxi::spelling`): a field written one way
/// in the state and another in an event is the same field.
const SAME_FIELD: &[&[&str]] = &[
    &["startsOn", "startDate"],
    &["mobilePhoneNumber", "mobilePhone", "mobileNumber", "mobile"],
    &["clientAvailability", "clientAvailabilities"],
    &["previousBooking", "previous"],
    &["modifiedOn", "modifiedAt", "updatedOn"],
    &["communicationEmail", "email"],
];

fn same_field(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
        || SAME_FIELD.iter().any(|group| {
            group.iter().any(|g| g.eq_ignore_ascii_case(a))
                && group.iter().any(|g| g.eq_ignore_ascii_case(b))
        })
}

/// Removes every key of `map` that is the same field as `key`; returns the value under
/// `key` itself when there was one, else under another spelling.
fn remove_same_field(map: &mut Map<String, Value>, key: &str) -> Option<Value> {
    let names: Vec<String> = map.keys().filter(|k| same_field(k, key)).cloned().collect();
    let exact = map.remove(key);
    let mut other = None;
    for name in names {
        let v = map.remove(&name);
        other = other.or(v);
    }
    exact.or(other)
}

/// `incoming` over `base`: objects merge field by field, anything else replaces.
fn merge_value(base: &mut Value, incoming: &Value) {
    match (base, incoming) {
        (Value::Object(base), Value::Object(incoming)) => {
            for (key, value) in incoming {
                let merged = match (remove_same_field(base, key), value) {
                    (Some(mut old @ Value::Object(_)), Value::Object(_)) => {
                        merge_value(&mut old, value);
                        old
                    }
                    _ => value.clone(),
                };
                base.insert(key.clone(), merged);
            }
        }
        (base, incoming) if !incoming.is_null() => *base = incoming.clone(),
        _ => {}
    }
}

/// The booking object of a state's content, and the client objects beside or in it.
fn booking_of(content: &Value) -> Option<&Map<String, Value>> {
    let o = Obj::new(content)?;
    o.get(s::BOOKING).and_then(Value::as_object)
}

/// Whether a state's booking is canceled, a no-show or completed.
fn terminal(body: &Value) -> bool {
    let content = body.get("content").unwrap_or(&Value::Null);
    let Some(booking) = booking_of(content) else {
        return false;
    };
    let b = Value::Object(booking.clone());
    let Some(o) = Obj::new(&b) else {
        return false;
    };
    let cancelled = o
        .text(s::STATUS)
        .is_some_and(|t| matches!(squash(&t).as_str(), "cancelled" | "canceled"));
    let completed = o.flag(s::IS_COMPLETED) == Some(true);
    cancelled || completed || no_show(content)
}

/// Whether the client of a state's content is marked NoShow (`client.presence`, on the
/// booking or beside it, or the booking's own `presence`).
fn no_show(content: &Value) -> bool {
    let is_no_show = |o: Option<Obj<'_>>| {
        o.and_then(|o| o.text(s::PRESENCE))
            .is_some_and(|p| squash(&p) == "noshow")
    };
    let c = Obj::new(content);
    let booking = c.and_then(|c| c.obj(s::BOOKING));
    let client = booking
        .and_then(|b| b.obj(s::CLIENT))
        .or_else(|| c.and_then(|c| c.obj(s::CLIENT)));
    is_no_show(client) || is_no_show(booking)
}

/// Takes out of the event's content the fields that would undo the stored state's
/// cancel, no-show or completion, so the state keeps them.
fn keep_terminal(stored: &Value, incoming_content: &mut Value) {
    let stored_content = stored.get("content").unwrap_or(&Value::Null);
    let Some(booking) = booking_of(stored_content) else {
        return;
    };
    let b = Value::Object(booking.clone());
    let Some(o) = Obj::new(&b) else {
        return;
    };
    let cancelled = o
        .text(s::STATUS)
        .is_some_and(|t| matches!(squash(&t).as_str(), "cancelled" | "canceled"));
    let completed = o.flag(s::IS_COMPLETED) == Some(true);
    let no_show = no_show(stored_content);
    let Some(content) = incoming_content.as_object_mut() else {
        return;
    };
    let booking_key = content
        .keys()
        .find(|k| s::BOOKING.iter().any(|b| b.eq_ignore_ascii_case(k)))
        .cloned();
    if let Some(Value::Object(booking)) = booking_key.and_then(|k| content.get_mut(&k)) {
        if cancelled {
            remove_same_field(booking, s::STATUS[0]);
        }
        if completed {
            remove_same_field(booking, s::IS_COMPLETED[0]);
        }
        if no_show {
            remove_same_field(booking, s::PRESENCE[0]);
            if let Some(Value::Object(client)) = booking
                .iter_mut()
                .find(|(k, _)| k.eq_ignore_ascii_case(s::CLIENT[0]))
                .map(|(_, v)| v)
            {
                remove_same_field(client, s::PRESENCE[0]);
            }
        }
    }
    if no_show
        && let Some(Value::Object(client)) = content
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(s::CLIENT[0]))
            .map(|(_, v)| v)
    {
        remove_same_field(client, s::PRESENCE[0]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn state(content: Value, known_at: Option<&str>, sealed: bool) -> State {
        State {
            body: json!({"eventId": "e0", "eventType": "appointment.created", "content": content}),
            known_at: known_at.map(|t| t.parse().unwrap()),
            sealed,
        }
    }

    fn event(content: Value) -> Value {
        json!({"eventId": "e1", "eventType": "appointment.updated", "content": content})
    }

    fn merged(m: Merged) -> State {
        match m {
            Merged::State(s) => s,
            Merged::Stale(why) => panic!("stale: {why}"),
        }
    }

    #[test]
    fn absent_fields_keep_their_value_and_objects_merge_field_by_field() {
        let before = state(
            json!({"booking": {"status": "Approved", "startsOn": "2030-06-10T15:00:00Z",
                "client": {"firstName": "Jane", "email": "jane@example.com"}},
                "merchant": {"id": 5}, "previousBooking": {"status": "PendingStaffApproval"}}),
            Some("2030-06-01T10:00:00Z"),
            false,
        );
        let after = merged(merge(
            Some(&before),
            &event(json!({"booking": {"StartDate": "2030-06-11T15:00:00Z",
                "client": {"firstName": "Janet"}, "quickNote": null}})),
            Some("2030-06-02T10:00:00Z".parse().unwrap()),
        ));
        assert_eq!(
            after.body,
            json!({"eventId": "e1", "eventType": "appointment.updated", "content": {
                "booking": {"status": "Approved", "StartDate": "2030-06-11T15:00:00Z",
                    "client": {"firstName": "Janet", "email": "jane@example.com"},
                    "quickNote": null},
                "merchant": {"id": 5}}})
        );
        assert_eq!(
            after.known_at,
            Some("2030-06-02T10:00:00Z".parse().unwrap())
        );
    }

    #[test]
    fn an_older_event_changes_nothing_and_a_timeless_one_cannot_undo_a_cancel() {
        let cancelled = state(
            json!({"booking": {"status": "Cancelled"}}),
            Some("2030-06-02T10:00:00Z"),
            false,
        );
        let approval = event(json!({"booking": {"status": "Approved", "quickNote": "x"}}));
        assert!(matches!(
            merge(
                Some(&cancelled),
                &approval,
                Some("2030-06-01T10:00:00Z".parse().unwrap())
            ),
            Merged::Stale(_)
        ));
        // Without a time of its own: merged, the cancel kept.
        let after = merged(merge(Some(&cancelled), &approval, None));
        assert_eq!(after.body["content"]["booking"]["status"], "Cancelled");
        assert_eq!(after.body["content"]["booking"]["quickNote"], "x");
        assert!(
            !after.sealed,
            "a timed event made the cancel: a later one may undo it"
        );
        // At the same time: not later, the cancel kept.
        let after = merged(merge(
            Some(&cancelled),
            &approval,
            Some("2030-06-02T10:00:00Z".parse().unwrap()),
        ));
        assert_eq!(after.body["content"]["booking"]["status"], "Cancelled");
        // Later: a real change, undone.
        let after = merged(merge(
            Some(&cancelled),
            &approval,
            Some("2030-06-03T10:00:00Z".parse().unwrap()),
        ));
        assert_eq!(after.body["content"]["booking"]["status"], "Approved");
    }

    #[test]
    fn a_terminal_state_made_without_a_time_is_sealed() {
        let approved = state(
            json!({"booking": {"status": "Approved", "client": {"presence": "Expecting"}}}),
            Some("2030-06-01T10:00:00Z"),
            false,
        );
        let no_show = event(json!({"booking": {"client": {"presence": "NoShow"}}}));
        let after = merged(merge(Some(&approved), &no_show, None));
        assert!(after.sealed);
        // Even a later-dated event does not bring the client back.
        let again = merged(merge(
            Some(&after),
            &event(json!({"booking": {"status": "Approved", "client": {"presence": "Expecting"}}})),
            Some("2030-06-05T10:00:00Z".parse().unwrap()),
        ));
        assert_eq!(
            again.body["content"]["booking"]["client"]["presence"],
            "NoShow"
        );
        assert!(again.sealed);
        // A completion holds the same way.
        let completed = state(
            json!({"booking": {"status": "Approved", "isCompleted": true}}),
            None,
            true,
        );
        let after = merged(merge(
            Some(&completed),
            &event(json!({"booking": {"isCompleted": false, "status": "Approved"}})),
            None,
        ));
        assert_eq!(after.body["content"]["booking"]["isCompleted"], true);
    }

    #[test]
    fn every_way_of_naming_a_booking_shares_a_name() {
        let r = |m: Option<&str>, id: Option<&str>, cn: Option<&str>| BookingRef {
            merchant: m.map(str::to_owned),
            booking_id: id.map(str::to_owned),
            confirmation: cn.map(str::to_owned),
        };
        let full = r(Some("5"), Some("778812"), Some("A00006500"));
        assert_eq!(full.key(), "5/778812");
        assert_eq!(
            full.names(),
            [
                "m:5/id:778812",
                "m:5/cn:A00006500",
                "any/id:778812",
                "any/cn:A00006500"
            ]
        );
        let sample = r(None, None, Some("A00006500"));
        assert_eq!(sample.key(), "-/A00006500");
        assert_eq!(sample.names(), ["any/cn:A00006500"]);
        for other in [
            r(Some("5"), Some("778812"), None),
            r(None, Some("778812"), None),
            r(Some("5"), None, Some("A00006500")),
            sample,
        ] {
            assert!(
                other.names().iter().any(|n| full.names().contains(n)),
                "{other:?}"
            );
        }
        // A name shared by every merchant never leads to another merchant's booking.
        let other_merchant = r(Some("6"), Some("778812"), None);
        assert!(!other_merchant.accepts("any/id:778812", "5/778812"));
        assert!(other_merchant.accepts("any/id:778812", "-/778812"));
        assert!(other_merchant.accepts("any/id:778812", "6/778812"));
        assert!(r(None, Some("778812"), None).accepts("any/id:778812", "5/778812"));
        // No id can pass for another part of a key or a name.
        let hostile = r(Some("any"), Some("1"), None);
        assert_eq!(hostile.names(), ["m:any/id:1", "any/id:1"]);
        assert_ne!(
            r(Some("5/1"), Some("2"), None).key(),
            r(Some("5"), Some("1/2"), None).key()
        );
        assert_ne!(
            r(Some("5"), Some("1/id:2"), None).names(),
            r(Some("5/id:1"), Some("2"), None).names()
        );
    }
}
