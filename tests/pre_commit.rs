//! The pre-commit hooks of .pre-commit-hooks.yaml, run by the real pre-commit (PyPI
//! `pre-commit`) in a scratch git repository: `pre-commit try-repo <this checkout> HOOK`.
//! - `joblint-system` runs the joblint found on PATH: the one just built is put first;
//! - `joblint` (language: rust) has pre-commit build joblint from the checkout with `cargo
//!   install`, as users of the hook get it (about a minute here: the release profile's
//!   whole-program optimisation is turned off through cargo's environment, the code is the same).
//!
//! try-repo clones this checkout and adds tracked changes in a shadow commit; untracked files are
//! not seen, so .pre-commit-hooks.yaml must be committed or `git add`ed.
//! Without pre-commit the tests fail under CI=true and print "SKIPPED" otherwise.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn pre_commit() -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|d| d.join("pre-commit"))
        .find(|p| p.is_file());
    if found.is_none() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("pre-commit not found (CI=true): pip install pre-commit");
        }
        // Written to stderr directly: the test harness captures eprintln! of passing tests.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: pre_commit: pre-commit not found (pip install pre-commit)"
        );
    }
    found
}

fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs")
}

const BAD: &str = "\
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  template:
    spec:
      restartPolicy: OnFailure
      containers:
        - name: migrate
          image: registry.example/migrate:1.0
";

/// A scratch repository with a bad and a good Job, in which hooks of this checkout run.
struct Scratch {
    dir: PathBuf,
    repo: PathBuf,
    pre_commit: PathBuf,
}

impl Scratch {
    fn new(pre_commit: PathBuf, name: &str) -> Scratch {
        let tracked = git(
            root(),
            &["ls-files", "--error-unmatch", ".pre-commit-hooks.yaml"],
        );
        assert!(
            tracked.status.success(),
            "pre-commit try-repo only sees tracked files: commit or `git add` .pre-commit-hooks.yaml"
        );
        let dir =
            std::env::temp_dir().join(format!("joblint-pre-commit-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let repo = dir.join("repo");
        std::fs::create_dir_all(&repo).unwrap();
        assert!(git(&repo, &["init", "-q"]).status.success());
        std::fs::write(repo.join("bad.yaml"), BAD).unwrap();
        // A Job that follows every practice: the bundled good example.
        std::fs::write(
            repo.join("good.yaml"),
            include_str!("../examples/good/job.yaml"),
        )
        .unwrap();
        // A Helm chart: its template is not YAML until rendered.
        std::fs::create_dir_all(repo.join("chart/templates")).unwrap();
        std::fs::write(
            repo.join("chart/Chart.yaml"),
            "apiVersion: v2\nname: app\nversion: 0.1.0\n",
        )
        .unwrap();
        std::fs::write(
            repo.join("chart/templates/job.yaml"),
            "{{- if .Values.enabled }}\napiVersion: batch/v1\nkind: Job\n{{- end }}\n",
        )
        .unwrap();
        assert!(
            git(&repo, &["add", "bad.yaml", "good.yaml", "chart"])
                .status
                .success()
        );
        Scratch {
            dir,
            repo,
            pre_commit,
        }
    }

    /// Runs `hook` on `files`: (exit code, everything pre-commit printed).
    fn run(
        &self,
        hook: &str,
        files: &[&str],
        env: &[(&str, &std::ffi::OsStr)],
    ) -> (Option<i32>, String) {
        let out = Command::new(&self.pre_commit)
            .args(["try-repo", root().to_str().unwrap(), hook])
            .args(["--color", "never", "--files"])
            .args(files)
            .current_dir(&self.repo)
            .env("PRE_COMMIT_HOME", self.dir.join("cache"))
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .output()
            .expect("pre-commit runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), text)
    }

    /// The hook fails the bad Job, showing the diagnostic, and passes the good one and a Helm
    /// chart's template (not linted).
    fn check(&self, hook: &str, name: &str, env: &[(&str, &std::ffi::OsStr)]) {
        let (code, text) = self.run(hook, &["bad.yaml"], env);
        assert_eq!(code, Some(1), "{text}");
        assert!(text.contains(name), "{text}");
        assert!(text.contains("Failed"), "{text}");
        assert!(
            text.contains("warning[restart-policy-on-failure]"),
            "the diagnostic is shown: {text}"
        );
        assert!(text.contains("┌─ bad.yaml:8:22"), "{text}");

        let (code, text) = self.run(hook, &["good.yaml"], env);
        assert_eq!(code, Some(0), "{text}");
        assert!(text.contains("Passed"), "{text}");

        let (code, text) = self.run(hook, &["chart/templates/job.yaml"], env);
        assert_eq!(code, Some(0), "{text}");
        assert!(text.contains("Passed"), "{text}");
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn joblint_system_hook_fails_a_bad_job_and_passes_a_good_one() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    let scratch = Scratch::new(pre_commit, "system");
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_joblint")).parent().unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin_dir.to_path_buf()).chain(
            std::env::var_os("PATH")
                .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
                .unwrap_or_default(),
        ),
    )
    .unwrap();
    scratch.check("joblint-system", "joblint (system)", &[("PATH", &path)]);
}

#[test]
fn joblint_hook_builds_joblint_from_the_repository() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    let scratch = Scratch::new(pre_commit, "rust");
    // The hook's `cargo install` builds with the release profile; these make it a quick build of
    // the same code (the profile's speed is not what this test is about).
    let quick: [(&str, &std::ffi::OsStr); 3] = [
        ("CARGO_PROFILE_RELEASE_LTO", "false".as_ref()),
        ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16".as_ref()),
        ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0".as_ref()),
    ];
    // try-repo builds the hook in a store of its own, deleted after each run: one run, on all
    // the files, so that it builds once.
    let (code, text) = scratch.run(
        "joblint",
        &["bad.yaml", "good.yaml", "chart/templates/job.yaml"],
        &quick,
    );
    assert!(text.contains("Installing environment"), "{text}");
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("warning[restart-policy-on-failure]"),
        "{text}"
    );
    assert!(text.contains("┌─ bad.yaml:8:22"), "{text}");
    assert!(
        !text.contains("good.yaml:"),
        "no finding in the good Job: {text}"
    );
    assert!(text.contains("checked in 2 files"), "{text}");
    assert!(
        text.contains(
            "note: chart/templates/job.yaml: not linted: a template of the Helm chart chart,"
        ),
        "{text}"
    );
    assert!(text.contains("; 1 file not linted"), "{text}");
}
