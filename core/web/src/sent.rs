//! A refused form coming back to its page: the one type every page re-shows a form with, so
//! that what was typed is kept and each message stands beside its field, whichever page it is.
//!
//! Templates read `sent.form` (which of the page's forms came back, so the other forms stay
//! empty), `sent.values[name]` (the first value of a field), `sent.lists[name]` (every value of
//! a field sent more than once, such as ticked boxes), `sent.errors[name]` and
//! `sent.form_error` (a message above the form).

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use liaison_domain::Error;

use super::context::Ctx;
use super::form::{FormRefused, WebForm, field_message};

/// What was sent with one form, with the messages to show beside it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Sent {
    /// Which form of the page came back ("" when the page has one).
    pub form: String,
    /// The first value of each field, as typed.
    pub values: BTreeMap<String, String>,
    /// Every value of each field, for fields sent more than once.
    pub lists: BTreeMap<String, Vec<String>>,
    /// A message per field, in the visitor's language.
    pub errors: BTreeMap<String, String>,
    /// A message for the whole form (an expired page, a conflict).
    pub form_error: Option<String>,
    /// The status the page answers with: 422 for messages on fields, 409 for a conflict, 403
    /// for an expired form; 200 for a form shown fresh.
    #[serde(skip)]
    pub status: StatusCode,
}

impl Sent {
    /// What `f` carried, as the form `form` of its page; the housekeeping fields (`_csrf`, …)
    /// are left out.
    pub fn new(form: &str, f: &WebForm) -> Sent {
        let mut s = Sent {
            form: form.to_owned(),
            status: StatusCode::UNPROCESSABLE_ENTITY,
            ..Default::default()
        };
        for (k, v) in f.values() {
            s.lists.entry(k.to_owned()).or_default().push(v.to_owned());
            s.values.entry(k.to_owned()).or_insert_with(|| v.to_owned());
        }
        s
    }

    /// The page's only form, as `f` carried it.
    pub fn from_form(f: &WebForm) -> Sent {
        Sent::new("", f)
    }

    /// A form whose CSRF token did not match: shown again with what was typed and a message
    /// saying the page had expired (the page carries a fresh token, so sending again works).
    pub fn expired(ctx: &Ctx, form: &str, f: &WebForm) -> Sent {
        let mut s = Sent::new(form, f);
        s.form_error = Some(ctx.t("error.csrf"));
        s.status = StatusCode::FORBIDDEN;
        s
    }

    /// The first value of `name`, or "".
    pub fn get(&self, name: &str) -> String {
        self.values.get(name).cloned().unwrap_or_default()
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.lists.get(name).cloned().unwrap_or_default()
    }

    /// With `message` beside `field`.
    pub fn error(mut self, field: &str, message: String) -> Sent {
        self.errors.insert(field.to_owned(), message);
        self
    }

    /// No message on any field nor on the form.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty() && self.form_error.is_none()
    }

    /// Puts the domain's refusal on the form: a field's beside it (worded from the catalogue by
    /// its kind), a conflict above the form. False for anything else, which is the page's error.
    pub fn refuse(&mut self, ctx: &Ctx, e: &Error) -> bool {
        match e {
            Error::Invalid { field, kind } => {
                self.errors
                    .insert(field.clone(), field_message(ctx, field, kind));
                self.status = StatusCode::UNPROCESSABLE_ENTITY;
                true
            }
            Error::Conflict(_) => {
                self.form_error = Some(ctx.t("oversight.conflict"));
                self.status = StatusCode::CONFLICT;
                true
            }
            _ => false,
        }
    }
}

/// One line of the summary above a long form: the field's label, its message and a link to it,
/// so that a resident on a phone sees what to mend without scrolling through the form.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorItem {
    /// The id of the input the line links to.
    pub anchor: String,
    /// The field's label, in the visitor's language.
    pub label: String,
    /// What is wrong with it.
    pub message: String,
}

impl Sent {
    /// The field messages in page order, for the summary; `order` names each field with its
    /// label's message key and the id of its input.
    pub fn summary(&self, ctx: &Ctx, order: &[(&str, &str, &str)]) -> Vec<ErrorItem> {
        order
            .iter()
            .filter_map(|(field, label, anchor)| {
                self.errors.get(*field).map(|m| ErrorItem {
                    anchor: (*anchor).to_owned(),
                    label: ctx.t(label),
                    message: m.clone(),
                })
            })
            .collect()
    }
}

/// A submitted form, or the form to show again (its token had expired), or an answer as it is.
pub enum Taken {
    /// The form, its token checked.
    Form(WebForm),
    /// What was typed, to show again with the "page expired" message.
    Again(Sent),
    /// The body could not be read: the answer to give.
    Answer(Response),
}

/// Sorts what a handler taking `Result<WebForm, FormRefused>` received.
pub fn take(ctx: &Ctx, form_id: &str, form: Result<WebForm, FormRefused>) -> Taken {
    match form {
        Ok(f) => Taken::Form(f),
        Err(FormRefused::Csrf(f)) => Taken::Again(Sent::expired(ctx, form_id, &f)),
        Err(FormRefused::Controls { form, field }) => {
            let mut s = Sent::new(form_id, &form);
            s.refuse(ctx, &super::form::controls_refused(field));
            Taken::Again(s)
        }
        Err(other) => Taken::Answer(other.into_response()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(fields: &[(&str, &str)]) -> WebForm {
        WebForm {
            fields: fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            files: Vec::new(),
        }
    }

    #[test]
    fn keeps_what_was_typed_without_the_housekeeping() {
        let s = Sent::new(
            "assign",
            &form(&[
                ("_csrf", "token"),
                ("lead", "housing"),
                ("co_handlers", "eco"),
                ("co_handlers", "water"),
                ("note", "  请尽快  "),
            ]),
        );
        assert_eq!(s.form, "assign");
        assert_eq!(s.get("lead"), "housing");
        assert_eq!(s.get("note"), "  请尽快  ", "kept exactly as typed");
        assert_eq!(s.all("co_handlers"), ["eco", "water"]);
        assert_eq!(s.get("_csrf"), "");
        assert_eq!(s.status, StatusCode::UNPROCESSABLE_ENTITY);
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["values"]["co_handlers"], "eco");
        assert_eq!(json["lists"]["co_handlers"][1], "water");
        assert!(json.get("status").is_none());
        assert!(s.is_clean());
        assert!(!s.error("lead", "x".into()).is_clean());
    }
}
