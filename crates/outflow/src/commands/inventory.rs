//! `outflow inventory`: the PCI DSS 6.4.3 script inventory of a page, from
//! its saved scans and the policy's authorisations.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::args::DbArgs;

/// Inventory formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InventoryFormat {
    /// A spreadsheet-ready table.
    Csv,
    /// An array of objects.
    Json,
}

/// Arguments of `outflow inventory`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The page, as given to `outflow scan`.
    #[arg(value_name = "URL")]
    pub url: String,

    /// The policy whose `[[scripts]]` give justifications and
    /// authorisations.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: InventoryFormat,

    #[command(flatten)]
    pub db: DbArgs,
}

/// Runs `outflow inventory` (see [`outflow_session::inventory`]).
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    outflow_session::inventory(&outflow_session::InventoryRequest {
        db: args.db.db,
        url: args.url,
        policy: args.policy,
        format: match args.format {
            InventoryFormat::Csv => outflow_session::InventoryFormat::Csv,
            InventoryFormat::Json => outflow_session::InventoryFormat::Json,
        },
    })?;
    Ok(ExitCode::SUCCESS)
}
