//! Grants without a server or a compiled component: the package's rows are written as an
//! install would write them (the component's bytes are never read by `enable`), on an
//! in-memory database, and the outbox fans out to the station's listening plugins.

use std::collections::BTreeMap;

use liaison_domain::Clock;
use liaison_domain::cases::intake;
use liaison_domain::configuration::Settings;
use liaison_domain::plugins::outbox;
use liaison_domain::reference::Reference;
use liaison_domain::stations::{NewStation, PublicCode, StationKind};

use super::*;

const HELLO: &str = include_str!("../../../../plugins/hello-brand/plugin.toml");

async fn host() -> PluginHost {
    let mut settings = Settings::defaults();
    settings.database.url = "sqlite::memory:".into();
    // Each connection to an in-memory database is a database of its own: keep to one.
    settings.database.sqlite_max_connections = 1;
    settings.plugins.cache_dir = String::new();
    let db = liaison_domain::db::connect(&settings.database)
        .await
        .expect("in-memory SQLite");
    liaison_domain::db::migrate(&db).await.expect("migrations");
    let reference = Reference::default();
    for code in ["lunan", "pengjie"] {
        stations::create(
            &db,
            &reference,
            &NewStation {
                code: PublicCode::parse(code).unwrap(),
                name: format!("{code} 联络站"),
                name_en: code.into(),
                kind: StationKind::Township,
                address: None,
                lat: None,
                lng: None,
            },
        )
        .await
        .unwrap();
    }
    let mut host = PluginHost::new(db, Clock::default(), settings.plugins).expect("host");
    host.reference = reference;
    host
}

/// The rows an install writes for `manifest` (its id and version as the text says); the digest.
async fn installed(host: &PluginHost, manifest: &str) -> String {
    let m = Manifest::parse(manifest).expect("a valid manifest");
    let component = b"not compiled: enable never reads it";
    let digest = crate::runtime::package_digest(manifest, component);
    let now = host.clock.now();
    rows::put_plugin(
        &host.db,
        &NewPlugin {
            id: m.id.clone(),
            name_zh: m.name.zh.clone(),
            name_en: m.name.en.clone(),
        },
        now,
    )
    .await
    .unwrap();
    let vid = rows::add_version(
        &host.db,
        NewVersion {
            plugin_id: m.id.clone(),
            version: m.version.clone(),
            wit_version: m.wit.clone(),
            digest: digest.clone(),
            manifest: manifest.to_owned(),
            component: component.to_vec(),
            installed_by: None,
            installed_at: now,
        },
    )
    .await
    .unwrap();
    rows::set_current_version(&host.db, &m.id, vid)
        .await
        .unwrap();
    digest
}

/// hello-brand under another id, listening to `listens` only.
fn another(id: &str, listens: &str) -> String {
    HELLO
        .replace("id = \"hello-brand\"", &format!("id = \"{id}\""))
        .replace(
            "listens = [\"submit\", \"register\"]",
            &format!("listens = [{listens}]"),
        )
}

/// The first column of every row `sql` answers, as text: the tests read the deliveries as
/// plain rows, the way ops would.
async fn texts(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    let backend = db.get_database_backend();
    db.query_all_raw(sea_orm::Statement::from_string(backend, sql))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect()
}

fn grant(caps: &[&str]) -> Vec<String> {
    caps.iter().map(|c| (*c).to_owned()).collect()
}

fn caps(names: &[&str]) -> BTreeSet<Capability> {
    names
        .iter()
        .map(|n| Capability::parse(n).unwrap())
        .collect()
}

async fn station_id(host: &PluginHost, code: &str) -> i64 {
    stations::by_code(&host.db, code).await.unwrap().id
}

#[tokio::test]
async fn enable_records_the_grant_and_the_plugin_gets_what_it_asked_and_was_granted() {
    let host = host().await;
    let digest = installed(&host, HELLO).await;
    // hello-brand asks for storage, cases.read, cases.create and cases.tag.
    let e = enable(
        &host,
        "lunan",
        "hello-brand",
        &grant(&["storage", "cases.read", "deputies.read"]),
        &BTreeMap::new(),
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        e.effective.iter().copied().collect::<BTreeSet<_>>(),
        caps(&["storage", "cases.read"]),
        "asked AND granted: not cases.create (not granted), not deputies.read (not asked)"
    );
    // Only what the package asks for is stored: a grant beyond it would silently cover a
    // later version asking for more (issue 11, item 10).
    assert_eq!(
        e.granted.iter().copied().collect::<BTreeSet<_>>(),
        caps(&["storage", "cases.read"])
    );
    assert_eq!(
        e.settings.get("greeting").map(String::as_str),
        Some("欢迎来到代表联络站"),
        "settings not given take the manifest's defaults"
    );

    let lunan = station_id(&host, "lunan").await;
    let r = row(&host.db, lunan, "hello-brand").await.unwrap();
    assert!(r.enabled);
    assert_eq!(caps_of(&r.granted), caps(&["storage", "cases.read"]));
    assert_eq!(
        r.granted_digest, digest,
        "the grant is tied to the package it was given for"
    );
    let log = rows::grant_log(&host.db).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (
            log[0].station_id,
            log[0].action.as_str(),
            log[0].digest.as_str()
        ),
        (lunan, "enable", digest.as_str())
    );
    assert_eq!(caps_of(&log[0].granted), caps_of(&r.granted));

    // Enabled at lunan only.
    assert_eq!(enabled_at(&host, lunan).await.unwrap().len(), 1);
    let pengjie = station_id(&host, "pengjie").await;
    assert!(enabled_at(&host, pengjie).await.unwrap().is_empty());
}

