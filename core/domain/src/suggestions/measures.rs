//! What the appraisal item 议案建议办理 is computed from: per organisation and year, the items
//! it led that were assigned (交办) in that year. The rule that turns these counts into a score
//! is [`crate::oversight::scoring::proposals`].

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use utoipa::ToSchema;

use super::entity::{consultations, suggestions};
use super::{ConsultWay, Evaluation, ReplyClass};
use crate::error::Error;

/// One organisation's counts for one year, as lead organisation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct SuggestionMeasures {
    /// Items assigned to it as lead in the year: the sample.
    pub assigned: i64,
    /// Of those, replied at least once.
    pub replied: i64,
    /// Of the replied, the first reply by its deadline.
    pub replied_on_time: i64,
    /// Of the replied, with a consultation held in person (当面) by the day of the first reply.
    pub in_person: i64,
    /// Of the replied, whose latest reply is class A or B.
    pub class_ab: i64,
    /// Items the deputy evaluated (the latest evaluation counts).
    pub evaluated: i64,
    /// Evaluated 满意.
    pub satisfied: i64,
    /// Evaluated 基本满意.
    pub basically_satisfied: i64,
    /// Evaluated 不满意.
    pub unsatisfied: i64,
}

/// The counts of one item, added to its organisation's.
fn add(m: &mut SuggestionMeasures, s: &suggestions::Model, in_person_by: Option<NaiveDate>) {
    m.assigned += 1;
    if let Some(first) = s.first_replied_on {
        m.replied += 1;
        m.replied_on_time += s.replied_on_time.unwrap_or(false) as i64;
        m.in_person += in_person_by.is_some_and(|d| d <= first) as i64;
        m.class_ab += matches!(s.reply_class, Some(ReplyClass::A | ReplyClass::B)) as i64;
    }
    match s.evaluation {
        Some(Evaluation::Satisfied) => m.satisfied += 1,
        Some(Evaluation::BasicallySatisfied) => m.basically_satisfied += 1,
        Some(Evaluation::Unsatisfied) => m.unsatisfied += 1,
        None => {}
    }
    m.evaluated += s.evaluation.is_some() as i64;
}

/// Every organisation's counts for `year`, by organisation id.
pub async fn org_year(
    db: &impl ConnectionTrait,
    year: i32,
) -> Result<HashMap<i64, SuggestionMeasures>, Error> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1)
        .ok_or_else(|| Error::out_of_range("year", 2000, 2100))?;
    let last = NaiveDate::from_ymd_opt(year, 12, 31)
        .ok_or_else(|| Error::out_of_range("year", 2000, 2100))?;
    let rows = suggestions::Entity::find()
        .filter(suggestions::Column::AssignedOn.gte(first))
        .filter(suggestions::Column::AssignedOn.lte(last))
        .filter(suggestions::Column::LeadOrgId.is_not_null())
        .all(db)
        .await?;
    let ids: HashSet<i64> = rows.iter().map(|s| s.id).collect();
    // The earliest in-person consultation of each item.
    let mut in_person: HashMap<i64, NaiveDate> = HashMap::new();
    for c in consultations::Entity::find()
        .filter(consultations::Column::Way.eq(ConsultWay::InPerson.as_str()))
        .all(db)
        .await?
    {
        if ids.contains(&c.suggestion_id) {
            let e = in_person.entry(c.suggestion_id).or_insert(c.day);
            *e = (*e).min(c.day);
        }
    }
    let mut out: HashMap<i64, SuggestionMeasures> = HashMap::new();
    for s in &rows {
        if let (Some(org), Some(day)) = (s.lead_org_id, s.assigned_on) {
            debug_assert_eq!(day.year(), year);
            add(
                out.entry(org).or_default(),
                s,
                in_person.get(&s.id).copied(),
            );
        }
    }
    Ok(out)
}
