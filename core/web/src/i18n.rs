//! The message catalogue. Every word a page says is a key here, in Chinese (the default) and in
//! English; `messages/zh.toml` and `messages/en.toml` (and one pair per area, see `PARTS`) hold them, sections making the keys
//! (`[intake] submit = "…"` is `intake.submit`). `{name}` in a message is filled from arguments.
//! A unit test keeps both files to the same keys.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim() {
            "zh" | "zh-CN" | "zh-Hans" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The `lang` attribute of the page.
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The other language, for the switch link.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// Picks the text in this language from a (zh, en) pair, falling back to Chinese.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::En if !en.trim().is_empty() => en,
            _ => zh,
        }
    }
}

type Catalogue = HashMap<String, String>;

fn flatten(prefix: &str, table: &toml::Table, out: &mut Catalogue) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => flatten(&key, t, out),
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
}

fn load(text: &str, name: &str) -> Catalogue {
    let table: toml::Table = toml::from_str(text)
        .unwrap_or_else(|e| panic!("the message catalogue {name} is not valid TOML: {e}"));
    let mut out = HashMap::new();
    flatten("", &table, &mut out);
    out
}

/// The catalogue's parts as (name, Chinese, English): one pair per area of the product, so that
/// each area keeps its words beside the others without one long file.
const PARTS: &[(&str, &str, &str)] = &[
    (
        "messages",
        include_str!("messages/zh.toml"),
        include_str!("messages/en.toml"),
    ),
    (
        "console",
        include_str!("messages/console.zh.toml"),
        include_str!("messages/console.en.toml"),
    ),
    (
        "dashboard",
        include_str!("messages/dashboard.zh.toml"),
        include_str!("messages/dashboard.en.toml"),
    ),
    (
        "oversight",
        include_str!("messages/oversight.zh.toml"),
        include_str!("messages/oversight.en.toml"),
    ),
    (
        "suggestions",
        include_str!("messages/suggestions.zh.toml"),
        include_str!("messages/suggestions.en.toml"),
    ),
    (
        "notifications",
        include_str!("messages/notifications.zh.toml"),
        include_str!("messages/notifications.en.toml"),
    ),
];

fn load_all(zh: bool) -> Catalogue {
    let mut out = Catalogue::new();
    for (name, zh_text, en_text) in PARTS {
        let (text, file) = if zh {
            (zh_text, format!("{name}.zh"))
        } else {
            (en_text, format!("{name}.en"))
        };
        for (k, v) in load(text, &file) {
            if out.insert(k.clone(), v).is_some() {
                panic!("the message {k} is in two parts of the catalogue ({file})");
            }
        }
    }
    out
}

static ZH: LazyLock<Catalogue> = LazyLock::new(|| load_all(true));
static EN: LazyLock<Catalogue> = LazyLock::new(|| load_all(false));

fn catalogue(lang: Lang) -> &'static Catalogue {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

/// Whether the catalogue has `key` (flash messages are keys from a cookie: only known ones show).
pub fn has(key: &str) -> bool {
    ZH.contains_key(key)
}

/// The message for `key`. A missing key shows as itself, so it is seen and fixed, not hidden.
pub fn t(lang: Lang, key: &str) -> String {
    catalogue(lang)
        .get(key)
        .or_else(|| ZH.get(key))
        .cloned()
        .unwrap_or_else(|| {
            tracing::warn!(key, "missing message");
            key.to_owned()
        })
}

/// The message for `key` with `{name}` placeholders filled.
pub fn tf(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    let mut s = t(lang, key);
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let mut zh: Vec<_> = ZH.keys().collect();
        let mut en: Vec<_> = EN.keys().collect();
        zh.sort();
        en.sort();
        let only_zh: Vec<_> = zh.iter().filter(|k| !EN.contains_key(**k)).collect();
        let only_en: Vec<_> = en.iter().filter(|k| !ZH.contains_key(**k)).collect();
        assert!(
            only_zh.is_empty() && only_en.is_empty(),
            "only in zh: {only_zh:?}; only in en: {only_en:?}"
        );
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            tf(Lang::En, "errors.too_long", &[("max", "200".into())]),
            "At most 200 characters."
        );
        assert_eq!(
            tf(Lang::Zh, "errors.too_long", &[("max", "200".into())]),
            "最多 200 个字。"
        );
    }

    #[test]
    fn chinese_messages_carry_no_english_words() {
        // Codes, units and proper names may be Latin; sentences may not.
        for (k, v) in ZH.iter() {
            // Placeholders are names, not words.
            let mut text = String::new();
            let mut inside = false;
            for c in v.chars() {
                match c {
                    '{' => inside = true,
                    '}' => inside = false,
                    c if !inside => text.push(c),
                    _ => {}
                }
            }
            let words = text
                .split(|c: char| !c.is_ascii_alphabetic())
                .filter(|w| w.len() > 3)
                .filter(|w| !matches!(*w, "English" | "Liaison" | "SVG" | "PNG" | "JPEG" | "WebP"))
                .count();
            assert_eq!(words, 0, "{k} = {v:?} reads as English");
        }
    }
}
