//! Files that kustomize or Helm builds manifests from, among the inputs: not linted, and the run
//! says why and what to lint instead.
//!
//! - A kustomize patch: an overlay keeps partial objects beside its `kustomization.yaml`; a patch
//!   that sets one Job's image has `kind: Job` and a name but no pod template. Linted as a whole
//!   object it draws an error for everything it leaves to the base (containers, restartPolicy,
//!   schedule). These are the files a kustomization lists under `patches`,
//!   `patchesStrategicMerge` or `patchesJson6902`. kustomize loads no file from outside a
//!   kustomization's own directory (its default load restrictor), so the kustomizations that can
//!   list a file are those of its directory and the directories above it.
//! - A Helm chart template: a file under `templates/` of a directory holding `Chart.yaml`. It is
//!   a Go template, not YAML, until Helm renders it.
//!
//! Without this, a directory walk over a repository with overlays or charts, or a pre-commit run
//! that names a changed patch or template, is all noise. Directories are searched upwards to the
//! repository root (a directory holding `.git`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::input::{self, Input};
use crate::yaml::{self, Node};

/// The file names kustomize looks for in a directory, in its order.
const KUSTOMIZATION_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];
/// How many directories above a file are searched.
const MAX_LEVELS: usize = 32;

/// What a file is a source of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildSource {
    /// A patch, listed in this kustomization.
    KustomizePatch { kustomization: PathBuf },
    /// A template of the Helm chart in this directory.
    HelmTemplate { chart: PathBuf },
}

impl BuildSource {
    /// Why the file is not linted, and what to run instead.
    pub fn reason(&self) -> String {
        match self {
            BuildSource::KustomizePatch { kustomization } => format!(
                "a kustomize patch (listed in {}), not a whole object; lint what it builds into with `joblint lint --kustomize {}`",
                kustomization.display(),
                parent(kustomization).display()
            ),
            BuildSource::HelmTemplate { chart } => format!(
                "a template of the Helm chart {}, not YAML until rendered; lint what it renders with `joblint lint --helm {}`",
                chart.display(),
                chart.display()
            ),
        }
    }
}

fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Takes the files that are kustomize patches or Helm chart templates out of `inputs`.
pub fn split(inputs: Vec<Input>) -> (Vec<Input>, Vec<(PathBuf, BuildSource)>) {
    let mut known = Known::new();
    let mut rest = Vec::with_capacity(inputs.len());
    let mut sources = Vec::new();
    for input in inputs {
        match &input {
            Input::File(path) => match known.build_source(path) {
                Some(source) => sources.push((path.clone(), source)),
                None => rest.push(input),
            },
            Input::Stdin => rest.push(input),
        }
    }
    (rest, sources)
}

/// What was found in each directory asked about, and above it.
struct Known {
    /// The working directory (canonical), which paths in messages are relative to.
    cwd: Option<PathBuf>,
    /// Canonical directory → canonical patch file → the nearest kustomization listing it.
    patches: HashMap<PathBuf, Rc<HashMap<PathBuf, PathBuf>>>,
    /// Canonical directory → the chart whose templates it holds, if any.
    charts: HashMap<PathBuf, Option<PathBuf>>,
}

impl Known {
    fn new() -> Self {
        Known {
            cwd: std::env::current_dir()
                .ok()
                .and_then(|cwd| std::fs::canonicalize(cwd).ok()),
            patches: HashMap::new(),
            charts: HashMap::new(),
        }
    }

    /// How a path is named in messages: relative to the working directory when it is under it.
    fn shown(&self, path: &Path) -> PathBuf {
        self.cwd
            .as_deref()
            .and_then(|cwd| path.strip_prefix(cwd).ok())
            .unwrap_or(path)
            .to_path_buf()
    }

