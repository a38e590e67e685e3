//! Case categories (城市建设, 生态环境, …): data ops edit, with deadline overrides in config by code.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::Error;

use crate::required_text;
/// A category of cases as stored.
pub use entity::Model as Category;

/// The `categories` table: the case categories ops maintain, retired ones kept.
pub(crate) mod entity {
    use sea_orm::entity::prelude::*;

    /// A case category.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "categories")]
    pub struct Model {
        /// Row id; cases refer to it.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Public code; deadline overrides in config name the category by it, so it never
        /// changes.
        pub code: String,
        /// Chinese name shown to residents (e.g. 城市建设), 1 to 50 characters.
        pub name: String,
        /// English name, 1 to 50 characters.
        pub name_en: String,
        /// Display order, lowest first; ties go by id.
        pub sort: i32,
        /// False once retired: offered to no one, while its cases keep it.
        pub active: bool,
    }

    /// No relations declared: queries join by id by hand.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The active categories in display order: what residents and desks choose from.
pub async fn active(db: &impl ConnectionTrait) -> Result<Vec<entity::Model>, Error> {
    Ok(entity::Entity::find()
        .filter(entity::Column::Active.eq(true))
        .order_by_asc(entity::Column::Sort)
        .all(db)
        .await?)
}

/// Every category's code by id, retired ones too: old records still name them.
pub async fn codes_by_id(
    db: &impl ConnectionTrait,
) -> Result<std::collections::HashMap<i64, String>, Error> {
    Ok(entity::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.code))
        .collect())
}

/// The category with code `code`, active or retired; `None` if there is none.
pub async fn by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<entity::Model>, Error> {
    Ok(entity::Entity::find()
        .filter(entity::Column::Code.eq(code))
        .one(db)
        .await?)
}

/// Every category in its display order (sort, then id), active or not.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<entity::Model>, Error> {
    use sea_orm::QueryOrder;
    Ok(entity::Entity::find()
        .order_by_asc(entity::Column::Sort)
        .order_by_asc(entity::Column::Id)
        .all(db)
        .await?)
}

/// How many categories there are.
pub async fn count(db: &impl ConnectionTrait) -> Result<u64, Error> {
    use sea_orm::PaginatorTrait;
    Ok(entity::Entity::find().count(db).await?)
}

/// A category as the API lists it for residents' forms.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryOut {
    /// Public code: what a new case names as its category.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// English name.
    pub name_en: String,
}

/// A category to add (ops), as the API and the console send it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCategory {
    /// Public code; must be unused, and cannot change later.
    pub code: crate::stations::PublicCode,
    /// Chinese name, 1 to 50 characters.
    pub name: String,
    /// English name, 1 to 50 characters.
    pub name_en: String,
    /// Display order, lowest first; 0 when absent.
    #[serde(default)]
    pub sort: i32,
}

/// Adds a category (ops): the API and the console both come here.
async fn insert_row(db: &impl ConnectionTrait, new: &NewCategory) -> Result<entity::Model, Error> {
    let name = required_text("name", &new.name, 50)?;
    let name_en = required_text("name_en", &new.name_en, 50)?;
    if by_code(db, new.code.as_str()).await?.is_some() {
        return Err(Error::Conflict(format!(
            "a category with code {} exists",
            new.code.as_str()
        )));
    }
    Ok(entity::ActiveModel {
        code: Set(new.code.as_str().to_owned()),
        name: Set(name),
        name_en: Set(name_en),
        sort: Set(new.sort),
        active: Set(true),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// What ops may change of a category; its code, which cases and deadline rules refer to, stays.
#[derive(Debug, Clone)]
pub struct CategoryPatch {
    /// Chinese name, 1 to 50 characters.
    pub name: String,
    /// English name, 1 to 50 characters.
    pub name_en: String,
    /// Display order, lowest first.
    pub sort: i32,
    /// An inactive category is offered to no one; its cases keep it.
    pub active: bool,
}

/// Changes category `code` (ops): names, order, and whether it is offered; not found if there
/// is no such category.
async fn update_row(
    db: &impl ConnectionTrait,
    code: &str,
    patch: &CategoryPatch,
) -> Result<entity::Model, Error> {
    let name = required_text("name", &patch.name, 50)?;
    let name_en = required_text("name_en", &patch.name_en, 50)?;
    let mut m: entity::ActiveModel = by_code(db, code)
        .await?
        .ok_or_else(|| Error::not_found(format!("no category with code {code}")))?
        .into();
    m.name = Set(name);
    m.name_en = Set(name_en);
    m.sort = Set(patch.sort);
    m.active = Set(patch.active);
    Ok(m.update(db).await?)
}

/// Adds the category (see `insert_row`), then makes the reference data forget its snapshot so the
/// change shows on the next request.
pub async fn create(
    db: &impl ConnectionTrait,
    reference: &crate::reference::Reference,
    new: &NewCategory,
) -> Result<entity::Model, Error> {
    reference.edited(insert_row(db, new)).await
}

/// Changes the category (see `update_row`), then makes the reference data forget its snapshot so the
/// change shows on the next request.
pub async fn update(
    db: &impl ConnectionTrait,
    reference: &crate::reference::Reference,
    code: &str,
    patch: &CategoryPatch,
) -> Result<entity::Model, Error> {
    reference.edited(update_row(db, code, patch)).await
}
