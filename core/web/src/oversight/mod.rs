//! Pages of oversight: department appraisal, deputy duty points, station visits, livelihood
//! projects. Each goes through the same core functions as its API twin (`liaison_domain::oversight`), so
//! scope and checks are one; a signed-in list answers `?format=csv|xlsx` with the rows the page
//! shows.
//!
//! - `appraisal`: the ranking (public once published; ops, viewers and appraisers before), the
//!   residents' opinion form per organisation (rate-limited like intake);
//! - `manage`: appraisers score and vote; ops set the year's weights and publish;
//! - `projects`: the chosen livelihood projects with progress, and the residents' proposal form;
//! - `vote`: the deputies' ballot on livelihood projects, and ops closing the round;
//! - `visits`: the station visits within scope, and the form staff and ops record one with;
//! - `points`: a deputy's own points, the station's or the district's table;
//! - `rules`: ops set the year's points rules; `opinions`: residents' opinions for ops and
//!   viewers; `rounds`: ops open a vote round; `milestones`: ops follow a chosen project;
//!   `visit_edit`: a visit corrected or deleted by its station's staff or ops.

mod appraisal;
mod manage;
mod milestones;
mod opinions;
mod points;
mod projects;
mod rounds;
mod rules;
mod visit_edit;
mod visits;
mod vote;

use axum::Router;
use axum::response::Response;
use axum::routing::get;

use liaison_api::AppState;
use liaison_domain::oversight::exports::{Format, Table};

/// (name, source) of this area's templates.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "oversight/appraisal.html",
        include_str!("../templates/oversight/appraisal.html"),
    ),
    (
        "oversight/manage.html",
        include_str!("../templates/oversight/manage.html"),
    ),
    (
        "oversight/opinion.html",
        include_str!("../templates/oversight/opinion.html"),
    ),
    (
        "oversight/projects.html",
        include_str!("../templates/oversight/projects.html"),
    ),
    (
        "oversight/propose.html",
        include_str!("../templates/oversight/propose.html"),
    ),
    (
        "oversight/visits.html",
        include_str!("../templates/oversight/visits.html"),
    ),
    (
        "oversight/vote.html",
        include_str!("../templates/oversight/vote.html"),
    ),
    (
        "oversight/points.html",
        include_str!("../templates/oversight/points.html"),
    ),
    (
        "oversight/rules.html",
        include_str!("../templates/oversight/rules.html"),
    ),
    (
        "oversight/opinions.html",
        include_str!("../templates/oversight/opinions.html"),
    ),
    (
        "oversight/milestones.html",
        include_str!("../templates/oversight/milestones.html"),
    ),
    (
        "oversight/visit_fields.html",
        include_str!("../templates/oversight/visit_fields.html"),
    ),
    (
        "oversight/visit_edit.html",
        include_str!("../templates/oversight/visit_edit.html"),
    ),
];

/// This area's page routes; mounted inside the page context by `web::router`. The residents'
/// forms get intake's per-address budget.
pub fn router(state: &AppState) -> Router<AppState> {
    let public_forms = Router::new()
        .route(
            "/appraisal/{org}/opinion",
            axum::routing::post(appraisal::opinion_submit),
        )
        .route(
            "/projects/propose",
            axum::routing::post(projects::propose_submit),
        )
        .layer(state.budgets.intake.layer());
    Router::new()
        .merge(public_forms)
        .route("/appraisal", get(appraisal::ranking_page))
        .route(
            "/appraisal/manage",
            get(manage::manage_page).post(manage::manage_submit),
        )
        .route("/appraisal/{org}/opinion", get(appraisal::opinion_page))
        .route("/projects", get(projects::projects_page))
        .route("/projects/propose", get(projects::propose_page))
        .route("/visits", get(visits::visits_page).post(visits::record))
        .route("/points", get(points::points_page))
        .route("/points/rebuild", axum::routing::post(points::rebuild))
        .route(
            "/projects/vote",
            get(vote::vote_page).post(rounds::open_round),
        )
        .route(
            "/points/rules",
            get(rules::rules_page).post(rules::rules_submit),
        )
        .route("/appraisal/opinions", get(opinions::opinions_page))
        .route(
            "/projects/{id}/manage",
            get(milestones::manage_page).post(milestones::manage_submit),
        )
        .route(
            "/visits/{id}/edit",
            get(visit_edit::edit_page).post(visit_edit::edit_submit),
        )
        .route(
            "/visits/{id}/delete",
            axum::routing::post(visit_edit::delete),
        )
        .route(
            "/projects/vote/{round}",
            axum::routing::post(vote::vote_submit),
        )
}

pub use crate::sent::Sent;

/// A download of `table`, or the page.
pub fn download(
    format: Option<Format>,
    file: &str,
    table: &Table,
) -> Option<Result<Response, crate::PageError>> {
    match format {
        Some(f @ (Format::Csv | Format::Xlsx)) => {
            Some(liaison_api::exports::download(f, file, table).map_err(crate::PageError::from))
        }
        _ => None,
    }
}
