//! Rendering: a planned [`Notification`] becomes an email (subject, HTML, plain text,
//! calendar invite) or an SMS text, from MiniJinja templates.
//!
//! Templates live in `shared/templates/` and are compiled into the binary; a folder
//! named by the configuration (`templates_dir`) can replace any of them, file by file.
//! Each kind has, per language, one email template (`eng/confirmation.email.html`) that
//! gives the subject, heading and wording and is rendered twice, as HTML (escaped) and as
//! plain text, through `layout.html` and `layout.txt`; and, for client kinds, one SMS
//! template (`eng/confirmation.sms.txt`) with a `full` and a `short` form. Words shared
//! by every message (labels, greeting, button texts) are in `<lang>/labels.toml`.
//!
//! [`Renderer::render`] is pure: no I/O, no clock. The override folder is read once, by
//! [`Renderer::new`].

mod compiled;
mod context;
pub mod datetime;
pub mod error;
pub mod extras;
pub mod ics;
mod mime;
pub mod money;
mod overrides;
pub mod preview;
mod qp;
mod scope;
pub mod sms;
mod templates;
pub mod text;
mod values;
pub mod whatsapp;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};

use crate::domain::booxi::{Obj, spelling as s};
use crate::domain::config::{Brand, Config};
use crate::domain::contact::{EmailAddress, Language};
use crate::domain::event::Event;
use crate::domain::notification::{Address, Audience, Channel, Kind, Notification};

pub use context::Context;
pub use error::RenderError;
pub use ics::{Ics, Method};
pub use mime::{Envelope, message_id};
pub use scope::EventScope;
pub use sms::{Encoding, Segments, count_segments};
pub use text::{clean, is_no_break, plain_spaces, web_link};
use text::{paragraph_texts, write_escaped_html};

/// What rendering needs from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderConfig {
    pub brand: Brand,
    pub templates_dir: Option<PathBuf>,
    pub default_time_zone: TimeZone,
    /// The store's country when the payload names none: prices take its currency.
    pub default_country: crate::domain::contact::Country,
    /// The configured `[[flows]]`: their templates (custom names included) are checked
    /// at start, and a custom name's files in `templates_dir` are allowed.
    pub flows: Vec<crate::domain::flows::Flow>,
    /// `[sms]`: who each SMS comes from, and its maximum price.
    pub sms: crate::domain::sms::SmsRules,
    /// `[whatsapp]`, when configured: its kinds' templates are checked at start. Without
    /// it WhatsApp messages still render (the preview) with the default template names.
    pub whatsapp: Option<crate::domain::config::WhatsApp>,
}

impl From<&Config> for RenderConfig {
    fn from(c: &Config) -> Self {
        Self {
            brand: c.brand.clone(),
            templates_dir: c.templates_dir.clone(),
            default_time_zone: c.default_time_zone.clone(),
            default_country: c.default_country,
            flows: c.flows.clone(),
            sms: c.sms.clone(),
            whatsapp: c.whatsapp.clone(),
        }
    }
}

impl Default for RenderConfig {
    fn default() -> Self {
        Self::from(&Config::default())
    }
}

/// See [`Renderer::compiled_stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CompiledStats {
    pub written: u64,
    pub fell_back: u64,
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Email(Email),
    Sms(Sms),
    WhatsApp(whatsapp::WhatsAppMessage),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// One line: no CR or LF.
    pub subject: String,
    pub html: String,
    pub text: String,
    /// The calendar invite (`confirmation`, `changed`) or its cancellation.
    pub ics: Option<Ics>,
    /// The sender's display name (the brand or store name), one line.
    pub from_name: String,
    /// The brand's reply-to, else (unless `brand.reply_to_store` is off) the store's
    /// own address.
    pub reply_to: Option<EmailAddress>,
    /// The language the message is written in.
    pub language: Language,
    /// Promotional messages: the `List-Unsubscribe` target (an https page, which also
    /// gets one-click `List-Unsubscribe-Post`, or a `mailto:`).
    pub list_unsubscribe: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sms {
    pub text: String,
    pub segments: Segments,
    /// Which form of the template was sent.
    pub form: SmsForm,
    /// Store, brand, service or staff names were shortened (with `…`) to fit.
    pub names_shortened: bool,
    /// Even with names shortened the text took more than three segments: sent without
    /// its link rather than with a cut one.
    pub link_dropped: bool,
}

