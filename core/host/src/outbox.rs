//! Case events to plugins, durably. The transition writes an outbox row in its own
//! transaction (see `cases::actions::record`); after commit this loop fans each row out to the
//! plugins of the station that listen to its action, then delivers: at least once, retried
//! with backoff, parked after too many failures, picked up again after a restart. Nothing
//! here can slow or roll back the transition itself.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};

use crate::bindings::v0_1::liaison::brand::types::CaseEvent;
use crate::{PluginHost, registry};
use liaison_domain::plugins::entity::{deliveries, outbox};
use liaison_domain::stations;

/// Fans undispatched outbox rows out into deliveries. Returns how many rows it handled.
pub async fn fan_out(host: &PluginHost) -> Result<usize, crate::PluginError> {
    let rows = outbox::Entity::find()
        .filter(outbox::Column::Dispatched.eq(false))
        .order_by_asc(outbox::Column::Id)
        .limit(200)
        .all(&host.db)
        .await?;
    let now = host.clock.now();
    for row in &rows {
        let listeners = registry::enabled_at(host, row.station_id).await?;
        let txn = host.db.begin().await?;
        for (sp, manifest) in listeners {
            if !manifest.listens.iter().any(|a| a == &row.action) {
                continue;
            }
            let exists = deliveries::Entity::find()
                .filter(deliveries::Column::OutboxId.eq(row.id))
                .filter(deliveries::Column::PluginId.eq(sp.plugin_id.as_str()))
                .one(&txn)
                .await?;
            if exists.is_none() {
                deliveries::ActiveModel {
                    outbox_id: Set(row.id),
                    plugin_id: Set(sp.plugin_id.clone()),
                    station_id: Set(row.station_id),
                    status: Set("pending".into()),
                    attempts: Set(0),
                    next_attempt_at: Set(now),
                    last_error: Set(None),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            }
        }
        outbox::Entity::update_many()
            .col_expr(outbox::Column::Dispatched, Expr::val(true))
            .filter(outbox::Column::Id.eq(row.id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
    }
    Ok(rows.len())
}

fn backoff(attempts: i32) -> chrono::Duration {
    chrono::Duration::seconds(std::cmp::Ord::min(1i64 << attempts.clamp(0, 8), 300))
}

/// Delivers what is due. Returns how many deliveries it attempted.
pub async fn deliver_due(host: &PluginHost) -> Result<usize, crate::PluginError> {
    let now = host.clock.now();
    let due = deliveries::Entity::find()
        .filter(deliveries::Column::Status.eq("pending"))
        .filter(deliveries::Column::NextAttemptAt.lte(now))
        .order_by_asc(deliveries::Column::Id)
        .limit(50)
        .all(&host.db)
        .await?;
    let mut attempted = 0;
    for d in due {
        // Claim it: another node that read the same row loses this race and skips it.
        let lease = now + chrono::Duration::seconds(60);
        let claimed = deliveries::Entity::update_many()
            .col_expr(deliveries::Column::NextAttemptAt, Expr::val(lease))
            .filter(deliveries::Column::Id.eq(d.id))
            .filter(deliveries::Column::NextAttemptAt.eq(d.next_attempt_at))
            .exec(&host.db)
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        attempted += 1;
        let outcome = deliver_one(host, &d).await;
        let mut am: deliveries::ActiveModel = d.clone().into();
        am.updated_at = Set(host.clock.now());
        match outcome {
            Ok(()) => am.status = Set("done".into()),
            Err(Retry::Later(why)) => {
                // Disabled or suspended: wait without spending attempts.
                am.next_attempt_at = Set(host.clock.now() + chrono::Duration::seconds(60));
                am.last_error = Set(Some(why));
            }
            Err(Retry::Failed(why)) => {
                let attempts = d.attempts + 1;
                am.attempts = Set(attempts);
                am.last_error = Set(Some(why.chars().take(500).collect()));
                if attempts >= host.settings.max_delivery_attempts {
                    am.status = Set("parked".into());
                    tracing::warn!(delivery = d.id, plugin = %d.plugin_id, "case event parked after repeated failures");
                } else {
                    am.next_attempt_at = Set(host.clock.now() + backoff(attempts));
                }
            }
        }
        am.update(&host.db).await?;
    }
    Ok(attempted)
}

enum Retry {
    Later(String),
    Failed(String),
}

async fn deliver_one(host: &PluginHost, d: &deliveries::Model) -> Result<(), Retry> {
    let station = stations::by_id(&host.db, d.station_id)
        .await
        .map_err(|e| Retry::Failed(e.to_string()))?
        .ok_or_else(|| Retry::Failed("station is gone".into()))?;
    let active = match registry::active(host, &station.code, &d.plugin_id).await {
        Ok(a) => a,
        Err(crate::PluginError::Unavailable(why)) => return Err(Retry::Later(why)),
        Err(e) => return Err(Retry::Failed(e.to_string())),
    };
    let row = outbox::Entity::find_by_id(d.outbox_id)
        .one(&host.db)
        .await
        .map_err(|e| Retry::Failed(e.to_string()))?
        .ok_or_else(|| Retry::Failed("outbox row is gone".into()))?;
    let ev = liaison_domain::cases::event(&host.db, row.event_id)
        .await
        .map_err(|e| Retry::Failed(e.to_string()))?
        .ok_or_else(|| Retry::Failed("case event is gone".into()))?;
    let event = CaseEvent {
        case_id: ev.case_id,
        action: ev.action,
        from_status: ev.from_status,
        to_status: ev.to_status,
        at: ev.created_at.to_rfc3339(),
        // Only public notes leave the core.
        note: if ev.public && ev.note_public {
            ev.note
        } else {
            None
        },
    };
    host.deliver(&active, event).await.map_err(Retry::Failed)
}

/// Runs schedules that are due; `last` remembers per (plugin, station) when each last ran.
async fn run_schedules(
    host: &PluginHost,
    last: &mut std::collections::HashMap<(String, i64), chrono::DateTime<Utc>>,
) {
    let Ok(stations) = stations::all(&host.db).await else {
        return;
    };
    for s in stations {
        let Ok(list) = registry::enabled_at(host, s.id).await else {
            continue;
        };
        for (row, manifest) in list {
            let Some(schedule) = &manifest.schedule else {
                continue;
            };
            let key = (row.plugin_id.clone(), s.id);
            let now = host.clock.now();
            let every = chrono::Duration::minutes(i64::from(schedule.every_minutes));
            if last.get(&key).is_some_and(|t| now - *t < every) {
                continue;
            }
            last.insert(key, now);
            match registry::active_row(host, s.id, s.code.clone(), row).await {
                Ok(a) => {
                    if let Err(e) = host.schedule(&a).await {
                        tracing::warn!(plugin = %a.row.plugin_id, station = %s.code, error = %e, "scheduled run failed");
                    }
                }
                Err(e) => tracing::debug!(station = %s.code, error = %e, "schedule skipped"),
            }
        }
    }
}

pub fn spawn(host: Arc<PluginHost>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(200));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last = std::collections::HashMap::new();
        let mut rounds: u64 = 0;
        loop {
            tick.tick().await;
            if let Err(e) = fan_out(&host).await {
                tracing::warn!(error = %e, "outbox fan-out failed");
            }
            if let Err(e) = deliver_due(&host).await {
                tracing::warn!(error = %e, "event delivery failed");
            }
            // Schedules are coarse: look every 30 s.
            if rounds.is_multiple_of(150) {
                run_schedules(&host, &mut last).await;
            }
            rounds += 1;
        }
    });
}
