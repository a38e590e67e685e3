//! The real `liaison` binary as a child process, on a database a test prepared: for the tests
//! that stop it with a signal or run its other commands (backup, restore) beside it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

use crate::support::free_port;

const BIN: &str = env!("CARGO_BIN_EXE_liaison-under-test");

/// Where a child runs: its database URL, its photo folder, its working folder (logs).
#[derive(Clone)]
pub struct Place {
    pub db_url: String,
    pub photos: PathBuf,
    pub dir: PathBuf,
}

impl Place {
    /// `liaison <args>` in this place, with only these settings from the environment (plus
    /// `extra`), logging to `<dir>/<log>.log`.
    pub fn command(&self, args: &[&str], port: u16, log: &str, extra: &[(&str, &str)]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args).current_dir(&self.dir);
        for (key, _) in std::env::vars() {
            if key.starts_with("LIAISON__") || key == "RUST_LOG" {
                c.env_remove(key);
            }
        }
        let out = std::fs::File::create(self.log_path(log)).expect("a log file");
        let err = out.try_clone().expect("a log file");
        c.env("LIAISON__SERVER__HOST", "127.0.0.1")
            .env("LIAISON__SERVER__PORT", port.to_string())
            .env("LIAISON__DATABASE__URL", &self.db_url)
            .env("LIAISON__PHOTOS__DIR", &self.photos)
            .env(
                "LIAISON__PLUGINS__CACHE_DIR",
                self.dir.join("plugin-cache").display().to_string(),
            )
            .env("LIAISON__AUTH__ARGON2_MEMORY_KIB", "64")
            .env("LIAISON__AUTH__ARGON2_ITERATIONS", "1")
            .env("LIAISON__SERVER__INTAKE_BURST", "100000")
            .env("LIAISON__SERVER__INTAKE_REFILL_MS", "1")
            .env("LIAISON__SERVER__RECEIPT_BURST", "100000")
            .env("LIAISON__SERVER__RECEIPT_REFILL_MS", "1")
            .env("LIAISON__LOG__FILTER", "info,sqlx=warn,sea_orm=warn")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .kill_on_drop(true);
        for (k, v) in extra {
            c.env(k, v);
        }
        c
    }

    pub fn log_path(&self, log: &str) -> PathBuf {
        self.dir.join(format!("{log}.log"))
    }

    pub fn log(&self, log: &str) -> String {
        std::fs::read_to_string(self.log_path(log)).unwrap_or_default()
    }

    /// Runs `liaison <args>` to its end (at most 5 minutes); its status and log.
    pub async fn run(&self, args: &[&str], log: &str) -> (bool, String) {
        let status = tokio::time::timeout(
            Duration::from_secs(300),
            self.command(args, free_port(), log, &[]).status(),
        )
        .await
        .expect("the command finished within 5 minutes")
        .expect("the command ran");
        (status.success(), self.log(log))
    }

    /// Starts `liaison serve`; answers once `/healthz` does.
    pub async fn serve(&self, log: &str, extra: &[(&str, &str)]) -> Server {
        let port = free_port();
        let mut child = self
            .command(&["serve"], port, log, extra)
            .spawn()
            .expect("starting the server");
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().expect("polling the server") {
                panic!("the server exited with {status}:\n{}", self.log(log));
            }
            if let Ok(r) = client.get(format!("{base}/healthz")).send().await
                && r.status().is_success()
            {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "the server did not become healthy within 120 s:\n{}",
                self.log(log)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Server { child, base }
    }
}

/// A running `liaison serve`.
pub struct Server {
    pub child: Child,
    /// `http://127.0.0.1:<port>`
    pub base: String,
}

impl Server {
    /// Sends SIGTERM, as systemd or an orchestrator does to stop it.
    pub fn terminate(&self) {
        let pid = self.child.id().expect("the server is running");
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid as i32),
            nix::sys::signal::Signal::SIGTERM,
        )
        .expect("sending SIGTERM");
    }
}

/// A temporary folder, removed at the end.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(prefix: &str) -> Self {
        let dir = std::env::temp_dir().join(crate::support::unique(prefix));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
