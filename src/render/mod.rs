//! Renderers: turn findings into what users and tools read. Rules never format output.

pub mod ci;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

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
