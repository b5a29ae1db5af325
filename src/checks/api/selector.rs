//! `spec.selector`, `manualSelector` and the labels the Job controller generates
//! (`generateSelector` in the Job strategy, `validateGeneratedSelector`, `ValidateJobSpec`).

use std::collections::BTreeMap;

use super::meta::validate_labels;
use super::text::{
    forbidden, invalid, label_value, not_supported, qualified_name, quote, required,
};
use super::{JobSpecView, missing_target, served};
use crate::object::{Field, Kind, Object, Target};
use crate::rule::{Ctx, Diagnostic};

/// Stands for the uid the server assigns on create: no value a user writes equals it.
const UID: &str = "\u{0}<uid>";
const UID_LABELS: [&str; 2] = ["controller-uid", "batch.kubernetes.io/controller-uid"];
const NAME_LABELS: [&str; 2] = ["job-name", "batch.kubernetes.io/job-name"];
const SELECTOR_UID_KEY: &str = "batch.kubernetes.io/controller-uid";
/// The help for a Job whose generated selector and labels hold its own `metadata.uid`.
const EXPORTED: &str = "this Job was copied from a cluster (`kubectl get -o yaml`): its generated selector and labels hold the old Job's uid, and a new Job gets a new one; remove `spec.selector` and the `controller-uid`, `batch.kubernetes.io/controller-uid`, `job-name` and `batch.kubernetes.io/job-name` pod labels";

/// J7-J10 (Job), C10, C11 (CronJob).
pub fn api_selector<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some(object) = served(ctx) else { return };
    let view = JobSpecView::of(ctx);
    match object.kind {
        Kind::CronJob => cronjob_selector(view, out),
        Kind::Job => job_selector(object, view, out),
    }
}

fn cronjob_selector<'a>(view: &JobSpecView<'a>, out: &mut Vec<Diagnostic<'a>>) {
    if let Some(selector) = view.child("selector") {
        let value = selector.node.to_json().to_string();
        out.push(Diagnostic::new(
            selector.target(),
            invalid(&value, "`selector` will be auto-generated"),
        ));
    }
    if let Some(manual) = view.child("manualSelector")
        && manual.node.as_bool() == Some(true)
    {
        out.push(Diagnostic::new(
            manual.target(),
            not_supported("true", &["nil", "false"]),
        ));
    }
}

