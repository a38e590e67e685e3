//! The harness: a real Liaison server on a fresh database for every test, driven over HTTP.
//!
//! - SQLite: a new file in a new temporary folder, removed when the test ends.
//! - PostgreSQL: a new database `liaison_test_*` on the local server, dropped when the test ends.
//!   The server is `postgres://postgres@127.0.0.1:5432/postgres` unless `LIAISON_TEST_PG_URL`
//!   names another maintenance database. If it does not answer the PostgreSQL tests fail, unless
//!   `LIAISON_SKIP_PG=1`, which makes them return early.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{Datelike, NaiveDate, Weekday};
use liaison_domain::Clock;
use liaison_domain::auth::PasswordPolicy;
use liaison_domain::cases::{Case, Event};
use liaison_domain::configuration::Settings;
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};

/// What `sql`, a `SELECT COUNT(*)` or another single integer, answers on `db`.
pub async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let backend = db.get_database_backend();
    db.query_one_raw(sea_orm::Statement::from_string(backend, sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .unwrap_or_else(|| panic!("{sql}: no row"))
        .try_get_by_index::<i64>(0)
        .unwrap()
}

/// The first column of every row `sql` answers on `db`, as text.
pub async fn texts(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    let backend = db.get_database_backend();
    db.query_all_raw(sea_orm::Statement::from_string(backend, sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect()
}

/// Runs `sql`, a plain UPDATE, INSERT or DELETE with literal values, on `db`; how many rows it
/// touched. Tests change tables as the database has them (the entities are the domain's own).
pub async fn execute(db: &DatabaseConnection, sql: &str) -> u64 {
    let backend = db.get_database_backend();
    db.execute_raw(sea_orm::Statement::from_string(backend, sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .rows_affected()
}

pub const DEFAULT_PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The password of every user a test adds with [`TestApp::add_user`].
pub const TEST_PASSWORD: &str = "test-password-2026";

/// The reporter of [`TestApp::submit_default`]: never to be seen unmasked outside a reveal.
pub const REPORTER_PHONE: &str = "13812345678";
pub const REPORTER_PHONE_MASKED: &str = "138****5678";
pub const REPORTER_NAME: &str = "张三丰";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn skip_postgres() -> bool {
    std::env::var("LIAISON_SKIP_PG").is_ok_and(|v| v.trim() == "1")
}

fn pg_admin_url() -> String {
    std::env::var("LIAISON_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_ADMIN_URL.to_owned())
}

/// For each `async fn scenario(b: Backend)`, a module `scenario` with the tests `sqlite` and
/// `postgres`.
macro_rules! both_backends {
    ($($scenario:ident),+ $(,)?) => {$(
        mod $scenario {
            #[tokio::test]
            async fn sqlite() {
                super::$scenario($crate::support::Backend::Sqlite).await;
            }

            #[tokio::test]
            async fn postgres() {
                if $crate::support::skip_postgres() {
                    eprintln!("skipped: LIAISON_SKIP_PG=1");
                    return;
                }
                super::$scenario($crate::support::Backend::Postgres).await;
            }
        }
    )+};
}

/// A port nothing listens on right now, for a child process to bind.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A name no other test of any run on this machine uses.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Removes what a test left behind (its temporary folder, its PostgreSQL database), even when
/// the test panics.
struct Cleanup {
    /// The test's own folder: the SQLite file, the plugin cache, anything else it writes.
    dir: PathBuf,
    postgres: Option<(String, String)>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.postgres.take() {
            // Drop runs inside the test's runtime, which cannot be blocked on; a thread with
            // its own runtime does the work. FORCE ends the server's pooled connections.
            let (url, db) = (admin_url.clone(), name.clone());
            let done = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime for the cleanup");
                rt.block_on(async {
                    let admin = admin_connect(&url).await?;
                    admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"
                        ))
                        .await?;
                    admin.close().await
                })
            })
            .join();
            if !matches!(done, Ok(Ok(()))) {
                eprintln!("could not drop the test database {name}: {done:?}");
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn admin_connect(url: &str) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false);
    Database::connect(opts).await
}

/// A fresh, empty database for `backend`: its URL and what removes it (with the test's folder).
async fn fresh_database(backend: Backend) -> (String, Cleanup) {
    let dir = std::env::temp_dir().join(unique("liaison-e2e"));
    std::fs::create_dir_all(&dir).expect("creating a temporary folder");
    match backend {
        Backend::Sqlite => {
            let url = format!("sqlite://{}?mode=rwc", dir.join("liaison.db").display());
            (
                url,
                Cleanup {
                    dir,
                    postgres: None,
                },
            )
        }
        Backend::Postgres => {
            // The folder first, so that it goes even if the database cannot be made.
            let mut cleanup = Cleanup {
                dir,
                postgres: None,
            };
            let admin_url = pg_admin_url();
            let admin = admin_connect(&admin_url).await.unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL at {admin_url} did not answer ({e}). Start it (user postgres, \
                     trust authentication), point LIAISON_TEST_PG_URL at another server, or set \
                     LIAISON_SKIP_PG=1 to skip the PostgreSQL tests."
                )
            });
            let name = unique("liaison_test");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .unwrap_or_else(|e| panic!("creating the test database {name}: {e}"));
            admin.close().await.ok();
            let (base, _) = admin_url.rsplit_once('/').expect("a URL naming a database");
            let url = format!("{base}/{name}");
            cleanup.postgres = Some((admin_url, name));
            (url, cleanup)
        }
    }
}

