//! Who a flow goes to: client communication, addresses and consent, the recipient
//! limit; nothing scheduled without a booking or without flows.

use super::*;

#[test]
fn flows_follow_client_communication_addresses_and_consent() {
    let base = || dated(event("appointment.created"), CREATED);
    let none = base().set("booking.clientCommunication", json!("DoNotSend"));
    assert!(changes(&none).is_empty());
    assert!(explain(&none).contains("pre_visit: skipped: clientCommunication is DoNotSend"));

    // before_start email follows remindByEmail, like the reminder.
    let no_email_reminders = base().set("booking.client.remindByEmail", json!(false));
    assert_eq!(
        changes(&no_email_reminders),
        [format!("upsert pre_visit/client/sms {PRE_VISIT_AT}")]
    );
    assert!(
        explain(&no_email_reminders)
            .contains("pre_visit: skipped client by email: remindByEmail is not true")
    );

    // SMS needs remindBySMS and a valid number.
    let no_sms = base().set("booking.client.remindBySMS", json!(false));
    assert_eq!(
        changes(&no_sms),
        [format!("upsert pre_visit/client/email {PRE_VISIT_AT}")]
    );
    let bad_number = base().set("booking.client.mobilePhoneNumber", json!("12"));
    assert_eq!(
        changes(&bad_number),
        [format!("upsert pre_visit/client/email {PRE_VISIT_AT}")]
    );
    let no_address = base().remove("booking.client.email");
    assert_eq!(
        changes(&no_address),
        [format!("upsert pre_visit/client/sms {PRE_VISIT_AT}")]
    );

    // ClientAndAttendees: each attendee with their own address, keyed by their id.
    let group = base()
        .set("booking.clientCommunication", json!("ClientAndAttendees"))
        .set(
            "booking.attendees",
            json!([{"id": 71, "email": "ann@example.com", "remindByEmail": true},
                   {"id": 72, "email": "bob@example.com", "remindByEmail": false}]),
        );
    let now = "2026-11-30T13:00:00Z".parse().unwrap();
    let plan = plan_at(&group.parse(), &config(), now);
    let who: Vec<String> = plan
        .schedules
        .iter()
        .map(|c| format!("{}:{}", c.recipient_key(), c.channel().name()))
        .collect();
    assert_eq!(who, ["client:email", "client:sms", "attendee-71:email"]);
    // ClientOnly: attendees get nothing.
    let only = group.set("booking.clientCommunication", json!("ClientOnly"));
    assert_eq!(changes(&only).len(), 2);
}

#[test]
fn a_group_over_the_recipient_limit_schedules_and_deletes_within_it() {
    let config = Config::from_toml(&format!("max_recipients_per_event = 3\n{FLOWS}")).unwrap();
    let attendees: Vec<serde_json::Value> = (0..500)
        .map(|i| json!({"id": i, "email": format!("a{i}@example.com"), "remindByEmail": true}))
        .collect();
    let now = "2026-11-30T13:00:00Z".parse().unwrap();
    let created = dated(event("appointment.created"), CREATED)
        .set("booking.clientCommunication", json!("ClientAndAttendees"))
        .set("booking.attendees", json!(attendees));
    let plan = plan_at(&created.parse(), &config, now);
    let keys: Vec<&str> = plan.schedules.iter().map(|c| c.recipient_key()).collect();
    assert_eq!(
        keys,
        ["client", "client", "attendee-0", "attendee-1"],
        "the client (email, sms) and two attendees"
    );
    let over: Vec<&String> = plan
        .flow_notes
        .iter()
        .filter(|n| n.contains("over the limit"))
        .collect();
    assert_eq!(
        over,
        ["pre_visit: skipped attendees 3 to 500: over the limit of 3 recipients per event"]
    );
    let canceled = created.set("booking.status", json!("Cancelled"));
    let plan = plan_at(&canceled.parse(), &config, now);
    assert_eq!(plan.schedules.len(), 3 * 2, "three people, two channels");
}

#[test]
fn nothing_is_scheduled_for_an_event_that_names_no_booking() {
    let anonymous = dated(event("appointment.created"), CREATED).remove("booking.bookingId");
    assert!(changes(&anonymous).is_empty());
    assert!(
        explain(&anonymous).contains(
            "flow      no flow scheduled: the event names no booking (no bookingId or confirmationNumber)"
        ),
        "{}",
        explain(&anonymous)
    );
    // The event's own messages still go.
    assert!(!anonymous.plan_with(&config()).notifications.is_empty());
}

#[test]
fn nothing_is_scheduled_without_flows() {
    for body in [
        event("appointment.created"),
        event("appointment.canceled").set("booking.status", json!("Cancelled")),
        event("appointment.completed").set("booking.isCompleted", json!(true)),
    ] {
        let plan = body.plan();
        assert!(plan.schedules.is_empty());
        assert!(plan.flow_notes.is_empty());
    }
}
