//! The dispatcher: on every node, a loop that fans new notifications out into deliveries (one
//! per channel the recipient wants, held through quiet hours, gathered when many arrive), sends
//! what is due through the channels, retries failures with exponential backoff and parks them
//! after `max_attempts` (or at once when a channel refuses), telling ops. It also writes the
//! handlers' daily digest and the station's overdue notices, each once by a unique key, however
//! many nodes run.
//!
//! Nothing lives only in memory: a notification is a row from its cause's commit on, a delivery
//! is a row from fan-out on, and a claim is a lease on the row. A node that dies mid-send leaves
//! the delivery due again when the lease runs out; another node (or the same after a restart)
//! sends it, with the same idempotency key so the receiver can tell.

mod fanout;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect, TransactionTrait,
};
use serde_json::{Value, json};

use super::channel::{Address, Channel, Message, SendError};
use super::entity::{deliveries, notifications};
use super::outbox::{self, Row};
use super::preferences::{self, Preferences, parse_time, valid_mobile};
use super::{consent, inbox, rules, templates};
use crate::auth::entity::users;
use crate::calendar::Calendar;
use crate::cases::deadlines::local_today;
use crate::cases::entity::cases;
use crate::cases::intake::IntakeWriter;
use crate::cases::{Status, Urgency};
use crate::clock::Clock;
use crate::configuration::{NotificationSettings, Settings};

/// Ticks between two looks for overdue cases and the digest's hour.
const SWEEP_EVERY: u32 = 20;
/// The longest the dispatcher gives way to a busy intake writer before a round of its own.
const INTAKE_FIRST: StdDuration = StdDuration::from_secs(2);
/// Notifications fanned out, or deliveries tried, per tick.
const BATCH: u64 = 200;

/// What the loop works with.
pub struct Dispatcher {
    db: DatabaseConnection,
    clock: Clock,
    channels: Vec<Arc<dyn Channel>>,
    settings: NotificationSettings,
    due_soon_days: u32,
    suggestion_due_soon_days: u32,
    base_url: String,
    /// Station codes by id, for group chats (a code never changes).
    station_codes: std::sync::Mutex<std::collections::HashMap<i64, String>>,
    /// Where each sweep goes on from.
    cursors: Cursors,
}

/// The last id each sweep looked at (0: from the start).
#[derive(Default)]
struct Cursors {
    overdue: AtomicI64,
    suggestions: AtomicI64,
}

/// Starts the dispatcher on this node: the app calls it once at startup with every channel it
/// configured (in-app is added when missing). Dropping the handle does not stop it; aborting
/// it does.
pub fn spawn(
    db: DatabaseConnection,
    clock: Clock,
    channels: Vec<Arc<dyn Channel>>,
    settings: &Settings,
    intake: Option<IntakeWriter>,
) -> tokio::task::JoinHandle<()> {
    let d = Dispatcher::new(db, clock, channels, settings);
    let tick = StdDuration::from_millis(settings.notifications.tick_ms.max(10));
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(tick);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut n: u32 = 0;
        let mut digest_day: Option<NaiveDate> = None;
        let mut last_round = std::time::Instant::now();
        loop {
            interval.tick().await;
            // Residents' cases first: while the intake writer has work, a round waits (at
            // most INTAKE_FIRST since the last one). On SQLite both share one connection, and
            // a round of fan-out held it away from intake for a third of a burst; a message
            // told a moment later loses nothing, a resident kept waiting does.
            if intake.as_ref().is_some_and(IntakeWriter::busy)
                && last_round.elapsed() < INTAKE_FIRST
            {
                continue;
            }
            last_round = std::time::Instant::now();
            if n.is_multiple_of(SWEEP_EVERY) {
                if let Err(e) = d.sweep_overdue().await {
                    tracing::warn!(error = %e, "notifications: overdue sweep failed");
                }
                if let Err(e) = d.sweep_suggestions().await {
                    tracing::warn!(error = %e, "notifications: suggestion reminders failed");
                }
                match d.digest(digest_day).await {
                    Ok(Some(day)) => digest_day = Some(day),
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "notifications: digest failed"),
                }
            }
            n = n.wrapping_add(1);
            if let Err(e) = d.tick().await {
                tracing::warn!(error = %e, "notifications: dispatch failed");
            }
        }
    })
}

