//! `.joblint.yaml`: rule settings, excludes, fail-on, and the webhook's settings. The file is
//! validated against a JSON Schema (printed by `joblint config schema`); mistakes are reported
//! with line and column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::finding::{FailOn, Severity};
use crate::rule::Catalog;
use crate::source::Source;
use crate::yaml;

pub const FILE_NAME: &str = ".joblint.yaml";

/// The Kubernetes minor version whose API server behaviour is modelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub enum KubeVersion {
    #[serde(rename = "1.33")]
    V1_33,
    #[serde(rename = "1.34")]
    V1_34,
    #[default]
    #[serde(rename = "1.35")]
    V1_35,
}

impl KubeVersion {
    pub const ALL: [&'static str; 3] = ["1.33", "1.34", "1.35"];

    pub fn as_str(self) -> &'static str {
        match self {
            KubeVersion::V1_33 => "1.33",
            KubeVersion::V1_34 => "1.34",
            KubeVersion::V1_35 => "1.35",
        }
    }
}

impl FromStr for KubeVersion {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim_start_matches('v') {
            "1.33" => Ok(KubeVersion::V1_33),
            "1.34" => Ok(KubeVersion::V1_34),
            "1.35" => Ok(KubeVersion::V1_35),
            _ => Err(format!(
                "unsupported Kubernetes version `{s}` (supported: 1.33, 1.34, 1.35)"
            )),
        }
    }
}

/// The config file, as written.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    pub fail_on: Option<FailOn>,
    pub kube_version: Option<KubeVersion>,
    /// Glob patterns of paths not to lint.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Directories of user rule files, relative to the config file.
    #[serde(default)]
    pub rule_dirs: Vec<PathBuf>,
    /// Per-rule settings by rule id.
    #[serde(default)]
    pub rules: BTreeMap<String, RuleSetting>,
    /// When set, only these rules run (like `--only`).
    #[serde(default)]
    pub only: Vec<String>,
    #[serde(default)]
    pub webhook: WebhookConfig,
    /// The directory the config file is in (paths in it are relative to this).
    #[serde(skip)]
    pub base_dir: Option<PathBuf>,
    /// `file:line:col` of each key under `rules:`, for reporting unknown rule ids.
    #[serde(skip)]
    pub rule_positions: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RuleSetting {
    /// `true`/`false`; YAML 1.1 also reads a plain `off` as false.
    Toggle(bool),
    Level(Level),
    Full(RuleOptions),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Off,
    Error,
    Warning,
    Info,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleOptions {
    pub enabled: Option<bool>,
    pub severity: Option<Severity>,
    #[serde(default)]
    pub params: BTreeMap<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookMode {
    /// Errors deny the object.
    #[default]
    Enforce,
    /// Nothing is denied; every finding comes back as a warning.
    Warn,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct WebhookConfig {
    pub mode: WebhookMode,
    /// The lowest severity sent back as an AdmissionResponse warning; findings below it are still
    /// counted in the metrics and named in the decision's log line.
    pub warn_on: Severity,
    /// Namespaces whose objects are allowed without linting.
    pub exempt_namespaces: Vec<String>,
    /// Jobs whose ownerReferences name a CronJob are allowed (their CronJob was checked).
    pub allow_cronjob_owned_jobs: bool,
    /// Whether `joblint.dev/ignore` annotations are honoured.
    pub allow_annotation_opt_out: bool,
    /// Seconds to keep serving after SIGTERM before draining.
    pub shutdown_grace_seconds: u64,
    /// Largest admission request body accepted.
    pub max_body_bytes: usize,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            mode: WebhookMode::Enforce,
            warn_on: Severity::Info,
            exempt_namespaces: Vec::new(),
            allow_cronjob_owned_jobs: true,
            allow_annotation_opt_out: true,
            shutdown_grace_seconds: 5,
            max_body_bytes: 8 * 1024 * 1024,
        }
    }
}

/// A mistake in a config file, at a position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl ConfigError {
    fn at(source: &Source, offset: usize, message: impl Into<String>) -> Self {
        let lc = source.line_col(offset);
        ConfigError {
            file: source.name.to_string(),
            line: lc.line,
            column: lc.column,
            message: message.into(),
        }
    }
}

