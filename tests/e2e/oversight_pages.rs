//! The oversight pages over the real server on both backends: the appraisal ranking hidden
//! from residents until published (appraisers preview it), then public with its grades and
//! "not enough data"; the opinion form refusing a bad phone beside the field with what was
//! typed kept, then thanking; the projects page and the proposal form; the visits page
//! recording a visit for staff (refused beside the field when incomplete, forbidden to a
//! handler) with CSV and Excel downloads of what the page shows; the points page showing a
//! deputy their own ledger and staff their station's table; ops setting the points rules,
//! opening a vote round and following a chosen project's milestones and progress; a visit
//! corrected and deleted by its station's staff; residents' opinions listed without contacts.

use chrono::Datelike;
use serde_json::json;

use crate::support::{Backend, spawn_app};
use crate::web_client::{Browser, Page, demo, post_form, signed_in};

both_backends!(
    appraisal_pages_follow_publication,
    resident_forms_keep_what_was_typed,
    visits_and_points_pages,
    appraisers_score_and_ops_publish_on_pages,
    deputies_vote_on_projects_in_the_app,
    ops_set_points_rules_on_a_page,
    ops_open_a_round_and_follow_a_project,
    visits_corrected_deleted_and_opinions_listed,
);

async fn post(web: &Browser, path: &str, fields: &[(&str, &str)]) -> Page {
    // The form's page first, as a browser would: it sets the CSRF cookie.
    web.get(path).await;
    post_form(web, path, fields).await
}

async fn appraisal_pages_follow_publication(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let y = app.today().year();
    let appraiser = app
        .add_user("appraiser1", "deputy", None, None, Some("lunan-d01"))
        .await;
    // 议案建议办理 is computed from the suggestions module and takes no score; lawful carries
    // more weight so that the measured items still carry more than half.
    app.put(
        &format!("/appraisal/{y}/settings"),
        Some(&ops),
        &json!({
            "weights": { "committee": 20, "gov_report": 15, "decisions": 10, "livelihood": 20,
                         "proposals": 5, "grassroots": 10, "lawful": 20 },
            "min_sample": 5, "visit_target": 4,
        }),
    )
    .await
    .expect(200);
    for (item, s) in [("gov_report", 90), ("decisions", 80), ("lawful", 95)] {
        app.put(
            &format!("/appraisal/{y}/scores"),
            Some(&appraiser),
            &json!({ "organisation": "housing", "item": item, "score": s }),
        )
        .await
        .expect(204);
    }

    let anon = Browser::new(&app);
    let p = anon.get("/appraisal").await.expect(200);
    p.assert_html();
    p.assert_contains("id=\"not-published\"");
    p.assert_lacks("区住建局");
    // Not published: no download either, only the page saying so.
    let (status, bytes) = anon.get_bytes("/appraisal?format=csv").await;
    assert_eq!(status, 200);
    assert!(!bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
    assert!(String::from_utf8_lossy(&bytes).contains("not-published"));

    let preview = signed_in(&app, "appraiser1", crate::support::TEST_PASSWORD).await;
    let p = preview.get("/appraisal").await.expect(200);
    p.assert_contains("id=\"preview\"");
    p.assert_contains("区住建局");

    app.post(
        &format!("/appraisal/{y}/publish"),
        Some(&ops),
        &json!({ "published": true }),
    )
    .await
    .expect(200);
    let p = anon.get("/appraisal").await.expect(200);
    p.assert_lacks("id=\"not-published\"");
    // housing: gov 90 (15), decisions 80 (10), lawful 95 (20), no visit 0 (10); proposals
    // has no suggestion led: (1350 + 800 + 1900 + 0) / 55 = 73.6, 一般.
    assert!(p.text_of("org-housing").is_some());
    p.assert_contains("73.6");
    p.assert_contains("一般");
    p.assert_contains("数据不足");
    p.assert_contains("href=\"/appraisal/housing/opinion\"");
    let (status, bytes) = anon
        .get_bytes(&format!("/appraisal?year={y}&format=csv"))
        .await;
    assert_eq!(status, 200);
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.contains("1,区住建局,73.6,一般"), "{text}");
    let p = anon.get("/appraisal?lang=en").await.expect(200);
    p.assert_contains("Not enough data");
    p.assert_contains("Fair");
}

