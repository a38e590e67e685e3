//! Livelihood projects (民生实事): residents and deputies propose candidates; ops open a vote
//! round with more candidates than places; each deputy casts one ballot for up to `places`
//! candidates; closing the round chooses, by votes, those with more than half of the deputies
//! who voted (at most `places`; a tie at the last place goes to the earlier proposal). Chosen
//! projects get milestones and a progress figure that ops keep, shown to residents on a
//! public page. A resident proposer's name and phone are kept private.

pub use super::project_states::{CandidateStatus, ProposerKind, RoundStatus};
use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, ModelTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::appraisal::check_year;
use super::entity::{project_ballots, project_candidates, project_milestones, project_rounds};
use super::exports::{Cell, Format, Table};
use crate::auth::Actor;
use crate::cases::contact;
use crate::cases::deadlines::local_today;
use crate::cases::intake::text;
use crate::cases::queries::Named;
use crate::error::{Error, FieldKind, FormatKind, Thing};
use crate::policy::{self, Permission, Proposer};
use crate::stations;

/// Most characters of a candidate's, a round's or a milestone's title (at least 2 are needed).
pub const MAX_TITLE: usize = 100;
/// Most characters of a candidate's description (at least 5 are needed).
pub const MAX_DESCRIPTION: usize = 2000;
/// Most candidates one round may carry.
pub const MAX_ROUND: usize = 50;

/// A livelihood project (民生实事) as the API answers it, from candidate to chosen project; the
/// proposer's contact is never included.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandidateOut {
    /// The candidate's id, used in rounds, ballots and the project's pages.
    pub id: i64,
    /// The year it belongs to: the local year (Asia/Shanghai) it was proposed in.
    pub year: i32,
    /// A short title, as listed on ballots and the public page.
    pub title: String,
    /// What the project would do, as the proposer wrote it.
    pub description: String,
    /// Who proposed it.
    pub proposer_kind: ProposerKind,
    /// The station it was proposed at or for; absent when none was given (a resident's or ops'
    /// proposal without a station) or it no longer exists.
    pub station: Option<Named>,
    /// Where it stands.
    pub status: CandidateStatus,
    /// The vote round it was put to; absent while it is still a plain candidate.
    pub round_id: Option<i64>,
    /// Votes, once its round is closed.
    pub votes: Option<i32>,
    /// Delivery progress in percent, 0–100, kept by ops once the project is chosen (0 before).
    pub progress: i32,
    /// The project's milestones, by due date then creation; empty unless it was chosen and ops
    /// added some.
    pub milestones: Vec<MilestoneOut>,
}

/// One milestone of a chosen project, as ops set and tick it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MilestoneOut {
    /// The milestone's id, to mark it done or not done.
    pub id: i64,
    /// What is to be delivered.
    pub title: String,
    /// The local date (Asia/Shanghai) it is planned for; absent when none was set.
    pub due: Option<NaiveDate>,
    /// Whether ops have marked it done.
    pub done: bool,
}

/// A vote round (项目票决) as the API answers it: its candidates and, once closed, their votes
/// and the outcome.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoundOut {
    /// The round's id, to vote in and close it.
    pub id: i64,
    /// The year of the round: the latest year among its candidates.
    pub year: i32,
    /// The round's title, as ops named it.
    pub title: String,
    /// How many projects the round may choose, at least 1; a ballot names at most this many, and
    /// the round has more candidates than places.
    pub places: i32,
    /// Open for ballots, or closed and counted.
    pub status: RoundStatus,
    /// Deputies who cast a ballot.
    pub voters: i64,
    /// Whether the caller (a deputy) has voted.
    pub voted: bool,
    /// The candidates put to the vote, most votes first, then by order of proposal (before the
    /// round closes the votes are not counted, so in order of proposal).
    pub candidates: Vec<CandidateOut>,
}

