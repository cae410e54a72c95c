//! `booxi-notify preview --out DIR`: the gallery a merchant opens before deploying.

use std::path::PathBuf;
use std::process::Command;

fn preview(dir: &std::path::Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_booxi-notify"))
        .env_remove("BOOXI_CONFIG")
        .env_remove("BOOXI_BRAND_STORE_NAME")
        .env_remove("BOOXI_BRAND_ACCENT_COLOR")
        .arg("preview")
        .arg("--out")
        .arg(dir)
        .args(extra)
        .output()
        .expect("booxi-notify runs")
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("booxi-preview-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn the_gallery_shows_every_kind_in_every_language_with_its_sms() {
    let dir = tempdir("all");
    let out = preview(&dir, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let index_path = dir.join("index.html");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        index_path.display().to_string()
    );
    let index = std::fs::read_to_string(&index_path).unwrap();
    let client = [
        "confirmation",
        "request_received",
        "awaiting_client_confirmation",
        "changed",
        "canceled_by_store",
        "canceled_by_client",
        "no_show",
        "completed",
        "reminder",
        "recall",
        "reservation_completed",
    ];
    let staff = [
        "staff_new_booking",
        "staff_needs_dispatch",
        "staff_flexible_dates",
        "staff_approved",
        "staff_changed",
        "staff_canceled",
    ];
    let flows = ["pre_visit", "starting_soon", "thank_you", "review_request"];
    let mut emails = 0;
    for (kinds, langs) in [
        (&client[..], &["eng", "fre", "spa", "por", "nld", "deu"][..]),
        (&staff[..], &["eng", "fre"][..]),
        (&flows[..], &["eng", "fre", "spa", "por", "nld", "deu"][..]),
    ] {
        for kind in kinds {
            for lang in langs {
                let file = format!("{lang}-{kind}.html");
                let html = std::fs::read_to_string(dir.join(&file)).unwrap();
                assert!(html.starts_with("<!DOCTYPE html>"), "{file}");
                // At phone and desktop width.
                assert!(
                    index.contains(&format!("src=\"{file}\" width=\"375\"")),
                    "{file}"
                );
                assert!(
                    index.contains(&format!("src=\"{file}\" width=\"600\"")),
                    "{file}"
                );
                emails += 1;
            }
        }
    }
    assert_eq!(emails, 102);
    // Each client kind's and flow's SMS, with its segment count.
    assert_eq!(index.matches("class=\"sms\"").count(), 90);
    assert!(
        index.contains("SMS: 1 segment(s), Gsm7"),
        "segment counts shown"
    );
    assert!(
        index.contains("Reply STOP to opt out."),
        "the recall's SMS opt-out"
    );
    // And its WhatsApp message, as a phone shows it: the bubble, the button, the template.
    assert_eq!(index.matches("class=\"chat\"").count(), 90);
    assert!(
        index.contains("Hello Jane,\nYour appointment at Acme Optics is confirmed."),
        "the English confirmation's bubble"
    );
    assert!(index.contains("&#x2197;&#xFE0E; View my appointment</a>"));
    assert!(index.contains("WhatsApp: template booxi_confirmation (en), 5 parameter(s)"));
    assert!(index.contains("WhatsApp: template booxi_completed (pt_BR), 1 parameter(s)"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `booxi-notify whatsapp-templates --out DIR`: each template in each language, in Meta's
/// form, ready for `aws socialmessaging create-whatsapp-message-template`.
#[test]
fn whatsapp_templates_are_written_in_meta_s_form() {
    let dir = tempdir("whatsapp");
    let run = |extra: &[&str], env: &[(&str, &str)]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_booxi-notify"));
        command
            .env_remove("BOOXI_CONFIG")
            .env_remove("BOOXI_WHATSAPP_PHONE_NUMBER_ID")
            .env_remove("BOOXI_WHATSAPP_KINDS")
            .args(["whatsapp-templates", "--out"])
            .arg(&dir)
            .args(extra);
        for (k, v) in env {
            command.env(k, v);
        }
        command.output().expect("booxi-notify runs")
    };
    // Without [whatsapp]: every client kind and built-in flow, each language.
    let out = run(&[], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    // 15 kinds, 10 of which also have their `_nolink` twin, in 6 languages.
    assert_eq!(files.len(), 25 * 6, "{files:?}");
    let read = |language: &str, name: &str| -> serde_json::Value {
        let path = dir.join(language).join(format!("{name}.json"));
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    };
    let confirmation = read("en", "booxi_confirmation");
    assert_eq!(confirmation["name"], "booxi_confirmation");
    assert_eq!(confirmation["language"], "en");
    assert_eq!(confirmation["category"], "UTILITY");
    let body = &confirmation["components"][0];
    assert_eq!(body["type"], "BODY");
    assert_eq!(
        body["text"],
        "Hello {{1}},\nYour appointment at {{5}} is confirmed.\n\nDate: {{2}}\nTime: {{3}}\n\
         Service: {{4}}\n\nWe look forward to seeing you.\n\nTap the button below for the details."
    );
    assert_eq!(
        body["example"]["body_text"][0],
        serde_json::json!([
            "Jane",
            "Thursday, December 3, 2026",
            "10:00 AM",
            "Eye exam",
            "Acme Optics"
        ])
    );
    assert_eq!(
        confirmation["components"][1],
        serde_json::json!({"type": "BUTTONS", "buttons": [{"type": "URL",
            "text": "View my appointment", "url": "https://book.booxi.com/{{1}}",
            "example": ["tracking/8c1f2a9e4b7d4f0e?lang=eng"]}]})
    );
    let nolink = read("pt_BR", "booxi_confirmation_nolink");
    assert_eq!(nolink["components"].as_array().unwrap().len(), 1);
    assert_eq!(read("es", "booxi_recall")["category"], "MARKETING");
    // With [whatsapp]: its kinds only, its languages and prefix.
    let _ = std::fs::remove_dir_all(&dir);
    let out = run(
        &[],
        &[
            ("BOOXI_WHATSAPP_PHONE_NUMBER_ID", "phone-number-id-0a1b"),
            ("BOOXI_WHATSAPP_KINDS", "reminder"),
            ("BOOXI_WHATSAPP_LANGUAGES", "spa=es_MX"),
            ("BOOXI_WHATSAPP_TEMPLATE_PREFIX", "acme_"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 12);
    assert_eq!(read("es_MX", "acme_reminder")["language"], "es_MX");
    // Submitting needs the AWS SDK: said so, nothing written.
    let _ = std::fs::remove_dir_all(&dir);
    let out = run(&["--submit", "waba-0123"], &[]);
    if !cfg!(feature = "aws") {
        assert_eq!(out.status.code(), Some(2));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--features aws"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!dir.exists());
    }
}

#[test]
fn the_gallery_uses_the_configuration_brand() {
    let dir = tempdir("brand");
    let out = Command::new(env!("CARGO_BIN_EXE_booxi-notify"))
        .env_remove("BOOXI_CONFIG")
        .env("BOOXI_BRAND_STORE_NAME", "Lunettes Soleil")
        .env("BOOXI_BRAND_ACCENT_COLOR", "#0f766e")
        .args(["preview", "--long", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(dir.join("fre-confirmation.html")).unwrap();
    assert!(html.contains("Lunettes Soleil"));
    assert!(html.contains("#0f766e"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_configuration_writes_nothing() {
    let dir = tempdir("bad");
    let out = Command::new(env!("CARGO_BIN_EXE_booxi-notify"))
        .env_remove("BOOXI_CONFIG")
        .env("BOOXI_BRAND_ACCENT_COLOR", "red")
        .args(["preview", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("BOOXI_BRAND_ACCENT_COLOR"));
    assert!(!dir.exists());
}
