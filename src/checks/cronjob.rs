//! CronJob scheduling and concurrency advice. The hard errors (schedules or time zones the API
//! server rejects, batch/v1beta1) are API-parity rules elsewhere; when the schedule does not
//! parse, the schedule rules here say nothing.

use super::common::int_field;
use crate::cron::{self, Schedule};
use crate::object::Field;
use crate::rule::{Ctx, Diagnostic};

/// `spec` of the CronJob.
fn spec<'a>(ctx: &Ctx<'_, 'a>) -> Option<Field<'a>> {
    ctx.object.root_field().child("spec")
}

/// `spec.schedule` and what it parses to; `None` when absent, not a string or rejected.
fn schedule<'o, 'a>(ctx: &Ctx<'o, 'a>) -> Option<(Field<'a>, &'a str, &'o Schedule)> {
    let parsed = ctx.schedule()?;
    let field = spec(ctx)?.child_some("schedule")?;
    let text = field.str()?;
    Some((field, text, parsed))
}

/// The day-of-month, month and day-of-week fields of a schedule as written: its last three (a
/// `TZ=` prefix comes first); `None` for a descriptor (`@daily`, `@every 1h`).
fn day_fields(text: &str) -> Option<(&str, &str, &str)> {
    let mut fields = text.split_whitespace().rev();
    let (dow, month, dom) = (fields.next()?, fields.next()?, fields.next()?);
    Some((dom, month, dow))
}

/// concurrencyPolicy unset (Allow) or Allow: runs overlap.
pub fn cronjob_concurrency_allow<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some(spec) = spec(ctx) else {
        return;
    };
    match spec.child_some("concurrencyPolicy") {
        None => out.push(Diagnostic::new(
            spec.missing("concurrencyPolicy"),
            "concurrencyPolicy is not set, so it defaults to Allow and a slow run overlaps the next one",
        )),
        Some(field) if field.str() == Some("Allow") => out.push(Diagnostic::new(
            field.target(),
            "concurrencyPolicy Allow lets a slow run overlap the next one",
        )),
        Some(_) => {}
    }
}

/// concurrencyPolicy Replace: the running Job is deleted when the next run is due.
pub fn cronjob_concurrency_replace<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some(field) = spec(ctx).and_then(|s| s.child_some("concurrencyPolicy")) else {
        return;
    };
    if field.str() == Some("Replace") {
        out.push(Diagnostic::new(
            field.target(),
            "concurrencyPolicy Replace deletes a still-running Job when the next run is due, which can leave its work half done",
        ));
    }
}

/// A schedule that fires every minute (or more often).
pub fn cronjob_every_minute<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some((field, text, parsed)) = schedule(ctx) else {
        return;
    };
    if !parsed.fires_every_minute() {
        return;
    }
    // An interval under a minute, as robfig reads it: `@every 30s`, and `@every 500ms` or a
    // negative one raised to a second.
    let every = match parsed {
        Schedule::Every(d) if d.as_secs() == 1 => "second".to_owned(),
        Schedule::Every(d) if d.as_secs() < 60 => format!("{} seconds", d.as_secs()),
        _ => "minute".to_owned(),
    };
    out.push(Diagnostic::new(
        field.target(),
        format!("schedule `{text}` creates a new Job every {every}"),
    ));
}

/// Day of month and day of week both restricted: the schedule fires when EITHER matches.
pub fn cronjob_dom_dow_or<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some((field, text, parsed)) = schedule(ctx) else {
        return;
    };
    if !parsed.dom_and_dow_both_restricted() {
        return;
    }
    let Some((dom, _, dow)) = day_fields(text) else {
        return;
    };
    out.push(Diagnostic::new(
        field.target(),
        format!(
            "schedule `{text}` restricts both day of month (`{dom}`) and day of week (`{dow}`), so it runs on days matching either one, not both"
        ),
    ));
}

