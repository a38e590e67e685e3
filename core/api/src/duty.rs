use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{ApiError, ApiResult, AppState, JsonBody};
use liaison_domain::auth::Actor;
use liaison_domain::cases::contact;
use liaison_domain::cases::intake::{Created, text};
use liaison_domain::duty::{Half, NewReception, ReceptionCase, receptions, shifts};
use liaison_domain::error::{FieldKind, Thing};
use liaison_domain::{categories, deputies, stations};

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

#[derive(Debug, Deserialize, IntoParams)]
pub struct Range {
    /// First day (default today).
    pub from: Option<NaiveDate>,
    /// Last day (default two weeks after `from`); at most 92 days in all.
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
    let to = r.to.unwrap_or(from + Duration::days(13));
    if to < from {
        return Err(ApiError::invalid(
            "to",
            FieldKind::DateSpan { max_days: 92 },
        ));
    }
    if (to - from).num_days() > 92 {
        return Err(ApiError::invalid(
            "to",
            FieldKind::DateSpan { max_days: 92 },
        ));
    }
    let rows = shifts::Entity::find()
        .filter(shifts::Column::StationId.eq(station.id))
        .filter(shifts::Column::Day.gte(from))
        .filter(shifts::Column::Day.lte(to))
        .order_by_asc(shifts::Column::Day)
        .order_by_asc(shifts::Column::Half)
        .all(&state.db)
        .await?;
    let deps: std::collections::HashMap<i64, deputies::entity::Model> =
        deputies::entity::Entity::find()
            .all(&state.db)
            .await?
            .into_iter()
            .map(|d| (d.id, d))
            .collect();
    Ok(Json(
        rows.into_iter()
            .map(|s| ShiftOut {
                id: s.id,
                day: s.day,
                half: if s.half == "pm" { Half::Pm } else { Half::Am },
                deputy: deps
                    .get(&s.deputy_id)
                    .map(|d| liaison_domain::cases::queries::Named {
                        code: d.code.clone(),
                        name: d.name.clone(),
                    })
                    .unwrap_or(liaison_domain::cases::queries::Named {
                        code: String::new(),
                        name: String::new(),
                    }),
                note: s.note,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShift {
    /// Deputy code; the deputy must serve at this station.
    pub deputy: String,
    pub day: NaiveDate,
    pub half: Half,
    pub note: Option<String>,
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
    actor.require_station_admin(station.id)?;
    let deputy = deputies::by_code(&state.db, body.deputy.trim())
        .await
        .map_err(|_| {
            ApiError::invalid(
                "deputy",
                FieldKind::UnknownCode {
                    thing: Thing::Deputy,
                    code: body.deputy.trim().to_owned(),
                },
            )
        })?;
    if !deputies::serves_at(&state.db, &deputy, station.id).await? {
        return Err(ApiError::invalid(
            "deputy",
            FieldKind::DeputyNotServing {
                deputy: deputy.code.clone(),
                station: None,
            },
        ));
    }
    let note = match body
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        Some(n) => Some(text("note", n, 1, 200)?),
        None => None,
    };
    let exists = shifts::Entity::find()
        .filter(shifts::Column::StationId.eq(station.id))
        .filter(shifts::Column::DeputyId.eq(deputy.id))
        .filter(shifts::Column::Day.eq(body.day))
        .filter(shifts::Column::Half.eq(body.half.as_str()))
        .one(&state.db)
        .await?;
    if exists.is_some() {
        return Err(ApiError::Conflict(format!(
            "{} is already on duty then",
            deputy.name
        )));
    }
    let s = shifts::ActiveModel {
        station_id: Set(station.id),
        deputy_id: Set(deputy.id),
        day: Set(body.day),
        half: Set(body.half.as_str().to_owned()),
        note: Set(note),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    // The shift and the duty points it gives are written together.
    let txn = state.db.begin().await?;
    let s = s.insert(&txn).await?;
    liaison_domain::oversight::points::derive_shift(
        &txn,
        &s,
        liaison_domain::cases::queries::today(state.clock.now()),
    )
    .await?;
    txn.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(ShiftOut {
            id: s.id,
            day: s.day,
            half: body.half,
            deputy: liaison_domain::cases::queries::Named {
                code: deputy.code,
                name: deputy.name,
            },
            note: s.note,
        }),
    ))
}

#[utoipa::path(delete, path = "/stations/{code}/duty/{id}", tag = "duty", params(("code" = String, Path), ("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn remove_shift(
    State(state): State<AppState>,
    actor: Actor,
    Path((code, id)): Path<(String, i64)>,
) -> ApiResult<StatusCode> {
    let station = stations::by_code(&state.db, &code).await?;
    actor.require_station_admin(station.id)?;
    let txn = state.db.begin().await?;
    let res = shifts::Entity::delete_many()
        .filter(shifts::Column::Id.eq(id))
        .filter(shifts::Column::StationId.eq(station.id))
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(ApiError::not_found(format!(
            "no shift {id} at this station"
        )));
    }
    // Its duty points go with it.
    liaison_domain::oversight::points::forget(
        &txn,
        liaison_domain::oversight::points::source::SHIFT,
        id,
    )
    .await?;
    txn.commit().await?;
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

fn reception_out(
    r: receptions::Model,
    deputy: Option<String>,
    category: Option<String>,
) -> ReceptionOut {
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
    liaison_domain::duty::require_desk(&actor, station.id)?;
    let rows = receptions::Entity::find()
        .filter(receptions::Column::StationId.eq(station.id))
        .order_by_desc(receptions::Column::ReceivedAt)
        .all(&state.db)
        .await?;
    let deps: std::collections::HashMap<i64, String> = deputies::entity::Entity::find()
        .all(&state.db)
        .await?
        .into_iter()
        .map(|d| (d.id, d.code))
        .collect();
    let cats: std::collections::HashMap<i64, String> = categories::entity::Entity::find()
        .all(&state.db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.code))
        .collect();
    Ok(Json(
        rows.into_iter()
            .map(|r| {
                let d = r.deputy_id.and_then(|id| deps.get(&id).cloned());
                let c = r.category_id.and_then(|id| cats.get(&id).cloned());
                reception_out(r, d, c)
            })
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
        Some(id) => deputies::entity::Entity::find_by_id(id)
            .one(&state.db)
            .await?
            .map(|d| d.code),
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
