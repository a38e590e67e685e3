//! The year's points rules for ops: points per entry and a yearly cap per rule on one form;
//! saving rebuilds the year's ledger with them, as `PUT /points/{year}/rules` does.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use serde::{Deserialize, Serialize};

use super::Sent;
use crate::context::Ctx;
use crate::error::PageResult;
use crate::form::{FormRefused, WebForm};
use crate::templates::value;
use liaison_api::AppState;
use liaison_domain::Error;
use liaison_domain::cases::deadlines::local_today;
use liaison_domain::oversight::appraisal::check_year;
use liaison_domain::oversight::points::{self, Rule, RuleSetting};
use liaison_domain::oversight::points_table::check_rules;
use liaison_domain::policy::{self, Permission};

#[derive(Debug, Deserialize)]
pub struct YearQuery {
    year: Option<i32>,
}

#[derive(Serialize)]
struct RuleField {
    key: String,
    name: String,
}

fn ops(ctx: &Ctx) -> PageResult<()> {
    policy::require(ctx.require_actor()?, Permission::AdministerDistrict)?;
    Ok(())
}

fn year_of(state: &AppState, q: &YearQuery) -> PageResult<i32> {
    let year = q
        .year
        .unwrap_or_else(|| local_today(state.clock.now()).year());
    check_year(year)?;
    Ok(year)
}

fn render(ctx: &Ctx, year: i32, sent: Sent, status: StatusCode) -> PageResult<Response> {
    let fields: Vec<RuleField> = Rule::ALL
        .iter()
        .map(|r| RuleField {
            key: r.as_str().to_owned(),
            name: ctx.t(&format!("points.rule_{}", r.as_str())),
        })
        .collect();
    ctx.render_status(
        status,
        "oversight/rules.html",
        minijinja::context! { year => year, fields => value(fields), sent => value(sent) },
    )
}

pub async fn rules_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<YearQuery>,
) -> PageResult<Response> {
    ops(&ctx)?;
    let year = year_of(&state, &q)?;
    let mut sent = Sent::default();
    for r in points::rules_for(&state.db, year).await?.values() {
        let k = r.rule.as_str();
        sent.values
            .insert(format!("points_{k}"), r.points.to_string());
        sent.values.insert(
            format!("cap_{k}"),
            r.cap.map(|c| c.to_string()).unwrap_or_default(),
        );
    }
    render(&ctx, year, sent, StatusCode::OK)
}

pub async fn rules_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<YearQuery>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    ops(&ctx)?;
    let year = year_of(&state, &q)?;
    let form = match form {
        Ok(f) => f,
        Err(FormRefused::Csrf(f)) => {
            let mut sent = Sent::from_form(&f);
            sent.form_error = Some(ctx.t("error.csrf"));
            return render(&ctx, year, sent, StatusCode::FORBIDDEN);
        }
        Err(FormRefused::Controls { form, field }) => {
            let mut sent = Sent::from_form(&form);
            sent.refuse(&ctx, &crate::form::controls_refused(field));
            return render(&ctx, year, sent, StatusCode::UNPROCESSABLE_ENTITY);
        }
        Err(e) => return Ok(e.into_response()),
    };
    let mut sent = Sent::from_form(&form);
    let mut rules = Vec::new();
    for rule in Rule::ALL {
        let k = rule.as_str();
        let p_name = format!("points_{k}");
        let c_name = format!("cap_{k}");
        let points = form.text(&p_name).trim().parse::<i32>();
        let cap_text = form.text(&c_name);
        let cap = match cap_text.trim() {
            "" => Ok(None),
            t => t.parse::<i32>().map(Some),
        };
        match (points, cap) {
            (Ok(points), Ok(cap)) => rules.push(RuleSetting { rule, points, cap }),
            (p, c) => {
                if p.is_err() {
                    sent.errors.insert(p_name, ctx.t("errors.number"));
                }
                if c.is_err() {
                    sent.errors.insert(c_name, ctx.t("errors.number"));
                }
            }
        }
    }
    if sent.errors.is_empty() {
        match check_rules(&rules) {
            Ok(()) => {
                points::set_rules(&state.db, year, &rules, state.clock.now()).await?;
                return Ok(
                    ctx.redirect_with_flash(&format!("/points?year={year}"), "points.rules_saved")
                );
            }
            Err(Error::Invalid { field, .. }) => {
                // The core names "{rule}.points" or "{rule}.cap"; the form "points_{rule}".
                let (name, text) = match field.split_once('.') {
                    Some((rule, "cap")) => (format!("cap_{rule}"), "points.cap_range"),
                    Some((rule, _)) => (format!("points_{rule}"), "points.points_range"),
                    None => (field.clone(), "errors.number"),
                };
                sent.errors.insert(name, ctx.t(text));
            }
            Err(e) => return Err(e.into()),
        }
    }
    render(&ctx, year, sent, StatusCode::UNPROCESSABLE_ENTITY)
}
