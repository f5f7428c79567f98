//! `outflow diff`: what changed between two saved scans (the PCI DSS
//! 11.6.1 change record).

use std::process::ExitCode;

use crate::args::{DbArgs, DocumentFormat as Format};

/// Arguments of `outflow diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The earlier scan's id; or a page URL, to compare its last two
    /// scans; or a scan id alone, to compare it with the scan before it.
    #[arg(value_name = "A")]
    pub from: String,

    /// The later scan's id.
    #[arg(value_name = "B")]
    pub to: Option<String>,

    /// With a URL: compare the last two scans made as this persona.
    #[arg(long, value_name = "NAME")]
    pub persona: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value = "terminal")]
    pub format: Format,

    #[command(flatten)]
    pub db: DbArgs,
}

/// Runs `outflow diff` (see [`outflow_session::diff`]).
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    outflow_session::diff(&outflow_session::DiffRequest {
        db: args.db.db,
        from: args.from,
        to: args.to,
        persona: args.persona,
        format: args.format.into(),
    })?;
    Ok(ExitCode::SUCCESS)
}
