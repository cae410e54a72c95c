//! Our own picture of a Booxi event: one normalising step ([`Event::parse`]) turns any
//! accepted shape of Booxi's JSON into these types. Contact data is parsed here, at the
//! edge; the rules never see raw strings for addresses, numbers or languages.

use std::collections::BTreeMap;

use serde_json::Value;
use url::Url;

use crate::domain::booxi::{Obj, spelling as s, squash};
use crate::domain::contact::{ContactError, Country, EmailAddress, Language, PhoneNumber};

/// Why a body is not a Booxi event. Each message is one line naming the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("not a Booxi event: the body is not a JSON object")]
    NotAnObject,
    #[error("not a Booxi event: no event type (eventType, type or event)")]
    MissingEventType,
}

/// The Booxi event types we act on; any other is kept by name and ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventType {
    AppointmentCreated,
    AppointmentUpdated,
    AppointmentStatusUpdated,
    AppointmentCanceled,
    AppointmentCompleted,
    AppointmentRemind,
    AppointmentRecall,
    ReservationCreated,
    ReservationUpdated,
    ReservationStatusUpdated,
    Other(String),
}

impl EventType {
    pub fn parse(raw: &str) -> Self {
        let name = raw.trim().to_ascii_lowercase().replace('-', "_");
        match name.as_str() {
            "appointment.created" => Self::AppointmentCreated,
            "appointment.updated" => Self::AppointmentUpdated,
            "appointment.status_updated" | "appointment.statusupdated" => {
                Self::AppointmentStatusUpdated
            }
            "appointment.canceled" | "appointment.cancelled" => Self::AppointmentCanceled,
            "appointment.completed" => Self::AppointmentCompleted,
            "appointment.remind" | "appointment.reminder" => Self::AppointmentRemind,
            "appointment.recall" => Self::AppointmentRecall,
            "reservation.created" => Self::ReservationCreated,
            "reservation.updated" => Self::ReservationUpdated,
            "reservation.status_updated" | "reservation.statusupdated" => {
                Self::ReservationStatusUpdated
            }
            _ => Self::Other(raw.trim().to_owned()),
        }
    }

    /// The canonical name, as Booxi documents it.
    pub fn name(&self) -> &str {
        match self {
            Self::AppointmentCreated => "appointment.created",
            Self::AppointmentUpdated => "appointment.updated",
            Self::AppointmentStatusUpdated => "appointment.status_updated",
            Self::AppointmentCanceled => "appointment.canceled",
            Self::AppointmentCompleted => "appointment.completed",
            Self::AppointmentRemind => "appointment.remind",
            Self::AppointmentRecall => "appointment.recall",
            Self::ReservationCreated => "reservation.created",
            Self::ReservationUpdated => "reservation.updated",
            Self::ReservationStatusUpdated => "reservation.status_updated",
            Self::Other(name) => name,
        }
    }

    pub fn is_known(&self) -> bool {
        !matches!(self, Self::Other(_))
    }

    /// The name as it may go into a log line or a metric dimension: at most 64
    /// characters, anything but letters, digits and `._:-` replaced by `?` (the name
    /// comes from the body, so it is never written out as it is).
    pub fn log_name(&self) -> String {
        self.name()
            .chars()
            .take(64)
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-') {
                    c
                } else {
                    '?'
                }
            })
            .collect()
    }
}

/// How an alias name is looked up: trimmed, in lower case.
pub fn alias_key(name: &str) -> String {
    name.trim().to_ascii_lowercase()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    PendingStaffApproval,
    PendingClientApproval,
    Approved,
    Cancelled,
    Other(String),
}

impl Status {
    fn parse(raw: &str) -> Self {
        match squash(raw).as_str() {
            "pendingstaffapproval" => Self::PendingStaffApproval,
            "pendingclientapproval" => Self::PendingClientApproval,
            "approved" => Self::Approved,
            "cancelled" | "canceled" => Self::Cancelled,
            _ => Self::Other(raw.to_owned()),
        }
    }

    pub fn is_pending(&self) -> bool {
        matches!(
            self,
            Self::PendingStaffApproval | Self::PendingClientApproval
        )
    }

