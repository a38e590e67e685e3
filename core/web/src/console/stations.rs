//! Console: the stations. A list with each station's poster, a form to add one, and one to
//! change its names and address (its code, printed on posters, stays).

use axum::extract::{Path, State};
use axum::response::Response;

use super::kit::{self, Cell, Field, FormPage, FormSpec, ListPage, Row, Sent, Taken};
use crate::context::Ctx;
use crate::error::PageResult;
use crate::form::{FormRefused, WebForm};
use liaison_api::AppState;
use liaison_domain::stations::{self, StationKind};
use liaison_domain::stations::{NewStation, StationPatch};

const NEW: &str = "new-station";
const EDIT: &str = "edit-station";

fn kind_label(ctx: &Ctx, kind: &str) -> String {
    ctx.t(&format!("console.station_kind_{kind}"))
}

fn new_form(ctx: &Ctx, sent: Option<&Sent>) -> FormSpec {
    FormSpec::post(NEW, "/console/stations", ctx.t("console.add"))
        .title(ctx.t("console.station_new"))
        .field(
            Field::text(ctx, "code", 32)
                .required()
                .hint(ctx.t("console.code_hint")),
        )
        .field(Field::text(ctx, "name", 100).required())
        .field(Field::text(ctx, "name_en", 100).required())
        .field(
            Field::new("kind", ctx.t("console.f_kind"), "select")
                .required()
                .value("township")
                .options(
                    ["township", "head"]
                        .iter()
                        .map(|k| (k.to_string(), kind_label(ctx, k)))
                        .collect(),
                ),
        )
        .field(Field::text(ctx, "address", 200))
        .again(sent)
}

async fn page(state: &AppState, ctx: &Ctx, sent: Option<Sent>) -> PageResult<Response> {
    let rows = stations::all(&state.db).await?;
    let mut p = ListPage::new(ctx, "console.stations");
    p.columns = ["f_code", "f_name", "f_name_en", "f_kind", "f_address"]
        .iter()
        .map(|k| ctx.t(&format!("console.{k}")))
        .collect();
    p.rows = rows
        .into_iter()
        .map(|s| Row {
            id: format!("station-{}", s.code),
            cells: vec![
                Cell::link(s.code.clone(), format!("/console/stations/{}", s.code)),
                Cell::text(s.name.clone()),
                Cell::text(s.name_en.clone()),
                Cell::text(kind_label(ctx, &s.kind)),
                Cell::text(s.address.clone().unwrap_or_default()),
            ],
            links: vec![
                Cell::link(
                    ctx.t("console.edit"),
                    format!("/console/stations/{}", s.code),
                ),
                Cell::link(ctx.t("console.poster"), format!("/s/{}/poster", s.code)),
                Cell::link(
                    ctx.t("console.station_deputies"),
                    format!("/console/deputies?station={}", s.code),
                ),
            ],
            buttons: Vec::new(),
        })
        .collect();
    p.forms.push(new_form(ctx, sent.as_ref()));
    p.render(ctx, kit::status_of(sent.as_ref()))
}

/// `GET /console/stations`
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> PageResult<Response> {
    kit::ops(&ctx)?;
    page(&state, &ctx, None).await
}

/// `POST /console/stations`
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
    let mut sent = Sent::new(NEW, &f);
    let code = kit::code_of(&ctx, &f, &mut sent);
    let kind = match f.text("kind").as_str() {
        "head" => Some(StationKind::Head),
        "township" => Some(StationKind::Township),
        _ => {
            sent.errors.insert("kind".into(), ctx.t("errors.choice"));
            None
        }
    };
    let (Some(code), Some(kind)) = (code, kind) else {
        return page(&state, &ctx, Some(sent)).await;
    };
    let new = NewStation {
        code,
        name: f.text("name"),
        name_en: f.text("name_en"),
        kind,
        address: Some(f.text("address")),
    };
    match stations::create(&state.db, &state.reference, &new).await {
        Ok(s) => Ok(ctx.redirect_with_flash(
            &format!("/console/stations/{}", s.code),
            "console.flash_created",
        )),
        Err(e) => {
            page(
                &state,
                &ctx,
                Some(kit::refused(&ctx, sent, e, "code", &[])?),
            )
            .await
        }
    }
}

async fn edit_page(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    sent: Option<Sent>,
) -> PageResult<Response> {
    let s = stations::by_code(&state.db, code).await?;
    let form = FormSpec::post(
        EDIT,
        format!("/console/stations/{code}"),
        ctx.t("console.save"),
    )
    .field(
        Field::text(ctx, "name", 100)
            .required()
            .value(s.name.clone()),
    )
    .field(
        Field::text(ctx, "name_en", 100)
            .required()
            .value(s.name_en.clone()),
    )
    .field(Field::text(ctx, "address", 200).value(s.address.clone().unwrap_or_default()))
    .again(sent.as_ref());
    FormPage {
        heading: ctx.tf("console.station_edit", &[("name", s.name.clone())]),
        facts: vec![
            (ctx.t("console.f_code"), Cell::text(s.code.clone())),
            (
                ctx.t("console.f_kind"),
                Cell::text(kind_label(ctx, &s.kind)),
            ),
            (
                ctx.t("console.poster"),
                Cell::link(
                    format!("/s/{}/poster", s.code),
                    format!("/s/{}/poster", s.code),
                ),
            ),
        ],
        forms: vec![form],
        back: Cell::link(ctx.t("console.back_stations"), "/console/stations"),
    }
    .render(ctx, kit::status_of(sent.as_ref()))
}

/// `GET /console/stations/{code}`
pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> PageResult<Response> {
    kit::ops(&ctx)?;
    edit_page(&state, &ctx, &code, None).await
}

/// `POST /console/stations/{code}`
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
    let patch = StationPatch {
        name: Some(f.text("name")),
        name_en: Some(f.text("name_en")),
        address: Some(f.text("address")),
    };
    match stations::update(&state.db, &state.reference, &code, &patch).await {
        Ok(_) => Ok(ctx.redirect_with_flash("/console/stations", "console.flash_saved")),
        Err(e) => {
            let sent = kit::refused(&ctx, Sent::new(EDIT, &f), e, "name", &[])?;
            edit_page(&state, &ctx, &code, Some(sent)).await
        }
    }
}
