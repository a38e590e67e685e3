//! Livelihood projects against the fixture district: who proposes what, the round's and the
//! ballot's counts, one ballot per deputy, and closing by more than half with ties going to the
//! earlier proposal.

use chrono::Utc;

use super::*;
use crate::testing::District;

fn proposal(title: &str) -> ProposalInput {
    ProposalInput {
        title: title.into(),
        description: "在小区旁建一座口袋公园".into(),
        station: None,
        name: None,
        phone: None,
    }
}

fn refusal<T: std::fmt::Debug>(r: Result<T, Error>) -> (String, FieldKind) {
    match r {
        Err(Error::Invalid { field, kind }) => (field, kind),
        other => panic!("expected a field refusal, got {other:?}"),
    }
}

async fn propose(d: &District, title: &str) -> i64 {
    propose_candidate(&d.db, Some(&d.ops), &proposal(title), Utc::now())
        .await
        .unwrap()
        .id
}

async fn round(d: &District, places: i32, candidates: &[i64]) -> Result<RoundOut, Error> {
    let input = RoundInput {
        title: "2027年民生实事票决".into(),
        places,
        candidates: candidates.to_vec(),
    };
    open(&d.db, &d.ops, &input, Utc::now()).await
}

#[tokio::test]
async fn residents_deputies_staff_and_ops_propose_and_no_one_else() {
    let d = District::new().await;
    let now = Utc::now();

    let resident = ProposalInput {
        name: Some("李四".into()),
        phone: Some("13812345678".into()),
        station: Some("pengjie".into()),
        ..proposal("口袋公园")
    };
    let c = propose_candidate(&d.db, None, &resident, now)
        .await
        .unwrap();
    assert_eq!(c.proposer_kind, ProposerKind::Resident);
    assert_eq!(c.status, CandidateStatus::Candidate);
    assert_eq!(c.station.map(|s| s.code).as_deref(), Some("pengjie"));
    let json = serde_json::to_string(&candidates(&d.db, &d.ops, c.year).await.unwrap()).unwrap();
    assert!(
        !json.contains("13812345678") && !json.contains("李四"),
        "{json}"
    );
    let bad_phone = ProposalInput {
        phone: Some("12".into()),
        ..proposal("口袋公园")
    };
    assert_eq!(
        refusal(propose_candidate(&d.db, None, &bad_phone, now).await),
        ("phone".to_owned(), FieldKind::Format(FormatKind::Phone))
    );

    // A deputy proposes for their home station unless they name another.
    let c = propose_candidate(&d.db, Some(&d.deputy_user), &proposal("停车场"), now)
        .await
        .unwrap();
    assert_eq!(c.proposer_kind, ProposerKind::Deputy);
    assert_eq!(c.station.map(|s| s.code).as_deref(), Some("lunan"));

    // Staff propose for their own station only.
    let c = propose_candidate(&d.db, Some(&d.pengjie_staff), &proposal("路灯"), now)
        .await
        .unwrap();
    assert_eq!(c.proposer_kind, ProposerKind::Staff);
    assert_eq!(c.station.map(|s| s.code).as_deref(), Some("pengjie"));
    let elsewhere = ProposalInput {
        station: Some("lunan".into()),
        ..proposal("路灯")
    };
    let e = propose_candidate(&d.db, Some(&d.pengjie_staff), &elsewhere, now)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Forbidden(_)), "{e:?}");

    // Ops for any station or none.
    let c = propose_candidate(&d.db, Some(&d.ops), &proposal("菜场"), now)
        .await
        .unwrap();
    assert!(c.station.is_none());

    // Insiders do not leave a resident's contact.
    let named = ProposalInput {
        name: Some("王惠".into()),
        ..proposal("菜场")
    };
    assert_eq!(
        refusal(propose_candidate(&d.db, Some(&d.deputy_user), &named, now).await),
        ("name".to_owned(), FieldKind::NotApplicable)
    );

    // Handlers and viewers do not propose.
    for who in [&d.housing_handler, &d.viewer] {
        let e = propose_candidate(&d.db, Some(who), &proposal("菜场"), now)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Forbidden(_)), "{e:?}");
    }
    assert_eq!(candidates(&d.db, &d.ops, c.year).await.unwrap().len(), 4);
}

