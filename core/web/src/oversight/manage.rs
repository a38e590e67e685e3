//! The appraisal at work: appraisers (deputies) score the appraisers' items and vote in the
//! poll for every organisation on one form; ops set the year's weights, minimum sample and
//! visits target, and publish or withdraw the ranking. Each goes through the API's functions.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use serde::{Deserialize, Serialize};

use super::Sent;
use crate::context::Ctx;
use crate::error::{PageError, PageResult};
use crate::form::{FormRefused, WebForm, field_message};
use crate::templates::value;
use liaison_api::AppState;
use liaison_domain::Error;
use liaison_domain::auth::Actor;
use liaison_domain::cases::deadlines::local_today;
use liaison_domain::orgs;
use liaison_domain::oversight::appraisal::{self, ScoreInput, SettingsInput, VoteInput, Weights};
use liaison_domain::oversight::scoring::{Item, Method, Vote};
use liaison_domain::policy::{Permission, may};

#[derive(Debug, Deserialize)]
pub struct YearQuery {
    year: Option<i32>,
}

#[derive(Serialize)]
struct OrgRow {
    code: String,
    name: String,
}

#[derive(Serialize)]
struct Label {
    key: String,
    label: String,
}

fn appraiser_items() -> Vec<Item> {
    Item::ALL
        .into_iter()
        .filter(|i| i.method() == Method::Appraisers)
        .collect()
}

fn who(ctx: &Ctx) -> PageResult<Actor> {
    let a = ctx.require_actor()?;
    if may(a, Permission::AdministerDistrict) || may(a, Permission::Appraise) {
        Ok(a.clone())
    } else {
        Err(PageError::Forbidden)
    }
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    year: i32,
    mut sent: Sent,
    status: StatusCode,
) -> PageResult<Response> {
    let settings = appraisal::settings(&state.db, year).await?;
    let organisations: Vec<OrgRow> = orgs::by_code_order(&state.db)
        .await?
        .into_iter()
        .map(|o| OrgRow {
            code: o.code,
            name: o.name,
        })
        .collect();
    let is_ops = may(actor, Permission::AdministerDistrict);
    // The appraiser's own scores and votes fill the form unless it comes back with errors.
    if !is_ops && sent.values.is_empty() {
        let code_of: HashMap<i64, String> = orgs::all(&state.db)
            .await?
            .into_iter()
            .map(|o| (o.id, o.code))
            .collect();
        let marks = appraisal::own_marks(&state.db, actor.user_id, year).await?;
        for s in marks.scores {
            if let Some(code) = code_of.get(&s.organisation_id) {
                sent.values
                    .insert(format!("score_{code}_{}", s.item), s.score.to_string());
            }
        }
        for v in marks.votes {
            if let Some(code) = code_of.get(&v.organisation_id) {
                sent.values.insert(format!("vote_{code}"), v.vote);
            }
        }
    }
    if is_ops && sent.values.is_empty() {
        for (item, w) in Item::ALL.iter().zip(settings.weights.array()) {
            sent.values
                .insert(format!("w_{}", item.as_str()), w.to_string());
        }
        sent.values
            .insert("min_sample".into(), settings.min_sample.to_string());
        sent.values
            .insert("visit_target".into(), settings.visit_target.to_string());
    }
    let items: Vec<Label> = appraiser_items()
        .into_iter()
        .map(|i| Label {
            key: i.as_str().to_owned(),
            label: ctx.t(&format!("appraisal.item_{}", i.as_str())),
        })
        .collect();
    let all_items: Vec<Label> = Item::ALL
        .iter()
        .map(|i| Label {
            key: i.as_str().to_owned(),
            label: ctx.t(&format!("appraisal.item_{}", i.as_str())),
        })
        .collect();
    let votes: Vec<Label> = [Vote::Satisfied, Vote::BasicallySatisfied, Vote::Unsatisfied]
        .iter()
        .map(|v| Label {
            key: v.as_str().to_owned(),
            label: ctx.t(&format!("appraisal.vote_{}", v.as_str())),
        })
        .collect();
    ctx.render_status(
        status,
        "oversight/manage.html",
        minijinja::context! {
            year => year,
            is_ops => is_ops,
            published => settings.published,
            orgs => value(organisations),
            items => value(items),
            all_items => value(all_items),
            votes => value(votes),
            sent => value(sent),
        },
    )
}

pub async fn manage_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<YearQuery>,
) -> PageResult<Response> {
    let actor = who(&ctx)?;
    let year = q
        .year
        .unwrap_or_else(|| local_today(state.clock.now()).year());
    appraisal::check_year(year)?;
    render(&state, &ctx, &actor, year, Sent::default(), StatusCode::OK).await
}

