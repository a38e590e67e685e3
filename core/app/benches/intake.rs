#![allow(clippy::unwrap_used)] // test code: a panic is the failure report
//! Resident intake (`POST /api/v1/cases`) at 64 concurrent clients on SQLite, beside the raw
//! SQLite ceiling for the same writes (same pragmas, one connection, one transaction per case)
//! measured in the same run; then intake with notifications off (no one to tell) beside on (the
//! station's staff told in-app and by e-mail through a real SMTP receiver on a local port), with
//! the delivery lag from the event's commit to the receiver's acceptance. Run:
//! `cargo bench -p liaison --bench intake` (add `-- --quick` for a short run). Prints a
//! Markdown report.

mod support;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::{body, ms, percentile};

use liaison::startup::Application;
use liaison_channels::email::{EmailBuilder, TlsMode};
use liaison_domain::Clock;
use liaison_domain::configuration::Settings;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::sqlx::{ConnectOptions, Connection};
use std::str::FromStr;

const CLIENTS: usize = 64;

// The channels' tests' SMTP receiver: real SMTP on a real socket, keeping what it accepted.
#[allow(dead_code)]
#[path = "../../channels/tests/support/smtp.rs"]
mod smtp;

fn temp_db(name: &str) -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("liaison-bench-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bench.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    (dir, url)
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

/// Whether the station's staff are there to be told, and how.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Notify {
    /// The bare intake of the first half.
    Plain,
    /// The station's staff accounts inactive: no one to tell, so no notification is written.
    Off,
    /// Staff told of each new case in-app and by e-mail (to the SMTP receiver), every message
    /// at once: no quiet hours, no digest.
    On,
}

/// Delivery lag of the e-mails, from the notification's commit to the receiver's acceptance.
struct Lag {
    sent: usize,
    received: usize,
    p50: Duration,
    p99: Duration,
    drained: Duration,
}

async fn intake(settings: &Settings, count: usize) -> Intake {
    intake_with(settings, count, Notify::Plain).await.0
}

async fn intake_with(settings: &Settings, count: usize, notify: Notify) -> (Intake, Option<Lag>) {
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
    s.notifications.digest_threshold = 0;
    let smtp = match notify {
        Notify::Plain => None,
        Notify::Off => {
            staff_accounts(&db, false).await;
            None
        }
        Notify::On => {
            staff_accounts(&db, true).await;
            Some(smtp::SmtpServer::start().await)
        }
    };
    let mut app = Application::with_db(s, db.clone(), Clock::default())
        .await
        .unwrap();
    if let Some(smtp) = &smtp {
        let email = EmailBuilder::new("127.0.0.1", "Liaison <noreply@example.org>")
            .port(smtp.port)
            .tls(TlsMode::None)
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        app.add_channel(Arc::new(email));
    }
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
    let lag = match &smtp {
        Some(smtp) => Some(lag(&db, smtp, start).await),
        None => None,
    };
    let _ = std::fs::remove_dir_all(dir);
    let intake = Intake {
        rate: count as f64 / elapsed.as_secs_f64(),
        p50: percentile(&all, 0.50),
        p99: percentile(&all, 0.99),
        max: *all.last().unwrap(),
        stored,
    };
    (intake, lag)
}

