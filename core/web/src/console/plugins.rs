//! Console: the station brands (plugins). Installed packages with their versions and, per
//! station, their state and health (calls, failures, mean duration, as `registry::list` gives
//! them); a package upload (plugin.toml and the component, as `POST /api/v1/plugins` takes
//! them); enabling at a station with a checkbox per requested capability and a field per
//! declared setting; disabling; resuming one suspended after repeated failures.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Serialize;

use super::kit::{self, Cell, Field, FormPage, FormSpec, Sent, Taken};
use crate::context::Ctx;
use crate::error::{PageError, PageResult};
use crate::form::{FormRefused, WebForm};
use crate::templates::value;
use liaison_api::AppState;
use liaison_domain::Error;
use liaison_domain::stations;
use liaison_host::manifest::SettingKind;
use liaison_host::{PluginError, registry};

const UPLOAD: &str = "upload";
const ENABLE: &str = "enable";

pub fn router(state: &AppState) -> Router<AppState> {
    // A package is as large as the API lets it be, and a little for the form around it.
    let package_limit = (state.settings.plugins.max_package_mib << 20) + (1 << 20);
    Router::new()
        .route(
            "/console/plugins",
            get(list)
                .post(upload)
                .layer(DefaultBodyLimit::max(package_limit)),
        )
        .route("/console/plugins/{plugin}", get(enable_page).post(enable))
        .route(
            "/console/plugins/{plugin}/stations/{station}/disable",
            post(disable),
        )
        .route(
            "/console/plugins/{plugin}/stations/{station}/resume",
            post(resume),
        )
}

fn cap_label(ctx: &Ctx, cap: &str) -> String {
    ctx.t(&format!("console.cap_{}", cap.replace('.', "_")))
}

#[derive(Serialize)]
struct StationRow {
    station: String,
    version: String,
    granted: String,
    state: String,
    failures_in_row: i32,
    calls: u64,
    failures: u64,
    mean_ms: String,
    buttons: Vec<FormSpec>,
}

#[derive(Serialize)]
struct PluginRow {
    id: String,
    name: String,
    current_version: String,
    versions: String,
    requested: String,
    stations: Vec<StationRow>,
}

fn upload_form(ctx: &Ctx, sent: Option<&Sent>) -> FormSpec {
    FormSpec::post(UPLOAD, "/console/plugins", ctx.t("console.install"))
        .title(ctx.t("console.plugin_upload"))
        .multipart()
        .field(
            Field::new("manifest", ctx.t("console.f_manifest"), "file")
                .required()
                .hint(ctx.t("console.manifest_hint")),
        )
        .field(
            Field::new("component", ctx.t("console.f_component"), "file")
                .required()
                .hint(ctx.t("console.component_hint")),
        )
        .again(sent)
}

async fn page(state: &AppState, ctx: &Ctx, sent: Option<Sent>) -> PageResult<Response> {
    let list = registry::list(&state.plugins).await.map_err(Error::from)?;
    let plugins: Vec<PluginRow> = list
        .into_iter()
        .map(|p| PluginRow {
            name: ctx.lang.pick(&p.name_zh, &p.name_en).to_owned(),
            current_version: p.current_version.clone().unwrap_or_default(),
            versions: p.versions.join(", "),
            requested: p
                .requested
                .iter()
                .map(|c| cap_label(ctx, c.as_str()))
                .collect::<Vec<_>>()
                .join("、"),
            stations: p
                .stations
                .iter()
                .map(|s| {
                    let base = format!("/console/plugins/{}/stations/{}", p.id, s.station);
                    let mut buttons = Vec::new();
                    if s.suspended {
                        buttons.push(FormSpec::post(
                            &format!("resume-{}-{}", p.id, s.station),
                            format!("{base}/resume"),
                            ctx.t("console.resume"),
                        ));
                    }
                    if s.enabled {
                        buttons.push(
                            FormSpec::post(
                                &format!("disable-{}-{}", p.id, s.station),
                                format!("{base}/disable"),
                                ctx.t("console.disable"),
                            )
                            .danger(),
                        );
                    }
                    StationRow {
                        station: s.station.clone(),
                        version: s.version.clone(),
                        granted: s
                            .granted
                            .iter()
                            .map(|c| cap_label(ctx, c.as_str()))
                            .collect::<Vec<_>>()
                            .join("、"),
                        state: if s.suspended {
                            ctx.t("console.plugin_suspended")
                        } else if s.enabled {
                            ctx.t("console.plugin_enabled")
                        } else {
                            ctx.t("console.plugin_disabled")
                        },
                        failures_in_row: s.consecutive_failures,
                        calls: s.stats.calls,
                        failures: s.stats.failures,
                        mean_ms: if s.stats.calls == 0 {
                            "—".into()
                        } else {
                            format!("{:.1}", s.stats.total_ms / s.stats.calls as f64)
                        },
                        buttons,
                    }
                })
                .collect(),
            id: p.id,
        })
        .collect();
    ctx.render_status(
        kit::status_of(sent.as_ref()),
        "console/plugins.html",
        minijinja::context! {
            plugins => value(plugins),
            upload => value(upload_form(ctx, sent.as_ref())),
        },
    )
}

