//! The pipeline: source → documents → objects → rules → findings. The CLI calls
//! [`Linter::lint_source`] on text; the webhook calls [`Linter::lint_tree_brief`] on the object
//! it has decoded into a tree, for findings reduced to what an admission response shows. From
//! the objects on, both take the same path (`Linter::check_object`).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;
use std::sync::{Arc, LazyLock};

use crate::checks::CheckFn;
use crate::config::{Config, RuleState, Settings};
use crate::finding::{
    Brief, FileReport, Finding, InputError, Label, Location, ObjectRef, Suppression,
};
use crate::input::{Input, read};
use crate::object::{Kind, Object, recognise};
use crate::path::PathArena;
use crate::rule::{Catalog, Ctx, Diagnostic, Memo, Rule};
use crate::source::{Source, Span};
use crate::yaml::{self, Node};

/// The annotation that suppresses rules on an object or its pod template.
pub const IGNORE_ANNOTATION: &str = "joblint.dev/ignore";
/// The comment that suppresses rules on the next line.
pub const IGNORE_COMMENT: &str = "joblint-ignore:";
/// The rule that reports suppressions that suppressed nothing.
const IGNORE_UNUSED: &str = "ignore-unused";

/// The arena's first chunk: the paths of one object take 1-3 KB (it grows for a document with
/// more, such as a `List`).
const PATH_ARENA_BYTES: usize = 4096;

/// A catalogue with the user's settings applied.
#[derive(Clone)]
pub struct Linter {
    catalog: Arc<Catalog>,
    settings: Arc<Settings>,
    /// The enabled rules that apply to each kind (by [`Kind::index`]), in catalogue order, with
    /// their settings: looked up once, not per object, and an object's loop touches only the
    /// rules of its kind (on a webhook, each rule it touches is likely a cache miss).
    active: [Arc<[ActiveRule]>; Kind::ALL.len()],
}

/// An enabled rule with its settings.
struct ActiveRule {
    rule: Arc<Rule>,
    state: RuleState,
    /// The rule's check when it is a built-in function, copied here so that running it reads
    /// only this array: the rule itself is read when it finds something.
    builtin: Option<CheckFn>,
}

impl Linter {
    pub fn new(catalog: Arc<Catalog>, settings: Settings) -> Self {
        let active = Kind::ALL.map(|kind| {
            let mut active: Vec<ActiveRule> = catalog
                .rules()
                .iter()
                .filter(|rule| rule.meta.applies_to.contains(&kind))
                .filter_map(|rule| {
                    let state = settings.rules.get(&*rule.meta.id)?;
                    state.enabled.then(|| ActiveRule {
                        rule: rule.clone(),
                        state: state.clone(),
                        builtin: rule.builtin_check(),
                    })
                })
                .collect();
            // `ignore-unused` runs last: it reads which suppressions the others' findings met.
            active.sort_by_key(|r| &*r.rule.meta.id == IGNORE_UNUSED);
            Arc::from(active)
        });
        Linter {
            catalog,
            settings: Arc::new(settings),
            active,
        }
    }

