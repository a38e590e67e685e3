use liaison_domain::policy::audiences;
use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{ApiError, ApiResult, AppState, JsonBody};
use liaison_domain::auth::Actor;
use liaison_domain::error::FieldKind;
use liaison_domain::policy::{self, Permission};
use liaison_domain::stations;
use liaison_host::capability::{Capability, CapabilitySchema};
use liaison_host::manifest::{ActionDecl, Audience, Names, NamesSchema};
use liaison_host::registry::{self, Installed, PluginOut};
use liaison_host::view::{self, ViewBlock};
use liaison_host::{ActionOut, PluginError};

pub fn router(state: &AppState) -> OpenApiRouter<AppState> {
    let package_limit = (state.settings.plugins.max_package_mib << 20) + (1 << 20);
    let upload = OpenApiRouter::new()
        .routes(routes!(install, list_plugins))
        .layer(DefaultBodyLimit::max(package_limit));
    // A brand's action is open to residents and may file a case: it spends intake's budget,
    // as its page twin does.
    let actions = OpenApiRouter::new()
        .routes(routes!(run_action))
        .layer(state.budgets.intake.layer());
    OpenApiRouter::new()
        .merge(upload)
        .merge(actions)
        .routes(routes!(station_plugins))
        .routes(routes!(render_view))
        .routes(routes!(enable, disable))
        .routes(routes!(resume))
}

