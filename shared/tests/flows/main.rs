//! Scheduled messages (`[[flows]]`): one test per row of the flows table of
//! `docs/rules.md`, the recipients and consent rules, the configuration's checks, and the
//! schedule door (fire once, stale fires) on the in-memory adapters.
//!
//! Where a case lives:
//! - `table`: the flows table's rows (`row_before_start_…`, `row_after_completed_…`),
//!   times read in the store's time zone.
//! - `recipients`: client communication, addresses and consent; the recipient limit; events
//!   that name no booking; no flows.
//! - `configuration`: `[[flows]]` read and its mistakes named; quiet hours moving a flow's
//!   SMS and its event.
//! - `door`: the schedule door on the in-memory adapters, a module per topic (fires, a
//!   booking's shapes, its state, late fires, bounded work, quiet hours, WhatsApp).
//! - `templates`: the built-in flows' templates in every language, custom flows' templates.
//!
//! The flows and helpers every module uses are below.

mod configuration;
mod door;
mod recipients;
mod table;
mod templates;

#[path = "../support/mod.rs"]
mod support;

use booxi_notify::Config;
use booxi_notify::domain::notification::{ScheduleChange, utc_seconds};
use booxi_notify::domain::rules::plan_at;
use serde_json::json;
use support::event;

const FLOWS: &str = r#"
[[flows]]
name = "pre_visit"
before_start = "24h"
channels = ["email", "sms"]

[[flows]]
name = "thank_you"
after_completed = "PT2H"
channels = ["email"]
"#;

fn config() -> Config {
    Config::from_toml(FLOWS).unwrap()
}

/// The event is dated (createdOn) three days before the booking's start.
fn dated(body: support::Body, created: &str) -> support::Body {
    let mut body = body;
    body.0["createdOn"] = json!(created);
    body
}

const CREATED: &str = "2026-11-30T12:00:00Z";

/// `upsert kind/audience/channel at` or `delete kind/audience/channel`, in plan order.
fn changes(body: &support::Body) -> Vec<String> {
    let now = "2026-11-30T13:00:00Z".parse().unwrap();
    plan_at(&body.parse(), &config(), now)
        .schedules
        .iter()
        .map(|c| match c {
            ScheduleChange::Upsert(s) => format!(
                "upsert {}/{}/{} {}",
                s.notification.kind,
                booxi_notify::domain::notification::audience_name(s.notification.audience),
                booxi_notify::domain::notification::channel_name(s.notification.channel),
                utc_seconds(s.at)
            ),
            ScheduleChange::Publish(p) => {
                format!("publish {} {}", p.kind, utc_seconds(p.at))
            }
            ScheduleChange::Delete(d) => format!(
                "delete {}/{}/{}",
                d.kind,
                d.audience
                    .map_or("booking", booxi_notify::domain::notification::audience_name),
                d.channel.name()
            ),
        })
        .collect()
}

fn explain(body: &support::Body) -> String {
    let now = "2026-11-30T13:00:00Z".parse().unwrap();
    plan_at(&body.parse(), &config(), now).explain()
}

const PRE_VISIT_AT: &str = "2026-12-02T15:00:00Z";

fn pre_visit_upserts(at: &str) -> Vec<String> {
    vec![
        format!("upsert pre_visit/client/email {at}"),
        format!("upsert pre_visit/client/sms {at}"),
    ]
}