    /// `approved`, `pending_staff_approval`, `pending_client_approval`, `cancelled`;
    /// `None` for a status we do not know.
    pub fn name(&self) -> Option<&'static str> {
        match self {
            Self::Approved => Some("approved"),
            Self::PendingStaffApproval => Some("pending_staff_approval"),
            Self::PendingClientApproval => Some("pending_client_approval"),
            Self::Cancelled => Some("cancelled"),
            Self::Other(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presence {
    Expecting,
    Arrived,
    NoShow,
    Other(String),
}

impl Presence {
    fn parse(raw: &str) -> Self {
        match squash(raw).as_str() {
            "expecting" => Self::Expecting,
            "arrived" => Self::Arrived,
            "noshow" => Self::NoShow,
            _ => Self::Other(raw.to_owned()),
        }
    }

    /// `expecting`, `arrived`, `no_show`; `None` for a presence we do not know.
    pub fn name(&self) -> Option<&'static str> {
        match self {
            Self::Expecting => Some("expecting"),
            Self::Arrived => Some("arrived"),
            Self::NoShow => Some("no_show"),
            Self::Other(_) => None,
        }
    }
}

/// `booking.clientCommunication`: who on the client side may be written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientCommunication {
    DoNotSend,
    ClientOnly,
    ClientAndAttendees,
}

impl ClientCommunication {
    /// Absent or unrecognised values mean `ClientOnly`, the narrowest value that still
    /// lets a client hear about their own booking.
    fn parse(raw: Option<&str>) -> Self {
        match raw.map(squash).as_deref() {
            Some("donotsend") => Self::DoNotSend,
            Some("clientandattendees") => Self::ClientAndAttendees,
            _ => Self::ClientOnly,
        }
    }

    /// `do_not_send`, `client_only`, `client_and_attendees`.
    pub fn name(self) -> &'static str {
        match self {
            Self::DoNotSend => "do_not_send",
            Self::ClientOnly => "client_only",
            Self::ClientAndAttendees => "client_and_attendees",
        }
    }
}

/// Who made a change (`modifiedBy`, `createdBy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActedBy {
    Client,
    Staff,
    Other(String),
}

impl ActedBy {
    fn parse(raw: &str) -> Self {
        match squash(raw).as_str() {
            "client" | "customer" => Self::Client,
            "staff" | "store" | "merchant" => Self::Staff,
            _ => Self::Other(raw.to_owned()),
        }
    }
}

/// Contact data as found: absent, present but unusable (with why), or parsed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Contact<T> {
    #[default]
    Missing,
    Invalid(ContactError),
    Valid(T),
}

impl<T> Contact<T> {
    pub fn valid(&self) -> Option<&T> {
        match self {
            Self::Valid(v) => Some(v),
            _ => None,
        }
    }

    fn from_result(
        raw: Option<String>,
        parse: impl FnOnce(&str) -> Result<T, ContactError>,
    ) -> Self {
        match raw {
            None => Self::Missing,
            Some(text) => match parse(&text) {
                Ok(v) => Self::Valid(v),
                Err(e) => Self::Invalid(e),
            },
        }
    }
}

/// A client or an attendee of a booking.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Contact<EmailAddress>,
    pub mobile: Contact<PhoneNumber>,
    pub language: Option<Language>,
    pub remind_by_email: Option<bool>,
    pub remind_by_sms: Option<bool>,
    pub video_url: Option<Url>,
    pub is_requester: bool,
    /// Everything Booxi sent for this person, unknown fields included.
    pub raw: Value,
}

impl Person {
    fn read(o: Obj<'_>, country: Country) -> Self {
        Self {
            id: o.text(s::PERSON_ID),
            first_name: o.text(s::FIRST_NAME),
            last_name: o.text(s::LAST_NAME),
            email: Contact::from_result(o.text(s::EMAIL), EmailAddress::parse),
            mobile: Contact::from_result(o.text(s::MOBILE), |t| PhoneNumber::parse(t, country)),
            language: o.text(s::LANGUAGE).as_deref().and_then(Language::parse),
            remind_by_email: o.flag(s::REMIND_BY_EMAIL),
            remind_by_sms: o.flag(s::REMIND_BY_SMS),
            video_url: web_url(o.text(s::VIDEO_URL)),
            is_requester: o.flag(s::IS_REQUESTER).unwrap_or(false),
            raw: o.value(),
        }
    }
}

