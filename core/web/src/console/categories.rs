//! Console: the case categories. A list in display order with the deadline limits the
//! configuration gives each (per category code, read-only here), a form to add one, one to
//! rename, reorder or retire it (its code stays: cases and deadline rules refer to it).

use axum::extract::{Path, State};
use axum::response::Response;

use super::kit::{self, Cell, Field, FormPage, FormSpec, ListPage, Row, Sent, Taken};
use crate::context::Ctx;
use crate::error::{PageError, PageResult};
use crate::form::{FormRefused, WebForm};
use liaison_api::AppState;
use liaison_domain::cases::deadlines::Limits;
use liaison_domain::categories::{self, CategoryPatch, NewCategory};

const NEW: &str = "new-category";
const EDIT: &str = "edit-category";

/// The order field: a whole number, empty meaning 0.
fn sort_of(ctx: &Ctx, f: &WebForm, sent: &mut Sent) -> Option<i32> {
    let raw = f.text("sort");
    let raw = raw.trim();
    if raw.is_empty() {
        return Some(0);
    }
    match raw.parse::<i32>() {
        Ok(n) if (-9999..=9999).contains(&n) => Some(n),
        _ => {
            sent.errors.insert(
                "sort".into(),
                ctx.tf(
                    "errors.out_of_range",
                    &[("min", "-9999".into()), ("max", "9999".into())],
                ),
            );
            None
        }
    }
}

async fn page(state: &AppState, ctx: &Ctx, sent: Option<Sent>) -> PageResult<Response> {
    let rows = categories::all(&state.db).await?;
    let mut p = ListPage::new(ctx, "console.categories");
    p.intro = Some(ctx.t("console.category_intro"));
    p.columns = [
        "f_code",
        "f_name",
        "f_name_en",
        "f_sort",
        "f_active",
        "limits",
    ]
    .iter()
    .map(|k| ctx.t(&format!("console.{k}")))
    .collect();
    p.rows = rows
        .into_iter()
        .map(|c| Row {
            id: format!("category-{}", c.code),
            cells: vec![
                Cell::link(c.code.clone(), format!("/console/categories/{}", c.code)),
                Cell::text(c.name.clone()),
                Cell::text(c.name_en.clone()),
                Cell::text(c.sort.to_string()),
                Cell::text(ctx.t(if c.active {
                    "console.yes"
                } else {
                    "console.no"
                })),
                Cell::text(limits(state, ctx, &c.code)),
            ],
            links: vec![Cell::link(
                ctx.t("console.edit"),
                format!("/console/categories/{}", c.code),
            )],
            buttons: Vec::new(),
        })
        .collect();
    p.forms.push(
        FormSpec::post(NEW, "/console/categories", ctx.t("console.add"))
            .title(ctx.t("console.category_new"))
            .field(
                Field::text(ctx, "code", 32)
                    .required()
                    .hint(ctx.t("console.code_hint")),
            )
            .field(Field::text(ctx, "name", 50).required())
            .field(Field::text(ctx, "name_en", 50).required())
            .field(Field::text(ctx, "sort", 5).kind("number").value("0"))
            .again(sent.as_ref()),
    );
    p.render(ctx, kit::status_of(sent.as_ref()))
}

/// The working-day limits that apply to the category, as configured.
fn limits(state: &AppState, ctx: &Ctx, code: &str) -> String {
    // The normal urgency: what a case of this category gets unless marked urgent.
    let l = Limits::for_case(
        &state.settings.deadlines,
        code,
        liaison_domain::cases::Urgency::Normal,
    );
    ctx.tf(
        "console.limits_text",
        &[
            ("ack", l.sign_for_days.to_string()),
            ("reply", l.reply_days.to_string()),
            ("complex", l.complex_reply_days.to_string()),
        ],
    )
}

/// `GET /console/categories`
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> PageResult<Response> {
    kit::ops(&ctx)?;
    page(&state, &ctx, None).await
}

/// `POST /console/categories`
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
    let sort = sort_of(&ctx, &f, &mut sent);
    let (Some(code), Some(sort)) = (code, sort) else {
        return page(&state, &ctx, Some(sent)).await;
    };
    let new = NewCategory {
        code,
        name: f.text("name"),
        name_en: f.text("name_en"),
        sort,
    };
    match categories::create(&state.db, &state.reference, &new).await {
        Ok(_) => Ok(ctx.redirect_with_flash("/console/categories", "console.flash_created")),
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
    let c = categories::by_code(&state.db, code)
        .await?
        .ok_or(PageError::NotFound)?;
    FormPage {
        heading: ctx.tf("console.category_edit", &[("name", c.name.clone())]),
        facts: vec![
            (ctx.t("console.f_code"), Cell::text(c.code.clone())),
            (
                ctx.t("console.limits"),
                Cell::text(limits(state, ctx, code)),
            ),
        ],
        forms: vec![
            FormSpec::post(
                EDIT,
                format!("/console/categories/{code}"),
                ctx.t("console.save"),
            )
            .field(
                Field::text(ctx, "name", 50)
                    .required()
                    .value(c.name.clone()),
            )
            .field(
                Field::text(ctx, "name_en", 50)
                    .required()
                    .value(c.name_en.clone()),
            )
            .field(
                Field::text(ctx, "sort", 5)
                    .kind("number")
                    .value(c.sort.to_string()),
            )
            .field(
                Field::new("active", ctx.t("console.f_active"), "checkbox").value(if c.active {
                    "true"
                } else {
                    ""
                }),
            )
            .again(sent.as_ref()),
        ],
        back: Cell::link(ctx.t("console.back_categories"), "/console/categories"),
    }
    .render(ctx, kit::status_of(sent.as_ref()))
}

/// `GET /console/categories/{code}`
pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> PageResult<Response> {
    kit::ops(&ctx)?;
    edit_page(&state, &ctx, &code, None).await
}

/// `POST /console/categories/{code}`
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
    let Some(sort) = sort_of(&ctx, &f, &mut sent) else {
        return edit_page(&state, &ctx, &code, Some(sent)).await;
    };
    let patch = CategoryPatch {
        name: f.text("name"),
        name_en: f.text("name_en"),
        sort,
        active: f.checked("active"),
    };
    match categories::update(&state.db, &state.reference, &code, &patch).await {
        Ok(_) => Ok(ctx.redirect_with_flash("/console/categories", "console.flash_saved")),
        Err(e) => {
            let sent = kit::refused(&ctx, sent, e, "name", &[])?;
            edit_page(&state, &ctx, &code, Some(sent)).await
        }
    }
}
