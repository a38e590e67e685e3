//! Who and what the demo district holds.

use chrono::NaiveDate;
use sea_orm::{DatabaseConnection, TransactionTrait};

use liaison_domain::auth::{PasswordPolicy, Role};
use liaison_domain::calendar::{self, DayKind};
use liaison_domain::categories::{self, NewCategory};
use liaison_domain::deputies::{self, Level, NewDeputy};
use liaison_domain::orgs::{self, NewOrganisation, OrganisationKind};
use liaison_domain::policy::{self, Attachment};
use liaison_domain::reference::Reference;
use liaison_domain::stations::{self, NewStation, PublicCode, StationKind};
use liaison_domain::users::{self, NewUser};

/// Where the demo's stations are (WGS 84 degrees): approximate centres of Luqiao's streets and
/// towns, close enough for the big screen's schematic map, not for navigation.
pub const COORDINATES: [(&str, f64, f64); 11] = [
    ("luqiao-head", 28.5835, 121.3690),
    ("luqiao", 28.5790, 121.3560),
    ("lunan", 28.5600, 121.3760),
    ("lubei", 28.6010, 121.3690),
    ("luoyang", 28.6120, 121.3120),
    ("tongyu", 28.5730, 121.2990),
    ("fengjiang", 28.5270, 121.3180),
    ("xinqiao", 28.5150, 121.3600),
    ("hengjie", 28.5400, 121.4150),
    ("jinqing", 28.5350, 121.5100),
    ("pengjie", 28.4700, 121.4900),
];

pub const STATIONS: [(&str, &str, &str, &str); 11] = [
    (
        "luqiao-head",
        "路桥区人大代表联络总站",
        "Luqiao District Head Station",
        "head",
    ),
    (
        "luqiao",
        "路桥街道人大代表联络站",
        "Luqiao Subdistrict Station",
        "township",
    ),
    (
        "lunan",
        "路南街道人大代表联络站",
        "Lunan Subdistrict Station",
        "township",
    ),
    (
        "lubei",
        "路北街道人大代表联络站",
        "Lubei Subdistrict Station",
        "township",
    ),
    (
        "luoyang",
        "螺洋街道人大代表联络站",
        "Luoyang Subdistrict Station",
        "township",
    ),
    (
        "tongyu",
        "桐屿街道人大代表联络站",
        "Tongyu Subdistrict Station",
        "township",
    ),
    (
        "fengjiang",
        "峰江街道人大代表联络站",
        "Fengjiang Subdistrict Station",
        "township",
    ),
    (
        "xinqiao",
        "新桥镇人大代表联络站",
        "Xinqiao Town Station",
        "township",
    ),
    (
        "hengjie",
        "横街镇人大代表联络站",
        "Hengjie Town Station",
        "township",
    ),
    (
        "jinqing",
        "金清镇人大代表联络站",
        "Jinqing Town Station",
        "township",
    ),
    (
        "pengjie",
        "蓬街镇人大代表联络站",
        "Pengjie Town Station",
        "township",
    ),
];

