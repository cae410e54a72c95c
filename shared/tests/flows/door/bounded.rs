//! Bounded, recorded work: only failed schedule changes redone, the delivery deadline,
//! `max_schedules_per_event`.

use super::*;

/// A scheduler that fails (temporarily) the upserts of one channel while `failing`
/// is set, hangs while `hanging` is set, and counts the calls made.
#[derive(Default)]
struct Flaky {
    inner: MemoryScheduler,
    failing: Mutex<Option<&'static str>>,
    hanging: AtomicBool,
    calls: Mutex<Vec<String>>,
}

impl booxi_notify::core::schedules::Scheduler for Flaky {
    fn upsert<'a>(
        &'a self,
        schedule: &'a booxi_notify::core::schedules::Schedule,
    ) -> futures_util::future::BoxFuture<'a, Result<(), booxi_notify::core::schedules::ScheduleError>>
    {
        Box::pin(async move {
            self.calls.lock().unwrap().push(schedule.input.clone());
            if self.hanging.load(Ordering::SeqCst) {
                tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            }
            let failing = *self.failing.lock().unwrap();
            if let Some(channel) = failing
                && schedule
                    .input
                    .contains(&format!("\"channel\":\"{channel}\""))
            {
                return Err(booxi_notify::core::schedules::ScheduleError {
                    temporary: true,
                    message: "CreateSchedule: ThrottlingException".into(),
                });
            }
            self.inner.upsert(schedule).await
        })
    }

    fn delete<'a>(
        &'a self,
        name: &'a str,
    ) -> futures_util::future::BoxFuture<'a, Result<(), booxi_notify::core::schedules::ScheduleError>>
    {
        self.inner.delete(name)
    }
}

fn with_flaky(s: &mut Setup) -> Arc<Flaky> {
    let flaky = Arc::new(Flaky::default());
    s.core.flows = Some(Flows {
        scheduler: flaky.clone(),
        states: s.states.clone(),
    });
    flaky
}

/// Each schedule change done is recorded: Booxi's retry of an event whose SMS
/// schedule failed makes that one only.
#[tokio::test]
async fn a_retry_redoes_only_the_schedule_changes_that_failed() {
    let mut s = setup();
    let flaky = with_flaky(&mut s);
    *flaky.failing.lock().unwrap() = Some("sms");
    let created = body("appointment.created", "e1", "2030-06-01T10:00:00Z");
    let first = s.deliver(&created).await;
    assert_eq!(
        first.retry_wanted(),
        Some(booxi_notify::core::delivery::Failure::Temporary)
    );
    let statuses: Vec<(&str, &str)> = first
        .schedules
        .iter()
        .map(|r| (r.channel.name(), r.status))
        .collect();
    assert_eq!(statuses, [("email", "done"), ("sms", "failed")]);
    *flaky.failing.lock().unwrap() = None;
    flaky.calls.lock().unwrap().clear();
    let retry = s.deliver(&created).await;
    assert_eq!(retry.retry_wanted(), None, "{:?}", retry.schedules);
    let calls = flaky.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(calls[0].contains("\"channel\":\"sms\""), "{calls:?}");
    assert_eq!(
        retry.schedules[0].reason.as_deref(),
        Some("done by an earlier delivery of this event")
    );
    assert_eq!(flaky.inner.all().len(), 2);
}

/// Schedule changes stop at the delivery deadline: a Scheduler that does not answer
/// holds the event no longer than its budget, and what was cut off is failed for a
/// temporary reason (Booxi retries).
#[tokio::test]
async fn schedule_changes_end_at_the_delivery_deadline() {
    let mut s = setup();
    s.core.delivery.budget = std::time::Duration::from_millis(700);
    let flaky = with_flaky(&mut s);
    flaky.hanging.store(true, Ordering::SeqCst);
    let started = std::time::Instant::now();
    let summary = s
        .deliver(&body("appointment.created", "e1", "2030-06-01T10:00:00Z"))
        .await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(!summary.schedules.is_empty());
    for r in &summary.schedules {
        assert_eq!(r.status, "failed");
        assert_eq!(
            r.failure,
            Some(booxi_notify::core::delivery::Failure::Temporary)
        );
        let reason = r.reason.as_deref().unwrap();
        assert!(reason.contains("delivery deadline"), "{reason}");
    }
}

/// At most `max_schedules_per_event` changes per event, the client's first.
#[tokio::test]
async fn schedule_changes_per_event_are_capped() {
    let s =
        setup_with(Config::from_toml(&format!("max_schedules_per_event = 3\n{FLOWS}")).unwrap());
    let attendees: Vec<Value> = (0..50)
        .map(|i| json!({"id": i, "email": format!("a{i}@example.com"), "remindByEmail": true}))
        .collect();
    let summary = s
        .deliver(
            &body("appointment.created", "e1", "2030-06-01T10:00:00Z")
                .set("booking.clientCommunication", json!("ClientAndAttendees"))
                .set("booking.attendees", json!(attendees)),
        )
        .await;
    assert_eq!(summary.schedules.len(), 3);
    assert_eq!(s.scheduler.all().len(), 3);
    let inputs = s.inputs();
    assert_eq!(
        inputs.iter().filter(|i| i["recipient"] == "client").count(),
        2,
        "the client's first"
    );
}
