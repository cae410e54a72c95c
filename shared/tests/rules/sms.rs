//! `[sms]`: allowed countries, quiet hours (at the window's edges and across
//! daylight-saving changes), senders per country, the daily cap on the in-memory store.

use super::*;

/// SMS for the reminder, the recall and the confirmation; quiet hours 21:00-08:00.
fn quiet(extra: &str) -> Config {
    Config::from_toml(&format!(
        "sms_kinds = [\"confirmation\", \"reminder\", \"recall\"]\n[sms]\nquiet_hours = \"21:00-08:00\"\n{extra}"
    ))
    .unwrap()
}

/// The event as if processed when Booxi sent it (`createdOn`): what `plan` shows.
fn sent_at(body: support::Body, created: &str, config: &Config) -> booxi_notify::Plan {
    let mut body = body;
    body.0["createdOn"] = json!(created);
    booxi_notify::plan_as_sent(&body.parse(), config)
}

/// `kind/audience/channel at` of each SMS held back.
fn held(plan: &booxi_notify::Plan) -> Vec<String> {
    plan.deferred
        .iter()
        .map(|s| {
            let v = serde_json::to_value(&s.notification).unwrap();
            format!(
                "{}/{}/{} {}",
                v["kind"].as_str().unwrap(),
                v["audience"].as_str().unwrap(),
                v["channel"].as_str().unwrap(),
                booxi_notify::domain::notification::utc_seconds(s.at)
            )
        })
        .collect()
}

#[test]
fn sms_allowed_countries() {
    // By default: the store's country (CA here) and default_country (CA).
    let french = event("appointment.created").set(
        "booking.client.mobilePhoneNumber",
        json!("+33 6 12 34 56 78"),
    );
    let plan = french.plan();
    assert!(!summary(&plan).contains(&"confirmation/client/sms".to_owned()));
    assert!(summary(&plan).contains(&"confirmation/client/email".to_owned()));
    assert!(
        skip_reasons(&plan).contains(
            &"confirmation: SMS to FR numbers is not allowed (allowed: CA, the store's country \
              and default_country; [sms] countries lists others)"
                .to_owned()
        ),
        "{:?}",
        skip_reasons(&plan)
    );
    assert_eq!(plan.sms_country_blocked, 1);
    // A French store texts French numbers, and default_country's.
    let in_paris = french.set("merchant.address.country", json!("FR")).plan();
    assert!(summary(&in_paris).contains(&"confirmation/client/sms".to_owned()));
    assert_eq!(in_paris.sms_country_blocked, 0);

    // The configured list replaces the default.
    let config = Config::from_toml("[sms]\ncountries = [\"FR\", \"US\"]").unwrap();
    let canadian = event("appointment.created").plan_with(&config);
    assert!(!summary(&canadian).contains(&"confirmation/client/sms".to_owned()));
    assert!(
        skip_reasons(&canadian).contains(
            &"confirmation: SMS to CA numbers is not allowed (allowed: FR, US, [sms] countries)"
                .to_owned()
        )
    );
    let american = event("appointment.created")
        .set("booking.client.mobilePhoneNumber", json!("+1 212 555 0123"))
        .plan_with(&config);
    assert!(summary(&american).contains(&"confirmation/client/sms".to_owned()));

    // A number of no country (international freephone): never.
    let freephone = event("appointment.created")
        .set("booking.client.mobilePhoneNumber", json!("+800 1234 5678"))
        .plan();
    assert!(!summary(&freephone).iter().any(|s| s.ends_with("/sms")));
    assert!(
        skip_reasons(&freephone).iter().any(|r| r.starts_with(
            "confirmation: the number belongs to no country (a non-geographic number): SMS is not allowed"
        )),
        "{:?}",
        skip_reasons(&freephone)
    );
    // Reasons carry no number.
    assert!(skip_reasons(&plan).iter().all(|r| !r.contains("612345678")));

    // A message that was to go by SMS only goes by email instead (the fallback).
    let reminder = event("appointment.remind")
        .set("booking.client.remindByEmail", json!(false))
        .set(
            "booking.client.mobilePhoneNumber",
            json!("+33 6 12 34 56 78"),
        )
        .plan();
    assert_eq!(summary(&reminder), ["reminder/client/email"]);
    assert_eq!(
        line(&reminder, "reminder", "client", "email")["fallback_for"],
        "sms"
    );
    let no_fallback = Config::from_toml("sms_fallback_email = false").unwrap();
    let reminder = event("appointment.remind")
        .set("booking.client.remindByEmail", json!(false))
        .set(
            "booking.client.mobilePhoneNumber",
            json!("+33 6 12 34 56 78"),
        )
        .plan_with(&no_fallback);
    assert!(reminder.notifications.is_empty());
}

