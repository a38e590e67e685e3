//! Delivery channels that leave the database: e-mail over SMTP ([`email`]), HTTP gateways for
//! SMS and instant-messaging robots ([`gateway`]), and a local file sink the demo turns on
//! ([`sink`]). Each implements the domain's [`Channel`] contract: one attempt, bounded in time,
//! answering `Retry` when trying again could help and `Refused` (with the server's answer) when
//! it cannot. Retries, backoff, parking and idempotency belong to the dispatcher.
//!
//! [`settings`] reads `[notifications.email]`, `[[notifications.gateways]]`,
//! `[notifications.gateway_limits]` and `[notifications.sink]` from the layered configuration,
//! and [`from_settings`] builds the enabled channels, refusing a bad configuration at startup.
//!
//! Contact data (e-mail addresses, phone numbers) and secrets (passwords, tokens, gateway URLs
//! that carry an access token) never reach a log or an error message.

pub mod email;
pub mod gateway;
mod secret;
pub mod settings;
pub mod sink;

use std::sync::Arc;

pub use liaison_domain::notifications::channel::{
    Address, Channel, Message, SendError, SendFuture,
};
pub use settings::{ChannelSettings, from_settings};

/// Cuts `text` to at most `max` bytes on a character boundary, so an answer quoted to ops stays
/// bounded whatever the server sent.
pub(crate) fn bounded(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// The channels as the dispatcher holds them.
pub type Channels = Vec<Arc<dyn Channel>>;