impl Sms {
    /// What was given up to fit, for logs and reports; none when the text is whole.
    pub fn note(&self) -> Option<&'static str> {
        match (self.link_dropped, self.names_shortened) {
            (true, _) => Some(
                "link dropped: the text did not fit three SMS segments even with names shortened",
            ),
            (false, true) => Some("names shortened to fit the SMS"),
            (false, false) => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsForm {
    /// The template's `full` block, as written.
    Full,
    /// `full`, with the characters of names that are outside the GSM alphabet replaced
    /// (`—` → `-`, emoji dropped), the template's own words as written.
    FullGsmNames,
    /// `full`, accents outside the GSM alphabet folded (`ê` → `e`) to fit fewer segments.
    FullFolded,
    /// The template's `short` block.
    Short,
    ShortGsmNames,
    ShortFolded,
    /// Even without its link the short form took more than three segments: cut to
    /// three (never inside a link).
    Truncated,
}

/// What an invite's SEQUENCE may take from outside the event (see [`ics::sequence`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sequencing {
    /// When the message is composed: the time of an event that gives none (`createdOn`
    /// absent), so that of a booking's events processed in order a later one never
    /// carries a lower SEQUENCE.
    pub received: Option<Timestamp>,
    /// The highest SEQUENCE a core remembers sending for the booking: a floor.
    pub last_sent: Option<i64>,
}

/// Templates compiled once each, on first use; renders any number of messages.
#[derive(Debug)]
pub struct Renderer {
    env: Environment<'static>,
    labels: BTreeMap<String, Labels>,
    brand: Brand,
    default_time_zone: TimeZone,
    default_country: crate::domain::contact::Country,
    sms: crate::domain::sms::SmsRules,
    /// The `[whatsapp]` settings (their defaults when WhatsApp is off: the preview).
    whatsapp: crate::domain::config::WhatsApp,
    /// `.whatsapp.txt` files and `whatsapp.toml` of `templates_dir`, by name.
    whatsapp_overrides: BTreeMap<String, String>,
    /// `whatsapp.toml` with the override's kinds over it, read on first use.
    whatsapp_manifest: OnceLock<BTreeMap<String, whatsapp::Manifest>>,
    flows: Vec<crate::domain::flows::Flow>,
    /// This renderer among those of the process ([`EventScope`] keeps what each makes
    /// apart): an address could be a dropped renderer's.
    id: u64,
    /// The templates `templates_dir` replaces (`layout.html`, `eng/confirmation.sms.txt`…):
    /// a message that would read one is rendered by minijinja, not the compiled code.
    replaced: std::collections::BTreeSet<String>,
    /// Built-in templates written by their compiled code (`compiled`); off: minijinja
    /// writes every message ([`Renderer::minijinja_only`]).
    use_compiled: bool,
    /// What the compiled code wrote and handed back ([`Renderer::compiled_stats`]).
    written: std::sync::atomic::AtomicU64,
    fallbacks: std::sync::atomic::AtomicU64,
}

/// The next [`Renderer::id`].
static NEXT_RENDERER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The name of the WhatsApp templates' manifest.
const WHATSAPP_MANIFEST: &str = "whatsapp.toml";

/// Every configured flow has a template, in some language, for each of its message
/// channels: a custom flow name without its files is refused at start, with the key named.
fn check_flow_templates(
    env: &Environment<'static>,
    flows: &[crate::domain::flows::Flow],
) -> Result<(), RenderError> {
    for (i, flow) in flows.iter().enumerate() {
        // A flow's event (the `event` channel) renders nothing.
        for channel in flow.channels.iter().filter_map(|c| c.message()) {
            let file = match channel {
                Channel::Email => "email.html",
                Channel::Sms => "sms.txt",
                // Not a flow channel (`[whatsapp] kinds` names flows): checked apart.
                Channel::Whatsapp => continue,
            };
            let found = crate::domain::contact::LANGUAGES.iter().any(|l| {
                env.get_template(&format!("{l}/{}.{file}", flow.name))
                    .is_ok()
            });
            if !found {
                return Err(RenderError::FlowTemplate {
                    key: format!("flows[{i}].name"),
                    name: format!("<language>/{}.{file}", flow.name),
                });
            }
        }
    }
    Ok(())
}

/// A language's labels, parsed the first time a message in that language is rendered (the
/// built-in ones with those of a replacement file, already checked, on top).
#[derive(Debug)]
struct Labels {
    name: &'static str,
    source: &'static str,
    over: Option<String>,
    parsed: OnceLock<ParsedLabels>,
}

/// A language's labels as Rust reads them and as templates see them (`t`), built once
/// per process and shared by every message in that language.
#[derive(Debug)]
struct ParsedLabels {
    table: BTreeMap<String, String>,
    value: Value,
    /// The table found by hash, as the compiled templates read it.
    hashed: rustc_hash::FxHashMap<String, String>,
}

impl ParsedLabels {
    fn new(table: BTreeMap<String, String>) -> Self {
        Self {
            value: values::Labels::value(&table),
            hashed: table.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            table,
        }
    }
}

/// The labels of a language without a `labels.toml` (none of the built-in ones).
static NO_LABELS: OnceLock<ParsedLabels> = OnceLock::new();

impl Labels {
    fn parsed(&self) -> &ParsedLabels {
        self.parsed.get_or_init(|| {
            // The built-in files parse (a unit test checks them), the replacement was
            // checked in `Renderer::new`: no error is left to report here.
            let mut table = parse_labels(self.name, self.source).unwrap_or_default();
            if let Some(over) = &self.over {
                table.extend(parse_labels(self.name, over).unwrap_or_default());
            }
            ParsedLabels::new(table)
        })
    }
}

/// Suffix of the name under which an email template is registered a second time, to
/// render it without HTML escaping as the plain-text body.
const TEXT_SUFFIX: &str = " (text)";

impl Renderer {
    /// The built-in templates, replaced file by file by those of `config.templates_dir`
    /// (read here, once). The replacements are compiled now, so that one that does not
    /// compile is an error now, not at send time; the built-in ones on first use (a test
    /// compiles them all), so that a cold start compiles only what its first event needs.
    pub fn new(config: &RenderConfig) -> Result<Self, RenderError> {
        let mut sources: BTreeMap<String, String> = BTreeMap::new();
        let mut label_overrides = BTreeMap::new();
        let mut whatsapp_overrides = BTreeMap::new();
        if let Some(dir) = &config.templates_dir {
            let files = read_override_dir(dir)?;
            let flow_names: Vec<&str> = config.flows.iter().map(|f| f.name.as_str()).collect();
            overrides::check(
                dir,
                files.iter().map(|(name, _)| name.as_str()),
                &flow_names,
            )?;
            for (name, source) in files {
                if name.ends_with("labels.toml") {
                    label_overrides.insert(name, source);
                } else if name.ends_with(".whatsapp.txt") || name == WHATSAPP_MANIFEST {
                    whatsapp_overrides.insert(name, source);
                } else {
                    sources.insert(name, source);
                }
            }
        }

        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        let syntax = minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .map_err(|e| RenderError::template("(syntax)", &e))?;
        env.set_syntax(syntax);
        env.add_filter("paragraphs", paragraphs);
        env.set_formatter(format_value);

        let mut labels = BTreeMap::new();
        for (name, source) in templates::EMBEDDED {
            if let Some(lang) = name.strip_suffix("/labels.toml") {
                let over = label_overrides.remove(*name);
                if let Some(over) = &over {
                    parse_labels(name, over)?; // a broken replacement is refused now
                }
                labels.insert(
                    lang.to_owned(),
                    Labels {
                        name,
                        source,
                        over,
                        parsed: OnceLock::new(),
                    },
                );
            }
        }
        // A built-in template is compiled the first time it is asked for (and kept by the
        // environment); a replacement, registered below, is found before it.
        env.set_loader(|name: &str| {
            let file = name.strip_suffix(TEXT_SUFFIX).unwrap_or(name);
            Ok(templates::EMBEDDED
                .iter()
                .find(|(embedded, _)| *embedded == file && !file.ends_with(".toml"))
                .map(|(_, source)| *source))
        });
        let replaced = sources.keys().cloned().collect();
        for (name, source) in sources {
            if name.ends_with(".email.html") {
                env.add_template_owned(format!("{name}{TEXT_SUFFIX}"), source.clone())
                    .map_err(|e| RenderError::template(&name, &e))?;
            }
            env.add_template_owned(name.clone(), source)
                .map_err(|e| RenderError::template(&name, &e))?;
        }
        check_flow_templates(&env, &config.flows)?;
        let renderer = Self {
            env,
            labels,
            brand: config.brand.clone(),
            default_time_zone: config.default_time_zone.clone(),
            default_country: config.default_country,
            sms: config.sms.clone(),
            whatsapp: config
                .whatsapp
                .clone()
                .unwrap_or_else(|| crate::domain::config::WhatsApp::new("phone-number-id-preview")),
            whatsapp_overrides,
            whatsapp_manifest: OnceLock::new(),
            flows: config.flows.clone(),
            id: NEXT_RENDERER.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            replaced,
            use_compiled: true,
            written: std::sync::atomic::AtomicU64::new(0),
            fallbacks: std::sync::atomic::AtomicU64::new(0),
        };
        renderer.check_whatsapp(config.whatsapp.is_some())?;
        Ok(renderer)
    }

    /// The WhatsApp templates this renderer would send, checked now rather than at send
    /// time: a replacement's body and manifest read as Meta's rules allow, and (when
    /// `[whatsapp]` is on) every kind it lists has its template in some language.
    fn check_whatsapp(&self, configured: bool) -> Result<(), RenderError> {
        for (name, source) in &self.whatsapp_overrides {
            let read = if name == WHATSAPP_MANIFEST {
                whatsapp::parse_manifest(source).map(|_| ())
            } else {
                whatsapp::parse_body(source).map(|_| ())
            };
            read.map_err(|message| RenderError::Template {
                name: name.clone(),
                message,
            })?;
        }
        if !configured {
            return Ok(());
        }
        for kind in &self.whatsapp.kinds {
            let found = crate::domain::contact::LANGUAGES
                .iter()
                .any(|l| self.whatsapp_source(l, kind.name()).is_some());
            if !found {
                return Err(RenderError::WhatsAppTemplate {
                    name: format!("<language>/{}.whatsapp.txt", kind.name()),
                });
            }
        }
        Ok(())
    }

    /// Meta's code of one of our languages (`eng` → `en`), as `[whatsapp] languages` says.
    pub fn whatsapp_language_code(&self, language: &str) -> Option<&str> {
        self.whatsapp.language_code(language)
    }

    /// The body of `kind`'s WhatsApp template in `language` (`eng`): the replacement's,
    /// else the built-in one.
    fn whatsapp_source(&self, language: &str, kind: &str) -> Option<&str> {
        let name = format!("{language}/{kind}.whatsapp.txt");
        self.whatsapp_overrides
            .get(&name)
            .map(String::as_str)
            .or_else(|| {
                templates::EMBEDDED
                    .iter()
                    .find(|(embedded, _)| *embedded == name)
                    .map(|(_, source)| *source)
            })
    }

