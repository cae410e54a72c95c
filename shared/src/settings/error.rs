//! What is wrong with a setting, in one style: `KEY: what is wrong`.

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    /// The file is not TOML, or a value has the wrong type: where, and what.
    #[error("configuration file {path}: line {line}, column {column}: {message}")]
    Toml {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// A known key in the wrong table.
    #[error("{key}: {message} (configuration file {path}, line {line})")]
    Misplaced {
        key: String,
        message: String,
        path: String,
        line: usize,
    },
    #[error("{key}: {message}")]
    Invalid { key: String, message: String },
}
