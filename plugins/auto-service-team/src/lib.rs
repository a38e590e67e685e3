//! auto-service-team: 路南街道 智慧汽车服务团 (Lunan subdistrict's smart auto service team).
//!
//! Deputies from the auto industry serve residents and businesses:
//!
//! - view `home` (residents and staff): the team, each member's name and fields, and the
//!   consultation form;
//! - action `consult`: files the question as a case of the station tagged `auto-team` and
//!   suggests a member by field, in fair rotation among equals;
//! - view `desk` (staff): consultations by status and by member, the latest enterprise visits,
//!   this month's figures, and the forms to keep the team and log visits;
//! - actions `set-member` and `log-visit` (staff);
//! - `on-case-event` for `submit`: a car case from any other channel gets the tag and a
//!   suggested member by the same rotation.
//!
//! See [`model`] for the storage layout.

pub mod model;
pub mod team;

use std::collections::{BTreeMap, BTreeSet};

use liaison_sdk::prelude::*;

use crate::model::{Member, TAG, Via, Visit};
use crate::team::Settings;

/// The brand.
pub struct AutoServiceTeam;

/// How many visits the desk lists.
const LATEST_VISITS: usize = 10;
/// How many of the team's cases the desk reads for its figures (the host's cap).
const DESK_CASES: u32 = 200;

impl Brand for AutoServiceTeam {
    fn render_view(view: &str, ctx: &Context) -> Result<Vec<Block>, Error> {
        match view {
            "home" => home(ctx),
            "desk" => desk(ctx),
            other => Err(Error::not_found(format!("view {other}"))),
        }
    }

    fn run_action(action: &str, ctx: &Context, input: &FormInput) -> Result<ActionResult, Error> {
        match action {
            "consult" => consult(ctx, input),
            "set-member" => set_member(ctx, input),
            "log-visit" => log_visit(ctx, input),
            other => Err(Error::not_found(format!("action {other}"))),
        }
    }

    fn on_case_event(event: &CaseEvent) -> Result<(), Error> {
        if event.action == "submit" {
            take_on(event.case_id)?;
        }
        Ok(())
    }
}

liaison_sdk::export_brand!(AutoServiceTeam);

// ---- Views ----

/// The consultation form: the vocabulary by position (see plugin.toml), the question, and an
/// optional enterprise.
pub fn consult_form(ctx: &Context, vocabulary: &[String]) -> Form {
    let options = vocabulary
        .iter()
        .enumerate()
        .map(|(i, f)| ((i + 1).to_string(), f.clone()));
    Form::new("consult", ctx.pick("提交咨询", "Send"))
        .title(ctx.pick("向服务团咨询", "Ask the team"))
        .field(Field::select("field", ctx.pick("咨询领域", "Field"), options).required())
        .field(
            Field::textarea("question", ctx.pick("您的问题", "Your question"))
                .required()
                .max_length(1000)
                .help(ctx.pick(
                    "至少 5 个字；请不要写姓名和电话",
                    "At least 5 characters; no names or phone numbers",
                )),
        )
        .field(
            Field::text(
                "enterprise",
                ctx.pick("企业名称（选填）", "Enterprise (optional)"),
            )
            .max_length(60)
            .help(ctx.pick("企业来咨询时填写", "Fill in when asking for a business")),
        )
}

fn home(ctx: &Context) -> Result<Vec<Block>, Error> {
    let settings = Settings::load();
    let members = team::members()?;
    let names = team::deputy_names_if_granted()?;
    let intro = host::setting("intro").filter(|s| !s.trim().is_empty());
    let mut page = View::new().heading(1, ctx.pick("智慧汽车服务团", "Smart auto service team"));
    if let Some(intro) = intro {
        page = page.text(intro);
    }
    let active: Vec<(&String, &Member)> = members
        .iter()
        .filter(|(code, m)| {
            m.active && names.as_ref().is_none_or(|n| n.contains_key(code.as_str()))
        })
        .collect();
    page = page.heading(2, ctx.pick("服务团成员", "Team members"));
    page = if active.is_empty() {
        page.text(ctx.pick(
            "成员名单正在整理，欢迎先提交咨询。",
            "The team is being set up; you may ask already.",
        ))
    } else {
        page.items(active.iter().map(|(code, m)| {
            let sep = ctx.pick("、", ", ");
            ListItem::new(team::name_of(names.as_ref(), code)).detail(format!(
                "{}{}",
                ctx.pick("擅长：", "Fields: "),
                m.fields.join(sep)
            ))
        }))
    };
    Ok(page
        .heading(2, ctx.pick("我要咨询", "Ask a question"))
        .text(ctx.pick(
            "选择领域并写下问题，服务团会按领域轮流安排代表跟进，可凭回执码查询进度。",
            "Pick a field and write your question; the team takes turns to follow it up. Keep the receipt code to follow it.",
        ))
        .form(consult_form(ctx, &settings.vocabulary))
        .into())
}

