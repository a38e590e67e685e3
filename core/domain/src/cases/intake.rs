//! A resident's opinion becomes a case. Validation first, then one transaction writes the case,
//! its contact (apart) and its first event; a 201 is sent only after that commit.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, Set, SqlErr, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};
use utoipa::ToSchema;

use super::entity::{cases, events};
use super::{Channel, Status, Urgency, contact, receipt};
use crate::deputies;
use crate::error::{Error, FieldKind, FormatKind, Thing};

pub use liaison_contract::calls::{MAX_DESCRIPTION, MAX_TITLE, default_title};

/// A resident's opinion as the public intake form (station or deputy QR, web) sends it.
/// Unknown fields are refused, so a misspelt field is an error rather than silently lost.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Intake {
    /// The station's public code (from its QR).
    pub station: String,
    /// A category code from `GET /api/v1/categories`.
    pub category: String,
    /// What the resident wants to say, 5 to 2000 characters.
    pub description: String,
    /// A short headline; when absent or blank one is made from the start of the description.
    pub title: Option<String>,
    /// Where the matter is, when the resident shared it.
    pub location: Option<Location>,
    /// How to reach the resident; must be absent (or empty) when `anonymous` is set.
    pub contact: Option<ContactIn>,
    /// No contact is kept for an anonymous opinion.
    #[serde(default)]
    pub anonymous: bool,
    /// The deputy's public code, when raised through a deputy's QR.
    pub deputy: Option<String>,
    /// `normal` unless the resident marks the matter urgent.
    #[serde(default)]
    pub urgency: Urgency,
    /// `station_qr` (default), `deputy_qr` or `web`.
    pub channel: Option<Channel>,
    /// A random key the client makes once per form; a resent form with the same key makes no
    /// second case. The `Idempotency-Key` header does the same.
    pub client_key: Option<String>,
    /// The resident agrees to be texted about this case (answered, closed) at the phone given
    /// in `contact`; without a phone it means nothing. Every text carries an opt-out link.
    #[serde(default)]
    pub notify_consent: bool,
}

/// Where a case's matter is: WGS-84 coordinates as the browser reports them, and an address.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// Latitude in degrees, −90 to 90.
    pub lat: f64,
    /// Longitude in degrees, −180 to 180.
    pub lng: f64,
    /// A street address as typed, up to 200 characters; blank is treated as absent.
    pub address: Option<String>,
}

/// The reporter's contact as typed on the form; blank parts count as absent, and the phone must
/// be a mainland mobile or landline.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactIn {
    /// The resident's name, up to 50 characters.
    pub name: Option<String>,
    /// The resident's phone number.
    pub phone: Option<String>,
}

/// The answer to a successful intake (HTTP 201, or the earlier case for a repeated key).
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    /// The case's internal id.
    pub id: i64,
    /// Give this to the resident: it is how they follow and rate the case.
    pub receipt_code: String,
    /// Always `submitted` for a new case: it waits for the station to register it (登记).
    pub status: Status,
}

/// Who wrote a case down when it was not the resident: a user at the desk, or a plugin.
#[derive(Debug, Clone)]
pub struct Recorder {
    /// The recording user, absent for a plugin.
    pub user_id: Option<i64>,
    /// The name shown as the author of the case's first event (the user's, or the plugin id).
    pub name: String,
    /// The role recorded with the first event: the user's role (e.g. `station_staff`), or `plugin`.
    pub role: String,
}

