//! Command-line adapter: argument definitions (clap) and the commands, each a thin layer over the
//! library. Arguments are validated without I/O first, then turned into runtime objects.

mod generate;
mod json_lines;
mod lint;
mod log_writer;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};

use joblint::config::{self, Config, KubeVersion, Settings};
use joblint::{Catalog, FailOn, Linter};

#[derive(Debug, Parser)]
#[command(
    name = "joblint",
    version,
    about = "Lints Kubernetes Jobs and CronJobs: retry safety, TTL, restartPolicy, deadlines, schedules, and what kube-apiserver would reject",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint Job and CronJob manifests (files, directories, `-` for stdin).
    Lint(Box<LintArgs>),
    /// List the rule catalogue.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
    /// Explain a rule: why it matters, how to fix it, and examples.
    Explain {
        /// The rule id (see `joblint rules`).
        rule: String,
    },
    /// Configuration helpers.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print a shell completion script (e.g. `joblint completions bash > /etc/bash_completion.d/joblint`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff; `joblint man | man -l -`).
    Man,
    /// Run the validating admission webhook (HTTPS) for Jobs and CronJobs.
    Serve(serve::ServeArgs),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the JSON Schema of `.joblint.yaml` (for editors).
    Schema,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

/// Options shared by every command that runs the engine.
#[derive(Debug, Args)]
pub struct EngineArgs {
    /// Config file (default: `.joblint.yaml` in the current directory or the nearest parent).
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Ignore any `.joblint.yaml`.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// A directory of custom rule files (repeatable).
    #[arg(long = "rules-dir", value_name = "DIR")]
    pub rules_dirs: Vec<PathBuf>,
    /// Enable a rule, or every rule of a category such as `api` (repeatable, or
    /// comma-separated).
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub enable: Vec<String>,
    /// Disable a rule, or every rule of a category such as `api` (repeatable, or
    /// comma-separated); a rule named in `--enable` stays on when its category is disabled.
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub disable: Vec<String>,
    /// Run only these rules or categories (repeatable, or comma-separated); everything else is
    /// off.
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub only: Vec<String>,
    /// Kubernetes version whose API server is modelled.
    #[arg(long, value_name = "VERSION", value_parser = parse_kube_version)]
    pub kube_version: Option<KubeVersion>,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or directories to lint; `-` reads stdin.
    #[arg(value_name = "PATH", required_unless_present_any = ["helm", "kustomize"])]
    pub paths: Vec<String>,
    /// Output format: human, json, sarif, junit, github or gitlab [default: human]. Repeatable:
    /// `FORMAT=FILE` writes that format to FILE, so one run can write several
    /// (`--format human --format sarif=joblint.sarif`); at most one format goes to stdout.
    #[arg(long = "format", value_name = "FORMAT[=FILE]", value_parser = parse_format_target)]
    pub formats: Vec<FormatTarget>,
    /// Write the format that would go to stdout to FILE instead.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Render a Helm chart with `helm template` and lint the result (repeatable). helm is taken
    /// from JOBLINT_HELM, PATH or ./.tools/bin.
    #[arg(long, value_name = "CHART_DIR")]
    pub helm: Vec<PathBuf>,
    /// A values file for `--helm` (repeatable, passed on as `helm template --values FILE`).
    #[arg(long = "values", short = 'f', value_name = "FILE", requires = "helm")]
    pub values: Vec<PathBuf>,
    /// Build a kustomization with `kubectl kustomize` and lint the result (repeatable). kubectl
    /// is taken from JOBLINT_KUBECTL, PATH or ./.tools/bin.
    #[arg(long, value_name = "DIR")]
    pub kustomize: Vec<PathBuf>,
    /// Lowest severity that fails the run (exit 1) [default: warning, or `fail-on` in the config].
    #[arg(long, value_name = "LEVEL", value_parser = parse_fail_on)]
    pub fail_on: Option<FailOn>,
    /// Skip paths matching GLOB (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// In directories, also lint files that .gitignore, .ignore or git's excludes leave out.
    #[arg(long)]
    pub no_ignore: bool,
    /// When to use colour (NO_COLOR is honoured with auto).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Human,
    Json,
    Sarif,
    Junit,
    Github,
    Gitlab,
}

/// A `--format` value: the format and, with `FORMAT=FILE`, the file it goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatTarget {
    pub format: OutputFormat,
    pub file: Option<PathBuf>,
}

fn parse_format_target(s: &str) -> Result<FormatTarget, String> {
    let (name, file) = match s.split_once('=') {
        Some((_, "")) => return Err(format!("`{s}`: no file after `=`")),
        Some((name, file)) => (name, Some(PathBuf::from(file))),
        None => (s, None),
    };
    let format = OutputFormat::from_str(name, true).map_err(|_| {
        format!("unknown format `{name}` (expected human, json, sarif, junit, github or gitlab)")
    })?;
    Ok(FormatTarget { format, file })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

fn parse_kube_version(s: &str) -> Result<KubeVersion, String> {
    s.parse()
}

fn parse_fail_on(s: &str) -> Result<FailOn, String> {
    s.parse()
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Clean,
    Findings,
    UsageOrInputError,
}

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> ExitCode {
        match o {
            Outcome::Clean => ExitCode::from(0),
            Outcome::Findings => ExitCode::from(1),
            Outcome::UsageOrInputError => ExitCode::from(2),
        }
    }
}

pub fn run(cli: Cli) -> Result<Outcome> {
    match cli.command {
        Command::Lint(args) => lint::run(*args),
        Command::Rules { format } => lint::list_rules(format),
        Command::Explain { rule } => lint::explain(&rule),
        Command::Completions { shell } => generate::completions(shell),
        Command::Man => generate::man(),
        Command::Serve(args) => serve::run(args),
        Command::Config(ConfigCommand::Schema) => {
            let catalog = Catalog::builtin()?;
            let schema = config::schema(&catalog);
            println!("{}", serde_json::to_string_pretty(&schema)?);
            Ok(Outcome::Clean)
        }
    }
}

/// The engine as the flags and the config file describe it.
pub struct Engine {
    pub linter: Linter,
    pub config: Config,
}

impl EngineArgs {
    /// Loads the config, the custom rules and the settings.
    pub fn build(&self) -> Result<Engine> {
        let builtin = Catalog::builtin().context("built-in rules")?;
        let config_path = if self.no_config {
            None
        } else {
            match &self.config {
                Some(p) => Some(p.clone()),
                None => std::env::current_dir()
                    .ok()
                    .and_then(|d| config::discover(&d)),
            }
        };
        let config = match &config_path {
            Some(path) => config::load(path, &builtin)?,
            None => Config::default(),
        };
        let mut catalog = builtin;
        let base = config.base_dir.clone().unwrap_or_default();
        for dir in config
            .rule_dirs
            .iter()
            .map(|d| base.join(d))
            .chain(self.rules_dirs.clone())
        {
            catalog.add_dir(&dir)?;
        }
        let mut settings = Settings::resolve(
            &catalog,
            &config,
            &self.enable,
            &self.disable,
            self.kube_version,
        )
        .map_err(anyhow::Error::msg)?;
        if !self.only.is_empty() {
            settings
                .restrict_to(&catalog, &self.only)
                .map_err(anyhow::Error::msg)?;
        }
        Ok(Engine {
            linter: Linter::new(Arc::new(catalog), settings),
            config,
        })
    }
}
