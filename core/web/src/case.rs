//! The case page, for everyone signed in who may see the case: station staff, deputies, the
//! handling organisations, ops and viewers. Scope is the API's (`queries::visible_case`); a case
//! out of scope answers 403 whether or not it exists, so the page tells no more than the API.
//!
//! It shows the summary, the masked contact with a form to reveal it (the reason is recorded as
//! an event by `contact::reveal`, the API's own path), the timeline (public and internal steps
//! labelled), the deadlines with due-soon and overdue marks, and one small form per action the
//! visitor may take now (`actions::allowed`). Each form posts to `/cases/{id}/act/{action}`,
//! becomes the action's typed `Command`, runs through `actions::perform` and comes back with a
//! flash message, or shows the page again with the message beside the field and what was typed
//! kept; a stale or illegal step shows the 409 message.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::context::{Ctx, role_label};
use super::error::{PageError, PageResult};
use super::form::{FormRefused, WebForm, field_message};
use super::resident::local_time;
use super::templates::value;
use crate::sent::Sent;
use liaison_api::AppState;
use liaison_domain::Error;
use liaison_domain::auth::Actor;
use liaison_domain::calendar::Calendar;
use liaison_domain::cases::actions::{self, Context, Performer};
use liaison_domain::cases::commands::{
    AnswerBody, AssignBody, Command, ExtendBody, FeedbackBody, GrantExtensionBody, NoteAudience,
    NoteBody, ReasonBody, RegisterBody,
};
use liaison_domain::cases::contact::{self, Contact};
use liaison_domain::cases::deadlines::{Timeliness, timeliness};
use liaison_domain::cases::lifecycle::Action;
use liaison_domain::cases::queries::{self, View};
use liaison_domain::error::{FieldKind, FormatKind};

#[derive(Serialize)]
struct DeadlineOut {
    label: String,
    date: String,
    mark: Option<&'static str>,
}

#[derive(Serialize)]
struct EventRow {
    label: String,
    public: bool,
    /// The resident reads the note too (群众可见).
    note_public: bool,
    actor: String,
    role: String,
    note: Option<String>,
    at: String,
    iso: String,
}

#[derive(Serialize)]
struct ActionOut {
    name: &'static str,
    label: String,
}

#[derive(Serialize)]
struct Choice {
    code: String,
    name: String,
}

/// A case the actor may see, or 403 (not 404: whether another station's case exists is not told).
async fn load(state: &AppState, actor: &Actor, id: i64) -> PageResult<liaison_domain::cases::Case> {
    match queries::visible_case(&state.db, actor, id).await {
        Ok(c) => Ok(c),
        Err(Error::NotFound(_)) => Err(PageError::Forbidden),
        Err(e) => Err(e.into()),
    }
}