/// A case ready to be written: every reference resolved, every field checked.
#[derive(Debug, Clone)]
pub struct NewCase {
    /// The station the case was raised at; it registers and triages the case.
    pub station_id: i64,
    /// The deputy whose QR was scanned or who was chosen; absent for station-level cases.
    pub deputy_id: Option<i64>,
    /// The (active) category the resident picked.
    pub category_id: i64,
    /// How the case reached Liaison.
    pub channel: Channel,
    /// The headline, given or made from the description.
    pub title: String,
    /// The resident's words, trimmed and checked for length.
    pub description: String,
    /// How fast the case must move.
    pub urgency: Urgency,
    /// Where the matter is, if shared.
    pub location: Option<Location>,
    /// Set when the resident chose not to leave a contact; then `contact` is none.
    pub anonymous: bool,
    /// The reporter's contact, stored apart in `reporter_contacts`; none when anonymous or not
    /// given.
    pub contact: Option<contact::Contact>,
    /// The idempotency key (16–64 printable ASCII characters) from the header or the form; a second
    /// case with the same key is not written, the first one is answered instead.
    pub intake_key: Option<String>,
    /// Who wrote it down, for cases recorded by people rather than residents.
    pub recorded_by: Option<Recorder>,
    /// Photos already on disk; their rows are written with the case.
    pub photos: Vec<super::photos::Stored>,
    /// The resident agreed to be texted at the contact's phone (kept only with a phone).
    pub notify_consent: bool,
}

impl NewCase {
    /// Whether the resident is to be texted: consent and a phone.
    fn texts(&self) -> bool {
        self.notify_consent && self.contact.as_ref().is_some_and(|c| c.phone.is_some())
    }
}

/// Checks text that people typed: trimmed, not empty unless optional, not longer than `max`
/// (the rule plugins' texts follow too).
pub fn text(field: &str, value: &str, min: usize, max: usize) -> Result<String, Error> {
    Ok(liaison_contract::calls::text(field, value, min, max)?)
}

/// Checks a public intake form and resolves its codes (station, active category, active deputy
/// serving at that station) into a [`NewCase`]. Only the public channels (`station_qr`, `deputy_qr`,
/// `web`) are accepted here; without a channel, a deputy code means `deputy_qr`. The header's
/// idempotency key wins over the form's `client_key`.
pub async fn validate(
    db: &impl ConnectionTrait,
    reference: &crate::reference::Reference,
    req: Intake,
    header_key: Option<String>,
) -> Result<NewCase, Error> {
    let station = reference
        .station_by_code(db, req.station.trim())
        .await?
        .ok_or_else(|| Error::unknown_code("station", Thing::Station, req.station.trim()))?;
    let category = reference
        .category_by_code(db, req.category.trim())
        .await?
        .filter(|c| c.active)
        .ok_or_else(|| Error::unknown_code("category", Thing::Category, req.category.trim()))?;
    let description = liaison_contract::calls::description(&req.description)?;
    let title = liaison_contract::calls::title(req.title.as_deref(), &description)?;
    let location = match req.location {
        Some(loc) => {
            if !(-90.0..=90.0).contains(&loc.lat) || loc.lat.is_nan() {
                return Err(Error::out_of_range("location.lat", -90, 90));
            }
            if !(-180.0..=180.0).contains(&loc.lng) || loc.lng.is_nan() {
                return Err(Error::out_of_range("location.lng", -180, 180));
            }
            let address = match loc
                .address
                .as_deref()
                .map(str::trim)
                .filter(|a| !a.is_empty())
            {
                Some(a) => Some(text("location.address", a, 1, 200)?),
                None => None,
            };
            Some(Location {
                lat: loc.lat,
                lng: loc.lng,
                address,
            })
        }
        None => None,
    };
    let contact = match req.contact {
        Some(c) => {
            let name = match c.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                Some(n) => Some(text("contact.name", n, 1, 50)?),
                None => None,
            };
            let phone = match c.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
                Some(p) if contact::valid_phone(p) => Some(p.to_owned()),
                Some(_) => {
                    return Err(Error::format("contact.phone", FormatKind::Phone));
                }
                None => None,
            };
            if req.anonymous && (name.is_some() || phone.is_some()) {
                return Err(Error::invalid("contact", FieldKind::AnonymousContact));
            }
            (name.is_some() || phone.is_some()).then_some(contact::Contact { name, phone })
        }
        None => None,
    };
    let deputy_id = match req
        .deputy
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        Some(code) => {
            // A retired deputy's QR leads nowhere: they get no new cases.
            let d = deputies::by_code(db, code)
                .await
                .ok()
                .filter(|d| d.active)
                .ok_or_else(|| Error::unknown_code("deputy", Thing::Deputy, code))?;
            if !deputies::serves_at(db, &d, station.id).await? {
                return Err(Error::invalid(
                    "deputy",
                    FieldKind::DeputyNotServing {
                        deputy: code.to_owned(),
                        station: Some(station.code.clone()),
                    },
                ));
            }
            Some(d.id)
        }
        None => None,
    };
    let channel = match req.channel {
        None if deputy_id.is_some() => Channel::DeputyQr,
        None => Channel::StationQr,
        Some(c @ (Channel::StationQr | Channel::DeputyQr | Channel::Web)) => c,
        Some(_) => {
            return Err(Error::not_one_of(
                "channel",
                &["station_qr", "deputy_qr", "web"],
            ));
        }
    };
    let intake_key = match header_key.or(req.client_key) {
        Some(k) if valid_key(&k) => Some(k),
        Some(_) => {
            return Err(Error::format("client_key", FormatKind::ClientKey));
        }
        None => None,
    };
    Ok(NewCase {
        station_id: station.id,
        deputy_id,
        category_id: category.id,
        channel,
        title,
        description,
        urgency: req.urgency,
        location,
        anonymous: req.anonymous,
        contact,
        intake_key,
        recorded_by: None,
        photos: Vec::new(),
        notify_consent: req.notify_consent,
    })
}

