//! The duty points as people read them: the table of deputies' totals and the ledger, narrowed
//! to what the caller may see (a deputy their own; a station's staff the deputies whose home
//! station it is; ops and viewers the district), and their exports.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Actor;
use crate::cases::queries::Named;
use crate::error::{Error as ApiError, FieldKind};
use crate::oversight::appraisal::check_year;
use crate::oversight::exports::{Cell, Format, Table};
use crate::oversight::points::{self, Rule, RuleSetting, RuleTotal};
use crate::policy::{self, PointsReach};
use crate::{deputies, stations};

/// Query of the duty-points table, the ledger and their exports; it narrows what the caller
/// may see, never widens it.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct PointsFilter {
    /// Station code (ops and viewers; others are held to their own).
    pub station: Option<String>,
    /// Deputy code (the ledger of one deputy).
    pub deputy: Option<String>,
    /// json (default), csv or xlsx.
    #[param(inline)]
    pub format: Option<Format>,
}

/// One deputy's line in the year's duty-points table (代表履职积分).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeputyRow {
    /// The deputy.
    pub deputy: Named,
    /// The deputy's home station (empty code and name if it no longer exists).
    pub station: Named,
    /// Per rule, in [`Rule::ALL`] order: entries, points before the cap and points counted.
    pub rules: Vec<RuleTotal>,
    /// The year's total: the counted (capped) points of every rule summed.
    pub total: i64,
}

/// One entry of the duty-points ledger (积分明细): points one deputy earned (or lost) from one
/// recorded event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EntryOut {
    /// The deputy credited.
    pub deputy: Named,
    /// The rule the entry falls under.
    pub rule: Rule,
    /// What kind of record gave it: one of the names in [`points::source`] (a duty shift, a
    /// reception, a case, a feedback event or a visit).
    pub source_kind: String,
    /// The id of that record in its own table (e.g. `visits.id` for a visit).
    pub source_id: i64,
    /// The points the rule gave for one entry when the ledger was derived (negative rules take
    /// points away); the rule's yearly cap is applied only in the totals.
    pub points: i32,
    /// When the duty was done; its local date (Asia/Shanghai) decides the year.
    pub at: DateTime<Utc>,
}

/// The deputies the caller may see, narrowed by the filter.
pub async fn deputies_in_view(
    db: &impl ConnectionTrait,
    actor: &Actor,
    f: &PointsFilter,
) -> Result<Vec<deputies::entity::Model>, ApiError> {
    let mut q = deputies::entity::Entity::find().order_by_asc(deputies::entity::Column::Code);
    match policy::points_reach(actor) {
        Some(PointsReach::District) => {
            if let Some(code) = f
                .station
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                let s = stations::by_code(db, code).await?;
                q = q.filter(deputies::entity::Column::StationId.eq(s.id));
            }
        }
        Some(PointsReach::Station(station)) => {
            let s = station.ok_or_else(|| ApiError::forbidden("no station attached"))?;
            q = q.filter(deputies::entity::Column::StationId.eq(s));
        }
        Some(PointsReach::Deputy(deputy)) => {
            let d = deputy.ok_or_else(|| ApiError::forbidden("no deputy attached"))?;
            q = q.filter(deputies::entity::Column::Id.eq(d));
        }
        None => {
            return Err(ApiError::forbidden(
                "duty points are for deputies, their stations and ops",
            ));
        }
    }
    if let Some(code) = f.deputy.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        q = q.filter(deputies::entity::Column::Code.eq(code));
    }
    Ok(q.all(db).await?)
}

async fn station_names(db: &impl ConnectionTrait) -> Result<HashMap<i64, Named>, ApiError> {
    Ok(stations::entity::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| {
            (
                s.id,
                Named {
                    code: s.code,
                    name: s.name,
                },
            )
        })
        .collect())
}

