use liaison_sdk::prelude::*;
use liaison_sdk::testing::{self, Suggestion, TestHost, forms, invalid_field, stat, tables};

use crate::JointInspection as B;
use crate::model::*;

const MANIFEST: &str = include_str!("../plugin.toml");

/// 金清, signed in as staff, two deputies, the town's office and one village office known.
fn host() -> TestHost {
    let host = TestHost::with_manifest(MANIFEST);
    host.station("jinqing")
        .audience(Audience::Staff)
        .organisations(&["office-jinqing", "office-xintang"])
        .add_deputy(testing::deputy("jinqing-d01", "王建华"))
        .add_deputy(testing::deputy("jinqing-d02", "李秀英"));
    host
}

fn plan(host: &TestHost, villages: &str) -> ActionResult {
    host.run_action::<B>(
        "plan-round",
        &[
            ("date", "2026-03-02"),
            ("villages", villages),
            ("members", "jinqing-d01, jinqing-d02"),
        ],
    )
    .unwrap()
}

fn record(host: &TestHost, village: &str, item: &str, deadline: Option<&str>) -> ActionResult {
    let mut values = vec![
        ("round", "R1"),
        ("village", village),
        ("item", item),
        ("severity", "medium"),
        ("description", "村口河道边堆放建筑垃圾，影响通行"),
        ("photo", "IMG-0301-07"),
    ];
    if let Some(d) = deadline {
        values.push(("deadline", d));
    }
    host.run_action::<B>("record-finding", &values).unwrap()
}

/// Every string a view shows, for "does not show" checks.
fn all_text(blocks: &[Block]) -> String {
    let mut out = testing::texts(blocks).join("\n");
    for t in tables(blocks) {
        out.push_str(&t.columns.join("|"));
        for r in &t.rows {
            out.push('\n');
            out.push_str(&r.join("|"));
        }
    }
    out
}

fn round(host: &TestHost, n: u32) -> Round {
    host.stored::<Round>(&round_key(n)).expect("the round")
}

fn finding(host: &TestHost, n: u32) -> Finding {
    host.stored::<Finding>(&finding_key(n))
        .expect("the finding")
}

// ---- Views ----

#[test]
fn every_view_renders_for_its_audiences() {
    let host = host();
    for view in ["results", "rounds", "findings", "ranking"] {
        let blocks = host.render_view::<B>(view).unwrap();
        assert!(matches!(blocks[0], Block::Heading(_)), "{view}");
    }
    host.audience(Audience::Resident);
    let blocks = host.render_view::<B>("results").unwrap();
    assert_eq!(testing::texts(&blocks)[0], "督查公示");
    assert!(testing::texts(&blocks).contains(&"暂无已发布的督查结果。".to_string()));
    for view in ["rounds", "findings", "ranking"] {
        assert_eq!(
            host.render_view::<B>(view),
            Err(Error::Denied("audience resident".into())),
            "{view} is for staff"
        );
    }
    assert_eq!(
        host.render_view::<B>("nope"),
        Err(Error::NotFound("view nope".into()))
    );
    host.audience(Audience::Deputy);
    assert!(matches!(
        host.render_view::<B>("results"),
        Err(Error::Denied(_))
    ));
}

#[test]
fn staff_views_offer_the_declared_forms() {
    let host = host();
    let rounds = host.render_view::<B>("rounds").unwrap();
    let f = forms(&rounds);
    assert_eq!(
        f.iter().map(|f| f.action.as_str()).collect::<Vec<_>>(),
        ["plan-round", "publish-round"]
    );
    let members = &f[0].fields[2];
    assert_eq!(members.name, "members");
    let help = members.help.as_deref().unwrap();
    assert!(help.contains("jinqing-d01 王建华"), "{help}");
    let villages = f[0].fields[1].help.as_deref().unwrap();
    assert!(villages.contains("新塘村"), "{villages}");

    let findings = host.render_view::<B>("findings").unwrap();
    let f = forms(&findings);
    assert_eq!(
        f.iter().map(|f| f.action.as_str()).collect::<Vec<_>>(),
        ["record-finding", "reinspect"]
    );
    let severity = &f[0].fields[3];
    assert_eq!(severity.kind, FieldKind::Select);
    assert_eq!(
        severity.options,
        vec![
            ("low".to_string(), "轻微".to_string()),
            ("medium".into(), "一般".into()),
            ("high".into(), "严重".into())
        ]
    );
    assert_eq!(f[1].fields[1].kind, FieldKind::Checkbox);
}

#[test]
fn english_readers_get_english() {
    let host = host();
    host.locale("en");
    plan(&host, "新塘村");
    let blocks = host.render_view::<B>("rounds").unwrap();
    assert_eq!(testing::texts(&blocks)[0], "Inspection rounds");
    assert_eq!(stat(&blocks, "Rounds"), "1");
    let r = host
        .run_action::<B>("publish-round", &[("round", "R1")])
        .unwrap();
    assert!(r.message.starts_with("Round R1 published"), "{}", r.message);
    host.audience(Audience::Resident);
    let blocks = host.render_view::<B>("results").unwrap();
    assert_eq!(testing::texts(&blocks)[0], "Inspection results");
    assert_eq!(stat(&blocks, "Rectified"), "—");
    assert!(all_text(&blocks).contains("Villages visited: 新塘村"));
}

