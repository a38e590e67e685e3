//! Notifications end to end: each rule's message seen arriving in the recipient's in-app list
//! over HTTP (and once over the bell's server-sent events), the resident's text only with
//! consent (a recording SMS channel the test hands the server), backoff and parking with a
//! failing channel and the ops retry, a stopped and restarted server delivering what was
//! pending, quiet hours, and the daily digest written once.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{Datelike, Duration as Days, FixedOffset, NaiveTime, TimeZone, Utc};
use liaison_domain::notifications::channel::{Address, Channel, Message, SendError, SendFuture};
use serde_json::{Value, json};

use crate::support::{Backend, Brand, REPORTER_PHONE, TestApp, case_body, prepare_app};

both_backends!(
    a_scan_rings_the_deputys_bell_live_and_tells_the_station,
    handlers_station_and_deputy_hear_the_case_move,
    the_resident_is_texted_only_with_consent_and_can_opt_out,
    failures_back_off_park_and_ops_retry,
    a_restarted_server_delivers_what_was_pending,
    quiet_hours_hold_until_morning_but_not_urgent_cases,
    the_digest_comes_once_at_nine_on_a_working_day,
    overdue_tells_the_station_once,
    preferences_are_checked_and_each_users_own,
    the_demo_deputys_bell_shows_the_scans_of_their_code,
    pages_show_the_bell_the_list_the_settings_and_the_deliveries,
    a_brand_with_the_grant_tells_its_station_staff,
    an_operations_channel_carries_every_message_at_any_hour,
    a_suggestion_tells_the_office_the_deputy_and_its_organisations_and_reminds_them,
    many_texts_at_once_go_out_gathered_and_the_bell_has_each,
);

/// What the recording channel does with the next attempts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Deliver,
    Fail,
}

/// An SMS channel that records every attempt (delivered or not) in memory.
struct Recorder {
    mode: Mutex<Mode>,
    attempts: Mutex<Vec<Message>>,
    delivered: Mutex<Vec<Message>>,
}

impl Recorder {
    fn new(mode: Mode) -> Arc<Recorder> {
        Arc::new(Recorder {
            mode: Mutex::new(mode),
            attempts: Mutex::new(Vec::new()),
            delivered: Mutex::new(Vec::new()),
        })
    }

    fn set(&self, m: Mode) {
        *self.mode.lock().unwrap() = m;
    }

    fn delivered(&self) -> Vec<Message> {
        self.delivered.lock().unwrap().clone()
    }

    fn attempts(&self) -> Vec<Message> {
        self.attempts.lock().unwrap().clone()
    }
}

impl Channel for Recorder {
    fn name(&self) -> &str {
        "sms"
    }

    fn accepts(&self, to: &Address) -> bool {
        matches!(to, Address::Phone(_))
    }

    fn send<'a>(&'a self, m: &'a Message) -> SendFuture<'a> {
        Box::pin(async move {
            self.attempts.lock().unwrap().push(m.clone());
            match *self.mode.lock().unwrap() {
                Mode::Deliver => {
                    self.delivered.lock().unwrap().push(m.clone());
                    Ok(())
                }
                Mode::Fail => Err(SendError::Retry("gateway down".into())),
            }
        })
    }
}

fn fast(s: &mut liaison_domain::configuration::Settings) {
    s.notifications.tick_ms = 50;
    s.notifications.backoff_secs = 60;
    s.notifications.backoff_max_secs = 3600;
    s.notifications.max_attempts = 3;
    // Tests run at any hour: quiet hours are switched on by the test about them.
    s.notifications.quiet_from = "00:00".into();
    s.notifications.quiet_to = "00:00".into();
}

async fn app_with(b: Backend, channels: Vec<Arc<dyn Channel>>) -> TestApp {
    let mut p = prepare_app(b, fast).await;
    p.channels = channels;
    p.start().await
}

/// Waits (at most 30 s) until `check` answers something.
async fn until<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "waited 30 s for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The caller's notifications as the API lists them.
async fn inbox(app: &TestApp, token: &str) -> Value {
    app.get("/notifications?per_page=100", Some(token))
        .await
        .expect(200)
        .body
}

/// Waits until the caller's list holds a message of `kind` about `case` (any case if none).
async fn arrives(app: &TestApp, token: &str, kind: &str, case: Option<i64>) -> Value {
    let about = case.map(|c| format!("/cases/{c}")).unwrap_or_default();
    arrives_about(app, token, kind, &about).await
}

/// Waits until the caller's list holds a message of `kind` whose link ends with `about` (any
/// link, or none, if `about` is empty).
async fn arrives_about(app: &TestApp, token: &str, kind: &str, about: &str) -> Value {
    until(&format!("{kind} in the inbox"), || async {
        let l = inbox(app, token).await;
        l["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| {
                n["kind"] == kind
                    && (about.is_empty() || n["link"].as_str().is_some_and(|l| l.ends_with(about)))
            })
            .cloned()
    })
    .await
}

fn kinds(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect()
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    app.count(&format!(
        "SELECT id FROM users WHERE username = '{username}'"
    ))
    .await
}

fn scan_body() -> Value {
    let mut b = case_body("lunan");
    b["deputy"] = json!("lunan-d01");
    b
}

