//! The pieces every console section is made of: a form described as data (drawn by
//! `console/kit.html`), what was sent when a form comes back with its messages, a list page and
//! a form page. A section builds these from the core's rows and says nothing about markup.

use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::super::context::Ctx;
use super::super::error::PageResult;
use super::super::form::{WebForm, field_message};
use super::super::templates::value;
pub use crate::sent::{Sent, Taken, take};
use liaison_domain::Error;
use liaison_domain::error::{FieldKind, FormatKind, Thing};
use liaison_domain::stations::PublicCode;

/// One input of a console form.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub name: String,
    pub label: String,
    /// text, password, date, number, textarea, select, checkbox, checkboxes, file.
    pub kind: &'static str,
    pub value: String,
    /// The ticked options of a `checkboxes` field.
    pub checked: Vec<String>,
    pub options: Vec<(String, String)>,
    pub required: bool,
    pub max: u32,
    pub hint: Option<String>,
    pub error: Option<String>,
}

impl Field {
    pub fn new(name: &str, label: String, kind: &'static str) -> Field {
        Field {
            name: name.to_owned(),
            label,
            kind,
            value: String::new(),
            checked: Vec::new(),
            options: Vec::new(),
            required: false,
            max: 100,
            hint: None,
            error: None,
        }
    }

    /// A text input of at most `max` characters.
    pub fn text(ctx: &Ctx, name: &str, max: u32) -> Field {
        let mut f = Field::new(name, ctx.t(&format!("console.f_{name}")), "text");
        f.max = max;
        f
    }

    pub fn kind(mut self, kind: &'static str) -> Field {
        self.kind = kind;
        self
    }

    pub fn label(mut self, label: String) -> Field {
        self.label = label;
        self
    }

    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }

    pub fn value(mut self, v: impl Into<String>) -> Field {
        self.value = v.into();
        self
    }

    pub fn options(mut self, options: Vec<(String, String)>) -> Field {
        self.options = options;
        self
    }

    pub fn checked(mut self, checked: Vec<String>) -> Field {
        self.checked = checked;
        self
    }

    pub fn hint(mut self, hint: String) -> Field {
        self.hint = Some(hint);
        self
    }
}

/// A form: where it posts, its fields, and a message about it as a whole.
#[derive(Debug, Clone, Serialize)]
pub struct FormSpec {
    pub id: String,
    pub method: &'static str,
    pub action: String,
    pub title: Option<String>,
    pub submit: String,
    pub fields: Vec<Field>,
    pub error: Option<String>,
    pub multipart: bool,
    pub danger: bool,
}

impl FormSpec {
    pub fn post(id: &str, action: impl Into<String>, submit: String) -> FormSpec {
        FormSpec {
            id: id.to_owned(),
            method: "post",
            action: action.into(),
            title: None,
            submit,
            fields: Vec::new(),
            error: None,
            multipart: false,
            danger: false,
        }
    }

    pub fn get(id: &str, action: impl Into<String>, submit: String) -> FormSpec {
        FormSpec {
            method: "get",
            ..FormSpec::post(id, action, submit)
        }
    }

    pub fn title(mut self, t: String) -> FormSpec {
        self.title = Some(t);
        self
    }

    pub fn field(mut self, f: Field) -> FormSpec {
        self.fields.push(f);
        self
    }

    pub fn multipart(mut self) -> FormSpec {
        self.multipart = true;
        self
    }

    pub fn danger(mut self) -> FormSpec {
        self.danger = true;
        self
    }

    /// The form as it came back: what was typed (never a password) and the messages, when
    /// `sent` is this form's.
    pub fn again(mut self, sent: Option<&Sent>) -> FormSpec {
        let Some(s) = sent.filter(|s| s.form == self.id) else {
            return self;
        };
        self.error = s.form_error.clone();
        for f in &mut self.fields {
            match f.kind {
                "password" | "file" => {}
                "checkboxes" => f.checked = s.all(&f.name),
                "checkbox" => {
                    f.value = if s.all(&f.name).iter().any(|v| v == "true") {
                        "true".into()
                    } else {
                        String::new()
                    }
                }
                _ => f.value = s.get(&f.name),
            }
            f.error = s.errors.get(&f.name).cloned();
        }
        self
    }
}

/// The core's field messages in the visitor's words, with the console's own cases first.
/// The `code` field of a form that creates something, parsed; a bad one is put beside the field.
pub fn code_of(ctx: &Ctx, f: &WebForm, sent: &mut Sent) -> Option<PublicCode> {
    PublicCode::parse(&f.text("code"))
        .map_err(|m| {
            sent.errors
                .insert("code".into(), explain_field(ctx, "code", &m))
        })
        .ok()
}

pub fn explain_field(ctx: &Ctx, field: &str, kind: &FieldKind) -> String {
    let key = match kind {
        FieldKind::Format(FormatKind::CodeLength { .. } | FormatKind::CodeChars) => {
            Some("console.err_code")
        }
        FieldKind::Format(FormatKind::Username) => Some("console.err_username"),
        FieldKind::UnknownCode { thing, .. } => match thing {
            Thing::Station => Some("console.err_station"),
            Thing::Organisation => Some("errors.organisation"),
            Thing::Deputy => Some("console.err_deputy"),
            _ => None,
        },
        _ => None,
    };
    match key {
        Some(k) => ctx.t(k),
        None => field_message(ctx, field, kind),
    }
}