// ---- plan-round ----

#[test]
fn plan_round_stores_a_round_with_a_short_id() {
    let host = host();
    let r = host
        .run_action::<B>(
            "plan-round",
            &[
                ("date", "2026-03-02"),
                ("villages", "新塘村、黄琅村，新塘村"),
                ("members", "jinqing-d02 jinqing-d01"),
                ("title", "春季环境整治督查"),
            ],
        )
        .unwrap();
    assert_eq!(
        r.message,
        "已安排第 R1 轮督查：2026-03-02，新塘村、黄琅村。"
    );
    assert_eq!(r.case_id, None);
    let stored = round(&host, 1);
    assert_eq!(stored.id, 1);
    assert_eq!(stored.villages, ["新塘村", "黄琅村"], "repeats dropped");
    assert_eq!(stored.members, ["jinqing-d02", "jinqing-d01"]);
    assert_eq!(
        stored.items,
        ["环境卫生", "污水治理", "乱堆乱放", "占道经营", "车辆乱停"],
        "blank items: the whole checklist"
    );
    assert_eq!(stored.title.as_deref(), Some("春季环境整治督查"));
    assert_eq!(stored.published, None);
    assert_eq!(host.stored::<u32>(NEXT_ROUND), Some(1));

    let r = host
        .run_action::<B>(
            "plan-round",
            &[
                ("date", "2026-03-09"),
                ("villages", "下梁"),
                ("members", "jinqing-d01"),
                ("items", "污水治理, 车辆乱停"),
            ],
        )
        .unwrap();
    assert!(r.message.contains("R2"), "{}", r.message);
    let second = round(&host, 2);
    assert_eq!(
        second.villages,
        ["下梁村"],
        "a unique start of a name will do"
    );
    assert_eq!(second.items, ["污水治理", "车辆乱停"]);

    let blocks = host.render_view::<B>("rounds").unwrap();
    assert_eq!(stat(&blocks, "督查轮次"), "2");
    assert_eq!(stat(&blocks, "待发布"), "2");
    let table = tables(&blocks)[0];
    assert_eq!(table.rows[0][0], "R2", "newest first");
    assert_eq!(
        table.rows[1][4],
        "李秀英（jinqing-d02）、王建华（jinqing-d01）"
    );
    assert_eq!(table.rows[1][7], "未发布");
}

#[test]
fn plan_round_refuses_bad_input_naming_the_field() {
    let host = host();
    let base = [
        ("date", "2026-03-02"),
        ("villages", "新塘村"),
        ("members", "jinqing-d01"),
    ];
    let with = |name: &str, value: &str| {
        let mut v: Vec<(&str, &str)> = base.iter().copied().filter(|(k, _)| *k != name).collect();
        if !value.is_empty() {
            v.push((name, value));
        }
        host.run_action::<B>("plan-round", &v)
    };
    assert_eq!(invalid_field(&with("date", "")), "date");
    assert_eq!(invalid_field(&with("date", "3月2日")), "date");
    assert_eq!(invalid_field(&with("villages", "")), "villages");
    assert_eq!(invalid_field(&with("villages", "石曲村")), "villages");
    assert_eq!(invalid_field(&with("villages", "、，")), "villages");
    assert_eq!(invalid_field(&with("members", "")), "members");
    assert_eq!(invalid_field(&with("members", "lunan-d01")), "members");
    assert_eq!(invalid_field(&with("items", "治安巡逻")), "items");
    assert_eq!(invalid_field(&with("title", &"长".repeat(41))), "title");
    let r = with("villages", "石曲村");
    let Err(Error::Invalid { message, .. }) = r else {
        unreachable!()
    };
    assert!(message.contains("可选：金清村、新塘村"), "{message}");
    assert!(host.storage_keys().is_empty(), "nothing stored");
}

#[test]
fn plan_round_needs_the_deputies() {
    let host = host();
    host.revoke("deputies.read");
    let r = host.run_action::<B>(
        "plan-round",
        &[
            ("date", "2026-03-02"),
            ("villages", "新塘村"),
            ("members", "jinqing-d01"),
        ],
    );
    assert_eq!(r, Err(Error::Denied("deputies.read".into())));
    assert!(host.storage_keys().is_empty());
    let blocks = host.render_view::<B>("rounds").unwrap();
    assert!(
        blocks
            .iter()
            .any(|b| matches!(b, Block::Notice(n) if n.kind == NoticeKind::Warning))
    );
}

#[test]
fn the_village_list_and_checklist_are_settings() {
    let host = host();
    host.setting("villages", "东村，西村")
        .setting("checklist", "垃圾分类、河长制");
    let r = host.run_action::<B>(
        "plan-round",
        &[
            ("date", "2026-03-02"),
            ("villages", "新塘村"),
            ("members", "jinqing-d01"),
        ],
    );
    assert_eq!(invalid_field(&r), "villages");
    plan(&host, "东村,西村");
    assert_eq!(round(&host, 1).items, ["垃圾分类", "河长制"]);
}

