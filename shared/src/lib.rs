//! booxi-notify: Booxi webhook events in, client and staff notifications out.
//!
//! The pure pipeline, in the order a webhook call goes through it:
//! - [`input`]: the body of an HTTP request or of an API Gateway event;
//! - [`event`]: Booxi's JSON (read through [`booxi`]) normalised into our types,
//!   contact data parsed at the edge ([`contact`]);
//! - [`rules`]: which [`notification`]s the event calls for, under a [`config::Config`].

pub mod booxi;
pub mod config;
pub mod contact;
pub mod event;
pub mod input;
pub mod notification;
pub mod rules;

pub use config::Config;
pub use event::{Event, ParseError};
pub use notification::{Kind, Notification, Plan};
pub use rules::plan;
