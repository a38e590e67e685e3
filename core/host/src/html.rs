//! The one HTML escaper of the platform, and the template formatter built on it. The plugin
//! host draws plugin views with it and the pages (`liaison-web`) draw everything else with it,
//! so a string is escaped the same way wherever it appears.

use minijinja::{AutoEscape, State, Value};

/// Escapes the five characters that matter in HTML (and SVG) text and attributes; leaves `/`
/// alone, so that addresses in the markup read as written.
pub fn escape(s: &str) -> String {
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

/// A minijinja formatter: strings not marked safe are escaped by [`escape`] wherever
/// auto-escaping is on; everything else is formatted as minijinja does.
pub fn formatter(
    out: &mut minijinja::Output,
    state: &mut State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    match value.as_str() {
        Some(s) if !value.is_safe() && matches!(state.auto_escape(), AutoEscape::Html) => {
            out.write_str(&escape(s))?;
            Ok(())
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_quotes_but_not_slashes() {
        assert_eq!(
            escape(r#"<a href="/x?a=1&b='2'">"#),
            "&lt;a href=&quot;/x?a=1&amp;b=&#39;2&#39;&quot;&gt;"
        );
    }
}
