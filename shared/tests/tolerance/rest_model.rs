//! Booxi's REST model: its fields read, values of unexpected types read as absent.

use super::*;

/// The canonical booking with the fields of Booxi's REST model.
fn rest_model_booking() -> Value {
    let mut b = booking("Approved");
    b["bookingId"] = json!("778812");
    b["merchantId"] = json!(501);
    b["staffId"] = json!(7);
    b["totalClientTimespan"] =
        json!({ "start": "2025-03-04T15:00:00Z", "end": "2025-03-04T15:45:00Z", "duration": 45 });
    b["acquisitionChannel"] = json!("Web");
    b["clientCount"] = json!(2);
    b["quickNote"] = json!("Bring the fabric samples");
    b["payment"] = json!({
        "total": "45.00", "paid": 20, "onlinePaymentId": "pay-1",
        "onlinePaymentAmount": { "amount": "20.00", "currency": "CAD" },
        "onlinePaymentStatus": "Paid"
    });
    b["items"] = json!([{
        "serviceId": 3301, "serviceName": "Colour consultation",
        "price": { "visibility": "Visible", "amount": "45.00", "amountPerPerson": null,
                   "amountPerHour": null, "currency": "CAD", "isStartingAt": true, "tax": {} },
        "duration": 45, "resourceId": "r-9", "resourceName": "Chair 2",
        "reservedClientTimespan": { "start": "2025-03-04T15:00:00Z", "end": "2025-03-04T15:45:00Z", "duration": 45 },
        "shoppingCartProductId": null,
        "surveyAnswers": [{ "question": "Hair length?", "answer": "Long" }]
    }, {
        "serviceId": "3302", "price": "10.00", "surveyAnswers": "unexpected"
    }, "not an object"]);
    b["client"]["id"] = json!(90412);
    b["client"]["trackingPage"] = json!({ "viewURL": "https://book.booxi.com/tracking/8c1f2a9e" });
    b
}

#[test]
fn rest_model_fields_are_read_and_change_nothing_planned() {
    let canonical = created_approved();
    let mut c = content(rest_model_booking());
    c["clientLinks"] = json!([
        { "moduleId": 12, "clientId": 90412, "externalId": "crm-77", "metadata": { "tier": "gold" },
          "createdOn": "2025-01-01T00:00:00Z", "modifiedOn": "2025-01-02T00:00:00Z" },
        "junk"
    ]);
    let body = envelope("appointment.created", c);
    let e = event(&body);
    let b = &e.booking;
    assert_eq!(b.id.as_deref(), Some("778812"));
    assert_eq!(b.staff_id.as_deref(), Some("7"));
    assert_eq!(b.quick_note.as_deref(), Some("Bring the fabric samples"));
    assert_eq!(b.client_count.as_deref(), Some("2"));
    assert_eq!(b.acquisition_channel.as_deref(), Some("Web"));
    let payment = b.payment.as_ref().unwrap();
    assert_eq!(payment.total.as_ref().unwrap().amount, "45.00");
    assert_eq!(payment.paid.as_ref().unwrap().amount, "20");
    let online = payment.online_amount.as_ref().unwrap();
    assert_eq!(
        (online.amount.as_str(), online.currency.as_deref()),
        ("20.00", Some("CAD"))
    );
    assert_eq!(payment.online_status.as_deref(), Some("Paid"));
    assert_eq!(
        b.items.len(),
        2,
        "the element that is not an object is passed over"
    );
    let price = b.items[0].price.as_ref().unwrap();
    assert_eq!(
        (
            price.amount.as_str(),
            price.currency.as_deref(),
            price.is_starting_at
        ),
        ("45.00", Some("CAD"), true)
    );
    assert_eq!(b.items[0].service_id.as_deref(), Some("3301"));
    assert_eq!(b.items[0].resource_name.as_deref(), Some("Chair 2"));
    assert_eq!(
        b.items[0].survey_answers,
        Some(json!([{ "question": "Hair length?", "answer": "Long" }]))
    );
    assert_eq!(b.items[1].price.as_ref().unwrap().amount, "10.00");
    assert_eq!(b.items[1].service_id.as_deref(), Some("3302"));
    assert_eq!(e.client_links.len(), 1);
    assert_eq!(e.client_links[0].module_id.as_deref(), Some("12"));
    assert_eq!(e.client_links[0].client_id.as_deref(), Some("90412"));
    assert_eq!(e.client_links[0].external_id.as_deref(), Some("crm-77"));
    assert_eq!(e.client.as_ref().unwrap().id.as_deref(), Some("90412"));
    assert_eq!(
        e.tracking_page.as_ref().unwrap().view_url.as_str(),
        "https://booxi.example/track?b=abc",
        "booking.trackingPage first"
    );
    assert_eq!(sent(&planned(&body)), sent(&planned(&canonical)));
}

#[test]
fn rest_model_values_of_unexpected_types_read_as_absent() {
    let mut b = rest_model_booking();
    b["payment"] = json!({ "total": { "currency": "CAD" }, "paid": [1], "onlinePaymentStatus": 3 });
    b["items"] = json!([{ "price": { "amount": null }, "surveyAnswers": null }]);
    b["quickNote"] = json!({ "text": "x" });
    let mut c = content(b);
    c["clientLinks"] = json!("none");
    let body = envelope("appointment.created", c);
    let e = event(&body);
    let payment = e.booking.payment.as_ref().unwrap();
    assert_eq!(
        (payment.total.as_ref(), payment.paid.as_ref()),
        (None, None)
    );
    assert_eq!(payment.online_status.as_deref(), Some("3"));
    assert_eq!(e.booking.items[0].price, None);
    assert_eq!(e.booking.items[0].survey_answers, None);
    assert_eq!(e.booking.quick_note, None);
    assert!(e.client_links.is_empty());
    assert_eq!(sent(&planned(&body)), sent(&planned(&created_approved())));
}

#[test]
fn client_links_may_sit_on_the_client() {
    let mut b = booking("Approved");
    b["client"]["clientLinks"] = json!([{ "moduleId": "m", "externalId": "x-1" }]);
    let e = event(&envelope("appointment.created", content(b)));
    assert_eq!(e.client_links[0].external_id.as_deref(), Some("x-1"));
}