#[test]
fn sms_quiet_hours_hold_back_quiet_kinds() {
    let config = quiet("");
    // A recall planned at 23:30 store time (Toronto, EST) goes at 08:00: 13:00 UTC.
    let recall = sent_at(
        event("appointment.recall"),
        "2026-12-03T23:30:00-05:00",
        &config,
    );
    assert_eq!(held(&recall), ["recall/client/sms 2026-12-04T13:00:00Z"]);
    // Its email goes at once: an email wakes no one.
    assert_eq!(summary(&recall), ["recall/client/email"]);
    assert!(
        recall.explain().contains(
            "  deferred  recall to client by sms until 2026-12-04T13:00:00Z: \
             2026-12-04T04:30:00Z is inside the quiet hours (21:00-08:00, America/Toronto)\n"
        ),
        "{}",
        recall.explain()
    );
    // A reminder at 22:00 for a booking tomorrow afternoon waits too.
    let reminder = sent_at(
        event("appointment.remind").set("booking.startsOn", json!("2026-12-04T19:00:00Z")),
        "2026-12-03T22:00:00-05:00",
        &config,
    );
    assert_eq!(
        held(&reminder),
        ["reminder/client/sms 2026-12-04T13:00:00Z"]
    );
    assert_eq!(summary(&reminder), ["reminder/client/email"]);
    // At 10:00 nothing waits; without quiet_hours nothing ever does.
    let day = sent_at(
        event("appointment.recall"),
        "2026-12-04T10:00:00-05:00",
        &config,
    );
    assert!(held(&day).is_empty());
    assert_eq!(summary(&day), ["recall/client/email", "recall/client/sms"]);
    let off = Config::from_toml("sms_kinds = [\"recall\"]").unwrap();
    let night = sent_at(
        event("appointment.recall"),
        "2026-12-03T23:30:00-05:00",
        &off,
    );
    assert!(held(&night).is_empty());
    // The kinds held back are configurable.
    let only_recall = quiet("quiet_kinds = [\"recall\"]");
    let reminder = sent_at(
        event("appointment.remind").set("booking.startsOn", json!("2026-12-04T19:00:00Z")),
        "2026-12-03T22:00:00-05:00",
        &only_recall,
    );
    assert!(held(&reminder).is_empty());
    assert_eq!(
        summary(&reminder),
        ["reminder/client/email", "reminder/client/sms"]
    );
}

#[test]
fn sms_quiet_hours_exempt_other_kinds() {
    let config = quiet("");
    let created = sent_at(
        event("appointment.created"),
        "2026-12-03T23:30:00-05:00",
        &config,
    );
    assert!(held(&created).is_empty());
    assert!(summary(&created).contains(&"confirmation/client/sms".to_owned()));
    // Unless listed.
    let listed = quiet("quiet_kinds = [\"confirmation\"]");
    let created = sent_at(
        event("appointment.created"),
        "2026-12-02T23:30:00-05:00",
        &listed,
    );
    assert_eq!(
        held(&created),
        ["confirmation/client/sms 2026-12-03T13:00:00Z"]
    );
}

