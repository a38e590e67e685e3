//! End-to-end tests of the legislative contact point on both backends: ops publish a draft with
//! its articles; residents comment per article or on the whole (contact kept private), deputies
//! and staff at their station; staff record a forum; decisions; the feedback report as JSON,
//! CSV and Excel; the counts per station; a closed draft refuses comments with a clear message.

use chrono::Duration;
use serde_json::{Value, json};

use crate::support::{Backend, TestApp, spawn_app};
use crate::web_client::{Browser, demo, post_form};

both_backends!(
    a_draft_is_consulted_and_reported,
    bad_input_and_a_closed_draft,
    pages_take_comments_and_print_the_report,
    the_demo_has_an_open_and_a_closed_draft,
);

fn draft(app: &TestApp) -> Value {
    json!({
        "title": "浙江省电动自行车管理条例（草案）",
        "level": "provincial",
        "asked_by": "浙江省人大常委会法制工作委员会",
        "closes_on": (app.today() + Duration::days(20)).to_string(),
        "articles": [
            { "number": 1, "text": "为了加强电动自行车管理，制定本条例。" },
            { "number": 2, "text": "电动自行车应当依法登记上牌。" },
            { "number": 3, "text": "禁止在楼道、安全出口停放电动自行车或者为其充电。" }
        ]
    })
}

async fn publish(app: &TestApp, ops: &str) -> i64 {
    app.post("/drafts", Some(ops), &draft(app))
        .await
        .expect(201)
        .body["id"]
        .as_i64()
        .unwrap()
}

async fn a_draft_is_consulted_and_reported(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let staff = app.login_demo("staff").await;
    let deputy = app.login_demo("deputy").await;
    let viewer = app.login_demo("viewer").await;
    let id = publish(&app, &ops).await;
    let d = app
        .get(&format!("/drafts/{id}"), None)
        .await
        .expect(200)
        .body;
    assert_eq!(d["articles"].as_array().unwrap().len(), 3);
    assert_eq!(d["open"], true);

    let resident = json!({ "station": "lunan", "article": 3, "body": "建议小区统一建设充电棚。",
                           "name": "李四", "phone": "13812345678" });
    app.post(&format!("/drafts/{id}/comments"), None, &resident)
        .await
        .expect(201);
    app.post(
        &format!("/drafts/{id}/comments"),
        None,
        &json!({ "station": "pengjie", "body": "总体赞成，建议加强宣传。" }),
    )
    .await
    .expect(201);
    app.post(
        &format!("/drafts/{id}/comments"),
        Some(&deputy),
        &json!({ "station": "lunan", "article": 2, "body": "上牌点应当方便群众。" }),
    )
    .await
    .expect(201);
    // Signed in, only at one's own station.
    app.post(
        &format!("/drafts/{id}/comments"),
        Some(&deputy),
        &json!({ "station": "pengjie", "body": "代表的意见。" }),
    )
    .await
    .expect_error(403, "forbidden", None);
    let f = app
        .post(&format!("/drafts/{id}/forums"), Some(&staff), &json!({
            "station": "lunan", "day": app.today().to_string(), "place": "路南联络站会议室",
            "people": "居民代表十二人",
            "comments": [ { "article": 3, "body": "楼道充电要有过渡期。" }, { "body": "条例很有必要。" } ]
        }))
        .await
        .expect(201);
    assert!(f.body["id"].is_number());
    app.post(
        &format!("/drafts/{id}/forums"),
        Some(&staff),
        &json!({
            "station": "pengjie", "day": app.today().to_string(), "place": "x", "people": "y",
            "comments": [ { "body": "不是本站的座谈会。" } ]
        }),
    )
    .await
    .expect_error(403, "forbidden", None);

    let list = app
        .get(&format!("/drafts/{id}/report"), Some(&ops))
        .await
        .expect(200)
        .body;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 5);
    assert!(!serde_json::to_string(list).unwrap().contains("13812345678"));
    assert!(!serde_json::to_string(list).unwrap().contains("李四"));
    let first = list
        .iter()
        .find(|c| c["article"] == 3 && c["channel"] == "online")
        .unwrap();
    app.put(
        &format!("/draft-comments/{}/decision", first["id"]),
        Some(&staff),
        &json!({ "decision": "adopted" }),
    )
    .await
    .expect(204);
    let pengjie = list
        .iter()
        .find(|c| c["station"]["code"] == "pengjie")
        .unwrap();
    app.put(
        &format!("/draft-comments/{}/decision", pengjie["id"]),
        Some(&staff),
        &json!({ "decision": "adopted" }),
    )
    .await
    .expect_error(403, "forbidden", None);
    app.put(
        &format!("/draft-comments/{}/decision", pengjie["id"]),
        Some(&ops),
        &json!({ "decision": "partly_adopted" }),
    )
    .await
    .expect(204);
    app.put(
        &format!("/draft-comments/{}/decision", pengjie["id"]),
        Some(&ops),
        &json!({ "decision": "maybe" }),
    )
    .await
    .expect_error(400, "bad_request", Some("decision"));
    // Staff read their station's comments; viewers all.
    assert_eq!(
        app.get(&format!("/drafts/{id}/report"), Some(&staff))
            .await
            .expect(200)
            .body
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        app.get(&format!("/drafts/{id}/report"), Some(&viewer))
            .await
            .expect(200)
            .body
            .as_array()
            .unwrap()
            .len(),
        5
    );
    let handler = app.login_demo("handler").await;
    app.get(&format!("/drafts/{id}/report"), Some(&handler))
        .await
        .expect(403);
    // The report downloads with Chinese headers and no contact.
    let (status, kind, bytes) = app
        .get_bytes(
            &format!("/api/v1/drafts/{id}/report?format=csv"),
            Some(&ops),
        )
        .await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/csv"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(
        text.starts_with("条款,意见,联络站,渠道,提出人,采纳情况"),
        "{text}"
    );
    assert!(
        text.contains("第3条")
            && text.contains("座谈会")
            && text.contains("采纳")
            && text.contains("总体")
    );
    assert!(!text.contains("13812345678"));
    let (_, kind, bytes) = app
        .get_bytes(
            &format!("/api/v1/drafts/{id}/report?format=xlsx"),
            Some(&ops),
        )
        .await;
    assert!(kind.contains("spreadsheetml"));
    assert_eq!(&bytes[..2], b"PK");
    // Counts per station: lunan 4 comments, 1 adopted; pengjie 1, partly adopted counts.
    let c = app
        .get("/drafts/counts?station=lunan", Some(&staff))
        .await
        .expect(200)
        .body;
    assert_eq!(c, json!({ "drafts": 1, "comments": 4, "adopted": 1 }));
    let c = app
        .get("/drafts/counts", Some(&viewer))
        .await
        .expect(200)
        .body;
    assert_eq!(c, json!({ "drafts": 1, "comments": 5, "adopted": 2 }));
    app.get("/drafts/counts?station=pengjie", Some(&staff))
        .await
        .expect(403);
    let d = app
        .get(&format!("/drafts/{id}"), None)
        .await
        .expect(200)
        .body;
    assert_eq!(d["articles"][2]["comments"], 2);
    assert_eq!(d["whole_comments"], 2);
}

