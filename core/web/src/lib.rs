//! Pages for people: server-rendered HTML over the same core and the same scope rules as the
//! API. No front-end build; a few lines of script only where they help (copying a receipt code,
//! filling in the location), and every core flow works without them.
//!
//! - `context`: what every page knows about its visitor (language, CSRF token, signed-in user,
//!   flash message), gathered once per request by a middleware that also sets the cookies and
//!   the security headers and turns every error answer into a page.
//! - `form`: the one extractor for submitted forms; it checks the CSRF token (double submit).
//! - `i18n`: the message catalogue (Chinese by default, English one click away).
//! - `templates`: minijinja templates embedded in the binary, auto-escaping on.
//! - `error`: the page error type; `session`: sign-in, sign-out, the account page.
//! - `resident`: what the QR codes open (station, deputy, intake, receipt, tracking, rating);
//!   `brand`: the station's brand services; `poster`: printable QR posters and QR images;
//!   `desk`: the station's case list with its filters, scoped like the API; `case`: one case
//!   for the people who work on it, with every action they may take now; `org`: the handling
//!   organisation's cases; `deputy_desk`: the deputy's cases, duty shifts and receptions.
//!
//! A new page: a handler taking `ctx: Ctx` (and `State<AppState>`), answering
//! `ctx.render_status(status, "name.html", minijinja::context! { … })` with a template that
//! extends `base.html` and is listed in `templates::TEMPLATES`; every word in the catalogue
//! (`t("key")`, both languages); `ctx.require_actor()?` and
//! `policy::require(actor, Permission::…)?` for a signed-in page (a refusal renders the 403
//! page; never compare roles here, the domain's `policy` answers who may); data comes from the
//! domain's functions (this crate does not query tables); a form posts with its `_csrf`
//! hidden field to a handler taking `Result<WebForm, FormRefused>`, re-renders itself with the
//! messages beside the fields (`form::explain` words the core's messages) and answers success
//! with `ctx.redirect_with_flash(to, "flash.key")`. Navigation is `Ctx::nav`, one
//! `policy::may` per link.

pub mod brand;
pub mod case;
pub mod cockpit;
pub mod console;
pub mod context;
pub mod deputy_desk;
pub mod desk;
pub mod duty_desk;
pub mod error;
pub mod form;
pub mod i18n;
pub mod legislation;
pub mod legislation_staff;
pub mod notifications;
pub mod org;
pub mod oversight;
pub mod poster;
pub mod resident;
pub mod sent;
pub mod session;
pub mod station_photo;
pub mod suggestions;
pub mod templates;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

pub use context::Ctx;
pub use error::{PageError, PageResult};
pub use form::{FormRefused, WebForm};
pub use i18n::Lang;

use liaison_api::AppState;

pub use liaison_domain::configuration::WebSettings;

/// Every page route. Mounted next to the API by `http::router`.
pub fn router(state: &AppState) -> Router<AppState> {
    // The doors anyone can knock on spend the same per-client budgets as their API twins (the
    // same buckets: a page does not double the API's budget).
    // The intake form carries photos: its body limit is theirs.
    let with_photos = Router::new()
        .route("/s/{code}", post(resident::submit_station))
        .route("/d/{code}", post(resident::submit_deputy))
        .layer(axum::extract::DefaultBodyLimit::max(
            state.settings.photos.body_limit(),
        ));
    let intake = Router::new()
        .merge(with_photos)
        .route("/s/{code}/brand/{plugin}/{action}", post(brand::act))
        .route("/s/{code}/brand/{plugin}/done/{token}", get(brand::done))
        .layer(state.budgets.intake.layer());
    // Every page that takes a receipt code: the tracking API's budget.
    let tracking = Router::new()
        .route("/t", get(resident::lookup))
        .route("/t/{code}", get(resident::track))
        .route("/t/{code}/rate", post(resident::rate))
        .route("/r/{code}", get(resident::receipt))
        .layer(state.budgets.receipt.layer());
    let sign_in = Router::new()
        .route("/login", post(session::login))
        .layer(state.budgets.login.layer());
    Router::new()
        .merge(intake)
        .merge(tracking)
        .merge(sign_in)
        .route("/", get(resident::home))
        .route("/s/{code}", get(resident::station))
        .route("/d/{code}", get(resident::deputy))
        .route("/s/{code}/poster", get(poster::station_poster))
        .route("/d/{code}/poster", get(poster::deputy_poster))
        .route("/s/{code}/qr.svg", get(poster::station_svg))
        .route("/s/{code}/photo.jpg", get(station_photo::serve))
        .route("/s/{code}/qr.png", get(poster::station_png))
        .route("/d/{code}/qr.svg", get(poster::deputy_svg))
        .route("/d/{code}/qr.png", get(poster::deputy_png))
        .route("/login", get(session::login_page))
        .route("/logout", post(session::logout))
        .route("/me", get(session::me))
        .route("/desk/{code}", get(desk::station_cases))
        .route("/desk/{code}/assign", post(desk::bulk_assign))
        .route(
            "/desk/{code}/duty",
            get(duty_desk::show).post(duty_desk::add),
        )
        .route("/desk/{code}/duty/{id}/remove", post(duty_desk::remove))
        .route(
            "/desk/{code}/brand/{plugin}/{action}",
            post(brand::desk_act),
        )
        .route("/org", get(org::org_cases))
        .route("/deputy", get(deputy_desk::desk))
        .route("/deputy/receptions", post(deputy_desk::record))
        .route("/deputy/receptions/{id}/case", post(deputy_desk::to_case))
        .route("/cases/{id}", get(case::case_page))
        .route("/cases/{id}/photos/{file}", get(case::photo))
        .route("/cases/{id}/photos/{file}/thumb", get(case::photo_thumb))
        .route("/cases/{id}/contact", post(case::reveal))
        .route("/cases/{id}/act/{action}", post(case::act))
        .merge(console::router(state))
        .merge(cockpit::router())
        .merge(oversight::router(state))
        .merge(suggestions::router())
        .merge(legislation::router(state))
        .merge(legislation_staff::router())
        .merge(notifications::router())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            context::web_context,
        ))
        // Assets need no visitor context, cookies or page errors.
        .route("/assets/site.css", get(css))
        .route("/assets/site.js", get(js))
        .route("/favicon.ico", get(favicon))
}

const SITE_CSS: &str = include_str!("assets/site.css");
const SITE_JS: &str = include_str!("assets/site.js");

/// A short digest of the assets, put in their URLs so that a new build is fetched at once while
/// an unchanged one is cached for a year.
pub fn asset_version() -> &'static str {
    use sha2::{Digest, Sha256};
    static V: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let mut h = Sha256::new();
        h.update(SITE_CSS.as_bytes());
        h.update(SITE_JS.as_bytes());
        hex::encode(&h.finalize()[..6])
    });
    &V
}

fn asset(body: &'static str, kind: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        body,
    )
        .into_response()
}

async fn css() -> Response {
    asset(SITE_CSS, "text/css; charset=utf-8")
}

/// The site's icon, which browsers ask for on their own: an answer, not a 404 in every log.
async fn favicon() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("image/x-icon"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=604800"),
            ),
        ],
        &include_bytes!("assets/favicon.ico")[..],
    )
        .into_response()
}

async fn js() -> Response {
    asset(SITE_JS, "text/javascript; charset=utf-8")
}