    /// The built-in rules with their default settings: `joblint lint` without a config or flags.
    pub fn builtin() -> Result<Linter, String> {
        let catalog = Catalog::builtin().map_err(|e| format!("built-in rules: {e}"))?;
        let catalog = Arc::new(catalog);
        let settings = Settings::resolve(&catalog, &Config::default(), &[], &[], None)?;
        Ok(Linter::new(catalog, settings))
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Lints inputs, in parallel when there are many, calling `each` in input order with the
    /// source (absent when it could not be read) and its report. Sources are dropped after `each`
    /// returns, so memory stays bounded by the chunk, not by the number of files.
    pub fn lint_inputs(&self, inputs: &[Input], mut each: impl FnMut(Option<&Source>, FileReport)) {
        use rayon::prelude::*;
        const CHUNK: usize = 64;
        let one = |input: &Input| match read(input) {
            Ok(source) => {
                let report = self.lint_source(&source);
                (Some(source), report)
            }
            Err(error) => (
                None,
                FileReport {
                    file: error.file.clone(),
                    input_errors: vec![error],
                    ..FileReport::default()
                },
            ),
        };
        for chunk in inputs.chunks(CHUNK) {
            let results: Vec<_> = if chunk.len() >= 4 && !chunk.contains(&Input::Stdin) {
                chunk.par_iter().map(one).collect()
            } else {
                chunk.iter().map(one).collect()
            };
            for (source, report) in results {
                each(source.as_ref(), report);
            }
        }
    }

    /// Lints every Job and CronJob in one source.
    pub fn lint_source(&self, source: &Source) -> FileReport {
        self.lint_stream(source, yaml::parse(source))
    }

    /// Lints a tree that was built without a text (the webhook decodes the object of an
    /// admission request straight into one): findings carry field paths, and their locations
    /// are line 1, column 1 of `name`.
    pub fn lint_tree(&self, name: &str, root: &Node) -> FileReport {
        let source = Source::new(name, String::new());
        let mut report = FileReport {
            file: name.to_owned(),
            ..FileReport::default()
        };
        self.lint_documents(
            &source,
            [(0, root)],
            &BTreeMap::new(),
            &NO_COMMENTS,
            &mut report,
        );
        report
    }

    /// [`Linter::lint_tree`] for the webhook: the unsuppressed findings as [`Brief`]s, in the
    /// same order, without what only renderers need.
    pub fn lint_tree_brief(&self, root: &Node) -> Vec<Brief<'_>> {
        // Checks see a source (some look at how a value was written); a tree has no text.
        static NO_TEXT: LazyLock<Source> =
            LazyLock::new(|| Source::new("<admission>", String::new()));
        let source = &*NO_TEXT;
        let arena = PathArena::with_capacity(PATH_ARENA_BYTES);
        let mut out = Vec::new();
        // Each brief with whether an annotation suppresses it: suppressed findings take part in
        // the same-problem dedup, as in `lint_tree`, and are left out after it. (Comments
        // suppress nothing in a tree without text.)
        let mut object_briefs: Vec<(Brief, bool)> = Vec::new();
        for object in &recognise([(0, root)], &arena).objects {
            let used = self.suppression_use(object, &NO_COMMENTS);
            self.check_object(source, object, &used, |rule, state, diag, suppressed| {
                let brief = Brief {
                    rule: &rule.meta.id,
                    category: &rule.meta.category,
                    severity: state.severity,
                    message: diag.message,
                    short_message: rule.meta.short_message.as_deref(),
                    path: diag.target.path.to_text(),
                    offset: diag.target.span.start,
                };
                object_briefs.push((brief, suppressed.is_some()));
            });
            dedup_same_problem(&mut object_briefs, 0, |(b, _)| (b.category, &b.path));
            out.extend(
                object_briefs
                    .drain(..)
                    .filter_map(|(brief, suppressed)| (!suppressed).then_some(brief)),
            );
        }
        out.sort_by(|a, b| (a.offset, &a.rule).cmp(&(b.offset, &b.rule)));
        out
    }

    fn lint_stream(&self, source: &Source, stream: yaml::Stream) -> FileReport {
        let mut report = FileReport {
            file: source.name.to_string(),
            ..FileReport::default()
        };
        if let Some(err) = &stream.error {
            let lc = source.line_col(err.offset);
            report.input_errors.push(InputError {
                file: source.name.to_string(),
                line: lc.line,
                column: lc.column,
                message: format!("invalid YAML: {}", err.message),
                span: Some(err.offset..err.offset),
            });
        }
        let templates = helm_templates(source, &stream.documents);
        let comments = IgnoreComments::scan(source, &stream.documents);
        self.lint_documents(source, stream.roots(), &templates, &comments, &mut report);
        report
    }

