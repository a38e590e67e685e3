//! The chosen livelihood projects for residents, and their proposal form.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::{Sent, download};
use crate::context::Ctx;
use crate::error::PageResult;
use crate::form::{FormRefused, WebForm};
use crate::templates::value;
use liaison_api::AppState;
use liaison_domain::oversight::exports::Format;
use liaison_domain::oversight::projects::{self, ProposalInput};
use liaison_domain::policy::{self, Permission};
use liaison_domain::stations;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    year: Option<i32>,
    format: Option<Format>,
}

#[derive(Serialize)]
struct Milestone {
    title: String,
    due: Option<String>,
    done: bool,
}

#[derive(Serialize)]
struct Project {
    id: i64,
    year: i32,
    title: String,
    description: String,
    station: Option<String>,
    votes: i32,
    progress: i32,
    milestones: Vec<Milestone>,
}

pub async fn projects_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> PageResult<Response> {
    let rows = projects::chosen(&state.db, q.year).await?;
    if let Some(d) = download(q.format, "projects", &projects::table(&rows)) {
        return d;
    }
    let list: Vec<Project> = rows
        .into_iter()
        .map(|p| Project {
            id: p.id,
            year: p.year,
            title: p.title,
            description: p.description,
            station: p.station.map(|s| s.name),
            votes: p.votes.unwrap_or(0),
            progress: p.progress,
            milestones: p
                .milestones
                .into_iter()
                .map(|m| Milestone {
                    title: m.title,
                    due: m.due.map(|d| d.to_string()),
                    done: m.done,
                })
                .collect(),
        })
        .collect();
    ctx.render(
        "oversight/projects.html",
        minijinja::context! {
            projects => value(list),
            is_ops => ctx.actor.as_ref().is_some_and(|a| policy::may(a, Permission::AdministerDistrict)),
        },
    )
    .map(IntoResponse::into_response)
}

#[derive(Serialize)]
struct Choice {
    code: String,
    name: String,
}

async fn render_form(
    state: &AppState,
    ctx: &Ctx,
    sent: Sent,
    status: StatusCode,
) -> PageResult<Response> {
    let stations: Vec<Choice> = stations::all_by_id(&state.db)
        .await?
        .into_iter()
        .map(|s| Choice {
            name: ctx.lang.pick(&s.name, &s.name_en).to_owned(),
            code: s.code,
        })
        .collect();
    ctx.render_status(
        status,
        "oversight/propose.html",
        minijinja::context! { sent => value(sent), stations => value(stations) },
    )
}

pub async fn propose_page(State(state): State<AppState>, ctx: Ctx) -> PageResult<Response> {
    render_form(&state, &ctx, Sent::default(), StatusCode::OK).await
}

/// A resident's proposal (the page is for residents: signed in or not, it carries no account).
pub async fn propose_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let form = match form {
        Ok(f) => f,
        Err(FormRefused::Csrf(f)) => {
            let mut sent = Sent::from_form(&f);
            sent.form_error = Some(ctx.t("error.csrf"));
            return render_form(&state, &ctx, sent, StatusCode::FORBIDDEN).await;
        }
        Err(FormRefused::Controls { form, field }) => {
            let mut sent = Sent::from_form(&form);
            sent.refuse(&ctx, &crate::form::controls_refused(field));
            return render_form(&state, &ctx, sent, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => return Ok(e.into_response()),
    };
    let input = ProposalInput {
        title: form.text("title"),
        description: form.text("description"),
        station: form.get("station").map(str::to_owned),
        name: form.get("name").map(str::to_owned),
        phone: form.get("phone").map(str::to_owned),
    };
    match projects::propose_candidate(&state.db, None, &input, state.clock.now()).await {
        Ok(_) => Ok(ctx.redirect_with_flash("/projects", "projects.thanks")),
        Err(e) => {
            let mut sent = Sent::from_form(&form);
            if sent.refuse(&ctx, &e) {
                render_form(&state, &ctx, sent, StatusCode::UNPROCESSABLE_ENTITY).await
            } else {
                Err(e.into())
            }
        }
    }
}
