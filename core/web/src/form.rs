//! The one extractor for submitted forms. It reads a URL-encoded or a multipart body (file parts
//! are left for the handlers that take files) and checks the CSRF token: the `_csrf` field must
//! equal the token in the browser's `SameSite=Strict` cookie (double submit). Another site can
//! make a browser post a form, but can neither read the cookie nor send it along.
//!
//! A handler that can show its form again takes `Result<WebForm, FormRefused>` and, on
//! [`FormRefused::Csrf`], re-renders the form with what was typed and a clear message (the page
//! already carries a fresh token, so sending it again works). A handler that just takes
//! `WebForm` answers a mismatch with the generic "this page expired" page.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use liaison_domain::error::FieldKind;

use super::context::Ctx;
use super::error::{ErrorPage, error_response};
use super::i18n;

#[derive(Debug, Clone, Default)]
pub struct WebForm {
    pub fields: Vec<(String, String)>,
    /// Files chosen in file inputs, by input name (inputs left empty are not here).
    pub files: Vec<(String, axum::body::Bytes)>,
}

impl WebForm {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `name`, or "".
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_owned()
    }

    /// Whether a checkbox named `name` was ticked.
    pub fn checked(&self, name: &str) -> bool {
        matches!(self.get(name), Some("true" | "on" | "1"))
    }

    /// The fields people filled in: without `_csrf` and other `_`-prefixed housekeeping.
    pub fn values(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields
            .iter()
            .filter(|(k, _)| !k.starts_with('_'))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

#[derive(Debug)]
pub enum FormRefused {
    /// The CSRF token was missing or did not match; what was typed comes along.
    Csrf(WebForm),
    /// A field holds a character text may not hold (a control character, a bidi override),
    /// refused as the API refuses it; what was typed comes along, as typed.
    Controls {
        /// The form as sent.
        form: WebForm,
        /// The first field holding such a character.
        field: String,
    },
    /// The body could not be read (too large, wrong type, broken encoding).
    Unreadable(StatusCode),
}

impl IntoResponse for FormRefused {
    fn into_response(self) -> Response {
        match self {
            FormRefused::Csrf(_) => error_response(StatusCode::FORBIDDEN, ErrorPage::Csrf),
            FormRefused::Controls { .. } => error_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorPage::Status(StatusCode::UNPROCESSABLE_ENTITY),
            ),
            FormRefused::Unreadable(s) => error_response(s, ErrorPage::Status(s)),
        }
    }
}

/// What a handler that shows its own form again received: the form as typed, whether its
/// CSRF token matched, and the field holding a character text may not hold (to be refused
/// beside it as [`FieldKind::ControlCharacters`]); or the answer to give as it is.
// The answer is returned at once by the handler that asked; boxing it would only move it.
#[allow(clippy::result_large_err)]
pub fn received(
    form: Result<WebForm, FormRefused>,
) -> Result<(WebForm, bool, Option<String>), Box<Response>> {
    match form {
        Ok(f) => Ok((f, true, None)),
        Err(FormRefused::Csrf(f)) => Ok((f, false, None)),
        Err(FormRefused::Controls { form, field }) => Ok((form, true, Some(field))),
        Err(other) => Err(Box::new(other.into_response())),
    }
}

/// The refusal of a field holding a control character or a bidi override.
pub fn controls_refused(field: String) -> liaison_domain::Error {
    liaison_domain::Error::invalid(field, FieldKind::ControlCharacters)
}

