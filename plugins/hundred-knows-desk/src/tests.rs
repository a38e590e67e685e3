//! Harness tests: the brand against the SDK's fake host, with its real plugin.toml.

use liaison_sdk::prelude::*;
use liaison_sdk::testing::{self, Manifest, TestHost, forms, invalid_field, stat_card, tables};

use super::*;
use crate::reception::{CHUNK, KEEP_CHUNKS};
use crate::roster::{Gap, Gaps};

const MANIFEST: &str = include_str!("../plugin.toml");
type B = HundredKnowsDesk;

/// Pengjie on Monday 2026-03-02 at 09:00, with three deputies.
fn host() -> TestHost {
    let host = TestHost::with_manifest(MANIFEST);
    host.station("pengjie")
        .add_deputy(testing::deputy("PJ01", "王百晓"))
        .add_deputy(testing::deputy("PJ02", "陈知事"))
        .add_deputy(testing::deputy("PJ03", "林村通"));
    host
}

fn staff() -> TestHost {
    let h = host();
    h.audience(Audience::Staff);
    h
}

fn warnings(blocks: &[Block]) -> Vec<String> {
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::Notice(n) if n.kind == NoticeKind::Warning => Some(n.text.clone()),
            _ => None,
        })
        .collect()
}

fn all_text(blocks: &[Block]) -> String {
    let mut out = Vec::new();
    for b in blocks {
        match b {
            Block::Heading(h) => out.push(h.text.clone()),
            Block::Text(t) => out.push(t.clone()),
            Block::Notice(n) => out.push(n.text.clone()),
            Block::StatCards(c) => out.extend(c.iter().map(|c| format!("{}={}", c.label, c.value))),
            Block::Table(t) => {
                out.extend(t.columns.clone());
                out.extend(t.rows.iter().map(|r| r.join("|")));
            }
            Block::Items(items) => out.extend(
                items
                    .iter()
                    .map(|i| format!("{} {}", i.title, i.detail.clone().unwrap_or_default())),
            ),
            Block::Form(f) => out.push(format!("form:{}", f.action)),
            Block::Link(l) => out.push(l.text.clone()),
        }
    }
    out.join("\n")
}

/// Every form matches its action in plugin.toml exactly: names, order, kinds, required,
/// lengths and select values.
fn assert_forms_match_manifest(blocks: &[Block]) {
    let m = Manifest::parse(MANIFEST).unwrap();
    for f in forms(blocks) {
        let decl = m.action(&f.action).expect("declared action");
        let drawn: Vec<_> = f
            .fields
            .iter()
            .map(|x| {
                (
                    x.name.clone(),
                    x.kind.as_str().to_owned(),
                    x.required,
                    x.max_length,
                    x.options.iter().map(|o| o.0.clone()).collect::<Vec<_>>(),
                )
            })
            .collect();
        let declared: Vec<_> = decl
            .fields
            .iter()
            .map(|x| {
                (
                    x.name.clone(),
                    x.kind.as_str().to_owned(),
                    x.required,
                    x.max_length,
                    x.options.iter().map(|o| o.0.clone()).collect::<Vec<_>>(),
                )
            })
            .collect();
        assert_eq!(drawn, declared, "form {}", f.action);
    }
}

fn reception(host: &TestHost, village: &str, summary: &str, answer: &str, follow: bool) -> u32 {
    let r = host
        .run_action::<B>(
            "record-reception",
            &[
                ("village", village),
                ("summary", summary),
                ("answer", answer),
                ("follow_up", if follow { "true" } else { "false" }),
            ],
        )
        .unwrap();
    r.message
        .trim_start_matches("已登记接待 #")
        .trim_end_matches('。')
        .parse()
        .unwrap()
}

// ---- Views ----

