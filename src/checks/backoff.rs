//! backoffLimit and backoffLimitPerIndex: how often failed pods are retried.

use super::common::{Retries, idempotence, int_field, retries};
use crate::object::Kind;
use crate::rule::{Ctx, Diagnostic};

/// Neither backoffLimit nor backoffLimitPerIndex: the default of 6 retries applies.
pub fn backoff_limit_implicit<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some(job_spec) = ctx.object.job_spec() else {
        return;
    };
    if job_spec.child_some("backoffLimit").is_some()
        || job_spec.child_some("backoffLimitPerIndex").is_some()
    {
        return;
    }
    out.push(Diagnostic::new(
        job_spec.missing("backoffLimit"),
        "backoffLimit is not set, so a failing pod is retried up to 6 times",
    ));
}

/// backoffLimit (or backoffLimitPerIndex) above `max` with no activeDeadlineSeconds to bound it.
pub fn backoff_limit_too_high<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some(job_spec) = ctx.object.job_spec() else {
        return;
    };
    if job_spec.child_some("activeDeadlineSeconds").is_some() {
        return;
    }
    let max = ctx.param_i64("max");
    for name in ["backoffLimit", "backoffLimitPerIndex"] {
        let Some((value, field)) = int_field(&job_spec, name) else {
            continue;
        };
        if value > max {
            out.push(Diagnostic::new(
                field.target(),
                format!(
                    "{name} {value} is above {max} and no activeDeadlineSeconds bounds the retries: their back-off delays alone add up to {}",
                    human_duration(backoff_seconds(value))
                ),
            ));
        }
    }
}

/// A Job (or CronJob) declared `joblint.dev/idempotent: "false"` that still retries, or a CronJob
/// so declared whose runs may overlap or be cut short.
pub fn retry_not_idempotent<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some((false, annotation)) = idempotence(ctx.object) else {
        return;
    };
    let kind = ctx.object.kind.as_str();
    if let Some(r) = ctx.object.job_spec().as_ref().and_then(retries)
        && r.count > 0
    {
        out.push(
            Diagnostic::new(
                r.target.clone(),
                format!(
                    "the {kind} is declared not idempotent, yet {} lets a failed pod run its work again",
                    r
                ),
            )
            .label(annotation.target(), "declared not safe to repeat here")
            .help(retry_help(&r)),
        );
    }
    if ctx.object.kind != Kind::CronJob {
        return;
    }
    let Some(spec) = ctx.object.root_field().child("spec") else {
        return;
    };
    let (target, message) = match spec.child_some("concurrencyPolicy") {
        None => (
            spec.missing("concurrencyPolicy"),
            "the CronJob is declared not idempotent, yet concurrencyPolicy is not set, so it defaults to Allow and runs can overlap".to_owned(),
        ),
        Some(field) => match field.str() {
            Some("Allow") => (
                field.target(),
                "the CronJob is declared not idempotent, yet concurrencyPolicy Allow lets runs overlap".to_owned(),
            ),
            Some("Replace") => (
                field.target(),
                "the CronJob is declared not idempotent, yet concurrencyPolicy Replace stops a running Job midway and starts its work again".to_owned(),
            ),
            _ => return,
        },
    };
    out.push(
        Diagnostic::new(target, message)
            .label(annotation.target(), "declared not safe to repeat here")
            .help("Set `concurrencyPolicy: Forbid`, so that a run never starts while another is active."),
    );
}

fn retry_help(r: &Retries) -> String {
    match r.field {
        Some("backoffLimitPerIndex") => "Set `backoffLimitPerIndex: 0`, or make the work idempotent and declare `joblint.dev/idempotent: \"true\"`.".to_owned(),
        _ => "Set `backoffLimit: 0`, or make the work idempotent and declare `joblint.dev/idempotent: \"true\"`.".to_owned(),
    }
}

/// Retries on a Job that does not declare whether its work may run twice.
pub fn retries_without_idempotency<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    if idempotence(ctx.object).is_some() {
        return;
    }
    let Some(r) = ctx.object.job_spec().as_ref().and_then(retries) else {
        return;
    };
    if r.count > 0 {
        out.push(Diagnostic::new(
            r.target.clone(),
            format!(
                "{} retries failed pods, but the {} does not declare whether its work is safe to run twice",
                r,
                ctx.object.kind.as_str()
            ),
        ));
    }
}

