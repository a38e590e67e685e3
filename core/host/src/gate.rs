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

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::PluginSettings;
use crate::runtime::POOL_INSTANCES;

/// The slots one running call holds; dropping it frees them.
pub struct Slot {
    _plugin: OwnedSemaphorePermit,
    _station: OwnedSemaphorePermit,
    _all: OwnedSemaphorePermit,
}

pub struct Gate {
    all: Arc<Semaphore>,
    plugins: Mutex<HashMap<String, Arc<Semaphore>>>,
    stations: Mutex<HashMap<i64, Arc<Semaphore>>>,
    per_plugin: usize,
    per_station: usize,
    /// How long a call waits for its slots.
    pub wait: Duration,
}

fn semaphore<K: Eq + Hash>(
    map: &Mutex<HashMap<K, Arc<Semaphore>>>,
    key: K,
    size: usize,
) -> Arc<Semaphore> {
    map.lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry(key)
        .or_insert_with(|| Arc::new(Semaphore::new(size)))
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

    /// The slots for one call of `plugin` at `station`, or `None` when they did not come free
    /// within the wait (the host is busy).
    pub async fn enter(&self, plugin: &str, station: i64) -> Option<Slot> {
        let p = semaphore(&self.plugins, plugin.to_owned(), self.per_plugin);
        let s = semaphore(&self.stations, station, self.per_station);
        let all = self.all.clone();
        tokio::time::timeout(self.wait, async move {
            Some(Slot {
                _plugin: p.acquire_owned().await.ok()?,
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
}
