//! The station cockpit (驾驶舱) and the district big screen (一屏总览).

use axum::Router;

use crate::http::AppState;

/// (name, source) of this area's templates.
pub const TEMPLATES: &[(&str, &str)] = &[];

/// This area's page routes; mounted inside the page context by `web::router`.
pub fn router() -> Router<AppState> {
    Router::new()
}
