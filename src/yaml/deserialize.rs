//! A [`Node`] tree straight from any serde deserializer, for objects that arrive as JSON inside
//! something else (the webhook's AdmissionReview): decoding the object into nodes as the JSON is
//! read skips building a typed object (or a `serde_json::Value`) only to walk it again. The data
//! model is serde_json's: maps with string keys, integers above `i64::MAX` become floats, and
//! every span is empty at offset 0 (there is no source text to point into).
//!
//! Depth is the deserializer's to bound: serde_json refuses nesting deeper than 128 levels, the
//! same limit as [`super::MAX_DEPTH`].
//!
//! The other way round, [`NodeDeserializer`] reads a tree (or a part of it) as any serde type:
//! the webhook decodes an object's metadata from the tree it already has.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{MapAccessDeserializer, MapDeserializer, SeqDeserializer};
use serde::de::{self, Deserialize, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use super::{Entry, Node, Value};

fn node(value: Value) -> Node {
    Node { value, span: 0..0 }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(node(Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(node(Value::Int(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        // Above i64 the value is a number no Kubernetes integer field accepts; keep it a number.
        Ok(node(
            i64::try_from(v).map_or(Value::Float(v as f64), Value::Int),
        ))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(node(Value::Float(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(node(Value::Str(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(node(Value::Str(v)))
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(node(Value::Null))
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(node(Value::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        Node::deserialize(deserializer)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(node(Value::Seq(items)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1024));
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value()?;
            entries.push(Entry {
                key: node(Value::Str(key)),
                value,
            });
        }
        Ok(node(Value::Map(entries)))
    }
}

/// A tree as a serde deserializer: `T::deserialize(NodeDeserializer::new(node))`.
pub struct NodeDeserializer<'a, E> {
    node: &'a Node,
    error: PhantomData<E>,
}

impl<'a, E> NodeDeserializer<'a, E> {
    pub fn new(node: &'a Node) -> Self {
        NodeDeserializer {
            node,
            error: PhantomData,
        }
    }
}

impl<'de, E: de::Error> IntoDeserializer<'de, E> for NodeDeserializer<'de, E> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de, E: de::Error> Deserializer<'de> for NodeDeserializer<'de, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        match &self.node.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::Float(f) => visitor.visit_f64(*f),
            Value::Str(s) => visitor.visit_borrowed_str(s),
            Value::Seq(items) => visitor.visit_seq(SeqDeserializer::new(
                items.iter().map(NodeDeserializer::new),
            )),
            Value::Map(entries) => {
                visitor.visit_map(MapDeserializer::new(entries.iter().map(|e| {
                    (
                        NodeDeserializer::new(&e.key),
                        NodeDeserializer::new(&e.value),
                    )
                })))
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        if self.node.is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    /// serde_json's enum forms: a unit variant as a string, any other as a one-entry map.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        match &self.node.value {
            Value::Str(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            Value::Map(entries) => visitor.visit_enum(MapAccessDeserializer::new(
                MapDeserializer::new(entries.iter().map(|e| {
                    (
                        NodeDeserializer::new(&e.key),
                        NodeDeserializer::new(&e.value),
                    )
                })),
            )),
            _ => self.deserialize_any(visitor),
        }
    }

    /// As serde_json: a newtype struct is its inner value (k8s-openapi's `Time`, which
    /// accepts nothing but this call, is in every object the apiserver has stored).
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_decodes_to_the_tree_of_its_values() {
        let text = r#"{"a": [1, -2, 18446744073709551615, 1.5, "s", true, null], "b": {"c": {}}}"#;
        let decoded: Node = serde_json::from_str(text).expect("valid JSON");
        let items = [
            Value::Int(1),
            Value::Int(-2),
            Value::Float(18446744073709551615.0),
            Value::Float(1.5),
            Value::Str("s".to_owned()),
            Value::Bool(true),
            Value::Null,
        ];
        let map = |entries: Vec<(&str, Value)>| {
            Value::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| Entry {
                        key: node(Value::Str(k.to_owned())),
                        value: node(v),
                    })
                    .collect(),
            )
        };
        let expected = map(vec![
            ("a", Value::Seq(items.into_iter().map(node).collect())),
            ("b", map(vec![("c", map(vec![]))])),
        ]);
        assert_eq!(decoded, node(expected));
    }

    #[test]
    fn a_tree_reads_back_as_the_type_it_came_from() {
        use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
        let text = r#"{"name": "j", "labels": {"a": "b"}, "generation": 3,
            "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": "c",
            "uid": "u", "controller": true}], "deletionTimestamp": null}"#;
        let tree: Node = serde_json::from_str(text).expect("valid JSON");
        let meta = ObjectMeta::deserialize(NodeDeserializer::<de::value::Error>::new(&tree))
            .expect("decodes");
        let expected: ObjectMeta = serde_json::from_str(text).expect("valid metadata");
        assert_eq!(meta, expected);
        let err = ObjectMeta::deserialize(NodeDeserializer::<de::value::Error>::new(
            &serde_json::from_str(r#"{"labels": [1]}"#).expect("valid JSON"),
        ))
        .expect_err("labels must be a map");
        assert!(err.to_string().contains("invalid type"), "{err}");
    }

    #[test]
    fn deep_nesting_is_refused_by_the_json_reader() {
        let text = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let err = serde_json::from_str::<Node>(&text).expect_err("too deep");
        assert!(err.to_string().contains("recursion limit"), "{err}");
    }
}
