//! What the planner decides: [`Notification`]s to send, and a reason for each message
//! it did not plan. Names here are the names of `docs/rules.md` and of our output.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};
use url::Url;

use crate::domain::contact::{EmailAddress, Language, PhoneNumber};

/// The kinds of message, client side and staff side, as named in the rules, and the
/// scheduled messages (`[[flows]]`), each named after its template.
/// Serialised as its name (`"confirmation"`, `"pre_visit"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Confirmation,
    RequestReceived,
    AwaitingClientConfirmation,
    Changed,
    CanceledByStore,
    CanceledByClient,
    NoShow,
    Completed,
    Reminder,
    Recall,
    ReservationCompleted,
    StaffNewBooking,
    StaffNeedsDispatch,
    StaffFlexibleDates,
    StaffApproved,
    StaffChanged,
    StaffCanceled,
    /// A scheduled message of the configuration's `[[flows]]`.
    Flow(FlowName),
}

/// The name of a flow (`pre_visit`): its template name, `[a-z0-9_]`, 1 to
/// [`FlowName::MAX_LEN`] characters, never the name of a rules kind. Interned once per
/// distinct name so [`Kind`] stays `Copy` (a process knows a handful of flow names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlowName(&'static str);

/// Why a text is not a flow name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadFlowName {
    #[error("a flow needs a name")]
    Empty,
    #[error("`{0}` is longer than 32 characters")]
    TooLong(String),
    #[error("`{0}` may only hold lower-case letters, digits and `_` (it names template files)")]
    Characters(String),
    #[error("`{0}` is the name of a built-in message kind")]
    Taken(String),
}

impl FlowName {
    pub const MAX_LEN: usize = 32;

    pub fn parse(text: &str) -> Result<Self, BadFlowName> {
        let name = text.trim();
        if name.is_empty() {
            return Err(BadFlowName::Empty);
        }
        if name.len() > Self::MAX_LEN {
            return Err(BadFlowName::TooLong(name.to_owned()));
        }
        if !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(BadFlowName::Characters(name.to_owned()));
        }
        if name.parse::<Kind>().is_ok() {
            return Err(BadFlowName::Taken(name.to_owned()));
        }
        Ok(Self(intern(name)))
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for FlowName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// One leaked copy per distinct name: names come from the configuration (or from our own
/// saved summaries, which only hold configured names), so the set stays small.
fn intern(name: &str) -> &'static str {
    use std::collections::BTreeSet;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<BTreeSet<&'static str>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(known) = names.get(name) {
        return known;
    }
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.insert(leaked);
    leaked
}

impl Serialize for Kind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        name.parse::<Kind>().or_else(|_| {
            FlowName::parse(&name)
                .map(Kind::Flow)
                .map_err(serde::de::Error::custom)
        })
    }
}

impl Kind {
    pub const CLIENT: [Kind; 11] = [
        Kind::Confirmation,
        Kind::RequestReceived,
        Kind::AwaitingClientConfirmation,
        Kind::Changed,
        Kind::CanceledByStore,
        Kind::CanceledByClient,
        Kind::NoShow,
        Kind::Completed,
        Kind::Reminder,
        Kind::Recall,
        Kind::ReservationCompleted,
    ];