/// The first of the caller's audiences that the declaration admits.
fn pick(mine: &[Audience], allowed: &[Audience]) -> Option<Audience> {
    mine.iter().copied().find(|a| allowed.contains(a))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BrandEntry {
    pub id: String,
    #[schema(value_type = NamesSchema)]
    pub name: Names,
    pub views: Vec<Entry>,
    pub actions: Vec<ActionEntry>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Entry {
    pub id: String,
    #[schema(value_type = NamesSchema)]
    pub title: Names,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActionEntry {
    pub id: String,
    #[schema(value_type = NamesSchema)]
    pub title: Names,
    #[schema(value_type = Vec<Object>)]
    pub fields: Vec<liaison_host::manifest::FieldDecl>,
}

/// The brands enabled at a station, with the views and actions the caller may use.
#[utoipa::path(get, path = "/stations/{code}/plugins", tag = "plugins", params(("code" = String, Path)),
    responses((status = 200, body = Vec<BrandEntry>)), security((), ("bearer" = [])))]
async fn station_plugins(
    State(state): State<AppState>,
    actor: Option<Actor>,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<BrandEntry>>> {
    let station = stations::by_code(&state.db, &code).await?;
    let mine = audiences(actor.as_ref(), station.id);
    let list = registry::enabled_at(&state.plugins, station.id).await?;
    Ok(Json(
        list.into_iter()
            .filter(|(row, _)| row.suspended_at.is_none())
            .map(|(_, m)| BrandEntry {
                views: m
                    .views
                    .iter()
                    .filter(|v| pick(&mine, &v.audience).is_some())
                    .map(|v| Entry {
                        id: v.id.clone(),
                        title: v.title.clone(),
                    })
                    .collect(),
                actions: m
                    .actions
                    .iter()
                    .filter(|a| pick(&mine, &a.audience).is_some())
                    .map(|a| ActionEntry {
                        id: a.id.clone(),
                        title: a.title.clone(),
                        fields: a.fields.clone(),
                    })
                    .collect(),
                id: m.id,
                name: m.name,
            })
            .filter(|b| !b.views.is_empty() || !b.actions.is_empty())
            .collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ViewQuery {
    /// `json` (default) or `html`.
    pub format: Option<String>,
    /// `zh` (default) or `en`.
    pub locale: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ViewOut {
    pub plugin: String,
    pub view: String,
    #[schema(value_type = NamesSchema)]
    pub title: Names,
    pub blocks: Vec<ViewBlock>,
}

/// Render one of a brand's views (JSON blocks, or HTML in the site's markup).
#[utoipa::path(get, path = "/stations/{code}/plugins/{plugin}/views/{view}", tag = "plugins",
    params(("code" = String, Path), ("plugin" = String, Path), ("view" = String, Path), ViewQuery),
    responses((status = 200, body = ViewOut), (status = 403, body = crate::ErrorBody),
        (status = 404, body = crate::ErrorBody),
        (status = 503, body = crate::ErrorBody,
            description = "unavailable (suspended, disabled or failing), or busy: no slot for the call in time (code `busy`, with Retry-After); a busy call never started",
            headers(("Retry-After" = u64, description = "seconds to wait, on a busy answer")))),
    security((), ("bearer" = [])))]
async fn render_view(
    State(state): State<AppState>,
    actor: Option<Actor>,
    Path((code, plugin, view_id)): Path<(String, String, String)>,
    Query(q): Query<ViewQuery>,
) -> ApiResult<Response> {
    let active = registry::active(&state.plugins, &code, &plugin).await?;
    let decl = active
        .loaded
        .manifest
        .view(&view_id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("plugin {plugin} has no view {view_id}")))?;
    let audience = pick(
        &audiences(actor.as_ref(), active.station_id),
        &decl.audience,
    )
    .ok_or_else(|| ApiError::forbidden(format!("view {view_id} is not for you")))?;
    let locale = q.locale.as_deref().unwrap_or("zh");
    let blocks = state
        .plugins
        .render(&active, &view_id, audience, locale)
        .await?;
    if q.format.as_deref() == Some("html") {
        let base = format!("/api/v1/stations/{code}/plugins/{plugin}/actions/");
        return Ok(Html(view::html(&blocks, &base)).into_response());
    }
    Ok(Json(ViewOut {
        plugin,
        view: view_id,
        title: decl.title,
        blocks,
    })
    .into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionIn {
    /// Field name to value, as typed.
    #[serde(default)]
    pub values: BTreeMap<String, String>,
    pub locale: Option<String>,
}

/// Run a brand's action with a submitted form; the host checks the fields first.
#[utoipa::path(post, path = "/stations/{code}/plugins/{plugin}/actions/{action}", tag = "plugins",
    params(("code" = String, Path), ("plugin" = String, Path), ("action" = String, Path)), request_body = ActionIn,
    responses((status = 200, body = ActionOut), (status = 422, body = crate::ErrorBody),
        (status = 503, body = crate::ErrorBody,
            description = "unavailable (suspended, disabled or failing), or busy: no slot for the call in time (code `busy`, with Retry-After); a busy call never ran",
            headers(("Retry-After" = u64, description = "seconds to wait, on a busy answer")))),
    security((), ("bearer" = [])))]
async fn run_action(
    State(state): State<AppState>,
    actor: Option<Actor>,
    Path((code, plugin, action)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<ActionIn>,
) -> ApiResult<Json<ActionOut>> {
    let active = registry::active(&state.plugins, &code, &plugin).await?;
    let decl: ActionDecl = active
        .loaded
        .manifest
        .action(&action)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("plugin {plugin} has no action {action}")))?;
    let audience = pick(
        &audiences(actor.as_ref(), active.station_id),
        &decl.audience,
    )
    .ok_or_else(|| ApiError::forbidden(format!("action {action} is not for you")))?;
    let values = view::validate_input(&decl, &body.values)
        .map_err(|(field, kind)| ApiError::invalid(format!("values.{field}"), kind))?;
    let out = state
        .plugins
        .act(
            &active,
            &action,
            audience,
            body.locale.as_deref().unwrap_or("zh"),
            values,
        )
        .await
        .map_err(|e| match e {
            // The plugin's complaint about a field of the form names it as the host's own
            // checks do, so that clients find one field for both.
            PluginError::Invalid { field, kind } if decl.fields.iter().any(|f| f.name == field) => {
                ApiError::invalid(format!("values.{field}"), kind)
            }
            other => other.into(),
        })?;
    Ok(Json(out))
}

/// Install a package (ops): multipart with `manifest` (plugin.toml) and `component` (the .wasm).
#[utoipa::path(post, path = "/plugins", tag = "plugins",
    request_body(content_type = "multipart/form-data", description = "fields `manifest` and `component`"),
    responses((status = 201, body = Installed), (status = 200, body = Installed, description = "already installed"),
        (status = 409, body = crate::ErrorBody), (status = 422, body = crate::ErrorBody)),
    security(("bearer" = [])))]
