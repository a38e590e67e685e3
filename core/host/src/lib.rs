//! The plugin host: station brands (一站一品) as sandboxed WebAssembly components.
//!
//! - `manifest`: what a package declares; `capability`: what it may ask of the host. Both are
//!   the contract's rules from the `liaison-contract` crate, which the SDK's test harness
//!   applies too, as are the form checks (`view`) and the limits of host calls (`host`).
//! - `runtime`: the wasmtime sandbox (fresh instance per call, deadline, memory cap).
//! - `gate`: how many calls run at once, per plugin, per station and in all.
//! - `host`: the imports a plugin calls, each checked against its grant, scoped to its station.
//! - `registry`: install, enable with grants, upgrade, disable, suspend and resume.
//! - `view`: blocks to JSON and HTML, form input checked before the plugin sees it.
//! - `outbox`: case events delivered after commit, at least once, with retries.
//! - `staff`: where a plugin's `notify-staff` goes ([`staff::StaffNotifier`], set by the app).

pub mod bindings;
pub mod capability;
pub mod gate;
pub mod host;
pub mod html;
pub mod manifest;
pub mod outbox;
pub mod registry;
pub mod runtime;
pub mod staff;
pub mod threads;
pub mod view;
pub mod warm;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::DatabaseConnection;
use serde::Serialize;
use utoipa::ToSchema;
use wasmtime::Store;

use self::bindings::v0_1::Brand;
use self::bindings::v0_1::liaison::brand::types as wit;
use self::capability::Capability;
use self::host::HostEnv;
use self::manifest::Audience;
use self::runtime::{Fault, Limits, Loaded, PluginState, Runtime};
use self::view::ViewBlock;
use liaison_domain::Clock;

pub use liaison_domain::configuration::PluginSettings;

/// Why a plugin call did not produce an answer, for the API to explain.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    /// A field not acceptable: the host's own check, or the plugin's words
    /// ([`FieldKind::Plugin`](liaison_domain::error::FieldKind::Plugin)).
    #[error("{field}: {kind}")]
    Invalid {
        field: String,
        kind: liaison_domain::error::FieldKind,
    },
    /// Suspended, disabled for a new grant, or failing: the page shows the block as unavailable.
    #[error("{0}")]
    Unavailable(String),
    /// The host had no slot for the call in time; it never started, and is not the plugin's
    /// failure. Try again shortly.
    #[error("{0}")]
    Busy(String),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    /// A refusal or failure of a domain service the host called.
    #[error(transparent)]
    Domain(#[from] liaison_domain::Error),
}

impl From<PluginError> for liaison_domain::Error {
    fn from(e: PluginError) -> Self {
        use liaison_domain::Error as ApiError;
        match e {
            PluginError::NotFound(m) => ApiError::NotFound(m),
            PluginError::Forbidden(m) => ApiError::Forbidden(m),
            PluginError::Conflict(m) => ApiError::Conflict(m),
            PluginError::Invalid { field, kind } => ApiError::Invalid { field, kind },
            PluginError::Unavailable(m) => ApiError::Unavailable(m),
            PluginError::Busy(m) => ApiError::Busy(m),
            PluginError::Db(e) => ApiError::Db(e),
            PluginError::Domain(e) => e,
        }
    }
}

/// Counters per (plugin, station), shown to ops.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct CallStats {
    pub calls: u64,
    pub failures: u64,
    pub total_ms: f64,
    pub max_ms: f64,
    /// Log lines the plugin wrote past its caps, dropped.
    pub log_dropped: u64,
    /// Calls that never started because the host had no slot in time (answered busy; not
    /// failures, and not in `calls`).
    pub busy: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActionOut {
    pub message: String,
    pub view: Option<Vec<ViewBlock>>,
    pub case_id: Option<i64>,
}

