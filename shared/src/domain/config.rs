//! The merchant's configuration as the rules and the templates see it: which kinds go,
//! by which channel, to whom, in which brand. Data only: reading it from the TOML file and
//! the environment is [`crate::settings::config`]'s job.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use jiff::tz::TimeZone;
use url::Url;

use crate::domain::contact::{Country, EmailAddress};
use crate::domain::event::{Event, EventType, ParseError};
use crate::domain::flows::Flow;
use crate::domain::notification::Kind;

/// The settings of the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Client kinds that may be sent at all.
    pub enabled_kinds: BTreeSet<Kind>,
    /// Client kinds that may also go by SMS (to recipients who consented).
    pub sms_kinds: BTreeSet<Kind>,
    /// Staff kinds that are sent.
    pub staff_kinds: BTreeSet<Kind>,
    /// Where staff messages go when the booking has no staff (or no staff email).
    pub staff_fallback_email: Option<EmailAddress>,
    /// Country used to read national phone numbers when the merchant gives none.
    pub default_country: Country,
    /// How messages look and whom they come from.
    pub brand: Brand,
    /// A folder whose files replace the built-in templates of the same relative path.
    pub templates_dir: Option<PathBuf>,
    /// Time zone for dates when the merchant's (`merchant.timeZone`) is absent or unknown.
    pub default_time_zone: TimeZone,
    /// At most this many client-side recipients (the client and attendees) per event;
    /// the others are skipped with a reason. Bounds the work a single event can cause.
    pub max_recipients_per_event: usize,
    /// Event type names Booxi sends that we do not know, mapped to one we act on
    /// (`[event_aliases]`; keys in lower case).
    pub event_aliases: BTreeMap<String, EventType>,
    /// Scheduled messages (`[[flows]]`); none: nothing is ever scheduled.
    pub flows: Vec<Flow>,
    /// At most this many schedule changes (upserts and deletes) per event; the others
    /// are left out with a note. Bounds the Scheduler calls a single event can cause.
    pub max_schedules_per_event: usize,
    /// The one merchant this deployment serves (`merchant_id`): the merchant of a body
    /// that names none, so that its booking is the same booking as with the merchant named.
    pub merchant_id: Option<String>,
    /// `[events_out]`: each event processed is published to this EventBridge bus; `None`
    /// (the default): nothing is published and no client is made.
    pub events_out: Option<EventsOut>,
    /// When a client's SMS cannot go (no valid mobile, the number opted out, refused for
    /// good), the same message goes by email instead, if that email is not sent anyway.
    pub sms_fallback_email: bool,
    /// How long a bounced, complained-of or opted-out recipient gets nothing more.
    pub suppression_days: crate::domain::feedback::SuppressionDays,
    /// SMS sent with care (`[sms]`): quiet hours, allowed countries, senders per
    /// country, the daily cap.
    pub sms: crate::domain::sms::SmsRules,
    /// WhatsApp (`[whatsapp]`): off (`None`) unless a phone number id is configured.
    pub whatsapp: Option<WhatsApp>,
}

/// The `[whatsapp]` settings: which messages go by WhatsApp template messages through
/// AWS End User Messaging Social, from which number, and how the templates are named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhatsApp {
    /// The WhatsApp number messages go from, as AWS names it:
    /// `phone-number-id-<letters and digits>`.
    pub phone_number_id: String,
    /// Client kinds and flows that go by WhatsApp, to recipients with the SMS consent.
    pub kinds: BTreeSet<Kind>,
    /// WhatsApp replaces the SMS of those kinds; the SMS becomes the fallback when the
    /// WhatsApp message cannot go or fails. `false`: both go.
    pub instead_of_sms: bool,
    /// The version of Meta's Graph API the messages are written for (`v20.0`).
    pub meta_api_version: String,
    /// Meta's language code of each language folder (`eng` → `en`, `por` → `pt_BR`):
    /// the language the templates were approved in.
    pub languages: BTreeMap<String, String>,
    /// Template names are this prefix and the kind (`booxi_confirmation`).
    pub template_prefix: String,
    /// The fixed part of the templates' URL button; a message's tracking-page link,
    /// without it, is the button's dynamic suffix.
    pub link_base: Url,
}

