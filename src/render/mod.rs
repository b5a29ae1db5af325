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
#[derive(Debug, Default)]
pub struct RunReport {
    pub files: Vec<FileReport>,
    pub summary: Summary,
}

impl RunReport {
    pub fn push(&mut self, report: FileReport) {
        self.summary.add(&report);
        self.files.push(report);
    }
}
