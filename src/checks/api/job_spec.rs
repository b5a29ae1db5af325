//! Job spec fields validated by `validateJobSpec`: counts, completion mode and the Indexed
//! limits, managedBy, and the pod template's restartPolicy in the Job context.

use super::text::{
    NONNEGATIVE, dns1123_subdomain, invalid, not_supported, quote, required, too_long,
};
use super::{Int, JobSpecView, missing_target, served};
use crate::rule::{Ctx, Diagnostic};

const MAX_PARALLELISM_FOR_INDEXED_JOB: i64 = 100_000;
const MAX_FAILED_INDEXES_FOR_INDEXED_JOB: i64 = 100_000;
const COMPLETIONS_SOFT_LIMIT: i64 = 100_000;
const PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS: i64 = 10_000;
const MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS: i64 = 10_000;
const MAX_MANAGED_BY_LENGTH: usize = 63;

/// J11-J17: counts that must not be negative.
pub fn api_job_counts<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    if served(ctx).is_none() {
        return;
    }
    let view = JobSpecView::of(ctx);
    // The values after defaulting are what the server validates; a default is never negative,
    // so a negative value was written and is underlined where it stands.
    let read = |name: &'static str| Int::of(view.spec.as_ref(), name);
    for (name, value) in [
        ("parallelism", view.parallelism),
        ("completions", view.completions),
        ("activeDeadlineSeconds", read("activeDeadlineSeconds")),
        ("backoffLimit", view.backoff_limit),
        ("ttlSecondsAfterFinished", read("ttlSecondsAfterFinished")),
        ("backoffLimitPerIndex", view.backoff_limit_per_index),
        ("maxFailedIndexes", view.max_failed_indexes),
    ] {
        if let (Some(value), Some(field)) = (value.val(), view.child(name))
            && value < 0
        {
            out.push(Diagnostic::new(
                field.target(),
                invalid(&value.to_string(), NONNEGATIVE),
            ));
        }
    }
}

/// J18-J25: completionMode, Indexed Jobs, backoffLimitPerIndex and maxFailedIndexes.
pub fn api_indexed_job<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    if served(ctx).is_none() {
        return;
    }
    let view = JobSpecView::of(ctx);
    let Some(spec) = view.spec.clone() else {
        return;
    };
    let invalid_at = |name: &'static str, detail: &str, out: &mut Vec<Diagnostic<'a>>| {
        if let Some(field) = view.child(name) {
            out.push(Diagnostic::new(
                field.target(),
                invalid(&super::text::value(field.node), detail),
            ));
        }
    };
    // J18
    if view.max_failed_indexes.is_set() && !view.backoff_limit_per_index.is_set() {
        out.push(Diagnostic::new(
            missing_target(&spec, &["backoffLimitPerIndex"]),
            required("when maxFailedIndexes is specified"),
        ));
    }
    // J19
    if let Some(mode) = view.child("completionMode")
        && let Some(value) = mode.str()
        && value != "NonIndexed"
        && value != "Indexed"
    {
        out.push(Diagnostic::new(
            mode.target(),
            not_supported(&quote(value), &["NonIndexed", "Indexed"]),
        ));
    }
    if view.indexed() {
        // J20: only reachable when parallelism is set (a Job), or on a CronJob's template.
        if !view.completions.is_set() {
            out.push(Diagnostic::new(
                missing_target(&spec, &["completions"]),
                required("when completion mode is Indexed"),
            ));
        }
        let completions = view.completions.val();
        let parallelism = view.parallelism.val();
        let max_failed = view.max_failed_indexes.val();
        if parallelism.is_some_and(|p| p > MAX_PARALLELISM_FOR_INDEXED_JOB) {
            let msg = format!(
                "must be less than or equal to {MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed"
            );
            invalid_at("parallelism", &msg, out);
        }
        if let (Some(c), Some(m)) = (completions, max_failed)
            && m > c
        {
            invalid_at(
                "maxFailedIndexes",
                "must be less than or equal to completions",
                out,
            );
        }
        if max_failed.is_some_and(|m| m > MAX_FAILED_INDEXES_FOR_INDEXED_JOB) {
            let msg = format!("must be less than or equal to {MAX_FAILED_INDEXES_FOR_INDEXED_JOB}");
            invalid_at("maxFailedIndexes", &msg, out);
        }
        if completions.is_some_and(|c| c > COMPLETIONS_SOFT_LIMIT)
            && view.backoff_limit_per_index.is_set()
        {
            if !view.max_failed_indexes.is_set() {
                out.push(Diagnostic::new(
                    missing_target(&spec, &["maxFailedIndexes"]),
                    required(&format!(
                        "must be specified when completions is above {COMPLETIONS_SOFT_LIMIT}"
                    )),
                ));
            }
            if parallelism.is_some_and(|p| p > PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS) {
                let msg = format!(
                    "must be less than or equal to {PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS} when completions are above {COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index"
                );
                invalid_at("parallelism", &msg, out);
            }
            if max_failed.is_some_and(|m| m > MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS) {
                let msg = format!(
                    "must be less than or equal to {MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS} when completions are above {COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index"
                );
                invalid_at("maxFailedIndexes", &msg, out);
            }
        }
    }
    // J25
    if view.completion_mode.is_none_or(|m| m == "NonIndexed") {
        for name in ["backoffLimitPerIndex", "maxFailedIndexes"] {
            invalid_at(name, "requires indexed completion mode", out);
        }
    }
}

