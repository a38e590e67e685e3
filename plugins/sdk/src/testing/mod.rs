//! Unit-testing a plugin natively, with plain `cargo test`, without wasm.
//!
//! On targets other than wasm32 the SDK's host wrappers ([`storage`](crate::storage),
//! [`cases`](crate::cases), [`deputies`](crate::deputies), [`log`](crate::log),
//! [`host`](crate::host)) call an in-memory fake host kept in a thread-local. [`TestHost`]
//! sets that fake up, calls a [`Brand`] the way the real host does, and shows what the plugin
//! did. Each test runs on its own thread, so each test has its own fake host.
//!
//! The fake follows the real host's rules — the very same code, from the `liaison-contract`
//! crate the host uses: the same capability per import, returning
//! [`Error::Denied`] with the capability's name when it is not granted; the same checks on
//! storage keys and values, case descriptions, tags, notes and roster dates; cases scoped to
//! one station. With a manifest loaded ([`TestHost::with_manifest`]) it also checks the
//! manifest as install does, grants exactly the capabilities the manifest asks for, serves
//! the settings' defaults, refuses views and actions the manifest does not offer to the
//! caller's audience, validates and normalises form input against the declared fields before
//! the plugin sees it, delivers only the case events the manifest listens to, and checks that
//! every form a view returns posts to a declared action with declared fields.
//!
//! ```
//! use liaison_sdk::prelude::*;
//! use liaison_sdk::testing::TestHost;
//!
//! struct Counter;
//! impl Brand for Counter {
//!     fn render_view(_: &str, _: &Context) -> Result<Vec<Block>, Error> {
//!         let n: u32 = storage::get_or_default("n")?;
//!         Ok(vec![view::text(n.to_string())])
//!     }
//!     fn run_action(_: &str, _: &Context, _: &FormInput) -> Result<ActionResult, Error> {
//!         storage::update("n", |n: Option<u32>| n.unwrap_or(0) + 1)?;
//!         Ok(ActionResult::message("ok"))
//!     }
//! }
//!
//! let host = TestHost::new();
//! host.run_action::<Counter>("bump", &[]).unwrap();
//! assert_eq!(host.stored::<u32>("n"), Some(1));
//!
//! host.revoke("storage");
//! assert_eq!(host.render_view::<Counter>("home"), Err(Error::Denied("storage".into())));
//! ```

pub(crate) mod fake;
pub mod manifest;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use self::fake::{State, with};
pub use self::manifest::Manifest;
use crate::types::{
    ActionResult, Audience, Block, CaseEvent, CaseSummary, Context, Deputy, Form, FormInput, Level,
    Shift, StatCard, Table,
};
use crate::{Brand, Error};

/// Every capability the host knows, by the name manifests and grants use.
pub const CAPABILITIES: [&str; liaison_contract::Capability::ALL.len()] = {
    use liaison_contract::Capability;
    let mut names = [""; Capability::ALL.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = Capability::ALL[i].as_str();
        i += 1;
    }
    names
};

/// The largest answer the host accepts from one call, in bytes of its JSON form.
pub const MAX_RESULT_BYTES: usize = 1 << 20;

/// A suggestion a plugin made through `suggest-organisation` or `suggest-deputy`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Suggestion {
    /// A handling organisation, by code.
    Organisation {
        /// The case.
        case_id: i64,
        /// The organisation's code.
        organisation: String,
        /// Why, as given (trimmed).
        reason: String,
    },
    /// A deputy of the station, by public code.
    Deputy {
        /// The case.
        case_id: i64,
        /// The deputy's code.
        deputy: String,
        /// Why, as given (trimmed).
        reason: String,
    },
}

/// A handle on this thread's fake host. Creating one resets the fake host.
///
/// Setters take `&self` and return `&Self`, so they chain after a `let`:
///
/// ```
/// # use liaison_sdk::testing::TestHost;
/// let host = TestHost::new();
/// host.station("jinqing").setting("greeting", "你好").grant_only(&["storage"]);
/// ```
pub struct TestHost {
    _not_send: PhantomData<*const ()>,
}

