//! The live feed: "station X changed", sent to the big screen and cockpits over server-sent
//! events within a fraction of a second of a committed transition.
//!
//! Transitions happen in many places (the API, the pages, the sweeper, plugins, the intake
//! writer), so rather than thread a sender through each, one watcher per node reads the new
//! rows of `case_events` a few times a second and publishes each changed station once. It only
//! ever sees committed rows, so a message always follows the commit; and because it reads the
//! shared database, a transition on any node reaches the screens on every node (the same effect
//! as PostgreSQL LISTEN/NOTIFY, on SQLite too). Each look is one indexed range read of the
//! event ids above the last seen: next to nothing when nothing happened.
//!
//! On PostgreSQL ids are handed out before commit, so a row with a lower id can become visible
//! after a higher one; the watcher looks back a window of ids and remembers which it has sent.

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement, Value as DbValue};
use serde::Serialize;
use tokio::sync::broadcast;

/// How often the watcher looks for new events while someone listens.
const TICK: Duration = Duration::from_millis(200);
/// How far back (in event ids) a late-committing row is still caught.
const LOOK_BACK: i64 = 512;

/// One message of the feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The station whose cases changed (`stations.id`); listeners re-read its figures.
    pub station_id: i64,
}

/// The sender every SSE subscriber listens to; kept in `AppState`.
#[derive(Clone)]
pub struct Live {
    tx: broadcast::Sender<Change>,
    /// True once the server is stopping: every listener's stream ends.
    closing: std::sync::Arc<tokio::sync::watch::Sender<bool>>,
}

impl Default for Live {
    fn default() -> Self {
        Self::new()
    }
}

impl Live {
    /// A feed with nobody listening yet (holds up to 1024 unread messages per listener).
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(1024);
        let (closing, _) = tokio::sync::watch::channel(false);
        Live {
            tx,
            closing: std::sync::Arc::new(closing),
        }
    }

    /// Ends every listener's stream: the server is stopping, and a stream left open would hold
    /// the shutdown for its whole grace period.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// What a listener watches to learn that the server is stopping (true then).
    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// A new listener: it gets every change published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.tx.subscribe()
    }

    /// Tells the listeners that `station_id` changed (a lagging listener just misses some).
    pub fn publish(&self, station_id: i64) {
        let _ = self.tx.send(Change { station_id });
    }

    /// Starts the watcher of `case_events` on `db`.
    pub fn spawn_watcher(&self, db: DatabaseConnection) {
        let live = self.clone();
        tokio::spawn(async move {
            let mut watch = Watch::default();
            let mut tick = tokio::time::interval(TICK);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match watch.poll(&db).await {
                    // Nobody listening: the position still moves, so a screen that connects
                    // later is told only of what happens after it connected.
                    Ok(stations) => stations.into_iter().for_each(|s| live.publish(s)),
                    Err(e) => tracing::warn!(error = %e, "live feed: reading new events"),
                }
            }
        });
    }
}

/// The watcher's position: the highest event id seen, and which ids in the look-back window
/// were already sent.
#[derive(Default)]
struct Watch {
    last: Option<i64>,
    seen: HashSet<i64>,
}

impl Watch {
    async fn poll(&mut self, db: &DatabaseConnection) -> Result<BTreeSet<i64>, DbErr> {
        let backend = db.get_database_backend();
        let (last, first) = match self.last {
            Some(l) => (l, false),
            None => {
                let row = db
                    .query_one_raw(Statement::from_string(
                        backend,
                        "SELECT COALESCE(MAX(id), 0) AS id FROM case_events",
                    ))
                    .await?;
                let max = match row {
                    Some(r) => r.try_get::<i64>("", "id")?,
                    None => 0,
                };
                // The first look only learns where the history stands; it announces nothing.
                (max, true)
            }
        };
        let sql = match backend {
            sea_orm::DbBackend::Postgres => {
                "SELECT e.id AS id, c.station_id AS station_id FROM case_events e \
                 JOIN cases c ON c.id = e.case_id WHERE e.id > $1 ORDER BY e.id LIMIT 5000"
            }
            _ => {
                "SELECT e.id AS id, c.station_id AS station_id FROM case_events e \
                 JOIN cases c ON c.id = e.case_id WHERE e.id > ? ORDER BY e.id LIMIT 5000"
            }
        };
        let from = (last - LOOK_BACK).max(0);
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [DbValue::from(from)],
            ))
            .await?;
        let mut stations = BTreeSet::new();
        let mut top = last;
        for r in rows {
            let id: i64 = r.try_get("", "id")?;
            let station: i64 = r.try_get("", "station_id")?;
            if self.seen.insert(id) && (!first || id > last) {
                stations.insert(station);
            }
            top = top.max(id);
        }
        self.last = Some(top);
        self.seen.retain(|id| *id > top - LOOK_BACK);
        Ok(stations)
    }
}
