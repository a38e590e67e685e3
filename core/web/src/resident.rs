//! What the QR codes open, for residents on their phones, without an account:
//!
//! - `/s/{station}`: the station, who is on duty today, the form to raise an opinion, and the
//!   station's brand services; `/d/{deputy}`: the deputy and the same form addressed to them.
//!   The form posts back to the same address and goes through the core intake (validation and
//!   the group-commit writer); a mistake comes back beside its field with everything typed kept,
//!   and a random form key makes a resent form land on the case it already made.
//! - `/r/{receipt}`: the receipt code, large, to copy or write down;
//! - `/t/{receipt}`: progress in plain words, deadlines, the answer, and the rating form when it
//!   is time; `/t?code=` finds a case by a typed code;
//! - `/`: the stations and the tracking box.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, FixedOffset, Utc};
use minijinja::Value;
use serde::{Deserialize, Serialize};

use super::context::{Ctx, random_token};
use super::error::{PageError, PageResult};
use super::form::{FormRefused, WebForm, field_message};
use super::i18n::Lang;
use super::sent::{ErrorItem, Sent};
use super::templates::value;
use liaison_api::AppState;
use liaison_domain::Error;
use liaison_domain::cases::actions::{self, Context, Performer};
use liaison_domain::cases::commands::{Command, RateBody};
use liaison_domain::cases::intake::{self, ContactIn, Intake, Location};
use liaison_domain::cases::photos;
use liaison_domain::cases::queries::{self, TrackView};
use liaison_domain::cases::{Rating, Status, receipt};
use liaison_domain::duty;
use liaison_domain::error::{FieldKind, PhotoKind};
use liaison_domain::policy::{self, Permission};
use liaison_domain::{categories, deputies, stations};

// ---- shared pieces ---------------------------------------------------------------------------

/// China Standard Time, in which the district lives.
fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("a valid offset")
}

pub fn local_time(at: DateTime<Utc>) -> String {
    at.with_timezone(&cst())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn level_label(ctx: &Ctx, level: &str) -> String {
    ctx.t(&format!("level.{level}"))
}

#[derive(Serialize)]
struct Named {
    code: String,
    name: String,
}

#[derive(Serialize)]
struct StationOut {
    code: String,
    name: String,
    address: Option<String>,
}

fn station_out(ctx: &Ctx, s: &stations::Station) -> StationOut {
    StationOut {
        code: s.code.clone(),
        name: ctx.lang.pick(&s.name, &s.name_en).to_owned(),
        address: s.address.clone(),
    }
}

/// Whether the visitor works at this station (or runs the district): they get the poster link.
fn may_print(ctx: &Ctx, station_id: i64) -> bool {
    ctx.actor
        .as_ref()
        .is_some_and(|a| policy::may(a, Permission::WorkAtStation(station_id)))
}

// ---- the intake form -------------------------------------------------------------------------

/// What the resident typed, read off the form for the intake (the page shows it again from the
/// form's [`Sent`]).
struct IntakeValues {
    category: String,
    description: String,
    address: String,
    lat: String,
    lng: String,
    name: String,
    phone: String,
    anonymous: bool,
    notify_consent: bool,
}

impl IntakeValues {
    fn from_form(f: &WebForm) -> Self {
        IntakeValues {
            category: f.text("category"),
            description: f.text("description"),
            address: f.text("address"),
            lat: f.text("lat"),
            lng: f.text("lng"),
            name: f.text("name"),
            phone: f.text("phone"),
            anonymous: f.checked("anonymous"),
            notify_consent: f.checked("notify_consent"),
        }
    }
}

/// The intake form as the page draws it: what was sent (values, messages, status) is the
/// [`Sent`] every page re-shows forms with, flattened so the template reads `form.values.…`.
#[derive(Serialize)]
struct IntakeForm {
    action: String,
    client_key: String,
    #[serde(flatten)]
    sent: Sent,
    error_list: Vec<ErrorItem>,
    categories: Vec<Named>,
    max_description: usize,
    max_photos: usize,
    max_photo_mb: usize,
    /// Photos were sent but are not kept across a re-render.
    photos_again: bool,
    submit_label: String,
}

/// The form fields in page order, with their labels and inputs, for the error summary.
const INTAKE_FIELDS: [(&str, &str, &str); 7] = [
    ("category", "intake.category", "f-category"),
    ("description", "intake.description", "f-description"),
    ("address", "intake.address", "f-address"),
    ("photo", "intake.photos", "f-photos"),
    ("name", "intake.name", "f-name"),
    ("phone", "intake.phone", "f-phone"),
    ("contact", "intake.anonymous", "f-anonymous"),
];

/// The page field of a core intake field.
fn intake_field(api_field: &str) -> Option<&'static str> {
    Some(match api_field {
        "category" => "category",
        "description" | "title" => "description",
        f if f.starts_with("location") => "address",
        "contact.name" => "name",
        "contact.phone" => "phone",
        "contact" => "contact",
        "photo" => "photo",
        _ => return None,
    })
}

