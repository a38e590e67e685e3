#![allow(clippy::unwrap_used)] // test code: a panic is the failure report
//! The plugin host, each figure beside its floor measured in the same run:
//!
//! 1. a no-op view through the host (`PluginHost::render`: the gate, the guest's own thread,
//!    a fresh instance, the answer converted and checked) beside a bare wasmtime
//!    instantiate + call of the same component on the same engine;
//! 2. a view doing N storage reads beside N plain reads of the same rows;
//! 3. a station page with three brand views beside the same page without them (over HTTP);
//! 4. the server's memory with the demo district and its three brands, and under 64
//!    concurrent view calls;
//! 5. a plugin flooding the host (slow calls holding slots; CPU spinning to its deadline)
//!    beside another plugin's quiet p99.
//!
//! Run: `cargo bench -p liaison --bench plugins` after building the plugins
//! (`cargo build --manifest-path plugins/Cargo.toml --target wasm32-wasip2 --release`).
//! Prints a Markdown report for docs/BENCHMARKS.md.

mod support;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{ms, percentile};

use liaison::startup::Application;
use liaison_domain::Clock;
use liaison_domain::configuration::Settings;
use liaison_domain::plugins::station::Storage;
use liaison_host::manifest::Audience;
use liaison_host::{PluginHost, registry};
use sea_orm::DatabaseConnection;

const FAULT_LAB: &str = "fault-lab";
const HELLO: &str = "hello-brand";
/// Storage reads of the `reads` view.
const READS: usize = 20;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn package(krate: &str) -> (String, Vec<u8>) {
    let root = root();
    let manifest = std::fs::read_to_string(root.join("plugins").join(krate).join("plugin.toml"))
        .unwrap_or_else(|e| panic!("{krate}'s manifest: {e}"));
    let wasm = liaison::plugin_cli::built_components_dir(&root)
        .join(format!("{}.wasm", krate.replace('-', "_")));
    let wasm = std::fs::read(&wasm).unwrap_or_else(|e| {
        panic!(
            "{} ({e}): build the plugins first (cargo build --manifest-path plugins/Cargo.toml \
             --target wasm32-wasip2 --release)",
            wasm.display()
        )
    });
    (manifest, wasm)
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Times `n` runs of `f` one after the other: sorted latencies.
async fn timed<F, Fut>(n: usize, mut f: F) -> Vec<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut all = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f().await;
        all.push(t.elapsed());
    }
    all.sort();
    all
}

fn mean(all: &[Duration]) -> Duration {
    all.iter().sum::<Duration>() / all.len() as u32
}

/// Resident memory of this process (the server runs in it), and its peak, in MiB.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(0.0, |kib| kib / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

struct Server {
    base: String,
    db: DatabaseConnection,
    host: PluginHost,
    _dir: PathBuf,
}

