//! Fan-out: each new notification becomes its deliveries, one per channel its recipient wants.
//!
//! Everything a notification's deliveries depend on is read first (SQLite runs on one
//! connection, so nothing is read inside the transaction); then a chunk of notifications is
//! written in one transaction. Why: every commit waits for the disk, and with a commit per
//! notification — and two more to send its bell message after — a burst of cases left the
//! bell minutes behind on a busy machine. The bell's message is written in the same
//! transaction and its delivery booked as sent: in-app is never held (it disturbs no one),
//! never gathered into a digest and needs no network, so there is nothing to wait for.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{DbErr, TransactionTrait};

use super::{Dispatcher, station_key};
use crate::notifications::channel::{Address, Message};
use crate::notifications::deliveries::{self as rows, Planned};
use crate::notifications::entity::notifications;
use crate::notifications::preferences::Preferences;
use crate::notifications::{inbox, templates};

/// Notifications written per transaction: enough that commits stop being the cost, few enough
/// that a transaction holds SQLite's one connection only for a moment (a whole tick's 200 in
/// one transaction kept other work waiting on a loaded test run).
const CHUNK: usize = 25;

/// What fan-out decided for one notification.
struct Plan {
    n: notifications::Model,
    deliveries: Vec<Planned>,
    /// The bell's message, written with the deliveries.
    bell: Option<Message>,
}

impl Dispatcher {
    /// Fans out up to `limit` notifications not yet fanned out, oldest first.
    pub(super) async fn fan_out_new(&self, limit: u64) -> Result<(), DbErr> {
        let fresh = rows::unfanned(&self.db, limit).await?;
        for chunk in fresh.chunks(CHUNK) {
            let now = self.clock.now();
            // Deliveries planned in this chunk but not written yet, per (recipient, channel):
            // the digest threshold counts them as made.
            let mut planned: HashMap<(String, String), u64> = HashMap::new();
            let mut plans = Vec::with_capacity(chunk.len());
            for n in chunk {
                plans.push(self.plan(n.clone(), now, &mut planned).await?);
            }
            self.write(plans, now).await?;
        }
        Ok(())
    }

    /// Decides the deliveries of `n`: reads only.
    async fn plan(
        &self,
        n: notifications::Model,
        now: DateTime<Utc>,
        planned: &mut HashMap<(String, String), u64>,
    ) -> Result<Plan, DbErr> {
        let prefs = match n.user_id {
            Some(u) if !n.resident => self.prefs(u).await?,
            _ => Preferences::configured(&self.settings),
        };
        let recipient = match (n.resident, n.user_id, n.case_id) {
            (false, Some(u), _) => format!("u:{u}"),
            (true, _, Some(c)) => format!("r:{c}"),
            _ => {
                return Ok(Plan {
                    n,
                    deliveries: Vec::new(),
                    bell: None,
                });
            }
        };
        let addresses = match n.user_id {
            Some(u) if !n.resident => self.user_addresses(&n, u, &prefs).await?,
            _ => self.addresses(&n).await?,
        };
        let held = if n.urgent {
            None
        } else {
            prefs.held_until(now)
        };
        // The station's group chat, if any, is among the addresses already.
        let chat = addresses.iter().find_map(|a| match a {
            Address::Robot(code) => Some(code.clone()),
            _ => None,
        });
        let mut deliveries = Vec::new();
        let mut bell = None;
        for ch in &self.channels {
            if ch.group_chat() {
                // One post per station and cause: every staff member's copy of the cause shares
                // this key, so whichever is fanned out first makes the delivery.
                if let Some(code) = chat.as_deref()
                    && ch.accepts(&Address::Robot(code.to_owned()))
                {
                    deliveries.push(Planned {
                        recipient: format!("st:{code}"),
                        channel: ch.name().to_owned(),
                        key: Some(station_key(code, &n)),
                        due: now,
                        sent: false,
                    });
                }
                continue;
            }
            let wanted = n.resident || prefs.wants(&n.kind, ch.name());
            let Some(to) = addresses.iter().find(|a| ch.accepts(a)) else {
                continue;
            };
            if !wanted {
                continue;
            }
            if ch.name() == inbox::NAME {
                let data = self.data_of(&n).await?;
                let r = templates::render(&n.kind, &prefs.lang, &data);
                bell = Some(Message {
                    idempotency_key: rows::key_of(&n, inbox::NAME),
                    kind: n.kind.clone(),
                    to: to.clone(),
                    subject: r.subject,
                    body: r.body,
                    link: r.link,
                    urgent: n.urgent,
                });
                deliveries.push(Planned {
                    recipient: recipient.clone(),
                    channel: inbox::NAME.to_owned(),
                    key: None,
                    due: now,
                    sent: true,
                });
                continue;
            }
            // Quiet hours hold what would disturb (e-mail, texts); the bell (above) disturbs
            // no one, and whoever opens their desk at night sees what came.
            let mut due = if Preferences::disturbs(ch.name()) {
                held.unwrap_or(now)
            } else {
                now
            };
            // Many messages in a short window on a push channel: the rest wait for the window
            // to end and go out together.
            if Preferences::disturbs(ch.name()) && self.settings.digest_threshold > 0 {
                let window = Duration::seconds(self.settings.digest_window_secs as i64);
                let line = (recipient.clone(), ch.name().to_owned());
                let recent = rows::made_since(&self.db, &recipient, ch.name(), now - window)
                    .await?
                    + planned.get(&line).copied().unwrap_or(0);
                if recent >= u64::from(self.settings.digest_threshold) {
                    due = due.max(now + window);
                }
                *planned.entry(line).or_default() += 1;
            }
            deliveries.push(Planned {
                recipient: recipient.clone(),
                channel: ch.name().to_owned(),
                key: None,
                due,
                sent: false,
            });
        }
        Ok(Plan {
            n,
            deliveries,
            bell,
        })
    }

    /// Writes the plans in one transaction: each notification once, however many nodes fan
    /// out (the first to take it writes its deliveries; the others find it taken).
    async fn write(&self, plans: Vec<Plan>, now: DateTime<Utc>) -> Result<(), DbErr> {
        let txn = self.db.begin().await?;
        for p in &plans {
            if !rows::take(&txn, p.n.id).await? {
                continue;
            }
            for d in &p.deliveries {
                rows::make(&txn, &p.n, d, now).await?;
            }
            if let Some(m) = &p.bell {
                inbox::write(&txn, m, now).await?;
            }
        }
        txn.commit().await
    }
}
