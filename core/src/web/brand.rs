//! The station's brand services (一站一品) on its resident page: each enabled plugin's resident
//! views, rendered by the plugin host into the site's markup, each in a section of its own. A
//! plugin that fails shows "unavailable" in its section and the page goes on.
//!
//! A view's forms are drawn here (not by `plugins::view::html`) so that they carry the CSRF
//! token and, when refused, show the message beside the field with what was typed. They post
//! to `/s/{station}/brand/{plugin}/{action}`, which checks the input against the manifest
//! (`plugins::view::validate_input`), runs the action as a resident (`PluginHost::act`) and
//! shows its answer, with the receipt code when the action filed a case.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minijinja::Value;
use sea_orm::EntityTrait;
use serde::Serialize;

use super::context::Ctx;
use super::error::{PageError, PageResult};
use super::form::{FormRefused, WebForm, explain};
use super::templates::value;
use crate::http::AppState;
use crate::plugins::manifest::Audience;
use crate::plugins::view::{self, FormOut, ViewBlock};
use crate::plugins::{PluginError, registry};
use crate::stations;

/// A brand form that was refused, to be shown again with its messages.
#[derive(Debug, Default)]
pub struct Failed {
    pub plugin: String,
    pub action: String,
    pub values: BTreeMap<String, String>,
    pub errors: BTreeMap<String, String>,
    pub form_error: Option<String>,
}

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

fn brand_form(station: &str, plugin: &str, form: &FormOut, failed: Option<&Failed>) -> Value {
    let mine = failed.filter(|f| f.plugin == plugin && f.action == form.action);
    value(BrandForm {
        post_to: format!("/s/{station}/brand/{plugin}/{}", form.action),
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
    })
}

/// The view's blocks as page parts: runs of blocks in the host's HTML, forms drawn here.
fn parts(
    station: &str,
    plugin: &str,
    blocks: Vec<ViewBlock>,
    failed: Option<&Failed>,
) -> Vec<Value> {
    let base = format!("/s/{station}/brand/{plugin}/");
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
                out.push(
                    minijinja::context! { form => brand_form(station, plugin, &form, failed) },
                );
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
    failed: Option<&Failed>,
) -> Vec<Value> {
    sections_for(state, ctx, station, failed, Audience::Resident).await
}

/// The brand sections for one audience: the resident page's, or the staff's and deputies' on
/// their desks.
pub async fn sections_for(
    state: &AppState,
    ctx: &Ctx,
    station: &stations::entity::Model,
    failed: Option<&Failed>,
    audience: Audience,
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
                    parts => parts(&station.code, &manifest.id, blocks, failed),
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
    let (fields, csrf_ok) = match form {
        Ok(f) => (f, true),
        Err(FormRefused::Csrf(f)) => (f, false),
        Err(other) => return Ok(other.into_response()),
    };
    let mut values = BTreeMap::new();
    for (k, v) in fields.values() {
        values.entry(k.to_owned()).or_insert_with(|| v.to_owned());
    }
    let active = match registry::active(&state.plugins, &code, &plugin).await {
        Ok(a) => a,
        Err(PluginError::NotFound(_)) => return Err(PageError::NotFound),
        Err(e) => {
            tracing::warn!(plugin = %plugin, station = %code, error = %e, "brand action unavailable");
            return unavailable(&ctx, &station, &plugin);
        }
    };
    let decl = active
        .loaded
        .manifest
        .action(&action)
        .cloned()
        .ok_or(PageError::NotFound)?;
    if !decl.audience.contains(&Audience::Resident) {
        return Err(PageError::Forbidden);
    }
    let brand_title = {
        let n = &active.loaded.manifest.name;
        ctx.lang.pick(&n.zh, &n.en).to_owned()
    };
    let mut failed = Failed {
        plugin: plugin.clone(),
        action: action.clone(),
        values: values.clone(),
        ..Default::default()
    };
    if !csrf_ok {
        failed.form_error = Some(ctx.t("error.csrf"));
        return super::resident::station_with_brand_failure(
            &state,
            &ctx,
            station,
            failed,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let checked = match view::validate_input(&decl, &values) {
        Ok(v) => v,
        Err((field, message)) => {
            let text = explain(&ctx, &field, &message, false);
            if decl.fields.iter().any(|f| f.name == field) {
                failed.errors.insert(field, text);
            } else {
                failed.form_error = Some(text);
            }
            return super::resident::station_with_brand_failure(
                &state,
                &ctx,
                station,
                failed,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match state
        .plugins
        .act(
            &active,
            &action,
            Audience::Resident,
            ctx.lang.code(),
            checked,
        )
        .await
    {
        Ok(out) => {
            // A case the brand filed at this station: the resident follows it like any other.
            let receipt = match out.case_id {
                Some(id) => crate::cases::entity::cases::Entity::find_by_id(id)
                    .one(&state.db)
                    .await?
                    .filter(|c| c.station_id == station.id)
                    .map(|c| c.receipt_code),
                None => None,
            };
            let view_html = out
                .view
                .as_deref()
                .map(|b| view::html(b, &format!("/s/{code}/brand/{plugin}/")))
                .unwrap_or_default();
            ctx.render_status(
                StatusCode::OK,
                "brand_result.html",
                minijinja::context! {
                    brand_title => brand_title,
                    message => out.message,
                    view_html => Value::from_safe_string(view_html),
                    receipt => receipt,
                    station_code => station.code.clone(),
                    station_name => ctx.lang.pick(&station.name, &station.name_en).to_owned(),
                },
            )
        }
        Err(PluginError::Invalid { field, message }) => {
            let text = explain(&ctx, &field, &message, true);
            if decl.fields.iter().any(|f| f.name == field) {
                failed.errors.insert(field, text);
            } else {
                failed.form_error = Some(text);
            }
            super::resident::station_with_brand_failure(
                &state,
                &ctx,
                station,
                failed,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(PluginError::NotFound(_)) => Err(PageError::NotFound),
        Err(e) => {
            tracing::warn!(plugin = %plugin, action = %action, station = %code, error = %e, "brand action failed");
            unavailable(&ctx, &station, &brand_title)
        }
    }
}

fn unavailable(ctx: &Ctx, station: &stations::entity::Model, title: &str) -> PageResult<Response> {
    ctx.render_status(
        StatusCode::SERVICE_UNAVAILABLE,
        "brand_result.html",
        minijinja::context! {
            brand_title => title,
            unavailable => true,
            station_code => station.code.clone(),
            station_name => ctx.lang.pick(&station.name, &station.name_en).to_owned(),
        },
    )
}
