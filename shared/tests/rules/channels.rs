//! Email or SMS: per kind, the reminder's flags, SMS consent, numbers in E.164, the
//! fallback to email, kinds turned off.

use super::*;

#[test]
fn reminder_by_email_only_if_remind_by_email() {
    let plan = event("appointment.remind")
        .set("booking.client.remindByEmail", json!(false))
        .plan();
    assert_eq!(summary(&plan), ["reminder/client/sms"]);
}

#[test]
fn an_sms_without_a_valid_mobile_goes_by_email_when_its_email_does_not_go_anyway() {
    // A reminder by SMS only (remindByEmail false) to a number that cannot be read.
    let invalid = event("appointment.remind")
        .set("booking.client.remindByEmail", json!(false))
        .set("booking.client.mobilePhoneNumber", json!("12"));
    let plan = invalid.plan();
    assert_eq!(summary(&plan), ["reminder/client/email"]);
    assert_eq!(
        line(&plan, "reminder", "client", "email")["fallback_for"],
        "sms"
    );
    // No number at all, with consent: the same.
    let missing = event("appointment.remind")
        .set("booking.client.remindByEmail", json!(false))
        .remove("booking.client.mobilePhoneNumber");
    assert_eq!(summary(&missing.plan()), ["reminder/client/email"]);
    // The email goes anyway (a confirmation): never a second one.
    let confirmation =
        event("appointment.created").set("booking.client.mobilePhoneNumber", json!("12"));
    let plan = confirmation.plan();
    assert_eq!(
        summary(&plan)
            .iter()
            .filter(|m| m.starts_with("confirmation/client/"))
            .collect::<Vec<_>>(),
        ["confirmation/client/email"]
    );
    assert!(
        line(&plan, "confirmation", "client", "email")
            .get("fallback_for")
            .is_none()
    );
    // Without SMS consent there is no SMS to fall back from.
    let no_consent = event("appointment.remind")
        .set("booking.client.remindByEmail", json!(false))
        .set("booking.client.remindBySMS", json!(false));
    assert!(no_consent.plan().notifications.is_empty());
    // Turned off (sms_fallback_email = false): nothing instead.
    let off = Config::from_toml("sms_fallback_email = false").unwrap();
    assert!(invalid.plan_with(&off).notifications.is_empty());
}

#[test]
fn an_sms_that_cannot_go_at_send_time_falls_back_to_the_same_persons_email_once() {
    use booxi_notify::domain::notification::Channel;
    use booxi_notify::domain::rules::email_fallback;
    let body = event("appointment.remind").set("booking.client.remindByEmail", json!(false));
    let (parsed, config) = (body.parse(), Config::default());
    let plan = body.plan();
    let sms = &plan.notifications[0];
    assert_eq!(sms.channel, Channel::Sms);
    let email = email_fallback(&parsed, &config, sms, &plan.notifications).unwrap();
    assert_eq!(
        (email.kind, email.channel, email.fallback_for),
        (Kind::Reminder, Channel::Email, Some(Channel::Sms))
    );
    assert_eq!(email.to.as_str(), "jane@example.com");
    // Not when the email is planned anyway, nor from an email, nor when turned off.
    let both = event("appointment.remind").plan();
    let sms = both
        .notifications
        .iter()
        .find(|n| n.channel == Channel::Sms)
        .unwrap();
    assert!(email_fallback(&parsed, &config, sms, &both.notifications).is_none());
    assert!(email_fallback(&parsed, &config, &email, &plan.notifications).is_none());
    let off = Config::from_toml("sms_fallback_email = false").unwrap();
    assert!(email_fallback(&parsed, &off, &plan.notifications[0], &plan.notifications).is_none());
    // A client without a usable address: nothing.
    let no_email = body.clone().remove("booking.client.email");
    let plan = no_email.plan();
    assert!(
        email_fallback(
            &no_email.parse(),
            &config,
            &plan.notifications[0],
            &plan.notifications
        )
        .is_none()
    );
}

#[test]
fn reminder_by_sms_only_if_remind_by_sms() {
    let plan = event("appointment.remind")
        .set("booking.client.remindBySMS", json!(false))
        .plan();
    assert_eq!(summary(&plan), ["reminder/client/email"]);
}