#[test]
fn every_view_renders_for_its_audiences_and_no_other() {
    let host = host();
    let offered = [
        (
            "home",
            vec![Audience::Resident, Audience::Deputy, Audience::Staff],
        ),
        ("desk", vec![Audience::Deputy, Audience::Staff]),
        ("roster", vec![Audience::Deputy, Audience::Staff]),
        ("notes", vec![Audience::Deputy, Audience::Staff]),
    ];
    for (view, audiences) in offered {
        for a in Audience::ALL {
            host.audience(a);
            let r = host.render_view::<B>(view);
            if audiences.contains(&a) {
                let blocks = r.unwrap_or_else(|e| panic!("{view} for {a:?}: {e}"));
                assert!(
                    matches!(blocks[0], Block::Heading(_)),
                    "{view} starts with a heading"
                );
                assert_forms_match_manifest(&blocks);
                host.locale("en");
                let en = host.render_view::<B>(view).unwrap();
                assert_forms_match_manifest(&en);
                host.locale("zh");
            } else {
                assert_eq!(
                    r,
                    Err(Error::Denied(format!("audience {}", a.as_str()))),
                    "{view}"
                );
            }
        }
    }
    assert_eq!(
        host.render_view::<B>("nope"),
        Err(Error::NotFound("view nope".into()))
    );
}

#[test]
fn home_tells_residents_where_when_and_who() {
    let host = host();
    let blocks = host.render_view::<B>("home").unwrap();
    let text = all_text(&blocks);
    assert!(text.contains("代表百晓坐班"));
    assert!(
        text.contains("蓬街镇人大代表联络站一楼百晓坐班室"),
        "{text}"
    );
    assert!(text.contains("上午 8:30-11:30 / 下午 14:00-17:00"));
    assert!(text.contains("今天没有安排代表坐班"), "{text}");
    let form = forms(&blocks)[0];
    assert_eq!(form.action, "ask");
    assert_eq!(form.fields[0].options.len(), VILLAGE_CHOICES.len());

    // Who sits is the station's duty roster: Monday both halves, Tuesday morning.
    host.add_shift(testing::shift("2026-03-02", "am", "PJ01"))
        .add_shift(testing::shift("2026-03-02", "pm", "PJ02"))
        .add_shift(testing::shift("2026-03-03", "am", "PJ03"));
    let blocks = host.render_view::<B>("home").unwrap();
    let today = blocks
        .iter()
        .find_map(|b| match b {
            Block::Items(i) if i[0].title == "上午" => Some(i.clone()),
            _ => None,
        })
        .expect("today's sittings");
    assert_eq!(today[0].detail.as_deref(), Some("王百晓"));
    assert_eq!(today[1].title, "下午");
    assert_eq!(today[1].detail.as_deref(), Some("陈知事"));
    let week = tables(&blocks)[0];
    assert_eq!(week.rows.len(), 7);
    assert_eq!(week.rows[0], vec!["03-02 周一（今天）", "王百晓", "陈知事"]);
    assert_eq!(week.rows[1], vec!["03-03 周二", "林村通", "—"]);
    assert_eq!(week.rows[6][0], "03-08 周日");
    assert!(
        !all_text(&blocks).contains("PJ0"),
        "residents see names, not codes"
    );
}

#[test]
fn settings_change_where_when_and_the_villages_offered() {
    let host = host();
    host.setting("location", "蓬街镇联络站二楼")
        .setting("hours", "每周一上午")
        .setting("villages", "金塘村, 蓬北、不存在村");
    let blocks = host.render_view::<B>("home").unwrap();
    let text = all_text(&blocks);
    assert!(text.contains("蓬街镇联络站二楼") && text.contains("每周一上午"));
    let options: Vec<&str> = forms(&blocks)[0].fields[0]
        .options
        .iter()
        .map(|o| o.0.as_str())
        .collect();
    assert_eq!(options, ["金塘村", "蓬北村", "其他"]);
    // A declared village the station does not offer is refused.
    let r = host.run_action::<B>(
        "ask",
        &[("village", "新建村"), ("question", "村口的桥什么时候修")],
    );
    assert_eq!(invalid_field(&r), "village");
    // Staff are told about names that are not choices.
    host.audience(Audience::Staff);
    let notes = host.render_view::<B>("notes").unwrap();
    assert!(warnings(&notes).iter().any(|w| w.contains("不存在村")));
}

