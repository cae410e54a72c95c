//! One booking, one key: every shape a booking's events come in reaches the same state.

use super::*;

/// The shapes one booking's events come in: the canonical one (merchant object,
/// `bookingId`, `confirmationNumber`), the merchant named on the booking only, no
/// merchant at all and the id spelt `id`, Booxi's public sample (payload at the
/// root, no event id, `event`, the confirmation number only), the confirmation number
/// only, the booking id only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Canonical,
    MerchantOnBooking,
    NoMerchant,
    PublicSample,
    ConfirmationOnly,
    IdOnly,
}

fn shaped(shape: Shape, body: support::Body) -> support::Body {
    let b = body.set("booking.confirmationNumber", json!("A00006500"));
    match shape {
        Shape::Canonical => b,
        Shape::MerchantOnBooking => b.remove("merchant").set("booking.merchantId", json!("5")),
        Shape::NoMerchant => b
            .remove("merchant")
            .remove("booking.bookingId")
            .set("booking.id", json!(778812)),
        Shape::ConfirmationOnly => b.remove("booking.bookingId"),
        Shape::IdOnly => b.remove("booking.confirmationNumber"),
        Shape::PublicSample => {
            let b = b.remove("merchant").remove("booking.bookingId");
            let mut root = b.0["content"].as_object().unwrap().clone();
            root.insert("event".into(), b.0["eventType"].clone());
            root.insert("createdOn".into(), b.0["createdOn"].clone());
            support::Body(serde_json::Value::Object(root))
        }
    }
}

/// Approved in one shape, canceled in another: one state, the cancel deletes the
/// schedules the approval made, and their fires send nothing. Every pair of shapes
/// that shares an id (a booking named only by its id and another only by its
/// confirmation number cannot be told to be the same).
#[tokio::test]
async fn every_shape_of_a_booking_reaches_the_same_state_and_schedules() {
    use Shape::*;
    let with_confirmation = [
        Canonical,
        MerchantOnBooking,
        NoMerchant,
        PublicSample,
        ConfirmationOnly,
    ];
    let mut pairs: Vec<(Shape, Shape)> = with_confirmation
        .iter()
        .flat_map(|a| with_confirmation.iter().map(move |b| (*a, *b)))
        .collect();
    for other in [Canonical, MerchantOnBooking, NoMerchant] {
        pairs.push((IdOnly, other));
        pairs.push((other, IdOnly));
    }
    for (first, then) in pairs {
        let s = setup();
        let approved = shaped(
            first,
            body("appointment.created", "e1", "2030-06-01T10:00:00Z"),
        );
        let made = s.deliver(&approved).await;
        assert_eq!(made.schedules.len(), 2, "{first:?}: {:?}", made.schedules);
        let inputs = s.inputs();
        let cancel = shaped(
            then,
            body("appointment.canceled", "e2", "2030-06-02T10:00:00Z")
                .with_previous()
                .set("booking.status", json!("Cancelled")),
        );
        let canceled = s.deliver(&cancel).await;
        assert!(
            s.scheduler.all().is_empty(),
            "{first:?} then {then:?}: {:?}",
            canceled.schedules
        );
        assert_eq!(s.states.bookings().len(), 1, "{first:?} then {then:?}");
        for input in &inputs {
            let fired = s.core.fire(input, None).await.unwrap();
            assert_eq!(
                fired.messages[0].reason(),
                Some("the booking is Cancelled"),
                "{first:?} then {then:?}"
            );
        }
        assert!(s.flow_sent().is_empty(), "{first:?} then {then:?}");
    }
}

/// With `merchant_id` configured, a body that names no merchant is that merchant's:
/// its booking has the key it has with the merchant named.
#[tokio::test]
async fn the_configured_merchant_stands_for_a_merchant_not_named() {
    let s = setup_with(Config::from_toml(&format!("merchant_id = \"5\"\n{FLOWS}")).unwrap());
    s.deliver(&shaped(
        Shape::NoMerchant,
        body("appointment.created", "e1", "2030-06-01T10:00:00Z"),
    ))
    .await;
    assert_eq!(s.states.bookings(), ["5/778812"]);
    assert!(s.inputs().iter().all(|i| i["booking"] == "5/778812"));
}
