//! The station's brand services (一站一品) on its resident page: each enabled plugin's resident
//! views, rendered by the plugin host into the site's markup, each in a section of its own. A
//! plugin that fails shows "unavailable" in its section and the page goes on.
//!
//! A view's forms are drawn here (not by `plugins::view::html`) so that they carry the CSRF
//! token and, when refused, show the message beside the field with what was typed. They post
//! to `/s/{station}/brand/{plugin}/{action}`, which checks the input against the manifest
//! (`plugins::view::validate_input`), runs the action as a resident (`PluginHost::act`) and
//! shows its answer, with the receipt code when the action filed a case.
//!
//! On the signed-in desks (the station inbox and the deputy's desk) the same sections show the
//! staff's and deputies' views; their forms post to `/desk/{station}/brand/{plugin}/{action}`
//! (`desk_act`), which runs the action as the signed-in person's audience at that station (the
//! domain's `policy::audiences`), only for the station's own staff and deputies (and ops).
//! Where a form posts is the section's [`Door`]; the drawing is the same.

use crate::sent::Sent;
use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::Value;
use serde::Serialize;

use super::context::Ctx;
use super::error::{PageError, PageResult};
use super::form::{FormRefused, WebForm, field_message};
use super::templates::value;
use liaison_api::AppState;
use liaison_domain::policy::{self, Permission};
use liaison_domain::stations;
use liaison_host::manifest::Audience;
use liaison_host::view::{self, FormOut, ViewBlock};
use liaison_host::{PluginError, registry};

/// Which form of a page a brand action's form is, when it comes back refused: pages carry the
/// forms of several brands, and only the one sent shows what was typed.
fn form_id(plugin: &str, action: &str) -> String {
    format!("{plugin}/{action}")
}

/// Which page a brand section is drawn on: where its forms post, and where a refused form is
/// shown again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    /// The station's resident page: forms post to `/s/{station}/brand/…`.
    Resident,
    /// The station's inbox `/desk/{station}`: forms post to `/desk/{station}/brand/…`.
    Desk,
    /// The deputy's desk `/deputy`: forms post to the desk route and come back here.
    DeputyDesk,
}

impl Door {
    /// Where the forms of `plugin` post, up to the action's id.
    fn base(self, station: &str, plugin: &str) -> String {
        match self {
            Door::Resident => format!("/s/{station}/brand/{plugin}/"),
            Door::Desk | Door::DeputyDesk => format!("/desk/{station}/brand/{plugin}/"),
        }
    }

    /// The `_back` field a desk form carries, so a refusal is shown on the page it came from.
    fn back_field(self) -> Option<&'static str> {
        (self == Door::DeputyDesk).then_some(BACK_DEPUTY)
    }
}

/// The `_back` value of forms on the deputy's desk.
const BACK_DEPUTY: &str = "deputy";

#[derive(Serialize)]
struct BrandField {
    id: String,
    name: String,
    label: String,
    kind: String,
    input_type: &'static str,
    required: bool,
    options: Vec<(String, String)>,
    max_length: u32,
    help: Option<String>,
    value: String,
    error: Option<String>,
}

#[derive(Serialize)]
struct BrandForm {
    post_to: String,
    /// The `_back` hidden field, when the form is on the deputy's desk.
    back: Option<&'static str>,
    title: Option<String>,
    submit_label: String,
    error: Option<String>,
    fields: Vec<BrandField>,
}