/// A running server with the demo district (stations, deputies, organisations, categories, the
/// 2026 calendar and the demo users) and no cases.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`
    pub address: String,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    pub clock: Clock,
    pub settings: Settings,
    pub passwords: PasswordPolicy,
    /// The notification channels the test handed the server (beside in-app).
    pub channels: Vec<std::sync::Arc<dyn liaison_domain::notifications::channel::Channel>>,
    /// The server task: aborting it stops the server and its dispatcher.
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    // Last: the database is removed after everything else let go of it.
    _cleanup: Cleanup,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Like [`spawn_app`], with the settings changed by `tweak` before the server starts.
pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    prepare_app(backend, tweak).await.start().await
}

/// A fresh database, migrated and holding the demo district, with the settings a server would
/// run with, but no server yet: for tests that write something before the server starts.
pub struct Prepared {
    pub db: DatabaseConnection,
    pub clock: Clock,
    pub settings: Settings,
    pub passwords: PasswordPolicy,
    /// Notification channels to hand the server beside in-app (a test's recorder).
    pub channels: Vec<std::sync::Arc<dyn liaison_domain::notifications::channel::Channel>>,
    cleanup: Cleanup,
}

pub async fn prepare_app(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> Prepared {
    let mut settings = Settings::defaults();
    settings.server.host = "127.0.0.1".into();
    settings.server.port = 0;
    settings.server.intake_burst = 100_000;
    settings.server.intake_refill_ms = 1;
    settings.server.login_burst = 100_000;
    settings.server.login_refill_ms = 1;
    settings.server.receipt_burst = 100_000;
    settings.server.receipt_refill_ms = 1;
    settings.auth.argon2_memory_kib = 64;
    settings.auth.argon2_iterations = 1;
    settings.auth.argon2_parallelism = 1;
    settings.database.max_connections = 5;
    // A page waits for its brand views as long as they may take here (a second each, see
    // `TEST_VIEW_DEADLINE_MS`), not the shipped half second: two cores shared by dozens of
    // servers would turn slow-but-working views into notices. The fairness tests set their own.
    settings.plugins.page_budget_ms = 10_000;
    let (url, cleanup) = fresh_database(backend).await;
    settings.database.url = url;
    // Each test compiles (or loads) plugin components into a folder of its own, never into the
    // working directory.
    settings.plugins.cache_dir = cleanup.dir.join("plugin-cache").display().to_string();
    settings.photos.dir = cleanup.dir.join("photos").display().to_string();
    tweak(&mut settings);

    let db = liaison_domain::db::connect(&settings.database)
        .await
        .expect("connecting to the test database");
    liaison_domain::db::migrate(&db)
        .await
        .expect("running migrations");
    let passwords = PasswordPolicy::new(&settings.auth).expect("argon2 parameters");
    let clock = Clock::default();
    liaison::demo::seed_district(&db, &passwords)
        .await
        .expect("seeding the demo district");
    Prepared {
        db,
        clock,
        settings,
        passwords,
        channels: Vec::new(),
        cleanup,
    }
}

/// Builds and starts a server on `db`; its address and its task.
async fn serve(
    settings: &Settings,
    db: &DatabaseConnection,
    clock: &Clock,
    channels: &[std::sync::Arc<dyn liaison_domain::notifications::channel::Channel>],
) -> (u16, tokio::task::JoinHandle<anyhow::Result<()>>) {
    let mut app =
        liaison::startup::Application::with_db(settings.clone(), db.clone(), clock.clone())
            .await
            .expect("building the application");
    for c in channels {
        app.add_channel(c.clone());
    }
    let port = app.port();
    (port, tokio::spawn(app.run_until_stopped()))
}

impl Prepared {
    /// Starts the server on this database.
    pub async fn start(self) -> TestApp {
        let Prepared {
            db,
            clock,
            settings,
            passwords,
            channels,
            cleanup,
        } = self;
        let (port, server) = serve(&settings, &db, &clock, &channels).await;
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("an HTTP client"),
            db,
            clock,
            settings,
            passwords,
            channels,
            server: Some(server),
            _cleanup: cleanup,
        }
    }
}