    /// What `whatsapp.toml` says of `kind`; a kind it does not list (a flow of the
    /// merchant's own) is UTILITY, with the tracking-page button before the visit.
    fn whatsapp_manifest(&self, kind: Kind) -> whatsapp::Manifest {
        let manifest = self.whatsapp_manifest.get_or_init(|| {
            let builtin = templates::EMBEDDED
                .iter()
                .find(|(name, _)| *name == WHATSAPP_MANIFEST)
                .map(|(_, source)| *source)
                .unwrap_or("");
            // The built-in file reads (a unit test), a replacement was checked in `new`.
            let mut manifest = whatsapp::parse_manifest(builtin).unwrap_or_default();
            if let Some(over) = self.whatsapp_overrides.get(WHATSAPP_MANIFEST) {
                manifest.extend(whatsapp::parse_manifest(over).unwrap_or_default());
            }
            manifest
        });
        manifest
            .get(kind.name())
            .copied()
            .unwrap_or_else(|| whatsapp::Manifest {
                category: whatsapp::Category::Utility,
                button: match kind.flow() {
                    Some(name)
                        if self.flows.iter().any(|f| {
                            f.name == name
                                && matches!(f.timing, crate::domain::flows::Timing::BeforeStart(_))
                        }) =>
                    {
                        whatsapp::Button::View
                    }
                    _ => whatsapp::Button::None,
                },
            })
    }

    /// The WhatsApp template message of a planned WhatsApp message: its template (the
    /// `_nolink` one when the message has no tracking-page link under `[whatsapp]
    /// link_base`), the language it is written in (the message's when a template exists
    /// in it and `[whatsapp] languages` names it, else the merchant's default language,
    /// else English), its parameters cleaned and capped.
    pub fn whatsapp(
        &self,
        event: &Event,
        n: &Notification,
    ) -> Result<whatsapp::WhatsAppMessage, RenderError> {
        self.whatsapp_template(event, n).map(|(_, message)| message)
    }

    /// The template a WhatsApp message uses, as Meta's template API takes it (its values
    /// as the examples), and the message.
    pub fn whatsapp_template(
        &self,
        event: &Event,
        n: &Notification,
    ) -> Result<(whatsapp::Definition, whatsapp::WhatsAppMessage), RenderError> {
        use whatsapp::Button;
        let settings = &self.whatsapp;
        let kind = n.kind.name();
        let usable = |l: &Language| {
            settings.language_code(l.code()).is_some()
                && self.whatsapp_source(l.code(), kind).is_some()
        };
        let language = first_language(event, n, usable).ok_or_else(|| {
            RenderError::MissingTemplate(format!("{}/{kind}.whatsapp.txt", n.language))
        })?;
        let file = format!("{}/{kind}.whatsapp.txt", language.code());
        let source = self
            .whatsapp_source(language.code(), kind)
            .ok_or_else(|| RenderError::MissingTemplate(file.clone()))?;
        let meta_language = settings
            .language_code(language.code())
            .unwrap_or_default()
            .to_owned();
        let labels = match self.labels.get(language.code()) {
            Some(labels) => labels.parsed(),
            None => NO_LABELS.get_or_init(|| ParsedLabels::new(BTreeMap::new())),
        };
        let label = |key: &str| labels.table.get(key).cloned().unwrap_or_default();
        let inputs = context::Inputs {
            brand: &self.brand,
            default_time_zone: &self.default_time_zone,
            language: &language,
            labels: &labels.table,
            default_country: self.default_country,
        };
        let ctx = Context::new(event, n, &inputs);
        let manifest = self.whatsapp_manifest(n.kind);
        let tracking = |pick: fn(&context::LinksView) -> Option<String>| {
            ctx.links
                .as_ref()
                .and_then(pick)
                .and_then(|l| url::Url::parse(&l).ok())
                .and_then(|link| {
                    whatsapp::url_suffix(&link, &settings.link_base)
                        .map(|suffix| (link.to_string(), suffix))
                })
        };
        let prefix = &settings.template_prefix;
        let dynamic_url = format!("{}{{{{1}}}}", settings.link_base);
        let (name, body_source, button) = match manifest.button {
            Button::None => (format!("{prefix}{kind}"), source.to_owned(), None),
            Button::Review => match &self.brand.review_url {
                Some(url) => (
                    format!("{prefix}{kind}"),
                    whatsapp::with_hint(source, &label("whatsapp_hint_review")),
                    Some((label("action_review"), url.to_string(), None)),
                ),
                None => (format!("{prefix}{kind}"), source.to_owned(), None),
            },
            Button::View | Button::Confirm => {
                let (found, text, hint) = if manifest.button == Button::Confirm {
                    (
                        tracking(|l| l.confirm.clone().or_else(|| Some(l.view.clone()))),
                        label("action_confirm"),
                        label("whatsapp_hint_confirm"),
                    )
                } else {
                    (
                        tracking(|l| Some(l.view.clone())),
                        label("action_view"),
                        label("whatsapp_hint_view"),
                    )
                };
                match found {
                    Some((link, suffix)) => (
                        format!("{prefix}{kind}"),
                        whatsapp::with_hint(source, &hint),
                        Some((text, link, Some(suffix))),
                    ),
                    None => (
                        format!("{prefix}{kind}{}", whatsapp::NO_LINK),
                        source.to_owned(),
                        None,
                    ),
                }
            }
        };
        let body = whatsapp::parse_body(&body_source).map_err(|message| RenderError::Template {
            name: file.clone(),
            message,
        })?;
        let parameters: Vec<String> = body
            .placeholders
            .iter()
            .map(|p| whatsapp_value(&ctx, &labels.table, p))
            .collect();
        let message = whatsapp::WhatsAppMessage {
            template: whatsapp::TemplateMessage {
                name: name.clone(),
                language: meta_language.clone(),
                parameters: parameters.clone(),
                button_suffix: button.as_ref().and_then(|(_, _, suffix)| suffix.clone()),
            },
            text: body.fill(&parameters),
            button: button
                .as_ref()
                .map(|(text, link, _)| (text.clone(), link.clone())),
        };
        let definition = whatsapp::Definition {
            name,
            language: meta_language,
            category: manifest.category,
            body,
            examples: parameters,
            button: button.map(|(label, link, suffix)| whatsapp::DefinedButton {
                label,
                url: if suffix.is_some() { dynamic_url } else { link },
                example: suffix,
            }),
        };
        Ok((definition, message))
    }

    /// Who an SMS to `to` comes from, and its maximum price (`[sms]`).
    pub fn sms_route(
        &self,
        to: &crate::domain::contact::PhoneNumber,
    ) -> (crate::domain::sms::SmsSender, Option<String>) {
        (self.sms.sender_for(to), self.sms.max_price.clone())
    }

    /// Renders one planned message. An error concerns this message only.
    pub fn render(&self, event: &Event, n: &Notification) -> Result<Message, RenderError> {
        self.render_with(event, n, Sequencing::default())
    }

    /// [`Renderer::render`] for a core that remembers the highest calendar SEQUENCE it
    /// sent for this booking (`Ics::sequence` of its earlier invites): the invite then
    /// carries a higher one even when this event's timestamps are absent or older, so a
    /// calendar applies it. Pass `None` for an event older than the booking's kept state
    /// (a late delivery must not override a newer invite), or when nothing is kept.
    pub fn render_after(
        &self,
        event: &Event,
        n: &Notification,
        last_sequence: Option<i64>,
    ) -> Result<Message, RenderError> {
        let sequencing = Sequencing {
            last_sent: last_sequence,
            ..Sequencing::default()
        };
        self.render_with(event, n, sequencing)
    }