#[test]
fn rounds_are_capped() {
    let host = host();
    for n in 1..=MAX_ROUNDS as u32 {
        host.store(
            &round_key(n),
            &Round {
                id: n,
                date: "2025-01-01".into(),
                title: None,
                villages: vec!["新塘村".into()],
                members: vec!["jinqing-d01".into()],
                items: vec!["环境卫生".into()],
                published: None,
                findings: vec![],
            },
        );
    }
    let r = host.run_action::<B>(
        "plan-round",
        &[
            ("date", "2026-03-02"),
            ("villages", "新塘村"),
            ("members", "jinqing-d01"),
        ],
    );
    assert_eq!(invalid_field(&r), "date");
}

// ---- record-finding ----

#[test]
fn a_finding_without_a_deadline_is_only_recorded() {
    let host = host();
    plan(&host, "新塘村,黄琅村");
    let r = record(&host, "黄琅村", "乱堆乱放", None);
    assert_eq!(r.message, "已登记问题 F1（未设整改期限，未立案）。");
    assert_eq!(r.case_id, None);
    assert!(host.created_cases().is_empty());
    let f = finding(&host, 1);
    assert_eq!(
        (f.round, f.village.as_str(), f.item.as_str()),
        (1, "黄琅村", "乱堆乱放")
    );
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(f.status, Status::Open);
    assert_eq!(f.photo.as_deref(), Some("IMG-0301-07"));
    assert_eq!(f.recorded_on, "2026-03-02");
    let row = &round(&host, 1).findings[0];
    assert_eq!(row.id, 1);
    assert_eq!(row.brief, "村口河道边堆放建筑垃圾，影响通行");
    assert_eq!(host.stored::<u32>(NEXT_FINDING), Some(1));
}

#[test]
fn a_finding_with_a_deadline_files_a_case_and_suggests_the_office() {
    let host = host();
    plan(&host, "新塘村,黄琅村");
    let r = host
        .run_action::<B>(
            "record-finding",
            &[
                ("round", "r1"),
                ("village", "新塘"),
                ("item", "污水治理"),
                ("severity", "high"),
                ("description", "新塘河段有生活污水直排，水面发黑发臭"),
                ("deadline", "2026-03-16"),
            ],
        )
        .unwrap();
    let case_id = r.case_id.expect("a case");
    assert_eq!(
        r.message,
        format!("已登记问题 F1，已立案（编号 {case_id}）并建议交 office-jinqing 整改。")
    );
    let case = &host.created_cases()[0];
    assert_eq!(case.id, case_id);
    assert_eq!(case.channel, "plugin");
    assert_eq!(case.category, "ecology");
    assert_eq!(case.tags, [TAG]);
    assert_eq!(case.title, "督查整改：新塘村污水治理");
    for part in [
        "新塘村",
        "「污水治理」",
        "严重",
        "2026-03-16",
        "生活污水直排",
        "R1",
    ] {
        assert!(
            case.description.contains(part),
            "{part} in {}",
            case.description
        );
    }
    let suggestions = host.suggestions();
    assert!(matches!(
        &suggestions[0],
        Suggestion::Organisation { case_id: c, organisation, .. } if *c == case_id && organisation == "office-jinqing"
    ));
    assert!(
        matches!(
            &suggestions[1],
            Suggestion::Deputy { deputy, .. } if deputy == "jinqing-d01"
        ),
        "the group's leader follows it"
    );
    assert_eq!(host.stored::<u32>(&case_key(case_id)), Some(1));
    let f = finding(&host, 1);
    assert_eq!(f.case, Some(case_id));
    assert_eq!(f.deadline.as_deref(), Some("2026-03-16"));
    assert_eq!(round(&host, 1).findings[0].case, Some(case_id));

    let blocks = host.render_view::<B>("findings").unwrap();
    assert_eq!(stat(&blocks, "待整改"), "1");
    let row = &tables(&blocks)[0].rows[0];
    assert_eq!(row[0], "F1");
    assert_eq!(row[4], "严重");
    assert_eq!(row[8], case_id.to_string());
    assert_eq!(row[9], "待整改");
}

#[test]
fn a_village_office_is_suggested_when_set() {
    let host = host();
    host.setting(
        "village_offices",
        "新塘村=office-xintang, 黄琅村=office-nowhere",
    )
    .setting("category", "urban_construction");
    plan(&host, "新塘村,黄琅村");
    let r = record(&host, "新塘村", "占道经营", Some("2026-03-10"));
    assert!(r.message.contains("office-xintang"), "{}", r.message);
    assert_eq!(host.created_cases()[0].category, "urban_construction");
    // An unknown office is logged, not fatal: the case is filed and the finding kept.
    let r = record(&host, "黄琅村", "占道经营", Some("2026-03-10"));
    assert!(r.case_id.is_some());
    assert!(!r.message.contains("建议交"), "{}", r.message);
    assert!(host.logged("could not suggest organisation office-nowhere"));
    assert_eq!(round(&host, 1).findings.len(), 2);
}

