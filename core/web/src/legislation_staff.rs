//! The legislative contact point's working forms: ops publish a draft (its articles pasted one
//! per line), station staff record a forum (座谈会) with the comments said there from the
//! draft's page, and ops and station staff mark each comment on the report. Each goes through
//! the same domain function as the API; a refused form comes back with what was typed and the
//! message beside its field, a closed draft with the reason above the form.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::NaiveDate;
use serde::Serialize;

use crate::context::Ctx;
use crate::error::PageResult;
use crate::form::{FormRefused, WebForm, field_message};
use crate::sent::{Sent, Taken, take};
use crate::templates::value;
use liaison_api::AppState;
use liaison_domain::Error;
use liaison_domain::legislation::{
    self, ArticleInput, Decision, DecisionInput, DraftInput, ForumComment, ForumInput, Level,
};
use liaison_domain::policy::{self, Permission};

/// (name, source) of this area's templates.
pub const TEMPLATES: &[(&str, &str)] = &[(
    "legislation/new.html",
    include_str!("templates/legislation/new.html"),
)];

/// This area's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/drafts/new", get(new_page).post(publish))
        .route("/drafts/{id}/forums", post(record_forum))
        .route("/drafts/{id}/report/{comment}", post(decide))
}

/// The number a line opens with as 第N条 (Arabic or Chinese numerals), and the rest of the line
/// without the separator after it.
fn numbered(line: &str) -> (Option<i32>, &str) {
    let Some(rest) = line.strip_prefix('第') else {
        return (None, line);
    };
    let Some((n, tail)) = rest.split_once('条') else {
        return (None, line);
    };
    match number_of(n) {
        Some(n) => (
            Some(n),
            tail.trim_start_matches([' ', '\u{3000}', '：', ':', '、', '，', ','])
                .trim(),
        ),
        None => (None, line),
    }
}

/// `12`, `十二` or `一百零五` as a number; None for anything else.
fn number_of(s: &str) -> Option<i32> {
    if let Ok(n) = s.trim().parse::<i32>() {
        return Some(n);
    }
    let (mut total, mut digit) = (0i32, None::<i32>);
    for c in s.chars() {
        let d = match c {
            '零' | '〇' => Some(0),
            '一' => Some(1),
            '二' | '两' => Some(2),
            '三' => Some(3),
            '四' => Some(4),
            '五' => Some(5),
            '六' => Some(6),
            '七' => Some(7),
            '八' => Some(8),
            '九' => Some(9),
            _ => None,
        };
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            _ => 0,
        };
        match (d, unit) {
            (Some(d), _) => digit = Some(d),
            // 十二: a unit with no digit before it counts once.
            (None, u) if u > 0 => total += digit.take().unwrap_or(1) * u,
            _ => return None,
        }
    }
    let n = total + digit.unwrap_or(0);
    (!s.is_empty() && n > 0).then_some(n)
}

/// Articles as ops paste them: one per line, blank lines skipped; a line opening with 第N条
/// carries that number, any other line the number after the one before.
pub(crate) fn articles_of(text: &str) -> Vec<ArticleInput> {
    let mut last = 0;
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (n, body) = numbered(l);
            last = n.unwrap_or(last + 1);
            ArticleInput {
                number: last,
                text: body.to_owned(),
            }
        })
        .collect()
}

/// A forum's comments as staff type them: one per line; a line opening with 第N条 is on that
/// article, any other on the draft as a whole.
pub(crate) fn forum_comments_of(text: &str) -> Vec<ForumComment> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (article, body) = numbered(l);
            ForumComment {
                article,
                body: body.to_owned(),
            }
        })
        .collect()
}

/// The index in `items[3].text`.
fn index_in(field: &str, list: &str) -> Option<usize> {
    field
        .strip_prefix(list)?
        .strip_prefix('[')?
        .split_once(']')?
        .0
        .parse()
        .ok()
}

