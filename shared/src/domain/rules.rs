//! The rules of `docs/rules.md`, as code: [`plan`] is a pure function from a
//! normalised [`Event`] and the [`Config`] to the messages the event calls for.
//!
//! Read it beside the document: [`CLIENT_RULES`] is the client table row by row (first
//! match wins), [`STAFF_RULES`] the staff table, then the Recipients, Channels, Links
//! and Language sections, each a function of its own.

use std::collections::HashSet;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use url::Url;

use crate::domain::config::Config;
use crate::domain::contact::{EmailAddress, Language};
use crate::domain::event::{
    ActedBy, Booking, ClientCommunication, Contact, Event, EventType, Person, Presence, Status,
};
use crate::domain::flows::{Flow, Timing};
use crate::domain::notification::{
    Action, Actor, Address, Audience, BOOKING_RECIPIENT, Channel, FlowChannel, Kind, Links,
    NOT_EVALUATED, Notification, Plan, Recipient, RuleVerdict, ScheduleChange, Scheduled,
    ScheduledEvent, Skipped, Unscheduled, utc_seconds,
};
use crate::domain::sms;

/// A row's condition: `Ok(())` when it holds, otherwise why not (for `--explain`).
pub(crate) type Check = Result<(), String>;

/// One row of the client table.
pub struct ClientRule {
    pub kind: Kind,
    pub row: &'static str,
    pub event_types: &'static [EventType],
    pub condition: fn(&Event) -> Check,
}

use EventType::*;

/// The client table of `docs/rules.md`, top to bottom. The first row that
/// matches gives the event's one client kind.
pub const CLIENT_RULES: &[ClientRule] = &[
    ClientRule {
        kind: Kind::Confirmation,
        row: "confirmation: appointment.created, status = Approved",
        event_types: &[AppointmentCreated],
        condition: |e| status_is(e, Status::Approved),
    },
    ClientRule {
        kind: Kind::Confirmation,
        row: "confirmation: appointment.status_updated, status = Approved, presence = Expecting, status changed",
        event_types: &[AppointmentStatusUpdated],
        condition: |e| {
            status_is(e, Status::Approved)?;
            presence_is_expecting(e)?;
            status_changed(e)
        },
    },
    ClientRule {
        kind: Kind::Confirmation,
        row: "confirmation: appointment.updated, status = Approved, status changed",
        event_types: &[AppointmentUpdated],
        condition: |e| {
            status_is(e, Status::Approved)?;
            status_changed(e)
        },
    },
    ClientRule {
        kind: Kind::RequestReceived,
        row: "request_received: appointment.created, status = PendingStaffApproval",
        event_types: &[AppointmentCreated],
        condition: |e| status_is(e, Status::PendingStaffApproval),
    },
    ClientRule {
        kind: Kind::AwaitingClientConfirmation,
        row: "awaiting_client_confirmation: appointment.created, status = PendingClientApproval",
        event_types: &[AppointmentCreated],
        condition: |e| status_is(e, Status::PendingClientApproval),
    },
    ClientRule {
        kind: Kind::AwaitingClientConfirmation,
        row: "awaiting_client_confirmation: appointment.updated or status_updated, status = PendingClientApproval, status changed",
        event_types: &[AppointmentUpdated, AppointmentStatusUpdated],
        condition: |e| {
            status_is(e, Status::PendingClientApproval)?;
            status_changed(e)
        },
    },
    ClientRule {
        kind: Kind::Changed,
        row: "changed: appointment.updated, status unchanged, and changed(start date/time) or changed(staff) or changed(location)",
        event_types: &[AppointmentUpdated],
        condition: |e| {
            if status_changed(e).is_ok() {
                return Err("the status changed".to_owned());
            }
            date_staff_or_location_changed(e)
        },
    },
    ClientRule {
        kind: Kind::CanceledByStore,
        row: "canceled_by_store: appointment.status_updated or appointment.canceled, status = Cancelled, status changed, modifiedBy = Staff",
        event_types: &[AppointmentStatusUpdated, AppointmentCanceled],
        condition: |e| {
            status_is(e, Status::Cancelled)?;
            status_changed(e)?;
            match &e.booking.modified_by {
                Some(ActedBy::Client) => Err("modifiedBy is Client".to_owned()),
                // A cancel with no (or another) modifiedBy is the store's.
                _ => Ok(()),
            }
        },
    },
    ClientRule {
        kind: Kind::CanceledByClient,
        row: "canceled_by_client: appointment.status_updated or appointment.canceled, status = Cancelled, status changed, modifiedBy = Client",
        event_types: &[AppointmentStatusUpdated, AppointmentCanceled],
        condition: |e| {
            status_is(e, Status::Cancelled)?;
            status_changed(e)?;
            match &e.booking.modified_by {
                Some(ActedBy::Client) => Ok(()),
                other => Err(format!(
                    "modifiedBy is {}, not Client",
                    shown(other.as_ref())
                )),
            }
        },
    },
    ClientRule {
        kind: Kind::NoShow,
        row: "no_show: appointment.status_updated, status = Approved, presence = NoShow, presence changed",
        event_types: &[AppointmentStatusUpdated],
        condition: |e| {
            status_is(e, Status::Approved)?;
            match &e.booking.presence {
                Some(Presence::NoShow) => {}
                other => return Err(format!("presence is {}, not NoShow", shown(other.as_ref()))),
            }
            changed(e, "presence", |b| b.presence.clone())
        },
    },
    ClientRule {
        kind: Kind::Completed,
        row: "completed: appointment.status_updated or appointment.completed, isCompleted = true and previousBooking.isCompleted is not true",
        event_types: &[AppointmentStatusUpdated, AppointmentCompleted],
        condition: completed_now,
    },
    ClientRule {
        kind: Kind::Reminder,
        row: "reminder: appointment.remind, status is not Cancelled",
        event_types: &[AppointmentRemind],
        condition: |e| match e.booking.status {
            Some(Status::Cancelled) => Err("the booking is Cancelled".to_owned()),
            _ => Ok(()),
        },
    },
    ClientRule {
        kind: Kind::Recall,
        row: "recall: appointment.recall",
        event_types: &[AppointmentRecall],
        condition: |_| Ok(()),
    },
    ClientRule {
        kind: Kind::ReservationCompleted,
        row: "reservation_completed: reservation.status_updated, isCompleted = true and previousBooking.isCompleted is not true",
        event_types: &[ReservationStatusUpdated],
        condition: completed_now,
    },
];

/// One row of the staff table. Unlike client rows, every staff row that matches gives
/// a message: they tell different things (a new booking, and that it needs dispatch).
pub struct StaffRule {
    pub kind: Kind,
    pub row: &'static str,
    /// Judged on the event and the client kind the event gave (if any).
    pub condition: fn(&Event, Option<Kind>) -> Check,
}

