//! The deputy's desk, for deputies: the cases of their station (the API's scope, through
//! `queries::list`), those addressed to them marked, each linking to the case page (where they
//! report back to the resident); their duty shifts at the station for the next 30 days; a form
//! recording a walk-in reception (`duty::record_reception`, the API's own path); and the
//! station's recent receptions, contact masked, each not yet a case with a form turning it into
//! one (`duty::reception_to_case`, the API's own path; a second conversion shows the 409
//! message). At its foot, the home station's brands show their deputy views; their forms post
//! to the desk's brand route (`brand::desk_act`) and a refused one is shown here again.

use crate::sent::Sent;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Duration;
use serde::Serialize;

use super::brand::Door;
use super::context::Ctx;
use super::error::{PageError, PageResult};
use super::form::{FormRefused, WebForm, field_message};
use super::resident::local_time;
use super::templates::value;
use liaison_api::AppState;
use liaison_domain::Error;
use liaison_domain::auth::Actor;
use liaison_domain::cases::queries::{self, CaseFilter};
use liaison_domain::duty::{self, NewReception, ReceptionCase};
use liaison_domain::policy::{self, Permission};
use liaison_domain::stations;
use liaison_host::manifest::Audience;

/// How far ahead the desk lists the deputy's shifts.
const SHIFT_DAYS: i64 = 30;
/// How many of the station's receptions the desk lists.
const RECENT_RECEPTIONS: u64 = 50;

#[derive(Serialize)]
struct CaseRow {
    id: i64,
    code: String,
    title: String,
    status: String,
    mine: bool,
    submitted_at: String,
}

#[derive(Serialize)]
struct ShiftRow {
    day: String,
    half: String,
    note: Option<String>,
}

#[derive(Serialize)]
struct ReceptionRow {
    id: i64,
    visitor_name: Option<String>,
    visitor_phone: Option<String>,
    summary: String,
    category: Option<String>,
    received_at: String,
    case_id: Option<i64>,
}

#[derive(Serialize)]
struct Choice {
    code: String,
    name: String,
}

/// A signed-in deputy with a home station, or 403 (sign-in first when not signed in).
fn deputy(ctx: &Ctx) -> PageResult<(Actor, i64)> {
    let actor = ctx.require_actor()?;
    policy::require(actor, Permission::ActAsDeputy)?;
    let station_id = actor.station_id.ok_or(PageError::Forbidden)?;
    Ok((actor.clone(), station_id))
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    station_id: i64,
    sent: Sent,
    brand_failed: Option<&crate::sent::Sent>,
    status: StatusCode,
) -> PageResult<Response> {
    let today = queries::today(state.clock.now());
    let station = stations::by_id(&state.db, station_id)
        .await?
        .ok_or(PageError::Forbidden)?;
    let dir = state.reference.directory(&state.db).await?;
    let filter = CaseFilter {
        station: None,
        status: None,
        category: None,
        organisation: None,
        overdue: None,
        supervision: None,
        text: None,
        tag: None,
        page: Some(1),
        per_page: Some(100),
    };
    let (rows, total, _, _) = queries::list(&state.db, actor, &filter, today).await?;
    let cases: Vec<CaseRow> = rows
        .into_iter()
        .map(|c| CaseRow {
            id: c.id,
            mine: actor.deputy_id.is_some() && c.deputy_id == actor.deputy_id,
            status: ctx.t(&format!("status.{}", c.status.as_str())),
            submitted_at: local_time(c.created_at),
            code: c.receipt_code,
            title: c.title,
        })
        .collect();
    let shift_rows = match actor.deputy_id {
        Some(deputy_id) => {
            let to = today + Duration::days(SHIFT_DAYS);
            duty::shifts_of_deputy_at(&state.db, station_id, deputy_id, today, to).await?
        }
        None => Vec::new(),
    };
    let shifts: Vec<ShiftRow> = shift_rows
        .into_iter()
        .map(|s| ShiftRow {
            day: s.day.to_string(),
            half: ctx.t(if s.half == "pm" {
                "deputy_desk.pm"
            } else {
                "deputy_desk.am"
            }),
            note: s.note,
        })
        .collect();
    let category_name = |id: i64| {
        dir.categories
            .get(&id)
            .map(|c| ctx.lang.pick(&c.name, &c.name_en).to_owned())
    };
    let receptions: Vec<ReceptionRow> =
        duty::recent_receptions(&state.db, station_id, RECENT_RECEPTIONS)
            .await?
            .into_iter()
            .map(|r| ReceptionRow {
                id: r.id,
                visitor_name: r
                    .visitor_name
                    .as_deref()
                    .map(liaison_domain::cases::contact::mask_name),
                visitor_phone: r
                    .visitor_phone
                    .as_deref()
                    .map(liaison_domain::cases::contact::mask_phone),
                summary: r.summary,
                category: r.category_id.and_then(category_name),
                received_at: local_time(r.received_at),
                case_id: r.case_id,
            })
            .collect();
    let mut cats: Vec<_> = dir.categories.values().filter(|c| c.active).collect();
    cats.sort_by_key(|c| (c.sort, c.id));
    let categories: Vec<Choice> = cats
        .into_iter()
        .map(|c| Choice {
            code: c.code.clone(),
            name: ctx.lang.pick(&c.name, &c.name_en).to_owned(),
        })
        .collect();
    let brands = super::brand::sections_for(
        state,
        ctx,
        &station,
        brand_failed,
        Audience::Deputy,
        Door::DeputyDesk,
    )
    .await;
    let suggestions = super::suggestions::desk_section(state, ctx, actor).await?;
    ctx.render_status(
        status,
        "deputy_desk.html",
        minijinja::context! {
            suggestions => suggestions,
            station => ctx.lang.pick(&station.name, &station.name_en),
            total => total,
            cases => value(cases),
            shifts => value(shifts),
            days => SHIFT_DAYS,
            receptions => value(receptions),
            categories => value(categories),
            sent => value(sent),
            brands => brands,
        },
    )
}

