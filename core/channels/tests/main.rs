#![allow(clippy::unwrap_used)] // test code: a panic is the failure report
//! The channels against real servers on this machine: an SMTP receiver speaking SMTP on a real
//! socket, and an HTTP receiver (axum) that checks what arrives. One test binary for the crate.

mod support;

mod email;
mod gateway;
mod settings;
mod sink;