async fn category_options(state: &AppState, lang: Lang) -> PageResult<Vec<Named>> {
    Ok(categories::active(&state.db)
        .await?
        .into_iter()
        .map(|c| Named {
            name: lang.pick(&c.name, &c.name_en).to_owned(),
            code: c.code,
        })
        .collect())
}

impl IntakeForm {
    async fn new(
        state: &AppState,
        ctx: &Ctx,
        action: String,
        submit_label: String,
        sent: Option<Sent>,
        client_key: Option<String>,
    ) -> PageResult<Self> {
        Ok(IntakeForm {
            action,
            client_key: client_key
                .filter(|k| (8..=64).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
                .unwrap_or_else(random_token),
            sent: sent.unwrap_or_else(|| Sent {
                status: StatusCode::OK,
                ..Default::default()
            }),
            error_list: Vec::new(),
            categories: category_options(state, ctx.lang).await?,
            max_description: intake::MAX_DESCRIPTION,
            max_photos: state.settings.photos.max_count,
            max_photo_mb: state.settings.photos.max_bytes >> 20,
            photos_again: false,
            submit_label,
        })
    }

    fn field_error(&mut self, ctx: &Ctx, field: &str, message: String) {
        self.sent.errors.insert(field.to_owned(), message);
        self.sent.status = StatusCode::UNPROCESSABLE_ENTITY;
        self.error_list = self.sent.summary(ctx, &INTAKE_FIELDS);
    }
}

/// Where a form was raised: at a station, or to a deputy (at their station).
enum Target {
    Station(stations::Station),
    Deputy(deputies::Deputy, stations::Station),
}

impl Target {
    fn station(&self) -> &stations::Station {
        match self {
            Target::Station(s) | Target::Deputy(_, s) => s,
        }
    }

    fn action(&self) -> String {
        match self {
            Target::Station(s) => format!("/s/{}", s.code),
            Target::Deputy(d, _) => format!("/d/{}", d.code),
        }
    }