async fn submit(app: &TestApp, body: &Value) -> (i64, String) {
    let r = app.submit(body).await.expect(201);
    (
        r.body["id"].as_i64().unwrap(),
        r.body["receipt_code"].as_str().unwrap().to_owned(),
    )
}

/// Reads server-sent events until one named `name`; its data.
async fn next_event(res: &mut reqwest::Response, buf: &mut String, name: &str) -> Value {
    loop {
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let mut event = "";
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    event = if v.trim() == name { name } else { "other" };
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim());
                }
            }
            if event == name {
                return serde_json::from_str(&data).unwrap_or(Value::Null);
            }
        }
        let chunk = tokio::time::timeout(Duration::from_secs(30), res.chunk())
            .await
            .expect("an event within 30 s")
            .expect("reading the event stream")
            .expect("the stream stays open");
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}

async fn a_scan_rings_the_deputys_bell_live_and_tells_the_station(b: Backend) {
    let app = app_with(b, Vec::new()).await;
    let deputy = app.login_demo("deputy").await;
    let staff = app.login_demo("staff").await;
    let handler = app.login_demo("handler").await;

    // The bell's stream first: it says where the count stands, then rings on arrival.
    let mut res = app
        .client
        .get(app.api("/notifications/stream"))
        .bearer_auth(&deputy)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let mut buf = String::new();
    assert_eq!(next_event(&mut res, &mut buf, "unread").await["unread"], 0);

    let (id, _) = submit(&app, &scan_body()).await;
    assert_eq!(next_event(&mut res, &mut buf, "unread").await["unread"], 1);

    let n = arrives(&app, &deputy, "case.scanned", Some(id)).await;
    assert!(n["subject"].as_str().unwrap().contains("路灯不亮"));
    assert!(n["read_at"].is_null());
    let s = arrives(&app, &staff, "case.new", Some(id)).await;
    // Nobody else is told, and nobody reads another's list.
    assert_eq!(kinds(&inbox(&app, &handler).await), Vec::<String>::new());
    assert_eq!(kinds(&inbox(&app, &deputy).await), ["case.scanned"]);
    app.post(
        &format!("/notifications/{}/read", s["id"]),
        Some(&deputy),
        &json!({}),
    )
    .await
    .expect_error(404, "not_found", None);
    app.get("/notifications", None)
        .await
        .expect_error(401, "unauthorized", None);

    // Mark as read: the count goes down; read-all clears it.
    let r = app
        .post(
            &format!("/notifications/{}/read", n["id"]),
            Some(&deputy),
            &json!({}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["unread"], 0);
    let l = inbox(&app, &deputy).await;
    assert_eq!(
        (l["unread"].as_u64(), l["total"].as_u64()),
        (Some(0), Some(1))
    );
    assert!(!l["items"][0]["read_at"].is_null());
    app.post("/notifications/read-all", Some(&staff), &json!({}))
        .await
        .expect(200);
    assert_eq!(inbox(&app, &staff).await["unread"], 0);

    // A plain station-QR case tells the station only.
    let (plain, _) = submit(&app, &case_body("lunan")).await;
    arrives(&app, &staff, "case.new", Some(plain)).await;
    assert_eq!(inbox(&app, &deputy).await["total"], 1);
}

async fn handlers_station_and_deputy_hear_the_case_move(b: Backend) {
    let app = app_with(b, Vec::new()).await;
    let deputy = app.login_demo("deputy").await;
    let staff = app.login_demo("staff").await;
    let handler = app.login_demo("handler").await;
    let (id, code) = submit(&app, &scan_body()).await;

    app.act(Some(&staff), id, "register", json!({}))
        .await
        .expect(200);
    app.act(Some(&staff), id, "assign", json!({ "lead": "housing" }))
        .await
        .expect(200);
    arrives(&app, &handler, "case.assigned", Some(id)).await;

    let ops = app.login_demo("ops").await;
    for (action, level) in [
        ("remind", "催办"),
        ("supervise", "督办"),
        ("notice", "通报"),
    ] {
        let by = if action == "notice" { &ops } else { &staff };
        app.act(Some(by), id, action, json!({ "note": "内部：请抓紧" }))
            .await
            .expect(200);
        until(&format!("{action} told"), || async {
            let l = inbox(&app, &handler).await;
            l["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| {
                    n["kind"] == "case.supervised"
                        && n["subject"].as_str().unwrap().starts_with(level)
                })
                .then_some(())
        })
        .await;
    }

    app.act(
        Some(&handler),
        id,
        "return",
        json!({ "reason": "不属于本单位职责" }),
    )
    .await
    .expect(200);
    arrives(&app, &staff, "case.returned", Some(id)).await;

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
    arrives(&app, &deputy, "case.replied", Some(id)).await;

    app.act(
        Some(&deputy),
        id,
        "feedback",
        json!({ "note": "已电话转告群众" }),
    )
    .await
    .expect(200);
    app.post(
        &format!("/track/{code}/rate"),
        None,
        &json!({ "rating": "unsatisfied", "comment": "还是不亮" }),
    )
    .await
    .expect(200);
    arrives(&app, &handler, "case.reopened", Some(id)).await;
    // The internal note of a reminder is no one's message text.
    for t in [&handler, &staff, &deputy] {
        assert!(!inbox(&app, t).await.to_string().contains("内部：请抓紧"));
    }
}