/// A server on a fresh SQLite file holding the whole demo (district, cases, oversight and its
/// three brands), with fault-lab and hello-brand installed too. Returns it and the
/// in-process host the bench calls directly (on the same database).
async fn server(settings: &Settings) -> Server {
    let dir = std::env::temp_dir().join(format!("liaison-bench-plugins-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut s = settings.clone();
    s.database.url = format!("sqlite://{}?mode=rwc", dir.join("bench.db").display());
    s.plugins.cache_dir = dir.join("plugin-cache").display().to_string();
    s.server.port = 0;
    let db = liaison_domain::db::connect(&s.database).await.unwrap();
    liaison_domain::db::migrate(&db).await.unwrap();
    let passwords = liaison_domain::auth::PasswordPolicy::new(&s.auth).unwrap();
    let host = PluginHost::new(db.clone(), Clock::default(), s.plugins.clone()).unwrap();
    // The demo finds the plugins' packages from the checkout's root.
    std::env::set_current_dir(root()).unwrap();
    liaison::demo::load(&db, &s, &passwords, &host)
        .await
        .unwrap()
        .expect("a fresh database");
    for krate in [FAULT_LAB, HELLO] {
        let (manifest, wasm) = package(krate);
        registry::install(&host, &manifest, &wasm, None)
            .await
            .unwrap();
    }
    let app = Application::with_db(s, db.clone(), Clock::default())
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    Server {
        base,
        db,
        host,
        _dir: dir,
    }
}

async fn enable(host: &PluginHost, station: &str, plugin: &str, settings: serde_json::Value) {
    let caps: Vec<String> = match plugin {
        FAULT_LAB => vec!["storage".into()],
        _ => ["storage", "cases.read", "cases.create", "cases.tag"]
            .map(String::from)
            .to_vec(),
    };
    let settings: BTreeMap<String, serde_json::Value> = serde_json::from_value(settings).unwrap();
    registry::enable(host, station, plugin, &caps, &settings, None)
        .await
        .unwrap();
}

/// Item 1: the no-op view, through the host and bare.
async fn noop(host: &PluginHost, n: usize) -> (Vec<Duration>, Vec<Duration>) {
    let active = registry::active(host, "lunan", FAULT_LAB).await.unwrap();
    let deadline = host.runtime.limits.view_deadline;
    let env = || liaison_host::host::HostEnv {
        db: host.db.clone(),
        reference: host.reference.clone(),
        clock: host.clock.clone(),
        plugin_id: FAULT_LAB.into(),
        station_id: active.station_id,
        station_code: active.station_code.clone(),
        caps: active.caps.clone(),
        settings: active.settings.clone(),
        storage_quota: 1 << 20,
        max_host_calls: 1000,
        host_calls: 0,
        log_window: Default::default(),
        log: Default::default(),
        staff: std::sync::Arc::new(liaison_host::staff::Unset),
        notice_hours: Default::default(),
        notices_per_hour: 10,
    };
    let ctx = liaison_host::bindings::v0_1::liaison::brand::types::Context {
        station: "lunan".into(),
        audience: liaison_host::bindings::v0_1::liaison::brand::types::Audience::Staff,
        locale: "zh".into(),
    };
    // Warm both paths (threads, caches).
    for _ in 0..50 {
        host.render(&active, "home", Audience::Staff, "zh")
            .await
            .unwrap();
    }
    let bare = || async {
        let (brand, mut store) = host
            .runtime
            .start(&active.loaded, env(), deadline)
            .await
            .unwrap();
        let blocks = brand
            .call_render_view(&mut store, "home", &ctx)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(blocks.len(), 1);
    };
    for _ in 0..50 {
        bare().await;
    }
    // Interleaved rounds, so drift (other work on the machine) falls on both alike.
    let (mut via, mut raw) = (Vec::new(), Vec::new());
    for _ in 0..10 {
        via.extend(
            timed(n / 10, || async {
                host.render(&active, "home", Audience::Staff, "zh")
                    .await
                    .unwrap();
            })
            .await,
        );
        raw.extend(timed(n / 10, bare).await);
    }
    via.sort();
    raw.sort();
    (via, raw)
}

/// Item 2: the `reads` view (N storage reads) and N plain reads of the same rows.
async fn reads(host: &PluginHost, db: &DatabaseConnection, n: usize) -> [Vec<Duration>; 2] {
    let active = registry::active(host, "lunan", FAULT_LAB).await.unwrap();
    let station = active.station_id;
    // The rows the view reads, written as the plugin's `store` would (JSON numbers).
    let storage = Storage {
        plugin_id: FAULT_LAB,
        station_id: station,
    };
    for i in 0..READS {
        storage
            .put(db, &format!("r{i}"), i.to_string().into_bytes())
            .await
            .unwrap();
    }
    for _ in 0..20 {
        host.render(&active, "reads", Audience::Staff, "zh")
            .await
            .unwrap();
    }
    let view = timed(n, || async {
        let blocks = host
            .render(&active, "reads", Audience::Staff, "zh")
            .await
            .unwrap();
        assert_eq!(blocks.len(), 1);
    })
    .await;
    let plain = timed(n, || async {
        for i in 0..READS {
            let row = Storage {
                plugin_id: FAULT_LAB,
                station_id: station,
            }
            .get(db, &format!("r{i}"))
            .await
            .unwrap();
            assert!(row.is_some());
        }
    })
    .await;
    [view, plain]
}

async fn get(client: &reqwest::Client, url: &str) -> u16 {
    let r = client.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    let _ = r.bytes().await.unwrap();
    status
}

/// Item 3: the station page without brand views, then with fault-lab's three.
async fn page(srv: &Server, client: &reqwest::Client, n: usize) -> [Vec<Duration>; 2] {
    // 路北 has no brand of the demo's.
    let url = format!("{}/s/lubei", srv.base);
    let page = || async {
        assert_eq!(get(client, &url).await, 200);
    };
    for _ in 0..20 {
        page().await;
    }
    let without = timed(n, page).await;
    enable(&srv.host, "lubei", FAULT_LAB, serde_json::json!({})).await;
    let html = client.get(&url).send().await.unwrap().text().await.unwrap();
    for v in ["slow-a done", "slow-b done", "slow-c done"] {
        assert!(html.contains(v), "the page shows {v}");
    }
    for _ in 0..20 {
        page().await;
    }
    let with = timed(n, page).await;
    [without, with]
}

/// Item 4: memory at rest, and at its peak under 64 concurrent view calls over the three
/// brands.
async fn memory_under_load(
    srv: &Server,
    client: &reqwest::Client,
) -> (f64, f64, BTreeMap<u16, usize>) {
    let (rest, _) = memory();
    let views = [
        "/api/v1/stations/lunan/plugins/auto-service-team/views/home",
        "/api/v1/stations/pengjie/plugins/hundred-knows-desk/views/home",
        "/api/v1/stations/jinqing/plugins/joint-inspection/views/results",
    ];
    for v in views {
        let status = get(client, &format!("{}{v}", srv.base)).await;
        assert_eq!(status, 200, "{v}");
    }
    let until = Instant::now() + Duration::from_secs(5);
    let mut tasks = Vec::new();
    for i in 0..64 {
        let client = client.clone();
        let url = format!("{}{}", srv.base, views[i % views.len()]);
        tasks.push(tokio::spawn(async move {
            let mut seen: BTreeMap<u16, usize> = BTreeMap::new();
            while Instant::now() < until {
                *seen.entry(get(&client, &url).await).or_default() += 1;
            }
            seen
        }));
    }
    let mut statuses = BTreeMap::new();
    for t in tasks {
        for (k, v) in t.await.unwrap() {
            *statuses.entry(k).or_default() += v;
        }
    }
    let (_, peak) = memory();
    (rest, peak, statuses)
}

/// 5. hello-brand's view at 路南, quiet and while fault-lab floods the host at another
///    station: `kind` is "sleep" (64 clients of 80 ms sleeps, holding slots) or "loop" (64
///    clients spinning to the deadline).
async fn flooded(
    srv: &Server,
    client: &reqwest::Client,
    n: usize,
    kind: &str,
) -> (Vec<Duration>, BTreeMap<u16, usize>) {
    let victim = format!(
        "{}/api/v1/stations/lunan/plugins/{HELLO}/views/home",
        srv.base
    );
    let flood_url = format!(
        "{}/api/v1/stations/jinqing/plugins/{FAULT_LAB}/actions/{kind}",
        srv.base
    );
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut tasks = Vec::new();
    for _ in 0..64 {
        let (client, url, stop, kind) = (
            client.clone(),
            flood_url.clone(),
            stop.clone(),
            kind.to_owned(),
        );
        tasks.push(tokio::spawn(async move {
            let mut seen: BTreeMap<u16, usize> = BTreeMap::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let r = client
                    .post(&url)
                    .json(&if kind == "sleep" {
                        serde_json::json!({ "values": { "ms": "80" } })
                    } else {
                        serde_json::json!({ "values": {} })
                    })
                    .send()
                    .await
                    .unwrap();
                *seen.entry(r.status().as_u16()).or_default() += 1;
                let _ = r.bytes().await;
            }
            seen
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The victim's own answers are counted, not asserted: a refusal is a finding to report.
    let victim_statuses = std::cell::RefCell::new(BTreeMap::<u16, usize>::new());
    let lat = timed(n, || async {
        let status = get(client, &victim).await;
        *victim_statuses.borrow_mut().entry(status).or_default() += 1;
    })
    .await;
    println!(
        "<!-- victim's answers under the {kind} flood: {:?} -->",
        victim_statuses.borrow()
    );
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut statuses = BTreeMap::new();
    for t in tasks {
        for (k, v) in t.await.unwrap() {
            *statuses.entry(k).or_default() += v;
        }
    }
    (lat, statuses)
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let n = if quick { 200 } else { 1000 };
    let mut settings = Settings::defaults();
    settings.auth.argon2_memory_kib = 64;
    settings.auth.argon2_iterations = 1;
    // The CPU flood fails on purpose (every spin meets its deadline); suspended, it would stop
    // flooding. The threshold is out of the way so the flood lasts.
    settings.plugins.failure_threshold = i32::MAX;
    // Timings, not deadlines, are measured: on a machine shared with other work a 100 ms
    // deadline turns one scheduling hiccup into a failed run. The CPU flood spins to this too.
    settings.plugins.view_deadline_ms = 1000;
    // The bench's own clients must not meet the per-client limits.
    settings.server.intake_burst = 1_000_000;
    settings.server.intake_refill_ms = 1;
    settings.server.receipt_burst = 1_000_000;
    settings.server.receipt_refill_ms = 1;
    // Only errors: a flood logs a line per refused call.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("error"))
        .try_init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let srv = server(&settings).await;
        enable(&srv.host, "lunan", FAULT_LAB, serde_json::json!({ "reads": READS })).await;
        enable(&srv.host, "lunan", HELLO, serde_json::json!({})).await;
        enable(&srv.host, "jinqing", FAULT_LAB, serde_json::json!({})).await;
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(128)
            .build()
            .unwrap();

        let (via, raw) = noop(&srv.host, n * 5).await;
        let [view, plain] = reads(&srv.host, &srv.db, n).await;
        let [without, with] = page(&srv, &client, n / 2).await;
        let (rest, peak, load_statuses) = memory_under_load(&srv, &client).await;
        // Quiet before and after the floods: the floor is the better of the two.
        let quiet_before = timed(n, || async {
            let url = format!("{}/api/v1/stations/lunan/plugins/{HELLO}/views/home", srv.base);
            assert_eq!(get(&client, &url).await, 200);
        })
        .await;
        let (slept, sleep_statuses) = flooded(&srv, &client, n, "sleep").await;
        let (spun, spin_statuses) = flooded(&srv, &client, n / 2, "loop").await;
        let quiet_after = timed(n, || async {
            let url = format!("{}/api/v1/stations/lunan/plugins/{HELLO}/views/home", srv.base);
            assert_eq!(get(&client, &url).await, 200);
        })
        .await;
        let quiet_p99 = percentile(&quiet_before, 0.99).min(percentile(&quiet_after, 0.99));
        let quiet_p50 = percentile(&quiet_before, 0.5).min(percentile(&quiet_after, 0.5));

        println!("| measure | value | floor (same run) | ratio |");
        println!("|---|---|---|---|");
        println!(
            "| no-op view through the host vs bare instantiate + call, mean (p50) | {:.0} ({:.0}) µs | {:.0} ({:.0}) µs | {:.2} |",
            us(mean(&via)),
            us(percentile(&via, 0.5)),
            us(mean(&raw)),
            us(percentile(&raw, 0.5)),
            us(mean(&via)) / us(mean(&raw))
        );
        println!(
            "| view doing {READS} storage reads vs {READS} plain reads, mean (p50) | {:.0} ({:.0}) µs | {:.0} ({:.0}) µs | {:.2} |",
            us(mean(&view)),
            us(percentile(&view, 0.5)),
            us(mean(&plain)),
            us(percentile(&plain, 0.5)),
            us(mean(&view)) / us(mean(&plain))
        );
        println!(
            "| the same, less the no-op view, per read | {:.1} µs | {:.1} µs | {:.2} |",
            (us(mean(&view)) - us(mean(&via))) / READS as f64,
            us(mean(&plain)) / READS as f64,
            (us(mean(&view)) - us(mean(&via))) / us(mean(&plain))
        );
        println!(
            "| station page with three brand views vs without, mean (p99) | {:.2} ({:.2}) ms | {:.2} ({:.2}) ms | {:.2} |",
            ms(mean(&with)),
            ms(percentile(&with, 0.99)),
            ms(mean(&without)),
            ms(percentile(&without, 0.99)),
            ms(mean(&with)) / ms(mean(&without))
        );
        println!("| memory (RSS) with the demo and its three brands, after the runs above | {rest:.0} MiB | | |");
        println!(
            "| memory (peak RSS) under 64 concurrent view calls for 5 s | {peak:.0} MiB | | answers: {load_statuses:?} |"
        );
        println!(
            "| another plugin's view, p50 / p99, quiet | {:.2} / {:.2} ms | | |",
            ms(quiet_p50),
            ms(quiet_p99)
        );
        println!(
            "| the same while 64 clients flood the host with 80 ms sleeps | {:.2} / {:.2} ms | {:.2} ms (quiet p99) | {:.2} |  ",
            ms(percentile(&slept, 0.5)),
            ms(percentile(&slept, 0.99)),
            ms(quiet_p99),
            ms(percentile(&slept, 0.99)) / ms(quiet_p99)
        );
        println!("| (the flood's answers) | {sleep_statuses:?} | | |");
        println!(
            "| the same while 64 clients flood the host with CPU spins to the deadline | {:.2} / {:.2} ms | {:.2} ms (quiet p99) | {:.2} |",
            ms(percentile(&spun, 0.5)),
            ms(percentile(&spun, 0.99)),
            ms(quiet_p99),
            ms(percentile(&spun, 0.99)) / ms(quiet_p99)
        );
        println!("| (the flood's answers) | {spin_statuses:?} | | |");
    });
}