/// Sum of the controller's back-off delays before `retries` retries: 10 s, doubling, capped at
/// 6 minutes.
fn backoff_seconds(retries: i64) -> i64 {
    let doubling: i64 = (0..retries.clamp(0, 6))
        .map(|i| (10_i64 << i).min(360))
        .sum();
    doubling.saturating_add((retries - 6).max(0).saturating_mul(360))
}

fn human_duration(seconds: i64) -> String {
    let (h, m) = (seconds / 3600, seconds % 3600 / 60);
    match (h, m) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_delays_double_then_cap() {
        assert_eq!(backoff_seconds(1), 10);
        assert_eq!(backoff_seconds(6), 10 + 20 + 40 + 80 + 160 + 320);
        assert_eq!(backoff_seconds(7), 630 + 360);
        assert_eq!(backoff_seconds(-3), 0);
        assert_eq!(human_duration(backoff_seconds(20)), "1 h 34 min");
        assert_eq!(backoff_seconds(i64::MAX), i64::MAX);
        assert_eq!(human_duration(120), "2 min");
    }

    use crate::checks::common::testing::run;
    use serde_json::json;

    const FALSE_JOB: &str = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n  annotations:\n    joblint.dev/idempotent: \"false\"\nspec:\n  template: {}\n";

    #[test]
    fn implicit_retries_count_against_a_non_idempotent_job() {
        assert_eq!(
            run(retry_not_idempotent, FALSE_JOB, &[]),
            [
                "spec.backoffLimit: the Job is declared not idempotent, yet the default backoffLimit of 6 lets a failed pod run its work again"
            ]
        );
        let per_index = FALSE_JOB.replace(
            "  template: {}",
            "  backoffLimitPerIndex: 0\n  completionMode: Indexed\n  template: {}",
        );
        assert!(run(retry_not_idempotent, &per_index, &[]).is_empty());
    }

    #[test]
    fn cronjob_overlap_on_a_non_idempotent_cronjob() {
        let cj = |policy: &str| {
            format!(
                "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\n  annotations:\n    joblint.dev/idempotent: \"false\"\nspec:\n  schedule: \"0 1 * * *\"\n{policy}  jobTemplate:\n    spec:\n      backoffLimit: 0\n      template: {{}}\n"
            )
        };
        assert!(
            run(
                retry_not_idempotent,
                &cj("  concurrencyPolicy: Forbid\n"),
                &[]
            )
            .is_empty()
        );
        assert_eq!(
            run(
                retry_not_idempotent,
                &cj("  concurrencyPolicy: Replace\n"),
                &[]
            ),
            [
                "spec.concurrencyPolicy: the CronJob is declared not idempotent, yet concurrencyPolicy Replace stops a running Job midway and starts its work again"
            ]
        );
        assert_eq!(run(retry_not_idempotent, &cj(""), &[]).len(), 1);
    }

    #[test]
    fn the_declaration_is_read_from_the_object_not_its_template() {
        let cj = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n  schedule: \"0 1 * * *\"\n  jobTemplate:\n    metadata:\n      annotations:\n        joblint.dev/idempotent: \"false\"\n    spec:\n      backoffLimit: 2\n      template: {}\n";
        assert!(run(retry_not_idempotent, cj, &[]).is_empty());
        assert_eq!(
            run(retries_without_idempotency, cj, &[]),
            [
                "spec.jobTemplate.spec.backoffLimit: backoffLimit 2 retries failed pods, but the CronJob does not declare whether its work is safe to run twice"
            ]
        );
        let declared_true = FALSE_JOB.replace("\"false\"", "\"true\"");
        assert!(run(retries_without_idempotency, &declared_true, &[]).is_empty());
    }

    #[test]
    fn per_index_limits_are_bounded_too() {
        let job = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n  completionMode: Indexed\n  backoffLimitPerIndex: 20\n  template: {}\n";
        let found = run(backoff_limit_too_high, job, &[("max", json!(10))]);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].starts_with("spec.backoffLimitPerIndex: backoffLimitPerIndex 20 is above 10"),
            "{found:?}"
        );
        assert!(run(backoff_limit_too_high, job, &[("max", json!(30))]).is_empty());
        assert!(run(backoff_limit_implicit, job, &[]).is_empty());
    }
}
