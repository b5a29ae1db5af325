//! Object metadata (`ValidateObjectMeta`), the names the Job controller derives from it, and
//! label/annotation maps (`ValidateLabels`, `ValidateAnnotations`).

use super::text::{
    dns1123_label, dns1123_subdomain, invalid, label_value, qualified_name, quote, required,
    too_long,
};
use super::{JobSpecView, missing_target, served};
use crate::object::{Field, Kind, Target};
use crate::path::FieldPath;
use crate::rule::{Ctx, Diagnostic};

/// The generated template labels that carry the Job's name (`generateSelector`).
const JOB_NAME_LABELS: [&str; 2] = ["job-name", "batch.kubernetes.io/job-name"];
/// `DNS1035LabelMaxLength - 11`: room for the suffix of the Jobs a CronJob creates.
const CRONJOB_NAME_MAX: usize = 52;
/// `TotalAnnotationSizeLimitB`.
const ANNOTATIONS_MAX_BYTES: usize = 256 * 1024;

/// J1-J3, J5, J6, C1, C2: metadata.name, generateName and namespace.
pub fn api_object_name<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some(object) = served(ctx) else { return };
    let root = object.root_field();
    let meta = root.child_some("metadata");
    let child = |name: &'static str| meta.as_ref().and_then(|m| m.child_some(name));
    let generate_name = child("generateName").filter(|f| f.str().is_some_and(|s| !s.is_empty()));
    if let Some(field) = &generate_name {
        let prefix = mask_trailing_dash(field.str().unwrap_or_default());
        for msg in dns1123_subdomain(&prefix) {
            out.push(Diagnostic::new(
                field.target(),
                invalid(&super::text::value(field.node), &msg),
            ));
        }
    }
    if let Some(ns) = child("namespace")
        && let Some(value) = ns.str().filter(|s| !s.is_empty())
    {
        for msg in dns1123_label(value) {
            out.push(Diagnostic::new(ns.target(), invalid(&quote(value), &msg)));
        }
    }
    let name_field = child("name");
    let name = name_field
        .as_ref()
        .and_then(|f| f.str())
        .filter(|s| !s.is_empty());
    let Some(name) = name else {
        if generate_name.is_none() {
            let target = match &name_field {
                Some(f) => f.target(),
                None => missing_target(&root, &["metadata", "name"]),
            };
            out.push(Diagnostic::new(
                target,
                required("name or generateName is required"),
            ));
        }
        return;
    };
    let name_field = name_field.unwrap_or_else(|| root.clone());
    let shown = quote(name);
    for msg in dns1123_subdomain(name) {
        out.push(Diagnostic::new(name_field.target(), invalid(&shown, &msg)));
    }
    match object.kind {
        Kind::CronJob => {
            if name.len() > CRONJOB_NAME_MAX {
                let msg = format!("must be no more than {CRONJOB_NAME_MAX} characters");
                out.push(
                    Diagnostic::new(name_field.target(), invalid(&shown, &msg)).help(
                        "shorten the name to 52 characters: the CronJob controller appends an 11-character suffix to name each Job",
                    ),
                );
            }
        }
        Kind::Job => {
            let view = JobSpecView::of(ctx);
            job_name_labels(object, view, name, &name_field, out);
            if let (true, Some(completions)) = (view.indexed(), view.completions.val())
                && completions > 0
            {
                let pod_name = format!("{name}-{}", completions - 1);
                if !dns1123_label(&pod_name).is_empty() {
                    let msg =
                        format!("will not able to create pod with invalid DNS label: {pod_name}");
                    out.push(Diagnostic::new(name_field.target(), invalid(&shown, &msg)));
                }
            }
        }
    }
}

