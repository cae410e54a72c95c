//! The reference the webhook is measured against (BENCHMARKS.md): the booking
//! confirmation as a developer following Booxi's integration guide would hand-write it,
//! with the same SDK clients and the same AWS calls as the webhook for
//! `events/confirmation-created.json`, and nothing else:
//!
//! - init: the shared secret from Secrets Manager (`AWSCURRENT` and `AWSPREVIOUS`) and a
//!   DynamoDB `GetItem`, concurrently (the webhook's warm-up);
//! - per event: the header secret compared, the body read as JSON, a conditional
//!   `PutItem` claiming the event id, a `BatchGetItem` of the three message keys and
//!   SNS's `CheckIfPhoneNumberIsOptedOut` for the mobile number, concurrently, two SES v2
//!   `SendEmail` and one SNS `Publish` concurrently, a `PutItem` per message sent and a
//!   conditional `PutItem` completing the claim.
//!
//! Fixed message strings: no rules, templates, languages, calendar invite or phone-number
//! library (the client's mobile number keeps its digits and gets `+1`: a North American
//! store). Answers like the webhook (`{"status":"processed","messages":[…]}`) so the
//! benchmark checks both the same way. Not a product: errors answer 500 and stop.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use aws_sdk_sns::types::MessageAttributeValue;
use lambda_http::{Error, Request, Response, run, service_fn};
use serde_json::{Value, json};

struct Clients {
    dynamodb: aws_sdk_dynamodb::Client,
    ses: aws_sdk_sesv2::Client,
    sns: aws_sdk_sns::Client,
    table: String,
    sender: String,
    secrets: Vec<String>,
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let var = |k: &str| std::env::var(k).map_err(|_| format!("{k} is not set"));
    let (secret_id, table, sender) = (
        var("BOOXI_SECRET_ARN")?,
        var("BOOXI_IDEMPOTENCY_TABLE")?,
        var("BOOXI_SENDER_EMAIL")?,
    );
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let secretsmanager = aws_sdk_secretsmanager::Client::new(&config);
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let stage = |stage: &'static str| {
        secretsmanager
            .get_secret_value()
            .secret_id(&secret_id)
            .version_stage(stage)
            .send()
    };
    let (current, previous, _) = tokio::join!(
        stage("AWSCURRENT"),
        stage("AWSPREVIOUS"),
        dynamodb
            .get_item()
            .table_name(&table)
            .key("pk", s("warm-up"))
            .send()
    );
    let mut secrets = vec![current?.secret_string().unwrap_or_default().to_owned()];
    if let Ok(previous) = previous {
        secrets.extend(previous.secret_string().map(str::to_owned));
    }
    let clients: &'static Clients = Box::leak(Box::new(Clients {
        dynamodb,
        ses: aws_sdk_sesv2::Client::new(&config),
        sns: aws_sdk_sns::Client::new(&config),
        table,
        sender,
        secrets,
    }));
    run(service_fn(move |request: Request| handle(clients, request))).await
}

fn answer(status: u16, body: Value) -> Result<Response<lambda_http::Body>, Error> {
    Ok(Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(body.to_string().into())?)
}

