//! After the send, against real parts: the compiled `webhook` binary under a Lambda
//! Runtime API, moto's SES v2, SNS, DynamoDB and Secrets Manager through the real SDK,
//! and the outcome events of `events/outcomes/` delivered to the binary as EventBridge
//! (SES's events) and CloudWatch Logs (SNS's SMS delivery records) deliver them. moto
//! has no SES event destination and does not invoke a subscription's function, so the
//! test plays EventBridge and CloudWatch Logs: it invokes the function with the events,
//! naming the message ids the sends returned. A recording proxy in front of moto keeps
//! what moto does not record (SES's configuration set and tags, SNS's opt-out checks).
//!
//! One moto and one function process for the whole file: the steps run in order, each
//! with its own event ids, addresses and numbers.

use std::path::Path;
use std::time::Duration;

use booxi_notify::doors::input;
use serde_json::{Value, json};
use testkit::events::{read_event, ses_event, sms_event, whatsapp_event, with_body};
use testkit::lambda::{Function, RuntimeApi};
use testkit::moto::{Moto, TABLE};
use testkit::proxy::{FailingSns, RecordingProxy};
use testkit::whatsapp::SocialMessagingStub;

const WEBHOOK: &str = env!("CARGO_BIN_EXE_webhook");
const SENDER: &str = "notify@atelier-lumiere.example.com";
const TIMEOUT: Duration = Duration::from_secs(60);
const CONFIGURATION_SET: &str = "booxi-notify";

struct Stack {
    moto: Moto,
    proxy: RecordingProxy,
    runtime: RuntimeApi,
    function: Function,
    env: Vec<(String, String)>,
}

impl Stack {
    fn new() -> Stack {
        let moto = Moto::start();
        let secret_arn = moto.set_up_stack();
        let proxy = RecordingProxy::start(moto.port);
        let runtime = RuntimeApi::start();
        let env: Vec<(String, String)> = [
            ("AWS_ENDPOINT_URL", proxy.endpoint()),
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("BOOXI_SECRET_ARN", secret_arn),
            ("BOOXI_IDEMPOTENCY_TABLE", TABLE.into()),
            (
                "BOOXI_RECIPIENT_KEY_SECRET_ARN",
                testkit::moto::RECIPIENT_KEY_SECRET.into(),
            ),
            ("BOOXI_SENDER_EMAIL", SENDER.into()),
            ("BOOXI_SES_CONFIGURATION_SET", CONFIGURATION_SET.into()),
            ("BOOXI_DELIVERY_BUDGET_SECONDS", "5".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let function = Function::spawn(Path::new(WEBHOOK), &runtime, &env);
        Stack {
            moto,
            proxy,
            runtime,
            function,
            env,
        }
    }

    /// The function's answer to a non-HTTP event.
    fn invoke(&self, event: &Value) -> Value {
        self.runtime
            .invoke(event, TIMEOUT)
            .unwrap_or_else(|e| panic!("the function failed on {event}: {e}"))
    }

    /// Booxi's call: (HTTP status, JSON body).
    fn deliver(&self, event: &Value) -> (u16, Value) {
        self.runtime.call_http(event, TIMEOUT)
    }

    fn emails_to(&self, to: &str) -> usize {
        self.moto
            .emails()
            .iter()
            .filter(|(t, _, _)| t == to)
            .count()
    }

    fn sms_to(&self, number: &str) -> usize {
        self.moto.sms().iter().filter(|(n, _)| n == number).count()
    }

    /// A message's history as the table keeps it (`pid#<provider id>`).
    fn history(&self, provider_id: &str) -> Value {
        let item = self.moto.dynamodb(
            "GetItem",
            json!({"TableName": TABLE, "Key": {"pk": {"S": format!("pid#{provider_id}")}}}),
        );
        let text = item["Item"]["history"]["S"]
            .as_str()
            .unwrap_or_else(|| panic!("no history for {provider_id}: {item}"));
        serde_json::from_str(text).unwrap()
    }
}

/// A Booxi event from `events/` with its own id and client contact details.
fn booking_event(file: &str, id: &str, email: &str, mobile: &str, remind_by_email: bool) -> Value {
    let event = read_event(file);
    let raw = input::booxi_body(event.to_string().as_bytes()).unwrap();
    let mut body: Value = serde_json::from_slice(&raw).unwrap();
    body["eventId"] = json!(id);
    let client = &mut body["content"]["booking"]["client"];
    client["email"] = json!(email);
    client["mobilePhoneNumber"] = json!(mobile);
    client["remindByEmail"] = json!(remind_by_email);
    client["remindBySMS"] = json!(true);
    with_body(event, &body.to_string())
}

/// The answer's message of `kind` to the client by `channel`.
fn message<'a>(answer: &'a Value, kind: &str, channel: &str) -> &'a Value {
    answer["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| {
            m["kind"] == kind
                && m["audience"] == "client"
                && m["channel"] == channel
                && m["status"] != "skipped"
        })
        .or_else(|| {
            answer["messages"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["kind"] == kind && m["audience"] == "client" && m["channel"] == channel)
        })
        .unwrap_or_else(|| panic!("no {kind} by {channel} in {answer}"))
}

