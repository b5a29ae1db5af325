//! CronJob `spec.schedule` and `spec.timeZone`, checked as kube-apiserver checks them.
//!
//! [`parse_standard`] ports robfig/cron v3.0.1 `ParseStandard` (the parser Kubernetes vendors),
//! with Go's `time.ParseDuration`, `time.LoadLocation` and `strconv.Atoi` error texts.
//! [`validate_time_zone`] ports the apiserver's `validateTimeZone`. Time zone names come from
//! chrono-tz's IANA table, which can differ slightly from the server's tzdata version.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Set in a field's bits when its expression used `*` or `?` with no step above 1 (robfig's `starBit`).
pub const STAR_BIT: u64 = 1 << 63;

/// Field names, indexed like [`ScheduleError::field`].
pub const FIELD_NAMES: [&str; 5] = ["minute", "hour", "day of month", "month", "day of week"];

/// Allowed range and names of one field (robfig's `bounds`).
struct Bounds {
    min: u64,
    max: u64,
    names: &'static [(&'static str, u64)],
}

impl Bounds {
    const fn new(min: u64, max: u64, names: &'static [(&'static str, u64)]) -> Self {
        Bounds { min, max, names }
    }
}

const MINUTES: Bounds = Bounds::new(0, 59, &[]);
const HOURS: Bounds = Bounds::new(0, 23, &[]);
const DOM: Bounds = Bounds::new(1, 31, &[]);
#[rustfmt::skip]
const MONTHS: Bounds = Bounds::new(1, 12, &[
    ("jan", 1), ("feb", 2), ("mar", 3), ("apr", 4), ("may", 5), ("jun", 6),
    ("jul", 7), ("aug", 8), ("sep", 9), ("oct", 10), ("nov", 11), ("dec", 12),
]);
#[rustfmt::skip]
const DOW: Bounds = Bounds::new(0, 6, &[
    ("sun", 0), ("mon", 1), ("tue", 2), ("wed", 3), ("thu", 4), ("fri", 5), ("sat", 6),
]);
const FIELD_BOUNDS: [&Bounds; 5] = [&MINUTES, &HOURS, &DOM, &MONTHS, &DOW];

/// A rejected schedule. `Display` gives robfig's error text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleError {
    /// Which field failed (0 = minute … 4 = day of week); `None` for whole-spec errors.
    pub field: Option<usize>,
    pub message: String,
}

impl ScheduleError {
    fn whole(message: String) -> Self {
        ScheduleError {
            field: None,
            message,
        }
    }

    /// Name of the failing field, e.g. `"day of month"`.
    pub fn field_name(&self) -> Option<&'static str> {
        self.field.and_then(|i| FIELD_NAMES.get(i).copied())
    }
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ScheduleError {}

/// robfig's `SpecSchedule`: one bit per allowed value, plus [`STAR_BIT`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecSchedule {
    /// Always `1` (second 0) from [`parse_standard`]; the helpers assume this.
    pub second: u64,
    pub minute: u64,
    pub hour: u64,
    pub dom: u64,
    pub month: u64,
    pub dow: u64,
    /// Go location name: `"Local"` without a `TZ=`/`CRON_TZ=` prefix, `"UTC"` for `TZ= …`.
    pub location: String,
}

/// A parsed schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    Spec(SpecSchedule),
    /// `@every <d>`, as robfig's `Every`: below 1s becomes 1s, else truncated to whole seconds.
    Every(Duration),
}

/// A UTC wall-clock time (proleptic Gregorian). Out-of-range fields are normalized like Go's `time.Date`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CivilTime {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl CivilTime {
    /// A time at second 0.
    pub const fn new(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> Self {
        CivilTime {
            year,
            month,
            day,
            hour,
            minute,
            second: 0,
        }
    }
}

/// Parses a CronJob schedule exactly as robfig/cron v3.0.1 `ParseStandard` does:
/// `[TZ=zone |CRON_TZ=zone ]` then five fields (minute hour dom month dow) or a descriptor.
///
/// Deviation: a `TZ=`/`CRON_TZ=` prefix with no space after it panics in Go; here it is the
/// error `provided bad location <zone>: missing space after time zone`.
pub fn parse_standard(spec: &str) -> Result<Schedule, ScheduleError> {
    if spec.is_empty() {
        return Err(ScheduleError::whole("empty spec string".into()));
    }
    let mut spec = spec;
    let mut location = String::from("Local");
    let eq = if spec.starts_with("TZ=") {
        Some(2)
    } else if spec.starts_with("CRON_TZ=") {
        Some(7)
    } else {
        None
    };
    if let Some(eq) = eq {
        let Some(space) = spec.find(' ') else {
            let zone = &spec[eq + 1..];
            let msg = format!("provided bad location {zone}: missing space after time zone");
            return Err(ScheduleError::whole(msg));
        };
        let zone = &spec[eq + 1..space];
        location = load_location(zone)
            .map_err(|e| ScheduleError::whole(format!("provided bad location {zone}: {e}")))?;
        spec = spec[space..].trim();
    }
    if spec.starts_with('@') {
        return parse_descriptor(spec, location);
    }
    // Five fields, taken without collecting them (a schedule is parsed once per CronJob linted).
    let mut words = spec.split_whitespace();
    let mut fields = [""; 5];
    let taken = fields
        .iter_mut()
        .zip(&mut words)
        .map(|(slot, word)| *slot = word)
        .count();
    if taken != 5 || words.next().is_some() {
        let fields: Vec<&str> = spec.split_whitespace().collect();
        let msg = format!(
            "expected exactly 5 fields, found {}: [{}]",
            fields.len(),
            fields.join(" ")
        );
        return Err(ScheduleError::whole(msg));
    }
    let mut bits = [0u64; 5];
    for (i, (field, bounds)) in fields.iter().zip(FIELD_BOUNDS).enumerate() {
        bits[i] = get_field(field, bounds).map_err(|message| ScheduleError {
            field: Some(i),
            message,
        })?;
    }
    Ok(Schedule::spec(bits, location))
}

/// True when the schedule contains `TZ` (case-sensitive), which the apiserver rejects on create.
pub fn schedule_mentions_tz(spec: &str) -> bool {
    spec.contains("TZ")
}

