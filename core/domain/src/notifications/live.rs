//! The bell's live feed: "user U has a new message", for the per-user server-sent events.
//!
//! As with the dashboards' feed (`dashboard::live`), one watcher per node reads the new rows of
//! the inbox a few times a second, so a message delivered by any node rings the bell of a user
//! connected to any other node, and only committed rows are announced. Ids handed out before a
//! late commit (PostgreSQL) are caught by looking back a window of ids.

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

use sea_orm::DatabaseConnection;
use tokio::sync::broadcast;

const TICK: Duration = Duration::from_millis(250);
const LOOK_BACK: i64 = 512;

/// The sender every bell stream listens to.
#[derive(Clone)]
pub struct Bell {
    tx: broadcast::Sender<i64>,
}

impl Default for Bell {
    fn default() -> Self {
        Self::new()
    }
}

impl Bell {
    /// A feed with nobody listening yet.
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(1024);
        Bell { tx }
    }

    /// A new listener: the ids of users with a new message, from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<i64> {
        self.tx.subscribe()
    }

    /// Starts the watcher of the inbox on `db`.
    pub fn spawn_watcher(&self, db: DatabaseConnection) -> tokio::task::JoinHandle<()> {
        let bell = self.clone();
        tokio::spawn(async move {
            let mut last: Option<i64> = None;
            let mut seen: HashSet<i64> = HashSet::new();
            // What stood before the watcher started is never announced.
            let mut floor = 0;
            let mut tick = tokio::time::interval(TICK);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if last.is_none() {
                    // The first look only learns where the inbox stands; it announces nothing.
                    match super::inbox::newest(&db).await {
                        Ok(n) => {
                            last = Some(n);
                            floor = n;
                        }
                        Err(e) => tracing::warn!(error = %e, "bell: reading the inbox"),
                    }
                    continue;
                }
                let from = last.map(|l| (l - LOOK_BACK).max(0)).unwrap_or(0);
                let rows = match super::inbox::arrivals_since(&db, from).await {
                    Ok(r) => r,
                    Err(e) => {
                        tracing::warn!(error = %e, "bell: reading new messages");
                        continue;
                    }
                };
                let mut top = last.unwrap_or(0);
                let mut users = BTreeSet::new();
                for (id, user) in rows {
                    if seen.insert(id) && id > floor {
                        users.insert(user);
                    }
                    top = top.max(id);
                }
                last = Some(top);
                seen.retain(|id| *id > top - LOOK_BACK);
                for u in users {
                    let _ = bell.tx.send(u);
                }
            }
        })
    }
}
