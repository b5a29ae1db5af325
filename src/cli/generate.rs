//! `joblint completions` and `joblint man`: generated from the clap definitions, never by hand.

use std::io::Write;

use anyhow::Result;
use clap::CommandFactory;

use super::{Cli, Outcome};

pub fn completions(shell: clap_complete::Shell) -> Result<Outcome> {
    let mut command = Cli::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut command, "joblint", &mut out);
    out.flush()?;
    Ok(Outcome::Clean)
}

pub fn man() -> Result<Outcome> {
    let mut command = Cli::command();
    // Building sets each subcommand's full name (`joblint lint`) for its synopsis.
    command.build();
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut page)?;
    // One page for the whole tool: the subcommands follow the main page, each under its name.
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        clap_mangen::Man::new(sub.clone())
            .title(format!("joblint-{}", sub.get_name()))
            .render(&mut page)?;
    }
    let mut out = std::io::stdout().lock();
    out.write_all(&page)?;
    out.flush()?;
    Ok(Outcome::Clean)
}
