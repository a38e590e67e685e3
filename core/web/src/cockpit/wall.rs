//! A station's wall screen (智慧屏, `/s/{code}/screen`): public, hung in the station's hall.
//! Same kiosk rules as the district big screen (dark 16:9 canvas scaled as a whole, no site
//! navigation, text of 16 design pixels or more): the station and a live clock, its figures,
//! today's duty deputies, the latest public answers (what `/t` shows anyone with the receipt
//! code; never a title, a description or a contact), the deputies' suggestions and motions
//! filed at the station with their public status and the legislative contact point's counts
//! (residents in Luqiao read these on the station's wall), and the station's QR code to raise
//! an opinion. Live through the station's server-sent events, like its cockpit.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use minijinja::Value;
use serde::Serialize;

use super::super::context::Ctx;
use super::super::error::{PageError, PageResult};
use super::super::templates::value;
use super::{Card, count, legislation_cards, pct, suggestion_cards};
use liaison_api::AppState;
use liaison_domain::calendar::Calendar;
use liaison_domain::cases::queries;
use liaison_domain::dashboard::{figures, wall};
use liaison_domain::suggestions::queries::{self as suggestion_queries, PublicFilter};
use liaison_domain::{deputies, duty, legislation, stations};

async fn station(state: &AppState, code: &str) -> PageResult<stations::Station> {
    if code.len() > 32 {
        return Err(PageError::NotFound);
    }
    match state.reference.station_by_code(&state.db, code).await {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(PageError::NotFound),
        Err(e) => Err(e.into()),
    }
}

#[derive(Serialize)]
struct OnDuty {
    half: String,
    name: String,
    level: String,
}

/// A deputy's suggestion or motion as the wall shows it: what the public list shows.
#[derive(Serialize)]
struct Suggestion {
    number: String,
    title: String,
    deputy: String,
    status: String,
    class: Option<String>,
}

/// Suggestions the wall lists: the newest accepted ones of the station.
const WALL_SUGGESTIONS: usize = 3;

#[derive(Serialize)]
struct Reply {
    receipt_code: String,
    category: String,
    by: String,
    answer: String,
    date: String,
}

/// At most `n` characters, with an ellipsis when cut: the wall shows the start of an answer.
fn clip(s: &str, n: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

async fn panel(state: &AppState, ctx: &Ctx, s: &stations::Station) -> PageResult<Value> {
    let now = state.clock.now();
    let today = queries::today(now);
    let k = figures::cockpit(&state.db, s.id, now).await?;
    let f = &k.station.figures;
    let card = |label: &str, def: &str, value: String, tone: &'static str| {
        Card::new(ctx, label, def, value, tone)
    };
    let late = f.overdue.unwrap_or(0);
    let tiles = vec![
        card(
            "dashboard.received_total",
            "dashboard.def_received",
            f.received.to_string(),
            "",
        ),
        card(
            "dashboard.open",
            "dashboard.def_open",
            f.open.to_string(),
            "",
        ),
        card(
            "dashboard.overdue",
            "dashboard.def_overdue",
            count(ctx, f.overdue),
            if late > 0 { "warn" } else { "" },
        ),
        card(
            "dashboard.closed",
            "dashboard.def_closed",
            f.closed.to_string(),
            "",
        ),
        card(
            "dashboard.satisfaction",
            "dashboard.def_satisfaction",
            pct(ctx, f.satisfaction_rate),
            "",
        ),
    ];
    let shifts = duty::shifts_of_station(&state.db, s.id, today, today).await?;
    let ids: Vec<i64> = shifts.iter().map(|x| x.deputy_id).collect();
    let people = deputies::by_ids(&state.db, &ids).await?;
    let on_duty: Vec<OnDuty> = shifts
        .iter()
        .filter_map(|x| {
            let d = people.iter().find(|d| d.id == x.deputy_id)?;
            Some(OnDuty {
                half: ctx.t(if x.half == "pm" {
                    "station.pm"
                } else {
                    "station.am"
                }),
                name: d.name.clone(),
                level: ctx.t(&format!("level.{}", d.level)),
            })
        })
        .collect();
    let dir = state.reference.directory(&state.db).await?;
    let replies: Vec<Reply> = wall::latest_replies(&state.db, s.id, 5)
        .await?
        .into_iter()
        .map(|r| Reply {
            receipt_code: r.receipt_code,
            category: dir
                .categories
                .get(&r.category_id)
                .map(|c| ctx.lang.pick(&c.name, &c.name_en).to_owned())
                .unwrap_or_default(),
            by: r
                .organisation_id
                .and_then(|o| dir.orgs.get(&o))
                .map_or_else(|| ctx.t("wall.by_station"), |o| ctx.org_name(o)),
            answer: clip(&r.answer, 60),
            date: r.date.to_string(),
        })
        .collect();
    let sugg = suggestion_queries::counts(&state.db, Some(s.id)).await?;
    let laws = legislation::counts(&state.db, Some(s.id)).await?;
    let cal = Calendar::load(&state.db).await?;
    let v = super::super::suggestions::view(state, &dir, &cal).await?;
    let filter = PublicFilter {
        station: Some(s.code.clone()),
        organisation: None,
        class: None,
    };
    let suggestions: Vec<Suggestion> = suggestion_queries::public_list(&state.db, &v, &filter)
        .await?
        .into_iter()
        .take(WALL_SUGGESTIONS)
        .map(|p| Suggestion {
            number: p.number,
            title: clip(&p.title, 28),
            deputy: p.deputy.name,
            status: super::super::suggestions::status_name(ctx, p.status),
            class: p.reply_class.map(|c| c.as_str().to_owned()),
        })
        .collect();
    Ok(minijinja::context! {
        tiles => value(tiles),
        on_duty => value(on_duty),
        replies => value(replies),
        suggestion_cards => value(suggestion_cards(ctx, &sugg)),
        legislation_cards => value(legislation_cards(ctx, &laws)),
        suggestions => value(suggestions),
        as_of => super::as_of(ctx, now),
    })
}

/// `GET /s/{code}/screen`
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let s = station(&state, &code).await?;
    let local = state
        .clock
        .now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset"));
    let p = panel(&state, &ctx, &s).await?;
    let photo = crate::station_photo::url_of(&state, &s).await?;
    ctx.render_status(
        axum::http::StatusCode::OK,
        "cockpit/wall.html",
        minijinja::context! {
            photo => photo,
            station => minijinja::context! {
                code => s.code.clone(),
                name => ctx.lang.pick(&s.name, &s.name_en),
                address => s.address.clone(),
            },
            page_url => super::super::poster::public_url(&state, &format!("/s/{}", s.code)),
            clock => local.format("%Y-%m-%d %H:%M:%S").to_string(),
            clock_iso => local.to_rfc3339(),
            ..p
        },
    )
}

/// `GET /s/{code}/screen/panel`: the part the live feed redraws.
pub async fn panel_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let s = station(&state, &code).await?;
    let p = panel(&state, &ctx, &s).await?;
    ctx.render_status(axum::http::StatusCode::OK, "cockpit/wall_panel.html", p)
}

/// `GET /s/{code}/screen/live`: the station's change feed (a change, not what changed).
pub async fn live(State(state): State<AppState>, Path(code): Path<String>) -> PageResult<Response> {
    let s = station(&state, &code).await?;
    Ok(liaison_api::live::sse(&state.live, Some(s.id)).into_response())
}