#[test]
fn record_finding_refuses_bad_input_naming_the_field() {
    let host = host();
    plan(&host, "新塘村");
    let run = |over: &[(&str, &str)]| {
        let mut v = vec![
            ("round", "R1"),
            ("village", "新塘村"),
            ("item", "环境卫生"),
            ("severity", "low"),
            ("description", "路边垃圾桶满溢无人清运"),
        ];
        for (k, val) in over {
            v.retain(|(name, _)| name != k);
            if !val.is_empty() {
                v.push((k, val));
            }
        }
        host.run_action::<B>("record-finding", &v)
    };
    assert_eq!(invalid_field(&run(&[("round", "R9")])), "round");
    assert_eq!(invalid_field(&run(&[("round", "第一轮")])), "round");
    assert_eq!(invalid_field(&run(&[("round", "")])), "round");
    assert_eq!(
        invalid_field(&run(&[("village", "黄琅村")])),
        "village",
        "not visited in R1"
    );
    assert_eq!(invalid_field(&run(&[("item", "治安")])), "item");
    assert_eq!(invalid_field(&run(&[("severity", "critical")])), "severity");
    assert_eq!(invalid_field(&run(&[("description", "")])), "description");
    assert_eq!(
        invalid_field(&run(&[("description", "垃圾")])),
        "description"
    );
    assert_eq!(
        invalid_field(&run(&[("description", &"脏".repeat(501))])),
        "description"
    );
    assert_eq!(
        invalid_field(&run(&[("deadline", "2026-03-01")])),
        "deadline",
        "in the past"
    );
    assert_eq!(
        invalid_field(&run(&[("deadline", "2026-02-30")])),
        "deadline"
    );
    assert_eq!(invalid_field(&run(&[("photo", &"p".repeat(101))])), "photo");
    assert!(host.created_cases().is_empty());
    assert_eq!(host.stored::<u32>(NEXT_FINDING), None);

    // A round whose day has not come, and a published round.
    host.run_action::<B>(
        "plan-round",
        &[
            ("date", "2026-04-01"),
            ("villages", "新塘村"),
            ("members", "jinqing-d01"),
        ],
    )
    .unwrap();
    assert_eq!(invalid_field(&run(&[("round", "R2")])), "round");
    host.run_action::<B>("publish-round", &[("round", "R1")])
        .unwrap();
    assert_eq!(invalid_field(&run(&[])), "round");
}

#[test]
fn without_cases_create_a_finding_with_a_deadline_is_denied() {
    let host = host();
    plan(&host, "新塘村");
    host.revoke("cases.create");
    let r = host.run_action::<B>(
        "record-finding",
        &[
            ("round", "R1"),
            ("village", "新塘村"),
            ("item", "环境卫生"),
            ("severity", "low"),
            ("description", "路边垃圾桶满溢无人清运"),
            ("deadline", "2026-03-09"),
        ],
    );
    assert_eq!(r, Err(Error::Denied("cases.create".into())));
    assert_eq!(host.stored::<u32>(NEXT_FINDING), None);
    assert!(round(&host, 1).findings.is_empty());
    // Without a deadline no case is needed.
    record(&host, "新塘村", "环境卫生", None);
    assert_eq!(round(&host, 1).findings.len(), 1);
}

#[test]
fn without_cases_suggest_the_case_is_still_filed() {
    let host = host();
    plan(&host, "新塘村");
    host.revoke("cases.suggest");
    let r = record(&host, "新塘村", "环境卫生", Some("2026-03-09"));
    let case_id = r.case_id.unwrap();
    assert_eq!(
        r.message,
        format!("已登记问题 F1，已立案（编号 {case_id}）。")
    );
    assert!(host.suggestions().is_empty());
    assert!(host.logged("cases.suggest"));
    assert_eq!(finding(&host, 1).case, Some(case_id));
}

#[test]
fn a_bad_category_setting_is_the_station_s_fault() {
    let host = host();
    host.setting("category", "weather");
    plan(&host, "新塘村");
    let r = host.run_action::<B>(
        "record-finding",
        &[
            ("round", "R1"),
            ("village", "新塘村"),
            ("item", "环境卫生"),
            ("severity", "low"),
            ("description", "路边垃圾桶满溢无人清运"),
            ("deadline", "2026-03-09"),
        ],
    );
    assert!(
        matches!(r, Err(Error::Failed(ref m)) if m.contains("category")),
        "{r:?}"
    );
    assert!(round(&host, 1).findings.is_empty());
}

// ---- reinspect ----

#[test]
fn a_fixed_finding_is_closed_and_noted_on_its_case() {
    let host = host();
    plan(&host, "新塘村");
    let case_id = record(&host, "新塘村", "环境卫生", Some("2026-03-09"))
        .case_id
        .unwrap();
    host.now("2026-03-10T10:00:00+08:00");
    let r = host
        .run_action::<B>(
            "reinspect",
            &[("finding", "F1"), ("fixed", "true"), ("note", "垃圾已清运")],
        )
        .unwrap();
    assert_eq!(r.message, "F1 复查已整改，已销号。");
    let f = finding(&host, 1);
    assert_eq!(f.status, Status::Fixed);
    assert_eq!(f.fixed_on.as_deref(), Some("2026-03-10"));
    assert_eq!(
        f.checks,
        [Check {
            on: "2026-03-10".into(),
            fixed: true,
            note: Some("垃圾已清运".into())
        }]
    );
    let notes = host.annotations();
    assert_eq!(notes[0].0, case_id);
    assert!(notes[0].1.contains("已整改到位"), "{}", notes[0].1);
    assert!(host.tags().is_empty());
    assert_eq!(round(&host, 1).findings[0].status, Status::Fixed);

    let again = host.run_action::<B>("reinspect", &[("finding", "F1"), ("fixed", "true")]);
    assert_eq!(invalid_field(&again), "finding");

    let blocks = host.render_view::<B>("findings").unwrap();
    assert_eq!(stat(&blocks, "已整改"), "1");
    assert_eq!(stat(&blocks, "整改率"), "100%");
}

