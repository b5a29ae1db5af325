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
    #[inline]
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

    #[inline]
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
    /// The path as text, in one allocation of the exact size: the links are gathered root first
    /// on the stack and their segments pushed in order (no recursion, no formatting machinery).
    pub fn to_text(&self) -> String {
        // Deeper than any manifest's paths; a deeper one is written the general way.
        const DEPTH: usize = 32;
        let mut links = [None; DEPTH];
        let (mut depth, mut len) = (0, 0);
        let mut at = self.0;
        while let Some(link) = at {
            let Some(slot) = links.get_mut(depth) else {
                return self.to_string();
            };
            *slot = Some(link);
            depth += 1;
            len += link.text_len();
            at = link.parent.0;
        }
        let mut out = String::with_capacity(len);
        for link in links[..depth].iter().rev().flatten() {
            // Writing into a String cannot fail.
            let _ = link.write_segment(&mut out);
        }
        out
    }

    fn write_to(&self, out: &mut impl fmt::Write) -> fmt::Result {
        let Some(link) = self.0 else {
            return Ok(());
        };
        link.parent.write_to(out)?;
        link.write_segment(out)
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

    /// Writes this segment: `.name` (`name` first), `[index]`, `[key]`. Indexes are written
    /// digit by digit, not through the formatting machinery.
    fn write_segment(&self, out: &mut impl fmt::Write) -> fmt::Result {
        match self.segment {
            Segment::Field(name) => {
                if !self.parent.is_root() {
                    out.write_char('.')?;
                }
                out.write_str(name)
            }
            Segment::Key(key) => {
                out.write_char('[')?;
                out.write_str(key)?;
                out.write_char(']')
            }
            Segment::Index(mut index) => {
                let mut digits = [b'0'; 20];
                let mut start = digits.len();
                loop {
                    start -= 1;
                    digits[start] = b'0' + (index % 10) as u8;
                    index /= 10;
                    if index == 0 {
                        break;
                    }
                }
                out.write_char('[')?;
                out.write_str(std::str::from_utf8(&digits[start..]).unwrap_or_default())?;
                out.write_char(']')
            }
        }
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
        let deeper = (0..40).fold(FieldPath::root(), |p, i| p.field(&a, "f").index(&a, i));
        assert_eq!(deeper.to_text(), deeper.to_string());
        assert!(deeper.to_text().ends_with("f[39]"));
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