pub const STAFF_RULES: &[StaffRule] = &[
    StaffRule {
        kind: Kind::StaffNewBooking,
        row: "staff_new_booking: appointment.created with status Approved or PendingStaffApproval and a staff assigned",
        condition: |e, _| {
            event_type_is(e, &[AppointmentCreated])?;
            match e.booking.status {
                Some(Status::Approved | Status::PendingStaffApproval) => {}
                ref other => {
                    return Err(format!(
                        "status is {}, not Approved or PendingStaffApproval",
                        shown(other.as_ref())
                    ));
                }
            }
            if e.staff_assigned() {
                Ok(())
            } else {
                Err("no staff is assigned".to_owned())
            }
        },
    },
    StaffRule {
        kind: Kind::StaffNeedsDispatch,
        row: "staff_needs_dispatch: appointment.created with no staff assigned",
        condition: |e, _| {
            event_type_is(e, &[AppointmentCreated])?;
            if e.staff_assigned() {
                Err("a staff is assigned".to_owned())
            } else {
                Ok(())
            }
        },
    },
    StaffRule {
        kind: Kind::StaffFlexibleDates,
        row: "staff_flexible_dates: appointment.created for a booking with flexible dates",
        condition: |e, _| {
            event_type_is(e, &[AppointmentCreated])?;
            if e.booking.flexible_dates {
                Ok(())
            } else {
                Err("the booking has a fixed time (no clientAvailability)".to_owned())
            }
        },
    },
    StaffRule {
        kind: Kind::StaffApproved,
        row: "staff_approved: a confirmation is sent for a booking that was pending (status changed to Approved)",
        condition: |e, client_kind| {
            client_kind_is(client_kind, &[Kind::Confirmation])?;
            match e.previous.as_ref().and_then(|p| p.status.as_ref()) {
                Some(s) if s.is_pending() => Ok(()),
                other => Err(format!(
                    "the previous status is {}, not pending",
                    shown(other)
                )),
            }
        },
    },
    StaffRule {
        kind: Kind::StaffChanged,
        row: "staff_changed: a client changed is sent",
        condition: |_, client_kind| client_kind_is(client_kind, &[Kind::Changed]),
    },
    StaffRule {
        kind: Kind::StaffCanceled,
        row: "staff_canceled: a client canceled_by_* is sent",
        condition: |_, client_kind| {
            client_kind_is(
                client_kind,
                &[Kind::CanceledByStore, Kind::CanceledByClient],
            )
        },
    },
];

/// Plans the messages for one event, `now` standing for the event's time when it has
/// no `createdOn`. Pure.
pub fn plan_at(event: &Event, config: &Config, now: Timestamp) -> Plan {
    let mut plan = Plan::default();
    if !event.event_type.is_known() {
        plan.ignored = Some(format!(
            "event type `{}` is not one we act on",
            event.event_type.name()
        ));
        return plan;
    }

    for rule in CLIENT_RULES {
        let outcome = if plan.client_kind.is_some() {
            Err(NOT_EVALUATED.to_owned())
        } else {
            event_type_is(event, rule.event_types).and_then(|()| (rule.condition)(event))
        };
        if outcome.is_ok() {
            plan.client_kind = Some(rule.kind);
        }
        plan.verdicts.push(RuleVerdict {
            kind: rule.kind,
            row: rule.row,
            outcome,
        });
    }
    if let Some(kind) = plan.client_kind {
        client_messages(event, config, kind, &mut plan);
    }

    for rule in STAFF_RULES {
        let outcome = (rule.condition)(event, plan.client_kind);
        if outcome.is_ok() {
            staff_message(event, config, rule.kind, &mut plan);
        }
        plan.verdicts.push(RuleVerdict {
            kind: rule.kind,
            row: rule.row,
            outcome,
        });
    }
    plan_flows(event, config, now, &mut plan);
    plan
}

/// The schedule changes of `[[flows]]` for the booking as `event` leaves it, into
/// `plan` (whose `client_kind` is the event's own, for `after_completed` flows), at most
/// `max_schedules_per_event` of them, in plan order (the client's first). The core
/// calls it with the booking's merged state ([`crate::domain::booking::merge`]); `plan`
/// and `--explain` with the event alone.
pub fn plan_flows(event: &Event, config: &Config, now: Timestamp, plan: &mut Plan) {
    if config.flows.is_empty() {
        return;
    }
    if crate::domain::booking::booking_key(event, config.merchant_id.as_deref()).is_none() {
        // Schedules are kept per booking: without its id there is nothing to keep them by.
        plan.flow_notes.push(
            "no flow scheduled: the event names no booking (no bookingId or confirmationNumber)"
                .to_owned(),
        );
        return;
    }
    for flow in &config.flows {
        flow_changes(event, config, flow, now, plan);
    }
    let cap = config.max_schedules_per_event;
    if plan.schedules.len() > cap {
        plan.capped_schedules = plan.schedules.len() - cap;
        plan.flow_notes.push(format!(
            "{} schedule changes left out: over the limit of {cap} per event (max_schedules_per_event)",
            plan.capped_schedules
        ));
        plan.schedules.truncate(cap);
    }
}

// ---------------------------------------------------------------- flows (scheduled messages)

/// What an event does to a booking's `before_start` flows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BeforeStart {
    /// Approved, not a no-show, not completed: (re)schedule at start − offset.
    Upsert,
    /// Canceled, no-show or pending: remove (why).
    Delete(String),
    /// Nothing to change (why).
    Keep(String),
}

/// The `before_start` row an event's booking state falls under.
pub fn before_start(event: &Event) -> BeforeStart {
    let b = &event.booking;
    match &b.status {
        Some(Status::Cancelled) => BeforeStart::Delete("the booking is Cancelled".into()),
        Some(s) if s.is_pending() => BeforeStart::Delete(format!("the booking is {s:?}")),
        Some(Status::Approved) if b.presence == Some(Presence::NoShow) => {
            BeforeStart::Delete("the client is a NoShow".into())
        }
        Some(Status::Approved) if b.is_completed == Some(true) => {
            BeforeStart::Keep("the booking is completed".into())
        }
        Some(Status::Approved) => BeforeStart::Upsert,
        other => BeforeStart::Keep(format!("status is {}", shown(other.as_ref()))),
    }
}

/// The event's own time: `createdOn` when it reads as a time (without an offset, in the
/// store's time zone: `tz` is the configured default), else `now`.
pub fn event_time(event: &Event, tz: &TimeZone, now: Timestamp) -> Timestamp {
    event
        .created_on
        .as_deref()
        .and_then(|t| event.instant(t, tz))
        .unwrap_or(now)
}

