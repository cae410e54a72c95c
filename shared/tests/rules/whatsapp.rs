//! `[whatsapp]`: WhatsApp replacing the SMS of its kinds, its consent, attendees, the
//! fallback to SMS, flows that list it.

use super::*;

fn whatsapp(extra: &str) -> Config {
    Config::from_toml(&format!(
        "[whatsapp]\nphone_number_id = \"phone-number-id-0a1b\"\n{extra}"
    ))
    .unwrap()
}

#[test]
fn whatsapp_replaces_the_sms_of_its_kinds_for_people_with_the_sms_consent() {
    let config = whatsapp("");
    let plan = event("appointment.created").plan_with(&config);
    let client: Vec<String> = summary(&plan)
        .into_iter()
        .filter(|m| m.starts_with("confirmation/"))
        .collect();
    assert_eq!(
        client,
        ["confirmation/client/email", "confirmation/client/whatsapp"]
    );
    let line = line(&plan, "confirmation", "client", "whatsapp");
    assert_eq!(line["to"], "+15145550123");
    assert_eq!(line["language"], "eng");
    assert!(line["links"]["view"].is_string(), "{line}");
    assert!(
        skip_reasons(&plan).contains(
            &"confirmation: replaced by WhatsApp ([whatsapp] instead_of_sms): sent only if the \
          WhatsApp message cannot go or fails"
                .to_owned()
        )
    );
    let explain = plan.explain();
    assert!(
        explain.contains("planned   confirmation to client by whatsapp"),
        "{explain}"
    );
    assert!(
        explain.contains("skipped   confirmation to client by sms: replaced by WhatsApp"),
        "{explain}"
    );
    // Off (no [whatsapp]): the SMS as before.
    assert!(
        summary(&event("appointment.created").plan())
            .contains(&"confirmation/client/sms".to_owned())
    );
    // Both, when WhatsApp does not replace the SMS.
    let both = event("appointment.created").plan_with(&whatsapp("instead_of_sms = false\n"));
    assert!(summary(&both).contains(&"confirmation/client/whatsapp".to_owned()));
    assert!(summary(&both).contains(&"confirmation/client/sms".to_owned()));
}

#[test]
fn whatsapp_follows_the_sms_consent_and_a_valid_mobile() {
    let config = whatsapp("");
    let no_consent = event("appointment.created")
        .set("booking.client.remindBySMS", json!(false))
        .plan_with(&config);
    assert!(
        !summary(&no_consent)
            .iter()
            .any(|m| m.ends_with("/whatsapp"))
    );
    assert!(
        skip_reasons(&no_consent).contains(
            &"confirmation: no SMS consent (remindBySMS is not true), which WhatsApp follows"
                .to_owned()
        )
    );
    let invalid = event("appointment.created")
        .set("booking.client.mobilePhoneNumber", json!("12"))
        .plan_with(&config);
    assert!(!summary(&invalid).iter().any(|m| m.ends_with("/whatsapp")));
    // A reminder by text only, to a number that cannot be read: the email instead.
    let reminder = event("appointment.remind")
        .set("booking.client.remindByEmail", json!(false))
        .remove("booking.client.mobilePhoneNumber")
        .plan_with(&config);
    assert_eq!(summary(&reminder), ["reminder/client/email"]);
    assert_eq!(
        line(&reminder, "reminder", "client", "email")["fallback_for"],
        "sms"
    );
    // Only the kinds [whatsapp] lists: the recall stays an email, and says why.
    let recall = event("appointment.recall").plan_with(&config);
    assert_eq!(summary(&recall), ["recall/client/email"]);
    assert!(
        skip_reasons(&recall)
            .contains(&"recall: recall is not enabled for WhatsApp ([whatsapp] kinds)".to_owned())
    );
    // A kind WhatsApp sends but SMS does not: WhatsApp alone.
    let no_show = event("appointment.status_updated")
        .with_previous()
        .set("booking.client.presence", json!("NoShow"))
        .plan_with(&whatsapp("kinds = [\"no_show\"]\n"));
    assert_eq!(
        summary(&no_show)
            .into_iter()
            .filter(|m| m.starts_with("no_show/"))
            .collect::<Vec<_>>(),
        ["no_show/client/email", "no_show/client/whatsapp"]
    );
}