/// `GET /deputy`
pub async fn desk(State(state): State<AppState>, ctx: Ctx) -> PageResult<Response> {
    let (actor, station_id) = deputy(&ctx)?;
    render(
        &state,
        &ctx,
        &actor,
        station_id,
        Sent::default(),
        None,
        StatusCode::OK,
    )
    .await
}

/// Re-renders the desk after a brand form sent from it was refused (see `brand::desk_act`).
pub async fn with_brand_failure(
    state: &AppState,
    ctx: &Ctx,
    failed: crate::sent::Sent,
    status: StatusCode,
) -> PageResult<Response> {
    let (actor, station_id) = deputy(ctx)?;
    render(
        state,
        ctx,
        &actor,
        station_id,
        Sent::default(),
        Some(&failed),
        status,
    )
    .await
}

/// A form's optional field: `None` when left empty.
fn optional(f: &WebForm, name: &str) -> Option<String> {
    let v = f.text(name).trim().to_owned();
    (!v.is_empty()).then_some(v)
}

/// `POST /deputy/receptions`
pub async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let (actor, station_id) = deputy(&ctx)?;
    let (f, csrf_ok, controls) = match super::form::received(form) {
        Ok(r) => r,
        Err(answer) => return Ok(*answer),
    };
    let mut sent = Sent::new("reception", &f);
    if !csrf_ok {
        sent.form_error = Some(ctx.t("error.csrf"));
        return render(
            &state,
            &ctx,
            &actor,
            station_id,
            sent,
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let body = NewReception {
        visitor_name: optional(&f, "visitor_name"),
        visitor_phone: optional(&f, "visitor_phone"),
        summary: f.text("summary"),
        category: optional(&f, "category"),
        received_at: None,
    };
    let recorded = match controls {
        Some(field) => Err(super::form::controls_refused(field)),
        None => {
            duty::record_reception(&state.db, &actor, station_id, &body, state.clock.now()).await
        }
    };
    match recorded {
        Ok(_) => Ok(ctx.redirect_with_flash("/deputy", "flash.reception_recorded")),
        Err(Error::Invalid { field, kind }) => {
            sent.errors
                .insert(field.clone(), field_message(&ctx, &field, &kind));
            render(
                &state,
                &ctx,
                &actor,
                station_id,
                sent,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /deputy/receptions/{id}/case`
pub async fn to_case(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let (actor, station_id) = deputy(&ctx)?;
    let (f, csrf_ok, controls) = match super::form::received(form) {
        Ok(r) => r,
        Err(answer) => return Ok(*answer),
    };
    let mut sent = Sent::new(&format!("case-{id}"), &f);
    if !csrf_ok {
        sent.form_error = Some(ctx.t("error.csrf"));
        return render(
            &state,
            &ctx,
            &actor,
            station_id,
            sent,
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let body = ReceptionCase {
        category: optional(&f, "category"),
        ..Default::default()
    };
    let made = match controls {
        Some(field) => Err(super::form::controls_refused(field)),
        None => {
            duty::reception_to_case(&state.db, &actor, station_id, id, &body, state.clock.now())
                .await
        }
    };
    match made {
        Ok(created) => {
            Ok(ctx.redirect_with_flash(&format!("/cases/{}", created.id), "flash.reception_case"))
        }
        Err(Error::Invalid { field, kind }) => {
            sent.errors
                .insert(field.clone(), field_message(&ctx, &field, &kind));
            render(
                &state,
                &ctx,
                &actor,
                station_id,
                sent,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(Error::Conflict(_)) => {
            sent.form_error = Some(ctx.t("deputy_desk.already_case"));
            render(
                &state,
                &ctx,
                &actor,
                station_id,
                sent,
                None,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
