//! The staff's actions: plan a round, record a finding, re-inspect it, publish a round.
//!
//! Each action checks everything it can before it changes anything, and calls the host's case
//! functions before it writes storage, so that a refused call (a capability not granted, a bad
//! value) leaves nothing half done. A suggestion is made after the finding is stored and is best
//! effort: the case is already filed, and failing the action then would file it again on retry.

use liaison_sdk::prelude::*;

use crate::model::*;

fn zh_en(ctx: &Context, zh: String, en: String) -> String {
    if ctx.is_en() { en } else { zh }
}

/// The entries of `text` (a typed list) checked against `allowed`; an entry may leave off the
/// end of a name ("新塘" for "新塘村") when that names exactly one entry.
fn pick_from(
    text: &str,
    allowed: &[String],
    field: &str,
    max: usize,
) -> Result<Vec<String>, Error> {
    let mut out: Vec<String> = Vec::new();
    for given in split_list(text) {
        let name = match_one(&given, allowed, field)?;
        if !out.contains(&name) {
            out.push(name);
        }
    }
    if out.is_empty() {
        return Err(Error::invalid(field, "此项必填"));
    }
    if out.len() > max {
        return Err(Error::invalid(field, format!("最多 {max} 项")));
    }
    Ok(out)
}

/// The one entry of `allowed` that `given` names; `Invalid` naming `field` listing the choices.
fn match_one(given: &str, allowed: &[String], field: &str) -> Result<String, Error> {
    let given = given.trim();
    if let Some(a) = allowed.iter().find(|a| a.as_str() == given) {
        return Ok(a.clone());
    }
    let prefixed: Vec<&String> = allowed
        .iter()
        .filter(|a| given.chars().count() >= 2 && a.starts_with(given))
        .collect();
    if let [one] = prefixed.as_slice() {
        return Ok((*one).clone());
    }
    Err(Error::invalid(
        field,
        if allowed.is_empty() {
            format!("「{given}」不在可选范围内（可选项尚未设置）")
        } else {
            format!("「{given}」不在可选范围内，可选：{}", allowed.join("、"))
        },
    ))
}

/// `plan-round`: date, villages, members (deputy codes), items (blank: the whole checklist),
/// title.
pub fn plan_round(ctx: &Context, input: &FormInput) -> Result<ActionResult, Error> {
    let settings = Settings::load();
    let date = input.required("date")?.to_owned();
    if !is_date(&date) {
        return Err(Error::invalid("date", "日期格式应为 2026-03-01"));
    }
    let villages = pick_from(
        input.required("villages")?,
        &settings.villages,
        "villages",
        MAX_VILLAGES,
    )?;
    let items = match input.get_nonblank("items") {
        Some(text) => pick_from(
            text,
            &settings.checklist,
            "items",
            settings.checklist.len().max(1),
        )?,
        None if settings.checklist.is_empty() => {
            return Err(Error::invalid("items", "督查项目清单尚未设置，请逐项填写"));
        }
        None => settings.checklist.clone(),
    };
    let members = split_list(input.required("members")?);
    if members.is_empty() {
        return Err(Error::invalid("members", "此项必填"));
    }
    if members.len() > MAX_MEMBERS {
        return Err(Error::invalid(
            "members",
            format!("督查组最多 {MAX_MEMBERS} 人"),
        ));
    }
    let deputies = deputies::list()?;
    if let Some(stranger) = members
        .iter()
        .find(|m| !deputies.iter().any(|d| &d.code == *m))
    {
        return Err(Error::invalid(
            "members",
            format!("{stranger} 不是本站的代表编号"),
        ));
    }
    let title = input.get_nonblank("title").map(str::to_owned);
    if storage::keys(ROUND_PREFIX)?.len() >= MAX_ROUNDS {
        return Err(Error::invalid(
            "date",
            format!("本站已有 {MAX_ROUNDS} 轮督查记录，已达上限，请联系区人大归档"),
        ));
    }
    let n = storage::get::<u32>(NEXT_ROUND)?.unwrap_or(0) + 1;
    let round = Round {
        id: n,
        date,
        title,
        villages,
        members,
        items,
        published: None,
        findings: Vec::new(),
    };
    save_round(&round)?;
    storage::set(NEXT_ROUND, &n)?;
    log::info(&format!(
        "planned round {} on {} ({} villages)",
        round_label(n),
        round.date,
        round.villages.len()
    ));
    Ok(ActionResult::message(zh_en(
        ctx,
        format!(
            "已安排第 {} 轮督查：{}，{}。",
            round_label(n),
            round.date,
            round.villages.join("、")
        ),
        format!(
            "Round {} planned for {}: {}.",
            round_label(n),
            round.date,
            round.villages.join(", ")
        ),
    )))
}

