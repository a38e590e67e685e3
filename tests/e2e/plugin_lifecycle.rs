//! Station brands over time: case events reach plugins through the durable outbox (retried
//! when a plugin fails, waiting while no host runs), upgrades keep data and never widen a
//! grant nobody gave, and the `plugin` command makes and tries a brand without a server.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use liaison_domain::plugins::{outbox, registry as rows};
use liaison_host::{PluginHost, registry};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

use crate::plugins::{FAULT_LAB, HELLO, HELLO_CAPS, listed, stat, station_state};
use crate::support::{
    Backend, Package, TEST_VIEW_DEADLINE_MS, TestApp, plugin_component, plugin_settings,
    prepare_app, seed_plugin_cache, spawn_plugin_app, stored, unique, wait_until,
};

both_backends!(
    events_are_delivered_after_commit,
    events_written_while_no_host_runs_are_delivered_at_start,
    upgrades_keep_data_and_need_new_grants,
);

/// The delivery of each outbox row of `case_id`, as (action, plugin, status, attempts, error).
async fn deliveries_of(
    db: &DatabaseConnection,
    case_id: i64,
) -> Vec<(String, String, String, i32, Option<String>)> {
    let rows = outbox::events_of_case(db, case_id).await.unwrap();
    let mut out = Vec::new();
    for row in rows {
        for d in outbox::deliveries_of(db, row.id).await.unwrap() {
            out.push((
                row.action.clone(),
                d.plugin_id,
                d.status,
                d.attempts,
                d.last_error,
            ));
        }
    }
    out
}

/// Waits until every delivery of the case is done (and there are `n` of them).
async fn wait_all_done(db: &DatabaseConnection, case_id: i64, n: usize, within: Duration) {
    wait_until(
        within,
        &format!("{n} deliveries of case {case_id} done"),
        || async {
            let d = deliveries_of(db, case_id).await;
            if d.len() == n && d.iter().all(|x| x.2 == "done") {
                Ok(())
            } else {
                Err(format!("{d:?}"))
            }
        },
    )
    .await
}

async fn enable_both(app: &TestApp, ops: &str) {
    app.install_package(ops, &Package::hello()).await;
    app.install_package(ops, &Package::fault_lab()).await;
    app.plugin_enable(Some(ops), "lunan", HELLO, &HELLO_CAPS, json!({}))
        .await
        .expect(200);
    app.plugin_enable(Some(ops), "lunan", FAULT_LAB, &["storage"], json!({}))
        .await
        .expect(200);
}

