//! Links: the tracking page with the language and action, call-to-action links,
//! video links, only http(s).

use super::*;

#[test]
fn view_link_is_the_tracking_page_with_the_client_language() {
    // The reminder offers to reschedule or cancel when the page allows it (issue 13).
    let plan = event("appointment.remind").plan();
    let links = &line(&plan, "reminder", "client", "email")["links"];
    assert_eq!(
        links,
        &json!({
            "view": format!("{TRACKING}?lang=eng"),
            "modify": format!("{TRACKING}?lang=eng&action=modify"),
            "cancel": format!("{TRACKING}?lang=eng&action=cancel"),
        })
    );
    let plan = event("appointment.remind")
        .set("booking.trackingPage.canModify", json!(false))
        .set("booking.trackingPage.canCancel", json!(false))
        .plan();
    let links = &line(&plan, "reminder", "client", "email")["links"];
    assert_eq!(links, &json!({"view": format!("{TRACKING}?lang=eng")}));
    let french = event("appointment.remind")
        .set("booking.client.language", json!("fr-CA"))
        .plan();
    assert_eq!(
        line(&french, "reminder", "client", "email")["links"]["view"],
        format!("{TRACKING}?lang=fre")
    );
}

#[test]
fn a_language_without_templates_is_explained_and_the_link_carries_the_language_used() {
    // No templates in `xyz` and no merchant default language: English, and lang=eng.
    let body = event("appointment.remind")
        .set("booking.client.language", json!("xyz"))
        .set("merchant.defaultLanguage", Value::Null);
    let plan = body.plan();
    let reminder = line(&plan, "reminder", "client", "email");
    assert_eq!(reminder["language"], "eng");
    assert_eq!(reminder["links"]["view"], format!("{TRACKING}?lang=eng"));
    assert_eq!(
        plan.notes,
        [
            "reminder to client: no reminder templates in `xyz`, written in eng \
             (English, the last resort); its links carry lang=eng"
        ]
    );
    assert!(plan.explain().contains(
        "  language  reminder to client: no reminder templates in `xyz`, written in eng"
    ));
    // With a merchant default language that has templates, that one, and said so.
    let plan = body.set("merchant.defaultLanguage", json!("fre")).plan();
    let reminder = line(&plan, "reminder", "client", "email");
    assert_eq!(reminder["links"]["view"], format!("{TRACKING}?lang=fre"));
    assert_eq!(
        plan.notes,
        [
            "reminder to client: no reminder templates in `xyz`, written in fre \
             (the merchant's default language); its links carry lang=fre"
        ]
    );
    // A language that has templates needs no note.
    let plan = event("appointment.remind")
        .set("booking.client.language", json!("spa"))
        .plan();
    assert!(plan.notes.is_empty(), "{:?}", plan.notes);
}

#[test]
fn cta_links_only_when_the_kind_lists_them_and_the_page_allows() {
    let links = |body: support::Body, kind: &str| {
        line(&body.plan(), kind, "client", "email")["links"].clone()
    };
    // confirmation: view, modify, cancel (never confirm, even if allowed).
    let l = links(event("appointment.created"), "confirmation");
    assert_eq!(l["modify"], format!("{TRACKING}?lang=eng&action=modify"));
    assert_eq!(l["cancel"], format!("{TRACKING}?lang=eng&action=cancel"));
    assert!(l.get("confirm").is_none());
    // request_received: view, cancel.
    let l = links(
        event("appointment.created").set("booking.status", json!("PendingStaffApproval")),
        "request_received",
    );
    assert_eq!(keys(&l), ["cancel", "view"]);
    // awaiting_client_confirmation: view, confirm, modify, cancel.
    let l = links(
        event("appointment.created").set("booking.status", json!("PendingClientApproval")),
        "awaiting_client_confirmation",
    );
    assert_eq!(keys(&l), ["cancel", "confirm", "modify", "view"]);
    assert_eq!(l["confirm"], format!("{TRACKING}?lang=eng&action=confirm"));
    // The page forbids modify: no modify link.
    let l = links(
        event("appointment.created").set("booking.trackingPage.canModify", json!(false)),
        "confirmation",
    );
    assert_eq!(keys(&l), ["cancel", "view"]);
    // changed: view, modify, cancel.
    let l = links(
        event("appointment.updated")
            .with_previous()
            .set("booking.startsOn", json!("2026-12-04T15:00:00Z")),
        "changed",
    );
    assert_eq!(keys(&l), ["cancel", "modify", "view"]);
    // Cancellations and no-shows: view only.
    let l = links(
        cancelled("appointment.canceled").set("booking.modifiedBy", json!("Staff")),
        "canceled_by_store",
    );
    assert_eq!(keys(&l), ["view"]);
    // completed, recall: no links.
    let plan = event("appointment.recall").plan();
    assert!(
        line(&plan, "recall", "client", "email")
            .get("links")
            .is_none()
    );
}

