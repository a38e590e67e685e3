//! Station brands end to end, with the brands' real WebAssembly components: ops install a
//! package and enable it at a station with grants; residents and staff see its views and run
//! its actions through the host's checks; a plugin that traps, loops or overspends fails alone
//! and is suspended after a streak. Events, upgrades and the command line: `plugin_lifecycle`.

use std::time::{Duration, Instant};

use liaison_domain::plugins::registry;
use liaison_host::runtime::package_digest;
use serde_json::{Value, json};

use crate::support::{
    Backend, Package, Resp, TEST_VIEW_DEADLINE_MS, TestApp, spawn_app, spawn_plugin_app,
};

both_backends!(
    install_checks_the_package,
    enable_grants_and_settings,
    views_and_actions,
    faults_fail_alone_and_suspend,
    the_shipped_deadline_stops_a_loop,
);

pub const HELLO: &str = "hello-brand";
pub const FAULT_LAB: &str = "fault-lab";
/// What hello-brand asks for.
pub const HELLO_CAPS: [&str; 4] = ["storage", "cases.read", "cases.create", "cases.tag"];

pub async fn user_id(app: &TestApp, username: &str) -> i64 {
    liaison_domain::users::by_username(&app.db, username)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no user {username}"))
        .id
}

/// The plugin's entry in GET /plugins (as ops).
pub async fn plugin_state(app: &TestApp, ops: &str, plugin: &str) -> Value {
    let r = app.get("/plugins", Some(ops)).await.expect(200);
    r.body
        .as_array()
        .expect("a list of plugins")
        .iter()
        .find(|p| p["id"] == plugin)
        .cloned()
        .unwrap_or_else(|| panic!("{plugin} is not listed: {}", r.text))
}

/// The plugin's state at one station in GET /plugins.
pub async fn station_state(app: &TestApp, ops: &str, plugin: &str, station: &str) -> Value {
    let p = plugin_state(app, ops, plugin).await;
    p["stations"]
        .as_array()
        .expect("stations")
        .iter()
        .find(|s| s["station"] == station)
        .cloned()
        .unwrap_or_else(|| panic!("{plugin} has no state at {station}: {p}"))
}

/// The ids of the brands GET /stations/{code}/plugins lists for this caller.
pub async fn listed(app: &TestApp, token: Option<&str>, station: &str) -> Vec<String> {
    app.get(&format!("/stations/{station}/plugins"), token)
        .await
        .expect(200)
        .body
        .as_array()
        .expect("a list of brands")
        .iter()
        .map(|b| b["id"].as_str().expect("an id").to_owned())
        .collect()
}

/// The value of the stat card labelled `label` in a JSON view.
pub fn stat(view: &Value, label: &str) -> String {
    view["blocks"]
        .as_array()
        .expect("blocks")
        .iter()
        .filter(|b| b["type"] == "stat_cards")
        .flat_map(|b| b["cards"].as_array().expect("cards").iter())
        .find(|c| c["label"] == label)
        .and_then(|c| c["value"].as_str())
        .unwrap_or_else(|| panic!("no stat card {label} in {view}"))
        .to_owned()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected a list, got {v}"))
        .iter()
        .map(|s| s.as_str().expect("a string").to_owned())
        .collect()
}

async fn version_count(app: &TestApp) -> u64 {
    app.count("SELECT COUNT(*) FROM plugin_versions")
        .await
        .try_into()
        .unwrap()
}

