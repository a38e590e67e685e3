//! A generic HTTP gateway: SMS providers and instant-messaging robots (钉钉, 浙政钉, 企业微信
//! style webhooks) that take a JSON POST.
//!
//! The body is a template with placeholders for the message's fields, each value JSON-escaped
//! where it is put (so a subject with quotes or line breaks cannot break the JSON or add a
//! field). The template is checked when the configuration is loaded: its size, its
//! placeholders, and that it is JSON once filled in. Every request carries the message's
//! `Idempotency-Key`; a signature is added when the provider wants one.
//!
//! Answers: 2xx delivered; 4xx `Refused` with the (bounded) answer, since the same request
//! would be refused again; 5xx, a timeout or no connection `Retry`. Redirects are not followed
//! (a webhook that moved is a configuration to fix, not something to chase). The gateway's URL
//! often carries an access token, so it never appears in an error.

use std::time::Duration;

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{KeyInit, Mac};
use reqwest::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use sha2::Sha256;

use crate::{Address, Channel, Message, SendError, SendFuture, bounded};

type HmacSha256 = hmac::Hmac<Sha256>;

/// The placeholders a template may use.
pub const PLACEHOLDERS: [&str; 5] = ["subject", "body", "link", "to", "idempotency_key"];

/// What a gateway delivers to, which decides the addresses it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GatewayKind {
    /// An SMS provider: takes [`Address::Phone`], put in the template as `{{to}}`.
    Sms,
    /// An instant-messaging robot in a station's group chat: takes [`Address::Robot`] of the
    /// stations it is set up for (`stations`), the code put in the template as `{{to}}`.
    Robot,
}

/// How a request is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signature {
    /// 钉钉 style: `timestamp` (milliseconds) and `sign` = base64(HMAC-SHA256(key = secret,
    /// "timestamp\nsecret")) appended to the URL's query, URL-encoded.
    DingTalk { secret: String },
    /// The lowercase hex HMAC-SHA256 of the exact body bytes, keyed by `secret`, in `header`.
    BodyHmac { header: String, secret: String },
}

/// The bounds of templates, bodies and quoted answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest template accepted at load, in bytes.
    pub max_template_bytes: usize,
    /// Longest body sent, in bytes; a message that would fill in larger is refused.
    pub max_body_bytes: usize,
    /// Longest part of a gateway's answer kept for ops.
    pub max_answer_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_template_bytes: 4096,
            max_body_bytes: 16384,
            max_answer_bytes: 512,
        }
    }
}

/// Builds a [`GatewayChannel`].
#[derive(Debug, Clone)]
pub struct GatewayBuilder {
    name: String,
    kind: GatewayKind,
    url: String,
    template: String,
    auth: Option<(String, String)>,
    signature: Option<Signature>,
    timeout: Duration,
    limits: Limits,
    stations: Vec<String>,
}

