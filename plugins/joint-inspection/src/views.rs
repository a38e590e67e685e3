//! The views: the residents' results page, and the staff's rounds, findings and ranking.

use liaison_sdk::prelude::*;

use crate::model::*;

/// Published rounds shown in full on the residents' page; older ones are counted only.
pub const RESIDENT_ROUNDS: usize = 12;
/// Unfixed findings listed on the staff's page.
pub const OPEN_ROWS: usize = 100;
/// Fixed findings listed on the staff's page.
pub const FIXED_ROWS: usize = 10;

fn zh_en(ctx: &Context, zh: String, en: String) -> String {
    if ctx.is_en() { en } else { zh }
}

fn join(ctx: &Context, list: &[String]) -> String {
    list.join(ctx.pick("、", ", "))
}

fn round_heading(ctx: &Context, r: &Round) -> String {
    match &r.title {
        Some(t) => format!("{} · {} · {t}", round_label(r.id), r.date),
        None => zh_en(
            ctx,
            format!("{} · {} 督查", round_label(r.id), r.date),
            format!("{} · inspection of {}", round_label(r.id), r.date),
        ),
    }
}

fn totals(rounds: &[&Round]) -> (usize, usize) {
    let rows = rounds.iter().flat_map(|r| r.findings.iter());
    let (mut all, mut fixed) = (0, 0);
    for row in rows {
        all += 1;
        if row.status == Status::Fixed {
            fixed += 1;
        }
    }
    (all, fixed)
}

fn rate_text(all: usize, fixed: usize) -> String {
    if all == 0 {
        "—".into()
    } else {
        format!("{}%", (fixed * 200 + all) / (all * 2))
    }
}

fn ranking_table(ctx: &Context, tallies: &[Tally], staff: bool) -> Table {
    let mut columns = vec![
        ctx.pick("名次", "Rank"),
        ctx.pick("村居", "Village"),
        ctx.pick("督查次数", "Visits"),
        ctx.pick("问题数", "Findings"),
        ctx.pick("已整改", "Fixed"),
        ctx.pick("整改率", "Rate"),
    ];
    if staff {
        columns.push(ctx.pick("已超期", "Overdue"));
    }
    tallies
        .iter()
        .enumerate()
        .fold(Table::new(columns), |table, (i, t)| {
            let mut row = vec![
                (i + 1).to_string(),
                t.village.clone(),
                t.visits.to_string(),
                t.findings.to_string(),
                t.fixed.to_string(),
                t.rate_text(),
            ];
            if staff {
                row.push(t.overdue.to_string());
            }
            table.row(row)
        })
}

// ---- Residents ----

