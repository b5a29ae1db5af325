//! podFailurePolicy (`validatePodFailurePolicy*`), successPolicy (`validateSuccessPolicy*`) and
//! podReplacementPolicy (`validatePodReplacementPolicy`).

use std::collections::BTreeSet;

use super::text::{
    NONNEGATIVE, duplicate, invalid, invalid_omit, not_supported, qualified_name, quote,
    quote_list, required, too_long, too_many, value,
};
use super::{JobSpecView, missing_target, served};
use crate::object::Field;
use crate::rule::{Ctx, Diagnostic};

const MAX_POD_FAILURE_POLICY_RULES: usize = 20;
const MAX_ON_EXIT_CODES_VALUES: usize = 255;
const MAX_ON_POD_CONDITIONS: usize = 20;
const MAX_SUCCESS_POLICY_RULES: usize = 20;
const MAX_SUCCEEDED_INDEXES_LEN: usize = 64 * 1024;
const ACTIONS: [&str; 4] = ["Count", "FailIndex", "FailJob", "Ignore"];
const OPERATORS: [&str; 2] = ["In", "NotIn"];
pub(super) const CONDITION_STATUSES: [&str; 3] = ["False", "True", "Unknown"];

/// The target of a field that may be absent.
fn at<'a>(parent: &Field<'a>, name: &'static str) -> crate::object::Target<'a> {
    parent
        .child(name)
        .map_or_else(|| missing_target(parent, &[name]), |f| f.target())
}

/// J27-J33 (a missing onPodConditions status is defaulted to True; see api-cronjob-fields for
/// CronJobs on 1.33).
pub fn api_pod_failure_policy<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some(object) = served(ctx) else { return };
    let view = JobSpecView::of(ctx);
    let Some(policy) = view.child("podFailurePolicy") else {
        return;
    };
    let container_names: BTreeSet<&str> = object
        .all_containers()
        .iter()
        .filter_map(|c| c.node.get("name").and_then(|n| n.as_str()))
        .collect();
    let Some(rules) = policy.child_some("rules") else {
        return;
    };
    let items = rules.items();
    if items.len() > MAX_POD_FAILURE_POLICY_RULES {
        out.push(Diagnostic::new(
            rules.target(),
            too_many(items.len(), MAX_POD_FAILURE_POLICY_RULES),
        ));
    }
    for rule in &items {
        let action = rule.child_some("action");
        match action.as_ref().and_then(|a| a.str()).unwrap_or("") {
            "" => out.push(Diagnostic::new(
                at(rule, "action"),
                required(&format!("valid values: {}", quote_list(&ACTIONS))),
            )),
            "FailIndex" if !view.backoff_limit_per_index.is_set() => out.push(Diagnostic::new(
                at(rule, "action"),
                invalid(
                    "\"FailIndex\"",
                    "requires the backoffLimitPerIndex to be set",
                ),
            )),
            a if ACTIONS.contains(&a) => {}
            a => out.push(Diagnostic::new(
                at(rule, "action"),
                not_supported(&quote(a), &ACTIONS),
            )),
        }
        let on_exit_codes = rule.child_some("onExitCodes");
        let on_pod_conditions = rule.child_some("onPodConditions");
        let conditions = on_pod_conditions
            .as_ref()
            .map(Field::items)
            .unwrap_or_default();
        if let Some(codes) = &on_exit_codes {
            exit_codes(codes, &container_names, out);
        }
        if let Some(list) = on_pod_conditions
            .as_ref()
            .filter(|_| !conditions.is_empty())
        {
            if conditions.len() > MAX_ON_POD_CONDITIONS {
                out.push(Diagnostic::new(
                    list.target(),
                    too_many(conditions.len(), MAX_ON_POD_CONDITIONS),
                ));
            }
            for pattern in &conditions {
                let type_field = pattern.child_some("type");
                let kind = type_field.as_ref().and_then(|t| t.str()).unwrap_or("");
                for msg in qualified_name(kind) {
                    out.push(Diagnostic::new(
                        at(pattern, "type"),
                        invalid(&quote(kind), &msg),
                    ));
                }
                if let Some(status) = pattern.child_some("status")
                    && let Some(s) = status.str().filter(|s| !s.is_empty())
                    && !CONDITION_STATUSES.contains(&s)
                {
                    out.push(Diagnostic::new(
                        status.target(),
                        not_supported(&quote(s), &CONDITION_STATUSES),
                    ));
                }
            }
        }
        match (&on_exit_codes, conditions.is_empty()) {
            (Some(_), false) => out.push(Diagnostic::new(
                rule.target(),
                invalid_omit("specifying both OnExitCodes and OnPodConditions is not supported"),
            )),
            (None, true) => out.push(Diagnostic::new(
                rule.target(),
                invalid_omit("specifying one of OnExitCodes and OnPodConditions is required"),
            )),
            _ => {}
        }
    }
}

