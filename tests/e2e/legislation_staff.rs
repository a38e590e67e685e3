//! End-to-end tests of the legislative contact point's working pages on both backends: ops
//! publish a draft from a form (articles pasted one per line), station staff record a forum
//! from the draft's page, ops and station staff mark comments on the report, each within its
//! role's reach; refused forms keep what was typed, a closed draft refuses with its reason.

use chrono::Duration;
use serde_json::{Value, json};

use crate::support::{Backend, TestApp, spawn_app};
use crate::web_client::{Browser, demo, post_form};

both_backends!(
    ops_publish_a_draft_from_the_page,
    staff_record_a_forum_on_the_drafts_page,
    the_report_marks_each_comment_within_reach,
);

fn articles() -> &'static str {
    "第一条 为了加强电动自行车管理，制定本条例。\n\n电动自行车应当依法登记上牌。\n第3条：禁止在楼道停放电动自行车或者为其充电。"
}

/// Publishes a draft over the API as ops; its id.
async fn publish(app: &TestApp) -> i64 {
    let ops = app.login_demo("ops").await;
    app.post(
        "/drafts",
        Some(&ops),
        &json!({
            "title": "浙江省电动自行车管理条例（草案）",
            "level": "provincial",
            "asked_by": "浙江省人大常委会法制工作委员会",
            "closes_on": (app.today() + Duration::days(20)).to_string(),
            "articles": [
                { "number": 1, "text": "为了加强电动自行车管理，制定本条例。" },
                { "number": 2, "text": "电动自行车应当依法登记上牌。" },
                { "number": 3, "text": "禁止在楼道停放电动自行车或者为其充电。" }
            ]
        }),
    )
    .await
    .expect(201)
    .body["id"]
        .as_i64()
        .unwrap()
}