async fn bad_input_and_a_closed_draft(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let staff = app.login_demo("staff").await;
    app.post("/drafts", Some(&staff), &draft(&app))
        .await
        .expect_error(403, "forbidden", None);
    let mut d = draft(&app);
    d["title"] = json!("长".repeat(201));
    app.post("/drafts", Some(&ops), &d)
        .await
        .expect_error(422, "invalid", Some("title"));
    let mut d = draft(&app);
    d["articles"][1]["number"] = json!(1);
    app.post("/drafts", Some(&ops), &d).await.expect_error(
        422,
        "invalid",
        Some("articles[1].number"),
    );
    let mut d = draft(&app);
    d["articles"] = json!([]);
    app.post("/drafts", Some(&ops), &d)
        .await
        .expect_error(422, "invalid", Some("articles"));
    let mut d = draft(&app);
    d["closes_on"] = json!((app.today() - Duration::days(1)).to_string());
    app.post("/drafts", Some(&ops), &d)
        .await
        .expect_error(422, "invalid", Some("closes_on"));
    let id = publish(&app, &ops).await;
    let c = |v: Value| {
        let app = &app;
        async move { app.post(&format!("/drafts/{id}/comments"), None, &v).await }
    };
    c(json!({ "station": "nowhere", "body": "意见意见" }))
        .await
        .expect_error(422, "invalid", Some("station"));
    c(json!({ "station": "lunan", "article": 9, "body": "意见意见" }))
        .await
        .expect_error(422, "invalid", Some("article"));
    c(json!({ "station": "lunan", "body": "意" }))
        .await
        .expect_error(422, "invalid", Some("body"));
    c(json!({ "station": "lunan", "body": "字".repeat(2001) }))
        .await
        .expect_error(422, "invalid", Some("body"));
    c(json!({ "station": "lunan", "body": "意见意见", "phone": "12" }))
        .await
        .expect_error(422, "invalid", Some("phone"));
    c(json!({ "station": "lunan", "body": "意见意见", "extra": 1 }))
        .await
        .expect_error(400, "bad_request", None);
    app.get("/drafts/999999", None).await.expect(404);
    // After the closing date the draft says so.
    app.clock.advance(Duration::days(21));
    let e = c(json!({ "station": "lunan", "body": "来晚了的意见" }))
        .await
        .expect_error(409, "conflict", None);
    assert!(e.message().contains("closed on"), "{}", e.message());
    assert_eq!(
        app.get(&format!("/drafts/{id}"), None)
            .await
            .expect(200)
            .body["open"],
        false
    );
}