impl Default for TestHost {
    fn default() -> Self {
        TestHost::new()
    }
}

impl TestHost {
    /// A fresh fake host: station `lunan`, audience resident, locale `zh`, every capability
    /// granted, no manifest, empty storage (quota 1 MiB), the standard category codes, no
    /// cases, deputies, shifts or organisations, and the clock at
    /// `2026-03-02T09:00:00+08:00`.
    pub fn new() -> Self {
        with(|s| *s = State::default());
        TestHost {
            _not_send: PhantomData,
        }
    }

    /// A fresh fake host holding the plugin's manifest (pass `include_str!("../plugin.toml")`).
    ///
    /// Panics if the host would refuse the manifest. Grants exactly the capabilities the
    /// manifest asks for and sets the settings to their defaults.
    pub fn with_manifest(text: &str) -> Self {
        let manifest = Manifest::parse(text).unwrap_or_else(|e| panic!("{e}"));
        let host = TestHost::new();
        with(|s| {
            s.granted = manifest.capabilities.iter().cloned().collect();
            s.settings = manifest.default_settings().into_iter().collect();
            s.manifest = Some(manifest);
        });
        host
    }

    // ---- Setting up ----

    /// Sets the station the calls run for.
    pub fn station(&self, code: &str) -> &Self {
        with(|s| s.station = code.to_owned());
        self
    }

    /// Sets who is calling views and actions.
    pub fn audience(&self, audience: Audience) -> &Self {
        with(|s| s.audience = audience);
        self
    }

    /// Sets the locale, "zh" or "en".
    pub fn locale(&self, locale: &str) -> &Self {
        with(|s| s.locale = locale.to_owned());
        self
    }

    /// Sets what `now` answers (RFC 3339).
    pub fn now(&self, rfc3339: &str) -> &Self {
        with(|s| s.now = rfc3339.to_owned());
        self
    }

    /// Grants a capability. With a manifest loaded, a capability the manifest does not ask
    /// for stays unavailable, as at the real host (requested AND granted).
    pub fn grant(&self, capability: &str) -> &Self {
        assert!(
            CAPABILITIES.contains(&capability),
            "unknown capability {capability}"
        );
        with(|s| s.granted.insert(capability.to_owned()));
        self
    }

    /// Takes a capability away.
    pub fn revoke(&self, capability: &str) -> &Self {
        with(|s| s.granted.remove(capability));
        self
    }

    /// Grants exactly these capabilities.
    pub fn grant_only(&self, capabilities: &[&str]) -> &Self {
        with(|s| s.granted.clear());
        for c in capabilities {
            self.grant(c);
        }
        self
    }

    /// Gives the setting `name` a value at this station. With a manifest loaded, panics if
    /// the manifest does not declare the setting.
    pub fn setting(&self, name: &str, value: &str) -> &Self {
        with(|s| {
            if let Some(m) = &s.manifest {
                assert!(
                    m.settings.iter().any(|d| d.name == name),
                    "plugin.toml declares no setting {name}"
                );
            }
            s.settings.insert(name.to_owned(), value.to_owned());
        });
        self
    }

    /// Sets how many staff notifications the plugin may send per hour at the station (the
    /// host's `[plugins] staff_notify_per_hour`; 10 as shipped).
    pub fn staff_notify_per_hour(&self, n: u32) -> &Self {
        with(|s| s.notices_per_hour = n);
        self
    }

    /// Sets the station's storage quota for the plugin, in bytes (keys and values).
    pub fn storage_quota(&self, bytes: usize) -> &Self {
        with(|s| s.storage_quota = bytes);
        self
    }

    /// Replaces the category codes the host knows.
    pub fn categories(&self, codes: &[&str]) -> &Self {
        with(|s| s.categories = codes.iter().map(|c| c.to_string()).collect());
        self
    }

