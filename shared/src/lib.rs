//! booxi-notify: Booxi webhook events in, client and staff notifications out.
//!
//! The pure pipeline, in the order a webhook call goes through it:
//! - [`input`]: the body of an HTTP request or of an API Gateway event;
//! - [`event`]: Booxi's JSON (read through [`booxi`]) normalised into our types,
//!   contact data parsed at the edge ([`contact`]);
//! - [`rules`]: which [`notification`]s the event calls for, under a [`config::Config`].
//!
//! Where HTTP ends and the core begins:
//! - [`doors`]: which door an invocation comes through (HTTP, schedule, queue);
//! - [`edge`]: the HTTP door (method, size, secret, status codes), shared by the Lambda
//!   and `booxi-notify serve`;
//! - [`process`]: the core, transport-free: claim → plan → compose → send → record, a typed
//!   [`outcome::Summary`] out;
//! - [`settings`]: what the doors and delivery read from the environment.

pub mod auth;
#[cfg(feature = "aws")]
pub mod aws;
pub mod booxi;
pub mod compose;
pub mod config;
pub mod contact;
pub mod delivery;
pub mod doors;
pub mod edge;
pub mod event;
pub mod ids;
pub mod input;
pub mod local;
pub mod metrics;
pub mod notification;
pub mod outbox;
pub mod outcome;
pub mod preview;
pub mod process;
pub mod render;
pub mod rules;
pub mod settings;
pub mod store;
pub mod text;

pub use config::Config;
pub use event::{Event, ParseError};
pub use notification::{Kind, Notification, Plan};
pub use rules::plan;
