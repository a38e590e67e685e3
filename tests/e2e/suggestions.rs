//! End-to-end tests of deputies' suggestions and motions on both backends: every step and its
//! refusals over the API (422 naming the field, 409 naming the state, 403 for the wrong part,
//! 404 out of reach), the B follow-up and the key-supervised motion, scope per role, the
//! exports, the appraisal item 议案建议办理 against a hand count, the cockpit's counts, and the
//! pages: filing with a refused field kept, the office's, the organisation's and the deputy's
//! forms, the public list and the resident's tracking page naming the suggestion.

use chrono::{Datelike, Duration};
use serde_json::{Value, json};

use crate::support::{Backend, TestApp, spawn_app};
use crate::web_client::{Browser, demo, post_form};

both_backends!(
    a_suggestion_from_a_case_walks_every_step,
    refusals_name_the_field_or_the_state,
    a_key_supervised_motion_and_a_b_reply_followed_up,
    each_role_sees_its_own_part,
    the_register_exports_with_chinese_headers,
    the_appraisal_item_is_computed_by_hand,
    pages_file_act_and_show,
    the_demo_has_every_state_and_class,
);

async fn session(app: &TestApp, ops: &str) -> i64 {
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

fn filing(session: i64) -> Value {
    json!({
        "kind": "suggestion",
        "session": session,
        "during_session": true,
        "title": "关于加快石曲村路灯修复的建议",
        "body": "石曲村多处路灯损坏已有一个月，居民夜间出行不便，建议尽快修复并建立巡查机制。",
    })
}

async fn file(app: &TestApp, token: &str, body: &Value) -> i64 {
    app.post("/suggestions", Some(token), body)
        .await
        .expect(201)
        .body["id"]
        .as_i64()
        .unwrap()
}

async fn step(
    app: &TestApp,
    token: &str,
    id: i64,
    action: &str,
    body: Value,
) -> crate::support::Resp {
    app.post(
        &format!("/suggestions/{id}/actions/{action}"),
        Some(token),
        &body,
    )
    .await
}

fn consult(app: &TestApp, way: &str) -> Value {
    json!({ "day": app.today().to_string(), "way": way, "people": "代表、住建局科长" })
}

fn reply(app: &TestApp, class: &str) -> Value {
    let mut b = json!({ "class": class, "text": "已安排施工队对全部损坏路灯进行更换。" });
    if class == "B" {
        b["planned_on"] = json!((app.today() + Duration::days(90)).to_string());
    }
    if class == "C" {
        b["reason"] = json!("资金暂未落实");
    }
    b
}

/// Files, registers and assigns one item to `lead`; its id.
async fn assigned(app: &TestApp, deputy: &str, ops: &str, s: i64, lead: &str) -> i64 {
    let id = file(app, deputy, &filing(s)).await;
    step(app, ops, id, "register", Value::Null)
        .await
        .expect(200);
    step(app, ops, id, "assign", json!({ "lead": lead }))
        .await
        .expect(200);
    id
}

async fn a_suggestion_from_a_case_walks_every_step(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let deputy = app.login_demo("deputy").await;
    let handler = app.login_demo("handler").await;
    let eco = app
        .add_user("eco-handler", "handler", None, Some("eco"), None)
        .await;
    let s = session(&app, &ops).await;
    let case = app.submit_default().await;

    let mut body = filing(s);
    body["cases"] = json!([case.id]);
    let r = app
        .post("/suggestions", Some(&deputy), &body)
        .await
        .expect(201);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(r.body["status"], "filed");
    assert_eq!(r.body["number"], "建议第1号");
    assert_eq!(r.body["cases"][0]["receipt_code"], case.receipt_code);
    // The resident sees that their opinion became a suggestion.
    let t = app.track(&case.receipt_code).await.expect(200);
    assert_eq!(t.body["suggestions"][0]["number"], "建议第1号");
    assert_eq!(t.body["suggestions"][0]["status_label"], "已提交");

    let r = step(&app, &ops, id, "register", Value::Null)
        .await
        .expect(200);
    assert_eq!(r.body["status"], "registered");
    let r = step(
        &app,
        &ops,
        id,
        "assign",
        json!({ "lead": "housing", "co_organisations": ["eco"] }),
    )
    .await
    .expect(200);
    assert_eq!(r.body["status"], "assigned");
    let today = app.today();
    let three = today.checked_add_months(chrono::Months::new(3)).unwrap();
    let due =
        chrono::NaiveDate::parse_from_str(r.body["reply_deadline"].as_str().unwrap(), "%Y-%m-%d")
            .unwrap();
    // Three months on, moved to a working day when it falls on a rest day.
    let cal = app.calendar().await;
    assert!(due >= three && cal.is_working_day(due), "{due}");
    assert!((due - three).num_days() < 10);
    assert!(r.body["co_opinion_deadline"].is_string());

    // The lead replies only after consulting the deputy.
    let e = step(&app, &handler, id, "reply", reply(&app, "A"))
        .await
        .expect_error(409, "conflict", None);
    assert!(e.message().contains("assigned"), "{}", e.message());
    step(
        &app,
        &eco,
        id,
        "co_opinion",
        json!({ "opinion": "同意主办单位意见" }),
    )
    .await
    .expect(200);
    step(&app, &handler, id, "consult", consult(&app, "in_person"))
        .await
        .expect(200);
    let r = step(&app, &handler, id, "reply", reply(&app, "A"))
        .await
        .expect(200);
    assert_eq!(r.body["status"], "replied");
    assert_eq!(r.body["replied_on_time"], true);
    assert_eq!(
        r.body["actions"],
        json!([]),
        "the handler has nothing more to do"
    );
    let r = step(
        &app,
        &deputy,
        id,
        "evaluate",
        json!({ "evaluation": "unsatisfied" }),
    )
    .await
    .expect(200);
    assert_eq!(r.body["status"], "rehandling");
    assert!(r.body["rehandle_deadline"].is_string());
    step(&app, &handler, id, "reply", reply(&app, "A"))
        .await
        .expect(200);
    let r = step(
        &app,
        &deputy,
        id,
        "evaluate",
        json!({ "evaluation": "satisfied" }),
    )
    .await
    .expect(200);
    assert_eq!(r.body["status"], "closed");
    let steps: Vec<&str> = r.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "file",
            "register",
            "assign",
            "co_opinion",
            "consult",
            "reply",
            "evaluate",
            "reply",
            "evaluate"
        ]
    );
    let t = app.track(&case.receipt_code).await.expect(200);
    assert_eq!(t.body["suggestions"][0]["status_label"], "已办结");
    assert!(t.body["suggestions"][0]["reply_text"].is_string());

    // Every step is documented with its own body.
    let doc: Value = app
        .client
        .get(format!("{}/api/openapi.json", app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for a in [
        "register",
        "return",
        "revise",
        "to_letter",
        "assign",
        "supervise",
        "consult",
        "co_opinion",
        "reply",
        "evaluate",
        "confirm",
    ] {
        assert!(
            doc["paths"][format!("/api/v1/suggestions/{{id}}/actions/{a}")]["post"]["requestBody"]
                .is_object(),
            "{a} is documented"
        );
    }
    assert!(doc["components"]["schemas"]["SuggestionReplyBody"].is_object());
    assert!(
        doc["components"]["schemas"]["ReasonBody"].is_object(),
        "the cases' bodies keep their names"
    );
}

async fn refusals_name_the_field_or_the_state(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let deputy = app.login_demo("deputy").await;
    let handler = app.login_demo("handler").await;
    let viewer = app.login_demo("viewer").await;
    let s = session(&app, &ops).await;

    let mut long = filing(s);
    long["title"] = json!("长".repeat(101));
    app.post("/suggestions", Some(&deputy), &long)
        .await
        .expect_error(422, "invalid", Some("title"));
    let mut short = filing(s);
    short["body"] = json!("太短");
    app.post("/suggestions", Some(&deputy), &short)
        .await
        .expect_error(422, "invalid", Some("body"));
    let mut motion = filing(s);
    motion["kind"] = json!("motion");
    app.post("/suggestions", Some(&deputy), &motion)
        .await
        .expect_error(422, "invalid", Some("cosigners"));
    motion["cosigners"] = json!(["lunan-d02", "nobody"]);
    app.post("/suggestions", Some(&deputy), &motion)
        .await
        .expect_error(422, "invalid", Some("cosigners[1]"));
    let mut many = filing(s);
    many["cases"] = json!((1..=21).collect::<Vec<i64>>());
    app.post("/suggestions", Some(&deputy), &many)
        .await
        .expect_error(422, "invalid", Some("cases"));
    let mut missing = filing(s);
    missing.as_object_mut().unwrap().remove("title");
    app.post("/suggestions", Some(&deputy), &missing)
        .await
        .expect_error(400, "bad_request", Some("title"));
    // Only deputies file; nothing without signing in.
    app.post("/suggestions", Some(&handler), &filing(s))
        .await
        .expect_error(403, "forbidden", None);
    app.post("/suggestions", None, &filing(s)).await.expect(401);

    let id = file(&app, &deputy, &filing(s)).await;
    // The wrong part is refused whatever the state; a handler cannot register.
    step(&app, &handler, id, "register", Value::Null)
        .await
        .expect(404);
    step(&app, &viewer, id, "register", Value::Null)
        .await
        .expect_error(403, "forbidden", None);
    step(&app, &deputy, id, "register", Value::Null)
        .await
        .expect_error(403, "forbidden", None);
    step(&app, &ops, id, "return", json!({}))
        .await
        .expect_error(400, "bad_request", Some("reason"));
    step(&app, &ops, id, "register", Value::Null)
        .await
        .expect(200);
    let e = step(&app, &ops, id, "register", Value::Null)
        .await
        .expect_error(409, "conflict", None);
    assert!(e.message().contains("registered"), "{}", e.message());
    step(&app, &ops, id, "assign", json!({ "lead": "nowhere" }))
        .await
        .expect_error(422, "invalid", Some("lead"));
    step(
        &app,
        &ops,
        id,
        "assign",
        json!({ "lead": "housing", "co_organisations": ["housing"] }),
    )
    .await
    .expect_error(422, "invalid", Some("co_organisations[0]"));
    step(
        &app,
        &ops,
        id,
        "assign",
        json!({ "lead": "housing", "reply_months": 7 }),
    )
    .await
    .expect_error(422, "invalid", Some("reply_months"));
    step(
        &app,
        &ops,
        id,
        "assign",
        json!({ "lead": "housing", "key_supervision": true }),
    )
    .await
    .expect_error(422, "invalid", Some("supervising_leader"));
    // Nothing half-written by the refusals: still registered, no organisation.
    let d = app
        .get(&format!("/suggestions/{id}"), Some(&ops))
        .await
        .expect(200)
        .body;
    assert_eq!(d["status"], "registered");
    assert_eq!(d["organisations"], json!([]));
    step(&app, &ops, id, "assign", json!({ "lead": "housing" }))
        .await
        .expect(200);
    let mut far = consult(&app, "in_person");
    far["day"] = json!((app.today() + Duration::days(3)).to_string());
    step(&app, &handler, id, "consult", far)
        .await
        .expect_error(422, "invalid", Some("day"));
    step(
        &app,
        &handler,
        id,
        "consult",
        json!({ "day": "2026-13-01", "way": "in_person", "people": "x" }),
    )
    .await
    .expect_error(400, "bad_request", Some("day"));
    step(&app, &handler, id, "consult", consult(&app, "phone"))
        .await
        .expect(200);
    let mut c = reply(&app, "C");
    c.as_object_mut().unwrap().remove("reason");
    step(&app, &handler, id, "reply", c)
        .await
        .expect_error(422, "invalid", Some("reason"));
    let mut bb = reply(&app, "B");
    bb.as_object_mut().unwrap().remove("planned_on");
    step(&app, &handler, id, "reply", bb)
        .await
        .expect_error(422, "invalid", Some("planned_on"));
    let mut past = reply(&app, "B");
    past["planned_on"] = json!(app.today().to_string());
    step(&app, &handler, id, "reply", past)
        .await
        .expect_error(422, "invalid", Some("planned_on"));
    let mut a = reply(&app, "A");
    a["text"] = json!("字".repeat(5001));
    step(&app, &handler, id, "reply", a)
        .await
        .expect_error(422, "invalid", Some("text"));
    step(
        &app,
        &handler,
        id,
        "reply",
        json!({ "class": "D", "text": "已经解决了这个问题。" }),
    )
    .await
    .expect_error(400, "bad_request", Some("class"));
    // An unknown step is a 404 listing the steps.
    let e = step(&app, &ops, id, "approve", Value::Null)
        .await
        .expect_error(404, "not_found", None);
    assert!(e.message().contains("evaluate"));
    // The deputy evaluates only a reply.
    let e = step(
        &app,
        &deputy,
        id,
        "evaluate",
        json!({ "evaluation": "satisfied" }),
    )
    .await
    .expect_error(409, "conflict", None);
    assert!(e.message().contains("assigned"));
    // Sessions: ops only, bounded, no twins.
    app.post("/congress-sessions", Some(&deputy), &json!({ "level": "district", "term": 18, "meeting": 4, "name": "x", "opens_on": "2026-06-01" }))
        .await
        .expect_error(403, "forbidden", None);
    app.post("/congress-sessions", Some(&ops), &json!({ "level": "district", "term": 18, "meeting": 3, "name": "重复", "opens_on": "2026-06-01" }))
        .await
        .expect_error(422, "invalid", Some("meeting"));
    app.post("/congress-sessions", Some(&ops), &json!({ "level": "city", "term": 18, "meeting": 5, "name": "x", "opens_on": "2026-06-01" }))
        .await
        .expect_error(422, "invalid", Some("level"));
    app.post("/congress-sessions", Some(&ops), &json!({ "level": "district", "term": 100, "meeting": 5, "name": "x", "opens_on": "2026-06-01" }))
        .await
        .expect_error(422, "invalid", Some("term"));
}

async fn a_key_supervised_motion_and_a_b_reply_followed_up(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let deputy = app.login_demo("deputy").await;
    let handler = app.login_demo("handler").await;
    let s = session(&app, &ops).await;
    let mut motion = filing(s);
    motion["kind"] = json!("motion");
    motion["title"] = json!("关于推进十里长街历史街区保护与更新的议案");
    motion["cosigners"] = json!([
        "lunan-d02",
        "lunan-d03",
        "lunan-d04",
        "lubei-d01",
        "lubei-d02",
        "jinqing-d01",
        "jinqing-d02",
        "pengjie-d01",
        "pengjie-d02"
    ]);
    let r = app
        .post("/suggestions", Some(&deputy), &motion)
        .await
        .expect(201);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(r.body["number"], "议案第1号");
    assert_eq!(r.body["cosigners"].as_array().unwrap().len(), 9);
    // A co-signer sees it and takes no step.
    let co = app
        .add_user("co-signer", "deputy", None, None, Some("jinqing-d01"))
        .await;
    let d = app
        .get(&format!("/suggestions/{id}"), Some(&co))
        .await
        .expect(200)
        .body;
    assert_eq!(d["actions"], json!([]));
    // A delegation's motion needs no co-signers.
    let mut delegation = filing(s);
    delegation["kind"] = json!("motion");
    delegation["delegation"] = json!("路南代表团");
    assert_eq!(
        app.post("/suggestions", Some(&deputy), &delegation)
            .await
            .expect(201)
            .body["number"],
        "议案第2号"
    );

    step(&app, &ops, id, "register", Value::Null)
        .await
        .expect(200);
    let r = step(
        &app,
        &ops,
        id,
        "assign",
        json!({ "lead": "housing", "co_organisations": ["market"], "key_supervision": true,
                "supervising_leader": "区长 陈立新", "reply_months": 2 }),
    )
    .await
    .expect(200);
    assert_eq!(r.body["key_supervision"], true);
    assert_eq!(r.body["supervising_leader"], "区长 陈立新");
    let due =
        chrono::NaiveDate::parse_from_str(r.body["reply_deadline"].as_str().unwrap(), "%Y-%m-%d")
            .unwrap();
    let two = app
        .today()
        .checked_add_months(chrono::Months::new(2))
        .unwrap();
    assert!(due >= two && (due - two).num_days() < 10);
    let listed = app
        .get("/suggestions?key_supervision=true", Some(&ops))
        .await
        .expect(200)
        .body;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    step(&app, &handler, id, "consult", consult(&app, "in_person"))
        .await
        .expect(200);
    let r = step(&app, &handler, id, "reply", reply(&app, "B"))
        .await
        .expect(200);
    assert_eq!(r.body["reply_class"], "B");
    let r = step(
        &app,
        &deputy,
        id,
        "evaluate",
        json!({ "evaluation": "basically_satisfied" }),
    )
    .await
    .expect(200);
    assert_eq!(r.body["status"], "following_up");
    assert_eq!(r.body["due_on"], r.body["planned_on"]);
    // Followed up past its planned date it is overdue.
    app.clock.advance(Duration::days(100));
    // Sessions last hours: sign in again after the jump.
    let ops = app.login_demo("ops").await;
    let deputy = app.login_demo("deputy").await;
    let handler = app.login_demo("handler").await;
    let listed = app
        .get("/suggestions?overdue=true", Some(&ops))
        .await
        .expect(200)
        .body;
    assert_eq!(listed[0]["id"], id);
    assert_eq!(listed[0]["timeliness"], "overdue");
    step(&app, &deputy, id, "confirm", json!({ "solved": true }))
        .await
        .expect_error(403, "forbidden", None);
    let r = step(
        &app,
        &handler,
        id,
        "confirm",
        json!({ "solved": false, "note": "资金未到位" }),
    )
    .await
    .expect(200);
    assert_eq!(r.body["status"], "closed");
    assert_eq!(r.body["solved"], false);
    // Supervision of a closed item is a conflict naming its state.
    let e = step(
        &app,
        &ops,
        id,
        "supervise",
        json!({ "supervising_leader": "张三" }),
    )
    .await
    .expect_error(409, "conflict", None);
    assert!(e.message().contains("closed"));

    // Returned, revised, then a letter.
    let other = file(&app, &deputy, &filing(s)).await;
    let r = step(
        &app,
        &ops,
        other,
        "return",
        json!({ "reason": "请补充具体地点" }),
    )
    .await
    .expect(200);
    assert_eq!(r.body["return_reason"], "请补充具体地点");
    step(&app, &ops, other, "register", Value::Null)
        .await
        .expect_error(409, "conflict", None);
    let r = step(
        &app,
        &deputy,
        other,
        "revise",
        json!({ "title": "关于石曲村三组路灯修复的建议" }),
    )
    .await
    .expect(200);
    assert_eq!(r.body["status"], "filed");
    assert_eq!(r.body["title"], "关于石曲村三组路灯修复的建议");
    let r = step(
        &app,
        &ops,
        other,
        "to_letter",
        json!({ "reason": "属于一般来信事项" }),
    )
    .await
    .expect(200);
    assert_eq!(r.body["status"], "letter");
}

async fn each_role_sees_its_own_part(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let deputy = app.login_demo("deputy").await;
    let staff = app.login_demo("staff").await;
    let handler = app.login_demo("handler").await;
    let viewer = app.login_demo("viewer").await;
    let eco = app
        .add_user("eco-handler", "handler", None, Some("eco"), None)
        .await;
    let water = app
        .add_user("water-handler", "handler", None, Some("water"), None)
        .await;
    let neighbour = app
        .add_user("lunan-d02-user", "deputy", None, None, Some("lunan-d02"))
        .await;
    let far = app
        .add_user(
            "jinqing-d01-user",
            "deputy",
            None,
            None,
            Some("jinqing-d01"),
        )
        .await;
    let far_staff = app
        .add_user(
            "jinqing-staff",
            "station_staff",
            Some("jinqing"),
            None,
            None,
        )
        .await;
    let s = session(&app, &ops).await;
    let mine = file(&app, &deputy, &filing(s)).await;
    let theirs = file(&app, &far, &filing(s)).await;
    step(&app, &ops, theirs, "register", Value::Null)
        .await
        .expect(200);
    step(
        &app,
        &ops,
        theirs,
        "assign",
        json!({ "lead": "housing", "co_organisations": ["eco"] }),
    )
    .await
    .expect(200);
    let ids = |token: String| {
        let app = &app;
        async move {
            let list = app.get("/suggestions", Some(&token)).await.expect(200).body;
            list.as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_i64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(ids(deputy.clone()).await, [mine]);
    // A deputy of the same station sees the station's; staff their station's.
    assert_eq!(ids(neighbour.clone()).await, [mine]);
    assert_eq!(ids(staff.clone()).await, [mine]);
    assert_eq!(ids(far_staff.clone()).await, [theirs]);
    assert_eq!(ids(far.clone()).await, [theirs]);
    // Organisations: those they lead or co-handle.
    assert_eq!(ids(handler.clone()).await, [theirs]);
    assert_eq!(ids(eco.clone()).await, [theirs]);
    assert!(ids(water.clone()).await.is_empty());
    assert_eq!(ids(ops.clone()).await, [theirs, mine]);
    assert_eq!(ids(viewer.clone()).await, [theirs, mine]);
    app.get("/suggestions", None).await.expect(401);
    // Out of reach does not exist.
    app.get(&format!("/suggestions/{theirs}"), Some(&deputy))
        .await
        .expect(404);
    app.get(&format!("/suggestions/{mine}"), Some(&handler))
        .await
        .expect(404);
    // A co-organisation reads but does not consult or reply.
    step(&app, &eco, theirs, "consult", consult(&app, "in_person"))
        .await
        .expect_error(403, "forbidden", None);
    // The public list: accepted items only, with no sign-in.
    let public = app.get("/suggestions/public", None).await.expect(200).body;
    assert_eq!(public.as_array().unwrap().len(), 1);
    assert_eq!(public[0]["lead"]["code"], "housing");
    assert!(public[0].get("body").is_none());
    assert_eq!(
        app.get("/suggestions/public?station=lunan", None)
            .await
            .expect(200)
            .body,
        json!([])
    );
    assert_eq!(
        app.get("/suggestions/public?organisation=housing", None)
            .await
            .expect(200)
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
    app.get("/suggestions/public?station=nowhere", None)
        .await
        .expect_error(422, "invalid", Some("station"));
    // Counts: a station's for those who see its cockpit, the district's for ops and viewers.
    let c = app
        .get("/suggestions/counts?station=lunan", Some(&staff))
        .await
        .expect(200)
        .body;
    assert_eq!(c["filed"], 1);
    assert_eq!(c["in_handling"], 0);
    app.get("/suggestions/counts?station=jinqing", Some(&staff))
        .await
        .expect(403);
    let c = app
        .get("/suggestions/counts", Some(&viewer))
        .await
        .expect(200)
        .body;
    assert_eq!(c["filed"], 2);
    assert_eq!(c["in_handling"], 1);
    app.get("/suggestions/counts", Some(&staff))
        .await
        .expect(403);
}

async fn the_register_exports_with_chinese_headers(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let deputy = app.login_demo("deputy").await;
    let handler = app.login_demo("handler").await;
    let s = session(&app, &ops).await;
    let a = assigned(&app, &deputy, &ops, s, "housing").await;
    let e = assigned(&app, &deputy, &ops, s, "eco").await;
    let (status, kind, bytes) = app
        .get_bytes("/api/v1/suggestions?format=csv", Some(&ops))
        .await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/csv"));
    assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF]);
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("编号,类别,届次会次,标题,领衔代表,联络站,状态,主办单位"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), 3);
    assert!(text.contains("区住建局") && text.contains("生态环境分局"));
    // One organisation's list.
    let (_, _, bytes) = app
        .get_bytes(
            "/api/v1/suggestions?organisation=housing&format=csv",
            Some(&ops),
        )
        .await;
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(text.contains("区住建局") && !text.contains("生态环境分局"));
    // The organisation's own download is its own list, whatever it asks for.
    let (_, _, bytes) = app
        .get_bytes("/api/v1/suggestions?format=csv", Some(&handler))
        .await;
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert_eq!(text.lines().count(), 2);
    let (status, kind, bytes) = app
        .get_bytes("/api/v1/suggestions?format=xlsx", Some(&ops))
        .await;
    assert_eq!(status, 200);
    assert!(kind.contains("spreadsheetml"));
    assert_eq!(&bytes[..2], b"PK");
    let _ = (a, e);
}

async fn the_appraisal_item_is_computed_by_hand(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let deputy = app.login_demo("deputy").await;
    let handler = app.login_demo("handler").await;
    let y = app.today().year();
    let s = session(&app, &ops).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(assigned(&app, &deputy, &ops, s, "housing").await);
    }
    // Four replied today: A in person, A in person, B in person, C by phone.
    for (id, (class, way)) in ids.iter().zip([
        ("A", "in_person"),
        ("A", "in_person"),
        ("B", "in_person"),
        ("C", "phone"),
    ]) {
        step(&app, &handler, *id, "consult", consult(&app, way))
            .await
            .expect(200);
        step(&app, &handler, *id, "reply", reply(&app, class))
            .await
            .expect(200);
    }
    for (id, e) in ids.iter().zip([
        "satisfied",
        "satisfied",
        "basically_satisfied",
        "unsatisfied",
    ]) {
        step(&app, &deputy, *id, "evaluate", json!({ "evaluation": e }))
            .await
            .expect(200);
    }
    // The fifth is consulted by phone and replied C late, past its three months; not evaluated.
    app.clock.advance(Duration::days(100));
    // Sessions last hours: sign in again after the jump.
    let ops = app.login_demo("ops").await;
    let handler = app.login_demo("handler").await;
    step(&app, &handler, ids[4], "consult", consult(&app, "phone"))
        .await
        .expect(200);
    let r = step(&app, &handler, ids[4], "reply", reply(&app, "C"))
        .await
        .expect(200);
    assert_eq!(r.body["replied_on_time"], false);
    // Appraisers may no longer type a score for it.
    let appraiser = app
        .add_user("appraiser1", "deputy", None, None, Some("lunan-d02"))
        .await;
    app.put(
        &format!("/appraisal/{y}/scores"),
        Some(&appraiser),
        &json!({ "organisation": "housing", "item": "proposals", "score": 100 }),
    )
    .await
    .expect_error(422, "invalid", Some("item"));
    let r = app
        .get(&format!("/appraisal/{y}/ranking"), Some(&ops))
        .await
        .expect(200)
        .body;
    let h = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["organisation"]["code"] == "housing")
        .unwrap();
    let item = h["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["item"] == "proposals")
        .unwrap();
    // By hand: 5 assigned, 5 replied: on time 4/5 → 24 of 30; in person by the first reply
    // 3/5 → 12 of 20; A or B 3/5 → 12 of 20; evaluated 4: (1 + 1 + 0.6 + 0)/4 = 0.65 → 19.5
    // of 30. 24 + 12 + 12 + 19.5 = 67.5.
    assert_eq!(item["method"], "suggestions");
    assert_eq!(item["sample"], 5);
    assert_eq!(item["score"], 67.5);
    // The weights stay as ops set them.
    assert_eq!(item["weight"], 15);
    // eco led none: not enough data.
    let e = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["organisation"]["code"] == "eco")
        .unwrap();
    let item = e["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["item"] == "proposals")
        .unwrap();
    assert!(item["score"].is_null());
    assert_eq!(item["sample"], 0);
    // Below the minimum sample it is not enough data too.
    app.put(
        &format!("/appraisal/{y}/settings"),
        Some(&ops),
        &json!({
            "weights": { "committee": 20, "gov_report": 15, "decisions": 10, "livelihood": 20,
                         "proposals": 15, "grassroots": 10, "lawful": 10 },
            "min_sample": 6, "visit_target": 4,
        }),
    )
    .await
    .expect(200);
    let r = app
        .get(&format!("/appraisal/{y}/ranking"), Some(&ops))
        .await
        .expect(200)
        .body;
    let h = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["organisation"]["code"] == "housing")
        .unwrap();
    let item = h["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["item"] == "proposals")
        .unwrap();
    assert!(item["score"].is_null());
    // The cockpit's counts by hand: 5 filed, 1 in handling (sent back after 不满意), 5 replied,
    // 3 of 4 content.
    let c = app
        .get("/suggestions/counts?station=lunan", Some(&ops))
        .await
        .expect(200)
        .body;
    assert_eq!(c["filed"], 5);
    assert_eq!(c["in_handling"], 1);
    assert_eq!(c["replied"], 5);
    assert_eq!(c["evaluated"], 4);
    assert_eq!(c["satisfaction_rate"], 0.75);
}