pub struct PluginHost {
    pub runtime: Runtime,
    pub db: DatabaseConnection,
    pub clock: Clock,
    pub settings: PluginSettings,
    /// The reference data the host names stations and categories by; startup shares the
    /// application's, so an edit in the console shows in plugins' case summaries at once.
    pub reference: liaison_domain::reference::Reference,
    stats: Mutex<HashMap<(String, String), CallStats>>,
    log_windows: host::LogWindows,
    gate: gate::Gate,
    /// Installed versions' digests and manifests (immutable, so cached for the process).
    versions: registry::Versions,
    /// Whether the plugins enabled at startup have been loaded (see `warm`): readiness.
    warm: AtomicBool,
    /// Set when the server stops: new calls are refused as busy (never charged to the plugin;
    /// an event delivery is retried later, by this node after a restart or by another node).
    closing: AtomicBool,
    /// Calls running now, so that a stopping server can wait for them.
    running: Arc<AtomicUsize>,
    /// Where `notify-staff` goes: [`staff::Unset`] (refusing) until the app sets one.
    staff: Arc<dyn staff::StaffNotifier>,
    notice_hours: staff::NoticeHours,
}

/// An enabled plugin at a station, ready to call.
pub struct Active {
    pub station_id: i64,
    pub station_code: String,
    pub row: liaison_domain::plugins::StationPlugin,
    pub loaded: Arc<Loaded>,
    pub caps: BTreeSet<Capability>,
    pub settings: BTreeMap<String, String>,
}

impl PluginHost {
    pub fn new(
        db: DatabaseConnection,
        clock: Clock,
        settings: PluginSettings,
    ) -> anyhow::Result<Self> {
        let limits = Limits::from_settings(&settings);
        let gate = gate::Gate::new(&settings);
        let cache =
            (!settings.cache_dir.is_empty()).then(|| std::path::PathBuf::from(&settings.cache_dir));
        Ok(Self {
            runtime: Runtime::new(limits, cache)?,
            db,
            clock,
            settings,
            reference: Default::default(),
            stats: Mutex::new(HashMap::new()),
            log_windows: Default::default(),
            gate,
            versions: Default::default(),
            warm: AtomicBool::new(false),
            closing: AtomicBool::new(false),
            running: Arc::default(),
            staff: Arc::new(staff::Unset),
            notice_hours: Default::default(),
        })
    }

    /// Whether the plugins enabled when the server started are loaded and ready to call.
    pub fn is_warm(&self) -> bool {
        self.warm.load(Ordering::Acquire)
    }

