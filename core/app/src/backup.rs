//! `liaison backup DIR` and `liaison restore DIR`.
//!
//! A backup is a directory, not an archive: `liaison.db` (the SQLite database), `photos/` (a
//! copy of `[photos] dir`, when that folder exists) and `backup.json` (what was copied, from
//! which version and schema). A directory needs no extra tooling to inspect or restore by hand,
//! and `tar` or the backup system packs it as it likes.
//!
//! SQLite: the database is copied with `VACUUM INTO`, a read transaction of its own, so the
//! copy is one consistent moment of the database while the server goes on writing (WAL lets
//! readers and the writer run together). Photos live in the database (`case_photo_data`), so the
//! copy carries them. The photo folder, when there is one, holds only photos an older version
//! wrote as files and not yet copied into the database at start; it is copied after the
//! database, and such a file was written before its row committed, so every photo the copy
//! names is on disk by then (files of later cases may come along; they are harmless).
//!
//! PostgreSQL: the command checks that the local `pg_dump` is at least as new as the server
//! (an older one refuses to dump a newer server), then dumps in the custom format into the
//! directory. Restoring is `pg_restore` into a fresh database; see docs/DEPLOY.md.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde::{Deserialize, Serialize};

use liaison_domain::configuration::Settings;

const DB_FILE: &str = "liaison.db";
const PG_FILE: &str = "liaison.pgdump";
const PHOTOS: &str = "photos";
const MANIFEST: &str = "backup.json";

/// What `backup.json` says.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    /// "sqlite" or "postgres".
    backend: String,
    /// The `liaison` version that wrote the backup.
    liaison_version: String,
    /// When the copy began (UTC).
    taken_at: chrono::DateTime<chrono::Utc>,
    /// The newest migration the database had.
    schema: Option<String>,
    /// Cases in the copy.
    cases: i64,
    /// Photo files copied (0 when there was no photo folder).
    photo_files: u64,
}

/// Backs up the configured database (and photo folder) into the new directory `dir`.
pub async fn backup(settings: &Settings, dir: &Path) -> anyhow::Result<String> {
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        bail!(
            "{} exists and is not empty; name a new directory",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let taken_at = chrono::Utc::now();
    let db = liaison_domain::db::connect(&settings.database).await?;
    let started = std::time::Instant::now();
    let (backend, schema, cases) = if settings.is_postgres() {
        pg_dump(&db, &settings.database.url, &dir.join(PG_FILE)).await?;
        let (schema, cases) = facts(&db).await?;
        ("postgres", schema, cases)
    } else {
        let target = dir.join(DB_FILE);
        let sql = format!(
            "VACUUM INTO '{}'",
            target.display().to_string().replace('\'', "''")
        );
        db.execute_unprepared(&sql)
            .await
            .context("copying the database (VACUUM INTO)")?;
        // The copy's own facts, not the live database's (which has moved on).
        let copy = open_sqlite(&target).await?;
        let (schema, cases) = facts(&copy).await?;
        copy.close().await.ok();
        ("sqlite", schema, cases)
    };
    db.close().await.ok();
    let photos = Path::new(&settings.photos.dir);
    let photo_files = if photos.is_dir() {
        copy_tree(photos, &dir.join(PHOTOS)).context("copying the photos")?
    } else {
        0
    };
    let manifest = Manifest {
        backend: backend.into(),
        liaison_version: env!("CARGO_PKG_VERSION").into(),
        taken_at,
        schema,
        cases,
        photo_files,
    };
    std::fs::write(dir.join(MANIFEST), serde_json::to_string_pretty(&manifest)?)?;
    Ok(format!(
        "backed up {} cases and {} photo files ({backend}) into {} in {:.1} s",
        manifest.cases,
        manifest.photo_files,
        dir.display(),
        started.elapsed().as_secs_f64()
    ))
}

/// Restores the backup in `dir` into the configured database and photo folder. Refuses a
/// database that already holds a district unless `force`.
pub async fn restore(settings: &Settings, dir: &Path, force: bool) -> anyhow::Result<String> {
    let manifest: Manifest = serde_json::from_slice(
        &std::fs::read(dir.join(MANIFEST))
            .with_context(|| format!("{} is not a Liaison backup", dir.display()))?,
    )?;
    if manifest.backend != "sqlite" || settings.is_postgres() {
        bail!(
            "this command restores SQLite backups into SQLite; for PostgreSQL use pg_restore \
             (docs/DEPLOY.md, \"Backups\")"
        );
    }
    let target = sqlite_path(&settings.database.url)?;
    if target.exists() && !force && holds_data(&target).await? {
        bail!(
            "{} already holds a database with data; restore into a fresh place, or pass --force \
             to replace it",
            target.display()
        );
    }
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)?;
    }
    // Into place in one rename, with the old write-ahead log gone, so no reader ever sees a
    // half-copied file or replays another database's log onto it.
    let tmp = target.with_extension("restoring");
    std::fs::copy(dir.join(DB_FILE), &tmp).context("copying the database")?;
    for ext in ["db-wal", "db-shm"] {
        let _ = std::fs::remove_file(target.with_extension(ext));
    }
    std::fs::rename(&tmp, &target)?;
    let photos = dir.join(PHOTOS);
    let photo_files = if photos.is_dir() {
        copy_tree(&photos, Path::new(&settings.photos.dir)).context("copying the photos")?
    } else {
        0
    };
    // The restored copy may be older than this build: bring it up to date now.
    let db = liaison_domain::db::connect(&settings.database).await?;
    liaison_domain::db::migrate(&db).await?;
    db.close().await.ok();
    Ok(format!(
        "restored {} cases and {photo_files} photo files (taken {}) into {}",
        manifest.cases,
        manifest.taken_at,
        target.display()
    ))
}

