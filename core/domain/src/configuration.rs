//! Settings: the embedded defaults, then `config/default.toml` and `config/local.toml` from the
//! working directory when present, then `LIAISON__SECTION__KEY` environment variables.

use std::collections::HashMap;
use std::path::Path;

use config::{Config, Environment, File, FileFormat};
use serde::Deserialize;

const EMBEDDED_DEFAULTS: &str = include_str!("../../../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub log: LogSettings,
    pub auth: AuthSettings,
    pub deadlines: DeadlineRules,
    pub plugins: PluginSettings,
    #[serde(default)]
    pub web: WebSettings,
    #[serde(default)]
    pub photos: crate::cases::photos::PhotoSettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    pub public_base_url: String,
    pub body_limit_bytes: usize,
    pub intake_burst: u32,
    pub intake_refill_ms: u64,
    pub login_burst: u32,
    pub login_refill_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: String,
    pub max_connections: u32,
    pub sqlite_max_connections: u32,
    pub sqlite_synchronous: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    pub filter: String,
    pub json: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    pub session_hours: i64,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
}

/// Working-day limits; see `cases::deadlines` for how overrides combine.
#[derive(Debug, Clone, Deserialize)]
pub struct DeadlineRules {
    pub sign_for_days: u32,
    pub reply_days: u32,
    pub complex_reply_days: u32,
    pub feedback_days: u32,
    pub rating_window_days: u32,
    pub due_soon_days: u32,
    pub max_extensions: u32,
    pub max_extension_days: u32,
    #[serde(default)]
    pub urgency: HashMap<String, DeadlineOverride>,
    #[serde(default)]
    pub category: HashMap<String, DeadlineOverride>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeadlineOverride {
    pub sign_for_days: Option<u32>,
    pub reply_days: Option<u32>,
    pub complex_reply_days: Option<u32>,
    pub feedback_days: Option<u32>,
}

impl Settings {
    /// Reads settings relative to `dir` (normally the working directory).
    pub fn load_from(dir: &Path) -> Result<Self, config::ConfigError> {
        Config::builder()
            .add_source(File::from_str(EMBEDDED_DEFAULTS, FileFormat::Toml))
            .add_source(File::from(dir.join("config/default.toml")).required(false))
            .add_source(File::from(dir.join("config/local.toml")).required(false))
            .add_source(
                Environment::with_prefix("LIAISON")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true),
            )
            .build()?
            .try_deserialize()
    }

    pub fn load() -> Result<Self, config::ConfigError> {
        Self::load_from(Path::new("."))
    }

    /// The embedded defaults alone: what tests start from, untouched by the environment.
    pub fn defaults() -> Self {
        Config::builder()
            .add_source(File::from_str(EMBEDDED_DEFAULTS, FileFormat::Toml))
            .build()
            .and_then(|c| c.try_deserialize())
            .expect("embedded defaults are valid")
    }

    pub fn is_postgres(&self) -> bool {
        self.database.url.starts_with("postgres")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_defaults_parse_with_overrides() {
        let s = Settings::defaults();
        assert_eq!(s.deadlines.reply_days, 15);
        assert_eq!(s.deadlines.urgency["urgent"].reply_days, Some(5));
        assert_eq!(s.deadlines.category["social_security"].reply_days, Some(10));
        assert!(!s.is_postgres());
    }

    #[test]
    fn local_file_overrides_defaults() {
        let dir = std::env::temp_dir().join(format!("liaison-cfg-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("config")).unwrap();
        std::fs::write(dir.join("config/local.toml"), "[server]\nport = 9999\n").unwrap();
        let s = Settings::load_from(&dir).unwrap();
        assert_eq!(s.server.port, 9999);
        assert_eq!(s.deadlines.feedback_days, 3);
        std::fs::remove_dir_all(dir).ok();
    }
}

/// `[plugins]` in the configuration.
#[derive(Debug, Clone, Deserialize)]
pub struct PluginSettings {
    /// Where precompiled components are cached (per engine version and digest).
    pub cache_dir: String,
    pub view_deadline_ms: u64,
    pub event_deadline_ms: u64,
    pub memory_mib: usize,
    pub max_result_kib: usize,
    pub storage_quota_kib: i64,
    /// Consecutive failures after which a plugin is suspended at a station.
    pub failure_threshold: i32,
    /// Delivery attempts of one case event before it is parked.
    pub max_delivery_attempts: i32,
    pub max_package_mib: usize,
    pub max_host_calls: u32,
}

/// `[web]` in the configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct WebSettings {
    /// "zh" or "en": the language until the visitor picks one.
    pub default_locale: String,
    /// Pixels per module of the PNG QR code.
    pub qr_png_module_px: u32,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            default_locale: "zh".into(),
            qr_png_module_px: 12,
        }
    }
}
