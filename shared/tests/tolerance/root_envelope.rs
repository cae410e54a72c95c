//! The root envelope: payload objects at the root, Booxi's public sample.

use super::*;

/// The canonical body with the payload objects at the root (no `content` wrapper).
fn at_root(body: &Value) -> Value {
    let mut root = body.clone();
    let content = root.as_object_mut().unwrap().remove("content").unwrap();
    for (k, v) in content.as_object().unwrap() {
        root[k] = v.clone();
    }
    root
}

#[test]
fn payload_objects_may_sit_at_the_root() {
    let canonical = created_approved();
    let body = at_root(&canonical);
    assert!(body.get("content").is_none() && body.get("booking").is_some());
    let e = event(&body);
    assert_eq!(e.id, "evt-1");
    assert_eq!(e.booking.status, Some(Status::Approved));
    assert_eq!(e.merchant.name.as_deref(), Some("Downtown store"));
    assert!(e.staff.is_some() && e.service.is_some() && e.tracking_page.is_some());
    assert_eq!(planned(&body), planned(&canonical));

    let before = with_status(booking("PendingStaffApproval"), "PendingStaffApproval");
    let canonical = status_updated(before, booking("Approved"));
    let body = at_root(&canonical);
    assert!(event(&body).previous.is_some());
    assert_eq!(planned(&body), planned(&canonical));
    assert_eq!(kinds(&planned(&body))[0], Kind::Confirmation);
}

#[test]
fn at_the_root_client_and_tracking_page_may_sit_beside_booking() {
    let canonical = created_approved();
    let body = moved(at_root(&canonical), &["booking", "client"], &["client"]);
    let body = moved(body, &["booking", "trackingPage"], &["trackingPage"]);
    assert!(body["booking"].get("client").is_none());
    assert_eq!(planned(&body), planned(&canonical));
}

/// Booxi's one published sample body: `event` at the root, no id, a type name the guide
/// does not list, the booking at the root.
fn booxi_public_sample() -> Value {
    let mut b = booking("Approved");
    b["client"]["trackingPage"] = b.as_object_mut().unwrap().remove("trackingPage").unwrap();
    let mut body = content(b);
    body["event"] = json!("booking.confirmed");
    body
}

#[test]
fn the_public_sample_shape_plans_with_its_alias() {
    let body = booxi_public_sample();
    let unaliased = planned(&body);
    assert!(unaliased.ignored.is_some() && unaliased.notifications.is_empty());

    let config =
        Config::from_toml("[event_aliases]\n\"booking.confirmed\" = \"appointment.created\"\n")
            .unwrap();
    let e = Event::read(body.to_string().as_bytes(), &config).unwrap();
    assert_eq!(e.event_type, EventType::AppointmentCreated);
    assert_eq!(e.aliased_from.as_deref(), Some("booking.confirmed"));
    assert!(e.id_derived);
    assert!(e.tracking_page.is_some(), "booking.client.trackingPage");
    let p = plan(&e, &config);
    assert_eq!(sent(&p), sent(&planned(&created_approved())));
    // Aliases are compared ignoring case.
    let shouted = body
        .to_string()
        .replace("booking.confirmed", "Booking.Confirmed");
    assert_eq!(
        Event::read(shouted.as_bytes(), &config).unwrap().event_type,
        EventType::AppointmentCreated
    );
}