/// Per deputy in view: totals by rule (caps applied) and the year's total, highest first.
pub async fn table_for(
    db: &impl ConnectionTrait,
    actor: &Actor,
    year: i32,
    f: &PointsFilter,
) -> Result<(Vec<DeputyRow>, BTreeMap<Rule, RuleSetting>), ApiError> {
    check_year(year)?;
    let deps = deputies_in_view(db, actor, f).await?;
    let ids: Vec<i64> = deps.iter().map(|d| d.id).collect();
    let rules = points::rules_for(db, year).await?;
    let mut by: HashMap<i64, Vec<crate::oversight::entity::point_entries::Model>> = HashMap::new();
    if !ids.is_empty() {
        for e in points::entries(db, year, Some(&ids)).await? {
            by.entry(e.deputy_id).or_default().push(e);
        }
    }
    let st = station_names(db).await?;
    let mut rows: Vec<DeputyRow> = deps
        .into_iter()
        .map(|d| {
            let (list, total) =
                points::totals(by.get(&d.id).map(Vec::as_slice).unwrap_or(&[]), &rules);
            DeputyRow {
                station: st.get(&d.station_id).cloned().unwrap_or(Named {
                    code: String::new(),
                    name: String::new(),
                }),
                deputy: Named {
                    code: d.code,
                    name: d.name,
                },
                rules: list,
                total,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.total
            .cmp(&a.total)
            .then(a.deputy.code.cmp(&b.deputy.code))
    });
    Ok((rows, rules))
}

/// The year's ledger entries of every deputy in view, oldest first (entries whose rule is no
/// longer known are left out).
pub async fn ledger_for(
    db: &impl ConnectionTrait,
    actor: &Actor,
    year: i32,
    f: &PointsFilter,
) -> Result<Vec<EntryOut>, ApiError> {
    check_year(year)?;
    let deps = deputies_in_view(db, actor, f).await?;
    let ids: Vec<i64> = deps.iter().map(|d| d.id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let names: HashMap<i64, Named> = deps
        .into_iter()
        .map(|d| {
            (
                d.id,
                Named {
                    code: d.code,
                    name: d.name,
                },
            )
        })
        .collect();
    Ok(points::entries(db, year, Some(&ids))
        .await?
        .into_iter()
        .filter_map(|e| {
            Some(EntryOut {
                deputy: names.get(&e.deputy_id)?.clone(),
                rule: Rule::parse(&e.rule)?,
                source_kind: e.source_kind,
                source_id: e.source_id,
                points: e.points,
                at: e.at,
            })
        })
        .collect())
}

/// The points table as an export: deputy, station, the counted points per rule and the total.
pub fn table_export(rows: &[DeputyRow]) -> Table {
    let mut headers = vec!["代表编号", "代表", "联络站"];
    headers.extend(Rule::ALL.iter().map(|r| r.zh()));
    headers.push("总积分");
    Table {
        name: "履职积分",
        headers,
        rows: rows
            .iter()
            .map(|r| {
                let mut c = vec![
                    Cell::from(r.deputy.code.as_str()),
                    r.deputy.name.as_str().into(),
                    r.station.name.as_str().into(),
                ];
                c.extend(r.rules.iter().map(|t| Cell::from(t.counted)));
                c.push(r.total.into());
                c
            })
            .collect(),
    }
}

/// The Chinese name of an entry's source kind, for the ledger export (其他 for an unknown one).
pub fn source_zh(kind: &str) -> &'static str {
    match kind {
        points::source::SHIFT => "值班",
        points::source::RECEPTION => "接待记录",
        points::source::CASE => "民意件",
        points::source::EVENT => "代表反馈",
        points::source::VISIT => "进站活动",
        _ => "其他",
    }
}

/// The ledger as an export: local date, deputy, rule, source and its id, points.
pub fn ledger_export(rows: &[EntryOut]) -> Table {
    Table {
        name: "积分明细",
        headers: vec![
            "时间",
            "代表编号",
            "代表",
            "规则",
            "来源",
            "来源编号",
            "积分",
        ],
        rows: rows
            .iter()
            .map(|e| {
                vec![
                    Cell::from(crate::cases::deadlines::local_today(e.at).to_string()),
                    e.deputy.code.as_str().into(),
                    e.deputy.name.as_str().into(),
                    e.rule.zh().into(),
                    source_zh(&e.source_kind).into(),
                    e.source_id.into(),
                    e.points.into(),
                ]
            })
            .collect(),
    }
}

/// Checks a year's rule settings as ops send them: each rule at most once, points −100 to 100,
/// caps 0 to 10000 (rules left out keep their defaults).
pub fn check_rules(rules: &[RuleSetting]) -> Result<(), ApiError> {
    if rules.len() > Rule::ALL.len() {
        return Err(ApiError::invalid("rules", FieldKind::Conflict));
    }
    for (i, r) in rules.iter().enumerate() {
        if !(-100..=100).contains(&r.points) {
            return Err(ApiError::out_of_range(
                format!("{}.points", r.rule.as_str()),
                -100,
                100,
            ));
        }
        if r.cap.is_some_and(|c| !(0..=10_000).contains(&c)) {
            return Err(ApiError::out_of_range(
                format!("{}.cap", r.rule.as_str()),
                0,
                10000,
            ));
        }
        if rules[..i].iter().any(|o| o.rule == r.rule) {
            return Err(ApiError::invalid(r.rule.as_str(), FieldKind::Conflict));
        }
    }
    Ok(())
}
