//! A YAML/JSON document tree that keeps a source span on every key and value.
//!
//! serde_yaml (named by the design card) is deprecated upstream and drops positions, so manifests
//! are read with saphyr-parser's event stream and built into [`Node`]s here. Plain scalars are
//! resolved the way kubectl does (sigs.k8s.io/yaml, which follows YAML 1.1): `yes`/`on`/`y` are
//! booleans, `0755` is octal, `1_000` is an integer. Duplicate keys are kept (rules report them),
//! merge keys (`<<`) are applied, and aliases are expanded under a node budget so that an alias
//! bomb ends in an error instead of exhausting memory.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as PSpan};

use crate::source::{Source, Span};

mod deserialize;
pub use deserialize::NodeDeserializer;

/// Deepest nesting accepted; deeper input is an error, never a stack overflow in a rule.
pub const MAX_DEPTH: usize = 128;
/// Most nodes one input may expand to (aliases included).
pub const MAX_NODES: usize = 2_000_000;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// The node's own text: the scalar, or the whole collection.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A string; `plain` is false for quoted and block scalars.
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

/// One document of a stream.
#[derive(Debug, Clone)]
pub struct Document {
    /// 0-based position in the stream.
    pub index: usize,
    pub root: Node,
}

/// A parse error at a position.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub message: String,
    pub offset: usize,
}

/// The documents that parsed, and the error that stopped the stream, if any.
#[derive(Debug, Default)]
pub struct Stream {
    pub documents: Vec<Document>,
    pub error: Option<ParseError>,
}

