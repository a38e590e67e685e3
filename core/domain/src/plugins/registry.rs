//! The registry's rows: installed packages and their versions, each plugin's row at a station
//! (grant, settings, health), the grant log, and the window repeated failures are counted in.
//!
//! The host decides (it reads manifests, compares capabilities, compiles components); these
//! functions only read and write the rows it decided on. Several of them are steps of one
//! change (an install touches the package, its new version, every station's row and the log):
//! the host runs such steps on one transaction, so they take any connection.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::entity::{grant_log, plugins, station_plugins, versions};

/// What a package's manifest names it; an install writes it, a later install renames.
#[derive(Debug, Clone)]
pub struct NewPlugin {
    /// The plugin's id from its manifest.
    pub id: String,
    /// Its name in Chinese.
    pub name_zh: String,
    /// Its name in English.
    pub name_en: String,
}

/// One version of a package as installed, component included.
#[derive(Debug, Clone)]
pub struct NewVersion {
    /// The plugin (its id).
    pub plugin_id: String,
    /// The version from the manifest.
    pub version: String,
    /// The WIT world version the component was built against.
    pub wit_version: String,
    /// The package's content digest.
    pub digest: String,
    /// The manifest's text as installed.
    pub manifest: String,
    /// The wasm component's bytes.
    pub component: Vec<u8>,
    /// The ops user installing it, if any.
    pub installed_by: Option<i64>,
    /// When.
    pub installed_at: DateTime<Utc>,
}

/// A version without its (large) component, for listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionSummary {
    /// Row id.
    pub id: i64,
    /// The plugin (its id).
    pub plugin_id: String,
    /// The version from the manifest.
    pub version: String,
    /// The manifest's text as installed.
    pub manifest: String,
}

/// A change to a plugin's row at a station: each field given is written, the others stay as
/// they are. (A field that may be cleared is an `Option` inside: `Some(None)` clears it.)
#[derive(Debug, Clone, Default)]
pub struct StationPluginChange {
    /// The version the station runs.
    pub version_id: Option<i64>,
    /// The capabilities granted, as a JSON list.
    pub granted: Option<String>,
    /// The digest the grant was given for.
    pub granted_digest: Option<String>,
    /// The station's settings, as JSON.
    pub settings: Option<String>,
    /// Whether it runs at the station.
    pub enabled: Option<bool>,
    /// Why it is disabled.
    pub disabled_reason: Option<Option<String>>,
    /// Failures counted in the current window.
    pub consecutive_failures: Option<i32>,
    /// When the current failure window began.
    pub failure_window_from: Option<Option<DateTime<Utc>>>,
    /// When it was suspended.
    pub suspended_at: Option<Option<DateTime<Utc>>>,
    /// The ops user who gave the grant.
    pub granted_by: Option<Option<i64>>,
    /// When the grant was given.
    pub granted_at: Option<DateTime<Utc>>,
}

impl StationPluginChange {
    /// Writes the given fields onto the row's active model; the rest stay untouched, so the
    /// update names only the columns changed.
    fn apply(&self, am: &mut station_plugins::ActiveModel) {
        fn put<T: Clone + Into<sea_orm::Value>>(slot: &mut ActiveValue<T>, v: &Option<T>) {
            if let Some(v) = v {
                *slot = Set(v.clone());
            }
        }
        put(&mut am.version_id, &self.version_id);
        put(&mut am.granted, &self.granted);
        put(&mut am.granted_digest, &self.granted_digest);
        put(&mut am.settings, &self.settings);
        put(&mut am.enabled, &self.enabled);
        put(&mut am.disabled_reason, &self.disabled_reason);
        put(&mut am.consecutive_failures, &self.consecutive_failures);
        put(&mut am.failure_window_from, &self.failure_window_from);
        put(&mut am.suspended_at, &self.suspended_at);
        put(&mut am.granted_by, &self.granted_by);
        put(&mut am.granted_at, &self.granted_at);
    }
}

/// One entry for the grant log, as the grant stands after the change.
#[derive(Debug, Clone)]
pub struct NewGrantLog<'a> {
    /// The station (its id).
    pub station_id: i64,
    /// The plugin (its id).
    pub plugin_id: &'a str,
    /// "enable", "upgrade", "disable" or "resume".
    pub action: &'a str,
    /// The digest the grant stands for.
    pub digest: &'a str,
    /// The capabilities granted, as a JSON list.
    pub granted: &'a str,
    /// Who did it; none for the system.
    pub user_id: Option<i64>,
    /// When.
    pub at: DateTime<Utc>,
}

