//! The legislative contact point over HTTP: drafts (ops publish, anyone reads), comments (anyone,
//! rate-limited like intake; deputies and station staff signed in), offline forums, decisions,
//! the feedback report (JSON, CSV, Excel) and the per-station counts. Thin: the rules are the
//! domain's (`liaison_domain::legislation`).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{ApiError, ApiResult, AppState, JsonBody};
use liaison_domain::auth::Actor;
use liaison_domain::legislation::{
    self, CommentInput, CommentOut, DecisionInput, DraftInput, DraftOut, ForumInput,
    LegislationCounts,
};
use liaison_domain::oversight::exports::{Format, FormatQuery};
use liaison_domain::policy::{self, Permission};

/// The routes; the public comment door spends intake's per-client budget.
pub fn router(state: &AppState) -> OpenApiRouter<AppState> {
    let public = OpenApiRouter::new()
        .routes(routes!(post_comment))
        .layer(state.budgets.intake.layer());
    OpenApiRouter::new()
        .merge(public)
        .routes(routes!(list, publish))
        .routes(routes!(counts))
        .routes(routes!(get_one))
        .routes(routes!(post_forum))
        .routes(routes!(report))
        .routes(routes!(put_decision))
}

/// Every draft put to residents, newest first (public).
#[utoipa::path(get, path = "/drafts", tag = "legislation",
    responses((status = 200, body = Vec<DraftOut>)))]
async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<DraftOut>>> {
    Ok(Json(legislation::list(&state.db, state.clock.now()).await?))
}

/// Publish a draft law or regulation with its articles (ops).
#[utoipa::path(post, path = "/drafts", tag = "legislation", request_body = DraftInput,
    responses((status = 201, body = DraftOut), (status = 400, body = crate::ErrorBody),
        (status = 403, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)),
    security(("bearer" = [])))]
async fn publish(
    State(state): State<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<DraftInput>,
) -> ApiResult<(StatusCode, Json<DraftOut>)> {
    let d = legislation::publish(&state.db, &actor, &body, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(d)))
}

/// One draft with its articles and how many comments each has (public).
#[utoipa::path(get, path = "/drafts/{id}", tag = "legislation", params(("id" = i64, Path)),
    responses((status = 200, body = DraftOut), (status = 404, body = crate::ErrorBody)))]
async fn get_one(State(state): State<AppState>, Path(id): Path<i64>) -> ApiResult<Json<DraftOut>> {
    Ok(Json(
        legislation::detail(&state.db, id, state.clock.now()).await?,
    ))
}

/// Comment on one article or the whole draft: residents without signing in (name and phone
/// optional and private), deputies and station staff signed in at their station. A closed
/// draft answers 409.
#[utoipa::path(post, path = "/drafts/{id}/comments", tag = "legislation", params(("id" = i64, Path)),
    request_body = CommentInput,
    responses((status = 201, body = serde_json::Value), (status = 404, body = crate::ErrorBody),
        (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody),
        (status = 429, body = crate::ErrorBody)),
    security((), ("bearer" = [])))]
async fn post_comment(
    State(state): State<AppState>,
    actor: Option<Actor>,
    Path(id): Path<i64>,
    JsonBody(body): JsonBody<CommentInput>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let c = legislation::comment(&state.db, actor.as_ref(), id, &body, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": c }))))
}

/// Record an offline forum (座谈会) with the comments collected there (the station's staff, ops).
/// A closed draft answers 409.
#[utoipa::path(post, path = "/drafts/{id}/forums", tag = "legislation", params(("id" = i64, Path)),
    request_body = ForumInput,
    responses((status = 201, body = serde_json::Value), (status = 403, body = crate::ErrorBody),
        (status = 404, body = crate::ErrorBody), (status = 409, body = crate::ErrorBody),
        (status = 422, body = crate::ErrorBody)),
    security(("bearer" = [])))]
async fn post_forum(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    JsonBody(body): JsonBody<ForumInput>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let f = legislation::record_forum(&state.db, &actor, id, &body, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": f }))))
}

/// The comments grouped by article, without any contact: the feedback report for the body that
/// asked (ops and viewers all, station staff and deputies their station's); `?format=csv|xlsx`
/// downloads it with Chinese headers.
#[utoipa::path(get, path = "/drafts/{id}/report", tag = "legislation", params(("id" = i64, Path), FormatQuery),
    responses((status = 200, body = Vec<CommentOut>), (status = 403, body = crate::ErrorBody),
        (status = 404, body = crate::ErrorBody)),
    security(("bearer" = [])))]
async fn report(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    Query(q): Query<FormatQuery>,
) -> ApiResult<Response> {
    let list = legislation::comments_of(&state.db, &actor, id).await?;
    match q.format.unwrap_or_default() {
        Format::Json => Ok(Json(list).into_response()),
        f => crate::exports::download(
            f,
            &format!("draft-{id}-feedback"),
            &legislation::report_table(&list),
        ),
    }
}

/// Mark a comment adopted, partly adopted or not (ops, or the station's staff).
#[utoipa::path(put, path = "/draft-comments/{id}/decision", tag = "legislation", params(("id" = i64, Path)),
    request_body = DecisionInput,
    responses((status = 204), (status = 403, body = crate::ErrorBody), (status = 404, body = crate::ErrorBody),
        (status = 422, body = crate::ErrorBody)),
    security(("bearer" = [])))]
async fn put_decision(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    JsonBody(body): JsonBody<DecisionInput>,
) -> ApiResult<StatusCode> {
    legislation::decide(&state.db, &actor, None, id, &body, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which counts.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CountsQuery {
    /// A station's code; absent: the district (ops and viewers).
    pub station: Option<String>,
}

/// Drafts consulted, comments and adopted comments: a station's for those who see its cockpit,
/// the district's for ops and viewers.
#[utoipa::path(get, path = "/drafts/counts", tag = "legislation", params(CountsQuery),
    responses((status = 200, body = LegislationCounts), (status = 403, body = crate::ErrorBody),
        (status = 422, body = crate::ErrorBody)),
    security(("bearer" = [])))]
async fn counts(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<CountsQuery>,
) -> ApiResult<Json<LegislationCounts>> {
    let station = match q
        .station
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(code) => {
            let st = state
                .reference
                .station_by_code(&state.db, code)
                .await?
                .ok_or_else(|| {
                    ApiError::from(liaison_domain::Error::unknown_code(
                        "station",
                        liaison_domain::error::Thing::Station,
                        code,
                    ))
                })?;
            policy::require(&actor, Permission::SeeStation(st.id))?;
            Some(st.id)
        }
        None => {
            policy::require(&actor, Permission::ReadDistrict)?;
            None
        }
    };
    Ok(Json(legislation::counts(&state.db, station).await?))
}