/// An answer, read whole: its status, its raw text (to search for what must not be there) and
/// its JSON (Null when it is not JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub content_type: String,
    pub text: String,
    pub body: Value,
}

impl Resp {
    async fn read(res: reqwest::Response) -> Resp {
        let status = res.status();
        let headers = res.headers().clone();
        let content_type = res
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = res.text().await.expect("reading the answer");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            content_type,
            text,
            body,
        }
    }

    /// Asserts the status, showing the body when it is another.
    #[track_caller]
    pub fn expect(self, status: u16) -> Resp {
        assert_eq!(
            self.status.as_u16(),
            status,
            "expected {status}, got {}: {}",
            self.status,
            self.text
        );
        self
    }

    /// Asserts a JSON error answer: its status, its code and the field it names (if given).
    #[track_caller]
    pub fn expect_error(self, status: u16, code: &str, field: Option<&str>) -> Resp {
        let r = self.expect(status);
        assert!(
            r.content_type.starts_with("application/json"),
            "an error answers JSON, not {:?}: {}",
            r.content_type,
            r.text
        );
        assert_eq!(r.body["error"]["code"], code, "error code in {}", r.text);
        assert!(
            r.body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "an error carries a message: {}",
            r.text
        );
        if let Some(field) = field {
            assert_eq!(r.body["error"]["field"], field, "error field in {}", r.text);
        }
        r
    }

    pub fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or_default()
    }
}

/// What intake answers.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub id: i64,
    pub receipt_code: String,
}

/// A case body for `station` with the default reporter and category.
pub fn case_body(station: &str) -> Value {
    json!({
        "station": station,
        "category": "urban_construction",
        "title": "路灯不亮",
        "description": "石曲村一带路灯坏了半个多月，晚上出行很不方便，希望尽快修好。",
        "location": { "lat": 28.58, "lng": 121.37, "address": "石曲村口" },
        "contact": { "name": REPORTER_NAME, "phone": REPORTER_PHONE },
    })
}

