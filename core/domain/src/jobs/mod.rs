//! Jobs that must run on one node at a time across a cluster: the rating-window sweeper, the
//! plugin outbox and schedules, and any later periodic work (notification digests). Every node
//! starts every job; each job has a lease, a row of `job_leases` naming the node that holds it
//! and until when. Only the holder runs the job; it renews the lease while it lives; when it
//! dies (or is stopped) the lease lapses and the next node that looks takes it over.
//!
//! ## Why leases in a table, not PostgreSQL advisory locks
//!
//! - The same code runs on SQLite and PostgreSQL, so the tests of both backends exercise it
//!   and a single SQLite node needs nothing set up: it takes every lease at its first look.
//! - An advisory lock lives as long as the session that took it, so each job would pin one
//!   pooled connection for the life of the process, and a node whose connection hangs would
//!   hold the job until TCP gives up. A lease is a plain row written for a moment every
//!   `renew_ms`, and its lapse is a setting (`lease_ms`), not a network timeout.
//! - Who runs what is visible and explainable with one query (`SELECT * FROM job_leases`).
//!
//! The price: a job moves to another node only when the lease lapses (at most `lease_ms` +
//! `renew_ms` after its holder died; at once after a clean stop, which releases its leases),
//! and nodes' clocks must agree to well within `lease_ms` (NTP does). A holder too slow to
//! renew in time (a stalled machine) can overlap for a moment with the node that took over;
//! every job here is safe under that, because its writes are transitions checked inside their
//! own transactions (the sweeper) or claims of single rows (the outbox deliveries). A new job
//! must be as well.
//!
//! ## Running a job once across the cluster
//!
//! ```ignore
//! // In `serve`, with the node's `Jobs` (one per process, made at startup):
//! let _digests = jobs.spawn("notification-digests", Duration::from_secs(300), move || {
//!     let db = db.clone();
//!     async move { send_digests(&db).await }   // Result<(), impl Display>
//! });
//! // Keep the returned `Running` for as long as the job should run: dropping it stops it.
//! ```
//!
//! `tick` runs at once when the node takes the lease, then every `every` while it holds it; an
//! error is logged and the job goes on at the next tick.

mod lease;

use std::collections::HashMap;
use std::fmt::Display;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::RngCore;
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use tokio::time::Instant;

/// `[jobs]` in the configuration: how long a lease lasts and how often its holder renews it.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct JobSettings {
    /// A lease lapses this long after its holder's last renewal; another node takes it over
    /// then. Longer rides out a slow holder; shorter moves a dead node's jobs sooner.
    pub lease_ms: u64,
    /// How often the holder renews, and how often the other nodes look for a lapsed lease.
    /// Keep it well under `lease_ms` (a third or less).
    pub renew_ms: u64,
}

impl Default for JobSettings {
    fn default() -> Self {
        JobSettings {
            lease_ms: 30_000,
            renew_ms: 10_000,
        }
    }
}

/// This node's side of the cluster's jobs: its name in the leases, the database, and how
/// often each job has run here. Cheap to clone; clones share the counts.
#[derive(Clone)]
pub struct Jobs {
    db: DatabaseConnection,
    node: Arc<str>,
    settings: JobSettings,
    runs: Arc<Mutex<HashMap<&'static str, u64>>>,
    alive: Arc<std::sync::atomic::AtomicUsize>,
}

/// Counts a job loop as alive while it exists: dropped when the task ends or is aborted.
struct Alive(Arc<std::sync::atomic::AtomicUsize>);

impl Alive {
    fn new(n: &Arc<std::sync::atomic::AtomicUsize>) -> Alive {
        n.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        Alive(n.clone())
    }
}

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

