//! The templates, embedded in the binary and compiled once. Every value is HTML-escaped unless
//! it was marked safe on purpose (the brand views the plugin host already rendered and escaped).
//! `t("key", name=value)` in a template is the message catalogue in the page's language.

use std::sync::LazyLock;

use minijinja::value::{Kwargs, Value};
use minijinja::{AutoEscape, Environment, State, UndefinedBehavior};

use super::i18n::{self, Lang};

/// (name, source) of every template.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("macros.html", include_str!("templates/macros.html")),
    ("error.html", include_str!("templates/error.html")),
    ("home.html", include_str!("templates/home.html")),
    (
        "lookup_form.html",
        include_str!("templates/lookup_form.html"),
    ),
    ("lookup.html", include_str!("templates/lookup.html")),
    ("station.html", include_str!("templates/station.html")),
    ("deputy.html", include_str!("templates/deputy.html")),
    (
        "intake_form.html",
        include_str!("templates/intake_form.html"),
    ),
    ("receipt.html", include_str!("templates/receipt.html")),
    ("track.html", include_str!("templates/track.html")),
    (
        "brand_result.html",
        include_str!("templates/brand_result.html"),
    ),
    ("poster.html", include_str!("templates/poster.html")),
    ("login.html", include_str!("templates/login.html")),
    ("me.html", include_str!("templates/me.html")),
    ("desk.html", include_str!("templates/desk.html")),
    ("case.html", include_str!("templates/case.html")),
    ("org.html", include_str!("templates/org.html")),
    (
        "deputy_desk.html",
        include_str!("templates/deputy_desk.html"),
    ),
];

/// Every template of every area: the pages here, the ops console, the dashboards and the
/// oversight pages (appraisal, points, visits, projects), each area listing its own.
fn all_templates() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    TEMPLATES
        .iter()
        .chain(super::console::TEMPLATES)
        .chain(super::cockpit::TEMPLATES)
        .chain(super::oversight::TEMPLATES)
        .chain(super::suggestions::TEMPLATES)
        .chain(super::legislation::TEMPLATES)
        .chain(super::legislation_staff::TEMPLATES)
        .chain(super::notifications::TEMPLATES)
}

fn lang_of(state: &State) -> Lang {
    state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::parse))
        .unwrap_or_default()
}

/// `t("key")` or `t("key", n=3)`.
fn translate(state: &State, key: &str, kwargs: Kwargs) -> Result<String, minijinja::Error> {
    let lang = lang_of(state);
    let mut args = Vec::new();
    for name in kwargs.args() {
        let v: Value = kwargs.get(name)?;
        args.push((name, v.to_string()));
    }
    Ok(i18n::tf(lang, key, &args))
}

/// The platform's one HTML escaper (shared with the plugin host's view drawing).
pub use liaison_host::html::escape as escape_html;

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.set_formatter(liaison_host::html::formatter);
    env.add_function("t", translate);
    for (name, source) in all_templates() {
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("template {name} does not compile: {e:#}"));
    }
    env
});

/// Renders `name` with `ctx`.
pub fn render(name: &str, ctx: Value) -> anyhow::Result<String> {
    let tmpl = ENV
        .get_template(name)
        .map_err(|e| anyhow::anyhow!("template {name}: {e:#}"))?;
    tmpl.render(ctx)
        .map_err(|e| anyhow::anyhow!("rendering {name}: {e:#}"))
}

/// A value from anything serde can write.
pub fn value<T: serde::Serialize>(v: T) -> Value {
    Value::from(minijinja::value::Serde(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        LazyLock::force(&ENV);
    }

    /// Every `t("…")` a template says is in the catalogue.
    #[test]
    fn every_message_a_template_uses_exists() {
        for (name, source) in all_templates() {
            for quote in ['"', '\''] {
                let open = format!("t({quote}");
                let mut from = 0;
                while let Some(i) = source[from..].find(&open) {
                    let at = from + i;
                    from = at + open.len();
                    // `t(` itself, not the end of another name such as `split(`.
                    if at > 0 && source.as_bytes()[at - 1].is_ascii_alphanumeric() {
                        continue;
                    }
                    let end = source[from..].find(quote).expect("a closing quote");
                    let key = &source[from..from + end];
                    assert!(i18n::has(key), "{name} uses the missing message {key}");
                }
            }
        }
    }

    #[test]
    fn values_are_escaped_and_safe_strings_are_not() {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        env.add_template("x", "{{ a }}|{{ b }}").unwrap();
        let out = env
            .get_template("x")
            .unwrap()
            .render(minijinja::context! {
                a => "<script>",
                b => Value::from_safe_string("<p>ok</p>".into()),
            })
            .unwrap();
        assert_eq!(out, "&lt;script&gt;|<p>ok</p>");
        let out = render(
            "error.html",
            minijinja::context! { heading => "<b>\"x\"</b>", message => "a/b & 'c'" },
        )
        .unwrap();
        assert!(out.contains("&lt;b&gt;&quot;x&quot;&lt;/b&gt;"), "{out}");
        assert!(out.contains("a/b &amp; &#39;c&#39;"), "{out}");
    }
}
