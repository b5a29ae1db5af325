//! Field paths in the API server's notation: `spec.template.spec.containers[0].image`,
//! `metadata.labels[app.kubernetes.io/name]`.

use std::fmt;

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FieldPath(Vec<Segment>);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Segment {
    Field(String),
    Index(usize),
    Key(String),
}

impl FieldPath {
    pub fn root() -> Self {
        FieldPath(Vec::new())
    }

    /// Parses a dotted path of plain field names (`spec.jobTemplate.spec`).
    pub fn parse(dotted: &str) -> Self {
        FieldPath(
            dotted
                .split('.')
                .filter(|s| !s.is_empty())
                .map(|s| Segment::Field(s.to_owned()))
                .collect(),
        )
    }

    pub fn field(&self, name: &str) -> Self {
        self.with(Segment::Field(name.to_owned()))
    }

    pub fn index(&self, index: usize) -> Self {
        self.with(Segment::Index(index))
    }

    /// A map key, written `[key]`.
    pub fn key(&self, key: &str) -> Self {
        self.with(Segment::Key(key.to_owned()))
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    fn with(&self, segment: Segment) -> Self {
        let mut v = self.0.clone();
        v.push(segment);
        FieldPath(v)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Field(name) if i == 0 => f.write_str(name)?,
                Segment::Field(name) => write!(f, ".{name}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
                Segment::Key(key) => write!(f, "[{key}]")?,
            }
        }
        Ok(())
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
        let l = FieldPath::parse("metadata.labels").key("app.kubernetes.io/name");
        assert_eq!(l.to_string(), "metadata.labels[app.kubernetes.io/name]");
    }
}
