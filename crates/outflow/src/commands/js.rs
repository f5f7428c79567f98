//! `outflow js`: static analysis of scripts.

use std::process::ExitCode;

/// Arguments of `outflow js`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or directories to analyse; `-` reads standard input.
    #[arg(required = true)]
    pub inputs: Vec<String>,
}

/// Runs `outflow js`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("outflow js is being built")
}
