//! hello-brand: a small real station brand that shows the whole `liaison:brand` contract.
//!
//! - view `home` (residents and staff): a heading, the station's `greeting` setting, stat
//!   cards from typed storage, a form posting to `ask`; staff also see the latest cases it
//!   filed (`cases.read`);
//! - action `ask`: files the question as a case (`cases.create`, tag "hello"), notes on the
//!   case where it came from (`cases.tag`, best effort), counts it (`storage`) and answers
//!   with the case id;
//! - `on-case-event` for "submit" and "register": counts events per action;
//! - `on-schedule`: stores the time of the last run.

use liaison_sdk::prelude::*;

/// The brand.
pub struct HelloBrand;

/// The categories the form offers: code, Chinese label, English label.
pub const CATEGORIES: [(&str, &str, &str); 4] = [
    ("urban_construction", "城市建设", "Urban construction"),
    ("ecology", "生态环境", "Ecology"),
    ("social_security", "社会保障", "Social security"),
    ("other", "其他", "Other"),
];

/// Storage key of the number of questions asked.
pub const ASKED: &str = "asked";
/// Storage key of the time `on-schedule` last ran.
pub const LAST_RUN: &str = "schedule:last-run";
/// The tag put on every case this brand files.
pub const TAG: &str = "hello";

/// Storage key of the count of case events with `action`.
pub fn event_key(action: &str) -> String {
    format!("events:{action}")
}

fn ask_form(ctx: &Context) -> Form {
    Form::new("ask", ctx.pick("提交", "Send"))
        .title(ctx.pick("向代表提问", "Ask the deputies"))
        .field(
            Field::textarea("question", ctx.pick("问题", "Question"))
                .required()
                .max_length(500)
                .help(ctx.pick(
                    "至少 5 个字，不要写姓名和电话",
                    "At least 5 characters; no names or phone numbers",
                )),
        )
        .field(
            Field::select(
                "category",
                ctx.pick("类别", "Category"),
                CATEGORIES.map(|(code, zh, en)| (code, ctx.pick(zh, en))),
            )
            .required(),
        )
}

fn home(ctx: &Context) -> Result<Vec<Block>, Error> {
    let greeting = host::setting_or("greeting", ctx.pick("欢迎", "Welcome"));
    let asked: u32 = storage::get_or_default(ASKED)?;
    let submitted: u32 = storage::get_or_default(&event_key("submit"))?;
    let registered: u32 = storage::get_or_default(&event_key("register"))?;
    let mut page = View::new()
        .heading(1, ctx.pick("你好站点", "Hello"))
        .text(greeting)
        .stats([
            StatCard::new(ctx.pick("已提问", "Questions asked"), asked),
            StatCard::new(ctx.pick("新提交", "Cases submitted"), submitted)
                .hint(ctx.pick("本站", "this station")),
            StatCard::new(ctx.pick("已受理", "Cases registered"), registered)
                .hint(ctx.pick("本站", "this station")),
        ])
        .form(ask_form(ctx));
    if ctx.audience == Audience::Staff {
        page = page.heading(2, ctx.pick("最近的提问", "Latest questions"));
        page = match cases::list(&CaseQuery::new().tag(TAG).limit(10)) {
            Ok(list) if list.is_empty() => page.text(ctx.pick("还没有提问。", "No questions yet.")),
            Ok(list) => page.table(list.iter().fold(
                Table::new([
                    ctx.pick("编号", "No."),
                    ctx.pick("标题", "Title"),
                    ctx.pick("状态", "Status"),
                ]),
                |t, c| t.row([c.id.to_string(), c.title.clone(), c.status.clone()]),
            )),
            Err(Error::Denied(_)) => page.notice(
                NoticeKind::Warning,
                ctx.pick("未授权读取案件。", "Reading cases is not granted here."),
            ),
            Err(e) => return Err(e),
        };
    }
    Ok(page.into())
}

fn ask(ctx: &Context, input: &FormInput) -> Result<ActionResult, Error> {
    let question = input.required("question")?;
    let category = input.required("category")?;
    let id = cases::create(&NewCase::new(category, question).tag(TAG)).map_err(|e| match e {
        // The form calls the description "question": point the complaint at that field.
        Error::Invalid { field, message } if field == "description" => {
            Error::invalid("question", message)
        }
        other => other,
    })?;
    if let Err(e) = cases::annotate(id, "由「你好站点」代居民提交") {
        log::warn(&format!("could not annotate case {id}: {e}"));
    }
    let asked = storage::update(ASKED, |n: Option<u32>| n.unwrap_or(0) + 1)?;
    log::info(&format!("filed case {id} ({asked} so far)"));
    let message = if ctx.is_en() {
        "Thank you. We have your question.".to_owned()
    } else {
        "已收到您的问题。".to_owned()
    };
    Ok(ActionResult::message(message)
        .with_case(id)
        .with_view(View::new().notice(
            NoticeKind::Success,
            ctx.pick("代表会尽快答复。", "A deputy will answer soon."),
        )))
}

