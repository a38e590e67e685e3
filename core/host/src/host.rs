//! The host API a plugin imports. Every function first checks its capability (the table in
//! `capability::required_for` names which) and then works only inside the calling station.
//! What each accepts is the contract's (`liaison_contract::calls`), as the SDK's fake host has
//! it. Contacts never cross this boundary: `case-summary` has no field for them.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use liaison_contract::FieldError;
use liaison_contract::calls::{self, Refusal};
use sea_orm::DatabaseConnection;

use crate::bindings::v0_1::liaison::brand::host::{self, Level};
use crate::bindings::v0_1::liaison::brand::types::{
    self, CaseQuery, CaseSummary, Deputy, Error, NewCase, Shift,
};
use crate::capability::{Capability, required_for};
use crate::runtime::PluginState;
use liaison_domain::Clock;
use liaison_domain::cases::{Case, Channel, Status, Urgency, intake};
use liaison_domain::error::{FieldKind, Thing};
use liaison_domain::plugins::station;
use liaison_domain::{categories, deputies, duty, orgs};

pub use liaison_contract::calls::{MAX_KEY, MAX_VALUE};

/// Everything a call may touch, fixed when the call starts.
pub struct HostEnv {
    pub db: DatabaseConnection,
    pub reference: liaison_domain::reference::Reference,
    pub clock: Clock,
    pub plugin_id: String,
    pub station_id: i64,
    pub station_code: String,
    pub caps: BTreeSet<Capability>,
    pub settings: BTreeMap<String, String>,
    pub storage_quota: i64,
    pub max_host_calls: u32,
    pub host_calls: u32,
    /// The plugin's log budget per minute, shared by all its calls in this process.
    pub log_window: LogWindows,
    /// Lines and bytes this call logged, and lines it dropped.
    pub log: calls::LogCall,
    /// Where `notify-staff` sends a notice, the hours it is counted in, and how many an hour.
    pub staff: std::sync::Arc<dyn crate::staff::StaffNotifier>,
    pub notice_hours: crate::staff::NoticeHours,
    pub notices_per_hour: u32,
}

/// Per plugin, the minute its log budget counts and what it logged in it.
pub type LogWindows =
    std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, Option<calls::LogMinute>>>>;

/// Whether a line of `bytes` may still be written: within this call's caps and the plugin's
/// minute (the contract's rule, which the SDK's fake host applies too). The second value says
/// the line is the first one cut (so a marker is due).
fn log_allowed(env: &mut HostEnv, bytes: usize) -> (bool, bool) {
    let fits = {
        let mut windows = env.log_window.lock().unwrap_or_else(|p| p.into_inner());
        let minute = windows.entry(env.plugin_id.clone()).or_default();
        calls::log_admit(&mut env.log, minute, std::time::Instant::now(), bytes)
    };
    (fits, !fits && env.log.dropped == 1)
}

impl HostEnv {
    /// Counts a call of an import that has no error to return (`log`, `now`, `setting`): over
    /// the bound it traps the guest.
    fn count(&mut self) -> wasmtime::Result<()> {
        calls::host_call(&mut self.host_calls, self.max_host_calls).map_err(wasmtime::Error::msg)
    }
}

impl HostEnv {
    /// Counts the call and checks its capability.
    fn need(&mut self, import: &str) -> Result<(), Error> {
        calls::host_call(&mut self.host_calls, self.max_host_calls).map_err(Error::Limit)?;
        match required_for(import) {
            Some(cap) if !self.caps.contains(&cap) => Err(Error::Denied(cap.as_str().to_owned())),
            _ => Ok(()),
        }
    }

    fn internal(&self, e: impl std::fmt::Display) -> Error {
        tracing::warn!(plugin = %self.plugin_id, station = %self.station_code, error = %e, "host call failed");
        Error::Failed("the host could not complete this call".into())
    }

    async fn station_case(&self, id: i64) -> Result<Case, Error> {
        station::case(&self.db, self.station_id, id)
            .await
            .map_err(|e| self.internal(e))?
            .ok_or_else(|| Error::NotFound(format!("no case {id} at this station")))
    }

