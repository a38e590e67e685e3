//! Station visits over HTTP.

use crate::{ApiResult, AppState, JsonBody};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use liaison_domain::auth::Actor;
use liaison_domain::oversight::exports::Format;
use liaison_domain::oversight::visits::*;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(one, update, remove))
}

/// Visits the caller may see (ops and viewers all; a station's people their station; a
/// handler their organisation's); `?format=csv|xlsx` downloads them.
#[utoipa::path(get, path = "/visits", tag = "oversight", params(VisitFilter),
    responses((status = 200, body = Vec<VisitOut>), (status = 422, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn list(
    State(state): State<AppState>,
    actor: Actor,
    Query(f): Query<VisitFilter>,
) -> ApiResult<Response> {
    let rows = list_for(&state.db, &actor, &f).await?;
    match f.format.unwrap_or_default() {
        Format::Json => Ok(Json(rows).into_response()),
        other => crate::exports::download(other, "visits", &table(&rows)),
    }
}

/// Record a visit (ops, or the station's staff).
#[utoipa::path(post, path = "/visits", tag = "oversight", request_body = VisitInput,
    responses((status = 201, body = VisitOut), (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn create(
    State(state): State<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<VisitInput>,
) -> ApiResult<(StatusCode, Json<VisitOut>)> {
    let v = save(&state.db, &actor, None, &body, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

#[utoipa::path(get, path = "/visits/{id}", tag = "oversight", params(("id" = i64, Path)),
    responses((status = 200, body = VisitOut), (status = 404, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn one(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> ApiResult<Json<VisitOut>> {
    let v = find(&state.db, &actor, id).await?;
    Ok(Json(describe(&state.db, vec![v]).await?.remove(0)))
}

/// Correct a visit (its attendance too: the deputies' points follow).
#[utoipa::path(put, path = "/visits/{id}", tag = "oversight", params(("id" = i64, Path)), request_body = VisitInput,
    responses((status = 200, body = VisitOut), (status = 404, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn update(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    JsonBody(body): JsonBody<VisitInput>,
) -> ApiResult<Json<VisitOut>> {
    find(&state.db, &actor, id).await?;
    Ok(Json(
        save(&state.db, &actor, Some(id), &body, state.clock.now()).await?,
    ))
}

/// Delete a visit and the points it gave.
#[utoipa::path(delete, path = "/visits/{id}", tag = "oversight", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn remove(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    delete(&state.db, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
