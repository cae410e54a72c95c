//! Failures: Scheduler failing answers 5xx so Booxi retries; missing Scheduler
//! settings stop the function at start, the key named.

use super::*;

#[test]
fn a_scheduler_failure_answers_5xx_so_booxi_retries() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    // A group that does not exist: CreateSchedule fails (ResourceNotFound).
    let mut env = stack.env.clone();
    env.retain(|(k, _)| k != "BOOXI_SCHEDULE_GROUP");
    env.push(("BOOXI_SCHEDULE_GROUP".into(), "no-such-group".into()));
    let _function = Function::spawn(Path::new(WEBHOOK), &runtime, &env);
    let (status, answer) = call(
        &runtime,
        &delivery("appointment.created", "f-1", "2030-06-01T10:00:00Z", |b| b),
    );
    assert_eq!(status, 502, "{answer}");
    let failed = &answer["schedules"][0];
    assert_eq!(failed["status"], "failed", "{answer}");
    assert_eq!(failed["failure"], "configuration", "{answer}");
    assert!(
        failed["reason"]
            .as_str()
            .unwrap()
            .starts_with("scheduler: CreateSchedule: "),
        "{answer}"
    );
}

#[test]
fn missing_scheduler_settings_stop_the_function_at_start_with_the_key_named() {
    let stack = Stack::new();
    let runtime = RuntimeApi::start();
    let mut env = stack.env.clone();
    env.retain(|(k, _)| k != "BOOXI_SCHEDULER_ROLE_ARN");
    let function = Function::spawn(Path::new(WEBHOOK), &runtime, &env);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !function.logs().contains("BOOXI_SCHEDULER_ROLE_ARN")
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        function
            .logs()
            .contains(r#"key: "BOOXI_SCHEDULER_ROLE_ARN", message: "required when [[flows]] are configured, not set""#),
        "{}",
        function.logs()
    );
}
