//! Categories over HTTP.

use crate::{ApiResult, AppState, JsonBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use liaison_domain::auth::Actor;
use liaison_domain::categories::*;
use liaison_domain::policy::{self, Permission};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_categories, create_category))
}

/// Active categories in display order.
#[utoipa::path(get, path = "/categories", tag = "categories", responses((status = 200, body = Vec<CategoryOut>)))]
async fn list_categories(State(state): State<AppState>) -> ApiResult<Json<Vec<CategoryOut>>> {
    let rows = active(&state.db).await?;
    Ok(Json(
        rows.into_iter()
            .map(|c| CategoryOut {
                code: c.code,
                name: c.name,
                name_en: c.name_en,
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/categories", tag = "categories", request_body = NewCategory,
    responses((status = 201, body = CategoryOut), (status = 409, body = crate::ErrorBody, description = "the code is taken")), security(("bearer" = [])))]
async fn create_category(
    State(state): State<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<NewCategory>,
) -> ApiResult<(StatusCode, Json<CategoryOut>)> {
    policy::require(&actor, Permission::AdministerDistrict)?;
    let c = create(&state.db, &state.reference, &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(CategoryOut {
            code: c.code,
            name: c.name,
            name_en: c.name_en,
        }),
    ))
}
