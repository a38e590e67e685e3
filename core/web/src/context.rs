//! What every page knows about its visitor, gathered once per request by [`web_context`]:
//!
//! - the language: `?lang=en` (or `zh`) picks one and keeps it in a cookie; otherwise the
//!   cookie, otherwise `web.default_locale`;
//! - the CSRF token: random per browser, kept in a `SameSite=Strict` cookie and put in a hidden
//!   field of every form; [`super::form::WebForm`] checks that the two match (double submit);
//! - the signed-in user, from the session cookie (a row of the same `sessions` table the API's
//!   bearer tokens use), and the station they belong to;
//! - a flash message left by the previous answer (a catalogue key in a short-lived cookie).
//!
//! On the way out it sets the cookies it decided on, adds the security headers, and turns every
//! error answer (a handler's [`PageError`](super::PageError), a rate-limit refusal, a body too
//! large, a bad path) into a page in the site's layout.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::Value;
use rand::RngCore;
use serde::Serialize;

use super::error::{ErrorPage, PageError, PageResult};
use super::i18n::{self, Lang};
use super::templates;
use liaison_api::AppState;
use liaison_domain::auth::{Actor, Role};
use liaison_domain::policy::{Permission, may};
use liaison_domain::stations;

pub const SESSION_COOKIE: &str = "liaison_session";
pub const CSRF_COOKIE: &str = "liaison_csrf";
pub const LANG_COOKIE: &str = "liaison_lang";
pub const FLASH_COOKIE: &str = "liaison_flash";

/// Pages may load only what this site serves; a brand view can carry no script, and no page
/// can be framed by another site (the API's outer layer sets the same on every HTML answer).
use liaison_api::security::CSP;

/// The station a signed-in user belongs to.
#[derive(Debug, Clone, Serialize)]
pub struct HomeStation {
    pub code: String,
    pub name: String,
}

/// The visitor, as every page handler sees them (`ctx: Ctx` in its arguments).
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    /// The token forms carry in their `_csrf` field.
    pub csrf: String,
    /// Whether `csrf` came with the request (a fresh one cannot match any submitted form).
    pub(crate) csrf_from_cookie: bool,
    pub actor: Option<Actor>,
    pub home_station: Option<HomeStation>,
    /// A catalogue key, shown once.
    pub flash: Option<String>,
    /// The request path (without the query), for the language switch and sign-in's way back.
    pub path: String,
    /// Whether cookies get `Secure` (the public address is https).
    pub secure: bool,
    /// The signed-in user's unread notifications, for the bell.
    pub unread: Option<u64>,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| PageError::Internal(anyhow::anyhow!("page without its context")))
    }
}

#[derive(Serialize)]
struct NavItem {
    href: String,
    label: String,
    current: bool,
}

#[derive(Serialize)]
struct UserOut {
    name: String,
    role: String,
}

pub fn role_label(lang: Lang, role: Role) -> String {
    i18n::t(lang, &format!("role.{}", role.as_str()))
}

impl Ctx {
    /// An organisation's name in the page's language: its English name on English pages when
    /// ops gave one, else its Chinese name.
    pub fn org_name(&self, o: &liaison_domain::orgs::Organisation) -> String {
        self.lang.pick(&o.name, &o.name_en).to_owned()
    }

    /// The name of the organisation with `code` in the page's language; `zh` (the Chinese name
    /// a query already carries) when the directory does not know it.
    pub fn org_name_of(
        &self,
        dir: &liaison_domain::reference::Directory,
        code: &str,
        zh: &str,
    ) -> String {
        dir.org_by_code(code)
            .map_or_else(|| zh.to_owned(), |o| self.org_name(o))
    }

    pub fn t(&self, key: &str) -> String {
        i18n::t(self.lang, key)
    }

    pub fn tf(&self, key: &str, args: &[(&str, String)]) -> String {
        i18n::tf(self.lang, key, args)
    }

