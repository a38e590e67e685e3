use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{ApiResult, AppState, JsonBody};
use liaison_domain::auth::Actor;
use liaison_domain::deputies::{NewDeputy, Serving};
use liaison_domain::policy::{self, Permission};
use liaison_domain::stations::{self};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_deputies, create_deputy))
        .routes(routes!(get_deputy))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeputyOut {
    pub code: String,
    pub name: String,
    pub level: String,
    /// Home station code.
    pub station: String,
    /// Every station served, home first.
    pub stations: Vec<String>,
    pub profile: Option<String>,
}

impl From<Serving> for DeputyOut {
    fn from(s: Serving) -> Self {
        DeputyOut {
            code: s.deputy.code,
            name: s.deputy.name,
            level: s.deputy.level,
            station: s.home,
            stations: s.stations,
            profile: s.deputy.profile,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DeputyFilter {
    /// Only deputies serving at this station.
    pub station: Option<String>,
}

#[utoipa::path(get, path = "/deputies", tag = "deputies", params(DeputyFilter),
    responses((status = 200, body = Vec<DeputyOut>)))]
async fn list_deputies(
    State(state): State<AppState>,
    Query(f): Query<DeputyFilter>,
) -> ApiResult<Json<Vec<DeputyOut>>> {
    let only = match &f.station {
        Some(code) => Some(stations::by_code(&state.db, code).await?.id),
        None => None,
    };
    let out = liaison_domain::deputies::active_serving(&state.db, only)
        .await?
        .into_iter()
        .map(DeputyOut::from)
        .collect();
    Ok(Json(out))
}

#[utoipa::path(get, path = "/deputies/{code}", tag = "deputies", params(("code" = String, Path)),
    responses((status = 200, body = DeputyOut), (status = 404, body = crate::ErrorBody)))]
async fn get_deputy(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<DeputyOut>> {
    let d = liaison_domain::deputies::serving_by_code(&state.db, &code).await?;
    Ok(Json(d.into()))
}

#[utoipa::path(post, path = "/deputies", tag = "deputies", request_body = NewDeputy,
    responses((status = 201, body = DeputyOut), (status = 409, body = crate::ErrorBody, description = "the code is taken")), security(("bearer" = [])))]
async fn create_deputy(
    State(state): State<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<NewDeputy>,
) -> ApiResult<(StatusCode, Json<DeputyOut>)> {
    policy::require(&actor, Permission::AdministerDistrict)?;
    let (d, home, extra) =
        liaison_domain::deputies::create(&state.db, &state.reference, &body).await?;
    let mut stations_out = vec![home.code.clone()];
    stations_out.extend(extra.into_iter().map(|s| s.code));
    Ok((
        StatusCode::CREATED,
        Json(DeputyOut {
            code: d.code,
            name: d.name,
            level: d.level,
            station: home.code,
            stations: stations_out,
            profile: d.profile,
        }),
    ))
}
