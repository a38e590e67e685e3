//! The pages people work cases on, over the real server on both backends: the case page's scope,
//! every action form (its happy path, its refusal shown again beside the field with what was
//! typed, a stale step's 409, a missing CSRF token), the logged reveal of the contact, escaping
//! of hostile text, and the station inbox's filters and overdue board.

use serde_json::json;

use crate::support::{
    Backend, REPORTER_NAME, REPORTER_PHONE, REPORTER_PHONE_MASKED, TEST_PASSWORD, case_body,
    spawn_app,
};
use crate::web_client::{Browser, Page, demo, signed_in};

both_backends!(
    case_pages_keep_to_the_api_scope,
    staff_and_handler_move_a_case_with_the_forms,
    the_contact_is_shown_only_after_a_logged_reveal,
    hostile_text_is_escaped_on_the_case_page,
    the_inbox_filters_and_the_overdue_board,
    the_organisation_desk_lists_what_it_handles,
);

/// Posts an action form of the case page with the page's token.
async fn act(web: &Browser, id: i64, action: &str, fields: &[(&str, &str)]) -> Page {
    let csrf = web.cookie("liaison_csrf").expect("a CSRF cookie");
    let mut all = vec![("_csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    web.post(&format!("/cases/{id}/act/{action}"), &all).await
}

async fn case_pages_keep_to_the_api_scope(b: Backend) {
    let app = spawn_app(b).await;
    let lunan = app.submit_at("lunan").await.id;
    let jinqing = app.submit_at("jinqing").await.id;

    // Not signed in: off to sign in, and back.
    let anon = Browser::new(&app);
    let p = anon.get(&format!("/cases/{lunan}")).await.expect(303);
    assert_eq!(p.location(), format!("/login?next=/cases/{lunan}"));

    let staff = demo(&app, "staff").await;
    staff.get(&format!("/cases/{lunan}")).await.expect(200);
    // Another station's case, and a case that does not exist: the same 403 page.
    for id in [jinqing, 999_999] {
        let p = staff.get(&format!("/cases/{id}")).await.expect(403);
        p.assert_html();
        p.assert_contains("无权查看");
        p.assert_lacks("路灯不亮");
    }
    // Nor can its forms be used.
    act(&staff, jinqing, "register", &[]).await.expect(403);
    assert_eq!(app.event_rows(jinqing).await.len(), 1);

    // Handlers see what their organisation handles, lead or co-handler, and nothing else.
    let ops = app.login_demo("ops").await;
    app.act(Some(&ops), jinqing, "register", json!({}))
        .await
        .expect(200);
    app.act(
        Some(&ops),
        jinqing,
        "assign",
        json!({ "lead": "agri", "co_handlers": ["housing"] }),
    )
    .await
    .expect(200);
    app.act(Some(&ops), lunan, "register", json!({}))
        .await
        .expect(200);
    app.act(Some(&ops), lunan, "assign", json!({ "lead": "transport" }))
        .await
        .expect(200);
    let handler = demo(&app, "handler").await; // 区住建局 (housing)
    let co = handler.get(&format!("/cases/{jinqing}")).await.expect(200);
    // A co-handler reads; only the lead acts.
    co.assert_lacks("/act/acknowledge");
    co.assert_contains("目前没有您可以办理的操作。");
    handler
        .get(&format!("/cases/{lunan}"))
        .await
        .expect(403)
        .assert_contains("无权查看");
    act(&handler, lunan, "acknowledge", &[]).await.expect(403);
    // The lead organisation's handler sees the sign-for form.
    app.add_user("agri-handler", "handler", None, Some("agri"), None)
        .await;
    let agri = signed_in(&app, "agri-handler", TEST_PASSWORD).await;
    let lead = agri.get(&format!("/cases/{jinqing}")).await.expect(200);
    lead.assert_contains(&format!("action=\"/cases/{jinqing}/act/acknowledge\""));
    lead.assert_contains(&format!("action=\"/cases/{jinqing}/act/return\""));
    // A handler may not reveal the contact.
    lead.assert_lacks("reveal-form");
}

async fn staff_and_handler_move_a_case_with_the_forms(b: Backend) {
    let app = spawn_app(b).await;
    let id = app.submit_at("lunan").await.id;
    let staff = demo(&app, "staff").await;

    // From the inbox to the case.
    let desk = staff.get("/desk/lunan").await.expect(200);
    desk.assert_contains(&format!("href=\"/cases/{id}\""));
    let page = staff.get(&format!("/cases/{id}")).await.expect(200);
    page.assert_contains("路灯不亮");
    page.assert_contains(&format!("action=\"/cases/{id}/act/register\""));
    page.assert_contains(&format!("action=\"/cases/{id}/act/reject\""));
    page.assert_lacks("/act/assign\"");

    // Reject with no reason: the error beside the field, nothing done.
    let p = act(&staff, id, "reject", &[("reason", "  ")])
        .await
        .expect(422);
    p.assert_contains("id=\"err-reject-reason\"");
    p.assert_contains("请填写这一项。");
    assert_eq!(app.case_row(id).await.status.as_str(), "submitted");

    // Register, with a note.
    let r = act(&staff, id, "register", &[("note", "已电话核实")])
        .await
        .expect(303);
    assert_eq!(r.location(), format!("/cases/{id}"));
    let page = staff.get(&format!("/cases/{id}")).await.expect(200);
    page.assert_contains("已登记受理。");
    page.assert_contains("已电话核实");
    page.assert_contains(&format!("action=\"/cases/{id}/act/assign\""));

    // Assign without a lead: told beside the select, the note and co-handlers kept.
    let p = act(
        &staff,
        id,
        "assign",
        &[
            ("lead", ""),
            ("co_handlers", "agri"),
            ("reply_days", ""),
            ("note", "请加快办理"),
        ],
    )
    .await
    .expect(422);
    p.assert_contains("id=\"err-assign-lead\"");
    p.assert_contains("请选择一个承办单位。");
    p.assert_contains(">请加快办理</textarea>");
    p.assert_contains("<option value=\"agri\" selected>");
    // The lead as a co-handler too.
    let p = act(
        &staff,
        id,
        "assign",
        &[("lead", "housing"), ("co_handlers", "housing")],
    )
    .await
    .expect(422);
    p.assert_contains("主办单位不能同时是协办单位。");
    // Reply days out of range, in words.
    let p = act(
        &staff,
        id,
        "assign",
        &[("lead", "housing"), ("reply_days", "999")],
    )
    .await
    .expect(422);
    p.assert_contains("id=\"err-assign-reply_days\"");
    p.assert_contains("value=\"999\"");
    assert_eq!(app.case_row(id).await.status.as_str(), "registered");

    act(
        &staff,
        id,
        "assign",
        &[
            ("lead", "housing"),
            ("co_handlers", "agri"),
            ("note", "请加快办理"),
        ],
    )
    .await
    .expect(303);
    let page = staff.get(&format!("/cases/{id}")).await.expect(200);
    page.assert_contains("已交办。");
    page.assert_contains("区住建局");
    page.assert_contains("区农业农村局");
    page.assert_contains("签收期限");
    page.assert_contains("答复期限");
    page.assert_contains(&format!("action=\"/cases/{id}/act/remind\""));

    // A stale form: registering again is no longer possible.
    let p = act(&staff, id, "register", &[]).await.expect(409);
    p.assert_contains("办理状态刚刚发生了变化，请刷新后再试。");

    // A form without its token: refused as a page, the note kept, nothing recorded.
    let events = app.event_rows(id).await.len();
    let p = staff
        .post(
            &format!("/cases/{id}/act/remind"),
            &[("_csrf", &"0".repeat(64)), ("note", "催一下")],
        )
        .await
        .expect(403);
    p.assert_contains("页面已过期或来自其他网站");
    p.assert_contains(">催一下</textarea>");
    assert_eq!(app.event_rows(id).await.len(), events);
    act(&staff, id, "remind", &[("note", "催一下")])
        .await
        .expect(303);
    let page = staff.get(&format!("/cases/{id}")).await.expect(200);
    page.assert_contains("已催办。");
    page.assert_contains("催一下");
    page.assert_contains("内部");
    assert_eq!(app.case_row(id).await.supervision_level, 1);

    // The lead organisation's handler signs for it, asks for time, answers.
    let handler = demo(&app, "handler").await;
    let page = handler.get(&format!("/cases/{id}")).await.expect(200);
    page.assert_contains(&format!("action=\"/cases/{id}/act/acknowledge\""));
    page.assert_lacks("/act/remind\"");
    act(&handler, id, "acknowledge", &[("note", "")])
        .await
        .expect(303);
    let p = act(
        &handler,
        id,
        "extend",
        &[("reason", "需要现场勘查"), ("days", "abc")],
    )
    .await
    .expect(422);
    p.assert_contains("id=\"err-extend-days\"");
    p.assert_contains("请填写数字。");
    p.assert_contains(">需要现场勘查</textarea>");
    act(
        &handler,
        id,
        "extend",
        &[("reason", "需要现场勘查"), ("days", "3")],
    )
    .await
    .expect(303);
    let page = staff.get(&format!("/cases/{id}")).await.expect(200);
    page.assert_contains("待批延期");
    page.assert_contains(&format!("action=\"/cases/{id}/act/grant_extension\""));
    let p = act(&staff, id, "grant_extension", &[("note", "可以")])
        .await
        .expect(422);
    p.assert_contains("id=\"err-grant_extension-approve\"");
    act(
        &staff,
        id,
        "grant_extension",
        &[("approve", "true"), ("days", "2")],
    )
    .await
    .expect(303);
    assert_eq!(app.case_row(id).await.extension_count, 1);

    let p = act(&handler, id, "reply", &[("answer", "好")])
        .await
        .expect(422);
    p.assert_contains("至少要 2 个字。");
    p.assert_contains(">好</textarea>");
    act(&handler, id, "reply", &[("answer", "路灯已于本周修复。")])
        .await
        .expect(303);
    assert_eq!(app.case_row(id).await.status.as_str(), "replied");

    // Staff report back to the resident.
    act(&staff, id, "feedback", &[("note", "已电话告知群众")])
        .await
        .expect(303);
    let page = staff.get(&format!("/cases/{id}")).await.expect(200);
    page.assert_contains("反馈已记录。");
    page.assert_contains("路灯已于本周修复。");
    assert_eq!(app.case_row(id).await.status.as_str(), "feedback_given");
}

async fn the_contact_is_shown_only_after_a_logged_reveal(b: Backend) {
    let app = spawn_app(b).await;
    let id = app.submit_at("lunan").await.id;
    let staff = demo(&app, "staff").await;
    let page = staff.get(&format!("/cases/{id}")).await.expect(200);
    page.assert_contains(REPORTER_PHONE_MASKED);
    page.assert_lacks(REPORTER_PHONE);
    page.assert_lacks(REPORTER_NAME);
    let csrf = staff.cookie("liaison_csrf").unwrap();

    // No reason: nothing shown, nothing logged.
    let p = staff
        .post(
            &format!("/cases/{id}/contact"),
            &[("_csrf", csrf.as_str()), ("reason", "")],
        )
        .await
        .expect(422);
    p.assert_contains("id=\"err-reveal-reason\"");
    p.assert_lacks(REPORTER_PHONE);
    // No token: refused, nothing shown.
    let p = staff
        .post(
            &format!("/cases/{id}/contact"),
            &[("_csrf", &"0".repeat(64)), ("reason", "电话核实情况")],
        )
        .await
        .expect(403);
    p.assert_lacks(REPORTER_PHONE);
    p.assert_contains("value=\"电话核实情况\"");
    assert!(
        !app.event_rows(id)
            .await
            .iter()
            .any(|e| e.action == "reveal_contact")
    );

    let p = staff
        .post(
            &format!("/cases/{id}/contact"),
            &[("_csrf", csrf.as_str()), ("reason", "电话核实情况")],
        )
        .await
        .expect(200);
    p.assert_contains(REPORTER_PHONE);
    p.assert_contains(REPORTER_NAME);
    p.assert_contains("本次查看已连同理由记入办理记录。");
    let logged: Vec<_> = app
        .event_rows(id)
        .await
        .into_iter()
        .filter(|e| e.action == "reveal_contact")
        .collect();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].note.as_deref(), Some("电话核实情况"));
    assert!(!logged[0].public);
    // The next visit is masked again; the history tells who looked.
    let page = staff.get(&format!("/cases/{id}")).await.expect(200);
    page.assert_lacks(REPORTER_PHONE);
    page.assert_contains("查看联系方式");
    // The resident's tracking page does not.
    let code = app.case_row(id).await.receipt_code;
    Browser::new(&app)
        .get(&format!("/t/{code}"))
        .await
        .expect(200)
        .assert_lacks("电话核实情况");
}

