//! Console: the deputies. A list (all, or those serving at one station), a form to add one with
//! the stations they serve, and one to change them, move them or retire them (their code,
//! printed on their QR poster, stays).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::kit::{self, Cell, Field, FormPage, FormSpec, ListPage, Row, Sent, Taken};
use crate::context::Ctx;
use crate::error::{PageError, PageResult};
use crate::form::{FormRefused, WebForm};
use liaison_api::AppState;
use liaison_domain::deputies::NewDeputy;
use liaison_domain::deputies::{self, DeputyPatch, Level};
use liaison_domain::stations;

const NEW: &str = "new-deputy";
const EDIT: &str = "edit-deputy";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    station: String,
}

/// Every station as (code, name), the head station first.
async fn station_choices(state: &AppState, ctx: &Ctx) -> PageResult<Vec<(String, String)>> {
    Ok(stations::all(&state.db)
        .await?
        .into_iter()
        .map(|s| (s.code, ctx.lang.pick(&s.name, &s.name_en).to_owned()))
        .collect())
}

fn level_choices(ctx: &Ctx) -> Vec<(String, String)> {
    Level::ALL
        .iter()
        .map(|l| {
            (
                l.as_str().to_owned(),
                ctx.t(&format!("level.{}", l.as_str())),
            )
        })
        .collect()
}

/// The fields both forms share.
fn fields(ctx: &Ctx, stations: &[(String, String)], form: FormSpec) -> FormSpec {
    form.field(Field::text(ctx, "name", 50).required())
        .field(
            Field::new("level", ctx.t("console.f_level"), "select")
                .required()
                .value("district")
                .options(level_choices(ctx)),
        )
        .field(
            Field::new("station", ctx.t("console.f_home_station"), "select")
                .required()
                .options(stations.to_vec()),
        )
        .field(
            Field::new("also_serves", ctx.t("console.f_also_serves"), "checkboxes")
                .options(stations.to_vec()),
        )
        .field(Field::text(ctx, "profile", 500).kind("textarea"))
}

/// Level and the other stations, read from the form; a level not offered is a message.
fn read(ctx: &Ctx, f: &WebForm, sent: &mut Sent) -> (Option<Level>, Vec<String>) {
    let level = Level::parse(&f.text("level"));
    if level.is_none() {
        sent.errors.insert("level".into(), ctx.t("errors.choice"));
    }
    let also: Vec<String> = f
        .fields
        .iter()
        .filter(|(k, _)| k == "also_serves")
        .map(|(_, v)| v.clone())
        .take(50)
        .collect();
    (level, also)
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    q: &ListQuery,
    sent: Option<Sent>,
) -> PageResult<Response> {
    let choices = station_choices(state, ctx).await?;
    let codes: HashMap<i64, String> = stations::all_by_id(&state.db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.code))
        .collect();
    let links = deputies::links(&state.db).await?;
    let only = match q.station.trim() {
        "" => None,
        code => Some(stations::by_code(&state.db, code).await?.id),
    };
    let rows = deputies::all(&state.db).await?;
    let mut p = ListPage::new(ctx, "console.deputies");
    p.filter = Some(
        FormSpec::get(
            "deputy-filter",
            "/console/deputies",
            ctx.t("console.filter"),
        )
        .field(
            Field::new("station", ctx.t("console.f_station"), "select")
                .value(q.station.clone())
                .options(choices.clone()),
        ),
    );
    p.columns = ["f_code", "f_name", "f_level", "f_stations", "f_active"]
        .iter()
        .map(|k| ctx.t(&format!("console.{k}")))
        .collect();
    p.rows = rows
        .into_iter()
        .filter_map(|d| {
            let mut ids = vec![d.station_id];
            ids.extend(
                links
                    .iter()
                    .filter(|l| l.deputy_id == d.id && l.station_id != d.station_id)
                    .map(|l| l.station_id),
            );
            if only.is_some_and(|s| !ids.contains(&s)) {
                return None;
            }
            let served: Vec<String> = ids.iter().filter_map(|i| codes.get(i).cloned()).collect();
            Some(Row {
                id: format!("deputy-{}", d.code),
                cells: vec![
                    Cell::link(d.code.clone(), format!("/console/deputies/{}", d.code)),
                    Cell::text(d.name.clone()),
                    Cell::text(ctx.t(&format!("level.{}", d.level))),
                    Cell::text(served.join(", ")),
                    Cell::text(ctx.t(if d.active {
                        "console.yes"
                    } else {
                        "console.no"
                    })),
                ],
                links: vec![
                    Cell::link(
                        ctx.t("console.edit"),
                        format!("/console/deputies/{}", d.code),
                    ),
                    Cell::link(ctx.t("console.poster"), format!("/d/{}/poster", d.code)),
                ],
                buttons: Vec::new(),
            })
        })
        .collect();
    let new = FormSpec::post(NEW, "/console/deputies", ctx.t("console.add"))
        .title(ctx.t("console.deputy_new"))
        .field(
            Field::text(ctx, "code", 32)
                .required()
                .hint(ctx.t("console.code_hint")),
        );
    let mut new = fields(ctx, &choices, new);
    // A deputy added from a station's list belongs there unless ops say otherwise.
    if let Some(f) = new.fields.iter_mut().find(|f| f.name == "station") {
        f.value = q.station.clone();
    }
    p.forms.push(new.again(sent.as_ref()));
    p.render(ctx, kit::status_of(sent.as_ref()))
}