async fn resident_forms_keep_what_was_typed(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let anon = Browser::new(&app);
    let p = anon.get("/appraisal/housing/opinion").await.expect(200);
    p.assert_contains("区住建局");
    anon.get("/appraisal/nowhere/opinion").await.expect(404);

    let p = post(
        &anon,
        "/appraisal/housing/opinion",
        &[("body", "窗口办事排队太久"), ("phone", "12ab")],
    )
    .await
    .expect(422);
    p.assert_contains("窗口办事排队太久");
    p.assert_contains("id=\"err-phone\"");
    // Without the token: refused, what was typed kept.
    let p = anon
        .post(
            "/appraisal/housing/opinion",
            &[("body", "窗口办事排队太久")],
        )
        .await
        .expect(403);
    p.assert_contains("窗口办事排队太久");
    let p = post(
        &anon,
        "/appraisal/housing/opinion",
        &[
            ("body", "窗口办事排队太久"),
            ("name", "赵六"),
            ("phone", "13600003333"),
        ],
    )
    .await
    .expect(303);
    assert_eq!(p.location(), "/appraisal/housing/opinion");
    let p = anon.get("/appraisal/housing/opinion").await.expect(200);
    p.assert_contains("感谢您的意见");
    let y = app.today().year();
    let list = app
        .get(&format!("/appraisal/{y}/opinions"), Some(&ops))
        .await
        .expect(200);
    assert_eq!(list.body[0]["body"], "窗口办事排队太久");

    // Projects: nothing chosen yet; a proposal joins the candidates.
    let p = anon.get("/projects").await.expect(200);
    p.assert_contains("id=\"no-projects\"");
    let p = post(
        &anon,
        "/projects/propose",
        &[("title", "修"), ("description", "社区缺少停车位")],
    )
    .await
    .expect(422);
    p.assert_contains("id=\"err-title\"");
    p.assert_contains("社区缺少停车位");
    let p = post(
        &anon,
        "/projects/propose",
        &[
            ("title", "增设停车位"),
            ("description", "社区缺少停车位，晚上乱停严重。"),
            ("station", "lunan"),
            ("phone", "13600004444"),
        ],
    )
    .await
    .expect(303);
    assert_eq!(p.location(), "/projects");
    let staff = app.login_demo("staff").await;
    let c = app
        .get("/projects/candidates", Some(&staff))
        .await
        .expect(200);
    assert_eq!(c.body[0]["title"], "增设停车位");
    assert!(!c.text.contains("13600004444"));
}

