//! The compiled built-in templates write, byte for byte, what minijinja writes from their
//! sources: every kind in every language of the preview galleries, and every message
//! the sample events plan, in every language at every kind of place.

use super::*;
use booxi_notify::doors::input;
use booxi_notify::render::CompiledStats;
use booxi_notify::render::preview::{self, Sample};

const PLACES: [&str; 5] = [
    "Business",
    "ClientAddress",
    "Phone",
    "VideoConference",
    "Custom",
];

#[test]
fn every_gallery_message_is_what_minijinja_writes() {
    let compiled = renderer();
    let reference = renderer().minijinja_only();
    let mut compared = 0;
    for sample in [Sample::Typical, Sample::Long] {
        let ours = preview::previews(&compiled, sample).unwrap();
        let theirs = preview::previews(&reference, sample).unwrap();
        assert_eq!(ours.len(), theirs.len());
        for (a, b) in ours.iter().zip(&theirs) {
            assert_eq!(a.slug(), b.slug());
            assert_eq!(a.email, b.email, "{} ({sample:?}): email", a.slug());
            assert_eq!(a.sms, b.sms, "{} ({sample:?}): SMS", a.slug());
            compared += 1;
        }
    }
    assert!(compared > 100, "{compared} previews");
    let stats = compiled.compiled_stats();
    assert_eq!(stats.fell_back, 0, "the compiled code fell back");
    assert!(
        stats.written >= compared,
        "{stats:?}: the compiled code wrote too little"
    );
    assert_eq!(reference.compiled_stats(), CompiledStats::default());
}

#[test]
fn every_sample_event_message_is_what_minijinja_writes() {
    let files = testkit::events::event_files();
    let config =
        Config::from_toml("[event_aliases]\n\"booking.confirmed\" = \"appointment.created\"\n")
            .unwrap();
    let compiled = Renderer::new(&RenderConfig::from(&config)).unwrap();
    let reference = Renderer::new(&RenderConfig::from(&config))
        .unwrap()
        .minijinja_only();
    let (mut compared, mut emails, mut texts) = (0, 0, 0);
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        let mut body: Value = serde_json::from_slice(&input::booxi_body(&bytes).unwrap()).unwrap();
        for (lang, place) in LANGS.iter().flat_map(|l| PLACES.map(|p| (l, p))) {
            if let Some(booking) = body.pointer_mut("/content/booking") {
                booking["location"] = json!(place);
            }
            let bytes = serde_json::to_vec(&body).unwrap();
            let event = Event::read(&input::booxi_body(&bytes).unwrap(), &config).unwrap();
            for mut n in plan(&event, &config).notifications {
                n.language = Language::parse(lang).unwrap();
                let shown = format!(
                    "{}: {} {lang} at {place} by {:?}",
                    file.display(),
                    n.kind,
                    n.channel
                );
                let ours = compiled.render(&event, &n);
                let theirs = reference.render(&event, &n);
                match (&ours, &theirs) {
                    (Ok(a), Ok(b)) => assert_eq!(a, b, "{shown}"),
                    (a, b) => assert_eq!(
                        a.as_ref().map_err(ToString::to_string).err(),
                        b.as_ref().map_err(ToString::to_string).err(),
                        "{shown}"
                    ),
                }
                match ours {
                    Ok(Message::Email(_)) => emails += 1,
                    Ok(Message::Sms(_)) => texts += 1,
                    _ => {}
                }
                compared += 1;
            }
        }
    }
    assert!(
        emails > 1500 && texts > 400,
        "{emails} emails, {texts} SMS of {compared}"
    );
    let stats = compiled.compiled_stats();
    assert_eq!(stats.fell_back, 0, "the compiled code fell back");
    assert!(
        stats.written >= emails + texts,
        "{stats:?}: the compiled code wrote too little"
    );
    assert_eq!(reference.compiled_stats(), CompiledStats::default());
}