    /// Sets the organisation codes the host knows (for `suggest-organisation`).
    pub fn organisations(&self, codes: &[&str]) -> &Self {
        with(|s| s.organisations = codes.iter().map(|c| c.to_string()).collect());
        self
    }

    /// Adds a case of the station.
    pub fn add_case(&self, case: CaseSummary) -> &Self {
        with(|s| s.cases.push(case));
        self
    }

    /// Adds a deputy serving at the station.
    pub fn add_deputy(&self, deputy: Deputy) -> &Self {
        with(|s| s.deputies.push(deputy));
        self
    }

    /// Adds a duty shift at the station.
    pub fn add_shift(&self, shift: Shift) -> &Self {
        with(|s| s.shifts.push(shift));
        self
    }

    /// Stores `value` in the plugin's storage directly (no capability check).
    pub fn store<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> &Self {
        let bytes = serde_json::to_vec(value).expect("value serialises");
        with(|s| s.storage.insert(key.to_owned(), bytes));
        self
    }

    // ---- Calling the plugin as the host does ----

    /// The context the next call runs with.
    pub fn context(&self) -> Context {
        with(|s| Context::new(s.station.clone(), s.audience, s.locale.clone()))
    }

    /// Calls `B::render_view(view, ctx)`.
    ///
    /// With a manifest: [`Error::NotFound`] if the manifest declares no such view,
    /// [`Error::Denied`]`("audience <name>")` if it is not offered to the current audience,
    /// and a panic if a returned form posts to an undeclared action or has a field the
    /// action does not declare, or a link leaves Liaison. Without one: neither check.
    /// Either way, [`Error::Limit`] if the answer is over [`MAX_RESULT_BYTES`].
    pub fn render_view<B: Brand>(&self, view: &str) -> Result<Vec<Block>, Error> {
        let ctx = self.context();
        with(|s| -> Result<(), Error> {
            s.begin_call();
            if let Some(m) = &s.manifest {
                let decl = m
                    .view(view)
                    .ok_or_else(|| Error::NotFound(format!("view {view}")))?;
                offered(&decl.audience, ctx.audience)?;
            }
            Ok(())
        })?;
        let blocks = B::render_view(view, &ctx)?;
        self.check_blocks(&blocks, ctx.audience);
        if blocks_size(&blocks) > MAX_RESULT_BYTES {
            return Err(Error::Limit("result larger than the host accepts".into()));
        }
        Ok(blocks)
    }

    /// Calls `B::run_action(action, ctx, input)` with `values` as the submitted form.
    ///
    /// With a manifest: [`Error::NotFound`] if no such action, [`Error::Denied`] if not
    /// offered to the current audience, and [`Error::Invalid`] if the input does not pass
    /// the declared fields (the plugin is then not called, as at the host); the plugin sees
    /// the input the way the host passes it (trimmed, blank optional fields left out,
    /// checkboxes "true"/"false"). Without a manifest the values go through unchanged.
    pub fn run_action<B: Brand>(
        &self,
        action: &str,
        values: &[(&str, &str)],
    ) -> Result<ActionResult, Error> {
        let ctx = self.context();
        let input = with(|s| -> Result<FormInput, Error> {
            s.begin_call();
            let Some(m) = &s.manifest else {
                return Ok(FormInput::new(values.iter().copied()));
            };
            let decl = m
                .action(action)
                .ok_or_else(|| Error::NotFound(format!("action {action}")))?;
            offered(&decl.audience, ctx.audience)?;
            // A name given twice counts once, with its last value.
            let given: BTreeMap<String, String> = values
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            manifest::validate_input(decl, &given)
                .map(FormInput::new)
                .map_err(Error::from)
        })?;
        let result = B::run_action(action, &ctx, &input)?;
        if let Some(view) = &result.view {
            self.check_blocks(view, ctx.audience);
        }
        let size = result.message.len() + result.view.as_deref().map_or(0, blocks_size);
        if size > MAX_RESULT_BYTES {
            return Err(Error::Limit("result larger than the host accepts".into()));
        }
        Ok(result)
    }

