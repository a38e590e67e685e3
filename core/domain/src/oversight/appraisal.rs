//! Department appraisal (部门工作评议): per year, ops set the seven items' weights (summing to
//! 100), the minimum sample and the visits target; appraisers (deputies, 代表 — those who
//! appraise the departments) score the appraisers' items 0–100 and vote in the poll; the cases
//! and the station visits give the computed items. [`scoring`](super::scoring) turns all of it
//! into each organisation's score and grade. The ranking (评议排行榜) is seen by ops, viewers and
//! appraisers at once, and by everyone once ops publish the year. Residents send opinions on an
//! organisation (评议意见征集) through a public form; their optional name and phone are kept
//! private: stored, never listed, exported or logged.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::entity::{
    appraisal_opinions, appraisal_scores, appraisal_votes, appraisal_years, visits,
};
use super::exports::{Cell, Format, Table};
use super::scoring::{self, Grade, Inputs, Item, ItemScore, Method, Rules, Tally, Vote};
use crate::auth::Actor;
use crate::cases::contact;
use crate::cases::deadlines::local_today;
use crate::cases::intake::text;
use crate::cases::queries::Named;
use crate::error::{Error, FieldKind, FormatKind, Thing};
use crate::orgs;
use crate::policy::{self, Permission};

/// Weights by item name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    /// 常委会组成人员评价 (the appraisers' poll), 0–100.
    pub committee: i32,
    /// 政府工作报告落实 (appraisers' scores), 0–100.
    pub gov_report: i32,
    /// 人大决定决议落实 (appraisers' scores), 0–100.
    pub decisions: i32,
    /// 民生实事办理 (computed from the cases the organisation led), 0–100.
    pub livelihood: i32,
    /// 议案建议办理 (computed from the suggestions and motions the organisation led), 0–100.
    pub proposals: i32,
    /// 进基层单元情况 (station visits against the year's target), 0–100.
    pub grassroots: i32,
    /// 依法行政 (appraisers' scores), 0–100.
    pub lawful: i32,
}

impl Weights {
    /// The weights in [`Item::ALL`] order, the order scoring and storage use.
    pub fn array(&self) -> [i32; 7] {
        [
            self.committee,
            self.gov_report,
            self.decisions,
            self.livelihood,
            self.proposals,
            self.grassroots,
            self.lawful,
        ]
    }

    /// The weights from an array in [`Item::ALL`] order (unchecked: see
    /// [`scoring::check_weights`]).
    pub fn from_array(a: [i32; 7]) -> Self {
        Weights {
            committee: a[0],
            gov_report: a[1],
            decisions: a[2],
            livelihood: a[3],
            proposals: a[4],
            grassroots: a[5],
            lawful: a[6],
        }
    }
}

/// What ops send to set a year's appraisal rules; the publication state is set apart
/// ([`PublishInput`]).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsInput {
    /// The seven items' weights, each 0–100, summing to 100.
    pub weights: Weights,
    /// Fewest cases (or poll votes) for a computed item to be scored, 1–1000.
    pub min_sample: i32,
    /// Station visits a year that score 100 on 进基层单元情况, 1–100.
    pub visit_target: i32,
}

/// One year's appraisal rules and publication state as the API answers them: what ops stored,
/// or the defaults of [`Rules::default`] for a year they have not touched (then unpublished).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct YearSettings {
    /// The appraisal year (calendar year, 2000–2100).
    pub year: i32,
    /// The seven items' weights, summing to 100.
    pub weights: Weights,
    /// Fewest cases (or poll votes) for a computed item to be scored; below it the item counts
    /// as not enough data.
    pub min_sample: i32,
    /// Station visits in the year that score 100 on 进基层单元情况; fewer score in proportion.
    pub visit_target: i32,
    /// Whether ops have published the year's ranking to everyone (before that only ops, viewers
    /// and appraisers see it).
    pub published: bool,
    /// When the ranking was last published; absent while it is unpublished.
    pub published_at: Option<DateTime<Utc>>,
}

