//! The bare function the webhook's cold start is compared with: `lambda_runtime`'s
//! hello world (what lambda-perf deploys for Rust), built with the workspace's release
//! profile. It answers every event with a fixed API Gateway response.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|_event: LambdaEvent<Value>| async {
        Ok::<Value, Error>(json!({ "statusCode": 200, "body": "hello world" }))
    }))
    .await
}