    fn submit_label(&self, ctx: &Ctx) -> String {
        match self {
            Target::Station(_) => ctx.t("intake.submit"),
            Target::Deputy(d, _) => ctx.tf("intake.submit_to", &[("name", d.name.clone())]),
        }
    }
}

async fn station_by_code(state: &AppState, code: &str) -> PageResult<stations::Station> {
    match state.reference.station_by_code(&state.db, code).await {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(PageError::NotFound),
        Err(e) => Err(e.into()),
    }
}

async fn deputy_target(state: &AppState, code: &str) -> PageResult<Target> {
    let d = deputies::by_code(&state.db, code).await?;
    if !d.active {
        return Err(PageError::NotFound);
    }
    let s = stations::by_id(&state.db, d.station_id)
        .await?
        .ok_or(PageError::NotFound)?;
    Ok(Target::Deputy(d, s))
}

/// Renders the station's or deputy's page around `form`.
async fn render_target(
    state: &AppState,
    ctx: &Ctx,
    target: &Target,
    form: IntakeForm,
    brand_failure: Option<crate::sent::Sent>,
    status: StatusCode,
) -> PageResult<Response> {
    let station = target.station();
    let today = queries::today(state.clock.now());
    let shifts = duty::shifts_of_station(&state.db, station.id, today, today).await?;
    let serving = deputies::serving_at(&state.db, station.id).await?;
    let on_duty: Vec<Value> = {
        let ids: Vec<i64> = shifts.iter().map(|s| s.deputy_id).collect();
        let all = deputies::by_ids(&state.db, &ids).await?;
        shifts
            .iter()
            .filter_map(|s| {
                let d = all.iter().find(|d| d.id == s.deputy_id)?;
                Some(minijinja::context! {
                    half => ctx.t(if s.half == "pm" { "station.pm" } else { "station.am" }),
                    code => d.code.clone(),
                    name => d.name.clone(),
                    note => s.note.clone(),
                })
            })
            .collect()
    };
    let show_poster_link = may_print(ctx, station.id);
    match target {
        Target::Station(s) => {
            let brands = super::brand::sections(state, ctx, s, brand_failure.as_ref()).await;
            let photo = crate::station_photo::url_of(state, s).await?;
            let page = minijinja::context! {
                station => value(station_out(ctx, s)),
                photo => photo,
                today => today.to_string(),
                duty => on_duty,
                deputies => serving.iter().map(|d| minijinja::context! {
                    code => d.code.clone(),
                    name => d.name.clone(),
                    level => level_label(ctx, &d.level),
                }).collect::<Vec<_>>(),
                form => value(form),
                brands => brands,
                show_poster_link => show_poster_link,
            };
            ctx.render_status(status, "station.html", page)
        }
        Target::Deputy(d, s) => {
            let page = minijinja::context! {
                station => value(station_out(ctx, s)),
                deputy => minijinja::context! {
                    code => d.code.clone(),
                    name => d.name.clone(),
                    initial => d.name.chars().next().map(String::from).unwrap_or_default(),
                    level => level_label(ctx, &d.level),
                    profile => d.profile.clone(),
                },
                on_duty => shifts.iter().any(|x| x.deputy_id == d.id),
                form => value(form),
                show_poster_link => show_poster_link,
            };
            ctx.render_status(status, "deputy.html", page)
        }
    }
}

/// `GET /s/{code}`
pub async fn station(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let target = Target::Station(station_by_code(&state, &code).await?);
    let form = IntakeForm::new(
        &state,
        &ctx,
        target.action(),
        target.submit_label(&ctx),
        None,
        None,
    )
    .await?;
    render_target(&state, &ctx, &target, form, None, StatusCode::OK).await
}

/// `GET /d/{code}`
pub async fn deputy(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let target = deputy_target(&state, &code).await?;
    let form = IntakeForm::new(
        &state,
        &ctx,
        target.action(),
        target.submit_label(&ctx),
        None,
        None,
    )
    .await?;
    render_target(&state, &ctx, &target, form, None, StatusCode::OK).await
}

/// `POST /s/{code}`
pub async fn submit_station(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let target = Target::Station(station_by_code(&state, &code).await?);
    submit(&state, &ctx, target, form).await
}

/// `POST /d/{code}`
pub async fn submit_deputy(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let target = deputy_target(&state, &code).await?;
    submit(&state, &ctx, target, form).await
}

fn parse_coordinate(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

async fn submit(
    state: &AppState,
    ctx: &Ctx,
    target: Target,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let (fields, csrf_ok, controls) = match super::form::received(form) {
        Ok(r) => r,
        Err(answer) => return Ok(*answer),
    };
    let v = IntakeValues::from_form(&fields);
    let key = fields.get("client_key").map(str::to_owned);
    let sent = if csrf_ok {
        Sent::from_form(&fields)
    } else {
        Sent::expired(ctx, "", &fields)
    };
    let mut page = IntakeForm::new(
        state,
        ctx,
        target.action(),
        target.submit_label(ctx),
        Some(sent),
        key.clone(),
    )
    .await?;
    // Browsers do not let a page put files back into a file input: say so when it comes back.
    page.photos_again = !fields.files.is_empty();
    if !csrf_ok {
        return render_target(state, ctx, &target, page, None, StatusCode::FORBIDDEN).await;
    }
    if let Some(field) = controls {
        let e = super::form::controls_refused(field);
        return intake_refused(state, ctx, &target, page, e).await;
    }
    let address = v.address.trim().to_owned();
    let location = match (parse_coordinate(&v.lat), parse_coordinate(&v.lng)) {
        (Some(lat), Some(lng)) => Some(Location {
            lat,
            lng,
            address: (!address.is_empty()).then(|| address.clone()),
        }),
        _ => None,
    };
    // The core keeps an address with coordinates. Typed alone, the address travels in the
    // description, on a line of its own, so that it reaches the station all the same.
    let mut description = v.description.clone();
    if location.is_none() && !address.is_empty() {
        if let Err(e) = intake::text("description", &description, 5, intake::MAX_DESCRIPTION)
            .and_then(|_| intake::text("location.address", &address, 1, 200))
        {
            return intake_refused(state, ctx, &target, page, e).await;
        }
        description = format!(
            "{}\n\n{}{}",
            description.trim(),
            super::i18n::t(Lang::Zh, "intake.address_line"),
            address
        );
    }
    let contact = (!v.name.trim().is_empty() || !v.phone.trim().is_empty()).then(|| ContactIn {
        name: Some(v.name.clone()),
        phone: Some(v.phone.clone()),
    });
    let req = Intake {
        station: target.station().code.clone(),
        category: v.category.clone(),
        description,
        title: None,
        location,
        contact,
        anonymous: v.anonymous,
        deputy: match &target {
            Target::Deputy(d, _) => Some(d.code.clone()),
            Target::Station(_) => None,
        },
        urgency: Default::default(),
        channel: None,
        client_key: Some(page.client_key.clone()),
        notify_consent: v.notify_consent,
    };
    let mut new = match intake::validate(&state.db, &state.reference, req, None).await {
        Ok(n) => n,
        Err(e @ Error::Invalid { .. }) => {
            return intake_refused(state, ctx, &target, page, e).await;
        }
        Err(e) => return Err(e.into()),
    };
    let raws = fields
        .files
        .iter()
        .filter(|(name, _)| name == "photo")
        .map(|(_, b)| b.clone())
        .collect();
    // As in the API: a shared location keeps the photos as they are, otherwise they are
    // re-encoded without their metadata.
    let keep = new.location.is_some();
    new.photos =
        match photos::store_all(&state.settings.photos, &state.photo_decoders, raws, keep).await {
            Ok(p) => p,
            Err(e @ Error::Invalid { .. }) => {
                return intake_refused(state, ctx, &target, page, e).await;
            }
            Err(Error::TooLarge { .. }) => {
                let e = Error::invalid("photo", FieldKind::Photo(PhotoKind::TooLarge));
                return intake_refused(state, ctx, &target, page, e).await;
            }
            Err(e) => return Err(e.into()),
        };
    // The photos are written with the case, in its transaction.
    let (created, fresh) = state.intake.submit(new, state.clock.now()).await?;
    if !fresh {
        tracing::info!(case_id = created.id, "a resent intake form found its case");
    }
    Ok(Redirect::to(&format!("/r/{}", created.receipt_code)).into_response())
}

async fn intake_refused(
    state: &AppState,
    ctx: &Ctx,
    target: &Target,
    mut page: IntakeForm,
    e: Error,
) -> PageResult<Response> {
    let Error::Invalid { field, kind } = e else {
        return Err(e.into());
    };
    let text = field_message(ctx, &field, &kind);
    match intake_field(&field) {
        Some(f) => page.field_error(ctx, f, text),
        None => {
            if field == "client_key" {
                page.client_key = random_token();
            }
            page.sent.form_error = Some(text);
        }
    }
    render_target(
        state,
        ctx,
        target,
        page,
        None,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// Re-renders the station page after a brand form was refused (see `brand::act`).
pub async fn station_with_brand_failure(
    state: &AppState,
    ctx: &Ctx,
    station: stations::Station,
    failed: crate::sent::Sent,
    status: StatusCode,
) -> PageResult<Response> {
    let target = Target::Station(station);
    let form = IntakeForm::new(
        state,
        ctx,
        target.action(),
        target.submit_label(ctx),
        None,
        None,
    )
    .await?;
    render_target(state, ctx, &target, form, Some(failed), status).await
}

// ---- receipt and tracking --------------------------------------------------------------------

/// `GET /r/{code}`: the receipt, right after submitting.
pub async fn receipt(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let view = queries::track(&state.db, &state.reference, &code).await?;
    ctx.render_status(
        StatusCode::OK,
        "receipt.html",
        minijinja::context! { code => view.receipt_code },
    )
}

#[derive(Serialize)]
struct StepOut {
    label: String,
    note: Option<String>,
    at: String,
    iso: String,
}

fn event_label(ctx: &Ctx, action: &str) -> String {
    let key = format!("event.{action}");
    if super::i18n::has(&key) {
        ctx.t(&key)
    } else {
        queries::event_label(action)
    }
}

fn rating_label(ctx: &Ctx, r: Rating) -> String {
    ctx.t(&format!("rating.{}", r.as_str()))
}

fn track_value(ctx: &Ctx, v: &TrackView, station_name: String) -> Value {
    minijinja::context! {
        receipt_code => v.receipt_code.clone(),
        status => v.status.as_str(),
        status_label => ctx.t(&format!("status.{}", v.status.as_str())),
        status_explain => ctx.t(&format!("status_explain.{}", v.status.as_str())),
        station_code => v.station.code.clone(),
        station_name => station_name,
        category => v.category.name.clone(),
        title => v.title.clone(),
        description => v.description.clone(),
        submitted_at => local_time(v.submitted_at),
        submitted_iso => v.submitted_at.to_rfc3339(),
        due_on => v.due_on.map(|d| d.to_string()),
        reply_deadline => v.reply_deadline.map(|d| d.to_string()),
        rating_deadline => v.rating_deadline.map(|d| d.to_string()),
        answer => v.answer.clone(),
        rating => v.rating.map(|r| rating_label(ctx, r)),
        can_rate => v.can_rate,
        timeline => value(v.timeline.iter().map(|s| StepOut {
            label: event_label(ctx, &s.action),
            note: s.note.clone(),
            at: local_time(s.at),
            iso: s.at.to_rfc3339(),
        }).collect::<Vec<_>>()),
    }
}

/// The rating form's fields in page order, with their labels and inputs, for the summary.
const RATE_FIELDS: [(&str, &str, &str); 2] = [
    ("rating", "rate.question", "f-rating"),
    ("comment", "rate.comment", "f-comment"),
];

async fn render_track(
    state: &AppState,
    ctx: &Ctx,
    view: TrackView,
    rate: Sent,
) -> PageResult<Response> {
    // The category and station in the visitor's language.
    let mut view = view;
    if let Ok(Some(c)) = state
        .reference
        .category_by_code(&state.db, &view.category.code)
        .await
    {
        view.category.name = ctx.lang.pick(&c.name, &c.name_en).to_owned();
    }
    let station_name = match state
        .reference
        .station_by_code(&state.db, &view.station.code)
        .await
    {
        Ok(Some(s)) => ctx.lang.pick(&s.name, &s.name_en).to_owned(),
        _ => view.station.name.clone(),
    };
    let status = rate.status;
    let rate_value = view.can_rate.then(|| {
        let choices: Vec<Value> = [
            Rating::Satisfied,
            Rating::BasicallySatisfied,
            Rating::Unsatisfied,
        ]
        .into_iter()
        .map(|r| minijinja::context! { value => r.as_str(), label => rating_label(ctx, r) })
        .collect();
        minijinja::context! {
            values => value(&rate.values),
            errors => value(&rate.errors),
            error_list => value(rate.summary(ctx, &RATE_FIELDS)),
            form_error => rate.form_error.clone(),
            choices => choices,
        }
    });
    let suggestions = value(&view.suggestions);
    let page = minijinja::context! {
        case => track_value(ctx, &view, station_name),
        rate => rate_value,
        suggestions => suggestions,
    };
    ctx.render_status(status, "track.html", page)
}

/// `GET /t/{code}`
pub async fn track(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let view = match queries::track(&state.db, &state.reference, &code).await {
        Ok(v) => v,
        // An unknown code is most often mistyped: say so and offer the box again, with what
        // was typed, rather than the generic "page not found".
        Err(Error::NotFound(_)) => {
            return ctx.render_status(
                StatusCode::NOT_FOUND,
                "lookup.html",
                minijinja::context! {
                    not_found => true,
                    lookup_value => code.chars().take(20).collect::<String>(),
                    lookup_error => ctx.t("lookup.not_found"),
                },
            );
        }
        Err(e) => return Err(e.into()),
    };
    let fresh = Sent {
        status: StatusCode::OK,
        ..Default::default()
    };
    render_track(&state, &ctx, view, fresh).await
}

/// `POST /t/{code}/rate`: the resident rates the answer, through the core's rating action.
pub async fn rate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let view = queries::track(&state.db, &state.reference, &code).await?;
    let (fields, csrf_ok, controls) = match super::form::received(form) {
        Ok(r) => r,
        Err(answer) => return Ok(*answer),
    };
    if !csrf_ok {
        let again = Sent::expired(&ctx, "", &fields);
        return render_track(&state, &ctx, view, again).await;
    }
    let sent = Sent::from_form(&fields);
    if let Some(field) = controls {
        let message = field_message(&ctx, &field, &FieldKind::ControlCharacters);
        return render_track(&state, &ctx, view, sent.error(&field, message)).await;
    }
    if !view.can_rate {
        return Ok(
            ctx.redirect_with_flash(&format!("/t/{}", view.receipt_code), "flash.not_ratable")
        );
    }
    let Some(rating) = Rating::parse(&sent.get("rating")) else {
        let refused = sent.error("rating", ctx.t("errors.rating"));
        return render_track(&state, &ctx, view, refused).await;
    };
    let id = liaison_domain::cases::queries::by_receipt(&state.db, &view.receipt_code)
        .await?
        .id;
    let comment = sent.get("comment").trim().to_owned();
    let command = Command::Rate(RateBody {
        rating,
        comment: (!comment.is_empty()).then_some(comment),
        receipt_code: Some(view.receipt_code.clone()),
    });
    let actx = Context {
        rules: &state.settings.deadlines,
        now: state.clock.now(),
    };
    let who = Performer::Resident {
        receipt_code: view.receipt_code.clone(),
    };
    match actions::perform(&state.db, &actx, &who, id, command).await {
        Ok(after) => {
            let key = if after.status == Status::Reopened {
                "flash.rated_reopened"
            } else {
                "flash.rated"
            };
            Ok(ctx.redirect_with_flash(&format!("/t/{}", view.receipt_code), key))
        }
        Err(Error::Invalid { field, kind }) => {
            // The rating parsed, so whatever the action refuses is about the comment.
            let refused = sent.error("comment", field_message(&ctx, &field, &kind));
            render_track(&state, &ctx, view, refused).await
        }
        Err(Error::Conflict(_)) => {
            Ok(ctx.redirect_with_flash(&format!("/t/{}", view.receipt_code), "flash.not_ratable"))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct LookupQuery {
    code: Option<String>,
}

/// `GET /t` and `GET /t?code=…`: find a case by its typed receipt code.
pub async fn lookup(ctx: Ctx, Query(q): Query<LookupQuery>) -> PageResult<Response> {
    let typed = q.code.unwrap_or_default();
    if typed.trim().is_empty() {
        return ctx.render_status(
            StatusCode::OK,
            "lookup.html",
            minijinja::context! { lookup_value => "" },
        );
    }
    match receipt::normalise(&typed) {
        Some(code) => Ok(Redirect::to(&format!("/t/{code}")).into_response()),
        None => ctx.render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "lookup.html",
            minijinja::context! {
                lookup_value => typed,
                lookup_error => ctx.t("lookup.bad_code"),
            },
        ),
    }
}

/// `GET /`: the stations, and the box to follow a case.
pub async fn home(State(state): State<AppState>, ctx: Ctx) -> PageResult<Response> {
    let list = stations::all_by_id(&state.db).await?;
    let stations: Vec<StationOut> = list.iter().map(|s| station_out(&ctx, s)).collect();
    ctx.render_status(
        StatusCode::OK,
        "home.html",
        minijinja::context! { stations => value(stations), lookup_value => "" },
    )
}
