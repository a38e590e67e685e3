//! The station cockpit (驾驶舱, `/cockpit/{code}`) and the district big screen (一屏总览,
//! `/screen`): the figures of `dashboard::figures` drawn as cards, inline SVG charts and tables.
//!
//! Who sees what is the domain's rule (`policy::may_see_*`): a station's staff and
//! deputies its cockpit, ops and viewers every cockpit and the big screen; others get the 403
//! page. The numbers live in a panel (`…/panel`) that a few lines of script (`/assets/cockpit.js`)
//! fetch again whenever the page's server-sent events (`…/live`) say the station changed; without
//! script the page is complete and a reload refreshes it. The latest cases show a receipt code,
//! a category, a status and a date: never a title, a description or a contact. Enabled brands
//! with a view for the `dashboard` audience show it under the figures.

mod chart;
mod kiosk;
mod wall;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::Value;
use serde::Serialize;

use self::chart::{BLUE, GREEN, GREY, Part, RED, Row, Series};
use super::context::Ctx;
use super::error::{PageError, PageResult};
use super::templates::value;
use liaison_api::AppState;
use liaison_domain::dashboard::figures::{
    self, Cockpit, Figures, Latest, MonthPoint, Screen, Slice,
};
use liaison_domain::legislation::LegislationCounts;
use liaison_domain::policy::{may_see_district, may_see_station};
use liaison_domain::stations;
use liaison_domain::suggestions::queries::SuggestionCounts;
use liaison_host::manifest::Audience;

/// (name, source) of this area's templates.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "cockpit/station.html",
        include_str!("../templates/cockpit/station.html"),
    ),
    (
        "cockpit/station_panel.html",
        include_str!("../templates/cockpit/station_panel.html"),
    ),
    (
        "cockpit/screen.html",
        include_str!("../templates/cockpit/screen.html"),
    ),
    (
        "cockpit/screen_panel.html",
        include_str!("../templates/cockpit/screen_panel.html"),
    ),
    (
        "cockpit/wall.html",
        include_str!("../templates/cockpit/wall.html"),
    ),
    (
        "cockpit/wall_panel.html",
        include_str!("../templates/cockpit/wall_panel.html"),
    ),
    (
        "cockpit/parts.html",
        include_str!("../templates/cockpit/parts.html"),
    ),
    (
        "cockpit/congress.html",
        include_str!("../templates/cockpit/congress.html"),
    ),
];

const SCRIPT: &str = include_str!("cockpit.js");
const STYLE: &str = include_str!("cockpit.css");
const SCREEN_SCRIPT: &str = include_str!("screen.js");
const SCREEN_STYLE: &str = include_str!("screen.css");

/// This area's page routes; mounted inside the page context by `web::router`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cockpit/{code}", get(station_page))
        .route("/cockpit/{code}/panel", get(station_panel))
        .route("/cockpit/{code}/live", get(station_live))
        .route("/screen", get(screen_page))
        .route("/s/{code}/screen", get(wall::page))
        .route("/s/{code}/screen/panel", get(wall::panel_page))
        .route("/s/{code}/screen/live", get(wall::live))
        .route("/screen/panel", get(screen_panel))
        .route("/screen/live", get(screen_live))
        .route("/assets/cockpit.js", get(script))
        .route("/assets/cockpit.css", get(style))
        .route("/assets/screen.js", get(screen_script))
        .route("/assets/screen.css", get(screen_style))
}

fn asset(kind: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        body,
    )
        .into_response()
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

async fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE)
}

async fn screen_script() -> Response {
    asset("text/javascript; charset=utf-8", SCREEN_SCRIPT)
}

async fn screen_style() -> Response {
    asset("text/css; charset=utf-8", SCREEN_STYLE)
}