/// The kinds that go by WhatsApp when `[whatsapp]` lists none: the SMS kinds by default.
pub const DEFAULT_WHATSAPP_KINDS: [Kind; 4] = [
    Kind::Confirmation,
    Kind::Reminder,
    Kind::Changed,
    Kind::CanceledByStore,
];
/// The Graph API version of AWS's own SendWhatsAppMessage examples.
pub const DEFAULT_META_API_VERSION: &str = "v20.0";
pub const DEFAULT_WHATSAPP_TEMPLATE_PREFIX: &str = "booxi_";
/// Where Booxi's tracking pages live (`https://book.booxi.com/tracking/<code>`).
pub const DEFAULT_WHATSAPP_LINK_BASE: &str = "https://book.booxi.com/";
/// Meta's code for each of our languages: the six of Booxi's booking widget.
pub const DEFAULT_WHATSAPP_LANGUAGES: [(&str, &str); 6] = [
    ("deu", "de"),
    ("eng", "en"),
    ("fre", "fr"),
    ("nld", "nl"),
    ("por", "pt_BR"),
    ("spa", "es"),
];

impl WhatsApp {
    /// WhatsApp from `phone_number_id`, every other setting at its default.
    pub fn new(phone_number_id: impl Into<String>) -> Self {
        Self {
            phone_number_id: phone_number_id.into(),
            kinds: DEFAULT_WHATSAPP_KINDS.into_iter().collect(),
            instead_of_sms: true,
            meta_api_version: DEFAULT_META_API_VERSION.to_owned(),
            languages: DEFAULT_WHATSAPP_LANGUAGES
                .iter()
                .map(|(ours, meta)| ((*ours).to_owned(), (*meta).to_owned()))
                .collect(),
            template_prefix: DEFAULT_WHATSAPP_TEMPLATE_PREFIX.to_owned(),
            link_base: Url::parse(DEFAULT_WHATSAPP_LINK_BASE).unwrap_or_else(|_| unreachable!()),
        }
    }

    /// Meta's code of one of our languages (`eng` → `en`).
    pub fn language_code(&self, ours: &str) -> Option<&str> {
        self.languages.get(ours).map(String::as_str)
    }

    /// Whether `kind` goes by WhatsApp.
    pub fn sends(&self, kind: Kind) -> bool {
        self.kinds.contains(&kind)
    }

    /// The id in the phone number's ARN: the API's id without `phone-number-id-`.
    pub fn arn_id(&self) -> &str {
        self.phone_number_id
            .strip_prefix("phone-number-id-")
            .unwrap_or(&self.phone_number_id)
    }
}

/// `[events_out]`: booking events out to an EventBridge bus
/// ([`crate::domain::events_out`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventsOut {
    /// The bus, by name or ARN (`bus`, `BOOXI_EVENT_BUS`).
    pub bus: String,
    /// Whether the detail carries the client's email address and mobile number
    /// (`contact_data`, `BOOXI_EVENTS_CONTACT_DATA`; default `true`).
    pub contact_data: bool,
}

/// Brand settings for rendered messages (`[brand]` in the file). Every value is optional;
/// without them messages carry the store's name from the payload and a neutral look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brand {
    /// Name shown in the header, the sign-off and the sender's display name, instead
    /// of the merchant's name from the payload.
    pub store_name: Option<String>,
    /// Logo shown in the header of emails (http or https).
    pub logo_url: Option<Url>,
    /// Colour of buttons and of the header rule, `#rgb` or `#rrggbb`.
    pub accent_color: String,
    /// Where replies to emails go.
    pub reply_to: Option<EmailAddress>,
    /// A line of text at the bottom of every email.
    pub footer_text: Option<String>,
    /// Without `reply_to`, replies go to the store's own address (`merchant.email`).
    pub reply_to_store: bool,
    /// The unsubscribe page of promotional messages (the recall): linked in the email
    /// and sent as `List-Unsubscribe` (with one-click `List-Unsubscribe-Post` when
    /// https). `{email}` in it becomes the recipient's address. Without it, a `mailto:`
    /// to the store asks to unsubscribe.
    pub unsubscribe_url: Option<Url>,
    /// Where staff messages' "Open Booxi" button leads (the back office).
    pub staff_url: Url,
    /// The review page the `review_request` flow links to (`[brand] review_url`).
    pub review_url: Option<Url>,
}

