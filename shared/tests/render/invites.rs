//! Invites (`.ics`): UID and sequence, a move and a cancel, the video link.

use super::*;

#[test]
fn invites_keep_their_uid_and_grow_their_sequence() {
    let r = renderer();
    let created = event(&rich_body("appointment.created"));
    let confirmation = email(
        &r,
        &created,
        &notification(Kind::Confirmation, "eng", Channel::Email),
    );
    let ics = confirmation.ics.expect("a confirmation carries an invite");
    assert!(ics.content.contains("\r\nMETHOD:REQUEST\r\n"));
    assert!(ics.content.contains("\r\nDTSTART:20261203T150000Z\r\n"));
    assert!(ics.content.contains("\r\nDTEND:20261203T160000Z\r\n"));

    let mut moved = rich_body("appointment.updated");
    moved["content"]["booking"]["modifiedOn"] = json!("2026-11-25T08:00:00Z");
    let changed = email(
        &r,
        &event(&moved),
        &notification(Kind::Changed, "eng", Channel::Email),
    )
    .ics
    .unwrap();
    assert_eq!(changed.uid, ics.uid);
    assert!(changed.sequence > ics.sequence);

    let mut canceled = rich_body("appointment.canceled");
    canceled["content"]["booking"]["modifiedOn"] = json!("2026-11-26T08:00:00Z");
    let cancel = email(
        &r,
        &event(&canceled),
        &notification(Kind::CanceledByClient, "eng", Channel::Email),
    )
    .ics
    .unwrap();
    assert_eq!(cancel.uid, ics.uid);
    assert!(cancel.sequence > changed.sequence);
    assert!(cancel.content.contains("\r\nMETHOD:CANCEL\r\n"));
    assert!(cancel.content.contains("\r\nSTATUS:CANCELLED\r\n"));

    // No invite for other kinds, for staff, or without a start time.
    for kind in [Kind::Reminder, Kind::RequestReceived, Kind::StaffNewBooking] {
        assert!(
            email(&r, &created, &notification(kind, "eng", Channel::Email))
                .ics
                .is_none(),
            "{kind}"
        );
    }
    let flexible = event(&minimal_body());
    assert!(
        email(
            &r,
            &flexible,
            &notification(Kind::Confirmation, "eng", Channel::Email)
        )
        .ics
        .is_none()
    );
}

/// Booxi may leave `modifiedOn` where it was: each change still arrives in a later
/// webhook event, and the invite's SEQUENCE follows it, so calendars apply a move and
/// then a cancel. A moved start past `totalClientTimespan.end` still gets a DTEND.
#[test]
fn invites_apply_a_move_and_a_cancel_when_modified_on_stays_put() {
    let r = renderer();
    let stamped = |event_type: &str, created_on: &str| {
        let mut body = rich_body(event_type);
        body["createdOn"] = json!(created_on);
        body["content"]["booking"]["modifiedOn"] = json!("2026-11-21T09:30:00Z");
        body
    };
    let invite = |body: &Value, kind: Kind| {
        email(&r, &event(body), &notification(kind, "eng", Channel::Email))
            .ics
            .expect("an invite")
    };
    let first = invite(
        &stamped("appointment.created", "2026-11-21T09:30:00Z"),
        Kind::Confirmation,
    );
    // Moved to 18:00 UTC; Booxi left the timespan's end at 16:00 and modifiedOn as is.
    let mut moved = stamped("appointment.updated", "2026-11-22T10:00:00Z");
    moved["content"]["booking"]["startsOn"] = json!("2026-12-03T18:00:00Z");
    let moved_ics = invite(&moved, Kind::Changed);
    assert!(
        moved_ics.sequence > first.sequence,
        "{moved_ics:?} {first:?}"
    );
    assert!(
        moved_ics
            .content
            .contains("\r\nDTSTART:20261203T180000Z\r\n"),
        "{}",
        moved_ics.content
    );
    assert!(
        moved_ics.content.contains("\r\nDTEND:20261203T190000Z\r\n"),
        "the 60-minute duration gives the end: {}",
        moved_ics.content
    );
    let canceled = stamped("appointment.canceled", "2026-11-23T08:00:00Z");
    let cancel_ics = invite(&canceled, Kind::CanceledByClient);
    assert!(cancel_ics.sequence > moved_ics.sequence);
    assert_eq!(cancel_ics.uid, first.uid);

    // The items' durations when the timespan has no usable end or duration.
    let mut items = stamped("appointment.created", "2026-11-21T09:30:00Z");
    items["content"]["booking"]["totalClientTimespan"] = json!({"end": "2026-12-03T14:00:00Z"});
    items["content"]["booking"]["items"] = json!([{"duration": 45}, {"duration": 30}]);
    let ics = invite(&items, Kind::Confirmation);
    assert!(
        ics.content.contains("\r\nDTEND:20261203T161500Z\r\n"),
        "{}",
        ics.content
    );
    // Nothing at all: a default length rather than a zero-length event.
    let mut nothing = stamped("appointment.created", "2026-11-21T09:30:00Z");
    nothing["content"]["booking"]["totalClientTimespan"] = json!({});
    let ics = invite(&nothing, Kind::Confirmation);
    assert!(
        ics.content.contains("\r\nDTEND:20261203T153000Z\r\n"),
        "{}",
        ics.content
    );
}

