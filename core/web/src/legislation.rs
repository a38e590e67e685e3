//! Pages of the legislative contact point: the drafts put to residents, one draft with its
//! articles and the comment form (public, rate-limited like intake; a refused form comes back
//! with what was typed), and the printable feedback report with its downloads for ops, viewers
//! and the station's people.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use crate::context::Ctx;
use crate::error::{PageError, PageResult};
use crate::form::{FormRefused, WebForm};
use crate::sent::{Sent, Taken, take};
use crate::templates::value;
use liaison_api::AppState;
use liaison_domain::auth::Actor;
use liaison_domain::legislation::{self, CommentInput, Decision, Level};
use liaison_domain::oversight::exports::{Cell, Format};
use liaison_domain::policy::{self, Permission};

/// (name, source) of this area's templates.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "legislation/drafts.html",
        include_str!("templates/legislation/drafts.html"),
    ),
    (
        "legislation/draft.html",
        include_str!("templates/legislation/draft.html"),
    ),
    (
        "legislation/report.html",
        include_str!("templates/legislation/report.html"),
    ),
];

/// This area's routes; the comment form spends intake's per-client budget.
pub fn router(state: &AppState) -> Router<AppState> {
    let public = Router::new()
        .route("/drafts/{id}", post(comment))
        .layer(state.budgets.intake.layer());
    Router::new()
        .merge(public)
        .route("/drafts", get(drafts_page))
        .route("/drafts/{id}", get(draft_page))
        .route("/drafts/{id}/report", get(report_page))
        .route("/drafts/{id}/poster", get(poster_page))
        .route("/drafts/{id}/qr.svg", get(qr_svg))
        .route("/drafts/{id}/qr.png", get(qr_png))
}

/// The address a draft's QR code opens: the draft's page, for one station when given.
async fn draft_url(state: &AppState, id: i64, station: &str) -> PageResult<(String, String)> {
    let d = match legislation::detail(&state.db, id, state.clock.now()).await {
        Ok(d) => d,
        Err(liaison_domain::Error::NotFound(_)) => return Err(PageError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let station = station.trim();
    let path = if station.is_empty() {
        format!("/drafts/{id}")
    } else {
        // Only a station that exists goes into a printed code.
        state
            .reference
            .station_by_code(&state.db, station)
            .await?
            .ok_or(PageError::NotFound)?;
        format!("/drafts/{id}?station={station}")
    };
    Ok((super::poster::public_url(state, &path), d.title))
}

/// `GET /drafts/{id}/poster?station=`: a printable QR poster for the draft at a station.
pub async fn poster_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<DraftQuery>,
) -> PageResult<Response> {
    let (url, title) = draft_url(&state, id, &q.station).await?;
    let query = if q.station.trim().is_empty() {
        String::new()
    } else {
        format!("?station={}", q.station.trim())
    };
    let page = minijinja::context! {
        poster => minijinja::context! {
            title => title.clone(),
            heading => title,
            lead => ctx.t("legislation.poster_lead"),
            url => url,
            svg => format!("/drafts/{id}/qr.svg{query}"),
            png => format!("/drafts/{id}/qr.png{query}"),
            file => format!("liaison-draft-{id}"),
        },
    };
    ctx.render_status(StatusCode::OK, "poster.html", page)
}

/// `GET /drafts/{id}/qr.svg`
pub async fn qr_svg(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<DraftQuery>,
) -> PageResult<Response> {
    let (url, _) = draft_url(&state, id, &q.station).await?;
    Ok(super::poster::image(
        super::poster::svg(&url)?.into_bytes(),
        "image/svg+xml",
    ))
}

/// `GET /drafts/{id}/qr.png`
pub async fn qr_png(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<DraftQuery>,
) -> PageResult<Response> {
    let (url, _) = draft_url(&state, id, &q.station).await?;
    Ok(super::poster::image(
        super::poster::png(&url, state.settings.web.qr_png_module_px)?,
        "image/png",
    ))
}

fn level_name(ctx: &Ctx, l: Level) -> String {
    ctx.t(&format!("legislation.level_{}", l.as_str()))
}

/// `GET /drafts`
pub async fn drafts_page(State(state): State<AppState>, ctx: Ctx) -> PageResult<Response> {
    let list = legislation::list(&state.db, state.clock.now()).await?;
    let rows: Vec<_> = list
        .iter()
        .map(|d| {
            minijinja::context! {
                id => d.id, title => d.title.clone(), level => level_name(&ctx, d.level),
                asked_by => d.asked_by.clone(), closes_on => d.closes_on.to_string(), open => d.open,
            }
        })
        .collect();
    let can_publish = ctx
        .actor
        .as_ref()
        .is_some_and(|a| policy::may(a, Permission::AdministerDistrict));
    ctx.render_status(
        StatusCode::OK,
        "legislation/drafts.html",
        minijinja::context! { rows => rows, can_publish => can_publish },
    )
}

/// Which station the comment form is for (the station's page links with `?station=`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DraftQuery {
    station: String,
}

