//! Console: the accounts. A list with each one's role and what it is attached to, a form to add
//! one (the password hashed by the configured policy, never kept or shown), and per account a
//! password reset and disable/enable — both sign the account out everywhere.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::response::Response;

use super::kit::{self, Cell, Field, FormPage, FormSpec, ListPage, Row, Sent, Taken};
use crate::context::{Ctx, role_label};
use crate::error::{PageError, PageResult};
use crate::form::{FormRefused, WebForm};
use liaison_api::AppState;
use liaison_domain::auth::Role;
use liaison_domain::auth::User;
use liaison_domain::policy::{self, Attachment};
use liaison_domain::users::{self, NewUser};
use liaison_domain::{deputies, orgs, stations};

const NEW: &str = "new-user";
const PASSWORD: &str = "reset-password";

/// Names of what accounts attach to, by id.
struct Names {
    stations: HashMap<i64, (String, String)>,
    orgs: HashMap<i64, (String, String)>,
    deputies: HashMap<i64, (String, String)>,
}

async fn names(state: &AppState) -> PageResult<Names> {
    let db = &state.db;
    Ok(Names {
        stations: stations::all_by_id(db)
            .await?
            .into_iter()
            .map(|s| (s.id, (s.code, s.name)))
            .collect(),
        orgs: orgs::all(db)
            .await?
            .into_iter()
            .map(|o| (o.id, (o.code, o.name)))
            .collect(),
        deputies: deputies::all(db)
            .await?
            .into_iter()
            .filter(|d| d.active)
            .map(|d| (d.id, (d.code, d.name)))
            .collect(),
    })
}

fn sorted(m: &HashMap<i64, (String, String)>) -> Vec<(String, String)> {
    let mut v: Vec<_> = m.values().cloned().collect();
    v.sort();
    v.into_iter()
        .map(|(code, name)| (code.clone(), format!("{name} ({code})")))
        .collect()
}

/// What the account is attached to, in words.
fn attached(n: &Names, u: &User) -> String {
    let name = |m: &HashMap<i64, (String, String)>, id: Option<i64>| {
        id.and_then(|i| m.get(&i)).map(|(_, name)| name.clone())
    };
    name(&n.deputies, u.deputy_id)
        .or_else(|| name(&n.orgs, u.organisation_id))
        .or_else(|| name(&n.stations, u.station_id))
        .unwrap_or_default()
}

async fn page(state: &AppState, ctx: &Ctx, sent: Option<Sent>) -> PageResult<Response> {
    let n = names(state).await?;
    let rows = users::all(&state.db).await?;
    let mut p = ListPage::new(ctx, "console.users");
    p.columns = [
        "f_username",
        "f_display_name",
        "f_role",
        "f_attached",
        "f_active",
    ]
    .iter()
    .map(|k| ctx.t(&format!("console.{k}")))
    .collect();
    p.rows = rows
        .iter()
        .map(|u| Row {
            id: format!("user-{}", u.username),
            cells: vec![
                Cell::link(u.username.clone(), format!("/console/users/{}", u.username)),
                Cell::text(u.display_name.clone()),
                Cell::text(
                    Role::parse(&u.role)
                        .map(|r| role_label(ctx.lang, r))
                        .unwrap_or_else(|| u.role.clone()),
                ),
                Cell::text(attached(&n, u)),
                Cell::text(ctx.t(if u.active {
                    "console.yes"
                } else {
                    "console.no"
                })),
            ],
            links: vec![Cell::link(
                ctx.t("console.manage"),
                format!("/console/users/{}", u.username),
            )],
            buttons: Vec::new(),
        })
        .collect();
    let roles: Vec<(String, String)> = Role::USER_ROLES
        .iter()
        .map(|r| (r.as_str().to_owned(), role_label(ctx.lang, *r)))
        .collect();
    p.forms.push(
        FormSpec::post(NEW, "/console/users", ctx.t("console.add"))
            .title(ctx.t("console.user_new"))
            .field(
                Field::text(ctx, "username", 64)
                    .required()
                    .hint(ctx.t("console.username_hint")),
            )
            .field(Field::text(ctx, "display_name", 50).required())
            .field(
                Field::text(ctx, "password", 128)
                    .kind("password")
                    .required()
                    .hint(ctx.t("console.password_hint")),
            )
            .field(
                Field::new("role", ctx.t("console.f_role"), "select")
                    .required()
                    .options(roles),
            )
            .field(
                Field::new("station", ctx.t("console.f_station"), "select")
                    .options(sorted(&n.stations))
                    .hint(ctx.t("console.station_hint")),
            )
            .field(
                Field::new("organisation", ctx.t("console.f_organisation"), "select")
                    .options(sorted(&n.orgs))
                    .hint(ctx.t("console.organisation_hint")),
            )
            .field(
                Field::new("deputy", ctx.t("console.f_deputy"), "select")
                    .options(sorted(&n.deputies))
                    .hint(ctx.t("console.deputy_hint")),
            )
            .again(sent.as_ref()),
    );
    p.render(ctx, kit::status_of(sent.as_ref()))
}

/// `GET /console/users`
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> PageResult<Response> {
    kit::ops(&ctx)?;
    page(&state, &ctx, None).await
}

