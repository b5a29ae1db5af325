//! The pod template as `ValidatePodTemplateSpec` / `ValidatePodSpec` check it inside a Job: the
//! subset Jobs hit (containers, names, images, init-container rules, DNS policy, volumes and
//! mounts, names of referenced objects).

use std::collections::BTreeSet;

use super::text::{
    dns1123_label, dns1123_subdomain, duplicate, forbidden, invalid, not_found, not_supported,
    quote, required,
};
use super::{JobSpecView, missing_target, served};
use crate::object::{Field, Kind};
use crate::rule::{Ctx, Diagnostic};

const DNS_POLICIES: [&str; 4] = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
const PULL_POLICIES: [&str; 3] = ["Always", "IfNotPresent", "Never"];
const TERMINATION_MESSAGE_POLICIES: [&str; 2] = ["File", "FallbackToLogsOnError"];
const INIT_ONLY_WITH_RESTART_ALWAYS: [&str; 4] = [
    "lifecycle",
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
];

/// P3-P7, P9-P13 (P8 is reported with the Job's restartPolicy rules).
pub fn api_pod_template<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some(object) = served(ctx) else { return };
    let view = JobSpecView::of(ctx);
    let Some(pod) = object.pod_spec().filter(|p| !p.node.is_null()) else {
        // No pod spec at all: the server validates an empty one.
        let mut names: Vec<&str> = match object.kind {
            Kind::Job => vec!["spec"],
            Kind::CronJob => vec!["spec", "jobTemplate", "spec"],
        };
        names.extend(["template", "spec", "containers"]);
        out.push(Diagnostic::new(
            missing_target(&object.root_field(), &names),
            required(""),
        ));
        return;
    };
    let containers = pod.child_some("containers");
    let regular = containers.as_ref().map(Field::items).unwrap_or_default();
    let init = pod
        .child_some("initContainers")
        .map(|f| f.items())
        .unwrap_or_default();
    // P3: a missing list is the schema rules' "required field"; an empty one is ours.
    if let Some(list) = &containers
        && regular.is_empty()
        && list.node.as_seq().is_some()
    {
        out.push(Diagnostic::new(list.target(), required("")));
    }
    let volumes = pod
        .child_some("volumes")
        .map(|f| f.items())
        .unwrap_or_default();
    let volume_names = validate_volumes(&volumes, out);

    // P4c: names are unique across regular and init containers; a clash with a regular
    // container is reported on the init container.
    let regular_names: BTreeSet<&str> = regular
        .iter()
        .filter_map(|c| c.node.get("name").and_then(|n| n.as_str()))
        .collect();
    let mut seen = BTreeSet::new();
    for c in &regular {
        if let Some(name) = str_child(c, "name")
            && let Some(n) = name.str()
            && !seen.insert(n)
        {
            out.push(Diagnostic::new(name.target(), duplicate(&quote(n))));
        }
    }
    let mut seen_init = regular_names.clone();
    for c in &init {
        if let Some(name) = str_child(c, "name")
            && let Some(n) = name.str()
            && !n.is_empty()
            && !seen_init.insert(n)
        {
            out.push(Diagnostic::new(name.target(), duplicate(&quote(n))));
        }
    }

    for (is_init, c) in init
        .iter()
        .map(|c| (true, c))
        .chain(regular.iter().map(|c| (false, c)))
    {
        container_common(c, &volume_names, out);
        let restart = c.child_some("restartPolicy");
        let restart_value = restart.as_ref().and_then(|r| r.str());
        if is_init {
            // P7b, P7c
            if let (Some(field), Some(value)) = (&restart, restart_value)
                && value != "Always"
            {
                out.push(Diagnostic::new(
                    field.target(),
                    not_supported(&quote(value), &["Always"]),
                ));
            }
            if restart_value != Some("Always") {
                for name in INIT_ONLY_WITH_RESTART_ALWAYS {
                    if let Some(f) = c.child_some(name) {
                        out.push(Diagnostic::new(
                            f.key_target(),
                            forbidden(
                                "may not be set for init containers without restartPolicy=Always",
                            ),
                        ));
                    }
                }
            }
        } else {
            // P7a
            if let Some(field) = &restart {
                out.push(Diagnostic::new(
                    field.target(),
                    forbidden("may not be set for non-init containers"),
                ));
            }
            // P12
            if view.restart_policy == "Never"
                && let Some(policies) = c.child_some("resizePolicy")
            {
                for p in policies.items() {
                    if let Some(rp) = p.child_some("restartPolicy")
                        && rp.str() == Some("RestartContainer")
                    {
                        let mut target = rp.target();
                        target.path = policies.path;
                        out.push(Diagnostic::new(
                            target,
                            invalid(
                                "\"RestartContainer\"",
                                "must be 'NotRequired' when `restartPolicy` is 'Never'",
                            ),
                        ));
                    }
                }
            }
        }
    }

    // P9
    if let Some(field) = str_child(&pod, "dnsPolicy")
        && let Some(policy) = field.str().filter(|p| !p.is_empty())
    {
        if !DNS_POLICIES.contains(&policy) {
            out.push(Diagnostic::new(
                field.target(),
                not_supported(&quote(policy), &DNS_POLICIES),
            ));
        } else if policy == "None" {
            match pod.child_some("dnsConfig") {
                None => out.push(Diagnostic::new(
                    missing_target(&pod, &["dnsConfig"]),
                    required("must provide `dnsConfig` when `dnsPolicy` is None"),
                )),
                Some(config) => {
                    let servers = config
                        .child_some("nameservers")
                        .map(|n| n.items())
                        .unwrap_or_default();
                    if servers.is_empty() {
                        out.push(Diagnostic::new(
                            missing_target(&config, &["nameservers"]),
                            required(
                                "must provide at least one DNS nameserver when `dnsPolicy` is None",
                            ),
                        ));
                    }
                }
            }
        }
    }
    // P10
    if let Some(field) = pod.child_some("activeDeadlineSeconds")
        && let Some(v) = field.i64()
        && !(1..=i64::from(i32::MAX)).contains(&v)
    {
        out.push(Diagnostic::new(
            field.target(),
            invalid(
                &v.to_string(),
                "must be between 1 and 2147483647, inclusive",
            ),
        ));
    }
    // P11
    if let Some(field) = pod.child_some("ephemeralContainers")
        && field.node.as_seq().is_some_and(|s| !s.is_empty())
    {
        out.push(Diagnostic::new(
            field.key_target(),
            forbidden("ephemeral containers not allowed in pod template"),
        ));
    }
    // P13: names of the pod's own DNS records and of the objects it refers to.
    for (name, check) in [
        ("hostname", dns1123_label as fn(&str) -> Vec<String>),
        ("subdomain", dns1123_label),
        ("serviceAccountName", dns1123_subdomain),
        ("nodeName", dns1123_subdomain),
        ("priorityClassName", dns1123_subdomain),
    ] {
        if let Some(field) = str_child(&pod, name)
            && let Some(value) = field.str().filter(|v| !v.is_empty())
        {
            for msg in check(value) {
                out.push(Diagnostic::new(
                    field.target(),
                    invalid(&quote(value), &msg),
                ));
            }
        }
    }
}