/// Puts the domain's refusal on the form: a field's beside it (an article's or a comment's
/// beside the box they were typed in, saying which), a closed draft above the form.
fn refuse(ctx: &Ctx, sent: &mut Sent, e: &Error, where_: &dyn Fn(&str) -> Option<String>) -> bool {
    match e {
        Error::Invalid { field, kind } => {
            let message = match field.as_str() {
                "closes_on" => ctx.t("legislation.e_closes_on"),
                "day" => ctx.t("legislation.e_forum_day"),
                _ => field_message(ctx, field, kind),
            };
            let (name, message) = match where_(field) {
                Some(at) => (
                    field.split('[').next().unwrap_or(field).to_owned(),
                    format!("{at}{message}"),
                ),
                None => (field.clone(), message),
            };
            sent.errors.insert(name, message);
            sent.status = StatusCode::UNPROCESSABLE_ENTITY;
            true
        }
        Error::Conflict(_) => {
            sent.form_error = Some(ctx.t("legislation.closed"));
            sent.status = StatusCode::CONFLICT;
            true
        }
        _ => false,
    }
}

fn date(form: &WebForm, name: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(form.text(name).trim(), "%Y-%m-%d").ok()
}

#[derive(Serialize)]
struct Choice {
    code: &'static str,
    name: String,
}

async fn render_new(ctx: &Ctx, sent: Sent) -> PageResult<Response> {
    let levels: Vec<Choice> = [Level::National, Level::Provincial, Level::City]
        .into_iter()
        .map(|l| Choice {
            code: l.as_str(),
            name: ctx.t(&format!("legislation.level_{}", l.as_str())),
        })
        .collect();
    ctx.render_status(
        sent.status,
        "legislation/new.html",
        minijinja::context! { levels => value(levels), sent => value(sent) },
    )
}

/// `GET /drafts/new`: the form to publish a draft (ops).
pub async fn new_page(ctx: Ctx) -> PageResult<Response> {
    policy::require(ctx.require_actor()?, Permission::AdministerDistrict)?;
    let sent = Sent {
        status: StatusCode::OK,
        ..Default::default()
    };
    render_new(&ctx, sent).await
}

/// `POST /drafts/new`: publishes the draft, then shows it.
pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let actor = ctx.require_actor()?.clone();
    policy::require(&actor, Permission::AdministerDistrict)?;
    let form = match take(&ctx, "", form) {
        Taken::Form(f) => f,
        Taken::Again(sent) => return render_new(&ctx, sent).await,
        Taken::Answer(r) => return Ok(r),
    };
    let mut sent = Sent::from_form(&form);
    let level = match form.text("level").trim() {
        "national" => Some(Level::National),
        "provincial" => Some(Level::Provincial),
        "city" => Some(Level::City),
        _ => None,
    };
    let (Some(level), Some(closes_on)) = (level, date(&form, "closes_on")) else {
        if level.is_none() {
            sent = sent.error("level", ctx.t("errors.choice"));
        }
        if date(&form, "closes_on").is_none() {
            sent = sent.error("closes_on", ctx.t("errors.date"));
        }
        return render_new(&ctx, sent).await;
    };
    let input = DraftInput {
        title: form.text("title"),
        level,
        asked_by: form.text("asked_by"),
        closes_on,
        articles: articles_of(&form.text("articles")),
    };
    match legislation::publish(&state.db, &actor, &input, state.clock.now()).await {
        Ok(d) => Ok(ctx.redirect_with_flash(&format!("/drafts/{}", d.id), "legislation.published")),
        Err(e) => {
            let at = |field: &str| {
                let i = index_in(field, "articles")?;
                let n = input.articles.get(i)?.number;
                Some(ctx.tf("legislation.at_article", &[("n", n.to_string())]))
            };
            if refuse(&ctx, &mut sent, &e, &at) {
                render_new(&ctx, sent).await
            } else {
                Err(e.into())
            }
        }
    }
}

