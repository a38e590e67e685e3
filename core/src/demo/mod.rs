//! The demo district, modelled on Luqiao (路桥区).

use sea_orm::DatabaseConnection;

use crate::auth::PasswordPolicy;
use crate::configuration::Settings;

pub fn reset(_settings: &Settings) -> anyhow::Result<()> {
    Ok(())
}

pub async fn load(
    _db: &DatabaseConnection,
    _settings: &Settings,
    _passwords: &PasswordPolicy,
) -> anyhow::Result<Option<String>> {
    Ok(None)
}
