//! Closes cases whose rating window has passed (counted apart as unrated). Runs in `serve`
//! every minute, on one node of a cluster at a time (the job `sweeper`, see [`crate::jobs`]);
//! each close is an ordinary transition by the System role, so it is evented, and a close that
//! another node made first is refused by the state check and skipped.

use std::time::Duration;

use sea_orm::DatabaseConnection;

use super::actions::{Context, Performer, perform};
use super::commands::{Command, NoteBody};
use crate::clock::Clock;
use crate::configuration::DeadlineRules;
use crate::error::Error;
use crate::jobs::{Jobs, Running};

/// Closes (as the System role) up to 500 cases whose rating window has passed, and says how many it closed; a case rated or reopened meanwhile is skipped.
pub async fn close_unrated(
    db: &DatabaseConnection,
    rules: &DeadlineRules,
    clock: &Clock,
) -> Result<usize, Error> {
    let now = clock.now();
    let ids = super::queries::rating_window_passed(db, super::queries::today(now), 500).await?;
    let ctx = Context { rules, now };
    let mut closed = 0;
    for id in ids {
        match perform(
            db,
            &ctx,
            &Performer::System,
            id,
            Command::Close(NoteBody::default()),
        )
        .await
        {
            Ok(_) => closed += 1,
            // Rated or reopened meanwhile: nothing to do.
            Err(Error::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(closed)
}

/// The sweep's job name in `job_leases`.
pub const JOB: &str = "sweeper";

/// Starts the sweep in the background, once a minute on whichever node holds its lease, for as
/// long as the returned [`Running`] lives; failures are logged and retried at the next tick.
pub fn spawn(jobs: &Jobs, db: DatabaseConnection, rules: DeadlineRules, clock: Clock) -> Running {
    jobs.spawn(JOB, Duration::from_secs(60), move || {
        let (db, rules, clock) = (db.clone(), rules.clone(), clock.clone());
        async move {
            let n = close_unrated(&db, &rules, &clock).await?;
            if n > 0 {
                tracing::info!(closed = n, "closed cases whose rating window passed");
            }
            Ok::<(), Error>(())
        }
    })
}