#[test]
fn english_readers_get_english() {
    let host = host();
    host.locale("en");
    let blocks = host.render_view::<B>("home").unwrap();
    assert_eq!(testing::texts(&blocks)[0], "Hundred-knows duty desk");
    host.audience(Audience::Staff);
    let desk = host.render_view::<B>("desk").unwrap();
    assert_eq!(stat_card(&desk, "Receptions this month").value, "0");
}

#[test]
fn without_storage_views_that_store_are_denied() {
    let host = staff();
    host.revoke("storage");
    assert_eq!(
        host.render_view::<B>("desk"),
        Err(Error::Denied("storage".into()))
    );
    // Who sits comes from the host's duty roster: the home view needs no storage.
    host.audience(Audience::Resident);
    assert!(host.render_view::<B>("home").is_ok());
}

#[test]
fn without_deputies_read_views_degrade_and_staff_are_told() {
    let host = staff();
    host.add_shift(testing::shift("2026-03-02", "am", "PJ01"));
    host.revoke("deputies.read");
    let blocks = host.render_view::<B>("roster").unwrap();
    assert!(
        warnings(&blocks)
            .iter()
            .any(|w| w.contains("deputies.read"))
    );
    host.audience(Audience::Resident);
    let home = host.render_view::<B>("home").unwrap();
    assert!(warnings(&home).is_empty(), "residents are not bothered");
    assert!(all_text(&home).contains("今天没有安排代表坐班"));
}

// ---- ask ----

#[test]
fn ask_files_a_tagged_case_at_the_station() {
    let host = host();
    let r = host
        .run_action::<B>(
            "ask",
            &[
                ("village", "蓬北村"),
                ("question", "  村里老年食堂什么时候开始供应晚饭？  "),
                ("name", "王阿姨"),
            ],
        )
        .unwrap();
    let id = r.case_id.expect("a case");
    assert!(r.message.contains(&id.to_string()), "{}", r.message);
    assert!(r.message.contains("蓬街镇人大代表联络站一楼百晓坐班室"));
    let case = &host.created_cases()[0];
    assert_eq!(case.channel, "plugin");
    assert_eq!(case.tags, vec![TAG.to_string()]);
    assert_eq!(case.category, "other", "the category setting's default");
    assert_eq!(
        case.description,
        "【百晓坐班·蓬北村】村里老年食堂什么时候开始供应晚饭？\n称呼：王阿姨"
    );
    assert!(
        case.title.starts_with("百晓坐班·蓬北村："),
        "{}",
        case.title
    );
    let asked: Vec<Asked> = host.stored(ASKED).unwrap();
    assert_eq!(asked[0].case, id);
    assert_eq!(asked[0].village, "蓬北村");
    assert_eq!(asked[0].at, "2026-03-02 09:00");

    // The desk lists it for the deputies.
    host.audience(Audience::Deputy);
    let desk = host.render_view::<B>("desk").unwrap();
    assert!(all_text(&desk).contains(&format!("#{id}|蓬北村|2026-03-02 09:00")));
}

#[test]
fn ask_uses_the_category_setting_and_falls_back_to_other() {
    let host = host();
    host.setting("category", "social_security");
    host.run_action::<B>(
        "ask",
        &[("village", "新建村"), ("question", "低保申请要带哪些材料")],
    )
    .unwrap();
    assert_eq!(host.created_cases()[0].category, "social_security");

    host.setting("category", "no_such_code");
    host.run_action::<B>(
        "ask",
        &[("village", "新建村"), ("question", "医保缴费在哪里办理")],
    )
    .unwrap();
    assert_eq!(host.created_cases()[1].category, "other");
    assert!(host.logged("not a category here"));
}

