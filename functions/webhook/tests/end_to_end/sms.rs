//! `[sms]` guards: each country's sender, type and price; a country not allowed; 50
//! concurrent events against a cap of 20.

use super::*;

/// `confirmation-created.json` as event `id`, its client's mobile number `mobile`.
fn confirmation_to(id: &str, mobile: &str) -> Value {
    let event = gateway_event("confirmation-created.json");
    let mut body = booxi_body(&event);
    body["eventId"] = json!(id);
    body["content"]["booking"]["client"]["mobilePhoneNumber"] = json!(mobile);
    with_body(event, &body.to_string())
}

/// The message attributes of each SNS `Publish` a proxy saw: phone number → name →
/// (data type, value).
type Attributes = std::collections::BTreeMap<String, (String, String)>;

fn publishes(proxy: &testkit::proxy::RecordingProxy) -> Vec<(String, Attributes)> {
    proxy
        .requests("/", "Action=Publish")
        .into_iter()
        .map(|(_, _, body)| testkit::proxy::form(&body))
        .map(|form| {
            let get = |key: &str| {
                form.iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let mut attributes = Attributes::new();
            for n in 1.. {
                let entry = format!("MessageAttributes.entry.{n}");
                let name = get(&format!("{entry}.Name"));
                if name.is_empty() {
                    break;
                }
                attributes.insert(
                    name,
                    (
                        get(&format!("{entry}.Value.DataType")),
                        get(&format!("{entry}.Value.StringValue")),
                    ),
                );
            }
            (get("PhoneNumber"), attributes)
        })
        .collect()
}

/// SMS pumping and senders on real parts: SNS behind a proxy that keeps each request
/// (moto keeps an SMS's number and text, not its message attributes). Each country's
/// `Publish` carries its configured sender, the type Transactional and the maximum
/// price; a number of a country not allowed is not published, and its answer says why.
#[test]
fn each_country_gets_its_sender_and_a_country_not_allowed_gets_no_sms() {
    let stack = Stack::new();
    let sns = testkit::proxy::RecordingProxy::start(stack.moto.port);
    let dir = std::env::temp_dir().join(format!("booxi-sms-e2e-{}", stack.moto.port));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("sms.toml");
    std::fs::write(
        &config,
        r#"
[sms]
countries = ["CA", "US", "FR"]
sender_id = "Atelier"
max_price = "0.50"

[sms.senders.CA]
origination_number = "+15145550100"

[sms.senders.FR]
sender_id = "ACMEOPTICS"
"#,
    )
    .unwrap();
    let runtime = RuntimeApi::start();
    let config = config.display().to_string();
    let function = stack.function_with(
        &runtime,
        &[
            ("AWS_ENDPOINT_URL_SNS", &sns.endpoint()),
            ("BOOXI_CONFIG", &config),
        ],
    );
    let numbers = [
        ("s-ca", "(514) 555-0123", "+15145550123"),
        ("s-fr", "+33 6 12 34 56 78", "+33612345678"),
        ("s-us", "+1 212 555 0123", "+12125550123"),
        ("s-de", "+49 151 23456789", "+4915123456789"),
    ];
    let mut answers = Vec::new();
    for (id, mobile, _) in numbers {
        let (status, body) = call(&runtime, &confirmation_to(id, mobile));
        assert_eq!(status, 200, "{body}");
        answers.push(body);
    }
    let published: Vec<String> = sent_sms(&stack.moto)
        .into_iter()
        .map(|(to, _)| to)
        .collect();
    assert_eq!(published, ["+12125550123", "+15145550123", "+33612345678"]);
    // The German number: skipped with the reason; the confirmation email still went.
    let de = &answers[3]["messages"];
    let sms = de
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["channel"] == "sms")
        .unwrap();
    assert_eq!(sms["status"], "skipped");
    assert_eq!(
        sms["reason"],
        "SMS to DE numbers is not allowed (allowed: CA, FR, US, [sms] countries)"
    );
    assert!(
        de.as_array()
            .unwrap()
            .iter()
            .any(|m| m["channel"] == "email" && m["status"] == "sent")
    );

    let by_number: std::collections::BTreeMap<String, Attributes> =
        publishes(&sns).into_iter().collect();
    let attr = |name: &str, t: &str, v: &str| (name.to_owned(), (t.to_owned(), v.to_owned()));
    let common = [
        attr("AWS.SNS.SMS.SMSType", "String", "Transactional"),
        attr("AWS.SNS.SMS.MaxPrice", "Number", "0.50"),
    ];
    let expect = |extra: &[(String, (String, String))]| -> Attributes {
        common.iter().chain(extra).cloned().collect()
    };
    assert_eq!(
        by_number["+15145550123"],
        expect(&[attr(
            "AWS.MM.SMS.OriginationNumber",
            "String",
            "+15145550100"
        )])
    );
    assert_eq!(
        by_number["+33612345678"],
        expect(&[attr("AWS.SNS.SMS.SenderID", "String", "ACMEOPTICS")])
    );
    // No table for the United States: the default sender, whose sender ID the United
    // States does not take.
    assert_eq!(by_number["+12125550123"], expect(&[]));
    assert!(!by_number.contains_key("+4915123456789"));

    let logs = function.logs();
    assert_no_personal_data(&logs);
    let blocked: f64 = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|l| l["SmsCountryBlocked"].as_f64())
        .sum();
    assert_eq!(blocked, 1.0, "{logs}");

    // Mistakes stop the function at start, with the key named; nothing is sent.
    let sent = stack.moto.sent();
    let refused = dir.join("us-sender-id.toml");
    std::fs::write(&refused, "[sms.senders.US]\nsender_id = \"ACMEOPTICS\"\n").unwrap();
    let refused = refused.display().to_string();
    let quiet_without_scheduler = [("BOOXI_SMS_QUIET_HOURS", "21:00-08:00")];
    for (extra, key, message) in [
        (
            vec![("BOOXI_CONFIG", refused.as_str())],
            "sms.senders.US.sender_id",
            "the United States (US) does not allow alphanumeric sender IDs: SMS there come \
             from a number; give its origination_number instead",
        ),
        (
            vec![("BOOXI_SMS_SENDER_ID", "AB")],
            "BOOXI_SMS_SENDER_ID",
            "`AB` is not a sender ID: 3 to 11 letters and digits",
        ),
        (
            quiet_without_scheduler.to_vec(),
            "BOOXI_SCHEDULE_GROUP",
            "required when [sms] quiet_hours hold SMS back (a quiet_kinds kind sent by SMS), \
             not set",
        ),
    ] {
        let runtime = RuntimeApi::start();
        let function = stack.function_with(&runtime, &extra);
        let named =
            |logs: &str| logs.contains(&format!("key: \"{key}\"")) && logs.contains(message);
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !named(&function.logs()) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(named(&function.logs()), "{}", function.logs());
    }
    assert_eq!(stack.moto.sent(), sent);
}