    /// [`Renderer::render`] with what the invite's SEQUENCE may take from outside the
    /// event ([`Sequencing`]).
    pub fn render_with(
        &self,
        event: &Event,
        n: &Notification,
        sequencing: Sequencing,
    ) -> Result<Message, RenderError> {
        self.render_in(&EventScope::new(event), n, sequencing)
    }

    /// [`Renderer::render_with`] for one of the messages of an event rendered together:
    /// a message whose context another one already had (a client's email and SMS of one
    /// kind) takes it from `scope` instead of making it again.
    pub fn render_in(
        &self,
        scope: &EventScope<'_>,
        n: &Notification,
        sequencing: Sequencing,
    ) -> Result<Message, RenderError> {
        let event = scope.event();
        let channel = match n.channel {
            Channel::Email => "email.html",
            Channel::Sms => "sms.txt",
            Channel::Whatsapp => return self.whatsapp(event, n).map(Message::WhatsApp),
        };
        let language = self.template_language(event, n, channel)?;
        let name = format!("{}/{}.{channel}", language.code(), n.kind.name());
        let labels = match self.labels.get(language.code()) {
            Some(labels) => labels.parsed(),
            None => NO_LABELS.get_or_init(|| ParsedLabels::new(BTreeMap::new())),
        };
        let inputs = context::Inputs {
            brand: &self.brand,
            default_time_zone: &self.default_time_zone,
            language: &language,
            labels: &labels.table,
            default_country: self.default_country,
        };
        let key = scope::ContextKey::of(self.id, &language, n);
        let kept = scope.context(key, || Context::new(event, n, &inputs));
        match n.channel {
            Channel::Email => {
                let ics = self.invite(event, n, &kept.context, &labels.table, sequencing);
                let store_email = match &event.merchant.email {
                    crate::domain::event::Contact::Valid(e) => Some(e),
                    _ => None,
                };
                self.email(&name, &kept, labels, ics, language, store_email)
            }
            // (A WhatsApp message returned above.)
            Channel::Sms | Channel::Whatsapp => self.sms(&name, &kept, labels),
        }
    }

    /// Renders every message of a plan, each on its own: one failure leaves the others.
    pub fn render_all(
        &self,
        event: &Event,
        notifications: &[Notification],
    ) -> Vec<Result<Message, RenderError>> {
        let scope = EventScope::new(event);
        notifications
            .iter()
            .map(|n| self.render_in(&scope, n, Sequencing::default()))
            .collect()
    }

    /// The notification's language when its template exists, else the merchant's
    /// default language, else English.
    fn template_language(
        &self,
        event: &Event,
        n: &Notification,
        channel: &str,
    ) -> Result<Language, RenderError> {
        let (suffix, find): (&str, fn(&str, &str) -> _) = if channel == "sms.txt" {
            (".sms.txt", compiled::sms_template)
        } else {
            (".email.html", compiled::email_template)
        };
        // A compiled template exists without minijinja compiling its source.
        let exists = |l: &Language| {
            let name = format!("{}/{}.{channel}", l.code(), n.kind.name());
            self.compiled(&name, suffix, find).is_some() || self.env.get_template(&name).is_ok()
        };
        first_language(event, n, exists).ok_or_else(|| {
            RenderError::MissingTemplate(format!("{}/{}.{channel}", n.language, n.kind.name()))
        })
    }

    fn email(
        &self,
        name: &str,
        kept: &scope::Kept,
        labels: &ParsedLabels,
        ics: Option<Ics>,
        language: Language,
        // The store's address, parsed with the event (the context holds its text).
        store_email: Option<&EmailAddress>,
    ) -> Result<Message, RenderError> {
        let ctx = &kept.context;
        // Whether a calendar invite goes with this email, and which.
        let calendar = ics.as_ref().map(|i| match i.method {
            Method::Request => "request",
            Method::Cancel => "cancel",
        });
        let compiled = self
            .compiled(name, ".email.html", compiled::email_template)
            .and_then(|kind| self.counted(compiled::email(kind, ctx, &labels.hashed, calendar)));
        let (html, text, subject) = match compiled {
            Some(parts) => (parts.html, parts.text, parts.subject),
            None => self.email_by_minijinja(name, kept, &labels.value, calendar)?,
        };
        let subject = clean(&subject).ok_or_else(|| RenderError::EmptySubject(name.to_owned()))?;
        Ok(Message::Email(Email {
            subject,
            html: tidy_html(&html),
            text: tidy_text(&text),
            ics,
            from_name: clean(&ctx.brand.name).unwrap_or_default(),
            reply_to: self
                .brand
                .reply_to
                .clone()
                .or_else(|| store_email.filter(|_| self.brand.reply_to_store).cloned()),
            language,
            list_unsubscribe: ctx.unsubscribe_url.clone(),
        }))
    }

    /// The same renderer writing every message with minijinja from the templates'
    /// sources, as it does for a replaced template: the reference the compiled built-in
    /// templates are tested against, and a way to rule them out when a message looks
    /// wrong.
    pub fn minijinja_only(mut self) -> Self {
        self.use_compiled = false;
        self
    }

    /// What the compiled templates did since this renderer was made: the renderings
    /// they wrote (an email, or one form of an SMS) and those they handed to minijinja
    /// (they met an undefined value or a missing label: never with the built-in
    /// templates and labels, which a test checks over every kind in every language).
    pub fn compiled_stats(&self) -> CompiledStats {
        use std::sync::atomic::Ordering::Relaxed;
        CompiledStats {
            written: self.written.load(Relaxed),
            fell_back: self.fallbacks.load(Relaxed),
        }
    }

    fn counted<T>(&self, result: Result<T, compiled::Fallback>) -> Option<T> {
        use std::sync::atomic::Ordering::Relaxed;
        match result {
            Ok(written) => {
                self.written.fetch_add(1, Relaxed);
                Some(written)
            }
            Err(compiled::Fallback) => {
                self.fallbacks.fetch_add(1, Relaxed);
                None
            }
        }
    }

    /// The compiled template of `name` (`{lang}/{kind}{suffix}`) when the compiled code
    /// may write it: built in, neither it nor a layout or partial replaced, and the
    /// embedded sources the ones compiled.
    fn compiled(
        &self,
        name: &str,
        suffix: &str,
        find: fn(&str, &str) -> Option<&'static compiled::Kind>,
    ) -> Option<&'static compiled::Kind> {
        let (lang, kind) = name.strip_suffix(suffix)?.split_once('/')?;
        let layout_replaced = suffix == ".email.html"
            && self
                .replaced
                .iter()
                .any(|r| r.starts_with("layout.") || r.starts_with("partials/"));
        if !self.use_compiled
            || layout_replaced
            || self.replaced.contains(name)
            || !compiled::is_current()
        {
            return None;
        }
        find(lang, kind)
    }

    /// An email's HTML, text and subject by minijinja.
    fn email_by_minijinja(
        &self,
        name: &str,
        kept: &scope::Kept,
        t: &Value,
        calendar: Option<&'static str>,
    ) -> Result<(String, String, String), RenderError> {
        // Serialised once for both renderings (and for the scope's other messages).
        let ctx_value = kept.value();
        let html_ctx = values(ctx_value, t, "html", calendar);
        let text_ctx = values(ctx_value, t, "text", calendar);
        let html = self
            .template(name)?
            .render(html_ctx)
            .map_err(|e| RenderError::template(name, &e))?;
        let text_name = format!("{name}{TEXT_SUFFIX}");
        let mut captured = self
            .template(&text_name)?
            .render_captured(text_ctx)
            .map_err(|e| RenderError::template(name, &e))?;
        let subject = captured
            .with_state_mut(|state| state.render_block("subject"))
            .map_err(|e| RenderError::template(name, &e))?;
        Ok((html, captured.into_output(), subject))
    }

