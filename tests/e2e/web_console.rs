//! The ops console and the desk's bulk work, over the real server on both backends: only ops
//! open any console page (every path, GET and POST); ops build a district through the forms
//! (a station, a deputy serving two stations, an organisation, an account that then signs in,
//! a category, a holiday that moves a deadline) and edit them; mistakes come back beside the
//! field with what was typed; plugins are uploaded, enabled with grants and settings,
//! disabled and resumed through the pages; staff assign several cases at once (one that
//! cannot be assigned is reported by its receipt code); the inbox filters by tag and goes page
//! by page; the staff desk shows the station brand's staff view.

use chrono::{Datelike, Duration};
use liaison_domain::plugins::registry;
use serde_json::json;

use crate::support::{Backend, Package, seed_plugin_cache, spawn_app, spawn_plugin_app};
use crate::web_client::{Browser, demo, post_form as post, signed_in};

both_backends!(
    only_ops_open_the_console,
    ops_build_a_district_through_the_console,
    console_mistakes_come_back_beside_the_field,
    plugins_are_installed_and_run_from_the_console,
    staff_assign_several_cases_at_once,
    the_inbox_filters_by_tag_and_pages,
    the_inbox_pages_and_takes_tags_as_the_api_does,
    the_staff_desk_shows_the_brand_staff_view,
    stations_are_placed_on_the_map_by_ops,
    organisations_have_english_names,
);

/// Every console page, and every form it posts to.
const GET_PATHS: &[&str] = &[
    "/console",
    "/console/stations",
    "/console/stations/lunan",
    "/console/deputies",
    "/console/deputies?station=lunan",
    "/console/deputies/lunan-d01",
    "/console/orgs",
    "/console/orgs/housing",
    "/console/users",
    "/console/users/staff",
    "/console/categories",
    "/console/categories/other",
    "/console/calendar",
    "/console/plugins",
    "/console/plugins/hello-brand",
];
const POST_PATHS: &[&str] = &[
    "/console/stations",
    "/console/stations/lunan",
    "/console/deputies",
    "/console/deputies/lunan-d01",
    "/console/orgs",
    "/console/orgs/housing",
    "/console/users",
    "/console/users/staff/active",
    "/console/users/staff/password",
    "/console/categories",
    "/console/categories/other",
    "/console/calendar",
    "/console/calendar/2026-10-01/remove",
    "/console/plugins",
    "/console/plugins/hello-brand",
    "/console/plugins/hello-brand/stations/lunan/disable",
    "/console/plugins/hello-brand/stations/lunan/resume",
];

async fn only_ops_open_the_console(b: Backend) {
    let app = spawn_app(b).await;
    let anon = Browser::new(&app);
    for path in GET_PATHS {
        let p = anon.get(path).await.expect(303);
        assert!(p.location().starts_with("/login?next="), "{path}");
    }
    for who in ["staff", "deputy", "handler", "viewer"] {
        let web = demo(&app, who).await;
        let home = web.get("/me").await.expect(200);
        home.assert_lacks("href=\"/console\"");
        for path in GET_PATHS {
            let p = web.get(path).await;
            assert_eq!(p.status.as_u16(), 403, "{who} GET {path}: {}", p.text);
            p.assert_html();
        }
        for path in POST_PATHS {
            let p = post(
                &web,
                path,
                &[("code", "x-test"), ("name", "试"), ("active", "false")],
            )
            .await;
            assert_eq!(p.status.as_u16(), 403, "{who} POST {path}: {}", p.text);
        }
    }
    // Nothing a refused visitor sent was written.
    let ops = app.login_demo("ops").await;
    let stations = app.get("/stations", None).await.expect(200).body;
    assert!(
        !stations
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["code"] == "x-test")
    );
    let users = app.get("/users", Some(&ops)).await.expect(200).body;
    let staff = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "staff")
        .unwrap();
    assert_eq!(staff["active"], true);

    let web = demo(&app, "ops").await;
    let p = web.get("/console").await.expect(200);
    p.assert_contains("href=\"/console\"");
    p.assert_contains("管理后台");
    let en = web.get("/console?lang=en").await.expect(200);
    en.assert_contains("Stations");
    en.assert_contains("Working-day calendar");
}

