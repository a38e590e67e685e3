//! The JSON API: thin translators from HTTP to the domain's commands and queries and back, one
//! module per capability each exposing `router()`, the OpenAPI document, and the error and JSON
//! types every module answers with. The shared state lives here too, for the pages as well.

pub mod auth;
pub mod calendar;
pub mod cases;
pub mod categories;
pub mod dashboard;
pub mod deputies;
pub mod doc;
pub mod duty;
pub mod error;
pub mod exports;
pub mod input;
pub mod json;
pub mod legislation;
pub mod limits;
pub mod live;
pub mod notifications;
pub mod operations;
pub mod orgs;
pub mod oversight;
pub mod plugins;
pub mod readiness;
pub mod security;
pub mod stations;
pub mod suggestions;
pub mod users;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Extension, Json, Router};
use liaison_domain::{Clock, DatabaseConnection};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

pub use error::{ApiError, ApiResult, ErrorBody};
pub use json::{BodyLimit, JsonBody};

use liaison_domain::auth::PasswordPolicy;
use liaison_domain::configuration::Settings;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub clock: Clock,
    pub passwords: PasswordPolicy,
    pub intake: liaison_domain::cases::intake::IntakeWriter,
    pub reference: liaison_domain::reference::Reference,
    pub plugins: Arc<liaison_host::PluginHost>,
    /// "Station X changed", for the dashboards' server-sent events.
    pub live: liaison_domain::dashboard::live::Live,
    /// "User U has a new message", for the bell's server-sent events.
    pub bell: liaison_domain::notifications::live::Bell,
    /// The per-client budgets of the public doors, shared by the API and the pages.
    pub budgets: limits::Budgets,
    /// The turns to decode photos, shared by the API's and the pages' intake.
    pub photo_decoders: liaison_domain::cases::photos::Decoders,
    /// This node's side of the jobs that run on one node of a cluster at a time.
    pub jobs: liaison_domain::jobs::Jobs,
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Liaison API", description = "Deputy liaison stations: residents' opinions carried as cases from intake to closure."),
    modifiers(&BearerAuth),
    components(schemas(
        liaison_domain::cases::commands::RegisterBody, liaison_domain::cases::commands::ReasonBody, liaison_domain::cases::commands::NoteBody,
        liaison_domain::cases::commands::AssignBody, liaison_domain::cases::commands::ExtendBody, liaison_domain::cases::commands::GrantExtensionBody,
        liaison_domain::cases::commands::AnswerBody, liaison_domain::cases::commands::FeedbackBody, liaison_domain::cases::commands::RateBody,
        liaison_domain::suggestions::commands::NoteBody, liaison_domain::suggestions::commands::ReasonBody,
        liaison_domain::suggestions::commands::ReviseBody, liaison_domain::suggestions::commands::AssignBody,
        liaison_domain::suggestions::commands::SuperviseBody, liaison_domain::suggestions::commands::ConsultBody,
        liaison_domain::suggestions::commands::CoOpinionBody, liaison_domain::suggestions::commands::ReplyBody,
        liaison_domain::suggestions::commands::EvaluateBody, liaison_domain::suggestions::commands::ConfirmBody,
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

/// The API and its OpenAPI document, with `pages` (the web face) mounted beside them.
pub fn router(state: AppState, pages: Router<AppState>) -> Router {
    let limit = state.settings.server.body_limit_bytes;
    operations::install(&state.settings.metrics.token);
    let api = OpenApiRouter::new()
        .merge(auth::router(&state))
        .merge(cases::router(&state))
        .merge(stations::router())
        .merge(deputies::router())
        .merge(orgs::router())
        .merge(categories::router())
        .merge(calendar::router())
        .merge(duty::router())
        .merge(users::router())
        .merge(plugins::router(&state))
        .merge(dashboard::router())
        .merge(oversight::router(&state))
        .merge(suggestions::router())
        .merge(legislation::router(&state))
        .merge(notifications::router());
    let (api, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", api)
        .split_for_parts();
    // After the routes are in: the answers the layers around every handler can give.
    doc::CommonAnswers.modify(&mut doc);
    let doc = Arc::new(doc);
    Router::new()
        .merge(api)
        .merge(pages)
        .route(
            "/api/openapi.json",
            get(move || std::future::ready(Json(doc.as_ref().clone()))),
        )
        .route("/healthz", get(healthz))
        .merge(operations::router())
        .fallback(|| async { ApiError::not_found("no such page") })
        .layer(DefaultBodyLimit::max(limit))
        .layer(Extension(BodyLimit(limit)))
        .layer(axum::middleware::from_fn(input::refuse_controls))
        .layer(CatchPanicLayer::new())
        .layer(axum::middleware::map_response(error::json_errors))
        .layer(axum::middleware::map_response(security::headers))
        // Compressed when the client asks (brotli or gzip). The default predicate leaves alone
        // what gains nothing or must not wait: images, tiny answers and server-sent event
        // streams, which a compressor would buffer and so hold back the live dashboards.
        .layer(CompressionLayer::new().br(true).gzip(true))
        .layer(TraceLayer::new_for_http().make_span_with(state.budgets.request_span()))
        // Outermost, so a request's time and status are what the client got.
        .layer(axum::middleware::from_fn(operations::track))
        .with_state(state)
}

/// Alive and able to reach the database.
async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<serde_json::Value>) {
    match liaison_domain::db::ping(&state.db).await {
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
