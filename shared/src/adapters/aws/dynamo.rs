use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, KeysAndAttributes, PutRequest, ReturnValuesOnConditionCheckFailure,
    WriteRequest,
};

use futures_util::future::BoxFuture;

use super::classify;
use crate::core::schedules::{BookingState, Named, Saved};
use crate::core::store::{
    Applied, Claim, Closed, Counted, Done, Found, HistoryEntry, IdempotencyStore, Owner, RETENTION,
    StoreError, Suppression, epoch_millis, epoch_seconds, event_key, provider_key, sms_day_key,
};
use crate::domain::feedback::{Cause, Learned};
use crate::domain::sms::SpendDay;

/// A saved summary longer than this is dropped (duplicates then answer without the
/// messages): an item may not exceed 400 KB.
const MAX_SUMMARY_BYTES: usize = 100 * 1024;

/// The idempotency table: string partition key `pk`, TTL attribute `expires_at`.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

const IN_PROGRESS: &str = "IN_PROGRESS";
const COMPLETED: &str = "COMPLETED";
const SENT: &str = "SENT";
const REFUSED: &str = "REFUSED";
/// A message not sent because its recipient is suppressed: its history only, not done.
const SKIPPED: &str = "SKIPPED";

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: u64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// The summary as stored: dropped when too long.
fn fitting_summary(summary: &str) -> &str {
    if summary.len() > MAX_SUMMARY_BYTES {
        ""
    } else {
        summary
    }
}

fn store_error<E, R>(op: &str, e: &aws_sdk_dynamodb::error::SdkError<E, R>) -> StoreError
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
    R: std::fmt::Debug,
{
    StoreError(format!("{op}: {}", classify(e).1))
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// A cheap read at init, so the first request does not pay the TLS handshake.
    pub async fn warm(&self) {
        let _ = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s("warm-up"))
            .send()
            .await;
    }

    fn expires_at(now: SystemTime) -> AttributeValue {
        n(epoch_seconds(now + RETENTION))
    }

    /// An event's claim for `owner`, written unless the event is completed or claimed
    /// under a live lease; the caller adds the status and what goes with it.
    fn claim_request(
        &self,
        event_id: &str,
        owner: &Owner,
        now: SystemTime,
    ) -> aws_sdk_dynamodb::operation::put_item::builders::PutItemFluentBuilder {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(event_key(event_id)))
            .item("owner", s(owner.as_str()))
            .item("expires_at", Self::expires_at(now))
            .condition_expression(
                "attribute_not_exists(pk) OR (#status = :in_progress AND lease_until < :now)",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":in_progress", s(IN_PROGRESS))
            .expression_attribute_values(":now", n(epoch_millis(now)))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
    }

    /// The items of `keys` (at most 100 a call, unprocessed keys asked again), with
    /// the attributes `projection` names, read consistently.
    async fn batch_get(
        &self,
        keys: &[String],
        projection: &str,
    ) -> Result<Vec<HashMap<String, AttributeValue>>, StoreError> {
        let mut items = Vec::new();
        for chunk in keys.chunks(100) {
            let unique: HashSet<&String> = chunk.iter().collect();
            let mut request: Vec<HashMap<String, AttributeValue>> = unique
                .into_iter()
                .map(|k| HashMap::from([("pk".to_owned(), s(k.clone()))]))
                .collect();
            for _attempt in 0..5 {
                if request.is_empty() {
                    break;
                }
                let wanted = KeysAndAttributes::builder()
                    .set_keys(Some(std::mem::take(&mut request)))
                    .projection_expression(projection)
                    .expression_attribute_names("#status", "status")
                    .consistent_read(true)
                    .build()
                    .map_err(|e| StoreError(format!("BatchGetItem: {e}")))?;
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, wanted)
                    .send()
                    .await
                    .map_err(|e| store_error("BatchGetItem", &e))?;
                if let Some(found) = out.responses().and_then(|r| r.get(&self.table)) {
                    items.extend(found.iter().cloned());
                }
                if let Some(left) = out.unprocessed_keys().and_then(|u| u.get(&self.table)) {
                    request = left.keys().to_vec();
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            if !request.is_empty() {
                return Err(StoreError("BatchGetItem: keys left unprocessed".into()));
            }
        }
        Ok(items)
    }

    /// A message's history as item attributes: the entry's JSON, a version for
    /// conditional updates, and the keys `history` looks for (event id, booking id,
    /// confirmation number).
    fn history_attributes(
        entry: &HistoryEntry,
        version: u64,
    ) -> Result<Vec<(&'static str, AttributeValue)>, StoreError> {
        let json = serde_json::to_string(entry)
            .map_err(|e| StoreError(format!("history: cannot write: {e}")))?;
        let mut attributes = vec![
            ("history", s(json)),
            ("v", n(version)),
            ("event_id", s(&entry.event_id)),
        ];
        if let Some(booking) = &entry.booking_id {
            attributes.push(("booking_id", s(booking)));
        }
        if let Some(confirmation) = &entry.confirmation {
            attributes.push(("confirmation", s(confirmation)));
        }
        Ok(attributes)
    }

    /// The history an item holds, and its version.
    fn history_of(item: &HashMap<String, AttributeValue>) -> Option<(HistoryEntry, u64)> {
        let entry = item
            .get("history")
            .and_then(|v| v.as_s().ok())
            .and_then(|json| serde_json::from_str(json).ok())?;
        let version = item
            .get("v")
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        Some((entry, version))
    }

    /// What a claim's conditional put came to.
    fn claimed<O, R>(
        result: Result<O, aws_sdk_dynamodb::error::SdkError<PutItemError, R>>,
    ) -> Result<Claim, StoreError>
    where
        R: std::fmt::Debug,
    {
        match result {
            Ok(_) => Ok(Claim::Acquired),
            Err(e) => match e.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(failed)) => {
                    let text = |name: &str| {
                        failed
                            .item()
                            .and_then(|item| item.get(name))
                            .and_then(|v| v.as_s().ok())
                            .cloned()
                    };
                    // Written completed at claim time (`claim_completed`): when.
                    let claimed_at = failed
                        .item()
                        .and_then(|item| item.get("claimed_at"))
                        .and_then(|v| v.as_n().ok())
                        .and_then(|ms| ms.parse::<u64>().ok())
                        .map(|ms| std::time::UNIX_EPOCH + Duration::from_millis(ms));
                    Ok(if text("status").as_deref() == Some(COMPLETED) {
                        Claim::Completed {
                            summary: text("summary").filter(|s| !s.is_empty()),
                            redo_from: claimed_at,
                        }
                    } else {
                        Claim::InProgress
                    })
                }
                _ => Err(store_error("PutItem (claim)", &e)),
            },
        }
    }
}

