#![allow(clippy::unwrap_used)] // test code: a panic is the failure report
//! The dashboards over a synthetic district of a million cases on SQLite (or PostgreSQL): the
//! cockpit data, the big-screen data, the organisation measures and the whole appraisal ranking,
//! each beside a plain full scan of the same cases in the same run; on SQLite also the backup of
//! that database. Prints a Markdown report for docs/BENCHMARKS.md.
//!
//! Run: `cargo bench -p liaison --bench dashboard`. The district is generated once (cases and
//! their events written in bulk, then the counters rebuilt by the same recount `liaison
//! recount` runs, itself timed) into `LIAISON_BENCH_DIR` (default: a folder in the system's
//! temporary directory) and reused by later runs. `LIAISON_BENCH_CASES` sets the size
//! (default 1000000); `-- --fresh` generates again. With `LIAISON_BENCH_PG_URL` (a PostgreSQL
//! server's admin URL, e.g. `postgres://postgres@127.0.0.1:5432/postgres`) the district goes
//! into the database `liaison_bench_dashboard_<cases>` there instead, kept for later runs.
//! `LIAISON_BENCH_STATIONS` (default: the demo district's eleven) adds township stations until
//! the district has that many, for a city-sized deployment (e.g. a hundred stations).
//! `LIAISON_BENCH_COPIES=k` then copies the generated cases k−1 more times in SQL (new ids and
//! receipt codes, same stations, months and states) and multiplies the counters by k — what a
//! recount of k identical copies gives — so ten million cases take minutes rather than the
//! hours a recount of 69 million events would; the copies' events are not written (the
//! cockpit and the big screen read counters and cases, not events).

mod support;
use std::time::{Duration, Instant};
use support::percentile;

use chrono::{DateTime, Datelike, Duration as Days, NaiveDate, Utc};
use liaison_domain::configuration::Settings;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait, Value};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// One generated event.
struct Ev {
    case_id: i64,
    action: &'static str,
    from: &'static str,
    to: &'static str,
    data: Option<String>,
    at: DateTime<Utc>,
}

/// The final state of one generated case.
struct Case {
    id: i64,
    station: i64,
    category: i64,
    channel: &'static str,
    status: &'static str,
    lead: Option<i64>,
    due_on: Option<NaiveDate>,
    rating: Option<&'static str>,
    rework: i32,
    unrated: bool,
    created: DateTime<Utc>,
    updated: DateTime<Utc>,
    closed: Option<DateTime<Utc>>,
}

const CHANNELS: [&str; 6] = [
    "station_qr",
    "station_qr",
    "station_qr",
    "deputy_qr",
    "reception",
    "web",
];

struct Reference {
    stations: Vec<i64>,
    categories: Vec<i64>,
    orgs: Vec<(i64, String)>,
}

