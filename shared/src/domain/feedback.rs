//! What the providers tell us after the send: SES's delivery events (through
//! EventBridge) and SNS's SMS delivery-status log records (through CloudWatch Logs),
//! read into one [`Learned`]; the states a message goes through ([`MessageStatus`]) and
//! the rule that a later stage never gives way to an earlier one; why a recipient is
//! suppressed ([`Cause`]); and the masked form of an address shown by `history`.
//!
//! Pure: no clock, no AWS, no environment. Nothing read here keeps an address or a
//! number: a reason holds the provider's codes and words, never who it was about.

use jiff::Timestamp;
use serde_json::Value;

/// Where a message stands. Serialised as its name (`"opted_out"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageStatus {
    /// Not sent, by decision (a suppressed recipient).
    Skipped,
    /// The provider took it.
    Sent,
    /// SES is still trying (a temporary problem at the recipient's server).
    Delayed,
    /// The recipient's server (or the phone carrier) accepted it.
    Delivered,
    /// SES gave up on it: the address bounced (permanent or transient).
    Bounced,
    /// SES refused to send it (a virus in the content).
    Rejected,
    /// Not delivered: an SMS the carrier did not take, an email SES could not render.
    Failed,
    /// Not delivered: the number opted out of SMS.
    OptedOut,
    /// The provider refused the recipient when we sent (an invalid number or address).
    Refused,
    /// The recipient marked it as spam.
    Complained,
}

impl MessageStatus {
    pub const ALL: [MessageStatus; 10] = [
        MessageStatus::Skipped,
        MessageStatus::Sent,
        MessageStatus::Delayed,
        MessageStatus::Delivered,
        MessageStatus::Bounced,
        MessageStatus::Rejected,
        MessageStatus::Failed,
        MessageStatus::OptedOut,
        MessageStatus::Refused,
        MessageStatus::Complained,
    ];

    pub fn name(self) -> &'static str {
        match self {
            MessageStatus::Skipped => "skipped",
            MessageStatus::Sent => "sent",
            MessageStatus::Delayed => "delayed",
            MessageStatus::Delivered => "delivered",
            MessageStatus::Bounced => "bounced",
            MessageStatus::Rejected => "rejected",
            MessageStatus::Failed => "failed",
            MessageStatus::OptedOut => "opted_out",
            MessageStatus::Refused => "refused",
            MessageStatus::Complained => "complained",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// How far along a message is: sent, then maybe delayed, then delivered or one of
    /// the ends (bounced, rejected, failed, opted out, refused), and a complaint after
    /// all of them (it comes from a recipient who got the message).
    pub fn stage(self) -> u8 {
        match self {
            MessageStatus::Skipped | MessageStatus::Sent => 1,
            MessageStatus::Delayed => 2,
            MessageStatus::Delivered => 3,
            MessageStatus::Bounced
            | MessageStatus::Rejected
            | MessageStatus::Failed
            | MessageStatus::OptedOut
            | MessageStatus::Refused => 4,
            MessageStatus::Complained => 5,
        }
    }

    /// Whether news of `next` changes a message that stands at `self`. Only a later
    /// stage does: a "Sent" or "Delivery Delayed" arriving after "Delivered" changes
    /// nothing, the same news twice changes nothing, and of two ends the first stays.
    pub fn gives_way_to(self, next: MessageStatus) -> bool {
        next.stage() > self.stage()
    }
}

impl std::fmt::Display for MessageStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a recipient gets nothing more on a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cause {
    /// An email address bounced for good.
    Bounced,
    /// The recipient marked an email as spam.
    Complained,
    /// The number opted out of SMS (STOP), as SNS reports or tells us when asked.
    OptedOut,
}

impl Cause {
    pub const ALL: [Cause; 3] = [Cause::Bounced, Cause::Complained, Cause::OptedOut];

