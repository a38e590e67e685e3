//! Department appraisal over HTTP.

use crate::{ApiResult, AppState, JsonBody};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use liaison_domain::auth::Actor;
use liaison_domain::oversight::appraisal::*;
use liaison_domain::oversight::exports::{Format, FormatQuery};
use liaison_domain::policy::{self, Permission};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The routes anyone may call; the public opinion form is rate-limited by the caller.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(publish))
        .routes(routes!(put_score))
        .routes(routes!(put_vote))
        .routes(routes!(get_ranking))
        .routes(routes!(list_opinions))
}

/// The public opinion door, for the rate-limited part of the router.
pub fn opinion_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(post_opinion))
}

#[utoipa::path(get, path = "/appraisal/{year}/settings", tag = "oversight", params(("year" = i32, Path)),
    responses((status = 200, body = YearSettings)), security(("bearer" = [])))]
async fn get_settings(
    State(state): State<AppState>,
    _actor: Actor,
    Path(year): Path<i32>,
) -> ApiResult<Json<YearSettings>> {
    Ok(Json(settings(&state.db, year).await?))
}

/// Set the year's weights (seven, summing to 100), minimum sample and visits target (ops).
#[utoipa::path(put, path = "/appraisal/{year}/settings", tag = "oversight", params(("year" = i32, Path)), request_body = SettingsInput,
    responses((status = 200, body = YearSettings), (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn put_settings(
    State(state): State<AppState>,
    actor: Actor,
    Path(year): Path<i32>,
    JsonBody(body): JsonBody<SettingsInput>,
) -> ApiResult<Json<YearSettings>> {
    Ok(Json(
        set_settings(&state.db, &actor, year, &body, state.clock.now()).await?,
    ))
}

/// Publish (or withdraw) the year's ranking (ops).
#[utoipa::path(post, path = "/appraisal/{year}/publish", tag = "oversight", params(("year" = i32, Path)), request_body = PublishInput,
    responses((status = 200, body = YearSettings), (status = 403, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn publish(
    State(state): State<AppState>,
    actor: Actor,
    Path(year): Path<i32>,
    JsonBody(body): JsonBody<PublishInput>,
) -> ApiResult<Json<YearSettings>> {
    Ok(Json(
        set_published(&state.db, &actor, year, body.published, state.clock.now()).await?,
    ))
}

/// An appraiser's 0–100 score on an appraisers' item.
#[utoipa::path(put, path = "/appraisal/{year}/scores", tag = "oversight", params(("year" = i32, Path)), request_body = ScoreInput,
    responses((status = 204), (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn put_score(
    State(state): State<AppState>,
    actor: Actor,
    Path(year): Path<i32>,
    JsonBody(body): JsonBody<ScoreInput>,
) -> ApiResult<StatusCode> {
    score(&state.db, &actor, year, &body, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An appraiser's poll vote on 常委会组成人员评价.
#[utoipa::path(put, path = "/appraisal/{year}/votes", tag = "oversight", params(("year" = i32, Path)), request_body = VoteInput,
    responses((status = 204), (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn put_vote(
    State(state): State<AppState>,
    actor: Actor,
    Path(year): Path<i32>,
    JsonBody(body): JsonBody<VoteInput>,
) -> ApiResult<StatusCode> {
    vote(&state.db, &actor, year, &body, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The ranking with each organisation's breakdown and grade: public once published, before
/// that for ops, viewers and appraisers; `?format=csv|xlsx` downloads it.
#[utoipa::path(get, path = "/appraisal/{year}/ranking", tag = "oversight", params(("year" = i32, Path), FormatQuery),
    responses((status = 200, body = Ranking), (status = 403, body = crate::ErrorBody)))]
async fn get_ranking(
    State(state): State<AppState>,
    actor: Option<Actor>,
    Path(year): Path<i32>,
    Query(q): Query<FormatQuery>,
) -> ApiResult<Response> {
    let r = visible_ranking(&state.db, actor.as_ref(), year).await?;
    match q.format.unwrap_or_default() {
        Format::Json => Ok(Json(r).into_response()),
        f => crate::exports::download(f, &format!("appraisal-{year}"), &table(&r)),
    }
}

/// A resident's opinion on an organisation (public, rate-limited; name and phone optional and
/// kept private).
#[utoipa::path(post, path = "/appraisal/organisations/{code}/opinions", tag = "oversight", params(("code" = String, Path)), request_body = OpinionInput,
    responses((status = 201, body = serde_json::Value), (status = 404, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody), (status = 429, body = crate::ErrorBody)))]
async fn post_opinion(
    State(state): State<AppState>,
    Path(code): Path<String>,
    JsonBody(body): JsonBody<OpinionInput>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let id = add_opinion(&state.db, &code, &body, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

/// The residents' opinions of the year (ops and viewers), without their contact.
#[utoipa::path(get, path = "/appraisal/{year}/opinions", tag = "oversight", params(("year" = i32, Path), OpinionFilter),
    responses((status = 200, body = Vec<OpinionOut>), (status = 403, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn list_opinions(
    State(state): State<AppState>,
    actor: Actor,
    Path(year): Path<i32>,
    Query(f): Query<OpinionFilter>,
) -> ApiResult<Response> {
    policy::require(&actor, Permission::ReadDistrict)?;
    let list = opinions(&state.db, year, f.organisation.as_deref()).await?;
    match f.format.unwrap_or_default() {
        Format::Json => Ok(Json(list).into_response()),
        f => crate::exports::download(f, &format!("opinions-{year}"), &opinions_table(&list)),
    }
}