async fn ops_build_a_district_through_the_console(b: Backend) {
    let app = spawn_app(b).await;
    let web = demo(&app, "ops").await;

    // A station, with its poster linked.
    let p = post(
        &web,
        "/console/stations",
        &[
            ("code", "xiaoxi"),
            ("name", "晓溪镇人大代表联络站"),
            ("name_en", "Xiaoxi Station"),
            ("kind", "township"),
            ("address", "晓溪镇人民路 1 号"),
        ],
    )
    .await
    .expect(303);
    assert_eq!(p.location(), "/console/stations/xiaoxi");
    let p = web.get("/console/stations/xiaoxi").await.expect(200);
    p.assert_contains("已添加。");
    p.assert_contains("/s/xiaoxi/poster");
    let s = app.get("/stations/xiaoxi", None).await.expect(200).body;
    assert_eq!(s["name"], "晓溪镇人大代表联络站");
    assert_eq!(s["address"], "晓溪镇人民路 1 号");
    web.get("/s/xiaoxi/poster").await.expect(200);
    // Edited: the new name shows in the API.
    post(
        &web,
        "/console/stations/xiaoxi",
        &[
            ("name", "晓溪镇联络站"),
            ("name_en", "Xiaoxi"),
            ("address", ""),
        ],
    )
    .await
    .expect(303);
    let s = app.get("/stations/xiaoxi", None).await.expect(200).body;
    assert_eq!(s["name"], "晓溪镇联络站");
    assert!(s["address"].is_null());
    web.get("/console/stations")
        .await
        .expect(200)
        .assert_contains("晓溪镇联络站");

    // A deputy at the new station who also serves at lunan; then moved to lunan alone.
    post(
        &web,
        "/console/deputies",
        &[
            ("code", "xiaoxi-d01"),
            ("name", "陈晓溪"),
            ("level", "district"),
            ("station", "xiaoxi"),
            ("also_serves", "lunan"),
            ("profile", "从事农业工作"),
        ],
    )
    .await
    .expect(303);
    let d = app.get("/deputies/xiaoxi-d01", None).await.expect(200).body;
    assert_eq!(d["station"], "xiaoxi");
    assert_eq!(d["stations"], json!(["xiaoxi", "lunan"]));
    let listed = web.get("/console/deputies?station=lunan").await.expect(200);
    listed.assert_contains("陈晓溪");
    let elsewhere = web
        .get("/console/deputies?station=jinqing")
        .await
        .expect(200);
    elsewhere.assert_lacks("陈晓溪");
    post(
        &web,
        "/console/deputies/xiaoxi-d01",
        &[
            ("name", "陈晓溪"),
            ("level", "city"),
            ("station", "lunan"),
            ("also_serves", "jinqing"),
            ("profile", ""),
            ("active", "true"),
        ],
    )
    .await
    .expect(303);
    let d = app.get("/deputies/xiaoxi-d01", None).await.expect(200).body;
    assert_eq!(d["level"], "city");
    assert_eq!(d["stations"], json!(["lunan", "jinqing"]));

    // An organisation, renamed.
    post(
        &web,
        "/console/orgs",
        &[
            ("code", "sports"),
            ("name", "区体育局"),
            ("kind", "department"),
        ],
    )
    .await
    .expect(303);
    post(
        &web,
        "/console/orgs/sports",
        &[("name", "区文体局"), ("kind", "department")],
    )
    .await
    .expect(303);
    let orgs = app.get("/organisations", None).await.expect(200).body;
    assert!(
        orgs.as_array()
            .unwrap()
            .iter()
            .any(|o| o["code"] == "sports" && o["name"] == "区文体局")
    );

    // An account for the new station, which then signs in and sees its desk; disabled, it
    // cannot; a reset password works.
    let p = post(
        &web,
        "/console/users",
        &[
            ("username", "xq.staff"),
            ("display_name", "晓溪 工作人员"),
            ("password", "xiaoxi-pass-2026"),
            ("role", "station_staff"),
            ("station", "xiaoxi"),
            ("organisation", ""),
            ("deputy", ""),
        ],
    )
    .await
    .expect(303);
    assert_eq!(p.location(), "/console/users/xq.staff");
    let users = web.get("/console/users").await.expect(200);
    users.assert_contains("xq.staff");
    users.assert_lacks("xiaoxi-pass-2026");
    let newcomer = signed_in(&app, "xq.staff", "xiaoxi-pass-2026").await;
    newcomer.get("/desk/xiaoxi").await.expect(200);
    newcomer.get("/desk/lunan").await.expect(403);
    post(
        &web,
        "/console/users/xq.staff/active",
        &[("active", "false")],
    )
    .await
    .expect(303);
    // Signed out at once, and refused at sign-in.
    newcomer.get("/desk/xiaoxi").await.expect(303);
    app.post(
        "/auth/login",
        None,
        &json!({ "username": "xq.staff", "password": "xiaoxi-pass-2026" }),
    )
    .await
    .expect(401);
    post(
        &web,
        "/console/users/xq.staff/active",
        &[("active", "true")],
    )
    .await
    .expect(303);
    post(
        &web,
        "/console/users/xq.staff/password",
        &[("password", "a-new-password-26")],
    )
    .await
    .expect(303);
    app.login("xq.staff", "a-new-password-26").await;

    // A category, then retired.
    post(
        &web,
        "/console/categories",
        &[
            ("code", "culture"),
            ("name", "文化体育"),
            ("name_en", "Culture and sport"),
            ("sort", "9"),
        ],
    )
    .await
    .expect(303);
    let cats = app.get("/categories", None).await.expect(200).body;
    assert!(
        cats.as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == "culture")
    );
    post(
        &web,
        "/console/categories/culture",
        &[
            ("name", "文化体育"),
            ("name_en", "Culture and sport"),
            ("sort", "9"),
        ],
    )
    .await
    .expect(303);
    let cats = app.get("/categories", None).await.expect(200).body;
    assert!(
        !cats
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == "culture")
    );
    web.get("/console/categories")
        .await
        .expect(200)
        .assert_contains("文化体育");

    // A holiday on the next working day moves a new assignment's sign-for deadline past it.
    let today = app.today();
    let before = app.calendar().await;
    let mut next = today + Duration::days(1);
    while !before.is_working_day(next) {
        next += Duration::days(1);
    }
    let day = next.to_string();
    post(
        &web,
        "/console/calendar",
        &[
            ("day", day.as_str()),
            ("kind", "holiday"),
            ("day_name", "临时休假"),
        ],
    )
    .await
    .expect(303);
    let listed = web
        .get(&format!("/console/calendar?year={}", next.year()))
        .await
        .expect(200);
    listed.assert_contains("临时休假");
    let days = app
        .get(&format!("/calendar?year={}", next.year()), None)
        .await
        .expect(200)
        .body;
    assert!(
        days.as_array()
            .unwrap()
            .iter()
            .any(|d| d["day"] == day.as_str() && d["kind"] == "holiday")
    );
    let after = app.calendar().await;
    assert!(!after.is_working_day(next));
    let mut expected = today + Duration::days(1);
    while !after.is_working_day(expected) {
        expected += Duration::days(1);
    }
    assert!(expected > next);
    let staff = app.login_demo("staff").await;
    let case = app.submit_at("lunan").await.id;
    app.act(Some(&staff), case, "register", json!({}))
        .await
        .expect(200);
    app.act(Some(&staff), case, "assign", json!({ "lead": "sports" }))
        .await
        .expect(200);
    let detail = app.detail(&staff, case).await;
    assert_eq!(crate::support::date(&detail["due_on"]), expected);
    // Removed again: the day works.
    post(&web, &format!("/console/calendar/{day}/remove"), &[])
        .await
        .expect(303);
    assert!(app.calendar().await.is_working_day(next));

    // The overview counts what was added.
    let p = web.get("/console").await.expect(200);
    let stations = app.get("/stations", None).await.expect(200).body;
    assert_eq!(
        p.text_of("count-stations").unwrap(),
        stations.as_array().unwrap().len().to_string()
    );
}