    /// What `file` is a source of, if it is one.
    fn build_source(&mut self, file: &Path) -> Option<BuildSource> {
        let file = std::fs::canonicalize(file).ok()?;
        let dir = file.parent()?;
        if let Some(chart) = self.chart_of(dir, 0) {
            return Some(BuildSource::HelmTemplate { chart });
        }
        let patches = self.patches_above(dir, 0);
        let kustomization = patches.get(&file)?.clone();
        Some(BuildSource::KustomizePatch { kustomization })
    }

    /// The chart `dir` is (under) the `templates/` of.
    fn chart_of(&mut self, dir: &Path, level: usize) -> Option<PathBuf> {
        if let Some(known) = self.charts.get(dir) {
            return known.clone();
        }
        let parent = dir.parent();
        let chart = match parent {
            Some(chart) if dir.ends_with("templates") && chart.join("Chart.yaml").is_file() => {
                Some(self.shown(chart))
            }
            Some(parent) if level < MAX_LEVELS && !is_repository_root(dir) => {
                self.chart_of(parent, level + 1)
            }
            _ => None,
        };
        self.charts.insert(dir.to_path_buf(), chart.clone());
        chart
    }

    /// The patches listed by the kustomizations of `dir` and the directories above it.
    fn patches_above(&mut self, dir: &Path, level: usize) -> Rc<HashMap<PathBuf, PathBuf>> {
        if let Some(known) = self.patches.get(dir) {
            return Rc::clone(known);
        }
        let above = match dir.parent() {
            Some(parent) if level < MAX_LEVELS && !is_repository_root(dir) => {
                self.patches_above(parent, level + 1)
            }
            _ => Rc::default(),
        };
        let kustomization = KUSTOMIZATION_NAMES
            .iter()
            .map(|name| dir.join(name))
            .find(|path| path.is_file());
        let patches = match kustomization {
            // Most directories have none: they share the map of the one above.
            None => above,
            Some(kustomization) => {
                let mut patches = (*above).clone();
                for patch in listed_patches(&kustomization) {
                    if let Ok(canonical) = std::fs::canonicalize(dir.join(&patch)) {
                        // The nearest kustomization is named (it is inserted last).
                        patches.insert(canonical, self.shown(&kustomization));
                    }
                }
                Rc::new(patches)
            }
        };
        self.patches.insert(dir.to_path_buf(), Rc::clone(&patches));
        patches
    }
}

fn is_repository_root(dir: &Path) -> bool {
    dir.join(".git").exists()
}

