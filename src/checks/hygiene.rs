//! Hygiene that bites Jobs: resource requests, containers that never exit, selectors that take
//! in other pods, and suppressions that suppress nothing.

use super::common::container_name;
use crate::lint::{Place, annotation_names};
use crate::object::{Field, Target};
use crate::rule::{Ctx, Diagnostic};

/// A container without a memory request (explicit, or implied by a memory limit): under node
/// memory pressure its pod is among the first evicted, and each eviction spends a retry.
pub fn resources_missing<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    for container in ctx.object.all_containers() {
        // The name is only formatted for a finding, and most containers have none.
        let name = || container_name(container);
        let Some(resources) = container.child_some("resources") else {
            out.push(Diagnostic::new(
                container.missing("resources"),
                format!("container {} sets no resource requests", name()),
            ));
            continue;
        };
        // Looked up on the nodes: a field (with its path) is only made for a finding.
        let map = |name: &str| resources.node.get_some(name);
        let has_memory = |name: &str| map(name).is_some_and(|m| m.get_some("memory").is_some());
        if has_memory("requests") || has_memory("limits") {
            continue;
        }
        let empty = |name: &str| map(name).is_none_or(|m| m.as_map().is_none_or(<[_]>::is_empty));
        let nothing = empty("requests") && empty("limits");
        let (target, message) = match resources.child_some("requests") {
            Some(requests) => (
                Target {
                    path: requests.path.key(requests.arena, "memory"),
                    span: requests.key_target().span,
                },
                format!("container {} sets no memory request", name()),
            ),
            None => (
                resources.missing("requests"),
                if nothing {
                    format!("container {} sets no resource requests", name())
                } else {
                    format!("container {} sets no memory request", name())
                },
            ),
        };
        out.push(Diagnostic::new(target, message));
    }
}

/// `manualSelector: true`: the selector is used as written, and nothing keeps it unique.
pub fn manual_selector<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some(job_spec) = ctx.object.job_spec() else {
        return;
    };
    let Some(manual) = job_spec
        .child_some("manualSelector")
        .filter(|m| m.node.as_bool() == Some(true))
    else {
        return;
    };
    let mut diagnostic = Diagnostic::new(
        manual.target(),
        "manualSelector true uses the selector as written: nothing keeps it unique, and the Job adopts any pod without an owner whose labels match it",
    );
    if let Some(selector) = job_spec.child_some("selector") {
        diagnostic = diagnostic.label(selector.target(), "this selector must match no other pods");
    }
    out.push(diagnostic);
}

/// A regular container, beside others, that never exits: a proxy or a log follower.
pub fn sidecar_blocks_completion<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let containers = ctx.object.containers();
    if containers.len() < 2 {
        return;
    }
    let names = ctx.param_strs("names");
    let images = ctx.param_strs("images");
    let commands = ctx.param_strs("commands");
    for container in containers {
        let name = container.node.get("name").and_then(|n| n.as_str());
        let image = container.node.get("image").and_then(|n| n.as_str());
        let reason = if let Some(n) = name.filter(|n| names.contains(n)) {
            Some(format!("`{n}` is a proxy that never exits"))
        } else if let Some(i) = image.filter(|i| images.iter().any(|p| repository_is(i, p))) {
            Some(format!("image `{i}` is a proxy that never exits"))
        } else {
            let line = command_line(container);
            commands
                .iter()
                .find(|c| contains_words(&line, c))
                .map(|c| format!("`{c}` never exits"))
        };
        let Some(reason) = reason else {
            continue;
        };
        let target = container
            .child_some("name")
            .map_or_else(|| container.key_target(), |n| n.target());
        out.push(Diagnostic::new(
            target,
            format!(
                "container {}: {reason}, so the pod and the Job never complete",
                container_name(container)
            ),
        ));
    }
}

/// True when the image's repository (without registry host, tag or digest) is `repo` or ends
/// with `/repo`.
fn repository_is(image: &str, repo: &str) -> bool {
    let without_digest = image.split('@').next().unwrap_or(image);
    let (head, last) = without_digest
        .rsplit_once('/')
        .map_or(("", without_digest), |(h, l)| (h, l));
    let last = last.split(':').next().unwrap_or(last);
    let repository = if head.is_empty() {
        last.to_owned()
    } else {
        format!("{head}/{last}")
    };
    repository == repo || repository.ends_with(&format!("/{repo}"))
}

/// command and args joined by spaces.
fn command_line(container: &Field<'_>) -> String {
    ["command", "args"]
        .iter()
        .filter_map(|k| container.node.get(k).and_then(|n| n.as_seq()))
        .flatten()
        .filter_map(|n| n.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// True when `needle`'s words appear in `haystack` in order, separated only by whitespace.
fn contains_words(haystack: &str, needle: &str) -> bool {
    let words: Vec<&str> = haystack
        .split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')' | '\'' | '"'))
        .filter(|w| !w.is_empty())
        .collect();
    let needle: Vec<&str> = needle.split_whitespace().collect();
    !needle.is_empty() && words.windows(needle.len()).any(|w| w == needle.as_slice())
}

