//! `outflow csp`: a Content-Security-Policy allowing exactly what the
//! saved scans of a page observed.

use std::process::ExitCode;

use anyhow::bail;

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

/// Runs `outflow csp`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let store = args.db.open()?;
    let url = store.saved_url(&args.url)?;
    let summaries = store.history(&url, None, args.scans.max(1))?;
    if summaries.is_empty() {
        bail!(
            "no saved scans of {} (scan it first; `outflow history` lists the pages with scans)",
            args.url
        );
    }
    let scans = summaries
        .iter()
        .map(|s| store.scan(s.id))
        .collect::<Result<Vec<_>, _>>()?;
    let proposal = outflow_store::propose(&scans);
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&proposal)?),
        Format::Terminal => {
            println!("{}: {}", proposal.header, proposal.policy);
            eprintln!(
                "from scans {}",
                proposal
                    .scans
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            for note in &proposal.notes {
                eprintln!("note: {note}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
