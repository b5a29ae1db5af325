//! Command-line adapter: argument definitions (clap) and the commands, each a thin layer over the
//! library. Arguments are validated without I/O first, then turned into runtime objects.

mod lint;
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
    Lint(LintArgs),
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
    /// Enable a rule (repeatable, or comma-separated).
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub enable: Vec<String>,
    /// Disable a rule (repeatable, or comma-separated).
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub disable: Vec<String>,
    /// Kubernetes version whose API server is modelled.
    #[arg(long, value_name = "VERSION", value_parser = parse_kube_version)]
    pub kube_version: Option<KubeVersion>,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or directories to lint; `-` reads stdin.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Lowest severity that fails the run (exit 1) [default: warning, or `fail-on` in the config].
    #[arg(long, value_name = "LEVEL", value_parser = parse_fail_on)]
    pub fail_on: Option<FailOn>,
    /// Skip paths matching GLOB (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
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
        Command::Lint(args) => lint::run(args),
        Command::Rules { format } => lint::list_rules(format),
        Command::Explain { rule } => lint::explain(&rule),
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
        let settings = Settings::resolve(
            &catalog,
            &config,
            &self.enable,
            &self.disable,
            self.kube_version,
        )
        .map_err(anyhow::Error::msg)?;
        Ok(Engine {
            linter: Linter::new(Arc::new(catalog), settings),
            config,
        })
    }
}