    /// Lints the Jobs and CronJobs of each document into `report`, findings in source order.
    /// Each document's field paths live in an arena of their own, dropped when the document is
    /// done (a stream of thousands of objects does not keep every path of every rule).
    fn lint_documents<'n>(
        &self,
        source: &Source,
        documents: impl IntoIterator<Item = (usize, &'n Node)>,
        templates: &BTreeMap<usize, String>,
        comments: &IgnoreComments,
        report: &mut FileReport,
    ) {
        for document in documents {
            let arena = PathArena::with_capacity(PATH_ARENA_BYTES);
            let recognised = recognise([document], &arena);
            report.objects += recognised.objects.len();
            report.other_objects += recognised.other;
            for object in &recognised.objects {
                let template = templates.get(&object.document).cloned();
                let object_ref = Arc::new(ObjectRef::new(object, template));
                report.linted.push(object_ref.clone());
                self.lint_object(source, object, object_ref, comments, &mut report.findings);
            }
        }
        report.findings.sort_by(|a, b| {
            (a.location.span.start, &a.rule).cmp(&(b.location.span.start, &b.rule))
        });
    }

    fn lint_object(
        &self,
        source: &Source,
        object: &Object<'_>,
        object_ref: Arc<ObjectRef>,
        comments: &IgnoreComments,
        out: &mut Vec<Finding>,
    ) {
        let first = out.len();
        let used = self.suppression_use(object, comments);
        self.check_object(source, object, &used, |rule, state, diag, suppressed| {
            let location = Location::new(source, diag.target.span.clone());
            let comment = comments.suppression(location.start.line, rule, &used);
            let suppressed = suppressed.or(comment);
            out.push(Finding {
                rule: rule.meta.id.clone(),
                category: rule.meta.category.clone(),
                severity: state.severity,
                message: diag.message,
                help: Some(diag.help.map_or_else(|| rule.help().clone(), Arc::from)),
                why: Some(rule.why().clone()),
                path: diag.target.path.to_text(),
                location,
                labels: diag
                    .labels
                    .into_iter()
                    .map(|(t, message)| Label {
                        message,
                        path: t.path.to_text(),
                        location: Location::new(source, t.span),
                    })
                    .collect(),
                object: object_ref.clone(),
                template_location: None,
                suppressed,
            });
        });
        dedup_same_problem(out, first, |f| (&f.category, &f.path));
    }

    fn suppression_use<'l>(
        &'l self,
        object: &Object<'_>,
        comments: &'l IgnoreComments,
    ) -> SuppressionUse<'l> {
        SuppressionUse {
            active: &self.active[object.kind.index()],
            annotations_honoured: self.settings.annotation_opt_out,
            comments,
            used: RefCell::default(),
        }
    }

    /// Runs the enabled rules on one object and hands `emit` each diagnostic, with its rule, the
    /// rule's settings and the ignore annotation that suppresses it, if any.
    fn check_object<'s, 'a>(
        &'s self,
        source: &Source,
        object: &Object<'a>,
        used: &SuppressionUse,
        mut emit: impl FnMut(&'s Rule, &'s RuleState, Diagnostic<'a>, Option<Suppression>),
    ) {
        let ignored = if self.settings.annotation_opt_out {
            ignore_annotations(object)
        } else {
            Vec::new()
        };
        let memo = Memo::default();
        let mut diags = Vec::new();
        let kube_version = self.settings.kube_version;
        for ActiveRule {
            rule,
            state,
            builtin,
        } in self.active[object.kind.index()].iter()
        {
            let ctx = Ctx {
                object,
                catalog: &self.catalog,
                params: &state.params,
                kube_version,
                source,
                memo: &memo,
                suppressions: used,
            };
            match builtin {
                Some(check) => check(&ctx, &mut diags),
                None => rule.run_check(&ctx, &mut diags),
            }
            for diag in diags.drain(..) {
                let mut suppressed = None;
                // Every annotation that covers the finding has been of use; the first one is
                // named as the finding's suppression.
                for (names, path) in ignored.iter() {
                    let names = || names.iter().map(String::as_str);
                    if !suppresses(names(), rule) {
                        continue;
                    }
                    used.mark(Place::Annotation(path.clone()), names(), rule);
                    suppressed
                        .get_or_insert_with(|| Suppression::Annotation { path: path.clone() });
                }
                emit(rule, state, diag, suppressed);
            }
        }
    }
}