impl YearSettings {
    /// The settings as the pure scoring rule reads them.
    pub fn rules(&self) -> Rules {
        Rules {
            weights: self.weights.array(),
            min_sample: i64::from(self.min_sample),
            visit_target: i64::from(self.visit_target),
        }
    }
}

/// Refuses a year outside 2000–2100 (the years appraisal, points and visits accept).
pub fn check_year(year: i32) -> Result<(), Error> {
    if (2000..=2100).contains(&year) {
        Ok(())
    } else {
        Err(Error::out_of_range("year", 2000, 2100))
    }
}

/// The year's settings (the defaults until ops set some).
pub async fn settings(db: &impl ConnectionTrait, year: i32) -> Result<YearSettings, Error> {
    check_year(year)?;
    Ok(
        match appraisal_years::Entity::find_by_id(year).one(db).await? {
            Some(y) => YearSettings {
                year,
                weights: Weights::from_array([
                    y.w_committee,
                    y.w_gov_report,
                    y.w_decisions,
                    y.w_livelihood,
                    y.w_proposals,
                    y.w_grassroots,
                    y.w_lawful,
                ]),
                min_sample: y.min_sample,
                visit_target: y.visit_target,
                published: y.published,
                published_at: y.published_at,
            },
            None => {
                let r = Rules::default();
                YearSettings {
                    year,
                    weights: Weights::from_array(r.weights),
                    min_sample: r.min_sample as i32,
                    visit_target: r.visit_target as i32,
                    published: false,
                    published_at: None,
                }
            }
        },
    )
}

fn require_ops(actor: &Actor) -> Result<(), Error> {
    policy::require(actor, Permission::AdministerDistrict)
}

/// Appraisers score and vote: the deputies.
pub fn require_appraiser(actor: &Actor) -> Result<(), Error> {
    policy::require(actor, Permission::Appraise)
}

/// Whether the caller may see the ranking before it is published.
pub fn sees_unpublished(actor: Option<&Actor>) -> bool {
    actor.is_some_and(|a| policy::may(a, Permission::PreviewRanking))
}

