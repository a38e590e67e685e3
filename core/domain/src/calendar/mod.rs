//! The working-day calendar. Weekends rest and weekdays work, except for the rows ops keep:
//! statutory holidays that fall on weekdays and make-up working days (调休) that fall on weekends.
//! Deadlines are counted on it, so a case assigned before the Spring Festival is not overdue
//! when everyone returns.

pub(crate) mod entity;

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionSession, TransactionTrait,
};

use crate::error::Error;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Whether a row of the ops-kept calendar overrides the weekday rule for its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A day off, whatever weekday it is.
    Holiday,
    /// A working day, even on a weekend (调休).
    Workday,
}

impl DayKind {
    /// The value stored in the calendar table's `kind` column and used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    /// Reads a stored `kind` back; `None` for anything else, so an unknown row is ignored rather
    /// than turning a day off into a working day.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "holiday" => Some(DayKind::Holiday),
            "workday" => Some(DayKind::Workday),
            _ => None,
        }
    }
}

/// Working days in Asia/Shanghai dates: Monday to Friday, except the dates ops mark as
/// holidays or make-up workdays. Deadlines (sign-for, reply, reminders) are counted on it.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    exceptions: HashMap<NaiveDate, DayKind>,
}

impl Calendar {
    /// A calendar from its exception rows; a date given twice keeps the last kind.
    pub fn new(exceptions: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> Self {
        Self {
            exceptions: exceptions.into_iter().collect(),
        }
    }

    /// The calendar as ops keep it; a few dozen rows a year, so it is read whole.
    pub async fn load(db: &impl ConnectionTrait) -> Result<Self, Error> {
        let rows = entity::Entity::find().all(db).await?;
        Ok(Self::new(
            rows.into_iter()
                .filter_map(|r| Some((r.day, DayKind::parse(&r.kind)?))),
        ))
    }

    /// Whether `day` counts towards deadlines: an exception row decides, otherwise Monday–Friday.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.exceptions.get(&day) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The `n`th working day after `from` (`from` itself never counts, so a case assigned on a
    /// Friday with one day to sign for is due on Monday). `n == 0` gives `from` when it is a
    /// working day, else the next one.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut day = from;
        if n == 0 {
            while !self.is_working_day(day) {
                day += Duration::days(1);
            }
            return day;
        }
        let mut left = n;
        while left > 0 {
            day += Duration::days(1);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days in `(from, to]`; negative when `to` is before `from`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        let (a, b, sign) = if to >= from {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        let mut count = 0;
        let mut day = a;
        while day < b {
            day += Duration::days(1);
            if self.is_working_day(day) {
                count += 1;
            }
        }
        count * sign
    }
}

/// Marks `day` as a holiday or a make-up working day, replacing what was there (ops: the API
/// and the console both come here). The name as stored.
pub async fn put_day(
    db: &(impl ConnectionTrait + TransactionTrait),
    day: NaiveDate,
    kind: DayKind,
    name: &str,
) -> Result<String, Error> {
    let name = crate::required_text("name", name, 50)?;
    // Replace in one transaction, so two edits of one day cannot leave it half-written.
    let txn = db.begin().await?;
    entity::Entity::delete_by_id(day).exec(&txn).await?;
    entity::ActiveModel {
        day: Set(day),
        kind: Set(kind.as_str().to_owned()),
        name: Set(name.clone()),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(name)
}

/// Returns `day` to the weekday/weekend rule; false when it was not in the calendar.
pub async fn remove_day(db: &impl ConnectionTrait, day: NaiveDate) -> Result<bool, Error> {
    let res = entity::Entity::delete_many()
        .filter(entity::Column::Day.eq(day))
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}

/// The calendar's rows in date order, only `year`'s when given: the exceptions to "weekdays
/// work, weekends rest" as ops keep them.
pub async fn days(
    db: &impl ConnectionTrait,
    year: Option<i32>,
) -> Result<Vec<entity::Model>, Error> {
    let rows = entity::Entity::find()
        .order_by_asc(entity::Column::Day)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|r| year.is_none_or(|y| r.day.year() == y))
        .collect())
}

/// How many days of `year` ops have marked.
pub async fn days_in_year(db: &impl ConnectionTrait, year: i32) -> Result<u64, Error> {
    Ok(days(db, Some(year)).await?.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// 2026 Spring Festival as published: 15–23 Feb off, Sat 14 and Sat 28 Feb worked.
    fn spring_festival_2026() -> Calendar {
        let mut rows: Vec<_> = (15..=23)
            .map(|x| (d(2026, 2, x), DayKind::Holiday))
            .collect();
        rows.push((d(2026, 2, 14), DayKind::Workday));
        rows.push((d(2026, 2, 28), DayKind::Workday));
        Calendar::new(rows)
    }

    #[test]
    fn plain_weeks_skip_weekends() {
        let cal = Calendar::default();
        // Friday 27 Nov 2026 + 1 working day = Monday 30 Nov.
        assert_eq!(cal.add_working_days(d(2026, 11, 27), 1), d(2026, 11, 30));
        // Wednesday + 15 working days = three weeks later.
        assert_eq!(cal.add_working_days(d(2026, 11, 4), 15), d(2026, 11, 25));
        assert!(!cal.is_working_day(d(2026, 11, 28)));
    }

    #[test]
    fn zero_days_rolls_forward_to_a_working_day() {
        let cal = spring_festival_2026();
        assert_eq!(cal.add_working_days(d(2026, 2, 16), 0), d(2026, 2, 24));
        assert_eq!(cal.add_working_days(d(2026, 2, 24), 0), d(2026, 2, 24));
    }

    #[test]
    fn holidays_are_skipped_and_make_up_days_count() {
        let cal = spring_festival_2026();
        // Friday 13 Feb + 1: Saturday 14 is a make-up working day.
        assert_eq!(cal.add_working_days(d(2026, 2, 13), 1), d(2026, 2, 14));
        // Saturday 14 + 1: the whole festival is skipped, Tuesday 24 is next.
        assert_eq!(cal.add_working_days(d(2026, 2, 14), 1), d(2026, 2, 24));
        // Thursday 12 Feb + 5: 13, 14, 24, 25, 26.
        assert_eq!(cal.add_working_days(d(2026, 2, 12), 5), d(2026, 2, 26));
        // Tuesday 24 + 4: 25, 26, 27, then the make-up Saturday 28.
        assert_eq!(cal.add_working_days(d(2026, 2, 24), 4), d(2026, 2, 28));
        assert!(cal.is_working_day(d(2026, 2, 28)));
        assert!(!cal.is_working_day(d(2026, 2, 16)));
    }

    #[test]
    fn counting_between_agrees_with_adding() {
        let cal = spring_festival_2026();
        for n in 0..40 {
            let from = d(2026, 2, 10);
            let to = cal.add_working_days(from, n);
            assert_eq!(cal.working_days_between(from, to), n as i64, "n = {n}");
            assert_eq!(cal.working_days_between(to, from), -(n as i64));
        }
    }
}
