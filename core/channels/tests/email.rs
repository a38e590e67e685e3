//! The e-mail channel against the SMTP receiver of `support::smtp`.

use std::time::Duration;

use liaison_channels::email::{EmailBuilder, EmailChannel, TlsMode, message_id};
use liaison_channels::{Address, Channel, SendError};

use crate::support::smtp::{Mode, SmtpServer, body_text, decode_words, header};
use crate::support::{closed_port, message};

fn channel(port: u16) -> EmailChannel {
    EmailBuilder::new(
        "127.0.0.1",
        "路桥区人大联络站 <noreply@liaison.example.org>",
    )
    .port(port)
    .tls(TlsMode::None)
    .timeout(Duration::from_secs(2))
    .build()
    .expect("a channel")
}

fn to_resident() -> Address {
    Address::Email("resident@example.com".into())
}

#[tokio::test]
async fn a_message_arrives_with_its_text_link_and_stable_message_id() {
    let server = SmtpServer::start().await;
    let email = channel(server.port);
    let m = message(to_resident());
    assert!(email.accepts(&m.to));
    assert!(!email.accepts(&Address::Phone("13800000000".into())));
    email.send(&m).await.expect("delivered");
    email.send(&m).await.expect("delivered again (a retry)");

    let got = server.received();
    assert_eq!(got.len(), 2);
    let first = &got[0];
    assert_eq!(first.mail_from, "<noreply@liaison.example.org>");
    assert_eq!(first.rcpt_to, vec!["<resident@example.com>".to_owned()]);
    let subject = decode_words(&header(&first.data, "Subject").expect("a subject"));
    assert_eq!(subject, m.subject);
    let text = body_text(&first.data);
    assert!(text.starts_with(&m.body), "{text}");
    assert!(
        text.contains("查看 / View: https://liaison.example.org/cases/7"),
        "{text}"
    );
    assert!(
        text.contains("请勿直接回复") && text.contains("please do not reply"),
        "{text}"
    );

    // The same idempotency key gives the same Message-ID on every attempt.
    let id = header(&first.data, "Message-ID").expect("a Message-ID");
    assert_eq!(id, message_id("delivery-42", "liaison.example.org"));
    assert_eq!(header(&got[1].data, "Message-ID"), Some(id.clone()));
    let mut other = m.clone();
    other.idempotency_key = "delivery-43".into();
    assert_ne!(
        message_id(&other.idempotency_key, "liaison.example.org"),
        id
    );
}

#[tokio::test]
async fn a_4xx_is_retried_and_a_5xx_refused_without_the_address() {
    let server = SmtpServer::start().await;
    let email = channel(server.port);
    let m = message(to_resident());

    server.set_mode(Mode::Transient);
    match email.send(&m).await {
        Err(SendError::Retry(why)) => assert!(why.contains("451"), "{why}"),
        other => panic!("a 451 is worth a retry: {other:?}"),
    }

    server.set_mode(Mode::Permanent);
    match email.send(&m).await {
        Err(SendError::Refused(why)) => {
            assert!(why.contains("550") && why.contains("no such user"), "{why}");
            assert!(
                !why.contains("resident@example.com"),
                "the address leaked: {why}"
            );
        }
        other => panic!("a 550 is refused: {other:?}"),
    }
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn a_silent_server_times_out_and_is_retried() {
    let server = SmtpServer::start().await;
    server.set_mode(Mode::Silent);
    let email = EmailBuilder::new("127.0.0.1", "noreply@liaison.example.org")
        .port(server.port)
        .tls(TlsMode::None)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    match email.send(&message(to_resident())).await {
        Err(SendError::Retry(_)) => {}
        other => panic!("a timeout is worth a retry: {other:?}"),
    }
}

#[tokio::test]
async fn an_unreachable_server_is_retried() {
    let email = channel(closed_port());
    match email.send(&message(to_resident())).await {
        Err(SendError::Retry(_)) => {}
        other => panic!("no server is worth a retry: {other:?}"),
    }
}

#[tokio::test]
async fn a_bad_sender_or_recipient_is_refused() {
    assert!(
        EmailBuilder::new("127.0.0.1", "not a mailbox")
            .build()
            .is_err()
    );
    assert!(EmailBuilder::new("", "a@b.org").build().is_err());
    let server = SmtpServer::start().await;
    let email = channel(server.port);
    let m = message(Address::Email("no at sign".into()));
    assert!(matches!(email.send(&m).await, Err(SendError::Refused(_))));
    let m = message(Address::User(3));
    assert!(matches!(email.send(&m).await, Err(SendError::Refused(_))));
    assert!(server.received().is_empty());
}