fn job_selector<'a>(object: &Object<'a>, view: &JobSpecView<'a>, out: &mut Vec<Diagnostic<'a>>) {
    let root = object.root_field();
    let name = object.name.filter(|n| !n.is_empty());
    // A Job read back from a cluster carries the uid its generated selector and labels hold.
    let own_uid = root
        .node
        .get_path(&["metadata", "uid"])
        .and_then(|u| u.as_str())
        .filter(|u| !u.is_empty());
    let template_meta = object.pod_template().and_then(|t| t.child_some("metadata"));
    let labels_field = template_meta.as_ref().and_then(|m| m.child_some("labels"));
    let user_labels: BTreeMap<String, (String, Field<'_>)> = labels_field
        .as_ref()
        .map(|l| l.entries())
        .unwrap_or_default()
        .into_iter()
        .map(|(k, f)| {
            let v = f.str().map(str::to_owned).unwrap_or_default();
            (k, (v, f))
        })
        .collect();
    let selector_field = view.child("selector");
    let syntax_ok = match &selector_field {
        Some(s) => validate_selector(s, out),
        None => true,
    };
    let user_selector = match (&selector_field, syntax_ok) {
        (Some(s), true) => Some(Selector::parse(s)),
        _ => None,
    };

    let mut labels: BTreeMap<String, String> = user_labels
        .iter()
        .map(|(k, (v, _))| (k.clone(), v.clone()))
        .collect();
    let selector = if view.manual_selector {
        if selector_field.is_none() {
            let target = missing_target(&root, &["spec", "selector"]);
            out.push(Diagnostic::new(target, required("")).help(
                "with `manualSelector: true` the Job needs a selector that matches its pod template labels",
            ));
        }
        user_selector
    } else {
        // generateSelector: fill in the job-name and controller-uid labels and the uid term.
        let name_value = name.unwrap_or(UID);
        for key in NAME_LABELS {
            labels
                .entry(key.to_owned())
                .or_insert_with(|| name_value.to_owned());
        }
        for key in UID_LABELS {
            labels
                .entry(key.to_owned())
                .or_insert_with(|| UID.to_owned());
        }
        // J7a: user-written generated labels must hold what the controller would have set.
        for (key, expected) in NAME_LABELS
            .iter()
            .map(|k| (k, name))
            .chain(UID_LABELS.iter().map(|k| (k, Some(UID))))
        {
            let Some((value, field)) = user_labels.get(*key) else {
                continue;
            };
            let detail = match expected {
                Some(UID) => {
                    "must be '<uid>' (the uid the server assigns to the new Job)".to_owned()
                }
                Some(expected) if value != expected => format!("must be '{expected}'"),
                _ => continue,
            };
            let mut target = field.target();
            let arena = object.arena;
            target.path = object
                .job_spec_path()
                .field(arena, "template")
                .field(arena, "metadata")
                .field(arena, "labels")
                .key(arena, arena.alloc_str(key));
            let diagnostic = Diagnostic::new(target, invalid(&quote(value), &detail));
            out.push(match own_uid == Some(value.as_str()) {
                true => diagnostic.help(EXPORTED),
                false => diagnostic,
            });
        }
        let generated = user_selector.map(|mut s| {
            if !s.terms.iter().any(|t| t.is_match_label(SELECTOR_UID_KEY)) {
                s.terms
                    .push(Term::Eq(SELECTOR_UID_KEY.to_owned(), UID.to_owned()));
            }
            s
        });
        // J7b: the selector must select exactly what the controller generates.
        if let (Some(sel), Some(field)) = (&generated, &selector_field) {
            let mut expected = BTreeMap::new();
            for key in UID_LABELS {
                expected.insert(key.to_owned(), UID.to_owned());
            }
            for key in NAME_LABELS {
                expected.insert(key.to_owned(), name.unwrap_or(UID).to_owned());
            }
            if !sel.matches(&expected) {
                let exported = own_uid.is_some_and(|uid| {
                    sel.terms
                        .iter()
                        .any(|t| matches!(t, Term::Eq(k, v) if k == SELECTOR_UID_KEY && v == uid))
                });
                out.push(
                    Diagnostic::new(
                        field.target(),
                        invalid(&field.node.to_json().to_string(), "`selector` not auto-generated"),
                    )
                    .help(match exported {
                        true => EXPORTED,
                        false => "remove `spec.selector` (the Job controller generates it), or set `manualSelector: true`",
                    }),
                );
            }
        }
        generated.or_else(|| {
            syntax_ok.then(|| Selector {
                terms: vec![Term::Eq(SELECTOR_UID_KEY.to_owned(), UID.to_owned())],
            })
        })
    };
    // J10: a nil selector matches nothing.
    let matches = match &selector {
        Some(s) => s.matches(&labels),
        None => !syntax_ok,
    };
    if !matches {
        let arena = object.arena;
        let path = object
            .job_spec_path()
            .field(arena, "template")
            .field(arena, "metadata")
            .field(arena, "labels");
        let (span, value) = match &labels_field {
            Some(f) => (f.node.span.clone(), f.node.to_json().to_string()),
            None => (
                missing_target(&root, &["spec", "template", "metadata", "labels"]).span,
                "null".to_owned(),
            ),
        };
        let mut diag = Diagnostic::new(
            Target { path, span },
            invalid(&value, "`selector` does not match template `labels`"),
        );
        if let Some(s) = &selector_field {
            diag = diag.label(s.target(), "the selector");
        }
        out.push(diag);
    }
}

/// `ValidateLabelSelector`; true when the selector is well-formed.
fn validate_selector<'a>(selector: &Field<'a>, out: &mut Vec<Diagnostic<'a>>) -> bool {
    let before = out.len();
    if let Some(ml) = selector.child_some("matchLabels") {
        validate_labels(&ml, ml.path, out);
    }
    if let Some(exprs) = selector.child_some("matchExpressions") {
        for expr in exprs.items() {
            let values = expr
                .child_some("values")
                .map(|v| v.items())
                .unwrap_or_default();
            let operator = expr.child_some("operator");
            let op = operator.as_ref().and_then(|o| o.str()).unwrap_or("");
            match op {
                "In" | "NotIn" if values.is_empty() => out.push(Diagnostic::new(
                    missing_target(&expr, &["values"]),
                    required("must be specified when `operator` is 'In' or 'NotIn'"),
                )),
                "Exists" | "DoesNotExist" if !values.is_empty() => {
                    let target = expr
                        .child("values")
                        .map_or_else(|| expr.target(), |f| f.target());
                    out.push(Diagnostic::new(
                        target,
                        forbidden(
                            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                        ),
                    ));
                }
                "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
                other => {
                    let target = operator
                        .as_ref()
                        .map_or_else(|| missing_target(&expr, &["operator"]), Field::target);
                    out.push(Diagnostic::new(
                        target,
                        invalid(&quote(other), "not a valid selector operator"),
                    ));
                }
            }
            let key_field = expr.child_some("key");
            let key = key_field.as_ref().and_then(|k| k.str()).unwrap_or("");
            for msg in qualified_name(key) {
                let target = key_field
                    .as_ref()
                    .map_or_else(|| missing_target(&expr, &["key"]), Field::target);
                out.push(Diagnostic::new(target, invalid(&quote(key), &msg)));
            }
            for value in &values {
                if let Some(v) = value.str() {
                    for msg in label_value(v) {
                        out.push(Diagnostic::new(value.target(), invalid(&quote(v), &msg)));
                    }
                }
            }
        }
    }
    out.len() == before
}