async fn pages_file_act_and_show(b: Backend) {
    let app = spawn_app(b).await;
    let ops_token = app.login_demo("ops").await;
    let s = session(&app, &ops_token).await;
    let case = app.submit_default().await;
    let deputy = demo(&app, "deputy").await;
    deputy
        .get("/deputy")
        .await
        .expect(200)
        .assert_contains("id=\"desk-file-link\"");
    let p = deputy.get("/suggestions/new").await.expect(200);
    p.assert_html();
    p.assert_contains(&case.receipt_code);
    let sid = s.to_string();
    let cid = case.id.to_string();
    let long = "长".repeat(101);
    // A refused field comes back beside it, with what was typed kept.
    let p = post_form(
        &deputy,
        "/suggestions/new",
        &[
            ("kind", "suggestion"),
            ("session", &sid),
            ("title", &long),
            ("body", "石曲村多处路灯损坏已有一个月，居民夜间出行不便。"),
            ("cases", &cid),
        ],
    )
    .await
    .expect(422);
    p.assert_contains("id=\"err-title\"");
    p.assert_contains("石曲村多处路灯损坏已有一个月");
    let p = post_form(
        &deputy,
        "/suggestions/new",
        &[
            ("kind", "motion"),
            ("session", &sid),
            ("title", "关于路灯的议案"),
            ("body", "石曲村多处路灯损坏已有一个月，居民夜间出行不便。"),
            ("cosigners", "lunan-d02、nobody"),
        ],
    )
    .await
    .expect(422);
    p.assert_contains("id=\"err-cosigners\"");
    let p = post_form(
        &deputy,
        "/suggestions/new",
        &[
            ("kind", "suggestion"),
            ("session", &sid),
            ("title", "关于加快石曲村路灯修复的建议"),
            ("body", "石曲村多处路灯损坏已有一个月，居民夜间出行不便。"),
            ("cases", &cid),
        ],
    )
    .await
    .expect(303);
    let at = p.location().to_owned();
    assert!(at.starts_with("/suggestions/"), "{at}");
    let p = deputy.get(&at).await.expect(200);
    p.assert_contains("建议第1号");
    p.assert_contains(&case.receipt_code);
    p.assert_lacks("id=\"form-register\"");

    // The office registers and assigns through its forms.
    let ops = demo(&app, "ops").await;
    ops.get(&at)
        .await
        .expect(200)
        .assert_contains("id=\"form-register\"");
    post_form(&ops, &format!("{at}/act/register"), &[])
        .await
        .expect(303);
    let p = post_form(
        &ops,
        &format!("{at}/act/assign"),
        &[("lead", "housing"), ("co_organisations", "housing")],
    )
    .await
    .expect(422);
    p.assert_contains("id=\"err-co_organisations\"");
    post_form(
        &ops,
        &format!("{at}/act/assign"),
        &[("lead", "housing"), ("co_organisations", "eco")],
    )
    .await
    .expect(303);
    // The organisation's desk: replying first is refused with the state named; then 面商 and reply.
    let org = demo(&app, "handler").await;
    let p = org.get("/org").await.expect(200);
    p.assert_contains("id=\"desk-suggestions\"");
    p.assert_contains(&format!("href=\"{at}\""));
    let p = org.get("/suggestions").await.expect(200);
    p.assert_contains("关于加快石曲村路灯修复的建议");
    let p = post_form(
        &org,
        &format!("{at}/act/reply"),
        &[("class", "A"), ("text", "已安排施工队全部更换。")],
    )
    .await
    .expect(409);
    p.assert_contains("id=\"reply-error\"");
    p.assert_contains("已安排施工队全部更换。");
    let today = app.today().to_string();
    let p = post_form(
        &org,
        &format!("{at}/act/consult"),
        &[
            ("day", "not a day"),
            ("way", "in_person"),
            ("people", "王惠"),
        ],
    )
    .await
    .expect(422);
    p.assert_contains("id=\"err-day\"");
    post_form(
        &org,
        &format!("{at}/act/consult"),
        &[
            ("day", &today),
            ("way", "in_person"),
            ("people", "王惠、住建局"),
        ],
    )
    .await
    .expect(303);
    post_form(
        &org,
        &format!("{at}/act/reply"),
        &[("class", "A"), ("text", "已安排施工队全部更换。")],
    )
    .await
    .expect(303);
    // The deputy evaluates.
    deputy
        .get(&at)
        .await
        .expect(200)
        .assert_contains("id=\"form-evaluate\"");
    post_form(
        &deputy,
        &format!("{at}/act/evaluate"),
        &[("evaluation", "satisfied")],
    )
    .await
    .expect(303);
    let p = deputy.get(&at).await.expect(200);
    p.assert_contains("已办结");
    // The public list and the resident's tracking page.
    let anon = Browser::new(&app);
    anon.get("/s/lunan")
        .await
        .expect(200)
        .assert_contains("href=\"/suggestions/public?station=lunan\"");
    let p = anon
        .get("/suggestions/public?organisation=housing")
        .await
        .expect(200);
    p.assert_contains("已安排施工队全部更换。");
    let p = anon
        .get(&format!("/t/{}", case.receipt_code))
        .await
        .expect(200);
    p.assert_contains("id=\"track-suggestions\"");
    p.assert_contains("建议第1号");
    // The register downloads from the page; the cockpit counts it.
    let (status, bytes) = ops.get_bytes("/suggestions?format=csv").await;
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&bytes).contains("编号"));
    let staff = demo(&app, "staff").await;
    let p = staff.get("/cockpit/lunan").await.expect(200);
    p.assert_contains("id=\"suggestion-counts\"");
    // Sessions: ops only.
    deputy.get("/suggestions/sessions").await.expect(403);
    let p = post_form(
        &ops,
        "/suggestions/sessions",
        &[
            ("level", "district"),
            ("term", "18"),
            ("meeting", "3"),
            ("name", "重复"),
            ("opens_on", &today),
        ],
    )
    .await
    .expect(422);
    p.assert_contains("id=\"err-meeting\"");
    post_form(
        &ops,
        "/suggestions/sessions",
        &[
            ("level", "district"),
            ("term", "18"),
            ("meeting", "4"),
            ("name", "第四次会议"),
            ("opens_on", &today),
        ],
    )
    .await
    .expect(303);
}

