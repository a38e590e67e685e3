//! Department appraisal against the fixture district: who scores, a second mark replacing the
//! first, the ranking's order, and who sees it before it is published.

use chrono::Utc;

use super::*;
use crate::orgs::{NewOrganisation, OrganisationKind};
use crate::stations::PublicCode;
use crate::testing::District;

const YEAR: i32 = 2026;

fn refusal<T: std::fmt::Debug>(r: Result<T, Error>) -> (String, FieldKind) {
    match r {
        Err(Error::Invalid { field, kind }) => (field, kind),
        other => panic!("expected a field refusal, got {other:?}"),
    }
}

fn mark(org: &str, item: Item, score: i32) -> ScoreInput {
    ScoreInput {
        organisation: org.into(),
        item,
        score,
    }
}

/// Only 政府工作报告落实 counts, so a total is that item's mean score.
fn only_gov_report() -> SettingsInput {
    SettingsInput {
        weights: Weights::from_array([0, 100, 0, 0, 0, 0, 0]),
        min_sample: 1,
        visit_target: 1,
    }
}

#[tokio::test]
async fn only_deputies_score_and_vote_and_only_on_their_items() {
    let d = District::new().await;
    let now = Utc::now();
    for not_appraiser in [&d.lunan_staff, &d.housing_handler, &d.ops, &d.viewer] {
        let e = score(
            &d.db,
            not_appraiser,
            YEAR,
            &mark("housing", Item::GovReport, 80),
            now,
        )
        .await
        .unwrap_err();
        assert!(matches!(e, Error::Forbidden(_)), "{e:?}");
        let e = vote(
            &d.db,
            not_appraiser,
            YEAR,
            &VoteInput {
                organisation: "housing".into(),
                vote: Vote::Satisfied,
            },
            now,
        )
        .await
        .unwrap_err();
        assert!(matches!(e, Error::Forbidden(_)), "{e:?}");
    }
    let deputy = &d.deputy_user;
    score(
        &d.db,
        deputy,
        YEAR,
        &mark("housing", Item::GovReport, 80),
        now,
    )
    .await
    .unwrap();
    // Computed items are not scored by hand.
    for computed in [Item::Livelihood, Item::Grassroots, Item::Committee] {
        assert_eq!(
            refusal(score(&d.db, deputy, YEAR, &mark("housing", computed, 80), now).await),
            ("item".to_owned(), FieldKind::NotApplicable)
        );
    }
    assert_eq!(
        refusal(
            score(
                &d.db,
                deputy,
                YEAR,
                &mark("housing", Item::Lawful, 101),
                now
            )
            .await
        ),
        (
            "score".to_owned(),
            FieldKind::OutOfRange { min: 0, max: 100 }
        )
    );
    assert_eq!(
        refusal(score(&d.db, deputy, YEAR, &mark("water", Item::Lawful, 50), now).await),
        (
            "organisation".to_owned(),
            FieldKind::UnknownCode {
                thing: Thing::Organisation,
                code: "water".into()
            }
        )
    );
    assert_eq!(
        refusal(score(&d.db, deputy, 1999, &mark("housing", Item::Lawful, 50), now).await).0,
        "year"
    );
}

#[tokio::test]
async fn a_second_score_or_vote_replaces_the_first() {
    let d = District::new().await;
    let now = Utc::now();
    set_settings(&d.db, &d.ops, YEAR, &only_gov_report(), now)
        .await
        .unwrap();
    let deputy = &d.deputy_user;
    score(
        &d.db,
        deputy,
        YEAR,
        &mark("housing", Item::GovReport, 60),
        now,
    )
    .await
    .unwrap();
    score(
        &d.db,
        deputy,
        YEAR,
        &mark("housing", Item::GovReport, 90),
        now,
    )
    .await
    .unwrap();
    for v in [Vote::Unsatisfied, Vote::Satisfied] {
        let input = VoteInput {
            organisation: "housing".into(),
            vote: v,
        };
        vote(&d.db, deputy, YEAR, &input, now).await.unwrap();
    }
    let marks = own_marks(&d.db, deputy.user_id, YEAR).await.unwrap();
    assert_eq!(marks.scores.len(), 1);
    assert_eq!(marks.scores[0].score, 90);
    assert_eq!(marks.votes.len(), 1);
    assert_eq!(marks.votes[0].vote, "satisfied");

    let r = ranking(&d.db, YEAR).await.unwrap();
    let housing = r
        .rows
        .iter()
        .find(|row| row.organisation.code == "housing")
        .unwrap();
    assert_eq!(housing.total, Some(90.0), "not the mean of 60 and 90");
    assert_eq!(housing.poll.total(), 1);
    assert_eq!(housing.poll_verdict, Some(Vote::Satisfied));
}

