//! Recognising Job and CronJob objects in parsed documents, and navigating them by field path.

use crate::path::{FieldPath, PathArena};
use crate::source::Span;
use crate::yaml::{Entry, Node, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Kind {
    Job,
    CronJob,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Job, Kind::CronJob];

    /// The kind's position in [`Kind::ALL`].
    pub fn index(self) -> usize {
        match self {
            Kind::Job => 0,
            Kind::CronJob => 1,
        }
    }

    /// The kind that `kind: name` names, if it is one of ours (the group is checked apart).
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Job => "Job",
            Kind::CronJob => "CronJob",
        }
    }
}

/// One Job or CronJob, wherever it stood: a document of its own or an item of a `*List`.
#[derive(Debug, Clone)]
pub struct Object<'a> {
    pub kind: Kind,
    pub api_version: &'a str,
    pub name: Option<&'a str>,
    pub generate_name: Option<&'a str>,
    pub namespace: Option<&'a str>,
    /// 0-based document index in the stream.
    pub document: usize,
    /// Index in the enclosing List, if any.
    pub item: Option<usize>,
    pub root: &'a Node,
    /// Where the paths of this object's fields are linked.
    pub arena: &'a PathArena,
    /// The Job spec, the pod template, its spec and containers, labels and annotations, found
    /// once (most rules start there).
    places: Places<'a>,
}

#[derive(Debug, Clone, Default)]
struct Places<'a> {
    job_spec: Option<Field<'a>>,
    pod_template: Option<Field<'a>>,
    pod_spec: Option<Field<'a>>,
    /// The regular containers, then the init containers.
    containers: Vec<Field<'a>>,
    /// How many of `containers` are regular ones.
    regular: usize,
    /// The object's own `metadata.labels` and `metadata.annotations`.
    labels: Option<Field<'a>>,
    annotations: Option<Field<'a>>,
}

impl<'a> Places<'a> {
    fn find(kind: Kind, root: &'a Node, arena: &'a PathArena) -> Self {
        let root = Field::root(root, arena);
        let metadata = root.child("metadata");
        let labels = metadata.as_ref().and_then(|m| m.child("labels"));
        let annotations = metadata.as_ref().and_then(|m| m.child("annotations"));
        let job_spec = match kind {
            Kind::Job => root.child("spec"),
            Kind::CronJob => root.descend(&["spec", "jobTemplate", "spec"]),
        };
        let pod_template = job_spec.as_ref().and_then(|s| s.child("template"));
        let pod_spec = pod_template.as_ref().and_then(|t| t.child("spec"));
        let list = |name| {
            pod_spec
                .as_ref()
                .and_then(|ps| ps.child(name))
                .map(|c| c.items())
                .unwrap_or_default()
        };
        let mut containers = list("containers");
        let regular = containers.len();
        containers.extend(list("initContainers"));
        Places {
            job_spec,
            pod_template,
            pod_spec,
            containers,
            regular,
            labels,
            annotations,
        }
    }
}

/// What a stream holds.
#[derive(Debug, Default)]
pub struct Recognised<'a> {
    pub objects: Vec<Object<'a>>,
    /// Objects of other kinds (counted, not linted).
    pub other: usize,
}

/// Finds the Jobs and CronJobs among documents (their index in the stream, their root).
/// Documents without apiVersion and kind are skipped; `kind: List` and every `*List` contribute
/// their items, and a List among those items its own, as kubectl flattens them.
pub fn recognise<'a>(
    documents: impl IntoIterator<Item = (usize, &'a Node)>,
    arena: &'a PathArena,
) -> Recognised<'a> {
    let mut out = Recognised::default();
    for (index, root) in documents {
        if is_list(root) {
            list_items(root, index, &mut 0, arena, &mut out);
        } else {
            classify(root, index, None, arena, &mut out);
        }
    }
    out
}

/// `kind: List` or any `*List`, with an apiVersion.
fn is_list(node: &Node) -> bool {
    node.get("apiVersion").and_then(Node::as_str).is_some()
        && node
            .get("kind")
            .and_then(Node::as_str)
            .is_some_and(|k| k.ends_with("List"))
}

