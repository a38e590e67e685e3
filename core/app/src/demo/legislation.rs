//! The demo's legislative contact point: two drafts put to residents at the stations, one still
//! open with its first comments, one closed with its forum, every comment decided and its
//! feedback report ready.

use chrono::{DateTime, Duration, Utc};
use sea_orm::DatabaseConnection;

use liaison_domain::cases::deadlines::local_today;
use liaison_domain::legislation::{
    self, ArticleInput, CommentInput, Decision, DecisionInput, DraftInput, ForumComment,
    ForumInput, Level,
};

fn articles(texts: &[&str]) -> Vec<ArticleInput> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| ArticleInput {
            number: i as i32 + 1,
            text: (*t).to_owned(),
        })
        .collect()
}

/// Loads the two drafts; how many comments were collected.
pub async fn seed(db: &DatabaseConnection, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let u = |name: &'static str| async move {
        let u = liaison_domain::users::by_username(db, name)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no demo user {name}"))?;
        liaison_domain::auth::actor_of(&u).ok_or_else(|| anyhow::anyhow!("{name} cannot act"))
    };
    let ops = u("ops").await?;
    let staff = u("staff").await?;
    let mut made = 0;

    // Closed: published two months ago, a forum at 路南, every comment decided.
    let then = now - Duration::days(60);
    let closed = legislation::publish(
        db,
        &ops,
        &DraftInput {
            title: "浙江省电动自行车管理条例（草案）".into(),
            level: Level::Provincial,
            asked_by: "浙江省人大常委会法制工作委员会".into(),
            closes_on: local_today(then + Duration::days(30)),
            articles: articles(&[
                "为了加强电动自行车管理，保障道路交通安全，制定本条例。",
                "电动自行车应当依法登记，取得号牌后方可上道路行驶。",
                "禁止在建筑物的楼道、安全出口停放电动自行车或者为其充电。",
            ]),
        },
        then,
    )
    .await?;
    for (station, article, body) in [
        (
            "lunan",
            Some(3),
            "建议小区统一建设集中充电棚，再禁止楼道充电。",
        ),
        ("lunan", Some(2), "上牌点应当下沉到街道，方便老年人办理。"),
        ("pengjie", None, "条例很有必要，建议加强宣传。"),
    ] {
        legislation::comment(
            db,
            None,
            closed.id,
            &CommentInput {
                station: station.into(),
                article,
                body: body.into(),
                name: None,
                phone: None,
            },
            then + Duration::days(5),
        )
        .await?;
        made += 1;
    }
    legislation::record_forum(
        db,
        &staff,
        closed.id,
        &ForumInput {
            station: "lunan".into(),
            day: local_today(then + Duration::days(10)),
            place: "路南街道人大代表联络站会议室".into(),
            people: "代表、居民和快递从业人员共十五人".into(),
            comments: vec![
                ForumComment {
                    article: Some(3),
                    body: "禁止楼道充电应当给出过渡期。".into(),
                },
                ForumComment {
                    article: Some(1),
                    body: "立法目的应当写明保护群众生命财产安全。".into(),
                },
            ],
        },
        then + Duration::days(10),
    )
    .await?;
    made += 2;
    for (i, c) in legislation::comments_of(db, &ops, closed.id)
        .await?
        .iter()
        .enumerate()
    {
        let decision = match i % 3 {
            0 => Decision::Adopted,
            1 => Decision::PartlyAdopted,
            _ => Decision::NotAdopted,
        };
        legislation::decide(
            db,
            &ops,
            None,
            c.id,
            &DecisionInput { decision },
            then + Duration::days(35),
        )
        .await?;
    }

    // Open: published last week, the first comments in.
    let open = legislation::publish(
        db,
        &ops,
        &DraftInput {
            title: "台州市城市绿化条例（修订草案）".into(),
            level: Level::City,
            asked_by: "台州市人大常委会法制工作委员会".into(),
            closes_on: local_today(now + Duration::days(21)),
            articles: articles(&[
                "本条例适用于本市城市规划区内的绿化规划、建设、保护和管理。",
                "新建居住区绿地率不得低于百分之三十。",
                "任何单位和个人不得擅自砍伐、迁移城市树木。",
            ]),
        },
        now - Duration::days(7),
    )
    .await?;
    for (station, article, body) in [
        ("luqiao", Some(2), "老旧小区改造也应当明确绿地率要求。"),
        ("jinqing", Some(3), "建议明确古树名木的保护责任人。"),
    ] {
        legislation::comment(
            db,
            None,
            open.id,
            &CommentInput {
                station: station.into(),
                article,
                body: body.into(),
                name: None,
                phone: None,
            },
            now - Duration::days(2),
        )
        .await?;
        made += 1;
    }
    Ok(made)
}