/// A station the visitor may see the cockpit of.
async fn station_for(state: &AppState, ctx: &Ctx, code: &str) -> PageResult<stations::Station> {
    let actor = ctx.require_actor()?;
    if code.len() > 32 {
        return Err(PageError::NotFound);
    }
    let station = stations::by_code(&state.db, code)
        .await
        .map_err(|_| PageError::NotFound)?;
    if !may_see_station(actor, station.id) {
        return Err(PageError::Forbidden);
    }
    Ok(station)
}

fn require_district(ctx: &Ctx) -> PageResult<()> {
    if may_see_district(ctx.require_actor()?) {
        Ok(())
    } else {
        Err(PageError::Forbidden)
    }
}

#[derive(Serialize)]
struct Card {
    label: String,
    value: String,
    /// The figure's definition (from the glossary), shown as the card's tooltip and in the
    /// footnote: never run into the label.
    def: String,
    /// `warn` for overdue work, so the number stands out.
    tone: &'static str,
}

impl Card {
    /// A figure with its label and definition looked up in the visitor's language.
    fn new(ctx: &Ctx, label: &str, def: &str, value: String, tone: &'static str) -> Card {
        Card {
            label: ctx.t(label),
            value,
            def: ctx.t(def),
            tone,
        }
    }
}

fn pct(ctx: &Ctx, r: Option<f64>) -> String {
    r.map_or_else(|| ctx.t("dashboard.no_rate"), |v| format!("{v:.1}%"))
}

/// A count, or "—" where the figure does not exist for the slice (never a 0 that reads as one).
fn count(ctx: &Ctx, n: Option<i64>) -> String {
    n.map_or_else(|| ctx.t("dashboard.no_rate"), |v| v.to_string())
}

/// The figures the cards and tables show, by message key: (label key, definition key).
const DEFS: [(&str, &str); 9] = [
    ("dashboard.received", "dashboard.def_received"),
    ("dashboard.assigned", "dashboard.def_assigned"),
    ("dashboard.open", "dashboard.def_open"),
    ("dashboard.overdue", "dashboard.def_overdue"),
    ("dashboard.closed", "dashboard.def_closed"),
    ("dashboard.sign_rate", "dashboard.def_sign_rate"),
    ("dashboard.reply_rate", "dashboard.def_reply_rate"),
    ("dashboard.satisfaction", "dashboard.def_satisfaction"),
    ("dashboard.reworked", "dashboard.def_reworked"),
];

#[derive(Serialize)]
struct Note {
    term: String,
    def: String,
}

/// The footnote under the figures: every label with its definition.
fn notes(ctx: &Ctx) -> Vec<Note> {
    DEFS.iter()
        .map(|(term, def)| (term.to_string(), def.to_string()))
        .chain([
            ("dashboard.by_month".into(), "dashboard.def_month".into()),
            ("dashboard.no_rate".into(), "dashboard.def_absent".into()),
        ])
        .map(|(term, def)| Note {
            term: ctx.t(&term),
            def: ctx.t(&def),
        })
        .collect()
}

/// The table columns' headings with their definitions as tooltips.
fn heads(ctx: &Ctx) -> Vec<Note> {
    DEFS.iter()
        .map(|(term, def)| Note {
            term: ctx.t(term),
            def: ctx.t(def),
        })
        .collect()
}

fn cards(ctx: &Ctx, f: &Figures) -> Vec<Card> {
    let card = |key: &str, value: String, tone| {
        Card::new(
            ctx,
            key,
            &key.replace("dashboard.", "dashboard.def_"),
            value,
            tone,
        )
    };
    let late = f.overdue.unwrap_or(0);
    vec![
        card("dashboard.received", f.received.to_string(), ""),
        card("dashboard.open", f.open.to_string(), ""),
        card(
            "dashboard.overdue",
            count(ctx, f.overdue),
            if late > 0 { "warn" } else { "" },
        ),
        card("dashboard.closed", f.closed.to_string(), ""),
        card("dashboard.sign_rate", pct(ctx, f.sign_on_time_rate), ""),
        card("dashboard.reply_rate", pct(ctx, f.reply_on_time_rate), ""),
        card("dashboard.satisfaction", pct(ctx, f.satisfaction_rate), ""),
        card("dashboard.reworked", f.reworked.to_string(), ""),
    ]
}