/// The version with this package digest, if that package was installed before.
pub async fn version_by_digest(
    db: &impl ConnectionTrait,
    digest: &str,
) -> Result<Option<super::PluginVersion>, DbErr> {
    versions::Entity::find()
        .filter(versions::Column::Digest.eq(digest))
        .one(db)
        .await
}

/// Whether the plugin has this version installed (whatever its contents).
pub async fn version_exists(
    db: &impl ConnectionTrait,
    plugin: &str,
    version: &str,
) -> Result<bool, DbErr> {
    Ok(versions::Entity::find()
        .filter(versions::Column::PluginId.eq(plugin))
        .filter(versions::Column::Version.eq(version))
        .one(db)
        .await?
        .is_some())
}

/// Writes the package's row: created on its first install (with no current version yet),
/// renamed as the manifest now says on a later one.
pub async fn put_plugin(
    db: &impl ConnectionTrait,
    p: &NewPlugin,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    match plugins::Entity::find_by_id(p.id.clone()).one(db).await? {
        Some(existing) => {
            let mut am = existing.into_active_model();
            am.name_zh = Set(p.name_zh.clone());
            am.name_en = Set(p.name_en.clone());
            am.update(db).await?;
        }
        None => {
            plugins::ActiveModel {
                id: Set(p.id.clone()),
                name_zh: Set(p.name_zh.clone()),
                name_en: Set(p.name_en.clone()),
                current_version_id: Set(None),
                created_at: Set(now),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

/// Adds a version; its row id.
pub async fn add_version(db: &impl ConnectionTrait, v: NewVersion) -> Result<i64, DbErr> {
    let v = versions::ActiveModel {
        plugin_id: Set(v.plugin_id),
        version: Set(v.version),
        wit_version: Set(v.wit_version),
        digest: Set(v.digest),
        manifest: Set(v.manifest),
        component: Set(v.component),
        installed_by: Set(v.installed_by),
        installed_at: Set(v.installed_at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(v.id)
}

/// Makes `version_id` the plugin's current version, the one stations are enabled with.
pub async fn set_current_version(
    db: &impl ConnectionTrait,
    plugin: &str,
    version_id: i64,
) -> Result<(), DbErr> {
    plugins::Entity::update_many()
        .col_expr(plugins::Column::CurrentVersionId, Expr::val(version_id))
        .filter(plugins::Column::Id.eq(plugin))
        .exec(db)
        .await?;
    Ok(())
}

/// The installed plugin `id`.
pub async fn plugin(db: &impl ConnectionTrait, id: &str) -> Result<Option<super::Plugin>, DbErr> {
    plugins::Entity::find_by_id(id.to_owned()).one(db).await
}

/// Every installed plugin, by id.
pub async fn plugins(db: &impl ConnectionTrait) -> Result<Vec<super::Plugin>, DbErr> {
    plugins::Entity::find()
        .order_by_asc(plugins::Column::Id)
        .all(db)
        .await
}

/// The version `id`, component included.
pub async fn version(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<super::PluginVersion>, DbErr> {
    versions::Entity::find_by_id(id).one(db).await
}

/// A version's digest and manifest text, without its (large) component.
pub async fn version_meta(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<(String, String)>, DbErr> {
    versions::Entity::find_by_id(id)
        .select_only()
        .column(versions::Column::Digest)
        .column(versions::Column::Manifest)
        .into_tuple()
        .one(db)
        .await
}

/// A version's component bytes, read only when the host has no compiled copy.
pub async fn version_component(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<Vec<u8>>, DbErr> {
    versions::Entity::find_by_id(id)
        .select_only()
        .column(versions::Column::Component)
        .into_tuple()
        .one(db)
        .await
}

/// Every version of every plugin without components, oldest first.
pub async fn versions(db: &impl ConnectionTrait) -> Result<Vec<VersionSummary>, DbErr> {
    let all: Vec<(i64, String, String, String)> = versions::Entity::find()
        .select_only()
        .column(versions::Column::Id)
        .column(versions::Column::PluginId)
        .column(versions::Column::Version)
        .column(versions::Column::Manifest)
        .order_by_asc(versions::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    Ok(all
        .into_iter()
        .map(|(id, plugin_id, version, manifest)| VersionSummary {
            id,
            plugin_id,
            version,
            manifest,
        })
        .collect())
}

/// The plugin's row at the station, if it was ever enabled there.
pub async fn station_plugin(
    db: &impl ConnectionTrait,
    station_id: i64,
    plugin: &str,
) -> Result<Option<super::StationPlugin>, DbErr> {
    station_plugins::Entity::find()
        .filter(station_plugins::Column::StationId.eq(station_id))
        .filter(station_plugins::Column::PluginId.eq(plugin))
        .one(db)
        .await
}

/// The plugin's rows at every station it was enabled at (in no particular order).
pub async fn stations_of(
    db: &impl ConnectionTrait,
    plugin: &str,
) -> Result<Vec<super::StationPlugin>, DbErr> {
    station_plugins::Entity::find()
        .filter(station_plugins::Column::PluginId.eq(plugin))
        .all(db)
        .await
}

/// Every plugin's row at every station, by station.
pub async fn station_plugins(
    db: &impl ConnectionTrait,
) -> Result<Vec<super::StationPlugin>, DbErr> {
    station_plugins::Entity::find()
        .order_by_asc(station_plugins::Column::StationId)
        .all(db)
        .await
}

/// The rows of the plugins enabled at the station (suspended ones included), by plugin id.
pub async fn enabled_at(
    db: &impl ConnectionTrait,
    station_id: i64,
) -> Result<Vec<super::StationPlugin>, DbErr> {
    station_plugins::Entity::find()
        .filter(station_plugins::Column::StationId.eq(station_id))
        .filter(station_plugins::Column::Enabled.eq(true))
        .order_by_asc(station_plugins::Column::PluginId)
        .all(db)
        .await
}

/// Writes the change onto the row (read before, as `row`); the row as it is now.
pub async fn update_station_plugin(
    db: &impl ConnectionTrait,
    row: super::StationPlugin,
    change: &StationPluginChange,
) -> Result<super::StationPlugin, DbErr> {
    let mut am = row.into_active_model();
    change.apply(&mut am);
    am.update(db).await
}

/// Writes the change onto the plugin's row at the station, adding the row if there is none
/// (then the change must give every field).
pub async fn put_station_plugin(
    db: &impl ConnectionTrait,
    station_id: i64,
    plugin: &str,
    change: &StationPluginChange,
) -> Result<(), DbErr> {
    let mut am = match station_plugin(db, station_id, plugin).await? {
        Some(e) => e.into_active_model(),
        None => station_plugins::ActiveModel {
            station_id: Set(station_id),
            plugin_id: Set(plugin.to_owned()),
            ..Default::default()
        },
    };
    change.apply(&mut am);
    am.save(db).await?;
    Ok(())
}

/// Adds an entry to the grant log.
pub async fn log_grant(db: &impl ConnectionTrait, entry: &NewGrantLog<'_>) -> Result<(), DbErr> {
    grant_log::ActiveModel {
        station_id: Set(entry.station_id),
        plugin_id: Set(entry.plugin_id.to_owned()),
        action: Set(entry.action.to_owned()),
        digest: Set(entry.digest.to_owned()),
        granted: Set(entry.granted.to_owned()),
        user_id: Set(entry.user_id),
        at: Set(entry.at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The grant log, oldest first.
pub async fn grant_log(db: &impl ConnectionTrait) -> Result<Vec<super::GrantLogEntry>, DbErr> {
    grant_log::Entity::find()
        .order_by_asc(grant_log::Column::Id)
        .all(db)
        .await
}

/// Counts one failure of the plugin at its station (the row `row_id`) and suspends it there
/// when `threshold` failures fall within one `window`; whether this failure suspended it.
///
/// The first failure opens a window of `window`; every failure in it adds one. A success
/// changes nothing: a plugin failing every other call (or succeeding once an hour on its
/// schedule) used to reset a count kept "in a row" and so was never suspended. The window is
/// kept in the row, not in memory, so every node counts the same failures and a restart
/// forgets nothing.
pub async fn count_failure(
    db: &impl ConnectionTrait,
    row_id: i64,
    threshold: i32,
    window: std::time::Duration,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
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
            CaseStatement::new()
                .case(stale(), Expr::val(1))
                .finally(Expr::col(station_plugins::Column::ConsecutiveFailures).add(1))
                .into(),
        )
        .col_expr(
            station_plugins::Column::FailureWindowFrom,
            CaseStatement::new()
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
    if suspended.rows_affected > 0
        && let Some(row) = station_plugins::Entity::find_by_id(row_id).one(db).await?
    {
        crate::notifications::outbox::alert_ops(
            db,
            &format!("suspended:{row_id}:{}", now.timestamp()),
            &format!(
                "plugin {} was suspended at station {} after repeated failures",
                row.plugin_id, row.station_id
            ),
            "/console/plugins",
            now,
        )
        .await?;
    }
    Ok(suspended.rows_affected > 0)
}
