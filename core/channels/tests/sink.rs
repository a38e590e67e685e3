//! The demo's file sink.

use liaison_channels::sink::SinkChannel;
use liaison_channels::{Address, Channel};

use crate::support::message;

#[tokio::test]
async fn every_message_is_a_json_line_without_contact_data() {
    let dir = std::env::temp_dir().join(format!("liaison-sink-{}", std::process::id()));
    let path = dir.join("nested/outbox-sink.jsonl");
    let sink = SinkChannel::new(&path).expect("a sink");
    for to in [
        Address::Email("resident@example.com".into()),
        Address::Phone("13812345678".into()),
        Address::User(7),
        Address::Robot("station-robot".into()),
    ] {
        assert!(sink.accepts(&to));
        sink.send(&message(to)).await.expect("written");
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("resident@example.com") && !text.contains("13812345678"));
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let to: Vec<&str> = lines.iter().map(|l| l["to"].as_str().unwrap()).collect();
    assert_eq!(to, ["email", "phone", "user:7", "robot:station-robot"]);
    assert_eq!(lines[0]["idempotency_key"], "delivery-42");
    assert_eq!(lines[0]["subject"], "新案件 \"路南\" / New case");
    let _ = std::fs::remove_dir_all(&dir);
}
