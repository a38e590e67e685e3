//! Station visits for the people who work with them: the list within the visitor's scope (as
//! the API's), and for ops and the station's staff the form that records one.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Sent, download};
use crate::context::Ctx;
use crate::error::{PageError, PageResult};
use crate::form::{FormRefused, WebForm};
use crate::templates::value;
use liaison_api::AppState;
use liaison_domain::auth::{Actor, Scope};
use liaison_domain::oversight::exports::Format;
use liaison_domain::oversight::visits::{self, VisitFilter, VisitInput, VisitKind};
use liaison_domain::policy::{self, Permission};
use liaison_domain::{deputies, orgs, stations};

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    year: Option<i32>,
    format: Option<Format>,
}

#[derive(Serialize)]
struct Row {
    id: i64,
    day: String,
    station: String,
    kind: String,
    visitor: String,
    topics: String,
    opinions_count: i32,
    deputies: String,
}

#[derive(Serialize)]
pub(super) struct Choice {
    code: String,
    name: String,
}

type Choices = (Vec<Choice>, Vec<Choice>, Vec<Choice>);

/// The stations, organisations and deputies the recording form offers the caller.
pub(super) async fn choices(state: &AppState, ctx: &Ctx, actor: &Actor) -> PageResult<Choices> {
    // Ops record for any station; the station's own staff for theirs alone.
    let only = match policy::scope(actor) {
        Scope::All => None,
        Scope::Station(s) => Some(s),
        Scope::Organisation(_) | Scope::Nothing => Some(0),
    };
    let st: Vec<Choice> = stations::all_by_id(&state.db)
        .await?
        .into_iter()
        .filter(|s| only.is_none_or(|only| s.id == only))
        .map(|s| Choice {
            name: ctx.lang.pick(&s.name, &s.name_en).to_owned(),
            code: s.code,
        })
        .collect();
    let og: Vec<Choice> = orgs::by_code_order(&state.db)
        .await?
        .into_iter()
        .map(|o| Choice {
            code: o.code,
            name: o.name,
        })
        .collect();
    let dp: Vec<Choice> = deputies::by_code_order(&state.db, only)
        .await?
        .into_iter()
        .map(|d| Choice {
            code: d.code,
            name: d.name,
        })
        .collect();
    Ok((st, og, dp))
}

pub(super) fn kinds(ctx: &Ctx) -> Vec<Choice> {
    VisitKind::ALL
        .iter()
        .map(|k| Choice {
            code: k.as_str().to_owned(),
            name: ctx.t(&format!("visits.kind_{}", k.as_str())),
        })
        .collect()
}

