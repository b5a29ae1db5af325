//! API-parity checks: what kube-apiserver 1.33-1.35 rejects when a batch/v1 Job or CronJob is
//! created. Each check applies the server's defaulting first ([`JobSpecView`]), then reports every
//! validation error the server would give, at the server's own field path, with its message
//! (`<type>: <value>: <detail>`, the type lowercased as the linter's messages start lowercase).
//! The reference is `pkg/apis/batch/validation` and `pkg/apis/core/validation`; the item numbers
//! in comments (J1, P4, C7, …) are those of the rule files' rationales.

mod cronjob;
mod job_spec;
mod meta;
mod pod;
mod policies;
mod selector;
mod text;

pub use cronjob::{
    api_cronjob_fields, api_cronjob_schedule, api_cronjob_time_zone, api_removed_version,
};
pub use job_spec::{api_indexed_job, api_job_counts, api_managed_by, api_restart_policy};
pub use meta::{api_labels_annotations, api_object_name};
pub use pod::api_pod_template;
pub use policies::{api_pod_failure_policy, api_pod_replacement_policy, api_success_policy};
pub use selector::api_selector;

use crate::object::{Field, Kind, Object, Target};
use crate::rule::Ctx;

/// The only batch version a 1.33-1.35 server serves. Objects of other versions are rejected
/// before validation (`api-removed-version`), so the other api checks skip them.
pub const SERVED_VERSION: &str = "batch/v1";

/// The object, if the server would get as far as validating it.
fn served<'o, 'a>(ctx: &Ctx<'o, 'a>) -> Option<&'o Object<'a>> {
    (ctx.object.api_version == SERVED_VERSION).then_some(ctx.object)
}

/// An integer field as the server decodes it: nil, a value, or something the decoder rejects
/// (a type error, which the schema rules report; validation never sees it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Int {
    Nil,
    Bad,
    Val(i64),
}

impl Int {
    fn of(parent: Option<&Field<'_>>, name: &'static str) -> Int {
        match parent.and_then(|p| p.child_some(name)) {
            None => Int::Nil,
            Some(f) => f.i64().map_or(Int::Bad, Int::Val),
        }
    }

    fn is_set(self) -> bool {
        self != Int::Nil
    }

    fn val(self) -> Option<i64> {
        match self {
            Int::Val(v) => Some(v),
            _ => None,
        }
    }
}

/// A Job spec after the apiserver's v1 defaulting (`SetDefaults_Job` for a Job; a CronJob's
/// `jobTemplate.spec` is stored undefaulted, apart from the pod defaults).
#[derive(Debug)]
pub(crate) struct JobSpecView<'a> {
    /// `spec` of a Job, `spec.jobTemplate.spec` of a CronJob, when present.
    spec: Option<Field<'a>>,
    completions: Int,
    parallelism: Int,
    /// Defaulted to 6, or to MaxInt32 when backoffLimitPerIndex is set (Job only).
    backoff_limit: Int,
    backoff_limit_per_index: Int,
    max_failed_indexes: Int,
    /// `None` is nil (a CronJob's template); a Job defaults to NonIndexed.
    completion_mode: Option<&'a str>,
    /// Whether `podFailurePolicy` is non-nil.
    has_pod_failure_policy: bool,
    /// Defaulted (Job): Failed with a podFailurePolicy, else TerminatingOrFailed.
    pod_replacement_policy: Option<&'a str>,
    manual_selector: bool,
    /// The pod's restartPolicy, "" defaulted to Always.
    restart_policy: &'a str,
}

impl<'a> JobSpecView<'a> {
    /// The object's defaulted Job spec, computed once per object and shared by the api rules.
    fn of<'m>(ctx: &'m Ctx<'_, 'a>) -> &'m Self {
        ctx.memo
            .job_spec
            .get_or_init(|| JobSpecView::new(ctx.object))
    }

    fn new(object: &Object<'a>) -> Self {
        let spec = object.job_spec().filter(|f| !f.node.is_null());
        let s = spec.as_ref();
        let str_of = |name: &'static str| s.and_then(|f| f.child_some(name)).and_then(|f| f.str());
        let mut completions = Int::of(s, "completions");
        let mut parallelism = Int::of(s, "parallelism");
        let backoff_limit_per_index = Int::of(s, "backoffLimitPerIndex");
        let mut backoff_limit = Int::of(s, "backoffLimit");
        let mut completion_mode = str_of("completionMode");
        let has_pod_failure_policy = s.and_then(|f| f.child_some("podFailurePolicy")).is_some();
        let mut pod_replacement_policy = str_of("podReplacementPolicy");
        if object.kind == Kind::Job {
            if !completions.is_set() && !parallelism.is_set() {
                completions = Int::Val(1);
            }
            if !parallelism.is_set() {
                parallelism = Int::Val(1);
            }
            if !backoff_limit.is_set() {
                backoff_limit = Int::Val(if backoff_limit_per_index.is_set() {
                    i64::from(i32::MAX)
                } else {
                    6
                });
            }
            completion_mode = completion_mode.or(Some("NonIndexed"));
            pod_replacement_policy = pod_replacement_policy.or(Some(if has_pod_failure_policy {
                "Failed"
            } else {
                "TerminatingOrFailed"
            }));
        }
        let restart_policy = object
            .pod_spec()
            .and_then(|p| p.child_some("restartPolicy"))
            .and_then(|f| f.str())
            .filter(|s| !s.is_empty())
            .unwrap_or("Always");
        JobSpecView {
            completions,
            parallelism,
            backoff_limit,
            backoff_limit_per_index,
            max_failed_indexes: Int::of(s, "maxFailedIndexes"),
            completion_mode,
            has_pod_failure_policy,
            pod_replacement_policy,
            manual_selector: s
                .and_then(|f| f.child_some("manualSelector"))
                .and_then(|f| f.node.as_bool())
                .unwrap_or(false),
            restart_policy,
            spec,
        }
    }

    fn child(&self, name: &'static str) -> Option<Field<'a>> {
        self.spec.as_ref().and_then(|s| s.child_some(name))
    }

    fn indexed(&self) -> bool {
        self.completion_mode == Some("Indexed")
    }
}

/// Where a field that is not there would be: its full path, underlining the key of the deepest
/// ancestor that exists (or the first line of `from` when none does).
fn missing_target<'a>(from: &Field<'a>, names: &[&'static str]) -> Target<'a> {
    let mut field = from.clone();
    for (i, name) in names.iter().enumerate() {
        match field.child(name).filter(|f| !f.node.is_null()) {
            Some(next) => field = next,
            None => {
                let mut target = field.missing(name);
                for rest in &names[i + 1..] {
                    target.path = target.path.field(from.arena, rest);
                }
                return target;
            }
        }
    }
    field.target()
}
