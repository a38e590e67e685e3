//! 蓬街镇 代表百晓坐班 — Pengjie town's hundred-knows duty desk.
//!
//! Deputies who know every village's affairs sit at the station on a roster and answer
//! residents' questions. The brand offers:
//!
//! - view `home` (residents, also deputies and staff): who sits today and in the next seven
//!   days, where and when, and a question form (`ask`) that files a case tagged
//!   [`TAG`] at the station;
//! - view `desk` (deputies, staff): tomorrow's gaps, today's figures, the reception log with
//!   its form (`record-reception`) and the form that files a reception as a case
//!   (`reception-to-case`);
//! - view `roster` (deputies, staff): the next 14 days of the station's duty roster (值班), the
//!   one source of who sits when, which station staff keep on the platform;
//! - view `notes` (deputies, staff): village notes — the questions the desk answered, by
//!   village — with `search-notes`;
//! - `on-case-event` for `submit`: counts the station's new cases per half-day (the desk's
//!   inbox);
//! - `on-schedule`: records tomorrow's half-days without a deputy and warns through the log.
//!
//! Storage (one station's store):
//!
//! | key | value |
//! |---|---|
//! | `roster:gaps` | what the schedule last found for tomorrow |
//! | `reception-seq` | last reception id |
//! | `reception:NNNN` | a chunk of 20 receptions; the newest 12 chunks are kept |
//! | `asked` | the latest 50 questions filed from `ask` (case id, village, time) |
//! | `inbox:YYYY-MM-DD` | case ids submitted at the station that day, by half; 14 days kept |

pub mod dates;
pub mod reception;
pub mod roster;
mod views;

use liaison_sdk::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dates::Half;
use crate::reception::{Inbox, Reception};
use crate::roster::{GAPS, Gaps, Roster};

/// The brand.
pub struct HundredKnowsDesk;

/// The tag on every case the desk files.
pub const TAG: &str = "hundred-knows";

/// The village choices this version declares on its forms (the manifest's select options),
/// in the manifest's order; [`OTHER`] is the last.
pub const VILLAGE_CHOICES: [&str; 12] = [
    "蓬北村",
    "新建村",
    "私立村",
    "金塘村",
    "四塘村",
    "八塘村",
    "蓬东村",
    "蓬西村",
    "镇东村",
    "镇西村",
    "新华村",
    OTHER,
];
/// The choice for residents of no listed village (the town's streets, newcomers, …).
pub const OTHER: &str = "其他";

/// Storage key of the latest questions filed from `ask`.
pub const ASKED: &str = "asked";
/// Questions kept under [`ASKED`].
pub const ASKED_CAP: usize = 50;

/// A question a resident filed from the home view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asked {
    /// The case filed.
    pub case: i64,
    /// The resident's village.
    pub village: String,
    /// When, `YYYY-MM-DD HH:MM`.
    pub at: String,
}

/// The villages the forms offer: the `villages` setting's names that are declared choices, in
/// the setting's order, then [`OTHER`]; and the setting's names that are not (shown to staff).
/// A name may leave out the trailing 村. With no known name at all, every declared choice.
pub fn villages() -> (Vec<&'static str>, Vec<String>) {
    let raw = host::setting("villages").unwrap_or_default();
    let mut known: Vec<&'static str> = Vec::new();
    let mut unknown = Vec::new();
    for name in raw
        .split([',', '，', '、', ';', '；', '\n', ' '])
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        let found = VILLAGE_CHOICES
            .iter()
            .find(|c| **c == name || c.strip_suffix('村') == Some(name));
        match found {
            Some(c) if *c == OTHER => {}
            Some(c) => {
                if !known.contains(c) {
                    known.push(c);
                }
            }
            None => unknown.push(name.to_owned()),
        }
    }
    if known.is_empty() {
        return (VILLAGE_CHOICES.to_vec(), unknown);
    }
    known.push(OTHER);
    (known, unknown)
}

/// The submitted village, if the forms offer it.
fn offered_village(input: &FormInput, field: &str) -> Result<&'static str, Error> {
    let v = input.required(field)?;
    villages()
        .0
        .into_iter()
        .find(|c| *c == v)
        .ok_or_else(|| Error::invalid(field, "请从列表中选择本镇的村"))
}

/// Text from a form with control characters (other than line breaks) taken out.
fn clean(text: &str) -> String {
    text.chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect::<String>()
        .trim()
        .to_owned()
}

/// The first `n` characters of `text`, with … when cut.
pub fn cut(text: &str, n: usize) -> String {
    let first = text.lines().next().unwrap_or_default();
    let mut out: String = first.chars().take(n).collect();
    if first.chars().count() > n || text.lines().nth(1).is_some() {
        out.push('…');
    }
    out
}

/// Now as `YYYY-MM-DD HH:MM` in China Standard Time.
fn stamp() -> String {
    let now = host::now();
    match (now.get(0..10), now.get(11..16)) {
        (Some(d), Some(t)) => format!("{d} {t}"),
        _ => now,
    }
}

