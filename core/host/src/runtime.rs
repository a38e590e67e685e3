//! The sandbox: one wasmtime engine per process with the pooling allocator and epoch
//! interruption; per installed version an `InstancePre`; per call a fresh store and instance
//! with a wall-clock deadline, a memory cap and a bound on the size of what comes back.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use sha2::{Digest, Sha256};
use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, StoreLimits,
    StoreLimitsBuilder,
};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::bindings::v0_1::{Brand, BrandPre};
use crate::host::HostEnv;
use crate::manifest::Manifest;

/// One tick of the epoch clock; deadlines are counted in ticks.
const TICK: Duration = Duration::from_millis(5);
/// The most instances alive at once in this process (the pool's size). The host's gate lets at
/// most `max_concurrent_calls` (configured, clamped to this) run at once, so a call that got its
/// slot always gets an instance: the pool is never what refuses a call.
pub const POOL_INSTANCES: u32 = 128;
/// What a call may still run after its deadline before the timer stops it (two ticks): the
/// epoch ticks every [`TICK`], so the CPU-bound part is stopped within a tick of the deadline,
/// and this timer stops the part spent waiting in the host (a WASI sleep or poll, a slow query).
const GRACE: Duration = Duration::from_millis(10);
/// The pool's per-memory ceiling; the configured cap (lower) is enforced per store.
const POOL_MAX_MEMORY: usize = 256 << 20;

/// Limits per call, from configuration.
#[derive(Debug, Clone)]
pub struct Limits {
    pub view_deadline: Duration,
    pub event_deadline: Duration,
    pub memory_bytes: usize,
    pub max_result_bytes: usize,
    pub storage_bytes: i64,
    pub max_host_calls: u32,
}

impl Limits {
    pub fn from_settings(settings: &crate::PluginSettings) -> Self {
        Limits {
            view_deadline: Duration::from_millis(settings.view_deadline_ms),
            event_deadline: Duration::from_millis(settings.event_deadline_ms),
            memory_bytes: settings.memory_mib << 20,
            max_result_bytes: settings.max_result_kib << 10,
            storage_bytes: settings.storage_quota_kib << 10,
            max_host_calls: settings.max_host_calls,
        }
    }
}

/// What a store holds while a plugin runs.
pub struct PluginState {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: StoreLimits,
    pub env: HostEnv,
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// The process-wide engine. Shared because its pool reserves address space up front, and
/// several servers in one process (tests) must not each reserve their own.
fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(POOL_INSTANCES)
            .total_core_instances(POOL_INSTANCES * 4)
            .total_memories(POOL_INSTANCES * 2)
            .total_tables(POOL_INSTANCES * 4)
            .total_stacks(POOL_INSTANCES)
            .max_memory_size(POOL_MAX_MEMORY);
        let mut config = Config::new();
        config
            .wasm_component_model(true)
            .epoch_interruption(true)
            .max_wasm_stack(512 << 10)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = Engine::new(&config).expect("a valid wasmtime configuration");
        let ticking = engine.clone();
        std::thread::Builder::new()
            .name("plugin-epoch".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(TICK);
                    ticking.increment_epoch();
                }
            })
            .expect("spawning the epoch thread");
        engine
    })
}

/// Why a call to a plugin did not give an answer.
#[derive(Debug, thiserror::Error)]
pub enum Fault {
    #[error("plugin ran past its {0:?} deadline")]
    Deadline(Duration),
    #[error("plugin exceeded its memory cap")]
    Memory,
    #[error("plugin trapped: {0}")]
    Trap(String),
    #[error("plugin answer is larger than {0} bytes")]
    TooLarge(usize),
    /// More bytes than the store's hostcall fuel allowed were about to be lifted out of the
    /// guest: refused while lifting, before the rest was copied.
    #[error("plugin answer is larger than {0} bytes (refused before it was copied)")]
    Oversized(usize),
    #[error("plugin could not be started: {0}")]
    Start(String),
}

/// An installed version, compiled and pre-instantiated, ready for fresh instances.
pub struct Loaded {
    pub digest: String,
    pub manifest: Manifest,
    pre: BrandPre<PluginState>,
}

pub struct Runtime {
    linker: Linker<PluginState>,
    cache_dir: Option<PathBuf>,
    loaded: Mutex<HashMap<String, Arc<Loaded>>>,
    pub limits: Limits,
}

/// A package's digest: its manifest and its component together, so a new manifest asking for
/// more is a new package even when the component is unchanged.
pub fn package_digest(manifest: &str, component: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update((manifest.len() as u64).to_le_bytes());
    h.update(manifest.as_bytes());
    h.update(component);
    hex::encode(h.finalize())
}

