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
///
/// On PostgreSQL several nodes may start at once against one database, and the migrator itself
/// takes no lock (two nodes would both try the same `CREATE TABLE`, and the loser would fail to
/// start). So the nodes queue on a session advisory lock, held on a connection of its own while
/// the migrations run on the pool: the first node migrates, the others wait for it and then
/// find nothing pending. SQLite has one node by design and needs no lock.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    use sea_orm::sqlx;
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Migrator::up(db, None).await;
    }
    let pool = db.get_postgres_connection_pool();
    if pool.options().get_max_connections() < 2 {
        // The lock's connection would starve the migrations of theirs.
        return Migrator::up(db, None).await;
    }
    let mut lock = pool.acquire().await.map_err(sqlx_err)?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *lock)
        .await
        .map_err(sqlx_err)?;
    let migrated = Migrator::up(db, None).await;
    let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *lock)
        .await;
    if unlocked.is_err() {
        // The session ends with the connection, and the lock with it.
        lock.detach();
    }
    migrated
}

/// The advisory lock key the nodes queue on while migrating ("liaison" in ASCII, as a number).
const MIGRATION_LOCK: i64 = 0x006c_6961_6973_6f6e;

fn sqlx_err(e: sea_orm::sqlx::Error) -> DbErr {
    DbErr::Custom(format!("migration lock: {e}"))
}

/// The migrations this build knows that the database has not applied (none: the schema is
/// current). Reads only: it never creates the migrations table.
pub async fn pending_migrations(db: &DatabaseConnection) -> Result<Vec<String>, DbErr> {
    Ok(Migrator::get_pending_migrations_read_only(db)
        .await?
        .iter()
        .map(|m| m.name().to_owned())
        .collect())
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
