//! Reading cases: the scoped list with filters, one case with its events, and the public
//! tracking view that a receipt code opens (never the contact, never internal notes).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, ModelTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
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
use crate::error::{Error, Thing};
use crate::{categories, orgs, stations};

pub use crate::reference::Directory;

impl Directory {
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

/// A reference shown by its public code and its Chinese name. Both are empty when the id is no
/// longer in the directory, rather than failing the whole page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Named {
    /// The public code (station, category, organisation or deputy code).
    pub code: String,
    /// The name people read, in Chinese.
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
/// The highest page number a list accepts (a million cases at the largest page size).
pub use crate::paging::MAX_PAGE;
/// The most cases one list page may show (the rule of every paged list).
pub use crate::paging::MAX_PER_PAGE;
/// The longest tag a list may be filtered by: the longest a brand may put on a case.
pub const MAX_TAG: usize = liaison_contract::calls::MAX_TAG;

/// Filters of the case list (`GET /api/v1/cases`), applied within what the caller may see.
/// Absent filters do not narrow; all given ones must hold.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseFilter {
    /// Station code.
    pub station: Option<String>,
    /// Only cases in this lifecycle state.
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

/// One row of the case list: enough to pick a case and see where it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseSummary {
    /// The case's internal id.
    pub id: i64,
    /// The resident's receipt code (回执码), as printed on the receipt.
    pub receipt_code: String,
    /// The station the case was raised at.
    pub station: Named,
    /// The category it was filed under.
    pub category: Named,
    /// How the case reached Liaison: `station_qr`, `deputy_qr`, `reception`, `web`, `plugin` or
    /// `open311`.
    pub channel: super::Channel,
    /// The headline.
    pub title: String,
    /// The lifecycle state now.
    pub status: Status,
    /// The escalation reached: 0 none, 1 催办 remind, 2 督办 supervise, 3 通报 public notice.
    pub supervision_level: i32,
    /// The lead handler organisation (主办), once the case is assigned (交办); absent before.
    pub lead: Option<Named>,
    /// The deadline (Asia/Shanghai date) of the step the case is at; absent when no step is timed,
    /// e.g. before registration or once closed.
    pub due_on: Option<NaiveDate>,
    /// Where the case stands against `due_on`; absent exactly when `due_on` is.
    pub timeliness: Option<Timeliness>,
    /// When the resident submitted (or staff recorded) the case.
    pub created_at: DateTime<Utc>,
}

/// One page of the case list, newest first, with what is needed to page on.
#[derive(Debug, Serialize, ToSchema)]
pub struct CasePage {
    /// The cases on this page.
    pub items: Vec<CaseSummary>,
    /// How many cases match the filters in all, over every page.
    pub total: u64,
    /// The page shown, from 1.
    pub page: u64,
    /// The page size used.
    pub per_page: u64,
}

/// What turning case rows into answers needs: names for ids and how to count deadlines.
/// Built once per request so a whole page shares it.
pub struct View<'a> {
    /// Names for the ids on the rows.
    pub dir: &'a Directory,
    /// The working-day calendar deadlines are counted on.
    pub cal: &'a Calendar,
    /// The time limits in force, for the "due soon" margin.
    pub rules: &'a DeadlineRules,
    /// Today in Asia/Shanghai, against which timeliness is judged.
    pub today: NaiveDate,
}

