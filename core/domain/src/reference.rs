//! Reference data — stations, categories, organisations, deputies — from one cached service.
//!
//! Every case page, list, export and plugin call names these things by id, and intake (the
//! busiest endpoint) looks stations and categories up by code; the tables change a few times a
//! year. So one snapshot of all four is kept in memory and shared:
//!
//! - an edit through this crate ([`crate::stations::create`] and the like) invalidates it at
//!   once, so the node that made the edit shows it on the next request;
//! - another node (several nodes over one PostgreSQL) sees an edit within [`TTL`], when its
//!   snapshot is read again;
//! - a code that is not in the snapshot is looked up again, but at most once per
//!   [`MISS_RELOAD`], so a new station works within a second while random codes sent by a
//!   client cannot make every request read four tables.
//!
//! A load that started before an invalidation is not stored (the generation moved on), so a
//! slow read can never put the old rows back after an edit.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, EntityTrait};

use crate::error::Error;
use crate::{categories, deputies, orgs, stations};

/// How long a snapshot serves before it is read again, for edits made on another node.
pub const TTL: Duration = Duration::from_secs(30);

/// The least time between two reloads caused by an unknown code.
pub const MISS_RELOAD: Duration = Duration::from_secs(1);

/// Every row of the four reference tables, by id and by public code.
#[derive(Debug, Default)]
pub struct Directory {
    /// Every station, by id.
    pub stations: HashMap<i64, stations::entity::Model>,
    /// Every category, including inactive ones, so old cases still show theirs.
    pub categories: HashMap<i64, categories::entity::Model>,
    /// Every handler organisation (承办单位), by id.
    pub orgs: HashMap<i64, orgs::entity::Model>,
    /// Every deputy, by id.
    pub deputies: HashMap<i64, deputies::entity::Model>,
    station_codes: HashMap<String, i64>,
    category_codes: HashMap<String, i64>,
}

impl Directory {
    /// Reads the four tables whole. Callers go through [`Reference::directory`]; this is the
    /// uncached read it makes.
    pub async fn load(db: &impl ConnectionTrait) -> Result<Self, Error> {
        let stations: HashMap<i64, _> = stations::entity::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
        let categories: HashMap<i64, _> = categories::entity::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
        let orgs = orgs::entity::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
        let deputies = deputies::entity::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
        Ok(Directory {
            station_codes: stations.values().map(|s| (s.code.clone(), s.id)).collect(),
            category_codes: categories
                .values()
                .map(|c| (c.code.clone(), c.id))
                .collect(),
            stations,
            categories,
            orgs,
            deputies,
        })
    }

    /// The station with this public code.
    pub fn station_by_code(&self, code: &str) -> Option<&stations::entity::Model> {
        self.station_codes
            .get(code)
            .and_then(|id| self.stations.get(id))
    }

    /// The organisation with this code, if there is one (organisations are few: a scan).
    pub fn org_by_code(&self, code: &str) -> Option<&orgs::entity::Model> {
        self.orgs.values().find(|o| o.code == code)
    }

    /// The category with this code (active or not).
    pub fn category_by_code(&self, code: &str) -> Option<&categories::entity::Model> {
        self.category_codes
            .get(code)
            .and_then(|id| self.categories.get(id))
    }
}

struct Snapshot {
    loaded: Instant,
    directory: Arc<Directory>,
}

#[derive(Default)]
struct Inner {
    snapshot: RwLock<Option<Snapshot>>,
    /// Bumped by every invalidation; a load stores its result only if this did not move.
    generation: AtomicU64,
}

/// The shared reference-data service; cloning shares the cache.
#[derive(Clone, Default)]
pub struct Reference {
    inner: Arc<Inner>,
}

impl Reference {
    /// The current directory: the cached snapshot while younger than [`TTL`], else a fresh read.
    pub async fn directory(&self, db: &impl ConnectionTrait) -> Result<Arc<Directory>, Error> {
        if let Some(d) = self.cached(TTL) {
            return Ok(d);
        }
        self.reload(db).await
    }

    /// The station with `code`; an unknown code is looked up again (see [`MISS_RELOAD`]).
    pub async fn station_by_code(
        &self,
        db: &impl ConnectionTrait,
        code: &str,
    ) -> Result<Option<stations::entity::Model>, Error> {
        let dir = self.directory(db).await?;
        if let Some(s) = dir.station_by_code(code) {
            return Ok(Some(s.clone()));
        }
        Ok(self
            .after_miss(db, dir)
            .await?
            .station_by_code(code)
            .cloned())
    }

    /// The category with `code` (active or not); an unknown code is looked up again.
    pub async fn category_by_code(
        &self,
        db: &impl ConnectionTrait,
        code: &str,
    ) -> Result<Option<categories::entity::Model>, Error> {
        let dir = self.directory(db).await?;
        if let Some(c) = dir.category_by_code(code) {
            return Ok(Some(c.clone()));
        }
        Ok(self
            .after_miss(db, dir)
            .await?
            .category_by_code(code)
            .cloned())
    }

