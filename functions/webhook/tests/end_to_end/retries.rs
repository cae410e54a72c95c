//! Failures and retries: a throttled SMS answers 503 and the retry sends only it;
//! only errors about the recipient refuse it for good.

use super::*;

#[test]
fn a_throttled_sms_answers_503_and_the_retry_sends_only_it() {
    let stack = Stack::new();
    let throttling = ThrottlingSns::start();
    let mut env = stack.env.clone();
    env.push((
        "AWS_ENDPOINT_URL_SNS".into(),
        format!("http://127.0.0.1:{}", throttling.port),
    ));
    // Room for several retries even when moto is slow on a loaded machine.
    env.retain(|(k, _)| k != "BOOXI_DELIVERY_BUDGET_SECONDS");
    env.push(("BOOXI_DELIVERY_BUDGET_SECONDS".into(), "10".into()));
    let event = gateway_event("confirmation-created.json");
    {
        let runtime = RuntimeApi::start();
        let throttled = Function::spawn(Path::new(WEBHOOK), &runtime, &env);
        let (status, body) = call(&runtime, &event);
        assert_eq!(status, 503, "{body}");
        let sms = body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["channel"] == "sms")
            .unwrap();
        assert_eq!(sms["status"], "failed");
        assert!(
            sms["reason"].as_str().unwrap().contains("Throttled"),
            "{sms}"
        );
        let calls = throttling.calls.load(std::sync::atomic::Ordering::SeqCst);
        assert!(
            calls > 1,
            "SNS Throttled is retried: {calls} calls; {body}\n{}",
            throttled.logs()
        );
        assert_eq!(sent_emails(&stack.moto).len(), 2);
        assert!(sent_sms(&stack.moto).is_empty());
        assert_no_personal_data(&throttled.logs());
    }
    // Booxi retries; SNS is back (a fresh instance: its own Runtime API).
    let runtime = RuntimeApi::start();
    let function = stack.function(&runtime);
    let (status, body) = call(&runtime, &event);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        sent_emails(&stack.moto).len(),
        2,
        "the emails are not sent again"
    );
    assert_eq!(sent_sms(&stack.moto).len(), 1);
    assert_eq!(call(&runtime, &event).1["status"], "duplicate");
    assert_no_personal_data(&function.logs());
}

