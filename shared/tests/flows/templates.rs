//! The templates of flows: the built-in flows render in the six languages by email and
//! SMS, the pre-visit SMS's sentences, custom flows' templates in `templates_dir`.

use super::*;
use booxi_notify::domain::notification::Notification;
use booxi_notify::render::{Message, RenderConfig, Renderer};

const ALL: &str = r#"
[brand]
review_url = "https://reviews.example.com/store-5"

[[flows]]
name = "pre_visit"
before_start = "24h"
channels = ["email", "sms"]

[[flows]]
name = "starting_soon"
before_start = "15m"
channels = ["email", "sms"]

[[flows]]
name = "thank_you"
after_completed = "2h"
channels = ["email", "sms"]

[[flows]]
name = "review_request"
after_completed = "2d"
channels = ["email", "sms"]
"#;

fn scheduled(body: &support::Body, config: &Config) -> Vec<Notification> {
    let now = "2026-11-30T13:00:00Z".parse().unwrap();
    plan_at(&body.parse(), config, now)
        .schedules
        .into_iter()
        .filter_map(|c| match c {
            ScheduleChange::Upsert(s) => Some(s.notification),
            ScheduleChange::Publish(_) | ScheduleChange::Delete(_) => None,
        })
        .collect()
}

#[test]
fn built_in_flows_render_in_the_six_languages_by_email_and_sms() {
    let config = Config::from_toml(ALL).unwrap();
    let renderer = Renderer::new(&RenderConfig::from(&config)).unwrap();
    for lang in ["eng", "fre", "spa", "por", "nld", "deu"] {
        let translated = |b: support::Body| {
            dated(b, CREATED)
                .set("booking.client.language", json!(lang))
                .set("booking.location", json!("VideoConference"))
                .set("service.instructions", json!("Bring your card."))
                .set(
                    "service.translations",
                    json!([{"language": lang, "name": format!("Service-{lang}"),
                            "instructions": format!("Instructions-{lang}")}]),
                )
        };
        let before = translated(event("appointment.created"));
        let after = translated(
            event("appointment.completed")
                .with_previous()
                .set("booking.isCompleted", json!(true)),
        );
        let mut messages = scheduled(&before, &config);
        messages.extend(scheduled(&after, &config));
        let kinds: Vec<String> = messages
            .iter()
            .map(|n| format!("{}/{:?}", n.kind, n.channel))
            .collect();
        assert_eq!(messages.len(), 8, "{lang}: {kinds:?}");
        for n in &messages {
            let e = if n.kind.name().starts_with("pre") || n.kind.name().starts_with("start") {
                before.parse()
            } else {
                after.parse()
            };
            let rendered = renderer
                .render(&e, n)
                .unwrap_or_else(|err| panic!("{lang} {}: {err}", n.kind));
            let text = match &rendered {
                Message::Email(m) => {
                    assert!(!m.subject.is_empty());
                    assert_eq!(m.language.code(), lang, "{}", n.kind);
                    format!("{}\n{}", m.subject, m.text)
                }
                Message::Sms(m) => {
                    assert!(m.segments.count <= 3, "{lang} {}: {}", n.kind, m.text);
                    m.text.clone()
                }
                Message::WhatsApp(m) => m.text.clone(),
            };
            let is_email = matches!(rendered, Message::Email(_));
            match n.kind.name() {
                "pre_visit" => {
                    if lang != "eng" {
                        assert!(
                            text.contains(&format!("Instructions-{lang}")),
                            "{lang} pre_visit: {text}"
                        );
                    }
                    assert!(
                        text.contains("https://meet.example.com/client"),
                        "{lang} pre_visit: {text}"
                    );
                }
                "starting_soon" => {
                    assert!(
                        text.contains("https://meet.example.com/client"),
                        "{lang} starting_soon: {text}"
                    )
                }
                "review_request" => {
                    assert!(
                        text.contains("https://reviews.example.com/store-5"),
                        "{lang} review: {text}"
                    )
                }
                _ => {}
            }
            if is_email && n.kind.name() == "pre_visit" {
                assert!(
                    text.contains("?lang="),
                    "links in the message's language: {text}"
                );
            }
        }
    }
}