/// Finds `.joblint.yaml` in `start` or the nearest ancestor.
pub fn discover(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|p| p.is_file())
}

/// The JSON Schema of the config file, with the catalogue's rule ids and parameters.
pub fn schema(catalog: &Catalog) -> Value {
    let mut rule_props = serde_json::Map::new();
    for rule in catalog.rules() {
        let mut params = serde_json::Map::new();
        for (name, p) in &rule.meta.params {
            let ty = match &p.default {
                Value::Bool(_) => json!("boolean"),
                Value::Number(n) if n.is_i64() => json!("integer"),
                Value::Number(_) => json!("number"),
                Value::Array(_) => json!("array"),
                _ => json!("string"),
            };
            params.insert(
                name.clone(),
                json!({"type": ty, "description": p.description, "default": p.default}),
            );
        }
        rule_props.insert(
            rule.meta.id.to_string(),
            rule_setting_schema(
                Some(&rule.meta.summary),
                Some(
                    json!({"type": "object", "additionalProperties": false, "properties": params}),
                ),
            ),
        );
    }
    let categories: std::collections::BTreeSet<&str> =
        catalog.rules().iter().map(|r| &*r.meta.category).collect();
    for category in categories {
        // No `params`: parameters belong to rules.
        let description =
            format!("Every rule of category `{category}` (a rule's own setting wins).");
        rule_props.insert(
            category.to_owned(),
            rule_setting_schema(Some(&description), None),
        );
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "joblint configuration (.joblint.yaml)",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "fail-on": {"enum": ["error", "warning", "info", "never"], "description": "Lowest severity that fails a lint run (default warning)."},
            "kube-version": {"enum": KubeVersion::ALL, "description": "Kubernetes version whose API server is modelled (default 1.35)."},
            "exclude": {"type": "array", "items": {"type": "string"}, "description": "Glob patterns of paths not to lint."},
            "rule-dirs": {"type": "array", "items": {"type": "string"}, "description": "Directories of custom rule files, relative to this file."},
            "only": {"type": "array", "items": {"type": "string"}, "description": "Run only these rules or categories (like --only)."},
            "rules": {
                "type": "object",
                "description": "Per-rule or per-category settings: off, a severity, or {enabled, severity, params}.",
                "properties": rule_props,
                "additionalProperties": {"$ref": "#/$defs/rule-setting"}
            },
            "webhook": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "mode": {"enum": ["enforce", "warn"], "description": "enforce: errors deny; warn: never deny."},
                    "warn-on": {"$ref": "#/$defs/severity", "description": "Lowest severity sent back to kubectl as a warning (default info)."},
                    "exempt-namespaces": {"type": "array", "items": {"type": "string"}},
                    "allow-cronjob-owned-jobs": {"type": "boolean"},
                    "allow-annotation-opt-out": {"type": "boolean"},
                    "shutdown-grace-seconds": {"type": "integer", "minimum": 0, "maximum": 300},
                    "max-body-bytes": {"type": "integer", "minimum": 1024}
                }
            }
        },
        "$defs": {
            "severity": {"enum": ["error", "warning", "info"]},
            "level": {
                "enum": ["off", "error", "warning", "info", true, false],
                "description": "off (or false) disables the rule, true enables it, a severity enables it with that severity"
            },
            "rule-setting": rule_setting_schema(None, Some(json!({"type": "object"})))
        }
    })
}

/// A rule's (or a category's, without `params`) setting: a level, or a mapping. if/then/else
/// rather than oneOf, so that a mistake inside the mapping is reported at its own line instead
/// of at the rule id.
fn rule_setting_schema(description: Option<&str>, params: Option<Value>) -> Value {
    let mut properties = json!({
        "enabled": {"type": "boolean"},
        "severity": {"$ref": "#/$defs/severity"}
    });
    if let (Some(params), Some(props)) = (params, properties.as_object_mut()) {
        props.insert("params".into(), params);
    }
    let mut schema = json!({
        "if": {"type": ["string", "boolean"]},
        "then": {"$ref": "#/$defs/level"},
        "else": {"type": "object", "additionalProperties": false, "properties": properties}
    });
    if let (Some(d), Some(obj)) = (description, schema.as_object_mut()) {
        obj.insert("description".into(), Value::from(d));
    }
    schema
}

