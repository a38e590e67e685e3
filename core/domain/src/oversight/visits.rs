//! Station visits (进站活动): a department or a leader coming to a station (who, when, which
//! station, topics, opinions collected) with the deputies who sat in; an inspection round
//! (督查巡查) is a visit of its own kind. The station's staff and ops record them; what a caller
//! may read follows their scope (a station's people their station, a handler their
//! organisation's visits, ops and viewers all). Visits feed the appraisal item 进基层单元情况
//! and the deputies' points, re-derived in the transaction that writes the visit.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::entity::{visit_deputies, visits};
use super::exports::{Cell, Format, Table};
use super::points;
use crate::auth::{Actor, Scope};
use crate::cases::intake::text;
use crate::cases::queries::Named;
use crate::error::{Error, FieldKind, Thing};
use crate::{deputies, orgs, stations};

/// What sort of station visit (进站活动) was recorded; stored as its snake_case name in
/// `visits.kind`. The kind decides which fields a visit needs (an organisation for a department's
/// visit, a leader's name for a leader's, at least one deputy for an inspection round).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VisitKind {
    /// 部门进站: a department (承办单位) comes to hear residents.
    Department,
    /// 领导进站: a leader comes.
    Leader,
    /// 督查巡查: deputies' inspection round.
    Inspection,
    /// 其他活动
    Other,
}

impl VisitKind {
    /// Every kind, in the order forms and exports offer them.
    pub const ALL: [VisitKind; 4] = [
        VisitKind::Department,
        VisitKind::Leader,
        VisitKind::Inspection,
        VisitKind::Other,
    ];

    /// The stable snake_case name, as stored in `visits.kind` and sent in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            VisitKind::Department => "department",
            VisitKind::Leader => "leader",
            VisitKind::Inspection => "inspection",
            VisitKind::Other => "other",
        }
    }

    /// The kind of a stable name; none for an unknown one.
    pub fn parse(s: &str) -> Option<VisitKind> {
        VisitKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The Chinese name, for exports and pages.
    pub fn zh(self) -> &'static str {
        match self {
            VisitKind::Department => "部门进站",
            VisitKind::Leader => "领导进站",
            VisitKind::Inspection => "督查巡查",
            VisitKind::Other => "其他活动",
        }
    }
}

/// Most deputies one visit lists.
pub const MAX_DEPUTIES: usize = 50;
/// Most characters of a visit's topics (at least 2 are needed).
pub const MAX_TOPICS: usize = 500;
/// Most characters of the summary of opinions collected at a visit.
pub const MAX_OPINIONS: usize = 4000;

/// A station visit as the station's staff or ops record or correct it. Codes are resolved and
/// checked before anything is written; the caller must administer the station named.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitInput {
    /// Station code.
    pub station: String,
    /// The day of the visit (local date, Asia/Shanghai), in the years 2000–2100; the visit's
    /// points fall into this day's year.
    pub day: NaiveDate,
    /// What sort of visit; decides which of the fields below are required.
    pub kind: VisitKind,
    /// Organisation code: required for a department's visit.
    pub organisation: Option<String>,
    /// Required for a leader's visit.
    pub leader_name: Option<String>,
    /// What was discussed, 2 to [`MAX_TOPICS`] characters.
    pub topics: String,
    /// Opinions collected, 0–10000.
    #[serde(default)]
    pub opinions_count: i32,
    /// A summary of the opinions collected, up to [`MAX_OPINIONS`] characters (blank: none).
    pub opinions: Option<String>,
    /// Deputy codes of those who attended (an inspection round needs one at least).
    #[serde(default)]
    pub deputies: Vec<String>,
}

