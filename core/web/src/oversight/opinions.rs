//! Residents' opinions on organisations for the appraisal, for ops and viewers: the body and
//! whether a contact was left, never the contact itself (as `GET /appraisal/{year}/opinions`).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use serde::{Deserialize, Serialize};

use crate::context::Ctx;
use crate::error::{PageError, PageResult};
use crate::templates::value;
use liaison_api::AppState;
use liaison_domain::Error;
use liaison_domain::cases::deadlines::local_today;
use liaison_domain::oversight::appraisal;
use liaison_domain::oversight::exports::Format;
use liaison_domain::policy::{self, Permission};

#[derive(Debug, Deserialize)]
pub struct OpinionQuery {
    year: Option<i32>,
    organisation: Option<String>,
    format: Option<Format>,
}

#[derive(Serialize)]
struct Row {
    id: i64,
    day: String,
    org: String,
    code: String,
    body: String,
    has_contact: bool,
}

pub async fn opinions_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OpinionQuery>,
) -> PageResult<Response> {
    policy::require(ctx.require_actor()?, Permission::ReadDistrict)?;
    let year = q
        .year
        .unwrap_or_else(|| local_today(state.clock.now()).year());
    // A code beyond any organisation's length is no organisation: refuse before the lookup.
    let org = q
        .organisation
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty() && c.len() <= 64);
    // An unknown organisation in the link is a page that does not exist.
    let list = appraisal::opinions(&state.db, year, org)
        .await
        .map_err(|e| match e {
            Error::Invalid { .. } => PageError::NotFound,
            e => e.into(),
        })?;
    if let Some(d) = super::download(
        q.format,
        &format!("opinions-{year}"),
        &appraisal::opinions_table(&list),
    ) {
        return d;
    }
    let rows: Vec<Row> = list
        .into_iter()
        .map(|o| Row {
            id: o.id,
            day: local_today(o.created_at).to_string(),
            org: o.organisation.name,
            code: o.organisation.code,
            body: o.body,
            has_contact: o.has_contact,
        })
        .collect();
    ctx.render(
        "oversight/opinions.html",
        minijinja::context! { year => year, rows => value(rows), organisation => org },
    )
    .map(IntoResponse::into_response)
}
