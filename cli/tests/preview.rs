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
    let _ = std::fs::remove_dir_all(&dir);
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
