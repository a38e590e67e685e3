//! The legislative contact point on the shared fixture.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::*;
use crate::testing::District;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T02:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn input() -> DraftInput {
    DraftInput {
        title: "浙江省电动自行车管理条例（草案）".into(),
        level: Level::Provincial,
        asked_by: "浙江省人大常委会法工委".into(),
        closes_on: NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
        articles: vec![
            ArticleInput {
                number: 1,
                text: "为了加强电动自行车管理，制定本条例。".into(),
            },
            ArticleInput {
                number: 2,
                text: "电动自行车应当依法登记上牌。".into(),
            },
        ],
    }
}

fn resident(article: Option<i32>) -> CommentInput {
    CommentInput {
        station: "lunan".into(),
        article,
        body: "建议明确充电场所的安全要求。".into(),
        name: Some("李四".into()),
        phone: Some("13812345678".into()),
    }
}

#[tokio::test]
async fn drafts_take_comments_until_they_close_and_report_without_contact() {
    let d = District::new().await;
    let draft = publish(&d.db, &d.ops, &input(), now()).await.unwrap();
    assert_eq!(draft.articles.len(), 2);
    assert!(draft.open);
    // Only ops publish; articles are checked.
    assert!(matches!(
        publish(&d.db, &d.lunan_staff, &input(), now()).await,
        Err(Error::Forbidden(_))
    ));
    let mut twin = input();
    twin.articles[1].number = 1;
    let e = publish(&d.db, &d.ops, &twin, now()).await.unwrap_err();
    assert!(
        matches!(&e, Error::Invalid { field, kind: FieldKind::Conflict } if field == "articles[1].number")
    );

    let c1 = comment(&d.db, None, draft.id, &resident(Some(2)), now())
        .await
        .unwrap();
    comment(&d.db, None, draft.id, &resident(None), now())
        .await
        .unwrap();
    let e = comment(&d.db, None, draft.id, &resident(Some(9)), now())
        .await
        .unwrap_err();
    assert!(matches!(&e, Error::Invalid { field, .. } if field == "article"));
    // A deputy comments at their own station only.
    comment(
        &d.db,
        Some(&d.deputy_user),
        draft.id,
        &resident(Some(1)),
        now(),
    )
    .await
    .unwrap();
    let mut elsewhere = resident(Some(1));
    elsewhere.station = "pengjie".into();
    assert!(matches!(
        comment(&d.db, Some(&d.deputy_user), draft.id, &elsewhere, now()).await,
        Err(Error::Forbidden(_))
    ));
    // A forum with its comments, recorded by the station's staff.
    record_forum(
        &d.db,
        &d.lunan_staff,
        draft.id,
        &ForumInput {
            station: "lunan".into(),
            day: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            place: "路南联络站会议室".into(),
            people: "居民代表12人".into(),
            comments: vec![ForumComment {
                article: Some(2),
                body: "上牌点应当下沉到街道。".into(),
            }],
        },
        now(),
    )
    .await
    .unwrap();
    decide(
        &d.db,
        &d.lunan_staff,
        Some(draft.id),
        c1,
        &DecisionInput {
            decision: Decision::Adopted,
        },
        now(),
    )
    .await
    .unwrap();
    assert!(matches!(
        decide(
            &d.db,
            &d.pengjie_staff,
            None,
            c1,
            &DecisionInput {
                decision: Decision::NotAdopted
            },
            now()
        )
        .await,
        Err(Error::Forbidden(_))
    ));
    // Through another draft's address the comment is not found, and nothing is marked.
    assert!(matches!(
        decide(
            &d.db,
            &d.ops,
            Some(draft.id + 1),
            c1,
            &DecisionInput {
                decision: Decision::NotAdopted
            },
            now()
        )
        .await,
        Err(Error::NotFound(_))
    ));
    let list = comments_of(&d.db, &d.ops, draft.id).await.unwrap();
    assert_eq!(list.len(), 4);
    assert_eq!(list[0].article, None, "the whole draft first");
    let table = report_table(&list);
    assert_eq!(table.headers[0], "条款");
    let flat = format!("{:?}", table.rows);
    assert!(!flat.contains("13812345678") && !flat.contains("李四"));
    assert!(flat.contains("座谈会") && flat.contains("采纳"));
    assert!(
        comments_of(&d.db, &d.pengjie_staff, draft.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        comments_of(&d.db, &d.housing_handler, draft.id)
            .await
            .is_err()
    );
    let c = counts(&d.db, Some(d.lunan.id)).await.unwrap();
    assert_eq!((c.drafts, c.comments, c.adopted), (1, 4, 1));

    // After the closing date: a clear refusal.
    let later = now() + Duration::days(40);
    let e = comment(&d.db, None, draft.id, &resident(Some(1)), later)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Conflict(m) if m.contains("closed on 2026-03-31")),
        "{e:?}"
    );
    assert!(!detail(&d.db, draft.id, later).await.unwrap().open);
}
