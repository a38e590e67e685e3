//! Installed packages and who may run them where. Grants are recorded with who and when, and
//! tied to the digest of the version they were given for: an upgrade that asks for no more
//! than was granted swaps in atomically (calls in flight finish on the old version, storage
//! stays); one that asks for more waits, disabled at that station, until ops grant again.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::capability::{Capability, CapabilitySchema, effective};
use crate::manifest::Manifest;
use crate::{Active, CallStats, PluginError, PluginHost};
use liaison_domain::error::FieldKind;
use liaison_domain::plugins::entity::{grant_log, plugins, station_plugins, versions};
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
    if let Some(v) = versions::Entity::find()
        .filter(versions::Column::Digest.eq(digest.as_str()))
        .one(&host.db)
        .await?
    {
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
    if versions::Entity::find()
        .filter(versions::Column::PluginId.eq(manifest.id.as_str()))
        .filter(versions::Column::Version.eq(manifest.version.as_str()))
        .one(&host.db)
        .await?
        .is_some()
    {
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
    match plugins::Entity::find_by_id(manifest.id.clone())
        .one(&txn)
        .await?
    {
        Some(p) => {
            let mut am = p.into_active_model();
            am.name_zh = Set(manifest.name.zh.clone());
            am.name_en = Set(manifest.name.en.clone());
            am.update(&txn).await?;
        }
        None => {
            plugins::ActiveModel {
                id: Set(manifest.id.clone()),
                name_zh: Set(manifest.name.zh.clone()),
                name_en: Set(manifest.name.en.clone()),
                current_version_id: Set(None),
                created_at: Set(now),
            }
            .insert(&txn)
            .await?;
        }
    }
    let v = versions::ActiveModel {
        plugin_id: Set(manifest.id.clone()),
        version: Set(manifest.version.clone()),
        wit_version: Set(manifest.wit.clone()),
        digest: Set(digest.clone()),
        manifest: Set(manifest_text.to_owned()),
        component: Set(component.to_vec()),
        installed_by: Set(by),
        installed_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    plugins::Entity::update_many()
        .col_expr(plugins::Column::CurrentVersionId, Expr::val(v.id))
        .filter(plugins::Column::Id.eq(manifest.id.as_str()))
        .exec(&txn)
        .await?;
    let mut upgraded_at = Vec::new();
    let mut awaiting_grant_at = Vec::new();
    for sp in station_plugins::Entity::find()
        .filter(station_plugins::Column::PluginId.eq(manifest.id.as_str()))
        .all(&txn)
        .await?
    {
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
        let mut am = sp.clone().into_active_model();
        am.version_id = Set(v.id);
        am.granted = Set(caps_json(&granted));
        if requested.is_subset(&granted) {
            // A station left waiting for a grant by an earlier version that asked for more
            // (disabled, its grant given for another package than the one it was moved to)
            // runs again: its grant covers this one. A station ops disabled stays disabled.
            if !sp.enabled
                && sp.disabled_reason.as_deref() != Some(DISABLED_BY_OPS)
                && version_meta(&txn, sp.version_id).await?.0 != sp.granted_digest
            {
                am.enabled = Set(true);
                am.disabled_reason = Set(None);
            }
            am.granted_digest = Set(digest.clone());
            upgraded_at.push(code);
        } else {
            let more: Vec<_> = requested.difference(&granted).map(|c| c.as_str()).collect();
            am.enabled = Set(false);
            // Where ops turned it off, that stays the reason.
            if sp.enabled || sp.disabled_reason.as_deref() != Some(DISABLED_BY_OPS) {
                am.disabled_reason = Set(Some(format!(
                    "version {} asks for {} as well; grant again to enable",
                    manifest.version,
                    more.join(", ")
                )));
            }
            awaiting_grant_at.push(code);
        }
        am.update(&txn).await?;
        log(
            &txn,
            sp.station_id,
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
    grant_log::ActiveModel {
        station_id: Set(station_id),
        plugin_id: Set(plugin.to_owned()),
        action: Set(action.to_owned()),
        digest: Set(digest.to_owned()),
        granted: Set(caps_json(granted)),
        user_id: Set(by),
        at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// A version row without its (large) component.
async fn version_meta(db: &impl ConnectionTrait, id: i64) -> Result<(String, String), PluginError> {
    let row: Option<(String, String)> = versions::Entity::find_by_id(id)
        .select_only()
        .column(versions::Column::Digest)
        .column(versions::Column::Manifest)
        .into_tuple()
        .one(db)
        .await?;
    row.ok_or_else(|| PluginError::NotFound(format!("plugin version {id} is gone")))
}

pub async fn current_version(
    db: &impl ConnectionTrait,
    plugin: &str,
) -> Result<(i64, String, Manifest), PluginError> {
    let p = plugins::Entity::find_by_id(plugin.to_owned())
        .one(db)
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
    let existing = station_plugins::Entity::find()
        .filter(station_plugins::Column::StationId.eq(station.id))
        .filter(station_plugins::Column::PluginId.eq(plugin))
        .one(&txn)
        .await?;
    let mut am = match existing {
        Some(e) => e.into_active_model(),
        None => station_plugins::ActiveModel {
            station_id: Set(station.id),
            plugin_id: Set(plugin.to_owned()),
            ..Default::default()
        },
    };
    am.version_id = Set(vid);
    am.granted = Set(caps_json(&granted));
    am.granted_digest = Set(digest.clone());
    am.settings = Set(serde_json::to_string(&resolved).unwrap_or_else(|_| "{}".into()));
    am.enabled = Set(true);
    am.disabled_reason = Set(None);
    am.consecutive_failures = Set(0);
    am.failure_window_from = Set(None);
    am.suspended_at = Set(None);
    am.granted_by = Set(by);
    am.granted_at = Set(now);
    am.save(&txn).await?;
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
) -> Result<station_plugins::Model, PluginError> {
    station_plugins::Entity::find()
        .filter(station_plugins::Column::StationId.eq(station_id))
        .filter(station_plugins::Column::PluginId.eq(plugin))
        .one(db)
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
    change_by_ops(host, station_code, plugin, by, "disable", |am| {
        am.enabled = Set(false);
        am.disabled_reason = Set(Some(DISABLED_BY_OPS.into()));
    })
    .await
}

pub async fn resume(
    host: &PluginHost,
    station_code: &str,
    plugin: &str,
    by: Option<i64>,
) -> Result<(), PluginError> {
    change_by_ops(host, station_code, plugin, by, "resume", |am| {
        am.suspended_at = Set(None);
        am.consecutive_failures = Set(0);
        am.failure_window_from = Set(None);
    })
    .await
}

/// Changes a plugin's row at a station as ops asked and records it in the grant log as
/// `action`, with the grant as it stands.
async fn change_by_ops(
    host: &PluginHost,
    station_code: &str,
    plugin: &str,
    by: Option<i64>,
    action: &str,
    change: impl FnOnce(&mut station_plugins::ActiveModel),
) -> Result<(), PluginError> {
    let station = stations::by_code(&host.db, station_code)
        .await
        .map_err(|_| PluginError::NotFound(format!("no station {station_code}")))?;
    let r = row(&host.db, station.id, plugin).await?;
    let (granted, digest) = (caps_of(&r.granted), r.granted_digest.clone());
    let mut am = r.into_active_model();
    change(&mut am);
    am.update(&host.db).await?;
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
    r: station_plugins::Model,
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
    let (digest, text) = version_meta(&host.db, r.version_id).await?;
    let loaded = match host.runtime.cached(&digest) {
        Some(l) => l,
        None => {
            let manifest =
                Manifest::parse(&text).map_err(|e| PluginError::Unavailable(e.to_string()))?;
            let bytes: Option<Vec<u8>> = versions::Entity::find_by_id(r.version_id)
                .select_only()
                .column(versions::Column::Component)
                .into_tuple()
                .one(&host.db)
                .await?;
            let bytes =
                bytes.ok_or_else(|| PluginError::NotFound("plugin version is gone".into()))?;
            host.runtime
                .prepare(manifest, &text, &bytes)
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

/// Failures counted per (plugin, station) over a window: the first failure opens a window of
/// `window`; every failure in it adds one, and `threshold` of them suspend the plugin there. A
/// success changes nothing: a plugin failing every other call (or succeeding once an hour on
/// its schedule) used to reset a count kept "in a row" and so was never suspended. The window
/// is kept in the row, not in memory, so every node counts the same failures and a restart
/// forgets nothing.
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
    let window = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
    let cutoff = now
        .checked_sub_signed(window)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    // One statement, so concurrent failures each count: the window restarts (at this failure,
    // counting one) when there is none or it is over, and grows by one otherwise. Both columns
    // read the row as it was before the update.
    let stale = || {
        Expr::col(station_plugins::Column::FailureWindowFrom)
            .is_null()
            .or(Expr::col(station_plugins::Column::FailureWindowFrom).lt(cutoff))
    };
    station_plugins::Entity::update_many()
        .col_expr(
            station_plugins::Column::ConsecutiveFailures,
            sea_orm::sea_query::CaseStatement::new()
                .case(stale(), Expr::val(1))
                .finally(Expr::col(station_plugins::Column::ConsecutiveFailures).add(1))
                .into(),
        )
        .col_expr(
            station_plugins::Column::FailureWindowFrom,
            sea_orm::sea_query::CaseStatement::new()
                .case(stale(), Expr::val(now))
                .finally(Expr::col(station_plugins::Column::FailureWindowFrom))
                .into(),
        )
        .filter(station_plugins::Column::Id.eq(row_id))
        .exec(db)
        .await?;
    let suspended = station_plugins::Entity::update_many()
        .col_expr(station_plugins::Column::SuspendedAt, Expr::val(now))
        .filter(station_plugins::Column::Id.eq(row_id))
        .filter(station_plugins::Column::SuspendedAt.is_null())
        .filter(station_plugins::Column::ConsecutiveFailures.gte(threshold))
        .exec(db)
        .await?;
    if suspended.rows_affected > 0 {
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
    let all: Vec<(i64, String, String, String)> = versions::Entity::find()
        .select_only()
        .column(versions::Column::Id)
        .column(versions::Column::PluginId)
        .column(versions::Column::Version)
        .column(versions::Column::Manifest)
        .order_by_asc(versions::Column::Id)
        .into_tuple()
        .all(&host.db)
        .await?;
    let rows = station_plugins::Entity::find()
        .order_by_asc(station_plugins::Column::StationId)
        .all(&host.db)
        .await?;
    let mut out = Vec::new();
    for p in plugins::Entity::find()
        .order_by_asc(plugins::Column::Id)
        .all(&host.db)
        .await?
    {
        let mine: Vec<_> = all.iter().filter(|v| v.1 == p.id).collect();
        let current = mine.iter().find(|v| Some(v.0) == p.current_version_id);
        let requested = current
            .and_then(|v| Manifest::parse(&v.3).ok())
            .map(|m| m.requested().into_iter().collect())
            .unwrap_or_default();
        let stations = rows
            .iter()
            .filter(|r| r.plugin_id == p.id)
            .map(|r| {
                let code = codes.get(&r.station_id).cloned().unwrap_or_default();
                StationState {
                    stats: host.stats(&p.id, &code),
                    station: code,
                    version: mine
                        .iter()
                        .find(|v| v.0 == r.version_id)
                        .map(|v| v.2.clone())
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
            current_version: current.map(|v| v.2.clone()),
            versions: mine.iter().map(|v| v.2.clone()).collect(),
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
) -> Result<Vec<(station_plugins::Model, Manifest)>, PluginError> {
    let rows = station_plugins::Entity::find()
        .filter(station_plugins::Column::StationId.eq(station_id))
        .filter(station_plugins::Column::Enabled.eq(true))
        .order_by_asc(station_plugins::Column::PluginId)
        .all(&host.db)
        .await?;
    let mut out = Vec::new();
    for r in rows {
        let (_, text) = version_meta(&host.db, r.version_id).await?;
        if let Ok(m) = Manifest::parse(&text) {
            out.push((r, m));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
