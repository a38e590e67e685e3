//! One chosen livelihood project at work, for ops: add a milestone, mark one done or not, set
//! the progress — each its own small form on `/projects/{id}/manage`, through the API's
//! functions in `oversight::projects`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Serialize;

use super::Sent;
use crate::context::Ctx;
use crate::error::{PageError, PageResult};
use crate::form::{FormRefused, WebForm};
use crate::templates::value;
use liaison_api::AppState;
use liaison_domain::auth::Actor;
use liaison_domain::oversight::projects::{self, CandidateOut, MilestoneInput};
use liaison_domain::policy::{self, Permission};

#[derive(Serialize)]
struct Milestone {
    id: i64,
    title: String,
    due: Option<String>,
    done: bool,
}

fn ops(ctx: &Ctx) -> PageResult<Actor> {
    let a = ctx.require_actor()?;
    policy::require(a, Permission::AdministerDistrict)?;
    Ok(a.clone())
}

async fn project(state: &AppState, id: i64) -> PageResult<CandidateOut> {
    projects::chosen(&state.db, None)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or(PageError::NotFound)
}

fn render(ctx: &Ctx, p: CandidateOut, mut sent: Sent, status: StatusCode) -> PageResult<Response> {
    sent.values
        .entry("progress".into())
        .or_insert_with(|| p.progress.to_string());
    let milestones: Vec<Milestone> = p
        .milestones
        .into_iter()
        .map(|m| Milestone {
            id: m.id,
            title: m.title,
            due: m.due.map(|d| d.to_string()),
            done: m.done,
        })
        .collect();
    ctx.render_status(
        status,
        "oversight/milestones.html",
        minijinja::context! {
            id => p.id,
            title => p.title,
            progress => p.progress,
            milestones => value(milestones),
            sent => value(sent),
        },
    )
}

pub async fn manage_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    ops(&ctx)?;
    let p = project(&state, id).await?;
    render(&ctx, p, Sent::default(), StatusCode::OK)
}

/// One of the three forms, told apart by `action`.
pub async fn manage_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let actor = ops(&ctx)?;
    let p = project(&state, id).await?;
    let form = match form {
        Ok(f) => f,
        Err(FormRefused::Csrf(f)) => {
            let mut sent = Sent::from_form(&f);
            sent.form_error = Some(ctx.t("error.csrf"));
            return render(&ctx, p, sent, StatusCode::FORBIDDEN);
        }
        Err(FormRefused::Controls { form, field }) => {
            let mut sent = Sent::from_form(&form);
            sent.refuse(&ctx, &crate::form::controls_refused(field));
            return render(&ctx, p, sent, StatusCode::UNPROCESSABLE_ENTITY);
        }
        Err(e) => return Ok(e.into_response()),
    };
    let mut sent = Sent::from_form(&form);
    let back = format!("/projects/{id}/manage");
    let result = match form.text("action").as_str() {
        "milestone" => {
            let due_text = form.text("due");
            let due = match due_text.trim() {
                "" => Ok(None),
                t => NaiveDate::parse_from_str(t, "%Y-%m-%d").map(Some),
            };
            match due {
                Ok(due) => Some(
                    projects::milestone(
                        &state.db,
                        &actor,
                        id,
                        &MilestoneInput {
                            title: form.text("title"),
                            due,
                        },
                    )
                    .await,
                ),
                Err(_) => {
                    sent.errors.insert("due".into(), ctx.t("errors.date"));
                    None
                }
            }
        }
        "mark" => {
            let Ok(m) = form.text("milestone").trim().parse::<i64>() else {
                return Err(PageError::NotFound);
            };
            let done = form.get("done") == Some("true");
            Some(projects::mark(&state.db, &actor, id, m, done, state.clock.now()).await)
        }
        "progress" => match form.text("progress").trim().parse::<i32>() {
            Ok(n) => Some(projects::progress(&state.db, &actor, id, n).await),
            Err(_) => {
                sent.errors
                    .insert("progress".into(), ctx.t("errors.number"));
                None
            }
        },
        _ => {
            sent.form_error = Some(ctx.t("errors.choice"));
            None
        }
    };
    match result {
        Some(Ok(_)) => Ok(ctx.redirect_with_flash(&back, "projects.manage_saved")),
        Some(Err(e)) => {
            if sent.refuse(&ctx, &e) {
                render(&ctx, p, sent, StatusCode::UNPROCESSABLE_ENTITY)
            } else {
                Err(e.into())
            }
        }
        None => render(&ctx, p, sent, StatusCode::UNPROCESSABLE_ENTITY),
    }
}