impl Runtime {
    pub fn new(limits: Limits, cache_dir: Option<PathBuf>) -> anyhow::Result<Self> {
        let mut linker = Linker::new(engine());
        // Rust's std on wasip2 always imports WASI; the context grants nothing (no files,
        // no environment, no sockets).
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(|e| anyhow::anyhow!("{e}"))?;
        Brand::add_to_linker::<_, HasSelf<_>>(&mut linker, |s: &mut PluginState| s)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        // What `@0.2.0` adds beside `@0.1.0`; a component of either version links against
        // this one linker, importing only what its version has (checked in `prepare`).
        crate::bindings::v0_2::liaison::brand0_2_0::staff::add_to_linker::<_, HasSelf<_>>(
            &mut linker,
            |s: &mut PluginState| s,
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        if let Some(dir) = &cache_dir {
            std::fs::create_dir_all(dir)?;
        }
        Ok(Self {
            linker,
            cache_dir,
            loaded: Mutex::new(HashMap::new()),
            limits,
        })
    }

    /// Compiles (or loads the cached artifact of) a component. The cache key holds the
    /// engine's compatibility hash, so a new wasmtime never loads an old artifact.
    fn compile(&self, bytes: &[u8], digest: &str) -> anyhow::Result<Component> {
        let engine = engine();
        let Some(dir) = &self.cache_dir else {
            return Component::new(engine, bytes).map_err(|e| anyhow::anyhow!("{e}"));
        };
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut h);
        let path = dir.join(format!("{:016x}-{digest}.cwasm", h.finish()));
        if path.exists() {
            // SAFETY: the file was written by `precompile_component` of an engine with the
            // same compatibility hash, into a directory only this program writes.
            if let Ok(c) = unsafe { Component::deserialize_file(engine, &path) } {
                return Ok(c);
            }
        }
        let artifact = engine
            .precompile_component(bytes)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, &artifact)?;
        std::fs::rename(&tmp, &path)?;
        // SAFETY: as above; the artifact was just produced by this engine.
        unsafe { Component::deserialize(engine, &artifact) }.map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// Checks that a component fits the world: it links against the host's imports and has
    /// every export. Returns the compiled, ready version.
    pub fn prepare(
        &self,
        manifest: Manifest,
        manifest_text: &str,
        bytes: &[u8],
    ) -> Result<Arc<Loaded>, String> {
        let digest = package_digest(manifest_text, bytes);
        if let Some(l) = self.loaded.lock().expect("plugin cache lock").get(&digest) {
            return Ok(l.clone());
        }
        let component_digest = hex::encode(Sha256::digest(bytes));
        let component = self
            .compile(bytes, &component_digest)
            .map_err(|e| format!("not a valid component: {e}"))?;
        // The component names the contract versions it was built against in its imports:
        // none may be newer than the one its manifest declares (a `@0.2.0` plugin imports the
        // `@0.1.0` interfaces it kept, and `@0.2.0`'s own).
        let supported = liaison_contract::manifest::SUPPORTED_WIT;
        let rank = |v: &str| supported.iter().position(|s| *s == v);
        let built_for: Vec<String> = component
            .component_type()
            .imports(engine())
            .filter_map(|(name, _)| {
                name.strip_prefix("liaison:brand/")
                    .and_then(|n| n.split_once('@'))
                    .map(|(_, v)| v.to_owned())
            })
            .collect();
        if let Some(v) = built_for
            .iter()
            .find(|v| rank(v).is_none() || rank(v) > rank(&manifest.wit))
        {
            return Err(format!(
                "the component was built against liaison:brand@{v}, but its manifest says {}",
                manifest.wit
            ));
        }
        let pre = self.linker.instantiate_pre(&component).map_err(|e| {
            format!(
                "the component does not fit liaison:brand@{}: {e}",
                manifest.wit
            )
        })?;
        let pre = BrandPre::new(pre)
            .map_err(|e| format!("the component lacks an export of the brand world: {e}"))?;
        let loaded = Arc::new(Loaded {
            digest: digest.clone(),
            manifest,
            pre,
        });
        self.loaded
            .lock()
            .expect("plugin cache lock")
            .insert(digest, loaded.clone());
        Ok(loaded)
    }

    pub fn cached(&self, digest: &str) -> Option<Arc<Loaded>> {
        self.loaded
            .lock()
            .expect("plugin cache lock")
            .get(digest)
            .cloned()
    }

