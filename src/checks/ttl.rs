//! ttlSecondsAfterFinished: when finished Jobs are deleted, and who else deletes or re-creates them.

use super::common::{has_owner, int_field, is_hook};
use crate::object::{Field, Object, Target};
use crate::rule::{Ctx, Diagnostic};

/// Annotation prefix of Argo CD: present only on objects written for Argo CD (tracking id, sync
/// options, sync waves, compare options, ...).
const ARGO_PREFIX: &str = "argocd.argoproj.io/";
/// The label Argo CD uses when an installation sets `application.instanceLabelKey` to its own key.
const ARGO_INSTANCE_LABEL: &str = "argocd.argoproj.io/instance";
/// Labels Flux's kustomize-controller and helm-controller put on every object they apply.
const FLUX_LABELS: [(&str, &str); 2] = [
    (
        "kustomize.toolkit.fluxcd.io/name",
        "Flux (kustomize-controller)",
    ),
    ("helm.toolkit.fluxcd.io/name", "Flux (helm-controller)"),
];
/// Annotation prefix of Flux's kustomize-controller (force, prune, ssa).
const FLUX_PREFIX: &str = "kustomize.toolkit.fluxcd.io/";

/// The Job spec's ttlSecondsAfterFinished, when it is an integer.
fn ttl_of<'a>(object: &Object<'a>) -> Option<(i64, Field<'a>)> {
    object
        .job_spec()
        .and_then(|js| int_field(&js, "ttlSecondsAfterFinished"))
}

/// A standalone Job without ttlSecondsAfterFinished.
pub fn ttl_missing<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let object = ctx.object;
    // Hooks are deleted by Helm or Argo CD (before-hook-creation by default), owned Jobs by
    // their owner, and a TTL on a GitOps-managed Job makes it run again.
    if is_hook(object) || has_owner(object) || gitops_manager(object).is_some() {
        return;
    }
    let Some(job_spec) = object.job_spec() else {
        return;
    };
    if job_spec.child_some("ttlSecondsAfterFinished").is_none() {
        out.push(Diagnostic::new(
            job_spec.missing("ttlSecondsAfterFinished"),
            "ttlSecondsAfterFinished is not set, so the finished Job and its pods stay until someone deletes them",
        ));
    }
}

/// ttlSecondsAfterFinished below `min-seconds`, 0 included.
pub fn ttl_too_short<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some((ttl, field)) = ttl_of(ctx.object) else {
        return;
    };
    let min = ctx.param_i64("min-seconds");
    // Negative values are rejected by the API server; that is another rule's finding.
    if ttl < 0 || ttl >= min {
        return;
    }
    let message = if ttl == 0 {
        "ttlSecondsAfterFinished 0 deletes the Job, its pods and their logs as soon as it finishes"
            .to_owned()
    } else {
        format!(
            "ttlSecondsAfterFinished {ttl} deletes the finished Job, its pods and their logs after {ttl} seconds (less than {min})"
        )
    };
    let mut diag = Diagnostic::new(field.target(), message);
    if is_hook(ctx.object) {
        diag = diag.help("Remove the TTL and let the hook delete policy clean up (e.g. `before-hook-creation,hook-succeeded`): the deployment tool must see the Job finish.");
    }
    out.push(diag);
}

/// A TTL on a Job that Argo CD or Flux keeps in sync (and that is not a hook): once the TTL
/// deletes it, the tool sees it missing, re-creates it, and the Job runs again.
pub fn gitops_ttl_recreate<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let object = ctx.object;
    if is_hook(object) || has_owner(object) {
        return;
    }
    let Some((ttl, field)) = ttl_of(object) else {
        return;
    };
    let (tool, evidence) = match gitops_manager(object) {
        Some((tool, target, what)) => (tool, Some((target, what))),
        None if ctx.param_bool("assume-gitops") => ("the GitOps tool", None),
        None => return,
    };
    let mut diag = Diagnostic::new(
        field.target(),
        format!(
            "ttlSecondsAfterFinished {ttl} deletes a Job that {tool} keeps in sync: {tool} re-creates it and the Job runs again"
        ),
    );
    if let Some((target, what)) = evidence {
        diag = diag.label(target, format!("managed by {tool}: {what}"));
    }
    out.push(diag);
}

/// Which GitOps tool manages the object, from what the tool itself puts on it: the tool, where
/// that shows and what it is. `app.kubernetes.io/instance` is not used: Helm charts set it too.
fn gitops_manager<'a>(object: &Object<'a>) -> Option<(&'static str, Target<'a>, String)> {
    let labels = object.labels();
    let annotations = object.annotations();
    let found = |map: &Option<&Field<'a>>, what: &str, matches: &dyn Fn(&str) -> bool| {
        let (key, field) = map.as_ref()?.find_entry(matches)?;
        Some((field.key_target(), format!("{what} {key}")))
    };
    for (key, tool) in FLUX_LABELS {
        if let Some((t, what)) = found(&labels, "label", &|k| k == key) {
            return Some((tool, t, what));
        }
    }
    if let Some((t, what)) = found(&annotations, "annotation", &|k| k.starts_with(FLUX_PREFIX)) {
        return Some(("Flux", t, what));
    }
    if let Some((t, what)) = found(&annotations, "annotation", &|k| k.starts_with(ARGO_PREFIX)) {
        return Some(("Argo CD", t, what));
    }
    if let Some((t, what)) = found(&labels, "label", &|k| k == ARGO_INSTANCE_LABEL) {
        return Some(("Argo CD", t, what));
    }
    None
}

