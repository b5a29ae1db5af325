//! backoffLimit and backoffLimitPerIndex: how often failed pods are retried.

use super::common::{Retries, idempotence, int_field, retries};
use crate::object::Kind;
use crate::rule::{Ctx, Diagnostic};

/// Neither backoffLimit nor backoffLimitPerIndex: the default of 6 retries applies.
pub fn backoff_limit_implicit(ctx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
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
pub fn backoff_limit_too_high(ctx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
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
pub fn retry_not_idempotent(ctx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
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
                    r.describe()
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
pub fn retries_without_idempotency(ctx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
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
                r.describe(),
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
}
