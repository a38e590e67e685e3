//! Reading suggestions and motions: every list narrowed by the policy's reach
//! ([`crate::policy::suggestion_reach`]), one item with its history and the steps the caller may
//! take, the public list with the public replies, what a resident's case became, the cockpit's
//! counts, and the register as an export table.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Select,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::entity::{
    consultations, cosigners, events, linked_cases, orgs as handling, suggestions,
};
use super::lifecycle::{Action, Status};
use super::sessions::SessionOut;
use super::{ConsultWay, Evaluation, Kind, ReplyClass, Suggestion};
use crate::auth::Actor;
use crate::calendar::Calendar;
use crate::cases::deadlines::Timeliness;
use crate::cases::queries::Named;
use crate::configuration::SuggestionRules;
use crate::error::{Error, Thing};
use crate::oversight::exports::{Cell, Format, Table};
use crate::policy::{self, SuggestionReach};
use crate::reference::{Directory, Reference};

/// Suggestions of the whole district, narrowed to what `actor` may see.
pub fn visible(actor: &Actor) -> Select<suggestions::Entity> {
    narrow(suggestions::Entity::find(), policy::suggestion_reach(actor))
}

fn narrow(
    select: Select<suggestions::Entity>,
    reach: SuggestionReach,
) -> Select<suggestions::Entity> {
    match reach {
        SuggestionReach::All => select,
        SuggestionReach::Deputy { deputy, station } => {
            let mut any = Condition::any()
                .add(suggestions::Column::DeputyId.eq(deputy))
                .add(
                    Expr::col((suggestions::Entity, suggestions::Column::Id)).in_subquery(
                        Query::select()
                            .column(cosigners::Column::SuggestionId)
                            .from(cosigners::Entity)
                            .and_where(Expr::col(cosigners::Column::DeputyId).eq(deputy))
                            .to_owned(),
                    ),
                );
            if let Some(st) = station {
                any = any.add(suggestions::Column::StationId.eq(st));
            }
            select.filter(any)
        }
        SuggestionReach::Station(st) => select.filter(suggestions::Column::StationId.eq(st)),
        SuggestionReach::Organisation(org) => select.filter(
            Expr::col((suggestions::Entity, suggestions::Column::Id)).in_subquery(
                Query::select()
                    .column(handling::Column::SuggestionId)
                    .from(handling::Entity)
                    .and_where(Expr::col(handling::Column::OrganisationId).eq(org))
                    .to_owned(),
            ),
        ),
        SuggestionReach::Nothing => select.filter(Expr::val(1).eq(0)),
    }
}

/// The item `id` if `actor` sees it; otherwise not found (an item out of reach does not exist
/// for them).
pub async fn visible_one(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i64,
) -> Result<Suggestion, Error> {
    visible(actor)
        .filter(suggestions::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found(format!("no suggestion {id}")))
}

/// Filters of the register (`GET /api/v1/suggestions`), within what the caller sees; all given
/// ones must hold.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestionFilter {
    /// A session's id.
    pub session: Option<i64>,
    /// `suggestion` or `motion`.
    pub kind: Option<Kind>,
    /// A status.
    pub status: Option<Status>,
    /// Filed at this station (code).
    pub station: Option<String>,
    /// Led or co-handled by this organisation (code): one organisation's list.
    pub organisation: Option<String>,
    /// The reply's class, `A`, `B` or `C`.
    pub class: Option<ReplyClass>,
    /// Only key-supervised items.
    pub key_supervision: Option<bool>,
    /// Only items past the deadline of their step.
    pub overdue: Option<bool>,
    /// json (default), csv or xlsx.
    #[param(inline)]
    pub format: Option<Format>,
}

/// A suggestion in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SuggestionSummary {
    /// Its id.
    pub id: i64,
    /// 建议第 N 号 / 议案第 N 号 within its session.
    pub number: String,
    /// Suggestion or motion.
    pub kind: Kind,
    /// The session's name.
    pub session: String,
    /// Filed during the session rather than between sessions.
    pub during_session: bool,
    /// Its title.
    pub title: String,
    /// The deputy who filed it.
    pub deputy: Named,
    /// The station it was filed at.
    pub station: Named,
    /// Where it stands.
    pub status: Status,
    /// The status in Chinese.
    pub status_label: String,
    /// The lead organisation, once assigned.
    pub lead: Option<Named>,
    /// Key supervision (重点督办).
    pub key_supervision: bool,
    /// The leader supervising it.
    pub supervising_leader: Option<String>,
    /// The deadline of its current step.
    pub due_on: Option<NaiveDate>,
    /// Due soon or overdue against `due_on`, on the working-day calendar.
    pub timeliness: Option<Timeliness>,
    /// The reply's class.
    pub reply_class: Option<ReplyClass>,
    /// The deputy's evaluation.
    pub evaluation: Option<Evaluation>,
    /// When it was filed.
    pub created_at: DateTime<Utc>,
}

