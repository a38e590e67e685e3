//! Pages of deputies' suggestions and motions, over the same domain functions as the API:
//! the register within the visitor's reach (a deputy's own and station's, an organisation's,
//! everything for ops and viewers) with its downloads; the deputy's filing form; one item with
//! its history and a form for every step the visitor may take now (the office registers and
//! assigns, the lead organisation consults and replies, the deputy evaluates); the congress
//! sessions for ops; and the public list with the public replies.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::context::Ctx;
use crate::error::{PageError, PageResult};
use crate::form::{FormRefused, WebForm};
use crate::sent::{Sent, Taken, take};
use crate::templates::value;
use liaison_api::AppState;
use liaison_domain::auth::Actor;
use liaison_domain::calendar::Calendar;
use liaison_domain::cases::deadlines::Timeliness;
use liaison_domain::cases::queries::CaseFilter;
use liaison_domain::oversight::exports::Format;
use liaison_domain::policy::{self, Permission};
use liaison_domain::suggestions::actions::{self, Context};
use liaison_domain::suggestions::commands::*;
use liaison_domain::suggestions::filing::{self, NewSuggestion};
use liaison_domain::suggestions::opinions;
use liaison_domain::suggestions::queries::{self, PublicFilter, SuggestionFilter, View};
use liaison_domain::suggestions::sessions::{self, SessionInput};
use liaison_domain::suggestions::{Action, ConsultWay, Evaluation, Kind, ReplyClass, Status};

/// (name, source) of this area's templates.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "suggestions/fields.html",
        include_str!("templates/suggestions/fields.html"),
    ),
    (
        "suggestions/desk_section.html",
        include_str!("templates/suggestions/desk_section.html"),
    ),
    (
        "suggestions/list.html",
        include_str!("templates/suggestions/list.html"),
    ),
    (
        "suggestions/new.html",
        include_str!("templates/suggestions/new.html"),
    ),
    (
        "suggestions/detail.html",
        include_str!("templates/suggestions/detail.html"),
    ),
    (
        "suggestions/public.html",
        include_str!("templates/suggestions/public.html"),
    ),
    (
        "suggestions/sessions.html",
        include_str!("templates/suggestions/sessions.html"),
    ),
];

/// This area's routes; mounted inside the page context by `web::router`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/suggestions", get(register_page))
        .route("/suggestions/new", get(new_page).post(file))
        .route("/suggestions/public", get(public_page))
        .route(
            "/suggestions/sessions",
            get(sessions_page).post(create_session),
        )
        .route("/suggestions/{id}", get(detail_page))
        .route("/suggestions/{id}/act/{action}", post(act))
}

#[derive(Serialize)]
struct Choice {
    code: String,
    name: String,
}

pub(crate) fn status_name(ctx: &Ctx, s: Status) -> String {
    ctx.t(&format!("suggestions.status_{}", s.as_str()))
}

pub(crate) fn kind_name(ctx: &Ctx, k: Kind) -> String {
    ctx.t(&format!("suggestions.kind_{}", k.as_str()))
}

/// A form shown fresh: nothing sent, answered 200.
fn fresh() -> Sent {
    Sent {
        status: StatusCode::OK,
        ..Default::default()
    }
}

/// A refusal naming `cosigners[2]` stands beside the `cosigners` field.
fn fold_indexes(sent: &mut Sent) {
    let keys: Vec<String> = sent
        .errors
        .keys()
        .filter(|k| k.contains('['))
        .cloned()
        .collect();
    for k in keys {
        if let Some(m) = sent.errors.remove(&k) {
            let base = k.split('[').next().unwrap_or_default().to_owned();
            sent.errors.entry(base).or_insert(m);
        }
    }
}

// --- the register ---

/// The register's query: its filters and `?format=csv|xlsx`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RegisterQuery {
    status: String,
    kind: String,
    organisation: String,
    class: String,
    format: String,
}

