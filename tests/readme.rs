//! The README's rule table is generated from rules/*.yaml; this test fails when it is stale and
//! rewrites it with JOBLINT_BLESS=1.

use std::path::Path;

const START: &str = "<!-- rules:start -->\n";
const END: &str = "<!-- rules:end -->";

#[test]
fn readme_rule_table_is_fresh() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (Some(a), Some(b)) = (readme.find(START), readme.find(END)) else {
        panic!("README.md lacks the {START:?} / {END:?} markers");
    };
    let catalog = joblint::Catalog::builtin().unwrap();
    let table = joblint::docs::rule_table(&catalog);
    let current = &readme[a + START.len()..b];
    if current != table {
        if std::env::var_os("JOBLINT_BLESS").is_some() {
            let updated = format!("{}{START}{table}{}", &readme[..a], &readme[b..]);
            std::fs::write(&path, updated).unwrap();
            return;
        }
        panic!("README.md's rule table is stale: run `JOBLINT_BLESS=1 cargo test --test readme`");
    }
    for rule in catalog.rules() {
        assert!(current.contains(&format!("`{}`", rule.meta.id)));
    }
}

#[test]
fn readme_commands_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.contains("cargo run --release -- lint examples/"));
    assert!(readme.contains("scripts/test.sh"));
    assert!(root.join("scripts/test.sh").is_file());
    let ci = std::fs::read_to_string(root.join(".ci/run")).unwrap();
    assert!(
        ci.contains("scripts/test.sh"),
        ".ci/run must call the README's test command"
    );
}
