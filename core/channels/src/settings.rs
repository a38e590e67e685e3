//! The channels' part of `[notifications]` in the configuration, and the channels built from it.
//!
//! The domain's `Settings` owns the rest of `[notifications]`; these keys are read from the
//! same layered source (the embedded `config/default.toml`, then `config/default.toml` and
//! `config/local.toml` of the working directory, then `LIAISON__…` variables) by
//! [`ChannelSettings::load_from`], or from a `config::Config` the app already built by
//! [`ChannelSettings::from_config`]. The app wires them as:
//!
//! ```ignore
//! let channels = liaison_channels::from_settings(&liaison_channels::ChannelSettings::load()?)?;
//! ```
//!
//! Every channel is off by default (the in-app channel lives in the domain and is always on).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use config::{Config, Environment, File, FileFormat};
use serde::Deserialize;

use crate::email::{EmailBuilder, TlsMode};
use crate::gateway::{GatewayBuilder, GatewayKind, Limits, Signature};
use crate::sink::SinkChannel;
use crate::{Channel, secret};

const EMBEDDED_DEFAULTS: &str = include_str!("../../../config/default.toml");

/// `[notifications.email]`, `[[notifications.gateways]]`, `[notifications.gateway_limits]`
/// and `[notifications.sink]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ChannelSettings {
    pub email: EmailSettings,
    pub gateways: Vec<GatewaySettings>,
    pub gateway_limits: LimitSettings,
    pub sink: SinkSettings,
}

/// `[notifications.email]`: one SMTP server.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct EmailSettings {
    pub enabled: bool,
    pub host: String,
    pub port: u16,
    /// "none", "starttls" or "tls".
    pub tls: TlsMode,
    /// Empty: no sign-in.
    pub username: String,
    pub password: String,
    /// The environment variable holding the password, instead of `password`.
    pub password_env: String,
    /// The sender's mailbox, e.g. "路桥区人大联络站 <noreply@example.org>".
    pub from: String,
    pub timeout_ms: u64,
}

impl Default for EmailSettings {
    fn default() -> Self {
        EmailSettings {
            enabled: false,
            host: "localhost".into(),
            port: 587,
            tls: TlsMode::Starttls,
            username: String::new(),
            password: String::new(),
            password_env: String::new(),
            from: String::new(),
            timeout_ms: 10_000,
        }
    }
}

/// One `[[notifications.gateways]]` entry.
#[derive(Debug, Clone, Deserialize)]
pub struct GatewaySettings {
    /// The channel's name, shown to ops.
    pub name: String,
    /// "sms" or "robot".
    pub kind: GatewayKind,
    #[serde(default)]
    pub enabled: bool,
    /// Where to POST. Often carries an access token: never logged.
    pub url: String,
    /// The JSON body with `{{subject}}`, `{{body}}`, `{{link}}`, `{{to}}`, `{{idempotency_key}}`
    /// inside its strings.
    pub template: String,
    #[serde(default)]
    pub auth: Option<AuthSettings>,
    #[serde(default)]
    pub signature: Option<SignatureSettings>,
    #[serde(default = "default_gateway_timeout_ms")]
    pub timeout_ms: u64,
    /// For a robot: the codes of the stations whose group chat it posts to, or `"*"`.
    #[serde(default)]
    pub stations: Vec<String>,
}

fn default_gateway_timeout_ms() -> u64 {
    5_000
}

/// `auth` of a gateway: one header sent with every request.
#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    pub header: String,
    #[serde(default)]
    pub value: String,
    /// The environment variable holding the value, instead of `value`.
    #[serde(default)]
    pub value_env: String,
}

/// `signature` of a gateway.
#[derive(Debug, Clone, Deserialize)]
pub struct SignatureSettings {
    /// "dingtalk" or "hmac".
    pub kind: String,
    /// For "hmac": the header carrying the hex HMAC-SHA256 of the body.
    #[serde(default)]
    pub header: String,
    #[serde(default)]
    pub secret: String,
    /// The environment variable holding the secret, instead of `secret`.
    #[serde(default)]
    pub secret_env: String,
}

/// `[notifications.gateway_limits]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct LimitSettings {
    pub max_template_bytes: usize,
    pub max_body_bytes: usize,
    pub max_answer_bytes: usize,
}

impl Default for LimitSettings {
    fn default() -> Self {
        let l = Limits::default();
        LimitSettings {
            max_template_bytes: l.max_template_bytes,
            max_body_bytes: l.max_body_bytes,
            max_answer_bytes: l.max_answer_bytes,
        }
    }
}

/// `[notifications.sink]`: the demo's file of deliveries.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct SinkSettings {
    pub enabled: bool,
    pub path: String,
}

