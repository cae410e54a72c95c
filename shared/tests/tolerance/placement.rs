//! Where the objects sit: the client and the tracking page beside the booking, inside it
//! or inside its client; the presence on the booking itself.

use super::*;

#[test]
fn client_may_sit_beside_booking() {
    let canonical = created_approved();
    let body = moved(
        canonical.clone(),
        &["content", "booking", "client"],
        &["content", "client"],
    );
    assert!(body["content"]["booking"].get("client").is_none());
    let e = event(&body);
    let client = e.client.as_ref().expect("client beside booking is read");
    assert_eq!(
        client.email.valid().map(|a| a.as_str()),
        Some("jane@example.com")
    );
    assert_eq!(e.booking.presence, Some(Presence::Expecting));
    assert_eq!(planned(&body), planned(&canonical));
}

#[test]
fn client_presence_beside_booking_is_the_booking_presence() {
    // A status_updated that marks a no-show, with the current client beside the booking.
    let before = booking("Approved");
    let after = with_presence(booking("Approved"), "NoShow");
    let body = moved(
        status_updated(before, after),
        &["content", "booking", "client"],
        &["content", "client"],
    );
    let e = event(&body);
    assert_eq!(e.booking.presence, Some(Presence::NoShow));
    assert_eq!(planned(&body).client_kind, Some(Kind::NoShow));
}

#[test]
fn client_inside_booking_wins_over_client_beside() {
    let mut body = created_approved();
    body["content"]["client"] = json!({ "email": "other@example.com" });
    let e = event(&body);
    assert_eq!(
        e.client
            .and_then(|c| c.email.valid().map(|a| a.as_str().to_owned())),
        Some("jane@example.com".to_owned())
    );
}

#[test]
fn tracking_page_may_sit_inside_booking() {
    let e = event(&created_approved());
    let page = e.tracking_page.expect("booking.trackingPage is read");
    assert_eq!(page.view_url.as_str(), "https://booxi.example/track?b=abc");
    assert!(page.can_confirm && page.can_modify && page.can_cancel);
}

#[test]
fn tracking_page_may_sit_beside_booking() {
    let canonical = created_approved();
    let body = moved(
        canonical.clone(),
        &["content", "booking", "trackingPage"],
        &["content", "trackingPage"],
    );
    let e = event(&body);
    assert_eq!(
        e.tracking_page.map(|t| t.view_url.to_string()),
        Some("https://booxi.example/track?b=abc".to_owned())
    );
    let p = planned(&body);
    assert_eq!(p, planned(&canonical));
    let links = p.notifications[0].links.as_ref().expect("links");
    assert_eq!(
        links.view.as_str(),
        "https://booxi.example/track?b=abc&lang=eng"
    );
}

#[test]
fn tracking_page_may_sit_inside_booking_client() {
    let canonical = created_approved();
    let body = moved(
        canonical.clone(),
        &["content", "booking", "trackingPage"],
        &["content", "booking", "client", "trackingPage"],
    );
    assert!(body["content"]["booking"].get("trackingPage").is_none());
    let e = event(&body);
    assert_eq!(
        e.tracking_page.map(|t| t.view_url.to_string()),
        Some("https://booxi.example/track?b=abc".to_owned())
    );
    assert_eq!(planned(&body), planned(&canonical));
}

#[test]
fn tracking_page_may_sit_inside_a_client_beside_booking() {
    let canonical = created_approved();
    let body = moved(
        canonical.clone(),
        &["content", "booking", "trackingPage"],
        &["content", "booking", "client", "trackingPage"],
    );
    let body = moved(
        body,
        &["content", "booking", "client"],
        &["content", "client"],
    );
    assert!(event(&body).tracking_page.is_some());
    assert_eq!(planned(&body), planned(&canonical));
}

#[test]
fn tracking_page_view_url_may_be_spelled_view_url() {
    let mut body = created_approved();
    body["content"]["booking"]["trackingPage"] =
        json!({ "viewUrl": "https://booxi.example/t", "canModify": true });
    let page = event(&body).tracking_page.expect("viewUrl is read");
    assert_eq!(page.view_url.as_str(), "https://booxi.example/t");
    assert!(page.can_modify && !page.can_cancel && !page.can_confirm);
}

#[test]
fn a_tracking_page_without_a_web_url_is_no_tracking_page() {
    let mut body = created_approved();
    body["content"]["booking"]["trackingPage"]["viewURL"] = json!("javascript:alert(1)");
    let e = event(&body);
    assert!(e.tracking_page.is_none());
    let p = plan(&e, &Config::default());
    assert!(p.notifications.iter().all(|n| n.links.is_none()));
}

#[test]
fn presence_may_sit_on_the_booking_itself() {
    let mut before = booking("Approved");
    before["client"].as_object_mut().unwrap().remove("presence");
    before["presence"] = json!("Expecting");
    let mut after = before.clone();
    after["presence"] = json!("NoShow");
    assert_eq!(
        kinds(&planned(&status_updated(before, after))),
        vec![Kind::NoShow]
    );
}
