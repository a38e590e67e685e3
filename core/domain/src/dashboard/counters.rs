//! The counters the dashboards read, and the one rule that moves them.
//!
//! Every case event becomes a handful of deltas through [`on_event`], a pure function used
//! twice: by the live hooks (in the same transaction as the transition or the intake batch, so a
//! counter never disagrees with the cases it counts) and by `recount`, which replays every event
//! of every case through the same function. Because both paths share it, "counters equal a full
//! recount" is a property of the code, and the e2e test checks it after random walks.
//!
//! Two time axes, on purpose:
//! - The `all`, `category` and `channel` dimensions count a case under its intake month (the
//!   Asia/Shanghai date of submission): "of the opinions received in March, how many are
//!   closed, how many answered on time". Status gauges (`s_<status>`) live on this axis too.
//! - The `org` dimension counts each event under the month it happened in, against the lead
//!   organisation (主办) at that moment: the appraisal asks "what did this department do in
//!   2026". "On time" there means the sign-for (签收) event's date is on or before the case's
//!   sign deadline, and the reply (答复) event's date on or before the reply deadline in force
//!   at that moment (after any granted extension); both are recorded on the event as `on_time`.
//!
//! A case's category can change only at registration, while it has nothing counted but its
//! receipt; the hook moves that receipt to the new category, so every counter of a case sits
//! under its current category and a recount from the case row agrees.
//!
//! Every change is also added to an all-time row (month 0), which is what the cockpit and the
//! big screen read for their totals.
//!
//! An organisation's slice follows the glossary's definitions for an organisation: its
//! "received" (收到意见) is the assignments that made it lead, on the event-month axis, and its
//! status gauges (`s_<status>`, hence 办理中 and 已办结) are kept under the lead organisation a
//! case has *now*, in the all-time row only: a gauge is a "now" figure, it has no month, and a
//! case moves from one organisation's gauge to another's when it is returned and reassigned.
//!
//! "Overdue" is not here: it changes with the clock, not with events. It is counted live over
//! the index on `cases(due_on, station_id, lead_org_id)`, which reads only the cases whose step
//! deadline has passed (see `dashboard::queries`).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use serde_json::Value;

use crate::cases::deadlines::local_today;
use crate::cases::entity::{cases, events};

/// Maps the `dashboard_counters` table: the pre-counted figures, one row per dimension, station, key, month and metric.
pub(crate) mod entity {
    use sea_orm::entity::prelude::*;

    /// One counter: how many events of one kind fell under one key in one month.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "dashboard_counters")]
    pub struct Model {
        /// The dimension: [`DIM_ALL`](super::DIM_ALL), [`DIM_CATEGORY`](super::DIM_CATEGORY), [`DIM_CHANNEL`](super::DIM_CHANNEL) or [`DIM_ORG`](super::DIM_ORG).
        #[sea_orm(primary_key, auto_increment = false)]
        pub dim: String,
        /// The station counted (`stations.id`), or [`DISTRICT`](super::DISTRICT) (0) for the district-wide row.
        #[sea_orm(primary_key, auto_increment = false)]
        pub station_id: i64,
        /// The value within the dimension: a category id, a channel name or an organisation id, as text; empty for `all`.
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        /// `yyyymm` (intake month for the case dimensions, event month for `org`), or [`ALL_TIME`](super::ALL_TIME) (0).
        #[sea_orm(primary_key, auto_increment = false)]
        pub month: i32,
        /// What is counted: one of [`metric`](super::metric), or a status gauge `s_<status>`.
        #[sea_orm(primary_key, auto_increment = false)]
        pub metric: String,
        /// The count; gauges go down as cases leave a status, the rest only grow (except when a category is corrected at registration).
        pub value: i64,
    }