#[derive(Serialize)]
struct Choice {
    code: String,
    name: String,
}

/// The draft's page; `sent` is the comment form (`""`) or the forum form (`"forum"`) sent back.
pub(crate) async fn render_draft(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    station: &str,
    sent: Sent,
) -> PageResult<Response> {
    let d = match legislation::detail(&state.db, id, state.clock.now()).await {
        Ok(d) => d,
        Err(liaison_domain::Error::NotFound(_)) => return Err(PageError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let dir = state.reference.directory(&state.db).await?;
    let mut stations: Vec<Choice> = dir
        .stations
        .values()
        .map(|s| Choice {
            code: s.code.clone(),
            name: ctx.lang.pick(&s.name, &s.name_en).to_owned(),
        })
        .collect();
    stations.sort_by(|a, b| a.code.cmp(&b.code));
    // Staff record forums at the stations they run (ops at any); the report is for those who
    // read the comments.
    let forum_stations: Vec<&Choice> = match &ctx.actor {
        Some(a) => stations
            .iter()
            .filter(|c| {
                dir.station_by_code(&c.code)
                    .is_some_and(|s| policy::may(a, Permission::AdministerStation(s.id)))
            })
            .collect(),
        None => Vec::new(),
    };
    let reads_report = ctx.actor.as_ref().is_some_and(|a| {
        matches!(
            policy::scope(a),
            liaison_domain::auth::Scope::All | liaison_domain::auth::Scope::Station(_)
        )
    });
    let status = sent.status;
    ctx.render_status(
        status,
        "legislation/draft.html",
        minijinja::context! {
            d => value(&d),
            level => level_name(ctx, d.level),
            forum_stations => value(&forum_stations),
            stations => value(&stations),
            station => station.to_owned(),
            reads_report => reads_report,
            today => liaison_domain::cases::deadlines::local_today(state.clock.now()).to_string(),
            sent => value(sent),
        },
    )
}

/// `GET /drafts/{id}`
pub async fn draft_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<DraftQuery>,
) -> PageResult<Response> {
    let sent = Sent {
        status: StatusCode::OK,
        ..Default::default()
    };
    render_draft(&state, &ctx, id, q.station.trim(), sent).await
}

/// `POST /drafts/{id}`: a comment, through the same domain function as the API.
pub async fn comment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let form = match take(&ctx, "", form) {
        Taken::Form(f) => f,
        Taken::Again(sent) => {
            let station = sent.get("station");
            return render_draft(&state, &ctx, id, &station, sent).await;
        }
        Taken::Answer(r) => return Ok(r),
    };
    let mut sent = Sent::from_form(&form);
    let article = match form.get("article").map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(a) => match a.parse::<i32>() {
            Ok(n) => Some(n),
            Err(_) => {
                sent = sent.error("article", ctx.t("errors.choice"));
                let station = sent.get("station");
                return render_draft(&state, &ctx, id, &station, sent).await;
            }
        },
    };
    let input = CommentInput {
        station: form.text("station"),
        article,
        body: form.text("body"),
        name: form.get("name").map(str::to_owned),
        phone: form.get("phone").map(str::to_owned),
    };
    // A signed-in deputy or staff member comments as such; everyone else as a resident.
    let actor = ctx.actor.clone();
    match legislation::comment(&state.db, actor.as_ref(), id, &input, state.clock.now()).await {
        Ok(_) => Ok(ctx.redirect_with_flash(&format!("/drafts/{id}"), "legislation.thanks")),
        Err(e) => {
            if let liaison_domain::Error::Conflict(_) = &e {
                sent.form_error = Some(ctx.t("legislation.closed"));
                sent.status = StatusCode::CONFLICT;
            } else if !sent.refuse(&ctx, &e) {
                return Err(e.into());
            }
            let station = sent.get("station");
            render_draft(&state, &ctx, id, &station, sent).await
        }
    }
}

