//! fault-lab: a deliberately misbehaving plugin for the host's isolation tests.
//!
//! Actions (no fields):
//!
//! | id | what it does |
//! |---|---|
//! | `ok` | answers the message "ok" |
//! | `trap` | executes the wasm `unreachable` instruction: a real trap |
//! | `loop` | loops for ever (the optimiser cannot remove the loop) |
//! | `grow` | allocates 1 MiB chunks and keeps them until allocation fails, which aborts (traps) |
//! | `recurse` | recurses without end, not in tail position, until the stack overflows |
//! | `panic` | `panic!("fault-lab panic")`, which with `panic = "abort"` is a trap |
//! | `huge` | answers with a view holding one text block of field `mib` MiB (default 8) |
//! | `sleep` | sleeps field `ms` milliseconds inside the host (a WASI sleep), then answers "slept" |
//! | `store` | writes the keys `r0` … `r<reads - 1>` (setting `reads`, a `u32` each) |
//! | `fill` | writes keys of field `kind` ("nul": NUL-prefixed, "wide": 64 Chinese characters and a number) with empty values until the host refuses; answers "stored N; <refusal>" |
//! | `chatter` | logs 900 lines of 200 bytes (under the bound of host calls), then answers "ok" |
//! | `clock` | asks the host for the time 100000 times, then answers "ok" |
//! | `prefix` | stores `Ab1`, `ab2`, `a_c`, `a%d`, `ab_x` and answers the keys starting with field `prefix`, joined by spaces |
//!
//! View `home` (staff): a heading "fault-lab" (no host call: the no-op view of the benchmark).
//!
//! Views `slow-a`, `slow-b`, `slow-c` (resident): sleep (a WASI sleep) for the milliseconds of
//! the settings `slow_a_ms`, `slow_b_ms`, `slow_c_ms` (0 by default), then show the text
//! "<view> done". View `reads` (staff): reads the keys `r0` … `r<reads - 1>` and shows how
//! many were there.
//!
//! View `edges` (staff): what a hostile brand would draw to reach past its box — forms whose
//! action is a path to a core route ([`HOSTILE_ACTIONS`]) beside one form for the declared
//! action `ok`, and links that leave the site in the ways browsers read them
//! ([`HOSTILE_HREFS`]) beside one in-site link [`GOOD_HREF`]. The host keeps only the `ok` form
//! and the good link.
//!
//! `on-case-event` (submit, register): first sleeps `event_sleep_ms` (setting, 0 by default),
//! then counts deliveries in storage under
//! `seen:<case-id>:<action>` (a `u32`), and fails the first delivery of "register" for each
//! case, so the host's retry is exercised; later deliveries succeed.
//!
//! Never enable it at a real station.

use std::hint::black_box;

use liaison_sdk::prelude::*;

/// The brand.
pub struct FaultLab;

/// Bytes of the text block `huge` answers with: 8 MiB.
pub const HUGE_BYTES: usize = 8 << 20;

/// Form actions of the view `edges` that are not declared actions: a path climbing to the core
/// case route, the route itself, an undeclared id, a declared id with a path behind it.
pub const HOSTILE_ACTIONS: [&str; 4] = [
    "../../../../cases/1/act/reject",
    "/cases/1/act/reject",
    "undeclared",
    "ok/../../../../cases/1/act/reject",
];

/// Links of the view `edges` that leave the site or climb out of their path, as browsers read
/// them.
pub const HOSTILE_HREFS: [&str; 12] = [
    "/\t/evil.example",
    "/\r/evil.example",
    "/\n/evil.example",
    "/\\evil.example",
    "//evil.example",
    "/../../cases/1",
    "/%2e%2e/evil.example",
    "/%2f/evil.example",
    "/%5cevil.example",
    "/%09/evil.example",
    "/\u{0}/evil.example",
    "javascript:alert(1)",
];

/// The one link of the view `edges` the host keeps.
pub const GOOD_HREF: &str = "/t/EDGE-GOOD";

/// The blocks of the view `edges`.
fn edges() -> Vec<Block> {
    let form = |action: &str| {
        Block::Form(Form {
            action: action.to_owned(),
            title: None,
            submit_label: format!("post to {action}"),
            fields: vec![],
        })
    };
    let mut blocks: Vec<Block> = HOSTILE_ACTIONS.iter().map(|a| form(a)).collect();
    blocks.push(form("ok"));
    blocks.extend(HOSTILE_HREFS.iter().map(|h| view::link("edge", *h)));
    blocks.push(view::link("good", GOOD_HREF));
    blocks
}