    fn storage(&self) -> station::Storage<'_> {
        station::Storage {
            plugin_id: &self.plugin_id,
            station_id: self.station_id,
        }
    }

    async fn summaries(&self, rows: Vec<Case>) -> Result<Vec<CaseSummary>, Error> {
        let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
        let tag_rows = station::tags_of(&self.db, &ids)
            .await
            .map_err(|e| self.internal(e))?;
        let dir = self
            .reference
            .directory(&self.db)
            .await
            .map_err(|e| self.internal(e))?;
        Ok(rows
            .into_iter()
            .map(|c| CaseSummary {
                id: c.id,
                tags: tag_rows
                    .iter()
                    .filter(|(case, _)| *case == c.id)
                    .map(|(_, tag)| tag.clone())
                    .collect(),
                category: dir
                    .categories
                    .get(&c.category_id)
                    .map(|x| x.code.clone())
                    .unwrap_or_default(),
                deputy: c
                    .deputy_id
                    .and_then(|d| dir.deputies.get(&d))
                    .map(|d| d.code.clone()),
                lead_organisation: c
                    .lead_org_id
                    .and_then(|o| dir.orgs.get(&o))
                    .map(|o| o.code.clone()),
                title: c.title,
                description: c.description,
                status: c.status.as_str().to_owned(),
                channel: c.channel.as_str().to_owned(),
                created_at: c.created_at.to_rfc3339(),
            })
            .collect())
    }

    /// An internal event in the case's history, by the plugin (annotations, suggestions).
    async fn note(
        &self,
        case: &Case,
        action: &str,
        note: String,
        data: serde_json::Value,
    ) -> Result<(), Error> {
        station::note(
            &self.db,
            &self.plugin_id,
            case,
            action,
            note,
            data,
            self.clock.now(),
        )
        .await
        .map_err(|e| self.internal(e))
    }
}

/// A refusal of what the plugin passed, in the words the core's own refusals use.
fn invalid(field: &str, kind: FieldKind) -> Error {
    Error::Invalid(types::FieldError {
        field: field.into(),
        message: kind.to_string(),
    })
}

/// No `thing` with the code the plugin passed.
fn unknown(field: &str, thing: Thing, code: &str) -> Error {
    invalid(
        field,
        FieldKind::UnknownCode {
            thing,
            code: code.to_owned(),
        },
    )
}

/// The deputy the plugin named does not serve at the plugin's station.
fn not_serving(deputy: &str) -> Error {
    invalid(
        "deputy",
        FieldKind::DeputyNotServing {
            deputy: deputy.to_owned(),
            station: None,
        },
    )
}

impl From<FieldError> for Error {
    fn from(e: FieldError) -> Self {
        invalid(&e.field, e.kind)
    }
}

impl From<Refusal> for Error {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Invalid(e) => e.into(),
            Refusal::Limit(m) => Error::Limit(m),
        }
    }
}

impl types::Host for PluginState {}

impl host::Host for PluginState {
    async fn log(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        let env = &mut self.env;
        env.count()?;
        let message = calls::log_line(&message);
        let (write, first_cut) = log_allowed(env, message.len());
        let (plugin, station) = (&env.plugin_id, &env.station_code);
        if first_cut {
            tracing::warn!(plugin = %plugin, station = %station,
                "plugin log cut: more than {} lines or {} bytes in one call, or {} lines or {} bytes in a minute; further lines are dropped",
                calls::MAX_LOG_LINES_PER_CALL, calls::MAX_LOG_BYTES_PER_CALL,
                calls::MAX_LOG_LINES_PER_MINUTE, calls::MAX_LOG_BYTES_PER_MINUTE);
        }
        if !write {
            return Ok(());
        }
        match level {
            Level::Debug => tracing::debug!(plugin = %plugin, station = %station, "{message}"),
            Level::Info => tracing::info!(plugin = %plugin, station = %station, "{message}"),
            Level::Warn => tracing::warn!(plugin = %plugin, station = %station, "{message}"),
            Level::Error => tracing::error!(plugin = %plugin, station = %station, "{message}"),
        }
        Ok(())
    }

    async fn now(&mut self) -> wasmtime::Result<String> {
        self.env.count()?;
        let cst = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
        Ok(self.env.clock.now().with_timezone(&cst).to_rfc3339())
    }

    async fn setting(&mut self, name: String) -> wasmtime::Result<Option<String>> {
        self.env.count()?;
        Ok(self.env.settings.get(&name).cloned())
    }

    async fn storage_get(&mut self, key: String) -> Result<Option<Vec<u8>>, Error> {
        let env = &mut self.env;
        env.need("storage-get")?;
        calls::storage_key("key", &key)?;
        env.storage()
            .get(&env.db, &key)
            .await
            .map_err(|e| env.internal(e))
    }

