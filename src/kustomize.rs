//! Kustomize patch files among the inputs.
//!
//! A kustomize overlay keeps partial objects beside its `kustomization.yaml`: a patch that sets
//! one Job's image or schedule has `kind: Job` and a name but no pod template. Linted as a whole
//! object it draws errors for everything it leaves out (no containers, no restartPolicy, no
//! schedule), and a directory walk or a pre-commit run over an overlay would be all noise. So a
//! file that a kustomization lists as a patch (`patches`, `patchesStrategicMerge`,
//! `patchesJson6902`) is not linted; the run says so, and points at `--kustomize DIR`, which lints
//! what the patch builds into.
//!
//! kustomize only loads files under a kustomization's own directory (its default load
//! restrictor), so the kustomizations that can list a file are those of its directory and the
//! directories above it, up to the repository root (a directory holding `.git`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::input::{self, Input};
use crate::yaml::{self, Node};

/// The file names kustomize looks for in a directory, in its order.
const KUSTOMIZATION_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];
/// How many directories above a file are searched for kustomizations.
const MAX_LEVELS: usize = 32;

/// A patch file: the kustomization that lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patch {
    pub kustomization: PathBuf,
}

impl Patch {
    /// Why the file is not linted, and what to run instead.
    pub fn reason(&self) -> String {
        let dir = self
            .kustomization
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        format!(
            "a kustomize patch (listed in {}), not a whole object; lint what it builds into with `joblint lint --kustomize {}`",
            self.kustomization.display(),
            dir.display()
        )
    }
}

/// Takes the files that a kustomization lists as patches out of `inputs`.
pub fn split_patches(inputs: Vec<Input>) -> (Vec<Input>, Vec<(PathBuf, Patch)>) {
    let mut known = Patches::default();
    let mut rest = Vec::with_capacity(inputs.len());
    let mut patches = Vec::new();
    for input in inputs {
        match &input {
            Input::File(path) => match known.patch(path) {
                Some(patch) => patches.push((path.clone(), patch)),
                None => rest.push(input),
            },
            Input::Stdin => rest.push(input),
        }
    }
    (rest, patches)
}

/// Patch files of the kustomizations above each directory asked about, cached per directory.
#[derive(Default)]
pub struct Patches {
    /// Canonical directory → canonical patch file → the kustomization listing it (as found).
    by_dir: HashMap<PathBuf, Rc<HashMap<PathBuf, PathBuf>>>,
}

impl Patches {
    /// The kustomization that lists `file` as a patch, if any.
    pub fn patch(&mut self, file: &Path) -> Option<Patch> {
        let file = std::fs::canonicalize(file).ok()?;
        let dir = file.parent()?;
        let known = self.patches_above(dir, 0);
        known.get(&file).map(|kustomization| Patch {
            kustomization: kustomization.clone(),
        })
    }

    /// The patches listed by the kustomizations of `dir` and the directories above it.
    fn patches_above(&mut self, dir: &Path, level: usize) -> Rc<HashMap<PathBuf, PathBuf>> {
        if let Some(known) = self.by_dir.get(dir) {
            return Rc::clone(known);
        }
        let above = match dir.parent() {
            Some(parent) if level < MAX_LEVELS && !dir.join(".git").exists() => {
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
                        patches.insert(canonical, shown(&kustomization));
                    }
                }
                Rc::new(patches)
            }
        };
        self.by_dir.insert(dir.to_path_buf(), Rc::clone(&patches));
        patches
    }
}

/// How a path is named in messages: relative to the working directory when it is under it.
fn shown(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| std::fs::canonicalize(cwd).ok())
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
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

    #[test]
    fn patches_are_found_from_the_kustomizations_above() {
        let tree = tempfile::tempdir().unwrap();
        let root = tree.path();
        let overlay = root.join("overlays/prod");
        std::fs::create_dir_all(overlay.join("patches")).unwrap();
        std::fs::create_dir_all(root.join(".git")).unwrap();
        for (file, text) in [
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
        ] {
            std::fs::create_dir_all(root.join(file).parent().unwrap()).unwrap();
            std::fs::write(root.join(file), text).unwrap();
        }
        let mut patches = Patches::default();
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
            let found = patches.patch(&root.join(file));
            assert_eq!(
                found
                    .as_ref()
                    .map(|p| p.kustomization.ends_with(listed_in.unwrap_or("-"))),
                listed_in.map(|_| true),
                "{file}: {found:?}"
            );
        }
        let reason = patches
            .patch(&overlay.join("cronjob.yaml"))
            .unwrap()
            .reason();
        assert!(
            reason.ends_with("overlays/prod`") && reason.contains("--kustomize"),
            "{reason}"
        );
    }

    #[test]
    fn a_broken_kustomization_lists_nothing() {
        let tree = tempfile::tempdir().unwrap();
        let dir = tree.path();
        std::fs::create_dir_all(dir.join(".git")).unwrap();
        std::fs::write(dir.join("kustomization.yaml"), "patches: [path: {\n").unwrap();
        std::fs::write(dir.join("job.yaml"), "kind: Job\n").unwrap();
        assert_eq!(Patches::default().patch(&dir.join("job.yaml")), None);
    }
}