/// Equal without telling, by its timing, how much of a guess was right.
fn same(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

impl<S: Send + Sync> FromRequest<S> for WebForm {
    type Rejection = FormRefused;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = req
            .extensions()
            .get::<Ctx>()
            .cloned()
            .ok_or(FormRefused::Unreadable(StatusCode::INTERNAL_SERVER_ERROR))?;
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        let (fields, files) = if multipart {
            let mut m = Multipart::from_request(req, state)
                .await
                .map_err(|e| FormRefused::Unreadable(e.status()))?;
            let mut fields = Vec::new();
            let mut files = Vec::new();
            while let Some(field) = m
                .next_field()
                .await
                .map_err(|e| FormRefused::Unreadable(e.status()))?
            {
                let Some(name) = field.name().map(str::to_owned) else {
                    continue;
                };
                if field.file_name().is_some() {
                    // The route's body limit bounds them; the handlers that take files check
                    // each one (a file input left empty sends an empty part).
                    let bytes = field
                        .bytes()
                        .await
                        .map_err(|e| FormRefused::Unreadable(e.status()))?;
                    if !bytes.is_empty() {
                        files.push((name, bytes));
                    }
                    continue;
                }
                let value = field
                    .text()
                    .await
                    .map_err(|e| FormRefused::Unreadable(e.status()))?;
                fields.push((name, value));
            }
            (fields, files)
        } else {
            let fields = axum::Form::<Vec<(String, String)>>::from_request(req, state)
                .await
                .map_err(|e| FormRefused::Unreadable(e.status()))?
                .0;
            (fields, Vec::new())
        };
        // What text may hold (`liaison_contract::hygiene`): a field holding a control character
        // or a bidi override is refused, as the API refuses it naming the field, so no rule and
        // no database ever sees one from a page; the form comes back with what was typed.
        let controls = fields.iter().find_map(|(k, v)| {
            (k.chars().any(liaison_contract::hygiene::forbidden)
                || v.chars().any(liaison_contract::hygiene::forbidden))
            .then(|| {
                k.chars()
                    .filter(|c| !liaison_contract::hygiene::forbidden(*c))
                    .collect::<String>()
            })
        });
        let form = WebForm { fields, files };
        let ok = ctx.csrf_from_cookie && form.get("_csrf").is_some_and(|t| same(t, &ctx.csrf));
        if ok {
            match controls {
                Some(field) => {
                    tracing::info!(path = %ctx.path, field = %field, "form refused: control characters");
                    Err(FormRefused::Controls { form, field })
                }
                None => Ok(form),
            }
        } else {
            tracing::info!(path = %ctx.path, "form refused: CSRF token missing or not matching");
            Err(FormRefused::Csrf(form))
        }
    }
}

/// Wording for one field that says more than its kind's: `(field, kind code, key)`. A field
/// ending in `.` matches every field under it (`location.` for `location.lat`); `*` matches
/// every kind.
const BY_FIELD: &[(&str, &str, &str)] = &[
    ("category", "unknown_code", "errors.category"),
    // A category is always picked from a list: a missing one is asked for as a choice.
    ("category", "required", "errors.category"),
    ("deputy", "unknown_code", "errors.deputy"),
    ("deputy", "deputy_not_serving", "errors.deputy"),
    ("lead", "unknown_code", "errors.organisation"),
    ("co_handlers", "unknown_code", "errors.organisation"),
    ("client_key", "format", "errors.form_expired"),
    ("location.", "out_of_range", "errors.location"),
];

/// The catalogue key for a kind whose key is not its code.
const BY_KIND: &[(&str, &str)] = &[
    // A blank answer and a missing one ask for the same thing.
    ("blank", "errors.required"),
    ("deputy_not_serving", "errors.deputy"),
    ("not_one_of", "errors.choice"),
];

/// What is wrong with `field`, in the visitor's language: the catalogue's words for the kind
/// (`errors.<kind>`, a format's `errors.<format>`), or for the field and the kind where the
/// page says more (see `BY_FIELD`). A plugin's own words pass as they are; a kind the
/// catalogue lacks is the generic "not filled in correctly".
pub fn field_message(ctx: &Ctx, field: &str, kind: &FieldKind) -> String {
    if let FieldKind::Plugin { message } = kind {
        return message.clone();
    }
    let code = kind.code();
    let by_field = BY_FIELD.iter().find(|(f, k, _)| {
        let field_matches = match f.strip_suffix('.') {
            Some(prefix) => field.starts_with(prefix),
            None => field == *f,
        };
        field_matches && (*k == "*" || *k == code)
    });
    let key = match (by_field, kind) {
        (Some((_, _, key)), _) => (*key).to_owned(),
        (None, FieldKind::Format(f)) => format!("errors.{}", f.code()),
        (None, _) => BY_KIND
            .iter()
            .find(|(k, _)| *k == code)
            .map_or_else(|| format!("errors.{code}"), |(_, key)| (*key).to_owned()),
    };
    let key = if i18n::has(&key) {
        key
    } else {
        "errors.invalid".to_owned()
    };
    let (min, max) = kind.bounds();
    let mut args = Vec::new();
    if let Some(min) = min {
        args.push(("min", min.to_string()));
    }
    if let Some(max) = max {
        args.push(("max", max.to_string()));
    }
    if let FieldKind::Sum { total, .. } = kind {
        args.push(("total", total.to_string()));
    }
    if let FieldKind::Photo(liaison_domain::error::PhotoKind::Dimensions {
        max_megapixels, ..
    }) = kind
    {
        args.push(("mp", max_megapixels.to_string()));
    }
    ctx.tf(&key, &args)
}

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn tokens_compare_whole() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
        assert!(!same("", "a"));
    }
}