fn name(ctx: &Ctx, s: &Slice) -> String {
    ctx.lang.pick(&s.name, &s.name_en).to_owned()
}

fn channel_name(ctx: &Ctx, code: &str) -> String {
    let key = format!("dashboard.channel_{code}");
    if super::i18n::has(&key) {
        ctx.t(&key)
    } else {
        code.to_owned()
    }
}

/// One bar per slice: what it received.
fn received_bars(
    ctx: &Ctx,
    title: &str,
    slices: &[Slice],
    label: impl Fn(&Slice) -> String,
) -> Value {
    let received = ctx.t("dashboard.received");
    let rows: Vec<Row> = slices
        .iter()
        .map(|s| Row {
            label: label(s),
            parts: vec![Part {
                label: &received,
                value: s.figures.received,
                colour: BLUE,
            }],
        })
        .collect();
    Value::from_safe_string(chart::bars(title, &rows))
}

/// One stacked bar per slice: closed, open on time, overdue.
fn progress_bars(
    ctx: &Ctx,
    title: &str,
    slices: &[Slice],
    label: impl Fn(&Slice) -> String,
) -> Value {
    let (closed, open, overdue) = (
        ctx.t("dashboard.part_closed"),
        ctx.t("dashboard.part_open"),
        ctx.t("dashboard.part_overdue"),
    );
    let rows: Vec<Row> = slices
        .iter()
        .map(|s| {
            let late = s.figures.overdue.unwrap_or(0);
            Row {
                label: label(s),
                parts: vec![
                    Part {
                        label: &closed,
                        value: s.figures.closed,
                        colour: GREEN,
                    },
                    Part {
                        label: &open,
                        value: (s.figures.open - late).max(0),
                        colour: BLUE,
                    },
                    Part {
                        label: &overdue,
                        value: late,
                        colour: RED,
                    },
                ],
            }
        })
        .collect();
    Value::from_safe_string(chart::bars(title, &rows))
}

/// Organisations by what was assigned to them, their overdue work apart.
fn org_bars(ctx: &Ctx, title: &str, slices: &[Slice]) -> Value {
    let (assigned, overdue) = (ctx.t("dashboard.assigned"), ctx.t("dashboard.part_overdue"));
    let rows: Vec<Row> = slices
        .iter()
        .take(12)
        .map(|s| Row {
            label: name(ctx, s),
            parts: vec![
                Part {
                    label: &assigned,
                    value: s.figures.assigned,
                    colour: GREY,
                },
                Part {
                    label: &overdue,
                    value: s.figures.overdue.unwrap_or(0),
                    colour: RED,
                },
            ],
        })
        .collect();
    Value::from_safe_string(chart::bars(title, &rows))
}

fn month_chart(ctx: &Ctx, points: &[MonthPoint]) -> Value {
    let labels: Vec<String> = points.iter().map(|p| p.month.clone()).collect();
    let (received, closed) = (
        ctx.t("dashboard.month_received"),
        ctx.t("dashboard.month_closed"),
    );
    Value::from_safe_string(chart::months(
        &ctx.t("dashboard.by_month"),
        &labels,
        &[
            Series {
                label: &received,
                colour: BLUE,
                values: points.iter().map(|p| p.received).collect(),
            },
            Series {
                label: &closed,
                colour: GREEN,
                values: points.iter().map(|p| p.closed).collect(),
            },
        ],
    ))
}

#[derive(Serialize)]
struct TableRow {
    name: String,
    received: i64,
    assigned: i64,
    open: i64,
    overdue: String,
    late: bool,
    closed: i64,
    sign_rate: String,
    reply_rate: String,
    satisfaction: String,
    reworked: i64,
}

