//! The `schema` family: every field of a Job or CronJob against the Kubernetes API definitions
//! ([`crate::k8s_schema`]), as `kubectl apply` with strict field validation decodes it.
//!
//! One walk of the spanned tree alongside the compiled type tree serves the five rules; each
//! rule runs it for its own kind of problem, so that a node gets at most one finding per rule and
//! work that only one rule needs (suggestions, the source text) is done only for that rule.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::Hash;

use crate::k8s_schema::{IntWidth, Model, ObjectTy, Ty, TyId, model};
use crate::object::{Field, Kind, Target};
use crate::path::{FieldPath, PathArena};
use crate::rule::{Ctx, Diagnostic};
use crate::source::Source;
use crate::yaml::{Entry, Node, Value};

/// An unknown or mis-cased field.
pub fn unknown_field<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    report(ctx, Problem::UnknownField, out);
}

/// A value of the wrong type.
pub fn wrong_type<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    report(ctx, Problem::WrongType, out);
}

/// A plain scalar that YAML reading turns into a non-string where a string is required.
pub fn yaml11_coercion<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    report(ctx, Problem::Coercion, out);
}

/// A key given twice in one mapping.
pub fn duplicate_key<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    report(ctx, Problem::DuplicateKey, out);
}

/// A required field that is absent (and not defaulted by the API server).
pub fn required_field<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    report(ctx, Problem::Required, out);
}

/// Which schema rule a problem belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Problem {
    UnknownField,
    WrongType,
    Coercion,
    DuplicateKey,
    Required,
}

/// The object is walked once (the first schema rule to run does it, the others reuse the
/// result from [`crate::rule::Memo`]); each rule takes its own kind of problem.
fn report<'a>(ctx: &Ctx<'_, 'a>, want: Problem, out: &mut Vec<Diagnostic<'a>>) {
    let all = ctx.memo.schema.get_or_init(|| walk(ctx));
    out.extend(
        all.iter()
            .filter(|(problem, _)| *problem == want)
            .map(|(_, diag)| diag.clone()),
    );
}

fn walk<'a>(ctx: &Ctx<'_, 'a>) -> Vec<(Problem, Diagnostic<'a>)> {
    let model = model();
    let mut out = Vec::new();
    let mut walker = Walker {
        model,
        kind: ctx.object.kind,
        source: ctx.source,
        arena: ctx.object.arena,
        out: &mut out,
        path: Vec::new(),
    };
    walker.node(ctx.object.root, None, model.root(ctx.object.kind), true);
    out
}

/// One step of a field path, kept borrowed until a finding needs the whole path.
enum Seg<'a> {
    Field(Cow<'a, str>),
    Index(usize),
    Key(Cow<'a, str>),
}

struct Walker<'w, 'a> {
    model: &'static Model,
    kind: Kind,
    source: &'w Source,
    arena: &'a PathArena,
    out: &'w mut Vec<(Problem, Diagnostic<'a>)>,
    path: Vec<Seg<'a>>,
}