    /// The SMS: names of at most 48 characters, the first form that fits (see
    /// [`choose_sms`]); when none fits three segments, the same with names shortened
    /// further, then, as a last resort, without links. A link is never cut.
    fn sms<'r>(
        &'r self,
        name: &str,
        kept: &scope::Kept,
        labels: &ParsedLabels,
    ) -> Result<Message, RenderError> {
        let ctx = &kept.context;
        // Promotional texts carry the way out, whatever the template says.
        let opt_out = ctx
            .promotional
            .then(|| labels.table.get("sms_opt_out").cloned())
            .flatten()
            .and_then(|o| clean(&o))
            .map(|o| plain_spaces(&o));
        let with_opt_out = |text: String| match &opt_out {
            Some(o) if !text.is_empty() => format!("{text} {o}"),
            _ => text,
        };
        let t = &labels.value;
        // One rendering per set of names, each block rendered only when asked for: most
        // texts fit one segment in their first form, and the others are never made.
        let state = |ctx: &Context| {
            // The scope's context is serialised once; a copy with other names, each time.
            let value = if std::ptr::eq(ctx, &kept.context) {
                values(kept.value(), t, "sms", None)
            } else {
                values(&values::context_value(ctx), t, "sms", None)
            };
            self.template(name)?
                .render_captured(value)
                .map_err(|e| RenderError::template(name, &e))
        };
        let compiled = self.compiled(name, ".sms.txt", compiled::sms_template);
        // A block by the compiled template, else by minijinja (rendered once per set of
        // names, on first need).
        let block = |r: &mut SmsRendering<'_, 'r>, block: &str| -> Result<String, RenderError> {
            let text = match compiled.and_then(|kind| {
                self.counted(compiled::sms_block(kind, block, r.ctx, &labels.hashed))
            }) {
                Some(text) => text,
                None => {
                    let captured = match &mut r.captured {
                        Some(captured) => captured,
                        None => r.captured.insert(state(r.ctx)?),
                    };
                    captured
                        .with_state_mut(|state| state.render_block(block))
                        .map_err(|e| RenderError::template(name, &e))?
                }
            };
            // No-break spaces are typography for the eye: GSM-7 has none, and a
            // phone wraps a text as it likes.
            let text = clean(&text).map(|t| plain_spaces(&t)).unwrap_or_default();
            Ok(with_opt_out(text))
        };
        let forms = |ctx: &Context| -> Result<Sms, RenderError> {
            let mut own = SmsRendering::new(ctx);
            // The names in the GSM alphabet, made only when the text as written does
            // not fit: most do.
            let gsm_names: std::cell::OnceCell<Option<Context>> = std::cell::OnceCell::new();
            let mut gsm = None;
            let mut chooser = SmsChooser::default();
            for which in ["full", "short"] {
                let (as_written, gsm_form, folded) = match which {
                    "full" => (SmsForm::Full, SmsForm::FullGsmNames, SmsForm::FullFolded),
                    _ => (SmsForm::Short, SmsForm::ShortGsmNames, SmsForm::ShortFolded),
                };
                let text = block(&mut own, which)?;
                if chooser.offer(as_written, text.clone()) {
                    break;
                }
                let in_gsm_names = match gsm_names.get_or_init(|| sms::gsm_names(ctx)) {
                    Some(names) => {
                        if gsm.is_none() {
                            gsm = Some(SmsRendering::new(names));
                        }
                        match gsm.as_mut() {
                            Some(rendering) => block(rendering, which)?,
                            None => String::new(),
                        }
                    }
                    None => String::new(),
                };
                if chooser.offer(gsm_form, in_gsm_names)
                    || chooser.offer(folded, sms::fold_to_gsm(&text))
                {
                    break;
                }
            }
            Ok(chooser.chosen())
        };
        // A name longer than a phone line says nothing more: 48 characters at most.
        for max in [48, 24, 12] {
            let (capped, shortened) = sms::cap_names(ctx, max);
            let mut chosen = forms(&capped)?;
            chosen.names_shortened = shortened;
            if chosen.segments.count <= sms::MAX_SEGMENTS {
                return Ok(Message::Sms(chosen));
            }
        }
        // Last resort: the shortest names and no link, said so in `link_dropped`.
        let (capped, shortened) = sms::cap_names(ctx, 12);
        let mut chosen = forms(&sms::without_links(&capped))?;
        chosen.names_shortened = shortened;
        chosen.link_dropped = true;
        if chosen.segments.count > sms::MAX_SEGMENTS {
            let text = sms::truncate_to_segments(&chosen.text, sms::MAX_SEGMENTS);
            chosen.segments = count_segments(&text);
            chosen.text = text;
            chosen.form = SmsForm::Truncated;
        }
        Ok(Message::Sms(chosen))
    }

    fn template(&self, name: &str) -> Result<minijinja::Template<'_, '_>, RenderError> {
        self.env
            .get_template(name)
            .map_err(|_| RenderError::MissingTemplate(name.to_owned()))
    }

    /// The calendar invite of a client's `confirmation` / `changed` email, or the
    /// cancellation of a canceled booking, for the same UID. Long (~110 lines): it derives
    /// each property of the one VEVENT (UID, SEQUENCE, DTSTAMP, SUMMARY, DESCRIPTION,
    /// ORGANIZER…) in turn, in one place a reader can check against the invite it makes.
    fn invite(
        &self,
        event: &Event,
        n: &Notification,
        ctx: &Context,
        labels: &BTreeMap<String, String>,
        sequencing: Sequencing,
    ) -> Option<Ics> {
        let method = match n.kind {
            Kind::Confirmation | Kind::Changed => Method::Request,
            Kind::CanceledByStore | Kind::CanceledByClient => Method::Cancel,
            _ => return None,
        };
        if n.audience == Audience::Staff {
            return None;
        }
        let Address::Email(to) = &n.to else {
            return None;
        };
        let tz = event.time_zone(&self.default_time_zone);
        let (start, end) = datetime::booking_span(&event.booking, &tz)?;
        let key = event
            .booking
            .id
            .as_deref()
            .or(event.booking.confirmation_number.as_deref())
            .map(|k| {
                k.chars()
                    .filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
                    .collect::<String>()
            })
            .filter(|k| !k.is_empty())?;
        let raw = Obj::new(&event.booking.raw);
        let booking_time = |keys: &[&str]| {
            raw.and_then(|o| o.text(keys))
                .as_deref()
                .and_then(|t| datetime::parse_instant(t, &tz))
        };
        let modified = booking_time(s::MODIFIED_ON);
        // An event that gives no time of its own is dated when its message is composed:
        // of a booking's events processed in order, a later one is composed later.
        let event_time = event
            .created_on
            .as_deref()
            .and_then(|t| datetime::parse_instant(t, &tz))
            .or(sequencing.received);
        let created = booking_time(s::BOOKING_CREATED_ON);
        let stamp = event_time.or(modified).or(created).unwrap_or(start);
        // Each change the client is told about comes in its own webhook event, created
        // later than the one before: the latest of the event's time and the booking's
        // `modifiedOn` grows with every change even when `modifiedOn` stays put. A
        // cancellation outranks every invite whatever its timestamps say, and what the
        // core remembers of the last invite (when it keeps it) is a floor.
        let latest = [event_time, modified, created].into_iter().flatten().max();
        let sequence = ics::sequence(method, latest, sequencing.last_sent);
        // A calendar entry always has an end: the booking's, else a default length.
        let end = end.or_else(|| {
            Timestamp::from_second(
                start
                    .as_second()
                    .checked_add(extras::DEFAULT_MINUTES * 60)?,
            )
            .ok()
        });
        let title = ctx
            .service
            .clone()
            .or_else(|| labels.get("appointment").cloned())
            .unwrap_or_default();
        let summary = match ctx
            .store
            .name
            .as_deref()
            .or(Some(ctx.brand.name.as_str()))
            .filter(|s| !s.is_empty())
        {
            Some(store) if !title.is_empty() => format!("{title} – {store}"),
            Some(store) => store.to_owned(),
            None => title,
        };
        let view = ctx.links.as_ref().map(|l| l.view.clone());
        let label = |key: &str| labels.get(key).cloned().unwrap_or_default();
        // The join link belongs where people look for it, not only in LOCATION (which
        // some calendars show as plain text).
        let video = ctx
            .place
            .url
            .as_ref()
            .filter(|_| ctx.place.kind == "video" && method == Method::Request)
            .map(|url| format!("{}{} {url}", label("join_video"), label("colon")));
        let description = [
            video,
            ctx.booking.confirmation_number.as_ref().map(|c| {
                format!(
                    "{} {c}",
                    labels
                        .get("confirmation_number")
                        .cloned()
                        .unwrap_or_default()
                )
            }),
            view.as_ref().map(|v| {
                format!(
                    "{} {v}",
                    labels.get("manage_online").cloned().unwrap_or_default()
                )
            }),
        ]
        .into_iter()
        .flatten()
        .map(|l| l.trim().to_owned())
        .collect::<Vec<_>>()
        .join("\n");
        let organizer = self
            .brand
            .reply_to
            .as_ref()
            .map(|e| e.as_str().to_owned())
            .or_else(|| ctx.store.email.clone())
            .map(|email| ics::CalendarAddress {
                name: clean(&ctx.brand.name),
                email,
            });
        let invite = ics::Invite {
            method,
            uid: format!("booxi-{key}@booxi-notify"),
            sequence,
            stamp,
            start,
            end,
            summary,
            location: ctx.place.summary.clone(),
            description: (!description.is_empty()).then_some(description),
            url: view,
            organizer,
            attendee: Some(ics::CalendarAddress {
                name: ctx.recipient.name.clone(),
                email: to.as_str().to_owned(),
            }),
        };
        Some(invite.to_ics())
    }
}

