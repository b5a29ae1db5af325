//! Built-in checks: one function per rule, registered under the rule's id. A check reports what
//! and where ([`Diagnostic`]); severity, wording of the help and rendering live elsewhere.

use crate::rule::{Ctx, Diagnostic};

mod restart;
mod schema;

/// A check: looks at one object and pushes what it finds.
pub type CheckFn = fn(&Ctx<'_, '_>, &mut Vec<Diagnostic>);

/// Every built-in check, by rule id. Each id has a rule file `rules/<id>.yaml`.
pub static BUILTIN: &[(&str, CheckFn)] = &[
    ("restart-policy-invalid", restart::restart_policy_invalid),
    (
        "restart-policy-on-failure",
        restart::restart_policy_on_failure,
    ),
    ("schema-unknown-field", schema::unknown_field),
    ("schema-wrong-type", schema::wrong_type),
    ("schema-yaml11-coercion", schema::yaml11_coercion),
    ("schema-duplicate-key", schema::duplicate_key),
    ("schema-required-field", schema::required_field),
];

pub fn builtin(id: &str) -> Option<CheckFn> {
    BUILTIN.iter().find(|(i, _)| *i == id).map(|(_, f)| *f)
}
