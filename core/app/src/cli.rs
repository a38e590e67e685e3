//! The `liaison` command.

use clap::{Parser, Subcommand};

use crate::startup::Application;
use liaison_domain::configuration::Settings;

#[derive(Debug, Parser)]
#[command(
    name = "liaison",
    version,
    about = "Deputy liaison stations: opinions carried as cases, in the open"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (migrates first).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Rebuild the dashboards' counters from every case and event, and report how many.
    Recount,
    /// Copy the database and the photos into a new directory while the server runs
    /// (SQLite: VACUUM INTO; PostgreSQL: pg_dump, after checking its version).
    Backup {
        /// The directory to create (must not exist, or be empty).
        dir: std::path::PathBuf,
    },
    /// Restore a SQLite backup made by `backup` into the configured database and photo folder.
    Restore {
        /// The backup's directory.
        dir: std::path::PathBuf,
        /// Replace a database that already holds data.
        #[arg(long)]
        force: bool,
    },
    /// Station brand plugins: new, build, install, enable, list, run.
    Plugin {
        #[command(subcommand)]
        command: crate::plugin_cli::PluginCommand,
    },
    /// Load the demo district (Luqiao) into an empty database.
    Demo {
        /// Delete what is there first (SQLite file only).
        #[arg(long)]
        reset: bool,
        /// Start the server afterwards.
        #[arg(long)]
        serve: bool,
    },
}

pub fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load()?;
    crate::telemetry::init(&settings.log);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(run(cli.command, settings))
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            Application::build(settings)
                .await?
                .run_until_stopped()
                .await
        }
        Command::Migrate => {
            let db = liaison_domain::db::connect(&settings.database).await?;
            liaison_domain::db::migrate(&db).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Recount => {
            let db = liaison_domain::db::connect(&settings.database).await?;
            liaison_domain::db::migrate(&db).await?;
            let started = std::time::Instant::now();
            let n = liaison_domain::dashboard::recount::rebuild(&db).await?;
            println!(
                "counters rebuilt: {n} rows in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Backup { dir } => {
            println!("{}", crate::backup::backup(&settings, &dir).await?);
            Ok(())
        }
        Command::Restore { dir, force } => {
            println!("{}", crate::backup::restore(&settings, &dir, force).await?);
            Ok(())
        }
        Command::Plugin { command } => crate::plugin_cli::run(command, settings).await,
        Command::Demo { reset, serve } => {
            if reset {
                crate::demo::reset(&settings)?;
            }
            let db = liaison_domain::db::connect(&settings.database).await?;
            liaison_domain::db::migrate(&db).await?;
            let passwords = liaison_domain::auth::PasswordPolicy::new(&settings.auth)?;
            let plugins = liaison_host::PluginHost::new(
                db.clone(),
                liaison_domain::Clock::default(),
                settings.plugins.clone(),
            )?;
            match crate::demo::load(&db, &settings, &passwords, &plugins).await? {
                Some(report) => println!("{report}"),
                None => println!(
                    "the database already holds a district; left it as it is (use --reset to start over)"
                ),
            }
            if serve {
                Application::build(settings)
                    .await?
                    .run_until_stopped()
                    .await?;
            }
            Ok(())
        }
    }
}