/// The first of the notification's language, the merchant's default language and
/// English that `usable` accepts.
fn first_language(
    event: &Event,
    n: &Notification,
    usable: impl Fn(&Language) -> bool,
) -> Option<Language> {
    [
        Some(n.language.clone()),
        event.merchant.default_language.clone(),
        Some(Language::english()),
    ]
    .into_iter()
    .flatten()
    .find(|l| usable(l))
}

/// The value of a WhatsApp template's placeholder for this message, cleaned like SMS
/// text and capped ([`whatsapp::parameter`]); a value the booking lacks is the language's
/// word for it (`to be confirmed`, `Appointment`), never empty (Meta refuses that).
fn whatsapp_value(ctx: &Context, labels: &BTreeMap<String, String>, placeholder: &str) -> String {
    let label = |key: &str| labels.get(key).map(String::as_str).unwrap_or("");
    let cap = whatsapp::cap(placeholder);
    let clean = |text: Option<&str>| text.and_then(|t| whatsapp::parameter(t, cap));
    let value = match placeholder {
        "name" => {
            let first = ctx.recipient.first_name.as_deref().unwrap_or("");
            let full = ctx.recipient.name.as_deref().unwrap_or("");
            let wanted = match label("whatsapp_name") {
                "" => "{name}",
                other => other,
            };
            let named = wanted.replace("{full_name}", full).replace("{name}", first);
            clean(Some(&named))
                .or_else(|| clean(ctx.recipient.first_name.as_deref()))
                .or_else(|| clean(ctx.recipient.name.as_deref()))
                .or_else(|| clean(ctx.recipient.last_name.as_deref()))
                .or_else(|| clean(Some(label("whatsapp_no_name"))))
        }
        "date" => clean(ctx.when.as_ref().map(|w| w.date.as_str()))
            .or_else(|| clean(Some(label("whatsapp_to_be_set")))),
        "time" => clean(ctx.when.as_ref().map(|w| w.time.as_str()))
            .or_else(|| clean(Some(label("whatsapp_to_be_set")))),
        "service" => clean(ctx.service.as_deref()).or_else(|| clean(Some(label("appointment")))),
        _ => clean(Some(ctx.brand.name.as_str())).or_else(|| clean(ctx.store.name.as_deref())),
    };
    value.unwrap_or_else(|| "—".to_owned())
}

/// What a template sees: the message's [`Context`] (serialised), its labels as `t`, the
/// `format` rendered (`html`, `text` or `sms`), the `layout` an email extends and the
/// `calendar` method of its invite.
fn values(ctx: &Value, t: &Value, format: &'static str, calendar: Option<&'static str>) -> Value {
    values::Root::value(ctx, t, format, calendar)
}

/// Picks the SMS among its forms (in order of preference): the first that fits one
/// segment; else the one with the fewest segments, the earlier on a tie.
pub fn choose_sms(forms: Vec<(SmsForm, String)>) -> Sms {
    let mut chooser = SmsChooser::default();
    for (form, text) in forms {
        if chooser.offer(form, text) {
            break;
        }
    }
    chooser.chosen()
}

/// [`choose_sms`] one form at a time, so that forms after the one chosen are never made:
/// the first of one segment, else the first of the fewest; empty forms are passed over.
#[derive(Default)]
struct SmsChooser {
    best: Option<Sms>,
}

impl SmsChooser {
    /// Takes `text` if it is the best so far; `true` once one fits one segment (the
    /// forms after it need not be made).
    fn offer(&mut self, form: SmsForm, text: String) -> bool {
        if text.is_empty() {
            return false;
        }
        let segments = count_segments(&text);
        if self
            .best
            .as_ref()
            .is_none_or(|b| segments.count < b.segments.count)
        {
            self.best = Some(Sms {
                text,
                segments,
                form,
                names_shortened: false,
                link_dropped: false,
            });
        }
        segments.count == 1
    }

    fn chosen(self) -> Sms {
        self.best.unwrap_or(Sms {
            text: String::new(),
            segments: count_segments(""),
            form: SmsForm::Full,
            names_shortened: false,
            link_dropped: false,
        })
    }
}

/// An SMS template rendered with one set of names: by the compiled code, or by
/// minijinja once the compiled code falls back.
struct SmsRendering<'c, 'e> {
    ctx: &'c Context,
    captured: Option<minijinja::Captured<'e>>,
}

impl<'c> SmsRendering<'c, '_> {
    fn new(ctx: &'c Context) -> Self {
        Self {
            ctx,
            captured: None,
        }
    }
}