impl<'a> Walker<'_, 'a> {
    fn node(&mut self, node: &'a Node, key: Option<&'a Node>, ty: TyId, root: bool) {
        let model = self.model;
        if let Value::Map(entries) = &node.value {
            self.duplicates(node, entries, matches!(model.ty(ty), Ty::Object(_)));
        }
        match (model.ty(ty), &node.value) {
            (_, Value::Null) => {}
            (Ty::Object(object), Value::Map(entries)) => {
                self.object(object, node, key, entries, root);
            }
            (Ty::Map(values), Value::Map(entries)) => {
                self.entries(entries, |_| Some(*values), false);
            }
            (Ty::List(item), Value::Seq(items)) => {
                for (i, child) in items.iter().enumerate() {
                    self.path.push(Seg::Index(i));
                    self.node(child, None, *item, false);
                    self.path.pop();
                }
            }
            (Ty::Any, _) => self.untyped(node),
            (expected, _) => {
                if let Some(found) = self.scalar(expected, node) {
                    self.out.push(found);
                }
                // Duplicates are found in values of the wrong type too.
                self.untyped(node);
            }
        }
    }

    /// Walks a subtree that has no type (free-form fields, values of the wrong type), for
    /// duplicate keys only.
    fn untyped(&mut self, node: &'a Node) {
        let any = self.model.any;
        match &node.value {
            Value::Map(entries) => self.entries(entries, |_| Some(any), false),
            Value::Seq(items) => {
                for (i, child) in items.iter().enumerate() {
                    self.path.push(Seg::Index(i));
                    self.node(child, None, any, false);
                    self.path.pop();
                }
            }
            _ => {}
        }
    }

    fn object(
        &mut self,
        object: &ObjectTy,
        node: &'a Node,
        key: Option<&'a Node>,
        entries: &'a [Entry],
        root: bool,
    ) {
        let any = self.model.any;
        self.entries(
            entries,
            |name| match object.field(name) {
                Some(_) if root && Model::skipped_root_field(name) => Some(any),
                Some(ty) => Some(ty),
                None => None,
            },
            true,
        );
        for entry in entries {
            let Some(name) = key_name(&entry.key) else {
                continue;
            };
            if object.field(&name).is_none() {
                let diag = self.unknown(object, &entry.key, &name);
                self.out.push((Problem::UnknownField, diag));
            }
        }
        for name in &object.required {
            if node.get_some(name).is_none() {
                let field = Field {
                    node,
                    key,
                    path: self.field_path(),
                    arena: self.arena,
                };
                self.out.push((
                    Problem::Required,
                    Diagnostic::new(
                        field.missing(name),
                        format!("required field `{name}` is missing in {}", object.name),
                    ),
                ));
            }
        }
    }

    /// Walks the entries of a mapping with the type `ty_of` gives each name (None: not a field,
    /// not walked). With duplicate keys only the last is walked: it is the one kubectl keeps.
    fn entries(
        &mut self,
        entries: &'a [Entry],
        ty_of: impl Fn(&str) -> Option<TyId>,
        fields: bool,
    ) {
        let occurrences = occurrences(entries, |_| true);
        for (i, entry) in entries.iter().enumerate() {
            let Some(name) = key_name(&entry.key) else {
                continue;
            };
            if occurrences.later.get(i).copied().unwrap_or(false) {
                continue;
            }
            let Some(ty) = ty_of(&name) else {
                continue;
            };
            self.path.push(if fields {
                Seg::Field(name)
            } else {
                Seg::Key(name)
            });
            self.node(&entry.value, Some(&entry.key), ty, false);
            self.path.pop();
        }
    }

    fn duplicates(&mut self, node: &'a Node, entries: &'a [Entry], fields: bool) {
        // Entries whose key lies outside the mapping's text came from a merge key (`<<`), which
        // explicit keys may override, or from an alias (reported where the anchor is defined).
        let own =
            |e: &Entry| e.key.span.start >= node.span.start && e.key.span.end <= node.span.end;
        let occurrences = occurrences(entries, own);
        for (i, entry) in entries.iter().enumerate() {
            if !own(entry) {
                continue;
            }
            let Some(name) = key_name(&entry.key) else {
                continue;
            };
            let earlier = occurrences.earlier.get(i).copied().flatten();
            let Some(first) = earlier.and_then(|f| entries.get(f)) else {
                continue;
            };
            let path = self.field_path();
            let name = self.arena.alloc_str(&name);
            let path = if fields {
                path.field(self.arena, name)
            } else {
                path.key(self.arena, name)
            };
            let first_line = self.source.line_col(first.key.span.start).line;
            self.out.push((
                Problem::DuplicateKey,
                Diagnostic::new(
                    Target {
                        path,
                        span: entry.key.span.clone(),
                    },
                    format!("mapping key `{name}` is already defined at line {first_line}"),
                )
                .label(
                    Target {
                        path,
                        span: first.key.span.clone(),
                    },
                    format!("`{name}` first defined here"),
                ),
            ));
        }
    }

    fn unknown(&self, object: &ObjectTy, key: &Node, name: &str) -> Diagnostic<'a> {
        let target = Target {
            path: self
                .field_path()
                .field(self.arena, self.arena.alloc_str(name)),
            span: key.span.clone(),
        };
        let here = self.pattern();
        let mut text = format!("unknown field `{name}` in {}", object.name);
        if !matches!(key.value, Value::Str(_)) {
            // `y:` or `on:` as a key: YAML 1.1 reads it as a boolean, and JSON spells it "true".
            text = format!(
                "{text} (the key `{}` is read as {})",
                self.text(key),
                found(key)
            );
        }
        // Same name, other case, here; else the name elsewhere; else a close spelling here.
        let case = object
            .fields
            .iter()
            .find(|(f, _)| f.eq_ignore_ascii_case(name))
            .map(|(f, _)| f.as_str());
        if let Some(right) = case {
            return Diagnostic::new(target, format!("{text}; did you mean `{right}`?"))
                .help(format!("field names are case-sensitive: write `{right}`"));
        }
        if let Some((place, right)) = best_place(self.model.places_of(self.kind, name), &here) {
            let place = if place.is_empty() {
                "the top level"
            } else {
                place
            };
            return Diagnostic::new(target, format!("{text}; `{right}` belongs in {place}"))
                .help(format!("move `{name}` to {place}"));
        }
        if let Some(right) = closest(object, name) {
            return Diagnostic::new(target, format!("{text}; did you mean `{right}`?"))
                .help(format!("rename it to `{right}`"));
        }
        Diagnostic::new(target, text)
    }

    /// A scalar, or a collection where a scalar belongs.
    fn scalar(&self, expected: &Ty, node: &Node) -> Option<(Problem, Diagnostic<'a>)> {
        let wrong = |found: String| {
            Some(Diagnostic::new(
                self.target(node),
                format!("found {found} where {} is expected", describe(expected)),
            ))
        };
        let wrong_type = |d: Option<Diagnostic<'a>>| d.map(|d| (Problem::WrongType, d));
        match (expected, &node.value) {
            (Ty::Str { .. }, Value::Str(_))
            | (Ty::Bool, Value::Bool(_))
            | (Ty::Number | Ty::Quantity, Value::Int(_))
            | (Ty::IntOrString | Ty::Quantity, Value::Str(_)) => None,
            (Ty::Number | Ty::Quantity, Value::Float(f)) if f.is_finite() => None,
            (Ty::Int(width), Value::Int(i)) => wrong_type(self.range(*width, *i, node)),
            (Ty::IntOrString, Value::Int(i)) => wrong_type(self.range(IntWidth::I32, *i, node)),
            (Ty::Int(_) | Ty::IntOrString, Value::Float(f))
                if f.is_finite() && f.fract() == 0.0 =>
            {
                // YAML→JSON writes 3.0 as 3, which then decodes as an integer.
                let width = match expected {
                    Ty::Int(w) => *w,
                    _ => IntWidth::I32,
                };
                let (min, max) = width.range();
                if *f >= min as f64 && *f <= max as f64 {
                    return None;
                }
                // As written: the f64 it was read into is rounded (1e20 for 99999999999999999999).
                wrong_type(Some(Diagnostic::new(
                    self.target(node),
                    format!(
                        "the number {} is out of the {} range ({min} to {max})",
                        self.text(node).trim(),
                        width.name()
                    ),
                )))
            }
            (Ty::Str { .. }, Value::Bool(_) | Value::Int(_) | Value::Float(_))
                if self.is_plain(node) =>
            {
                Some((Problem::Coercion, self.coercion(node)))
            }
            (Ty::Int(_) | Ty::Bool | Ty::Number, Value::Str(s)) => {
                let diag = wrong(found(node))?;
                let unquoted = crate::yaml::resolve_plain(s);
                let same_kind = matches!(
                    (expected, &unquoted),
                    (Ty::Int(_), Value::Int(_))
                        | (Ty::Bool, Value::Bool(_))
                        | (Ty::Number, Value::Int(_) | Value::Float(_))
                );
                wrong_type(Some(if same_kind {
                    diag.help(format!("remove the quotes: {s}"))
                } else {
                    diag
                }))
            }
            _ => wrong_type(wrong(found(node))),
        }
    }

    fn range(&self, width: IntWidth, i: i64, node: &Node) -> Option<Diagnostic<'a>> {
        let (min, max) = width.range();
        if (min..=max).contains(&i) {
            return None;
        }
        Some(Diagnostic::new(
            self.target(node),
            format!(
                "the integer {i} is out of the {} range ({min} to {max})",
                width.name()
            ),
        ))
    }

    fn coercion(&self, node: &Node) -> Diagnostic<'a> {
        let text = self.text(node).trim();
        let read = match node.value {
            Value::Bool(b) => format!("the boolean {b}"),
            Value::Int(i) if is_octal(text) => format!("the octal number {i}"),
            Value::Int(i) => format!("the number {i}"),
            Value::Float(f) => format!("the number {f}"),
            _ => found(node),
        };
        let yaml11 = if is_yaml11_only(text) {
            " (YAML 1.1)"
        } else {
            ""
        };
        let quoted = serde_json::to_string(text).unwrap_or_else(|_| format!("\"{text}\""));
        Diagnostic::new(
            self.target(node),
            format!("`{text}` is read as {read} by kubectl{yaml11}; quote it: {quoted}"),
        )
        .help(format!("write {quoted}, so that the value stays a string"))
    }

    /// Whether a non-string scalar was written plain (not tagged like `!!int 3`, not an alias).
    fn is_plain(&self, node: &Node) -> bool {
        let text = self.text(node);
        if text.starts_with(['!', '*', '&']) {
            return false;
        }
        let before = self
            .source
            .text
            .get(..node.span.start)
            .unwrap_or("")
            .trim_end_matches([' ', '\t']);
        let token = before
            .rsplit(|c: char| c.is_whitespace() || matches!(c, ':' | '-' | '[' | ',' | '{'))
            .next()
            .unwrap_or("");
        !token.starts_with(['!', '&'])
    }

    fn text(&self, node: &Node) -> &str {
        self.source.text.get(node.span.clone()).unwrap_or("")
    }

    fn target(&self, node: &Node) -> Target<'a> {
        Target {
            path: self.field_path(),
            span: node.span.clone(),
        }
    }

    /// The current path with `[*]` for list items, as places are written.
    fn pattern(&self) -> String {
        let mut out = String::new();
        for seg in &self.path {
            match seg {
                Seg::Field(name) if out.is_empty() => out.push_str(name),
                Seg::Field(name) => {
                    out.push('.');
                    out.push_str(name);
                }
                Seg::Index(_) => out.push_str("[*]"),
                Seg::Key(key) => {
                    out.push('[');
                    out.push_str(key);
                    out.push(']');
                }
            }
        }
        out
    }

    fn field_path(&self) -> FieldPath<'a> {
        let arena = self.arena;
        self.path
            .iter()
            .fold(FieldPath::root(), |path, seg| match seg {
                Seg::Field(name) => path.field(arena, arena.alloc_str(name)),
                Seg::Index(i) => path.index(arena, *i),
                Seg::Key(key) => path.key(arena, arena.alloc_str(key)),
            })
    }
}