/// The staff member of the booking.
#[derive(Debug, Clone)]
pub struct Staff {
    pub id: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Contact<EmailAddress>,
    pub language: Option<Language>,
    pub translations: Vec<Translation>,
    pub raw: Value,
}

/// Another language's text for a named thing (service, staff, resource, merchant).
#[derive(Debug, Clone)]
pub struct Translation {
    pub language: Language,
    pub fields: Value,
}

/// A service or a resource: a name, with translations.
#[derive(Debug, Clone)]
pub struct Named {
    pub id: Option<String>,
    pub name: Option<String>,
    pub translations: Vec<Translation>,
    pub raw: Value,
}

impl Named {
    fn read(o: Obj<'_>, name_keys: &[&str]) -> Self {
        Self {
            id: o.text(s::PERSON_ID),
            name: o.text(s::NAME).or_else(|| o.text(name_keys)),
            translations: translations(o),
            raw: o.value(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Merchant {
    pub id: Option<String>,
    pub name: Option<String>,
    pub time_zone: Option<String>,
    pub default_language: Option<Language>,
    pub country: Option<Country>,
    pub email: Contact<EmailAddress>,
    /// The store's phone number when it is a valid one (national numbers in the store's
    /// country), parsed once here for every message to display.
    pub phone: Option<PhoneNumber>,
    pub translations: Vec<Translation>,
    pub raw: Value,
}

/// The client's tracking page and the actions it offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingPage {
    pub view_url: Url,
    pub can_confirm: bool,
    pub can_modify: bool,
    pub can_cancel: bool,
}

/// Where a booking takes place, read from its `location` (Booxi's spellings vary).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceKind {
    /// At the store (also when `location` is absent or says nothing we know).
    Store,
    /// At the client's address.
    Home,
    /// A phone call.
    Phone,
    /// A video call.
    Video,
    /// Somewhere else, described by `locationText`.
    Custom,
}

impl PlaceKind {
    /// `store`, `home`, `phone`, `video`, `custom`.
    pub fn name(self) -> &'static str {
        match self {
            PlaceKind::Store => "store",
            PlaceKind::Home => "home",
            PlaceKind::Phone => "phone",
            PlaceKind::Video => "video",
            PlaceKind::Custom => "custom",
        }
    }
}

/// One state of a booking: `booking` (now) or `previousBooking` (before the change).
#[derive(Debug, Clone, Default)]
pub struct Booking {
    pub id: Option<String>,
    pub confirmation_number: Option<String>,
    /// `merchantId`: the merchant, when the booking names it itself.
    pub merchant_id: Option<String>,
    pub method: Option<String>,
    pub status: Option<Status>,
    pub is_completed: Option<bool>,
    /// The start, as Booxi wrote it (RFC 3339); compared as text.
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub staff_id: Option<String>,
    pub staff_name: Option<String>,
    pub location: Option<String>,
    pub location_text: Option<String>,
    pub client_communication: Option<ClientCommunication>,
    pub modified_by: Option<ActedBy>,
    pub modified_by_staff_id: Option<String>,
    pub created_by: Option<ActedBy>,
    pub created_by_staff_id: Option<String>,
    /// Client availabilities instead of a fixed time.
    pub flexible_dates: bool,
    /// The client's presence (`client.presence`) in this state.
    pub presence: Option<Presence>,
    /// `items[]`: the services booked, with their price and survey answers.
    pub items: Vec<Item>,
    pub payment: Option<Payment>,
    /// `quickNote`: a short note on an appointment.
    pub quick_note: Option<String>,
    pub acquisition_channel: Option<String>,
    pub client_count: Option<String>,
    pub raw: Value,
}

/// An amount of money: a decimal string, a number, or Booxi's Price object
/// (`{visibility, amount, amountPerPerson, amountPerHour, currency, isStartingAt, tax}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    /// The amount as Booxi wrote it (`"45.00"`, `45`).
    pub amount: String,
    pub currency: Option<String>,
    /// "From …": the price is a starting price.
    pub is_starting_at: bool,
}

