//! joblint: lints Kubernetes Jobs and CronJobs.
//!
//! One pipeline, shared by the CLI and the admission webhook:
//! read sources ([`input`]) → parse with spans ([`yaml`]) → recognise objects ([`object`]) →
//! run rules ([`rule`], [`checks`]) → findings ([`finding`]) → render ([`render`]).
//! The library never prints and never exits.
#![forbid(unsafe_code)]

pub mod build_sources;
pub mod checks;
pub mod config;
pub mod cron;
pub mod docs;
pub mod finding;
pub mod input;
pub mod k8s_schema;
pub mod lint;
pub mod object;
pub mod path;
pub mod render;
pub mod rule;
pub mod source;
pub mod template_lines;
pub mod webhook;
pub mod yaml;

pub use finding::{FailOn, Finding, Severity};
pub use lint::Linter;
pub use rule::Catalog;
