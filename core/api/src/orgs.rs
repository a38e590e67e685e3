use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{ApiResult, AppState, JsonBody};
use liaison_domain::auth::Actor;
use liaison_domain::orgs::{NewOrganisation, Organisation, OrganisationPatch};
use liaison_domain::policy::{self, Permission};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_orgs, create_org))
        .routes(routes!(update_org))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationOut {
    pub code: String,
    pub name: String,
    /// The English name; empty when ops have not given one (pages then show `name`).
    pub name_en: String,
    pub kind: String,
}

impl From<Organisation> for OrganisationOut {
    fn from(o: Organisation) -> Self {
        OrganisationOut {
            code: o.code,
            name: o.name,
            name_en: o.name_en,
            kind: o.kind,
        }
    }
}

#[utoipa::path(get, path = "/organisations", tag = "organisations", responses((status = 200, body = Vec<OrganisationOut>)))]
async fn list_orgs(State(state): State<AppState>) -> ApiResult<Json<Vec<OrganisationOut>>> {
    let rows = liaison_domain::orgs::all(&state.db).await?;
    Ok(Json(rows.into_iter().map(OrganisationOut::from).collect()))
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
    Ok((StatusCode::CREATED, Json(o.into())))
}

/// Renames an organisation, gives or changes its English name, or changes its kind (ops); its
/// code stays.
#[utoipa::path(patch, path = "/organisations/{code}", tag = "organisations", request_body = OrganisationPatch,
    params(("code" = String, Path)), responses((status = 200, body = OrganisationOut)), security(("bearer" = [])))]
async fn update_org(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    JsonBody(body): JsonBody<OrganisationPatch>,
) -> ApiResult<Json<OrganisationOut>> {
    policy::require(&actor, Permission::AdministerDistrict)?;
    let o = liaison_domain::orgs::update(&state.db, &state.reference, &code, &body).await?;
    Ok(Json(o.into()))
}
