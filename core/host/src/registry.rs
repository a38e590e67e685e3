//! Installed packages and who may run them where. Grants are recorded with who and when, and
//! tied to the digest of the version they were given for: an upgrade that asks for no more
//! than was granted swaps in atomically (calls in flight finish on the old version, storage
//! stays); one that asks for more waits, disabled at that station, until ops grant again.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use serde::Serialize;
use utoipa::ToSchema;

use crate::capability::{Capability, CapabilitySchema, effective};
use crate::manifest::Manifest;
use crate::{Active, CallStats, PluginError, PluginHost};
use liaison_domain::error::FieldKind;
use liaison_domain::plugins::StationPlugin;
use liaison_domain::plugins::registry as rows;
use liaison_domain::plugins::registry::{NewGrantLog, NewPlugin, NewVersion, StationPluginChange};
use liaison_domain::stations;

#[derive(Debug, Serialize, ToSchema)]
pub struct Installed {
    pub id: String,
    pub version: String,
    pub digest: String,
    #[schema(value_type = Vec<CapabilitySchema>)]
    pub requested: Vec<Capability>,
    /// Stations now running this version.
    pub upgraded_at: Vec<String>,
    /// Stations where this version waits for ops to grant what it newly asks for.
    pub awaiting_grant_at: Vec<String>,
    /// True when the same package was installed before.
    pub already_installed: bool,
}

