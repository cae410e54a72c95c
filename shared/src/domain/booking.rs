//! Which booking an event is about: the key its schedules and its saved state hang on.

use crate::domain::event::Event;

/// The booking an event is about, as a key: `<merchant id>/<booking id>` (bounded
/// by [`crate::domain::ids::storage_key`]). `None` when the event names no booking.
pub fn booking_key(event: &Event) -> Option<String> {
    let booking = event
        .booking
        .id
        .as_deref()
        .or(event.booking.confirmation_number.as_deref())?;
    let merchant = event.merchant.id.as_deref().unwrap_or("-");
    Some(crate::domain::ids::storage_key(&format!(
        "{merchant}/{booking}"
    )))
}