fn exit_codes<'a>(
    codes: &Field<'a>,
    container_names: &BTreeSet<&str>,
    out: &mut Vec<Diagnostic<'a>>,
) {
    let operator = codes.child_some("operator");
    let op = operator.as_ref().and_then(|o| o.str()).unwrap_or("");
    if op.is_empty() {
        out.push(Diagnostic::new(
            at(codes, "operator"),
            required(&format!("valid values: {}", quote_list(&OPERATORS))),
        ));
    } else if !OPERATORS.contains(&op) {
        out.push(Diagnostic::new(
            at(codes, "operator"),
            not_supported(&quote(op), &OPERATORS),
        ));
    }
    if let Some(name) = codes.child_some("containerName")
        && let Some(n) = name.str()
        && !container_names.contains(n)
    {
        out.push(Diagnostic::new(
            name.target(),
            invalid(
                &quote(n),
                "must be one of the container or initContainer names in the pod template",
            ),
        ));
    }
    let values_field = codes.child_some("values");
    let values = values_field.as_ref().map(Field::items).unwrap_or_default();
    if values.is_empty() {
        let shown = values_field
            .as_ref()
            .map_or_else(|| "null".to_owned(), |v| value(v.node));
        out.push(Diagnostic::new(
            at(codes, "values"),
            invalid(&shown, "at least one value is required"),
        ));
        return;
    }
    if values.len() > MAX_ON_EXIT_CODES_VALUES {
        out.push(Diagnostic::new(
            at(codes, "values"),
            too_many(values.len(), MAX_ON_EXIT_CODES_VALUES),
        ));
        return;
    }
    let mut seen = BTreeSet::new();
    let mut ordered = true;
    let mut previous: Option<i64> = None;
    for item in &values {
        let Some(v) = item.i64() else { continue };
        if op == "In" && v == 0 {
            out.push(Diagnostic::new(
                item.target(),
                invalid("0", "must not be 0 for the In operator"),
            ));
        }
        if !seen.insert(v) {
            out.push(Diagnostic::new(item.target(), duplicate(&v.to_string())));
        }
        if previous.is_some_and(|p| p > v) {
            ordered = false;
        }
        previous = Some(v);
    }
    if !ordered {
        let shown = values_field
            .as_ref()
            .map_or_else(String::new, |v| value(v.node));
        out.push(Diagnostic::new(
            at(codes, "values"),
            invalid(&shown, "must be ordered"),
        ));
    }
}

/// J35-J39.
pub fn api_success_policy<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    if served(ctx).is_none() {
        return;
    }
    let view = JobSpecView::of(ctx);
    let Some(policy) = view.child("successPolicy") else {
        return;
    };
    if !view.indexed() {
        out.push(Diagnostic::new(
            policy.target(),
            invalid(&value(policy.node), "requires indexed completion mode"),
        ));
        return;
    }
    let rules = policy
        .child_some("rules")
        .map(|r| r.items())
        .unwrap_or_default();
    if rules.is_empty() {
        out.push(Diagnostic::new(
            at(&policy, "rules"),
            required("at least one rules must be specified when the successPolicy is specified"),
        ));
    }
    if rules.len() > MAX_SUCCESS_POLICY_RULES {
        out.push(Diagnostic::new(
            at(&policy, "rules"),
            too_many(rules.len(), MAX_SUCCESS_POLICY_RULES),
        ));
    }
    // Without completions the server dereferences nil (J20 reports the missing field).
    let Some(completions) = view.completions.val() else {
        return;
    };
    for rule in &rules {
        let count = rule.child_some("succeededCount");
        let indexes = rule.child_some("succeededIndexes");
        if count.is_none() && indexes.is_none() {
            out.push(Diagnostic::new(
                rule.target(),
                required("at least one of succeededCount or succeededIndexes must be specified"),
            ));
        }
        let mut total = 0i64;
        if let Some(field) = &indexes
            && let Some(text) = field.str()
        {
            if text.len() > MAX_SUCCEEDED_INDEXES_LEN {
                out.push(Diagnostic::new(
                    field.target(),
                    too_long(MAX_SUCCEEDED_INDEXES_LEN),
                ));
            }
            match parse_indexes(text, completions) {
                Ok(n) => total = n,
                Err(e) => out.push(Diagnostic::new(
                    field.target(),
                    invalid(
                        &quote(text),
                        &format!("error parsing succeededIndexes: {e}"),
                    ),
                )),
            }
        }
        if let Some(field) = &count
            && let Some(n) = field.i64()
        {
            if n < 0 {
                out.push(Diagnostic::new(
                    field.target(),
                    invalid(&n.to_string(), NONNEGATIVE),
                ));
            }
            if n > completions {
                let msg = format!(
                    "must be less than or equal to {completions} (the number of specified completions)"
                );
                out.push(Diagnostic::new(
                    field.target(),
                    invalid(&n.to_string(), &msg),
                ));
            }
            if indexes.is_some() && n > total {
                let msg = format!(
                    "must be less than or equal to {total} (the number of indexes in the specified succeededIndexes field)"
                );
                out.push(Diagnostic::new(
                    field.target(),
                    invalid(&n.to_string(), &msg),
                ));
            }
        }
    }
}

