//! The co-organisations' opinion deadline (协办意见期限): a co-organisation sends its opinion to
//! the lead within one month of the assignment (`co_opinion_months`), counted like every other
//! limit and moved to a working day. Until it has sent it, the opinion is due soon or overdue on
//! the working-day calendar, as its own desk and the item's page show; once sent, whether it
//! came on time is kept in the step's event.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;

use super::Suggestion;
use super::entity::{orgs as handling, suggestions};
use super::lifecycle::Status;
use super::queries::View;
use crate::auth::Actor;
use crate::cases::deadlines::{Timeliness, local_today};
use crate::error::Error;

/// Whether an item still waits for co-organisations' opinions: being handled by them.
fn awaiting(s: &Suggestion) -> bool {
    matches!(s.status, Status::Assigned | Status::Rehandling)
}

/// Where one co-organisation's opinion stands: its timeliness while owed, None for the lead,
/// once sent, or once the item is past handling.
pub fn standing(view: &View<'_>, s: &Suggestion, h: &handling::Model) -> Option<Timeliness> {
    if h.part != "co" || h.opinion.is_some() || !awaiting(s) {
        return None;
    }
    view.timeliness(s.co_opinion_deadline)
}

/// Whether an opinion sent at `at` met `deadline` (the deadline day itself is on time).
pub fn on_time(deadline: Option<NaiveDate>, at: DateTime<Utc>) -> Option<bool> {
    deadline.map(|d| local_today(at) <= d)
}

/// An opinion a co-organisation still owes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OwedOpinion {
    /// The item's id.
    pub id: i64,
    /// The last day to send it.
    pub deadline: NaiveDate,
    /// Due soon or overdue on the working-day calendar.
    pub timeliness: Timeliness,
}

/// The opinions `actor`'s organisation owes as a co-organisation, soonest first; nothing for
/// anyone who is not a handler.
pub async fn owed(
    db: &impl ConnectionTrait,
    view: &View<'_>,
    actor: &Actor,
) -> Result<Vec<OwedOpinion>, Error> {
    let Some(org) = actor.organisation_id else {
        return Ok(Vec::new());
    };
    let rows = handling::Entity::find()
        .filter(handling::Column::OrganisationId.eq(org))
        .filter(handling::Column::Part.eq("co"))
        .filter(handling::Column::Opinion.is_null())
        .all(db)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|h| h.suggestion_id).collect();
    let items = suggestions::Entity::find()
        .filter(suggestions::Column::Id.is_in(ids))
        .order_by_asc(suggestions::Column::CoOpinionDeadline)
        .all(db)
        .await?;
    Ok(items
        .iter()
        .filter(|s| awaiting(s))
        .filter_map(|s| {
            let h = rows.iter().find(|h| h.suggestion_id == s.id)?;
            Some(OwedOpinion {
                id: s.id,
                deadline: s.co_opinion_deadline?,
                timeliness: standing(view, s, h)?,
            })
        })
        .collect())
}
