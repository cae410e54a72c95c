//! Where a Booxi body comes from: a raw body, or an API Gateway event that wraps one
//! (REST v1 or HTTP API v2, body plain or base64), as `sam local invoke -e` takes.

use base64::Engine;
use serde_json::Value;

use crate::domain::event::ParseError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("API Gateway event: body is not valid base64")]
    BadBase64,
    #[error("API Gateway event: no body")]
    NoBody,
}

impl From<InputError> for ParseError {
    fn from(e: InputError) -> Self {
        ParseError::NotJson(e.to_string())
    }
}

/// An HTTP request as an API Gateway event describes it (REST v1 or HTTP API v2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayRequest {
    /// `requestContext.http.method` (v2) or `httpMethod` (v1), when given.
    pub method: Option<String>,
    pub headers: Vec<(String, String)>,
    /// The body, base64 decoded.
    pub body: Vec<u8>,
}

/// The request `bytes` describe when they are an API Gateway event; `None` when they are
/// not (a raw body).
pub fn gateway_request(bytes: &[u8]) -> Result<Option<GatewayRequest>, InputError> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| InputError::NotJson(e.to_string()))?;
    let Some(object) = value.as_object() else {
        return Ok(None);
    };
    let is_api_gateway = object.contains_key("requestContext")
        && (object.contains_key("body")
            || object.contains_key("httpMethod")
            || object.contains_key("rawPath"));
    if !is_api_gateway {
        return Ok(None);
    }
    let body = match object.get("body") {
        Some(Value::String(body)) => body,
        _ => return Err(InputError::NoBody),
    };
    let body = if object.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
        base64::engine::general_purpose::STANDARD
            .decode(body.trim())
            .map_err(|_| InputError::BadBase64)?
    } else {
        body.as_bytes().to_vec()
    };
    let method = value
        .pointer("/requestContext/http/method")
        .or_else(|| object.get("httpMethod"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let headers = object
        .get("headers")
        .and_then(Value::as_object)
        .map(|h| {
            h.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    Ok(Some(GatewayRequest {
        method,
        headers,
        body,
    }))
}

/// The Booxi body inside `bytes`: the `body` of an API Gateway event, or `bytes` itself.
pub fn booxi_body(bytes: &[u8]) -> Result<Vec<u8>, InputError> {
    Ok(match gateway_request(bytes)? {
        Some(request) => request.body,
        None => bytes.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_raw_body_is_itself() {
        let raw = br#"{"eventId":"1","eventType":"appointment.created"}"#;
        assert_eq!(booxi_body(raw).unwrap(), raw.to_vec());
    }

    #[test]
    fn http_api_v2_plain_and_base64() {
        let plain = br#"{"version":"2.0","rawPath":"/booxi","requestContext":{"http":{"method":"POST"}},"body":"{\"eventId\":\"1\"}","isBase64Encoded":false}"#;
        assert_eq!(booxi_body(plain).unwrap(), br#"{"eventId":"1"}"#.to_vec());
        let b64 = br#"{"version":"2.0","rawPath":"/booxi","requestContext":{},"body":"eyJldmVudElkIjoiMSJ9","isBase64Encoded":true}"#;
        assert_eq!(booxi_body(b64).unwrap(), br#"{"eventId":"1"}"#.to_vec());
    }

    #[test]
    fn gateway_requests_keep_method_and_headers() {
        let v2 = br#"{"version":"2.0","rawPath":"/booxi","requestContext":{"http":{"method":"PUT"}},"headers":{"x-booxi-secret":"s"},"body":"{}"}"#;
        let r = gateway_request(v2).unwrap().unwrap();
        assert_eq!(r.method.as_deref(), Some("PUT"));
        assert_eq!(
            r.headers,
            vec![("x-booxi-secret".to_owned(), "s".to_owned())]
        );
        let v1 = br#"{"httpMethod":"GET","requestContext":{},"body":"{}"}"#;
        assert_eq!(
            gateway_request(v1).unwrap().unwrap().method.as_deref(),
            Some("GET")
        );
        assert_eq!(gateway_request(b"{\"eventId\":1}").unwrap(), None);
    }

    #[test]
    fn rest_v1() {
        let v1 = br#"{"resource":"/booxi","httpMethod":"POST","requestContext":{},"body":"{}","isBase64Encoded":false}"#;
        assert_eq!(booxi_body(v1).unwrap(), b"{}".to_vec());
    }

    #[test]
    fn broken_wrappers_are_named() {
        assert_eq!(
            booxi_body(
                br#"{"requestContext":{},"rawPath":"/","body":"%%%","isBase64Encoded":true}"#
            ),
            Err(InputError::BadBase64)
        );
        assert_eq!(
            booxi_body(br#"{"requestContext":{},"httpMethod":"POST","body":null}"#),
            Err(InputError::NoBody)
        );
        assert_eq!(
            booxi_body(b"{\n  \"a\": \n}").unwrap_err().to_string(),
            "not JSON: expected value at line 3 column 1"
        );
    }
}
