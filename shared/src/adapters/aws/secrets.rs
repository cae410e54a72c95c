use aws_sdk_secretsmanager::Client;

use super::classify;
use crate::doors::auth::{SecretError, SecretSource};

/// The header secret in Secrets Manager: its value (a plain `SecretString`) in the
/// `AWSCURRENT` and, when there is one, the `AWSPREVIOUS` stage.
#[derive(Debug, Clone)]
pub struct SecretsManagerSource {
    client: Client,
    secret_id: String,
}

impl SecretsManagerSource {
    pub fn new(client: Client, secret_id: impl Into<String>) -> Self {
        Self {
            client,
            secret_id: secret_id.into(),
        }
    }

    /// The secret's current value (`AWSCURRENT`): what a key read once at init uses
    /// (the recipients' hash key).
    pub async fn current(&self) -> Result<String, SecretError> {
        self.stage("AWSCURRENT")
            .await?
            .ok_or_else(|| SecretError("the secret has no string value".into()))
    }

    async fn stage(&self, stage: &str) -> Result<Option<String>, SecretError> {
        let out = self
            .client
            .get_secret_value()
            .secret_id(&self.secret_id)
            .version_stage(stage)
            .send()
            .await;
        match out {
            Ok(out) => Ok(out
                .secret_string()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())),
            Err(e) => {
                let (_, code) = classify(&e);
                if stage != "AWSCURRENT" && code == "ResourceNotFoundException" {
                    return Ok(None); // never rotated: no previous version
                }
                Err(SecretError(format!("GetSecretValue {stage}: {code}")))
            }
        }
    }
}

impl SecretSource for SecretsManagerSource {
    async fn fetch(&self) -> Result<Vec<String>, SecretError> {
        let (current, previous) = tokio::join!(self.stage("AWSCURRENT"), self.stage("AWSPREVIOUS"));
        let current =
            current?.ok_or_else(|| SecretError("the secret has no string value".into()))?;
        let mut values = vec![current];
        // A failure to read the previous version must not lock out the current one.
        if let Ok(Some(previous)) = previous {
            values.push(previous);
        }
        Ok(values)
    }
}