async fn console_mistakes_come_back_beside_the_field(b: Backend) {
    let app = spawn_app(b).await;
    let web = demo(&app, "ops").await;

    // A code in use: 409, the message beside the code, what was typed kept.
    let p = post(
        &web,
        "/console/stations",
        &[
            ("code", "lunan"),
            ("name", "重复的联络站"),
            ("name_en", "Duplicate"),
            ("kind", "township"),
            ("address", ""),
        ],
    )
    .await
    .expect(409);
    assert_eq!(
        p.text_of("new-station-code-err").as_deref(),
        Some("这个编码已被使用，请换一个。")
    );
    assert_eq!(p.input_value("name"), "重复的联络站");
    // An empty name: 422 beside the name, the code kept.
    let p = post(
        &web,
        "/console/orgs",
        &[("code", "new-org"), ("name", "  "), ("kind", "department")],
    )
    .await
    .expect(422);
    assert_eq!(
        p.text_of("new-org-name-err").as_deref(),
        Some("请填写这一项。")
    );
    assert_eq!(p.input_value("code"), "new-org");
    // A code with capitals.
    let p = post(
        &web,
        "/console/categories",
        &[
            ("code", "Bad Code"),
            ("name", "类别"),
            ("name_en", "C"),
            ("sort", ""),
        ],
    )
    .await
    .expect(422);
    p.assert_contains("编码只能用 2 到 32 位小写字母、数字、短横线或下划线。");
    assert_eq!(p.input_value("name"), "类别");
    // A bad date: the name kept.
    let p = post(
        &web,
        "/console/calendar",
        &[
            ("day", "2026-13-40"),
            ("kind", "holiday"),
            ("day_name", "国庆节"),
        ],
    )
    .await
    .expect(422);
    assert_eq!(
        p.text_of("new-day-day-err").as_deref(),
        Some("请按 2026-12-01 这样的格式填写日期。")
    );
    assert_eq!(p.input_value("day_name"), "国庆节");
    // A short password, a taken username; the password is never sent back.
    let p = post(
        &web,
        "/console/users",
        &[
            ("username", "newbie"),
            ("display_name", "新人"),
            ("password", "short"),
            ("role", "ops"),
        ],
    )
    .await
    .expect(422);
    assert_eq!(
        p.text_of("new-user-password-err").as_deref(),
        Some("至少要 10 个字。")
    );
    assert_eq!(p.input_value("username"), "newbie");
    p.assert_lacks("value=\"short\"");
    let p = post(
        &web,
        "/console/users",
        &[
            ("username", "staff"),
            ("display_name", "重名"),
            ("password", "long-enough-password"),
            ("role", "viewer"),
        ],
    )
    .await
    .expect(409);
    assert!(p.text_of("new-user-username-err").is_some());
    // Station staff without a station.
    let p = post(
        &web,
        "/console/users",
        &[
            ("username", "nostation"),
            ("display_name", "无站"),
            ("password", "long-enough-password"),
            ("role", "station_staff"),
            ("station", ""),
        ],
    )
    .await
    .expect(422);
    assert!(p.text_of("new-user-station-err").is_some());
    // An unknown home station for a deputy.
    let p = post(
        &web,
        "/console/deputies",
        &[
            ("code", "ghost-d01"),
            ("name", "无站代表"),
            ("level", "district"),
            ("station", "nowhere"),
        ],
    )
    .await
    .expect(422);
    assert_eq!(
        p.text_of("new-deputy-station-err").as_deref(),
        Some("请选择一个联络站。")
    );
    assert_eq!(p.input_value("name"), "无站代表");
    // No CSRF token: refused with the form again and what was typed.
    let p = web
        .post(
            "/console/orgs",
            &[
                ("code", "no-token"),
                ("name", "无令牌"),
                ("kind", "department"),
            ],
        )
        .await
        .expect(403);
    assert_eq!(p.input_value("code"), "no-token");
    assert!(
        app.get("/organisations", None)
            .await
            .expect(200)
            .body
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["code"] != "no-token")
    );
    // In English, the same message in English.
    let p = web.get("/console/stations?lang=en").await.expect(200);
    p.assert_contains("Add a station");
    let p = post(
        &web,
        "/console/stations",
        &[
            ("code", "lunan"),
            ("name", "x"),
            ("name_en", "x"),
            ("kind", "township"),
        ],
    )
    .await
    .expect(409);
    p.assert_contains("This is already in use; choose another.");
}