/// The apiserver's `spec.timeZone` check (set values only): the first error of [`time_zone_errors`].
pub fn validate_time_zone(tz: &str) -> Result<(), String> {
    match time_zone_errors(tz).into_iter().next() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Every error the apiserver reports for a set `spec.timeZone` (`LOCAL` gets two).
pub fn time_zone_errors(tz: &str) -> Vec<String> {
    if tz.is_empty() {
        return vec!["timeZone must be nil or non-empty string".into()];
    }
    let bad_part = |p: &str| {
        p == "."
            || p == ".."
            || p.starts_with('-')
            || !(1..=14).contains(&p.len())
            || !p
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-+".contains(&b))
    };
    if tz.split('/').any(bad_part) {
        return vec![format!("unknown time zone {tz}")];
    }
    let mut errors = Vec::new();
    if tz.eq_ignore_ascii_case("Local") {
        errors.push(
            "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"
                .into(),
        );
    }
    if let Err(e) = load_location(tz) {
        errors.push(e);
    }
    errors
}

/// Go's `time.LoadLocation`, with chrono-tz as the zone database. Returns the location name.
fn load_location(name: &str) -> Result<String, String> {
    match name {
        "" | "UTC" => return Ok("UTC".into()),
        "Local" => return Ok("Local".into()),
        _ => {}
    }
    if name.contains("..") || name.starts_with('/') || name.starts_with('\\') {
        return Err("time: invalid location name".into());
    }
    match chrono_tz::Tz::from_str(name) {
        Ok(_) => Ok(name.into()),
        Err(_) => Err(format!("unknown time zone {name}")),
    }
}

fn parse_descriptor(spec: &str, location: String) -> Result<Schedule, ScheduleError> {
    let all = |b: &Bounds| get_bits(b.min, b.max, 1) | STAR_BIT;
    let first = |b: &Bounds| 1u64 << b.min;
    let bits = match spec {
        "@yearly" | "@annually" => [1, 1, first(&DOM), first(&MONTHS), all(&DOW)],
        "@monthly" => [1, 1, first(&DOM), all(&MONTHS), all(&DOW)],
        "@weekly" => [1, 1, all(&DOM), all(&MONTHS), first(&DOW)],
        "@daily" | "@midnight" => [1, 1, all(&DOM), all(&MONTHS), all(&DOW)],
        "@hourly" => [1, all(&HOURS), all(&DOM), all(&MONTHS), all(&DOW)],
        _ => {
            if let Some(d) = spec.strip_prefix("@every ") {
                let ns = parse_go_duration(d).map_err(|e| {
                    ScheduleError::whole(format!("failed to parse duration {spec}: {e}"))
                })?;
                let secs = if ns < 1_000_000_000 {
                    1
                } else {
                    ns / 1_000_000_000
                };
                return Ok(Schedule::Every(Duration::from_secs(secs.unsigned_abs())));
            }
            let msg = format!("unrecognized descriptor: {spec}");
            return Err(ScheduleError::whole(msg));
        }
    };
    Ok(Schedule::spec(bits, location))
}

/// robfig `getField`: a comma list of ranges; empty items are skipped.
fn get_field(field: &str, b: &Bounds) -> Result<u64, String> {
    let mut bits = 0;
    for expr in field.split(',').filter(|e| !e.is_empty()) {
        bits |= get_range(expr, b)?;
    }
    Ok(bits)
}

/// robfig `getRange`: `* | ? | N | N-M`, then optional `/step`.
fn get_range(expr: &str, b: &Bounds) -> Result<u64, String> {
    // `range[/step]` and `low[-high]`, split without collecting; a third part is an error.
    let mut range_and_step = expr.split('/');
    let range = range_and_step.next().unwrap_or_default();
    let step = (range_and_step.next(), range_and_step.next());
    let mut low_and_high = range.split('-');
    let low = low_and_high.next().unwrap_or_default();
    let high = (low_and_high.next(), low_and_high.next());
    let single = high.0.is_none();
    let (start, mut end, mut extra);
    if low == "*" || low == "?" {
        (start, end, extra) = (b.min, b.max, STAR_BIT);
    } else {
        start = parse_int_or_name(low, b)?;
        end = match high {
            (None, _) => start,
            (Some(high), None) => parse_int_or_name(high, b)?,
            (Some(_), Some(_)) => return Err(format!("too many hyphens: {expr}")),
        };
        extra = 0;
    }
    let step = match step {
        (None, _) => 1,
        (Some(step), None) => {
            let step = must_parse_int(step)?;
            if single {
                end = b.max;
            }
            if step > 1 {
                extra = 0;
            }
            step
        }
        (Some(_), Some(_)) => return Err(format!("too many slashes: {expr}")),
    };
    if start < b.min {
        return Err(format!(
            "beginning of range ({start}) below minimum ({}): {expr}",
            b.min
        ));
    }
    if end > b.max {
        return Err(format!(
            "end of range ({end}) above maximum ({}): {expr}",
            b.max
        ));
    }
    if start > end {
        return Err(format!(
            "beginning of range ({start}) beyond end of range ({end}): {expr}"
        ));
    }
    if step == 0 {
        return Err(format!("step of range should be a positive number: {expr}"));
    }
    Ok(get_bits(start, end, step) | extra)
}

/// robfig `parseIntOrName`: names match after Go's `strings.ToLower`.
fn parse_int_or_name(expr: &str, b: &Bounds) -> Result<u64, String> {
    // The first four characters, lowercased as Go does: U+0130 becomes 'i' and the Kelvin sign
    // 'k'; other non-ASCII stays non-ASCII.
    let key = expr.chars().take(4).map(|c| match c {
        '\u{130}' => 'i',
        '\u{212A}' => 'k',
        c => c.to_ascii_lowercase(),
    });
    match b
        .names
        .iter()
        .find(|(name, _)| name.chars().eq(key.clone()))
    {
        Some(&(_, value)) => Ok(value),
        None => must_parse_int(expr),
    }
}

/// robfig `mustParseInt`.
fn must_parse_int(expr: &str) -> Result<u64, String> {
    match go_atoi(expr) {
        Err(e) => Err(format!("failed to parse int from {expr}: {e}")),
        Ok(n) if n < 0 => Err(format!("negative number ({n}) not allowed: {expr}")),
        Ok(n) => Ok(n.unsigned_abs()),
    }
}

/// robfig `getBits`: values `min..=max` every `step` (`max` ≤ 59).
fn get_bits(min: u64, max: u64, step: u64) -> u64 {
    if step == 1 {
        return !(u64::MAX << (max + 1)) & (u64::MAX << min);
    }
    let mut bits = 0;
    let mut i = min;
    while i <= max {
        bits |= 1 << i;
        match i.checked_add(step) {
            Some(next) => i = next,
            None => break,
        }
    }
    bits
}

/// Go's `strconv.Atoi` for a 64-bit `int`, with its error text.
fn go_atoi(s: &str) -> Result<i64, String> {
    let err = |what: &str| format!("strconv.Atoi: parsing {}: {what}", strconv_quote(s));
    let bytes = s.as_bytes();
    let (neg, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, bytes),
    };
    if digits.is_empty() {
        return Err(err("invalid syntax"));
    }
    let mut n: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return Err(err("invalid syntax"));
        }
        if n > u64::MAX / 10 {
            return Err(err("value out of range"));
        }
        let next = (n * 10).wrapping_add(u64::from(c - b'0'));
        if next < n * 10 {
            return Err(err("value out of range"));
        }
        n = next;
    }
    if (!neg && n >= 1 << 63) || (neg && n > 1 << 63) {
        return Err(err("value out of range"));
    }
    Ok(if neg {
        (n as i64).wrapping_neg()
    } else {
        n as i64
    })
}