#[test]
fn an_unfixed_finding_escalates_its_case() {
    let host = host();
    plan(&host, "新塘村");
    let case_id = record(&host, "新塘村", "车辆乱停", Some("2026-03-05"))
        .case_id
        .unwrap();
    host.now("2026-03-06T10:00:00+08:00");
    let r = host
        .run_action::<B>(
            "reinspect",
            &[("finding", "1"), ("note", "仍有车辆占用消防通道")],
        )
        .unwrap();
    assert_eq!(
        r.message,
        format!("F1 复查未整改，案件 {case_id} 已升级督办。")
    );
    assert_eq!(r.case_id, None, "no new case");
    assert_eq!(host.tags(), [(case_id, ESCALATED.to_string())]);
    let note = &host.annotations()[0].1;
    assert!(note.contains("未整改到位，升级督办"), "{note}");
    assert!(note.contains("仍有车辆占用消防通道"), "{note}");
    assert_eq!(host.case(case_id).unwrap().tags, [TAG, ESCALATED]);
    let f = finding(&host, 1);
    assert_eq!(f.status, Status::Escalated);
    assert!(!f.checks[0].fixed);

    let blocks = host.render_view::<B>("findings").unwrap();
    assert_eq!(stat(&blocks, "已超期"), "1");
    assert_eq!(tables(&blocks)[0].rows[0][9], "复查未改·已督办（已超期）");
}

#[test]
fn an_unfixed_finding_without_a_case_gets_one() {
    let host = host();
    plan(&host, "新塘村");
    record(&host, "新塘村", "乱堆乱放", None);
    let r = host
        .run_action::<B>("reinspect", &[("finding", "F1"), ("fixed", "false")])
        .unwrap();
    let case_id = r.case_id.expect("a case filed now");
    let case = host.case(case_id).unwrap();
    assert_eq!(case.tags, [TAG, ESCALATED]);
    assert!(case.description.contains("新塘村"));
    assert!(case.description.contains("「乱堆乱放」"));
    assert!(case.description.contains("一般"));
    assert!(case.description.contains("升级督办"));
    assert_eq!(host.stored::<u32>(&case_key(case_id)), Some(1));
    assert_eq!(finding(&host, 1).case, Some(case_id));
    assert!(matches!(
        &host.suggestions()[0],
        Suggestion::Organisation { organisation, .. } if organisation == "office-jinqing"
    ));
}

#[test]
fn reinspect_refusals() {
    let host = host();
    plan(&host, "新塘村");
    record(&host, "新塘村", "环境卫生", Some("2026-03-09"));
    assert_eq!(
        invalid_field(&host.run_action::<B>("reinspect", &[("finding", "F7")])),
        "finding"
    );
    assert_eq!(
        invalid_field(&host.run_action::<B>("reinspect", &[("finding", "R1")])),
        "finding"
    );
    assert_eq!(
        invalid_field(&host.run_action::<B>("reinspect", &[("finding", "F1"), ("fixed", "maybe")])),
        "fixed"
    );
    // Escalating needs cases.tag; nothing changes without it.
    host.revoke("cases.tag");
    let r = host.run_action::<B>("reinspect", &[("finding", "F1")]);
    assert_eq!(r, Err(Error::Denied("cases.tag".into())));
    assert_eq!(finding(&host, 1).status, Status::Open);
    assert!(finding(&host, 1).checks.is_empty());
    // Marking it fixed still works; the note on the case is best effort.
    host.run_action::<B>("reinspect", &[("finding", "F1"), ("fixed", "true")])
        .unwrap();
    assert_eq!(finding(&host, 1).status, Status::Fixed);
    assert!(host.logged("could not note the fix"));
}

#[test]
fn re_inspections_are_capped() {
    let host = host();
    plan(&host, "新塘村");
    record(&host, "新塘村", "环境卫生", Some("2026-03-09"));
    for _ in 0..(MAX_CHECKS + 3) {
        host.run_action::<B>("reinspect", &[("finding", "F1")])
            .unwrap();
    }
    assert_eq!(finding(&host, 1).checks.len(), MAX_CHECKS);
}

// ---- publish-round and the residents' page ----

