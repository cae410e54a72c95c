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
//! - [`events_out`]: the bus booking events are published to (`[events_out]`).

pub mod compose;
pub mod delivery;
pub mod events_out;
pub mod feedback;
pub mod metrics;
pub mod outcome;
pub mod process;
pub mod queue;
pub mod schedules;
pub mod store;

pub use process::{Core, plan};