async fn plugins_are_installed_and_run_from_the_console(b: Backend) {
    let app = spawn_plugin_app(b).await;
    let ops = app.login_demo("ops").await;
    let web = demo(&app, "ops").await;
    let pkg = Package::hello();
    seed_plugin_cache(
        &app.settings.plugins.cache_dir,
        &pkg.manifest,
        &pkg.component,
    );

    // A broken manifest is refused beside its field.
    let csrf = web.cookie("liaison_csrf").unwrap();
    let p = web
        .post_multipart(
            "/console/plugins",
            &[("_csrf", csrf.as_str())],
            &[
                ("manifest", "plugin.toml", b"id = ".to_vec()),
                ("component", "plugin.wasm", pkg.component.clone()),
            ],
        )
        .await
        .expect(422);
    assert!(p.text_of("upload-manifest-err").is_some(), "{}", p.text);
    // Without a component.
    let p = web
        .post_multipart(
            "/console/plugins",
            &[("_csrf", csrf.as_str())],
            &[("manifest", "plugin.toml", pkg.manifest.clone().into_bytes())],
        )
        .await
        .expect(422);
    assert_eq!(
        p.text_of("upload-component-err").as_deref(),
        Some("请填写这一项。")
    );

    let p = web
        .post_multipart(
            "/console/plugins",
            &[("_csrf", csrf.as_str())],
            &[
                ("manifest", "plugin.toml", pkg.manifest.clone().into_bytes()),
                ("component", "plugin.wasm", pkg.component.clone()),
            ],
        )
        .await
        .expect(303);
    assert_eq!(p.location(), "/console/plugins/hello-brand");
    let form = web.get("/console/plugins/hello-brand").await.expect(200);
    form.assert_contains("插件已安装");
    // A checkbox per requested capability, ticked, and a field per setting with its default.
    for cap in ["storage", "cases.read", "cases.create", "cases.tag"] {
        form.assert_contains(&format!("name=\"grant\" value=\"{cap}\" checked"));
    }
    assert_eq!(form.input_value("setting_greeting"), "欢迎来到代表联络站");

    // Enabled at lunan with two of the four grants and a greeting of its own.
    post(
        &web,
        "/console/plugins/hello-brand",
        &[
            ("station", "lunan"),
            ("grant", "storage"),
            ("grant", "cases.read"),
            ("setting_greeting", "路南欢迎您"),
        ],
    )
    .await
    .expect(303);
    let list = app.get("/plugins", Some(&ops)).await.expect(200).body;
    let hello = &list[0];
    assert_eq!(hello["id"], "hello-brand");
    let at = &hello["stations"][0];
    assert_eq!(at["station"], "lunan");
    assert_eq!(at["enabled"], true);
    assert_eq!(at["granted"], json!(["storage", "cases.read"]));
    let station = web.get("/s/lunan").await.expect(200);
    station.assert_contains("路南欢迎您");
    let page = web.get("/console/plugins").await.expect(200);
    assert_eq!(
        page.text_of("state-hello-brand-lunan")
            .unwrap()
            .split_whitespace()
            .next(),
        Some("运行中")
    );

    // Unknown station: beside the field.
    let p = post(
        &web,
        "/console/plugins/hello-brand",
        &[("station", "nowhere"), ("grant", "storage")],
    )
    .await
    .expect(422);
    assert_eq!(
        p.text_of("enable-station-err").as_deref(),
        Some("请选择一个联络站。")
    );

    // Disabled: gone from the resident page.
    post(
        &web,
        "/console/plugins/hello-brand/stations/lunan/disable",
        &[],
    )
    .await
    .expect(303);
    let list = app.get("/plugins", Some(&ops)).await.expect(200).body;
    assert_eq!(list[0]["stations"][0]["enabled"], false);
    web.get("/s/lunan")
        .await
        .expect(200)
        .assert_lacks("路南欢迎您");

    // Enabled again, then suspended as the host does after repeated failures; resumed from
    // the console it runs again.
    post(
        &web,
        "/console/plugins/hello-brand",
        &[("station", "lunan"), ("grant", "storage")],
    )
    .await
    .expect(303);
    let row = registry::station_plugins(&app.db)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    registry::update_station_plugin(
        &app.db,
        row,
        &registry::StationPluginChange {
            suspended_at: Some(Some(app.clock.now())),
            consecutive_failures: Some(5),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let page = web.get("/console/plugins").await.expect(200);
    page.assert_contains("因连续出错已暂停");
    page.assert_contains("/console/plugins/hello-brand/stations/lunan/resume");
    post(
        &web,
        "/console/plugins/hello-brand/stations/lunan/resume",
        &[],
    )
    .await
    .expect(303);
    let list = app.get("/plugins", Some(&ops)).await.expect(200).body;
    assert_eq!(list[0]["stations"][0]["suspended"], false);
    assert_eq!(list[0]["stations"][0]["consecutive_failures"], 0);
    web.get("/s/lunan")
        .await
        .expect(200)
        .assert_contains("欢迎来到代表联络站");
}

/// Three registered cases at lunan; the third is then assigned elsewhere, so a bulk
/// assignment drawn before that finds it moved on.
async fn staff_assign_several_cases_at_once(b: Backend) {
    let app = spawn_app(b).await;
    let staff = app.login_demo("staff").await;
    let mut cases = Vec::new();
    for _ in 0..3 {
        let c = app.submit_at("lunan").await;
        app.act(Some(&staff), c.id, "register", json!({}))
            .await
            .expect(200);
        cases.push(c);
    }
    let web = demo(&app, "staff").await;
    let desk = web.get("/desk/lunan").await.expect(200);
    for c in &cases {
        desk.assert_contains(&format!("name=\"case\" value=\"{}\"", c.id));
    }
    app.act(
        Some(&staff),
        cases[2].id,
        "assign",
        json!({ "lead": "water" }),
    )
    .await
    .expect(200);
    let events_before = app.event_rows(cases[2].id).await.len();

    let ids: Vec<String> = cases.iter().map(|c| c.id.to_string()).collect();
    // No organisation: nothing happens, the message says so, the picks stay ticked.
    let p = post(
        &web,
        "/desk/lunan/assign",
        &[("case", &ids[0]), ("case", &ids[1]), ("lead", "")],
    )
    .await
    .expect(422);
    assert!(p.text_of("bulk-err-lead").is_some());
    assert_eq!(
        app.case_row(cases[0].id).await.status.as_str(),
        "registered"
    );

    let p = post(
        &web,
        "/desk/lunan/assign",
        &[
            ("case", &ids[0]),
            ("case", &ids[1]),
            ("case", &ids[2]),
            ("lead", "housing"),
            ("note", "请尽快办理"),
        ],
    )
    .await
    .expect(200);
    assert_eq!(
        p.text_of("bulk-assigned")
            .unwrap()
            .split_whitespace()
            .next(),
        Some("已交办")
    );
    p.assert_contains("已交办 2 条。");
    let failed = p.text_of("bulk-failed").expect("the failures listed");
    assert!(failed.contains(&cases[2].receipt_code), "{failed}");
    p.assert_contains("当前状态为“已交办”，不能交办");
    p.assert_lacks(&format!(
        "<span class=\"code\">{}</span>：",
        cases[0].receipt_code
    ));
    for c in &cases[..2] {
        let row = app.case_row(c.id).await;
        assert_eq!(row.status.as_str(), "assigned");
        assert!(row.due_on.is_some(), "a sign-for deadline");
        let events = app.event_rows(c.id).await;
        let last = events.last().unwrap();
        assert_eq!(last.action, "assign");
        assert_eq!(last.note.as_deref(), Some("请尽快办理"));
    }
    let housing = liaison_domain::orgs::by_code(&app.db, "housing")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.case_row(cases[0].id).await.lead_org_id,
        Some(housing.id)
    );
    // The one that had moved on is as it was.
    let water = liaison_domain::orgs::by_code(&app.db, "water")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(app.case_row(cases[2].id).await.lead_org_id, Some(water.id));
    assert_eq!(app.event_rows(cases[2].id).await.len(), events_before);

    // Another station's case is reported, not assigned; deputies and handlers cannot assign.
    let other = app.submit_at("jinqing").await;
    let ops = app.login_demo("ops").await;
    app.act(Some(&ops), other.id, "register", json!({}))
        .await
        .expect(200);
    let p = post(
        &web,
        "/desk/lunan/assign",
        &[("case", &other.id.to_string()), ("lead", "housing")],
    )
    .await
    .expect(200);
    p.assert_contains("已交办 0 条。");
    assert_eq!(app.case_row(other.id).await.status.as_str(), "registered");
    let deputy = demo(&app, "deputy").await;
    post(
        &deputy,
        "/desk/lunan/assign",
        &[("case", &ids[0]), ("lead", "housing")],
    )
    .await
    .expect(403);
    let handler = demo(&app, "handler").await;
    post(
        &handler,
        "/desk/lunan/assign",
        &[("case", &ids[0]), ("lead", "housing")],
    )
    .await
    .expect(403);
}

async fn the_inbox_filters_by_tag_and_pages(b: Backend) {
    let app = spawn_app(b).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(app.submit_at("lunan").await.id);
    }
    liaison_domain::plugins::station::tag(
        &app.db,
        "auto-service-team",
        ids[1],
        "auto-service",
        app.clock.now(),
    )
    .await
    .unwrap();
    let web = demo(&app, "staff").await;
    let p = web.get("/desk/lunan?tag=auto-service").await.expect(200);
    p.assert_contains(&format!("href=\"/cases/{}\"", ids[1]));
    p.assert_lacks(&format!("href=\"/cases/{}\"", ids[0]));
    p.assert_lacks(&format!("href=\"/cases/{}\"", ids[2]));
    assert_eq!(p.input_value("tag"), "auto-service");

    // Two a page, newest first: page 1 has the last two, page 2 the first.
    let p1 = web.get("/desk/lunan?per_page=2").await.expect(200);
    p1.assert_contains(&format!("href=\"/cases/{}\"", ids[2]));
    p1.assert_contains(&format!("href=\"/cases/{}\"", ids[1]));
    p1.assert_lacks(&format!("href=\"/cases/{}\"", ids[0]));
    p1.assert_lacks("id=\"page-prev\"");
    p1.assert_contains("第 1 页，共 2 页");
    let next = p1.text.split("id=\"page-next\"").next().unwrap();
    let href = next
        .rsplit("href=\"")
        .next()
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    assert_eq!(href, "/desk/lunan?per_page=2&page=2");
    let p2 = web.get(&href).await.expect(200);
    p2.assert_contains(&format!("href=\"/cases/{}\"", ids[0]));
    p2.assert_lacks(&format!("href=\"/cases/{}\"", ids[2]));
    p2.assert_contains("id=\"page-prev\"");
    // Nonsense page numbers are refused beside the list.
    web.get("/desk/lunan?page=zero").await.expect(422);
    web.get("/desk/lunan?per_page=1000").await.expect(422);
}

