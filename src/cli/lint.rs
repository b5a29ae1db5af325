//! `joblint lint`, `joblint rules`, `joblint explain`.

use std::fs::File;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};
use codespan_reporting::term::termcolor::{self, NoColor, StandardStream, WriteColor};

use joblint::Catalog;
use joblint::render::ci::{Generated, RunContext};
use joblint::render::{self, RunReport};
use joblint::source::Source;
use joblint::template_lines;
use joblint::{build_sources, input};

use super::{ColorChoice, FormatTarget, LintArgs, ListFormat, Outcome, OutputFormat};

pub fn run(args: LintArgs) -> Result<Outcome> {
    let plan = plan_outputs(&args)?;
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
    let walk = input::Walk {
        excludes,
        no_ignore: args.no_ignore,
    };
    let (inputs, missing) = input::expand(&args.paths, &walk);
    let (inputs, not_linted) = build_sources::split(inputs);

    let mut ctx = RunContext {
        base_dir: std::env::current_dir().ok(),
        ..RunContext::default()
    };
    let rendered = render_sources(&args, &mut ctx)?;

    // Open every destination before linting, so a bad --output path fails fast.
    let mut human = match plan.iter().find(|(f, _)| *f == OutputFormat::Human) {
        Some((_, dest)) => Some(human_writer(dest.as_deref(), args.color)?),
        None => None,
    };
    let mut others = Vec::new();
    for (format, dest) in plan.iter().filter(|(f, _)| *f != OutputFormat::Human) {
        others.push((*format, plain_writer(dest.as_deref())?));
    }

    // Human output is written file by file; only the machine formats need the findings kept
    // (never the sources), so memory stays flat with the number of files.
    let mut report = RunReport {
        keep_files: !others.is_empty(),
        ..RunReport::default()
    };
    for error in missing {
        let file = joblint::finding::FileReport {
            file: error.file.clone(),
            input_errors: vec![error],
            ..Default::default()
        };
        if let Some(out) = human.as_mut() {
            render::human::render_file(out.as_mut(), None, &file)?;
        }
        report.push(file);
    }
    let not_linted: Vec<_> = not_linted
        .into_iter()
        .map(|(file, source)| joblint::finding::FileReport {
            file: file.display().to_string(),
            skipped: Some(source.reason()),
            ..Default::default()
        })
        .collect();
    if let Some(out) = human.as_mut() {
        render::human::render_not_linted(out.as_mut(), &not_linted)?;
    }
    for file in not_linted {
        report.push(file);
    }
    let mut io_result = Ok(());
    engine.linter.lint_inputs(&inputs, |source, file| {
        if let Some(out) = human.as_mut()
            && io_result.is_ok()
        {
            io_result = render::human::render_file(out.as_mut(), source, &file);
        }
        report.push(file);
    });
    io_result?;
    for source in &rendered {
        let mut file = engine.linter.lint_source(source);
        if let Some(chart_dir) = ctx
            .generated
            .get(&*source.name)
            .and_then(|g| g.chart_dir.as_ref())
        {
            template_lines::locate(&mut file, source, chart_dir);
        }
        if let Some(out) = human.as_mut() {
            render::human::render_file(out.as_mut(), Some(source), &file)?;
        }
        report.push(file);
    }

    let outcome = if report.summary.input_errors > 0 {
        Outcome::UsageOrInputError
    } else if report.summary.fails(fail_on) {
        Outcome::Findings
    } else {
        Outcome::Clean
    };
    ctx.exit_code = match outcome {
        Outcome::Clean => 0,
        Outcome::Findings => 1,
        Outcome::UsageOrInputError => 2,
    };
    if let Some(out) = human.as_mut() {
        render::human::render_summary(out.as_mut(), &report.summary)?;
        out.flush()?;
    }
    let catalog = engine.linter.catalog();
    for (format, out) in &mut others {
        let text = match format {
            OutputFormat::Json => render::json::render(&report),
            OutputFormat::Sarif => render::sarif::render(&report, catalog, &ctx),
            OutputFormat::Junit => render::junit::render(&report, catalog),
            OutputFormat::Github => render::github::render(&report, catalog, &ctx),
            OutputFormat::Gitlab => render::gitlab::render(&report, catalog, &ctx),
            OutputFormat::Human => continue,
        };
        out.write_all(text.as_bytes())?;
        out.flush()?;
    }
    Ok(outcome)
}