async fn install_checks_the_package(b: Backend) {
    let app = spawn_plugin_app(b).await;
    let ops = app.login_demo("ops").await;
    let staff = app.login_demo("staff").await;
    let viewer = app.login_demo("viewer").await;
    let hello = Package::hello();

    let r = app
        .plugin_install(Some(&ops), &hello.manifest, &hello.component)
        .await
        .expect(201);
    let digest = package_digest(&hello.manifest, &hello.component);
    assert_eq!(r.body["id"], HELLO);
    assert_eq!(r.body["version"], "0.1.0");
    assert_eq!(r.body["digest"], digest.as_str());
    assert!(
        digest.len() == 64 && digest.bytes().all(|c| c.is_ascii_hexdigit()),
        "{digest}"
    );
    assert_eq!(strings(&r.body["requested"]), HELLO_CAPS);
    assert_eq!(r.body["already_installed"], false);
    assert_eq!(r.body["upgraded_at"], json!([]));
    assert_eq!(r.body["awaiting_grant_at"], json!([]));
    assert_eq!(version_count(&app).await, 1);
    let current = registry::plugin(&app.db, HELLO)
        .await
        .unwrap()
        .and_then(|p| p.current_version_id)
        .expect("a current version");
    let row = registry::version(&app.db, current).await.unwrap().unwrap();
    assert_eq!(
        (row.plugin_id.as_str(), row.version.as_str()),
        (HELLO, "0.1.0")
    );
    assert_eq!(row.digest, digest);
    assert_eq!(row.component, hello.component, "the bytes are kept as sent");
    assert_eq!(row.installed_by, Some(user_id(&app, "ops").await));

    // The same package again changes nothing.
    let again = app
        .plugin_install(Some(&ops), &hello.manifest, &hello.component)
        .await
        .expect(200);
    assert_eq!(again.body["already_installed"], true);
    assert_eq!(again.body["digest"], digest.as_str());
    assert_eq!(version_count(&app).await, 1);

    // Only ops install.
    app.plugin_install(Some(&staff), &hello.manifest, &hello.component)
        .await
        .expect_error(403, "forbidden", None);
    app.plugin_install(None, &hello.manifest, &hello.component)
        .await
        .expect_error(401, "unauthorized", None);

    // A broken manifest names its field.
    let next = hello.with_version("0.1.1");
    for (pkg, field) in [
        (
            next.with_manifest_line("id", "\"Hello Brand\""),
            "manifest.id",
        ),
        (
            next.with_capabilities(&["storage", "network"]),
            "manifest.capabilities[1]",
        ),
        (next.with_manifest_line("wit", "\"9.0.0\""), "manifest.wit"),
        (
            next.with_manifest_line("version", "\"one\""),
            "manifest.version",
        ),
        (
            next.with_manifest_line("listens", "[\"explode\"]"),
            "manifest.listens[0]",
        ),
    ] {
        let r = app
            .plugin_install(Some(&ops), &pkg.manifest, &pkg.component)
            .await
            .expect_error(422, "invalid", Some(field));
        if field == "manifest.wit" {
            assert!(r.message().contains("9.0.0"), "{}", r.text);
        }
    }
    app.plugin_install(Some(&ops), "id = [", &next.component)
        .await
        .expect_error(422, "invalid", Some("manifest"));
    // A component that is not one.
    app.plugin_install(Some(&ops), &next.manifest, b"not a WebAssembly component")
        .await
        .expect_error(422, "invalid", Some("component"));
    // A core module (the magic and version of wasm 1.0, no sections) is not a component.
    app.plugin_install(
        Some(&ops),
        &next.manifest,
        &[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    )
    .await
    .expect_error(422, "invalid", Some("component"));
    // Different bytes under a version that is installed: give the new build a new version.
    let other_bytes = Package::fault_lab().component;
    let r = app
        .plugin_install(Some(&ops), &hello.manifest, &other_bytes)
        .await
        .expect_error(409, "conflict", None);
    assert!(r.message().contains("new version"), "{}", r.text);
    // Both parts are needed.
    let only_manifest = reqwest::multipart::Form::new().text("manifest", hello.manifest.clone());
    let r = app
        .client
        .post(app.api("/plugins"))
        .bearer_auth(&ops)
        .multipart(only_manifest)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["field"], "component", "{body}");
    assert_eq!(
        version_count(&app).await,
        1,
        "refused packages leave nothing"
    );

    // Ops (and viewers) see what is installed.
    let list = app.get("/plugins", Some(&ops)).await.expect(200).body;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    let p = &list[0];
    assert_eq!(p["id"], HELLO);
    assert_eq!(p["name_zh"], "你好站点");
    assert_eq!(p["current_version"], "0.1.0");
    assert_eq!(p["versions"], json!(["0.1.0"]));
    assert_eq!(strings(&p["requested"]), HELLO_CAPS);
    assert_eq!(p["stations"], json!([]));
    app.get("/plugins", Some(&viewer)).await.expect(200);
    app.get("/plugins", Some(&staff))
        .await
        .expect_error(403, "forbidden", None);
}

