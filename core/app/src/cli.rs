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

/// Serves with the notification channels the configuration enables (e-mail, gateways, the
/// demo's sink) beside in-app; a channel configured wrongly stops the server here, at start.
async fn serve(settings: Settings) -> anyhow::Result<()> {
    let channels = liaison_channels::from_settings(&liaison_channels::ChannelSettings::load()?)?;
    let mut app = Application::build(settings).await?;
    for channel in channels {
        tracing::info!(channel = channel.name(), "notification channel enabled");
        app.add_channel(channel);
    }
    app.run_until_stopped().await
}

/// Tells ops in the product (the bell, and their channels) that a backup failed, as well as the
/// exit status a scheduler sees: a nightly job failing quietly is how backups go missing. Best
/// effort: when the database itself is what failed, the exit status is all there is.
async fn alert_backup_failed(settings: &Settings, error: &anyhow::Error) {
    let Ok(db) = liaison_domain::db::connect(&settings.database).await else {
        return;
    };
    let now = liaison_domain::Clock::default().now();
    let text = format!("backup failed: {error:#}");
    let key = format!("backup-failed:{}", now.format("%Y-%m-%dT%H"));
    if let Err(e) =
        liaison_domain::notifications::outbox::alert_ops(&db, &key, &text, "/console", now).await
    {
        tracing::warn!(error = %e, "could not tell ops that the backup failed");
    }
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve(settings).await,
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
        Command::Backup { dir } => match crate::backup::backup(&settings, &dir).await {
            Ok(report) => {
                println!("{report}");
                Ok(())
            }
            Err(e) => {
                alert_backup_failed(&settings, &e).await;
                Err(e)
            }
        },
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
                self::serve(settings).await?;
            }
            Ok(())
        }
    }
}
