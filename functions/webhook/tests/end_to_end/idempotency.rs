//! Once only: the same event twice, ten concurrent deliveries, an event id over
//! DynamoDB's key limit, the claim belonging to its owner.

use super::*;

#[test]
fn the_same_event_twice_sends_once() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let function = stack.function(&runtime);
    let event = gateway_event("confirmation-created.json");
    let (_, first) = call(&runtime, &event);
    assert_eq!(first["status"], "processed");
    let (status, body) = call(&runtime, &event);
    assert_eq!((status, body["status"].as_str()), (200, Some("duplicate")));
    // Every email, .ics or not, went raw with our headers (SES's simple content drops them).
    let raw = stack.moto.data()["ses"]["RawMessage"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(raw.len(), 2, "both emails raw");
    for m in &raw {
        let mime = m["raw_data"].as_str().unwrap_or_default();
        assert!(
            mime.contains("\r\nAuto-Submitted: auto-generated\r\n"),
            "{mime}"
        );
        assert!(mime.contains("\r\nMessage-ID: <booxi.evt-0001."), "{mime}");
        assert!(mime.contains("\r\nContent-Language: "), "{mime}");
    }
    // The duplicate answers the first processing's summary, saved in DynamoDB.
    assert_eq!(body["messages"], first["messages"], "{body}");
    assert_eq!(body["messages"].as_array().map(Vec::len), Some(3), "{body}");
    assert_eq!(sent_emails(&stack.moto).len(), 2);
    assert_eq!(sent_sms(&stack.moto).len(), 1);
    assert_no_personal_data(&function.logs());
}

/// Three function instances race over ten deliveries of one event. DynamoDB goes through
/// a proxy that passes one call at a time: moto's conditional writes are not atomic under
/// concurrency (two racing `PutItem`s on one key both succeed now and then), DynamoDB's
/// are, and the proxy gives moto DynamoDB's behaviour so the test proves our claim logic,
/// not moto's luck. The proxy must have seen the calls, or the test proves nothing.
#[test]
fn ten_concurrent_deliveries_send_each_message_once() {
    let stack = Stack::new();
    let serial = SerialProxy::start(stack.moto.port);
    let mut env = stack.env.clone();
    env.push(("AWS_ENDPOINT_URL_DYNAMODB".into(), serial.endpoint()));
    let runtime = RuntimeApi::start();
    let functions: Vec<Function> = (0..3)
        .map(|_| Function::spawn(Path::new(WEBHOOK), &runtime, &env))
        .collect();
    let event = gateway_event("changed-date.json");
    let answers: Vec<(u16, Value)> = std::thread::scope(|scope| {
        let calls: Vec<_> = (0..10)
            .map(|_| scope.spawn(|| call(&runtime, &event)))
            .collect();
        calls.into_iter().map(|c| c.join().unwrap()).collect()
    });
    let processed = answers
        .iter()
        .filter(|(s, b)| *s == 200 && b["status"] == "processed")
        .count();
    let others_ok = answers.iter().all(|(s, b)| {
        (*s == 200 && (b["status"] == "processed" || b["status"] == "duplicate")) || *s == 409
    });
    assert_eq!(processed, 1, "{answers:?}");
    assert!(others_ok, "{answers:?}");
    assert_eq!(
        sent_emails(&stack.moto).len(),
        2,
        "client and staff email once each"
    );
    assert_eq!(sent_sms(&stack.moto).len(), 1);
    // A later delivery (after the 409s) is a duplicate.
    assert_eq!(call(&runtime, &event).1["status"], "duplicate");
    let through_proxy = serial.calls.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        through_proxy >= 10,
        "DynamoDB calls through the proxy: {through_proxy}"
    );
    for f in &functions {
        let logs = f.logs();
        if !logs.is_empty() {
            assert_no_personal_data(&logs);
        }
    }
}

#[test]
fn an_event_id_over_dynamodbs_key_limit_is_processed_once() {
    // 3,000 bytes: over DynamoDB's 2,048-byte key limit (moto enforces it too), which
    // answered 503 on every retry. The id is stored, answered and logged as its hash.
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let function = stack.function(&runtime);
    let event = with_event_id(
        gateway_event("confirmation-created.json"),
        &"e".repeat(3_000),
    );
    let (status, body) = call(&runtime, &event);
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("processed")),
        "{body}"
    );
    let id = body["event_id"].as_str().unwrap();
    assert!(id.starts_with("sha256:") && id.len() == 71, "{id}");
    let (status, again) = call(&runtime, &event);
    assert_eq!((status, again["status"].as_str()), (200, Some("duplicate")));
    assert_eq!(sent_emails(&stack.moto).len(), 2);
    assert_eq!(sent_sms(&stack.moto).len(), 1);
    assert!(
        !function.logs().contains(&"e".repeat(300)),
        "the long id was logged"
    );
}

