//! One test per row of `docs/rules.md`, named after the row, and one per rule of
//! its Recipients, Channels, Links and Language sections.
//!
//! Where a case lives:
//! - `client`: the client table's rows (`row_…`), first match wins, one client kind an event,
//!   unknown event types.
//! - `staff`: the staff table's rows (`row_staff_…`), the actor, the staff fallback address.
//! - `recipients`: client communication (`DoNotSend`, client only, client and attendees),
//!   attendees' own contact, language and links; skipped messages' reasons.
//! - `channels`: email or SMS per kind, the reminder's flags, SMS consent, E.164 numbers,
//!   the SMS-to-email fallback, kinds turned off.
//! - `links`: the tracking page and its `lang` and action, call-to-action links, video links.
//! - `language`: the recipient's language, the merchant default, then English.
//! - `sms`: `[sms]` (`sms_…`): allowed countries, quiet hours, senders, the daily cap.
//! - `events_out`: the detail-type table of booking events out (`row_detail_type_…`).
//! - `whatsapp`: `[whatsapp]` replacing SMS, its consent, attendees, its SMS fallback, flows.
//!
//! The helpers every module uses (`kinds`, the group and cancel bodies) are below.

mod channels;
mod client;
mod events_out;
mod language;
mod links;
mod recipients;
mod sms;
mod staff;
mod whatsapp;

#[path = "../support/mod.rs"]
mod support;

use booxi_notify::Config;
use booxi_notify::domain::notification::Kind;
use serde_json::{Value, json};
use support::{TRACKING, client_kinds, event, line, skip_reasons, staff_kinds, summary};

fn kinds(plan: &booxi_notify::Plan) -> Vec<String> {
    client_kinds(plan)
}

fn approved_from_pending(event_type: &str) -> support::Body {
    event(event_type)
        .with_previous()
        .set("previousBooking.status", json!("PendingStaffApproval"))
}

fn cancelled(event_type: &str) -> support::Body {
    event(event_type)
        .with_previous()
        .set("booking.status", json!("Cancelled"))
        .set("booking.trackingPage.canModify", json!(false))
}

fn group(communication: &str) -> support::Body {
    group_with(json!(communication))
}

fn group_with(communication: Value) -> support::Body {
    let attendees = json!([
        {"id": 1, "firstName": "Jane", "email": "jane@example.com", "isRequester": true},
        {"id": 2, "firstName": "Luc", "email": "luc@example.com", "language": "fr-CA",
         "videoConferenceUrl": "https://meet.example.com/luc"},
        {"id": 3, "firstName": "Ana", "email": "ana@example.com", "language": "pt",
         "videoConferenceUrl": "https://meet.example.com/ana"}
    ]);
    event("reservation.status_updated")
        .set("booking.bookingMethod", json!("GroupReservation"))
        .set("booking.attendees", attendees)
        .set("booking.client.remindBySMS", json!(false))
        .with_previous()
        .set("booking.isCompleted", json!(true))
        .set("booking.clientCommunication", communication)
}

fn keys(links: &Value) -> Vec<String> {
    let mut keys: Vec<String> = links.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}
