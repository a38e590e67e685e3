//! Oversight over HTTP: visits, appraisal, points, projects.

pub mod appraisal;
pub mod points;
pub mod projects;
pub mod visits;

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// The oversight API routes, mounted under `/api/v1`. The public doors (opinions on an
/// organisation, project proposals) get intake's per-address budget.
pub fn router(state: &AppState) -> OpenApiRouter<AppState> {
    let public = OpenApiRouter::new()
        .merge(appraisal::opinion_router())
        .merge(projects::proposal_router())
        .layer(state.budgets.intake.layer());
    OpenApiRouter::new()
        .merge(visits::router())
        .merge(appraisal::router())
        .merge(points::router())
        .merge(projects::router())
        .merge(public)
}