/// The desk and the API list cases with the domain's page size and tag length: twenty a page
/// unless asked (the desk used to show fifty), and tags as long as a brand may put on a case
/// (the desk used to stop at fifty characters).
async fn the_inbox_pages_and_takes_tags_as_the_api_does(b: Backend) {
    let app = spawn_app(b).await;
    let per_page = liaison_domain::cases::queries::PER_PAGE as usize;
    for _ in 0..=per_page {
        app.submit_at("lunan").await;
    }
    let staff = app.login_demo("staff").await;
    let api = app.get("/cases", Some(&staff)).await.expect(200);
    assert_eq!(api.body["items"].as_array().map(Vec::len), Some(per_page));
    let web = demo(&app, "staff").await;
    let p = web.get("/desk/lunan").await.expect(200);
    p.assert_contains("第 1 页，共 2 页");
    assert_eq!(p.text.matches("class=\"case-link\"").count(), per_page);

    let longest = "t".repeat(liaison_domain::cases::queries::MAX_TAG);
    web.get(&format!("/desk/lunan?tag={longest}"))
        .await
        .expect(200);
    web.get(&format!("/desk/lunan?tag={longest}t"))
        .await
        .expect(422);
}

async fn the_staff_desk_shows_the_brand_staff_view(b: Backend) {
    let app = spawn_plugin_app(b).await;
    let ops = app.login_demo("ops").await;
    app.install_package(&ops, &Package::hello()).await;
    app.plugin_enable(
        Some(&ops),
        "lunan",
        "hello-brand",
        &["storage", "cases.read", "cases.create", "cases.tag"],
        json!({ "greeting": "工作人员您好" }),
    )
    .await
    .expect(200);
    let web = demo(&app, "staff").await;
    let desk = web.get("/desk/lunan").await.expect(200);
    desk.assert_contains("id=\"brand-section-hello-brand-home\"");
    desk.assert_contains("工作人员您好");
    // The handler's desk is not the station's: no brand there.
    let handler = demo(&app, "handler").await;
    handler.get("/desk/lunan").await.expect(403);
}