async fn enable_grants_and_settings(b: Backend) {
    let app = spawn_plugin_app(b).await;
    let ops = app.login_demo("ops").await;
    let staff = app.login_demo("staff").await;
    let installed = app.install_package(&ops, &Package::hello()).await;

    // Refusals name what is wrong and write nothing.
    app.plugin_enable(
        Some(&ops),
        "lunan",
        HELLO,
        &["storage", "network"],
        json!({}),
    )
    .await
    .expect_error(422, "invalid", Some("grant[1]"));
    app.plugin_enable(
        Some(&ops),
        "lunan",
        HELLO,
        &["storage"],
        json!({ "greeting": 5 }),
    )
    .await
    .expect_error(422, "invalid", Some("settings.greeting"));
    app.plugin_enable(
        Some(&ops),
        "lunan",
        HELLO,
        &["storage"],
        json!({ "colour": "red" }),
    )
    .await
    .expect_error(422, "invalid", Some("settings.colour"));
    app.plugin_enable(Some(&staff), "lunan", HELLO, &["storage"], json!({}))
        .await
        .expect_error(403, "forbidden", None);
    app.plugin_enable(None, "lunan", HELLO, &["storage"], json!({}))
        .await
        .expect_error(401, "unauthorized", None);
    app.plugin_enable(Some(&ops), "atlantis", HELLO, &["storage"], json!({}))
        .await
        .expect_error(404, "not_found", None);
    app.plugin_enable(
        Some(&ops),
        "lunan",
        "no-such-brand",
        &["storage"],
        json!({}),
    )
    .await
    .expect_error(404, "not_found", None);
    assert!(registry::grant_log(&app.db).await.unwrap().is_empty());
    assert!(registry::station_plugins(&app.db).await.unwrap().is_empty());
    assert!(listed(&app, None, "lunan").await.is_empty());

    // Granted more than it asks for: only what it asks for is stored and effective.
    let granted = [
        "storage",
        "cases.read",
        "cases.create",
        "cases.tag",
        "deputies.read",
    ];
    let r = app
        .plugin_enable(
            Some(&ops),
            "lunan",
            HELLO,
            &granted,
            json!({ "greeting": "路南欢迎您" }),
        )
        .await
        .expect(200);
    assert_eq!(strings(&r.body["granted"]), HELLO_CAPS);
    assert_eq!(strings(&r.body["effective"]), HELLO_CAPS);
    assert_eq!(r.body["settings"], json!({ "greeting": "路南欢迎您" }));

    // Residents at 路南 see the brand with what they may use; 金清 has no brand.
    let brands = app
        .get("/stations/lunan/plugins", None)
        .await
        .expect(200)
        .body;
    assert_eq!(brands.as_array().map(Vec::len), Some(1), "{brands}");
    let hello = &brands[0];
    assert_eq!(hello["id"], HELLO);
    assert_eq!(hello["name"]["zh"], "你好站点");
    assert_eq!(hello["views"][0]["id"], "home");
    assert_eq!(hello["views"][0]["title"]["en"], "Hello");
    assert_eq!(hello["actions"][0]["id"], "ask");
    let fields: Vec<&str> = hello["actions"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["question", "category"]);
    assert!(listed(&app, None, "jinqing").await.is_empty());
    app.plugin_view(None, "jinqing", HELLO, "home", false)
        .await
        .expect_error(404, "not_found", None);

    // The grant is on record: who, when, what, for which package.
    let log = registry::grant_log(&app.db).await.unwrap();
    assert_eq!(log.len(), 1, "{log:?}");
    let row = &log[0];
    assert_eq!(row.action, "enable");
    assert_eq!(row.plugin_id, HELLO);
    assert_eq!(row.station_id, app.station_id("lunan").await);
    assert_eq!(row.user_id, Some(user_id(&app, "ops").await));
    assert_eq!(row.digest, installed["digest"].as_str().unwrap());
    let logged: Vec<String> = serde_json::from_str(&row.granted).unwrap();
    assert_eq!(logged, HELLO_CAPS);
    let state = station_state(&app, &ops, HELLO, "lunan").await;
    assert_eq!(state["enabled"], true);
    assert_eq!(state["version"], "0.1.0");
    assert_eq!(strings(&state["granted"]), HELLO_CAPS);
    assert_eq!(state["suspended"], false);
    assert_eq!(state["consecutive_failures"], 0);

    // Disabled: gone from the station, views unavailable, on record.
    app.delete(&format!("/stations/lunan/plugins/{HELLO}"), Some(&staff))
        .await
        .expect_error(403, "forbidden", None);
    app.delete(&format!("/stations/lunan/plugins/{HELLO}"), Some(&ops))
        .await
        .expect(204);
    assert!(listed(&app, None, "lunan").await.is_empty());
    app.plugin_view(None, "lunan", HELLO, "home", false)
        .await
        .expect_error(503, "unavailable", None);
    let actions: Vec<String> = registry::grant_log(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert_eq!(actions, ["enable", "disable"]);
    // Enabled again without settings: the declared default.
    let r = app
        .plugin_enable(Some(&ops), "lunan", HELLO, &HELLO_CAPS, json!({}))
        .await
        .expect(200);
    assert_eq!(r.body["settings"]["greeting"], "欢迎来到代表联络站");
    assert_eq!(listed(&app, None, "lunan").await, [HELLO]);
}

/// The JSON view's blocks.
fn blocks(view: &Resp) -> &Vec<Value> {
    view.body["blocks"]
        .as_array()
        .unwrap_or_else(|| panic!("a view with blocks: {}", view.text))
}

async fn views_and_actions(b: Backend) {
    let app = spawn_plugin_app(b).await;
    let ops = app.login_demo("ops").await;
    let staff = app.login_demo("staff").await;
    app.install_package(&ops, &Package::hello()).await;
    let greeting = "<script>alert('路南')</script> & 欢迎";
    app.plugin_enable(
        Some(&ops),
        "lunan",
        HELLO,
        &HELLO_CAPS,
        json!({ "greeting": greeting }),
    )
    .await
    .expect(200);

    // The view as data: the heading, the station's greeting as plain text, counts, a form.
    let v = app
        .plugin_view(None, "lunan", HELLO, "home", false)
        .await
        .expect(200);
    assert_eq!(v.body["plugin"], HELLO);
    assert_eq!(v.body["view"], "home");
    assert_eq!(v.body["title"]["zh"], "你好站点");
    let bl = blocks(&v);
    assert_eq!(
        bl[0],
        json!({ "type": "heading", "level": 1, "text": "你好站点" })
    );
    assert_eq!(bl[1], json!({ "type": "text", "text": greeting }));
    assert_eq!(stat(&v.body, "已提问"), "0");
    let form = bl
        .iter()
        .find(|b| b["type"] == "form")
        .map(|b| &b["form"])
        .expect("a form");
    assert_eq!(form["action"], "ask");
    assert_eq!(form["fields"][0]["name"], "question");
    assert_eq!(form["fields"][0]["required"], true);
    assert_eq!(form["fields"][0]["max_length"], 500);
    assert_eq!(form["fields"][1]["kind"], "select");
    let en = app
        .get(
            &format!("/stations/lunan/plugins/{HELLO}/views/home?locale=en"),
            None,
        )
        .await
        .expect(200);
    assert_eq!(blocks(&en)[0]["text"], "Hello");

    // As HTML: the site's markup, every string escaped, the form posting to the action.
    let h = app
        .plugin_view(None, "lunan", HELLO, "home", true)
        .await
        .expect(200);
    assert!(
        h.content_type.starts_with("text/html"),
        "{}",
        h.content_type
    );
    assert!(h.text.contains("<h2>你好站点</h2>"), "{}", h.text);
    assert!(!h.text.contains("<script"), "{}", h.text);
    assert!(
        h.text
            .contains("&lt;script&gt;alert(&#39;路南&#39;)&lt;/script&gt; &amp; 欢迎"),
        "{}",
        h.text
    );
    assert!(
        h.text.contains(&format!(
            "<form method=\"post\" action=\"/api/v1/stations/lunan/plugins/{HELLO}/actions/ask\">"
        )),
        "{}",
        h.text
    );
    assert!(h.text.contains("name=\"question\""), "{}", h.text);
    assert!(h.text.contains("<option value=\"ecology\">"), "{}", h.text);

    // Staff see more, as the plugin decides for their audience.
    let s = app
        .plugin_view(Some(&staff), "lunan", HELLO, "home", false)
        .await
        .expect(200);
    assert!(
        blocks(&s)
            .iter()
            .any(|b| b["type"] == "text" && b["text"] == "还没有提问。"),
        "{}",
        s.text
    );

    // The action files a case at the station, through the host.
    let r = app
        .plugin_act(
            None,
            "lunan",
            HELLO,
            "ask",
            json!({ "question": "  小区门口的路灯坏了三天了  ", "category": "ecology" }),
        )
        .await
        .expect(200);
    let id = r.body["case_id"].as_i64().expect("a case id");
    // The resident follows the case by the receipt code, not by an internal number.
    assert_eq!(r.body["message"], "已收到您的问题。", "{}", r.text);
    assert_eq!(r.body["view"][0]["type"], "notice");
    let row = app.case_row(id).await;
    assert_eq!(row.station_id, app.station_id("lunan").await);
    assert_eq!(row.channel.as_str(), "plugin");
    assert_eq!(row.status.as_str(), "submitted");
    assert_eq!(row.description, "小区门口的路灯坏了三天了");
    let ecology = liaison_domain::categories::by_code(&app.db, "ecology")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.category_id, ecology.id);
    let tags = app
        .texts(&format!(
            "SELECT tag || ' ' || plugin_id FROM case_tags WHERE case_id = {id}"
        ))
        .await;
    assert_eq!(tags, [format!("hello {HELLO}")]);
    let events = app.event_rows(id).await;
    assert_eq!(events[0].action, "submit");
    let note = events
        .iter()
        .find(|e| e.action == "annotate")
        .expect("the plugin's note on the case");
    assert_eq!((note.actor_role.as_str(), note.public), ("plugin", false));
    let d = app.detail(&staff, id).await;
    assert_eq!(d["channel"], "plugin");
    assert_eq!(d["station"]["code"], "lunan");
    // Staff see the brand's tag on the case and can filter by it.
    assert_eq!(d["tags"], json!(["hello"]));
    assert_eq!(app.list_ids(&staff, "tag=hello").await, vec![id]);
    assert!(app.list_ids(&staff, "tag=no-such-tag").await.is_empty());
    // Counted in its storage, and shown.
    assert_eq!(
        app.plugin_stored(HELLO, "lunan", "asked").await,
        Some(json!(1))
    );
    let v = app
        .plugin_view(None, "lunan", HELLO, "home", false)
        .await
        .expect(200);
    assert_eq!(stat(&v.body, "已提问"), "1");
    let s = app
        .plugin_view(Some(&staff), "lunan", HELLO, "home", false)
        .await
        .expect(200);
    let table = blocks(&s)
        .iter()
        .find(|b| b["type"] == "table")
        .unwrap_or_else(|| panic!("staff see the cases it filed: {}", s.text));
    assert_eq!(table["rows"][0][0], id.to_string());

    // The host checks the form against the manifest before the plugin sees it.
    let question = "小区门口的路灯坏了三天了";
    for (values, field) in [
        (json!({ "category": "ecology" }), "values.question"),
        (
            json!({ "question": "   ", "category": "ecology" }),
            "values.question",
        ),
        (
            json!({ "question": "路".repeat(501), "category": "ecology" }),
            "values.question",
        ),
        (
            json!({ "question": question, "category": "outer_space" }),
            "values.category",
        ),
        (
            json!({ "question": question, "category": "ecology", "phone": "13812345678" }),
            "values.phone",
        ),
        // Long enough for the form, too short for a case: the plugin's own complaint, beside
        // the same field.
        (
            json!({ "question": "路灯", "category": "ecology" }),
            "values.question",
        ),
    ] {
        app.plugin_act(None, "lunan", HELLO, "ask", values)
            .await
            .expect_error(422, "invalid", Some(field));
    }
    app.plugin_act(None, "lunan", HELLO, "nope", json!({}))
        .await
        .expect_error(404, "not_found", None);
    app.plugin_view(None, "lunan", HELLO, "nope", false)
        .await
        .expect_error(404, "not_found", None);
    assert_eq!(app.case_count().await, 1, "refused forms file nothing");

    // Without cases.create the action cannot file, and says what is missing.
    let r = app
        .plugin_enable(
            Some(&ops),
            "lunan",
            HELLO,
            &["storage", "cases.read", "cases.tag"],
            json!({ "greeting": greeting }),
        )
        .await
        .expect(200);
    assert_eq!(
        strings(&r.body["effective"]),
        ["storage", "cases.read", "cases.tag"]
    );
    let r = app
        .plugin_act(
            None,
            "lunan",
            HELLO,
            "ask",
            json!({ "question": question, "category": "ecology" }),
        )
        .await
        .expect_error(503, "unavailable", None);
    assert!(r.message().contains("cases.create"), "{}", r.text);
    assert_eq!(app.case_count().await, 1, "nothing filed without the grant");
    assert_eq!(
        app.plugin_stored(HELLO, "lunan", "asked").await,
        Some(json!(1))
    );
    // The view needs only storage: it still renders.
    app.plugin_view(None, "lunan", HELLO, "home", false)
        .await
        .expect(200);
}

