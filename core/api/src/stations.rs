use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{ApiResult, AppState, JsonBody};
use liaison_domain::auth::Actor;
use liaison_domain::policy::{self, Permission};
use liaison_domain::stations::{NewStation, Station, StationPatch};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_stations, create_station))
        .routes(routes!(get_station, update_station))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StationOut {
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub kind: String,
    pub address: Option<String>,
    /// Latitude (WGS 84 degrees) where maps place the station, when ops have set it.
    pub lat: Option<f64>,
    /// Longitude (WGS 84 degrees).
    pub lng: Option<f64>,
}

impl From<Station> for StationOut {
    fn from(m: Station) -> Self {
        StationOut {
            code: m.code,
            name: m.name,
            name_en: m.name_en,
            kind: m.kind,
            address: m.address,
            lat: m.lat,
            lng: m.lng,
        }
    }
}

/// All stations, the head station first.
#[utoipa::path(get, path = "/stations", tag = "stations", responses((status = 200, body = Vec<StationOut>)))]
async fn list_stations(State(state): State<AppState>) -> ApiResult<Json<Vec<StationOut>>> {
    let rows = liaison_domain::stations::all(&state.db).await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

#[utoipa::path(get, path = "/stations/{code}", tag = "stations",
    params(("code" = String, Path, description = "the station's public code")),
    responses((status = 200, body = StationOut), (status = 404, body = crate::ErrorBody)))]
async fn get_station(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<StationOut>> {
    Ok(Json(
        liaison_domain::stations::by_code(&state.db, &code)
            .await?
            .into(),
    ))
}

#[utoipa::path(post, path = "/stations", tag = "stations", request_body = NewStation,
    responses((status = 201, body = StationOut), (status = 409, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn create_station(
    State(state): State<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<NewStation>,
) -> ApiResult<(StatusCode, Json<StationOut>)> {
    policy::require(&actor, Permission::AdministerDistrict)?;
    let m = liaison_domain::stations::create(&state.db, &state.reference, &body).await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

#[utoipa::path(patch, path = "/stations/{code}", tag = "stations", request_body = StationPatch,
    params(("code" = String, Path)), responses((status = 200, body = StationOut)), security(("bearer" = [])))]
async fn update_station(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    JsonBody(body): JsonBody<StationPatch>,
) -> ApiResult<Json<StationOut>> {
    policy::require(&actor, Permission::AdministerDistrict)?;
    Ok(Json(
        liaison_domain::stations::update(&state.db, &state.reference, &code, &body)
            .await?
            .into(),
    ))
}