impl Money {
    fn read(value: &Value) -> Option<Self> {
        let text = |v: &Value| match v {
            Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        if let Some(amount) = text(value) {
            return Some(Self {
                amount,
                currency: None,
                is_starting_at: false,
            });
        }
        let o = Obj::new(value)?;
        Some(Self {
            amount: o.text(s::AMOUNT)?,
            currency: o.text(s::CURRENCY),
            is_starting_at: o.flag(s::IS_STARTING_AT).unwrap_or(false),
        })
    }

    fn read_in(o: Obj<'_>, keys: &[&str]) -> Option<Self> {
        o.get(keys).and_then(Self::read)
    }
}

/// One element of `booking.items[]`.
#[derive(Debug, Clone)]
pub struct Item {
    pub service_id: Option<String>,
    pub service_name: Option<String>,
    pub resource_id: Option<String>,
    pub resource_name: Option<String>,
    pub price: Option<Money>,
    /// Minutes, as Booxi wrote it.
    pub duration: Option<String>,
    /// `surveyAnswers`, as received (shape not published).
    pub survey_answers: Option<Value>,
    pub raw: Value,
}

impl Item {
    fn read(o: Obj<'_>) -> Self {
        Self {
            service_id: o.text(s::SERVICE_ID),
            service_name: o.text(s::SERVICE_NAME),
            resource_id: o.text(s::RESOURCE_ID),
            resource_name: o.text(s::RESOURCE_NAME),
            price: Money::read_in(o, s::PRICE),
            duration: o.text(s::DURATION),
            survey_answers: o.get(s::SURVEY_ANSWERS).cloned(),
            raw: o.value(),
        }
    }
}

/// `booking.payment`: `{total, paid, onlinePaymentId, onlinePaymentAmount, onlinePaymentStatus}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub total: Option<Money>,
    pub paid: Option<Money>,
    pub online_amount: Option<Money>,
    /// `None`, `Requested` or `Paid`, as Booxi wrote it.
    pub online_status: Option<String>,
}

impl Payment {
    fn read(o: Obj<'_>) -> Self {
        Self {
            total: Money::read_in(o, s::PAYMENT_TOTAL),
            paid: Money::read_in(o, s::PAYMENT_PAID),
            online_amount: Money::read_in(o, s::ONLINE_PAYMENT_AMOUNT),
            online_status: o.text(s::ONLINE_PAYMENT_STATUS),
        }
    }
}

/// A client module link (`clientLinks[]`): the client's id in another system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientLink {
    pub module_id: Option<String>,
    pub client_id: Option<String>,
    pub external_id: Option<String>,
    pub metadata: Option<Value>,
}

impl ClientLink {
    fn read(o: Obj<'_>) -> Self {
        Self {
            module_id: o.text(s::MODULE_ID),
            client_id: o.text(s::LINK_CLIENT_ID),
            external_id: o.text(s::EXTERNAL_ID),
            metadata: o.get(s::METADATA).cloned(),
        }
    }
}

impl Booking {
    fn read(o: Obj<'_>, client_beside: Option<Obj<'_>>) -> Self {
        let client = o.obj(s::CLIENT).or(client_beside);
        let timespan = o.obj(s::TIMESPAN);
        let staff_name = [o.text(s::STAFF_FIRST_NAME), o.text(s::STAFF_LAST_NAME)]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        Self {
            id: o.text(s::BOOKING_ID),
            confirmation_number: o.text(s::CONFIRMATION_NUMBER),
            merchant_id: o.text(s::MERCHANT_ID),
            method: o.text(s::BOOKING_METHOD),
            status: o.text(s::STATUS).as_deref().map(Status::parse),
            is_completed: o.flag(s::IS_COMPLETED),
            starts_on: o
                .text(s::STARTS_ON)
                .or_else(|| timespan.and_then(|t| t.text(s::TIMESPAN_START))),
            ends_on: timespan.and_then(|t| t.text(s::TIMESPAN_END)),
            staff_id: o.text(s::STAFF_ID).filter(|id| id != "0"),
            staff_name: (!staff_name.is_empty()).then_some(staff_name),
            location: o.text(s::LOCATION),
            location_text: o.text(s::LOCATION_TEXT),
            client_communication: o
                .text(s::CLIENT_COMMUNICATION)
                .map(|c| ClientCommunication::parse(Some(&c))),
            modified_by: o.text(s::MODIFIED_BY).as_deref().map(ActedBy::parse),
            modified_by_staff_id: o.text(s::MODIFIED_BY_STAFF_ID),
            created_by: o.text(s::CREATED_BY).as_deref().map(ActedBy::parse),
            created_by_staff_id: o.text(s::CREATED_BY_STAFF_ID),
            flexible_dates: o.len_of(s::CLIENT_AVAILABILITY) > 0
                || o.flag(s::IS_SCHEDULED) == Some(false),
            // `client.presence`; a presence written on the booking itself is read too.
            presence: client
                .and_then(|c| c.text(s::PRESENCE))
                .or_else(|| o.text(s::PRESENCE))
                .as_deref()
                .map(Presence::parse),
            items: o.objs(s::ITEMS).into_iter().map(Item::read).collect(),
            payment: o.obj(s::PAYMENT).map(Payment::read),
            quick_note: o.text(s::QUICK_NOTE),
            acquisition_channel: o.text(s::ACQUISITION_CHANNEL),
            client_count: o.text(s::CLIENT_COUNT),
            raw: o.value(),
        }
    }