    /// Delivers a case event to `B::on_case_event`. With a manifest, an event whose action
    /// the manifest does not listen to is not delivered (the plugin is not called, `Ok`).
    pub fn on_case_event<B: Brand>(&self, event: &CaseEvent) -> Result<(), Error> {
        let listened = with(|s| {
            s.begin_call();
            s.manifest
                .as_ref()
                .is_none_or(|m| m.listens.contains(&event.action))
        });
        if !listened {
            return Ok(());
        }
        B::on_case_event(event)
    }

    /// Calls `B::on_schedule(station)`.
    pub fn on_schedule<B: Brand>(&self) -> Result<(), Error> {
        let station = with(|s| {
            s.begin_call();
            s.station.clone()
        });
        B::on_schedule(&station)
    }

    /// A case event for `case_id` with `action`, at the fake clock's time. The statuses are
    /// the case's current one if the fake host holds the case, else "submitted".
    pub fn event(&self, case_id: i64, action: &str) -> CaseEvent {
        with(|s| {
            let status = s
                .cases
                .iter()
                .find(|c| c.id == case_id)
                .map_or_else(|| "submitted".to_owned(), |c| c.status.clone());
            CaseEvent {
                case_id,
                action: action.to_owned(),
                from_status: status.clone(),
                to_status: status,
                at: s.now.clone(),
                note: None,
            }
        })
    }

    // ---- Looking at what the plugin did ----

    /// The value at `key` in the plugin's storage, decoded from JSON (panics if it does not
    /// decode as `T`).
    pub fn stored<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        with(|s| s.storage.get(key).cloned()).map(|b| {
            serde_json::from_slice(&b)
                .unwrap_or_else(|e| panic!("storage key {key} does not decode: {e}"))
        })
    }

    /// Every key in the plugin's storage, in order.
    pub fn storage_keys(&self) -> Vec<String> {
        with(|s| s.storage.keys().cloned().collect())
    }

    /// The case `id` as the fake host holds it now.
    pub fn case(&self, id: i64) -> Option<CaseSummary> {
        with(|s| s.cases.iter().find(|c| c.id == id).cloned())
    }

    /// The cases the plugin filed with `create-case`, in order.
    pub fn created_cases(&self) -> Vec<CaseSummary> {
        with(|s| {
            s.created
                .iter()
                .filter_map(|id| s.cases.iter().find(|c| c.id == *id).cloned())
                .collect()
        })
    }

    /// The `tag-case` calls that succeeded: case id and tag.
    pub fn tags(&self) -> Vec<(i64, String)> {
        with(|s| s.tags.clone())
    }

    /// The `annotate-case` calls that succeeded: case id and note.
    pub fn annotations(&self) -> Vec<(i64, String)> {
        with(|s| s.annotations.clone())
    }

    /// The suggestions that succeeded.
    pub fn suggestions(&self) -> Vec<Suggestion> {
        with(|s| s.suggestions.clone())
    }

    /// The staff notifications the plugin sent (`staff::notify`): subject and body, trimmed
    /// as the host passes them on.
    pub fn staff_notices(&self) -> Vec<(String, String)> {
        with(|s| s.notices.clone())
    }

    /// The lines the plugin logged.
    pub fn logs(&self) -> Vec<(Level, String)> {
        with(|s| s.logs.clone())
    }

    /// Whether some logged line contains `text`.
    pub fn logged(&self, text: &str) -> bool {
        with(|s| s.logs.iter().any(|(_, m)| m.contains(text)))
    }

    /// Sets the bound of host calls per plugin call (the host's as shipped,
    /// [`calls::MAX_HOST_CALLS`](liaison_contract::calls::MAX_HOST_CALLS), unless set): past
    /// it an import with an error answers [`Error::Limit`], and `log`, `now` or `setting`
    /// panics, as the host stops the call there.
    pub fn max_host_calls(&self, bound: u32) -> &Self {
        with(|s| s.max_host_calls = bound);
        self
    }

    /// Log lines dropped past the host's caps (per call: 100 lines and 64 KiB; per minute, all
    /// calls together: 1000 lines and 1 MiB), all calls together. [`logs`](Self::logs) holds
    /// only the lines kept.
    pub fn log_dropped(&self) -> u64 {
        with(|s| s.log_dropped)
    }

    /// The host imports the plugin called, by WIT name, in order (`storage-get`, …).
    pub fn calls(&self) -> Vec<String> {
        with(|s| s.calls.clone())
    }

    /// Forgets the calls, logs and records so far (not storage, cases or set-up).
    pub fn clear_records(&self) -> &Self {
        with(|s| {
            s.calls.clear();
            s.logs.clear();
            s.created.clear();
            s.tags.clear();
            s.annotations.clear();
            s.suggestions.clear();
        });
        self
    }

    /// The host's checks of a view shown to `audience`: a form posts only to a declared action
    /// offered to that audience (the host leaves any other out), and every link is an in-site
    /// path by the host's grammar (the host draws any other as text). A panic names the fault.
    fn check_blocks(&self, blocks: &[Block], audience: Audience) {
        with(|s| {
            for b in blocks {
                let href = match b {
                    Block::Link(l) => Some(l.href.as_str()),
                    Block::Items(items) => {
                        for i in items {
                            if let Some(h) = &i.href {
                                assert_safe_href(h);
                            }
                        }
                        None
                    }
                    _ => None,
                };
                if let Some(h) = href {
                    assert_safe_href(h);
                }
                let (Block::Form(form), Some(m)) = (b, &s.manifest) else {
                    continue;
                };
                let action = m.action(&form.action).unwrap_or_else(|| {
                    panic!(
                        "a form posts to action {}, which plugin.toml does not declare",
                        form.action
                    )
                });
                assert!(
                    offered(&action.audience, audience).is_ok(),
                    "a form posts to action {}, which plugin.toml does not offer to {}",
                    form.action,
                    audience.as_str()
                );
                for f in &form.fields {
                    let decl = action
                        .fields
                        .iter()
                        .find(|d| d.name == f.name)
                        .unwrap_or_else(|| {
                            panic!(
                                "form field {} is not declared under action {} in plugin.toml",
                                f.name, form.action
                            )
                        });
                    assert_eq!(
                        decl.kind.as_str(),
                        f.kind.as_str(),
                        "form field {} of action {} has another kind in plugin.toml",
                        f.name,
                        form.action
                    );
                }
            }
        })
    }
}

