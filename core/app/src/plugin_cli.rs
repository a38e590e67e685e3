//! `liaison plugin …`: what township teams and ops do with packages from the command line.
//! A package is a directory holding `plugin.toml` and `plugin.wasm`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use clap::Subcommand;

use liaison_domain::Clock;
use liaison_domain::configuration::Settings;
use liaison_host::PluginHost;
use liaison_host::manifest::{Audience, Manifest};
use liaison_host::registry;

const TEMPLATE_CARGO: &str = include_str!("../../../plugins/template-brand/Cargo.toml");
const TEMPLATE_MANIFEST: &str = include_str!("../../../plugins/template-brand/plugin.toml");
const TEMPLATE_LIB: &str = include_str!("../../../plugins/template-brand/src/lib.rs");

#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Make a new plugin crate from the template (it builds and passes its tests as made).
    New {
        /// Lowercase letters, digits and dashes, e.g. `lunan-auto-team`.
        name: String,
        /// Where to put it (default: ./plugins/NAME).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Build a plugin for wasm32-wasip2 and write its package directory.
    Build {
        /// The plugin crate (default: the current directory).
        dir: Option<PathBuf>,
    },
    /// Install a package into the configured database.
    Install { package: PathBuf },
    /// Enable an installed plugin at a station with granted capabilities.
    Enable {
        plugin: String,
        #[arg(long)]
        station: String,
        /// A capability to grant; repeat for more.
        #[arg(long = "grant")]
        grant: Vec<String>,
        /// A setting as name=value; repeat for more.
        #[arg(long = "set")]
        set: Vec<String>,
    },
    /// Installed plugins and where they are enabled.
    List,
    /// Try a plugin against a real host on a scratch database and print the result.
    Run {
        /// A package directory, or a plugin crate (built first).
        package: PathBuf,
        #[arg(long, default_value = "lunan")]
        station: String,
        /// Render this view.
        #[arg(long)]
        view: Option<String>,
        /// Run this action.
        #[arg(long)]
        action: Option<String>,
        /// A form value as name=value, for --action; repeat for more.
        #[arg(long = "input")]
        input: Vec<String>,
        /// Feed a case event with this action (e.g. submit) for a fresh case at the station.
        #[arg(long)]
        event: Option<String>,
        /// Run the schedule once.
        #[arg(long)]
        schedule: bool,
        /// resident, deputy, staff or dashboard.
        #[arg(long, default_value = "resident")]
        audience: String,
    },
}

pub async fn run(cmd: PluginCommand, settings: Settings) -> anyhow::Result<()> {
    match cmd {
        PluginCommand::New { name, dir } => {
            let dir = dir.unwrap_or_else(|| PathBuf::from("plugins").join(&name));
            new_plugin(&name, &dir)?;
            println!(
                "made {}; next: cd {} && cargo test && liaison plugin build",
                dir.display(),
                dir.display()
            );
            Ok(())
        }
        PluginCommand::Build { dir } => {
            let pkg = build(&dir.unwrap_or_else(|| PathBuf::from(".")))?;
            println!("{}", pkg.display());
            Ok(())
        }
        PluginCommand::Install { package } => {
            let host = host(&settings).await?;
            let (manifest, wasm) = read_package(&package)?;
            let out = registry::install(&host, &manifest, &wasm, None).await?;
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(())
        }
        PluginCommand::Enable {
            plugin,
            station,
            grant,
            set,
        } => {
            let host = host(&settings).await?;
            let settings = pairs(&set)?
                .into_iter()
                .map(|(k, v)| (k, setting_value(&v)))
                .collect();
            let e = registry::enable(&host, &station, &plugin, &grant, &settings, None).await?;
            let granted: Vec<_> = e.granted.iter().map(|c| c.as_str()).collect();
            let effective: Vec<_> = e.effective.iter().map(|c| c.as_str()).collect();
            println!(
                "enabled {plugin} at {station}; granted [{}], effective [{}]",
                granted.join(", "),
                effective.join(", ")
            );
            Ok(())
        }
        PluginCommand::List => {
            let host = host(&settings).await?;
            println!(
                "{}",
                serde_json::to_string_pretty(&registry::list(&host).await?)?
            );
            Ok(())
        }
        PluginCommand::Run {
            package,
            station,
            view,
            action,
            input,
            event,
            schedule,
            audience,
        } => {
            try_run(
                package, station, view, action, input, event, schedule, audience, settings,
            )
            .await
        }
    }
}