/// A `joblint.dev/ignore` annotation or `# joblint-ignore:` comment that names neither a rule, a
/// category nor `all` (a typo, or a rule of another tool): it suppresses nothing.
pub fn ignore_unknown_rule<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let unknown = |name: &str| match name {
        "all" => None,
        _ => ctx.catalog.select(name).err(),
    };
    for_each_ignore(ctx, |_, name, target| {
        if let Some(why) = unknown(name) {
            out.push(Diagnostic::new(target, why));
        }
    });
}

/// A name in a `joblint.dev/ignore` annotation or `# joblint-ignore:` comment that covered no
/// finding on the object: the problem was fixed or the rule changed, and the suppression
/// would hide the next problem of that rule there. Judged only when every rule the name
/// covers ran (not under `--only`, or for rules the config turns off).
pub fn ignore_unused<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let kind = ctx.object.kind;
    let judged = |name: &str| {
        let ids = match name {
            // Whether it is of use shows only in this rule's own findings, made after.
            "ignore-unused" => return false,
            "all" => ctx.catalog.rules().iter().map(|r| &*r.meta.id).collect(),
            _ => match ctx.catalog.select(name) {
                Ok(ids) => ids,
                // Reported by ignore-unknown-rule.
                Err(_) => return false,
            },
        };
        ids.into_iter()
            .filter(|id| {
                ctx.catalog
                    .get(id)
                    .is_some_and(|r| r.meta.applies_to.contains(&kind))
            })
            .all(|id| ctx.suppressions.ran(id))
    };
    for_each_ignore(ctx, |place, name, target| {
        // Where policy ignores the annotations, they are not left over but overruled.
        let honoured = match place {
            Place::Annotation(_) => ctx.suppressions.annotations_honoured(),
            Place::Comment(_) => true,
        };
        if honoured && !ctx.suppressions.is_used(&place, name) && judged(name) {
            out.push(Diagnostic::new(
                target,
                format!("`{name}` suppresses nothing here"),
            ));
        }
    });
}

