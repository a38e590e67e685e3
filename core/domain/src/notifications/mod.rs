//! Notifications: who is told what when a case, a suggestion or a plugin changes, and by which
//! channel. Messages are rows written in the same transaction as the event that causes them (a
//! durable outbox, as plugin deliveries are) and sent after commit, at least once, by
//! [`channel::Channel`] adapters: in-app here, e-mail and HTTP gateways (SMS, instant-messaging
//! robots) in the `liaison-channels` crate.

pub mod channel;
