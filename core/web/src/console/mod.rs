//! The ops console: stations, deputies, organisations, users, categories, the working-day calendar and plugins, for district ops.
//!
//! One file per section, each over the same core functions as the API (`stations::create`,
//! `users::reset_password`, `plugins::registry::enable`, …), so a rule holds on both. Every
//! route of the console sits behind [`only_ops`], a layer on the whole router: a new page
//! cannot forget the check. Forms are data (`kit`), drawn by one macro, and come back with the
//! message beside the field and what was typed.

mod calendar;
mod categories;
mod deputies;
pub mod kit;
mod orgs;
mod plugins;
mod station_photos;
mod stations;
mod users;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Datelike;
use serde::Serialize;

use super::context::Ctx;
use super::error::{PageError, PageResult};
use super::templates::value;
use liaison_api::AppState;

/// (name, source) of this area's templates.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "console/kit.html",
        include_str!("../templates/console/kit.html"),
    ),
    (
        "console/overview.html",
        include_str!("../templates/console/overview.html"),
    ),
    (
        "console/list.html",
        include_str!("../templates/console/list.html"),
    ),
    (
        "console/form.html",
        include_str!("../templates/console/form.html"),
    ),
    (
        "console/plugins.html",
        include_str!("../templates/console/plugins.html"),
    ),
];

/// This area's page routes; mounted inside the page context by `web::router`.
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/console", get(overview))
        .route(
            "/console/stations",
            get(stations::list).post(stations::create),
        )
        .route(
            "/console/stations/{code}",
            get(stations::edit).post(stations::save),
        )
        .merge(
            // The banner photo's form carries a phone's photo: its body limit is a little over
            // the largest accepted, so that one just too large is refused beside the field.
            Router::new()
                .route(
                    "/console/stations/{code}/photo",
                    post(station_photos::upload),
                )
                .route(
                    "/console/stations/{code}/photo/remove",
                    post(station_photos::remove),
                )
                .layer(axum::extract::DefaultBodyLimit::max(
                    liaison_domain::stations::photo::MAX_BYTES + (1 << 20),
                )),
        )
        .route(
            "/console/deputies",
            get(deputies::list).post(deputies::create),
        )
        .route(
            "/console/deputies/{code}",
            get(deputies::edit).post(deputies::save),
        )
        .route("/console/orgs", get(orgs::list).post(orgs::create))
        .route("/console/orgs/{code}", get(orgs::edit).post(orgs::save))
        .route("/console/users", get(users::list).post(users::create))
        .route("/console/users/{username}", get(users::edit))
        .route("/console/users/{username}/active", post(users::set_active))
        .route("/console/users/{username}/password", post(users::reset))
        .route(
            "/console/categories",
            get(categories::list).post(categories::create),
        )
        .route(
            "/console/categories/{code}",
            get(categories::edit).post(categories::save),
        )
        .route("/console/calendar", get(calendar::list).post(calendar::add))
        .route("/console/calendar/{day}/remove", post(calendar::remove))
        .merge(plugins::router(state))
        .route_layer(axum::middleware::from_fn(only_ops))
}

/// Every console route: signed in as ops, or the sign-in page, or the 403 page.
async fn only_ops(req: Request, next: Next) -> Response {
    let Some(ctx) = req.extensions().get::<Ctx>() else {
        return PageError::Internal(anyhow::anyhow!("console page without its context"))
            .into_response();
    };
    match kit::ops(ctx) {
        Ok(_) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

#[derive(Serialize)]
struct Tile {
    href: &'static str,
    label: String,
    count: u64,
}

/// `GET /console`: the sections with how much each holds.
async fn overview(State(state): State<AppState>, ctx: Ctx) -> PageResult<Response> {
    kit::ops(&ctx)?;
    let db = &state.db;
    let year = liaison_domain::cases::queries::today(state.clock.now()).year();
    let days = liaison_domain::calendar::days_in_year(db, year).await?;
    let tiles = vec![
        Tile {
            href: "/console/stations",
            label: ctx.t("console.stations"),
            count: liaison_domain::stations::count(db).await?,
        },
        Tile {
            href: "/console/deputies",
            label: ctx.t("console.deputies"),
            count: liaison_domain::deputies::count_active(db).await?,
        },
        Tile {
            href: "/console/orgs",
            label: ctx.t("console.orgs"),
            count: liaison_domain::orgs::count(db).await?,
        },
        Tile {
            href: "/console/users",
            label: ctx.t("console.users"),
            count: liaison_domain::users::count(db).await?,
        },
        Tile {
            href: "/console/categories",
            label: ctx.t("console.categories"),
            count: liaison_domain::categories::count(db).await?,
        },
        Tile {
            href: "/console/calendar",
            label: ctx.tf("console.calendar_year", &[("year", year.to_string())]),
            count: days,
        },
        Tile {
            href: "/console/plugins",
            label: ctx.t("console.plugins"),
            count: liaison_domain::plugins::count(db).await?,
        },
    ];
    ctx.render_status(
        axum::http::StatusCode::OK,
        "console/overview.html",
        minijinja::context! { tiles => value(tiles) },
    )
}
