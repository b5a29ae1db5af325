//! restartPolicy of the pod template.

use crate::rule::{Ctx, Diagnostic};

/// restartPolicy unset (defaulted to Always) or anything but Never/OnFailure.
pub fn restart_policy_invalid<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some(pod_spec) = ctx.object.pod_spec() else {
        return;
    };
    match pod_spec.child_some("restartPolicy") {
        None => out.push(Diagnostic::new(
            pod_spec.missing("restartPolicy"),
            "restartPolicy is not set, so it defaults to Always, which a Job does not allow",
        )),
        Some(field) => match field.str() {
            Some("Never" | "OnFailure") => {}
            Some(other) => out.push(Diagnostic::new(
                field.target(),
                format!(
                    "restartPolicy `{other}` is not allowed for a Job (only Never or OnFailure)"
                ),
            )),
            None => out.push(Diagnostic::new(
                field.target(),
                format!(
                    "restartPolicy must be a string, found {}",
                    field.node.type_name()
                ),
            )),
        },
    }
}

/// restartPolicy OnFailure: in-place restarts, and the pod (with its logs) is deleted at the limit.
pub fn restart_policy_on_failure<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some(field) = ctx
        .object
        .pod_spec()
        .and_then(|ps| ps.child("restartPolicy"))
    else {
        return;
    };
    if field.str() == Some("OnFailure") {
        out.push(Diagnostic::new(
            field.target(),
            "restartPolicy OnFailure restarts containers in place and deletes the pod, logs included, once backoffLimit is reached",
        ));
    }
}