/// When a flow's message is due for this event, or why it is not scheduled. Times
/// without an offset are read in the store's time zone (`tz`: the configured default).
pub fn flow_due(
    event: &Event,
    flow: &Flow,
    tz: &TimeZone,
    now: Timestamp,
) -> Result<Timestamp, String> {
    let offset = flow.timing.offset();
    match flow.timing {
        Timing::BeforeStart(_) => {
            let starts = event
                .booking
                .starts_on
                .as_deref()
                .ok_or("the booking has no start time")?;
            let starts = event
                .instant(starts, tz)
                .ok_or_else(|| "the start time is not a date and time".to_owned())?;
            let at = whole_seconds(starts.checked_sub(offset).map_err(|e| e.to_string())?);
            let when = event_time(event, tz, now);
            if at <= when {
                return Err(format!(
                    "{} is already past at the event's time {}",
                    utc_seconds(at),
                    utc_seconds(when)
                ));
            }
            Ok(at)
        }
        Timing::AfterCompleted(_) => event_time(event, tz, now)
            .checked_add(offset)
            .map(whole_seconds)
            .map_err(|e| e.to_string()),
    }
}

fn whole_seconds(t: Timestamp) -> Timestamp {
    Timestamp::from_second(t.as_second()).unwrap_or(t)
}

fn flow_changes(event: &Event, config: &Config, flow: &Flow, now: Timestamp, plan: &mut Plan) {
    let kind = Kind::Flow(flow.name);
    let offset = flow.timing.offset();
    let name = flow.name;
    match flow.timing {
        Timing::BeforeStart(_) => match before_start(event) {
            BeforeStart::Keep(why) => plan.flow_notes.push(format!("{name}: no change ({why})")),
            BeforeStart::Delete(why) => {
                plan.flow_notes
                    .push(format!("{name}: delete ({FLOW_ROWS_DELETE}: {why})"));
                for (audience, recipient_key, recipient) in every_recipient(event, config) {
                    for channel in flow_channels(config, flow) {
                        plan.schedules.push(ScheduleChange::Delete(Unscheduled {
                            kind,
                            audience: Some(audience),
                            channel,
                            recipient_key: recipient_key.clone(),
                            recipient: recipient.clone(),
                        }));
                    }
                }
                if flow.channels.contains(&FlowChannel::Event) {
                    plan.schedules.push(ScheduleChange::Delete(Unscheduled {
                        kind,
                        audience: None,
                        channel: FlowChannel::Event,
                        recipient_key: BOOKING_RECIPIENT.to_owned(),
                        recipient: BOOKING_RECIPIENT.to_owned(),
                    }));
                }
            }
            BeforeStart::Upsert => match flow_due(event, flow, &config.default_time_zone, now) {
                Err(why) => plan
                    .flow_notes
                    .push(format!("{name}: not scheduled: {why}")),
                Ok(at) => {
                    plan.flow_notes.push(format!(
                        "{name}: upsert at {} ({} before the start; {FLOW_ROWS_UPSERT})",
                        utc_seconds(at),
                        shown_duration(offset)
                    ));
                    upserts(event, config, flow, at, plan);
                }
            },
        },
        Timing::AfterCompleted(_) => {
            match plan.client_kind {
                Some(Kind::Completed | Kind::ReservationCompleted) => {}
                other => {
                    let why = match other {
                        Some(k) => {
                            format!("the event plans {k}, not completed or reservation_completed")
                        }
                        None => "the event plans no completed or reservation_completed".to_owned(),
                    };
                    plan.flow_notes.push(format!("{name}: no change ({why})"));
                    return;
                }
            }
            match flow_due(event, flow, &config.default_time_zone, now) {
                Err(why) => plan
                    .flow_notes
                    .push(format!("{name}: not scheduled: {why}")),
                Ok(at) => {
                    plan.flow_notes.push(format!(
                        "{name}: upsert at {} ({} after the event's time; {FLOW_ROW_AFTER})",
                        utc_seconds(at),
                        shown_duration(offset)
                    ));
                    upserts(event, config, flow, at, plan);
                }
            }
        }
    }
}

/// The message channels a flow's messages may be scheduled on: its own, and WhatsApp
/// when `[whatsapp]` lists the flow.
fn flow_channels(config: &Config, flow: &Flow) -> Vec<FlowChannel> {
    let whatsapp = config
        .whatsapp
        .as_ref()
        .is_some_and(|w| w.sends(Kind::Flow(flow.name)));
    flow.channels
        .iter()
        .copied()
        .filter(|c| c.message().is_some())
        .chain(whatsapp.then_some(FlowChannel::Whatsapp))
        .collect()
}

/// The flow's messages ([`message_upserts`]) and its event (the `event` channel, at `at`:
/// quiet hours are for texts): one for the booking, whoever its recipients are (its
/// detail says `client_communication`).
fn upserts(event: &Event, config: &Config, flow: &Flow, at: Timestamp, plan: &mut Plan) {
    if !flow_channels(config, flow).is_empty() {
        message_upserts(event, config, flow, at, plan);
    }
    if flow.channels.contains(&FlowChannel::Event) {
        plan.schedules.push(ScheduleChange::Publish(ScheduledEvent {
            kind: Kind::Flow(flow.name),
            at,
        }));
    }
}

/// The flow's messages, each scheduled at `at`, or for an SMS due inside quiet hours at
/// the end of the window ([`flow_sms_due`]).
fn message_upserts(event: &Event, config: &Config, flow: &Flow, at: Timestamp, plan: &mut Plan) {
    let (messages, notes) = flow_messages(event, config, flow);
    plan.flow_notes.extend(notes);
    for (notification, recipient_key) in messages {
        let kind = notification.kind;
        let who = recipient_label(notification.recipient);
        let due = match flow_sms_due(event, config, flow, notification.channel, at) {
            Ok(due) => due,
            Err(why) => {
                plan.flow_notes
                    .push(format!("{kind}: skipped {who} by sms: {why}"));
                continue;
            }
        };
        if due != at {
            plan.flow_notes.push(format!(
                "{kind}: {who} by sms at {}, the end of the quiet hours ({}), not {}",
                utc_seconds(due),
                quiet_window(event, config),
                utc_seconds(at)
            ));
        }
        plan.schedules
            .push(ScheduleChange::Upsert(Box::new(Scheduled {
                notification,
                at: due,
                recipient_key,
            })));
    }
}

/// When a flow's message due `at` goes on `channel`: at `at`, except an SMS due inside
/// the quiet hours (`[sms] quiet_hours`, the store's clock), which goes when they end;
/// for a `before_start` flow, not at all when they end at or after the booking's start
/// (too late to matter: why, as `Err`). The same at planning and at the fire.
pub fn flow_sms_due(
    event: &Event,
    config: &Config,
    flow: &Flow,
    channel: Channel,
    at: Timestamp,
) -> Result<Timestamp, String> {
    let Some(window) = config.sms.quiet_hours.filter(|_| channel == Channel::Sms) else {
        return Ok(at);
    };
    let tz = sms::quiet_zone(event, &config.default_time_zone);
    let Some(end) = window.end_after(at, &tz) else {
        return Ok(at);
    };
    if matches!(flow.timing, Timing::BeforeStart(_))
        && let Some(starts) = booking_start(event, config)
        && end >= starts
    {
        return Err(format!(
            "due at {} inside the quiet hours ({}), which end at {}, at or after the booking's start {}: too late to matter",
            utc_seconds(at),
            sms::shown_window(&window, &tz),
            utc_seconds(end),
            utc_seconds(starts)
        ));
    }
    Ok(end)
}