fn assert_safe_href(href: &str) {
    assert!(
        liaison_contract::link::in_site(href).is_some(),
        "link {href:?} is not an in-site path by the host's grammar (one leading /, no control \
         characters, whitespace or backslash, no // or . or .. segments, also when escaped); the \
         host draws it as plain text"
    );
}

fn offered(audiences: &[manifest::Audience], audience: Audience) -> Result<(), Error> {
    if audiences.iter().any(|a| a.as_str() == audience.as_str()) {
        Ok(())
    } else {
        Err(Error::Denied(format!("audience {}", audience.as_str())))
    }
}

/// About the bytes of the answer's JSON form: its text plus a little per block.
fn blocks_size(blocks: &[Block]) -> usize {
    fn s(o: &Option<String>) -> usize {
        o.as_ref().map_or(0, String::len)
    }
    blocks
        .iter()
        .map(|b| {
            32 + match b {
                Block::Heading(h) => h.text.len(),
                Block::Text(t) => t.len(),
                Block::StatCards(cards) => cards
                    .iter()
                    .map(|c| 32 + c.label.len() + c.value.len() + s(&c.hint))
                    .sum(),
                Block::Table(t) => {
                    t.columns.iter().map(|c| c.len() + 3).sum::<usize>()
                        + t.rows.iter().flatten().map(|c| c.len() + 3).sum::<usize>()
                }
                Block::Items(items) => items
                    .iter()
                    .map(|i| 32 + i.title.len() + s(&i.detail) + s(&i.href))
                    .sum(),
                Block::Form(f) => {
                    f.action.len()
                        + s(&f.title)
                        + f.submit_label.len()
                        + f.fields
                            .iter()
                            .map(|x| {
                                64 + x.name.len()
                                    + x.label.len()
                                    + s(&x.help)
                                    + x.options
                                        .iter()
                                        .map(|(a, b)| a.len() + b.len() + 6)
                                        .sum::<usize>()
                            })
                            .sum::<usize>()
                }
                Block::Link(l) => l.text.len() + l.href.len(),
                Block::Notice(n) => n.text.len(),
            }
        })
        .sum()
}