/// One problem, one finding: where several rules report the same field of an object, only the
/// most authoritative family speaks. The API server's own validation (`api`) comes first, then
/// its structural checks (`schema`), then the catalogue; rules of one family all stay.
/// The findings of one object are `findings[first..]` (`family_and_path` gives each one's
/// category and path); an object has a handful, so the pairs are compared directly.
fn dedup_same_problem<T>(
    findings: &mut Vec<T>,
    first: usize,
    family_and_path: impl Fn(&T) -> (&str, &str),
) {
    let rank = |f: &T| match family_and_path(f).0 {
        "api" => 0,
        "schema" => 1,
        _ => 2,
    };
    let object = findings.get(first..).unwrap_or_default();
    let outranked = |f: &T| {
        object
            .iter()
            .any(|other| rank(other) < rank(f) && family_and_path(other).1 == family_and_path(f).1)
    };
    if !object.iter().any(outranked) {
        return;
    }
    let keep: Vec<bool> = object.iter().map(|f| !outranked(f)).collect();
    let mut keep = keep.into_iter();
    let mut index = 0;
    findings.retain(|_| {
        index += 1;
        index <= first || keep.next().unwrap_or(true)
    });
}

/// The names listed in the `joblint.dev/ignore` annotations of the object (see
/// [`Object::ignore_annotations`]), with each annotation's path.
fn ignore_annotations(object: &Object<'_>) -> Vec<(Vec<String>, String)> {
    object
        .ignore_annotations()
        .iter()
        .filter_map(|entry| {
            let names = annotation_names(entry.str()?).map(str::to_owned).collect();
            Some((names, entry.path.to_text()))
        })
        .collect()
}

/// The names in the value of a `joblint.dev/ignore` annotation: comma-separated.
pub(crate) fn annotation_names(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|n| !n.is_empty())
}

/// Whether a suppression listing `names` covers a finding of `rule`: by the rule's id, its
/// category, or `all`.
fn suppresses<'n>(mut names: impl Iterator<Item = &'n str>, rule: &Rule) -> bool {
    names.any(|name| covers(name, rule))
}

/// Whether one name of a suppression covers `rule`.
fn covers(name: &str, rule: &Rule) -> bool {
    name == "all" || name == &*rule.meta.id || name == &*rule.meta.category
}

/// A `# joblint-ignore:` comment of a source.
pub(crate) struct ParsedComment {
    /// The names it lists, each with where it is written in the source.
    pub names: Vec<(Span, String)>,
    reason: Option<String>,
}

/// The `# joblint-ignore: rule-a,rule-b reason` comments of one source, read once: by the line
/// each is on, and which line each applies to.
pub(crate) struct IgnoreComments {
    by_line: BTreeMap<usize, ParsedComment>,
    /// The line a comment applies to → the line the comment is on.
    applies: BTreeMap<usize, usize>,
}

/// For a tree without text.
static NO_COMMENTS: IgnoreComments = IgnoreComments {
    by_line: BTreeMap::new(),
    applies: BTreeMap::new(),
};

impl IgnoreComments {
    /// The suppression comments of `source`, whose documents are `documents`: a `#` inside a
    /// quoted or block scalar (a script's own comment, say) is the scalar's text, not a comment.
    pub(crate) fn scan(source: &Source, documents: &[yaml::Document]) -> Self {
        let mut by_line = BTreeMap::new();
        let mut applies = BTreeMap::new();
        let mut pending = None;
        for line_no in 1..=source.line_count() {
            let line = source.line_text(line_no);
            let start = source.line_start(line_no);
            let in_scalar = |at: usize| inside_scalar(documents, start + at);
            let here = IgnoreComment::find(line, in_scalar).map(|c| {
                let names = c.names.iter();
                let names = names.map(|&(at, n)| (start + at..start + at + n.len(), n.to_owned()));
                let reason = c.reason.map(str::to_owned);
                let comment = ParsedComment {
                    names: names.collect(),
                    reason,
                };
                by_line.insert(line_no, comment);
                line_no
            });
            if line.trim_start().starts_with('#') {
                if here.is_some() {
                    pending = here;
                }
                continue;
            }
            if line.trim().is_empty() {
                continue;
            }
            // A trailing comment on the line itself also counts.
            if let Some(at) = pending.take().or(here) {
                applies.insert(line_no, at);
            }
        }
        IgnoreComments { by_line, applies }
    }