async fn hostile_text_is_escaped_on_the_case_page(b: Backend) {
    let app = spawn_app(b).await;
    let mut body = case_body("lunan");
    body["title"] = json!("<img src=x onerror=alert(1)>");
    body["description"] = json!("<script>alert('desc')</script> 路灯坏了很久");
    let id = app.submit(&body).await.expect(201).body["id"]
        .as_i64()
        .expect("an id");
    let staff = demo(&app, "staff").await;
    act(
        &staff,
        id,
        "register",
        &[("note", "<b onclick=x()>备注</b>")],
    )
    .await
    .expect(303);
    let page = staff.get(&format!("/cases/{id}")).await.expect(200);
    page.assert_lacks("<script>alert");
    page.assert_lacks("<img src=x");
    page.assert_lacks("<b onclick");
    page.assert_contains("&lt;script&gt;alert(&#39;desc&#39;)&lt;/script&gt;");
    page.assert_contains("&lt;img src=x onerror=alert(1)&gt;");
    page.assert_contains("&lt;b onclick=x()&gt;备注&lt;/b&gt;");
    let desk = staff.get("/desk/lunan").await.expect(200);
    desk.assert_lacks("<img src=x");
    // A refused form shows what was typed, escaped.
    let p = act(
        &staff,
        id,
        "assign",
        &[("lead", ""), ("note", "</textarea><script>x()</script>")],
    )
    .await
    .expect(422);
    p.assert_lacks("<script>x()");
    p.assert_contains("&lt;/textarea&gt;&lt;script&gt;x()&lt;/script&gt;");
}

