//! A [`Node`] tree from anything serde can serialize, for objects that arrive decoded (the
//! webhook's): serialising straight into nodes skips both a JSON text to re-parse and a
//! `serde_json::Value` in between. The data model is serde_json's (maps with string keys,
//! unit variants as strings, other variants as one-entry maps, bytes as lists of numbers).
//! There is no source text, so every span is empty at offset 0: findings on such a tree carry
//! field paths, not positions.

use serde::Serialize;
use serde::ser::{self, Impossible};

use super::{Entry, MAX_DEPTH, Node, ParseError, Value};

/// Serialises `value` into a tree.
pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Result<Node, ParseError> {
    value
        .serialize(NodeSerializer { depth: 0 })
        .map_err(|Error(message)| ParseError { message, offset: 0 })
}

fn node(value: Value) -> Node {
    Node { value, span: 0..0 }
}

#[derive(Debug)]
struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

#[derive(Clone, Copy)]
struct NodeSerializer {
    depth: usize,
}

impl NodeSerializer {
    /// The serializer for the items of a collection one level down.
    fn nested(self) -> Result<NodeSerializer, Error> {
        if self.depth >= MAX_DEPTH {
            return Err(Error(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        Ok(NodeSerializer {
            depth: self.depth + 1,
        })
    }
}

impl ser::Serializer for NodeSerializer {
    type Ok = Node;
    type Error = Error;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = Variant<SeqBuilder>;
    type SerializeMap = MapBuilder;
    type SerializeStruct = MapBuilder;
    type SerializeStructVariant = Variant<MapBuilder>;

    fn serialize_bool(self, v: bool) -> Result<Node, Error> {
        Ok(node(Value::Bool(v)))
    }
    fn serialize_i8(self, v: i8) -> Result<Node, Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<Node, Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<Node, Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<Node, Error> {
        Ok(node(Value::Int(v)))
    }
    fn serialize_u8(self, v: u8) -> Result<Node, Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<Node, Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<Node, Error> {
        self.serialize_i64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<Node, Error> {
        // Above i64 the value is a number no Kubernetes integer field accepts; keep it a number.
        Ok(node(
            i64::try_from(v).map_or(Value::Float(v as f64), Value::Int),
        ))
    }
    fn serialize_f32(self, v: f32) -> Result<Node, Error> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<Node, Error> {
        Ok(node(Value::Float(v)))
    }
    fn serialize_char(self, v: char) -> Result<Node, Error> {
        Ok(node(Value::Str(v.to_string())))
    }
    fn serialize_str(self, v: &str) -> Result<Node, Error> {
        Ok(node(Value::Str(v.to_owned())))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Node, Error> {
        let items = v.iter().map(|&b| node(Value::Int(b.into()))).collect();
        Ok(node(Value::Seq(items)))
    }
    fn serialize_none(self) -> Result<Node, Error> {
        Ok(node(Value::Null))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Node, Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Node, Error> {
        Ok(node(Value::Null))
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Node, Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Node, Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Node, Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Node, Error> {
        let value = value.serialize(self.nested()?)?;
        Ok(one_entry(variant, value))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, Error> {
        Ok(SeqBuilder {
            items: Vec::with_capacity(len.unwrap_or(0)),
            inner: self.nested()?,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<SeqBuilder, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Variant<SeqBuilder>, Error> {
        Ok(Variant {
            name: variant,
            inner: self.nested()?.serialize_seq(Some(len))?,
        })
    }
    fn serialize_map(self, len: Option<usize>) -> Result<MapBuilder, Error> {
        Ok(MapBuilder {
            entries: Vec::with_capacity(len.unwrap_or(0)),
            key: None,
            inner: self.nested()?,
        })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<MapBuilder, Error> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Variant<MapBuilder>, Error> {
        Ok(Variant {
            name: variant,
            inner: self.nested()?.serialize_map(Some(len))?,
        })
    }
}

fn one_entry(key: &str, value: Node) -> Node {
    node(Value::Map(vec![Entry {
        key: node(Value::Str(key.to_owned())),
        value,
    }]))
}

struct SeqBuilder {
    items: Vec<Node>,
    inner: NodeSerializer,
}

impl SeqBuilder {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.items.push(value.serialize(self.inner)?);
        Ok(())
    }

    fn finish(self) -> Node {
        node(Value::Seq(self.items))
    }
}

impl ser::SerializeSeq for SeqBuilder {
    type Ok = Node;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<Node, Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = Node;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<Node, Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = Node;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<Node, Error> {
        Ok(self.finish())
    }
}

struct MapBuilder {
    entries: Vec<Entry>,
    /// A key waiting for its value.
    key: Option<Node>,
    inner: NodeSerializer,
}

impl MapBuilder {
    fn insert<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        self.entries.push(Entry {
            key: node(Value::Str(key.to_owned())),
            value: value.serialize(self.inner)?,
        });
        Ok(())
    }

    fn finish(self) -> Node {
        node(Value::Map(self.entries))
    }
}

impl ser::SerializeMap for MapBuilder {
    type Ok = Node;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key = Some(node(Value::Str(key.serialize(KeySerializer)?)));
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self
            .key
            .take()
            .ok_or_else(|| Error("a map value without a key".to_owned()))?;
        let value = value.serialize(self.inner)?;
        self.entries.push(Entry { key, value });
        Ok(())
    }
    fn end(self) -> Result<Node, Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeStruct for MapBuilder {
    type Ok = Node;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.insert(key, value)
    }
    fn end(self) -> Result<Node, Error> {
        Ok(self.finish())
    }
}

/// A tuple or struct variant: `{variant: [...]}` or `{variant: {...}}`.
struct Variant<B> {
    name: &'static str,
    inner: B,
}

impl ser::SerializeTupleVariant for Variant<SeqBuilder> {
    type Ok = Node;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.inner.push(value)
    }
    fn end(self) -> Result<Node, Error> {
        Ok(one_entry(self.name, self.inner.finish()))
    }
}

impl ser::SerializeStructVariant for Variant<MapBuilder> {
    type Ok = Node;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.inner.insert(key, value)
    }
    fn end(self) -> Result<Node, Error> {
        Ok(one_entry(self.name, self.inner.finish()))
    }
}

/// Map keys become strings, as in JSON: strings as they are, numbers and booleans written out.
struct KeySerializer;

fn key_error() -> Error {
    Error("a map key must be a string, a number or a boolean".to_owned())
}

impl ser::Serializer for KeySerializer {
    type Ok = String;
    type Error = Error;
    type SerializeSeq = Impossible<String, Error>;
    type SerializeTuple = Impossible<String, Error>;
    type SerializeTupleStruct = Impossible<String, Error>;
    type SerializeTupleVariant = Impossible<String, Error>;
    type SerializeMap = Impossible<String, Error>;
    type SerializeStruct = Impossible<String, Error>;
    type SerializeStructVariant = Impossible<String, Error>;

    fn serialize_bool(self, v: bool) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i8(self, v: i8) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_f32(self, v: f32) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_f64(self, v: f64) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_char(self, v: char) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<String, Error> {
        Ok(v.to_owned())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<String, Error> {
        Err(key_error())
    }
    fn serialize_none(self) -> Result<String, Error> {
        Err(key_error())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<String, Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<String, Error> {
        Err(key_error())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<String, Error> {
        Err(key_error())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<String, Error> {
        Ok(variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<String, Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<String, Error> {
        Err(key_error())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(key_error())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Err(key_error())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(key_error())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(key_error())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(key_error())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        Err(key_error())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(key_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Source;

    /// The same tree as parsing the JSON text, spans aside.
    fn same_as_parsed(json: &str) {
        let value: serde_json::Value = serde_json::from_str(json).expect("test JSON");
        let built = from_serialize(&value).expect("serialises");
        let parsed = super::super::parse(&Source::new("t", json));
        assert!(parsed.error.is_none(), "{json}");
        assert_eq!(
            strip(built),
            strip(parsed.documents[0].root.clone()),
            "{json}"
        );
    }

    fn strip(mut n: Node) -> Node {
        n.span = 0..0;
        n.value = match n.value {
            Value::Seq(items) => Value::Seq(items.into_iter().map(strip).collect()),
            Value::Map(entries) => Value::Map(
                entries
                    .into_iter()
                    .map(|e| Entry {
                        key: strip(e.key),
                        value: strip(e.value),
                    })
                    .collect(),
            ),
            other => other,
        };
        n
    }

    #[test]
    fn json_values_build_the_tree_the_parser_builds() {
        same_as_parsed(
            r#"{"apiVersion": "batch/v1", "kind": "Job", "spec": {"backoffLimit": 3,
                "parallelism": -1, "x": 1.5, "y": null, "z": true, "s": "yes",
                "items": [1, "two", {"three": [3]}], "empty": {}, "none": []}}"#,
        );
    }

    #[test]
    fn serde_data_model_as_serde_json_writes_it() {
        #[derive(Serialize)]
        enum E {
            Unit,
            New(u8),
            Tuple(u8, u8),
            Struct { a: u8 },
        }
        #[derive(Serialize)]
        struct S {
            unit: E,
            new: E,
            tuple: E,
            strukt: E,
            map: std::collections::BTreeMap<u32, bool>,
            big: u64,
            missing: Option<u8>,
        }
        let s = S {
            unit: E::Unit,
            new: E::New(1),
            tuple: E::Tuple(1, 2),
            strukt: E::Struct { a: 1 },
            map: [(7, true)].into(),
            big: u64::MAX,
            missing: None,
        };
        let via_json = from_serialize(&serde_json::to_value(&s).expect("JSON")).expect("tree");
        assert_eq!(from_serialize(&s).expect("tree"), via_json);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let mut v = serde_json::Value::Null;
        for _ in 0..MAX_DEPTH + 5 {
            v = serde_json::Value::Array(vec![v]);
        }
        let err = from_serialize(&v).expect_err("too deep");
        assert!(
            err.message.contains("nesting deeper than"),
            "{}",
            err.message
        );
        let mut ok = serde_json::Value::Null;
        for _ in 0..MAX_DEPTH {
            ok = serde_json::Value::Array(vec![ok]);
        }
        assert!(from_serialize(&ok).is_ok());
    }
}
