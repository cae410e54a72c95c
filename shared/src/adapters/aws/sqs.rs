//! SQS as the [`Queue`] of queued mode: `SendMessageBatch`, up to ten entries a call.

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use futures_util::future::BoxFuture;

use super::classify;
use crate::core::queue::{Entry, Queue, QueueError, Rejected};

/// The queue at `url` (`BOOXI_QUEUE_URL`), through a client built only in queued mode.
#[derive(Debug, Clone)]
pub struct SqsQueue {
    client: Client,
    url: String,
}

impl SqsQueue {
    pub fn new(client: Client, url: impl Into<String>) -> Self {
        Self {
            client,
            url: url.into(),
        }
    }
}

impl Queue for SqsQueue {
    fn send_batch<'a>(
        &'a self,
        entries: &'a [Entry],
    ) -> BoxFuture<'a, Result<Vec<Rejected>, QueueError>> {
        Box::pin(async move {
            let entries = entries
                .iter()
                .map(|e| {
                    SendMessageBatchRequestEntry::builder()
                        .id(&e.id)
                        .message_body(&e.body)
                        .build()
                        .map_err(|err| QueueError(format!("SQS entry: {err}")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let out = self
                .client
                .send_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| QueueError(format!("SQS SendMessageBatch: {}", classify(&e).1)))?;
            Ok(out
                .failed()
                .iter()
                .map(|f| Rejected {
                    id: f.id().to_owned(),
                    reason: format!("SQS SendMessageBatch: {}", f.code()),
                    sender_fault: f.sender_fault(),
                })
                .collect())
        })
    }
}