/// The figures of the desk, from the team's cases and records.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// Consultations taken on this month.
    pub this_month: usize,
    /// Of those, solved.
    pub solved_this_month: usize,
    /// All listed cases by status.
    pub by_status: BTreeMap<String, usize>,
    /// Per member code: (open, solved) among the listed cases.
    pub by_member: BTreeMap<String, (usize, usize)>,
    /// Listed cases with no member suggested.
    pub unassigned: usize,
}

/// Computes the desk's figures for `month` from the team's cases (newest first).
pub fn figures(month: &str, cases_list: &[CaseSummary]) -> Result<Figures, Error> {
    let records = team::all_records()?;
    let mut f = Figures::default();
    for c in cases_list {
        *f.by_status.entry(c.status.clone()).or_default() += 1;
        if model::month_of(&c.created_at).as_deref() == Some(month) {
            f.this_month += 1;
            if model::is_solved(&c.status) {
                f.solved_this_month += 1;
            }
        }
        match records.get(&c.id).and_then(|r| r.member.clone()) {
            Some(m) => {
                let e = f.by_member.entry(m).or_default();
                if model::is_solved(&c.status) {
                    e.1 += 1;
                } else if model::is_open(&c.status) {
                    e.0 += 1;
                }
            }
            None => f.unassigned += 1,
        }
    }
    Ok(f)
}

/// A share as a percentage, or a dash when there is nothing to divide.
pub fn percent(part: usize, whole: usize) -> String {
    match (part * 100 + whole / 2).checked_div(whole) {
        Some(p) => format!("{p}%"),
        None => "—".to_owned(),
    }
}

