//! Reading cases: the scoped list with filters, one case with its events, and the public
//! tracking view that a receipt code opens (never the contact, never internal notes).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::deadlines::{Timeliness, local_today, timeliness};
use super::entity::{cases, events, handlers};
use super::lifecycle::{Action, Rating, Status};
use super::{contact, scope};
use crate::auth::Actor;
use crate::calendar::Calendar;
use crate::configuration::DeadlineRules;
use crate::error::{Error, FieldKind, Thing};
use crate::{categories, deputies, orgs, stations};

/// Names for ids: the reference tables are small, so they are read whole per request.
pub struct Directory {
    pub stations: HashMap<i64, stations::entity::Model>,
    pub categories: HashMap<i64, categories::entity::Model>,
    pub orgs: HashMap<i64, orgs::entity::Model>,
    pub deputies: HashMap<i64, deputies::entity::Model>,
}

impl Directory {
    pub async fn load(db: &impl ConnectionTrait) -> Result<Self, Error> {
        Ok(Directory {
            stations: stations::entity::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|m| (m.id, m))
                .collect(),
            categories: categories::entity::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|m| (m.id, m))
                .collect(),
            orgs: orgs::entity::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|m| (m.id, m))
                .collect(),
            deputies: deputies::entity::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|m| (m.id, m))
                .collect(),
        })
    }

    fn station(&self, id: i64) -> Named {
        self.stations
            .get(&id)
            .map_or_else(Named::unknown, |s| Named {
                code: s.code.clone(),
                name: s.name.clone(),
            })
    }
    fn category(&self, id: i64) -> Named {
        self.categories
            .get(&id)
            .map_or_else(Named::unknown, |s| Named {
                code: s.code.clone(),
                name: s.name.clone(),
            })
    }
    fn org(&self, id: i64) -> Named {
        self.orgs.get(&id).map_or_else(Named::unknown, |s| Named {
            code: s.code.clone(),
            name: s.name.clone(),
        })
    }
    fn deputy(&self, id: i64) -> Named {
        self.deputies
            .get(&id)
            .map_or_else(Named::unknown, |s| Named {
                code: s.code.clone(),
                name: s.name.clone(),
            })
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Named {
    pub code: String,
    pub name: String,
}

impl Named {
    fn unknown() -> Self {
        Named {
            code: String::new(),
            name: String::new(),
        }
    }
}

/// How many cases a list page shows when the caller does not say: the API's and the desk's.
pub const PER_PAGE: u64 = 20;
/// The most cases one list page may show.
pub const MAX_PER_PAGE: u64 = 100;
/// The longest tag a list may be filtered by: the longest a brand may put on a case.
pub const MAX_TAG: usize = liaison_contract::calls::MAX_TAG;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseFilter {
    /// Station code.
    pub station: Option<String>,
    pub status: Option<Status>,
    /// Category code.
    pub category: Option<String>,
    /// Organisation code: cases it leads or co-handles.
    pub organisation: Option<String>,
    /// Only cases past the deadline of their current step.
    pub overdue: Option<bool>,
    /// Minimum supervision level (1 催办, 2 督办, 3 通报).
    pub supervision: Option<i32>,
    /// Words in the title or description.
    pub text: Option<String>,
    /// Only cases carrying this tag (put on by station brands).
    pub tag: Option<String>,
    /// From 1.
    pub page: Option<u64>,
    /// At most 100; 20 by default.
    pub per_page: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseSummary {
    pub id: i64,
    pub receipt_code: String,
    pub station: Named,
    pub category: Named,
    pub channel: String,
    pub title: String,
    pub status: Status,
    pub supervision_level: i32,
    pub lead: Option<Named>,
    pub due_on: Option<NaiveDate>,
    pub timeliness: Option<Timeliness>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CasePage {
    pub items: Vec<CaseSummary>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

pub struct View<'a> {
    pub dir: &'a Directory,
    pub cal: &'a Calendar,
    pub rules: &'a DeadlineRules,
    pub today: NaiveDate,
}

impl View<'_> {
    fn timeliness(&self, c: &cases::Model) -> Option<Timeliness> {
        timeliness(self.cal, self.rules, c.due_on, self.today)
    }

    pub fn summary(&self, c: cases::Model) -> CaseSummary {
        CaseSummary {
            id: c.id,
            timeliness: self.timeliness(&c),
            station: self.dir.station(c.station_id),
            category: self.dir.category(c.category_id),
            status: Status::parse(&c.status).unwrap_or(Status::Submitted),
            lead: c.lead_org_id.map(|o| self.dir.org(o)),
            receipt_code: c.receipt_code,
            channel: c.channel,
            title: c.title,
            supervision_level: c.supervision_level,
            due_on: c.due_on,
            created_at: c.created_at,
        }
    }
}

pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    f: &CaseFilter,
    today: NaiveDate,
) -> Result<(Vec<cases::Model>, u64, u64, u64), Error> {
    let mut q = scope::visible(actor);
    if let Some(code) = &f.station {
        let s = stations::by_code(db, code)
            .await
            .map_err(|_| Error::unknown_code("station", Thing::Station, code))?;
        q = q.filter(cases::Column::StationId.eq(s.id));
    }
    if let Some(status) = f.status {
        q = q.filter(cases::Column::Status.eq(status.as_str()));
    }
    if let Some(code) = &f.category {
        let c = categories::by_code(db, code)
            .await?
            .ok_or_else(|| Error::unknown_code("category", Thing::Category, code))?;
        q = q.filter(cases::Column::CategoryId.eq(c.id));
    }
    if let Some(code) = &f.organisation {
        let o = orgs::by_code(db, code)
            .await?
            .ok_or_else(|| Error::unknown_code("organisation", Thing::Organisation, code))?;
        q = scope::narrow(q, crate::auth::Scope::Organisation(o.id));
    }
    match f.overdue {
        Some(true) => q = q.filter(cases::Column::DueOn.lt(today)),
        Some(false) => {
            q = q.filter(
                Condition::any()
                    .add(cases::Column::DueOn.is_null())
                    .add(cases::Column::DueOn.gte(today)),
            )
        }
        None => {}
    }
    if let Some(level) = f.supervision {
        q = q.filter(cases::Column::SupervisionLevel.gte(level));
    }
    if let Some(tag) = f.tag.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        q = q.filter(
            Expr::col((cases::Entity, cases::Column::Id)).in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(crate::plugins::entity::tags::Column::CaseId)
                    .from(crate::plugins::entity::tags::Entity)
                    .and_where(Expr::col(crate::plugins::entity::tags::Column::Tag).eq(tag))
                    .to_owned(),
            ),
        );
    }
    if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        if t.chars().count() > 100 {
            return Err(Error::too_long("text", 100));
        }
        q = q.filter(
            Condition::any()
                .add(cases::Column::Title.contains(t))
                .add(cases::Column::Description.contains(t)),
        );
    }
    let per_page = f.per_page.unwrap_or(PER_PAGE);
    if per_page == 0 || per_page > MAX_PER_PAGE {
        return Err(Error::out_of_range("per_page", 1, MAX_PER_PAGE as i64));
    }
    let page = f.page.unwrap_or(1);
    if page == 0 {
        return Err(Error::invalid("page", FieldKind::TooSmall { min: 1 }));
    }
    let total = q.clone().count(db).await?;
    let rows = q
        .order_by_desc(cases::Column::CreatedAt)
        .order_by_desc(cases::Column::Id)
        .offset((page - 1) * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    Ok((rows, total, page, per_page))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Deadlines {
    pub sign_for: Option<NaiveDate>,
    pub reply: Option<NaiveDate>,
    pub feedback: Option<NaiveDate>,
    pub rating: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    pub id: i64,
    pub action: String,
    /// In Chinese, for people.
    pub label: String,
    pub from: String,
    pub to: String,
    pub actor_role: String,
    pub actor_name: String,
    pub note: Option<String>,
    pub public: bool,
    #[schema(value_type = Object)]
    pub data: Option<serde_json::Value>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LocationOut {
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub address: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub summary: CaseSummary,
    pub description: String,
    pub urgency: String,
    pub complex: bool,
    pub anonymous: bool,
    pub deputy: Option<Named>,
    pub location: Option<LocationOut>,
    pub co_handlers: Vec<Named>,
    pub deadlines: Deadlines,
    pub extension_count: i32,
    pub pending_extension_days: Option<i32>,
    pub rework_count: i32,
    pub rating: Option<Rating>,
    pub unrated: bool,
    pub duplicate_of: Option<i64>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Tags station brands have put on the case.
    pub tags: Vec<String>,
    /// Photos the resident sent, with the API's URLs for them and their thumbnails.
    pub photos: Vec<super::photos::PhotoOut>,
    /// Masked (138****5678); `POST /cases/{id}/contact` reveals it, and that is logged.
    pub contact: Option<contact::Contact>,
    pub events: Vec<EventOut>,
    /// What the caller may do now.
    pub allowed_actions: Vec<Action>,
}

pub fn event_label(action: &str) -> String {
    match action {
        "submit" => "提交意见".into(),
        "reveal_contact" => "查看联系方式".into(),
        other => Action::parse(other).map_or_else(|| other.to_owned(), |a| a.label_zh().to_owned()),
    }
}

fn event_out(e: events::Model) -> EventOut {
    EventOut {
        id: e.id,
        label: event_label(&e.action),
        action: e.action,
        from: e.from_status,
        to: e.to_status,
        actor_role: e.actor_role,
        actor_name: e.actor_name,
        note: e.note,
        public: e.public,
        data: e.data.and_then(|d| serde_json::from_str(&d).ok()),
        at: e.created_at,
    }
}

pub async fn detail(
    db: &impl ConnectionTrait,
    view: &View<'_>,
    actor: &Actor,
    c: cases::Model,
) -> Result<CaseDetail, Error> {
    let co = handlers::Entity::find()
        .filter(handlers::Column::CaseId.eq(c.id))
        .filter(handlers::Column::Role.eq("co"))
        .all(db)
        .await?;
    let evs = events::Entity::find()
        .filter(events::Column::CaseId.eq(c.id))
        .order_by_asc(events::Column::Id)
        .all(db)
        .await?;
    let contact = contact::entity::Entity::find_by_id(c.id)
        .one(db)
        .await?
        .map(|m| {
            contact::Contact {
                name: m.name,
                phone: m.phone,
            }
            .masked()
        });
    let allowed = super::actions::allowed(actor, &c);
    let tags = crate::plugins::entity::tags::Entity::find()
        .filter(crate::plugins::entity::tags::Column::CaseId.eq(c.id))
        .order_by_asc(crate::plugins::entity::tags::Column::Tag)
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.tag)
        .collect();
    let photos = super::photos::of_case(db, c.id)
        .await?
        .into_iter()
        .map(|p| super::photos::out("/api/v1", p))
        .collect();
    Ok(CaseDetail {
        tags,
        photos,
        description: c.description.clone(),
        urgency: c.urgency.clone(),
        complex: c.complex,
        anonymous: c.anonymous,
        deputy: c.deputy_id.map(|d| view.dir.deputy(d)),
        location: (c.lat.is_some() || c.address.is_some()).then(|| LocationOut {
            lat: c.lat,
            lng: c.lng,
            address: c.address.clone(),
        }),
        co_handlers: co.iter().map(|h| view.dir.org(h.organisation_id)).collect(),
        deadlines: Deadlines {
            sign_for: c.sign_deadline,
            reply: c.reply_deadline,
            feedback: c.feedback_deadline,
            rating: c.rating_deadline,
        },
        extension_count: c.extension_count,
        pending_extension_days: c.pending_extension_days,
        rework_count: c.rework_count,
        rating: c.rating.as_deref().and_then(Rating::parse),
        unrated: c.unrated,
        duplicate_of: c.duplicate_of,
        closed_at: c.closed_at,
        contact,
        events: evs.into_iter().map(event_out).collect(),
        allowed_actions: allowed,
        summary: view.summary(c),
    })
}

pub async fn visible_case(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<cases::Model, Error> {
    scope::visible(actor)
        .filter(cases::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found(format!("no case {id}")))
}

/// Case `id` if it was filed at station `station_id`: what a brand that filed a case at its
/// station may name back, whoever is looking.
pub async fn filed_at(
    db: &impl ConnectionTrait,
    station_id: i64,
    id: i64,
) -> Result<Option<cases::Model>, Error> {
    Ok(cases::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|c| c.station_id == station_id))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrackStep {
    pub action: String,
    pub label: String,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

/// What anyone holding the receipt code sees.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrackView {
    pub receipt_code: String,
    pub station: Named,
    pub category: Named,
    pub title: String,
    pub description: String,
    pub status: Status,
    pub status_label: String,
    pub submitted_at: DateTime<Utc>,
    /// The deadline the case is working to now, if any.
    pub due_on: Option<NaiveDate>,
    pub reply_deadline: Option<NaiveDate>,
    /// The last answer given (by the organisation or the station).
    pub answer: Option<String>,
    pub rating: Option<Rating>,
    /// True while the resident may rate (after the deputy's feedback).
    pub can_rate: bool,
    pub rating_deadline: Option<NaiveDate>,
    pub timeline: Vec<TrackStep>,
}

/// The case a receipt code (as typed) names; the same 404 for a malformed and an unknown code.
pub async fn by_receipt(db: &impl ConnectionTrait, code: &str) -> Result<cases::Model, Error> {
    let code = super::receipt::normalise(code)
        .ok_or_else(|| Error::not_found("no case with that receipt code"))?;
    cases::Entity::find()
        .filter(cases::Column::ReceiptCode.eq(code.as_str()))
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("no case with that receipt code"))
}

pub async fn track(db: &impl ConnectionTrait, code: &str) -> Result<TrackView, Error> {
    let c = by_receipt(db, code).await?;
    let dir = Directory::load(db).await?;
    // Only public events, and only their public fields: no actor names of staff, no data blobs.
    let evs = events::Entity::find()
        .filter(events::Column::CaseId.eq(c.id))
        .filter(events::Column::Public.eq(true))
        .order_by_asc(events::Column::Id)
        .all(db)
        .await?;
    let answer = evs
        .iter()
        .rev()
        .find(|e| e.action == "reply" || e.action == "resolve")
        .and_then(|e| e.note.clone());
    let status = Status::parse(&c.status).unwrap_or(Status::Submitted);
    Ok(TrackView {
        receipt_code: c.receipt_code.clone(),
        station: dir.station(c.station_id),
        category: dir.category(c.category_id),
        title: c.title.clone(),
        description: c.description.clone(),
        status,
        status_label: status.label_zh().to_owned(),
        submitted_at: c.created_at,
        due_on: c.due_on,
        reply_deadline: c.reply_deadline,
        answer,
        rating: c.rating.as_deref().and_then(Rating::parse),
        can_rate: status == Status::FeedbackGiven,
        rating_deadline: c.rating_deadline,
        timeline: evs
            .into_iter()
            .map(|e| TrackStep {
                label: event_label(&e.action),
                action: e.action,
                note: e.note,
                at: e.created_at,
            })
            .collect(),
    })
}

pub fn today(now: DateTime<Utc>) -> NaiveDate {
    local_today(now)
}

/// Cases waiting past their rating window, for the sweeper.
pub async fn rating_window_passed(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    limit: u64,
) -> Result<Vec<i64>, Error> {
    Ok(cases::Entity::find()
        .select_only()
        .column(cases::Column::Id)
        .filter(cases::Column::Status.eq(Status::FeedbackGiven.as_str()))
        .filter(Expr::col(cases::Column::RatingDeadline).lt(today))
        .limit(limit)
        .into_tuple::<i64>()
        .all(db)
        .await?)
}
