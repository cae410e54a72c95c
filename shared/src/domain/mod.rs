//! The domain: what Booxi sends, read into our own types, and the rules that turn an event
//! into notifications. Pure functions of their input: nothing here is async, talks to
//! AWS, reads the clock or the environment (a check in `scripts/check-layers.py` keeps
//! it so).
//!
//! - [`booxi`]: Booxi's spellings, read tolerantly;
//! - [`event`]: the normalising step into [`event::Event`];
//! - [`contact`]: `EmailAddress`, `PhoneNumber` (E.164), `Language`, `Country`;
//! - [`rules`]: the rules tables and the planner; [`notification`]: what they plan;
//! - [`booking`]: which booking an event is about; [`flows`]: what a scheduled message is;
//! - [`events_out`]: the booking event published for each Booxi event (detail-type, detail);
//! - [`feedback`]: what providers say after the send (SES events, SMS delivery records),
//!   a message's status and its stages, suppression causes, masked addresses;
//! - [`ids`], [`text`]: ids bounded for keys and file names, one-line text and web links;
//! - [`json`]: JSON read tolerantly (a cut emoji, a number out of range);
//! - [`time`]: times as Booxi writes them (without an offset: the store's wall clock);
//! - [`sms`]: SMS sent with care: quiet hours, allowed countries, senders, the daily cap.

pub mod booking;
pub mod booxi;
pub mod config;
pub mod contact;
pub mod event;
pub mod events_out;
pub mod feedback;
pub mod flows;
pub mod ids;
pub mod json;
pub mod notification;
pub mod phone_metadata;
pub mod rules;
pub mod sms;
pub mod text;
pub mod time;