/// Go's `strconv.Quote`. `unicode.IsPrint` is approximated (format, private-use and
/// noncharacter code points are escaped; unassigned ones are not).
fn strconv_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        let u = u32::from(c);
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0C' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0B' => out.push_str("\\v"),
            _ if u < 0x20 || u == 0x7F => out.push_str(&format!("\\x{u:02x}")),
            _ if go_is_print(c) => out.push(c),
            _ if u < 0x10000 => out.push_str(&format!("\\u{u:04x}")),
            _ => out.push_str(&format!("\\U{u:08x}")),
        }
    }
    out.push('"');
    out
}

fn go_is_print(c: char) -> bool {
    let u = u32::from(c);
    c == ' '
        || !(c.is_control()
            || c.is_whitespace()
            || u & 0xFFFE == 0xFFFE
            || matches!(u, 0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E
                | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0xE000..=0xF8FF
                | 0xFDD0..=0xFDEF | 0xFEFF | 0xFFF9..=0xFFFB | 0x110BD | 0x1D173..=0x1D17A
                | 0xE0000..=0xE00FF | 0xF0000..))
}

/// The `quote` helper of Go's `time` package: bytes outside 0x20..0x80 become `\xNN`.
fn time_quote(s: &[u8]) -> String {
    let mut out = String::from("\"");
    for &b in s {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(char::from(b));
            }
            0x20..0x80 => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    out
}

/// Go's `time.ParseDuration`, in nanoseconds, with its error texts.
fn parse_go_duration(orig: &str) -> Result<i64, String> {
    const LIMIT: u64 = 1 << 63;
    let invalid = || format!("time: invalid duration {}", time_quote(orig.as_bytes()));
    let mut s = orig.as_bytes();
    let mut neg = false;
    if let Some((&c, rest)) = s.split_first()
        && (c == b'-' || c == b'+')
    {
        neg = c == b'-';
        s = rest;
    }
    if s == b"0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut d: u64 = 0;
    while let Some(&c) = s.first() {
        if !(c == b'.' || c.is_ascii_digit()) {
            return Err(invalid());
        }
        let len_before = s.len();
        let (mut v, rest) = leading_int(s).ok_or_else(invalid)?;
        s = rest;
        let pre = len_before != s.len();
        let (mut f, mut scale, mut post) = (0u64, 1f64, false);
        if let Some((b'.', rest)) = s.split_first() {
            let len_before = rest.len();
            (f, scale, s) = leading_fraction(rest);
            post = len_before != s.len();
        }
        if !pre && !post {
            return Err(invalid());
        }
        let i = s
            .iter()
            .position(|&c| c == b'.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if i == 0 {
            let quoted = time_quote(orig.as_bytes());
            return Err(format!("time: missing unit in duration {quoted}"));
        }
        let (u, rest) = s.split_at(i);
        s = rest;
        let unit: u64 = match u {
            b"ns" => 1,
            b"us" | b"\xc2\xb5s" | b"\xce\xbcs" => 1_000,
            b"ms" => 1_000_000,
            b"s" => 1_000_000_000,
            b"m" => 60_000_000_000,
            b"h" => 3_600_000_000_000,
            _ => {
                let (u, o) = (time_quote(u), time_quote(orig.as_bytes()));
                return Err(format!("time: unknown unit {u} in duration {o}"));
            }
        };
        if v > LIMIT / unit {
            return Err(invalid());
        }
        v *= unit;
        if f > 0 {
            v += (f as f64 * (unit as f64 / scale)) as u64;
            if v > LIMIT {
                return Err(invalid());
            }
        }
        d = d.wrapping_add(v); // Go's uint64 wraps here too.
        if d > LIMIT {
            return Err(invalid());
        }
    }
    if neg {
        return Ok((d as i64).wrapping_neg());
    }
    if d > LIMIT - 1 {
        return Err(invalid());
    }
    Ok(d as i64)
}

fn leading_int(s: &[u8]) -> Option<(u64, &[u8])> {
    let mut x: u64 = 0;
    let mut i = 0;
    while let Some(&c) = s.get(i).filter(|c| c.is_ascii_digit()) {
        if x > (1 << 63) / 10 {
            return None;
        }
        x = x * 10 + u64::from(c - b'0');
        if x > 1 << 63 {
            return None;
        }
        i += 1;
    }
    Some((x, &s[i..]))
}

fn leading_fraction(s: &[u8]) -> (u64, f64, &[u8]) {
    let (mut x, mut scale, mut overflow, mut i) = (0u64, 1f64, false, 0);
    while let Some(&c) = s.get(i).filter(|c| c.is_ascii_digit()) {
        i += 1;
        if overflow {
            continue;
        }
        if x > ((1 << 63) - 1) / 10 {
            overflow = true;
            continue;
        }
        let y = x * 10 + u64::from(c - b'0');
        if y > 1 << 63 {
            overflow = true;
            continue;
        }
        x = y;
        scale *= 10.0;
    }
    (x, scale, &s[i..])
}

