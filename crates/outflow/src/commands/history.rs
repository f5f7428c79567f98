//! `outflow history`: the saved scans of a page, newest first; and the
//! database option every store command shares.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use outflow_store::Store;

/// Output formats of the history commands (`history`, `diff`, `csp`,
/// `watch`): their documents are not reports, so only these two apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Readable text.
    Terminal,
    /// JSON.
    Json,
}

/// Where the scan history lives.
#[derive(Debug, Clone, clap::Args)]
pub struct DbArgs {
    /// The history database (default: outflow/outflow.db in the per-user
    /// data folder, e.g. ~/.local/share/outflow/outflow.db).
    #[arg(long, value_name = "PATH", env = "OUTFLOW_DB")]
    pub db: Option<PathBuf>,
}

impl DbArgs {
    /// Opens the database, creating and migrating it when needed.
    pub fn open(&self) -> anyhow::Result<Store> {
        open_store(self.db.as_deref())
    }
}

/// Opens `db`, or the per-user default database.
pub fn open_store(db: Option<&Path>) -> anyhow::Result<Store> {
    let path = match db {
        Some(path) => path.to_path_buf(),
        None => Store::default_path()?,
    };
    Store::open(&path).with_context(|| format!("opening the history database {}", path.display()))
}

/// Arguments of `outflow history`.
#[derive(Debug, clap::Args)]
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

    #[command(flatten)]
    pub db: DbArgs,
}

/// Runs `outflow history`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
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