fn provider_id(m: &Value) -> String {
    let id = m["provider_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no provider_id in {m}"));
    assert!(!id.is_empty());
    id.to_owned()
}

#[test]
fn outcomes_come_back_are_recorded_and_change_what_is_sent_next() {
    let stack = Stack::new();
    a_permanent_bounce_stops_the_next_email_to_that_address_and_not_its_sms(&stack);
    ses_events_reach_the_function_through_the_stacks_rule_pattern(&stack);
    an_opted_out_number_gets_no_sms_and_its_message_goes_by_email(&stack);
    an_sms_failure_log_saying_opted_out_suppresses_the_next_sms(&stack);
    sns_refusing_an_opted_out_number_suppresses_it_and_the_email_goes(&stack);
    late_repeated_and_out_of_order_outcomes_never_move_a_message_back(&stack);
    an_outcome_for_a_message_we_do_not_know_is_counted_and_answered(&stack);
    events_that_do_not_read_are_answered_and_change_nothing(&stack);
    let whatsapp = WhatsAppStack::new(&stack);
    whatsapp_sends_the_confirmation_as_one_template_message_in_the_clients_language(&whatsapp);
    whatsapp_statuses_move_the_message_on_and_a_failure_sends_the_sms_once(&whatsapp);
    whatsapp_refusals_and_errors_are_sorted_by_code_and_message(&whatsapp);
    whatsapp_events_reach_the_function_through_the_stacks_rule_pattern(&whatsapp);
    // Logs carry ids and kinds, never an address or a number.
    let logs = format!("{}\n{}", stack.function.logs(), whatsapp.function.logs());
    for personal in ["@example.com", "+1514555", "5145557", "Jane", "Doe"] {
        assert!(
            !logs.contains(personal),
            "`{personal}` in the logs:\n{logs}"
        );
    }
}

fn a_permanent_bounce_stops_the_next_email_to_that_address_and_not_its_sms(stack: &Stack) {
    let (email, mobile) = ("bounce-client@example.com", "+15145557001");
    let first = booking_event(
        "confirmation-created.json",
        "out-bounce-1",
        email,
        mobile,
        true,
    );
    let (status, answer) = stack.deliver(&first);
    assert_eq!(status, 200, "{answer}");
    let sent = message(&answer, "confirmation", "email");
    assert_eq!(sent["status"], "sent");
    let email_id = provider_id(sent);
    provider_id(message(&answer, "confirmation", "sms"));

    // Every SendEmail names the configuration set and carries tags without personal data.
    let sends = stack.proxy.requests("/v2/email/outbound-emails", "");
    assert!(!sends.is_empty());
    for (_, _, body) in &sends {
        let request: Value = serde_json::from_str(body).unwrap();
        assert_eq!(request["ConfigurationSetName"], CONFIGURATION_SET, "{body}");
        let tags = request["EmailTags"].as_array().expect("EmailTags");
        assert!(
            tags.contains(&json!({"Name": "booxi-kind", "Value": "confirmation"}))
                || tags.iter().any(|t| t["Name"] == "booxi-kind")
        );
        for tag in tags {
            let value = tag["Value"].as_str().unwrap();
            assert!(
                value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
                "{tag}"
            );
            assert!(!value.contains("example"), "{tag}");
        }
    }

    let answer = stack.invoke(&ses_event("ses-email-bounced-permanent.json", &email_id));
    assert_eq!(
        (answer["status"].clone(), answer["message_status"].clone()),
        (json!("updated"), json!("bounced")),
        "{answer}"
    );
    // The suppression is keyed by a hash: no item of the table names the address.
    let scan = stack.moto.dynamodb("Scan", json!({"TableName": TABLE}));
    assert!(!scan.to_string().contains(email), "{scan}");
    assert!(scan.to_string().contains("sup#"));

    let next = booking_event(
        "confirmation-created.json",
        "out-bounce-2",
        email,
        mobile,
        true,
    );
    let (status, answer) = stack.deliver(&next);
    assert_eq!(status, 200, "{answer}");
    let skipped = message(&answer, "confirmation", "email");
    assert_eq!(skipped["status"], "skipped", "{answer}");
    let reason = skipped["reason"].as_str().unwrap();
    assert!(
        reason.contains("bounced") && reason.contains("2026-12-01"),
        "{reason}"
    );
    assert_eq!(message(&answer, "confirmation", "sms")["status"], "sent");
    assert_eq!(stack.emails_to(email), 1);
    assert_eq!(stack.sms_to(mobile), 2);
    // SNS was asked once about the number: the answer is remembered.
    let checks = stack
        .proxy
        .requests("/", "Action=CheckIfPhoneNumberIsOptedOut");
    let about = checks
        .iter()
        .filter(|(_, _, b)| b.contains("15145557001"))
        .count();
    assert_eq!(about, 1, "{checks:?}");
}

