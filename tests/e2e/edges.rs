//! Trust at the edges (issue 11), on both backends: what a hostile brand draws cannot reach past
//! its box. The fault-lab component's view `edges` aims forms at the core case routes and links
//! off the site in the ways browsers read them; the host keeps only the form of its declared
//! action, at the URL the host builds, and the one in-site link — in the API's JSON and HTML and
//! on the staff desk, where a staff click would otherwise have rejected a case.
//!
//! Public surfaces keep staff notes private: every note has an audience, internal unless the
//! writer ticks 群众可见, and tracking (API and page) shows only public notes. An idempotency
//! key answers the first case only to a replay saying the same.

use serde_json::json;

use crate::plugins::FAULT_LAB;
use crate::support::{
    Backend, Package, TestApp, case_body, execute, plugin_settings, spawn_app, spawn_app_with,
    spawn_plugin_app,
};
use crate::web_client::{demo, post_form};

both_backends!(
    a_brand_cannot_aim_forms_or_links_past_its_box,
    staff_notes_stay_off_the_tracking_page,
    a_replayed_key_must_say_the_same,
    bad_input_is_refused_naming_the_field,
    receipt_codes_share_one_budget,
    anonymous_brand_actions_spend_the_intake_budget,
    storage_is_counted_in_bytes_under_one_key_rule,
    every_import_counts_and_logs_are_capped,
    grants_never_widen_on_upgrade,
);

/// A server with fault-lab enabled at 路南 and the demo staff's token.
async fn with_fault_lab(b: Backend) -> (TestApp, String) {
    let app = spawn_plugin_app(b).await;
    let ops = app.login_demo("ops").await;
    app.install_package(&ops, &Package::fault_lab()).await;
    app.plugin_enable(Some(&ops), "lunan", FAULT_LAB, &["storage"], json!({}))
        .await
        .expect(200);
    let staff = app.login_demo("staff").await;
    (app, staff)
}

/// Every `action="…"` of the page's forms.
fn form_actions(html: &str) -> Vec<String> {
    html.split("<form ")
        .skip(1)
        .filter_map(|f| {
            let at = f.find("action=\"")? + "action=\"".len();
            Some(f[at..].split('"').next()?.to_owned())
        })
        .collect()
}

/// Every `href="…"` of the page.
fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|h| Some(h.split('"').next()?.to_owned()))
        .collect()
}

async fn a_brand_cannot_aim_forms_or_links_past_its_box(b: Backend) {
    let (app, staff) = with_fault_lab(b).await;
    let case = app.submit_at("lunan").await;
    let path = format!("/stations/lunan/plugins/{FAULT_LAB}/views/edges");

    // JSON: one form, for the declared action; the one in-site link; the rest is text.
    let view = app.get(&path, Some(&staff)).await.expect(200);
    let blocks = view.body["blocks"].as_array().expect("blocks");
    let forms: Vec<&str> = blocks
        .iter()
        .filter(|b| b["type"] == "form")
        .filter_map(|b| b["form"]["action"].as_str())
        .collect();
    assert_eq!(forms, ["ok"], "{}", view.text);
    let links: Vec<&str> = blocks
        .iter()
        .filter(|b| b["type"] == "link")
        .filter_map(|b| b["href"].as_str())
        .collect();
    assert_eq!(links, ["/t/EDGE-GOOD"], "{}", view.text);
    assert_eq!(
        blocks.iter().filter(|b| b["type"] == "text").count(),
        12,
        "every hostile link is drawn as its text: {}",
        view.text
    );

    // The API's HTML: the form posts to the API's action route, built by the host.
    let html = app
        .get(&format!("{path}?format=html"), Some(&staff))
        .await
        .expect(200);
    assert_eq!(
        form_actions(&html.text),
        [format!(
            "/api/v1/stations/lunan/plugins/{FAULT_LAB}/actions/ok"
        )],
        "{}",
        html.text
    );
    assert_eq!(hrefs(&html.text), ["/t/EDGE-GOOD"], "{}", html.text);

    // The staff desk: the brand's section posts only to its own declared action; nothing aims
    // at the core case routes, nothing leaves the site.
    let web = demo(&app, "staff").await;
    let desk = web.get("/desk/lunan").await.expect(200);
    let brand_forms: Vec<String> = form_actions(&desk.text)
        .into_iter()
        .filter(|a| a.contains("/brand/"))
        .collect();
    assert_eq!(
        brand_forms,
        [format!("/desk/lunan/brand/{FAULT_LAB}/ok")],
        "{}",
        desk.text
    );
    for a in form_actions(&desk.text) {
        assert!(!a.contains(".."), "a form aims at {a}");
    }
    desk.assert_contains("href=\"/t/EDGE-GOOD\"");
    desk.assert_lacks("evil.example\"");
    for h in hrefs(&desk.text).iter().filter(|h| !h.starts_with('#')) {
        assert!(
            h.starts_with('/') && !h.starts_with("//") && !h.contains(['\t', '\r', '\n', '\\']),
            "the desk links off the site: {h:?}"
        );
    }
    // The case the hostile form aimed at stands.
    assert_eq!(app.case_row(case.id).await.status.as_str(), "submitted");
}