/// A recorded station visit as the API answers it, codes and names resolved.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VisitOut {
    /// The visit's id (`visits.id`), for corrections and deletion.
    pub id: i64,
    /// The station visited (empty code and name if it no longer exists).
    pub station: Named,
    /// The day of the visit (local date, Asia/Shanghai).
    pub day: NaiveDate,
    /// What sort of visit.
    pub kind: VisitKind,
    /// The organisation that came; absent when none was recorded (only a department's visit
    /// needs one) or if it no longer exists.
    pub organisation: Option<Named>,
    /// The leader who came; absent unless one was recorded (always present on a leader's visit).
    pub leader_name: Option<String>,
    /// What was discussed.
    pub topics: String,
    /// How many opinions were collected at the visit, 0–10000.
    pub opinions_count: i32,
    /// A summary of the opinions collected; absent when none was written.
    pub opinions: Option<String>,
    /// The deputies who attended, ordered by code; each has a duty-points entry for the visit
    /// (参加督查巡查 for an inspection round, 参加进站活动 otherwise).
    pub deputies: Vec<Named>,
}

/// Query of the visit list and its exports; every filter is optional and applies within what
/// the caller may see anyway.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct VisitFilter {
    /// Station code.
    pub station: Option<String>,
    /// Organisation code.
    pub organisation: Option<String>,
    /// Calendar year of the visit day (2000–2100); absent: every year.
    pub year: Option<i32>,
    /// json (default), csv or xlsx.
    #[param(inline)]
    pub format: Option<Format>,
}