/// moto's EventBridge with the rule the stack makes (source `aws.ses`, the door's
/// detail-types, this configuration set's tag; `scripts/check-template.py` keeps the
/// template's pattern the same), delivering to an SQS queue: the event EventBridge hands
/// a target is what the function reads (moto's envelope even lacks `account`), and
/// events of another configuration set or of another type are not delivered. (Real
/// EventBridge refuses `aws.` sources from PutEvents; moto takes them.)
fn ses_events_reach_the_function_through_the_stacks_rule_pattern(stack: &Stack) {
    use booxi_notify::doors::outcomes::SES_DETAIL_TYPES;
    let moto = &stack.moto;
    let url = moto.sqs("CreateQueue", json!({"QueueName": "ses-outcomes"}))["QueueUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    let arn = moto.queue_attribute(&url, "QueueArn");
    let pattern = json!({
        "source": ["aws.ses"],
        "detail-type": SES_DETAIL_TYPES,
        "detail": {"mail": {"tags": {"ses:configuration-set": [CONFIGURATION_SET]}}},
    });
    moto.events(
        "PutRule",
        json!({"Name": "ses-outcomes", "EventPattern": pattern.to_string()}),
    );
    moto.events(
        "PutTargets",
        json!({"Rule": "ses-outcomes", "Targets": [{"Id": "function", "Arn": arn}]}),
    );
    let (email, mobile) = ("rule-client@example.com", "+15145557005");
    let event = booking_event(
        "confirmation-created.json",
        "out-rule-1",
        email,
        mobile,
        true,
    );
    let (_, answer) = stack.deliver(&event);
    let email_id = provider_id(message(&answer, "confirmation", "email"));
    let entry = |event: &Value| {
        json!({"Source": event["source"], "DetailType": event["detail-type"],
               "Detail": event["detail"].to_string()})
    };
    let delivered = ses_event("ses-email-delivered.json", &email_id);
    let mut other_set = ses_event("ses-email-bounced-permanent.json", &email_id);
    other_set["detail"]["mail"]["tags"]["ses:configuration-set"] = json!(["someone-elses"]);
    let mut opened = ses_event("ses-email-delivered.json", &email_id);
    opened["detail-type"] = json!("Email Opened");
    let put = moto.events(
        "PutEvents",
        json!({"Entries": [entry(&delivered), entry(&other_set), entry(&opened)]}),
    );
    assert_eq!(put["FailedEntryCount"], 0, "{put}");
    let got = moto.sqs(
        "ReceiveMessage",
        json!({"QueueUrl": url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 1}),
    );
    let bodies: Vec<Value> = got["Messages"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| serde_json::from_str(m["Body"].as_str().unwrap()).unwrap())
        .collect();
    assert_eq!(bodies.len(), 1, "{got}");
    assert_eq!(bodies[0]["detail-type"], "Email Delivered");
    let answer = stack.invoke(&bodies[0]);
    assert_eq!(
        (answer["status"].clone(), answer["message_status"].clone()),
        (json!("updated"), json!("delivered")),
        "{answer}"
    );
}

fn an_opted_out_number_gets_no_sms_and_its_message_goes_by_email(stack: &Stack) {
    // moto's SNS reports numbers ending in 99 as opted out. A reminder by SMS only
    // (remindByEmail false): its email goes instead.
    let (email, mobile) = ("optout-client@example.com", "+15145557099");
    let event = booking_event("reminder.json", "out-optout-1", email, mobile, false);
    let (status, answer) = stack.deliver(&event);
    assert_eq!(status, 200, "{answer}");
    let sms = message(&answer, "reminder", "sms");
    assert_eq!(sms["status"], "skipped", "{answer}");
    assert!(
        sms["reason"].as_str().unwrap().contains("opted out"),
        "{sms}"
    );
    let fallback = message(&answer, "reminder", "email");
    assert_eq!(fallback["status"], "sent", "{answer}");
    assert_eq!(fallback["fallback_for"], "sms", "{answer}");
    provider_id(fallback);
    assert_eq!(stack.sms_to(mobile), 0);
    assert_eq!(stack.emails_to(email), 1);

    // Booxi delivering the event again: the duplicate's answer, nothing sent again.
    let (_, again) = stack.deliver(&event);
    assert_eq!(again["status"], "duplicate");
    assert_eq!(stack.emails_to(email), 1);
}

fn an_sms_failure_log_saying_opted_out_suppresses_the_next_sms(stack: &Stack) {
    let (email, mobile) = ("smsfail-client@example.com", "+15145557002");
    let first = booking_event(
        "confirmation-created.json",
        "out-sms-1",
        email,
        mobile,
        true,
    );
    let (_, answer) = stack.deliver(&first);
    let sms_id = provider_id(message(&answer, "confirmation", "sms"));

    let answer = stack.invoke(&sms_event("sms-opted-out.json", &sms_id));
    assert_eq!(
        answer,
        json!({"status": "processed", "records": {"updated": 1}})
    );
    let history = stack.history(&sms_id);
    assert_eq!(history["status"], "opted_out");
    assert!(!history.to_string().contains("5145557002"), "{history}");

    let next = booking_event(
        "confirmation-created.json",
        "out-sms-2",
        email,
        mobile,
        true,
    );
    let (status, answer) = stack.deliver(&next);
    assert_eq!(status, 200, "{answer}");
    let sms = message(&answer, "confirmation", "sms");
    assert_eq!(sms["status"], "skipped");
    assert!(
        sms["reason"].as_str().unwrap().contains("opted out"),
        "{sms}"
    );
    // The confirmation's email went anyway: no second email for the SMS.
    let emails: Vec<&Value> = answer["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "confirmation" && m["channel"] == "email")
        .collect();
    assert_eq!(emails.len(), 1, "{answer}");
    assert!(emails[0].get("fallback_for").is_none());
    assert_eq!(stack.sms_to(mobile), 1);
    assert_eq!(stack.emails_to(email), 2);
}

fn sns_refusing_an_opted_out_number_suppresses_it_and_the_email_goes(stack: &Stack) {
    // An SNS that answers `OptedOut` (to the check and to Publish): a second function
    // instance, on the same table, with SNS pointed at it.
    let sns = FailingSns::with_code("OptedOut", "Phone number is opted out");
    let runtime = RuntimeApi::start();
    let mut env = stack.env.clone();
    env.push((
        "AWS_ENDPOINT_URL_SNS".into(),
        format!("http://127.0.0.1:{}", sns.port),
    ));
    let _function = Function::spawn(Path::new(WEBHOOK), &runtime, &env);
    let (email, mobile) = ("refused-client@example.com", "+15145557004");
    let event = booking_event("reminder.json", "out-refused-1", email, mobile, false);
    let response = runtime.invoke(&event, TIMEOUT).unwrap();
    let answer: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
    assert_eq!(response["statusCode"], 200, "{answer}");
    let sms = message(&answer, "reminder", "sms");
    assert_eq!(
        (
            sms["status"].clone(),
            sms["failure"].clone(),
            sms["reason"].clone()
        ),
        (
            json!("failed"),
            json!("refused"),
            json!("SNS Publish: OptedOut")
        ),
        "{answer}"
    );
    assert_eq!(message(&answer, "reminder", "email")["fallback_for"], "sms");
    assert_eq!(stack.emails_to(email), 1);
    // The number is suppressed from then on, whatever SNS answers.
    let next = booking_event(
        "confirmation-created.json",
        "out-refused-2",
        email,
        mobile,
        true,
    );
    let (_, answer) = stack.deliver(&next);
    let sms = message(&answer, "confirmation", "sms");
    assert!(
        sms["reason"].as_str().unwrap().contains("opted out"),
        "{answer}"
    );
    assert_eq!(stack.sms_to(mobile), 0);
}

fn late_repeated_and_out_of_order_outcomes_never_move_a_message_back(stack: &Stack) {
    let (email, mobile) = ("order-client@example.com", "+15145557003");
    let event = booking_event(
        "confirmation-created.json",
        "out-order-1",
        email,
        mobile,
        true,
    );
    let (_, answer) = stack.deliver(&event);
    let email_id = provider_id(message(&answer, "confirmation", "email"));
    let sms_id = provider_id(message(&answer, "confirmation", "sms"));

    let outcome = |name: &str| stack.invoke(&ses_event(name, &email_id));
    assert_eq!(outcome("ses-email-delivered.json")["status"], "updated");
    for late in [
        "ses-email-delivery-delayed.json",
        "ses-email-sent.json",
        "ses-email-delivered.json",
    ] {
        let answer = outcome(late);
        assert_eq!(
            (answer["status"].clone(), answer["message_status"].clone()),
            (json!("unchanged"), json!("delivered")),
            "{late}: {answer}"
        );
    }
    assert_eq!(stack.history(&email_id)["status"], "delivered");
    // A complaint comes after delivery: it moves the message on, and suppresses.
    assert_eq!(
        outcome("ses-email-complaint.json")["message_status"],
        "complained"
    );
    let history = stack.history(&email_id);
    let steps: Vec<&str> = history["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["sent", "delivered", "complained"]);
    assert_eq!(history["to"], "o•••@example.com");
    assert_eq!(history["event_id"], "out-order-1");

    // The SMS: delivered, and the same record delivered twice changes nothing.
    let delivered = sms_event("sms-delivered.json", &sms_id);
    assert_eq!(stack.invoke(&delivered)["records"], json!({"updated": 1}));
    assert_eq!(stack.invoke(&delivered)["records"], json!({"unchanged": 1}));
    assert_eq!(stack.history(&sms_id)["status"], "delivered");

    // The complaint suppressed the address: the next email does not go.
    let next = booking_event(
        "confirmation-created.json",
        "out-order-2",
        email,
        mobile,
        true,
    );
    let (_, answer) = stack.deliver(&next);
    let skipped = message(&answer, "confirmation", "email");
    assert!(
        skipped["reason"].as_str().unwrap().contains("complained"),
        "{skipped}"
    );
    assert_eq!(stack.emails_to(email), 1);
}

fn an_outcome_for_a_message_we_do_not_know_is_counted_and_answered(stack: &Stack) {
    let answer = stack.invoke(&ses_event(
        "ses-email-delivered.json",
        "sent-by-someone-else",
    ));
    assert_eq!(answer["status"], "unmatched", "{answer}");
    let answer = stack.invoke(&sms_event("sms-failed.json", "not-one-of-ours"));
    assert_eq!(answer["records"], json!({"unmatched": 1}));
    let logs = stack.function.logs();
    assert!(logs.contains("\"OutcomesUnmatched\":1.0"), "{logs}");
}

fn events_that_do_not_read_are_answered_and_change_nothing(stack: &Stack) {
    let before = stack.moto.sent();
    let scan_before = stack.moto.dynamodb("Scan", json!({"TableName": TABLE}))["Count"].clone();
    let mut no_id = ses_event("ses-email-bounced-permanent.json", "x");
    no_id["detail"]["mail"]
        .as_object_mut()
        .unwrap()
        .remove("messageId");
    let mut opened = ses_event("ses-email-delivered.json", "x");
    opened["detail-type"] = json!("Email Opened");
    opened["detail"]["eventType"] = json!("Open");
    let mut elsewhere = ses_event("ses-email-delivered.json", "x");
    elsewhere["source"] = json!("aws.other");
    let cases = [
        (
            no_id,
            json!({"status": "ignored", "reason": "not a SES event: no mail.messageId"}),
        ),
        (opened, json!({"status": "ignored"})),
        (
            elsewhere,
            json!({"status": "ignored", "reason": "unknown source"}),
        ),
        (
            json!({"awslogs": {"data": "!!!"}}),
            json!({"status": "ignored", "reason": "awslogs.data is not base64"}),
        ),
        (
            json!({"awslogs": {"data": "aGVsbG8="}}),
            json!({"status": "ignored", "reason": "awslogs.data is not gzip"}),
        ),
        (
            testkit::events::outcome_event("sms-control-message.json"),
            json!({"status": "ignored", "reason": "not a DATA_MESSAGE"}),
        ),
    ];
    for (event, expected) in cases {
        assert_eq!(stack.invoke(&event), expected, "{event}");
    }
    // A record that is not SNS's: skipped, the others of its batch applied.
    let mut data = testkit::events::decode_logs(&sms_event("sms-delivered.json", "x"));
    data["logEvents"][0]["message"] = json!("not a record");
    let answer = stack.invoke(&testkit::events::encode_logs(&data));
    assert_eq!(
        answer,
        json!({"status": "processed", "records": {"ignored": 1}})
    );
    // An invocation no door knows fails, naming what was expected.
    let error = stack
        .runtime
        .invoke(&json!({"detail": {}}), TIMEOUT)
        .unwrap_err();
    assert!(
        error.contains("an EventBridge event or a CloudWatch Logs"),
        "{error}"
    );

    assert_eq!(stack.moto.sent(), before, "nothing sent");
    let scan_after = stack.moto.dynamodb("Scan", json!({"TableName": TABLE}))["Count"].clone();
    assert_eq!(scan_after, scan_before, "nothing written");
}

// ---------------------------------------------------------------- WhatsApp

/// The phone number id the WhatsApp function sends from.
const PHONE_NUMBER_ID: &str = "phone-number-id-0a1b2c3d4e5f";

/// A second function on the same moto, with `[whatsapp]` on (the environment the stack
/// gives it) and End User Messaging Social at the stub, through the real SDK.
struct WhatsAppStack<'a> {
    stack: &'a Stack,
    stub: SocialMessagingStub,
    runtime: RuntimeApi,
    function: Function,
}

impl<'a> WhatsAppStack<'a> {
    fn new(stack: &'a Stack) -> WhatsAppStack<'a> {
        let stub = SocialMessagingStub::start();
        let runtime = RuntimeApi::start();
        let mut env = stack.env.clone();
        env.push((
            "BOOXI_WHATSAPP_PHONE_NUMBER_ID".into(),
            PHONE_NUMBER_ID.into(),
        ));
        env.push((
            "BOOXI_WHATSAPP_KINDS".into(),
            "confirmation,changed,canceled_by_store,reminder".into(),
        ));
        env.push(("AWS_ENDPOINT_URL_SOCIALMESSAGING".into(), stub.endpoint()));
        let function = Function::spawn(Path::new(WEBHOOK), &runtime, &env);
        WhatsAppStack {
            stack,
            stub,
            runtime,
            function,
        }
    }

    fn invoke(&self, event: &Value) -> Value {
        self.runtime
            .invoke(event, TIMEOUT)
            .unwrap_or_else(|e| panic!("the function failed on {event}: {e}"))
    }

    fn deliver(&self, event: &Value) -> (u16, Value) {
        self.runtime.call_http(event, TIMEOUT)
    }
}

/// A confirmation for a French-speaking client with the SMS consent.
fn french_confirmation(id: &str, email: &str, mobile: &str) -> Value {
    let event = booking_event("confirmation-created.json", id, email, mobile, true);
    let raw = input::booxi_body(event.to_string().as_bytes()).unwrap();
    let mut body: Value = serde_json::from_slice(&raw).unwrap();
    body["content"]["booking"]["client"]["language"] = json!("fre");
    with_body(event, &body.to_string())
}

fn whatsapp_sends_the_confirmation_as_one_template_message_in_the_clients_language(
    w: &WhatsAppStack,
) {
    let (email, mobile) = ("wa-client@example.com", "+15145557101");
    let event = french_confirmation("out-wa-1", email, mobile);
    let (status, answer) = w.deliver(&event);
    assert_eq!(status, 200, "{answer}");
    let sent = message(&answer, "confirmation", "whatsapp");
    assert_eq!(sent["status"], "sent", "{answer}");
    let id = provider_id(sent);
    // No SMS: WhatsApp replaces it (answered skipped, with why).
    let sms = message(&answer, "confirmation", "sms");
    assert_eq!(sms["status"], "skipped", "{answer}");
    assert_eq!(w.stack.sms_to(mobile), 0);
    assert_eq!(w.stack.emails_to(email), 1);

    // One SendWhatsAppMessage, through the real SDK (signed for social-messaging).
    let requests = w.stub.sent_to(mobile);
    assert_eq!(requests.len(), 1, "{:?}", w.stub.sent());
    let request = &requests[0];
    assert_eq!(request.answer, id);
    assert_eq!(request.request["originationPhoneNumberId"], PHONE_NUMBER_ID);
    assert_eq!(request.request["metaApiVersion"], "v20.0");
    assert!(
        request
            .authorization
            .contains("/social-messaging/aws4_request"),
        "{}",
        request.authorization
    );
    // Meta's template message: the French template, its parameters in order (first
    // name, date, time, service, store), the tracking page's path as the button's suffix.
    assert_eq!(
        request.message,
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": mobile,
            "type": "template",
            "template": {
                "name": "booxi_confirmation",
                "language": {"code": "fr"},
                "components": [
                    {"type": "body", "parameters": [
                        {"type": "text", "text": "Jane"},
                        {"type": "text", "text": "jeudi 3 décembre 2026"},
                        {"type": "text", "text": "10 h 00"},
                        {"type": "text", "text": "Consultation couleur"},
                        {"type": "text", "text": "Atelier Lumière"}
                    ]},
                    {"type": "button", "sub_type": "url", "index": "0", "parameters": [
                        {"type": "text", "text": "tracking/8c1f2a9e4b7d4f0e?lang=fre"}
                    ]}
                ]
            }
        })
    );
    // Booxi delivers it again: nothing more goes.
    let (status, again) = w.deliver(&event);
    assert_eq!(
        (status, again["status"].clone()),
        (200, json!("duplicate")),
        "{again}"
    );
    assert_eq!(w.stub.sent_to(mobile).len(), 1);
    // Its history: the WhatsApp message, sent, the number masked.
    let history = w.stack.history(&id);
    assert_eq!(
        (
            history["channel"].clone(),
            history["status"].clone(),
            history["to"].clone()
        ),
        (json!("whatsapp"), json!("sent"), json!("+1•••••••7101"))
    );
}

fn whatsapp_statuses_move_the_message_on_and_a_failure_sends_the_sms_once(w: &WhatsAppStack) {
    // Delivered then read; a late "Sent" changes nothing.
    let (email, mobile) = ("wa-read@example.com", "+15145557102");
    let (_, answer) = w.deliver(&french_confirmation("out-wa-2", email, mobile));
    let id = provider_id(message(&answer, "confirmation", "whatsapp"));
    for (file, word) in [
        ("whatsapp-delivered.json", "delivered"),
        ("whatsapp-read.json", "read"),
        ("whatsapp-sent.json", "read"),
    ] {
        let answer = w.invoke(&whatsapp_event(file, &id));
        assert_eq!(answer["message_status"], word, "{file}: {answer}");
    }
    let timeline: Vec<String> = w.stack.history(&id)["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(timeline, ["sent", "delivered", "read"]);
    assert_eq!(w.stack.sms_to(mobile), 0);

    // Not on WhatsApp: the failure comes back, the SMS goes instead, once, however often
    // the failure (or an "Undeliverable") comes.
    let (email, mobile) = ("wa-absent@example.com", "+15145557103");
    let (_, answer) = w.deliver(&french_confirmation("out-wa-3", email, mobile));
    let id = provider_id(message(&answer, "confirmation", "whatsapp"));
    let answer = w.invoke(&whatsapp_event("whatsapp-failed.json", &id));
    assert_eq!(
        (answer["message_status"].clone(), answer["fallback"].clone()),
        (json!("failed"), json!("sent")),
        "{answer}"
    );
    for file in [
        "whatsapp-failed.json",
        "whatsapp-undeliverable.json",
        "whatsapp-failed.json",
    ] {
        let again = w.invoke(&whatsapp_event(file, &id));
        assert_eq!(again["fallback"], "sent_earlier", "{file}: {again}");
    }
    let texts: Vec<String> = w
        .stack
        .moto
        .sms()
        .into_iter()
        .filter(|(n, _)| n == mobile)
        .map(|(_, t)| t)
        .collect();
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(
        texts[0].contains("confirmé"),
        "the French SMS: {}",
        texts[0]
    );
    let history = w.stack.history(&id);
    assert_eq!(history["status"], "failed");
    assert_eq!(
        history["reason"],
        "WhatsApp: failed (131026 Message undeliverable)"
    );
    // A paused template fails the same way: its SMS goes too.
    let (email, mobile) = ("wa-paused@example.com", "+15145557104");
    let (_, answer) = w.deliver(&french_confirmation("out-wa-4", email, mobile));
    let id = provider_id(message(&answer, "confirmation", "whatsapp"));
    let answer = w.invoke(&whatsapp_event("whatsapp-failed-template-paused.json", &id));
    assert_eq!(answer["fallback"], "sent", "{answer}");
    assert_eq!(w.stack.sms_to(mobile), 1);
    // A status for a message this function never sent: counted, nothing sent.
    let answer = w.invoke(&whatsapp_event("whatsapp-failed.json", "not-ours"));
    assert_eq!(answer["status"], "unmatched", "{answer}");
    assert!(answer.get("fallback").is_none(), "{answer}");
}

fn whatsapp_refusals_and_errors_are_sorted_by_code_and_message(w: &WhatsAppStack) {
    // The recipient refused for good: recorded, and the SMS goes at once.
    let (email, mobile) = ("wa-refused@example.com", "+15145557105");
    w.stub.fail_to(
        mobile,
        400,
        "InvalidParametersException",
        "Invalid recipient phone number",
        usize::MAX,
    );
    let (status, answer) = w.deliver(&french_confirmation("out-wa-5", email, mobile));
    assert_eq!(status, 200, "{answer}");
    let refused = message(&answer, "confirmation", "whatsapp");
    assert_eq!(
        (refused["status"].clone(), refused["failure"].clone()),
        (json!("failed"), json!("refused")),
        "{answer}"
    );
    let fallback = answer["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["channel"] == "sms" && m["status"] == "sent")
        .unwrap_or_else(|| panic!("no SMS fallback in {answer}"));
    assert_eq!(fallback["fallback_for"], "whatsapp");
    assert_eq!(w.stack.sms_to(mobile), 1);
    assert_eq!(
        w.stub.sent_to(mobile).len(),
        1,
        "refused once, never asked again"
    );

    // About our configuration (a template Meta does not know): 502, nothing instead, and
    // Booxi's retry sends it once fixed.
    let (email, mobile) = ("wa-config@example.com", "+15145557106");
    w.stub.fail_to(
        mobile,
        400,
        "InvalidParametersException",
        "Template name does not exist in the translation",
        usize::MAX,
    );
    let event = french_confirmation("out-wa-6", email, mobile);
    let (status, answer) = w.deliver(&event);
    assert_eq!(status, 502, "{answer}");
    let failed = message(&answer, "confirmation", "whatsapp");
    assert_eq!(failed["failure"], "configuration", "{answer}");
    assert!(
        failed["reason"]
            .as_str()
            .unwrap()
            .contains("InvalidParametersException (not about the recipient)"),
        "{failed}"
    );
    assert_eq!(w.stack.sms_to(mobile), 0);
    w.stub
        .fail_to(mobile, 400, "InvalidParametersException", "", 0);
    let (status, answer) = w.deliver(&event);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        message(&answer, "confirmation", "whatsapp")["status"],
        "sent"
    );
    assert_eq!(w.stack.sms_to(mobile), 0);

    // Throttled once: retried (by the SDK), sent.
    let (email, mobile) = ("wa-throttled@example.com", "+15145557107");
    w.stub
        .fail_to(mobile, 429, "ThrottledRequestException", "Rate exceeded", 1);
    let (status, answer) = w.deliver(&french_confirmation("out-wa-7", email, mobile));
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        message(&answer, "confirmation", "whatsapp")["status"],
        "sent"
    );
    assert_eq!(w.stub.sent_to(mobile).len(), 2);
    // Meta unreachable for good: temporary, 503 so that Booxi retries; nothing instead.
    let (email, mobile) = ("wa-down@example.com", "+15145557108");
    w.stub.fail_to(
        mobile,
        500,
        "InternalServiceException",
        "Internal error",
        usize::MAX,
    );
    let (status, answer) = w.deliver(&french_confirmation("out-wa-8", email, mobile));
    assert_eq!(status, 503, "{answer}");
    assert_eq!(
        message(&answer, "confirmation", "whatsapp")["failure"],
        "temporary"
    );
    assert_eq!(w.stack.sms_to(mobile), 0);
}

/// moto's EventBridge with the rule the stack makes for WhatsApp's statuses (source
/// `aws.social-messaging`, the door's detail-types; `scripts/check-template.py` keeps the
/// template's pattern the same): a status reaches the function, an inbound message does
/// not.
fn whatsapp_events_reach_the_function_through_the_stacks_rule_pattern(w: &WhatsAppStack) {
    use booxi_notify::domain::feedback::WHATSAPP_DETAIL_TYPES;
    let moto = &w.stack.moto;
    let url = moto.sqs("CreateQueue", json!({"QueueName": "whatsapp-statuses"}))["QueueUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    let arn = moto.queue_attribute(&url, "QueueArn");
    let pattern = json!({"source": ["aws.social-messaging"], "detail-type": WHATSAPP_DETAIL_TYPES});
    moto.events(
        "PutRule",
        json!({"Name": "whatsapp-statuses", "EventPattern": pattern.to_string()}),
    );
    moto.events(
        "PutTargets",
        json!({"Rule": "whatsapp-statuses", "Targets": [{"Id": "function", "Arn": arn}]}),
    );
    let (email, mobile) = ("wa-rule@example.com", "+15145557109");
    let (_, answer) = w.deliver(&french_confirmation("out-wa-9", email, mobile));
    let id = provider_id(message(&answer, "confirmation", "whatsapp"));
    let entry = |event: &Value| {
        json!({"Source": event["source"], "DetailType": event["detail-type"],
               "Detail": event["detail"].to_string()})
    };
    let delivered = whatsapp_event("whatsapp-delivered.json", &id);
    let mut received = whatsapp_event("whatsapp-delivered.json", &id);
    received["detail-type"] = json!("WhatsApp Message Received");
    let put = moto.events(
        "PutEvents",
        json!({"Entries": [entry(&delivered), entry(&received)]}),
    );
    assert_eq!(put["FailedEntryCount"], 0, "{put}");
    let got = moto.sqs(
        "ReceiveMessage",
        json!({"QueueUrl": url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 1}),
    );
    let bodies: Vec<Value> = got["Messages"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| serde_json::from_str(m["Body"].as_str().unwrap()).unwrap())
        .collect();
    assert_eq!(bodies.len(), 1, "{got}");
    let answer = w.invoke(&bodies[0]);
    assert_eq!(
        (answer["status"].clone(), answer["message_status"].clone()),
        (json!("updated"), json!("delivered")),
        "{answer}"
    );
}
