//! Property tests of the tolerance rule "never reject a delivery for a field we do not
//! know, never panic": (a) arbitrary JSON, with keys drawn partly from Booxi's field
//! names so the deep paths get read, and (b) random mutations of the sample bodies
//! (`events/*.json` and a few inline ones). Whenever a body parses, the plan must only
//! address valid email addresses and E.164 numbers.
//!
//! Where a case lives:
//! - `arbitrary_json`: the strategies (Booxi's keys and vocabularies, JSON shaped like its
//!   bodies) and the properties over arbitrary JSON.
//! - `samples`: the sample bodies (inline and `events/*.json`) and their checks.
//! - `mutations`: random mutations of the samples (removed, replaced, recased, retyped,
//!   respelled).
//! - `flaws`: flaws put into a body's text (lone surrogate escapes, numbers too large for
//!   a float): read, not refused.
//! - `booking_state`: a booking's state merged with partial, timeless or older updates.
//!
//! The invariants every property checks (`check_plan`, `parse_and_plan`) are below.

mod arbitrary_json;
mod booking_state;
mod flaws;
mod mutations;
mod samples;

use std::path::Path;
use std::sync::LazyLock;

use booxi_notify::domain::contact::{Country, EmailAddress, PhoneNumber};
use booxi_notify::domain::event::ClientCommunication;
use booxi_notify::domain::notification::{Address, Audience, Channel};
use booxi_notify::doors::input::booxi_body;
use booxi_notify::{Config, Event, Plan, plan};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::RngAlgorithm;
use serde_json::{Map, Number, Value, json};

// Used by more than one module: the samples every mutation starts from, and JSON.
use arbitrary_json::json_value;
use samples::SAMPLES;

/// Cases per property: `PROPTEST_CASES` when set (CI runs many more), else 256.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256)
}

fn proptest_config() -> ProptestConfig {
    ProptestConfig {
        cases: cases(),
        // Only the two test files are ours to write: no `proptest-regressions/` files.
        // A failure prints its minimal input, which is what to paste into a test.
        failure_persistence: None,
        // ChaCha, the default, dominates the run time of an unoptimised test build.
        rng_algorithm: RngAlgorithm::XorShift,
        // About one generated payload in ten carries an envelope key and is rejected by
        // the root-envelope property: allow rejects in proportion to the cases.
        max_global_rejects: cases().max(1024),
        ..ProptestConfig::default()
    }
}

fn country() -> Country {
    Config::default().default_country
}

/// E.164: `+`, a first digit that is not 0, at most 15 digits. libphonenumber accepts
/// 7-digit international numbers (Niue `+6834002`, Tokelau `+6903291`), so the lower
/// bound is 7, not 8.
fn is_e164(text: &str) -> bool {
    let Some(digits) = text.strip_prefix('+') else {
        return false;
    };
    (7..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

fn is_valid_email(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
        && !text.contains(['<', '>'])
        && email_address::EmailAddress::is_valid(text)
}

/// What must hold of any plan, whatever the body was.
fn check_plan(event: &Event, plan: &Plan) -> Result<(), TestCaseError> {
    let _ = plan.explain();
    if plan.ignored.is_some() {
        prop_assert!(
            plan.notifications.is_empty(),
            "an ignored event plans nothing"
        );
    }
    let do_not_send = event.client_communication() == ClientCommunication::DoNotSend;
    for n in &plan.notifications {
        let to = n.to.as_str();
        prop_assert!(!to.is_empty(), "empty address in {n:?}");
        prop_assert_eq!(&n.event_id, &event.id);
        prop_assert_eq!(n.channel, n.to.channel());
        match &n.to {
            Address::Email(_) => {
                prop_assert!(is_valid_email(to), "invalid email address {to:?}");
                prop_assert_eq!(
                    EmailAddress::parse(to).ok().map(|a| a.as_str().to_owned()),
                    Some(to.to_owned()),
                    "an address does not read back as itself"
                );
            }
            Address::Phone(_) | Address::Whatsapp(_) => {
                prop_assert!(is_e164(to), "not E.164: {to:?}");
                prop_assert_eq!(
                    PhoneNumber::parse(to, country())
                        .ok()
                        .map(|p| p.as_str().to_owned()),
                    Some(to.to_owned()),
                    "a number does not read back as itself"
                );
            }
        }
        if n.kind.is_staff() {
            prop_assert_eq!(n.audience, Audience::Staff);
            prop_assert_eq!(n.channel, Channel::Email);
        } else {
            prop_assert_ne!(n.audience, Audience::Staff);
            prop_assert_eq!(Some(n.kind), plan.client_kind, "one client kind per event");
            prop_assert!(
                !do_not_send,
                "DoNotSend, yet {:?} to the client side",
                n.kind
            );
        }
    }
    Ok(())
}

/// Parses a body and, when it is an event, plans it and checks the plan. A refused
/// body is fine (a 400); a panic is not.
fn parse_and_plan(bytes: &[u8]) -> Result<(), TestCaseError> {
    match Event::parse(bytes, country()) {
        Err(e) => prop_assert!(!e.to_string().is_empty()),
        Ok(event) => {
            prop_assert!(!event.id.is_empty(), "an event id is never empty");
            check_plan(&event, &plan(&event, &Config::default()))?;
        }
    }
    Ok(())
}