/// Reads and validates a config file. Unknown rule ids (not in `catalog`, custom rules
/// included) are reported here, with their position.
pub fn load(path: &Path, catalog_for_schema: &Catalog) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: path.display().to_string(),
        line: 1,
        column: 1,
        message: format!("cannot read config file: {e}"),
    })?;
    let source = Source::new(path.display().to_string(), text);
    let mut config = parse(&source, catalog_for_schema)?;
    config.base_dir = path.parent().map(Path::to_path_buf);
    Ok(config)
}

/// Parses config text (as from a file or a ConfigMap).
pub fn parse(source: &Source, catalog: &Catalog) -> Result<Config, ConfigError> {
    let stream = yaml::parse(source);
    if let Some(err) = stream.error {
        return Err(ConfigError::at(
            source,
            err.offset,
            format!("invalid YAML: {}", err.message),
        ));
    }
    let Some(doc) = stream.documents.into_iter().next() else {
        return Ok(Config::default());
    };
    if doc.root.is_null() {
        return Ok(Config::default());
    }
    let instance = doc.root.to_json();
    let schema = schema(catalog);
    let validator = jsonschema::validator_for(&schema).map_err(|e| ConfigError {
        file: source.name.to_string(),
        line: 1,
        column: 1,
        message: format!("internal error: config schema: {e}"),
    })?;
    let mut errors: Vec<ConfigError> = validator
        .iter_errors(&instance)
        .map(|e| {
            let pointer = e.instance_path().as_str().to_owned();
            let node = doc.root.pointer(&pointer).unwrap_or(&doc.root);
            let shown = if pointer.is_empty() {
                "top level".to_owned()
            } else {
                pointer.clone()
            };
            // An unknown key is shown at the key itself.
            let at = match e.kind() {
                jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                    unexpected
                        .first()
                        .and_then(|k| node.entry(k))
                        .map_or(node.span.start, |entry| entry.key.span.start)
                }
                _ => node.span.start,
            };
            ConfigError::at(source, at, format!("{shown}: {}", short_schema_error(&e)))
        })
        .collect();
    errors.sort_by_key(|e| (e.line, e.column));
    errors.dedup_by(|a, b| a.line == b.line && a.column == b.column);
    if let Some(first) = errors.into_iter().next() {
        return Err(first);
    }
    let mut config: Config = serde_json::from_value(instance).map_err(|e| ConfigError {
        file: source.name.to_string(),
        line: 1,
        column: 1,
        message: e.to_string(),
    })?;
    if let Some(rules) = doc.root.get("rules").and_then(yaml::Node::as_map) {
        for entry in rules {
            if let Some(id) = entry.key.key_string() {
                let lc = source.line_col(entry.key.span.start);
                let at = format!("{}:{}:{}", source.name, lc.line, lc.column);
                config.rule_positions.insert(id, at);
            }
        }
    }
    Ok(config)
}

fn short_schema_error(e: &jsonschema::ValidationError<'_>) -> String {
    use jsonschema::error::ValidationErrorKind as K;
    match e.kind() {
        K::AdditionalProperties { unexpected } => {
            format!(
                "unknown key{} {}",
                if unexpected.len() > 1 { "s" } else { "" },
                unexpected.join(", ")
            )
        }
        K::OneOfNotValid { .. } => {
            "expected off, error, warning, info, or a mapping with enabled, severity and params"
                .into()
        }
        // Every value that would do (jsonschema names two and counts the rest).
        K::Enum { options } => {
            let options: Vec<String> = match &**options {
                Value::Array(values) => values.iter().map(Value::to_string).collect(),
                other => vec![other.to_string()],
            };
            format!("{} is not one of {}", e.instance(), options.join(", "))
        }
        _ => e.to_string(),
    }
}

/// How one rule runs after the config and the command line are applied.
#[derive(Debug, Clone)]
pub struct RuleState {
    pub enabled: bool,
    pub severity: Severity,
    pub params: BTreeMap<String, Value>,
}