/// The pre-visit SMS reads as sentences whatever the service's instructions: the
/// visit's date ends with a period, instructions get one unless they end with their
/// own, and the link's label follows.
#[test]
fn the_pre_visit_sms_ends_its_sentences_before_the_link() {
    let config = Config::from_toml(ALL).unwrap();
    let renderer = Renderer::new(&RenderConfig::from(&config)).unwrap();
    for lang in ["eng", "fre", "spa", "por", "nld", "deu"] {
        for instructions in [None, Some("Arrive early"), Some("Arrive early!")] {
            let mut body = dated(event("appointment.created"), CREATED)
                .set("booking.client.language", json!(lang))
                .set("service.translations", json!([]));
            if let Some(i) = instructions {
                body = body.set("service.instructions", json!(i));
            }
            let pre_visit_sms = scheduled(&body, &config)
                .into_iter()
                .find(|n| n.kind.name() == "pre_visit" && format!("{:?}", n.channel) == "Sms")
                .expect("a pre_visit SMS is scheduled");
            let Message::Sms(sms) = renderer.render(&body.parse(), &pre_visit_sms).unwrap() else {
                panic!("an SMS")
            };
            let text = sms.text;
            // French puts a space before the colon: read "Détails :" as one word.
            let plain = text.replace(" :", ":");
            let (before_link, _) = plain.split_once(" https://").expect("a link");
            let (sentences, label) = before_link.rsplit_once(' ').unwrap();
            assert!(label.ends_with(':'), "{lang}: {text}");
            assert!(
                sentences.ends_with('.') || sentences.ends_with('!'),
                "{lang}, instructions {instructions:?}: {text}"
            );
            assert!(!text.contains(".."), "{lang}: {text}");
            if let Some(i) = instructions {
                assert!(text.contains(i), "{lang}: {text}");
            }
        }
    }
}

#[test]
fn custom_flows_need_their_templates_in_templates_dir() {
    let dir = std::env::temp_dir().join(format!("booxi-flows-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("eng")).unwrap();
    let toml = "[[flows]]\nname = \"aftercare\"\nafter_completed = \"3d\"\nchannels = [\"email\"]";
    let config = Config::from_toml(toml).unwrap();
    let err = Renderer::new(&RenderConfig::from(&config)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "flows[0].name: no template <language>/aftercare.email.html (built in: pre_visit, \
         starting_soon, thank_you, review_request; others go in templates_dir)"
    );
    std::fs::write(
        dir.join("eng/aftercare.email.html"),
        "{% extends layout %}{% block subject %}Caring for your {{ service }}{% endblock %}\
         {% block heading %}Aftercare{% endblock %}{% block body %}Rest well.{% endblock %}",
    )
    .unwrap();
    let config = RenderConfig {
        templates_dir: Some(dir.clone()),
        ..RenderConfig::from(&config)
    };
    let renderer = Renderer::new(&config).unwrap();
    let completed = dated(
        event("appointment.completed")
            .with_previous()
            .set("booking.isCompleted", json!(true)),
        CREATED,
    );
    let flows = Config::from_toml(toml).unwrap();
    let n = &scheduled(&completed, &flows)[0];
    match renderer.render(&completed.parse(), n).unwrap() {
        Message::Email(m) => assert_eq!(m.subject, "Caring for your Consultation"),
        other => panic!("{other:?}"),
    }
    // Without the flow configured, the same file is a file that would never be used.
    let unused = Renderer::new(&RenderConfig {
        templates_dir: Some(dir.clone()),
        ..RenderConfig::default()
    })
    .unwrap_err();
    assert!(
        unused.to_string().contains("aftercare.email.html"),
        "{unused}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