fn optional(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

/// Year `year`'s candidates in order of proposal, at most 1000, for the insiders who read them
/// (contacts never shown).
pub async fn candidates(
    db: &impl ConnectionTrait,
    actor: &Actor,
    year: i32,
) -> Result<Vec<CandidateOut>, Error> {
    policy::require(actor, Permission::ReadProjects)?;
    check_year(year)?;
    let rows = project_candidates::Entity::find()
        .filter(project_candidates::Column::Year.eq(year))
        .order_by_asc(project_candidates::Column::Id)
        .limit(1000)
        .all(db)
        .await?;
    describe(db, rows).await
}

/// Turns stored candidates into API answers: stations and milestones looked up in bulk, in the
/// order given; votes shown only once the candidate's round is closed.
pub async fn describe(
    db: &impl ConnectionTrait,
    rows: Vec<project_candidates::Model>,
) -> Result<Vec<CandidateOut>, Error> {
    let st: HashMap<i64, Named> = stations::entity::Entity::find()
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
    let mut ms: HashMap<i64, Vec<MilestoneOut>> = HashMap::new();
    if !rows.is_empty() {
        for m in project_milestones::Entity::find()
            .filter(project_milestones::Column::ProjectId.is_in(rows.iter().map(|r| r.id)))
            .order_by_asc(project_milestones::Column::Due)
            .order_by_asc(project_milestones::Column::Id)
            .all(db)
            .await?
        {
            ms.entry(m.project_id).or_default().push(MilestoneOut {
                id: m.id,
                title: m.title,
                due: m.due,
                done: m.done,
            });
        }
    }
    Ok(rows
        .into_iter()
        .map(|c| CandidateOut {
            id: c.id,
            year: c.year,
            title: c.title,
            description: c.description,
            proposer_kind: c.proposer_kind,
            station: c.station_id.and_then(|s| st.get(&s).cloned()),
            votes: c.status.counted().then_some(c.votes),
            status: c.status,
            round_id: c.round_id,
            progress: c.progress,
            milestones: ms.remove(&c.id).unwrap_or_default(),
        })
        .collect())
}

/// A proposed livelihood project, from a resident's public form or a signed-in deputy, station
/// staff or ops; it becomes a candidate of the current local year (Asia/Shanghai).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalInput {
    /// A short title, 2 to [`MAX_TITLE`] characters.
    pub title: String,
    /// What the project would do, 5 to [`MAX_DESCRIPTION`] characters.
    pub description: String,
    /// Station code (a deputy's and staff's own station by default).
    pub station: Option<String>,
    /// A resident's name, optional and kept private.
    pub name: Option<String>,
    /// A resident's phone, optional and kept private.
    pub phone: Option<String>,
}

/// A new candidate: from a resident (`actor` None) or a deputy, staff or ops.
pub async fn propose_candidate(
    db: &DatabaseConnection,
    actor: Option<&Actor>,
    input: &ProposalInput,
    now: DateTime<Utc>,
) -> Result<CandidateOut, Error> {
    let title = text("title", &input.title, 2, MAX_TITLE)?;
    let description = text("description", &input.description, 5, MAX_DESCRIPTION)?;
    let mut station_id = match optional(input.station.as_deref()) {
        Some(code) => Some(
            stations::entity::Entity::find()
                .filter(stations::entity::Column::Code.eq(code))
                .one(db)
                .await?
                .ok_or_else(|| Error::unknown_code("station", Thing::Station, code))?
                .id,
        ),
        None => None,
    };
    let (kind, deputy_id, name, phone) = match actor {
        None => {
            let name = match optional(input.name.as_deref()) {
                Some(n) => Some(text("name", n, 1, 50)?),
                None => None,
            };
            let phone = match optional(input.phone.as_deref()) {
                Some(p) if contact::valid_phone(p) => Some(p.to_owned()),
                Some(_) => {
                    return Err(Error::format("phone", FormatKind::Phone));
                }
                None => None,
            };
            (ProposerKind::Resident, None, name, phone)
        }
        Some(a) => {
            if optional(input.name.as_deref()).is_some()
                || optional(input.phone.as_deref()).is_some()
            {
                return Err(Error::invalid("name", FieldKind::NotApplicable));
            }
            match policy::proposer(a) {
                Some(Proposer::Deputy) => {
                    station_id = station_id.or(a.station_id);
                    (ProposerKind::Deputy, a.deputy_id, None, None)
                }
                Some(Proposer::Station) => {
                    if station_id.is_some_and(|s| Some(s) != a.station_id) {
                        return Err(Error::forbidden("staff propose for their own station"));
                    }
                    station_id = a.station_id;
                    (ProposerKind::Staff, None, None, None)
                }
                Some(Proposer::District) => (ProposerKind::Staff, None, None, None),
                None => {
                    return Err(Error::forbidden(
                        "deputies, station staff and ops propose projects",
                    ));
                }
            }
        }
    };
    let row = project_candidates::ActiveModel {
        year: Set(local_today(now).year()),
        title: Set(title),
        description: Set(description),
        proposer_kind: Set(kind),
        station_id: Set(station_id),
        deputy_id: Set(deputy_id),
        contact_name: Set(name),
        contact_phone: Set(phone),
        status: Set(CandidateStatus::Candidate),
        round_id: Set(None),
        votes: Set(0),
        progress: Set(0),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(describe(db, vec![row]).await?.remove(0))
}

/// What ops send to open a vote round over candidates.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundInput {
    /// The round's title, 2 to [`MAX_TITLE`] characters.
    pub title: String,
    /// Places to fill, at least 1.
    pub places: i32,
    /// Candidate ids: more than `places`, each a candidate not yet in a round.
    pub candidates: Vec<i64>,
}

