//! The demo's station brands: each station's plugin, installed from the packages the plugins
//! workspace builds (`plugins/target/wasm32-wasip2/release`), enabled at its station with
//! exactly what its manifest asks for, and given a little data through its own actions.

use std::collections::BTreeMap;
use std::path::Path;

use liaison_host::manifest::{Audience, Manifest};
use liaison_host::{PluginHost, registry};

/// (crate directory, station code)
pub const BRANDS: [(&str, &str); 3] = [
    ("auto-service-team", "lunan"),
    ("hundred-knows-desk", "pengjie"),
    ("joint-inspection", "jinqing"),
];

/// Installs and enables what is built; says what was not.
pub async fn install(host: &PluginHost, root: &Path) -> anyhow::Result<Vec<String>> {
    let mut notes = Vec::new();
    for (krate, station) in BRANDS {
        let manifest_path = root.join("plugins").join(krate).join("plugin.toml");
        let wasm_path = crate::plugin_cli::built_components_dir(root)
            .join(format!("{}.wasm", krate.replace('-', "_")));
        let (Ok(text), Ok(wasm)) = (
            std::fs::read_to_string(&manifest_path),
            std::fs::read(&wasm_path),
        ) else {
            notes.push(format!(
                "{krate}: not built, skipped (./scripts/demo builds the plugins)"
            ));
            continue;
        };
        let manifest = Manifest::parse(&text)?;
        registry::install(host, &text, &wasm, None).await?;
        registry::enable(
            host,
            station,
            &manifest.id,
            &manifest.capabilities,
            &BTreeMap::new(),
            None,
        )
        .await?;
        let mut done = 0;
        for (action, values) in seed_actions(krate) {
            if manifest.action(action).is_none() {
                continue;
            }
            let active = registry::active(host, station, &manifest.id).await?;
            // `{today}` and `{in7}` stand for dates relative to the day the demo is loaded.
            let today = liaison_domain::cases::deadlines::local_today(host.clock.now());
            let in7 = today + chrono::Duration::days(7);
            let values: Vec<(String, String)> = values
                .iter()
                .map(|(k, v)| {
                    let v = v
                        .replace("{today}", &today.to_string())
                        .replace("{in7}", &in7.to_string());
                    (k.to_string(), v)
                })
                .collect();
            match host
                .act(&active, action, Audience::Staff, "zh", values)
                .await
            {
                Ok(_) => done += 1,
                Err(e) => {
                    tracing::warn!(plugin = krate, action, error = %e, "demo data for a brand was refused")
                }
            }
        }
        notes.push(format!(
            "{krate}: enabled at {station} ({done} demo records)"
        ));
    }
    Ok(notes)
}

type Seed = (&'static str, &'static [(&'static str, &'static str)]);

/// A few records per brand, entered through the brand's own staff actions. 蓬街's desk has none:
/// who sits there is the station's duty roster (see `duty`).
fn seed_actions(krate: &str) -> Vec<Seed> {
    match krate {
        "auto-service-team" => vec![
            (
                "set-member",
                &[
                    ("deputy", "lunan-d01"),
                    ("fields", "二手车交易,企业经营"),
                    ("active", "true"),
                ],
            ),
            (
                "set-member",
                &[
                    ("deputy", "lunan-d02"),
                    ("fields", "汽车维修,车辆年检"),
                    ("active", "true"),
                ],
            ),
            (
                "set-member",
                &[
                    ("deputy", "lunan-d03"),
                    ("fields", "新能源汽车,汽车维修"),
                    ("active", "true"),
                ],
            ),
            (
                "set-member",
                &[
                    ("deputy", "lunan-d04"),
                    ("fields", "企业经营,二手车交易"),
                    ("active", "true"),
                ],
            ),
        ],
        "joint-inspection" => vec![
            (
                "plan-round",
                &[
                    ("date", "{today}"),
                    ("villages", "金清村,新塘村"),
                    ("members", "jinqing-d01,jinqing-d02"),
                    ("items", "环境卫生,污水治理,乱堆乱放"),
                    ("title", "第一轮群防共治督查"),
                ],
            ),
            (
                "record-finding",
                &[
                    ("round", "R1"),
                    ("village", "金清村"),
                    ("item", "环境卫生"),
                    ("severity", "medium"),
                    ("description", "村口垃圾堆放点未及时清运，气味较大"),
                    ("deadline", "{in7}"),
                ],
            ),
            (
                "record-finding",
                &[
                    ("round", "R1"),
                    ("village", "新塘村"),
                    ("item", "乱堆乱放"),
                    ("severity", "low"),
                    ("description", "河岸边堆放建筑杂物"),
                ],
            ),
            ("publish-round", &[("round", "R1")]),
        ],
        _ => vec![],
    }
}