async fn events_are_delivered_after_commit(b: Backend) {
    let app = spawn_plugin_app(b).await;
    let ops = app.login_demo("ops").await;
    let staff = app.login_demo("staff").await;
    enable_both(&app, &ops).await;

    let case = app.submit_at("lunan").await;
    // fault-lab fails the first delivery of "register"; the transition stands regardless.
    let d = app
        .act(
            Some(&staff),
            case.id,
            "register",
            json!({ "note": "已电话核实" }),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(d["status"], "registered");

    let seen_register = format!("seen:{}:register", case.id);
    let seen_submit = format!("seen:{}:submit", case.id);
    wait_until(
        Duration::from_secs(15),
        "fault-lab to see register twice (a failure, then the retry after backoff)",
        || async {
            let r = app.plugin_stored(FAULT_LAB, "lunan", &seen_register).await;
            if r == Some(json!(2)) {
                Ok(())
            } else {
                Err(format!(
                    "{r:?}; deliveries {:?}",
                    deliveries_of(&app.db, case.id).await
                ))
            }
        },
    )
    .await;
    wait_all_done(&app.db, case.id, 4, Duration::from_secs(5)).await;
    assert_eq!(
        app.plugin_stored(FAULT_LAB, "lunan", &seen_submit).await,
        Some(json!(1))
    );
    let d = deliveries_of(&app.db, case.id).await;
    let find = |action: &str, plugin: &str| {
        d.iter()
            .find(|x| x.0 == action && x.1 == plugin)
            .unwrap_or_else(|| panic!("no {action} delivery to {plugin}: {d:?}"))
            .clone()
    };
    let failed_once = find("register", FAULT_LAB);
    assert_eq!(
        (failed_once.2.as_str(), failed_once.3),
        ("done", 1),
        "{d:?}"
    );
    assert!(
        failed_once
            .4
            .as_deref()
            .is_some_and(|e| e.contains("fails the first register")),
        "{d:?}"
    );
    assert_eq!(find("submit", FAULT_LAB).3, 0, "{d:?}");
    assert_eq!(find("register", HELLO).3, 0, "{d:?}");
    assert_eq!(find("submit", HELLO).3, 0, "{d:?}");
    // hello-brand counted each event once, and shows it.
    assert_eq!(
        app.plugin_stored(HELLO, "lunan", "events:submit").await,
        Some(json!(1))
    );
    assert_eq!(
        app.plugin_stored(HELLO, "lunan", "events:register").await,
        Some(json!(1))
    );
    let v = app
        .plugin_view(None, "lunan", HELLO, "home", false)
        .await
        .expect(200);
    assert_eq!(stat(&v.body, "已受理"), "1");
    // The failed delivery stays counted in its window (failures are counted over a window: a
    // success no longer resets them, or a plugin failing every other call would never be
    // suspended), and one failure is far from suspending the plugin.
    let state = station_state(&app, &ops, FAULT_LAB, "lunan").await;
    assert_eq!(state["failures_in_window"], 1, "{state}");
    assert_eq!(state["consecutive_failures"], 1, "{state}");
    assert_eq!(state["suspended"], false, "{state}");
    assert_eq!(state["enabled"], true, "{state}");
    assert_eq!(app.case_row(case.id).await.status.as_str(), "registered");

    // A case at 金清, where no plugin is enabled: handed out to nobody.
    let other = app.submit_at("jinqing").await;
    wait_until(
        Duration::from_secs(10),
        "the 金清 case's event to be dispatched",
        || async {
            let rows = outbox::events_of_case(&app.db, other.id).await.unwrap();
            if !rows.is_empty() && rows.iter().all(|r| r.dispatched) {
                Ok(())
            } else {
                Err(format!("{rows:?}"))
            }
        },
    )
    .await;
    assert_eq!(deliveries_of(&app.db, other.id).await, vec![]);
    assert_eq!(
        app.plugin_stored(FAULT_LAB, "lunan", &format!("seen:{}:submit", other.id))
            .await,
        None
    );
    // At least once, and here exactly: nothing is left to deliver (a pass of the outbox by a
    // host of the test's own finds nothing due), so no delivery can come again.
    let host = std::sync::Arc::new(
        PluginHost::new(
            app.db.clone(),
            app.clock.clone(),
            app.settings.plugins.clone(),
        )
        .expect("a plugin host"),
    );
    liaison_host::outbox::fan_out(&host).await.unwrap();
    let lanes = liaison_host::outbox::Lanes::default();
    assert_eq!(
        liaison_host::outbox::deliver_due(&host, &lanes)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        app.plugin_stored(FAULT_LAB, "lunan", &seen_register).await,
        Some(json!(2))
    );
}

async fn events_written_while_no_host_runs_are_delivered_at_start(b: Backend) {
    let prepared = prepare_app(b, plugin_settings).await;
    let db = prepared.db.clone();
    let lunan = liaison_domain::stations::by_code(&db, "lunan")
        .await
        .unwrap()
        .id;
    {
        // Ops installed and enabled both brands earlier, with a host of their own.
        let host = PluginHost::new(
            db.clone(),
            prepared.clock.clone(),
            prepared.settings.plugins.clone(),
        )
        .expect("a plugin host");
        for pkg in [Package::hello(), Package::fault_lab()] {
            seed_plugin_cache(
                &prepared.settings.plugins.cache_dir,
                &pkg.manifest,
                &pkg.component,
            );
            registry::install(&host, &pkg.manifest, &pkg.component, None)
                .await
                .expect("installing");
        }
        let caps: Vec<String> = HELLO_CAPS.iter().map(|c| c.to_string()).collect();
        registry::enable(&host, "lunan", HELLO, &caps, &BTreeMap::new(), None)
            .await
            .expect("enabling hello-brand");
        registry::enable(
            &host,
            "lunan",
            FAULT_LAB,
            &["storage".to_owned()],
            &BTreeMap::new(),
            None,
        )
        .await
        .expect("enabling fault-lab");
    }

    // A case committed while no server and no plugin host runs: its event waits in the outbox.
    let category = liaison_domain::categories::by_code(&db, "ecology")
        .await
        .unwrap()
        .unwrap();
    let description = "河道里漂着很多垃圾，气味很大，希望尽快清理。".to_owned();
    let new = liaison_domain::cases::intake::NewCase {
        station_id: lunan,
        deputy_id: None,
        category_id: category.id,
        channel: liaison_domain::cases::Channel::StationQr,
        title: liaison_domain::cases::intake::default_title(&description),
        description,
        urgency: liaison_domain::cases::Urgency::Normal,
        location: None,
        anonymous: true,
        contact: None,
        intake_key: None,
        recorded_by: None,
        photos: Vec::new(),
        notify_consent: false,
    };
    let (created, _) = liaison_domain::cases::intake::insert(&db, new, prepared.clock.now())
        .await
        .expect("writing the case");
    let waiting = outbox::events_of_case(&db, created.id).await.unwrap();
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(
        (waiting[0].action.as_str(), waiting[0].dispatched),
        ("submit", false)
    );
    assert_eq!(deliveries_of(&db, created.id).await, vec![]);
    assert_eq!(stored(&db, HELLO, lunan, "events:submit").await, None);

    // The server starts: the waiting event reaches both brands.
    let app = prepared.start().await;
    wait_all_done(&db, created.id, 2, Duration::from_secs(15)).await;
    assert_eq!(
        stored(
            &db,
            FAULT_LAB,
            lunan,
            &format!("seen:{}:submit", created.id)
        )
        .await,
        Some(json!(1))
    );
    assert_eq!(
        stored(&db, HELLO, lunan, "events:submit").await,
        Some(json!(1))
    );
    let v = app
        .plugin_view(None, "lunan", HELLO, "home", false)
        .await
        .expect(200);
    assert_eq!(stat(&v.body, "新提交"), "1");
}

async fn upgrades_keep_data_and_need_new_grants(b: Backend) {
    let app = spawn_plugin_app(b).await;
    let ops = app.login_demo("ops").await;
    let v1 = Package::hello();
    app.install_package(&ops, &v1).await;
    let mut with_deputies = HELLO_CAPS.to_vec();
    with_deputies.push("deputies.read");
    // 路南 and 金清 grant what 0.1.0 asks for; 蓬街 grants more, which is not stored: only
    // what the package asks for is.
    for (station, grant, greeting) in [
        ("lunan", &HELLO_CAPS[..], "路南欢迎您"),
        ("jinqing", &HELLO_CAPS[..], "金清欢迎您"),
        ("pengjie", &with_deputies[..], "蓬街欢迎您"),
    ] {
        app.plugin_enable(
            Some(&ops),
            station,
            HELLO,
            grant,
            json!({ "greeting": greeting }),
        )
        .await
        .expect(200);
    }
    app.plugin_act(
        None,
        "lunan",
        HELLO,
        "ask",
        json!({ "question": "小区门口的路灯坏了三天了", "category": "urban_construction" }),
    )
    .await
    .expect(200);
    assert_eq!(
        app.plugin_stored(HELLO, "lunan", "asked").await,
        Some(json!(1))
    );
    let sorted = |v: &Value| {
        let mut s: Vec<String> = v
            .as_array()
            .unwrap_or_else(|| panic!("a list: {v}"))
            .iter()
            .map(|x| x.as_str().unwrap().to_owned())
            .collect();
        s.sort();
        s
    };

    // 0.2.0 asks for deputies.read as well: it waits for ops everywhere, 蓬街's wider grant of
    // 0.1.0 included (a grant never widens silently on upgrade).
    let v2 = v1.with_version("0.2.0").with_capabilities(&with_deputies);
    let r = app.install_package(&ops, &v2).await;
    assert_eq!(r["version"], "0.2.0");
    assert_eq!(
        sorted(&r["awaiting_grant_at"]),
        ["jinqing", "lunan", "pengjie"],
        "{r}"
    );
    assert_eq!(r["upgraded_at"], json!([]), "{r}");
    let refused = app
        .plugin_view(None, "lunan", HELLO, "home", false)
        .await
        .expect_error(503, "unavailable", None);
    assert!(
        refused.message().contains("grant again") && refused.message().contains("deputies.read"),
        "{}",
        refused.text
    );
    app.plugin_act(
        None,
        "lunan",
        HELLO,
        "ask",
        json!({ "question": "小区门口的路灯又坏了", "category": "urban_construction" }),
    )
    .await
    .expect_error(503, "unavailable", None);
    assert!(listed(&app, None, "lunan").await.is_empty());
    app.plugin_view(None, "pengjie", HELLO, "home", false)
        .await
        .expect_error(503, "unavailable", None);
    // Ops decide at 蓬街: it moved in place, settings and all.
    app.plugin_enable(
        Some(&ops),
        "pengjie",
        HELLO,
        &with_deputies,
        json!({ "greeting": "蓬街欢迎您" }),
    )
    .await
    .expect(200);
    let v = app
        .plugin_view(None, "pengjie", HELLO, "home", false)
        .await
        .expect(200);
    assert_eq!(v.body["blocks"][1]["text"], "蓬街欢迎您");
    // Nothing of 路南's data is lost while it waits.
    assert_eq!(
        app.plugin_stored(HELLO, "lunan", "asked").await,
        Some(json!(1))
    );
    let state = station_state(&app, &ops, HELLO, "lunan").await;
    assert_eq!(state["enabled"], false, "{state}");
    assert_eq!(state["version"], "0.2.0", "{state}");
    assert!(
        state["disabled_reason"]
            .as_str()
            .is_some_and(|r| r.contains("deputies.read")),
        "{state}"
    );
    let p = crate::plugins::plugin_state(&app, &ops, HELLO).await;
    assert_eq!(p["current_version"], "0.2.0");
    assert_eq!(p["versions"], json!(["0.1.0", "0.2.0"]));
    assert_eq!(
        station_state(&app, &ops, HELLO, "pengjie").await["enabled"],
        true
    );

    // Granted again at 路南: it renders, with the data it had.
    let r = app
        .plugin_enable(
            Some(&ops),
            "lunan",
            HELLO,
            &with_deputies,
            json!({ "greeting": "路南欢迎您" }),
        )
        .await
        .expect(200);
    assert_eq!(r.body["effective"], json!(with_deputies));
    let v = app
        .plugin_view(None, "lunan", HELLO, "home", false)
        .await
        .expect(200);
    assert_eq!(v.body["blocks"][1]["text"], "路南欢迎您");
    assert_eq!(stat(&v.body, "已提问"), "1");

    // 0.3.0 asks for nothing more than 0.2.0: it moves in place wherever 0.2.0 was granted.
    let v3 = v2.with_version("0.3.0");
    let r = app.install_package(&ops, &v3).await;
    assert_eq!(sorted(&r["upgraded_at"]), ["lunan", "pengjie"], "{r}");
    assert_eq!(sorted(&r["awaiting_grant_at"]), ["jinqing"], "{r}");
    let v = app
        .plugin_view(None, "lunan", HELLO, "home", false)
        .await
        .expect(200);
    assert_eq!(stat(&v.body, "已提问"), "1");
    let state = station_state(&app, &ops, HELLO, "lunan").await;
    assert_eq!(state["version"], "0.3.0", "{state}");
    assert_eq!(state["enabled"], true, "{state}");

    // 0.4.0 drops deputies.read again: 金清's old grant covers it, so 金清 runs it, with its
    // settings, without a new grant. 蓬街, which ops disabled, stays disabled.
    app.delete(&format!("/stations/pengjie/plugins/{HELLO}"), Some(&ops))
        .await
        .expect(204);
    let v4 = v1.with_version("0.4.0");
    let r = app.install_package(&ops, &v4).await;
    assert_eq!(
        sorted(&r["upgraded_at"]),
        ["jinqing", "lunan", "pengjie"],
        "{r}"
    );
    assert_eq!(r["awaiting_grant_at"], json!([]), "{r}");
    let v = app
        .plugin_view(None, "jinqing", HELLO, "home", false)
        .await
        .expect(200);
    assert_eq!(v.body["blocks"][1]["text"], "金清欢迎您");
    let state = station_state(&app, &ops, HELLO, "jinqing").await;
    assert_eq!(state["enabled"], true, "{state}");
    assert_eq!(state["disabled_reason"], Value::Null, "{state}");
    assert_eq!(state["version"], "0.4.0", "{state}");
    assert_eq!(listed(&app, None, "jinqing").await, [HELLO]);
    let state = station_state(&app, &ops, HELLO, "pengjie").await;
    assert_eq!(state["enabled"], false, "{state}");
    assert_eq!(state["disabled_reason"], "disabled by ops", "{state}");
    app.plugin_view(None, "pengjie", HELLO, "home", false)
        .await
        .expect_error(503, "unavailable", None);

    // Turned off by ops, a station stays off through versions that ask for more and then
    // for less again, and says why.
    app.delete(&format!("/stations/jinqing/plugins/{HELLO}"), Some(&ops))
        .await
        .expect(204);
    // 0.5.0 asks for deputies.read again, which 0.4.0 did not: 路南 waits for ops too.
    let r = app.install_package(&ops, &v2.with_version("0.5.0")).await;
    assert_eq!(
        sorted(&r["awaiting_grant_at"]),
        ["jinqing", "lunan", "pengjie"],
        "{r}"
    );
    let r = app.install_package(&ops, &v1.with_version("0.6.0")).await;
    assert_eq!(r["awaiting_grant_at"], json!([]), "{r}");
    for station in ["jinqing", "pengjie"] {
        let state = station_state(&app, &ops, HELLO, station).await;
        assert_eq!(state["enabled"], false, "{state}");
        assert_eq!(state["disabled_reason"], "disabled by ops", "{state}");
        assert_eq!(state["version"], "0.6.0", "{state}");
    }
    assert_eq!(
        station_state(&app, &ops, HELLO, "lunan").await["enabled"],
        true
    );
    assert!(listed(&app, None, "jinqing").await.is_empty());

    // Every move is on record, for every station.
    let upgrades: Vec<_> = rows::grant_log(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|l| l.action == "upgrade")
        .collect();
    assert_eq!(upgrades.len(), 15, "{upgrades:?}");
}

// ---- The command line ---------------------------------------------------------------------

const BIN: &str = env!("CARGO_BIN_EXE_liaison-under-test");

/// A temporary working folder, removed at the end.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `liaison plugin <args>` run in `dir`, with no configuration but the embedded defaults, the
/// plugin cache and temporary files inside `dir`.
async fn plugin_command(dir: &Path, args: &[&str]) -> Output {
    let mut c = tokio::process::Command::new(BIN);
    c.arg("plugin").args(args).current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("LIAISON__") || key == "RUST_LOG" {
            c.env_remove(key);
        }
    }
    c.env(
        "LIAISON__PLUGINS__CACHE_DIR",
        dir.join("plugin-cache").display().to_string(),
    )
    .env(
        "LIAISON__PLUGINS__VIEW_DEADLINE_MS",
        TEST_VIEW_DEADLINE_MS.to_string(),
    )
    .env("LIAISON__LOG__FILTER", "warn")
    .env("TMPDIR", dir.join("tmp"))
    .stdin(Stdio::null())
    .kill_on_drop(true);
    tokio::time::timeout(Duration::from_secs(180), c.output())
        .await
        .unwrap_or_else(|_| panic!("`plugin {}` finished within 3 minutes", args.join(" ")))
        .expect("running the command")
}

