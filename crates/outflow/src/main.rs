//! The `outflow` command line: parses arguments and hands each subcommand to
//! its module under `commands/`. Exit codes: 0 nothing at or above
//! `--fail-on`, 1 findings at or above it, 2 usage or runtime error.

mod args;
mod commands;

use std::process::ExitCode;

fn main() -> ExitCode {
    commands::run()
}
