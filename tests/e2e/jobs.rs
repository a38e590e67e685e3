//! Jobs that must run once across a cluster: two nodes over one database, each starting every
//! job; exactly one runs each, and when that node is stopped without a word (its task aborted,
//! its lease left to lapse) the other takes the job over. Leases are short here so that the
//! takeover comes within a second or two; the figures are settings.

use std::time::{Duration, Instant};

use crate::nodes::Node;
use crate::support::{Backend, prepare_app};

both_backends!(each_job_runs_on_one_node_and_moves_when_it_dies);

/// Every job `serve` starts that must run once across the cluster.
const JOBS: [&str; 3] = [
    liaison_domain::cases::sweeper::JOB,
    liaison_host::outbox::DELIVERY_JOB,
    liaison_host::outbox::SCHEDULES_JOB,
];

/// Waits (polling, at most `limit`) until `done` holds; panics with `what` otherwise.
async fn until(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "{what} within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn each_job_runs_on_one_node_and_moves_when_it_dies(b: Backend) {
    let prepared = prepare_app(b, |s| {
        s.jobs.lease_ms = 1_500;
        s.jobs.renew_ms = 250;
    })
    .await;
    let (db, settings, clock) = (&prepared.db, &prepared.settings, &prepared.clock);
    let first = Node::start(db, settings, clock).await;
    let second = Node::start(db, settings, clock).await;
    assert_ne!(first.jobs.node(), second.jobs.node());

    // Every job starts on one of them.
    until(Duration::from_secs(20), "every job started", || {
        JOBS.iter()
            .all(|j| first.jobs.runs(j) + second.jobs.runs(j) > 0)
    })
    .await;
    // Several renewals later, each still runs on that node alone. (The outbox job ticks every
    // 200 ms, so its count shows the holder working on; the others tick once a minute.)
    let outbox = liaison_host::outbox::DELIVERY_JOB;
    let before = first.jobs.runs(outbox).max(second.jobs.runs(outbox));
    until(Duration::from_secs(20), "the outbox job ticking on", || {
        first.jobs.runs(outbox).max(second.jobs.runs(outbox)) >= before + 10
    })
    .await;
    for j in JOBS {
        let (a, b) = (first.jobs.runs(j), second.jobs.runs(j));
        assert!(
            (a == 0) != (b == 0),
            "{j} runs on exactly one node: {a} and {b} runs"
        );
        let holder = first.jobs.holder(j).await.unwrap();
        let runner = if a > 0 { &first } else { &second };
        assert_eq!(holder.as_deref(), Some(runner.jobs.node()), "{j}'s lease");
    }

    // The holder of the sweeper dies without a word; the other node takes every job it held.
    let sweeper = liaison_domain::cases::sweeper::JOB;
    let (dead, alive) = if first.jobs.runs(sweeper) > 0 {
        (first, second)
    } else {
        (second, first)
    };
    let held: Vec<&str> = JOBS.into_iter().filter(|j| dead.jobs.runs(j) > 0).collect();
    let runs_before: Vec<u64> = held.iter().map(|j| alive.jobs.runs(j)).collect();
    dead.kill();
    let died = Instant::now();
    until(
        Duration::from_secs(20),
        "the dead node's jobs stopping",
        || dead.jobs.alive() == 0,
    )
    .await;
    let dead_runs: Vec<u64> = held.iter().map(|j| dead.jobs.runs(j)).collect();
    until(
        Duration::from_secs(20),
        "the other node taking the jobs over",
        || {
            held.iter()
                .zip(&runs_before)
                .all(|(j, before)| alive.jobs.runs(j) > *before)
        },
    )
    .await;
    // Not before the lease lapsed (the dead node renewed at most `renew_ms` before it died).
    assert!(
        died.elapsed() >= Duration::from_millis(1_500 - 250),
        "taken over only once the lease lapsed ({:?})",
        died.elapsed()
    );
    for (j, before) in held.iter().zip(&dead_runs) {
        assert_eq!(
            dead.jobs.runs(j),
            *before,
            "{j} stays stopped on the dead node"
        );
        assert_eq!(
            alive.jobs.holder(j).await.unwrap().as_deref(),
            Some(alive.jobs.node()),
            "{j}'s lease moved"
        );
    }
    // Jobs the survivor held already stay with it.
    for j in JOBS.into_iter().filter(|j| !held.contains(j)) {
        assert!(alive.jobs.runs(j) > 0, "{j} still runs on the survivor");
    }
    drop(dead);
    drop(alive);
    drop(prepared);
}
