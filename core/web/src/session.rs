//! Sign-in for people at a desk: a session in the same `sessions` table as the API's bearer
//! tokens, carried in an `HttpOnly`, `SameSite=Lax` cookie (`Secure` when the public address is
//! https). Sign-in gives the browser a new CSRF token; sign-out ends the session on the server.

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::context::{Ctx, SESSION_COOKIE, cookies, random_token, role_label};
use super::error::PageResult;
use super::form::{FormRefused, WebForm};
use liaison_api::AppState;
use liaison_domain::auth::{self, PasswordPolicy};
use liaison_domain::policy::{Permission, may};
use liaison_domain::{deputies, orgs, stations, users};

/// Only a path of this site: never another host (`//evil`, `/\evil`), never a scheme.
pub fn safe_next(next: &str) -> Option<&str> {
    (next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control))
    .then_some(next)
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

fn login_page_with(
    ctx: &Ctx,
    status: StatusCode,
    username: &str,
    next: &str,
    error: Option<String>,
) -> PageResult<Response> {
    ctx.render_status(
        status,
        "login.html",
        minijinja::context! {
            username => username,
            next => next,
            form_error => error,
        },
    )
}

/// `GET /login`
pub async fn login_page(ctx: Ctx, Query(q): Query<LoginQuery>) -> PageResult<Response> {
    let next = q.next.as_deref().and_then(safe_next).unwrap_or("");
    if ctx.actor.is_some() {
        return Ok(Redirect::to(if next.is_empty() { "/me" } else { next }).into_response());
    }
    login_page_with(&ctx, StatusCode::OK, "", next, None)
}

/// `POST /login`
pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let (form, csrf_ok, controls) = match super::form::received(form) {
        Ok(r) => r,
        Err(answer) => return Ok(*answer),
    };
    let username = form.text("username").trim().to_owned();
    let password = form.text("password");
    let next = safe_next(form.get("next").unwrap_or(""))
        .unwrap_or("")
        .to_owned();
    if !csrf_ok {
        return login_page_with(
            &ctx,
            StatusCode::FORBIDDEN,
            &username,
            &next,
            Some(ctx.t("error.csrf")),
        );
    }
    if controls.is_some() {
        // As in the API: refused, never looked up.
        return login_page_with(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &username,
            &next,
            Some(ctx.t("errors.control_characters")),
        );
    }
    if username.is_empty() || password.is_empty() {
        return login_page_with(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            &username,
            &next,
            Some(ctx.t("login.missing")),
        );
    }
    let user = users::by_username(&state.db, &username).await?;
    // As in the API: an unknown user costs the same hash as a known one.
    let stored = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| state.passwords.decoy().to_owned());
    let ok = tokio::task::spawn_blocking(move || PasswordPolicy::verify(&password, &stored))
        .await
        .map_err(anyhow::Error::from)?;
    let Some(actor) = user.filter(|_| ok).as_ref().and_then(auth::actor_of) else {
        tracing::info!(username = %username, "page sign-in refused");
        return login_page_with(
            &ctx,
            StatusCode::UNAUTHORIZED,
            &username,
            &next,
            Some(ctx.t("login.failed")),
        );
    };
    let hours = state.settings.auth.session_hours;
    let (token, _) = auth::open_session(&state.db, actor.user_id, state.clock.now(), hours).await?;
    tracing::info!(user_id = actor.user_id, "signed in to the pages");
    let to = if next.is_empty() {
        landing_path(&state, &actor).await
    } else {
        next
    };
    let mut res = ctx.redirect_with_flash(&to, "flash.signed_in");
    let h = res.headers_mut();
    h.append(
        header::SET_COOKIE,
        ctx.session_cookie(Some(&token), hours * 3600),
    );
    // A new token for the new session: one planted before sign-in is worth nothing after.
    h.append(header::SET_COOKIE, ctx.csrf_cookie(&random_token()));
    Ok(res)
}

/// The page of the desk `actor` lands on (the domain's rule), as a path.
async fn landing_path(state: &AppState, actor: &auth::Actor) -> String {
    use liaison_domain::policy::{Landing, landing};
    match landing(actor) {
        Landing::StationDesk(id) => match liaison_domain::stations::by_id(&state.db, id).await {
            Ok(Some(s)) => format!("/desk/{}", s.code),
            _ => "/me".to_owned(),
        },
        Landing::OrgDesk => "/org".to_owned(),
        Landing::DeputyDesk => "/deputy".to_owned(),
        Landing::Console => "/console".to_owned(),
        Landing::Screen => "/screen".to_owned(),
        Landing::Account => "/me".to_owned(),
    }
}

/// `POST /logout`
pub async fn logout(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    _form: WebForm,
) -> PageResult<Response> {
    if let Some((_, token)) = cookies(&headers)
        .into_iter()
        .find(|(k, _)| k == SESSION_COOKIE)
    {
        auth::close_session(&state.db, &token).await?;
    }
    let mut res = ctx.redirect_with_flash("/", "flash.signed_out");
    res.headers_mut()
        .append(header::SET_COOKIE, ctx.session_cookie(None, 0));
    Ok(res)
}

/// `GET /me`: who is signed in, and where their work is.
pub async fn me(State(state): State<AppState>, ctx: Ctx) -> PageResult<Response> {
    let actor = ctx.require_actor()?;
    let organisation = match actor.organisation_id {
        Some(id) => orgs::by_id(&state.db, id).await?.map(|o| o.name),
        None => None,
    };
    let mut links = Vec::new();
    let works_here = actor
        .station_id
        .is_some_and(|id| may(actor, Permission::WorkAtStation(id)));
    match &ctx.home_station {
        Some(s) if works_here => {
            links.push((format!("/desk/{}", s.code), ctx.t("nav.desk")));
            links.push((format!("/s/{}", s.code), ctx.t("me.station_page")));
            links.push((format!("/s/{}/poster", s.code), ctx.t("nav.poster")));
        }
        _ if may(actor, Permission::ReadDistrict) => {
            for s in stations::all_by_id(&state.db).await? {
                links.push((
                    format!("/desk/{}", s.code),
                    ctx.tf(
                        "desk.heading",
                        &[("station", ctx.lang.pick(&s.name, &s.name_en).to_owned())],
                    ),
                ));
            }
        }
        _ => {}
    }
    if may(actor, Permission::ActAsDeputy)
        && let Some(id) = actor.deputy_id
        && let Some(d) = deputies::by_id(&state.db, id).await?
    {
        links.push((format!("/d/{}/poster", d.code), ctx.t("poster.link_deputy")));
    }
    ctx.render_status(
        StatusCode::OK,
        "me.html",
        minijinja::context! {
            me => minijinja::context! {
                name => actor.display_name.clone(),
                username => actor.username.clone(),
                role => role_label(ctx.lang, actor.role),
                station => super::templates::value(&ctx.home_station),
                organisation => organisation,
            },
            links => links.into_iter().map(|(href, label)| minijinja::context! { href, label }).collect::<Vec<_>>(),
        },
    )
}