// ---- Firing times (UTC; any TZ prefix is ignored) ----

const DAY: i64 = 86_400;
/// `min_period_*` look at the 8 years from 2026-01-01 (two leap days: 2028 and 2032).
const HORIZON_START: CivilTime = CivilTime::new(2026, 1, 1, 0, 0);
const HORIZON_DAYS: i64 = 2922;

fn has(bits: u64, v: u32) -> bool {
    v < 64 && bits >> v & 1 == 1
}

fn full(bits: u64, b: &Bounds) -> bool {
    let mask = get_bits(b.min, b.max, 1);
    bits & mask == mask
}

/// Days since 1970-01-01; month and day may be out of range (normalized like Go's `time.Date`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let (y, m) = (y + (m - 1).div_euclid(12), (m - 1).rem_euclid(12) + 1);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// Broken-down UTC time of epoch seconds: (year, month, day, hour, minute, second, weekday).
#[derive(Clone, Copy)]
struct Civ {
    y: i64,
    mo: u32,
    d: u32,
    h: u32,
    mi: u32,
    s: u32,
    wd: u32,
}

impl Civ {
    /// Midnight of the following day (a step of the calendar, cheaper than [`civ`]).
    fn next_day(self) -> Civ {
        let leap = self.y % 4 == 0 && (self.y % 100 != 0 || self.y % 400 == 0);
        let month_days = match self.mo {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        let (y, mo, d) = match (self.d < month_days, self.mo < 12) {
            (true, _) => (self.y, self.mo, self.d + 1),
            (false, true) => (self.y, self.mo + 1, 1),
            (false, false) => (self.y + 1, 1, 1),
        };
        Civ {
            y,
            mo,
            d,
            h: 0,
            mi: 0,
            s: 0,
            wd: (self.wd + 1) % 7,
        }
    }
}

fn civ(t: i64) -> Civ {
    let (days, secs) = (t.div_euclid(DAY), t.rem_euclid(DAY) as u32);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let mo = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
    let y = yoe + era * 400 + i64::from(mo <= 2);
    let wd = (days + 4).rem_euclid(7) as u32;
    Civ {
        y,
        mo,
        d,
        h: secs / 3600,
        mi: secs / 60 % 60,
        s: secs % 60,
        wd,
    }
}

fn epoch(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
    let days = days_from_civil(y, i64::from(mo), i64::from(d));
    days * DAY + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s)
}

fn to_epoch(t: CivilTime) -> i64 {
    epoch(
        i64::from(t.year),
        t.month,
        t.day,
        t.hour,
        t.minute,
        t.second,
    )
}

fn from_epoch(t: i64) -> Option<CivilTime> {
    let c = civ(t);
    let year = i32::try_from(c.y).ok()?;
    Some(CivilTime {
        year,
        month: c.mo,
        day: c.d,
        hour: c.h,
        minute: c.mi,
        second: c.s,
    })
}

impl SpecSchedule {
    /// robfig `dayMatches`: AND when dom or dow has the star bit, else OR.
    fn day_matches(&self, c: &Civ) -> bool {
        let (dom, dow) = (has(self.dom, c.d), has(self.dow, c.wd));
        if (self.dom | self.dow) & STAR_BIT != 0 {
            dom && dow
        } else {
            dom || dow
        }
    }

    fn never_fires(&self) -> bool {
        let any = |bits: u64, b: &Bounds| bits & get_bits(b.min, b.max, 1) != 0;
        if !any(self.second, &MINUTES) || !any(self.minute, &MINUTES) || !any(self.hour, &HOURS) {
            return true;
        }
        let max_day =
            |m: u32| -> u64 { [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m as usize - 1] };
        let dom_ok =
            (1..=12).any(|m| has(self.month, m) && self.dom & get_bits(1, max_day(m), 1) != 0);
        let dow_ok = any(self.month, &MONTHS) && any(self.dow, &DOW);
        let fires = if (self.dom | self.dow) & STAR_BIT != 0 {
            dom_ok && dow_ok
        } else {
            dom_ok || dow_ok
        };
        !fires
    }

    /// robfig `SpecSchedule.Next` in UTC, on epoch seconds. Gives up after 5 years, as robfig does.
    fn next(&self, start: i64) -> Option<i64> {
        if self.never_fires() {
            return None;
        }
        let mut t = start + 1;
        let mut added = false;
        let year_limit = civ(t).y + 5;
        'wrap: loop {
            if civ(t).y > year_limit {
                return None;
            }
            while !has(self.month, civ(t).mo) {
                if !added {
                    added = true;
                    let c = civ(t);
                    t = epoch(c.y, c.mo, 1, 0, 0, 0);
                }
                let c = civ(t);
                t = epoch(c.y, c.mo + 1, c.d, c.h, c.mi, c.s);
                if civ(t).mo == 1 {
                    continue 'wrap;
                }
            }
            while !self.day_matches(&civ(t)) {
                if !added {
                    added = true;
                    t -= t.rem_euclid(DAY);
                }
                t += DAY;
                if civ(t).d == 1 {
                    continue 'wrap;
                }
            }
            for (bits, unit, value) in [
                (self.hour, 3600, (|c: Civ| c.h) as fn(Civ) -> u32),
                (self.minute, 60, |c: Civ| c.mi),
                (self.second, 1, |c: Civ| c.s),
            ] {
                while !has(bits, value(civ(t))) {
                    if !added {
                        added = true;
                        t -= t.rem_euclid(unit);
                    }
                    t += unit;
                    if value(civ(t)) == 0 {
                        continue 'wrap;
                    }
                }
            }
            return Some(t);
        }
    }

    /// Smallest gap in minutes between firings on days `first_day .. first_day + days`.
    fn min_gap_minutes(&self, first_day: i64, days: i64) -> Option<u64> {
        let times: Vec<i64> = (0..24u32)
            .filter(|&h| has(self.hour, h))
            .flat_map(|h| {
                (0..60u32)
                    .filter(|&m| has(self.minute, m))
                    .map(move |m| i64::from(h * 60 + m))
            })
            .collect();
        let (&first, &last) = (times.first()?, times.last()?);
        let intra = times.windows(2).map(|w| w[1] - w[0]).min();
        // No gap can be shorter than the intra-day one or last-to-first on consecutive days:
        // once reached, the rest of the horizon cannot change the answer.
        let shortest_possible = intra.map_or(1440 - last + first, |i| i.min(1440 - last + first));
        let (mut best, mut prev): (Option<i64>, Option<i64>) = (None, None);
        let mut c = civ(first_day * DAY);
        for day in first_day..first_day + days {
            if day > first_day {
                c = c.next_day();
            }
            if !has(self.month, c.mo) || !self.day_matches(&c) {
                continue;
            }
            let gap = prev.map(|p| (day - p) * 1440 - last + first);
            for g in [gap, intra].into_iter().flatten() {
                best = Some(best.map_or(g, |b| b.min(g)));
            }
            if best.is_some_and(|b| b <= shortest_possible) {
                break;
            }
            prev = Some(day);
        }
        best.map(i64::unsigned_abs)
    }
}

