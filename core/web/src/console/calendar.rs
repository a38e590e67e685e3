//! Console: the working-day calendar, a year at a time. Holidays that fall on weekdays and
//! make-up working days (调休) that fall on weekends are rows ops add and remove; deadlines are
//! counted on them from the next action on.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::kit::{self, Cell, Field, FormSpec, ListPage, Row, Sent, Taken};
use crate::context::Ctx;
use crate::error::{PageError, PageResult};
use crate::form::{FormRefused, WebForm};
use liaison_api::AppState;
use liaison_domain::calendar::{self, DayKind};

const NEW: &str = "new-day";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct YearQuery {
    year: String,
}

fn year_of(state: &AppState, q: &str) -> i32 {
    q.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(|| liaison_domain::cases::queries::today(state.clock.now()).year())
}

fn kind_label(ctx: &Ctx, kind: &str) -> String {
    ctx.t(&format!("console.day_{kind}"))
}

async fn page(state: &AppState, ctx: &Ctx, year: i32, sent: Option<Sent>) -> PageResult<Response> {
    let rows = calendar::days(&state.db, None).await?;
    let mut p = ListPage::new(ctx, "console.calendar");
    p.heading = ctx.tf("console.calendar_year", &[("year", year.to_string())]);
    p.intro = Some(ctx.t("console.calendar_intro"));
    p.filter = Some(
        FormSpec::get("year-filter", "/console/calendar", ctx.t("console.show")).field(
            Field::text(ctx, "year", 4)
                .kind("number")
                .value(year.to_string()),
        ),
    );
    p.columns = ["f_day", "f_weekday", "f_day_kind", "f_day_name"]
        .iter()
        .map(|k| ctx.t(&format!("console.{k}")))
        .collect();
    p.rows = rows
        .into_iter()
        .filter(|r| r.day.year() == year)
        .map(|r| {
            let day = r.day.to_string();
            Row {
                id: format!("day-{day}"),
                cells: vec![
                    Cell::text(day.clone()),
                    Cell::text(ctx.t(&format!(
                        "console.weekday_{}",
                        r.day.weekday().num_days_from_monday()
                    ))),
                    Cell::text(kind_label(ctx, &r.kind)),
                    Cell::text(r.name.clone()),
                ],
                links: Vec::new(),
                buttons: vec![
                    FormSpec::post(
                        &format!("remove-{day}"),
                        format!("/console/calendar/{day}/remove"),
                        ctx.t("console.remove"),
                    )
                    .danger(),
                ],
            }
        })
        .collect();
    p.forms.push(
        FormSpec::post(NEW, "/console/calendar", ctx.t("console.add"))
            .title(ctx.t("console.day_new"))
            .field(Field::text(ctx, "day", 10).kind("date").required())
            .field(
                Field::new("kind", ctx.t("console.f_day_kind"), "select")
                    .required()
                    .value("holiday")
                    .options(
                        ["holiday", "workday"]
                            .iter()
                            .map(|k| (k.to_string(), kind_label(ctx, k)))
                            .collect(),
                    ),
            )
            .field(Field::text(ctx, "day_name", 50).required())
            .again(sent.as_ref()),
    );
    p.render(ctx, kit::status_of(sent.as_ref()))
}

/// `GET /console/calendar?year=`
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<YearQuery>,
) -> PageResult<Response> {
    kit::ops(&ctx)?;
    let year = year_of(&state, &q.year);
    page(&state, &ctx, year, None).await
}

/// `POST /console/calendar`: marks a day (replacing what it was).
pub async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    kit::ops(&ctx)?;
    let f = match kit::take(&ctx, NEW, form) {
        Taken::Form(f) => f,
        Taken::Again(s) => {
            let year = year_of(&state, s.get("day").get(..4).unwrap_or_default());
            return page(&state, &ctx, year, Some(s)).await;
        }
        Taken::Answer(r) => return Ok(r),
    };
    let mut sent = Sent::new(NEW, &f);
    let day = NaiveDate::parse_from_str(f.text("day").trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| (2000..=2100).contains(&d.year()));
    if day.is_none() {
        sent.errors.insert("day".into(), ctx.t("errors.date"));
    }
    let kind = DayKind::parse(&f.text("kind"));
    if kind.is_none() {
        sent.errors.insert("kind".into(), ctx.t("errors.choice"));
    }
    let (Some(day), Some(kind)) = (day, kind) else {
        let year = year_of(&state, f.text("day").get(..4).unwrap_or_default());
        return page(&state, &ctx, year, Some(sent)).await;
    };
    match calendar::put_day(&state.db, day, kind, &f.text("day_name")).await {
        Ok(_) => Ok(ctx.redirect_with_flash(
            &format!("/console/calendar?year={}", day.year()),
            "console.flash_saved",
        )),
        Err(e) => {
            let sent = kit::refused(&ctx, sent, e, "day", &[("name", "day_name")])?;
            page(&state, &ctx, day.year(), Some(sent)).await
        }
    }
}

/// `POST /console/calendar/{day}/remove`: the day follows the weekday rule again.
pub async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(day): Path<String>,
    _form: WebForm,
) -> PageResult<Response> {
    kit::ops(&ctx)?;
    let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|_| PageError::NotFound)?;
    if !calendar::remove_day(&state.db, day).await? {
        return Err(PageError::NotFound);
    }
    Ok(ctx.redirect_with_flash(
        &format!("/console/calendar?year={}", day.year()),
        "console.flash_removed",
    ))
}