fn show(o: &Output) -> String {
    format!(
        "status {}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The JSON a successful command printed.
#[track_caller]
fn printed(o: &Output) -> Value {
    assert!(o.status.success(), "{}", show(o));
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("the command prints JSON ({e}):\n{}", show(o)))
}

#[tokio::test]
async fn plugin_command_makes_and_tries_brands() {
    let scratch = Scratch(std::env::temp_dir().join(unique("liaison-plugin-cli")));
    let dir = scratch.0.as_path();
    std::fs::create_dir_all(dir.join("tmp")).unwrap();

    // A new crate from the template, with its names.
    let made = dir.join("my-brand");
    let o = plugin_command(dir, &["new", "my-brand", "--dir", made.to_str().unwrap()]).await;
    assert!(o.status.success(), "{}", show(&o));
    let cargo = std::fs::read_to_string(made.join("Cargo.toml")).expect("Cargo.toml");
    let manifest = std::fs::read_to_string(made.join("plugin.toml")).expect("plugin.toml");
    let lib = std::fs::read_to_string(made.join("src/lib.rs")).expect("src/lib.rs");
    assert!(
        cargo.lines().any(|l| l.trim() == "name = \"my-brand\""),
        "{cargo}"
    );
    assert!(
        cargo.contains("[workspace]"),
        "a workspace of its own: {cargo}"
    );
    let m = liaison_host::manifest::Manifest::parse(&manifest)
        .unwrap_or_else(|e| panic!("the new plugin.toml parses ({e}):\n{manifest}"));
    assert_eq!(m.id, "my-brand");
    assert_eq!(m.name.en, "My Brand");
    assert!(
        lib.contains("my_brand") || lib.contains("my-brand"),
        "{lib}"
    );
    for (file, text) in [
        ("Cargo.toml", &cargo),
        ("plugin.toml", &manifest),
        ("src/lib.rs", &lib),
    ] {
        for name in ["template-brand", "template_brand", "Template brand", "模板"] {
            assert!(
                !text.to_lowercase().contains(&name.to_lowercase()),
                "{file} still says {name}:\n{text}"
            );
        }
    }
    // It refuses to write over what is there, and names that are not ids.
    let o = plugin_command(dir, &["new", "my-brand", "--dir", made.to_str().unwrap()]).await;
    assert!(!o.status.success(), "{}", show(&o));
    let o = plugin_command(dir, &["new", "My Brand", "--dir", "elsewhere"]).await;
    assert!(!o.status.success(), "{}", show(&o));
    assert!(!dir.join("elsewhere").exists());

    // A package directory of hello-brand, tried against a real host.
    let pkg = dir.join("hello-package");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("plugin.toml"), Package::hello().manifest).unwrap();
    std::fs::write(pkg.join("plugin.wasm"), plugin_component("hello_brand")).unwrap();
    let pkg = pkg.to_str().unwrap();

    let view =
        printed(&plugin_command(dir, &["run", pkg, "--view", "home", "--station", "lunan"]).await);
    assert_eq!(
        view[0],
        json!({ "type": "heading", "level": 1, "text": "你好站点" }),
        "{view}"
    );
    assert_eq!(view[1]["text"], "欢迎来到代表联络站", "{view}");

    let asked = printed(
        &plugin_command(
            dir,
            &[
                "run",
                pkg,
                "--action",
                "ask",
                "--input",
                "question=河道里漂着很多垃圾，希望尽快清理",
                "--input",
                "category=ecology",
            ],
        )
        .await,
    );
    assert!(asked["case_id"].as_i64().is_some(), "a case id: {asked}");
    assert!(
        asked["message"].as_str().unwrap().starts_with("已收到"),
        "{asked}"
    );

    let o = plugin_command(
        dir,
        &[
            "run",
            pkg,
            "--action",
            "ask",
            "--input",
            "question=河道里漂着很多垃圾，希望尽快清理",
            "--input",
            "category=outer_space",
        ],
    )
    .await;
    assert!(!o.status.success(), "{}", show(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("category"),
        "{}",
        show(&o)
    );

    // The component was compiled once into the configured cache and reused; the scratch
    // databases are gone, the failed run's too.
    let cached: Vec<_> = std::fs::read_dir(dir.join("plugin-cache"))
        .expect("the configured plugin cache")
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(cached.len(), 1, "{cached:?}");
    let left: Vec<_> = std::fs::read_dir(dir.join("tmp"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "scratch left behind: {left:?}");
    assert!(
        !dir.join("data").exists(),
        "nothing written to the working folder's data/"
    );
}