impl Schedule {
    fn spec([minute, hour, dom, month, dow]: [u64; 5], location: String) -> Self {
        let second = 1;
        Schedule::Spec(SpecSchedule {
            second,
            minute,
            hour,
            dom,
            month,
            dow,
            location,
        })
    }

    /// True when it fires at least once a minute (`* * * * *`, `*/1 …`, `@every` ≤ 1m).
    pub fn fires_every_minute(&self) -> bool {
        match self {
            Schedule::Every(d) => d.as_secs() <= 60,
            Schedule::Spec(s) => {
                let (dom, dow) = (full(s.dom, &DOM), full(s.dow, &DOW));
                let every_day = if (s.dom | s.dow) & STAR_BIT != 0 {
                    dom && dow
                } else {
                    dom || dow
                };
                full(s.minute, &MINUTES)
                    && full(s.hour, &HOURS)
                    && full(s.month, &MONTHS)
                    && every_day
            }
        }
    }

    /// True when neither day-of-month nor day-of-week has the star bit: a day then matches
    /// if EITHER matches (`0 0 13 * 5` = every 13th and every Friday). Note `*/2` drops the star.
    pub fn dom_and_dow_both_restricted(&self) -> bool {
        match self {
            Schedule::Every(_) => false,
            Schedule::Spec(s) => (s.dom | s.dow) & STAR_BIT == 0,
        }
    }

    /// True when no date can ever match (e.g. `0 0 30 2 *`, or an empty field such as `,`).
    pub fn never_fires(&self) -> bool {
        match self {
            Schedule::Every(_) => false,
            Schedule::Spec(s) => s.never_fires(),
        }
    }

    /// The first firing strictly after `t`, in UTC (robfig's `Next`; `None` past 5 years).
    pub fn next_after(&self, t: CivilTime) -> Option<CivilTime> {
        let t = to_epoch(t);
        match self {
            Schedule::Every(d) => from_epoch(t.checked_add(i64::try_from(d.as_secs()).ok()?)?),
            Schedule::Spec(s) => from_epoch(s.next(t)?),
        }
    }

    /// Smallest gap in seconds between consecutive firings in 2026-01-01 .. 2034-01-01 UTC;
    /// `None` when it fires at most once there. `Every(d)` gives `d`.
    pub fn min_period_seconds(&self) -> Option<u64> {
        match self {
            Schedule::Every(d) => Some(d.as_secs()),
            Schedule::Spec(s) => {
                let first_day = to_epoch(HORIZON_START).div_euclid(DAY);
                s.min_gap_minutes(first_day, HORIZON_DAYS).map(|m| m * 60)
            }
        }
    }