/// Each name in the object's ignore annotations (the value underlined) and in the
/// `# joblint-ignore:` comments in its text or just above it (the name underlined; a tree
/// decoded without text has none), with where it is written.
fn for_each_ignore<'a>(ctx: &Ctx<'_, 'a>, mut each: impl FnMut(Place, &str, Target<'a>)) {
    for entry in ctx.object.ignore_annotations() {
        let Some(names) = entry.str() else {
            continue;
        };
        for name in annotation_names(names) {
            let place = Place::Annotation(entry.path.to_text());
            each(place, name, entry.target());
        }
    }
    let span = &ctx.object.root.span;
    if span.is_empty() {
        return;
    }
    let (mut first, last) = (
        ctx.source.line_col(span.start).line,
        ctx.source.line_col(span.end).line,
    );
    // Comment lines just above the object apply to its first line.
    while first > 1
        && ctx
            .source
            .line_text(first - 1)
            .trim_start()
            .starts_with('#')
    {
        first -= 1;
    }
    for (line, comment) in ctx.suppressions.comments().on_lines(first..=last) {
        for (span, name) in &comment.names {
            let target = Target {
                path: ctx.object.root_field().path,
                span: span.clone(),
            };
            each(Place::Comment(line), name, target);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_selectors() {
        let job = |spec: &str| {
            format!(
                "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n{spec}  template:\n    spec:\n      containers:\n        - name: c\n          image: app:1.0\n"
            )
        };
        let manual = "  manualSelector: true\n  selector:\n    matchLabels:\n      app: j\n";
        assert_eq!(
            run(manual_selector, &job(manual), &[]),
            [
                "spec.manualSelector: manualSelector true uses the selector as written: nothing keeps it unique, and the Job adopts any pod without an owner whose labels match it"
            ]
        );
        // False, unset, or not a boolean (a type error that the schema rules report).
        for spec in [
            "  manualSelector: false\n",
            "",
            "  manualSelector: \"true\"\n",
        ] {
            assert!(run(manual_selector, &job(spec), &[]).is_empty(), "{spec}");
        }
    }

    #[test]
    fn repositories() {
        assert!(repository_is(
            "docker.io/istio/proxyv2:1.20.0",
            "istio/proxyv2"
        ));
        assert!(repository_is(
            "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.8.0",
            "cloud-sql-proxy"
        ));
        assert!(repository_is(
            "envoyproxy/envoy@sha256:ab",
            "envoyproxy/envoy"
        ));
        assert!(repository_is(
            "localhost:5000/envoyproxy/envoy:v1",
            "envoyproxy/envoy"
        ));
        assert!(!repository_is("example/not-envoy:1", "envoy"));
        assert!(!repository_is("registry:5000", "5000"));
    }

    #[test]
    fn words() {
        assert!(contains_words("sh -c tail -F /opt/logs.txt", "tail -F"));
        assert!(contains_words("sh -c 'sleep infinity'", "sleep infinity"));
        assert!(contains_words("run; tail -f x", "tail -f"));
        assert!(!contains_words("sh -c echo tail -fast", "tail -f"));
        assert!(!contains_words("sleep 10", "sleep infinity"));
    }

    use crate::checks::common::testing::run;
    use serde_json::json;

    fn pod(containers: &str) -> String {
        format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n  template:\n    spec:\n{containers}"
        )
    }

    #[test]
    fn memory_requests_explicit_or_implied() {
        let limit_only = pod(
            "      containers:\n        - name: a\n          resources:\n            limits: {memory: 1Gi}\n",
        );
        assert!(run(resources_missing, &limit_only, &[]).is_empty());
        let cpu_only = pod(
            "      containers:\n        - name: a\n          resources:\n            requests: {cpu: 1}\n            limits: {cpu: 2}\n",
        );
        assert_eq!(
            run(resources_missing, &cpu_only, &[]),
            [
                "spec.template.spec.containers[0].resources.requests[memory]: container `a` sets no memory request"
            ]
        );
        let gpu_only = pod(
            "      containers:\n        - name: a\n          resources:\n            limits: {nvidia.com/gpu: 1}\n",
        );
        assert_eq!(
            run(resources_missing, &gpu_only, &[]),
            [
                "spec.template.spec.containers[0].resources.requests: container `a` sets no memory request"
            ]
        );
        let init = pod(
            "      initContainers:\n        - name: i\n      containers:\n        - name: a\n          resources: {requests: {memory: 1Gi}}\n",
        );
        assert_eq!(
            run(resources_missing, &init, &[]),
            [
                "spec.template.spec.initContainers[0].resources: container `i` sets no resource requests"
            ]
        );
    }

    fn params() -> Vec<(&'static str, serde_json::Value)> {
        vec![
            ("names", json!(["istio-proxy"])),
            ("images", json!(["cloud-sql-proxy"])),
            ("commands", json!(["tail -f", "sleep infinity"])),
        ]
    }

    #[test]
    fn never_ending_second_containers() {
        let alone = pod(
            "      containers:\n        - name: a\n          command: [sh, -c, 'tail -f /dev/null']\n",
        );
        assert!(run(sidecar_blocks_completion, &alone, &params()).is_empty());
        let two = pod(
            "      containers:\n        - name: main\n          image: app:1\n        - name: istio-proxy\n          image: docker.io/istio/proxyv2:1.20\n        - name: db\n          image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.1\n        - name: wait\n          image: busybox\n          args: [sleep, infinity]\n",
        );
        assert_eq!(
            run(sidecar_blocks_completion, &two, &params()),
            [
                "spec.template.spec.containers[1].name: container `istio-proxy`: `istio-proxy` is a proxy that never exits, so the pod and the Job never complete",
                "spec.template.spec.containers[2].name: container `db`: image `gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.1` is a proxy that never exits, so the pod and the Job never complete",
                "spec.template.spec.containers[3].name: container `wait`: `sleep infinity` never exits, so the pod and the Job never complete",
            ]
        );
        let native = pod(
            "      initContainers:\n        - name: istio-proxy\n          restartPolicy: Always\n      containers:\n        - name: main\n        - name: other\n",
        );
        assert!(run(sidecar_blocks_completion, &native, &params()).is_empty());
    }

    #[test]
    fn ignores_naming_no_rule() {
        let job = |annotations: &str, comment: &str| {
            format!(
                "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n  annotations: {{{annotations}}}\nspec:\n  backoffLimit: 0 {comment}\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{{name: c, image: busybox}}]\n"
            )
        };
        let clean = job(
            "joblint.dev/ignore: 'ttl-missing, deadline,all'",
            "# joblint-ignore: backoff,retries-without-idempotency reviewed",
        );
        assert!(run(ignore_unknown_rule, &clean, &[]).is_empty());
        let typos = job(
            "joblint.dev/ignore: 'ttl-mising,kube-score/x'",
            "# joblint-ignore: backof",
        );
        assert_eq!(
            run(ignore_unknown_rule, &typos, &[]),
            [
                "metadata.annotations[joblint.dev/ignore]: unknown rule `ttl-mising` (did you mean `ttl-missing`?)",
                "metadata.annotations[joblint.dev/ignore]: unknown rule `kube-score/x` (see `joblint rules`)",
                ": unknown rule `backof` (did you mean `backoff`?)",
            ]
        );
        // A comment just above a document belongs to that document only.
        let two = format!(
            "{}---\n# joblint-ignore: backof\n{}",
            job("a: b", ""),
            job("a: b", "")
        );
        assert_eq!(
            run(ignore_unknown_rule, &two, &[]),
            [": unknown rule `backof` (did you mean `backoff`?)"]
        );
    }
}