async fn visits_and_points_pages(b: Backend) {
    let app = spawn_app(b).await;
    let y = app.today().year();
    let today = app.today().to_string();
    let staff = demo(&app, "staff").await;
    let p = staff.get("/visits").await.expect(200);
    p.assert_contains("id=\"visit-form\"");
    p.assert_contains("href=\"/visits\"");
    // A department's visit without the department: refused beside the field, typed kept.
    let p = post(
        &staff,
        "/visits",
        &[
            ("day", today.as_str()),
            ("kind", "department"),
            ("topics", "加装电梯政策宣讲"),
            ("deputies", "lunan-d01"),
        ],
    )
    .await
    .expect(422);
    p.assert_contains("id=\"err-organisation\"");
    p.assert_contains("加装电梯政策宣讲");
    let p = post(
        &staff,
        "/visits",
        &[
            ("day", today.as_str()),
            ("kind", "department"),
            ("organisation", "housing"),
            ("topics", "加装电梯政策宣讲"),
            ("opinions_count", "5"),
            ("deputies", "lunan-d01"),
            ("deputies", "lunan-d02"),
        ],
    )
    .await
    .expect(303);
    assert_eq!(p.location(), "/visits");
    let p = staff.get("/visits").await.expect(200);
    p.assert_contains("加装电梯政策宣讲");
    p.assert_contains("区住建局");
    let (status, bytes) = staff.get_bytes("/visits?format=csv").await;
    assert_eq!(status, 200);
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.starts_with("日期,联络站"), "{text}");
    assert!(text.contains("加装电梯政策宣讲"));
    let (status, bytes) = staff.get_bytes("/visits?format=xlsx").await;
    assert_eq!(status, 200);
    assert_eq!(&bytes[..2], b"PK");

    let handler = demo(&app, "handler").await;
    let p = handler.get("/visits").await.expect(200);
    p.assert_lacks("id=\"visit-form\"");
    p.assert_contains("加装电梯政策宣讲");
    post(
        &handler,
        "/visits",
        &[
            ("day", today.as_str()),
            ("kind", "other"),
            ("topics", "走访"),
        ],
    )
    .await
    .expect(403);
    handler.get("/points").await.expect(403);

    // Points: the deputy's own ledger; staff see the station's table.
    let deputy = demo(&app, "deputy").await;
    let p = deputy.get("/points").await.expect(200);
    p.assert_contains("id=\"ledger\"");
    p.assert_contains("id=\"deputy-lunan-d01\"");
    p.assert_lacks("id=\"deputy-lunan-d02\"");
    // Default rule: a station visit is 2 points.
    assert!(p.text_of("ledger").is_some());
    p.assert_contains("<td class=\"num total\">2</td>");
    let p = staff.get("/points").await.expect(200);
    p.assert_contains("id=\"deputy-lunan-d02\"");
    p.assert_lacks("id=\"deputy-lubei-d01\"");
    let (status, bytes) = staff
        .get_bytes(&format!("/points?year={y}&format=csv"))
        .await;
    assert_eq!(status, 200);
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert_eq!(text.lines().count(), 5, "{text}");
    // Ops recount the year; others may not.
    post(&staff, "/points/rebuild", &[]).await.expect(403);
    let ops = demo(&app, "ops").await;
    ops.get("/points")
        .await
        .expect(200)
        .assert_contains("id=\"rebuild-form\"");
    let p = post(&ops, &format!("/points/rebuild?year={y}"), &[])
        .await
        .expect(303);
    assert_eq!(p.location(), format!("/points?year={y}"));
    ops.get(&format!("/points?year={y}"))
        .await
        .expect(200)
        .assert_contains("积分已重新核算");
    // Not signed in: off to sign in.
    let anon = Browser::new(&app);
    anon.get("/points").await.expect(303);
    anon.get("/visits").await.expect(303);
}

async fn appraisers_score_and_ops_publish_on_pages(b: Backend) {
    let app = spawn_app(b).await;
    let y = app.today().year();
    let staff = demo(&app, "staff").await;
    staff.get("/appraisal/manage").await.expect(403);

    // An appraiser: a score out of range is refused beside its field, the rest kept.
    let deputy = demo(&app, "deputy").await;
    let p = deputy.get("/appraisal/manage").await.expect(200);
    p.assert_contains("id=\"score-form\"");
    p.assert_contains("href=\"/appraisal/manage\"");
    let p = post(
        &deputy,
        "/appraisal/manage",
        &[
            ("score_housing_gov_report", "88"),
            ("score_housing_lawful", "101"),
            ("vote_housing", "satisfied"),
        ],
    )
    .await
    .expect(422);
    p.assert_contains("id=\"err-score_housing_lawful\"");
    p.assert_contains("value=\"88\"");
    let p = post(
        &deputy,
        "/appraisal/manage",
        &[
            ("score_housing_gov_report", "88"),
            ("score_housing_lawful", "76"),
            ("vote_housing", "basically_satisfied"),
        ],
    )
    .await
    .expect(303);
    assert_eq!(p.location(), format!("/appraisal/manage?year={y}"));
    // The form comes back with what the appraiser gave.
    let p = deputy.get("/appraisal/manage").await.expect(200);
    p.assert_contains("value=\"76\"");
    let ops_token = app.login_demo("ops").await;
    let r = app
        .get(&format!("/appraisal/{y}/ranking"), Some(&ops_token))
        .await
        .expect(200)
        .body;
    let h = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["organisation"]["code"] == "housing")
        .unwrap()
        .clone();
    let item = |k: &str| {
        h["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["item"] == k)
            .unwrap()["score"]
            .clone()
    };
    assert_eq!(item("gov_report"), 88.0);
    assert_eq!(item("lawful"), 76.0);
    assert_eq!(h["poll"]["basically_satisfied"], 1);

    // Ops: weights that do not add up are refused; then saved, then published.
    let ops = demo(&app, "ops").await;
    let weights = |lawful: &'static str| {
        vec![
            ("w_committee", "20"),
            ("w_gov_report", "15"),
            ("w_decisions", "10"),
            ("w_livelihood", "20"),
            ("w_proposals", "15"),
            ("w_grassroots", "10"),
            ("w_lawful", lawful),
            ("min_sample", "3"),
            ("visit_target", "6"),
        ]
    };
    let p = post(&ops, "/appraisal/manage", &weights("15"))
        .await
        .expect(422);
    p.assert_contains("id=\"err-weights\"");
    post(&ops, "/appraisal/manage", &weights("10"))
        .await
        .expect(303);
    let s = app
        .get(&format!("/appraisal/{y}/settings"), Some(&ops_token))
        .await
        .expect(200)
        .body;
    assert_eq!(s["min_sample"], 3);
    assert_eq!(s["visit_target"], 6);
    assert_eq!(s["published"], false);
    post(&ops, "/appraisal/manage", &[("publish", "true")])
        .await
        .expect(303);
    let anon = Browser::new(&app);
    anon.get("/appraisal")
        .await
        .expect(200)
        .assert_lacks("id=\"not-published\"");
}

