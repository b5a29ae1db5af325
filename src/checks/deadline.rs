//! activeDeadlineSeconds of the Job, startingDeadlineSeconds of the CronJob.

use super::common::int_field;
use crate::rule::{Ctx, Diagnostic};

/// The CronJob controller's sync period: a start deadline below it can be missed every time.
const CRONJOB_SYNC_SECONDS: i64 = 10;

/// No activeDeadlineSeconds on the Job spec (the pod spec's one bounds each pod, not the Job).
pub fn active_deadline_missing<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some(job_spec) = ctx.object.job_spec() else {
        return;
    };
    if job_spec.child_some("activeDeadlineSeconds").is_some() {
        return;
    }
    let target = job_spec.missing("activeDeadlineSeconds");
    let pod_deadline = ctx
        .object
        .pod_spec()
        .and_then(|ps| ps.child_some("activeDeadlineSeconds"));
    let diag = match pod_deadline {
        Some(pod) => {
            let value = pod
                .i64()
                .map_or_else(|| pod.node.type_name().to_owned(), |v| v.to_string());
            Diagnostic::new(
                target,
                format!(
                    "activeDeadlineSeconds is not set on the Job spec; the pod template's activeDeadlineSeconds {value} limits each pod, not the Job and its retries"
                ),
            )
            .label(pod.target(), "this bounds one pod only")
        }
        None => Diagnostic::new(
            target,
            "activeDeadlineSeconds is not set, so a hung or endlessly retried Job is never stopped",
        ),
    };
    out.push(diag);
}

/// A CronJob without startingDeadlineSeconds.
pub fn starting_deadline_missing<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some(spec) = ctx.object.root_field().child("spec") else {
        return;
    };
    // A schedule that matches no date has no run to miss (cronjob-never-fires says so).
    if ctx.schedule().is_some_and(|s| s.never_fires()) {
        return;
    }
    if spec.child_some("startingDeadlineSeconds").is_none() {
        out.push(Diagnostic::new(
            spec.missing("startingDeadlineSeconds"),
            "startingDeadlineSeconds is not set, so a missed run (controller down, CronJob suspended, previous run still active) starts however late it is",
        ));
    }
}

/// startingDeadlineSeconds below the controller's 10-second sync period.
pub fn starting_deadline_too_small<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some((value, field)) = ctx
        .object
        .root_field()
        .child("spec")
        .and_then(|spec| int_field(&spec, "startingDeadlineSeconds"))
    else {
        return;
    };
    if value < CRONJOB_SYNC_SECONDS {
        out.push(Diagnostic::new(
            field.target(),
            format!(
                "startingDeadlineSeconds {value} is shorter than the CronJob controller's {CRONJOB_SYNC_SECONDS}-second sync, so scheduled runs can be skipped every time"
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::common::testing::run;

    #[test]
    fn a_pod_deadline_is_named_but_does_not_count() {
        let job = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n  template:\n    spec:\n      activeDeadlineSeconds: 600\n";
        assert_eq!(
            run(active_deadline_missing, job, &[]),
            [
                "spec.activeDeadlineSeconds: activeDeadlineSeconds is not set on the Job spec; the pod template's activeDeadlineSeconds 600 limits each pod, not the Job and its retries"
            ]
        );
    }

    /// A CronJob with this schedule and these extra lines in its spec.
    fn cronjob(schedule: &str, spec: &str) -> String {
        format!(
            "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n  schedule: \"{schedule}\"\n{spec}  jobTemplate: {{}}\n"
        )
    }

    #[test]
    fn starting_deadline_bounds() {
        let cj = |d: &str| cronjob("0 1 * * *", &format!("  startingDeadlineSeconds: {d}\n"));
        assert!(run(starting_deadline_too_small, &cj("10"), &[]).is_empty());
        assert_eq!(run(starting_deadline_too_small, &cj("0"), &[]).len(), 1);
        assert_eq!(run(starting_deadline_too_small, &cj("9"), &[]).len(), 1);
        assert!(run(starting_deadline_missing, &cj("9"), &[]).is_empty());
        // kubectl sends 5.0 as 5: judged as the integer it becomes, not skipped.
        assert_eq!(
            run(starting_deadline_too_small, &cj("5.0"), &[]),
            [
                "spec.startingDeadlineSeconds: startingDeadlineSeconds 5 is shorter than the CronJob controller's 10-second sync, so scheduled runs can be skipped every time"
            ]
        );
        assert!(run(starting_deadline_too_small, &cj("1e3"), &[]).is_empty());
    }

    #[test]
    fn no_start_deadline_is_asked_of_a_schedule_that_never_fires() {
        let cj = |schedule: &str| cronjob(schedule, "  suspend: true\n");
        assert!(run(starting_deadline_missing, &cj("0 0 30 2 *"), &[]).is_empty());
        assert_eq!(
            run(starting_deadline_missing, &cj("0 0 28 2 *"), &[]).len(),
            1
        );
    }
}