#[test]
fn publishing_shows_the_round_to_residents_without_internals() {
    let host = host();
    plan(&host, "新塘村,黄琅村,下梁村");
    record(&host, "新塘村", "环境卫生", Some("2026-03-09"));
    record(&host, "新塘村", "污水治理", None);
    record(&host, "黄琅村", "车辆乱停", Some("2026-03-09"));
    host.run_action::<B>(
        "reinspect",
        &[
            ("finding", "F1"),
            ("fixed", "true"),
            ("note", "内部备注勿外传"),
        ],
    )
    .unwrap();

    host.audience(Audience::Resident);
    let before = host.render_view::<B>("results").unwrap();
    assert!(
        all_text(&before).contains("暂无已发布"),
        "unpublished rounds stay internal"
    );

    host.audience(Audience::Staff);
    let r = host
        .run_action::<B>("publish-round", &[("round", "R1")])
        .unwrap();
    assert_eq!(
        r.message,
        "R1 督查结果已发布（3 条问题），居民可在「督查公示」查看。"
    );
    assert_eq!(round(&host, 1).published.as_deref(), Some("2026-03-02"));

    host.audience(Audience::Resident);
    let blocks = host.render_view::<B>("results").unwrap();
    assert_eq!(stat(&blocks, "督查轮次"), "1");
    assert_eq!(stat(&blocks, "发现问题"), "3");
    assert_eq!(stat(&blocks, "已整改"), "1");
    assert_eq!(stat(&blocks, "整改率"), "33%");
    let t = tables(&blocks);
    let ranking = t[0];
    assert_eq!(
        ranking.rows,
        [
            ["1", "下梁村", "1", "0", "0", "—"],
            ["2", "新塘村", "1", "2", "1", "50%"],
            ["3", "黄琅村", "1", "1", "0", "0%"],
        ]
    );
    let findings = t[1];
    assert_eq!(
        findings.rows,
        [
            ["新塘村", "环境卫生", "已整改"],
            ["新塘村", "污水治理", "整改中"],
            ["黄琅村", "车辆乱停", "整改中"],
            ["下梁村", "—", "未发现问题"],
        ]
    );
    let text = all_text(&blocks);
    assert!(text.contains("R1 · 2026-03-02 督查"), "{text}");
    assert!(text.contains("督查村居：新塘村、黄琅村、下梁村"), "{text}");
    for secret in ["内部备注", "IMG-0301", "建筑垃圾", "jinqing-d01", "王建华"] {
        assert!(!text.contains(secret), "{secret} must not reach residents");
    }
    assert!(forms(&blocks).is_empty(), "no forms for residents");
}

#[test]
fn publish_refusals() {
    let host = host();
    plan(&host, "新塘村");
    assert_eq!(
        invalid_field(&host.run_action::<B>("publish-round", &[("round", "R2")])),
        "round"
    );
    assert_eq!(
        invalid_field(&host.run_action::<B>("publish-round", &[])),
        "round"
    );
    host.run_action::<B>("publish-round", &[("round", "R1")])
        .unwrap();
    assert_eq!(
        invalid_field(&host.run_action::<B>("publish-round", &[("round", "R1")])),
        "round"
    );
    host.run_action::<B>(
        "plan-round",
        &[
            ("date", "2026-05-01"),
            ("villages", "新塘村"),
            ("members", "jinqing-d01"),
        ],
    )
    .unwrap();
    assert_eq!(
        invalid_field(&host.run_action::<B>("publish-round", &[("round", "R2")])),
        "round",
        "not before its day"
    );
    // Residents may not act at all.
    host.audience(Audience::Resident);
    assert_eq!(
        host.run_action::<B>("publish-round", &[("round", "R2")]),
        Err(Error::Denied("audience resident".into()))
    );
}

#[test]
fn only_the_latest_rounds_are_shown_in_full() {
    let host = host();
    for n in 1..=14u32 {
        host.store(
            &round_key(n),
            &Round {
                id: n,
                date: format!("2025-{:02}-01", (n % 12) + 1),
                title: None,
                villages: vec!["新塘村".into()],
                members: vec!["jinqing-d01".into()],
                items: vec!["环境卫生".into()],
                published: Some("2025-12-31".into()),
                findings: vec![],
            },
        );
    }
    host.audience(Audience::Resident);
    let blocks = host.render_view::<B>("results").unwrap();
    assert_eq!(stat(&blocks, "督查轮次"), "14");
    assert_eq!(tables(&blocks).len(), 1 + 12);
    assert!(all_text(&blocks).contains("更早的 2 轮"));
    assert_eq!(
        tables(&blocks)[0].rows[0][2],
        "14",
        "visits count every round"
    );
}

// ---- The ranking ----

#[test]
fn the_staff_ranking_counts_every_round_and_overdue() {
    let host = host();
    plan(&host, "新塘村,黄琅村");
    record(&host, "新塘村", "环境卫生", Some("2026-03-05"));
    record(&host, "黄琅村", "环境卫生", Some("2026-03-05"));
    record(&host, "黄琅村", "污水治理", Some("2026-03-20"));
    host.run_action::<B>("reinspect", &[("finding", "F2"), ("fixed", "true")])
        .unwrap();
    host.now("2026-03-10T09:00:00+08:00");
    let blocks = host.render_view::<B>("ranking").unwrap();
    let t = tables(&blocks)[0];
    assert_eq!(
        t.rows,
        [
            ["1", "黄琅村", "1", "2", "1", "50%", "0"],
            ["2", "新塘村", "1", "1", "0", "0%", "1"],
        ]
    );
}