async fn pages_take_comments_and_print_the_report(b: Backend) {
    let app = spawn_app(b).await;
    let ops_token = app.login_demo("ops").await;
    let id = publish(&app, &ops_token).await;
    let anon = Browser::new(&app);
    anon.get("/drafts")
        .await
        .expect(200)
        .assert_contains(&format!("href=\"/drafts/{id}\""));
    let p = anon.get(&format!("/drafts/{id}")).await.expect(200);
    p.assert_html();
    p.assert_contains("id=\"article-3\"");
    p.assert_contains("id=\"comment-form\"");
    let path = format!("/drafts/{id}");
    // A refused comment comes back beside its field with what was typed.
    let p = post_form(
        &anon,
        &path,
        &[
            ("station", "lunan"),
            ("article", "3"),
            ("body", "短"),
            ("phone", "13812345678"),
        ],
    )
    .await
    .expect(422);
    p.assert_contains("id=\"err-body\"");
    p.assert_contains("13812345678");
    post_form(
        &anon,
        &path,
        &[
            ("station", "lunan"),
            ("article", "3"),
            ("body", "建议小区统一建设充电棚。"),
        ],
    )
    .await
    .expect(303);
    let p = anon.get(&path).await.expect(200);
    p.assert_contains("1 条意见");
    // A QR poster for the draft at a station.
    let p = anon
        .get(&format!("/drafts/{id}/poster?station=lunan"))
        .await
        .expect(200);
    p.assert_contains(&format!("/drafts/{id}/qr.svg?station=lunan"));
    let (status, bytes) = anon
        .get_bytes(&format!("/drafts/{id}/qr.svg?station=lunan"))
        .await;
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&bytes).contains("<svg"));
    anon.get(&format!("/drafts/{id}/poster?station=nowhere"))
        .await
        .expect(404);
    // The printable report for ops, with its downloads; the cockpit counts the station's.
    let ops = demo(&app, "ops").await;
    let p = ops.get(&format!("/drafts/{id}/report")).await.expect(200);
    p.assert_contains("id=\"report\"");
    p.assert_contains("建议小区统一建设充电棚。");
    p.assert_contains("第3条");
    let (status, bytes) = ops
        .get_bytes(&format!("/drafts/{id}/report?format=xlsx"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(&bytes[..2], b"PK");
    anon.get(&format!("/drafts/{id}/report")).await.expect(303);
    let staff = demo(&app, "staff").await;
    let p = staff.get("/cockpit/lunan").await.expect(200);
    p.assert_contains("id=\"legislation-counts\"");
    // Closed: the page says so and a late comment is refused with the reason.
    app.clock.advance(Duration::days(21));
    let p = anon.get(&path).await.expect(200);
    p.assert_contains("id=\"draft-closed\"");
    let p = post_form(
        &anon,
        &path,
        &[("station", "lunan"), ("body", "来晚了的意见。")],
    )
    .await
    .expect(409);
    p.assert_contains("不再接收意见");
}

async fn the_demo_has_an_open_and_a_closed_draft(b: Backend) {
    let app = spawn_app(b).await;
    let made = liaison::demo::legislation::seed(&app.db, app.clock.now())
        .await
        .expect("seeding the demo's drafts");
    assert_eq!(made, 7);
    let drafts = app.get("/drafts", None).await.expect(200).body;
    let drafts = drafts.as_array().unwrap();
    assert_eq!(drafts.len(), 2);
    let open: Vec<bool> = drafts
        .iter()
        .map(|d| d["open"].as_bool().unwrap())
        .collect();
    assert_eq!(open, [true, false]);
    let ops = app.login_demo("ops").await;
    let closed = drafts[1]["id"].as_i64().unwrap();
    let report = app
        .get(&format!("/drafts/{closed}/report"), Some(&ops))
        .await
        .expect(200)
        .body;
    let report = report.as_array().unwrap();
    assert_eq!(report.len(), 5);
    assert!(report.iter().all(|c| c["decision"].is_string()));
    assert!(report.iter().any(|c| c["channel"] == "forum"));
}