fn optional(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

/// A checked input: ids resolved.
struct Checked {
    station_id: i64,
    organisation_id: Option<i64>,
    leader_name: Option<String>,
    topics: String,
    opinions: Option<String>,
    deputy_ids: Vec<i64>,
}

async fn check(db: &impl ConnectionTrait, input: &VisitInput) -> Result<Checked, Error> {
    let station = stations::entity::Entity::find()
        .filter(stations::entity::Column::Code.eq(input.station.trim()))
        .one(db)
        .await?
        .ok_or_else(|| Error::unknown_code("station", Thing::Station, &input.station))?;
    let organisation_id = match optional(input.organisation.as_deref()) {
        Some(code) => Some(
            orgs::by_code(db, code)
                .await?
                .ok_or_else(|| Error::unknown_code("organisation", Thing::Organisation, code))?
                .id,
        ),
        None => None,
    };
    if input.kind == VisitKind::Department && organisation_id.is_none() {
        return Err(Error::required("organisation"));
    }
    let leader_name = match optional(input.leader_name.as_deref()) {
        Some(n) => Some(text("leader_name", n, 1, 50)?),
        None => None,
    };
    if input.kind == VisitKind::Leader && leader_name.is_none() {
        return Err(Error::required("leader_name"));
    }
    let topics = text("topics", &input.topics, 2, MAX_TOPICS)?;
    let opinions = match optional(input.opinions.as_deref()) {
        Some(o) => Some(text("opinions", o, 1, MAX_OPINIONS)?),
        None => None,
    };
    if !(0..=10_000).contains(&input.opinions_count) {
        return Err(Error::out_of_range("opinions_count", 0, 10000));
    }
    if input.deputies.len() > MAX_DEPUTIES {
        return Err(Error::invalid(
            "deputies",
            FieldKind::TooMany {
                max: MAX_DEPUTIES as u32,
            },
        ));
    }
    let mut deputy_ids = Vec::new();
    let mut seen = HashSet::new();
    for code in &input.deputies {
        let code = code.trim();
        if code.is_empty() || !seen.insert(code.to_owned()) {
            continue;
        }
        let d = deputies::entity::Entity::find()
            .filter(deputies::entity::Column::Code.eq(code))
            .one(db)
            .await?
            .ok_or_else(|| Error::unknown_code("deputies", Thing::Deputy, code))?;
        // The roster's rule: a visit credits duty points to those who attended, so only the
        // station's own deputies may be listed.
        crate::policy::require_serving(db, &d, station.id, "deputies").await?;
        deputy_ids.push(d.id);
    }
    if input.kind == VisitKind::Inspection && deputy_ids.is_empty() {
        return Err(Error::required("deputies"));
    }
    if input.day.year() < 2000 || input.day.year() > 2100 {
        return Err(Error::out_of_range("day", 2000, 2100));
    }
    Ok(Checked {
        station_id: station.id,
        organisation_id,
        leader_name,
        topics,
        opinions,
        deputy_ids,
    })
}

/// Records (`id` None) or corrects a visit; its points are re-derived in the same transaction.
pub async fn save(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Option<i64>,
    input: &VisitInput,
    now: DateTime<Utc>,
) -> Result<VisitOut, Error> {
    let c = check(db, input).await?;
    crate::policy::require(
        actor,
        crate::policy::Permission::AdministerStation(c.station_id),
    )?;
    let txn = db.begin().await?;
    let model = match id {
        None => {
            visits::ActiveModel {
                station_id: Set(c.station_id),
                day: Set(input.day),
                kind: Set(input.kind.as_str().to_owned()),
                organisation_id: Set(c.organisation_id),
                leader_name: Set(c.leader_name),
                topics: Set(c.topics),
                opinions_count: Set(input.opinions_count),
                opinions: Set(c.opinions),
                recorded_by: Set(actor.user_id),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
        Some(id) => {
            let old = visits::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or_else(|| Error::not_found(format!("no visit {id}")))?;
            // Both the station it was at and the one it moves to must be the caller's.
            crate::policy::require(
                actor,
                crate::policy::Permission::AdministerStation(old.station_id),
            )?;
            let mut am: visits::ActiveModel = old.into();
            am.station_id = Set(c.station_id);
            am.day = Set(input.day);
            am.kind = Set(input.kind.as_str().to_owned());
            am.organisation_id = Set(c.organisation_id);
            am.leader_name = Set(c.leader_name);
            am.topics = Set(c.topics);
            am.opinions_count = Set(input.opinions_count);
            am.opinions = Set(c.opinions);
            am.updated_at = Set(now);
            let m = am.update(&txn).await?;
            visit_deputies::Entity::delete_many()
                .filter(visit_deputies::Column::VisitId.eq(id))
                .exec(&txn)
                .await?;
            m
        }
    };
    for d in &c.deputy_ids {
        visit_deputies::ActiveModel {
            visit_id: Set(model.id),
            deputy_id: Set(*d),
        }
        .insert(&txn)
        .await?;
    }
    points::derive_visit(&txn, model.id, Some((&model, &c.deputy_ids))).await?;
    txn.commit().await?;
    let mut out = describe(db, vec![model]).await?;
    Ok(out.remove(0))
}

/// Deletes a visit and its points.
pub async fn delete(db: &DatabaseConnection, actor: &Actor, id: i64) -> Result<(), Error> {
    let v = find(db, actor, id).await?;
    crate::policy::require(
        actor,
        crate::policy::Permission::AdministerStation(v.station_id),
    )?;
    let txn = db.begin().await?;
    visit_deputies::Entity::delete_many()
        .filter(visit_deputies::Column::VisitId.eq(id))
        .exec(&txn)
        .await?;
    points::derive_visit(&txn, id, None).await?;
    visits::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

fn narrow(q: sea_orm::Select<visits::Entity>, scope: Scope) -> sea_orm::Select<visits::Entity> {
    match scope {
        Scope::All => q,
        Scope::Station(s) => q.filter(visits::Column::StationId.eq(s)),
        Scope::Organisation(o) => q.filter(visits::Column::OrganisationId.eq(o)),
        Scope::Nothing => q.filter(Expr::val(1).eq(0)),
    }
}

/// One visit the caller may see, or 404.
pub async fn find(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<visits::Model, Error> {
    narrow(visits::Entity::find_by_id(id), crate::policy::scope(actor))
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found(format!("no visit {id}")))
}

/// The visits the caller may see, newest first, at most 2000.
pub async fn list_for(
    db: &impl ConnectionTrait,
    actor: &Actor,
    f: &VisitFilter,
) -> Result<Vec<VisitOut>, Error> {
    let mut q = narrow(visits::Entity::find(), crate::policy::scope(actor));
    if let Some(code) = optional(f.station.as_deref()) {
        let s = stations::by_code(db, code).await?;
        q = q.filter(visits::Column::StationId.eq(s.id));
    }
    if let Some(code) = optional(f.organisation.as_deref()) {
        let o = orgs::by_code(db, code)
            .await?
            .ok_or_else(|| Error::unknown_code("organisation", Thing::Organisation, code))?;
        q = q.filter(visits::Column::OrganisationId.eq(o.id));
    }
    if let Some(y) = f.year {
        let (first, last) = year_days(y)?;
        q = q
            .filter(visits::Column::Day.gte(first))
            .filter(visits::Column::Day.lte(last));
    }
    let rows = q
        .order_by_desc(visits::Column::Day)
        .order_by_desc(visits::Column::Id)
        .limit(2000)
        .all(db)
        .await?;
    describe(db, rows).await
}

/// The first and last day (1 January, 31 December) of a year, for filtering by visit day; the
/// year must be within 2000–2100.
pub fn year_days(y: i32) -> Result<(NaiveDate, NaiveDate), Error> {
    match (
        NaiveDate::from_ymd_opt(y, 1, 1),
        NaiveDate::from_ymd_opt(y, 12, 31),
    ) {
        (Some(a), Some(b)) if (2000..=2100).contains(&y) => Ok((a, b)),
        _ => Err(Error::out_of_range("year", 2000, 2100)),
    }
}

/// Turns stored visits into API answers: station, organisation and attending deputies' codes and
/// names looked up in bulk, in the order given.
pub async fn describe(
    db: &impl ConnectionTrait,
    rows: Vec<visits::Model>,
) -> Result<Vec<VisitOut>, Error> {
    let station_of: HashMap<i64, Named> = stations::entity::Entity::find()
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
        .collect();
    let org_of: HashMap<i64, Named> = orgs::entity::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|o| {
            (
                o.id,
                Named {
                    code: o.code,
                    name: o.name,
                },
            )
        })
        .collect();
    let mut attending: HashMap<i64, Vec<i64>> = HashMap::new();
    if !rows.is_empty() {
        for a in visit_deputies::Entity::find()
            .filter(visit_deputies::Column::VisitId.is_in(rows.iter().map(|v| v.id)))
            .all(db)
            .await?
        {
            attending.entry(a.visit_id).or_default().push(a.deputy_id);
        }
    }
    let ids: HashSet<i64> = attending.values().flatten().copied().collect();
    let deputy_of: HashMap<i64, Named> = if ids.is_empty() {
        HashMap::new()
    } else {
        deputies::entity::Entity::find()
            .filter(deputies::entity::Column::Id.is_in(ids))
            .all(db)
            .await?
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
            .collect()
    };
    let unknown = || Named {
        code: String::new(),
        name: String::new(),
    };
    Ok(rows
        .into_iter()
        .map(|v| {
            let mut deps: Vec<Named> = attending
                .get(&v.id)
                .map(|ids| {
                    ids.iter()
                        .filter_map(|d| deputy_of.get(d).cloned())
                        .collect()
                })
                .unwrap_or_default();
            deps.sort_by(|a, b| a.code.cmp(&b.code));
            VisitOut {
                id: v.id,
                station: station_of
                    .get(&v.station_id)
                    .cloned()
                    .unwrap_or_else(unknown),
                day: v.day,
                kind: VisitKind::parse(&v.kind).unwrap_or(VisitKind::Other),
                organisation: v.organisation_id.and_then(|o| org_of.get(&o).cloned()),
                leader_name: v.leader_name,
                topics: v.topics,
                opinions_count: v.opinions_count,
                opinions: v.opinions,
                deputies: deps,
            }
        })
        .collect())
}

/// The visits as an export table.
pub fn table(rows: &[VisitOut]) -> Table {
    Table {
        name: "进站活动",
        headers: vec![
            "日期",
            "联络站",
            "类型",
            "进站单位",
            "领导",
            "主题",
            "收集意见数",
            "意见摘要",
            "参加代表",
        ],
        rows: rows
            .iter()
            .map(|v| {
                vec![
                    Cell::from(v.day.to_string()),
                    v.station.name.as_str().into(),
                    v.kind.zh().into(),
                    Cell::from(v.organisation.as_ref().map(|o| o.name.clone())),
                    Cell::from(v.leader_name.clone()),
                    v.topics.as_str().into(),
                    v.opinions_count.into(),
                    Cell::from(v.opinions.clone()),
                    v.deputies
                        .iter()
                        .map(|d| d.name.as_str())
                        .collect::<Vec<_>>()
                        .join("、")
                        .into(),
                ]
            })
            .collect(),
    }
}
