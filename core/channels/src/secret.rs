//! A secret in the configuration: written in the file, or named by an environment variable so
//! it need not be (`value_env`, `secret_env`, `password_env`).

use anyhow::{Context, bail};

/// The secret from `value`, or from the environment variable `env` when that is set.
pub(crate) fn resolve(value: &str, env: &str, what: &str) -> anyhow::Result<String> {
    if !env.is_empty() {
        return std::env::var(env)
            .with_context(|| format!("{what}: the environment variable {env} is not set"));
    }
    if value.is_empty() {
        bail!("{what} is empty");
    }
    Ok(value.to_owned())
}
