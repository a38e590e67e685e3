//! What the platform keeps of its plugins: their tables (packages, grants, per-station state,
//! storage, tags, the event outbox and deliveries) and the services that read and write them:
//! `registry` (packages, grants, health), `outbox` (events to plugins and their deliveries) and
//! `station` (what a brand reaches at its station). The wasmtime host that runs them is the
//! `liaison-host` crate; it reaches these tables only through those services.

pub(crate) mod entity;
pub mod outbox;
pub mod registry;
pub mod results;
pub mod station;

/// A delivery of one event to one plugin at one station.
pub use entity::deliveries::Model as Delivery;
/// One change to a plugin's grant at a station, as it stood after the change.
pub use entity::grant_log::Model as GrantLogEntry;
/// A case event waiting to reach (or handed to) the plugins of its station.
pub use entity::outbox::Model as OutboxEvent;
/// An installed plugin package (a station brand, 一站一品), whatever version it runs.
pub use entity::plugins::Model as Plugin;
/// One plugin at one station: its grant, settings and health.
pub use entity::station_plugins::Model as StationPlugin;
/// One installed version of a plugin, component included.
pub use entity::versions::Model as PluginVersion;

/// How many plugins are installed.
pub async fn count(db: &impl sea_orm::ConnectionTrait) -> Result<u64, crate::error::Error> {
    use sea_orm::{EntityTrait, PaginatorTrait};
    Ok(entity::plugins::Entity::find().count(db).await?)
}