/// Names and calendar for turning rows into answers.
pub struct View<'a> {
    /// Stations, organisations, deputies.
    pub dir: &'a Directory,
    /// The working-day calendar.
    pub cal: &'a Calendar,
    /// The limits, for due-soon.
    pub rules: &'a SuggestionRules,
    /// Today in Asia/Shanghai.
    pub today: NaiveDate,
    /// Sessions by id.
    pub sessions: HashMap<i64, SessionOut>,
}

fn unknown() -> Named {
    Named {
        code: String::new(),
        name: String::new(),
    }
}

impl View<'_> {
    /// Builds a view: loads the reference data, the calendar and the sessions.
    pub async fn load<'a>(
        db: &impl ConnectionTrait,
        dir: &'a Directory,
        cal: &'a Calendar,
        rules: &'a SuggestionRules,
        now: DateTime<Utc>,
    ) -> Result<View<'a>, Error> {
        let sessions = super::sessions::all(db)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        Ok(View {
            dir,
            cal,
            rules,
            today: crate::cases::deadlines::local_today(now),
            sessions,
        })
    }

    fn deputy(&self, id: i64) -> Named {
        self.dir.deputies.get(&id).map_or_else(unknown, |d| Named {
            code: d.code.clone(),
            name: d.name.clone(),
        })
    }

    fn station(&self, id: i64) -> Named {
        self.dir.stations.get(&id).map_or_else(unknown, |s| Named {
            code: s.code.clone(),
            name: s.name.clone(),
        })
    }

    fn org(&self, id: i64) -> Named {
        self.dir.orgs.get(&id).map_or_else(unknown, |o| Named {
            code: o.code.clone(),
            name: o.name.clone(),
        })
    }

    fn session_name(&self, id: i64) -> String {
        self.sessions
            .get(&id)
            .map(|s| s.name.clone())
            .unwrap_or_default()
    }

    /// Where `due_on` stands today: overdue after it, due soon within `due_soon_days` working
    /// days (or on the day), else on time.
    pub fn timeliness(&self, due_on: Option<NaiveDate>) -> Option<Timeliness> {
        timeliness(self.cal, self.rules.due_soon_days, self.today, due_on?)
    }

    /// The row as a list shows it.
    pub fn summary(&self, s: &Suggestion) -> SuggestionSummary {
        SuggestionSummary {
            id: s.id,
            number: number(s),
            kind: s.kind,
            session: self.session_name(s.session_id),
            during_session: s.during_session,
            title: s.title.clone(),
            deputy: self.deputy(s.deputy_id),
            station: self.station(s.station_id),
            status: s.status,
            status_label: s.status.label_zh().to_owned(),
            lead: s.lead_org_id.map(|o| self.org(o)),
            key_supervision: s.key_supervision,
            supervising_leader: s.supervising_leader.clone(),
            due_on: s.due_on,
            timeliness: self.timeliness(s.due_on),
            reply_class: s.reply_class,
            evaluation: s.evaluation,
            created_at: s.created_at,
        }
    }
}

/// Where `due` stands on `today`: overdue after it, due soon within `due_soon_days` working days
/// (or on the day), else on time. The pages, the API and the reminders all measure by this.
pub fn timeliness(
    cal: &Calendar,
    due_soon_days: u32,
    today: NaiveDate,
    due: NaiveDate,
) -> Option<Timeliness> {
    Some(if today > due {
        Timeliness::Overdue
    } else if cal.working_days_between(today, due) <= i64::from(due_soon_days) {
        Timeliness::DueSoon
    } else {
        Timeliness::OnTime
    })
}

/// 建议第 N 号 / 议案第 N 号.
pub fn number(s: &Suggestion) -> String {
    format!("{}第{}号", s.kind.label_zh(), s.serial)
}

