//! Loading the enabled plugins when the server starts, so that the first resident to open a
//! branded page does not wait for a component to compile (about half a second each in a debug
//! build, tens of milliseconds from the disk cache), and so that readiness can say the node is
//! warm. A plugin that fails to load is left to answer "unavailable" as it would anyway: warm
//! means every enabled plugin was tried, not that every one works.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use liaison_domain::plugins::registry as rows;
use liaison_domain::stations;

use crate::{PluginError, PluginHost, registry};

/// Loads every plugin version enabled (and not suspended) at some station into the host's
/// cache, then marks the host warm. Returns how many station plugins were tried.
pub async fn warm_up(host: &PluginHost) -> Result<usize, PluginError> {
    let codes = stations::codes_by_id(&host.db).await?;
    let mut tried = 0;
    for row in rows::station_plugins(&host.db).await? {
        if !row.enabled || row.suspended_at.is_some() {
            continue;
        }
        let Some(code) = codes.get(&row.station_id) else {
            continue;
        };
        tried += 1;
        let (plugin, station_id) = (row.plugin_id.clone(), row.station_id);
        if let Err(e) = registry::active_row(host, station_id, code.clone(), row).await {
            tracing::warn!(plugin = %plugin, station = %code, error = %e, "plugin not loaded at startup");
        }
    }
    host.warm.store(true, Ordering::Release);
    Ok(tried)
}

/// Starts [`warm_up`] on a thread of the blocking pool (compiling is CPU work that must not hold
/// an HTTP worker). On a database error it tries again, so readiness follows the database.
pub fn spawn(host: Arc<PluginHost>) {
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        handle.block_on(async move {
            loop {
                match warm_up(&host).await {
                    Ok(n) => {
                        tracing::info!(plugins = n, "plugins loaded");
                        return;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "loading plugins at startup; trying again");
                        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                    }
                }
            }
        })
    });
}
