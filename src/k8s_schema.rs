//! The Kubernetes API definitions of Job and CronJob as a compact type tree, for the `schema` rules.
//!
//! Nothing here is a hand-written copy of the API: the definitions are the JSON Schemas that
//! k8s-openapi (generated from the upstream OpenAPI document) provides through its `schemars`
//! feature. They are compiled once ([`model`]) into an arena of [`Ty`]s that the checks walk
//! alongside the spanned YAML tree, so a lint never converts an object to JSON.
//!
//! What the schema alone cannot say is how the API server treats a `required` field, so two small
//! tables adjust it, each entry with its reason: fields that k8s-openapi marks required (because
//! its Rust type is not an `Option`) although the API server defaults them or never checks them,
//! and optional fields whose absence the API server rejects anyway.

use std::collections::HashMap;
use std::sync::OnceLock;

use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::schemars::SchemaGenerator;
use k8s_openapi::schemars::generate::SchemaSettings;
use serde_json::{Map, Value};

use crate::object::Kind;

/// An index into [`Model::types`].
pub type TyId = usize;

/// What a value must look like.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// Anything (free-form objects such as `managedFields[].fieldsV1`).
    Any,
    Bool,
    /// An integer of the given width (`format: int32` or `int64`).
    Int(IntWidth),
    Number,
    /// A string; `date_time` for `format: date-time` (metav1.Time).
    Str {
        date_time: bool,
    },
    /// `x-kubernetes-int-or-string`: an int32 or a string (ports, maxSkew-like fields).
    IntOrString,
    /// resource.Quantity: a string or any number (`cpu: 0.5`, `memory: 1Gi`).
    Quantity,
    Object(ObjectTy),
    /// A map with arbitrary keys (labels, annotations, resource limits).
    Map(TyId),
    List(TyId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntWidth {
    I32,
    I64,
}

impl IntWidth {
    pub fn range(self) -> (i64, i64) {
        match self {
            IntWidth::I32 => (i64::from(i32::MIN), i64::from(i32::MAX)),
            IntWidth::I64 => (i64::MIN, i64::MAX),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            IntWidth::I32 => "int32",
            IntWidth::I64 => "int64",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObjectTy {
    /// The API type's short name (`JobSpec`, `Container`).
    pub name: String,
    pub fields: Vec<(String, TyId)>,
    /// Fields the API server rejects when absent, after its defaulting.
    pub required: Vec<String>,
}

impl ObjectTy {
    pub fn field(&self, name: &str) -> Option<TyId> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, t)| *t)
    }
}

/// The compiled definitions, and where each field name lives (for "belongs in" suggestions).
#[derive(Debug)]
pub struct Model {
    pub types: Vec<Ty>,
    pub job: TyId,
    pub cron_job: TyId,
    /// A [`Ty::Any`], for walking what has no (or the wrong) type.
    pub any: TyId,
    /// Built on the first unknown field: most runs never need it.
    places: OnceLock<[Places; 2]>,
}

/// Field name → the parent paths (`spec.template.spec`) where the name is a field, shallowest
/// first.
#[derive(Debug, Default)]
struct Places {
    exact: HashMap<String, Vec<String>>,
    /// By lower-cased name, with the name as spelled there (for `RestartPolicy` on the wrong level).
    folded: HashMap<String, Vec<(String, String)>>,
}

/// Required in k8s-openapi's schema (its Rust field is not an `Option`), but not rejected when
/// absent on create. (API type, field, why.)
const NOT_ENFORCED: &[(&str, &str, &str)] = &[
    (
        "io.k8s.api.batch.v1.Job",
        "metadata",
        "k8s-openapi's own choice; a missing name is an `api` rule",
    ),
    (
        "io.k8s.api.batch.v1.CronJob",
        "metadata",
        "k8s-openapi's own choice; a missing name is an `api` rule",
    ),
    (
        "io.k8s.api.batch.v1.PodFailurePolicy",
        "rules",
        "`podFailurePolicy: {}` is valid, like `rules: []`",
    ),
    (
        "io.k8s.api.core.v1.LocalObjectReference",
        "name",
        "an empty imagePullSecrets name is only a warning",
    ),
    (
        "io.k8s.api.core.v1.SleepAction",
        "seconds",
        "zero seconds are allowed since 1.33 (PodLifecycleSleepActionAllowZero)",
    ),
    (
        "io.k8s.api.core.v1.ISCSIVolumeSource",
        "lun",
        "lun 0 is valid",
    ),
    (
        "io.k8s.api.core.v1.HTTPHeader",
        "value",
        "an empty header value is valid",
    ),
    (
        "io.k8s.api.core.v1.Sysctl",
        "value",
        "the value is not validated",
    ),
    (
        "io.k8s.api.core.v1.PreferredSchedulingTerm",
        "preference",
        "an empty node selector term is valid",
    ),
    (
        "io.k8s.api.core.v1.WorkloadReference",
        "name",
        "alpha field, dropped while its feature gate is off",
    ),
    (
        "io.k8s.api.core.v1.WorkloadReference",
        "podGroup",
        "alpha field, dropped while its feature gate is off",
    ),
    (
        "io.k8s.api.core.v1.ContainerRestartRule",
        "action",
        "alpha field, dropped while its feature gate is off",
    ),
    (
        "io.k8s.api.core.v1.ContainerRestartRuleOnExitCodes",
        "operator",
        "alpha field, dropped while its feature gate is off",
    ),
    (
        "io.k8s.api.core.v1.FileKeySelector",
        "key",
        "alpha field, dropped while its feature gate is off",
    ),
    (
        "io.k8s.api.core.v1.FileKeySelector",
        "path",
        "alpha field, dropped while its feature gate is off",
    ),
    (
        "io.k8s.api.core.v1.FileKeySelector",
        "volumeName",
        "alpha field, dropped while its feature gate is off",
    ),
];

/// Optional in the schema (status subresources and tools read objects without them), but a
/// created object without them fails validation: an empty pod spec has no containers.
const ALSO_REQUIRED: &[(&str, &str)] = &[
    ("io.k8s.api.batch.v1.Job", "spec"),
    ("io.k8s.api.batch.v1.CronJob", "spec"),
    ("io.k8s.api.batch.v1.JobTemplateSpec", "spec"),
    ("io.k8s.api.core.v1.PodTemplateSpec", "spec"),
];

/// Fields a created object may carry that are not checked: the server discards `status`.
const SKIPPED_ROOT_FIELDS: &[&str] = &["status"];

/// The model, compiled on first use.
pub fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(Model::build)
}