#[test]
fn ask_refuses_bad_input_naming_the_field() {
    let host = host();
    let missing = host.run_action::<B>("ask", &[("village", "蓬北村")]);
    assert_eq!(invalid_field(&missing), "question");
    let short = host.run_action::<B>("ask", &[("village", "蓬北村"), ("question", "修路")]);
    assert_eq!(invalid_field(&short), "question");
    let no_village = host.run_action::<B>("ask", &[("question", "村口的路灯坏了好几天")]);
    assert_eq!(invalid_field(&no_village), "village");
    let unknown = host.run_action::<B>(
        "ask",
        &[("village", "路南村"), ("question", "村口的路灯坏了好几天")],
    );
    assert_eq!(invalid_field(&unknown), "village");
    let long = "问".repeat(501);
    let too_long = host.run_action::<B>("ask", &[("village", "蓬北村"), ("question", &long)]);
    assert_eq!(invalid_field(&too_long), "question");
    let stranger = host.run_action::<B>(
        "ask",
        &[
            ("village", "蓬北村"),
            ("question", "村口的路灯坏了好几天"),
            ("phone", "1"),
        ],
    );
    assert_eq!(invalid_field(&stranger), "phone");
    assert!(host.created_cases().is_empty());
}

#[test]
fn ask_without_cases_create_is_denied_and_nothing_is_kept() {
    let host = host();
    host.revoke("cases.create");
    let r = host.run_action::<B>(
        "ask",
        &[("village", "蓬北村"), ("question", "村口的路灯坏了好几天")],
    );
    assert_eq!(r, Err(Error::Denied("cases.create".into())));
    assert_eq!(host.stored::<Vec<Asked>>(ASKED), None);
}

#[test]
fn asked_questions_are_capped() {
    let host = host();
    for i in 0..(ASKED_CAP + 5) {
        host.run_action::<B>(
            "ask",
            &[
                ("village", "四塘村"),
                ("question", &format!("第 {i} 个问题：河道保洁")),
            ],
        )
        .unwrap();
    }
    let asked: Vec<Asked> = host.stored(ASKED).unwrap();
    assert_eq!(asked.len(), ASKED_CAP);
    assert_eq!(asked[0].case, (ASKED_CAP + 5) as i64, "newest first");
}

// ---- the roster ----

#[test]
fn the_roster_resolves_fourteen_days_from_the_duty_roster_and_marks_gaps() {
    let host = host();
    host.audience(Audience::Deputy);
    host.add_shift(testing::shift("2026-03-02", "am", "PJ01"))
        .add_shift(testing::shift("2026-03-03", "am", "PJ01"))
        .add_shift(testing::shift("2026-03-03", "pm", "PJ03"))
        .add_shift(testing::shift("2026-03-03", "pm", "PJ02"))
        .add_shift(testing::shift("2026-03-07", "am", "PJ02")) // a Saturday, not an open day
        .add_shift(testing::shift("2026-03-20", "am", "PJ03")); // beyond 14 days
    let blocks = host.render_view::<B>("roster").unwrap();
    let days = tables(&blocks)[0];
    assert_eq!(days.rows.len(), 14);
    assert_eq!(days.rows[0], vec!["03-02 周一（今天）", "王百晓", "⚠ 空缺"]);
    assert_eq!(days.rows[1], vec!["03-03 周二", "王百晓", "林村通、陈知事"]);
    assert_eq!(days.rows[5], vec!["03-07 周六", "陈知事", "—"]);
    assert_eq!(days.rows[6], vec!["03-08 周日", "—", "—"]);
    assert!(all_text(&blocks).contains("以本站值班表为准"));
    // Tomorrow is covered both halves: no warning.
    assert!(warnings(&blocks).is_empty(), "{:?}", warnings(&blocks));
    // The brand keeps no roster: nothing to set, for deputies or staff.
    assert!(forms(&blocks).is_empty());
    host.audience(Audience::Staff);
    assert!(forms(&host.render_view::<B>("roster").unwrap()).is_empty());
}

