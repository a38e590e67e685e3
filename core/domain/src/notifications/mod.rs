//! Notifications: who is told what when a case, a suggestion or a plugin changes, and by which
//! channel. Messages are rows written in the same transaction as the event that causes them (a
//! durable outbox, as plugin deliveries are) and sent after commit, at least once, by
//! [`channel::Channel`] adapters: in-app here, e-mail and HTTP gateways (SMS, instant-messaging
//! robots) in the `liaison-channels` crate.
//!
//! - `rules`: who is told what, pure; `outbox`: the rows, written in the cause's transaction.
//! - `dispatch`: fan-out, sending, retries with backoff, parking, the daily digest, overdue.
//! - `deliveries`: the delivery rows, and what ops see and retry.
//! - `preferences`: channels per kind, quiet hours, contact (validated, never logged).
//! - `suggestions`: deputies' suggestions' steps and the reminders of their deadlines.
//! - `templates`: the catalogue, Chinese and English. `inbox`: the in-app channel and the bell;
//!   `live`: the bell's feed across nodes. `consent`: the resident's consent and opt-out.

pub mod channel;
pub mod consent;
pub mod deliveries;
pub mod dispatch;
pub(crate) mod entity;
pub mod inbox;
pub mod live;
pub mod outbox;
pub mod preferences;
pub mod rules;
pub mod suggestions;
pub mod templates;