/// Where the big screen's map puts a station: ops set both halves of the place in the API or
/// the console, or neither; a half alone, a latitude past the pole or a word instead of a number
/// is refused beside its field, and empty boxes take the station off the map.
async fn stations_are_placed_on_the_map_by_ops(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let body = |lat: serde_json::Value, lng: serde_json::Value| {
        json!({ "code": "xiaoxi", "name": "晓溪镇联络站", "name_en": "Xiaoxi",
                "kind": "township", "lat": lat, "lng": lng })
    };
    app.post("/stations", Some(&ops), &body(json!(28.5), json!(null)))
        .await
        .expect_error(422, "invalid", Some("lng"));
    app.post("/stations", Some(&ops), &body(json!(95.0), json!(121.3)))
        .await
        .expect_error(422, "invalid", Some("lat"));
    app.post("/stations", Some(&ops), &body(json!(28.5), json!(181)))
        .await
        .expect_error(422, "invalid", Some("lng"));
    assert_eq!(app.get("/stations/xiaoxi", None).await.status, 404);
    let s = app
        .post("/stations", Some(&ops), &body(json!(28.51), json!(121.33)))
        .await
        .expect(201)
        .body;
    assert_eq!(
        (s["lat"].as_f64(), s["lng"].as_f64()),
        (Some(28.51), Some(121.33))
    );

    // A patch without the place keeps it; `null` for both takes it away.
    let url = app.api("/stations/xiaoxi");
    let patch = async |b: serde_json::Value| {
        app.request(reqwest::Method::PATCH, &url, Some(&ops), Some(&b))
            .await
    };
    let s = patch(json!({ "name": "晓溪镇人大代表联络站" }))
        .await
        .expect(200)
        .body;
    assert_eq!(s["lat"].as_f64(), Some(28.51));
    let s = patch(json!({ "lat": null, "lng": null }))
        .await
        .expect(200)
        .body;
    assert!(s["lat"].is_null() && s["lng"].is_null(), "{s}");

    // The console: a word is refused beside its box, with what was typed kept.
    let web = demo(&app, "ops").await;
    let fields = [
        ("name", "晓溪镇人大代表联络站"),
        ("name_en", "Xiaoxi"),
        ("address", ""),
        ("lat", "北纬28度"),
        ("lng", "121.33"),
    ];
    let p = post(&web, "/console/stations/xiaoxi", &fields)
        .await
        .expect(422);
    p.assert_contains("北纬28度");
    p.assert_contains("lat-err\"");
    let mut fields = fields;
    fields[3] = ("lat", "28.52");
    post(&web, "/console/stations/xiaoxi", &fields)
        .await
        .expect(303);
    let s = app.get("/stations/xiaoxi", None).await.expect(200).body;
    assert_eq!(
        (s["lat"].as_f64(), s["lng"].as_f64()),
        (Some(28.52), Some(121.33))
    );
    fields[3] = ("lat", "");
    fields[4] = ("lng", "");
    post(&web, "/console/stations/xiaoxi", &fields)
        .await
        .expect(303);
    let s = app.get("/stations/xiaoxi", None).await.expect(200).body;
    assert!(s["lat"].is_null(), "{s}");
}