/// `?format=csv|xlsx` downloads the report.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReportQuery {
    format: String,
}

/// `GET /drafts/{id}/report`: the printable feedback report.
pub async fn report_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<ReportQuery>,
) -> PageResult<Response> {
    let actor = ctx.require_actor()?.clone();
    if let Some(format @ (Format::Csv | Format::Xlsx)) = Format::download_of(&q.format) {
        let list = legislation::comments_of(&state.db, &actor, id).await?;
        return liaison_api::exports::download(
            format,
            &format!("draft-{id}-feedback"),
            &legislation::report_table(&list),
        )
        .map_err(PageError::from);
    }
    let sent = Sent {
        status: StatusCode::OK,
        ..Default::default()
    };
    render_report(&state, &ctx, &actor, id, sent).await
}

/// One line of the report: the export's cells, and the comment's decision control when the
/// visitor may mark it (ops any comment, station staff their station's).
#[derive(Serialize)]
struct ReportRow {
    id: i64,
    cells: Vec<String>,
    decision: Option<&'static str>,
    may_decide: bool,
}

/// The report page; `sent` is one comment's decision form (`decide-<id>`) sent back.
pub(crate) async fn render_report(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    sent: Sent,
) -> PageResult<Response> {
    let d = legislation::detail(&state.db, id, state.clock.now()).await?;
    let list = legislation::comments_of(&state.db, actor, id).await?;
    let dir = state.reference.directory(&state.db).await?;
    let table = legislation::report_table(&list);
    let rows: Vec<ReportRow> = list
        .iter()
        .zip(&table.rows)
        .map(|(c, r)| ReportRow {
            id: c.id,
            cells: r
                .iter()
                .map(|c| match c {
                    Cell::Text(s) => s.clone(),
                    Cell::Num(n) => n.to_string(),
                    Cell::Empty => String::new(),
                })
                .collect(),
            decision: c.decision.map(Decision::as_str),
            may_decide: dir
                .station_by_code(&c.station.code)
                .is_some_and(|s| policy::may(actor, Permission::AdministerStation(s.id))),
        })
        .collect();
    let decisions: Vec<_> = [
        Decision::Adopted,
        Decision::PartlyAdopted,
        Decision::NotAdopted,
    ]
    .into_iter()
    .map(|x| minijinja::context! { code => x.as_str(), name => ctx.t(&format!("legislation.decision_{}", x.as_str())) })
    .collect();
    let any_decides = rows.iter().any(|r| r.may_decide);
    ctx.render_status(
        sent.status,
        "legislation/report.html",
        minijinja::context! {
            d => value(&d),
            level => level_name(ctx, d.level),
            heads => table.headers,
            rows => value(rows),
            decisions => decisions,
            any_decides => any_decides,
            sent => value(sent),
        },
    )
}
