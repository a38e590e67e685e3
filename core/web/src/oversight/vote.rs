//! The livelihood projects' vote in the app: deputies see the open rounds and cast their one
//! ballot; ops see the same rounds and close them. Through `oversight::projects`, as the API.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::Sent;
use crate::context::Ctx;
use crate::error::{PageError, PageResult};
use crate::form::{FormRefused, WebForm};
use crate::templates::value;
use liaison_api::AppState;
use liaison_domain::Error;
use liaison_domain::auth::Actor;
use liaison_domain::oversight::projects::{self, BallotInput};
use liaison_domain::policy::{Permission, may};

#[derive(Serialize)]
struct Candidate {
    id: i64,
    title: String,
    description: String,
    station: Option<String>,
}

#[derive(Serialize)]
struct Round {
    id: i64,
    title: String,
    places: i32,
    voters: i64,
    voted: bool,
    candidates: Vec<Candidate>,
}

pub(super) fn who(ctx: &Ctx) -> PageResult<Actor> {
    let a = ctx.require_actor()?;
    if may(a, Permission::AdministerDistrict) || may(a, Permission::Vote) {
        Ok(a.clone())
    } else {
        Err(PageError::Forbidden)
    }
}

pub(super) async fn render(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    sent: Sent,
    status: StatusCode,
) -> PageResult<Response> {
    let mut rounds = Vec::new();
    for v in projects::open_rounds(&state.db, Some(actor)).await? {
        rounds.push(Round {
            id: v.id,
            title: v.title,
            places: v.places,
            voters: v.voters,
            voted: v.voted,
            candidates: v
                .candidates
                .into_iter()
                .map(|c| Candidate {
                    id: c.id,
                    title: c.title,
                    description: c.description,
                    station: c.station.map(|s| s.name),
                })
                .collect(),
        });
    }
    // Ops pick a new round's candidates among those not yet put to a vote.
    let is_ops = may(actor, Permission::AdministerDistrict);
    let pool: Vec<Candidate> = if is_ops {
        projects::unpicked_candidates(&state.db, 500)
            .await?
            .into_iter()
            .map(|c| Candidate {
                id: c.id,
                title: c.title,
                description: c.description,
                station: None,
            })
            .collect()
    } else {
        Vec::new()
    };
    let picked: Vec<String> = sent
        .values
        .get("candidates")
        .map(|s| s.split(',').map(str::to_owned).collect())
        .unwrap_or_default();
    ctx.render_status(
        status,
        "oversight/vote.html",
        minijinja::context! {
            pool => value(pool),
            picked => picked,
            rounds => value(rounds),
            is_ops => is_ops,
            sent => value(sent),
        },
    )
}

pub async fn vote_page(State(state): State<AppState>, ctx: Ctx) -> PageResult<Response> {
    let actor = who(&ctx)?;
    render(&state, &ctx, &actor, Sent::default(), StatusCode::OK).await
}

/// A deputy's ballot, or ops closing the round (`close` in the form).
pub async fn vote_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(round): Path<i64>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let actor = who(&ctx)?;
    let form = match form {
        Ok(f) => f,
        Err(FormRefused::Csrf(f)) => {
            let mut sent = Sent::from_form(&f);
            sent.form_error = Some(ctx.t("error.csrf"));
            return render(&state, &ctx, &actor, sent, StatusCode::FORBIDDEN).await;
        }
        Err(FormRefused::Controls { form, field }) => {
            let mut sent = Sent::from_form(&form);
            sent.refuse(&ctx, &crate::form::controls_refused(field));
            return render(&state, &ctx, &actor, sent, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => return Ok(e.into_response()),
    };
    let now = state.clock.now();
    if may(&actor, Permission::AdministerDistrict) {
        projects::close(&state.db, &actor, round, now).await?;
        return Ok(ctx.redirect_with_flash("/projects", "projects.round_closed"));
    }
    let mut picks = Vec::new();
    let mut sent = Sent::from_form(&form);
    for (k, v) in &form.fields {
        if k == "candidates" {
            match v.parse::<i64>() {
                Ok(id) => picks.push(id),
                Err(_) => {
                    sent.errors
                        .insert(format!("round-{round}"), ctx.t("errors.choice"));
                }
            }
        }
    }
    if sent.errors.is_empty() {
        match projects::ballot(
            &state.db,
            &actor,
            round,
            &BallotInput { candidates: picks },
            now,
        )
        .await
        {
            Ok(_) => return Ok(ctx.redirect_with_flash("/projects/vote", "projects.voted")),
            Err(Error::Invalid { .. }) => {
                sent.errors
                    .insert(format!("round-{round}"), ctx.t("projects.ballot_size"));
            }
            Err(Error::Conflict(_)) => {
                sent.form_error = Some(ctx.t("projects.already_voted"));
            }
            Err(e) => return Err(e.into()),
        }
    }
    render(&state, &ctx, &actor, sent, StatusCode::UNPROCESSABLE_ENTITY).await
}