/// Letters, digits and dashes: safe in an element id.
fn id_part(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

fn brand_form(
    door: Door,
    base: &str,
    plugin: &str,
    form: &FormOut,
    failed: Option<&Sent>,
) -> Option<Value> {
    // The host built the target from the declared action's id; a form without one (which
    // `view::convert` never lets through) is not drawn.
    let post_to = view::form_target(base, &form.action)?;
    let mine = failed.filter(|f| f.form == form_id(plugin, &form.action));
    Some(value(BrandForm {
        post_to,
        back: door.back_field(),
        title: form.title.clone(),
        submit_label: form.submit_label.clone(),
        error: mine.and_then(|f| f.form_error.clone()),
        fields: form
            .fields
            .iter()
            .map(|f| BrandField {
                id: format!(
                    "b-{}-{}-{}",
                    id_part(plugin),
                    id_part(&form.action),
                    id_part(&f.name)
                ),
                name: f.name.clone(),
                label: f.label.clone(),
                input_type: match f.kind.as_str() {
                    "number" => "number",
                    "date" => "date",
                    "phone" => "tel",
                    _ => "text",
                },
                kind: f.kind.clone(),
                required: f.required,
                options: f.options.clone(),
                max_length: f.max_length,
                help: f.help.clone(),
                value: mine
                    .and_then(|m| m.values.get(&f.name).cloned())
                    .unwrap_or_default(),
                error: mine.and_then(|m| m.errors.get(&f.name).cloned()),
            })
            .collect(),
    }))
}

/// The view's blocks as page parts: runs of blocks in the host's HTML, forms drawn here.
fn parts(
    door: Door,
    station: &str,
    plugin: &str,
    blocks: Vec<ViewBlock>,
    failed: Option<&Sent>,
) -> Vec<Value> {
    let base = door.base(station, plugin);
    let mut out = Vec::new();
    let mut run: Vec<ViewBlock> = Vec::new();
    let flush = |run: &mut Vec<ViewBlock>, out: &mut Vec<Value>| {
        if !run.is_empty() {
            // Escaped by the host: every string of a view goes through its escaper.
            let html = view::html(run, &base);
            out.push(minijinja::context! { html => Value::from_safe_string(html) });
            run.clear();
        }
    };
    for b in blocks {
        match b {
            ViewBlock::Form { form } => {
                flush(&mut run, &mut out);
                if let Some(form) = brand_form(door, &base, plugin, &form, failed) {
                    out.push(minijinja::context! { form => form });
                }
            }
            other => run.push(other),
        }
    }
    flush(&mut run, &mut out);
    out
}

/// The brand sections of a station's resident page.
pub async fn sections(
    state: &AppState,
    ctx: &Ctx,
    station: &stations::entity::Model,
    failed: Option<&Sent>,
) -> Vec<Value> {
    sections_for(
        state,
        ctx,
        station,
        failed,
        Audience::Resident,
        Door::Resident,
    )
    .await
}

/// The brand sections for one audience on one page: the resident page's, or the staff's and
/// deputies' on their desks.
pub async fn sections_for(
    state: &AppState,
    ctx: &Ctx,
    station: &stations::entity::Model,
    failed: Option<&Sent>,
    audience: Audience,
    door: Door,
) -> Vec<Value> {
    let enabled = match registry::enabled_at(&state.plugins, station.id).await {
        Ok(list) => list,
        Err(e) => {
            tracing::warn!(station = %station.code, error = %e, "listing the station's brands");
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (row, manifest) in enabled {
        // A suspended brand stays out of sight until ops resume it, as in the API's list.
        if row.suspended_at.is_some() {
            continue;
        }
        for v in manifest
            .views
            .iter()
            .filter(|v| v.audience.contains(&audience))
        {
            let id = format!("{}-{}", id_part(&manifest.id), id_part(&v.id));
            let title = ctx.lang.pick(&v.title.zh, &v.title.en).to_owned();
            let rendered = match registry::active_row(
                &state.plugins,
                station.id,
                station.code.clone(),
                row.clone(),
            )
            .await
            {
                Ok(active) => {
                    state
                        .plugins
                        .render(&active, &v.id, audience, ctx.lang.code())
                        .await
                }
                Err(e) => Err(e),
            };
            match rendered {
                Ok(mut blocks) => {
                    // The section has the view's title already; a first heading saying the
                    // same would say it twice.
                    if matches!(blocks.first(), Some(ViewBlock::Heading { text, .. }) if text.trim() == title.trim())
                    {
                        blocks.remove(0);
                    }
                    out.push(minijinja::context! {
                    id => id,
                    title => title,
                    parts => parts(door, &station.code, &manifest.id, blocks, failed),
                    })
                }
                Err(e) => {
                    tracing::warn!(plugin = %manifest.id, view = %v.id, station = %station.code, error = %e, "brand view unavailable");
                    out.push(minijinja::context! { id => id, title => title, unavailable => true });
                }
            }
        }
    }
    out
}

/// `POST /s/{code}/brand/{plugin}/{action}`: a resident sends a brand's form.
pub async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, plugin, action)): Path<(String, String, String)>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let station = stations::by_code(&state.db, &code).await?;
    perform(
        &state,
        &ctx,
        station,
        Door::Resident,
        &[Audience::Resident],
        &plugin,
        &action,
        form,
    )
    .await
}