/// The patch file paths a kustomization lists (relative to its directory). A kustomization that
/// cannot be read or parsed lists none: kustomize reports it when the overlay is built.
fn listed_patches(kustomization: &Path) -> Vec<String> {
    let Ok(source) = input::read(&Input::File(kustomization.to_path_buf())) else {
        return Vec::new();
    };
    let stream = yaml::parse(&source);
    let mut paths = Vec::new();
    for (_, root) in stream.roots() {
        let seq = |key: &str| root.get(key).and_then(Node::as_seq).unwrap_or_default();
        // A list of file names, or of inline patches (YAML text, several lines).
        for item in seq("patchesStrategicMerge") {
            if let Some(path) = item.as_str().filter(|p| !p.contains('\n')) {
                paths.push(path.to_owned());
            }
        }
        // Entries with `path:` (a file) or `patch:` (inline).
        for item in seq("patches").iter().chain(seq("patchesJson6902")) {
            if let Some(path) = item.get("path").and_then(Node::as_str) {
                paths.push(path.to_owned());
            }
        }
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A temporary repository (it has `.git`) holding `files` (path, text).
    fn repository(files: &[(&str, &str)]) -> tempfile::TempDir {
        let tree = tempfile::tempdir().unwrap();
        std::fs::create_dir(tree.path().join(".git")).unwrap();
        for (file, text) in files {
            let path = tree.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        tree
    }

    #[test]
    fn patches_are_found_from_the_kustomizations_above() {
        let tree = repository(&[
            (
                "overlays/prod/kustomization.yaml",
                "resources: [../../base]\npatches:\n- path: patches/job.yaml\n- patch: |\n    kind: Job\npatchesStrategicMerge:\n- cronjob.yaml\n- |-\n  kind: Job\n  metadata: {name: x}\npatchesJson6902:\n- path: ops.yaml\n  target: {kind: Job, name: x}\n",
            ),
            ("overlays/prod/patches/job.yaml", "kind: Job\n"),
            ("overlays/prod/cronjob.yaml", "kind: CronJob\n"),
            ("overlays/prod/ops.yaml", "- op: remove\n"),
            ("overlays/prod/job.yaml", "kind: Job\n"),
            ("kustomization.yaml", "patches: [{path: 'base/p.yaml'}]\n"),
            ("base/p.yaml", "kind: Job\n"),
            ("base/whole.yaml", "kind: Job\n"),
        ]);
        let root = tree.path();
        let overlay = root.join("overlays/prod");
        let mut known = Known::new();
        for (file, listed_in) in [
            (
                "overlays/prod/patches/job.yaml",
                Some("overlays/prod/kustomization.yaml"),
            ),
            (
                "overlays/prod/cronjob.yaml",
                Some("overlays/prod/kustomization.yaml"),
            ),
            (
                "overlays/prod/ops.yaml",
                Some("overlays/prod/kustomization.yaml"),
            ),
            ("overlays/prod/job.yaml", None),
            ("base/p.yaml", Some("kustomization.yaml")),
            ("base/whole.yaml", None),
        ] {
            let found = known.build_source(&root.join(file));
            let kustomization = match &found {
                Some(BuildSource::KustomizePatch { kustomization }) => Some(kustomization),
                _ => None,
            };
            assert_eq!(
                kustomization.is_some(),
                listed_in.is_some(),
                "{file}: {found:?}"
            );
            if let (Some(found), Some(listed_in)) = (kustomization, listed_in) {
                assert!(found.ends_with(listed_in), "{file}: {found:?}");
            }
        }
        let reason = known
            .build_source(&overlay.join("cronjob.yaml"))
            .unwrap()
            .reason();
        assert!(
            reason.ends_with("overlays/prod`") && reason.contains("--kustomize"),
            "{reason}"
        );
    }

    #[test]
    fn a_broken_kustomization_lists_nothing() {
        let tree = repository(&[
            ("kustomization.yaml", "patches: [path: {\n"),
            ("job.yaml", "kind: Job\n"),
        ]);
        let job = tree.path().join("job.yaml");
        assert_eq!(Known::new().build_source(&job), None);
    }

    #[test]
    fn chart_templates_are_found_below_chart_yaml() {
        let files = [
            "charts/app/Chart.yaml",
            "charts/app/values.yaml",
            "charts/app/templates/job.yaml",
            "charts/app/templates/jobs/cron.yaml",
            "charts/app/charts/sub/Chart.yaml",
            "charts/app/charts/sub/templates/job.yaml",
            "charts/app/crds/crd.yaml",
            "deploy/templates/job.yaml",
        ];
        let tree = repository(&files.map(|file| (file, "kind: Job\n")));
        let root = tree.path();
        let mut known = Known::new();
        for (file, chart) in [
            ("charts/app/templates/job.yaml", Some("charts/app")),
            ("charts/app/templates/jobs/cron.yaml", Some("charts/app")),
            (
                "charts/app/charts/sub/templates/job.yaml",
                Some("charts/app/charts/sub"),
            ),
            ("charts/app/values.yaml", None),
            ("charts/app/crds/crd.yaml", None),
            // A directory named templates with no Chart.yaml beside it.
            ("deploy/templates/job.yaml", None),
        ] {
            let found = known.build_source(&root.join(file));
            let found_chart = match &found {
                Some(BuildSource::HelmTemplate { chart }) => Some(chart.clone()),
                _ => None,
            };
            assert_eq!(found_chart.is_some(), chart.is_some(), "{file}: {found:?}");
            if let (Some(found), Some(chart)) = (found_chart, chart) {
                assert!(found.ends_with(chart), "{file}: {found:?}");
            }
        }
    }
}
