//! Deputy duty points (代表履职积分): a ledger DERIVED from what was recorded, never typed in.
//!
//! Each entry is one (source, deputy, rule): a duty shift sat (a shift on a day already come),
//! a reception the deputy recorded, an opinion relayed (a case addressed to the deputy or made
//! from their reception, not rejected), feedback given on time (a `feedback` case event by the
//! deputy's own user on or before the case's feedback deadline), a station visit attended, an
//! inspection round joined (a visit of kind `inspection`). Rules (points per entry, a yearly
//! cap per rule) are set by ops per year; without rules for a year the defaults below apply.
//!
//! Entries carry the points of the rule when derived; the cap is applied when summing (a
//! deputy's total for a rule is at most its cap), so the ledger still shows every event.
//! A corrected source corrects its points: writing a visit, a duty shift or a reception
//! re-derives that source's entries in the same transaction ([`derive_visit`],
//! [`derive_shift`], [`derive_reception`]; removing one drops them, [`forget`]);
//! [`rebuild_year`] re-derives a whole year from every source (run by ops, and whenever the
//! rules change): it is how relayed cases and on-time feedback, which the case lifecycle
//! writes, reach the ledger, and it drops entries whose source is gone.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::entity::{point_entries, point_rules, visit_deputies, visits};
use crate::auth::entity::users;
use crate::cases::deadlines::local_today;
use crate::cases::entity::{cases, events};
use crate::duty::{receptions, shifts};

/// A kind of duty a deputy earns points for (代表履职积分); each has points per entry and a yearly cap.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// 值班坐班
    Shift,
    /// 接待群众
    Reception,
    /// 反映民意
    Relayed,
    /// 按时反馈
    Feedback,
    /// 参加进站活动
    Visit,
    /// 参加督查巡查
    Inspection,
}

impl Rule {
    /// Every rule, in the order the ledger and exports list them.
    pub const ALL: [Rule; 6] = [
        Rule::Shift,
        Rule::Reception,
        Rule::Relayed,
        Rule::Feedback,
        Rule::Visit,
        Rule::Inspection,
    ];

    /// The stable snake_case name, as stored in `point_rules.rule` and `point_entries.rule`.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Shift => "shift",
            Rule::Reception => "reception",
            Rule::Relayed => "relayed",
            Rule::Feedback => "feedback",
            Rule::Visit => "visit",
            Rule::Inspection => "inspection",
        }
    }

    /// The rule of a stable name; none for an unknown one.
    pub fn parse(s: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// (points per entry, yearly cap) when ops set nothing for the year.
    pub fn default_rule(self) -> (i32, Option<i32>) {
        match self {
            Rule::Shift => (2, Some(40)),
            Rule::Reception => (1, Some(20)),
            Rule::Relayed => (2, Some(30)),
            Rule::Feedback => (1, Some(20)),
            Rule::Visit => (2, Some(20)),
            Rule::Inspection => (3, Some(30)),
        }
    }

    /// The Chinese name, for exports.
    pub fn zh(self) -> &'static str {
        match self {
            Rule::Shift => "值班坐班",
            Rule::Reception => "接待群众",
            Rule::Relayed => "反映民意",
            Rule::Feedback => "按时反馈",
            Rule::Visit => "参加进站活动",
            Rule::Inspection => "参加督查巡查",
        }
    }
}

/// Where an entry came from.
pub mod source {
    /// A duty shift sat (`duty_shifts.id`), once its day has come.
    pub const SHIFT: &str = "duty_shift";
    /// A reception the deputy recorded (`receptions.id`).
    pub const RECEPTION: &str = "reception";
    /// A case relayed by the deputy (`cases.id`): addressed to them or made from their reception.
    pub const CASE: &str = "case";
    /// A `feedback` case event given on time by the deputy's own user (`case_events.id`).
    pub const EVENT: &str = "case_event";
    /// A station visit or inspection round attended (`visits.id`).
    pub const VISIT: &str = "visit";
}

/// One rule's setting for a year, as ops edit it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RuleSetting {
    /// Which rule.
    pub rule: Rule,
    /// Points per entry, -100 to 100.
    pub points: i32,
    /// Yearly cap per deputy for this rule (none: no cap).
    pub cap: Option<i32>,
}