#[test]
fn reminder_both_or_neither() {
    let both = event("appointment.remind").plan();
    assert_eq!(
        summary(&both),
        ["reminder/client/email", "reminder/client/sms"]
    );
    let neither = event("appointment.remind")
        .set("booking.client.remindByEmail", json!(false))
        .remove("booking.client.remindBySMS")
        .plan();
    assert!(neither.notifications.is_empty());
    assert!(skip_reasons(&neither).contains(&"reminder: remindByEmail is not true".to_owned()));
}

#[test]
fn other_kinds_go_by_email_by_default() {
    let plan = event("appointment.recall").plan();
    assert_eq!(summary(&plan), ["recall/client/email"]);
    let no_email = event("appointment.recall")
        .remove("booking.client.email")
        .plan();
    assert!(no_email.notifications.is_empty());
    assert!(skip_reasons(&no_email).contains(&"recall: no email address".to_owned()));
}

#[test]
fn sms_only_for_kinds_enabled_for_sms_and_only_with_consent() {
    // Default SMS kinds: confirmation, changed, canceled_by_store, reminder.
    let confirmation = event("appointment.created").plan();
    assert!(summary(&confirmation).contains(&"confirmation/client/sms".to_owned()));
    let by_client = cancelled("appointment.canceled")
        .set("booking.modifiedBy", json!("Client"))
        .plan();
    assert_eq!(client_kinds(&by_client), ["canceled_by_client"]);
    assert!(!summary(&by_client).iter().any(|s| s.ends_with("/sms")));
    let no_consent = event("appointment.created")
        .set("booking.client.remindBySMS", json!(false))
        .plan();
    assert!(!summary(&no_consent).iter().any(|s| s.ends_with("/sms")));
    assert!(
        skip_reasons(&no_consent)
            .contains(&"confirmation: no SMS consent (remindBySMS is not true)".to_owned())
    );

    let config = Config::from_toml("sms_kinds = [\"recall\"]").unwrap();
    assert_eq!(
        summary(&event("appointment.recall").plan_with(&config)),
        ["recall/client/email", "recall/client/sms"]
    );
    assert_eq!(
        summary(&event("appointment.created").plan_with(&config))[..1],
        ["confirmation/client/email"]
    );
}

#[test]
fn default_sms_kinds_are_confirmation_changed_canceled_by_store_reminder() {
    let sms: Vec<_> = Config::default()
        .sms_kinds
        .iter()
        .map(|k| k.name())
        .collect();
    assert_eq!(
        sms,
        ["confirmation", "changed", "canceled_by_store", "reminder"]
    );
}

#[test]
fn sms_goes_to_the_e164_number() {
    let plan = event("appointment.created").plan();
    assert_eq!(
        line(&plan, "confirmation", "client", "sms")["to"],
        "+15145550123"
    );
}

#[test]
fn a_number_that_cannot_be_e164_is_skipped_with_a_reason_never_sent_as_is() {
    let plan = event("appointment.created")
        .set("booking.client.mobilePhoneNumber", json!("555-01"))
        .plan();
    assert!(!summary(&plan).contains(&"confirmation/client/sms".to_owned()));
    assert!(
        skip_reasons(&plan).contains(
            &"confirmation: phone number cannot be made E.164 with country CA".to_owned()
        ),
        "{:?}",
        skip_reasons(&plan)
    );
}

#[test]
fn national_numbers_use_the_store_country() {
    let plan = event("appointment.created")
        .set("merchant.address.country", json!("FR"))
        .set("booking.client.mobilePhoneNumber", json!("06 12 34 56 78"))
        .plan();
    assert_eq!(
        line(&plan, "confirmation", "client", "sms")["to"],
        "+33612345678"
    );
}

#[test]
fn kinds_can_be_disabled() {
    let config = Config::from_toml("enabled_kinds = [\"reminder\"]").unwrap();
    let plan = event("appointment.created").plan_with(&config);
    assert_eq!(summary(&plan), ["staff_new_booking/staff/email"]);
    assert!(skip_reasons(&plan).iter().any(|r| r.contains("disabled")));
}
