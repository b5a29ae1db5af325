//! Retry safety: what makes the same work run twice, or a retry run different code.

use super::common::{
    HELM_HOOK, HELM_HOOK_DELETE_POLICY, annotation, has_owner, int_field, is_hook,
};
use crate::rule::{Ctx, Diagnostic};

/// podReplacementPolicy unset or TerminatingOrFailed: a replacement pod starts while the old one
/// is still terminating. With a podFailurePolicy the default is Failed (and the only allowed value).
pub fn replacement_overlap<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some(job_spec) = ctx.object.job_spec() else {
        return;
    };
    if job_spec.child_some("podFailurePolicy").is_some() {
        return;
    }
    match job_spec.child_some("podReplacementPolicy") {
        None => out.push(Diagnostic::new(
            job_spec.missing("podReplacementPolicy"),
            "podReplacementPolicy is not set, so it defaults to TerminatingOrFailed: a replacement pod starts while the old one is still terminating, and both do the same work",
        )),
        Some(field) if field.str() == Some("TerminatingOrFailed") => out.push(Diagnostic::new(
            field.target(),
            "podReplacementPolicy TerminatingOrFailed starts a replacement pod while the old one is still terminating, and both do the same work",
        )),
        Some(_) => {}
    }
}

/// completions > 1 in NonIndexed mode: identical pods that each repeat the same work.
pub fn nonindexed_completions_duplicate<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some(job_spec) = ctx.object.job_spec() else {
        return;
    };
    let Some((completions, field)) = int_field(&job_spec, "completions") else {
        return;
    };
    let mode = job_spec
        .child_some("completionMode")
        .map(|m| m.str().map(str::to_owned));
    let non_indexed = match mode {
        None => true,
        Some(Some(m)) => m == "NonIndexed",
        Some(None) => false,
    };
    if completions > 1 && non_indexed {
        out.push(Diagnostic::new(
            field.target(),
            format!(
                "completions {completions} in NonIndexed mode runs {completions} identical pods: each repeats the same work unless they take it from a shared queue"
            ),
        ));
    }
}

/// parallelism above completions: the extra parallelism is never used.
pub fn parallelism_exceeds_completions<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some(job_spec) = ctx.object.job_spec() else {
        return;
    };
    let (Some((parallelism, field)), Some((completions, c))) = (
        int_field(&job_spec, "parallelism"),
        int_field(&job_spec, "completions"),
    ) else {
        return;
    };
    if parallelism > completions && completions >= 0 {
        out.push(
            Diagnostic::new(
                field.target(),
                format!(
                    "parallelism {parallelism} is more than completions {completions}, so at most {completions} pods ever run at once"
                ),
            )
            .label(c.target(), "completions set here"),
        );
    }
}

/// How an image reference is pinned.
#[derive(Debug, PartialEq, Eq)]
enum Pin<'s> {
    Digest,
    NoTag,
    Latest,
    Tag(&'s str),
    /// A placeholder filled in later (`${VERSION}`, `$IMAGE`, `{{ .Values.image }}`, `<injected>`) or a
    /// build tool reference (`ko://…`, resolved to a digest at build time).
    Unknown,
}

fn pin(image: &str) -> Pin<'_> {
    let image = image.trim();
    if image.is_empty()
        || image.starts_with("ko://")
        || ['$', '{', '<'].iter().any(|&c| image.contains(c))
    {
        return Pin::Unknown;
    }
    if image.contains('@') {
        return Pin::Digest;
    }
    // The tag follows the last `:` of the last path component; a `:` before a `/` is a
    // registry port (`registry:5000/app`).
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        Some((_, "latest")) => Pin::Latest,
        Some((_, tag)) => Pin::Tag(tag),
        None => Pin::NoTag,
    }
}

/// Images without a digest: a retry, or the next run, can pull different code.
pub fn mutable_image_tag<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let require_digest = ctx.param_bool("require-digest");
    for container in ctx.object.all_containers() {
        let Some(field) = container.child_some("image") else {
            continue;
        };
        let Some(image) = field.str() else {
            continue;
        };
        let message = match pin(image) {
            Pin::Digest | Pin::Unknown => continue,
            Pin::NoTag => format!(
                "image `{image}` has no tag, so each pull takes whatever `latest` points to then"
            ),
            Pin::Latest => format!(
                "image `{image}` uses the tag `latest`, which moves, so a retry or the next run can pull different code"
            ),
            Pin::Tag(_) if !require_digest => continue,
            Pin::Tag(tag) => format!(
                "image `{image}` is not pinned to a digest: tag `{tag}` can be moved, so a retry or the next run can pull different code"
            ),
        };
        out.push(Diagnostic::new(field.target(), message));
    }
}

/// A Helm hook without helm.sh/hook-delete-policy.
pub fn helm_hook_no_delete_policy<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some(hook) = annotation(ctx.object, HELM_HOOK) else {
        return;
    };
    if annotation(ctx.object, HELM_HOOK_DELETE_POLICY).is_some() {
        return;
    }
    let name = hook.str().unwrap_or("");
    out.push(Diagnostic::new(
        hook.target(),
        format!(
            "the Helm hook `{name}` has no helm.sh/hook-delete-policy, so the finished {} stays in the cluster until the next release deletes it",
            ctx.object.kind.as_str()
        ),
    ));
}

