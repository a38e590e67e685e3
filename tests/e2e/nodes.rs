//! Several Liaison nodes in this process over one database, as a cluster runs them: each node is
//! an `Application` of its own (its own listener, intake writer, plugin host and jobs) with a
//! folder of its own, so nothing can pass between nodes except through the database. Stopping
//! a node aborts its server task, which drops its jobs with it (as a killed process would leave
//! its leases to lapse).

use std::path::PathBuf;

use liaison_domain::Clock;
use liaison_domain::configuration::Settings;
use liaison_domain::jobs::Jobs;
use sea_orm::DatabaseConnection;

use crate::support::unique;

/// One node: its address, its jobs, and the task serving it (aborted on drop).
pub struct Node {
    /// `http://127.0.0.1:<port>`
    pub address: String,
    /// This node's side of the cluster's jobs (its lease holder name, its run counts).
    pub jobs: Jobs,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    dir: PathBuf,
}

impl Node {
    /// Starts a node over `db` with `settings` (a free port, and a photo folder and plugin
    /// cache of its own, empty).
    pub async fn start(db: &DatabaseConnection, settings: &Settings, clock: &Clock) -> Node {
        Node::start_with(db, settings, clock, |_| {}).await
    }

    /// Like [`Node::start`], with the node's settings changed by `tweak` last.
    pub async fn start_with(
        db: &DatabaseConnection,
        settings: &Settings,
        clock: &Clock,
        tweak: impl FnOnce(&mut Settings),
    ) -> Node {
        let dir = std::env::temp_dir().join(unique("liaison-node"));
        std::fs::create_dir_all(&dir).expect("a node folder");
        let mut settings = settings.clone();
        settings.server.port = 0;
        settings.photos.dir = dir.join("photos").display().to_string();
        settings.plugins.cache_dir = dir.join("plugin-cache").display().to_string();
        tweak(&mut settings);
        let app = liaison::startup::Application::with_db(settings, db.clone(), clock.clone())
            .await
            .expect("building a node");
        let address = format!("http://127.0.0.1:{}", app.port());
        let jobs = app.state().jobs.clone();
        let task = tokio::spawn(app.run_until_stopped());
        Node {
            address,
            jobs,
            task,
            dir,
        }
    }

    /// Stops the node without a word: its server task is aborted, its jobs stop with it, its
    /// leases are not released (they lapse, as a killed process's do).
    pub fn kill(&self) {
        self.task.abort();
    }

    /// `/api/v1` and `path` on this node.
    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.address)
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