/// Organisations carry English names as stations do: given and changed through the API and the
/// console, read back, the demo's Luqiao departments named in English, and the pages in English
/// showing them, or the Chinese name when an organisation has none.
async fn organisations_have_english_names(b: Backend) {
    let app = spawn_app(b).await;
    let ops = app.login_demo("ops").await;
    let staff = app.login_demo("staff").await;
    let orgs = app.get("/organisations", None).await.expect(200).body;
    let housing = orgs
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == "housing")
        .expect("the demo's housing bureau");
    assert_eq!(housing["name"], "区住建局");
    assert_eq!(
        housing["name_en"],
        "Luqiao Housing and Urban-Rural Development Bureau"
    );
    assert!(
        orgs.as_array()
            .unwrap()
            .iter()
            .all(|o| !o["name_en"].as_str().unwrap().is_empty()),
        "every demo organisation has an English name: {orgs}"
    );

    // The API: created with or without one, patched, refused beside the field.
    let made = app
        .post(
            "/organisations",
            Some(&ops),
            &json!({ "code": "sports", "name": "区体育局", "name_en": "Luqiao Sports Bureau",
                     "kind": "department" }),
        )
        .await
        .expect(201)
        .body;
    assert_eq!(made["name_en"], "Luqiao Sports Bureau");
    let plain = app
        .post(
            "/organisations",
            Some(&ops),
            &json!({ "code": "parks", "name": "区园林处", "kind": "department" }),
        )
        .await
        .expect(201)
        .body;
    assert_eq!(plain["name_en"], "");
    let patch = async |code: &str, token: &str, b: serde_json::Value| {
        app.request(
            reqwest::Method::PATCH,
            &app.api(&format!("/organisations/{code}")),
            Some(token),
            Some(&b),
        )
        .await
    };
    let p = patch(
        "sports",
        &ops,
        json!({ "name_en": "Luqiao Culture and Sports Bureau" }),
    )
    .await
    .expect(200)
    .body;
    assert_eq!(
        (p["name"].as_str(), p["name_en"].as_str()),
        (Some("区体育局"), Some("Luqiao Culture and Sports Bureau")),
        "an absent field stays"
    );
    patch("sports", &ops, json!({ "name_en": "x".repeat(101) }))
        .await
        .expect_error(422, "invalid", Some("name_en"));
    patch("sports", &ops, json!({ "colour": "red" }))
        .await
        .expect_error(400, "bad_request", Some("colour"));
    patch("nowhere", &ops, json!({ "name_en": "Nowhere" }))
        .await
        .expect(404);
    patch("sports", &staff, json!({ "name_en": "Hijacked" }))
        .await
        .expect(403);

    // The console: the list shows it, the forms take it, a mistake comes back beside it.
    let web = signed_in(&app, "ops", "ops-demo-2026").await;
    let list = web.get("/console/orgs").await.expect(200);
    list.assert_contains("Luqiao Culture and Sports Bureau");
    list.assert_contains("name=\"name_en\"");
    post(
        &web,
        "/console/orgs/parks",
        &[
            ("name", "区园林处"),
            ("name_en", "Luqiao Parks Office"),
            ("kind", "department"),
        ],
    )
    .await
    .expect(303);
    let too_long = "y".repeat(101);
    let refused = post(
        &web,
        "/console/orgs/parks",
        &[
            ("name", "区园林处"),
            ("name_en", too_long.as_str()),
            ("kind", "department"),
        ],
    )
    .await
    .expect(422);
    refused.assert_contains("id=\"edit-org-name_en-err\"");
    let orgs = app.get("/organisations", None).await.expect(200).body;
    assert!(
        orgs.as_array()
            .unwrap()
            .iter()
            .any(|o| o["code"] == "parks" && o["name_en"] == "Luqiao Parks Office"),
        "{orgs}"
    );
    // Emptied again: the pages fall back to the Chinese name.
    patch("parks", &ops, json!({ "name_en": "" }))
        .await
        .expect(200);

    // Pages in English use the English name; in Chinese the Chinese one.
    let case = app.submit_at("lunan").await;
    app.act(Some(&ops), case.id, "register", json!({}))
        .await
        .expect(200);
    app.act(Some(&ops), case.id, "assign", json!({ "lead": "housing" }))
        .await
        .expect(200);
    let en = web
        .get(&format!("/cases/{}?lang=en", case.id))
        .await
        .expect(200);
    en.assert_contains("Luqiao Housing and Urban-Rural Development Bureau");
    let zh = web
        .get(&format!("/cases/{}?lang=zh", case.id))
        .await
        .expect(200);
    zh.assert_contains("区住建局");
    zh.assert_lacks("Luqiao Housing and Urban-Rural Development Bureau");
    let desk = web.get("/desk/lunan?lang=en").await.expect(200);
    desk.assert_contains("Luqiao Housing and Urban-Rural Development Bureau");
    desk.assert_contains("区园林处");
}