/// `text` ending as a sentence (a 。 added unless it ends with punctuation).
fn sentence(text: &str) -> String {
    let t = text.trim();
    if t.ends_with(['。', '！', '？', '.', '!', '?', '；']) {
        t.to_owned()
    } else {
        format!("{t}。")
    }
}

/// A filed case's complaints, pointed at the form: a bad category is the station's setting,
/// which ops must fix.
fn case_error(e: Error) -> Error {
    match e {
        Error::Invalid { field, message } if field == "category" => Error::failed(format!(
            "the category setting is not a category code: {message}"
        )),
        Error::Invalid { field, message } if field == "description" || field == "title" => {
            Error::invalid("description", message)
        }
        other => other,
    }
}

/// Suggests the village's office (or the town's) and the group's first deputy for a case;
/// best effort. Whether the organisation was suggested, and to whom.
fn suggest(
    case_id: i64,
    round: &Round,
    village: &str,
    item: &str,
    settings: &Settings,
) -> Option<String> {
    let mut suggested = None;
    if let Some(org) = settings.office_for(village) {
        let reason = format!(
            "金清督查小组 {} 发现{}「{}」问题，建议交办 {} 督促整改",
            round_label(round.id),
            village,
            item,
            org
        );
        match cases::suggest_organisation(case_id, org, &reason) {
            Ok(()) => suggested = Some(org.to_owned()),
            Err(e) => log::warn(&format!(
                "could not suggest organisation {org} for case {case_id}: {e}"
            )),
        }
    }
    if let Some(lead) = round.members.first() {
        let reason = format!(
            "督查组成员，{} 轮督查时发现此问题，可跟踪整改",
            round_label(round.id)
        );
        if let Err(e) = cases::suggest_deputy(case_id, lead, &reason) {
            log::warn(&format!(
                "could not suggest deputy {lead} for case {case_id}: {e}"
            ));
        }
    }
    suggested
}

