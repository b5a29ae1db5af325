//! Built-in checks: one function per rule, registered under the rule's id. A check reports what
//! and where ([`Diagnostic`]); severity, wording of the help and rendering live elsewhere.

use crate::rule::{Ctx, Diagnostic};

mod api;
mod restart;

/// A check: looks at one object and pushes what it finds.
pub type CheckFn = fn(&Ctx<'_, '_>, &mut Vec<Diagnostic>);

/// Every built-in check, by rule id. Each id has a rule file `rules/<id>.yaml`.
pub static BUILTIN: &[(&str, CheckFn)] = &[
    ("restart-policy-invalid", restart::restart_policy_invalid),
    (
        "restart-policy-on-failure",
        restart::restart_policy_on_failure,
    ),
    ("api-object-name", api::api_object_name),
    ("api-labels-annotations", api::api_labels_annotations),
    ("api-selector", api::api_selector),
    ("api-job-counts", api::api_job_counts),
    ("api-indexed-job", api::api_indexed_job),
    ("api-managed-by", api::api_managed_by),
    ("api-pod-failure-policy", api::api_pod_failure_policy),
    ("api-success-policy", api::api_success_policy),
    (
        "api-pod-replacement-policy",
        api::api_pod_replacement_policy,
    ),
    ("api-restart-policy", api::api_restart_policy),
    ("api-pod-template", api::api_pod_template),
    ("api-cronjob-schedule", api::api_cronjob_schedule),
    ("api-cronjob-time-zone", api::api_cronjob_time_zone),
    ("api-cronjob-fields", api::api_cronjob_fields),
    ("api-removed-version", api::api_removed_version),
];

pub fn builtin(id: &str) -> Option<CheckFn> {
    BUILTIN.iter().find(|(i, _)| *i == id).map(|(_, f)| *f)
}
