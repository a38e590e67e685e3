//! The station's inbox: its latest cases, for its own staff and deputies, ops and viewers, with
//! the API's filters (status, category, organisation, overdue, supervision level, words) as a GET
//! form; each case links to its page. The overdue board is the same list with `overdue=true`.
//! Scope is the API's (`cases::scope` through `cases::queries::list`); a station that is not the
//! visitor's answers 403. Tags (put on by the station's brands) filter too, and long lists go
//! page by page.
//!
//! Staff pick several registered cases and assign them to one organisation at once
//! (`POST /desk/{code}/assign`): each goes through `actions::perform` like a single assignment,
//! so each gets its event and its deadlines; a case that cannot be assigned (moved on since the
//! list was drawn, or not this station's) is reported by its receipt code and the others go
//! through. The station's brands show their staff views at the foot of the desk; their forms
//! post to `/desk/{code}/brand/…` (`brand::desk_act`), and a refused one is shown here again.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::brand::Door;
use super::context::Ctx;
use super::error::{PageError, PageResult};
use super::form::{FormRefused, WebForm};
use super::templates::value;
use liaison_api::AppState;
use liaison_domain::Error;
use liaison_domain::calendar::Calendar;
use liaison_domain::cases::actions;
use liaison_domain::cases::commands::{AssignBody, Command};
use liaison_domain::cases::deadlines::Timeliness;
use liaison_domain::cases::lifecycle::Action;
use liaison_domain::cases::lifecycle::Status;
use liaison_domain::cases::queries::{self, CaseFilter, View};
use liaison_domain::oversight::exports::{Cell, Format, Table};
use liaison_domain::policy::{self, Permission};
use liaison_host::manifest::Audience;

/// The filter form as sent: every field text, empty meaning "any".
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct DeskQuery {
    status: String,
    category: String,
    organisation: String,
    overdue: String,
    supervision: String,
    text: String,
    tag: String,
    page: String,
    per_page: String,
    /// Empty for the page; `csv` or `xlsx` for the rows the page shows as a download.
    format: String,
}

/// What a bulk assignment did, shown above the list.
#[derive(Debug, Default, Serialize)]
pub struct BulkOutcome {
    assigned: Vec<String>,
    failed: Vec<(String, String)>,
    /// The form's own messages (no organisation chosen, no case picked).
    errors: BTreeMap<String, String>,
    lead: String,
    picked: Vec<i64>,
}

#[derive(Serialize)]
struct Choice {
    code: String,
    name: String,
}

#[derive(Serialize)]
struct Row {
    id: i64,
    code: String,
    title: String,
    category: String,
    station: String,
    /// The lead organisation's name; empty before an assignment.
    organisation: String,
    status: String,
    /// The status's code, which colours its tag.
    status_code: &'static str,
    supervision: Option<String>,
    due_on: Option<String>,
    overdue: bool,
    due_soon: bool,
    /// Registered or reopened: may be picked for a bulk assignment.
    assignable: bool,
}

/// `GET /desk/{code}`
pub async fn station_cases(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<DeskQuery>,
) -> PageResult<Response> {
    render(&state, &ctx, &code, q, None, None).await
}

/// Re-renders the desk after a brand form sent from it was refused (see `brand::desk_act`).
pub async fn with_brand_failure(
    state: &AppState,
    ctx: &Ctx,
    station: &liaison_domain::stations::Station,
    failed: crate::sent::Sent,
    status: StatusCode,
) -> PageResult<Response> {
    let mut res = render(
        state,
        ctx,
        &station.code,
        DeskQuery::default(),
        None,
        Some(&failed),
    )
    .await?;
    *res.status_mut() = status;
    Ok(res)
}

/// The station's cases that may be seen, or why not.
async fn desk_station(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
) -> PageResult<liaison_domain::stations::Station> {
    let actor = ctx.require_actor()?;
    let station = state
        .reference
        .station_by_code(&state.db, code)
        .await?
        .ok_or(PageError::NotFound)?;
    policy::require(actor, Permission::SeeStation(station.id))?;
    Ok(station)
}