/// The shortest idempotency key: with fewer characters keys are guessable or collide, and a
/// replayed key must never answer another resident's case.
pub const MIN_KEY: usize = 16;
/// The longest idempotency key.
pub const MAX_KEY: usize = 64;

/// An idempotency key: [`MIN_KEY`] to [`MAX_KEY`] printable ASCII characters.
pub fn valid_key(k: &str) -> bool {
    (MIN_KEY..=MAX_KEY).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic())
}

impl NewCase {
    /// The digest of what the case says (station, deputy, category, channel, texts, urgency,
    /// location, contact, the photos' bytes by their SHA-256), stored with its idempotency key: a
    /// replay with the same key must say the same, or it is refused rather than answered with
    /// the first case.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let canonical = serde_json::json!([
            self.station_id,
            self.deputy_id,
            self.category_id,
            self.channel.as_str(),
            self.title,
            self.description,
            self.urgency.as_str(),
            self.location
                .as_ref()
                .map(|l| (l.lat, l.lng, l.address.clone())),
            self.anonymous,
            self.contact
                .as_ref()
                .map(|c| (c.name.clone(), c.phone.clone())),
            self.photos
                .iter()
                .map(|p| p.sha256.as_str())
                .collect::<Vec<_>>(),
        ]);
        hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
    }
}

/// The case stored under `new`'s key, when there is one and it says what `new` says; a refusal
/// naming `client_key` when the key was used for something else.
fn replayed(existing: &cases::Model, new: &NewCase) -> Result<(Created, bool), Error> {
    // Rows stored before digests were kept carry none; they answer as before.
    match &existing.intake_digest {
        Some(d) if *d != new.digest() => Err(Error::invalid("client_key", FieldKind::KeyReused)),
        _ => Ok((created_of(existing), false)),
    }
}

