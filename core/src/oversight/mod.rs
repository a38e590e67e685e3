//! Oversight beyond single cases: department appraisal, deputy duty points, station visits and
//! livelihood projects, with their exports.
//!
//! - `visits`: station visits (进站活动) and inspection rounds, with the deputies who attended;
//! - `scoring`: the pure appraisal rule; `appraisal`: the year's settings, the appraisers'
//!   scores and poll, the ranking, its publication and the residents' opinions;
//! - `points`: the deputies' points ledger derived from recorded events; `points_routes`: its API;
//! - `projects`: livelihood projects (民生实事): candidates, the deputies' vote, milestones;
//! - `exports`: CSV and Excel of every table.

pub mod appraisal;
pub mod entity;
pub mod exports;
pub mod points;
pub mod points_routes;
pub mod projects;
pub mod scoring;
pub mod visits;

use utoipa_axum::router::OpenApiRouter;

use crate::http::AppState;

/// The oversight API routes, mounted under `/api/v1`. The public doors (opinions on an
/// organisation, project proposals) get intake's per-address budget.
pub fn router(state: &AppState) -> OpenApiRouter<AppState> {
    let s = &state.settings.server;
    let public = OpenApiRouter::new()
        .merge(appraisal::opinion_router())
        .merge(projects::proposal_router())
        .layer(crate::http::limits::per_ip(
            s.intake_burst,
            s.intake_refill_ms,
        ));
    OpenApiRouter::new()
        .merge(visits::router())
        .merge(appraisal::router())
        .merge(points_routes::router())
        .merge(projects::router())
        .merge(public)
}
