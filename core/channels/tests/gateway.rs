//! The HTTP gateway channel against the receiver of `support::http`.

use std::time::Duration;

use base64::Engine;
use hmac::{KeyInit, Mac};
use liaison_channels::gateway::{GatewayBuilder, GatewayKind, Limits, Signature};
use liaison_channels::{Address, Channel, SendError};

use crate::support::http::HttpReceiver;
use crate::support::{closed_port, message};

const SMS: &str = r#"{"phone":"{{to}}","text":"{{subject}}\n{{body}}","link":"{{link}}","id":"{{idempotency_key}}"}"#;

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn phone() -> Address {
    Address::Phone("13812345678".into())
}

#[tokio::test]
async fn an_sms_arrives_with_auth_escaped_fields_and_a_stable_key() {
    let rx = HttpReceiver::start().await;
    let sms = GatewayBuilder::new("sms", GatewayKind::Sms, rx.url("/send"), SMS)
        .auth("Authorization", "Bearer gateway-token")
        .build()
        .unwrap();
    assert!(sms.accepts(&phone()));
    assert!(!sms.accepts(&Address::Email("a@b.org".into())));
    assert!(!sms.accepts(&Address::Robot("lunan".into())));

    let m = message(phone());
    sms.send(&m).await.expect("delivered");
    sms.send(&m).await.expect("delivered again (a retry)");
    let got = rx.requests();
    assert_eq!(got.len(), 2);
    let r = &got[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/send");
    assert_eq!(r.header("authorization"), Some("Bearer gateway-token"));
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(r.header("idempotency-key"), Some("delivery-42"));
    assert_eq!(got[1].header("idempotency-key"), Some("delivery-42"));
    // Quotes, a backslash, line breaks and Chinese come through as the message had them.
    let body = r.json();
    assert_eq!(body["phone"], "13812345678");
    assert_eq!(body["text"], format!("{}\n{}", m.subject, m.body));
    assert_eq!(body["link"], "https://liaison.example.org/cases/7");
    assert_eq!(body["id"], "delivery-42");
    assert_eq!(body.as_object().unwrap().len(), 4, "no field was injected");
}

#[tokio::test]
async fn a_robot_is_signed_the_dingtalk_way() {
    let rx = HttpReceiver::start().await;
    let template = r#"{"msgtype":"markdown","markdown":{"title":"{{subject}}","text":"{{body}} [查看]({{link}})"}}"#;
    let robot = GatewayBuilder::new(
        "station-robot",
        GatewayKind::Robot,
        rx.url("/robot/send?access_token=abc"),
        template,
    )
    .signature(Signature::DingTalk {
        secret: "SEC-secret+/=".into(),
    })
    .stations(["lunan", "pengjie"])
    .build()
    .unwrap();
    // It posts to the group chats of its stations, and no one else's.
    assert!(robot.accepts(&Address::Robot("lunan".into())));
    assert!(robot.accepts(&Address::Robot("pengjie".into())));
    assert!(!robot.accepts(&Address::Robot("jinqing".into())));
    assert!(!robot.accepts(&phone()));
    let everywhere = GatewayBuilder::new("district", GatewayKind::Robot, rx.url("/"), template)
        .stations(["*"])
        .build()
        .unwrap();
    assert!(everywhere.accepts(&Address::Robot("jinqing".into())));

    robot
        .send(&message(Address::Robot("lunan".into())))
        .await
        .expect("delivered");
    let r = &rx.requests()[0];
    let query: Vec<(String, String)> = url_pairs(r.query.as_deref().expect("a query"));
    assert_eq!(query[0], ("access_token".into(), "abc".into()));
    assert_eq!(query[1].0, "timestamp");
    assert_eq!(query[2].0, "sign");
    let timestamp: i64 = query[1].1.parse().unwrap();
    let expected = base64::engine::general_purpose::STANDARD.encode(hmac(
        b"SEC-secret+/=",
        format!("{timestamp}\nSEC-secret+/=").as_bytes(),
    ));
    assert_eq!(query[2].1, expected, "the sign recomputed");
    let body = r.json();
    assert_eq!(body["markdown"]["title"], "新案件 \"路南\" / New case");
}

/// A query string decoded as a form would be.
fn url_pairs(query: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://x/?{query}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[tokio::test]
async fn a_body_hmac_is_in_its_header() {
    let rx = HttpReceiver::start().await;
    let sms = GatewayBuilder::new("sms", GatewayKind::Sms, rx.url("/send"), SMS)
        .signature(Signature::BodyHmac {
            header: "X-Signature".into(),
            secret: "body-secret".into(),
        })
        .build()
        .unwrap();
    sms.send(&message(phone())).await.expect("delivered");
    let r = &rx.requests()[0];
    assert_eq!(
        r.header("x-signature"),
        Some(hex::encode(hmac(b"body-secret", &r.body)).as_str())
    );
}

#[tokio::test]
async fn answers_decide_refused_or_retry() {
    let rx = HttpReceiver::start().await;
    let limits = Limits {
        max_answer_bytes: 40,
        ..Limits::default()
    };
    let sms = GatewayBuilder::new("sms", GatewayKind::Sms, rx.url("/send"), SMS)
        .limits(limits)
        .build()
        .unwrap();
    let m = message(phone());

    rx.answer(
        400,
        &format!("{{\"error\":\"bad phone\"}}{}", "x".repeat(500)),
    );
    match sms.send(&m).await {
        Err(SendError::Refused(why)) => {
            assert!(why.contains("400") && why.contains("bad phone"), "{why}");
            assert!(why.len() < 120, "the answer is bounded: {why}");
        }
        other => panic!("a 4xx is refused: {other:?}"),
    }
    rx.answer(503, "overloaded");
    match sms.send(&m).await {
        Err(SendError::Retry(why)) => assert!(why.contains("503") && why.contains("overloaded")),
        other => panic!("a 5xx is worth a retry: {other:?}"),
    }
    rx.answer(204, "");
    sms.send(&m).await.expect("any 2xx is delivered");
}

#[tokio::test]
async fn a_slow_or_missing_gateway_is_retried_and_the_url_never_shown() {
    let rx = HttpReceiver::start().await;
    rx.delay(Duration::from_secs(10));
    let slow = GatewayBuilder::new("sms", GatewayKind::Sms, rx.url("/send?token=SECRET"), SMS)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    match slow.send(&message(phone())).await {
        Err(SendError::Retry(why)) => assert!(!why.contains("SECRET"), "{why}"),
        other => panic!("a timeout is worth a retry: {other:?}"),
    }
    let url = format!("http://127.0.0.1:{}/send?token=SECRET", closed_port());
    let gone = GatewayBuilder::new("sms", GatewayKind::Sms, url, SMS)
        .build()
        .unwrap();
    match gone.send(&message(phone())).await {
        Err(SendError::Retry(why)) => assert!(!why.contains("SECRET"), "{why}"),
        other => panic!("no gateway is worth a retry: {other:?}"),
    }
}

#[tokio::test]
async fn sizes_are_bounded_at_load_and_at_send() {
    let small = Limits {
        max_template_bytes: 64,
        max_body_bytes: 200,
        max_answer_bytes: 100,
    };
    let long = format!(r#"{{"text":"{{{{body}}}}{}"}}"#, "x".repeat(100));
    let err = GatewayBuilder::new("sms", GatewayKind::Sms, "http://127.0.0.1:1/", long)
        .limits(small)
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("max_template_bytes"), "{err}");

    let rx = HttpReceiver::start().await;
    let sms = GatewayBuilder::new(
        "sms",
        GatewayKind::Sms,
        rx.url("/send"),
        r#"{"t":"{{body}}"}"#,
    )
    .limits(small)
    .build()
    .unwrap();
    let mut m = message(phone());
    m.body = "长".repeat(100); // 300 bytes
    assert!(matches!(sms.send(&m).await, Err(SendError::Refused(_))));
    assert!(rx.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn bad_templates_and_settings_are_refused_at_load() {
    for bad in [
        r#"{"text":"{{nope}}"}"#,
        r#"{"text":"{{body"}"#,
        r#"{"text":{{body}}}"#,
        r#"["{{body}}"]"#,
        "not json",
    ] {
        assert!(
            GatewayBuilder::new("g", GatewayKind::Sms, "http://127.0.0.1:1/", bad)
                .build()
                .is_err(),
            "{bad}"
        );
    }
    let ok = r#"{"t":"{{body}}"}"#;
    assert!(
        GatewayBuilder::new("g", GatewayKind::Sms, "ftp://x/", ok)
            .build()
            .is_err()
    );
    assert!(
        GatewayBuilder::new("", GatewayKind::Sms, "http://x/", ok)
            .build()
            .is_err()
    );
    assert!(
        GatewayBuilder::new("g", GatewayKind::Sms, "http://x/", ok)
            .auth("bad header", "v")
            .build()
            .is_err()
    );
    assert!(
        GatewayBuilder::new("g", GatewayKind::Robot, "http://x/", ok)
            .stations(["lunan"])
            .signature(Signature::DingTalk {
                secret: String::new()
            })
            .build()
            .is_err()
    );
    // A robot with no station would never be addressed; an SMS gateway has no stations.
    let e = GatewayBuilder::new("g", GatewayKind::Robot, "http://x/", ok)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("stations"), "{e}");
    assert!(
        GatewayBuilder::new("g", GatewayKind::Sms, "http://x/", ok)
            .stations(["lunan"])
            .build()
            .is_err()
    );
    assert!(
        GatewayBuilder::new("g", GatewayKind::Robot, "http://x/", ok)
            .stations(["lunan"])
            .build()
            .is_ok()
    );
}