#[tokio::test]
async fn the_ranking_is_best_first_with_shared_ranks_and_the_unmeasured_last() {
    let d = District::new().await;
    let now = Utc::now();
    let e = set_settings(&d.db, &d.lunan_staff, YEAR, &only_gov_report(), now)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Forbidden(_)), "{e:?}");
    let mut lopsided = only_gov_report();
    lopsided.weights.gov_report = 99;
    assert_eq!(
        refusal(set_settings(&d.db, &d.ops, YEAR, &lopsided, now).await),
        (
            "weights".to_owned(),
            FieldKind::Sum {
                total: 100,
                got: 99
            }
        )
    );
    set_settings(&d.db, &d.ops, YEAR, &only_gov_report(), now)
        .await
        .unwrap();
    for code in ["water", "parks"] {
        orgs::create(
            &d.db,
            &d.reference,
            &NewOrganisation {
                code: PublicCode::parse(code).unwrap(),
                name: code.into(),
                name_en: String::new(),
                kind: OrganisationKind::Township,
            },
        )
        .await
        .unwrap();
    }
    let second = d.another_deputy("li-ming", "pengjie").await;
    // housing 70; eco and water 90 (eco from two appraisers); parks unscored.
    for (who, org, s) in [
        (&d.deputy_user, "housing", 70),
        (&d.deputy_user, "eco", 80),
        (&second, "eco", 100),
        (&second, "water", 90),
    ] {
        score(&d.db, who, YEAR, &mark(org, Item::GovReport, s), now)
            .await
            .unwrap();
    }
    let r = ranking(&d.db, YEAR).await.unwrap();
    let rows: Vec<(usize, &str, Option<f64>, Option<Grade>)> = r
        .rows
        .iter()
        .map(|row| {
            (
                row.rank,
                row.organisation.code.as_str(),
                row.total,
                row.grade,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (1, "eco", Some(90.0), Some(Grade::Excellent)),
            (1, "water", Some(90.0), Some(Grade::Excellent)),
            (3, "housing", Some(70.0), Some(Grade::Fair)),
            (4, "parks", None, None),
        ]
    );
    // Another year is untouched.
    assert!(
        ranking(&d.db, YEAR + 1)
            .await
            .unwrap()
            .rows
            .iter()
            .all(|row| row.total.is_none())
    );
}

#[tokio::test]
async fn the_unpublished_ranking_is_for_insiders_only() {
    let d = District::new().await;
    let now = Utc::now();
    for insider in [&d.ops, &d.viewer, &d.deputy_user] {
        visible_ranking(&d.db, Some(insider), YEAR).await.unwrap();
    }
    for outsider in [None, Some(&d.lunan_staff), Some(&d.housing_handler)] {
        let e = visible_ranking(&d.db, outsider, YEAR).await.unwrap_err();
        assert!(matches!(e, Error::Forbidden(_)), "{e:?}");
    }
    let e = set_published(&d.db, &d.viewer, YEAR, true, now)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Forbidden(_)), "{e:?}");
    let s = set_published(&d.db, &d.ops, YEAR, true, now).await.unwrap();
    assert!(s.published && s.published_at.is_some());
    assert!(
        visible_ranking(&d.db, None, YEAR)
            .await
            .unwrap()
            .settings
            .published
    );
    let s = set_published(&d.db, &d.ops, YEAR, false, now)
        .await
        .unwrap();
    assert!(s.published_at.is_none());
    assert!(visible_ranking(&d.db, None, YEAR).await.is_err());
}
