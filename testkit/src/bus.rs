//! moto's EventBridge, as a merchant's rule sees it: a bus with a rule matching
//! `source: booxi-notify` whose target is an SQS queue (moto delivers to SQS targets).
//! `crate::proxy::FailingPutEvents` fails some of its `PutEvents` calls.

use serde_json::{Value, json};

use crate::moto::Moto;

/// A bus and the queue its rule delivers every `booxi-notify` event to.
#[derive(Debug, Clone)]
pub struct BusTap {
    pub bus: String,
    pub bus_arn: String,
    pub queue_url: String,
}

impl Moto {
    /// The bus `bus`, a queue, and a rule on the bus that sends every event with source
    /// `booxi-notify` to the queue.
    pub fn tap_bus(&self, bus: &str) -> BusTap {
        let bus_arn = self.events("CreateEventBus", json!({"Name": bus}))["EventBusArn"]
            .as_str()
            .expect("a bus ARN")
            .to_owned();
        let queue_url =
            self.sqs("CreateQueue", json!({"QueueName": format!("{bus}-tap")}))["QueueUrl"]
                .as_str()
                .expect("a queue URL")
                .to_owned();
        let queue_arn = self.queue_attribute(&queue_url, "QueueArn");
        self.events(
            "PutRule",
            json!({
                "Name": format!("{bus}-all"),
                "EventBusName": bus,
                "EventPattern": json!({"source": ["booxi-notify"]}).to_string(),
                "State": "ENABLED",
            }),
        );
        self.events(
            "PutTargets",
            json!({
                "Rule": format!("{bus}-all"),
                "EventBusName": bus,
                "Targets": [{"Id": "tap", "Arn": queue_arn}],
            }),
        );
        BusTap {
            bus: bus.to_owned(),
            bus_arn,
            queue_url,
        }
    }

    /// The events the tap's queue received since the last call (each removed from the
    /// queue), as EventBridge delivered them: `{"detail-type", "source", "detail", …}`.
    pub fn tapped(&self, tap: &BusTap) -> Vec<Value> {
        let mut events = Vec::new();
        loop {
            let got = self.sqs(
                "ReceiveMessage",
                json!({"QueueUrl": tap.queue_url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 0}),
            );
            let messages = got["Messages"].as_array().cloned().unwrap_or_default();
            if messages.is_empty() {
                return events;
            }
            for m in &messages {
                let body = m["Body"].as_str().unwrap_or_default();
                events.push(serde_json::from_str(body).unwrap_or(Value::String(body.into())));
                self.sqs(
                    "DeleteMessage",
                    json!({"QueueUrl": tap.queue_url, "ReceiptHandle": m["ReceiptHandle"]}),
                );
            }
        }
    }
}