    /// Where the booking takes place, as its `location` says (the store when it says
    /// nothing we know).
    pub fn place_kind(&self) -> PlaceKind {
        match self.location.as_deref().map(squash).as_deref() {
            Some("home" | "client" | "clientaddress" | "athome") => PlaceKind::Home,
            Some("phone" | "phonecall" | "telephone") => PlaceKind::Phone,
            Some("videoconference" | "video" | "virtual" | "online") => PlaceKind::Video,
            Some("custom" | "other") => PlaceKind::Custom,
            _ => PlaceKind::Store,
        }
    }

    /// The location as compared between two states: its kind and its text.
    pub fn location_key(&self) -> (Option<String>, Option<String>) {
        (
            self.location.as_deref().map(squash),
            self.location_text.clone(),
        )
    }
}

/// A Booxi event, normalised.
#[derive(Debug, Clone)]
pub struct Event {
    /// The event id, or its hash when longer than 200 bytes ([`crate::domain::ids::storage_key`]).
    pub id: String,
    /// The body had no event id: `id` was derived from its content ([`derived_id`]).
    pub id_derived: bool,
    pub event_type: EventType,
    /// The type name Booxi sent, when an alias (`[event_aliases]`) mapped it to `event_type`.
    pub aliased_from: Option<String>,
    pub created_on: Option<String>,
    pub booking: Booking,
    pub previous: Option<Booking>,
    pub client: Option<Person>,
    pub attendees: Vec<Person>,
    pub staff: Option<Staff>,
    pub service: Option<Named>,
    pub resources: Vec<Named>,
    pub merchant: Merchant,
    pub tracking_page: Option<TrackingPage>,
    pub qr_code_url: Option<Url>,
    pub staff_video_url: Option<Url>,
    pub additional_request: Option<Value>,
    /// `clientLinks[]` (beside the booking, or on the client).
    pub client_links: Vec<ClientLink>,
    /// The payload as received (`content` or `eventContent`, or the whole body when the
    /// payload objects sit at its root), unknown fields included.
    pub content: Value,
}

/// The payload objects whose presence at the root of a body without `content` (or
/// `eventContent`) makes the root itself the payload.
const ROOT_PAYLOAD: &[&[&str]] = &[
    s::BOOKING,
    s::PREVIOUS_BOOKING,
    s::CLIENT,
    s::ATTENDEES,
    s::TRACKING_PAGE,
    s::STAFF,
    s::SERVICE,
    s::RESOURCES,
    s::MERCHANT,
    s::CLIENT_LINKS,
];

/// Prefix of an event id derived from the body (see [`derived_id`]).
pub const DERIVED_ID_PREFIX: &str = "derived-";