/// J5: `generateSelector` copies the name into the template's job-name labels (unless the user
/// set them, or `manualSelector` is true), and label values are at most 63 characters.
fn job_name_labels<'a>(
    object: &crate::object::Object<'a>,
    view: &JobSpecView<'_>,
    name: &str,
    name_field: &Field<'a>,
    out: &mut Vec<Diagnostic<'a>>,
) {
    if view.manual_selector {
        return;
    }
    let template_labels = object
        .pod_template()
        .and_then(|t| t.child_some("metadata"))
        .and_then(|m| m.child_some("labels"));
    let arena = object.arena;
    let path = object
        .job_spec_path()
        .field(arena, "template")
        .field(arena, "labels");
    for key in JOB_NAME_LABELS {
        if template_labels
            .as_ref()
            .is_some_and(|l| l.child(key).is_some())
        {
            continue;
        }
        for msg in label_value(name) {
            let target = Target {
                path,
                span: name_field.node.span.clone(),
            };
            out.push(
                Diagnostic::new(target, invalid(&quote(name), &msg))
                    .help(format!("the Job controller sets the pod template label `{key}` to the Job's name, and label values are at most 63 characters: shorten the name")),
            );
        }
    }
}

/// `NameIsDNSSubdomain(prefix = true)`: a trailing '-' of generateName is allowed.
fn mask_trailing_dash(name: &str) -> String {
    match name.strip_suffix('-') {
        Some(rest) if name.len() > 1 => format!("{rest}a"),
        _ => name.to_owned(),
    }
}

/// J4, P1, P2: labels and annotations of the object and of its pod template.
pub fn api_labels_annotations<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some(object) = served(ctx) else { return };
    let root = object.root_field();
    if let Some(meta) = root.child_some("metadata") {
        if let Some(labels) = meta.child_some("labels") {
            validate_labels(&labels, labels.path, out);
        }
        if let Some(annotations) = meta.child_some("annotations") {
            validate_annotations(&annotations, annotations.path, out);
        }
    }
    // The pod template's errors name `template.labels`, not `template.metadata.labels`.
    if let Some(template) = object.pod_template()
        && let Some(meta) = template.child_some("metadata")
    {
        if let Some(labels) = meta.child_some("labels") {
            let path = template.path.field(template.arena, "labels");
            validate_labels(&labels, path, out);
        }
        if let Some(annotations) = meta.child_some("annotations") {
            let path = template.path.field(template.arena, "annotations");
            validate_annotations(&annotations, path, out);
        }
    }
}

/// `ValidateLabels`: every error is reported on the map's path (no `[key]`), underlining the
/// offending key or value.
pub(super) fn validate_labels<'a>(
    labels: &Field<'a>,
    path: FieldPath<'a>,
    out: &mut Vec<Diagnostic<'a>>,
) {
    for (key, field) in labels.entries() {
        let key_span = field
            .key
            .map_or_else(|| field.node.span.clone(), |k| k.span.clone());
        for msg in qualified_name(&key) {
            let target = Target {
                path,
                span: key_span.clone(),
            };
            out.push(Diagnostic::new(target, invalid(&quote(&key), &msg)));
        }
        if let Some(value) = field.str() {
            for msg in label_value(value) {
                let target = Target {
                    path,
                    span: field.node.span.clone(),
                };
                out.push(Diagnostic::new(target, invalid(&quote(value), &msg)));
            }
        }
    }
}

/// `ValidateAnnotations`: qualified-name keys (checked lowercased) and a total size limit.
fn validate_annotations<'a>(
    annotations: &Field<'a>,
    path: FieldPath<'a>,
    out: &mut Vec<Diagnostic<'a>>,
) {
    let mut total = 0usize;
    for (key, field) in annotations.entries() {
        let key_span = field
            .key
            .map_or_else(|| field.node.span.clone(), |k| k.span.clone());
        for msg in qualified_name(&key.to_lowercase()) {
            let target = Target {
                path,
                span: key_span.clone(),
            };
            out.push(Diagnostic::new(target, invalid(&quote(&key), &msg)));
        }
        total = total
            .saturating_add(key.len())
            .saturating_add(field.str().map_or(0, str::len));
    }
    if total > ANNOTATIONS_MAX_BYTES {
        let target = Target {
            path,
            span: annotations.node.span.clone(),
        };
        out.push(Diagnostic::new(
            target,
            format!(
                "{} (the annotations take {total} bytes)",
                too_long(ANNOTATIONS_MAX_BYTES)
            ),
        ));
    }
}
