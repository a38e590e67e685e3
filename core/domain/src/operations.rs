//! What operations watch: the names of the metrics every part of Liaison records (through the
//! `metrics` facade; the API renders them for Prometheus at `/metrics`), and the figures read
//! from the database when Prometheus scrapes (cases by status, outbox lag, the pool), so that
//! nothing has to poll on its own between scrapes.
//!
//! Recording is a no-op until a recorder is installed, which the API does only when a metrics
//! token is configured: a node without one pays nothing.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::cases::Status;
use crate::dashboard::counters::{self, entity as counter};
use crate::plugins::entity::{deliveries, outbox};

/// HTTP requests by `route` (the route template, `unmatched` when none matched), `method` and
/// `status`. A counter.
pub const HTTP_REQUESTS: &str = "liaison_http_requests_total";
/// Seconds from a request's arrival to its answer's head, by `route`, `method` and `status`.
pub const HTTP_DURATION: &str = "liaison_http_request_duration_seconds";
/// Residents' submissions queued for the intake writer and not yet taken into a batch. A gauge.
pub const INTAKE_QUEUE_DEPTH: &str = "liaison_intake_queue_depth";
/// Cases written per intake commit. A histogram.
pub const INTAKE_BATCH_SIZE: &str = "liaison_intake_batch_size";
/// Plugin calls that ran, by `plugin`. A counter.
pub const PLUGIN_CALLS: &str = "liaison_plugin_calls_total";
/// Plugin calls that failed (trap, deadline, memory, or the plugin's own failure), by `plugin`.
pub const PLUGIN_FAILURES: &str = "liaison_plugin_failures_total";
/// Plugin calls that never started because the host had no slot in time, by `plugin`.
pub const PLUGIN_BUSY: &str = "liaison_plugin_busy_total";
/// Seconds a plugin call ran, by `plugin`. A histogram.
pub const PLUGIN_DURATION: &str = "liaison_plugin_call_duration_seconds";
/// Clients connected to a live feed (the API's and the pages' server-sent events). A gauge.
pub const SSE_CLIENTS: &str = "liaison_sse_clients";
/// Cases in each `status`, district-wide, read from the dashboards' counters at scrape time.
pub const CASES: &str = "liaison_cases";
/// Age in seconds of the oldest case event not yet delivered to every plugin listening to it
/// (not fanned out, or a delivery still pending); 0 when none waits. A gauge, read at scrape.
pub const OUTBOX_LAG: &str = "liaison_outbox_lag_seconds";
/// Deliveries given up after too many failures (parked), waiting for ops. A gauge.
pub const OUTBOX_PARKED: &str = "liaison_outbox_parked";
/// Age in seconds of the oldest notification not yet sent; 0 when none waits. The
/// notifications' dispatcher sets it through [`notification_lag`]; until it does, the series
/// is absent rather than a made-up zero.
pub const NOTIFICATION_LAG: &str = "liaison_notification_lag_seconds";
/// Database connections by `state` (`in_use`, `idle`) and the pool's ceiling (`max`). A gauge.
pub const DB_POOL: &str = "liaison_db_pool_connections";

/// The hook for the notifications' dispatcher: how long the oldest unsent notification has
/// waited (none waiting: `None`, reported as 0).
pub fn notification_lag(oldest_waiting: Option<std::time::Duration>) {
    metrics::gauge!(NOTIFICATION_LAG).set(oldest_waiting.map_or(0.0, |d| d.as_secs_f64()));
}

/// The figures read from the database for one scrape.
#[derive(Debug, Clone, Default)]
pub struct Reading {
    /// Every status with its district-wide count (0 included), in lifecycle order.
    pub cases_by_status: Vec<(Status, i64)>,
    /// See [`OUTBOX_LAG`].
    pub outbox_lag_secs: f64,
    /// See [`OUTBOX_PARKED`].
    pub outbox_parked: u64,
}

/// Reads the scrape's figures: a handful of indexed reads, none of them a scan of the cases.
pub async fn read(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Reading, DbErr> {
    // The status gauges of the district's all-time row: one row per status, however many cases.
    let gauges = counter::Entity::find()
        .filter(counter::Column::Dim.eq(counters::DIM_ALL))
        .filter(counter::Column::StationId.eq(counters::DISTRICT))
        .filter(counter::Column::Key.eq(""))
        .filter(counter::Column::Month.eq(counters::ALL_TIME))
        .filter(counter::Column::Metric.starts_with(counters::metric::STATUS_PREFIX))
        .all(db)
        .await?;
    let cases_by_status = Status::ALL
        .iter()
        .map(|s| {
            let metric = format!("{}{}", counters::metric::STATUS_PREFIX, s.as_str());
            let n = gauges
                .iter()
                .find(|g| g.metric == metric)
                .map_or(0, |g| g.value);
            (*s, n)
        })
        .collect();

    // The oldest event not fanned out (index on dispatched, id) ...
    let undispatched: Option<DateTime<Utc>> = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::CreatedAt)
        .filter(outbox::Column::Dispatched.eq(false))
        .order_by_asc(outbox::Column::Id)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    // ... and the oldest event with a delivery still pending (index on status, next attempt).
    let oldest_pending: Option<i64> = deliveries::Entity::find()
        .select_only()
        .column_as(deliveries::Column::OutboxId.min(), "oldest")
        .filter(deliveries::Column::Status.eq("pending"))
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten();
    let pending: Option<DateTime<Utc>> = match oldest_pending {
        Some(id) => {
            outbox::Entity::find_by_id(id)
                .select_only()
                .column(outbox::Column::CreatedAt)
                .into_tuple()
                .one(db)
                .await?
        }
        None => None,
    };
    let oldest = [undispatched, pending].into_iter().flatten().min();
    let outbox_lag_secs =
        oldest.map_or(0.0, |t| (now - t).num_milliseconds().max(0) as f64 / 1000.0);
    let outbox_parked = deliveries::Entity::find()
        .filter(deliveries::Column::Status.eq("parked"))
        .count(db)
        .await?;
    Ok(Reading {
        cases_by_status,
        outbox_lag_secs,
        outbox_parked,
    })
}

/// The connection pool's use: connections open and idle, and the ceiling.
#[derive(Debug, Clone, Copy, Default)]
pub struct PoolUse {
    /// Connections open (in use or idle).
    pub open: u32,
    /// Connections open and idle.
    pub idle: u32,
    /// The most the pool opens.
    pub max: u32,
}

/// What the pool under `db` holds right now (no query: the pool's own counts).
pub fn pool_use(db: &DatabaseConnection) -> PoolUse {
    match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            let p = db.get_postgres_connection_pool();
            PoolUse {
                open: p.size(),
                idle: p.num_idle() as u32,
                max: p.options().get_max_connections(),
            }
        }
        sea_orm::DbBackend::Sqlite => {
            let p = db.get_sqlite_connection_pool();
            PoolUse {
                open: p.size(),
                idle: p.num_idle() as u32,
                max: p.options().get_max_connections(),
            }
        }
        _ => PoolUse::default(),
    }
}