/// Of the places where a field is defined, the one to suggest for a field found at `here`: the
/// shallowest place inside `here`, else the nearest enclosing one, else a place near the top when
/// `here` is near the top too (`labels` on the Job spec belongs in metadata).
fn best_place<'m>(places: Vec<(&'m str, &'m str)>, here: &str) -> Option<(&'m str, &'m str)> {
    let inside = |outer: &str, inner: &str| {
        outer.is_empty()
            || inner
                .strip_prefix(outer)
                .is_some_and(|rest| rest.starts_with(['.', '[']))
    };
    let below = places.iter().find(|(p, _)| inside(here, p));
    let above = places
        .iter()
        .filter(|(p, _)| inside(p, here))
        .max_by_key(|(p, _)| p.len());
    let shallow = places
        .iter()
        .find(|(p, _)| here.matches('.').count() < 2 && p.matches('.').count() < 2);
    below.or(above).or(shallow).copied()
}

/// Where each entry's key occurs again among the entries that `keep` accepts: the first
/// earlier occurrence, and whether a later one exists. Quadratic only for small mappings, so a
/// huge one costs no more than its size.
struct Occurrences {
    earlier: Vec<Option<usize>>,
    later: Vec<bool>,
}

fn occurrences(entries: &[Entry], keep: impl Fn(&Entry) -> bool) -> Occurrences {
    let names: Vec<Option<Cow<'_, str>>> = entries
        .iter()
        .map(|e| if keep(e) { key_name(&e.key) } else { None })
        .collect();
    occurrences_of(&names)
}

