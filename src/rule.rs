//! The rule catalogue: rule files (`rules/*.yaml`, compiled in, plus user directories) and their
//! checks. A rule file is the rule's only documentation; its check is either a Rust function
//! registered under the same id ([`crate::checks`]) or a declarative JSON Schema.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::checks::{self, CheckFn};
use crate::config::KubeVersion;
use crate::finding::Severity;
use crate::object::{Field, Kind, Object, Target};
use crate::source::Source;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/rule_files.rs"));
}

/// A rule file, as written in `rules/<id>.yaml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleMeta {
    /// Kebab-case, stable, never reused. (`Arc`: every finding of the rule shares it.)
    pub id: Arc<str>,
    /// One line: what the rule finds.
    pub summary: String,
    /// The finding in a few words, standing alone (no path): what kubectl shows as the
    /// webhook's warning when the message does not fit in one (120 characters with rule id and
    /// path). Every built-in rule has one of at most 64 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_message: Option<Arc<str>>,
    /// Default severity.
    pub severity: Severity,
    pub category: Arc<str>,
    /// Why it matters. The first sentence is shown with each finding.
    pub rationale: String,
    /// How to fix it. The first sentence is the finding's help line.
    pub remediation: String,
    /// Kinds the rule looks at (default: Job and CronJob).
    #[serde(default = "both_kinds")]
    pub applies_to: Vec<Kind>,
    #[serde(default)]
    pub params: BTreeMap<String, Param>,
    pub check: CheckSpec,
    pub examples: Examples,
    /// Further reading.
    #[serde(default)]
    pub references: Vec<String>,
}

fn both_kinds() -> Vec<Kind> {
    vec![Kind::Job, Kind::CronJob]
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub default: serde_json::Value,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    pub bad: Vec<String>,
    pub good: Vec<String>,
}

/// How a rule checks: a Rust function (`builtin`) or a JSON Schema.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CheckSpec {
    Builtin(BuiltinMarker),
    Schema(SchemaCheck),
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BuiltinMarker {
    Builtin,
}

/// A declarative check: every `target` node must satisfy `schema`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaCheck {
    pub target: SchemaTarget,
    pub schema: serde_json::Value,
    /// The finding's message; the schema's own error text is used when absent.
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SchemaTarget {
    /// The whole object.
    Object,
    /// The Job spec (`spec`, or `spec.jobTemplate.spec` of a CronJob).
    JobSpec,
    /// The pod spec of the template.
    PodSpec,
    /// Each regular and init container.
    Container,
}

/// What a check reports: what and where, never how it looks.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic<'a> {
    pub message: String,
    pub target: Target<'a>,
    /// Other places involved, each with its own message.
    pub labels: Vec<(Target<'a>, String)>,
    /// A fix specific to this finding; the rule's remediation is used otherwise.
    pub help: Option<String>,
}

impl<'a> Diagnostic<'a> {
    pub fn new(target: Target<'a>, message: impl Into<String>) -> Self {
        Diagnostic {
            message: message.into(),
            target,
            labels: Vec::new(),
            help: None,
        }
    }

    pub fn label(mut self, target: Target<'a>, message: impl Into<String>) -> Self {
        self.labels.push((target, message.into()));
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Work that several rules of one object share, done by the first rule that needs it.
#[derive(Default)]
pub struct Memo<'a> {
    /// Every structural problem of the object (the five `schema-*` rules share one walk).
    pub(crate) schema: std::cell::OnceCell<Vec<(checks::schema::Problem, Diagnostic<'a>)>>,
    /// The Job spec after the API server's defaulting (shared by the `api-*` rules).
    pub(crate) job_spec: std::cell::OnceCell<checks::api::JobSpecView<'a>>,
    /// A CronJob's `spec.schedule`, parsed (shared by the schedule and TTL rules).
    schedule: std::cell::OnceCell<Option<crate::cron::Schedule>>,
}

/// What a check sees: the object, the rule's parameters and the target Kubernetes version.
pub struct Ctx<'o, 'a> {
    pub object: &'o Object<'a>,
    /// Every rule, enabled or not (for checks about rule names).
    pub catalog: &'o Catalog,
    pub params: &'o BTreeMap<String, serde_json::Value>,
    pub kube_version: KubeVersion,
    /// The text the object was read from (for checks that look at how a value was written).
    pub source: &'o Source,
    /// Analyses shared between the rules of this object.
    pub memo: &'o Memo<'a>,
    /// Which suppressions of the object covered a finding of the rules that ran before.
    pub(crate) suppressions: &'o crate::lint::SuppressionUse<'o>,
}

impl<'o, 'a> Ctx<'o, 'a> {
    /// The object's `spec.schedule` as a cron schedule, parsed once per object; `None` when it
    /// is absent, not a string, or rejected (the API-parity rules report that).
    pub fn schedule(&self) -> Option<&'o crate::cron::Schedule> {
        self.memo
            .schedule
            .get_or_init(|| {
                let text = self.object.root.get_path(&["spec", "schedule"])?.as_str()?;
                crate::cron::parse_standard(text).ok()
            })
            .as_ref()
    }

    pub fn param_i64(&self, name: &str) -> i64 {
        self.params
            .get(name)
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(0)
    }

    pub fn param_strs(&self, name: &str) -> Vec<&str> {
        self.params
            .get(name)
            .and_then(serde_json::Value::as_array)
            .map(|a| a.iter().filter_map(serde_json::Value::as_str).collect())
            .unwrap_or_default()
    }

    pub fn param_bool(&self, name: &str) -> bool {
        self.params
            .get(name)
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false)
    }
}

