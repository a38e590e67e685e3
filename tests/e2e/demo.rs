//! `liaison demo`, run as the README runs it (the real binary, a fresh SQLite file, the built
//! brands beside it): the district, cases in every state with some overdue, and each station's
//! brand installed, enabled with what it asks for, and given its demo records.

use std::collections::BTreeSet;
use std::process::Stdio;

use crate::support::{count, texts, unique};

const BIN: &str = env!("CARGO_BIN_EXE_liaison-under-test");

#[tokio::test]
async fn demo_loads_the_district_and_its_brands() {
    let dir = std::env::temp_dir().join(unique("liaison-demo"));
    std::fs::create_dir_all(&dir).unwrap();
    // Removed however the test ends, a failing assertion included.
    struct Scratch(std::path::PathBuf);
    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    let _scratch = Scratch(dir.clone());
    // The demo looks for the brands where the plugins workspace builds them, from where it runs.
    let repo_plugins = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../plugins"));
    std::os::unix::fs::symlink(
        std::fs::canonicalize(repo_plugins).unwrap(),
        dir.join("plugins"),
    )
    .unwrap();
    let db_url = format!("sqlite://{}?mode=rwc", dir.join("demo.db").display());
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.arg("demo").current_dir(&dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("LIAISON__") {
            cmd.env_remove(key);
        }
    }
    let out = cmd
        .env("LIAISON__DATABASE__URL", &db_url)
        .env("LIAISON__AUTH__ARGON2_MEMORY_KIB", "64")
        .env("LIAISON__AUTH__ARGON2_ITERATIONS", "1")
        .env("LIAISON__LOG__FILTER", "warn")
        .stdin(Stdio::null())
        .output()
        .await
        .expect("running liaison demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "demo failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (brand, station) in liaison::demo::brands::BRANDS {
        assert!(
            stdout.contains(&format!("brand {brand}: enabled at {station}")),
            "{brand} was not enabled (run ./scripts/test, which builds the brands):\n{stdout}"
        );
    }
    // Every demo user is listed with a password the README prints.
    for u in liaison::demo::DEMO_USERS {
        assert!(
            stdout.contains(u.username) && stdout.contains(u.password),
            "{stdout}"
        );
    }

    let mut settings = liaison_domain::configuration::Settings::defaults();
    settings.database.url = db_url;
    let db = liaison_domain::db::connect(&settings.database)
        .await
        .unwrap();
    assert_eq!(count(&db, "SELECT COUNT(*) FROM stations").await, 11);
    // The demo deputy's code was scanned today: their bell has the scans waiting.
    assert!(
        count(
            &db,
            "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id \
             WHERE u.username = 'deputy' AND n.kind = 'case.scanned'"
        )
        .await
            >= 3
    );
    // 320 residents' cases and the three scans of the demo deputy's code today, plus what the
    // brands' demo records filed themselves.
    let residents = count(&db, "SELECT COUNT(*) FROM cases WHERE channel <> 'plugin'").await;
    assert_eq!(residents, 323);
    let statuses: BTreeSet<String> = texts(&db, "SELECT DISTINCT status FROM cases")
        .await
        .into_iter()
        .collect();
    for s in liaison_domain::cases::Status::ALL {
        assert!(
            statuses.contains(s.as_str()),
            "no demo case is {}: {statuses:?}",
            s.as_str()
        );
    }
    let today = liaison_domain::cases::deadlines::local_today(chrono::Utc::now());
    let overdue = count(
        &db,
        &format!("SELECT COUNT(*) FROM cases WHERE due_on < '{today}'"),
    )
    .await;
    assert!(overdue > 0, "the demo should show overdue work");

    // Each brand is enabled at its own station with exactly what its manifest asks for, and
    // its demo records went through its own actions into its storage.
    let rows = liaison_domain::plugins::registry::station_plugins(&db)
        .await
        .unwrap();
    for (brand, station) in liaison::demo::brands::BRANDS {
        let st = liaison_domain::stations::by_code(&db, station)
            .await
            .unwrap();
        let row = rows
            .iter()
            .find(|r| r.plugin_id == brand)
            .unwrap_or_else(|| panic!("{brand} is not enabled anywhere"));
        assert_eq!(
            row.station_id, st.id,
            "{brand} enabled at the wrong station"
        );
        assert!(
            row.enabled && row.suspended_at.is_none(),
            "{brand}: {row:?}"
        );
        let manifest = liaison_host::manifest::Manifest::parse(
            &std::fs::read_to_string(repo_plugins.join(brand).join("plugin.toml")).unwrap(),
        )
        .unwrap();
        let granted: BTreeSet<String> = serde_json::from_str(&row.granted).unwrap();
        assert_eq!(
            granted,
            manifest.capabilities.iter().cloned().collect(),
            "{brand}"
        );
        let stored = count(
            &db,
            &format!(
                "SELECT COUNT(*) FROM plugin_storage WHERE plugin_id = '{brand}' AND station_id = {}",
                st.id
            ),
        )
        .await;
        // 蓬街's desk keeps no roster of its own: who sits there is the station's duty roster,
        // which the demo fills (below); the other brands hold their demo records.
        if brand != "hundred-knows-desk" {
            assert!(stored > 0, "{brand} holds no demo records");
        }
    }
    // The duty roster: every station has deputies on duty on working days around today.
    let shifts = count(&db, "SELECT COUNT(*) FROM duty_shifts").await;
    assert!(shifts >= 11 * 2 * 10, "{shifts} duty shifts");
    drop(db);
}
