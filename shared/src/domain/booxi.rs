//! Booxi's webhook body as it arrives: JSON whose full schema Booxi does not publish.
//!
//! This module is the only place that knows Booxi's spellings. It reads any JSON
//! value without failing: a field is looked up under each of its known spellings
//! (exact first, then ignoring case), a value of the wrong type reads as absent, and
//! nothing unknown is an error. [`crate::domain::event`] turns what it reads into our types.

use serde_json::{Map, Value};

/// Where each piece of the envelope and payload may sit, in the order tried.
/// See `docs/payload.md`.
pub mod spelling {
    pub const EVENT_ID: &[&str] = &["eventId", "id", "event_id"];
    pub const EVENT_TYPE: &[&str] = &["eventType", "type", "event", "event_type"];
    pub const CREATED_ON: &[&str] = &["createdOn", "created_on", "timestamp"];
    pub const PAYLOAD: &[&str] = &["content", "eventContent", "payload", "data"];
    pub const BOOKING: &[&str] = &["booking"];
    pub const PREVIOUS_BOOKING: &[&str] = &["previousBooking", "previous"];
    pub const CLIENT: &[&str] = &["client"];
    pub const ATTENDEES: &[&str] = &["attendees"];
    pub const TRACKING_PAGE: &[&str] = &["trackingPage"];
    pub const STAFF: &[&str] = &["staff"];
    pub const SERVICE: &[&str] = &["service"];
    pub const RESOURCES: &[&str] = &["resources"];
    pub const MERCHANT: &[&str] = &["merchant"];
    pub const QR_CODE_URL: &[&str] = &["trackingQRCodeUrl", "trackingQrCodeUrl"];
    pub const STAFF_VIDEO_URL: &[&str] = &["staffVideoConferenceUrl"];
    pub const VIDEO_URL: &[&str] = &["videoConferenceUrl"];
    pub const ADDITIONAL_REQUEST: &[&str] = &["additionalRequest"];

    // Booking
    pub const BOOKING_ID: &[&str] = &["bookingId", "id"];
    pub const CONFIRMATION_NUMBER: &[&str] = &["confirmationNumber"];
    pub const MERCHANT_ID: &[&str] = &["merchantId"];
    pub const BOOKING_METHOD: &[&str] = &["bookingMethod"];
    pub const STATUS: &[&str] = &["status"];
    pub const IS_COMPLETED: &[&str] = &["isCompleted"];
    pub const STARTS_ON: &[&str] = &["startsOn", "startDate", "start"];
    pub const TIMESPAN: &[&str] = &["totalClientTimespan"];
    pub const TIMESPAN_START: &[&str] = &["start"];
    pub const TIMESPAN_END: &[&str] = &["end"];
    pub const STAFF_ID: &[&str] = &["staffId"];
    pub const STAFF_FIRST_NAME: &[&str] = &["staffFirstName"];
    pub const STAFF_LAST_NAME: &[&str] = &["staffLastName"];
    pub const LOCATION: &[&str] = &["location"];
    pub const LOCATION_TEXT: &[&str] = &["locationText"];
    pub const CLIENT_COMMUNICATION: &[&str] = &["clientCommunication"];
    pub const MODIFIED_BY: &[&str] = &["modifiedBy"];
    pub const MODIFIED_BY_STAFF_ID: &[&str] = &["modifiedByStaffId"];
    pub const CREATED_BY: &[&str] = &["createdBy"];
    pub const CREATED_BY_STAFF_ID: &[&str] = &["createdByStaffId"];
    pub const IS_SCHEDULED: &[&str] = &["isScheduled"];
    pub const CLIENT_AVAILABILITY: &[&str] = &["clientAvailability", "clientAvailabilities"];
    pub const ITEMS: &[&str] = &["items"];
    pub const PAYMENT: &[&str] = &["payment"];
    pub const QUICK_NOTE: &[&str] = &["quickNote"];
    pub const ACQUISITION_CHANNEL: &[&str] = &["acquisitionChannel"];
    pub const CLIENT_COUNT: &[&str] = &["clientCount"];

    // Booking items, prices and payments (Booxi's REST model)
    pub const SERVICE_ID: &[&str] = &["serviceId"];
    pub const RESOURCE_ID: &[&str] = &["resourceId"];
    pub const PRICE: &[&str] = &["price"];
    pub const DURATION: &[&str] = &["duration"];
    pub const SURVEY_ANSWERS: &[&str] = &["surveyAnswers"];
    pub const AMOUNT: &[&str] = &["amount", "value"];
    pub const CURRENCY: &[&str] = &["currency", "currencyCode"];
    pub const IS_STARTING_AT: &[&str] = &["isStartingAt"];
    pub const PAYMENT_TOTAL: &[&str] = &["total"];
    pub const PAYMENT_PAID: &[&str] = &["paid"];
    pub const ONLINE_PAYMENT_AMOUNT: &[&str] = &["onlinePaymentAmount"];
    pub const ONLINE_PAYMENT_STATUS: &[&str] = &["onlinePaymentStatus"];