pub enum Check {
    Builtin(CheckFn),
    Schema {
        target: SchemaTarget,
        validator: Box<jsonschema::Validator>,
        message: Option<String>,
    },
}

/// A rule ready to run.
pub struct Rule {
    pub meta: RuleMeta,
    pub check: Check,
    /// Where the rule came from: `rules/<file>` for built-ins, the path for user rules.
    pub origin: String,
    pub builtin: bool,
    // Shared with every finding of the rule (a finding holds a reference, not a copy).
    why: Arc<str>,
    help: Arc<str>,
}

impl Rule {
    /// Runs the rule on the object, adding what it finds to `out` (one buffer serves all the
    /// rules of an object).
    pub fn run<'a>(&self, ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
        if self.meta.applies_to.contains(&ctx.object.kind) {
            self.run_check(ctx, out);
        }
    }

    /// The check's function when it is a built-in one.
    pub(crate) fn builtin_check(&self) -> Option<CheckFn> {
        match self.check {
            Check::Builtin(f) => Some(f),
            Check::Schema { .. } => None,
        }
    }

    /// [`Rule::run`] for a caller that has already picked the rules of the object's kind.
    pub(crate) fn run_check<'a>(&self, ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
        match &self.check {
            Check::Builtin(f) => f(ctx, out),
            Check::Schema {
                target,
                validator,
                message,
            } => {
                for field in schema_targets(ctx.object, *target) {
                    run_schema(&field, validator, message.as_deref(), out);
                }
            }
        }
    }

    /// The first sentence of the rationale: why the finding matters.
    pub fn why(&self) -> &Arc<str> {
        &self.why
    }

    /// The first sentence of the remediation: the help line.
    pub fn help(&self) -> &Arc<str> {
        &self.help
    }
}

fn first_sentence(text: &str) -> String {
    let text = text.split("\n\n").next().unwrap_or("").replace('\n', " ");
    let text = text.trim();
    // A sentence ends at ". " followed by a capital letter (so "e.g. this" does not end one).
    let end = text
        .match_indices(". ")
        .map(|(i, _)| i)
        .find(|&i| text[i + 2..].chars().next().is_some_and(char::is_uppercase));
    match end {
        Some(i) => text[..=i].to_owned(),
        None => text.to_owned(),
    }
}

fn schema_targets<'a>(object: &Object<'a>, target: SchemaTarget) -> Vec<Field<'a>> {
    match target {
        SchemaTarget::Object => vec![object.root_field()],
        SchemaTarget::JobSpec => object.job_spec().into_iter().collect(),
        SchemaTarget::PodSpec => object.pod_spec().into_iter().collect(),
        SchemaTarget::Container => object.all_containers().to_vec(),
    }
}

fn run_schema<'a>(
    field: &Field<'a>,
    validator: &jsonschema::Validator,
    message: Option<&str>,
    out: &mut Vec<Diagnostic<'a>>,
) {
    let instance = field.node.to_json();
    for error in validator.iter_errors(&instance) {
        let at = resolve_pointer(field, error.instance_path().as_str());
        let target = match error.kind() {
            jsonschema::error::ValidationErrorKind::Required { property } => {
                at.missing(property.as_str().unwrap_or_default())
            }
            _ => at.target(),
        };
        let text = message.map_or_else(|| error.to_string(), str::to_owned);
        out.push(Diagnostic::new(target, text));
    }
}

/// Follows a JSON pointer inside `field` (as jsonschema reports instance locations) to the field
/// it names, keeping its key and path.
fn resolve_pointer<'a>(field: &Field<'a>, pointer: &str) -> Field<'a> {
    let mut at = field.clone();
    for raw in pointer.split('/').skip(1) {
        let token = raw.replace("~1", "/").replace("~0", "~");
        let next = match &at.node.value {
            crate::yaml::Value::Map(_) => at.child(&token),
            crate::yaml::Value::Seq(_) => token
                .parse::<usize>()
                .ok()
                .and_then(|i| at.items().into_iter().nth(i)),
            _ => None,
        };
        match next {
            Some(next) => at = next,
            None => break,
        }
    }
    at
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// All rules, built-in and user-defined, in a stable order.
pub struct Catalog {
    rules: Vec<Arc<Rule>>,
}

