//! End-to-end tests of how suggestions are numbered and handled on both backends: filing
//! numbers stay unique when deputies file at the same moment; a co-organisation's opinion is
//! due within a month, due soon and then overdue on its desk and the item's page, and its
//! lateness stays in the history; the lead's 面商 from its page before the reply.

use std::collections::HashSet;

use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};

use crate::support::{Backend, TEST_PASSWORD, TestApp, spawn_app, spawn_app_with};
use crate::web_client::{demo, post_form, signed_in};

both_backends!(
    filing_at_once_takes_distinct_numbers,
    a_co_organisations_opinion_is_due_within_a_month,
    the_lead_consults_on_its_page_before_replying,
);

pub(crate) async fn session(app: &TestApp, ops: &str) -> i64 {
    app.post(
        "/congress-sessions",
        Some(ops),
        &json!({
            "level": "district", "term": 18, "meeting": 3,
            "name": "路桥区第十八届人民代表大会第三次会议",
            "opens_on": format!("{}-01-10", app.today().year()),
        }),
    )
    .await
    .expect(201)
    .body["id"]
        .as_i64()
        .unwrap()
}

pub(crate) fn filing(session: i64, n: usize) -> Value {
    json!({
        "kind": "suggestion",
        "session": session,
        "title": format!("关于第{n}号路段路灯修复的建议"),
        "body": "多处路灯损坏已有一个月，居民夜间出行不便，建议尽快修复并建立巡查机制。",
    })
}

async fn filing_at_once_takes_distinct_numbers(b: Backend) {
    // SQLite ships with one connection, which queues writers; with several, filings race too.
    let app = spawn_app_with(b, |s| s.database.sqlite_max_connections = 4).await;
    let ops = app.login_demo("ops").await;
    let one = app.login_demo("deputy").await;
    let two = app
        .add_user("lunan-d02-user", "deputy", None, None, Some("lunan-d02"))
        .await;
    let s = session(&app, &ops).await;
    // Two deputies file twelve items at the same moment: every one is taken, none shares a
    // number, and the numbers run from 1 with none skipped.
    const N: usize = 12;
    let answers = futures_util::future::join_all((0..N).map(|i| {
        let token = if i.is_multiple_of(2) { &one } else { &two };
        let app = &app;
        async move { app.post("/suggestions", Some(token), &filing(s, i)).await }
    }))
    .await;
    let numbers: HashSet<String> = answers
        .into_iter()
        .map(|r| r.expect(201).body["number"].as_str().unwrap().to_owned())
        .collect();
    let expected: HashSet<String> = (1..=N).map(|n| format!("建议第{n}号")).collect();
    assert_eq!(numbers, expected);
    assert_eq!(
        app.count("SELECT COUNT(DISTINCT serial) FROM suggestions")
            .await,
        N as i64
    );
}

pub(crate) async fn step(app: &TestApp, token: &str, id: i64, action: &str, body: Value) -> Value {
    app.post(
        &format!("/suggestions/{id}/actions/{action}"),
        Some(token),
        &body,
    )
    .await
    .expect(200)
    .body
}

/// Filed by the demo deputy, registered and assigned to housing with eco co-handling.
pub(crate) async fn assigned_with_eco(app: &TestApp, ops: &str) -> (i64, Value) {
    let deputy = app.login_demo("deputy").await;
    let s = session(app, ops).await;
    let id = app
        .post("/suggestions", Some(&deputy), &filing(s, 1))
        .await
        .expect(201)
        .body["id"]
        .as_i64()
        .unwrap();
    step(app, ops, id, "register", Value::Null).await;
    let r = step(
        app,
        ops,
        id,
        "assign",
        json!({ "lead": "housing", "co_organisations": ["eco"] }),
    )
    .await;
    (id, r)
}

pub(crate) fn day(v: &Value) -> NaiveDate {
    NaiveDate::parse_from_str(v.as_str().unwrap(), "%Y-%m-%d").unwrap()
}