/// The year's rules, every rule present (defaults filling the gaps).
pub async fn rules_for(
    db: &impl ConnectionTrait,
    year: i32,
) -> Result<BTreeMap<Rule, RuleSetting>, crate::error::Error> {
    let mut out: BTreeMap<Rule, RuleSetting> = Rule::ALL
        .into_iter()
        .map(|r| {
            let (points, cap) = r.default_rule();
            (
                r,
                RuleSetting {
                    rule: r,
                    points,
                    cap,
                },
            )
        })
        .collect();
    for row in point_rules::Entity::find()
        .filter(point_rules::Column::Year.eq(year))
        .all(db)
        .await?
    {
        if let Some(r) = Rule::parse(&row.rule) {
            out.insert(
                r,
                RuleSetting {
                    rule: r,
                    points: row.points,
                    cap: row.cap,
                },
            );
        }
    }
    Ok(out)
}

/// Stores the year's rules and re-derives the year's ledger with them.
pub async fn set_rules(
    db: &DatabaseConnection,
    year: i32,
    rules: &[RuleSetting],
    now: DateTime<Utc>,
) -> Result<usize, crate::error::Error> {
    let txn = db.begin().await?;
    for r in rules {
        point_rules::Entity::insert(point_rules::ActiveModel {
            year: Set(year),
            rule: Set(r.rule.as_str().to_owned()),
            points: Set(r.points),
            cap: Set(r.cap),
        })
        .on_conflict(
            OnConflict::columns([point_rules::Column::Year, point_rules::Column::Rule])
                .update_columns([point_rules::Column::Points, point_rules::Column::Cap])
                .to_owned(),
        )
        .exec(&txn)
        .await?;
    }
    let n = rebuild_in(&txn, year, now).await?;
    txn.commit().await?;
    Ok(n)
}

/// One entry to be.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Derived {
    deputy_id: i64,
    rule: Rule,
    source_kind: &'static str,
    source_id: i64,
    at: DateTime<Utc>,
}

fn at_noon(day: NaiveDate) -> DateTime<Utc> {
    // Noon in China is 04:00 UTC: the same local day, whatever the reader's zone.
    day.and_hms_opt(4, 0, 0).expect("valid time").and_utc()
}

fn year_bounds(year: i32) -> (DateTime<Utc>, DateTime<Utc>) {
    // Local (UTC+8) calendar years.
    let start = NaiveDate::from_ymd_opt(year, 1, 1)
        .expect("valid year")
        .and_hms_opt(0, 0, 0)
        .expect("valid time")
        .and_utc()
        - chrono::Duration::hours(8);
    let end = NaiveDate::from_ymd_opt(year + 1, 1, 1)
        .expect("valid year")
        .and_hms_opt(0, 0, 0)
        .expect("valid time")
        .and_utc()
        - chrono::Duration::hours(8);
    (start, end)
}

fn visit_entries(v: &visits::Model, deputies: &[i64]) -> Vec<Derived> {
    let rule = if v.kind == "inspection" {
        Rule::Inspection
    } else {
        Rule::Visit
    };
    let set: HashSet<i64> = deputies.iter().copied().collect();
    set.into_iter()
        .map(|d| Derived {
            deputy_id: d,
            rule,
            source_kind: source::VISIT,
            source_id: v.id,
            at: at_noon(v.day),
        })
        .collect()
}

async fn write(
    db: &impl ConnectionTrait,
    entries: Vec<Derived>,
    rules: &BTreeMap<Rule, RuleSetting>,
) -> Result<usize, crate::error::Error> {
    let n = entries.len();
    for chunk in entries.chunks(200) {
        let rows: Vec<point_entries::ActiveModel> = chunk
            .iter()
            .map(|e| point_entries::ActiveModel {
                deputy_id: Set(e.deputy_id),
                year: Set(local_today(e.at).year()),
                rule: Set(e.rule.as_str().to_owned()),
                source_kind: Set(e.source_kind.to_owned()),
                source_id: Set(e.source_id),
                points: Set(rules.get(&e.rule).map_or(0, |r| r.points)),
                at: Set(e.at),
                ..Default::default()
            })
            .collect();
        if !rows.is_empty() {
            point_entries::Entity::insert_many(rows).exec(db).await?;
        }
    }
    Ok(n)
}

/// Re-derives one visit's entries (call inside the transaction that wrote the visit; `None`
/// when the visit was deleted).
pub async fn derive_visit(
    db: &impl ConnectionTrait,
    visit_id: i64,
    visit: Option<(&visits::Model, &[i64])>,
) -> Result<(), crate::error::Error> {
    point_entries::Entity::delete_many()
        .filter(point_entries::Column::SourceKind.eq(source::VISIT))
        .filter(point_entries::Column::SourceId.eq(visit_id))
        .exec(db)
        .await?;
    if let Some((v, deputies)) = visit {
        let rules = rules_for(db, v.day.year()).await?;
        write(db, visit_entries(v, deputies), &rules).await?;
    }
    Ok(())
}