#[tokio::test]
async fn enabling_again_replaces_the_grant_and_disabling_is_logged() {
    let host = host().await;
    installed(&host, HELLO).await;
    for g in [
        &["storage", "cases.read", "cases.tag"][..],
        &["storage"][..],
    ] {
        enable(
            &host,
            "lunan",
            "hello-brand",
            &grant(g),
            &BTreeMap::new(),
            None,
        )
        .await
        .unwrap();
    }
    assert_eq!(rows::station_plugins(&host.db).await.unwrap().len(), 1);
    let lunan = station_id(&host, "lunan").await;
    assert_eq!(
        caps_of(&row(&host.db, lunan, "hello-brand").await.unwrap().granted),
        caps(&["storage"])
    );

    disable(&host, "lunan", "hello-brand", None).await.unwrap();
    let r = row(&host.db, lunan, "hello-brand").await.unwrap();
    assert!(!r.enabled);
    assert_eq!(r.disabled_reason.as_deref(), Some(DISABLED_BY_OPS));
    assert!(enabled_at(&host, lunan).await.unwrap().is_empty());
    let actions: Vec<String> = rows::grant_log(&host.db)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.action)
        .collect();
    assert_eq!(actions, ["enable", "enable", "disable"]);
}

#[tokio::test]
async fn a_refused_enable_stores_nothing() {
    let host = host().await;
    installed(&host, HELLO).await;
    let none = BTreeMap::new();
    match enable(
        &host,
        "lunan",
        "hello-brand",
        &grant(&["storage", "network"]),
        &none,
        None,
    )
    .await
    {
        Err(PluginError::Invalid { field, kind }) => {
            assert_eq!(field, "grant[1]");
            assert!(matches!(kind, FieldKind::NotOneOf { .. }), "{kind:?}");
        }
        other => panic!("an unknown capability: {:?}", other.map(|e| e.granted)),
    }
    let undeclared: BTreeMap<String, serde_json::Value> =
        [("colour".to_owned(), serde_json::json!("red"))].into();
    assert!(matches!(
        enable(&host, "lunan", "hello-brand", &grant(&["storage"]), &undeclared, None).await,
        Err(PluginError::Invalid { field, .. }) if field == "settings.colour"
    ));
    assert!(matches!(
        enable(
            &host,
            "nowhere",
            "hello-brand",
            &grant(&["storage"]),
            &none,
            None
        )
        .await,
        Err(PluginError::NotFound(_))
    ));
    assert!(matches!(
        enable(
            &host,
            "lunan",
            "no-such-brand",
            &grant(&["storage"]),
            &none,
            None
        )
        .await,
        Err(PluginError::NotFound(_))
    ));
    assert!(rows::station_plugins(&host.db).await.unwrap().is_empty());
    assert!(rows::grant_log(&host.db).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_event_reaches_each_plugin_of_its_station_that_listens_to_it_once() {
    let host = host().await;
    installed(&host, HELLO).await;
    installed(&host, &another("register-only", "\"register\"")).await;
    installed(&host, &another("elsewhere", "\"submit\"")).await;
    let none = BTreeMap::new();
    for (station, plugin) in [
        ("lunan", "hello-brand"),
        ("lunan", "register-only"),
        ("pengjie", "elsewhere"),
    ] {
        enable(&host, station, plugin, &grant(&["storage"]), &none, None)
            .await
            .unwrap();
    }
    liaison_domain::categories::create(
        &host.db,
        &host.reference,
        &liaison_domain::categories::NewCategory {
            code: PublicCode::parse("roads").unwrap(),
            name: "城市建设".into(),
            name_en: "Roads".into(),
            sort: 1,
        },
    )
    .await
    .unwrap();
    let form = intake::Intake {
        station: "lunan".into(),
        category: "roads".into(),
        description: "小区门口的路灯坏了一个月".into(),
        title: None,
        location: None,
        contact: None,
        anonymous: true,
        deputy: None,
        urgency: Default::default(),
        channel: None,
        client_key: None,
        notify_consent: false,
    };
    let new = intake::validate(&host.db, &host.reference, form, None)
        .await
        .unwrap();
    intake::insert(&host.db, new, host.clock.now())
        .await
        .unwrap();

    assert_eq!(crate::outbox::fan_out(&host).await.unwrap(), 1);
    let to = texts(&host.db, "SELECT plugin_id FROM plugin_deliveries").await;
    assert_eq!(
        to,
        ["hello-brand"],
        "register-only does not listen to submit; elsewhere is at another station"
    );
    // A second pass finds the row dispatched and adds nothing.
    assert_eq!(crate::outbox::fan_out(&host).await.unwrap(), 0);
    assert_eq!(
        texts(&host.db, "SELECT plugin_id FROM plugin_deliveries")
            .await
            .len(),
        1
    );
    assert!(
        outbox::undispatched(&host.db, 200)
            .await
            .unwrap()
            .is_empty()
    );
}