    /// The comment's suppression of a finding of `rule` on `line`, if it covers it (noted in
    /// `used`).
    fn suppression(&self, line: usize, rule: &Rule, used: &SuppressionUse) -> Option<Suppression> {
        let at = *self.applies.get(&line)?;
        let comment = self.by_line.get(&at)?;
        let names = || comment.names.iter().map(|(_, n)| n.as_str());
        if !suppresses(names(), rule) {
            return None;
        }
        used.mark(Place::Comment(at), names(), rule);
        Some(Suppression::Comment {
            line,
            reason: comment.reason.clone(),
        })
    }

    /// The comments on `lines`, with the line each is on.
    pub(crate) fn on_lines(
        &self,
        lines: RangeInclusive<usize>,
    ) -> impl Iterator<Item = (usize, &ParsedComment)> {
        self.by_line.range(lines).map(|(line, c)| (*line, c))
    }
}

/// Where a suppression is written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Place {
    /// A `joblint.dev/ignore` annotation, by its path.
    Annotation(String),
    /// A `# joblint-ignore:` comment, by the line it is on.
    Comment(usize),
}

/// Which names of the suppressions of one object covered a finding, and which rules ran on
/// it: what `ignore-unused` reads.
pub(crate) struct SuppressionUse<'l> {
    active: &'l [ActiveRule],
    /// False where policy ignores `joblint.dev/ignore` (`allow-annotation-opt-out: false`).
    annotations_honoured: bool,
    /// The source's `# joblint-ignore:` comments.
    comments: &'l IgnoreComments,
    used: RefCell<BTreeSet<(Place, String)>>,
}

impl SuppressionUse<'_> {
    /// For a check run on its own over a source with these comments: no rule ran, nothing was
    /// suppressed.
    #[cfg(test)]
    pub(crate) fn none(comments: &IgnoreComments) -> SuppressionUse<'_> {
        SuppressionUse {
            active: &[],
            annotations_honoured: true,
            comments,
            used: RefCell::default(),
        }
    }

    /// The source's `# joblint-ignore:` comments.
    pub(crate) fn comments(&self) -> &IgnoreComments {
        self.comments
    }

    /// Whether `joblint.dev/ignore` annotations suppress findings here.
    pub(crate) fn annotations_honoured(&self) -> bool {
        self.annotations_honoured
    }

    /// Notes each of `names` that covers `rule` as used at `place`.
    fn mark<'n>(&self, place: Place, names: impl Iterator<Item = &'n str>, rule: &Rule) {
        let mut used = self.used.borrow_mut();
        for name in names.filter(|name| covers(name, rule)) {
            used.insert((place.clone(), name.to_owned()));
        }
    }

    /// Whether `name` at `place` covered a finding.
    pub(crate) fn is_used(&self, place: &Place, name: &str) -> bool {
        self.used
            .borrow()
            .iter()
            .any(|(p, n)| p == place && n == name)
    }

    /// Whether the rule `id` ran on the object.
    pub(crate) fn ran(&self, id: &str) -> bool {
        self.active.iter().any(|r| &*r.rule.meta.id == id)
    }
}

/// Whether byte `at` of the source is inside a scalar (a key or a value) of `documents`.
fn inside_scalar(documents: &[yaml::Document], at: usize) -> bool {
    fn inside(node: &yaml::Node, at: usize) -> bool {
        node.span.contains(&at)
            && match &node.value {
                yaml::Value::Seq(items) => items.iter().any(|n| inside(n, at)),
                yaml::Value::Map(entries) => entries
                    .iter()
                    .any(|e| inside(&e.key, at) || inside(&e.value, at)),
                _ => true,
            }
    }
    // Documents come in source order.
    let after = documents.partition_point(|d| d.root.span.start <= at);
    after > 0 && inside(&documents[after - 1].root, at)
}

