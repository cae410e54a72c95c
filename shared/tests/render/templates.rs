//! Templates: every kind renders in every language of its side (strict undefined),
//! payload values escaped, the override folder, REST-model fields reaching templates.

use super::*;

#[test]
fn every_kind_renders_in_every_language_of_its_side() {
    let r = renderer();
    let bodies = [
        ("rich", rich_body("appointment.updated")),
        ("minimal", minimal_body()),
        ("hostile", hostile_body()),
    ];
    for (label, body) in &bodies {
        let e = event(body);
        for kind in all_kinds() {
            for lang in kind.languages() {
                let m = email(&r, &e, &notification(kind, lang, Channel::Email));
                assert!(!m.subject.is_empty(), "{label} {kind} {lang}");
                assert!(
                    m.html.starts_with("<!DOCTYPE html>"),
                    "{label} {kind} {lang}"
                );
                assert!(
                    !m.text.contains("none"),
                    "{label} {kind} {lang}: {}",
                    m.text
                );
                if !kind.is_staff() {
                    let s = sms(&r, &e, &notification(kind, lang, Channel::Sms));
                    assert!(!s.text.is_empty(), "{label} {kind} {lang}");
                    // Even the hostile body leaves room: a form was chosen, nothing cut.
                    assert_ne!(s.form, SmsForm::Truncated, "{label} {kind} {lang}: {s:?}");
                    assert_eq!(count_segments(&s.text), s.segments, "{label} {kind} {lang}");
                }
            }
        }
    }
}

#[test]
fn every_kind_has_its_own_template_in_every_language_of_its_side() {
    // A missing template would fall back to English: the message's language tells.
    let r = renderer();
    let e = event(&rich_body("appointment.updated"));
    for kind in all_kinds() {
        for lang in kind.languages() {
            let m = email(&r, &e, &notification(kind, lang, Channel::Email));
            assert_eq!(m.language.code(), *lang, "{kind}: no {lang} email template");
        }
    }
}

#[test]
fn payload_values_are_escaped_and_links_filtered() {
    let r = renderer();
    let e = event(&hostile_body());
    for kind in all_kinds() {
        for lang in kind.languages() {
            let m = email(&r, &e, &notification(kind, lang, Channel::Email));
            let at = format!("{kind} {lang}");
            assert!(!m.html.contains("<script"), "{at}: unescaped markup");
            assert!(!m.html.contains("\"quoted\""), "{at}: unescaped quotes");
            assert!(!m.html.contains("javascript:"), "{at}: non-web link");
            assert!(
                !m.text.contains("javascript:"),
                "{at}: non-web link in text"
            );
            assert!(
                !m.subject.contains(['\r', '\n']),
                "{at}: line break in subject"
            );
            assert!(
                !m.from_name.contains(['\r', '\n']),
                "{at}: line break in sender name"
            );
            assert!(!m.text.contains('\r'), "{at}: CR in text");
            assert!(
                !m.text.contains("\nBcc:"),
                "{at}: payload line break kept in text"
            );
            if !kind.is_staff() {
                let s = sms(&r, &e, &notification(kind, lang, Channel::Sms));
                assert!(!s.text.contains(['\r', '\n']), "{at}: line break in SMS");
            }
        }
    }
    // The escaped value is still there, readable.
    let m = email(
        &r,
        &e,
        &notification(Kind::StaffChanged, "eng", Channel::Email),
    );
    assert!(
        m.html
            .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;&#x2f;script&gt;")
            || m.html
                .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"),
        "{}",
        m.html
    );
}

#[test]
fn an_undefined_variable_is_an_error_not_a_blank() {
    let dir = tempdir("undefined");
    std::fs::create_dir_all(dir.join("eng")).unwrap();
    std::fs::write(
        dir.join("eng/confirmation.email.html"),
        "{% extends layout %}{% block subject %}Hi {{ clinet.name }}{% endblock %}",
    )
    .unwrap();
    let r = Renderer::new(&RenderConfig {
        templates_dir: Some(dir),
        ..RenderConfig::default()
    })
    .unwrap();
    let e = event(&rich_body("appointment.created"));
    let err = r
        .render(&e, &notification(Kind::Confirmation, "eng", Channel::Email))
        .unwrap_err();
    assert!(
        err.to_string().contains("eng/confirmation.email.html"),
        "{err}"
    );
    assert!(err.to_string().contains("undefined"), "{err}");
    // The other messages of the event still render.
    let plan = plan(&e, &Config::default());
    let results = r.render_all(&e, &plan.notifications);
    assert!(results.iter().any(Result::is_err));
    assert!(
        results.iter().filter(|m| m.is_ok()).count() >= 2,
        "{results:?}"
    );
}