fn desk(ctx: &Context) -> Result<Vec<Block>, Error> {
    let today = host::today();
    let month = model::month_of(&today).unwrap_or_default();
    let members = team::members()?;
    let names = team::deputy_names_if_granted()?;
    let rotation: model::Rotation = storage::get_or_default(model::ROTATION)?;
    let (visits_this_month, latest) = team::visits(&month, LATEST_VISITS)?;
    let listed = match cases::list(&CaseQuery::new().tag(TAG).limit(DESK_CASES)) {
        Ok(list) => Some(list),
        Err(Error::Denied(_)) => None,
        Err(e) => return Err(e),
    };
    let figures = match &listed {
        Some(list) => Some(figures(&month, list)?),
        None => None,
    };
    let active = members.values().filter(|m| m.active).count();

    let mut page = View::new()
        .heading(1, ctx.pick("汽车服务团工作台", "Auto service team desk"))
        .text(format!("{}{month}", ctx.pick("统计月份：", "Month: ")));
    let month_hint = ctx.pick("本月", "this month");
    page = page.stats([
        StatCard::new(
            ctx.pick("咨询", "Consultations"),
            figures
                .as_ref()
                .map_or("—".to_owned(), |f| f.this_month.to_string()),
        )
        .hint(month_hint),
        StatCard::new(ctx.pick("走访企业", "Enterprise visits"), visits_this_month)
            .hint(month_hint),
        StatCard::new(
            ctx.pick("解决率", "Share solved"),
            figures.as_ref().map_or("—".to_owned(), |f| {
                percent(f.solved_this_month, f.this_month)
            }),
        )
        .hint(ctx.pick(
            "本月咨询中已答复或办结",
            "of this month's, replied or closed",
        )),
        StatCard::new(ctx.pick("在团成员", "Active members"), active),
    ]);

    page = page.heading(2, ctx.pick("咨询办理情况", "Consultations by status"));
    match &figures {
        None => {
            page = page.notice(
                NoticeKind::Warning,
                ctx.pick(
                    "未授权读取案件，无法统计咨询。",
                    "Reading cases is not granted here; no figures.",
                ),
            )
        }
        Some(f) if f.by_status.is_empty() => {
            page = page.text(ctx.pick("还没有咨询。", "No consultations yet."))
        }
        Some(f) => {
            let mut t = Table::new([ctx.pick("状态", "Status"), ctx.pick("件数", "Cases")]);
            let known: BTreeSet<&str> = model::STATUS_ORDER.into_iter().collect();
            let ordered = model::STATUS_ORDER.iter().map(|s| s.to_string()).chain(
                f.by_status
                    .keys()
                    .filter(|s| !known.contains(s.as_str()))
                    .cloned(),
            );
            for s in ordered {
                if let Some(n) = f.by_status.get(&s) {
                    let (zh, en) = model::status_label(&s);
                    t = t.row([ctx.pick(zh, en).to_owned(), n.to_string()]);
                }
            }
            page = page.table(t);
            if listed
                .as_ref()
                .is_some_and(|l| l.len() as u32 >= DESK_CASES)
            {
                page = page
                    .text(ctx.pick("按最近 200 件统计。", "Counted over the latest 200 cases."));
            }
        }
    }

    page = page.heading(2, ctx.pick("成员与分工", "Members"));
    if members.is_empty() {
        page = page.text(ctx.pick(
            "还没有成员，请用下方表单添加。",
            "No members yet; add them with the form below.",
        ));
    } else {
        let mut t = Table::new([
            ctx.pick("成员", "Member"),
            ctx.pick("代表编码", "Code"),
            ctx.pick("擅长领域", "Fields"),
            ctx.pick("状态", "State"),
            ctx.pick("累计建议", "Suggested"),
            ctx.pick("办理中", "Open"),
            ctx.pick("已解决", "Solved"),
        ]);
        for (code, m) in &members {
            let (open, solved) = figures
                .as_ref()
                .and_then(|f| f.by_member.get(code).copied())
                .unwrap_or_default();
            let serving = names.as_ref().is_none_or(|n| n.contains_key(code));
            let state = match (m.active, serving) {
                (_, false) => ctx.pick("已非本站代表", "No longer at the station"),
                (true, true) => ctx.pick("在团", "Active"),
                (false, true) => ctx.pick("暂停", "Paused"),
            };
            t = t.row([
                team::name_of(names.as_ref(), code).to_owned(),
                code.clone(),
                m.fields.join(ctx.pick("、", ", ")),
                state.to_owned(),
                rotation.turn(code).n.to_string(),
                open.to_string(),
                solved.to_string(),
            ]);
        }
        page = page.table(t);
        if let Some(f) = figures.as_ref().filter(|f| f.unassigned > 0) {
            page = page.text(format!(
                "{}{}",
                ctx.pick(
                    "未建议成员的咨询：",
                    "Consultations with no member suggested: "
                ),
                f.unassigned
            ));
        }
    }

    page = page.heading(2, ctx.pick("最近走访企业", "Latest enterprise visits"));
    if latest.is_empty() {
        page = page.text(ctx.pick("还没有走访记录。", "No visits logged yet."));
    } else {
        let mut t = Table::new([
            ctx.pick("日期", "Date"),
            ctx.pick("企业", "Enterprise"),
            ctx.pick("成员", "Member"),
            ctx.pick("成效", "Outcome"),
        ]);
        for v in &latest {
            t = t.row([
                v.date.clone(),
                v.enterprise.clone(),
                team::name_of(names.as_ref(), &v.member).to_owned(),
                v.outcome.clone(),
            ]);
        }
        page = page.table(t);
    }

    Ok(page
        .form(visit_form(ctx, &today))
        .form(member_form(ctx))
        .into())
}

fn visit_form(ctx: &Context, today: &str) -> Form {
    Form::new("log-visit", ctx.pick("登记走访", "Log visit"))
        .title(ctx.pick("登记走访企业", "Log an enterprise visit"))
        .field(
            Field::text("enterprise", ctx.pick("企业名称", "Enterprise"))
                .required()
                .max_length(60),
        )
        .field(
            Field::date("date", ctx.pick("走访日期", "Date"))
                .required()
                .help(format!("{}{today}", ctx.pick("例如 ", "e.g. "))),
        )
        .field(
            Field::text("member", ctx.pick("成员代表编码", "Member's deputy code"))
                .required()
                .max_length(64)
                .help(ctx.pick("须为服务团成员", "Must be a team member")),
        )
        .field(
            Field::textarea("outcome", ctx.pick("走访成效", "What came of it"))
                .required()
                .max_length(300),
        )
}