/// The booking's start as an instant, when the event gives one that reads.
fn booking_start(event: &Event, config: &Config) -> Option<Timestamp> {
    event
        .booking
        .starts_on
        .as_deref()
        .and_then(|t| event.instant(t, &config.default_time_zone))
}

/// `21:00-08:00, America/Toronto`: the configured window in the store's zone.
fn quiet_window(event: &Event, config: &Config) -> String {
    match config.sms.quiet_hours {
        Some(window) => {
            sms::shown_window(&window, &sms::quiet_zone(event, &config.default_time_zone))
        }
        None => "none".to_owned(),
    }
}

/// `client`, `attendee 2`: a position, never a name.
fn recipient_label(recipient: Recipient) -> String {
    match recipient {
        Recipient::Attendee(i) => format!("attendee {}", i + 1),
        Recipient::Staff | Recipient::StaffFallback => "staff".to_owned(),
        Recipient::Client => "client".to_owned(),
    }
}

// ---------------------------------------------------------------- quiet hours

/// The kinds about the visit ahead: held back by quiet hours past the booking's start,
/// they are too late to matter.
const ABOUT_THE_VISIT_AHEAD: [Kind; 5] = [
    Kind::Confirmation,
    Kind::RequestReceived,
    Kind::AwaitingClientConfirmation,
    Kind::Changed,
    Kind::Reminder,
];

/// Whether `kind` is about the visit ahead (a held-back one is too late at its start).
pub fn about_the_visit_ahead(kind: Kind) -> bool {
    ABOUT_THE_VISIT_AHEAD.contains(&kind)
}

/// Quiet hours for the event's own SMS (`[sms] quiet_hours`, `quiet_kinds`): an SMS of
/// a quiet kind that would go at `send_at` inside the window of the store's clock
/// waits for its end: it leaves `plan.notifications` for `plan.deferred` (a one-time
/// schedule the core makes). One about the visit ahead (a reminder…) whose window ends
/// at or after the booking's start is skipped instead: too late to matter. `send_at` is
/// when it would be sent: the processing time for the core, the event's own time for
/// `plan`. Kinds not listed in `quiet_kinds` (a confirmation, a move, a cancel: changes
/// the client must know) go at once.
pub fn defer_quiet(event: &Event, config: &Config, plan: &mut Plan, send_at: Timestamp) {
    let Some(window) = config.sms.quiet_hours else {
        return;
    };
    let tz = sms::quiet_zone(event, &config.default_time_zone);
    let Some(end) = window.end_after(send_at, &tz) else {
        return;
    };
    let shown = sms::shown_window(&window, &tz);
    let starts = booking_start(event, config);
    let mut kept = Vec::with_capacity(plan.notifications.len());
    for n in std::mem::take(&mut plan.notifications) {
        if n.channel != Channel::Sms || !config.sms.quiet_kinds.contains(&n.kind) {
            kept.push(n);
            continue;
        }
        let who = recipient_label(n.recipient);
        if about_the_visit_ahead(n.kind)
            && let Some(starts) = starts.filter(|s| end >= *s)
        {
            plan.skipped.push(Skipped {
                kind: n.kind,
                audience: n.audience,
                channel: Some(Channel::Sms),
                recipient: who,
                reason: format!(
                    "quiet hours ({shown}) end at {}, at or after the booking's start {}: too late to matter",
                    utc_seconds(end),
                    utc_seconds(starts)
                ),
            });
            continue;
        }
        plan.sms_notes.push(format!(
            "{} to {who} by sms until {}: {} is inside the quiet hours ({shown})",
            n.kind,
            utc_seconds(end),
            utc_seconds(send_at)
        ));
        let recipient_key = recipient_key(n.recipient, event);
        plan.deferred.push(Scheduled {
            notification: n,
            at: end,
            recipient_key,
        });
    }
    plan.notifications = kept;
}

const FLOW_ROWS_UPSERT: &str = "an Approved booking with a future start";
const FLOW_ROWS_DELETE: &str = "canceled, no-show or pending";
const FLOW_ROW_AFTER: &str = "the event plans a completion";