/// Mappings up to this size are searched pairwise; larger ones through hash maps.
const PAIRWISE_MAX: usize = 16;

fn occurrences_of<K: Eq + Hash>(names: &[Option<K>]) -> Occurrences {
    let mut out = Occurrences {
        earlier: vec![None; names.len()],
        later: vec![false; names.len()],
    };
    if names.len() <= PAIRWISE_MAX {
        for (i, name) in names.iter().enumerate() {
            let Some(name) = name else { continue };
            out.earlier[i] = names[..i].iter().position(|n| n.as_ref() == Some(name));
            out.later[i] = names[i + 1..].iter().any(|n| n.as_ref() == Some(name));
        }
        return out;
    }
    let mut first: HashMap<&K, usize> = HashMap::new();
    let mut last: HashMap<&K, usize> = HashMap::new();
    for (i, name) in names.iter().enumerate() {
        if let Some(name) = name {
            first.entry(name).or_insert(i);
            last.insert(name, i);
        }
    }
    for (i, name) in names.iter().enumerate() {
        let Some(name) = name else { continue };
        out.earlier[i] = first.get(name).copied().filter(|&f| f < i);
        out.later[i] = last.get(name).is_some_and(|&l| l > i);
    }
    out
}

/// The name a mapping key has in JSON; None for collection keys.
fn key_name(key: &Node) -> Option<Cow<'_, str>> {
    match &key.value {
        Value::Str(s) => Some(Cow::Borrowed(s)),
        _ => key.key_string().map(Cow::Owned),
    }
}