/// `GET /console/plugins`
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> PageResult<Response> {
    kit::ops(&ctx)?;
    page(&state, &ctx, None).await
}

/// `POST /console/plugins`: installs a package (multipart: `manifest`, `component`).
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let me = kit::ops(&ctx)?;
    let f = match kit::take(&ctx, UPLOAD, form) {
        Taken::Form(f) => f,
        Taken::Again(s) => return page(&state, &ctx, Some(s)).await,
        Taken::Answer(r) => return Ok(r),
    };
    let mut sent = Sent::new(UPLOAD, &f);
    let file = |name: &str| f.files.iter().find(|(n, _)| n == name).map(|(_, b)| b);
    let manifest = match file("manifest").map(|b| std::str::from_utf8(b)) {
        Some(Ok(t)) => Some(t.to_owned()),
        Some(Err(_)) => {
            sent.errors
                .insert("manifest".into(), ctx.t("console.err_manifest_text"));
            None
        }
        None => {
            sent.errors
                .insert("manifest".into(), ctx.t("errors.required"));
            None
        }
    };
    let component = file("component");
    if component.is_none() {
        sent.errors
            .insert("component".into(), ctx.t("errors.required"));
    }
    let (Some(manifest), Some(component)) = (manifest, component) else {
        return page(&state, &ctx, Some(sent)).await;
    };
    match registry::install(&state.plugins, &manifest, component, Some(me.user_id)).await {
        Ok(out) => Ok(ctx.redirect_with_flash(
            &format!("/console/plugins/{}", out.id),
            if out.already_installed {
                "console.flash_already_installed"
            } else {
                "console.flash_installed"
            },
        )),
        Err(PluginError::Invalid { field, kind }) => {
            let shown = if field.starts_with("manifest") {
                "manifest"
            } else {
                "component"
            };
            sent.errors.insert(
                shown.into(),
                ctx.tf("console.err_package", &[("detail", kind.to_string())]),
            );
            page(&state, &ctx, Some(sent)).await
        }
        Err(PluginError::Conflict(message)) => {
            sent.form_error = Some(ctx.tf("console.err_package", &[("detail", message)]));
            sent.status = StatusCode::CONFLICT;
            page(&state, &ctx, Some(sent)).await
        }
        Err(e) => Err(Error::from(e).into()),
    }
}

fn setting_field(name: &str) -> String {
    format!("setting_{name}")
}

async fn enable_form_page(
    state: &AppState,
    ctx: &Ctx,
    plugin: &str,
    sent: Option<Sent>,
) -> PageResult<Response> {
    let (_, _, manifest) = match registry::current_version(&state.db, plugin).await {
        Ok(v) => v,
        Err(PluginError::NotFound(_)) => return Err(PageError::NotFound),
        Err(e) => return Err(Error::from(e).into()),
    };
    let stations: Vec<(String, String)> = stations::all(&state.db)
        .await?
        .into_iter()
        .map(|s| (s.code, ctx.lang.pick(&s.name, &s.name_en).to_owned()))
        .collect();
    let requested: Vec<(String, String)> = manifest
        .requested()
        .iter()
        .map(|c| (c.as_str().to_owned(), cap_label(ctx, c.as_str())))
        .collect();
    let mut form = FormSpec::post(
        ENABLE,
        format!("/console/plugins/{plugin}"),
        ctx.t("console.enable"),
    )
    .title(ctx.t("console.plugin_enable"))
    .field(
        Field::new("station", ctx.t("console.f_station"), "select")
            .required()
            .options(stations),
    )
    .field(
        Field::new("grant", ctx.t("console.f_grant"), "checkboxes")
            .checked(requested.iter().map(|(c, _)| c.clone()).collect())
            .options(requested)
            .hint(ctx.t("console.grant_hint")),
    );
    let defaults = manifest.default_settings();
    for s in &manifest.settings {
        let mut f = Field::new(
            &setting_field(&s.name),
            ctx.tf("console.f_setting", &[("name", s.name.clone())]),
            match s.kind {
                SettingKind::Integer => "number",
                SettingKind::Boolean => "checkbox",
                SettingKind::String => "text",
            },
        )
        .value(defaults.get(&s.name).cloned().unwrap_or_default());
        f.max = 500;
        if let Some(d) = &s.description {
            f = f.hint(d.clone());
        }
        form = form.field(f);
    }
    FormPage {
        heading: ctx.tf(
            "console.plugin_heading",
            &[
                (
                    "name",
                    ctx.lang
                        .pick(&manifest.name.zh, &manifest.name.en)
                        .to_owned(),
                ),
                ("version", manifest.version.clone()),
            ],
        ),
        facts: vec![
            (
                ctx.t("console.f_plugin_id"),
                Cell::text(manifest.id.clone()),
            ),
            (
                ctx.t("console.f_version"),
                Cell::text(manifest.version.clone()),
            ),
        ],
        forms: vec![form.again(sent.as_ref())],
        back: Cell::link(ctx.t("console.back_plugins"), "/console/plugins"),
    }
    .render(ctx, kit::status_of(sent.as_ref()))
}