impl View<'_> {
    fn timeliness(&self, c: &cases::Model) -> Option<Timeliness> {
        timeliness(self.cal, self.rules, c.due_on, self.today)
    }

    /// The list row of a case, with its names and timeliness filled in.
    pub fn summary(&self, c: cases::Model) -> CaseSummary {
        CaseSummary {
            id: c.id,
            timeliness: self.timeliness(&c),
            station: self.dir.station(c.station_id),
            category: self.dir.category(c.category_id),
            status: c.status,
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

/// The cases `actor` may see that match `f`, newest first, one page of them. Returns the rows,
/// the total over all pages, and the page and page size used. Fails on an unknown station,
/// category or organisation code, a search text over 100 characters, or a page outside range;
/// `today` (Asia/Shanghai) decides what counts as overdue.
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
    let (page, per_page) = crate::paging::checked(f.page, f.per_page, PER_PAGE)?;
    let total = q.clone().count(db).await?;
    let rows = q
        .order_by_desc(cases::Column::CreatedAt)
        .order_by_desc(cases::Column::Id)
        .offset(crate::paging::offset(page, per_page))
        .limit(per_page)
        .all(db)
        .await?;
    Ok((rows, total, page, per_page))
}

/// The deadlines of a case, one per timed step, each the last day (Asia/Shanghai) to do it;
/// a step not yet reached (or not timed) has none.
#[derive(Debug, Serialize, ToSchema)]
pub struct Deadlines {
    /// By when the lead organisation must sign for (签收) the assigned case.
    pub sign_for: Option<NaiveDate>,
    /// By when the organisation (or the station) must reply (答复).
    pub reply: Option<NaiveDate>,
    /// By when the deputy or station must relay the reply to the resident (代表反馈).
    pub feedback: Option<NaiveDate>,
    /// By when the resident may rate; afterwards the case closes unrated.
    pub rating: Option<NaiveDate>,
}

/// One event of a case's history, as staff see it (internal ones included).
#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    /// The event's id; events of a case are shown in id order, which is the order they happened.
    pub id: i64,
    /// The action's code (`submit`, `assign`, `reveal_contact`, …).
    pub action: String,
    /// In Chinese, for people.
    pub label: String,
    /// The state before the event.
    pub from: String,
    /// The state after; the same as `from` for events that are not transitions.
    pub to: String,
    /// The role of whoever acted (`resident` and `system` included).
    pub actor_role: String,
    /// Their display name, `群众` for a resident and `系统` for Liaison itself.
    pub actor_name: String,
    /// The reason or answer given with the action, if any.
    pub note: Option<String>,
    /// Whether the resident reads the note on the tracking page (群众可见); `false` for an
    /// internal note.
    pub note_public: bool,
    /// Whether the resident sees this event on the tracking page.
    pub public: bool,
    /// Details of the action (e.g. the organisations assigned, the days asked), as JSON; absent
    /// when there are none.
    #[schema(value_type = Option<Object>)]
    pub data: Option<serde_json::Value>,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// Where a case's matter is, as given at intake; any part may be missing.
#[derive(Debug, Serialize, ToSchema)]
pub struct LocationOut {
    /// Latitude in degrees (WGS-84).
    pub lat: Option<f64>,
    /// Longitude in degrees (WGS-84).
    pub lng: Option<f64>,
    /// The street address as typed.
    pub address: Option<String>,
}

/// One case in full, for those whose scope covers it: the list row plus everything else.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDetail {
    /// The list row's fields, inline.
    #[serde(flatten)]
    pub summary: CaseSummary,
    /// The resident's words.
    pub description: String,
    /// `normal` or `urgent`.
    pub urgency: super::Urgency,
    /// Set at triage for a complex case, which gets the longer reply limit.
    pub complex: bool,
    /// The resident chose to leave no contact.
    pub anonymous: bool,
    /// The deputy the case was raised through, if any.
    pub deputy: Option<Named>,
    /// Where the matter is; absent when the resident gave no location.
    pub location: Option<LocationOut>,
    /// The co-handling organisations (协办) besides the lead; empty if none.
    pub co_handlers: Vec<Named>,
    /// The deadline of each timed step.
    pub deadlines: Deadlines,
    /// How many extensions (延期) have been granted.
    pub extension_count: i32,
    /// Working days asked in an extension request awaiting a decision; absent when none is pending.
    pub pending_extension_days: Option<i32>,
    /// How many times the case was handled again (重办) after an unsatisfied rating.
    pub rework_count: i32,
    /// The resident's rating (满意度评价), once given.
    pub rating: Option<Rating>,
    /// Set when the case closed because the rating window passed without a rating.
    pub unrated: bool,
    /// The earlier case this one repeats, marked at triage.
    pub duplicate_of: Option<i64>,
    /// When the case was closed (办结); absent while it is open.
    pub closed_at: Option<DateTime<Utc>>,
    /// Tags station brands have put on the case.
    pub tags: Vec<String>,
    /// Photos the resident sent, with the API's URLs for them and their thumbnails.
    pub photos: Vec<super::photos::PhotoOut>,
    /// Masked (138****5678); `POST /cases/{id}/contact` reveals it, and that is logged.
    pub contact: Option<contact::Contact>,
    /// The whole history, oldest first, internal events included.
    pub events: Vec<EventOut>,
    /// What the caller may do now.
    pub allowed_actions: Vec<Action>,
}