async fn store(
    db: &impl ConnectionTrait,
    s: &YearSettings,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let w = s.weights.array();
    appraisal_years::Entity::insert(appraisal_years::ActiveModel {
        year: Set(s.year),
        w_committee: Set(w[0]),
        w_gov_report: Set(w[1]),
        w_decisions: Set(w[2]),
        w_livelihood: Set(w[3]),
        w_proposals: Set(w[4]),
        w_grassroots: Set(w[5]),
        w_lawful: Set(w[6]),
        min_sample: Set(s.min_sample),
        visit_target: Set(s.visit_target),
        published: Set(s.published),
        published_at: Set(s.published_at),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(appraisal_years::Column::Year)
            .update_columns([
                appraisal_years::Column::WCommittee,
                appraisal_years::Column::WGovReport,
                appraisal_years::Column::WDecisions,
                appraisal_years::Column::WLivelihood,
                appraisal_years::Column::WProposals,
                appraisal_years::Column::WGrassroots,
                appraisal_years::Column::WLawful,
                appraisal_years::Column::MinSample,
                appraisal_years::Column::VisitTarget,
                appraisal_years::Column::Published,
                appraisal_years::Column::PublishedAt,
                appraisal_years::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// Ops set the year's weights and thresholds.
pub async fn set_settings(
    db: &DatabaseConnection,
    actor: &Actor,
    year: i32,
    input: &SettingsInput,
    now: DateTime<Utc>,
) -> Result<YearSettings, Error> {
    require_ops(actor)?;
    let mut s = settings(db, year).await?;
    scoring::check_weights(&input.weights.array())
        .map_err(|(field, kind)| Error::invalid(field, kind))?;
    if !(1..=1000).contains(&input.min_sample) {
        return Err(Error::out_of_range("min_sample", 1, 1000));
    }
    if !(1..=100).contains(&input.visit_target) {
        return Err(Error::out_of_range("visit_target", 1, 100));
    }
    s.weights = input.weights;
    s.min_sample = input.min_sample;
    s.visit_target = input.visit_target;
    store(db, &s, now).await?;
    Ok(s)
}

/// Ops publish the year's ranking to everyone, or withdraw it; publishing stamps `now`,
/// withdrawing clears the stamp. Weights and thresholds are kept.
pub async fn set_published(
    db: &DatabaseConnection,
    actor: &Actor,
    year: i32,
    published: bool,
    now: DateTime<Utc>,
) -> Result<YearSettings, Error> {
    require_ops(actor)?;
    let mut s = settings(db, year).await?;
    s.published = published;
    s.published_at = published.then_some(now);
    store(db, &s, now).await?;
    Ok(s)
}

async fn org_by_code(db: &impl ConnectionTrait, code: &str) -> Result<orgs::entity::Model, Error> {
    orgs::by_code(db, code.trim())
        .await?
        .ok_or_else(|| Error::unknown_code("organisation", Thing::Organisation, code))
}

/// An appraiser's score for one organisation on one of the items they score by hand.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreInput {
    /// Organisation code.
    pub organisation: String,
    /// One of the appraisers' items: gov_report, decisions, lawful (proposals is computed).
    pub item: Item,
    /// 0–100.
    pub score: i32,
}

/// An appraiser's score for one item of one organisation (a second one replaces the first).
pub async fn score(
    db: &DatabaseConnection,
    actor: &Actor,
    year: i32,
    input: &ScoreInput,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    require_appraiser(actor)?;
    check_year(year)?;
    if input.item.method() != Method::Appraisers {
        return Err(Error::invalid("item", FieldKind::NotApplicable));
    }
    if !(0..=100).contains(&input.score) {
        return Err(Error::out_of_range("score", 0, 100));
    }
    let org = org_by_code(db, &input.organisation).await?;
    appraisal_scores::Entity::insert(appraisal_scores::ActiveModel {
        year: Set(year),
        organisation_id: Set(org.id),
        item: Set(input.item.as_str().to_owned()),
        user_id: Set(actor.user_id),
        score: Set(input.score),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            appraisal_scores::Column::Year,
            appraisal_scores::Column::OrganisationId,
            appraisal_scores::Column::Item,
            appraisal_scores::Column::UserId,
        ])
        .update_columns([
            appraisal_scores::Column::Score,
            appraisal_scores::Column::CreatedAt,
        ])
        .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// An appraiser's vote in the poll on 常委会组成人员评价 for one organisation.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoteInput {
    /// Organisation code.
    pub organisation: String,
    /// 满意, 基本满意 or 不满意 (scored 100, 60 and 0).
    pub vote: Vote,
}

/// An appraiser's poll vote on 常委会组成人员评价 (a second one replaces the first).
pub async fn vote(
    db: &DatabaseConnection,
    actor: &Actor,
    year: i32,
    input: &VoteInput,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    require_appraiser(actor)?;
    check_year(year)?;
    let org = org_by_code(db, &input.organisation).await?;
    appraisal_votes::Entity::insert(appraisal_votes::ActiveModel {
        year: Set(year),
        organisation_id: Set(org.id),
        item: Set(Item::Committee.as_str().to_owned()),
        user_id: Set(actor.user_id),
        vote: Set(input.vote.as_str().to_owned()),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            appraisal_votes::Column::Year,
            appraisal_votes::Column::OrganisationId,
            appraisal_votes::Column::Item,
            appraisal_votes::Column::UserId,
        ])
        .update_columns([
            appraisal_votes::Column::Vote,
            appraisal_votes::Column::CreatedAt,
        ])
        .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// What one appraiser has filled in for a year: their scores and their poll votes.
#[derive(Debug, Clone, Default)]
pub struct OwnMarks {
    /// One row per organisation and item scored.
    pub scores: Vec<appraisal_scores::Model>,
    /// One row per organisation voted on.
    pub votes: Vec<appraisal_votes::Model>,
}

/// The scores and votes the user `user_id` gave for `year`, to fill their form again.
pub async fn own_marks(
    db: &impl ConnectionTrait,
    user_id: i64,
    year: i32,
) -> Result<OwnMarks, Error> {
    let scores = appraisal_scores::Entity::find()
        .filter(appraisal_scores::Column::Year.eq(year))
        .filter(appraisal_scores::Column::UserId.eq(user_id))
        .all(db)
        .await?;
    let votes = appraisal_votes::Entity::find()
        .filter(appraisal_votes::Column::Year.eq(year))
        .filter(appraisal_votes::Column::UserId.eq(user_id))
        .all(db)
        .await?;
    Ok(OwnMarks { scores, votes })
}

/// One organisation's line in the appraisal ranking (评议排行榜).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RankRow {
    /// Competition rank by total, from 1 (ties share a rank, "1, 1, 3"); organisations without a
    /// total rank after all those with one.
    pub rank: usize,
    /// The organisation appraised (承办单位).
    pub organisation: Named,
    /// "department" or "township".
    pub kind: String,
    /// The weighted total on the 100-point scale, one decimal; absent when the measured items carry
    /// too little weight (see [`scoring::MIN_MEASURED_WEIGHT`]).
    pub total: Option<f64>,
    /// 优秀 / 良好 / 一般 / 较差 from the total; absent without a total.
    pub grade: Option<Grade>,
    /// The seven items in [`Item::ALL`] order, each with its score or none for not enough data.
    pub items: Vec<ItemScore>,
    /// The poll votes on 常委会组成人员评价, counted by level.
    pub poll: Tally,
    /// The poll read as practice reads it (satisfied votes over half → 满意; with basically
    /// satisfied over half → 基本满意; else 不满意); absent without votes.
    pub poll_verdict: Option<Vote>,
}

/// A year's appraisal ranking: the rules it was computed with and every organisation, best first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Ranking {
    /// The year's weights, thresholds and publication state.
    pub settings: YearSettings,
    /// Every organisation, by rank and then by code.
    pub rows: Vec<RankRow>,
}

/// Every organisation's score for the year, best first.
pub async fn ranking(db: &DatabaseConnection, year: i32) -> Result<Ranking, Error> {
    let settings = settings(db, year).await?;
    let rules = settings.rules();
    let measures = crate::dashboard::measures::org_year(db, year).await?;
    let suggestions = crate::suggestions::measures::org_year(db, year).await?;
    let (first, last) = super::visits::year_days(year)?;
    let mut visits_of: HashMap<i64, i64> = HashMap::new();
    for v in visits::Entity::find()
        .filter(visits::Column::Day.gte(first))
        .filter(visits::Column::Day.lte(last))
        .filter(visits::Column::OrganisationId.is_not_null())
        .all(db)
        .await?
    {
        if let Some(o) = v.organisation_id {
            *visits_of.entry(o).or_default() += 1;
        }
    }
    let mut inputs: HashMap<i64, Inputs> = HashMap::new();
    for s in appraisal_scores::Entity::find()
        .filter(appraisal_scores::Column::Year.eq(year))
        .all(db)
        .await?
    {
        if let Some(item) = Item::parse(&s.item) {
            inputs.entry(s.organisation_id).or_default().scores[item.index()].push(s.score);
        }
    }
    for v in appraisal_votes::Entity::find()
        .filter(appraisal_votes::Column::Year.eq(year))
        .all(db)
        .await?
    {
        if let Some(vote) = Vote::parse(&v.vote) {
            inputs.entry(v.organisation_id).or_default().poll.add(vote);
        }
    }
    let organisations = orgs::entity::Entity::find()
        .order_by_asc(orgs::entity::Column::Code)
        .all(db)
        .await?;
    let mut rows: Vec<RankRow> = organisations
        .into_iter()
        .map(|o| {
            let mut i = inputs.remove(&o.id).unwrap_or_default();
            i.measures = measures.get(&o.id).cloned().unwrap_or_default();
            i.suggestions = suggestions.get(&o.id).copied().unwrap_or_default();
            i.visits = visits_of.get(&o.id).copied().unwrap_or(0);
            let s = scoring::score(&i, &rules);
            RankRow {
                rank: 0,
                organisation: Named {
                    code: o.code,
                    name: o.name,
                },
                kind: o.kind,
                total: s.total,
                grade: s.grade,
                items: s.items,
                poll: i.poll,
                poll_verdict: i.poll.verdict(),
            }
        })
        .collect();
    let totals: Vec<Option<f64>> = rows.iter().map(|r| r.total).collect();
    for (r, rank) in rows.iter_mut().zip(scoring::ranks(&totals)) {
        r.rank = rank;
    }
    rows.sort_by(|a, b| {
        a.rank
            .cmp(&b.rank)
            .then(a.organisation.code.cmp(&b.organisation.code))
    });
    Ok(Ranking { settings, rows })
}

/// The ranking the caller may see: published, or an insider's preview.
pub async fn visible_ranking(
    db: &DatabaseConnection,
    actor: Option<&Actor>,
    year: i32,
) -> Result<Ranking, Error> {
    let s = settings(db, year).await?;
    if !s.published && !sees_unpublished(actor) {
        return Err(Error::forbidden(format!(
            "the appraisal of {year} is not published yet"
        )));
    }
    ranking(db, year).await
}

/// The Chinese name of an appraisal item, for exports and pages.
pub fn item_zh(item: Item) -> &'static str {
    match item {
        Item::Committee => "常委会组成人员评价",
        Item::GovReport => "政府工作报告落实",
        Item::Decisions => "人大决定决议落实",
        Item::Livelihood => "民生实事办理",
        Item::Proposals => "议案建议办理",
        Item::Grassroots => "进基层单元情况",
        Item::Lawful => "依法行政",
    }
}

/// The Chinese name of a grade, for exports and pages.
pub fn grade_zh(g: Grade) -> &'static str {
    match g {
        Grade::Excellent => "优秀",
        Grade::Good => "良好",
        Grade::Fair => "一般",
        Grade::Poor => "较差",
    }
}

/// The ranking as an export table: rank, organisation, total, grade and the seven items'
/// scores (数据不足 where an item had not enough data).
pub fn table(r: &Ranking) -> Table {
    let mut headers = vec!["名次", "单位", "总分", "等次"];
    headers.extend(Item::ALL.iter().map(|i| item_zh(*i)));
    Table {
        name: "评议排行榜",
        headers,
        rows: r
            .rows
            .iter()
            .map(|row| {
                let mut cells = vec![
                    Cell::from(row.rank as i64),
                    row.organisation.name.as_str().into(),
                    Cell::from(row.total),
                    Cell::from(row.grade.map(grade_zh)),
                ];
                cells.extend(row.items.iter().map(|i| match i.score {
                    Some(s) => Cell::Num(s),
                    None => Cell::from("数据不足"),
                }));
                cells
            })
            .collect(),
    }
}

/// A resident's opinion on an organisation, sent through the public consultation form
/// (评议意见征集); the year is the current local year (Asia/Shanghai) when it arrives.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpinionInput {
    /// 2–1000 characters.
    pub body: String,
    /// Optional, kept private.
    pub name: Option<String>,
    /// Optional, kept private.
    pub phone: Option<String>,
}

