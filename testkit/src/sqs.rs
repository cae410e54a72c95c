//! moto's SQS, and a player of Lambda's SQS event source mapping: moto keeps queues (and
//! moves a message to the dead-letter queue after `maxReceiveCount` receives) but invokes
//! nothing, so [`EventSourceMapping`] does what Lambda's poller does: receives a batch,
//! invokes the function with it as an SQS event through a [`RuntimeApi`], and deletes the
//! messages the function did not list in `batchItemFailures` (all of them when the
//! invocation fails). The failed ones come back after the visibility timeout.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::lambda::RuntimeApi;
use crate::moto::Moto;

/// A queue and its dead-letter queue, made on moto.
#[derive(Debug, Clone)]
pub struct Queues {
    pub url: String,
    pub arn: String,
    pub dlq_url: String,
}

impl Moto {
    /// One SQS call (JSON protocol).
    pub fn sqs(&self, action: &str, body: Value) -> Value {
        self.json_call("sqs", &format!("AmazonSQS.{action}"), "1.0", body)
    }

    /// `name` with a dead-letter queue `name-dlq` after `max_receives` receives, and
    /// `visibility` as its visibility timeout (whole seconds).
    pub fn create_queues(&self, name: &str, max_receives: u32, visibility: Duration) -> Queues {
        let dlq_url =
            self.sqs("CreateQueue", json!({"QueueName": format!("{name}-dlq")}))["QueueUrl"]
                .as_str()
                .expect("a DLQ URL")
                .to_owned();
        let dlq_arn = self.queue_attribute(&dlq_url, "QueueArn");
        let redrive = json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receives});
        let url = self.sqs(
            "CreateQueue",
            json!({"QueueName": name, "Attributes": {
                "VisibilityTimeout": visibility.as_secs().to_string(),
                "RedrivePolicy": redrive.to_string(),
            }}),
        )["QueueUrl"]
            .as_str()
            .expect("a queue URL")
            .to_owned();
        let arn = self.queue_attribute(&url, "QueueArn");
        Queues { url, arn, dlq_url }
    }

    pub fn queue_attribute(&self, url: &str, name: &str) -> String {
        self.sqs(
            "GetQueueAttributes",
            json!({"QueueUrl": url, "AttributeNames": [name]}),
        )["Attributes"][name]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Messages in a queue: visible, and received but not yet deleted (in flight).
    pub fn queue_depth(&self, url: &str) -> (usize, usize) {
        let attrs = self.sqs(
            "GetQueueAttributes",
            json!({"QueueUrl": url, "AttributeNames": [
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]}),
        );
        let n = |k: &str| {
            attrs["Attributes"][k]
                .as_str()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (
            n("ApproximateNumberOfMessages"),
            n("ApproximateNumberOfMessagesNotVisible"),
        )
    }
}

/// What the player saw.
#[derive(Debug, Default)]
pub struct MappingLog {
    pub invocations: AtomicUsize,
    /// Messages handed to the function (a redelivered message counts each time).
    pub received: AtomicUsize,
    pub reported_failed: AtomicUsize,
    pub invoke_errors: AtomicUsize,
    pub deleted: AtomicUsize,
}

/// Lambda's SQS poller, played: `concurrency` pollers (`ScalingConfig.MaximumConcurrency`),
/// each receiving up to `batch_size` messages (`BatchSize`) and invoking the function.
pub struct EventSourceMapping {
    pub queues: Queues,
    pub batch_size: usize,
    pub concurrency: usize,
}

impl EventSourceMapping {
    /// Polls until the queue is empty (nothing visible, nothing in flight) or `timeout`
    /// passes; returns what it did and when the last message left the queue.
    pub fn run_until_empty(
        &self,
        moto: &Moto,
        runtime: &RuntimeApi,
        timeout: Duration,
    ) -> (Arc<MappingLog>, Duration) {
        self.run(moto, runtime, timeout, &|| false)
    }

    /// Polls as [`EventSourceMapping::run_until_empty`] does, but an empty queue ends
    /// the run only once `more_to_come` says no (messages still being enqueued).
    pub fn run(
        &self,
        moto: &Moto,
        runtime: &RuntimeApi,
        timeout: Duration,
        more_to_come: &(dyn Fn() -> bool + Sync),
    ) -> (Arc<MappingLog>, Duration) {
        let started = Instant::now();
        let log = Arc::new(MappingLog::default());
        std::thread::scope(|scope| {
            for _ in 0..self.concurrency.max(1) {
                let log = Arc::clone(&log);
                scope.spawn(move || {
                    // moto counts visible and in-flight messages one after the other: a
                    // message whose visibility timeout ends between the two counts is in
                    // neither, and the queue looks empty for that instant. Empty twice
                    // in a row, 100 ms apart, is empty.
                    let mut empty_before = false;
                    while started.elapsed() < timeout {
                        if self.poll_once(moto, runtime, &log) {
                            empty_before = false;
                            continue;
                        }
                        let (visible, in_flight) = moto.queue_depth(&self.queues.url);
                        let empty = visible == 0 && in_flight == 0 && !more_to_come();
                        if empty && empty_before {
                            return;
                        }
                        empty_before = empty;
                        std::thread::sleep(Duration::from_millis(100));
                    }
                });
            }
        });
        (log, started.elapsed())
    }

    /// One receive → invoke → delete round; false when nothing was received.
    fn poll_once(&self, moto: &Moto, runtime: &RuntimeApi, log: &MappingLog) -> bool {
        let got = moto.sqs(
            "ReceiveMessage",
            json!({"QueueUrl": self.queues.url, "MaxNumberOfMessages": self.batch_size,
                   "WaitTimeSeconds": 0, "AttributeNames": ["All"]}),
        );
        let messages = got["Messages"].as_array().cloned().unwrap_or_default();
        if messages.is_empty() {
            return false;
        }
        log.received.fetch_add(messages.len(), Ordering::SeqCst);
        let records: Vec<Value> = messages
            .iter()
            .map(|m| {
                json!({
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": m["Attributes"],
                    "messageAttributes": {},
                    "md5OfBody": m["MD5OfBody"],
                    "eventSource": "aws:sqs",
                    "eventSourceARN": self.queues.arn,
                    "awsRegion": "us-east-1",
                })
            })
            .collect();
        log.invocations.fetch_add(1, Ordering::SeqCst);
        let failed: Vec<String> =
            match runtime.invoke(&json!({ "Records": records }), Duration::from_secs(60)) {
                Ok(answer) => answer["batchItemFailures"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|f| f["itemIdentifier"].as_str().map(str::to_owned))
                    .collect(),
                Err(_) => {
                    log.invoke_errors.fetch_add(1, Ordering::SeqCst);
                    return true;
                }
            };
        log.reported_failed
            .fetch_add(failed.len(), Ordering::SeqCst);
        let done: Vec<Value> = messages
            .iter()
            .filter(|m| !failed.iter().any(|f| m["MessageId"].as_str() == Some(f)))
            .enumerate()
            .map(|(i, m)| json!({"Id": i.to_string(), "ReceiptHandle": m["ReceiptHandle"]}))
            .collect();
        for chunk in done.chunks(10) {
            moto.sqs(
                "DeleteMessageBatch",
                json!({"QueueUrl": self.queues.url, "Entries": chunk}),
            );
            log.deleted.fetch_add(chunk.len(), Ordering::SeqCst);
        }
        true
    }
}