impl Dispatcher {
    /// A dispatcher over `channels` (in-app added when missing).
    pub fn new(
        db: DatabaseConnection,
        clock: Clock,
        mut channels: Vec<Arc<dyn Channel>>,
        settings: &Settings,
    ) -> Self {
        if !channels.iter().any(|c| c.name() == inbox::NAME) {
            channels.insert(0, Arc::new(inbox::InApp::new(db.clone(), clock.clone())));
        }
        Dispatcher {
            db,
            clock,
            channels,
            settings: settings.notifications.clone(),
            due_soon_days: settings.deadlines.due_soon_days,
            suggestion_due_soon_days: settings.suggestions.due_soon_days,
            station_codes: Default::default(),
            cursors: Cursors::default(),
            base_url: settings
                .server
                .public_base_url
                .trim_end_matches('/')
                .to_owned(),
        }
    }

    /// One round: fan out what is new, send what is due. Answers how many deliveries it tried.
    pub async fn tick(&self) -> Result<usize, DbErr> {
        self.fan_out_new(BATCH).await?;
        let now = self.clock.now();
        let due = super::deliveries::due(&self.db, now, BATCH).await?;
        let mut tried = 0;
        for d in due {
            if self.send(d).await? {
                tried += 1;
            }
        }
        // For ops' dashboards: how far behind sending is (0 when nothing waits).
        let now = self.clock.now();
        let oldest = super::deliveries::oldest_waiting(&self.db, now).await?;
        crate::operations::notification_lag(oldest.map(|t| (now - t).to_std().unwrap_or_default()));
        Ok(tried)
    }

    fn channel(&self, name: &str) -> Option<&Arc<dyn Channel>> {
        self.channels.iter().find(|c| c.name() == name)
    }

    async fn resident_phone(&self, case_id: i64) -> Result<Option<String>, DbErr> {
        Ok(crate::cases::contact::entity::Entity::find_by_id(case_id)
            .one(&self.db)
            .await?
            .and_then(|c| c.phone)
            .map(|p| p.replace([' ', '-'], ""))
            .filter(|p| valid_mobile(p)))
    }

    async fn prefs(&self, user_id: i64) -> Result<Preferences, DbErr> {
        preferences::of(&self.db, user_id, &self.settings)
            .await
            .map_err(|e| DbErr::Custom(e.to_string()))
    }

    /// The addresses a recipient has, in-app first.
    async fn addresses(&self, n: &notifications::Model) -> Result<Vec<Address>, DbErr> {
        if n.resident {
            let Some(case_id) = n.case_id else {
                return Ok(Vec::new());
            };
            if !consent::given(&self.db, case_id).await? {
                return Ok(Vec::new());
            }
            return Ok(self
                .resident_phone(case_id)
                .await?
                .map(Address::Phone)
                .into_iter()
                .collect());
        }
        let Some(u) = n.user_id else {
            return Ok(Vec::new());
        };
        let p = self.prefs(u).await?;
        self.user_addresses(n, u, &p).await
    }

    /// The addresses of user `u`, whose preferences are `p`, for `n`: in-app first.
    async fn user_addresses(
        &self,
        n: &notifications::Model,
        u: i64,
        p: &Preferences,
    ) -> Result<Vec<Address>, DbErr> {
        let mut out = vec![Address::User(u)];
        out.extend(p.email.clone().map(Address::Email));
        out.extend(p.phone.clone().map(Address::Phone));
        out.extend(self.station_chat(n).await?.map(Address::Robot));
        Ok(out)
    }