/// (code, Chinese name, English name, kind)
pub const ORGANISATIONS: [(&str, &str, &str, &str); 17] = [
    (
        "agri",
        "区农业农村局",
        "Luqiao Agriculture and Rural Affairs Bureau",
        "department",
    ),
    (
        "housing",
        "区住建局",
        "Luqiao Housing and Urban-Rural Development Bureau",
        "department",
    ),
    (
        "eco",
        "生态环境分局",
        "Luqiao Branch of the Taizhou Ecology and Environment Bureau",
        "department",
    ),
    (
        "water",
        "区五水办",
        "Luqiao Five Waters Co-governance Office",
        "department",
    ),
    (
        "civil",
        "区民政局",
        "Luqiao Civil Affairs Bureau",
        "department",
    ),
    (
        "transport",
        "区交通运输局",
        "Luqiao Transport Bureau",
        "department",
    ),
    (
        "market",
        "区市场监管局",
        "Luqiao Market Supervision Administration",
        "department",
    ),
    (
        "education",
        "区教育局",
        "Luqiao Education Bureau",
        "department",
    ),
    (
        "health",
        "区卫生健康局",
        "Luqiao Health Bureau",
        "department",
    ),
    (
        "office-luqiao",
        "路桥街道办事处",
        "Luqiao Subdistrict Office",
        "township",
    ),
    (
        "office-lunan",
        "路南街道办事处",
        "Lunan Subdistrict Office",
        "township",
    ),
    (
        "office-lubei",
        "路北街道办事处",
        "Lubei Subdistrict Office",
        "township",
    ),
    (
        "office-luoyang",
        "螺洋街道办事处",
        "Luoyang Subdistrict Office",
        "township",
    ),
    (
        "office-xinqiao",
        "新桥镇人民政府",
        "Xinqiao Town Government",
        "township",
    ),
    (
        "office-hengjie",
        "横街镇人民政府",
        "Hengjie Town Government",
        "township",
    ),
    (
        "office-jinqing",
        "金清镇人民政府",
        "Jinqing Town Government",
        "township",
    ),
    (
        "office-pengjie",
        "蓬街镇人民政府",
        "Pengjie Town Government",
        "township",
    ),
];

pub const CATEGORIES: [(&str, &str, &str); 8] = [
    ("urban_construction", "城市建设", "Urban construction"),
    ("ecology", "生态环境", "Ecology and environment"),
    (
        "culture_health",
        "科教文卫",
        "Education, culture and health",
    ),
    ("rule_of_law", "法治建设", "Rule of law"),
    ("economy", "经济建设", "Economy"),
    ("agriculture", "农业农村", "Agriculture and villages"),
    ("social_security", "社会保障", "Social security"),
    ("other", "其他", "Other"),
];

const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "朱", "马", "胡", "郭",
    "林", "何", "高", "罗",
];
const GIVEN: [&str; 20] = [
    "建国", "海燕", "志强", "丽华", "国平", "晓东", "秀英", "文斌", "春梅", "立新", "卫东", "红霞",
    "永康", "玉兰", "明辉", "雪芬", "振华", "素琴", "伟军", "慧敏",
];
const PROFILES: [&str; 6] = [
    "企业负责人",
    "村党支部书记",
    "社区医生",
    "中学教师",
    "个体工商户",
    "律师",
];

/// 2026 as published by the State Council: holidays on weekdays and weekend make-up days.
pub fn holidays_2026() -> Vec<(NaiveDate, &'static str, &'static str)> {
    let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).expect("valid date");
    let mut rows = Vec::new();
    let mut span = |m, from, to, name| {
        for day in from..=to {
            rows.push((d(m, day), "holiday", name));
        }
    };
    span(1, 1, 3, "元旦");
    span(2, 15, 23, "春节");
    span(4, 4, 6, "清明节");
    span(5, 1, 5, "劳动节");
    span(6, 19, 21, "端午节");
    span(9, 25, 27, "中秋节");
    span(10, 1, 7, "国庆节");
    for (m, day, name) in [
        (1, 4, "元旦调休上班"),
        (2, 14, "春节调休上班"),
        (2, 28, "春节调休上班"),
        (5, 9, "劳动节调休上班"),
        (9, 20, "国庆节调休上班"),
        (10, 10, "国庆节调休上班"),
    ] {
        rows.push((d(m, day), "workday", name));
    }
    rows
}

pub struct DemoUser {
    pub role: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub display_name: &'static str,
}

/// One user per role; the README lists the same table.
pub const DEMO_USERS: [DemoUser; 5] = [
    DemoUser {
        role: "ops",
        username: "ops",
        password: "ops-demo-2026",
        display_name: "区人大办 管理员",
    },
    DemoUser {
        role: "station_staff",
        username: "staff",
        password: "staff-demo-2026",
        display_name: "路南联络站 工作人员",
    },
    DemoUser {
        role: "deputy",
        username: "deputy",
        password: "deputy-demo-2026",
        display_name: "",
    },
    DemoUser {
        role: "handler",
        username: "handler",
        password: "handler-demo-2026",
        display_name: "区住建局 办理员",
    },
    DemoUser {
        role: "viewer",
        username: "viewer",
        password: "viewer-demo-2026",
        display_name: "区领导 (只读)",
    },
];