fn table(ctx: &Ctx, slices: &[Slice]) -> Vec<TableRow> {
    slices
        .iter()
        .map(|s| TableRow {
            name: name(ctx, s),
            received: s.figures.received,
            assigned: s.figures.assigned,
            open: s.figures.open,
            overdue: count(ctx, s.figures.overdue),
            late: s.figures.overdue.unwrap_or(0) > 0,
            closed: s.figures.closed,
            sign_rate: pct(ctx, s.figures.sign_on_time_rate),
            reply_rate: pct(ctx, s.figures.reply_on_time_rate),
            satisfaction: pct(ctx, s.figures.satisfaction_rate),
            reworked: s.figures.reworked,
        })
        .collect()
}

#[derive(Serialize)]
struct LatestRow {
    receipt_code: String,
    station: String,
    category: String,
    status: String,
    status_code: String,
    date: String,
}

fn latest_rows(ctx: &Ctx, latest: &[Latest], cats: &[Slice], stations: &[Slice]) -> Vec<LatestRow> {
    let label = |list: &[Slice], code: &str| {
        list.iter()
            .find(|s| s.code == code)
            .map(|s| name(ctx, s))
            .unwrap_or_else(|| code.to_owned())
    };
    latest
        .iter()
        .map(|l| LatestRow {
            receipt_code: l.receipt_code.clone(),
            station: label(stations, &l.station),
            category: label(cats, &l.category),
            status: ctx.t(&format!("status.{}", l.status.as_str())),
            status_code: l.status.as_str().to_owned(),
            date: l.date.to_string(),
        })
        .collect()
}

fn as_of(ctx: &Ctx, at: chrono::DateTime<chrono::Utc>) -> String {
    let cst = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    ctx.tf(
        "dashboard.as_of",
        &[(
            "time",
            at.with_timezone(&cst)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
        )],
    )
}

/// The cards of deputies' suggestions and motions filed at the station.
fn suggestion_cards(ctx: &Ctx, c: &SuggestionCounts) -> Vec<Card> {
    vec![
        Card::new(
            ctx,
            "suggestions.c_filed",
            "suggestions.c_filed_def",
            c.filed.to_string(),
            "",
        ),
        Card::new(
            ctx,
            "suggestions.c_in_handling",
            "suggestions.c_in_handling_def",
            c.in_handling.to_string(),
            "",
        ),
        Card::new(
            ctx,
            "suggestions.c_replied",
            "suggestions.c_replied_def",
            c.replied.to_string(),
            "",
        ),
        Card::new(
            ctx,
            "suggestions.c_satisfaction",
            "suggestions.c_satisfaction_def",
            pct(ctx, c.satisfaction_rate.map(|r| r * 100.0)),
            "",
        ),
    ]
}

/// The cards of the legislative contact point at the station.
fn legislation_cards(ctx: &Ctx, c: &LegislationCounts) -> Vec<Card> {
    vec![
        Card::new(
            ctx,
            "legislation.c_drafts",
            "legislation.c_drafts_def",
            c.drafts.to_string(),
            "",
        ),
        Card::new(
            ctx,
            "legislation.c_comments",
            "legislation.c_comments_def",
            c.comments.to_string(),
            "",
        ),
        Card::new(
            ctx,
            "legislation.c_adopted",
            "legislation.c_adopted_def",
            c.adopted.to_string(),
            "",
        ),
    ]
}

fn station_panel_ctx(
    ctx: &Ctx,
    k: &Cockpit,
    sugg: &SuggestionCounts,
    laws: &LegislationCounts,
) -> Value {
    let label_ch = |s: &Slice| channel_name(ctx, &s.code);
    minijinja::context! {
        suggestion_cards => value(suggestion_cards(ctx, sugg)),
        legislation_cards => value(legislation_cards(ctx, laws)),
        cards => value(cards(ctx, &k.station.figures)),
        category_chart => progress_bars(ctx, &ctx.t("dashboard.by_category"), &k.by_category, |s| name(ctx, s)),
        channel_chart => received_bars(ctx, &ctx.t("dashboard.by_channel"), &k.by_channel, label_ch),
        org_chart => org_bars(ctx, &ctx.t("dashboard.by_organisation"), &k.by_organisation),
        month_chart => month_chart(ctx, &k.by_month),
        orgs => value(table(ctx, &k.by_organisation)),
        latest => value(latest_rows(ctx, &k.latest, &k.by_category, std::slice::from_ref(&k.station))),
        as_of => as_of(ctx, k.as_of),
        show_station => false,
        heads => value(heads(ctx)),
        notes => value(notes(ctx)),
    }
}