/// The id of a body that carries none: `derived-` and the SHA-256 (hex) of the body's
/// JSON in compact form with its keys sorted. The same body (Booxi's retries, or the same
/// JSON laid out differently) always gets the same id; different bodies, different ids.
pub fn derived_id(value: &Value) -> String {
    use sha2::{Digest, Sha256};
    // serde_json keeps object keys sorted (no `preserve_order`): the form is canonical.
    let compact = value.to_string();
    let digest = Sha256::digest(compact.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{DERIVED_ID_PREFIX}{hex}")
}

/// The payload under its wrapper (`content`, `eventContent`…), taken out of the body:
/// the event keeps it, and taking it saves a copy of the whole payload. Only from a body
/// with its own event id: an id derived from the body ([`derived_id`]) is the hash of all
/// of it. `None` (the body unchanged) otherwise, and when the payload sits at the root.
fn take_payload(body: &mut Value) -> Option<Value> {
    let envelope = Obj::new(body)?;
    envelope.text(s::EVENT_ID)?;
    let key = envelope.obj_key(s::PAYLOAD)?.to_owned();
    body.as_object_mut()?.remove(&key)
}

impl Event {
    /// Reads a raw Booxi body. Only a body that is not JSON even once repaired
    /// ([`crate::domain::json`]), not a JSON object, or without an event type, is
    /// refused; everything else is optional. A body without an event id
    /// gets one derived from its content ([`derived_id`]).
    pub fn parse(body: &[u8], default_country: Country) -> Result<Self, ParseError> {
        // A UTF-8 byte-order mark is not part of the JSON.
        let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
        // Tolerant: a cut emoji or a number out of range in a field we do not read does
        // not refuse the body (crate::domain::json).
        let mut value: Value =
            crate::domain::json::read(body).map_err(|e| ParseError::NotJson(e.to_string()))?;
        let payload = take_payload(&mut value);
        Self::read_body(&value, payload, default_country)
    }

    /// Replaces a type we do not know by the one an alias maps it to (names compared
    /// ignoring case), remembering the name Booxi sent in `aliased_from`.
    pub fn apply_aliases(&mut self, aliases: &BTreeMap<String, EventType>) {
        if let EventType::Other(name) = &self.event_type
            && let Some(known) = aliases.get(&alias_key(name))
        {
            self.aliased_from = Some(name.clone());
            self.event_type = known.clone();
        }
    }

    pub fn from_value(value: &Value, default_country: Country) -> Result<Self, ParseError> {
        Self::read_body(value, None, default_country)
    }

    /// [`Event::from_value`], with the payload already taken out of `value` when
    /// `taken` holds it ([`take_payload`]).
    fn read_body(
        value: &Value,
        taken: Option<Value>,
        default_country: Country,
    ) -> Result<Self, ParseError> {
        let envelope = Obj::new(value).ok_or(ParseError::NotAnObject)?;
        let event_type = envelope
            .text(s::EVENT_TYPE)
            .map(|t| EventType::parse(&t))
            .ok_or(ParseError::MissingEventType)?;
        let (id, id_derived) = match envelope.text(s::EVENT_ID) {
            // Bounded once, here: the id goes into storage keys, folder names and logs.
            Some(id) => (crate::domain::ids::storage_key(&id), false),
            None => (derived_id(value), true),
        };
        // The payload under its wrapper; without one, the payload objects sit at the root.
        let content_value = match (taken, envelope.obj(s::PAYLOAD)) {
            (Some(payload), _) => payload,
            (None, Some(payload)) => payload.value(),
            (None, None) if ROOT_PAYLOAD.iter().any(|keys| envelope.get(keys).is_some()) => {
                value.clone()
            }
            (None, None) => Value::Null,
        };
        let content = Obj::new(&content_value);

        let booking_obj = content.and_then(|c| c.obj(s::BOOKING));
        let client_beside = content.and_then(|c| c.obj(s::CLIENT));
        let client_obj = booking_obj.and_then(|b| b.obj(s::CLIENT)).or(client_beside);
        let merchant_obj = content.and_then(|c| c.obj(s::MERCHANT));
        let merchant = merchant_obj.map(Merchant::read).unwrap_or_default();
        let country = merchant.country.unwrap_or(default_country);

        // Fields Booxi may put on the payload or on the booking.
        let from_either = |keys: &[&str]| {
            content
                .and_then(|c| c.text(keys))
                .or_else(|| booking_obj.and_then(|b| b.text(keys)))
        };
        let attendees = booking_obj
            .map(|b| b.objs(s::ATTENDEES))
            .filter(|a| !a.is_empty())
            .or_else(|| content.map(|c| c.objs(s::ATTENDEES)))
            .unwrap_or_default();

        let tracking_page = [
            booking_obj.and_then(|b| b.obj(s::TRACKING_PAGE)),
            client_obj.and_then(|c| c.obj(s::TRACKING_PAGE)),
            content.and_then(|c| c.obj(s::TRACKING_PAGE)),
        ]
        .into_iter()
        .flatten()
        .find_map(TrackingPage::read);

        let client_links = content
            .map(|c| c.objs(s::CLIENT_LINKS))
            .filter(|l| !l.is_empty())
            .or_else(|| client_obj.map(|c| c.objs(s::CLIENT_LINKS)))
            .unwrap_or_default()
            .into_iter()
            .map(ClientLink::read)
            .collect();

        Ok(Self {
            id,
            id_derived,
            event_type,
            aliased_from: None,
            created_on: envelope.text(s::CREATED_ON),
            booking: booking_obj
                .map(|b| Booking::read(b, client_beside))
                .unwrap_or_default(),
            previous: content
                .and_then(|c| c.obj(s::PREVIOUS_BOOKING))
                .map(|b| Booking::read(b, None)),
            client: client_obj.map(|c| Person::read(c, country)),
            attendees: attendees
                .into_iter()
                .map(|a| Person::read(a, country))
                .collect(),
            staff: content.and_then(|c| c.obj(s::STAFF)).map(Staff::read),
            service: content
                .and_then(|c| c.obj(s::SERVICE))
                .map(|o| Named::read(o, s::SERVICE_NAME))
                .or_else(|| first_item_named(booking_obj, s::SERVICE_NAME)),
            resources: content
                .map(|c| c.objs(s::RESOURCES))
                .unwrap_or_default()
                .into_iter()
                .map(|o| Named::read(o, s::RESOURCE_NAME))
                .collect(),
            merchant,
            tracking_page,
            qr_code_url: web_url(from_either(s::QR_CODE_URL)),
            staff_video_url: web_url(from_either(s::STAFF_VIDEO_URL)),
            additional_request: content
                .and_then(|c| c.get(s::ADDITIONAL_REQUEST))
                .or_else(|| booking_obj.and_then(|b| b.get(s::ADDITIONAL_REQUEST)))
                .or_else(|| client_obj.and_then(|c| c.get(s::ADDITIONAL_REQUEST)))
                .cloned(),
            client_links,
            content: content_value,
        })
    }

    /// Whether a staff member is assigned to the booking.
    pub fn staff_assigned(&self) -> bool {
        self.booking.staff_id.is_some()
            || self.staff.as_ref().is_some_and(|s| {
                s.id.as_deref().is_some_and(|id| id != "0") || s.email.valid().is_some()
            })
    }

    /// The staff member's name as the payload writes it: `staff.firstName lastName`, else
    /// the booking's own staff name (`staffFirstName staffLastName`); `None` when neither
    /// has a visible character. Not cleaned: each reader cleans it its own way.
    pub fn staff_name(&self) -> Option<String> {
        let visible = |text: &String| {
            text.chars().any(|c| {
                !c.is_whitespace() && !c.is_control() && !crate::domain::text::is_invisible(c)
            })
        };
        self.staff
            .as_ref()
            .map(|s| {
                [s.first_name.as_deref(), s.last_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .filter(visible)
            .or_else(|| self.booking.staff_name.clone().filter(visible))
    }

    /// A group event's reservation (`method` GroupReservation, or a `reservation.*`
    /// type) rather than an appointment.
    pub fn is_reservation(&self) -> bool {
        matches!(
            self.booking.method.as_deref().map(squash).as_deref(),
            Some("groupreservation" | "reservation")
        ) || self.event_type.name().starts_with("reservation.")
    }

    pub fn client_communication(&self) -> ClientCommunication {
        self.booking
            .client_communication
            .unwrap_or(ClientCommunication::ClientOnly)
    }
}

impl Staff {
    fn read(o: Obj<'_>) -> Self {
        Self {
            id: o.text(s::PERSON_ID),
            first_name: o.text(s::FIRST_NAME),
            last_name: o.text(s::LAST_NAME),
            email: Contact::from_result(o.text(s::STAFF_EMAIL), EmailAddress::parse),
            language: o.text(s::LANGUAGE).as_deref().and_then(Language::parse),
            translations: translations(o),
            raw: o.value(),
        }
    }
}

impl Merchant {
    fn read(o: Obj<'_>) -> Self {
        let country = o
            .obj(s::ADDRESS)
            .and_then(|a| a.text(s::COUNTRY))
            .or_else(|| o.text(s::COUNTRY))
            .as_deref()
            .and_then(Country::parse);
        Self {
            id: o.text(s::PERSON_ID),
            name: o.text(s::NAME),
            time_zone: o.text(s::TIME_ZONE),
            default_language: o
                .text(s::DEFAULT_LANGUAGE)
                .as_deref()
                .and_then(Language::parse),
            country,
            email: Contact::from_result(o.text(s::EMAIL), EmailAddress::parse),
            phone: o
                .text(s::PHONE)
                .and_then(|t| PhoneNumber::read(t.trim(), country)),
            translations: translations(o),
            raw: o.value(),
        }
    }
}

impl TrackingPage {
    fn read(o: Obj<'_>) -> Option<Self> {
        Some(Self {
            view_url: web_url(o.text(s::VIEW_URL))?,
            can_confirm: o.flag(s::CAN_CONFIRM).unwrap_or(false),
            can_modify: o.flag(s::CAN_MODIFY).unwrap_or(false),
            can_cancel: o.flag(s::CAN_CANCEL).unwrap_or(false),
        })
    }
}

fn translations(o: Obj<'_>) -> Vec<Translation> {
    o.objs(s::TRANSLATIONS)
        .into_iter()
        .filter_map(|t| {
            Some(Translation {
                language: Language::parse(&t.text(s::LANGUAGE)?)?,
                fields: t.value(),
            })
        })
        .collect()
}

/// The service of a booking that has no `service` object beside it: its first item.
fn first_item_named(booking: Option<Obj<'_>>, name_keys: &[&str]) -> Option<Named> {
    booking?
        .objs(s::ITEMS)
        .into_iter()
        .next()
        .map(|item| Named::read(item, name_keys))
        .filter(|named| named.name.is_some())
}

/// Only absolute http(s) URLs are kept: anything else is never rendered as a link.
fn web_url(raw: Option<String>) -> Option<Url> {
    crate::domain::text::web_url(&raw?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Event::parse` takes the payload out of the body instead of copying it; the event
    /// is the one read from the whole body, for every sample event and for the edge
    /// cases of where a payload sits.
    #[test]
    fn a_taken_payload_reads_as_a_copied_one() {
        let country = Country::parse("CA").unwrap();
        let same = |body: &[u8], name: &str| {
            let value = crate::domain::json::read(body).unwrap();
            let copied = format!("{:?}", Event::from_value(&value, country));
            let taken = format!("{:?}", Event::parse(body, country));
            assert_eq!(taken, copied, "{name}");
        };
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../events");
        let mut samples = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let body = crate::doors::input::booxi_body(&std::fs::read(&path).unwrap()).unwrap();
            same(&body, &path.display().to_string());
            samples += 1;
        }
        assert!(samples > 20, "only {samples} samples");
        let booking = r#"{"booking": {"bookingId": "b-1", "startsOn": "2026-12-01T10:00:00Z"}}"#;
        for body in [
            // A wrapper spelled in another case; two wrappers (the first spelling wins).
            format!(r#"{{"eventId": "e-1", "eventType": "appointment.created", "Content": {booking}}}"#),
            format!(r#"{{"eventId": "e-1", "eventType": "appointment.created", "data": {{"booking": {{}}}}, "content": {booking}}}"#),
            // A null or non-object first spelling does not hide the next.
            format!(r#"{{"eventId": "e-1", "eventType": "appointment.created", "content": null, "payload": {booking}}}"#),
            format!(r#"{{"eventId": "e-1", "eventType": "appointment.created", "content": "x", "payload": {booking}}}"#),
            // A numeric id; no id (derived from the whole body); the payload at the root.
            format!(r#"{{"eventId": 42, "eventType": "appointment.created", "content": {booking}}}"#),
            format!(r#"{{"eventType": "appointment.created", "content": {booking}}}"#),
            r#"{"eventId": "e-1", "eventType": "appointment.created", "booking": {"bookingId": "b-1"}}"#.to_owned(),
        ] {
            same(body.as_bytes(), &body);
        }
    }
}