async fn deputies_vote_on_projects_in_the_app(b: Backend) {
    let app = spawn_app(b).await;
    let ops_token = app.login_demo("ops").await;
    let mut ids = Vec::new();
    for (title, description) in [
        ("增设停车位", "社区缺少停车位，晚上乱停严重。"),
        ("社区老年食堂", "为辖区老人提供助餐服务。"),
        ("农贸市场改造", "市场排水差，雨天积水严重。"),
    ] {
        let c = app
            .post(
                "/projects/candidates",
                Some(&ops_token),
                &json!({ "title": title, "description": description }),
            )
            .await
            .expect(201)
            .body;
        ids.push(c["id"].as_i64().unwrap());
    }
    let round = app
        .post(
            "/projects/rounds",
            Some(&ops_token),
            &json!({ "title": "民生实事票决", "places": 2, "candidates": ids }),
        )
        .await
        .expect(201)
        .body["id"]
        .as_i64()
        .unwrap();

    let staff = demo(&app, "staff").await;
    staff.get("/projects/vote").await.expect(403);
    let deputy = demo(&app, "deputy").await;
    let p = deputy.get("/projects/vote").await.expect(200);
    p.assert_contains(&format!("id=\"ballot-{round}\""));
    p.assert_contains("增设停车位");
    let path = format!("/projects/vote/{round}");
    let (a, b2, c) = (ids[0].to_string(), ids[1].to_string(), ids[2].to_string());
    let p = post(
        &deputy,
        &path,
        &[
            ("candidates", a.as_str()),
            ("candidates", b2.as_str()),
            ("candidates", c.as_str()),
        ],
    )
    .await
    .expect(422);
    p.assert_contains(&format!("id=\"err-round-{round}\""));
    let p = post(&deputy, &path, &[("candidates", a.as_str())])
        .await
        .expect(303);
    assert_eq!(p.location(), "/projects/vote");
    deputy
        .get("/projects/vote")
        .await
        .expect(200)
        .assert_contains(&format!("id=\"voted-{round}\""));
    post(&deputy, &path, &[("candidates", b2.as_str())])
        .await
        .expect(422)
        .assert_contains("您已在本轮投过票");

    // Ops close it: one voter, one vote is more than half.
    let ops = demo(&app, "ops").await;
    ops.get("/projects/vote")
        .await
        .expect(200)
        .assert_contains("结束投票");
    let p = post(&ops, &path, &[("close", "true")]).await.expect(303);
    assert_eq!(p.location(), "/projects");
    let p = Browser::new(&app).get("/projects").await.expect(200);
    p.assert_contains("增设停车位");
    p.assert_lacks("农贸市场改造");
    deputy
        .get("/projects/vote")
        .await
        .expect(200)
        .assert_contains("id=\"no-rounds\"");
}

