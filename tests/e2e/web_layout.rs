//! The signed-in pages as a desktop application: each role lands on its own desk after signing
//! in, the desk's table carries every column a station needs with coloured status tags, and a
//! refused action is said at the top of the page with links down to the fields. (How it looks
//! and fits in a real browser is `web_browser`'s.)

use serde_json::json;

use crate::support::{Backend, spawn_app};
use crate::web_client::{demo, post_form};

both_backends!(
    each_role_lands_on_its_own_desk,
    the_desk_lists_what_a_station_works_with,
    a_refused_action_is_said_at_the_top,
    an_unknown_receipt_code_gets_the_lookup_again,
);

async fn each_role_lands_on_its_own_desk(b: Backend) {
    let app = spawn_app(b).await;
    for (user, desk) in [
        ("staff", "/desk/lunan"),
        ("handler", "/org"),
        ("deputy", "/deputy"),
        ("ops", "/console"),
        ("viewer", "/screen"),
    ] {
        let u = liaison::demo::DEMO_USERS
            .iter()
            .find(|u| u.username == user)
            .unwrap();
        let web = crate::web_client::Browser::new(&app);
        let csrf = web.get("/login").await.expect(200).input_value("_csrf");
        let r = web
            .post(
                "/login",
                &[
                    ("_csrf", csrf.as_str()),
                    ("username", u.username),
                    ("password", u.password),
                ],
            )
            .await
            .expect(303);
        assert_eq!(r.location(), desk, "{user} lands on their desk");
        let page = web.get(desk).await.expect(200);
        if user == "viewer" {
            continue; // the big screen is a kiosk of its own
        }
        // Signed in: the application layout; the desk is the current item of the navigation.
        page.assert_contains("class=\"page app\"");
        if user != "ops" {
            page.assert_contains(&format!("href=\"{desk}\" aria-current=\"page\""));
        }
    }
    // The resident's pages keep the phone column, signed in or not.
    let staff = demo(&app, "staff").await;
    staff
        .get("/s/lunan")
        .await
        .expect(200)
        .assert_contains("class=\"page doc\"");
}

async fn the_desk_lists_what_a_station_works_with(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let a = app.submit_at("lunan").await;
    app.act(Some(&ops), a.id, "register", json!({}))
        .await
        .expect(200);
    app.act(Some(&ops), a.id, "assign", json!({ "lead": "housing" }))
        .await
        .expect(200);
    let b_ = app.submit_at("lunan").await;
    let staff = demo(&app, "staff").await;
    let desk = staff.get("/desk/lunan").await.expect(200);
    let heads: Vec<String> = [
        "回执码",
        "标题",
        "类别",
        "联络站",
        "状态",
        "承办单位",
        "期限",
    ]
    .iter()
    .map(|h| format!("<th scope=\"col\">{h}</th>"))
    .collect();
    let mut at = 0;
    for h in &heads {
        let i = desk.text[at..]
            .find(h.as_str())
            .unwrap_or_else(|| panic!("the desk has the column {h}, in order"));
        at += i + h.len();
    }
    desk.assert_contains("<span class=\"status-tag st-assigned\">已交办</span>");
    desk.assert_contains("<span class=\"status-tag st-submitted\">");
    desk.assert_contains("<td>区住建局</td>");
    desk.assert_contains(&b_.receipt_code);
    // In-row: a new case is registered from the list, and the list comes back.
    desk.assert_contains(&format!("form=\"reg-{}\"", b_.id));
    let r = post_form(
        &staff,
        &format!("/cases/{}/act/register", b_.id),
        &[("_back", "/desk/lunan")],
    )
    .await
    .expect(303);
    assert_eq!(r.location(), "/desk/lunan");
    assert_eq!(app.case_row(b_.id).await.status.as_str(), "registered");
    // Only a desk may be the way back.
    let c = app.submit_at("lunan").await;
    let r = post_form(
        &staff,
        &format!("/cases/{}/act/register", c.id),
        &[("_back", "//evil.example/desk/")],
    )
    .await
    .expect(303);
    assert_eq!(r.location(), format!("/cases/{}", c.id));
}