async fn station_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let station = station_for(&state, &ctx, &code).await?;
    let k = figures::cockpit(&state.db, station.id, state.clock.now()).await?;
    let brands = super::brand::sections_for(
        &state,
        &ctx,
        &station,
        None,
        Audience::Dashboard,
        super::brand::Door::Desk,
    )
    .await;
    let sugg = liaison_domain::suggestions::queries::counts(&state.db, Some(station.id)).await?;
    let laws = liaison_domain::legislation::counts(&state.db, Some(station.id)).await?;
    let panel = station_panel_ctx(&ctx, &k, &sugg, &laws);
    ctx.render_status(
        axum::http::StatusCode::OK,
        "cockpit/station.html",
        minijinja::context! {
            station => minijinja::context! { code => station.code.clone(), name => ctx.lang.pick(&station.name, &station.name_en) },
            brands => brands,
            ..panel
        },
    )
}

async fn station_panel(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let station = station_for(&state, &ctx, &code).await?;
    let k = figures::cockpit(&state.db, station.id, state.clock.now()).await?;
    let sugg = liaison_domain::suggestions::queries::counts(&state.db, Some(station.id)).await?;
    let laws = liaison_domain::legislation::counts(&state.db, Some(station.id)).await?;
    ctx.render_status(
        axum::http::StatusCode::OK,
        "cockpit/station_panel.html",
        station_panel_ctx(&ctx, &k, &sugg, &laws),
    )
}

async fn station_live(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let station = station_for(&state, &ctx, &code).await?;
    Ok(liaison_api::live::sse(&state.live, Some(station.id)).into_response())
}

/// A station's name without "人大代表联络站", short enough for the map and the bars.
fn short_name(ctx: &Ctx, s: &Slice) -> String {
    let n = name(ctx, s);
    for tail in ["人大代表联络总站", "人大代表联络站", " Station"] {
        if let Some(x) = n.strip_suffix(tail) {
            return if x.ends_with('区') {
                ctx.t("dashboard.head_short")
            } else {
                x.to_owned()
            };
        }
    }
    n
}

#[derive(Serialize)]
struct RankRow {
    rank: usize,
    name: String,
    reply_rate: String,
    satisfaction: String,
    open: i64,
}

/// Splits `rows` into pages of `n` for the panels that rotate.
fn pages<T>(rows: Vec<T>, n: usize) -> Vec<Vec<T>> {
    let mut out = Vec::new();
    let mut it = rows.into_iter().peekable();
    while it.peek().is_some() {
        out.push(it.by_ref().take(n).collect());
    }
    out
}

