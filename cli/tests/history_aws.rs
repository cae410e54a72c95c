//! `history` and `suppression remove` on the deployed table (the cargo feature `aws`):
//! the real binary against moto's DynamoDB, the table written by the function's own
//! store (`DynamoStore`) as a send and its outcomes write it. Run by `scripts/test.sh`
//! with `cargo test -p booxi-notify-cli --features aws --test history_aws`.
#![cfg(feature = "aws")]

mod support;
use support::{booxi_notify, lines};

use std::time::SystemTime;

use booxi_notify::adapters::aws::DynamoStore;
use booxi_notify::core::store::{
    Done, HistoryEntry, IdempotencyStore, RecipientHasher, Step, Suppression, recipient_hash,
    suppression_key,
};
use booxi_notify::domain::feedback::{Cause, Learned, MessageStatus};
use serde_json::Value;
use testkit::moto::{Moto, RECIPIENT_KEY, RECIPIENT_KEY_SECRET, TABLE};

/// The recipients' hash as the deployed function makes it: under the stack's key.
fn jane() -> String {
    recipient_hash(
        &RecipientHasher::new(RECIPIENT_KEY.as_bytes()),
        "jane@example.com",
    )
}

fn entry(event_id: &str, provider_id: &str, at: u64) -> HistoryEntry {
    HistoryEntry {
        event_id: event_id.into(),
        kind: "confirmation".into(),
        audience: "client".into(),
        channel: "email".into(),
        to: "j•••@example.com".into(),
        status: "sent".into(),
        at,
        provider_id: Some(provider_id.into()),
        reason: None,
        booking_id: Some("778812".into()),
        confirmation: Some("A00006500".into()),
        recipient: jane(),
        fallback_for: None,
        timeline: vec![Step {
            status: "sent".into(),
            at,
            reason: None,
        }],
    }
}

#[test]
fn history_reads_the_deployed_table_and_suppression_remove_lifts_one() {
    let moto = Moto::start();
    moto.set_up_stack();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = runtime.block_on(async {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(moto.endpoint())
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .load()
            .await;
        DynamoStore::new(aws_sdk_dynamodb::Client::new(&config), TABLE)
    });
    let now = SystemTime::now();
    runtime.block_on(async {
        // Two messages of the booking (the later one first), and one of another.
        let later = entry("evt-2", "ses-2", 1_796_137_300_000);
        store
            .record_message("msg#evt-2#a", Done::Sent, &later, now)
            .await
            .unwrap();
        let earlier = entry("evt-1", "ses-1", 1_796_137_200_000);
        store
            .record_message("msg#evt-1#a", Done::Sent, &earlier, now)
            .await
            .unwrap();
        let mut other = entry("evt-9", "ses-9", 1_796_137_200_000);
        other.booking_id = Some("999".into());
        other.confirmation = None;
        store
            .record_message("msg#evt-9#a", Done::Sent, &other, now)
            .await
            .unwrap();
        let bounced = Learned {
            provider_id: "ses-1".into(),
            status: MessageStatus::Bounced,
            at: Some("2026-12-01T15:00:03Z".parse().unwrap()),
            reason: Some("Permanent bounce (General)".into()),
            suppress: Some(Cause::Bounced),
        };
        store.learn(&bounced, now).await.unwrap();
        let suppression = Suppression {
            cause: Cause::Bounced,
            learned_at: now,
            expires_at: now + std::time::Duration::from_secs(3600),
        };
        store
            .suppress(&suppression_key(&jane()), &suppression)
            .await
            .unwrap();
    });

    let aws = |command: &mut std::process::Command| {
        command
            .env("AWS_ENDPOINT_URL", moto.endpoint())
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .env("BOOXI_IDEMPOTENCY_TABLE", TABLE)
            .output()
            .unwrap()
    };
    for wanted in ["778812", "A00006500"] {
        let out = aws(booxi_notify().args(["history", wanted]));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let found: Vec<Value> = lines(&out);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0]["event_id"], "evt-1");
        assert_eq!(found[0]["status"], "bounced");
        assert_eq!(found[0]["at"], "2026-12-01T15:00:03Z");
        assert_eq!(found[0]["provider_id"], "ses-1");
        assert_eq!(found[0]["reason"], "Permanent bounce (General)");
        assert_eq!(found[0]["to"], "j•••@example.com");
        assert_eq!(found[0]["timeline"].as_array().unwrap().len(), 2);
        assert_eq!(found[1]["event_id"], "evt-2");
        assert_eq!(found[1]["status"], "sent");
    }
    let out = aws(booxi_notify().args(["history", "nope"]));
    assert_eq!(out.status.code(), Some(1));

    // The table keys suppressions under the stack's recipient key: without it, no lookup.
    let out = aws(booxi_notify().args(["suppression", "remove", "jane@example.com"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--recipient-key-secret"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let aws = |command: &mut std::process::Command| {
        aws(command.env("BOOXI_RECIPIENT_KEY_SECRET_ARN", RECIPIENT_KEY_SECRET))
    };
    let out = aws(booxi_notify().args(["suppression", "remove", "Jane@Example.com"]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = aws(booxi_notify().args(["suppression", "remove", "jane@example.com"]));
    assert_eq!(out.status.code(), Some(1));
    let found = runtime.block_on(store.look_up(&[], &[suppression_key(&jane())]));
    assert!(found.unwrap().suppressed.is_empty());

    // A table that is not there: the error, exit 1.
    let out = booxi_notify()
        .args(["history", "--table", "missing-table", "778812"])
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("history: Scan: ResourceNotFoundException"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