    pub const STAFF: [Kind; 6] = [
        Kind::StaffNewBooking,
        Kind::StaffNeedsDispatch,
        Kind::StaffFlexibleDates,
        Kind::StaffApproved,
        Kind::StaffChanged,
        Kind::StaffCanceled,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Confirmation => "confirmation",
            Kind::RequestReceived => "request_received",
            Kind::AwaitingClientConfirmation => "awaiting_client_confirmation",
            Kind::Changed => "changed",
            Kind::CanceledByStore => "canceled_by_store",
            Kind::CanceledByClient => "canceled_by_client",
            Kind::NoShow => "no_show",
            Kind::Completed => "completed",
            Kind::Reminder => "reminder",
            Kind::Recall => "recall",
            Kind::ReservationCompleted => "reservation_completed",
            Kind::StaffNewBooking => "staff_new_booking",
            Kind::StaffNeedsDispatch => "staff_needs_dispatch",
            Kind::StaffFlexibleDates => "staff_flexible_dates",
            Kind::StaffApproved => "staff_approved",
            Kind::StaffChanged => "staff_changed",
            Kind::StaffCanceled => "staff_canceled",
            Kind::Flow(name) => name.as_str(),
        }
    }

    pub fn is_staff(self) -> bool {
        Kind::STAFF.contains(&self)
    }

    /// The flow's name, for a scheduled message.
    pub fn flow(self) -> Option<FlowName> {
        match self {
            Kind::Flow(name) => Some(name),
            _ => None,
        }
    }

    /// A marketing message rather than a transactional one (CASL, GDPR): the recall.
    /// It carries an unsubscribe link and `List-Unsubscribe` headers, and its SMS an
    /// opt-out line.
    pub fn is_promotional(self) -> bool {
        matches!(self, Kind::Recall)
    }

    /// The tracking-page actions the rules allow for this kind (each still needs the
    /// page's `canModify` / `canCancel` / `canConfirm`). `None`: no tracking link at all.
    pub fn link_actions(self) -> Option<&'static [Action]> {
        use Action::*;
        match self {
            Kind::Confirmation | Kind::Changed | Kind::Reminder => Some(&[Modify, Cancel]),
            Kind::RequestReceived => Some(&[Cancel]),
            Kind::AwaitingClientConfirmation => Some(&[Confirm, Modify, Cancel]),
            Kind::CanceledByStore | Kind::CanceledByClient | Kind::NoShow => Some(&[]),
            _ => None,
        }
    }

    /// The languages our templates exist in for this kind: client kinds in the six
    /// languages of Booxi's booking widget, staff kinds in English and French.
    pub fn languages(self) -> &'static [&'static str] {
        if self.is_staff() {
            crate::domain::contact::STAFF_LANGUAGES
        } else {
            &crate::domain::contact::LANGUAGES
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown notification kind `{0}`")]
pub struct UnknownKind(pub String);

impl FromStr for Kind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim();
        Kind::CLIENT
            .into_iter()
            .chain(Kind::STAFF)
            .find(|k| k.name() == name)
            .ok_or_else(|| UnknownKind(name.to_owned()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Client,
    Attendee,
    Staff,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
    /// A WhatsApp template message (AWS End User Messaging Social), to a mobile number,
    /// with the SMS consent; on only with `[whatsapp]`.
    Whatsapp,
}

/// Where a scheduled flow goes at its time: a message to each recipient on a channel,
/// or one event about the booking on the bus (`event`, [`crate::domain::events_out`]).
/// Serialised as `email`, `sms`, `event`, `whatsapp` (a schedule's input says it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowChannel {
    Email,
    Sms,
    Event,
    /// A flow `[whatsapp] kinds` lists (not a channel a flow's `channels` names).
    Whatsapp,
}

impl FlowChannel {
    /// The message channel, or `None` for the event bus.
    pub fn message(self) -> Option<Channel> {
        match self {
            FlowChannel::Email => Some(Channel::Email),
            FlowChannel::Sms => Some(Channel::Sms),
            FlowChannel::Whatsapp => Some(Channel::Whatsapp),
            FlowChannel::Event => None,
        }
    }

    /// `email`, `sms` or `event`.
    pub fn name(self) -> &'static str {
        match self {
            FlowChannel::Email => "email",
            FlowChannel::Sms => "sms",
            FlowChannel::Event => "event",
            FlowChannel::Whatsapp => "whatsapp",
        }
    }
}

impl From<Channel> for FlowChannel {
    fn from(c: Channel) -> Self {
        match c {
            Channel::Email => FlowChannel::Email,
            Channel::Sms => FlowChannel::Sms,
            Channel::Whatsapp => FlowChannel::Whatsapp,
        }
    }
}

/// Who acted, as a staff message tells it to its recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    Client,
    /// The staff member who receives the message.
    #[serde(rename = "self")]
    Myself,
    OtherStaff,
}

/// A call to action on the tracking page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Modify,
    Cancel,
    Confirm,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::Modify => "modify",
            Action::Cancel => "cancel",
            Action::Confirm => "confirm",
        }
    }
}

/// Tracking-page links of a message: `view` always, the others only when allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Links {
    pub view: Url,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modify: Option<Url>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel: Option<Url>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm: Option<Url>,
}

/// Where a message goes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Address {
    Email(EmailAddress),
    /// A mobile number, for an SMS.
    Phone(PhoneNumber),
    /// A mobile number, for a WhatsApp message.
    Whatsapp(PhoneNumber),
}

