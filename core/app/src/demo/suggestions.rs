//! The demo's deputies' suggestions and motions: a session of the district congress and a dozen
//! items walked through the real steps at past times, so that every state and every reply class
//! is there to look at: two raised from residents' cases at 路南 (their residents see it on the
//! tracking page), and the session's No. 1 motion, key-supervised by the district head.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sea_orm::DatabaseConnection;

use liaison_domain::auth::{Actor, Role};
use liaison_domain::cases::deadlines::local_today;
use liaison_domain::configuration::SuggestionRules;
use liaison_domain::suggestions::actions::{self, Context};
use liaison_domain::suggestions::commands::*;
use liaison_domain::suggestions::filing::{self, NewSuggestion};
use liaison_domain::suggestions::sessions::{self, SessionInput};
use liaison_domain::suggestions::{ConsultWay, Evaluation, Kind, ReplyClass};
use liaison_domain::{deputies, orgs};

/// What the handler of an organisation without a demo account acts as: a stand-in, so the
/// history names the organisation's office rather than a made-up person.
fn handler(org: &orgs::Organisation) -> Actor {
    Actor {
        user_id: 0,
        username: format!("{}-office", org.code),
        display_name: format!("{} 经办人", org.name),
        role: Role::Handler,
        station_id: None,
        organisation_id: Some(org.id),
        deputy_id: None,
    }
}

fn deputy_actor(d: &deputies::Deputy) -> Actor {
    Actor {
        user_id: 0,
        username: d.code.clone(),
        display_name: d.name.clone(),
        role: Role::Deputy,
        station_id: Some(d.station_id),
        organisation_id: None,
        deputy_id: Some(d.id),
    }
}

async fn user(db: &DatabaseConnection, name: &str) -> anyhow::Result<Actor> {
    let u = liaison_domain::users::by_username(db, name)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no demo user {name}"))?;
    liaison_domain::auth::actor_of(&u).ok_or_else(|| anyhow::anyhow!("{name} cannot act"))
}

/// One planned item: who files it, what it says, and how far it goes.
struct Plan {
    kind: Kind,
    title: &'static str,
    body: &'static str,
    /// How far it goes: see `walk`.
    path: &'static str,
    lead: &'static str,
    class: Option<ReplyClass>,
}

const PLANS: [Plan; 12] = [
    Plan {
        kind: Kind::Suggestion,
        title: "关于加快老旧小区路灯修复的建议",
        body: "石曲村、洋屿村多处路灯损坏已超过一个月，群众夜间出行不便，建议住建部门尽快修复并建立定期巡查机制。",
        path: "filed",
        lead: "housing",
        class: None,
    },
    Plan {
        kind: Kind::Suggestion,
        title: "关于增设学校周边减速带的建议",
        body: "路南中学周边上下学时段车流量大，建议增设减速带和警示标志，保障学生安全。",
        path: "returned",
        lead: "transport",
        class: None,
    },
    Plan {
        kind: Kind::Suggestion,
        title: "关于某小区物业费纠纷的意见",
        body: "反映某小区物业公司收费不透明的问题，希望有关部门协调解决物业纠纷。",
        path: "letter",
        lead: "housing",
        class: None,
    },
    Plan {
        kind: Kind::Suggestion,
        title: "关于完善农村生活垃圾分类的建议",
        body: "部分村居垃圾分类设施不足、清运不及时，建议增加分类桶并落实清运频次。",
        path: "registered",
        lead: "eco",
        class: None,
    },
    Plan {
        kind: Kind::Motion,
        title: "关于推进十里长街历史街区保护与更新的议案",
        body: "十里长街是路桥的历史文化名片，建议制定保护与更新规划，统筹修缮、业态提升和居民安置，并列入年度重点工作。",
        path: "assigned_key",
        lead: "housing",
        class: None,
    },
    Plan {
        kind: Kind::Suggestion,
        title: "关于加强河道保洁的建议",
        body: "南官河部分河段漂浮物较多，建议加强日常保洁，落实河长巡河制度。",
        path: "consulted",
        lead: "housing",
        class: None,
    },
    Plan {
        kind: Kind::Suggestion,
        title: "关于解决小区停车难的建议",
        body: "石曲小区车位严重不足，夜间乱停乱放现象突出，建议挖潜增设停车位并规范管理。",
        path: "replied",
        lead: "housing",
        class: Some(ReplyClass::A),
    },
    Plan {
        kind: Kind::Suggestion,
        title: "关于增加公交班次的建议",
        body: "金清至区中心公交班次间隔过长，早晚高峰拥挤，建议加密班次。",
        path: "rehandling",
        lead: "transport",
        class: Some(ReplyClass::C),
    },
    Plan {
        kind: Kind::Suggestion,
        title: "关于建设社区养老服务中心的建议",
        body: "辖区老年人口比例高，建议在路南街道建设社区养老服务中心，提供助餐、日间照料服务。",
        path: "following_up",
        lead: "civil",
        class: Some(ReplyClass::B),
    },
    Plan {
        kind: Kind::Suggestion,
        title: "关于整治农贸市场周边交通秩序的建议",
        body: "农贸市场周边占道经营、乱停车现象严重，建议联合整治。",
        path: "closed_satisfied",
        lead: "housing",
        class: Some(ReplyClass::A),
    },
    Plan {
        kind: Kind::Suggestion,
        title: "关于新建区级体育馆的建议",
        body: "建议在城区新建一座综合性体育馆，满足群众健身需求。",
        path: "closed_basic",
        lead: "education",
        class: Some(ReplyClass::C),
    },
    Plan {
        kind: Kind::Suggestion,
        title: "关于改造雨污管网的建议",
        body: "洋屿片区雨污合流，汛期内涝严重，建议实施雨污分流改造。",
        path: "closed_solved",
        lead: "housing",
        class: Some(ReplyClass::B),
    },
];