    async fn storage_set(&mut self, key: String, value: Vec<u8>) -> Result<(), Error> {
        let env = &mut self.env;
        env.need("storage-set")?;
        calls::storage_entry(&key, value.len())?;
        let used = env
            .storage()
            .used_besides(&env.db, &key)
            .await
            .map_err(|e| env.internal(e))?;
        calls::storage_quota(used, &key, value.len(), env.storage_quota)?;
        env.storage()
            .put(&env.db, &key, value)
            .await
            .map_err(|e| env.internal(e))
    }

    async fn storage_delete(&mut self, key: String) -> Result<(), Error> {
        let env = &mut self.env;
        env.need("storage-delete")?;
        calls::storage_key("key", &key)?;
        env.storage()
            .delete(&env.db, &key)
            .await
            .map_err(|e| env.internal(e))
    }

    async fn storage_keys(&mut self, prefix: String) -> Result<Vec<String>, Error> {
        let env = &mut self.env;
        env.need("storage-keys")?;
        calls::storage_prefix(&prefix)?;
        env.storage()
            .keys(&env.db, &prefix, calls::MAX_KEYS as u64)
            .await
            .map_err(|e| env.internal(e))
    }

    async fn list_cases(&mut self, query: CaseQuery) -> Result<Vec<CaseSummary>, Error> {
        let env = &mut self.env;
        env.need("list-cases")?;
        let status = match &query.status {
            Some(s) => Some(Status::parse(s).ok_or_else(|| unknown("status", Thing::Status, s))?),
            None => None,
        };
        let category_id = match &query.category {
            Some(c) => Some(
                categories::by_code(&env.db, c)
                    .await
                    .map_err(|e| env.internal(e))?
                    .ok_or_else(|| unknown("category", Thing::Category, c))?
                    .id,
            ),
            None => None,
        };
        let filter = station::CaseFilter {
            status,
            category_id,
            tag: query.tag.clone(),
            text: query.text.clone(),
            limit: u64::from(calls::list_limit(query.limit)),
        };
        let rows = station::cases(&env.db, env.station_id, &filter)
            .await
            .map_err(|e| env.internal(e))?;
        env.summaries(rows).await
    }

    async fn get_case(&mut self, id: i64) -> Result<CaseSummary, Error> {
        let env = &mut self.env;
        env.need("get-case")?;
        let c = env.station_case(id).await?;
        Ok(env.summaries(vec![c]).await?.remove(0))
    }

    async fn create_case(&mut self, case: NewCase) -> Result<i64, Error> {
        let env = &mut self.env;
        env.need("create-case")?;
        let cat = categories::by_code(&env.db, &case.category)
            .await
            .map_err(|e| env.internal(e))?
            .filter(|c| c.active)
            .ok_or_else(|| unknown("category", Thing::Category, &case.category))?;
        let description = calls::description(&case.description)?;
        let title = calls::title(case.title.as_deref(), &description)?;
        let deputy_id = match &case.deputy {
            Some(code) => {
                let d = deputies::by_code(&env.db, code)
                    .await
                    .map_err(|_| unknown("deputy", Thing::Deputy, code))?;
                if !deputies::serves_at(&env.db, &d, env.station_id)
                    .await
                    .map_err(|e| env.internal(e))?
                {
                    return Err(not_serving(code));
                }
                Some(d.id)
            }
            None => None,
        };
        let tags_in = case
            .tags
            .iter()
            .map(|t| calls::tag(t))
            .collect::<Result<Vec<_>, _>>()?;
        let new = intake::NewCase {
            station_id: env.station_id,
            deputy_id,
            category_id: cat.id,
            channel: Channel::Plugin,
            title,
            description,
            urgency: Urgency::Normal,
            location: None,
            anonymous: true,
            contact: None,
            intake_key: None,
            recorded_by: Some(intake::Recorder {
                user_id: None,
                name: env.plugin_id.clone(),
                role: "plugin".into(),
            }),
            photos: Vec::new(),
            notify_consent: false,
        };
        let (created, _) = intake::insert(&env.db, new, env.clock.now())
            .await
            .map_err(|e| env.internal(e))?;
        for t in tags_in {
            add_tag(env, created.id, t).await?;
        }
        Ok(created.id)
    }

    async fn tag_case(&mut self, id: i64, tag: String) -> Result<(), Error> {
        let env = &mut self.env;
        env.need("tag-case")?;
        let tag = calls::tag(&tag)?;
        env.station_case(id).await?;
        add_tag(env, id, tag).await
    }