/// A resident's opinion as it is listed and exported: never the name or phone, only whether
/// one was left.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpinionOut {
    /// The opinion's id (`appraisal_opinions.id`).
    pub id: i64,
    /// The organisation the opinion is about (empty code and name if it no longer exists).
    pub organisation: Named,
    /// The opinion as the resident wrote it.
    pub body: String,
    /// Whether the resident left a way to reach them (never the contact itself).
    pub has_contact: bool,
    /// When it was received.
    pub created_at: DateTime<Utc>,
}

/// Most characters of an opinion's body (at least 2 are needed).
pub const MAX_OPINION: usize = 1000;

/// A resident's opinion on an organisation for this year's appraisal.
pub async fn add_opinion(
    db: &DatabaseConnection,
    org_code: &str,
    input: &OpinionInput,
    now: DateTime<Utc>,
) -> Result<i64, Error> {
    let org = orgs::by_code(db, org_code.trim())
        .await?
        .ok_or_else(|| Error::not_found("no such organisation"))?;
    let body = text("body", &input.body, 2, MAX_OPINION)?;
    let name = match input
        .name
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(n) => Some(text("name", n, 1, 50)?),
        None => None,
    };
    let phone = match input
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(p) if contact::valid_phone(p) => Some(p.to_owned()),
        Some(_) => {
            return Err(Error::format("phone", FormatKind::Phone));
        }
        None => None,
    };
    let row = appraisal_opinions::ActiveModel {
        year: Set(local_today(now).year()),
        organisation_id: Set(org.id),
        body: Set(body),
        contact_name: Set(name),
        contact_phone: Set(phone),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

// --- routes ---

/// Ops publish (true) or withdraw (false) a year's ranking.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishInput {
    /// Whether the ranking should be visible to everyone.
    pub published: bool,
}

