//! The ops console: stations, deputies, organisations, users, categories, the working-day calendar and plugins, for district ops.

use axum::Router;

use crate::http::AppState;

/// (name, source) of this area's templates.
pub const TEMPLATES: &[(&str, &str)] = &[];

/// This area's page routes; mounted inside the page context by `web::router`.
pub fn router() -> Router<AppState> {
    Router::new()
}