async fn the_resident_is_texted_only_with_consent_and_can_opt_out(b: Backend) {
    let sms = Recorder::new(Mode::Deliver);
    let app = app_with(b, vec![sms.clone()]).await;
    let staff = app.login_demo("staff").await;
    let deputy = app.login_demo("deputy").await;

    let mut yes = case_body("lunan");
    yes["notify_consent"] = json!(true);
    let (a, code_a) = submit(&app, &yes).await;
    let (no, _) = submit(&app, &case_body("lunan")).await;
    let mut no_phone = case_body("lunan");
    no_phone["notify_consent"] = json!(true);
    no_phone["contact"] = json!({ "name": "王五" });
    let (c, _) = submit(&app, &no_phone).await;

    for id in [a, no, c] {
        app.act(
            Some(&staff),
            id,
            "register",
            json!({ "note": "内部备注：住址核实" }),
        )
        .await
        .expect(200);
        app.act(
            Some(&staff),
            id,
            "resolve",
            json!({ "answer": "站内已解决，路灯已修复。" }),
        )
        .await
        .expect(200);
    }
    let text = until("the resident's text", || async {
        sms.delivered().into_iter().next()
    })
    .await;
    assert_eq!(text.to, Address::Phone(REPORTER_PHONE.into()));
    assert_eq!(text.kind, "resident.answered");
    assert!(text.body.contains(&format!("/t/{code_a}")), "{}", text.body);
    assert!(!text.body.contains("内部备注"), "never an internal note");
    let optout = text
        .body
        .split_whitespace()
        .chain(text.body.split('：'))
        .find_map(|w| {
            w.find("/n/optout/")
                .map(|i| w[i..].trim_end_matches('.').to_owned())
        })
        .expect("an opt-out link");
    // Only the consenting resident with a phone: no resident notification for the others.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM notifications WHERE resident = true AND case_id IN ({no}, {c})"
        ))
        .await,
        0
    );
    // The contact is in no delivery row ops see.
    let ops = app.login_demo("ops").await;
    let d = app
        .get("/notifications/deliveries", Some(&ops))
        .await
        .expect(200);
    assert!(!d.text.contains(REPORTER_PHONE));

    // The opt-out link works (twice too); after it, closing the case texts nobody.
    let token = optout.trim_start_matches("/n/optout/");
    let token: String = token
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    for _ in 0..2 {
        let (status, _, _) = app.get_bytes(&format!("/n/optout/{token}"), None).await;
        assert_eq!(status, 200);
    }
    let (status, _, _) = app.get_bytes("/n/optout/nonsense", None).await;
    assert_eq!(status, 404);
    app.act(Some(&deputy), a, "feedback", json!({ "note": "已转告" }))
        .await
        .expect(200);
    app.post(
        &format!("/track/{code_a}/rate"),
        None,
        &json!({ "rating": "satisfied" }),
    )
    .await
    .expect(200);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM notifications WHERE resident = true AND case_id = {a}"
        ))
        .await,
        1,
        "no text after opting out"
    );
}

async fn consent_case(app: &TestApp) -> i64 {
    let staff = app.login_demo("staff").await;
    let mut yes = case_body("lunan");
    yes["notify_consent"] = json!(true);
    let (id, _) = submit(app, &yes).await;
    app.act(Some(&staff), id, "register", json!({}))
        .await
        .expect(200);
    app.act(
        Some(&staff),
        id,
        "resolve",
        json!({ "answer": "站内已解决，路灯已修复。" }),
    )
    .await
    .expect(200);
    id
}

async fn sms_attempts(app: &TestApp) -> (i64, String) {
    let attempts = app
        .count("SELECT CAST(COALESCE(MAX(attempts), 0) AS BIGINT) FROM notification_deliveries WHERE channel = 'sms'")
        .await;
    let state = app
        .texts("SELECT state FROM notification_deliveries WHERE channel = 'sms'")
        .await
        .pop()
        .unwrap_or_default();
    (attempts, state)
}

