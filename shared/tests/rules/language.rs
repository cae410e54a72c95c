//! The language of a message: the recipient's, then the merchant's default, then English.

use super::*;

#[test]
fn language_is_the_recipient_language_when_templates_exist() {
    for (given, code) in [
        ("fr", "fre"),
        ("spa", "spa"),
        ("pt-BR", "por"),
        ("nl", "nld"),
        ("de-DE", "deu"),
    ] {
        let plan = event("appointment.created")
            .set("booking.client.language", json!(given))
            .plan();
        assert_eq!(
            line(&plan, "confirmation", "client", "email")["language"],
            code,
            "{given}"
        );
    }
}

#[test]
fn language_falls_back_to_the_merchant_default_then_english() {
    let plan = event("appointment.created")
        .set("booking.client.language", json!("ita"))
        .set("merchant.defaultLanguage", json!("fre"))
        .plan();
    assert_eq!(
        line(&plan, "confirmation", "client", "email")["language"],
        "fre"
    );
    let plan = event("appointment.created")
        .remove("booking.client.language")
        .set("merchant.defaultLanguage", json!("jpn"))
        .plan();
    assert_eq!(
        line(&plan, "confirmation", "client", "email")["language"],
        "eng"
    );
    // Staff templates exist in English and French only.
    let plan = event("appointment.created")
        .set("staff.language", json!("spa"))
        .set("merchant.defaultLanguage", json!("spa"))
        .plan();
    assert_eq!(
        line(&plan, "staff_new_booking", "staff", "email")["language"],
        "eng"
    );
    let plan = event("appointment.created").plan();
    assert_eq!(
        line(&plan, "staff_new_booking", "staff", "email")["language"],
        "fre"
    );
}
