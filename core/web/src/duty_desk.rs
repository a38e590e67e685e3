//! The station's duty roster on the staff desk (`/desk/{code}/duty`): the next two weeks'
//! shifts, a form to put one of the station's deputies on duty for a half-day, and a button to
//! cancel a shift. It is the one source the station page, the wall screen and the brands read
//! for who sits today. Who may change it is the domain's rule (the station's staff and ops);
//! a refusal comes back beside its field.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;

use crate::console::kit::{self, Cell, Field, FormSpec, ListPage, Row, Sent, Taken};
use crate::context::Ctx;
use crate::error::PageResult;
use crate::form::{FormRefused, WebForm};
use liaison_api::AppState;
use liaison_domain::Error;
use liaison_domain::cases::queries;
use liaison_domain::deputies;
use liaison_domain::duty::Half;
use liaison_domain::duty::roster::{self, NewShift};
use liaison_domain::error::{FieldKind, FormatKind};
use liaison_domain::policy::{self, Permission};
use liaison_domain::stations::{self, Station};

const ADD: &str = "duty-add";
/// Days the page shows, today included.
const DAYS: i64 = 14;

/// The station, when the visitor may change its roster (else the 403 or sign-in page).
async fn station_for(state: &AppState, ctx: &Ctx, code: &str) -> PageResult<Station> {
    let actor = ctx.require_actor()?;
    let s = stations::by_code(&state.db, code).await?;
    policy::require(actor, Permission::AdministerStation(s.id))?;
    Ok(s)
}

fn half_label(ctx: &Ctx, h: Half) -> String {
    ctx.t(&format!("station.{}", h.as_str()))
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    s: &Station,
    sent: Option<Sent>,
) -> PageResult<Response> {
    let today = queries::today(state.clock.now());
    let shifts = roster::between(
        &state.db,
        s.id,
        today,
        today + chrono::Duration::days(DAYS - 1),
    )
    .await?;
    let name = ctx.lang.pick(&s.name, &s.name_en).to_owned();
    let mut p = ListPage::new(ctx, "duty_desk.link");
    p.heading = ctx.tf("duty_desk.title", &[("station", name)]);
    p.intro = Some(ctx.tf("duty_desk.intro", &[("days", DAYS.to_string())]));
    p.empty = ctx.t("duty_desk.empty");
    p.back = Some(Cell::link(
        ctx.t("duty_desk.back"),
        format!("/desk/{}", s.code),
    ));
    p.columns = ["col_day", "col_half", "col_deputy", "col_note"]
        .iter()
        .map(|k| ctx.t(&format!("duty_desk.{k}")))
        .collect();
    p.rows = shifts
        .into_iter()
        .map(|sh| Row {
            id: format!("shift-{}", sh.id),
            cells: vec![
                Cell::text(sh.day.to_string()),
                Cell::text(half_label(ctx, sh.half)),
                Cell::text(sh.deputy.name),
                Cell::text(sh.note.unwrap_or_default()),
            ],
            links: Vec::new(),
            buttons: vec![
                FormSpec::post(
                    &format!("remove-{}", sh.id),
                    format!("/desk/{}/duty/{}/remove", s.code, sh.id),
                    ctx.t("duty_desk.remove"),
                )
                .danger(),
            ],
        })
        .collect();
    let serving = deputies::serving_at(&state.db, s.id).await?;
    let form = FormSpec::post(
        ADD,
        format!("/desk/{}/duty", s.code),
        ctx.t("duty_desk.add"),
    )
    .title(ctx.t("duty_desk.add_title"))
    .field(
        Field::new("day", ctx.t("duty_desk.f_day"), "date")
            .required()
            .value(today.to_string()),
    )
    .field(
        Field::new("half", ctx.t("duty_desk.f_half"), "select")
            .required()
            .options(
                [Half::Am, Half::Pm]
                    .into_iter()
                    .map(|h| (h.as_str().to_owned(), half_label(ctx, h)))
                    .collect(),
            ),
    )
    .field(
        Field::new("deputy", ctx.t("duty_desk.f_deputy"), "select")
            .required()
            .options(serving.into_iter().map(|d| (d.code, d.name)).collect()),
    )
    .field({
        // Labelled here: the console's own label for "note" does not exist.
        let mut note = Field::new("note", ctx.t("duty_desk.f_note"), "text");
        note.max = 200;
        note
    })
    .again(sent.as_ref());
    p.forms.push(form);
    p.render(ctx, kit::status_of(sent.as_ref()))
}

/// `GET /desk/{code}/duty`
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let s = station_for(&state, &ctx, &code).await?;
    page(&state, &ctx, &s, None).await
}

/// `POST /desk/{code}/duty`
pub async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let s = station_for(&state, &ctx, &code).await?;
    let f = match kit::take(&ctx, ADD, form) {
        Taken::Form(f) => f,
        Taken::Again(sent) => return page(&state, &ctx, &s, Some(sent)).await,
        Taken::Answer(r) => return Ok(r),
    };
    let mut sent = Sent::new(ADD, &f);
    // A day as the date picker sends it, in the years the roster takes (as the API's).
    let day = NaiveDate::parse_from_str(f.text("day").trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| (2000..=2100).contains(&chrono::Datelike::year(d)));
    if day.is_none() {
        let kind = FieldKind::Format(FormatKind::Date);
        sent.errors
            .insert("day".into(), kit::explain_field(&ctx, "day", &kind));
    }
    let half = match f.text("half").as_str() {
        "am" => Some(Half::Am),
        "pm" => Some(Half::Pm),
        _ => {
            sent.errors.insert("half".into(), ctx.t("errors.choice"));
            None
        }
    };
    let deputy = f.text("deputy");
    if deputy.trim().is_empty() {
        sent.errors.insert("deputy".into(), ctx.t("errors.choice"));
    }
    let (Some(day), Some(half), false) = (day, half, deputy.trim().is_empty()) else {
        return page(&state, &ctx, &s, Some(sent)).await;
    };
    let note = f.text("note");
    let body = NewShift {
        deputy,
        day,
        half,
        note: Some(note),
    };
    let actor = ctx.require_actor()?;
    let today = queries::today(state.clock.now());
    match roster::add(&state.db, actor, s.id, &body, today).await {
        Ok(_) => {
            Ok(ctx.redirect_with_flash(&format!("/desk/{}/duty", s.code), "duty_desk.flash_added"))
        }
        Err(Error::Conflict(_)) => {
            sent.errors
                .insert("deputy".into(), ctx.t("duty_desk.err_taken"));
            sent.status = StatusCode::CONFLICT;
            page(&state, &ctx, &s, Some(sent)).await
        }
        Err(e) => {
            let sent = kit::refused(&ctx, sent, e, "deputy", &[])?;
            page(&state, &ctx, &s, Some(sent)).await
        }
    }
}

/// `POST /desk/{code}/duty/{id}/remove`
pub async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, id)): Path<(String, i64)>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let s = station_for(&state, &ctx, &code).await?;
    match kit::take(&ctx, &format!("remove-{id}"), form) {
        Taken::Form(_) => {}
        Taken::Again(sent) => return page(&state, &ctx, &s, Some(sent)).await,
        Taken::Answer(r) => return Ok(r),
    }
    let actor = ctx.require_actor()?;
    roster::remove(&state.db, actor, s.id, id).await?;
    Ok(ctx.redirect_with_flash(&format!("/desk/{}/duty", s.code), "duty_desk.flash_removed"))
}