/// A child that holds a string.
fn str_child<'a>(f: &Field<'a>, name: &'static str) -> Option<Field<'a>> {
    f.child_some(name).filter(|c| c.str().is_some())
}

/// `validateContainerCommon`: name (P4a, P4b), image (P5), policies (P6), volume mounts (P13).
fn container_common<'a>(
    c: &Field<'a>,
    volume_names: &BTreeSet<String>,
    out: &mut Vec<Diagnostic<'a>>,
) {
    // A missing name is the schema rules' "required field"; an empty one is ours.
    if let Some(name) = c.child_some("name")
        && let Some(n) = name.str()
    {
        if n.is_empty() {
            out.push(Diagnostic::new(name.target(), required("")));
        }
        for msg in dns1123_label(n).into_iter().filter(|_| !n.is_empty()) {
            out.push(Diagnostic::new(name.target(), invalid(&quote(n), &msg)));
        }
    }
    match c.child_some("image") {
        None => out.push(Diagnostic::new(missing_target(c, &["image"]), required(""))),
        Some(image) if image.str() == Some("") => {
            out.push(Diagnostic::new(image.target(), required("")))
        }
        Some(_) => {}
    }
    for (name, supported) in [
        (
            "terminationMessagePolicy",
            &TERMINATION_MESSAGE_POLICIES[..],
        ),
        ("imagePullPolicy", &PULL_POLICIES[..]),
    ] {
        if let Some(field) = c.child_some(name)
            && let Some(v) = field.str().filter(|v| !v.is_empty())
            && !supported.contains(&v)
        {
            out.push(Diagnostic::new(
                field.target(),
                not_supported(&quote(v), supported),
            ));
        }
    }
    for mount in c
        .child_some("volumeMounts")
        .map(|m| m.items())
        .unwrap_or_default()
    {
        if let Some(name) = mount.child_some("name")
            && let Some(n) = name.str().filter(|n| !n.is_empty())
            && !volume_names.contains(n)
        {
            out.push(
                Diagnostic::new(name.target(), not_found(&quote(n))).help(format!(
                    "add a volume named `{n}` to the pod spec's volumes, or fix the mount's name"
                )),
            );
        }
    }
}

/// `validateVolumes`: name (required, DNS label, unique) and a volume source. Returns the names.
fn validate_volumes<'a>(volumes: &[Field<'a>], out: &mut Vec<Diagnostic<'a>>) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for volume in volumes {
        let name_field = volume.child_some("name");
        let name = name_field.as_ref().and_then(|f| f.str());
        if let (Some(field), Some(n)) = (&name_field, name) {
            if n.is_empty() {
                out.push(Diagnostic::new(field.target(), required("")));
            } else {
                for msg in dns1123_label(n) {
                    out.push(Diagnostic::new(field.target(), invalid(&quote(n), &msg)));
                }
            }
            if !names.insert(n.to_owned()) {
                out.push(Diagnostic::new(field.target(), duplicate(&quote(n))));
            }
        }
        let has_source = volume
            .fields()
            .iter()
            .any(|(k, f)| k != "name" && !f.node.is_null());
        if !has_source && volume.node.as_map().is_some() {
            out.push(Diagnostic::new(
                volume.target(),
                required("must specify a volume type"),
            ));
        }
    }
    names
}
