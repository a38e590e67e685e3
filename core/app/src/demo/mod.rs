//! The demo district, modelled on Luqiao (路桥区): the head station and ten township and street
//! stations, their deputies, the organisations that answer, the categories, the 2026 holiday
//! calendar, one user per role, and a few hundred cases walked through the real lifecycle at
//! past times so that every state (and some overdue work) is there to look at.

pub mod brands;
mod cases;
mod district;
mod duty;
pub mod legislation;
pub mod oversight;
pub mod scans;
pub mod suggestions;

use sea_orm::DatabaseConnection;

pub use cases::seed_cases;
pub use district::{CATEGORIES, DEMO_USERS, DemoUser, ORGANISATIONS, STATIONS, seed_district};

use liaison_domain::auth::PasswordPolicy;
use liaison_domain::configuration::Settings;

/// Deletes the SQLite file named by the settings, so `demo --reset` starts clean.
pub fn reset(settings: &Settings) -> anyhow::Result<()> {
    let url = &settings.database.url;
    anyhow::ensure!(
        url.starts_with("sqlite:"),
        "--reset only deletes an SQLite file; drop a PostgreSQL database yourself"
    );
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    for suffix in ["", "-wal", "-shm"] {
        let p = format!("{path}{suffix}");
        if std::path::Path::new(&p).exists() {
            std::fs::remove_file(&p)?;
        }
    }
    Ok(())
}

/// Loads the demo into an empty database; `None` when stations are already there.
pub async fn load(
    db: &DatabaseConnection,
    settings: &Settings,
    passwords: &PasswordPolicy,
    plugins: &liaison_host::PluginHost,
) -> anyhow::Result<Option<String>> {
    if liaison_domain::stations::count(db).await? > 0 {
        return Ok(None);
    }
    let now = chrono::Utc::now();
    seed_district(db, passwords).await?;
    let made = cases::seed_cases(db, &settings.deadlines, 320, now, 2026).await?;
    let mut report = format!("demo district loaded: 11 stations, {made} cases\n");
    let scans = scans::seed(db, now).await?;
    report.push_str(&format!(
        "  notifications: {scans} residents scanned deputy {}'s code today; sign in as `deputy` to see the bell\n",
        scans::DEMO_DEPUTY
    ));
    let o = oversight::seed(db, passwords, now).await?;
    report.push_str(&format!(
        "  oversight: {} station visits, {} chosen livelihood projects, {} duty point entries, the appraisal published\n",
        o.visits, o.projects, o.point_entries
    ));
    let shifts = duty::seed(db, now).await?;
    report.push_str(&format!(
        "  duty roster: {shifts} half-day shifts on working days, two weeks either side of today\n"
    ));
    let s = suggestions::seed(db, now).await?;
    report.push_str(&format!(
        "  suggestions and motions: {s} in every state, two raised from residents' cases\n"
    ));
    let c = legislation::seed(db, now).await?;
    report.push_str(&format!(
        "  legislative contact point: two drafts (one closed with its report), {c} comments\n"
    ));
    for note in brands::install(plugins, std::path::Path::new(".")).await? {
        report.push_str(&format!("  brand {note}\n"));
    }
    report.push_str("\nsign in with:\n");
    for u in DEMO_USERS {
        report.push_str(&format!(
            "  {:<14} {:<10} {}\n",
            u.role, u.username, u.password
        ));
    }
    Ok(Some(report))
}