impl TestApp {
    /// Stops the server (its task aborted mid-work, as a killed process would stop) and starts
    /// a new one on the same database with `channels`; the address changes.
    pub async fn restart_with(
        &mut self,
        channels: Vec<std::sync::Arc<dyn liaison_domain::notifications::channel::Channel>>,
    ) {
        if let Some(s) = self.server.take() {
            s.abort();
            let _ = s.await;
        }
        self.channels = channels;
        let (port, server) = serve(&self.settings, &self.db, &self.clock, &self.channels).await;
        self.address = format!("http://127.0.0.1:{port}");
        self.server = Some(server);
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.address)
    }

    pub async fn request(
        &self,
        method: Method,
        url: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Resp {
        let mut req = self.client.request(method, url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        Resp::read(req.send().await.expect("sending the request")).await
    }

    /// GET under `/api/v1`.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.request(Method::GET, &self.api(path), token, None)
            .await
    }

    /// POST JSON under `/api/v1`.
    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        self.request(Method::POST, &self.api(path), token, Some(body))
            .await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: &Value) -> Resp {
        self.request(Method::PUT, &self.api(path), token, Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Resp {
        self.request(Method::DELETE, &self.api(path), token, None)
            .await
    }

    /// POST raw bytes with the given headers, for bodies no JSON encoder would write.
    pub async fn post_raw(&self, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Resp {
        let mut req = self.client.post(self.api(path)).body(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Resp::read(req.send().await.expect("sending the request")).await
    }

    /// POST a multipart form under `/api/v1`.
    pub async fn post_multipart(&self, path: &str, form: reqwest::multipart::Form) -> Resp {
        let req = self.client.post(self.api(path)).multipart(form);
        Resp::read(req.send().await.expect("sending the request")).await
    }

    /// GET an absolute path (`/api/v1/...` or a page's), read as bytes: status, type, body.
    pub async fn get_bytes(&self, path: &str, token: Option<&str>) -> (u16, String, Vec<u8>) {
        let mut req = self.client.get(format!("{}{path}", self.address));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("sending the request");
        let status = res.status().as_u16();
        let kind = res
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (status, kind, res.bytes().await.expect("reading").to_vec())
    }

    /// Signs in; the bearer token.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let r = self
            .post(
                "/auth/login",
                None,
                &json!({ "username": username, "password": password }),
            )
            .await
            .expect(200);
        r.body["token"]
            .as_str()
            .expect("a token in the login answer")
            .to_owned()
    }

    /// Signs in as one of the demo users: ops, staff, deputy, handler, viewer.
    pub async fn login_demo(&self, username: &str) -> String {
        let u = liaison::demo::DEMO_USERS
            .iter()
            .find(|u| u.username == username)
            .unwrap_or_else(|| panic!("no demo user {username}"));
        self.login(u.username, u.password).await
    }

    /// Adds a user (password [`TEST_PASSWORD`]) attached by codes, and signs them in.
    pub async fn add_user(
        &self,
        username: &str,
        role: &str,
        station: Option<&str>,
        organisation: Option<&str>,
        deputy: Option<&str>,
    ) -> String {
        // Through the same service as the console, so a test user is attached as the policy says.
        liaison_domain::users::create(
            &self.db,
            &self.passwords,
            &liaison_domain::users::NewUser {
                username: username.into(),
                password: TEST_PASSWORD.into(),
                display_name: username.into(),
                role: liaison_domain::auth::Role::parse(role)
                    .unwrap_or_else(|| panic!("no role {role}")),
                station: station.map(str::to_owned),
                organisation: organisation.map(str::to_owned),
                deputy: deputy.map(str::to_owned),
            },
        )
        .await
        .expect("adding a user");
        self.login(username, TEST_PASSWORD).await
    }

    /// POST /cases with `body`.
    pub async fn submit(&self, body: &Value) -> Resp {
        self.post("/cases", None, body).await
    }

    /// Submits [`case_body`] at `station`; asserts the 201.
    pub async fn submit_at(&self, station: &str) -> Submitted {
        let r = self.submit(&case_body(station)).await.expect(201);
        Submitted {
            id: r.body["id"].as_i64().expect("an id"),
            receipt_code: r.body["receipt_code"]
                .as_str()
                .expect("a receipt code")
                .to_owned(),
        }
    }

    pub async fn submit_default(&self) -> Submitted {
        self.submit_at("lunan").await
    }

    /// POST /cases/{id}/actions/{action}.
    pub async fn act(&self, token: Option<&str>, id: i64, action: &str, body: Value) -> Resp {
        self.post(&format!("/cases/{id}/actions/{action}"), token, &body)
            .await
    }

    /// GET /cases/{id}; asserts the 200.
    pub async fn detail(&self, token: &str, id: i64) -> Value {
        self.get(&format!("/cases/{id}"), Some(token))
            .await
            .expect(200)
            .body
    }

    /// GET /cases with a query string; the ids listed.
    pub async fn list_ids(&self, token: &str, query: &str) -> Vec<i64> {
        let r = self
            .get(&format!("/cases?per_page=100&{query}"), Some(token))
            .await
            .expect(200);
        let ids: Vec<i64> = r.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|c| c["id"].as_i64().expect("an id"))
            .collect();
        assert_eq!(
            r.body["total"].as_u64(),
            Some(ids.len() as u64),
            "total agrees with the items: {}",
            r.text
        );
        ids
    }

    pub async fn track(&self, code: &str) -> Resp {
        self.get(&format!("/track/{code}"), None).await
    }

    pub async fn case_count(&self) -> u64 {
        liaison_domain::cases::count(&self.db).await.unwrap()
    }

    pub async fn contact_count(&self) -> u64 {
        self.count("SELECT COUNT(*) FROM reporter_contacts").await as u64
    }

    pub async fn all_event_count(&self) -> u64 {
        self.count("SELECT COUNT(*) FROM case_events").await as u64
    }

    pub async fn case_row(&self, id: i64) -> Case {
        liaison_domain::cases::stored(&self.db, id)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no case row {id}"))
    }

    /// The case's events as stored, oldest first.
    pub async fn event_rows(&self, id: i64) -> Vec<Event> {
        liaison_domain::cases::stored_history(&self.db, id)
            .await
            .unwrap()
    }

    /// The number a plain SQL count answers (tests look at tables as the database has them; the
    /// entities are the domain's own).
    pub async fn count(&self, sql: &str) -> i64 {
        count(&self.db, sql).await
    }

    /// The first column of every row a plain SQL query answers, as text.
    pub async fn texts(&self, sql: &str) -> Vec<String> {
        texts(&self.db, sql).await
    }

    /// The working-day calendar as the API publishes it, every year.
    pub async fn calendar(&self) -> WorkingDays {
        let r = self.get("/calendar", None).await.expect(200);
        WorkingDays(
            r.body
                .as_array()
                .expect("a list of days")
                .iter()
                .map(|d| {
                    (
                        d["day"].as_str().unwrap().parse().unwrap(),
                        d["kind"].as_str().unwrap().to_owned(),
                    )
                })
                .collect(),
        )
    }

    /// The district's date today (China Standard Time), as the server's clock sees it.
    pub fn today(&self) -> NaiveDate {
        liaison_domain::cases::queries::today(self.clock.now())
    }
}

/// Weekdays work, weekends rest, except for the calendar's rows: counted here independently of
/// the server's own calendar code.
pub struct WorkingDays(HashMap<NaiveDate, String>);

impl WorkingDays {
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.0.get(&day).map(String::as_str) {
            Some("holiday") => false,
            Some("workday") => true,
            _ => !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// Working days in `(from, to]`.
    pub fn between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let mut n = 0;
        let mut d = from;
        while d < to {
            d = d.succ_opt().unwrap();
            n += i64::from(self.is_working_day(d));
        }
        n
    }
}

/// A date field of a JSON answer.
#[track_caller]
pub fn date(v: &Value) -> NaiveDate {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a date, got {v}"))
        .parse()
        .unwrap_or_else(|e| panic!("expected a date, got {v}: {e}"))
}

/// The `action` of each event of a case detail or each step of a track timeline.
pub fn actions_of(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|e| e["action"].as_str().expect("an action").to_owned())
        .collect()
}