/// Activates (with an e-mail address, e-mail for new cases, no quiet hours) or deactivates the
/// station staff accounts of the district.
async fn staff_accounts(db: &sea_orm::DatabaseConnection, on: bool) {
    use sea_orm::ConnectionTrait;
    let backend = db.get_database_backend();
    let active = if on { "true" } else { "false" };
    db.execute_raw(sea_orm::Statement::from_string(
        backend,
        format!("UPDATE users SET active = {active} WHERE role = 'station_staff'"),
    ))
    .await
    .unwrap();
    if !on {
        return;
    }
    let ids: Vec<i64> = db
        .query_all_raw(sea_orm::Statement::from_string(
            backend,
            "SELECT id FROM users WHERE role = 'station_staff'",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index(0).unwrap())
        .collect();
    assert!(!ids.is_empty(), "the district has station staff");
    for id in ids {
        let prefs = liaison_domain::notifications::preferences::Preferences {
            email: Some(format!("staff{id}@example.org")),
            channels: [("case.new".to_owned(), vec!["email".to_owned()])].into(),
            quiet_hours: false,
            ..Default::default()
        };
        liaison_domain::notifications::preferences::save(db, id, prefs, chrono::Utc::now())
            .await
            .unwrap();
    }
}

/// Waits (at most 120 s after intake) until every e-mail delivery is sent, then reads each one's
/// lag: `sent_at` (set once the SMTP receiver accepted the message) less the notification's
/// `created_at` (the time of the transaction that wrote the case).
async fn lag(db: &sea_orm::DatabaseConnection, smtp: &smtp::SmtpServer, start: Instant) -> Lag {
    use sea_orm::ConnectionTrait;
    let backend = db.get_database_backend();
    let q = |sql: &'static str| sea_orm::Statement::from_string(backend, sql);
    let wait_from = Instant::now();
    loop {
        let pending: i64 = db
            .query_one_raw(q("SELECT (SELECT COUNT(*) FROM notifications WHERE fanned_out = false) \
                 + (SELECT COUNT(*) FROM notification_deliveries WHERE channel = 'email' AND state = 'pending')"))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index(0)
            .unwrap();
        if pending == 0 || wait_from.elapsed() > Duration::from_secs(120) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let drained = start.elapsed();
    let rows = db
        .query_all_raw(q(
            "SELECT n.created_at, d.sent_at FROM notification_deliveries d \
             JOIN notifications n ON n.id = d.notification_id \
             WHERE d.channel = 'email' AND d.state = 'sent'",
        ))
        .await
        .unwrap();
    let mut lags: Vec<Duration> = rows
        .iter()
        .map(|r| {
            let made: chrono::DateTime<chrono::Utc> = r.try_get_by_index(0).unwrap();
            let sent: chrono::DateTime<chrono::Utc> = r.try_get_by_index(1).unwrap();
            (sent - made).to_std().unwrap_or_default()
        })
        .collect();
    lags.sort();
    assert!(!lags.is_empty(), "no e-mail was sent");
    Lag {
        sent: lags.len(),
        received: smtp.received().len(),
        p50: percentile(&lags, 0.50),
        p99: percentile(&lags, 0.99),
        drained,
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

        // Notifications off (no one to tell) and on, twice each, interleaved, so that a drift
        // of the machine's speed during the run falls on both.
        let mut off = Vec::new();
        let mut on = Vec::new();
        let mut lags = Vec::new();
        for _ in 0..2 {
            off.push(intake_with(&settings, count, Notify::Off).await.0);
            let (i, l) = intake_with(&settings, count, Notify::On).await;
            on.push(i);
            lags.push(l.unwrap());
        }
        println!();
        println!("| notifications | run 1 | run 2 |");
        println!("|---|---|---|");
        println!(
            "| off: cases/s, p99 | {:.0}, {:.1} ms | {:.0}, {:.1} ms |",
            off[0].rate,
            ms(off[0].p99),
            off[1].rate,
            ms(off[1].p99)
        );
        println!(
            "| on (in-app + SMTP): cases/s, p99 | {:.0}, {:.1} ms | {:.0}, {:.1} ms |",
            on[0].rate,
            ms(on[0].p99),
            on[1].rate,
            ms(on[1].p99)
        );
        println!(
            "| on / off throughput | {:.2} | {:.2} |",
            on[0].rate / off[0].rate,
            on[1].rate / off[1].rate
        );
        println!(
            "| on / off p99 | {:.2} | {:.2} |",
            ms(on[0].p99) / ms(off[0].p99),
            ms(on[1].p99) / ms(off[1].p99)
        );
        println!(
            "| e-mails sent / received by the SMTP receiver | {} / {} | {} / {} |",
            lags[0].sent, lags[0].received, lags[1].sent, lags[1].received
        );
        println!(
            "| delivery lag p50 / p99 (commit to SMTP acceptance) | {:.0} / {:.0} ms | {:.0} / {:.0} ms |",
            ms(lags[0].p50),
            ms(lags[0].p99),
            ms(lags[1].p50),
            ms(lags[1].p99)
        );
        println!(
            "| all sent, from the load's start | {:.1} s | {:.1} s |",
            lags[0].drained.as_secs_f64(),
            lags[1].drained.as_secs_f64()
        );
    });
}
