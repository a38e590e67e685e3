//! The pages over the real server, on both backends: what residents see and send (station and
//! deputy pages, intake with its mistakes and double submits, receipt, tracking and rating),
//! CSRF, language, sign-in and scope, QR codes and posters, and the station's brand services.

use reqwest::Method;
use serde_json::json;

use crate::support::{
    Backend, Package, REPORTER_NAME, REPORTER_PHONE, TestApp, spawn_app, spawn_app_with,
    spawn_plugin_app,
};
use crate::web_client::{Browser, Page};

both_backends!(
    station_page_is_chinese_with_english_one_click_away,
    a_station_form_makes_one_case_however_often_it_is_sent,
    a_form_with_a_mistake_comes_back_with_what_was_typed,
    forms_without_the_csrf_token_are_refused_with_a_page,
    what_residents_typed_is_escaped_everywhere,
    a_deputy_page_addresses_the_form_to_the_deputy,
    tracking_shows_progress_and_takes_the_rating,
    sign_in_gives_a_session_cookie_and_pages_keep_to_scope,
    qr_codes_and_posters_point_at_the_public_address,
    brand_services_render_and_run_on_the_station_page,
    refusals_of_the_server_itself_are_pages_too,
);

const DESCRIPTION: &str = "石曲村一带路灯坏了半个多月，晚上出行很不方便。";

/// The fields of the intake form as a resident fills them, with the page's hidden ones.
fn intake_fields(page: &Page) -> Vec<(&'static str, String)> {
    vec![
        ("_csrf", page.input_value("_csrf")),
        ("client_key", page.input_value("client_key")),
        ("category", "urban_construction".into()),
        ("description", DESCRIPTION.into()),
        ("address", "石曲村口".into()),
        ("lat", String::new()),
        ("lng", String::new()),
        ("name", REPORTER_NAME.into()),
        ("phone", REPORTER_PHONE.into()),
    ]
}