impl Address {
    pub fn as_str(&self) -> &str {
        match self {
            Address::Email(e) => e.as_str(),
            Address::Phone(p) | Address::Whatsapp(p) => p.as_str(),
        }
    }

    pub fn channel(&self) -> Channel {
        match self {
            Address::Email(_) => Channel::Email,
            Address::Phone(_) => Channel::Sms,
            Address::Whatsapp(_) => Channel::Whatsapp,
        }
    }

    /// The mobile number of an SMS or a WhatsApp message.
    pub fn phone(&self) -> Option<&PhoneNumber> {
        match self {
            Address::Phone(p) | Address::Whatsapp(p) => Some(p),
            Address::Email(_) => None,
        }
    }
}

impl Serialize for Address {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Which person of the event a message is for, so rendering can find their data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    Client,
    /// Index into `Event::attendees`.
    Attendee(usize),
    /// The booking's staff member.
    Staff,
    /// The staff fallback address, or the merchant's address (no staff to write to).
    StaffFallback,
}

/// One message to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    pub event_id: String,
    pub kind: Kind,
    pub audience: Audience,
    pub channel: Channel,
    pub to: Address,
    pub language: Language,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<Actor>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<Links>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_url: Option<Url>,
    /// Set on a message sent because the same message could not go on another
    /// channel: an email for an SMS, an SMS for a WhatsApp message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_for: Option<Channel>,
    #[serde(skip)]
    pub recipient: Recipient,
}

/// A message the rules called for but that will not go, and why. Carries no address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub kind: Kind,
    pub audience: Audience,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// `client`, `attendee 2`, `staff`: a position, never a name.
    pub recipient: String,
    pub reason: String,
}

/// How one row of the rules tables judged the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleVerdict {
    pub kind: Kind,
    /// The row, as the rules document writes it.
    pub row: &'static str,
    /// `Ok(())` when the row matched; otherwise why not.
    pub outcome: Result<(), String>,
}

/// A scheduled message (`[[flows]]`) to create or move: the message as it would be
/// sent now, and when it is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheduled {
    pub notification: Notification,
    /// Due at (UTC, whole seconds).
    pub at: jiff::Timestamp,
    /// `client` or `attendee-<id>`: which person, without personal data.
    pub recipient_key: String,
}

/// A flow with the `event` channel to publish at its time: one event about the booking,
/// whoever its recipients are (its detail-type: `crate::domain::events_out`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledEvent {
    /// The flow (`Kind::Flow`).
    pub kind: Kind,
    /// Due at (UTC, whole seconds).
    pub at: jiff::Timestamp,
}

/// The recipient key of a flow's event schedule: one per booking, not per person.
pub const BOOKING_RECIPIENT: &str = "booking";

/// A scheduled message (or a flow's event) to remove (the booking was canceled, went
/// back to pending...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unscheduled {
    pub kind: Kind,
    /// `None` for a flow's event (it is for no one in particular).
    pub audience: Option<Audience>,
    pub channel: FlowChannel,
    pub recipient_key: String,
    /// `client`, `attendee 2`, `booking`: a position, never a name.
    pub recipient: String,
}

/// What an event changes in the schedules of its booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleChange {
    Upsert(Box<Scheduled>),
    /// Create or move the schedule of a flow's event (the `event` channel).
    Publish(ScheduledEvent),
    Delete(Unscheduled),
}

impl ScheduleChange {
    pub fn kind(&self) -> Kind {
        match self {
            ScheduleChange::Upsert(s) => s.notification.kind,
            ScheduleChange::Publish(p) => p.kind,
            ScheduleChange::Delete(d) => d.kind,
        }
    }

    /// `None` for a flow's event.
    pub fn audience(&self) -> Option<Audience> {
        match self {
            ScheduleChange::Upsert(s) => Some(s.notification.audience),
            ScheduleChange::Publish(_) => None,
            ScheduleChange::Delete(d) => d.audience,
        }
    }

    pub fn channel(&self) -> FlowChannel {
        match self {
            ScheduleChange::Upsert(s) => s.notification.channel.into(),
            ScheduleChange::Publish(_) => FlowChannel::Event,
            ScheduleChange::Delete(d) => d.channel,
        }
    }