impl IdempotencyStore for DynamoStore {
    async fn claim(
        &self,
        event_id: &str,
        owner: &Owner,
        now: SystemTime,
        lease_until: SystemTime,
    ) -> Result<Claim, StoreError> {
        let claim = self
            .claim_request(event_id, owner, now)
            .item("status", s(IN_PROGRESS))
            .item("lease_until", n(epoch_millis(lease_until)));
        Self::claimed(claim.send().await)
    }

    async fn claim_completed(
        &self,
        event_id: &str,
        owner: &Owner,
        now: SystemTime,
        summary: &str,
    ) -> Result<Claim, StoreError> {
        let claim = self
            .claim_request(event_id, owner, now)
            .item("status", s(COMPLETED))
            .item("summary", s(fitting_summary(summary)))
            .item("completed_at", n(epoch_seconds(now)))
            .item("claimed_at", n(epoch_millis(now)));
        Self::claimed(claim.send().await)
    }

    async fn take_over(
        &self,
        event_id: &str,
        claimed_at: SystemTime,
        owner: &Owner,
        lease_until: SystemTime,
    ) -> Result<bool, StoreError> {
        let now = SystemTime::now();
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(event_key(event_id)))
            .item("status", s(IN_PROGRESS))
            .item("owner", s(owner.as_str()))
            .item("lease_until", n(epoch_millis(lease_until)))
            .item("expires_at", Self::expires_at(now))
            .condition_expression("#status = :completed AND claimed_at = :claimed_at")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":completed", s(COMPLETED))
            .expression_attribute_values(":claimed_at", n(epoch_millis(claimed_at)))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) => match e.as_service_error() {
                Some(err) if err.is_conditional_check_failed_exception() => Ok(false),
                _ => Err(store_error("PutItem (take over)", &e)),
            },
        }
    }

    async fn recorded(&self, keys: &[String]) -> Result<HashMap<String, Done>, StoreError> {
        Ok(self.look_up(keys, &[]).await?.done)
    }

    async fn look_up(
        &self,
        message_keys: &[String],
        suppression_keys: &[String],
    ) -> Result<Found, StoreError> {
        let keys: Vec<String> = message_keys
            .iter()
            .chain(suppression_keys)
            .cloned()
            .collect();
        let items = self
            .batch_get(&keys, "pk, #status, cause, learned_at, expires_at")
            .await?;
        let mut found = Found::default();
        for item in items {
            let Some(AttributeValue::S(pk)) = item.get("pk") else {
                continue;
            };
            let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok());
            let millis = |name: &str| {
                item.get(name)
                    .and_then(|v| v.as_n().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .map(|v| std::time::UNIX_EPOCH + Duration::from_millis(v))
            };
            if let Some(cause) = text("cause").and_then(|c| Cause::parse(c)) {
                // `expires_at` is the table's TTL, in seconds.
                let expires = item
                    .get("expires_at")
                    .and_then(|v| v.as_n().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .map(|v| std::time::UNIX_EPOCH + Duration::from_secs(v));
                if let (Some(learned_at), Some(expires_at)) = (millis("learned_at"), expires) {
                    found.suppressed.insert(
                        pk.clone(),
                        Suppression {
                            cause,
                            learned_at,
                            expires_at,
                        },
                    );
                }
                continue;
            }
            let done = match text("status") {
                Some(status) if status == SENT => Some(Done::Sent),
                Some(status) if status == REFUSED => Some(Done::Refused),
                _ => None,
            };
            if let Some(done) = done {
                found.done.insert(pk.clone(), done);
            }
        }
        Ok(found)
    }

    async fn record_message(
        &self,
        key: &str,
        done: Done,
        entry: &HistoryEntry,
        now: SystemTime,
    ) -> Result<(), StoreError> {
        let status = match done {
            Done::Sent => SENT,
            Done::Refused => REFUSED,
        };
        let mut record = HashMap::from([
            ("pk".to_owned(), s(key)),
            ("status".to_owned(), s(status)),
            ("sent_at".to_owned(), n(epoch_seconds(now))),
            ("expires_at".to_owned(), Self::expires_at(now)),
        ]);
        let history_key = entry.key(key);
        let history = Self::history_attributes(entry, 1)?
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v));
        if history_key == key {
            record.extend(history);
            return self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(record))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| store_error("PutItem (sent)", &e));
        }
        // Sent: the record and the history under the provider's id, in one request.
        let mut item = HashMap::from([
            ("pk".to_owned(), s(history_key)),
            ("expires_at".to_owned(), Self::expires_at(now)),
        ]);
        item.extend(history);
        let put = |item| -> Result<WriteRequest, StoreError> {
            let request = PutRequest::builder()
                .set_item(Some(item))
                .build()
                .map_err(|e| StoreError(format!("BatchWriteItem: {e}")))?;
            Ok(WriteRequest::builder().put_request(request).build())
        };
        let mut requests = vec![put(record)?, put(item)?];
        for _attempt in 0..5 {
            let out = self
                .client
                .batch_write_item()
                .request_items(&self.table, std::mem::take(&mut requests))
                .send()
                .await
                .map_err(|e| store_error("BatchWriteItem (sent)", &e))?;
            match out.unprocessed_items().and_then(|u| u.get(&self.table)) {
                Some(left) if !left.is_empty() => {
                    requests = left.clone();
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                _ => return Ok(()),
            }
        }
        Err(StoreError(
            "BatchWriteItem (sent): items left unprocessed".into(),
        ))
    }

    async fn note_skipped(
        &self,
        key: &str,
        entry: &HistoryEntry,
        now: SystemTime,
    ) -> Result<(), StoreError> {
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(key))
            .item("status", s(SKIPPED))
            .item("expires_at", Self::expires_at(now))
            // Never over a message another delivery recorded sent or refused.
            .condition_expression("attribute_not_exists(pk) OR #status = :skipped")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":skipped", s(SKIPPED));
        for (name, value) in Self::history_attributes(entry, 1)? {
            put = put.item(name, value);
        }
        match put.send().await {
            Ok(_) => Ok(()),
            Err(e) => match e.as_service_error() {
                Some(err) if err.is_conditional_check_failed_exception() => Ok(()),
                _ => Err(store_error("PutItem (skipped)", &e)),
            },
        }
    }

    async fn learn(&self, learned: &Learned, now: SystemTime) -> Result<Applied, StoreError> {
        let key = provider_key(&learned.provider_id);
        // Read, apply the stages rule, write back if the item is as read: another
        // outcome of the same message written meanwhile makes the write fail, and the
        // rule is applied again to what it wrote.
        for _attempt in 0..5 {
            let out = self
                .client
                .get_item()
                .table_name(&self.table)
                .key("pk", s(&key))
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| store_error("GetItem (history)", &e))?;
            let Some((entry, version)) = out.item().and_then(Self::history_of) else {
                return Ok(Applied::Unmatched);
            };
            let Some(next) = entry.learn(learned, now) else {
                return Ok(Applied::Unchanged(entry));
            };
            let mut put = self
                .client
                .put_item()
                .table_name(&self.table)
                .item("pk", s(&key))
                .item("expires_at", Self::expires_at(now))
                .condition_expression("#v = :v")
                .expression_attribute_names("#v", "v")
                .expression_attribute_values(":v", n(version));
            for (name, value) in Self::history_attributes(&next, version + 1)? {
                put = put.item(name, value);
            }
            match put.send().await {
                Ok(_) => return Ok(Applied::Changed(next)),
                Err(e) => match e.as_service_error() {
                    Some(err) if err.is_conditional_check_failed_exception() => continue,
                    _ => return Err(store_error("PutItem (history)", &e)),
                },
            }
        }
        Err(StoreError(
            "PutItem (history): the message kept changing".into(),
        ))
    }

    async fn suppress(&self, key: &str, suppression: &Suppression) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(key))
            .item("cause", s(suppression.cause.name()))
            .item("learned_at", n(epoch_millis(suppression.learned_at)))
            .item("expires_at", n(epoch_seconds(suppression.expires_at)))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| store_error("PutItem (suppression)", &e))
    }

    async fn lift(&self, key: &str) -> Result<bool, StoreError> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(key))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| store_error("DeleteItem (suppression)", &e))?;
        Ok(out.attributes().is_some_and(|a| a.contains_key("cause")))
    }

    async fn record(&self, key: &str, done: Done, now: SystemTime) -> Result<(), StoreError> {
        let status = match done {
            Done::Sent => SENT,
            Done::Refused => REFUSED,
        };
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(key))
            .item("status", s(status))
            .item("sent_at", n(epoch_seconds(now)))
            .item("expires_at", Self::expires_at(now))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| store_error("PutItem (sent)", &e))
    }

    async fn complete(
        &self,
        event_id: &str,
        owner: &Owner,
        now: SystemTime,
        summary: &str,
    ) -> Result<Closed, StoreError> {
        let summary = fitting_summary(summary);
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(event_key(event_id)))
            .item("status", s(COMPLETED))
            .item("summary", s(summary))
            .item("completed_at", n(epoch_seconds(now)))
            .item("expires_at", Self::expires_at(now))
            .condition_expression("#status = :in_progress AND #owner = :owner")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_values(":in_progress", s(IN_PROGRESS))
            .expression_attribute_values(":owner", s(owner.as_str()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Closed::Done),
            Err(e) => match e.as_service_error() {
                Some(err) if err.is_conditional_check_failed_exception() => Ok(Closed::NotOwner),
                _ => Err(store_error("PutItem (complete)", &e)),
            },
        }
    }

    async fn release(&self, event_id: &str, owner: &Owner) -> Result<Closed, StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(event_key(event_id)))
            // In progress or written completed by `claim_completed`: either carries its
            // owner's token; a record completed by `complete` carries none.
            .condition_expression("#owner = :owner")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_values(":owner", s(owner.as_str()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Closed::Done),
            Err(e) => match e.as_service_error() {
                Some(err) if err.is_conditional_check_failed_exception() => Ok(Closed::NotOwner),
                _ => Err(store_error("DeleteItem (release)", &e)),
            },
        }
    }

    /// One conditional `UpdateItem` on `sms#<merchant>#<day>`: adds 1 to `count` and the
    /// message's fingerprint to the string set `msgs`, if fewer than `cap` are counted
    /// and that message is not; the day's item expires two days after the day. When the
    /// condition fails, the item as it was (returned with the failure) says which.
    async fn count_sms(
        &self,
        day: &SpendDay,
        message: &str,
        cap: u32,
    ) -> Result<Counted, StoreError> {
        let key = sms_day_key(day);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(&key))
            .update_expression(
                "ADD #count :one, #msgs :this SET #expires = if_not_exists(#expires, :expires)",
            )
            .condition_expression(
                "(attribute_not_exists(#count) OR #count < :cap) \
                 AND (attribute_not_exists(#msgs) OR NOT contains(#msgs, :message))",
            )
            .expression_attribute_names("#count", "count")
            .expression_attribute_names("#msgs", "msgs")
            .expression_attribute_names("#expires", "expires_at")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":this", AttributeValue::Ss(vec![message.to_owned()]))
            .expression_attribute_values(":message", s(message))
            .expression_attribute_values(":cap", n(u64::from(cap)))
            .expression_attribute_values(
                ":expires",
                n(u64::try_from(day.expires().as_second()).unwrap_or(0)),
            )
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let failed = match result {
            Ok(_) => return Ok(Counted::Counted),
            Err(e) => match e.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(failed)) => {
                    failed.item().cloned()
                }
                _ => return Err(store_error("UpdateItem (SMS count)", &e)),
            },
        };
        // Without the old item in the failure (some emulators leave it out), read it.
        let item = match failed {
            Some(item) => item,
            None => self
                .client
                .get_item()
                .table_name(&self.table)
                .key("pk", s(&key))
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| store_error("GetItem (SMS count)", &e))?
                .item()
                .cloned()
                .unwrap_or_default(),
        };
        let counted_before = item
            .get("msgs")
            .and_then(|v| v.as_ss().ok())
            .is_some_and(|set| set.iter().any(|m| m == message));
        Ok(if counted_before {
            Counted::Before
        } else {
            Counted::Full
        })
    }

    async fn uncount_sms(&self, day: &SpendDay, message: &str) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(sms_day_key(day)))
            .update_expression("ADD #count :minus DELETE #msgs :this")
            .condition_expression("contains(#msgs, :message)")
            .expression_attribute_names("#count", "count")
            .expression_attribute_names("#msgs", "msgs")
            .expression_attribute_values(":minus", AttributeValue::N("-1".into()))
            .expression_attribute_values(":this", AttributeValue::Ss(vec![message.to_owned()]))
            .expression_attribute_values(":message", s(message))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => match e.as_service_error() {
                // Not counted (or given back already): nothing to give back.
                Some(err) if err.is_conditional_check_failed_exception() => Ok(()),
                _ => Err(store_error("UpdateItem (SMS count back)", &e)),
            },
        }
    }
}