/// `POST /desk/{code}/brand/{plugin}/{action}`: the station's staff or deputies (or ops) send a
/// brand's form from their desk, acting as the audience they are at that station.
pub async fn desk_act(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, plugin, action)): Path<(String, String, String)>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let Some(actor) = ctx.actor.as_ref() else {
        // Sign-in brings the visitor back with a GET: to the desk, not to this POST-only route.
        return Ok(Redirect::to(&format!("/login?next=/desk/{code}")).into_response());
    };
    let station = stations::by_code(&state.db, &code).await?;
    let here = policy::may(actor, Permission::WorkAtStation(station.id));
    // The desks show the staff's and deputies' views only; a viewer or a resident-only
    // caller has nothing to send from here.
    let mine: Vec<Audience> = policy::audiences(Some(actor), station.id)
        .into_iter()
        .filter(|a| matches!(a, Audience::Staff | Audience::Deputy))
        .collect();
    if !here || mine.is_empty() {
        return Err(PageError::Forbidden);
    }
    let back_deputy = matches!(&form, Ok(f) | Err(FormRefused::Csrf(f) | FormRefused::Controls { form: f, .. }) if f.get("_back") == Some(BACK_DEPUTY));
    let door = if back_deputy && policy::may(actor, Permission::ActAsDeputy) {
        Door::DeputyDesk
    } else {
        Door::Desk
    };
    perform(&state, &ctx, station, door, &mine, &plugin, &action, form).await
}

/// The page a refused form is shown again on, with its messages beside the fields.
async fn again(
    state: &AppState,
    ctx: &Ctx,
    station: stations::entity::Model,
    door: Door,
    failed: Sent,
    status: StatusCode,
) -> PageResult<Response> {
    match door {
        Door::Resident => {
            super::resident::station_with_brand_failure(state, ctx, station, failed, status).await
        }
        Door::Desk => super::desk::with_brand_failure(state, ctx, &station, failed, status).await,
        Door::DeputyDesk => {
            super::deputy_desk::with_brand_failure(state, ctx, failed, status).await
        }
    }
}

