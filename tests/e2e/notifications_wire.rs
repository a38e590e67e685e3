//! Every rule of who is told what, seen where the message leaves Liaison: e-mail at a real SMTP
//! server on a local port, the resident's texts at a real HTTP receiver behind the SMS gateway
//! adapter, and a station's group chat at another behind a robot gateway — the adapters of the
//! `liaison-channels` crate, as `liaison serve` builds them from its configuration.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Duration as Days, FixedOffset, NaiveTime, TimeZone};
use liaison_channels::email::{EmailBuilder, TlsMode};
use liaison_channels::gateway::{GatewayBuilder, GatewayKind};
use liaison_domain::notifications::channel::Channel;
use liaison_domain::notifications::rules::KINDS;
use serde_json::{Value, json};

use crate::support::{Backend, Brand, TestApp, case_body, prepare_app};

#[path = "../../core/channels/tests/support/http.rs"]
#[allow(dead_code)]
mod http;
#[path = "../../core/channels/tests/support/smtp.rs"]
#[allow(dead_code)]
mod smtp;

use http::HttpReceiver;
use smtp::{SmtpServer, body_text, decode_words, header};

both_backends!(every_rule_reaches_the_real_smtp_server_and_http_receivers);

/// Waits (at most 60 s: the whole suite runs beside browsers on two cores) until `check`
/// answers something.
async fn until<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "waited 60 s for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One e-mail as its reader sees it.
#[derive(Debug, Clone)]
struct Mail {
    to: String,
    subject: String,
    body: String,
}

fn mails(smtp: &SmtpServer) -> Vec<Mail> {
    smtp.received()
        .into_iter()
        .flat_map(|r| {
            let subject = decode_words(&header(&r.data, "Subject").unwrap_or_default());
            let body = body_text(&r.data);
            r.rcpt_to.into_iter().map(move |to| Mail {
                to: to.trim_matches(['<', '>']).to_owned(),
                subject: subject.clone(),
                body: body.clone(),
            })
        })
        .collect()
}

/// Waits until `to` has an e-mail whose subject starts with `prefix` and mentions `about`.
async fn mailed(smtp: &SmtpServer, to: &str, prefix: &str, about: &str) -> Mail {
    until(&format!("{prefix}… to {to}"), || {
        mails(smtp)
            .into_iter()
            .find(|m| m.to == to && m.subject.starts_with(prefix) && m.subject.contains(about))
    })
    .await
}

/// The bodies the receiver got at `path` that mention `about`.
fn posts(rx: &HttpReceiver, path: &str, about: &str) -> Vec<Value> {
    rx.requests()
        .into_iter()
        .filter(|r| r.path == path)
        .map(|r| r.json())
        .filter(|b| b.to_string().contains(about))
        .collect()
}

/// Waits until the receiver got a post at `path` mentioning every one of `about`.
async fn posted(rx: &HttpReceiver, path: &str, about: &[&str]) -> Value {
    until(&format!("a post to {path} about {about:?}"), || {
        posts(rx, path, about[0])
            .into_iter()
            .find(|b| about.iter().all(|a| b.to_string().contains(a)))
    })
    .await
}

/// Gives `username` the e-mail address `<username>@liaison.test` and e-mail for every kind.
async fn by_email(app: &TestApp, username: &str) -> (String, String) {
    let token = app.login_demo(username).await;
    let mut p = app
        .get("/notifications/preferences", Some(&token))
        .await
        .expect(200)
        .body;
    let address = format!("{username}@liaison.test");
    p["email"] = json!(address);
    p["channels"] = KINDS
        .iter()
        .map(|k| (k.to_string(), json!(["email"])))
        .collect();
    app.put("/notifications/preferences", Some(&token), &p)
        .await
        .expect(200);
    (token, address)
}

const SMS: &str = r#"{"phone":"{{to}}","text":"{{body}}","id":"{{idempotency_key}}"}"#;
const ROBOT: &str = r#"{"msgtype":"text","text":{"content":"{{subject}}\n{{body}}\n{{link}}"}}"#;