#[test]
fn the_override_folder_replaces_templates_and_labels() {
    let dir = tempdir("override");
    std::fs::create_dir_all(dir.join("fre")).unwrap();
    std::fs::create_dir_all(dir.join("partials")).unwrap();
    std::fs::write(
        dir.join("fre/confirmation.email.html"),
        "{% extends layout %}{% block subject %}C'est confirmé, {{ recipient.first_name }} !{% endblock %}{% block heading %}Merci{% endblock %}",
    )
    .unwrap();
    std::fs::write(
        dir.join("fre/labels.toml"),
        "regards = \"À très bientôt,\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("partials/footer.txt"),
        "Pied de page du marchand\n",
    )
    .unwrap();
    let r = Renderer::new(&RenderConfig {
        templates_dir: Some(dir),
        ..RenderConfig::default()
    })
    .unwrap();
    let e = event(&rich_body("appointment.created"));
    let m = email(
        &r,
        &e,
        &notification(Kind::Confirmation, "fre", Channel::Email),
    );
    assert_eq!(m.subject, "C'est confirmé, Jane !");
    assert!(m.text.contains("À très bientôt,"), "{}", m.text);
    assert!(m.text.contains("Pied de page du marchand"), "{}", m.text);
    assert!(
        m.html.contains("Confirmer") || m.html.contains("Voir mon rendez-vous"),
        "other labels kept"
    );
    let m = email(
        &r,
        &e,
        &notification(Kind::Confirmation, "eng", Channel::Email),
    );
    assert_eq!(
        plain(&m.subject),
        "Your appointment on Thu, Dec 3 is confirmed"
    );
}

#[test]
fn a_broken_override_is_refused_when_the_renderer_is_built() {
    let dir = tempdir("broken");
    std::fs::write(dir.join("layout.html"), "{% if %}").unwrap();
    let err = Renderer::new(&RenderConfig {
        templates_dir: Some(dir),
        ..RenderConfig::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("layout.html"), "{err}");
    let err = Renderer::new(&RenderConfig {
        templates_dir: Some(std::path::PathBuf::from("/nonexistent/booxi-templates")),
        ..RenderConfig::default()
    })
    .unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/booxi-templates"),
        "{err}"
    );
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("booxi-render-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn payment_quick_note_survey_answers_and_client_links_reach_templates() {
    let dir = tempdir("rest-model");
    std::fs::create_dir_all(dir.join("eng")).unwrap();
    std::fs::write(
        dir.join("eng/confirmation.sms.txt"),
        "{% block full %}{{ payment.total }}|{{ payment.paid }}|{{ payment.online_amount }}|{{ payment.online_status }}|{{ quick_note }}|{{ survey_answers|join(';') }}|{% for l in client_links %}{{ l.module_id }}={{ l.external_id }}/{{ l.metadata|join(',') }}{% endfor %}{% endblock %}{% block short %}-{% endblock %}",
    )
    .unwrap();
    let r = Renderer::new(&RenderConfig {
        templates_dir: Some(dir),
        ..RenderConfig::default()
    })
    .unwrap();
    let mut body = rich_body("appointment.created");
    body["content"]["booking"]["payment"] = json!({
        "total": {"amount": "45.00", "currency": "CAD", "visibility": "Visible"},
        "paid": 20,
        "onlinePaymentAmount": "20.00",
        "onlinePaymentStatus": "Paid"
    });
    body["content"]["booking"]["quickNote"] = json!("Bring\nsamples");
    body["content"]["booking"]["items"] = json!([
        {"serviceName": "Cut", "price": {"amount": "45.00"}, "surveyAnswers": [{"question": "Hair length?", "answer": "Long"}]},
        {"serviceName": "Wash", "surveyAnswers": {"Allergies": "none"}}
    ]);
    body["content"]["clientLinks"] =
        json!([{"moduleId": 12, "externalId": "crm-77", "metadata": {"tier": "gold"}}]);
    let e = event(&body);
    let m = sms(
        &r,
        &e,
        &notification(Kind::Confirmation, "eng", Channel::Sms),
    );
    assert_eq!(
        m.text,
        "$45.00|$20.00|$20.00|Paid|Bring samples|Hair length?: Long;Allergies: none|12=crm-77/tier: gold"
    );
    // Absent, they are empty: a template may test them.
    let dir = tempdir("rest-model-absent");
    std::fs::create_dir_all(dir.join("eng")).unwrap();
    std::fs::write(
        dir.join("eng/confirmation.sms.txt"),
        "{% block full %}[{% if payment %}p{% endif %}{% if quick_note %}q{% endif %}{{ survey_answers|length }}{{ client_links|length }}]{% endblock %}{% block short %}-{% endblock %}",
    )
    .unwrap();
    let r = Renderer::new(&RenderConfig {
        templates_dir: Some(dir),
        ..RenderConfig::default()
    })
    .unwrap();
    let e = event(&minimal_body());
    let m = sms(
        &r,
        &e,
        &notification(Kind::Confirmation, "eng", Channel::Sms),
    );
    assert_eq!(m.text, "[00]");
}