/// Ops open a vote round: the candidates (at most [`MAX_ROUND`], more than the places, each not
/// yet in a round) move to `in_round` in one transaction.
pub async fn open(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &RoundInput,
    now: DateTime<Utc>,
) -> Result<RoundOut, Error> {
    policy::require(actor, Permission::AdministerDistrict)?;
    let title = text("title", &input.title, 2, MAX_TITLE)?;
    if input.places < 1 {
        return Err(Error::invalid("places", FieldKind::TooSmall { min: 1 }));
    }
    let mut ids = input.candidates.clone();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() > MAX_ROUND {
        return Err(Error::invalid(
            "candidates",
            FieldKind::TooMany {
                max: MAX_ROUND as u32,
            },
        ));
    }
    if ids.len() as i64 <= i64::from(input.places) {
        // A vote needs more candidates than places.
        return Err(Error::invalid(
            "candidates",
            FieldKind::Count {
                min: u32::try_from(input.places).unwrap_or(0) + 1,
                max: MAX_ROUND as u32,
            },
        ));
    }
    let txn = db.begin().await?;
    let rows = project_candidates::Entity::find()
        .filter(project_candidates::Column::Id.is_in(ids.iter().copied()))
        .all(&txn)
        .await?;
    if rows.len() != ids.len() || rows.iter().any(|c| c.status != CandidateStatus::Candidate) {
        return Err(Error::invalid("candidates", FieldKind::NotApplicable));
    }
    let year = rows
        .iter()
        .map(|c| c.year)
        .max()
        .unwrap_or(local_today(now).year());
    let round = project_rounds::ActiveModel {
        year: Set(year),
        title: Set(title),
        places: Set(input.places),
        status: Set(RoundStatus::Open),
        voters: Set(0),
        opened_at: Set(now),
        closed_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for c in rows {
        let mut am: project_candidates::ActiveModel = c.into();
        am.status = Set(CandidateStatus::InRound);
        am.round_id = Set(Some(round.id));
        am.update(&txn).await?;
    }
    txn.commit().await?;
    round_view(db, Some(actor), round.id).await
}

/// One round with its candidates and the number of deputies who voted; `voted` says whether
/// `actor` (if a deputy) has cast a ballot.
pub async fn round_view(
    db: &impl ConnectionTrait,
    actor: Option<&Actor>,
    id: i64,
) -> Result<RoundOut, Error> {
    let r = project_rounds::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found(format!("no vote round {id}")))?;
    let ballots = r.find_related(project_ballots::Entity).all(db).await?;
    let mut voters: Vec<i64> = ballots.iter().map(|b| b.deputy_id).collect();
    voters.sort_unstable();
    voters.dedup();
    let voted = actor
        .and_then(|a| a.deputy_id)
        .is_some_and(|d| voters.contains(&d));
    let cands = project_candidates::Entity::find()
        .filter(project_candidates::Column::RoundId.eq(id))
        .order_by_desc(project_candidates::Column::Votes)
        .order_by_asc(project_candidates::Column::Id)
        .all(db)
        .await?;
    Ok(RoundOut {
        id: r.id,
        year: r.year,
        title: r.title,
        places: r.places,
        status: r.status,
        voters: voters.len() as i64,
        voted,
        candidates: describe(db, cands).await?,
    })
}