    /// For a stopping server: refuses new calls, then waits up to `within` for the running ones
    /// to finish. True when none is left running.
    pub async fn drain(&self, within: Duration) -> bool {
        self.closing.store(true, Ordering::Release);
        let until = Instant::now() + within;
        loop {
            if self.running.load(Ordering::Acquire) == 0 {
                return true;
            }
            if Instant::now() >= until {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sends plugins' staff notices (`notify-staff`) to `notifier` from now on; until this is
    /// called they are refused.
    pub fn set_staff_notifier(&mut self, notifier: Arc<dyn staff::StaffNotifier>) {
        self.staff = notifier;
    }

    pub fn stats(&self, plugin: &str, station: &str) -> CallStats {
        self.stats
            .lock()
            .expect("stats lock")
            .get(&(plugin.to_owned(), station.to_owned()))
            .cloned()
            .unwrap_or_default()
    }

    fn env(&self, a: &Active) -> HostEnv {
        HostEnv {
            db: self.db.clone(),
            reference: self.reference.clone(),
            clock: self.clock.clone(),
            plugin_id: a.row.plugin_id.clone(),
            station_id: a.station_id,
            station_code: a.station_code.clone(),
            caps: a.caps.clone(),
            settings: a.settings.clone(),
            storage_quota: self.runtime.limits.storage_bytes,
            max_host_calls: self.runtime.limits.max_host_calls,
            host_calls: 0,
            log_window: self.log_windows.clone(),
            log: Default::default(),
            staff: self.staff.clone(),
            notice_hours: self.notice_hours.clone(),
            notices_per_hour: self.settings.staff_notify_per_hour,
        }
    }

    /// Books the outcome of a call that ran for `took`: metrics, the failures in the window,
    /// suspension at the threshold.
    async fn book(&self, a: &Active, took: Duration, failed: Option<&str>) {
        let ms = took.as_secs_f64() * 1000.0;
        let plugin = a.row.plugin_id.clone();
        metrics::counter!(liaison_domain::operations::PLUGIN_CALLS, "plugin" => plugin.clone())
            .increment(1);
        metrics::histogram!(liaison_domain::operations::PLUGIN_DURATION, "plugin" => plugin.clone())
            .record(took.as_secs_f64());
        if failed.is_some() {
            metrics::counter!(liaison_domain::operations::PLUGIN_FAILURES, "plugin" => plugin)
                .increment(1);
        }
        {
            let mut stats = self.stats.lock().expect("stats lock");
            let s = stats
                .entry((a.row.plugin_id.clone(), a.station_code.clone()))
                .or_default();
            s.calls += 1;
            s.total_ms += ms;
            s.max_ms = s.max_ms.max(ms);
            if failed.is_some() {
                s.failures += 1;
            }
        }
        if let Err(e) = registry::book_outcome(
            &self.db,
            a.row.id,
            failed,
            self.settings.failure_threshold,
            Duration::from_secs(self.settings.failure_window_secs),
            self.clock.now(),
        )
        .await
        {
            tracing::warn!(error = %e, "recording a plugin outcome");
        }
        if let Some(why) = failed {
            tracing::warn!(plugin = %a.row.plugin_id, station = %a.station_code, ms, reason = why, "plugin call failed");
        }
    }

    /// Runs one export in a fresh instance with `deadline`: the plugin's answer, or why there
    /// is none, and how long the plugin ran.
    ///
    /// The call first takes its slots from the gate (bounded wait; none in time is `Busy`).
    /// Then the guest runs on a thread of the guests' own pool (`threads`, at a lower OS
    /// priority), never on the async workers that serve HTTP. Why threads and not wasmtime's epoch-yield (with or without fuel)
    /// on the async workers: a yielding guest still holds a worker until its next yield point
    /// and every yield costs everyone on that worker latency, so a CPU-heavy plugin would
    /// still slow pages and other plugins down and make them miss their own deadlines; fuel
    /// also makes every guest instruction slower. On its own thread the guest is preempted
    /// by the operating system like any thread, the HTTP workers keep running, the gate bounds
    /// how many such threads there are, and a call costs a thread hand-off (microseconds,
    /// from a pool of warm threads). The thread drives the call's future itself (host calls
    /// are async database work), with the runtime's I/O and timers.
    ///
    /// The slots move into the thread and are freed when the guest is done, not when the
    /// caller stops waiting, so they count what really runs. The deadline starts on that
    /// thread, so time spent waiting for a slot or a thread is not the plugin's.
    async fn call<T: Send + 'static>(
        &self,
        a: &Active,
        deadline: Duration,
        export: Export<T>,
    ) -> (Result<T, CallFailure>, Duration) {
        if self.closing.load(Ordering::Acquire) {
            return (Err(CallFailure::Busy), Duration::ZERO);
        }
        let Some(slot) = self.gate.enter(&a.row.plugin_id, a.station_id).await else {
            return (Err(CallFailure::Busy), Duration::ZERO);
        };
        let running = Running::start(&self.running);
        let limits = self.runtime.limits.clone();
        let loaded = a.loaded.clone();
        let env = self.env(a);
        let handle = tokio::runtime::Handle::current();
        let job = threads::spawn(move || {
            let _slot = slot;
            let _running = running;
            handle.block_on(async move {
                let started = Instant::now();
                let (brand, mut store) = match runtime::start(&limits, &loaded, env, deadline).await
                {
                    Ok(x) => x,
                    Err(f) => return (Err(f), 0, started.elapsed()),
                };
                let finished = runtime::finish(&limits, deadline, export(&brand, &mut store)).await;
                let dropped = store.data().env.log.dropped;
                (finished, dropped, started.elapsed())
            })
        });
        let (finished, dropped, took) = match job.await {
            Ok(r) => r,
            Err(e) => (
                Err(Fault::Trap(format!("the plugin's thread failed: {e}"))),
                0,
                Duration::ZERO,
            ),
        };
        if dropped > 0 {
            let mut stats = self.stats.lock().expect("stats lock");
            stats
                .entry((a.row.plugin_id.clone(), a.station_code.clone()))
                .or_default()
                .log_dropped += dropped;
        }
        if matches!(finished, Err(Fault::Deadline(_))) {
            self.gate.heat(&a.row.plugin_id);
        }
        let result = match finished {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(CallFailure::Plugin(e)),
            Err(f) => Err(CallFailure::Fault(f)),
        };
        (result, took)
    }

    /// A view's blocks as `audience` is shown them, converted and checked for size.
    fn sized(
        &self,
        a: &Active,
        audience: Audience,
        blocks: Vec<wit::Block>,
    ) -> Result<Vec<ViewBlock>, CallFailure> {
        let blocks = view::convert(blocks, &a.loaded.manifest, audience);
        self.within_size(view::size(&blocks))?;
        Ok(blocks)
    }

    fn within_size(&self, bytes: usize) -> Result<(), CallFailure> {
        let max = self.runtime.limits.max_result_bytes;
        if bytes > max {
            return Err(Fault::TooLarge(max).into());
        }
        Ok(())
    }

    pub async fn render(
        &self,
        a: &Active,
        view: &str,
        audience: Audience,
        locale: &str,
    ) -> Result<Vec<ViewBlock>, PluginError> {
        let ctx = context(&a.station_code, audience, locale);
        let view = view.to_owned();
        let (result, took) = self
            .call(
                a,
                self.runtime.limits.view_deadline,
                export(move |brand, store| {
                    Box::pin(async move { brand.call_render_view(store, &view, &ctx).await })
                }),
            )
            .await;
        let result = result.and_then(|blocks| self.sized(a, audience, blocks));
        self.settle(a, took, result).await
    }

    pub async fn act(
        &self,
        a: &Active,
        action: &str,
        audience: Audience,
        locale: &str,
        values: Vec<(String, String)>,
    ) -> Result<ActionOut, PluginError> {
        let ctx = context(&a.station_code, audience, locale);
        let input = wit::FormInput { values };
        let action = action.to_owned();
        let (result, took) = self
            .call(
                a,
                self.runtime.limits.view_deadline,
                export(move |brand, store| {
                    Box::pin(
                        async move { brand.call_run_action(store, &action, &ctx, &input).await },
                    )
                }),
            )
            .await;
        let result = result.and_then(|r| {
            let view = r
                .view
                .map(|b| view::convert(b, &a.loaded.manifest, audience));
            self.within_size(r.message.len() + view.as_deref().map(view::size).unwrap_or(0))?;
            Ok(ActionOut {
                message: r.message,
                view,
                case_id: r.case_id,
            })
        });
        self.settle(a, took, result).await
    }

    /// Delivers one case event; an error means "try again later".
    pub async fn deliver(&self, a: &Active, event: wit::CaseEvent) -> Result<(), PluginError> {
        let (result, took) = self
            .call(
                a,
                self.runtime.limits.event_deadline,
                export(move |brand, store| {
                    Box::pin(async move { brand.call_on_case_event(store, &event).await })
                }),
            )
            .await;
        self.settle(a, took, result).await
    }

    pub async fn schedule(&self, a: &Active) -> Result<(), PluginError> {
        let station = a.station_code.clone();
        let (result, took) = self
            .call(
                a,
                self.runtime.limits.event_deadline,
                export(move |brand, store| {
                    Box::pin(async move { brand.call_on_schedule(store, &station).await })
                }),
            )
            .await;
        self.settle(a, took, result).await
    }

    /// Maps a call's result to what the caller sees, booking it on the way. A plugin saying
    /// "invalid" or "not found" is an answer, not a failure; traps, deadlines and "failed" count.
    async fn settle<T>(
        &self,
        a: &Active,
        took: Duration,
        result: Result<T, CallFailure>,
    ) -> Result<T, PluginError> {
        match result {
            Ok(v) => {
                self.book(a, took, None).await;
                Ok(v)
            }
            Err(CallFailure::Plugin(e)) => {
                let (counts, err) = match e {
                    wit::Error::Invalid(f) => (
                        false,
                        PluginError::Invalid {
                            field: f.field,
                            kind: liaison_domain::error::FieldKind::Plugin { message: f.message },
                        },
                    ),
                    wit::Error::NotFound(m) => (false, PluginError::NotFound(m)),
                    wit::Error::Denied(cap) => (
                        true,
                        PluginError::Unavailable(format!(
                            "the plugin needs capability {cap}, which is not granted at this station"
                        )),
                    ),
                    wit::Error::Limit(m) => (
                        true,
                        PluginError::Unavailable(format!("the plugin hit a limit: {m}")),
                    ),
                    wit::Error::Failed(m) => (
                        true,
                        PluginError::Unavailable(format!("the plugin failed: {m}")),
                    ),
                };
                self.book(a, took, counts.then(|| err.to_string()).as_deref())
                    .await;
                Err(err)
            }
            Err(CallFailure::Busy) => {
                // Never started: not a call of the plugin's, and not its failure.
                metrics::counter!(liaison_domain::operations::PLUGIN_BUSY, "plugin" => a.row.plugin_id.clone())
                    .increment(1);
                self.stats
                    .lock()
                    .expect("stats lock")
                    .entry((a.row.plugin_id.clone(), a.station_code.clone()))
                    .or_default()
                    .busy += 1;
                tracing::info!(plugin = %a.row.plugin_id, station = %a.station_code, "plugin call refused: the host is busy");
                Err(PluginError::Busy(format!(
                    "too many calls of this service are running; try again in {BUSY_RETRY_SECS} s"
                )))
            }
            Err(CallFailure::Fault(f)) => {
                let why = f.to_string();
                self.book(a, took, Some(&why)).await;
                Err(PluginError::Unavailable(format!(
                    "this service is unavailable right now ({why})"
                )))
            }
        }
    }
}

/// One running call, counted from its slot until its guest is done (dropped on its thread).
struct Running(Arc<AtomicUsize>);

impl Running {
    fn start(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::AcqRel);
        Running(count.clone())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

enum CallFailure {
    Plugin(wit::Error),
    Fault(Fault),
    /// No slot in time: the call never started.
    Busy,
}

/// What a busy answer tells the client to wait (its Retry-After), in seconds.
pub const BUSY_RETRY_SECS: u64 = 1;

/// An export call as [`Export`] (a function, so the closure's lifetimes are inferred from the
/// signature).
fn export<T, F>(f: F) -> Export<T>
where
    F: for<'s> FnOnce(
            &'s Brand,
            &'s mut Store<PluginState>,
        ) -> std::pin::Pin<
            Box<
                dyn std::future::Future<Output = wasmtime::Result<Result<T, wit::Error>>>
                    + Send
                    + 's,
            >,
        > + Send
        + 'static,
{
    Box::new(f)
}

/// One export called on a fresh instance, owned so the call can move to the thread it runs on.
type Export<T> = Box<
    dyn for<'s> FnOnce(
            &'s Brand,
            &'s mut Store<PluginState>,
        ) -> std::pin::Pin<
            Box<
                dyn std::future::Future<Output = wasmtime::Result<Result<T, wit::Error>>>
                    + Send
                    + 's,
            >,
        > + Send,
>;

impl From<Fault> for CallFailure {
    fn from(f: Fault) -> Self {
        CallFailure::Fault(f)
    }
}

fn context(station: &str, audience: Audience, locale: &str) -> wit::Context {
    wit::Context {
        station: station.to_owned(),
        audience: match audience {
            Audience::Resident => wit::Audience::Resident,
            Audience::Deputy => wit::Audience::Deputy,
            Audience::Staff => wit::Audience::Staff,
            Audience::Dashboard => wit::Audience::Dashboard,
        },
        locale: if locale == "en" {
            "en".into()
        } else {
            "zh".into()
        },
    }
}