/// The items of a List, in document order, nested Lists flattened into them; `next` numbers
/// the items that are not Lists (the document's `item` indexes).
fn list_items<'a>(
    list: &'a Node,
    document: usize,
    next: &mut usize,
    arena: &'a PathArena,
    out: &mut Recognised<'a>,
) {
    let Some(items) = list.get("items").and_then(Node::as_seq) else {
        return;
    };
    for item in items {
        if is_list(item) {
            list_items(item, document, next, arena, out);
        } else {
            classify(item, document, Some(*next), arena, out);
            *next += 1;
        }
    }
}

fn classify<'a>(
    root: &'a Node,
    document: usize,
    item: Option<usize>,
    arena: &'a PathArena,
    out: &mut Recognised<'a>,
) {
    let api_version = root.get("apiVersion").and_then(Node::as_str);
    let kind = root.get("kind").and_then(Node::as_str);
    let (Some(api_version), Some(kind)) = (api_version, kind) else {
        return;
    };
    let group = api_version.split_once('/').map_or("", |(g, _)| g);
    // The core group ("v1") serves no Job: such a manifest is a Job with a wrong apiVersion, which
    // the api rules report. Other groups' Jobs (Volcano, Kueue, ...) are other kinds.
    let kind = match (group, Kind::from_name(kind)) {
        ("batch" | "", Some(kind)) => kind,
        _ => {
            out.other += 1;
            return;
        }
    };
    let metadata = root.get("metadata");
    let meta = |key: &str| metadata.and_then(|m| m.get(key)).and_then(Node::as_str);
    out.objects.push(Object {
        kind,
        api_version,
        name: meta("name"),
        generate_name: meta("generateName"),
        namespace: meta("namespace"),
        document,
        item,
        root,
        arena,
        places: Places::find(kind, root, arena),
    });
}

impl<'a> Object<'a> {
    pub fn root_field(&self) -> Field<'a> {
        Field::root(self.root, self.arena)
    }

    /// The Job spec: `spec` of a Job, `spec.jobTemplate.spec` of a CronJob.
    pub fn job_spec(&self) -> Option<Field<'a>> {
        self.places.job_spec.clone()
    }

    /// Where the Job spec would be, for reporting it missing: the deepest existing ancestor.
    pub fn job_spec_path(&self) -> FieldPath<'a> {
        match self.kind {
            Kind::Job => FieldPath::parse(self.arena, "spec"),
            Kind::CronJob => FieldPath::parse(self.arena, "spec.jobTemplate.spec"),
        }
    }

    pub fn pod_template(&self) -> Option<Field<'a>> {
        self.places.pod_template.clone()
    }

    pub fn pod_spec(&self) -> Option<Field<'a>> {
        self.places.pod_spec.clone()
    }

    /// The object's own `metadata.labels`.
    pub fn labels(&self) -> Option<&Field<'a>> {
        self.places.labels.as_ref()
    }

    /// The object's own `metadata.annotations`.
    pub fn annotations(&self) -> Option<&Field<'a>> {
        self.places.annotations.as_ref()
    }

    /// The object's own metadata annotation.
    pub fn annotation(&self, key: &str) -> Option<&'a str> {
        self.places.annotations.as_ref()?.node.get(key)?.as_str()
    }

    pub fn label(&self, key: &str) -> Option<&'a str> {
        self.places.labels.as_ref()?.node.get(key)?.as_str()
    }

    /// The `joblint.dev/ignore` annotations of the object, its pod template and a CronJob's
    /// jobTemplate, where present. Looked up on the nodes first: fields (with their paths) are
    /// made only for the annotations found, and most objects have none.
    pub fn ignore_annotations(&self) -> Vec<Field<'a>> {
        use crate::lint::IGNORE_ANNOTATION;
        let holds = |node: &Node| {
            node.get("metadata")
                .and_then(|m| m.get("annotations"))
                .and_then(|a| a.get(IGNORE_ANNOTATION))
                .is_some()
        };
        let entry = |holder: Field<'a>| {
            holder
                .descend(&["metadata", "annotations"])?
                .map_entry(IGNORE_ANNOTATION)
        };
        let mut out = Vec::new();
        if holds(self.root) {
            out.extend(
                self.annotations()
                    .and_then(|a| a.map_entry(IGNORE_ANNOTATION)),
            );
        }
        if let Some(template) = self.pod_template().filter(|t| holds(t.node)) {
            out.extend(entry(template));
        }
        let job_template = self.root.get("spec").and_then(|s| s.get("jobTemplate"));
        if matches!(self.kind, Kind::CronJob) && job_template.is_some_and(holds) {
            out.extend(
                self.root_field()
                    .descend(&["spec", "jobTemplate"])
                    .and_then(entry),
            );
        }
        out
    }

    /// The regular containers of the pod template, with their paths.
    pub fn containers(&self) -> &[Field<'a>] {
        &self.places.containers[..self.places.regular]
    }

    /// Regular and init containers.
    pub fn all_containers(&self) -> &[Field<'a>] {
        &self.places.containers
    }
}