fn caps_json(c: &BTreeSet<Capability>) -> String {
    serde_json::to_string(&c.iter().map(|c| c.as_str()).collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".into())
}

fn caps_of(json: &str) -> BTreeSet<Capability> {
    serde_json::from_str::<Vec<String>>(json)
        .unwrap_or_default()
        .iter()
        .filter_map(|s| Capability::parse(s))
        .collect()
}

async fn station_codes(db: &impl ConnectionTrait) -> Result<BTreeMap<i64, String>, PluginError> {
    Ok(stations::codes_by_id(db).await?.into_iter().collect())
}

pub async fn install(
    host: &PluginHost,
    manifest_text: &str,
    component: &[u8],
    by: Option<i64>,
) -> Result<Installed, PluginError> {
    let max = host.settings.max_package_mib << 20;
    if component.len() > max {
        return Err(PluginError::Invalid {
            field: "component".into(),
            kind: FieldKind::LargerThan {
                mib: u32::try_from(host.settings.max_package_mib).unwrap_or(u32::MAX),
            },
        });
    }
    let manifest = Manifest::parse(manifest_text).map_err(|e| PluginError::Invalid {
        field: format!("manifest.{}", e.field).trim_end_matches('.').into(),
        kind: FieldKind::Package { message: e.message },
    })?;
    let digest = crate::runtime::package_digest(manifest_text, component);
    let requested = manifest.requested();
    if let Some(v) = rows::version_by_digest(&host.db, &digest).await? {
        return Ok(Installed {
            id: v.plugin_id,
            version: v.version,
            digest,
            requested: requested.into_iter().collect(),
            upgraded_at: vec![],
            awaiting_grant_at: vec![],
            already_installed: true,
        });
    }
    if rows::version_exists(&host.db, &manifest.id, &manifest.version).await? {
        return Err(PluginError::Conflict(format!(
            "{} {} is installed with different contents; give the new build a new version",
            manifest.id, manifest.version
        )));
    }
    host.runtime
        .prepare(manifest.clone(), manifest_text, component)
        .map_err(|m| PluginError::Invalid {
            field: "component".into(),
            kind: FieldKind::Package { message: m },
        })?;
    let now = host.clock.now();
    let codes = station_codes(&host.db).await?;
    let txn = host.db.begin().await?;
    rows::put_plugin(
        &txn,
        &NewPlugin {
            id: manifest.id.clone(),
            name_zh: manifest.name.zh.clone(),
            name_en: manifest.name.en.clone(),
        },
        now,
    )
    .await?;
    let vid = rows::add_version(
        &txn,
        NewVersion {
            plugin_id: manifest.id.clone(),
            version: manifest.version.clone(),
            wit_version: manifest.wit.clone(),
            digest: digest.clone(),
            manifest: manifest_text.to_owned(),
            component: component.to_vec(),
            installed_by: by,
            installed_at: now,
        },
    )
    .await?;
    rows::set_current_version(&txn, &manifest.id, vid).await?;
    let mut upgraded_at = Vec::new();
    let mut awaiting_grant_at = Vec::new();
    for sp in rows::stations_of(&txn, &manifest.id).await? {
        // What ops decided for is what the previous version asked for and they granted; a
        // grant stored wider (before grants were narrowed to the request) covers no more.
        let previous = version_meta(&txn, sp.version_id)
            .await
            .ok()
            .and_then(|(_, text)| Manifest::parse(&text).ok())
            .map(|m| m.requested())
            .unwrap_or_default();
        let granted: BTreeSet<Capability> = caps_of(&sp.granted)
            .intersection(&previous)
            .copied()
            .collect();
        let code = codes.get(&sp.station_id).cloned().unwrap_or_default();
        let mut change = StationPluginChange {
            version_id: Some(vid),
            granted: Some(caps_json(&granted)),
            ..Default::default()
        };
        if requested.is_subset(&granted) {
            // A station left waiting for a grant by an earlier version that asked for more
            // (disabled, its grant given for another package than the one it was moved to)
            // runs again: its grant covers this one. A station ops disabled stays disabled.
            if !sp.enabled
                && sp.disabled_reason.as_deref() != Some(DISABLED_BY_OPS)
                && version_meta(&txn, sp.version_id).await?.0 != sp.granted_digest
            {
                change.enabled = Some(true);
                change.disabled_reason = Some(None);
            }
            change.granted_digest = Some(digest.clone());
            upgraded_at.push(code);
        } else {
            let more: Vec<_> = requested.difference(&granted).map(|c| c.as_str()).collect();
            change.enabled = Some(false);
            // Where ops turned it off, that stays the reason.
            if sp.enabled || sp.disabled_reason.as_deref() != Some(DISABLED_BY_OPS) {
                change.disabled_reason = Some(Some(format!(
                    "version {} asks for {} as well; grant again to enable",
                    manifest.version,
                    more.join(", ")
                )));
            }
            awaiting_grant_at.push(code);
        }
        let station_id = sp.station_id;
        rows::update_station_plugin(&txn, sp, &change).await?;
        log(
            &txn,
            station_id,
            &manifest.id,
            "upgrade",
            &digest,
            &granted,
            by,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    tracing::info!(plugin = %manifest.id, version = %manifest.version, digest = %digest, "plugin installed");
    Ok(Installed {
        id: manifest.id,
        version: manifest.version,
        digest,
        requested: requested.into_iter().collect(),
        upgraded_at,
        awaiting_grant_at,
        already_installed: false,
    })
}

#[allow(clippy::too_many_arguments)]
async fn log(
    db: &impl ConnectionTrait,
    station_id: i64,
    plugin: &str,
    action: &str,
    digest: &str,
    granted: &BTreeSet<Capability>,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), PluginError> {
    rows::log_grant(
        db,
        &NewGrantLog {
            station_id,
            plugin_id: plugin,
            action,
            digest,
            granted: &caps_json(granted),
            user_id: by,
            at: now,
        },
    )
    .await?;
    Ok(())
}

/// A version row without its (large) component.
async fn version_meta(db: &impl ConnectionTrait, id: i64) -> Result<(String, String), PluginError> {
    rows::version_meta(db, id)
        .await?
        .ok_or_else(|| PluginError::NotFound(format!("plugin version {id} is gone")))
}

/// The digest and manifest text of installed versions, by version id, read once per process.
/// Why a cache is safe here: an installed version is never changed (a new package is a new
/// version row), so what was read stays true on every node; only which version a station runs,
/// and whether it is enabled, change — and those are read afresh on every call. It saves a
/// query per brand view on every page.
#[derive(Default)]
pub struct Versions(std::sync::Mutex<HashMap<i64, Arc<(String, String)>>>);

impl Versions {
    async fn meta(
        &self,
        db: &impl ConnectionTrait,
        id: i64,
    ) -> Result<Arc<(String, String)>, PluginError> {
        if let Some(m) = self.0.lock().unwrap_or_else(|p| p.into_inner()).get(&id) {
            return Ok(m.clone());
        }
        let m = Arc::new(version_meta(db, id).await?);
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, m.clone());
        Ok(m)
    }
}

pub async fn current_version(
    db: &impl ConnectionTrait,
    plugin: &str,
) -> Result<(i64, String, Manifest), PluginError> {
    let p = rows::plugin(db, plugin)
        .await?
        .ok_or_else(|| PluginError::NotFound(format!("no plugin {plugin} is installed")))?;
    let vid = p
        .current_version_id
        .ok_or_else(|| PluginError::NotFound(format!("plugin {plugin} has no version")))?;
    let (digest, text) = version_meta(db, vid).await?;
    let m = Manifest::parse(&text).map_err(|e| PluginError::Unavailable(e.to_string()))?;
    Ok((vid, digest, m))
}

pub struct Enabled {
    pub granted: Vec<Capability>,
    pub effective: Vec<Capability>,
    pub settings: BTreeMap<String, String>,
}

pub async fn enable(
    host: &PluginHost,
    station_code: &str,
    plugin: &str,
    grant: &[String],
    settings: &BTreeMap<String, serde_json::Value>,
    by: Option<i64>,
) -> Result<Enabled, PluginError> {
    let station = stations::by_code(&host.db, station_code)
        .await
        .map_err(|_| PluginError::NotFound(format!("no station {station_code}")))?;
    let (vid, digest, manifest) = current_version(&host.db, plugin).await?;
    let mut granted = BTreeSet::new();
    for (i, g) in grant.iter().enumerate() {
        let cap = Capability::parse(g).ok_or_else(|| PluginError::Invalid {
            field: format!("grant[{i}]"),
            kind: FieldKind::NotOneOf {
                choices: Capability::names().iter().map(|c| c.to_string()).collect(),
            },
        })?;
        granted.insert(cap);
    }
    // Only what the package asks for is stored: a grant wider than the request would pass
    // silently to a later version asking for more, without a new decision by ops.
    let granted: BTreeSet<Capability> = granted
        .intersection(&manifest.requested())
        .copied()
        .collect();
    let resolved = manifest
        .resolve_settings(settings)
        .map_err(|e| PluginError::Invalid {
            field: e.field,
            kind: FieldKind::Package { message: e.message },
        })?;
    let now = host.clock.now();
    let txn = host.db.begin().await?;
    rows::put_station_plugin(
        &txn,
        station.id,
        plugin,
        &StationPluginChange {
            version_id: Some(vid),
            granted: Some(caps_json(&granted)),
            granted_digest: Some(digest.clone()),
            settings: Some(serde_json::to_string(&resolved).unwrap_or_else(|_| "{}".into())),
            enabled: Some(true),
            disabled_reason: Some(None),
            consecutive_failures: Some(0),
            failure_window_from: Some(None),
            suspended_at: Some(None),
            granted_by: Some(by),
            granted_at: Some(now),
        },
    )
    .await?;
    log(
        &txn, station.id, plugin, "enable", &digest, &granted, by, now,
    )
    .await?;
    txn.commit().await?;
    tracing::info!(plugin, station = station_code, granted = %caps_json(&granted), "plugin enabled");
    Ok(Enabled {
        effective: effective(&manifest.requested(), &granted)
            .into_iter()
            .collect(),
        granted: granted.into_iter().collect(),
        settings: resolved,
    })
}

async fn row(
    db: &impl ConnectionTrait,
    station_id: i64,
    plugin: &str,
) -> Result<StationPlugin, PluginError> {
    rows::station_plugin(db, station_id, plugin)
        .await?
        .ok_or_else(|| {
            PluginError::NotFound(format!("plugin {plugin} is not enabled at this station"))
        })
}

/// Why a plugin is off at a station that ops turned off.
const DISABLED_BY_OPS: &str = "disabled by ops";

pub async fn disable(
    host: &PluginHost,
    station_code: &str,
    plugin: &str,
    by: Option<i64>,
) -> Result<(), PluginError> {
    let change = StationPluginChange {
        enabled: Some(false),
        disabled_reason: Some(Some(DISABLED_BY_OPS.into())),
        ..Default::default()
    };
    change_by_ops(host, station_code, plugin, by, "disable", &change).await
}

pub async fn resume(
    host: &PluginHost,
    station_code: &str,
    plugin: &str,
    by: Option<i64>,
) -> Result<(), PluginError> {
    let change = StationPluginChange {
        suspended_at: Some(None),
        consecutive_failures: Some(0),
        failure_window_from: Some(None),
        ..Default::default()
    };
    change_by_ops(host, station_code, plugin, by, "resume", &change).await
}

/// Changes a plugin's row at a station as ops asked and records it in the grant log as
/// `action`, with the grant as it stands.
async fn change_by_ops(
    host: &PluginHost,
    station_code: &str,
    plugin: &str,
    by: Option<i64>,
    action: &str,
    change: &StationPluginChange,
) -> Result<(), PluginError> {
    let station = stations::by_code(&host.db, station_code)
        .await
        .map_err(|_| PluginError::NotFound(format!("no station {station_code}")))?;
    let r = row(&host.db, station.id, plugin).await?;
    let (granted, digest) = (caps_of(&r.granted), r.granted_digest.clone());
    rows::update_station_plugin(&host.db, r, change).await?;
    log(
        &host.db,
        station.id,
        plugin,
        action,
        &digest,
        &granted,
        by,
        host.clock.now(),
    )
    .await
}

/// The plugin at the station, ready to call, or why it cannot be.
pub async fn active(
    host: &PluginHost,
    station_code: &str,
    plugin: &str,
) -> Result<Active, PluginError> {
    let station = stations::by_code(&host.db, station_code)
        .await
        .map_err(|_| PluginError::NotFound(format!("no station {station_code}")))?;
    let r = row(&host.db, station.id, plugin).await?;
    active_row(host, station.id, station.code, r).await
}

pub async fn active_row(
    host: &PluginHost,
    station_id: i64,
    station_code: String,
    r: StationPlugin,
) -> Result<Active, PluginError> {
    if !r.enabled {
        return Err(PluginError::Unavailable(
            r.disabled_reason
                .clone()
                .unwrap_or_else(|| "disabled at this station".into()),
        ));
    }
    if r.suspended_at.is_some() {
        return Err(PluginError::Unavailable(format!(
            "suspended at this station after {} failures in a short time; ops can resume it",
            r.consecutive_failures
        )));
    }
    let meta = host.versions.meta(&host.db, r.version_id).await?;
    let (digest, text) = (&meta.0, &meta.1);
    let loaded = match host.runtime.cached(digest) {
        Some(l) => l,
        None => {
            let manifest =
                Manifest::parse(text).map_err(|e| PluginError::Unavailable(e.to_string()))?;
            let bytes = rows::version_component(&host.db, r.version_id)
                .await?
                .ok_or_else(|| PluginError::NotFound("plugin version is gone".into()))?;
            host.runtime
                .prepare(manifest, text, &bytes)
                .map_err(PluginError::Unavailable)?
        }
    };
    let caps = effective(&loaded.manifest.requested(), &caps_of(&r.granted));
    let settings: BTreeMap<String, String> = serde_json::from_str(&r.settings).unwrap_or_default();
    Ok(Active {
        station_id,
        station_code,
        row: r,
        loaded: Arc::clone(&loaded),
        caps,
        settings,
    })
}

/// Books a call's outcome at the plugin's row `row_id`: a failure counts in the row's window
/// and suspends the plugin there at `threshold` failures within `window` (see
/// [`rows::count_failure`]); a success changes nothing.
pub async fn book_outcome(
    db: &DatabaseConnection,
    row_id: i64,
    failed: Option<&str>,
    threshold: i32,
    window: std::time::Duration,
    now: DateTime<Utc>,
) -> Result<(), PluginError> {
    if failed.is_none() {
        return Ok(());
    }
    if rows::count_failure(db, row_id, threshold, window, now).await? {
        tracing::warn!(
            row_id,
            "plugin suspended at its station after repeated failures"
        );
    }
    Ok(())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StationState {
    pub station: String,
    pub version: String,
    #[schema(value_type = Vec<CapabilitySchema>)]
    pub granted: Vec<Capability>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub suspended: bool,
    /// Failures counted in the current window (see `failures_in_window`); the first version
    /// named it so when failures were counted in a row.
    pub consecutive_failures: i32,
    /// Failures since the current window began; `failure_threshold` of them within the window
    /// suspend the plugin here.
    pub failures_in_window: i32,
    /// When the current window began; none before a failure or after a resume.
    pub failure_window_from: Option<DateTime<Utc>>,
    pub granted_at: DateTime<Utc>,
    pub stats: CallStats,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PluginOut {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub current_version: Option<String>,
    pub versions: Vec<String>,
    #[schema(value_type = Vec<CapabilitySchema>)]
    pub requested: Vec<Capability>,
    pub stations: Vec<StationState>,
}

pub async fn list(host: &PluginHost) -> Result<Vec<PluginOut>, PluginError> {
    let codes = station_codes(&host.db).await?;
    let all = rows::versions(&host.db).await?;
    let at_stations = rows::station_plugins(&host.db).await?;
    let mut out = Vec::new();
    for p in rows::plugins(&host.db).await? {
        let mine: Vec<_> = all.iter().filter(|v| v.plugin_id == p.id).collect();
        let current = mine.iter().find(|v| Some(v.id) == p.current_version_id);
        let requested = current
            .and_then(|v| Manifest::parse(&v.manifest).ok())
            .map(|m| m.requested().into_iter().collect())
            .unwrap_or_default();
        let stations = at_stations
            .iter()
            .filter(|r| r.plugin_id == p.id)
            .map(|r| {
                let code = codes.get(&r.station_id).cloned().unwrap_or_default();
                StationState {
                    stats: host.stats(&p.id, &code),
                    station: code,
                    version: mine
                        .iter()
                        .find(|v| v.id == r.version_id)
                        .map(|v| v.version.clone())
                        .unwrap_or_default(),
                    granted: caps_of(&r.granted).into_iter().collect(),
                    enabled: r.enabled,
                    disabled_reason: r.disabled_reason.clone(),
                    suspended: r.suspended_at.is_some(),
                    consecutive_failures: r.consecutive_failures,
                    failures_in_window: r.consecutive_failures,
                    failure_window_from: r.failure_window_from,
                    granted_at: r.granted_at,
                }
            })
            .collect();
        out.push(PluginOut {
            current_version: current.map(|v| v.version.clone()),
            versions: mine.iter().map(|v| v.version.clone()).collect(),
            requested,
            stations,
            id: p.id,
            name_zh: p.name_zh,
            name_en: p.name_en,
        });
    }
    Ok(out)
}

/// Enabled, unsuspended plugins at a station with their manifests (for listing and events).
pub async fn enabled_at(
    host: &PluginHost,
    station_id: i64,
) -> Result<Vec<(StationPlugin, Manifest)>, PluginError> {
    let mut out = Vec::new();
    for r in rows::enabled_at(&host.db, station_id).await? {
        let meta = host.versions.meta(&host.db, r.version_id).await?;
        if let Ok(m) = Manifest::parse(&meta.1) {
            out.push((r, m));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
