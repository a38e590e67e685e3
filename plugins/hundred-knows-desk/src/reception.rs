//! The reception log (接待记录) and what grows out of it: village notes (the questions the desk
//! answered, by village) and cases filed from receptions. Also the day's inbox of station cases
//! fed by case events.
//!
//! Receptions are kept in chunks of [`CHUNK`] records under `reception:NNNN`, chunk NNNN
//! holding ids `NNNN*CHUNK+1 ..= (NNNN+1)*CHUNK`; the newest [`KEEP_CHUNKS`] chunks are kept,
//! so the log is bounded (at most about 50 KiB a chunk even with every field at its longest).

use liaison_sdk::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dates::Half;

/// Storage key of the last reception id given.
pub const SEQ: &str = "reception-seq";
/// Prefix of the reception chunks.
pub const PREFIX: &str = "reception:";
/// Receptions per chunk.
pub const CHUNK: u32 = 20;
/// Chunks kept: the log holds the newest `CHUNK * KEEP_CHUNKS` receptions or more.
pub const KEEP_CHUNKS: u32 = 12;
/// Prefix of the day's inbox of station cases, `inbox:YYYY-MM-DD`.
pub const INBOX: &str = "inbox:";
/// Days of inbox kept.
pub const INBOX_DAYS: i64 = 14;
/// Case ids kept per half-day in an inbox.
const INBOX_CAP: usize = 500;

fn is_false(b: &bool) -> bool {
    !*b
}

/// One walk-in at the desk. Short field names keep the chunks small.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reception {
    /// Its number, from 1.
    pub id: u32,
    /// When it was logged, `YYYY-MM-DD HH:MM` in China Standard Time.
    pub at: String,
    /// The visitor's village.
    #[serde(rename = "v")]
    pub village: String,
    /// What the visitor came about (no names or phone numbers).
    #[serde(rename = "q")]
    pub summary: String,
    /// The answer the desk gave, if any.
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// Whether it needs following up.
    #[serde(rename = "f", default, skip_serializing_if = "is_false")]
    pub follow_up: bool,
    /// The case filed from it, if any.
    #[serde(rename = "c", default, skip_serializing_if = "Option::is_none")]
    pub case: Option<i64>,
}

impl Reception {
    /// The day it was logged, `YYYY-MM-DD`.
    pub fn day(&self) -> &str {
        self.at.get(0..10).unwrap_or(&self.at)
    }

    /// Whether it is a village note: the desk gave an answer.
    pub fn answered(&self) -> bool {
        self.answer.is_some()
    }

    /// Whether every word is in its summary or answer (case-insensitive for Latin letters).
    pub fn matches(&self, words: &[String]) -> bool {
        let hay = format!(
            "{}\n{}",
            self.summary,
            self.answer.as_deref().unwrap_or_default()
        )
        .to_lowercase();
        words.iter().all(|w| hay.contains(w.as_str()))
    }
}

/// The storage key of the chunk holding reception `id`.
pub fn chunk_key(id: u32) -> String {
    format!("{PREFIX}{:04}", (id.max(1) - 1) / CHUNK)
}

/// Logs a reception, giving it the next id; drops the oldest chunk beyond [`KEEP_CHUNKS`].
pub fn record(mut r: Reception) -> Result<Reception, Error> {
    let id = storage::get::<u32>(SEQ)?.unwrap_or(0) + 1;
    r.id = id;
    let key = chunk_key(id);
    let mut chunk: Vec<Reception> = storage::get_or_default(&key)?;
    chunk.push(r.clone());
    storage::set(&key, &chunk)?;
    storage::set(SEQ, &id)?;
    if (id - 1) % CHUNK == 0 {
        // A new chunk began: forget the ones that fell out of the window.
        let first_kept = ((id - 1) / CHUNK + 1).saturating_sub(KEEP_CHUNKS);
        for k in storage::keys(PREFIX)? {
            let n: u32 = k[PREFIX.len()..].parse().unwrap_or(u32::MAX);
            if n < first_kept {
                storage::delete(&k)?;
            }
        }
    }
    Ok(r)
}

/// Reception `id`, if it is still in the log.
pub fn find(id: u32) -> Result<Option<Reception>, Error> {
    let chunk: Vec<Reception> = storage::get_or_default(&chunk_key(id))?;
    Ok(chunk.into_iter().find(|r| r.id == id))
}

/// Replaces reception `r` (same id) in its chunk.
pub fn save(r: &Reception) -> Result<(), Error> {
    let key = chunk_key(r.id);
    let mut chunk: Vec<Reception> = storage::get_or_default(&key)?;
    match chunk.iter_mut().find(|x| x.id == r.id) {
        Some(slot) => *slot = r.clone(),
        None => return Err(Error::not_found(format!("reception {}", r.id))),
    }
    storage::set(&key, &chunk)
}

/// The newest `n` receptions, newest first.
pub fn latest(n: usize) -> Result<Vec<Reception>, Error> {
    let mut out = Vec::new();
    for k in storage::keys(PREFIX)?.iter().rev() {
        let chunk: Vec<Reception> = storage::get_or_default(k)?;
        out.extend(chunk.into_iter().rev());
        if out.len() >= n {
            break;
        }
    }
    out.truncate(n);
    Ok(out)
}

/// Every reception in the log, newest first.
pub fn all() -> Result<Vec<Reception>, Error> {
    latest(usize::MAX)
}

/// The answered receptions matching `village` (if given) and every one of `words`, newest
/// first, at most `limit`.
pub fn search(
    log: &[Reception],
    village: Option<&str>,
    words: &[String],
    limit: usize,
) -> Vec<Reception> {
    log.iter()
        .filter(|r| r.answered())
        .filter(|r| village.is_none_or(|v| r.village == v))
        .filter(|r| r.matches(words))
        .take(limit)
        .cloned()
        .collect()
}

/// Words to search for: split on white space, lower-cased, at most eight.
pub fn words(text: Option<&str>) -> Vec<String> {
    text.unwrap_or_default()
        .split(|c: char| c.is_whitespace() || c == ',' || c == '，' || c == '、')
        .filter(|w| !w.is_empty())
        .take(8)
        .map(str::to_lowercase)
        .collect()
}

/// The station's cases submitted on one day, by half-day: filled by `submit` events.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    /// Case ids submitted in the morning.
    #[serde(default)]
    pub am: Vec<i64>,
    /// Case ids submitted in the afternoon.
    #[serde(default)]
    pub pm: Vec<i64>,
}

impl Inbox {
    /// The storage key of a day's inbox.
    pub fn key(date: &str) -> String {
        format!("{INBOX}{date}")
    }

    /// Adds case `id` to `half` unless it is already there (events come at least once).
    /// Whether it was new.
    pub fn add(&mut self, id: i64, half: Half) -> bool {
        if self.am.contains(&id) || self.pm.contains(&id) {
            return false;
        }
        let list = match half {
            Half::Am => &mut self.am,
            Half::Pm => &mut self.pm,
        };
        if list.len() >= INBOX_CAP {
            return false;
        }
        list.push(id);
        true
    }

    /// Cases in the day.
    pub fn total(&self) -> usize {
        self.am.len() + self.pm.len()
    }
}