#[test]
fn staff_and_deputies_are_warned_of_tomorrows_gaps() {
    let host = staff();
    host.add_shift(testing::shift("2026-03-02", "am", "PJ01"));
    for (audience, view) in [
        (Audience::Staff, "desk"),
        (Audience::Staff, "roster"),
        (Audience::Deputy, "desk"),
        (Audience::Deputy, "roster"),
    ] {
        host.audience(audience);
        let w = warnings(&host.render_view::<B>(view).unwrap());
        assert_eq!(w.len(), 1, "{view}: {w:?}");
        assert!(
            w[0].contains("03-03 周二")
                && w[0].contains("上午（未排班）")
                && w[0].contains("下午（未排班）")
                && w[0].contains("本站值班表"),
            "{}",
            w[0]
        );
    }
    host.audience(Audience::Resident);
    assert!(warnings(&host.render_view::<B>("home").unwrap()).is_empty());
}

#[test]
fn open_days_decide_what_counts_as_a_gap() {
    let host = host();
    host.now("2026-03-06T20:00:00+08:00"); // a Friday: tomorrow is Saturday
    host.on_schedule::<B>().unwrap();
    let g: Gaps = host.stored(GAPS).unwrap();
    assert_eq!(g.day, "2026-03-07");
    assert!(g.gaps.is_empty(), "Saturday is not an open day");

    host.setting("open_days", "1-3, 6");
    host.on_schedule::<B>().unwrap();
    let g: Gaps = host.stored(GAPS).unwrap();
    assert_eq!(g.gaps.len(), 2);
}

// ---- the schedule ----

#[test]
fn the_schedule_records_tomorrows_gaps_and_warns_once() {
    let host = host();
    host.add_shift(testing::shift("2026-03-03", "am", "PJ01"));
    host.on_schedule::<B>().unwrap();
    let g: Gaps = host.stored(GAPS).unwrap();
    assert_eq!(g.day, "2026-03-03");
    assert_eq!(
        g.gaps,
        vec![Gap {
            half: "pm".into(),
            reason: "empty".into()
        }]
    );
    assert_eq!(g.checked_at, "2026-03-02T09:00:00+08:00");
    let warned = |host: &TestHost| {
        host.logs()
            .iter()
            .filter(|(l, m)| *l == log::Level::Warn && m.contains("百晓坐班无人"))
            .count()
    };
    assert_eq!(warned(&host), 1);
    assert!(host.logged("下午（未排班）"));

    // The same gap an hour later is not warned again.
    host.now("2026-03-02T10:00:00+08:00");
    host.on_schedule::<B>().unwrap();
    assert_eq!(warned(&host), 1);

    // Filled by a duty shift: no warning, an empty record.
    host.add_shift(testing::shift("2026-03-03", "pm", "PJ02"));
    host.on_schedule::<B>().unwrap();
    assert!(host.stored::<Gaps>(GAPS).unwrap().gaps.is_empty());
    assert_eq!(warned(&host), 1);
}

#[test]
fn the_schedule_deletes_the_retired_roster_and_old_inboxes() {
    let host = host();
    // What the version that kept its own roster left in the store.
    host.store(
        "roster:pattern",
        &[("1am", "PJ01")]
            .into_iter()
            .collect::<std::collections::BTreeMap<_, _>>(),
    )
    .store(
        "roster:exceptions",
        &std::collections::BTreeMap::<String, Option<String>>::new(),
    );
    host.store("inbox:2026-02-10", &Inbox::default())
        .store("inbox:2026-02-20", &Inbox::default());
    host.on_schedule::<B>().unwrap();
    let keys = host.storage_keys();
    assert!(
        !keys
            .iter()
            .any(|k| k == "roster:pattern" || k == "roster:exceptions"),
        "{keys:?}"
    );
    assert!(keys.contains(&GAPS.to_string()));
    assert!(!keys.contains(&"inbox:2026-02-10".to_string()));
    assert!(keys.contains(&"inbox:2026-02-20".to_string()));
}

