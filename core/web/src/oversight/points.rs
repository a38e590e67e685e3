//! Duty points as a page: a deputy sees their own points and ledger; a station's staff the
//! table of its deputies; ops and viewers the district's (the API's `points_routes` rule).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use serde::{Deserialize, Serialize};

use super::download;
use crate::context::Ctx;
use crate::error::PageResult;
use crate::form::WebForm;
use crate::templates::value;
use liaison_api::AppState;
use liaison_domain::cases::deadlines::local_today;
use liaison_domain::oversight::exports::Format;
use liaison_domain::oversight::points::Rule;
use liaison_domain::oversight::points_table::{self, PointsFilter};
use liaison_domain::policy::{self, Permission};

#[derive(Debug, Deserialize)]
pub struct PointsQuery {
    year: Option<i32>,
    format: Option<Format>,
}

#[derive(Serialize)]
struct Row {
    code: String,
    name: String,
    station: String,
    counted: Vec<i64>,
    total: i64,
}

#[derive(Serialize)]
struct Entry {
    day: String,
    rule: String,
    source: String,
    points: i32,
}

#[derive(Serialize)]
struct RuleRow {
    name: String,
    points: i32,
    cap: Option<i32>,
}

pub async fn points_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PointsQuery>,
) -> PageResult<Response> {
    let actor = ctx.require_actor()?.clone();
    policy::require(&actor, Permission::ReadPoints)?;
    let year = q
        .year
        .unwrap_or_else(|| local_today(state.clock.now()).year());
    let filter = PointsFilter::default();
    let (rows, rules) = points_table::table_for(&state.db, &actor, year, &filter).await?;
    // A deputy sees their own ledger; everyone else the table of the deputies in sight.
    let own = policy::may(&actor, Permission::ActAsDeputy);
    if own {
        let ledger = points_table::ledger_for(&state.db, &actor, year, &filter).await?;
        if let Some(d) = download(
            q.format,
            &format!("points-ledger-{year}"),
            &points_table::ledger_export(&ledger),
        ) {
            return d;
        }
        let entries: Vec<Entry> = ledger
            .into_iter()
            .rev()
            .map(|e| Entry {
                day: local_today(e.at).to_string(),
                rule: ctx.t(&format!("points.rule_{}", e.rule.as_str())),
                source: ctx.t(&format!("points.source_{}", e.source_kind)),
                points: e.points,
            })
            .collect();
        return render(&ctx, year, own, false, rows, rules, entries);
    }
    if let Some(d) = download(
        q.format,
        &format!("points-{year}"),
        &points_table::table_export(&rows),
    ) {
        return d;
    }
    render(
        &ctx,
        year,
        own,
        policy::may(&actor, Permission::AdministerDistrict),
        rows,
        rules,
        Vec::new(),
    )
}

#[derive(Debug, Deserialize)]
pub struct RebuildQuery {
    year: Option<i32>,
}

/// Ops re-derive the year's ledger from every source (relayed cases and on-time feedback come
/// in this way).
pub async fn rebuild(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RebuildQuery>,
    _form: WebForm,
) -> PageResult<Response> {
    let actor = ctx.require_actor()?;
    policy::require(actor, Permission::AdministerDistrict)?;
    let now = state.clock.now();
    let year = q.year.unwrap_or_else(|| local_today(now).year());
    liaison_domain::oversight::appraisal::check_year(year)?;
    liaison_domain::oversight::points::rebuild_year(&state.db, year, now).await?;
    Ok(ctx.redirect_with_flash(&format!("/points?year={year}"), "points.rebuilt"))
}

fn render(
    ctx: &Ctx,
    year: i32,
    own: bool,
    can_rebuild: bool,
    rows: Vec<points_table::DeputyRow>,
    rules: std::collections::BTreeMap<Rule, liaison_domain::oversight::points::RuleSetting>,
    entries: Vec<Entry>,
) -> PageResult<Response> {
    let headers: Vec<String> = Rule::ALL
        .iter()
        .map(|r| ctx.t(&format!("points.rule_{}", r.as_str())))
        .collect();
    let rule_rows: Vec<RuleRow> = rules
        .values()
        .map(|r| RuleRow {
            name: ctx.t(&format!("points.rule_{}", r.rule.as_str())),
            points: r.points,
            cap: r.cap,
        })
        .collect();
    let table: Vec<Row> = rows
        .into_iter()
        .map(|r| Row {
            code: r.deputy.code,
            name: r.deputy.name,
            station: r.station.name,
            counted: r.rules.iter().map(|t| t.counted).collect(),
            total: r.total,
        })
        .collect();
    ctx.render(
        "oversight/points.html",
        minijinja::context! {
            year => year,
            own => own,
            can_rebuild => can_rebuild,
            headers => headers,
            rules => value(rule_rows),
            rows => value(table),
            entries => value(entries),
        },
    )
    .map(IntoResponse::into_response)
}