async fn healthy(app: &TestApp) {
    let r = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(r.status().as_u16(), 200);
}

/// Runs a fault-lab action as a resident; asserts the 503 within a few seconds.
async fn fails(app: &TestApp, station: &str, action: &str) -> Resp {
    timed_failure(app, station, action).await.0
}

async fn timed_failure(app: &TestApp, station: &str, action: &str) -> (Resp, Duration) {
    let started = Instant::now();
    let r = app
        .plugin_act(None, station, FAULT_LAB, action, json!({}))
        .await
        .expect_error(503, "unavailable", None);
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "{action} took {took:?} to fail"
    );
    (r, took)
}

async fn ok(app: &TestApp, station: &str) {
    let r = app
        .plugin_act(None, station, FAULT_LAB, "ok", json!({}))
        .await
        .expect(200);
    assert_eq!(r.body["message"], "ok");
}

async fn faults_fail_alone_and_suspend(b: Backend) {
    let app = spawn_plugin_app(b).await;
    let ops = app.login_demo("ops").await;
    let staff = app.login_demo("staff").await;
    app.install_package(&ops, &Package::hello()).await;
    app.install_package(&ops, &Package::fault_lab()).await;
    app.plugin_enable(Some(&ops), "lunan", HELLO, &HELLO_CAPS, json!({}))
        .await
        .expect(200);
    for station in ["lunan", "jinqing"] {
        app.plugin_enable(Some(&ops), station, FAULT_LAB, &["storage"], json!({}))
            .await
            .expect(200);
    }
    assert_eq!(listed(&app, None, "lunan").await, [FAULT_LAB, HELLO]);

    // Each fault fails alone, in time; the plugin works again at once, its neighbour renders,
    // the server serves. Failures are counted over a window, and a success in between does
    // not reset the count: the fifth failure at 路南 suspends it there, though every failure
    // was followed by a success.
    let deadline = Duration::from_millis(TEST_VIEW_DEADLINE_MS);
    let faults = [
        ("trap", "trapped"),
        ("loop", "deadline"),
        ("grow", "memory cap"),
        ("recurse", "stack overflow"),
        ("panic", "trapped"),
    ];
    for (i, (action, says)) in faults.into_iter().enumerate() {
        let (r, took) = timed_failure(&app, "lunan", action).await;
        if action == "loop" {
            assert!(took >= deadline, "the loop was stopped after {took:?}");
        }
        assert!(
            r.message().contains(says),
            "{action} should say {says:?}: {}",
            r.text
        );
        let state = station_state(&app, &ops, FAULT_LAB, "lunan").await;
        assert_eq!(state["failures_in_window"], i + 1, "{state}");
        assert_eq!(state["consecutive_failures"], i + 1, "{state}");
        assert_eq!(state["suspended"], i == 4, "{state}");
        if i < 4 {
            ok(&app, "lunan").await;
        }
        app.plugin_view(None, "lunan", HELLO, "home", false)
            .await
            .expect(200);
        healthy(&app).await;
    }
    let state = station_state(&app, &ops, FAULT_LAB, "lunan").await;
    assert_eq!(state["stats"]["calls"], 9, "{state}");
    assert_eq!(state["stats"]["failures"], 5, "{state}");
    // The oversized answer, at the other station: it fails alone there too.
    let r = fails(&app, "jinqing", "huge").await;
    assert!(r.message().contains("larger than"), "{}", r.text);
    ok(&app, "jinqing").await;

    let r = fails(&app, "lunan", "ok").await;
    assert!(r.message().contains("suspended"), "{}", r.text);
    app.get("/stations/lunan/plugins/fault-lab/views/home", Some(&staff))
        .await
        .expect_error(503, "unavailable", None);
    let state = station_state(&app, &ops, FAULT_LAB, "lunan").await;
    assert_eq!(state["suspended"], true, "{state}");
    assert!(
        state["failures_in_window"].as_i64().unwrap() >= 5,
        "{state}"
    );
    let hello_state = station_state(&app, &ops, HELLO, "lunan").await;
    assert_eq!(hello_state["suspended"], false, "{hello_state}");
    assert_eq!(listed(&app, None, "lunan").await, [HELLO]);
    // Other stations, other plugins and core work go on.
    ok(&app, "jinqing").await;
    app.plugin_view(None, "lunan", HELLO, "home", false)
        .await
        .expect(200);
    app.submit_at("lunan").await;
    healthy(&app).await;

    // Ops resume it.
    let resume = format!("/stations/lunan/plugins/{FAULT_LAB}/resume");
    app.post(&resume, Some(&staff), &json!({}))
        .await
        .expect_error(403, "forbidden", None);
    app.post(&resume, Some(&ops), &json!({})).await.expect(204);
    ok(&app, "lunan").await;
    let state = station_state(&app, &ops, FAULT_LAB, "lunan").await;
    assert_eq!(state["suspended"], false, "{state}");
    assert_eq!(state["failures_in_window"], 0, "{state}");
    assert_eq!(listed(&app, None, "lunan").await, [FAULT_LAB, HELLO]);
    let resumed: Vec<_> = registry::grant_log(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|l| l.action == "resume")
        .collect();
    assert_eq!(resumed.len(), 1, "{resumed:?}");
    assert_eq!(resumed[0].plugin_id, FAULT_LAB);
    assert_eq!(resumed[0].user_id, Some(user_id(&app, "ops").await));
}

/// The deadline as shipped (100 ms) stops an endless loop, and the plugin answers again at once.
async fn the_shipped_deadline_stops_a_loop(b: Backend) {
    let app = spawn_app(b).await;
    assert_eq!(app.settings.plugins.view_deadline_ms, 100);
    let ops = app.login_demo("ops").await;
    app.install_package(&ops, &Package::fault_lab()).await;
    app.plugin_enable(Some(&ops), "lunan", FAULT_LAB, &["storage"], json!({}))
        .await
        .expect(200);
    let (r, took) = timed_failure(&app, "lunan", "loop").await;
    assert!(r.message().contains("100ms deadline"), "{}", r.text);
    assert!(
        took >= Duration::from_millis(100) && took < Duration::from_secs(2),
        "stopped after {took:?}"
    );
    ok(&app, "lunan").await;
}
