//! Notifications of deputies' suggestions and motions: each step's notices written in the
//! step's own transaction (as a case's are), and the reminders of their deadlines — the reply
//! (or the reply again, or a B item's planned date) due soon and overdue, and a
//! co-organisation's opinion still owed — written by the dispatcher's sweep, once per item,
//! deadline and person by a unique key, however many nodes sweep.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::{Value, json};

use super::outbox::{self, Row};
use super::rules::{self, Audience, Notice, Standing};
use crate::auth::entity::users;
use crate::calendar::Calendar;
use crate::cases::deadlines::Timeliness;
use crate::suggestions::entity::{orgs as handling, suggestions};
use crate::suggestions::lifecycle::Status;
use crate::suggestions::{Kind, Suggestion, queries};

/// The template data of `s` for one part (`lead`, `co`, or none) with its deadline `due`.
fn data(s: &Suggestion, part: Option<&str>, due: Option<NaiveDate>) -> Value {
    let kind_en = match s.kind {
        Kind::Suggestion => "suggestion",
        Kind::Motion => "motion",
    };
    let (part, part_en) = match part {
        Some("lead") => ("主办", "to lead"),
        Some("co") => ("协办", "to co-handle"),
        _ => ("", ""),
    };
    json!({
        "suggestion_id": s.id,
        "number": queries::number(s),
        "number_en": format!("{kind_en} no. {}", s.serial),
        "title": s.title,
        "reason": s.return_reason,
        "part": part,
        "part_en": part_en,
        "due": due.map(|d| d.to_string()),
        "link": format!("/suggestions/{}", s.id),
    })
}

/// The active handlers of each organisation of `s` that takes `part`.
async fn handlers(
    db: &impl ConnectionTrait,
    suggestion_id: i64,
    part: &str,
) -> Result<Vec<(i64, i64)>, DbErr> {
    let orgs: Vec<i64> = handling::Entity::find()
        .select_only()
        .column(handling::Column::OrganisationId)
        .filter(handling::Column::SuggestionId.eq(suggestion_id))
        .filter(handling::Column::Part.eq(part))
        .into_tuple()
        .all(db)
        .await?;
    org_handlers(db, orgs).await
}

/// (user, organisation) of the active handlers of `orgs`.
async fn org_handlers(db: &impl ConnectionTrait, orgs: Vec<i64>) -> Result<Vec<(i64, i64)>, DbErr> {
    if orgs.is_empty() {
        return Ok(Vec::new());
    }
    Ok(users::Entity::find()
        .filter(users::Column::Role.eq("handler"))
        .filter(users::Column::Active.eq(true))
        .filter(users::Column::OrganisationId.is_in(orgs))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|u| Some((u.id, u.organisation_id?)))
        .collect())
}

/// The rows `notices` make for `s`, each with its deadline; `key` makes them once-only.
async fn rows_for(
    db: &impl ConnectionTrait,
    s: &Suggestion,
    notices: &[Notice],
    key: Option<&str>,
) -> Result<Vec<Row>, DbErr> {
    let mut out = Vec::new();
    for n in notices {
        let (users, part, due): (Vec<i64>, Option<&str>, Option<NaiveDate>) = match n.to {
            Audience::Deputy => {
                let ids = users::Entity::find()
                    .select_only()
                    .column(users::Column::Id)
                    .filter(users::Column::Role.eq("deputy"))
                    .filter(users::Column::Active.eq(true))
                    .filter(users::Column::DeputyId.eq(s.deputy_id))
                    .into_tuple()
                    .all(db)
                    .await?;
                (ids, None, s.due_on)
            }
            Audience::LeadHandlers => {
                let ids = handlers(db, s.id, "lead").await?;
                (
                    ids.into_iter().map(|(u, _)| u).collect(),
                    Some("lead"),
                    s.due_on,
                )
            }
            Audience::CoHandlers => {
                let ids = handlers(db, s.id, "co").await?;
                // After an unsatisfied evaluation everyone works to the new deadline.
                let due = if s.status == Status::Rehandling {
                    s.due_on
                } else {
                    s.co_opinion_deadline
                };
                (ids.into_iter().map(|(u, _)| u).collect(), Some("co"), due)
            }
            Audience::Ops => (outbox::ops_users(db).await?, None, s.due_on),
            // Suggestions have no resident to text, and their station's staff are not asked
            // to act on them.
            Audience::Resident | Audience::StationStaff => continue,
        };
        for u in users {
            out.push(Row {
                kind: n.kind,
                user_id: Some(u),
                case_id: None,
                resident: false,
                data: data(s, part, due),
                urgent: false,
                dedupe_key: key.map(|k| format!("{k}:{}:{u}", n.kind)),
            });
        }
    }
    Ok(out)
}

