//! `outflow inventory`: the PCI DSS 6.4.3 script inventory of a page, from
//! its saved scans and the policy's authorisations.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use outflow_policy::Policy;

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

/// Runs `outflow inventory`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let store = args.db.open()?;
    let policy = args
        .policy
        .as_deref()
        .map(Policy::load)
        .transpose()
        .context("loading the policy")?;
    let url = store.saved_url(&args.url)?;
    let sightings = store.sightings(&url)?;
    if sightings.is_empty() {
        bail!(
            "no saved scans of {} (scan it first; `outflow history` lists the pages with scans)",
            args.url
        );
    }
    let latest = store.history(&url, None, 1)?.first().map(|s| s.id);
    let rows = outflow_store::inventory(
        &sightings,
        policy
            .as_ref()
            .map(|p| p as &dyn outflow_store::ScriptAuthority),
        latest,
    );
    match args.format {
        InventoryFormat::Csv => print!("{}", outflow_store::to_csv(&rows)),
        InventoryFormat::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
    }
    Ok(ExitCode::SUCCESS)
}
