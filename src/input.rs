//! Reading inputs: files, directories (recursive) and stdin. A file that cannot be read becomes
//! an [`InputError`] at its position; the run goes on with the rest.

use std::io::Read;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::finding::InputError;
use crate::source::Source;

/// Files larger than this are refused (a manifest this size is hostile or a mistake).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Directory recursion stops here.
const MAX_DIR_DEPTH: usize = 64;

/// One thing to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    File(PathBuf),
    Stdin,
}

impl Input {
    pub fn name(&self) -> String {
        match self {
            Input::File(p) => p.display().to_string(),
            Input::Stdin => "<stdin>".to_owned(),
        }
    }
}

/// Compiles `--exclude` and config `exclude` patterns.
pub fn excludes(patterns: &[String]) -> Result<GlobSet, String> {
    let mut builder = GlobSetBuilder::new();
    for p in patterns {
        let glob = Glob::new(p).map_err(|e| format!("invalid exclude pattern `{p}`: {e}"))?;
        builder.add(glob);
    }
    builder.build().map_err(|e| e.to_string())
}

fn is_excluded(path: &Path, excludes: &GlobSet) -> bool {
    let stripped = path.strip_prefix("./").unwrap_or(path);
    excludes.is_match(path) || excludes.is_match(stripped)
}

/// How directories are walked.
#[derive(Debug, Clone, Default)]
pub struct Walk {
    /// `--exclude` and the config's `exclude`.
    pub excludes: GlobSet,
    /// Also walk what `.gitignore`, `.ignore` and git's excludes leave out (`--no-ignore`).
    pub no_ignore: bool,
}

/// Expands arguments into inputs. Directories are walked in sorted order for manifest files
/// (`*.yaml`, `*.yml`, `*.json`), skipping hidden files and directories and, unless
/// [`Walk::no_ignore`], what git ignores; a file named explicitly is always read. Paths that do
/// not exist become errors.
pub fn expand(args: &[String], walk_options: &Walk) -> (Vec<Input>, Vec<InputError>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for arg in args {
        if arg == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        let path = PathBuf::from(arg);
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => walk(&path, walk_options, &mut inputs, &mut errors),
            Ok(_) if is_excluded(&path, &walk_options.excludes) => {}
            Ok(_) => inputs.push(Input::File(path)),
            Err(e) => errors.push(file_error(&path, &e)),
        }
    }
    (inputs, errors)
}

fn walk(dir: &Path, options: &Walk, inputs: &mut Vec<Input>, errors: &mut Vec<InputError>) {
    if is_excluded(dir, &options.excludes) {
        return;
    }
    let excludes = options.excludes.clone();
    let walker = ignore::WalkBuilder::new(dir)
        .standard_filters(!options.no_ignore)
        // Hidden files and directories are skipped either way (`.git`, `.github`, tool configs).
        .hidden(true)
        // Symlinked directories are not followed (no loops); symlinked files are read.
        .follow_links(false)
        .max_depth(Some(MAX_DIR_DEPTH))
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(move |e| !is_excluded(e.path(), &excludes))
        .build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                let name = entry.file_name().to_string_lossy();
                if entry.depth() > 0 && !is_dir && is_manifest_name(&name) {
                    inputs.push(Input::File(entry.into_path()));
                }
            }
            Err(e) => errors.push(walk_error(dir, &e)),
        }
    }
}

/// A directory that could not be read, or an ignore file that could not be parsed, where it is.
fn walk_error(root: &Path, error: &ignore::Error) -> InputError {
    fn path_of(error: &ignore::Error) -> Option<&Path> {
        match error {
            ignore::Error::WithPath { path, .. } => Some(path),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                path_of(err)
            }
            _ => None,
        }
    }
    let path = path_of(error).unwrap_or(root);
    match error.io_error() {
        Some(io) => file_error(path, io),
        None => InputError {
            file: path.display().to_string(),
            line: 1,
            column: 1,
            message: error.to_string(),
            span: None,
        },
    }
}

fn is_manifest_name(name: &str) -> bool {
    [".yaml", ".yml", ".json"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

fn file_error(path: &Path, e: &std::io::Error) -> InputError {
    let reason = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => e.to_string(),
    };
    InputError {
        file: path.display().to_string(),
        line: 1,
        column: 1,
        message: format!("cannot read: {reason}"),
        span: None,
    }
}

/// Reads one input into a [`Source`], refusing oversized and non-UTF-8 input with its position.
pub fn read(input: &Input) -> Result<Source, InputError> {
    let name = input.name();
    let mut bytes = Vec::new();
    let result = match input {
        Input::File(path) => std::fs::File::open(path)
            .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)),
        Input::Stdin => std::io::stdin()
            .lock()
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes),
    };
    if let Err(e) = result {
        return Err(file_error(Path::new(&name), &e));
    }
    decode(name, bytes)
}

/// Turns bytes into a [`Source`]; non-UTF-8 bytes are an error at their line and column.
pub fn decode(name: String, bytes: Vec<u8>) -> Result<Source, InputError> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(InputError {
            file: name,
            line: 1,
            column: 1,
            message: format!("file is larger than {} MiB", MAX_FILE_BYTES / 1024 / 1024),
            span: None,
        });
    }
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.replace_range(..3, "");
            }
            Ok(Source::new(name, text))
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let bad = bytes.get(at).copied().unwrap_or(0);
            let valid = String::from_utf8_lossy(&bytes[..at]).into_owned();
            let lc = Source::new(name.clone(), valid).line_col(at);
            Err(InputError {
                file: name,
                line: lc.line,
                column: lc.column,
                message: format!("not valid UTF-8 (byte 0x{bad:02x}); manifests must be UTF-8"),
                span: None,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_utf8_is_located() {
        let err = decode("x.yaml".into(), b"a: 1\nb: \xff\n".to_vec()).unwrap_err();
        assert_eq!((err.line, err.column), (2, 4));
        assert!(err.message.contains("0xff"));
    }

    #[test]
    fn bom_is_dropped() {
        let s = decode("x.yaml".into(), "\u{feff}a: 1".as_bytes().to_vec()).unwrap();
        assert_eq!(s.text, "a: 1");
    }
}
