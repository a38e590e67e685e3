//! Oversight beyond single cases: department appraisal, deputy duty points, station visits and
//! livelihood projects, with their exports.

use utoipa_axum::router::OpenApiRouter;

use crate::http::AppState;

/// The oversight API routes, mounted under `/api/v1`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
}