#[test]
fn the_schedule_without_deputies_read_still_runs_and_says_so() {
    let host = host();
    host.revoke("deputies.read");
    host.on_schedule::<B>().unwrap();
    assert!(host.logged("deputies.read is not granted"));
    assert_eq!(host.stored::<Gaps>(GAPS).unwrap().gaps.len(), 2);
}

// ---- receptions ----

#[test]
fn receptions_are_logged_newest_first() {
    let host = host();
    host.audience(Audience::Deputy);
    let first = reception(
        &host,
        "金塘村",
        "问宅基地审批流程",
        "带户口本到村委会申请",
        false,
    );
    host.now("2026-03-02T10:15:00+08:00");
    let second = reception(&host, "四塘村", "反映排涝站噪音", "", true);
    assert_eq!((first, second), (1, 2));
    let chunk: Vec<Reception> = host.stored("reception:0000").unwrap();
    assert_eq!(chunk.len(), 2);
    assert_eq!(chunk[1].answer, None, "a blank answer is no answer");
    assert!(chunk[1].follow_up);

    let desk = host.render_view::<B>("desk").unwrap();
    let log = tables(&desk)[0];
    assert_eq!(log.rows[0][0], "#2");
    assert_eq!(log.rows[0][1], "2026-03-02 10:15");
    assert_eq!(log.rows[0][5], "需跟进");
    assert_eq!(log.rows[1][0], "#1");
    assert_eq!(log.rows[1][4], "带户口本到村委会申请");
    assert_eq!(stat_card(&desk, "本月接待").value, "2");
    assert_eq!(stat_card(&desk, "待跟进").value, "1");
}

#[test]
fn record_reception_refuses_bad_input_naming_the_field() {
    let host = staff();
    let act = |values: &[(&str, &str)]| host.run_action::<B>("record-reception", values);
    assert_eq!(invalid_field(&act(&[("village", "金塘村")])), "summary");
    assert_eq!(invalid_field(&act(&[("summary", "问低保")])), "village");
    assert_eq!(
        invalid_field(&act(&[
            ("village", "金塘村"),
            ("summary", &"长".repeat(301))
        ])),
        "summary"
    );
    assert_eq!(
        invalid_field(&act(&[
            ("village", "金塘村"),
            ("summary", "问低保"),
            ("follow_up", "maybe")
        ])),
        "follow_up"
    );
    host.audience(Audience::Resident);
    assert_eq!(
        act(&[("village", "金塘村"), ("summary", "问低保")]),
        Err(Error::Denied("audience resident".into()))
    );
    assert_eq!(host.stored::<u32>(reception::SEQ), None);
}

#[test]
fn the_log_keeps_a_bounded_window_of_chunks() {
    let host = staff();
    let total = CHUNK * (KEEP_CHUNKS + 1) + 3;
    for i in 0..total {
        reception(
            &host,
            "蓬西村",
            &format!("第 {i} 次来访，问社保"),
            "已答复",
            false,
        );
    }
    let chunks: Vec<String> = host
        .storage_keys()
        .into_iter()
        .filter(|k| k.starts_with(reception::PREFIX))
        .collect();
    assert_eq!(chunks.len(), KEEP_CHUNKS as usize);
    assert!(!chunks.contains(&"reception:0000".to_string()));
    let latest = reception::latest(3).unwrap();
    assert_eq!(
        latest.iter().map(|r| r.id).collect::<Vec<_>>(),
        [total, total - 1, total - 2]
    );
    assert_eq!(reception::find(1).unwrap(), None);
    let converted = host.run_action::<B>("reception-to-case", &[("reception", "1")]);
    assert_eq!(invalid_field(&converted), "reception", "gone from the log");
}