impl Catalog {
    /// The built-in rules, from the rule files compiled into the binary.
    pub fn builtin() -> Result<Catalog, CatalogError> {
        let mut rules = Vec::new();
        for (file, text) in embedded::RULE_FILES {
            rules.push(Arc::new(load_rule(&format!("rules/{file}"), text, true)?));
        }
        let catalog = Catalog { rules };
        for (id, _) in checks::BUILTIN {
            if catalog.get(id).is_none() {
                return Err(CatalogError::Invalid {
                    origin: "src/checks".into(),
                    message: format!("check `{id}` has no rule file rules/{id}.yaml"),
                });
            }
        }
        Ok(catalog)
    }

    /// Adds user rules from a directory (`*.yaml`, declarative checks only).
    pub fn add_dir(&mut self, dir: &Path) -> Result<(), CatalogError> {
        let io = |source| CatalogError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).map_err(|source| CatalogError::Io {
                path: path.clone(),
                source,
            })?;
            let rule = load_rule(&path.display().to_string(), &text, false)?;
            if self.get(&rule.meta.id).is_some() {
                return Err(CatalogError::Invalid {
                    origin: path.display().to_string(),
                    message: format!("rule id `{}` is already defined", rule.meta.id),
                });
            }
            self.rules.push(Arc::new(rule));
        }
        Ok(())
    }

    pub fn rules(&self) -> &[Arc<Rule>] {
        &self.rules
    }

    pub fn get(&self, id: &str) -> Option<&Arc<Rule>> {
        self.rules.iter().find(|r| &*r.meta.id == id)
    }

    /// The rules a name selects: the rule of that id, or every rule of that category (`api`,
    /// `ttl`, ...); for a name that is neither, the message to show (with the nearest name).
    pub fn select(&self, name: &str) -> Result<Vec<&str>, String> {
        if let Some(rule) = self.get(name) {
            return Ok(vec![&*rule.meta.id]);
        }
        let ids: Vec<&str> = self
            .rules
            .iter()
            .filter(|r| &*r.meta.category == name)
            .map(|r| &*r.meta.id)
            .collect();
        if !ids.is_empty() {
            return Ok(ids);
        }
        let suggestion = self
            .rules
            .iter()
            .flat_map(|r| [&*r.meta.id, &*r.meta.category])
            .min_by_key(|cand| strsim::levenshtein(cand, name))
            .filter(|cand| strsim::levenshtein(cand, name) <= 3);
        Err(match suggestion {
            Some(s) => format!("unknown rule `{name}` (did you mean `{s}`?)"),
            None => format!("unknown rule `{name}` (see `joblint rules`)"),
        })
    }
}

fn load_rule(origin: &str, text: &str, builtin: bool) -> Result<Rule, CatalogError> {
    let invalid = |message: String| CatalogError::Invalid {
        origin: origin.to_owned(),
        message,
    };
    let meta: RuleMeta = serde_yaml::from_str(text).map_err(|e| invalid(e.to_string()))?;
    if !is_kebab(&meta.id) {
        return Err(invalid(format!("rule id `{}` is not kebab-case", meta.id)));
    }
    if meta.examples.bad.is_empty() || meta.examples.good.is_empty() {
        return Err(invalid(
            "a rule needs at least one bad and one good example".into(),
        ));
    }
    let check = match &meta.check {
        CheckSpec::Builtin(_) if !builtin => {
            return Err(invalid(
                "user rules must be declarative (`check:` with target and schema)".into(),
            ));
        }
        CheckSpec::Builtin(_) => {
            Check::Builtin(checks::builtin(&meta.id).ok_or_else(|| {
                invalid(format!("no check function registered for `{}`", meta.id))
            })?)
        }
        CheckSpec::Schema(s) => Check::Schema {
            target: s.target,
            validator: Box::new(
                jsonschema::validator_for(&s.schema)
                    .map_err(|e| invalid(format!("invalid JSON Schema: {e}")))?,
            ),
            message: s.message.clone(),
        },
    };
    Ok(Rule {
        why: first_sentence(&meta.rationale).into(),
        help: first_sentence(&meta.remediation).into(),
        meta,
        check,
        origin: origin.to_owned(),
        builtin,
    })
}

fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_sentences() {
        assert_eq!(first_sentence("One thing. Two.\n\nThree."), "One thing.");
        assert_eq!(first_sentence("No period"), "No period");
        assert_eq!(
            first_sentence("Uses e.g. dots.\nNext. x"),
            "Uses e.g. dots."
        );
    }

    #[test]
    fn kebab_ids() {
        assert!(is_kebab("ttl-missing"));
        assert!(!is_kebab("TtlMissing"));
        assert!(!is_kebab("ttl--missing"));
    }
}