/// Everything but the cases, added through the same services ops use (so the demo obeys the
/// rules a console edit does) in one transaction: a failure leaves the database empty, ready for
/// another try. Deputies get codes `<station>-d01` …; the demo deputy user is `lunan-d01`.
pub async fn seed_district(
    db: &DatabaseConnection,
    passwords: &PasswordPolicy,
) -> anyhow::Result<()> {
    // A throwaway cache: nothing has read the reference tables of an empty database yet.
    let reference = Reference::default();
    let txn = db.begin().await?;
    for (code, name, name_en, kind) in STATIONS {
        let at = COORDINATES.iter().find(|c| c.0 == code);
        stations::create(
            &txn,
            &reference,
            &NewStation {
                code: PublicCode::parse(code).map_err(anyhow::Error::msg)?,
                name: name.into(),
                name_en: name_en.into(),
                kind: if kind == "head" {
                    StationKind::Head
                } else {
                    StationKind::Township
                },
                address: Some(format!(
                    "台州市路桥区{}",
                    name.trim_end_matches("人大代表联络站")
                )),
                lat: at.map(|c| c.1),
                lng: at.map(|c| c.2),
            },
        )
        .await?;
    }
    let mut n = 0usize;
    for (si, (code, ..)) in STATIONS.iter().enumerate() {
        let count = if si == 0 { 3 } else { 4 };
        for k in 0..count {
            let name = format!(
                "{}{}",
                SURNAMES[n % SURNAMES.len()],
                GIVEN[(n * 7 + 3) % GIVEN.len()]
            );
            let level = match n % 9 {
                0 => Level::City,
                5 => Level::Province,
                _ => Level::District,
            };
            let deputy = format!("{code}-d{:02}", k + 1);
            deputies::create(
                &txn,
                &reference,
                &NewDeputy {
                    code: PublicCode::parse(&deputy).map_err(anyhow::Error::msg)?,
                    name,
                    level,
                    station: (*code).into(),
                    also_serves: Vec::new(),
                    profile: Some(PROFILES[n % PROFILES.len()].into()),
                },
            )
            .await?;
            n += 1;
        }
    }
    for (code, name, name_en, kind) in ORGANISATIONS {
        orgs::create(
            &txn,
            &reference,
            &NewOrganisation {
                code: PublicCode::parse(code).map_err(anyhow::Error::msg)?,
                name: name.into(),
                name_en: name_en.into(),
                kind: OrganisationKind::parse(kind)
                    .ok_or_else(|| anyhow::anyhow!("organisation kind {kind}"))?,
            },
        )
        .await?;
    }
    for (i, (code, name, name_en)) in CATEGORIES.iter().enumerate() {
        categories::create(
            &txn,
            &reference,
            &NewCategory {
                code: PublicCode::parse(code).map_err(anyhow::Error::msg)?,
                name: (*name).into(),
                name_en: (*name_en).into(),
                sort: i as i32,
            },
        )
        .await?;
    }
    for (day, kind, name) in holidays_2026() {
        let kind = DayKind::parse(kind).ok_or_else(|| anyhow::anyhow!("day kind {kind}"))?;
        calendar::put_day(&txn, day, kind, name).await?;
    }
    let deputy = deputies::by_code(&txn, "lunan-d01").await?;
    for u in DEMO_USERS {
        // Each demo account is attached as its role requires, which the policy says; the
        // service resolves the codes and refuses what the role must not have.
        let role = Role::parse(u.role).ok_or_else(|| anyhow::anyhow!("role {}", u.role))?;
        // A deputy's account shows the deputy's name, as their records do.
        let display = match policy::attachment(role) {
            Some(Attachment::Deputy) => format!("{} 代表", deputy.name),
            _ => u.display_name.to_owned(),
        };
        users::create(
            &txn,
            passwords,
            &NewUser {
                username: u.username.into(),
                password: u.password.into(),
                display_name: display,
                role,
                station: Some("lunan".into()),
                organisation: Some("housing".into()),
                deputy: Some(deputy.code.clone()),
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}
