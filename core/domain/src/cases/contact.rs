//! Reporters' contacts: stored apart from cases, shown masked, revealed only on an explicit,
//! logged call by a role that needs to reach the resident.

/// Mainland mobiles and landlines, with optional area code: the rule plugin forms use too.
pub use liaison_contract::form::valid_phone;
use serde::Serialize;
use utoipa::ToSchema;

/// The `reporter_contacts` table: at most one row per case, absent for anonymous cases.
pub(crate) mod entity {
    use sea_orm::entity::prelude::*;

    /// A reporter's contact as stored, unmasked; read only through [`super::reveal`].
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "reporter_contacts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        /// The case this contact belongs to; also the primary key.
        pub case_id: i64,
        /// The name the resident gave, if any.
        pub name: Option<String>,
        /// The phone the resident gave, if any; checked by [`super::valid_phone`] at intake.
        pub phone: Option<String>,
        /// When the contact was stored, together with the case.
        pub created_at: DateTimeUtc,
    }

    /// No relations: the row is joined to its case by id only, to keep contacts apart.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A reporter's name and phone, either in clear (from [`reveal`]) or masked
/// (from [`Contact::masked`]).
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct Contact {
    /// The reporter's name; `None` when none was given.
    pub name: Option<String>,
    /// The reporter's phone; `None` when none was given.
    pub phone: Option<String>,
}

/// Reveals the reporter's contact of a case `actor` may see, recording the reason as an internal
/// event of the case in the same transaction. The API and the case page both come here.
pub async fn reveal(
    db: &sea_orm::DatabaseConnection,
    actor: &crate::auth::Actor,
    case_id: i64,
    reason: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Contact, crate::error::Error> {
    use sea_orm::{EntityTrait, TransactionTrait};

    use super::actions::{self, Performer};
    // Staff reach the resident to register and close; deputies to relay the answer; ops oversee.
    crate::policy::require(actor, crate::policy::Permission::RevealContact)?;
    let reason = super::intake::text("reason", reason, 2, 500)?;
    let txn = db.begin().await?;
    let c = super::queries::visible_case(&txn, actor, case_id).await?;
    let found = entity::Entity::find_by_id(c.id)
        .one(&txn)
        .await?
        .ok_or_else(|| {
            crate::error::Error::not_found("this case has no contact (anonymous or none given)")
        })?;
    let status = c.status;
    actions::record(
        &txn,
        &c,
        "reveal_contact",
        status,
        status,
        &Performer::User(actor.clone()),
        Some(reason),
        super::commands::NoteAudience::Internal,
        false,
        None,
        now,
    )
    .await?;
    txn.commit().await?;
    tracing::info!(case_id = c.id, user_id = actor.user_id, "contact revealed");
    Ok(Contact {
        name: found.name,
        phone: found.phone,
    })
}

/// 13812345678 → 138****5678; short numbers keep only their last two digits.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() >= 7 {
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}****{tail}")
    } else if chars.len() > 2 {
        let tail: String = chars[chars.len() - 2..].iter().collect();
        format!("{}{tail}", "*".repeat(chars.len() - 2))
    } else {
        "*".repeat(chars.len())
    }
}

/// 张三丰 → 张**; a name is masked to its first character.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
        None => String::new(),
    }
}

impl Contact {
    /// The same contact as it may be shown to anyone who sees the case: name cut to its first
    /// character, phone to its first three and last four digits.
    pub fn masked(&self) -> Contact {
        Contact {
            name: self.name.as_deref().map(mask_name),
            phone: self.phone.as_deref().map(mask_phone),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_little() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("12345"), "***45");
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("李"), "李*");
        let c = Contact {
            name: Some("王小明".into()),
            phone: Some("13900001111".into()),
        }
        .masked();
        assert_eq!(
            c,
            Contact {
                name: Some("王**".into()),
                phone: Some("139****1111".into())
            }
        );
    }
}