impl GatewayBuilder {
    /// A gateway called `name` posting `template`, filled in, to `url`; 5 s timeout.
    pub fn new(
        name: impl Into<String>,
        kind: GatewayKind,
        url: impl Into<String>,
        template: impl Into<String>,
    ) -> Self {
        GatewayBuilder {
            name: name.into(),
            kind,
            url: url.into(),
            template: template.into(),
            auth: None,
            signature: None,
            timeout: Duration::from_secs(5),
            limits: Limits::default(),
            stations: Vec::new(),
        }
    }
    /// For a robot: the codes of the stations whose group chat it posts to, `"*"` for every
    /// station (one district-wide group).
    pub fn stations(mut self, stations: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.stations = stations.into_iter().map(Into::into).collect();
        self
    }
    /// Sends `header: value` with every request (e.g. `Authorization: Bearer …`).
    pub fn auth(mut self, header: impl Into<String>, value: impl Into<String>) -> Self {
        self.auth = Some((header.into(), value.into()));
        self
    }
    pub fn signature(mut self, signature: Signature) -> Self {
        self.signature = Some(signature);
        self
    }
    /// The bound of one attempt, connection included.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The channel, or why this configuration cannot work (the template's size, placeholders
    /// or JSON, the URL, a header, an empty secret).
    pub fn build(self) -> anyhow::Result<GatewayChannel> {
        let name = self.name.trim();
        if name.is_empty() || name.len() > 64 {
            bail!("name must be 1 to 64 characters");
        }
        let url = reqwest::Url::parse(&self.url).context("url is not a URL")?;
        if !matches!(url.scheme(), "http" | "https") {
            bail!("url must be http or https");
        }
        if self.template.len() > self.limits.max_template_bytes {
            bail!(
                "template is {} bytes, above notifications.gateway_limits.max_template_bytes ({})",
                self.template.len(),
                self.limits.max_template_bytes
            );
        }
        let template = Template::parse(&self.template)?;
        let auth = match self.auth {
            Some((header, value)) => Some((
                HeaderName::try_from(header.as_str())
                    .context("auth.header is not a header name")?,
                {
                    let mut v = HeaderValue::try_from(value.as_str())
                        .context("auth.value is not a header value")?;
                    v.set_sensitive(true);
                    v
                },
            )),
            None => None,
        };
        match &self.signature {
            Some(Signature::DingTalk { secret }) if secret.is_empty() => {
                bail!("signature.secret is empty")
            }
            Some(Signature::BodyHmac { header, secret }) => {
                HeaderName::try_from(header.as_str())
                    .context("signature.header is not a header name")?;
                if secret.is_empty() {
                    bail!("signature.secret is empty");
                }
            }
            _ => {}
        }
        if self.timeout.is_zero() {
            bail!("timeout_ms must be above 0");
        }
        // A robot with no station would be configured and never addressed: refused at start.
        match self.kind {
            GatewayKind::Robot if self.stations.is_empty() => bail!(
                "stations is empty: a robot names the codes of the stations whose group chat it \
                 posts to, or \"*\" for every station"
            ),
            GatewayKind::Sms if !self.stations.is_empty() => {
                bail!("stations is for robots; an SMS gateway texts people, not stations")
            }
            _ => {}
        }
        let client = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .context("cannot set up the HTTP client")?;
        Ok(GatewayChannel {
            name: name.to_owned(),
            kind: self.kind,
            url,
            template,
            auth,
            signature: self.signature,
            limits: self.limits,
            stations: self.stations,
            client,
        })
    }
}

/// A template split at its placeholders, checked once at load.
#[derive(Debug, Clone)]
struct Template {
    /// Literal text and placeholders in order.
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Field(&'static str),
}

impl Template {
    fn parse(source: &str) -> anyhow::Result<Self> {
        let mut parts = Vec::new();
        let mut rest = source;
        while let Some(start) = rest.find("{{") {
            parts.push(Part::Text(rest[..start].to_owned()));
            let after = &rest[start + 2..];
            let end = after
                .find("}}")
                .context("template has a `{{` without its `}}`")?;
            let field = after[..end].trim();
            let known = PLACEHOLDERS
                .iter()
                .find(|p| **p == field)
                .with_context(|| {
                    format!(
                        "template has an unknown placeholder {{{{{field}}}}}; known: {}",
                        PLACEHOLDERS.join(", ")
                    )
                })?;
            parts.push(Part::Field(known));
            rest = &after[end + 2..];
        }
        parts.push(Part::Text(rest.to_owned()));
        let template = Template { parts };
        // Filled with awkward values, it must still be one JSON object: placeholders sit inside
        // JSON strings, where the escaped values belong.
        let sample = template.fill(|_| "\"q\"\n中文\\".to_owned());
        let value: serde_json::Value = serde_json::from_str(&sample)
            .context("template is not JSON once its placeholders are filled in (placeholders go inside JSON strings)")?;
        if !value.is_object() {
            bail!("template must be a JSON object");
        }
        Ok(template)
    }

    /// The body with every placeholder replaced by its value, JSON-escaped without quotes.
    fn fill(&self, value: impl Fn(&str) -> String) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Field(f) => out.push_str(&escape(&value(f))),
            }
        }
        out
    }
}

/// `s` as the inside of a JSON string.
fn escape(s: &str) -> String {
    let quoted = serde_json::Value::String(s.to_owned()).to_string();
    quoted[1..quoted.len() - 1].to_owned()
}

