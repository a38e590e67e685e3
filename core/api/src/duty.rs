use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{ApiResult, AppState, JsonBody};
use liaison_domain::auth::Actor;
use liaison_domain::cases::contact;
use liaison_domain::cases::intake::Created;
use liaison_domain::duty::roster::{self, NewShift, Shift};
use liaison_domain::duty::{Half, NewReception, Reception, ReceptionCase};
use liaison_domain::{deputies, stations};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_shifts, add_shift))
        .routes(routes!(remove_shift))
        .routes(routes!(list_receptions, record_reception))
        .routes(routes!(reception_to_case))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShiftOut {
    pub id: i64,
    pub day: NaiveDate,
    pub half: Half,
    pub deputy: liaison_domain::cases::queries::Named,
    pub note: Option<String>,
}

impl From<Shift> for ShiftOut {
    fn from(s: Shift) -> Self {
        ShiftOut {
            id: s.id,
            day: s.day,
            half: s.half,
            deputy: s.deputy,
            note: s.note,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct Range {
    /// First day (default today), in the years 2000 to 2100.
    #[serde(default, deserialize_with = "liaison_domain::day::option")]
    pub from: Option<NaiveDate>,
    /// Last day (default two weeks after `from`); at most 92 days in all.
    #[serde(default, deserialize_with = "liaison_domain::day::option")]
    pub to: Option<NaiveDate>,
}

/// Who sits at the station when (public).
#[utoipa::path(get, path = "/stations/{code}/duty", tag = "duty", params(("code" = String, Path), Range),
    responses((status = 200, body = Vec<ShiftOut>), (status = 404, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)))]
async fn list_shifts(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(r): Query<Range>,
) -> ApiResult<Json<Vec<ShiftOut>>> {
    let station = stations::by_code(&state.db, &code).await?;
    let from = r
        .from
        .unwrap_or_else(|| liaison_domain::cases::queries::today(state.clock.now()));
    let to = r.to.unwrap_or_else(|| roster::default_to(from));
    let rows = roster::between(&state.db, station.id, from, to).await?;
    Ok(Json(rows.into_iter().map(ShiftOut::from).collect()))
}

/// Put a deputy on duty (ops, or this station's staff).
#[utoipa::path(post, path = "/stations/{code}/duty", tag = "duty", params(("code" = String, Path)), request_body = NewShift,
    responses((status = 201, body = ShiftOut), (status = 409, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn add_shift(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    JsonBody(body): JsonBody<NewShift>,
) -> ApiResult<(StatusCode, Json<ShiftOut>)> {
    let station = stations::by_code(&state.db, &code).await?;
    let today = liaison_domain::cases::queries::today(state.clock.now());
    let shift = roster::add(&state.db, &actor, station.id, &body, today).await?;
    Ok((StatusCode::CREATED, Json(shift.into())))
}

#[utoipa::path(delete, path = "/stations/{code}/duty/{id}", tag = "duty", params(("code" = String, Path), ("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn remove_shift(
    State(state): State<AppState>,
    actor: Actor,
    Path((code, id)): Path<(String, i64)>,
) -> ApiResult<StatusCode> {
    let station = stations::by_code(&state.db, &code).await?;
    roster::remove(&state.db, &actor, station.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceptionOut {
    pub id: i64,
    pub deputy: Option<String>,
    /// Masked.
    pub visitor_name: Option<String>,
    /// Masked.
    pub visitor_phone: Option<String>,
    pub summary: String,
    pub category: Option<String>,
    pub received_at: DateTime<Utc>,
    /// The case it became, if it did.
    pub case_id: Option<i64>,
}

fn reception_out(r: Reception, deputy: Option<String>, category: Option<String>) -> ReceptionOut {
    ReceptionOut {
        id: r.id,
        deputy,
        visitor_name: r.visitor_name.as_deref().map(contact::mask_name),
        visitor_phone: r.visitor_phone.as_deref().map(contact::mask_phone),
        summary: r.summary,
        category,
        received_at: r.received_at,
        case_id: r.case_id,
    }
}

#[utoipa::path(get, path = "/stations/{code}/receptions", tag = "duty", params(("code" = String, Path)),
    responses((status = 200, body = Vec<ReceptionOut>)), security(("bearer" = [])))]
async fn list_receptions(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<ReceptionOut>>> {
    let station = stations::by_code(&state.db, &code).await?;
    let log = liaison_domain::duty::reception_log(&state.db, &actor, station.id).await?;
    Ok(Json(
        log.into_iter()
            .map(|l| reception_out(l.reception, l.deputy, l.category))
            .collect(),
    ))
}

/// Record a walk-in at the duty desk.
#[utoipa::path(post, path = "/stations/{code}/receptions", tag = "duty", params(("code" = String, Path)), request_body = NewReception,
    responses((status = 201, body = ReceptionOut)), security(("bearer" = [])))]
async fn record_reception(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    JsonBody(body): JsonBody<NewReception>,
) -> ApiResult<(StatusCode, Json<ReceptionOut>)> {
    let station = stations::by_code(&state.db, &code).await?;
    let (r, category) = liaison_domain::duty::record_reception(
        &state.db,
        &actor,
        station.id,
        &body,
        state.clock.now(),
    )
    .await?;
    let deputy_code = match r.deputy_id {
        Some(id) => deputies::code_of(&state.db, id).await?,
        None => None,
    };
    Ok((
        StatusCode::CREATED,
        Json(reception_out(r, deputy_code, category.map(|c| c.code))),
    ))
}

/// Turn a reception into a case (channel `reception`), carrying the visitor's contact apart.
#[utoipa::path(post, path = "/stations/{code}/receptions/{id}/case", tag = "duty", params(("code" = String, Path), ("id" = i64, Path)),
    request_body = ReceptionCase, responses((status = 201, body = Created), (status = 409, body = crate::ErrorBody)),
    security(("bearer" = [])))]
async fn reception_to_case(
    State(state): State<AppState>,
    actor: Actor,
    Path((code, id)): Path<(String, i64)>,
    JsonBody(body): JsonBody<ReceptionCase>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let station = stations::by_code(&state.db, &code).await?;
    let created = liaison_domain::duty::reception_to_case(
        &state.db,
        &actor,
        station.id,
        id,
        &body,
        state.clock.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(created)))
}
