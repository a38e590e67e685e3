//! Accounts, managed by ops. A user has one role and, depending on it, a station, an
//! organisation or a deputy record: that attachment is what scopes everything they see.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::entity::users;
use crate::auth::{PasswordPolicy, Role};
use crate::error::{Error, FormatKind, Thing};
use crate::policy::{self, Attachment};
use crate::required_text;
use crate::{deputies, orgs, stations};

/// An account as ops see it through the API; never the password hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    /// The sign-in name.
    pub username: String,
    /// The name records show for what the user did.
    pub display_name: String,
    /// The role, as [`Role::as_str`] gives it.
    pub role: String,
    /// Id of the attached station: station staff's own or a deputy's home station; absent for
    /// other roles.
    pub station_id: Option<i64>,
    /// Id of a handler's organisation; absent for other roles.
    pub organisation_id: Option<i64>,
    /// Id of a deputy's deputy record; absent for other roles.
    pub deputy_id: Option<i64>,
    /// False when disabled: the user cannot sign in.
    pub active: bool,
}

impl From<users::Model> for UserOut {
    fn from(u: users::Model) -> Self {
        UserOut {
            username: u.username,
            display_name: u.display_name,
            role: u.role,
            station_id: u.station_id,
            organisation_id: u.organisation_id,
            deputy_id: u.deputy_id,
            active: u.active,
        }
    }
}

/// An account to add (ops), as the API and the console send it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Sign-in name: ASCII letters, digits, `_`, `-` and `.`, at most 64; must be unused.
    pub username: String,
    /// At least 10 characters.
    pub password: String,
    /// The name records show, 1 to 50 characters.
    pub display_name: String,
    /// One of [`Role::USER_ROLES`]; it decides which attachment below is required.
    pub role: Role,
    /// Station code; required for station staff, taken from the deputy record for deputies.
    pub station: Option<String>,
    /// Organisation code; required for handlers.
    pub organisation: Option<String>,
    /// Deputy code; required for deputies.
    pub deputy: Option<String>,
}

/// Resolves the attachments a role needs, refusing ones it must not have.
pub async fn attachments(
    db: &impl sea_orm::ConnectionTrait,
    role: Role,
    station: Option<&str>,
    organisation: Option<&str>,
    deputy: Option<&str>,
) -> Result<(Option<i64>, Option<i64>, Option<i64>), Error> {
    match policy::attachment(role) {
        Some(Attachment::Station) => {
            let code = station.ok_or_else(|| Error::required("station"))?;
            let s = stations::by_code(db, code)
                .await
                .map_err(|_| Error::unknown_code("station", Thing::Station, code))?;
            Ok((Some(s.id), None, None))
        }
        Some(Attachment::Organisation) => {
            let code = organisation.ok_or_else(|| Error::required("organisation"))?;
            let o = orgs::by_code(db, code)
                .await?
                .ok_or_else(|| Error::unknown_code("organisation", Thing::Organisation, code))?;
            Ok((None, Some(o.id), None))
        }
        Some(Attachment::Deputy) => {
            let code = deputy.ok_or_else(|| Error::required("deputy"))?;
            let d = deputies::by_code(db, code)
                .await
                .map_err(|_| Error::unknown_code("deputy", Thing::Deputy, code))?;
            Ok((Some(d.station_id), None, Some(d.id)))
        }
        Some(Attachment::District) => Ok((None, None, None)),
        None => Err(Error::not_one_of(
            "role",
            &["deputy", "station_staff", "handler", "ops", "viewer"],
        )),
    }
}

/// At least 10 characters, at most 128 (argon2 hashes whatever it is given; a page should not
/// make it hash a megabyte).
fn check_password(password: &str) -> Result<(), Error> {
    let n = password.chars().count();
    if n < 10 {
        return Err(Error::too_short("password", 10));
    }
    if n > 128 {
        return Err(Error::too_long("password", 128));
    }
    Ok(())
}

/// Adds an account (ops): the API and the console both come here. The password is hashed by
/// the configured policy and never kept.
pub async fn create(
    db: &impl sea_orm::ConnectionTrait,
    passwords: &PasswordPolicy,
    new: &NewUser,
) -> Result<users::Model, Error> {
    let username = required_text("username", &new.username, 64)?;
    if !username
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
    {
        return Err(Error::format("username", FormatKind::Username));
    }
    check_password(&new.password)?;
    let display_name = required_text("display_name", &new.display_name, 50)?;
    let (station_id, organisation_id, deputy_id) = attachments(
        db,
        new.role,
        new.station.as_deref(),
        new.organisation.as_deref(),
        new.deputy.as_deref(),
    )
    .await?;
    if by_username(db, &username).await?.is_some() {
        return Err(Error::Conflict(format!("username {username} is taken")));
    }
    let hash = passwords.hash(&new.password)?;
    Ok(users::ActiveModel {
        username: Set(username),
        password_hash: Set(hash),
        display_name: Set(display_name),
        role: Set(new.role.as_str().to_owned()),
        station_id: Set(station_id),
        organisation_id: Set(organisation_id),
        deputy_id: Set(deputy_id),
        active: Set(true),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Every account, oldest first.
pub async fn all(db: &impl sea_orm::ConnectionTrait) -> Result<Vec<users::Model>, Error> {
    Ok(users::Entity::find()
        .order_by_asc(users::Column::Id)
        .all(db)
        .await?)
}

/// The account with this username, active or not; `None` if there is none.
pub async fn by_username(
    db: &impl sea_orm::ConnectionTrait,
    username: &str,
) -> Result<Option<users::Model>, Error> {
    Ok(users::Entity::find()
        .filter(users::Column::Username.eq(username))
        .one(db)
        .await?)
}

/// How many accounts there are.
pub async fn count(db: &impl sea_orm::ConnectionTrait) -> Result<u64, Error> {
    use sea_orm::PaginatorTrait;
    Ok(users::Entity::find().count(db).await?)
}

async fn existing(
    db: &impl sea_orm::ConnectionTrait,
    username: &str,
) -> Result<users::Model, Error> {
    by_username(db, username)
        .await?
        .ok_or_else(|| Error::not_found(format!("no user {username}")))
}

/// Ends every session of the user: a disabled account or a reset password signs them out.
async fn sign_out_everywhere(
    db: &impl sea_orm::ConnectionTrait,
    user_id: i64,
) -> Result<(), Error> {
    crate::auth::entity::sessions::Entity::delete_many()
        .filter(crate::auth::entity::sessions::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Disables or enables an account (ops). A disabled one cannot sign in and is signed out.
pub async fn set_active(
    db: &impl sea_orm::ConnectionTrait,
    username: &str,
    active: bool,
) -> Result<users::Model, Error> {
    let u = existing(db, username).await?;
    let id = u.id;
    let mut m: users::ActiveModel = u.into();
    m.active = Set(active);
    let u = m.update(db).await?;
    if !active {
        sign_out_everywhere(db, id).await?;
    }
    Ok(u)
}

/// Sets a new password (ops, for someone who lost theirs) and signs the user out everywhere.
pub async fn reset_password(
    db: &impl sea_orm::ConnectionTrait,
    passwords: &PasswordPolicy,
    username: &str,
    password: &str,
) -> Result<(), Error> {
    check_password(password)?;
    let u = existing(db, username).await?;
    let id = u.id;
    let mut m: users::ActiveModel = u.into();
    m.password_hash = Set(passwords.hash(password)?);
    m.update(db).await?;
    sign_out_everywhere(db, id).await
}
