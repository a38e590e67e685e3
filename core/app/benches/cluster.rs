#![allow(clippy::unwrap_used)] // test code: a panic is the failure report
//! Resident intake (`POST /api/v1/cases`) on PostgreSQL through nginx, with one, two and three
//! `liaison serve` nodes (the real binary, as child processes) at 64 and 256 concurrent clients,
//! beside PostgreSQL's own ceiling for the same writes (one connection, one transaction per case
//! holding the three inserts intake makes, `synchronous_commit = on`) measured in the same run,
//! before and after. One node without nginx is measured too, to show what the proxy costs.
//!
//! Needs PostgreSQL (`LIAISON_BENCH_PG_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`;
//! each run makes and drops databases of its own) and nginx (Debian's `nginx`).
//! Run: `cargo bench -p liaison --bench cluster` (add `-- --quick` for a short run). Prints a
//! Markdown report.

mod support;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::{body, free_port, ms, percentile};

use sea_orm::sqlx::postgres::PgConnection;
use sea_orm::sqlx::{Connection, Executor};
use sea_orm::{ConnectionTrait, Database};

const BIN: &str = env!("CARGO_BIN_EXE_liaison");

fn admin_url() -> String {
    std::env::var("LIAISON_BENCH_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh database with the real schema and the demo district; its URL.
async fn fresh_db(name: &str) -> String {
    let admin = Database::connect(admin_url()).await.unwrap();
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    admin.close().await.unwrap();
    let (base, _) = admin_url()
        .rsplit_once('/')
        .map(|(b, d)| (b.to_owned(), d.to_owned()))
        .unwrap();
    let url = format!("{base}/{name}");
    let mut s = liaison_domain::configuration::Settings::defaults();
    s.database.url = url.clone();
    s.auth.argon2_memory_kib = 64;
    s.auth.argon2_iterations = 1;
    let db = liaison_domain::db::connect(&s.database).await.unwrap();
    liaison_domain::db::migrate(&db).await.unwrap();
    let passwords = liaison_domain::auth::PasswordPolicy::new(&s.auth).unwrap();
    liaison::demo::seed_district(&db, &passwords).await.unwrap();
    db.close().await.unwrap();
    url
}

async fn drop_db(name: &str) {
    let admin = Database::connect(admin_url()).await.unwrap();
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
    admin.close().await.unwrap();
}

/// PostgreSQL's own rate for intake's writes: one connection, one transaction per case with the
/// case, its contact and its first event, every commit waiting for its WAL flush.
async fn ceiling(count: usize) -> f64 {
    let name = format!("liaison_bench_ceiling_{}", std::process::id());
    let url = fresh_db(&name).await;
    let mut conn = PgConnection::connect(&url).await.unwrap();
    conn.execute("SET synchronous_commit = on").await.unwrap();
    let lunan: i64 = sea_orm::sqlx::query_scalar("SELECT id FROM stations WHERE code = 'lunan'")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let category: i64 =
        sea_orm::sqlx::query_scalar("SELECT id FROM categories WHERE code = 'urban_construction'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    let now = chrono::Utc::now();
    let start = Instant::now();
    for i in 0..count {
        let mut tx = conn.begin().await.unwrap();
        let id: i64 = sea_orm::sqlx::query_scalar(
            "INSERT INTO cases (receipt_code, station_id, category_id, channel, title, description, urgency, complex, lat, lng, address, anonymous, status, supervision_level, extension_count, rework_count, unrated, created_at, updated_at)
             VALUES ($1, $2, $3, 'station_qr', $4, $5, 'normal', false, 28.58, 121.37, '路南街道石曲村', false, 'submitted', 0, 0, 0, false, $6, $6) RETURNING id",
        )
        .bind(format!("RAW{i:06}"))
        .bind(lunan)
        .bind(category)
        .bind("石曲村一带路灯坏了半个多月，晚上出行很不方便…")
        .bind(format!("石曲村一带路灯坏了半个多月，晚上出行很不方便，希望尽快修好。编号 {i}"))
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        sea_orm::sqlx::query("INSERT INTO reporter_contacts (case_id, name, phone, created_at) VALUES ($1, '王先生', '13812345678', $2)")
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await
            .unwrap();
        sea_orm::sqlx::query(
            "INSERT INTO case_events (case_id, action, from_status, to_status, actor_role, actor_name, public, data, created_at)
             VALUES ($1, 'submit', '', 'submitted', 'resident', '群众', true, '{\"channel\":\"station_qr\"}', $2)",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let rate = count as f64 / start.elapsed().as_secs_f64();
    conn.close().await.unwrap();
    drop_db(&name).await;
    rate
}

/// A child process stopped when dropped: a server is killed (what it acknowledged is
/// committed), nginx is sent SIGTERM so that its master stops its workers too.
struct Proc {
    child: Child,
    term: bool,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let stopped = self.term
            && Command::new("kill")
                .arg("-TERM")
                .arg(self.child.id().to_string())
                .status()
                .is_ok_and(|s| s.success());
        if !stopped {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// `liaison serve` in a folder of its own, configured by its `config/local.toml`.
fn serve(dir: &Path, db_url: &str, port: u16) -> Proc {
    std::fs::create_dir_all(dir.join("config")).unwrap();
    let config = format!(
        r#"[server]
host = "127.0.0.1"
port = {port}
trusted_proxies = ["127.0.0.1"]
intake_burst = 100000000
intake_refill_ms = 1

[database]
url = "{db_url}"
max_connections = 10

[log]
filter = "warn"

[plugins]
cache_dir = "{cache}"

[photos]
dir = "{photos}"
"#,
        cache = dir.join("plugin-cache").display(),
        photos = dir.join("photos").display(),
    );
    std::fs::write(dir.join("config/local.toml"), config).unwrap();
    let log = std::fs::File::create(dir.join("serve.log")).unwrap();
    let mut c = Command::new(BIN);
    c.arg("serve").current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("LIAISON__") || key == "RUST_LOG" {
            c.env_remove(key);
        }
    }
    Proc {
        child: c
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap(),
        term: false,
    }
}

fn nginx_binary() -> PathBuf {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain([PathBuf::from("/usr/sbin")])
        .map(|d| d.join("nginx"))
        .find(|p| p.is_file())
        .expect("nginx is installed (Debian: apt-get install nginx)")
}

/// nginx in front of `upstreams`, as `docs/DEPLOY.md` configures it (one worker per core).
fn nginx(dir: &Path, port: u16, upstreams: &[u16]) -> Proc {
    std::fs::create_dir_all(dir).unwrap();
    let servers: String = upstreams
        .iter()
        .map(|p| format!("    server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;\n"))
        .collect();
    let d = dir.display();
    let config = format!(
        r#"daemon off;
worker_processes auto;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  upstream liaison {{
{servers}    keepalive 128;
  }}
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    location / {{
      proxy_pass http://liaison;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
    }}
  }}
}}
"#
    );
    let conf = dir.join("nginx.conf");
    std::fs::write(&conf, config).unwrap();
    let log = std::fs::File::create(dir.join("stderr.log")).unwrap();
    Proc {
        child: Command::new(nginx_binary())
            .arg("-p")
            .arg(dir)
            .arg("-e")
            .arg(dir.join("error.log"))
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap(),
        term: true,
    }
}

async fn wait_healthy(client: &reqwest::Client, base: &str) {
    let start = Instant::now();
    loop {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{base} did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

struct Run {
    rate: f64,
    p50: Duration,
    p99: Duration,
    stored: i64,
}

/// `count` cases through `url` from `clients` clients at once, after a warm-up.
async fn load(url: &str, clients: usize, count: usize) -> (f64, Duration, Duration) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let warm: Vec<_> = (0..clients)
        .map(|i| {
            let (client, url) = (client.clone(), url.to_owned());
            tokio::spawn(async move {
                let r = client.post(&url).json(&body(i)).send().await.unwrap();
                assert_eq!(r.status(), 201);
            })
        })
        .collect();
    for w in warm {
        w.await.unwrap();
    }
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (client, url, next) = (client.clone(), url.to_owned(), next.clone());
            tokio::spawn(async move {
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
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = start.elapsed();
    all.sort();
    (
        count as f64 / elapsed.as_secs_f64(),
        percentile(&all, 0.50),
        percentile(&all, 0.99),
    )
}

/// One configuration: a fresh database, `nodes` servers, nginx in front unless `direct`.
async fn cluster(root: &Path, nodes: usize, direct: bool, clients: usize, count: usize) -> Run {
    let name = format!("liaison_bench_cluster_{}", std::process::id());
    let url = fresh_db(&name).await;
    let http = reqwest::Client::new();
    let ports: Vec<u16> = (0..nodes).map(|_| free_port()).collect();
    let mut procs: Vec<Proc> = ports
        .iter()
        .enumerate()
        .map(|(i, p)| serve(&root.join(format!("node-{i}")), &url, *p))
        .collect();
    for p in &ports {
        wait_healthy(&http, &format!("http://127.0.0.1:{p}")).await;
    }
    let base = if direct {
        format!("http://127.0.0.1:{}", ports[0])
    } else {
        let port = free_port();
        procs.push(nginx(&root.join("nginx"), port, &ports));
        let base = format!("http://127.0.0.1:{port}");
        wait_healthy(&http, &base).await;
        base
    };
    let (rate, p50, p99) = load(&format!("{base}/api/v1/cases"), clients, count).await;
    drop(procs);
    let db = Database::connect(&url).await.unwrap();
    let stored = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) FROM cases",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    db.close().await.unwrap();
    drop_db(&name).await;
    let _ = std::fs::remove_dir_all(root);
    Run {
        rate,
        p50,
        p99,
        stored,
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let count = if quick { 1_000 } else { 4_000 };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let root = std::env::temp_dir().join(format!("liaison-bench-cluster-{}", std::process::id()));
        let before = ceiling(count).await;
        let mut rows = Vec::new();
        for clients in [64, 256] {
            rows.push(("1, no proxy", clients, cluster(&root, 1, true, clients, count).await));
            for nodes in 1..=3 {
                let label = match nodes {
                    1 => "1 + nginx",
                    2 => "2 + nginx",
                    _ => "3 + nginx",
                };
                rows.push((label, clients, cluster(&root, nodes, false, clients, count).await));
            }
        }
        let after = ceiling(count).await;
        let floor = before.max(after);
        println!("PostgreSQL ceiling (one connection, one transaction per case, synchronous_commit on), before / after: {before:.0} / {after:.0} cases/s; cases per measurement: {count}");
        println!();
        println!("| nodes | clients | intake, cases/s | intake / ceiling | p50 | p99 | rows stored |");
        println!("|---|---|---|---|---|---|---|");
        for (label, clients, r) in rows {
            println!(
                "| {label} | {clients} | {:.0} | {:.2} | {:.1} ms | {:.1} ms | {} |",
                r.rate,
                r.rate / floor,
                ms(r.p50),
                ms(r.p99),
                r.stored
            );
        }
    });
}