#[test]
fn ranking_orders_by_rate_then_fewer_findings() {
    let settings = Settings {
        villages: vec!["甲村".into(), "乙村".into(), "丙村".into(), "丁村".into()],
        checklist: vec![],
        organisation: None,
        offices: vec![],
        category: "ecology".into(),
    };
    let row = |id, village: &str, fixed| Row {
        id,
        village: village.into(),
        item: "环境卫生".into(),
        severity: Severity::Low,
        status: if fixed { Status::Fixed } else { Status::Open },
        brief: String::new(),
        photo: None,
        deadline: None,
        case: None,
        fixed_on: None,
    };
    let r = Round {
        id: 1,
        date: "2026-03-01".into(),
        title: None,
        villages: settings.villages.clone(),
        members: vec![],
        items: vec![],
        published: None,
        findings: vec![
            row(1, "甲村", true),
            row(2, "甲村", false),
            row(3, "乙村", true),
            row(4, "乙村", true),
            row(5, "乙村", true),
            row(6, "丙村", true),
        ],
    };
    let order: Vec<String> = ranking([&r], &settings, "2026-03-02")
        .into_iter()
        .map(|t| format!("{}{}", t.village, t.rate_text()))
        .collect();
    assert_eq!(order, ["丁村—", "丙村100%", "乙村100%", "甲村50%"]);
}

// ---- Events ----

#[test]
fn an_answered_case_puts_its_finding_up_for_re_inspection() {
    let host = host();
    plan(&host, "新塘村");
    let case_id = record(&host, "新塘村", "环境卫生", Some("2026-03-09"))
        .case_id
        .unwrap();
    for _ in 0..2 {
        host.on_case_event::<B>(&host.event(case_id, "reply"))
            .unwrap();
    }
    assert_eq!(finding(&host, 1).status, Status::Replied);
    assert_eq!(round(&host, 1).findings[0].status, Status::Replied);
    let blocks = host.render_view::<B>("findings").unwrap();
    assert_eq!(stat(&blocks, "待复查"), "1");
    // Another case's reply changes nothing; a fixed finding stays fixed.
    host.on_case_event::<B>(&host.event(999, "reply")).unwrap();
    host.run_action::<B>("reinspect", &[("finding", "F1"), ("fixed", "true")])
        .unwrap();
    host.on_case_event::<B>(&host.event(case_id, "close"))
        .unwrap();
    assert_eq!(finding(&host, 1).status, Status::Fixed);
}

#[test]
fn residents_opinions_naming_a_village_become_leads() {
    let host = host();
    host.add_case(testing::case(
        41,
        "ecology",
        "金清镇新塘村村口的河道发黑发臭，希望督查",
    ))
    .add_case(testing::case(42, "other", "新塘那边路灯不亮，晚上看不见"))
    .add_case(testing::case(43, "other", "金清镇政府门口停车难"))
    .add_case(testing::case(44, "ecology", "黄琅村和下梁村之间的沟渠堵了"));
    for id in [41, 42, 43, 44, 41] {
        host.on_case_event::<B>(&host.event(id, "submit")).unwrap();
    }
    let leads: Leads = host.stored(LEADS).unwrap();
    assert_eq!(
        leads.villages["新塘村"].count, 2,
        "a redelivery counts once"
    );
    assert_eq!(leads.villages["新塘村"].cases, [42, 41]);
    assert_eq!(leads.villages["新塘村"].last_on, "2026-03-01");
    assert_eq!(leads.villages["黄琅村"].count, 1);
    assert_eq!(leads.villages["下梁村"].count, 1);
    assert!(
        !leads.villages.contains_key("金清村"),
        "金清镇 is the town, not 金清村"
    );
    assert_eq!(leads.seen, [41, 42, 44]);

    let blocks = host.render_view::<B>("ranking").unwrap();
    let t = tables(&blocks);
    let leads_table = t.last().unwrap();
    assert_eq!(
        leads_table.rows[0][..4],
        ["新塘村", "2", "2026-03-01", "42, 41"]
    );
    let rounds = host.render_view::<B>("rounds").unwrap();
    let help = forms(&rounds)[0].fields[1].help.clone().unwrap();
    assert!(help.contains("群众反映较多：新塘村(2)"), "{help}");
}

#[test]
fn the_brand_s_own_cases_and_unreadable_ones_are_not_leads() {
    let host = host();
    plan(&host, "新塘村");
    let case_id = record(&host, "新塘村", "环境卫生", Some("2026-03-09"))
        .case_id
        .unwrap();
    host.on_case_event::<B>(&host.event(case_id, "submit"))
        .unwrap();
    let mut filed_elsewhere = testing::case(50, "other", "新塘村的垃圾房需要清理");
    filed_elsewhere.channel = "plugin".into();
    host.add_case(filed_elsewhere);
    host.on_case_event::<B>(&host.event(50, "submit")).unwrap();
    host.on_case_event::<B>(&host.event(51, "submit")).unwrap();
    assert_eq!(host.stored::<Leads>(LEADS), None);

    host.add_case(testing::case(52, "other", "新塘村的垃圾房需要清理"));
    host.revoke("cases.read");
    host.on_case_event::<B>(&host.event(52, "submit")).unwrap();
    assert_eq!(
        host.stored::<Leads>(LEADS),
        None,
        "skipped quietly without cases.read"
    );
}

#[test]
fn events_not_listened_to_are_not_delivered() {
    let host = host();
    plan(&host, "新塘村");
    let case_id = record(&host, "新塘村", "环境卫生", Some("2026-03-09"))
        .case_id
        .unwrap();
    host.clear_records();
    host.on_case_event::<B>(&host.event(case_id, "assign"))
        .unwrap();
    assert!(host.calls().is_empty());
    assert_eq!(finding(&host, 1).status, Status::Open);
}

