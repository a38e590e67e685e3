use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use sea_orm::{EntityTrait, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::entity;
use crate::auth::{Actor, Role};
use crate::http::{ApiResult, AppState, JsonBody};
use crate::stations::PublicCode;

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
    let rows = entity::Entity::find()
        .order_by_asc(entity::Column::Id)
        .all(&state.db)
        .await?;
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

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    Department,
    Township,
}

impl OrganisationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrganisationKind::Department => "department",
            OrganisationKind::Township => "township",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "department" => Some(OrganisationKind::Department),
            "township" => Some(OrganisationKind::Township),
            _ => None,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    pub code: PublicCode,
    pub name: String,
    pub kind: OrganisationKind,
}

#[utoipa::path(post, path = "/organisations", tag = "organisations", request_body = NewOrganisation,
    responses((status = 201, body = OrganisationOut)), security(("bearer" = [])))]
async fn create_org(
    State(state): State<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody<NewOrganisation>,
) -> ApiResult<(StatusCode, Json<OrganisationOut>)> {
    actor.require(&[Role::Ops])?;
    let o = super::create(&state.db, &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(OrganisationOut {
            code: o.code,
            name: o.name,
            kind: o.kind,
        }),
    ))
}
