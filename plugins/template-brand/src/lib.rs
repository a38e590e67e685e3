//! Template brand (模板): a station brand plugin for Liaison.
//!
//! `liaison plugin new NAME` copies this crate and writes the new plugin's names in place of
//! these strings wherever they occur in it (this comment included):
//!
//! | what | here |
//! |---|---|
//! | plugin id and Cargo package name | `template-brand` |
//! | Rust crate name (and the `.wasm` file name) | `template_brand` |
//! | English name | `Template brand` |
//! | Chinese name | `模板` |
//!
//! If the Chinese name is still the template's, write yours in here and in `plugin.toml`.
//!
//! What it does: view `home` (residents) shows a heading, an introduction (the station's
//! `intro` setting) and a one-field form; action `send` stores the message and thanks the
//! resident. Change both to your brand, keeping `plugin.toml` in step: every view, action,
//! form field, setting and capability the code uses must be declared there. The unit tests
//! below run with `cargo test`, against the SDK's fake host; docs/PLUGINS.md in the Liaison
//! repository walks through the rest, from build to a brand enabled at a station.

use liaison_sdk::prelude::*;
use serde::{Deserialize, Serialize};

/// The brand.
pub struct StationBrand;

/// One message a resident left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// When it came, RFC 3339.
    pub at: String,
    /// What it says.
    pub message: String,
}

/// Storage key of the number of messages so far.
pub const COUNT: &str = "submissions";

/// Storage key of message number `n` (zero-padded, so keys sort in order).
pub fn submission_key(n: u32) -> String {
    format!("submission:{n:08}")
}

impl Brand for StationBrand {
    fn render_view(view: &str, ctx: &Context) -> Result<Vec<Block>, Error> {
        match view {
            "home" => Ok(View::new()
                .heading(1, ctx.pick("模板", "Template brand"))
                .text(host::setting_or("intro", "请留下您的意见和建议。"))
                .form(
                    Form::new("send", ctx.pick("提交", "Send")).field(
                        Field::textarea("message", ctx.pick("留言", "Message"))
                            .required()
                            .max_length(500),
                    ),
                )
                .into()),
            other => Err(Error::not_found(format!("view {other}"))),
        }
    }

    fn run_action(action: &str, ctx: &Context, input: &FormInput) -> Result<ActionResult, Error> {
        match action {
            "send" => {
                let message = input.required("message")?;
                let n = storage::update(COUNT, |n: Option<u32>| n.unwrap_or(0) + 1)?;
                let submission = Submission {
                    at: host::now(),
                    message: message.to_owned(),
                };
                storage::set(&submission_key(n), &submission)?;
                Ok(ActionResult::message(ctx.pick(
                    "谢谢，我们已收到您的留言。",
                    "Thank you, we have your message.",
                )))
            }
            other => Err(Error::not_found(format!("action {other}"))),
        }
    }
}

liaison_sdk::export_brand!(StationBrand);

#[cfg(test)]
mod tests {
    use super::*;
    use liaison_sdk::testing::{self, TestHost};

    fn host() -> TestHost {
        // Checks plugin.toml as the host does at install, and grants what it asks for.
        TestHost::with_manifest(include_str!("../plugin.toml"))
    }

    #[test]
    fn home_shows_the_intro_and_the_form() {
        let host = host();
        let blocks = host.render_view::<StationBrand>("home").unwrap();
        assert_eq!(
            testing::texts(&blocks),
            vec!["模板".to_string(), "请留下您的意见和建议。".to_string()]
        );
        assert!(
            blocks
                .iter()
                .any(|b| matches!(b, Block::Form(f) if f.action == "send"))
        );
    }

    #[test]
    fn send_stores_the_message_and_thanks() {
        let host = host();
        let r = host
            .run_action::<StationBrand>("send", &[("message", "公园的灯晚上不亮")])
            .unwrap();
        assert_eq!(r.message, "谢谢，我们已收到您的留言。");
        assert_eq!(host.stored::<u32>(COUNT), Some(1));
        let saved: Submission = host.stored(&submission_key(1)).unwrap();
        assert_eq!(saved.message, "公园的灯晚上不亮");
    }

    #[test]
    fn an_empty_message_is_refused() {
        let host = host();
        let r = host.run_action::<StationBrand>("send", &[("message", "   ")]);
        assert!(
            matches!(r, Err(Error::Invalid { ref field, .. }) if field == "message"),
            "{r:?}"
        );
        assert_eq!(host.stored::<u32>(COUNT), None);
    }
}
