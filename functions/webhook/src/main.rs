//! The Booxi webhook Lambda: wiring only. AWS clients and the renderer are built once,
//! at init; the secret is fetched and DynamoDB touched at init too, so the first
//! request does not pay their TLS handshakes. The handler is `booxi_notify::webhook`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use booxi_notify::auth::CachedSecrets;
use booxi_notify::auth::SecretSource;
use booxi_notify::aws::{AwsCourier, DynamoStore, LambdaEnv, SecretsManagerSource};
use booxi_notify::compose::RenderComposer;
use booxi_notify::config::{Config, ENV_CONFIG};
use booxi_notify::delivery::Courier;
use booxi_notify::local::LocalMode;
use booxi_notify::render::{RenderConfig, Renderer};
use booxi_notify::store::IdempotencyStore;
use booxi_notify::webhook::{AuthMode, Compose, Settings, Webhook, WebhookRequest};
use lambda_http::{Body, Error, Request, RequestExt, Response, run, service_fn};

#[tokio::main]
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
    let config_path = std::env::var_os(ENV_CONFIG).map(PathBuf::from);
    let config = Config::load(config_path.as_deref(), env)?;
    let mut settings = Settings::from_env(env)?;
    settings.emit_metrics = true;
    // BOOXI_LOCAL_MODE (sam local invoke --env-vars events/local-env.json): no AWS at all.
    if let Some(local) = LocalMode::from_env(env).map_err(|e| e.to_string())? {
        return serve(Arc::new(local.webhook(config, settings)?)).await;
    }
    let header_secret = settings.auth_mode == AuthMode::HeaderSecret;
    let lambda = LambdaEnv::from_env(env, header_secret, config.brand.reply_to.clone())?;

    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(5))
        .build();
    let aws = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .timeout_config(timeouts)
        .load()
        .await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), lambda.table.clone());
    let secrets = CachedSecrets::new(
        SecretsManagerSource::new(
            aws_sdk_secretsmanager::Client::new(&aws),
            lambda.secret_arn.clone().unwrap_or_default(),
        ),
        lambda.secret_cache,
        lambda.secret_cache.min(Duration::from_secs(30)),
    );
    let warm_secret = async {
        if header_secret && let Err(e) = secrets.warm().await {
            tracing::warn!(error = %e, "cannot read the webhook secret at init; will retry per request");
        }
    };
    // Templates compile on another thread while the AWS calls of the warm-up wait on the network.
    let render_config = RenderConfig::from(&config);
    let renderer = tokio::task::spawn_blocking(move || Renderer::new(&render_config));
    tokio::join!(warm_secret, store.warm());
    let renderer = renderer.await??;
    let webhook = Arc::new(Webhook {
        settings,
        secrets,
        store,
        courier: AwsCourier {
            ses: aws_sdk_sesv2::Client::new(&aws),
            sns: aws_sdk_sns::Client::new(&aws),
            sender: lambda.sender.clone(),
        },
        composer: RenderComposer {
            renderer,
            from: lambda.sender.from.clone(),
            reply_to: lambda.sender.reply_to.clone(),
        },
        config,
    });

    serve(webhook).await
}

/// Answers each invocation with the webhook, whichever adapters it was wired with.
async fn serve<S, I, C, P>(webhook: Arc<Webhook<S, I, C, P>>) -> Result<(), Error>
where
    S: SecretSource + 'static,
    I: IdempotencyStore + 'static,
    C: Courier + 'static,
    P: Compose + Send + Sync + 'static,
{
    run(service_fn(move |request: Request| {
        let webhook = Arc::clone(&webhook);
        async move {
            let answer = webhook.handle(webhook_request(request)).await;
            Response::builder()
                .status(answer.status)
                .header("content-type", "application/json")
                .body(Body::from(answer.body.to_string()))
                .map_err(Error::from)
        }
    }))
    .await
}

/// The parts of an API Gateway request the webhook reads (the body already base64-decoded),
/// and the invocation's deadline.
fn webhook_request(request: Request) -> WebhookRequest {
    let deadline = request.lambda_context_ref().and_then(|context| {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .ok()?
            .as_millis() as u64;
        Some(Instant::now() + Duration::from_millis(context.deadline.checked_sub(now)?))
    });
    let (parts, body) = request.into_parts();
    WebhookRequest {
        method: parts.method.as_str().to_owned(),
        headers: parts
            .headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect(),
        body: body.as_ref().to_vec(),
        deadline,
    }
}