/// A `# joblint-ignore: names [reason]` comment in one line of text: a line of its own (it
/// applies to the next line) or the end of a line (it applies to that line).
struct IgnoreComment<'t> {
    /// The rule ids or categories it lists, each with its byte offset in the line.
    names: Vec<(usize, &'t str)>,
    reason: Option<&'t str>,
}

impl<'t> IgnoreComment<'t> {
    /// The suppression in `line`: a `#` at the start of the line or after whitespace, followed
    /// by [`IGNORE_COMMENT`], and not inside a scalar (`in_scalar`, by byte offset in the line).
    /// It may follow another comment on the line (`# see #12 # joblint-ignore: ttl`).
    fn find(line: &'t str, in_scalar: impl Fn(usize) -> bool) -> Option<Self> {
        let (_, rest) = line
            .match_indices('#')
            .filter(|&(at, _)| at == 0 || line[..at].ends_with(char::is_whitespace))
            .filter_map(|(at, _)| {
                let rest = line[at + 1..].trim_start().strip_prefix(IGNORE_COMMENT)?;
                Some((at, rest))
            })
            .find(|&(at, _)| !in_scalar(at))?;
        let names_start = line.len() - rest.trim_start().len();
        let rest = rest.trim();
        let (list, reason) = match rest.split_once(char::is_whitespace) {
            Some((list, reason)) => (list, Some(reason.trim()).filter(|r| !r.is_empty())),
            None => (rest, None),
        };
        let mut names = Vec::new();
        let mut at = names_start;
        for part in list.split(',') {
            let name = part.trim();
            if !name.is_empty() {
                names.push((at + part.find(name).unwrap_or(0), name));
            }
            at += part.len() + 1;
        }
        (!names.is_empty()).then_some(IgnoreComment { names, reason })
    }
}

