//! `booxi-notify whatsapp-templates`: the WhatsApp templates in the form Meta's template
//! API takes (`CreateWhatsAppMessageTemplate`'s `templateDefinition`, WhatsApp Manager's
//! JSON), one file per template and language, `DIR/<Meta's language>/<name>.json`; with
//! `--submit WABA_ID` (cargo feature `aws`), each also submitted to Meta through End User
//! Messaging Social. A WhatsApp message can only name an approved template.

use std::path::{Path, PathBuf};

use crate::{Fatal, Outcome, emit, load_config, setup};
use booxi_notify::domain::notification::Kind;
use booxi_notify::render::preview::whatsapp_definitions;
use booxi_notify::render::whatsapp::Definition;
use booxi_notify::render::{RenderConfig, Renderer};

/// Writes (and, with `submit`, submits) the templates of `[whatsapp] kinds` (every client
/// kind and built-in flow without `[whatsapp]`, or with `all`).
pub fn templates(
    config: Option<PathBuf>,
    out: &Path,
    all: bool,
    submit: Option<String>,
) -> Outcome {
    if submit.is_some() && !cfg!(feature = "aws") {
        return submit_all("", &[]);
    }
    let config = setup(load_config(config))?;
    let renderer = setup(Renderer::new(&RenderConfig::from(&config)))?;
    let kinds: Option<Vec<Kind>> = match (&config.whatsapp, all) {
        (Some(whatsapp), false) => Some(whatsapp.kinds.iter().copied().collect()),
        _ => None,
    };
    let definitions = whatsapp_definitions(&renderer, kinds.as_deref()).map_err(|e| Fatal(e, 1))?;
    for d in &definitions {
        let dir = out.join(&d.language);
        std::fs::create_dir_all(&dir)
            .map_err(|e| Fatal(format!("{}: cannot create: {e}", dir.display()), 1))?;
        let path = dir.join(format!("{}.json", d.name));
        let text = serde_json::to_string_pretty(&d.to_meta())
            .map_err(|e| Fatal(format!("cannot write a template: {e}"), 1))?;
        std::fs::write(&path, format!("{text}\n"))
            .map_err(|e| Fatal(format!("{}: cannot write: {e}", path.display()), 1))?;
        if !emit(&path.display().to_string()) {
            return Ok(true);
        }
    }
    eprintln!(
        "{} template(s) in {} ({} name(s), each in its languages)",
        definitions.len(),
        out.display(),
        {
            let mut names: Vec<&str> = definitions.iter().map(|d| d.name.as_str()).collect();
            names.sort_unstable();
            names.dedup();
            names.len()
        }
    );
    match submit {
        None => Ok(true),
        Some(waba) => submit_all(&waba, &definitions),
    }
}

#[cfg(not(feature = "aws"))]
fn submit_all(_waba: &str, _definitions: &[Definition]) -> Outcome {
    Err(Fatal(
        "whatsapp-templates --submit: this build has no AWS SDK; build the command with \
         `cargo install --locked --path cli --features aws` (or submit each file with \
         `aws socialmessaging create-whatsapp-message-template --id WABA_ID \
         --template-definition fileb://FILE`)"
            .to_owned(),
        2,
    ))
}

/// `CreateWhatsAppMessageTemplate` for each template, in order; one JSON line each
/// (`name`, `language`, and Meta's `meta_template_id` and `status`, or the `error`).
/// A template Meta already has (the same name in the same language) is an error of its
/// own and leaves the others.
#[cfg(feature = "aws")]
fn submit_all(waba: &str, definitions: &[Definition]) -> Outcome {
    use aws_sdk_socialmessaging::error::ProvideErrorMetadata;
    use aws_sdk_socialmessaging::primitives::Blob;
    use serde_json::json;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Fatal(e.to_string(), 1))?;
    runtime.block_on(async {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .load()
            .await;
        let client = aws_sdk_socialmessaging::Client::new(&config);
        let mut all_ok = true;
        for d in definitions {
            let body = serde_json::to_vec(&d.to_meta())
                .map_err(|e| Fatal(format!("cannot write a template: {e}"), 1))?;
            let line = match client
                .create_whats_app_message_template()
                .id(waba)
                .template_definition(Blob::new(body))
                .send()
                .await
            {
                Ok(out) => json!({
                    "name": d.name, "language": d.language,
                    "meta_template_id": out.meta_template_id(),
                    "status": out.template_status(),
                }),
                Err(e) => {
                    all_ok = false;
                    let code = e.code().unwrap_or("error");
                    let message = e.message().unwrap_or_default();
                    json!({"name": d.name, "language": d.language,
                           "error": format!("{code}: {message}")})
                }
            };
            if !emit(&line.to_string()) {
                break;
            }
        }
        Ok(all_ok)
    })
}