async fn a_refused_action_is_said_at_the_top(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let a = app.submit_at("lunan").await;
    app.act(Some(&ops), a.id, "register", json!({}))
        .await
        .expect(200);
    let staff = demo(&app, "staff").await;
    let p = post_form(
        &staff,
        &format!("/cases/{}/act/assign", a.id),
        &[("lead", ""), ("note", "请加快办理")],
    )
    .await
    .expect(422);
    let banner = p
        .text
        .find("id=\"error-summary\"")
        .expect("a banner with the refusal");
    let heading = p.text.find("<h1>").expect("the page's heading");
    assert!(banner < heading, "the banner comes before the heading");
    p.assert_contains("<a href=\"#f-assign-lead\">请选择一个承办单位。</a>");
    p.assert_contains(">请加快办理</textarea>");
    // Registering and refusing do not look alike.
    let fresh = app.submit_at("lunan").await;
    let page = staff.get(&format!("/cases/{}", fresh.id)).await.expect(200);
    page.assert_contains("class=\"go\" name=\"_go\" value=\"register\"");
    page.assert_contains("class=\"danger\" name=\"_go\" value=\"reject\"");
}

async fn an_unknown_receipt_code_gets_the_lookup_again(b: Backend) {
    let app = spawn_app(b).await;
    let web = crate::web_client::Browser::new(&app);
    let p = web.get("/t/2222-2222").await.expect(404);
    p.assert_html();
    p.assert_contains("<h1>回执码未找到</h1>");
    p.assert_contains("action=\"/t\"");
    p.assert_contains("value=\"2222-2222\"");
    p.assert_contains("id=\"err-code\"");
    p.assert_lacks("页面不存在");
    // A known code still opens its case.
    let a = app.submit_at("lunan").await;
    web.get(&format!("/t/{}", a.receipt_code)).await.expect(200);
}

both_backends!(the_desk_downloads_as_csv_and_xlsx);

async fn the_desk_downloads_as_csv_and_xlsx(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let a = app.submit_at("lunan").await;
    app.act(Some(&ops), a.id, "register", json!({}))
        .await
        .expect(200);
    app.act(Some(&ops), a.id, "assign", json!({ "lead": "housing" }))
        .await
        .expect(200);
    let other = app.submit_at("lubei").await;
    let staff = demo(&app, "staff").await;
    let (status, csv) = staff.get_bytes("/desk/lunan?format=csv").await;
    assert_eq!(status, 200);
    let text = String::from_utf8(csv).unwrap();
    assert!(text.starts_with('\u{feff}'), "UTF-8 with a BOM for Excel");
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    assert_eq!(
        lines.next(),
        Some("回执码,标题,类别,联络站,状态,承办单位,期限,超期")
    );
    let row = lines.next().expect("a row");
    assert!(row.starts_with(&a.receipt_code), "{row}");
    assert!(row.contains("区住建局") && row.contains("已交办"), "{row}");
    assert!(!text.contains(&other.receipt_code), "scoped like the page");
    // The filters hold: nothing is overdue yet.
    let (_, empty) = staff.get_bytes("/desk/lunan?format=csv&overdue=true").await;
    assert_eq!(String::from_utf8(empty).unwrap().lines().count(), 1);
    let (status, xlsx) = staff.get_bytes("/desk/lunan?format=xlsx").await;
    assert_eq!(status, 200);
    assert!(xlsx.starts_with(b"PK"), "an Excel (zip) file");
    // Another station's desk is refused as a download too.
    let (status, _) = staff.get_bytes("/desk/lubei?format=csv").await;
    assert_eq!(status, 403);
}

both_backends!(the_org_desk_downloads_as_csv);

async fn the_org_desk_downloads_as_csv(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let a = app.submit_at("lunan").await;
    app.act(Some(&ops), a.id, "register", json!({}))
        .await
        .expect(200);
    app.act(Some(&ops), a.id, "assign", json!({ "lead": "housing" }))
        .await
        .expect(200);
    let handler = demo(&app, "handler").await;
    let (status, csv) = handler.get_bytes("/org?format=csv").await;
    assert_eq!(status, 200);
    let text = String::from_utf8(csv).unwrap();
    assert!(
        text.contains("回执码,标题,联络站,本单位,状态,期限,超期"),
        "{text}"
    );
    assert!(
        text.contains(&a.receipt_code) && text.contains("主办"),
        "{text}"
    );
    let (status, xlsx) = handler.get_bytes("/org?format=xlsx").await;
    assert_eq!(status, 200);
    assert!(xlsx.starts_with(b"PK"));
    let staff = demo(&app, "staff").await;
    assert_eq!(staff.get_bytes("/org?format=csv").await.0, 403);
}
