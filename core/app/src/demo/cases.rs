//! Demo cases, walked through the real lifecycle (`cases::actions::perform`) at past times, so
//! the demo shows what the platform would have recorded: events, deadlines, late work, rework.

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::DatabaseConnection;

use liaison_domain::auth::{Actor, Role};
use liaison_domain::cases::actions::{Context, Performer, perform};
use liaison_domain::cases::commands::{
    AnswerBody, AssignBody, Command, ExtendBody, FeedbackBody, GrantExtensionBody, NoteBody,
    RateBody, ReasonBody, RegisterBody,
};
use liaison_domain::cases::intake::{self, NewCase};
use liaison_domain::cases::{Channel, Rating, Urgency, contact::Contact};
use liaison_domain::configuration::DeadlineRules;
use liaison_domain::{categories, deputies, orgs, stations, users};

const PLACES: [&str; 12] = [
    "石曲村",
    "新安街",
    "南官大道",
    "腾达路",
    "金清大道",
    "蓬北村",
    "桐屿山前",
    "峰江工业区",
    "横街老街",
    "螺洋菜场",
    "新桥小学门口",
    "商城路",
];

/// Per category: what residents write, with `{}` for a place.
fn templates(category: &str) -> &'static [&'static str] {
    match category {
        "urban_construction" => &[
            "{}一带路灯坏了半个多月，晚上出行很不方便，希望尽快修好。",
            "{}人行道破损严重，老人孩子经过容易摔倒，建议尽快修复。",
            "{}附近缺少停车位，车辆乱停占道，建议规划停车场。",
        ],
        "ecology" => &[
            "{}附近河道有异味，水面漂浮垃圾，希望加强治理。",
            "{}夜间有工厂排放刺鼻气体，影响周边居民休息。",
            "{}垃圾分类点满溢无人清运，夏天气味很大。",
        ],
        "culture_health" => &[
            "{}社区卫生服务站看病排队太久，建议增加医生。",
            "{}学校放学时段交通拥堵，建议设置护学岗。",
            "希望在{}增设老年人文化活动场所。",
        ],
        "rule_of_law" => &[
            "{}有商家长期占道经营，多次反映未解决。",
            "建议在{}开展法律咨询进村活动，群众有需求。",
        ],
        "economy" => &[
            "{}小微企业融资难，希望出台扶持政策。",
            "{}农贸市场摊位费上涨过快，商户负担重。",
        ],
        "agriculture" => &[
            "{}农田灌溉渠堵塞，影响春耕用水。",
            "{}村道狭窄，农用车会车困难，建议拓宽。",
        ],
        "social_security" => &[
            "{}独居老人较多，希望增加助餐服务点。",
            "{}有困难家庭医保报销手续复杂，希望简化。",
        ],
        _ => &[
            "{}公交班次太少，上下班等车时间长。",
            "{}快递驿站设置不合理，取件不方便。",
        ],
    }
}

fn lead_for(category: &str, station: &str, rng: &mut StdRng) -> String {
    let pick = |opts: &[&str], rng: &mut StdRng| opts[rng.random_range(0..opts.len())].to_owned();
    match category {
        "urban_construction" => pick(&["housing", "transport"], rng),
        "ecology" => pick(&["eco", "water"], rng),
        "culture_health" => pick(&["education", "health"], rng),
        "economy" => "market".into(),
        "agriculture" => "agri".into(),
        "social_security" => "civil".into(),
        _ => {
            let office = format!("office-{station}");
            if super::district::ORGANISATIONS
                .iter()
                .any(|(c, _, _, _)| *c == office)
            {
                office
            } else {
                "civil".into()
            }
        }
    }
}

/// How far along a case should get, if time allows.
fn target(rng: &mut StdRng) -> usize {
    // 0 submitted, 1 registered, 2 assigned, 3 in progress, 4 replied, 5 feedback, 6 rated.
    match rng.random_range(0..100) {
        0..5 => 0,
        5..10 => 1,
        10..20 => 2,
        20..40 => 3,
        40..50 => 4,
        50..58 => 5,
        _ => 6,
    }
}