#[test]
fn without_storage_everything_is_denied() {
    let host = host();
    host.revoke("storage");
    assert_eq!(
        host.render_view::<B>("results"),
        Err(Error::Denied("storage".into()))
    );
    assert_eq!(
        host.run_action::<B>("publish-round", &[("round", "R1")]),
        Err(Error::Denied("storage".into()))
    );
}

// ---- Helpers ----

#[test]
fn lists_ids_and_names_parse_leniently() {
    assert_eq!(
        split_list(" 甲村，乙村、丙村;丁村 ,甲村  戊村"),
        ["甲村", "乙村", "丙村", "丁村", "戊村"]
    );
    assert!(split_list(" ,、 ").is_empty());
    assert_eq!(parse_id("R12", 'R', "round"), Ok(12));
    assert_eq!(parse_id(" r3 ", 'R', "round"), Ok(3));
    assert_eq!(parse_id("7", 'F', "finding"), Ok(7));
    assert!(parse_id("R0", 'R', "round").is_err());
    assert!(parse_id("F1", 'R', "round").is_err());
    let list: Vec<String> = ["金清村", "新塘村", "城东社区", "东村"]
        .map(String::from)
        .to_vec();
    assert_eq!(villages_named("新塘的河道", &list), ["新塘村"]);
    assert_eq!(villages_named("城东的路灯", &list), ["城东社区"]);
    assert!(villages_named("金清镇的事", &list).is_empty());
    assert_eq!(villages_named("金清村的事", &list), ["金清村"]);
    assert!(
        villages_named("东边", &list).is_empty(),
        "one-character short names never match"
    );
    assert!(is_date("2026-03-02"));
    assert!(!is_date("2026-3-2"));
}

#[test]
fn settings_parse_offices_and_fall_back() {
    let host = host();
    host.setting("organisation", " ")
        .setting("category", "")
        .setting(
            "village_offices",
            "新塘村=office-xintang，坏的, =x, 黄琅村：office-hl",
        );
    let s = Settings::load();
    assert_eq!(s.organisation, None);
    assert_eq!(s.category, "ecology");
    assert_eq!(
        s.offices,
        [
            ("新塘村".to_string(), "office-xintang".to_string()),
            ("黄琅村".into(), "office-hl".into())
        ]
    );
    assert_eq!(s.office_for("新塘村"), Some("office-xintang"));
    assert_eq!(s.office_for("金清村"), None);
}

#[test]
fn the_forms_match_the_manifest_exactly() {
    let manifest = testing::Manifest::parse(MANIFEST).unwrap();
    let host = host();
    plan(&host, "新塘村");
    let mut seen = Vec::new();
    for view in ["rounds", "findings"] {
        let blocks = host.render_view::<B>(view).unwrap();
        for form in forms(&blocks) {
            let decl = manifest.action(&form.action).unwrap();
            let names: Vec<&str> = form.fields.iter().map(|f| f.name.as_str()).collect();
            let declared: Vec<&str> = decl.fields.iter().map(|f| f.name.as_str()).collect();
            assert_eq!(names, declared, "{}", form.action);
            for (f, d) in form.fields.iter().zip(&decl.fields) {
                assert_eq!(
                    f.kind.as_str(),
                    d.kind.as_str(),
                    "{}.{}",
                    form.action,
                    f.name
                );
                assert_eq!(f.required, d.required, "{}.{}", form.action, f.name);
                assert_eq!(f.max_length, d.max_length, "{}.{}", form.action, f.name);
                let values: Vec<&str> = f.options.iter().map(|o| o.0.as_str()).collect();
                let declared: Vec<&str> = d.options.iter().map(|o| o.0.as_str()).collect();
                assert_eq!(values, declared, "{}.{}", form.action, f.name);
                assert!(f.help.is_some(), "{}.{} has help", form.action, f.name);
            }
            seen.push(form.action.clone());
        }
    }
    let mut all: Vec<String> = manifest.actions.iter().map(|a| a.id.clone()).collect();
    all.sort();
    seen.sort();
    assert_eq!(seen, all, "every action has a form");
}

#[test]
fn a_full_round_fits_one_value_and_more_is_refused() {
    let host = host();
    plan(&host, "新塘村");
    let description = "河".repeat(500);
    let photo = "p".repeat(100);
    for _ in 0..MAX_FINDINGS {
        host.run_action::<B>(
            "record-finding",
            &[
                ("round", "R1"),
                ("village", "新塘村"),
                ("item", "污水治理"),
                ("severity", "high"),
                ("description", &description),
                ("photo", &photo),
                ("deadline", "2026-12-31"),
            ],
        )
        .unwrap();
    }
    let r = host.run_action::<B>(
        "record-finding",
        &[
            ("round", "R1"),
            ("village", "新塘村"),
            ("item", "污水治理"),
            ("severity", "low"),
            ("description", "再多一条问题"),
        ],
    );
    assert_eq!(invalid_field(&r), "round");
    let bytes = serde_json_len(&round(&host, 1));
    assert!(bytes < 48 << 10, "a full round is {bytes} bytes");
    // Every view still renders.
    for view in ["results", "rounds", "findings", "ranking"] {
        host.render_view::<B>(view).unwrap();
    }
}

fn serde_json_len(round: &Round) -> usize {
    // The size of the value as the host stores it.
    storage::get_bytes(&round_key(round.id))
        .unwrap()
        .unwrap()
        .len()
}
