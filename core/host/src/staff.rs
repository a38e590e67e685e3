//! What the host does with a plugin's `notify-staff` (`liaison:brand@0.2.0`, capability
//! "staff.notify"): after the grant, the texts and the plugin's hourly limit at the station are
//! checked (`host.rs`), the host hands the notice to a [`StaffNotifier`], which the application
//! sets to the notification service (the station's staff, their channels and preferences).
//!
//! Until the application sets one, every call is refused with a clear error ([`Unset`]): a
//! notice silently dropped would look delivered to the plugin and to ops.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use liaison_contract::calls::NoticeHour;

/// A boxed future, so a notifier can live behind `Arc<dyn StaffNotifier>`.
pub type NotifyFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Delivers a plugin's notice to the staff of a station.
pub trait StaffNotifier: Send + Sync {
    /// Notifies the staff of `station_id` on behalf of `plugin_id`. `subject` is one line of at
    /// most 100 characters and `body` at most 1000, both checked and trimmed already. An
    /// `Err` is shown to the plugin as `error::failed` (its words go to the server log only).
    fn notify<'a>(
        &'a self,
        station_id: i64,
        plugin_id: &'a str,
        subject: &'a str,
        body: &'a str,
    ) -> NotifyFuture<'a>;
}

/// The notifier until the application sets one: refuses every notice.
pub struct Unset;

impl StaffNotifier for Unset {
    fn notify<'a>(&'a self, _: i64, _: &'a str, _: &'a str, _: &'a str) -> NotifyFuture<'a> {
        Box::pin(async {
            Err("staff notifications are not set up on this server (no StaffNotifier)".into())
        })
    }
}

/// The notifier the application sets: a notification to each staff member of the station,
/// written now and delivered by the notification dispatcher on their channels and preferences.
pub struct ToStationStaff {
    pub db: sea_orm::DatabaseConnection,
    pub clock: liaison_domain::Clock,
}

impl StaffNotifier for ToStationStaff {
    fn notify<'a>(
        &'a self,
        station_id: i64,
        plugin_id: &'a str,
        subject: &'a str,
        body: &'a str,
    ) -> NotifyFuture<'a> {
        Box::pin(async move {
            liaison_domain::notifications::outbox::brand_notice(
                &self.db,
                station_id,
                plugin_id,
                subject,
                body,
                self.clock.now(),
            )
            .await
            .map(|_| ())
            .map_err(|e| format!("writing the staff notice: {e}"))
        })
    }
}

/// Per (plugin, station), the hour its notices are counted in; shared by all calls of the
/// process. Counted in memory: a restart starts a new hour.
pub type NoticeHours = Arc<Mutex<HashMap<(String, i64), Option<NoticeHour>>>>;

#[cfg(test)]
mod tests {
    //! Real components (`plugins/staff-notice`, built for `@0.2.0`, and `hello-brand`, which
    //! imports only `@0.1.0`) on an in-memory database, with a notifier that records.

    use std::collections::BTreeMap;

    use liaison_domain::Clock;
    use liaison_domain::configuration::Settings;
    use liaison_domain::reference::Reference;
    use liaison_domain::stations::{self, NewStation, PublicCode, StationKind};

    use super::*;
    use crate::manifest::{Audience, Manifest};
    use crate::{PluginError, PluginHost, registry};

    const NOTICE: &str = include_str!("../../../plugins/staff-notice/plugin.toml");
    const HELLO: &str = include_str!("../../../plugins/hello-brand/plugin.toml");

    /// What the notifier was handed: station, plugin, subject, body.
    #[derive(Default)]
    struct Recording(Mutex<Vec<(i64, String, String, String)>>);

