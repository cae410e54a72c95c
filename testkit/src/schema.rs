//! JSON Schema validation for the tests, with Python's `jsonschema` (Draft 2020-12) from
//! the test venv `scripts/tools.sh test` makes: the events-out detail is checked against
//! the very file users read (`docs/events-out.schema.json`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// `docs/events-out.schema.json`.
pub fn events_out_schema() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/events-out.schema.json")
}

/// The venv's Python (beside `moto_server`), else `python3`.
fn python() -> PathBuf {
    let venv = crate::moto::moto_binary().with_file_name("python");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

const CHECK: &str = r#"
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1], encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
values = json.load(sys.stdin)
bad = []
for i, value in enumerate(values):
    for error in validator.iter_errors(value):
        where = "/".join(str(p) for p in error.absolute_path)
        bad.append(f"value {i} at /{where}: {error.message}")
print("\n".join(bad))
sys.exit(1 if bad else 0)
"#;

/// Checks every one of `values` against the schema at `schema` (which must itself be a
/// valid Draft 2020-12 schema); `Err` lists each value's errors.
pub fn validate(schema: &Path, values: &[Value]) -> Result<(), String> {
    let mut child = Command::new(python())
        .args(["-c", CHECK])
        .arg(schema)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run Python ({e}): run scripts/tools.sh test"))?;
    let input = Value::Array(values.to_vec()).to_string();
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input.as_bytes())
            .map_err(|e| format!("cannot write to Python: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("Python: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

/// Panics, naming every error, unless every one of `values` is a valid events-out detail.
pub fn assert_valid_details(values: &[Value]) {
    assert!(!values.is_empty(), "no detail to validate");
    if let Err(errors) = validate(&events_out_schema(), values) {
        panic!("details not valid against docs/events-out.schema.json:\n{errors}");
    }
}
