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

use super::context::Ctx;
use super::error::{ErrorPage, error_response};

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
    /// The body could not be read (too large, wrong type, broken encoding).
    Unreadable(StatusCode),
}

impl IntoResponse for FormRefused {
    fn into_response(self) -> Response {
        match self {
            FormRefused::Csrf(_) => error_response(StatusCode::FORBIDDEN, ErrorPage::Csrf),
            FormRefused::Unreadable(s) => error_response(s, ErrorPage::Status(s)),
        }
    }
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
        let form = WebForm { fields, files };
        let ok = ctx.csrf_from_cookie && form.get("_csrf").is_some_and(|t| same(t, &ctx.csrf));
        if ok {
            Ok(form)
        } else {
            tracing::info!(path = %ctx.path, "form refused: CSRF token missing or not matching");
            Err(FormRefused::Csrf(form))
        }
    }
}

/// The core's and the plugin host's field messages ("must be at most 200 characters") in the
/// visitor's language. `field` is the core's field name, for messages that only make sense with
/// it. A message not recognised is the generic one, or, with `passthrough` (a plugin's own
/// words, written for the page's locale), itself.
pub fn explain(ctx: &Ctx, field: &str, message: &str, passthrough: bool) -> String {
    let number = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.parse::<u32>().ok())
    };
    if message == "must not be empty" || message == "is required" {
        return ctx.t("errors.required");
    }
    if let Some(n) = number("must be at least ") {
        return ctx.tf("errors.min_chars", &[("n", n.to_string())]);
    }
    if let Some(n) = number("must be at most ") {
        return ctx.tf("errors.max_chars", &[("n", n.to_string())]);
    }
    if message.starts_with("must be a phone number") {
        return ctx.t("errors.phone");
    }
    if message == "must be a number" {
        return ctx.t("errors.number");
    }
    if message.starts_with("must be a date") {
        return ctx.t("errors.date");
    }
    if message == "is not one of the choices" {
        return ctx.t("errors.choice");
    }
    if field == "photo" {
        return ctx.t(if message == "too large" {
            "errors.photo_size"
        } else if message.starts_with("at most") {
            "errors.photo_count"
        } else {
            "errors.photo_type"
        });
    }
    if message == "not a field of this form" {
        return ctx.t("errors.unknown_field");
    }
    if passthrough {
        return message.to_owned();
    }
    match field {
        "category" => ctx.t("errors.category"),
        "contact" => ctx.t("errors.anonymous_contact"),
        "deputy" => ctx.t("errors.deputy"),
        "client_key" => ctx.t("errors.form_expired"),
        f if f.starts_with("location") => ctx.t("errors.location"),
        _ => ctx.t("errors.invalid"),
    }
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
