//! Documentation generated from the rule files: `joblint explain`, `docs/rules/<id>.md` and the
//! README's rule table. Nothing here is written by hand twice.

use std::fmt::Write;

use crate::rule::{Catalog, CheckSpec, Rule};

/// Where the rule pages (`docs/rules/<id>.md`) are published: the one place the URL is written.
pub const RULE_DOCS_BASE_URL: &str = "https://github.com/joblint/joblint/blob/main/docs/rules";

/// The published page of a built-in rule.
pub fn rule_url(id: &str) -> String {
    format!("{RULE_DOCS_BASE_URL}/{id}.md")
}

/// The README rule table (between the `<!-- rules:start -->` and `<!-- rules:end -->` markers).
pub fn rule_table(catalog: &Catalog) -> String {
    let mut out =
        String::from("| Rule | Severity | Category | What it finds |\n|---|---|---|---|\n");
    for rule in catalog.rules().iter().filter(|r| r.builtin) {
        let m = &rule.meta;
        let _ = writeln!(
            out,
            "| [`{}`](docs/rules/{}.md) | {} | {} | {} |",
            m.id,
            m.id,
            m.severity,
            m.category,
            m.summary.replace('|', "\\|")
        );
    }
    out
}

/// A rule's full page, as Markdown: `joblint explain` prints it, `docs/rules/<id>.md` holds it.
pub fn rule_page(rule: &Rule) -> String {
    let m = &rule.meta;
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", m.id);
    let _ = writeln!(out, "{}\n", m.summary);
    if let Some(short) = &m.short_message {
        let _ = writeln!(
            out,
            "Short message (the webhook's `kubectl` warning when the message is too long): \"{short}\"\n"
        );
    }
    let kinds: Vec<&str> = m.applies_to.iter().map(|k| k.as_str()).collect();
    let _ = writeln!(
        out,
        "- Severity: **{}**\n- Category: {}\n- Applies to: {}\n- Check: {}\n",
        m.severity,
        m.category,
        kinds.join(", "),
        match m.check {
            CheckSpec::Builtin(_) => "built in",
            CheckSpec::Schema(_) => "declarative (JSON Schema)",
        }
    );
    let _ = writeln!(out, "## Why it matters\n\n{}\n", m.rationale.trim());
    let _ = writeln!(out, "## How to fix it\n\n{}\n", m.remediation.trim());
    if !m.params.is_empty() {
        out.push_str("## Parameters\n\n| Name | Default | Meaning |\n|---|---|---|\n");
        for (name, p) in &m.params {
            let _ = writeln!(out, "| `{name}` | `{}` | {} |", p.default, p.description);
        }
        out.push('\n');
    }
    for (title, examples) in [("Bad", &m.examples.bad), ("Good", &m.examples.good)] {
        for example in examples {
            let _ = writeln!(
                out,
                "## {title} example\n\n```yaml\n{}\n```\n",
                example.trim_end()
            );
        }
    }
    if !m.references.is_empty() {
        out.push_str("## References\n\n");
        for r in &m.references {
            let _ = writeln!(out, "- {r}");
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "Configure it in `.joblint.yaml` under `rules: {{ {}: ... }}`; suppress it with the annotation `joblint.dev/ignore: \"{}\"` or a `# joblint-ignore: {} <reason>` comment.",
        m.id, m.id, m.id
    );
    out
}
