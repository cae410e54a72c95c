//! Scheduled messages (`[[flows]]`): what a flow is and when its message goes. The file's
//! `[[flows]]` are read into these in [`crate::settings::flows`].

use std::collections::BTreeSet;

use jiff::SignedDuration;

use crate::domain::notification::{Channel, FlowName};

/// When a flow's message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// This long before the booking's start (`before_start`).
    BeforeStart(SignedDuration),
    /// This long after the event that completed the booking (`after_completed`).
    AfterCompleted(SignedDuration),
}

impl Timing {
    pub fn key(self) -> &'static str {
        match self {
            Timing::BeforeStart(_) => "before_start",
            Timing::AfterCompleted(_) => "after_completed",
        }
    }

    pub fn offset(self) -> SignedDuration {
        match self {
            Timing::BeforeStart(d) | Timing::AfterCompleted(d) => d,
        }
    }
}

/// One scheduled message of the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    /// Its template name too: `<lang>/<name>.email.html`, `<lang>/<name>.sms.txt`.
    pub name: FlowName,
    pub timing: Timing,
    /// `email` and/or `sms` (default: email).
    pub channels: BTreeSet<Channel>,
}

/// The built-in flows: templates for these ship in the six client languages.
pub const BUILT_IN: [&str; 4] = ["pre_visit", "starting_soon", "thank_you", "review_request"];

/// The longest offset accepted: a year (EventBridge one-time schedules go further, a
/// merchant's bookings rarely do; a typo such as `240d` for `24h` is more likely).
pub const MAX_OFFSET: SignedDuration = SignedDuration::from_hours(366 * 24);
