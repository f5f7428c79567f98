//! One module per subcommand; this file declares the command line and
//! dispatches.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod crawl;
mod csp;
mod demo;
mod deobfuscate;
mod diff;
mod eval;
mod har;
mod history;
mod inventory;
mod js;
mod rules;
mod scan;
mod verify;
mod watch;
mod whois;
mod worker;

/// Shows where a web page sends its visitors' data, and who is behind each
/// destination.
#[derive(Debug, Parser)]
#[command(name = "outflow", version, about, long_about = None)]
struct Cli {
    /// Log verbosity for progress and diagnostics on stderr (error, warn,
    /// info, debug, trace). Also read from OUTFLOW_LOG.
    #[arg(long, global = true, default_value = "warn", env = "OUTFLOW_LOG")]
    log: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scan the built-in demo site (served on loopback, no network) and
    /// report what outflow finds there.
    Demo(demo::Args),
    /// Analyse JavaScript files, directories, HTML pages or standard input:
    /// endpoints, privacy-relevant API use, obfuscation.
    Js(js::Args),
    /// Visit pages in Chromium and record everything they do: requests,
    /// scripts, API calls, canaries typed into their login forms.
    Scan(scan::Args),
    /// Analyse HAR 1.2 recordings like visits.
    Har(har::Args),
    /// Re-check an evidence bundle (--out DIR) offline: every file against
    /// the manifest's SHA-256, every finding recomputed from the evidence.
    Verify(verify::Args),
    /// List the detection rules, or print one rule's documentation.
    Rules(rules::Args),
    /// Per-rule precision and recall on a labelled corpus (e.g.
    /// fixtures/eval): confusion matrices and the corpus targets.
    Eval(eval::Args),
    /// Print a script with its obfuscation undone (string arrays, packers,
    /// flattened control flow) and a header saying what was undone.
    Deobfuscate(deobfuscate::Args),
    /// Who is behind hosts, URLs and IP addresses: owner, country,
    /// ownership, government-list flags and legal notes, with sources.
    Whois(whois::Args),
    /// Manage intelligence data: import your own copy of a tracker dataset.
    Intel(whois::IntelArgs),
    /// List the saved scans of a page (or the pages with saved scans).
    History(history::Args),
    /// What changed between two saved scans: scripts, destinations,
    /// entities, countries, flags, findings, security headers.
    Diff(diff::Args),
    /// Rescan pages on a schedule; print and post each change.
    Watch(watch::Args),
    /// The PCI DSS 6.4.3 script inventory of a page, as CSV or JSON.
    Inventory(inventory::Args),
    /// Propose a Content-Security-Policy from a page's saved scans.
    Csp(csp::Args),
    /// Scan a list of sites N at a time into a crawl database (resumable);
    /// `crawl stats` for the aggregate tables, `crawl status` for the jobs.
    Crawl(crawl::Args),
    /// Claim and scan jobs of every open crawl in a shared (PostgreSQL)
    /// crawl database.
    Worker(worker::Args),
}

/// Parses the command line, runs the subcommand and turns its outcome into
/// the process exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.log);
    let outcome = match cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Js(args) => js::run(args),
        Command::Scan(args) => scan::run(args),
        Command::Har(args) => har::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Rules(args) => rules::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Whois(args) => whois::run(args),
        Command::Intel(args) => whois::run_intel(args),
        Command::Deobfuscate(args) => deobfuscate::run(args),
        Command::History(args) => history::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Watch(args) => watch::run(args),
        Command::Inventory(args) => inventory::run(args),
        Command::Csp(args) => csp::run(args),
        Command::Crawl(args) => crawl::run(args),
        Command::Worker(args) => worker::run(args),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            // Errors quote their input (a TOML error shows the line it
            // failed on): each line made safe for a terminal.
            let text = format!("{error:#}");
            let lines: Vec<String> = text.split('\n').map(outflow_session::clean).collect();
            eprintln!("error: {}", lines.join("\n"));
            ExitCode::from(2)
        }
    }
}

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .init();
}
