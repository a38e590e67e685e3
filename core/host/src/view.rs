//! Views are data. A plugin returns typed blocks; the host turns them into JSON for the API
//! and into HTML in the site's own markup, escaping every string, so a plugin cannot inject
//! script. Form input is checked against the manifest before a plugin sees it, by the
//! contract's rules (`liaison_contract::form`).

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::bindings::v0_1::liaison::brand::types::{self as wit, Block};
use crate::manifest::ActionDecl;

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
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

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct StatCard {
    pub label: String,
    pub value: String,
    pub hint: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Item {
    pub title: String,
    pub detail: Option<String>,
    pub href: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct FormOut {
    pub action: String,
    pub title: Option<String>,
    pub submit_label: String,
    pub fields: Vec<FieldOut>,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct FieldOut {
    pub name: String,
    pub label: String,
    pub kind: String,
    pub required: bool,
    pub options: Vec<(String, String)>,
    pub max_length: u32,
    pub help: Option<String>,
}

/// Only paths inside Liaison: no other sites, no `javascript:`.
fn safe_href(href: &str) -> Option<String> {
    (href.starts_with('/') && !href.starts_with("//") && !href.contains('\\'))
        .then(|| href.to_owned())
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

pub fn convert(blocks: Vec<Block>) -> Vec<ViewBlock> {
    blocks
        .into_iter()
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

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// HTML in the site's markup. `action_base` is where forms post (`…/actions/`).
pub fn html(blocks: &[ViewBlock], action_base: &str) -> String {
    let mut out = String::from("<div class=\"brand-view\">");
    for b in blocks {
        match b {
            ViewBlock::Heading { level, text } => {
                let l = level + 1;
                out.push_str(&format!("<h{l}>{}</h{l}>", esc(text)));
            }
            ViewBlock::Text { text } => out.push_str(&format!("<p>{}</p>", esc(text))),
            ViewBlock::StatCards { cards } => {
                out.push_str("<div class=\"stat-cards\">");
                for c in cards {
                    out.push_str(&format!(
                        "<div class=\"stat-card\"><div class=\"stat-value\">{}</div><div class=\"stat-label\">{}</div>{}</div>",
                        esc(&c.value),
                        esc(&c.label),
                        c.hint.as_deref().map(|h| format!("<div class=\"stat-hint\">{}</div>", esc(h))).unwrap_or_default()
                    ));
                }
                out.push_str("</div>");
            }
            ViewBlock::Table { columns, rows } => {
                out.push_str("<table><thead><tr>");
                for c in columns {
                    out.push_str(&format!("<th scope=\"col\">{}</th>", esc(c)));
                }
                out.push_str("</tr></thead><tbody>");
                for r in rows {
                    out.push_str("<tr>");
                    for cell in r {
                        out.push_str(&format!("<td>{}</td>", esc(cell)));
                    }
                    out.push_str("</tr>");
                }
                out.push_str("</tbody></table>");
            }
            ViewBlock::Items { items } => {
                out.push_str("<ul class=\"items\">");
                for i in items {
                    let title = match &i.href {
                        Some(h) => format!("<a href=\"{}\">{}</a>", esc(h), esc(&i.title)),
                        None => esc(&i.title),
                    };
                    let detail = i
                        .detail
                        .as_deref()
                        .map(|d| format!("<div>{}</div>", esc(d)))
                        .unwrap_or_default();
                    out.push_str(&format!("<li>{title}{detail}</li>"));
                }
                out.push_str("</ul>");
            }
            ViewBlock::Link { text, href } => out.push_str(&format!(
                "<p><a href=\"{}\">{}</a></p>",
                esc(href),
                esc(text)
            )),
            ViewBlock::Notice { kind, text } => out.push_str(&format!(
                "<div class=\"notice notice-{}\" role=\"status\">{}</div>",
                esc(kind),
                esc(text)
            )),
            ViewBlock::Form { form } => {
                out.push_str(&format!(
                    "<form method=\"post\" action=\"{}{}\">",
                    esc(action_base),
                    esc(&form.action)
                ));
                if let Some(t) = &form.title {
                    out.push_str(&format!("<h3>{}</h3>", esc(t)));
                }
                for f in &form.fields {
                    let id = format!("f-{}-{}", esc(&form.action), esc(&f.name));
                    let req = if f.required { " required" } else { "" };
                    out.push_str(&format!("<p><label for=\"{id}\">{}</label>", esc(&f.label)));
                    let input = match f.kind.as_str() {
                        "textarea" => format!(
                            "<textarea id=\"{id}\" name=\"{}\" maxlength=\"{}\"{req}></textarea>",
                            esc(&f.name),
                            f.max_length
                        ),
                        "select" => {
                            let opts: String = f
                                .options
                                .iter()
                                .map(|(v, l)| {
                                    format!("<option value=\"{}\">{}</option>", esc(v), esc(l))
                                })
                                .collect();
                            format!(
                                "<select id=\"{id}\" name=\"{}\"{req}>{opts}</select>",
                                esc(&f.name)
                            )
                        }
                        "checkbox" => format!(
                            "<input type=\"checkbox\" id=\"{id}\" name=\"{}\" value=\"true\">",
                            esc(&f.name)
                        ),
                        other => {
                            let t = match other {
                                "number" => "number",
                                "date" => "date",
                                "phone" => "tel",
                                _ => "text",
                            };
                            format!(
                                "<input type=\"{t}\" id=\"{id}\" name=\"{}\" maxlength=\"{}\"{req}>",
                                esc(&f.name),
                                f.max_length
                            )
                        }
                    };
                    out.push_str(&input);
                    if let Some(h) = &f.help {
                        out.push_str(&format!("<small>{}</small>", esc(h)));
                    }
                    out.push_str("</p>");
                }
                out.push_str(&format!(
                    "<button type=\"submit\">{}</button></form>",
                    esc(&form.submit_label)
                ));
            }
        }
    }
    out.push_str("</div>");
    out
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

    #[test]
    fn html_escapes_everything_and_drops_foreign_links() {
        let blocks = convert(vec![
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
        ]);
        let h = html(&blocks, "/a/");
        assert!(!h.contains("<script>"));
        assert!(h.contains("&lt;script&gt;"));
        assert!(!h.contains("javascript:"));
        assert!(!h.contains("evil.example\""));
        assert!(h.contains("href=\"/t/ABCD-EFGH\""));
    }
}
