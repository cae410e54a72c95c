//! Offline, the loop after the send: SES's mailbox simulator and SNS's opt-out list as
//! `serve` and `send` play them. An email to one of SES's simulator addresses gets the
//! events SES would publish for it — `success@simulator.amazonses.com` is delivered,
//! `bounce@…` bounces (permanent), `complaint@…` is delivered then complained of,
//! `suppressionlist@…` bounces as on the account's suppression list, `ooto@…` is
//! delivered — shaped as EventBridge delivers them, so they go through the same door as
//! on AWS. Numbers listed in `BOOXI_LOCAL_OPTED_OUT` act as opted out of SMS.

use std::collections::HashSet;
use std::sync::Mutex;

use serde_json::{Value, json};

/// SES's mailbox simulator's domain.
pub const SIMULATOR_DOMAIN: &str = "simulator.amazonses.com";

#[derive(Debug, Default)]
pub struct Simulator {
    /// EventBridge events waiting to be handed to the outcome door.
    pending: Mutex<Vec<Value>>,
    opted_out: HashSet<String>,
}

impl Simulator {
    /// A simulator where `opted_out` numbers (E.164, as written) have opted out.
    pub fn new(opted_out: impl IntoIterator<Item = String>) -> Self {
        Self {
            pending: Mutex::default(),
            opted_out: opted_out
                .into_iter()
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .collect(),
        }
    }

    /// The numbers of `BOOXI_LOCAL_OPTED_OUT` (comma-separated).
    pub fn from_list(list: Option<&str>) -> Self {
        Self::new(
            list.unwrap_or("")
                .split(',')
                .map(str::to_owned)
                .collect::<Vec<_>>(),
        )
    }

    pub fn is_opted_out(&self, number: &str) -> bool {
        self.opted_out.contains(number)
    }

    /// What SES would publish after an email to `to` accepted as `provider_id` (nothing
    /// for an address outside the simulator).
    pub fn sent(&self, to: &str, provider_id: &str) {
        let Some((local, domain)) = to.rsplit_once('@') else {
            return;
        };
        if !domain.eq_ignore_ascii_case(SIMULATOR_DOMAIN) {
            return;
        }
        // SES accepts a label: success+anything@simulator.amazonses.com.
        let mailbox = local.split('+').next().unwrap_or("").to_ascii_lowercase();
        let events = match mailbox.as_str() {
            "success" | "ooto" => vec![delivery(provider_id, to)],
            "bounce" => vec![bounce(provider_id, to, "General")],
            "suppressionlist" => vec![bounce(provider_id, to, "OnAccountSuppressionList")],
            "complaint" => vec![delivery(provider_id, to), complaint(provider_id, to)],
            _ => Vec::new(),
        };
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(events);
    }

    /// The events waiting, oldest first; none are left.
    pub fn take(&self) -> Vec<Value> {
        std::mem::take(&mut *self.pending.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// An EventBridge event of SES's, as a rule's target receives it.
pub fn ses_event(detail_type: &str, detail: Value) -> Value {
    json!({
        "version": "0",
        "id": "00000000-0000-0000-0000-000000000000",
        "detail-type": detail_type,
        "source": "aws.ses",
        "account": "000000000000",
        "time": "1970-01-01T00:00:00Z",
        "region": "local",
        "resources": [],
        "detail": detail,
    })
}

fn mail(provider_id: &str, to: &str) -> Value {
    json!({
        "messageId": provider_id,
        "destination": [to],
        "tags": {"ses:configuration-set": ["local"]},
    })
}

fn delivery(provider_id: &str, to: &str) -> Value {
    ses_event(
        "Email Delivered",
        json!({"eventType": "Delivery", "mail": mail(provider_id, to), "delivery": {
            "recipients": [to], "smtpResponse": "250 2.6.0 Message received"}}),
    )
}

fn bounce(provider_id: &str, to: &str, subtype: &str) -> Value {
    ses_event(
        "Email Bounced",
        json!({"eventType": "Bounce", "mail": mail(provider_id, to), "bounce": {
            "bounceType": "Permanent", "bounceSubType": subtype,
            "bouncedRecipients": [{"emailAddress": to, "status": "5.1.1", "action": "failed"}]}}),
    )
}

fn complaint(provider_id: &str, to: &str) -> Value {
    ses_event(
        "Email Complaint Received",
        json!({"eventType": "Complaint", "mail": mail(provider_id, to), "complaint": {
            "complainedRecipients": [{"emailAddress": to}], "complaintFeedbackType": "abuse"}}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulator_addresses_get_the_events_ses_would_publish() {
        let s = Simulator::from_list(Some("+15555550199, "));
        assert!(s.is_opted_out("+15555550199"));
        assert!(!s.is_opted_out(""));
        s.sent("bounce@simulator.amazonses.com", "p-1");
        s.sent("complaint+x@simulator.amazonses.com", "p-2");
        s.sent("jane@example.com", "p-3");
        let events = s.take();
        let types: Vec<&str> = events
            .iter()
            .map(|e| e["detail-type"].as_str().unwrap())
            .collect();
        assert_eq!(
            types,
            [
                "Email Bounced",
                "Email Delivered",
                "Email Complaint Received"
            ]
        );
        assert_eq!(events[0]["detail"]["mail"]["messageId"], "p-1");
        assert!(s.take().is_empty());
    }
}