async fn failures_back_off_park_and_ops_retry(b: Backend) {
    let sms = Recorder::new(Mode::Fail);
    let app = app_with(b, vec![sms.clone()]).await;
    let ops = app.login_demo("ops").await;
    let staff = app.login_demo("staff").await;
    consent_case(&app).await;

    until("the first failure", || async {
        (sms_attempts(&app).await == (1, "pending".into())).then_some(())
    })
    .await;
    // Not tried again before its backoff: the second attempt needs the clock to move 60 s,
    // the third 120 s more (doubling).
    assert_eq!(sms.attempts().len(), 1);
    app.clock.advance(Days::seconds(61));
    until("the second failure", || async {
        (sms_attempts(&app).await == (2, "pending".into())).then_some(())
    })
    .await;
    app.clock.advance(Days::seconds(61));
    assert_eq!(sms_attempts(&app).await.0, 2, "the wait doubled");
    app.clock.advance(Days::seconds(60));
    until("parked", || async {
        (sms_attempts(&app).await == (3, "parked".into())).then_some(())
    })
    .await;
    assert_eq!(sms.attempts().len(), 3);

    // Ops see it with its reason, and are told.
    let r = app
        .get("/notifications/deliveries?state=parked", Some(&ops))
        .await
        .expect(200);
    assert_eq!(r.body["parked"], 1);
    let d = &r.body["items"][0];
    assert_eq!(
        (d["channel"].as_str(), d["state"].as_str()),
        (Some("sms"), Some("parked"))
    );
    assert!(d["last_error"].as_str().unwrap().contains("gateway down"));
    assert!(d["recipient"].as_str().unwrap().starts_with("resident:"));
    arrives(&app, &ops, "ops.alert", None).await;
    app.get("/notifications/deliveries", Some(&staff))
        .await
        .expect_error(403, "forbidden", None);
    let id = d["id"].as_i64().unwrap();
    let (status, _, page) = app
        .get_bytes("/console/notifications?state=parked", None)
        .await;
    assert!(status == 200 || status == 303 || status == 401 || status == 403 || !page.is_empty());

    // The gateway is back; ops retry: it goes out, once.
    sms.set(Mode::Deliver);
    app.post(
        &format!("/notifications/deliveries/{id}/retry"),
        Some(&staff),
        &json!({}),
    )
    .await
    .expect_error(403, "forbidden", None);
    let r = app
        .post(
            &format!("/notifications/deliveries/{id}/retry"),
            Some(&ops),
            &json!({}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["state"], "pending");
    until("sent after the retry", || async {
        (sms_attempts(&app).await.1 == "sent").then_some(())
    })
    .await;
    assert_eq!(sms.delivered().len(), 1);
    app.post(
        &format!("/notifications/deliveries/{id}/retry"),
        Some(&ops),
        &json!({}),
    )
    .await
    .expect_error(409, "conflict", None);
    app.post(
        "/notifications/deliveries/999999/retry",
        Some(&ops),
        &json!({}),
    )
    .await
    .expect_error(404, "not_found", None);
}

async fn a_restarted_server_delivers_what_was_pending(b: Backend) {
    // Written while no server runs (a scan through the domain's intake): the first server to
    // start delivers it.
    let mut p = prepare_app(b, fast).await;
    let failing = Recorder::new(Mode::Fail);
    p.channels = vec![failing.clone()];
    let reference = liaison_domain::reference::Reference::default();
    let form: liaison_domain::cases::intake::Intake = serde_json::from_value(scan_body()).unwrap();
    let new = liaison_domain::cases::intake::validate(&p.db, &reference, form, None)
        .await
        .unwrap();
    let (created, _) = liaison_domain::cases::intake::insert(&p.db, new, p.clock.now())
        .await
        .unwrap();
    let mut app = p.start().await;
    let deputy = app.login_demo("deputy").await;
    arrives(&app, &deputy, "case.scanned", Some(created.id)).await;

    // A text that fails, then the server stops mid-backoff; the next one sends it with the
    // same idempotency key.
    consent_case(&app).await;
    until("a failed attempt", || async {
        (sms_attempts(&app).await.0 >= 1).then_some(())
    })
    .await;
    let working = Recorder::new(Mode::Deliver);
    app.restart_with(vec![working.clone()]).await;
    app.clock.advance(Days::seconds(300));
    let sent = until("sent by the new server", || async {
        working.delivered().into_iter().next()
    })
    .await;
    assert_eq!(sent.idempotency_key, failing.attempts()[0].idempotency_key);
    let deputy = app.login_demo("deputy").await;
    assert_eq!(
        kinds(&inbox(&app, &deputy).await),
        ["case.scanned"],
        "not twice"
    );
}

/// How far the clock must move for the district's time to reach `at` next.
fn until_next(app: &TestApp, at: NaiveTime) -> Days {
    let cst = FixedOffset::east_opt(8 * 3600).unwrap();
    let now = app.clock.now().with_timezone(&cst);
    let mut day = now.date_naive();
    loop {
        let t = cst.from_local_datetime(&day.and_time(at)).single().unwrap();
        if t > now {
            return t.with_timezone(&Utc) - app.clock.now();
        }
        day = day.succ_opt().unwrap();
    }
}

async fn quiet_hours_hold_until_morning_but_not_urgent_cases(b: Backend) {
    let sms = Recorder::new(Mode::Deliver);
    let mut p = prepare_app(b, |s| {
        fast(s);
        s.notifications.quiet_from = "22:00".into();
        s.notifications.quiet_to = "07:00".into();
    })
    .await;
    p.channels = vec![sms.clone()];
    let app = p.start().await;
    let deputy_id = user_id(&app, "deputy").await;
    let deputy = app.login_demo("deputy").await;
    let mut prefs = app
        .get("/notifications/preferences", Some(&deputy))
        .await
        .expect(200)
        .body;
    prefs["phone"] = json!("13900002222");
    prefs["channels"] = json!({ "case.scanned": ["sms"] });
    app.put("/notifications/preferences", Some(&deputy), &prefs)
        .await
        .expect(200);
    app.clock
        .advance(until_next(&app, NaiveTime::from_hms_opt(23, 0, 0).unwrap()));
    // Signed in after the clock moved, so the session is current.
    let deputy = app.login_demo("deputy").await;

    // At eleven at night the bell shows the scan at once, but the text waits.
    let (held, _) = submit(&app, &scan_body()).await;
    arrives(&app, &deputy, "case.scanned", Some(held)).await;
    until("the held text", || async {
        (app.count(&format!(
            "SELECT COUNT(*) FROM notification_deliveries d JOIN notifications n \
             ON n.id = d.notification_id WHERE n.user_id = {deputy_id} AND n.case_id = {held} \
             AND d.channel = 'sms' AND d.state = 'pending'"
        ))
        .await
            == 1)
            .then_some(())
    })
    .await;
    // An urgent case is not held: its text goes now, the other one still waits.
    let mut urgent = scan_body();
    urgent["urgency"] = json!("urgent");
    let (u, _) = submit(&app, &urgent).await;
    let n = arrives(&app, &deputy, "case.scanned", Some(u)).await;
    assert_eq!(n["urgent"], true);
    until("the urgent text", || async {
        (sms.delivered().len() == 1).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sms.delivered().len(), 1, "the normal case's text waited");

    // Seven in the morning: the held text goes.
    app.clock
        .advance(until_next(&app, NaiveTime::from_hms_opt(7, 1, 0).unwrap()));
    until("the morning text", || async {
        (sms.delivered().len() == 2).then_some(())
    })
    .await;
}

async fn the_digest_comes_once_at_nine_on_a_working_day(b: Backend) {
    let app = app_with(b, Vec::new()).await;
    let staff = app.login_demo("staff").await;
    let handler_id = user_id(&app, "handler").await;
    let (id, _) = submit(&app, &case_body("lunan")).await;
    app.act(Some(&staff), id, "register", json!({}))
        .await
        .expect(200);
    app.act(Some(&staff), id, "assign", json!({ "lead": "housing" }))
        .await
        .expect(200);

    // The next working day, 09:30.
    let cal = app.calendar().await;
    let mut advance = until_next(&app, NaiveTime::from_hms_opt(9, 30, 0).unwrap());
    while !cal.is_working_day(
        (app.clock.now() + advance)
            .with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
            .date_naive(),
    ) {
        advance += Days::days(1);
    }
    app.clock.advance(advance);
    let handler = app.login_demo("handler").await;
    let n = arrives(&app, &handler, "digest.due", None).await;
    assert!(n["body"].as_str().unwrap().contains(&format!("#{id}")));

    // Another node writing the same day's digest writes nothing more.
    let now = app.clock.now();
    let today = app.today();
    let calendar = liaison_domain::calendar::Calendar::load(&app.db)
        .await
        .unwrap();
    for _ in 0..2 {
        liaison_domain::notifications::dispatch::write_digest(&app.db, &calendar, today, 5, now)
            .await
            .unwrap();
    }
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM notifications WHERE kind = 'digest.due' AND user_id = {handler_id}"
        ))
        .await,
        1
    );
    let _ = today.weekday();
}

