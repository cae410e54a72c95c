//! moto in server mode, one per test or suite: started on a free port, stopped when
//! dropped; set up with plain HTTP calls; what it recorded read back from
//! `/moto-api/data.json`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::http::{get, request};

/// `moto_server`: `$BOOXI_MOTO_SERVER`, else the venv `scripts/tools.sh` makes (under
/// `$BOOXI_CI_CACHE`, default `~/.cache/booxi-notify`), else `moto_server` on PATH.
pub fn moto_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("BOOXI_MOTO_SERVER") {
        return PathBuf::from(path);
    }
    let cache = std::env::var_os("BOOXI_CI_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/booxi-notify")
        });
    let venv = cache.join("venv/bin/moto_server");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("moto_server")
    }
}

/// The names a function is configured with by [`Moto::set_up_stack`].
pub const SECRET: &str = "local-dev-secret";
pub const TABLE: &str = "booxi-idempotency";
pub const DOMAIN: &str = "atelier-lumiere.example.com";
/// The secret keying recipients' hashes (`BOOXI_RECIPIENT_KEY_SECRET_ARN` takes its name
/// as well as its ARN), and its value.
pub const RECIPIENT_KEY_SECRET: &str = "booxi-notify/recipient-key";
pub const RECIPIENT_KEY: &str = "recipient-key-for-tests";

/// A moto server of our own, stopped when dropped.
pub struct Moto {
    pub port: u16,
    child: Child,
}

impl Moto {
    pub fn start() -> Moto {
        Self::start_command(Command::new(moto_binary()))
    }

    /// moto served by a Python script that adjusts moto before it serves (the burst
    /// benchmark's `bench/moto_sqs_clock.py`), with the Python of moto's own venv.
    pub fn start_script(script: &std::path::Path) -> Moto {
        let python = moto_binary().with_file_name("python");
        let mut command = Command::new(if python.exists() {
            python
        } else {
            PathBuf::from("python3")
        });
        command.arg(script);
        Self::start_command(command)
    }