#[derive(Serialize)]
struct Row {
    id: i64,
    number: String,
    kind: String,
    title: String,
    deputy: String,
    station: String,
    status: String,
    status_code: &'static str,
    lead: String,
    key: bool,
    due_on: Option<String>,
    overdue: bool,
    due_soon: bool,
    class: Option<&'static str>,
    evaluation: Option<String>,
}

pub(crate) async fn view<'a>(
    state: &'a AppState,
    dir: &'a liaison_domain::reference::Directory,
    cal: &'a Calendar,
) -> PageResult<View<'a>> {
    Ok(View::load(
        &state.db,
        dir,
        cal,
        &state.settings.suggestions,
        state.clock.now(),
    )
    .await?)
}

/// `GET /suggestions`
pub async fn register_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RegisterQuery>,
) -> PageResult<Response> {
    let actor = ctx.require_actor()?.clone();
    policy::require(&actor, Permission::ReadSuggestions)?;
    let filter = SuggestionFilter {
        status: Status::parse(q.status.trim()),
        kind: Kind::parse(q.kind.trim()),
        organisation: Some(q.organisation.trim().to_owned()).filter(|s| !s.is_empty()),
        class: ReplyClass::parse(q.class.trim()),
        ..Default::default()
    };
    let dir = state.reference.directory(&state.db).await?;
    let cal = Calendar::load(&state.db).await?;
    let v = view(&state, &dir, &cal).await?;
    let rows = queries::list(&state.db, &v, &actor, &filter).await?;
    if let Some(format) = Format::download_of(&q.format) {
        let name = if filter.organisation.is_some() {
            "suggestions-organisation"
        } else {
            "suggestions"
        };
        return liaison_api::exports::download(format, name, &queries::table(&rows))
            .map_err(PageError::from);
    }
    let list: Vec<Row> = rows
        .iter()
        .map(|r| Row {
            id: r.id,
            number: r.number.clone(),
            kind: kind_name(&ctx, r.kind),
            title: r.title.clone(),
            deputy: r.deputy.name.clone(),
            station: dir
                .station_by_code(&r.station.code)
                .map(|s| ctx.lang.pick(&s.name, &s.name_en).to_owned())
                .unwrap_or_default(),
            status: status_name(&ctx, r.status),
            status_code: r.status.as_str(),
            lead: r.lead.as_ref().map(|l| l.name.clone()).unwrap_or_default(),
            key: r.key_supervision,
            due_on: r.due_on.map(|d| d.to_string()),
            overdue: r.timeliness == Some(Timeliness::Overdue),
            due_soon: r.timeliness == Some(liaison_domain::cases::deadlines::Timeliness::DueSoon),
            class: r.reply_class.map(|c| c.as_str()),
            evaluation: r
                .evaluation
                .map(|e| ctx.t(&format!("suggestions.eval_{}", e.as_str()))),
        })
        .collect();
    let orgs: Vec<Choice> = dir
        .orgs
        .values()
        .map(|o| Choice {
            code: o.code.clone(),
            name: o.name.clone(),
        })
        .collect();
    let statuses: Vec<Choice> = Status::ALL
        .iter()
        .map(|s| Choice {
            code: s.as_str().to_owned(),
            name: status_name(&ctx, *s),
        })
        .collect();
    let mut orgs = orgs;
    orgs.sort_by(|a, b| a.code.cmp(&b.code));
    let query = format!(
        "status={}&kind={}&organisation={}&class={}",
        q.status.trim(),
        q.kind.trim(),
        q.organisation.trim(),
        q.class.trim()
    );
    ctx.render_status(
        StatusCode::OK,
        "suggestions/list.html",
        minijinja::context! {
            rows => value(list),
            can_file => policy::may(&actor, Permission::FileSuggestion),
            runs => policy::may(&actor, Permission::ManageSuggestions),
            orgs => value(orgs),
            statuses => value(statuses),
            q => minijinja::context! {
                status => q.status.trim(), kind => q.kind.trim(),
                organisation => q.organisation.trim(), class => q.class.trim(),
            },
            query => query,
        },
    )
}