impl Model {
    fn build() -> Model {
        // One generator for both kinds, so they share one set of definitions.
        let mut generator: SchemaGenerator = SchemaSettings::draft2020_12().into_generator();
        let job = generator.subschema_for::<Job>().to_value();
        let cron_job = generator.subschema_for::<CronJob>().to_value();
        let defs = generator.take_definitions(true);
        let mut compiler = Compiler {
            defs: &defs,
            types: Vec::new(),
            by_ref: HashMap::new(),
        };
        let job = compiler.compile(&job, None);
        let cron_job = compiler.compile(&cron_job, None);
        let any = compiler.any();
        let types = compiler.types;
        Model {
            types,
            job,
            cron_job,
            any,
            places: OnceLock::new(),
        }
    }

    pub fn root(&self, kind: Kind) -> TyId {
        match kind {
            Kind::Job => self.job,
            Kind::CronJob => self.cron_job,
        }
    }

    pub fn ty(&self, id: TyId) -> &Ty {
        self.types.get(id).unwrap_or(&Ty::Any)
    }

    /// Whether a root field is left unchecked.
    pub fn skipped_root_field(name: &str) -> bool {
        SKIPPED_ROOT_FIELDS.contains(&name)
    }

    /// Where a field of this name is defined in an object of `kind`: each parent path (`[*]` for
    /// list items) with the name as spelled there, shallowest first; exact matches before matches
    /// that ignore case.
    pub fn places_of(&self, kind: Kind, name: &str) -> Vec<(&str, &str)> {
        let [job, cron_job] = self.places.get_or_init(|| {
            [
                Places::collect(&self.types, self.job),
                Places::collect(&self.types, self.cron_job),
            ]
        });
        let places = match kind {
            Kind::Job => job,
            Kind::CronJob => cron_job,
        };
        let mut out: Vec<(&str, &str)> = places
            .exact
            .get_key_value(name)
            .map(|(key, paths)| paths.iter().map(|p| (p.as_str(), key.as_str())).collect())
            .unwrap_or_default();
        if out.is_empty()
            && let Some(found) = places.folded.get(&name.to_lowercase())
        {
            out.extend(found.iter().map(|(p, k)| (p.as_str(), k.as_str())));
        }
        out
    }
}

