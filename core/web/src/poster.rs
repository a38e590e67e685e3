//! QR posters (联络站码 / 代表码): a printable page per station and per deputy, and the codes
//! themselves as SVG (scales to any print size) and PNG. A code holds the public address of the
//! page it opens, `{server.public_base_url}/s/{station}` or `/d/{deputy}`.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use qrcode::{EcLevel, QrCode};

use super::context::Ctx;
use super::error::{PageError, PageResult};
use liaison_api::AppState;
use liaison_domain::{deputies, stations};

/// Quartile error correction: a poster survives a scratch or a fold.
pub const EC_LEVEL: EcLevel = EcLevel::Q;
/// Light modules around the code, as the standard asks.
pub const QUIET_ZONE: usize = 4;

/// The address a code opens: `public_base_url` + `path`.
pub fn public_url(state: &AppState, path: &str) -> String {
    format!(
        "{}{path}",
        state.settings.server.public_base_url.trim_end_matches('/')
    )
}

fn code_for(url: &str) -> PageResult<QrCode> {
    QrCode::with_error_correction_level(url.as_bytes(), EC_LEVEL)
        .map_err(|e| PageError::Internal(anyhow::anyhow!("encoding {url} as a QR code: {e}")))
}

pub fn svg(url: &str) -> PageResult<String> {
    let code = code_for(url)?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .quiet_zone(true)
        .module_dimensions(8, 8)
        .build())
}

/// A greyscale PNG, `px` pixels a module, with the quiet zone.
pub fn png(url: &str, px: u32) -> PageResult<Vec<u8>> {
    let code = code_for(url)?;
    let modules = code.width();
    let colors = code.to_colors();
    let px = px.clamp(4, 40) as usize;
    let side = (modules + 2 * QUIET_ZONE) * px;
    let mut pixels = vec![255u8; side * side];
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (mx, my) = (i % modules + QUIET_ZONE, i / modules + QUIET_ZONE);
            for y in my * px..(my + 1) * px {
                pixels[y * side + mx * px..y * side + (mx + 1) * px].fill(0);
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, side as u32, side as u32);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc
            .write_header()
            .map_err(|e| PageError::Internal(e.into()))?;
        w.write_image_data(&pixels)
            .map_err(|e| PageError::Internal(e.into()))?;
        w.finish().map_err(|e| PageError::Internal(e.into()))?;
    }
    Ok(out)
}

pub(crate) fn image(body: Vec<u8>, kind: &'static str) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
        .into_response()
}

async fn station_of(state: &AppState, code: &str) -> PageResult<stations::Station> {
    state
        .reference
        .station_by_code(&state.db, code)
        .await?
        .ok_or(PageError::NotFound)
}

async fn deputy_of(state: &AppState, code: &str) -> PageResult<deputies::Deputy> {
    let d = deputies::by_code(&state.db, code).await?;
    if d.active {
        Ok(d)
    } else {
        Err(PageError::NotFound)
    }
}

pub async fn station_svg(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let s = station_of(&state, &code).await?;
    let url = public_url(&state, &format!("/s/{}", s.code));
    Ok(image(svg(&url)?.into_bytes(), "image/svg+xml"))
}

pub async fn station_png(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let s = station_of(&state, &code).await?;
    let url = public_url(&state, &format!("/s/{}", s.code));
    Ok(image(
        png(&url, state.settings.web.qr_png_module_px)?,
        "image/png",
    ))
}

pub async fn deputy_svg(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let d = deputy_of(&state, &code).await?;
    let url = public_url(&state, &format!("/d/{}", d.code));
    Ok(image(svg(&url)?.into_bytes(), "image/svg+xml"))
}

pub async fn deputy_png(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let d = deputy_of(&state, &code).await?;
    let url = public_url(&state, &format!("/d/{}", d.code));
    Ok(image(
        png(&url, state.settings.web.qr_png_module_px)?,
        "image/png",
    ))
}

/// `GET /s/{code}/poster`
pub async fn station_poster(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let s = station_of(&state, &code).await?;
    let name = ctx.lang.pick(&s.name, &s.name_en).to_owned();
    let page = minijinja::context! {
        poster => minijinja::context! {
            title => ctx.tf("poster.title", &[("name", name.clone())]),
            heading => name,
            lead => ctx.t("poster.lead_station"),
            url => public_url(&state, &format!("/s/{}", s.code)),
            svg => format!("/s/{}/qr.svg", s.code),
            png => format!("/s/{}/qr.png", s.code),
            file => format!("liaison-{}", s.code),
            address => s.address.clone(),
        },
    };
    ctx.render_status(StatusCode::OK, "poster.html", page)
}

/// `GET /d/{code}/poster`
pub async fn deputy_poster(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let d = deputy_of(&state, &code).await?;
    let s = stations::by_id(&state.db, d.station_id)
        .await?
        .ok_or(PageError::NotFound)?;
    let station_name = ctx.lang.pick(&s.name, &s.name_en).to_owned();
    let page = minijinja::context! {
        poster => minijinja::context! {
            deputy => true,
            title => ctx.tf("poster.title", &[("name", d.name.clone())]),
            heading => ctx.tf("deputy.title", &[("name", d.name.clone())]),
            sub => format!("{} · {}", ctx.t(&format!("level.{}", d.level)), station_name),
            lead => ctx.tf("poster.lead_deputy", &[("name", d.name.clone())]),
            url => public_url(&state, &format!("/d/{}", d.code)),
            svg => format!("/d/{}/qr.svg", d.code),
            png => format!("/d/{}/qr.png", d.code),
            file => format!("liaison-{}", d.code),
            address => s.address.clone(),
        },
    };
    ctx.render_status(StatusCode::OK, "poster.html", page)
}
