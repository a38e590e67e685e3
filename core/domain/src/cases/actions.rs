//! Every transition of a case: the command's body is checked, the state machine consulted, the
//! case row and its event written in one transaction. The update is conditional on the state
//! read, so two people acting at once cannot both win. What each action does is in
//! `transitions`; the commands and their bodies are in `commands`.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, Set, TransactionTrait,
};
use serde_json::Value;

use super::commands::{Command, NoteAudience};
use super::deadlines::{Limits, local_today};
use super::entity::{cases, events};
use super::lifecycle::{self, Action, Refusal, Status};
use super::scope;
use super::transitions::{self as to, Change, Step};
use crate::auth::{Actor, Role};
use crate::calendar::Calendar;
use crate::categories;
use crate::configuration::DeadlineRules;
use crate::error::Error;

/// Who is acting: a signed-in user, a resident holding the receipt code, or Liaison itself.
#[derive(Debug, Clone)]
pub enum Performer {
    /// A signed-in user (station staff, deputy, handler organisation, ops), acting under their
    /// role and scope.
    User(Actor),
    /// A resident acting on their own case, e.g. rating it, identified only by the receipt code.
    Resident {
        /// The code printed on the resident's receipt (回执), which stands in for a login.
        receipt_code: String,
    },
    /// Liaison itself: the overdue sweeper's reminders and other automatic steps.
    System,
}

impl Performer {
    /// The role the lifecycle checks the action against; residents and the system have their own.
    pub fn role(&self) -> Role {
        match self {
            Performer::User(a) => a.role,
            Performer::Resident { .. } => Role::Resident,
            Performer::System => Role::System,
        }
    }

    fn name(&self) -> String {
        match self {
            Performer::User(a) => a.display_name.clone(),
            Performer::Resident { .. } => "群众".into(),
            Performer::System => "系统".into(),
        }
    }

    fn user_id(&self) -> Option<i64> {
        match self {
            Performer::User(a) => Some(a.user_id),
            _ => None,
        }
    }
}

/// Everything an action needs besides the case itself.
pub struct Context<'a> {
    /// The time limits in force (working days per stage), from configuration.
    pub rules: &'a DeadlineRules,
    /// The moment of the action; deadlines are counted from its Asia/Shanghai date.
    pub now: DateTime<Utc>,
}

fn refusal(r: Refusal) -> Error {
    match r {
        Refusal::WrongRole { .. } => Error::Forbidden(r.to_string()),
        Refusal::WrongState { .. } => Error::Conflict(r.to_string()),
    }
}

/// Loads a case the performer may see, or 404 (a case out of scope does not exist for them).
async fn load(
    txn: &DatabaseTransaction,
    who: &Performer,
    case_id: i64,
) -> Result<cases::Model, Error> {
    let found = match who {
        Performer::User(actor) => {
            scope::visible(actor)
                .filter(cases::Column::Id.eq(case_id))
                .one(txn)
                .await?
        }
        Performer::Resident { receipt_code } => cases::Entity::find_by_id(case_id)
            .one(txn)
            .await?
            .filter(|c| {
                super::receipt::normalise(receipt_code).as_deref() == Some(c.receipt_code.as_str())
            }),
        Performer::System => cases::Entity::find_by_id(case_id).one(txn).await?,
    };
    found.ok_or_else(|| Error::not_found(format!("no case {case_id}")))
}

/// Performs `command` on case `case_id` as `who`: the whole transition in one transaction, or
/// nothing. Answers the case as it is after.
pub async fn perform(
    db: &DatabaseConnection,
    ctx: &Context<'_>,
    who: &Performer,
    case_id: i64,
    command: Command,
) -> Result<cases::Model, Error> {
    let action = command.action();
    let rating = match &command {
        Command::Rate(b) => Some(b.rating),
        _ => None,
    };
    let txn = db.begin().await?;
    let case = load(&txn, who, case_id).await?;
    let from = case.status;
    lifecycle::next(from, action, who.role(), rating).map_err(refusal)?;
    let mut m = case.clone().into_active_model();
    let change = apply(&txn, ctx, who, &case, from, command, &mut m).await?;

    m.status = Set(change.to);
    m.updated_at = Set(ctx.now);
    // Conditional on the state we read: someone acting meanwhile makes this a clean 409.
    let updated = cases::Entity::update_many()
        .set(m)
        .filter(cases::Column::Id.eq(case.id))
        .filter(cases::Column::Status.eq(case.status.as_str()))
        .filter(cases::Column::UpdatedAt.eq(case.updated_at))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(Error::Conflict(format!(
            "case {case_id} changed while you were acting; reload and try again"
        )));
    }
    let event = record(
        &txn,
        &case,
        action.as_str(),
        from,
        change.to,
        who,
        change.note,
        change.note_audience,
        change.public,
        Some(change.data),
        ctx.now,
    )
    .await?;
    let after = cases::Entity::find_by_id(case.id)
        .one(&txn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("case vanished"))?;
    // Same transaction: the dashboards' counters move if and only if the transition commits.
    crate::dashboard::counters::on_transition(&txn, &case, &after, &event).await?;
    // Same transaction: people are told if and only if the transition commits.
    crate::notifications::outbox::on_case_event(&txn, &after, &event).await?;
    txn.commit().await?;
    tracing::info!(
        case_id,
        action = action.as_str(),
        from = from.as_str(),
        to = change.to.as_str(),
        role = who.role().as_str(),
        "case transition"
    );
    Ok(after)
}

