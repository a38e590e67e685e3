//! Stations and categories as intake sees them, cached for a few seconds. Intake runs at the
//! highest rate of any endpoint and these tables change a few times a year; a code not in the
//! cache is always looked up, so a new station works at once, and an edit shows within the TTL.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, EntityTrait};
use tokio::sync::RwLock;

use crate::error::Error;
use crate::{categories, stations};

const TTL: Duration = Duration::from_secs(10);

#[derive(Default)]
struct Snapshot {
    loaded: Option<Instant>,
    stations: HashMap<String, stations::entity::Model>,
    categories: HashMap<String, categories::entity::Model>,
}

/// The shared cache of stations and categories by code; cloning shares it.
#[derive(Clone, Default)]
pub struct ReferenceCache {
    inner: Arc<RwLock<Snapshot>>,
}

impl ReferenceCache {
    async fn refresh(&self, db: &impl ConnectionTrait) -> Result<(), Error> {
        let stations = stations::entity::Entity::find().all(db).await?;
        let categories = categories::entity::Entity::find().all(db).await?;
        let mut w = self.inner.write().await;
        w.stations = stations.into_iter().map(|s| (s.code.clone(), s)).collect();
        w.categories = categories
            .into_iter()
            .map(|c| (c.code.clone(), c))
            .collect();
        w.loaded = Some(Instant::now());
        Ok(())
    }

    async fn fresh(&self) -> bool {
        self.inner
            .read()
            .await
            .loaded
            .is_some_and(|t| t.elapsed() < TTL)
    }

    /// The station with `code`, from the cache when fresh; an unknown code is always looked up, so a new station works at once. None when there is no such station.
    pub async fn station(
        &self,
        db: &impl ConnectionTrait,
        code: &str,
    ) -> Result<Option<stations::entity::Model>, Error> {
        if self.fresh().await
            && let Some(s) = self.inner.read().await.stations.get(code)
        {
            return Ok(Some(s.clone()));
        }
        self.refresh(db).await?;
        Ok(self.inner.read().await.stations.get(code).cloned())
    }

    /// The category with `code`, from the cache when fresh; an unknown code is always looked up. None when there is no such category.
    pub async fn category(
        &self,
        db: &impl ConnectionTrait,
        code: &str,
    ) -> Result<Option<categories::entity::Model>, Error> {
        if self.fresh().await
            && let Some(c) = self.inner.read().await.categories.get(code)
        {
            return Ok(Some(c.clone()));
        }
        self.refresh(db).await?;
        Ok(self.inner.read().await.categories.get(code).cloned())
    }
}