#[test]
fn sms_quiet_hours_too_late_for_the_visit() {
    let config = quiet("");
    // A reminder at 23:30 for a visit at 07:30: the window ends at 08:00, after it.
    let early = event("appointment.remind").set("booking.startsOn", json!("2026-12-04T12:30:00Z"));
    let plan = sent_at(early, "2026-12-03T23:30:00-05:00", &config);
    assert!(held(&plan).is_empty());
    assert_eq!(summary(&plan), ["reminder/client/email"]);
    assert!(
        skip_reasons(&plan).contains(
            &"reminder: quiet hours (21:00-08:00, America/Toronto) end at 2026-12-04T13:00:00Z, \
              at or after the booking's start 2026-12-04T12:30:00Z: too late to matter"
                .to_owned()
        ),
        "{:?}",
        skip_reasons(&plan)
    );
    // Exactly at the end is too late as well; a minute later is not.
    let at_eight =
        event("appointment.remind").set("booking.startsOn", json!("2026-12-04T13:00:00Z"));
    assert!(held(&sent_at(at_eight, "2026-12-03T23:30:00-05:00", &config)).is_empty());
    let after = event("appointment.remind").set("booking.startsOn", json!("2026-12-04T13:01:00Z"));
    assert_eq!(
        held(&sent_at(after, "2026-12-03T23:30:00-05:00", &config)),
        ["reminder/client/sms 2026-12-04T13:00:00Z"]
    );
    // A recall is not about the visit ahead: it waits whatever its booking's time.
    let recall = event("appointment.recall").set("booking.startsOn", json!("2026-12-04T12:30:00Z"));
    assert_eq!(
        held(&sent_at(recall, "2026-12-03T23:30:00-05:00", &config)),
        ["recall/client/sms 2026-12-04T13:00:00Z"]
    );
}

#[test]
fn sms_quiet_hours_window_edges() {
    use booxi_notify::domain::sms::QuietHours;
    let config = quiet("");
    let recall_at = |created: &str| held(&sent_at(event("appointment.recall"), created, &config));
    // 21:00:00 and 07:59:59 are inside, 20:59:59 and 08:00:00 outside (EST, -05:00).
    assert_eq!(
        recall_at("2026-12-03T21:00:00-05:00"),
        ["recall/client/sms 2026-12-04T13:00:00Z"]
    );
    assert_eq!(
        recall_at("2026-12-04T07:59:59-05:00"),
        ["recall/client/sms 2026-12-04T13:00:00Z"]
    );
    assert!(recall_at("2026-12-03T20:59:59-05:00").is_empty());
    assert!(recall_at("2026-12-04T08:00:00-05:00").is_empty());
    // The night the clocks go forward (8 March 2026 in Toronto): 08:00 is daylight time.
    assert_eq!(
        recall_at("2026-03-07T23:30:00-05:00"),
        ["recall/client/sms 2026-03-08T12:00:00Z"]
    );
    // The night they go back (1 November 2026): 08:00 is standard time again.
    assert_eq!(
        recall_at("2026-10-31T23:30:00-04:00"),
        ["recall/client/sms 2026-11-01T13:00:00Z"]
    );
    // The store's zone: a Paris store's 23:30 waits for 08:00 in Paris.
    let paris = event("appointment.recall").set("merchant.timeZone", json!("Europe/Paris"));
    assert_eq!(
        held(&sent_at(paris, "2026-12-03T23:30:00+01:00", &config)),
        ["recall/client/sms 2026-12-04T07:00:00Z"]
    );

    let toronto = jiff::tz::TimeZone::get("America/Toronto").unwrap();
    let end = |window: &str, at: &str| {
        QuietHours::parse(window)
            .unwrap()
            .end_after(at.parse().unwrap(), &toronto)
            .map(|t| t.to_string())
    };
    // Within a day.
    assert_eq!(
        end("12:00-14:00", "2026-12-03T17:30:00Z").as_deref(),
        Some("2026-12-03T19:00:00Z")
    );
    assert_eq!(end("12:00-14:00", "2026-12-03T19:00:00Z"), None);
    // An end the clocks skip (02:30 on 8 March) is read as the time after the gap.
    assert_eq!(
        end("00:30-02:30", "2026-03-08T06:00:00Z").as_deref(),
        Some("2026-03-08T07:30:00Z")
    );
    // An end the clocks read twice (01:30 on 1 November): the first one after the time.
    assert_eq!(
        end("00:30-01:30", "2026-11-01T05:15:00Z").as_deref(),
        Some("2026-11-01T05:30:00Z")
    );
    assert_eq!(
        end("00:30-01:30", "2026-11-01T06:15:00Z").as_deref(),
        Some("2026-11-01T06:30:00Z")
    );
}