/// Writes keys of `kind` with empty values until the host refuses (at most 500): "stored N;
/// <refusal>".
fn fill(kind: &str) -> String {
    let wide = "路".repeat(64);
    for i in 0..500 {
        let key = match kind {
            "nul" => format!("\u{0}{i:04}"),
            _ => format!("{wide}{i:04}"),
        };
        if let Err(e) = storage::set_bytes(&key, &[]) {
            return format!("stored {i}; {e:?}");
        }
    }
    "stored 500; no refusal".to_owned()
}

/// Sleeps `ms` milliseconds; on wasm a WASI poll, so the plugin waits inside the host.
fn sleep_ms(ms: u64) {
    if ms > 0 {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// The integer setting `name`, or 0.
fn setting_ms(name: &str) -> u64 {
    host::setting_as::<u64>(name).unwrap_or(0)
}

/// How many keys `reads` reads and `store` writes.
fn reads() -> u32 {
    host::setting_as::<u32>("reads").unwrap_or(10)
}

/// Storage key of the number of deliveries seen of `action` for `case_id`.
pub fn seen_key(case_id: i64, action: &str) -> String {
    format!("seen:{case_id}:{action}")
}

/// A real trap: the wasm `unreachable` instruction (an abort elsewhere).
fn trap() -> ! {
    #[cfg(target_arch = "wasm32")]
    {
        core::arch::wasm32::unreachable()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::process::abort()
    }
}

/// Spins for ever; `black_box` keeps the optimiser from proving the loop useless.
fn spin() -> ! {
    let mut i: u64 = 0;
    loop {
        i = black_box(i.wrapping_add(1));
    }
}

/// Allocates and keeps 1 MiB chunks until allocation fails (which aborts).
fn grow() -> ! {
    let mut kept: Vec<Vec<u8>> = Vec::new();
    loop {
        kept.push(black_box(vec![1u8; 1 << 20]));
        black_box(&kept);
    }
}

/// Recurses without end. The result of the inner call goes through `black_box` before it is
/// used, so the call is not in tail position and cannot become a loop.
#[inline(never)]
#[allow(unconditional_recursion)]
fn recurse(depth: u64) -> u64 {
    let inner = recurse(black_box(depth.wrapping_add(1)));
    black_box(inner).wrapping_sub(depth)
}

impl Brand for FaultLab {
    fn render_view(view: &str, _ctx: &Context) -> Result<Vec<Block>, Error> {
        match view {
            "home" => Ok(vec![view::heading(1, "fault-lab")]),
            "edges" => Ok(edges()),
            "slow-a" | "slow-b" | "slow-c" => {
                let setting = format!("slow_{}_ms", &view[5..]);
                sleep_ms(setting_ms(&setting));
                Ok(vec![view::text(format!("{view} done"))])
            }
            "reads" => {
                let mut found = 0u32;
                for i in 0..reads() {
                    if storage::get::<u32>(&format!("r{i}"))?.is_some() {
                        found += 1;
                    }
                }
                Ok(vec![view::text(format!("read {found}"))])
            }
            other => Err(Error::not_found(format!("view {other}"))),
        }
    }

    fn run_action(action: &str, _ctx: &Context, input: &FormInput) -> Result<ActionResult, Error> {
        match action {
            "ok" => Ok(ActionResult::message("ok")),
            "trap" => trap(),
            "loop" => spin(),
            "grow" => grow(),
            "recurse" => Ok(ActionResult::message(recurse(0).to_string())),
            "panic" => panic!("fault-lab panic"),
            "fill" => Ok(ActionResult::message(fill(
                input.get("kind").unwrap_or("wide"),
            ))),
            "prefix" => {
                for k in ["Ab1", "ab2", "a_c", "a%d", "ab_x"] {
                    storage::set(k, &1u8)?;
                }
                let keys = storage::keys(input.get("prefix").unwrap_or(""))?;
                Ok(ActionResult::message(keys.join(" ")))
            }
            "chatter" => {
                let line = "x".repeat(200);
                for _ in 0..900 {
                    log::info(&line);
                }
                Ok(ActionResult::message("ok"))
            }
            "clock" => {
                for _ in 0..100_000 {
                    black_box(host::now());
                }
                Ok(ActionResult::message("ok"))
            }
            "huge" => {
                let bytes = input
                    .get("mib")
                    .and_then(|m| m.parse::<usize>().ok())
                    .map_or(HUGE_BYTES, |m| m << 20);
                Ok(ActionResult::message("huge").with_view(vec![view::text("x".repeat(bytes))]))
            }
            "sleep" => {
                sleep_ms(input.parse::<u64>("ms")?.unwrap_or(0));
                Ok(ActionResult::message("slept"))
            }
            "store" => {
                for i in 0..reads() {
                    storage::set(&format!("r{i}"), &i)?;
                }
                Ok(ActionResult::message("stored"))
            }
            other => Err(Error::not_found(format!("action {other}"))),
        }
    }

    fn on_case_event(event: &CaseEvent) -> Result<(), Error> {
        sleep_ms(setting_ms("event_sleep_ms"));
        let seen = storage::update(&seen_key(event.case_id, &event.action), |n: Option<u32>| {
            n.unwrap_or(0) + 1
        })?;
        if event.action == "register" && seen == 1 {
            return Err(Error::failed(format!(
                "fault-lab fails the first register delivery of case {}",
                event.case_id
            )));
        }
        Ok(())
    }
}

liaison_sdk::export_brand!(FaultLab);

#[cfg(test)]
mod tests {
    use super::*;
    use liaison_sdk::testing::{self, TestHost};

    fn host() -> TestHost {
        TestHost::with_manifest(include_str!("../plugin.toml"))
    }

    #[test]
    fn ok_answers_ok() {
        let host = host();
        let r = host.run_action::<FaultLab>("ok", &[]).unwrap();
        assert_eq!(r.message, "ok");
        assert_eq!(r.case_id, None);
    }

    #[test]
    fn home_is_a_heading_for_staff() {
        let host = host();
        host.audience(Audience::Staff);
        let blocks = host.render_view::<FaultLab>("home").unwrap();
        assert_eq!(testing::texts(&blocks), vec!["fault-lab".to_string()]);
        host.audience(Audience::Resident);
        assert!(matches!(
            host.render_view::<FaultLab>("home"),
            Err(Error::Denied(_))
        ));
    }

    /// The SDK's harness refuses what the host refuses: a form posting to a path.
    #[test]
    #[should_panic(expected = "does not declare")]
    fn the_harness_refuses_the_edges_view() {
        let host = host();
        host.audience(Audience::Staff);
        let _ = host.render_view::<FaultLab>("edges");
    }

    #[test]
    fn submit_deliveries_are_counted() {
        let host = host();
        for _ in 0..3 {
            host.on_case_event::<FaultLab>(&host.event(41, "submit"))
                .unwrap();
        }
        host.on_case_event::<FaultLab>(&host.event(42, "submit"))
            .unwrap();
        assert_eq!(host.stored::<u32>("seen:41:submit"), Some(3));
        assert_eq!(host.stored::<u32>("seen:42:submit"), Some(1));
    }

    #[test]
    fn the_first_register_of_a_case_fails_then_succeeds() {
        let host = host();
        let event = host.event(7, "register");
        assert!(matches!(
            host.on_case_event::<FaultLab>(&event),
            Err(Error::Failed(_))
        ));
        assert_eq!(host.stored::<u32>(&seen_key(7, "register")), Some(1));
        assert_eq!(host.on_case_event::<FaultLab>(&event), Ok(()));
        assert_eq!(host.on_case_event::<FaultLab>(&event), Ok(()));
        assert_eq!(host.stored::<u32>(&seen_key(7, "register")), Some(3));
        // Another case fails its own first delivery.
        assert!(
            host.on_case_event::<FaultLab>(&host.event(8, "register"))
                .is_err()
        );
    }

    #[test]
    fn other_events_are_not_delivered() {
        let host = host();
        host.on_case_event::<FaultLab>(&host.event(7, "close"))
            .unwrap();
        assert!(host.storage_keys().is_empty());
    }

    #[test]
    fn without_storage_events_are_denied() {
        let host = host();
        host.revoke("storage");
        assert_eq!(
            host.on_case_event::<FaultLab>(&host.event(7, "submit")),
            Err(Error::Denied("storage".into()))
        );
    }

    #[test]
    fn unknown_actions_are_not_found() {
        let host = host();
        assert!(matches!(
            host.run_action::<FaultLab>("explode", &[]),
            Err(Error::NotFound(_))
        ));
    }
}
