//! JSON read with the path of the offending field (`location.lat`) named in the refusal.

use serde::de::DeserializeOwned;

use crate::error::Error;

/// Parses JSON, reporting the path of the offending field (`location.lat`) when serde knows it.
/// Every string of the body (and every key) is checked first by the one rule of what text may
/// hold (`liaison_contract::hygiene`): a control character or a bidi override anywhere is
/// refused as invalid, naming the field, before any rule or database sees it.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let tree = match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(tree) => tree,
        Err(e) => {
            let mut message = e.to_string();
            if let Some(at) = message.find(" at line ") {
                message.truncate(at);
            }
            return Err(Error::BadRequest {
                field: None,
                message,
            });
        }
    };
    if let Some(field) = forbidden_at(&tree, String::new()) {
        return Err(Error::invalid(
            field,
            crate::error::FieldKind::ControlCharacters,
        ));
    }
    // Read through `Strict`: a struct is read from an object only. serde's derive would also
    // take an array of the fields in order, so `["staff","staff-demo-2026"]` signed in.
    serde_path_to_error::deserialize(strict::Strict(&tree)).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let mut message = inner.to_string();
        // "missing field `x`" is reported at the parent; name the field itself.
        let field = if let Some(rest) = message.strip_prefix("missing field `") {
            let name = rest.split('`').next().unwrap_or_default().to_owned();
            Some(if path == "." {
                name
            } else {
                format!("{path}.{name}")
            })
        } else if path == "." {
            None
        } else {
            Some(path)
        };
        if let Some(at) = message.find(" at line ") {
            message.truncate(at);
        }
        Error::BadRequest { field, message }
    })
}

/// The path (`contact.name`, `values.x`, `co_handlers[1]`) of the first string or key holding a
/// character text may not hold; `.` for the body itself.
fn forbidden_at(v: &serde_json::Value, path: String) -> Option<String> {
    use serde_json::Value;
    let bad = |s: &str| s.chars().any(liaison_contract::hygiene::forbidden);
    let here = |p: String| if p.is_empty() { ".".to_owned() } else { p };
    match v {
        Value::String(s) if bad(s) => Some(here(path)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| forbidden_at(item, format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, item)| {
            let at = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            if bad(k) {
                return Some(here(path.clone()));
            }
            forbidden_at(item, at)
        }),
        _ => None,
    }
}

/// A JSON tree read as serde_json reads it, except that a struct is read from an object only.
mod strict {
    use serde::de::{
        self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor,
        value::BorrowedStrDeserializer,
    };
    use serde_json::{Error, Value};

    pub struct Strict<'a>(pub &'a Value);

    fn unexpected(v: &Value) -> Unexpected<'_> {
        match v {
            Value::Null => Unexpected::Unit,
            Value::Bool(b) => Unexpected::Bool(*b),
            Value::Number(_) => Unexpected::Other("a number"),
            Value::String(s) => Unexpected::Str(s),
            Value::Array(_) => Unexpected::Seq,
            Value::Object(_) => Unexpected::Map,
        }
    }

    impl<'de> Deserializer<'de> for Strict<'de> {
        type Error = Error;

        fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
            match self.0 {
                Value::Null => v.visit_unit(),
                Value::Bool(b) => v.visit_bool(*b),
                Value::Number(n) => n.clone().deserialize_any(v),
                Value::String(s) => v.visit_borrowed_str(s),
                Value::Array(items) => v.visit_seq(Seq(items.iter())),
                Value::Object(map) => v.visit_map(Map {
                    iter: map.iter(),
                    value: None,
                }),
            }
        }

        fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
            match self.0 {
                Value::Null => v.visit_none(),
                _ => v.visit_some(self),
            }
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            _fields: &'static [&'static str],
            v: V,
        ) -> Result<V::Value, Error> {
            match self.0 {
                Value::Object(_) => self.deserialize_any(v),
                other => Err(de::Error::invalid_type(unexpected(other), &"an object")),
            }
        }

        fn deserialize_newtype_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            v: V,
        ) -> Result<V::Value, Error> {
            v.visit_newtype_struct(self)
        }

        fn deserialize_enum<V: Visitor<'de>>(
            self,
            name: &'static str,
            variants: &'static [&'static str],
            v: V,
        ) -> Result<V::Value, Error> {
            self.0.deserialize_enum(name, variants, v)
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf unit unit_struct seq tuple tuple_struct map identifier ignored_any
        }
    }

    struct Seq<'a>(std::slice::Iter<'a, Value>);

    impl<'de> SeqAccess<'de> for Seq<'de> {
        type Error = Error;

        fn next_element_seed<T: DeserializeSeed<'de>>(
            &mut self,
            seed: T,
        ) -> Result<Option<T::Value>, Error> {
            self.0
                .next()
                .map(|item| seed.deserialize(Strict(item)))
                .transpose()
        }

        fn size_hint(&self) -> Option<usize> {
            Some(self.0.len())
        }
    }

    struct Map<'a> {
        iter: serde_json::map::Iter<'a>,
        value: Option<&'a Value>,
    }

    impl<'de> MapAccess<'de> for Map<'de> {
        type Error = Error;

        fn next_key_seed<K: DeserializeSeed<'de>>(
            &mut self,
            seed: K,
        ) -> Result<Option<K::Value>, Error> {
            match self.iter.next() {
                Some((k, v)) => {
                    self.value = Some(v);
                    seed.deserialize(BorrowedStrDeserializer::new(k)).map(Some)
                }
                None => Ok(None),
            }
        }

        fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
            let v = self
                .value
                .take()
                .ok_or_else(|| de::Error::custom("a value without its key"))?;
            seed.deserialize(Strict(v))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        items: Vec<String>,
    }

    #[test]
    fn control_characters_are_refused_naming_the_field() {
        for (raw, field) in [
            (r#"{"name":"a\u0000b","items":[]}"#, "name"),
            (r#"{"name":"a","items":["ok","\u001b[31m"]}"#, "items[1]"),
            (r#"{"name":"\u202e","items":[]}"#, "name"),
            (r#"{"na\u0000me":"a","items":[]}"#, "."),
        ] {
            let e = parse::<Body>(raw.as_bytes()).expect_err(raw);
            assert!(
                matches!(&e, Error::Invalid { field: f, kind: crate::error::FieldKind::ControlCharacters } if f == field),
                "{raw}: {e:?}"
            );
        }
        assert!(parse::<Body>(br#"{"name":"line\nbreak\ttab","items":[]}"#).is_ok());
    }

    #[test]
    fn structs_are_read_from_objects_only() {
        let e = parse::<Body>(br#"["staff","staff-demo-2026"]"#).expect_err("an array");
        assert!(matches!(&e, Error::BadRequest { .. }), "{e:?}");
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Outer {
            inner: Option<Body>,
            list: Vec<Body>,
        }
        for raw in [
            r#"{"inner":["a",[]],"list":[]}"#,
            r#"{"inner":null,"list":[["a",[]]]}"#,
        ] {
            let e = parse::<Outer>(raw.as_bytes()).expect_err(raw);
            assert!(
                matches!(&e, Error::BadRequest { field: Some(_), .. }),
                "{raw}: {e:?}"
            );
        }
        let ok =
            parse::<Outer>(br#"{"inner":{"name":"a","items":["b"]},"list":[]}"#).expect("objects");
        assert_eq!(ok.inner.map(|b| b.items), Some(vec!["b".to_owned()]));
    }
}
