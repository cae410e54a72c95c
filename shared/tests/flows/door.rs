//! The schedule door on the in-memory adapters: the recording courier and the `Setup`
//! every module here uses.
//!
//! - `fires`: a fire sends once, stale fires after a cancel or a move, queued duplicates,
//!   late events, temporary failures, unreadable states, inputs not ours.
//! - `shapes`: one booking, one key, whatever shape its events come in.
//! - `state`: the booking's state rows (`row_state_…`).
//! - `late`: late fires, `late_after`, a flow's event published once in time.
//! - `bounded`: schedule changes recorded, retried, bounded by the deadline and capped.
//! - `quiet_hours`: SMS held back by quiet hours and sent once by their schedule.
//! - `whatsapp`: a flow `[whatsapp]` lists firing as a WhatsApp message.

mod bounded;
mod fires;
mod late;
mod quiet_hours;
mod shapes;
mod state;
mod whatsapp;

use super::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use booxi_notify::adapters::memory::MemoryStore;
use booxi_notify::adapters::memory::{MemoryScheduler, MemoryStates};
use booxi_notify::core::compose::RenderComposer;
use booxi_notify::core::delivery::DeliverySettings;
use booxi_notify::core::delivery::{Content, Courier, Outgoing, SendError};
use booxi_notify::core::outcome::{Disposition, Status};
use booxi_notify::core::process::Core;
use booxi_notify::core::schedules::Flows;
use booxi_notify::domain::contact::EmailAddress;
use booxi_notify::doors::schedule::FireError;
use booxi_notify::render::{RenderConfig, Renderer};
use serde_json::Value;

/// Records what goes out (kind and subject or text); fails while `fail` is set.
#[derive(Default)]
struct Recorder {
    sent: Mutex<Vec<String>>,
    fail: AtomicBool,
}

impl Courier for Recorder {
    async fn send(&self, m: &Outgoing) -> Result<String, SendError> {
        if self.fail.load(Ordering::SeqCst) {
            return Err(SendError::retryable("ThrottlingException"));
        }
        let what = match &m.content {
            Content::Email(e) => format!("{} email {}: {}", m.meta.kind, e.to, e.subject),
            Content::Sms(s) => format!("{} sms {}: {}", m.meta.kind, s.to, s.text),
            Content::WhatsApp(w) => {
                format!("{} whatsapp {}: {}", m.meta.kind, w.to, w.template.name)
            }
        };
        self.sent.lock().unwrap().push(what);
        Ok("id".into())
    }
}

struct Setup {
    core: Core<MemoryStore, Recorder, RenderComposer>,
    scheduler: Arc<MemoryScheduler>,
    states: Arc<MemoryStates>,
}

fn setup() -> Setup {
    setup_with(config())
}

fn setup_with(config: Config) -> Setup {
    let scheduler = Arc::new(MemoryScheduler::new());
    let states = Arc::new(MemoryStates::new());
    let core = Core {
        store: MemoryStore::new(),
        courier: Recorder::default(),
        composer: RenderComposer {
            renderer: Renderer::new(&RenderConfig::from(&config)).unwrap(),
            from: EmailAddress::parse("notifications@example.com").unwrap(),
            reply_to: None,
        },
        config,
        delivery: DeliverySettings::default(),
        emit_metrics: false,
        flows: Some(Flows {
            scheduler: scheduler.clone(),
            states: states.clone(),
        }),
        queue: None,
        events_out: None,
    };
    Setup {
        core,
        scheduler,
        states,
    }
}

fn body(event_type: &str, id: &str, created: &str) -> support::Body {
    let mut body = event(event_type)
        .set("booking.startsOn", json!("2030-06-10T15:00:00Z"))
        .set("service.instructions", json!("Arrive ten minutes early."));
    body.0["eventId"] = json!(id);
    body.0["createdOn"] = json!(created);
    body
}

impl Setup {
    async fn deliver(&self, body: &support::Body) -> booxi_notify::core::outcome::Summary {
        self.core.process(&body.parse(), None).await.unwrap()
    }

    fn inputs(&self) -> Vec<Value> {
        self.scheduler
            .all()
            .iter()
            .map(|s| serde_json::from_str(&s.input).unwrap())
            .collect()
    }

    fn sent(&self) -> Vec<String> {
        self.core.courier.sent.lock().unwrap().clone()
    }

    fn flow_sent(&self) -> Vec<String> {
        self.sent()
            .into_iter()
            .filter(|s| s.starts_with("pre_visit"))
            .collect()
    }
}