    // Client module links (`eventContent.clientLinks[]`)
    pub const CLIENT_LINKS: &[&str] = &["clientLinks"];
    pub const MODULE_ID: &[&str] = &["moduleId"];
    pub const LINK_CLIENT_ID: &[&str] = &["clientId"];
    pub const EXTERNAL_ID: &[&str] = &["externalId"];
    pub const METADATA: &[&str] = &["metadata"];

    // People
    pub const PERSON_ID: &[&str] = &["id", "clientId", "staffId"];
    pub const FIRST_NAME: &[&str] = &["firstName"];
    pub const LAST_NAME: &[&str] = &["lastName"];
    pub const EMAIL: &[&str] = &["email"];
    pub const STAFF_EMAIL: &[&str] = &["communicationEmail", "email"];
    pub const MOBILE: &[&str] = &["mobilePhoneNumber", "mobilePhone", "mobileNumber", "mobile"];
    pub const PRESENCE: &[&str] = &["presence"];
    pub const REMIND_BY_EMAIL: &[&str] = &["remindByEmail"];
    pub const REMIND_BY_SMS: &[&str] = &["remindBySMS", "remindBySms"];
    pub const LANGUAGE: &[&str] = &["language"];
    pub const IS_REQUESTER: &[&str] = &["isRequester"];

    // Tracking page
    pub const VIEW_URL: &[&str] = &["viewURL", "viewUrl", "url"];
    pub const CAN_CONFIRM: &[&str] = &["canConfirm"];
    pub const CAN_MODIFY: &[&str] = &["canModify"];
    pub const CAN_CANCEL: &[&str] = &["canCancel"];

    // Named things and the merchant
    pub const NAME: &[&str] = &["name"];
    pub const SERVICE_NAME: &[&str] = &["serviceName"];
    pub const RESOURCE_NAME: &[&str] = &["resourceName"];
    pub const TRANSLATIONS: &[&str] = &["translations"];
    pub const TIME_ZONE: &[&str] = &["timeZone", "timezone"];
    pub const DEFAULT_LANGUAGE: &[&str] = &["defaultLanguage"];
    pub const ADDRESS: &[&str] = &["address"];
    pub const COUNTRY: &[&str] = &["country", "countryCode"];
    pub const PHONE: &[&str] = &["phoneNumber", "phone"];
    pub const HOME_PHONE: &[&str] = &["homePhoneNumber", "homePhone", "phoneNumber"];
    pub const WEBSITE_URL: &[&str] = &["websiteUrl", "website", "url"];
    pub const BOOKING_URL: &[&str] = &["bookingUrl", "bookingURL"];
    pub const STREET: &[&str] = &["street", "street1", "address1", "line1", "addressLine1"];
    pub const STREET2: &[&str] = &["street2", "address2", "line2", "addressLine2"];
    pub const CITY: &[&str] = &["city", "locality"];
    pub const STATE: &[&str] = &["state", "province", "region", "stateCode"];
    pub const POSTAL_CODE: &[&str] = &["postalCode", "zip", "zipCode", "postal_code"];

    // Translations of a staff member (keys of `translations[].fields`)
    pub const FIELD_NAME: &str = "name";
    pub const FIELD_FIRST_NAME: &str = "firstName";
    pub const FIELD_LAST_NAME: &str = "lastName";

    // Flexible dates and the booking's own times
    pub const SLOT_FROM: &[&str] = &["from", "start"];
    pub const SLOT_TO: &[&str] = &["to", "end"];
    pub const MODIFIED_ON: &[&str] = &["modifiedOn", "modifiedAt", "updatedOn"];
    pub const BOOKING_CREATED_ON: &[&str] = &["createdOn", "createdAt"];
}

/// A JSON object read tolerantly. Every getter returns `None` rather than failing.
#[derive(Debug, Clone, Copy)]
pub struct Obj<'a>(&'a Map<String, Value>);

impl<'a> Obj<'a> {
    pub fn new(value: &'a Value) -> Option<Self> {
        value.as_object().map(Self)
    }

