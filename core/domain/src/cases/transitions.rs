//! What each action does to the case row, one function per action. Each checks its body,
//! sets the columns it changes on the active model and answers the `Change`: the status after,
//! and the note, visibility and data of the event that records it.

use chrono::NaiveDate;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};

use super::actions::{Context, Performer};
use super::commands::{
    AnswerBody, AssignBody, ExtendBody, FeedbackBody, GrantExtensionBody, NoteAudience, NoteBody,
    RateBody, ReasonBody, RegisterBody,
};
use super::deadlines::{self, Limits};
use super::entity::{cases, handlers};
use super::intake::text;
use super::lifecycle::{self, Action, Rating, Status};
use crate::calendar::Calendar;
use crate::error::{Error, FieldKind, Thing};
use crate::policy;
use crate::{categories, orgs};

/// Everything a transition reads besides its body: the case as found, who acts, and when.
pub(super) struct Step<'a> {
    pub txn: &'a DatabaseTransaction,
    pub ctx: &'a Context<'a>,
    pub cal: &'a Calendar,
    pub today: NaiveDate,
    pub who: &'a Performer,
    pub case: &'a cases::Model,
    pub from: Status,
    pub limits: Limits,
}

/// The outcome of one transition, written as the case's new status and its event.
pub(super) struct Change {
    pub to: Status,
    pub note: Option<String>,
    /// Who reads the note; the resident only when the step is public too.
    pub note_audience: NoteAudience,
    pub public: bool,
    pub data: Value,
}

fn opt_text(field: &str, v: &Option<String>, max: usize) -> Result<Option<String>, Error> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Ok(Some(text(field, s, 1, max)?)),
        None => Ok(None),
    }
}

/// Handlers act only on cases their organisation leads; co-handlers read.
fn require_lead(who: &Performer, case: &cases::Model) -> Result<(), Error> {
    if let Performer::User(a) = who
        && !policy::may_act_on_case(a, case.lead_org_id)
    {
        return Err(Error::forbidden(
            "only the lead organisation (主办) acts on this case",
        ));
    }
    Ok(())
}

pub(super) async fn register(
    s: &Step<'_>,
    m: &mut cases::ActiveModel,
    b: RegisterBody,
) -> Result<Change, Error> {
    if let Some(code) = &b.category {
        let c = categories::by_code(s.txn, code)
            .await?
            .filter(|c| c.active)
            .ok_or_else(|| Error::unknown_code("category", Thing::Category, code))?;
        m.category_id = Set(c.id);
    }
    if let Some(t) = opt_text("title", &b.title, super::intake::MAX_TITLE)? {
        m.title = Set(t);
    }
    if let Some(u) = b.urgency {
        m.urgency = Set(u);
    }
    if let Some(c) = b.complex {
        m.complex = Set(c);
    }
    if let Some(dup) = b.duplicate_of {
        let other = cases::Entity::find_by_id(dup).one(s.txn).await?;
        if dup == s.case.id || other.is_none_or(|o| o.station_id != s.case.station_id) {
            return Err(Error::unknown_code(
                "duplicate_of",
                Thing::Case,
                dup.to_string(),
            ));
        }
        m.duplicate_of = Set(Some(dup));
    }
    Ok(Change {
        to: Status::Registered,
        note_audience: b.note_audience,
        note: opt_text("note", &b.note, 1000)?,
        public: true,
        data: json!({ "category": b.category, "duplicate_of": b.duplicate_of, "complex": b.complex }),
    })
}

pub(super) fn reject(
    s: &Step<'_>,
    m: &mut cases::ActiveModel,
    b: ReasonBody,
) -> Result<Change, Error> {
    let reason = text("reason", &b.reason, 1, 1000)?;
    m.due_on = Set(None);
    m.closed_at = Set(Some(s.ctx.now));
    Ok(Change {
        to: Status::Rejected,
        note_audience: NoteAudience::Public,
        note: Some(reason),
        public: true,
        data: Value::Null,
    })
}