    impl StaffNotifier for Recording {
        fn notify<'a>(
            &'a self,
            station_id: i64,
            plugin_id: &'a str,
            subject: &'a str,
            body: &'a str,
        ) -> NotifyFuture<'a> {
            self.0.lock().unwrap().push((
                station_id,
                plugin_id.into(),
                subject.into(),
                body.into(),
            ));
            Box::pin(async { Ok(()) })
        }
    }

    /// The built component `<name>.wasm`, as the plugin build leaves it.
    fn component(name: &str) -> Vec<u8> {
        let target = std::env::var("CARGO_TARGET_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| {
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins/target")
            });
        let path = target.join(format!("wasm32-wasip2/release/{name}.wasm"));
        std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{} cannot be read ({e}): build the plugins first (cargo build --manifest-path \
                 plugins/Cargo.toml --target wasm32-wasip2 --release)",
                path.display()
            )
        })
    }

    async fn host(per_hour: u32) -> PluginHost {
        let mut settings = Settings::defaults();
        settings.database.url = "sqlite::memory:".into();
        settings.database.sqlite_max_connections = 1;
        settings.plugins.cache_dir = String::new();
        settings.plugins.view_deadline_ms = 5000;
        settings.plugins.staff_notify_per_hour = per_hour;
        let db = liaison_domain::db::connect(&settings.database)
            .await
            .unwrap();
        liaison_domain::db::migrate(&db).await.unwrap();
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
        let mut host = PluginHost::new(db, Clock::default(), settings.plugins).unwrap();
        host.reference = reference;
        host
    }

    async fn enabled(host: &PluginHost, station: &str, grant: &[&str]) {
        let grant: Vec<String> = grant.iter().map(|g| (*g).to_owned()).collect();
        registry::enable(
            host,
            station,
            "staff-notice",
            &grant,
            &BTreeMap::new(),
            None,
        )
        .await
        .unwrap();
    }

    async fn tell(host: &PluginHost, station: &str, subject: &str) -> Result<(), PluginError> {
        let a = registry::active(host, station, "staff-notice").await?;
        host.act(
            &a,
            "tell",
            Audience::Staff,
            "zh",
            vec![
                ("subject".into(), subject.into()),
                ("body".into(), "第一行\n第二行".into()),
            ],
        )
        .await
        .map(|_| ())
    }

    async fn station_id(host: &PluginHost, code: &str) -> i64 {
        stations::by_code(&host.db, code).await.unwrap().id
    }

    #[tokio::test]
    async fn granted_notices_reach_the_notifier_within_the_hourly_limit_per_station() {
        let mut host = host(2).await;
        let recording = Arc::new(Recording::default());
        host.set_staff_notifier(recording.clone());
        registry::install(&host, NOTICE, &component("staff_notice"), None)
            .await
            .unwrap();
        enabled(&host, "lunan", &["staff.notify"]).await;
        enabled(&host, "pengjie", &["staff.notify"]).await;

        tell(&host, "lunan", "预约已满").await.unwrap();
        tell(&host, "lunan", "second").await.unwrap();
        let refused = tell(&host, "lunan", "third").await.unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("more than 2 staff notifications"),
            "{refused}"
        );
        // The limit is per station: the other station's hour is its own.
        tell(&host, "pengjie", "另一站").await.unwrap();

        let lunan = station_id(&host, "lunan").await;
        let pengjie = station_id(&host, "pengjie").await;
        let got = recording.0.lock().unwrap().clone();
        let body = "第一行\n第二行".to_owned();
        assert_eq!(
            got,
            vec![
                (
                    lunan,
                    "staff-notice".into(),
                    "预约已满".into(),
                    body.clone()
                ),
                (lunan, "staff-notice".into(), "second".into(), body.clone()),
                (pengjie, "staff-notice".into(), "另一站".into(), body),
            ]
        );
    }

    #[tokio::test]
    async fn without_the_grant_nothing_reaches_the_notifier() {
        let mut host = host(10).await;
        let recording = Arc::new(Recording::default());
        host.set_staff_notifier(recording.clone());
        registry::install(&host, NOTICE, &component("staff_notice"), None)
            .await
            .unwrap();
        enabled(&host, "lunan", &[]).await;
        let refused = tell(&host, "lunan", "x").await.unwrap_err();
        assert!(refused.to_string().contains("staff.notify"), "{refused}");
        assert!(recording.0.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn until_the_app_sets_a_notifier_notices_are_refused() {
        let host = host(10).await;
        registry::install(&host, NOTICE, &component("staff_notice"), None)
            .await
            .unwrap();
        enabled(&host, "lunan", &["staff.notify"]).await;
        let refused = tell(&host, "lunan", "x").await.unwrap_err();
        assert!(refused.to_string().contains("failed"), "{refused}");
    }

    #[tokio::test]
    async fn plugins_for_0_1_load_unchanged_and_0_1_cannot_ask_for_the_capability() {
        let host = host(10).await;
        // hello-brand imports only liaison:brand@0.1.0 and its manifest says so.
        registry::install(&host, HELLO, &component("hello_brand"), None)
            .await
            .expect("a 0.1 plugin installs");
        let grant = vec!["storage".to_owned()];
        registry::enable(
            &host,
            "lunan",
            "hello-brand",
            &grant,
            &BTreeMap::new(),
            None,
        )
        .await
        .unwrap();
        let a = registry::active(&host, "lunan", "hello-brand")
            .await
            .unwrap();
        host.render(&a, "home", Audience::Resident, "zh")
            .await
            .expect("its view renders");

        // A 0.1 manifest may not ask for what only 0.2 has...
        let old = NOTICE.replace("wit = \"0.2.0\"", "wit = \"0.1.0\"");
        let e = Manifest::parse(&old).unwrap_err();
        assert_eq!(e.field, "capabilities[0]", "{e:?}");
        // ...and a component importing 0.2 is refused under a manifest saying 0.1.
        let old = old.replace("capabilities = [\"staff.notify\"]", "capabilities = []");
        let e = registry::install(&host, &old, &component("staff_notice"), None)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("liaison:brand@0.2.0"), "{e}");
    }
}
