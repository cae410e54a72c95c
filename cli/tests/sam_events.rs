//! `events/*.json` are API Gateway HTTP API (payload format 2.0) events in the shape
//! `sam local generate-event apigateway http-api-proxy` prints, so `sam local invoke -e`,
//! `sam remote invoke --event-file` and `cargo lambda invoke --data-file` take them as
//! they are. SAM's own event is kept in `events/.sam-reference/http-api-proxy.json`
//! (regenerate it with that command when SAM CLI changes it); every key path it has must
//! be in each of our events with the same JSON type, except the parts a real HTTP API
//! event leaves out ([`OPTIONAL`]). Keys SAM's event does not have are reported too:
//! they are typos (`isBase64encoded`) that a Lambda runtime would silently ignore.

mod support;
use support::root;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const REFERENCE: &str = "events/.sam-reference/http-api-proxy.json";

/// Parts of an HTTP API event that API Gateway omits when the request has none
/// (cookies, query string, path or stage variables), when the API has no mutual TLS
/// (`authentication`) or no authorizer on the route (`authorizer`).
const OPTIONAL: &[&str] = &[
    "cookies",
    "pathParameters",
    "stageVariables",
    "queryStringParameters",
    "requestContext.authentication",
    "requestContext.authorizer",
];

/// Objects whose keys are data (header names, parameter names, claims), not structure:
/// only the type of their values is compared.
const MAPS: &[&str] = &[
    "headers",
    "queryStringParameters",
    "pathParameters",
    "stageVariables",
    "requestContext.authorizer.jwt.claims",
];

/// Authorizer shapes other than SAM's `jwt` example that API Gateway may also deliver.
const OTHER_AUTHORIZERS: &[&str] = &[
    "requestContext.authorizer.lambda",
    "requestContext.authorizer.iam",
];

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()))
}

fn reference() -> Value {
    read_json(&root().join(REFERENCE))
}

/// `events/*.json`, by file name (the reference lives in a sub-folder and is not one of them).
fn our_events() -> Vec<(String, Value)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("events"))
        .expect("events/ exists")
        .map(|entry| entry.expect("readable events/ entry").path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "json"))
        // SAM's --env-vars file for local mode, not an event.
        .filter(|p| !p.ends_with("local-env.json"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "events/ holds no *.json file");
    paths
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, read_json(&p))
        })
        .collect()
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// Every difference in structure between SAM's event and ours, one line each.
fn differences(sam: &Value, ours: &Value) -> Vec<String> {
    let mut found = Vec::new();
    compare(sam, ours, "", &mut found);
    found
}

fn compare(sam: &Value, ours: &Value, path: &str, found: &mut Vec<String>) {
    let shown = if path.is_empty() { "(top)" } else { path };
    if kind(sam) != kind(ours) {
        found.push(format!(
            "{shown}: SAM has {}, ours has {}",
            kind(sam),
            kind(ours)
        ));
        return;
    }
    match (sam, ours) {
        (Value::Object(sam_map), Value::Object(our_map)) if MAPS.contains(&path) => {
            // Keys are data; every value must have the type SAM's values have.
            if let Some(sample) = sam_map.values().next() {
                for (key, value) in our_map {
                    compare(sample, value, &format!("{path}[{key:?}]"), found);
                }
            }
        }
        (Value::Object(sam_map), Value::Object(our_map)) => {
            for (key, sam_value) in sam_map {
                let key_path = child(path, key);
                match our_map.get(key) {
                    Some(our_value) => compare(sam_value, our_value, &key_path, found),
                    None if OPTIONAL.contains(&key_path.as_str()) => {}
                    None => found.push(format!("{key_path}: missing (SAM's event has it)")),
                }
            }
            for key in our_map.keys().filter(|k| !sam_map.contains_key(*k)) {
                let key_path = child(path, key);
                if !OTHER_AUTHORIZERS.contains(&key_path.as_str()) {
                    found.push(format!("{key_path}: not in SAM's event (a typo?)"));
                }
            }
        }
        (Value::Array(sam_items), Value::Array(our_items)) => {
            if let Some(sample) = sam_items.first() {
                for (i, item) in our_items.iter().enumerate() {
                    compare(sample, item, &format!("{path}[{i}]"), found);
                }
            }
        }
        _ => {} // same scalar type
    }
}

#[test]
fn the_reference_is_sams_http_api_payload_2_event() {
    let sam = reference();
    assert_eq!(
        sam["version"], "2.0",
        "{REFERENCE}: not a payload 2.0 event"
    );
    assert!(sam["body"].is_string(), "{REFERENCE}: body is a string");
    assert!(
        sam["isBase64Encoded"].is_boolean(),
        "{REFERENCE}: isBase64Encoded is a bool"
    );
    for part in [
        "routeKey",
        "rawPath",
        "rawQueryString",
        "headers",
        "requestContext",
    ] {
        assert!(sam.get(part).is_some(), "{REFERENCE}: no {part}");
    }
    for part in ["method", "path", "protocol", "sourceIp", "userAgent"] {
        assert!(
            sam["requestContext"]["http"].get(part).is_some(),
            "{REFERENCE}: no requestContext.http.{part}"
        );
    }
}