pub(super) async fn assign(
    s: &Step<'_>,
    m: &mut cases::ActiveModel,
    b: AssignBody,
) -> Result<Change, Error> {
    let (txn, case) = (s.txn, s.case);
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
        Some(d) if d == 0 || d > s.limits.complex_reply_days => {
            return Err(Error::out_of_range(
                "reply_days",
                1,
                s.limits.complex_reply_days.into(),
            ));
        }
        Some(d) => d,
        None => s.limits.reply(complex),
    };
    let sign = s.cal.add_working_days(s.today, s.limits.sign_for_days);
    let reply = s.cal.add_working_days(s.today, reply_days);
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
    Ok(Change {
        to: Status::Assigned,
        note_audience: b.note_audience,
        note: opt_text("note", &b.note, 1000)?,
        public: true,
        data: json!({
            "lead": lead.code, "lead_id": lead.id, "lead_name": lead.name,
            "co_handlers": co.iter().map(|o| o.code.clone()).collect::<Vec<_>>(),
            "sign_deadline": sign, "reply_deadline": reply, "rework": s.from == Status::Reopened,
        }),
    })
}

pub(super) fn acknowledge(
    s: &Step<'_>,
    m: &mut cases::ActiveModel,
    b: NoteBody,
) -> Result<Change, Error> {
    require_lead(s.who, s.case)?;
    m.due_on = Set(s.case.reply_deadline);
    Ok(Change {
        to: Status::InProgress,
        note_audience: b.note_audience,
        note: opt_text("note", &b.note, 1000)?,
        public: true,
        data: json!({ "on_time": s.case.sign_deadline.is_none_or(|d| s.today <= d) }),
    })
}

/// `return`, a keyword in Rust.
pub(super) async fn return_(
    s: &Step<'_>,
    m: &mut cases::ActiveModel,
    b: ReasonBody,
) -> Result<Change, Error> {
    require_lead(s.who, s.case)?;
    let reason = text("reason", &b.reason, 1, 1000)?;
    handlers::Entity::delete_many()
        .filter(handlers::Column::CaseId.eq(s.case.id))
        .exec(s.txn)
        .await?;
    m.lead_org_id = Set(None);
    m.sign_deadline = Set(None);
    m.reply_deadline = Set(None);
    m.due_on = Set(None);
    m.pending_extension_days = Set(None);
    Ok(Change {
        to: Status::Registered,
        note_audience: NoteAudience::Internal,
        note: Some(reason),
        public: false,
        data: json!({ "returned_by": s.case.lead_org_id }),
    })
}

pub(super) fn extend(
    s: &Step<'_>,
    m: &mut cases::ActiveModel,
    b: ExtendBody,
) -> Result<Change, Error> {
    require_lead(s.who, s.case)?;
    let rules = s.ctx.rules;
    let reason = text("reason", &b.reason, 1, 1000)?;
    if b.days == 0 || b.days > rules.max_extension_days {
        return Err(Error::out_of_range(
            "days",
            1,
            rules.max_extension_days.into(),
        ));
    }
    if s.case.pending_extension_days.is_some() {
        return Err(Error::Conflict(
            "an extension is already waiting for the station's decision".into(),
        ));
    }
    if s.case.extension_count as u32 >= rules.max_extensions {
        return Err(Error::Conflict(format!(
            "this case has had its {} allowed extension(s)",
            rules.max_extensions
        )));
    }
    m.pending_extension_days = Set(Some(b.days as i32));
    Ok(Change {
        to: Status::InProgress,
        note_audience: NoteAudience::Internal,
        note: Some(reason),
        public: false,
        data: json!({ "days": b.days }),
    })
}