/// The rounds open for voting, oldest first, each as `actor` sees it (whether they voted).
pub async fn open_rounds(
    db: &impl ConnectionTrait,
    actor: Option<&Actor>,
) -> Result<Vec<RoundOut>, Error> {
    let open = project_rounds::Entity::find()
        .filter(project_rounds::Column::Status.eq(RoundStatus::Open))
        .order_by_asc(project_rounds::Column::Id)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(open.len());
    for r in open {
        out.push(round_view(db, actor, r.id).await?);
    }
    Ok(out)
}

/// The first `limit` candidates not yet put to a vote, oldest first: what a new round may
/// be opened over.
pub async fn unpicked_candidates(
    db: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<project_candidates::Model>, Error> {
    use sea_orm::QuerySelect;
    Ok(project_candidates::Entity::find()
        .filter(project_candidates::Column::Status.eq(CandidateStatus::Candidate))
        .order_by_asc(project_candidates::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// A deputy's ballot in an open round.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BallotInput {
    /// The candidates voted for: one at least, at most the round's places.
    pub candidates: Vec<i64>,
}

/// A deputy casts their one ballot in an open round; a second ballot, or one after the round
/// is closed, is a conflict. Votes stay uncounted until the round closes.
pub async fn ballot(
    db: &DatabaseConnection,
    actor: &Actor,
    round_id: i64,
    input: &BallotInput,
    now: DateTime<Utc>,
) -> Result<RoundOut, Error> {
    let deputy_id = match actor.deputy_id {
        Some(d) if policy::may(actor, Permission::Vote) => d,
        _ => return Err(Error::forbidden("only deputies vote")),
    };
    let txn = db.begin().await?;
    let r = project_rounds::Entity::find_by_id(round_id)
        .one(&txn)
        .await?
        .ok_or_else(|| Error::not_found(format!("no vote round {round_id}")))?;
    if r.status != RoundStatus::Open {
        return Err(Error::Conflict("the vote is closed".into()));
    }
    let mut ids = input.candidates.clone();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() || ids.len() as i64 > i64::from(r.places) {
        return Err(Error::invalid(
            "candidates",
            FieldKind::Count {
                min: 1,
                max: r.places.try_into().unwrap_or(0),
            },
        ));
    }
    let in_round = project_candidates::Entity::find()
        .filter(project_candidates::Column::RoundId.eq(round_id))
        .filter(project_candidates::Column::Id.is_in(ids.iter().copied()))
        .all(&txn)
        .await?;
    if in_round.len() != ids.len() {
        return Err(Error::invalid("candidates", FieldKind::NotApplicable));
    }
    let already = project_ballots::Entity::find()
        .filter(project_ballots::Column::RoundId.eq(round_id))
        .filter(project_ballots::Column::DeputyId.eq(deputy_id))
        .one(&txn)
        .await?;
    if already.is_some() {
        return Err(Error::Conflict(
            "you have already voted in this round".into(),
        ));
    }
    for c in &ids {
        project_ballots::ActiveModel {
            round_id: Set(round_id),
            deputy_id: Set(deputy_id),
            candidate_id: Set(*c),
            created_at: Set(now),
        }
        .insert(&txn)
        .await
        // Two ballots at once from one deputy: the second meets the primary key.
        .map_err(|_| Error::Conflict("you have already voted in this round".into()))?;
    }
    txn.commit().await?;
    round_view(db, Some(actor), round_id).await
}

/// Which candidates win: more votes than half of `voters`, best first, at most `places`
/// (ties ordered by the earlier id). Pure, so the rule is checked by hand.
pub fn winners(tally: &[(i64, i64)], voters: i64, places: usize) -> Vec<i64> {
    let mut t: Vec<(i64, i64)> = tally
        .iter()
        .copied()
        .filter(|(_, v)| v * 2 > voters)
        .collect();
    t.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    t.into_iter().take(places).map(|(id, _)| id).collect()
}

/// Ops close an open round: votes are counted, the winners (see [`winners`]) become `chosen` and
/// the rest `not_chosen`, and the number of voters is kept, all in one transaction.
pub async fn close(
    db: &DatabaseConnection,
    actor: &Actor,
    round_id: i64,
    now: DateTime<Utc>,
) -> Result<RoundOut, Error> {
    policy::require(actor, Permission::AdministerDistrict)?;
    let txn = db.begin().await?;
    let r = project_rounds::Entity::find_by_id(round_id)
        .one(&txn)
        .await?
        .ok_or_else(|| Error::not_found(format!("no vote round {round_id}")))?;
    if r.status != RoundStatus::Open {
        return Err(Error::Conflict("the vote is already closed".into()));
    }
    let ballots = r.find_related(project_ballots::Entity).all(&txn).await?;
    let mut voters: Vec<i64> = ballots.iter().map(|b| b.deputy_id).collect();
    voters.sort_unstable();
    voters.dedup();
    let mut count: HashMap<i64, i64> = HashMap::new();
    for b in &ballots {
        *count.entry(b.candidate_id).or_default() += 1;
    }
    let cands = project_candidates::Entity::find()
        .filter(project_candidates::Column::RoundId.eq(round_id))
        .all(&txn)
        .await?;
    let tally: Vec<(i64, i64)> = cands
        .iter()
        .map(|c| (c.id, count.get(&c.id).copied().unwrap_or(0)))
        .collect();
    let won = winners(&tally, voters.len() as i64, r.places.max(0) as usize);
    for c in cands {
        let votes = count.get(&c.id).copied().unwrap_or(0);
        let chosen = won.contains(&c.id);
        let mut am: project_candidates::ActiveModel = c.into();
        am.votes = Set(votes as i32);
        am.status = Set(if chosen {
            CandidateStatus::Chosen
        } else {
            CandidateStatus::NotChosen
        });
        am.update(&txn).await?;
    }
    let mut am: project_rounds::ActiveModel = r.into();
    am.status = Set(RoundStatus::Closed);
    am.voters = Set(voters.len() as i32);
    am.closed_at = Set(Some(now));
    am.update(&txn).await?;
    txn.commit().await?;
    round_view(db, Some(actor), round_id).await
}

/// The chosen projects, with milestones and progress (public).
pub async fn chosen(
    db: &impl ConnectionTrait,
    year: Option<i32>,
) -> Result<Vec<CandidateOut>, Error> {
    let mut q = project_candidates::Entity::find()
        .filter(project_candidates::Column::Status.eq(CandidateStatus::Chosen));
    if let Some(y) = year {
        check_year(y)?;
        q = q.filter(project_candidates::Column::Year.eq(y));
    }
    let rows = q
        .order_by_desc(project_candidates::Column::Year)
        .order_by_desc(project_candidates::Column::Votes)
        .order_by_asc(project_candidates::Column::Id)
        .all(db)
        .await?;
    describe(db, rows).await
}

/// The projects as an export table: year, title, description, proposer, station, votes,
/// progress and milestones (all and done).
pub fn table(rows: &[CandidateOut]) -> Table {
    Table {
        name: "民生实事",
        headers: vec![
            "年度",
            "项目",
            "内容",
            "提出方",
            "联络站",
            "得票",
            "进度(%)",
            "节点",
            "已完成节点",
        ],
        rows: rows
            .iter()
            .map(|c| {
                vec![
                    Cell::from(c.year),
                    c.title.as_str().into(),
                    c.description.as_str().into(),
                    c.proposer_kind.label_zh().into(),
                    Cell::from(c.station.as_ref().map(|s| s.name.clone())),
                    Cell::from(c.votes),
                    c.progress.into(),
                    (c.milestones.len() as i64).into(),
                    (c.milestones.iter().filter(|m| m.done).count() as i64).into(),
                ]
            })
            .collect(),
    }
}

/// The candidates as an export table: year, title, description, proposer, station, state and
/// votes (once counted). Contacts are not in the list, so not in the file either.
pub fn candidates_table(rows: &[CandidateOut]) -> Table {
    Table {
        name: "民生实事候选项目",
        headers: vec!["年度", "项目", "内容", "提出方", "联络站", "状态", "得票"],
        rows: rows
            .iter()
            .map(|c| {
                vec![
                    Cell::from(c.year),
                    c.title.as_str().into(),
                    c.description.as_str().into(),
                    c.proposer_kind.label_zh().into(),
                    Cell::from(c.station.as_ref().map(|s| s.name.clone())),
                    c.status.label_zh().into(),
                    Cell::from(c.votes),
                ]
            })
            .collect(),
    }
}

async fn chosen_project(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<project_candidates::Model, Error> {
    project_candidates::Entity::find_by_id(id)
        .filter(project_candidates::Column::Status.eq(CandidateStatus::Chosen))
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found(format!("no chosen project {id}")))
}

/// A milestone ops add to a chosen project (at most 30 a project).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneInput {
    /// What is to be delivered, 2 to [`MAX_TITLE`] characters.
    pub title: String,
    /// The local date (Asia/Shanghai) it is planned for, in the years 2000 to 2100; optional.
    #[serde(default, deserialize_with = "crate::day::option")]
    pub due: Option<NaiveDate>,
}

/// Ops add a milestone to a chosen project; the project as it now stands.
pub async fn milestone(
    db: &DatabaseConnection,
    actor: &Actor,
    project: i64,
    input: &MilestoneInput,
) -> Result<CandidateOut, Error> {
    policy::require(actor, Permission::AdministerDistrict)?;
    let p = chosen_project(db, project).await?;
    let title = text("title", &input.title, 2, MAX_TITLE)?;
    let n = p.find_related(project_milestones::Entity).count(db).await?;
    if n >= 30 {
        return Err(Error::invalid("title", FieldKind::TooMany { max: 30 }));
    }
    project_milestones::ActiveModel {
        project_id: Set(project),
        title: Set(title),
        due: Set(input.due),
        done: Set(false),
        done_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(describe(db, vec![p]).await?.remove(0))
}

/// Ops mark a milestone done or not done.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneDone {
    /// Whether the milestone is done; marking it done stamps the time, undoing clears it.
    pub done: bool,
}

/// Ops mark one of a chosen project's milestones done or not done; the project as it now stands.
pub async fn mark(
    db: &DatabaseConnection,
    actor: &Actor,
    project: i64,
    id: i64,
    done: bool,
    now: DateTime<Utc>,
) -> Result<CandidateOut, Error> {
    policy::require(actor, Permission::AdministerDistrict)?;
    let p = chosen_project(db, project).await?;
    let m = project_milestones::Entity::find_by_id(id)
        .filter(project_milestones::Column::ProjectId.eq(project))
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found(format!("no milestone {id}")))?;
    let mut am: project_milestones::ActiveModel = m.into();
    am.done = Set(done);
    am.done_at = Set(done.then_some(now));
    am.update(db).await?;
    Ok(describe(db, vec![p]).await?.remove(0))
}

/// Ops set a chosen project's delivery progress.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgressInput {
    /// 0–100.
    pub progress: i32,
}

/// Ops set a chosen project's progress in percent (0–100); the project as it now stands.
pub async fn progress(
    db: &DatabaseConnection,
    actor: &Actor,
    project: i64,
    value: i32,
) -> Result<CandidateOut, Error> {
    policy::require(actor, Permission::AdministerDistrict)?;
    if !(0..=100).contains(&value) {
        return Err(Error::out_of_range("progress", 0, 100));
    }
    let p = chosen_project(db, project).await?;
    let mut am: project_candidates::ActiveModel = p.into();
    am.progress = Set(value);
    let p = am.update(db).await?;
    Ok(describe(db, vec![p]).await?.remove(0))
}

// --- routes ---

/// Query of the candidate list and of the public list of chosen projects.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct YearQuery {
    /// Calendar year (2000–2100); absent: the current year for candidates, every year for the
    /// chosen projects.
    pub year: Option<i32>,
    /// json (default), csv or xlsx.
    #[param(inline)]
    pub format: Option<Format>,
}

#[cfg(test)]
mod tests;