fn member_form(ctx: &Context) -> Form {
    Form::new("set-member", ctx.pick("保存成员", "Save member"))
        .title(ctx.pick("设置服务团成员", "Set a team member"))
        .field(
            Field::text("deputy", ctx.pick("代表编码", "Deputy code"))
                .required()
                .max_length(64)
                .help(ctx.pick("须为本站代表", "Must be a deputy of this station")),
        )
        .field(
            Field::text("fields", ctx.pick("擅长领域", "Fields"))
                .max_length(200)
                .help(ctx.pick(
                    "用逗号分隔，如：二手车交易，汽车维修；留空则保留原领域",
                    "Comma-separated, e.g. used cars, repairs; blank keeps the current ones",
                )),
        )
        .field(Field::checkbox(
            "active",
            ctx.pick("在团服务（取消勾选即暂停）", "Active (untick to pause)"),
        ))
}

// ---- Actions ----

fn consult(ctx: &Context, input: &FormInput) -> Result<ActionResult, Error> {
    let settings = Settings::load();
    let slot = input.required("field")?;
    let field = slot
        .parse::<usize>()
        .ok()
        .and_then(|i| i.checked_sub(1))
        .and_then(|i| settings.vocabulary.get(i))
        .cloned()
        .ok_or_else(|| Error::invalid("field", "请从列表中选择咨询领域"))?;
    let question = input.required("question")?;
    if question.chars().count() < 5 {
        return Err(Error::invalid("question", "请至少写 5 个字"));
    }
    let enterprise = input.get_nonblank("enterprise");

    let mut description = format!("【咨询领域】{field}\n");
    if let Some(e) = enterprise {
        description.push_str(&format!("【企业】{e}\n"));
    }
    description.push_str(question);
    let title = format!("汽车服务团·{field}：{}", model::snippet(question, 30));
    let new_case = NewCase::new(settings.consult_category.clone(), description)
        .title(title)
        .tag(TAG);
    let id = cases::create(&new_case).map_err(|e| match e {
        Error::Invalid { field, message } if field == "description" => {
            Error::invalid("question", message)
        }
        Error::Invalid { field, message } if field == "category" => Error::failed(format!(
            "setting consult_category ({}) is not a category of the host: {message}",
            settings.consult_category
        )),
        other => other,
    })?;

    // The case is filed: from here on nothing may fail the action, or the resident would
    // file it again. What goes wrong is logged.
    let names = team::deputy_names_if_granted().unwrap_or_else(|e| {
        log::warn(&format!("case {id}: could not read deputies: {e}"));
        None
    });
    let suggested = team::members()
        .and_then(|members| team::suggest(id, Some(&field), &members, names.as_ref()))
        .unwrap_or_else(|e| {
            log::warn(&format!("case {id}: no member suggested: {e}"));
            None
        });
    let month = model::month_of(&host::now()).unwrap_or_default();
    if let Err(e) = team::add_record(
        &month,
        team::record(id, suggested.as_ref(), Some(&field), Via::Consult),
    ) {
        log::warn(&format!("case {id}: not recorded: {e}"));
    }

    let message = match &suggested {
        Some(s) => {
            let name = team::name_of(names.as_ref(), &s.code);
            if ctx.is_en() {
                format!("Thank you. Deputy {name} of the team will follow your question up.")
            } else {
                format!("已收到您的咨询。服务团建议由 {name} 代表跟进。")
            }
        }
        None => {
            if ctx.is_en() {
                "Thank you. The station will find a deputy to follow your question up.".to_owned()
            } else {
                "已收到您的咨询。联络站将尽快安排代表跟进。".to_owned()
            }
        }
    };
    Ok(ActionResult::message(message)
        .with_case(id)
        .with_view(View::new().notice(
            NoticeKind::Success,
            ctx.pick(
                "请保存页面上的回执码，凭回执码可以查询办理进度。",
                "Keep the receipt code shown on this page to follow your question.",
            ),
        )))
}