/// `GET /console/plugins/{plugin}`: the form enabling it at a station.
pub async fn enable_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(plugin): Path<String>,
) -> PageResult<Response> {
    kit::ops(&ctx)?;
    enable_form_page(&state, &ctx, &plugin, None).await
}

/// `POST /console/plugins/{plugin}`: enables it at the chosen station with the ticked grants
/// and the settings given.
pub async fn enable(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(plugin): Path<String>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let me = kit::ops(&ctx)?;
    let f = match kit::take(&ctx, ENABLE, form) {
        Taken::Form(f) => f,
        Taken::Again(s) => return enable_form_page(&state, &ctx, &plugin, Some(s)).await,
        Taken::Answer(r) => return Ok(r),
    };
    let (_, _, manifest) = match registry::current_version(&state.db, &plugin).await {
        Ok(v) => v,
        Err(PluginError::NotFound(_)) => return Err(PageError::NotFound),
        Err(e) => return Err(Error::from(e).into()),
    };
    let mut sent = Sent::new(ENABLE, &f);
    let station = f.text("station");
    if stations::by_code(&state.db, station.trim()).await.is_err() {
        sent.errors
            .insert("station".into(), ctx.t("console.err_station"));
    }
    let grant: Vec<String> = f
        .fields
        .iter()
        .filter(|(k, _)| k == "grant")
        .map(|(_, v)| v.clone())
        .take(20)
        .collect();
    let mut settings = BTreeMap::new();
    for s in &manifest.settings {
        let name = setting_field(&s.name);
        let v = match s.kind {
            SettingKind::Boolean => serde_json::Value::Bool(f.checked(&name)),
            SettingKind::Integer => match f.text(&name).trim() {
                "" => continue,
                t => match t.parse::<i64>() {
                    Ok(n) => serde_json::Value::from(n),
                    Err(_) => {
                        sent.errors.insert(name, ctx.t("errors.number"));
                        continue;
                    }
                },
            },
            SettingKind::String => {
                let t = f.text(&name);
                // Left empty: the manifest's default, as when the API is given no value.
                if t.trim().is_empty() {
                    continue;
                }
                if t.chars().count() > 500 {
                    sent.errors
                        .insert(name, ctx.tf("errors.too_long", &[("max", "500".into())]));
                    continue;
                }
                serde_json::Value::String(t)
            }
        };
        settings.insert(s.name.clone(), v);
    }
    if !sent.is_clean() {
        return enable_form_page(&state, &ctx, &plugin, Some(sent)).await;
    }
    match registry::enable(
        &state.plugins,
        station.trim(),
        &plugin,
        &grant,
        &settings,
        Some(me.user_id),
    )
    .await
    {
        Ok(_) => Ok(ctx.redirect_with_flash("/console/plugins", "console.flash_plugin_enabled")),
        Err(PluginError::Invalid { field, kind }) => {
            let shown = if let Some(s) = field.strip_prefix("settings.") {
                setting_field(s)
            } else if field.starts_with("grant") {
                "grant".into()
            } else {
                field.clone()
            };
            sent.errors
                .insert(shown, kit::explain_field(&ctx, &field, &kind));
            enable_form_page(&state, &ctx, &plugin, Some(sent)).await
        }
        Err(PluginError::NotFound(_)) => Err(PageError::NotFound),
        Err(e) => Err(Error::from(e).into()),
    }
}

/// `POST /console/plugins/{plugin}/stations/{station}/disable`
pub async fn disable(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((plugin, station)): Path<(String, String)>,
    _form: WebForm,
) -> PageResult<Response> {
    let me = kit::ops(&ctx)?;
    registry::disable(&state.plugins, &station, &plugin, Some(me.user_id))
        .await
        .map_err(Error::from)?;
    Ok(ctx.redirect_with_flash("/console/plugins", "console.flash_plugin_disabled"))
}

/// `POST /console/plugins/{plugin}/stations/{station}/resume`
pub async fn resume(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((plugin, station)): Path<(String, String)>,
    _form: WebForm,
) -> PageResult<Response> {
    let me = kit::ops(&ctx)?;
    registry::resume(&state.plugins, &station, &plugin, Some(me.user_id))
        .await
        .map_err(Error::from)?;
    Ok(ctx.redirect_with_flash("/console/plugins", "console.flash_plugin_resumed"))
}