    /// The code of the station whose group chat hears `n`: a kind told to a station's staff,
    /// with its station, while some robot is configured. Codes never change, so they are kept.
    async fn station_chat(&self, n: &notifications::Model) -> Result<Option<String>, DbErr> {
        if n.resident
            || !rules::STATION_KINDS.contains(&n.kind.as_str())
            || !self.channels.iter().any(|c| c.group_chat())
        {
            return Ok(None);
        }
        let data: Value = serde_json::from_str(&n.data).unwrap_or(Value::Null);
        let Some(id) = data["station_id"].as_i64() else {
            return Ok(None);
        };
        if let Some(code) = self
            .station_codes
            .lock()
            .ok()
            .and_then(|c| c.get(&id).cloned())
        {
            return Ok(Some(code));
        }
        let code = crate::stations::by_id(&self.db, id)
            .await
            .map_err(|e| DbErr::Custom(e.to_string()))?
            .map(|s| s.code);
        if let (Some(c), Ok(mut codes)) = (&code, self.station_codes.lock()) {
            codes.insert(id, c.clone());
        }
        Ok(code)
    }

    /// The template data of `n` with its links made absolute.
    async fn data_of(&self, n: &notifications::Model) -> Result<Value, DbErr> {
        let mut data: Value = serde_json::from_str(&n.data).unwrap_or_else(|_| json!({}));
        let base = &self.base_url;
        if n.resident {
            let receipt = data["receipt"].as_str().unwrap_or_default().to_owned();
            data["link"] = json!(format!("{base}/t/{receipt}"));
            let token = match n.case_id {
                Some(c) => consent::token_of(&self.db, c).await?,
                None => None,
            };
            data["optout"] = json!(format!("{base}/n/optout/{}", token.unwrap_or_default()));
        } else if let Some(l) = data["link"].as_str().map(str::to_owned) {
            data["link"] = json!(format!("{base}{l}"));
        } else if let Some(c) = n.case_id {
            data["link"] = json!(format!("{base}/cases/{c}"));
        }
        Ok(data)
    }

    /// Tries the delivery `d`; false when another node had claimed it.
    async fn send(&self, d: deliveries::Model) -> Result<bool, DbErr> {
        let now = self.clock.now();
        let lease = now + Duration::seconds(self.settings.lease_secs.max(1) as i64);
        if !super::deliveries::claim(&self.db, &d, lease).await? {
            return Ok(false);
        }
        let Some(n) = notifications::Entity::find_by_id(d.notification_id)
            .one(&self.db)
            .await?
        else {
            super::deliveries::mark_failed(&self.db, &d, "notification gone", None, now).await?;
            return Ok(true);
        };
        let Some(ch) = self.channel(&d.channel).cloned() else {
            self.fail(
                &d,
                &n,
                &format!("no channel {} configured", d.channel),
                false,
            )
            .await?;
            return Ok(true);
        };
        let addresses = self.addresses(&n).await?;
        let Some(to) = addresses.into_iter().find(|a| ch.accepts(a)) else {
            // The consent was withdrawn or the address removed since: nothing to send.
            super::deliveries::mark_failed(
                &self.db,
                &d,
                "refused: no address for this channel any more (consent withdrawn or contact removed)",
                None,
                now,
            )
            .await?;
            return Ok(true);
        };
        // A group chat reads the district's language, not the language of whichever staff
        // member's copy made the post.
        let lang = match n.user_id {
            Some(u) if !n.resident && !ch.group_chat() => self.prefs(u).await?.lang,
            _ => "zh".to_owned(),
        };
        let data = self.data_of(&n).await?;
        let one = templates::render(&n.kind, &lang, &data);
        // Others due to the same person on the same push channel go with this one.
        let mut gathered = Vec::new();
        if ch.name() != inbox::NAME {
            for s in super::deliveries::siblings(&self.db, &d, now).await? {
                if super::deliveries::claim(&self.db, &s, lease).await? {
                    gathered.push(s);
                }
            }
        }
        let message = if gathered.is_empty() {
            Message {
                idempotency_key: d.idempotency_key.clone(),
                kind: n.kind.clone(),
                to,
                subject: one.subject,
                body: one.body,
                link: one.link,
                urgent: n.urgent,
            }
        } else {
            let mut lines = vec![format!("- {}", one.subject)];
            for s in &gathered {
                if let Some(sn) = notifications::Entity::find_by_id(s.notification_id)
                    .one(&self.db)
                    .await?
                {
                    let sd = self.data_of(&sn).await?;
                    lines.push(format!(
                        "- {}",
                        templates::render(&sn.kind, &lang, &sd).subject
                    ));
                }
            }
            let digest = templates::render(
                "digest.many",
                &lang,
                &json!({ "count": lines.len(), "items": lines.join("\n") }),
            );
            Message {
                idempotency_key: format!("{}-digest", d.idempotency_key),
                kind: "digest.many".into(),
                to,
                subject: digest.subject,
                body: digest.body,
                link: Some(format!("{}/notifications", self.base_url)),
                urgent: n.urgent,
            }
        };
        match ch.send(&message).await {
            Ok(()) => {
                let now = self.clock.now();
                super::deliveries::mark_sent(&self.db, d.id, now).await?;
                for s in &gathered {
                    super::deliveries::mark_sent(&self.db, s.id, now).await?;
                }
                tracing::info!(
                    delivery = d.id,
                    channel = ch.name(),
                    kind = n.kind,
                    gathered = gathered.len(),
                    "notification sent"
                );
            }
            Err(e) => {
                let refused = matches!(e, SendError::Refused(_));
                self.fail(&d, &n, &e.to_string(), refused).await?;
                for s in &gathered {
                    self.fail(s, &n, &e.to_string(), refused).await?;
                }
            }
        }
        Ok(true)
    }

