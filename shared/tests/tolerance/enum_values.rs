//! Enum values: statuses, presences, client communication, modified-by in any case or
//! spelling; languages of two letters or BCP 47.

use super::*;

#[test]
fn status_canceled_and_cancelled_are_the_same() {
    let plans: Vec<Plan> = ["Cancelled", "Canceled", "cancelled", "CANCELED"]
        .into_iter()
        .map(|spelling| {
            let body = status_updated(
                booking("Approved"),
                with_status(booking("Approved"), spelling),
            );
            assert_eq!(
                event(&body).booking.status,
                Some(Status::Cancelled),
                "{spelling}"
            );
            planned(&body)
        })
        .collect();
    assert_eq!(plans[0].client_kind, Some(Kind::CanceledByStore));
    assert!(kinds(&plans[0]).contains(&Kind::StaffCanceled));
    for p in &plans[1..] {
        assert_eq!(p, &plans[0]);
    }
}

#[test]
fn status_is_compared_case_insensitively() {
    let canonical = planned(&created_approved());
    for spelling in ["approved", "APPROVED", "aPpRoVeD"] {
        let body = envelope(
            "appointment.created",
            content(with_status(booking("Approved"), spelling)),
        );
        assert_eq!(event(&body).booking.status, Some(Status::Approved));
        assert_eq!(planned(&body), canonical, "{spelling}");
    }
}

#[test]
fn pending_statuses_are_compared_case_insensitively() {
    for (spelling, status, kind) in [
        (
            "pendingstaffapproval",
            Status::PendingStaffApproval,
            Kind::RequestReceived,
        ),
        (
            "PENDING_CLIENT_APPROVAL",
            Status::PendingClientApproval,
            Kind::AwaitingClientConfirmation,
        ),
    ] {
        let body = envelope(
            "appointment.created",
            content(with_status(booking("x"), spelling)),
        );
        assert_eq!(event(&body).booking.status, Some(status), "{spelling}");
        assert_eq!(planned(&body).client_kind, Some(kind), "{spelling}");
    }
}

#[test]
fn presence_noshow_is_compared_case_insensitively() {
    let plans: Vec<Plan> = ["NoShow", "noshow", "NOSHOW", "no_show"]
        .into_iter()
        .map(|spelling| {
            let body = status_updated(
                booking("Approved"),
                with_presence(booking("Approved"), spelling),
            );
            assert_eq!(
                event(&body).booking.presence,
                Some(Presence::NoShow),
                "{spelling}"
            );
            planned(&body)
        })
        .collect();
    assert_eq!(plans[0].client_kind, Some(Kind::NoShow));
    assert!(!plans[0].notifications.is_empty());
    for p in &plans[1..] {
        assert_eq!(p, &plans[0]);
    }
}

#[test]
fn presence_expecting_is_compared_case_insensitively() {
    let before = booking("PendingStaffApproval");
    let after = with_presence(booking("Approved"), "expecting");
    let body = status_updated(before, after);
    assert_eq!(event(&body).booking.presence, Some(Presence::Expecting));
    assert_eq!(planned(&body).client_kind, Some(Kind::Confirmation));
}

#[test]
fn completed_appointment_with_presence_arrived_is_completed() {
    // Since 2024 a completed appointment also has client.presence = Arrived.
    let mut after = with_presence(booking("Approved"), "arrived");
    after["isCompleted"] = json!(true);
    let body = status_updated(booking("Approved"), after);
    let e = event(&body);
    assert_eq!(e.booking.presence, Some(Presence::Arrived));
    assert_eq!(planned(&body).client_kind, Some(Kind::Completed));
}

#[test]
fn client_communication_donotsend_is_compared_case_insensitively() {
    for spelling in ["DoNotSend", "donotsend", "DO_NOT_SEND"] {
        let mut b = booking("Approved");
        b["clientCommunication"] = json!(spelling);
        let body = envelope("appointment.created", content(b));
        assert_eq!(
            event(&body).client_communication(),
            ClientCommunication::DoNotSend,
            "{spelling}"
        );
        let p = planned(&body);
        assert_eq!(p.client_kind, Some(Kind::Confirmation));
        // No message to the client, staff messages still go.
        assert_eq!(kinds(&p), [Kind::StaffNewBooking], "{spelling}");
        assert!(
            p.skipped
                .iter()
                .any(|s| s.audience == Audience::Client && s.reason.contains("DoNotSend")),
            "{:?}",
            p.skipped
        );
    }
}

#[test]
fn client_communication_client_and_attendees_is_compared_case_insensitively() {
    let mut b = booking("Approved");
    b["clientCommunication"] = json!("clientandattendees");
    b["attendees"] = json!([
        { "firstName": "Ann", "email": "ann@example.com", "language": "fre" },
        { "firstName": "Bob", "email": "bob@example.com" }
    ]);
    let body = envelope("appointment.created", content(b));
    let e = event(&body);
    assert_eq!(
        e.client_communication(),
        ClientCommunication::ClientAndAttendees
    );
    assert_eq!(e.attendees.len(), 2);
    let p = planned(&body);
    let to_attendees: Vec<_> = p
        .notifications
        .iter()
        .filter(|n| n.audience == Audience::Attendee)
        .map(|n| (n.to.as_str(), n.language.code()))
        .collect();
    assert_eq!(
        to_attendees,
        [("ann@example.com", "fre"), ("bob@example.com", "eng")]
    );
}

#[test]
fn absent_client_communication_means_client_only() {
    let mut b = booking("Approved");
    b.as_object_mut().unwrap().remove("clientCommunication");
    b["attendees"] = json!([{ "email": "ann@example.com" }]);
    let body = envelope("appointment.created", content(b));
    assert_eq!(
        event(&body).client_communication(),
        ClientCommunication::ClientOnly
    );
    let p = planned(&body);
    assert!(
        p.notifications
            .iter()
            .all(|n| n.audience != Audience::Attendee)
    );
}

#[test]
fn modified_by_is_compared_case_insensitively() {
    for (spelling, kind) in [
        ("client", Kind::CanceledByClient),
        ("CLIENT", Kind::CanceledByClient),
        ("staff", Kind::CanceledByStore),
        ("Staff", Kind::CanceledByStore),
    ] {
        let mut after = with_status(booking("Approved"), "Cancelled");
        after["modifiedBy"] = json!(spelling);
        let body = status_updated(booking("Approved"), after);
        assert_eq!(planned(&body).client_kind, Some(kind), "{spelling}");
    }
}

#[test]
fn languages_may_be_two_letter_or_bcp47() {
    for spelling in ["fr", "fr-CA", "fra", "FRE", "fr_CA"] {
        let mut b = booking("Approved");
        b["client"]["language"] = json!(spelling);
        let body = envelope("appointment.created", content(b));
        let e = event(&body);
        assert_eq!(
            e.client
                .as_ref()
                .and_then(|c| c.language.as_ref())
                .map(|l| l.code()),
            Some("fre"),
            "{spelling}"
        );
        let p = plan(&e, &Config::default());
        let to_client = &p.notifications[0];
        assert_eq!(to_client.language.code(), "fre", "{spelling}");
        assert!(
            to_client
                .links
                .as_ref()
                .is_some_and(|l| l.view.as_str().ends_with("&lang=fre")),
            "{spelling}: {:?}",
            to_client.links
        );
    }
}