pub(super) fn records(actor: &Actor) -> bool {
    policy::may(actor, Permission::KeepVisits)
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    year: Option<i32>,
    sent: Sent,
    status: StatusCode,
) -> PageResult<Response> {
    let filter = VisitFilter {
        year,
        ..Default::default()
    };
    let list = visits::list_for(&state.db, actor, &filter).await?;
    let rows: Vec<Row> = list
        .into_iter()
        .map(|v| Row {
            id: v.id,
            day: v.day.to_string(),
            station: v.station.name,
            kind: ctx.t(&format!("visits.kind_{}", v.kind.as_str())),
            visitor: v
                .organisation
                .map(|o| o.name)
                .or(v.leader_name)
                .unwrap_or_default(),
            topics: v.topics,
            opinions_count: v.opinions_count,
            deputies: v
                .deputies
                .iter()
                .map(|d| d.name.as_str())
                .collect::<Vec<_>>()
                .join("、"),
        })
        .collect();
    let can_record = records(actor);
    let (station_choices, org_choices, deputy_choices) = if can_record {
        choices(state, ctx, actor).await?
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    let kinds = kinds(ctx);
    let chosen: Vec<String> = sent
        .values
        .get("deputies")
        .map(|s| s.split(',').map(str::to_owned).collect())
        .unwrap_or_default();
    ctx.render_status(
        status,
        "oversight/visits.html",
        minijinja::context! {
            rows => value(rows),
            can_record => can_record,
            stations => value(station_choices),
            orgs => value(org_choices),
            deputies => value(deputy_choices),
            kinds => value(kinds),
            chosen => chosen,
            today => liaison_domain::cases::deadlines::local_today(state.clock.now()).to_string(),
            sent => value(sent),
        },
    )
}

pub async fn visits_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> PageResult<Response> {
    let actor = ctx.require_actor()?.clone();
    if q.format.is_some_and(|f| f != Format::Json) {
        let filter = VisitFilter {
            year: q.year,
            ..Default::default()
        };
        let list = visits::list_for(&state.db, &actor, &filter).await?;
        if let Some(d) = download(q.format, "visits", &visits::table(&list)) {
            return d;
        }
    }
    render(
        &state,
        &ctx,
        &actor,
        q.year,
        Sent::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let actor = ctx.require_actor()?.clone();
    if !records(&actor) {
        return Err(PageError::Forbidden);
    }
    let form = match form {
        Ok(f) => f,
        Err(FormRefused::Csrf(f)) => {
            let mut sent = Sent::from_form(&f);
            sent.form_error = Some(ctx.t("error.csrf"));
            return render(&state, &ctx, &actor, None, sent, StatusCode::FORBIDDEN).await;
        }
        Err(FormRefused::Controls { form, field }) => {
            let mut sent = Sent::from_form(&form);
            sent.refuse(&ctx, &crate::form::controls_refused(field));
            return render(
                &state,
                &ctx,
                &actor,
                None,
                sent,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(e) => return Ok(e.into_response()),
    };
    let mut sent = Sent::from_form(&form);
    let Some(input) = read_input(&ctx, &form, &mut sent) else {
        return render(
            &state,
            &ctx,
            &actor,
            None,
            sent,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    match visits::save(&state.db, &actor, None, &input, state.clock.now()).await {
        Ok(_) => Ok(ctx.redirect_with_flash("/visits", "visits.recorded")),
        Err(e) => {
            if sent.refuse(&ctx, &e) {
                render(
                    &state,
                    &ctx,
                    &actor,
                    None,
                    sent,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            } else {
                Err(e.into())
            }
        }
    }
}

/// The visit a form describes, or None with the refusal beside its field in `sent` (shared by
/// the record and correct forms).
pub(super) fn read_input(ctx: &Ctx, form: &WebForm, sent: &mut Sent) -> Option<VisitInput> {
    let deputy_codes: Vec<String> = form
        .fields
        .iter()
        .filter(|(k, _)| k == "deputies")
        .map(|(_, v)| v.clone())
        .collect();
    sent.values
        .insert("deputies".into(), deputy_codes.join(","));
    let Ok(day) = NaiveDate::parse_from_str(form.text("day").trim(), "%Y-%m-%d") else {
        sent.errors.insert("day".into(), ctx.t("errors.date"));
        return None;
    };
    let Some(kind) = VisitKind::parse(form.text("kind").trim()) else {
        sent.errors.insert("kind".into(), ctx.t("errors.choice"));
        return None;
    };
    let count_text = form.text("opinions_count");
    let opinions_count = if count_text.trim().is_empty() {
        0
    } else if let Ok(n) = count_text.trim().parse::<i32>() {
        n
    } else {
        sent.errors
            .insert("opinions_count".into(), ctx.t("errors.number"));
        return None;
    };
    let station = match form.get("station").map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s.to_owned(),
        None => ctx
            .home_station
            .as_ref()
            .map(|s| s.code.clone())
            .unwrap_or_default(),
    };
    Some(VisitInput {
        station,
        day,
        kind,
        organisation: form.get("organisation").map(str::to_owned),
        leader_name: form.get("leader_name").map(str::to_owned),
        topics: form.text("topics"),
        opinions_count,
        opinions: form.get("opinions").map(str::to_owned),
        deputies: deputy_codes,
    })
}