#[tokio::test]
async fn a_round_needs_more_candidates_than_places_and_only_ops_open_it() {
    let d = District::new().await;
    let a = propose(&d, "口袋公园").await;
    let b = propose(&d, "停车场").await;

    // Two candidates for two places (a repeated id counts once) is no vote.
    let (field, kind) = refusal(round(&d, 2, &[a, b, b]).await);
    assert_eq!(field, "candidates");
    assert_eq!(
        kind,
        FieldKind::Count {
            min: 3,
            max: MAX_ROUND as u32
        }
    );
    assert_eq!(
        refusal(round(&d, 0, &[a, b]).await),
        ("places".to_owned(), FieldKind::TooSmall { min: 1 })
    );
    let e = open(
        &d.db,
        &d.lunan_staff,
        &RoundInput {
            title: "票决".into(),
            places: 1,
            candidates: vec![a, b],
        },
        Utc::now(),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, Error::Forbidden(_)), "{e:?}");

    let r = round(&d, 1, &[a, b]).await.unwrap();
    assert_eq!(r.status, RoundStatus::Open);
    assert!(
        r.candidates
            .iter()
            .all(|c| c.status == CandidateStatus::InRound)
    );
    // A candidate already in a round cannot be put to another.
    let c = propose(&d, "菜场").await;
    assert_eq!(
        refusal(round(&d, 1, &[a, c]).await),
        ("candidates".to_owned(), FieldKind::NotApplicable)
    );
}

#[tokio::test]
async fn a_ballot_names_at_most_places_candidates_once_per_deputy() {
    let d = District::new().await;
    let now = Utc::now();
    let ids = [
        propose(&d, "口袋公园").await,
        propose(&d, "停车场").await,
        propose(&d, "菜场").await,
    ];
    let outside = propose(&d, "路灯").await;
    let r = round(&d, 2, &ids).await.unwrap();
    let cast = |who: &Actor, c: &[i64]| {
        let input = BallotInput {
            candidates: c.to_vec(),
        };
        let db = d.db.clone();
        let who = who.clone();
        async move { ballot(&db, &who, r.id, &input, now).await }
    };

    let (field, kind) = refusal(cast(&d.deputy_user, &ids).await);
    assert_eq!(field, "candidates");
    assert_eq!(kind, FieldKind::Count { min: 1, max: 2 });
    assert_eq!(
        refusal(cast(&d.deputy_user, &[]).await).1,
        FieldKind::Count { min: 1, max: 2 }
    );
    assert_eq!(
        refusal(cast(&d.deputy_user, &[ids[0], outside]).await),
        ("candidates".to_owned(), FieldKind::NotApplicable)
    );
    for not_a_deputy in [&d.lunan_staff, &d.ops] {
        let e = cast(not_a_deputy, &[ids[0]]).await.unwrap_err();
        assert!(matches!(e, Error::Forbidden(_)), "{e:?}");
    }

    let after = cast(&d.deputy_user, &[ids[0], ids[1]]).await.unwrap();
    assert!(after.voted);
    assert_eq!(after.voters, 1);
    assert!(
        after.candidates.iter().all(|c| c.votes.is_none()),
        "votes stay uncounted while the round is open"
    );
    let e = cast(&d.deputy_user, &[ids[2]]).await.unwrap_err();
    assert!(matches!(e, Error::Conflict(_)), "a second ballot: {e:?}");

    close(&d.db, &d.ops, r.id, now).await.unwrap();
    let late = d.another_deputy("late", "lunan").await;
    let e = cast(&late, &[ids[2]]).await.unwrap_err();
    assert!(matches!(e, Error::Conflict(_)), "after closing: {e:?}");
}

