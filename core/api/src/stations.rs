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
use liaison_domain::stations::photo as station_photo;
use liaison_domain::stations::{NewStation, Station, StationPatch};

pub fn router() -> OpenApiRouter<AppState> {
    // The banner photo's body may be a phone's photo: its own limit, a little over the largest
    // photo taken, so that a photo just too large is refused naming the field (not cut off).
    let photo = OpenApiRouter::new()
        .routes(routes!(put_station_photo, delete_station_photo))
        .layer(axum::extract::DefaultBodyLimit::max(
            station_photo::MAX_BYTES + (1 << 20),
        ));
    OpenApiRouter::new()
        .routes(routes!(list_stations, create_station))
        .routes(routes!(get_station, update_station))
        .merge(photo)
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

/// Where a station's banner photo is served (public, cached for good: the version changes with
/// the photo).
#[derive(Debug, Serialize, ToSchema)]
pub struct StationPhotoOut {
    /// The public URL of the photo, carrying its version.
    pub url: String,
}

/// Sets or replaces the station's banner photo (ops): the request body is the picture itself,
/// a JPEG, PNG or WebP of at most 8 MiB and 40 megapixels; it is stored re-encoded as a JPEG.
#[utoipa::path(put, path = "/stations/{code}/photo", tag = "stations",
    params(("code" = String, Path, description = "the station's public code")),
    request_body(content = Vec<u8>, content_type = "image/jpeg",
        description = "the photo's bytes (JPEG, PNG or WebP, whatever the content type says)"),
    responses((status = 200, body = StationPhotoOut), (status = 404, body = crate::ErrorBody),
        (status = 413, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)),
    security(("bearer" = [])))]
async fn put_station_photo(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<StationPhotoOut>> {
    policy::require(&actor, Permission::AdministerDistrict)?;
    // A body over the route's limit is this field's refusal too.
    let raw = body.map_err(|_| liaison_domain::Error::TooLarge {
        limit: station_photo::MAX_BYTES,
        field: Some("photo".into()),
    })?;
    let version = station_photo::set(&state.db, &state.photo_decoders, &code, raw).await?;
    Ok(Json(StationPhotoOut {
        url: format!("/s/{code}/photo.jpg?v={version}"),
    }))
}

/// Removes the station's banner photo (ops); the banner goes back to the station's colour.
#[utoipa::path(delete, path = "/stations/{code}/photo", tag = "stations",
    params(("code" = String, Path, description = "the station's public code")),
    responses((status = 204), (status = 404, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn delete_station_photo(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
) -> ApiResult<StatusCode> {
    policy::require(&actor, Permission::AdministerDistrict)?;
    if station_photo::remove(&state.db, &code).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(liaison_domain::Error::not_found(format!("station {code} has no photo")).into())
    }
}
