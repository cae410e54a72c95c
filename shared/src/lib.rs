//! booxi-notify: Booxi webhook events in, client and staff notifications out.
//!
//! The folders are the layers, and imports point one way: doors → core → domain;
//! adapters implement the core's ports; settings are read by the doors and the wiring.
//!
//! - [`domain`]: Booxi's body read into our types, contacts, the rules, notifications and
//!   flow timing. Pure: no async, no AWS, no clock, no environment.
//! - [`render`]: notifications into email (HTML, text, calendar invite, MIME) and SMS.
//!   Pure as well.
//! - [`core`]: the work of one event, transport-free — claim → plan → compose → send →
//!   record, a typed summary out — and the ports it works through (idempotency store,
//!   courier, composer, queue, scheduler, booking states).
//! - [`doors`]: how work comes in. HTTP (Booxi's webhook, through API Gateway or
//!   `booxi-notify serve`), the queue drain (SQS), the schedule fire (EventBridge
//!   Scheduler); [`doors::door_of`] tells them apart.
//! - [`adapters`]: the ports' implementations: AWS (feature `aws`), and the local twins
//!   (memory, outbox files) that `serve`, `send` and the Lambda's local mode wire.
//! - [`settings`]: the configuration file and environment variables, read once at start.

#[cfg_attr(not(feature = "aws"), allow(unused))]
pub mod adapters;
pub mod core;
pub mod domain;
pub mod doors;
pub mod render;
pub mod settings;

pub use core::{plan, plan_as_sent};
pub use domain::config::Config;
pub use domain::event::{Event, ParseError};
pub use domain::notification::{Kind, Notification, Plan};