impl Stream {
    /// Each document's index and root.
    pub fn roots(&self) -> impl Iterator<Item = (usize, &Node)> {
        self.documents.iter().map(|d| (d.index, &d.root))
    }
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// An integer, or a number with no fraction (`3.0`, `1e3`): kubectl's YAML-to-JSON step and
    /// its JSON decoder turn those into the integers 3 and 1000, which the API server accepts in
    /// an integer field (the schema rules accept them too).
    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            Value::Int(i) => Some(i),
            // i64::MIN is -2^63, exact as f64, and so is 2^63; NaN and infinities fail the test.
            Value::Float(f)
                if f.fract() == 0.0 && (i64::MIN as f64..-(i64::MIN as f64)).contains(&f) =>
            {
                Some(f as i64)
            }
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The entry for `key` in a mapping. With duplicate keys the last one wins, as in kubectl's
    /// decoding (rules report the duplicate separately).
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().rev().find(|e| e.key.is_key(key))
    }

    /// The value for `key` in a mapping; `None` when absent or when the node is not a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// A value that is present and not null.
    pub fn get_some(&self, key: &str) -> Option<&Node> {
        self.get(key).filter(|n| !n.is_null())
    }

    /// Follows a chain of mapping keys.
    pub fn get_path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    /// Whether this mapping key is `key` once stringified (without allocating for string keys).
    pub fn is_key(&self, key: &str) -> bool {
        match &self.value {
            Value::Str(s) => s == key,
            Value::Seq(_) | Value::Map(_) => false,
            _ => self.key_string().as_deref() == Some(key),
        }
    }

    /// The string a mapping key becomes in JSON (sigs.k8s.io/yaml stringifies non-string keys).
    pub fn key_string(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Null => Some("null".to_owned()),
            Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// A short name for the node's type, as users know it from the API reference.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "list",
            Value::Map(_) => "object",
        }
    }

    /// The node as JSON, for JSON Schema checks.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .filter_map(|e| Some((e.key.key_string()?, e.value.to_json())))
                    .collect(),
            ),
        }
    }

    /// Follows a JSON pointer (as jsonschema reports instance locations) to the node it names.
    pub fn pointer(&self, pointer: &str) -> Option<&Node> {
        if pointer.is_empty() {
            return Some(self);
        }
        let mut node = self;
        for raw in pointer.strip_prefix('/')?.split('/') {
            let token = raw.replace("~1", "/").replace("~0", "~");
            node = match &node.value {
                Value::Map(_) => node.get(&token)?,
                Value::Seq(items) => items.get(token.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }
}

/// Parses a stream of YAML (or JSON) documents.
pub fn parse(source: &Source) -> Stream {
    let mut builder = Builder {
        source,
        ascii: source.text.is_ascii(),
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        stream: Stream::default(),
    };
    // kubectl (go-yaml), like the YAML spec, allows no control character but tab, line feed and
    // carriage return in a stream; saphyr's scanner lets most through in plain scalars and
    // takes a NUL for the end of the stream. Documents that end before the first one are kept.
    let control = first_control_character(&source.text);
    for event in Parser::new_from_str(&source.text) {
        if let Some((at, c)) = control {
            let reached = match &event {
                Ok((_, span)) => builder.offset(&span.end) > at,
                // A NUL ends the scanner's stream: an unfinished scalar before it then fails
                // with "unexpected end of stream" where it starts.
                Err(err) => {
                    source.offset(err.marker().line(), err.marker().col()) >= at
                        || (c == '\0' && err.info().contains("end of stream"))
                }
            };
            if reached {
                builder.stream.error = Some(ParseError {
                    message: format!(
                        "{} U+{:04X} is not allowed in YAML",
                        if c.is_control() {
                            "control character"
                        } else {
                            "character"
                        },
                        u32::from(c)
                    ),
                    offset: at,
                });
                break;
            }
        }
        let step = match event {
            Ok((event, span)) => builder.event(event, span),
            Err(err) => {
                let m = err.marker();
                let mut offset = source.offset(m.line(), m.col());
                // Point at the TAB. The scanner reports one in indentation just after it, on
                // its line, and one that ends a scalar at the scalar's start, before it.
                let text = &source.text;
                let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
                if err.info().contains("(block indentation)")
                    && let Some(i) = text[line_start..offset].rfind('\t')
                {
                    offset = line_start + i;
                } else if err.info().contains("tab")
                    && let Some(i) = text[offset..].find('\t')
                {
                    offset += i;
                }
                Err(ParseError {
                    message: err.info().to_owned(),
                    offset,
                })
            }
        };
        if let Err(err) = step {
            builder.stream.error = Some(err);
            break;
        }
    }
    builder.stream
}

/// The first character the YAML spec does not allow in a stream (C0 and C1 controls but tab, line
/// feed, carriage return and next line; DEL; U+FFFE and U+FFFF), with its byte offset.
fn first_control_character(text: &str) -> Option<(usize, char)> {
    // Bytes that are, or start, such a character: C0 controls, DEL, and the lead bytes of C1
    // controls (0xC2) and of U+FFFE/U+FFFF (0xEF); lead bytes are character boundaries. Blocks
    // of 64 bytes are first tested by a fold without early exit, which vectorises: 0.1 ms per MB
    // here, against 0.9 ms for a plain search (about 2% of linting the corpus).
    let suspect = |b: u8| {
        ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r'))
            | (b == 0x7f)
            | (b == 0xc2)
            | (b == 0xef)
    };
    let bytes = text.as_bytes();
    let mut from = 0;
    while from < bytes.len() {
        let block = bytes.get(from..bytes.len().min(from + 64))?;
        if !block.iter().fold(false, |any, &b| any | suspect(b)) {
            from += block.len();
            continue;
        }
        let at = from + block.iter().position(|&b| suspect(b))?;
        let c = text.get(at..)?.chars().next()?;
        if (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{85}'))
            || matches!(c, '\u{fffe}' | '\u{ffff}')
        {
            return Some((at, c));
        }
        from = at + c.len_utf8();
    }
    None
}

struct Builder<'s> {
    source: &'s Source,
    ascii: bool,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
    stream: Stream,
}

enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        anchor: usize,
        entries: Vec<Entry>,
        key: Option<Node>,
    },
}