    /// No relations declared: nothing joins on the counters.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The station id of the district-wide rows.
pub const DISTRICT: i64 = 0;

/// The month of the all-time rows: every change is added to its month and to this one, so a
/// dashboard reads one row per key and metric however many years the district has run.
pub const ALL_TIME: i32 = 0;

/// Dimension: every case of the station (key empty).
pub const DIM_ALL: &str = "all";
/// Dimension: per category (key: the category id).
pub const DIM_CATEGORY: &str = "category";
/// Dimension: per intake channel (key: the channel's snake_case name).
pub const DIM_CHANNEL: &str = "channel";
/// Dimension: per lead handling organisation (key: its id), on the event-month axis.
pub const DIM_ORG: &str = "org";

/// Metrics on the intake-month axis.
pub mod metric {
    /// Cases submitted (收到意见).
    pub const RECEIVED: &str = "received";
    /// Cases acknowledged (签收) by the lead organisation.
    pub const SIGNED: &str = "signed";
    /// Acknowledged on or before the sign deadline.
    pub const SIGNED_ON_TIME: &str = "signed_on_time";
    /// Cases answered (答复) by the lead organisation.
    pub const REPLIED: &str = "replied";
    /// Answered on or before the reply deadline in force (after any granted extension).
    pub const REPLIED_ON_TIME: &str = "replied_on_time";
    /// Cases answered by the station itself (站内解决).
    pub const RESOLVED: &str = "resolved";
    /// Answers relayed to the resident (代表反馈).
    pub const FEEDBACK: &str = "feedback";
    /// Relayed on or before the feedback deadline.
    pub const FEEDBACK_ON_TIME: &str = "feedback_on_time";
    /// Ratings 满意.
    pub const SATISFIED: &str = "satisfied";
    /// Ratings 基本满意.
    pub const BASICALLY_SATISFIED: &str = "basically_satisfied";
    /// Ratings 不满意.
    pub const UNSATISFIED: &str = "unsatisfied";
    /// Cases closed without a rating (by staff, or by the sweeper after the rating window).
    pub const CLOSED_UNRATED: &str = "closed_unrated";
    /// Cases sent back for rework (重办): an unsatisfied rating or a reopen.
    pub const REWORKED: &str = "reworked";
    /// Cases returned (退回) by the organisation as wrongly assigned.
    pub const RETURNED: &str = "returned";
    /// Cases assigned (交办); for an organisation, those it was made lead of.
    pub const ASSIGNED: &str = "assigned";
    /// Prefix of the status gauges: `s_submitted`, `s_closed`, …
    pub const STATUS_PREFIX: &str = "s_";
}

/// Which counter row a delta goes to; the columns of the table's primary key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CounterKey {
    /// The dimension (`DIM_*`).
    pub dim: String,
    /// The station, or [`DISTRICT`].
    pub station_id: i64,
    /// The key within the dimension.
    pub key: String,
    /// `yyyymm`, or [`ALL_TIME`].
    pub month: i32,
    /// The metric.
    pub metric: String,
}

/// Counter changes, merged by key (one upsert row per key, zero changes dropped).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Deltas(pub BTreeMap<CounterKey, i64>);

impl Deltas {
    /// Adds `n` under `month` and under [`ALL_TIME`].
    fn add(&mut self, dim: &str, station_id: i64, key: &str, month: i32, metric: &str, n: i64) {
        for m in [month, ALL_TIME] {
            let k = CounterKey {
                dim: dim.to_owned(),
                station_id,
                key: key.to_owned(),
                month: m,
                metric: metric.to_owned(),
            };
            *self.0.entry(k).or_insert(0) += n;
        }
    }

    /// A case-axis metric: under the case's station and the district, in every case dimension.
    pub fn case(&mut self, c: &CaseFacts, metric: &str, n: i64) {
        for station in [c.station_id, DISTRICT] {
            self.add(DIM_ALL, station, "", c.intake_month, metric, n);
            self.add(
                DIM_CATEGORY,
                station,
                &c.category_id.to_string(),
                c.intake_month,
                metric,
                n,
            );
            self.add(DIM_CHANNEL, station, &c.channel, c.intake_month, metric, n);
        }
    }

    /// An organisation-axis metric, in the month the event happened.
    pub fn org(&mut self, c: &CaseFacts, org: Option<i64>, month: i32, metric: &str, n: i64) {
        let Some(org) = org else { return };
        for station in [c.station_id, DISTRICT] {
            self.add(DIM_ORG, station, &org.to_string(), month, metric, n);
        }
    }

    /// A status gauge of the organisation leading a case now: all-time row only (a gauge has
    /// no month).
    fn org_gauge(&mut self, c: &CaseFacts, org: i64, status: &str, n: i64) {
        for station in [c.station_id, DISTRICT] {
            let k = CounterKey {
                dim: DIM_ORG.to_owned(),
                station_id: station,
                key: org.to_string(),
                month: ALL_TIME,
                metric: format!("{}{status}", metric::STATUS_PREFIX),
            };
            *self.0.entry(k).or_insert(0) += n;
        }
    }