/// The suggestions section of a desk (the deputy's, the organisation's): the items within the
/// visitor's reach that still need someone, newest first, at most 20.
pub async fn desk_section(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
) -> PageResult<minijinja::Value> {
    if !policy::may(actor, Permission::ReadSuggestions) {
        return Ok(minijinja::Value::from(()));
    }
    let dir = state.reference.directory(&state.db).await?;
    let cal = Calendar::load(&state.db).await?;
    let v = view(state, &dir, &cal).await?;
    // A co-organisation's deadline is its opinion's (one month), not the lead's reply.
    let owed = opinions::owed(&state.db, &v, actor).await?;
    let rows: Vec<_> = queries::list(&state.db, &v, actor, &SuggestionFilter::default())
        .await?
        .into_iter()
        .filter(|r| !matches!(r.status, Status::Closed | Status::Letter))
        .take(20)
        .map(|r| {
            let opinion = owed.iter().find(|o| o.id == r.id);
            let (due_on, timeliness) = match opinion {
                Some(o) => (Some(o.deadline), Some(o.timeliness)),
                None => (r.due_on, r.timeliness),
            };
            minijinja::context! {
                id => r.id,
                number => r.number.clone(),
                title => r.title.clone(),
                status => status_name(ctx, r.status),
                lead => r.lead.as_ref().map(|l| l.name.clone()),
                due_on => due_on.map(|d| d.to_string()),
                opinion_owed => opinion.is_some(),
                overdue => timeliness == Some(Timeliness::Overdue),
                due_soon => timeliness == Some(Timeliness::DueSoon),
            }
        })
        .collect();
    Ok(minijinja::context! {
        rows => rows,
        can_file => policy::may(actor, Permission::FileSuggestion),
    })
}

// --- filing ---

async fn render_new(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    sent: Sent,
) -> PageResult<Response> {
    let sessions: Vec<Choice> = sessions::all(&state.db)
        .await?
        .into_iter()
        .map(|s| Choice {
            code: s.id.to_string(),
            name: s.name,
        })
        .collect();
    // The deputy's station's cases, newest first, to raise the suggestion from.
    let filter = CaseFilter {
        station: None,
        status: None,
        category: None,
        organisation: None,
        overdue: None,
        supervision: None,
        text: None,
        tag: None,
        page: Some(1),
        per_page: Some(100),
    };
    let today = liaison_domain::cases::queries::today(state.clock.now());
    let (cases, _, _, _) =
        liaison_domain::cases::queries::list(&state.db, actor, &filter, today).await?;
    let cases: Vec<Choice> = cases
        .into_iter()
        .map(|c| Choice {
            code: c.id.to_string(),
            name: format!("{} {}", c.receipt_code, c.title),
        })
        .collect();
    let status = sent.status;
    ctx.render_status(
        if sent.is_clean() {
            StatusCode::OK
        } else {
            status
        },
        "suggestions/new.html",
        minijinja::context! {
            sessions => value(sessions),
            cases => value(cases),
            chosen_cases => sent.all("cases"),
            sent => value(sent),
        },
    )
}

/// `GET /suggestions/new`
pub async fn new_page(State(state): State<AppState>, ctx: Ctx) -> PageResult<Response> {
    let actor = ctx.require_actor()?.clone();
    policy::require(&actor, Permission::FileSuggestion)?;
    let sent = fresh();
    render_new(&state, &ctx, &actor, sent).await
}