/// A Job with a fixed name, applied outside any hook: a changed pod template cannot be
/// re-applied, since spec.template of a Job is immutable.
pub fn immutable_template_reapply<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let object = ctx.object;
    if is_hook(object) || has_owner(object) || object.generate_name.is_some() {
        return;
    }
    // Tools told to replace the Job on change handle it.
    let argo_replaces = object
        .annotation("argocd.argoproj.io/sync-options")
        .is_some_and(|o| {
            o.split(',')
                .any(|opt| matches!(opt.trim(), "Replace=true" | "Force=true"))
        });
    let flux_forces = object.annotation("kustomize.toolkit.fluxcd.io/force") == Some("enabled");
    if argo_replaces || flux_forces {
        return;
    }
    let Some(name) = object
        .root_field()
        .descend(&["metadata", "name"])
        .filter(|n| n.str().is_some_and(|s| !s.is_empty()))
    else {
        return;
    };
    out.push(Diagnostic::new(
        name.target(),
        format!(
            "the Job `{}` has a fixed name, so applying it again with a changed pod template fails: spec.template of a Job is immutable",
            name.str().unwrap_or("")
        ),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_pins() {
        assert_eq!(pin("busybox"), Pin::NoTag);
        assert_eq!(pin("registry.example:5000/team/app"), Pin::NoTag);
        assert_eq!(pin("registry.example:5000/team/app:1.2"), Pin::Tag("1.2"));
        assert_eq!(pin("alpine:latest"), Pin::Latest);
        assert_eq!(pin("a/b:1@sha256:abcd"), Pin::Digest);
        assert_eq!(pin("a/b@sha256:abcd"), Pin::Digest);
        assert_eq!(pin("aquasec/kube-bench:${VERSION}"), Pin::Unknown);
        assert_eq!(pin("ko://knative.dev/serving/cmd/x"), Pin::Unknown);
        assert_eq!(pin("<injected>"), Pin::Unknown);
        assert_eq!(pin("$IMAGE_URL"), Pin::Unknown);
        assert_eq!(pin(""), Pin::Unknown);
    }

    use crate::checks::common::testing::run;
    use serde_json::json;

    fn job(meta: &str, spec: &str) -> String {
        format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n{meta}spec:\n{spec}  template:\n    spec:\n      containers:\n        - name: c\n          image: app:1.0\n"
        )
    }

    #[test]
    fn replacement_policy() {
        assert_eq!(run(replacement_overlap, &job("", ""), &[]).len(), 1);
        assert_eq!(
            run(
                replacement_overlap,
                &job("", "  podReplacementPolicy: TerminatingOrFailed\n"),
                &[]
            ),
            [
                "spec.podReplacementPolicy: podReplacementPolicy TerminatingOrFailed starts a replacement pod while the old one is still terminating, and both do the same work"
            ]
        );
        assert!(
            run(
                replacement_overlap,
                &job("", "  podReplacementPolicy: Failed\n"),
                &[]
            )
            .is_empty()
        );
        let pfp = "  podFailurePolicy:\n    rules: []\n";
        assert!(run(replacement_overlap, &job("", pfp), &[]).is_empty());
    }

    #[test]
    fn completions_and_parallelism() {
        let indexed = "  completions: 4\n  completionMode: Indexed\n";
        assert!(run(nonindexed_completions_duplicate, &job("", indexed), &[]).is_empty());
        assert!(
            run(
                nonindexed_completions_duplicate,
                &job("", "  completions: 1\n"),
                &[]
            )
            .is_empty()
        );
        let explicit = "  completions: 2\n  completionMode: NonIndexed\n";
        assert_eq!(
            run(nonindexed_completions_duplicate, &job("", explicit), &[]).len(),
            1
        );
        assert!(
            run(
                parallelism_exceeds_completions,
                &job("", "  parallelism: 5\n"),
                &[]
            )
            .is_empty()
        );
        assert_eq!(
            run(
                parallelism_exceeds_completions,
                &job("", "  parallelism: 5\n  completions: 2\n"),
                &[]
            ),
            [
                "spec.parallelism: parallelism 5 is more than completions 2, so at most 2 pods ever run at once"
            ]
        );
    }

    #[test]
    fn version_tags_only_when_digests_are_required() {
        assert_eq!(
            run(
                mutable_image_tag,
                &job("", ""),
                &[("require-digest", json!(true))]
            )
            .len(),
            1
        );
        assert!(
            run(
                mutable_image_tag,
                &job("", ""),
                &[("require-digest", json!(false))]
            )
            .is_empty()
        );
        let latest = job("", "").replace("app:1.0", "app:latest");
        assert_eq!(
            run(
                mutable_image_tag,
                &latest,
                &[("require-digest", json!(false))]
            )
            .len(),
            1
        );
    }

    #[test]
    fn replaced_or_owned_jobs_are_not_advised() {
        assert_eq!(
            run(immutable_template_reapply, &job("", ""), &[]),
            [
                "metadata.name: the Job `j` has a fixed name, so applying it again with a changed pod template fails: spec.template of a Job is immutable"
            ]
        );
        let argo =
            "  annotations:\n    argocd.argoproj.io/sync-options: Prune=false, Replace=true\n";
        let owned = "  ownerReferences:\n    - {kind: CronJob, name: c}\n";
        let hook = "  annotations:\n    argocd.argoproj.io/hook: Sync\n";
        for meta in [argo, owned, hook] {
            assert!(
                run(immutable_template_reapply, &job(meta, ""), &[]).is_empty(),
                "{meta}"
            );
        }
    }

    #[test]
    fn helm_hook_policy() {
        let hook = "  annotations:\n    helm.sh/hook: pre-install\n";
        assert_eq!(
            run(helm_hook_no_delete_policy, &job(hook, ""), &[]).len(),
            1
        );
        let with_policy = "  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-delete-policy: hook-succeeded\n";
        assert!(run(helm_hook_no_delete_policy, &job(with_policy, ""), &[]).is_empty());
    }
}
