//! Settings: the embedded defaults, then `config/default.toml` and `config/local.toml` from the
//! working directory when present, then `LIAISON__SECTION__KEY` environment variables.

use std::collections::HashMap;
use std::path::Path;

use config::{Config, Environment, File, FileFormat};
use serde::Deserialize;

const EMBEDDED_DEFAULTS: &str = include_str!("../../../config/default.toml");

/// Everything Liaison reads at startup, one field per section of the configuration file.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// `[server]`: where to listen, the public address, request limits.
    pub server: ServerSettings,
    /// `[database]`: which database and how many connections.
    pub database: DatabaseSettings,
    /// `[log]`: what to log and in which form.
    pub log: LogSettings,
    /// `[auth]`: session length and password-hashing cost.
    pub auth: AuthSettings,
    /// `[deadlines]`: the working-day limits of the handling steps.
    pub deadlines: DeadlineRules,
    /// `[plugins]`: the sandbox limits of station brands.
    pub plugins: PluginSettings,
    /// `[web]`: defaults of the pages; optional.
    #[serde(default)]
    pub web: WebSettings,
    /// `[photos]`: where residents' photos go and how large they may be; optional.
    #[serde(default)]
    pub photos: crate::cases::photos::PhotoSettings,
    /// `[suggestions]`: the time limits of deputies' suggestions and motions; optional.
    #[serde(default)]
    pub suggestions: SuggestionRules,
    /// `[notifications]`: retries, quiet hours and digests of notifications; optional. Its
    /// channel subsections (`[notifications.email]`, …) are read by the channels' own crate.
    #[serde(default)]
    pub notifications: NotificationSettings,
    /// `[metrics]`: who may scrape `/metrics`; optional (absent: metrics are off).
    #[serde(default)]
    pub metrics: MetricsSettings,
    /// `[jobs]`: the leases that keep cluster-wide jobs on one node at a time; optional.
    #[serde(default)]
    pub jobs: crate::jobs::JobSettings,
}

/// `[notifications]` in the configuration. Unknown keys and subsections are ignored (the
/// channel adapters read theirs), so this struct never refuses a channel's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct NotificationSettings {
    /// Failed attempts of one delivery before it is parked for ops.
    pub max_attempts: i32,
    /// Seconds before the first retry; each further retry waits twice as long.
    pub backoff_secs: u64,
    /// The longest wait between two attempts, in seconds.
    pub backoff_max_secs: u64,
    /// Seconds a node holds a delivery it is sending before another node may try it.
    pub lease_secs: u64,
    /// How often the dispatcher looks for work, in milliseconds.
    pub tick_ms: u64,
    /// Quiet hours of users who did not set their own: start, `HH:MM` China Standard Time.
    pub quiet_from: String,
    /// Quiet hours of users who did not set their own: end, `HH:MM`.
    pub quiet_to: String,
    /// When the handlers' digest of due-soon and overdue cases goes out on working days.
    pub digest_time: String,
    /// Messages to one person on one push channel (e-mail, SMS) within `digest_window_secs`
    /// after which further ones wait and go out together as one digest; 0 never gathers.
    pub digest_threshold: u32,
    /// The window of `digest_threshold`, in seconds.
    pub digest_window_secs: u64,
}

impl Default for NotificationSettings {
    fn default() -> Self {
        NotificationSettings {
            max_attempts: 6,
            backoff_secs: 30,
            backoff_max_secs: 3600,
            lease_secs: 120,
            tick_ms: 500,
            quiet_from: "22:00".into(),
            quiet_to: "07:00".into(),
            digest_time: "09:00".into(),
            digest_threshold: 5,
            digest_window_secs: 300,
        }
    }
}

/// `[metrics]` in the configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MetricsSettings {
    /// The bearer token Prometheus sends to `/metrics`. Empty: no metrics are recorded and
    /// `/metrics` answers 404, so a node never exposes its figures by accident.
    pub token: String,
}

