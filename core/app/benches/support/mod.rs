//! What the bench binaries share: a resident's case body, a free port, percentiles. Each bench
//! uses part of it.
#![allow(dead_code)]

use std::time::Duration;

/// A resident's case at 路南, numbered `i`, as intake receives it.
pub fn body(i: usize) -> serde_json::Value {
    serde_json::json!({
        "station": "lunan",
        "category": "urban_construction",
        "description": format!("石曲村一带路灯坏了半个多月，晚上出行很不方便，希望尽快修好。编号 {i}"),
        "location": { "lat": 28.58, "lng": 121.37, "address": "路南街道石曲村" },
        "contact": { "name": "王先生", "phone": "13812345678" },
    })
}

/// A port free on this machine now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The `p` percentile (0 to 1) of `sorted`, which is not empty.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

/// Milliseconds.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