/// Only an error about the recipient refuses a message for good, on the error bodies AWS
/// sends: SNS's `InvalidParameter` naming the `PhoneNumber` (`… Reason: +1… is not valid
/// to publish to`) and SES v2's `BadRequestException` `Illegal address` are recorded as
/// refused, answered 200, and never tried again. The same codes about our side — SNS's
/// `Invalid parameter: ` with no parameter named (its answer to a sender ID it will not
/// take), one naming the origination number, SES's `The input you provided is invalid.`
/// — are configuration failures: 502, nothing recorded, and Booxi's retry sends every
/// message once the configuration is fixed.
#[test]
fn only_errors_about_the_recipient_refuse_it_for_good() {
    use std::sync::atomic::Ordering::SeqCst;
    use testkit::proxy::FailingSes;
    let stack = Stack::new();
    let failure_of = |body: &Value, channel: &str| -> Vec<(String, String, String)> {
        body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["channel"] == channel)
            .map(|m| {
                let text = |k: &str| m[k].as_str().unwrap_or_default().to_owned();
                (text("status"), text("failure"), text("reason"))
            })
            .collect()
    };
    let with_endpoints = |sns: &str, ses: &str| {
        let mut env = stack.env.clone();
        env.push(("AWS_ENDPOINT_URL_SNS".into(), sns.to_owned()));
        env.push(("AWS_ENDPOINT_URL_SESV2".into(), ses.to_owned()));
        env.push(("BOOXI_SMS_SENDER_ID".into(), "AtelierL".into()));
        // Without the opt-out check before each SMS, SNS's calls are the Publish alone.
        env.push(("BOOXI_SMS_OPT_OUT_CHECK".into(), "false".into()));
        env
    };

    // The recipient's: refused for good.
    let number = FailingSns::with_code(
        "InvalidParameter",
        "Invalid parameter: PhoneNumber Reason: +15145550123 is not valid to publish to",
    );
    let address = FailingSes::with_error("BadRequestException", "Illegal address");
    let event = gateway_event("confirmation-created.json");
    {
        let runtime = RuntimeApi::start();
        let function = Function::spawn(
            Path::new(WEBHOOK),
            &runtime,
            &with_endpoints(&number.endpoint(), &address.endpoint()),
        );
        let (status, body) = call(&runtime, &event);
        assert_eq!(
            (status, body["status"].as_str()),
            (200, Some("processed")),
            "{body}"
        );
        let refused = |reason: &str| ("failed".to_owned(), "refused".to_owned(), reason.to_owned());
        assert_eq!(
            failure_of(&body, "sms"),
            [refused("SNS Publish: InvalidParameter")]
        );
        assert_eq!(
            failure_of(&body, "email"),
            [
                refused("SES SendEmail: BadRequestException"),
                refused("SES SendEmail: BadRequestException")
            ]
        );
        assert_eq!(
            (number.calls.load(SeqCst), address.calls.load(SeqCst)),
            (1, 2),
            "not retried"
        );
        let (status, again) = call(&runtime, &event);
        assert_eq!((status, again["status"].as_str()), (200, Some("duplicate")));
        assert_eq!(again["messages"], body["messages"]);
        assert_eq!(
            (number.calls.load(SeqCst), address.calls.load(SeqCst)),
            (1, 2)
        );
        assert_no_personal_data(&function.logs());
    }

    // Ours: configuration failures, retried by Booxi once fixed.
    let sender_id = FailingSns::with_code("InvalidParameter", "Invalid parameter: ");
    let origination = FailingSns::with_code(
        "InvalidParameter",
        "Invalid parameter: AWS.MM.SMS.OriginationNumber Reason: not owned by the account",
    );
    let malformed =
        FailingSes::with_error("BadRequestException", "The input you provided is invalid.");
    for (sns, expected) in [
        (
            &sender_id,
            "SNS Publish: InvalidParameter (not about the recipient)",
        ),
        (
            &origination,
            "SNS Publish: InvalidParameter (AWS.MM.SMS.OriginationNumber, not the recipient)",
        ),
    ] {
        let event = with_event_id(
            gateway_event("confirmation-created.json"),
            &format!("config-{}", sns.port),
        );
        let runtime = RuntimeApi::start();
        let function = Function::spawn(
            Path::new(WEBHOOK),
            &runtime,
            &with_endpoints(&sns.endpoint(), &malformed.endpoint()),
        );
        let (status, body) = call(&runtime, &event);
        assert_eq!(
            (status, body["status"].as_str()),
            (502, Some("failed")),
            "{body}"
        );
        let configuration = |reason: &str| {
            (
                "failed".to_owned(),
                "configuration".to_owned(),
                reason.to_owned(),
            )
        };
        assert_eq!(failure_of(&body, "sms"), [configuration(expected)]);
        assert_eq!(
            failure_of(&body, "email"),
            [
                configuration("SES SendEmail: BadRequestException (not about the recipient)"),
                configuration("SES SendEmail: BadRequestException (not about the recipient)")
            ]
        );
        assert_no_personal_data(&function.logs());
        drop(function);
        // Fixed: Booxi's retry sends every message, once.
        let (emails, sms) = (sent_emails(&stack.moto).len(), sent_sms(&stack.moto).len());
        let runtime = RuntimeApi::start();
        let _fixed = stack.function(&runtime);
        let (status, body) = call(&runtime, &event);
        assert_eq!(
            (status, body["status"].as_str()),
            (200, Some("processed")),
            "{body}"
        );
        assert_eq!(
            (sent_emails(&stack.moto).len(), sent_sms(&stack.moto).len()),
            (emails + 2, sms + 1)
        );
    }
}
