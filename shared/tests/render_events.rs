//! Every sample event in `events/` renders: each planned message, email or SMS.

use booxi_notify::render::{Message, RenderConfig, Renderer};
use booxi_notify::{Config, Event, input, plan};

#[test]
fn every_sample_event_renders() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("events/ exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    // The alias the custom type scenario needs (shared/tests/events.rs plans with it too).
    let config =
        Config::from_toml("[event_aliases]\n\"booking.confirmed\" = \"appointment.created\"\n")
            .unwrap();
    let renderer = Renderer::new(&RenderConfig::from(&config)).unwrap();
    let (mut emails, mut texts) = (0, 0);
    let mut rendered_from = std::collections::BTreeSet::new();
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        let Ok(body) = input::booxi_body(&bytes) else {
            continue; // a malformed sample is the parser's business, not the renderer's
        };
        let Ok(event) = Event::read(&body, &config) else {
            continue;
        };
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
                    assert!(
                        !s.text.is_empty() && s.segments.count <= 3,
                        "{shown}: {s:?}"
                    );
                }
                Err(e) => panic!("{shown}: {e}"),
            }
        }
    }
    assert!(
        files.is_empty() || emails > 0,
        "no email rendered from {} files",
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