fn int(sent: &mut Sent, ctx: &Ctx, form: &WebForm, name: &str) -> Option<i32> {
    let raw = form.text(name);
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match raw.parse::<i32>() {
        Ok(n) => Some(n),
        Err(_) => {
            sent.errors.insert(name.to_owned(), ctx.t("errors.number"));
            None
        }
    }
}

/// Saves what the form carries: the appraiser's scores and votes, or ops's settings and
/// publication.
pub async fn manage_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<YearQuery>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let actor = who(&ctx)?;
    let now = state.clock.now();
    let year = q.year.unwrap_or_else(|| local_today(now).year());
    appraisal::check_year(year)?;
    let form = match form {
        Ok(f) => f,
        Err(FormRefused::Csrf(f)) => {
            let mut sent = Sent::from_form(&f);
            sent.form_error = Some(ctx.t("error.csrf"));
            return render(&state, &ctx, &actor, year, sent, StatusCode::FORBIDDEN).await;
        }
        Err(FormRefused::Controls { form, field }) => {
            let mut sent = Sent::from_form(&form);
            sent.refuse(&ctx, &crate::form::controls_refused(field));
            return render(
                &state,
                &ctx,
                &actor,
                year,
                sent,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(e) => return Ok(e.into_response()),
    };
    let mut sent = Sent::from_form(&form);
    let back = format!("/appraisal/manage?year={year}");
    if may(&actor, Permission::AdministerDistrict) {
        if let Some(p) = form.get("publish") {
            appraisal::set_published(&state.db, &actor, year, p == "true", now).await?;
            return Ok(ctx.redirect_with_flash(&back, "appraisal.saved"));
        }
        let mut w = [0i32; 7];
        for (i, item) in Item::ALL.iter().enumerate() {
            w[i] = int(&mut sent, &ctx, &form, &format!("w_{}", item.as_str())).unwrap_or(0);
        }
        let min_sample = int(&mut sent, &ctx, &form, "min_sample").unwrap_or(0);
        let visit_target = int(&mut sent, &ctx, &form, "visit_target").unwrap_or(0);
        if sent.errors.is_empty() {
            let input = SettingsInput {
                weights: Weights::from_array(w),
                min_sample,
                visit_target,
            };
            match appraisal::set_settings(&state.db, &actor, year, &input, now).await {
                Ok(_) => return Ok(ctx.redirect_with_flash(&back, "appraisal.saved")),
                Err(Error::Invalid { field, kind }) => {
                    let name = match field.strip_prefix("weights.") {
                        Some(item) => format!("w_{item}"),
                        None => field.clone(),
                    };
                    let text = if field == "weights" {
                        ctx.t("appraisal.weights_sum")
                    } else {
                        field_message(&ctx, &field, &kind)
                    };
                    sent.errors.insert(name, text);
                }
                Err(e) => return Err(e.into()),
            }
        }
        return render(
            &state,
            &ctx,
            &actor,
            year,
            sent,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    // An appraiser: every filled score and vote.
    let organisations = orgs::all(&state.db).await?;
    let mut scores = Vec::new();
    let mut ballots = Vec::new();
    for o in &organisations {
        for item in appraiser_items() {
            let name = format!("score_{}_{}", o.code, item.as_str());
            if let Some(n) = int(&mut sent, &ctx, &form, &name) {
                if (0..=100).contains(&n) {
                    scores.push((o.code.clone(), item, n));
                } else {
                    sent.errors.insert(name, ctx.t("appraisal.score_range"));
                }
            }
        }
        let name = format!("vote_{}", o.code);
        if let Some(v) = form.get(&name).map(str::trim).filter(|v| !v.is_empty()) {
            match Vote::parse(v) {
                Some(vote) => ballots.push((o.code.clone(), vote)),
                None => {
                    sent.errors.insert(name, ctx.t("errors.choice"));
                }
            }
        }
    }
    if !sent.errors.is_empty() {
        return render(
            &state,
            &ctx,
            &actor,
            year,
            sent,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    for (organisation, item, score) in scores {
        appraisal::score(
            &state.db,
            &actor,
            year,
            &ScoreInput {
                organisation,
                item,
                score,
            },
            now,
        )
        .await?;
    }
    for (organisation, vote) in ballots {
        appraisal::vote(
            &state.db,
            &actor,
            year,
            &VoteInput { organisation, vote },
            now,
        )
        .await?;
    }
    Ok(ctx.redirect_with_flash(&back, "appraisal.saved"))
}
