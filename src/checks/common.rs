//! What several checks need to know about an object: its declared retry safety, whether Helm or
//! Argo CD runs it as a hook, who owns it, and how often a failed pod is retried.

use crate::object::{Field, Object, Target};

/// The annotation that declares whether the work may safely run more than once.
pub const IDEMPOTENT: &str = "joblint.dev/idempotent";

pub const HELM_HOOK: &str = "helm.sh/hook";
pub const HELM_HOOK_DELETE_POLICY: &str = "helm.sh/hook-delete-policy";
pub const ARGO_HOOK: &str = "argocd.argoproj.io/hook";

/// The Job's default `backoffLimit`.
pub const DEFAULT_BACKOFF_LIMIT: i64 = 6;

/// An entry of the object's own `metadata.annotations`, with its `[key]` path (the last one when
/// a key repeats).
pub fn annotation<'a>(object: &Object<'a>, key: &str) -> Option<Field<'a>> {
    object.annotations()?.map_entry(key)
}

/// `joblint.dev/idempotent` as declared on the object: `Some(true)` for `"true"`, `Some(false)`
/// for `"false"`, with the annotation's place; `None` when absent or anything else.
pub fn idempotence<'a>(object: &Object<'a>) -> Option<(bool, Field<'a>)> {
    let field = annotation(object, IDEMPOTENT)?;
    match field.str()? {
        "true" => Some((true, field)),
        "false" => Some((false, field)),
        _ => None,
    }
}

/// True when Helm or Argo CD runs the object as a hook (Argo CD also honours Helm's hook
/// annotation). Both tools delete the previous hook object before creating the next one unless
/// told otherwise (`before-hook-creation` / `BeforeHookCreation` is their default policy).
pub fn is_hook(object: &Object<'_>) -> bool {
    object.annotation(HELM_HOOK).is_some() || object.annotation(ARGO_HOOK).is_some()
}

/// True when `metadata.ownerReferences` names an owner: a live object created by a CronJob or
/// another controller, which cleans it up and re-creates it on its own terms.
pub fn has_owner(object: &Object<'_>) -> bool {
    object
        .root
        .get_path(&["metadata", "ownerReferences"])
        .and_then(|o| o.as_seq())
        .is_some_and(|refs| !refs.is_empty())
}

/// How many times a failed pod is retried, and where that is decided.
pub struct Retries<'a> {
    /// Retries allowed (per index with `backoffLimitPerIndex`).
    pub count: i64,
    /// The field that sets it; for the implicit default, the missing `backoffLimit`.
    pub target: Target<'a>,
    /// The field's name, or `None` for the implicit default.
    pub field: Option<&'static str>,
}

/// The setting as a phrase for messages: "backoffLimit 3", "the default backoffLimit of 6".
impl std::fmt::Display for Retries<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.field {
            Some(name) => write!(f, "{name} {}", self.count),
            None => write!(f, "the default backoffLimit of {DEFAULT_BACKOFF_LIMIT}"),
        }
    }
}

/// The retries of a Job spec: `backoffLimitPerIndex` when set (it governs Indexed Jobs), else
/// `backoffLimit`, else the default of 6. `None` when the value is not an integer (a type error
/// that other rules report).
pub fn retries<'a>(job_spec: &Field<'a>) -> Option<Retries<'a>> {
    for name in ["backoffLimitPerIndex", "backoffLimit"] {
        if let Some(field) = job_spec.child_some(name) {
            return Some(Retries {
                count: field.i64()?,
                target: field.target(),
                field: Some(name),
            });
        }
    }
    Some(Retries {
        count: DEFAULT_BACKOFF_LIMIT,
        target: job_spec.missing("backoffLimit"),
        field: None,
    })
}

/// An integer field of `parent`, when present and an integer.
pub fn int_field<'a>(parent: &Field<'a>, name: &'static str) -> Option<(i64, Field<'a>)> {
    let field = parent.child_some(name)?;
    Some((field.i64()?, field))
}

/// A container's name for messages: `` `name` ``, or its position when it has none.
pub fn container_name(container: &Field<'_>) -> String {
    match container.node.get("name").and_then(|n| n.as_str()) {
        Some(name) => format!("`{name}`"),
        None => format!("at {}", container.path),
    }
}

#[cfg(test)]
pub mod testing {
    //! Runs one check over a manifest, for the checks' own edge-case tests.

    use std::collections::BTreeMap;

    use crate::checks::CheckFn;
    use crate::config::KubeVersion;
    use crate::object::recognise;
    use crate::rule::Ctx;
    use crate::source::Source;
    use crate::yaml::parse;

    /// `path: message` of each diagnostic of `check` over every object in `text`.
    pub fn run(check: CheckFn, text: &str, params: &[(&str, serde_json::Value)]) -> Vec<String> {
        let source = Source::new("test.yaml", text);
        let stream = parse(&source);
        assert!(stream.error.is_none(), "{:?}", stream.error);
        let params: BTreeMap<String, serde_json::Value> = params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        let arena = crate::path::PathArena::new();
        let catalog = crate::rule::Catalog::builtin().expect("built-in rules load");
        let comments = crate::lint::IgnoreComments::scan(&source, &stream.documents);
        let mut out = Vec::new();
        for object in &recognise(stream.roots(), &arena).objects {
            let ctx = Ctx {
                object,
                catalog: &catalog,
                params: &params,
                kube_version: KubeVersion::default(),
                source: &source,
                memo: &crate::rule::Memo::default(),
                suppressions: &crate::lint::SuppressionUse::none(&comments),
            };
            check(&ctx, &mut out);
        }
        out.into_iter()
            .map(|d| format!("{}: {}", d.target.path, d.message))
            .collect()
    }
}