fn mark(t: Option<Timeliness>) -> Option<&'static str> {
    match t {
        Some(Timeliness::Overdue) => Some("overdue"),
        Some(Timeliness::DueSoon) => Some("due_soon"),
        _ => None,
    }
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    c: liaison_domain::cases::Case,
    sent: Sent,
    revealed: Option<Contact>,
    status: StatusCode,
) -> PageResult<Response> {
    let today = queries::today(state.clock.now());
    let dir = state.reference.directory(&state.db).await?;
    let cal = Calendar::load(&state.db).await?;
    let rules = &state.settings.deadlines;
    let view = View {
        dir: &dir,
        cal: &cal,
        rules,
        today,
    };
    let station_code = dir
        .stations
        .get(&c.station_id)
        .map(|s| s.code.clone())
        .unwrap_or_default();
    let category = dir
        .categories
        .get(&c.category_id)
        .map(|x| ctx.lang.pick(&x.name, &x.name_en).to_owned())
        .unwrap_or_default();
    let d = queries::detail(&state.db, &view, actor, c).await?;
    let s = &d.summary;
    let deadlines: Vec<DeadlineOut> = [
        ("case.deadline_sign", d.deadlines.sign_for),
        ("case.deadline_reply", d.deadlines.reply),
        ("case.deadline_feedback", d.deadlines.feedback),
        ("case.deadline_rating", d.deadlines.rating),
    ]
    .into_iter()
    .filter_map(|(key, date)| {
        let date = date?;
        // Only the step the case is at now can be late.
        let current = s.due_on == Some(date);
        Some(DeadlineOut {
            label: ctx.t(key),
            date: date.to_string(),
            mark: if current {
                mark(timeliness(&cal, rules, Some(date), today))
            } else {
                None
            },
        })
    })
    .collect();
    let events: Vec<EventRow> = d
        .events
        .iter()
        .map(|e| EventRow {
            label: {
                let k = format!("event.{}", e.action);
                if super::i18n::has(&k) {
                    ctx.t(&k)
                } else {
                    e.label.clone()
                }
            },
            public: e.public,
            note_public: e.note_public,
            actor: e.actor_name.clone(),
            role: liaison_domain::auth::Role::parse(&e.actor_role)
                .map(|r| role_label(ctx.lang, r))
                .unwrap_or_default(),
            note: e.note.clone(),
            at: local_time(e.at),
            iso: e.at.to_rfc3339(),
        })
        .collect();
    let acts: Vec<ActionOut> = d
        .allowed_actions
        .iter()
        .map(|a| ActionOut {
            name: a.as_str(),
            label: ctx.t(&format!("action.{}", a.as_str())),
        })
        .collect();
    let mut orgs: Vec<Choice> = dir
        .orgs
        .values()
        .map(|o| Choice {
            code: o.code.clone(),
            name: ctx.org_name(o),
        })
        .collect();
    orgs.sort_by(|a, b| a.code.cmp(&b.code));
    let mut cats: Vec<_> = dir.categories.values().filter(|c| c.active).collect();
    cats.sort_by_key(|c| (c.sort, c.id));
    let categories: Vec<Choice> = cats
        .into_iter()
        .map(|c| Choice {
            code: c.code.clone(),
            name: ctx.lang.pick(&c.name, &c.name_en).to_owned(),
        })
        .collect();
    let may_reveal =
        liaison_domain::policy::may(actor, liaison_domain::policy::Permission::RevealContact);
    let timeliness_mark = mark(s.timeliness);
    ctx.render_status(
        status,
        "case.html",
        minijinja::context! {
            case => minijinja::context! {
                id => s.id,
                code => s.receipt_code.clone(),
                title => s.title.clone(),
                description => d.description.clone(),
                station => s.station.name.clone(),
                station_code => station_code,
                category => category,
                status => ctx.t(&format!("status.{}", s.status.as_str())),
                status_code => s.status.as_str(),
                supervision => (s.supervision_level > 0)
                    .then(|| ctx.t(&format!("supervision.{}", s.supervision_level.min(3)))),
                lead => s.lead.as_ref().map(|l| ctx.org_name_of(&dir, &l.code, &l.name)),
                co_handlers => d.co_handlers.iter().map(|o| ctx.org_name_of(&dir, &o.code, &o.name)).collect::<Vec<_>>(),
                deputy => d.deputy.as_ref().map(|x| x.name.clone()),
                address => d.location.as_ref().and_then(|l| l.address.clone()),
                urgent => d.urgency == liaison_domain::cases::Urgency::Urgent,
                complex => d.complex,
                anonymous => d.anonymous,
                pending_extension_days => d.pending_extension_days,
                due_on => s.due_on.map(|x| x.to_string()),
                mark => timeliness_mark,
                submitted_at => local_time(s.created_at),
                photos => d.photos.iter().map(|p| p.file_name.clone()).collect::<Vec<_>>(),
            },
            contact => d.contact.as_ref().map(value),
            revealed => revealed.map(value),
            may_reveal => may_reveal,
            deadlines => value(deadlines),
            events => value(events),
            actions => value(acts),
            orgs => value(orgs),
            categories => value(categories),
            sent => value(sent),
        },
    )
}

