//! Console: the stations. A list with each station's poster, a form to add one, and one to
//! change its names and address (its code, printed on posters, stays); the banner photo's
//! forms are in `station_photos`.

use axum::extract::{Path, State};
use axum::response::Response;

use super::kit::{self, Cell, Field, FormPage, FormSpec, ListPage, Row, Sent, Taken};
use crate::context::Ctx;
use crate::error::PageResult;
use crate::form::{FormRefused, WebForm};
use liaison_api::AppState;
use liaison_domain::error::{FieldKind, FormatKind};
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
        .field(degrees_field(ctx, "lat", None))
        .field(degrees_field(ctx, "lng", None))
        .again(sent)
}

/// A coordinate box: decimal degrees, as a map application copies them.
fn degrees_field(ctx: &Ctx, name: &str, value: Option<f64>) -> Field {
    Field::text(ctx, name, 16)
        .hint(ctx.t("console.degrees_hint"))
        .value(value.map(|v| v.to_string()).unwrap_or_default())
}

/// The degrees typed in `name`: none when empty, refused beside the field when not a number
/// (the range is the domain's rule, checked there).
fn degrees_of(ctx: &Ctx, f: &WebForm, name: &str, sent: &mut Sent) -> Option<Option<f64>> {
    let typed = f.text(name);
    let typed = typed.trim();
    if typed.is_empty() {
        return Some(None);
    }
    match typed.parse::<f64>() {
        Ok(v) => Some(Some(v)),
        Err(_) => {
            let kind = FieldKind::Format(FormatKind::Number);
            sent.errors
                .insert(name.into(), kit::explain_field(ctx, name, &kind));
            None
        }
    }
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
    let lat = degrees_of(&ctx, &f, "lat", &mut sent);
    let lng = degrees_of(&ctx, &f, "lng", &mut sent);
    let (Some(code), Some(kind), Some(lat), Some(lng)) = (code, kind, lat, lng) else {
        return page(&state, &ctx, Some(sent)).await;
    };
    let new = NewStation {
        code,
        name: f.text("name"),
        name_en: f.text("name_en"),
        kind,
        address: Some(f.text("address")),
        lat,
        lng,
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

pub(super) async fn edit_page(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
    sent: Option<Sent>,
) -> PageResult<Response> {
    let s = stations::by_code(&state.db, code).await?;
    let photo = crate::station_photo::url_of(state, &s).await?;
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
    .field(degrees_field(ctx, "lat", s.lat))
    .field(degrees_field(ctx, "lng", s.lng))
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
            super::station_photos::fact(ctx, photo.as_deref()),
        ],
        forms: std::iter::once(form)
            .chain(super::station_photos::forms(
                ctx,
                &s.code,
                photo.is_some(),
                sent.as_ref(),
            ))
            .collect(),
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
    let mut sent = Sent::new(EDIT, &f);
    let lat = degrees_of(&ctx, &f, "lat", &mut sent);
    let lng = degrees_of(&ctx, &f, "lng", &mut sent);
    let (Some(lat), Some(lng)) = (lat, lng) else {
        return edit_page(&state, &ctx, &code, Some(sent)).await;
    };
    let patch = StationPatch {
        name: Some(f.text("name")),
        name_en: Some(f.text("name_en")),
        address: Some(f.text("address")),
        // The form always shows both boxes: empty ones take the station off the map.
        lat: Some(lat),
        lng: Some(lng),
    };
    match stations::update(&state.db, &state.reference, &code, &patch).await {
        Ok(_) => Ok(ctx.redirect_with_flash("/console/stations", "console.flash_saved")),
        Err(e) => {
            let sent = kit::refused(&ctx, sent, e, "name", &[])?;
            edit_page(&state, &ctx, &code, Some(sent)).await
        }
    }
}