/// A value typed on the command line: numbers and booleans as such, the rest as text.
fn setting_value(v: &str) -> serde_json::Value {
    if let Ok(i) = v.parse::<i64>() {
        return serde_json::json!(i);
    }
    match v {
        "true" => serde_json::json!(true),
        "false" => serde_json::json!(false),
        _ => serde_json::json!(v),
    }
}

fn pairs(items: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    items
        .iter()
        .map(|s| {
            s.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .with_context(|| format!("{s}: expected name=value"))
        })
        .collect()
}

async fn host(settings: &Settings) -> anyhow::Result<PluginHost> {
    let db = liaison_domain::db::connect(&settings.database).await?;
    liaison_domain::db::migrate(&db).await?;
    PluginHost::new(db, Clock::default(), settings.plugins.clone())
}

pub fn new_plugin(name: &str, dir: &Path) -> anyhow::Result<()> {
    if !liaison_host::manifest::valid_id(name) {
        bail!("{name}: use 2-64 lowercase letters, digits or dashes, starting with a letter");
    }
    if dir.exists() {
        bail!("{} exists already", dir.display());
    }
    let snake = name.replace('-', "_");
    let title = name.split('-').map(|w| {
        let mut c = w.chars();
        c.next()
            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
            .unwrap_or_default()
    });
    let title = title.collect::<Vec<_>>().join(" ");
    let fill = |s: &str| {
        s.replace("template-brand", name)
            .replace("template_brand", &snake)
            .replace("Template brand", &title)
            .replace("模板", name)
    };
    // The new crate stands alone, pointing at the SDK of this checkout when there is one.
    let mut cargo = fill(TEMPLATE_CARGO);
    if let Ok(sdk) = std::fs::canonicalize("plugins/sdk") {
        cargo = cargo.replace(
            "path = \"../sdk\"",
            &format!("path = \"{}\"", sdk.display()),
        );
    }
    if !cargo.contains("[workspace]") {
        cargo.push_str("\n# Its own workspace, so it builds wherever it is put.\n[workspace]\n\n[profile.release]\nopt-level = \"s\"\nlto = true\ncodegen-units = 1\nstrip = true\npanic = \"abort\"\n");
    }
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(dir.join("Cargo.toml"), cargo)?;
    std::fs::write(dir.join("plugin.toml"), fill(TEMPLATE_MANIFEST))?;
    std::fs::write(dir.join("src/lib.rs"), fill(TEMPLATE_LIB))?;
    Ok(())
}

/// Builds the crate in `dir` for wasm32-wasip2 (release) and writes `target/liaison/<id>-<version>/`.
pub fn build(dir: &Path) -> anyhow::Result<PathBuf> {
    let manifest_path = dir.join("Cargo.toml");
    let manifest_text = std::fs::read_to_string(dir.join("plugin.toml"))
        .with_context(|| format!("reading {}/plugin.toml", dir.display()))?;
    let manifest = Manifest::parse(&manifest_text)?;
    let status = Command::new("rustup")
        .args(["target", "add", "wasm32-wasip2"])
        .status();
    if !status.is_ok_and(|s| s.success()) {
        tracing::warn!("could not run `rustup target add wasm32-wasip2`; trying the build anyway");
    }
    let status = Command::new("cargo")
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--manifest-path",
        ])
        .arg(&manifest_path)
        .status()
        .context("running cargo")?;
    if !status.success() {
        bail!("cargo build failed for {}", dir.display());
    }
    let meta = Command::new("cargo")
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--manifest-path",
        ])
        .arg(&manifest_path)
        .output()
        .context("running cargo metadata")?;
    let meta: serde_json::Value =
        serde_json::from_slice(&meta.stdout).context("reading cargo metadata")?;
    let target_dir = PathBuf::from(
        meta["target_directory"]
            .as_str()
            .context("no target directory")?,
    );
    let cargo_toml: toml::Value = toml::from_str(&std::fs::read_to_string(&manifest_path)?)?;
    let crate_name = cargo_toml["package"]["name"]
        .as_str()
        .context("no package name")?
        .replace('-', "_");
    let wasm = target_dir
        .join("wasm32-wasip2/release")
        .join(format!("{crate_name}.wasm"));
    let pkg = target_dir
        .join("liaison")
        .join(format!("{}-{}", manifest.id, manifest.version));
    std::fs::create_dir_all(&pkg)?;
    std::fs::copy(&wasm, pkg.join("plugin.wasm"))
        .with_context(|| format!("copying {}", wasm.display()))?;
    std::fs::write(pkg.join("plugin.toml"), manifest_text)?;
    Ok(pkg)
}

