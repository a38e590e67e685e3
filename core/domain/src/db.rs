//! Connecting to SQLite (embedded default) or PostgreSQL, and running migrations.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use liaison_migrations::Migrator;
use liaison_migrations::sea_orm_migration::MigratorTrait;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

use crate::configuration::DatabaseSettings;

/// Opens the pool the settings describe. SQLite gets WAL, the configured `synchronous`, foreign keys, a 10 s busy timeout, and its directory created on first run.
pub async fn connect(settings: &DatabaseSettings) -> Result<DatabaseConnection, DbErr> {
    let url = settings.url.clone();
    let mut opts = ConnectOptions::new(url.clone());
    opts.sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(30));
    if url.starts_with("sqlite:") {
        ensure_sqlite_dir(&url);
        let sync = SqliteSynchronous::from_str(&settings.sqlite_synchronous)
            .map_err(|e| DbErr::Custom(format!("database.sqlite_synchronous: {e}")))?;
        opts.max_connections(settings.sqlite_max_connections.max(1))
            .map_sqlx_sqlite_opts(move |o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(sync)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    .create_if_missing(true)
            });
    } else {
        opts.max_connections(settings.max_connections);
    }
    Database::connect(opts).await
}

/// `sqlite://data/liaison.db` names a file under `./data/`, which may not exist on first run.
fn ensure_sqlite_dir(url: &str) {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return;
    }
    if let Some(parent) = Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        let _ = std::fs::create_dir_all(parent);
    }
}

/// Brings the schema up to date: runs every migration not yet applied.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Whether the database answers: the health check.
pub async fn ping(db: &DatabaseConnection) -> Result<(), crate::error::Error> {
    use sea_orm::ConnectionTrait;
    db.execute_unprepared("SELECT 1").await?;
    Ok(())
}

/// A migrated in-memory SQLite database for the domain's unit tests: no server, no files.
#[cfg(test)]
pub(crate) mod testing {
    use sea_orm::DatabaseConnection;

    use crate::configuration::Settings;

    /// A fresh, empty, migrated database that lives as long as the connection.
    pub async fn memory() -> DatabaseConnection {
        let mut settings = Settings::defaults();
        settings.database.url = "sqlite::memory:".into();
        // Each connection to an in-memory database is a database of its own: keep to one.
        settings.database.sqlite_max_connections = 1;
        let db = super::connect(&settings.database)
            .await
            .expect("in-memory SQLite");
        super::migrate(&db).await.expect("migrations");
        db
    }
}