// ---- Plugins ----------------------------------------------------------------------------------

/// Where the plugin components are built (by `./scripts/test`, before the Rust tests), as the
/// demo finds them: `plugins/target`, or `CARGO_TARGET_DIR` when that is set.
pub fn plugin_wasm_dir() -> std::path::PathBuf {
    liaison::plugin_cli::built_components_dir(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/.."
    )))
}
/// The plugin crates, each with its `plugin.toml`.
pub const PLUGIN_SRC_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../plugins");

/// The wall-clock deadline of a view or action in the plugin tests. The shipped 100 ms measures
/// the machine as much as the plugin when dozens of servers share two cores (a plugin filling
/// its 32 MiB can miss it there), so the tests allow more; one test holds the shipped value.
pub const TEST_VIEW_DEADLINE_MS: u64 = 1000;

/// The settings of the plugin tests: [`TEST_VIEW_DEADLINE_MS`], the rest as shipped.
pub fn plugin_settings(s: &mut Settings) {
    s.plugins.view_deadline_ms = TEST_VIEW_DEADLINE_MS;
}

/// A server for the plugin tests (see [`plugin_settings`]).
pub async fn spawn_plugin_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, plugin_settings).await
}

/// A plugin package: its manifest text and its component's bytes.
#[derive(Clone)]
pub struct Package {
    pub manifest: String,
    pub component: Vec<u8>,
}

/// The built component `<crate_name>.wasm`; fails, saying how to build it, when it is missing.
pub fn plugin_component(crate_name: &str) -> Vec<u8> {
    let path = plugin_wasm_dir().join(format!("{crate_name}.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "the plugin component {} cannot be read ({e}). The plugin tests load the brands' \
             real WebAssembly components: run ./scripts/test, which builds them (cargo build \
             --manifest-path plugins/Cargo.toml --target wasm32-wasip2 --release) before the \
             Rust tests.",
            path.display()
        )
    })
}