/// A schedule that matches no date (`0 0 30 2 *`): the CronJob never runs. A suspended one is
/// left alone: an impossible date is a known way to keep a CronJob for manual runs only.
pub fn cronjob_never_fires<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some((field, text, parsed)) = schedule(ctx) else {
        return;
    };
    let suspended = spec(ctx)
        .and_then(|s| s.child_some("suspend"))
        .is_some_and(|s| s.node.as_bool() == Some(true));
    if suspended || !parsed.never_fires() {
        return;
    }
    // Once parsed, only the day of month and the month can fail to meet (the day of week, when
    // restricted with the day of month, widens the match instead).
    let why = match day_fields(text) {
        Some((dom, month, _)) => format!(": day of month `{dom}` never falls in month `{month}`"),
        None => String::new(),
    };
    out.push(Diagnostic::new(
        field.target(),
        format!("schedule `{text}` matches no date{why}, so the CronJob never runs"),
    ));
}

/// failedJobsHistoryLimit 0: no failed Job is kept to look at.
pub fn cronjob_failed_history_zero<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some((value, field)) = spec(ctx).and_then(|s| int_field(&s, "failedJobsHistoryLimit"))
    else {
        return;
    };
    if value == 0 {
        out.push(Diagnostic::new(
            field.target(),
            "failedJobsHistoryLimit 0 deletes every failed Job at once, with the pods and logs that show why it failed",
        ));
    }
}

/// No spec.timeZone: the schedule follows kube-controller-manager's local time zone.
pub fn cronjob_timezone_unset<'a>(ctx: &Ctx<'_, 'a>, out: &mut Vec<Diagnostic<'a>>) {
    let Some(spec) = spec(ctx) else {
        return;
    };
    if spec.child_some("timeZone").is_some() {
        return;
    }
    let Some((_, text, parsed)) = schedule(ctx) else {
        return;
    };
    // A TZ= prefix is an error reported elsewhere; intervals and schedules that only pick
    // minutes (`*/15 * * * *`) do not depend on the zone (half-hour offsets aside), and nor does
    // a schedule that never fires (cronjob-never-fires).
    if cron::schedule_mentions_tz(text) || only_minutes(parsed) || parsed.never_fires() {
        return;
    }
    out.push(Diagnostic::new(
        spec.missing("timeZone"),
        format!(
            "timeZone is not set, so schedule `{text}` follows the time zone of kube-controller-manager, whatever it is"
        ),
    ));
}