/// `15m`, `24h`, `2d`: a duration as the configuration writes it.
pub fn shown_duration(d: jiff::SignedDuration) -> String {
    let secs = d.as_secs();
    match secs {
        s if s % 86_400 == 0 && s >= 2 * 86_400 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// `client`, or `attendee-<id>` (`attendee-<n>` when the attendee has no id): which
/// person a schedule is for, without personal data.
pub fn recipient_key(recipient: Recipient, event: &Event) -> String {
    match recipient {
        Recipient::Attendee(i) => match event.attendees.get(i).and_then(|a| a.id.as_deref()) {
            Some(id) => format!("attendee-{}", crate::domain::ids::storage_key(id)),
            None => format!("attendee-{}", i + 1),
        },
        _ => "client".to_owned(),
    }
}

/// Everyone a booking's schedules may be for (deletes do not look at consent: whatever
/// was scheduled goes), within `max_recipients_per_event` as schedules were made.
fn every_recipient(event: &Event, config: &Config) -> Vec<(Audience, String, String)> {
    let mut all = vec![(Audience::Client, "client".to_owned(), "client".to_owned())];
    let room = config.max_recipients_per_event.saturating_sub(1);
    for i in 0..event.attendees.len().min(room) {
        let key = recipient_key(Recipient::Attendee(i), event);
        if all.iter().all(|(_, k, _)| *k != key) {
            all.push((Audience::Attendee, key, format!("attendee {}", i + 1)));
        }
    }
    all
}

/// A flow's messages for the booking as the event leaves it: recipients and consent as
/// for client messages (`clientCommunication`, an address for email, a valid number and
/// `remindBySMS` for SMS; `before_start` email also needs `remindByEmail`). With the
/// recipient key of each, and why the others are not scheduled.
pub fn flow_messages(
    event: &Event,
    config: &Config,
    flow: &Flow,
) -> (Vec<(Notification, String)>, Vec<String>) {
    let kind = Kind::Flow(flow.name);
    let mut messages = Vec::new();
    let mut notes = Vec::new();
    let communication = event.client_communication();
    if communication == ClientCommunication::DoNotSend {
        notes.push(format!("{kind}: skipped: clientCommunication is DoNotSend"));
        return (messages, notes);
    }
    let mut people: Vec<(Audience, Recipient, String, &Person)> = Vec::new();
    match &event.client {
        Some(client) => people.push((Audience::Client, Recipient::Client, "client".into(), client)),
        None => notes.push(format!("{kind}: skipped client: the event has no client")),
    }
    if communication == ClientCommunication::ClientAndAttendees {
        let room = config
            .max_recipients_per_event
            .saturating_sub(usize::from(event.client.is_some()));
        if event.attendees.len() > room {
            // One note for all of them, as for the event's own messages.
            notes.push(format!(
                "{kind}: skipped attendees {} to {}: over the limit of {} recipients per event",
                room + 1,
                event.attendees.len(),
                config.max_recipients_per_event
            ));
        }
        for (i, attendee) in event.attendees.iter().enumerate().take(room) {
            let label = format!("attendee {}", i + 1);
            if attendee.is_requester && event.client.is_some() {
                notes.push(format!(
                    "{kind}: skipped {label}: the attendee is the requesting client"
                ));
            } else {
                people.push((Audience::Attendee, Recipient::Attendee(i), label, attendee));
            }
        }
    }
    let links_wanted = matches!(flow.timing, Timing::BeforeStart(_));
    let mut addressed: HashSet<Address> = HashSet::new();
    for (audience, recipient, label, person) in people {
        let language = message_language(kind, person.language.as_ref(), event);
        let links = if links_wanted {
            links_for(event, &[Action::Modify, Action::Cancel], &language)
        } else {
            None
        };
        let key = recipient_key(recipient, event);
        let mut push = |to: Address, notes: &mut Vec<String>| {
            let channel = to.channel();
            if !addressed.insert(to.clone()) {
                notes.push(format!(
                    "{kind}: skipped {label} by {}: the same address already gets this message",
                    channel_word(channel)
                ));
                return;
            }
            messages.push((
                Notification {
                    event_id: event.id.clone(),
                    kind,
                    audience,
                    channel,
                    to,
                    language: language.clone(),
                    actor: None,
                    links: links.clone(),
                    video_url: person.video_url.clone(),
                    fallback_for: None,
                    recipient,
                },
                key.clone(),
            ));
        };
        if flow.channels.contains(&FlowChannel::Email) {
            let consent = match flow.timing {
                Timing::BeforeStart(_) if person.remind_by_email != Some(true) => {
                    Err("remindByEmail is not true".to_owned())
                }
                _ => Ok(()),
            };
            match (consent, &person.email) {
                (Err(why), _) => notes.push(format!("{kind}: skipped {label} by email: {why}")),
                (Ok(()), Contact::Valid(email)) => push(Address::Email(email.clone()), &mut notes),
                (Ok(()), Contact::Missing) => notes.push(format!(
                    "{kind}: skipped {label} by email: no email address"
                )),
                (Ok(()), Contact::Invalid(e)) => {
                    notes.push(format!("{kind}: skipped {label} by email: {e}"))
                }
            }
        }
        let consent = person.remind_by_sms == Some(true);
        let mut sms_replaced = false;
        if let Some(whatsapp) = &config.whatsapp {
            match whatsapp_consent(whatsapp, kind, &person.mobile, consent) {
                Ok(phone) => {
                    push(Address::Whatsapp(phone.clone()), &mut notes);
                    sms_replaced = whatsapp.instead_of_sms;
                }
                Err(Some(why)) if whatsapp.sends(kind) => {
                    notes.push(format!("{kind}: skipped {label} by whatsapp: {why}"))
                }
                Err(_) => {}
            }
        }
        if flow.channels.contains(&FlowChannel::Sms) && sms_replaced {
            notes.push(format!(
                "{kind}: skipped {label} by sms: {SMS_REPLACED_BY_WHATSAPP}"
            ));
        } else if flow.channels.contains(&FlowChannel::Sms) {
            match (&person.mobile, consent) {
                (Contact::Missing, _) => {
                    notes.push(format!("{kind}: skipped {label} by sms: no mobile number"))
                }
                (_, false) => notes.push(format!(
                    "{kind}: skipped {label} by sms: no SMS consent (remindBySMS is not true)"
                )),
                (Contact::Invalid(e), true) => {
                    notes.push(format!("{kind}: skipped {label} by sms: {e}"))
                }
                (Contact::Valid(phone), true) => {
                    match sms::country_allowed(&config.sms, event, config.default_country, phone) {
                        Ok(()) => push(Address::Phone(phone.clone()), &mut notes),
                        Err(why) => notes.push(format!("{kind}: skipped {label} by sms: {why}")),
                    }
                }
            }
        }
    }
    (messages, notes)
}

fn channel_word(c: Channel) -> &'static str {
    crate::domain::notification::channel_name(c)
}

// ---------------------------------------------------------------- conditions

pub(crate) fn event_type_is(e: &Event, types: &[EventType]) -> Check {
    if types.contains(&e.event_type) {
        Ok(())
    } else {
        let wanted: Vec<&str> = types.iter().map(EventType::name).collect();
        Err(format!(
            "event type is {}, not {}",
            e.event_type.name(),
            wanted.join(" or ")
        ))
    }
}

fn status_is(e: &Event, wanted: Status) -> Check {
    match &e.booking.status {
        Some(s) if *s == wanted => Ok(()),
        other => Err(format!(
            "status is {}, not {wanted:?}",
            shown(other.as_ref())
        )),
    }
}

/// The client's presence is Expecting; an absent presence is a booking nobody has
/// marked yet, so it counts as Expecting.
fn presence_is_expecting(e: &Event) -> Check {
    match &e.booking.presence {
        None | Some(Presence::Expecting) => Ok(()),
        Some(other) => Err(format!("presence is {other:?}, not Expecting")),
    }
}

/// `previousBooking.status != booking.status`; a missing previous status counts as
/// changed only on `appointment.created`.
pub(crate) fn status_changed(e: &Event) -> Check {
    let previous = e.previous.as_ref().and_then(|p| p.status.as_ref());
    match previous {
        None if e.event_type == AppointmentCreated => Ok(()),
        None => Err("the previous status is unknown (no previousBooking.status)".to_owned()),
        Some(p) if Some(p) == e.booking.status.as_ref() => {
            Err(format!("the status did not change (still {p:?})"))
        }
        Some(_) => Ok(()),
    }
}

/// `changed(x)`: the value differs between `previousBooking` and `booking`. A value
/// missing from `previousBooking` is unknown, and an unknown is not a change (as for
/// the status): we never tell a client something changed without evidence.
pub(crate) fn changed<T: PartialEq + std::fmt::Debug>(
    e: &Event,
    what: &str,
    value: impl Fn(&Booking) -> Option<T>,
) -> Check {
    let Some(previous) = e.previous.as_ref() else {
        return Err(format!("{what}: no previousBooking to compare with"));
    };
    match (value(previous), value(&e.booking)) {
        (None, _) => Err(format!("{what}: the previous value is unknown")),
        (Some(before), now) if Some(&before) == now.as_ref() => {
            Err(format!("{what} did not change"))
        }
        (Some(_), _) => Ok(()),
    }
}

pub(crate) fn date_staff_or_location_changed(e: &Event) -> Check {
    let checks = [
        changed(e, "start date/time", |b| {
            b.starts_on.as_deref().map(|raw| instant(e, raw))
        }),
        changed(e, "staff", |b| b.staff_id.clone().or(b.staff_name.clone())),
        changed(e, "location", |b| {
            let (kind, text) = b.location_key();
            (kind.is_some() || text.is_some()).then_some((kind, text))
        }),
    ];
    if checks.iter().any(Result::is_ok) {
        return Ok(());
    }
    let why: Vec<String> = checks.into_iter().filter_map(Result::err).collect();
    Err(why.join("; "))
}

/// A start time compared as an instant when it reads as one (so `…:00Z` equals
/// `…:00.000Z`); without an offset, in the merchant's time zone (the rule rows see no
/// configuration: both states of one event are read in the same zone either way).
pub(crate) fn instant(e: &Event, raw: &str) -> String {
    e.instant(raw, &TimeZone::UTC)
        .map(|t| t.to_string())
        .unwrap_or_else(|| raw.to_owned())
}

pub(crate) fn completed_now(e: &Event) -> Check {
    if e.booking.is_completed != Some(true) {
        return Err("isCompleted is not true".to_owned());
    }
    match e.previous.as_ref().and_then(|p| p.is_completed) {
        Some(true) => Err("previousBooking.isCompleted was already true".to_owned()),
        _ => Ok(()),
    }
}

fn client_kind_is(client_kind: Option<Kind>, wanted: &[Kind]) -> Check {
    match client_kind {
        Some(k) if wanted.contains(&k) => Ok(()),
        Some(k) => Err(format!("the client kind is {k}")),
        None => Err("the event gives no client kind".to_owned()),
    }
}

fn shown<T: std::fmt::Debug>(value: Option<&T>) -> String {
    value.map_or_else(|| "absent".to_owned(), |v| format!("{v:?}"))
}

// ---------------------------------------------------------------- recipients and channels

// Long (~170 lines) on purpose: one reading of the rules' recipient and channel checks,
// top to bottom in the order the rules document gives them, each with its skip reason.
fn client_messages(event: &Event, config: &Config, kind: Kind, plan: &mut Plan) {
    let skip = |plan: &mut Plan, audience, channel, recipient: &str, reason: String| {
        plan.skipped.push(Skipped {
            kind,
            audience,
            channel,
            recipient: recipient.to_owned(),
            reason,
        });
    };
    if !config.enabled_kinds.contains(&kind) {
        skip(
            plan,
            Audience::Client,
            None,
            "client",
            format!("{kind} is disabled in the configuration (enabled_kinds)"),
        );
        return;
    }
    let communication = event.client_communication();
    if communication == ClientCommunication::DoNotSend {
        skip(
            plan,
            Audience::Client,
            None,
            "client",
            "clientCommunication is DoNotSend".to_owned(),
        );
        return;
    }

    // Recipients: the client, and the attendees when clientCommunication allows.
    let mut recipients: Vec<(Audience, Recipient, String, &Person)> = Vec::new();
    match &event.client {
        Some(client) => recipients.push((
            Audience::Client,
            Recipient::Client,
            "client".to_owned(),
            client,
        )),
        None => skip(
            plan,
            Audience::Client,
            None,
            "client",
            "the event has no client".to_owned(),
        ),
    }
    // Bounded work: past the cap, attendees are counted, not looked at one by one.
    let cap = config.max_recipients_per_event;
    let room = cap.saturating_sub(usize::from(event.client.is_some()));
    if event.attendees.len() > room {
        let over = event.attendees.len() - room;
        let label = if over == 1 {
            format!("attendee {}", room + 1)
        } else {
            format!("attendees {} to {}", room + 1, event.attendees.len())
        };
        let reason = if communication == ClientCommunication::ClientAndAttendees {
            plan.capped_recipients = over;
            format!("over the limit of {cap} recipients per event (max_recipients_per_event)")
        } else {
            // Not written to anyway: one entry rather than thousands.
            format!("clientCommunication is {communication:?}")
        };
        skip(plan, Audience::Attendee, None, &label, reason);
    }
    for (i, attendee) in event.attendees.iter().enumerate().take(room) {
        let label = format!("attendee {}", i + 1);
        if communication != ClientCommunication::ClientAndAttendees {
            skip(
                plan,
                Audience::Attendee,
                None,
                &label,
                format!("clientCommunication is {communication:?}"),
            );
        } else if attendee.is_requester && event.client.is_some() {
            skip(
                plan,
                Audience::Attendee,
                None,
                &label,
                "the attendee is the requesting client".to_owned(),
            );
        } else {
            recipients.push((Audience::Attendee, Recipient::Attendee(i), label, attendee));
        }
    }

    // Addresses already given this message: a set, so the check stays linear.
    let mut addressed: HashSet<Address> = HashSet::new();
    for (audience, recipient, label, person) in recipients {
        let language = message_language(kind, person.language.as_ref(), event);
        note_language(
            plan,
            kind,
            &label,
            person.language.as_ref(),
            &language,
            event,
        );
        // The tracking page opens in the language the message is written in. It is the
        // requesting client's page: an attendee gets no link to it (their own video link
        // only), so no attendee can modify or cancel the group's booking.
        let links = match audience {
            Audience::Attendee => None,
            _ => tracking_links(event, kind, &language),
        };
        let video_url = person.video_url.clone();
        let mut push = |plan: &mut Plan, to: Address, fallback_for: Option<Channel>| {
            if !addressed.insert(to.clone()) {
                skip(
                    plan,
                    audience,
                    Some(to.channel()),
                    &label,
                    "the same address already gets this message".to_owned(),
                );
                return;
            }
            plan.notifications.push(Notification {
                event_id: event.id.clone(),
                kind,
                audience,
                channel: to.channel(),
                to,
                language: language.clone(),
                actor: None,
                links: links.clone(),
                video_url: video_url.clone(),
                fallback_for,
                recipient,
            });
        };

        // Email: by default; for reminders only when the person asked for email reminders.
        let email_wanted = if kind == Kind::Reminder {
            (person.remind_by_email == Some(true))
                .then_some(())
                .ok_or("remindByEmail is not true")
        } else {
            Ok(())
        };
        let planned_before = plan.notifications.len();
        match (email_wanted, &person.email) {
            (Err(why), _) => skip(plan, audience, Some(Channel::Email), &label, why.to_owned()),
            (Ok(()), Contact::Valid(email)) => push(plan, Address::Email(email.clone()), None),
            (Ok(()), Contact::Missing) => skip(
                plan,
                audience,
                Some(Channel::Email),
                &label,
                "no email address".to_owned(),
            ),
            (Ok(()), Contact::Invalid(e)) => {
                skip(plan, audience, Some(Channel::Email), &label, e.to_string())
            }
        }

        // WhatsApp (`[whatsapp]` kinds): the SMS consent and a valid mobile, as for SMS.
        let consent = person.remind_by_sms == Some(true);
        let mut sms_replaced = false;
        if let Some(whatsapp) = &config.whatsapp {
            let why_not = whatsapp_consent(whatsapp, kind, &person.mobile, consent);
            match why_not {
                Ok(phone) => {
                    push(plan, Address::Whatsapp(phone.clone()), None);
                    sms_replaced = whatsapp.instead_of_sms;
                    let sms = if !config.sms_kinds.contains(&kind) {
                        "no SMS instead if it fails (not in sms_kinds)"
                    } else if whatsapp.instead_of_sms {
                        "its SMS goes only if the WhatsApp message cannot go or fails"
                    } else {
                        "its SMS goes too (instead_of_sms = false)"
                    };
                    plan.whatsapp_notes.push(format!(
                        "{kind} to {label}: [whatsapp] kinds lists {kind}, remindBySMS is true \
                         and the mobile number reads as E.164; {sms}"
                    ));
                }
                Err(Some(why)) => skip(plan, audience, Some(Channel::Whatsapp), &label, why),
                Err(None) => {}
            }
        }

        // SMS: only kinds enabled for SMS, only to people who consented (remindBySMS).
        if !config.sms_kinds.contains(&kind) {
            if consent && person.mobile != Contact::Missing {
                skip(
                    plan,
                    audience,
                    Some(Channel::Sms),
                    &label,
                    format!("{kind} is not enabled for SMS (sms_kinds)"),
                );
            }
            continue;
        }
        if sms_replaced {
            skip(
                plan,
                audience,
                Some(Channel::Sms),
                &label,
                SMS_REPLACED_BY_WHATSAPP.to_owned(),
            );
            continue;
        }
        let email_planned = plan
            .notifications
            .iter()
            .skip(planned_before)
            .any(|n| n.channel == Channel::Email);
        // The SMS cannot go for want of a valid mobile: the email goes instead, unless it
        // goes anyway (never both channels for one message).
        let fallback =
            |plan: &mut Plan, push: &mut dyn FnMut(&mut Plan, Address, Option<Channel>)| {
                if config.sms_fallback_email
                    && !email_planned
                    && let Contact::Valid(email) = &person.email
                {
                    push(plan, Address::Email(email.clone()), Some(Channel::Sms));
                }
            };
        match (&person.mobile, consent) {
            (Contact::Missing, _) => {
                if consent {
                    skip(
                        plan,
                        audience,
                        Some(Channel::Sms),
                        &label,
                        "no mobile number".to_owned(),
                    );
                    fallback(plan, &mut push);
                }
            }
            (_, false) => skip(
                plan,
                audience,
                Some(Channel::Sms),
                &label,
                "no SMS consent (remindBySMS is not true)".to_owned(),
            ),
            (Contact::Invalid(e), true) => {
                skip(plan, audience, Some(Channel::Sms), &label, e.to_string());
                fallback(plan, &mut push);
            }
            (Contact::Valid(phone), true) => {
                // SMS pumping: only numbers of the allowed countries get texts; the
                // email goes instead when it can (a message that cannot go by SMS).
                match sms::country_allowed(&config.sms, event, config.default_country, phone) {
                    Ok(()) => push(plan, Address::Phone(phone.clone()), None),
                    Err(why) => {
                        plan.sms_country_blocked += 1;
                        skip(plan, audience, Some(Channel::Sms), &label, why);
                        fallback(plan, &mut push);
                    }
                }
            }
        }
    }
}

/// Why an SMS of the plan is not sent: WhatsApp goes instead.
pub const SMS_REPLACED_BY_WHATSAPP: &str = "replaced by WhatsApp ([whatsapp] instead_of_sms): \
     sent only if the WhatsApp message cannot go or fails";

/// Whether `kind` goes by WhatsApp to a person with this mobile and SMS consent: the
/// number, or why not (`None`: nothing worth saying, as for SMS: no number and no consent).
fn whatsapp_consent<'a>(
    whatsapp: &crate::domain::config::WhatsApp,
    kind: Kind,
    mobile: &'a Contact<crate::domain::contact::PhoneNumber>,
    consent: bool,
) -> Result<&'a crate::domain::contact::PhoneNumber, Option<String>> {
    if !whatsapp.sends(kind) {
        return Err((consent && *mobile != Contact::Missing)
            .then(|| format!("{kind} is not enabled for WhatsApp ([whatsapp] kinds)")));
    }
    match (mobile, consent) {
        (Contact::Valid(phone), true) => Ok(phone),
        (Contact::Missing, false) => Err(None),
        (Contact::Missing, true) => Err(Some("no mobile number".to_owned())),
        (_, false) => Err(Some(
            "no SMS consent (remindBySMS is not true), which WhatsApp follows".to_owned(),
        )),
        (Contact::Invalid(e), true) => Err(Some(e.to_string())),
    }
}

