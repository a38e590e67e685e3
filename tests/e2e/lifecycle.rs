//! A case walked through its whole life by the people who act on it, the refusals of illegal
//! moves, the overdue overlay, and the rating window closing a case unrated.

use chrono::Duration;
use serde_json::{Value, json};

use crate::support::{Backend, REPORTER_PHONE, actions_of, date, spawn_app};

both_backends!(
    full_lifecycle,
    illegal_transitions_refused,
    overdue_overlay,
    rating_window_closes_unrated,
    supervision_ladder,
);

fn codes(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|n| n["code"].as_str().unwrap().to_owned())
        .collect()
}

fn allowed(d: &Value) -> Vec<String> {
    d["allowed_actions"]
        .as_array()
        .expect("allowed_actions")
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

async fn full_lifecycle(b: Backend) {
    let app = spawn_app(b).await;
    let staff = app.login_demo("staff").await;
    let handler = app.login_demo("handler").await;
    let deputy = app.login_demo("deputy").await;
    let cal = app.calendar().await;
    let today = app.today();
    let case = app.submit_default().await;
    let (id, code) = (case.id, case.receipt_code.clone());
    let mut working_deadlines = Vec::new();

    let d = app
        .act(
            Some(&staff),
            id,
            "register",
            json!({ "note": "已电话核实" }),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(d["status"], "registered");

    // Assign: lead housing, co-handler eco; sign for in 1 working day, reply in 15.
    let d = app
        .act(
            Some(&staff),
            id,
            "assign",
            json!({ "lead": "housing", "co_handlers": ["eco"] }),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(d["status"], "assigned");
    assert_eq!(d["lead"]["code"], "housing");
    assert_eq!(codes(&d["co_handlers"]), ["eco"]);
    let sign = date(&d["deadlines"]["sign_for"]);
    let reply = date(&d["deadlines"]["reply"]);
    assert_eq!(date(&d["due_on"]), sign);
    assert_eq!(cal.between(today, sign), 1, "sign-for is 1 working day");
    assert_eq!(cal.between(today, reply), 15, "reply is 15 working days");
    working_deadlines.extend([sign, reply]);
    let hd = app.detail(&handler, id).await;
    assert!(allowed(&hd).contains(&"acknowledge".to_owned()));
    assert!(!allowed(&hd).contains(&"reply".to_owned()));

    let d = app
        .act(Some(&handler), id, "acknowledge", json!({}))
        .await
        .expect(200)
        .body;
    assert_eq!(d["status"], "in_progress");
    assert_eq!(
        date(&d["due_on"]),
        reply,
        "now working to the reply deadline"
    );

    // Internal steps: a reminder and a contact reveal.
    let d = app
        .act(Some(&staff), id, "remind", json!({ "note": "请抓紧办理" }))
        .await
        .expect(200)
        .body;
    assert_eq!(d["status"], "in_progress");
    assert_eq!(d["supervision_level"], 1);
    let c = app
        .post(
            &format!("/cases/{id}/contact"),
            Some(&staff),
            &json!({ "reason": "回访核实情况" }),
        )
        .await
        .expect(200);
    assert_eq!(c.body["phone"], REPORTER_PHONE);

    // Extension: asked by the handler, granted by the station.
    let d = app
        .act(
            Some(&handler),
            id,
            "extend",
            json!({ "reason": "需要现场勘查", "days": 5 }),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(d["pending_extension_days"], 5);
    assert_eq!(
        date(&d["deadlines"]["reply"]),
        reply,
        "not moved until granted"
    );
    let again = app
        .act(
            Some(&handler),
            id,
            "extend",
            json!({ "reason": "再申请一次", "days": 2 }),
        )
        .await
        .expect_error(409, "conflict", None);
    assert!(again.message().contains("extension"), "{}", again.text);
    assert!(allowed(&app.detail(&staff, id).await).contains(&"grant_extension".to_owned()));
    let d = app
        .act(
            Some(&staff),
            id,
            "grant_extension",
            json!({ "approve": true, "note": "同意延期" }),
        )
        .await
        .expect(200)
        .body;
    let extended = date(&d["deadlines"]["reply"]);
    assert_eq!(cal.between(reply, extended), 5, "5 more working days");
    assert_eq!(date(&d["due_on"]), extended);
    assert_eq!(d["extension_count"], 1);
    assert!(d["pending_extension_days"].is_null());
    working_deadlines.push(extended);
    // One extension is the limit.
    app.act(
        Some(&handler),
        id,
        "extend",
        json!({ "reason": "还需要时间", "days": 3 }),
    )
    .await
    .expect_error(409, "conflict", None);

    let first_answer = "已安排施工队维修，本周内完成。";
    let d = app
        .act(
            Some(&handler),
            id,
            "reply",
            json!({ "answer": first_answer }),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(d["status"], "replied");
    let feedback_by = date(&d["deadlines"]["feedback"]);
    assert_eq!(cal.between(today, feedback_by), 3);
    assert_eq!(date(&d["due_on"]), feedback_by);
    working_deadlines.push(feedback_by);

    let d = app
        .act(
            Some(&deputy),
            id,
            "feedback",
            json!({ "note": "已电话向群众转告答复" }),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(d["status"], "feedback_given");
    assert_eq!(date(&d["deadlines"]["rating"]), today + Duration::days(7));
    let t = app.track(&code).await.expect(200).body;
    assert_eq!(t["can_rate"], true);
    assert_eq!(t["answer"], first_answer);

    // The resident is not satisfied: back for rework.
    let t = app
        .post(
            &format!("/track/{code}/rate"),
            None,
            &json!({ "rating": "unsatisfied", "comment": "路灯还是不亮" }),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(t["status"], "reopened");
    assert_eq!(t["rating"], "unsatisfied");
    let d = app.detail(&staff, id).await;
    assert_eq!(d["status"], "reopened");
    assert_eq!(d["rework_count"], 1);
    assert!(allowed(&d).contains(&"assign".to_owned()));
    let twice = app
        .post(
            &format!("/track/{code}/rate"),
            None,
            &json!({ "rating": "satisfied" }),
        )
        .await
        .expect_error(409, "conflict", None);
    assert!(twice.message().contains("reopened"), "{}", twice.text);

    // Rework.
    let d = app
        .act(Some(&staff), id, "assign", json!({ "lead": "housing" }))
        .await
        .expect(200)
        .body;
    assert_eq!(d["status"], "assigned");
    assert_eq!(codes(&d["co_handlers"]), Vec::<String>::new());
    assert_eq!(d["extension_count"], 0);
    working_deadlines.push(date(&d["deadlines"]["sign_for"]));
    working_deadlines.push(date(&d["deadlines"]["reply"]));
    app.act(Some(&handler), id, "acknowledge", json!({}))
        .await
        .expect(200);
    let final_answer = "路灯已全部修复，欢迎监督。";
    let d = app
        .act(
            Some(&handler),
            id,
            "reply",
            json!({ "answer": final_answer }),
        )
        .await
        .expect(200)
        .body;
    working_deadlines.push(date(&d["deadlines"]["feedback"]));
    app.act(
        Some(&deputy),
        id,
        "feedback",
        json!({ "note": "已当面转告群众" }),
    )
    .await
    .expect(200);
    let t = app
        .post(
            &format!("/track/{code}/rate"),
            None,
            &json!({ "rating": "satisfied", "comment": "谢谢" }),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(t["status"], "closed");
    assert_eq!(t["answer"], final_answer);
    assert_eq!(t["can_rate"], false);

    let d = app.detail(&staff, id).await;
    assert_eq!(d["status"], "closed");
    assert_eq!(d["rating"], "satisfied");
    assert_eq!(d["rework_count"], 1);
    assert_eq!(d["unrated"], false);
    assert!(d["closed_at"].is_string());
    assert!(d["due_on"].is_null());
    assert_eq!(allowed(&d), ["reopen"]);

    // Deadlines fall on working days: never a weekend unless a make-up day, never a holiday.
    for day in &working_deadlines {
        assert!(
            cal.is_working_day(*day),
            "deadline {day} is not a working day"
        );
    }

    // The history, in order, each step by the role that may take it.
    let expected = [
        ("submit", "resident", "", "submitted"),
        ("register", "station_staff", "submitted", "registered"),
        ("assign", "station_staff", "registered", "assigned"),
        ("acknowledge", "handler", "assigned", "in_progress"),
        ("remind", "station_staff", "in_progress", "in_progress"),
        (
            "reveal_contact",
            "station_staff",
            "in_progress",
            "in_progress",
        ),
        ("extend", "handler", "in_progress", "in_progress"),
        (
            "grant_extension",
            "station_staff",
            "in_progress",
            "in_progress",
        ),
        ("reply", "handler", "in_progress", "replied"),
        ("feedback", "deputy", "replied", "feedback_given"),
        ("rate", "resident", "feedback_given", "reopened"),
        ("assign", "station_staff", "reopened", "assigned"),
        ("acknowledge", "handler", "assigned", "in_progress"),
        ("reply", "handler", "in_progress", "replied"),
        ("feedback", "deputy", "replied", "feedback_given"),
        ("rate", "resident", "feedback_given", "closed"),
    ];
    let evs = d["events"].as_array().unwrap();
    let got: Vec<(&str, &str, &str, &str)> = evs
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["actor_role"].as_str().unwrap(),
                e["from"].as_str().unwrap(),
                e["to"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, expected);
    let ids: Vec<i64> = evs.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "events in order");
    assert_eq!(evs[11]["data"]["rework"], true);
    assert_eq!(evs[2]["data"]["rework"], false);
    assert_eq!(evs[5]["note"], "回访核实情况");
    // The rows agree with the API.
    let rows = app.event_rows(id).await;
    assert_eq!(rows.len(), expected.len());
    assert_eq!(app.case_row(id).await.status.as_str(), "closed");

    // The resident's timeline holds only the public steps.
    let t = app.track(&code).await.expect(200);
    assert_eq!(
        actions_of(&t.body["timeline"]),
        [
            "submit",
            "register",
            "assign",
            "acknowledge",
            "grant_extension",
            "reply",
            "feedback",
            "rate",
            "assign",
            "acknowledge",
            "reply",
            "feedback",
            "rate",
        ]
    );
    for private in [
        "reveal_contact",
        "extend\"",
        "remind",
        "回访核实情况",
        "需要现场勘查",
    ] {
        assert!(
            !t.text.contains(private),
            "track shows {private}: {}",
            t.text
        );
    }
    assert!(!t.text.contains(REPORTER_PHONE));
}

async fn illegal_transitions_refused(b: Backend) {
    let app = spawn_app(b).await;
    let staff = app.login_demo("staff").await;
    let viewer = app.login_demo("viewer").await;
    let deputy = app.login_demo("deputy").await;
    let handler = app.login_demo("handler").await;
    let civil = app
        .add_user("civil-handler", "handler", None, Some("civil"), None)
        .await;
    let eco = app
        .add_user("eco-handler", "handler", None, Some("eco"), None)
        .await;
    let case = app.submit_default().await;
    let id = case.id;

    // Asserts that nothing about the case changed.
    let snapshot = || async { (app.case_row(id).await, app.event_rows(id).await.len()) };

    app.act(Some(&staff), id, "register", json!({}))
        .await
        .expect(200);
    let before = snapshot().await;
    let r = app
        .act(Some(&staff), id, "register", json!({}))
        .await
        .expect_error(409, "conflict", None);
    assert!(
        r.message().contains("registered") && r.message().contains("register"),
        "the refusal names the state and the action: {}",
        r.message()
    );
    assert_eq!(snapshot().await, before);

    for (who, token, action, body, status) in [
        (
            "viewer",
            &viewer,
            "assign",
            json!({ "lead": "housing" }),
            403,
        ),
        (
            "viewer",
            &viewer,
            "reject",
            json!({ "reason": "不行" }),
            403,
        ),
        (
            "deputy",
            &deputy,
            "assign",
            json!({ "lead": "housing" }),
            403,
        ),
        ("staff", &staff, "acknowledge", json!({}), 403),
        // A handler of any organisation: the case is not assigned to them, so not there.
        ("handler", &handler, "acknowledge", json!({}), 404),
        (
            "staff",
            &staff,
            "feedback",
            json!({ "note": "还没答复" }),
            409,
        ),
        ("staff", &staff, "close", json!({}), 409),
    ] {
        let r = app.act(Some(token), id, action, body).await;
        assert_eq!(r.status.as_u16(), status, "{who} {action}: {}", r.text);
        assert_eq!(snapshot().await, before, "{who} {action} changed the case");
    }

    // A bad body is refused and the transaction leaves nothing: the note is checked after the
    // handler rows are written, so a refusal there must roll them back.
    for (body, field) in [
        (json!({ "lead": "nowhere" }), "lead"),
        (
            json!({ "lead": "housing", "co_handlers": ["eco", "nowhere"] }),
            "co_handlers[1]",
        ),
        (
            json!({ "lead": "housing", "co_handlers": ["housing"] }),
            "co_handlers[0]",
        ),
        (json!({ "lead": "housing", "reply_days": 0 }), "reply_days"),
        (
            json!({ "lead": "housing", "note": "长".repeat(1001) }),
            "note",
        ),
    ] {
        app.act(Some(&staff), id, "assign", body)
            .await
            .expect_error(422, "invalid", Some(field));
        assert_eq!(
            snapshot().await,
            before,
            "a refused assign changed the case"
        );
        let rows = app
            .count(&format!(
                "SELECT COUNT(*) FROM case_handlers WHERE case_id = {id}"
            ))
            .await;
        assert_eq!(rows, 0, "a refused assign left handler rows");
        app.get(&format!("/cases/{id}"), Some(&handler))
            .await
            .expect_error(404, "not_found", None);
    }
    app.act(
        Some(&staff),
        id,
        "assign",
        json!({ "lead": "housing", "bogus": 1 }),
    )
    .await
    .expect_error(400, "bad_request", None);
    app.post_raw(
        &format!("/cases/{id}/actions/assign"),
        &[
            ("content-type", "text/plain"),
            ("authorization", &format!("Bearer {staff}")),
        ],
        b"lead=housing".to_vec(),
    )
    .await
    .expect_error(400, "bad_request", None);
    assert_eq!(snapshot().await, before);

    // Assigned to housing with eco helping.
    app.act(
        Some(&staff),
        id,
        "assign",
        json!({ "lead": "housing", "co_handlers": ["eco"] }),
    )
    .await
    .expect(200);
    let before = snapshot().await;
    for (who, token, action, body, status, code) in [
        (
            "civil handler",
            &civil,
            "acknowledge",
            json!({}),
            404,
            "not_found",
        ),
        (
            "civil handler",
            &civil,
            "return",
            json!({ "reason": "x" }),
            404,
            "not_found",
        ),
        (
            "eco co-handler",
            &eco,
            "acknowledge",
            json!({}),
            403,
            "forbidden",
        ),
        (
            "eco co-handler",
            &eco,
            "return",
            json!({ "reason": "非主办" }),
            403,
            "forbidden",
        ),
        (
            "housing handler",
            &handler,
            "reply",
            json!({ "answer": "还没签收" }),
            409,
            "conflict",
        ),
        (
            "viewer",
            &viewer,
            "acknowledge",
            json!({}),
            403,
            "forbidden",
        ),
    ] {
        let r = app.act(Some(token), id, action, body).await;
        assert_eq!(r.status.as_u16(), status, "{who} {action}: {}", r.text);
        r.expect_error(status, code, None);
        assert_eq!(snapshot().await, before, "{who} {action} changed the case");
    }
    let r = app
        .act(Some(&handler), id, "reply", json!({ "answer": "还没签收" }))
        .await;
    assert!(
        r.message().contains("assigned") && r.message().contains("reply"),
        "{}",
        r.text
    );

    // The resident: only with the right receipt code, only when it is time to rate.
    app.post(
        &format!("/track/{}/rate", case.receipt_code),
        None,
        &json!({ "rating": "satisfied" }),
    )
    .await
    .expect_error(409, "conflict", None);
    app.act(
        None,
        id,
        "rate",
        json!({ "rating": "satisfied", "receipt_code": "ZZZZ-ZZZZ" }),
    )
    .await
    .expect_error(404, "not_found", None);
    app.act(None, id, "rate", json!({ "rating": "satisfied" }))
        .await
        .expect_error(422, "invalid", Some("receipt_code"));
    app.post(
        "/track/ZZZZ-ZZZZ/rate",
        None,
        &json!({ "rating": "satisfied" }),
    )
    .await
    .expect_error(404, "not_found", None);
    // Signed out, a stale token, an action that does not exist, a case that does not exist.
    app.act(None, id, "acknowledge", json!({}))
        .await
        .expect_error(401, "unauthorized", None);
    app.act(Some("not-a-token"), id, "acknowledge", json!({}))
        .await
        .expect_error(401, "unauthorized", None);
    app.act(Some(&handler), id, "frobnicate", json!({}))
        .await
        .expect_error(404, "not_found", None);
    app.act(Some(&staff), id + 1000, "register", json!({}))
        .await
        .expect_error(404, "not_found", None);
    assert_eq!(snapshot().await, before);

    // And the right person still can.
    let d = app
        .act(Some(&handler), id, "acknowledge", json!({}))
        .await
        .expect(200)
        .body;
    assert_eq!(d["status"], "in_progress");
}

async fn overdue_overlay(b: Backend) {
    let app = spawn_app(b).await;
    let staff = app.login_demo("staff").await;
    let late = app.submit_default().await;
    let fresh = app.submit_default().await;
    for c in [&late, &fresh] {
        app.act(Some(&staff), c.id, "register", json!({}))
            .await
            .expect(200);
    }
    let d = app
        .act(
            Some(&staff),
            late.id,
            "assign",
            json!({ "lead": "housing" }),
        )
        .await
        .expect(200)
        .body;
    let sign = date(&d["deadlines"]["sign_for"]);
    let reply = date(&d["deadlines"]["reply"]);
    assert!(app.list_ids(&staff, "overdue=true").await.is_empty());
    assert_ne!(d["timeliness"], "overdue");

    // Five days on (more if a holiday stretches the sign-for day further).
    let days = 5.max((sign - app.today()).num_days() + 1);
    app.clock.advance(Duration::days(days));
    assert!(app.today() > sign);
    // Sessions last hours, not days.
    app.get("/cases", Some(&staff))
        .await
        .expect_error(401, "unauthorized", None);
    let staff = app.login_demo("staff").await;
    let handler = app.login_demo("handler").await;

    assert_eq!(app.list_ids(&staff, "overdue=true").await, vec![late.id]);
    assert_eq!(app.list_ids(&staff, "overdue=false").await, vec![fresh.id]);
    let page = app
        .get("/cases?overdue=true", Some(&staff))
        .await
        .expect(200);
    assert_eq!(page.body["items"][0]["timeliness"], "overdue");
    assert_eq!(app.detail(&staff, late.id).await["timeliness"], "overdue");
    assert!(app.detail(&staff, fresh.id).await["timeliness"].is_null());

    // Signing for it, late: now it works to the reply deadline, which is still ahead.
    let d = app
        .act(Some(&handler), late.id, "acknowledge", json!({}))
        .await
        .expect(200)
        .body;
    assert_eq!(date(&d["due_on"]), reply);
    assert_ne!(d["timeliness"], "overdue");
    assert!(app.list_ids(&staff, "overdue=true").await.is_empty());
    let ack = d["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(ack["action"], "acknowledge");
    assert_eq!(ack["data"]["on_time"], false, "signed for late");
}

async fn rating_window_closes_unrated(b: Backend) {
    let app = spawn_app(b).await;
    let staff = app.login_demo("staff").await;
    let deputy = app.login_demo("deputy").await;
    let case = app.submit_default().await;
    let id = case.id;
    app.act(Some(&staff), id, "register", json!({}))
        .await
        .expect(200);
    // The station answers itself (内循环).
    app.act(
        Some(&staff),
        id,
        "resolve",
        json!({ "answer": "站内已协调解决。" }),
    )
    .await
    .expect(200);
    let d = app
        .act(Some(&deputy), id, "feedback", json!({ "note": "已转告" }))
        .await
        .expect(200)
        .body;
    assert_eq!(d["status"], "feedback_given");
    let rules = app.settings.deadlines.clone();

    // Within the window nothing happens.
    let n = liaison_domain::cases::sweeper::close_unrated(&app.db, &rules, &app.clock)
        .await
        .unwrap();
    assert_eq!(n, 0);
    assert_eq!(app.case_row(id).await.status.as_str(), "feedback_given");

    app.clock.advance(Duration::days(8));
    liaison_domain::cases::sweeper::close_unrated(&app.db, &rules, &app.clock)
        .await
        .unwrap();
    let row = app.case_row(id).await;
    assert_eq!(row.status.as_str(), "closed");
    assert!(row.unrated);
    assert!(row.rating.is_none());
    assert!(row.closed_at.is_some());
    let last = app.event_rows(id).await.pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.actor_role.as_str()),
        ("close", "system")
    );

    let staff = app.login_demo("staff").await;
    let d = app.detail(&staff, id).await;
    assert_eq!(d["status"], "closed");
    assert_eq!(d["unrated"], true);
    let t = app.track(&case.receipt_code).await.expect(200).body;
    assert_eq!(t["status"], "closed");
    assert_eq!(t["can_rate"], false);
    app.post(
        &format!("/track/{}/rate", case.receipt_code),
        None,
        &json!({ "rating": "satisfied" }),
    )
    .await
    .expect_error(409, "conflict", None);
    // A second sweep finds nothing.
    let n = liaison_domain::cases::sweeper::close_unrated(&app.db, &rules, &app.clock)
        .await
        .unwrap();
    assert_eq!(n, 0);

    // The station may still reopen it; it is no longer counted unrated.
    let d = app
        .act(
            Some(&staff),
            id,
            "reopen",
            json!({ "reason": "群众再次来电" }),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(d["status"], "reopened");
    assert_eq!(d["unrated"], false);
    assert_eq!(d["rework_count"], 1);
}

/// 催办 → 督办 → 通报: the level only climbs, the state stays, and only the public notice shows
/// on the resident's page.
async fn supervision_ladder(b: Backend) {
    let app = spawn_app(b).await;
    let staff = app.login_demo("staff").await;
    let ops = app.login_demo("ops").await;
    let handler = app.login_demo("handler").await;
    let case = app.submit_default().await;
    let id = case.id;
    // Not before the station has taken the case on.
    app.act(Some(&staff), id, "remind", json!({}))
        .await
        .expect_error(409, "conflict", None);
    app.act(Some(&staff), id, "register", json!({}))
        .await
        .expect(200);
    app.act(Some(&staff), id, "assign", json!({ "lead": "housing" }))
        .await
        .expect(200);
    assert!(app.list_ids(&staff, "supervision=1").await.is_empty());

    app.act(Some(&handler), id, "remind", json!({}))
        .await
        .expect_error(403, "forbidden", None);
    let d = app
        .act(Some(&staff), id, "remind", json!({ "note": "请尽快签收" }))
        .await
        .expect(200)
        .body;
    assert_eq!(
        (d["status"].as_str(), d["supervision_level"].as_i64()),
        (Some("assigned"), Some(1))
    );
    assert_eq!(app.list_ids(&staff, "supervision=1").await, vec![id]);
    assert!(app.list_ids(&staff, "supervision=2").await.is_empty());
    let d = app
        .act(Some(&staff), id, "supervise", json!({}))
        .await
        .expect(200)
        .body;
    assert_eq!(d["supervision_level"], 2);
    // The public notice is for ops alone.
    app.act(Some(&staff), id, "notice", json!({}))
        .await
        .expect_error(403, "forbidden", None);
    let d = app
        .act(
            Some(&ops),
            id,
            "notice",
            json!({ "note": "逾期未签收，予以通报" }),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(d["supervision_level"], 3);
    let d = app
        .act(Some(&staff), id, "remind", json!({}))
        .await
        .expect(200)
        .body;
    assert_eq!(
        d["supervision_level"], 3,
        "a reminder never lowers the level"
    );
    assert_eq!(d["status"], "assigned");
    assert_eq!(app.list_ids(&ops, "supervision=3").await, vec![id]);

    let t = app.track(&case.receipt_code).await.expect(200).body;
    assert_eq!(
        actions_of(&t["timeline"]),
        ["submit", "register", "assign", "notice"]
    );
    // The handler still acts as before.
    app.act(Some(&handler), id, "acknowledge", json!({}))
        .await
        .expect(200);
}