/// The most items one list answers.
pub const MAX_LIST: u64 = 1000;

/// The register within the caller's reach, newest first, filtered.
pub async fn list(
    db: &impl ConnectionTrait,
    view: &View<'_>,
    actor: &Actor,
    f: &SuggestionFilter,
) -> Result<Vec<SuggestionSummary>, Error> {
    policy::require(actor, policy::Permission::ReadSuggestions)?;
    let mut q = visible(actor);
    if let Some(s) = f.session {
        q = q.filter(suggestions::Column::SessionId.eq(s));
    }
    if let Some(k) = f.kind {
        q = q.filter(suggestions::Column::Kind.eq(k.as_str()));
    }
    if let Some(s) = f.status {
        q = q.filter(suggestions::Column::Status.eq(s.as_str()));
    }
    if let Some(code) = f
        .station
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        let st = view
            .dir
            .station_by_code(code)
            .ok_or_else(|| Error::unknown_code("station", Thing::Station, code))?;
        q = q.filter(suggestions::Column::StationId.eq(st.id));
    }
    if let Some(code) = f
        .organisation
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        let org = view
            .dir
            .orgs
            .values()
            .find(|o| o.code == code)
            .ok_or_else(|| Error::unknown_code("organisation", Thing::Organisation, code))?;
        q = q.filter(
            Expr::col((suggestions::Entity, suggestions::Column::Id)).in_subquery(
                Query::select()
                    .column(handling::Column::SuggestionId)
                    .from(handling::Entity)
                    .and_where(Expr::col(handling::Column::OrganisationId).eq(org.id))
                    .to_owned(),
            ),
        );
    }
    if let Some(c) = f.class {
        q = q.filter(suggestions::Column::ReplyClass.eq(c.as_str()));
    }
    if let Some(k) = f.key_supervision {
        q = q.filter(suggestions::Column::KeySupervision.eq(k));
    }
    if f.overdue == Some(true) {
        q = q.filter(suggestions::Column::DueOn.lt(view.today));
    }
    let rows = q
        .order_by_desc(suggestions::Column::Id)
        .limit(MAX_LIST)
        .all(db)
        .await?;
    Ok(rows.iter().map(|s| view.summary(s)).collect())
}

/// A step in the history.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = SuggestionEventOut)]
pub struct EventOut {
    /// The step's code (`file`, `register`, `assign`, …).
    pub action: String,
    /// In Chinese.
    pub label: String,
    /// The status before.
    pub from: String,
    /// The status after.
    pub to: String,
    /// The role of who acted.
    pub actor_role: String,
    /// Their name.
    pub actor_name: String,
    /// The reason, reply or remark given.
    pub note: Option<String>,
    /// Particulars (organisations, deadlines, evaluation), as JSON.
    #[schema(value_type = Option<Object>)]
    pub data: Option<serde_json::Value>,
    /// When.
    pub at: DateTime<Utc>,
}

/// A handling organisation of an item.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HandlerOut {
    /// The organisation.
    pub organisation: Named,
    /// Whether it leads (主办) rather than co-handles (协办).
    pub lead: bool,
    /// A co-organisation's opinion to the lead.
    pub opinion: Option<String>,
    /// When it sent the opinion.
    pub opinion_at: Option<DateTime<Utc>>,
    /// A co-organisation's opinion still owed: due soon or overdue against
    /// `co_opinion_deadline` on the working-day calendar (absent once sent).
    pub opinion_due: Option<Timeliness>,
    /// A sent opinion: whether it came by `co_opinion_deadline`.
    pub opinion_on_time: Option<bool>,
}

/// A consultation (面商) on record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsultationOut {
    /// The day it was held.
    pub day: NaiveDate,
    /// In person, by phone or in writing.
    pub way: ConsultWay,
    /// Who took part.
    pub people: String,
    /// What was said.
    pub note: Option<String>,
}

/// A resident's case behind an item.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseLink {
    /// The case's id.
    pub id: i64,
    /// Its receipt code.
    pub receipt_code: String,
    /// Its title.
    pub title: String,
}

