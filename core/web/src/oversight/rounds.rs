//! Ops open a vote round on livelihood projects from the vote page: a title, the places, and
//! the candidates ticked (more than the places), through `projects::open` as the API.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::Sent;
use super::vote::{render, who};
use crate::context::Ctx;
use crate::error::PageResult;
use crate::form::{FormRefused, WebForm};
use liaison_api::AppState;
use liaison_domain::oversight::projects::{self, RoundInput};
use liaison_domain::policy::{self, Permission};

pub async fn open_round(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let actor = who(&ctx)?;
    policy::require(&actor, Permission::AdministerDistrict)?;
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
    let mut sent = Sent::from_form(&form);
    let ticked: Vec<&str> = form
        .fields
        .iter()
        .filter(|(k, _)| k == "candidates")
        .map(|(_, v)| v.as_str())
        .collect();
    sent.values.insert("candidates".into(), ticked.join(","));
    let candidates: Vec<i64> = ticked.iter().filter_map(|v| v.parse().ok()).collect();
    if candidates.len() != ticked.len() {
        sent.errors
            .insert("candidates".into(), ctx.t("errors.choice"));
    }
    let places = match form.text("places").trim().parse::<i32>() {
        Ok(n) => n,
        Err(_) => {
            sent.errors.insert("places".into(), ctx.t("errors.number"));
            0
        }
    };
    if sent.errors.is_empty() {
        let input = RoundInput {
            title: form.text("title"),
            places,
            candidates,
        };
        match projects::open(&state.db, &actor, &input, state.clock.now()).await {
            Ok(_) => return Ok(ctx.redirect_with_flash("/projects/vote", "projects.round_opened")),
            Err(liaison_domain::Error::Invalid { field, .. }) if field == "candidates" => {
                sent.errors
                    .insert(field, ctx.t("projects.round_candidates"));
            }
            Err(e) => {
                if !sent.refuse(&ctx, &e) {
                    return Err(e.into());
                }
            }
        }
    }
    render(&state, &ctx, &actor, sent, StatusCode::UNPROCESSABLE_ENTITY).await
}