impl Default for SinkSettings {
    fn default() -> Self {
        SinkSettings {
            enabled: false,
            path: "data/outbox-sink.jsonl".into(),
        }
    }
}

#[derive(Deserialize, Default)]
struct Root {
    #[serde(default)]
    notifications: ChannelSettings,
}

impl ChannelSettings {
    /// The channels' keys of an already built configuration (other keys are ignored).
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let root: Root = config
            .clone()
            .try_deserialize()
            .context("the [notifications] channel settings")?;
        Ok(root.notifications)
    }

    /// The channels' keys from the same layers as the domain's settings, relative to `dir`.
    pub fn load_from(dir: &Path) -> anyhow::Result<Self> {
        let config = Config::builder()
            .add_source(File::from_str(EMBEDDED_DEFAULTS, FileFormat::Toml))
            .add_source(File::from(dir.join("config/default.toml")).required(false))
            .add_source(File::from(dir.join("config/local.toml")).required(false))
            .add_source(
                Environment::with_prefix("LIAISON")
                    .prefix_separator("__")
                    .separator("__")
                    .try_parsing(true),
            )
            .build()?;
        Self::from_config(&config)
    }

    /// [`Self::load_from`] the working directory.
    pub fn load() -> anyhow::Result<Self> {
        Self::load_from(Path::new("."))
    }

    /// The embedded defaults alone.
    pub fn defaults() -> Self {
        Config::builder()
            .add_source(File::from_str(EMBEDDED_DEFAULTS, FileFormat::Toml))
            .build()
            .map_err(anyhow::Error::from)
            .and_then(|c| Self::from_config(&c))
            .expect("embedded defaults are valid")
    }
}

fn email(s: &EmailSettings) -> anyhow::Result<Arc<dyn Channel>> {
    let mut b = EmailBuilder::new(&s.host, &s.from)
        .port(s.port)
        .tls(s.tls)
        .timeout(Duration::from_millis(s.timeout_ms));
    if !s.username.is_empty() {
        let password = secret::resolve(&s.password, &s.password_env, "password")?;
        b = b.credentials(&s.username, password);
    }
    Ok(Arc::new(b.build()?))
}

fn gateway(s: &GatewaySettings, limits: Limits) -> anyhow::Result<Arc<dyn Channel>> {
    let mut b = GatewayBuilder::new(&s.name, s.kind, &s.url, &s.template)
        .timeout(Duration::from_millis(s.timeout_ms))
        .limits(limits)
        .stations(s.stations.iter().map(|c| c.trim()));
    if let Some(a) = &s.auth {
        b = b.auth(
            &a.header,
            secret::resolve(&a.value, &a.value_env, "auth.value")?,
        );
    }
    if let Some(sig) = &s.signature {
        let secret = secret::resolve(&sig.secret, &sig.secret_env, "signature.secret")?;
        b = b.signature(match sig.kind.as_str() {
            "dingtalk" => Signature::DingTalk { secret },
            "hmac" => Signature::BodyHmac {
                header: sig.header.clone(),
                secret,
            },
            other => bail!("signature.kind {other:?} is neither \"dingtalk\" nor \"hmac\""),
        });
    }
    Ok(Arc::new(b.build()?))
}

/// The enabled channels, in the order e-mail, gateways (as listed), sink; an error names the
/// key at fault, so a bad configuration stops the server at start rather than at the first
/// message. Two channels may not share a name.
pub fn from_settings(settings: &ChannelSettings) -> anyhow::Result<Vec<Arc<dyn Channel>>> {
    let mut out: Vec<Arc<dyn Channel>> = Vec::new();
    if settings.email.enabled {
        out.push(email(&settings.email).context("notifications.email")?);
    }
    let limits = Limits {
        max_template_bytes: settings.gateway_limits.max_template_bytes,
        max_body_bytes: settings.gateway_limits.max_body_bytes,
        max_answer_bytes: settings.gateway_limits.max_answer_bytes,
    };
    for (i, g) in settings.gateways.iter().enumerate() {
        if g.enabled {
            out.push(
                gateway(g, limits)
                    .with_context(|| format!("notifications.gateways[{i}] ({})", g.name))?,
            );
        }
    }
    if settings.sink.enabled {
        out.push(Arc::new(
            SinkChannel::new(&settings.sink.path).context("notifications.sink")?,
        ));
    }
    let mut names: Vec<&str> = out.iter().map(|c| c.name()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        bail!("two notification channels are named {:?}", w[0]);
    }
    if names.contains(&"in_app") {
        bail!("the channel name \"in_app\" is the in-app channel's");
    }
    Ok(out)
}