    /// [`Self::min_period_seconds`] in whole minutes, rounded down (`@every 90s` gives 1).
    pub fn min_period_minutes(&self) -> Option<u64> {
        self.min_period_seconds().map(|s| s / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sched(s: &str) -> Schedule {
        parse_standard(s).unwrap()
    }

    fn spec(s: &str) -> SpecSchedule {
        match sched(s) {
            Schedule::Spec(sp) => sp,
            other => panic!("{s}: {other:?}"),
        }
    }

    fn err(s: &str) -> String {
        parse_standard(s).unwrap_err().to_string()
    }

    /// Asserts the error text and the failing field of `s`.
    fn check(s: &str, field: usize, msg: &str) {
        let e = parse_standard(s).unwrap_err();
        assert_eq!((e.field, e.message.as_str()), (Some(field), msg), "{s}");
    }

    /// robfig's text for an item `x` that `strconv.Atoi` rejects; `q` is Go's quoting of `x`.
    fn atoi(x: &str, q: &str, why: &str) -> String {
        format!("failed to parse int from {x}: strconv.Atoi: parsing {q}: {why}")
    }

    fn bits(vals: &[u32]) -> u64 {
        vals.iter().fold(0, |b, v| b | 1 << v)
    }

    fn at(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> Option<CivilTime> {
        Some(CivilTime::new(year, month, day, hour, minute))
    }

    #[test]
    fn field_errors() {
        check("61 * * * *", 0, "end of range (61) above maximum (59): 61");
        check("* 24 * * *", 1, "end of range (24) above maximum (23): 24");
        check(
            "* * 0 * *",
            2,
            "beginning of range (0) below minimum (1): 0",
        );
        check(
            "* * * 0 *",
            3,
            "beginning of range (0) below minimum (1): 0",
        );
        check("* * * 13 *", 3, "end of range (13) above maximum (12): 13");
        check("* * * * 7", 4, "end of range (7) above maximum (6): 7");
        check(
            "5-3 * * * *",
            0,
            "beginning of range (5) beyond end of range (3): 5-3",
        );
        check(
            "70/0 * * * *",
            0,
            "beginning of range (70) beyond end of range (59): 70/0",
        );
        check(
            "*/0 * * * *",
            0,
            "step of range should be a positive number: */0",
        );
        check("1-2-3 * * * *", 0, "too many hyphens: 1-2-3");
        check("*/2/3 * * * *", 0, "too many slashes: */2/3");
        check("*/-1 * * * *", 0, "negative number (-1) not allowed: -1");
        let min = "-9223372036854775808";
        check(
            &format!("*/{min} * * * *"),
            0,
            &format!("negative number ({min}) not allowed: {min}"),
        );
        let syntax = |x: &str, q: &str| atoi(x, q, "invalid syntax");
        check("* * L * *", 2, &syntax("L", r#""L""#));
        check("-1 * * * *", 0, &syntax("", r#""""#));
        check("* * * * 1-x", 4, &syntax("x", r#""x""#));
        check("a/2/3 * * * *", 0, &syntax("a", r#""a""#));
        check("* * * * MON#2", 4, &syntax("MON#2", r#""MON#2""#));
        check("* * 15W * *", 2, &syntax("15W", r#""15W""#));
        check("\u{200b} * * * *", 0, &syntax("\u{200b}", r#""\u200b""#));
        check("\0 * * * *", 0, &syntax("\0", r#""\x00""#));
        check("é\"\\ * * * *", 0, &syntax("é\"\\", r#""é\"\\""#));
        let big = "99999999999999999999x"; // Go reports the overflow before the bad 'x'
        check(
            &format!("{big} * * * *"),
            0,
            &atoi(big, &format!("{big:?}"), "value out of range"),
        );
        let big = "9223372036854775808";
        check(
            &format!("{big} * * * *"),
            0,
            &atoi(big, &format!("{big:?}"), "value out of range"),
        );
        let max = "9223372036854775807";
        check(
            &format!("{max} * * * *"),
            0,
            &format!("end of range ({max}) above maximum (59): {max}"),
        );
        assert_eq!(
            parse_standard("* * L * *").unwrap_err().field_name(),
            Some("day of month")
        );
        assert_eq!(parse_standard("61 * * * 7").unwrap_err().field, Some(0)); // first one wins
    }

    #[test]
    fn whole_spec_errors() {
        assert_eq!(err(""), "empty spec string");
        assert_eq!(err("   "), "expected exactly 5 fields, found 0: []");
        assert_eq!(
            err("0 0 * * * *"),
            "expected exactly 5 fields, found 6: [0 0 * * * *]"
        );
        assert_eq!(
            err("a\tb  c"),
            "expected exactly 5 fields, found 3: [a b c]"
        );
        assert_eq!(
            err(" @daily"),
            "expected exactly 5 fields, found 1: [@daily]"
        );
        assert_eq!(err("@reboot"), "unrecognized descriptor: @reboot");
        assert_eq!(err("@daily "), "unrecognized descriptor: @daily ");
        assert_eq!(err("@every"), "unrecognized descriptor: @every");
        assert_eq!(parse_standard("@reboot").unwrap_err().field, None);
    }

    #[test]
    fn every_durations() {
        let every = |d: &str| match parse_standard(&format!("@every {d}")) {
            Ok(Schedule::Every(d)) => Ok(d.as_secs()),
            Ok(other) => panic!("{other:?}"),
            Err(e) => Err(e.to_string()),
        };
        for (d, secs) in [
            ("1h30m", 5400),
            ("1.5h", 5400),
            ("90s", 90),
            ("1m59.9s", 119),
        ] {
            assert_eq!(every(d), Ok(secs), "{d}");
        }
        for (d, secs) in [
            ("300ms", 1),
            ("0", 1),
            ("-1h", 1),
            ("+2h", 7200),
            (".5m", 30),
        ] {
            assert_eq!(every(d), Ok(secs), "{d}");
        }
        for (d, secs) in [
            ("5.m", 300),
            ("1µs", 1),
            ("1μs1ns1us", 1),
            ("2562047h", 9_223_369_200),
        ] {
            assert_eq!(every(d), Ok(secs), "{d}");
        }
        let bad = |d: &str, e: &str| {
            assert_eq!(
                every(d),
                Err(format!("failed to parse duration @every {d}: time: {e}"))
            );
        };
        bad("5", r#"missing unit in duration "5""#);
        bad("5d", r#"unknown unit "d" in duration "5d""#);
        bad("1 h", r#"unknown unit " h" in duration "1 h""#);
        bad(
            "1hé",
            r#"unknown unit "h\xc3\xa9" in duration "1h\xc3\xa9""#,
        );
        for d in [
            "x",
            "",
            " 1h",
            ".s",
            "-",
            "2562048h",
            "99999999999999999999s",
        ] {
            bad(d, &format!("invalid duration {d:?}"));
        }
    }

    #[test]
    fn descriptors() {
        let all = |min, max| get_bits(min, max, 1) | STAR_BIT;
        let (dom, month, dow) = (all(1, 31), all(1, 12), all(0, 6));
        let d = |s: &str| {
            let sp = spec(s);
            assert_eq!(sp.second, 1);
            [sp.minute, sp.hour, sp.dom, sp.month, sp.dow]
        };
        assert_eq!(d("@yearly"), [1, 1, 2, 2, dow]);
        assert_eq!(d("@annually"), [1, 1, 2, 2, dow]);
        assert_eq!(d("@monthly"), [1, 1, 2, month, dow]);
        assert_eq!(d("@weekly"), [1, 1, dom, month, 1]);
        assert_eq!(d("@daily"), [1, 1, dom, month, dow]);
        assert_eq!(d("@midnight"), d("0 0 * * *"));
        assert_eq!(d("@hourly"), [1, all(0, 23), dom, month, dow]);
        assert_eq!(
            sched("@every 90s"),
            Schedule::Every(Duration::from_secs(90))
        );
    }

    #[test]
    fn fields_names_steps() {
        let s = spec("0,30 9-17/4 * JAN-Mar mon,WED,fri");
        assert_eq!(
            [s.minute, s.hour, s.dom],
            [bits(&[0, 30]), bits(&[9, 13, 17]), DOM_ALL]
        );
        assert_eq!([s.month, s.dow], [bits(&[1, 2, 3]), bits(&[1, 3, 5])]);
        assert_eq!(s.location, "Local");
        assert_eq!(spec("0 0 * * sun/2").dow, bits(&[0, 2, 4, 6]));
        assert_eq!(spec("5/20 * * * *").minute, bits(&[5, 25, 45]));
        assert_eq!(spec("*/20 * * * *").minute, bits(&[0, 20, 40]));
        assert_eq!(spec("*/1 * * * *").minute, get_bits(0, 59, 1) | STAR_BIT);
        assert_eq!(spec("*-5 * * * *"), spec("* * * * *")); // robfig ignores "-5" after '*'
        assert_eq!(spec("? ? ? ? ?"), spec("* * * * *"));
        assert_eq!(spec("0 0 * * FRİ").dow, bits(&[5])); // Go lowercases U+0130 to 'i'
        assert_eq!(spec(", 0 1,,2 * *").minute, 0);
        assert_eq!(spec("0 0 1,,2 * *").dom, bits(&[1, 2]));
        assert_eq!(spec("+5 0 * * *").minute, bits(&[5]));
        assert_eq!(spec("0 0 * * 0").dow, 1);
        assert!(parse_standard("0 0 * * sunday").is_err());
    }

    const DOM_ALL: u64 = ((1 << 32) - 2) | STAR_BIT;

    #[test]
    fn tz_prefix() {
        assert_eq!(spec("TZ=Europe/Berlin 0 0 * * *").location, "Europe/Berlin");
        assert_eq!(spec("CRON_TZ=UTC   @daily").location, "UTC");
        assert_eq!(spec("TZ= * * * * *").location, "UTC");
        assert_eq!(spec("TZ=Local * * * * *").location, "Local");
        let bad = |zone: &str, e: &str| format!("provided bad location {zone}: {e}");
        assert_eq!(
            err("TZ=Bad/Zone * * * * *"),
            bad("Bad/Zone", "unknown time zone Bad/Zone")
        );
        assert_eq!(
            err("CRON_TZ=../x * * * * *"),
            bad("../x", "time: invalid location name")
        );
        assert_eq!(err("TZ=UTC"), bad("UTC", "missing space after time zone"));
        assert_eq!(err("CRON_TZ="), bad("", "missing space after time zone"));
        assert_eq!(
            err("TZ=UTC\t* * * * *"),
            bad("UTC\t*", "unknown time zone UTC\t*")
        );
        assert_eq!(err("TZ=UTC "), "expected exactly 5 fields, found 0: []");
        assert!(schedule_mentions_tz("CRON_TZ=UTC * * * * *"));
        assert!(schedule_mentions_tz("0 0 * * * # TZ"));
        assert!(!schedule_mentions_tz("tz=UTC * * * * *"));
    }

    #[test]
    fn every_minute_and_dom_dow() {
        for s in [
            "* * * * *",
            "*/1 * * * *",
            "* * 1-31 * 1",
            "@every 1m",
            "@every 30s",
        ] {
            assert!(sched(s).fires_every_minute(), "{s}");
        }
        for s in [
            "@every 61s",
            "*/2 * * * *",
            "* * * * 1",
            "* * 1 * *",
            "* * * 1-11 *",
        ] {
            assert!(!sched(s).fires_every_minute(), "{s}");
        }
        for s in ["0 0 13 * 5", "0 0 */2 * 1", "0 0 1 * */2,5"] {
            assert!(sched(s).dom_and_dow_both_restricted(), "{s}");
        }
        for s in [
            "0 0 13 * *",
            "0 0 * * 5",
            "0 0 ? * 5",
            "@daily",
            "@every 1h",
        ] {
            assert!(!sched(s).dom_and_dow_both_restricted(), "{s}");
        }
    }

    #[test]
    fn periods() {
        let day = 1440;
        for (s, minutes) in [
            ("*/15 * * * *", 15),
            ("0 * * * *", 60),
            ("* * * * *", 1),
            ("50 23 * * *", day),
            ("0,50 0,23 * * *", 10),
            ("0 9 * * 1-5", day),
            ("@weekly", 7 * day),
            ("@yearly", 365 * day),
            ("0 0 29 2 *", 1461 * day),
            ("0 0 31 * *", 31 * day),
            ("0 0 13 * 5", day), // Friday 12th, Saturday 13th
            ("@every 90s", 1),
            ("@every 2h", 120),
        ] {
            assert_eq!(sched(s).min_period_minutes(), Some(minutes), "{s}");
        }
        assert_eq!(sched("@every 90s").min_period_seconds(), Some(90));
        assert_eq!(sched("*/5 * * * *").min_period_seconds(), Some(300));
        let never = sched("0 0 30 2 *");
        assert!(never.never_fires());
        assert_eq!(never.min_period_minutes(), None);
        assert_eq!(never.next_after(CivilTime::new(2026, 1, 1, 0, 0)), None);
        for s in [", * * * *", "0 0 * * ,", "0 0 31 4,6,9,11 *", "0 0 30 2 *"] {
            assert!(sched(s).never_fires(), "{s}");
        }
        for s in ["0 0 30 2 1", "0 0 29 2 *", "@every 1h"] {
            assert!(!sched(s).never_fires(), "{s}"); // "0 0 30 2 1": every Monday in February
        }
    }

    #[test]
    fn stepping_the_calendar_agrees_with_the_conversion() {
        // Over the horizon and well past it (1900 and 2000 are the century cases).
        let start = days_from_civil(1899, 12, 1);
        let mut c = civ(start * DAY);
        for day in start + 1..days_from_civil(2101, 3, 1) {
            c = c.next_day();
            let want = civ(day * DAY);
            assert_eq!(
                (c.y, c.mo, c.d, c.wd),
                (want.y, want.mo, want.d, want.wd),
                "{day}"
            );
        }
    }

    #[test]
    fn next_after() {
        let n = |s: &str, t: Option<CivilTime>| sched(s).next_after(t.unwrap());
        let t0 = at(2026, 1, 1, 0, 0); // a Thursday
        assert_eq!(n("* * * * *", t0), at(2026, 1, 1, 0, 1));
        assert_eq!(n("0 0 13 * 5", t0), at(2026, 1, 2, 0, 0));
        assert_eq!(
            n("0 0 13 * 5", at(2026, 1, 12, 0, 0)),
            at(2026, 1, 13, 0, 0)
        );
        assert_eq!(n("0 0 13 * *", t0), at(2026, 1, 13, 0, 0));
        assert_eq!(n("@yearly", t0), at(2027, 1, 1, 0, 0));
        assert_eq!(n("0 0 29 2 *", t0), at(2028, 2, 29, 0, 0));
        assert_eq!(n("30 23 31 12 *", t0), at(2026, 12, 31, 23, 30));
        assert_eq!(n("0 12 * * sun", t0), at(2026, 1, 4, 12, 0));
        assert_eq!(
            n("59 23 31 12 *", at(2026, 12, 31, 23, 59)),
            at(2027, 12, 31, 23, 59)
        );
        let t = CivilTime {
            second: 30,
            ..CivilTime::new(2026, 1, 1, 0, 0)
        };
        let want = CivilTime {
            second: 15,
            ..CivilTime::new(2026, 1, 1, 0, 1)
        };
        assert_eq!(sched("@every 45s").next_after(t), Some(want));
        // No Feb 29 in 2100: like robfig, give up after five years.
        assert_eq!(n("0 0 29 2 *", at(2097, 1, 1, 0, 0)), None);
        assert_eq!(n("0 0 29 2 *", at(i32::MAX, 1, 1, 0, 0)), None);
        // Out-of-range input is normalized like Go's time.Date.
        assert_eq!(n("0 * * * *", at(2025, 13, 1, 0, 0)), at(2026, 1, 1, 1, 0));
    }

    /// The day-level period computation agrees with stepping through `next`.
    #[test]
    fn min_gap_matches_next() {
        let days = 200;
        let from = to_epoch(CivilTime::new(2026, 1, 1, 0, 0));
        let cases = [
            "*/7 */5 * * *",
            "0 0 13 * 5",
            "30 23 * * 1,3",
            "0 0 */3 * */2",
        ];
        for s in cases.into_iter().chain(["15 1,22 1,31 * *", "0 0 30 2 *"]) {
            let sp = spec(s);
            let (mut t, mut prev, mut best) = (from - 1, None::<i64>, None::<i64>);
            while let Some(next) = sp.next(t).filter(|&x| x < from + days * DAY) {
                let gap = prev.map(|p| next - p);
                best = best.into_iter().chain(gap).min();
                (prev, t) = (Some(next), next);
            }
            let brute = best.map(|b| (b / 60).unsigned_abs());
            assert_eq!(sp.min_gap_minutes(from / DAY, days), brute, "{s}");
        }
    }

    #[test]
    fn go_quoting() {
        let s = "a\u{7f}\u{1}\n😀\u{ad}\u{F0000}";
        assert_eq!(strconv_quote(s), r#""a\x7f\x01\n😀\u00ad\U000f0000""#);
        assert_eq!(
            time_quote("a\"\n😀".as_bytes()),
            r#""a\"\x0a\xf0\x9f\x98\x80""#
        );
        assert_eq!(time_quote(b"\x7f"), "\"\x7f\"");
    }

    #[test]
    fn civil_round_trip() {
        for days in [-800_000i64, -1, 0, 59, 11_016, 20_454, 2_932_896] {
            let c = civ(days * DAY + 3_723);
            assert_eq!(epoch(c.y, c.mo, c.d, c.h, c.mi, c.s), days * DAY + 3_723);
        }
        assert_eq!(civ(0).wd, 4); // 1970-01-01 was a Thursday
    }

    #[test]
    fn time_zones() {
        for tz in [
            "UTC",
            "Europe/Berlin",
            "Etc/GMT+5",
            "America/Port-au-Prince",
        ] {
            assert_eq!(validate_time_zone(tz), Ok(()), "{tz}");
        }
        // A `backward` link that chrono-tz (and Go's embedded tzdata) know.
        assert_eq!(
            validate_time_zone("America/Argentina/ComodRivadavia"),
            Ok(())
        );
        let empty = "timeZone must be nil or non-empty string";
        assert_eq!(validate_time_zone(""), Err(empty.into()));
        let explicit =
            "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones";
        assert_eq!(time_zone_errors("Local"), [explicit]);
        assert_eq!(
            time_zone_errors("LOCAL"),
            [explicit, "unknown time zone LOCAL"]
        );
        assert_eq!(validate_time_zone("LOCAL"), Err(explicit.into()));
        for tz in [
            "utc",
            "europe/berlin",
            "Europe/InvalidRome",
            "Abcdefghijklmno/X", // 15 characters
            "America/Argentina/ComodRivadavia1",
            "Europe/../Berlin",
            "./UTC",
            "-UTC",
            "Europe//Berlin",
            "/UTC",
            "UTC/",
            "Europe/Berlin ",
            "Europe\\Berlin",
            "Ėurope/Berlin",
        ] {
            assert_eq!(
                validate_time_zone(tz),
                Err(format!("unknown time zone {tz}")),
                "{tz}"
            );
        }
        assert_eq!(
            validate_time_zone("a..b"),
            Err("time: invalid location name".into())
        );
    }

    #[test]
    fn hostile_input_does_not_panic() {
        let nines = "9".repeat(100_000);
        let mut inputs = vec![
            "*".repeat(100_000),
            ",".repeat(10_000),
            format!("TZ={nines}"),
        ];
        inputs.extend([format!("{nines} * * * *"), format!("@every {nines}h")]);
        inputs.push(format!("@every 1.{nines}h"));
        for s in [
            ",,, ,,, ,,, ,,, ,,,",
            "𝟘 ① ٣ ߀ ０",
            "\u{FEFF}* * * * *",
            "TZ=",
            "@",
        ] {
            inputs.push(s.into());
        }
        for s in [
            "CRON_TZ=\0 * * * * *",
            "@every -",
            "-/- -- // */* ?/?",
            "\u{130}\u{212A} 0 * * *",
        ] {
            inputs.push(s.into());
        }
        inputs.push("0-59/9223372036854775807 * * * *".into());
        for s in &inputs {
            if let Ok(sched) = parse_standard(s) {
                let _ = (sched.fires_every_minute(), sched.min_period_minutes());
                let _ = sched.next_after(CivilTime::new(i32::MIN, 0, 0, 99, 99));
            }
            let _ = (validate_time_zone(s), schedule_mentions_tz(s));
        }
        assert_eq!(spec(",,, ,,, ,,, ,,, ,,,").minute, 0);
        assert_eq!(spec("0-59/9223372036854775807 * * * *").minute, 1);
    }
}