/// Everything the engine needs to know about the user's choices.
#[derive(Debug, Clone)]
pub struct Settings {
    pub kube_version: KubeVersion,
    pub rules: BTreeMap<String, RuleState>,
    /// Whether `joblint.dev/ignore` annotations suppress findings.
    pub annotation_opt_out: bool,
}

impl Settings {
    /// Applies `config`, then `--enable`/`--disable` flags, to the catalogue's defaults.
    pub fn resolve(
        catalog: &Catalog,
        config: &Config,
        enable: &[String],
        disable: &[String],
        kube_version: Option<KubeVersion>,
    ) -> Result<Settings, String> {
        let mut rules = BTreeMap::new();
        for rule in catalog.rules() {
            let params = rule
                .meta
                .params
                .iter()
                .map(|(k, p)| (k.clone(), p.default.clone()))
                .collect();
            rules.insert(
                rule.meta.id.to_string(),
                RuleState {
                    enabled: true,
                    severity: rule.meta.severity,
                    params,
                },
            );
        }
        // A category's setting applies to each of its rules; a rule's own setting, applied after,
        // wins over its category's (`api: off` with `api-selector: error` keeps api-selector).
        let (by_category, by_rule): (Vec<_>, Vec<_>) = config
            .rules
            .iter()
            .partition(|(name, _)| catalog.get(name).is_none());
        for (name, setting) in by_category.into_iter().chain(by_rule) {
            let at = |msg: String| match config.rule_positions.get(name) {
                Some(pos) => format!("{pos}: {msg}"),
                None => msg,
            };
            // The config's schema allows no `params` under a category.
            for id in catalog.select(name).map_err(at)? {
                let Some(state) = rules.get_mut(id) else {
                    continue;
                };
                // A severity turns the rule on as well (its category may have turned it off).
                let mut set_severity = |severity: Severity| {
                    state.severity = severity;
                    state.enabled = true;
                };
                match setting {
                    RuleSetting::Toggle(enabled) => state.enabled = *enabled,
                    RuleSetting::Level(Level::Off) => state.enabled = false,
                    RuleSetting::Level(Level::Error) => set_severity(Severity::Error),
                    RuleSetting::Level(Level::Warning) => set_severity(Severity::Warning),
                    RuleSetting::Level(Level::Info) => set_severity(Severity::Info),
                    RuleSetting::Full(opts) => {
                        if let Some(severity) = opts.severity {
                            set_severity(severity);
                        }
                        if let Some(enabled) = opts.enabled {
                            state.enabled = enabled;
                        }
                        for (param, value) in &opts.params {
                            if !state.params.contains_key(param) {
                                return Err(at(format!("rule `{id}` has no parameter `{param}`")));
                            }
                            state.params.insert(param.clone(), value.clone());
                        }
                    }
                }
            }
        }
        // Categories first, then rules, so that `--disable api --enable api-selector` keeps
        // api-selector on.
        for rule_names in [false, true] {
            for (names, enabled) in [(enable, true), (disable, false)] {
                for name in names
                    .iter()
                    .filter(|n| catalog.get(n).is_some() == rule_names)
                {
                    for id in catalog.select(name)? {
                        if let Some(state) = rules.get_mut(id) {
                            state.enabled = enabled;
                        }
                    }
                }
            }
        }
        let mut settings = Settings {
            kube_version: kube_version.or(config.kube_version).unwrap_or_default(),
            rules,
            // The CLI always honours the annotations; the webhook applies
            // `webhook.allow-annotation-opt-out` on top.
            annotation_opt_out: true,
        };
        if !config.only.is_empty() {
            settings.restrict_to(catalog, &config.only)?;
        }
        Ok(settings)
    }
}

impl Settings {
    /// Turns off every rule not named in `names`, by id or category (`--only`).
    pub fn restrict_to(&mut self, catalog: &Catalog, names: &[String]) -> Result<(), String> {
        let mut kept = Vec::new();
        for name in names {
            kept.extend(catalog.select(name)?);
        }
        for (id, state) in &mut self.rules {
            state.enabled = kept.contains(&id.as_str());
        }
        Ok(())
    }
}
