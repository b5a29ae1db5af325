//! Every rule file's examples are tests: each bad example yields that rule's finding, each good
//! example none. Built-in rules and the sample custom rules in tests/data/custom-rules/ alike.

use std::path::Path;
use std::sync::Arc;

use joblint::config::{Config, Settings};
use joblint::source::Source;
use joblint::{Catalog, Linter};

fn catalog() -> Catalog {
    let mut catalog = Catalog::builtin().expect("built-in rules load");
    let custom = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/custom-rules");
    if custom.is_dir() {
        catalog.add_dir(&custom).expect("sample custom rules load");
    }
    catalog
}

#[test]
fn examples_match_their_rule() {
    let catalog = Arc::new(catalog());
    let mut problems = Vec::new();
    for rule in catalog.rules() {
        let id = &rule.meta.id;
        // Each rule runs alone: an API-parity finding on the same field would otherwise replace
        // a catalogue rule's finding (see `dedup_same_problem`). Except `ignore-unused`, which
        // judges a suppression only when the rules it names ran.
        let alone = &**id != "ignore-unused";
        let others: Vec<String> = catalog
            .rules()
            .iter()
            .map(|r| r.meta.id.to_string())
            .filter(|other| alone && **other != **id)
            .collect();
        let settings = Settings::resolve(&catalog, &Config::default(), &[], &others, None).unwrap();
        let linter = Linter::new(catalog.clone(), settings);
        for (i, example) in rule.meta.examples.bad.iter().enumerate() {
            let report =
                linter.lint_source(&Source::new(format!("{id}/bad[{i}]"), example.clone()));
            if !report.input_errors.is_empty() {
                problems.push(format!(
                    "{id}: bad example {i} does not parse: {:?}",
                    report.input_errors
                ));
            }
            for f in &report.findings {
                let first = f.message.chars().next().unwrap_or(' ');
                if first.is_uppercase() || f.message.ends_with('.') || f.message.contains('\n') {
                    problems.push(format!(
                        "{}: message breaks the convention (lowercase start, one line, no final period): {}",
                        f.rule, f.message
                    ));
                }
            }
            if !report.findings.iter().any(|f| &f.rule == id) {
                problems.push(format!("{id}: bad example {i} yields no `{id}` finding"));
            }
        }
        for (i, example) in rule.meta.examples.good.iter().enumerate() {
            let report =
                linter.lint_source(&Source::new(format!("{id}/good[{i}]"), example.clone()));
            if !report.input_errors.is_empty() {
                problems.push(format!(
                    "{id}: good example {i} does not parse: {:?}",
                    report.input_errors
                ));
            }
            if let Some(f) = report.findings.iter().find(|f| &f.rule == id) {
                problems.push(format!(
                    "{id}: good example {i} yields `{id}`: {} at {}",
                    f.message, f.path
                ));
            }
            if report.objects == 0 {
                problems.push(format!("{id}: good example {i} holds no Job or CronJob"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "rule examples disagree with their rules:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_rule_has_a_check_and_conventional_text() {
    let catalog = catalog();
    for rule in catalog.rules() {
        let m = &rule.meta;
        let file = Path::new(&rule.origin)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("");
        assert_eq!(file, &*m.id, "rule file name must be its id");
        assert!(
            !m.summary.ends_with('.'),
            "{}: summary ends with a period",
            m.id
        );
        assert!(
            m.summary.chars().next().is_some_and(|c| !c.is_uppercase()),
            "{}: summary starts with a capital letter",
            m.id
        );
        assert!(
            !m.rationale.trim().is_empty() && !m.remediation.trim().is_empty(),
            "{}",
            m.id
        );
        // kubectl shows it as `Warning: [id] path: short message` when the message is too
        // long: it must fit with the longest rule id even when the path has to go. (Optional
        // for custom rules: without it, a long warning is cut.)
        if !rule.builtin {
            continue;
        }
        let short = m.short_message.as_deref().unwrap_or("");
        assert!(
            (1..=64).contains(&short.len())
                && short.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
                && !short.contains("  ")
                && short.trim() == short
                && !short.ends_with('.'),
            "{}: short-message must be one line of at most 64 printable ASCII characters, \
             without a final period: {short:?}",
            m.id
        );
    }
}
