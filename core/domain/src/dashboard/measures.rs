//! Measures of one organisation's handling over a year, read from the counters: what the
//! appraisal's computed items are made of.

use std::collections::HashMap;

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect};

use super::counters;
use serde::Serialize;

/// What the cases say about one organisation (as lead, 主办) in one year.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OrgMeasures {
    /// Cases assigned to it.
    pub assigned: i64,
    /// Sign-fors (签收), and those made by the sign deadline.
    pub signed: i64,
    /// Of the sign-fors, those on or before the sign deadline.
    pub signed_on_time: i64,
    /// Replies (答复), and those made by the reply deadline.
    pub replied: i64,
    /// Of the replies, those on or before the reply deadline in force (after any granted extension).
    pub replied_on_time: i64,
    /// Residents' ratings of its answers, by kind.
    pub rated: i64,
    /// Ratings 满意 (counted as 1 in the satisfaction part).
    pub satisfied: i64,
    /// Ratings 基本满意 (counted as 0.6).
    pub basically_satisfied: i64,
    /// Ratings 不满意 (counted as 0; each also sends the case back for rework).
    pub unsatisfied: i64,
    /// Cases reopened for rework (返工).
    pub reworked: i64,
}

/// Every organisation's measures for `year` (organisations with nothing are absent).
///
/// Read from the district-wide `org` counters: each event counts in the year of its own date
/// (Asia/Shanghai), against the lead organisation at that moment. A sign-for is on time when
/// its date is on or before the sign deadline; a reply when its date is on or before the reply
/// deadline in force then (after any granted extension). A rating counts for the organisation
/// whose answer was rated; an unsatisfied rating, or staff reopening a closed case, is one
/// rework for that organisation. Every assignment counts, a reassignment after rework included.
pub async fn org_year(
    db: &DatabaseConnection,
    year: i32,
) -> Result<HashMap<i64, OrgMeasures>, DbErr> {
    use counters::entity::{Column as C, Entity};
    let rows: Vec<(String, String, Option<i64>)> = Entity::find()
        .select_only()
        .column(C::Key)
        .column(C::Metric)
        // PostgreSQL sums a bigint into a numeric; the cast keeps it an i64 on both backends.
        .column_as(Expr::cust("CAST(SUM(value) AS BIGINT)"), "total")
        .filter(C::Dim.eq(counters::DIM_ORG))
        .filter(C::StationId.eq(counters::DISTRICT))
        .filter(C::Month.between(year * 100 + 1, year * 100 + 12))
        .group_by(C::Key)
        .group_by(C::Metric)
        .into_tuple()
        .all(db)
        .await?;
    let mut out: HashMap<i64, OrgMeasures> = HashMap::new();
    for (key, metric, total) in rows {
        let (Ok(org), Some(n)) = (key.parse::<i64>(), total) else {
            continue;
        };
        let m = out.entry(org).or_default();
        use counters::metric::*;
        match metric.as_str() {
            ASSIGNED => m.assigned += n,
            SIGNED => m.signed += n,
            SIGNED_ON_TIME => m.signed_on_time += n,
            REPLIED => m.replied += n,
            REPLIED_ON_TIME => m.replied_on_time += n,
            SATISFIED => m.satisfied += n,
            BASICALLY_SATISFIED => m.basically_satisfied += n,
            UNSATISFIED => m.unsatisfied += n,
            REWORKED => m.reworked += n,
            _ => {}
        }
    }
    for m in out.values_mut() {
        m.rated = m.satisfied + m.basically_satisfied + m.unsatisfied;
    }
    out.retain(|_, m| *m != OrgMeasures::default());
    Ok(out)
}