/// A label selector, as `metav1.LabelSelectorAsSelector` builds it.
struct Selector {
    terms: Vec<Term>,
}

enum Term {
    Eq(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

impl Term {
    fn is_match_label(&self, key: &str) -> bool {
        matches!(self, Term::Eq(k, _) if k == key)
    }

    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        match self {
            Term::Eq(k, v) => labels.get(k) == Some(v),
            Term::In(k, vs) => labels.get(k).is_some_and(|v| vs.contains(v)),
            Term::NotIn(k, vs) => labels.get(k).is_none_or(|v| !vs.contains(v)),
            Term::Exists(k) => labels.contains_key(k),
            Term::DoesNotExist(k) => !labels.contains_key(k),
        }
    }
}

impl Selector {
    /// A well-formed selector (checked by [`validate_selector`] first).
    fn parse(field: &Field<'_>) -> Selector {
        let mut terms = Vec::new();
        if let Some(ml) = field.child_some("matchLabels") {
            for (k, v) in ml.entries() {
                terms.push(Term::Eq(k, v.str().unwrap_or_default().to_owned()));
            }
        }
        if let Some(exprs) = field.child_some("matchExpressions") {
            for expr in exprs.items() {
                let key = expr
                    .child_some("key")
                    .and_then(|k| k.str().map(str::to_owned))
                    .unwrap_or_default();
                let values: Vec<String> = expr
                    .child_some("values")
                    .map(|v| v.items())
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|v| v.str().map(str::to_owned))
                    .collect();
                match expr.child_some("operator").and_then(|o| o.str()) {
                    Some("In") => terms.push(Term::In(key, values)),
                    Some("NotIn") => terms.push(Term::NotIn(key, values)),
                    Some("Exists") => terms.push(Term::Exists(key)),
                    _ => terms.push(Term::DoesNotExist(key)),
                }
            }
        }
        Selector { terms }
    }

    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.terms.iter().all(|t| t.matches(labels))
    }
}