impl Builder<'_> {
    fn offset(&self, m: &saphyr_parser::Marker) -> usize {
        // The parser counts characters; in ASCII text (most manifests) that is the byte offset.
        if self.ascii {
            m.index().min(self.source.text.len())
        } else {
            self.source.offset(m.line(), m.col())
        }
    }

    fn span(&self, span: &PSpan) -> Span {
        let start = self.offset(&span.start);
        let end = self.offset(&span.end).max(start);
        start..end
    }

    fn error(&self, message: impl Into<String>, offset: usize) -> ParseError {
        ParseError {
            message: message.into(),
            offset,
        }
    }

    fn count(&mut self, n: usize, at: usize) -> Result<(), ParseError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            return Err(self.error(
                format!("document expands to more than {MAX_NODES} nodes (alias bomb?)"),
                at,
            ));
        }
        Ok(())
    }

    fn event(&mut self, event: Event<'_>, span: PSpan) -> Result<(), ParseError> {
        match event {
            Event::DocumentStart(_) => {
                self.anchors.clear();
                Ok(())
            }
            Event::Scalar(text, style, anchor, tag) => {
                let mut span = self.span(&span);
                if let Some(end) = quoted_end(&self.source.text, &span, style) {
                    span.end = end;
                }
                self.count(1, span.start)?;
                let value = if tag.is_some() {
                    resolve_tagged(&text, tag.as_deref().map(|t| t.suffix.as_str()), style)
                } else if style == ScalarStyle::Plain {
                    resolve_plain(&text)
                } else {
                    Value::Str(text.into_owned())
                };
                // A plain scalar may continue on later lines; the parser's end is exact for those.
                let node = Node { value, span };
                self.push(node, anchor)
            }
            Event::SequenceStart(anchor, _) => {
                let start = self.offset(&span.start);
                self.open(
                    Frame::Seq {
                        start,
                        anchor,
                        items: Vec::new(),
                    },
                    start,
                )
            }
            Event::MappingStart(anchor, _) => {
                let start = self.offset(&span.start);
                self.open(
                    Frame::Map {
                        start,
                        anchor,
                        entries: Vec::new(),
                        key: None,
                    },
                    start,
                )
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let end = self.offset(&span.end);
                let Some(frame) = self.stack.pop() else {
                    return Err(self.error("unbalanced collection end", end));
                };
                let (node, anchor) = match frame {
                    Frame::Seq {
                        start,
                        anchor,
                        items,
                    } => {
                        let last = items.last().map(|n| n.span.end);
                        let end = collection_end(self.source, start, last, end);
                        (
                            Node {
                                value: Value::Seq(items),
                                span: start..end,
                            },
                            anchor,
                        )
                    }
                    Frame::Map {
                        start,
                        anchor,
                        entries,
                        ..
                    } => {
                        let last = entries.last().map(|e| e.value.span.end);
                        let end = collection_end(self.source, start, last, end);
                        (
                            Node {
                                value: Value::Map(entries),
                                span: start..end,
                            },
                            anchor,
                        )
                    }
                };
                self.push(node, anchor)
            }
            Event::Alias(id) => {
                let span = self.span(&span);
                let Some((node, size)) = self.anchors.get(&id) else {
                    return Err(self.error("unknown anchor", span.start));
                };
                let (mut node, size) = (node.clone(), *size);
                self.count(size, span.start)?;
                node.span = span;
                self.push(node, 0)
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => Ok(()),
        }
    }

    fn open(&mut self, frame: Frame, at: usize) -> Result<(), ParseError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.error(format!("nesting deeper than {MAX_DEPTH} levels"), at));
        }
        self.count(1, at)?;
        self.stack.push(frame);
        Ok(())
    }

    fn push(&mut self, node: Node, anchor: usize) -> Result<(), ParseError> {
        if anchor != 0 {
            let size = node_count(&node);
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => {
                let index = self.stream.documents.len();
                self.stream.documents.push(Document { index, root: node });
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) if is_merge_key(&k) => merge(entries, node),
                Some(k) => entries.push(Entry {
                    key: k,
                    value: node,
                }),
            },
        }
        Ok(())
    }
}

