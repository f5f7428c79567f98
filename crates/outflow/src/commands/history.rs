//! `outflow history`: the saved scans of a page, newest first.

use std::process::ExitCode;

use anyhow::Context;

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

/// Runs `outflow history`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.prune {
        return prune(&args);
    }
    let store = args.db.open()?;
    let Some(url) = &args.url else {
        let urls = store.urls()?;
        match args.format {
            Format::Json => {
                let list: Vec<_> = urls
                    .iter()
                    .map(|(url, scans)| serde_json::json!({ "url": url, "scans": scans }))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            }
            Format::Terminal if urls.is_empty() => println!("no scans saved yet"),
            Format::Terminal => {
                for (url, scans) in urls {
                    println!("{scans:>5}  {url}");
                }
            }
        }
        return Ok(ExitCode::SUCCESS);
    };
    let url = &store.saved_url(url)?;
    let scans = store.history(url, args.persona.as_deref(), args.limit)?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&scans)?),
        Format::Terminal if scans.is_empty() => {
            println!("no saved scans of {url} (`outflow history` lists the pages with scans)")
        }
        Format::Terminal => {
            println!(
                "{:>6}  {:<25} {:<8} {:>7} {:>8}  verdict",
                "id", "started", "persona", "scripts", "findings"
            );
            for scan in scans {
                println!(
                    "{:>6}  {:<25} {:<8} {:>7} {:>8}  {}",
                    scan.id,
                    scan.started_at,
                    scan.persona.as_deref().unwrap_or("-"),
                    scan.scripts,
                    scan.findings,
                    scan.verdict
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `outflow history --prune`.
fn prune(args: &Args) -> anyhow::Result<ExitCode> {
    let mut store = args.db.open()?;
    let url = args
        .url
        .as_deref()
        .map(|url| store.saved_url(url))
        .transpose()?;
    let retention = outflow_store::Retention {
        keep: args.keep,
        started_before: args
            .older_than
            .map(|age| outflow_store::cutoff(std::time::SystemTime::now(), age)),
        url,
    };
    let pruned = store.prune(&retention).context("pruning the history")?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&pruned)?),
        Format::Terminal => println!(
            "deleted {} scan(s) of {} page(s) and {} script sighting(s) no remaining scan supports",
            pruned.scans,
            pruned.urls.len(),
            pruned.sightings
        ),
    }
    Ok(ExitCode::SUCCESS)
}
