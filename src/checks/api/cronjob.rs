//! CronJob spec fields (`validateCronJobSpec`, `validateScheduleFormat`, `validateTimeZone`)
//! and the batch API versions a 1.33-1.35 server no longer serves.

use super::policies::CONDITION_STATUSES;
use super::text::{NONNEGATIVE, invalid, not_supported, quote, quote_list, required};
use super::{SERVED_VERSION, served};
use crate::config::KubeVersion;
use crate::cron::{parse_standard, schedule_mentions_tz, time_zone_errors};
use crate::object::Kind;
use crate::rule::{Ctx, Diagnostic};

/// C3-C5.
pub fn api_cronjob_schedule<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some(object) = served(ctx) else { return };
    // A missing schedule is the schema rules' "required field"; an empty one is ours.
    let Some(field) = object.root_field().descend(&["spec", "schedule"]) else {
        return;
    };
    let Some(schedule) = field.str() else { return };
    if schedule.is_empty() {
        out.push(Diagnostic::new(field.target(), required("")));
        return;
    }
    if let Err(e) = parse_standard(schedule) {
        out.push(Diagnostic::new(
            field.target(),
            invalid(&quote(schedule), &e.to_string()),
        ));
    }
    if schedule_mentions_tz(schedule) {
        out.push(
            Diagnostic::new(
                field.target(),
                invalid(&quote(schedule), "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"),
            )
            .help("move the zone to `spec.timeZone` and remove the TZ=/CRON_TZ= prefix from the schedule"),
        );
    }
}

/// C7.
pub fn api_cronjob_time_zone<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some(object) = served(ctx) else { return };
    let Some(field) = object.root_field().descend(&["spec", "timeZone"]) else {
        return;
    };
    let Some(tz) = field.str() else { return };
    for msg in time_zone_errors(tz) {
        out.push(Diagnostic::new(field.target(), invalid(&quote(tz), &msg)));
    }
}

/// C6, C8, C12, and C13 (1.33 only: a CronJob's onPodConditions status is not defaulted).
pub fn api_cronjob_fields<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some(object) = served(ctx) else { return };
    let Some(spec) = object.root_field().child_some("spec") else {
        return;
    };
    for name in [
        "startingDeadlineSeconds",
        "successfulJobsHistoryLimit",
        "failedJobsHistoryLimit",
    ] {
        if let Some(field) = spec.child_some(name)
            && let Some(v) = field.i64()
            && v < 0
        {
            out.push(Diagnostic::new(
                field.target(),
                invalid(&v.to_string(), NONNEGATIVE),
            ));
        }
    }
    if let Some(field) = spec.child_some("concurrencyPolicy")
        && let Some(v) = field.str().filter(|v| !v.is_empty())
        && !["Allow", "Forbid", "Replace"].contains(&v)
    {
        out.push(Diagnostic::new(
            field.target(),
            not_supported(&quote(v), &["Allow", "Forbid", "Replace"]),
        ));
    }
    if ctx.kube_version == KubeVersion::V1_33 {
        let rules = object
            .job_spec()
            .and_then(|s| s.child_some("podFailurePolicy"))
            .and_then(|p| p.child_some("rules"))
            .map(|r| r.items())
            .unwrap_or_default();
        for rule in rules {
            let patterns = rule
                .child_some("onPodConditions")
                .map(|p| p.items())
                .unwrap_or_default();
            for pattern in patterns {
                let status = pattern.child_some("status");
                if status
                    .as_ref()
                    .and_then(|s| s.str())
                    .is_some_and(|s| !s.is_empty())
                {
                    continue;
                }
                if status.as_ref().is_some_and(|s| s.str().is_none()) {
                    continue; // a type error, for the schema rules
                }
                let target = status.map_or_else(|| pattern.missing("status"), |s| s.target());
                out.push(
                    Diagnostic::new(
                        target,
                        required(&format!("valid values: {}", quote_list(&CONDITION_STATUSES))),
                    )
                    .help("set `status: \"True\"`: Kubernetes 1.33 does not default it in a CronJob's job template (1.34 does)"),
                );
            }
        }
    }
}

/// A batch Job or CronJob in an API version the server does not serve: it is refused before
/// any validation.
pub fn api_removed_version<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let object = ctx.object;
    if object.api_version == SERVED_VERSION {
        return;
    }
    let Some(field) = object.root_field().child("apiVersion") else {
        return;
    };
    let kind = object.kind.as_str();
    let version = object.api_version;
    let history = match (object.kind, version) {
        (Kind::CronJob, "batch/v1beta1") => {
            " (batch/v1beta1 CronJob was removed in Kubernetes 1.25)"
        }
        (Kind::CronJob, "batch/v2alpha1") => {
            " (batch/v2alpha1 CronJob was removed in Kubernetes 1.21)"
        }
        _ => "",
    };
    out.push(
        Diagnostic::new(
            field.target(),
            format!(
                "no matches for kind {} in version {}{history}",
                quote(kind),
                quote(version)
            ),
        )
        .help("use `apiVersion: batch/v1`, the only batch version Kubernetes 1.33-1.35 serve"),
    );
}