/// The committed reference is what the SAM CLI on this machine prints. Skipped (with a
/// note) where SAM CLI is not installed (`scripts/test.sh` installs only the test tools),
/// except where it is required: CI (`CI` or `BOOXI_REQUIRE_SAM` set, as `.ci/run` does)
/// or an explicit `SAM_CLI_BIN`; there a missing SAM CLI fails the test.
#[test]
fn the_reference_matches_the_installed_sam_cli() {
    let required = ["CI", "BOOXI_REQUIRE_SAM", "SAM_CLI_BIN"]
        .iter()
        .any(|k| std::env::var_os(k).is_some_and(|v| !v.is_empty()));
    let sam = sam_cli().filter(|p| p.is_file());
    let Some(sam) = sam else {
        assert!(
            !required,
            "no SAM CLI at {:?}, and it is required here (CI, BOOXI_REQUIRE_SAM or \
             SAM_CLI_BIN is set): run scripts/tools.sh",
            std::env::var_os("SAM_CLI_BIN")
        );
        eprintln!("skipped: no SAM CLI (set SAM_CLI_BIN, or put `sam` on PATH)");
        return;
    };
    let out = Command::new(&sam)
        .args(["local", "generate-event", "apigateway", "http-api-proxy"])
        .env("SAM_CLI_TELEMETRY", "0")
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", sam.display()));
    assert!(
        out.status.success(),
        "sam local generate-event failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let generated: Value = serde_json::from_slice(&out.stdout).expect("SAM prints JSON");
    assert_eq!(
        generated,
        reference(),
        "SAM CLI now generates a different event: save it as {REFERENCE} \
         (sam local generate-event apigateway http-api-proxy > {REFERENCE}) and re-run"
    );
}

fn sam_cli() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SAM_CLI_BIN") {
        return Some(PathBuf::from(path));
    }
    let venv = std::env::var_os("BOOXI_CI_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/booxi-notify")))
        .map(|cache| cache.join("venv/bin/sam"));
    let on_path = std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join("sam"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    venv.into_iter().chain(on_path).find(|p| p.is_file())
}

#[test]
fn every_event_has_the_structure_of_sams_event() {
    let sam = reference();
    let mut report = Vec::new();
    for (name, event) in our_events() {
        for difference in differences(&sam, &event) {
            report.push(format!("events/{name}: {difference}"));
        }
    }
    assert!(
        report.is_empty(),
        "events differ from {REFERENCE}:\n{}",
        report.join("\n")
    );
}

#[test]
fn every_event_is_a_request_on_a_route_of_the_template() {
    let template = std::fs::read_to_string(root().join("template.yaml")).expect("template.yaml");
    for (name, event) in our_events() {
        let route = event["routeKey"].as_str().unwrap_or_default();
        let (method, path) = route.split_once(' ').unwrap_or_default();
        assert!(
            template.contains(&format!("RouteKey: {route}")),
            "events/{name}: routeKey `{route}` is not a route of template.yaml"
        );
        let context = &event["requestContext"];
        assert_eq!(
            context["routeKey"], route,
            "events/{name}: requestContext.routeKey"
        );
        assert_eq!(
            context["http"]["method"], method,
            "events/{name}: requestContext.http.method"
        );
        assert_eq!(event["rawPath"], path, "events/{name}: rawPath");
        assert_eq!(
            context["http"]["path"], path,
            "events/{name}: requestContext.http.path"
        );
        assert_eq!(
            context["stage"], "$default",
            "events/{name}: the template's stage is $default"
        );
    }
}

#[test]
fn header_names_are_lower_case_as_api_gateway_delivers_them() {
    for (name, event) in our_events() {
        let headers = event["headers"].as_object().expect("headers");
        for key in headers.keys() {
            assert_eq!(
                *key,
                key.to_ascii_lowercase(),
                "events/{name}: header `{key}`"
            );
        }
    }
}

#[test]
fn base64_bodies_are_base64() {
    let alphabet = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=');
    for (name, event) in our_events() {
        if event["isBase64Encoded"] == true {
            let body = event["body"].as_str().expect("body");
            assert!(
                body.len() % 4 == 0 && body.chars().all(alphabet),
                "events/{name}: isBase64Encoded is true but body is not base64"
            );
        }
    }
}

#[test]
fn the_comparison_reports_missing_retyped_and_misspelt_keys() {
    let sam = reference();
    let mut event = sam.clone();
    let map = event.as_object_mut().unwrap();
    // Optional parts may go, and header names are free.
    for optional in [
        "cookies",
        "pathParameters",
        "stageVariables",
        "queryStringParameters",
    ] {
        map.remove(optional);
    }
    map["requestContext"]
        .as_object_mut()
        .unwrap()
        .remove("authorizer");
    map["requestContext"]
        .as_object_mut()
        .unwrap()
        .remove("authentication");
    map.insert("headers".into(), serde_json::json!({"x-booxi-secret": "s"}));
    assert_eq!(differences(&sam, &event), Vec::<String>::new());

    let map = event.as_object_mut().unwrap();
    map["requestContext"]["http"]
        .as_object_mut()
        .unwrap()
        .remove("method");
    map.insert("body".into(), serde_json::json!({"eventId": "e"}));
    let flag = map.remove("isBase64Encoded").unwrap();
    map.insert("isBase64encoded".into(), flag);
    map.insert("headers".into(), serde_json::json!({"x-count": 1}));
    let mut found = differences(&sam, &event);
    found.sort();
    assert_eq!(
        found,
        vec![
            "body: SAM has string, ours has object",
            "headers[\"x-count\"]: SAM has string, ours has number",
            "isBase64Encoded: missing (SAM's event has it)",
            "isBase64encoded: not in SAM's event (a typo?)",
            "requestContext.http.method: missing (SAM's event has it)",
        ]
    );
}
