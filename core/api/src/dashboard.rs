//! The dashboards' JSON and live feed under `/api/v1/dashboard`: a station's cockpit for the
//! people of that station (and ops, viewers), the district's big screen for ops and viewers,
//! and the server-sent events that tell a screen to fetch again.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use liaison_domain::policy::{may_see_district, may_see_station};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{ApiError, ApiResult, AppState};
use liaison_domain::auth::Actor;
use liaison_domain::dashboard::figures::{self, Cockpit, Screen};
use liaison_domain::error::FieldKind;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(station_cockpit))
        .routes(routes!(district_screen))
        .routes(routes!(live))
}

/// A station by its public code, if `actor` may see its cockpit: 404 for no such station,
/// 403 for someone else's.
pub async fn visible_station(
    state: &AppState,
    actor: &Actor,
    code: &str,
) -> ApiResult<liaison_domain::stations::Station> {
    let station = liaison_domain::stations::by_code(&state.db, code.trim()).await?;
    if !may_see_station(actor, station.id) {
        return Err(ApiError::forbidden(
            "only this station's staff and deputies, ops and viewers see its cockpit",
        ));
    }
    Ok(station)
}

/// A station's cockpit (驾驶舱): its figures, by category, organisation, channel and month,
/// and its latest cases (no contact, no text).
#[utoipa::path(get, path = "/dashboard/stations/{code}", tag = "dashboard",
    params(("code" = String, Path, description = "the station's public code")),
    responses((status = 200, body = Cockpit), (status = 401), (status = 403), (status = 404)),
    security(("bearer" = [])))]
async fn station_cockpit(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
) -> ApiResult<Json<Cockpit>> {
    let station = visible_station(&state, &actor, &code).await?;
    Ok(Json(
        figures::cockpit(&state.db, station.id, state.clock.now()).await?,
    ))
}

/// The district's big screen (一屏总览): the district and every station side by side.
#[utoipa::path(get, path = "/dashboard/district", tag = "dashboard",
    responses((status = 200, body = Screen), (status = 401), (status = 403)),
    security(("bearer" = [])))]
async fn district_screen(State(state): State<AppState>, actor: Actor) -> ApiResult<Json<Screen>> {
    if !may_see_district(&actor) {
        return Err(ApiError::forbidden(
            "only ops and viewers see the big screen",
        ));
    }
    Ok(Json(figures::screen(&state.db, state.clock.now()).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LiveQuery {
    /// A station's code: only its changes. Without it, every station's (ops and viewers).
    pub station: Option<String>,
}

/// Server-sent events: `ready` once, then `change` with `{"station_id": …}` within a second
/// of a committed transition; a comment every 15 s keeps the connection open.
#[utoipa::path(get, path = "/dashboard/live", tag = "dashboard", params(LiveQuery),
    responses((status = 200, content_type = "text/event-stream", description = "the feed"),
        (status = 401), (status = 403), (status = 404)),
    security(("bearer" = [])))]
async fn live(
    State(state): State<AppState>,
    actor: Actor,
    Query(q): Query<LiveQuery>,
) -> ApiResult<impl IntoResponse> {
    let station = match q
        .station
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(code) => {
            if code.len() > 32 {
                return Err(ApiError::invalid("station", FieldKind::TooLong { max: 32 }));
            }
            Some(visible_station(&state, &actor, code).await?.id)
        }
        None if may_see_district(&actor) => None,
        None => {
            return Err(ApiError::forbidden(
                "only ops and viewers follow every station; name yours with ?station=",
            ));
        }
    };
    Ok(crate::live::sse(&state.live, station))
}