    /// Books a failed attempt: retried after the backoff, or parked (and ops told) when the
    /// channel refused or the attempts are spent.
    async fn fail(
        &self,
        d: &deliveries::Model,
        n: &notifications::Model,
        error: &str,
        refused: bool,
    ) -> Result<(), DbErr> {
        let now = self.clock.now();
        let attempts = d.attempts + 1;
        let park = refused || attempts >= self.settings.max_attempts.max(1);
        let next = (!park).then(|| {
            now + super::deliveries::backoff(
                self.settings.backoff_secs,
                self.settings.backoff_max_secs,
                attempts,
            )
        });
        // Parked and ops told in one transaction: a parked delivery without its alert would
        // never be looked at again.
        let txn = self.db.begin().await?;
        super::deliveries::mark_failed(&txn, d, error, next, now).await?;
        // An alert about a parked alert would go round for ever.
        if park && n.kind != "ops.alert" {
            outbox::alert_ops(
                &txn,
                &format!("parked:{}", d.id),
                &format!(
                    "a {} notification by {} was parked: {error}",
                    n.kind, d.channel
                ),
                "/console/notifications",
                now,
            )
            .await?;
        }
        txn.commit().await?;
        tracing::warn!(
            delivery = d.id,
            channel = d.channel,
            kind = n.kind,
            attempts,
            parked = park,
            error,
            "notification not delivered"
        );
        Ok(())
    }

    async fn sweep_overdue(&self) -> Result<(), DbErr> {
        let now = self.clock.now();
        let after = self.cursors.overdue.load(Ordering::Relaxed);
        let next = outbox::sweep_overdue(&self.db, local_today(now), now, after).await?;
        self.cursors
            .overdue
            .store(next.unwrap_or(0), Ordering::Relaxed);
        Ok(())
    }

