//! The deputy's desk over the real server on both backends: only deputies may open it; it lists
//! the station's cases (those addressed to the deputy marked, other stations' absent) and the
//! deputy's own shifts for the next 30 days; it records receptions (a refusal shown again beside
//! the field with what was typed, a missing CSRF token refused), lists them with the contact
//! masked, and turns one into a case the station's staff see (a second conversion refused); the
//! deputy reports back to the resident on the case page.

use chrono::Duration;
use serde_json::json;

use crate::support::{Backend, TestApp, spawn_app};
use crate::web_client::{Browser, demo, post_form as post};

both_backends!(
    only_deputies_open_the_desk,
    the_desk_lists_my_stations_cases_and_my_shifts,
    a_reception_is_recorded_and_becomes_a_case,
    the_deputy_reports_back_on_the_case_page,
);

const VISITOR_NAME: &str = "王小明";
const VISITOR_PHONE: &str = "13912345678";
const VISITOR_PHONE_MASKED: &str = "139****5678";

async fn reception_rows(app: &TestApp, token: &str) -> Vec<serde_json::Value> {
    app.get("/stations/lunan/receptions", Some(token))
        .await
        .expect(200)
        .body
        .as_array()
        .expect("a list of receptions")
        .clone()
}

async fn only_deputies_open_the_desk(b: Backend) {
    let app = spawn_app(b).await;
    // Not signed in: off to sign in, and back.
    let anon = Browser::new(&app);
    let p = anon.get("/deputy").await.expect(303);
    assert_eq!(p.location(), "/login?next=/deputy");

    for who in ["staff", "handler"] {
        let web = demo(&app, who).await;
        let p = web.get("/deputy").await.expect(403);
        p.assert_html();
        p.assert_contains("无权查看");
        p.assert_lacks("href=\"/deputy\"");
        post(&web, "/deputy/receptions", &[("summary", "反映路灯问题")])
            .await
            .expect(403);
    }
    let ops = app.login_demo("ops").await;
    assert!(reception_rows(&app, &ops).await.is_empty());

    let deputy = demo(&app, "deputy").await;
    let p = deputy.get("/deputy").await.expect(200);
    p.assert_html();
    p.assert_contains("代表工作台");
    // Its own navigation entry, marked current.
    p.assert_contains("href=\"/deputy\"");
    let en = deputy.get("/deputy?lang=en").await.expect(200);
    en.assert_contains("My desk");
    en.assert_contains("Record a reception");
}

async fn the_desk_lists_my_stations_cases_and_my_shifts(b: Backend) {
    let app = spawn_app(b).await;
    let station_case = app.submit_at("lunan").await.id;
    let mut body = crate::support::case_body("lunan");
    body["deputy"] = json!("lunan-d01");
    body["title"] = json!("写给代表的意见");
    let mine = app.submit(&body).await.expect(201).body["id"]
        .as_i64()
        .unwrap();
    let mut other = crate::support::case_body("jinqing");
    other["title"] = json!("金清的意见");
    let elsewhere = app.submit(&other).await.expect(201).body["id"]
        .as_i64()
        .unwrap();

    let staff = app.login_demo("staff").await;
    let today = app.today();
    let soon = today + Duration::days(3);
    let later = today + Duration::days(45);
    for (deputy, day, half, note) in [
        ("lunan-d01", soon, "pm", "带好接待登记本"),
        ("lunan-d01", later, "am", "太远的值班"),
    ] {
        app.post(
            "/stations/lunan/duty",
            Some(&staff),
            &json!({ "deputy": deputy, "day": day, "half": half, "note": note }),
        )
        .await
        .expect(201);
    }
    let others: Vec<String> = app
        .station_deputies("lunan")
        .await
        .into_iter()
        .map(|(code, _)| code)
        .filter(|c| c != "lunan-d01")
        .collect();
    if let Some(colleague) = others.first() {
        app.post(
            "/stations/lunan/duty",
            Some(&staff),
            &json!({ "deputy": colleague, "day": soon, "half": "am", "note": "同事的值班" }),
        )
        .await
        .expect(201);
    }

    let deputy = demo(&app, "deputy").await;
    let p = deputy.get("/deputy").await.expect(200);
    p.assert_contains(&format!("href=\"/cases/{station_case}\""));
    p.assert_contains(&format!("href=\"/cases/{mine}\""));
    p.assert_lacks(&format!("href=\"/cases/{elsewhere}\""));
    p.assert_lacks("金清的意见");
    // Newest first, and only mine is marked.
    let at_mine = p.text.find(&format!("href=\"/cases/{mine}\"")).unwrap();
    let at_station = p
        .text
        .find(&format!("href=\"/cases/{station_case}\""))
        .unwrap();
    assert!(at_mine < at_station, "newest first");
    assert_eq!(p.text.matches("class=\"tag mine-tag\"").count(), 1);
    let row_mine = &p.text[at_mine..p.text[at_mine..].find("</tr>").unwrap() + at_mine];
    assert!(row_mine.contains("提交给我"), "{row_mine}");
    // My shift in the next 30 days, not the far one, not a colleague's.
    p.assert_contains(&format!("<time datetime=\"{soon}\">{soon}</time>"));
    p.assert_contains("下午");
    p.assert_contains("带好接待登记本");
    p.assert_lacks(&later.to_string());
    p.assert_lacks("太远的值班");
    p.assert_lacks("同事的值班");
}