/// Codes typed in one box, separated by commas, spaces or 、.
fn codes(s: &str) -> Vec<String> {
    s.split([',', '，', '、', ' ', '\n', '\t'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `POST /suggestions/new`
pub async fn file(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let actor = ctx.require_actor()?.clone();
    policy::require(&actor, Permission::FileSuggestion)?;
    let form = match take(&ctx, "", form) {
        Taken::Form(f) => f,
        Taken::Again(sent) => return render_new(&state, &ctx, &actor, sent).await,
        Taken::Answer(r) => return Ok(r),
    };
    let mut sent = Sent::from_form(&form);
    let Some(kind) = Kind::parse(form.text("kind").trim()) else {
        sent = sent.error("kind", ctx.t("errors.choice"));
        return render_new(&state, &ctx, &actor, sent).await;
    };
    let Ok(session) = form.text("session").trim().parse::<i64>() else {
        sent = sent.error("session", ctx.t("errors.choice"));
        return render_new(&state, &ctx, &actor, sent).await;
    };
    let mut cases = Vec::new();
    for (k, v) in &form.fields {
        if k == "cases" {
            match v.trim().parse::<i64>() {
                Ok(id) => cases.push(id),
                Err(_) => {
                    sent = sent.error("cases", ctx.t("errors.choice"));
                    return render_new(&state, &ctx, &actor, sent).await;
                }
            }
        }
    }
    let input = NewSuggestion {
        kind,
        session,
        during_session: form.checked("during_session"),
        title: form.text("title"),
        body: form.text("body"),
        cosigners: codes(&form.text("cosigners")),
        delegation: form.get("delegation").map(str::to_owned),
        cases,
    };
    match filing::file(&state.db, &actor, &input, state.clock.now()).await {
        Ok(s) => {
            Ok(ctx.redirect_with_flash(&format!("/suggestions/{}", s.id), "suggestions.filed"))
        }
        Err(e) => {
            if sent.refuse(&ctx, &e) {
                fold_indexes(&mut sent);
                render_new(&state, &ctx, &actor, sent).await
            } else {
                Err(e.into())
            }
        }
    }
}

// --- one item ---

#[derive(Serialize)]
struct StepOut {
    action: &'static str,
    label: String,
}

#[derive(Serialize)]
struct HistoryOut {
    label: String,
    actor: String,
    note: Option<String>,
    /// The deadlines an assignment set, or how an opinion met its own.
    detail: Option<String>,
    late: bool,
    at: String,
}

/// What a step's particulars add to its line in the history: the deadlines an assignment set
/// (the reply's and the co-organisations' opinions'), and whether an opinion came late.
fn history_detail(ctx: &Ctx, e: &queries::EventOut) -> (Option<String>, bool) {
    let Some(data) = &e.data else {
        return (None, false);
    };
    let day = |k: &str| data.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    match e.action.as_str() {
        "assign" => match (day("reply_deadline"), day("co_opinion_deadline")) {
            (Some(reply), Some(co)) => (
                Some(ctx.tf(
                    "suggestions.history_deadlines",
                    &[("reply", reply), ("co", co)],
                )),
                false,
            ),
            (Some(reply), None) => (
                Some(format!("{} {reply}", ctx.t("suggestions.reply_deadline"))),
                false,
            ),
            _ => (None, false),
        },
        "co_opinion" => match data.get("on_time").and_then(|v| v.as_bool()) {
            Some(true) => (Some(ctx.t("suggestions.opinion_sent_on_time")), false),
            Some(false) => (Some(ctx.t("suggestions.opinion_sent_late")), true),
            None => (None, false),
        },
        _ => (None, false),
    }
}

async fn render_detail(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    sent: Sent,
) -> PageResult<Response> {
    let dir = state.reference.directory(&state.db).await?;
    let cal = Calendar::load(&state.db).await?;
    let v = view(state, &dir, &cal).await?;
    let d = queries::detail(&state.db, &v, actor, id).await?;
    // The lead sees the reply form beside the consultation's: replying before 面商 is then
    // refused on the form, naming the state, rather than the form being missing.
    let mut offered = d.actions.clone();
    if offered.contains(&Action::Consult) && !offered.contains(&Action::Reply) {
        offered.push(Action::Reply);
    }
    let steps: Vec<StepOut> = offered
        .iter()
        .map(|a| StepOut {
            action: a.as_str(),
            label: ctx.t(&format!("suggestions.act_{}", a.as_str())),
        })
        .collect();
    let cst = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    let history: Vec<HistoryOut> = d
        .history
        .iter()
        .map(|e| {
            let (detail, late) = history_detail(ctx, e);
            HistoryOut {
                detail,
                late,
                label: if e.action == "file" {
                    ctx.t("suggestions.act_file")
                } else {
                    ctx.t(&format!("suggestions.act_{}", e.action))
                },
                actor: e.actor_name.clone(),
                note: e.note.clone(),
                at: e
                    .at
                    .with_timezone(&cst)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
            }
        })
        .collect();
    let mut orgs: Vec<Choice> = dir
        .orgs
        .values()
        .map(|o| Choice {
            code: o.code.clone(),
            name: o.name.clone(),
        })
        .collect();
    orgs.sort_by(|a, b| a.code.cmp(&b.code));
    let ways: Vec<Choice> = ConsultWay::ALL
        .iter()
        .map(|w| Choice {
            code: w.as_str().to_owned(),
            name: ctx.t(&format!("suggestions.way_{}", w.as_str())),
        })
        .collect();
    let evaluations: Vec<Choice> = Evaluation::ALL
        .iter()
        .map(|e| Choice {
            code: e.as_str().to_owned(),
            name: ctx.t(&format!("suggestions.eval_{}", e.as_str())),
        })
        .collect();
    let classes: Vec<Choice> = ReplyClass::ALL
        .iter()
        .map(|c| Choice {
            code: c.as_str().to_owned(),
            name: ctx.t(&format!("suggestions.class_{}", c.as_str())),
        })
        .collect();
    let status = sent.status;
    let page = minijinja::context! {
        s => value(&d),
        kind => kind_name(ctx, d.summary.kind),
        status_label => status_name(ctx, d.summary.status),
        evaluation => d.summary.evaluation.map(|e| ctx.t(&format!("suggestions.eval_{}", e.as_str()))),
        class_label => d.summary.reply_class.map(|c| ctx.t(&format!("suggestions.class_{}", c.as_str()))),
        overdue => d.summary.timeliness == Some(Timeliness::Overdue),
        steps => value(steps),
        history => value(history),
        orgs => value(orgs),
        ways => value(ways),
        evaluations => value(evaluations),
        classes => value(classes),
        today => liaison_domain::cases::deadlines::local_today(state.clock.now()).to_string(),
        chosen_co => sent.all("co_organisations"),
        sent => value(sent),
    };
    ctx.render_status(status, "suggestions/detail.html", page)
}

/// `GET /suggestions/{id}`
pub async fn detail_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let actor = ctx.require_actor()?.clone();
    let sent = fresh();
    render_detail(&state, &ctx, &actor, id, sent).await
}

fn optional(form: &WebForm, name: &str) -> Option<String> {
    form.get(name)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn date(form: &WebForm, name: &str) -> Result<Option<NaiveDate>, ()> {
    match optional(form, name) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| ()),
    }
}

/// The command a step's form describes, or the field at fault with its message key.
fn command_of(action: Action, form: &WebForm) -> Result<Command, (&'static str, &'static str)> {
    Ok(match action {
        Action::Register => Command::Register(NoteBody {
            note: optional(form, "note"),
        }),
        Action::Return => Command::Return(ReasonBody {
            reason: form.text("reason"),
        }),
        Action::ToLetter => Command::ToLetter(ReasonBody {
            reason: form.text("reason"),
        }),
        Action::Revise => Command::Revise(ReviseBody {
            title: optional(form, "title"),
            body: optional(form, "body"),
            note: optional(form, "note"),
        }),
        Action::Assign => {
            let months = match optional(form, "reply_months") {
                None => None,
                Some(m) => Some(
                    m.parse::<u32>()
                        .map_err(|_| ("reply_months", "errors.number"))?,
                ),
            };
            Command::Assign(AssignBody {
                lead: form.text("lead"),
                co_organisations: form
                    .fields
                    .iter()
                    .filter(|(k, _)| k == "co_organisations")
                    .map(|(_, v)| v.clone())
                    .collect(),
                reply_months: months,
                key_supervision: form.checked("key_supervision"),
                supervising_leader: optional(form, "supervising_leader"),
                note: optional(form, "note"),
            })
        }
        Action::Supervise => Command::Supervise(SuperviseBody {
            supervising_leader: form.text("supervising_leader"),
            note: optional(form, "note"),
        }),
        Action::Consult => Command::Consult(ConsultBody {
            day: date(form, "day")
                .ok()
                .flatten()
                .ok_or(("day", "errors.date"))?,
            way: ConsultWay::parse(form.text("way").trim()).ok_or(("way", "errors.choice"))?,
            people: form.text("people"),
            note: optional(form, "note"),
        }),
        Action::CoOpinion => Command::CoOpinion(CoOpinionBody {
            opinion: form.text("opinion"),
        }),
        Action::Reply => Command::Reply(ReplyBody {
            class: ReplyClass::parse(form.text("class").trim())
                .ok_or(("class", "errors.choice"))?,
            text: form.text("text"),
            reason: optional(form, "reason"),
            planned_on: date(form, "planned_on").map_err(|_| ("planned_on", "errors.date"))?,
        }),
        Action::Evaluate => Command::Evaluate(EvaluateBody {
            evaluation: Evaluation::parse(form.text("evaluation").trim())
                .ok_or(("evaluation", "errors.choice"))?,
            comment: optional(form, "comment"),
        }),
        Action::Confirm => Command::Confirm(ConfirmBody {
            solved: match form.text("solved").trim() {
                "true" => true,
                "false" => false,
                _ => return Err(("solved", "errors.choice")),
            },
            note: optional(form, "note"),
        }),
    })
}

/// `POST /suggestions/{id}/act/{action}`: one step, through the domain's `perform`; a refused
/// step comes back on the page with what was typed and the message beside its field.
pub async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, action)): Path<(i64, String)>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let actor = ctx.require_actor()?.clone();
    let action = Action::parse(&action).ok_or(PageError::NotFound)?;
    let form = match take(&ctx, action.as_str(), form) {
        Taken::Form(f) => f,
        Taken::Again(sent) => return render_detail(&state, &ctx, &actor, id, sent).await,
        Taken::Answer(r) => return Ok(r),
    };
    let mut sent = Sent::new(action.as_str(), &form);
    let command = match command_of(action, &form) {
        Ok(c) => c,
        Err((field, key)) => {
            sent = sent.error(field, ctx.t(key));
            return render_detail(&state, &ctx, &actor, id, sent).await;
        }
    };
    let c = Context {
        rules: &state.settings.suggestions,
        now: state.clock.now(),
    };
    match actions::perform(&state.db, &c, &actor, id, command).await {
        Ok(_) => Ok(ctx.redirect_with_flash(&format!("/suggestions/{id}"), "suggestions.done")),
        Err(e) => {
            if let liaison_domain::Error::Conflict(m) = &e {
                // The state machine's words name the state; the page says it plainly.
                sent.form_error = Some(ctx.tf("suggestions.conflict", &[("why", m.clone())]));
                sent.status = StatusCode::CONFLICT;
                return render_detail(&state, &ctx, &actor, id, sent).await;
            }
            if sent.refuse(&ctx, &e) {
                fold_indexes(&mut sent);
                render_detail(&state, &ctx, &actor, id, sent).await
            } else {
                Err(e.into())
            }
        }
    }
}

