//! Livelihood projects over HTTP.

use crate::{ApiResult, AppState, JsonBody};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use liaison_domain::auth::Actor;
use liaison_domain::cases::deadlines::local_today;
use liaison_domain::oversight::exports::Format;
use liaison_domain::oversight::projects::*;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_candidates, propose))
        .routes(routes!(open_round))
        .routes(routes!(get_round))
        .routes(routes!(cast_ballot))
        .routes(routes!(close_round))
        .routes(routes!(public_projects))
        .routes(routes!(add_milestone))
        .routes(routes!(set_milestone))
        .routes(routes!(set_progress))
}

/// The residents' proposal door, for the rate-limited part of the router.
pub fn proposal_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(resident_proposal))
}

/// Candidates of a year (signed in; contacts never shown); `?format=csv|xlsx` downloads them.
#[utoipa::path(get, path = "/projects/candidates", tag = "oversight", params(YearQuery),
    responses((status = 200, body = Vec<CandidateOut>)), security(("bearer" = [])))]
async fn list_candidates(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<YearQuery>,
) -> ApiResult<Response> {
    let y = q
        .year
        .unwrap_or_else(|| local_today(state.clock.now()).year());
    let rows = candidates(&state.db, &actor, y).await?;
    match q.format.unwrap_or_default() {
        Format::Json => Ok(Json(rows).into_response()),
        f => crate::exports::download(f, &format!("candidates-{y}"), &candidates_table(&rows)),
    }
}

/// Propose a candidate (a deputy, station staff or ops).
#[utoipa::path(post, path = "/projects/candidates", tag = "oversight", request_body = ProposalInput,
    responses((status = 201, body = CandidateOut), (status = 422, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn propose(
    State(state): State<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<ProposalInput>,
) -> ApiResult<(StatusCode, Json<CandidateOut>)> {
    let c = propose_candidate(&state.db, Some(&actor), &body, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// A resident proposes a candidate (public, rate-limited; name and phone kept private).
#[utoipa::path(post, path = "/projects/proposals", tag = "oversight", request_body = ProposalInput,
    responses((status = 201, body = CandidateOut), (status = 422, body = crate::ErrorBody), (status = 429, body = crate::ErrorBody)))]
async fn resident_proposal(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<ProposalInput>,
) -> ApiResult<(StatusCode, Json<CandidateOut>)> {
    let c = propose_candidate(&state.db, None, &body, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// Open a vote round (ops): more candidates than places.
#[utoipa::path(post, path = "/projects/rounds", tag = "oversight", request_body = RoundInput,
    responses((status = 201, body = RoundOut), (status = 422, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn open_round(
    State(state): State<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<RoundInput>,
) -> ApiResult<(StatusCode, Json<RoundOut>)> {
    let r = open(&state.db, &actor, &body, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(r)))
}

#[utoipa::path(get, path = "/projects/rounds/{id}", tag = "oversight", params(("id" = i64, Path)),
    responses((status = 200, body = RoundOut), (status = 404, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn get_round(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> ApiResult<Json<RoundOut>> {
    Ok(Json(round_view(&state.db, Some(&actor), id).await?))
}

/// A deputy's one ballot: 1 to `places` candidates.
#[utoipa::path(post, path = "/projects/rounds/{id}/ballot", tag = "oversight", params(("id" = i64, Path)), request_body = BallotInput,
    responses((status = 200, body = RoundOut), (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn cast_ballot(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    JsonBody(body): JsonBody<BallotInput>,
) -> ApiResult<Json<RoundOut>> {
    Ok(Json(
        ballot(&state.db, &actor, id, &body, state.clock.now()).await?,
    ))
}

/// Close the vote and choose the winners (ops).
#[utoipa::path(post, path = "/projects/rounds/{id}/close", tag = "oversight", params(("id" = i64, Path)),
    responses((status = 200, body = RoundOut), (status = 409, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn close_round(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> ApiResult<Json<RoundOut>> {
    Ok(Json(close(&state.db, &actor, id, state.clock.now()).await?))
}

/// The chosen projects with milestones and progress (public); `?format=csv|xlsx` downloads them.
#[utoipa::path(get, path = "/projects", tag = "oversight", params(YearQuery),
    responses((status = 200, body = Vec<CandidateOut>)))]
async fn public_projects(
    State(state): State<AppState>,
    Query(q): Query<YearQuery>,
) -> ApiResult<Response> {
    let rows = chosen(&state.db, q.year).await?;
    match q.format.unwrap_or_default() {
        Format::Json => Ok(Json(rows).into_response()),
        f => crate::exports::download(f, "projects", &table(&rows)),
    }
}

#[utoipa::path(post, path = "/projects/{id}/milestones", tag = "oversight", params(("id" = i64, Path)), request_body = MilestoneInput,
    responses((status = 201, body = CandidateOut), (status = 404, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn add_milestone(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    JsonBody(body): JsonBody<MilestoneInput>,
) -> ApiResult<(StatusCode, Json<CandidateOut>)> {
    Ok((
        StatusCode::CREATED,
        Json(milestone(&state.db, &actor, id, &body).await?),
    ))
}

#[utoipa::path(put, path = "/projects/{id}/milestones/{milestone}", tag = "oversight", params(("id" = i64, Path), ("milestone" = i64, Path)), request_body = MilestoneDone,
    responses((status = 200, body = CandidateOut), (status = 404, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn set_milestone(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, m)): Path<(i64, i64)>,
    JsonBody(body): JsonBody<MilestoneDone>,
) -> ApiResult<Json<CandidateOut>> {
    Ok(Json(
        mark(&state.db, &actor, id, m, body.done, state.clock.now()).await?,
    ))
}

#[utoipa::path(put, path = "/projects/{id}/progress", tag = "oversight", params(("id" = i64, Path)), request_body = ProgressInput,
    responses((status = 200, body = CandidateOut), (status = 422, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn set_progress(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    JsonBody(body): JsonBody<ProgressInput>,
) -> ApiResult<Json<CandidateOut>> {
    Ok(Json(progress(&state.db, &actor, id, body.progress).await?))
}