impl Brand for HelloBrand {
    fn render_view(view: &str, ctx: &Context) -> Result<Vec<Block>, Error> {
        match view {
            "home" => home(ctx),
            other => Err(Error::not_found(format!("view {other}"))),
        }
    }

    fn run_action(action: &str, ctx: &Context, input: &FormInput) -> Result<ActionResult, Error> {
        match action {
            "ask" => ask(ctx, input),
            other => Err(Error::not_found(format!("action {other}"))),
        }
    }

    fn on_case_event(event: &CaseEvent) -> Result<(), Error> {
        if matches!(event.action.as_str(), "submit" | "register") {
            storage::update(&event_key(&event.action), |n: Option<u32>| {
                n.unwrap_or(0) + 1
            })?;
        }
        Ok(())
    }

    fn on_schedule(_station: &str) -> Result<(), Error> {
        storage::set(LAST_RUN, &host::now())
    }
}

liaison_sdk::export_brand!(HelloBrand);

#[cfg(test)]
mod tests {
    use super::*;
    use liaison_sdk::testing::{self, TestHost, stat};

    const MANIFEST: &str = include_str!("../plugin.toml");

    fn host() -> TestHost {
        TestHost::with_manifest(MANIFEST)
    }

    #[test]
    fn home_greets_counts_and_offers_the_form() {
        let host = host();
        let blocks = host.render_view::<HelloBrand>("home").unwrap();
        let texts = testing::texts(&blocks);
        assert_eq!(texts[0], "你好站点");
        assert_eq!(
            texts[1], "欢迎来到代表联络站",
            "the greeting's default from plugin.toml"
        );
        assert_eq!(stat(&blocks, "已提问"), "0");
        let form = blocks
            .iter()
            .find_map(|b| match b {
                Block::Form(f) => Some(f),
                _ => None,
            })
            .expect("a form");
        assert_eq!(form.action, "ask");
        assert_eq!(form.fields[0].name, "question");
        assert!(form.fields[0].required);
        assert_eq!(form.fields[0].max_length, 500);
        assert_eq!(form.fields[1].kind, FieldKind::Select);
        assert!(
            form.fields[1]
                .options
                .iter()
                .any(|(v, _)| v == "urban_construction")
        );
    }

    #[test]
    fn the_greeting_is_a_station_setting() {
        let host = host();
        host.setting("greeting", "路南欢迎您");
        let blocks = host.render_view::<HelloBrand>("home").unwrap();
        assert_eq!(testing::texts(&blocks)[1], "路南欢迎您");
    }

    #[test]
    fn english_readers_get_english() {
        let host = host();
        host.locale("en");
        let blocks = host.render_view::<HelloBrand>("home").unwrap();
        assert_eq!(testing::texts(&blocks)[0], "Hello");
        assert_eq!(stat(&blocks, "Questions asked"), "0");
    }

    #[test]
    fn ask_files_a_case_and_counts_it() {
        let host = host();
        let r = host
            .run_action::<HelloBrand>(
                "ask",
                &[
                    ("question", "  小区门口路灯坏了三天了  "),
                    ("category", "urban_construction"),
                ],
            )
            .unwrap();
        let id = r.case_id.expect("a case id");
        // The resident follows the case by the receipt code the page shows, not by this id.
        assert!(!r.message.contains(&id.to_string()), "{}", r.message);
        let created = host.created_cases();
        assert_eq!(created.len(), 1);
        let case = &created[0];
        assert_eq!(case.id, id);
        assert_eq!(case.category, "urban_construction");
        assert_eq!(
            case.description, "小区门口路灯坏了三天了",
            "the host trims input"
        );
        assert_eq!(case.channel, "plugin");
        assert_eq!(case.tags, vec!["hello".to_string()]);
        assert_eq!(
            host.annotations(),
            vec![(id, "由「你好站点」代居民提交".to_string())]
        );
        assert_eq!(host.stored::<u32>(ASKED), Some(1));

        host.run_action::<HelloBrand>(
            "ask",
            &[
                ("question", "河道有异味，希望尽快处理"),
                ("category", "ecology"),
            ],
        )
        .unwrap();
        assert_eq!(host.stored::<u32>(ASKED), Some(2));
        let blocks = host.render_view::<HelloBrand>("home").unwrap();
        assert_eq!(stat(&blocks, "已提问"), "2");
    }