async fn ops_publish_a_draft_from_the_page(b: Backend) {
    let app = spawn_app(b).await;
    let ops = demo(&app, "ops").await;
    ops.get("/drafts")
        .await
        .expect(200)
        .assert_contains("id=\"publish-link\"");
    ops.get("/drafts/new")
        .await
        .expect(200)
        .assert_contains("id=\"publish-form\"");
    let closes = (app.today() + Duration::days(30)).to_string();
    let past = (app.today() - Duration::days(1)).to_string();
    let form = |closes_on: &str, level: &str, text: &str| {
        vec![
            ("title", "浙江省电动自行车管理条例（草案）".to_owned()),
            ("level", level.to_owned()),
            ("asked_by", "浙江省人大常委会法制工作委员会".to_owned()),
            ("closes_on", closes_on.to_owned()),
            ("articles", text.to_owned()),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let ops = &ops;
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_form(ops, "/drafts/new", &pairs).await
        }
    };
    // Refused beside the field, with what was typed kept.
    let p = send(form(&past, "provincial", articles()))
        .await
        .expect(422);
    p.assert_contains("id=\"err-closes_on\"");
    p.assert_contains("截止日期不能早于今天");
    p.assert_contains("浙江省人大常委会法制工作委员会");
    p.assert_contains("禁止在楼道停放电动自行车");
    let p = send(form(&closes, "", articles())).await.expect(422);
    p.assert_contains("id=\"err-level\"");
    let p = send(form(&closes, "city", "第1条 甲\n第1条 乙"))
        .await
        .expect(422);
    p.assert_contains("id=\"err-articles\"");
    p.assert_contains("第1条：这一项重复了");
    let p = send(form(&closes, "city", "  \n ")).await.expect(422);
    p.assert_contains("id=\"err-articles\"");
    // Published: the draft's page, its articles numbered as written or in turn.
    let p = send(form(&closes, "provincial", articles()))
        .await
        .expect(303);
    let id: i64 = p
        .location()
        .strip_prefix("/drafts/")
        .unwrap()
        .parse()
        .unwrap();
    let d = app
        .get(&format!("/drafts/{id}"), None)
        .await
        .expect(200)
        .body;
    let numbers: Vec<i64> = d["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [1, 2, 3]);
    assert_eq!(
        d["articles"][2]["text"],
        "禁止在楼道停放电动自行车或者为其充电。"
    );
    assert_eq!(d["level"], "provincial");
    // Only ops publish; a visitor is sent to sign in.
    let staff = demo(&app, "staff").await;
    staff.get("/drafts/new").await.expect(403);
    staff
        .get("/drafts")
        .await
        .expect(200)
        .assert_lacks("id=\"publish-link\"");
    let fields = form(&closes, "city", articles());
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    post_form(&staff, "/drafts/new", &pairs).await.expect(403);
    Browser::new(&app).get("/drafts/new").await.expect(303);
    assert_eq!(
        app.get("/drafts", None)
            .await
            .expect(200)
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn staff_record_a_forum_on_the_drafts_page(b: Backend) {
    let app = spawn_app(b).await;
    let id = publish(&app).await;
    let path = format!("/drafts/{id}");
    let at = format!("/drafts/{id}/forums");
    let staff = demo(&app, "staff").await;
    let p = staff.get(&path).await.expect(200);
    p.assert_contains("id=\"forum-form\"");
    p.assert_contains("id=\"report-link\"");
    // Residents and deputies comment but do not record forums.
    Browser::new(&app)
        .get(&path)
        .await
        .expect(200)
        .assert_lacks("id=\"forum-form\"");
    demo(&app, "deputy")
        .await
        .get(&path)
        .await
        .expect(200)
        .assert_lacks("id=\"forum-form\"");
    let today = app.today().to_string();
    let forum = |day: &str, comments: &str| {
        vec![
            ("station", "lunan".to_owned()),
            ("day", day.to_owned()),
            ("place", "路南联络站会议室".to_owned()),
            ("people", "居民代表十二人".to_owned()),
            ("comments", comments.to_owned()),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let staff = &staff;
        let at = &at;
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_form(staff, at, &pairs).await
        }
    };
    let tomorrow = (app.today() + Duration::days(1)).to_string();
    let p = send(forum(&tomorrow, "条例很有必要。")).await.expect(422);
    p.assert_contains("id=\"err-day\"");
    p.assert_contains("路南联络站会议室");
    let p = send(forum(&today, "")).await.expect(422);
    p.assert_contains("id=\"err-comments\"");
    // A line on an article the draft lacks is named by its line.
    let p = send(forum(&today, "条例很有必要。\n第9条：没有这一条。"))
        .await
        .expect(422);
    p.assert_contains("id=\"err-comments\"");
    p.assert_contains("第2行：");
    p.assert_contains("第9条：没有这一条。");
    // Nothing of a refused forum was kept.
    let ops = app.login_demo("ops").await;
    let report = |token: String| {
        let app = &app;
        async move {
            app.get(&format!("/drafts/{id}/report"), Some(&token))
                .await
                .expect(200)
                .body
        }
    };
    assert_eq!(report(ops.clone()).await, json!([]));
    send(forum(&today, "第3条：楼道充电要有过渡期。\n条例很有必要。"))
        .await
        .expect(303);
    let list = report(ops.clone()).await;
    let got: Vec<(Value, &str, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["article"].clone(),
                c["body"].as_str().unwrap(),
                c["channel"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (Value::Null, "条例很有必要。", "forum"),
            (json!(3), "楼道充电要有过渡期。", "forum")
        ]
    );
    // Staff record forums at their own station only.
    let mut other = forum(&today, "不是本站的座谈会。");
    other[0].1 = "pengjie".to_owned();
    send(other).await.expect(403);
    // Closed: refused with the reason, over the page and the API.
    app.clock.advance(Duration::days(21));
    let staff_token = app.login_demo("staff").await;
    let staff = demo(&app, "staff").await;
    let fields = forum(&today, "会后补记的意见。");
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let p = post_form(&staff, &at, &pairs).await.expect(409);
    p.assert_contains("不再接收意见");
    let e = app
        .post(
            &format!("/drafts/{id}/forums"),
            Some(&staff_token),
            &json!({ "station": "lunan", "day": today, "place": "x", "people": "y",
                     "comments": [ { "body": "会后补记的意见。" } ] }),
        )
        .await
        .expect_error(409, "conflict", None);
    assert!(e.message().contains("closed on"), "{}", e.message());
    let ops = app.login_demo("ops").await;
    assert_eq!(report(ops).await.as_array().unwrap().len(), 2);
}

async fn the_report_marks_each_comment_within_reach(b: Backend) {
    let app = spawn_app(b).await;
    let id = publish(&app).await;
    for (station, body) in [
        ("lunan", "建议小区统一建设充电棚。"),
        ("pengjie", "总体赞成，建议加强宣传。"),
    ] {
        app.post(
            &format!("/drafts/{id}/comments"),
            None,
            &json!({ "station": station, "article": 3, "body": body }),
        )
        .await
        .expect(201);
    }
    let ops_token = app.login_demo("ops").await;
    let list = app
        .get(&format!("/drafts/{id}/report"), Some(&ops_token))
        .await
        .expect(200)
        .body;
    let of = |code: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|c| c["station"]["code"] == code)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (lunan, pengjie) = (of("lunan"), of("pengjie"));
    let report = format!("/drafts/{id}/report");
    let decide = |c: i64| format!("/drafts/{id}/report/{c}");

    // Station staff mark their station's comments, and only those.
    let staff = demo(&app, "staff").await;
    let p = staff.get(&report).await.expect(200);
    p.assert_contains(&format!("id=\"decide-{lunan}\""));
    p.assert_lacks(&format!("id=\"decide-{pengjie}\""));
    let p = post_form(&staff, &decide(lunan), &[("decision", "maybe")])
        .await
        .expect(422);
    p.assert_contains("id=\"err-decision\"");
    let p = post_form(&staff, &decide(lunan), &[("decision", "adopted")])
        .await
        .expect(303);
    assert_eq!(p.location(), format!("{report}#comment-{lunan}"));
    post_form(&staff, &decide(pengjie), &[("decision", "adopted")])
        .await
        .expect(403);
    // Ops mark any; the page shows each decision chosen.
    let ops = demo(&app, "ops").await;
    let p = ops.get(&report).await.expect(200);
    p.assert_contains(&format!("id=\"decide-{pengjie}\""));
    post_form(&ops, &decide(pengjie), &[("decision", "partly_adopted")])
        .await
        .expect(303);
    let p = ops.get(&report).await.expect(200);
    p.assert_contains("<option value=\"partly_adopted\" selected>");
    p.assert_contains("<option value=\"adopted\" selected>");
    // A comment is marked only through its own draft's report: another draft's address finds no
    // such comment and marks nothing (the decisions below are unchanged).
    let other = publish(&app).await;
    post_form(
        &ops,
        &format!("/drafts/{other}/report/{lunan}"),
        &[("decision", "not_adopted")],
    )
    .await
    .expect(404);
    // Viewers and deputies read the report but mark nothing.
    for who in ["viewer", "deputy"] {
        let web = demo(&app, who).await;
        let p = web.get(&report).await.expect(200);
        p.assert_lacks("id=\"decide-");
        post_form(&web, &decide(lunan), &[("decision", "not_adopted")])
            .await
            .expect(403);
    }
    let list = app.get(&report, Some(&ops_token)).await.expect(200).body;
    let decisions: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["decision"].as_str().unwrap())
        .collect();
    assert_eq!(decisions.len(), 2);
    assert!(decisions.contains(&"adopted") && decisions.contains(&"partly_adopted"));
    // The printed report carries the decisions as words, the controls stay off paper.
    let p = ops.get(&report).await.expect(200);
    p.assert_contains("部分采纳");
    p.assert_contains("<td class=\"no-print\">");
}