/// Loads the session and the dozen items; how many were filed.
pub async fn seed(db: &DatabaseConnection, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let rules = SuggestionRules::default();
    let ops = user(db, "ops").await?;
    let deputy = user(db, "deputy").await?;
    let today = local_today(now);
    let session = sessions::create(
        db,
        &ops,
        &SessionInput {
            level: "district".into(),
            term: 18,
            meeting: 3,
            name: "路桥区第十八届人民代表大会第三次会议".into(),
            opens_on: NaiveDate::from_ymd_opt(today.year(), 1, 10).unwrap_or(today),
        },
        now - Duration::days(150),
    )
    .await?;
    // Ten deputies of different stations for the motion: the demo deputy and nine co-signers.
    let all_deputies = deputies::all(db).await?;
    let cosigners: Vec<String> = all_deputies
        .iter()
        .filter(|d| Some(d.id) != deputy.deputy_id)
        .take(9)
        .map(|d| d.code.clone())
        .collect();
    // Two residents' opinions at the deputy's station become suggestions.
    let station_cases = liaison_domain::cases::first_visible(db, &deputy, 2).await?;
    let other = all_deputies
        .iter()
        .find(|d| d.code == "jinqing-d01")
        .map(deputy_actor)
        .unwrap_or_else(|| deputy.clone());

    let mut made = 0;
    for (i, p) in PLANS.iter().enumerate() {
        // Items start 130 days back, one day apart, so the register reads in order.
        let start = now - Duration::days(130 - i as i64);
        let at = |days: i64| start + Duration::days(days);
        let filer = if p.path == "rehandling" {
            &other
        } else {
            &deputy
        };
        let cases = match p.path {
            "filed" => station_cases.first().copied().into_iter().collect(),
            "replied" => station_cases.get(1).copied().into_iter().collect(),
            _ => Vec::new(),
        };
        let s = filing::file(
            db,
            filer,
            &NewSuggestion {
                kind: p.kind,
                session: session.id,
                during_session: i % 3 == 0,
                title: p.title.into(),
                body: p.body.into(),
                cosigners: if p.kind == Kind::Motion {
                    cosigners.clone()
                } else {
                    Vec::new()
                },
                delegation: None,
                cases,
            },
            start,
        )
        .await?;
        made += 1;
        let lead = orgs::by_code(db, p.lead)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no organisation {}", p.lead))?;
        let lead_actor = if p.lead == "housing" {
            user(db, "handler").await?
        } else {
            handler(&lead)
        };
        let sid = s.id;
        let step = |who: Actor, days: i64, c: Command| {
            let rules = &rules;
            async move {
                let ctx = Context {
                    rules,
                    now: at(days),
                };
                actions::perform(db, &ctx, &who, sid, c).await
            }
        };
        match p.path {
            "filed" => continue,
            "returned" => {
                step(
                    ops.clone(),
                    3,
                    Command::Return(ReasonBody {
                        reason: "请补充具体路段和现状照片。".into(),
                    }),
                )
                .await?;
                continue;
            }
            "letter" => {
                step(
                    ops.clone(),
                    3,
                    Command::ToLetter(ReasonBody {
                        reason: "属于个案矛盾纠纷，转作来信处理。".into(),
                    }),
                )
                .await?;
                continue;
            }
            _ => {}
        }
        step(ops.clone(), 3, Command::Register(NoteBody::default())).await?;
        if p.path == "registered" {
            continue;
        }
        let key = p.path == "assigned_key";
        step(
            ops.clone(),
            5,
            Command::Assign(AssignBody {
                lead: p.lead.into(),
                co_organisations: if key {
                    vec!["office-lunan".into(), "market".into()]
                } else {
                    Vec::new()
                },
                reply_months: None,
                key_supervision: key,
                supervising_leader: key.then(|| "区长 陈立新".into()),
                note: None,
            }),
        )
        .await?;
        if key {
            step(
                handler(
                    &orgs::by_code(db, "office-lunan")
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("no office-lunan"))?,
                ),
                20,
                Command::CoOpinion(CoOpinionBody {
                    opinion: "同意主办单位方案，街道负责居民协调和安置摸底。".into(),
                }),
            )
            .await?;
            continue;
        }
        let way = if i % 2 == 0 {
            ConsultWay::InPerson
        } else {
            ConsultWay::Phone
        };
        step(
            lead_actor.clone(),
            30,
            Command::Consult(ConsultBody {
                day: local_today(at(30)),
                way,
                people: format!("{}、{}", filer.display_name, lead.name),
                note: Some("听取代表意见，商定办理方案。".into()),
            }),
        )
        .await?;
        if p.path == "consulted" {
            continue;
        }
        let class = p.class.unwrap_or(ReplyClass::A);
        let reply = |class: ReplyClass, text: &str| {
            Command::Reply(ReplyBody {
                class,
                text: text.into(),
                reason: (class == ReplyClass::C)
                    .then(|| "受财力和用地条件限制，近期难以实施。".into()),
                planned_on: (class == ReplyClass::B)
                    .then(|| local_today(now + Duration::days(120))),
            })
        };
        step(lead_actor.clone(), 60, reply(class, "经认真研究，已制定办理方案并组织实施，具体情况如下：已完成现场勘察，落实了责任单位和完成时限。")).await?;
        match p.path {
            "replied" => {}
            "rehandling" => {
                step(
                    filer.clone(),
                    70,
                    Command::Evaluate(EvaluateBody {
                        evaluation: Evaluation::Unsatisfied,
                        comment: Some("答复未回应群众的主要诉求。".into()),
                    }),
                )
                .await?;
            }
            "following_up" => {
                step(
                    filer.clone(),
                    70,
                    Command::Evaluate(EvaluateBody {
                        evaluation: Evaluation::Satisfied,
                        comment: None,
                    }),
                )
                .await?;
            }
            "closed_satisfied" => {
                step(
                    filer.clone(),
                    70,
                    Command::Evaluate(EvaluateBody {
                        evaluation: Evaluation::Satisfied,
                        comment: None,
                    }),
                )
                .await?;
            }
            "closed_basic" => {
                step(
                    filer.clone(),
                    70,
                    Command::Evaluate(EvaluateBody {
                        evaluation: Evaluation::BasicallySatisfied,
                        comment: None,
                    }),
                )
                .await?;
            }
            "closed_solved" => {
                // Followed up, then confirmed solved ahead of its planned date.
                step(
                    filer.clone(),
                    70,
                    Command::Evaluate(EvaluateBody {
                        evaluation: Evaluation::BasicallySatisfied,
                        comment: None,
                    }),
                )
                .await?;
                step(
                    ops.clone(),
                    120,
                    Command::Confirm(ConfirmBody {
                        solved: true,
                        note: Some("现场核实已完工。".into()),
                    }),
                )
                .await?;
            }
            _ => {}
        }
    }
    Ok(made)
}