#[test]
fn sms_sender_per_country() {
    use booxi_notify::domain::contact::{Country, PhoneNumber};
    let config = Config::from_toml(
        r#"
[sms]
countries = ["CA", "US", "FR", "GB"]
sender_id = "Atelier"
origination_number = "+15145550100"

[sms.senders.CA]
origination_number = "+14165550100"

[sms.senders.FR]
sender_id = "ACMEOPTICS"
"#,
    )
    .unwrap();
    let number = |raw: &str| PhoneNumber::parse(raw, Country::parse("CA").unwrap()).unwrap();
    let sender = |raw: &str| {
        let s = config.sms.sender_for(&number(raw));
        (
            s.sender_id.map(|id| id.as_str().to_owned()),
            s.origination_number,
        )
    };
    // Its own table, exactly: Canada's number, no sender ID.
    assert_eq!(
        sender("+1 514 555 0123"),
        (None, Some("+14165550100".into()))
    );
    // France's sender ID, and no number (its table gives none).
    assert_eq!(
        sender("+33 6 12 34 56 78"),
        (Some("ACMEOPTICS".into()), None)
    );
    // No table: the default, without its sender ID where none is supported.
    assert_eq!(
        sender("+1 212 555 0123"),
        (None, Some("+15145550100".into()))
    );
    assert_eq!(
        sender("+44 7911 123456"),
        (Some("Atelier".into()), Some("+15145550100".into()))
    );
}

