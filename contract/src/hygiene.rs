//! What text from outside may hold, wherever it enters (JSON bodies, form fields, paths,
//! queries, a plugin's host calls): no control characters but tab, line feed and carriage
//! return, and no characters that reverse or reorder how text reads (bidi embeddings,
//! overrides and isolates). NUL in particular: PostgreSQL refuses it in text, SQLite cuts
//! strings at it. And text made only of whitespace and invisible characters (zero-width
//! spaces, joiners, direction marks, the byte-order mark) is empty.

use crate::link::invisible;
use crate::{FieldError, FieldKind};

/// Whether `c` may not appear in text: a control character other than tab, LF and CR (C0,
/// DEL, C1), or a bidi embedding, override or isolate (U+202A–U+202E, U+2066–U+2069).
pub fn forbidden(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `value` of `field` holds no forbidden character, or the refusal naming the field.
pub fn check(field: &str, value: &str) -> Result<(), FieldError> {
    if value.chars().any(forbidden) {
        Err(FieldError::new(field, FieldKind::ControlCharacters))
    } else {
        Ok(())
    }
}

/// `value` without leading and trailing whitespace and invisible characters.
pub fn trim(value: &str) -> &str {
    value.trim_matches(|c: char| c.is_whitespace() || invisible(c))
}

/// Whether `value` is made only of whitespace and invisible characters (or nothing).
pub fn is_blank(value: &str) -> bool {
    trim(value).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_overrides_are_refused_line_breaks_are_not() {
        for bad in [
            "a\u{0}b",
            "\u{1b}[31m",
            "bell\u{7}",
            "\u{7f}",
            "\u{85}",
            "x\u{202e}y",
            "\u{2066}",
            "\u{8}",
        ] {
            assert_eq!(
                check("f", bad),
                Err(FieldError::new("f", FieldKind::ControlCharacters)),
                "{bad:?}"
            );
        }
        for good in ["路灯\n不亮\r\n\t第二行", "普通文字", "a\u{200b}b", ""] {
            assert_eq!(check("f", good), Ok(()), "{good:?}");
        }
    }

    #[test]
    fn invisible_only_text_is_blank() {
        for blank in [
            "",
            "  ",
            "\u{200b}\u{200b}",
            "\u{feff} \u{3000}",
            "\u{2060}\u{200d}\n",
        ] {
            assert!(is_blank(blank), "{blank:?}");
        }
        assert!(!is_blank("\u{200b}a"));
        assert_eq!(trim("\u{200b} 路灯 \u{feff}"), "路灯");
    }
}