// --- sessions (ops) ---

async fn render_sessions(state: &AppState, ctx: &Ctx, sent: Sent) -> PageResult<Response> {
    let list = sessions::all(&state.db).await?;
    let status = sent.status;
    ctx.render_status(
        status,
        "suggestions/sessions.html",
        minijinja::context! { sessions => value(list), sent => value(sent) },
    )
}

/// `GET /suggestions/sessions`
pub async fn sessions_page(State(state): State<AppState>, ctx: Ctx) -> PageResult<Response> {
    let actor = ctx.require_actor()?;
    policy::require(actor, Permission::ManageSuggestions)?;
    let sent = fresh();
    render_sessions(&state, &ctx, sent).await
}

/// `POST /suggestions/sessions`
pub async fn create_session(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let actor = ctx.require_actor()?.clone();
    policy::require(&actor, Permission::ManageSuggestions)?;
    let form = match take(&ctx, "", form) {
        Taken::Form(f) => f,
        Taken::Again(sent) => return render_sessions(&state, &ctx, sent).await,
        Taken::Answer(r) => return Ok(r),
    };
    let mut sent = Sent::from_form(&form);
    let number = |name: &str| form.text(name).trim().parse::<i32>();
    let (Ok(term), Ok(meeting)) = (number("term"), number("meeting")) else {
        let field = if number("term").is_err() {
            "term"
        } else {
            "meeting"
        };
        sent = sent.error(field, ctx.t("errors.number"));
        return render_sessions(&state, &ctx, sent).await;
    };
    let Ok(Some(opens_on)) = date(&form, "opens_on") else {
        sent = sent.error("opens_on", ctx.t("errors.date"));
        return render_sessions(&state, &ctx, sent).await;
    };
    let input = SessionInput {
        level: form.text("level"),
        term,
        meeting,
        name: form.text("name"),
        opens_on,
    };
    match sessions::create(&state.db, &actor, &input, state.clock.now()).await {
        Ok(_) => Ok(ctx.redirect_with_flash("/suggestions/sessions", "suggestions.session_added")),
        Err(e) => {
            if sent.refuse(&ctx, &e) {
                render_sessions(&state, &ctx, sent).await
            } else {
                Err(e.into())
            }
        }
    }
}