async fn overdue_tells_the_station_once(b: Backend) {
    let app = app_with(b, Vec::new()).await;
    let staff = app.login_demo("staff").await;
    let staff_id = user_id(&app, "staff").await;
    // Five cases left unacknowledged: more than the two-case pages swept below.
    let mut id = 0;
    for _ in 0..5 {
        id = submit(&app, &case_body("lunan")).await.0;
        app.act(Some(&staff), id, "register", json!({}))
            .await
            .expect(200);
        app.act(Some(&staff), id, "assign", json!({ "lead": "housing" }))
            .await
            .expect(200);
    }
    app.clock.advance(Days::days(6));
    let staff = app.login_demo("staff").await;
    arrives(&app, &staff, "case.overdue", Some(id)).await;
    let now = app.clock.now();
    liaison_domain::notifications::outbox::sweep_overdue(&app.db, app.today(), now, 0)
        .await
        .unwrap();
    let told = |id: i64| {
        format!(
            "SELECT COUNT(*) FROM notifications WHERE kind = 'case.overdue' \
             AND user_id = {staff_id} AND case_id = {id}"
        )
    };
    assert_eq!(app.count(&told(id)).await, 1);
    // More overdue cases than a sweep's page: going on from where the last page stopped, a
    // round of sweeps tells of every one of them, once.
    let overdue_here = format!(
        "SELECT CAST(id AS TEXT) FROM cases WHERE due_on < '{}' AND status NOT IN ('closed', 'rejected') \
         AND station_id = (SELECT id FROM stations WHERE code = 'lunan')",
        app.today()
    );
    let mut after = 0;
    let mut pages = 0;
    while let Some(next) = liaison_domain::notifications::outbox::sweep_overdue_page(
        &app.db,
        app.today(),
        now,
        after,
        2,
    )
    .await
    .unwrap()
    {
        after = next;
        pages += 1;
    }
    let ids: Vec<i64> = app
        .texts(&overdue_here)
        .await
        .iter()
        .map(|t| t.parse().unwrap())
        .collect();
    assert!(
        ids.len() >= 5 && pages >= 2,
        "{pages} pages, {} cases",
        ids.len()
    );
    for c in ids {
        assert_eq!(app.count(&told(c)).await, 1, "case {c}");
    }
}

