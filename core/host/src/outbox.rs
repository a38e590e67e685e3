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
use sea_orm::TransactionTrait;

use crate::bindings::v0_1::liaison::brand::types::CaseEvent;
use crate::{PluginHost, registry};
use liaison_domain::jobs::{Jobs, Running};
use liaison_domain::plugins::Delivery;
use liaison_domain::plugins::outbox::{self, DeliveryChange};
use liaison_domain::stations;

/// Fans undispatched outbox rows out into deliveries. Returns how many rows it handled.
pub async fn fan_out(host: &PluginHost) -> Result<usize, crate::PluginError> {
    let rows = outbox::undispatched(&host.db, 200).await?;
    let now = host.clock.now();
    for row in &rows {
        let listeners = registry::enabled_at(host, row.station_id).await?;
        let to: Vec<&str> = listeners
            .iter()
            .filter(|(_, manifest)| manifest.listens.iter().any(|a| a == &row.action))
            .map(|(sp, _)| sp.plugin_id.as_str())
            .collect();
        // The deliveries and the mark that the event is dispatched land together.
        let txn = host.db.begin().await?;
        outbox::fan_out(&txn, row, &to, now).await?;
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
    let due = outbox::due(&host.db, now, 500).await?;
    let mut by_lane: BTreeMap<(String, i64), Vec<Delivery>> = BTreeMap::new();
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
async fn deliver_claimed(host: &PluginHost, d: Delivery) -> Result<(), crate::PluginError> {
    // Claim it: another node that read the same row loses this race and skips it.
    let lease = host.clock.now() + chrono::Duration::seconds(60);
    if !outbox::claim(&host.db, &d, lease).await? {
        return Ok(());
    }
    let outcome = deliver_one(host, &d).await;
    let mut change = DeliveryChange {
        status: None,
        attempts: None,
        next_attempt_at: None,
        last_error: None,
        updated_at: host.clock.now(),
    };
    match outcome {
        Ok(()) => change.status = Some("done".into()),
        Err(Retry::Later(why)) => {
            // Disabled or suspended: wait without spending attempts.
            change.next_attempt_at = Some(host.clock.now() + chrono::Duration::seconds(60));
            change.last_error = Some(why);
        }
        Err(Retry::Busy(why)) => {
            // The host had no slot: it never ran, so no attempt is spent; soon again.
            change.next_attempt_at = Some(host.clock.now() + chrono::Duration::seconds(1));
            change.last_error = Some(why);
        }
        Err(Retry::Failed(why)) => {
            let attempts = d.attempts + 1;
            change.attempts = Some(attempts);
            change.last_error = Some(why.chars().take(500).collect());
            if attempts >= host.settings.max_delivery_attempts {
                change.status = Some("parked".into());
                tracing::warn!(delivery = d.id, plugin = %d.plugin_id, "case event parked after repeated failures");
            } else {
                change.next_attempt_at = Some(host.clock.now() + backoff(attempts));
            }
        }
    }
    outbox::settle(&host.db, d, change).await?;
    Ok(())
}

enum Retry {
    Later(String),
    Busy(String),
    Failed(String),
}

async fn deliver_one(host: &PluginHost, d: &Delivery) -> Result<(), Retry> {
    let station = stations::by_id(&host.db, d.station_id)
        .await
        .map_err(|e| Retry::Failed(e.to_string()))?
        .ok_or_else(|| Retry::Failed("station is gone".into()))?;
    let active = match registry::active(host, &station.code, &d.plugin_id).await {
        Ok(a) => a,
        Err(crate::PluginError::Unavailable(why)) => return Err(Retry::Later(why)),
        Err(e) => return Err(Retry::Failed(e.to_string())),
    };
    let row = outbox::event(&host.db, d.outbox_id)
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

/// The job names of the outbox's delivery and of the plugin schedules in `job_leases`.
pub const DELIVERY_JOB: &str = "plugin-outbox";
pub const SCHEDULES_JOB: &str = "plugin-schedules";

/// Starts the two jobs of the plugins, each on one node of a cluster at a time (see
/// `liaison_domain::jobs`): event delivery, looking every 200 ms, and schedules, every 30 s.
/// Schedules are a job of their own so that a slow scheduled run holds no event back. They run
/// while the returned guards live.
///
/// A node that takes the schedules over from another does not know when each last ran there,
/// so it runs every schedule once at takeover: one early run, on one node, when a node dies.
pub fn spawn(host: Arc<PluginHost>, jobs: &Jobs) -> [Running; 2] {
    let lanes = Lanes::default();
    let delivery = {
        let host = host.clone();
        jobs.spawn(DELIVERY_JOB, Duration::from_millis(200), move || {
            let (host, lanes) = (host.clone(), lanes.clone());
            async move {
                if let Err(e) = fan_out(&host).await {
                    tracing::warn!(error = %e, "outbox fan-out failed");
                }
                deliver_due(&host, &lanes).await.map(|_| ())
            }
        })
    };
    let last = Arc::new(tokio::sync::Mutex::new(std::collections::HashMap::new()));
    let schedules = jobs.spawn(SCHEDULES_JOB, Duration::from_secs(30), move || {
        let (host, last) = (host.clone(), last.clone());
        async move {
            run_schedules(&host, &mut *last.lock().await).await;
            Ok::<(), std::convert::Infallible>(())
        }
    });
    [delivery, schedules]
}
