//! Quiet hours: a flow's night SMS scheduled at the window's end, a starting-soon SMS
//! past the start not scheduled, a recall held back and published once by its fire.

use super::*;

use testkit::bodies::window_around_now as window;

impl Stack {
    /// The function with the flows, SMS for recalls too, and `[sms]` as given.
    fn function_with_sms(&self, runtime: &RuntimeApi, name: &str, sms: &str) -> Function {
        let path = self._dir.join(name);
        let text = format!(
            "sms_kinds = [\"confirmation\", \"reminder\", \"recall\"]\n{FLOWS}\n[sms]\n{sms}\n"
        );
        std::fs::write(&path, text).unwrap();
        let mut env = self.env.clone();
        env.retain(|(k, _)| k != "BOOXI_CONFIG");
        env.push(("BOOXI_CONFIG".into(), path.display().to_string()));
        Function::spawn(Path::new(WEBHOOK), runtime, &env)
    }
}

/// Quiet hours on real parts: a flow's SMS due at night is scheduled for the window's
/// end on EventBridge Scheduler (its email keeps its time), a starting-soon SMS that
/// would wait past the start is not scheduled at all; a recall planned inside the
/// window is not published but scheduled for the window's end (keys only), and its
/// fire, once the window is over, publishes it once.
#[test]
fn quiet_hours_hold_sms_back_to_the_end_of_the_window() {
    let stack = Stack::new();
    let night = RuntimeApi::start();
    let _night = stack.function_with_sms(&night, "night.toml", "quiet_hours = \"21:00-08:00\"");
    // A visit at 07:30 (Toronto, daylight time): pre_visit's SMS, due 07:30 the day
    // before, waits for 08:00; starting_soon (07:15) would wait past the start.
    let (status, answer) = call(
        &night,
        &delivery("appointment.created", "q-1", "2030-06-01T10:00:00Z", |b| {
            b.set("booking.startsOn", json!("2030-06-10T11:30:00Z"))
        }),
    );
    assert_eq!(status, 200, "{answer}");
    let made: Vec<(String, String, String)> = stack
        .schedules()
        .into_iter()
        .map(|s| {
            (
                s.input["flow"].as_str().unwrap_or_default().to_owned(),
                s.input["channel"].as_str().unwrap_or_default().to_owned(),
                s.expression,
            )
        })
        .collect();
    let mut made = made;
    made.sort();
    assert_eq!(
        made,
        [
            (
                "pre_visit".into(),
                "email".into(),
                "at(2030-06-09T11:30:00)".into()
            ),
            (
                "pre_visit".into(),
                "sms".into(),
                "at(2030-06-09T12:00:00)".into()
            ),
        ],
        "{answer}"
    );
    assert!(
        !answer["schedules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["kind"] == "starting_soon"),
        "{answer}"
    );

    // A recall inside the window: its email goes, its SMS waits for the window's end.
    let now = RuntimeApi::start();
    let _now = stack.function_with_sms(
        &now,
        "now.toml",
        &format!("quiet_hours = \"{}\"", window(-1, 1)),
    );
    let sms_before = stack.moto.sent().1;
    let (status, answer) = call(
        &now,
        &delivery("appointment.recall", "q-2", "2030-06-01T10:00:00Z", |b| b),
    );
    assert_eq!(status, 200, "{answer}");
    let held = answer["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "recall" && m["channel"] == "sms")
        .cloned()
        .unwrap();
    assert_eq!(held["status"], "deferred", "{answer}");
    let at = held["at"].as_str().unwrap().to_owned();
    assert_eq!(stack.moto.sent().1, sms_before, "no SMS published at night");
    let recall: Vec<Schedule> = stack
        .schedules()
        .into_iter()
        .filter(|s| s.input["kind"] == "recall")
        .collect();
    assert_eq!(recall.len(), 1);
    assert_eq!(
        recall[0].input,
        json!({"door": "schedule", "event": "q-2", "kind": "recall", "audience": "client",
               "channel": "sms", "recipient": "client", "at": at})
    );
    assert_eq!(
        recall[0].expression,
        format!("at({})", at.trim_end_matches('Z'))
    );
    assert_eq!(
        (recall[0].target.as_str(), recall[0].role.as_str()),
        (TARGET, ROLE)
    );
    assert_no_personal_data(&recall[0].input.to_string());

    // Morning: the window is over; the fire publishes it, once however often it fires.
    let morning = RuntimeApi::start();
    let _morning = stack.function_with_sms(
        &morning,
        "morning.toml",
        &format!("quiet_hours = \"{}\"", window(2, 4)),
    );
    let fired = morning
        .invoke(&recall[0].input, TIMEOUT)
        .expect("the fire succeeds");
    assert_eq!(fired["messages"][0]["status"], "sent", "{fired}");
    let twice = morning
        .invoke(&recall[0].input, TIMEOUT)
        .expect("the second fire succeeds");
    assert_eq!(twice["status"], "duplicate", "{twice}");
    assert_eq!(stack.moto.sent().1, sms_before + 1);
    assert_eq!(
        stack.moto.sms().last().map(|(to, _)| to.as_str()),
        Some("+15145550123")
    );
}