/// The SMS that goes instead of `whatsapp` when that WhatsApp message cannot go (refused
/// when sent) or fails (its status comes back failed: not on WhatsApp, a paused
/// template): the same message, to the same number, by SMS — when `[whatsapp]` replaces
/// the SMS (`instead_of_sms`), the SMS of that kind would have gone (`sms_kinds`, or the
/// flow's `channels`), the number's country takes texts (`[sms] countries`) and
/// `planned` does not send it anyway. The consent is the one the WhatsApp message was
/// planned with.
pub fn whatsapp_fallback(
    event: &Event,
    config: &Config,
    whatsapp: &Notification,
    planned: &[Notification],
) -> Option<Notification> {
    let settings = config.whatsapp.as_ref()?;
    if whatsapp.channel != Channel::Whatsapp || !settings.instead_of_sms {
        return None;
    }
    let phone = whatsapp.to.phone()?.clone();
    sms::country_allowed(&config.sms, event, config.default_country, &phone).ok()?;
    let sms_would_go = match whatsapp.kind {
        Kind::Flow(name) => config
            .flows
            .iter()
            .any(|f| f.name == name && f.channels.contains(&FlowChannel::Sms)),
        kind => config.sms_kinds.contains(&kind),
    };
    let already = planned.iter().any(|n| {
        n.kind == whatsapp.kind && n.channel == Channel::Sms && n.recipient == whatsapp.recipient
    });
    (sms_would_go && !already).then(|| Notification {
        channel: Channel::Sms,
        to: Address::Phone(phone),
        fallback_for: Some(Channel::Whatsapp),
        ..whatsapp.clone()
    })
}