/// A TTL in a CronJob's jobTemplate while its history limits already delete old Jobs.
pub fn cronjob_ttl_vs_history<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let object = ctx.object;
    let Some(spec) = object.root_field().child("spec") else {
        return;
    };
    let Some((ttl, field)) = ttl_of(object) else {
        return;
    };
    if ttl < 0 {
        return;
    }
    let limit =
        |name: &'static str, default: i64| int_field(&spec, name).map_or(default, |(v, _)| v);
    let successful = limit("successfulJobsHistoryLimit", 3);
    let failed = limit("failedJobsHistoryLimit", 1);
    if successful <= 0 && failed <= 0 {
        return;
    }
    let period = ctx.schedule().and_then(|s| s.min_period_seconds());
    let message = match period {
        Some(period) if u64::try_from(ttl).is_ok_and(|t| t < period) => format!(
            "ttlSecondsAfterFinished {ttl} deletes each finished Job before the next run (runs are at least {period} seconds apart), so the history limits (successful {successful}, failed {failed}) never take effect"
        ),
        _ => format!(
            "ttlSecondsAfterFinished {ttl} and the history limits (successful {successful}, failed {failed}) both delete finished Jobs, so which one applies depends on how often the CronJob runs"
        ),
    };
    out.push(Diagnostic::new(field.target(), message));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::common::testing::run;

    use serde_json::json;

    fn job(meta: &str, spec: &str) -> String {
        format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n{meta}spec:\n{spec}  template: {{}}\n"
        )
    }

    #[test]
    fn ttl_missing_leaves_owned_hooked_and_gitops_jobs_alone() {
        assert_eq!(
            run(ttl_missing, &job("", ""), &[]),
            [
                "spec.ttlSecondsAfterFinished: ttlSecondsAfterFinished is not set, so the finished Job and its pods stay until someone deletes them"
            ]
        );
        let owned =
            "  ownerReferences:\n    - {apiVersion: batch/v1, kind: CronJob, name: c, uid: x}\n";
        let argo_hook = "  annotations:\n    argocd.argoproj.io/hook: PreSync\n";
        let flux = "  labels:\n    helm.toolkit.fluxcd.io/name: shop\n";
        for meta in [owned, argo_hook, flux] {
            assert!(run(ttl_missing, &job(meta, ""), &[]).is_empty(), "{meta}");
        }
    }

    #[test]
    fn gitops_is_decided_from_the_tools_own_marks() {
        let ttl = "  ttlSecondsAfterFinished: 600\n";
        let helm_instance = "  labels:\n    app.kubernetes.io/instance: shop\n";
        assert!(run(gitops_ttl_recreate, &job(helm_instance, ttl), &[]).is_empty());
        assert_eq!(
            run(
                gitops_ttl_recreate,
                &job(helm_instance, ttl),
                &[("assume-gitops", json!(true))]
            ),
            [
                "spec.ttlSecondsAfterFinished: ttlSecondsAfterFinished 600 deletes a Job that the GitOps tool keeps in sync: the GitOps tool re-creates it and the Job runs again"
            ]
        );
        let flux = "  labels:\n    helm.toolkit.fluxcd.io/name: shop\n";
        let found = run(gitops_ttl_recreate, &job(flux, ttl), &[]);
        assert!(
            found[0].contains("Flux (helm-controller) keeps in sync"),
            "{found:?}"
        );
        let hook = "  labels:\n    helm.toolkit.fluxcd.io/name: shop\n  annotations:\n    helm.sh/hook: pre-upgrade\n";
        assert!(run(gitops_ttl_recreate, &job(hook, ttl), &[]).is_empty());
    }

    #[test]
    fn ttl_threshold() {
        let min = [("min-seconds", json!(300))];
        assert_eq!(
            run(
                ttl_too_short,
                &job("", "  ttlSecondsAfterFinished: 299\n"),
                &min
            )
            .len(),
            1
        );
        assert!(
            run(
                ttl_too_short,
                &job("", "  ttlSecondsAfterFinished: 300\n"),
                &min
            )
            .is_empty()
        );
        assert!(
            run(
                ttl_too_short,
                &job("", "  ttlSecondsAfterFinished: -1\n"),
                &min
            )
            .is_empty()
        );
    }

    #[test]
    fn cronjob_ttl_against_period_and_limits() {
        let cj = |schedule: &str, limits: &str, ttl: i64| {
            format!(
                "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n  schedule: \"{schedule}\"\n{limits}  jobTemplate:\n    spec:\n      ttlSecondsAfterFinished: {ttl}\n      template: {{}}\n"
            )
        };
        let none = "  successfulJobsHistoryLimit: 0\n  failedJobsHistoryLimit: 0\n";
        assert!(run(cronjob_ttl_vs_history, &cj("0 * * * *", none, 60), &[]).is_empty());
        assert_eq!(
            run(cronjob_ttl_vs_history, &cj("0 * * * *", "", 600), &[]),
            [
                "spec.jobTemplate.spec.ttlSecondsAfterFinished: ttlSecondsAfterFinished 600 deletes each finished Job before the next run (runs are at least 3600 seconds apart), so the history limits (successful 3, failed 1) never take effect"
            ]
        );
        let longer = run(cronjob_ttl_vs_history, &cj("0 * * * *", "", 7200), &[]);
        assert!(
            longer[0].contains("both delete finished Jobs"),
            "{longer:?}"
        );
        let unparsed = run(cronjob_ttl_vs_history, &cj("<injected>", "", 60), &[]);
        assert!(
            unparsed[0].contains("both delete finished Jobs"),
            "{unparsed:?}"
        );
    }
}
