//! The built-in templates compiled to Rust (`generated.rs`, written by
//! `scripts/compile-templates.py` from `shared/templates`), and what the compiled code
//! calls.
//!
//! minijinja stays the reference: the renderer uses the compiled code only for built-in
//! templates that no `templates_dir` file replaces, and only when the embedded sources
//! are the ones compiled ([`is_current`]); and whenever the compiled code meets what it
//! does not handle (an undefined value, a missing label, an attribute of nothing, `~`
//! or `replace` with a text marked safe), it answers [`Fallback`] and minijinja renders
//! the message, with the same output or the same error. Tests render every message of
//! the preview galleries, of the sample events (all languages, all kinds of place) and
//! of the test bodies both ways and compare the bytes (`shared/tests/render/compiled.rs`).
//!
//! Values follow minijinja's rules as the templates use them: `none` prints nothing,
//! an empty text or list is false, text is HTML-escaped in HTML unless marked safe, a
//! captured block (`{% set x %}…{% endset %}`) is safe in HTML.

#[rustfmt::skip]
mod generated;
mod runtime;

use std::sync::OnceLock;

use super::context::Context;
use runtime::Cx;
pub(super) use runtime::{Fallback, Kind, Labels};

/// A kind's email: its HTML and text bodies and its subject (from the text rendering,
/// as the renderer takes it).
pub(super) struct EmailParts {
    pub html: String,
    pub text: String,
    pub subject: String,
}

/// The compiled email template of `lang`/`kind`, if there is one.
pub(super) fn email_template(lang: &str, kind: &str) -> Option<&'static Kind> {
    generated::email(lang, kind)
}

/// The compiled SMS template of `lang`/`kind`, if there is one.
pub(super) fn sms_template(lang: &str, kind: &str) -> Option<&'static Kind> {
    generated::sms(lang, kind)
}

/// Writes an email with a compiled kind template.
pub(super) fn email(
    kind: &Kind,
    c: &Context,
    t: &Labels,
    calendar: Option<&'static str>,
) -> Result<EmailParts, Fallback> {
    let html_cx = Cx {
        c,
        t,
        html: true,
        format: "html",
        calendar,
    };
    let mut html = String::with_capacity(16 * 1024);
    generated::LAYOUT_HTML(&html_cx, &mut html, kind)?;
    let text_cx = Cx {
        html: false,
        format: "text",
        ..html_cx
    };
    let mut text = String::with_capacity(2 * 1024);
    generated::LAYOUT_TEXT(&text_cx, &mut text, kind)?;
    let mut subject = String::new();
    (kind.subject.ok_or(Fallback)?)(&text_cx, &mut subject)?;
    Ok(EmailParts {
        html,
        text,
        subject,
    })
}

/// Writes one block (`full`, `short`) of a compiled SMS template.
pub(super) fn sms_block(
    kind: &Kind,
    block: &str,
    c: &Context,
    t: &Labels,
) -> Result<String, Fallback> {
    let f = match block {
        "full" => kind.full,
        "short" => kind.short,
        _ => None,
    }
    .ok_or(Fallback)?;
    let cx = Cx {
        c,
        t,
        html: false,
        format: "sms",
        calendar: None,
    };
    let mut out = String::new();
    f(&cx, &mut out)?;
    Ok(out)
}

/// Whether the embedded templates are those `generated.rs` was compiled from (checked
/// once per process: a template edited without compiling again is rendered by
/// minijinja, as it is written).
pub(super) fn is_current() -> bool {
    static CURRENT: OnceLock<bool> = OnceLock::new();
    *CURRENT.get_or_init(|| embedded_hash() == Some(generated::SOURCE_HASH))
}

/// [`source_hash`] of the embedded sources of the compiled templates (none when one is
/// missing).
fn embedded_hash() -> Option<u64> {
    let mut h = 0;
    for name in generated::SOURCES {
        let (_, source) = super::templates::EMBEDDED
            .iter()
            .find(|(embedded, _)| embedded == name)?;
        h = source_hash(h, name.as_bytes());
        h = source_hash(h, source.as_bytes());
    }
    Some(h)
}

/// FxHash's step over `data` eight bytes at a time (little-endian, the last word padded
/// with zeros), then its length: what the generator computes.
fn source_hash(mut h: u64, data: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let step = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(K);
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = step(h, u64::from_le_bytes(w));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = step(h, u64::from_le_bytes(w));
    }
    step(h, data.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_templates_are_those_embedded() {
        assert_eq!(
            embedded_hash(),
            Some(generated::SOURCE_HASH),
            "a built-in template changed: run `python3 scripts/compile-templates.py`"
        );
        assert!(is_current());
    }

    #[test]
    fn the_hash_reads_every_byte() {
        let a = source_hash(0, b"abcdefghi");
        assert_ne!(a, source_hash(0, b"abcdefghj"));
        assert_ne!(a, source_hash(0, b"abcdefghi\0"));
        assert_ne!(source_hash(0, b"a"), source_hash(0, b"b"));
    }
}