/// A case of the station to add with [`TestHost::add_case`]: status "submitted", channel
/// "web", created at `2026-03-01T10:00:00+08:00`, no deputy, organisation or tags.
pub fn case(id: i64, category: &str, description: &str) -> CaseSummary {
    CaseSummary {
        id,
        title: description.chars().take(30).collect(),
        description: description.to_owned(),
        category: category.to_owned(),
        status: "submitted".into(),
        channel: "web".into(),
        created_at: "2026-03-01T10:00:00+08:00".into(),
        deputy: None,
        lead_organisation: None,
        tags: Vec::new(),
    }
}

/// A deputy to add with [`TestHost::add_deputy`], at township level, with no profile.
pub fn deputy(code: &str, name: &str) -> Deputy {
    Deputy {
        code: code.to_owned(),
        name: name.to_owned(),
        level: "township".into(),
        profile: None,
    }
}

/// A duty shift to add with [`TestHost::add_shift`]; `half` is "am" or "pm".
pub fn shift(day: &str, half: &str, deputy: &str) -> Shift {
    Shift {
        day: day.to_owned(),
        half: half.to_owned(),
        deputy: deputy.to_owned(),
        note: None,
    }
}

/// Every form of a view, in order.
pub fn forms(blocks: &[Block]) -> Vec<&Form> {
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::Form(f) => Some(f),
            _ => None,
        })
        .collect()
}

/// The form of a view that posts to `action` (panics if there is none).
pub fn form<'a>(blocks: &'a [Block], action: &str) -> &'a Form {
    forms(blocks)
        .into_iter()
        .find(|f| f.action == action)
        .unwrap_or_else(|| panic!("no form for {action}"))
}

/// Every table of a view, in order.
pub fn tables(blocks: &[Block]) -> Vec<&Table> {
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::Table(t) => Some(t),
            _ => None,
        })
        .collect()
}

/// The first table of a view with a column `column` (panics if there is none).
pub fn table_with<'a>(blocks: &'a [Block], column: &str) -> &'a Table {
    tables(blocks)
        .into_iter()
        .find(|t| t.columns.iter().any(|c| c == column))
        .unwrap_or_else(|| panic!("no table with column {column}"))
}

/// The stat card labelled `label` (panics if there is none).
pub fn stat_card<'a>(blocks: &'a [Block], label: &str) -> &'a StatCard {
    blocks
        .iter()
        .find_map(|b| match b {
            Block::StatCards(cards) => cards.iter().find(|c| c.label == label),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no stat card {label}"))
}

/// The value of the stat card labelled `label` (panics if there is none).
pub fn stat(blocks: &[Block], label: &str) -> String {
    stat_card(blocks, label).value.clone()
}

/// The field an [`Error::Invalid`] names (panics on any other result).
pub fn invalid_field<T: std::fmt::Debug>(result: &Result<T, Error>) -> String {
    match result {
        Err(Error::Invalid { field, .. }) => field.clone(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

/// The text of every heading, text and notice block, in order: handy for asserting on a view.
pub fn texts(blocks: &[Block]) -> Vec<String> {
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::Heading(h) => Some(h.text.clone()),
            Block::Text(t) => Some(t.clone()),
            Block::Notice(n) => Some(n.text.clone()),
            _ => None,
        })
        .collect()
}