async fn install(
    State(state): State<AppState>,
    actor: Actor,
    mut form: Multipart,
) -> ApiResult<(StatusCode, Json<Installed>)> {
    policy::require(&actor, Permission::AdministerDistrict)?;
    let (mut manifest, mut component) = (None, None);
    while let Some(field) = form.next_field().await.map_err(|e| ApiError::BadRequest {
        field: None,
        message: e.body_text(),
    })? {
        match field.name() {
            Some("manifest") => {
                manifest = Some(field.text().await.map_err(|e| ApiError::BadRequest {
                    field: Some("manifest".into()),
                    message: e.body_text(),
                })?)
            }
            Some("component") => {
                component = Some(field.bytes().await.map_err(|e| ApiError::BadRequest {
                    field: Some("component".into()),
                    message: e.body_text(),
                })?)
            }
            Some(other) => {
                return Err(ApiError::invalid(other, FieldKind::UnknownField));
            }
            None => {}
        }
    }
    let manifest = manifest.ok_or_else(|| ApiError::invalid("manifest", FieldKind::Required))?;
    let component = component.ok_or_else(|| ApiError::invalid("component", FieldKind::Required))?;
    let out = registry::install(&state.plugins, &manifest, &component, Some(actor.user_id)).await?;
    let status = if out.already_installed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(out)))
}

/// Installed plugins, their versions, and their state and health at each station (ops, viewers).
#[utoipa::path(get, path = "/plugins", tag = "plugins", responses((status = 200, body = Vec<PluginOut>)), security(("bearer" = [])))]
async fn list_plugins(
    State(state): State<AppState>,
    actor: Actor,
) -> ApiResult<Json<Vec<PluginOut>>> {
    policy::require(&actor, Permission::ReadDistrict)?;
    Ok(Json(registry::list(&state.plugins).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnableIn {
    /// Capabilities granted at this station; the plugin gets what it asked for AND this.
    pub grant: Vec<String>,
    /// Values for the settings the manifest declares, checked against their types.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub settings: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnableOut {
    #[schema(value_type = Vec<CapabilitySchema>)]
    pub granted: Vec<Capability>,
    #[schema(value_type = Vec<CapabilitySchema>)]
    pub effective: Vec<Capability>,
    pub settings: BTreeMap<String, String>,
}

/// Enable a plugin at a station with grants and settings (ops). Recorded with who and when.
#[utoipa::path(put, path = "/stations/{code}/plugins/{plugin}", tag = "plugins",
    params(("code" = String, Path), ("plugin" = String, Path)), request_body = EnableIn,
    responses((status = 200, body = EnableOut), (status = 422, body = crate::ErrorBody)), security(("bearer" = [])))]
async fn enable(
    State(state): State<AppState>,
    actor: Actor,
    Path((code, plugin)): Path<(String, String)>,
    JsonBody(body): JsonBody<EnableIn>,
) -> ApiResult<Json<EnableOut>> {
    policy::require(&actor, Permission::AdministerDistrict)?;
    let e = registry::enable(
        &state.plugins,
        &code,
        &plugin,
        &body.grant,
        &body.settings,
        Some(actor.user_id),
    )
    .await?;
    Ok(Json(EnableOut {
        granted: e.granted,
        effective: e.effective,
        settings: e.settings,
    }))
}

/// Disable a plugin at a station (ops); its storage stays.
#[utoipa::path(delete, path = "/stations/{code}/plugins/{plugin}", tag = "plugins",
    params(("code" = String, Path), ("plugin" = String, Path)), responses((status = 204)), security(("bearer" = [])))]
async fn disable(
    State(state): State<AppState>,
    actor: Actor,
    Path((code, plugin)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    policy::require(&actor, Permission::AdministerDistrict)?;
    registry::disable(&state.plugins, &code, &plugin, Some(actor.user_id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Resume a plugin suspended after repeated failures (ops).
#[utoipa::path(post, path = "/stations/{code}/plugins/{plugin}/resume", tag = "plugins",
    params(("code" = String, Path), ("plugin" = String, Path)), responses((status = 204)), security(("bearer" = [])))]
async fn resume(
    State(state): State<AppState>,
    actor: Actor,
    Path((code, plugin)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    policy::require(&actor, Permission::AdministerDistrict)?;
    registry::resume(&state.plugins, &code, &plugin, Some(actor.user_id))
        .await
        .map_err(|e: PluginError| ApiError::from(e))?;
    Ok(StatusCode::NO_CONTENT)
}
