//! The legislative contact point (立法联系点): ops publish a draft law or regulation with its
//! numbered articles, the body that asked and a closing date; residents comment on one article
//! or the whole from the station's page (contact optional and private), deputies and station
//! staff comment too, and staff record offline forums (座谈会) with the comments said there;
//! ops and station staff mark each comment adopted, partly adopted or not, and the feedback
//! report goes back to the body that asked. A closed draft takes no more comments.

pub(crate) mod entity;

#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::StringLen;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{Actor, Scope};
use crate::cases::contact;
use crate::cases::deadlines::local_today;
use crate::cases::intake::text;
use crate::cases::queries::Named;
use crate::error::{Error, FieldKind, FormatKind, Thing};
use crate::oversight::exports::{Cell, Table};
use crate::policy::{self, Permission};
use entity::{articles, comments, drafts, forums};

pub use entity::comments::Model as DraftComment;
pub use entity::drafts::Model as Draft;

/// Most articles one draft has.
pub const MAX_ARTICLES: usize = 300;
/// Most characters of an article.
pub const MAX_ARTICLE: usize = 5000;
/// Most characters of a comment.
pub const MAX_COMMENT: usize = 2000;
/// Most comments one forum records at once.
pub const MAX_FORUM_COMMENTS: usize = 200;

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema,
            sea_orm::EnumIter, sea_orm::DeriveActiveEnum)]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
        #[serde(rename_all = "snake_case")]
        $(#[$m])*
        pub enum $name {
            $($(#[$vm])* #[sea_orm(string_value = $s)] $v,)+
        }

        impl $name {
            /// The stable snake_case name, as stored and as the API spells it.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s,)+ }
            }
        }
    };
}

string_enum!(
    /// Whose draft it is.
    // Named apart in the API document from a deputy's congress level, which is also `Level`.
    #[schema(as = DraftLevel)]
    Level {
        /// 全国人大: a national law.
        National = "national",
        /// 省人大: a provincial regulation.
        Provincial = "provincial",
        /// 市人大: a city regulation.
        City = "city",
    }
);

string_enum!(
    /// How a comment was collected.
    Source {
        /// Online, from the station's page or the draft's QR poster.
        Online = "online",
        /// Said at an offline forum (座谈会).
        Forum = "forum",
    }
);

string_enum!(
    /// Who commented.
    Commenter {
        /// A resident (no account).
        Resident = "resident",
        /// A deputy.
        Deputy = "deputy",
        /// Station staff (or the district office).
        Staff = "staff",
    }
);

string_enum!(
    /// What was made of a comment.
    Decision {
        /// 采纳.
        Adopted = "adopted",
        /// 部分采纳.
        PartlyAdopted = "partly_adopted",
        /// 未采纳.
        NotAdopted = "not_adopted",
    }
);

impl Level {
    fn label_zh(self) -> &'static str {
        match self {
            Level::National => "全国人大",
            Level::Provincial => "省人大",
            Level::City => "市人大",
        }
    }
}

impl Source {
    fn label_zh(self) -> &'static str {
        match self {
            Source::Online => "线上",
            Source::Forum => "座谈会",
        }
    }
}

impl Commenter {
    fn label_zh(self) -> &'static str {
        match self {
            Commenter::Resident => "群众",
            Commenter::Deputy => "代表",
            Commenter::Staff => "联络站工作人员",
        }
    }
}

impl Decision {
    fn label_zh(self) -> &'static str {
        match self {
            Decision::Adopted => "采纳",
            Decision::PartlyAdopted => "部分采纳",
            Decision::NotAdopted => "未采纳",
        }
    }
}

/// One article as ops send it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    /// Its number (第 N 条), 1–1000, unique in the draft.
    pub number: i32,
    /// Its text (1–5000 characters).
    pub text: String,
}

