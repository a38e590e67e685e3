//! Every step on a suggestion: the command's body checked, the state machine consulted with the
//! caller's part (from the policy), the row, its organisations or consultations and the event
//! written in one transaction. The update is conditional on the state read, so two people
//! acting at once cannot both win.

use chrono::{DateTime, Months, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, Set, TransactionTrait,
};
use serde_json::{Value, json};

use super::commands::Command;
use super::entity::{consultations, events, orgs as handling, suggestions};
use super::lifecycle::{self, Action, Facts, Part, Refusal, Status};
use super::{
    MAX_CO_ORGANISATIONS, MAX_NOTE, MAX_REPLY, MAX_REPLY_MONTHS, ReplyClass, Suggestion, queries,
};
use crate::auth::Actor;
use crate::calendar::Calendar;
use crate::cases::deadlines::local_today;
use crate::cases::intake::text;
use crate::configuration::SuggestionRules;
use crate::error::{Error, FieldKind, Thing};
use crate::policy;

/// Everything a step needs besides the item.
pub struct Context<'a> {
    /// The limits in force, from configuration.
    pub rules: &'a SuggestionRules,
    /// The moment of the step; limits run from its Asia/Shanghai date.
    pub now: DateTime<Utc>,
}

fn refusal(r: Refusal) -> Error {
    match r {
        Refusal::WrongPart { .. } => Error::Forbidden(r.to_string()),
        Refusal::WrongState { .. } | Refusal::ConsultFirst { .. } => Error::Conflict(r.to_string()),
    }
}

/// `months` calendar months after `from`, moved to the next working day when it is not one.
pub fn months_after(cal: &Calendar, from: NaiveDate, months: u32) -> NaiveDate {
    let day = from.checked_add_months(Months::new(months)).unwrap_or(from);
    cal.add_working_days(day, 0)
}

fn optional_note(field: &str, v: Option<&str>) -> Result<Option<String>, Error> {
    match v.map(str::trim) {
        Some(s) if !s.is_empty() => Ok(Some(text(field, s, 1, MAX_NOTE)?)),
        _ => Ok(None),
    }
}

/// The handling organisations of an item: (organisation, is lead).
pub(super) async fn handlers(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Vec<handling::Model>, Error> {
    Ok(handling::Entity::find()
        .filter(handling::Column::SuggestionId.eq(id))
        .all(db)
        .await?)
}

/// Who `actor` is to `s`.
pub(super) async fn part_of(
    db: &impl ConnectionTrait,
    actor: &Actor,
    s: &Suggestion,
) -> Result<Part, Error> {
    let co: Vec<i64> = handlers(db, s.id)
        .await?
        .into_iter()
        .filter(|h| h.part == "co")
        .map(|h| h.organisation_id)
        .collect();
    Ok(policy::suggestion_part(
        actor,
        s.deputy_id,
        s.lead_org_id,
        &co,
    ))
}

/// Whether a consultation (面商) is on record for the item.
pub(super) async fn consulted(db: &impl ConnectionTrait, id: i64) -> Result<bool, Error> {
    Ok(consultations::Entity::find()
        .filter(consultations::Column::SuggestionId.eq(id))
        .count(db)
        .await?
        > 0)
}

/// What a step changed besides the status, for its event.
struct Change {
    note: Option<String>,
    public: bool,
    data: Value,
}

/// Takes `command` on item `id` as `actor`: the whole step in one transaction, or nothing.
/// Answers the item as it is after.
pub async fn perform(
    db: &DatabaseConnection,
    ctx: &Context<'_>,
    actor: &Actor,
    id: i64,
    command: Command,
) -> Result<Suggestion, Error> {
    let action = command.action();
    let txn = db.begin().await?;
    let s = queries::visible(actor)
        .filter(suggestions::Column::Id.eq(id))
        .one(&txn)
        .await?
        .ok_or_else(|| Error::not_found(format!("no suggestion {id}")))?;
    let part = part_of(&txn, actor, &s).await?;
    let facts = Facts {
        consulted: consulted(&txn, s.id).await?,
        class: s.reply_class,
        evaluation: match &command {
            Command::Evaluate(b) => Some(b.evaluation),
            _ => None,
        },
        rehandled: s.rehandled,
    };
    let from = s.status;
    let to = lifecycle::next(from, action, part, facts).map_err(refusal)?;
    let today = local_today(ctx.now);
    let cal = Calendar::load(&txn).await?;
    let mut m = s.clone().into_active_model();
    let change = apply(&txn, ctx, actor, &s, to, today, &cal, command, &mut m).await?;
    m.status = Set(to);
    m.updated_at = Set(ctx.now);
    if matches!(to, Status::Closed | Status::Letter)
        && !matches!(from, Status::Closed | Status::Letter)
    {
        m.closed_at = Set(Some(ctx.now));
    }
    let updated = suggestions::Entity::update_many()
        .set(m)
        .filter(suggestions::Column::Id.eq(s.id))
        .filter(suggestions::Column::Status.eq(s.status.as_str()))
        .filter(suggestions::Column::UpdatedAt.eq(s.updated_at))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(Error::Conflict(format!(
            "suggestion {id} changed while you were acting; reload and try again"
        )));
    }
    record(
        &txn,
        s.id,
        action.as_str(),
        from,
        to,
        actor,
        change.note,
        change.public,
        Some(change.data),
        ctx.now,
    )
    .await?;
    let after = suggestions::Entity::find_by_id(s.id)
        .one(&txn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("suggestion vanished"))?;
    // Told in the step's own transaction: a notice exists if and only if its step does.
    crate::notifications::suggestions::on_step(&txn, &after, action.as_str(), ctx.now).await?;
    txn.commit().await?;
    tracing::info!(
        suggestion_id = s.id,
        action = action.as_str(),
        from = from.as_str(),
        to = to.as_str(),
        "suggestion step"
    );
    Ok(after)
}