/// `# Source: chart/templates/job.yaml` comments of `helm template` output, by document index.
fn helm_templates(source: &Source, documents: &[yaml::Document]) -> BTreeMap<usize, String> {
    let mut out = BTreeMap::new();
    let mut previous_end = 0;
    for doc in documents {
        let start = doc.root.span.start.min(source.text.len());
        let region = source.text.get(previous_end..start).unwrap_or("");
        if let Some(template) = region
            .lines()
            .rev()
            .find_map(|l| l.trim().strip_prefix("# Source: "))
        {
            out.insert(doc.index, template.trim().to_owned());
        }
        previous_end = doc.root.span.end.max(start);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn briefs_are_the_unsuppressed_findings_after_dedup() {
        // The suppressed api finding still outranks the catalogue one at the same path (as in
        // `lint_tree`), so neither is reported; without the annotation only the api one is.
        let manifest = |annotation: &str| {
            format!(
                "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n  annotations: {{{annotation}}}\nspec:\n  template:\n    spec:\n      containers: [{{name: c, image: busybox}}]\n"
            )
        };
        let linter = Linter::builtin().expect("built-in rules load");
        for annotation in ["joblint.dev/ignore: api-restart-policy", "x: y"] {
            let source = Source::new("t", manifest(annotation));
            let stream = yaml::parse(&source);
            let root = &stream.documents[0].root;
            let full: Vec<(String, String)> = linter
                .lint_tree("t", root)
                .findings
                .into_iter()
                .filter(|f| f.suppressed.is_none())
                .map(|f| (f.rule.to_string(), f.path))
                .collect();
            let briefs: Vec<(String, String)> = linter
                .lint_tree_brief(root)
                .into_iter()
                .map(|b| (b.rule.to_string(), b.path))
                .collect();
            assert_eq!(briefs, full, "{annotation}");
            let restart = |rule: &str| briefs.iter().any(|(r, _)| r == rule);
            assert!(!restart("restart-policy-invalid"), "{annotation}");
            assert_eq!(restart("api-restart-policy"), annotation == "x: y");
        }
    }

    /// A suppression names rules by id or by category, in an annotation or a comment.
    #[test]
    fn suppressions_name_rules_or_categories() {
        let linter = Linter::builtin().expect("built-in rules load");
        let manifest = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n  annotations: {joblint.dev/ignore: ttl}\nspec: # joblint-ignore: deadline,backoff-limit-implicit,ttl-mising reviewed\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: busybox}]\n";
        let report = linter.lint_source(&Source::new("t", manifest));
        let suppressed = |rule: &str| {
            let found: Vec<_> = report
                .findings
                .iter()
                .filter(|f| &*f.rule == rule)
                .collect();
            assert!(!found.is_empty(), "{rule}: {:?}", report.findings);
            found.iter().all(|f| f.suppressed.is_some())
        };
        assert!(suppressed("ttl-missing"));
        assert!(suppressed("active-deadline-missing"));
        assert!(suppressed("backoff-limit-implicit"));
        assert!(!suppressed("mutable-image-tag"));
        // The name that is no rule is underlined in the comment.
        let typo = report
            .findings
            .iter()
            .find(|f| &*f.rule == "ignore-unknown-rule")
            .expect("the typo is reported");
        let (start, end) = (typo.location.start, typo.location.end);
        assert_eq!((start.line, start.column, end.column), (6, 57, 67));
        assert_eq!(&manifest[typo.location.span.clone()], "ttl-mising");
    }

    /// `ignore-unused` reports a name that covered no finding, where every rule it names ran.
    #[test]
    fn unused_suppressions() {
        let manifest = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n  annotations: {joblint.dev/ignore: 'ttl-missing,resources-missing'}\nspec:\n  ttlSecondsAfterFinished: 3600\n  template:\n    spec:\n      restartPolicy: Never # joblint-ignore: restart-policy-on-failure\n      containers: [{name: c, image: busybox}]\n";
        let catalog = Arc::new(Catalog::builtin().unwrap());
        let unused = |only: &[&str]| {
            let mut settings =
                Settings::resolve(&catalog, &Config::default(), &[], &[], None).unwrap();
            if !only.is_empty() {
                let only: Vec<String> = only.iter().map(|s| (*s).to_owned()).collect();
                settings.restrict_to(&catalog, &only).unwrap();
            }
            let linter = Linter::new(catalog.clone(), settings);
            let report = linter.lint_source(&Source::new("t", manifest));
            let briefs =
                linter.lint_tree_brief(&yaml::parse(&Source::new("t", manifest)).documents[0].root);
            let findings: Vec<String> = report
                .findings
                .iter()
                .filter(|f| &*f.rule == IGNORE_UNUSED)
                .map(|f| {
                    format!(
                        "{}:{} {}",
                        f.location.start.line, f.location.start.column, f.message
                    )
                })
                .collect();
            // The webhook sees the annotations, not the comments.
            let annotations: Vec<String> = findings
                .iter()
                .filter(|f| f.starts_with("5:"))
                .map(|f| f[5..].to_owned())
                .collect();
            let webhook: Vec<String> = briefs
                .iter()
                .filter(|b| b.rule == IGNORE_UNUSED)
                .map(|b| b.message.clone())
                .collect();
            assert_eq!(webhook, annotations, "{only:?}");
            findings
        };
        assert_eq!(
            unused(&[]),
            [
                "5:37 `ttl-missing` suppresses nothing here",
                "10:46 `restart-policy-on-failure` suppresses nothing here",
            ]
        );
        // A name is judged only when its rules ran.
        assert_eq!(
            unused(&["ttl-missing", "ignore-unused"]),
            ["5:37 `ttl-missing` suppresses nothing here"]
        );
        assert!(unused(&["resources-missing", "ignore-unused"]).is_empty());
        // Kept on purpose: the rule's own name quiets it (on the whole object, as any annotation
        // does), and is not reported itself.
        let kept = manifest.replace("ttl-missing,", "ttl-missing,ignore-unused,");
        let report = Linter::builtin()
            .unwrap()
            .lint_source(&Source::new("t", kept));
        let unused: Vec<(&str, bool)> = report
            .findings
            .iter()
            .filter(|f| &*f.rule == IGNORE_UNUSED)
            .map(|f| (f.message.as_str(), f.suppressed.is_some()))
            .collect();
        assert_eq!(
            unused,
            [
                ("`ttl-missing` suppresses nothing here", true),
                ("`restart-policy-on-failure` suppresses nothing here", true),
            ]
        );
        // Where annotations are not honoured, they are overruled, not left over.
        let mut settings = Settings::resolve(&catalog, &Config::default(), &[], &[], None).unwrap();
        settings.annotation_opt_out = false;
        let report =
            Linter::new(catalog.clone(), settings).lint_source(&Source::new("t", manifest));
        let lines: Vec<usize> = report
            .findings
            .iter()
            .filter(|f| &*f.rule == IGNORE_UNUSED)
            .map(|f| f.location.start.line)
            .collect();
        assert_eq!(lines, [10]);
    }

    #[test]
    fn ignore_comments() {
        let line = "b: 2 # joblint-ignore: a,ttl,b  because reasons";
        let c = IgnoreComment::find(line, |_| false).unwrap();
        assert_eq!(c.names, vec![(23, "a"), (25, "ttl"), (29, "b")]);
        assert_eq!(c.reason, Some("because reasons"));
        let c = IgnoreComment::find("  #joblint-ignore:  all", |_| false).unwrap();
        assert_eq!((c.names, c.reason), (vec![(20, "all")], None));
        assert!(IgnoreComment::find("# something else", |_| false).is_none());
        assert!(IgnoreComment::find("a: b#joblint-ignore: x", |_| false).is_none());
        let c = IgnoreComment::find("a: 1 # see #12 # joblint-ignore: ttl", |_| false).unwrap();
        assert_eq!(c.names, vec![(33, "ttl")]);
        let s = Source::new(
            "t",
            "a: 1\n# joblint-ignore: x\n\nb: 2 # joblint-ignore: y\nc: 3\n",
        );
        let c = IgnoreComments::scan(&s, &yaml::parse(&s).documents);
        let names = |line| {
            let comment = &c.by_line[c.applies.get(&line)?];
            Some(
                comment
                    .names
                    .iter()
                    .map(|(_, n)| n.clone())
                    .collect::<BTreeSet<_>>(),
            )
        };
        assert_eq!(
            names(4),
            Some(["x".to_owned()].into()),
            "the pending comment applies first"
        );
        assert_eq!(names(5), None);
    }

    /// A `#` in a quoted or block scalar is the scalar's text; the header of a block scalar and
    /// the end of a quoted one's line can still carry a comment.
    #[test]
    fn ignore_comments_inside_scalars_are_text() {
        let text = "\
a: \"x # joblint-ignore: in-quoted\"
b: 'y #joblint-ignore: in-single' # joblint-ignore: after-quoted
c: | # joblint-ignore: on-header
  echo hi # joblint-ignore: in-block
  # joblint-ignore: in-block-line
  done
d: >-
  folded # joblint-ignore: in-folded
e: \"multi
  line # joblint-ignore: in-multiline\"
# joblint-ignore: own-line
f: 1
g: |
  x
# joblint-ignore: after-block
h: 1
";
        let s = Source::new("t", text);
        let stream = yaml::parse(&s);
        assert!(stream.error.is_none(), "{:?}", stream.error);
        let c = IgnoreComments::scan(&s, &stream.documents);
        let found: Vec<(usize, &str)> = c
            .by_line
            .iter()
            .flat_map(|(line, comment)| comment.names.iter().map(|(_, n)| (*line, n.as_str())))
            .collect();
        assert_eq!(
            found,
            [
                (2, "after-quoted"),
                (3, "on-header"),
                (11, "own-line"),
                (15, "after-block")
            ]
        );
        assert_eq!(c.applies.get(&12), Some(&11));
        assert_eq!(c.applies.get(&16), Some(&15));
        assert_eq!(c.applies.get(&5), None);
    }

    #[test]
    fn helm_sources() {
        let s = Source::new(
            "t",
            "---\n# Source: c/templates/a.yaml\nkind: A\n---\n# Source: c/templates/b.yaml\nkind: B\n",
        );
        let stream = yaml::parse(&s);
        let t = helm_templates(&s, &stream.documents);
        assert_eq!(t.get(&0).map(String::as_str), Some("c/templates/a.yaml"));
        assert_eq!(t.get(&1).map(String::as_str), Some("c/templates/b.yaml"));
    }
}
