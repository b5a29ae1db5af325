//! The validating admission webhook: the same engine as the CLI behind `POST /validate`.
//!
//! - [`AdmittedObject`]: the object of a request, decoded straight into the engine's tree.
//! - [`review`]: the policy, a pure function from an admission request to a response.
//! - [`server`]: HTTPS (axum on hyper, rustls), reloads, limits, metrics, shutdown. No policy.
//! - [`tls`]: certificate loading and the reloading certificate resolver.
//! - [`metrics`]: the Prometheus text exposition.

mod admitted;
pub mod metrics;
pub mod review;
pub mod server;
pub mod tls;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use admitted::AdmittedObject;

use crate::config::{self, Config, ConfigError, Settings, WebhookConfig};
use crate::lint::Linter;
use crate::rule::{Catalog, CatalogError};

/// The rule families the webhook does not run (see [`Policy::load`]).
const APISERVER_FAMILIES: [&str; 2] = ["schema", "api"];

/// What the webhook enforces: the linter with the config's rule settings, and the webhook's own
/// settings. Rebuilt as a whole when the config file changes.
pub struct Policy {
    pub linter: Linter,
    pub webhook: WebhookConfig,
}

/// Why a config could not be turned into a [`Policy`].
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("built-in rules")]
    Catalog(#[source] CatalogError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("rule directory {}", path.display())]
    RuleDir {
        path: PathBuf,
        #[source]
        source: CatalogError,
    },
    #[error("{0}")]
    Settings(String),
}

impl Policy {
    /// Builds the policy as `joblint lint --config FILE` builds its engine (built-in rules, the
    /// config's rule directories and rule settings), then applies the webhook section:
    /// `allow-annotation-opt-out` decides whether `joblint.dev/ignore` annotations count.
    pub fn load(config_path: Option<&Path>) -> Result<Policy, PolicyError> {
        let builtin = Catalog::builtin().map_err(PolicyError::Catalog)?;
        let config = match config_path {
            Some(path) => config::load(path, &builtin)?,
            None => Config::default(),
        };
        let mut catalog = builtin;
        let base = config.base_dir.clone().unwrap_or_default();
        for dir in &config.rule_dirs {
            let path = base.join(dir);
            catalog
                .add_dir(&path)
                .map_err(|source| PolicyError::RuleDir { path, source })?;
        }
        let mut settings =
            Settings::resolve(&catalog, &config, &[], &[], None).map_err(PolicyError::Settings)?;
        settings.annotation_opt_out = config.webhook.allow_annotation_opt_out;
        // kube-apiserver decodes an object into its typed form (unknown fields rejected or
        // dropped, types checked, duplicate keys gone) and runs its own validation (the
        // strategy's Validate, in BeforeCreate/BeforeUpdate) before it calls validating
        // webhooks. So the `schema` family (the manifest as written) and the `api` family (what
        // that validation rejects) can find nothing in a request of the cluster they guard; with
        // a --kube-version other than the cluster's they would judge by the wrong version.
        for rule in catalog.rules() {
            if APISERVER_FAMILIES.contains(&&*rule.meta.category)
                && let Some(state) = settings.rules.get_mut(&*rule.meta.id)
            {
                state.enabled = false;
            }
        }
        Ok(Policy {
            linter: Linter::new(Arc::new(catalog), settings),
            webhook: config.webhook,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Source;

    #[test]
    fn the_webhook_leaves_the_schema_and_api_families_to_the_cli() {
        // An unknown field (schema), a name the apiserver rejects (api), no TTL (catalogue).
        let manifest = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: J_1}\nspec:\n  ttlSecondAfterFinished: 60\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: busybox}]\n";
        let rules = |linter: &Linter| -> Vec<String> {
            linter
                .lint_source(&Source::new("t", manifest))
                .findings
                .into_iter()
                .map(|f| f.rule.to_string())
                .collect()
        };
        let policy = Policy::load(None).expect("default policy");
        let webhook = rules(&policy.linter);
        assert!(
            !webhook
                .iter()
                .any(|r| r.starts_with("schema-") || r.starts_with("api-")),
            "{webhook:?}"
        );
        assert!(webhook.iter().any(|r| r == "ttl-missing"), "{webhook:?}");

        let cli = rules(&Linter::builtin().expect("built-in rules load"));
        assert!(cli.iter().any(|r| r == "schema-unknown-field"), "{cli:?}");
        assert!(cli.iter().any(|r| r == "api-object-name"), "{cli:?}");
    }
}
