//! Every transition of a case: the body is checked, the state machine consulted, the case row
//! and its event written in one transaction. The update is conditional on the state read, so two
//! people acting at once cannot both win.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, Set, TransactionTrait,
};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::deadlines::{self, Limits, local_today};
use super::entity::{cases, events, handlers};
use super::lifecycle::{self, Action, Rating, Refusal, Status};
use super::{intake::text, scope};
use crate::auth::{Actor, Role};
use crate::calendar::Calendar;
use crate::configuration::DeadlineRules;
use crate::error::{Error, FieldKind, Thing};
use crate::{categories, orgs};

/// Who is acting: a signed-in user, a resident holding the receipt code, or Liaison itself.
#[derive(Debug, Clone)]
pub enum Performer {
    User(Actor),
    Resident { receipt_code: String },
    System,
}

impl Performer {
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

// The bodies, one per action. Unknown fields are refused so a typo is not silently ignored.

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    /// Correct the category chosen by the resident.
    pub category: Option<String>,
    pub title: Option<String>,
    pub urgency: Option<super::Urgency>,
    /// Complex cases get the longer reply limit.
    pub complex: Option<bool>,
    /// Link to an earlier case on the same matter.
    pub duplicate_of: Option<i64>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// Required: the resident or the station reads it.
    pub reason: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// Lead organisation code (主办).
    pub lead: String,
    /// Co-handler organisation codes (协办).
    #[serde(default)]
    pub co_handlers: Vec<String>,
    pub complex: Option<bool>,
    /// Working days to reply, instead of the configured limit.
    pub reply_days: Option<u32>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtendBody {
    pub reason: String,
    /// Extra working days asked for.
    pub days: u32,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantExtensionBody {
    pub approve: bool,
    /// Grant fewer days than asked.
    pub days: Option<u32>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    /// The answer the resident will read.
    pub answer: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackBody {
    /// How and what the deputy relayed to the resident.
    pub note: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateBody {
    pub rating: Rating,
    pub comment: Option<String>,
    /// Required when not signed in: proves the rater holds the receipt.
    pub receipt_code: Option<String>,
}

/// Everything an action needs besides the case itself.
pub struct Context<'a> {
    pub rules: &'a DeadlineRules,
    pub now: DateTime<Utc>,
}

struct Change {
    to: Status,
    note: Option<String>,
    public: bool,
    data: Value,
}

fn opt_text(field: &str, v: &Option<String>, max: usize) -> Result<Option<String>, Error> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Ok(Some(text(field, s, 1, max)?)),
        None => Ok(None),
    }
}

fn body<T: serde::de::DeserializeOwned>(v: &Value) -> Result<T, Error> {
    crate::json::parse(v.to_string().as_bytes())
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

/// Handlers act only on cases their organisation leads; co-handlers read.
fn require_lead(who: &Performer, case: &cases::Model) -> Result<(), Error> {
    if let Performer::User(a) = who
        && !crate::policy::may_act_on_case(a, case.lead_org_id)
    {
        return Err(Error::forbidden(
            "only the lead organisation (主办) acts on this case",
        ));
    }
    Ok(())
}

pub async fn perform(
    db: &DatabaseConnection,
    ctx: &Context<'_>,
    who: &Performer,
    case_id: i64,
    action: Action,
    raw: &Value,
) -> Result<cases::Model, Error> {
    let rating = if action == Action::Rate {
        Some(body::<RateBody>(raw)?.rating)
    } else {
        None
    };
    let txn = db.begin().await?;
    let case = load(&txn, who, case_id).await?;
    let from = Status::parse(&case.status)
        .ok_or_else(|| anyhow::anyhow!("case {case_id} has unknown status {}", case.status))?;
    lifecycle::next(from, action, who.role(), rating).map_err(refusal)?;
    let cal = Calendar::load(&txn).await?;
    let today = local_today(ctx.now);
    let mut m = case.clone().into_active_model();
    let change = apply(
        &txn, ctx, &cal, today, who, &case, from, action, raw, &mut m,
    )
    .await?;

    m.status = Set(change.to.as_str().to_owned());
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

#[allow(clippy::too_many_arguments)]
pub async fn record(
    txn: &DatabaseTransaction,
    case: &cases::Model,
    action: &str,
    from: Status,
    to: Status,
    who: &Performer,
    note: Option<String>,
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

#[allow(clippy::too_many_arguments)]
async fn apply(
    txn: &DatabaseTransaction,
    ctx: &Context<'_>,
    cal: &Calendar,
    today: NaiveDate,
    who: &Performer,
    case: &cases::Model,
    from: Status,
    action: Action,
    raw: &Value,
    m: &mut cases::ActiveModel,
) -> Result<Change, Error> {
    let category_code = categories::entity::Entity::find_by_id(case.category_id)
        .one(txn)
        .await?
        .map(|c| c.code)
        .unwrap_or_default();
    let limits = Limits::for_case(ctx.rules, &category_code, &case.urgency);
    Ok(match action {
        Action::Register => {
            let b: RegisterBody = if raw.is_null() {
                RegisterBody::default()
            } else {
                body(raw)?
            };
            if let Some(code) = &b.category {
                let c = categories::by_code(txn, code)
                    .await?
                    .filter(|c| c.active)
                    .ok_or_else(|| Error::unknown_code("category", Thing::Category, code))?;
                m.category_id = Set(c.id);
            }
            if let Some(t) = opt_text("title", &b.title, super::intake::MAX_TITLE)? {
                m.title = Set(t);
            }
            if let Some(u) = b.urgency {
                m.urgency = Set(u.as_str().to_owned());
            }
            if let Some(c) = b.complex {
                m.complex = Set(c);
            }
            if let Some(dup) = b.duplicate_of {
                let other = cases::Entity::find_by_id(dup).one(txn).await?;
                if dup == case.id || other.is_none_or(|o| o.station_id != case.station_id) {
                    return Err(Error::unknown_code(
                        "duplicate_of",
                        Thing::Case,
                        dup.to_string(),
                    ));
                }
                m.duplicate_of = Set(Some(dup));
            }
            Change {
                to: Status::Registered,
                note: opt_text("note", &b.note, 1000)?,
                public: true,
                data: json!({ "category": b.category, "duplicate_of": b.duplicate_of, "complex": b.complex }),
            }
        }
        Action::Reject => {
            let b: ReasonBody = body(raw)?;
            let reason = text("reason", &b.reason, 1, 1000)?;
            m.due_on = Set(None);
            m.closed_at = Set(Some(ctx.now));
            Change {
                to: Status::Rejected,
                note: Some(reason),
                public: true,
                data: Value::Null,
            }
        }
        Action::Assign => {
            let b: AssignBody = body(raw)?;
            let lead = orgs::by_code(txn, b.lead.trim())
                .await?
                .ok_or_else(|| Error::unknown_code("lead", Thing::Organisation, b.lead.trim()))?;
            let mut co = Vec::new();
            for (i, code) in b.co_handlers.iter().enumerate() {
                let o = orgs::by_code(txn, code.trim()).await?.ok_or_else(|| {
                    Error::unknown_code(
                        format!("co_handlers[{i}]"),
                        Thing::Organisation,
                        code.trim(),
                    )
                })?;
                if o.id == lead.id {
                    return Err(Error::invalid(
                        format!("co_handlers[{i}]"),
                        FieldKind::LeadAsCoHandler,
                    ));
                }
                if !co.iter().any(|x: &orgs::entity::Model| x.id == o.id) {
                    co.push(o);
                }
            }
            if co.len() > 10 {
                return Err(Error::invalid(
                    "co_handlers",
                    FieldKind::TooMany { max: 10 },
                ));
            }
            let complex = b.complex.unwrap_or(case.complex);
            let reply_days = match b.reply_days {
                Some(d) if d == 0 || d > limits.complex_reply_days => {
                    return Err(Error::out_of_range(
                        "reply_days",
                        1,
                        limits.complex_reply_days.into(),
                    ));
                }
                Some(d) => d,
                None => limits.reply(complex),
            };
            let sign = cal.add_working_days(today, limits.sign_for_days);
            let reply = cal.add_working_days(today, reply_days);
            handlers::Entity::delete_many()
                .filter(handlers::Column::CaseId.eq(case.id))
                .exec(txn)
                .await?;
            handlers::ActiveModel {
                case_id: Set(case.id),
                organisation_id: Set(lead.id),
                role: Set("lead".into()),
            }
            .insert(txn)
            .await?;
            for o in &co {
                handlers::ActiveModel {
                    case_id: Set(case.id),
                    organisation_id: Set(o.id),
                    role: Set("co".into()),
                }
                .insert(txn)
                .await?;
            }
            m.lead_org_id = Set(Some(lead.id));
            m.complex = Set(complex);
            m.sign_deadline = Set(Some(sign));
            m.reply_deadline = Set(Some(reply));
            m.feedback_deadline = Set(None);
            m.rating_deadline = Set(None);
            m.due_on = Set(Some(sign));
            m.pending_extension_days = Set(None);
            m.extension_count = Set(0);
            Change {
                to: Status::Assigned,
                note: opt_text("note", &b.note, 1000)?,
                public: true,
                data: json!({
                    "lead": lead.code, "lead_id": lead.id, "lead_name": lead.name,
                    "co_handlers": co.iter().map(|o| o.code.clone()).collect::<Vec<_>>(),
                    "sign_deadline": sign, "reply_deadline": reply, "rework": from == Status::Reopened,
                }),
            }
        }
        Action::Acknowledge => {
            require_lead(who, case)?;
            let b: NoteBody = if raw.is_null() {
                NoteBody::default()
            } else {
                body(raw)?
            };
            m.due_on = Set(case.reply_deadline);
            Change {
                to: Status::InProgress,
                note: opt_text("note", &b.note, 1000)?,
                public: true,
                data: json!({ "on_time": case.sign_deadline.is_none_or(|d| today <= d) }),
            }
        }
        Action::Return => {
            require_lead(who, case)?;
            let b: ReasonBody = body(raw)?;
            let reason = text("reason", &b.reason, 1, 1000)?;
            handlers::Entity::delete_many()
                .filter(handlers::Column::CaseId.eq(case.id))
                .exec(txn)
                .await?;
            m.lead_org_id = Set(None);
            m.sign_deadline = Set(None);
            m.reply_deadline = Set(None);
            m.due_on = Set(None);
            m.pending_extension_days = Set(None);
            Change {
                to: Status::Registered,
                note: Some(reason),
                public: false,
                data: json!({ "returned_by": case.lead_org_id }),
            }
        }
        Action::Extend => {
            require_lead(who, case)?;
            let b: ExtendBody = body(raw)?;
            let reason = text("reason", &b.reason, 1, 1000)?;
            if b.days == 0 || b.days > ctx.rules.max_extension_days {
                return Err(Error::out_of_range(
                    "days",
                    1,
                    ctx.rules.max_extension_days.into(),
                ));
            }
            if case.pending_extension_days.is_some() {
                return Err(Error::Conflict(
                    "an extension is already waiting for the station's decision".into(),
                ));
            }
            if case.extension_count as u32 >= ctx.rules.max_extensions {
                return Err(Error::Conflict(format!(
                    "this case has had its {} allowed extension(s)",
                    ctx.rules.max_extensions
                )));
            }
            m.pending_extension_days = Set(Some(b.days as i32));
            Change {
                to: Status::InProgress,
                note: Some(reason),
                public: false,
                data: json!({ "days": b.days }),
            }
        }
        Action::GrantExtension => {
            let b: GrantExtensionBody = body(raw)?;
            let Some(asked) = case.pending_extension_days else {
                return Err(Error::Conflict(
                    "no extension has been asked for this case".into(),
                ));
            };
            let note = opt_text("note", &b.note, 1000)?;
            m.pending_extension_days = Set(None);
            if !b.approve {
                return Ok(Change {
                    to: Status::InProgress,
                    note,
                    public: false,
                    data: json!({ "approved": false, "asked": asked }),
                });
            }
            let days = match b.days {
                Some(d) if d == 0 || d > asked as u32 => {
                    return Err(Error::out_of_range("days", 1, asked.into()));
                }
                Some(d) => d,
                None => asked as u32,
            };
            let base = case.reply_deadline.unwrap_or(today);
            let new_deadline = cal.add_working_days(base, days);
            m.reply_deadline = Set(Some(new_deadline));
            m.due_on = Set(Some(new_deadline));
            m.extension_count = Set(case.extension_count + 1);
            Change {
                to: Status::InProgress,
                note,
                public: true,
                data: json!({ "approved": true, "days": days, "reply_deadline": new_deadline }),
            }
        }
        Action::Reply | Action::Resolve => {
            if action == Action::Reply {
                require_lead(who, case)?;
            }
            let b: AnswerBody = body(raw)?;
            let answer = text("answer", &b.answer, 2, 4000)?;
            let feedback = cal.add_working_days(today, limits.feedback_days);
            m.feedback_deadline = Set(Some(feedback));
            m.due_on = Set(Some(feedback));
            m.pending_extension_days = Set(None);
            Change {
                to: Status::Replied,
                note: Some(answer),
                public: true,
                data: json!({
                    "on_time": case.reply_deadline.is_none_or(|d| today <= d),
                    "feedback_deadline": feedback,
                }),
            }
        }
        Action::Feedback => {
            let b: FeedbackBody = body(raw)?;
            let note = text("note", &b.note, 2, 2000)?;
            let rating_by = deadlines::rating_deadline(ctx.rules, today);
            m.rating_deadline = Set(Some(rating_by));
            m.due_on = Set(None);
            Change {
                to: Status::FeedbackGiven,
                note: Some(note),
                public: true,
                data: json!({
                    "on_time": case.feedback_deadline.is_none_or(|d| today <= d),
                    "rating_deadline": rating_by,
                }),
            }
        }
        Action::Rate => {
            let b: RateBody = body(raw)?;
            let comment = opt_text("comment", &b.comment, 1000)?;
            m.rating = Set(Some(b.rating.as_str().to_owned()));
            m.rating_deadline = Set(None);
            let to = if b.rating == Rating::Unsatisfied {
                m.rework_count = Set(case.rework_count + 1);
                Status::Reopened
            } else {
                m.closed_at = Set(Some(ctx.now));
                Status::Closed
            };
            Change {
                to,
                note: comment,
                public: true,
                data: json!({ "rating": b.rating.as_str() }),
            }
        }
        Action::Reopen => {
            let b: ReasonBody = body(raw)?;
            let reason = text("reason", &b.reason, 1, 1000)?;
            m.rework_count = Set(case.rework_count + 1);
            m.closed_at = Set(None);
            m.unrated = Set(false);
            m.due_on = Set(None);
            Change {
                to: Status::Reopened,
                note: Some(reason),
                public: true,
                data: Value::Null,
            }
        }
        Action::Remind | Action::Supervise | Action::Notice => {
            let b: NoteBody = if raw.is_null() {
                NoteBody::default()
            } else {
                body(raw)?
            };
            let level = lifecycle::supervision_after(action, case.supervision_level);
            m.supervision_level = Set(level);
            Change {
                to: from,
                note: opt_text("note", &b.note, 1000)?,
                // A public notice is public by nature; reminders are between the station and the handler.
                public: action == Action::Notice,
                data: json!({ "level": level }),
            }
        }
        Action::Close => {
            let b: NoteBody = if raw.is_null() {
                NoteBody::default()
            } else {
                body(raw)?
            };
            m.unrated = Set(true);
            m.rating_deadline = Set(None);
            m.closed_at = Set(Some(ctx.now));
            Change {
                to: Status::Closed,
                note: opt_text("note", &b.note, 1000)?,
                public: true,
                data: json!({ "unrated": true }),
            }
        }
    })
}

/// What `actor` could do to `case` now; pages draw these as buttons.
pub fn allowed(actor: &Actor, case: &cases::Model) -> Vec<Action> {
    let Some(status) = Status::parse(&case.status) else {
        return Vec::new();
    };
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