/// One item with everything about it and what the caller may do now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SuggestionDetail {
    /// What a list shows.
    #[serde(flatten)]
    pub summary: SuggestionSummary,
    /// Its text.
    pub body: String,
    /// The delegation filing a motion.
    pub delegation: Option<String>,
    /// Co-signing deputies.
    pub cosigners: Vec<Named>,
    /// The residents' cases it was raised from (those the caller sees).
    pub cases: Vec<CaseLink>,
    /// Lead and co-organisations.
    pub organisations: Vec<HandlerOut>,
    /// The day it was assigned.
    pub assigned_on: Option<NaiveDate>,
    /// The last day to reply.
    pub reply_deadline: Option<NaiveDate>,
    /// The last day for co-organisations' opinions.
    pub co_opinion_deadline: Option<NaiveDate>,
    /// The last day to reply again after an unsatisfied evaluation.
    pub rehandle_deadline: Option<NaiveDate>,
    /// The latest reply's public text.
    pub reply_text: Option<String>,
    /// The reason of a C reply, or an explanation.
    pub reply_reason: Option<String>,
    /// A B item's planned date.
    pub planned_on: Option<NaiveDate>,
    /// The first reply's day.
    pub first_replied_on: Option<NaiveDate>,
    /// Whether the first reply was on time.
    pub replied_on_time: Option<bool>,
    /// Sent back once after an unsatisfied evaluation.
    pub rehandled: bool,
    /// A followed-up B item confirmed solved or not.
    pub solved: Option<bool>,
    /// Why it was returned, while it is returned.
    pub return_reason: Option<String>,
    /// The consultations (面商) on record.
    pub consultations: Vec<ConsultationOut>,
    /// Its history, oldest first.
    pub history: Vec<EventOut>,
    /// The steps the caller may take now.
    pub actions: Vec<Action>,
}

/// The label of a history step.
pub fn event_label(action: &str) -> String {
    if action == "file" {
        return "提交".into();
    }
    Action::parse(action).map_or_else(|| action.to_owned(), |a| a.label_zh().to_owned())
}

/// One item as `actor` sees it.
pub async fn detail(
    db: &impl ConnectionTrait,
    view: &View<'_>,
    actor: &Actor,
    id: i64,
) -> Result<SuggestionDetail, Error> {
    let s = visible_one(db, actor, id).await?;
    let cosigners = cosigners::Entity::find()
        .filter(cosigners::Column::SuggestionId.eq(s.id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| view.deputy(c.deputy_id))
        .collect();
    let case_ids: Vec<i64> = linked_cases::Entity::find()
        .filter(linked_cases::Column::SuggestionId.eq(s.id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.case_id)
        .collect();
    // Only the cases the caller may see themselves: an organisation does not read a station's
    // residents' cases through a suggestion.
    let cases = crate::cases::scope::visible(actor)
        .filter(crate::cases::entity::cases::Column::Id.is_in(case_ids))
        .order_by_asc(crate::cases::entity::cases::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|c| CaseLink {
            id: c.id,
            receipt_code: c.receipt_code,
            title: c.title,
        })
        .collect();
    let mut organisations: Vec<HandlerOut> = super::actions::handlers(db, s.id)
        .await?
        .into_iter()
        .map(|h| HandlerOut {
            organisation: view.org(h.organisation_id),
            lead: h.part == "lead",
            opinion_due: super::opinions::standing(view, &s, &h),
            opinion_on_time: h
                .opinion_at
                .and_then(|at| super::opinions::on_time(s.co_opinion_deadline, at)),
            opinion: h.opinion,
            opinion_at: h.opinion_at,
        })
        .collect();
    organisations.sort_by_key(|h| !h.lead);
    let consultations = consultations::Entity::find()
        .filter(consultations::Column::SuggestionId.eq(s.id))
        .order_by_asc(consultations::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|c| ConsultationOut {
            day: c.day,
            way: c.way,
            people: c.people,
            note: c.note,
        })
        .collect();
    let history = events::Entity::find()
        .filter(events::Column::SuggestionId.eq(s.id))
        .order_by_asc(events::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|e| EventOut {
            label: event_label(&e.action),
            action: e.action,
            from: e.from_status,
            to: e.to_status,
            actor_role: e.actor_role,
            actor_name: e.actor_name,
            note: e.note,
            data: e.data.and_then(|d| serde_json::from_str(&d).ok()),
            at: e.created_at,
        })
        .collect();
    let actions = super::actions::allowed(db, actor, &s).await?;
    Ok(SuggestionDetail {
        summary: view.summary(&s),
        body: s.body,
        delegation: s.delegation,
        cosigners,
        cases,
        organisations,
        assigned_on: s.assigned_on,
        reply_deadline: s.reply_deadline,
        co_opinion_deadline: s.co_opinion_deadline,
        rehandle_deadline: s.rehandle_deadline,
        reply_text: s.reply_text,
        reply_reason: s.reply_reason,
        planned_on: s.planned_on,
        first_replied_on: s.first_replied_on,
        replied_on_time: s.replied_on_time,
        rehandled: s.rehandled,
        solved: s.solved,
        return_reason: s.return_reason,
        consultations,
        history,
        actions,
    })
}

/// Filters of the public list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicFilter {
    /// Filed at this station (code).
    pub station: Option<String>,
    /// Led by this organisation (code).
    pub organisation: Option<String>,
    /// The reply's class.
    pub class: Option<ReplyClass>,
}

/// A suggestion as the public reads it: accepted items only, no internal notes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicSuggestion {
    /// 建议第 N 号 / 议案第 N 号.
    pub number: String,
    /// Suggestion or motion.
    pub kind: Kind,
    /// The session's name.
    pub session: String,
    /// Its title.
    pub title: String,
    /// The deputy who filed it.
    pub deputy: Named,
    /// The station it was filed at.
    pub station: Named,
    /// The lead organisation.
    pub lead: Option<Named>,
    /// Where it stands.
    pub status: Status,
    /// The status in Chinese.
    pub status_label: String,
    /// Key supervision.
    pub key_supervision: bool,
    /// The reply's class.
    pub reply_class: Option<ReplyClass>,
    /// The public reply.
    pub reply_text: Option<String>,
    /// A B item's planned date.
    pub planned_on: Option<NaiveDate>,
}

