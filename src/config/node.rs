//! `orchestration.yaml` as a tree whose every key and value keeps its position, so that each
//! declared key (see `keys.rs`) is found, checked and reported by one generic walk.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};

/// A YAML value and where it starts.
#[derive(Clone, Debug)]
pub(super) struct Node {
    /// The value's position (1-based line and column; 0 when unknown).
    pub(super) at: Location,
    /// The value.
    pub(super) value: Yaml,
}

/// The YAML value of a [`Node`].
#[derive(Clone, Debug)]
pub(super) enum Yaml {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer that fits `i64` (or `u64`).
    Int(i128),
    /// A floating-point number.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order (saphyr refuses duplicate keys while parsing).
    Map(Vec<(Spanned<String>, Node)>),
}

impl Yaml {
    /// A scalar's text as written (strings as they are, numbers and booleans printed);
    /// `None` for null, sequences and mappings.
    pub(super) fn scalar_text(&self) -> Option<String> {
        match self {
            Yaml::Bool(b) => Some(b.to_string()),
            Yaml::Int(i) => Some(i.to_string()),
            Yaml::Float(f) => Some(f.to_string()),
            Yaml::Str(s) => Some(s.clone()),
            Yaml::Null | Yaml::Seq(_) | Yaml::Map(_) => None,
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<Yaml>::deserialize(deserializer)?;
        Ok(Node {
            at: spanned.referenced,
            value: spanned.value,
        })
    }
}

impl<'de> Deserialize<'de> for Yaml {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(YamlVisitor)
    }
}

struct YamlVisitor;

impl<'de> Visitor<'de> for YamlVisitor {
    type Value = Yaml;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Yaml, E> {
        Ok(Yaml::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Yaml, E> {
        Ok(Yaml::Int(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Yaml, E> {
        Ok(Yaml::Int(v.into()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Yaml, E> {
        Ok(Yaml::Int(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Yaml, E> {
        i128::try_from(v)
            .map(Yaml::Int)
            .map_err(|_| E::custom("integer out of range"))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Yaml, E> {
        Ok(Yaml::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Yaml, E> {
        Ok(Yaml::Str(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Yaml, E> {
        Ok(Yaml::Str(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Yaml, E> {
        Ok(Yaml::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Yaml, E> {
        Ok(Yaml::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Yaml, D::Error> {
        Yaml::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Yaml, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Yaml::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Yaml, A::Error> {
        let mut entries: Vec<(Spanned<String>, Node)> = Vec::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let value = map.next_value::<Node>()?;
            entries.push((key, value));
        }
        Ok(Yaml::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_and_value_keeps_its_position() {
        let text = "a: 1\nb:\n  c: [x, 'y']\n  d: {e: true}\nf: ~\n";
        let root: Node = serde_saphyr::from_str(text).expect("parse");
        let Yaml::Map(top) = &root.value else {
            panic!("a map")
        };
        let pos = |l: &Location| (l.line(), l.column());
        assert_eq!(top[0].0.value, "a");
        assert_eq!(pos(&top[0].0.referenced), (1, 1));
        assert_eq!(pos(&top[0].1.at), (1, 4));
        assert!(matches!(top[0].1.value, Yaml::Int(1)));
        let Yaml::Map(b) = &top[1].1.value else {
            panic!("b is a map")
        };
        let Yaml::Seq(c) = &b[0].1.value else {
            panic!("c is a list")
        };
        assert_eq!(pos(&c[1].at), (3, 10));
        assert_eq!(c[1].value.scalar_text().as_deref(), Some("y"));
        let Yaml::Map(d) = &b[1].1.value else {
            panic!("d is a map")
        };
        assert_eq!(pos(&d[0].0.referenced), (4, 7));
        assert!(matches!(top[2].1.value, Yaml::Null));
    }

    #[test]
    fn a_duplicate_key_is_an_error_at_its_line() {
        let err = serde_saphyr::from_str::<Node>("a: 1\na: 2\n").expect_err("duplicate");
        let location = err.location().expect("a location");
        assert_eq!(location.line(), 2);
        assert!(
            err.to_string().contains("duplicate mapping key: a"),
            "{err}"
        );
    }
}