/// Where `cargo build --manifest-path plugins/Cargo.toml --target wasm32-wasip2 --release`
/// run from the checkout at `root` puts the components: `plugins/target/…`, unless
/// `CARGO_TARGET_DIR` says otherwise.
pub fn built_components_dir(root: &Path) -> PathBuf {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("plugins/target"),
    };
    target.join("wasm32-wasip2/release")
}

pub fn read_package(pkg: &Path) -> anyhow::Result<(String, Vec<u8>)> {
    let manifest = std::fs::read_to_string(pkg.join("plugin.toml"))
        .with_context(|| format!("reading {}/plugin.toml", pkg.display()))?;
    let wasm = std::fs::read(pkg.join("plugin.wasm"))
        .with_context(|| format!("reading {}/plugin.wasm", pkg.display()))?;
    Ok((manifest, wasm))
}

#[allow(clippy::too_many_arguments)]
async fn try_run(
    package: PathBuf,
    station: String,
    view: Option<String>,
    action: Option<String>,
    input: Vec<String>,
    event: Option<String>,
    schedule: bool,
    audience: String,
    mut settings: Settings,
) -> anyhow::Result<()> {
    let pkg = if package.join("plugin.wasm").exists() {
        package
    } else {
        build(&package)?
    };
    let (manifest_text, wasm) = read_package(&pkg)?;
    // Thrown away however the run ends (declared before the host, so dropped after it).
    let scratch =
        Scratch(std::env::temp_dir().join(format!("liaison-plugin-run-{}", std::process::id())));
    std::fs::create_dir_all(&scratch.0)?;
    settings.database.url = format!(
        "sqlite://{}?mode=rwc",
        scratch.0.join("scratch.db").display()
    );
    settings.auth.argon2_memory_kib = 64;
    settings.auth.argon2_iterations = 1;
    let host = host(&settings).await?;
    let passwords = liaison_domain::auth::PasswordPolicy::new(&settings.auth)?;
    crate::demo::seed_district(&host.db, &passwords).await?;
    let installed = registry::install(&host, &manifest_text, &wasm, None).await?;
    let manifest = Manifest::parse(&manifest_text)?;
    let grant: Vec<String> = manifest.capabilities.clone();
    registry::enable(
        &host,
        &station,
        &installed.id,
        &grant,
        &BTreeMap::new(),
        None,
    )
    .await?;
    let active = registry::active(&host, &station, &installed.id).await?;
    let audience: Audience = serde_json::from_value(serde_json::json!(audience))
        .context("audience: resident, deputy, staff or dashboard")?;
    let out = if let Some(v) = view {
        serde_json::to_value(host.render(&active, &v, audience, "zh").await?)?
    } else if let Some(a) = action {
        let decl = manifest
            .action(&a)
            .with_context(|| format!("the manifest declares no action {a}"))?;
        let values = liaison_host::view::validate_input(decl, &pairs(&input)?)
            .map_err(|(f, m)| anyhow::anyhow!("{f}: {m}"))?;
        serde_json::to_value(host.act(&active, &a, audience, "zh", values).await?)?
    } else if let Some(e) = event {
        let event = liaison_host::bindings::v0_1::liaison::brand::types::CaseEvent {
            case_id: 1,
            action: e,
            from_status: "submitted".into(),
            to_status: "registered".into(),
            at: host.clock.now().to_rfc3339(),
            note: None,
        };
        host.deliver(&active, event)
            .await
            .map_err(|e| anyhow::anyhow!(e.to_string()))?;
        serde_json::json!({ "delivered": true })
    } else if schedule {
        host.schedule(&active)
            .await
            .map_err(|e| anyhow::anyhow!(e.to_string()))?;
        serde_json::json!({ "scheduled": true })
    } else {
        bail!("say what to run: --view, --action, --event or --schedule");
    };
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

/// A scratch folder, removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
