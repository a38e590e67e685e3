//! Who is asking: roles, users, password hashing, bearer sessions. What a caller may do and see
//! is the policy's to answer (`crate::policy`), never a comparison of roles elsewhere.

pub(crate) mod entity;

/// A user account as stored.
pub use entity::users::Model as User;

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::configuration::AuthSettings;
use crate::error::Error;

/// What a caller is to the platform; an account has exactly one, stored in `users.role` as
/// [`Role::as_str`] gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A member of the public acting through a receipt code; never a signed-in user.
    Resident,
    /// A people's-congress deputy (代表); the account is attached to their deputy record.
    Deputy,
    /// Works at a liaison station (联络站); the account is attached to it.
    StationStaff,
    /// Works for a handling organisation (承办单位).
    Handler,
    /// District people's congress office: runs the platform.
    Ops,
    /// Reads everything, changes nothing (leaders, big screen).
    Viewer,
    /// Liaison itself: closing unrated cases after the rating window.
    System,
}

impl Role {
    /// The roles an account may be given: never `Resident` or `System`.
    pub const USER_ROLES: [Role; 5] = [
        Role::Deputy,
        Role::StationStaff,
        Role::Handler,
        Role::Ops,
        Role::Viewer,
    ];

    /// The name stored in `users.role` and used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Resident => "resident",
            Role::Deputy => "deputy",
            Role::StationStaff => "station_staff",
            Role::Handler => "handler",
            Role::Ops => "ops",
            Role::Viewer => "viewer",
            Role::System => "system",
        }
    }

    /// The role stored as `s` (the inverse of [`Role::as_str`]); `None` for anything else.
    pub fn parse(s: &str) -> Option<Role> {
        [
            Role::Resident,
            Role::Deputy,
            Role::StationStaff,
            Role::Handler,
            Role::Ops,
            Role::Viewer,
            Role::System,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// A signed-in user as the request sees them.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The account's id.
    pub user_id: i64,
    /// The sign-in name.
    pub username: String,
    /// The name records show for what this user did (e.g. who recorded a case).
    pub display_name: String,
    /// The account's role.
    pub role: Role,
    /// The attached station: station staff's own, or a deputy's home station; absent for other
    /// roles.
    pub station_id: Option<i64>,
    /// The handling organisation of a handler; absent for other roles.
    pub organisation_id: Option<i64>,
    /// The deputy record of a deputy; absent for other roles.
    pub deputy_id: Option<i64>,
}

/// What part of the district a caller may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The whole district (ops, viewers, and Liaison itself).
    All,
    /// One station, by id, and the cases raised there.
    Station(i64),
    /// One handling organisation, by id, and the cases assigned to it.
    Organisation(i64),
    /// A role with nothing attached (a deputy without a station): sees nothing.
    Nothing,
}

/// Argon2id with the configured cost; tests configure a cheap one.
#[derive(Clone)]
pub struct PasswordPolicy {
    params: Params,
    /// A hash of nothing, verified against when the username is unknown.
    decoy: std::sync::Arc<String>,
}

impl PasswordPolicy {
    /// The policy for the configured Argon2 cost; fails if `auth.argon2_*` are out of range.
    /// Hashes the decoy once, so building costs one hash.
    pub fn new(s: &AuthSettings) -> anyhow::Result<Self> {
        let params = Params::new(
            s.argon2_memory_kib,
            s.argon2_iterations,
            s.argon2_parallelism,
            None,
        )
        .map_err(|e| anyhow::anyhow!("auth.argon2_*: {e}"))?;
        let mut policy = Self {
            params,
            decoy: Default::default(),
        };
        policy.decoy = std::sync::Arc::new(policy.hash("no such user")?);
        Ok(policy)
    }

    /// A hash to verify against when the username is unknown, so that an unknown user takes as
    /// long to refuse as a wrong password and usernames cannot be probed by timing.
    pub fn decoy(&self) -> &str {
        &self.decoy
    }

    /// Hashes `password` with Argon2id, a fresh salt and the configured cost, as a PHC string.
    pub fn hash(&self, password: &str) -> anyhow::Result<String> {
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone());
        argon
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
    }

    /// The stored hash carries its own parameters, so old hashes keep verifying after a change.
    pub fn verify(password: &str, stored: &str) -> bool {
        Argon2::default()
            .verify_password(password.as_bytes(), stored)
            .is_ok()
    }
}

fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Opens a session and returns its bearer token (shown once, stored only as a digest).
pub async fn open_session(
    db: &impl ConnectionTrait,
    user_id: i64,
    now: DateTime<Utc>,
    hours: i64,
) -> Result<(String, DateTime<Utc>), Error> {
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    let token = hex::encode(raw);
    let expires_at = now + Duration::hours(hours);
    entity::sessions::ActiveModel {
        token_hash: Set(token_digest(&token)),
        user_id: Set(user_id),
        created_at: Set(now),
        expires_at: Set(expires_at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((token, expires_at))
}

/// Ends the session of bearer `token`, if there is one.
pub async fn close_session(db: &impl ConnectionTrait, token: &str) -> Result<(), Error> {
    entity::sessions::Entity::delete_many()
        .filter(entity::sessions::Column::TokenHash.eq(token_digest(token)))
        .exec(db)
        .await?;
    Ok(())
}

/// The signed-in user behind bearer `token`; `None` if the session is unknown or expired, or
/// the account disabled.
pub async fn actor_for_token(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Actor>, Error> {
    let Some(session) = entity::sessions::Entity::find()
        .filter(entity::sessions::Column::TokenHash.eq(token_digest(token)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if session.expires_at <= now {
        return Ok(None);
    }
    let Some(user) = entity::users::Entity::find_by_id(session.user_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(actor_of(&user))
}

/// The actor for a user record; `None` if the account is disabled or its stored role unknown.
pub fn actor_of(user: &entity::users::Model) -> Option<Actor> {
    if !user.active {
        return None;
    }
    Some(Actor {
        user_id: user.id,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: Role::parse(&user.role)?,
        station_id: user.station_id,
        organisation_id: user.organisation_id,
        deputy_id: user.deputy_id,
    })
}
