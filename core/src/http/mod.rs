//! Wiring only: the shared state, the router that mounts every module's routes under `/api/v1`,
//! the OpenAPI document, and the error and JSON types every module answers with.

pub mod error;
pub mod json;
pub mod limits;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Extension, Json, Router};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

pub use error::{ApiError, ApiResult, ErrorBody};
pub use json::{BodyLimit, JsonBody};

use crate::auth::PasswordPolicy;
use crate::configuration::Settings;

/// Time as Liaison sees it. Tests and the demo move it forward to make deadlines pass.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_seconds: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::seconds(self.offset_seconds.load(Ordering::Relaxed))
    }

    pub fn advance(&self, by: Duration) {
        self.offset_seconds
            .fetch_add(by.num_seconds(), Ordering::Relaxed);
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub clock: Clock,
    pub passwords: PasswordPolicy,
    pub intake: crate::cases::intake::IntakeWriter,
    pub reference: crate::cases::reference::ReferenceCache,
    pub plugins: Arc<crate::plugins::PluginHost>,
    /// "Station X changed", for the dashboards' server-sent events.
    pub live: crate::dashboard::live::Live,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Liaison API", description = "Deputy liaison stations: residents' opinions carried as cases from intake to closure."),
    modifiers(&BearerAuth),
    components(schemas(
        crate::cases::actions::RegisterBody, crate::cases::actions::ReasonBody, crate::cases::actions::NoteBody,
        crate::cases::actions::AssignBody, crate::cases::actions::ExtendBody, crate::cases::actions::GrantExtensionBody,
        crate::cases::actions::AnswerBody, crate::cases::actions::FeedbackBody, crate::cases::actions::RateBody,
    ))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn router(state: AppState) -> Router {
    let limit = state.settings.server.body_limit_bytes;
    let api = OpenApiRouter::new()
        .merge(crate::auth::routes::router(&state))
        .merge(crate::cases::routes::router(&state))
        .merge(crate::stations::routes::router())
        .merge(crate::deputies::routes::router())
        .merge(crate::orgs::routes::router())
        .merge(crate::categories::router())
        .merge(crate::calendar::routes::router())
        .merge(crate::duty::routes::router())
        .merge(crate::users::router())
        .merge(crate::plugins::routes::router(&state))
        .merge(crate::dashboard::router())
        .merge(crate::oversight::router(&state));
    let (api, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", api)
        .split_for_parts();
    let doc = Arc::new(doc);
    Router::new()
        .merge(api)
        .merge(crate::web::router(&state))
        .route(
            "/api/openapi.json",
            get(move || std::future::ready(Json(doc.as_ref().clone()))),
        )
        .route("/healthz", get(healthz))
        .fallback(|| async { ApiError::not_found("no such page") })
        .layer(DefaultBodyLimit::max(limit))
        .layer(Extension(BodyLimit(limit)))
        .layer(CatchPanicLayer::new())
        .layer(axum::middleware::map_response(error::json_errors))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Alive and able to reach the database.
async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    match state.db.execute_unprepared("SELECT 1").await {
        Ok(_) => (StatusCode::OK, Json(serde_json::json!({ "status": "ok" }))),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "database unavailable" })),
            )
        }
    }
}

/// Trimmed, non-empty, at most `max` characters: the rule for names people type.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    crate::cases::intake::text(field, value, 1, max)
}
