//! A booking's state merged with an update that leaves fields out, has no time of its own
//! or is older: nothing erased, no cancel undone.

use super::*;

/// The key of the booking object in a payload (any case), if it is an object.
fn booking_key_of(content: &Value) -> Option<String> {
    content
        .as_object()?
        .iter()
        .find(|(k, v)| k.eq_ignore_ascii_case("booking") && v.is_object())
        .map(|(k, _)| k.clone())
}

proptest! {
    #![proptest_config(proptest_config())]

    /// A real booking's state, and an update of it that leaves fields out: merged, the
    /// state keeps every field the update left out; an update without a time of its own
    /// never undoes a cancel; an update older than the state changes nothing.
    #[test]
    fn a_partial_update_never_erases_and_a_timeless_one_never_uncancels(
        sample in any::<Index>(),
        left_out in prop::collection::vec(any::<Index>(), 0..8),
        cancelled in any::<bool>(),
        when in 0..3u8,
    ) {
        use booxi_notify::domain::booking::{Merged, State, merge};
        let (name, original) = sample.get(&SAMPLES);
        let Ok(event) = Event::from_value(original, country()) else {
            return Ok(());
        };
        let mut content = event.content.clone();
        let Some(key) = booking_key_of(&content) else {
            return Ok(());
        };
        if cancelled {
            content[&key]["status"] = json!("Cancelled");
        }
        let known: jiff::Timestamp = "2030-06-01T10:00:00Z".parse().unwrap();
        let stored = State {
            body: json!({"eventId": "e0", "eventType": "appointment.updated", "content": content}),
            known_at: Some(known),
            sealed: false,
        };
        let cancelled = Event::from_value(&stored.body, country())
            .is_ok_and(|e| e.booking.status == Some(booxi_notify::domain::event::Status::Cancelled));
        let mut update = content.clone();
        update[&key]["status"] = json!("Approved");
        let fields: Vec<String> = update[&key].as_object().unwrap().keys().cloned().collect();
        let mut dropped = Vec::new();
        for pick in &left_out {
            let field = pick.get(&fields).clone();
            if field != "status" {
                update[&key].as_object_mut().unwrap().remove(&field);
                dropped.push(field);
            }
        }
        let at = match when {
            0 => None,
            1 => Some(known + jiff::SignedDuration::from_hours(1)),
            _ => Some(known - jiff::SignedDuration::from_hours(1)),
        };
        let incoming = json!({"eventId": "e1", "eventType": "appointment.updated", "content": update});
        match merge(Some(&stored), &incoming, at) {
            Merged::Stale(_) => prop_assert_eq!(when, 2, "{}: only an older update is stale", name),
            Merged::State(after) => {
                prop_assert_ne!(when, 2, "{}: an older update was merged", name);
                let booking = &after.body["content"][&key];
                for field in &dropped {
                    prop_assert_eq!(
                        &booking[field], &stored.body["content"][&key][field],
                        "{}: `{}` left out of the update was not kept", name, field
                    );
                }
                use booxi_notify::domain::event::Status;
                let status = Event::from_value(&after.body, country())
                    .ok()
                    .and_then(|e| e.booking.status);
                if cancelled && when == 0 {
                    prop_assert_eq!(status, Some(Status::Cancelled), "{}: a timeless update undid the cancel", name);
                } else {
                    prop_assert_eq!(status, Some(Status::Approved), "{}", name);
                }
            }
        }
    }
}