#[test]
fn a_reception_becomes_a_case_once() {
    let host = host();
    host.audience(Audience::Deputy);
    let id = reception(
        &host,
        "镇东村",
        "反映村道路灯不亮，已两周",
        "已联系村委会",
        true,
    );
    let r = host
        .run_action::<B>("reception-to-case", &[("reception", &id.to_string())])
        .unwrap();
    let case_id = r.case_id.expect("a case");
    let case = host.case(case_id).unwrap();
    assert_eq!(case.channel, "plugin");
    assert_eq!(case.tags, vec![TAG.to_string()]);
    assert!(
        case.description
            .starts_with("【百晓坐班接待·镇东村】反映村道路灯不亮")
    );
    assert!(case.description.contains("坐班代表当场答复：已联系村委会"));
    assert!(case.description.contains("需要跟进"));
    assert_eq!(reception::find(id).unwrap().unwrap().case, Some(case_id));

    let again = host.run_action::<B>("reception-to-case", &[("reception", &id.to_string())]);
    assert_eq!(invalid_field(&again), "reception");
    assert_eq!(host.created_cases().len(), 1, "not filed twice");

    let desk = host.render_view::<B>("desk").unwrap();
    assert_eq!(tables(&desk)[0].rows[0][6], format!("#{case_id}"));
    assert_eq!(stat_card(&desk, "待跟进").value, "0");
}

#[test]
fn reception_to_case_refuses_bad_numbers_and_needs_cases_create() {
    let host = staff();
    let act = |n: &str| host.run_action::<B>("reception-to-case", &[("reception", n)]);
    assert_eq!(
        invalid_field(&act("1")),
        "reception",
        "no such reception yet"
    );
    assert_eq!(invalid_field(&act("abc")), "reception");
    assert_eq!(invalid_field(&act("1.5")), "reception");
    assert_eq!(invalid_field(&act("-3")), "reception");
    assert_eq!(invalid_field(&act("")), "reception");
    let id = reception(&host, "新华村", "问老年证办理", "", false);
    host.revoke("cases.create");
    assert_eq!(
        act(&id.to_string()),
        Err(Error::Denied("cases.create".into()))
    );
    assert_eq!(
        reception::find(id).unwrap().unwrap().case,
        None,
        "nothing remembered"
    );
}

// ---- village notes ----

