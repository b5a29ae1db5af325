//! docs/rules/<id>.md are generated from rules/<id>.yaml by `joblint::docs::rule_page`: this test
//! fails when a page is missing, stale, or has no rule, and rewrites them all when run with
//! `JOBLINT_BLESS=1 cargo test --test docs`.

use std::collections::BTreeMap;
use std::path::Path;

use joblint::Catalog;

#[test]
fn rule_pages_are_generated_from_the_rule_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
    let catalog = Catalog::builtin().expect("built-in rules load");
    let expected: BTreeMap<String, String> = catalog
        .rules()
        .iter()
        .filter(|r| r.builtin)
        .map(|r| (format!("{}.md", r.meta.id), joblint::docs::rule_page(r)))
        .collect();
    let mut present: BTreeMap<String, String> = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".md") {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
                present.insert(name, text);
            }
        }
    }

    if std::env::var("JOBLINT_BLESS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(&dir).unwrap();
        for name in present.keys().filter(|n| !expected.contains_key(*n)) {
            std::fs::remove_file(dir.join(name)).unwrap();
        }
        for (name, text) in &expected {
            if present.get(name) != Some(text) {
                std::fs::write(dir.join(name), text).unwrap();
            }
        }
        return;
    }

    let mut problems = Vec::new();
    for (name, text) in &expected {
        match present.get(name) {
            None => problems.push(format!("docs/rules/{name} is missing")),
            Some(old) if old != text => problems.push(format!("docs/rules/{name} is stale")),
            Some(_) => {}
        }
    }
    for name in present.keys().filter(|n| !expected.contains_key(*n)) {
        problems.push(format!("docs/rules/{name} has no rule in rules/"));
    }
    assert!(
        problems.is_empty(),
        "{}\nregenerate the pages with: JOBLINT_BLESS=1 cargo test --test docs",
        problems.join("\n")
    );
}