/// The email that goes instead of `sms` when that SMS cannot go (its number opted out,
/// or the provider refused it for good): the same message, to the same person, by
/// email — unless fallback is off, the message is not a client's or an attendee's, the
/// person has no usable address, or `planned` already sends that person this message by
/// email (never both channels for one message).
pub fn email_fallback(
    event: &Event,
    config: &Config,
    sms: &Notification,
    planned: &[Notification],
) -> Option<Notification> {
    // An SMS that is itself WhatsApp's fallback may still fall back to email.
    let fallback_already = sms.fallback_for.is_some_and(|c| c != Channel::Whatsapp);
    if !config.sms_fallback_email || sms.channel != Channel::Sms || fallback_already {
        return None;
    }
    let person = match sms.recipient {
        Recipient::Client => event.client.as_ref()?,
        Recipient::Attendee(i) => event.attendees.get(i)?,
        Recipient::Staff | Recipient::StaffFallback => return None,
    };
    let Contact::Valid(email) = &person.email else {
        return None;
    };
    let already = planned.iter().any(|n| {
        n.kind == sms.kind
            && n.channel == Channel::Email
            && (n.recipient == sms.recipient || n.to.as_str() == email.as_str())
    });
    if already {
        return None;
    }
    Some(Notification {
        channel: Channel::Email,
        to: Address::Email(email.clone()),
        fallback_for: Some(Channel::Sms),
        ..sms.clone()
    })
}