async fn ops_set_points_rules_on_a_page(b: Backend) {
    let app = spawn_app(b).await;
    let y = app.today().year();
    let path = format!("/points/rules?year={y}");
    let staff = demo(&app, "staff").await;
    staff.get(&path).await.expect(403);
    post(&staff, &path, &[("points_visit", "3")])
        .await
        .expect(403);

    let ops = demo(&app, "ops").await;
    ops.get(&format!("/points?year={y}"))
        .await
        .expect(200)
        .assert_contains("id=\"edit-rules\"");
    let p = ops.get(&path).await.expect(200);
    p.assert_contains("id=\"rules-form\"");
    // The form shows the year's rules: a station visit is 2 points by default.
    assert_eq!(p.input_value("points_visit"), "2");
    let form = |visit: &'static str, cap: &'static str| {
        vec![
            ("points_shift", "1"),
            ("cap_shift", "50"),
            ("points_reception", "1"),
            ("cap_reception", ""),
            ("points_relayed", "2"),
            ("cap_relayed", ""),
            ("points_feedback", "1"),
            ("cap_feedback", ""),
            ("points_visit", visit),
            ("cap_visit", cap),
            ("points_inspection", "3"),
            ("cap_inspection", ""),
        ]
    };
    // Not a number: beside its field, what was typed kept.
    let p = post(&ops, &path, &form("三", "")).await.expect(422);
    p.assert_contains("id=\"err-points_visit\"");
    assert_eq!(p.input_value("points_visit"), "三");
    assert_eq!(p.input_value("cap_shift"), "50");
    // Out of range, from the core's check.
    let p = post(&ops, &path, &form("5", "-1")).await.expect(422);
    p.assert_contains("id=\"err-cap_visit\"");
    p.assert_lacks("id=\"err-points_visit\"");
    assert_eq!(p.input_value("cap_visit"), "-1");
    let p = post(&ops, &path, &form("5", "20")).await.expect(303);
    assert_eq!(p.location(), format!("/points?year={y}"));
    let ops_token = app.login_demo("ops").await;
    let rules = app
        .get(&format!("/points/{y}/rules"), Some(&ops_token))
        .await
        .expect(200)
        .body;
    let visit = rules
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "visit")
        .unwrap();
    assert_eq!(visit["points"], 5);
    assert_eq!(visit["cap"], 20);
    let shift = rules
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "shift")
        .unwrap();
    assert_eq!(shift["cap"], 50);
    let p = ops.get(&format!("/points?year={y}")).await.expect(200);
    p.assert_contains("规则已保存");
}