/// A job running in the background; dropping it stops the job (its lease then lapses).
#[must_use = "the job stops when this is dropped"]
pub struct Running(tokio::task::AbortHandle);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Jobs {
    /// This node's jobs, named by the host name, the process id and a random part (so two
    /// processes, or two servers in one test process, are never taken for one another).
    pub fn new(db: DatabaseConnection, settings: JobSettings) -> Jobs {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "node".into());
        let mut random = [0u8; 4];
        rand::rng().fill_bytes(&mut random);
        let node = format!(
            "{}-{}-{}",
            host.chars().take(64).collect::<String>(),
            std::process::id(),
            hex::encode(random)
        );
        Jobs {
            db,
            node: node.into(),
            settings,
            runs: Arc::default(),
            alive: Arc::default(),
        }
    }

    /// This node's name in `job_leases.holder`.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// How many times `name` has started on this node.
    pub fn runs(&self, name: &str) -> u64 {
        self.runs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .copied()
            .unwrap_or(0)
    }

    /// How many jobs this node has started and not stopped (whether it holds their leases or
    /// waits for them).
    pub fn alive(&self) -> usize {
        self.alive.load(std::sync::atomic::Ordering::Acquire)
    }

    /// The node holding the lease of `name` now (None when nobody ever held it or it lapsed).
    pub async fn holder(&self, name: &str) -> Result<Option<String>, crate::Error> {
        Ok(lease::holder(&self.db, name)
            .await?
            .filter(|(_, until)| *until > chrono::Utc::now())
            .map(|(h, _)| h))
    }

    /// Runs `tick` every `every` on whichever node holds the lease of `name` (see the module's
    /// comment): at once when this node takes the lease, then every `every` while it holds it.
    /// Runs until the returned [`Running`] is dropped.
    pub fn spawn<F, Fut, E>(&self, name: &'static str, every: Duration, tick: F) -> Running
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), E>> + Send,
        E: Display + Send,
    {
        let alive = Alive::new(&self.alive);
        let jobs = self.clone();
        let task = tokio::spawn(async move {
            let _alive = alive;
            jobs.run(name, every, tick).await
        });
        Running(task.abort_handle())
    }

    /// Lets this node's leases lapse now, so the other nodes take its jobs at their next look;
    /// for a clean shutdown, after its jobs were stopped.
    pub async fn release(&self) {
        match lease::release_all(&self.db, &self.node, chrono::Utc::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(leases = n, "released this node's jobs"),
            Err(e) => tracing::warn!(error = %e, "releasing this node's jobs"),
        }
    }

    /// Takes or renews the lease of `name`; false on a database error too (a node that cannot
    /// reach the database must not go on as if it held the job).
    async fn claim(&self, name: &str) -> bool {
        let now = chrono::Utc::now();
        let until = now + chrono::Duration::milliseconds(self.lease_ms());
        match lease::claim(&self.db, name, &self.node, now, until).await {
            Ok(held) => held,
            Err(e) => {
                tracing::warn!(job = name, error = %e, "could not take or renew a job's lease");
                false
            }
        }
    }

    fn lease_ms(&self) -> i64 {
        i64::try_from(self.settings.lease_ms.max(1)).unwrap_or(i64::MAX)
    }

    fn renew(&self) -> Duration {
        Duration::from_millis(self.settings.renew_ms.max(1))
    }

    async fn run<F, Fut, E>(self, name: &'static str, every: Duration, mut tick: F)
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: Display,
    {
        let renew = self.renew();
        let mut held = false;
        let mut claimed_at = Instant::now();
        let mut next_run = Instant::now();
        loop {
            if !held || claimed_at.elapsed() >= renew {
                let now_held = self.claim(name).await;
                claimed_at = Instant::now();
                if now_held && !held {
                    tracing::info!(job = name, node = %self.node, "this node runs the job now");
                    next_run = Instant::now();
                } else if held && !now_held {
                    tracing::warn!(job = name, "this node lost the job's lease to another");
                }
                held = now_held;
            }
            if held && Instant::now() >= next_run {
                *self
                    .runs
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .entry(name)
                    .or_default() += 1;
                let run = tick();
                tokio::pin!(run);
                // A long run keeps its lease: renewed on time while it works. The renewal is
                // polled beside the run, never instead of it: a run holding SQLite's one
                // connection (in a transaction) while a renewal waited for that connection
                // stalled every query of the node for the pool's whole acquire timeout.
                let outcome = loop {
                    let renewal = async {
                        tokio::time::sleep_until(claimed_at + renew).await;
                        self.claim(name).await
                    };
                    tokio::select! {
                        outcome = &mut run => break outcome,
                        still = renewal => {
                            if held && !still {
                                tracing::warn!(job = name, "lost the job's lease during a run; finishing it");
                            }
                            held = still;
                            claimed_at = Instant::now();
                        }
                    }
                };
                if let Err(e) = outcome {
                    tracing::warn!(job = name, error = %e, "a run of the job failed");
                }
                next_run = Instant::now() + every;
            }
            let wake = if held {
                next_run.min(claimed_at + renew)
            } else {
                claimed_at + renew
            };
            tokio::time::sleep_until(wake).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, TransactionTrait};

    use super::*;

    /// SQLite has one connection: a run that holds it in a transaction across a renewal must
    /// go on while the renewal waits for it, not wait for the renewal — which, with the run not
    /// polled, could only give up at the pool's acquire timeout (30 s), stalling every query
    /// of the node meanwhile. Once the run lets the connection go, the lease is renewed.
    #[tokio::test]
    async fn a_run_holding_the_connection_goes_on_while_its_lease_is_renewed() {
        let db = crate::db::testing::memory().await;
        let jobs = Jobs::new(
            db.clone(),
            JobSettings {
                lease_ms: 60_000,
                renew_ms: 50,
            },
        );
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let run_db = db.clone();
        let _running = jobs.spawn("hold", Duration::from_secs(3600), move || {
            let (db, tx) = (run_db.clone(), tx.clone());
            async move {
                let started = Instant::now();
                let txn = db.begin().await?;
                // Several renewals fall due while the transaction holds the connection.
                tokio::time::sleep(Duration::from_millis(300)).await;
                txn.execute_unprepared("SELECT 1").await?;
                txn.commit().await?;
                let _ = tx.send(started.elapsed());
                Ok::<(), sea_orm::DbErr>(())
            }
        });
        let took = tokio::time::timeout(Duration::from_secs(60), rx.recv())
            .await
            .expect("the run ends")
            .expect("the run reports");
        assert!(
            took < Duration::from_secs(10),
            "the run waited for its own renewal: {took:?}"
        );
        // The renewal that waited goes through after the run.
        let first = lease::holder(&db, "hold").await.unwrap().unwrap().1;
        let start = Instant::now();
        loop {
            let until = lease::holder(&db, "hold").await.unwrap().unwrap();
            if until.1 > first {
                assert_eq!(until.0, jobs.node());
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(10), "never renewed");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