/// A node together with where it is: its key in the parent mapping and its field path.
#[derive(Debug, Clone)]
pub struct Field<'a> {
    pub node: &'a Node,
    /// The key of this node in its parent mapping (None for the root and list items).
    pub key: Option<&'a Node>,
    pub path: FieldPath<'a>,
    /// Where the paths of children are linked.
    pub arena: &'a PathArena,
}

/// Where a finding points: a field path and the text to underline.
#[derive(Debug, Clone, PartialEq)]
pub struct Target<'a> {
    pub path: FieldPath<'a>,
    pub span: Span,
}

impl<'a> Field<'a> {
    /// An object's root: no key, the empty path.
    pub fn root(node: &'a Node, arena: &'a PathArena) -> Field<'a> {
        Field {
            node,
            key: None,
            path: FieldPath::root(),
            arena,
        }
    }

    /// A string for a path segment that lives as long as the tree: the key as the document
    /// wrote it when it is a string (`name` equals it), else `name` copied into the arena.
    fn segment(&self, key: &'a Node, name: &str) -> &'a str {
        key.as_str().unwrap_or_else(|| self.arena.alloc_str(name))
    }

    /// A child field made from an entry of this mapping, with its step in the path.
    fn entry_field(&self, entry: &'a Entry, path: FieldPath<'a>) -> Field<'a> {
        Field {
            node: &entry.value,
            key: Some(&entry.key),
            path,
            arena: self.arena,
        }
    }

    /// The child `name`.
    pub fn child(&self, name: &str) -> Option<Field<'a>> {
        let entry = self.node.entry(name)?;
        let path = self.path.field(self.arena, self.segment(&entry.key, name));
        Some(self.entry_field(entry, path))
    }

    /// A child that is present and not null.
    pub fn child_some(&self, name: &str) -> Option<Field<'a>> {
        self.child(name).filter(|f| !f.node.is_null())
    }

    pub fn descend(&self, names: &[&str]) -> Option<Field<'a>> {
        names
            .iter()
            .try_fold(self.clone(), |field, name| field.child(name))
    }

    /// The items of a list, with `[i]` paths; empty when the node is not a list.
    pub fn items(&self) -> Vec<Field<'a>> {
        match &self.node.value {
            Value::Seq(items) => items
                .iter()
                .enumerate()
                .map(|(i, node)| Field {
                    node,
                    key: None,
                    path: self.path.index(self.arena, i),
                    arena: self.arena,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The entry `key` of a mapping of values (labels, annotations), as a `[key]` child; the
    /// last one when a key repeats.
    pub fn map_entry(&self, key: &str) -> Option<Field<'a>> {
        let entry = self.node.entry(key)?;
        let path = self.path.key(self.arena, self.segment(&entry.key, key));
        Some(self.entry_field(entry, path))
    }

    /// The first entry of a mapping of values whose (string) key matches, as a `[key]` child:
    /// only the match becomes a field.
    pub fn find_entry(&self, matches: impl Fn(&str) -> bool) -> Option<(&'a str, Field<'a>)> {
        self.node.as_map()?.iter().find_map(|e| {
            let key = e.key.as_str().filter(|k| matches(k))?;
            Some((key, self.entry_field(e, self.path.key(self.arena, key))))
        })
    }

    /// The entries of a mapping, as `[key]` children (for labels, annotations, maps of values).
    pub fn entries(&self) -> Vec<(String, Field<'a>)> {
        self.children(FieldPath::key)
    }

    /// The fields of a structured object, as `.name` children.
    pub fn fields(&self) -> Vec<(String, Field<'a>)> {
        self.children(FieldPath::field)
    }

    fn children(
        &self,
        step: impl Fn(FieldPath<'a>, &'a PathArena, &'a str) -> FieldPath<'a>,
    ) -> Vec<(String, Field<'a>)> {
        let Value::Map(entries) = &self.node.value else {
            return Vec::new();
        };
        entries
            .iter()
            .filter_map(|e| {
                let key = e.key.key_string()?;
                let path = step(self.path, self.arena, self.segment(&e.key, &key));
                Some((key, self.entry_field(e, path)))
            })
            .collect()
    }

    pub fn str(&self) -> Option<&'a str> {
        self.node.as_str()
    }

    pub fn i64(&self) -> Option<i64> {
        self.node.as_i64()
    }

    /// This value, underlined.
    pub fn target(&self) -> Target<'a> {
        Target {
            path: self.path,
            span: self.node.span.clone(),
        }
    }

    /// This field's key, underlined (for unknown or misplaced fields).
    pub fn key_target(&self) -> Target<'a> {
        Target {
            path: self.path,
            span: self
                .key
                .map_or_else(|| self.head_span(), |k| k.span.clone()),
        }
    }

    /// A missing child: the path names the child, the location is this field's key.
    pub fn missing(&self, name: &str) -> Target<'a> {
        Target {
            path: self.path.field(self.arena, self.arena.alloc_str(name)),
            span: self
                .key
                .map_or_else(|| self.head_span(), |k| k.span.clone()),
        }
    }

    /// For keyless nodes (the root, list items): the first line of the node.
    fn head_span(&self) -> Span {
        let span = self.node.span.clone();
        let first_key = self
            .node
            .as_map()
            .and_then(|e| e.first())
            .map(|e| e.key.span.clone());
        first_key.unwrap_or(span)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Source;
    use crate::yaml::parse;

    #[test]
    fn kind_index_is_the_position_in_all() {
        for (i, kind) in Kind::ALL.into_iter().enumerate() {
            assert_eq!(kind.index(), i, "{kind:?}");
        }
    }

    #[test]
    fn lists_and_other_kinds() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: batch/v1\n  kind: Job\n  metadata: {name: a}\n- apiVersion: v1\n  kind: ConfigMap\n---\napiVersion: batch/v1\nkind: CronJob\nmetadata: {name: b}\n---\nfoo: bar\n";
        let source = Source::new("t", text);
        let stream = parse(&source);
        let arena = PathArena::new();
        let r = recognise(stream.roots(), &arena);
        assert_eq!(r.objects.len(), 2);
        assert_eq!(r.other, 1);
        assert_eq!(r.objects[0].item, Some(0));
        assert_eq!(r.objects[1].kind, Kind::CronJob);
        assert_eq!(r.objects[1].document, 1);
        let spec = r.objects[1].job_spec();
        assert!(spec.is_none());
    }

    /// kubectl flattens a List inside a List; so does joblint, numbering items in document order.
    #[test]
    fn nested_lists_are_flattened() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n- apiVersion: v1\n  kind: List\n  items:\n  - apiVersion: batch/v1\n    kind: Job\n    metadata: {name: inner}\n  - apiVersion: v1\n    kind: JobList\n    items:\n    - apiVersion: batch/v1\n      kind: CronJob\n      metadata: {name: innermost}\n- apiVersion: batch/v1\n  kind: Job\n  metadata: {name: outer}\n";
        let source = Source::new("t", text);
        let stream = parse(&source);
        let arena = PathArena::new();
        let r = recognise(stream.roots(), &arena);
        let found: Vec<_> = r.objects.iter().map(|o| (o.name, o.item)).collect();
        assert_eq!(
            found,
            [
                (Some("inner"), Some(1)),
                (Some("innermost"), Some(2)),
                (Some("outer"), Some(3))
            ]
        );
        assert_eq!(r.other, 1);
    }

    #[test]
    fn missing_points_at_parent_key() {
        let text = "apiVersion: batch/v1\nkind: Job\nspec:\n  template: {}\n";
        let source = Source::new("t", text);
        let stream = parse(&source);
        let arena = PathArena::new();
        let r = recognise(stream.roots(), &arena);
        let spec = r.objects[0].job_spec().unwrap();
        let t = spec.missing("ttlSecondsAfterFinished");
        assert_eq!(t.path.to_string(), "spec.ttlSecondsAfterFinished");
        assert_eq!(&text[t.span], "spec");
    }
}