/// `results`: the published rounds, their findings per village and whether each was fixed, and
/// the ranking over them. No descriptions, notes, photos, cases or deputies.
pub fn results(ctx: &Context) -> Result<Vec<Block>, Error> {
    let settings = Settings::load();
    let today = host::today();
    let rounds = all_rounds()?;
    let published: Vec<&Round> = rounds.iter().filter(|r| r.published.is_some()).collect();
    let mut page = View::new()
        .heading(1, ctx.pick("督查公示", "Inspection results"))
        .text(ctx.pick(
            "金清镇“一站五室”群防共治督查小组由人大代表组成，逐村督查环境卫生、污水治理等问题，发现问题限期整改、到期复查。这里公布已发布的督查结果。",
            "Jinqing's joint-governance groups of deputies inspect the villages one by one, set deadlines for what they find and check again. These are the published results.",
        ));
    if published.is_empty() {
        return Ok(page
            .notice(
                NoticeKind::Info,
                ctx.pick("暂无已发布的督查结果。", "No results published yet."),
            )
            .into());
    }
    let (all, fixed) = totals(&published);
    page = page.stats([
        StatCard::new(ctx.pick("督查轮次", "Rounds"), published.len()),
        StatCard::new(ctx.pick("发现问题", "Findings"), all),
        StatCard::new(ctx.pick("已整改", "Fixed"), fixed),
        StatCard::new(ctx.pick("整改率", "Rectified"), rate_text(all, fixed)),
    ]);
    let tallies = ranking(published.iter().copied(), &settings, &today);
    page = page
        .heading(2, ctx.pick("村居排行", "Village ranking"))
        .text(ctx.pick(
            "按整改率排序；整改率 = 已整改问题 ÷ 发现问题。",
            "Ordered by the share of findings fixed.",
        ))
        .table(ranking_table(ctx, &tallies, false))
        .heading(2, ctx.pick("历次督查", "Rounds"));
    for round in published.iter().rev().take(RESIDENT_ROUNDS) {
        page = page.heading(3, round_heading(ctx, round)).text(zh_en(
            ctx,
            format!("督查村居：{}", join(ctx, &round.villages)),
            format!("Villages visited: {}", join(ctx, &round.villages)),
        ));
        let mut table = Table::new([
            ctx.pick("村居", "Village"),
            ctx.pick("问题", "Finding"),
            ctx.pick("整改情况", "Fixed?"),
        ]);
        for village in &round.villages {
            let rows: Vec<&Row> = round
                .findings
                .iter()
                .filter(|r| &r.village == village)
                .collect();
            if rows.is_empty() {
                table = table.row([
                    village.as_str(),
                    "—",
                    ctx.pick("未发现问题", "Nothing found"),
                ]);
            }
            for r in rows {
                table = table.row([
                    village.as_str(),
                    r.item.as_str(),
                    if r.status == Status::Fixed {
                        ctx.pick("已整改", "Fixed")
                    } else {
                        ctx.pick("整改中", "Being fixed")
                    },
                ]);
            }
        }
        page = page.table(table);
    }
    if published.len() > RESIDENT_ROUNDS {
        page = page.text(zh_en(
            ctx,
            format!(
                "更早的 {} 轮督查结果可到联络站查阅。",
                published.len() - RESIDENT_ROUNDS
            ),
            format!(
                "{} earlier rounds can be read at the station.",
                published.len() - RESIDENT_ROUNDS
            ),
        ));
    }
    Ok(page.into())
}

// ---- Staff ----