/// Checks and runs one brand action sent from `door` by someone of the audiences `mine` (most
/// trusted first), and shows its answer.
#[allow(clippy::too_many_arguments)]
async fn perform(
    state: &AppState,
    ctx: &Ctx,
    station: stations::entity::Model,
    door: Door,
    mine: &[Audience],
    plugin: &str,
    action: &str,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let (fields, csrf_ok, controls) = match super::form::received(form) {
        Ok(r) => r,
        Err(answer) => return Ok(*answer),
    };
    let mut values = BTreeMap::new();
    for (k, v) in fields.values() {
        values.entry(k.to_owned()).or_insert_with(|| v.to_owned());
    }
    let active = match registry::active(&state.plugins, &station.code, plugin).await {
        Ok(a) => a,
        Err(PluginError::NotFound(_)) => return Err(PageError::NotFound),
        Err(e) => {
            tracing::warn!(plugin = %plugin, station = %station.code, error = %e, "brand action unavailable");
            return unavailable(ctx, &station, door, plugin);
        }
    };
    let decl = active
        .loaded
        .manifest
        .action(action)
        .cloned()
        .ok_or(PageError::NotFound)?;
    let Some(audience) = mine.iter().copied().find(|a| decl.audience.contains(a)) else {
        return Err(PageError::Forbidden);
    };
    let brand_title = {
        let n = &active.loaded.manifest.name;
        ctx.lang.pick(&n.zh, &n.en).to_owned()
    };
    let mut failed = Sent::new(&form_id(plugin, action), &fields);
    if !csrf_ok {
        failed.form_error = Some(ctx.t("error.csrf"));
        return again(state, ctx, station, door, failed, StatusCode::FORBIDDEN).await;
    }
    let checked = match controls.map_or_else(
        || view::validate_input(&decl, &values),
        |field| Err((field, liaison_domain::error::FieldKind::ControlCharacters)),
    ) {
        Ok(v) => v,
        Err((field, kind)) => {
            let text = field_message(ctx, &field, &kind);
            if decl.fields.iter().any(|f| f.name == field) {
                failed.errors.insert(field, text);
            } else {
                failed.form_error = Some(text);
            }
            return again(
                state,
                ctx,
                station,
                door,
                failed,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match state
        .plugins
        .act(&active, action, audience, ctx.lang.code(), checked)
        .await
    {
        Ok(out) => {
            // A case the brand filed at this station: the resident follows it by its receipt
            // code, the desk opens it.
            let case = match out.case_id {
                Some(id) => {
                    liaison_domain::cases::queries::filed_at(&state.db, station.id, id).await?
                }
                None => None,
            };
            let view_html = out
                .view
                .as_deref()
                .map(|b| view::html(b, &door.base(&station.code, plugin)))
                .unwrap_or_default();
            let on_desk = door != Door::Resident;
            ctx.render_status(
                StatusCode::OK,
                "brand_result.html",
                minijinja::context! {
                    brand_title => brand_title,
                    message => out.message,
                    view_html => Value::from_safe_string(view_html),
                    receipt => case.as_ref().filter(|_| !on_desk).map(|c| c.receipt_code.clone()),
                    case_href => case.as_ref().filter(|_| on_desk).map(|c| format!("/cases/{}", c.id)),
                    case_code => case.as_ref().map(|c| c.receipt_code.clone()),
                    ..back(ctx, &station, door)
                },
            )
        }
        Err(PluginError::Invalid { field, kind }) => {
            let text = field_message(ctx, &field, &kind);
            if decl.fields.iter().any(|f| f.name == field) {
                failed.errors.insert(field, text);
            } else {
                failed.form_error = Some(text);
            }
            again(
                state,
                ctx,
                station,
                door,
                failed,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(PluginError::NotFound(_)) => Err(PageError::NotFound),
        Err(e) => {
            tracing::warn!(plugin = %plugin, action = %action, station = %station.code, error = %e, "brand action failed");
            unavailable(ctx, &station, door, &brand_title)
        }
    }
}

/// The way back from a result: to the page the form was on.
fn back(ctx: &Ctx, station: &stations::entity::Model, door: Door) -> Value {
    let name = ctx.lang.pick(&station.name, &station.name_en).to_owned();
    let (href, label) = match door {
        Door::Resident => (
            format!("/s/{}", station.code),
            ctx.tf("brand.back", &[("station", name)]),
        ),
        Door::Desk => (
            format!("/desk/{}", station.code),
            ctx.tf("desk_brand.back_desk", &[("station", name)]),
        ),
        Door::DeputyDesk => ("/deputy".to_owned(), ctx.t("desk_brand.back_deputy")),
    };
    minijinja::context! { back_href => href, back_label => label }
}

fn unavailable(
    ctx: &Ctx,
    station: &stations::entity::Model,
    door: Door,
    title: &str,
) -> PageResult<Response> {
    ctx.render_status(
        StatusCode::SERVICE_UNAVAILABLE,
        "brand_result.html",
        minijinja::context! {
            brand_title => title,
            unavailable => true,
            ..back(ctx, station, door)
        },
    )
}