struct Compiler<'d> {
    defs: &'d Map<String, Value>,
    types: Vec<Ty>,
    by_ref: HashMap<String, TyId>,
}

impl Compiler<'_> {
    /// Compiles a schema; `def` names the definition it came from, if any.
    fn compile(&mut self, schema: &Value, def: Option<&str>) -> TyId {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let name = reference.rsplit('/').next().unwrap_or(reference);
            return self.definition(name);
        }
        let ty = self.ty(schema, def);
        self.types.push(ty);
        self.types.len() - 1
    }

    fn definition(&mut self, name: &str) -> TyId {
        if let Some(&id) = self.by_ref.get(name) {
            return id;
        }
        // Reserve the slot first, so that a recursive definition refers to itself.
        let id = self.types.len();
        self.types.push(Ty::Any);
        self.by_ref.insert(name.to_owned(), id);
        let defs = self.defs;
        if let Some(schema) = defs.get(name) {
            let ty = self.ty(schema, Some(name));
            self.types[id] = ty;
        }
        id
    }

    fn ty(&mut self, schema: &Value, def: Option<&str>) -> Ty {
        let flag = |key: &str| schema.get(key).and_then(Value::as_bool) == Some(true);
        if flag("x-kubernetes-int-or-string") {
            // Both IntOrString and Quantity are marked so; only a Quantity takes any number.
            return if def.is_some_and(|d| d.ends_with(".api.resource.Quantity")) {
                Ty::Quantity
            } else {
                Ty::IntOrString
            };
        }
        if flag("x-kubernetes-preserve-unknown-fields") {
            return Ty::Any;
        }
        let format = schema.get("format").and_then(Value::as_str);
        match schema.get("type").and_then(Value::as_str) {
            Some("boolean") => Ty::Bool,
            Some("integer") if format == Some("int32") => Ty::Int(IntWidth::I32),
            Some("integer") => Ty::Int(IntWidth::I64),
            Some("number") => Ty::Number,
            Some("string") => Ty::Str {
                date_time: format == Some("date-time"),
            },
            Some("array") => match schema.get("items") {
                Some(items) => Ty::List(self.compile(items, None)),
                None => Ty::List(self.any()),
            },
            Some("object") => self.object(schema, def),
            _ => Ty::Any,
        }
    }

    fn object(&mut self, schema: &Value, def: Option<&str>) -> Ty {
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            let fields = properties
                .iter()
                .map(|(name, s)| (name.clone(), self.compile(s, None)))
                .collect();
            let def = def.unwrap_or("");
            let mut required: Vec<String> = schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter(|f| !NOT_ENFORCED.iter().any(|(t, n, _)| *t == def && n == f))
                .map(str::to_owned)
                .collect();
            required.extend(
                ALSO_REQUIRED
                    .iter()
                    .filter(|(t, _)| *t == def)
                    .map(|(_, n)| (*n).to_owned()),
            );
            return Ty::Object(ObjectTy {
                name: def.rsplit('.').next().unwrap_or(def).to_owned(),
                fields,
                required,
            });
        }
        match schema.get("additionalProperties") {
            Some(values) if values.is_object() => Ty::Map(self.compile(values, None)),
            _ => Ty::Any,
        }
    }

    fn any(&mut self) -> TyId {
        self.types.push(Ty::Any);
        self.types.len() - 1
    }
}