    pub fn recipient_key(&self) -> &str {
        match self {
            ScheduleChange::Upsert(s) => &s.recipient_key,
            ScheduleChange::Publish(_) => BOOKING_RECIPIENT,
            ScheduleChange::Delete(d) => &d.recipient_key,
        }
    }

    /// When it is due, for a change that makes a schedule.
    pub fn at(&self) -> Option<jiff::Timestamp> {
        match self {
            ScheduleChange::Upsert(s) => Some(s.at),
            ScheduleChange::Publish(p) => Some(p.at),
            ScheduleChange::Delete(_) => None,
        }
    }
}

/// `2026-03-04T15:00:00Z`: RFC 3339, UTC, whole seconds.
pub fn utc_seconds(t: jiff::Timestamp) -> String {
    let whole = jiff::Timestamp::from_second(t.as_second()).unwrap_or(t);
    whole.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Everything the planner concluded about one event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// Scheduled messages (`[[flows]]`) to create, move or remove.
    pub schedules: Vec<ScheduleChange>,
    /// Why each flow was or was not scheduled, for `--explain` (no address or name).
    pub flow_notes: Vec<String>,
    pub notifications: Vec<Notification>,
    pub skipped: Vec<Skipped>,
    /// Facts `--explain` adds after the planned messages (a language without templates).
    pub notes: Vec<String>,
    /// Why each WhatsApp message was planned, for `--explain` (no address or name).
    pub whatsapp_notes: Vec<String>,
    pub verdicts: Vec<RuleVerdict>,
    /// The one client kind the event gives, if any.
    pub client_kind: Option<Kind>,
    /// Set when the event type is not one we act on.
    pub ignored: Option<String>,
    /// Client-side recipients left out by `max_recipients_per_event`.
    pub capped_recipients: usize,
    /// Schedule changes left out by `max_schedules_per_event`.
    pub capped_schedules: usize,
    /// SMS of the event held back by quiet hours (`[sms] quiet_hours`), each to go at the
    /// end of the window (a one-time schedule). Filled by [`crate::domain::rules::defer_quiet`].
    pub deferred: Vec<Scheduled>,
    /// Why each SMS was held back, for `--explain` (no address or name).
    pub sms_notes: Vec<String>,
    /// SMS not planned because their number's country is not allowed (`[sms] countries`).
    pub sms_country_blocked: usize,
}

/// The verdict of client rows after the first match.
pub const NOT_EVALUATED: &str = "not evaluated: an earlier row matched";

impl Plan {
    /// Why each rule matched or not, and why each skipped message was skipped: the text
    /// `booxi-notify plan --explain` prints. Carries no address or name.
    pub fn explain(&self) -> String {
        let mut out = String::new();
        if let Some(why) = &self.ignored {
            out.push_str(&format!("  ignored: {why}\n"));
            return out;
        }
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
        for n in &self.notifications {
            out.push_str(&format!(
                "  planned   {} to {} by {}\n",
                n.kind,
                audience_name(n.audience),
                channel_name(n.channel)
            ));
        }
        for note in &self.notes {
            out.push_str(&format!("  language  {note}\n"));
        }
        for note in &self.whatsapp_notes {
            out.push_str(&format!("  whatsapp  {note}\n"));
        }
        for note in &self.flow_notes {
            out.push_str(&format!("  flow      {note}\n"));
        }
        for note in &self.sms_notes {
            out.push_str(&format!("  deferred  {note}\n"));
        }
        for s in &self.skipped {
            let channel = s
                .channel
                .map(|c| format!(" by {}", channel_name(c)))
                .unwrap_or_default();
            out.push_str(&format!(
                "  skipped   {} to {}{channel}: {}\n",
                s.kind, s.recipient, s.reason
            ));
        }
        if self.notifications.is_empty() && self.schedules.is_empty() && self.deferred.is_empty() {
            out.push_str("  nothing to send\n");
        }
        out
    }
}

pub fn audience_name(a: Audience) -> &'static str {
    match a {
        Audience::Client => "client",
        Audience::Attendee => "attendee",
        Audience::Staff => "staff",
    }
}

pub fn channel_name(c: Channel) -> &'static str {
    match c {
        Channel::Email => "email",
        Channel::Sms => "sms",
        Channel::Whatsapp => "whatsapp",
    }
}
