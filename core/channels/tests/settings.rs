//! Channels built from the configuration's `[notifications]` keys.

use liaison_channels::{Address, ChannelSettings, SendError, from_settings};

use crate::support::http::HttpReceiver;
use crate::support::message;

fn parse(toml: &str) -> ChannelSettings {
    let config = config::Config::builder()
        .add_source(config::File::from_str(toml, config::FileFormat::Toml))
        .build()
        .unwrap();
    ChannelSettings::from_config(&config).unwrap()
}

#[test]
fn the_shipped_defaults_turn_every_channel_off() {
    let s = ChannelSettings::defaults();
    assert!(!s.email.enabled);
    assert!(s.gateways.is_empty());
    assert!(!s.sink.enabled);
    assert!(from_settings(&s).unwrap().is_empty());
}

#[tokio::test]
async fn a_configured_gateway_and_email_are_built_and_deliver() {
    let rx = HttpReceiver::start().await;
    // SAFETY: only this test reads the variable.
    unsafe { std::env::set_var("LIAISON_TEST_ROBOT_SECRET", "from-the-environment") };
    let s = parse(&format!(
        r#"
        [notifications]
        other_key_of_the_domain = 3
        [notifications.email]
        enabled = true
        host = "127.0.0.1"
        port = 2525
        tls = "none"
        from = "noreply@liaison.example.org"
        [[notifications.gateways]]
        name = "robot"
        kind = "robot"
        enabled = true
        url = "{}"
        template = '{{"text":"{{{{subject}}}}"}}'
        stations = ["lunan"]
        auth = {{ header = "X-Token", value = "t0k" }}
        signature = {{ kind = "hmac", header = "X-Sig", secret_env = "LIAISON_TEST_ROBOT_SECRET" }}
        [[notifications.gateways]]
        name = "off"
        kind = "sms"
        url = "http://127.0.0.1:1/"
        template = "not even json"
        "#,
        rx.url("/hook")
    ));
    let channels = from_settings(&s).unwrap();
    let names: Vec<&str> = channels.iter().map(|c| c.name()).collect();
    assert_eq!(
        names,
        ["email", "robot"],
        "the disabled gateway is not built"
    );
    channels[1]
        .send(&message(Address::Robot("lunan".into())))
        .await
        .expect("delivered");
    let r = &rx.requests()[0];
    assert_eq!(r.header("x-token"), Some("t0k"));
    assert!(r.header("x-sig").is_some());
}

#[test]
fn a_bad_configuration_names_its_key() {
    let err = from_settings(&parse(
        r#"
        [[notifications.gateways]]
        name = "big"
        kind = "sms"
        enabled = true
        url = "http://127.0.0.1:1/"
        template = '{"t":"{{nope}}"}'
        "#,
    ))
    .err()
    .expect("refused");
    assert!(
        format!("{err:#}").contains("notifications.gateways[0]"),
        "{err:#}"
    );

    let err = from_settings(&parse(
        r#"
        [notifications.email]
        enabled = true
        from = ""
        "#,
    ))
    .err()
    .expect("refused");
    assert!(
        format!("{err:#}").contains("notifications.email"),
        "{err:#}"
    );

    let twice = r#"
        [[notifications.gateways]]
        name = "same"
        kind = "sms"
        enabled = true
        url = "http://127.0.0.1:1/"
        template = '{"t":"{{body}}"}'
        [[notifications.gateways]]
        name = "same"
        kind = "robot"
        enabled = true
        url = "http://127.0.0.1:1/"
        template = '{"t":"{{body}}"}'
        "#;
    assert!(from_settings(&parse(twice)).is_err());
}

#[tokio::test]
async fn a_refused_message_is_not_sent_to_a_channel_that_does_not_take_it() {
    let rx = HttpReceiver::start().await;
    let s = parse(&format!(
        r#"
        [[notifications.gateways]]
        name = "sms"
        kind = "sms"
        enabled = true
        url = "{}"
        template = '{{"t":"{{{{body}}}}"}}'
        "#,
        rx.url("/")
    ));
    let sms = &from_settings(&s).unwrap()[0];
    let wrong = message(Address::User(1));
    assert!(matches!(sms.send(&wrong).await, Err(SendError::Refused(_))));
    assert!(rx.requests().is_empty());
}