/// Writes the case; returns the existing one when the intake key was seen before with the same
/// content, and refuses a key seen before with other content.
pub async fn insert(
    db: &DatabaseConnection,
    new: NewCase,
    now: DateTime<Utc>,
) -> Result<(Created, bool), Error> {
    if let Some(key) = &new.intake_key
        && let Some(existing) = cases::Entity::find()
            .filter(cases::Column::IntakeKey.eq(key.as_str()))
            .one(db)
            .await?
    {
        return replayed(&existing, &new);
    }
    // A receipt-code collision is astronomically rare, but retrying costs nothing.
    for _ in 0..5 {
        let code = receipt::generate();
        match write(db, &new, &code, now).await {
            Ok(c) => return Ok((c, true)),
            Err(e) if is_unique_violation(&e) => {
                if let Some(key) = &new.intake_key {
                    // Two copies of one form raced; the other one won.
                    if let Some(existing) = cases::Entity::find()
                        .filter(cases::Column::IntakeKey.eq(key.as_str()))
                        .one(db)
                        .await?
                    {
                        return replayed(&existing, &new);
                    }
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::Internal(anyhow::anyhow!(
        "could not find a free receipt code"
    )))
}

fn created_of(m: &cases::Model) -> Created {
    Created {
        id: m.id,
        receipt_code: m.receipt_code.clone(),
        status: m.status,
    }
}

fn is_unique_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

async fn write(
    db: &DatabaseConnection,
    new: &NewCase,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Created, DbErr> {
    let txn = db.begin().await?;
    let created = write_one(&txn, new, code, now).await?;
    txn.commit().await?;
    Ok(created)
}

/// The case row of a new case, before its id is known.
fn case_row(new: &NewCase, code: &str, now: DateTime<Utc>) -> cases::ActiveModel {
    cases::ActiveModel {
        receipt_code: Set(code.to_owned()),
        station_id: Set(new.station_id),
        deputy_id: Set(new.deputy_id),
        category_id: Set(new.category_id),
        channel: Set(new.channel),
        title: Set(new.title.clone()),
        description: Set(new.description.clone()),
        urgency: Set(new.urgency),
        complex: Set(false),
        lat: Set(new.location.as_ref().map(|l| l.lat)),
        lng: Set(new.location.as_ref().map(|l| l.lng)),
        address: Set(new.location.as_ref().and_then(|l| l.address.clone())),
        anonymous: Set(new.anonymous),
        status: Set(Status::Submitted),
        supervision_level: Set(0),
        extension_count: Set(0),
        rework_count: Set(0),
        unrated: Set(false),
        intake_key: Set(new.intake_key.clone()),
        intake_digest: Set(new.intake_key.as_ref().map(|_| new.digest())),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

fn contact_row(
    case_id: i64,
    c: &contact::Contact,
    now: DateTime<Utc>,
) -> contact::entity::ActiveModel {
    contact::entity::ActiveModel {
        case_id: Set(case_id),
        name: Set(c.name.clone()),
        phone: Set(c.phone.clone()),
        created_at: Set(now),
    }
}

/// The first event of every case: it was submitted, by whom, through which channel.
fn submit_event(case_id: i64, new: &NewCase, now: DateTime<Utc>) -> events::ActiveModel {
    let (actor_user_id, actor_name, actor_role) = match &new.recorded_by {
        Some(r) => (r.user_id, r.name.clone(), r.role.as_str()),
        None => (None, "群众".to_owned(), "resident"),
    };
    events::ActiveModel {
        case_id: Set(case_id),
        action: Set("submit".to_owned()),
        from_status: Set(String::new()),
        to_status: Set(Status::Submitted.as_str().to_owned()),
        actor_role: Set(actor_role.to_owned()),
        actor_user_id: Set(actor_user_id),
        actor_name: Set(actor_name),
        note: Set(None),
        note_public: Set(false),
        public: Set(true),
        data: Set(Some(
            serde_json::json!({ "channel": new.channel.as_str() }).to_string(),
        )),
        created_at: Set(now),
        ..Default::default()
    }
}

async fn write_one(
    txn: &DatabaseTransaction,
    new: &NewCase,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Created, DbErr> {
    let case = case_row(new, code, now).insert(txn).await?;
    if let Some(c) = &new.contact {
        contact_row(case.id, c, now).insert(txn).await?;
    }
    if !new.photos.is_empty() {
        super::photos::entity::Entity::insert_many(super::photos::rows(case.id, &new.photos, now))
            .exec(txn)
            .await?;
        super::photos::insert(txn, &new.photos).await?;
    }
    let event = submit_event(case.id, new, now).insert(txn).await?;
    crate::plugins::outbox::enqueue(txn, &event, case.station_id).await?;
    crate::dashboard::counters::on_intake(txn, std::slice::from_ref(&case)).await?;
    if new.texts() {
        crate::notifications::consent::record(txn, &[case.id], now).await?;
    }
    crate::notifications::outbox::on_intake(txn, std::slice::from_ref(&case), now).await?;
    tracing::info!(
        case_id = case.id,
        channel = new.channel.as_str(),
        "case submitted"
    );
    Ok(Created {
        id: case.id,
        receipt_code: case.receipt_code,
        status: Status::Submitted,
    })
}

/// Group commit for intake. Residents' submissions queue here; one task writes whatever has
/// queued in a single transaction, so one disk sync makes a whole batch durable. Every
/// submitter is answered only after that commit, which keeps "201 means on disk" true while
/// the write rate goes well beyond one sync per case. A batch that fails (a receipt-code
/// collision, a key raced by another node) is retried one case at a time.
#[derive(Clone)]
pub struct IntakeWriter {
    tx: mpsc::Sender<Job>,
    /// Cases queued or being written: work that other writers on this node give way to.
    in_flight: Arc<AtomicUsize>,
}

type Outcome = Result<(Created, bool), Error>;

struct Job {
    new: NewCase,
    now: DateTime<Utc>,
    reply: oneshot::Sender<Outcome>,
}

const MAX_BATCH: usize = 128;

impl IntakeWriter {
    /// Starts the writer task on the current Tokio runtime; clones of the handle share it.
    pub fn spawn(db: DatabaseConnection) -> Self {
        let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
        let in_flight = Arc::new(AtomicUsize::new(0));
        tokio::spawn(run_writer(db, rx, in_flight.clone()));
        IntakeWriter { tx, in_flight }
    }

    /// Whether residents' cases are queued or being written on this node now. The notification
    /// dispatcher gives way to them for a moment (see `notifications::dispatch`).
    pub fn busy(&self) -> bool {
        self.in_flight.load(Ordering::Relaxed) > 0
    }

    /// Queues `new` for the next batch and waits until it is committed. Answers the case and
    /// whether it was written now (`true`) or already existed under the same intake key (`false`).
    pub async fn submit(&self, new: NewCase, now: DateTime<Utc>) -> Outcome {
        let (reply, answer) = oneshot::channel();
        // Counted before it queues, so the writer's decrement can never come first.
        let depth = metrics::gauge!(crate::operations::INTAKE_QUEUE_DEPTH);
        depth.increment(1.0);
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        if self.tx.send(Job { new, now, reply }).await.is_err() {
            depth.decrement(1.0);
            self.in_flight.fetch_sub(1, Ordering::Relaxed);
            return Err(Error::Internal(anyhow::anyhow!("intake writer stopped")));
        }
        answer
            .await
            .map_err(|_| Error::Internal(anyhow::anyhow!("intake writer dropped a case")))?
    }
}

async fn run_writer(
    db: DatabaseConnection,
    mut rx: mpsc::Receiver<Job>,
    in_flight: Arc<AtomicUsize>,
) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        // Looked up per batch, not once: the recorder may be installed after the writer starts.
        metrics::gauge!(crate::operations::INTAKE_QUEUE_DEPTH).decrement(batch.len() as f64);
        metrics::histogram!(crate::operations::INTAKE_BATCH_SIZE).record(batch.len() as f64);
        let n = batch.len();
        write_batch(&db, batch).await;
        in_flight.fetch_sub(n, Ordering::Relaxed);
    }
}

async fn write_batch(db: &DatabaseConnection, batch: Vec<Job>) {
    // Keyed jobs whose key is already stored, or repeated within the batch, go the single way,
    // which answers them with the case already written.
    let mut together = Vec::with_capacity(batch.len());
    let mut alone = Vec::new();
    let mut keys = std::collections::HashSet::new();
    for job in batch {
        match &job.new.intake_key {
            Some(k) if !keys.insert(k.clone()) => alone.push(job),
            _ => together.push(job),
        }
    }
    let keyed: Vec<String> = together
        .iter()
        .filter_map(|j| j.new.intake_key.clone())
        .collect();
    if !keyed.is_empty() {
        match cases::Entity::find()
            .filter(cases::Column::IntakeKey.is_in(keyed))
            .all(db)
            .await
        {
            Ok(found) if !found.is_empty() => {
                let seen: std::collections::HashSet<_> =
                    found.into_iter().filter_map(|c| c.intake_key).collect();
                let (dupes, rest): (Vec<_>, Vec<_>) = together
                    .into_iter()
                    .partition(|j| j.new.intake_key.as_ref().is_some_and(|k| seen.contains(k)));
                together = rest;
                alone.extend(dupes);
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "checking intake keys"),
        }
    }
    if !together.is_empty() {
        match write_together(db, &together).await {
            Ok(created) => {
                for (job, c) in together.into_iter().zip(created) {
                    let _ = job.reply.send(Ok((c, true)));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, size = together.len(), "batched intake failed; writing one by one");
                alone.extend(together);
            }
        }
    }
    for job in alone {
        let outcome = insert(db, job.new, job.now).await;
        let _ = job.reply.send(outcome);
    }
}

async fn write_together(db: &DatabaseConnection, jobs: &[Job]) -> Result<Vec<Created>, DbErr> {
    // One multi-row statement per table, not three statements per case: the batch costs a
    // handful of round trips to the database however many residents are waiting on it.
    let codes: Vec<String> = jobs.iter().map(|_| receipt::generate()).collect();
    let txn = db.begin().await?;
    let rows = cases::Entity::insert_many(
        jobs.iter()
            .zip(&codes)
            .map(|(j, code)| case_row(&j.new, code, j.now)),
    )
    .exec_with_returning(&txn)
    .await?;
    // RETURNING order is not promised; the receipt code (unique) ties each row to its job.
    let id_of: std::collections::HashMap<&str, i64> = rows
        .iter()
        .map(|r| (r.receipt_code.as_str(), r.id))
        .collect();
    let id = |code: &str| {
        id_of
            .get(code)
            .copied()
            .ok_or_else(|| DbErr::Custom(format!("case {code} not returned")))
    };
    let mut contacts = Vec::new();
    let mut consenting = Vec::new();
    let mut firsts = Vec::with_capacity(jobs.len());
    let mut photos = Vec::new();
    for (job, code) in jobs.iter().zip(&codes) {
        let case_id = id(code)?;
        photos.extend(super::photos::rows(case_id, &job.new.photos, job.now));
        if let Some(c) = &job.new.contact {
            contacts.push(contact_row(case_id, c, job.now));
        }
        if job.new.texts() {
            consenting.push(case_id);
        }
        firsts.push(submit_event(case_id, &job.new, job.now));
    }
    if !contacts.is_empty() {
        contact::entity::Entity::insert_many(contacts)
            .exec(&txn)
            .await?;
    }
    if !photos.is_empty() {
        super::photos::entity::Entity::insert_many(photos)
            .exec(&txn)
            .await?;
        for job in jobs {
            super::photos::insert(&txn, &job.new.photos).await?;
        }
    }
    let evs = events::Entity::insert_many(firsts)
        .exec_with_returning(&txn)
        .await?;
    let station_of: std::collections::HashMap<i64, i64> =
        rows.iter().map(|r| (r.id, r.station_id)).collect();
    crate::plugins::outbox::enqueue_many(&txn, &evs, &station_of).await?;
    // The batch's receipts in one upsert, in the batch's transaction.
    crate::dashboard::counters::on_intake(&txn, &rows).await?;
    let now = jobs.first().map(|j| j.now).unwrap_or_else(chrono::Utc::now);
    crate::notifications::consent::record(&txn, &consenting, now).await?;
    crate::notifications::outbox::on_intake(&txn, &rows, now).await?;
    txn.commit().await?;
    tracing::info!(cases = jobs.len(), "cases submitted");
    codes
        .into_iter()
        .map(|code| {
            Ok(Created {
                id: id(&code)?,
                receipt_code: code,
                status: Status::Submitted,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
