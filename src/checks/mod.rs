//! Built-in checks: one function per rule, registered under the rule's id. A check reports what
//! and where ([`Diagnostic`]); severity, wording of the help and rendering live elsewhere.

use crate::rule::{Ctx, Diagnostic};

pub(crate) mod api;
mod restart;
pub(crate) mod schema;

mod backoff;
mod common;
mod cronjob;
mod deadline;
mod hygiene;
mod retry;
mod ttl;

/// A check: looks at one object and pushes what it finds.
pub type CheckFn = for<'o, 'a> fn(&Ctx<'o, 'a>, &mut Vec<Diagnostic<'a>>);

/// Every built-in check, by rule id. Each id has a rule file `rules/<id>.yaml`.
pub static BUILTIN: &[(&str, CheckFn)] = &[
    ("restart-policy-invalid", restart::restart_policy_invalid),
    (
        "restart-policy-on-failure",
        restart::restart_policy_on_failure,
    ),
    ("backoff-limit-implicit", backoff::backoff_limit_implicit),
    ("backoff-limit-too-high", backoff::backoff_limit_too_high),
    ("retry-not-idempotent", backoff::retry_not_idempotent),
    (
        "retries-without-idempotency",
        backoff::retries_without_idempotency,
    ),
    ("ttl-missing", ttl::ttl_missing),
    ("ttl-too-short", ttl::ttl_too_short),
    ("gitops-ttl-recreate", ttl::gitops_ttl_recreate),
    ("cronjob-ttl-vs-history", ttl::cronjob_ttl_vs_history),
    ("replacement-overlap", retry::replacement_overlap),
    (
        "nonindexed-completions-duplicate",
        retry::nonindexed_completions_duplicate,
    ),
    (
        "parallelism-exceeds-completions",
        retry::parallelism_exceeds_completions,
    ),
    ("mutable-image-tag", retry::mutable_image_tag),
    (
        "helm-hook-no-delete-policy",
        retry::helm_hook_no_delete_policy,
    ),
    (
        "immutable-template-reapply",
        retry::immutable_template_reapply,
    ),
    ("active-deadline-missing", deadline::active_deadline_missing),
    (
        "starting-deadline-missing",
        deadline::starting_deadline_missing,
    ),
    (
        "starting-deadline-too-small",
        deadline::starting_deadline_too_small,
    ),
    (
        "cronjob-concurrency-allow",
        cronjob::cronjob_concurrency_allow,
    ),
    (
        "cronjob-concurrency-replace",
        cronjob::cronjob_concurrency_replace,
    ),
    ("cronjob-every-minute", cronjob::cronjob_every_minute),
    ("cronjob-dom-dow-or", cronjob::cronjob_dom_dow_or),
    ("cronjob-never-fires", cronjob::cronjob_never_fires),
    (
        "cronjob-failed-history-zero",
        cronjob::cronjob_failed_history_zero,
    ),
    ("cronjob-timezone-unset", cronjob::cronjob_timezone_unset),
    ("resources-missing", hygiene::resources_missing),
    (
        "sidecar-blocks-completion",
        hygiene::sidecar_blocks_completion,
    ),
    ("manual-selector", hygiene::manual_selector),
    ("ignore-unknown-rule", hygiene::ignore_unknown_rule),
    ("ignore-unused", hygiene::ignore_unused),
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
    ("schema-unknown-field", schema::unknown_field),
    ("schema-wrong-type", schema::wrong_type),
    ("schema-yaml11-coercion", schema::yaml11_coercion),
    ("schema-duplicate-key", schema::duplicate_key),
    ("schema-required-field", schema::required_field),
];

pub fn builtin(id: &str) -> Option<CheckFn> {
    BUILTIN.iter().find(|(i, _)| *i == id).map(|(_, f)| *f)
}