fn staff_message(event: &Event, config: &Config, kind: Kind, plan: &mut Plan) {
    let mut skip = |reason: String| {
        plan.skipped.push(Skipped {
            kind,
            audience: Audience::Staff,
            channel: Some(Channel::Email),
            recipient: "staff".to_owned(),
            reason,
        })
    };
    if !config.staff_kinds.contains(&kind) {
        skip(format!(
            "{kind} is turned off in the configuration (staff_kinds)"
        ));
        return;
    }
    let Some((recipient, to, language)) = staff_recipient(event, config, kind) else {
        skip("no staff email, no staff_fallback_email and no merchant email".to_owned());
        return;
    };
    if recipient == Recipient::Staff {
        let wanted = event.staff.as_ref().and_then(|s| s.language.as_ref());
        note_language(plan, kind, "staff", wanted, &language, event);
    }
    plan.notifications.push(Notification {
        event_id: event.id.clone(),
        kind,
        audience: Audience::Staff,
        channel: Channel::Email,
        to: Address::Email(to),
        language,
        actor: Some(actor(event, recipient)),
        links: None,
        video_url: event.staff_video_url.clone(),
        fallback_for: None,
        recipient,
    });
}

/// The booking's staff (their `communicationEmail`); without one, the fallback address
/// from configuration, else the merchant's email.
fn staff_recipient(
    event: &Event,
    config: &Config,
    kind: Kind,
) -> Option<(Recipient, EmailAddress, Language)> {
    if event.staff_assigned()
        && let Some(staff) = &event.staff
        && let Contact::Valid(email) = &staff.email
    {
        let language = message_language(kind, staff.language.as_ref(), event);
        return Some((Recipient::Staff, email.clone(), language));
    }
    let to = config
        .staff_fallback_email
        .clone()
        .or_else(|| event.merchant.email.valid().cloned())?;
    Some((
        Recipient::StaffFallback,
        to,
        message_language(kind, None, event),
    ))
}

/// Who acted, from the recipient's point of view. A change with no `createdBy` /
/// `modifiedBy` is the store's (as a cancel with no modifiedBy is `canceled_by_store`).
fn actor(event: &Event, recipient: Recipient) -> Actor {
    let b = &event.booking;
    let (by, staff_id) = if event.event_type == AppointmentCreated {
        (b.created_by.as_ref(), b.created_by_staff_id.as_ref())
    } else {
        (b.modified_by.as_ref(), b.modified_by_staff_id.as_ref())
    };
    if by == Some(&ActedBy::Client) {
        return Actor::Client;
    }
    let receiving_staff = event
        .staff
        .as_ref()
        .and_then(|s| s.id.as_ref())
        .or(b.staff_id.as_ref());
    match (recipient, staff_id, receiving_staff) {
        (Recipient::Staff, Some(acting), Some(me)) if acting == me => Actor::Myself,
        _ => Actor::OtherStaff,
    }
}

// ---------------------------------------------------------------- links and language

/// `trackingPage.viewURL` with `lang`, and the CTA links the kind lists and the page allows.
fn tracking_links(event: &Event, kind: Kind, language: &Language) -> Option<Links> {
    links_for(event, kind.link_actions()?, language)
}

/// The view link, and those of `actions` the page allows.
pub(crate) fn links_for(event: &Event, actions: &[Action], language: &Language) -> Option<Links> {
    let page = event.tracking_page.as_ref()?;
    let with = |action: Option<Action>| {
        let mut params = vec![("lang", language.code())];
        params.extend(action.map(|a| ("action", a.name())));
        with_query(&page.view_url, &["lang", "action"], &params)
    };
    let allowed =
        |action: Action, can: bool| (can && actions.contains(&action)).then(|| with(Some(action)));
    Some(Links {
        view: with(None),
        modify: allowed(Action::Modify, page.can_modify),
        cancel: allowed(Action::Cancel, page.can_cancel),
        confirm: allowed(Action::Confirm, page.can_confirm),
    })
}

/// `url` without the parameters named in `remove`, with `params` appended: every other
/// parameter is kept byte for byte (in its place, with its own encoding), `?` or `&` is
/// used as the URL calls for, and a fragment stays at the end.
pub fn with_query(url: &Url, remove: &[&str], params: &[(&str, &str)]) -> Url {
    let replaced = |segment: &str| {
        let name = segment.split('=').next().unwrap_or("");
        url::form_urlencoded::parse(name.as_bytes())
            .next()
            .is_some_and(|(decoded, _)| {
                remove.contains(&decoded.as_ref()) || params.iter().any(|(k, _)| decoded == *k)
            })
    };
    let mut segments: Vec<String> = url
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|segment| !segment.is_empty() && !replaced(segment))
        .map(str::to_owned)
        .collect();
    segments.extend(params.iter().map(|(key, value)| {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair(key, value)
            .finish()
    }));
    let mut url = url.clone();
    url.set_query(Some(&segments.join("&")));
    url
}

/// For `--explain`: a recipient whose language has no templates for `kind`, and the
/// language the message is written in instead.
fn note_language(
    plan: &mut Plan,
    kind: Kind,
    who: &str,
    wanted: Option<&Language>,
    used: &Language,
    event: &Event,
) {
    let Some(wanted) = wanted.filter(|w| *w != used) else {
        return;
    };
    let why = if event.merchant.default_language.as_ref() == Some(used) {
        "the merchant's default language"
    } else {
        "English, the last resort"
    };
    plan.notes.push(format!(
        "{kind} to {who}: no {kind} templates in `{wanted}`, written in {used} ({why}); \
         its links carry lang={used}"
    ));
}

/// The recipient's language when templates exist for it, else the merchant's
/// `defaultLanguage` (when templates exist for it), else English.
pub fn message_language(kind: Kind, wanted: Option<&Language>, event: &Event) -> Language {
    let available = |l: &&Language| kind.languages().contains(&l.code());
    wanted
        .filter(available)
        .or(event.merchant.default_language.as_ref().filter(available))
        .cloned()
        .unwrap_or_else(Language::english)
}
