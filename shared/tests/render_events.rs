//! Every sample event in `events/` renders: each planned message, email or SMS.

use booxi_notify::doors::input;
use booxi_notify::render::{Message, RenderConfig, Renderer, SmsForm};
use booxi_notify::{Config, Event, plan};

#[test]
fn every_sample_event_renders() {
    let files = testkit::events::event_files();
    // The alias the custom type scenario needs (shared/tests/events.rs plans with it too).
    let config =
        Config::from_toml("[event_aliases]\n\"booking.confirmed\" = \"appointment.created\"\n")
            .unwrap();
    let renderer = Renderer::new(&RenderConfig::from(&config)).unwrap();
    let (mut emails, mut texts) = (0, 0);
    let mut rendered_from = std::collections::BTreeSet::new();
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        // Every sample is a valid event: one that stops parsing must fail here, not vanish.
        let body = input::booxi_body(&bytes).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let event =
            Event::read(&body, &config).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for n in plan(&event, &config).notifications {
            let shown = format!(
                "{}: {} to {:?} by {:?}",
                file.display(),
                n.kind,
                n.audience,
                n.channel
            );
            rendered_from.insert(file.file_stem().unwrap().to_string_lossy().into_owned());
            match renderer.render(&event, &n) {
                Ok(Message::Email(m)) => {
                    emails += 1;
                    assert!(
                        !m.subject.is_empty() && !m.subject.contains(['\r', '\n']),
                        "{shown}"
                    );
                    assert!(
                        m.html.starts_with("<!DOCTYPE html>")
                            && m.html.trim_end().ends_with("</html>"),
                        "{shown}"
                    );
                    assert_eq!(
                        m.language, n.language,
                        "{shown}: rendered in another language"
                    );
                }
                Ok(Message::Sms(s)) => {
                    texts += 1;
                    assert!(!s.text.is_empty(), "{shown}: {s:?}");
                    assert_ne!(s.form, SmsForm::Truncated, "{shown}: {s:?}");
                }
                Ok(Message::WhatsApp(w)) => panic!("{shown}: no WhatsApp is configured: {w:?}"),
                Err(e) => panic!("{shown}: {e}"),
            }
        }
    }
    // The samples cover every kind: many files, emails and SMS among them.
    assert!(files.len() >= 20, "only {} files in events/", files.len());
    assert!(
        emails >= files.len() && texts >= 5,
        "{emails} emails and {texts} SMS from {} files",
        files.len()
    );
    for shape in [
        "root-envelope",
        "root-envelope-without-id",
        "rest-model-fields",
        "custom-type-booking-confirmed",
    ] {
        assert!(
            rendered_from.contains(shape),
            "nothing rendered from {shape}"
        );
    }
    println!("{} files, {emails} emails, {texts} SMS", files.len());
}