impl Places {
    /// Breadth first from the root, so each name's places come shallowest first. Every path is
    /// visited (Container is both `containers[*]` and `initContainers[*]`); the API has no
    /// recursive types here, and a bound on the number of paths keeps a future one finite.
    fn collect(types: &[Ty], root: TyId) -> Places {
        const MAX_PATHS: usize = 100_000;
        let mut places = Places::default();
        let mut visited = 0usize;
        let mut queue = std::collections::VecDeque::from([(root, String::new())]);
        while let Some((id, path)) = queue.pop_front() {
            let Some(Ty::Object(object)) = types.get(id) else {
                continue;
            };
            visited += 1;
            if visited > MAX_PATHS {
                break;
            }
            for (name, child) in &object.fields {
                if path.is_empty() && Model::skipped_root_field(name) {
                    continue;
                }
                places
                    .exact
                    .entry(name.clone())
                    .or_default()
                    .push(path.clone());
                places
                    .folded
                    .entry(name.to_lowercase())
                    .or_default()
                    .push((path.clone(), name.clone()));
                let child_path = if path.is_empty() {
                    name.clone()
                } else {
                    format!("{path}.{name}")
                };
                match types.get(*child) {
                    Some(Ty::Object(_)) => queue.push_back((*child, child_path)),
                    Some(Ty::List(item)) => queue.push_back((*item, format!("{child_path}[*]"))),
                    _ => {}
                }
            }
        }
        places
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(model: &Model, id: TyId) -> &ObjectTy {
        match model.ty(id) {
            Ty::Object(o) => o,
            other => panic!("not an object: {other:?}"),
        }
    }

    fn at<'m>(model: &'m Model, mut id: TyId, path: &[&str]) -> &'m Ty {
        for name in path {
            id = match model.ty(id) {
                Ty::Object(o) => o.field(name).unwrap_or_else(|| panic!("no field {name}")),
                Ty::List(item) | Ty::Map(item) if *name == "*" => *item,
                other => panic!("cannot descend into {other:?} at {name}"),
            };
        }
        model.ty(id)
    }

    #[test]
    fn job_types_come_from_the_api_definitions() {
        let m = model();
        assert_eq!(
            at(m, m.job, &["spec", "backoffLimit"]),
            &Ty::Int(IntWidth::I32)
        );
        assert_eq!(
            at(m, m.job, &["spec", "activeDeadlineSeconds"]),
            &Ty::Int(IntWidth::I64)
        );
        let container = &[
            "spec",
            "template",
            "spec",
            "containers",
            "*",
            "ports",
            "*",
            "containerPort",
        ];
        assert_eq!(at(m, m.job, container), &Ty::Int(IntWidth::I32));
        assert_eq!(
            at(
                m,
                m.cron_job,
                &[
                    "spec",
                    "jobTemplate",
                    "spec",
                    "template",
                    "spec",
                    "containers",
                    "*",
                    "resources",
                    "limits",
                    "*"
                ]
            ),
            &Ty::Quantity
        );
        assert!(matches!(
            at(m, m.job, &["metadata", "labels", "*"]),
            Ty::Str { date_time: false }
        ));
        assert!(matches!(
            at(m, m.job, &["metadata", "creationTimestamp"]),
            Ty::Str { date_time: true }
        ));
    }

    #[test]
    fn required_fields_follow_defaulting() {
        let m = model();
        let job = object(m, m.job);
        assert_eq!(
            job.required,
            vec!["spec".to_owned()],
            "metadata is not required"
        );
        let Some(spec) = job.field("spec") else {
            panic!("no spec")
        };
        assert_eq!(object(m, spec).required, vec!["template".to_owned()]);
        let cron = object(m, m.cron_job);
        let Some(cron_spec) = cron.field("spec") else {
            panic!("no spec")
        };
        let mut r = object(m, cron_spec).required.clone();
        r.sort();
        assert_eq!(r, vec!["jobTemplate".to_owned(), "schedule".to_owned()]);
        let Ty::List(pattern) = at(
            m,
            m.job,
            &["spec", "podFailurePolicy", "rules", "*", "onPodConditions"],
        ) else {
            panic!("onPodConditions is a list")
        };
        assert_eq!(
            object(m, *pattern).required,
            vec!["type".to_owned()],
            "status is defaulted"
        );
    }

    #[test]
    fn places_are_the_shallowest_first() {
        let m = model();
        let job = m.places_of(Kind::Job, "restartPolicy");
        assert_eq!(job.first(), Some(&("spec.template.spec", "restartPolicy")));
        assert!(job.contains(&("spec.template.spec.containers[*]", "restartPolicy")));
        assert_eq!(
            m.places_of(Kind::CronJob, "RestartPolicy").first(),
            Some(&("spec.jobTemplate.spec.template.spec", "restartPolicy"))
        );
        assert_eq!(
            m.places_of(Kind::Job, "image").first(),
            Some(&("spec.template.spec.containers[*]", "image"))
        );
        assert!(
            m.places_of(Kind::Job, "succeeded").is_empty(),
            "status is skipped"
        );
    }
}