/// Where each requested format goes (`None`: stdout), checked before anything is read or written:
/// at most one format on stdout, no file named twice.
fn plan_outputs(args: &LintArgs) -> Result<Vec<(OutputFormat, Option<PathBuf>)>> {
    let default = [FormatTarget {
        format: OutputFormat::Human,
        file: None,
    }];
    let targets = if args.formats.is_empty() {
        &default[..]
    } else {
        &args.formats[..]
    };
    let to_stdout: Vec<&FormatTarget> = targets.iter().filter(|t| t.file.is_none()).collect();
    if to_stdout.len() > 1 {
        bail!(
            "{} formats would go to stdout; give all but one a file, as in `--format sarif=joblint.sarif`",
            to_stdout.len()
        );
    }
    if to_stdout.is_empty() && args.output.is_some() {
        bail!("--output names the file for the stdout format, but every --format has its own file");
    }
    let plan: Vec<(OutputFormat, Option<PathBuf>)> = targets
        .iter()
        .map(|t| (t.format, t.file.clone().or_else(|| args.output.clone())))
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for (format, file) in &plan {
        if let Some(file) = file
            && !seen.insert(file.clone())
        {
            bail!(
                "{} is named as the output of more than one format ({format:?} among them)",
                file.display()
            );
        }
    }
    Ok(plan)
}

fn human_writer(file: Option<&Path>, color: ColorChoice) -> Result<Box<dyn WriteColor>> {
    if let Some(path) = file {
        let file =
            File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
        return Ok(if color == ColorChoice::Always {
            Box::new(termcolor::Ansi::new(std::io::BufWriter::new(file)))
        } else {
            Box::new(NoColor::new(std::io::BufWriter::new(file)))
        });
    }
    let choice = match color {
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

fn plain_writer(file: Option<&Path>) -> Result<Box<dyn Write>> {
    Ok(match file {
        Some(path) => Box::new(std::io::BufWriter::new(
            File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    })
}

/// Runs `helm template` for each `--helm` chart and `kubectl kustomize` for each `--kustomize`
/// directory; their output becomes a source named `DIR (helm template)` / `DIR (kustomize)`,
/// recorded in `ctx` so the CI formats can point at files that exist.
fn render_sources(args: &LintArgs, ctx: &mut RunContext) -> Result<Vec<Source>> {
    let mut sources = Vec::new();
    if !args.helm.is_empty() {
        let helm = find_tool("helm", "JOBLINT_HELM", "--helm")?;
        for chart in &args.helm {
            if !chart.is_dir() {
                bail!("--helm {}: not a chart directory", chart.display());
            }
            let mut command = Command::new(&helm);
            command.arg("template").arg(chart);
            for values in &args.values {
                command.arg("--values").arg(values);
            }
            let name = format!("{} (helm template)", chart.display());
            sources.push(run_renderer(command, &name, "helm template")?);
            ctx.generated.insert(
                name,
                Generated {
                    chart_dir: Some(chart.clone()),
                    anchor: chart.join("Chart.yaml"),
                },
            );
        }
    }
    if !args.kustomize.is_empty() {
        let kubectl = find_tool("kubectl", "JOBLINT_KUBECTL", "--kustomize")?;
        for dir in &args.kustomize {
            if !dir.is_dir() {
                bail!("--kustomize {}: not a directory", dir.display());
            }
            let mut command = Command::new(&kubectl);
            command.arg("kustomize").arg(dir);
            let name = format!("{} (kustomize)", dir.display());
            sources.push(run_renderer(command, &name, "kubectl kustomize")?);
            let anchor = ["kustomization.yaml", "kustomization.yml", "Kustomization"]
                .iter()
                .map(|f| dir.join(f))
                .find(|p| p.is_file())
                .unwrap_or_else(|| dir.clone());
            ctx.generated.insert(
                name,
                Generated {
                    chart_dir: None,
                    anchor,
                },
            );
        }
    }
    Ok(sources)
}

fn run_renderer(mut command: Command, name: &str, what: &str) -> Result<Source> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {what} for {name}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        bail!(
            "{what} failed for {name} ({}): {}",
            output.status,
            stderr.trim()
        );
    }
    input::decode(name.to_owned(), output.stdout)
        .map_err(|e| anyhow::anyhow!("{what} output for {name}: {}", e.message))
}

/// A tool named by `env_var`, else found on PATH, else in `./.tools/bin/`.
fn find_tool(name: &str, env_var: &str, flag: &str) -> Result<PathBuf> {
    if let Some(path) = std::env::var_os(env_var).filter(|v| !v.is_empty()) {
        let path = PathBuf::from(path);
        if path.is_file() {
            return Ok(path);
        }
        bail!(
            "{env_var} is set to {}, which is not a file; {flag} needs {name}",
            path.display()
        );
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    let local = std::env::current_dir()
        .map(|d| d.join(".tools").join("bin"))
        .ok();
    on_path
        .into_iter()
        .chain(local)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .with_context(|| {
            format!(
                "{flag} needs {name}, which is not installed: looked on PATH and in .tools/bin/; install it or set {env_var} to its path"
            )
        })
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
        match catalog.select(id) {
            Ok(ids) => bail!(
                "`{id}` is a category, not a rule; its rules: {}",
                ids.join(", ")
            ),
            Err(unknown) => bail!("{unknown}"),
        }
    };
    let mut out = std::io::stdout().lock();
    out.write_all(joblint::docs::rule_page(rule).as_bytes())?;
    if rule.builtin {
        writeln!(out, "Online: {}", joblint::docs::rule_url(&rule.meta.id))?;
    }
    Ok(Outcome::Clean)
}