/// `[suggestions]` in the configuration: limits in calendar months from assignment (交办),
/// moved to the next working day when they fall on a holiday.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct SuggestionRules {
    /// Months for the lead organisation to reply (答复); practice says three, six at most.
    pub reply_months: u32,
    /// Months for co-organisations to send their opinion to the lead.
    pub co_opinion_months: u32,
    /// Months to handle an item again after the deputy's unsatisfied evaluation.
    pub rehandle_months: u32,
    /// A deadline this many working days away or fewer counts as "due soon".
    pub due_soon_days: u32,
}

impl Default for SuggestionRules {
    fn default() -> Self {
        SuggestionRules {
            reply_months: 3,
            co_opinion_months: 1,
            rehandle_months: 1,
            due_soon_days: 10,
        }
    }
}

/// `[server]` in the configuration.
#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    /// The address to listen on (e.g. "127.0.0.1").
    pub host: String,
    /// The TCP port to listen on.
    pub port: u16,
    /// Where residents' QR codes point, printed on posters.
    pub public_base_url: String,
    /// Largest request body accepted, in bytes (larger answers 413).
    pub body_limit_bytes: usize,
    /// Resident intake per client address: submissions allowed in a burst (then one more every
    /// `intake_refill_ms`).
    pub intake_burst: u32,
    /// Milliseconds until one more intake is allowed after the burst.
    pub intake_refill_ms: u64,
    /// Sign-in attempts per client address allowed in a burst (then one more every
    /// `login_refill_ms`).
    pub login_burst: u32,
    /// Milliseconds until one more sign-in attempt is allowed after the burst.
    pub login_refill_ms: u64,
    /// Requests per client address to every endpoint that takes a receipt code (tracking,
    /// rating, the receipt page), allowed in a burst (then one more every `receipt_refill_ms`):
    /// one budget for all of them, API and pages.
    #[serde(default = "default_receipt_burst")]
    pub receipt_burst: u32,
    /// Milliseconds until one more receipt-code request is allowed after the burst.
    #[serde(default = "default_receipt_refill_ms")]
    pub receipt_refill_ms: u64,
    /// Reverse proxies (addresses or networks such as `10.0.0.0/8`) whose `Forwarded` or
    /// `X-Forwarded-For` names the client; from any other peer those headers are ignored and
    /// the peer is the client. Empty: no proxy is trusted.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
    /// Seconds a stopping server (SIGTERM, Ctrl-C) gives in-flight requests, intake batches and
    /// plugin calls to finish after it stops accepting connections; then it exits regardless.
    #[serde(default = "default_shutdown_grace_secs")]
    pub shutdown_grace_secs: u64,
}

fn default_shutdown_grace_secs() -> u64 {
    30
}

fn default_receipt_burst() -> u32 {
    30
}

fn default_receipt_refill_ms() -> u64 {
    2000
}

/// `[database]` in the configuration.
#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    /// The connection URL: `sqlite://…` (the embedded default) or `postgres://…`.
    pub url: String,
    /// Pool size for PostgreSQL.
    pub max_connections: u32,
    /// Pool size for SQLite; 1, since SQLite takes one writer at a time and one connection queues writers fairly instead of letting them spin on SQLITE_BUSY.
    pub sqlite_max_connections: u32,
    /// SQLite's `synchronous` pragma: "full" (a 201 survives power loss) or "normal" (survives a crash of the process, not of the machine).
    pub sqlite_synchronous: String,
}

/// `[log]` in the configuration.
#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    /// An EnvFilter directive; RUST_LOG wins when set.
    pub filter: String,
    /// JSON lines instead of plain text (both go to standard error).
    pub json: bool,
}

/// `[auth]` in the configuration.
#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    /// How long a sign-in session lasts, in hours.
    pub session_hours: i64,
    /// Argon2id memory cost, in KiB; tests lower it through the environment, production keeps it.
    pub argon2_memory_kib: u32,
    /// Argon2id iterations.
    pub argon2_iterations: u32,
    /// Argon2id lanes.
    pub argon2_parallelism: u32,
}

