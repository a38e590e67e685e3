//! What the platform keeps of its plugins: their tables (packages, grants, per-station state,
//! storage, tags, the event outbox and deliveries) and the outbox a transition writes to. The
//! wasmtime host that runs them is the `liaison-host` crate.

pub mod entity;
pub mod outbox;
pub mod results;
pub mod station;

/// How many plugins are installed.
pub async fn count(db: &impl sea_orm::ConnectionTrait) -> Result<u64, crate::error::Error> {
    use sea_orm::{EntityTrait, PaginatorTrait};
    Ok(entity::plugins::Entity::find().count(db).await?)
}
