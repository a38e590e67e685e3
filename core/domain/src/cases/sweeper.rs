//! Closes cases whose rating window has passed (counted apart as unrated). Runs in `serve`
//! every minute; each close is an ordinary transition by the System role, so it is evented.

use std::time::Duration;

use sea_orm::DatabaseConnection;

use super::actions::{Context, Performer, perform};
use super::commands::{Command, NoteBody};
use crate::clock::Clock;
use crate::configuration::DeadlineRules;
use crate::error::Error;

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

/// Starts the sweep in the background, once a minute, for as long as the process runs; failures are logged and retried at the next tick.
pub fn spawn(db: DatabaseConnection, rules: DeadlineRules, clock: Clock) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            match close_unrated(&db, &rules, &clock).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(closed = n, "closed cases whose rating window passed"),
                Err(e) => tracing::warn!(error = %e, "rating-window sweep failed"),
            }
        }
    });
}