fn screen_panel_ctx(ctx: &Ctx, s: &Screen) -> Value {
    use kiosk::{Dot, Item, StationBar};
    let d = &s.district;
    let tile = |label: &str, def: &str, value: String, tone: &'static str| {
        Card::new(ctx, label, def, value, tone)
    };
    let late = d.overdue.unwrap_or(0);
    let tiles = vec![
        tile(
            "dashboard.received_today",
            "dashboard.def_received_today",
            s.received_today.to_string(),
            "",
        ),
        tile(
            "dashboard.received_month",
            "dashboard.def_received_month",
            s.received_this_month.to_string(),
            "",
        ),
        tile(
            "dashboard.open",
            "dashboard.def_open",
            d.open.to_string(),
            "",
        ),
        tile(
            "dashboard.overdue",
            "dashboard.def_overdue",
            count(ctx, d.overdue),
            if late > 0 { "warn" } else { "" },
        ),
        tile(
            "dashboard.sign_rate",
            "dashboard.def_sign_rate",
            pct(ctx, d.sign_on_time_rate),
            "",
        ),
        tile(
            "dashboard.reply_rate",
            "dashboard.def_reply_rate",
            pct(ctx, d.reply_on_time_rate),
            "",
        ),
        tile(
            "dashboard.satisfaction",
            "dashboard.def_satisfaction",
            pct(ctx, d.satisfaction_rate),
            "",
        ),
        tile(
            "dashboard.received_total",
            "dashboard.def_received",
            d.received.to_string(),
            "",
        ),
    ];
    let items: Vec<Item> = s
        .by_category
        .iter()
        .map(|c| Item {
            label: name(ctx, c),
            value: c.figures.received,
        })
        .collect();
    let ring = kiosk::ring(&ctx.t("dashboard.received"), &items, 528.0, 300.0);
    let labels: Vec<String> = s.by_month.iter().map(|p| p.month.clone()).collect();
    let (received, closed) = (
        ctx.t("dashboard.month_received"),
        ctx.t("dashboard.month_closed"),
    );
    let trend = kiosk::trend(
        &ctx.t("dashboard.by_month"),
        &labels,
        &[
            (
                &received,
                kiosk::CYAN,
                s.by_month.iter().map(|p| p.received).collect(),
            ),
            (
                &closed,
                kiosk::GREEN,
                s.by_month.iter().map(|p| p.closed).collect(),
            ),
        ],
        688.0,
        300.0,
    );
    let bars: Vec<StationBar> = s
        .stations
        .iter()
        .map(|x| StationBar {
            label: short_name(ctx, x),
            closed: x.figures.closed,
            open: x.figures.open,
            overdue: x.figures.overdue.unwrap_or(0),
        })
        .collect();
    let station_chart = kiosk::station_bars(
        &ctx.t("dashboard.by_station"),
        [
            &ctx.t("dashboard.part_closed"),
            &ctx.t("dashboard.part_open"),
            &ctx.t("dashboard.part_overdue"),
        ],
        &bars,
        528.0,
        300.0,
    );
    let dots: Vec<Dot> = s
        .places
        .iter()
        .filter_map(|p| {
            let st = s.stations.iter().find(|x| x.code == p.code)?;
            Some(Dot {
                label: short_name(ctx, st),
                lat: p.lat,
                lng: p.lng,
                open: st.figures.open,
                overdue: st.figures.overdue.unwrap_or(0),
            })
        })
        .collect();
    let map = kiosk::map(
        &ctx.t("dashboard.map"),
        &ctx.t("dashboard.map_legend"),
        &dots,
        688.0,
        300.0,
    );
    // The ranking: on-time replies first, then satisfaction; organisations without a base last.
    let mut orgs: Vec<&Slice> = s.by_organisation.iter().collect();
    let key = |r: Option<f64>| r.unwrap_or(-1.0);
    orgs.sort_by(|a, b| {
        key(b.figures.reply_on_time_rate)
            .total_cmp(&key(a.figures.reply_on_time_rate))
            .then(key(b.figures.satisfaction_rate).total_cmp(&key(a.figures.satisfaction_rate)))
            .then(b.figures.received.cmp(&a.figures.received))
    });
    let rank: Vec<RankRow> = orgs
        .into_iter()
        .enumerate()
        .map(|(i, o)| RankRow {
            rank: i + 1,
            name: name(ctx, o),
            reply_rate: pct(ctx, o.figures.reply_on_time_rate),
            satisfaction: pct(ctx, o.figures.satisfaction_rate),
            open: o.figures.open,
        })
        .collect();
    let short_stations: Vec<Slice> = s
        .stations
        .iter()
        .map(|x| Slice {
            name: short_name(ctx, x),
            name_en: short_name(ctx, x),
            ..x.clone()
        })
        .collect();
    let latest = latest_rows(ctx, &s.latest, &s.by_category, &short_stations);
    let v = Value::from_safe_string;
    minijinja::context! {
        tiles => value(tiles),
        ring => v(ring),
        trend => v(trend),
        station_chart => v(station_chart),
        map => v(map),
        rank_pages => value(pages(rank, 6)),
        latest_pages => value(pages(latest, 7)),
        as_of => as_of(ctx, s.as_of),
    }
}

