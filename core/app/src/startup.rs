//! Building and running the server: connect, migrate, bind, serve.

use std::sync::Arc;

use anyhow::Context as _;
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use liaison_api::AppState;
use liaison_domain::Clock;
use liaison_domain::auth::PasswordPolicy;
use liaison_domain::configuration::Settings;
use liaison_domain::notifications::channel::Channel;

pub struct Application {
    listener: TcpListener,
    state: AppState,
    /// The notification channels beside in-app (which the dispatcher always has).
    channels: Vec<Arc<dyn Channel>>,
}

/// Aborts a background task when the server's future is dropped, so a server stopped in a
/// test (or a runtime shutting down) leaves no dispatcher of its own behind.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Application {
    /// Connects and migrates; binds `server.host:server.port` (port 0 picks a free one).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = liaison_domain::db::connect(&settings.database)
            .await
            .context("connecting to the database")?;
        liaison_domain::db::migrate(&db)
            .await
            .context("running migrations")?;
        Self::with_db(settings, db, Clock::default()).await
    }

    pub async fn with_db(
        settings: Settings,
        db: DatabaseConnection,
        clock: Clock,
    ) -> anyhow::Result<Self> {
        let addr = format!("{}:{}", settings.server.host, settings.server.port);
        let listener = TcpListener::bind(&addr)
            .await
            .with_context(|| format!("binding {addr}"))?;
        let passwords = PasswordPolicy::new(&settings.auth)?;
        let intake = liaison_domain::cases::intake::IntakeWriter::spawn(db.clone());
        let reference = liaison_domain::reference::Reference::default();
        let mut plugins =
            liaison_host::PluginHost::new(db.clone(), clock.clone(), settings.plugins.clone())?;
        plugins.reference = reference.clone();
        plugins.set_staff_notifier(Arc::new(liaison_host::staff::ToStationStaff {
            db: db.clone(),
            clock: clock.clone(),
        }));
        let plugins = Arc::new(plugins);
        let budgets = liaison_api::limits::Budgets::new(&settings.server)?;
        let photo_decoders = liaison_domain::cases::photos::Decoders::new(&settings.photos);
        let jobs = liaison_domain::jobs::Jobs::new(db.clone(), settings.jobs.clone());
        let state = AppState {
            db,
            settings: Arc::new(settings),
            clock,
            passwords,
            intake,
            reference,
            plugins,
            live: liaison_domain::dashboard::live::Live::new(),
            bell: liaison_domain::notifications::live::Bell::new(),
            budgets,
            photo_decoders,
            jobs,
        };
        Ok(Self {
            listener,
            state,
            channels: Vec::new(),
        })
    }

    /// Adds a notification channel (e-mail, an HTTP gateway, a test's recorder); in-app is
    /// always there.
    pub fn add_channel(&mut self, channel: Arc<dyn Channel>) {
        self.channels.push(channel);
    }

    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or_default()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let state = self.state.clone();
        // Jobs that run on one node of a cluster at a time; they stop when these guards drop.
        let jobs = state.jobs.clone();
        let sweeper = liaison_domain::cases::sweeper::spawn(
            &jobs,
            state.db.clone(),
            state.settings.deadlines.clone(),
            state.clock.clone(),
        );
        let plugin_jobs = liaison_host::outbox::spawn(state.plugins.clone(), &jobs);
        liaison_host::warm::spawn(state.plugins.clone());
        spawn_photo_import(&state);
        state.live.spawn_watcher(state.db.clone());
        let _dispatch = AbortOnDrop(liaison_domain::notifications::dispatch::spawn(
            state.db.clone(),
            state.clock.clone(),
            self.channels.clone(),
            &state.settings,
            Some(state.intake.clone()),
        ));
        let _bell = AbortOnDrop(state.bell.spawn_watcher(state.db.clone()));
        if liaison_domain::stations::count(&state.db).await? == 0 {
            tracing::warn!(
                "the database has no stations yet: load the demo district with `liaison demo`, \
                 or add stations through the API as ops"
            );
        }
        let pages = liaison_web::router(&state);
        let app = liaison_api::router(state, pages);
        tracing::info!(addr = %self.listener.local_addr()?, "Liaison is listening");
        crate::shutdown::serve(self.listener, app, &self.state).await?;
        // Hand the jobs to the other nodes now rather than when their leases lapse.
        drop((sweeper, plugin_jobs));
        jobs.release().await;
        Ok(())
    }
}

/// Copies photos an older version stored as files into the database, in the background (until
/// a photo is copied it is read from the folder).
fn spawn_photo_import(state: &AppState) {
    let (db, photos) = (state.db.clone(), state.settings.photos.clone());
    tokio::spawn(async move {
        match liaison_domain::cases::photos::import_from_dir(&db, &photos).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                photos = n,
                "copied photos from the photo folder into the database"
            ),
            Err(e) => tracing::warn!(error = %e, "copying photos from the photo folder"),
        }
    });
}
