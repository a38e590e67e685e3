//! Who may run a plugin call now. Three limits, each a fair (first come, first served)
//! semaphore: the whole process, each plugin (all its stations together) and each station (all
//! its plugins together). A call takes a slot of all three, in that fixed order (so two calls
//! never hold what the other waits for), and waits at most a bounded time; one that gets no
//! slot in time is *busy*: answered 503 with Retry-After, never charged to the plugin.
//!
//! One plugin cannot exhaust the capacity (its limit is below the process's), so a neighbour
//! flooding the host leaves every other plugin its slots; and the process's limit is at most
//! the instance pool's size, so a call that got its slot always gets an instance. (Before,
//! the pool itself was the only limit: 128 slow calls of one plugin made other plugins' calls
//! fail to start, and those failures were charged to the victims.)
//!
//! A plugin whose call ran into its deadline is *hot* for a while ([`HOT_FOR`]): its calls then
//! run one at a time. Slots bound threads, not processor time, and a guest that spins to its
//! deadline holds a core for all of it; eight of them took both cores of a small server. A
//! plugin that answers in time never notices; one that keeps meeting its deadline gets one core
//! at most, and its other calls wait for it (and are answered busy when the wait runs out).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::PluginSettings;
use crate::runtime::POOL_INSTANCES;

/// How long a plugin stays hot after a call of it met its deadline.
pub const HOT_FOR: Duration = Duration::from_secs(10);

/// The slots one running call holds; dropping it frees them.
pub struct Slot {
    _plugin: OwnedSemaphorePermit,
    _hot: Option<OwnedSemaphorePermit>,
    _station: OwnedSemaphorePermit,
    _all: OwnedSemaphorePermit,
}

/// One plugin's limits: its slots, and the single lane its calls share while it is hot.
struct Lane {
    slots: Arc<Semaphore>,
    hot: Arc<Semaphore>,
    hot_until: Mutex<Option<Instant>>,
}

impl Lane {
    fn is_hot(&self) -> bool {
        let until = *self.hot_until.lock().unwrap_or_else(|p| p.into_inner());
        until.is_some_and(|u| Instant::now() < u)
    }
}

pub struct Gate {
    all: Arc<Semaphore>,
    plugins: Mutex<HashMap<String, Arc<Lane>>>,
    stations: Mutex<HashMap<i64, Arc<Semaphore>>>,
    per_plugin: usize,
    per_station: usize,
    /// How long a call waits for its slots.
    pub wait: Duration,
}

fn entry<K: Eq + Hash, V>(
    map: &Mutex<HashMap<K, Arc<V>>>,
    key: K,
    make: impl FnOnce() -> V,
) -> Arc<V> {
    map.lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry(key)
        .or_insert_with(|| Arc::new(make()))
        .clone()
}

impl Gate {
    pub fn new(settings: &PluginSettings) -> Self {
        let all = settings.max_concurrent_calls.clamp(1, POOL_INSTANCES) as usize;
        Gate {
            all: Arc::new(Semaphore::new(all)),
            plugins: Mutex::default(),
            stations: Mutex::default(),
            per_plugin: (settings.max_concurrent_per_plugin as usize).clamp(1, all),
            per_station: (settings.max_concurrent_per_station as usize).clamp(1, all),
            wait: Duration::from_millis(settings.queue_wait_ms),
        }
    }

    fn lane(&self, plugin: &str) -> Arc<Lane> {
        entry(&self.plugins, plugin.to_owned(), || Lane {
            slots: Arc::new(Semaphore::new(self.per_plugin)),
            hot: Arc::new(Semaphore::new(1)),
            hot_until: Mutex::new(None),
        })
    }

    /// Marks `plugin` hot: a call of it ran into its deadline.
    pub fn heat(&self, plugin: &str) {
        let lane = self.lane(plugin);
        *lane.hot_until.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now() + HOT_FOR);
    }

    /// The slots for one call of `plugin` at `station`, or `None` when they did not come free
    /// within the wait (the host is busy).
    pub async fn enter(&self, plugin: &str, station: i64) -> Option<Slot> {
        let lane = self.lane(plugin);
        let s = entry(&self.stations, station, || Semaphore::new(self.per_station));
        let all = self.all.clone();
        tokio::time::timeout(self.wait, async move {
            let plugin = lane.slots.clone().acquire_owned().await.ok()?;
            let hot = if lane.is_hot() {
                Some(lane.hot.clone().acquire_owned().await.ok()?)
            } else {
                None
            };
            Some(Slot {
                _plugin: plugin,
                _hot: hot,
                _station: s.acquire_owned().await.ok()?,
                _all: all.acquire_owned().await.ok()?,
            })
        })
        .await
        .ok()
        .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(all: u32, plugin: u32, station: u32) -> Gate {
        let mut s = liaison_domain::configuration::Settings::defaults().plugins;
        s.max_concurrent_calls = all;
        s.max_concurrent_per_plugin = plugin;
        s.max_concurrent_per_station = station;
        s.queue_wait_ms = 20;
        Gate::new(&s)
    }

    #[tokio::test]
    async fn one_plugin_cannot_take_every_slot() {
        let g = gate(4, 2, 4);
        let a1 = g.enter("flood", 1).await.expect("a slot");
        let a2 = g.enter("flood", 2).await.expect("a slot");
        assert!(g.enter("flood", 3).await.is_none(), "its own limit");
        let b = g
            .enter("victim", 1)
            .await
            .expect("the neighbour still runs");
        drop((a1, a2, b));
        assert!(g.enter("flood", 1).await.is_some(), "freed again");
    }

    #[tokio::test]
    async fn one_station_cannot_take_every_slot() {
        let g = gate(4, 4, 2);
        let _a = g.enter("one", 1).await.expect("a slot");
        let _b = g.enter("two", 1).await.expect("a slot");
        assert!(g.enter("three", 1).await.is_none(), "the station's limit");
        assert!(g.enter("three", 2).await.is_some(), "another station runs");
    }

    #[tokio::test]
    async fn the_process_limit_holds_and_the_wait_is_bounded() {
        let g = gate(2, 2, 2);
        let _a = g.enter("one", 1).await.expect("a slot");
        let _b = g.enter("two", 2).await.expect("a slot");
        let started = std::time::Instant::now();
        assert!(g.enter("three", 3).await.is_none());
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[tokio::test]
    async fn a_plugin_that_meets_its_deadline_runs_one_call_at_a_time() {
        let g = gate(8, 4, 8);
        let a = g.enter("spinner", 1).await.expect("a slot");
        let b = g.enter("spinner", 1).await.expect("cool: its four slots");
        drop((a, b));
        g.heat("spinner");
        let a = g.enter("spinner", 1).await.expect("one call while hot");
        assert!(
            g.enter("spinner", 2).await.is_none(),
            "the second waits, then is busy"
        );
        let n = g
            .enter("neighbour", 1)
            .await
            .expect("a neighbour is not slowed");
        drop((a, n));
        assert!(
            g.enter("spinner", 1).await.is_some(),
            "its one lane is free again"
        );
    }
}