/// The Chinese label of an event's action, for timelines; an unknown code is shown as is.
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
        note_public: e.public && e.note_public,
        public: e.public,
        data: e.data.and_then(|d| serde_json::from_str(&d).ok()),
        at: e.created_at,
    }
}

/// A case in full for `actor`: co-handlers, events, masked contact, tags, photos, and the
/// actions the actor may take now. The caller has already checked that `c` is visible.
pub async fn detail(
    db: &impl ConnectionTrait,
    view: &View<'_>,
    actor: &Actor,
    c: cases::Model,
) -> Result<CaseDetail, Error> {
    let co = c
        .find_related(handlers::Entity)
        .filter(handlers::Column::Role.eq("co"))
        .all(db)
        .await?;
    let evs = c
        .find_related(events::Entity)
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
        urgency: c.urgency,
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
        rating: c.rating,
        unrated: c.unrated,
        duplicate_of: c.duplicate_of,
        closed_at: c.closed_at,
        contact,
        events: evs.into_iter().map(event_out).collect(),
        allowed_actions: allowed,
        summary: view.summary(c),
    })
}

/// Case `id` if `actor`'s scope covers it; an unseen case is "not found" rather than forbidden,
/// so ids outside one's scope reveal nothing.
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

/// One public step of a case on the tracking page.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrackStep {
    /// The action's code.
    pub action: String,
    /// The action in Chinese.
    pub label: String,
    /// What was said to the resident with the step (e.g. the answer), if anything.
    pub note: Option<String>,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// What anyone holding the receipt code sees.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrackView {
    /// The receipt code, normalised.
    pub receipt_code: String,
    /// The station the case was raised at.
    pub station: Named,
    /// The category it was filed under.
    pub category: Named,
    /// The headline.
    pub title: String,
    /// The resident's own words.
    pub description: String,
    /// The lifecycle state now.
    pub status: Status,
    /// The state in Chinese, for the page.
    pub status_label: String,
    /// When the resident submitted it.
    pub submitted_at: DateTime<Utc>,
    /// The deadline the case is working to now, if any.
    pub due_on: Option<NaiveDate>,
    /// By when the organisation must reply (答复), once assigned.
    pub reply_deadline: Option<NaiveDate>,
    /// The last answer given (by the organisation or the station).
    pub answer: Option<String>,
    /// The resident's rating, once given.
    pub rating: Option<Rating>,
    /// True while the resident may rate (after the deputy's feedback).
    pub can_rate: bool,
    /// The last day (Asia/Shanghai) the resident may rate; afterwards the case closes unrated.
    pub rating_deadline: Option<NaiveDate>,
    /// The public events, oldest first; no staff names, no internal notes, no data.
    pub timeline: Vec<TrackStep>,
    /// The deputies' suggestions and motions this opinion was raised into (代表建议), with
    /// where each stands and its public reply.
    pub suggestions: Vec<crate::suggestions::queries::SuggestionLink>,
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

/// The tracking view a receipt code opens (`GET /api/v1/track/{code}`): public events only,
/// never the contact. A malformed and an unknown code give the same 404.
pub async fn track(
    db: &impl ConnectionTrait,
    reference: &crate::reference::Reference,
    code: &str,
) -> Result<TrackView, Error> {
    let c = by_receipt(db, code).await?;
    let dir = reference.directory(db).await?;
    // Only public events, and only their public fields: no actor names of staff, no data blobs.
    let evs = c
        .find_related(events::Entity)
        .filter(events::Column::Public.eq(true))
        .order_by_asc(events::Column::Id)
        .all(db)
        .await?;
    let answer = evs
        .iter()
        .rev()
        .find(|e| e.action == "reply" || e.action == "resolve")
        .and_then(|e| e.note.clone());
    let status = c.status;
    let suggestions = crate::suggestions::queries::links_of_case(db, reference, c.id).await?;
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
        rating: c.rating,
        can_rate: status == Status::FeedbackGiven,
        rating_deadline: c.rating_deadline,
        timeline: evs
            .into_iter()
            .map(|e| TrackStep {
                label: event_label(&e.action),
                action: e.action,
                // Only a note written for the resident; staff remarks stay with the staff.
                note: e.note.filter(|_| e.note_public),
                at: e.created_at,
            })
            .collect(),
        suggestions,
    })
}

/// Today's date in Asia/Shanghai, which deadlines and overdue filters are judged by.
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

#[cfg(test)]
mod tests;