#[test]
fn no_tracking_page_means_no_links() {
    let plan = event("appointment.created")
        .remove("booking.trackingPage")
        .remove("booking.client.email")
        .plan();
    assert!(
        line(&plan, "confirmation", "client", "sms")
            .get("links")
            .is_none()
    );
}

#[test]
fn tracking_page_inside_client_is_read_too() {
    let page = json!({"viewURL": TRACKING, "canCancel": true});
    let plan = event("appointment.created")
        .remove("booking.trackingPage")
        .set("booking.client.trackingPage", page)
        .plan();
    assert_eq!(
        keys(&line(&plan, "confirmation", "client", "email")["links"]),
        ["cancel", "view"]
    );
}

#[test]
fn tracking_urls_of_any_form_get_lang_and_action() {
    let cases = [
        (
            "https://book.booxi.com/tracking/8c1f2a9e",
            "https://book.booxi.com/tracking/8c1f2a9e?lang=eng",
            "https://book.booxi.com/tracking/8c1f2a9e?lang=eng&action=cancel",
        ),
        (
            "https://book.booxi.com/tracking/8c1f2a9e?",
            "https://book.booxi.com/tracking/8c1f2a9e?lang=eng",
            "https://book.booxi.com/tracking/8c1f2a9e?lang=eng&action=cancel",
        ),
        (
            "https://book.booxi.com/tracking?code=8c1f&utm_source=mail",
            "https://book.booxi.com/tracking?code=8c1f&utm_source=mail&lang=eng",
            "https://book.booxi.com/tracking?code=8c1f&utm_source=mail&lang=eng&action=cancel",
        ),
        // Booxi's own lang/action are replaced; other parameters keep their encoding.
        (
            "https://book.booxi.com/t/x?lang=fre&tok=a%2Bb&flag&action=view",
            "https://book.booxi.com/t/x?tok=a%2Bb&flag&lang=eng",
            "https://book.booxi.com/t/x?tok=a%2Bb&flag&lang=eng&action=cancel",
        ),
        (
            "https://book.booxi.com/tracking/8c1f2a9e#summary",
            "https://book.booxi.com/tracking/8c1f2a9e?lang=eng#summary",
            "https://book.booxi.com/tracking/8c1f2a9e?lang=eng&action=cancel#summary",
        ),
        (
            "https://api.booxi.eu/track?b=1&&b=2",
            "https://api.booxi.eu/track?b=1&b=2&lang=eng",
            "https://api.booxi.eu/track?b=1&b=2&lang=eng&action=cancel",
        ),
    ];
    for (page, view, cancel) in cases {
        let plan = event("appointment.created")
            .set("booking.trackingPage.viewURL", json!(page))
            .plan();
        let l = &line(&plan, "confirmation", "client", "email")["links"];
        assert_eq!(
            (l["view"].as_str(), l["cancel"].as_str()),
            (Some(view), Some(cancel)),
            "{page}"
        );
    }
}

#[test]
fn video_links_per_recipient() {
    let plan = event("appointment.created").plan();
    assert_eq!(
        line(&plan, "confirmation", "client", "email")["video_url"],
        "https://meet.example.com/client"
    );
    assert_eq!(
        line(&plan, "staff_new_booking", "staff", "email")["video_url"],
        "https://meet.example.com/staff"
    );
}

#[test]
fn only_http_links_are_kept() {
    let plan = event("appointment.created")
        .set("booking.trackingPage.viewURL", json!("javascript:alert(1)"))
        .set(
            "booking.client.videoConferenceUrl",
            json!("ftp://x.example.com"),
        )
        .plan();
    let l = line(&plan, "confirmation", "client", "email");
    assert!(l.get("links").is_none());
    assert!(l.get("video_url").is_none());
}