pub const DEFAULT_ACCENT_COLOR: &str = "#1d4ed8";
pub const DEFAULT_TIME_ZONE: &str = "America/Toronto";
/// Far above a real group booking, far below what a 256 KB body can list.
pub const DEFAULT_MAX_RECIPIENTS_PER_EVENT: usize = 200;
/// As many schedule changes as recipients: one flow on one channel for a full group, or
/// all flows and channels for a smaller one.
pub const DEFAULT_MAX_SCHEDULES_PER_EVENT: usize = 200;

impl Default for Brand {
    fn default() -> Self {
        Self {
            store_name: None,
            logo_url: None,
            accent_color: DEFAULT_ACCENT_COLOR.to_owned(),
            reply_to: None,
            footer_text: None,
            reply_to_store: true,
            unsubscribe_url: None,
            staff_url: Url::parse(DEFAULT_STAFF_URL).unwrap_or_else(|_| unreachable!()),
            review_url: None,
        }
    }
}

pub const DEFAULT_STAFF_URL: &str = "https://www.booxi.com/";

impl Default for Config {
    fn default() -> Self {
        Self {
            enabled_kinds: Kind::CLIENT.into_iter().collect(),
            sms_kinds: [
                Kind::Confirmation,
                Kind::Changed,
                Kind::CanceledByStore,
                Kind::Reminder,
            ]
            .into_iter()
            .collect(),
            staff_kinds: Kind::STAFF.into_iter().collect(),
            staff_fallback_email: None,
            default_country: Country::parse(DEFAULT_COUNTRY).unwrap_or_else(|| unreachable!()),
            brand: Brand::default(),
            templates_dir: None,
            default_time_zone: TimeZone::get(DEFAULT_TIME_ZONE).unwrap_or(TimeZone::UTC),
            max_recipients_per_event: DEFAULT_MAX_RECIPIENTS_PER_EVENT,
            event_aliases: BTreeMap::new(),
            flows: Vec::new(),
            max_schedules_per_event: DEFAULT_MAX_SCHEDULES_PER_EVENT,
            merchant_id: None,
            events_out: None,
            sms_fallback_email: true,
            suppression_days: Default::default(),
            whatsapp: None,
            sms: Default::default(),
        }
    }
}

pub const DEFAULT_COUNTRY: &str = "CA";

impl Config {
    /// Whether quiet hours may hold an event's SMS back (`[sms] quiet_hours` set, and a
    /// kind of `quiet_kinds` enabled and sent by SMS): their schedules need a scheduler.
    pub fn defers_sms(&self) -> bool {
        self.sms.quiet_hours.is_some()
            && self
                .sms
                .quiet_kinds
                .iter()
                .any(|k| self.sms_kinds.contains(k) && self.enabled_kinds.contains(k))
    }

    /// Whether anything is scheduled: `[[flows]]`, or SMS held back by quiet hours.
    pub fn needs_scheduler(&self) -> bool {
        !self.flows.is_empty() || self.defers_sms()
    }
}

/// `#rgb` or `#rrggbb`: the only colours that can go into a style attribute as they are.
pub fn is_hex_colour(text: &str) -> bool {
    text.strip_prefix('#')
        .is_some_and(|hex| matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit()))
}

impl Event {
    /// Reads a raw Booxi body as [`Event::parse`] does, then maps the event type through
    /// the configured aliases (`[event_aliases]`).
    pub fn read(body: &[u8], config: &Config) -> Result<Self, ParseError> {
        let mut event = Self::parse(body, config.default_country)?;
        event.apply_aliases(&config.event_aliases);
        Ok(event)
    }
}