    /// The navigation for this visitor: what their role can use, and no more.
    fn nav(&self) -> Vec<NavItem> {
        let mut items = vec![("/".to_owned(), "nav.home"), ("/t".to_owned(), "nav.track")];
        items.push(("/projects".to_owned(), "projects.nav"));
        items.push(("/appraisal".to_owned(), "appraisal.nav"));
        if let Some(a) = &self.actor {
            // Ops belong to no station, so their home station is none and this is the desk
            // of the people who work at one.
            if let (Some(s), Some(id)) = (&self.home_station, a.station_id)
                && may(a, Permission::WorkAtStation(id))
            {
                items.push((format!("/desk/{}", s.code), "nav.desk"));
                items.push((format!("/s/{}/poster", s.code), "nav.poster"));
                items.push((format!("/cockpit/{}", s.code), "dashboard.nav_cockpit"));
            }
            if may(a, Permission::ReadDistrict) {
                items.push(("/screen".to_owned(), "dashboard.nav_screen"));
            }
            if may(a, Permission::HandleForOrganisation) {
                items.push(("/org".to_owned(), "nav.org"));
            }
            if may(a, Permission::ActAsDeputy) {
                items.push(("/deputy".to_owned(), "nav.deputy_desk"));
            }
            if may(a, Permission::ReadSuggestions) {
                items.push(("/suggestions".to_owned(), "suggestions.nav"));
            }
            if may(a, Permission::KeepVisits) {
                items.push(("/visits".to_owned(), "visits.nav"));
            }
            if may(a, Permission::ReadPoints) {
                items.push(("/points".to_owned(), "points.nav"));
            }
            let runs = may(a, Permission::AdministerDistrict);
            if runs || may(a, Permission::Appraise) {
                items.push(("/appraisal/manage".to_owned(), "appraisal.manage_nav"));
            }
            if runs || may(a, Permission::Vote) {
                items.push(("/projects/vote".to_owned(), "projects.vote_nav"));
            }
            if runs {
                items.push(("/console".to_owned(), "console.nav"));
            }
            items.push(("/me".to_owned(), "nav.me"));
        }
        items
            .into_iter()
            .map(|(href, key)| NavItem {
                current: href == self.path,
                label: self.t(key),
                href,
            })
            .collect()
    }

    /// What the layout needs on every page.
    pub fn base(&self) -> Value {
        let other = self.lang.other();
        minijinja::context! {
            lang => self.lang.code(),
            html_lang => self.lang.html_lang(),
            other_lang => other.html_lang(),
            switch_href => format!("{}?lang={}", self.path, other.code()),
            switch_label => i18n::t(other, "layout.language_name"),
            csrf => self.csrf.clone(),
            path => self.path.clone(),
            asset_v => super::asset_version(),
            flash => self.flash.as_deref().map(|k| self.t(k)),
            nav => templates::value(self.nav()),
            unread => self.unread,
            user => self.actor.as_ref().map(|a| templates::value(UserOut {
                name: if a.display_name.trim().is_empty() { a.username.clone() } else { a.display_name.clone() },
                role: role_label(self.lang, a.role),
            })),
        }
    }

    /// Renders a page with the layout's values and `page`'s.
    pub fn render(&self, template: &str, page: Value) -> PageResult<Html<String>> {
        let ctx = minijinja::context! { ..page, ..self.base() };
        Ok(Html(templates::render(template, ctx)?))
    }

    /// Like [`Ctx::render`], answered with `status`.
    pub fn render_status(
        &self,
        status: StatusCode,
        template: &str,
        page: Value,
    ) -> PageResult<Response> {
        Ok((status, self.render(template, page)?).into_response())
    }

    /// Signed in, or off to the sign-in page.
    pub fn require_actor(&self) -> PageResult<&Actor> {
        self.actor.as_ref().ok_or(PageError::SignIn)
    }

    fn cookie(&self, name: &str, value: &str, max_age: Option<i64>, same_site: &str) -> String {
        let same_site = if same_site == "Strict" {
            cookie::SameSite::Strict
        } else {
            cookie::SameSite::Lax
        };
        let mut c = cookie::Cookie::build((name, value))
            .path("/")
            .http_only(true)
            .same_site(same_site)
            .secure(self.secure);
        if let Some(age) = max_age {
            c = c.max_age(cookie::time::Duration::seconds(age));
        }
        c.build().to_string()
    }