async fn handle(c: &Clients, request: Request) -> Result<Response<lambda_http::Body>, Error> {
    let presented = request
        .headers()
        .get("x-booxi-secret")
        .and_then(|v| v.to_str().ok());
    if !presented.is_some_and(|p| c.secrets.iter().any(|s| s == p)) {
        return answer(401, json!({"error": "unauthorized"}));
    }
    let event: Value = serde_json::from_slice(request.body().as_ref())?;
    let text = |pointer: &str| event.pointer(pointer).and_then(Value::as_str);
    let (Some(id), Some(client_email), Some(mobile), Some(staff_email)) = (
        text("/eventId"),
        text("/content/booking/client/email"),
        text("/content/booking/client/mobilePhoneNumber"),
        text("/content/staff/communicationEmail"),
    ) else {
        return answer(400, json!({"error": "missing fields"}));
    };
    let digits: String = mobile.chars().filter(char::is_ascii_digit).collect();
    let phone = if mobile.trim_start().starts_with('+') {
        format!("+{digits}")
    } else {
        format!("+1{digits}")
    };
    let expires = (now() + 7 * 86_400).to_string();

    let claim = c
        .dynamodb
        .put_item()
        .table_name(&c.table)
        .item("pk", s(format!("event#{id}")))
        .item("status", s("IN_PROGRESS"))
        .item("expires_at", AttributeValue::N(expires.clone()))
        .condition_expression("attribute_not_exists(pk)")
        .send()
        .await;
    if claim.is_err() {
        return answer(200, json!({"status": "duplicate", "event_id": id}));
    }
    let keys = ["client-email", "client-sms", "staff-email"].map(|k| format!("msg#{id}#{k}"));
    let read = c
        .dynamodb
        .batch_get_item()
        .request_items(
            &c.table,
            KeysAndAttributes::builder()
                .set_keys(Some(
                    keys.iter()
                        .map(|k| [("pk".to_owned(), s(k))].into())
                        .collect(),
                ))
                .consistent_read(true)
                .build()?,
        )
        .send();
    // SNS's opt-out list, asked while the keys are read: a number that opted out gets no
    // text (an SMS to it would be refused anyway, and counted against the account).
    let opt_out = c
        .sns
        .check_if_phone_number_is_opted_out()
        .phone_number(&phone)
        .send();
    let (read, opt_out) = tokio::join!(read, opt_out);
    read?;
    let opted_out = opt_out?.is_opted_out();

    let email = |to: &str, subject: &str, body: &str| {
        let text = |t: &str| Content::builder().data(t).charset("UTF-8").build();
        Ok::<_, Error>(
            c.ses
                .send_email()
                .from_email_address(&c.sender)
                .destination(Destination::builder().to_addresses(to).build())
                .content(
                    EmailContent::builder()
                        .simple(
                            Message::builder()
                                .subject(text(subject)?)
                                .body(Body::builder().text(text(body)?).build())
                                .build(),
                        )
                        .build(),
                )
                .send(),
        )
    };
    let sms = async {
        if opted_out {
            return Err("opted out".into());
        }
        c.sns
            .publish()
            .phone_number(&phone)
            .message("Your appointment is confirmed. See you soon!")
            .message_attributes(
                "AWS.SNS.SMS.SMSType",
                MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value("Transactional")
                    .build()?,
            )
            .send()
            .await
            .map_err(Error::from)
    };
    let (client, sms, staff) = tokio::join!(
        email(
            client_email,
            "Your appointment is confirmed",
            "Hello, your appointment is confirmed. See you soon!"
        )?,
        sms,
        email(
            staff_email,
            "New appointment",
            "A client booked an appointment with you."
        )?
    );
    let sent = [client.is_ok(), sms.is_ok(), staff.is_ok()];
    let record = |key: &str| {
        c.dynamodb
            .put_item()
            .table_name(&c.table)
            .item("pk", s(key))
            .item("status", s("SENT"))
            .item("expires_at", AttributeValue::N(expires.clone()))
            .send()
    };
    let (a, b, d) = tokio::join!(record(&keys[0]), record(&keys[1]), record(&keys[2]));
    a?;
    b?;
    d?;
    let messages: Vec<Value> = sent
        .iter()
        .map(|ok| json!({"status": if *ok { "sent" } else { "failed" }}))
        .collect();
    let summary = json!(messages).to_string();
    c.dynamodb
        .put_item()
        .table_name(&c.table)
        .item("pk", s(format!("event#{id}")))
        .item("status", s("COMPLETED"))
        .item("summary", s(summary))
        .item("expires_at", AttributeValue::N(expires))
        .condition_expression("#status = :in_progress")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":in_progress", s("IN_PROGRESS"))
        .send()
        .await?;
    answer(
        200,
        json!({"status": "processed", "event_id": id, "messages": messages}),
    )
}