async fn preferences_are_checked_and_each_users_own(b: Backend) {
    let app = app_with(b, Vec::new()).await;
    let staff = app.login_demo("staff").await;
    let deputy = app.login_demo("deputy").await;
    let p = app
        .get("/notifications/preferences", Some(&staff))
        .await
        .expect(200)
        .body;
    assert_eq!(p["lang"], "zh");
    let mut bad = p.clone();
    bad["email"] = json!("not-an-address");
    app.put("/notifications/preferences", Some(&staff), &bad)
        .await
        .expect_error(422, "invalid", Some("email"));
    let mut bad = p.clone();
    bad["channels"] = json!({ "case.new": ["sms"] });
    app.put("/notifications/preferences", Some(&staff), &bad)
        .await
        .expect_error(422, "invalid", Some("phone"));
    let mut good = p.clone();
    good["lang"] = json!("en");
    good["phone"] = json!("13900001111");
    good["channels"] = json!({ "case.new": ["sms"] });
    let saved = app
        .put("/notifications/preferences", Some(&staff), &good)
        .await
        .expect(200)
        .body;
    assert_eq!(saved["channels"]["case.new"][0], "sms");
    assert_eq!(
        app.get("/notifications/preferences", Some(&staff))
            .await
            .expect(200)
            .body,
        saved
    );
    // Another user's are their own.
    let theirs = app
        .get("/notifications/preferences", Some(&deputy))
        .await
        .expect(200)
        .body;
    assert!(theirs["phone"].is_null());
    app.get("/notifications/preferences", None)
        .await
        .expect_error(401, "unauthorized", None);
    // English, from now on.
    let (id, _) = submit(&app, &case_body("lunan")).await;
    let n = arrives(&app, &staff, "case.new", Some(id)).await;
    assert!(n["subject"].as_str().unwrap().starts_with("New case"));
}

async fn the_demo_deputys_bell_shows_the_scans_of_their_code(b: Backend) {
    let app = app_with(b, Vec::new()).await;
    let made = liaison::demo::scans::seed(&app.db, app.clock.now())
        .await
        .unwrap();
    let deputy = app.login_demo("deputy").await;
    let l = until("the scans in the bell", || async {
        let l = inbox(&app, &deputy).await;
        (l["unread"].as_u64() == Some(made as u64)).then_some(l)
    })
    .await;
    assert!(kinds(&l).iter().all(|k| k == "case.scanned"));
}

async fn pages_show_the_bell_the_list_the_settings_and_the_deliveries(b: Backend) {
    use crate::web_client::{demo, post_form};
    let app = app_with(b, Vec::new()).await;
    let deputy = app.login_demo("deputy").await;
    let (id, _) = submit(&app, &scan_body()).await;
    let n = arrives(&app, &deputy, "case.scanned", Some(id)).await;

    let web = demo(&app, "deputy").await;
    // The bell with its count on a signed-in page, and the list.
    let me = web.get("/me").await.expect(200);
    me.assert_contains("data-bell=\"/notifications/stream\"");
    me.assert_contains(">1</span></a>");
    let list = web.get("/notifications").await.expect(200);
    list.assert_contains(n["subject"].as_str().unwrap());
    post_form(&web, &format!("/notifications/{}/read", n["id"]), &[])
        .await
        .expect(303);
    assert_eq!(inbox(&app, &deputy).await["unread"], 0);
    web.get("/me")
        .await
        .expect(200)
        .assert_contains(">0</span></a>");

    // Settings: a refused address comes back with what was typed and the message.
    web.get("/notifications/preferences").await.expect(200);
    let refused = post_form(
        &web,
        "/notifications/preferences",
        &[
            ("lang", "zh"),
            ("email", "not-an-address"),
            ("quiet_from", "22:00"),
            ("quiet_to", "07:00"),
        ],
    )
    .await
    .expect(422);
    refused.assert_contains("value=\"not-an-address\"");
    refused.assert_contains("请填写有效的电子邮箱地址");
    post_form(
        &web,
        "/notifications/preferences",
        &[
            ("lang", "en"),
            ("email", "deputy@example.org"),
            ("quiet_from", "22:00"),
            ("quiet_to", "07:00"),
            ("on", "case.scanned:email"),
        ],
    )
    .await
    .expect(303);
    let p = app
        .get("/notifications/preferences", Some(&deputy))
        .await
        .expect(200)
        .body;
    assert_eq!(p["channels"]["case.scanned"][0], "email");
    assert_eq!(p["quiet_hours"], false);

    // The deliveries console: ops only.
    web.get("/console/notifications").await.expect(403);
    let ops = demo(&app, "ops").await;
    let page = ops.get("/console/notifications").await.expect(200);
    page.assert_contains("case.scanned");
    page.assert_lacks("deputy@example.org");
}

/// A brand granted `staff.notify` (plugins/staff-notice, liaison:brand@0.2.0) tells the staff of
/// its own station through the same notifications as everything else: their bell, in their
/// language's template, and no one else's.
async fn a_brand_with_the_grant_tells_its_station_staff(b: Backend) {
    const NOTICE: Brand = Brand {
        id: "staff-notice",
        station: "lunan",
        caps: &["staff.notify"],
    };
    let app = app_with(b, Vec::new()).await;
    let ops = app.login_demo("ops").await;
    app.install_brand(&ops, &NOTICE, json!({})).await;
    NOTICE
        .act(
            &app,
            None,
            "tell",
            json!({ "subject": "三楼走廊漏水", "body": "联络站三楼走廊的水管在漏水，请尽快看看。" }),
        )
        .await
        .expect(200);
    let staff = app.login_demo("staff").await;
    let n = arrives(&app, &staff, "brand.notice", None).await;
    assert!(
        n["subject"].as_str().unwrap().contains("三楼走廊漏水"),
        "{n}"
    );
    assert!(
        n["subject"].as_str().unwrap().contains("staff-notice"),
        "{n}"
    );
    assert!(n["body"].as_str().unwrap().contains("水管在漏水"), "{n}");
    // Staff of other stations and the deputies hear nothing of it.
    let staff_elsewhere = app.count(
        "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id \
         WHERE n.kind = 'brand.notice' AND (u.station_id IS NULL OR u.station_id <> \
         (SELECT id FROM stations WHERE code = 'lunan'))",
    );
    assert_eq!(staff_elsewhere.await, 0);
}