/// `record-finding`: round, village, item, severity, description, photo, deadline. With a
/// deadline the finding is filed as a case of the station.
pub fn record_finding(ctx: &Context, input: &FormInput) -> Result<ActionResult, Error> {
    let settings = Settings::load();
    let today = host::today();
    let n = parse_id(input.required("round")?, 'R', "round")?;
    let mut round = load_round(n)?
        .ok_or_else(|| Error::invalid("round", format!("没有 {} 这一轮督查", round_label(n))))?;
    if let Some(on) = &round.published {
        return Err(Error::invalid(
            "round",
            format!("{} 已于 {on} 发布，不能再登记问题", round_label(n)),
        ));
    }
    if round.date > today {
        return Err(Error::invalid(
            "round",
            format!("{} 的督查日期 {} 还没到", round_label(n), round.date),
        ));
    }
    if round.findings.len() >= MAX_FINDINGS {
        return Err(Error::invalid(
            "round",
            format!("每轮最多登记 {MAX_FINDINGS} 条问题"),
        ));
    }
    let village = match_one(input.required("village")?, &round.villages, "village")?;
    let item = match_one(input.required("item")?, &round.items, "item")?;
    let severity = Severity::from_code(input.required("severity")?)
        .ok_or_else(|| Error::invalid("severity", "请选择轻微、一般或严重"))?;
    let description = input.required("description")?.to_owned();
    if description.chars().count() < 5 {
        return Err(Error::invalid("description", "请至少写 5 个字"));
    }
    let photo = input.get_nonblank("photo").map(str::to_owned);
    let deadline = input.get_nonblank("deadline").map(str::to_owned);
    if let Some(d) = &deadline {
        if !is_date(d) {
            return Err(Error::invalid("deadline", "日期格式应为 2026-03-01"));
        }
        if d.as_str() < today.as_str() {
            return Err(Error::invalid(
                "deadline",
                format!("整改期限不能早于今天（{today}）"),
            ));
        }
    }

    let id = storage::get::<u32>(NEXT_FINDING)?.unwrap_or(0) + 1;
    let case = match &deadline {
        Some(d) => {
            let text = format!(
                "金清镇群防共治督查小组 {} 督查（{}）发现：{}「{}」问题，严重程度：{}。{}整改期限：{}。",
                round.date,
                round_label(n),
                village,
                item,
                severity.zh(),
                sentence(&description),
                d
            );
            let title = format!("督查整改：{village}{item}");
            Some(
                cases::create(&NewCase::new(&settings.category, text).title(title).tag(TAG))
                    .map_err(case_error)?,
            )
        }
        None => None,
    };
    let finding = Finding {
        id,
        round: n,
        village,
        item,
        severity,
        description,
        photo,
        deadline,
        case,
        status: Status::Open,
        recorded_on: today,
        fixed_on: None,
        checks: Vec::new(),
    };
    storage::set(NEXT_FINDING, &id)?;
    save_finding(&finding)?;
    round.sync(&finding);
    save_round(&round)?;
    let Some(case_id) = case else {
        return Ok(ActionResult::message(zh_en(
            ctx,
            format!("已登记问题 {}（未设整改期限，未立案）。", finding_label(id)),
            format!(
                "Finding {} recorded (no deadline, so no case).",
                finding_label(id)
            ),
        )));
    };
    storage::set(&case_key(case_id), &id)?;
    log::info(&format!(
        "finding {} filed as case {case_id}",
        finding_label(id)
    ));
    let message = match suggest(case_id, &round, &finding.village, &finding.item, &settings) {
        Some(org) => zh_en(
            ctx,
            format!(
                "已登记问题 {}，已立案（编号 {case_id}）并建议交 {org} 整改。",
                finding_label(id)
            ),
            format!(
                "Finding {} recorded and filed as case {case_id}; {org} suggested to handle it.",
                finding_label(id)
            ),
        ),
        None => zh_en(
            ctx,
            format!(
                "已登记问题 {}，已立案（编号 {case_id}）。",
                finding_label(id)
            ),
            format!(
                "Finding {} recorded and filed as case {case_id}.",
                finding_label(id)
            ),
        ),
    };
    Ok(ActionResult::message(message).with_case(case_id))
}