/// Called in a suggestion step's transaction (filing included) with the item as it is after.
pub async fn on_step(
    txn: &impl ConnectionTrait,
    after: &Suggestion,
    action: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let notices = rules::on_suggestion_step(action, after.status.as_str());
    if notices.is_empty() {
        return Ok(());
    }
    let rows = rows_for(txn, after, &notices, None).await?;
    outbox::write(txn, rows, now).await
}

fn standing(t: Timeliness) -> Option<Standing> {
    match t {
        Timeliness::DueSoon => Some(Standing::DueSoon),
        Timeliness::Overdue => Some(Standing::Overdue),
        Timeliness::OnTime => None,
    }
}

/// Reminds of every deadline due soon or overdue today: the lead (and ops once overdue) of an
/// item's own deadline, each co-organisation of the opinion it still owes. Looks at one page
/// of the items being handled after id `after`; answers the last id it looked at, or `None`
/// at the end (see `outbox::sweep_overdue` for why it pages).
pub async fn sweep(
    db: &impl ConnectionTrait,
    cal: &Calendar,
    due_soon_days: u32,
    today: NaiveDate,
    now: DateTime<Utc>,
    after: i64,
) -> Result<Option<i64>, DbErr> {
    let cutoff = cal.add_working_days(today, due_soon_days);
    let standing_of = |due: Option<NaiveDate>| {
        due.and_then(|d| queries::timeliness(cal, due_soon_days, today, d))
            .and_then(standing)
    };
    // Being handled (the reply, the reply again) or followed up (a B item's planned date),
    // with a deadline inside the window.
    let items = suggestions::Entity::find()
        .filter(suggestions::Column::Status.is_in([
            Status::Assigned.as_str(),
            Status::Rehandling.as_str(),
            Status::FollowingUp.as_str(),
        ]))
        .filter(
            Condition::any()
                .add(suggestions::Column::DueOn.lte(cutoff))
                .add(suggestions::Column::CoOpinionDeadline.lte(cutoff)),
        )
        .filter(suggestions::Column::Id.gt(after))
        .order_by_asc(suggestions::Column::Id)
        .limit(outbox::SWEEP_PAGE)
        .all(db)
        .await?;
    let mut rows = Vec::new();
    for s in &items {
        if let Some(st) = standing_of(s.due_on) {
            let due = s.due_on.map(|d| d.to_string()).unwrap_or_default();
            let key = format!("suggestion:{}:{due}", s.id);
            let notices = rules::on_suggestion_deadline(st);
            rows.extend(rows_for(db, s, &notices, Some(&key)).await?);
        }
        // Opinions co-organisations still owe while the lead handles the item.
        let handling = matches!(s.status, Status::Assigned | Status::Rehandling);
        let Some(st) = standing_of(s.co_opinion_deadline).filter(|_| handling) else {
            continue;
        };
        let owed: Vec<i64> = handling::Entity::find()
            .select_only()
            .column(handling::Column::OrganisationId)
            .filter(handling::Column::SuggestionId.eq(s.id))
            .filter(handling::Column::Part.eq("co"))
            .filter(handling::Column::Opinion.is_null())
            .into_tuple()
            .all(db)
            .await?;
        let notice = rules::on_opinion_deadline(st);
        let due = s
            .co_opinion_deadline
            .map(|d| d.to_string())
            .unwrap_or_default();
        for (u, _) in org_handlers(db, owed).await? {
            rows.push(Row {
                kind: notice.kind,
                user_id: Some(u),
                case_id: None,
                resident: false,
                data: data(s, Some("co"), s.co_opinion_deadline),
                urgent: false,
                dedupe_key: Some(format!("suggestion:{}:{due}:{}:{u}", s.id, notice.kind)),
            });
        }
    }
    outbox::write_once(db, rows, now).await?;
    Ok(outbox::next_page(&items, outbox::SWEEP_PAGE, |s| s.id))
}