/// One case's life, drawn at random: most closed after an answer, some rejected, some reworked,
/// the recent ones often still open (and some of those past their deadline).
fn life(
    rng: &mut Rng,
    id: i64,
    created: DateTime<Utc>,
    now: DateTime<Utc>,
    r: &Reference,
) -> (Case, Vec<Ev>) {
    let mut c = Case {
        id,
        station: r.stations[rng.below(r.stations.len() as u64) as usize],
        category: r.categories[rng.below(r.categories.len() as u64) as usize],
        channel: CHANNELS[rng.below(CHANNELS.len() as u64) as usize],
        status: "submitted",
        lead: None,
        due_on: None,
        rating: None,
        rework: 0,
        unrated: false,
        created,
        updated: created,
        closed: None,
    };
    let mut evs = Vec::with_capacity(8);
    let mut at = created;
    let mut step =
        |evs: &mut Vec<Ev>, c: &mut Case, action, to, data: Option<String>, hours: i64| {
            at += Days::hours(hours);
            evs.push(Ev {
                case_id: id,
                action,
                from: if action == "submit" { "" } else { c.status },
                to,
                data,
                at,
            });
            c.status = to;
            c.updated = at;
        };
    let first = format!(r#"{{"channel":"{}"}}"#, c.channel);
    step(&mut evs, &mut c, "submit", "submitted", Some(first), 0);
    let age_days = (now - created).num_days();
    // Recent cases stop part-way: where they stop is what is open now.
    let stop = if age_days < 60 && rng.below(2) == 0 {
        1 + rng.below(6)
    } else {
        99
    };
    let roll = rng.below(100);
    if roll < 5 {
        step(&mut evs, &mut c, "reject", "rejected", None, 4);
        c.closed = Some(at);
        return (c, evs);
    }
    if stop == 1 {
        return (c, evs);
    }
    step(&mut evs, &mut c, "register", "registered", None, 3);
    if stop == 2 {
        return (c, evs);
    }
    if roll < 12 {
        step(
            &mut evs,
            &mut c,
            "resolve",
            "replied",
            Some(r#"{"on_time":true}"#.into()),
            20,
        );
        step(
            &mut evs,
            &mut c,
            "feedback",
            "feedback_given",
            Some(r#"{"on_time":true}"#.into()),
            20,
        );
        step(
            &mut evs,
            &mut c,
            "rate",
            "closed",
            Some(r#"{"rating":"satisfied"}"#.into()),
            30,
        );
        c.rating = Some("satisfied");
        c.closed = Some(at);
        return (c, evs);
    }
    for round in 0..2 {
        let (org, code) = &r.orgs[rng.below(r.orgs.len() as u64) as usize];
        c.lead = Some(*org);
        step(
            &mut evs,
            &mut c,
            "assign",
            "assigned",
            Some(format!(
                r#"{{"lead":"{code}","lead_id":{org},"rework":{}}}"#,
                round > 0
            )),
            2,
        );
        if stop == 3 {
            c.due_on = Some(liaison_domain::cases::deadlines::local_today(at) + Days::days(1));
            return (c, evs);
        }
        let on_time = rng.below(100) < 90;
        step(
            &mut evs,
            &mut c,
            "acknowledge",
            "in_progress",
            Some(format!(r#"{{"on_time":{on_time}}}"#)),
            if on_time { 10 } else { 60 },
        );
        if stop == 4 {
            c.due_on = Some(liaison_domain::cases::deadlines::local_today(at) + Days::days(15));
            return (c, evs);
        }
        let on_time = rng.below(100) < 85;
        step(
            &mut evs,
            &mut c,
            "reply",
            "replied",
            Some(format!(r#"{{"on_time":{on_time}}}"#)),
            if on_time { 200 } else { 500 },
        );
        if stop == 5 {
            c.due_on = Some(liaison_domain::cases::deadlines::local_today(at) + Days::days(3));
            return (c, evs);
        }
        step(
            &mut evs,
            &mut c,
            "feedback",
            "feedback_given",
            Some(r#"{"on_time":true}"#.into()),
            30,
        );
        if stop == 6 {
            return (c, evs);
        }
        let k = rng.below(100);
        if k < 10 {
            step(
                &mut evs,
                &mut c,
                "close",
                "closed",
                Some(r#"{"unrated":true}"#.into()),
                170,
            );
            c.unrated = true;
            c.closed = Some(at);
            return (c, evs);
        }
        let rating = if round == 1 || k < 70 {
            "satisfied"
        } else if k < 90 {
            "basically_satisfied"
        } else {
            "unsatisfied"
        };
        c.rating = Some(rating);
        if rating == "unsatisfied" {
            c.rework += 1;
            step(
                &mut evs,
                &mut c,
                "rate",
                "reopened",
                Some(r#"{"rating":"unsatisfied"}"#.into()),
                40,
            );
            continue;
        }
        step(
            &mut evs,
            &mut c,
            "rate",
            "closed",
            Some(format!(r#"{{"rating":"{rating}"}}"#)),
            40,
        );
        c.closed = Some(at);
        return (c, evs);
    }
    (c, evs)
}

/// `(?,…),(?,…)` for SQLite, `($1,…),($n,…)` for PostgreSQL.
fn placeholders(backend: sea_orm::DbBackend, rows: usize, cols: usize) -> String {
    let mut k = 0;
    (0..rows)
        .map(|_| {
            let one: Vec<String> = (0..cols)
                .map(|_| {
                    k += 1;
                    match backend {
                        sea_orm::DbBackend::Postgres => format!("${k}"),
                        _ => "?".to_owned(),
                    }
                })
                .collect();
            format!("({})", one.join(","))
        })
        .collect::<Vec<_>>()
        .join(",")
}

async fn write_cases(db: &impl ConnectionTrait, cases: &[Case]) {
    for chunk in cases.chunks(400) {
        let mut vals: Vec<Value> = Vec::with_capacity(chunk.len() * 18);
        for c in chunk {
            vals.extend([
                c.id.into(),
                format!("B{:08X}", c.id).into(),
                c.station.into(),
                c.category.into(),
                c.channel.into(),
                "路灯不亮".into(),
                "合成数据：一条用于基准测试的意见。".into(),
                "normal".into(),
                c.status.into(),
                c.lead.into(),
                c.due_on.into(),
                c.rework.into(),
                c.rating.map(str::to_owned).into(),
                c.unrated.into(),
                c.created.into(),
                c.updated.into(),
                c.closed.into(),
                false.into(),
            ]);
        }
        let sql = format!(
            "INSERT INTO cases (id, receipt_code, station_id, category_id, channel, title, description, urgency, status, lead_org_id, due_on, rework_count, rating, unrated, created_at, updated_at, closed_at, anonymous) VALUES {}",
            placeholders(db.get_database_backend(), chunk.len(), 18)
        );
        db.execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql,
            vals,
        ))
        .await
        .unwrap();
    }
}

async fn write_events(db: &impl ConnectionTrait, evs: &[Ev]) {
    for chunk in evs.chunks(1000) {
        let mut vals: Vec<Value> = Vec::with_capacity(chunk.len() * 9);
        for e in chunk {
            vals.extend([
                e.case_id.into(),
                e.action.into(),
                e.from.into(),
                e.to.into(),
                "system".into(),
                "基准".into(),
                e.data.clone().into(),
                e.at.into(),
                // A parameter, not the literal 1, which is no boolean on PostgreSQL.
                true.into(),
            ]);
        }
        let sql = format!(
            "INSERT INTO case_events (case_id, action, from_status, to_status, actor_role, actor_name, data, created_at, public) VALUES {}",
            placeholders(db.get_database_backend(), chunk.len(), 9)
        );
        db.execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql,
            vals,
        ))
        .await
        .unwrap();
    }
}

async fn reference(db: &DatabaseConnection) -> Reference {
    Reference {
        stations: liaison_domain::stations::all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect(),
        categories: liaison_domain::categories::all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect(),
        orgs: liaison_domain::orgs::all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|o| (o.id, o.code))
            .collect(),
    }
}

/// Copies the `n` generated cases `copies − 1` more times (ids after the last, receipt codes
/// with the copy's number), and multiplies the counters to match. Answers the seconds it took.
async fn copy_cases(db: &DatabaseConnection, n: i64, copies: i64) -> f64 {
    let t = Instant::now();
    let cols = "station_id, category_id, channel, title, description, urgency, status, \
                lead_org_id, due_on, rework_count, rating, unrated, created_at, updated_at, \
                closed_at, anonymous";
    for k in 1..copies {
        db.execute_unprepared(&format!(
            "INSERT INTO cases (id, receipt_code, {cols}) \
             SELECT id + {}, 'C{k}' || substr(receipt_code, 2), {cols} FROM cases WHERE id <= {n}",
            k * n
        ))
        .await
        .unwrap();
        eprintln!("copy {k} of {} written", copies - 1);
    }
    db.execute_unprepared(&format!(
        "UPDATE dashboard_counters SET value = value * {copies}"
    ))
    .await
    .unwrap();
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.execute_unprepared(
            "SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT MAX(id) FROM cases))",
        )
        .await
        .unwrap();
    }
    t.elapsed().as_secs_f64()
}

/// Adds township stations (with places around the demo district's, for the map) until the
/// district has `want`.
async fn more_stations(db: &DatabaseConnection, want: usize) {
    use liaison_domain::stations::{NewStation, PublicCode, StationKind};
    let reference = liaison_domain::reference::Reference::default();
    let have = liaison_domain::stations::count(db).await.unwrap() as usize;
    for i in have..want {
        let new = NewStation {
            code: PublicCode::parse(&format!("bench-{i:03}")).unwrap(),
            name: format!("测试联络站{i:03}"),
            name_en: format!("Bench station {i:03}"),
            kind: StationKind::Township,
            address: None,
            lat: Some(28.4 + (i % 10) as f64 * 0.05),
            lng: Some(121.2 + (i / 10) as f64 * 0.05),
        };
        liaison_domain::stations::create(db, &reference, &new)
            .await
            .unwrap();
    }
}

/// Writes `n` cases with their events, 20,000 to a transaction; the counters are left to the
/// recount. Returns (cases, events, seconds).
async fn generate(db: &DatabaseConnection, n: i64, now: DateTime<Utc>) -> (i64, usize, f64) {
    let started = Instant::now();
    let r = reference(db).await;
    let mut rng = Rng(2026);
    let span = Days::days(730).num_seconds();
    let mut events = 0;
    let mut id = 1;
    while id <= n {
        let end = (id + 20_000).min(n + 1);
        let mut cases = Vec::with_capacity((end - id) as usize);
        let mut evs = Vec::with_capacity((end - id) as usize * 7);
        for i in id..end {
            // Ids rise with time, as they do in a real district.
            let created = now - Days::seconds(span - span * i / n) - Days::days(1);
            let (c, e) = life(&mut rng, i, created, now, &r);
            cases.push(c);
            evs.extend(e);
        }
        let txn = db.begin().await.unwrap();
        write_cases(&txn, &cases).await;
        write_events(&txn, &evs).await;
        txn.commit().await.unwrap();
        events += evs.len();
        id = end;
    }
    (n, events, started.elapsed().as_secs_f64())
}

async fn time<F, Fut, T>(iters: usize, mut f: F) -> (Duration, Duration)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    // One untimed call warms the page cache and the connection's statement cache.
    let _ = f().await;
    let mut all = Vec::with_capacity(iters);
    for _ in 0..iters {
        let t = Instant::now();
        let _ = std::hint::black_box(f().await);
        all.push(t.elapsed());
    }
    all.sort();
    (percentile(&all, 0.5), percentile(&all, 0.95))
}

async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: i64 = std::env::var("LIAISON_BENCH_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let fresh = std::env::args().any(|a| a == "--fresh");
    let stations: Option<usize> = std::env::var("LIAISON_BENCH_STATIONS")
        .ok()
        .and_then(|v| v.parse().ok());
    let copies: i64 = std::env::var("LIAISON_BENCH_COPIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    // The size names the generated district, so districts of other shapes are kept apart.
    let mut size = match stations {
        Some(s) => format!("{n}_s{s}"),
        None => n.to_string(),
    };
    if copies > 1 {
        size = format!("{size}_x{copies}");
    }
    let dir = std::env::var("LIAISON_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir().join(format!("liaison-bench-dashboard-{size}")));
    let path = dir.join("district.db");
    let pg = std::env::var("LIAISON_BENCH_PG_URL").ok();
    if fresh {
        let _ = std::fs::remove_dir_all(&dir);
    }
    std::fs::create_dir_all(&dir).unwrap();
    let mut settings = Settings::defaults();
    settings.database.url = match &pg {
        Some(admin) => pg_database(admin, &format!("liaison_bench_dashboard_{size}"), fresh).await,
        None => format!("sqlite://{}?mode=rwc", path.display()),
    };
    let engine = if pg.is_some() { "PostgreSQL" } else { "SQLite" };
    settings.database.max_connections = 4;
    let db = liaison_domain::db::connect(&settings.database)
        .await
        .unwrap();
    liaison_domain::db::migrate(&db).await.unwrap();
    let now = Utc::now();

    let have = liaison_domain::cases::count(&db).await.unwrap() as i64;
    let mut made = None;
    let mut copied = None;
    if have != n * copies {
        assert_eq!(
            have,
            0,
            "{} holds another district; run with -- --fresh",
            path.display()
        );
        let passwords = liaison_domain::auth::PasswordPolicy::new(&settings.auth).unwrap();
        liaison::demo::seed_district(&db, &passwords).await.unwrap();
        if let Some(s) = stations {
            more_stations(&db, s).await;
        }
        let g = generate(&db, n, now).await;
        eprintln!("generated {} cases and {} events in {:.1} s", g.0, g.1, g.2);
        if pg.is_some() {
            // The ids were given explicitly; later inserts must not collide with them.
            db.execute_unprepared(
                "SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT MAX(id) FROM cases))",
            )
            .await
            .unwrap();
        }
        let t = Instant::now();
        let rows = liaison_domain::dashboard::recount::rebuild(&db)
            .await
            .unwrap();
        let recount_s = t.elapsed().as_secs_f64();
        eprintln!("recount: {rows} counter rows in {recount_s:.1} s");
        if copies > 1 {
            copied = Some(copy_cases(&db, n, copies).await);
        }
        // On PostgreSQL as autovacuum leaves a live database: statistics, and the visibility
        // map that lets the overdue count read the index alone (without it, one heap fetch per
        // overdue case: 46 ms instead of 12 at a million cases).
        let tidy = if pg.is_some() {
            "VACUUM ANALYZE"
        } else {
            "ANALYZE"
        };
        db.execute_unprepared(tidy).await.unwrap();
        made = Some((g, rows, recount_s));
    }
    let n = n * copies;
    let events = scalar(&db, "SELECT COUNT(*) FROM case_events").await;
    let counters = scalar(&db, "SELECT COUNT(*) FROM dashboard_counters").await;
    let overdue = scalar(
        &db,
        &format!(
            "SELECT COUNT(*) FROM cases WHERE due_on < '{}'",
            liaison_domain::cases::deadlines::local_today(now)
        ),
    )
    .await;
    let lunan = liaison_domain::stations::by_code(&db, "lunan")
        .await
        .unwrap()
        .id;
    let year = liaison_domain::cases::deadlines::local_today(now).year();

    let iters = 50;
    let cockpit = time(iters, || {
        liaison_domain::dashboard::figures::cockpit(&db, lunan, now)
    })
    .await;
    let screen = time(iters, || {
        liaison_domain::dashboard::figures::screen(&db, now)
    })
    .await;
    let measures = time(iters, || {
        liaison_domain::dashboard::measures::org_year(&db, year)
    })
    .await;
    let ranking = time(iters, || {
        liaison_domain::oversight::appraisal::ranking(&db, year)
    })
    .await;
    let scan = time(10, || {
        db.query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT station_id, status, COUNT(*), SUM(rework_count) FROM cases GROUP BY station_id, status",
        ))
    })
    .await;
    let count = time(10, || {
        db.query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*), SUM(rework_count) FROM cases",
        ))
    })
    .await;
    // A sanity check that the figures are the district's: the screen counts every case.
    let s = liaison_domain::dashboard::figures::screen(&db, now)
        .await
        .unwrap();
    assert_eq!(s.district.received, n, "the big screen counts every case");

    if pg.is_none() {
        backup_report(&db, &settings, &dir, &path, n).await;
    }
    let station_count = liaison_domain::stations::count(&db).await.unwrap();
    println!("### Dashboards over {n} cases, {station_count} stations ({engine}, release build)\n");
    println!(
        "{n} cases, {events} events, {counters} counter rows, {overdue} cases overdue now; \
         {iters} timed calls each after one warm-up (the full scans 10)."
    );
    if let Some(((_, evs, gen_s), rows, recount_s)) = made {
        println!(
            "Generated in this run: {evs} events written in {gen_s:.1} s; `recount` rebuilt \
             {rows} counter rows from them in {recount_s:.1} s."
        );
    }
    if let Some(s) = copied {
        println!(
            "The generated cases were then copied to {copies}× in SQL in {s:.1} s, the counters \
             multiplied by {copies} (the copies' events are not written)."
        );
    }
    println!();
    println!("| what | p50 ms | p95 ms | full scan p50 ÷ this p50 |");
    println!("|---|---:|---:|---:|");
    let ratio = |d: Duration| format!("{:.0}×", scan.0.as_secs_f64() / d.as_secs_f64());
    for (name, (p50, p95)) in [
        ("station cockpit data (`figures::cockpit`)", cockpit),
        ("big screen data (`figures::screen`)", screen),
        (
            "organisation measures of a year (`measures::org_year`)",
            measures,
        ),
        ("whole appraisal ranking (`appraisal::ranking`)", ranking),
        ("full scan: cases by station and status", scan),
        ("full scan: `COUNT(*)`, `SUM(rework_count)` of cases", count),
    ] {
        println!("| {name} | {} | {} | {} |", ms(p50), ms(p95), ratio(p50));
    }
}

/// The backup of the SQLite database, by the real command while a reader is connected (the
/// dashboards' pool stays open), beside a plain copy of the file as the floor.
async fn backup_report(
    db: &DatabaseConnection,
    settings: &Settings,
    dir: &std::path::Path,
    path: &std::path::Path,
    n: i64,
) {
    // The WAL is checkpointed first so that the file copy holds every page the backup holds.
    db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
        .await
        .unwrap();
    let file_bytes = std::fs::metadata(path).unwrap().len();
    let copy_to = dir.join("plain-copy.db");
    let t = Instant::now();
    std::fs::copy(path, &copy_to).unwrap();
    let copy_s = t.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&copy_to);
    let backup_dir = dir.join("backup");
    let _ = std::fs::remove_dir_all(&backup_dir);
    let mut backup_settings = settings.clone();
    backup_settings.photos.dir = dir.join("no-photos").display().to_string();
    let t = Instant::now();
    liaison::backup::backup(&backup_settings, &backup_dir)
        .await
        .unwrap();
    let backup_s = t.elapsed().as_secs_f64();
    let backup_bytes = std::fs::metadata(backup_dir.join("liaison.db"))
        .unwrap()
        .len();
    let _ = std::fs::remove_dir_all(&backup_dir);

    println!("### Backup of the {n}-case database (SQLite, release build)\n");
    println!("| what | seconds | MB | this ÷ plain copy (time) |");
    println!("|---|---:|---:|---:|");
    println!(
        "| `liaison backup` (VACUUM INTO) | {backup_s:.2} | {:.0} | {:.1}× |",
        backup_bytes as f64 / 1e6,
        backup_s / copy_s
    );
    println!(
        "| plain file copy (floor) | {copy_s:.2} | {:.0} | 1× |",
        file_bytes as f64 / 1e6
    );
    println!();
}

/// Creates the database `name` on the server of `admin` unless it is there (dropped first when
/// `fresh`); its URL.
async fn pg_database(admin: &str, name: &str, fresh: bool) -> String {
    let server = sea_orm::Database::connect(admin).await.unwrap();
    let backend = server.get_database_backend();
    if fresh {
        server
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await
            .unwrap();
    }
    let exists = server
        .query_one_raw(Statement::from_string(
            backend,
            format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"),
        ))
        .await
        .unwrap()
        .is_some();
    if !exists {
        server
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
    }
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    format!("{base}/{name}")
}