    /// A `Set-Cookie` value for the session cookie (`None` clears it).
    pub fn session_cookie(&self, token: Option<&str>, max_age_s: i64) -> HeaderValue {
        let c = match token {
            Some(t) => self.cookie(SESSION_COOKIE, t, Some(max_age_s), "Lax"),
            None => self.cookie(SESSION_COOKIE, "", Some(0), "Lax"),
        };
        HeaderValue::from_str(&c).expect("a cookie of safe characters")
    }

    /// A `Set-Cookie` value carrying a new CSRF token.
    pub fn csrf_cookie(&self, token: &str) -> HeaderValue {
        HeaderValue::from_str(&self.cookie(CSRF_COOKIE, token, None, "Strict"))
            .expect("a cookie of safe characters")
    }

    /// 303 to `to` with a flash message (a catalogue key) for the next page.
    pub fn redirect_with_flash(&self, to: &str, key: &str) -> Response {
        let mut res = Redirect::to(to).into_response();
        if i18n::has(key) {
            let c = self.cookie(FLASH_COOKIE, key, Some(60), "Lax");
            if let Ok(v) = HeaderValue::from_str(&c) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        res
    }
}

/// A fresh random token: 32 bytes, hex.
pub fn random_token() -> String {
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    hex::encode(raw)
}

fn is_token(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The request's cookies, name to value (the first of a name wins), read by the cookie crate.
pub fn cookies(headers: &HeaderMap) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for v in headers.get_all(header::COOKIE) {
        let Ok(s) = v.to_str() else { continue };
        for c in cookie::Cookie::split_parse(s).flatten() {
            if !out.iter().any(|(n, _)| n == c.name()) {
                out.push((c.name().to_owned(), c.value().to_owned()));
            }
        }
    }
    out
}

fn cookie_of<'a>(jar: &'a [(String, String)], name: &str) -> Option<&'a str> {
    jar.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn query_lang(query: Option<&str>) -> Option<Lang> {
    form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::parse(&v))
}

fn sets_cookie(res: &Response, name: &str) -> bool {
    let prefix = format!("{name}=");
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.to_str().is_ok_and(|s| s.starts_with(&prefix)))
}

/// A path and query as one `?next=` value: everything but letters, digits and `-_.~/`
/// percent-encoded.
fn encode_component(s: &str) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~')
        .remove(b'/');
    percent_encoding::utf8_percent_encode(s, KEEP).to_string()
}