/// The query string of `q` on page `page`.
fn page_href(code: &str, q: &DeskQuery, page: u64) -> String {
    let mut parts = Vec::new();
    for (k, v) in [
        ("status", &q.status),
        ("category", &q.category),
        ("organisation", &q.organisation),
        ("overdue", &q.overdue),
        ("supervision", &q.supervision),
        ("text", &q.text),
        ("tag", &q.tag),
        ("per_page", &q.per_page),
    ] {
        if !v.trim().is_empty() {
            parts.push(format!("{k}={}", encode(v.trim())));
        }
    }
    parts.push(format!("page={page}"));
    format!("/desk/{code}?{}", parts.join("&"))
}

/// A query value, form-encoded.
fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Who may assign from the desk: the roles the lifecycle lets assign.
fn can_assign(actor: &liaison_domain::auth::Actor) -> bool {
    Action::Assign.open_to(actor.role)
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    q: DeskQuery,
    bulk: Option<BulkOutcome>,
    brand_failed: Option<&crate::sent::Sent>,
) -> PageResult<Response> {
    let station = desk_station(state, ctx, code).await?;
    let actor = ctx.require_actor()?;
    let today = queries::today(state.clock.now());
    let mut errors: BTreeMap<&str, String> = BTreeMap::new();
    let some = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    let status = match some(&q.status) {
        Some(v) => Status::parse(&v).or_else(|| {
            errors.insert("status", ctx.t("errors.choice"));
            None
        }),
        None => None,
    };
    let supervision = match some(&q.supervision) {
        Some(v) => match v.parse::<i32>() {
            Ok(n @ 1..=3) => Some(n),
            _ => {
                errors.insert("supervision", ctx.t("errors.choice"));
                None
            }
        },
        None => None,
    };
    let overdue = matches!(q.overdue.as_str(), "true" | "on" | "1");
    let tag = some(&q.tag);
    if tag
        .as_ref()
        .is_some_and(|t| t.chars().count() > queries::MAX_TAG)
    {
        errors.insert(
            "tag",
            ctx.tf("errors.too_long", &[("max", queries::MAX_TAG.to_string())]),
        );
    }
    let page = match some(&q.page) {
        None => 1,
        Some(v) => match v.parse::<u64>() {
            Ok(n) if (1..=queries::MAX_PAGE).contains(&n) => n,
            _ => {
                errors.insert("page", ctx.t("errors.number"));
                1
            }
        },
    };
    let per_page = match some(&q.per_page) {
        None => queries::PER_PAGE,
        Some(v) => match v.parse::<u64>() {
            Ok(n) if (1..=queries::MAX_PER_PAGE).contains(&n) => n,
            _ => {
                errors.insert(
                    "page",
                    ctx.tf(
                        "errors.out_of_range",
                        &[
                            ("min", "1".into()),
                            ("max", queries::MAX_PER_PAGE.to_string()),
                        ],
                    ),
                );
                queries::PER_PAGE
            }
        },
    };
    let filter = CaseFilter {
        station: Some(station.code.clone()),
        status,
        category: some(&q.category),
        organisation: some(&q.organisation),
        overdue: overdue.then_some(true),
        supervision,
        text: some(&q.text),
        tag: tag.clone(),
        page: Some(page),
        per_page: Some(per_page),
    };
    let (rows, total) = if errors.is_empty() {
        match queries::list(&state.db, actor, &filter, today).await {
            Ok((rows, total, _, _)) => (rows, total),
            Err(Error::Invalid { field, kind }) => {
                let key: &str = match field.as_str() {
                    "category" => "category",
                    "organisation" => "organisation",
                    _ => "text",
                };
                errors.insert(key, super::form::field_message(ctx, key, &kind));
                (Vec::new(), 0)
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        (Vec::new(), 0)
    };
    let dir = state.reference.directory(&state.db).await?;
    let cal = Calendar::load(&state.db).await?;
    let view = View {
        dir: &dir,
        cal: &cal,
        rules: &state.settings.deadlines,
        today,
    };
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|c| {
            let category = dir
                .categories
                .get(&c.category_id)
                .map(|x| ctx.lang.pick(&x.name, &x.name_en).to_owned())
                .unwrap_or_default();
            let station = dir
                .stations
                .get(&c.station_id)
                .map(|x| ctx.lang.pick(&x.name, &x.name_en).to_owned())
                .unwrap_or_default();
            let s = view.summary(c);
            Row {
                id: s.id,
                code: s.receipt_code,
                title: s.title,
                category,
                station,
                organisation: s
                    .lead
                    .map(|o| ctx.org_name_of(&dir, &o.code, &o.name))
                    .unwrap_or_default(),
                status: ctx.t(&format!("status.{}", s.status.as_str())),
                status_code: s.status.as_str(),
                supervision: (s.supervision_level > 0)
                    .then(|| ctx.t(&format!("supervision.{}", s.supervision_level.min(3)))),
                due_on: s.due_on.map(|d| d.to_string()),
                overdue: matches!(s.timeliness, Some(Timeliness::Overdue)),
                due_soon: matches!(s.timeliness, Some(Timeliness::DueSoon)),
                assignable: matches!(s.status, Status::Registered | Status::Reopened),
            }
        })
        .collect();
    // `?format=csv|xlsx`: the same rows, with the page's scope and filters, as a download
    // (any other value is the page, as on the oversight lists).
    let format = Format::download_of(&q.format);
    if let (Some(format), true) = (format, errors.is_empty()) {
        let table = Table {
            name: "联络站案件",
            headers: vec![
                "回执码",
                "标题",
                "类别",
                "联络站",
                "状态",
                "承办单位",
                "期限",
                "超期",
            ],
            rows: rows
                .iter()
                .map(|r| {
                    let text = |s: &str| Cell::Text(s.to_owned());
                    vec![
                        text(&r.code),
                        text(&r.title),
                        text(&r.category),
                        text(&r.station),
                        text(&r.status),
                        text(&r.organisation),
                        r.due_on.as_deref().map_or(Cell::Empty, text),
                        text(if r.overdue { "是" } else { "" }),
                    ]
                })
                .collect(),
        };
        let file = format!("desk-{}", station.code);
        return liaison_api::exports::download(format, &file, &table).map_err(PageError::from);
    }
    let mut cats: Vec<_> = dir.categories.values().filter(|c| c.active).collect();
    cats.sort_by_key(|c| (c.sort, c.id));
    let categories: Vec<Choice> = cats
        .into_iter()
        .map(|c| Choice {
            code: c.code.clone(),
            name: ctx.lang.pick(&c.name, &c.name_en).to_owned(),
        })
        .collect();
    let mut orgs: Vec<Choice> = dir
        .orgs
        .values()
        .map(|o| Choice {
            code: o.code.clone(),
            name: ctx.org_name(o),
        })
        .collect();
    orgs.sort_by(|a, b| a.code.cmp(&b.code));
    let statuses: Vec<Choice> = Status::ALL
        .iter()
        .map(|s| Choice {
            code: s.as_str().to_owned(),
            name: ctx.t(&format!("status.{}", s.as_str())),
        })
        .collect();
    let filtered = !(q.status.is_empty()
        && q.category.is_empty()
        && q.organisation.is_empty()
        && q.supervision.is_empty()
        && q.text.trim().is_empty()
        && tag.is_none()
        && !overdue);
    let pages = total.div_ceil(per_page).max(1);
    // The desk shows the brands' views for the most trusted desk audience the caller is.
    let brand_audience = policy::audiences(Some(actor), station.id)
        .into_iter()
        .find(|a| matches!(a, Audience::Staff | Audience::Deputy));
    let brands = match brand_audience {
        Some(a) => {
            super::brand::sections_for(state, ctx, &station, brand_failed, a, Door::Desk).await
        }
        None => Vec::new(),
    };
    let status = if bulk.as_ref().is_some_and(|b| !b.errors.is_empty()) || !errors.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    ctx.render_status(
        status,
        "desk.html",
        minijinja::context! {
            station => minijinja::context! {
                code => station.code.clone(),
                name => ctx.lang.pick(&station.name, &station.name_en).to_owned(),
            },
            total => total,
            rows => value(rows),
            overdue_board => overdue,
            filtered => filtered,
            q => value(&q),
            errors => value(&errors),
            statuses => value(statuses),
            levels => value(
                (1..=3)
                    .map(|n| Choice {
                        code: n.to_string(),
                        name: ctx.t(&format!("supervision.{n}")),
                    })
                    .collect::<Vec<_>>()
            ),
            categories => value(categories),
            orgs => value(orgs),
            page => page,
            pages => pages,
            prev_href => (page > 1).then(|| page_href(&station.code, &q, page - 1)),
            next_href => (page < pages).then(|| page_href(&station.code, &q, page + 1)),
            can_assign => can_assign(actor),
            can_roster => policy::may(actor, policy::Permission::AdministerStation(station.id)),
            bulk => bulk.map(value),
            brands => brands,
        },
    )
}

/// At most this many cases in one bulk assignment: a page's worth.
const MAX_BULK: usize = 100;

/// `POST /desk/{code}/assign`: the picked cases (`case`, repeated) to one lead organisation.
pub async fn bulk_assign(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let station = desk_station(&state, &ctx, &code).await?;
    let actor = ctx.require_actor()?.clone();
    if !can_assign(&actor) {
        return Err(PageError::Forbidden);
    }
    let (f, csrf_ok, controls) = match super::form::received(form) {
        Ok(r) => r,
        Err(answer) => return Ok(*answer),
    };
    let mut out = BulkOutcome {
        lead: f.text("lead").trim().to_owned(),
        picked: f
            .fields
            .iter()
            .filter(|(k, _)| k == "case")
            .filter_map(|(_, v)| v.trim().parse::<i64>().ok())
            .collect(),
        ..Default::default()
    };
    out.picked.dedup();
    if !csrf_ok {
        out.errors.insert("form".into(), ctx.t("error.csrf"));
    }
    if let Some(field) = controls {
        // The picked cases and the organisation are chosen, not typed: whichever field it
        // was, it is the lead that cannot be looked up.
        let shown = if field == "case" { "case" } else { "lead" };
        out.errors.insert(
            shown.into(),
            super::form::field_message(
                &ctx,
                shown,
                &liaison_domain::error::FieldKind::ControlCharacters,
            ),
        );
        out.lead.clear();
    }
    if out.picked.is_empty() {
        out.errors.insert("case".into(), ctx.t("bulk.none_picked"));
    } else if out.picked.len() > MAX_BULK {
        out.errors.insert(
            "case".into(),
            ctx.tf("bulk.too_many", &[("n", MAX_BULK.to_string())]),
        );
    }
    if out.lead.is_empty()
        || liaison_domain::orgs::by_code(&state.db, &out.lead)
            .await?
            .is_none()
    {
        out.errors
            .insert("lead".into(), ctx.t("errors.organisation"));
    }
    let note = f.text("note");
    if note.chars().count() > 500 {
        out.errors.insert(
            "note".into(),
            ctx.tf("errors.too_long", &[("max", "500".into())]),
        );
    }
    if out.errors.is_empty() {
        let actx = actions::Context {
            rules: &state.settings.deadlines,
            now: state.clock.now(),
        };
        let who = actions::Performer::User(actor.clone());
        let command = Command::Assign(AssignBody {
            lead: out.lead.clone(),
            note: Some(note.trim().to_owned()).filter(|n| !n.is_empty()),
            ..Default::default()
        });
        for id in out.picked.clone() {
            // The receipt code names the case to staff; a case out of their scope has none
            // they may read, so it is named by its number.
            let seen = match queries::visible_case(&state.db, &actor, id).await {
                Ok(c) => Some(c),
                Err(Error::NotFound(_)) => None,
                Err(e) => return Err(e.into()),
            };
            let Some(case) = seen.filter(|c| c.station_id == station.id) else {
                out.failed.push((format!("#{id}"), ctx.t("bulk.not_here")));
                continue;
            };
            match actions::perform(&state.db, &actx, &who, id, command.clone()).await {
                Ok(_) => out.assigned.push(case.receipt_code),
                Err(e) => {
                    let why = match e {
                        Error::Conflict(_) => ctx.tf(
                            "bulk.wrong_state",
                            &[("status", ctx.t(&format!("status.{}", case.status.as_str())))],
                        ),
                        Error::Forbidden(_) => ctx.t("error.forbidden"),
                        Error::NotFound(_) => ctx.t("bulk.not_here"),
                        Error::Invalid { field, kind } => {
                            super::form::field_message(&ctx, &field, &kind)
                        }
                        other => {
                            tracing::error!(case_id = id, error = %other, "bulk assignment failed");
                            ctx.t("error.internal")
                        }
                    };
                    out.failed.push((case.receipt_code, why));
                }
            }
        }
    }
    render(&state, &ctx, &code, DeskQuery::default(), Some(out), None).await
}
