//! The pre-commit hooks of .pre-commit-hooks.yaml, run by the real pre-commit (PyPI
//! `pre-commit`): `pre-commit try-repo <this checkout> joblint-system` in a scratch git repository,
//! with the joblint just built first on PATH.
//!
//! try-repo clones this checkout and adds tracked changes in a shadow commit; untracked files are
//! not seen, so .pre-commit-hooks.yaml must be committed or `git add`ed.
//! Without pre-commit the test fails under CI=true and prints "SKIPPED" otherwise.
//! The `joblint` hook (language: rust) runs `cargo install` of this crate: too slow for every test
//! run, so it is not exercised here.

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

#[test]
fn joblint_system_hook_fails_a_bad_job_and_passes_a_good_one() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    let tracked = git(
        root(),
        &["ls-files", "--error-unmatch", ".pre-commit-hooks.yaml"],
    );
    assert!(
        tracked.status.success(),
        "pre-commit try-repo only sees tracked files: commit or `git add` .pre-commit-hooks.yaml"
    );

    let dir = std::env::temp_dir().join(format!("joblint-pre-commit-{}", std::process::id()));
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
    assert!(
        git(&repo, &["add", "bad.yaml", "good.yaml"])
            .status
            .success()
    );

    let bin_dir = Path::new(env!("CARGO_BIN_EXE_joblint")).parent().unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin_dir.to_path_buf()).chain(
            std::env::var_os("PATH")
                .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
                .unwrap_or_default(),
        ),
    )
    .unwrap();
    let run = |file: &str| {
        let out = Command::new(&pre_commit)
            .args(["try-repo", root().to_str().unwrap(), "joblint-system"])
            .args(["--color", "never", "--files", file])
            .current_dir(&repo)
            .env("PATH", &path)
            .env("PRE_COMMIT_HOME", dir.join("cache"))
            .env("NO_COLOR", "1")
            .output()
            .expect("pre-commit runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), text)
    };

    let (code, text) = run("bad.yaml");
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("joblint (system)"), "{text}");
    assert!(text.contains("Failed"), "{text}");
    assert!(
        text.contains("warning[restart-policy-on-failure]"),
        "the diagnostic is shown: {text}"
    );
    assert!(text.contains("┌─ bad.yaml:8:22"), "{text}");

    let (code, text) = run("good.yaml");
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("Passed"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
