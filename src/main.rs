//! The `joblint` command: parses arguments, calls the library, maps the outcome to an exit code.
#![forbid(unsafe_code)]

mod cli;

use std::process::ExitCode;

use clap::Parser;

// The engine allocates many small nodes, paths and strings; mimalloc makes linting ~20-35% and a
// webhook review ~40% faster than glibc's allocator (BENCHMARKS.md, "Allocator").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code.into(),
        Err(err) => {
            // A closed pipe (`joblint lint . | head`) is not a failure.
            if err
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("joblint: {err:#}");
            cli::Outcome::UsageOrInputError.into()
        }
    }
}