    #[test]
    fn without_cases_create_the_action_is_denied() {
        let host = host();
        host.revoke("cases.create");
        let r = host.run_action::<HelloBrand>(
            "ask",
            &[("question", "小区门口路灯坏了"), ("category", "other")],
        );
        assert_eq!(r, Err(Error::Denied("cases.create".into())));
        assert!(host.created_cases().is_empty());
        assert_eq!(host.stored::<u32>(ASKED), None, "nothing counted");
    }

    #[test]
    fn without_cases_tag_the_case_is_still_filed() {
        let host = host();
        host.revoke("cases.tag");
        let r = host
            .run_action::<HelloBrand>(
                "ask",
                &[("question", "小区门口路灯坏了"), ("category", "other")],
            )
            .unwrap();
        assert!(r.case_id.is_some());
        assert!(host.annotations().is_empty());
        assert!(host.logged("could not annotate"));
    }

    #[test]
    fn bad_input_names_the_field() {
        let host = host();
        let missing = host.run_action::<HelloBrand>("ask", &[("category", "other")]);
        assert!(
            matches!(missing, Err(Error::Invalid { ref field, .. }) if field == "question"),
            "{missing:?}"
        );
        let wrong = host.run_action::<HelloBrand>(
            "ask",
            &[("question", "路灯坏了很久了"), ("category", "weather")],
        );
        assert!(
            matches!(wrong, Err(Error::Invalid { ref field, .. }) if field == "category"),
            "{wrong:?}"
        );
        let long = "长".repeat(501);
        let too_long =
            host.run_action::<HelloBrand>("ask", &[("question", &long), ("category", "other")]);
        assert!(matches!(too_long, Err(Error::Invalid { ref field, .. }) if field == "question"));
        // The host files cases of at least 5 characters; the complaint points at the form field.
        let short =
            host.run_action::<HelloBrand>("ask", &[("question", "路灯"), ("category", "other")]);
        assert!(
            matches!(short, Err(Error::Invalid { ref field, .. }) if field == "question"),
            "{short:?}"
        );
        assert!(host.created_cases().is_empty());
    }

    #[test]
    fn events_are_counted_per_action() {
        let host = host();
        for action in ["submit", "submit", "register", "close"] {
            host.on_case_event::<HelloBrand>(&host.event(7, action))
                .unwrap();
        }
        assert_eq!(host.stored::<u32>(&event_key("submit")), Some(2));
        assert_eq!(host.stored::<u32>(&event_key("register")), Some(1));
        assert_eq!(
            host.stored::<u32>(&event_key("close")),
            None,
            "not listened to"
        );
        let blocks = host.render_view::<HelloBrand>("home").unwrap();
        assert_eq!(stat(&blocks, "新提交"), "2");
        assert_eq!(stat(&blocks, "已受理"), "1");
    }

    #[test]
    fn the_schedule_stores_its_last_run() {
        let host = host();
        host.now("2026-03-05T08:00:00+08:00");
        host.on_schedule::<HelloBrand>().unwrap();
        assert_eq!(
            host.stored::<String>(LAST_RUN).as_deref(),
            Some("2026-03-05T08:00:00+08:00")
        );
    }

    #[test]
    fn staff_see_the_latest_questions() {
        let host = host();
        let mut tagged = testing::case(3, "ecology", "河道有异味");
        tagged.tags.push(TAG.into());
        host.add_case(testing::case(2, "other", "别的事情"))
            .add_case(tagged);
        host.audience(Audience::Staff);
        let blocks = host.render_view::<HelloBrand>("home").unwrap();
        let table = blocks
            .iter()
            .find_map(|b| match b {
                Block::Table(t) => Some(t),
                _ => None,
            })
            .expect("a table of questions");
        assert_eq!(
            table.rows,
            vec![vec![
                "3".to_string(),
                "河道有异味".into(),
                "submitted".into()
            ]]
        );

        host.revoke("cases.read");
        let blocks = host.render_view::<HelloBrand>("home").unwrap();
        assert!(
            blocks
                .iter()
                .any(|b| matches!(b, Block::Notice(n) if n.kind == NoticeKind::Warning))
        );
    }

    #[test]
    fn residents_do_not_see_the_staff_table_nor_unknown_views() {
        let host = host();
        let blocks = host.render_view::<HelloBrand>("home").unwrap();
        assert!(!blocks.iter().any(|b| matches!(b, Block::Table(_))));
        assert_eq!(
            host.render_view::<HelloBrand>("nope"),
            Err(Error::NotFound("view nope".into()))
        );
        host.audience(Audience::Dashboard);
        assert!(matches!(
            host.render_view::<HelloBrand>("home"),
            Err(Error::Denied(_))
        ));
    }
}