    pub fn name(self) -> &'static str {
        match self {
            Cause::Bounced => "bounced",
            Cause::Complained => "complained",
            Cause::OptedOut => "opted_out",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The words of the webhook's answer for a message not sent because of it: names
    /// the cause (`bounced`, `complained`, `opted out`) and the day it was learned.
    pub fn skip_reason(self, learned: Timestamp) -> String {
        let day = learned.strftime("%Y-%m-%d");
        match self {
            Cause::Bounced => format!("not sent: this address bounced (learned {day})"),
            Cause::Complained => {
                format!("not sent: this recipient complained of a message as spam (learned {day})")
            }
            Cause::OptedOut => format!("not sent: this number opted out of SMS (learned {day})"),
        }
    }
}

/// How long a suppression lasts, per cause, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuppressionDays {
    pub bounced: u32,
    pub complained: u32,
    pub opted_out: u32,
}

impl Default for SuppressionDays {
    /// A permanent bounce: 90 days (a mailbox can come back, an address be given out
    /// again); a complaint and an SMS opt-out: a year (the person asked for it).
    fn default() -> Self {
        Self {
            bounced: 90,
            complained: 365,
            opted_out: 365,
        }
    }
}

impl SuppressionDays {
    pub fn of(&self, cause: Cause) -> u32 {
        match cause {
            Cause::Bounced => self.bounced,
            Cause::Complained => self.complained,
            Cause::OptedOut => self.opted_out,
        }
    }

    /// `bounced=90,complained=365,opted_out=365` (any of them; the others keep their
    /// default). An error names the part that is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut days = Self::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}` is not cause=days"))?;
            let cause = Cause::parse(name.trim()).ok_or_else(|| {
                format!("`{}` is not bounced, complained or opted_out", name.trim())
            })?;
            let value: u32 = value
                .trim()
                .parse()
                .ok()
                .filter(|d| (1..=3650).contains(d))
                .ok_or_else(|| format!("`{part}`: days must be a whole number from 1 to 3650"))?;
            match cause {
                Cause::Bounced => days.bounced = value,
                Cause::Complained => days.complained = value,
                Cause::OptedOut => days.opted_out = value,
            }
        }
        Ok(days)
    }
}

/// What one provider event says of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Learned {
    /// SES's `mail.messageId` or SNS's `notification.messageId`: what the send returned.
    pub provider_id: String,
    pub status: MessageStatus,
    /// When it happened, as the provider says (None when it does not).
    pub at: Option<Timestamp>,
    /// The provider's codes and words (bounce type and subtype, SMTP status, the
    /// carrier's response), never an address or a number.
    pub reason: Option<String>,
    /// Whether the recipient is to be suppressed for it.
    pub suppress: Option<Cause>,
}

/// Why an event could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedbackError {
    #[error("not a SES event: {0}")]
    Ses(String),
    #[error("not an SMS delivery record: {0}")]
    Sms(String),
}

