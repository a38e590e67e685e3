//! The organisation desk, for handlers: the cases their organisation leads or co-handles (the
//! API's scope, `Scope::Organisation`), with the deadline of the current step and its due-soon or
//! overdue mark, each linking to the case page, where the lead signs for, returns, asks for time
//! and answers.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::context::Ctx;
use super::error::PageResult;
use super::templates::value;
use liaison_api::AppState;
use liaison_domain::calendar::Calendar;
use liaison_domain::cases::deadlines::Timeliness;
use liaison_domain::cases::queries::{self, CaseFilter, View};
use liaison_domain::oversight::exports::{Cell, Format, Table};
use liaison_domain::policy::{self, Permission};

#[derive(Serialize)]
struct Row {
    id: i64,
    code: String,
    title: String,
    station: String,
    status: String,
    /// The status's code, which colours its tag.
    status_code: &'static str,
    lead: bool,
    supervision: Option<String>,
    due_on: Option<String>,
    overdue: bool,
    due_soon: bool,
}

/// `?format=csv|xlsx` asks for the list as a download; anything else is the page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrgQuery {
    format: String,
}

/// `GET /org`
pub async fn org_cases(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OrgQuery>,
) -> PageResult<Response> {
    let actor = ctx.require_actor()?;
    policy::require(actor, Permission::HandleForOrganisation)?;
    let today = queries::today(state.clock.now());
    let filter = CaseFilter {
        station: None,
        status: None,
        category: None,
        organisation: None,
        overdue: None,
        supervision: None,
        text: None,
        tag: None,
        page: Some(1),
        per_page: Some(100),
    };
    let (rows, total, _, _) = queries::list(&state.db, actor, &filter, today).await?;
    let dir = state.reference.directory(&state.db).await?;
    let cal = Calendar::load(&state.db).await?;
    let view = View {
        dir: &dir,
        cal: &cal,
        rules: &state.settings.deadlines,
        today,
    };
    let org_name = actor
        .organisation_id
        .and_then(|o| dir.orgs.get(&o))
        .map(|o| ctx.org_name(o))
        .unwrap_or_default();
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|c| {
            let lead = actor.organisation_id.is_some() && c.lead_org_id == actor.organisation_id;
            let station = dir
                .stations
                .get(&c.station_id)
                .map(|s| ctx.lang.pick(&s.name, &s.name_en).to_owned())
                .unwrap_or_default();
            let s = view.summary(c);
            Row {
                id: s.id,
                code: s.receipt_code,
                title: s.title,
                station,
                status: ctx.t(&format!("status.{}", s.status.as_str())),
                status_code: s.status.as_str(),
                lead,
                supervision: (s.supervision_level > 0)
                    .then(|| ctx.t(&format!("supervision.{}", s.supervision_level.min(3)))),
                due_on: s.due_on.map(|d| d.to_string()),
                overdue: matches!(s.timeliness, Some(Timeliness::Overdue)),
                due_soon: matches!(s.timeliness, Some(Timeliness::DueSoon)),
            }
        })
        .collect();
    let format = Format::download_of(&q.format);
    if let Some(format) = format {
        let (lead, co) = ("主办", "协办");
        let table = Table {
            name: "承办案件",
            headers: vec!["回执码", "标题", "联络站", "本单位", "状态", "期限", "超期"],
            rows: rows
                .iter()
                .map(|r| {
                    let text = |s: &str| Cell::Text(s.to_owned());
                    vec![
                        text(&r.code),
                        text(&r.title),
                        text(&r.station),
                        text(if r.lead { lead } else { co }),
                        text(&r.status),
                        r.due_on.as_deref().map_or(Cell::Empty, text),
                        text(if r.overdue { "是" } else { "" }),
                    ]
                })
                .collect(),
        };
        return liaison_api::exports::download(format, "org-cases", &table)
            .map_err(super::error::PageError::from);
    }
    let suggestions = super::suggestions::desk_section(&state, &ctx, actor).await?;
    ctx.render_status(
        StatusCode::OK,
        "org.html",
        minijinja::context! {
            suggestions => suggestions,
            org => org_name,
            total => total,
            rows => value(rows),
        },
    )
}
