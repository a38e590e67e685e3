//! The first signed-in page: a station's latest cases, for its own staff and deputies, ops and
//! viewers. Scope is the API's (`cases::scope` through `cases::queries::list`); a station that is
//! not the visitor's answers 403. The staff and deputy pages to come build on this one.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::context::Ctx;
use super::error::{PageError, PageResult};
use super::templates::value;
use crate::auth::Scope;
use crate::calendar::Calendar;
use crate::cases::deadlines::Timeliness;
use crate::cases::queries::{self, CaseFilter, Directory, View};
use crate::http::AppState;

#[derive(Serialize)]
struct Row {
    code: String,
    title: String,
    category: String,
    status: String,
    supervision: Option<String>,
    due_on: Option<String>,
    overdue: bool,
}

/// `GET /desk/{code}`
pub async fn station_cases(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let actor = ctx.require_actor()?;
    let station = state
        .reference
        .station(&state.db, &code)
        .await?
        .ok_or(PageError::NotFound)?;
    match actor.scope() {
        Scope::All => {}
        Scope::Station(id) if id == station.id => {}
        _ => return Err(PageError::Forbidden),
    }
    let today = queries::today(state.clock.now());
    let filter = CaseFilter {
        station: Some(station.code.clone()),
        status: None,
        category: None,
        organisation: None,
        overdue: None,
        supervision: None,
        text: None,
        tag: None,
        page: Some(1),
        per_page: Some(50),
    };
    let (rows, total, _, _) = queries::list(&state.db, actor, &filter, today).await?;
    let dir = Directory::load(&state.db).await?;
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
            let s = view.summary(c);
            Row {
                code: s.receipt_code,
                title: s.title,
                category,
                status: ctx.t(&format!("status.{}", s.status.as_str())),
                supervision: (s.supervision_level > 0)
                    .then(|| ctx.t(&format!("supervision.{}", s.supervision_level.min(3)))),
                due_on: s.due_on.map(|d| d.to_string()),
                overdue: matches!(s.timeliness, Some(Timeliness::Overdue)),
            }
        })
        .collect();
    ctx.render_status(
        StatusCode::OK,
        "desk.html",
        minijinja::context! {
            station => minijinja::context! {
                code => station.code.clone(),
                name => ctx.lang.pick(&station.name, &station.name_en).to_owned(),
            },
            total => total,
            rows => value(rows),
        },
    )
}