/// Today's day number.
pub fn today() -> Result<i64, Error> {
    let t = host::today();
    dates::day_number(&t).ok_or_else(|| Error::failed(format!("the host's clock said {t}")))
}

/// Files a case at the station in the `category` setting (falling back to "other" when the
/// host does not know that code), tagged [`TAG`]; a complaint about the description is put on
/// `field`.
fn file_case(title: String, description: String, field: &str) -> Result<i64, Error> {
    let category = host::setting_or("category", "other");
    let new = |category: &str| {
        NewCase::new(category, description.clone())
            .title(title.clone())
            .tag(TAG)
    };
    let filed = match cases::create(&new(&category)) {
        Err(Error::Invalid { field: f, .. }) if f == "category" && category != "other" => {
            log::warn(&format!(
                "the category setting {category} is not a category here; filed as other"
            ));
            cases::create(&new("other"))
        }
        other => other,
    };
    filed.map_err(|e| match e {
        Error::Invalid { field: f, message } if f == "description" || f == "title" => {
            Error::invalid(field, message)
        }
        other => other,
    })
}

fn ask(ctx: &Context, input: &FormInput) -> Result<ActionResult, Error> {
    let village = offered_village(input, "village")?;
    let question = clean(input.required("question")?);
    if question.chars().count() < 5 {
        return Err(Error::invalid(
            "question",
            ctx.pick(
                "请至少写 5 个字，把事情说清楚",
                "Please write at least 5 characters",
            ),
        ));
    }
    let mut description = format!("【百晓坐班·{village}】{question}");
    if let Some(name) = input.get_nonblank("name") {
        description.push_str(&format!("\n称呼：{}", clean(name)));
    }
    let title = format!("百晓坐班·{village}：{}", cut(&question, 24));
    let id = file_case(title, description, "question")?;
    let at = stamp();
    storage::update(ASKED, |list: Option<Vec<Asked>>| {
        let mut list = list.unwrap_or_default();
        list.insert(
            0,
            Asked {
                case: id,
                village: village.to_owned(),
                at,
            },
        );
        list.truncate(ASKED_CAP);
        list
    })?;
    log::info(&format!("question from {village} filed as case {id}"));
    let location = host::setting_or("location", "");
    let hours = host::setting_or("hours", "");
    let message = if ctx.is_en() {
        format!(
            "Thank you. A deputy at the desk will answer your question. You can also come to {location} ({hours})."
        )
    } else {
        format!("已收到您的问题。百晓代表会在坐班时答复您；也可以到{location}当面问（{hours}）。")
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

fn record_reception(ctx: &Context, input: &FormInput) -> Result<ActionResult, Error> {
    let village = offered_village(input, "village")?;
    let summary = clean(input.required("summary")?);
    let answer = input
        .get_nonblank("answer")
        .map(clean)
        .filter(|a| !a.is_empty());
    let r = reception::record(Reception {
        id: 0,
        at: stamp(),
        village: village.to_owned(),
        summary,
        answer,
        follow_up: input.checked("follow_up"),
        case: None,
    })?;
    let message = if ctx.is_en() {
        format!("Reception {} logged.", r.id)
    } else {
        format!("已登记接待 #{}。", r.id)
    };
    let hint = match (r.follow_up, r.answered(), ctx.is_en()) {
        (true, _, false) => format!(
            "需要跟进：可在“接待转为民意案件”中填编号 {}，转为民意案件交办。",
            r.id
        ),
        (true, _, true) => format!("To follow up: file reception {} as a case.", r.id),
        (false, true, false) => "已当场答复，这条会收入村情百晓。".to_owned(),
        (false, true, true) => "Answered: it joins the village notes.".to_owned(),
        (false, false, false) => "答复后可再登记一条带答复的接待，收入村情百晓。".to_owned(),
        (false, false, true) => {
            "Log it again with the answer to add it to the village notes.".to_owned()
        }
    };
    Ok(ActionResult::message(message).with_view(View::new().notice(NoticeKind::Success, hint)))
}

fn reception_to_case(ctx: &Context, input: &FormInput) -> Result<ActionResult, Error> {
    let bad = || Error::invalid("reception", "请填接待记录的编号");
    let id = input.parse::<f64>("reception")?.ok_or_else(bad)?;
    if id.fract() != 0.0 || !(1.0..=f64::from(u32::MAX)).contains(&id) {
        return Err(bad());
    }
    let id = id as u32;
    let mut r = reception::find(id)?
        .ok_or_else(|| Error::invalid("reception", format!("没有编号为 {id} 的接待记录")))?;
    if let Some(case) = r.case {
        return Err(Error::invalid(
            "reception",
            format!("接待 #{id} 已转为民意案件 #{case}，不再重复转"),
        ));
    }
    let mut description = format!("【百晓坐班接待·{}】{}", r.village, r.summary);
    if let Some(a) = &r.answer {
        description.push_str(&format!("\n坐班代表当场答复：{a}"));
    }
    description.push_str(&format!("\n（{} 百晓坐班台接待 #{id}", r.at));
    description.push_str(if r.follow_up {
        "，需要跟进）"
    } else {
        "）"
    });
    let title = format!("百晓坐班接待·{}：{}", r.village, cut(&r.summary, 24));
    let case = file_case(title, description, "reception")?;
    r.case = Some(case);
    reception::save(&r)?;
    log::info(&format!("reception {id} filed as case {case}"));
    let message = if ctx.is_en() {
        format!("Reception {id} is now case {case}.")
    } else {
        format!("接待 #{id} 已转为民意案件 #{case}。")
    };
    Ok(ActionResult::message(message).with_case(case))
}

fn search_notes(ctx: &Context, input: &FormInput) -> Result<ActionResult, Error> {
    let village = match input.get_nonblank("village") {
        Some(v) => Some(
            VILLAGE_CHOICES
                .into_iter()
                .find(|c| *c == v)
                .ok_or_else(|| Error::invalid("village", "请从列表中选择村"))?,
        ),
        None => None,
    };
    let words = reception::words(input.get_nonblank("words"));
    let log = reception::all()?;
    let found = reception::search(&log, village, &words, views::SEARCH_LIMIT);
    let message = if ctx.is_en() {
        format!("{} answered question(s) found.", found.len())
    } else if found.is_empty() {
        "没有找到相符的村情答复。".to_owned()
    } else {
        format!("找到 {} 条村情答复。", found.len())
    };
    Ok(ActionResult::message(message)
        .with_view(views::search_results(ctx, village, &words, &found)))
}

/// Counts a station case submitted into the desk's inbox for its day and half.
fn inbox(event: &CaseEvent) -> Result<(), Error> {
    let (day, half) = dates::cst_day_half(&event.at)
        .or_else(|| dates::cst_day_half(&host::now()))
        .ok_or_else(|| Error::failed(format!("cannot read the time {}", event.at)))?;
    let key = Inbox::key(&dates::date_of(day));
    let mut inbox: Inbox = storage::get_or_default(&key)?;
    if inbox.add(event.case_id, half) {
        storage::set(&key, &inbox)?;
    }
    Ok(())
}

/// Records tomorrow's gaps, warns about new ones, prunes old inboxes and deletes the roster an
/// earlier version kept itself.
fn check_tomorrow() -> Result<(), Error> {
    let today = today()?;
    let tomorrow = today + 1;
    let roster = Roster::load(tomorrow, tomorrow)?;
    if roster.duty_denied {
        log::warn("deputies.read is not granted: official duty shifts are not counted");
    }
    let found = Gaps {
        day: dates::date_of(tomorrow),
        gaps: roster.gaps(tomorrow),
        checked_at: host::now(),
    };
    let before: Option<Gaps> = storage::get(GAPS)?;
    let changed = before
        .as_ref()
        .is_none_or(|b| b.day != found.day || b.gaps != found.gaps);
    if !found.gaps.is_empty() {
        let list = found
            .gaps
            .iter()
            .map(|g| {
                let half = Half::from_code(&g.half).map_or("", |h| h.label(false));
                format!("{half}（未排班）")
            })
            .collect::<Vec<_>>()
            .join("、");
        let line = format!("明天 {} 百晓坐班无人：{list}", found.day);
        if changed {
            log::warn(&line);
        } else {
            log::debug(&line);
        }
    } else if changed {
        log::info(&format!("明天 {} 百晓坐班已排满", found.day));
    }
    storage::set(GAPS, &found)?;

    for key in storage::keys("roster:")? {
        if roster::RETIRED.contains(&key.as_str()) {
            storage::delete(&key)?;
        }
    }
    let oldest = Inbox::key(&dates::date_of(today - reception::INBOX_DAYS));
    for k in storage::keys(reception::INBOX)? {
        if k < oldest {
            storage::delete(&k)?;
        }
    }
    Ok(())
}

impl Brand for HundredKnowsDesk {
    fn render_view(view: &str, ctx: &Context) -> Result<Vec<Block>, Error> {
        match view {
            "home" => views::home(ctx),
            "desk" => views::desk(ctx),
            "roster" => views::roster(ctx),
            "notes" => views::notes(ctx),
            other => Err(Error::not_found(format!("view {other}"))),
        }
    }

    fn run_action(action: &str, ctx: &Context, input: &FormInput) -> Result<ActionResult, Error> {
        match action {
            "ask" => ask(ctx, input),
            "record-reception" => record_reception(ctx, input),
            "reception-to-case" => reception_to_case(ctx, input),
            "search-notes" => search_notes(ctx, input),
            other => Err(Error::not_found(format!("action {other}"))),
        }
    }

    fn on_case_event(event: &CaseEvent) -> Result<(), Error> {
        match event.action.as_str() {
            "submit" => inbox(event),
            _ => Ok(()),
        }
    }

    fn on_schedule(_station: &str) -> Result<(), Error> {
        check_tomorrow()
    }
}

liaison_sdk::export_brand!(HundredKnowsDesk);

#[cfg(test)]
mod tests;