#[test]
fn attendees_with_the_sms_consent_get_whatsapp_too() {
    let plan = event("appointment.remind")
        .set("booking.bookingMethod", json!("GroupReservation"))
        .set(
            "booking.attendees",
            json!([{"id": 2, "firstName": "Luc", "email": "luc@example.com",
                    "mobilePhoneNumber": "+33612345678", "remindBySMS": true}]),
        )
        .set("booking.clientCommunication", json!("ClientAndAttendees"))
        .plan_with(&whatsapp(""));
    assert_eq!(
        summary(&plan),
        [
            "reminder/client/email",
            "reminder/client/whatsapp",
            "reminder/attendee/whatsapp"
        ]
    );
    let attendee = line(&plan, "reminder", "attendee", "whatsapp");
    assert_eq!(attendee["to"], "+33612345678");
    assert!(attendee.get("links").is_none(), "{attendee}");
}

#[test]
fn a_whatsapp_message_that_cannot_go_falls_back_to_the_sms_it_replaced() {
    use booxi_notify::domain::notification::Channel;
    use booxi_notify::domain::rules::{email_fallback, whatsapp_fallback};
    let config = whatsapp("");
    let body = event("appointment.remind").set("booking.client.remindByEmail", json!(false));
    let plan = body.plan_with(&config);
    assert_eq!(summary(&plan), ["reminder/client/whatsapp"]);
    let message = &plan.notifications[0];
    let sms = whatsapp_fallback(&body.parse(), &config, message, &plan.notifications).unwrap();
    assert_eq!(
        (sms.channel, sms.fallback_for, sms.to.as_str()),
        (Channel::Sms, Some(Channel::Whatsapp), "+15145550123")
    );
    // That SMS may in turn go by email (SMS fallback to email).
    let email = email_fallback(&body.parse(), &config, &sms, &plan.notifications).unwrap();
    assert_eq!(
        (email.channel, email.fallback_for),
        (Channel::Email, Some(Channel::Sms))
    );
    // No SMS to fall back to: WhatsApp goes beside the SMS, the kind is not an SMS kind,
    // or the SMS is planned anyway.
    let beside = whatsapp("instead_of_sms = false\n");
    assert!(whatsapp_fallback(&body.parse(), &beside, message, &plan.notifications).is_none());
    let no_sms = Config {
        sms_kinds: Default::default(),
        ..config.clone()
    };
    assert!(whatsapp_fallback(&body.parse(), &no_sms, message, &plan.notifications).is_none());
    let mut with_sms = plan.notifications.clone();
    with_sms.push(sms.clone());
    assert!(whatsapp_fallback(&body.parse(), &config, message, &with_sms).is_none());
    assert!(whatsapp_fallback(&body.parse(), &config, &sms, &plan.notifications).is_none());
}

#[test]
fn flows_go_by_whatsapp_when_whatsapp_lists_them() {
    use booxi_notify::domain::notification::{FlowChannel, ScheduleChange};
    let config = Config::from_toml(
        "[[flows]]\nname = \"pre_visit\"\nbefore_start = \"24h\"\nchannels = [\"email\", \"sms\"]\n\
         [whatsapp]\nphone_number_id = \"phone-number-id-0a1b\"\nkinds = [\"pre_visit\"]\n",
    )
    .unwrap();
    let now = "2026-11-01T00:00:00Z".parse().unwrap();
    let plan =
        booxi_notify::domain::rules::plan_at(&event("appointment.created").parse(), &config, now);
    let channels: Vec<FlowChannel> = plan.schedules.iter().map(ScheduleChange::channel).collect();
    assert_eq!(
        channels,
        [FlowChannel::Email, FlowChannel::Whatsapp],
        "{:?}",
        plan.flow_notes
    );
    assert!(
        plan.flow_notes
            .iter()
            .any(|n| n.contains("skipped client by sms: replaced by WhatsApp")),
        "{:?}",
        plan.flow_notes
    );
    // A cancel removes every channel's schedule, WhatsApp's included.
    let canceled = event("appointment.canceled")
        .with_previous()
        .set("booking.status", json!("Cancelled"));
    let plan = booxi_notify::domain::rules::plan_at(&canceled.parse(), &config, now);
    let deleted: Vec<FlowChannel> = plan.schedules.iter().map(ScheduleChange::channel).collect();
    assert_eq!(
        deleted,
        [FlowChannel::Email, FlowChannel::Sms, FlowChannel::Whatsapp]
    );
}
