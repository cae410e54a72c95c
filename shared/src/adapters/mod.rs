//! The adapters: the core's ports implemented against the world. [`aws`] (feature `aws`)
//! for the Lambda; the local twins for `booxi-notify serve`, `send` and the Lambda's
//! local mode: [`outbox`] files instead of SES and SNS, [`simulator`] for what SES and SNS
//! say after the send, and [`local`], which wires them.

#[cfg(feature = "aws")]
pub mod aws;
pub mod local;
pub mod memory;
pub mod outbox;
pub mod simulator;