/// `rounds`: every round with its group and state; the forms to plan and to publish.
pub fn rounds(ctx: &Context) -> Result<Vec<Block>, Error> {
    let settings = Settings::load();
    let rounds = all_rounds()?;
    let refs: Vec<&Round> = rounds.iter().collect();
    let (all, fixed) = totals(&refs);
    let unpublished: Vec<&Round> = rounds.iter().filter(|r| r.published.is_none()).collect();
    let mut page = View::new()
        .heading(1, ctx.pick("督查轮次", "Inspection rounds"))
        .stats([
            StatCard::new(ctx.pick("督查轮次", "Rounds"), rounds.len()),
            StatCard::new(ctx.pick("待发布", "Unpublished"), unpublished.len()),
            StatCard::new(ctx.pick("发现问题", "Findings"), all),
            StatCard::new(ctx.pick("待整改", "Not fixed"), all - fixed),
        ]);
    let deputies = match deputies::list() {
        Ok(list) => Some(list),
        Err(Error::Denied(_)) => {
            page = page.notice(
                NoticeKind::Warning,
                ctx.pick(
                    "未授权读取本站代表名单，无法安排督查。",
                    "Reading the station's deputies is not granted: rounds cannot be planned.",
                ),
            );
            None
        }
        Err(e) => return Err(e),
    };
    let name_of = |code: &str| -> String {
        deputies
            .as_deref()
            .and_then(|list| list.iter().find(|d| d.code == code))
            .map_or_else(|| code.to_owned(), |d| format!("{}（{code}）", d.name))
    };
    if rounds.is_empty() {
        page = page.text(ctx.pick("还没有安排督查。", "No rounds yet."));
    } else {
        let table = rounds.iter().rev().fold(
            Table::new([
                ctx.pick("轮次", "Round"),
                ctx.pick("日期", "Date"),
                ctx.pick("标题", "Title"),
                ctx.pick("村居", "Villages"),
                ctx.pick("督查组", "Group"),
                ctx.pick("项目", "Items"),
                ctx.pick("问题", "Findings"),
                ctx.pick("状态", "State"),
            ]),
            |t, r| {
                let members: Vec<String> = r.members.iter().map(|m| name_of(m)).collect();
                t.row([
                    round_label(r.id),
                    r.date.clone(),
                    r.title.clone().unwrap_or_else(|| "—".into()),
                    join(ctx, &r.villages),
                    join(ctx, &members),
                    join(ctx, &r.items),
                    r.findings.len().to_string(),
                    match &r.published {
                        Some(on) => zh_en(ctx, format!("已发布 {on}"), format!("published {on}")),
                        None => ctx.pick("未发布", "not published").to_owned(),
                    },
                ])
            },
        );
        page = page
            .heading(2, ctx.pick("轮次一览", "All rounds"))
            .table(table);
    }

    let leads: Leads = storage::get_or_default(LEADS)?;
    let mut hot: Vec<(&String, &Lead)> = leads.villages.iter().collect();
    hot.sort_by_key(|(_, lead)| std::cmp::Reverse(lead.count));
    let mut village_help = zh_en(
        ctx,
        format!("用逗号分隔。可选：{}", join(ctx, &settings.villages)),
        format!("Comma-separated, from: {}", join(ctx, &settings.villages)),
    );
    if !hot.is_empty() {
        let named: Vec<String> = hot
            .iter()
            .take(5)
            .map(|(v, l)| format!("{v}({})", l.count))
            .collect();
        village_help.push_str(&zh_en(
            ctx,
            format!("。群众反映较多：{}", join(ctx, &named)),
            format!(". Most named by residents: {}", join(ctx, &named)),
        ));
    }
    let member_help = match &deputies {
        Some(list) if !list.is_empty() => {
            let codes: Vec<String> = list
                .iter()
                .map(|d| format!("{} {}", d.code, d.name))
                .collect();
            zh_en(
                ctx,
                format!(
                    "代表编号，用逗号分隔；第一位为组长。本站代表：{}",
                    join(ctx, &codes)
                ),
                format!(
                    "Deputy codes, comma-separated; the first leads. Deputies here: {}",
                    join(ctx, &codes)
                ),
            )
        }
        _ => ctx
            .pick(
                "代表编号，用逗号分隔；第一位为组长。",
                "Deputy codes, comma-separated; the first leads.",
            )
            .to_owned(),
    };
    page = page.form(
        Form::new("plan-round", ctx.pick("安排", "Plan"))
            .title(ctx.pick("安排督查", "Plan a round"))
            .field(
                Field::date("date", ctx.pick("督查日期", "Date"))
                    .required()
                    .help(ctx.pick(
                        "督查当天起可登记问题",
                        "Findings can be recorded from this day",
                    )),
            )
            .field(
                Field::text("villages", ctx.pick("督查村居", "Villages"))
                    .required()
                    .max_length(300)
                    .help(village_help),
            )
            .field(
                Field::text(
                    "members",
                    ctx.pick("督查组成员（代表编号）", "Group (deputy codes)"),
                )
                .required()
                .max_length(300)
                .help(member_help),
            )
            .field(
                Field::text("items", ctx.pick("督查项目", "Checklist items"))
                    .max_length(300)
                    .help(zh_en(
                        ctx,
                        format!("留空则督查全部项目：{}", join(ctx, &settings.checklist)),
                        format!("Blank for all: {}", join(ctx, &settings.checklist)),
                    )),
            )
            .field(
                Field::text("title", ctx.pick("标题", "Title"))
                    .max_length(40)
                    .help(ctx.pick("选填，如“春季环境整治督查”", "Optional")),
            ),
    );
    let publishable: Vec<String> = unpublished.iter().map(|r| round_label(r.id)).collect();
    page = page.form(
        Form::new("publish-round", ctx.pick("发布", "Publish"))
            .title(ctx.pick("发布督查结果", "Publish a round"))
            .field(
                Field::text("round", ctx.pick("轮次", "Round"))
                    .required()
                    .max_length(10)
                    .help(if publishable.is_empty() {
                        ctx.pick("没有待发布的轮次。", "Nothing to publish.").to_owned()
                    } else {
                        zh_en(
                            ctx,
                            format!("待发布：{}。发布后居民可见，不能再登记问题。", join(ctx, &publishable)),
                            format!(
                                "Unpublished: {}. Residents see it once published; no findings can be added after.",
                                join(ctx, &publishable)
                            ),
                        )
                    }),
            ),
    );
    Ok(page.into())
}

