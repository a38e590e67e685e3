//! The appraisal ranking page and the residents' opinion form.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use serde::{Deserialize, Serialize};

use super::{Sent, download};
use crate::context::Ctx;
use crate::error::{PageError, PageResult};
use crate::form::{FormRefused, WebForm};
use crate::templates::value;
use liaison_api::AppState;
use liaison_domain::cases::deadlines::local_today;
use liaison_domain::orgs;
use liaison_domain::oversight::appraisal::{self, OpinionInput};
use liaison_domain::oversight::exports::Format;
use liaison_domain::policy::{self, Permission};

#[derive(Debug, Deserialize)]
pub struct YearQuery {
    year: Option<i32>,
    format: Option<Format>,
}

#[derive(Serialize)]
struct ItemCell {
    label: String,
    score: Option<f64>,
    weight: i32,
    sample: i64,
}

#[derive(Serialize)]
struct Row {
    rank: usize,
    code: String,
    name: String,
    total: Option<f64>,
    grade: Option<String>,
    grade_class: String,
    items: Vec<ItemCell>,
}

pub async fn ranking_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<YearQuery>,
) -> PageResult<Response> {
    let year = q
        .year
        .unwrap_or_else(|| local_today(state.clock.now()).year());
    let settings = appraisal::settings(&state.db, year).await?;
    let insider = appraisal::sees_unpublished(ctx.actor.as_ref());
    if !settings.published && !insider {
        return Ok(ctx
            .render(
                "oversight/appraisal.html",
                minijinja::context! { year => year, hidden => true },
            )?
            .into_response());
    }
    let r = appraisal::ranking(&state.db, year).await?;
    if let Some(d) = download(
        q.format,
        &format!("appraisal-{year}"),
        &appraisal::table(&r),
    ) {
        return d;
    }
    let rows: Vec<Row> = r
        .rows
        .iter()
        .map(|row| Row {
            rank: row.rank,
            code: row.organisation.code.clone(),
            name: row.organisation.name.clone(),
            total: row.total,
            grade: row
                .grade
                .map(|g| ctx.t(&format!("appraisal.grade_{}", g.as_str()))),
            grade_class: row.grade.map_or("none", |g| g.as_str()).to_owned(),
            items: row
                .items
                .iter()
                .map(|i| ItemCell {
                    label: ctx.t(&format!("appraisal.item_{}", i.item.as_str())),
                    score: i.score,
                    weight: i.weight,
                    sample: i.sample,
                })
                .collect(),
        })
        .collect();
    let headers: Vec<String> = liaison_domain::oversight::scoring::Item::ALL
        .iter()
        .map(|i| ctx.t(&format!("appraisal.item_{}", i.as_str())))
        .collect();
    let sees_opinions = ctx
        .actor
        .as_ref()
        .is_some_and(|a| policy::may(a, Permission::ReadDistrict));
    ctx.render(
        "oversight/appraisal.html",
        minijinja::context! {
            year => year,
            hidden => false,
            published => settings.published,
            min_sample => settings.min_sample,
            sees_opinions => sees_opinions,
            headers => headers,
            rows => value(rows),
        },
    )
    .map(IntoResponse::into_response)
}

async fn org_or_404(state: &AppState, code: &str) -> PageResult<orgs::Organisation> {
    orgs::by_code(&state.db, code)
        .await?
        .ok_or(PageError::NotFound)
}

fn render_opinion(
    ctx: &Ctx,
    org: &orgs::Organisation,
    sent: Sent,
    status: StatusCode,
) -> PageResult<Response> {
    ctx.render_status(
        status,
        "oversight/opinion.html",
        minijinja::context! {
            org => ctx.org_name(org),
            code => org.code.clone(),
            sent => value(sent),
            max => appraisal::MAX_OPINION,
        },
    )
}

pub async fn opinion_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let org = org_or_404(&state, &code).await?;
    render_opinion(&ctx, &org, Sent::default(), StatusCode::OK)
}

pub async fn opinion_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let org = org_or_404(&state, &code).await?;
    let form = match form {
        Ok(f) => f,
        Err(FormRefused::Csrf(f)) => {
            let mut sent = Sent::from_form(&f);
            sent.form_error = Some(ctx.t("error.csrf"));
            return render_opinion(&ctx, &org, sent, StatusCode::FORBIDDEN);
        }
        Err(FormRefused::Controls { form, field }) => {
            let mut sent = Sent::from_form(&form);
            sent.refuse(&ctx, &crate::form::controls_refused(field));
            return render_opinion(&ctx, &org, sent, StatusCode::UNPROCESSABLE_ENTITY);
        }
        Err(e) => return Ok(e.into_response()),
    };
    let input = OpinionInput {
        body: form.text("body"),
        name: form.get("name").map(str::to_owned),
        phone: form.get("phone").map(str::to_owned),
    };
    match appraisal::add_opinion(&state.db, &org.code, &input, state.clock.now()).await {
        Ok(_) => Ok(ctx.redirect_with_flash(
            &format!("/appraisal/{}/opinion", org.code),
            "appraisal.opinion_thanks",
        )),
        Err(e) => {
            let mut sent = Sent::from_form(&form);
            if sent.refuse(&ctx, &e) {
                render_opinion(&ctx, &org, sent, StatusCode::UNPROCESSABLE_ENTITY)
            } else {
                Err(e.into())
            }
        }
    }
}