fn set_member(ctx: &Context, input: &FormInput) -> Result<ActionResult, Error> {
    let code = input.required("deputy")?.to_owned();
    let names = team::deputy_names()?;
    let Some(name) = names.get(&code) else {
        return Err(Error::invalid("deputy", "不是本站的代表"));
    };
    let typed = model::split_list(input.get_nonblank("fields").unwrap_or_default());
    if let Some(long) = typed
        .iter()
        .find(|f| f.chars().count() > model::MAX_FIELD_CHARS)
    {
        return Err(Error::invalid(
            "fields",
            format!(
                "「{long}」太长，每个领域最多 {} 个字",
                model::MAX_FIELD_CHARS
            ),
        ));
    }
    if typed.len() > model::MAX_MEMBER_FIELDS {
        return Err(Error::invalid(
            "fields",
            format!("每位成员最多 {} 个领域", model::MAX_MEMBER_FIELDS),
        ));
    }
    let active = input.checked("active");
    let mut members = team::members()?;
    let fields = match (typed.is_empty(), members.get(&code)) {
        (false, _) => typed,
        (true, Some(m)) => m.fields.clone(),
        (true, None) => return Err(Error::invalid("fields", "请至少填写一个擅长领域")),
    };
    if !members.contains_key(&code) && members.len() >= model::MAX_MEMBERS {
        return Err(Error::invalid(
            "deputy",
            format!("服务团最多 {} 名成员", model::MAX_MEMBERS),
        ));
    }
    members.insert(
        code.clone(),
        Member {
            fields: fields.clone(),
            active,
        },
    );
    storage::set(model::MEMBERS, &members)?;
    let message = if ctx.is_en() {
        format!(
            "Saved: {name} ({code}), fields {}, {}.",
            fields.join(", "),
            if active { "active" } else { "paused" }
        )
    } else {
        format!(
            "已保存：{name}（{code}），擅长 {}，{}。",
            fields.join("、"),
            if active { "在团服务" } else { "暂停" }
        )
    };
    Ok(ActionResult::message(message))
}

fn log_visit(ctx: &Context, input: &FormInput) -> Result<ActionResult, Error> {
    let enterprise = input.required("enterprise")?.to_owned();
    let date = input.required("date")?.to_owned();
    if model::day_number(&date).is_none() {
        return Err(Error::invalid("date", "请填写日期，如 2026-03-02"));
    }
    if date > host::today() {
        return Err(Error::invalid("date", "走访日期不能晚于今天"));
    }
    let member = input.required("member")?.to_owned();
    let members = team::members()?;
    if !members.contains_key(&member) {
        return Err(Error::invalid("member", "不是服务团成员"));
    }
    let outcome = input.required("outcome")?.to_owned();
    team::add_visit(&Visit {
        enterprise: enterprise.clone(),
        date: date.clone(),
        member,
        outcome,
    })?;
    let message = if ctx.is_en() {
        format!("Logged: the visit to {enterprise} on {date}.")
    } else {
        format!("已登记：{date} 走访{enterprise}。")
    };
    Ok(ActionResult::message(message))
}

// ---- Case events ----

/// Takes on case `id` if it concerns cars: tags it and suggests a member. Idempotent: a case
/// the team filed itself, or one it has already taken on, is not counted again.
pub fn take_on(id: i64) -> Result<(), Error> {
    let case = match cases::get(id) {
        Ok(c) => c,
        Err(Error::NotFound(_)) => {
            log::info(&format!("case {id} is not at this station any more"));
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let tagged = case.tags.iter().any(|t| t == TAG);
    if tagged && case.channel == "plugin" {
        // Filed by the consultation form, which suggested and recorded it.
        return Ok(());
    }
    let today = host::today();
    let month = model::month_of(&case.created_at)
        .or_else(|| model::month_of(&today))
        .unwrap_or_default();
    if team::record_of(&month, id)?.is_some() {
        // Taken on before (a repeated delivery): make sure the tag is there, nothing more.
        if !tagged {
            cases::tag(id, TAG)?;
        }
        return Ok(());
    }
    let settings = Settings::load();
    let text = format!("{}\n{}", case.title, case.description);
    if !model::concerns_cars(
        &case.category,
        &text,
        &settings.event_categories,
        &settings.keywords,
    ) {
        return Ok(());
    }
    let field = model::detect_field(&text, &settings.vocabulary);
    let members = team::members()?;
    let names = team::deputy_names_if_granted()?;
    let suggested = team::suggest(id, field.as_deref(), &members, names.as_ref())?;
    team::add_record(
        &month,
        team::record(id, suggested.as_ref(), field.as_deref(), Via::Event),
    )?;
    if !tagged {
        cases::tag(id, TAG)?;
    }
    log::info(&format!(
        "case {id} taken on{}",
        suggested
            .as_ref()
            .map(|s| format!(", suggested {}", s.code))
            .unwrap_or_default()
    ));
    Ok(())
}

#[cfg(test)]
mod tests;