/// Prints a value: `none` as nothing (an optional value a template prints without a
/// test leaves no "none" in a message), and strings in HTML templates escaped for text
/// and attribute positions (`&`, `<`, `>`, `"`, `'`) but with `/` kept, so that links
/// read as they are.
fn format_value(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    if value.is_none() {
        return Ok(());
    }
    let write_failed = |_| minijinja::Error::from(minijinja::ErrorKind::WriteFailure);
    match (state.auto_escape(), value.as_str()) {
        (AutoEscape::Html, Some(text)) if !value.is_safe() => {
            write_escaped_html(out, text).map_err(write_failed)
        }
        // A string printed as it is (text templates, or marked safe): written whole,
        // as minijinja's formatter would, without its trip through `Display`.
        (AutoEscape::None | AutoEscape::Html, Some(text)) => {
            out.write_str(text).map_err(write_failed)
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Writing to a String cannot fail.
    let _ = write_escaped_html(&mut out, text);
    out
}

/// Splits rendered text into paragraphs at blank lines; the lines of a paragraph are
/// joined with spaces. Keeps the value's escaping (HTML-safe in, HTML-safe out).
fn paragraphs(value: Value) -> Vec<Value> {
    let safe = value.is_safe();
    let text = value
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| value.to_string());
    paragraph_texts(&text)
        .into_iter()
        .map(|p| {
            if safe {
                Value::from_safe_string(p)
            } else {
                Value::from(p)
            }
        })
        .collect()
}

fn parse_labels(name: &str, source: &str) -> Result<BTreeMap<String, String>, RenderError> {
    let table: toml::Table = toml::from_str(source).map_err(|e| RenderError::Labels {
        name: name.to_owned(),
        message: e.message().to_owned(),
    })?;
    table
        .into_iter()
        .map(|(k, v)| match v {
            toml::Value::String(s) => Ok((k, s)),
            _ => Err(RenderError::Labels {
                name: name.to_owned(),
                message: format!("`{k}` is not a string"),
            }),
        })
        .collect()
}

/// The `.html`, `.txt` and `.toml` files under `dir`, by path relative to it with `/`.
fn read_override_dir(dir: &Path) -> Result<Vec<(String, String)>, RenderError> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) -> std::io::Result<()> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                walk(root, &path, out)?;
                continue;
            }
            let wanted = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "html" | "txt" | "toml"));
            let Ok(relative) = path.strip_prefix(root) else {
                continue;
            };
            if !wanted {
                continue;
            }
            let name = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((name, std::fs::read_to_string(&path)?));
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out).map_err(|source| RenderError::TemplatesDir {
        path: dir.display().to_string(),
        source,
    })?;
    Ok(out)
}

/// `text` split at each `\n`, as `str::split('\n')` does (an empty last piece after a
/// final `\n` included), the breaks found with memchr's SIMD search: a rendered email is
/// some 15 KB in about 170 lines.
fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    let mut ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain(std::iter::once(text.len()));
    std::iter::from_fn(move || {
        let end = ends.next()?;
        // Cut at an ASCII byte or at the end: always a character boundary.
        let line = text.get(start..end)?;
        start = end + 1;
        Some(line)
    })
}

