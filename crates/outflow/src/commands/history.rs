//! `outflow history`: the saved scans of a page, newest first.

use std::process::ExitCode;

use crate::args::{DbArgs, DocumentFormat as Format, parse_interval};

/// Arguments of `outflow history`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("retention").multiple(true)))]
pub struct Args {
    /// The page, as given to `outflow scan`. Without it, lists the pages
    /// with saved scans.
    #[arg(value_name = "URL")]
    pub url: Option<String>,

    /// Only scans made as this persona.
    #[arg(long, value_name = "NAME")]
    pub persona: Option<String>,

    /// How many scans to list.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,

    /// Output format.
    #[arg(long, value_enum, default_value = "terminal")]
    pub format: Format,

    /// Delete old scans (of URL, or of every page) instead of listing:
    /// those beyond --keep and/or older than --older-than, with the script
    /// sightings no remaining scan supports, in one transaction.
    #[arg(long, requires = "retention")]
    pub prune: bool,

    /// With --prune: keep the newest N scans of each page and persona.
    #[arg(long, value_name = "N", group = "retention", requires = "prune",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub keep: Option<u32>,

    /// With --prune: delete scans that started longer ago than this (a
    /// number with s, m, h or d: `90d`). With --keep, the newest N of each
    /// page stay whatever their age.
    #[arg(long, value_name = "AGE", group = "retention", requires = "prune",
          value_parser = parse_interval)]
    pub older_than: Option<std::time::Duration>,

    #[command(flatten)]
    pub db: DbArgs,
}

/// Runs `outflow history` (see [`outflow_session::history`]).
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    outflow_session::history(&outflow_session::HistoryRequest {
        db: args.db.db,
        url: args.url,
        persona: args.persona,
        limit: args.limit,
        prune: args.prune,
        keep: args.keep,
        older_than: args.older_than,
        format: args.format.into(),
    })?;
    Ok(ExitCode::SUCCESS)
}
