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
use liaison_domain::plugins::results;
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
    /// The `_once` hidden field on a resident's form: a token of its own, so that sending it
    /// twice runs the brand once (see `liaison_domain::plugins::results`).
    once: Option<String>,
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
        once: (door == Door::Resident).then(super::context::random_token),
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
    station: &stations::Station,
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
    station: &stations::Station,
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
    // Every view of the page renders at once, all under one budget: a page with many views
    // (or one slow view) answers by the budget, the views not done by then shown as a notice.
    // Rendering them one after the other let a brand of hundreds of slow-but-successful views
    // hold a station page for half a minute. A view cut off here still runs to its own
    // deadline on the plugin's thread (its answer is dropped), so it is not the plugin's failure.
    let budget = std::time::Duration::from_millis(state.plugins.settings.page_budget_ms);
    let until = tokio::time::Instant::now() + budget;
    let mut jobs = Vec::new();
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
            let (row, view_id, locale) = (row.clone(), v.id.clone(), ctx.lang.code());
            let render = async move {
                let active =
                    registry::active_row(&state.plugins, station.id, station.code.clone(), row)
                        .await?;
                state
                    .plugins
                    .render(&active, &view_id, audience, locale)
                    .await
            };
            let view_id = v.id.clone();
            let plugin_id = manifest.id.clone();
            jobs.push(async move {
                let rendered = tokio::time::timeout_at(until, render).await;
                (id, title, plugin_id, view_id, rendered)
            });
        }
    }
    let mut out = Vec::new();
    for (id, title, plugin_id, view_id, rendered) in futures_util::future::join_all(jobs).await {
        match rendered {
            Ok(Ok(mut blocks)) => {
                // The section has the view's title already; a first heading saying the
                // same would say it twice.
                if matches!(blocks.first(), Some(ViewBlock::Heading { text, .. }) if text.trim() == title.trim())
                {
                    blocks.remove(0);
                }
                out.push(minijinja::context! {
                id => id,
                title => title,
                parts => parts(door, &station.code, &plugin_id, blocks, failed),
                })
            }
            Ok(Err(e)) => {
                tracing::warn!(plugin = %plugin_id, view = %view_id, station = %station.code, error = %e, "brand view unavailable");
                let notice = if matches!(e, PluginError::Busy(_)) {
                    "brand.busy"
                } else {
                    "brand.unavailable"
                };
                out.push(minijinja::context! { id => id, title => title, unavailable => true, notice => notice });
            }
            Err(_) => {
                tracing::info!(plugin = %plugin_id, view = %view_id, station = %station.code, budget_ms = budget.as_millis() as u64, "brand view missed the page's budget");
                out.push(minijinja::context! { id => id, title => title, unavailable => true, notice => "brand.late" });
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
    station: stations::Station,
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
    station: stations::Station,
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
            return unavailable(ctx, &station, door, plugin, "brand.unavailable");
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
    // A resident's form runs once per token, and its answer is shown after a redirect.
    let once = if door == Door::Resident {
        let token = fields
            .get("_once")
            .filter(|t| results::valid_token(t))
            .map(str::to_owned)
            // A page drawn before forms carried one still gets the redirect.
            .unwrap_or_else(super::context::random_token);
        let now = state.clock.now();
        if results::claim(&state.db, &token, plugin, station.id, now)
            .await?
            .is_some()
        {
            return Ok(Redirect::to(&done_href(&station.code, plugin, &token)).into_response());
        }
        Some(token)
    } else {
        None
    };
    let outcome = state
        .plugins
        .act(&active, action, audience, ctx.lang.code(), checked)
        .await;
    if let Some(token) = &once {
        match &outcome {
            Ok(out) => {
                let case = match out.case_id {
                    Some(id) => {
                        liaison_domain::cases::queries::filed_at(&state.db, station.id, id).await?
                    }
                    None => None,
                };
                let view = out
                    .view
                    .as_ref()
                    .and_then(|v| serde_json::to_string(v).ok());
                results::settle(&state.db, token, &out.message, view, case.map(|c| c.id)).await?;
                return Ok(Redirect::to(&done_href(&station.code, plugin, token)).into_response());
            }
            // Refused or failed: the corrected form may be sent again with the same token.
            Err(_) => results::release(&state.db, token).await?,
        }
    }
    match outcome {
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
        Err(PluginError::Busy(_)) => {
            // Never ran: the same form may be sent again in a moment.
            let mut res = unavailable(ctx, &station, door, &brand_title, "brand.busy")?;
            res.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(liaison_host::BUSY_RETRY_SECS),
            );
            Ok(res)
        }
        Err(e) => {
            tracing::warn!(plugin = %plugin, action = %action, station = %station.code, error = %e, "brand action failed");
            unavailable(ctx, &station, door, &brand_title, "brand.unavailable")
        }
    }
}

/// Where a resident's brand answer is shown after its form was sent.
fn done_href(station: &str, plugin: &str, token: &str) -> String {
    format!("/s/{station}/brand/{plugin}/done/{token}")
}

/// `GET /s/{code}/brand/{plugin}/done/{token}`: the answer to a resident's brand form, shown
/// after the redirect that follows sending it; a reload shows it again and sends nothing. Only
/// the receipt code of a filed case is shown: it is what the tracking page takes.
pub async fn done(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((code, plugin, token)): Path<(String, String, String)>,
) -> PageResult<Response> {
    let station = stations::by_code(&state.db, &code).await?;
    if !results::valid_token(&token) {
        return Err(PageError::NotFound);
    }
    let kept = results::kept(&state.db, &token, &plugin, station.id, state.clock.now())
        .await?
        .ok_or(PageError::NotFound)?;
    let brand_title = match registry::current_version(&state.db, &plugin).await {
        Ok((_, _, m)) => ctx.lang.pick(&m.name.zh, &m.name.en).to_owned(),
        Err(_) => plugin.clone(),
    };
    if !kept.done {
        // The first sending still runs: this page says so and looks again shortly.
        return ctx.render_status(
            StatusCode::OK,
            "brand_result.html",
            minijinja::context! {
                brand_title => brand_title,
                unavailable => true,
                notice => "brand.running",
                refresh => 2,
                ..back(&ctx, &station, Door::Resident)
            },
        );
    }
    let blocks: Vec<ViewBlock> = kept
        .view
        .as_deref()
        .and_then(|v| serde_json::from_str(v).ok())
        .unwrap_or_default();
    let view_html = view::html(&blocks, &Door::Resident.base(&station.code, &plugin));
    let receipt = match kept.case_id {
        Some(id) => liaison_domain::cases::queries::filed_at(&state.db, station.id, id)
            .await?
            .map(|c| c.receipt_code),
        None => None,
    };
    ctx.render_status(
        StatusCode::OK,
        "brand_result.html",
        minijinja::context! {
            brand_title => brand_title,
            message => kept.message,
            view_html => Value::from_safe_string(view_html),
            receipt => receipt,
            ..back(&ctx, &station, Door::Resident)
        },
    )
}

/// The way back from a result: to the page the form was on.
fn back(ctx: &Ctx, station: &stations::Station, door: Door) -> Value {
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
    station: &stations::Station,
    door: Door,
    title: &str,
    notice: &str,
) -> PageResult<Response> {
    ctx.render_status(
        StatusCode::SERVICE_UNAVAILABLE,
        "brand_result.html",
        minijinja::context! {
            brand_title => title,
            unavailable => true,
            notice => notice,
            ..back(ctx, station, door)
        },
    )
}
