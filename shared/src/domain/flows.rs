//! Scheduled messages (`[[flows]]`): what a flow is and when its message goes. The file's
//! `[[flows]]` are read into these in [`crate::settings::flows`].

use std::collections::BTreeSet;

use jiff::SignedDuration;

use crate::domain::notification::{FlowChannel, FlowName};

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
    /// `email` and/or `sms` (default: email), and/or `event`: the flow's event on the
    /// `[events_out]` bus instead of (or besides) a message.
    pub channels: BTreeSet<FlowChannel>,
    /// `late_after`: a fire this long after its time sends nothing; `None`: the default
    /// of its timing ([`Flow::late_after`]).
    pub late_after: Option<SignedDuration>,
}

/// A `before_start` message still goes up to half its offset late (a day-ahead reminder
/// half a day ahead; a 15-minute nudge 7½ minutes late), never at or after the start.
pub const DEFAULT_LATE_FRACTION_BEFORE_START: i32 = 2;
/// An `after_completed` message still goes a day late: a thank-you or a review request
/// reads naturally a day later, not two weeks later (a dead letter redriven).
pub const DEFAULT_LATE_AFTER_COMPLETED: SignedDuration = SignedDuration::from_hours(24);

impl Flow {
    /// How late a fire may come and still send: the configured `late_after`, else half
    /// the offset for `before_start` flows and a day for `after_completed` ones.
    pub fn late_after(&self) -> SignedDuration {
        self.late_after.unwrap_or(match self.timing {
            Timing::BeforeStart(offset) => offset / DEFAULT_LATE_FRACTION_BEFORE_START,
            Timing::AfterCompleted(_) => DEFAULT_LATE_AFTER_COMPLETED,
        })
    }
}

/// The built-in flows: templates for these ship in the six client languages.
pub const BUILT_IN: [&str; 4] = ["pre_visit", "starting_soon", "thank_you", "review_request"];

/// The longest offset accepted: a year (EventBridge one-time schedules go further, a
/// merchant's bookings rarely do; a typo such as `240d` for `24h` is more likely).
pub const MAX_OFFSET: SignedDuration = SignedDuration::from_hours(366 * 24);
