//! Field paths in the API server's notation: `spec.template.spec.containers[0].image`,
//! `metadata.labels[app.kubernetes.io/name]`.

use std::fmt;

/// Where the links of one lint's paths live: an arena dropped with the lint. Rules take
/// thousands of path steps per object, and a step in an arena is a pointer bump, where a
/// reference-counted link cost an allocation, a free and two count updates (about a fifth of
/// a webhook review).
pub use bumpalo::Bump as PathArena;

/// A path, stored as a chain from its last segment back to the root: a child step shares its
/// parent instead of copying it. Copying a path copies a pointer.
#[derive(Clone, Copy, Default)]
pub struct FieldPath<'a>(Option<&'a Link<'a>>);

struct Link<'a> {
    parent: FieldPath<'a>,
    segment: Segment<'a>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segment<'a> {
    Field(&'a str),
    Index(usize),
    Key(&'a str),
}

impl<'a> FieldPath<'a> {
    pub fn root() -> Self {
        FieldPath(None)
    }

    /// Parses a dotted path of plain field names (`spec.jobTemplate.spec`).
    pub fn parse(arena: &'a PathArena, dotted: &str) -> Self {
        dotted
            .split('.')
            .filter(|s| !s.is_empty())
            .fold(FieldPath::root(), |path, name| {
                path.field(arena, arena.alloc_str(name))
            })
    }

    /// A field. The name is borrowed: a literal, a key of the document, or a string put in the
    /// arena.
    pub fn field(self, arena: &'a PathArena, name: &'a str) -> Self {
        self.with(arena, Segment::Field(name))
    }

    pub fn index(self, arena: &'a PathArena, index: usize) -> Self {
        self.with(arena, Segment::Index(index))
    }

    /// A map key, written `[key]`.
    pub fn key(self, arena: &'a PathArena, key: &'a str) -> Self {
        self.with(arena, Segment::Key(key))
    }

    pub fn is_root(&self) -> bool {
        self.0.is_none()
    }

    fn with(self, arena: &'a PathArena, segment: Segment<'a>) -> Self {
        FieldPath(Some(arena.alloc(Link {
            parent: self,
            segment,
        })))
    }
}

impl PartialEq for FieldPath<'_> {
    fn eq(&self, other: &Self) -> bool {
        let (mut a, mut b) = (self.0, other.0);
        loop {
            match (a, b) {
                (None, None) => return true,
                (Some(x), Some(y)) => {
                    if std::ptr::eq(x, y) {
                        return true;
                    }
                    if x.segment != y.segment {
                        return false;
                    }
                    (a, b) = (x.parent.0, y.parent.0);
                }
                _ => return false,
            }
        }
    }
}

impl Eq for FieldPath<'_> {}

impl fmt::Debug for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FieldPath({self})")
    }
}

impl FieldPath<'_> {
    /// The path as text, in one allocation of the exact size, written from the last segment
    /// back (the order the links run in), without recursion or the formatting machinery.
    pub fn to_text(&self) -> String {
        let mut len = 0;
        let mut at = self.0;
        while let Some(link) = at {
            len += link.text_len();
            at = link.parent.0;
        }
        let mut bytes = vec![0; len];
        let mut end = len;
        let mut at = self.0;
        while let Some(link) = at {
            let start = end - link.text_len();
            if let Some(out) = bytes.get_mut(start..end) {
                link.write_into(out);
            }
            end = start;
            at = link.parent.0;
        }
        // Built from whole strings and ASCII punctuation and digits: valid UTF-8.
        String::from_utf8(bytes).unwrap_or_default()
    }

    fn write_to(&self, out: &mut impl fmt::Write) -> fmt::Result {
        let Some(link) = self.0 else {
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

impl Link<'_> {
    /// The length of this segment as text: `.name` (`name` first), `[index]`, `[key]`.
    fn text_len(&self) -> usize {
        match self.segment {
            Segment::Field(name) if self.parent.is_root() => name.len(),
            Segment::Field(name) => name.len() + 1,
            Segment::Index(index) => decimal_digits(index) + 2,
            Segment::Key(key) => key.len() + 2,
        }
    }

    /// Writes this segment into `out`, which is [`Link::text_len`] bytes long.
    fn write_into(&self, out: &mut [u8]) {
        let (open, middle, close): (&[u8], &[u8], &[u8]) = match self.segment {
            Segment::Field(name) if self.parent.is_root() => (b"", name.as_bytes(), b""),
            Segment::Field(name) => (b".", name.as_bytes(), b""),
            Segment::Key(key) => (b"[", key.as_bytes(), b"]"),
            Segment::Index(mut index) => {
                out[0] = b'[';
                let last = out.len() - 1;
                out[last] = b']';
                for digit in out[1..last].iter_mut().rev() {
                    *digit = b'0' + (index % 10) as u8;
                    index /= 10;
                }
                return;
            }
        };
        let (head, rest) = out.split_at_mut(open.len());
        head.copy_from_slice(open);
        let (body, tail) = rest.split_at_mut(middle.len());
        body.copy_from_slice(middle);
        tail.copy_from_slice(close);
    }
}

fn decimal_digits(mut n: usize) -> usize {
    let mut digits = 1;
    while n >= 10 {
        n /= 10;
        digits += 1;
    }
    digits
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_to(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_the_api_server() {
        let a = PathArena::new();
        let p = FieldPath::parse(&a, "spec.template.spec")
            .field(&a, "containers")
            .index(&a, 0)
            .field(&a, "image");
        assert_eq!(p.to_string(), "spec.template.spec.containers[0].image");
        assert_eq!(p.to_text(), p.to_string());
        let l = FieldPath::parse(&a, "metadata.labels").key(&a, "app.kubernetes.io/name");
        assert_eq!(l.to_string(), "metadata.labels[app.kubernetes.io/name]");
        assert_eq!(l.to_text(), l.to_string());
        assert_eq!(FieldPath::root().to_text(), "");
        let deep = FieldPath::root()
            .field(&a, "items")
            .index(&a, 123_456_789)
            .field(&a, "x");
        assert_eq!(deep.to_text(), "items[123456789].x");
        for index in [0, 9, 10, 99, 100, usize::MAX] {
            let p = FieldPath::root().key(&a, "k").index(&a, index);
            assert_eq!(p.to_text(), p.to_string());
        }
        let e = FieldPath::root().field(&a, "").key(&a, "").field(&a, "é");
        assert_eq!(e.to_text(), e.to_string());
    }

    #[test]
    fn equal_by_segments_not_by_sharing() {
        let ar = PathArena::new();
        let a = FieldPath::parse(&ar, "spec.template").field(&ar, "spec");
        let b = FieldPath::parse(&ar, "spec.template.spec");
        assert_eq!(a, b);
        assert_ne!(a, FieldPath::parse(&ar, "spec.template"));
        assert_ne!(
            a,
            FieldPath::parse(&ar, "spec")
                .key(&ar, "template")
                .field(&ar, "spec")
        );
        assert_eq!(FieldPath::root(), FieldPath::parse(&ar, ""));
        assert!(FieldPath::parse(&ar, "").is_root());
    }
}