    /// True when every change is zero: nothing to write.
    pub fn is_empty(&self) -> bool {
        self.0.values().all(|v| *v == 0)
    }
}

/// What a case is counted under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    /// The case's station.
    pub station_id: i64,
    /// The case's current category.
    pub category_id: i64,
    /// The case's intake channel.
    pub channel: String,
    /// `yyyymm` of the Asia/Shanghai date the case was submitted.
    pub intake_month: i32,
}

impl CaseFacts {
    /// The facts of a case row.
    pub fn of(c: &crate::cases::entity::cases::Model) -> Self {
        CaseFacts {
            station_id: c.station_id,
            category_id: c.category_id,
            channel: c.channel.as_str().to_owned(),
            intake_month: month_of(c.created_at),
        }
    }
}

/// `yyyymm` of the Asia/Shanghai date of `at`.
pub fn month_of(at: DateTime<Utc>) -> i32 {
    let d = local_today(at);
    d.year() * 100 + d.month() as i32
}

/// One event, as the counters see it.
pub struct Step<'a> {
    /// The action's snake_case name (`submit` for intake).
    pub action: &'a str,
    /// Empty for the first event (submit).
    pub from: &'a str,
    /// The status after the event.
    pub to: &'a str,
    /// The event's JSON particulars (`on_time`, `rating`, …), Null when none.
    pub data: &'a Value,
    /// The lead organisation before and after the event.
    pub lead_before: Option<i64>,
    /// The lead organisation after the event (an assignment sets it).
    pub lead_after: Option<i64>,
    /// `yyyymm` of the event's date.
    pub month: i32,
}

fn on_time(data: &Value) -> bool {
    data.get("on_time")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// The deltas of one event of a case counted under `c`.
pub fn on_event(d: &mut Deltas, c: &CaseFacts, s: &Step) {
    use metric::*;
    if s.action == "submit" {
        d.case(c, RECEIVED, 1);
    }
    if s.from != s.to {
        if !s.from.is_empty() {
            d.case(c, &format!("{STATUS_PREFIX}{}", s.from), -1);
        }
        d.case(c, &format!("{STATUS_PREFIX}{}", s.to), 1);
    }
    // The lead's gauges move when the status or the lead changes (an assignment, a return).
    if s.from != s.to || s.lead_before != s.lead_after {
        if let (Some(org), false) = (s.lead_before, s.from.is_empty()) {
            d.org_gauge(c, org, s.from, -1);
        }
        if let Some(org) = s.lead_after {
            d.org_gauge(c, org, s.to, 1);
        }
    }
    let both = |d: &mut Deltas, org: Option<i64>, m: &str| {
        d.case(c, m, 1);
        d.org(c, org, s.month, m, 1);
    };
    match s.action {
        "assign" => {
            both(d, s.lead_after, ASSIGNED);
            // For an organisation, 收到意见 is being made lead (the glossary's definition).
            d.org(c, s.lead_after, s.month, RECEIVED, 1);
        }
        "acknowledge" => {
            both(d, s.lead_before, SIGNED);
            if on_time(s.data) {
                both(d, s.lead_before, SIGNED_ON_TIME);
            }
        }
        "reply" => {
            both(d, s.lead_before, REPLIED);
            if on_time(s.data) {
                both(d, s.lead_before, REPLIED_ON_TIME);
            }
        }
        "return" => both(d, s.lead_before, RETURNED),
        "resolve" => d.case(c, RESOLVED, 1),
        "feedback" => {
            d.case(c, FEEDBACK, 1);
            if on_time(s.data) {
                d.case(c, FEEDBACK_ON_TIME, 1);
            }
        }
        "rate" => {
            let kind = match s.data.get("rating").and_then(Value::as_str) {
                Some("satisfied") => SATISFIED,
                Some("basically_satisfied") => BASICALLY_SATISFIED,
                _ => UNSATISFIED,
            };
            both(d, s.lead_before, kind);
            if kind == UNSATISFIED {
                // An unsatisfied rating reopens the case: rework of the answer just rated.
                both(d, s.lead_before, REWORKED);
            }
        }
        "reopen" => both(d, s.lead_before, REWORKED),
        "close" => d.case(c, CLOSED_UNRATED, 1),
        _ => {}
    }
}

/// The deltas of a case's category changing while it was only received (registration).
pub fn recategorise(d: &mut Deltas, before: &CaseFacts, after_category: i64, status: &str) {
    if before.category_id == after_category {
        return;
    }
    let after = CaseFacts {
        category_id: after_category,
        ..before.clone()
    };
    let gauge = format!("{}{status}", metric::STATUS_PREFIX);
    for (facts, n) in [(before, -1), (&after, 1)] {
        for station in [facts.station_id, DISTRICT] {
            let key = facts.category_id.to_string();
            d.add(
                DIM_CATEGORY,
                station,
                &key,
                facts.intake_month,
                metric::RECEIVED,
                n,
            );
            d.add(DIM_CATEGORY, station, &key, facts.intake_month, &gauge, n);
        }
    }
}

/// The live hook of a transition, in its transaction: `before` and `after` are the case row
/// around the event.
pub async fn on_transition(
    txn: &impl ConnectionTrait,
    before: &cases::Model,
    after: &cases::Model,
    event: &events::Model,
) -> Result<(), DbErr> {
    let mut d = Deltas::default();
    let facts = CaseFacts::of(before);
    if event.action == "register" {
        recategorise(&mut d, &facts, after.category_id, &event.from_status);
    }
    let facts = CaseFacts {
        category_id: after.category_id,
        ..facts
    };
    let data: Value = event
        .data
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null);
    on_event(
        &mut d,
        &facts,
        &Step {
            action: &event.action,
            from: &event.from_status,
            to: &event.to_status,
            data: &data,
            lead_before: before.lead_org_id,
            lead_after: after.lead_org_id,
            month: month_of(event.created_at),
        },
    );
    apply(txn, &d).await
}