/// The page middleware; see the module documentation.
pub async fn web_context(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let jar = cookies(req.headers());
    let path = req.uri().path().to_owned();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| path.clone());
    let secure = state
        .settings
        .server
        .public_base_url
        .starts_with("https://");
    let chosen = query_lang(req.uri().query());
    let lang = chosen
        .or_else(|| cookie_of(&jar, LANG_COOKIE).and_then(Lang::parse))
        .or_else(|| Lang::parse(&state.settings.web.default_locale))
        .unwrap_or_default();
    let (csrf, csrf_from_cookie) = match cookie_of(&jar, CSRF_COOKIE).filter(|t| is_token(t)) {
        Some(t) => (t.to_owned(), true),
        None => (random_token(), false),
    };
    let flash = cookie_of(&jar, FLASH_COOKIE)
        .filter(|k| i18n::has(k))
        .map(str::to_owned);
    let had_flash = cookie_of(&jar, FLASH_COOKIE).is_some();
    let session = cookie_of(&jar, SESSION_COOKIE).filter(|t| is_token(t));
    let actor = match session {
        Some(token) => {
            match liaison_domain::auth::actor_for_token(&state.db, token, state.clock.now()).await {
                Ok(a) => a,
                Err(e) => {
                    tracing::error!(error = %e, "reading the session");
                    None
                }
            }
        }
        None => None,
    };
    let stale_session = cookie_of(&jar, SESSION_COOKIE).is_some() && actor.is_none();
    let home_station = match actor.as_ref().and_then(|a| a.station_id) {
        Some(id) => stations::by_id(&state.db, id)
            .await
            .ok()
            .flatten()
            .map(|s| HomeStation {
                code: s.code,
                name: lang.pick(&s.name, &s.name_en).to_owned(),
            }),
        None => None,
    };
    let unread = match &actor {
        Some(a) => liaison_domain::notifications::inbox::unread(&state.db, a.user_id)
            .await
            .ok(),
        None => None,
    };
    let ctx = Ctx {
        lang,
        csrf,
        csrf_from_cookie,
        actor,
        home_station,
        flash,
        path,
        secure,
        unread,
    };
    req.extensions_mut().insert(ctx.clone());
    let mut res = next.run(req).await;

    // Error answers become pages.
    if let Some(page) = res.extensions().get::<ErrorPage>().copied() {
        res = match page {
            ErrorPage::SignIn => Redirect::to(&format!(
                "/login?next={}",
                encode_component(&path_and_query)
            ))
            .into_response(),
            ErrorPage::Csrf => error_page(&ctx, StatusCode::FORBIDDEN, Some("error.csrf"), &res),
            ErrorPage::Status(s) => error_page(&ctx, s, None, &res),
        };
    } else if (res.status().is_client_error() || res.status().is_server_error()) && !is_html(&res) {
        res = error_page(&ctx, res.status(), None, &res);
    }

    let mut add = Vec::new();
    if let Some(l) = chosen
        && !sets_cookie(&res, LANG_COOKIE)
    {
        add.push(ctx.cookie(LANG_COOKIE, l.code(), Some(31_536_000), "Lax"));
    }
    if !ctx.csrf_from_cookie && !sets_cookie(&res, CSRF_COOKIE) {
        add.push(ctx.cookie(CSRF_COOKIE, &ctx.csrf, None, "Strict"));
    }
    if had_flash && !sets_cookie(&res, FLASH_COOKIE) {
        add.push(ctx.cookie(FLASH_COOKIE, "", Some(0), "Lax"));
    }
    if stale_session && !sets_cookie(&res, SESSION_COOKIE) {
        add.push(ctx.cookie(SESSION_COOKIE, "", Some(0), "Lax"));
    }
    let h = res.headers_mut();
    for c in add {
        if let Ok(v) = HeaderValue::from_str(&c) {
            h.append(header::SET_COOKIE, v);
        }
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    let html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        // Pages carry a CSRF token, and some a receipt code: not for shared caches.
        h.entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
    res
}

fn is_html(res: &Response) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

/// The page for an error answer, keeping the headers that matter to the client.
fn error_page(ctx: &Ctx, status: StatusCode, key: Option<&str>, original: &Response) -> Response {
    let name = match status.as_u16() {
        400 => "bad_request",
        401 | 403 => "forbidden",
        404 => "not_found",
        405 => "method",
        409 => "conflict",
        413 => "too_large",
        415 | 422 => "invalid",
        429 => "too_many",
        503 => "unavailable",
        s if s >= 500 => "internal",
        _ => "bad_request",
    };
    let message = key.map_or_else(|| ctx.t(&format!("error.{name}")), |k| ctx.t(k));
    let retry_after = original
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let page = minijinja::context! {
        heading => ctx.t(&format!("error.{name}_heading")),
        message => message,
        retry_after => retry_after.clone(),
        back => (key == Some("error.csrf")).then(|| ctx.path.clone()),
    };
    let mut res = match ctx.render("error.html", page) {
        Ok(html) => (status, html).into_response(),
        Err(_) => (status, Html("<!doctype html><meta charset=utf-8><title>出错了 · Error</title><h1>出错了 · Error</h1>")).into_response(),
    };
    for name in [header::RETRY_AFTER, header::ALLOW] {
        if let Some(v) = original.headers().get(&name) {
            res.headers_mut().insert(name, v.clone());
        }
    }
    for v in original.headers().get_all(header::SET_COOKIE) {
        res.headers_mut().append(header::SET_COOKIE, v.clone());
    }
    res
}
