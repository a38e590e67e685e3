//! The demo's oversight: the year's points rules, station visits (departments, a leader,
//! inspection rounds) with deputies attending, an appraisal year with weights, appraisers'
//! scores and poll votes (published, so residents see the ranking), livelihood project
//! candidates put to a deputies' vote with milestones on the chosen ones, and the points
//! ledger rebuilt from everything recorded.

use chrono::{DateTime, Datelike, Duration, Utc};
use rand::Rng;
use sea_orm::DatabaseConnection;

use liaison_domain::auth::{Actor, PasswordPolicy, Role, User};
use liaison_domain::cases::deadlines::local_today;
use liaison_domain::oversight::appraisal::{self, ScoreInput, SettingsInput, VoteInput, Weights};
use liaison_domain::oversight::points::{self, Rule, RuleSetting};
use liaison_domain::oversight::projects::{
    self, BallotInput, MilestoneInput, ProposalInput, RoundInput,
};
use liaison_domain::oversight::scoring::{DEFAULT_WEIGHTS, Item, Vote};
use liaison_domain::oversight::visits::{self, VisitInput, VisitKind};
use liaison_domain::users::{self, NewUser};
use liaison_domain::{deputies, orgs};

/// (station, day, kind, organisation, leader, topics, opinions collected, deputies).
type PlannedVisit = (
    &'static str,
    &'static str,
    VisitKind,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
    i32,
    &'static [&'static str],
);

/// What the demo wrote, for the report.
pub struct Seeded {
    pub visits: usize,
    pub projects: usize,
    pub point_entries: usize,
}

fn actor(u: &User) -> anyhow::Result<Actor> {
    liaison_domain::auth::actor_of(u)
        .ok_or_else(|| anyhow::anyhow!("user {} cannot act", u.username))
}