// --- public ---

/// The public list's query.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PublicQuery {
    station: String,
    organisation: String,
    class: String,
}

/// `GET /suggestions/public`: no sign-in; by station, organisation or class.
pub async fn public_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PublicQuery>,
) -> PageResult<Response> {
    let dir = state.reference.directory(&state.db).await?;
    let cal = Calendar::load(&state.db).await?;
    let v = view(&state, &dir, &cal).await?;
    let f = PublicFilter {
        station: Some(q.station.trim().to_owned()).filter(|s| !s.is_empty()),
        organisation: Some(q.organisation.trim().to_owned()).filter(|s| !s.is_empty()),
        class: ReplyClass::parse(q.class.trim()),
    };
    let list = match queries::public_list(&state.db, &v, &f).await {
        Ok(l) => l,
        // An unknown station or organisation in the address: nothing to show.
        Err(liaison_domain::Error::Invalid { .. }) => return Err(PageError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let rows: Vec<_> = list
        .iter()
        .map(|p| {
            minijinja::context! {
                number => p.number.clone(),
                kind => kind_name(&ctx, p.kind),
                title => p.title.clone(),
                deputy => p.deputy.name.clone(),
                station => dir.station_by_code(&p.station.code)
                    .map(|s| ctx.lang.pick(&s.name, &s.name_en).to_owned())
                    .unwrap_or_default(),
                lead => p.lead.as_ref().map(|l| ctx.org_name_of(&dir, &l.code, &l.name)),
                status => status_name(&ctx, p.status),
                key => p.key_supervision,
                class => p.reply_class.map(|c| c.as_str()),
                reply => p.reply_text.clone(),
                planned_on => p.planned_on.map(|d| d.to_string()),
            }
        })
        .collect();
    let mut stations: Vec<Choice> = dir
        .stations
        .values()
        .map(|s| Choice {
            code: s.code.clone(),
            name: ctx.lang.pick(&s.name, &s.name_en).to_owned(),
        })
        .collect();
    stations.sort_by(|a, b| a.code.cmp(&b.code));
    let mut orgs: Vec<Choice> = dir
        .orgs
        .values()
        .map(|o| Choice {
            code: o.code.clone(),
            name: o.name.clone(),
        })
        .collect();
    orgs.sort_by(|a, b| a.code.cmp(&b.code));
    ctx.render_status(
        StatusCode::OK,
        "suggestions/public.html",
        minijinja::context! {
            rows => rows,
            stations => value(stations),
            orgs => value(orgs),
            q => minijinja::context! {
                station => q.station.trim(), organisation => q.organisation.trim(), class => q.class.trim(),
            },
        },
    )
}
