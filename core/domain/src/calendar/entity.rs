//! Maps the `calendar_days` table: the exceptions to the Monday–Friday working week that
//! working-day deadlines are counted with, kept by ops.

use sea_orm::entity::prelude::*;

/// A day that differs from the ordinary week: a public holiday on a weekday, or a weekend day worked in exchange (调休).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calendar_days")]
pub struct Model {
    /// The date (Asia/Shanghai); the primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    /// "holiday" or "workday" ([`crate::calendar::DayKind`]).
    pub kind: String,
    /// The name shown for the day (e.g. 春节, or the holiday a workday is swapped for).
    pub name: String,
}

/// No relations declared: nothing joins on the calendar.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
