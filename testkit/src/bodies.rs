//! Booxi bodies for tests: a canonical body (the shape Booxi is known to send) changed
//! path by path, and short views of the plan made from it.

use booxi_notify::domain::contact::Country;
use booxi_notify::{Config, Event, Plan, plan};
use serde_json::{Value, json};

pub const TRACKING: &str = "https://booking.booxi.com/track/abc";

/// A booking as Booxi sends it: Approved, staff assigned, client reachable by email
/// and SMS (consented), tracking page allowing every action.
pub fn booking() -> Value {
    json!({
        "bookingId": 778812,
        "status": "Approved",
        "isCompleted": false,
        "startsOn": "2026-12-03T15:00:00Z",
        "staffId": 2101,
        "location": "Business",
        "clientCommunication": "ClientOnly",
        "createdBy": "Client",
        "modifiedBy": "Client",
        "client": {
            "id": 1,
            "firstName": "Jane",
            "lastName": "Doe",
            "email": "jane@example.com",
            "mobilePhoneNumber": "514-555-0123",
            "language": "eng",
            "presence": "Expecting",
            "remindByEmail": true,
            "remindBySMS": true,
            "videoConferenceUrl": "https://meet.example.com/client"
        },
        "attendees": [],
        "trackingPage": {"viewURL": TRACKING, "canConfirm": true, "canModify": true, "canCancel": true}
    })
}

#[derive(Clone)]
pub struct Body(pub Value);

/// An event of `event_type` about [`booking`], with staff, service and merchant.
pub fn event(event_type: &str) -> Body {
    Body(json!({
        "eventId": "evt-1",
        "eventType": event_type,
        "content": {
            "booking": booking(),
            "staff": {"id": 2101, "firstName": "Marie", "communicationEmail": "marie@example.com", "language": "fre"},
            "service": {"id": 1, "name": "Consultation"},
            "merchant": {"id": 5, "name": "Store", "timeZone": "America/Toronto", "defaultLanguage": "eng",
                         "email": "store@example.com", "address": {"country": "CA"}},
            "staffVideoConferenceUrl": "https://meet.example.com/staff"
        }
    }))
}

impl Body {
    /// Sets the value at a dotted path under `content` (`booking.status`), creating objects.
    pub fn set(mut self, path: &str, value: Value) -> Self {
        let mut node = &mut self.0["content"];
        let parts: Vec<&str> = path.split('.').collect();
        for part in &parts[..parts.len() - 1] {
            node = &mut node[*part];
        }
        node[*parts.last().unwrap()] = value;
        self
    }

    /// Removes the key at a dotted path under `content`.
    pub fn remove(mut self, path: &str) -> Self {
        let mut node = &mut self.0["content"];
        let parts: Vec<&str> = path.split('.').collect();
        for part in &parts[..parts.len() - 1] {
            node = &mut node[*part];
        }
        if let Some(map) = node.as_object_mut() {
            map.remove(*parts.last().unwrap());
        }
        self
    }

    /// Copies the current booking into `previousBooking` (change either afterwards).
    pub fn with_previous(mut self) -> Self {
        let current = self.0["content"]["booking"].clone();
        self.0["content"]["previousBooking"] = current;
        self
    }

    pub fn parse(&self) -> Event {
        Event::from_value(&self.0, Country::parse("CA").unwrap()).expect("test body parses")
    }

    pub fn plan(&self) -> Plan {
        self.plan_with(&Config::default())
    }

    pub fn plan_with(&self, config: &Config) -> Plan {
        plan(&self.parse(), config)
    }
}

/// `kind/audience/channel` of each planned message, in plan order.
pub fn summary(plan: &Plan) -> Vec<String> {
    plan.notifications
        .iter()
        .map(|n| {
            let v = serde_json::to_value(n).unwrap();
            format!(
                "{}/{}/{}",
                v["kind"].as_str().unwrap(),
                v["audience"].as_str().unwrap(),
                v["channel"].as_str().unwrap()
            )
        })
        .collect()
}

/// The client kinds planned (deduplicated, in order).
pub fn client_kinds(plan: &Plan) -> Vec<String> {
    let mut kinds: Vec<String> = plan
        .notifications
        .iter()
        .filter(|n| !n.kind.is_staff())
        .map(|n| n.kind.name().to_owned())
        .collect();
    kinds.dedup();
    kinds
}

pub fn staff_kinds(plan: &Plan) -> Vec<String> {
    plan.notifications
        .iter()
        .filter(|n| n.kind.is_staff())
        .map(|n| n.kind.name().to_owned())
        .collect()
}

/// The one planned message of `kind` to `audience` by `channel`, as its output JSON.
pub fn line(plan: &Plan, kind: &str, audience: &str, channel: &str) -> Value {
    plan.notifications
        .iter()
        .map(|n| serde_json::to_value(n).unwrap())
        .find(|v| v["kind"] == kind && v["audience"] == audience && v["channel"] == channel)
        .unwrap_or_else(|| panic!("no {kind}/{audience}/{channel} in {:?}", summary(plan)))
}

/// The reasons given for skipped messages of `kind`.
pub fn skip_reasons(plan: &Plan) -> Vec<String> {
    plan.skipped
        .iter()
        .map(|s| format!("{}: {}", s.kind, s.reason))
        .collect()
}

/// Quiet hours (`[sms] quiet_hours`) from `from` to `to` hours from now on the sample
/// store's clock (Toronto, the merchant's `timeZone` of [`event`]), such as
/// `13:07-15:07`: the function judges the window by the real clock, so a test that must
/// be inside it, or after it, sets it around now.
pub fn window_around_now(from: i64, to: i64) -> String {
    let tz = jiff::tz::TimeZone::get("America/Toronto").expect("the tz database knows Toronto");
    let at = |h: i64| {
        let t = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(h);
        tz.to_datetime(t).strftime("%H:%M").to_string()
    };
    format!("{}-{}", at(from), at(to))
}