/// A station brand under test: its plugin id (also its crate's folder under `plugins/`), the
/// station it serves, and the capabilities its manifest asks for, in its order.
pub struct Brand {
    pub id: &'static str,
    pub station: &'static str,
    pub caps: &'static [&'static str],
}

impl Brand {
    /// Its package as built: `plugins/<id>/plugin.toml` with the component of its crate.
    pub fn package(&self) -> Package {
        Package::load(self.id, &self.id.replace('-', "_"))
    }

    /// One of its views at its station, as JSON or (`html`) as markup.
    pub async fn view(&self, app: &TestApp, token: Option<&str>, view: &str, html: bool) -> Resp {
        app.plugin_view(token, self.station, self.id, view, html)
            .await
    }

    /// One of its actions at its station, with `{"values": values}`.
    pub async fn act(
        &self,
        app: &TestApp,
        token: Option<&str>,
        action: &str,
        values: Value,
    ) -> Resp {
        app.plugin_act(token, self.station, self.id, action, values)
            .await
    }

    /// A value of its storage at its station, as JSON.
    pub async fn stored(&self, app: &TestApp, key: &str) -> Option<Value> {
        app.plugin_stored(self.id, self.station, key).await
    }

    /// The tags it put on a case, sorted.
    pub async fn tags(&self, app: &TestApp, case_id: i64) -> Vec<String> {
        app.plugin_tags(self.id, case_id).await
    }
}

