//! The `job_leases` table and the two statements that take or keep a lease.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

/// Maps the `job_leases` table: which node runs a job, and until when unless it renews.
pub(crate) mod entity {
    use sea_orm::entity::prelude::*;

    /// One job's lease.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "job_leases")]
    pub struct Model {
        /// The job's name, as given to [`crate::jobs::Jobs::spawn`].
        #[sea_orm(primary_key, auto_increment = false)]
        pub name: String,
        /// The node holding the lease ([`crate::jobs::Jobs::node`]).
        pub holder: String,
        /// When the lease lapses unless the holder renews it; then any node may take it.
        pub expires_at: DateTimeUtc,
        /// When the holder took it (kept across renewals).
        pub acquired_at: DateTimeUtc,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Takes the lease of `name` for `holder` until `until`, or renews it: true when `holder` holds
/// it afterwards. It succeeds when `holder` already holds it, when it lapsed (`expires_at` before
/// `now`), or when nobody ever held it. Each case is one statement, so two nodes racing for a
/// lapsed lease cannot both win: PostgreSQL re-checks the condition on the row the first one
/// updated, SQLite runs one writer at a time.
pub(crate) async fn claim(
    db: &impl ConnectionTrait,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, DbErr> {
    // Renewal by the holder keeps `acquired_at`; a takeover restarts it.
    let renewed = entity::Entity::update_many()
        .col_expr(entity::Column::ExpiresAt, Expr::value(until))
        .filter(entity::Column::Name.eq(name))
        .filter(entity::Column::Holder.eq(holder))
        .exec(db)
        .await?;
    if renewed.rows_affected > 0 {
        return Ok(true);
    }
    let taken = entity::Entity::update_many()
        .col_expr(entity::Column::Holder, Expr::value(holder))
        .col_expr(entity::Column::ExpiresAt, Expr::value(until))
        .col_expr(entity::Column::AcquiredAt, Expr::value(now))
        .filter(entity::Column::Name.eq(name))
        .filter(entity::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    if taken.rows_affected > 0 {
        return Ok(true);
    }
    let inserted = entity::Entity::insert(entity::ActiveModel {
        name: Set(name.to_owned()),
        holder: Set(holder.to_owned()),
        expires_at: Set(until),
        acquired_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(entity::Column::Name)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(inserted > 0)
}

/// Lets every lease `holder` holds lapse now, so another node takes over at its next look
/// instead of waiting out the lease (a clean shutdown).
pub(crate) async fn release_all(
    db: &impl ConnectionTrait,
    holder: &str,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let res = entity::Entity::update_many()
        .col_expr(entity::Column::ExpiresAt, Expr::value(now))
        .filter(entity::Column::Holder.eq(holder))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// Who holds the lease of `name` and until when, if anyone ever took it.
pub(crate) async fn holder(
    db: &impl ConnectionTrait,
    name: &str,
) -> Result<Option<(String, DateTime<Utc>)>, DbErr> {
    Ok(entity::Entity::find_by_id(name.to_owned())
        .one(db)
        .await?
        .map(|m| (m.holder, m.expires_at)))
}
