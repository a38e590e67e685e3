//! Duty points: the pure cap rule, local years, and the ledger derived from shifts, receptions
//! and visits of the fixture district, incrementally and by a rebuild.

use super::*;

fn entry(rule: Rule, points: i32) -> point_entries::Model {
    point_entries::Model {
        id: 0,
        deputy_id: 1,
        year: 2026,
        rule: rule.as_str().into(),
        source_kind: "x".into(),
        source_id: 0,
        points,
        at: Utc::now(),
    }
}

#[test]
fn caps_hold_each_rule_and_the_total_adds_the_counted() {
    let mut rules: BTreeMap<Rule, RuleSetting> = BTreeMap::new();
    rules.insert(
        Rule::Shift,
        RuleSetting {
            rule: Rule::Shift,
            points: 2,
            cap: Some(5),
        },
    );
    rules.insert(
        Rule::Visit,
        RuleSetting {
            rule: Rule::Visit,
            points: 3,
            cap: None,
        },
    );
    let e = vec![
        entry(Rule::Shift, 2),
        entry(Rule::Shift, 2),
        entry(Rule::Shift, 2),
        entry(Rule::Visit, 3),
        entry(Rule::Visit, 3),
    ];
    let (list, total) = totals(&e, &rules);
    let shift = list.iter().find(|t| t.rule == Rule::Shift).unwrap();
    assert_eq!((shift.entries, shift.points, shift.counted), (3, 6, 5));
    let visit = list.iter().find(|t| t.rule == Rule::Visit).unwrap();
    assert_eq!((visit.entries, visit.points, visit.counted), (2, 6, 6));
    assert_eq!(total, 11);
}

#[test]
fn local_years_start_at_midnight_in_china() {
    let (start, end) = year_bounds(2026);
    assert_eq!(start.to_rfc3339(), "2025-12-31T16:00:00+00:00");
    assert_eq!(end.to_rfc3339(), "2026-12-31T16:00:00+00:00");
    assert_eq!(
        local_today(at_noon(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap())).to_string(),
        "2026-03-01"
    );
}

mod derived {
    use chrono::{NaiveDate, TimeZone, Utc};