/// The 钉钉 signature of `timestamp` (milliseconds since the epoch): base64 of
/// HMAC-SHA256(key = secret, "timestamp\nsecret"), before URL encoding.
pub fn dingtalk_sign(timestamp: i64, secret: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(format!("{timestamp}\n{secret}").as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

/// The lowercase hex HMAC-SHA256 of `body` keyed by `secret`.
pub fn body_hmac(body: &[u8], secret: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// An HTTP gateway channel.
pub struct GatewayChannel {
    name: String,
    kind: GatewayKind,
    url: reqwest::Url,
    template: Template,
    auth: Option<(HeaderName, HeaderValue)>,
    signature: Option<Signature>,
    limits: Limits,
    stations: Vec<String>,
    client: reqwest::Client,
}

impl std::fmt::Debug for GatewayChannel {
    /// Without the URL, the auth value or the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayChannel")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl GatewayChannel {
    /// The JSON body for `message`, or `Refused` when it would be larger than allowed.
    pub fn body(&self, message: &Message) -> Result<String, SendError> {
        let to = match &message.to {
            Address::Phone(p) => p.as_str(),
            Address::Robot(r) => r.as_str(),
            _ => "",
        };
        let body = self.template.fill(|field| match field {
            "subject" => message.subject.clone(),
            "body" => message.body.clone(),
            "link" => message.link.clone().unwrap_or_default(),
            "to" => to.to_owned(),
            _ => message.idempotency_key.clone(),
        });
        if body.len() > self.limits.max_body_bytes {
            return Err(SendError::Refused(format!(
                "the message fills the template to {} bytes, above {}",
                body.len(),
                self.limits.max_body_bytes
            )));
        }
        Ok(body)
    }

    async fn post(&self, message: &Message) -> Result<(), SendError> {
        let body = self.body(message)?;
        let mut url = self.url.clone();
        let mut request = self
            .client
            .post(url.clone())
            .header(CONTENT_TYPE, "application/json; charset=utf-8");
        match &self.signature {
            Some(Signature::DingTalk { secret }) => {
                let timestamp = chrono::Utc::now().timestamp_millis();
                url.query_pairs_mut()
                    .append_pair("timestamp", &timestamp.to_string())
                    .append_pair("sign", &dingtalk_sign(timestamp, secret));
                request = self
                    .client
                    .post(url)
                    .header(CONTENT_TYPE, "application/json; charset=utf-8");
            }
            Some(Signature::BodyHmac { header, secret }) => {
                request = request.header(header.as_str(), body_hmac(body.as_bytes(), secret));
            }
            None => {}
        }
        if let Some((name, value)) = &self.auth {
            request = request.header(name, value);
        }
        let answer = request
            .header("Idempotency-Key", message.idempotency_key.as_str())
            .body(body)
            .send()
            .await
            .map_err(|e| SendError::Retry(describe(&e)))?;
        let status = answer.status();
        if status.is_success() {
            return Ok(());
        }
        let text = self.read_bounded(answer).await;
        let said = format!("{} answered {status}: {text}", self.name);
        if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            Err(SendError::Retry(said))
        } else {
            Err(SendError::Refused(said))
        }
    }

    /// At most `max_answer_bytes` of the answer's body, as text; the rest is never read.
    async fn read_bounded(&self, mut answer: reqwest::Response) -> String {
        let max = self.limits.max_answer_bytes;
        let mut bytes = Vec::new();
        while bytes.len() <= max {
            match answer.chunk().await {
                Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                _ => break,
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        bounded(text.trim(), max)
    }
}

/// A transport failure in words, without the URL (it may carry an access token).
fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut detail = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        what.to_owned()
    } else {
        format!("{what}: {}", bounded(&detail, 200))
    }
}

impl Channel for GatewayChannel {
    fn name(&self) -> &str {
        &self.name
    }

    fn group_chat(&self) -> bool {
        self.kind == GatewayKind::Robot
    }

    fn accepts(&self, to: &Address) -> bool {
        match (self.kind, to) {
            (GatewayKind::Sms, Address::Phone(_)) => true,
            (GatewayKind::Robot, Address::Robot(station)) => {
                self.stations.iter().any(|s| s == "*" || s == station)
            }
            _ => false,
        }
    }

    fn send<'a>(&'a self, message: &'a Message) -> SendFuture<'a> {
        Box::pin(async move {
            if !self.accepts(&message.to) {
                return Err(SendError::Refused(format!(
                    "{} cannot deliver to {:?}",
                    self.name, message.to
                )));
            }
            self.post(message).await
        })
    }
}