async fn a_co_organisations_opinion_is_due_within_a_month(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    app.add_user("eco-handler", "handler", None, Some("eco"), None)
        .await;
    let (id, r) = assigned_with_eco(&app, &ops).await;
    // One month on, moved to a working day when it falls on a rest day.
    let due = day(&r["co_opinion_deadline"]);
    let month = app
        .today()
        .checked_add_months(chrono::Months::new(1))
        .unwrap();
    assert!(
        due >= month && app.calendar().await.is_working_day(due),
        "{due}"
    );
    assert!((due - month).num_days() < 10);
    // The assignment's step carries both deadlines into the history.
    let assign = r["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "assign")
        .unwrap();
    assert_eq!(
        assign["data"]["co_opinion_deadline"],
        r["co_opinion_deadline"]
    );
    let orgs = |v: &Value, code: &str| {
        v["organisations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["organisation"]["code"] == code)
            .unwrap()
            .clone()
    };
    assert_eq!(orgs(&r, "eco")["opinion_due"], "on_time");
    assert!(
        orgs(&r, "housing")["opinion_due"].is_null(),
        "the lead owes no opinion"
    );

    // The co-organisation's desk shows its own deadline, not the lead's reply deadline.
    let eco = signed_in(&app, "eco-handler", TEST_PASSWORD).await;
    let p = eco.get("/org").await.expect(200);
    p.assert_contains(&format!("id=\"desk-opinion-{id}\""));
    p.assert_contains(&format!("datetime=\"{due}\""));
    let lead = demo(&app, "handler").await;
    let p = lead.get("/org").await.expect(200);
    p.assert_contains(&format!("href=\"/suggestions/{id}\""));
    p.assert_lacks(&format!("id=\"desk-opinion-{id}\""));

    // The day before the deadline it is due soon; after it, overdue.
    app.clock
        .advance(Duration::days((due - app.today()).num_days() - 1));
    let ops = app.login_demo("ops").await;
    let d = app
        .get(&format!("/suggestions/{id}"), Some(&ops))
        .await
        .expect(200)
        .body;
    assert_eq!(orgs(&d, "eco")["opinion_due"], "due_soon");
    app.clock.advance(Duration::days(3));
    let ops = app.login_demo("ops").await;
    let d = app
        .get(&format!("/suggestions/{id}"), Some(&ops))
        .await
        .expect(200)
        .body;
    assert_eq!(orgs(&d, "eco")["opinion_due"], "overdue");
    let eco = signed_in(&app, "eco-handler", TEST_PASSWORD).await;
    let p = eco.get("/org").await.expect(200);
    p.assert_contains(&format!("id=\"desk-opinion-{id}\""));
    p.assert_contains("已超期");
    let p = eco.get(&format!("/suggestions/{id}")).await.expect(200);
    p.assert_contains("id=\"opinion-due-eco\"");

    // Sent late: no longer owed, and the history says it came late.
    post_form(
        &eco,
        &format!("/suggestions/{id}/act/co_opinion"),
        &[("opinion", "同意主办单位意见，配合做好巡查。")],
    )
    .await
    .expect(303);
    let d = app
        .get(&format!("/suggestions/{id}"), Some(&ops))
        .await
        .expect(200)
        .body;
    assert!(orgs(&d, "eco")["opinion_due"].is_null());
    assert_eq!(orgs(&d, "eco")["opinion_on_time"], false);
    let sent = d["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "co_opinion")
        .unwrap();
    assert_eq!(sent["data"]["on_time"], false);
    let p = eco.get(&format!("/suggestions/{id}")).await.expect(200);
    p.assert_contains("逾期报送");
    p.assert_lacks("id=\"opinion-due-eco\"");
    eco.get("/org")
        .await
        .expect(200)
        .assert_lacks(&format!("id=\"desk-opinion-{id}\""));
}

async fn the_lead_consults_on_its_page_before_replying(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let (id, _) = assigned_with_eco(&app, &ops).await;
    let at = format!("/suggestions/{id}");
    let lead = demo(&app, "handler").await;
    let p = lead.get(&at).await.expect(200);
    p.assert_contains("id=\"form-consult\"");
    p.assert_contains("id=\"form-reply\"");
    // Replying before 面商 is refused on the page, naming the state, with the text kept.
    let p = post_form(
        &lead,
        &format!("{at}/act/reply"),
        &[("class", "A"), ("text", "已安排施工队全部更换。")],
    )
    .await
    .expect(409);
    p.assert_contains("id=\"reply-error\"");
    p.assert_contains("assigned");
    p.assert_contains("已安排施工队全部更换。");
    // The deputy does not record the lead's consultation.
    let deputy = app.login_demo("deputy").await;
    let body = json!({ "day": app.today().to_string(), "way": "in_person", "people": "代表" });
    app.post(&format!("{at}/actions/consult"), Some(&deputy), &body)
        .await
        .expect(403);
    // A day before the assignment is refused beside the field.
    let p = post_form(
        &lead,
        &format!("{at}/act/consult"),
        &[
            ("day", &(app.today() - Duration::days(1)).to_string()),
            ("way", "in_person"),
            ("people", "王惠、住建局"),
        ],
    )
    .await
    .expect(422);
    p.assert_contains("id=\"err-day\"");
    p.assert_contains("王惠、住建局");
    post_form(
        &lead,
        &format!("{at}/act/consult"),
        &[
            ("day", &app.today().to_string()),
            ("way", "in_person"),
            ("people", "王惠、住建局"),
        ],
    )
    .await
    .expect(303);
    let p = lead.get(&at).await.expect(200);
    p.assert_contains("id=\"consultations\"");
    p.assert_contains("王惠、住建局");
    post_form(
        &lead,
        &format!("{at}/act/reply"),
        &[("class", "A"), ("text", "已安排施工队全部更换。")],
    )
    .await
    .expect(303);
    let d = app.get(&at, Some(&ops)).await.expect(200).body;
    assert_eq!(d["status"], "replied");
    assert_eq!(d["consultations"][0]["people"], "王惠、住建局");
}
