//! What the webhook does per event on the CPU, without I/O: `Event::parse` of the Booxi
//! body, `booxi_notify::plan`, and `RenderComposer::compose_in` of every planned message
//! in one `EventScope`, as the core composes them
//! (templates, the MIME form of emails, the .ics invitation, SMS text). Authentication,
//! DynamoDB and the sends are I/O and are measured end to end instead.

use std::path::{Path, PathBuf};

use booxi_notify::core::compose::RenderComposer;
use booxi_notify::core::delivery::{Content, MessageMeta, Outgoing};
use booxi_notify::domain::contact::EmailAddress;
use booxi_notify::doors::input;
use booxi_notify::render::{EventScope, RenderConfig, Renderer};
use booxi_notify::{Config, Event, Plan, plan};

/// The sending address the suite's function runs with.
pub const SENDER: &str = "notify@atelier-lumiere.example.com";

/// The sample events the per-event benchmarks use, with the number of messages each
/// plans: the two (three messages, one email) and the other shapes: a base64
/// body with email + SMS, a French client, a cancellation (.ics CANCEL), the largest
/// body (a group with attendees) and an event that plans nothing.
pub const SCENARIOS: &[&str] = &[
    "confirmation-created",
    "recall",
    "reminder",
    "french-client",
    "canceled-by-store",
    "group-reservation-attendees",
    "unknown-type",
];

/// The repository's `events/` folder.
pub fn events_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../events")
}

/// The Booxi body of `events/<name>.json` (an API Gateway event, body plain or base64),
/// as the webhook receives it after `lambda_http` decoded the request.
pub fn booxi_body(name: &str) -> Vec<u8> {
    let path = events_dir().join(format!("{name}.json"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    input::booxi_body(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The function's configuration and renderer, built once as at Lambda init.
pub struct Pipeline {
    pub config: Config,
    pub composer: RenderComposer,
}

impl Default for Pipeline {
    fn default() -> Self {
        Self::new()
    }
}

impl Pipeline {
    pub fn new() -> Self {
        let config = Config::default();
        let renderer =
            Renderer::new(&RenderConfig::from(&config)).expect("the built-in templates compile");
        let composer = RenderComposer {
            renderer,
            from: EmailAddress::parse(SENDER).expect("valid sender"),
            reply_to: None,
        };
        Self { config, composer }
    }

    pub fn parse(&self, body: &[u8]) -> Event {
        Event::parse(body, self.config.default_country).expect("a Booxi event")
    }

    pub fn plan(&self, event: &Event) -> Plan {
        plan(event, &self.config)
    }

    /// Every planned message, composed as the webhook does (in one scope per event, with
    /// a fixed date, so that instruction counts do not depend on the clock).
    pub fn render(&self, event: &Event, plan: &Plan) -> Vec<Outgoing> {
        let scope = EventScope::new(event);
        plan.notifications
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let meta = MessageMeta::of(n, i + 1);
                self.composer
                    .compose_in(&scope, n, meta, jiff::Timestamp::UNIX_EPOCH)
                    .expect("renders")
            })
            .collect()
    }

    /// Parse + plan + render: the per-event CPU cost. Returns the bytes produced (email
    /// MIME and SMS text), so that nothing is optimised away.
    pub fn run(&self, body: &[u8]) -> usize {
        let event = self.parse(body);
        let plan = self.plan(&event);
        self.render(&event, &plan).iter().map(size).sum()
    }
}

fn size(message: &Outgoing) -> usize {
    match &message.content {
        Content::Email(email) => email.mime.len() + email.html.len() + email.text.len(),
        Content::Sms(sms) => sms.text.len(),
        Content::WhatsApp(message) => message.text.len(),
    }
}