/// Where a quoted scalar starting at `span.start` ends: after its closing quote. The parser's
/// end runs on to the next token, over a comment later on the line.
fn quoted_end(text: &str, span: &Span, style: ScalarStyle) -> Option<usize> {
    let quote = match style {
        ScalarStyle::SingleQuoted => b'\'',
        ScalarStyle::DoubleQuoted => b'"',
        _ => return None,
    };
    let bytes = text.get(span.clone())?.as_bytes();
    if bytes.first() != Some(&quote) {
        return None;
    }
    let mut i = 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return Some(span.start + i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Where a collection starting at `start` ends: after a flow collection's closing bracket, or
/// at a block collection's last character. The parser's `end` is the next token's start, after
/// any comments and the next line's indentation; `last` is where the last child ends.
fn collection_end(source: &Source, start: usize, last: Option<usize>, end: usize) -> usize {
    let text = &source.text;
    let end = end.min(text.len());
    let floor = last.unwrap_or(start).clamp(start, end);
    if let Some(&open @ (b'[' | b'{')) = text.as_bytes().get(start) {
        let close = if open == b'[' { b']' } else { b'}' };
        // Between the last child and the bracket: blanks, a comma, comments.
        let bytes = &text.as_bytes()[..end];
        let mut at = if last.is_some() { floor } else { start + 1 };
        while let Some(&b) = bytes.get(at) {
            match b {
                b'#' => at = text[at..end].find('\n').map_or(end, |n| at + n),
                b if b == close => return at + 1,
                _ => at += 1,
            }
        }
    }
    // A block collection: trailing blanks and comment lines are not part of it.
    let mut kept = text[floor..end].trim_end();
    loop {
        let line = kept.rfind('\n').map_or(0, |n| n + 1);
        if !kept[line..].trim_start().starts_with('#') {
            // Nor the blanks that end the last child (a block scalar's last line break).
            return start + text[start..floor + kept.len()].trim_end().len();
        }
        kept = kept[..line].trim_end();
    }
}

fn node_count(node: &Node) -> usize {
    // Iterative, so that counting never recurses as deep as the input.
    let mut stack = vec![node];
    let mut n = 0usize;
    while let Some(node) = stack.pop() {
        n += 1;
        match &node.value {
            Value::Seq(items) => stack.extend(items),
            Value::Map(entries) => {
                for e in entries {
                    stack.push(&e.key);
                    stack.push(&e.value);
                }
            }
            _ => {}
        }
    }
    n
}

fn is_merge_key(key: &Node) -> bool {
    matches!(&key.value, Value::Str(s) if s == "<<")
}

/// Applies a YAML merge key: entries of the merged mapping(s) that the mapping lacks are added.
fn merge(entries: &mut Vec<Entry>, value: Node) {
    let sources: Vec<Node> = match value.value {
        Value::Map(_) => vec![value],
        Value::Seq(items) => items,
        _ => return,
    };
    for source in sources {
        if let Value::Map(merged) = source.value {
            for entry in merged {
                let key = entry.key.key_string();
                if !entries.iter().any(|e| e.key.key_string() == key) {
                    entries.push(entry);
                }
            }
        }
    }
}

fn resolve_tagged(text: &str, tag: Option<&str>, style: ScalarStyle) -> Value {
    match tag {
        Some("str") => Value::Str(text.to_owned()),
        Some("int") | Some("float") | Some("bool") | Some("null") => resolve_plain(text),
        _ if style == ScalarStyle::Plain => resolve_plain(text),
        _ => Value::Str(text.to_owned()),
    }
}

/// Resolves a plain scalar as go-yaml v2 (used by sigs.k8s.io/yaml, hence kubectl) does.
pub fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return Value::Str(text.to_owned());
    }
    let plain = text.replace('_', "");
    if let Some(i) = parse_go_int(&plain) {
        return Value::Int(i);
    }
    if is_yaml_float(&plain)
        && let Ok(f) = plain.parse::<f64>()
    {
        return Value::Float(f);
    }
    // go-yaml v2 also reads `0b1010`, handled in parse_go_int; anything else stays a string.
    Value::Str(text.to_owned())
}

/// Go's `strconv.ParseInt(s, 0, 64)`: sign, then `0x`, `0o`/`0`, `0b` prefixes or decimal.
fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = digits.to_ascii_lowercase();
    let (radix, body) = if let Some(b) = lower.strip_prefix("0x") {
        (16, b.to_owned())
    } else if let Some(b) = lower.strip_prefix("0b") {
        (2, b.to_owned())
    } else if let Some(b) = lower.strip_prefix("0o") {
        (8, b.to_owned())
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_owned())
    } else {
        (10, lower)
    };
    if body.is_empty() || body.starts_with(['+', '-']) {
        return None;
    }
    let magnitude = i128::from_str_radix(&body, radix).ok()?;
    let value = if neg { -magnitude } else { magnitude };
    i64::try_from(value).ok()
}