/// `findings`: what is not fixed yet (overdue marked), the latest fixes, and the forms to
/// record a finding and to re-inspect one.
pub fn findings(ctx: &Context) -> Result<Vec<Block>, Error> {
    let today = host::today();
    let rounds = all_rounds()?;
    let mut open: Vec<(u32, &Row)> = Vec::new();
    let mut fixed: Vec<(u32, &Row)> = Vec::new();
    for r in &rounds {
        for row in &r.findings {
            if row.status == Status::Fixed {
                fixed.push((r.id, row));
            } else {
                open.push((r.id, row));
            }
        }
    }
    open.sort_by_key(|(_, row)| std::cmp::Reverse(row.id));
    fixed.sort_by(|a, b| (&b.1.fixed_on, b.1.id).cmp(&(&a.1.fixed_on, a.1.id)));
    let count = |s: Status| open.iter().filter(|(_, r)| r.status == s).count();
    let overdue = open.iter().filter(|(_, r)| r.overdue(&today)).count();
    let total = open.len() + fixed.len();
    let mut page = View::new()
        .heading(1, ctx.pick("问题整改", "Findings and rectification"))
        .stats([
            StatCard::new(
                ctx.pick("待整改", "Open"),
                count(Status::Open) + count(Status::Escalated),
            ),
            StatCard::new(ctx.pick("待复查", "To re-inspect"), count(Status::Replied))
                .hint(ctx.pick("承办单位已答复", "answered")),
            StatCard::new(ctx.pick("已超期", "Overdue"), overdue),
            StatCard::new(ctx.pick("已整改", "Fixed"), fixed.len()),
            StatCard::new(
                ctx.pick("整改率", "Rectified"),
                rate_text(total, fixed.len()),
            ),
        ]);
    if overdue > 0 {
        page = page.notice(
            NoticeKind::Warning,
            zh_en(
                ctx,
                format!("有 {overdue} 条问题已过整改期限，请安排复查。"),
                format!("{overdue} findings are past their deadline: re-inspect them."),
            ),
        );
    }
    page = page.heading(2, ctx.pick("未整改问题", "Not fixed yet"));
    if open.is_empty() {
        page = page.text(ctx.pick("没有未整改的问题。", "Nothing open."));
    } else {
        let table = open.iter().take(OPEN_ROWS).fold(
            Table::new([
                ctx.pick("编号", "No."),
                ctx.pick("轮次", "Round"),
                ctx.pick("村居", "Village"),
                ctx.pick("项目", "Item"),
                ctx.pick("程度", "Severity"),
                ctx.pick("概要", "Summary"),
                ctx.pick("照片", "Photo"),
                ctx.pick("整改期限", "Deadline"),
                ctx.pick("案件", "Case"),
                ctx.pick("状态", "State"),
            ]),
            |t, (round, r)| {
                let mut state = r.status.label(ctx).to_owned();
                if r.overdue(&today) {
                    state.push_str(ctx.pick("（已超期）", " (overdue)"));
                }
                t.row([
                    finding_label(r.id),
                    round_label(*round),
                    r.village.clone(),
                    r.item.clone(),
                    r.severity.label(ctx).to_owned(),
                    r.brief.clone(),
                    r.photo.clone().unwrap_or_else(|| "—".into()),
                    r.deadline.clone().unwrap_or_else(|| "—".into()),
                    r.case.map_or_else(|| "—".into(), |c| c.to_string()),
                    state,
                ])
            },
        );
        page = page.table(table);
        if open.len() > OPEN_ROWS {
            page = page.text(zh_en(
                ctx,
                format!("另有 {} 条较早的问题未列出。", open.len() - OPEN_ROWS),
                format!("{} older ones are not listed.", open.len() - OPEN_ROWS),
            ));
        }
    }
    if !fixed.is_empty() {
        let table = fixed.iter().take(FIXED_ROWS).fold(
            Table::new([
                ctx.pick("编号", "No."),
                ctx.pick("轮次", "Round"),
                ctx.pick("村居", "Village"),
                ctx.pick("项目", "Item"),
                ctx.pick("整改确认", "Fixed on"),
                ctx.pick("案件", "Case"),
            ]),
            |t, (round, r)| {
                t.row([
                    finding_label(r.id),
                    round_label(*round),
                    r.village.clone(),
                    r.item.clone(),
                    r.fixed_on.clone().unwrap_or_else(|| "—".into()),
                    r.case.map_or_else(|| "—".into(), |c| c.to_string()),
                ])
            },
        );
        page = page
            .heading(2, ctx.pick("最近整改", "Latest fixes"))
            .table(table);
    }

    let recordable: Vec<String> = rounds
        .iter()
        .rev()
        .filter(|r| r.published.is_none() && r.date <= today)
        .take(5)
        .map(|r| {
            format!(
                "{}（{}：{}）",
                round_label(r.id),
                r.date,
                join(ctx, &r.villages)
            )
        })
        .collect();
    let items: Vec<String> = rounds
        .iter()
        .rev()
        .find(|r| r.published.is_none())
        .map(|r| r.items.clone())
        .unwrap_or_else(|| Settings::load().checklist);
    page = page.form(
        Form::new("record-finding", ctx.pick("登记", "Record"))
            .title(ctx.pick("登记问题", "Record a finding"))
            .field(
                Field::text("round", ctx.pick("轮次", "Round"))
                    .required()
                    .max_length(10)
                    .help(if recordable.is_empty() {
                        ctx.pick(
                            "没有可登记的轮次：先安排督查，督查当天起可登记。",
                            "No round to record into: plan one first.",
                        )
                        .to_owned()
                    } else {
                        zh_en(
                            ctx,
                            format!("如 R1。可登记：{}", recordable.join("；")),
                            format!("e.g. R1. Open rounds: {}", recordable.join("; ")),
                        )
                    }),
            )
            .field(
                Field::text("village", ctx.pick("村居", "Village"))
                    .required()
                    .max_length(30)
                    .help(ctx.pick("须是该轮督查的村居", "One of the round's villages")),
            )
            .field(
                Field::text("item", ctx.pick("督查项目", "Checklist item"))
                    .required()
                    .max_length(30)
                    .help(zh_en(
                        ctx,
                        format!("须是该轮的督查项目，如：{}", join(ctx, &items)),
                        format!("One of the round's items, e.g. {}", join(ctx, &items)),
                    )),
            )
            .field(
                Field::select(
                    "severity",
                    ctx.pick("严重程度", "Severity"),
                    Severity::CHOICES.map(|(_, code, zh, en)| (code, ctx.pick(zh, en))),
                )
                .required()
                .help(ctx.pick(
                    "严重：危及安全或群众反映强烈",
                    "Serious: a danger, or residents complain strongly",
                )),
            )
            .field(
                Field::textarea("description", ctx.pick("问题描述", "Description"))
                    .required()
                    .max_length(500)
                    .help(ctx.pick(
                        "写清地点和问题，不写群众姓名电话",
                        "Where and what; no residents' names or phones",
                    )),
            )
            .field(
                Field::text("photo", ctx.pick("照片编号", "Photo reference"))
                    .max_length(100)
                    .help(ctx.pick("选填，仅内部可见", "Optional; staff only")),
            )
            .field(
                Field::date("deadline", ctx.pick("整改期限", "Rectification deadline")).help(
                    ctx.pick(
                        "填写期限即在本站立案交办，并建议承办单位",
                        "With a deadline the finding is filed as a case and an office suggested",
                    ),
                ),
            ),
    );
    page = page.form(
        Form::new("reinspect", ctx.pick("提交复查", "Submit"))
            .title(ctx.pick("复查", "Re-inspect"))
            .field(
                Field::text("finding", ctx.pick("问题编号", "Finding"))
                    .required()
                    .max_length(10)
                    .help(ctx.pick("如 F1", "e.g. F1")),
            )
            .field(
                Field::checkbox("fixed", ctx.pick("已整改", "Fixed")).help(ctx.pick(
                    "不勾选即为未整改：案件将升级督办",
                    "Unticked means not fixed: its case is escalated",
                )),
            )
            .field(
                Field::textarea("note", ctx.pick("复查情况", "Note"))
                    .max_length(300)
                    .help(ctx.pick(
                        "写入案件内部记录，不对外公开",
                        "Goes to the case's internal history",
                    )),
            ),
    );
    Ok(page.into())
}

