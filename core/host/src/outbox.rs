//! Case events to plugins, durably. The transition writes an outbox row in its own
//! transaction (see `cases::actions::record`); after commit this loop fans each row out to the
//! plugins of the station that listen to its action, then delivers: at least once, retried
//! with backoff, parked after too many failures, picked up again after a restart. Nothing
//! here can slow or roll back the transition itself.
//!
//! Deliveries run in lanes, one per (plugin, station): in order within a lane, lanes side by
//! side. So a listener that takes its whole second on every event delays only its own later
//! events, not another brand's nor its own at another station. (One queue for everyone let a
//! plugin sleeping 950 ms per event hold another brand's event for seconds.) How many lanes
//! run at once is bounded by the host's gate, like every plugin call.

use std::collections::{BTreeMap, HashSet};
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

/// The lanes delivering now, by (plugin, station id).
pub type Lanes = Arc<std::sync::Mutex<HashSet<(String, i64)>>>;

/// Starts delivering what is due, one task per lane that is not already busy; each task
/// delivers its lane's due events in order. Returns how many deliveries it handed to lanes.
pub async fn deliver_due(
    host: &Arc<PluginHost>,
    lanes: &Lanes,
) -> Result<usize, crate::PluginError> {
    let now = host.clock.now();
    let due = deliveries::Entity::find()
        .filter(deliveries::Column::Status.eq("pending"))
        .filter(deliveries::Column::NextAttemptAt.lte(now))
        .order_by_asc(deliveries::Column::Id)
        .limit(500)
        .all(&host.db)
        .await?;
    let mut by_lane: BTreeMap<(String, i64), Vec<deliveries::Model>> = BTreeMap::new();
    for d in due {
        by_lane
            .entry((d.plugin_id.clone(), d.station_id))
            .or_default()
            .push(d);
    }
    let mut handed = 0;
    for (lane, list) in by_lane {
        if !lanes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(lane.clone())
        {
            // Still busy with earlier events: these wait for it, in order.
            continue;
        }
        handed += list.len();
        let (host, lanes) = (host.clone(), lanes.clone());
        tokio::spawn(async move {
            for d in list {
                if let Err(e) = deliver_claimed(&host, d).await {
                    tracing::warn!(error = %e, "event delivery failed");
                }
            }
            lanes
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&lane);
        });
    }
    Ok(handed)
}

/// Claims one delivery and makes one attempt, recording the outcome.
async fn deliver_claimed(
    host: &PluginHost,
    d: deliveries::Model,
) -> Result<(), crate::PluginError> {
    // Claim it: another node that read the same row loses this race and skips it.
    let lease = host.clock.now() + chrono::Duration::seconds(60);
    let claimed = deliveries::Entity::update_many()
        .col_expr(deliveries::Column::NextAttemptAt, Expr::val(lease))
        .filter(deliveries::Column::Id.eq(d.id))
        .filter(deliveries::Column::Status.eq("pending"))
        .filter(deliveries::Column::NextAttemptAt.eq(d.next_attempt_at))
        .exec(&host.db)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(());
    }
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
        Err(Retry::Busy(why)) => {
            // The host had no slot: it never ran, so no attempt is spent; soon again.
            am.next_attempt_at = Set(host.clock.now() + chrono::Duration::seconds(1));
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
    Ok(())
}

enum Retry {
    Later(String),
    Busy(String),
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
    host.deliver(&active, event).await.map_err(|e| match e {
        crate::PluginError::Busy(why) => Retry::Busy(why),
        other => Retry::Failed(other.to_string()),
    })
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
        let lanes = Lanes::default();
        let mut rounds: u64 = 0;
        // Schedules run in a task of their own, so a slow scheduled run holds no event back;
        // a round still running when the next is due is not started twice.
        let scheduling = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let last = Arc::new(tokio::sync::Mutex::new(std::collections::HashMap::new()));
        loop {
            tick.tick().await;
            if let Err(e) = fan_out(&host).await {
                tracing::warn!(error = %e, "outbox fan-out failed");
            }
            if let Err(e) = deliver_due(&host, &lanes).await {
                tracing::warn!(error = %e, "event delivery failed");
            }
            // Schedules are coarse: look every 30 s.
            if rounds.is_multiple_of(150)
                && !scheduling.swap(true, std::sync::atomic::Ordering::AcqRel)
            {
                let (host, last, scheduling) = (host.clone(), last.clone(), scheduling.clone());
                tokio::spawn(async move {
                    run_schedules(&host, &mut *last.lock().await).await;
                    scheduling.store(false, std::sync::atomic::Ordering::Release);
                });
            }
            rounds += 1;
        }
    });
}
