//! Renderers: turn findings into what users and tools read. Rules never format output.

pub mod ci;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

use std::borrow::Cow;

use crate::finding::{FileReport, Summary};

/// Everything a run produced, for the renderers that need it whole (JSON and the CI formats).
#[derive(Debug)]
pub struct RunReport {
    pub files: Vec<FileReport>,
    pub summary: Summary,
    /// Whether `push` keeps the files' findings (renderers that need the whole run) or only
    /// counts them (streamed human output).
    pub keep_files: bool,
}

impl Default for RunReport {
    fn default() -> Self {
        RunReport {
            files: Vec::new(),
            summary: Summary::default(),
            keep_files: true,
        }
    }
}

impl RunReport {
    pub fn push(&mut self, report: FileReport) {
        self.summary.add(&report);
        if self.keep_files {
            self.files.push(report);
        }
    }
}

/// A control character a terminal could act on: all but tab and line feed.
pub(crate) fn unsafe_char(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n')
}

/// Text as a terminal (or a CI log viewer) can safely show it. Values from a manifest reach
/// messages and paths (a double-quoted YAML string may hold `\e`), and an ESC could restyle or
/// rewrite what the user sees: control characters but tab and line feed become their Unicode
/// pictures (`␛`), C1 controls U+FFFD.
pub(crate) fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match u32::from(c) {
                _ if !unsafe_char(c) => c,
                n @ 0..=0x1f => char::from_u32(0x2400 + n).unwrap_or('\u{fffd}'),
                0x7f => '\u{2421}',
                _ => '\u{fffd}',
            })
            .collect(),
    )
}