    /// Reminders of suggestions' deadlines and co-organisations' opinions (see
    /// `notifications::suggestions`).
    async fn sweep_suggestions(&self) -> Result<(), DbErr> {
        let now = self.clock.now();
        let cal = Calendar::load(&self.db)
            .await
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        let today = local_today(now);
        let after = self.cursors.suggestions.load(Ordering::Relaxed);
        let next = super::suggestions::sweep(
            &self.db,
            &cal,
            self.suggestion_due_soon_days,
            today,
            now,
            after,
        )
        .await?;
        self.cursors
            .suggestions
            .store(next.unwrap_or(0), Ordering::Relaxed);
        Ok(())
    }

    /// The handlers' digest, from `digest_time` on a working day: once per user and day (a
    /// unique key), whichever node writes it. Answers the day once it is written.
    async fn digest(&self, done: Option<NaiveDate>) -> Result<Option<NaiveDate>, DbErr> {
        let now = self.clock.now();
        let today = local_today(now);
        if done == Some(today) {
            return Ok(None);
        }
        let Ok(at) = parse_time("digest_time", &self.settings.digest_time) else {
            return Ok(None);
        };
        let local = now.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("offset"));
        if local.time() < at {
            return Ok(None);
        }
        let cal = Calendar::load(&self.db)
            .await
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        if !cal.is_working_day(today) {
            return Ok(Some(today));
        }
        write_digest(&self.db, &cal, today, self.due_soon_days, now).await?;
        Ok(Some(today))
    }
}

/// The delivery key a station's group chat shares for one cause: its copies (one per staff
/// member, written in one transaction) share the kind, the case, the moment and the data.
fn station_key(code: &str, n: &notifications::Model) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(n.kind.as_bytes());
    h.update(n.case_id.unwrap_or_default().to_le_bytes());
    h.update(n.created_at.timestamp_micros().to_le_bytes());
    h.update(n.data.as_bytes());
    format!("liaison-st-{code}-{}", &hex::encode(h.finalize())[..32])
}

/// Writes the day's digest for every handler whose organisation leads open cases due soon or
/// overdue.
pub async fn write_digest(
    db: &DatabaseConnection,
    cal: &Calendar,
    today: NaiveDate,
    due_soon_days: u32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let cutoff = cal.add_working_days(today, due_soon_days);
    let due = cases::Entity::find()
        .filter(cases::Column::LeadOrgId.is_not_null())
        .filter(cases::Column::DueOn.lte(cutoff))
        .filter(
            cases::Column::Status.is_not_in([Status::Closed.as_str(), Status::Rejected.as_str()]),
        )
        .limit(5000)
        .all(db)
        .await?;
    let mut by_org: std::collections::BTreeMap<i64, Vec<&cases::Model>> = Default::default();
    for c in &due {
        if let Some(o) = c.lead_org_id {
            by_org.entry(o).or_default().push(c);
        }
    }
    if by_org.is_empty() {
        return Ok(());
    }
    let handlers = users::Entity::find()
        .filter(users::Column::Role.eq("handler"))
        .filter(users::Column::Active.eq(true))
        .filter(users::Column::OrganisationId.is_in(by_org.keys().copied()))
        .all(db)
        .await?;
    let mut rows = Vec::new();
    for h in handlers {
        let Some(list) = h.organisation_id.and_then(|o| by_org.get(&o)) else {
            continue;
        };
        let items: Vec<String> = list
            .iter()
            .take(20)
            .map(|c| {
                let due = c.due_on.map(|d| d.to_string()).unwrap_or_default();
                let flag = if c.due_on.is_some_and(|d| d < today) {
                    "超期 overdue"
                } else {
                    "临期 due soon"
                };
                format!("- #{} {} ({flag} {due})", c.id, c.title)
            })
            .collect();
        rows.push(Row {
            kind: "digest.due",
            user_id: Some(h.id),
            case_id: None,
            resident: false,
            data: json!({ "count": list.len(), "items": items.join("\n"), "link": "/org" }),
            urgent: list.iter().any(|c| c.urgency == Urgency::Urgent),
            dedupe_key: Some(format!("digest:{}:{today}", h.id)),
        });
    }
    outbox::write(db, rows, now).await
}