/// A refusal of the core as messages on the form: a field's beside it (`rename` maps the
/// core's field names to the form's), a conflict beside `conflict_field`. Anything else is
/// the page's error.
pub fn refused(
    ctx: &Ctx,
    mut sent: Sent,
    e: Error,
    conflict_field: &str,
    rename: &[(&str, &str)],
) -> PageResult<Sent> {
    match e {
        Error::Invalid { ref field, .. }
        | Error::BadRequest {
            field: Some(ref field),
            ..
        } => {
            let base = field.split(['[', '.']).next().unwrap_or(field).to_owned();
            let shown = rename
                .iter()
                .find(|(from, _)| *from == base)
                .map_or(base.clone(), |(_, to)| (*to).to_owned());
            // A body that could not be read at all says no more than "not right".
            let text = match &e {
                Error::Invalid { kind, .. } => explain_field(ctx, &base, kind),
                _ => ctx.t("errors.invalid"),
            };
            sent.errors.insert(shown, text);
            sent.status = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(sent)
        }
        Error::Conflict(_) => {
            sent.errors
                .insert(conflict_field.to_owned(), ctx.t("console.err_taken"));
            sent.status = StatusCode::CONFLICT;
            Ok(sent)
        }
        other => Err(other.into()),
    }
}

/// A cell of a list: text, maybe a link.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub text: String,
    pub href: Option<String>,
    /// A picture shown in the cell (its text is the picture's alternative text).
    pub img: Option<String>,
}

impl Cell {
    pub fn text(t: impl Into<String>) -> Cell {
        Cell {
            text: t.into(),
            href: None,
            img: None,
        }
    }

    pub fn link(t: impl Into<String>, href: impl Into<String>) -> Cell {
        Cell {
            text: t.into(),
            href: Some(href.into()),
            img: None,
        }
    }

    /// A picture `src`, described by `alt`, that opens in full when followed.
    pub fn image(alt: impl Into<String>, src: impl Into<String>) -> Cell {
        let src = src.into();
        Cell {
            text: alt.into(),
            href: Some(src.clone()),
            img: Some(src),
        }
    }
}

/// A row of a list, with its links and its one-click forms (disable, resume, remove).
#[derive(Debug, Clone, Serialize, Default)]
pub struct Row {
    pub id: String,
    pub cells: Vec<Cell>,
    pub links: Vec<Cell>,
    pub buttons: Vec<FormSpec>,
}

/// A list page: a heading, an optional filter, the table, and forms below it.
#[derive(Debug, Clone, Serialize)]
pub struct ListPage {
    pub heading: String,
    pub intro: Option<String>,
    pub filter: Option<FormSpec>,
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
    pub empty: String,
    pub forms: Vec<FormSpec>,
    pub back: Option<Cell>,
}

impl ListPage {
    pub fn new(ctx: &Ctx, heading_key: &str) -> ListPage {
        ListPage {
            heading: ctx.t(heading_key),
            intro: None,
            filter: None,
            columns: Vec::new(),
            rows: Vec::new(),
            empty: ctx.t("console.empty"),
            forms: Vec::new(),
            back: Some(Cell::link(ctx.t("console.back_overview"), "/console")),
        }
    }

    pub fn render(self, ctx: &Ctx, status: StatusCode) -> PageResult<Response> {
        ctx.render_status(
            status,
            "console/list.html",
            minijinja::context! { page => value(self) },
        )
    }
}

/// A form page: a heading, facts about the thing, and its forms.
#[derive(Debug, Clone, Serialize)]
pub struct FormPage {
    pub heading: String,
    pub facts: Vec<(String, Cell)>,
    pub forms: Vec<FormSpec>,
    pub back: Cell,
}

impl FormPage {
    pub fn render(self, ctx: &Ctx, status: StatusCode) -> PageResult<Response> {
        ctx.render_status(
            status,
            "console/form.html",
            minijinja::context! { page => value(self) },
        )
    }
}

/// The status of a page showing `sent` (or 200 without it).
pub fn status_of(sent: Option<&Sent>) -> StatusCode {
    sent.map_or(StatusCode::OK, |s| s.status)
}

/// Only ops: others get the 403 page, visitors not signed in the sign-in page.
pub fn ops(ctx: &Ctx) -> PageResult<liaison_domain::auth::Actor> {
    let actor = ctx.require_actor()?;
    liaison_domain::policy::require(
        actor,
        liaison_domain::policy::Permission::AdministerDistrict,
    )?;
    Ok(actor.clone())
}

/// Choices for a select, (value, label).
pub fn choices<I, A, B>(items: I) -> Vec<(String, String)>
where
    I: IntoIterator<Item = (A, B)>,
    A: Into<String>,
    B: Into<String>,
{
    items
        .into_iter()
        .map(|(a, b)| (a.into(), b.into()))
        .collect()
}
