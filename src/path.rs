//! Field paths in the API server's notation: `spec.template.spec.containers[0].image`,
//! `metadata.labels[app.kubernetes.io/name]`.

use std::borrow::Cow;
use std::fmt;
use std::rc::Rc;

/// A path, stored as a chain from its last segment back to the root: a child step shares its
/// parent instead of copying it (rules take thousands of steps per object). `Rc`, not `Arc`:
/// paths live and die with one object's lint on one thread, and the counts change on every step.
#[derive(Clone, Default)]
pub struct FieldPath(Option<Rc<Link>>);

struct Link {
    parent: FieldPath,
    segment: Segment,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    // Field names are mostly literals in the checks: those are borrowed, not copied.
    Field(Cow<'static, str>),
    Index(usize),
    Key(String),
}

impl FieldPath {
    pub fn root() -> Self {
        FieldPath(None)
    }

    /// Parses a dotted path of plain field names (`spec.jobTemplate.spec`).
    pub fn parse(dotted: &str) -> Self {
        dotted
            .split('.')
            .filter(|s| !s.is_empty())
            .fold(FieldPath::root(), |path, name| path.field(name.to_owned()))
    }

    /// A field: a `&'static str` is kept as it is, a `String` moved in.
    pub fn field(&self, name: impl Into<Cow<'static, str>>) -> Self {
        self.with(Segment::Field(name.into()))
    }

    pub fn index(&self, index: usize) -> Self {
        self.with(Segment::Index(index))
    }

    /// A map key, written `[key]`.
    pub fn key(&self, key: &str) -> Self {
        self.with(Segment::Key(key.to_owned()))
    }

    pub fn is_root(&self) -> bool {
        self.0.is_none()
    }

    fn with(&self, segment: Segment) -> Self {
        FieldPath(Some(Rc::new(Link {
            parent: self.clone(),
            segment,
        })))
    }
}

impl PartialEq for FieldPath {
    fn eq(&self, other: &Self) -> bool {
        let (mut a, mut b) = (&self.0, &other.0);
        loop {
            match (a, b) {
                (None, None) => return true,
                (Some(x), Some(y)) => {
                    if Rc::ptr_eq(x, y) {
                        return true;
                    }
                    if x.segment != y.segment {
                        return false;
                    }
                    (a, b) = (&x.parent.0, &y.parent.0);
                }
                _ => return false,
            }
        }
    }
}

impl Eq for FieldPath {}

impl fmt::Debug for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FieldPath({self})")
    }
}

impl FieldPath {
    /// The path as text, in one allocation (findings keep their paths as strings; `to_string`
    /// would go through the formatting machinery and grow the string step by step).
    pub fn to_text(&self) -> String {
        let mut out = String::with_capacity(self.text_len());
        // Writing into a String cannot fail.
        let _ = self.write_to(&mut out);
        out
    }

    /// The length of [`FieldPath::to_text`], or close to it (indexes are counted generously).
    fn text_len(&self) -> usize {
        let Some(link) = &self.0 else {
            return 0;
        };
        link.parent.text_len()
            + match &link.segment {
                Segment::Field(name) => name.len() + 1,
                Segment::Index(_) => 6,
                Segment::Key(key) => key.len() + 2,
            }
    }

    fn write_to(&self, out: &mut impl fmt::Write) -> fmt::Result {
        let Some(link) = &self.0 else {
            return Ok(());
        };
        link.parent.write_to(out)?;
        match &link.segment {
            Segment::Field(name) => {
                if !link.parent.is_root() {
                    out.write_str(".")?;
                }
                out.write_str(name)
            }
            Segment::Index(index) => write!(out, "[{index}]"),
            Segment::Key(key) => {
                out.write_str("[")?;
                out.write_str(key)?;
                out.write_str("]")
            }
        }
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_to(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_the_api_server() {
        let p = FieldPath::parse("spec.template.spec")
            .field("containers")
            .index(0)
            .field("image");
        assert_eq!(p.to_string(), "spec.template.spec.containers[0].image");
        assert_eq!(p.to_text(), p.to_string());
        let l = FieldPath::parse("metadata.labels").key("app.kubernetes.io/name");
        assert_eq!(l.to_string(), "metadata.labels[app.kubernetes.io/name]");
        assert_eq!(l.to_text(), l.to_string());
        assert_eq!(FieldPath::root().to_text(), "");
        let deep = FieldPath::root()
            .field("items")
            .index(123_456_789)
            .field("x");
        assert_eq!(deep.to_text(), "items[123456789].x");
    }

    #[test]
    fn equal_by_segments_not_by_sharing() {
        let a = FieldPath::parse("spec.template").field("spec");
        let b = FieldPath::parse("spec.template.spec");
        assert_eq!(a, b);
        assert_ne!(a, FieldPath::parse("spec.template"));
        assert_ne!(a, FieldPath::parse("spec").key("template").field("spec"));
        assert_eq!(FieldPath::root(), FieldPath::parse(""));
        assert!(FieldPath::parse("").is_root());
    }
}