/// Accepted items (registered or later, not letters), newest first, filtered.
pub async fn public_list(
    db: &impl ConnectionTrait,
    view: &View<'_>,
    f: &PublicFilter,
) -> Result<Vec<PublicSuggestion>, Error> {
    let mut q = suggestions::Entity::find().filter(
        suggestions::Column::Status
            .is_not_in([Status::Filed, Status::Returned, Status::Letter].map(|s| s.as_str())),
    );
    if let Some(code) = f
        .station
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        let st = view
            .dir
            .station_by_code(code)
            .ok_or_else(|| Error::unknown_code("station", Thing::Station, code))?;
        q = q.filter(suggestions::Column::StationId.eq(st.id));
    }
    if let Some(code) = f
        .organisation
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        let org = view
            .dir
            .orgs
            .values()
            .find(|o| o.code == code)
            .ok_or_else(|| Error::unknown_code("organisation", Thing::Organisation, code))?;
        q = q.filter(suggestions::Column::LeadOrgId.eq(org.id));
    }
    if let Some(c) = f.class {
        q = q.filter(suggestions::Column::ReplyClass.eq(c.as_str()));
    }
    Ok(q.order_by_desc(suggestions::Column::Id)
        .limit(MAX_LIST)
        .all(db)
        .await?
        .iter()
        .map(|s| public_of(view, s))
        .collect())
}

fn public_of(view: &View<'_>, s: &Suggestion) -> PublicSuggestion {
    let replied = matches!(
        s.status,
        Status::Replied | Status::FollowingUp | Status::Closed
    );
    PublicSuggestion {
        number: number(s),
        kind: s.kind,
        session: view.session_name(s.session_id),
        title: s.title.clone(),
        deputy: view.deputy(s.deputy_id),
        station: view.station(s.station_id),
        lead: s.lead_org_id.map(|o| view.org(o)),
        status: s.status,
        status_label: s.status.label_zh().to_owned(),
        key_supervision: s.key_supervision,
        reply_class: s.reply_class.filter(|_| replied),
        reply_text: s.reply_text.clone().filter(|_| replied),
        planned_on: s.planned_on.filter(|_| replied),
    }
}

/// What a resident's opinion became: shown on the tracking page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SuggestionLink {
    /// 建议第 N 号 / 议案第 N 号.
    pub number: String,
    /// Suggestion or motion.
    pub kind: Kind,
    /// Its title.
    pub title: String,
    /// The deputy who took it up.
    pub deputy: String,
    /// Where it stands, in Chinese.
    pub status_label: String,
    /// The public reply, once replied.
    pub reply_text: Option<String>,
}