/// `reinspect`: finding, fixed, note. Fixed closes the finding; not fixed escalates its case
/// (a note and the tag "escalated"), filing one first if the finding had none.
pub fn reinspect(ctx: &Context, input: &FormInput) -> Result<ActionResult, Error> {
    let settings = Settings::load();
    let today = host::today();
    let n = parse_id(input.required("finding")?, 'F', "finding")?;
    let mut finding = load_finding(n)?
        .ok_or_else(|| Error::invalid("finding", format!("没有问题 {}", finding_label(n))))?;
    if finding.status == Status::Fixed {
        return Err(Error::invalid(
            "finding",
            format!(
                "{} 已于 {} 确认整改",
                finding_label(n),
                finding.fixed_on.as_deref().unwrap_or("此前")
            ),
        ));
    }
    let mut round = load_round(finding.round)?.ok_or_else(|| {
        Error::failed(format!(
            "finding {} belongs to round {}, which is missing",
            finding_label(n),
            finding.round
        ))
    })?;
    let fixed = input.checked("fixed");
    let note = input.get_nonblank("note").map(str::to_owned);
    let said = note
        .as_deref()
        .map(|t| format!("复查情况：{}", sentence(t)))
        .unwrap_or_default();
    let mut filed = None;
    let message;
    if fixed {
        if let Some(case_id) = finding.case {
            let text = format!(
                "督查复查（{today}）：{}「{}」已整改到位。{said}",
                finding.village, finding.item
            );
            if let Err(e) = cases::annotate(case_id, text.trim()) {
                log::warn(&format!("could not note the fix on case {case_id}: {e}"));
            }
        }
        finding.status = Status::Fixed;
        finding.fixed_on = Some(today.clone());
        message = zh_en(
            ctx,
            format!("{} 复查已整改，已销号。", finding_label(n)),
            format!("{} found fixed and closed.", finding_label(n)),
        );
    } else {
        let case_id = match finding.case {
            Some(case_id) => {
                let text = format!(
                    "督查复查（{today}）：{}「{}」未整改到位，升级督办。{said}",
                    finding.village, finding.item
                );
                cases::annotate(case_id, text.trim())?;
                cases::tag(case_id, ESCALATED)?;
                case_id
            }
            None => {
                let text = format!(
                    "金清镇群防共治督查小组 {} 督查（{}）发现：{}「{}」问题，严重程度：{}。{}{today} 复查仍未整改，升级督办。{said}",
                    round.date,
                    round_label(round.id),
                    finding.village,
                    finding.item,
                    finding.severity.zh(),
                    sentence(&finding.description),
                );
                let title = format!("督查督办：{}{}", finding.village, finding.item);
                let case_id = cases::create(
                    &NewCase::new(&settings.category, text.trim())
                        .title(title)
                        .tag(TAG)
                        .tag(ESCALATED),
                )
                .map_err(case_error)?;
                finding.case = Some(case_id);
                filed = Some(case_id);
                case_id
            }
        };
        finding.status = Status::Escalated;
        message = zh_en(
            ctx,
            format!(
                "{} 复查未整改，案件 {case_id} 已升级督办。",
                finding_label(n)
            ),
            format!("{} not fixed: case {case_id} escalated.", finding_label(n)),
        );
    }
    finding.checks.push(Check {
        on: today,
        fixed,
        note,
    });
    if finding.checks.len() > MAX_CHECKS {
        let extra = finding.checks.len() - MAX_CHECKS;
        finding.checks.drain(..extra);
    }
    save_finding(&finding)?;
    round.sync(&finding);
    save_round(&round)?;
    let mut result = ActionResult::message(message);
    if let Some(case_id) = filed {
        storage::set(&case_key(case_id), &n)?;
        suggest(case_id, &round, &finding.village, &finding.item, &settings);
        result = result.with_case(case_id);
    }
    Ok(result)
}

/// `publish-round`: round. Its results appear on the residents' page.
pub fn publish_round(ctx: &Context, input: &FormInput) -> Result<ActionResult, Error> {
    let today = host::today();
    let n = parse_id(input.required("round")?, 'R', "round")?;
    let mut round = load_round(n)?
        .ok_or_else(|| Error::invalid("round", format!("没有 {} 这一轮督查", round_label(n))))?;
    if let Some(on) = &round.published {
        return Err(Error::invalid(
            "round",
            format!("{} 已于 {on} 发布", round_label(n)),
        ));
    }
    if round.date > today {
        return Err(Error::invalid(
            "round",
            format!(
                "{} 的督查日期 {} 还没到，不能发布",
                round_label(n),
                round.date
            ),
        ));
    }
    round.published = Some(today);
    save_round(&round)?;
    log::info(&format!("published round {}", round_label(n)));
    Ok(ActionResult::message(zh_en(
        ctx,
        format!(
            "{} 督查结果已发布（{} 条问题），居民可在「督查公示」查看。",
            round_label(n),
            round.findings.len()
        ),
        format!(
            "Round {} published ({} findings); residents see it under Inspection results.",
            round_label(n),
            round.findings.len()
        ),
    )))
}