#[test]
fn village_notes_are_answered_receptions_searchable_by_village_and_words() {
    let host = staff();
    reception(
        &host,
        "蓬北村",
        "问低保申请条件",
        "家庭人均收入低于当地标准可申请",
        false,
    );
    reception(&host, "蓬北村", "反映垃圾清运不及时", "", true);
    reception(
        &host,
        "私立村",
        "问低保复核时间",
        "每年复核一次，村里会通知",
        false,
    );
    reception(&host, "私立村", "问 Wifi 覆盖", "村委会有免费 WIFI", false);

    let search = |values: &[(&str, &str)]| host.run_action::<B>("search-notes", values).unwrap();
    let r = search(&[("words", "低保")]);
    assert_eq!(r.message, "找到 2 条村情答复。");
    let view = r.view.unwrap();
    let items = view
        .iter()
        .find_map(|b| match b {
            Block::Items(i) => Some(i.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        items[0].title, "私立村：问低保复核时间",
        "newest first, with the village"
    );
    assert!(items[0].detail.as_deref().unwrap().contains("每年复核一次"));

    let r = search(&[("village", "蓬北村"), ("words", "低保 收入")]);
    assert_eq!(r.message, "找到 1 条村情答复。");
    let r = search(&[("village", "蓬北村"), ("words", "垃圾")]);
    assert_eq!(
        r.message, "没有找到相符的村情答复。",
        "unanswered is no note"
    );
    let r = search(&[("words", "wifi")]);
    assert_eq!(
        r.message, "找到 1 条村情答复。",
        "Latin letters in any case"
    );
    let r = search(&[]);
    assert_eq!(r.message, "找到 3 条村情答复。");
    assert_eq!(
        invalid_field(&host.run_action::<B>("search-notes", &[("village", "火星村")])),
        "village"
    );

    // Staff see the latest notes per village; deputies see the counts.
    let notes = host.render_view::<B>("notes").unwrap();
    let counts = tables(&notes)[0];
    assert_eq!(counts.rows[0], vec!["蓬北村", "1", "2026-03-02"]);
    assert_eq!(counts.rows[2], vec!["私立村", "2", "2026-03-02"]);
    let text = all_text(&notes);
    assert!(
        text.contains("各村最新") && text.contains("问低保申请条件"),
        "{text}"
    );
    host.audience(Audience::Deputy);
    let notes = host.render_view::<B>("notes").unwrap();
    assert!(!all_text(&notes).contains("各村最新"));
    assert!(
        host.run_action::<B>("search-notes", &[("words", "低保")])
            .is_ok()
    );
    host.audience(Audience::Resident);
    assert_eq!(
        host.run_action::<B>("search-notes", &[("words", "低保")]),
        Err(Error::Denied("audience resident".into()))
    );
}

// ---- case events ----

#[test]
fn submitted_cases_fill_the_days_inbox_once_each() {
    let host = staff();
    host.on_case_event::<B>(&host.event(11, "submit")).unwrap();
    host.on_case_event::<B>(&host.event(11, "submit")).unwrap(); // delivered twice
    host.now("2026-03-02T15:30:00+08:00");
    host.on_case_event::<B>(&host.event(12, "submit")).unwrap();
    let mut late = host.event(13, "submit");
    late.at = "2026-03-02T07:00:00Z".into(); // 15:00 in Pengjie
    host.on_case_event::<B>(&late).unwrap();
    host.on_case_event::<B>(&host.event(14, "close")).unwrap(); // not listened to
    let inbox: Inbox = host.stored("inbox:2026-03-02").unwrap();
    assert_eq!(inbox.am, vec![11]);
    assert_eq!(inbox.pm, vec![12, 13]);
    let desk = host.render_view::<B>("desk").unwrap();
    let card = stat_card(&desk, "今日新收民意");
    assert_eq!(card.value, "3");
    assert_eq!(card.hint.as_deref(), Some("上午 1 · 下午 2"));
}

#[test]
fn events_without_storage_fail_so_the_host_retries() {
    let host = host();
    host.revoke("storage");
    assert_eq!(
        host.on_case_event::<B>(&host.event(1, "submit")),
        Err(Error::Denied("storage".into()))
    );
}

// ---- helpers ----

#[test]
fn the_village_choices_are_the_manifests() {
    let m = Manifest::parse(MANIFEST).unwrap();
    for action in ["ask", "record-reception", "search-notes"] {
        let f = m
            .action(action)
            .unwrap()
            .fields
            .iter()
            .find(|f| f.name == "village")
            .unwrap();
        let values: Vec<&str> = f.options.iter().map(|o| o.0.as_str()).collect();
        assert_eq!(values, VILLAGE_CHOICES, "{action}");
    }
    let default = m
        .default_settings()
        .into_iter()
        .find(|(k, _)| k == "villages")
        .unwrap()
        .1;
    let listed: Vec<&str> = default.split(',').collect();
    assert_eq!(listed, VILLAGE_CHOICES[..VILLAGE_CHOICES.len() - 1]);
}

#[test]
fn cut_shortens_on_characters() {
    assert_eq!(cut("村口路灯坏了", 4), "村口路灯…");
    assert_eq!(cut("村口", 4), "村口");
    assert_eq!(cut("第一行\n第二行", 10), "第一行…");
}