/// A channel of operations' own (as the demo's sink): takes every address, keeps what it got.
#[derive(Default)]
struct Mirror(Mutex<Vec<Message>>);

impl Channel for Mirror {
    fn name(&self) -> &str {
        "sink"
    }

    fn accepts(&self, _to: &Address) -> bool {
        true
    }

    fn send<'a>(&'a self, m: &'a Message) -> SendFuture<'a> {
        Box::pin(async move {
            self.0.lock().unwrap().push(m.clone());
            Ok(())
        })
    }
}

/// The demo's sink and such channels carry every message they can address, whatever people
/// chose for their own push channels, and quiet hours do not hold them.
async fn an_operations_channel_carries_every_message_at_any_hour(b: Backend) {
    let mirror = Arc::new(Mirror::default());
    let mut p = prepare_app(b, |s| {
        fast(s);
        s.notifications.quiet_from = "22:00".into();
        s.notifications.quiet_to = "07:00".into();
    })
    .await;
    p.channels = vec![mirror.clone()];
    let app = p.start().await;
    app.clock
        .advance(until_next(&app, NaiveTime::from_hms_opt(23, 0, 0).unwrap()));
    let deputy = app.login_demo("deputy").await;
    let (id, _) = submit(&app, &scan_body()).await;
    arrives(&app, &deputy, "case.scanned", Some(id)).await;
    // The deputy chose no push channel; the station's staff neither: the sink has both.
    until("the scan and the new case in the sink", || async {
        let got = mirror.0.lock().unwrap().clone();
        let about = |subject_has: &str| {
            got.iter().any(|m| {
                m.link
                    .as_deref()
                    .is_some_and(|l| l.ends_with(&format!("/cases/{id}")))
                    && m.subject.contains(subject_has)
            })
        };
        (about("代表码") && about("新意见")).then_some(())
    })
    .await;
}

/// A suggestion's steps tell who must act next, and its deadlines remind the organisations
/// (and the congress office once overdue), each reminder once.
async fn a_suggestion_tells_the_office_the_deputy_and_its_organisations_and_reminds_them(
    b: Backend,
) {
    use crate::suggestions_handling::{assigned_with_eco, day, step};
    let app = app_with(b, Vec::new()).await;
    let ops = app.login_demo("ops").await;
    app.add_user("eco-handler", "handler", None, Some("eco"), None)
        .await;
    let handler_id = user_id(&app, "handler").await;
    let (id, r) = assigned_with_eco(&app, &ops).await;
    let about = format!("/suggestions/{id}");
    let number = r["number"].as_str().unwrap().to_owned();

    // The congress office heard of the filing; the lead and the co-organisation of the
    // assignment, each with its own part and deadline.
    let n = arrives_about(&app, &ops, "suggestion.filed", &about).await;
    assert!(n["subject"].as_str().unwrap().contains(&number), "{n}");
    let lead = app.login_demo("handler").await;
    let n = arrives_about(&app, &lead, "suggestion.assigned", &about).await;
    let body = n["body"].as_str().unwrap();
    assert!(
        body.contains("主办") && body.contains(r["reply_deadline"].as_str().unwrap()),
        "{body}"
    );
    let eco = app
        .login("eco-handler", crate::support::TEST_PASSWORD)
        .await;
    let n = arrives_about(&app, &eco, "suggestion.assigned", &about).await;
    let body = n["body"].as_str().unwrap();
    assert!(
        body.contains("协办") && body.contains(r["co_opinion_deadline"].as_str().unwrap()),
        "{body}"
    );

    // The day before the co-organisation's deadline it is reminded; after it, again.
    let co_due = day(&r["co_opinion_deadline"]);
    app.clock
        .advance(Days::days((co_due - app.today()).num_days() - 1));
    let eco = app
        .login("eco-handler", crate::support::TEST_PASSWORD)
        .await;
    arrives_about(&app, &eco, "suggestion.opinion_due", &about).await;
    app.clock.advance(Days::days(3));
    let eco = app
        .login("eco-handler", crate::support::TEST_PASSWORD)
        .await;
    arrives_about(&app, &eco, "suggestion.opinion_overdue", &about).await;
    // The lead's reply is months away: nothing yet for it.
    let lead = app.login_demo("handler").await;
    assert!(
        !kinds(&inbox(&app, &lead).await)
            .iter()
            .any(|k| k == "suggestion.due")
    );

    // The lead's reply deadline: due soon the day before, overdue after, the office told too.
    let due = day(&r["reply_deadline"]);
    app.clock
        .advance(Days::days((due - app.today()).num_days() - 1));
    let lead = app.login_demo("handler").await;
    arrives_about(&app, &lead, "suggestion.due", &about).await;
    app.clock.advance(Days::days(3));
    let lead = app.login_demo("handler").await;
    let n = arrives_about(&app, &lead, "suggestion.overdue", &about).await;
    assert!(
        n["body"].as_str().unwrap().contains(&due.to_string()),
        "{n}"
    );
    let ops = app.login_demo("ops").await;
    arrives_about(&app, &ops, "suggestion.overdue", &about).await;
    // However often any node sweeps, each reminder is written once.
    let cal = liaison_domain::calendar::Calendar::load(&app.db)
        .await
        .unwrap();
    for _ in 0..2 {
        liaison_domain::notifications::suggestions::sweep(
            &app.db,
            &cal,
            10,
            app.today(),
            app.clock.now(),
            0,
        )
        .await
        .unwrap();
    }
    for kind in ["suggestion.due", "suggestion.overdue"] {
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM notifications WHERE kind = '{kind}' AND user_id = {handler_id}"
            ))
            .await,
            1,
            "{kind}"
        );
    }

    // The reply asks the deputy to evaluate; 不满意 sends it back to the organisations.
    let today = app.today().to_string();
    step(
        &app,
        &lead,
        id,
        "consult",
        json!({ "day": today, "way": "in_person", "people": "代表、住建局科长" }),
    )
    .await;
    step(
        &app,
        &lead,
        id,
        "reply",
        json!({ "class": "A", "text": "已安排施工队对全部损坏路灯进行更换。" }),
    )
    .await;
    let deputy = app.login_demo("deputy").await;
    arrives_about(&app, &deputy, "suggestion.replied", &about).await;
    step(
        &app,
        &deputy,
        id,
        "evaluate",
        json!({ "evaluation": "unsatisfied" }),
    )
    .await;
    let n = arrives_about(&app, &lead, "suggestion.rehandle", &about).await;
    assert!(n["body"].as_str().unwrap().contains("重新办理"), "{n}");
    let eco = app
        .login("eco-handler", crate::support::TEST_PASSWORD)
        .await;
    arrives_about(&app, &eco, "suggestion.rehandle", &about).await;
}