async fn a_reception_is_recorded_and_becomes_a_case(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let deputy = demo(&app, "deputy").await;
    deputy.get("/deputy").await.expect(200);

    // No summary: the error beside the field, what was typed kept, nothing recorded.
    let p = post(
        &deputy,
        "/deputy/receptions",
        &[
            ("visitor_name", VISITOR_NAME),
            ("visitor_phone", VISITOR_PHONE),
            ("summary", " "),
            ("category", "urban_construction"),
        ],
    )
    .await
    .expect(422);
    p.assert_contains("id=\"err-reception-summary\"");
    p.assert_contains("至少要 2 个字。");
    p.assert_contains(&format!("value=\"{VISITOR_NAME}\""));
    p.assert_contains(&format!("value=\"{VISITOR_PHONE}\""));
    p.assert_contains("<option value=\"urban_construction\" selected>");
    // A phone that is not one.
    let p = post(
        &deputy,
        "/deputy/receptions",
        &[("visitor_phone", "12ab"), ("summary", "村口积水严重")],
    )
    .await
    .expect(422);
    p.assert_contains("id=\"err-reception-visitor_phone\"");
    p.assert_contains(">村口积水严重</textarea>");
    // Without its token: refused as a page, the summary kept.
    let p = deputy
        .post(
            "/deputy/receptions",
            &[("_csrf", &"0".repeat(64)), ("summary", "村口积水严重")],
        )
        .await
        .expect(403);
    p.assert_contains("页面已过期或来自其他网站");
    p.assert_contains(">村口积水严重</textarea>");
    assert!(reception_rows(&app, &ops).await.is_empty());

    // Recorded: one with a category, one without.
    let r = post(
        &deputy,
        "/deputy/receptions",
        &[
            ("visitor_name", VISITOR_NAME),
            ("visitor_phone", VISITOR_PHONE),
            ("summary", "村口积水严重，雨天无法通行。"),
            ("category", ""),
        ],
    )
    .await
    .expect(303);
    assert_eq!(r.location(), "/deputy");
    let rows = reception_rows(&app, &ops).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["deputy"], "lunan-d01");
    let id = rows[0]["id"].as_i64().unwrap();
    let p = deputy.get("/deputy").await.expect(200);
    p.assert_contains("接待已记录。");
    p.assert_contains("村口积水严重，雨天无法通行。");
    p.assert_contains(VISITOR_PHONE_MASKED);
    p.assert_lacks(VISITOR_PHONE);
    p.assert_lacks(VISITOR_NAME);
    p.assert_contains(&format!("action=\"/deputy/receptions/{id}/case\""));

    // Without a category, the conversion asks for one beside its select.
    let form = format!("/deputy/receptions/{id}/case");
    let p = post(&deputy, &form, &[("category", "")]).await.expect(422);
    p.assert_contains(&format!("id=\"err-case-{id}-category\""));
    p.assert_contains("请选择类别。");
    let r = post(&deputy, &form, &[("category", "urban_construction")])
        .await
        .expect(303);
    let case_id: i64 = r
        .location()
        .strip_prefix("/cases/")
        .and_then(|x| x.parse().ok())
        .expect("off to the new case");
    let page = deputy.get(r.location()).await.expect(200);
    page.assert_contains("接待已转为案件。");
    page.assert_contains("村口积水严重，雨天无法通行。");
    let p = deputy.get("/deputy").await.expect(200);
    p.assert_contains(&format!("href=\"/cases/{case_id}\""));
    p.assert_lacks(&format!("action=\"/deputy/receptions/{id}/case\""));

    // The station's staff see it, channel "reception", the contact kept apart and masked.
    let staff = app.login_demo("staff").await;
    let d = app.detail(&staff, case_id).await;
    assert_eq!(d["channel"], "reception");
    let staff_web = demo(&app, "staff").await;
    let desk = staff_web.get("/desk/lunan").await.expect(200);
    desk.assert_contains(&format!("href=\"/cases/{case_id}\""));
    let page = staff_web
        .get(&format!("/cases/{case_id}"))
        .await
        .expect(200);
    page.assert_contains(VISITOR_PHONE_MASKED);
    page.assert_lacks(VISITOR_PHONE);

    // A second conversion: the 409 message, still one case.
    let cases = app.case_count().await;
    let p = post(&deputy, &form, &[("category", "urban_construction")])
        .await
        .expect(409);
    p.assert_contains("这次接待已经转为案件了。");
    assert_eq!(app.case_count().await, cases);
}

async fn the_deputy_reports_back_on_the_case_page(b: Backend) {
    let app = spawn_app(b).await;
    let mut body = crate::support::case_body("lunan");
    body["deputy"] = json!("lunan-d01");
    let id = app.submit(&body).await.expect(201).body["id"]
        .as_i64()
        .unwrap();
    let ops = app.login_demo("ops").await;
    app.act(Some(&ops), id, "register", json!({}))
        .await
        .expect(200);
    app.act(
        Some(&ops),
        id,
        "resolve",
        json!({ "answer": "路灯已于本周修复。" }),
    )
    .await
    .expect(200);

    let deputy = demo(&app, "deputy").await;
    let desk = deputy.get("/deputy").await.expect(200);
    desk.assert_contains(&format!("href=\"/cases/{id}\""));
    let page = deputy.get(&format!("/cases/{id}")).await.expect(200);
    page.assert_contains(&format!("action=\"/cases/{id}/act/feedback\""));
    // Empty: told beside the field.
    let p = post(
        &deputy,
        &format!("/cases/{id}/act/feedback"),
        &[("note", "")],
    )
    .await
    .expect(422);
    p.assert_contains("id=\"err-feedback-note\"");
    post(
        &deputy,
        &format!("/cases/{id}/act/feedback"),
        &[("note", "已当面告知群众处理结果")],
    )
    .await
    .expect(303);
    let page = deputy.get(&format!("/cases/{id}")).await.expect(200);
    page.assert_contains("反馈已记录。");
    page.assert_contains("已当面告知群众处理结果");
    assert_eq!(app.case_row(id).await.status.as_str(), "feedback_given");
}
