//! `--log-format json`: one JSON object per event, `timestamp`, `level`, the event's fields, then
//! `target`, as tracing-subscriber's JSON format with `flatten_event(true)` writes them (the
//! server opens no spans, so there are no `span` or `spans` keys).
//!
//! Written here because that format costs twice as much per line: it serialises each field
//! through serde, and a decision's line was ~1.9 µs against ~0.8 µs this way, on every admission
//! request (BENCHMARKS.md, session 9).

use std::fmt::{self, Write};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

pub struct JsonLines;

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut out: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        out.write_str("{\"timestamp\":\"")?;
        SystemTime.format_time(&mut out)?;
        write!(out, "\",\"level\":\"{}\"", meta.level())?;
        let mut fields = Fields {
            out: &mut out,
            scratch: String::new(),
            result: Ok(()),
        };
        event.record(&mut fields);
        fields.result?;
        out.write_str(",\"target\":")?;
        string(&mut out, meta.target())?;
        out.write_str("}\n")
    }
}

/// Writes each field as `,"name":value`.
struct Fields<'w, 'b> {
    out: &'w mut Writer<'b>,
    /// For values only `Debug` can show.
    scratch: String,
    result: fmt::Result,
}

impl Fields<'_, '_> {
    fn entry(&mut self, field: &Field, value: impl FnOnce(&mut Writer<'_>) -> fmt::Result) {
        if self.result.is_ok() {
            self.result = write!(self.out, ",\"{}\":", field.name()).and_then(|()| value(self.out));
        }
    }

    /// A value JSON writes as Rust displays it: a boolean or an integer.
    fn plain(&mut self, field: &Field, value: impl fmt::Display) {
        self.entry(field, |out| write!(out, "{value}"));
    }

    /// A value shown through `fmt`, as a JSON string.
    fn text(&mut self, field: &Field, value: fmt::Arguments<'_>) {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        let shown = scratch.write_fmt(value);
        self.entry(field, |out| shown.and_then(|()| string(out, &scratch)));
        self.scratch = scratch;
    }
}

impl Visit for Fields<'_, '_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.entry(field, |out| string(out, value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.plain(field, value);
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.plain(field, value);
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.plain(field, value);
    }
    fn record_i128(&mut self, field: &Field, value: i128) {
        self.plain(field, value);
    }
    fn record_u128(&mut self, field: &Field, value: u128) {
        self.plain(field, value);
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        // JSON has no NaN or infinity: serde_json writes null for them too.
        self.entry(field, |out| match value.is_finite() {
            true => write!(out, "{value}"),
            false => out.write_str("null"),
        });
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.text(field, format_args!("{value}"));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.text(field, format_args!("{value:?}"));
    }
}

/// `text` as a JSON string: quotes, backslashes and control characters escaped, the rest as is.
fn string(out: &mut impl Write, text: &str) -> fmt::Result {
    out.write_char('"')?;
    let mut start = 0;
    for (i, byte) in text.bytes().enumerate() {
        let escaped = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f | 0x7f => "",
            _ => continue,
        };
        out.write_str(&text[start..i])?;
        match escaped {
            "" => write!(out, "\\u{byte:04x}")?,
            escaped => out.write_str(escaped)?,
        }
        start = i + 1;
    }
    out.write_str(&text[start..])?;
    out.write_char('"')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn strings_are_valid_json() {
        for text in [
            "plain",
            "a \"quoted\" \\ path",
            "line\nbreak\ttab\r",
            "\u{1b}[2J\u{7f}",
            "ünï ✓",
        ] {
            let mut out = String::new();
            string(&mut out, text).unwrap();
            let back: String = serde_json::from_str(&out).unwrap();
            assert_eq!(back, text, "{out}");
        }
    }

    /// The line has the keys and values tracing-subscriber's flattened JSON format gives it.
    #[test]
    fn lines_read_as_tracing_subscribers_json() {
        #[derive(Clone, Default)]
        struct Sink(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Sink {
            fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(data);
                Ok(data.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let log = |json: bool| {
            let sink = Sink::default();
            let writer = sink.clone();
            let builder = tracing_subscriber::fmt().with_writer(move || writer.clone());
            let dispatch = match json {
                true => tracing::Dispatch::new(builder.event_format(JsonLines).finish()),
                false => tracing::Dispatch::new(builder.json().flatten_event(true).finish()),
            };
            let error = std::io::Error::other("disk \"full\"");
            tracing::dispatcher::with_default(&dispatch, || {
                let rules = ["ttl-missing", "mutable-image-tag"];
                tracing::info!(
                    uid = %"0b1e-7",
                    namespace = "pay\nments",
                    dry_run = false,
                    count = 3u64,
                    delta = -2i64,
                    ratio = 0.5f64,
                    rules = ?rules,
                    error = &error as &dyn std::error::Error,
                    "admission review"
                );
            });
            let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
            assert!(text.ends_with("}\n") && text.lines().count() == 1, "{text}");
            let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
            let timestamp = value["timestamp"].take();
            assert!(
                timestamp.as_str().is_some_and(|t| t.ends_with('Z')),
                "{text}"
            );
            (value, text)
        };
        let ((ours, ours_text), (theirs, theirs_text)) = (log(true), log(false));
        assert_eq!(ours, theirs, "\n{ours_text}{theirs_text}");
    }
}