pub async fn seed(
    db: &DatabaseConnection,
    passwords: &PasswordPolicy,
    now: DateTime<Utc>,
) -> anyhow::Result<Seeded> {
    let year = local_today(now).year();
    let today = local_today(now);
    let ops_user = users::by_username(db, "ops")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no ops user"))?;
    let ops = actor(&ops_user)?;

    let rules: Vec<RuleSetting> = Rule::ALL
        .iter()
        .map(|r| {
            let (points, cap) = r.default_rule();
            RuleSetting {
                rule: *r,
                points,
                cap,
            }
        })
        .collect();
    points::set_rules(db, year, &rules, now).await?;

    // Visits: departments to the stations, a leader, two inspection rounds.
    let plan: [PlannedVisit; 10] = [
        (
            "lunan",
            "2026-03-12",
            VisitKind::Department,
            Some("housing"),
            None,
            "老旧小区加装电梯政策解读",
            12,
            &["lunan-d01", "lunan-d02"],
        ),
        (
            "lunan",
            "2026-05-20",
            VisitKind::Department,
            Some("transport"),
            None,
            "公交线路优化征求意见",
            8,
            &["lunan-d03"],
        ),
        (
            "luqiao",
            "2026-04-08",
            VisitKind::Department,
            Some("eco"),
            None,
            "河道水质治理通报",
            6,
            &["luqiao-d01", "luqiao-d02"],
        ),
        (
            "lubei",
            "2026-06-16",
            VisitKind::Department,
            Some("housing"),
            None,
            "物业管理矛盾调解",
            9,
            &["lubei-d01"],
        ),
        (
            "jinqing",
            "2026-07-02",
            VisitKind::Department,
            Some("agri"),
            None,
            "农田水利设施建设",
            15,
            &["jinqing-d01", "jinqing-d02", "jinqing-d03"],
        ),
        (
            "pengjie",
            "2026-08-18",
            VisitKind::Department,
            Some("health"),
            None,
            "基层医疗服务提升",
            10,
            &["pengjie-d01"],
        ),
        (
            "luoyang",
            "2026-09-09",
            VisitKind::Department,
            Some("education"),
            None,
            "学校周边交通安全",
            7,
            &["luoyang-d02"],
        ),
        (
            "luqiao-head",
            "2026-06-03",
            VisitKind::Leader,
            None,
            Some("区人大常委会主任"),
            "联络站建设调研",
            5,
            &["luqiao-head-d01"],
        ),
        (
            "jinqing",
            "2026-10-21",
            VisitKind::Inspection,
            None,
            None,
            "一站五室群防共治督查",
            4,
            &["jinqing-d01", "jinqing-d04"],
        ),
        (
            "lunan",
            "2026-11-04",
            VisitKind::Inspection,
            None,
            None,
            "汽车服务团走访企业",
            3,
            &["lunan-d01", "lunan-d04"],
        ),
    ];
    let mut made_visits = 0;
    for (station, day, kind, org, leader, topics, count, deps) in plan {
        let mut day: chrono::NaiveDate = day.parse()?;
        // Keep every visit in the demo's year and not in the future.
        day = day.with_year(year).unwrap_or(day).min(today);
        let input = VisitInput {
            station: station.into(),
            day,
            kind,
            organisation: org.map(str::to_owned),
            leader_name: leader.map(str::to_owned),
            topics: topics.into(),
            opinions_count: count,
            opinions: Some("现场收集群众意见，已登记转办。".into()),
            deputies: deps.iter().map(|d| (*d).to_owned()).collect(),
        };
        visits::save(db, &ops, None, &input, now).await?;
        made_visits += 1;
    }

    // Appraisal: default weights, a minimum sample of 5, six appraisers (deputies recorded as
    // accounts that cannot sign in) scoring and voting.
    appraisal::set_settings(
        db,
        &ops,
        year,
        &SettingsInput {
            weights: Weights::from_array(DEFAULT_WEIGHTS),
            min_sample: 5,
            visit_target: 4,
        },
        now,
    )
    .await?;
    let appraisers = deputies::all(db)
        .await?
        .into_iter()
        .step_by(7)
        .take(6)
        .collect::<Vec<_>>();
    let mut appraiser_actors = Vec::new();
    for (i, d) in appraisers.iter().enumerate() {
        // A long random password nobody is told: nobody signs in as a demo appraiser.
        let password: String = rand::rng()
            .sample_iter(rand::distr::Alphanumeric)
            .take(32)
            .map(char::from)
            .collect();
        let u = users::create(
            db,
            passwords,
            &NewUser {
                username: format!("appraiser{:02}", i + 1),
                password,
                display_name: format!("{} 代表", d.name),
                role: Role::Deputy,
                station: None,
                organisation: None,
                deputy: Some(d.code.clone()),
            },
        )
        .await?;
        appraiser_actors.push(actor(&u)?);
    }
    let organisations = orgs::all(db).await?;
    for (oi, o) in organisations.iter().enumerate() {
        for (ai, a) in appraiser_actors.iter().enumerate() {
            // 议案建议办理 is computed from the suggestions module, so it takes no scores; the
            // others keep the spread they always had (the index is the item's old place).
            for (ii, item) in [
                (0, Item::GovReport),
                (1, Item::Decisions),
                (3, Item::Lawful),
            ] {
                // A spread from 62 to 98 that differs by organisation, appraiser and item.
                let score = 62 + ((oi * 7 + ai * 5 + ii * 3) % 37) as i32;
                appraisal::score(
                    db,
                    a,
                    year,
                    &ScoreInput {
                        organisation: o.code.clone(),
                        item,
                        score,
                    },
                    now,
                )
                .await?;
            }
            let vote = match (oi + ai) % 5 {
                0..=2 => Vote::Satisfied,
                3 => Vote::BasicallySatisfied,
                _ => Vote::Unsatisfied,
            };
            appraisal::vote(
                db,
                a,
                year,
                &VoteInput {
                    organisation: o.code.clone(),
                    vote,
                },
                now,
            )
            .await?;
        }
    }
    appraisal::set_published(db, &ops, year, true, now).await?;
    for (code, body) in [
        ("housing", "加装电梯审批手续能否再简化一些。"),
        ("transport", "希望增加晚高峰公交班次。"),
    ] {
        appraisal::add_opinion(
            db,
            code,
            &appraisal::OpinionInput {
                body: body.into(),
                name: None,
                phone: None,
            },
            now,
        )
        .await?;
    }

    // Livelihood projects: five candidates, three places, six deputies vote.
    let proposals = [
        (
            "老旧小区加装电梯",
            "为三层以上老旧住宅统一加装电梯，方便老人出行。",
            "lunan",
        ),
        (
            "农贸市场提升改造",
            "改造排水和摊位，解决雨天积水和脏乱问题。",
            "lubei",
        ),
        (
            "社区老年食堂",
            "在各街道建设老年食堂，提供助餐服务。",
            "luqiao",
        ),
        (
            "中小学周边交通整治",
            "增设护学岗和减速设施，保障上下学安全。",
            "luoyang",
        ),
        (
            "农村生活污水治理",
            "完善农村污水管网，提升处理设施。",
            "jinqing",
        ),
    ];
    let mut ids = Vec::new();
    for (title, description, station) in proposals {
        let c = projects::propose_candidate(
            db,
            None,
            &ProposalInput {
                title: title.into(),
                description: description.into(),
                station: Some(station.into()),
                name: None,
                phone: None,
            },
            now,
        )
        .await?;
        ids.push(c.id);
    }
    let round = projects::open(
        db,
        &ops,
        &RoundInput {
            title: format!("{year}年度民生实事项目票决"),
            places: 3,
            candidates: ids.clone(),
        },
        now,
    )
    .await?;
    // Ballots: elevator 6, canteen 5, school 4, market 2, sewage 1 of 6 voters → three chosen.
    let ballots: [[usize; 3]; 6] = [
        [0, 2, 3],
        [0, 2, 3],
        [0, 2, 3],
        [0, 2, 1],
        [0, 2, 4],
        [0, 3, 1],
    ];
    for (a, picks) in appraiser_actors.iter().zip(ballots) {
        projects::ballot(
            db,
            a,
            round.id,
            &BallotInput {
                candidates: picks.iter().map(|i| ids[*i]).collect(),
            },
            now,
        )
        .await?;
    }
    projects::close(db, &ops, round.id, now).await?;
    let chosen = projects::chosen(db, Some(year)).await?;
    for (i, p) in chosen.iter().enumerate() {
        for (k, title) in ["完成方案设计", "启动建设", "完工验收"].iter().enumerate()
        {
            projects::milestone(
                db,
                &ops,
                p.id,
                &MilestoneInput {
                    title: (*title).into(),
                    due: Some(today + Duration::days(30 * (k as i64 + 1))),
                },
            )
            .await?;
        }
        let with = projects::chosen(db, Some(year)).await?;
        if let Some(first) = with
            .iter()
            .find(|x| x.id == p.id)
            .and_then(|x| x.milestones.first())
        {
            projects::mark(db, &ops, p.id, first.id, true, now).await?;
        }
        projects::progress(db, &ops, p.id, [45, 30, 15][i % 3]).await?;
    }
    let point_entries = points::rebuild_year(db, year, now).await?;
    Ok(Seeded {
        visits: made_visits,
        projects: chosen.len(),
        point_entries,
    })
}
