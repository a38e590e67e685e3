//! Console: the handling organisations (承办单位). A list, a form to add one, one to rename it or
//! change its kind (its code, which users and cases refer to, stays).

use axum::extract::{Path, State};
use axum::response::Response;

use super::kit::{self, Cell, Field, FormPage, FormSpec, ListPage, Row, Sent, Taken};
use crate::context::Ctx;
use crate::error::{PageError, PageResult};
use crate::form::{FormRefused, WebForm};
use liaison_api::AppState;
use liaison_domain::orgs;
use liaison_domain::orgs::{NewOrganisation, OrganisationKind, OrganisationPatch};

const NEW: &str = "new-org";
const EDIT: &str = "edit-org";

fn kind_label(ctx: &Ctx, kind: &str) -> String {
    ctx.t(&format!("console.org_kind_{kind}"))
}

fn kind_field(ctx: &Ctx, value: &str) -> Field {
    Field::new("kind", ctx.t("console.f_kind"), "select")
        .required()
        .value(value)
        .options(
            ["department", "township"]
                .iter()
                .map(|k| (k.to_string(), kind_label(ctx, k)))
                .collect(),
        )
}

fn kind_of(ctx: &Ctx, f: &WebForm, sent: &mut Sent) -> Option<OrganisationKind> {
    let k = OrganisationKind::parse(&f.text("kind"));
    if k.is_none() {
        sent.errors.insert("kind".into(), ctx.t("errors.choice"));
    }
    k
}

async fn page(state: &AppState, ctx: &Ctx, sent: Option<Sent>) -> PageResult<Response> {
    let rows = orgs::all(&state.db).await?;
    let mut p = ListPage::new(ctx, "console.orgs");
    p.columns = ["f_code", "f_name", "f_name_en", "f_kind"]
        .iter()
        .map(|k| ctx.t(&format!("console.{k}")))
        .collect();
    p.rows = rows
        .into_iter()
        .map(|o| Row {
            id: format!("org-{}", o.code),
            cells: vec![
                Cell::link(o.code.clone(), format!("/console/orgs/{}", o.code)),
                Cell::text(o.name.clone()),
                Cell::text(o.name_en.clone()),
                Cell::text(kind_label(ctx, &o.kind)),
            ],
            links: vec![Cell::link(
                ctx.t("console.edit"),
                format!("/console/orgs/{}", o.code),
            )],
            buttons: Vec::new(),
        })
        .collect();
    p.forms.push(
        FormSpec::post(NEW, "/console/orgs", ctx.t("console.add"))
            .title(ctx.t("console.org_new"))
            .field(
                Field::text(ctx, "code", 32)
                    .required()
                    .hint(ctx.t("console.code_hint")),
            )
            .field(Field::text(ctx, "name", 100).required())
            .field(Field::text(ctx, "name_en", 100).hint(ctx.t("console.org_name_en_hint")))
            .field(kind_field(ctx, "department"))
            .again(sent.as_ref()),
    );
    p.render(ctx, kit::status_of(sent.as_ref()))
}

/// `GET /console/orgs`
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> PageResult<Response> {
    kit::ops(&ctx)?;
    page(&state, &ctx, None).await
}

/// `POST /console/orgs`
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
    let kind = kind_of(&ctx, &f, &mut sent);
    let (Some(code), Some(kind)) = (code, kind) else {
        return page(&state, &ctx, Some(sent)).await;
    };
    let new = NewOrganisation {
        code,
        name: f.text("name"),
        name_en: f.text("name_en"),
        kind,
    };
    match orgs::create(&state.db, &state.reference, &new).await {
        Ok(_) => Ok(ctx.redirect_with_flash("/console/orgs", "console.flash_created")),
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
    let o = orgs::by_code(&state.db, code)
        .await?
        .ok_or(PageError::NotFound)?;
    FormPage {
        heading: ctx.tf("console.org_edit", &[("name", o.name.clone())]),
        facts: vec![(ctx.t("console.f_code"), Cell::text(o.code.clone()))],
        forms: vec![
            FormSpec::post(EDIT, format!("/console/orgs/{code}"), ctx.t("console.save"))
                .field(
                    Field::text(ctx, "name", 100)
                        .required()
                        .value(o.name.clone()),
                )
                .field(
                    Field::text(ctx, "name_en", 100)
                        .value(o.name_en.clone())
                        .hint(ctx.t("console.org_name_en_hint")),
                )
                .field(kind_field(ctx, &o.kind))
                .again(sent.as_ref()),
        ],
        back: Cell::link(ctx.t("console.back_orgs"), "/console/orgs"),
    }
    .render(ctx, kit::status_of(sent.as_ref()))
}

/// `GET /console/orgs/{code}`
pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> PageResult<Response> {
    kit::ops(&ctx)?;
    edit_page(&state, &ctx, &code, None).await
}

/// `POST /console/orgs/{code}`
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
    let Some(kind) = kind_of(&ctx, &f, &mut sent) else {
        return edit_page(&state, &ctx, &code, Some(sent)).await;
    };
    let patch = OrganisationPatch {
        name: Some(f.text("name")),
        name_en: Some(f.text("name_en")),
        kind: Some(kind),
    };
    match orgs::update(&state.db, &state.reference, &code, &patch).await {
        Ok(_) => Ok(ctx.redirect_with_flash("/console/orgs", "console.flash_saved")),
        Err(e) => {
            let sent = kit::refused(&ctx, sent, e, "name", &[])?;
            edit_page(&state, &ctx, &code, Some(sent)).await
        }
    }
}