/// go-yaml v2's float pattern: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> (Source, Node) {
        let source = Source::new("t.yaml", text);
        let mut stream = parse(&source);
        assert!(stream.error.is_none(), "{:?}", stream.error);
        let root = stream.documents.remove(0).root;
        (source, root)
    }

    #[test]
    fn resolves_scalars_like_kubectl() {
        assert_eq!(resolve_plain("yes"), Value::Bool(true));
        assert_eq!(resolve_plain("Off"), Value::Bool(false));
        assert_eq!(resolve_plain("0755"), Value::Int(493));
        assert_eq!(resolve_plain("0x1F"), Value::Int(31));
        assert_eq!(resolve_plain("1_000"), Value::Int(1000));
        assert_eq!(resolve_plain("-3"), Value::Int(-3));
        assert_eq!(resolve_plain("1.10"), Value::Float(1.1));
        assert_eq!(resolve_plain("08"), Value::Float(8.0));
        assert_eq!(resolve_plain("1e3"), Value::Float(1000.0));
        assert_eq!(resolve_plain("~"), Value::Null);
        assert_eq!(resolve_plain("1.2.3"), Value::Str("1.2.3".into()));
        assert_eq!(resolve_plain("-"), Value::Str("-".into()));
        assert_eq!(resolve_plain("99999999999999999999"), Value::Float(1e20));
        assert_eq!(resolve_plain("nginx:1.25"), Value::Str("nginx:1.25".into()));
    }

    #[test]
    fn whole_numbers_read_as_integers() {
        let (_, root) =
            doc("a: 3.0\nb: 1e3\nc: 1.5\nd: .inf\ne: .nan\nf: 1e19\ng: -9.3e18\nh: 08\n");
        let int = |key: &str| root.get(key).and_then(Node::as_i64);
        assert_eq!(int("a"), Some(3));
        assert_eq!(int("b"), Some(1000));
        assert_eq!(int("c"), None);
        assert_eq!(int("d"), None);
        assert_eq!(int("e"), None);
        // Beyond i64: not an integer the API could hold.
        assert_eq!(int("f"), None);
        assert_eq!(int("g"), None);
        assert_eq!(int("h"), Some(8));
    }

    #[test]
    fn spans_cover_keys_and_values() {
        let (source, root) = doc("kind: Job\nspec:\n  backoffLimit: \"6\"\n  x: [1, 2]\n");
        let v = root.get_path(&["spec", "backoffLimit"]).unwrap();
        assert_eq!(&source.text[v.span.clone()], "\"6\"");
        assert_eq!(v.as_str(), Some("6"));
        let key = &root.get("spec").unwrap().entry("x").unwrap().key;
        assert_eq!(&source.text[key.span.clone()], "x");
        let spec = root.get("spec").unwrap();
        assert_eq!(
            &source.text[spec.span.clone()],
            "backoffLimit: \"6\"\n  x: [1, 2]"
        );
    }

    /// saphyr's end of a quoted scalar runs over a comment after it; ours stops at the quote.
    #[test]
    fn quoted_spans_end_at_the_closing_quote() {
        let text = "a: 'it''s # x' # c\nb: \"q \\\" # y\" # c\nc: [\"x\" , 'y' ] # c\nd: \"two\n  lines\" # c\n";
        let (source, root) = doc(text);
        let spans: Vec<&str> = ["a", "b", "d"]
            .iter()
            .map(|k| &source.text[root.get(k).unwrap().span.clone()])
            .collect();
        assert_eq!(spans, ["'it''s # x'", "\"q \\\" # y\"", "\"two\n  lines\""]);
        let items = root.get("c").unwrap().as_seq().unwrap();
        let items: Vec<&str> = items.iter().map(|n| &source.text[n.span.clone()]).collect();
        assert_eq!(items, ["\"x\"", "'y'"]);
        assert_eq!(root.get("b").unwrap().as_str(), Some("q \" # y"));
    }

    /// A collection ends at its closing bracket or last child, not over comments after it.
    #[test]
    fn collection_spans_end_before_comments() {
        let text = "\
a: [1, [2, 3] ] # c
b: {x: 1, # c
  y: 2 } # c
c:
  d: 1 # c
  e:
  # c
f:
  - x: |
      text
      # text, not a comment
  # c

g: [ # c
   ]
h: {}
";
        let (source, root) = doc(text);
        let span = |k: &str| &source.text[root.get(k).unwrap().span.clone()];
        assert_eq!(span("a"), "[1, [2, 3] ]");
        assert_eq!(span("b"), "{x: 1, # c\n  y: 2 }");
        assert_eq!(span("c"), "d: 1 # c\n  e:");
        assert_eq!(span("f"), "- x: |\n      text\n      # text, not a comment");
        assert_eq!(span("g"), "[ # c\n   ]");
        assert_eq!(span("h"), "{}");
        assert_eq!(&source.text[root.span.clone()], text.trim_end());
    }

    #[test]
    fn duplicate_keys_are_kept_and_last_wins() {
        let (_, root) = doc("a: 1\na: 2\n");
        assert_eq!(root.as_map().unwrap().len(), 2);
        assert_eq!(root.get("a").unwrap().as_i64(), Some(2));
    }

    #[test]
    fn merge_keys_and_aliases() {
        let (_, root) = doc("base: &b {a: 1, b: 2}\nthing:\n  <<: *b\n  b: 3\n  y: 4\n");
        let thing = root.get("thing").unwrap();
        assert_eq!(thing.get("a").unwrap().as_i64(), Some(1));
        assert_eq!(thing.get("b").unwrap().as_i64(), Some(3));
        // `y` is a YAML 1.1 boolean, and so a key named "true" once in JSON.
        assert_eq!(thing.get("true").unwrap().as_i64(), Some(4));
    }

    #[test]
    fn alias_bomb_is_an_error() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let stream = parse(&Source::new("bomb.yaml", text));
        let err = stream.error.expect("an alias bomb must fail");
        assert!(err.message.contains("alias bomb"), "{err:?}");
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let text = "[".repeat(100_000);
        let stream = parse(&Source::new("deep.yaml", text));
        let err = stream.error.expect("deep nesting must fail");
        assert!(
            err.message.contains("recursion") || err.message.contains("nesting"),
            "{err:?}"
        );
    }

    /// As kubectl: a control character is an error where it stands (saphyr alone accepted most in
    /// plain scalars, and took a NUL for the end of the stream); documents before it are kept.
    #[test]
    fn control_characters_are_errors_where_they_stand() {
        let cases = [
            ("a: 1\n---\nb: x\u{1}y\n", "b: x".len(), 0x01, 1),
            ("a: 1\n---\nb: \"x\0y\"\n", "b: \"x".len(), 0x00, 1),
            ("a: 1 # \u{1b}[2J\n", "a: 1 # ".len(), 0x1b, 0),
            ("{\"a\": \"\u{9b}\"}", "{\"a\": \"".len(), 0x9b, 0),
            ("a: \u{7f}\n", "a: ".len(), 0x7f, 0),
        ];
        let stream = parse(&Source::new("t.yaml", "a: \"\u{ffff}\"\n"));
        let err = stream.error.expect("a noncharacter");
        assert_eq!(
            (err.message.as_str(), err.offset),
            ("character U+FFFF is not allowed in YAML", 4)
        );
        for (text, at, code, kept) in cases {
            let first_doc = if kept == 1 { "a: 1\n---\n".len() } else { 0 };
            let stream = parse(&Source::new("t.yaml", text));
            let err = stream.error.as_ref().expect(text);
            assert_eq!(
                err.message,
                format!("control character U+{code:04X} is not allowed in YAML"),
                "{text:?}"
            );
            assert_eq!(err.offset, first_doc + at, "{text:?}");
            assert_eq!(stream.documents.len(), kept, "{text:?}");
        }
        // Tabs, CRLF line ends, NEL, and other characters are fine.
        let (_, root) = doc("a: \"x\ty\u{85}\u{e9}\"\r\nb: 2\r\n");
        assert_eq!(root.get("b").unwrap().as_i64(), Some(2));
    }

    #[test]
    fn tab_indentation_reports_position() {
        for (text, line, column) in [
            ("a:\n\tb: 1\n", 2, 1),
            ("k: v\n\tn: 1\n", 2, 1),
            // Not the next TAB in the file, on a later line.
            ("a:\n  b: \"x\"\t# c\n\tc: 1\n# later\t tab\n", 3, 1),
        ] {
            let source = Source::new("t.yaml", text);
            let err = parse(&source).error.unwrap();
            let at = source.line_col(err.offset);
            assert_eq!(
                (at.line, at.column),
                (line, column),
                "{text:?}: {}",
                err.message
            );
        }
    }

    #[test]
    fn multi_document_streams() {
        let source = Source::new("t.yaml", "a: 1\n---\nb: 2\n---\n");
        let stream = parse(&source);
        assert_eq!(stream.documents.len(), 3);
        assert!(stream.documents[2].root.is_null());
    }

    #[test]
    fn json_documents() {
        let (_, root) = doc("{\"kind\": \"Job\", \"spec\": {\"backoffLimit\": 3, \"x\": \"yes\"}}");
        assert_eq!(
            root.get_path(&["spec", "backoffLimit"]).unwrap().as_i64(),
            Some(3)
        );
        assert_eq!(root.get_path(&["spec", "x"]).unwrap().as_str(), Some("yes"));
    }

    #[test]
    fn pointers() {
        let (_, root) = doc("a:\n  - {b: 1}\n  - {c/d: 2}\n");
        assert_eq!(root.pointer("/a/1/c~1d").unwrap().as_i64(), Some(2));
        assert!(root.pointer("/a/5").is_none());
    }
}
