//! The views and the forms they draw. Every form matches its action's fields in plugin.toml.

use liaison_sdk::prelude::*;

use crate::dates::{self, Half};
use crate::reception::{self, Inbox, Reception};
use crate::roster::{self, Names, Roster, Sitting};
use crate::{ASKED, Asked, OTHER, VILLAGE_CHOICES, cut, today, villages};

/// Answers `search-notes` shows at most.
pub const SEARCH_LIMIT: usize = 30;
/// Receptions the desk view lists.
const LOG_ROWS: usize = 20;
/// Days the roster view resolves.
const ROSTER_DAYS: i64 = 14;
/// Latest notes per village in the staff's notes view.
const NOTES_PER_VILLAGE: usize = 3;

fn select_villages(name: &str, label: &str, choices: &[&'static str], en: bool) -> Field {
    Field::select(
        name,
        label,
        choices
            .iter()
            .map(|v| (*v, if en && *v == OTHER { "Other" } else { *v })),
    )
}

/// The question form on the home view.
pub fn ask_form(ctx: &Context) -> Form {
    let (offered, _) = villages();
    Form::new("ask", ctx.pick("提交问题", "Send"))
        .title(ctx.pick("向百晓代表提问", "Ask the desk"))
        .field(select_villages("village", ctx.pick("所在村", "Village"), &offered, ctx.is_en()).required())
        .field(
            Field::textarea("question", ctx.pick("想问的事", "Your question"))
                .required()
                .max_length(500)
                .help(ctx.pick(
                    "村里的事、政策上的事都可以问，至少 5 个字。请不要写身份证号、电话等个人信息。",
                    "Anything about your village or a policy; at least 5 characters. No ID or phone numbers.",
                )),
        )
        .field(
            Field::text("name", ctx.pick("称呼（可不填）", "How to address you (optional)"))
                .max_length(20)
                .help(ctx.pick("如“王阿姨”“陈先生”，方便代表答复时称呼", "e.g. Mrs Wang")),
        )
}

fn record_form(ctx: &Context) -> Form {
    let (offered, _) = villages();
    Form::new("record-reception", ctx.pick("登记", "Log"))
        .title(ctx.pick("登记接待", "Log a reception"))
        .field(
            select_villages(
                "village",
                ctx.pick("来访人所在村", "Visitor's village"),
                &offered,
                ctx.is_en(),
            )
            .required(),
        )
        .field(
            Field::textarea("summary", ctx.pick("来访事项", "What they came about"))
                .required()
                .max_length(300)
                .help(ctx.pick(
                    "写事情，不写来访人姓名和电话",
                    "The matter, without the visitor's name or phone",
                )),
        )
        .field(
            Field::textarea("answer", ctx.pick("当场答复", "Answer given"))
                .max_length(500)
                .help(ctx.pick(
                    "当场答复了就写上，会收入村情百晓，方便以后查",
                    "Answered questions become village notes",
                )),
        )
        .field(Field::checkbox(
            "follow_up",
            ctx.pick("需要跟进", "Needs follow-up"),
        ))
}

fn convert_form(ctx: &Context) -> Form {
    Form::new("reception-to-case", ctx.pick("转为案件", "File as a case"))
        .title(ctx.pick("接待转为民意案件", "File a reception as a case"))
        .field(
            Field::number("reception", ctx.pick("接待编号", "Reception no."))
                .required()
                .help(ctx.pick(
                    "需要交办的接待，转为本站民意案件；每条只转一次",
                    "Each reception is filed once",
                )),
        )
}

fn search_form(ctx: &Context) -> Form {
    Form::new("search-notes", ctx.pick("查询", "Search"))
        .title(ctx.pick("查村情百晓", "Search village notes"))
        .field(select_villages(
            "village",
            ctx.pick("村（可不选）", "Village (optional)"),
            &VILLAGE_CHOICES,
            ctx.is_en(),
        ))
        .field(
            Field::text("words", ctx.pick("关键词（可不填）", "Words (optional)"))
                .max_length(50)
                .help(ctx.pick(
                    "多个词用空格隔开，如“低保 申请”",
                    "Separate words with spaces",
                )),
        )
}

/// "张三、李四" for a sitting; an expected half-day nobody covers is marked when `marks`.
fn who(s: &Sitting, names: &Names, ctx: &Context, marks: bool) -> String {
    if s.seats.is_empty() {
        return if marks && s.is_gap() {
            ctx.pick("⚠ 空缺", "⚠ gap").to_owned()
        } else {
            "—".to_owned()
        };
    }
    s.seats
        .iter()
        .map(|code| names.name(code))
        .collect::<Vec<_>>()
        .join("、")
}

fn day_label(day: i64, ctx: &Context) -> String {
    format!(
        "{} {}",
        dates::short(&dates::date_of(day)),
        dates::weekday_label(dates::weekday(day), ctx.is_en())
    )
}

/// A table of days: date, morning, afternoon.
fn days_table(
    roster: &Roster,
    from: i64,
    count: i64,
    names: &Names,
    ctx: &Context,
    marks: bool,
) -> Table {
    (from..from + count).fold(
        Table::new([
            ctx.pick("日期", "Date"),
            ctx.pick("上午", "Morning"),
            ctx.pick("下午", "Afternoon"),
        ]),
        |t, d| {
            let mut label = day_label(d, ctx);
            if d == from {
                label.push_str(ctx.pick("（今天）", " (today)"));
            }
            t.row([
                label,
                who(&roster.sitting(d, Half::Am), names, ctx, marks),
                who(&roster.sitting(d, Half::Pm), names, ctx, marks),
            ])
        },
    )
}

/// The warning about tomorrow's half-days without a deputy, if any.
fn gap_notice(roster: &Roster, today: i64, ctx: &Context) -> Option<Block> {
    let tomorrow = today + 1;
    let gaps = roster.gaps(tomorrow);
    if gaps.is_empty() {
        return None;
    }
    let list = gaps
        .iter()
        .map(|g| {
            let half = Half::from_code(&g.half).map_or("", |h| h.label(ctx.is_en()));
            format!("{half}（{}）", ctx.pick("未排班", "nobody on duty"))
        })
        .collect::<Vec<_>>()
        .join("、");
    let text = if ctx.is_en() {
        format!(
            "Tomorrow ({}) has no deputy at the desk: {list}. Put one on the station's duty roster.",
            day_label(tomorrow, ctx)
        )
    } else {
        format!(
            "明天（{}）百晓坐班无人：{list}。请在本站值班表中安排代表。",
            day_label(tomorrow, ctx)
        )
    };
    Some(view::warning(text))
}

fn access_notices(mut page: View, roster: &Roster, names: &Names, ctx: &Context) -> View {
    if roster.duty_denied || names.denied {
        page = page.notice(
            NoticeKind::Warning,
            ctx.pick(
                "未授权读取本站代表和值班表（deputies.read），代表姓名和值班无法显示。",
                "deputies.read is not granted: names and duty shifts are missing.",
            ),
        );
    }
    page
}

fn where_when(page: View, ctx: &Context) -> View {
    let location = host::setting_or("location", "");
    let hours = host::setting_or("hours", "");
    page.items([
        ListItem::new(ctx.pick("坐班地点", "Where")).detail(location),
        ListItem::new(ctx.pick("坐班时间", "When")).detail(hours),
    ])
}

/// The residents' page: who sits today and this week, where and when, and the question form.
pub fn home(ctx: &Context) -> Result<Vec<Block>, Error> {
    let today = today()?;
    let roster = Roster::load(today, today + 6)?;
    let names = Names::load()?;
    let mut page = View::new()
        .heading(1, ctx.pick("代表百晓坐班", "Hundred-knows duty desk"))
        .text(ctx.pick(
            "熟悉各村情况的人大代表轮流在联络站坐班。村里的事、政策上的事，都可以来问，也可以在下面留言。",
            "Deputies who know every village take turns at the station. Come and ask, or leave your question below.",
        ));
    page = where_when(page, ctx);
    page = page.heading(2, ctx.pick("今天谁坐班", "Today at the desk"));
    let today_items: Vec<ListItem> = Half::BOTH
        .into_iter()
        .map(|h| roster.sitting(today, h))
        .filter(|s| !s.seats.is_empty())
        .map(|s| ListItem::new(s.half.label(ctx.is_en())).detail(who(&s, &names, ctx, false)))
        .collect();
    page = if today_items.is_empty() {
        page.text(ctx.pick(
            "今天没有安排代表坐班，可以先在下面留言，代表坐班时会答复。",
            "Nobody sits today; leave your question below.",
        ))
    } else {
        page.items(today_items)
    };
    page = page
        .heading(2, ctx.pick("近七天坐班安排", "The next seven days"))
        .table(days_table(&roster, today, 7, &names, ctx, false))
        .form(ask_form(ctx));
    Ok(page.into())
}

/// The duty desk: tomorrow's gaps, today's figures, the reception log and its forms.
pub fn desk(ctx: &Context) -> Result<Vec<Block>, Error> {
    let today = today()?;
    let date = dates::date_of(today);
    let roster = Roster::load(today, today + 1)?;
    let names = Names::load()?;
    let log = reception::all()?;
    let inbox: Inbox = storage::get_or_default(&Inbox::key(&date))?;
    let asked: Vec<Asked> = storage::get_or_default(ASKED)?;

    let mut page = View::new().heading(1, ctx.pick("百晓坐班台", "Duty desk"));
    if let Some(n) = gap_notice(&roster, today, ctx) {
        page = page.block(n);
    }
    page = access_notices(page, &roster, &names, ctx);
    let month = &date[0..7];
    let this_month = log.iter().filter(|r| r.at.starts_with(month)).count();
    let pending = log
        .iter()
        .filter(|r| r.follow_up && r.case.is_none())
        .count();
    let sitting = |h: Half| who(&roster.sitting(today, h), &names, ctx, false);
    page = page.stats([
        StatCard::new(ctx.pick("今天上午", "This morning"), sitting(Half::Am)),
        StatCard::new(ctx.pick("今天下午", "This afternoon"), sitting(Half::Pm)),
        StatCard::new(ctx.pick("本月接待", "Receptions this month"), this_month),
        StatCard::new(ctx.pick("待跟进", "To follow up"), pending)
            .hint(ctx.pick("未转案件", "not yet a case")),
        StatCard::new(ctx.pick("今日新收民意", "New cases today"), inbox.total()).hint(format!(
            "{} {} · {} {}",
            ctx.pick("上午", "am"),
            inbox.am.len(),
            ctx.pick("下午", "pm"),
            inbox.pm.len()
        )),
    ]);
    page = page.form(record_form(ctx));

    page = page.heading(2, ctx.pick("接待记录", "Reception log"));
    if log.is_empty() {
        page = page.text(ctx.pick("还没有接待记录。", "No receptions yet."));
    } else {
        let table = log.iter().take(LOG_ROWS).fold(
            Table::new([
                ctx.pick("编号", "No."),
                ctx.pick("时间", "When"),
                ctx.pick("村", "Village"),
                ctx.pick("来访事项", "Matter"),
                ctx.pick("当场答复", "Answer"),
                ctx.pick("跟进", "Follow-up"),
                ctx.pick("案件", "Case"),
            ]),
            |t, r| {
                t.row([
                    format!("#{}", r.id),
                    r.at.clone(),
                    r.village.clone(),
                    r.summary.clone(),
                    r.answer.clone().unwrap_or_else(|| "—".into()),
                    if r.follow_up {
                        ctx.pick("需跟进", "yes")
                    } else {
                        ""
                    }
                    .to_owned(),
                    r.case.map_or_else(String::new, |c| format!("#{c}")),
                ])
            },
        );
        page = page.table(table);
        if log.len() > LOG_ROWS {
            page = page.text(format!(
                "{} {LOG_ROWS} {}",
                ctx.pick("只列出最近", "Showing the latest"),
                ctx.pick("条。", "receptions.")
            ));
        }
    }
    page = page.form(convert_form(ctx));

    page = page.heading(2, ctx.pick("居民线上提问", "Questions from residents"));
    if asked.is_empty() {
        page = page.text(ctx.pick("还没有居民在线提问。", "No questions yet."));
    } else {
        page = page.table(asked.iter().take(LOG_ROWS).fold(
            Table::new([
                ctx.pick("案件", "Case"),
                ctx.pick("村", "Village"),
                ctx.pick("时间", "When"),
            ]),
            |t, a| t.row([format!("#{}", a.case), a.village.clone(), a.at.clone()]),
        ));
    }
    Ok(page.into())
}

/// The roster: the next 14 days of the station's duty roster, with the gaps on open days.
pub fn roster(ctx: &Context) -> Result<Vec<Block>, Error> {
    let today = today()?;
    let roster = Roster::load(today, today + ROSTER_DAYS - 1)?;
    let names = Names::load()?;
    let en = ctx.is_en();
    let mut page = View::new().heading(1, ctx.pick("坐班排班", "Sitting roster"));
    if let Some(n) = gap_notice(&roster, today, ctx) {
        page = page.block(n);
    }
    page = access_notices(page, &roster, &names, ctx);
    page = where_when(page, ctx);
    page = page
        .heading(2, ctx.pick("未来 14 天", "Next 14 days"))
        .table(days_table(&roster, today, ROSTER_DAYS, &names, ctx, true));
    let open = roster::open_days();
    let open_list = (1..=7u8)
        .filter(|d| open[usize::from(*d)])
        .map(|d| dates::weekday_label(d, en))
        .collect::<Vec<_>>()
        .join("、");
    page = page.text(if en {
        format!(
            "Who sits is the station's duty roster, which station staff keep; the station page shows the same. The desk sits on: {open_list}; an empty half-day on these days is a gap."
        )
    } else {
        format!(
            "坐班安排以本站值班表为准，由联络站工作人员排班，联络站页面显示的值班代表与此一致。坐班日：{open_list}，这些日子里无人的半天算作空缺。"
        )
    });
    Ok(page.into())
}

fn note_item(r: &Reception, with_village: bool) -> ListItem {
    let title = if with_village {
        format!("{}：{}", r.village, cut(&r.summary, 40))
    } else {
        cut(&r.summary, 40)
    };
    ListItem::new(title).detail(format!(
        "{}  · {} · #{}",
        r.answer.as_deref().unwrap_or_default(),
        r.day(),
        r.id
    ))
}

/// Village notes: the questions the desk answered, by village; staff also see the latest ones.
pub fn notes(ctx: &Context) -> Result<Vec<Block>, Error> {
    let log = reception::all()?;
    let (offered, unknown) = villages();
    let mut page = View::new()
        .heading(1, ctx.pick("村情百晓", "Village notes"))
        .text(ctx.pick(
            "坐班代表当场答复过的问题，按村归档，遇到相似的问题可以先查一查。",
            "Questions the desk has answered, by village.",
        ))
        .form(search_form(ctx));
    if ctx.audience == Audience::Staff && !unknown.is_empty() {
        page = page.notice(
            NoticeKind::Warning,
            format!(
                "{}{}",
                ctx.pick(
                    "设置“villages”中这些村不在本版本的选项里，表单未列出：",
                    "These villages of the setting are not choices of this version: "
                ),
                unknown.join("、")
            ),
        );
    }
    // Villages of the setting first, then any other village the log holds.
    let mut order: Vec<&str> = offered.clone();
    for c in VILLAGE_CHOICES {
        if !order.contains(&c) && log.iter().any(|r| r.village == c) {
            order.push(c);
        }
    }
    let answered: Vec<&Reception> = log.iter().filter(|r| r.answered()).collect();
    page = page.heading(2, ctx.pick("各村答复", "Answers by village"));
    page = page.table(order.iter().fold(
        Table::new([
            ctx.pick("村", "Village"),
            ctx.pick("已答问题", "Answered"),
            ctx.pick("最近一次", "Latest"),
        ]),
        |t, v| {
            let mine: Vec<&&Reception> = answered.iter().filter(|r| r.village == *v).collect();
            t.row([
                (*v).to_owned(),
                mine.len().to_string(),
                mine.first()
                    .map_or_else(|| "—".to_owned(), |r| r.day().to_owned()),
            ])
        },
    ));
    if ctx.audience == Audience::Staff {
        page = page.heading(2, ctx.pick("各村最新", "Latest per village"));
        let mut any = false;
        for v in &order {
            let latest: Vec<ListItem> = answered
                .iter()
                .filter(|r| r.village == *v)
                .take(NOTES_PER_VILLAGE)
                .map(|r| note_item(r, false))
                .collect();
            if !latest.is_empty() {
                any = true;
                page = page.heading(3, *v).items(latest);
            }
        }
        if !any {
            page = page.text(ctx.pick("还没有答复过的问题。", "No answered questions yet."));
        }
    }
    Ok(page.into())
}

/// What `search-notes` shows.
pub fn search_results(
    ctx: &Context,
    village: Option<&str>,
    words: &[String],
    found: &[Reception],
) -> Vec<Block> {
    let mut what = Vec::new();
    if let Some(v) = village {
        what.push(v.to_owned());
    }
    if !words.is_empty() {
        what.push(format!("“{}”", words.join(" ")));
    }
    let heading = if what.is_empty() {
        ctx.pick("最近的村情答复", "Latest answers").to_owned()
    } else {
        format!("{}{}", ctx.pick("查询：", "Search: "), what.join(" · "))
    };
    let page = View::new().heading(2, heading);
    if found.is_empty() {
        return page
            .text(ctx.pick(
                "没有找到相符的答复，可以换个词再查。",
                "Nothing found; try other words.",
            ))
            .into();
    }
    page.items(found.iter().map(|r| note_item(r, village.is_none())))
        .into()
}
