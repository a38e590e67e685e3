//! Measures of one organisation's handling over a year, read from the counters: what the
//! appraisal's computed items are made of.

use std::collections::HashMap;

use sea_orm::{DatabaseConnection, DbErr};
use serde::Serialize;

/// What the cases say about one organisation (as lead, 主办) in one year.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OrgMeasures {
    /// Cases assigned to it.
    pub assigned: i64,
    /// Sign-fors (签收), and those made by the sign deadline.
    pub signed: i64,
    pub signed_on_time: i64,
    /// Replies (答复), and those made by the reply deadline.
    pub replied: i64,
    pub replied_on_time: i64,
    /// Residents' ratings of its answers, by kind.
    pub rated: i64,
    pub satisfied: i64,
    pub basically_satisfied: i64,
    pub unsatisfied: i64,
    /// Cases reopened for rework (返工).
    pub reworked: i64,
}

/// Every organisation's measures for `year` (organisations with nothing are absent).
pub async fn org_year(
    _db: &DatabaseConnection,
    _year: i32,
) -> Result<HashMap<i64, OrgMeasures>, DbErr> {
    // Filled in by the counters; until then nothing is measured.
    Ok(HashMap::new())
}
