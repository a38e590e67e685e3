use axum::Json;
use axum::extract::State;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{ApiError, ApiResult, AppState, JsonBody};
use liaison_domain::auth::{Actor, PasswordPolicy, Role};
use liaison_domain::error::FieldKind;

pub fn router(state: &AppState) -> OpenApiRouter<AppState> {
    // Password guessing is throttled per client, with the sign-in page.
    let guarded = OpenApiRouter::new()
        .routes(routes!(login))
        .layer(state.budgets.login.layer());
    OpenApiRouter::new()
        .merge(guarded)
        .routes(routes!(logout))
        .routes(routes!(me))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: Me,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub station_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub deputy_id: Option<i64>,
}

impl From<&Actor> for Me {
    fn from(a: &Actor) -> Self {
        Me {
            username: a.username.clone(),
            display_name: a.display_name.clone(),
            role: a.role,
            station_id: a.station_id,
            organisation_id: a.organisation_id,
            deputy_id: a.deputy_id,
        }
    }
}

/// Sign in and get a bearer token.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = crate::ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    JsonBody(req): JsonBody<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    if req.username.trim().is_empty() {
        return Err(ApiError::invalid("username", FieldKind::Blank));
    }
    if req.password.is_empty() {
        return Err(ApiError::invalid("password", FieldKind::Blank));
    }
    let user = liaison_domain::users::by_username(&state.db, req.username.trim()).await?;
    // An unknown user costs the same hash as a known one, so timing does not tell which
    // usernames exist.
    let stored = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| state.passwords.decoy().to_owned());
    let password = req.password.clone();
    let ok = tokio::task::spawn_blocking(move || PasswordPolicy::verify(&password, &stored))
        .await
        .map_err(anyhow::Error::from)?;
    let Some(user) = user.filter(|_| ok) else {
        tracing::info!(username = %req.username.trim(), "sign-in refused");
        return Err(ApiError::Unauthorized);
    };
    let actor = liaison_domain::auth::actor_of(&user).ok_or(ApiError::Unauthorized)?;
    let (token, expires_at) = liaison_domain::auth::open_session(
        &state.db,
        user.id,
        state.clock.now(),
        state.settings.auth.session_hours,
    )
    .await?;
    Ok(Json(LoginResponse {
        token,
        expires_at,
        user: Me::from(&actor),
    }))
}

/// End this session.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", responses((status = 204)), security(("bearer" = [])))]
async fn logout(
    State(state): State<AppState>,
    _actor: Actor,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    if let Some(token) = bearer(&headers) {
        liaison_domain::auth::close_session(&state.db, token).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Who am I.
#[utoipa::path(get, path = "/auth/me", tag = "auth", responses((status = 200, body = Me)), security(("bearer" = [])))]
async fn me(actor: Actor) -> Json<Me> {
    Json(Me::from(&actor))
}

/// The token of an `Authorization: Bearer <token>` header. The scheme's name is
/// case-insensitive (RFC 9110 §11.1): `bearer` and `BEARER` are the same scheme.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.trim_start().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

impl FromRequestParts<AppState> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or(ApiError::Unauthorized)?;
        liaison_domain::auth::actor_for_token(&state.db, token, state.clock.now())
            .await?
            .ok_or(ApiError::Unauthorized)
    }
}

impl OptionalFromRequestParts<AppState> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        match bearer(&parts.headers) {
            None => Ok(None),
            Some(token) => {
                // A stale token on a public endpoint is still an error: the client thinks it is signed in.
                liaison_domain::auth::actor_for_token(&state.db, token, state.clock.now())
                    .await?
                    .map(Some)
                    .ok_or(ApiError::Unauthorized)
            }
        }
    }
}