    /// A fresh store and instance of `loaded`, with the deadline and memory cap set.
    pub async fn start(
        &self,
        loaded: &Loaded,
        env: HostEnv,
        deadline: Duration,
    ) -> Result<(Brand, Store<PluginState>), Fault> {
        start(&self.limits, loaded, env, deadline).await
    }

    /// Awaits a call on an instance from `start`, bounded by its deadline.
    pub async fn finish<T>(
        &self,
        deadline: Duration,
        call: impl std::future::Future<Output = wasmtime::Result<T>>,
    ) -> Result<T, Fault> {
        finish(&self.limits, deadline, call).await
    }
}

/// The most bytes one lift out of the guest may copy: an answer, or what the guest passes to one
/// import. Four times the largest answer, because wasmtime counts a list's elements at the size
/// of the host's own values (a block is about a hundred bytes however little it holds); the
/// exact size of the answer, as JSON, is checked after.
fn lift_fuel(limits: &Limits) -> usize {
    limits.max_result_bytes.saturating_mul(4).max(1 << 20)
}

/// A fresh store and instance of `loaded`, with the deadline and memory cap set. Called where
/// the guest will run (see `PluginHost::call`): the deadline starts here, once the call has its
/// slot and its thread, so time spent waiting for either is not the plugin's.
pub async fn start(
    limits: &Limits,
    loaded: &Loaded,
    env: HostEnv,
    deadline: Duration,
) -> Result<(Brand, Store<PluginState>), Fault> {
    let store_limits = StoreLimitsBuilder::new()
        .memory_size(limits.memory_bytes)
        .instances(64)
        .trap_on_grow_failure(true)
        .build();
    let state = PluginState {
        wasi: WasiCtx::builder().build(),
        table: ResourceTable::new(),
        limits: store_limits,
        env,
    };
    let mut store = Store::new(engine(), state);
    store.limiter(|s| &mut s.limits);
    // wasmtime lifts an answer out of the guest's memory only as far as this fuel goes: every
    // string's bytes and every list's elements are counted before they are copied, and the
    // lift stops with an error when it runs out. So a 50 MB answer is refused after at most
    // `lift_fuel` bytes were copied, not after all of it (the default allows 128 MiB per lift,
    // and a guest can name the same bytes many times over, so its memory cap does not bound
    // the copy).
    store.set_hostcall_fuel(lift_fuel(limits));
    let ticks = (deadline.as_millis() / TICK.as_millis()).max(1) as u64 + 1;
    store.set_epoch_deadline(ticks);
    store.epoch_deadline_trap();
    let brand = loaded
        .pre
        .instantiate_async(&mut store)
        .await
        .map_err(|e| {
            if is_memory(&e) {
                Fault::Memory
            } else {
                Fault::Start(format!("{e:#}"))
            }
        })?;
    Ok((brand, store))
}

/// Awaits a call on an instance from `start`. The epoch stops the guest's own instructions at
/// the deadline, but not time it spends inside the host — a WASI sleep or poll, database work —
/// so a timer of the same deadline (and a tick or two of grace) bounds the whole call. Dropping
/// the call's future there abandons the guest; its store goes with it.
pub async fn finish<T>(
    limits: &Limits,
    deadline: Duration,
    call: impl std::future::Future<Output = wasmtime::Result<T>>,
) -> Result<T, Fault> {
    match tokio::time::timeout(deadline + GRACE, call).await {
        Err(_) => Err(Fault::Deadline(deadline)),
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(classify(e, deadline, limits.max_result_bytes)),
    }
}

fn is_memory(e: &wasmtime::Error) -> bool {
    let text = format!("{e:?}").to_lowercase();
    text.contains("memory")
        && (text.contains("limit") || text.contains("grow") || text.contains("exceed"))
}

fn classify(e: wasmtime::Error, deadline: Duration, max_result: usize) -> Fault {
    if let Some(trap) = e.downcast_ref::<wasmtime::Trap>() {
        return match trap {
            wasmtime::Trap::Interrupt => Fault::Deadline(deadline),
            wasmtime::Trap::StackOverflow => {
                Fault::Trap("stack overflow (unbounded recursion?)".into())
            }
            other => Fault::Trap(other.to_string()),
        };
    }
    // The lift ran out of hostcall fuel (see `start`); wasmtime's error type for it is private,
    // so its words are what there is to recognise it by.
    if format!("{e:#}").contains("fuel allocated for hostcalls") {
        return Fault::Oversized(max_result);
    }
    // A memory-cap failure is not a Trap; it surfaces as an error whose cause names memory.
    if is_memory(&e) {
        return Fault::Memory;
    }
    Fault::Trap(format!("{e:#}"))
}
