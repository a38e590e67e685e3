//! Real local servers for the tests, each on a random port of 127.0.0.1.

pub mod http;
pub mod smtp;

use liaison_channels::{Address, Message};

/// A message as the dispatcher would hand it over.
pub fn message(to: Address) -> Message {
    Message {
        idempotency_key: "delivery-42".into(),
        kind: "case.assigned".into(),
        to,
        subject: "新案件 \"路南\" / New case".into(),
        body: "第一行：渠道已建成。\nSecond line, with a \\ and a \"quote\".".into(),
        link: Some("https://liaison.example.org/cases/7".into()),
        urgent: false,
    }
}

/// A port nothing listens on: bound, then let go.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    port
}