    /// The first non-null value under one of `keys`: exact spelling first, then any case.
    pub fn get(&self, keys: &[&str]) -> Option<&'a Value> {
        self.candidates(keys).next()
    }

    /// Every non-null value under one of `keys`, in order of preference: each spelling
    /// exactly, then each ignoring case. A getter takes the first one of the right type,
    /// so a blank or wrongly typed value under one spelling does not hide another.
    fn candidates<'k>(&self, keys: &'k [&'k str]) -> impl Iterator<Item = &'a Value> + 'k
    where
        'a: 'k,
    {
        self.entries(keys).map(|(_, value)| value)
    }

    /// [`Obj::candidates`] with the key each value is under.
    fn entries<'k>(&self, keys: &'k [&'k str]) -> impl Iterator<Item = (&'a str, &'a Value)> + 'k
    where
        'a: 'k,
    {
        let map: &'a Map<String, Value> = self.0;
        let exact = keys
            .iter()
            .filter_map(move |k| map.get_key_value(*k))
            .map(|(name, v)| (name.as_str(), v));
        let any_case = keys.iter().flat_map(move |k| {
            map.iter()
                .filter(move |(name, _)| name.eq_ignore_ascii_case(k) && name.as_str() != *k)
                .map(|(name, v)| (name.as_str(), v))
        });
        exact.chain(any_case).filter(|(_, v)| !v.is_null())
    }

    /// The key under which [`Obj::obj`] finds its object.
    pub fn obj_key(&self, keys: &[&str]) -> Option<&'a str> {
        self.entries(keys)
            .find(|(_, value)| value.is_object())
            .map(|(key, _)| key)
    }

    /// A non-empty string (numbers are read as their decimal text).
    pub fn text(&self, keys: &[&str]) -> Option<String> {
        self.candidates(keys).find_map(|value| {
            let text = match value {
                Value::String(s) => s.trim().to_owned(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            (!text.is_empty()).then_some(text)
        })
    }

    /// A boolean, also read from `"true"`/`"false"` and `1`/`0`.
    pub fn flag(&self, keys: &[&str]) -> Option<bool> {
        self.candidates(keys).find_map(|value| match value {
            Value::Bool(b) => Some(*b),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => Some(true),
                "false" | "no" | "0" => Some(false),
                _ => None,
            },
            Value::Number(n) => n.as_i64().map(|n| n != 0),
            _ => None,
        })
    }

    pub fn obj(&self, keys: &[&str]) -> Option<Obj<'a>> {
        self.candidates(keys).find_map(Obj::new)
    }

    /// The objects of an array (other elements are passed over).
    pub fn objs(&self, keys: &[&str]) -> Vec<Obj<'a>> {
        self.candidates(keys)
            .find_map(Value::as_array)
            .map(|items| items.iter().filter_map(Obj::new).collect())
            .unwrap_or_default()
    }

    /// How many elements an array has (0 when absent or not an array).
    pub fn len_of(&self, keys: &[&str]) -> usize {
        self.candidates(keys)
            .find_map(Value::as_array)
            .map_or(0, Vec::len)
    }

    pub fn value(&self) -> Value {
        Value::Object(self.0.clone())
    }
}

/// Compares an enum value as Booxi may spell it: any case, with or without `_`, `-`
/// or spaces (`PendingStaffApproval`, `pending_staff_approval`).
pub fn squash(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lookups_try_each_spelling_then_any_case() {
        let v = json!({"ID": 7, "eventtype": "x", "viewUrl": "u", "eventId": null});
        let o = Obj::new(&v).unwrap();
        assert_eq!(o.text(spelling::EVENT_ID).as_deref(), Some("7"));
        assert_eq!(o.text(spelling::EVENT_TYPE).as_deref(), Some("x"));
        assert_eq!(o.text(spelling::VIEW_URL).as_deref(), Some("u"));
    }

    #[test]
    fn wrong_types_read_as_absent() {
        let v = json!({"status": {"a": 1}, "isCompleted": "maybe", "items": "none", "client": []});
        let o = Obj::new(&v).unwrap();
        assert_eq!(o.text(spelling::STATUS), None);
        assert_eq!(o.flag(spelling::IS_COMPLETED), None);
        assert!(o.objs(spelling::ITEMS).is_empty());
        assert!(o.obj(spelling::CLIENT).is_none());
    }

    #[test]
    fn a_blank_or_wrongly_typed_spelling_does_not_hide_the_next() {
        let v = json!({"eventId": "", "id": "evt-1", "content": "oops", "eventContent": {"a": 1}});
        let o = Obj::new(&v).unwrap();
        assert_eq!(o.text(spelling::EVENT_ID).as_deref(), Some("evt-1"));
        assert!(o.obj(spelling::PAYLOAD).is_some());
        let v = json!({"eventId": {"x": 1}, "ID": 7});
        assert_eq!(
            Obj::new(&v).unwrap().text(spelling::EVENT_ID).as_deref(),
            Some("7")
        );
    }

    #[test]
    fn flags_accept_strings_and_numbers() {
        let v = json!({"a": "TRUE", "b": 0, "c": "no"});
        let o = Obj::new(&v).unwrap();
        assert_eq!(o.flag(&["a"]), Some(true));
        assert_eq!(o.flag(&["b"]), Some(false));
        assert_eq!(o.flag(&["c"]), Some(false));
    }

    #[test]
    fn squash_ignores_case_and_separators() {
        assert_eq!(squash("Pending_Staff-Approval"), "pendingstaffapproval");
    }
}