async fn the_demo_has_every_state_and_class(b: Backend) {
    let app = spawn_app(b).await;
    let now = app.clock.now();
    liaison::demo::seed_cases(&app.db, &app.settings.deadlines, 120, now, 2026)
        .await
        .expect("seeding the demo's cases");
    let made = liaison::demo::suggestions::seed(&app.db, now)
        .await
        .expect("seeding the demo's suggestions");
    assert_eq!(made, 12);
    let ops = app.login_demo("ops").await;
    let list = app.get("/suggestions", Some(&ops)).await.expect(200).body;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 12);
    let mut states: Vec<&str> = list.iter().map(|s| s["status"].as_str().unwrap()).collect();
    states.sort();
    states.dedup();
    assert_eq!(
        states,
        [
            "assigned",
            "closed",
            "filed",
            "following_up",
            "letter",
            "registered",
            "rehandling",
            "replied",
            "returned"
        ]
    );
    let mut classes: Vec<&str> = list
        .iter()
        .filter_map(|s| s["reply_class"].as_str())
        .collect();
    classes.sort();
    classes.dedup();
    assert_eq!(classes, ["A", "B", "C"]);
    let key: Vec<&Value> = list
        .iter()
        .filter(|s| s["key_supervision"] == true)
        .collect();
    assert_eq!(key.len(), 1);
    assert_eq!(key[0]["kind"], "motion");
    assert_eq!(key[0]["number"], "议案第1号");
    let mut raised = 0;
    for s in list {
        let d = app
            .get(&format!("/suggestions/{}", s["id"]), Some(&ops))
            .await
            .expect(200)
            .body;
        raised += !d["cases"].as_array().unwrap().is_empty() as usize;
    }
    assert_eq!(raised, 2);
}
