//! Console: a station's banner photo, on the station's edit page: a form to upload one (it
//! replaces the last) and one to remove it. A refused photo comes back beside the field.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::kit::{Cell, Field, FormSpec, Sent, Taken};
use super::stations::edit_page;
use crate::context::Ctx;
use crate::error::PageResult;
use crate::form::{FormRefused, WebForm};
use liaison_api::AppState;
use liaison_domain::Error;
use liaison_domain::error::{FieldKind, PhotoKind};
use liaison_domain::stations::photo;

pub(super) const UPLOAD: &str = "station-photo";
const REMOVE: &str = "station-photo-remove";

fn megabytes() -> String {
    (photo::MAX_BYTES >> 20).to_string()
}

/// The edit page's facts line for the photo: a small view of it, or that there is none.
pub(super) fn fact(ctx: &Ctx, url: Option<&str>) -> (String, Cell) {
    let cell = match url {
        Some(u) => Cell::image(ctx.t("console.banner_current"), u),
        None => Cell::text(ctx.t("console.banner_none")),
    };
    (ctx.t("console.banner_title"), cell)
}

/// The upload form, and the remove form when there is a photo.
pub(super) fn forms(ctx: &Ctx, code: &str, has: bool, sent: Option<&Sent>) -> Vec<FormSpec> {
    let mut out = vec![
        FormSpec::post(
            UPLOAD,
            format!("/console/stations/{code}/photo"),
            ctx.t("console.banner_upload"),
        )
        .title(ctx.t("console.banner_title"))
        .multipart()
        .field(
            Field::new("photo", ctx.t("console.f_photo"), "file")
                .required()
                .hint(ctx.tf("console.banner_hint", &[("mb", megabytes())])),
        )
        .again(sent),
    ];
    if has {
        out.push(
            FormSpec::post(
                REMOVE,
                format!("/console/stations/{code}/photo/remove"),
                ctx.t("console.banner_remove"),
            )
            .danger()
            .again(sent),
        );
    }
    out
}

/// `POST /console/stations/{code}/photo`
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let f = match crate::sent::take(&ctx, UPLOAD, form) {
        Taken::Form(f) => f,
        Taken::Again(s) => return edit_page(&state, &ctx, &code, Some(s)).await,
        Taken::Answer(r) => return Ok(r),
    };
    let mut sent = Sent::new(UPLOAD, &f);
    let raw = f
        .files
        .iter()
        .find(|(n, _)| n == "photo")
        .map(|(_, b)| b.clone());
    let refusal = match raw {
        None => ctx.t("console.err_banner_missing"),
        Some(raw) => match photo::set(&state.db, &state.photo_decoders, &code, raw).await {
            Ok(_) => {
                return Ok(ctx.redirect_with_flash(
                    &format!("/console/stations/{code}"),
                    "console.flash_photo_set",
                ));
            }
            Err(Error::TooLarge { .. }) => {
                sent.status = StatusCode::PAYLOAD_TOO_LARGE;
                ctx.tf("console.err_banner_size", &[("mb", megabytes())])
            }
            Err(Error::Invalid {
                kind: FieldKind::Photo(PhotoKind::Type),
                ..
            }) => ctx.t("console.err_banner_type"),
            Err(e @ Error::Invalid { .. }) => {
                let sent = super::kit::refused(&ctx, sent, e, "photo", &[])?;
                return edit_page(&state, &ctx, &code, Some(sent)).await;
            }
            Err(e) => return Err(e.into()),
        },
    };
    sent.errors.insert("photo".into(), refusal);
    edit_page(&state, &ctx, &code, Some(sent)).await
}

/// `POST /console/stations/{code}/photo/remove`
pub async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    match crate::sent::take(&ctx, REMOVE, form) {
        Taken::Form(_) => {}
        Taken::Again(s) => return edit_page(&state, &ctx, &code, Some(s)).await,
        Taken::Answer(r) => return Ok(r),
    }
    photo::remove(&state.db, &code).await?;
    Ok(ctx.redirect_with_flash(
        &format!("/console/stations/{code}"),
        "console.flash_photo_removed",
    ))
}