async fn the_inbox_filters_and_the_overdue_board(b: Backend) {
    let app = spawn_app(b).await;
    let a = app.submit_at("lunan").await.id;
    let mut body = case_body("lunan");
    body["title"] = json!("噪音扰民");
    body["description"] = json!("夜间施工噪音很大，影响休息。");
    app.submit(&body).await.expect(201);
    let ops = app.login_demo("ops").await;
    app.act(Some(&ops), a, "register", json!({}))
        .await
        .expect(200);
    app.act(Some(&ops), a, "assign", json!({ "lead": "housing" }))
        .await
        .expect(200);
    let staff = demo(&app, "staff").await;

    let all = staff.get("/desk/lunan").await.expect(200);
    all.assert_contains("路灯不亮");
    all.assert_contains("噪音扰民");
    let p = staff.get("/desk/lunan?status=assigned").await.expect(200);
    p.assert_contains("路灯不亮");
    p.assert_lacks(">噪音扰民<");
    p.assert_contains("<option value=\"assigned\" selected>");
    let p = staff
        .get("/desk/lunan?organisation=housing")
        .await
        .expect(200);
    p.assert_contains("路灯不亮");
    p.assert_lacks(">噪音扰民<");
    let p = staff
        .get("/desk/lunan?text=%E5%99%AA%E9%9F%B3")
        .await
        .expect(200);
    p.assert_contains(">噪音扰民<");
    p.assert_lacks(">路灯不亮<");
    p.assert_contains("value=\"噪音\"");
    let p = staff
        .get("/desk/lunan?category=urban_construction&supervision=1&status=&overdue=")
        .await
        .expect(200);
    p.assert_contains("没有符合条件的案件。");
    // Nothing is overdue yet; then the sign-for deadline passes.
    let board = staff.get("/desk/lunan?overdue=true").await.expect(200);
    board.assert_contains("超期案件");
    board.assert_lacks(">路灯不亮<");
    app.clock.advance(chrono::Duration::days(10));
    // Sessions run out meanwhile.
    let staff = demo(&app, "staff").await;
    let board = staff.get("/desk/lunan?overdue=true").await.expect(200);
    board.assert_contains(">路灯不亮<");
    board.assert_contains("已超期");
    board.assert_lacks(">噪音扰民<");
    let page = staff.get(&format!("/cases/{a}")).await.expect(200);
    page.assert_contains("已超期");
    // Filters that mean nothing are told beside the field.
    let p = staff.get("/desk/lunan?status=nonsense").await.expect(422);
    p.assert_contains("id=\"err-status\"");
    let p = staff
        .get("/desk/lunan?organisation=nowhere")
        .await
        .expect(422);
    p.assert_contains("id=\"err-organisation\"");
}

