//! A recording stub of AWS End User Messaging Social, which moto does not emulate. It
//! speaks the service's REST-JSON protocol as its model describes it (and as the AWS
//! SDK for Rust reads it): `POST /v1/whatsapp/send` with `{"message": <base64 of Meta's
//! message object>, "metaApiVersion", "originationPhoneNumberId"}` answered
//! `{"messageId": …}`; `POST /v1/whatsapp/template/put` (`CreateWhatsAppMessageTemplate`,
//! `{"id", "templateDefinition": <base64>}`) answered `{"metaTemplateId",
//! "templateStatus", "category"}`; errors as the service answers them: the HTTP status of
//! the error's model, its code in `x-amzn-ErrorType`, its text in the body's `message`.
//!
//! It checks what the service checks before anything reaches Meta (the phone number id's
//! pattern, the version's form, a message of 1 to 2,048,000 bytes that decodes), keeps
//! each request decoded, and fails the messages to a number when told to.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine;
use serde_json::{Value, json};

use crate::http::{Reply, Request, handler, serve};

/// One `SendWhatsAppMessage` the stub took (or refused).
#[derive(Debug, Clone)]
pub struct Sent {
    /// The request's JSON body, as sent.
    pub request: Value,
    /// Meta's message object, decoded from the base64 `message`.
    pub message: Value,
    /// The id answered, or the error code.
    pub answer: String,
    /// The SigV4 `Authorization` header (its credential scope names the service).
    pub authorization: String,
}

/// One `CreateWhatsAppMessageTemplate` the stub took.
#[derive(Debug, Clone)]
pub struct Created {
    /// The WABA id (`id`).
    pub waba: String,
    /// The template, decoded from `templateDefinition`.
    pub template: Value,
}

/// An error to answer: HTTP status, error code, message.
type Failure = (u16, String, String);

#[derive(Default)]
struct State {
    sent: Vec<Sent>,
    created: Vec<Created>,
    /// Errors for messages to a number (`to`, as the message object writes it), each
    /// answered `times` times (`usize::MAX`: always).
    fail_to: HashMap<String, (Failure, usize)>,
}

/// The stub, on a loopback port for the life of the process.
pub struct SocialMessagingStub {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn error(status: u16, code: &str, message: &str) -> Reply {
    Reply::new(status, json!({ "message": message }).to_string())
        .header("Content-Type", "application/json")
        .header("x-amzn-ErrorType", code)
        .header("x-amzn-RequestId", "social-messaging-stub")
}

fn decode(field: Option<&Value>) -> Result<Vec<u8>, &'static str> {
    let text = field.and_then(Value::as_str).ok_or("missing")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| "not base64")?;
    if bytes.is_empty() || bytes.len() > 2_048_000 {
        return Err("not 1 to 2048000 bytes");
    }
    Ok(bytes)
}

impl SocialMessagingStub {
    pub fn start() -> SocialMessagingStub {
        let state: Arc<Mutex<State>> = Arc::default();
        let ids = Arc::new(AtomicUsize::new(0));
        let shared = Arc::clone(&state);
        let port = serve(handler(move |request: Request| {
            let state = Arc::clone(&shared);
            let ids = Arc::clone(&ids);
            async move { answer(&state, &ids, request) }
        }));
        SocialMessagingStub { port, state }
    }

    /// What `AWS_ENDPOINT_URL_SOCIALMESSAGING` points at.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every `SendWhatsAppMessage` so far, in order.
    pub fn sent(&self) -> Vec<Sent> {
        lock(&self.state).sent.clone()
    }

    /// The messages so far to `to` (as the message object writes it).
    pub fn sent_to(&self, to: &str) -> Vec<Sent> {
        self.sent()
            .into_iter()
            .filter(|s| s.message["to"] == to)
            .collect()
    }

    /// Every `CreateWhatsAppMessageTemplate` so far, in order.
    pub fn created(&self) -> Vec<Created> {
        lock(&self.state).created.clone()
    }

    /// Messages to `to` are answered with this error from now on, `times` times.
    pub fn fail_to(&self, to: &str, status: u16, code: &str, message: &str, times: usize) {
        lock(&self.state).fail_to.insert(
            to.to_owned(),
            ((status, code.to_owned(), message.to_owned()), times),
        );
    }
}

fn answer(state: &Mutex<State>, ids: &AtomicUsize, request: Request) -> Reply {
    let path = request.path.split('?').next().unwrap_or("");
    let body: Value = match serde_json::from_slice(&request.body) {
        Ok(body) => body,
        Err(_) => return error(400, "ValidationException", "The request body is not JSON"),
    };
    match (request.method.as_str(), path) {
        ("POST", "/v1/whatsapp/send") => send(state, ids, &request, body),
        ("POST", "/v1/whatsapp/template/put") => {
            let Some(waba) = body["id"].as_str().map(str::to_owned) else {
                return error(400, "ValidationException", "id is required");
            };
            let template = match decode(body.get("templateDefinition"))
                .ok()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            {
                Some(template) => template,
                None => {
                    return error(
                        400,
                        "InvalidParametersException",
                        "templateDefinition is not a template",
                    );
                }
            };
            let n = ids.fetch_add(1, Ordering::SeqCst) + 1;
            let category = template["category"].clone();
            lock(state).created.push(Created { waba, template });
            Reply::new(
                200,
                json!({"metaTemplateId": format!("{}", 900_000_000 + n),
                       "templateStatus": "PENDING", "category": category})
                .to_string(),
            )
            .header("Content-Type", "application/json")
        }
        _ => error(
            404,
            "ResourceNotFoundException",
            "No such operation in this stub",
        ),
    }
}

fn send(state: &Mutex<State>, ids: &AtomicUsize, request: &Request, body: Value) -> Reply {
    let id = body["originationPhoneNumberId"].as_str().unwrap_or("");
    let id_ok = id.len() <= 115
        && (id.starts_with("phone-number-id-")
            || (id.starts_with("arn:") && id.contains(":phone-number-id/")));
    if !id_ok {
        return error(
            400,
            "ValidationException",
            "1 validation error detected: Value at 'originationPhoneNumberId' failed to satisfy constraint",
        );
    }
    let version_ok = body["metaApiVersion"]
        .as_str()
        .and_then(|v| v.strip_prefix('v'))
        .is_some_and(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.'));
    if !version_ok {
        return error(
            400,
            "InvalidParametersException",
            "metaApiVersion is not a supported version",
        );
    }
    let message = match decode(body.get("message"))
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
    {
        Some(message) => message,
        None => {
            return error(
                400,
                "ValidationException",
                "message is not a WhatsApp message object",
            );
        }
    };
    let authorization = request.header("authorization").unwrap_or("").to_owned();
    let to = message["to"].as_str().unwrap_or("").to_owned();
    let mut state = lock(state);
    let failure = match state.fail_to.get_mut(&to) {
        Some((failure, times)) if *times > 0 => {
            *times = times.saturating_sub(1);
            Some(failure.clone())
        }
        _ => None,
    };
    let (reply, answer) = match failure {
        Some((status, code, text)) => (error(status, &code, &text), code),
        None => {
            let n = ids.fetch_add(1, Ordering::SeqCst) + 1;
            let message_id = format!(
                "{n:08x}-70f5-4a49-b84e-{:012x}",
                0xfacf_4424_0000u64 + n as u64
            );
            (
                Reply::new(200, json!({ "messageId": message_id }).to_string())
                    .header("Content-Type", "application/json"),
                message_id,
            )
        }
    };
    state.sent.push(Sent {
        request: body,
        message,
        answer,
        authorization,
    });
    reply
}
