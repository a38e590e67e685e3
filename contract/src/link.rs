//! Where a plugin's links may point: paths inside Liaison, by one strict grammar, re-encoded by
//! the host. Browsers are generous readers of URLs — they drop tabs and newlines anywhere, read a
//! backslash as a slash, follow `//host` to another site and resolve `..` — so a "starts with
//! one slash" check lets `"/\t/evil.example"` leave the site. This grammar accepts only what
//! every reader takes as the same in-site path:
//!
//! - it begins with exactly one `/`;
//! - no control character and no whitespace anywhere (ASCII or not), no backslash;
//! - no empty path segment (`//`) except a trailing `/`, no `.` or `..` segment;
//! - a `%` starts a two-hex-digit escape, and what an escape in the path stands for obeys the
//!   same rules (`%2e%2e`, `%2f`, `%5c`, `%09` are refused); escapes in the query or fragment
//!   may not stand for control characters;
//! - ASCII outside RFC 3986's path, query and fragment characters (`"`, `<`, `>`, `` ` ``, `^`,
//!   `{`, `|`, `}`, `[`, `]`) is refused;
//! - other non-ASCII characters are percent-encoded as UTF-8, so what the host draws is ASCII;
//! - at most [`MAX_HREF`] bytes once encoded.
//!
//! The host draws links only through [`in_site`]; the SDK's test harness applies the same
//! function, so a plugin's own tests see the host's answer.

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

/// The longest link the host draws, in bytes once encoded.
pub const MAX_HREF: usize = 2048;

/// What is encoded: every non-ASCII byte (the rest of ASCII is checked character by character
/// before encoding, so nothing else reaches the encoder unchecked).
const NON_ASCII: &AsciiSet = CONTROLS;

/// The in-site path `href` stands for, encoded as the host draws it, or `None` when it is not
/// one by the grammar above.
pub fn in_site(href: &str) -> Option<String> {
    let rest = href.strip_prefix('/')?;
    if rest.starts_with('/') {
        return None;
    }
    if !href.chars().all(allowed_char) || !escapes_well_formed(href) {
        return None;
    }
    let (before_fragment, fragment) = match href.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (href, None),
    };
    let (path, query) = match before_fragment.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (before_fragment, None),
    };
    if !path_is_clean(path) {
        return None;
    }
    for part in [query, fragment].into_iter().flatten() {
        if part.contains('#') || decodes_to_control(part) {
            return None;
        }
    }
    let encoded = utf8_percent_encode(href, NON_ASCII).to_string();
    (encoded.len() <= MAX_HREF).then_some(encoded)
}

/// Characters a link may hold as written: RFC 3986's unreserved, sub-delims, `:`, `@`, `/`, `?`,
/// `#` and `%`, and non-ASCII characters that are neither control, whitespace nor format
/// characters that make text read differently (bidi controls, zero-width characters).
fn allowed_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/?#%".contains(c);
    }
    !(c.is_control() || c.is_whitespace() || invisible(c))
}

/// Format characters that change how text reads without being seen: zero-width spaces and
/// joiners, direction marks, embeddings, overrides and isolates, the word joiner and invisible
/// operators, the byte-order mark, the soft hyphen, the Arabic letter mark.
pub fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0000}'..='\u{E007F}')
}

/// Every `%` is followed by two hex digits.
fn escapes_well_formed(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if i + 2 >= b.len() || !(b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit()) {
                return false;
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    true
}

/// The path, decoded, has no empty segment (but a trailing one), no `.` or `..` segment, no
/// slash or backslash that was escaped, and no control character or whitespace.
fn path_is_clean(path: &str) -> bool {
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    if rest.is_empty() {
        return true;
    }
    let segments: Vec<&str> = rest.split('/').collect();
    let last = segments.len() - 1;
    segments.iter().enumerate().all(|(i, seg)| {
        if seg.is_empty() {
            return i == last;
        }
        let decoded: Vec<u8> = percent_decode_str(seg).collect();
        let text = String::from_utf8_lossy(&decoded);
        text != "."
            && text != ".."
            && !decoded.iter().any(|&b| b == b'/' || b == b'\\')
            && text
                .chars()
                .all(|c| !(c.is_control() || c.is_whitespace() || invisible(c)))
    })
}

/// Whether an escape in `part` stands for a control character.
fn decodes_to_control(part: &str) -> bool {
    percent_decode_str(part).any(|b| b < 0x20 || b == 0x7f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_in_site_paths_pass_unchanged() {
        for ok in [
            "/",
            "/t/ABCD-EFGH",
            "/s/lunan/",
            "/s/lunan?tab=brand&x=1",
            "/s/lunan#brand-hello",
            "/cases/12?note=a%20b",
            "/a/b.c/d..e/.f",
            "/a:b@c/~x!$&'()*+,;=",
        ] {
            assert_eq!(in_site(ok).as_deref(), Some(ok), "{ok}");
        }
    }

    #[test]
    fn non_ascii_text_is_percent_encoded() {
        assert_eq!(
            in_site("/s/路南?q=汽车").as_deref(),
            Some("/s/%E8%B7%AF%E5%8D%97?q=%E6%B1%BD%E8%BD%A6")
        );
    }

    /// The class, not the example: every way a browser could read the link as leaving the site
    /// or climbing out of the path it names.
    #[test]
    fn the_class_of_escapes_is_refused() {
        let refused = [
            // not a path
            "",
            "x",
            "javascript:alert(1)",
            "https://evil.example/",
            "mailto:a@b",
            // another host
            "//evil.example",
            "/\\evil.example",
            "\\/evil.example",
            // whitespace and controls that browsers strip or read
            "/\t/evil.example",
            "/\r/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            " /evil",
            "/ /evil",
            "/a\u{0}b",
            "/a\u{7}b",
            "/a\u{1b}[31m",
            "/a\u{7f}",
            "/a\u{85}b",
            "/a\u{a0}b",
            "/a\u{2028}b",
            "/a\u{3000}b",
            "/a\u{200b}b",
            "/a\u{202e}b",
            "/a\u{feff}b",
            // backslash anywhere
            "/a\\b",
            "/a?b=\\",
            // empty segments and dot segments
            "/a//b",
            "/.",
            "/..",
            "/./x",
            "/../x",
            "/a/../../b",
            "/a/./b",
            "/a/..",
            // encoded forms
            "/%2e%2e/x",
            "/%2E%2e/x",
            "/.%2e/x",
            "/%2e/x",
            "/%2f/evil.example",
            "/%2F%2Fevil.example",
            "/a%5cb",
            "/a%5Cb",
            "/%09/evil.example",
            "/%0d%0a/evil",
            "/%00",
            "/a%20b",
            "/a%e2%80%aeb",
            "/?x=%00",
            "/?x=%0a",
            "/#%09",
            // broken escapes
            "/%",
            "/%2",
            "/%zz",
            "/a%g0",
            // characters outside the grammar
            "/a\"b",
            "/a<b>",
            "/a`b",
            "/a{b}",
            "/a|b",
            "/a[b]",
            "/a^b",
            "/a#b#c",
        ];
        for bad in refused {
            assert_eq!(in_site(bad), None, "{bad:?} must be refused");
        }
    }

    #[test]
    fn long_links_are_refused() {
        let long = format!("/{}", "a".repeat(MAX_HREF));
        assert_eq!(in_site(&long), None);
        let fits = format!("/{}", "a".repeat(MAX_HREF - 1));
        assert!(in_site(&fits).is_some());
    }
}