/// The SQLite file a `sqlite:` URL names.
fn sqlite_path(url: &str) -> anyhow::Result<PathBuf> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        bail!("database.url names no SQLite file: {url}");
    }
    Ok(PathBuf::from(path))
}

async fn open_sqlite(path: &Path) -> anyhow::Result<DatabaseConnection> {
    let url = format!("sqlite://{}?mode=ro", path.display());
    Ok(sea_orm::Database::connect(url).await?)
}

/// Whether the SQLite file at `path` holds a migrated schema with cases or stations.
async fn holds_data(path: &Path) -> anyhow::Result<bool> {
    if std::fs::metadata(path)?.len() == 0 {
        return Ok(false);
    }
    let db = open_sqlite(path).await?;
    let n = scalar(
        &db,
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'stations'",
    )
    .await?;
    let full = n > 0 && scalar(&db, "SELECT COUNT(*) FROM stations").await? > 0;
    db.close().await.ok();
    Ok(full)
}

async fn scalar(db: &DatabaseConnection, sql: &str) -> anyhow::Result<i64> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .context("no row")?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

/// The newest migration applied and the number of cases.
async fn facts(db: &DatabaseConnection) -> anyhow::Result<(Option<String>, i64)> {
    let backend = db.get_database_backend();
    let schema = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT version FROM seaql_migrations ORDER BY version DESC LIMIT 1",
        ))
        .await?
        .and_then(|r| r.try_get_by_index::<String>(0).ok());
    let cases = scalar(db, "SELECT COUNT(*) FROM cases").await?;
    Ok((schema, cases))
}

/// Copies the files under `from` into `to` (created), keeping the layout; how many files.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<u64> {
    std::fs::create_dir_all(to)?;
    let mut n = 0;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let dest = to.join(entry.file_name());
        if kind.is_dir() {
            n += copy_tree(&entry.path(), &dest)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &dest)?;
            n += 1;
        }
    }
    Ok(n)
}

/// Dumps the PostgreSQL database at `url` into `file` with `pg_dump -Fc`, after checking that
/// the local `pg_dump` is at least the server's major version.
async fn pg_dump(db: &DatabaseConnection, url: &str, file: &Path) -> anyhow::Result<()> {
    let server: i64 = scalar(db, "SELECT current_setting('server_version_num')::bigint").await?;
    let server_major = server / 10_000;
    let out = std::process::Command::new("pg_dump")
        .arg("--version")
        .output()
        .context("running pg_dump (install the PostgreSQL client tools of the server's version)")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let local_major: i64 = text
        .split_whitespace()
        .find_map(|w| w.split('.').next()?.parse().ok())
        .context("reading pg_dump's version")?;
    if local_major < server_major {
        bail!(
            "pg_dump {local_major} cannot dump a PostgreSQL {server_major} server; install the \
             client tools of version {server_major} or newer"
        );
    }
    let status = std::process::Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(file)
        .arg(url)
        .status()
        .context("running pg_dump")?;
    if !status.success() {
        bail!("pg_dump failed ({status})");
    }
    Ok(())
}