/// True for `@every` and for schedules whose hour, day and month fields are all unrestricted.
fn only_minutes(schedule: &Schedule) -> bool {
    const HOURS: u64 = (1 << 24) - 1;
    const DOM: u64 = ((1 << 32) - 1) & !1;
    const MONTHS: u64 = ((1 << 13) - 1) & !1;
    const DOW: u64 = (1 << 7) - 1;
    match schedule {
        Schedule::Every(_) => true,
        Schedule::Spec(s) => {
            s.hour & HOURS == HOURS
                && s.dom & DOM == DOM
                && s.month & MONTHS == MONTHS
                && s.dow & DOW == DOW
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minute_only_schedules() {
        let p = |s: &str| cron::parse_standard(s).unwrap();
        assert!(only_minutes(&p("*/15 * * * *")));
        assert!(only_minutes(&p("@every 2h")));
        assert!(only_minutes(&p("5 * * * *")));
        assert!(!only_minutes(&p("0 2 * * *")));
        assert!(!only_minutes(&p("@daily")));
        assert!(!only_minutes(&p("0 * * * 1-5")));
        assert!(!only_minutes(&p("0 * 1 * *")));
        assert!(!only_minutes(&p("0 * * 2 *")));
    }

    use crate::checks::common::testing::run;

    fn cj(schedule: &str, extra: &str) -> String {
        format!(
            "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n  schedule: \"{schedule}\"\n{extra}  jobTemplate: {{}}\n"
        )
    }

    #[test]
    fn schedule_rules_say_nothing_about_unparsed_schedules() {
        for check in [
            cronjob_every_minute,
            cronjob_dom_dow_or,
            cronjob_never_fires,
            cronjob_timezone_unset,
        ] {
            assert!(run(check, &cj("0 0 0 13 * 5", ""), &[]).is_empty());
            assert!(run(check, &cj("<injected>", ""), &[]).is_empty());
        }
    }

    #[test]
    fn every_minute_variants() {
        for s in ["* * * * *", "*/1 * * * *", "@every 30s"] {
            assert_eq!(run(cronjob_every_minute, &cj(s, ""), &[]).len(), 1, "{s}");
        }
        for (s, every) in [
            ("@every 1m", "minute"),
            ("@every 30s", "30 seconds"),
            ("@every 1.5s", "second"),
            ("@every 500ms", "second"),
            ("@every -1h", "second"),
        ] {
            assert_eq!(
                run(cronjob_every_minute, &cj(s, ""), &[]),
                [format!(
                    "spec.schedule: schedule `{s}` creates a new Job every {every}"
                )]
            );
        }
        for s in ["*/2 * * * *", "50-59/1 * * * *", "@hourly"] {
            assert!(run(cronjob_every_minute, &cj(s, ""), &[]).is_empty(), "{s}");
        }
    }

    #[test]
    fn never_fires_unless_suspended() {
        assert_eq!(
            run(cronjob_never_fires, &cj("0 0 30 2 *", ""), &[]),
            [
                "spec.schedule: schedule `0 0 30 2 *` matches no date: day of month `30` never falls in month `2`, so the CronJob never runs"
            ]
        );
        assert_eq!(
            run(
                cronjob_never_fires,
                &cj("CRON_TZ=UTC 0 3 31 4,6,9,11 *", ""),
                &[]
            ),
            [
                "spec.schedule: schedule `CRON_TZ=UTC 0 3 31 4,6,9,11 *` matches no date: day of month `31` never falls in month `4,6,9,11`, so the CronJob never runs"
            ]
        );
        // Suspended on purpose: started by hand only.
        assert!(
            run(
                cronjob_never_fires,
                &cj("0 0 30 2 *", "  suspend: true\n"),
                &[]
            )
            .is_empty()
        );
        assert_eq!(
            run(
                cronjob_never_fires,
                &cj("0 0 30 2 *", "  suspend: false\n"),
                &[]
            )
            .len(),
            1
        );
        // Leap days, either day field matching (every Monday in February), names, descriptors.
        for s in [
            "0 0 29 2 *",
            "0 0 30 2 1",
            "0 0 31 jan *",
            "@yearly",
            "@every 1h",
        ] {
            assert!(run(cronjob_never_fires, &cj(s, ""), &[]).is_empty(), "{s}");
        }
    }

    #[test]
    fn dom_dow_fields_are_named_with_a_tz_prefix_too() {
        assert_eq!(
            run(cronjob_dom_dow_or, &cj("CRON_TZ=UTC 0 0 13 * 5", ""), &[]),
            [
                "spec.schedule: schedule `CRON_TZ=UTC 0 0 13 * 5` restricts both day of month (`13`) and day of week (`5`), so it runs on days matching either one, not both"
            ]
        );
        assert!(run(cronjob_dom_dow_or, &cj("0 0 13 * *", ""), &[]).is_empty());
    }

    #[test]
    fn time_zone_advice() {
        assert_eq!(run(cronjob_timezone_unset, &cj("@daily", ""), &[]).len(), 1);
        assert!(
            run(
                cronjob_timezone_unset,
                &cj("@daily", "  timeZone: Etc/UTC\n"),
                &[]
            )
            .is_empty()
        );
        assert!(run(cronjob_timezone_unset, &cj("TZ=UTC 0 2 * * *", ""), &[]).is_empty());
        assert!(run(cronjob_timezone_unset, &cj("*/5 * * * *", ""), &[]).is_empty());
        assert!(run(cronjob_timezone_unset, &cj("0 0 30 2 *", ""), &[]).is_empty());
    }

    #[test]
    fn concurrency_policies() {
        assert_eq!(
            run(cronjob_concurrency_allow, &cj("0 1 * * *", ""), &[]).len(),
            1
        );
        let replace = cj("0 1 * * *", "  concurrencyPolicy: Replace\n");
        assert!(run(cronjob_concurrency_allow, &replace, &[]).is_empty());
        assert_eq!(run(cronjob_concurrency_replace, &replace, &[]).len(), 1);
    }
}