/// Working-day limits; see `cases::deadlines` for how overrides combine.
#[derive(Debug, Clone, Deserialize)]
pub struct DeadlineRules {
    /// Working days for a handling organisation to acknowledge (签收) an assigned case.
    pub sign_for_days: u32,
    /// Working days to reply (答复) to an ordinary case.
    pub reply_days: u32,
    /// Working days to reply to a case triaged as complex.
    pub complex_reply_days: u32,
    /// Working days for the deputy or station to relay the reply to the resident (代表反馈).
    pub feedback_days: u32,
    /// Calendar days (not working days) the resident has to rate before the case closes unrated.
    pub rating_window_days: u32,
    /// A deadline this many working days away or fewer counts as "due soon" (超期预警).
    pub due_soon_days: u32,
    /// Extensions (延期) one case may be granted.
    pub max_extensions: u32,
    /// Most working days one extension may add.
    pub max_extension_days: u32,
    /// Overrides per urgency ("urgent"): they may only tighten a limit.
    #[serde(default)]
    pub urgency: HashMap<String, DeadlineOverride>,
    /// Overrides per category code: they may change a limit either way.
    #[serde(default)]
    pub category: HashMap<String, DeadlineOverride>,
}

/// Limits that replace the general ones for one urgency or category; none keeps the general limit.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeadlineOverride {
    /// Working days to acknowledge (签收).
    pub sign_for_days: Option<u32>,
    /// Working days to reply to an ordinary case.
    pub reply_days: Option<u32>,
    /// Working days to reply to a complex case.
    pub complex_reply_days: Option<u32>,
    /// Working days to relay the reply to the resident.
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

    /// Reads settings relative to the working directory.
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

    /// Whether the database URL is a PostgreSQL one (otherwise SQLite).
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
    /// Wall-clock deadline of one view call (a page fragment), in milliseconds.
    pub view_deadline_ms: u64,
    /// Wall-clock deadline of one case-event call, in milliseconds.
    pub event_deadline_ms: u64,
    /// Linear memory per plugin instance, in MiB.
    pub memory_mib: usize,
    /// Largest view or action answer accepted from a plugin, in KiB.
    pub max_result_kib: usize,
    /// Each plugin's own storage per station, in KiB.
    pub storage_quota_kib: i64,
    /// Failures within `failure_window_secs` after which a plugin is suspended at a station.
    pub failure_threshold: i32,
    /// Delivery attempts of one case event before it is parked.
    pub max_delivery_attempts: i32,
    /// Largest plugin package accepted for install, in MiB.
    pub max_package_mib: usize,
    /// Host calls one plugin call may make.
    pub max_host_calls: u32,
    /// Plugin calls running at once in this process, all plugins together. At most the
    /// instance pool's size, so a call that got a slot always gets an instance.
    #[serde(default = "default_max_concurrent_calls")]
    pub max_concurrent_calls: u32,
    /// Calls of one plugin running at once, all its stations together: one plugin cannot take
    /// the whole capacity.
    #[serde(default = "default_max_concurrent_per_plugin")]
    pub max_concurrent_per_plugin: u32,
    /// Plugin calls for one station running at once, all its plugins together.
    #[serde(default = "default_max_concurrent_per_station")]
    pub max_concurrent_per_station: u32,
    /// How long a call waits for a slot before it is answered "busy" (503 with Retry-After),
    /// in milliseconds. Waiting does not count toward the call's deadline.
    #[serde(default = "default_queue_wait_ms")]
    pub queue_wait_ms: u64,
    /// The time one page gives all its brand views together, in milliseconds; a view not done
    /// by then is shown as a notice.
    #[serde(default = "default_page_budget_ms")]
    pub page_budget_ms: u64,
    /// The window failures are counted in, in seconds: `failure_threshold` failures within it
    /// suspend the plugin at the station, successes in between or not.
    #[serde(default = "default_failure_window_secs")]
    pub failure_window_secs: u64,
    /// Staff notifications (`notify-staff`) one plugin may send per station per hour.
    #[serde(default = "default_staff_notify_per_hour")]
    pub staff_notify_per_hour: u32,
}

fn default_max_concurrent_calls() -> u32 {
    64
}
fn default_max_concurrent_per_plugin() -> u32 {
    8
}
fn default_max_concurrent_per_station() -> u32 {
    16
}
fn default_queue_wait_ms() -> u64 {
    250
}
fn default_page_budget_ms() -> u64 {
    500
}
fn default_failure_window_secs() -> u64 {
    600
}
fn default_staff_notify_per_hour() -> u32 {
    10
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