/// Drops trailing spaces and runs of blank lines left by template tags.
fn tidy_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    // `trim_end` takes a `\r` before the `\n` too; a last empty piece (after a final
    // line break) is one more blank line, which the trailing blank lines' removal below
    // takes away with the others.
    for line in split_lines(text) {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 || out.is_empty() {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// Drops blank lines and trailing white space (what `str::trim_end` trims) from each
/// line: the space template tags leave around markup.
fn tidy_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    for line in split_lines(html) {
        // Most lines end in ASCII: trimmed byte by byte; a line ending in anything else
        // (a no-break space is white space too) by `trim_end`.
        let mut end = line.len();
        while end > 0 && matches!(line.as_bytes()[end - 1], b'\t'..=b'\r' | b' ') {
            end -= 1;
        }
        let line = match line.as_bytes().get(end.wrapping_sub(1)) {
            Some(b) if !b.is_ascii() => line[..end].trim_end(),
            _ => &line[..end],
        };
        if !line.is_empty() {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Without its labels, the compiled code answers `Fallback` (minijinja then writes
    /// the message, or says which label is missing) rather than a message with holes.
    #[test]
    fn compiled_code_without_its_labels_falls_back() {
        use crate::domain::notification::Channel;
        use preview::{Sample, sample_event, sample_notification};
        let r = Renderer::new(&RenderConfig::default()).unwrap();
        let event = sample_event(Sample::Typical).unwrap();
        let lang = Language::parse("eng").unwrap();
        let labels = &r.labels["eng"].parsed();
        for channel in [Channel::Email, Channel::Sms] {
            let n = sample_notification(Kind::Confirmation, &lang, channel).unwrap();
            let inputs = context::Inputs {
                brand: &r.brand,
                default_time_zone: &r.default_time_zone,
                language: &lang,
                labels: &labels.table,
                default_country: r.default_country,
            };
            let ctx = Context::new(&event, &n, &inputs);
            let none = compiled::Labels::default();
            if channel == Channel::Email {
                let kind = compiled::email_template("eng", "confirmation").unwrap();
                assert!(compiled::email(kind, &ctx, &none, None).is_err());
                assert!(compiled::email(kind, &ctx, &labels.hashed, None).is_ok());
            } else {
                // The SMS reads no label: the same with or without them.
                let kind = compiled::sms_template("eng", "confirmation").unwrap();
                let with = compiled::sms_block(kind, "full", &ctx, &labels.hashed).unwrap();
                assert_eq!(compiled::sms_block(kind, "full", &ctx, &none), Ok(with));
                assert_eq!(
                    compiled::sms_block(kind, "medium", &ctx, &none),
                    Err(compiled::Fallback)
                );
            }
        }
    }

    #[test]
    fn paragraphs_split_at_blank_lines() {
        let p = paragraphs(Value::from("Hello\n  there\n\n\nSecond"));
        assert_eq!(
            p.iter().map(|v| v.to_string()).collect::<Vec<_>>(),
            ["Hello there", "Second"]
        );
        let p = paragraphs(Value::from_safe_string("&lt;b&gt;".into()));
        assert!(p[0].is_safe());
    }

    #[test]
    fn html_escaping_keeps_slashes_and_other_text() {
        assert_eq!(
            escape_html(r#"<a href="x">Tom & Jerry's</a> é/ü"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt; é/ü"
        );
        assert_eq!(escape_html(""), "");
        assert_eq!(escape_html("&&"), "&amp;&amp;");
    }

    /// The root a template sees answers `t`, `format` and `layout` itself, before the
    /// context's fields (`values::Root`): no field may have one of these names.
    #[test]
    fn no_context_field_shadows_a_root_name() {
        let raw = include_bytes!("../../../events/group-reservation-attendees.json");
        let body = crate::doors::input::booxi_body(raw).unwrap();
        let config = Config::default();
        let event = Event::parse(&body, config.default_country).unwrap();
        let plan = crate::plan(&event, &config);
        assert!(!plan.notifications.is_empty());
        let renderer = Renderer::new(&RenderConfig::from(&config)).unwrap();
        for n in &plan.notifications {
            let language = n.language.clone();
            let inputs = context::Inputs {
                brand: &renderer.brand,
                default_time_zone: &renderer.default_time_zone,
                language: &language,
                labels: &BTreeMap::new(),
                default_country: renderer.default_country,
            };
            let ctx = serde_json::to_value(Context::new(&event, n, &inputs)).unwrap();
            let fields = ctx.as_object().unwrap();
            assert!(fields.len() > 30, "{}", fields.len());
            for name in ["t", "format", "layout", "calendar"] {
                assert!(
                    !fields.contains_key(name),
                    "the context has a field `{name}`"
                );
            }
        }
    }

    /// The byte-wise tidying answers as the line-by-line `trim_end` one did.
    #[test]
    fn tidy_html_trims_as_trim_end_does() {
        let reference = |html: &str| {
            html.lines()
                .map(str::trim_end)
                .filter(|l| !l.is_empty())
                .map(|l| format!("{l}\n"))
                .collect::<String>()
        };
        for html in [
            "",
            "\n\n",
            "<p>a</p>  \n\t\n  <b>x</b>\r\n\x0c\nend",
            "fin\u{a0}\u{202f} \ncafé \u{2007}\n\u{3000}\n\u{85}x\u{85}\n",
            "a\u{1680}\r\n\r\r\nb\x0b",
            "\x1c\x1d\x1e\x1f\n\x00 \n\x7f\n",
        ] {
            assert_eq!(tidy_html(html), reference(html), "{html:?}");
        }
    }

    proptest::proptest! {
        /// The line splitting with memchr against `str::lines` and `str::split`: tidying
        /// gives what it gave before it, on any text of the characters that matter.
        #[test]
        fn tidying_splits_lines_as_the_standard_library_does(
            text in "[a \\t\\r\\n\u{a0}é\u{85}]{0,40}"
        ) {
            let text_reference = |text: &str| {
                let mut out = String::new();
                let mut blank = 0;
                for line in text.lines() {
                    let line = line.trim_end();
                    if line.is_empty() {
                        blank += 1;
                        if blank > 1 || out.is_empty() {
                            continue;
                        }
                    } else {
                        blank = 0;
                    }
                    out.push_str(line);
                    out.push('\n');
                }
                while out.ends_with("\n\n") {
                    out.pop();
                }
                out
            };
            proptest::prop_assert_eq!(
                split_lines(&text).collect::<Vec<_>>(),
                text.split('\n').collect::<Vec<_>>()
            );
            proptest::prop_assert_eq!(tidy_text(&text), text_reference(&text));
        }
    }

    #[test]
    fn tidy_text_collapses_blank_runs() {
        assert_eq!(tidy_text("\n\na  \n\n\n\nb\n\n"), "a\n\nb\n");
    }
}

#[cfg(test)]
mod thread_safety {
    /// The Lambda builds one renderer and shares it between concurrent requests.
    #[test]
    fn every_built_in_template_compiles() {
        use super::{RenderConfig, Renderer, TEXT_SUFFIX, templates};
        let renderer = Renderer::new(&RenderConfig::default()).unwrap();
        let mut compiled = 0;
        for (name, _) in templates::EMBEDDED {
            // WhatsApp bodies are Meta's text, not MiniJinja (`whatsapp_templates_…`).
            if name.ends_with(".toml") || name.ends_with(".whatsapp.txt") {
                continue;
            }
            renderer
                .env
                .get_template(name)
                .unwrap_or_else(|e| panic!("{name}: {e:#}"));
            compiled += 1;
            if name.ends_with(".email.html") {
                let text = format!("{name}{TEXT_SUFFIX}");
                renderer
                    .env
                    .get_template(&text)
                    .unwrap_or_else(|e| panic!("{text}: {e:#}"));
            }
        }
        assert!(compiled > 100, "{compiled} templates");
        for (name, source) in templates::EMBEDDED {
            if name.ends_with("labels.toml") {
                let labels = super::parse_labels(name, source).unwrap();
                assert!(labels.len() > 20, "{name}");
            }
        }
        assert_eq!(renderer.labels.len(), 6);
        assert!(renderer.env.get_template("eng/labels.toml").is_err());
        assert!(renderer.env.get_template("eng/nothing.sms.txt").is_err());
    }

    /// Every WhatsApp template reads as Meta takes it, with and without its button's
    /// line, in every language; each client kind and built-in flow has one in each;
    /// no two templates of a language share a body (Meta refuses a duplicate); button
    /// labels fit.
    #[test]
    fn whatsapp_templates_read_as_meta_takes_them() {
        use super::whatsapp;
        use crate::domain::contact::LANGUAGES;
        use crate::domain::notification::Kind;
        let renderer = super::Renderer::new(&super::RenderConfig::default()).unwrap();
        let manifest = whatsapp::parse_manifest(
            super::templates::EMBEDDED
                .iter()
                .find(|(n, _)| *n == "whatsapp.toml")
                .unwrap()
                .1,
        )
        .unwrap();
        let kinds: Vec<String> = Kind::CLIENT
            .iter()
            .map(|k| k.name().to_owned())
            .chain(
                crate::domain::flows::BUILT_IN
                    .iter()
                    .map(|f| (*f).to_owned()),
            )
            .collect();
        assert_eq!(manifest.len(), kinds.len());
        for lang in LANGUAGES {
            let labels = renderer.labels[lang].parsed();
            let mut bodies = std::collections::BTreeSet::new();
            for kind in &kinds {
                let source = renderer
                    .whatsapp_source(lang, kind)
                    .unwrap_or_else(|| panic!("no {lang}/{kind}.whatsapp.txt"));
                let body = whatsapp::parse_body(source)
                    .unwrap_or_else(|e| panic!("{lang}/{kind}.whatsapp.txt: {e}"));
                assert!(body.placeholders.contains(&"name"), "{lang}/{kind}");
                assert!(
                    bodies.insert(body.text.clone()),
                    "{lang}/{kind}: a duplicate body"
                );
                for hint in [
                    "whatsapp_hint_view",
                    "whatsapp_hint_confirm",
                    "whatsapp_hint_review",
                ] {
                    let text = whatsapp::with_hint(source, &labels.table[hint]);
                    whatsapp::parse_body(&text)
                        .unwrap_or_else(|e| panic!("{lang}/{kind} + {hint}: {e}"));
                }
                if lang == "fre" {
                    for mark in [" :", " !", " ?", " ;"] {
                        assert!(
                            !source.contains(mark),
                            "{lang}/{kind}: a plain space before {mark}"
                        );
                    }
                }
            }
            for label in ["action_view", "action_confirm", "action_review"] {
                let text = &labels.table[label];
                assert!(
                    text.chars().count() <= whatsapp::MAX_BUTTON_LABEL,
                    "{lang}: {label} `{text}`"
                );
            }
            for key in ["whatsapp_name", "whatsapp_no_name", "whatsapp_to_be_set"] {
                assert!(!labels.table[key].is_empty(), "{lang}: {key}");
            }
        }
        // Both forms of each kind with a tracking-page button, one of the others.
        let definitions = super::preview::whatsapp_definitions(&renderer, None).unwrap();
        let expected: usize = manifest
            .values()
            .map(|m| match m.button {
                whatsapp::Button::View | whatsapp::Button::Confirm => 2,
                _ => 1,
            })
            .sum::<usize>()
            * LANGUAGES.len();
        assert_eq!(definitions.len(), expected);
        for d in &definitions {
            d.check().unwrap();
            let meta = d.to_meta();
            assert_eq!(meta["components"][0]["type"], "BODY");
            let examples = meta["components"][0]["example"]["body_text"][0]
                .as_array()
                .unwrap();
            assert_eq!(examples.len(), d.body.placeholders.len(), "{}", d.name);
        }
        let recall = definitions
            .iter()
            .find(|d| d.name == "booxi_recall")
            .unwrap();
        assert_eq!(recall.category, whatsapp::Category::Marketing);
        let confirmation = definitions
            .iter()
            .find(|d| d.name == "booxi_confirmation" && d.language == "pt_BR")
            .unwrap();
        let button = confirmation.button.as_ref().unwrap();
        assert_eq!(button.url, "https://book.booxi.com/{{1}}");
        assert_eq!(
            button.example.as_deref(),
            Some("tracking/8c1f2a9e4b7d4f0e?lang=por")
        );
        assert_eq!(button.label, "Ver meu agendamento");
        assert!(
            definitions
                .iter()
                .any(|d| d.name == "booxi_confirmation_nolink" && d.button.is_none())
        );
    }

    #[test]
    fn the_renderer_can_be_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<super::Renderer>();
    }
}