/// `GET /console/deputies?station=`
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> PageResult<Response> {
    kit::ops(&ctx)?;
    page(&state, &ctx, &q, None).await
}

/// `POST /console/deputies`
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    kit::ops(&ctx)?;
    let q = ListQuery::default();
    let f = match kit::take(&ctx, NEW, form) {
        Taken::Form(f) => f,
        Taken::Again(s) => return page(&state, &ctx, &q, Some(s)).await,
        Taken::Answer(r) => return Ok(r),
    };
    let mut sent = Sent::new(NEW, &f);
    let code = kit::code_of(&ctx, &f, &mut sent);
    let (level, also) = read(&ctx, &f, &mut sent);
    let (Some(code), Some(level)) = (code, level) else {
        return page(&state, &ctx, &q, Some(sent)).await;
    };
    let new = NewDeputy {
        code,
        name: f.text("name"),
        level,
        station: f.text("station"),
        also_serves: also,
        profile: Some(f.text("profile")),
    };
    match deputies::create(&state.db, &state.reference, &new).await {
        Ok((d, _, _)) => Ok(ctx.redirect_with_flash(
            &format!("/console/deputies/{}", d.code),
            "console.flash_created",
        )),
        Err(e) => {
            let sent = kit::refused(&ctx, sent, e, "code", &[])?;
            page(&state, &ctx, &q, Some(sent)).await
        }
    }
}

async fn edit_page(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    sent: Option<Sent>,
) -> PageResult<Response> {
    let d = deputies::by_code(&state.db, code)
        .await
        .map_err(|_| PageError::NotFound)?;
    let choices = station_choices(state, ctx).await?;
    let codes: HashMap<i64, String> = stations::all_by_id(&state.db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.code))
        .collect();
    let others: Vec<String> = deputies::further_stations(&state.db, &d)
        .await?
        .into_iter()
        .filter_map(|id| codes.get(&id).cloned())
        .collect();
    let home = codes.get(&d.station_id).cloned().unwrap_or_default();
    let mut form = fields(
        ctx,
        &choices,
        FormSpec::post(
            EDIT,
            format!("/console/deputies/{code}"),
            ctx.t("console.save"),
        ),
    )
    .field(
        Field::new("active", ctx.t("console.f_active"), "checkbox").value(if d.active {
            "true"
        } else {
            ""
        }),
    );
    for f in &mut form.fields {
        match f.name.as_str() {
            "name" => f.value = d.name.clone(),
            "level" => f.value = d.level.clone(),
            "station" => f.value = home.clone(),
            "also_serves" => f.checked = others.clone(),
            "profile" => f.value = d.profile.clone().unwrap_or_default(),
            _ => {}
        }
    }
    FormPage {
        heading: ctx.tf("console.deputy_edit", &[("name", d.name.clone())]),
        facts: vec![
            (ctx.t("console.f_code"), Cell::text(d.code.clone())),
            (
                ctx.t("console.poster"),
                Cell::link(
                    format!("/d/{}/poster", d.code),
                    format!("/d/{}/poster", d.code),
                ),
            ),
        ],
        forms: vec![form.again(sent.as_ref())],
        back: Cell::link(ctx.t("console.back_deputies"), "/console/deputies"),
    }
    .render(ctx, kit::status_of(sent.as_ref()))
}

/// `GET /console/deputies/{code}`
pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> PageResult<Response> {
    kit::ops(&ctx)?;
    edit_page(&state, &ctx, &code, None).await
}

/// `POST /console/deputies/{code}`
pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    kit::ops(&ctx)?;
    let f = match kit::take(&ctx, EDIT, form) {
        Taken::Form(f) => f,
        Taken::Again(s) => return edit_page(&state, &ctx, &code, Some(s)).await,
        Taken::Answer(r) => return Ok(r),
    };
    let mut sent = Sent::new(EDIT, &f);
    let (level, also) = read(&ctx, &f, &mut sent);
    let Some(level) = level else {
        return edit_page(&state, &ctx, &code, Some(sent)).await;
    };
    let patch = DeputyPatch {
        name: f.text("name"),
        level,
        station: f.text("station"),
        also_serves: also,
        profile: Some(f.text("profile")),
        active: f.checked("active"),
    };
    match deputies::update(&state.db, &state.reference, &code, &patch).await {
        Ok(_) => Ok(ctx.redirect_with_flash("/console/deputies", "console.flash_saved")),
        Err(e) => {
            let sent = kit::refused(&ctx, sent, e, "name", &[])?;
            edit_page(&state, &ctx, &code, Some(sent)).await
        }
    }
}