/// Booking states of the flows, in the same table: `flow#<booking key>` with the merged
/// event `body`, `event_at` (the latest time an event's body gave, epoch ms; absent when
/// none did), `sealed`, the revision `rev` each save is conditioned on, and
/// `expires_at` (the table's TTL) a little after the last time anything of the booking
/// is due. And the names that lead to a booking: `flowname#<name>` with its `booking` key
/// and `expires_at`.
impl crate::core::schedules::BookingStates for DynamoStore {
    fn save<'a>(
        &'a self,
        booking: &'a str,
        state: &'a BookingState,
        read: Option<u64>,
    ) -> BoxFuture<'a, Result<Saved, StoreError>> {
        Box::pin(async move {
            let mut put = self
                .client
                .put_item()
                .table_name(&self.table)
                .item("pk", s(state_key(booking)))
                .item("body", s(&state.body))
                .item("sealed", AttributeValue::Bool(state.sealed))
                .item("rev", n(state.rev))
                .item("expires_at", n(epoch_seconds(state.expires_at)));
            if let Some(ms) = state.known_at_ms {
                put = put.item("event_at", AttributeValue::N(ms.to_string()));
            }
            // Only over the state this save read: none, one written before revisions
            // (no `rev`), or the revision read.
            put = match read {
                None => put.condition_expression("attribute_not_exists(pk)"),
                Some(0) => {
                    put.condition_expression("attribute_exists(pk) AND attribute_not_exists(rev)")
                }
                Some(rev) => put
                    .condition_expression("rev = :rev")
                    .expression_attribute_values(":rev", n(rev)),
            };
            match put.send().await {
                Ok(_) => Ok(Saved::Stored),
                Err(e) => match e.as_service_error() {
                    Some(err) if err.is_conditional_check_failed_exception() => Ok(Saved::Conflict),
                    _ => Err(store_error("PutItem (booking state)", &e)),
                },
            }
        })
    }

    fn load<'a>(
        &'a self,
        booking: &'a str,
    ) -> BoxFuture<'a, Result<Option<BookingState>, StoreError>> {
        Box::pin(async move {
            let out = self
                .client
                .get_item()
                .table_name(&self.table)
                .key("pk", s(state_key(booking)))
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| store_error("GetItem (booking state)", &e))?;
            let Some(item) = out.item() else {
                return Ok(None);
            };
            let number = |name: &str| {
                item.get(name)
                    .and_then(|v| v.as_n().ok())
                    .and_then(|v| v.parse::<i64>().ok())
            };
            // DynamoDB deletes expired items late: an expired state is no state.
            let expires = number("expires_at").unwrap_or(0);
            if expires < epoch_seconds(SystemTime::now()) as i64 {
                return Ok(None);
            }
            let body = item
                .get("body")
                .and_then(|v| v.as_s().ok())
                .cloned()
                .ok_or_else(|| StoreError("booking state without a body".into()))?;
            Ok(Some(BookingState {
                body,
                known_at_ms: number("event_at"),
                sealed: item
                    .get("sealed")
                    .and_then(|v| v.as_bool().ok())
                    .copied()
                    .unwrap_or(false),
                expires_at: SystemTime::UNIX_EPOCH
                    + Duration::from_secs(u64::try_from(expires).unwrap_or(0)),
                rev: number("rev")
                    .and_then(|r| u64::try_from(r).ok())
                    .unwrap_or(0),
            }))
        })
    }

    fn find<'a>(
        &'a self,
        names: &'a [String],
    ) -> BoxFuture<'a, Result<HashMap<String, Named>, StoreError>> {
        Box::pin(async move {
            let mut found = HashMap::new();
            if names.is_empty() {
                return Ok(found);
            }
            let unique: HashSet<String> = names.iter().map(|n| name_key(n)).collect();
            let keys = unique
                .into_iter()
                .map(|k| HashMap::from([("pk".to_owned(), s(k))]))
                .collect();
            let wanted = KeysAndAttributes::builder()
                .set_keys(Some(keys))
                .consistent_read(true)
                .build()
                .map_err(|e| StoreError(format!("BatchGetItem: {e}")))?;
            let out = self
                .client
                .batch_get_item()
                .request_items(&self.table, wanted)
                .send()
                .await
                .map_err(|e| store_error("BatchGetItem (booking names)", &e))?;
            if out
                .unprocessed_keys()
                .is_some_and(|u| u.get(&self.table).is_some_and(|k| !k.keys().is_empty()))
            {
                return Err(StoreError(
                    "BatchGetItem (booking names): keys left unprocessed".into(),
                ));
            }
            let now = epoch_seconds(SystemTime::now()) as i64;
            for item in out
                .responses()
                .and_then(|r| r.get(&self.table))
                .into_iter()
                .flatten()
            {
                let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
                let expires = item
                    .get("expires_at")
                    .and_then(|v| v.as_n().ok())
                    .and_then(|v| v.parse::<i64>().ok())
                    .unwrap_or(0);
                let (Some(pk), Some(booking)) = (text("pk"), text("booking")) else {
                    continue;
                };
                if expires < now {
                    continue;
                }
                let Some(name) = names.iter().find(|n| name_key(n) == pk) else {
                    continue;
                };
                found.insert(
                    name.clone(),
                    Named {
                        booking,
                        expires_at: SystemTime::UNIX_EPOCH
                            + Duration::from_secs(u64::try_from(expires).unwrap_or(0)),
                    },
                );
            }
            Ok(found)
        })
    }

    fn name<'a>(
        &'a self,
        name: &'a str,
        booking: &'a str,
        expires_at: SystemTime,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let result = self
                .client
                .put_item()
                .table_name(&self.table)
                .item("pk", s(name_key(name)))
                .item("booking", s(booking))
                .item("expires_at", n(epoch_seconds(expires_at)))
                // The first booking to take a name keeps it (an expired name is free).
                .condition_expression(
                    "attribute_not_exists(pk) OR booking = :b OR expires_at < :now",
                )
                .expression_attribute_values(":b", s(booking))
                .expression_attribute_values(":now", n(epoch_seconds(SystemTime::now())))
                .send()
                .await;
            match result {
                Ok(_) => Ok(()),
                Err(e) => match e.as_service_error() {
                    Some(err) if err.is_conditional_check_failed_exception() => Ok(()),
                    _ => Err(store_error("PutItem (booking name)", &e)),
                },
            }
        })
    }
}

/// The key of a booking's state.
pub fn state_key(booking: &str) -> String {
    format!("flow#{booking}")
}

/// The key of a name leading to a booking.
pub fn name_key(name: &str) -> String {
    format!("flowname#{name}")
}