/// The live hook of intake: the cases just written (one, or a whole group-commit batch), their
/// receipts counted in one upsert in the same transaction.
pub async fn on_intake(txn: &impl ConnectionTrait, new: &[cases::Model]) -> Result<(), DbErr> {
    let mut d = Deltas::default();
    for c in new {
        on_event(
            &mut d,
            &CaseFacts::of(c),
            &Step {
                action: "submit",
                from: "",
                to: c.status.as_str(),
                data: &Value::Null,
                lead_before: None,
                lead_after: None,
                month: month_of(c.created_at),
            },
        );
    }
    apply(txn, &d).await
}

/// Adds `deltas` to the stored counters: one multi-row upsert per few hundred keys, in the
/// caller's transaction. Keys are sorted (a BTreeMap), so two transactions touching the same
/// rows lock them in the same order and cannot deadlock each other.
pub async fn apply(db: &impl ConnectionTrait, deltas: &Deltas) -> Result<(), DbErr> {
    use entity::Column as C;
    let rows: Vec<_> = deltas.0.iter().filter(|(_, v)| **v != 0).collect();
    for chunk in rows.chunks(500) {
        let mut q = Query::insert();
        q.into_table(entity::Entity).columns([
            C::Dim,
            C::StationId,
            C::Key,
            C::Month,
            C::Metric,
            C::Value,
        ]);
        for (k, v) in chunk {
            q.values_panic([
                k.dim.clone().into(),
                k.station_id.into(),
                k.key.clone().into(),
                k.month.into(),
                k.metric.clone().into(),
                (**v).into(),
            ]);
        }
        q.on_conflict(
            OnConflict::columns([C::Dim, C::StationId, C::Key, C::Month, C::Metric])
                .value(
                    C::Value,
                    Expr::cust("dashboard_counters.value + excluded.value"),
                )
                .to_owned(),
        );
        db.execute(&q).await?;
    }
    Ok(())
}

