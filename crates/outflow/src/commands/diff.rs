//! `outflow diff`: what changed between two saved scans (the PCI DSS
//! 11.6.1 change record).

use std::process::ExitCode;

use anyhow::{Context, bail};
use outflow_store::{Store, diff_scans};

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

/// Runs `outflow diff`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let store = args.db.open()?;
    let (from, to) = resolve(&store, &args)?;
    let diff = diff_scans(&store.scan(from)?, &store.scan(to)?);
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&diff)?),
        Format::Terminal => print!("{}", outflow_report::diff_terminal(&diff)),
    }
    Ok(ExitCode::SUCCESS)
}

fn resolve(store: &Store, args: &Args) -> anyhow::Result<(i64, i64)> {
    match (args.from.parse::<i64>(), &args.to) {
        (Ok(from), Some(to)) => {
            let to = to
                .parse::<i64>()
                .with_context(|| format!("B must be a scan id, got {to:?}"))?;
            Ok((from, to))
        }
        (Ok(to), None) => match store.previous(to)? {
            Some(from) => Ok((from, to)),
            None => bail!("scan {to} is the first scan of its page: nothing to compare it with"),
        },
        (Err(_), None) => {
            // The latest scan against the one before it made as the same
            // persona: a `us` visit compared with a `cn` one would show the
            // persona's effect, not a change of the page.
            let url = store.saved_url(&args.from)?;
            let latest = store.history(&url, args.persona.as_deref(), 1)?;
            let Some(latest) = latest.first() else {
                bail!(
                    "{} has no saved scans (`outflow history` lists the pages with scans)",
                    args.from
                );
            };
            match store.previous(latest.id)? {
                Some(before) => Ok((before, latest.id)),
                None => bail!(
                    "{} has one saved scan{}; a diff needs two",
                    args.from,
                    latest
                        .persona
                        .as_deref()
                        .map(|p| format!(" as {p}"))
                        .unwrap_or_default()
                ),
            }
        }
        (Err(_), Some(_)) => bail!("give two scan ids, or one page URL"),
    }
}
