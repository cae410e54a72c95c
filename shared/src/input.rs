//! Where a Booxi body comes from: a raw body, or an API Gateway event that wraps one
//! (REST v1 or HTTP API v2, body plain or base64), as `sam local invoke -e` takes.

use base64::Engine;
use serde_json::Value;

use crate::event::ParseError;

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

/// The Booxi body inside `bytes`: the `body` of an API Gateway event, or `bytes` itself.
pub fn booxi_body(bytes: &[u8]) -> Result<Vec<u8>, InputError> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| InputError::NotJson(e.to_string()))?;
    let Some(object) = value.as_object() else {
        return Ok(bytes.to_vec());
    };
    let is_api_gateway = object.contains_key("requestContext")
        && (object.contains_key("body")
            || object.contains_key("httpMethod")
            || object.contains_key("rawPath"));
    if !is_api_gateway {
        return Ok(bytes.to_vec());
    }
    let body = match object.get("body") {
        Some(Value::String(body)) => body,
        _ => return Err(InputError::NoBody),
    };
    if object.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
        base64::engine::general_purpose::STANDARD
            .decode(body.trim())
            .map_err(|_| InputError::BadBase64)
    } else {
        Ok(body.as_bytes().to_vec())
    }
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
