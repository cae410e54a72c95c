//! The tolerance rules of `docs/payload.md`, one test per rule, checked through
//! the public API only: `Event::from_value` / `Event::parse`, `plan` and `Config::default()`.
//!
//! Most tests take a canonical body (the shape of docs/payload.md's "The shape we read"),
//! respell or move one thing, and check that the event reads the same and that the plan
//! is the same as for the canonical body.
//!
//! Where a case lives:
//! - `envelope`: the canonical shape; the envelope's spellings (event id, event type,
//!   payload), a blank first spelling, hyphenated types.
//! - `previous_state`: `previousBooking` or `previous`, and none.
//! - `placement`: where the objects sit: the client and the tracking page beside or inside
//!   the booking, the presence on the booking.
//! - `enum_values`: statuses, presences, client communication, modified-by and languages in
//!   any case or spelling.
//! - `unknown`: unknown fields, event types and enum values kept, never an error.
//! - `missing_data`: absent, null or wrongly typed data read as absent, not an error.
//! - `refused`: bodies refused with 400, and ids derived for bodies without one.
//! - `root_envelope`: payload objects at the root, Booxi's public sample.
//! - `rest_model`: Booxi's REST model fields.
//! - `input`: how the bytes arrive: inside an API Gateway event, after a byte order mark;
//!   `parse` and `from_value` agreeing.
//!
//! The canonical bodies and the helpers every module uses are below.

mod enum_values;
mod envelope;
mod input;
mod missing_data;
mod placement;
mod previous_state;
mod refused;
mod rest_model;
mod root_envelope;
mod unknown;

use booxi_notify::domain::event::{ClientCommunication, EventType, Presence, Status};
use booxi_notify::domain::notification::{Audience, Channel};
use booxi_notify::{Config, Event, Kind, ParseError, Plan, plan};
use serde_json::{Value, json};

fn client() -> Value {
    json!({
        "id": "c-1",
        "firstName": "Jane",
        "lastName": "Doe",
        "email": "jane@example.com",
        "mobilePhoneNumber": "(514) 555-0123",
        "presence": "Expecting",
        "remindByEmail": true,
        "remindBySMS": true,
        "language": "eng"
    })
}

fn tracking_page() -> Value {
    json!({
        "viewURL": "https://booxi.example/track?b=abc",
        "canConfirm": true,
        "canModify": true,
        "canCancel": true
    })
}

/// `booking` in the canonical shape: client and tracking page inside it.
fn booking(status: &str) -> Value {
    json!({
        "bookingId": "b-42",
        "confirmationNumber": "A00006500",
        "bookingMethod": "Appointment",
        "status": status,
        "isCompleted": false,
        "startsOn": "2025-03-04T15:00:00Z",
        "staffId": "7",
        "staffFirstName": "Sam",
        "staffLastName": "Lee",
        "location": "Business",
        "clientCommunication": "ClientOnly",
        "createdBy": "Client",
        "modifiedBy": "Staff",
        "client": client(),
        "trackingPage": tracking_page()
    })
}

fn content(booking: Value) -> Value {
    json!({
        "booking": booking,
        "staff": {
            "id": "7",
            "firstName": "Sam",
            "lastName": "Lee",
            "communicationEmail": "sam@store.example",
            "language": "eng"
        },
        "service": { "id": "s-1", "name": "Haircut" },
        "merchant": {
            "id": "m-1",
            "name": "Downtown store",
            "timeZone": "America/Toronto",
            "defaultLanguage": "eng",
            "email": "store@store.example",
            "address": { "country": "CA" }
        }
    })
}

fn envelope(event_type: &str, content: Value) -> Value {
    json!({
        "eventId": "evt-1",
        "eventType": event_type,
        "createdOn": "2025-03-01T12:00:00Z",
        "content": content
    })
}

/// appointment.created, Approved: a confirmation (email and SMS) and a staff message.
fn created_approved() -> Value {
    envelope("appointment.created", content(booking("Approved")))
}

/// appointment.status_updated from `before` to `after`.
fn status_updated(before: Value, after: Value) -> Value {
    let mut c = content(after);
    c["previousBooking"] = before;
    envelope("appointment.status_updated", c)
}

fn with_status(mut booking: Value, status: &str) -> Value {
    booking["status"] = json!(status);
    booking
}

fn with_presence(mut booking: Value, presence: &str) -> Value {
    booking["client"]["presence"] = json!(presence);
    booking
}

fn country() -> booxi_notify::domain::contact::Country {
    Config::default().default_country
}

fn event(body: &Value) -> Event {
    Event::from_value(body, country()).unwrap_or_else(|e| panic!("{e}: {body}"))
}

fn planned(body: &Value) -> Plan {
    plan(&event(body), &Config::default())
}

/// What a plan sends, in a form that is easy to compare: (kind, audience, channel, to).
fn sent(plan: &Plan) -> Vec<(Kind, Audience, Channel, String)> {
    plan.notifications
        .iter()
        .map(|n| (n.kind, n.audience, n.channel, n.to.as_str().to_owned()))
        .collect()
}

fn kinds(plan: &Plan) -> Vec<Kind> {
    plan.notifications.iter().map(|n| n.kind).collect()
}

/// Moves `content[from]` to `content[to]` (both may be dotted paths of objects).
fn moved(mut body: Value, from: &[&str], to: &[&str]) -> Value {
    let (last, parents) = from.split_last().unwrap();
    let mut node = &mut body;
    for p in parents {
        node = &mut node[*p];
    }
    let value = node.as_object_mut().unwrap().remove(*last).unwrap();
    let (last, parents) = to.split_last().unwrap();
    let mut node = &mut body;
    for p in parents {
        node = &mut node[*p];
    }
    node[*last] = value;
    body
}

fn renamed(body: Value, from: &str, to: &str) -> Value {
    moved(body, &[from], &[to])
}

fn parse_error(body: &[u8]) -> ParseError {
    match Event::parse(body, country()) {
        Ok(e) => panic!(
            "{} parsed as event {:?}",
            String::from_utf8_lossy(body),
            e.id
        ),
        Err(e) => e,
    }
}
