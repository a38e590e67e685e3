use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{ApiResult, AppState, JsonBody};
use liaison_domain::auth::Actor;
use liaison_domain::orgs::NewOrganisation;
use liaison_domain::policy::{self, Permission};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_orgs, create_org))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationOut {
    pub code: String,
    pub name: String,
    pub kind: String,
}

#[utoipa::path(get, path = "/organisations", tag = "organisations", responses((status = 200, body = Vec<OrganisationOut>)))]
async fn list_orgs(State(state): State<AppState>) -> ApiResult<Json<Vec<OrganisationOut>>> {
    let rows = liaison_domain::orgs::all(&state.db).await?;
    Ok(Json(
        rows.into_iter()
            .map(|o| OrganisationOut {
                code: o.code,
                name: o.name,
                kind: o.kind,
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/organisations", tag = "organisations", request_body = NewOrganisation,
    responses((status = 201, body = OrganisationOut), (status = 409, body = crate::ErrorBody, description = "the code is taken")), security(("bearer" = [])))]
async fn create_org(
    State(state): State<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<NewOrganisation>,
) -> ApiResult<(StatusCode, Json<OrganisationOut>)> {
    policy::require(&actor, Permission::AdministerDistrict)?;
    let o = liaison_domain::orgs::create(&state.db, &state.reference, &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(OrganisationOut {
            code: o.code,
            name: o.name,
            kind: o.kind,
        }),
    ))
}
