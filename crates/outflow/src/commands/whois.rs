//! `outflow whois`: who is behind hosts, URLs, IP addresses and ASNs: owner,
//! country, ownership, government-list flags and legal notes, each with its
//! source.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use outflow_intel::{Intel, IntelOptions, IpDataSource};
use outflow_model::Attribution;

/// Output formats of `outflow whois`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// A readable summary per target.
    Terminal,
    /// A JSON array of attributions.
    Json,
}

/// Arguments of `outflow whois`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Host names, URLs, IP addresses or AS numbers (`AS9808`).
    #[arg(required = true, value_name = "HOST|URL|IP|ASN")]
    pub targets: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value = "terminal")]
    pub format: Format,

    /// The analysed site (URL or host), against which each target is first
    /// or third party.
    #[arg(long, value_name = "URL|HOST")]
    pub site: Option<String>,

    /// A domain (with its subdomains) of the site's owner; repeatable.
    #[arg(long = "first-party", value_name = "DOMAIN")]
    pub first_party: Vec<String>,

    /// A folder of extra entity, list and legal-note TOML files in
    /// outflow's data schema; they take precedence over built-in data.
    /// Repeatable.
    #[arg(long = "intel", value_name = "DIR")]
    pub intel: Vec<PathBuf>,

    /// The folder of the IP datasets (default: $OUTFLOW_IP_DATA, else what
    /// scripts/setup installs in the clone).
    #[arg(long = "ip-data", value_name = "DIR", conflicts_with = "no_ip_data")]
    pub ip_data: Option<PathBuf>,

    /// Do not read IP datasets.
    #[arg(long)]
    pub no_ip_data: bool,
}

/// Runs `outflow whois`. Exits 2 when the intelligence data cannot be
/// loaded; every target gets an attribution, with notes for what is
/// unknown.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let ip_data = match (args.no_ip_data, args.ip_data) {
        (true, _) => IpDataSource::Disabled,
        (false, Some(dir)) => IpDataSource::Dir(dir),
        (false, None) => IpDataSource::Default,
    };
    let options = IntelOptions {
        intel_dirs: args.intel,
        first_party: args.first_party,
        ip_data,
    };
    let intel = Intel::load(&options).context("loading intelligence data")?;
    let site = args.site.as_deref().map(|site| intel.site(site));
    let attributions: Vec<Attribution> = args
        .targets
        .iter()
        .map(|target| intel.lookup_for_site(target, site.as_ref()))
        .collect();
    let text = match args.format {
        Format::Json => {
            serde_json::to_string_pretty(&attributions).context("serialising attributions")?
        }
        Format::Terminal => attributions
            .iter()
            .map(outflow_report::whois_terminal)
            .collect::<Vec<_>>()
            .join("\n"),
    };
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{text}").context("writing the attributions")?;
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `outflow intel`.
#[derive(Debug, clap::Args)]
pub struct IntelArgs {
    #[command(subcommand)]
    pub command: IntelCommand,
}

/// Subcommands of `outflow intel`.
#[derive(Debug, clap::Subcommand)]
pub enum IntelCommand {
    /// Convert your own copy of a dataset outflow may not ship
    /// (CC BY-NC-SA: DuckDuckGo Tracker Radar, Disconnect, Ghostery
    /// trackerdb) into OUT/KIND.json, for `outflow whois --intel OUT`.
    /// Imported owners rank below outflow's sourced table.
    Import {
        /// tracker-radar (the repository or its entities/ folder),
        /// disconnect (entities.json) or ghostery (trackerdb JSON).
        #[arg(value_name = "KIND")]
        kind: outflow_intel::import::ImportKind,
        /// The dataset's file or folder.
        #[arg(value_name = "PATH")]
        path: PathBuf,
        /// The folder to write the converted dataset into.
        #[arg(long, value_name = "DIR", default_value = "outflow-intel")]
        out: PathBuf,
    },
}

/// Runs `outflow intel`.
pub fn run_intel(args: IntelArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        IntelCommand::Import { kind, path, out } => {
            let today = outflow_intel::import::today();
            let file = outflow_intel::import::import(kind, &path, &today)
                .with_context(|| format!("importing {}", path.display()))?;
            std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
            let target = out.join(format!("{}.json", kind.file_stem()));
            let json = serde_json::to_string(&file).context("serialising the import")?;
            std::fs::write(&target, json)
                .with_context(|| format!("writing {}", target.display()))?;
            let domains: usize = file.entities.iter().map(|entity| entity.3.len()).sum();
            eprintln!(
                "imported {} entities and {domains} domains ({}); use: outflow whois --intel {}",
                file.entities.len(),
                file.source.license,
                out.display()
            );
            println!("{}", target.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}