async fn ops_open_a_round_and_follow_a_project(b: Backend) {
    let app = spawn_app(b).await;
    let ops_token = app.login_demo("ops").await;
    let mut ids = Vec::new();
    for (title, description) in [
        ("增设停车位", "社区缺少停车位，晚上乱停严重。"),
        ("社区老年食堂", "为辖区老人提供助餐服务。"),
        ("农贸市场改造", "市场排水差，雨天积水严重。"),
    ] {
        let c = app
            .post(
                "/projects/candidates",
                Some(&ops_token),
                &json!({ "title": title, "description": description }),
            )
            .await
            .expect(201)
            .body;
        ids.push(c["id"].as_i64().unwrap().to_string());
    }
    let deputy = demo(&app, "deputy").await;
    deputy
        .get("/projects/vote")
        .await
        .expect(200)
        .assert_lacks("id=\"round-form\"");
    post(
        &deputy,
        "/projects/vote",
        &[("title", "民生实事票决"), ("places", "1")],
    )
    .await
    .expect(403);

    let ops = demo(&app, "ops").await;
    let p = ops.get("/projects/vote").await.expect(200);
    p.assert_contains("id=\"round-form\"");
    p.assert_contains("农贸市场改造");
    let all = [
        ("title", "二〇二六年民生实事票决"),
        ("places", "3"),
        ("candidates", ids[0].as_str()),
        ("candidates", ids[1].as_str()),
        ("candidates", ids[2].as_str()),
    ];
    // As many candidates as places: no vote, refused beside the candidates.
    let p = post(&ops, "/projects/vote", &all).await.expect(422);
    p.assert_contains("id=\"err-candidates\"");
    p.assert_contains("value=\"二〇二六年民生实事票决\"");
    p.assert_contains(&format!("value=\"{}\" checked", ids[2]));
    let mut fewer = all.to_vec();
    fewer[1] = ("places", "1");
    let p = post(&ops, "/projects/vote", &fewer).await.expect(303);
    assert_eq!(p.location(), "/projects/vote");
    let c = app
        .get("/projects/candidates", Some(&ops_token))
        .await
        .expect(200)
        .body;
    let round = c[0]["round_id"].as_i64().expect("put to a round");
    assert!(
        c.as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "in_round")
    );
    let r = app
        .get(&format!("/projects/rounds/{round}"), Some(&ops_token))
        .await
        .expect(200)
        .body;
    assert_eq!(r["title"], "二〇二六年民生实事票决");
    assert_eq!(r["places"], 1);

    // A deputy votes, ops close: the first candidate is chosen.
    let deputy_token = app.login_demo("deputy").await;
    let first: i64 = ids[0].parse().unwrap();
    app.post(
        &format!("/projects/rounds/{round}/ballot"),
        Some(&deputy_token),
        &json!({ "candidates": [first] }),
    )
    .await
    .expect(200);
    post(
        &ops,
        &format!("/projects/vote/{round}"),
        &[("close", "true")],
    )
    .await
    .expect(303);

    // The chosen project's page: deputies may not; ops add a milestone, mark it, set progress.
    let manage = format!("/projects/{first}/manage");
    deputy.get(&manage).await.expect(403);
    ops.get(&format!("/projects/{}/manage", ids[1]))
        .await
        .expect(404);
    ops.get("/projects")
        .await
        .expect(200)
        .assert_contains(&format!("href=\"{manage}\""));
    let p = post(
        &ops,
        &manage,
        &[
            ("action", "milestone"),
            ("title", "完成选址"),
            ("due", "明天"),
        ],
    )
    .await
    .expect(422);
    p.assert_contains("id=\"err-due\"");
    p.assert_contains("value=\"完成选址\"");
    let p = post(
        &ops,
        &manage,
        &[
            ("action", "milestone"),
            ("title", "完成选址"),
            ("due", "2026-12-31"),
        ],
    )
    .await
    .expect(303);
    assert_eq!(p.location(), manage);
    let public = app.get("/projects", None).await.expect(200).body;
    let m = &public[0]["milestones"][0];
    assert_eq!(m["title"], "完成选址");
    assert_eq!(m["done"], false);
    let mid = m["id"].as_i64().unwrap().to_string();
    post(
        &ops,
        &manage,
        &[
            ("action", "mark"),
            ("milestone", mid.as_str()),
            ("done", "true"),
        ],
    )
    .await
    .expect(303);
    let p = post(
        &ops,
        &manage,
        &[("action", "progress"), ("progress", "140")],
    )
    .await
    .expect(422);
    p.assert_contains("id=\"err-progress\"");
    p.assert_contains("value=\"140\"");
    post(&ops, &manage, &[("action", "progress"), ("progress", "40")])
        .await
        .expect(303);
    let public = app.get("/projects", None).await.expect(200).body;
    assert_eq!(public[0]["progress"], 40);
    assert_eq!(public[0]["milestones"][0]["done"], true);
    ops.get(&manage).await.expect(200).assert_contains("已保存");
}