/// Query of the residents' opinions list and its exports.
#[derive(Debug, Deserialize, IntoParams)]
pub struct OpinionFilter {
    /// Organisation code.
    pub organisation: Option<String>,
    /// json (default), csv or xlsx.
    #[param(inline)]
    pub format: Option<Format>,
}

/// The opinions as a table to download: what the list page shows, never the contact.
pub fn opinions_table(list: &[OpinionOut]) -> Table {
    Table {
        name: "评议意见",
        headers: vec!["日期", "单位", "意见", "是否留有联系方式"],
        rows: list
            .iter()
            .map(|o| {
                vec![
                    Cell::from(crate::cases::deadlines::local_today(o.created_at).to_string()),
                    o.organisation.name.as_str().into(),
                    o.body.as_str().into(),
                    (if o.has_contact { "是" } else { "否" }).into(),
                ]
            })
            .collect(),
    }
}

/// The residents' opinions of `year`, newest first, at most 1000, optionally on one organisation
/// (by code); the contact is reduced to whether one was left.
pub async fn opinions(
    db: &DatabaseConnection,
    year: i32,
    org: Option<&str>,
) -> Result<Vec<OpinionOut>, Error> {
    check_year(year)?;
    let mut q =
        appraisal_opinions::Entity::find().filter(appraisal_opinions::Column::Year.eq(year));
    if let Some(code) = org.map(str::trim).filter(|c| !c.is_empty()) {
        q = q
            .filter(appraisal_opinions::Column::OrganisationId.eq(org_by_code(db, code).await?.id));
    }
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
    Ok(q.order_by_desc(appraisal_opinions::Column::Id)
        .limit(1000)
        .all(db)
        .await?
        .into_iter()
        .map(|o| OpinionOut {
            id: o.id,
            organisation: org_of.get(&o.organisation_id).cloned().unwrap_or(Named {
                code: String::new(),
                name: String::new(),
            }),
            body: o.body,
            has_contact: o.contact_name.is_some() || o.contact_phone.is_some(),
            created_at: o.created_at,
        })
        .collect())
}

#[cfg(test)]
mod tests;
