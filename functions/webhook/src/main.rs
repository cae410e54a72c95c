//! The Booxi webhook Lambda: wiring only. AWS clients and the renderer are built once,
//! at init; the secret is fetched and DynamoDB touched at init too, so the first
//! request does not pay their TLS handshakes. HTTP is the edge's
//! (`booxi_notify::doors::http`), the work the core's (`booxi_notify::core::process`).

use std::sync::Arc;

use booxi_notify::adapters::aws::{
    AwsCourier, DynamoStore, EventBridgeBus, EventBridgeScheduler, OptOutCache,
    SecretsManagerSource, SqsQueue, WhatsAppSender, sdk_config,
};
use booxi_notify::adapters::local::LocalMode;
use booxi_notify::core::compose::{Compose, RenderComposer};
use booxi_notify::core::delivery::Courier;
use booxi_notify::core::events_out::EventsOut;
use booxi_notify::core::process::Core;
use booxi_notify::core::queue::Queue;
use booxi_notify::core::schedules::Flows;
use booxi_notify::core::store::{IdempotencyStore, RecipientHasher};
use booxi_notify::doors::auth::{CachedSecrets, SecretSource};
use booxi_notify::doors::http::{self as edge, Webhook};
use booxi_notify::doors::outcomes;
use booxi_notify::doors::queue;
use booxi_notify::doors::schedule;
use booxi_notify::doors::{self, ClosedDoor, Door, UnknownDoor};
use booxi_notify::render::{RenderConfig, Renderer};
use booxi_notify::settings::{LambdaEnv, Loaded};
use lambda_http::request::LambdaRequest;
use lambda_http::{
    Adapter, Body, Error, LambdaEvent, Request, RequestExt, Service, lambda_runtime, service_fn,
};
use serde_json::Value;

// mimalloc: fewer instructions per allocation than glibc's malloc, and rendering a
// message allocates a few thousand times (BENCHMARKS.md, "Profile and allocator").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// One thread: Lambda hands a process one event at a time, and the event's AWS calls
// overlap on one thread as well as on several; worker threads only added wake-ups and
// context switches (measured in BENCHMARKS.md). Blocking work still has tokio's pool.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .without_time()
        .init();

    let env = |key: &str| std::env::var(key).ok();
    let loaded = Loaded::load(None, env)?;
    // BOOXI_LOCAL_MODE (sam local invoke --env-vars events/local-env.json): no AWS at all.
    if let Some(local) = LocalMode::from_env(env).map_err(|e| e.to_string())? {
        let Loaded { config, settings } = loaded;
        return serve(Arc::new(local.webhook(config, settings)?), false).await;
    }
    let lambda = LambdaEnv::from_env(env, &loaded)?;
    let Loaded {
        config,
        mut settings,
    } = loaded;
    // The drain (BOOXI_DRAIN_ONLY) never reads the webhook secret.
    let uses_secret = settings.http.auth_mode.uses_secret() && !lambda.drain_only;

    let aws = sdk_config().await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), lambda.table.clone());
    let secrets_client = aws_sdk_secretsmanager::Client::new(&aws);
    let secrets = CachedSecrets::new(
        SecretsManagerSource::new(
            secrets_client.clone(),
            lambda.secret_arn.clone().unwrap_or_default(),
        ),
        lambda.secret_cache,
        lambda.secret_min_refresh(),
    );
    let warm_secret = async {
        if uses_secret && let Err(e) = secrets.warm().await {
            tracing::warn!(error = %e, "cannot read the webhook secret at init; will retry per request");
        }
    };
    // Every record keyed by recipient needs the key: without it the function does not start.
    let recipient_key = SecretsManagerSource::new(secrets_client, lambda.recipient_key_arn.clone());
    // Templates compile on another thread while the AWS calls of the warm-up wait on the network.
    let render_config = RenderConfig::from(&config);
    let renderer = tokio::task::spawn_blocking(move || Renderer::new(&render_config));
    let ((), (), key) = tokio::join!(warm_secret, store.warm(), recipient_key.current());
    let key = key.map_err(|e| format!("the recipient key ({}): {e}", lambda.recipient_key_arn))?;
    settings.delivery.recipients = RecipientHasher::new(key.as_bytes());
    let renderer = renderer.await??;
    // Only with [[flows]]: the Scheduler client is built (no call at init) and the
    // booking states share the idempotency table.
    let flows = lambda.scheduler.clone().map(|env| Flows {
        scheduler: Arc::new(EventBridgeScheduler::new(
            aws_sdk_scheduler::Client::new(&aws),
            env,
        )),
        states: Arc::new(store.clone()),
    });
    // Queued mode only (BOOXI_DELIVERY_MODE=queued): the SQS client makes no call at init.
    let queue = lambda.queue_url.as_ref().map(|url| {
        Arc::new(SqsQueue::new(aws_sdk_sqs::Client::new(&aws), url.clone())) as Arc<dyn Queue>
    });
    // Only with [whatsapp]: the End User Messaging Social client makes no call at init.
    let whatsapp = config
        .whatsapp
        .as_ref()
        .map(|settings| WhatsAppSender::new(aws_sdk_socialmessaging::Client::new(&aws), settings));
    // Only with [events_out] bus (BOOXI_EVENT_BUS): the EventBridge client makes no call
    // at init.
    let events_out = config.events_out.as_ref().map(|out| EventsOut {
        bus: Arc::new(EventBridgeBus::new(
            aws_sdk_eventbridge::Client::new(&aws),
            out.bus.clone(),
        )),
    });
    let webhook = Arc::new(Webhook {
        settings: settings.http,
        secrets,
        core: Core {
            store,
            courier: AwsCourier {
                ses: aws_sdk_sesv2::Client::new(&aws),
                sns: aws_sdk_sns::Client::new(&aws),
                whatsapp,
                sender: lambda.sender.clone(),
                opt_outs: lambda
                    .sms_opt_out_check
                    .then(|| Arc::new(OptOutCache::default())),
            },
            composer: RenderComposer::new(renderer, &lambda.sender),
            config,
            delivery: settings.delivery,
            emit_metrics: true,
            flows,
            queue,
            events_out,
        },
    });

    serve(webhook, lambda.drain_only).await
}