/// The suggestions and motions raised from case `case_id` (what its resident reads).
pub async fn links_of_case(
    db: &impl ConnectionTrait,
    reference: &Reference,
    case_id: i64,
) -> Result<Vec<SuggestionLink>, Error> {
    let ids: Vec<i64> = linked_cases::Entity::find()
        .filter(linked_cases::Column::CaseId.eq(case_id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| l.suggestion_id)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let dir = reference.directory(db).await?;
    Ok(suggestions::Entity::find()
        .filter(suggestions::Column::Id.is_in(ids))
        .order_by_asc(suggestions::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|s| {
            let replied = matches!(
                s.status,
                Status::Replied | Status::FollowingUp | Status::Closed
            );
            SuggestionLink {
                number: number(&s),
                kind: s.kind,
                title: s.title.clone(),
                deputy: dir
                    .deputies
                    .get(&s.deputy_id)
                    .map(|d| d.name.clone())
                    .unwrap_or_default(),
                status_label: s.status.label_zh().to_owned(),
                reply_text: s.reply_text.clone().filter(|_| replied),
            }
        })
        .collect())
}

/// The cockpit's figures on suggestions and motions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, ToSchema)]
pub struct SuggestionCounts {
    /// 收到建议: every item filed (a letter or a returned one included).
    pub filed: i64,
    /// 办理中: registered, assigned or being handled again.
    pub in_handling: i64,
    /// 已答复: items that have had a reply.
    pub replied: i64,
    /// Items the deputy evaluated.
    pub evaluated: i64,
    /// 满意率: (满意 + 基本满意) ÷ evaluated; absent before any evaluation.
    pub satisfaction_rate: Option<f64>,
}

/// The counts of items filed at `station` (or everywhere).
pub async fn counts(
    db: &impl ConnectionTrait,
    station: Option<i64>,
) -> Result<SuggestionCounts, Error> {
    let mut q = suggestions::Entity::find()
        .select_only()
        .column(suggestions::Column::Status)
        .column(suggestions::Column::FirstRepliedOn)
        .column(suggestions::Column::Evaluation);
    if let Some(s) = station {
        q = q.filter(suggestions::Column::StationId.eq(s));
    }
    let rows: Vec<(Status, Option<NaiveDate>, Option<Evaluation>)> = q.into_tuple().all(db).await?;
    let mut c = SuggestionCounts::default();
    let mut content = 0;
    for (status, replied, evaluation) in rows {
        c.filed += 1;
        c.in_handling += status.in_handling() as i64;
        c.replied += replied.is_some() as i64;
        if let Some(e) = evaluation {
            c.evaluated += 1;
            content += (e != Evaluation::Unsatisfied) as i64;
        }
    }
    c.satisfaction_rate = (c.evaluated > 0).then(|| content as f64 / c.evaluated as f64);
    Ok(c)
}

/// The register (or one organisation's list) as an export table with Chinese headers.
pub fn table(rows: &[SuggestionSummary]) -> Table {
    Table {
        name: "代表建议议案",
        headers: vec![
            "编号",
            "类别",
            "届次会次",
            "标题",
            "领衔代表",
            "联络站",
            "状态",
            "主办单位",
            "重点督办",
            "督办领导",
            "办理期限",
            "超期",
            "答复类别",
            "代表评价",
        ],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    Cell::from(r.number.as_str()),
                    r.kind.label_zh().into(),
                    r.session.as_str().into(),
                    r.title.as_str().into(),
                    r.deputy.name.as_str().into(),
                    r.station.name.as_str().into(),
                    r.status_label.as_str().into(),
                    Cell::from(r.lead.as_ref().map(|l| l.name.as_str())),
                    (if r.key_supervision { "是" } else { "" }).into(),
                    Cell::from(r.supervising_leader.as_deref()),
                    Cell::from(r.due_on.map(|d| d.to_string())),
                    (if r.timeliness == Some(Timeliness::Overdue) {
                        "是"
                    } else {
                        ""
                    })
                    .into(),
                    Cell::from(r.reply_class.map(|c| c.as_str())),
                    Cell::from(r.evaluation.map(|e| e.label_zh())),
                ]
            })
            .collect(),
    }
}
