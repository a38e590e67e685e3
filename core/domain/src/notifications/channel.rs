//! The one trait every delivery channel implements, and the message it is handed.
//!
//! The dispatcher owns retries, backoff, parking and idempotency; an adapter only tries once and
//! says whether trying again could help ([`SendError::Retry`]) or not ([`SendError::Refused`],
//! e.g. an SMTP 5xx or a gateway's 4xx, which parks the message with the answer for ops).

use std::future::Future;
use std::pin::Pin;

/// Where one message goes. Contact data in here is never logged (`Debug` masks it).
#[derive(Clone, PartialEq, Eq)]
pub enum Address {
    /// A user's in-app inbox (`users.id`).
    User(i64),
    /// An e-mail address, already validated.
    Email(String),
    /// A mobile number (11 digits, mainland China), already validated; for SMS gateways.
    Phone(String),
    /// The group chat of a station (its code), where a configured instant-messaging robot
    /// (钉钉/浙政钉/企业微信 style) posts what the station's staff are told.
    Robot(String),
}

impl std::fmt::Debug for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Address::User(id) => write!(f, "User({id})"),
            Address::Email(_) => f.write_str("Email(…)"),
            Address::Phone(_) => f.write_str("Phone(…)"),
            Address::Robot(station) => write!(f, "Robot({station})"),
        }
    }
}

/// One message, rendered in the recipient's language, ready to send.
#[derive(Debug, Clone)]
pub struct Message {
    /// Stable across retries of the same message, so a receiver recognises a duplicate
    /// (sent as `Idempotency-Key` / `Message-ID`).
    pub idempotency_key: String,
    /// What kind of message this is, e.g. `case.assigned` (a template's key).
    pub kind: String,
    /// The recipient.
    pub to: Address,
    /// One line: the e-mail subject, the robot's title, the bell's heading.
    pub subject: String,
    /// The text (plain; SMS keep it short). Never an internal note's content for residents.
    pub body: String,
    /// An absolute link to the page the message is about, when there is one.
    pub link: Option<String>,
    /// An urgent case's message, which quiet hours do not hold back.
    pub urgent: bool,
}

/// Why one attempt failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later (connection refused, timeout, 5xx of a gateway, SMTP 4xx).
    #[error("will retry: {0}")]
    Retry(String),
    /// Trying again cannot help (a gateway's 4xx, SMTP 5xx, an address the channel cannot
    /// serve): the message is parked with this answer for ops to see.
    #[error("refused: {0}")]
    Refused(String),
}

/// A boxed future, so channels can live behind `Arc<dyn Channel>`.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SendError>> + Send + 'a>>;

/// A delivery channel: in-app, e-mail, an HTTP gateway.
pub trait Channel: Send + Sync {
    /// The channel's name as stored with each delivery and shown to ops ("in_app", "email",
    /// "sms", or a robot gateway's configured name).
    fn name(&self) -> &str;
    /// Whether this channel can deliver to `to` (an e-mail channel takes `Address::Email`).
    fn accepts(&self, to: &Address) -> bool;
    /// Whether this channel posts to stations' group chats ([`Address::Robot`]) rather than to
    /// people: it gets one delivery per station and cause, however many of the station's staff
    /// are told.
    fn group_chat(&self) -> bool {
        false
    }
    /// One attempt to deliver `message`. Bounded in time by the adapter itself.
    fn send<'a>(&'a self, message: &'a Message) -> SendFuture<'a>;
}