/// Every stored counter that is not zero (a gauge back at zero keeps its row).
pub async fn load_all(
    db: &impl ConnectionTrait,
) -> Result<BTreeMap<CounterKey, i64>, crate::error::Error> {
    Ok(entity::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter(|m| m.value != 0)
        .map(|m| {
            (
                CounterKey {
                    dim: m.dim,
                    station_id: m.station_id,
                    key: m.key,
                    month: m.month,
                    metric: m.metric,
                },
                m.value,
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn facts() -> CaseFacts {
        CaseFacts {
            station_id: 3,
            category_id: 1,
            channel: "station_qr".into(),
            intake_month: 202611,
        }
    }

    fn get(d: &Deltas, dim: &str, station: i64, key: &str, month: i32, metric: &str) -> i64 {
        d.0.get(&CounterKey {
            dim: dim.into(),
            station_id: station,
            key: key.into(),
            month,
            metric: metric.into(),
        })
        .copied()
        .unwrap_or(0)
    }

    #[test]
    fn a_sign_for_counts_for_the_case_and_for_its_lead_in_the_event_month() {
        let mut d = Deltas::default();
        let data = json!({ "on_time": true });
        on_event(
            &mut d,
            &facts(),
            &Step {
                action: "acknowledge",
                from: "assigned",
                to: "in_progress",
                data: &data,
                lead_before: Some(7),
                lead_after: Some(7),
                month: 202612,
            },
        );
        for station in [3, DISTRICT] {
            assert_eq!(get(&d, DIM_ALL, station, "", 202611, "s_assigned"), -1);
            assert_eq!(get(&d, DIM_ALL, station, "", 202611, "s_in_progress"), 1);
            assert_eq!(get(&d, DIM_CATEGORY, station, "1", 202611, "signed"), 1);
            assert_eq!(get(&d, DIM_ORG, station, "7", 202612, "signed_on_time"), 1);
            assert_eq!(get(&d, DIM_ORG, station, "7", 202611, "signed"), 0);
            assert_eq!(get(&d, DIM_ORG, station, "7", ALL_TIME, "signed"), 1);
            assert_eq!(get(&d, DIM_CATEGORY, station, "1", ALL_TIME, "signed"), 1);
        }
    }

    #[test]
    fn an_organisation_receives_on_assignment_and_its_gauges_follow_the_lead() {
        let step = |action, from, to, before, after| {
            let mut d = Deltas::default();
            on_event(
                &mut d,
                &facts(),
                &Step {
                    action,
                    from,
                    to,
                    data: &Value::Null,
                    lead_before: before,
                    lead_after: after,
                    month: 202612,
                },
            );
            d
        };
        let d = step("assign", "registered", "assigned", None, Some(7));
        assert_eq!(get(&d, DIM_ORG, 3, "7", 202612, "received"), 1);
        assert_eq!(get(&d, DIM_ORG, DISTRICT, "7", ALL_TIME, "received"), 1);
        assert_eq!(get(&d, DIM_ORG, 3, "7", ALL_TIME, "s_assigned"), 1);
        assert_eq!(
            get(&d, DIM_ORG, 3, "7", 202612, "s_assigned"),
            0,
            "no month"
        );
        let d = step("return", "in_progress", "registered", Some(7), None);
        assert_eq!(get(&d, DIM_ORG, 3, "7", ALL_TIME, "s_in_progress"), -1);
        assert_eq!(get(&d, DIM_ORG, 3, "7", ALL_TIME, "s_registered"), 0);
        let d = step("rate", "feedback_given", "closed", Some(7), Some(7));
        assert_eq!(get(&d, DIM_ORG, 3, "7", ALL_TIME, "s_feedback_given"), -1);
        assert_eq!(get(&d, DIM_ORG, 3, "7", ALL_TIME, "s_closed"), 1);
        // A reminder changes neither status nor lead: no gauge moves.
        let d = step("remind", "assigned", "assigned", Some(7), Some(7));
        assert!(d.0.keys().all(|k| !k.metric.starts_with("s_")));
    }

    #[test]
    fn moving_a_receipt_to_another_category_keeps_the_totals() {
        let mut d = Deltas::default();
        recategorise(&mut d, &facts(), 4, "submitted");
        assert_eq!(get(&d, DIM_CATEGORY, 3, "1", 202611, "received"), -1);
        assert_eq!(get(&d, DIM_CATEGORY, 3, "4", 202611, "received"), 1);
        assert_eq!(
            get(&d, DIM_CATEGORY, DISTRICT, "4", 202611, "s_submitted"),
            1
        );
        assert_eq!(get(&d, DIM_ALL, 3, "", 202611, "received"), 0);
        assert_eq!(get(&d, DIM_CATEGORY, 3, "4", ALL_TIME, "received"), 1);
    }

    #[test]
    fn months_are_shanghai_dates() {
        let late = "2026-11-30T17:00:00Z".parse().unwrap();
        assert_eq!(month_of(late), 202612);
        let early = "2026-11-30T15:59:59Z".parse().unwrap();
        assert_eq!(month_of(early), 202611);
    }
}
