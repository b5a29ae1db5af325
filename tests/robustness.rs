//! Bad input is normal input: mangled versions of every corpus manifest (truncated, with bytes
//! swapped for YAML punctuation, with values replaced by other types) must lint without a panic.
//! Deterministic: a fixed-seed xorshift generator, so a failure reproduces.

use std::path::Path;

use joblint::Linter;
use joblint::source::Source;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const NOISE: &[&str] = &[
    ":",
    "- ",
    "[",
    "]",
    "{",
    "}",
    "&a ",
    "*a",
    "'",
    "\"",
    "\n  ",
    "\t",
    "---\n",
    "!!str ",
    "null",
    "-1",
    "99999999999999999999",
    "yes",
    "0755",
    "{}",
    "[]",
    "~",
    "é",
    "\u{0}",
    "<<: *a",
    " # joblint-ignore: ",
    "# joblint-ignore: all,x",
    "joblint.dev/ignore: ",
    ",é,",
];

const VALUES: &[&str] = &[
    "null",
    "[]",
    "{}",
    "-5",
    "3.5",
    "true",
    "\"\"",
    "[1, {a: b}]",
    "2147483648",
];

fn mangle(text: &str, rng: &mut Rng) -> String {
    let mut s: Vec<char> = text.chars().collect();
    match rng.below(3) {
        0 => {
            let cut = rng.below(s.len() + 1);
            s.truncate(cut);
            s.into_iter().collect()
        }
        1 => {
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(s.len() + 1);
                let noise = NOISE[rng.below(NOISE.len())];
                s.splice(at..at, noise.chars());
            }
            s.into_iter().collect()
        }
        _ => {
            // Replace the value of a random `key: value` line with a value of another type.
            let lines: Vec<&str> = text.lines().collect();
            let mut out = String::new();
            let target = rng.below(lines.len());
            for (i, line) in lines.iter().enumerate() {
                match line.split_once(": ") {
                    Some((k, _)) if i == target || rng.below(12) == 0 => {
                        out.push_str(k);
                        out.push_str(": ");
                        out.push_str(VALUES[rng.below(VALUES.len())]);
                    }
                    _ => out.push_str(line),
                }
                out.push('\n');
            }
            out
        }
    }
}

#[test]
fn mangled_corpus_never_panics() {
    let linter = Linter::builtin().expect("built-in rules load");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpus");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x != "tsv" && x != "md"))
        .filter(|p| {
            std::fs::metadata(p)
                .map(|m| m.len() < 100_000)
                .unwrap_or(false)
        })
        .collect();
    files.sort();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut runs, mut suppression_findings) = (0, 0);
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        for round in 0..12 {
            let mangled = mangle(&text, &mut rng);
            let name = format!("{}#{round}", path.display());
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                linter.lint_source(&Source::new(&name, mangled.clone()))
            }));
            let Ok(report) = result else {
                panic!("panic on a mangled copy of {name}:\n{mangled}");
            };
            suppression_findings += report
                .findings
                .iter()
                .filter(|f| f.rule.starts_with("ignore-"))
                .count();
            runs += 1;
        }
    }
    assert!(runs > 1000, "{runs}");
    // The noise writes suppressions too, and their checks met them.
    assert!(suppression_findings > 0, "{suppression_findings}");
}
