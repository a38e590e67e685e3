//! Accounts over HTTP (ops only).

use crate::{ApiResult, AppState, JsonBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use liaison_domain::auth::Actor;
use liaison_domain::policy::{self, Permission};
use liaison_domain::users::*;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_users, create_user))
}

#[utoipa::path(get, path = "/users", tag = "users", responses((status = 200, body = Vec<UserOut>)), security(("bearer" = [])))]
async fn list_users(State(state): State<AppState>, actor: Actor) -> ApiResult<Json<Vec<UserOut>>> {
    policy::require(&actor, Permission::AdministerDistrict)?;
    let rows = all(&state.db).await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = UserOut), (status = 409, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn create_user(
    State(state): State<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<NewUser>,
) -> ApiResult<(StatusCode, Json<UserOut>)> {
    policy::require(&actor, Permission::AdministerDistrict)?;
    let u = create(&state.db, &state.passwords, &body).await?;
    Ok((StatusCode::CREATED, Json(u.into())))
}