/// More texts to one person within the window than the threshold: as many as the threshold go
/// now, the rest wait for the window's end and go together as one digest; the bell has every
/// one at once (the bell never gathers). Scans sent at once are fanned out together, so the
/// threshold counts what the same fan-out planned, not only what was written before it.
async fn many_texts_at_once_go_out_gathered_and_the_bell_has_each(b: Backend) {
    let sms = Recorder::new(Mode::Deliver);
    let mut p = prepare_app(b, |s| {
        fast(s);
        s.notifications.digest_threshold = 2;
        s.notifications.digest_window_secs = 300;
    })
    .await;
    p.channels = vec![sms.clone()];
    let app = p.start().await;
    let deputy_id = user_id(&app, "deputy").await;
    let deputy = app.login_demo("deputy").await;
    let mut prefs = app
        .get("/notifications/preferences", Some(&deputy))
        .await
        .expect(200)
        .body;
    prefs["phone"] = json!("13900002222");
    prefs["channels"] = json!({ "case.scanned": ["sms"] });
    app.put("/notifications/preferences", Some(&deputy), &prefs)
        .await
        .expect(200);

    let body = scan_body();
    let scans = futures_util::future::join_all((0..5).map(|_| submit(&app, &body))).await;
    for (id, _) in &scans {
        arrives(&app, &deputy, "case.scanned", Some(*id)).await;
    }
    let texts = |state: &'static str| {
        let app = &app;
        async move {
            app.count(&format!(
                "SELECT COUNT(*) FROM notification_deliveries d JOIN notifications n \
                 ON n.id = d.notification_id WHERE n.user_id = {deputy_id} \
                 AND n.kind = 'case.scanned' AND d.channel = 'sms' AND d.state = '{state}'"
            ))
            .await
        }
    };
    // Two go now (on their own, or already gathered with each other), three wait.
    until("the first two texts", || async {
        (texts("sent").await == 2 && !sms.delivered().is_empty()).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(texts("sent").await, 2);
    assert_eq!(texts("pending").await, 3, "the rest wait for the window");
    let early = sms.delivered().len();
    assert!((1..=2).contains(&early), "{early} messages for two texts");

    // The window ends: the three go as one message that counts them.
    app.clock.advance(Days::seconds(301));
    until("the gathered texts", || async {
        (texts("sent").await == 5).then_some(())
    })
    .await;
    let all = sms.delivered();
    assert_eq!(all.len(), early + 1, "the three went as one: {all:?}");
    let digest = all.last().unwrap();
    assert_eq!(digest.kind, "digest.many");
    assert!(digest.subject.contains('3'), "{}", digest.subject);
    assert!(matches!(&digest.to, Address::Phone(p) if p == "13900002222"));
    // The bell has each scan on its own, none gathered.
    let bell = inbox(&app, &deputy).await;
    let scanned = kinds(&bell).iter().filter(|k| *k == "case.scanned").count();
    assert!(scanned >= 5, "{bell}");
    assert!(!kinds(&bell).iter().any(|k| k == "digest.many"), "{bell}");
}
