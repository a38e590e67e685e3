//! Views are data. A plugin returns typed blocks; the host turns them into JSON for the API
//! and into HTML in the site's own markup, escaping every string, so a plugin cannot inject
//! script. Form input is checked against the manifest before a plugin sees it, by the
//! contract's rules (`liaison_contract::form`).
//!
//! Nothing a plugin writes becomes a URL as written. A form names one of the plugin's declared
//! actions by id (offered to the audience looking at the view), and the host builds where it
//! posts ([`form_target`]); any other form is left out. A link is kept only when it is an
//! in-site path by the contract's strict grammar (`liaison_contract::link::in_site`), re-encoded
//! by it; any other link is drawn as plain text.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::bindings::v0_1::liaison::brand::types::{self as wit, Block};
use crate::manifest::{ActionDecl, Audience, Manifest};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ViewBlock {
    Heading {
        level: u8,
        text: String,
    },
    Text {
        text: String,
    },
    StatCards {
        cards: Vec<StatCard>,
    },
    Table {
        columns: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    Items {
        items: Vec<Item>,
    },
    Form {
        form: FormOut,
    },
    Link {
        text: String,
        href: String,
    },
    Notice {
        kind: String,
        text: String,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct StatCard {
    pub label: String,
    pub value: String,
    pub hint: Option<String>,
}

/// One entry of a view's list: a title, an optional detail line and an optional in-site link.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
// Named apart in the API document from the appraisal's item, which is also `Item`.
#[schema(as = ViewItem)]
pub struct Item {
    pub title: String,
    pub detail: Option<String>,
    pub href: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct FormOut {
    pub action: String,
    pub title: Option<String>,
    pub submit_label: String,
    pub fields: Vec<FieldOut>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct FieldOut {
    pub name: String,
    pub label: String,
    pub kind: String,
    pub required: bool,
    pub options: Vec<(String, String)>,
    pub max_length: u32,
    pub help: Option<String>,
}

/// Only paths inside Liaison, by the contract's strict grammar, as the host re-encodes them.
fn safe_href(href: &str) -> Option<String> {
    liaison_contract::link::in_site(href)
}

/// Where a form of the view posts: `base` (the door's path up to the action, built by the
/// caller from the station's and the plugin's codes) and the action's id. `None` unless the id
/// is an id by the manifest's grammar; [`convert`] lets through only declared ones.
pub fn form_target(base: &str, action: &str) -> Option<String> {
    liaison_contract::manifest::valid_id(action).then(|| format!("{base}{action}"))
}

/// Whether a form of a view shown to `audience` may post to `action`: one of the plugin's
/// declared actions, offered to that audience.
fn declared_for(manifest: &Manifest, audience: Audience, action: &str) -> bool {
    manifest
        .action(action)
        .is_some_and(|a| a.audience.contains(&audience))
}

fn kind_name(k: wit::FieldKind) -> &'static str {
    match k {
        wit::FieldKind::Text => "text",
        wit::FieldKind::Textarea => "textarea",
        wit::FieldKind::Number => "number",
        wit::FieldKind::Date => "date",
        wit::FieldKind::Select => "select",
        wit::FieldKind::Checkbox => "checkbox",
        wit::FieldKind::Phone => "phone",
    }
}

/// A plugin's blocks as the host shows them to `audience`: forms only for the plugin's declared
/// actions offered to that audience (others are left out, with a warning in the log), links
/// only in-site (others become their text).
pub fn convert(blocks: Vec<Block>, manifest: &Manifest, audience: Audience) -> Vec<ViewBlock> {
    blocks
        .into_iter()
        .filter(|b| match b {
            Block::Form(f) if !declared_for(manifest, audience, &f.action) => {
                tracing::warn!(plugin = %manifest.id, action = %f.action, audience = audience.as_str(),
                    "a view's form names no action declared for its audience; it is left out");
                false
            }
            _ => true,
        })
        .map(|b| match b {
            Block::Heading(h) => ViewBlock::Heading {
                level: h.level.clamp(1, 3),
                text: h.text,
            },
            Block::Text(t) => ViewBlock::Text { text: t },
            Block::StatCards(cards) => ViewBlock::StatCards {
                cards: cards
                    .into_iter()
                    .map(|c| StatCard {
                        label: c.label,
                        value: c.value,
                        hint: c.hint,
                    })
                    .collect(),
            },
            Block::Table(t) => ViewBlock::Table {
                columns: t.columns,
                rows: t.rows,
            },
            Block::Items(items) => ViewBlock::Items {
                items: items
                    .into_iter()
                    .map(|i| Item {
                        title: i.title,
                        detail: i.detail,
                        href: i.href.as_deref().and_then(safe_href),
                    })
                    .collect(),
            },
            Block::Form(f) => ViewBlock::Form {
                form: FormOut {
                    action: f.action,
                    title: f.title,
                    submit_label: f.submit_label,
                    fields: f
                        .fields
                        .into_iter()
                        .map(|x| FieldOut {
                            name: x.name,
                            label: x.label,
                            kind: kind_name(x.kind).to_owned(),
                            required: x.required,
                            options: x.options,
                            max_length: liaison_contract::form::max_length(x.max_length),
                            help: x.help,
                        })
                        .collect(),
                },
            },
            Block::Link(l) => match safe_href(&l.href) {
                Some(href) => ViewBlock::Link { text: l.text, href },
                None => ViewBlock::Text { text: l.text },
            },
            Block::Notice(n) => ViewBlock::Notice {
                kind: match n.kind {
                    wit::NoticeKind::Info => "info",
                    wit::NoticeKind::Success => "success",
                    wit::NoticeKind::Warning => "warning",
                }
                .to_owned(),
                text: n.text,
            },
        })
        .collect()
}

/// Bytes a view takes as JSON; the host refuses answers over the configured size.
pub fn size(blocks: &[ViewBlock]) -> usize {
    serde_json::to_vec(blocks)
        .map(|v| v.len())
        .unwrap_or(usize::MAX)
}

/// The block templates: one macro per kind of block, auto-escaping on (the name ends in .html).
const BLOCKS: &str = include_str!("templates/blocks.html");

fn environment() -> &'static minijinja::Environment<'static> {
    static ENV: std::sync::OnceLock<minijinja::Environment<'static>> = std::sync::OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = minijinja::Environment::new();
        env.set_formatter(crate::html::formatter);
        // A broken built-in template is a bug of this crate: the unit tests render every
        // kind of block, so it cannot reach a running host.
        if let Err(e) = env.add_template("blocks.html", BLOCKS) {
            tracing::error!(error = %e, "the block templates do not parse");
        }
        env
    })
}

/// HTML in the site's markup, drawn by the block templates with every string escaped.
/// `action_base` is where forms post (`…/actions/`); each form's target is built by
/// [`form_target`].
pub fn html(blocks: &[ViewBlock], action_base: &str) -> String {
    let targets: BTreeMap<&str, String> = blocks
        .iter()
        .filter_map(|b| match b {
            ViewBlock::Form { form } => Some((
                form.action.as_str(),
                form_target(action_base, &form.action)?,
            )),
            _ => None,
        })
        .collect();
    let rendered = environment().get_template("blocks.html").and_then(|t| {
        t.render(minijinja::context! {
            blocks => minijinja::Value::from(minijinja::value::Serde(blocks)),
            targets => targets,
        })
    });
    match rendered {
        Ok(html) => html,
        Err(e) => {
            tracing::error!(error = %e, "drawing a plugin view");
            String::from("<div class=\"brand-view\"></div>")
        }
    }
}

/// Checks submitted values against the action's declared fields by the contract's rule;
/// returns them normalised, or the field at fault and what is wrong with it.
pub fn validate_input(
    decl: &ActionDecl,
    given: &BTreeMap<String, String>,
) -> Result<Vec<(String, String)>, (String, liaison_contract::FieldKind)> {
    liaison_contract::form::validate_input(decl, given).map_err(|e| (e.field, e.kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A manifest with one action `ask` for staff and one `vote` for residents.
    fn manifest() -> Manifest {
        Manifest::parse(
            r#"
id = "edge-brand"
version = "0.1.0"
wit = "0.1.0"
[name]
zh = "边"
en = "Edge"
[[actions]]
id = "ask"
audience = ["staff"]
[actions.title]
zh = "问"
en = "Ask"
[[actions]]
id = "vote"
audience = ["resident"]
[actions.title]
zh = "投"
en = "Vote"
"#,
        )
        .expect("the test manifest parses")
    }

    fn form(action: &str) -> Block {
        Block::Form(wit::Form {
            action: action.into(),
            title: None,
            submit_label: "go".into(),
            fields: vec![],
        })
    }

    fn link(href: &str) -> Block {
        Block::Link(wit::Link {
            text: "go".into(),
            href: href.into(),
        })
    }

    /// A form posts only to a declared action offered to the audience, at the URL the host
    /// builds; a path the plugin writes never becomes a form's target.
    #[test]
    fn forms_post_only_to_declared_actions_for_the_audience() {
        let m = manifest();
        let blocks = convert(
            vec![
                form("../../../../cases/1/act/reject"),
                form("/cases/1/act/reject"),
                form("ask/../../x"),
                form("nope"),
                form("vote"),
                form("ASK"),
                form("ask"),
            ],
            &m,
            Audience::Staff,
        );
        let actions: Vec<&str> = blocks
            .iter()
            .filter_map(|b| match b {
                ViewBlock::Form { form } => Some(form.action.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(actions, ["ask"]);
        let h = html(&blocks, "/desk/lunan/brand/edge-brand/");
        assert_eq!(h.matches("<form ").count(), 1, "{h}");
        assert!(
            h.contains("<form method=\"post\" action=\"/desk/lunan/brand/edge-brand/ask\">"),
            "{h}"
        );
        // Residents get their own action, not the staff's.
        let resident = convert(vec![form("ask"), form("vote")], &m, Audience::Resident);
        assert!(
            matches!(&resident[..], [ViewBlock::Form { form }] if form.action == "vote"),
            "{resident:?}"
        );
        // The host builds targets only from ids.
        assert_eq!(form_target("/b/", "../x"), None);
        assert_eq!(form_target("/b/", "ok-1").as_deref(), Some("/b/ok-1"));
    }

    /// Links by the strict grammar, re-encoded; the rest become their text.
    #[test]
    fn links_follow_the_in_site_grammar() {
        let m = manifest();
        let blocks = convert(
            vec![
                link("/\t/evil.example"),
                link("/\r\n/evil.example"),
                link("/%2e%2e/%2e%2e/x"),
                link("/s/路南"),
            ],
            &m,
            Audience::Staff,
        );
        assert!(
            matches!(
                &blocks[..3],
                [
                    ViewBlock::Text { .. },
                    ViewBlock::Text { .. },
                    ViewBlock::Text { .. }
                ]
            ),
            "{blocks:?}"
        );
        assert_eq!(
            blocks[3],
            ViewBlock::Link {
                text: "go".into(),
                href: "/s/%E8%B7%AF%E5%8D%97".into()
            }
        );
        let items = convert(
            vec![Block::Items(vec![wit::ListItem {
                title: "t".into(),
                detail: None,
                href: Some("/\t/evil.example".into()),
            }])],
            &m,
            Audience::Staff,
        );
        assert!(
            matches!(&items[..], [ViewBlock::Items { items }] if items[0].href.is_none()),
            "{items:?}"
        );
    }

    #[test]
    fn html_escapes_everything_and_drops_foreign_links() {
        let m = manifest();
        let blocks = convert(
            vec![
                Block::Text("<script>alert(1)</script>".into()),
                Block::Link(wit::Link {
                    text: "x".into(),
                    href: "javascript:alert(1)".into(),
                }),
                Block::Link(wit::Link {
                    text: "ok".into(),
                    href: "/t/ABCD-EFGH".into(),
                }),
                Block::Link(wit::Link {
                    text: "far".into(),
                    href: "//evil.example".into(),
                }),
            ],
            &m,
            Audience::Staff,
        );
        let h = html(&blocks, "/a/");
        assert!(!h.contains("<script>"));
        assert!(h.contains("&lt;script&gt;"));
        assert!(!h.contains("javascript:"));
        assert!(!h.contains("evil.example\""));
        assert!(h.contains("href=\"/t/ABCD-EFGH\""));
    }

    /// Every kind of block is drawn, and every string of it — values, labels, hints, cells,
    /// option values and field names — arrives escaped. (A form's action is an id the host
    /// checked, see above.)
    #[test]
    fn every_block_is_drawn_escaped() {
        let evil = "<b onclick=\"x\">'&";
        let escaped = "&lt;b onclick=&quot;x&quot;&gt;&#39;&amp;";
        let s = |x: &str| x.to_owned();
        let blocks = vec![
            ViewBlock::Heading {
                level: 1,
                text: s(evil),
            },
            ViewBlock::Text { text: s(evil) },
            ViewBlock::StatCards {
                cards: vec![StatCard {
                    label: s(evil),
                    value: s(evil),
                    hint: Some(s(evil)),
                }],
            },
            ViewBlock::Table {
                columns: vec![s(evil)],
                rows: vec![vec![s(evil)]],
            },
            ViewBlock::Items {
                items: vec![Item {
                    title: s(evil),
                    detail: Some(s(evil)),
                    href: Some(s("/s/x")),
                }],
            },
            ViewBlock::Link {
                text: s(evil),
                href: s("/t/A"),
            },
            ViewBlock::Notice {
                kind: s("info"),
                text: s(evil),
            },
            ViewBlock::Form {
                form: FormOut {
                    action: s("ask"),
                    title: Some(s(evil)),
                    submit_label: s(evil),
                    fields: ["text", "textarea", "select", "checkbox", "phone"]
                        .into_iter()
                        .map(|kind| FieldOut {
                            name: s(evil),
                            label: s(evil),
                            kind: s(kind),
                            required: true,
                            options: vec![(s(evil), s(evil))],
                            max_length: 20,
                            help: Some(s(evil)),
                        })
                        .collect(),
                },
            },
        ];
        let h = html(&blocks, "/a/");
        assert!(!h.contains("<b "), "{h}");
        assert!(!h.contains("\"x\""), "{h}");
        for part in [
            "<h2>",
            "<p>",
            "class=\"stat-value\"",
            "class=\"stat-hint\"",
            "<th scope=\"col\">",
            "<td>",
            "<ul class=\"items\">",
            "<a href=\"/s/x\">",
            "<a href=\"/t/A\">",
            "class=\"notice notice-info\"",
            "<form method=\"post\" action=\"/a/",
            "<textarea",
            "<select",
            "<option value=\"",
            "type=\"checkbox\"",
            "type=\"tel\"",
            "required",
            "maxlength=\"20\"",
            "<small>",
            "<button type=\"submit\">",
        ] {
            assert!(h.contains(part), "{part} missing in {h}");
        }
        // 27 strings of the plugin's in all, each shown escaped.
        assert!(h.matches(escaped).count() >= 27, "{h}");
    }
}