    /// Runs an edit of a reference table and, once it has succeeded, forgets the snapshot: every
    /// create and update of stations, categories, organisations and deputies goes through here.
    pub async fn edited<T>(
        &self,
        edit: impl std::future::Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        let written = edit.await?;
        self.invalidate();
        Ok(written)
    }

    /// Forgets the snapshot: the next read loads the tables again.
    pub fn invalidate(&self) {
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut w) = self.inner.snapshot.write() {
            *w = None;
        }
    }

    fn cached(&self, max_age: Duration) -> Option<Arc<Directory>> {
        let r = self.inner.snapshot.read().ok()?;
        r.as_ref()
            .filter(|s| s.loaded.elapsed() < max_age)
            .map(|s| s.directory.clone())
    }

    async fn after_miss(
        &self,
        db: &impl ConnectionTrait,
        seen: Arc<Directory>,
    ) -> Result<Arc<Directory>, Error> {
        if self.cached(MISS_RELOAD).is_some() {
            return Ok(seen);
        }
        self.reload(db).await
    }

    async fn reload(&self, db: &impl ConnectionTrait) -> Result<Arc<Directory>, Error> {
        let generation = self.inner.generation.load(Ordering::SeqCst);
        let directory = Arc::new(Directory::load(db).await?);
        self.store(generation, directory.clone());
        Ok(directory)
    }

    /// Keeps a directory read while the generation was `generation`, unless an edit has
    /// invalidated the cache since.
    fn store(&self, generation: u64, directory: Arc<Directory>) {
        if let Ok(mut w) = self.inner.snapshot.write()
            && self.inner.generation.load(Ordering::SeqCst) == generation
        {
            *w = Some(Snapshot {
                loaded: Instant::now(),
                directory,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stations::NewStation;

    async fn db() -> sea_orm::DatabaseConnection {
        crate::db::testing::memory().await
    }

    fn station(code: &str) -> NewStation {
        NewStation {
            code: crate::stations::PublicCode::parse(code).unwrap(),
            name: format!("{code} 联络站"),
            name_en: code.to_owned(),
            kind: crate::stations::StationKind::Township,
            address: None,
            lat: None,
            lng: None,
        }
    }

    #[tokio::test]
    async fn an_edit_through_the_domain_shows_at_once() {
        let db = db().await;
        let reference = Reference::default();
        assert!(reference.directory(&db).await.unwrap().stations.is_empty());
        crate::stations::create(&db, &reference, &station("alpha"))
            .await
            .unwrap();
        let dir = reference.directory(&db).await.unwrap();
        assert_eq!(dir.stations.len(), 1);
        assert_eq!(dir.station_by_code("alpha").unwrap().name, "alpha 联络站");
    }

    #[tokio::test]
    async fn a_fresh_snapshot_is_served_without_reading_the_tables() {
        let db = db().await;
        let reference = Reference::default();
        let first = reference.directory(&db).await.unwrap();
        // A write that bypasses the domain (another node, say) is not seen within the TTL…
        crate::stations::create(&db, &Reference::default(), &station("beta"))
            .await
            .unwrap();
        let second = reference.directory(&db).await.unwrap();
        assert!(Arc::ptr_eq(&first, &second));
        // …but an unknown code is looked up again once the snapshot is older than MISS_RELOAD.
        tokio::time::sleep(MISS_RELOAD).await;
        let found = reference.station_by_code(&db, "beta").await.unwrap();
        assert_eq!(found.map(|s| s.code).as_deref(), Some("beta"));
    }

    #[tokio::test]
    async fn unknown_codes_do_not_reload_more_than_once_a_second() {
        let db = db().await;
        let reference = Reference::default();
        let first = reference.directory(&db).await.unwrap();
        for n in 0..20 {
            let code = format!("nope-{n}");
            assert!(
                reference
                    .station_by_code(&db, &code)
                    .await
                    .unwrap()
                    .is_none()
            );
        }
        assert!(Arc::ptr_eq(
            &first,
            &reference.directory(&db).await.unwrap()
        ));
    }

    #[tokio::test]
    async fn a_load_overtaken_by_an_edit_is_not_kept() {
        let reference = Reference::default();
        // A load begins, an edit invalidates, the load finishes: its rows are not kept…
        let generation = reference.inner.generation.load(Ordering::SeqCst);
        reference.invalidate();
        reference.store(generation, Arc::new(Directory::default()));
        assert!(reference.cached(TTL).is_none());
        // …while a load that began after the edit is.
        let generation = reference.inner.generation.load(Ordering::SeqCst);
        reference.store(generation, Arc::new(Directory::default()));
        assert!(reference.cached(TTL).is_some());
    }
}
