//! The core: one event's work, with no HTTP and no Lambda types — claim → plan →
//! compose → send → record ([`process`]), a typed [`outcome::Summary`] out — and the
//! ports it works through, each a small trait with an AWS and a local implementation
//! (in [`crate::adapters`]):
//!
//! - [`store`]: the idempotency store (claims and sent-message records);
//! - [`delivery`]: the courier (SES, SNS) and the retry of sends;
//! - [`compose`]: a notification rendered into an outgoing message;
//! - [`feedback`]: what providers say after the send, applied to the messages' records;
//! - [`schedules`]: the flows' scheduler and booking states;
//! - [`deferred`]: SMS held back by quiet hours, scheduled for the end of the window;
//! - [`spend`]: the daily SMS cap, counted in the store;
//! - [`events_out`]: the bus booking events are published to (`[events_out]`).

pub mod compose;
pub mod deferred;
pub mod delivery;
pub mod events_out;
pub mod feedback;
pub mod metrics;
pub mod outcome;
pub mod process;
pub mod queue;
pub mod schedules;
pub mod spend;
pub mod store;

pub use process::{Core, plan, plan_as_sent};