async fn every_rule_reaches_the_real_smtp_server_and_http_receivers(b: Backend) {
    let smtp = SmtpServer::start().await;
    let texts = HttpReceiver::start().await;
    let chats = HttpReceiver::start().await;
    let channels: Vec<Arc<dyn Channel>> = vec![
        Arc::new(
            EmailBuilder::new("127.0.0.1", "联络站 <noreply@liaison.test>")
                .port(smtp.port)
                .tls(TlsMode::None)
                .build()
                .unwrap(),
        ),
        Arc::new(
            GatewayBuilder::new("sms", GatewayKind::Sms, texts.url("/sms"), SMS)
                .build()
                .unwrap(),
        ),
        // Lunan's group chat only: another station's cases never reach it.
        Arc::new(
            GatewayBuilder::new(
                "lunan-group",
                GatewayKind::Robot,
                chats.url("/robot"),
                ROBOT,
            )
            .stations(["lunan"])
            .build()
            .unwrap(),
        ),
    ];
    let mut p = prepare_app(b, |s| {
        s.notifications.tick_ms = 50;
        s.notifications.max_attempts = 6;
        // A timed-out attempt on a loaded machine is retried within the test's patience.
        s.notifications.backoff_secs = 1;
        s.notifications.quiet_from = "00:00".into();
        s.notifications.quiet_to = "00:00".into();
        // Each message on its own, not gathered into a digest of many.
        s.notifications.digest_threshold = 0;
    })
    .await;
    p.channels = channels;
    let app = p.start().await;
    // Two staff at Lunan: the group chat still hears each thing once.
    app.add_user("lunan-staff-2", "station_staff", Some("lunan"), None, None)
        .await;
    let (staff, staff_mail) = by_email(&app, "staff").await;
    let (deputy, deputy_mail) = by_email(&app, "deputy").await;
    let (handler, handler_mail) = by_email(&app, "handler").await;
    let (ops, ops_mail) = by_email(&app, "ops").await;

    // A resident scans the deputy's code and ticks consent: the deputy and the station hear.
    let mut scan = case_body("lunan");
    scan["deputy"] = json!("lunan-d01");
    scan["title"] = json!("石曲村路灯不亮");
    scan["notify_consent"] = json!(true);
    let r = app.submit(&scan).await.expect(201);
    let id = r.body["id"].as_i64().unwrap();
    let receipt = r.body["receipt_code"].as_str().unwrap().to_owned();
    let m = mailed(&smtp, &deputy_mail, "群众扫了您的代表码", "石曲村路灯不亮").await;
    assert!(m.body.contains(&format!("/cases/{id}")), "{}", m.body);
    mailed(&smtp, &staff_mail, "新意见", "石曲村路灯不亮").await;
    let post = posted(&chats, "/robot", &["新意见", "石曲村路灯不亮"]).await;
    assert_eq!(post["msgtype"], "text");

    // Assigned: the department; chased (催办): the department again.
    app.act(Some(&staff), id, "register", json!({}))
        .await
        .expect(200);
    app.act(Some(&staff), id, "assign", json!({ "lead": "housing" }))
        .await
        .expect(200);
    mailed(&smtp, &handler_mail, "新交办", "石曲村路灯不亮").await;
    app.act(
        Some(&staff),
        id,
        "remind",
        json!({ "note": "内部：请抓紧" }),
    )
    .await
    .expect(200);
    mailed(&smtp, &handler_mail, "催办", "石曲村路灯不亮").await;
    // Returned by the department: the station, and its group chat.
    app.act(
        Some(&handler),
        id,
        "return",
        json!({ "reason": "不属于本单位职责" }),
    )
    .await
    .expect(200);
    mailed(&smtp, &staff_mail, "承办单位退回", "石曲村路灯不亮").await;
    posted(&chats, "/robot", &["承办单位退回", "石曲村路灯不亮"]).await;

    // Answered: the deputy (to relay it) and the resident by text with the rating link.
    app.act(Some(&staff), id, "assign", json!({ "lead": "housing" }))
        .await
        .expect(200);
    app.act(Some(&handler), id, "acknowledge", json!({}))
        .await
        .expect(200);
    app.act(
        Some(&handler),
        id,
        "reply",
        json!({ "answer": "已安排维修，本周完成。" }),
    )
    .await
    .expect(200);
    mailed(&smtp, &deputy_mail, "已答复，请反馈", "石曲村路灯不亮").await;
    let text = posted(&texts, "/sms", &[&format!("/t/{receipt}")]).await;
    assert_eq!(text["phone"], crate::support::REPORTER_PHONE);
    assert!(text["text"].as_str().unwrap().contains("/n/optout/"));

    // Not satisfied: reopened for the department.
    app.act(Some(&deputy), id, "feedback", json!({ "note": "已转告" }))
        .await
        .expect(200);
    app.post(
        &format!("/track/{receipt}/rate"),
        None,
        &json!({ "rating": "unsatisfied", "comment": "还是不亮" }),
    )
    .await
    .expect(200);
    mailed(&smtp, &handler_mail, "重新办理", "石曲村路灯不亮").await;

    // The SMS gateway now refuses (a 4xx): the closing text reaches it, is parked, and ops
    // are told by e-mail.
    texts.answer(400, r#"{"error":"template not approved"}"#);
    app.act(Some(&staff), id, "assign", json!({ "lead": "housing" }))
        .await
        .expect(200);
    app.act(Some(&handler), id, "acknowledge", json!({}))
        .await
        .expect(200);
    app.act(
        Some(&handler),
        id,
        "reply",
        json!({ "answer": "已全部更换新灯。" }),
    )
    .await
    .expect(200);
    app.act(Some(&deputy), id, "feedback", json!({ "note": "已转告" }))
        .await
        .expect(200);
    app.post(
        &format!("/track/{receipt}/rate"),
        None,
        &json!({ "rating": "satisfied" }),
    )
    .await
    .expect(200);
    until("the closing text at the gateway", || {
        texts
            .requests()
            .into_iter()
            .find(|r| String::from_utf8_lossy(&r.body).contains("已办结"))
    })
    .await;
    // Several alerts at once (the second answer's text was refused too) come as one e-mail
    // listing them: the alert is in its subject or among its lines.
    until("the ops alert by e-mail", || {
        mails(&smtp).into_iter().find(|m| {
            m.to == ops_mail
                && (m.subject.starts_with("需要运维处理") || m.body.contains("需要运维处理"))
        })
    })
    .await;

    // A station's brand with the grant tells the staff: by e-mail and in the group chat.
    const NOTICE: Brand = Brand {
        id: "staff-notice",
        station: "lunan",
        caps: &["staff.notify"],
    };
    app.install_brand(&ops, &NOTICE, json!({})).await;
    NOTICE
        .act(
            &app,
            None,
            "tell",
            json!({ "subject": "三楼走廊漏水", "body": "联络站三楼走廊的水管在漏水。" }),
        )
        .await
        .expect(200);
    mailed(&smtp, &staff_mail, "【staff-notice】", "三楼走廊漏水").await;
    posted(&chats, "/robot", &["三楼走廊漏水"]).await;

    // Another case, assigned and left: overdue for the station (and its chat), then in the
    // department's digest at 09:00 on the next working day.
    let mut late = case_body("lunan");
    late["title"] = json!("河道垃圾无人清理");
    let late_id = app.submit(&late).await.expect(201).body["id"]
        .as_i64()
        .unwrap();
    app.act(Some(&staff), late_id, "register", json!({}))
        .await
        .expect(200);
    app.act(
        Some(&staff),
        late_id,
        "assign",
        json!({ "lead": "housing" }),
    )
    .await
    .expect(200);
    app.clock.advance(Days::days(6));
    mailed(&smtp, &staff_mail, "已超期", "河道垃圾无人清理").await;
    posted(&chats, "/robot", &["已超期", "河道垃圾无人清理"]).await;
    let cal = app.calendar().await;
    let cst = FixedOffset::east_opt(8 * 3600).unwrap();
    let now = app.clock.now().with_timezone(&cst);
    let mut day = now.date_naive() + Days::days(1);
    while !cal.is_working_day(day) {
        day += Days::days(1);
    }
    let at = cst
        .from_local_datetime(&day.and_time(NaiveTime::from_hms_opt(9, 30, 0).unwrap()))
        .unwrap();
    app.clock.advance(at.to_utc() - app.clock.now());
    let digest = mailed(&smtp, &handler_mail, "今日待办", "").await;
    assert!(
        digest.body.contains(&format!("#{late_id}")),
        "{}",
        digest.body
    );

    // A case at another station: Lunan's group chat hears nothing of it.
    let mut elsewhere = case_body("pengjie");
    elsewhere["title"] = json!("彭街菜市场噪音扰民");
    app.submit(&elsewhere).await.expect(201);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(posts(&chats, "/robot", "彭街菜市场噪音扰民").is_empty());

    // Once per station and cause, however many staff were told; never the internal note or
    // the resident's phone in any e-mail or post.
    for about in ["石曲村路灯不亮", "三楼走廊漏水", "河道垃圾无人清理"] {
        let mut kinds: Vec<String> = posts(&chats, "/robot", about)
            .iter()
            .map(|b| {
                b["text"]["content"]
                    .as_str()
                    .unwrap()
                    .lines()
                    .next()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        let n = kinds.len();
        kinds.sort();
        kinds.dedup();
        assert_eq!(kinds.len(), n, "a post twice: {kinds:?}");
    }
    for m in mails(&smtp) {
        assert!(!m.body.contains("内部：请抓紧"), "{m:?}");
        assert!(!m.body.contains(crate::support::REPORTER_PHONE), "{m:?}");
    }
    for r in chats.requests() {
        assert!(!String::from_utf8_lossy(&r.body).contains(crate::support::REPORTER_PHONE));
    }
}