/// The known field closest in spelling, if it is close enough to be a typo.
fn closest<'o>(object: &'o ObjectTy, name: &str) -> Option<&'o str> {
    if name.len() > 64 {
        return None;
    }
    let allowed = match name.chars().count() {
        0..=4 => 1,
        5..=10 => 2,
        _ => 3,
    };
    object
        .fields
        .iter()
        .map(|(f, _)| {
            let d = strsim::damerau_levenshtein(&name.to_lowercase(), &f.to_lowercase());
            (d, f.as_str())
        })
        .filter(|(d, _)| *d <= allowed)
        .min_by_key(|(d, _)| *d)
        .map(|(_, f)| f)
}

fn describe(ty: &Ty) -> String {
    match ty {
        Ty::Any => "any value".into(),
        Ty::Bool => "a boolean".into(),
        Ty::Int(w) => format!("an integer ({})", w.name()),
        Ty::Number => "a number".into(),
        Ty::Str { date_time: true } => "a string (an RFC 3339 time)".into(),
        Ty::Str { .. } => "a string".into(),
        Ty::IntOrString => "an integer or a string".into(),
        Ty::Quantity => "a quantity (a string such as 500m or 1Gi, or a number)".into(),
        Ty::Object(o) => format!("an object ({})", o.name),
        Ty::Map(_) => "a map (key: value entries)".into(),
        Ty::List(_) => "a list".into(),
    }
}

fn found(node: &Node) -> String {
    match &node.value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Int(i) => format!("the integer {i}"),
        Value::Float(f) => format!("the number {f}"),
        Value::Str(s) => {
            let shown: String = s.chars().take(40).collect();
            let more = if shown.len() < s.len() { "…" } else { "" };
            format!("the string {:?}", format!("{shown}{more}"))
        }
        Value::Seq(_) => "a list".into(),
        Value::Map(_) => "an object".into(),
    }
}

/// `0755`, `0o17`: read as octal.
fn is_octal(text: &str) -> bool {
    let digits = text.trim_start_matches(['+', '-']);
    (digits.len() > 1 && digits.starts_with('0') && digits[1..].bytes().all(|b| b.is_ascii_digit()))
        || digits.starts_with("0o")
}

/// Scalars that YAML 1.1 (kubectl) resolves differently from YAML 1.2 and JSON.
fn is_yaml11_only(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    matches!(lower.as_str(), "y" | "n" | "yes" | "no" | "on" | "off")
        || (is_octal(text) && !text.trim_start_matches(['+', '-']).starts_with("0o"))
        || text.contains('_')
        || lower.trim_start_matches(['+', '-']).starts_with("0b")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// A key that counts how often it is compared or hashed.
    struct Counted<'c> {
        key: usize,
        work: &'c Cell<usize>,
    }
    impl PartialEq for Counted<'_> {
        fn eq(&self, other: &Self) -> bool {
            self.work.set(self.work.get() + 1);
            self.key == other.key
        }
    }
    impl Eq for Counted<'_> {}
    impl Hash for Counted<'_> {
        fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
            self.work.set(self.work.get() + 1);
            self.key.hash(state);
        }
    }

    #[test]
    fn occurrences_cost_a_few_steps_per_key() {
        // 20 000 keys, one of them three times: the work grows with the number of keys, not
        // with its square (pairwise, this would be some 400 million comparisons).
        let work = Cell::new(0);
        let n = 20_000;
        let names: Vec<Option<Counted<'_>>> = (0..n)
            .map(|i| {
                let key = if i == 10 || i == 500 { 7 } else { i };
                Some(Counted { key, work: &work })
            })
            .collect();
        let found = occurrences_of(&names);
        assert_eq!(found.earlier[10], Some(7));
        assert_eq!(found.earlier[500], Some(7));
        assert!(found.later[7] && found.later[10] && !found.later[500]);
        assert_eq!(found.earlier.iter().flatten().count(), 2);
        assert!(work.get() <= 10 * n, "{} steps for {n} keys", work.get());
    }

    #[test]
    fn yaml11_spellings() {
        assert!(is_yaml11_only("yes"));
        assert!(is_yaml11_only("Off"));
        assert!(is_yaml11_only("0755"));
        assert!(is_yaml11_only("1_000"));
        assert!(!is_yaml11_only("true"));
        assert!(!is_yaml11_only("1.10"));
        assert!(!is_yaml11_only("0"));
        assert!(is_octal("0755"));
        assert!(!is_octal("0"));
        assert!(!is_octal("755"));
    }
}