/// The daily cap under concurrency, through the compiled binary: 50 events of one
/// merchant at once, against a cap of 20, publish exactly 20 SMS. DynamoDB is behind a
/// proxy that passes one call at a time: the cap is one conditional UpdateItem, atomic
/// on DynamoDB but not on moto under concurrency (two racing conditional writes both
/// succeed now and then), so without the proxy the test would prove moto's luck, not
/// our counter. The proxy must have seen the calls.
#[test]
fn fifty_concurrent_events_against_a_cap_of_twenty_publish_twenty_sms() {
    let stack = Stack::new();
    let serial = SerialProxy::start(stack.moto.port);
    let mut env = stack.env.clone();
    env.extend(
        [
            ("AWS_ENDPOINT_URL_DYNAMODB", serial.endpoint()),
            ("BOOXI_SMS_MAX_PER_DAY", "20".into()),
            ("BOOXI_STAFF_KINDS", "none".into()),
            ("BOOXI_SMS_OPT_OUT_CHECK", "false".into()),
        ]
        .map(|(k, v)| (k.to_owned(), v)),
    );
    let runtime = RuntimeApi::start();
    let functions: Vec<Function> = (0..5)
        .map(|_| Function::spawn(Path::new(WEBHOOK), &runtime, &env))
        .collect();
    let events: Vec<Value> = (0..50)
        .map(|i| confirmation_to(&format!("cap-{i:02}"), "(514) 555-0123"))
        .collect();
    let deliver_all = || -> Vec<(u16, Value)> {
        std::thread::scope(|scope| {
            let calls: Vec<_> = events
                .iter()
                .map(|event| scope.spawn(|| call(&runtime, event)))
                .collect();
            calls.into_iter().map(|c| c.join().unwrap()).collect()
        })
    };
    let answers = deliver_all();
    let sms_statuses: Vec<(String, String)> = answers
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, 200, "{body}");
            let sms = body["messages"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["channel"] == "sms")
                .unwrap();
            (
                sms["status"].as_str().unwrap().to_owned(),
                sms["reason"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let sent = sms_statuses.iter().filter(|(s, _)| s == "sent").count();
    let over: Vec<&String> = sms_statuses
        .iter()
        .filter(|(s, _)| s == "skipped")
        .map(|(_, r)| r)
        .collect();
    assert_eq!((sent, over.len()), (20, 30), "{sms_statuses:?}");
    assert!(
        over.iter().all(|r| r
            .starts_with("over the daily SMS cap: 20 SMS already counted for this merchant on ")),
        "{over:?}"
    );
    assert_eq!(sent_sms(&stack.moto).len(), 20, "exactly the cap published");
    // Every email still went (the confirmation's email goes anyway: no fallback).
    assert_eq!(sent_emails(&stack.moto).len(), 50);

    // The day's counter, on the store's day (Toronto).
    let day = jiff::tz::TimeZone::get("America/Toronto")
        .unwrap()
        .to_datetime(jiff::Timestamp::now())
        .date();
    let item = stack.moto.dynamodb(
        "GetItem",
        json!({"TableName": TABLE, "Key": {"pk": {"S": format!("sms#501#{day}")}}, "ConsistentRead": true}),
    );
    assert_eq!(item["Item"]["count"]["N"], "20", "{item}");
    assert_eq!(item["Item"]["msgs"]["SS"].as_array().unwrap().len(), 20);
    assert!(item["Item"]["expires_at"]["N"].as_str().is_some());

    // Booxi redelivers them all: duplicates, nothing more published.
    let again = deliver_all();
    assert!(
        again
            .iter()
            .all(|(s, b)| *s == 200 && b["status"] == "duplicate")
    );
    assert_eq!(sent_sms(&stack.moto).len(), 20);

    let through_proxy = serial.calls.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        through_proxy >= 100,
        "DynamoDB calls through the proxy: {through_proxy}"
    );
    let over_metric: f64 = functions
        .iter()
        .flat_map(|f| {
            let logs = f.logs();
            if !logs.is_empty() {
                assert_no_personal_data(&logs);
            }
            logs.lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .filter_map(|l| l["SmsOverDailyCap"].as_f64())
                .collect::<Vec<_>>()
        })
        .sum();
    assert_eq!(over_metric, 30.0);
}
