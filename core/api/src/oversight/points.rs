//! The duty points API: the year's rules (ops set them; the ledger is re-derived), a rebuild,
//! the table of deputies' totals and the ledger itself. Who sees what: a deputy their own
//! ledger and total; a station's staff the deputies whose home station it is; ops and viewers
//! the district. `?format=csv|xlsx` downloads the table or the ledger.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{ApiResult, AppState, JsonBody};
use liaison_domain::auth::Actor;
use liaison_domain::oversight::appraisal::check_year;
use liaison_domain::oversight::exports::Format;
use liaison_domain::oversight::points::{self, RuleSetting};
use liaison_domain::oversight::points_table::*;
use liaison_domain::policy::{self, Permission};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_rules, put_rules))
        .routes(routes!(rebuild))
        .routes(routes!(get_table))
        .routes(routes!(get_ledger))
}

/// The year's rules (defaults until ops set them).
#[utoipa::path(get, path = "/points/{year}/rules", tag = "oversight", params(("year" = i32, Path)),
    responses((status = 200, body = Vec<RuleSetting>)), security(("bearer" = [])))]
async fn get_rules(
    State(state): State<AppState>,
    _actor: Actor,
    Path(year): Path<i32>,
) -> ApiResult<Json<Vec<RuleSetting>>> {
    check_year(year)?;
    Ok(Json(
        points::rules_for(&state.db, year)
            .await?
            .into_values()
            .collect(),
    ))
}

/// Set rules for the year (ops); the year's ledger is re-derived with them.
#[utoipa::path(put, path = "/points/{year}/rules", tag = "oversight", params(("year" = i32, Path)), request_body = Vec<RuleSetting>,
    responses((status = 200, body = Vec<RuleSetting>), (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn put_rules(
    State(state): State<AppState>,
    actor: Actor,
    Path(year): Path<i32>,
    JsonBody(body): JsonBody<Vec<RuleSetting>>,
) -> ApiResult<Json<Vec<RuleSetting>>> {
    policy::require(&actor, Permission::AdministerDistrict)?;
    check_year(year)?;
    check_rules(&body)?;
    points::set_rules(&state.db, year, &body, state.clock.now()).await?;
    Ok(Json(
        points::rules_for(&state.db, year)
            .await?
            .into_values()
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Rebuilt {
    pub entries: usize,
}

/// Re-derive the year's ledger from every source (ops).
#[utoipa::path(post, path = "/points/{year}/rebuild", tag = "oversight", params(("year" = i32, Path)),
    responses((status = 200, body = Rebuilt), (status = 403, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn rebuild(
    State(state): State<AppState>,
    actor: Actor,
    Path(year): Path<i32>,
) -> ApiResult<Json<Rebuilt>> {
    policy::require(&actor, Permission::AdministerDistrict)?;
    check_year(year)?;
    let entries = points::rebuild_year(&state.db, year, state.clock.now()).await?;
    Ok(Json(Rebuilt { entries }))
}

/// Deputies' totals for the year, by rule with caps applied, highest first.
#[utoipa::path(get, path = "/points/{year}", tag = "oversight", params(("year" = i32, Path), PointsFilter),
    responses((status = 200, body = Vec<DeputyRow>), (status = 403, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn get_table(
    State(state): State<AppState>,
    actor: Actor,
    Path(year): Path<i32>,
    Query(f): Query<PointsFilter>,
) -> ApiResult<Response> {
    let (rows, _) = table_for(&state.db, &actor, year, &f).await?;
    match f.format.unwrap_or_default() {
        Format::Json => Ok(Json(rows).into_response()),
        other => crate::exports::download(other, &format!("points-{year}"), &table_export(&rows)),
    }
}

/// The ledger's entries for the year, oldest first.
#[utoipa::path(get, path = "/points/{year}/ledger", tag = "oversight", params(("year" = i32, Path), PointsFilter),
    responses((status = 200, body = Vec<EntryOut>), (status = 403, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn get_ledger(
    State(state): State<AppState>,
    actor: Actor,
    Path(year): Path<i32>,
    Query(f): Query<PointsFilter>,
) -> ApiResult<Response> {
    let rows = ledger_for(&state.db, &actor, year, &f).await?;
    match f.format.unwrap_or_default() {
        Format::Json => Ok(Json(rows).into_response()),
        other => crate::exports::download(
            other,
            &format!("points-ledger-{year}"),
            &ledger_export(&rows),
        ),
    }
}