/// What a SES event (EventBridge's `detail`, SES's event record) comes to: `Ok(None)`
/// for an event that says nothing of delivery (an open, a click, a subscription), and
/// for a complaint whose feedback says it is not spam.
pub fn from_ses(detail: &Value) -> Result<Option<Learned>, FeedbackError> {
    let bad = |what: &str| FeedbackError::Ses(what.to_owned());
    let event_type = detail
        .get("eventType")
        .or_else(|| detail.get("notificationType"))
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no eventType"))?;
    let provider_id = detail
        .pointer("/mail/messageId")
        .and_then(Value::as_str)
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(|| bad("no mail.messageId"))?
        .trim()
        .to_owned();
    let text = |pointer: &str| {
        detail
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let time = |pointer: &str| {
        text(pointer)
            .and_then(|t| t.parse::<Timestamp>().ok())
            .or_else(|| text("/mail/timestamp").and_then(|t| t.parse().ok()))
    };
    let learned = |status, at, reason, suppress| {
        Ok(Some(Learned {
            provider_id: provider_id.clone(),
            status,
            at,
            reason,
            suppress,
        }))
    };
    match event_type {
        "Send" => learned(MessageStatus::Sent, time("/mail/timestamp"), None, None),
        "Delivery" => learned(
            MessageStatus::Delivered,
            time("/delivery/timestamp"),
            text("/delivery/smtpResponse").map(|r| code_words(&r)),
            None,
        ),
        "Bounce" => {
            let kind = text("/bounce/bounceType").unwrap_or_else(|| "Undetermined".into());
            let sub = text("/bounce/bounceSubType").unwrap_or_else(|| "Undetermined".into());
            let status = detail
                .pointer("/bounce/bouncedRecipients/0/status")
                .and_then(Value::as_str)
                .map(|s| format!(", {}", code_words(s)))
                .unwrap_or_default();
            // Only a permanent bounce says the address is dead; SES publishes transient
            // ones once it stopped retrying that message, not the address.
            let suppress = (kind == "Permanent").then_some(Cause::Bounced);
            learned(
                MessageStatus::Bounced,
                time("/bounce/timestamp"),
                Some(format!(
                    "{} bounce ({}{status})",
                    one_word(&kind),
                    one_word(&sub)
                )),
                suppress,
            )
        }
        "Complaint" => {
            let feedback = text("/complaint/complaintFeedbackType");
            if feedback.as_deref() == Some("not-spam") {
                return Ok(None);
            }
            let reason = match feedback {
                Some(f) => format!("complaint ({})", one_word(&f)),
                None => "complaint".to_owned(),
            };
            learned(
                MessageStatus::Complained,
                time("/complaint/timestamp"),
                Some(reason),
                Some(Cause::Complained),
            )
        }
        "Reject" => learned(
            MessageStatus::Rejected,
            time("/mail/timestamp"),
            Some(format!(
                "rejected by SES ({})",
                text("/reject/reason")
                    .map(|r| code_words(&r))
                    .unwrap_or_else(|| "no reason given".into())
            )),
            None,
        ),
        "DeliveryDelay" => learned(
            MessageStatus::Delayed,
            time("/deliveryDelay/timestamp"),
            Some(format!(
                "delivery delayed ({})",
                text("/deliveryDelay/delayType")
                    .map(|t| one_word(&t))
                    .unwrap_or_else(|| "Undetermined".into())
            )),
            None,
        ),
        "Rendering Failure" | "RenderingFailure" => learned(
            MessageStatus::Failed,
            time("/mail/timestamp"),
            Some("SES could not render the message".to_owned()),
            None,
        ),
        _ => Ok(None),
    }
}

/// What an SMS delivery-status record (one log line SNS writes to
/// `…/DirectPublishToPhoneNumber` or `…/Failure`) comes to. `logged_at`: the log event's
/// time, used when the record's own is missing.
pub fn from_sms_log(
    record: &Value,
    logged_at: Option<Timestamp>,
) -> Result<Learned, FeedbackError> {
    let bad = |what: &str| FeedbackError::Sms(what.to_owned());
    let provider_id = record
        .pointer("/notification/messageId")
        .and_then(Value::as_str)
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(|| bad("no notification.messageId"))?
        .trim()
        .to_owned();
    let status = record
        .get("status")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no status"))?;
    let response = record
        .pointer("/delivery/providerResponse")
        .and_then(Value::as_str)
        .unwrap_or("");
    let at = logged_at.or_else(|| {
        record
            .pointer("/notification/timestamp")
            .and_then(Value::as_str)
            .and_then(sns_time)
    });
    let reason = (!response.is_empty()).then(|| without_numbers(response));
    match status.to_ascii_uppercase().as_str() {
        "SUCCESS" => Ok(Learned {
            provider_id,
            status: MessageStatus::Delivered,
            at,
            reason,
            suppress: None,
        }),
        "FAILURE" => {
            let opted_out = says_opted_out(response);
            Ok(Learned {
                provider_id,
                status: if opted_out {
                    MessageStatus::OptedOut
                } else {
                    MessageStatus::Failed
                },
                at,
                reason,
                suppress: opted_out.then_some(Cause::OptedOut),
            })
        }
        _ => Err(bad("status is neither SUCCESS nor FAILURE")),
    }
}

/// Whether a carrier's response says the number opted out. SNS's words vary ("Phone
/// number is opted out", "+1555… is opted out", and "Phone has blocked SMS" on the first
/// send after a STOP), so this looks for the phrases, not one text.
pub fn says_opted_out(response: &str) -> bool {
    let lower = response.to_ascii_lowercase();
    lower.contains("is opted out")
        || lower.contains("has opted out")
        || lower.contains("phone has blocked sms")
}

/// SNS's `2016-06-28 00:40:34.558` (UTC, no zone written).
fn sns_time(text: &str) -> Option<Timestamp> {
    let (date, time) = text.trim().split_once(' ')?;
    format!("{date}T{time}Z").parse().ok()
}

/// A carrier's response without the number it may quote (`+15555550199 is opted out`,
/// `+1 555-555-0199 …`): any run of digits and the marks written between them (`+`,
/// spaces, `-`, `.`, parentheses) holding five digits or more is shown as one `…`.
fn without_numbers(text: &str) -> String {
    let text = crate::domain::text::one_line(text);
    let chars: Vec<char> = text.chars().collect();
    let in_number = |c: char| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '.' | '(' | ')');
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() || chars[i] == '+' || chars[i] == '(' {
            let mut end = i;
            while end < chars.len() && in_number(chars[end]) {
                end += 1;
            }
            // The run ends with its last digit: trailing marks stay text.
            while end > i && !chars[end - 1].is_ascii_digit() {
                end -= 1;
            }
            let digits = chars[i..end].iter().filter(|c| c.is_ascii_digit()).count();
            if digits >= 5 {
                out.push('…');
                i = end;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out.chars().take(200).collect()
}

/// A word from the provider, bounded: letters, digits and a few marks only (a subtype,
/// a delay type).
fn one_word(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(64)
        .collect()
}

/// An SMTP status or response by its leading codes only (`250 2.6.0`, `5.1.1`): the
/// rest of a server's text may quote the address.
fn code_words(text: &str) -> String {
    let codes: Vec<&str> = text
        .split_whitespace()
        .take_while(|w| {
            w.chars().all(|c| c.is_ascii_digit() || c == '.')
                && w.chars().any(|c| c.is_ascii_digit())
        })
        .collect();
    if codes.is_empty() {
        one_word(text.split_whitespace().next().unwrap_or(""))
    } else {
        codes.join(" ")
    }
}

/// An address as `history` shows it: the first character of an email's local part and
/// its domain (`j•••@example.com`); a number's country digit and last four digits
/// (`+1•••••••0123`). The masks have a fixed length: they do not tell a name's length.
pub fn mask(address: &str) -> String {
    let address = address.trim();
    if let Some((local, domain)) = address.rsplit_once('@') {
        let first: String = local.chars().take(1).collect();
        return format!("{first}•••@{domain}");
    }
    let digits: Vec<char> = address.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 6 {
        return "•••".to_owned();
    }
    let last: String = digits[digits.len() - 4..].iter().collect();
    format!("+{}•••••••{last}", digits[0])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_later_stage_wins_and_an_earlier_one_changes_nothing() {
        use MessageStatus::*;
        assert!(Sent.gives_way_to(Delivered));
        assert!(Sent.gives_way_to(Delayed));
        assert!(Delayed.gives_way_to(Delivered));
        assert!(Delivered.gives_way_to(Complained));
        assert!(Delivered.gives_way_to(Bounced));
        assert!(!Delivered.gives_way_to(Delayed));
        assert!(!Delivered.gives_way_to(Sent));
        assert!(!Delivered.gives_way_to(Delivered));
        assert!(!Bounced.gives_way_to(Delivered));
        assert!(!Bounced.gives_way_to(Rejected));
        assert!(!Complained.gives_way_to(Bounced));
        for s in MessageStatus::ALL {
            assert_eq!(MessageStatus::parse(s.name()), Some(s));
            assert!(!s.gives_way_to(s), "{s}");
        }
    }

    fn mail() -> Value {
        json!({"timestamp": "2017-08-05T00:40:02.012Z", "messageId": "m-1",
               "destination": ["recipient@example.com"], "tags": {"booxi-kind": ["confirmation"]}})
    }

    #[test]
    fn a_permanent_bounce_suppresses_and_a_transient_one_does_not() {
        let detail = json!({"eventType": "Bounce", "mail": mail(), "bounce": {
            "bounceType": "Permanent", "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": "recipient@example.com", "status": "5.1.1",
                "diagnosticCode": "smtp; 550 5.1.1 recipient@example.com unknown"}],
            "timestamp": "2017-08-05T00:41:02.669Z"}});
        let learned = from_ses(&detail).unwrap().unwrap();
        assert_eq!(learned.provider_id, "m-1");
        assert_eq!(learned.status, MessageStatus::Bounced);
        assert_eq!(learned.suppress, Some(Cause::Bounced));
        assert_eq!(
            learned.reason.as_deref(),
            Some("Permanent bounce (General, 5.1.1)")
        );
        assert_eq!(
            learned.at,
            Some("2017-08-05T00:41:02.669Z".parse().unwrap())
        );
        let mut transient = detail.clone();
        transient["bounce"]["bounceType"] = json!("Transient");
        transient["bounce"]["bounceSubType"] = json!("MailboxFull");
        let learned = from_ses(&transient).unwrap().unwrap();
        assert_eq!(learned.suppress, None);
        assert_eq!(learned.status, MessageStatus::Bounced);
    }

    #[test]
    fn each_ses_event_type_reads_into_its_status_without_addresses() {
        let cases = [
            (
                json!({"eventType": "Send", "mail": mail(), "send": {}}),
                MessageStatus::Sent,
            ),
            (
                json!({"eventType": "Delivery", "mail": mail(), "delivery": {
                    "timestamp": "2016-10-19T23:21:04.133Z", "smtpResponse": "250 2.6.0 Message received for recipient@example.com"}}),
                MessageStatus::Delivered,
            ),
            (
                json!({"eventType": "Complaint", "mail": mail(), "complaint": {
                    "complainedRecipients": [{"emailAddress": "recipient@example.com"}],
                    "complaintFeedbackType": "abuse", "timestamp": "2017-08-05T00:41:02.669Z"}}),
                MessageStatus::Complained,
            ),
            (
                json!({"eventType": "Reject", "mail": mail(), "reject": {"reason": "Bad content"}}),
                MessageStatus::Rejected,
            ),
            (
                json!({"eventType": "DeliveryDelay", "mail": mail(), "deliveryDelay": {
                    "delayType": "TransientCommunicationFailure", "timestamp": "2020-06-16T00:25:40.095Z",
                    "delayedRecipients": [{"emailAddress": "recipient@example.com"}]}}),
                MessageStatus::Delayed,
            ),
            (
                json!({"eventType": "Rendering Failure", "mail": mail(), "failure": {
                    "errorMessage": "Attribute missing", "templateName": "T"}}),
                MessageStatus::Failed,
            ),
        ];
        for (detail, status) in cases {
            let learned = from_ses(&detail).unwrap().unwrap();
            assert_eq!(learned.status, status, "{detail}");
            assert!(
                !format!("{learned:?}").contains("recipient@"),
                "{learned:?}"
            );
        }
        let complaint = from_ses(&cases_complaint("abuse")).unwrap().unwrap();
        assert_eq!(complaint.suppress, Some(Cause::Complained));
        assert_eq!(from_ses(&cases_complaint("not-spam")).unwrap(), None);
        let open = json!({"eventType": "Open", "mail": mail(), "open": {}});
        assert_eq!(from_ses(&open).unwrap(), None);
    }

    fn cases_complaint(feedback: &str) -> Value {
        json!({"eventType": "Complaint", "mail": mail(), "complaint": {
            "complainedRecipients": [{"emailAddress": "recipient@example.com"}],
            "complaintFeedbackType": feedback}})
    }

    #[test]
    fn a_ses_event_without_its_keys_is_an_error() {
        assert_eq!(
            from_ses(&json!({"mail": mail()})).unwrap_err().to_string(),
            "not a SES event: no eventType"
        );
        assert_eq!(
            from_ses(&json!({"eventType": "Bounce", "mail": {}}))
                .unwrap_err()
                .to_string(),
            "not a SES event: no mail.messageId"
        );
    }

    #[test]
    fn sms_records_read_success_failure_and_opt_outs() {
        let record = |status: &str, response: &str| {
            json!({"notification": {"messageId": "s-1", "timestamp": "2016-06-28 00:40:34.558"},
                   "delivery": {"destination": "+15555550199", "providerResponse": response},
                   "status": status})
        };
        let ok = from_sms_log(
            &record("SUCCESS", "Message has been accepted by phone carrier"),
            None,
        )
        .unwrap();
        assert_eq!(ok.status, MessageStatus::Delivered);
        assert_eq!(ok.at, Some("2016-06-28T00:40:34.558Z".parse().unwrap()));
        for response in [
            "Phone number is opted out",
            "+15555550199 is opted out",
            "Phone has blocked SMS",
        ] {
            let out = from_sms_log(&record("FAILURE", response), None).unwrap();
            assert_eq!(out.status, MessageStatus::OptedOut, "{response}");
            assert_eq!(out.suppress, Some(Cause::OptedOut));
            assert!(!out.reason.unwrap().contains("5555550199"));
        }
        let failed = from_sms_log(
            &record("FAILURE", "Unknown error attempting to reach phone"),
            None,
        )
        .unwrap();
        assert_eq!(
            (failed.status, failed.suppress),
            (MessageStatus::Failed, None)
        );
        assert!(from_sms_log(&json!({"status": "SUCCESS"}), None).is_err());
        assert!(from_sms_log(&record("MAYBE", ""), None).is_err());
    }

    #[test]
    fn carrier_responses_lose_the_numbers_they_quote() {
        assert_eq!(
            without_numbers("+15555550199 is opted out"),
            "… is opted out"
        );
        assert_eq!(
            without_numbers("+1 (555) 555-0199 is opted out"),
            "… is opted out"
        );
        assert_eq!(
            without_numbers("Message has been accepted by phone carrier"),
            "Message has been accepted by phone carrier"
        );
        assert_eq!(
            without_numbers("error 4.4.1 at 12:30"),
            "error 4.4.1 at 12:30"
        );
    }

    #[test]
    fn masks_keep_a_hint_and_hide_the_rest() {
        assert_eq!(mask("jane.doe@example.com"), "j•••@example.com");
        assert_eq!(mask("+15145550123"), "+1•••••••0123");
        assert_eq!(mask("+33612345678"), "+3•••••••5678");
        assert_eq!(mask("12"), "•••");
    }

    #[test]
    fn suppression_days_read_per_cause() {
        assert_eq!(
            SuppressionDays::parse("").unwrap(),
            SuppressionDays::default()
        );
        let days = SuppressionDays::parse("bounced=30, opted_out=730").unwrap();
        assert_eq!(
            (days.bounced, days.complained, days.opted_out),
            (30, 365, 730)
        );
        assert_eq!(
            SuppressionDays::parse("bounce=3").unwrap_err(),
            "`bounce` is not bounced, complained or opted_out"
        );
        assert!(SuppressionDays::parse("bounced=0").is_err());
        assert!(SuppressionDays::parse("bounced").is_err());
    }

    #[test]
    fn skip_reasons_name_the_cause_and_the_day() {
        let day: Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
        assert!(Cause::Bounced.skip_reason(day).contains("bounced"));
        assert!(Cause::Complained.skip_reason(day).contains("complained"));
        assert!(Cause::OptedOut.skip_reason(day).contains("opted out"));
        assert!(Cause::OptedOut.skip_reason(day).contains("2026-12-01"));
    }
}
