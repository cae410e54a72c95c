//! The Booxi webhook Lambda. For now it parses the event and answers with the plan
//! (what would be sent, without addresses); delivery comes with the webhook issue.

use booxi_notify::{Config, Event, plan};
use lambda_http::{Body, Error, Request, Response, run, service_fn};
use serde_json::json;

async fn handle(config: &Config, request: Request) -> Result<Response<Body>, Error> {
    let answer = |status: u16, body: serde_json::Value| {
        Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
    };
    let event = match Event::parse(request.body().as_ref(), config.default_country) {
        Ok(event) => event,
        Err(e) => return Ok(answer(400, json!({"error": e.to_string()}))?),
    };
    let plan = plan(&event, config);
    if plan.ignored.is_some() {
        return Ok(answer(
            200,
            json!({"status": "ignored", "event_id": event.id}),
        )?);
    }
    let messages: Vec<_> = plan
        .notifications
        .iter()
        .map(|n| json!({"kind": n.kind, "audience": n.audience, "channel": n.channel, "status": "planned"}))
        .collect();
    tracing::info!(event_id = %event.id, event_type = event.event_type.name(), planned = messages.len(), "event planned");
    Ok(answer(
        200,
        json!({"status": "planned", "event_id": event.id, "messages": messages}),
    )?)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_current_span(false)
        .without_time()
        .init();
    let path = std::env::var_os(booxi_notify::config::ENV_CONFIG).map(std::path::PathBuf::from);
    let config = Config::load(path.as_deref(), |k| std::env::var(k).ok())?;
    let config = &config;
    run(service_fn(move |request| handle(config, request))).await
}
