//! Secrets and signatures: a wrong or missing secret is 401, signature mode, rotation.

use super::*;

#[test]
fn a_wrong_or_missing_secret_is_401_with_no_detail_and_sends_nothing() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let function = stack.function(&runtime);
    let good = gateway_event("confirmation-created.json");
    let mut wrong = good.clone();
    wrong["headers"]["x-booxi-secret"] = json!("wrong-secret");
    let mut missing = good.clone();
    missing["headers"]
        .as_object_mut()
        .unwrap()
        .remove("x-booxi-secret");
    let mut bearer = missing.clone();
    bearer["headers"]["authorization"] = json!("Bearer wrong-secret");
    for event in [&wrong, &missing, &bearer] {
        assert_eq!(
            call(&runtime, event),
            (401, json!({"error": "unauthorized"}))
        );
    }
    assert!(sent_emails(&stack.moto).is_empty());
    assert!(sent_sms(&stack.moto).is_empty());
    // The right secret as a bearer token works.
    let mut bearer_ok = missing.clone();
    bearer_ok["headers"]["authorization"] = json!(format!("Bearer {SECRET}"));
    assert_eq!(call(&runtime, &bearer_ok).0, 200);
    assert_no_personal_data(&function.logs());
}

/// The API Gateway event with the signature header set (its other auth headers removed).
fn signed(mut event: Value, signature: &str) -> Value {
    let headers = event["headers"].as_object_mut().unwrap();
    headers.remove("x-booxi-secret");
    headers.insert("x-booxi-signature".to_owned(), json!(signature));
    event
}

/// The bytes Booxi sent: the event's body, base64-decoded when API Gateway encoded it.
fn raw_body(event: &Value) -> Vec<u8> {
    input::booxi_body(event.to_string().as_bytes()).unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn signature_mode_accepts_exactly_the_correctly_signed_bodies() {
    use booxi_notify::doors::auth::hmac_sha256;
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let function = stack.function_with(&runtime, &[("BOOXI_AUTH_MODE", "Signature")]);
    let b64 = |mac: [u8; 32]| base64::engine::general_purpose::STANDARD.encode(mac);

    // Refused: the header secret alone, no header, another key, a tampered body.
    let plain = gateway_event("confirmation-created.json");
    let body = raw_body(&plain);
    let mut tampered = signed(plain.clone(), &hex(&hmac_sha256(SECRET.as_bytes(), &body)));
    let changed = String::from_utf8(body.clone())
        .unwrap()
        .replace("A00006500", "A00006501");
    tampered = with_body(tampered, &changed);
    let mut no_header = signed(plain.clone(), "");
    no_header["headers"]
        .as_object_mut()
        .unwrap()
        .remove("x-booxi-signature");
    let refused = [
        plain.clone(),
        no_header,
        signed(plain.clone(), SECRET),
        signed(plain.clone(), &hex(&hmac_sha256(b"wrong-secret", &body))),
        tampered,
    ];
    for event in &refused {
        assert_eq!(
            call(&runtime, event),
            (401, json!({"error": "unauthorized"}))
        );
    }
    assert!(sent_emails(&stack.moto).is_empty());
    assert!(sent_sms(&stack.moto).is_empty());

    // Accepted: hex without prefix; base64 with `sha256=`, over the base64-decoded body.
    let (status, answer) = call(
        &runtime,
        &signed(plain.clone(), &hex(&hmac_sha256(SECRET.as_bytes(), &body))),
    );
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("processed")),
        "{answer}"
    );
    let reminder = gateway_event("reminder.json");
    assert_eq!(reminder["isBase64Encoded"], true);
    let signature = format!(
        "sha256={}",
        b64(hmac_sha256(SECRET.as_bytes(), &raw_body(&reminder)))
    );
    let (status, answer) = call(&runtime, &signed(reminder, &signature));
    assert_eq!(
        (status, answer["status"].as_str()),
        (200, Some("processed")),
        "{answer}"
    );
    // An id-less body signed: sent once, however often it comes.
    let id_less = gateway_event("root-envelope-without-id.json");
    let signature = hex(&hmac_sha256(SECRET.as_bytes(), &raw_body(&id_less)));
    let first = call(&runtime, &signed(id_less.clone(), &signature));
    assert_eq!(first.1["status"], "processed", "{}", first.1);
    let again = call(&runtime, &signed(id_less, &signature));
    assert_eq!((again.0, &again.1["status"]), (200, &json!("duplicate")));
    assert_eq!(again.1["event_id"], first.1["event_id"]);
    let (mut emails, mut sms) = (Vec::new(), Vec::new());
    for name in [
        "confirmation-created.json",
        "reminder.json",
        "root-envelope-without-id.json",
    ] {
        let (e, s) = expected_messages(&gateway_event(name));
        emails.extend(e);
        sms.extend(s);
    }
    emails.sort();
    sms.sort();
    assert_eq!(sent_emails(&stack.moto), emails);
    assert_eq!(sent_sms(&stack.moto), sms);

    // After a rotation, bodies signed with the new and with the previous key are accepted.
    stack.rotate_secret("new-secret");
    for (id, key) in [("sig-rot-1", "new-secret"), ("sig-rot-2", SECRET)] {
        let event = with_event_id(gateway_event("recall.json"), id);
        let signature = hex(&hmac_sha256(key.as_bytes(), &raw_body(&event)));
        assert_eq!(call(&runtime, &signed(event, &signature)).0, 200, "{key}");
    }
    let logs = function.logs();
    let derived = first.1["event_id"].as_str().unwrap();
    assert!(
        logs.lines()
            .any(|l| l.contains("derived one from its content") && l.contains(derived)),
        "no log line says the id was derived:\n{logs}"
    );
    assert_no_personal_data(&logs);
}

#[test]
fn after_a_rotation_the_old_and_the_new_secret_are_both_accepted() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let function = stack.function(&runtime);
    let base = gateway_event("recall.json");
    assert_eq!(call(&runtime, &with_event_id(base.clone(), "rot-1")).0, 200);
    stack.rotate_secret("new-secret");
    let mut new = with_event_id(base.clone(), "rot-2");
    new["headers"]["x-booxi-secret"] = json!("new-secret");
    assert_eq!(call(&runtime, &new).0, 200, "the new secret (AWSCURRENT)");
    let old = with_event_id(base.clone(), "rot-3");
    assert_eq!(call(&runtime, &old).0, 200, "the old secret (AWSPREVIOUS)");
    let mut neither = with_event_id(base, "rot-4");
    neither["headers"]["x-booxi-secret"] = json!("wrong-secret");
    assert_eq!(call(&runtime, &neither).0, 401);
    assert_eq!(sent_emails(&stack.moto).len(), 3);
    assert_no_personal_data(&function.logs());
}