/// `POST /drafts/{id}/forums`: a forum with its comments, from the draft's page (the station's
/// staff, ops).
pub async fn record_forum(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let actor = ctx.require_actor()?.clone();
    let form = match take(&ctx, "forum", form) {
        Taken::Form(f) => f,
        Taken::Again(sent) => {
            return super::legislation::render_draft(&state, &ctx, id, "", sent).await;
        }
        Taken::Answer(r) => return Ok(r),
    };
    let mut sent = Sent::new("forum", &form);
    let Some(day) = date(&form, "day") else {
        sent = sent.error("day", ctx.t("errors.date"));
        return super::legislation::render_draft(&state, &ctx, id, "", sent).await;
    };
    let input = ForumInput {
        station: form.text("station"),
        day,
        place: form.text("place"),
        people: form.text("people"),
        comments: forum_comments_of(&form.text("comments")),
    };
    match legislation::record_forum(&state.db, &actor, id, &input, state.clock.now()).await {
        Ok(_) => {
            Ok(ctx.redirect_with_flash(&format!("/drafts/{id}"), "legislation.forum_recorded"))
        }
        Err(e) => {
            let at = |field: &str| {
                let i = index_in(field, "comments")?;
                Some(ctx.tf("legislation.at_line", &[("n", (i + 1).to_string())]))
            };
            if refuse(&ctx, &mut sent, &e, &at) {
                super::legislation::render_draft(&state, &ctx, id, "", sent).await
            } else {
                Err(e.into())
            }
        }
    }
}

/// `POST /drafts/{id}/report/{comment}`: marks one comment (ops any, station staff their
/// station's), then back to the report at that comment.
pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, comment)): Path<(i64, i64)>,
    form: Result<WebForm, FormRefused>,
) -> PageResult<Response> {
    let actor = ctx.require_actor()?.clone();
    let form_id = format!("decide-{comment}");
    let form = match take(&ctx, &form_id, form) {
        Taken::Form(f) => f,
        Taken::Again(sent) => {
            return super::legislation::render_report(&state, &ctx, &actor, id, sent).await;
        }
        Taken::Answer(r) => return Ok(r),
    };
    let decision = match form.text("decision").trim() {
        "adopted" => Decision::Adopted,
        "partly_adopted" => Decision::PartlyAdopted,
        "not_adopted" => Decision::NotAdopted,
        _ => {
            let sent = Sent::new(&form_id, &form).error("decision", ctx.t("errors.choice"));
            return super::legislation::render_report(&state, &ctx, &actor, id, sent).await;
        }
    };
    legislation::decide(
        &state.db,
        &actor,
        Some(id),
        comment,
        &DecisionInput { decision },
        state.clock.now(),
    )
    .await?;
    Ok(ctx.redirect_with_flash(
        &format!("/drafts/{id}/report#comment-{comment}"),
        "legislation.decided",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles_are_numbered_as_written_or_in_turn() {
        let a = articles_of(
            "第一条 为了加强管理，制定本条例。\n\n本条例适用于本省。\n第十二条：禁止楼道充电。\n第105条 附则",
        );
        let got: Vec<(i32, &str)> = a.iter().map(|a| (a.number, a.text.as_str())).collect();
        assert_eq!(
            got,
            [
                (1, "为了加强管理，制定本条例。"),
                (2, "本条例适用于本省。"),
                (12, "禁止楼道充电。"),
                (105, "附则")
            ]
        );
        assert_eq!(number_of("一百零五"), Some(105));
        assert_eq!(number_of("二十"), Some(20));
        assert_eq!(number_of("十"), Some(10));
        assert_eq!(number_of("几"), None);
        // 第 without 条 is text, not a number.
        assert_eq!(numbered("第一次会议"), (None, "第一次会议"));
    }

    #[test]
    fn forum_lines_name_their_article_or_the_whole() {
        let c = forum_comments_of("第3条：要有过渡期。\n条例很有必要。");
        assert_eq!(c[0].article, Some(3));
        assert_eq!(c[0].body, "要有过渡期。");
        assert_eq!(c[1].article, None);
        assert_eq!(index_in("comments[12].body", "comments"), Some(12));
        assert_eq!(index_in("title", "comments"), None);
    }
}
