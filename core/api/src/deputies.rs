use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{ApiResult, AppState, JsonBody};
use liaison_domain::auth::{Actor, Role};
use liaison_domain::deputies::{NewDeputy, entity, stations_entity};
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
    let station_codes: HashMap<i64, String> = stations::entity::Entity::find()
        .all(&state.db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.code))
        .collect();
    let links = stations_entity::Entity::find().all(&state.db).await?;
    let deputies = entity::Entity::find()
        .filter(entity::Column::Active.eq(true))
        .order_by_asc(entity::Column::Id)
        .all(&state.db)
        .await?;
    let only = match &f.station {
        Some(code) => Some(stations::by_code(&state.db, code).await?.id),
        None => None,
    };
    let out = deputies
        .into_iter()
        .filter_map(|d| {
            let mut ids = vec![d.station_id];
            ids.extend(
                links
                    .iter()
                    .filter(|l| l.deputy_id == d.id && l.station_id != d.station_id)
                    .map(|l| l.station_id),
            );
            if only.is_some_and(|s| !ids.contains(&s)) {
                return None;
            }
            Some(DeputyOut {
                code: d.code,
                name: d.name,
                level: d.level,
                station: station_codes
                    .get(&d.station_id)
                    .cloned()
                    .unwrap_or_default(),
                stations: ids
                    .iter()
                    .filter_map(|i| station_codes.get(i).cloned())
                    .collect(),
                profile: d.profile,
            })
        })
        .collect();
    Ok(Json(out))
}

#[utoipa::path(get, path = "/deputies/{code}", tag = "deputies", params(("code" = String, Path)),
    responses((status = 200, body = DeputyOut), (status = 404, body = crate::ErrorBody)))]
async fn get_deputy(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<DeputyOut>> {
    let d = liaison_domain::deputies::by_code(&state.db, &code).await?;
    let station_codes: HashMap<i64, String> = stations::entity::Entity::find()
        .all(&state.db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.code))
        .collect();
    let mut ids = vec![d.station_id];
    ids.extend(
        stations_entity::Entity::find()
            .filter(stations_entity::Column::DeputyId.eq(d.id))
            .all(&state.db)
            .await?
            .into_iter()
            .map(|l| l.station_id)
            .filter(|s| *s != d.station_id),
    );
    Ok(Json(DeputyOut {
        code: d.code,
        name: d.name,
        level: d.level,
        station: station_codes
            .get(&d.station_id)
            .cloned()
            .unwrap_or_default(),
        stations: ids
            .iter()
            .filter_map(|i| station_codes.get(i).cloned())
            .collect(),
        profile: d.profile,
    }))
}

#[utoipa::path(post, path = "/deputies", tag = "deputies", request_body = NewDeputy,
    responses((status = 201, body = DeputyOut)), security(("bearer" = [])))]
async fn create_deputy(
    State(state): State<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<NewDeputy>,
) -> ApiResult<(StatusCode, Json<DeputyOut>)> {
    actor.require(&[Role::Ops])?;
    let (d, home, extra) = liaison_domain::deputies::create(&state.db, &body).await?;
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