    use super::super::*;
    use crate::auth::Actor;
    use crate::duty::roster::{self, NewShift};
    use crate::duty::{Half, NewReception, record_reception};
    use crate::oversight::visits::{self, VisitInput, VisitKind};
    use crate::testing::District;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// "Today" for these tests: 2 December 2026, noon in China.
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 4, 0, 0).unwrap()
    }

    async fn shift(d: &District, on: NaiveDate) {
        let body = NewShift {
            deputy: "wang-hui".into(),
            day: on,
            half: Half::Am,
            note: None,
        };
        roster::add(&d.db, &d.lunan_staff, d.lunan.id, &body, now().date_naive())
            .await
            .unwrap();
    }

    async fn reception(d: &District, by: &Actor, at: DateTime<Utc>) {
        let body = NewReception {
            visitor_name: None,
            visitor_phone: None,
            summary: "反映路灯不亮".into(),
            category: None,
            received_at: Some(at),
        };
        record_reception(&d.db, by, d.lunan.id, &body, now())
            .await
            .unwrap();
    }

    fn visit(on: NaiveDate, kind: VisitKind, deputies: &[&str]) -> VisitInput {
        VisitInput {
            station: "lunan".into(),
            day: on,
            kind,
            organisation: None,
            leader_name: None,
            topics: "听取群众意见".into(),
            opinions_count: 0,
            opinions: None,
            deputies: deputies.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    /// The ledger as comparable tuples: (year, deputy, rule, source kind, source id, points).
    async fn ledger(d: &District, year: i32) -> Vec<(i32, i64, String, String, i64, i32)> {
        let mut rows: Vec<_> = entries(&d.db, year, None)
            .await
            .unwrap()
            .into_iter()
            .map(|e| {
                (
                    e.year,
                    e.deputy_id,
                    e.rule,
                    e.source_kind,
                    e.source_id,
                    e.points,
                )
            })
            .collect();
        rows.sort();
        rows
    }

    fn of(rule: Rule, rows: &[(i32, i64, String, String, i64, i32)]) -> Vec<i32> {
        rows.iter()
            .filter(|r| r.2 == rule.as_str())
            .map(|r| r.5)
            .collect()
    }

    #[tokio::test]
    async fn entries_follow_the_years_rules_and_caps() {
        let d = District::new().await;
        set_rules(
            &d.db,
            2026,
            &[
                RuleSetting {
                    rule: Rule::Shift,
                    points: 5,
                    cap: Some(8),
                },
                RuleSetting {
                    rule: Rule::Inspection,
                    points: 7,
                    cap: None,
                },
            ],
            now(),
        )
        .await
        .unwrap();

        // Two shifts sat, one still ahead.
        shift(&d, day(2026, 3, 2)).await;
        shift(&d, day(2026, 3, 3)).await;
        shift(&d, day(2026, 12, 20)).await;
        // A reception by the deputy counts; one recorded by staff for the station does not.
        let may_day = Utc.with_ymd_and_hms(2026, 5, 1, 2, 0, 0).unwrap();
        reception(&d, &d.deputy_user, may_day).await;
        reception(&d, &d.lunan_staff, may_day).await;
        // An inspection round this year, a visit last year under last year's (default) rules.
        visits::save(
            &d.db,
            &d.lunan_staff,
            None,
            &visit(day(2026, 6, 1), VisitKind::Inspection, &["wang-hui"]),
            now(),
        )
        .await
        .unwrap();
        visits::save(
            &d.db,
            &d.lunan_staff,
            None,
            &visit(day(2025, 6, 1), VisitKind::Other, &["wang-hui"]),
            now(),
        )
        .await
        .unwrap();

        let this_year = ledger(&d, 2026).await;
        assert_eq!(
            of(Rule::Shift, &this_year),
            [5, 5],
            "the shift ahead is not sat yet"
        );
        assert_eq!(
            of(Rule::Reception, &this_year),
            [Rule::Reception.default_rule().0]
        );
        assert_eq!(of(Rule::Inspection, &this_year), [7]);
        assert!(of(Rule::Visit, &this_year).is_empty());
        let last_year = ledger(&d, 2025).await;
        assert_eq!(of(Rule::Visit, &last_year), [Rule::Visit.default_rule().0]);
        assert_eq!(last_year.len(), 1);

        let rules = rules_for(&d.db, 2026).await.unwrap();
        let (per_rule, total) = totals(
            &entries(&d.db, 2026, Some(&[d.deputy.id])).await.unwrap(),
            &rules,
        );
        let shifts = per_rule.iter().find(|t| t.rule == Rule::Shift).unwrap();
        assert_eq!((shifts.entries, shifts.points, shifts.counted), (2, 10, 8));
        assert_eq!(total, 8 + 1 + 7);
    }

    #[tokio::test]
    async fn a_rebuild_equals_the_incremental_ledger() {
        let d = District::new().await;
        let second = d.another_deputy("li-ming", "lunan").await;
        shift(&d, day(2026, 1, 5)).await;
        shift(&d, day(2026, 11, 30)).await;
        shift(&d, day(2026, 12, 31)).await;
        // New Year's Eve 23:30 in China is still the old year: local years, not UTC ones.
        reception(
            &d,
            &d.deputy_user,
            Utc.with_ymd_and_hms(2025, 12, 31, 15, 30, 0).unwrap(),
        )
        .await;
        reception(
            &d,
            &d.deputy_user,
            Utc.with_ymd_and_hms(2025, 12, 31, 16, 30, 0).unwrap(),
        )
        .await;
        reception(
            &d,
            &second,
            Utc.with_ymd_and_hms(2026, 7, 1, 1, 0, 0).unwrap(),
        )
        .await;
        let corrected = visits::save(
            &d.db,
            &d.lunan_staff,
            None,
            &visit(day(2026, 4, 1), VisitKind::Other, &["wang-hui", "li-ming"]),
            now(),
        )
        .await
        .unwrap();
        // Corrected: li-ming did not come after all.
        visits::save(
            &d.db,
            &d.lunan_staff,
            Some(corrected.id),
            &visit(day(2026, 4, 1), VisitKind::Other, &["wang-hui"]),
            now(),
        )
        .await
        .unwrap();
        let gone = visits::save(
            &d.db,
            &d.lunan_staff,
            None,
            &visit(day(2026, 9, 1), VisitKind::Inspection, &["li-ming"]),
            now(),
        )
        .await
        .unwrap();
        visits::delete(&d.db, &d.lunan_staff, gone.id)
            .await
            .unwrap();

        let incremental = (ledger(&d, 2025).await, ledger(&d, 2026).await);
        assert_eq!(
            incremental.0.len(),
            1,
            "the reception before local midnight"
        );
        assert_eq!(
            incremental.1.len(),
            2 + 1 + 1 + 1,
            "two shifts sat, two receptions, one visit attended"
        );
        rebuild_year(&d.db, 2025, now()).await.unwrap();
        rebuild_year(&d.db, 2026, now()).await.unwrap();
        assert_eq!(
            (ledger(&d, 2025).await, ledger(&d, 2026).await),
            incremental
        );
    }

    #[tokio::test]
    async fn a_rebuild_counts_the_cases_a_deputy_relayed_unless_rejected() {
        use crate::cases::actions::{Context, Performer, perform};
        use crate::cases::commands::{Command, ReasonBody};

        let d = District::new().await;
        let mut ids = Vec::new();
        for _ in 0..2 {
            let mut form = District::intake("lunan");
            form.deputy = Some("wang-hui".into());
            ids.push(d.submit(form, now()).await.unwrap().id);
        }
        // A station-level case is no deputy's.
        d.submit(District::intake("lunan"), now()).await.unwrap();
        let ctx = Context {
            rules: &d.settings.deadlines,
            now: now(),
        };
        perform(
            &d.db,
            &ctx,
            &Performer::User(d.lunan_staff.clone()),
            ids[1],
            Command::Reject(ReasonBody {
                reason: "不属于受理范围".into(),
            }),
        )
        .await
        .unwrap();

        rebuild_year(&d.db, 2026, now()).await.unwrap();
        let relayed: Vec<(i64, i64)> = ledger(&d, 2026)
            .await
            .into_iter()
            .filter(|r| r.2 == Rule::Relayed.as_str())
            .map(|r| (r.1, r.4))
            .collect();
        assert_eq!(relayed, [(d.deputy.id, ids[0])]);
    }
}