/// Answers each invocation through its door, whichever adapters the webhook was wired with.
/// The event is read as raw JSON first: its shape says which door it came through
/// (`booxi_notify::doors`), and only the HTTP door converts it into an HTTP request.
/// `drain_only`: queued mode's drain, whose only open door is the queue.
async fn serve<S, I, C, P>(webhook: Arc<Webhook<S, I, C, P>>, drain_only: bool) -> Result<(), Error>
where
    S: SecretSource + 'static,
    I: IdempotencyStore + 'static,
    C: Courier + 'static,
    P: Compose + Send + Sync + 'static,
{
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let webhook = Arc::clone(&webhook);
        async move {
            match doors::door_of(&event.payload) {
                door @ (Door::Http | Door::Schedule) if drain_only => Err(ClosedDoor {
                    door: if door == Door::Http { "HTTP" } else { "schedule" },
                    hint: "this is queued mode's drain (BOOXI_DRAIN_ONLY): it only sends queued messages",
                }
                .into()),
                Door::Http => http_door(webhook, event).await,
                Door::Schedule if webhook.core.flows.is_none() => Err(ClosedDoor {
                    door: "schedule",
                    hint: "no [[flows]] in the configuration (local mode makes no schedules)",
                }
                .into()),
                Door::Schedule => {
                    let deadline = edge::deadline_from_epoch_millis(event.context.deadline);
                    schedule::answer(webhook.core.fire(&event.payload, deadline).await)
                        .map_err(Error::from)
                }
                Door::Queue if webhook.core.queue.is_some() => {
                    let deadline = edge::deadline_from_epoch_millis(event.context.deadline);
                    Ok(queue::drain(&webhook.core, &event.payload, deadline).await?)
                }
                Door::Queue => Err(ClosedDoor {
                    door: "SQS",
                    hint: "queued delivery is off (BOOXI_DELIVERY_MODE is not queued)",
                }
                .into()),
                // Outcomes after the send: SES's and WhatsApp's events through
                // EventBridge, SNS's SMS delivery records through CloudWatch Logs.
                Door::EventBridge => Ok(outcomes::event(&webhook.core, &event.payload).await?),
                Door::Logs => Ok(outcomes::sms_logs(&webhook.core, &event.payload).await?),
                Door::Unknown => Err(UnknownDoor.into()),
            }
        }
    }))
    .await
}

/// The HTTP door: lambda_http's own adapter turns the API Gateway event into a request
/// and the answer back into the response shape of the same API Gateway version.
async fn http_door<S, I, C, P>(
    webhook: Arc<Webhook<S, I, C, P>>,
    event: LambdaEvent<Value>,
) -> Result<Value, Error>
where
    S: SecretSource + 'static,
    I: IdempotencyStore + 'static,
    C: Courier + 'static,
    P: Compose + Send + Sync + 'static,
{
    let LambdaEvent { payload, context } = event;
    let request: LambdaRequest = serde_json::from_value(payload)?;
    let mut adapter = Adapter::from(service_fn(move |request: Request| {
        let webhook = Arc::clone(&webhook);
        async move {
            let deadline = request
                .lambda_context_ref()
                .and_then(|context| edge::deadline_from_epoch_millis(context.deadline));
            let answer = webhook.handle(edge::from_http(request, deadline)).await;
            Ok::<_, Error>(answer.to_http().map(Body::from))
        }
    }));
    let response = adapter.call(LambdaEvent::new(request, context)).await?;
    Ok(serde_json::to_value(response)?)
}