/// `ranking`: every village visited, with all rounds (published or not), and the leads from
/// residents' opinions.
pub fn ranking_view(ctx: &Context) -> Result<Vec<Block>, Error> {
    let settings = Settings::load();
    let today = host::today();
    let rounds = all_rounds()?;
    let tallies = ranking(&rounds, &settings, &today);
    let mut page = View::new()
        .heading(1, ctx.pick("村居排行", "Village ranking"))
        .text(ctx.pick(
            "含未发布的轮次。整改率 = 已整改问题 ÷ 发现问题；未发现问题的村居排在前面。",
            "Includes unpublished rounds. Rate = fixed ÷ findings; villages with no findings come first.",
        ));
    if tallies.is_empty() {
        page = page.text(ctx.pick("还没有督查记录。", "No rounds yet."));
    } else {
        page = page.table(ranking_table(ctx, &tallies, true));
    }
    let leads: Leads = storage::get_or_default(LEADS)?;
    page = page
        .heading(2, ctx.pick("群众反映线索", "Leads from residents"))
        .text(ctx.pick(
            "居民在本站提交的意见中提到的村居，可作为下一轮督查的重点。",
            "Villages named in residents' opinions at this station: where to look next.",
        ));
    if leads.villages.is_empty() {
        page = page.text(ctx.pick("暂无。", "None yet."));
    } else {
        let mut list: Vec<(&String, &Lead)> = leads.villages.iter().collect();
        list.sort_by(|a, b| {
            b.1.count.cmp(&a.1.count).then(
                settings
                    .village_order(a.0)
                    .cmp(&settings.village_order(b.0)),
            )
        });
        let last_visit = |village: &str| {
            rounds
                .iter()
                .filter(|r| r.villages.iter().any(|v| v == village))
                .map(|r| r.date.clone())
                .max()
                .unwrap_or_else(|| "—".into())
        };
        let table = list.iter().fold(
            Table::new([
                ctx.pick("村居", "Village"),
                ctx.pick("反映件数", "Opinions"),
                ctx.pick("最近一次", "Latest"),
                ctx.pick("最近案件", "Latest cases"),
                ctx.pick("上次督查", "Last visited"),
            ]),
            |t, (village, lead)| {
                let ids: Vec<String> = lead.cases.iter().map(i64::to_string).collect();
                t.row([
                    (*village).clone(),
                    lead.count.to_string(),
                    lead.last_on.clone(),
                    ids.join(", "),
                    last_visit(village),
                ])
            },
        );
        page = page.table(table);
    }
    Ok(page.into())
}