/// The join link of a video call is in the invite's DESCRIPTION too (some calendars show
/// LOCATION as plain text), and only in a REQUEST.
#[test]
fn invites_carry_the_video_link_in_their_description() {
    let r = renderer();
    let mut body = rich_body("appointment.created");
    body["content"]["booking"]["location"] = json!("VideoConference");
    let e = event(&body);
    let ics = email(
        &r,
        &e,
        &notification(Kind::Confirmation, "eng", Channel::Email),
    )
    .ics
    .unwrap()
    .content
    .replace("\r\n ", "");
    let description = ics
        .lines()
        .find(|l| l.starts_with("DESCRIPTION:"))
        .unwrap_or_else(|| panic!("{ics}"));
    assert!(
        description.contains("Join the video call: https://meet.example.com/client"),
        "{description}"
    );
    assert!(ics.contains("\r\nLOCATION:https://meet.example.com/client\r\n"));
    let cancel = email(
        &r,
        &e,
        &notification(Kind::CanceledByClient, "eng", Channel::Email),
    )
    .ics
    .unwrap()
    .content;
    assert!(!cancel.contains("Join the video call"), "{cancel}");
}

/// An email says what its invite does, in its HTML and its text: a request adds the
/// appointment, a cancel removes it; an email without an invite says neither, and an SMS
/// of the same event in the same scope never inherits the sentence.
#[test]
fn an_email_says_what_its_invite_does() {
    use booxi_notify::render::{EventScope, Sequencing};
    let r = renderer();
    let request = "The invitation attached to this email adds the appointment to your calendar.";
    let cancel = "The update attached to this email removes the appointment from your calendar.";
    for (event_type, kind, says) in [
        ("appointment.created", Kind::Confirmation, Some(request)),
        ("appointment.canceled", Kind::CanceledByClient, Some(cancel)),
        ("appointment.created", Kind::StaffNewBooking, None),
    ] {
        let e = event(&rich_body(event_type));
        let scope = EventScope::new(&e);
        let render = |n: &Notification| r.render_in(&scope, n, Sequencing::default());
        let Ok(Message::Email(m)) = render(&notification(kind, "eng", Channel::Email)) else {
            panic!("{kind}: an email");
        };
        assert_eq!(m.ics.is_some(), says.is_some(), "{kind}");
        for sentence in [request, cancel] {
            let expected = says == Some(sentence);
            assert_eq!(
                m.html.contains(sentence),
                expected,
                "{kind} html: {sentence}"
            );
            assert_eq!(
                m.text.contains(sentence),
                expected,
                "{kind} text: {sentence}"
            );
        }
        if !kind.is_staff() {
            let Ok(Message::Sms(s)) = render(&notification(kind, "eng", Channel::Sms)) else {
                panic!("{kind}: an SMS");
            };
            assert!(!s.text.contains("calendar"), "{kind}: {}", s.text);
        }
    }
}