#[tokio::test]
async fn sms_daily_cap() {
    use booxi_notify::adapters::memory::MemoryStore;
    use booxi_notify::core::compose::RenderComposer;
    use booxi_notify::core::delivery::{Content, Courier, DeliverySettings, Outgoing, SendError};
    use booxi_notify::core::outcome::Status;
    use booxi_notify::core::process::Core;
    use booxi_notify::domain::contact::EmailAddress;
    use booxi_notify::render::{RenderConfig, Renderer};
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// Records the SMS that go; refuses them while `refuse` is set (nothing goes), times
    /// out while `time_out` is set (it may have gone).
    #[derive(Default)]
    struct Texts {
        sent: Mutex<Vec<String>>,
        refuse: AtomicBool,
        time_out: AtomicBool,
    }
    impl Courier for Texts {
        async fn send(&self, m: &Outgoing) -> Result<String, SendError> {
            if let Content::Sms(s) = &m.content {
                if self.refuse.load(Ordering::SeqCst) {
                    return Err(SendError::permanent("SNS Publish: AuthorizationError"));
                }
                if self.time_out.load(Ordering::SeqCst) {
                    return Err(SendError::retryable("timeout"));
                }
                self.sent.lock().unwrap().push(s.to.to_string());
            }
            Ok("id".into())
        }
    }
    let config = Config::from_toml("[sms]\nmax_per_day = 2").unwrap();
    let core = Core {
        store: MemoryStore::new(),
        courier: Texts::default(),
        composer: RenderComposer {
            renderer: Renderer::new(&RenderConfig::from(&config)).unwrap(),
            from: EmailAddress::parse("notify@example.com").unwrap(),
            reply_to: None,
        },
        config,
        delivery: DeliverySettings {
            retry: booxi_notify::core::delivery::RetryPolicy {
                max_attempts: 1,
                ..Default::default()
            },
            ..DeliverySettings::default()
        },
        emit_metrics: false,
        flows: None,
        queue: None,
        events_out: None,
    };
    let booking = |id: &str| {
        let mut body = event("appointment.created");
        body.0["eventId"] = json!(id);
        body.parse()
    };
    let sms_status = |summary: &booxi_notify::core::outcome::Summary| {
        summary
            .messages
            .iter()
            .find(|m| m.channel == Some(booxi_notify::domain::notification::Channel::Sms))
            .map(|m| (m.status(), m.reason().unwrap_or("").to_owned()))
            .unwrap()
    };
    // A send refused with the provider's answer sent nothing: given back.
    core.courier.refuse.store(true, Ordering::SeqCst);
    let refused = core.process(&booking("e0"), None).await.unwrap();
    assert_eq!(sms_status(&refused).0, Status::Failed);
    core.courier.refuse.store(false, Ordering::SeqCst);
    // Two SMS go; the same event again counts nothing more (sent before).
    for id in ["e1", "e2", "e1"] {
        let summary = core.process(&booking(id), None).await.unwrap();
        assert_ne!(sms_status(&summary).0, Status::Skipped, "{id}: {summary:?}");
    }
    // The third is over the cap: skipped with the reason, its email still goes.
    let third = core.process(&booking("e3"), None).await.unwrap();
    let (status, reason) = sms_status(&third);
    assert_eq!(status, Status::Skipped);
    assert!(
        reason.starts_with("over the daily SMS cap: 2 SMS already counted for this merchant on 20"),
        "{reason}"
    );
    assert!(third.messages.iter().any(|m| m.channel
        == Some(booxi_notify::domain::notification::Channel::Email)
        && m.status() == Status::Sent));
    assert_eq!(core.courier.sent.lock().unwrap().len(), 2);
    // A reminder that was to go by SMS only goes by email over the cap (the fallback).
    let mut reminder =
        event("appointment.remind").set("booking.client.remindByEmail", json!(false));
    reminder.0["eventId"] = json!("r1");
    let summary = core.process(&reminder.parse(), None).await.unwrap();
    let statuses: Vec<(String, String, Option<&str>)> = summary
        .messages
        .iter()
        .map(|m| {
            (
                format!("{:?}", m.channel),
                format!("{:?}", m.status()),
                m.fallback_for
                    .map(booxi_notify::domain::notification::channel_name),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("Some(Sms)".into(), "Skipped".into(), None),
            ("Some(Email)".into(), "Sent".into(), Some("sms")),
            // The plan's own word on the email: no email reminders asked for.
            ("Some(Email)".into(), "Skipped".into(), None)
        ],
        "{summary:?}"
    );
    // Another merchant has its own counter.
    let mut other = event("appointment.created");
    other.0["eventId"] = json!("e4");
    let other = other.set("merchant.id", json!(6)).parse();
    let summary = core.process(&other, None).await.unwrap();
    assert_eq!(sms_status(&summary).0, Status::Sent);
    // A send that may have gone (a timeout) stays counted, and its retry (Booxi's, after
    // the 503) finds it counted rather than over the cap: merchant 6 has counted e4 and
    // e5, so e6 is over.
    core.courier.time_out.store(true, Ordering::SeqCst);
    let mut timed_out = event("appointment.created");
    timed_out.0["eventId"] = json!("e5");
    let timed_out = timed_out.set("merchant.id", json!(6)).parse();
    let first = core.process(&timed_out, None).await.unwrap();
    assert_eq!(sms_status(&first).0, Status::Failed);
    core.courier.time_out.store(false, Ordering::SeqCst);
    let retry = core.process(&timed_out, None).await.unwrap();
    assert_eq!(sms_status(&retry).0, Status::Sent, "{retry:?}");
    let mut last = event("appointment.created");
    last.0["eventId"] = json!("e6");
    let last = last.set("merchant.id", json!(6)).parse();
    assert_eq!(
        sms_status(&core.process(&last, None).await.unwrap()).0,
        Status::Skipped
    );
    assert_eq!(core.courier.sent.lock().unwrap().len(), 4);
}