    fn start_command(mut command: Command) -> Moto {
        let port = crate::free_port();
        let child = command
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start moto_server ({e}): run scripts/tools.sh, or set BOOXI_MOTO_SERVER"
                )
            });
        let moto = Moto { port, child };
        let deadline = Instant::now() + Duration::from_secs(60);
        while get(port, "/moto-api/data.json").is_none() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// moto's record of everything: `ses.Message`, `sns.SMS`, …
    pub fn data(&self) -> Value {
        let text = get(self.port, "/moto-api/data.json").expect("moto answers");
        serde_json::from_str(&text).expect("moto data is JSON")
    }

    /// Emails sent, as (destination, subject, body); raw ones with their whole MIME text.
    pub fn emails(&self) -> Vec<(String, String, String)> {
        let data = self.data();
        let mut out = Vec::new();
        for m in data["ses"]["Message"].as_array().into_iter().flatten() {
            let to = m["destinations"]["ToAddresses"][0]
                .as_str()
                .or_else(|| m["destinations"][0].as_str())
                .unwrap_or_default()
                .to_owned();
            out.push((
                to,
                m["subject"].as_str().unwrap_or_default().to_owned(),
                m["body"].as_str().unwrap_or_default().to_owned(),
            ));
        }
        for m in data["ses"]["RawMessage"].as_array().into_iter().flatten() {
            let raw = m["raw_data"].as_str().unwrap_or_default().to_owned();
            let to = m["destinations"][0].as_str().unwrap_or_default().to_owned();
            out.push((to, header(&raw, "Subject"), raw));
        }
        out
    }

    /// SMS sent, as (phone number, text).
    pub fn sms(&self) -> Vec<(String, String)> {
        self.data()["sns"]["SMS"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| {
                let field = |name: &str, i: usize| {
                    m[name]
                        .as_str()
                        .or_else(|| m[i].as_str())
                        .unwrap_or_default()
                        .to_owned()
                };
                (field("phone_number", 0), field("message", 1))
            })
            .collect()
    }

    /// How many emails and SMS moto has recorded.
    pub fn sent(&self) -> (usize, usize) {
        let data = self.data();
        let count = |v: &Value| v.as_array().map_or(0, Vec::len);
        (
            count(&data["ses"]["Message"]) + count(&data["ses"]["RawMessage"]),
            count(&data["sns"]["SMS"]),
        )
    }

    /// One AWS call; moto reads the service and region from the (unchecked) signature.
    fn call(&self, service: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Value {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"
        );
        let mut all = vec![("Authorization", auth.as_str())];
        all.extend_from_slice(headers);
        let (status, reply) =
            request(self.port, "POST", path, &all, body.as_bytes()).expect("moto answers");
        let text = String::from_utf8_lossy(&reply).into_owned();
        assert!(
            status == 200,
            "moto {service} {path} {headers:?}: HTTP {status}: {text}"
        );
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    }

    pub(crate) fn json_call(
        &self,
        service: &str,
        target: &str,
        version: &str,
        body: Value,
    ) -> Value {
        let content_type = format!("application/x-amz-json-{version}");
        self.call(
            service,
            "/",
            &[
                ("X-Amz-Target", target),
                ("Content-Type", content_type.as_str()),
            ],
            &body.to_string(),
        )
    }

    /// One DynamoDB call (JSON protocol), e.g. `dynamodb("GetItem", …)`.
    pub fn dynamodb(&self, action: &str, body: Value) -> Value {
        self.json_call(
            "dynamodb",
            &format!("DynamoDB_20120810.{action}"),
            "1.0",
            body,
        )
    }

    /// One EventBridge call (JSON protocol), e.g. `events("PutRule", …)`.
    pub fn events(&self, action: &str, body: Value) -> Value {
        self.json_call("events", &format!("AWSEvents.{action}"), "1.1", body)
    }

    /// The stack's resources: the idempotency table with TTL, the verified sending
    /// domain, the webhook secret and the recipient key ([`RECIPIENT_KEY_SECRET`]).
    /// Returns the webhook secret's ARN.
    pub fn set_up_stack(&self) -> String {
        self.json_call(
            "dynamodb",
            "DynamoDB_20120810.CreateTable",
            "1.0",
            json!({
                "TableName": TABLE,
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            }),
        );
        self.json_call(
            "dynamodb",
            "DynamoDB_20120810.UpdateTimeToLive",
            "1.0",
            json!({"TableName": TABLE, "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "expires_at"}}),
        );
        self.call(
            "ses",
            "/v2/email/identities",
            &[("Content-Type", "application/json")],
            &json!({ "EmailIdentity": DOMAIN }).to_string(),
        );
        // Loads moto's SNS backend now rather than in the first measured request.
        self.call(
            "sns",
            "/",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            "Action=GetSMSAttributes&Version=2010-03-31",
        );
        self.json_call(
            "secretsmanager",
            "secretsmanager.CreateSecret",
            "1.1",
            json!({"Name": RECIPIENT_KEY_SECRET, "SecretString": RECIPIENT_KEY}),
        );
        let secret = self.json_call(
            "secretsmanager",
            "secretsmanager.CreateSecret",
            "1.1",
            json!({"Name": "booxi-notify/webhook-secret", "SecretString": SECRET}),
        );
        secret["ARN"]
            .as_str()
            .expect("CreateSecret returns an ARN")
            .to_owned()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A header of a raw MIME message (first occurrence, unfolded; encoded words left as is).
pub fn header(raw: &str, name: &str) -> String {
    let mut lines = raw.split("\r\n").flat_map(|l| l.split('\n'));
    let prefix = format!("{}:", name.to_ascii_lowercase());
    let mut value = String::new();
    while let Some(line) = lines.next() {
        if line.to_ascii_lowercase().starts_with(&prefix) {
            value.push_str(line[prefix.len()..].trim());
            for next in lines.by_ref() {
                if next.starts_with(' ') || next.starts_with('\t') {
                    value.push(' ');
                    value.push_str(next.trim());
                } else {
                    break;
                }
            }
            break;
        }
    }
    value
}