#[allow(clippy::too_many_arguments)]
async fn apply(
    txn: &DatabaseTransaction,
    ctx: &Context<'_>,
    actor: &Actor,
    s: &Suggestion,
    to: Status,
    today: NaiveDate,
    cal: &Calendar,
    command: Command,
    m: &mut suggestions::ActiveModel,
) -> Result<Change, Error> {
    Ok(match command {
        Command::Register(b) => Change {
            note: optional_note("note", b.note.as_deref())?,
            public: true,
            data: Value::Null,
        },
        Command::Return(b) => {
            let reason = text("reason", &b.reason, 1, MAX_NOTE)?;
            m.return_reason = Set(Some(reason.clone()));
            Change {
                note: Some(reason),
                public: false,
                data: Value::Null,
            }
        }
        Command::ToLetter(b) => {
            let reason = text("reason", &b.reason, 1, MAX_NOTE)?;
            m.due_on = Set(None);
            Change {
                note: Some(reason),
                public: false,
                data: Value::Null,
            }
        }
        Command::Revise(b) => {
            if let Some(t) = b.title.as_deref() {
                m.title = Set(super::filing::check_title(t)?);
            }
            if let Some(t) = b.body.as_deref() {
                m.body = Set(super::filing::check_body(t)?);
            }
            m.return_reason = Set(None);
            Change {
                note: optional_note("note", b.note.as_deref())?,
                public: false,
                data: Value::Null,
            }
        }
        Command::Assign(b) => {
            let lead = crate::orgs::by_code(txn, b.lead.trim())
                .await?
                .ok_or_else(|| Error::unknown_code("lead", Thing::Organisation, b.lead.trim()))?;
            if b.co_organisations.len() > MAX_CO_ORGANISATIONS {
                return Err(Error::invalid(
                    "co_organisations",
                    FieldKind::TooMany {
                        max: MAX_CO_ORGANISATIONS as u32,
                    },
                ));
            }
            let mut co = Vec::new();
            for (i, code) in b.co_organisations.iter().enumerate() {
                let field = format!("co_organisations[{i}]");
                let o = crate::orgs::by_code(txn, code.trim())
                    .await?
                    .ok_or_else(|| Error::unknown_code(&field, Thing::Organisation, code.trim()))?;
                if o.id == lead.id {
                    return Err(Error::invalid(field, FieldKind::LeadAsCoHandler));
                }
                if co.contains(&o.id) {
                    return Err(Error::invalid(field, FieldKind::Conflict));
                }
                co.push(o.id);
            }
            let months = b.reply_months.unwrap_or(ctx.rules.reply_months);
            if !(1..=MAX_REPLY_MONTHS).contains(&months) {
                return Err(Error::out_of_range(
                    "reply_months",
                    1,
                    i64::from(MAX_REPLY_MONTHS),
                ));
            }
            let leader = match b.supervising_leader.as_deref().map(str::trim) {
                Some(l) if !l.is_empty() => Some(text("supervising_leader", l, 1, 50)?),
                _ => None,
            };
            if b.key_supervision && leader.is_none() {
                return Err(Error::required("supervising_leader"));
            }
            let note = optional_note("note", b.note.as_deref())?;
            handling::Entity::delete_many()
                .filter(handling::Column::SuggestionId.eq(s.id))
                .exec(txn)
                .await?;
            handling::ActiveModel {
                suggestion_id: Set(s.id),
                organisation_id: Set(lead.id),
                part: Set("lead".into()),
                opinion: Set(None),
                opinion_at: Set(None),
            }
            .insert(txn)
            .await?;
            for o in &co {
                handling::ActiveModel {
                    suggestion_id: Set(s.id),
                    organisation_id: Set(*o),
                    part: Set("co".into()),
                    opinion: Set(None),
                    opinion_at: Set(None),
                }
                .insert(txn)
                .await?;
            }
            let reply_deadline = months_after(cal, today, months);
            let co_deadline = months_after(cal, today, ctx.rules.co_opinion_months);
            m.lead_org_id = Set(Some(lead.id));
            m.assigned_on = Set(Some(today));
            m.reply_deadline = Set(Some(reply_deadline));
            let co_due = (!co.is_empty()).then_some(co_deadline);
            m.co_opinion_deadline = Set(co_due);
            m.due_on = Set(Some(reply_deadline));
            if b.key_supervision {
                m.key_supervision = Set(true);
                m.supervising_leader = Set(leader.clone());
            }
            Change {
                note,
                public: true,
                data: json!({
                    "lead": lead.code,
                    "co_organisations": b.co_organisations,
                    "reply_deadline": reply_deadline,
                    "co_opinion_deadline": co_due,
                    "key_supervision": b.key_supervision,
                    "supervising_leader": leader,
                }),
            }
        }
        Command::Supervise(b) => {
            let leader = text("supervising_leader", &b.supervising_leader, 1, 50)?;
            m.key_supervision = Set(true);
            m.supervising_leader = Set(Some(leader.clone()));
            Change {
                note: optional_note("note", b.note.as_deref())?,
                public: true,
                data: json!({ "supervising_leader": leader }),
            }
        }
        Command::Consult(b) => {
            let people = text("people", &b.people, 1, 200)?;
            let note = optional_note("note", b.note.as_deref())?;
            // Held after the assignment and not in the future.
            let earliest = s.assigned_on.unwrap_or(today);
            if b.day > today || b.day < earliest {
                return Err(Error::invalid(
                    "day",
                    FieldKind::DateSpan {
                        max_days: (today - earliest).num_days().max(0) as u32,
                    },
                ));
            }
            consultations::ActiveModel {
                suggestion_id: Set(s.id),
                day: Set(b.day),
                way: Set(b.way),
                people: Set(people.clone()),
                note: Set(note.clone()),
                recorded_by: Set(actor.user_id),
                created_at: Set(ctx.now),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            Change {
                note,
                public: false,
                data: json!({ "day": b.day, "way": b.way.as_str(), "people": people }),
            }
        }
        Command::CoOpinion(b) => {
            let opinion = text("opinion", &b.opinion, 1, MAX_NOTE)?;
            let org = actor
                .organisation_id
                .ok_or_else(|| Error::forbidden("only a co-organisation sends an opinion"))?;
            let row = handling::Entity::find_by_id((s.id, org))
                .one(txn)
                .await?
                .ok_or_else(|| Error::forbidden("only a co-organisation sends an opinion"))?;
            let mut r = row.into_active_model();
            r.opinion = Set(Some(opinion.clone()));
            r.opinion_at = Set(Some(ctx.now));
            r.update(txn).await?;
            Change {
                note: Some(opinion),
                public: false,
                // Whether it met the one-month limit stays in the history.
                data: json!({
                    "deadline": s.co_opinion_deadline,
                    "on_time": super::opinions::on_time(s.co_opinion_deadline, ctx.now),
                }),
            }
        }
        Command::Reply(b) => {
            let body = text("text", &b.text, 10, MAX_REPLY)?;
            let reason = optional_note("reason", b.reason.as_deref())?;
            match b.class {
                ReplyClass::C if reason.is_none() => return Err(Error::required("reason")),
                ReplyClass::B => match b.planned_on {
                    None => return Err(Error::required("planned_on")),
                    Some(d) if d <= today => {
                        return Err(Error::invalid(
                            "planned_on",
                            FieldKind::DateSpan { max_days: 3660 },
                        ));
                    }
                    Some(d) if (d - today).num_days() > 3660 => {
                        return Err(Error::invalid(
                            "planned_on",
                            FieldKind::DateSpan { max_days: 3660 },
                        ));
                    }
                    Some(_) => {}
                },
                _ => {}
            }
            if b.class != ReplyClass::B && b.planned_on.is_some() {
                return Err(Error::invalid("planned_on", FieldKind::NotApplicable));
            }
            m.reply_class = Set(Some(b.class));
            m.reply_text = Set(Some(body.clone()));
            m.reply_reason = Set(reason);
            m.planned_on = Set(b.planned_on.filter(|_| b.class == ReplyClass::B));
            if s.first_replied_on.is_none() {
                m.first_replied_on = Set(Some(today));
                m.replied_on_time = Set(Some(s.due_on.is_none_or(|d| today <= d)));
            }
            m.due_on = Set(None);
            Change {
                note: Some(body),
                public: true,
                data: json!({ "class": b.class.as_str(), "planned_on": b.planned_on }),
            }
        }
        Command::Evaluate(b) => {
            let comment = optional_note("comment", b.comment.as_deref())?;
            m.evaluation = Set(Some(b.evaluation));
            match to {
                Status::Rehandling => {
                    let d = months_after(cal, today, ctx.rules.rehandle_months);
                    m.rehandled = Set(true);
                    m.rehandle_deadline = Set(Some(d));
                    m.due_on = Set(Some(d));
                }
                Status::FollowingUp => m.due_on = Set(s.planned_on),
                _ => m.due_on = Set(None),
            }
            Change {
                note: comment,
                public: true,
                data: json!({ "evaluation": b.evaluation.as_str() }),
            }
        }
        Command::Confirm(b) => {
            m.solved = Set(Some(b.solved));
            m.due_on = Set(None);
            Change {
                note: optional_note("note", b.note.as_deref())?,
                public: true,
                data: json!({ "solved": b.solved }),
            }
        }
    })
}

/// Writes one event of an item inside the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record(
    txn: &DatabaseTransaction,
    suggestion_id: i64,
    action: &str,
    from: Status,
    to: Status,
    actor: &Actor,
    note: Option<String>,
    public: bool,
    data: Option<Value>,
    now: DateTime<Utc>,
) -> Result<events::Model, Error> {
    Ok(events::ActiveModel {
        suggestion_id: Set(suggestion_id),
        action: Set(action.to_owned()),
        from_status: Set(from.as_str().to_owned()),
        to_status: Set(to.as_str().to_owned()),
        actor_role: Set(actor.role.as_str().to_owned()),
        actor_user_id: Set(Some(actor.user_id)),
        actor_name: Set(actor.display_name.clone()),
        note: Set(note),
        public: Set(public),
        data: Set(data.filter(|d| !d.is_null()).map(|d| d.to_string())),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}

/// The steps `actor` may take on `s` now: what pages offer as buttons and the API lists.
pub async fn allowed(
    db: &impl ConnectionTrait,
    actor: &Actor,
    s: &Suggestion,
) -> Result<Vec<Action>, Error> {
    let part = part_of(db, actor, s).await?;
    let consulted = consulted(db, s.id).await?;
    Ok(Action::ALL
        .into_iter()
        .filter(|a| {
            // Evaluate's outcome does not decide whether it is allowed: ask with any level.
            let facts = Facts {
                consulted,
                class: s.reply_class,
                evaluation: Some(super::Evaluation::Satisfied),
                rehandled: s.rehandled,
            };
            lifecycle::next(s.status, *a, part, facts).is_ok()
        })
        .collect())
}