async fn visits_corrected_deleted_and_opinions_listed(b: Backend) {
    let app = spawn_app(b).await;
    let y = app.today().year();
    let today = app.today().to_string();
    let staff = demo(&app, "staff").await;
    post(
        &staff,
        "/visits",
        &[
            ("day", today.as_str()),
            ("kind", "department"),
            ("organisation", "housing"),
            ("topics", "加装电梯政策宣讲"),
            ("deputies", "lunan-d01"),
        ],
    )
    .await
    .expect(303);
    let staff_token = app.login_demo("staff").await;
    let list = app
        .get("/visits", Some(&staff_token))
        .await
        .expect(200)
        .body;
    let id = list[0]["id"].as_i64().unwrap();
    let edit = format!("/visits/{id}/edit");
    staff
        .get("/visits")
        .await
        .expect(200)
        .assert_contains(&format!("href=\"{edit}\""));
    // The form comes filled with the visit.
    let p = staff.get(&edit).await.expect(200);
    assert_eq!(p.input_value("topics"), "加装电梯政策宣讲");
    // A handler may not; a deputy may not either.
    demo(&app, "handler").await.get(&edit).await.expect(403);
    let deputy = demo(&app, "deputy").await;
    deputy.get(&edit).await.expect(403);
    post(
        &deputy,
        &format!("/visits/{id}/delete"),
        &[("confirm", "yes")],
    )
    .await
    .expect(403);

    // A leader's visit without the leader: refused beside the field, typed kept.
    let p = post(
        &staff,
        &edit,
        &[
            ("day", today.as_str()),
            ("kind", "leader"),
            ("topics", "老旧小区改造座谈"),
            ("deputies", "lunan-d02"),
        ],
    )
    .await
    .expect(422);
    p.assert_contains("id=\"err-leader_name\"");
    p.assert_contains("老旧小区改造座谈");
    let p = post(
        &staff,
        &edit,
        &[
            ("day", today.as_str()),
            ("kind", "leader"),
            ("leader_name", "王副区长"),
            ("topics", "老旧小区改造座谈"),
            ("opinions_count", "7"),
            ("deputies", "lunan-d02"),
        ],
    )
    .await
    .expect(303);
    assert_eq!(p.location(), "/visits");
    let v = app
        .get(&format!("/visits/{id}"), Some(&staff_token))
        .await
        .expect(200)
        .body;
    assert_eq!(v["topics"], "老旧小区改造座谈");
    assert_eq!(v["leader_name"], "王副区长");
    assert_eq!(v["opinions_count"], 7);
    assert_eq!(v["deputies"][0]["code"], "lunan-d02");

    // Delete: not without the confirm box; then gone, with its points.
    let del = format!("/visits/{id}/delete");
    let p = post(&staff, &del, &[]).await.expect(422);
    p.assert_contains("id=\"err-confirm\"");
    let p = post(&staff, &del, &[("confirm", "yes")]).await.expect(303);
    assert_eq!(p.location(), "/visits");
    app.get(&format!("/visits/{id}"), Some(&staff_token))
        .await
        .expect(404);
    let ops_token = app.login_demo("ops").await;
    let ledger = app
        .get(&format!("/points/{y}/ledger"), Some(&ops_token))
        .await
        .expect(200)
        .body;
    assert!(
        !ledger
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["source_kind"] == "visit" && e["source_id"] == id),
        "{ledger}"
    );

    // Residents' opinions: ops and viewers see them, never the contact.
    let anon = Browser::new(&app);
    post(
        &anon,
        "/appraisal/housing/opinion",
        &[
            ("body", "窗口办事排队太久"),
            ("name", "赵六"),
            ("phone", "13600003333"),
        ],
    )
    .await
    .expect(303);
    staff.get("/appraisal/opinions").await.expect(403);
    anon.get("/appraisal/opinions").await.expect(303);
    for who in ["ops", "viewer"] {
        let web = demo(&app, who).await;
        web.get("/appraisal")
            .await
            .expect(200)
            .assert_contains("href=\"/appraisal/opinions?year=");
        let p = web.get("/appraisal/opinions").await.expect(200);
        p.assert_contains("窗口办事排队太久");
        p.assert_contains("区住建局");
        p.assert_lacks("13600003333");
        p.assert_lacks("赵六");
        p.assert_contains("format=csv");
        // The download holds what the page shows, and no more.
        let (status, csv) = web.get_bytes("/appraisal/opinions?format=csv").await;
        assert_eq!(status, 200);
        assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]), "a BOM for Excel");
        let csv = String::from_utf8(csv).unwrap();
        assert!(csv.contains("日期,单位,意见,是否留有联系方式"), "{csv}");
        assert!(csv.contains("区住建局,窗口办事排队太久,是"), "{csv}");
        assert!(
            !csv.contains("13600003333") && !csv.contains("赵六"),
            "{csv}"
        );
        let (status, xlsx) = web.get_bytes("/appraisal/opinions?format=xlsx").await;
        assert_eq!(status, 200);
        assert!(xlsx.starts_with(b"PK"), "an xlsx is a zip");
    }
    let ops = demo(&app, "ops").await;
    ops.get("/appraisal/opinions?organisation=nowhere")
        .await
        .expect(404);
    let api = app
        .get(&format!("/appraisal/{y}/opinions"), Some(&ops_token))
        .await
        .expect(200)
        .body;
    assert_eq!(api.as_array().unwrap().len(), 1);
    assert_eq!(api[0]["has_contact"], true);
    let (status, _, csv) = app
        .get_bytes(
            &format!("/api/v1/appraisal/{y}/opinions?format=csv"),
            Some(&ops_token),
        )
        .await;
    assert_eq!(status, 200);
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.contains("窗口办事排队太久") && !csv.contains("13600003333"),
        "{csv}"
    );
}
