//! Structured logs, on standard error in both formats (plain and JSON) so that command output
//! (JSON from `liaison plugin`) stays clean on standard output. Reporters' contacts never reach
//! a log line: the case code only logs ids.

use tracing_subscriber::{EnvFilter, fmt, layer::SubscriberExt, util::SubscriberInitExt};

use liaison_domain::configuration::LogSettings;

pub fn init(settings: &LogSettings) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&settings.filter));
    let registry = tracing_subscriber::registry().with(filter);
    // `try_init` because tests and the bench may set up logging more than once per process.
    let _ = if settings.json {
        registry
            .with(
                fmt::layer()
                    .json()
                    .with_current_span(false)
                    .with_writer(std::io::stderr),
            )
            .try_init()
    } else {
        registry
            .with(fmt::layer().with_target(false).with_writer(std::io::stderr))
            .try_init()
    };
}