/// A draft as ops publish it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftInput {
    /// 1–200 characters.
    pub title: String,
    /// National, provincial or city.
    pub level: Level,
    /// The body that asked for opinions (1–100 characters).
    pub asked_by: String,
    /// The last day comments are taken, today or later.
    pub closes_on: NaiveDate,
    /// 1–300 articles.
    pub articles: Vec<ArticleInput>,
}

/// One article as read.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleOut {
    /// Its number.
    pub number: i32,
    /// Its text.
    pub text: String,
    /// Comments on it so far.
    pub comments: i64,
}

/// A draft as anyone reads it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DraftOut {
    /// Its id.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// Whose draft.
    pub level: Level,
    /// The body that asked.
    pub asked_by: String,
    /// The last day comments are taken.
    pub closes_on: NaiveDate,
    /// Whether comments are still taken today.
    pub open: bool,
    /// Its articles, in order (absent from lists).
    pub articles: Vec<ArticleOut>,
    /// Comments on the draft as a whole.
    pub whole_comments: i64,
}

/// Ops publish a draft with its articles.
pub async fn publish(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &DraftInput,
    now: DateTime<Utc>,
) -> Result<DraftOut, Error> {
    policy::require(actor, Permission::AdministerDistrict)?;
    let title = text("title", &input.title, 1, 200)?;
    let asked_by = text("asked_by", &input.asked_by, 1, 100)?;
    if input.closes_on < local_today(now) {
        return Err(Error::invalid(
            "closes_on",
            FieldKind::DateSpan { max_days: 366 },
        ));
    }
    if input.articles.is_empty() {
        return Err(Error::required("articles"));
    }
    if input.articles.len() > MAX_ARTICLES {
        return Err(Error::invalid(
            "articles",
            FieldKind::TooMany {
                max: MAX_ARTICLES as u32,
            },
        ));
    }
    let mut seen = HashSet::new();
    let mut checked = Vec::new();
    for (i, a) in input.articles.iter().enumerate() {
        if !(1..=1000).contains(&a.number) {
            return Err(Error::out_of_range(
                format!("articles[{i}].number"),
                1,
                1000,
            ));
        }
        if !seen.insert(a.number) {
            return Err(Error::invalid(
                format!("articles[{i}].number"),
                FieldKind::Conflict,
            ));
        }
        checked.push((
            a.number,
            text(&format!("articles[{i}].text"), &a.text, 1, MAX_ARTICLE)?,
        ));
    }
    let txn = db.begin().await?;
    let d = drafts::ActiveModel {
        title: Set(title),
        level: Set(input.level),
        asked_by: Set(asked_by),
        closes_on: Set(input.closes_on),
        created_by: Set(actor.user_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for (number, body) in checked {
        articles::ActiveModel {
            draft_id: Set(d.id),
            number: Set(number),
            body: Set(body),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    detail(db, d.id, now).await
}

/// Every draft, newest first, without their articles.
pub async fn list(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<Vec<DraftOut>, Error> {
    let today = local_today(now);
    Ok(drafts::Entity::find()
        .order_by_desc(drafts::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|d| DraftOut {
            id: d.id,
            open: today <= d.closes_on,
            title: d.title,
            level: d.level,
            asked_by: d.asked_by,
            closes_on: d.closes_on,
            articles: Vec::new(),
            whole_comments: 0,
        })
        .collect())
}

async fn draft(db: &impl ConnectionTrait, id: i64) -> Result<drafts::Model, Error> {
    drafts::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found(format!("no draft {id}")))
}

/// One draft with its articles and how many comments each has.
pub async fn detail(
    db: &impl ConnectionTrait,
    id: i64,
    now: DateTime<Utc>,
) -> Result<DraftOut, Error> {
    let d = draft(db, id).await?;
    let arts = articles::Entity::find()
        .filter(articles::Column::DraftId.eq(id))
        .order_by_asc(articles::Column::Number)
        .all(db)
        .await?;
    let mut per: HashMap<Option<i64>, i64> = HashMap::new();
    for c in comments::Entity::find()
        .filter(comments::Column::DraftId.eq(id))
        .all(db)
        .await?
    {
        *per.entry(c.article_id).or_default() += 1;
    }
    Ok(DraftOut {
        id: d.id,
        open: local_today(now) <= d.closes_on,
        title: d.title,
        level: d.level,
        asked_by: d.asked_by,
        closes_on: d.closes_on,
        whole_comments: per.get(&None).copied().unwrap_or(0),
        articles: arts
            .into_iter()
            .map(|a| ArticleOut {
                comments: per.get(&Some(a.id)).copied().unwrap_or(0),
                number: a.number,
                text: a.body,
            })
            .collect(),
    })
}

/// A comment as someone sends it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentInput {
    /// The station's code it is sent from.
    pub station: String,
    /// The article's number; absent: the draft as a whole.
    pub article: Option<i32>,
    /// 2–2000 characters.
    pub body: String,
    /// Optional, kept private (1–50 characters).
    pub name: Option<String>,
    /// Optional, kept private.
    pub phone: Option<String>,
}

/// The station of a code a caller sent, refused at `station` when there is none.
async fn station_of(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<crate::stations::entity::Model, Error> {
    match crate::stations::by_code(db, code.trim()).await {
        Err(Error::NotFound(_)) => Err(Error::unknown_code("station", Thing::Station, code.trim())),
        other => other,
    }
}

/// The article of `number` in draft `draft_id`, refused at `field` when there is none.
async fn article_of(
    db: &impl ConnectionTrait,
    draft_id: i64,
    number: Option<i32>,
    field: &str,
) -> Result<Option<i64>, Error> {
    let Some(n) = number else { return Ok(None) };
    articles::Entity::find()
        .filter(articles::Column::DraftId.eq(draft_id))
        .filter(articles::Column::Number.eq(n))
        .one(db)
        .await?
        .map(|a| Some(a.id))
        .ok_or_else(|| {
            Error::invalid(
                field,
                FieldKind::NotOneOf {
                    choices: Vec::new(),
                },
            )
        })
}

fn refuse_closed(d: &drafts::Model, now: DateTime<Utc>) -> Result<(), Error> {
    if local_today(now) > d.closes_on {
        return Err(Error::Conflict(format!(
            "comments on this draft closed on {}",
            d.closes_on
        )));
    }
    Ok(())
}

/// A comment, from a resident (`actor` none) or a deputy or station staff at their station.
pub async fn comment(
    db: &DatabaseConnection,
    actor: Option<&Actor>,
    draft_id: i64,
    input: &CommentInput,
    now: DateTime<Utc>,
) -> Result<i64, Error> {
    let d = draft(db, draft_id).await?;
    let station = station_of(db, &input.station).await?;
    let commenter = match actor {
        None => Commenter::Resident,
        Some(a) => {
            policy::require(a, Permission::WorkAtStation(station.id))?;
            policy::draft_commenter(a).ok_or_else(|| {
                Error::forbidden("only residents, deputies and station staff comment")
            })?
        }
    };
    let body = text("body", &input.body, 2, MAX_COMMENT)?;
    let article_id = article_of(db, d.id, input.article, "article").await?;
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
        Some(_) => return Err(Error::format("phone", FormatKind::Phone)),
        None => None,
    };
    // Checked last so that a form with a mistake is told about the mistake first.
    refuse_closed(&d, now)?;
    let row = comments::ActiveModel {
        draft_id: Set(d.id),
        article_id: Set(article_id),
        station_id: Set(station.id),
        channel: Set(Source::Online),
        commenter: Set(commenter),
        forum_id: Set(None),
        body: Set(body),
        contact_name: Set(name),
        contact_phone: Set(phone),
        decision: Set(None),
        decided_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

/// One comment said at a forum.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForumComment {
    /// The article's number; absent: the draft as a whole.
    pub article: Option<i32>,
    /// 2–2000 characters.
    pub body: String,
}

/// An offline forum (座谈会) as station staff record it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForumInput {
    /// The station's code.
    pub station: String,
    /// The day it was held, not after today nor after the closing date.
    pub day: NaiveDate,
    /// Where (1–100 characters).
    pub place: String,
    /// Who took part (1–200 characters).
    pub people: String,
    /// The comments collected there, 1–200.
    pub comments: Vec<ForumComment>,
}

/// Station staff (or ops) record a forum with its comments, all or nothing; a closed draft
/// refuses it as it refuses any comment.
pub async fn record_forum(
    db: &DatabaseConnection,
    actor: &Actor,
    draft_id: i64,
    input: &ForumInput,
    now: DateTime<Utc>,
) -> Result<i64, Error> {
    let d = draft(db, draft_id).await?;
    let station = station_of(db, &input.station).await?;
    policy::require(actor, Permission::AdministerStation(station.id))?;
    if input.day > local_today(now) || input.day > d.closes_on {
        return Err(Error::invalid("day", FieldKind::DateSpan { max_days: 366 }));
    }
    let place = text("place", &input.place, 1, 100)?;
    let people = text("people", &input.people, 1, 200)?;
    if input.comments.is_empty() {
        return Err(Error::required("comments"));
    }
    if input.comments.len() > MAX_FORUM_COMMENTS {
        return Err(Error::invalid(
            "comments",
            FieldKind::TooMany {
                max: MAX_FORUM_COMMENTS as u32,
            },
        ));
    }
    let mut checked = Vec::new();
    for (i, c) in input.comments.iter().enumerate() {
        let body = text(&format!("comments[{i}].body"), &c.body, 2, MAX_COMMENT)?;
        let article = article_of(db, d.id, c.article, &format!("comments[{i}].article")).await?;
        checked.push((article, body));
    }
    // A forum's comments are comments: once the draft has closed, the report is being
    // compiled and takes no more.
    refuse_closed(&d, now)?;
    let txn = db.begin().await?;
    let forum = forums::ActiveModel {
        draft_id: Set(d.id),
        station_id: Set(station.id),
        day: Set(input.day),
        place: Set(place),
        people: Set(people),
        recorded_by: Set(actor.user_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for (article_id, body) in checked {
        comments::ActiveModel {
            draft_id: Set(d.id),
            article_id: Set(article_id),
            station_id: Set(station.id),
            channel: Set(Source::Forum),
            commenter: Set(Commenter::Resident),
            forum_id: Set(Some(forum.id)),
            body: Set(body),
            contact_name: Set(None),
            contact_phone: Set(None),
            decision: Set(None),
            decided_at: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(forum.id)
}

/// What is made of a comment.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// Adopted, partly adopted or not adopted.
    pub decision: Decision,
}

/// Ops (any comment) or the station's staff (their station's) mark a comment. With `draft`
/// (a page's address names it) a comment of another draft is not found, so a report's form
/// cannot mark a comment that report does not show.
pub async fn decide(
    db: &DatabaseConnection,
    actor: &Actor,
    draft: Option<i64>,
    comment_id: i64,
    input: &DecisionInput,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let c = comments::Entity::find_by_id(comment_id)
        .one(db)
        .await?
        .filter(|c| draft.is_none_or(|d| d == c.draft_id))
        .ok_or_else(|| match draft {
            Some(d) => Error::not_found(format!("no comment {comment_id} on draft {d}")),
            None => Error::not_found(format!("no comment {comment_id}")),
        })?;
    policy::require(actor, Permission::AdministerStation(c.station_id))?;
    let mut m = c.into_active_model();
    m.decision = Set(Some(input.decision));
    m.decided_at = Set(Some(now));
    m.update(db).await?;
    Ok(())
}

/// A comment as the report lists it: never the commenter's name or phone.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommentOut {
    /// Its id (to decide on it).
    pub id: i64,
    /// The article's number; none for the whole draft.
    pub article: Option<i32>,
    /// The comment.
    pub body: String,
    /// The station it was collected at.
    pub station: Named,
    /// Online or at a forum.
    pub channel: Source,
    /// A resident, a deputy or station staff.
    pub commenter: Commenter,
    /// What was made of it, once decided.
    pub decision: Option<Decision>,
}

/// The comments on a draft the caller may see (ops and viewers all, station staff and deputies
/// their station's), by article (the whole draft first), without any contact.
pub async fn comments_of(
    db: &impl ConnectionTrait,
    actor: &Actor,
    draft_id: i64,
) -> Result<Vec<CommentOut>, Error> {
    let d = draft(db, draft_id).await?;
    let mut q = comments::Entity::find().filter(comments::Column::DraftId.eq(d.id));
    match policy::scope(actor) {
        Scope::All => {}
        Scope::Station(s) => q = q.filter(comments::Column::StationId.eq(s)),
        Scope::Organisation(_) | Scope::Nothing => {
            return Err(Error::forbidden(
                "only ops, viewers, station staff and deputies read the comments",
            ));
        }
    }
    let numbers: HashMap<i64, i32> = articles::Entity::find()
        .filter(articles::Column::DraftId.eq(d.id))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a.number))
        .collect();
    let stations: HashMap<i64, Named> = crate::stations::all(db)
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
    let mut out: Vec<CommentOut> = q
        .order_by_asc(comments::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|c| CommentOut {
            id: c.id,
            article: c.article_id.and_then(|a| numbers.get(&a).copied()),
            body: c.body,
            station: stations.get(&c.station_id).cloned().unwrap_or(Named {
                code: String::new(),
                name: String::new(),
            }),
            channel: c.channel,
            commenter: c.commenter,
            decision: c.decision,
        })
        .collect();
    out.sort_by_key(|c| c.article.unwrap_or(0));
    Ok(out)
}

/// The feedback report (for the body that asked): article, comment, source, decision.
pub fn report_table(comments: &[CommentOut]) -> Table {
    Table {
        name: "立法意见反馈",
        headers: vec!["条款", "意见", "联络站", "渠道", "提出人", "采纳情况"],
        rows: comments
            .iter()
            .map(|c| {
                vec![
                    Cell::from(
                        c.article
                            .map_or_else(|| "总体".to_owned(), |n| format!("第{n}条")),
                    ),
                    c.body.as_str().into(),
                    c.station.name.as_str().into(),
                    c.channel.label_zh().into(),
                    c.commenter.label_zh().into(),
                    Cell::from(c.decision.map(|d| d.label_zh())),
                ]
            })
            .collect(),
    }
}

/// The level's name in Chinese, for pages.
pub fn level_zh(l: Level) -> &'static str {
    l.label_zh()
}

/// A station's (or the district's) figures on drafts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct LegislationCounts {
    /// Drafts it collected comments on.
    pub drafts: i64,
    /// Comments it collected.
    pub comments: i64,
    /// Of those, adopted or partly adopted.
    pub adopted: i64,
}

/// The counts of `station` (or the whole district).
pub async fn counts(
    db: &impl ConnectionTrait,
    station: Option<i64>,
) -> Result<LegislationCounts, Error> {
    let mut q = comments::Entity::find();
    if let Some(s) = station {
        q = q.filter(comments::Column::StationId.eq(s));
    }
    let mut c = LegislationCounts::default();
    let mut drafts_seen = HashSet::new();
    for row in q.all(db).await? {
        c.comments += 1;
        c.adopted += matches!(
            row.decision,
            Some(Decision::Adopted | Decision::PartlyAdopted)
        ) as i64;
        drafts_seen.insert(row.draft_id);
    }
    c.drafts = drafts_seen.len() as i64;
    Ok(c)
}
