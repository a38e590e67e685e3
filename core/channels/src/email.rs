//! E-mail over SMTP (lettre, on tokio, TLS by rustls when asked for).
//!
//! One attempt per [`Channel::send`]: a fresh connection (no pool, so a server that went away
//! is not found out by the next message), every step and the whole attempt bounded by the
//! configured timeout. An SMTP 4xx or any failure to talk to the server is `Retry`; a 5xx is
//! `Refused` with the server's answer, with the recipient's address cut out of it, since the
//! answer is kept and shown to ops.

use std::time::Duration;

use anyhow::{Context, bail};
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message as Email};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use sha2::{Digest, Sha256};

use crate::{Address, Channel, Message, SendError, bounded};

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain text: only for a relay on the same machine or a trusted network.
    None,
    /// Plain connection upgraded with STARTTLS, which must succeed (usually port 587).
    Starttls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

/// The longest server answer quoted in a `Refused`/`Retry`.
const ANSWER_BYTES: usize = 512;

/// Builds an [`EmailChannel`].
#[derive(Debug, Clone)]
pub struct EmailBuilder {
    host: String,
    port: u16,
    tls: TlsMode,
    credentials: Option<(String, String)>,
    from: String,
    timeout: Duration,
}

impl EmailBuilder {
    /// A channel sending through `host` from the mailbox `from` ("名称 <addr@example.org>" or
    /// a bare address); port 587 with STARTTLS and a 10 s timeout until told otherwise.
    pub fn new(host: impl Into<String>, from: impl Into<String>) -> Self {
        EmailBuilder {
            host: host.into(),
            port: 587,
            tls: TlsMode::Starttls,
            credentials: None,
            from: from.into(),
            timeout: Duration::from_secs(10),
        }
    }
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
    pub fn tls(mut self, tls: TlsMode) -> Self {
        self.tls = tls;
        self
    }
    /// Signs in with these (AUTH PLAIN or LOGIN, whichever the server offers).
    pub fn credentials(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.credentials = Some((username.into(), password.into()));
        self
    }
    /// The bound of one attempt, connection included.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The channel, or why the configuration cannot work (bad sender, TLS set-up).
    pub fn build(self) -> anyhow::Result<EmailChannel> {
        if self.host.trim().is_empty() {
            bail!("notifications.email.host is empty");
        }
        if self.timeout.is_zero() {
            bail!("notifications.email.timeout_ms must be above 0");
        }
        let from: Mailbox = self
            .from
            .parse()
            .context("notifications.email.from is not a mailbox")?;
        let tls = match self.tls {
            TlsMode::None => Tls::None,
            TlsMode::Starttls => Tls::Required(TlsParameters::new(self.host.clone())?),
            TlsMode::Tls => Tls::Wrapper(TlsParameters::new(self.host.clone())?),
        };
        let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host)
            .port(self.port)
            .tls(tls)
            .timeout(Some(self.timeout));
        if let Some((user, password)) = self.credentials {
            transport = transport.credentials(Credentials::new(user, password));
        }
        let domain = from.email.domain().to_owned();
        Ok(EmailChannel {
            transport: transport.build(),
            from,
            domain,
            timeout: self.timeout,
        })
    }
}

/// The e-mail channel: takes [`Address::Email`].
pub struct EmailChannel {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The sender's domain, the right-hand side of every Message-ID.
    domain: String,
    timeout: Duration,
}

/// The Message-ID of the message with this idempotency key: the same for every retry, so a
/// mail system that saw the first copy recognises the second. Hashed, because a key may hold
/// characters a Message-ID may not.
pub fn message_id(idempotency_key: &str, domain: &str) -> String {
    let digest = Sha256::digest(idempotency_key.as_bytes());
    format!("<{}@{domain}>", hex::encode(&digest[..16]))
}

/// The text of the mail: the message, its link, and a footer saying where it came from, in
/// Chinese with English.
pub fn text(message: &Message) -> String {
    let mut out = String::with_capacity(message.body.len() + 200);
    out.push_str(message.body.trim_end());
    out.push_str("\n\n");
    if let Some(link) = &message.link {
        out.push_str("查看 / View: ");
        out.push_str(link);
        out.push_str("\n\n");
    }
    out.push_str("-- \n此邮件由人大代表联络站平台自动发送，请勿直接回复。\n");
    out.push_str(
        "Sent automatically by Liaison, the deputy liaison platform; please do not reply.\n",
    );
    out
}

impl EmailChannel {
    fn compose(&self, message: &Message, to: &str) -> Result<Email, SendError> {
        let to: Mailbox = to
            .parse()
            .map_err(|_| SendError::Refused("not an e-mail address".into()))?;
        Email::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.as_str())
            .message_id(Some(message_id(&message.idempotency_key, &self.domain)))
            .header(ContentType::TEXT_PLAIN)
            .body(text(message))
            .map_err(|e| SendError::Refused(format!("cannot build the mail: {e}")))
    }
}

impl Channel for EmailChannel {
    fn name(&self) -> &str {
        "email"
    }

    fn accepts(&self, to: &Address) -> bool {
        matches!(to, Address::Email(_))
    }

    fn send<'a>(&'a self, message: &'a Message) -> crate::SendFuture<'a> {
        Box::pin(async move {
            let Address::Email(to) = &message.to else {
                return Err(SendError::Refused(
                    "the e-mail channel takes e-mail addresses".into(),
                ));
            };
            let mail = self.compose(message, to)?;
            // lettre bounds each step by the timeout; this bounds the whole conversation.
            let sent = tokio::time::timeout(self.timeout, self.transport.send(mail)).await;
            match sent {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) => {
                    // The server's answer may quote the address it refused: cut it out.
                    let answer = bounded(
                        &e.to_string().replace(to.as_str(), "<recipient>"),
                        ANSWER_BYTES,
                    );
                    if e.is_permanent() {
                        Err(SendError::Refused(answer))
                    } else {
                        Err(SendError::Retry(answer))
                    }
                }
                Err(_) => Err(SendError::Retry(format!(
                    "the SMTP server did not finish within {} ms",
                    self.timeout.as_millis()
                ))),
            }
        })
    }
}