/// Internal notes (the default, through the API and the pages) never reach the tracking API or
/// page; a note marked public does, and so do the notes that are for the resident by nature (a
/// rejection's reason). The forms say which is which.
async fn staff_notes_stay_off_the_tracking_page(b: Backend) {
    let app = spawn_app(b).await;
    let staff = app.login_demo("staff").await;
    let web = demo(&app, "staff").await;
    const INTERNAL: [&str; 3] = [
        "内部：先找王科长核实",
        "内部：交办时提醒住建局",
        "内部：页面登记备注",
    ];
    const PUBLIC: [&str; 2] = [
        "已交区住建局办理，请耐心等待",
        "不属于人大代表联络站受理范围",
    ];

    // Through the API: a register note without an audience, an assign note marked internal
    // and one marked public on the next case.
    let a = app.submit_at("lunan").await;
    app.act(
        Some(&staff),
        a.id,
        "register",
        json!({ "note": INTERNAL[0] }),
    )
    .await
    .expect(200);
    app.act(
        Some(&staff),
        a.id,
        "assign",
        json!({ "lead": "housing", "note": INTERNAL[1], "note_audience": "internal" }),
    )
    .await
    .expect(200);
    let b_case = app.submit_at("lunan").await;
    app.act(Some(&staff), b_case.id, "register", json!({}))
        .await
        .expect(200);
    app.act(
        Some(&staff),
        b_case.id,
        "assign",
        json!({ "lead": "housing", "note": PUBLIC[0], "note_audience": "public" }),
    )
    .await
    .expect(200);
    app.act(
        Some(&staff),
        b_case.id,
        "register",
        json!({ "note_audience": "everyone" }),
    )
    .await
    .expect_error(400, "bad_request", Some("note_audience"));
    // A rejection's reason is for the resident by nature.
    let c = app.submit_at("lunan").await;
    app.act(Some(&staff), c.id, "reject", json!({ "reason": PUBLIC[1] }))
        .await
        .expect(200);

    // Through the page: the register form offers 群众可见, unticked; a note sent without it
    // stays internal.
    let d = app.submit_at("lunan").await;
    let page = web.get(&format!("/cases/{}", d.id)).await.expect(200);
    page.assert_contains("name=\"note_public\"");
    page.assert_contains("群众可见");
    page.assert_lacks("name=\"note_public\" value=\"true\" checked");
    post_form(
        &web,
        &format!("/cases/{}/act/register", d.id),
        &[("note", INTERNAL[2])],
    )
    .await;

    // Staff see every note with its audience.
    let detail = app.detail(&staff, a.id).await;
    let audiences: Vec<(String, bool)> = detail["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["note"].is_string())
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["note_public"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        audiences,
        [("register".to_owned(), false), ("assign".to_owned(), false)]
    );
    let d_events = app.event_rows(d.id).await;
    assert!(
        d_events
            .iter()
            .any(|e| e.note.as_deref() == Some(INTERNAL[2]) && !e.note_public),
        "{d_events:?}"
    );

    // Tracking, API and page: only the public notes.
    for code in [
        &a.receipt_code,
        &b_case.receipt_code,
        &c.receipt_code,
        &d.receipt_code,
    ] {
        let api = app.track(code).await.expect(200);
        let page = web.get(&format!("/t/{code}")).await.expect(200);
        for secret in INTERNAL {
            assert!(
                !api.text.contains(secret),
                "{secret} on the tracking API: {}",
                api.text
            );
            page.assert_lacks(secret);
        }
    }
    assert!(
        app.track(&b_case.receipt_code)
            .await
            .text
            .contains(PUBLIC[0])
    );
    web.get(&format!("/t/{}", b_case.receipt_code))
        .await
        .assert_contains(PUBLIC[0]);
    assert!(app.track(&c.receipt_code).await.text.contains(PUBLIC[1]));
}

/// The same key with the same body answers the first case; with another station, text or
/// contact it is refused naming the key, and nobody learns the first case's receipt code. Keys
/// shorter than 16 characters are refused, in the body and in the header.
async fn a_replayed_key_must_say_the_same(b: Backend) {
    let app = spawn_app(b).await;
    let key = "replay-key-0123456789";
    let mut first = case_body("lunan");
    first["client_key"] = json!(key);
    let made = app.submit(&first).await.expect(201);
    let again = app.submit(&first).await.expect(200);
    assert_eq!(made.body, again.body);
    let receipt = made.body["receipt_code"].as_str().unwrap().to_owned();

    let mut other = case_body("jinqing");
    other["client_key"] = json!(key);
    other["description"] = json!("另一位群众：村道积水严重，雨天无法通行，请尽快处理。");
    other["contact"] = json!({ "name": "另一人", "phone": "13912345678" });
    for body in [other.clone(), {
        let mut only_text = first.clone();
        only_text["description"] = json!("同一个站点，不同的内容：垃圾清运不及时。");
        only_text
    }] {
        let r = app
            .submit(&body)
            .await
            .expect_error(422, "invalid", Some("client_key"));
        assert_eq!(r.body["error"]["kind"], "key_reused", "{}", r.text);
        assert!(!r.text.contains(&receipt), "{}", r.text);
    }
    // The header, too.
    let r = app
        .client
        .post(app.api("/cases"))
        .header("Idempotency-Key", key)
        .json(&case_body("jinqing"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    assert!(!r.text().await.unwrap().contains(&receipt));
    assert_eq!(app.case_count().await, 1);

    // Keys of little entropy are refused.
    for short in ["abc", "fifteen-chars-x"] {
        let mut body = case_body("lunan");
        body["client_key"] = json!(short);
        app.submit(&body)
            .await
            .expect_error(422, "invalid", Some("client_key"));
        let r = app
            .client
            .post(app.api("/cases"))
            .header("Idempotency-Key", short)
            .json(&case_body("lunan"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 422, "{short}");
    }
    assert_eq!(app.case_count().await, 1);
}

/// Control characters and bidi overrides, wherever text enters (a JSON body, a path segment, a
/// query), are refused with 422 naming the field on both backends — never a 500 from
/// PostgreSQL; invisible-only text is empty; a page's form drops them; paging is bounded; a
/// struct is read from an object only; days fall in sensible years; the `bearer` scheme is
/// case-insensitive.
async fn bad_input_is_refused_naming_the_field(b: Backend) {
    let app = spawn_app(b).await;
    let staff = app.login_demo("staff").await;
    let ops = app.login_demo("ops").await;
    let before = app.case_count().await;

    let refused = |r: crate::support::Resp, field: &str| {
        let r = r.expect_error(422, "invalid", Some(field));
        assert_eq!(r.body["error"]["kind"], "control_characters", "{}", r.text);
    };
    for (field, value) in [
        (
            "description",
            json!("路灯坏了\u{0}半个多月，晚上出行很不方便。"),
        ),
        (
            "description",
            json!("\u{1b}[31m路灯坏了半个多月，晚上出行很不方便。"),
        ),
        (
            "description",
            json!("路灯坏了半个多月\u{7}，晚上出行很不方便。"),
        ),
        ("title", json!("路灯\u{202e}不亮")),
    ] {
        let mut body = case_body("lunan");
        body[field] = value;
        refused(app.submit(&body).await, field);
    }
    let mut body = case_body("lunan");
    body["contact"]["name"] = json!("张\u{0}三");
    refused(app.submit(&body).await, "contact.name");
    refused(
        app.post(
            "/auth/login",
            None,
            &json!({ "username": "sta\u{0}ff", "password": "x" }),
        )
        .await,
        "username",
    );
    // Text made only of invisible characters is empty.
    let mut body = case_body("lunan");
    body["description"] = json!("\u{200b}\u{200b}\u{feff}\u{2060}\u{200b}\u{200b} ");
    app.submit(&body)
        .await
        .expect_error(422, "invalid", Some("description"));
    assert_eq!(app.case_count().await, before);

    // Paths and queries, encoded.
    refused(app.get("/stations/lu%00nan", None).await, "path");
    refused(app.get("/track/ABCD%00EFGH", None).await, "path");
    refused(app.get("/cases?text=a%00b", Some(&staff)).await, "text");
    refused(
        app.get("/cases?text=%E2%80%AEx", Some(&staff)).await,
        "text",
    );
    let page = app
        .client
        .get(format!("{}/t/AB%00CD", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 422);

    // A page's form refuses them as the API does: the form again, the message beside the
    // field, nothing filed (the pages' side is covered in full in hardening.rs).
    let web = crate::web_client::Browser::new(&app);
    let form = web.get("/s/lunan").await.expect(200);
    let key = form.input_value("client_key");
    let csrf = form.input_value("_csrf");
    let sent = web
        .post(
            "/s/lunan",
            &[
                ("_csrf", csrf.as_str()),
                ("client_key", key.as_str()),
                ("category", "urban_construction"),
                (
                    "description",
                    "路灯坏了\u{0}半个多月，晚上\u{1b}出行很不方便。",
                ),
                ("anonymous", "true"),
            ],
        )
        .await;
    let sent = sent.expect(422);
    sent.assert_contains("id=\"err-description\"");
    assert_eq!(app.case_count().await, before);

    // Paging is bounded, by one rule on every paged list: out of range is refused naming the
    // parameter, never clamped behind the client's back.
    for list in ["/cases", "/notifications", "/notifications/deliveries"] {
        for (query, field) in [
            ("page=9223372036854775807", "page"),
            ("page=0", "page"),
            ("page=10001", "page"),
            ("per_page=0", "per_page"),
            ("per_page=101", "per_page"),
        ] {
            app.get(&format!("{list}?{query}"), Some(&ops))
                .await
                .expect_error(422, "invalid", Some(field));
        }
        app.get(&format!("{list}?page=10000&per_page=100"), Some(&ops))
            .await
            .expect(200);
    }

    // A field name the client made up is repeated within the text rule: its control and bidi
    // characters replaced, never echoed raw.
    // Names sent as they are (not percent-encoded), as a hostile client would.
    let form = reqwest::multipart::Form::new()
        .percent_encode_noop()
        .part(
            "case",
            reqwest::multipart::Part::text(case_body("lunan").to_string())
                .mime_str("application/json")
                .unwrap(),
        )
        .text("H\u{93}\u{202E}x<", "1");
    let r = app.post_multipart("/cases", form).await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.text);
    assert_eq!(r.body["error"]["kind"], "unknown_field", "{}", r.text);
    let field = r.body["error"]["field"].as_str().unwrap();
    assert_eq!(field, "H\u{FFFD}\u{FFFD}x<");

    // Objects only where objects are declared.
    let r = app
        .post("/auth/login", None, &json!(["staff", "staff-demo-2026"]))
        .await;
    assert_eq!(r.status.as_u16(), 400, "{}", r.text);
    let mut body = case_body("lunan");
    body["contact"] = json!(["张三", "13800138000"]);
    app.submit(&body)
        .await
        .expect_error(400, "bad_request", Some("contact"));

    // Days in sensible years.
    app.put(
        "/calendar/9999-01-01",
        Some(&ops),
        &json!({ "kind": "holiday", "name": "远" }),
    )
    .await
    .expect_error(422, "invalid", Some("day"));
    let r = app
        .get("/stations/lunan/duty?from=%2B262142-01-01", None)
        .await;
    assert_eq!(r.status.as_u16(), 400, "{}", r.text);

    // `bearer` in any case.
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let r = app
            .client
            .get(app.api("/auth/me"))
            .header("Authorization", format!("{scheme} {staff}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{scheme}");
    }
}

/// A raw request with optional extra headers, for the rate-limit tests.
async fn raw(
    app: &TestApp,
    method: reqwest::Method,
    url: String,
    headers: &[(&str, &str)],
    body: Option<serde_json::Value>,
) -> reqwest::Response {
    let mut req = app.client.request(method, url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

/// Every door that takes a receipt code spends one budget per client, API and pages together;
/// Retry-After is rounded up; forwarding headers count only from a trusted proxy.
async fn receipt_codes_share_one_budget(b: Backend) {
    let app = spawn_app_with(b, |s| {
        s.server.receipt_burst = 5;
        s.server.receipt_refill_ms = 60_000;
    })
    .await;
    let c = app.submit_at("lunan").await;
    let get = reqwest::Method::GET;
    let post = reqwest::Method::POST;
    let page = |p: &str| format!("{}{p}", app.address);
    // Five tries of receipt codes on four different doors.
    let tries = [
        (
            get.clone(),
            app.api(&format!("/track/{}", c.receipt_code)),
            None,
        ),
        (get.clone(), page(&format!("/t/{}", c.receipt_code)), None),
        (
            post.clone(),
            app.api(&format!("/cases/{}/actions/rate", c.id)),
            Some(json!({ "rating": "satisfied", "receipt_code": "AAAA-BBBB" })),
        ),
        (
            post.clone(),
            app.api("/track/AAAA-BBBB/rate"),
            Some(json!({ "rating": "satisfied" })),
        ),
        (get.clone(), page("/r/AAAA-BBBB"), None),
    ];
    for (m, url, body) in tries.iter().cloned() {
        let r = raw(&app, m, url.clone(), &[], body).await;
        assert_ne!(r.status().as_u16(), 429, "{url}");
    }
    // The sixth, on any of them, waits; the wait is rounded up to the whole minute.
    for (m, url, body) in tries.iter().cloned() {
        let r = raw(&app, m, url.clone(), &[], body).await;
        assert_eq!(r.status().as_u16(), 429, "{url}");
        let wait: u64 = r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((59..=60).contains(&wait), "{url}: Retry-After {wait}");
    }
    let r = raw(&app, get.clone(), tries[0].1.clone(), &[], None).await;
    assert_eq!(r.headers()["retry-after"], "60");
    // No proxy is trusted: a forwarding header does not buy a new bucket.
    let r = raw(
        &app,
        get.clone(),
        tries[0].1.clone(),
        &[
            ("X-Forwarded-For", "203.0.113.9"),
            ("Forwarded", "for=203.0.113.9"),
        ],
        None,
    )
    .await;
    assert_eq!(r.status().as_u16(), 429);
    // Signed-in work and intake go on.
    app.submit_at("lunan").await;

    // Behind a trusted proxy, each client has its own bucket.
    let app = spawn_app_with(b, |s| {
        s.server.receipt_burst = 2;
        s.server.receipt_refill_ms = 60_000;
        s.server.trusted_proxies = vec!["127.0.0.1".into()];
    })
    .await;
    let url = app.api("/track/AAAA-BBBB");
    for _ in 0..2 {
        let r = raw(
            &app,
            get.clone(),
            url.clone(),
            &[("X-Forwarded-For", "203.0.113.1")],
            None,
        )
        .await;
        assert_eq!(r.status().as_u16(), 404);
    }
    let r = raw(
        &app,
        get.clone(),
        url.clone(),
        &[("X-Forwarded-For", "203.0.113.1")],
        None,
    )
    .await;
    assert_eq!(r.status().as_u16(), 429);
    let r = raw(
        &app,
        get.clone(),
        url.clone(),
        &[("Forwarded", "for=\"203.0.113.2:5555\"")],
        None,
    )
    .await;
    assert_eq!(r.status().as_u16(), 404, "another client behind the proxy");
    // A client cannot choose its bucket by prepending to the chain the proxy appends to.
    let r = raw(
        &app,
        get.clone(),
        url.clone(),
        &[("X-Forwarded-For", "198.51.100.1, 203.0.113.1")],
        None,
    )
    .await;
    assert_eq!(r.status().as_u16(), 429);
}

/// An anonymous brand action files cases too: it spends intake's budget, on the API as on its
/// page twin, in the same buckets as intake itself.
async fn anonymous_brand_actions_spend_the_intake_budget(b: Backend) {
    let app = spawn_app_with(b, |s| {
        plugin_settings(s);
        s.server.intake_burst = 3;
        s.server.intake_refill_ms = 60_000;
    })
    .await;
    let ops = app.login_demo("ops").await;
    app.install_package(&ops, &Package::fault_lab()).await;
    app.plugin_enable(Some(&ops), "lunan", FAULT_LAB, &["storage"], json!({}))
        .await
        .expect(200);
    app.submit(&case_body("lunan")).await.expect(201);
    app.plugin_act(None, "lunan", FAULT_LAB, "ok", json!({}))
        .await
        .expect(200);
    app.plugin_act(None, "lunan", FAULT_LAB, "ok", json!({}))
        .await
        .expect(200);
    let r = app
        .plugin_act(None, "lunan", FAULT_LAB, "ok", json!({}))
        .await
        .expect_error(429, "too_many_requests", None);
    assert!(r.headers.contains_key("retry-after"));
    app.submit(&case_body("lunan"))
        .await
        .expect_error(429, "too_many_requests", None);
    // The page twin draws on the same bucket.
    let web = crate::web_client::Browser::new(&app);
    let form = web.get("/s/lunan").await.expect(200);
    let csrf = form.input_value("_csrf");
    let r = web
        .post(
            &format!("/s/lunan/brand/{FAULT_LAB}/ok"),
            &[("_csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(r.status.as_u16(), 429, "{}", r.text);
}

/// The storage quota counts bytes on both backends; keys are printable text (a NUL-prefixed
/// key is refused, it used to be stored without limit); `storage-keys` matches its prefix
/// exactly, byte for byte, not as a case-folding pattern.
async fn storage_is_counted_in_bytes_under_one_key_rule(b: Backend) {
    let app = spawn_app_with(b, |s| {
        plugin_settings(s);
        s.plugins.storage_quota_kib = 4;
    })
    .await;
    let ops = app.login_demo("ops").await;
    app.install_package(&ops, &Package::fault_lab()).await;
    app.plugin_enable(Some(&ops), "lunan", FAULT_LAB, &["storage"], json!({}))
        .await
        .expect(200);
    let run = |kind: &'static str| {
        let app = &app;
        async move {
            app.plugin_act(None, "lunan", FAULT_LAB, "fill", json!({ "kind": kind }))
                .await
                .expect(200)
                .body["message"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    // A key of 64 Chinese characters and four digits is 196 bytes: 20 fit in 4 KiB (counted in
    // characters, 60 did).
    let wide = run("wide").await;
    assert!(wide.starts_with("stored 20;"), "{wide}");
    assert!(wide.contains("quota"), "{wide}");
    let nul = run("nul").await;
    assert!(nul.starts_with("stored 0;"), "{nul}");
    assert!(nul.contains("printable"), "{nul}");
    // Bytes, as the quota counts them: `LENGTH` of text counts characters.
    let bytes = match b {
        Backend::Postgres => "COALESCE(SUM(OCTET_LENGTH(value) + OCTET_LENGTH(key)), 0)::BIGINT",
        Backend::Sqlite => {
            "COALESCE(SUM(LENGTH(CAST(value AS BLOB)) + LENGTH(CAST(key AS BLOB))), 0)"
        }
    };
    let stored = app
        .count(&format!("SELECT {bytes} FROM plugin_storage"))
        .await;
    assert!(stored <= 4096, "{stored} bytes stored");

    // Exact prefixes: no case folding, no patterns.
    let delete_wide = execute(&app.db, "DELETE FROM plugin_storage").await;
    assert_eq!(delete_wide, 20);
    for (prefix, keys) in [
        ("A", "Ab1"),
        ("a_", "a_c"),
        ("a%", "a%d"),
        ("ab", "ab2 ab_x"),
    ] {
        let r = app
            .plugin_act(
                None,
                "lunan",
                FAULT_LAB,
                "prefix",
                json!({ "prefix": prefix }),
            )
            .await
            .expect(200);
        assert_eq!(r.body["message"], keys, "prefix {prefix}");
    }
}

/// `log`, `now` and `setting` count toward the bound of host calls and stop at it (the call
/// fails, in time); a plugin's log is capped per call, with the dropped lines counted for ops.
async fn every_import_counts_and_logs_are_capped(b: Backend) {
    let app = spawn_plugin_app(b).await;
    let ops = app.login_demo("ops").await;
    app.install_package(&ops, &Package::fault_lab()).await;
    app.plugin_enable(Some(&ops), "lunan", FAULT_LAB, &["storage"], json!({}))
        .await
        .expect(200);
    let started = std::time::Instant::now();
    let r = app
        .plugin_act(None, "lunan", FAULT_LAB, "clock", json!({}))
        .await
        .expect_error(503, "unavailable", None);
    assert!(r.message().contains("host calls"), "{}", r.text);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));

    let started = std::time::Instant::now();
    app.plugin_act(None, "lunan", FAULT_LAB, "chatter", json!({}))
        .await
        .expect(200);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let state = crate::plugins::station_state(&app, &ops, FAULT_LAB, "lunan").await;
    // 900 lines asked: at most 100 written in one call.
    assert_eq!(state["stats"]["log_dropped"], 800, "{state}");
}

/// Ops' grant is stored only as far as the package asks; a later version asking for anything
/// the previous one did not request waits for ops, even where the grant once named it.
async fn grants_never_widen_on_upgrade(b: Backend) {
    let app = spawn_plugin_app(b).await;
    let ops = app.login_demo("ops").await;
    let hello = Package::hello();
    app.install_package(&ops, &hello).await;
    let mut wide: Vec<&str> = crate::plugins::HELLO_CAPS.to_vec();
    wide.push("deputies.read");
    let r = app
        .plugin_enable(Some(&ops), "lunan", "hello-brand", &wide, json!({}))
        .await
        .expect(200);
    assert!(!r.text.contains("deputies.read"), "{}", r.text);
    let state = crate::plugins::station_state(&app, &ops, "hello-brand", "lunan").await;
    let granted: Vec<&str> = state["granted"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| g.as_str())
        .collect();
    assert!(!granted.contains(&"deputies.read"), "{state}");

    // Version 0.2.0 asks for deputies.read as well: it waits for ops.
    let more = hello.with_version("0.2.0").with_capabilities(&wide);
    app.install_package(&ops, &more).await;
    let state = crate::plugins::station_state(&app, &ops, "hello-brand", "lunan").await;
    assert_eq!(state["enabled"], false, "{state}");
    assert!(
        state["disabled_reason"]
            .as_str()
            .is_some_and(|r| r.contains("deputies.read")),
        "{state}"
    );
    // Ops decide, and it runs again with what they granted.
    app.plugin_enable(Some(&ops), "lunan", "hello-brand", &wide, json!({}))
        .await
        .expect(200);
    let state = crate::plugins::station_state(&app, &ops, "hello-brand", "lunan").await;
    assert_eq!(state["enabled"], true, "{state}");
}
