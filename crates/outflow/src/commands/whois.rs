//! `outflow whois`: who is behind hosts, URLs, IP addresses and ASNs: owner,
//! country, ownership, government-list flags and legal notes, each with its
//! source.

use std::path::PathBuf;
use std::process::ExitCode;

use outflow_intel::IpDataSource;

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

/// Runs `outflow whois` (see [`outflow_session::whois`]). Exits 2 when
/// the intelligence data cannot be loaded; every target gets an
/// attribution, with notes for what is unknown.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    outflow_session::whois(&outflow_session::WhoisRequest {
        targets: args.targets,
        site: args.site,
        first_party: args.first_party,
        intel_dirs: args.intel,
        ip_data: match (args.no_ip_data, args.ip_data) {
            (true, _) => IpDataSource::Disabled,
            (false, Some(dir)) => IpDataSource::Dir(dir),
            (false, None) => IpDataSource::Default,
        },
        format: match args.format {
            Format::Terminal => outflow_session::DocumentFormat::Terminal,
            Format::Json => outflow_session::DocumentFormat::Json,
        },
    })?;
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

/// Runs `outflow intel` (see [`outflow_intel::import::write_import`]):
/// the file written on standard output, what it holds on standard error.
pub fn run_intel(args: IntelArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        IntelCommand::Import { kind, path, out } => {
            let written = outflow_intel::import::write_import(kind, &path, &out)?;
            eprintln!(
                "imported {} entities and {} domains ({}); use: outflow whois --intel {}",
                written.entities,
                written.domains,
                written.license,
                out.display()
            );
            println!("{}", written.path.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}
