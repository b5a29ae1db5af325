//! `joblint lint`, `joblint rules`, `joblint explain`.

use std::fs::File;
use std::io::{IsTerminal, Write};

use anyhow::{Context, Result, bail};
use codespan_reporting::term::termcolor::{self, NoColor, StandardStream, WriteColor};

use joblint::Catalog;
use joblint::input;
use joblint::render::{self, RunReport};

use super::{ColorChoice, LintArgs, ListFormat, Outcome, OutputFormat};

pub fn run(args: LintArgs) -> Result<Outcome> {
    let engine = args.engine.build()?;
    let base = engine.config.base_dir.clone().unwrap_or_default();
    let patterns: Vec<String> = engine
        .config
        .exclude
        .iter()
        .flat_map(|p| {
            // Config patterns are relative to the config file; also match them as written.
            [p.clone(), base.join(p).display().to_string()]
        })
        .chain(args.exclude.iter().cloned())
        .collect();
    let excludes = input::excludes(&patterns).map_err(anyhow::Error::msg)?;
    let fail_on = args.fail_on.or(engine.config.fail_on).unwrap_or_default();
    let (inputs, missing) = input::expand(&args.paths, &excludes);

    let mut out = writer(&args)?;
    let mut report = RunReport::default();
    for error in missing {
        let file = joblint::finding::FileReport {
            file: error.file.clone(),
            input_errors: vec![error],
            ..Default::default()
        };
        if args.format == OutputFormat::Human {
            render::human::render_file(out.as_mut(), None, &file)?;
        }
        report.push(file);
    }
    let mut io_result = Ok(());
    engine.linter.lint_inputs(&inputs, |source, file| {
        if args.format == OutputFormat::Human && io_result.is_ok() {
            io_result = render::human::render_file(out.as_mut(), source, &file);
        }
        report.push(file);
    });
    io_result?;
    match args.format {
        OutputFormat::Human => render::human::render_summary(out.as_mut(), &report.summary)?,
        OutputFormat::Json => out.write_all(render::json::render(&report).as_bytes())?,
    }
    out.flush()?;

    Ok(if report.summary.input_errors > 0 {
        Outcome::UsageOrInputError
    } else if report.summary.fails(fail_on) {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

fn writer(args: &LintArgs) -> Result<Box<dyn WriteColor>> {
    if let Some(path) = &args.output {
        let file =
            File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
        let color = args.color == ColorChoice::Always;
        return Ok(if color {
            Box::new(termcolor::Ansi::new(std::io::BufWriter::new(file)))
        } else {
            Box::new(NoColor::new(std::io::BufWriter::new(file)))
        });
    }
    let choice = match args.color {
        ColorChoice::Always => termcolor::ColorChoice::Always,
        ColorChoice::Never => termcolor::ColorChoice::Never,
        ColorChoice::Auto
            if std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() =>
        {
            termcolor::ColorChoice::Auto
        }
        ColorChoice::Auto => termcolor::ColorChoice::Never,
    };
    Ok(Box::new(StandardStream::stdout(choice)))
}

pub fn list_rules(format: ListFormat) -> Result<Outcome> {
    let catalog = Catalog::builtin()?;
    let mut out = std::io::stdout().lock();
    match format {
        ListFormat::Json => {
            let metas: Vec<_> = catalog.rules().iter().map(|r| &r.meta).collect();
            writeln!(out, "{}", serde_json::to_string_pretty(&metas)?)?;
        }
        ListFormat::Human => {
            let width = catalog
                .rules()
                .iter()
                .map(|r| r.meta.id.len())
                .max()
                .unwrap_or(0);
            for r in catalog.rules() {
                writeln!(
                    out,
                    "{:width$}  {:7}  {:15}  {}",
                    r.meta.id,
                    r.meta.severity.as_str(),
                    r.meta.category,
                    r.meta.summary
                )?;
            }
        }
    }
    Ok(Outcome::Clean)
}

pub fn explain(id: &str) -> Result<Outcome> {
    let catalog = Catalog::builtin()?;
    let Some(rule) = catalog.get(id) else {
        bail!("unknown rule `{id}` (see `joblint rules`)");
    };
    let mut out = std::io::stdout().lock();
    out.write_all(joblint::docs::rule_page(rule).as_bytes())?;
    Ok(Outcome::Clean)
}
