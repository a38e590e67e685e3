//! Correcting or deleting a recorded visit, for ops and the visit's station's staff (the API's
//! `PUT/DELETE /visits/{id}` rule, through the same core functions).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::Sent;
use super::visits::{choices, kinds, read_input, records};
use crate::context::Ctx;
use crate::error::{PageError, PageResult};
use crate::form::{FormRefused, WebForm};
use crate::templates::value;
use liaison_api::AppState;
use liaison_domain::auth::Actor;
use liaison_domain::oversight::visits;
use liaison_domain::policy::{self, Permission};

/// Ops, or staff of the visit's station; anyone else a 403 (404 when out of sight).
async fn allowed(state: &AppState, ctx: &Ctx, id: i64) -> PageResult<(Actor, visits::VisitOut)> {
    let actor = ctx.require_actor()?.clone();
    if !records(&actor) {
        return Err(PageError::Forbidden);
    }
    let model = visits::find(&state.db, &actor, id).await?;
    policy::require(&actor, Permission::AdministerStation(model.station_id))?;
    let filter = visits::VisitFilter::default();
    let out = visits::list_for(&state.db, &actor, &filter)
        .await?
        .into_iter()
        .find(|v| v.id == id)
        .ok_or(PageError::NotFound)?;
    Ok((actor, out))
}

fn values_of(v: &visits::VisitOut) -> Sent {
    let mut sent = Sent::default();
    let mut put = |k: &str, val: String| {
        sent.values.insert(k.to_owned(), val);
    };
    put("station", v.station.code.clone());
    put("day", v.day.to_string());
    put("kind", v.kind.as_str().to_owned());
    put(
        "organisation",
        v.organisation
            .as_ref()
            .map(|o| o.code.clone())
            .unwrap_or_default(),
    );
    put("leader_name", v.leader_name.clone().unwrap_or_default());
    put("topics", v.topics.clone());
    put("opinions_count", v.opinions_count.to_string());
    put("opinions", v.opinions.clone().unwrap_or_default());
    put(
        "deputies",
        v.deputies
            .iter()
            .map(|d| d.code.as_str())
            .collect::<Vec<_>>()
            .join(","),
    );
    sent
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    sent: Sent,
    status: StatusCode,
) -> PageResult<Response> {
    let (stations, orgs, deputies) = choices(state, ctx, actor).await?;
    let chosen: Vec<String> = sent
        .values
        .get("deputies")
        .map(|s| s.split(',').map(str::to_owned).collect())
        .unwrap_or_default();
    ctx.render_status(
        status,
        "oversight/visit_edit.html",
        minijinja::context! {
            id => id,
            stations => value(stations),
            orgs => value(orgs),
            deputies => value(deputies),
            kinds => value(kinds(ctx)),
            chosen => chosen,
            today => liaison_domain::cases::deadlines::local_today(state.clock.now()).to_string(),
            sent => value(sent),
        },
    )
}

pub async fn edit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let (actor, v) = allowed(&state, &ctx, id).await?;
    render(&state, &ctx, &actor, id, values_of(&v), StatusCode::OK).await
}

pub async fn edit_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let (actor, _) = allowed(&state, &ctx, id).await?;
    let form = match form {
        Ok(f) => f,
        Err(FormRefused::Csrf(f)) => {
            let mut sent = Sent::from_form(&f);
            sent.form_error = Some(ctx.t("error.csrf"));
            return render(&state, &ctx, &actor, id, sent, StatusCode::FORBIDDEN).await;
        }
        Err(FormRefused::Controls { form, field }) => {
            let mut sent = Sent::from_form(&form);
            sent.refuse(&ctx, &crate::form::controls_refused(field));
            return render(
                &state,
                &ctx,
                &actor,
                id,
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
            id,
            sent,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    match visits::save(&state.db, &actor, Some(id), &input, state.clock.now()).await {
        Ok(_) => Ok(ctx.redirect_with_flash("/visits", "visits.corrected")),
        Err(e) => {
            if sent.refuse(&ctx, &e) {
                render(
                    &state,
                    &ctx,
                    &actor,
                    id,
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

/// Deletes the visit (and its points) once the confirm box is ticked.
pub async fn delete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let (actor, v) = allowed(&state, &ctx, id).await?;
    let form = match form {
        Ok(f) => f,
        Err(FormRefused::Csrf(_)) => {
            let mut sent = values_of(&v);
            sent.form_error = Some(ctx.t("error.csrf"));
            return render(&state, &ctx, &actor, id, sent, StatusCode::FORBIDDEN).await;
        }
        Err(FormRefused::Controls { form: _, field }) => {
            let mut sent = values_of(&v);
            sent.refuse(&ctx, &crate::form::controls_refused(field));
            return render(
                &state,
                &ctx,
                &actor,
                id,
                sent,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(e) => return Ok(e.into_response()),
    };
    if form.get("confirm") != Some("yes") {
        let mut sent = values_of(&v);
        sent.errors
            .insert("confirm".into(), ctx.t("visits.delete_unconfirmed"));
        return render(
            &state,
            &ctx,
            &actor,
            id,
            sent,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    visits::delete(&state.db, &actor, id).await?;
    Ok(ctx.redirect_with_flash("/visits", "visits.deleted"))
}
