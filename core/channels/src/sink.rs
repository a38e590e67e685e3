//! A local sink: every message it is handed becomes one JSON line in a file. The demo turns it
//! on so that deliveries can be watched (`tail -f data/outbox-sink.jsonl`) without an SMTP
//! server or a gateway. It takes every address, and writes only its kind (and a user's id, or
//! a robot's name), never an e-mail address or a phone number.

use std::path::{Path, PathBuf};

use anyhow::Context;
use tokio::io::AsyncWriteExt;
use tokio::sync::Mutex;

use crate::{Address, Channel, Message, SendError, SendFuture};

/// The file sink channel, named "sink".
pub struct SinkChannel {
    path: PathBuf,
    /// One writer at a time, so lines never interleave.
    lock: Mutex<()>,
}

impl SinkChannel {
    /// A sink appending to `path`; its directory is created now, so a bad path fails at start.
    pub fn new(path: impl Into<PathBuf>) -> anyhow::Result<Self> {
        let path = path.into();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the sink's directory {}", dir.display()))?;
        }
        Ok(SinkChannel {
            path,
            lock: Mutex::new(()),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The recipient as the sink writes it: the kind of address, never the contact itself.
fn recipient(to: &Address) -> String {
    match to {
        Address::User(id) => format!("user:{id}"),
        Address::Email(_) => "email".into(),
        Address::Phone(_) => "phone".into(),
        Address::Robot(name) => format!("robot:{name}"),
    }
}

/// The line written for `message`.
pub fn line(message: &Message) -> String {
    serde_json::json!({
        "at": chrono::Utc::now().to_rfc3339(),
        "idempotency_key": message.idempotency_key,
        "kind": message.kind,
        "to": recipient(&message.to),
        "subject": message.subject,
        "body": message.body,
        "link": message.link,
        "urgent": message.urgent,
    })
    .to_string()
}

impl Channel for SinkChannel {
    fn name(&self) -> &str {
        "sink"
    }

    fn accepts(&self, _to: &Address) -> bool {
        true
    }

    fn send<'a>(&'a self, message: &'a Message) -> SendFuture<'a> {
        Box::pin(async move {
            let mut text = line(message);
            text.push('\n');
            let _one = self.lock.lock().await;
            let write = async {
                let mut file = tokio::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&self.path)
                    .await?;
                file.write_all(text.as_bytes()).await?;
                file.flush().await
            };
            write
                .await
                .map_err(|e| SendError::Retry(format!("cannot write the sink file: {e}")))
        })
    }
}