fn actor(
    role: Role,
    user_id: i64,
    name: &str,
    station: Option<i64>,
    org: Option<i64>,
    deputy: Option<i64>,
) -> Performer {
    Performer::User(Actor {
        user_id,
        username: String::new(),
        display_name: name.to_owned(),
        role,
        station_id: station,
        organisation_id: org,
        deputy_id: deputy,
    })
}

pub async fn seed_cases(
    db: &DatabaseConnection,
    rules: &DeadlineRules,
    count: usize,
    now: DateTime<Utc>,
    seed: u64,
) -> anyhow::Result<usize> {
    let mut rng = StdRng::seed_from_u64(seed);
    let stations = stations::all(db).await?;
    let cats = categories::all(db).await?;
    let all_orgs = orgs::all(db).await?;
    let deps = deputies::all(db).await?;
    let ops = users::by_username(db, "ops")
        .await?
        .ok_or_else(|| anyhow::anyhow!("no ops user"))?;
    let mut made = 0;
    for i in 0..count {
        let station = &stations[1 + rng.random_range(0..stations.len() - 1)];
        let cat = &cats[rng.random_range(0..cats.len())];
        let tpl = templates(&cat.code);
        let place = PLACES[rng.random_range(0..PLACES.len())];
        let description = tpl[rng.random_range(0..tpl.len())].replace("{}", place);
        let station_deps: Vec<_> = deps.iter().filter(|d| d.station_id == station.id).collect();
        let deputy = station_deps[rng.random_range(0..station_deps.len())];
        let channel = match rng.random_range(0..10) {
            0..5 => Channel::StationQr,
            5..7 => Channel::DeputyQr,
            7..9 => Channel::Reception,
            _ => Channel::Web,
        };
        let days_ago = rng.random_range(0..150i64);
        let mut t = now - Duration::days(days_ago) - Duration::minutes(rng.random_range(0..600));
        let with_contact = rng.random_bool(0.7);
        let created = intake::insert(
            db,
            NewCase {
                station_id: station.id,
                deputy_id: matches!(channel, Channel::DeputyQr | Channel::Reception)
                    .then_some(deputy.id),
                category_id: cat.id,
                channel,
                title: intake::default_title(&description),
                description,
                urgency: if rng.random_bool(0.1) {
                    Urgency::Urgent
                } else {
                    Urgency::Normal
                },
                location: None,
                anonymous: !with_contact,
                contact: with_contact.then(|| Contact {
                    name: Some(format!(
                        "{}先生",
                        super::district::STATIONS[i % 11]
                            .1
                            .chars()
                            .next()
                            .unwrap_or('王')
                    )),
                    phone: Some(format!("138{:08}", rng.random_range(0..100_000_000u32))),
                }),
                intake_key: None,
                recorded_by: None,
                photos: Vec::new(),
                notify_consent: false,
            },
            t,
        )
        .await?
        .0;
        made += 1;
        let staff = actor(
            Role::StationStaff,
            ops.id,
            "联络站工作人员",
            Some(station.id),
            None,
            None,
        );
        let dep = actor(
            Role::Deputy,
            ops.id,
            &format!("{} 代表", deputy.name),
            Some(station.id),
            None,
            Some(deputy.id),
        );
        let goal = target(&mut rng);
        let step = |t: &mut DateTime<Utc>, rng: &mut StdRng, max_hours: i64| {
            *t += Duration::hours(rng.random_range(1..max_hours.max(2)));
            *t <= now
        };
        macro_rules! act {
            ($who:expr, $command:expr) => {{
                let ctx = Context { rules, now: t };
                perform(db, &ctx, $who, created.id, $command).await?
            }};
        }
        if goal == 0 || !step(&mut t, &mut rng, 30) {
            continue;
        }
        if rng.random_bool(0.05) {
            act!(
                &staff,
                Command::Reject(ReasonBody {
                    reason: "该事项不属于人大代表联络站受理范围，已告知通过12345热线反映。".into()
                })
            );
            continue;
        }
        act!(
            &staff,
            Command::Register(RegisterBody {
                note: Some("已登记".into()),
                ..Default::default()
            })
        );
        if rng.random_bool(0.12) {
            if goal >= 4 && step(&mut t, &mut rng, 72) {
                act!(
                    &dep,
                    Command::Resolve(AnswerBody {
                        answer: "经代表现场协调，问题已在站内解决。".into()
                    })
                );
            } else {
                continue;
            }
        } else {
            if goal < 2 || !step(&mut t, &mut rng, 48) {
                continue;
            }
            let lead_code = lead_for(&cat.code, &station.code, &mut rng);
            let lead = all_orgs
                .iter()
                .find(|o| o.code == lead_code)
                .ok_or_else(|| anyhow::anyhow!("no org {lead_code}"))?;
            let co: Vec<String> = if rng.random_bool(0.2) {
                vec![format!("office-{}", "lunan")]
            } else {
                vec![]
            };
            let co: Vec<String> = co.into_iter().filter(|c| c != &lead.code).collect();
            act!(
                &staff,
                Command::Assign(AssignBody {
                    lead: lead.code.clone(),
                    co_handlers: co,
                    ..Default::default()
                })
            );
            let handler = actor(
                Role::Handler,
                ops.id,
                &format!("{} 办理员", lead.name),
                None,
                Some(lead.id),
                None,
            );
            // Some organisations are slow to sign for; the deadline is one working day.
            let sign_wait = if rng.random_bool(0.2) { 100 } else { 20 };
            if goal < 3 || !step(&mut t, &mut rng, sign_wait) {
                continue;
            }
            act!(&handler, Command::Acknowledge(NoteBody::default()));
            if rng.random_bool(0.1) && step(&mut t, &mut rng, 48) {
                act!(
                    &handler,
                    Command::Extend(ExtendBody {
                        reason: "需协调多个部门现场踏勘".into(),
                        days: 10
                    })
                );
                if step(&mut t, &mut rng, 24) {
                    act!(
                        &staff,
                        Command::GrantExtension(GrantExtensionBody {
                            approve: true,
                            ..Default::default()
                        })
                    );
                }
            }
            // Replies take days to weeks; some run past the fifteen working days.
            let reply_wait = 24 * rng.random_range(2..28);
            if goal < 4 || !step(&mut t, &mut rng, reply_wait) {
                if rng.random_bool(0.3) {
                    act!(
                        &staff,
                        Command::Remind(NoteBody {
                            note: Some("请抓紧办理".into()),
                            ..Default::default()
                        })
                    );
                }
                continue;
            }
            act!(
                &handler,
                Command::Reply(AnswerBody {
                    answer: format!("经现场核查，{}已安排整改，预计两周内完成。", place)
                })
            );
        }
        if goal < 5 || !step(&mut t, &mut rng, 60) {
            continue;
        }
        act!(
            &dep,
            Command::Feedback(FeedbackBody {
                note: "已电话告知群众办理结果。".into()
            })
        );
        if goal < 6 || !step(&mut t, &mut rng, 100) {
            continue;
        }
        let resident = Performer::Resident {
            receipt_code: created.receipt_code.clone(),
        };
        let rating = match rng.random_range(0..10) {
            0..6 => Rating::Satisfied,
            6..9 => Rating::BasicallySatisfied,
            _ => Rating::Unsatisfied,
        };
        act!(
            &resident,
            Command::Rate(RateBody {
                rating,
                comment: None,
                receipt_code: Some(created.receipt_code.clone())
            })
        );
    }
    Ok(made)
}