/// `validateIndexesFormat`: `N` or `N-M` intervals, comma-separated, strictly increasing, each
/// below `completions`. Returns the number of indexes.
fn parse_indexes(text: &str, completions: i64) -> Result<i64, String> {
    if text.is_empty() {
        return Ok(0);
    }
    let atoi = |s: &str| {
        s.parse::<i64>()
            .map_err(|_| format!("cannot convert string to integer for index: {}", quote(s)))
    };
    let mut last: Option<i64> = None;
    let mut total = 0i64;
    for interval in text.split(',') {
        let limits: Vec<&str> = interval.split('-').collect();
        if limits.len() > 2 {
            return Err(format!(
                "the fragment {} violates the requirement that an index interval can have at most two parts separated by '-'",
                quote(interval)
            ));
        }
        let x = atoi(limits[0])?;
        if x >= completions {
            return Err(format!("too large index: {}", quote(limits[0])));
        }
        if let Some(l) = last
            && l >= x
        {
            return Err(format!("non-increasing order, previous: {l}, current: {x}"));
        }
        total += 1;
        last = Some(x);
        if let Some(end) = limits.get(1) {
            let y = atoi(end)?;
            if y >= completions {
                return Err(format!("too large index: {}", quote(end)));
            }
            if x >= y {
                return Err(format!("non-increasing order, previous: {x}, current: {y}"));
            }
            total += y - x;
            last = Some(y);
        }
    }
    Ok(total)
}

/// J40.
pub fn api_pod_replacement_policy<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    if served(ctx).is_none() {
        return;
    }
    let view = JobSpecView::of(ctx);
    // nil (a CronJob's template) is not validated; a Job's default is always supported, so an
    // unsupported value was written.
    let Some(policy) = view.pod_replacement_policy else {
        return;
    };
    let supported: &[&str] = if view.has_pod_failure_policy {
        &["Failed"]
    } else {
        &["Failed", "TerminatingOrFailed"]
    };
    if supported.contains(&policy) {
        return;
    }
    let Some(field) = view.child("podReplacementPolicy") else {
        return;
    };
    let mut diag = Diagnostic::new(field.target(), not_supported(&quote(policy), supported));
    if view.has_pod_failure_policy
        && let Some(pfp) = view.child("podFailurePolicy")
    {
        diag = diag.label(pfp.key_target(), "a podFailurePolicy allows only Failed");
    }
    out.push(diag);
}

#[cfg(test)]
mod tests {
    use super::parse_indexes;

    #[test]
    fn indexes() {
        assert_eq!(parse_indexes("", 5), Ok(0));
        assert_eq!(parse_indexes("0,2-4", 5), Ok(4));
        assert_eq!(parse_indexes("+1", 5), Ok(1));
        assert_eq!(
            parse_indexes("1-1", 5),
            Err("non-increasing order, previous: 1, current: 1".into())
        );
        assert_eq!(parse_indexes("5", 5), Err("too large index: \"5\"".into()));
        assert_eq!(
            parse_indexes("-1", 5),
            Err("cannot convert string to integer for index: \"\"".into())
        );
        assert_eq!(
            parse_indexes("1--2", 5),
            Err("the fragment \"1--2\" violates the requirement that an index interval can have at most two parts separated by '-'".into())
        );
        assert_eq!(
            parse_indexes("3,1", 5),
            Err("non-increasing order, previous: 3, current: 1".into())
        );
    }
}