async fn the_organisation_desk_lists_what_it_handles(b: Backend) {
    let app = spawn_app(b).await;
    let led = app.submit_at("lunan").await.id;
    let co = app.submit_at("jinqing").await.id;
    let other = app.submit_at("pengjie").await.id;
    let ops = app.login_demo("ops").await;
    for (id, body) in [
        (led, json!({ "lead": "housing" })),
        (co, json!({ "lead": "agri", "co_handlers": ["housing"] })),
        (other, json!({ "lead": "transport" })),
    ] {
        app.act(Some(&ops), id, "register", json!({}))
            .await
            .expect(200);
        app.act(Some(&ops), id, "assign", body).await.expect(200);
    }
    let handler = demo(&app, "handler").await;
    let p = handler.get("/org").await.expect(200);
    p.assert_contains("区住建局 · 承办案件");
    p.assert_contains("href=\"/org\" aria-current=\"page\"");
    p.assert_lacks("href=\"/desk/");
    p.assert_contains(&format!("href=\"/cases/{led}\""));
    p.assert_contains(&format!("href=\"/cases/{co}\""));
    p.assert_lacks(&format!("href=\"/cases/{other}\""));
    p.assert_contains("主办");
    p.assert_contains("协办");
    // The sign-for deadline is one working day away: due soon.
    p.assert_contains("即将到期");
    // Not a handler: not this page, nor its link.
    let staff = demo(&app, "staff").await;
    staff.get("/org").await.expect(403);
    staff
        .get("/desk/lunan")
        .await
        .expect(200)
        .assert_lacks("href=\"/org\"");
}