/// The DynamoDB store's conditions, through the real SDK against moto: a claim carries its
/// owner, and only that owner completes or releases it. The calls here are sequential on
/// purpose: moto's conditional writes are not atomic under concurrency (racing
/// `PutItem`s both succeed now and then), so races are tested on the in-memory store,
/// whose operations are atomic like DynamoDB's (`edge` and `store` unit tests), and here
/// only through a proxy that serialises moto's calls (the ten-deliveries test); this
/// test proves the conditions DynamoDB evaluates are the right ones.
#[test]
fn the_dynamodb_claim_belongs_to_its_owner() {
    use booxi_notify::adapters::aws::DynamoStore;
    use booxi_notify::core::store::{Claim, Closed, Done, IdempotencyStore, Owner};
    use std::time::SystemTime;

    let stack = Stack::new();
    stack.tokio.block_on(async {
        let aws = sdk_config(&stack.moto.endpoint()).await;
        let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), TABLE);
        let (a, b, c) = (
            Owner::new().unwrap(),
            Owner::new().unwrap(),
            Owner::new().unwrap(),
        );
        let now = SystemTime::now();
        let until = now + Duration::from_secs(60);
        assert_eq!(
            store.claim("e1", &a, now, until).await.unwrap(),
            Claim::Acquired
        );
        assert_eq!(
            store.claim("e1", &b, now, until).await.unwrap(),
            Claim::InProgress
        );
        // After a's lease, b takes over; a can then neither release nor complete.
        let later = until + Duration::from_secs(1);
        let later_until = later + Duration::from_secs(60);
        assert_eq!(
            store.claim("e1", &b, later, later_until).await.unwrap(),
            Claim::Acquired
        );
        assert_eq!(store.release("e1", &a).await.unwrap(), Closed::NotOwner);
        assert_eq!(
            store.complete("e1", &a, later, "[]").await.unwrap(),
            Closed::NotOwner
        );
        assert_eq!(
            store.claim("e1", &c, later, later_until).await.unwrap(),
            Claim::InProgress
        );
        // b's own release works, then c's claim and completion with a summary.
        assert_eq!(store.release("e1", &b).await.unwrap(), Closed::Done);
        assert_eq!(
            store.claim("e1", &c, later, later_until).await.unwrap(),
            Claim::Acquired
        );
        let summary =
            r#"[{"kind":"reminder","audience":"client","channel":"sms","status":"sent"}]"#;
        assert_eq!(
            store.complete("e1", &c, later, summary).await.unwrap(),
            Closed::Done
        );
        assert_eq!(
            store.claim("e1", &a, later, later_until).await.unwrap(),
            Claim::Completed {
                summary: Some(summary.to_owned()),
                redo_from: None,
            }
        );
        assert_eq!(
            store.release("e1", &c).await.unwrap(),
            Closed::NotOwner,
            "completed stays completed"
        );
        assert_eq!(
            store.claim("e1", &b, later, later_until).await.unwrap(),
            Claim::Completed {
                summary: Some(summary.to_owned()),
                redo_from: None,
            }
        );
        // Queued mode's claim, written completed in one put: answered as completed, and
        // only its owner undoes it (after a failure to enqueue).
        let queued =
            r#"[{"kind":"reminder","audience":"client","channel":"sms","status":"queued"}]"#;
        assert_eq!(
            store.claim_completed("q1", &a, now, queued).await.unwrap(),
            Claim::Acquired
        );
        // With when it was claimed (stored in milliseconds): a later delivery redoes the
        // work as of then.
        let millis = now
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let completed = Claim::Completed {
            summary: Some(queued.to_owned()),
            redo_from: Some(std::time::UNIX_EPOCH + Duration::from_millis(millis)),
        };
        assert_eq!(store.claim("q1", &b, now, until).await.unwrap(), completed);
        assert_eq!(
            store.claim_completed("q1", &b, now, "[]").await.unwrap(),
            completed
        );
        assert_eq!(
            store.complete("q1", &a, now, "[]").await.unwrap(),
            Closed::NotOwner
        );
        assert_eq!(store.release("q1", &b).await.unwrap(), Closed::NotOwner);
        assert_eq!(store.release("q1", &a).await.unwrap(), Closed::Done);
        assert_eq!(
            store.claim_completed("q1", &b, now, "[]").await.unwrap(),
            Claim::Acquired
        );
        // Direct mode takes a queued claim over, once, and only that claim (its time).
        assert_eq!(
            store.claim_completed("q3", &a, now, "[]").await.unwrap(),
            Claim::Acquired
        );
        let millis_later = now + Duration::from_millis(1);
        assert!(
            !store
                .take_over("q3", millis_later, &b, until)
                .await
                .unwrap()
        );
        assert!(store.take_over("q3", now, &b, until).await.unwrap());
        assert!(!store.take_over("q3", now, &c, until).await.unwrap());
        assert_eq!(
            store.claim("q3", &c, now, until).await.unwrap(),
            Claim::InProgress
        );
        assert_eq!(
            store.complete("q3", &b, now, "[]").await.unwrap(),
            Closed::Done
        );
        assert!(!store.take_over("q3", now, &c, until).await.unwrap());
        // A live claim in progress keeps it out.
        assert_eq!(
            store.claim("q2", &a, now, until).await.unwrap(),
            Claim::Acquired
        );
        assert_eq!(
            store.claim_completed("q2", &b, now, "[]").await.unwrap(),
            Claim::InProgress
        );
        // Messages are recorded as sent or refused, and read back as such.
        store.record("msg#a", Done::Sent, later).await.unwrap();
        store.record("msg#b", Done::Refused, later).await.unwrap();
        let keys = ["msg#a".to_owned(), "msg#b".to_owned(), "msg#c".to_owned()];
        let recorded = store.recorded(&keys).await.unwrap();
        assert_eq!(recorded.get("msg#a"), Some(&Done::Sent));
        assert_eq!(recorded.get("msg#b"), Some(&Done::Refused));
        assert_eq!(recorded.len(), 2);
    });
}