/// `GET /cases/{id}`
pub async fn case_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let actor = ctx.require_actor()?.clone();
    let c = load(&state, &actor, id).await?;
    render(
        &state,
        &ctx,
        &actor,
        c,
        Sent::default(),
        None,
        StatusCode::OK,
    )
    .await
}

/// `POST /cases/{id}/contact`: the contact in full, shown on this answer only.
pub async fn reveal(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let actor = ctx.require_actor()?.clone();
    let c = load(&state, &actor, id).await?;
    let (f, csrf_ok, controls) = match super::form::received(form) {
        Ok(r) => r,
        Err(answer) => return Ok(*answer),
    };
    let mut sent = Sent::new("reveal", &f);
    if !csrf_ok {
        sent.form_error = Some(ctx.t("error.csrf"));
        return render(&state, &ctx, &actor, c, sent, None, StatusCode::FORBIDDEN).await;
    }
    let revealed = match controls {
        Some(field) => Err(super::form::controls_refused(field)),
        None => contact::reveal(&state.db, &actor, id, &f.text("reason"), state.clock.now()).await,
    };
    match revealed {
        Ok(found) => {
            let c = load(&state, &actor, id).await?;
            render(
                &state,
                &ctx,
                &actor,
                c,
                Sent::default(),
                Some(found),
                StatusCode::OK,
            )
            .await
        }
        Err(Error::Invalid { field, kind }) => {
            sent.errors
                .insert(field.clone(), field_message(&ctx, &field, &kind));
            render(
                &state,
                &ctx,
                &actor,
                c,
                sent,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The command a form's fields make for `action`; a number that is not one is told beside it.
fn command_of(action: Action, f: &WebForm) -> Result<Command, (String, FieldKind)> {
    let text = |name: &str| f.text(name).trim().to_owned();
    let opt = |name: &str| {
        let v = text(name);
        (!v.is_empty()).then_some(v)
    };
    let number = |name: &str| -> Result<Option<u32>, (String, FieldKind)> {
        let v = text(name);
        if v.is_empty() {
            return Ok(None);
        }
        v.parse::<u32>()
            .map(Some)
            .map_err(|_| (name.to_owned(), FieldKind::Format(FormatKind::Number)))
    };
    // A box left unticked says nothing, so the case keeps what it has.
    let complex = f.checked("complex").then_some(true);
    let reason = || ReasonBody {
        reason: text("reason"),
    };
    // A note is internal unless the box "群众可见" is ticked.
    let note_audience = if f.checked("note_public") {
        NoteAudience::Public
    } else {
        NoteAudience::Internal
    };
    let note = || NoteBody {
        note: opt("note"),
        note_audience,
    };
    let answer = || AnswerBody {
        answer: text("answer"),
    };
    Ok(match action {
        Action::Register => Command::Register(RegisterBody {
            category: opt("category"),
            title: opt("title"),
            note: opt("note"),
            note_audience,
            complex,
            ..Default::default()
        }),
        Action::Reject => Command::Reject(reason()),
        Action::Return => Command::Return(reason()),
        Action::Reopen => Command::Reopen(reason()),
        Action::Assign => Command::Assign(AssignBody {
            lead: text("lead"),
            co_handlers: f
                .fields
                .iter()
                .filter(|(k, v)| k == "co_handlers" && !v.trim().is_empty())
                .map(|(_, v)| v.trim().to_owned())
                .collect(),
            complex,
            reply_days: number("reply_days")?,
            note: opt("note"),
            note_audience,
        }),
        Action::Extend => Command::Extend(ExtendBody {
            reason: text("reason"),
            days: number("days")?.ok_or_else(|| ("days".to_owned(), FieldKind::Required))?,
        }),
        Action::GrantExtension => Command::GrantExtension(GrantExtensionBody {
            approve: match text("approve").as_str() {
                "true" => true,
                "false" => false,
                _ => return Err(("approve".into(), FieldKind::NotOneOf { choices: vec![] })),
            },
            days: number("days")?,
            note: opt("note"),
            note_audience,
        }),
        Action::Reply => Command::Reply(answer()),
        Action::Resolve => Command::Resolve(answer()),
        Action::Feedback => Command::Feedback(FeedbackBody { note: text("note") }),
        Action::Acknowledge => Command::Acknowledge(note()),
        Action::Remind => Command::Remind(note()),
        Action::Supervise => Command::Supervise(note()),
        Action::Notice => Command::Notice(note()),
        Action::Close => Command::Close(note()),
        // Residents rate on the tracking page.
        Action::Rate => return Err(("rating".into(), FieldKind::NotOneOf { choices: vec![] })),
    })
}

/// `co_handlers[1]` → `co_handlers`: the field the page shows.
fn page_field(field: &str) -> String {
    field.split('[').next().unwrap_or(field).to_owned()
}

/// `POST /cases/{id}/act/{action}`
pub async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, name)): Path<(i64, String)>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let actor = ctx.require_actor()?.clone();
    let action = Action::parse(&name).ok_or(PageError::NotFound)?;
    let c = load(&state, &actor, id).await?;
    let (f, csrf_ok, controls) = match super::form::received(form) {
        Ok(r) => r,
        Err(answer) => return Ok(*answer),
    };
    let mut sent = Sent::new(action.as_str(), &f);
    if !csrf_ok {
        sent.form_error = Some(ctx.t("error.csrf"));
        return render(&state, &ctx, &actor, c, sent, None, StatusCode::FORBIDDEN).await;
    }
    let command = match controls.map_or_else(
        || command_of(action, &f),
        |field| Err((page_field(&field), FieldKind::ControlCharacters)),
    ) {
        Ok(v) => v,
        Err((field, kind)) => {
            sent.errors
                .insert(field.clone(), field_message(&ctx, &field, &kind));
            return render(
                &state,
                &ctx,
                &actor,
                c,
                sent,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let actx = Context {
        rules: &state.settings.deadlines,
        now: state.clock.now(),
    };
    let who = Performer::User(actor.clone());
    let refused = match actions::perform(&state.db, &actx, &who, id, command).await {
        Ok(_) => {
            // An in-row action on a desk list goes back to that list (a local path only).
            let back = super::session::safe_next(f.get("_back").unwrap_or(""))
                .filter(|p| p.starts_with("/desk/"))
                .map_or_else(|| format!("/cases/{id}"), str::to_owned);
            return Ok(ctx.redirect_with_flash(&back, &format!("flash.action_{}", action.as_str())));
        }
        Err(Error::Invalid { field, kind }) => {
            let shown = page_field(&field);
            let text = field_message(&ctx, &shown, &kind);
            Ok((shown, text))
        }
        // A body the action could not read: nothing more precise to say than "not right".
        Err(Error::BadRequest {
            field: Some(field), ..
        }) => Ok((page_field(&field), ctx.t("errors.invalid"))),
        Err(e) => Err(e),
    };
    match refused {
        Ok((shown, text)) => {
            sent.errors.insert(shown, text);
            render(
                &state,
                &ctx,
                &actor,
                c,
                sent,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(Error::Conflict(_)) => {
            sent.form_error = Some(ctx.t("error.conflict"));
            let c = load(&state, &actor, id).await?;
            render(&state, &ctx, &actor, c, sent, None, StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /cases/{id}/photos/{file}`: a photo of a case the visitor may see.
pub async fn photo(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, file)): Path<(i64, String)>,
) -> PageResult<Response> {
    let actor = ctx.require_actor()?.clone();
    let c = load(&state, &actor, id).await?;
    Ok(
        liaison_api::cases::photo_answer(&state.db, &state.settings.photos, c.id, &file, false)
            .await?,
    )
}

/// `GET /cases/{id}/photos/{file}/thumb`: its thumbnail.
pub async fn photo_thumb(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, file)): Path<(i64, String)>,
) -> PageResult<Response> {
    let actor = ctx.require_actor()?.clone();
    let c = load(&state, &actor, id).await?;
    Ok(
        liaison_api::cases::photo_answer(&state.db, &state.settings.photos, c.id, &file, true)
            .await?,
    )
}