/// The district's counts of deputies' suggestions and of the legislative contact point, as the
/// big screen's congress page shows them.
async fn screen_congress(state: &AppState, ctx: &Ctx) -> PageResult<Value> {
    let sugg = liaison_domain::suggestions::queries::counts(&state.db, None).await?;
    let laws = liaison_domain::legislation::counts(&state.db, None).await?;
    Ok(minijinja::context! {
        suggestion_cards => value(suggestion_cards(ctx, &sugg)),
        legislation_cards => value(legislation_cards(ctx, &laws)),
    })
}

/// Every station's brand boards for the dashboard, each titled with its station: the big
/// screen shows them in turn in its last panel.
async fn screen_brands(state: &AppState, ctx: &Ctx) -> PageResult<Vec<Value>> {
    let mut brands = Vec::new();
    for station in stations::all_by_id(&state.db).await? {
        for b in super::brand::sections_for(
            state,
            ctx,
            &station,
            None,
            Audience::Dashboard,
            super::brand::Door::Desk,
        )
        .await
        {
            brands.push(
                minijinja::context! { station => ctx.lang.pick(&station.name, &station.name_en), ..b },
            );
        }
    }
    Ok(brands)
}

/// The banner's title: the district's name is the head station's, without its suffix.
async fn kiosk_title(state: &AppState, ctx: &Ctx) -> String {
    let head = stations::all_by_id(&state.db)
        .await
        .ok()
        .and_then(|all| all.into_iter().find(|s| s.kind == "head"));
    let Some(head) = head else {
        return ctx.t("dashboard.kiosk_title_plain");
    };
    let district = match head.name.strip_suffix("人大代表联络总站") {
        Some(zh) if ctx.lang.code() == "zh" => zh.to_owned(),
        _ => head
            .name_en
            .split(" District")
            .next()
            .unwrap_or_default()
            .to_owned(),
    };
    ctx.tf("dashboard.kiosk_title", &[("district", district)])
}

async fn screen_page(State(state): State<AppState>, ctx: Ctx) -> PageResult<Response> {
    require_district(&ctx)?;
    let s = figures::screen(&state.db, state.clock.now()).await?;
    let cst = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    let local = s.as_of.with_timezone(&cst);
    let panel = screen_panel_ctx(&ctx, &s);
    let brands = screen_brands(&state, &ctx).await?;
    let congress = screen_congress(&state, &ctx).await?;
    ctx.render_status(
        axum::http::StatusCode::OK,
        "cockpit/screen.html",
        minijinja::context! {
            brands => brands,
            kiosk_title => kiosk_title(&state, &ctx).await,
            clock => local.format("%Y-%m-%d %H:%M:%S").to_string(),
            clock_iso => local.to_rfc3339(),
            ..minijinja::value::merge_maps([congress, panel])
        },
    )
}

async fn screen_panel(State(state): State<AppState>, ctx: Ctx) -> PageResult<Response> {
    require_district(&ctx)?;
    let s = figures::screen(&state.db, state.clock.now()).await?;
    let brands = screen_brands(&state, &ctx).await?;
    let congress = screen_congress(&state, &ctx).await?;
    ctx.render_status(
        axum::http::StatusCode::OK,
        "cockpit/screen_panel.html",
        minijinja::context! {
            brands => brands,
            ..minijinja::value::merge_maps([congress, screen_panel_ctx(&ctx, &s)])
        },
    )
}

async fn screen_live(State(state): State<AppState>, ctx: Ctx) -> PageResult<Response> {
    require_district(&ctx)?;
    Ok(liaison_api::live::sse(&state.live, None).into_response())
}