pub(super) fn grant_extension(
    s: &Step<'_>,
    m: &mut cases::ActiveModel,
    b: GrantExtensionBody,
) -> Result<Change, Error> {
    let Some(asked) = s.case.pending_extension_days else {
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
            note_audience: b.note_audience,
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
    let base = s.case.reply_deadline.unwrap_or(s.today);
    let new_deadline = s.cal.add_working_days(base, days);
    m.reply_deadline = Set(Some(new_deadline));
    m.due_on = Set(Some(new_deadline));
    m.extension_count = Set(s.case.extension_count + 1);
    Ok(Change {
        to: Status::InProgress,
        note,
        note_audience: b.note_audience,
        public: true,
        data: json!({ "approved": true, "days": days, "reply_deadline": new_deadline }),
    })
}

/// `reply` (the lead organisation) and `resolve` (the station itself): the resident's answer.
pub(super) fn answer(
    s: &Step<'_>,
    m: &mut cases::ActiveModel,
    action: Action,
    b: AnswerBody,
) -> Result<Change, Error> {
    if action == Action::Reply {
        require_lead(s.who, s.case)?;
    }
    let answer = text("answer", &b.answer, 2, 4000)?;
    let feedback = s.cal.add_working_days(s.today, s.limits.feedback_days);
    m.feedback_deadline = Set(Some(feedback));
    m.due_on = Set(Some(feedback));
    m.pending_extension_days = Set(None);
    Ok(Change {
        to: Status::Replied,
        note_audience: NoteAudience::Public,
        note: Some(answer),
        public: true,
        data: json!({
            "on_time": s.case.reply_deadline.is_none_or(|d| s.today <= d),
            "feedback_deadline": feedback,
        }),
    })
}

pub(super) fn feedback(
    s: &Step<'_>,
    m: &mut cases::ActiveModel,
    b: FeedbackBody,
) -> Result<Change, Error> {
    let note = text("note", &b.note, 2, 2000)?;
    let rating_by = deadlines::rating_deadline(s.ctx.rules, s.today);
    m.rating_deadline = Set(Some(rating_by));
    m.due_on = Set(None);
    Ok(Change {
        to: Status::FeedbackGiven,
        note_audience: NoteAudience::Public,
        note: Some(note),
        public: true,
        data: json!({
            "on_time": s.case.feedback_deadline.is_none_or(|d| s.today <= d),
            "rating_deadline": rating_by,
        }),
    })
}

pub(super) fn rate(s: &Step<'_>, m: &mut cases::ActiveModel, b: RateBody) -> Result<Change, Error> {
    let comment = opt_text("comment", &b.comment, 1000)?;
    m.rating = Set(Some(b.rating));
    m.rating_deadline = Set(None);
    let to = if b.rating == Rating::Unsatisfied {
        m.rework_count = Set(s.case.rework_count + 1);
        Status::Reopened
    } else {
        m.closed_at = Set(Some(s.ctx.now));
        Status::Closed
    };
    Ok(Change {
        to,
        note_audience: NoteAudience::Public,
        note: comment,
        public: true,
        data: json!({ "rating": b.rating.as_str() }),
    })
}

pub(super) fn reopen(
    s: &Step<'_>,
    m: &mut cases::ActiveModel,
    b: ReasonBody,
) -> Result<Change, Error> {
    let reason = text("reason", &b.reason, 1, 1000)?;
    m.rework_count = Set(s.case.rework_count + 1);
    m.closed_at = Set(None);
    m.unrated = Set(false);
    m.due_on = Set(None);
    Ok(Change {
        to: Status::Reopened,
        note_audience: NoteAudience::Internal,
        note: Some(reason),
        public: true,
        data: Value::Null,
    })
}

/// `remind`, `supervise` and `notice`: a rung up the supervision ladder; the status stays.
pub(super) fn supervise(
    s: &Step<'_>,
    m: &mut cases::ActiveModel,
    action: Action,
    b: NoteBody,
) -> Result<Change, Error> {
    let level = lifecycle::supervision_after(action, s.case.supervision_level);
    m.supervision_level = Set(level);
    Ok(Change {
        to: s.from,
        note_audience: b.note_audience,
        note: opt_text("note", &b.note, 1000)?,
        // A public notice is public by nature; reminders are between the station and the handler.
        public: action == Action::Notice,
        data: json!({ "level": level }),
    })
}

pub(super) fn close(
    s: &Step<'_>,
    m: &mut cases::ActiveModel,
    b: NoteBody,
) -> Result<Change, Error> {
    m.unrated = Set(true);
    m.rating_deadline = Set(None);
    m.closed_at = Set(Some(s.ctx.now));
    Ok(Change {
        to: Status::Closed,
        note_audience: b.note_audience,
        note: opt_text("note", &b.note, 1000)?,
        public: true,
        data: json!({ "unrated": true }),
    })
}
