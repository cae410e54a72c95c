//! The flows table of `docs/rules.md`: one test per row, times in the store's zone.

use super::*;

#[test]
fn row_before_start_upsert_when_an_event_leaves_an_approved_booking_with_a_future_start() {
    // Created Approved.
    let created = dated(event("appointment.created"), CREATED);
    assert_eq!(changes(&created), pre_visit_upserts(PRE_VISIT_AT));
    assert!(
        explain(&created)
            .contains("pre_visit: upsert at 2026-12-02T15:00:00Z (24h before the start"),
        "{}",
        explain(&created)
    );

    // Approved later.
    let approved = dated(
        event("appointment.status_updated")
            .with_previous()
            .set("previousBooking.status", json!("PendingStaffApproval")),
        CREATED,
    );
    assert_eq!(changes(&approved), pre_visit_upserts(PRE_VISIT_AT));

    // Moved: date/time, staff or location; the new time.
    let moved = dated(
        event("appointment.updated")
            .with_previous()
            .set("booking.startsOn", json!("2026-12-10T18:30:00Z")),
        CREATED,
    );
    assert_eq!(changes(&moved), pre_visit_upserts("2026-12-09T18:30:00Z"));
    for (path, value) in [
        ("booking.staffId", json!(9)),
        ("booking.location", json!("Home")),
    ] {
        let moved = dated(
            event("appointment.updated")
                .with_previous()
                .set(path, value),
            CREATED,
        );
        assert_eq!(changes(&moved), pre_visit_upserts(PRE_VISIT_AT), "{path}");
    }

    // A time already past at the event's own time: skipped, with the reason.
    let late = dated(event("appointment.created"), "2026-12-03T01:00:00Z");
    assert!(changes(&late).is_empty(), "{:?}", changes(&late));
    assert!(
        explain(&late).contains(
            "pre_visit: not scheduled: 2026-12-02T15:00:00Z is already past at the event's time 2026-12-03T01:00:00Z"
        ),
        "{}",
        explain(&late)
    );
    // Without createdOn, the time of planning stands for the event's time.
    let undated = event("appointment.created");
    let now = "2026-12-02T16:00:00Z".parse().unwrap();
    assert!(
        plan_at(&undated.parse(), &config(), now)
            .schedules
            .is_empty()
    );
    let now = "2026-12-01T16:00:00Z".parse().unwrap();
    assert_eq!(plan_at(&undated.parse(), &config(), now).schedules.len(), 2);
}

#[test]
fn row_before_start_delete_when_canceled_no_show_or_pending_again() {
    let deletes = vec![
        "delete pre_visit/client/email".to_owned(),
        "delete pre_visit/client/sms".to_owned(),
    ];
    for by in ["Staff", "Client"] {
        let canceled = dated(
            event("appointment.canceled")
                .with_previous()
                .set("booking.status", json!("Cancelled"))
                .set("booking.modifiedBy", json!(by)),
            CREATED,
        );
        assert_eq!(changes(&canceled), deletes, "canceled by {by}");
        assert!(explain(&canceled).contains(
            "pre_visit: delete (canceled, no-show or pending: the booking is Cancelled)"
        ));
    }
    let no_show = dated(
        event("appointment.status_updated")
            .with_previous()
            .set("booking.client.presence", json!("NoShow")),
        CREATED,
    );
    assert_eq!(changes(&no_show), deletes);
    for pending in ["PendingStaffApproval", "PendingClientApproval"] {
        let back = dated(
            event("appointment.updated")
                .with_previous()
                .set("booking.status", json!(pending)),
            CREATED,
        );
        assert_eq!(changes(&back), deletes, "{pending}");
    }
    // Attendees' schedules go too (each by its id), whatever clientCommunication says now.
    let group = dated(
        event("appointment.canceled")
            .set("booking.status", json!("Cancelled"))
            .set(
                "booking.attendees",
                json!([{"id": 71, "email": "a@example.com"}]),
            ),
        CREATED,
    );
    let now = "2026-11-30T13:00:00Z".parse().unwrap();
    let plan = plan_at(&group.parse(), &config(), now);
    let keys: Vec<&str> = plan.schedules.iter().map(|c| c.recipient_key()).collect();
    assert_eq!(keys, ["client", "client", "attendee-71", "attendee-71"]);
}

#[test]
fn row_after_completed_upsert_at_the_events_time_plus_offset_when_it_plans_a_completion() {
    let completed = dated(
        event("appointment.status_updated")
            .with_previous()
            .set("booking.isCompleted", json!(true))
            .set("booking.client.presence", json!("Arrived")),
        "2026-12-03T16:10:00Z",
    );
    let got = changes(&completed);
    assert!(
        got.contains(&"upsert thank_you/client/email 2026-12-03T18:10:00Z".to_owned()),
        "{got:?}"
    );
    assert!(
        !got.iter().any(|c| c.contains("thank_you/client/sms")),
        "email only: {got:?}"
    );
    let reservation = dated(
        event("reservation.status_updated")
            .with_previous()
            .set("booking.isCompleted", json!(true)),
        "2026-12-03T16:10:00Z",
    );
    assert!(
        changes(&reservation)
            .contains(&"upsert thank_you/client/email 2026-12-03T18:10:00Z".to_owned())
    );
    // Any other event leaves after_completed flows alone.
    let created = dated(event("appointment.created"), CREATED);
    assert!(!changes(&created).iter().any(|c| c.contains("thank_you")));
    assert!(explain(&created).contains("thank_you: no change (the event plans confirmation, not completed or reservation_completed)"));
}

/// A start or an event time without an offset is the store's wall clock: read in the
/// merchant's time zone, else the configured `default_time_zone`, as the messages show it.
#[test]
fn times_without_an_offset_are_read_in_the_stores_time_zone() {
    // 10:00 in Toronto (UTC−5 in December) is 15:00Z: pre_visit 24 h before.
    let toronto = dated(event("appointment.created"), "2026-11-30T07:00:00")
        .set("booking.startsOn", json!("2026-12-03T10:00:00"));
    assert_eq!(changes(&toronto), pre_visit_upserts(PRE_VISIT_AT));
    // Dated 2026-12-02T11:00 in Toronto (16:00Z): already past at the event's own time.
    let late = dated(event("appointment.created"), "2026-12-02T11:00:00")
        .set("booking.startsOn", json!("2026-12-03T10:00:00"));
    assert!(
        explain(&late).contains(
            "pre_visit: not scheduled: 2026-12-02T15:00:00Z is already past at the event's time 2026-12-02T16:00:00Z"
        ),
        "{}",
        explain(&late)
    );
    // No zone from the merchant: the configured default (Paris, UTC+1 in December).
    let paris =
        Config::from_toml(&format!("default_time_zone = \"Europe/Paris\"\n{FLOWS}")).unwrap();
    let body = dated(event("appointment.created"), CREATED)
        .set("booking.startsOn", json!("2026-12-03T16:00:00"))
        .remove("merchant.timeZone");
    let now = "2026-11-30T13:00:00Z".parse().unwrap();
    let at: Vec<String> = plan_at(&body.parse(), &paris, now)
        .schedules
        .iter()
        .map(|c| c.at().map_or_else(|| "delete".into(), utc_seconds))
        .collect();
    assert_eq!(at, [PRE_VISIT_AT, PRE_VISIT_AT]);
}
