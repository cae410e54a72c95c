//! Why a message could not be rendered, or the renderer not built.

/// Why a message could not be rendered, or the renderer not built.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template {name}: {message}")]
    Template { name: String, message: String },
    #[error("no template {0}")]
    MissingTemplate(String),
    #[error("template {0}: the subject is empty")]
    EmptySubject(String),
    #[error("labels {name}: {message}")]
    Labels { name: String, message: String },
    #[error("templates folder {path}: {source}")]
    TemplatesDir {
        path: String,
        source: std::io::Error,
    },
    /// Files of `templates_dir` that replace no built-in template, one per line.
    #[error(
        "templates folder {path}: files that would never be used (rename or remove them):\n  {problems}"
    )]
    UnusedTemplates { path: String, problems: String },
    #[error("cannot build the MIME message: {0}")]
    Mime(String),
    /// A configured flow whose template exists in no language.
    #[error(
        "{key}: no template {name} (built in: pre_visit, starting_soon, thank_you, review_request; others go in templates_dir)"
    )]
    FlowTemplate { key: String, name: String },
    /// A kind `[whatsapp] kinds` lists whose WhatsApp template exists in no language.
    #[error(
        "whatsapp.kinds: no template {name} (built in for every client kind and built-in flow; others go in templates_dir)"
    )]
    WhatsAppTemplate { name: String },
}

impl RenderError {
    pub(crate) fn template(name: &str, e: &minijinja::Error) -> Self {
        let mut message = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(inner) = source {
            message.push_str(&format!(": {inner}"));
            source = inner.source();
        }
        Self::Template {
            name: name.to_owned(),
            message,
        }
    }
}