    async fn annotate_case(&mut self, id: i64, note: String) -> Result<(), Error> {
        let env = &mut self.env;
        env.need("annotate-case")?;
        let note = calls::text("note", &note, 1, calls::MAX_NOTE)?;
        let c = env.station_case(id).await?;
        env.note(&c, "annotate", note, serde_json::Value::Null)
            .await
    }

    async fn suggest_organisation(
        &mut self,
        id: i64,
        organisation: String,
        reason: String,
    ) -> Result<(), Error> {
        let env = &mut self.env;
        env.need("suggest-organisation")?;
        let reason = calls::text("reason", &reason, 1, calls::MAX_REASON)?;
        let c = env.station_case(id).await?;
        let org = orgs::by_code(&env.db, &organisation)
            .await
            .map_err(|e| env.internal(e))?
            .ok_or_else(|| unknown("organisation", Thing::Organisation, &organisation))?;
        env.note(
            &c,
            "suggest",
            reason,
            serde_json::json!({ "organisation": org.code }),
        )
        .await
    }

    async fn suggest_deputy(
        &mut self,
        id: i64,
        deputy: String,
        reason: String,
    ) -> Result<(), Error> {
        let env = &mut self.env;
        env.need("suggest-deputy")?;
        let reason = calls::text("reason", &reason, 1, calls::MAX_REASON)?;
        let c = env.station_case(id).await?;
        let d = deputies::by_code(&env.db, &deputy)
            .await
            .map_err(|_| unknown("deputy", Thing::Deputy, &deputy))?;
        if !deputies::serves_at(&env.db, &d, env.station_id)
            .await
            .map_err(|e| env.internal(e))?
        {
            return Err(not_serving(&deputy));
        }
        env.note(
            &c,
            "suggest",
            reason,
            serde_json::json!({ "deputy": d.code }),
        )
        .await
    }

    async fn list_deputies(&mut self) -> Result<Vec<Deputy>, Error> {
        let env = &mut self.env;
        env.need("list-deputies")?;
        // Whom the station's page lists: the active deputies serving there, home or further.
        let rows = deputies::serving_at(&env.db, env.station_id)
            .await
            .map_err(|e| env.internal(e))?;
        Ok(rows
            .into_iter()
            .map(|d| Deputy {
                code: d.code,
                name: d.name,
                level: d.level,
                profile: d.profile,
            })
            .collect())
    }

    async fn duty_roster(&mut self, from: String, to: String) -> Result<Vec<Shift>, Error> {
        let env = &mut self.env;
        env.need("duty-roster")?;
        let (from, to) = calls::roster_span(&from, &to)?;
        let rows = duty::shifts_of_station(&env.db, env.station_id, from, to)
            .await
            .map_err(|e| env.internal(e))?;
        let dir = env
            .reference
            .directory(&env.db)
            .await
            .map_err(|e| env.internal(e))?;
        Ok(rows
            .into_iter()
            .map(|s| Shift {
                day: s.day.format("%Y-%m-%d").to_string(),
                half: s.half,
                deputy: dir
                    .deputies
                    .get(&s.deputy_id)
                    .map(|d| d.code.clone())
                    .unwrap_or_default(),
                note: s.note,
            })
            .collect())
    }
}

impl crate::bindings::v0_2::liaison::brand0_2_0::staff::Host for PluginState {
    async fn notify_staff(&mut self, subject: String, body: String) -> Result<(), Error> {
        let env = &mut self.env;
        env.need("notify-staff")?;
        let (subject, body) = calls::staff_notice(&subject, &body)?;
        {
            let mut hours = env.notice_hours.lock().unwrap_or_else(|p| p.into_inner());
            let hour = hours
                .entry((env.plugin_id.clone(), env.station_id))
                .or_default();
            calls::notice_admit(hour, std::time::Instant::now(), env.notices_per_hour)
                .map_err(Error::Limit)?;
        }
        env.staff
            .notify(env.station_id, &env.plugin_id, &subject, &body)
            .await
            .map_err(|e| env.internal(e))
    }
}

async fn add_tag(env: &HostEnv, case_id: i64, tag: String) -> Result<(), Error> {
    station::tag(&env.db, &env.plugin_id, case_id, &tag, env.clock.now())
        .await
        .map_err(|e| env.internal(e))
}

/// For the tests: the time the host reports, as the plugin sees it.
pub fn host_time(now: DateTime<Utc>) -> String {
    let cst = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    now.with_timezone(&cst).to_rfc3339()
}