#[test]
fn a_winner_needs_more_than_half_of_the_voters() {
    // 5 voters: 3 is more than half, 2 and 2.5 are not.
    let tally = [(1, 3), (2, 2), (3, 5), (4, 4)];
    assert_eq!(winners(&tally, 5, 2), vec![3, 4]);
    assert_eq!(winners(&tally, 5, 5), vec![3, 4, 1]);
    assert_eq!(winners(&[(1, 2), (2, 2)], 4, 2), Vec::<i64>::new());
    // Ties keep the earlier proposal first.
    assert_eq!(winners(&[(9, 4), (7, 4), (8, 4)], 5, 2), vec![7, 8]);
}

#[test]
fn winners_need_more_than_half_of_the_voters_and_ties_go_to_the_earlier() {
    // Exactly half is not enough.
    assert_eq!(winners(&[(1, 2), (2, 2), (3, 1)], 4, 2), Vec::<i64>::new());
    // Best first; at most `places`; a tie at the last place goes to the earlier id.
    assert_eq!(winners(&[(7, 3), (5, 4), (6, 3), (8, 0)], 5, 2), vec![5, 6]);
    assert_eq!(winners(&[(9, 5), (3, 5), (4, 5)], 5, 2), vec![3, 4]);
    // Fewer than `places` may win.
    assert_eq!(winners(&[(1, 3), (2, 2)], 5, 2), vec![1]);
}

#[tokio::test]
async fn closing_chooses_the_majority_winners_and_breaks_ties_by_earlier_proposal() {
    let d = District::new().await;
    let now = Utc::now();
    let [a, b, c, e] = [
        propose(&d, "口袋公园").await,
        propose(&d, "停车场").await,
        propose(&d, "菜场").await,
        propose(&d, "路灯").await,
    ];
    let r = round(&d, 2, &[a, b, c, e]).await.unwrap();
    let second = d.another_deputy("li-ming", "pengjie").await;
    let third = d.another_deputy("zhao-lei", "lunan").await;
    // a: 2 votes, b: 2, c: 2, e: 0 of 3 voters: a, b and c have a majority; two places, the
    // three-way tie goes to the earlier proposals a and b.
    for (who, picks) in [
        (&d.deputy_user, vec![c, a]),
        (&second, vec![b, c]),
        (&third, vec![a, b]),
    ] {
        ballot(&d.db, who, r.id, &BallotInput { candidates: picks }, now)
            .await
            .unwrap();
    }
    let e2 = close(&d.db, &d.deputy_user, r.id, now).await.unwrap_err();
    assert!(matches!(e2, Error::Forbidden(_)), "only ops close: {e2:?}");

    let closed = close(&d.db, &d.ops, r.id, now).await.unwrap();
    assert_eq!(closed.status, RoundStatus::Closed);
    assert_eq!(closed.voters, 3);
    let by_id: HashMap<i64, &CandidateOut> = closed.candidates.iter().map(|c| (c.id, c)).collect();
    assert_eq!(by_id[&a].status, CandidateStatus::Chosen);
    assert_eq!(by_id[&b].status, CandidateStatus::Chosen);
    assert_eq!(by_id[&c].status, CandidateStatus::NotChosen);
    assert_eq!(by_id[&e].status, CandidateStatus::NotChosen);
    assert_eq!(by_id[&a].votes, Some(2));
    assert_eq!(by_id[&e].votes, Some(0));
    let order: Vec<i64> = closed.candidates.iter().map(|c| c.id).collect();
    assert_eq!(
        order,
        [a, b, c, e],
        "most votes first, then order of proposal"
    );

    let year = closed.year;
    let public: Vec<i64> = chosen(&d.db, Some(year))
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(public, [a, b]);
    let again = close(&d.db, &d.ops, r.id, now).await.unwrap_err();
    assert!(matches!(again, Error::Conflict(_)), "{again:?}");
}
