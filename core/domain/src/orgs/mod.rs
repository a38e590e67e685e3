//! Handling organisations (承办单位): district departments and township offices that answer cases.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::error::Error;

use crate::stations::PublicCode;
/// An organisation (a department or township government) as stored.
pub use entity::Model as Organisation;
use serde::Deserialize;
use utoipa::ToSchema;

/// The `organisations` table: handling organisations (承办单位).
pub(crate) mod entity {
    use sea_orm::entity::prelude::*;

    /// A handling organisation.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "organisations")]
    pub struct Model {
        /// Row id; assignments and handler accounts refer to it.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Public code; unique, and never changed since cases and users refer to it.
        pub code: String,
        /// Name shown on cases and rankings, 1 to 100 characters.
        pub name: String,
        /// English name for the pages in English, at most 100 characters; empty when ops have
        /// not given one, and the pages then show the Chinese name.
        pub name_en: String,
        /// "department" or "township".
        pub kind: String,
        /// When ops added the organisation (UTC).
        pub created_at: DateTimeUtc,
    }

    /// No relations declared: queries join by id by hand.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Every handling organisation, oldest first.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<entity::Model>, Error> {
    Ok(entity::Entity::find()
        .order_by_asc(entity::Column::Id)
        .all(db)
        .await?)
}

/// The organisation with code `code`; `None` if there is none.
pub async fn by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<entity::Model>, Error> {
    Ok(entity::Entity::find()
        .filter(entity::Column::Code.eq(code))
        .one(db)
        .await?)
}

/// The organisation with this id, if there is one.
pub async fn by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<entity::Model>, Error> {
    Ok(entity::Entity::find_by_id(id).one(db).await?)
}

/// Every organisation by code: the order forms offer them in.
pub async fn by_code_order(db: &impl ConnectionTrait) -> Result<Vec<entity::Model>, Error> {
    use sea_orm::QueryOrder;
    Ok(entity::Entity::find()
        .order_by_asc(entity::Column::Code)
        .all(db)
        .await?)
}

/// How many organisations there are.
pub async fn count(db: &impl ConnectionTrait) -> Result<u64, Error> {
    use sea_orm::PaginatorTrait;
    Ok(entity::Entity::find().count(db).await?)
}

/// Adds an organisation (ops): the API and the console both come here.
async fn insert_row(
    db: &impl ConnectionTrait,
    new: &NewOrganisation,
) -> Result<entity::Model, Error> {
    use sea_orm::{ActiveModelTrait, Set};
    let name = crate::required_text("name", &new.name, 100)?;
    let name_en = english_name(&new.name_en)?;
    if by_code(db, new.code.as_str()).await?.is_some() {
        return Err(Error::Conflict(format!(
            "an organisation with code {} exists",
            new.code.as_str()
        )));
    }
    Ok(entity::ActiveModel {
        code: Set(new.code.as_str().to_owned()),
        name: Set(name),
        name_en: Set(name_en),
        kind: Set(new.kind.as_str().to_owned()),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// An English name as given: blank is none (the pages fall back to the Chinese name),
/// otherwise 1 to 100 characters like any name.
fn english_name(value: &str) -> Result<String, Error> {
    if value.trim().is_empty() {
        Ok(String::new())
    } else {
        crate::required_text("name_en", value, 100)
    }
}

/// Renames an organisation or changes its kind (ops); its code, which cases and users refer
/// to, stays. An absent field keeps what is stored.
async fn update_row(
    db: &impl ConnectionTrait,
    code: &str,
    patch: &OrganisationPatch,
) -> Result<entity::Model, Error> {
    use sea_orm::{ActiveModelTrait, Set};
    let mut m: entity::ActiveModel = by_code(db, code)
        .await?
        .ok_or_else(|| Error::not_found(format!("no organisation with code {code}")))?
        .into();
    if let Some(n) = &patch.name {
        m.name = Set(crate::required_text("name", n, 100)?);
    }
    if let Some(n) = &patch.name_en {
        m.name_en = Set(english_name(n)?);
    }
    if let Some(k) = patch.kind {
        m.kind = Set(k.as_str().to_owned());
    }
    Ok(m.update(db).await?)
}

/// Changes to an organisation (ops); an absent field stays as it is. The code cannot change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationPatch {
    /// New Chinese name, 1 to 100 characters.
    pub name: Option<String>,
    /// New English name, at most 100 characters; empty removes it (the pages in English then
    /// show the Chinese name).
    pub name_en: Option<String>,
    /// New kind.
    pub kind: Option<OrganisationKind>,
}

/// An organisation to add (ops), as the API and the console send it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganisation {
    /// Public code; must be unused, and cannot change later.
    pub code: PublicCode,
    /// Name, 1 to 100 characters.
    pub name: String,
    /// English name, at most 100 characters; may be left out (the pages in English then show
    /// the Chinese name).
    #[serde(default)]
    pub name_en: String,
    /// District department or township office.
    pub kind: OrganisationKind,
}

/// What sort of handling organisation it is; stored as `department` or `township` in
/// `organisations.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    /// A district department (区级部门), e.g. the agriculture office.
    Department,
    /// A township or street office (镇/街道).
    Township,
}

impl OrganisationKind {
    /// The name stored in `organisations.kind` and used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            OrganisationKind::Department => "department",
            OrganisationKind::Township => "township",
        }
    }

    /// The kind stored as `s` (the inverse of [`OrganisationKind::as_str`]); `None` for anything
    /// else.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "department" => Some(OrganisationKind::Department),
            "township" => Some(OrganisationKind::Township),
            _ => None,
        }
    }
}

/// Adds the organisation (see `insert_row`), then makes the reference data forget its snapshot so the
/// change shows on the next request.
pub async fn create(
    db: &impl ConnectionTrait,
    reference: &crate::reference::Reference,
    new: &NewOrganisation,
) -> Result<entity::Model, Error> {
    reference.edited(insert_row(db, new)).await
}

/// Changes the organisation (see `update_row`), then makes the reference data forget its snapshot so the
/// change shows on the next request.
pub async fn update(
    db: &impl ConnectionTrait,
    reference: &crate::reference::Reference,
    code: &str,
    patch: &OrganisationPatch,
) -> Result<entity::Model, Error> {
    reference.edited(update_row(db, code, patch)).await
}