fn as_refs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn set(fields: &mut [(&'static str, String)], name: &str, value: &str) {
    let f = fields
        .iter_mut()
        .find(|(k, _)| *k == name)
        .unwrap_or_else(|| panic!("no field {name}"));
    f.1 = value.to_owned();
}

/// `/r/XXXX-XXXX` → `XXXX-XXXX`.
#[track_caller]
fn receipt_of(page: &Page) -> String {
    page.location()
        .strip_prefix("/r/")
        .unwrap_or_else(|| panic!("a redirect to the receipt, not {}", page.location()))
        .to_owned()
}

async fn station_page_is_chinese_with_english_one_click_away(b: Backend) {
    let app = spawn_app(b).await;
    let staff = app.login_demo("staff").await;
    let today = app.today();
    app.post(
        "/stations/lunan/duty",
        Some(&staff),
        &json!({ "deputy": "lunan-d01", "day": today, "half": "am" }),
    )
    .await
    .expect(201);
    let on_duty = liaison_domain::deputies::by_code(&app.db, "lunan-d01")
        .await
        .unwrap()
        .name;

    let web = Browser::new(&app);
    let p = web.get("/s/lunan").await.expect(200);
    p.assert_html();
    p.assert_contains("<html lang=\"zh-CN\">");
    p.assert_contains("<h1>路南街道人大代表联络站</h1>");
    p.assert_contains("今日值班代表");
    p.assert_contains(&format!("<a href=\"/d/lunan-d01\">{on_duty}</a>"));
    p.assert_contains("<option value=\"urban_construction\">城市建设</option>");
    p.assert_contains("accept=\"image/jpeg,image/png\" multiple");
    p.assert_contains("enctype=\"multipart/form-data\"");
    p.assert_contains("class=\"skip-link\" href=\"#main\"");
    p.assert_contains("href=\"/s/lunan?lang=en\"");
    // Nothing of the English catalogue on a Chinese page.
    for english in [
        "Raise an opinion",
        "Category",
        "Send",
        "Deputies on duty",
        "Staff sign-in",
    ] {
        p.assert_lacks(english);
    }
    // Every form field has its label.
    for id in [
        "f-category",
        "f-description",
        "f-address",
        "f-photos",
        "f-name",
        "f-phone",
        "f-anonymous",
    ] {
        p.assert_contains(&format!("for=\"{id}\""));
        p.assert_contains(&format!("id=\"{id}\""));
    }
    // The CSRF token is in the form and in a strict, script-proof cookie.
    let csrf = p.set_cookie("liaison_csrf").expect("a CSRF cookie");
    assert!(
        csrf.contains("HttpOnly") && csrf.contains("SameSite=Strict") && csrf.contains("Path=/"),
        "{csrf}"
    );
    assert_eq!(web.cookie("liaison_csrf").unwrap(), p.input_value("_csrf"));
    let csp = p.header("content-security-policy").expect("a CSP");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert_eq!(p.header("cache-control"), Some("no-store"));

    // English, one click away, and kept.
    let p = web.get("/s/lunan?lang=en").await.expect(200);
    p.assert_contains("<html lang=\"en\">");
    p.assert_contains("<h1>Lunan Subdistrict Station</h1>");
    p.assert_contains("Raise an opinion");
    p.assert_contains(">Urban construction</option>");
    assert!(
        p.set_cookie("liaison_lang")
            .is_some_and(|c| c.starts_with("liaison_lang=en"))
    );
    let p = web.get("/").await.expect(200);
    p.assert_contains("<html lang=\"en\">");
    p.assert_contains("href=\"/s/lunan\"");
    let p = web.get("/s/lunan?lang=zh").await.expect(200);
    p.assert_contains("<html lang=\"zh-CN\">");

    // The assets the layout loads.
    let css = app
        .client
        .get(format!("{}/assets/site.css", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(css.text().await.unwrap().contains("@media print"));

    // A station that does not exist is a page, not JSON.
    let p = web.get("/s/nowhere").await.expect(404);
    p.assert_html();
    p.assert_contains("页面不存在");
}

async fn a_station_form_makes_one_case_however_often_it_is_sent(b: Backend) {
    let app = spawn_app(b).await;
    let web = Browser::new(&app);
    let form = web.get("/s/lunan").await.expect(200);
    let fields = intake_fields(&form);
    let first = web.post("/s/lunan", &as_refs(&fields)).await.expect(303);
    let code = receipt_of(&first);
    // A double click, or the form sent again after a lost answer: the same case.
    let again = web.post("/s/lunan", &as_refs(&fields)).await.expect(303);
    assert_eq!(receipt_of(&again), code);
    assert_eq!(app.case_count().await, 1);

    let case = liaison_domain::cases::queries::by_receipt(&app.db, &code)
        .await
        .unwrap();
    assert_eq!(case.receipt_code, code);
    assert_eq!(case.channel.as_str(), "station_qr");
    assert!(case.description.starts_with(DESCRIPTION));
    // An address without coordinates travels in the description.
    assert!(
        case.description.ends_with("地点：石曲村口"),
        "{}",
        case.description
    );
    assert_eq!(app.contact_count().await, 1);

    let r = web.get(&format!("/r/{code}")).await.expect(200);
    assert_eq!(r.text_of("receipt-code").as_deref(), Some(code.as_str()));
    r.assert_contains("data-copy=\"#receipt-code\"");
    r.assert_contains(&format!("href=\"/t/{code}\""));

    // With coordinates (the "use my location" button), the address is the case's own.
    let form = web.get("/s/lunan").await.expect(200);
    let mut fields = intake_fields(&form);
    set(&mut fields, "lat", "28.58");
    set(&mut fields, "lng", "121.37");
    let second = receipt_of(&web.post("/s/lunan", &as_refs(&fields)).await.expect(303));
    assert_ne!(second, code, "a new form makes a new case");
    let c2 = liaison_domain::cases::queries::by_receipt(&app.db, &second)
        .await
        .unwrap();
    assert_eq!(c2.address.as_deref(), Some("石曲村口"));
    assert_eq!(c2.lat, Some(28.58));
    assert_eq!(c2.description, DESCRIPTION);

    // Anonymous, without contact: no contact kept.
    let form = web.get("/s/lunan").await.expect(200);
    let mut fields = intake_fields(&form);
    set(&mut fields, "name", "");
    set(&mut fields, "phone", "");
    fields.push(("anonymous", "true".into()));
    web.post("/s/lunan", &as_refs(&fields)).await.expect(303);
    assert_eq!(app.case_count().await, 3);
    assert_eq!(app.contact_count().await, 2);

    // A receipt that does not exist.
    web.get("/r/2222-2222").await.expect(404);
}

async fn a_form_with_a_mistake_comes_back_with_what_was_typed(b: Backend) {
    let app = spawn_app(b).await;
    let web = Browser::new(&app);
    let form = web.get("/s/lunan").await.expect(200);
    let key = form.input_value("client_key");
    let mut fields = intake_fields(&form);
    set(&mut fields, "description", "坏了");
    let p = web.post("/s/lunan", &as_refs(&fields)).await.expect(422);
    p.assert_html();
    assert_eq!(
        p.text_of("err-description").as_deref(),
        Some("至少要 5 个字。")
    );
    p.assert_contains(
        "aria-describedby=\"hint-description err-description\" aria-invalid=\"true\"",
    );
    p.assert_contains("id=\"error-summary\"");
    p.assert_contains(">坏了</textarea>");
    p.assert_contains(&format!("value=\"{REPORTER_NAME}\""));
    p.assert_contains(&format!("value=\"{REPORTER_PHONE}\""));
    p.assert_contains("value=\"石曲村口\"");
    p.assert_contains("<option value=\"urban_construction\" selected>");
    assert_eq!(
        p.input_value("client_key"),
        key,
        "the same form, the same key"
    );
    assert_eq!(app.case_count().await, 0);

    // Too long: the catalogue's words for the kind, with its limit, in Chinese and in English.
    let long = "长".repeat(liaison_domain::cases::intake::MAX_DESCRIPTION + 1);
    set(&mut fields, "description", &long);
    let max = liaison_domain::cases::intake::MAX_DESCRIPTION;
    let p = web
        .post("/s/lunan?lang=zh", &as_refs(&fields))
        .await
        .expect(422);
    assert_eq!(
        p.text_of("err-description"),
        Some(format!("最多 {max} 个字。"))
    );
    let p = web
        .post("/s/lunan?lang=en", &as_refs(&fields))
        .await
        .expect(422);
    assert_eq!(
        p.text_of("err-description"),
        Some(format!("At most {max} characters."))
    );

    // A phone that is not one, in English.
    set(&mut fields, "description", DESCRIPTION);
    set(&mut fields, "phone", "12ab");
    let p = web
        .post("/s/lunan?lang=en", &as_refs(&fields))
        .await
        .expect(422);
    assert_eq!(
        p.text_of("err-phone").as_deref(),
        Some("Please give a phone number of 7 to 15 digits.")
    );

    // No category; then anonymous with a contact.
    set(&mut fields, "phone", REPORTER_PHONE);
    set(&mut fields, "category", "");
    let p = web
        .post("/s/lunan?lang=zh", &as_refs(&fields))
        .await
        .expect(422);
    assert_eq!(p.text_of("err-category").as_deref(), Some("请选择类别。"));
    set(&mut fields, "category", "ecology");
    fields.push(("anonymous", "true".into()));
    let p = web.post("/s/lunan", &as_refs(&fields)).await.expect(422);
    assert!(p.text_of("err-contact").unwrap().contains("匿名"));
    p.assert_contains("name=\"anonymous\" value=\"true\" checked");
    p.assert_contains("<option value=\"ecology\" selected>");
    assert_eq!(app.case_count().await, 0);

    // Corrected, the same form goes through once.
    fields.retain(|(k, _)| *k != "anonymous");
    let ok = web.post("/s/lunan", &as_refs(&fields)).await.expect(303);
    let again = web.post("/s/lunan", &as_refs(&fields)).await.expect(303);
    assert_eq!(ok.location(), again.location());
    assert_eq!(app.case_count().await, 1);
}

async fn forms_without_the_csrf_token_are_refused_with_a_page(b: Backend) {
    let app = spawn_app(b).await;
    let web = Browser::new(&app);
    let form = web.get("/s/lunan").await.expect(200);
    let mut fields = intake_fields(&form);

    // Another site's form: the browser sends no strict cookie.
    let stranger = Browser::new(&app);
    let p = stranger
        .post("/s/lunan", &as_refs(&fields))
        .await
        .expect(403);
    p.assert_html();
    p.assert_contains("页面已过期或来自其他网站");
    p.assert_contains(&format!(">{DESCRIPTION}</textarea>"));
    // The page carries a fresh token in its cookie and its form: sending again works.
    assert_eq!(
        stranger.cookie("liaison_csrf").unwrap(),
        p.input_value("_csrf")
    );
    let mut retry = fields.clone();
    set(&mut retry, "_csrf", &p.input_value("_csrf"));
    stranger
        .post("/s/lunan", &as_refs(&retry))
        .await
        .expect(303);
    assert_eq!(app.case_count().await, 1);

    // A token that does not match the cookie.
    set(&mut fields, "_csrf", &"0".repeat(64));
    set(&mut fields, "client_key", "another-form-key-1");
    web.post("/s/lunan", &as_refs(&fields)).await.expect(403);
    // No token at all, on the rating and sign-in forms and sign-out.
    web.post(
        "/login",
        &[("username", "staff"), ("password", "staff-demo-2026")],
    )
    .await
    .expect(403)
    .assert_contains("页面已过期");
    let out = web.post("/logout", &[]).await.expect(403);
    out.assert_html();
    out.assert_contains("页面已过期");
    assert_eq!(app.case_count().await, 1);
}

async fn what_residents_typed_is_escaped_everywhere(b: Backend) {
    let app = spawn_app(b).await;
    let web = Browser::new(&app);
    let form = web.get("/s/lunan").await.expect(200);
    let mut fields = intake_fields(&form);
    let evil = "<script>alert('x')</script>\"><img src=x onerror=alert(1)> 路灯坏了很久";
    set(&mut fields, "description", evil);
    set(&mut fields, "name", "<b>王</b>");
    // Re-rendered with a mistake: escaped in the form.
    set(&mut fields, "phone", "x");
    let p = web.post("/s/lunan", &as_refs(&fields)).await.expect(422);
    p.assert_lacks("<script>alert");
    p.assert_lacks("<img src=x");
    p.assert_contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&gt;&lt;img");
    p.assert_contains("value=\"&lt;b&gt;王&lt;/b&gt;\"");
    // Stored and tracked: escaped on the tracking page.
    set(&mut fields, "phone", REPORTER_PHONE);
    let code = receipt_of(&web.post("/s/lunan", &as_refs(&fields)).await.expect(303));
    let t = web.get(&format!("/t/{code}")).await.expect(200);
    t.assert_lacks("<script>alert");
    t.assert_lacks("<img src=x");
    t.assert_contains("&lt;script&gt;");
    // The contact never shows on the public page.
    t.assert_lacks(REPORTER_PHONE);
    t.assert_lacks("王&lt;/b&gt;");
}

async fn a_deputy_page_addresses_the_form_to_the_deputy(b: Backend) {
    let app = spawn_app(b).await;
    let d = liaison_domain::deputies::by_code(&app.db, "lunan-d02")
        .await
        .unwrap();
    let web = Browser::new(&app);
    let p = web.get("/d/lunan-d02").await.expect(200);
    p.assert_contains(&format!("{} 代表", d.name));
    p.assert_contains("href=\"/s/lunan\"");
    p.assert_contains("action=\"/d/lunan-d02\"");
    p.assert_contains(&format!("提交给{}代表", d.name));
    let fields = intake_fields(&p);
    let code = receipt_of(
        &web.post("/d/lunan-d02", &as_refs(&fields))
            .await
            .expect(303),
    );
    assert_eq!(app.case_count().await, 1);
    let c = liaison_domain::cases::queries::by_receipt(&app.db, &code)
        .await
        .unwrap();
    assert_eq!(c.receipt_code, code);
    assert_eq!(c.deputy_id, Some(d.id));
    assert_eq!(c.channel.as_str(), "deputy_qr");
    web.get("/d/nobody-d99").await.expect(404).assert_html();
}

/// Walks a case to "feedback given" through the API as the demo station staff.
async fn to_feedback_given(app: &TestApp, id: i64, answer: &str) {
    let staff = app.login_demo("staff").await;
    app.act(Some(&staff), id, "register", json!({}))
        .await
        .expect(200);
    app.act(Some(&staff), id, "resolve", json!({ "answer": answer }))
        .await
        .expect(200);
    app.act(
        Some(&staff),
        id,
        "feedback",
        json!({ "note": "已电话告知" }),
    )
    .await
    .expect(200);
}

async fn tracking_shows_progress_and_takes_the_rating(b: Backend) {
    let app = spawn_app(b).await;
    let web = Browser::new(&app);
    let s = app.submit_default().await;
    let p = web.get(&format!("/t/{}", s.receipt_code)).await.expect(200);
    assert_eq!(p.text_of("status-h").as_deref(), Some("已提交"));
    p.assert_contains("您的意见已经提交");
    p.assert_contains("<span class=\"step\">提交意见</span>");
    p.assert_lacks("id=\"rate-form\"");
    p.assert_lacks(REPORTER_PHONE);
    // Typed as people type it.
    let lower = s.receipt_code.to_lowercase().replace('-', " ");
    let found = web
        .get(&format!("/t?code={}", lower.replace(' ', "+")))
        .await
        .expect(303);
    assert_eq!(found.location(), format!("/t/{}", s.receipt_code));
    web.get("/t?code=nonsense")
        .await
        .expect(422)
        .assert_contains("回执码应为 8 位");
    web.get("/t")
        .await
        .expect(200)
        .assert_contains("name=\"code\"");
    web.get("/t/2222-2222").await.expect(404).assert_html();

    let answer = "路灯已于本周修复，感谢反映。";
    to_feedback_given(&app, s.id, answer).await;
    let p = web.get(&format!("/t/{}", s.receipt_code)).await.expect(200);
    assert_eq!(p.text_of("status-h").as_deref(), Some("代表已反馈"));
    p.assert_contains(answer);
    p.assert_contains("id=\"rate-form\"");
    for step in ["登记受理", "联络站直接解决", "代表反馈"] {
        p.assert_contains(&format!("<span class=\"step\">{step}</span>"));
    }
    p.assert_contains("评价截止日期");

    // No choice made: the message beside the choices, the comment kept.
    let csrf = p.input_value("_csrf");
    let path = format!("/t/{}/rate", s.receipt_code);
    let r = web
        .post(&path, &[("_csrf", csrf.as_str()), ("comment", "修得很快")])
        .await
        .expect(422);
    assert_eq!(
        r.text_of("err-rating").as_deref(),
        Some("请选择满意、基本满意或不满意。")
    );
    r.assert_contains(">修得很快</textarea>");
    let r = web
        .post(
            &path,
            &[
                ("_csrf", csrf.as_str()),
                ("rating", "satisfied"),
                ("comment", "修得很快"),
            ],
        )
        .await
        .expect(303);
    assert_eq!(r.location(), format!("/t/{}", s.receipt_code));
    let p = web.get(&format!("/t/{}", s.receipt_code)).await.expect(200);
    p.assert_contains("感谢您的评价！");
    assert_eq!(p.text_of("status-h").as_deref(), Some("已办结"));
    p.assert_contains("<dd>满意</dd>");
    p.assert_lacks("id=\"rate-form\"");
    assert_eq!(app.case_row(s.id).await.status.as_str(), "closed");
    // The flash shows once.
    web.get(&format!("/t/{}", s.receipt_code))
        .await
        .expect(200)
        .assert_lacks("感谢您的评价！");
    // Rating again is refused politely.
    let again = web
        .post(
            &path,
            &[("_csrf", csrf.as_str()), ("rating", "unsatisfied")],
        )
        .await
        .expect(303);
    let p = web.get(again.location()).await.expect(200);
    p.assert_contains("这条意见现在不能评价。");
    assert_eq!(app.case_row(s.id).await.status.as_str(), "closed");
}

async fn sign_in_gives_a_session_cookie_and_pages_keep_to_scope(b: Backend) {
    let app = spawn_app(b).await;
    app.submit_at("lunan").await;
    app.submit_at("pengjie").await;
    let web = Browser::new(&app);

    // Not signed in: the desk sends to the sign-in page and back.
    let p = web.get("/desk/lunan").await.expect(303);
    assert_eq!(p.location(), "/login?next=/desk/lunan");
    let login = web.get(p.location()).await.expect(200);
    login.assert_contains("name=\"next\" value=\"/desk/lunan\"");
    let csrf = login.input_value("_csrf");
    let wrong = web
        .post(
            "/login",
            &[
                ("_csrf", &csrf),
                ("username", "staff"),
                ("password", "nope"),
                ("next", "/desk/lunan"),
            ],
        )
        .await
        .expect(401);
    wrong.assert_contains("用户名或密码不正确。");
    wrong.assert_contains("value=\"staff\"");
    wrong.assert_lacks("nope");
    let ok = web
        .post(
            "/login",
            &[
                ("_csrf", &csrf),
                ("username", "staff"),
                ("password", "staff-demo-2026"),
                ("next", "/desk/lunan"),
            ],
        )
        .await
        .expect(303);
    assert_eq!(ok.location(), "/desk/lunan");
    let session = ok.set_cookie("liaison_session").expect("a session cookie");
    for part in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(session.contains(part), "{session} lacks {part}");
    }
    assert!(!session.contains("Secure"), "plain http here: {session}");
    let new_csrf = web.cookie("liaison_csrf").unwrap();
    assert_ne!(new_csrf, csrf, "signing in gives a new CSRF token");

    let desk = web.get("/desk/lunan").await.expect(200);
    desk.assert_contains("登录成功。");
    desk.assert_contains("路南街道人大代表联络站 · 案件");
    desk.assert_contains("路灯不亮");
    desk.assert_contains("href=\"/desk/lunan\" aria-current=\"page\"");
    desk.assert_contains("退出登录");
    // Another station's page: 403, as a page.
    let other = web.get("/desk/pengjie").await.expect(403);
    other.assert_html();
    other.assert_contains("无权查看");
    let me = web.get("/me").await.expect(200);
    me.assert_contains("路南联络站 工作人员");
    me.assert_contains("联络站工作人员");

    // Sign-out ends the session on the server.
    let token = web.cookie("liaison_session").unwrap();
    let out = web
        .post("/logout", &[("_csrf", new_csrf.as_str())])
        .await
        .expect(303);
    assert_eq!(out.location(), "/");
    assert!(web.cookie("liaison_session").is_none());
    assert!(
        liaison_domain::auth::actor_for_token(&app.db, &token, app.clock.now())
            .await
            .unwrap()
            .is_none()
    );
    web.get("/me").await.expect(303);
    // The old cookie, replayed, is worth nothing and is cleared.
    web.set_cookie("liaison_session", &token);
    let p = web.get("/desk/lunan").await.expect(303);
    assert!(
        p.set_cookie("liaison_session")
            .is_some_and(|c| c.contains("Max-Age=0"))
    );

    // A handler sees no station's desk; ops see every one.
    for (user, status) in [("handler", 403), ("ops", 200), ("viewer", 200)] {
        let web = Browser::new(&app);
        let csrf = web.get("/login").await.input_value("_csrf");
        let u = liaison::demo::DEMO_USERS
            .iter()
            .find(|u| u.username == user)
            .unwrap();
        web.post(
            "/login",
            &[
                ("_csrf", &csrf),
                ("username", u.username),
                ("password", u.password),
            ],
        )
        .await
        .expect(303);
        web.get("/desk/pengjie").await.expect(status);
    }
    // A way back to another site is not followed.
    let web = Browser::new(&app);
    let csrf = web
        .get("/login?next=//evil.example")
        .await
        .input_value("_csrf");
    let r = web
        .post(
            "/login",
            &[
                ("_csrf", &csrf),
                ("username", "ops"),
                ("password", "ops-demo-2026"),
                ("next", "//evil.example"),
            ],
        )
        .await
        .expect(303);
    // Not the foreign address: ops land on their own desk, the console.
    assert_eq!(r.location(), "/console");

    // Behind https, the cookies are Secure.
    let secure = spawn_app_with(b, |s| {
        s.server.public_base_url = "https://liaison.example".into()
    })
    .await;
    let web = Browser::new(&secure);
    let p = web.get("/login").await.expect(200);
    assert!(p.set_cookie("liaison_csrf").unwrap().contains("; Secure"));
    let csrf = p.input_value("_csrf");
    let r = web
        .post(
            "/login",
            &[
                ("_csrf", &csrf),
                ("username", "staff"),
                ("password", "staff-demo-2026"),
            ],
        )
        .await
        .expect(303);
    assert!(
        r.set_cookie("liaison_session")
            .unwrap()
            .contains("; Secure")
    );
}

/// Decodes a greyscale PNG; its side and its pixels.
fn decode_png(bytes: &[u8]) -> (usize, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    assert_eq!(info.width, info.height, "a square code");
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    buf.truncate(info.buffer_size());
    (info.width as usize, buf)
}

/// The PNG shows exactly the modules of `url`'s code, with a quiet zone of four.
fn assert_png_encodes(bytes: &[u8], url: &str) {
    let (side, pixels) = decode_png(bytes);
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::Q)
        .expect("a code");
    let modules = code.width();
    let total = modules + 8;
    assert_eq!(side % total, 0, "whole pixels per module");
    let px = side / total;
    for (i, c) in code.to_colors().iter().enumerate() {
        let (x, y) = (
            (i % modules + 4) * px + px / 2,
            (i / modules + 4) * px + px / 2,
        );
        let dark = pixels[y * side + x] < 128;
        assert_eq!(
            dark,
            *c == qrcode::Color::Dark,
            "module {i} of the code of {url}"
        );
    }
    assert!(
        pixels[..side * 4 * px].iter().all(|p| *p == 255),
        "a light quiet zone"
    );
}

async fn qr_codes_and_posters_point_at_the_public_address(b: Backend) {
    let app = spawn_app_with(b, |s| {
        s.server.public_base_url = "https://liaison.example/".into()
    })
    .await;
    let web = Browser::new(&app);
    for (path, url) in [
        ("/s/lunan", "https://liaison.example/s/lunan"),
        ("/d/lunan-d01", "https://liaison.example/d/lunan-d01"),
    ] {
        let svg = app
            .request(
                Method::GET,
                &format!("{}{path}/qr.svg", app.address),
                None,
                None,
            )
            .await
            .expect(200);
        assert_eq!(svg.content_type, "image/svg+xml");
        assert!(svg.text.starts_with("<?xml"), "{}", svg.text);
        assert!(svg.text.contains("<svg") && svg.text.trim_end().ends_with("</svg>"));
        let png = app
            .client
            .get(format!("{}{path}/qr.png", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(png.status(), 200);
        assert_eq!(png.headers()["content-type"], "image/png");
        let bytes = png.bytes().await.unwrap();
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_png_encodes(&bytes, url);

        let poster = web.get(&format!("{path}/poster")).await.expect(200);
        poster.assert_contains(&format!("src=\"{path}/qr.svg\""));
        poster.assert_contains(&format!("href=\"{path}/qr.png\" download="));
        poster.assert_contains(&format!("<p class=\"poster-url\">{url}</p>"));
        poster.assert_contains("alt=\"二维码，打开");
    }
    web.get("/d/lunan-d01/poster")
        .await
        .expect(200)
        .assert_contains("代表照片");
    web.get("/s/nowhere/qr.png").await.expect(404);
    web.get("/d/nobody-d01/poster")
        .await
        .expect(404)
        .assert_html();
}

async fn brand_services_render_and_run_on_the_station_page(b: Backend) {
    let app = spawn_plugin_app(b).await;
    let ops = app.login_demo("ops").await;
    app.install_package(&ops, &Package::hello()).await;
    app.plugin_enable(
        Some(&ops),
        "lunan",
        "hello-brand",
        &["storage", "cases.read", "cases.create", "cases.tag"],
        json!({ "greeting": "<i>欢迎</i>来到路南" }),
    )
    .await
    .expect(200);
    // At pengjie without storage: its view fails, the page does not.
    app.plugin_enable(
        Some(&ops),
        "pengjie",
        "hello-brand",
        &["cases.read"],
        json!({}),
    )
    .await
    .expect(200);

    let web = Browser::new(&app);
    let p = web.get("/s/lunan").await.expect(200);
    p.assert_contains("本站特色服务");
    p.assert_contains("<h3 id=\"brand-hello-brand-home\">你好站点</h3>");
    p.assert_contains("&lt;i&gt;欢迎&lt;/i&gt;来到路南");
    p.assert_contains("action=\"/s/lunan/brand/hello-brand/ask\"");
    let csrf = p.input_value("_csrf");

    // A mistake comes back beside its field, the other choice kept.
    let path = "/s/lunan/brand/hello-brand/ask";
    let r = web
        .post(
            path,
            &[("_csrf", &csrf), ("question", ""), ("category", "ecology")],
        )
        .await
        .expect(422);
    assert_eq!(
        r.text_of("b-hello-brand-ask-question-err").as_deref(),
        Some("请填写这一项。")
    );
    r.assert_contains("<option value=\"ecology\" selected>");
    // Without the token: refused, in the form.
    let r = web
        .post(
            path,
            &[("question", "小区门口积水严重"), ("category", "ecology")],
        )
        .await
        .expect(403);
    r.assert_contains("页面已过期");
    r.assert_contains(">小区门口积水严重</textarea>");
    assert_eq!(app.case_count().await, 0);

    // Sent: the answer comes after a redirect, so a reload shows it and sends nothing; the same
    // form sent again (back, then send) lands on the same answer and files nothing more.
    let once = p.input_value("_once");
    assert!(
        once.len() >= 16,
        "a resident's brand form carries its token"
    );
    let fields = [
        ("_csrf", csrf.as_str()),
        ("_once", once.as_str()),
        ("question", "小区门口积水严重"),
        ("category", "ecology"),
    ];
    let sent = web.post(path, &fields).await.expect(303);
    let done = sent.location().to_owned();
    assert_eq!(done, format!("/s/lunan/brand/hello-brand/done/{once}"));
    let r = web.get(&done).await.expect(200);
    r.assert_contains("已收到");
    let code = r
        .text_of("receipt-code")
        .expect("the receipt of the filed case");
    // Only the receipt code: the brand no longer names its internal number.
    let message = r.text_of("brand-message").unwrap();
    assert!(!message.chars().any(|c| c.is_ascii_digit()), "{message}");
    assert_eq!(app.case_count().await, 1);
    assert_eq!(
        web.get(&done).await.expect(200).text_of("receipt-code"),
        Some(code.clone())
    );
    let again = web.post(path, &fields).await.expect(303);
    assert_eq!(again.location(), done);
    assert_eq!(app.case_count().await, 1, "the same form filed twice");
    // Another station's page, or a made-up token, shows nothing.
    web.get(&format!("/s/jinqing/brand/hello-brand/done/{once}"))
        .await
        .expect(404);
    web.get("/s/lunan/brand/hello-brand/done/0123456789abcdef0123")
        .await
        .expect(404);
    // A fresh page gives a fresh token: a new question is a new case.
    let p2 = web.get("/s/lunan").await.expect(200);
    assert_ne!(p2.input_value("_once"), once);
    web.get(&format!("/t/{code}"))
        .await
        .expect(200)
        .assert_contains("小区门口积水严重");

    // An action the brand does not have.
    web.post("/s/lunan/brand/hello-brand/nothing", &[("_csrf", &csrf)])
        .await
        .expect(404);

    let p = web.get("/s/pengjie").await.expect(200);
    p.assert_contains("该服务暂时无法使用");
    p.assert_contains("id=\"intake\"");
    let p = web.get("/s/pengjie?lang=en").await.expect(200);
    p.assert_contains("This service is unavailable right now");
}

async fn refusals_of_the_server_itself_are_pages_too(b: Backend) {
    let app = spawn_app_with(b, |s| {
        s.server.receipt_burst = 2;
        s.server.receipt_refill_ms = 600_000;
    })
    .await;
    let web = Browser::new(&app);
    // Guessing receipt codes runs out of budget; the refusal is a page with Retry-After.
    web.get("/t/2222-2222").await.expect(404);
    web.get("/t/3333-3333").await.expect(404);
    let p = web.get("/t/4444-4444").await.expect(429);
    p.assert_html();
    p.assert_contains("操作太频繁");
    assert!(p.header("retry-after").is_some());
    // A method the page does not take, and a body past the limit.
    let r = app
        .client
        .put(format!("{}/s/lunan", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert!(r.headers().contains_key("allow"));
    assert!(r.text().await.unwrap().contains("无法这样访问"));
    let csrf = web.get("/login").await.input_value("_csrf");
    let big = "长".repeat(40_000);
    let p = web
        .post(
            "/login",
            &[("_csrf", csrf.as_str()), ("username", big.as_str())],
        )
        .await
        .expect(413);
    p.assert_html();
    p.assert_contains("内容太多");
}
