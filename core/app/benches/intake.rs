#![allow(clippy::unwrap_used)] // test code: a panic is the failure report
//! Resident intake (`POST /api/v1/cases`) at 64 concurrent clients on SQLite, beside the raw
//! SQLite ceiling for the same writes (same pragmas, one connection, one transaction per case)
//! measured in the same run. Run: `cargo bench -p liaison --bench intake` (add `-- --quick` for
//! a short run). Prints a Markdown report.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use liaison::startup::Application;
use liaison_domain::Clock;
use liaison_domain::configuration::Settings;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::sqlx::{ConnectOptions, Connection};
use std::str::FromStr;

const CLIENTS: usize = 64;

fn temp_db(name: &str) -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("liaison-bench-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bench.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    (dir, url)
}

fn body(i: usize) -> serde_json::Value {
    serde_json::json!({
        "station": "lunan",
        "category": "urban_construction",
        "description": format!("石曲村一带路灯坏了半个多月，晚上出行很不方便，希望尽快修好。编号 {i}"),
        "location": { "lat": 28.58, "lng": 121.37, "address": "路南街道石曲村" },
        "contact": { "name": "王先生", "phone": "13812345678" },
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

async fn raw_ceiling(settings: &Settings, count: usize) -> f64 {
    let (dir, url) = temp_db("raw");
    // Same schema (the real migrations) and the same reference rows.
    let mut s = settings.clone();
    s.database.url = url.clone();
    let db = liaison_domain::db::connect(&s.database).await.unwrap();
    liaison_domain::db::migrate(&db).await.unwrap();
    let passwords = liaison_domain::auth::PasswordPolicy::new(&s.auth).unwrap();
    liaison::demo::seed_district(&db, &passwords).await.unwrap();
    db.close().await.unwrap();

    let sync = SqliteSynchronous::from_str(&settings.database.sqlite_synchronous).unwrap();
    let opts = SqliteConnectOptions::from_str(&url)
        .unwrap()
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(sync)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        .disable_statement_logging();
    let mut conn = opts.connect().await.unwrap();
    let now = chrono::Utc::now();
    let start = Instant::now();
    for i in 0..count {
        let mut tx = conn.begin().await.unwrap();
        let id: i64 = sea_orm::sqlx::query_scalar(
            "INSERT INTO cases (receipt_code, station_id, category_id, channel, title, description, urgency, complex, lat, lng, address, anonymous, status, supervision_level, extension_count, rework_count, unrated, created_at, updated_at)
             VALUES (?, 3, 1, 'station_qr', ?, ?, 'normal', false, 28.58, 121.37, '路南街道石曲村', false, 'submitted', 0, 0, 0, false, ?, ?) RETURNING id",
        )
        .bind(format!("RAW{i:06}"))
        .bind("石曲村一带路灯坏了半个多月，晚上出行很不方便…")
        .bind(format!("石曲村一带路灯坏了半个多月，晚上出行很不方便，希望尽快修好。编号 {i}"))
        .bind(now)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        sea_orm::sqlx::query("INSERT INTO reporter_contacts (case_id, name, phone, created_at) VALUES (?, '王先生', '13812345678', ?)")
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await
            .unwrap();
        sea_orm::sqlx::query(
            "INSERT INTO case_events (case_id, action, from_status, to_status, actor_role, actor_name, public, data, created_at)
             VALUES (?, 'submit', '', 'submitted', 'resident', '群众', true, '{\"channel\":\"station_qr\"}', ?)",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let rate = count as f64 / start.elapsed().as_secs_f64();
    drop(conn);
    let _ = std::fs::remove_dir_all(dir);
    rate
}

struct Intake {
    rate: f64,
    p50: Duration,
    p99: Duration,
    max: Duration,
    stored: u64,
}

async fn intake(settings: &Settings, count: usize) -> Intake {
    let (dir, url) = temp_db("api");
    let mut s = settings.clone();
    s.database.url = url;
    s.server.port = 0;
    s.server.intake_burst = 1_000_000;
    s.server.intake_refill_ms = 1;
    s.server.receipt_burst = 1_000_000;
    s.server.receipt_refill_ms = 1;
    let db = liaison_domain::db::connect(&s.database).await.unwrap();
    liaison_domain::db::migrate(&db).await.unwrap();
    let passwords = liaison_domain::auth::PasswordPolicy::new(&s.auth).unwrap();
    liaison::demo::seed_district(&db, &passwords).await.unwrap();
    let app = Application::with_db(s, db.clone(), Clock::default())
        .await
        .unwrap();
    let url = format!("http://127.0.0.1:{}/api/v1/cases", app.port());
    tokio::spawn(app.run_until_stopped());

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .unwrap();
    // Warm up connections and caches.
    for i in 0..CLIENTS {
        let r = client.post(&url).json(&body(i)).send().await.unwrap();
        assert_eq!(r.status(), 201);
    }
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let client = client.clone();
        let url = url.clone();
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break lat;
                }
                let t = Instant::now();
                let r = client.post(&url).json(&body(i)).send().await.unwrap();
                assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
                lat.push(t.elapsed());
            }
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = start.elapsed();
    all.sort();
    let stored = liaison_domain::cases::count(&db).await.unwrap();
    let _ = std::fs::remove_dir_all(dir);
    Intake {
        rate: count as f64 / elapsed.as_secs_f64(),
        p50: percentile(&all, 0.50),
        p99: percentile(&all, 0.99),
        max: *all.last().unwrap(),
        stored,
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let count = if quick { 1_000 } else { 5_000 };
    let mut settings = Settings::defaults();
    settings.auth.argon2_memory_kib = 64;
    settings.auth.argon2_iterations = 1;
    if let Ok(sync) = std::env::var("LIAISON__DATABASE__SQLITE_SYNCHRONOUS") {
        settings.database.sqlite_synchronous = sync;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let ceiling = raw_ceiling(&settings, count).await;
        let api = intake(&settings, count).await;
        let ceiling_after = raw_ceiling(&settings, count).await;
        let floor = ceiling.max(ceiling_after);
        println!("| measure | value |");
        println!("|---|---|");
        println!("| cases written (each) | {count} |");
        println!(
            "| sqlite synchronous | {} |",
            settings.database.sqlite_synchronous
        );
        println!(
            "| raw SQLite ceiling, before / after | {ceiling:.0} / {ceiling_after:.0} cases/s |"
        );
        println!(
            "| intake via HTTP, {CLIENTS} clients | {:.0} cases/s |",
            api.rate
        );
        println!(
            "| intake / ceiling (best of the two) | {:.2} |",
            api.rate / floor
        );
        println!(
            "| latency p50 / p99 / max | {:.1} / {:.1} / {:.1} ms |",
            ms(api.p50),
            ms(api.p99),
            ms(api.max)
        );
        println!("| rows stored (incl. {CLIENTS} warm-up) | {} |", api.stored);
    });
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