impl Package {
    /// `plugins/<dir>/plugin.toml` with the component `<crate_name>.wasm`.
    pub fn load(dir: &str, crate_name: &str) -> Package {
        let path = format!("{PLUGIN_SRC_DIR}/{dir}/plugin.toml");
        Package {
            manifest: std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("reading {path}: {e}")),
            component: plugin_component(crate_name),
        }
    }

    pub fn hello() -> Package {
        Package::load("hello-brand", "hello_brand")
    }

    pub fn fault_lab() -> Package {
        Package::load("fault-lab", "fault_lab")
    }

    /// The manifest with the line starting `key =` replaced by `key = value`.
    fn with_line(&self, key: &str, value: &str) -> Package {
        let prefix = format!("{key} =");
        let mut found = false;
        let manifest = self
            .manifest
            .lines()
            .map(|l| {
                if l.starts_with(&prefix) {
                    found = true;
                    format!("{key} = {value}")
                } else {
                    l.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        assert!(found, "the manifest has no line {prefix}");
        Package {
            manifest: manifest + "\n",
            component: self.component.clone(),
        }
    }

    /// The same component under another version.
    pub fn with_version(&self, version: &str) -> Package {
        self.with_line("version", &format!("\"{version}\""))
    }

    /// The same component asking for these capabilities.
    pub fn with_capabilities(&self, caps: &[&str]) -> Package {
        self.with_line(
            "capabilities",
            &serde_json::to_string(caps).expect("a list of names"),
        )
    }

    /// The same package with a manifest line replaced (`key = <toml value>`).
    pub fn with_manifest_line(&self, key: &str, toml_value: &str) -> Package {
        self.with_line(key, toml_value)
    }
}

/// Files of a plugin cache folder: name and contents.
type CacheFiles = Vec<(String, Vec<u8>)>;

/// Compiled components, once per test process: for each component (by its bytes), the files a
/// host built like the server's wrote into its cache folder (named by engine and component
/// digest). Every test then finds them in its own cache folder and loads the compiled code
/// instead of compiling the same component again. Empty for what does not compile.
fn compiled(manifest: &str, component: &[u8]) -> CacheFiles {
    use std::collections::BTreeMap;
    use std::hash::{Hash, Hasher};
    use std::sync::Mutex;
    static COMPILED: Mutex<BTreeMap<u64, CacheFiles>> = Mutex::new(BTreeMap::new());
    let mut h = std::collections::hash_map::DefaultHasher::new();
    component.hash(&mut h);
    // Held while compiling: two tests wanting one component compile it once.
    let mut all = COMPILED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(files) = all.get(&h.finish()) {
        return files.clone();
    }
    use liaison_host::runtime::{Limits, Runtime};
    // Not remembered when it does not compile: the manifest may be the broken one.
    let Ok(parsed) = liaison_host::manifest::Manifest::parse(manifest) else {
        return Vec::new();
    };
    let dir = std::env::temp_dir().join(unique("liaison-e2e-precompile"));
    let limits = Limits::from_settings(&Settings::defaults().plugins);
    let runtime = Runtime::new(limits, Some(dir.clone())).expect("a plugin runtime");
    let files: CacheFiles = match runtime.prepare(parsed, manifest, component) {
        Ok(_) => std::fs::read_dir(&dir)
            .expect("the precompile folder")
            .map(|e| {
                let e = e.expect("a cache file");
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).expect("reading a cache file"),
                )
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    let _ = std::fs::remove_dir_all(&dir);
    if !files.is_empty() {
        all.insert(h.finish(), files.clone());
    }
    files
}

/// Puts the compiled `component` (compiled once per process) into the plugin cache folder `dir`.
pub fn seed_plugin_cache(dir: &str, manifest: &str, component: &[u8]) {
    let dir = std::path::Path::new(dir);
    std::fs::create_dir_all(dir).expect("the plugin cache folder");
    for (name, bytes) in compiled(manifest, component) {
        let path = dir.join(name);
        if !path.exists() {
            std::fs::write(path, bytes).expect("seeding the plugin cache");
        }
    }
}

/// Polls `probe` every 50 ms until it answers `Ok`, for at most `timeout`; on time-out fails
/// with `what` and the last state `probe` described.
pub async fn wait_until<T, F, Fut>(timeout: Duration, what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let started = std::time::Instant::now();
    loop {
        match probe().await {
            Ok(v) => return v,
            Err(state) => {
                assert!(
                    started.elapsed() < timeout,
                    "waited {timeout:?} for {what}; last seen: {state}"
                );
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl TestApp {
    /// POST /plugins as multipart: the parts `manifest` (text) and `component` (bytes).
    pub async fn plugin_install(
        &self,
        token: Option<&str>,
        manifest: &str,
        component: &[u8],
    ) -> Resp {
        seed_plugin_cache(&self.settings.plugins.cache_dir, manifest, component);
        let form = reqwest::multipart::Form::new()
            .text("manifest", manifest.to_owned())
            .part(
                "component",
                reqwest::multipart::Part::bytes(component.to_vec())
                    .file_name("plugin.wasm")
                    .mime_str("application/wasm")
                    .expect("a MIME type"),
            );
        let mut req = self.client.post(self.api("/plugins")).multipart(form);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Resp::read(req.send().await.expect("sending the request")).await
    }

    /// Installs `pkg` as ops; asserts the 201.
    pub async fn install_package(&self, ops: &str, pkg: &Package) -> Value {
        self.plugin_install(Some(ops), &pkg.manifest, &pkg.component)
            .await
            .expect(201)
            .body
    }

    /// PUT /stations/{station}/plugins/{plugin} with a grant and settings.
    pub async fn plugin_enable(
        &self,
        token: Option<&str>,
        station: &str,
        plugin: &str,
        grant: &[&str],
        settings: Value,
    ) -> Resp {
        self.put(
            &format!("/stations/{station}/plugins/{plugin}"),
            token,
            &json!({ "grant": grant, "settings": settings }),
        )
        .await
    }

    /// GET /stations/{station}/plugins/{plugin}/views/{view}, as JSON or (`html`) as markup.
    pub async fn plugin_view(
        &self,
        token: Option<&str>,
        station: &str,
        plugin: &str,
        view: &str,
        html: bool,
    ) -> Resp {
        let query = if html { "?format=html" } else { "" };
        self.get(
            &format!("/stations/{station}/plugins/{plugin}/views/{view}{query}"),
            token,
        )
        .await
    }

    /// POST /stations/{station}/plugins/{plugin}/actions/{action} with `{"values": values}`.
    pub async fn plugin_act(
        &self,
        token: Option<&str>,
        station: &str,
        plugin: &str,
        action: &str,
        values: Value,
    ) -> Resp {
        self.post(
            &format!("/stations/{station}/plugins/{plugin}/actions/{action}"),
            token,
            &json!({ "values": values }),
        )
        .await
    }

    pub async fn station_id(&self, code: &str) -> i64 {
        liaison_domain::stations::by_code(&self.db, code)
            .await
            .unwrap_or_else(|e| panic!("no station {code}: {e}"))
            .id
    }

    /// A value of a plugin's storage at a station, read from the table, as JSON.
    pub async fn plugin_stored(&self, plugin: &str, station: &str, key: &str) -> Option<Value> {
        stored(&self.db, plugin, self.station_id(station).await, key).await
    }

    /// Ops install a station brand's package and enable it at its station with exactly the
    /// capabilities its manifest asks for, and with `settings`: asserts the install names the
    /// brand and those capabilities, and that all of them are effective. Answers the enable
    /// answer (its `settings` are what the station now runs with).
    pub async fn install_brand(&self, ops: &str, brand: &Brand, settings: Value) -> Value {
        let installed = self.install_package(ops, &brand.package()).await;
        assert_eq!(installed["id"], brand.id);
        assert_eq!(strings(&installed["requested"]), brand.caps);
        let r = self
            .plugin_enable(Some(ops), brand.station, brand.id, brand.caps, settings)
            .await
            .expect(200);
        assert_eq!(strings(&r.body["effective"]), brand.caps);
        r.body
    }

    /// Adds a user of `station` as station staff (`<station>-staff`), signed in.
    pub async fn add_station_staff(&self, station: &str) -> String {
        self.add_user(
            &format!("{station}-staff"),
            "station_staff",
            Some(station),
            None,
            None,
        )
        .await
    }

    /// The station's deputies as the public API lists them: code and name, in its order.
    pub async fn station_deputies(&self, station: &str) -> Vec<(String, String)> {
        self.get(&format!("/deputies?station={station}"), None)
            .await
            .expect(200)
            .body
            .as_array()
            .expect("a list of deputies")
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap().to_owned(),
                    d["name"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    /// The tags `plugin` put on a case, read from the table, sorted.
    pub async fn plugin_tags(&self, plugin: &str, case_id: i64) -> Vec<String> {
        let mut t = self
            .texts(&format!(
                "SELECT tag FROM case_tags WHERE case_id = {case_id} AND plugin_id = '{plugin}'"
            ))
            .await;
        t.sort();
        t
    }
}

// Reading a plugin view as the API answers it (JSON blocks).

/// A JSON list of strings.
pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected a list, got {v}"))
        .iter()
        .map(|s| s.as_str().expect("a string").to_owned())
        .collect()
}

/// The blocks of a view answer.
pub fn blocks(view: &Resp) -> &Vec<Value> {
    view.body["blocks"]
        .as_array()
        .unwrap_or_else(|| panic!("a view with blocks: {}", view.text))
}

/// The form of a view that posts to `action`.
pub fn form<'a>(view: &'a Resp, action: &str) -> &'a Value {
    blocks(view)
        .iter()
        .find(|b| b["type"] == "form" && b["form"]["action"] == action)
        .map(|b| &b["form"])
        .unwrap_or_else(|| panic!("no form for {action}: {}", view.text))
}

/// The value of a view's stat card labelled `label`.
pub fn stat(view: &Resp, label: &str) -> String {
    blocks(view)
        .iter()
        .filter(|b| b["type"] == "stat_cards")
        .flat_map(|b| b["cards"].as_array().expect("cards").iter())
        .find(|c| c["label"] == label)
        .and_then(|c| c["value"].as_str())
        .unwrap_or_else(|| panic!("no stat card {label}: {}", view.text))
        .to_owned()
}

/// The rows of a view's first table with a column `column`.
pub fn table_rows(view: &Resp, column: &str) -> Vec<Vec<String>> {
    let t = blocks(view)
        .iter()
        .find(|b| {
            b["type"] == "table"
                && b["columns"]
                    .as_array()
                    .is_some_and(|c| c.iter().any(|x| x == column))
        })
        .unwrap_or_else(|| panic!("no table with {column}: {}", view.text));
    t["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(strings)
        .collect()
}

/// A value of a plugin's storage at a station, read from the table, as JSON.
pub async fn stored(
    db: &DatabaseConnection,
    plugin: &str,
    station_id: i64,
    key: &str,
) -> Option<Value> {
    let storage = liaison_domain::plugins::station::Storage {
        plugin_id: plugin,
        station_id,
    };
    storage
        .get(db, key)
        .await
        .expect("reading plugin storage")
        .map(|value| {
            serde_json::from_slice(&value)
                .unwrap_or_else(|e| panic!("{plugin} stored {key} as something not JSON: {e}"))
        })
}
