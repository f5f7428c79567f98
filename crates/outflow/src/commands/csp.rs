//! `outflow csp`: a Content-Security-Policy allowing exactly what the
//! saved scans of a page observed.

use std::process::ExitCode;

use crate::args::{DbArgs, DocumentFormat as Format};

/// Arguments of `outflow csp`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The page, as given to `outflow scan`.
    #[arg(value_name = "URL")]
    pub url: String,

    /// How many of the latest scans to take sources from (a page loads
    /// different ad or A/B-test scripts from one visit to the next).
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub scans: u32,

    /// Output format.
    #[arg(long, value_enum, default_value = "terminal")]
    pub format: Format,

    #[command(flatten)]
    pub db: DbArgs,
}

/// Runs `outflow csp` (see [`outflow_session::csp`]).
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    outflow_session::csp(&outflow_session::CspRequest {
        db: args.db.db,
        url: args.url,
        scans: args.scans,
        format: args.format.into(),
    })?;
    Ok(ExitCode::SUCCESS)
}