/// J26: managedBy is a domain-prefixed path of at most 63 characters.
pub fn api_managed_by<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    if served(ctx).is_none() {
        return;
    }
    let view = JobSpecView::of(ctx);
    let Some(field) = view.child("managedBy") else {
        return;
    };
    let Some(value) = field.str() else { return };
    let target = field.target();
    if value.is_empty() {
        out.push(Diagnostic::new(target, required("")));
        return;
    }
    match value.split_once('/') {
        Some((host, path)) if !host.is_empty() && !path.is_empty() => {
            for msg in dns1123_subdomain(host) {
                out.push(Diagnostic::new(target.clone(), invalid(&quote(host), &msg)));
            }
            let path_ok = path
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/-._~%!$&'()*+,;=:".contains(&b));
            if !path_ok {
                out.push(Diagnostic::new(
                    target.clone(),
                    invalid(
                        &quote(path),
                        "Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')",
                    ),
                ));
            }
        }
        _ => out.push(Diagnostic::new(
            target.clone(),
            invalid(
                &quote(value),
                "must be a domain-prefixed path (such as \"acme.io/foo\")",
            ),
        )),
    }
    if value.len() > MAX_MANAGED_BY_LENGTH {
        out.push(Diagnostic::new(target, too_long(MAX_MANAGED_BY_LENGTH)));
    }
}

/// J41, J42, J34 and P8: the pod template's restartPolicy, after defaulting "" to Always.
pub fn api_restart_policy<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some(object) = served(ctx) else { return };
    let view = JobSpecView::of(ctx);
    let field = object
        .pod_spec()
        .and_then(|p| p.child_some("restartPolicy"));
    if field.as_ref().is_some_and(|f| f.str().is_none()) {
        return; // a type error: the decoder rejects it first
    }
    let target = match &field {
        Some(f) => f.target(),
        None => {
            let mut names: Vec<&str> = match object.kind {
                crate::object::Kind::Job => vec!["spec"],
                crate::object::Kind::CronJob => vec!["spec", "jobTemplate", "spec"],
            };
            names.extend(["template", "spec", "restartPolicy"]);
            missing_target(&object.root_field(), &names)
        }
    };
    let written = field.as_ref().and_then(|f| f.str()).unwrap_or("");
    match view.restart_policy {
        "Always" => {
            let why = if written.is_empty() {
                "restartPolicy is unset, so it defaults to Always"
            } else {
                "restartPolicy is Always"
            };
            out.push(Diagnostic::new(
                target,
                format!(
                    "{} ({why})",
                    required("valid values: \"OnFailure\", \"Never\"")
                ),
            ));
        }
        "OnFailure" | "Never" => {
            if view.has_pod_failure_policy && view.restart_policy != "Never" {
                out.push(Diagnostic::new(
                    target,
                    invalid(
                        &quote(view.restart_policy),
                        "only \"Never\" is supported when podFailurePolicy is specified",
                    ),
                ));
            }
        }
        other => {
            out.push(Diagnostic::new(
                target.clone(),
                not_supported(&quote(other), &["OnFailure", "Never"]),
            ));
            out.push(Diagnostic::new(
                target,
                not_supported(&quote(other), &["Always", "OnFailure", "Never"]),
            ));
        }
    }
}