/// Writes one event of a case (a transition, or a note such as a contact reveal) and queues it
/// for plugins, inside the caller's transaction so both happen or neither. `public` events
/// appear on the resident's tracking page, their note only when its audience is public; `data`
/// that is JSON null is stored as none.
#[allow(clippy::too_many_arguments)]
pub async fn record(
    txn: &DatabaseTransaction,
    case: &cases::Model,
    action: &str,
    from: Status,
    to: Status,
    who: &Performer,
    note: Option<String>,
    note_audience: NoteAudience,
    public: bool,
    data: Option<Value>,
    now: DateTime<Utc>,
) -> Result<events::Model, Error> {
    let event = events::ActiveModel {
        case_id: Set(case.id),
        action: Set(action.to_owned()),
        from_status: Set(from.as_str().to_owned()),
        to_status: Set(to.as_str().to_owned()),
        actor_role: Set(who.role().as_str().to_owned()),
        actor_user_id: Set(who.user_id()),
        actor_name: Set(who.name()),
        note: Set(note),
        note_public: Set(public && note_audience.is_public()),
        public: Set(public),
        data: Set(data.filter(|d| !d.is_null()).map(|d| d.to_string())),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    // Same transaction: the event reaches plugins if and only if the transition commits.
    crate::plugins::outbox::enqueue(txn, &event, case.station_id).await?;
    Ok(event)
}

/// Runs the action's own transition with what it reads besides its body.
async fn apply(
    txn: &DatabaseTransaction,
    ctx: &Context<'_>,
    who: &Performer,
    case: &cases::Model,
    from: Status,
    command: Command,
    m: &mut cases::ActiveModel,
) -> Result<Change, Error> {
    let category_code = categories::entity::Entity::find_by_id(case.category_id)
        .one(txn)
        .await?
        .map(|c| c.code)
        .unwrap_or_default();
    let cal = Calendar::load(txn).await?;
    let s = Step {
        txn,
        ctx,
        cal: &cal,
        today: local_today(ctx.now),
        who,
        case,
        from,
        limits: Limits::for_case(ctx.rules, &category_code, case.urgency),
    };
    let action = command.action();
    match command {
        Command::Register(b) => to::register(&s, m, b).await,
        Command::Reject(b) => to::reject(&s, m, b),
        Command::Assign(b) => to::assign(&s, m, b).await,
        Command::Acknowledge(b) => to::acknowledge(&s, m, b),
        Command::Return(b) => to::return_(&s, m, b).await,
        Command::Extend(b) => to::extend(&s, m, b),
        Command::GrantExtension(b) => to::grant_extension(&s, m, b),
        Command::Reply(b) | Command::Resolve(b) => to::answer(&s, m, action, b),
        Command::Feedback(b) => to::feedback(&s, m, b),
        Command::Rate(b) => to::rate(&s, m, b),
        Command::Reopen(b) => to::reopen(&s, m, b),
        Command::Remind(b) | Command::Supervise(b) | Command::Notice(b) => {
            to::supervise(&s, m, action, b)
        }
        Command::Close(b) => to::close(&s, m, b),
    }
}

/// What `actor` could do to `case` now; pages draw these as buttons.
pub fn allowed(actor: &Actor, case: &cases::Model) -> Vec<Action> {
    let status = case.status;
    Action::ALL
        .into_iter()
        .filter(|a| lifecycle::next(status, *a, actor.role, None).is_ok())
        .filter(|a| {
            let needs_lead = matches!(
                a,
                Action::Acknowledge | Action::Return | Action::Extend | Action::Reply
            );
            !needs_lead || crate::policy::may_act_on_case(actor, case.lead_org_id)
        })
        .filter(|a| match a {
            Action::Extend => case.pending_extension_days.is_none(),
            Action::GrantExtension => case.pending_extension_days.is_some(),
            _ => true,
        })
        .collect()
}

#[cfg(test)]
mod tests;