/// The rich, minimal and hostile bodies (payload text with markup and quotes): every
/// kind, every language of its side, by email and SMS, both ways the same.
#[test]
fn every_kind_of_the_test_bodies_is_what_minijinja_writes() {
    let compiled = renderer();
    let reference = renderer().minijinja_only();
    let mut compared = 0;
    for body in [
        rich_body("appointment.updated"),
        minimal_body(),
        hostile_body(),
    ] {
        let e = event(&body);
        for kind in all_kinds() {
            for lang in kind.languages() {
                for channel in [Channel::Email, Channel::Sms] {
                    if channel == Channel::Sms && kind.is_staff() {
                        continue;
                    }
                    let n = notification(kind, lang, channel);
                    let ours = compiled.render(&e, &n).map_err(|e| e.to_string());
                    let theirs = reference.render(&e, &n).map_err(|e| e.to_string());
                    assert_eq!(ours, theirs, "{kind} {lang} {channel:?}");
                    compared += 1;
                }
            }
        }
    }
    assert!(compared > 250, "{compared}");
    assert_eq!(compiled.compiled_stats().fell_back, 0);
}

fn override_dir(name: &str, files: &[(&str, &str)]) -> Renderer {
    let dir = std::env::temp_dir().join(format!("booxi-compiled-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (file, text) in files {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    Renderer::new(&RenderConfig {
        templates_dir: Some(dir),
        ..RenderConfig::default()
    })
    .unwrap()
}

/// A replaced kind template is written from the replacement (minijinja); the kind's
/// other channel and the other kinds stay compiled.
#[test]
fn a_replaced_template_is_written_from_the_replacement() {
    let r = override_dir(
        "kind",
        &[(
            "eng/confirmation.sms.txt",
            "{% block full %}Booked: {{ brand.name }}.{% endblock %}{% block short %}Booked.{% endblock %}",
        )],
    );
    let e = event(&rich_body("appointment.created"));
    let before = r.compiled_stats();
    let text = sms(
        &r,
        &e,
        &notification(Kind::Confirmation, "eng", Channel::Sms),
    );
    assert!(text.text.starts_with("Booked: "), "{}", text.text);
    assert_eq!(
        r.compiled_stats(),
        before,
        "the replacement was not compiled code's"
    );
    // The same kind by email, and the French SMS, are the compiled templates'.
    let m = email(
        &r,
        &e,
        &notification(Kind::Confirmation, "eng", Channel::Email),
    );
    let fre = sms(
        &r,
        &e,
        &notification(Kind::Confirmation, "fre", Channel::Sms),
    );
    assert_eq!(r.compiled_stats().written, before.written + 2);
    let reference = renderer().minijinja_only();
    assert_eq!(
        m,
        email(
            &reference,
            &e,
            &notification(Kind::Confirmation, "eng", Channel::Email)
        )
    );
    assert_eq!(
        fre,
        sms(
            &reference,
            &e,
            &notification(Kind::Confirmation, "fre", Channel::Sms)
        )
    );
}

/// A replaced layout or partial reaches every email: they are all written by minijinja.
#[test]
fn a_replaced_partial_sends_every_email_to_minijinja() {
    let r = override_dir(
        "partial",
        &[("partials/footer.html", "<p>Our own footer</p>\n")],
    );
    let e = event(&rich_body("appointment.created"));
    for kind in [Kind::Confirmation, Kind::Reminder, Kind::StaffNewBooking] {
        let m = email(&r, &e, &notification(kind, "eng", Channel::Email));
        assert!(m.html.contains("<p>Our own footer</p>"), "{kind}");
    }
    assert_eq!(r.compiled_stats().written, 0);
    // An SMS reads no partial: compiled still.
    sms(
        &r,
        &e,
        &notification(Kind::Confirmation, "eng", Channel::Sms),
    );
    assert!(r.compiled_stats().written > 0);
}

/// Replaced labels are read by the compiled templates as by minijinja.
#[test]
fn replaced_labels_reach_the_compiled_templates() {
    let files = [("eng/labels.toml", "regards = \"Cheers,\"\n")];
    let r = override_dir("labels", &files);
    let reference = override_dir("labels-reference", &files).minijinja_only();
    let e = event(&rich_body("appointment.created"));
    let n = notification(Kind::Confirmation, "eng", Channel::Email);
    let m = email(&r, &e, &n);
    assert!(
        m.text.contains("Cheers,") && m.html.contains("Cheers,"),
        "{}",
        m.text
    );
    assert_eq!(r.compiled_stats().written, 1);
    assert_eq!(m, email(&reference, &e, &n));
}
