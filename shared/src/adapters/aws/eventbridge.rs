//! EventBridge as the events-out [`EventBus`]: one `PutEvents` call per put, each entry
//! with `source` `booxi-notify`, its detail-type and detail, on the configured bus (name
//! or ARN). `PutEvents` answers HTTP 200 even when entries fail: each entry's error code
//! is read, and an entry not taken is reported failed.

use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use futures_util::future::BoxFuture;

use crate::core::delivery::Failure;
use crate::core::events_out::{BusError, Entry, EventBus};
use crate::domain::events_out::SOURCE;

/// Error codes about our side (permissions, the bus, the request), of the call or of an
/// entry (EventBridge's non-retryable entry codes): answered 502, and delivered by
/// Booxi's retry once fixed. Any other (`InternalFailure`, `ThrottlingException`, a 5xx,
/// a code we do not know) is temporary: 503.
const CONFIGURATION: &[&str] = &[
    "AccessDeniedException",
    "ResourceNotFoundException",
    "ValidationException",
    "InvalidAccountIdException",
    "InvalidArgument",
    "MalformedDetail",
    "RedactionFailure",
    "NotAuthorizedForSourceException",
    "NotAuthorizedForDetailTypeException",
];

#[derive(Debug, Clone)]
pub struct EventBridgeBus {
    client: Client,
    bus: String,
}

impl EventBridgeBus {
    /// No call is made here: the client connects on the first event published.
    pub fn new(client: Client, bus: String) -> Self {
        Self { client, bus }
    }
}

fn call_error<E, R>(e: &SdkError<E, R>) -> BusError
where
    E: ProvideErrorMetadata,
    R: std::fmt::Debug,
{
    let (failure, what) = match e {
        SdkError::ServiceError(se) => {
            let code = se.err().code().unwrap_or("UnknownError").to_owned();
            let failure = if CONFIGURATION.contains(&code.as_str()) {
                Failure::Configuration
            } else {
                Failure::Temporary
            };
            (failure, code)
        }
        SdkError::TimeoutError(_) => (Failure::Temporary, "timeout".to_owned()),
        SdkError::DispatchFailure(_) => (Failure::Temporary, "network error".to_owned()),
        SdkError::ResponseError(_) => (Failure::Temporary, "unreadable response".to_owned()),
        _ => (
            Failure::Configuration,
            "request could not be built".to_owned(),
        ),
    };
    BusError {
        failure,
        message: format!("PutEvents: {what}"),
    }
}

impl EventBus for EventBridgeBus {
    fn put<'a>(
        &'a self,
        entries: &'a [Entry],
    ) -> BoxFuture<'a, Result<Vec<(usize, BusError)>, BusError>> {
        Box::pin(async move {
            let request: Vec<PutEventsRequestEntry> = entries
                .iter()
                .map(|e| {
                    PutEventsRequestEntry::builder()
                        .event_bus_name(&self.bus)
                        .source(SOURCE)
                        .detail_type(&e.detail_type)
                        .detail(&e.detail)
                        .build()
                })
                .collect();
            let out = self
                .client
                .put_events()
                .set_entries(Some(request))
                .send()
                .await
                .map_err(|e| call_error(&e))?;
            if out.failed_entry_count() == 0 {
                return Ok(Vec::new());
            }
            // The answer lists one result per entry, in order; a failed one has a code.
            let mut failed: Vec<(usize, BusError)> = out
                .entries()
                .iter()
                .enumerate()
                .filter_map(|(i, result)| {
                    let code = result.error_code()?;
                    let failure = if CONFIGURATION.contains(&code) {
                        Failure::Configuration
                    } else {
                        Failure::Temporary
                    };
                    Some((
                        i,
                        BusError {
                            failure,
                            message: format!("PutEvents entry: {code}"),
                        },
                    ))
                })
                .collect();
            if failed.is_empty() {
                // Failed entries counted but none named: treat every entry as failed.
                failed = (0..entries.len())
                    .map(|i| {
                        (
                            i,
                            BusError {
                                failure: Failure::Temporary,
                                message: "PutEvents entry: failed (no error code)".into(),
                            },
                        )
                    })
                    .collect();
            }
            Ok(failed)
        })
    }
}