/// Drops a source's entries (a shift removed, a reception deleted), in the transaction that
/// removes the source.
pub async fn forget(
    db: &impl ConnectionTrait,
    source_kind: &str,
    source_id: i64,
) -> Result<(), crate::error::Error> {
    point_entries::Entity::delete_many()
        .filter(point_entries::Column::SourceKind.eq(source_kind))
        .filter(point_entries::Column::SourceId.eq(source_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Re-derives a duty shift's entry when it is written: a shift counts once its day has come
/// (a shift put on the roster ahead counts from the first rebuild on or after its day).
pub async fn derive_shift(
    db: &impl ConnectionTrait,
    s: &shifts::Model,
    today: NaiveDate,
) -> Result<(), crate::error::Error> {
    forget(db, source::SHIFT, s.id).await?;
    if s.day <= today {
        let rules = rules_for(db, s.day.year()).await?;
        let e = Derived {
            deputy_id: s.deputy_id,
            rule: Rule::Shift,
            source_kind: source::SHIFT,
            source_id: s.id,
            at: at_noon(s.day),
        };
        write(db, vec![e], &rules).await?;
    }
    Ok(())
}

/// Re-derives a reception's entry when it is written (a reception without a deputy gives none).
pub async fn derive_reception(
    db: &impl ConnectionTrait,
    r: &receptions::Model,
) -> Result<(), crate::error::Error> {
    forget(db, source::RECEPTION, r.id).await?;
    if let Some(d) = r.deputy_id {
        let rules = rules_for(db, local_today(r.received_at).year()).await?;
        let e = Derived {
            deputy_id: d,
            rule: Rule::Reception,
            source_kind: source::RECEPTION,
            source_id: r.id,
            at: r.received_at,
        };
        write(db, vec![e], &rules).await?;
    }
    Ok(())
}

/// Re-derives every entry of `year` from every source; the number of entries.
pub async fn rebuild_year(
    db: &DatabaseConnection,
    year: i32,
    now: DateTime<Utc>,
) -> Result<usize, crate::error::Error> {
    let txn = db.begin().await?;
    let n = rebuild_in(&txn, year, now).await?;
    txn.commit().await?;
    Ok(n)
}

async fn rebuild_in(
    db: &impl ConnectionTrait,
    year: i32,
    now: DateTime<Utc>,
) -> Result<usize, crate::error::Error> {
    let rules = rules_for(db, year).await?;
    let first = NaiveDate::from_ymd_opt(year, 1, 1).expect("valid year");
    let last = NaiveDate::from_ymd_opt(year, 12, 31).expect("valid year");
    let today = local_today(now);
    let (start, end) = year_bounds(year);
    let mut out: Vec<Derived> = Vec::new();

    // Shifts sat: only days already come.
    for s in shifts::Entity::find()
        .filter(shifts::Column::Day.gte(first))
        .filter(shifts::Column::Day.lte(last.min(today)))
        .all(db)
        .await?
    {
        out.push(Derived {
            deputy_id: s.deputy_id,
            rule: Rule::Shift,
            source_kind: source::SHIFT,
            source_id: s.id,
            at: at_noon(s.day),
        });
    }
    for r in receptions::Entity::find()
        .filter(receptions::Column::ReceivedAt.gte(start))
        .filter(receptions::Column::ReceivedAt.lt(end))
        .filter(receptions::Column::DeputyId.is_not_null())
        .all(db)
        .await?
    {
        if let Some(d) = r.deputy_id {
            out.push(Derived {
                deputy_id: d,
                rule: Rule::Reception,
                source_kind: source::RECEPTION,
                source_id: r.id,
                at: r.received_at,
            });
        }
    }
    for c in cases::Entity::find()
        .filter(cases::Column::CreatedAt.gte(start))
        .filter(cases::Column::CreatedAt.lt(end))
        .filter(cases::Column::DeputyId.is_not_null())
        .filter(cases::Column::Status.ne("rejected"))
        .all(db)
        .await?
    {
        if let Some(d) = c.deputy_id {
            out.push(Derived {
                deputy_id: d,
                rule: Rule::Relayed,
                source_kind: source::CASE,
                source_id: c.id,
                at: c.created_at,
            });
        }
    }
    // Feedback on time: the event's user must be a deputy's user.
    let fb = events::Entity::find()
        .filter(events::Column::Action.eq("feedback"))
        .filter(events::Column::ActorRole.eq("deputy"))
        .filter(events::Column::CreatedAt.gte(start))
        .filter(events::Column::CreatedAt.lt(end))
        .all(db)
        .await?;
    if !fb.is_empty() {
        let user_ids: HashSet<i64> = fb.iter().filter_map(|e| e.actor_user_id).collect();
        let case_ids: HashSet<i64> = fb.iter().map(|e| e.case_id).collect();
        let deputy_of: HashMap<i64, i64> = users::Entity::find()
            .filter(users::Column::Id.is_in(user_ids))
            .all(db)
            .await?
            .into_iter()
            .filter_map(|u| u.deputy_id.map(|d| (u.id, d)))
            .collect();
        let deadline_of: HashMap<i64, Option<NaiveDate>> = cases::Entity::find()
            .filter(cases::Column::Id.is_in(case_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.id, c.feedback_deadline))
            .collect();
        for e in fb {
            let Some(d) = e.actor_user_id.and_then(|u| deputy_of.get(&u)) else {
                continue;
            };
            let on_time = deadline_of
                .get(&e.case_id)
                .copied()
                .flatten()
                .is_some_and(|due| local_today(e.created_at) <= due);
            if on_time {
                out.push(Derived {
                    deputy_id: *d,
                    rule: Rule::Feedback,
                    source_kind: source::EVENT,
                    source_id: e.id,
                    at: e.created_at,
                });
            }
        }
    }
    let year_visits = visits::Entity::find()
        .filter(visits::Column::Day.gte(first))
        .filter(visits::Column::Day.lte(last))
        .all(db)
        .await?;
    if !year_visits.is_empty() {
        let mut attending: HashMap<i64, Vec<i64>> = HashMap::new();
        for a in visit_deputies::Entity::find()
            .filter(visit_deputies::Column::VisitId.is_in(year_visits.iter().map(|v| v.id)))
            .all(db)
            .await?
        {
            attending.entry(a.visit_id).or_default().push(a.deputy_id);
        }
        for v in &year_visits {
            out.extend(visit_entries(
                v,
                attending.get(&v.id).map(Vec::as_slice).unwrap_or(&[]),
            ));
        }
    }

    point_entries::Entity::delete_many()
        .filter(point_entries::Column::Year.eq(year))
        .exec(db)
        .await?;
    write(db, out, &rules).await
}

/// One deputy's year: per rule the entries' count, their sum and the capped sum.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleTotal {
    /// Which rule.
    pub rule: Rule,
    /// How many ledger entries the deputy has under it in the year.
    pub entries: i64,
    /// The entries' points summed, before the cap.
    pub points: i64,
    /// `points`, held to the rule's cap.
    pub counted: i64,
}

/// Sums entries into per-rule totals with the caps applied (pure: the rule is here).
pub fn totals(
    entries: &[point_entries::Model],
    rules: &BTreeMap<Rule, RuleSetting>,
) -> (Vec<RuleTotal>, i64) {
    let mut per: BTreeMap<Rule, (i64, i64)> = Rule::ALL.into_iter().map(|r| (r, (0, 0))).collect();
    for e in entries {
        if let Some(r) = Rule::parse(&e.rule) {
            let t = per.entry(r).or_default();
            t.0 += 1;
            t.1 += i64::from(e.points);
        }
    }
    let list: Vec<RuleTotal> = per
        .into_iter()
        .map(|(rule, (n, sum))| {
            let cap = rules.get(&rule).and_then(|s| s.cap).map(i64::from);
            RuleTotal {
                rule,
                entries: n,
                points: sum,
                counted: cap.map_or(sum, |c| sum.min(c)),
            }
        })
        .collect();
    let total = list.iter().map(|t| t.counted).sum();
    (list, total)
}

/// The year's entries of the deputies in `deputy_ids` (None: every deputy), oldest first.
pub async fn entries(
    db: &impl ConnectionTrait,
    year: i32,
    deputy_ids: Option<&[i64]>,
) -> Result<Vec<point_entries::Model>, crate::error::Error> {
    let mut q = point_entries::Entity::find().filter(point_entries::Column::Year.eq(year));
    if let Some(ids) = deputy_ids {
        q = q.filter(point_entries::Column::DeputyId.is_in(ids.iter().copied()));
    }
    Ok(q.order_by_asc(point_entries::Column::At)
        .order_by_asc(point_entries::Column::Id)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests;