/// `POST /console/users`
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    kit::ops(&ctx)?;
    let f = match kit::take(&ctx, NEW, form) {
        Taken::Form(f) => f,
        Taken::Again(s) => return page(&state, &ctx, Some(s)).await,
        Taken::Answer(r) => return Ok(r),
    };
    let sent = Sent::new(NEW, &f);
    let role = match Role::parse(&f.text("role")).filter(|r| Role::USER_ROLES.contains(r)) {
        Some(r) => r,
        None => {
            let sent = sent.error("role", ctx.t("errors.choice"));
            return page(&state, &ctx, Some(sent)).await;
        }
    };
    let some = |name: &str| Some(f.text(name)).filter(|v| !v.trim().is_empty());
    // Only what the role uses: a station chosen for a handler is not kept by mistake.
    let attached_to = policy::attachment(role);
    let new = NewUser {
        username: f.text("username"),
        password: f.text("password"),
        display_name: f.text("display_name"),
        role,
        station: (attached_to == Some(Attachment::Station))
            .then(|| some("station"))
            .flatten(),
        organisation: (attached_to == Some(Attachment::Organisation))
            .then(|| some("organisation"))
            .flatten(),
        deputy: (attached_to == Some(Attachment::Deputy))
            .then(|| some("deputy"))
            .flatten(),
    };
    match users::create(&state.db, &state.passwords, &new).await {
        Ok(u) => Ok(ctx.redirect_with_flash(
            &format!("/console/users/{}", u.username),
            "console.flash_created",
        )),
        Err(e) => {
            page(
                &state,
                &ctx,
                Some(kit::refused(&ctx, sent, e, "username", &[])?),
            )
            .await
        }
    }
}

async fn edit_page(
    state: &AppState,
    ctx: &Ctx,
    username: &str,
    sent: Option<Sent>,
) -> PageResult<Response> {
    let u = users::by_username(&state.db, username)
        .await?
        .ok_or(PageError::NotFound)?;
    let n = names(state).await?;
    let role = Role::parse(&u.role)
        .map(|r| role_label(ctx.lang, r))
        .unwrap_or_else(|| u.role.clone());
    let toggle = if u.active {
        FormSpec::post(
            "deactivate",
            format!("/console/users/{username}/active"),
            ctx.t("console.disable"),
        )
        .title(ctx.t("console.user_disable_title"))
        .danger()
    } else {
        FormSpec::post(
            "activate",
            format!("/console/users/{username}/active"),
            ctx.t("console.enable"),
        )
        .title(ctx.t("console.user_enable_title"))
    }
    .field(
        Field::new("active", String::new(), "hidden").value(if u.active {
            "false"
        } else {
            "true"
        }),
    );
    FormPage {
        heading: ctx.tf("console.user_edit", &[("name", u.username.clone())]),
        facts: vec![
            (
                ctx.t("console.f_display_name"),
                Cell::text(u.display_name.clone()),
            ),
            (ctx.t("console.f_role"), Cell::text(role)),
            (ctx.t("console.f_attached"), Cell::text(attached(&n, &u))),
            (
                ctx.t("console.f_active"),
                Cell::text(ctx.t(if u.active {
                    "console.yes"
                } else {
                    "console.no"
                })),
            ),
        ],
        forms: vec![
            FormSpec::post(
                PASSWORD,
                format!("/console/users/{username}/password"),
                ctx.t("console.reset_password"),
            )
            .title(ctx.t("console.reset_password"))
            .field(
                Field::text(ctx, "password", 128)
                    .kind("password")
                    .required()
                    .label(ctx.t("console.f_new_password"))
                    .hint(ctx.t("console.password_hint")),
            )
            .again(sent.as_ref()),
            toggle,
        ],
        back: Cell::link(ctx.t("console.back_users"), "/console/users"),
    }
    .render(ctx, kit::status_of(sent.as_ref()))
}

/// `GET /console/users/{username}`
pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(username): Path<String>,
) -> PageResult<Response> {
    kit::ops(&ctx)?;
    edit_page(&state, &ctx, &username, None).await
}

/// `POST /console/users/{username}/password`
pub async fn reset(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(username): Path<String>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    kit::ops(&ctx)?;
    let f = match kit::take(&ctx, PASSWORD, form) {
        Taken::Form(f) => f,
        Taken::Again(s) => return edit_page(&state, &ctx, &username, Some(s)).await,
        Taken::Answer(r) => return Ok(r),
    };
    match users::reset_password(&state.db, &state.passwords, &username, &f.text("password")).await {
        Ok(()) => Ok(ctx.redirect_with_flash(
            &format!("/console/users/{username}"),
            "console.flash_password",
        )),
        Err(e) => {
            let sent = kit::refused(&ctx, Sent::new(PASSWORD, &f), e, "password", &[])?;
            edit_page(&state, &ctx, &username, Some(sent)).await
        }
    }
}

/// `POST /console/users/{username}/active` with `active=true|false`.
pub async fn set_active(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(username): Path<String>,
    form: WebForm,
) -> PageResult<Response> {
    let me = kit::ops(&ctx)?;
    let active = match form.text("active").as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(PageError::Status(axum::http::StatusCode::BAD_REQUEST)),
    };
    // Ops cannot lock themselves out by a slip of the mouse.
    if !active && me.username == username {
        return Err(PageError::Status(axum::http::StatusCode::CONFLICT));
    }
    users::set_active(&state.db, &username, active).await?;
    Ok(ctx.redirect_with_flash(
        &format!("/console/users/{username}"),
        if active {
            "console.flash_enabled"
        } else {
            "console.flash_disabled"
        },
    ))
}
