//! `outflow demo`: the whole story on the built-in demo site, with no
//! network: serve the site on loopback, scan each page as a visitor would be
//! scanned (the chat login under two personas), and report.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use outflow_bundle::{Bundle, capture_name};
use outflow_capture::{HostMapping, Persona, ScanOptions, capture_failed};
use outflow_demo::{DemoSite, PAGES};

use super::report_output::{Analyser, ReportArgs};
use super::scan::{Analysed, finish_run, summarise};

/// Arguments of `outflow demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where the evidence (captures, scripts, reports) is written.
    #[arg(long, value_name = "DIR", default_value = "outflow-demo")]
    pub out: PathBuf,

    /// Seconds each page may take to load.
    #[arg(long, default_value_t = 20, value_name = "SECONDS")]
    pub timeout: u64,

    #[command(flatten)]
    pub report: ReportArgs,
}

/// Runs `outflow demo`. Exits 2 when the browser could not start or a page
/// could not be scanned.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let site = DemoSite::start()?;
    // Every host name goes to the demo site: nothing can reach the network.
    let mapping = HostMapping {
        pattern: "*".to_string(),
        address: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port: Some(site.addr().port()),
    };
    let dir = Bundle::create(&args.out)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let analyser = Analyser::load(&args.report, true)?;
    let mut any_failed = false;
    let mut printed = Vec::new();
    let mut reports = Vec::new();
    for page in PAGES {
        eprintln!("{}: {}", page.name, page.story);
        for persona in page.personas {
            let persona = Persona::resolve(persona)?;
            let name = capture_name(page.url, Some(&persona.name));
            eprintln!("  scanning {} as {}", page.url, persona.name);
            let options = ScanOptions {
                mappings: vec![mapping.clone()],
                persona: Some(persona),
                timeout: Duration::from_secs(args.timeout.max(1)),
                fill_forms: true,
                submit: false,
                scripts_dir: Some(dir.scripts_dir()),
                ..ScanOptions::default()
            };
            match runtime.block_on(outflow_capture::scan(page.url, &options)) {
                Ok(output) => {
                    any_failed |= capture_failed(&output.capture);
                    summarise(&name, &output.capture);
                    let analysed = Analysed {
                        dir: Some(&dir),
                        name: &name,
                        capture_only: false,
                        analyser: &analyser,
                    };
                    analysed.finish(output.capture, &output.sources, &mut printed, &mut reports)?;
                }
                Err(error) => {
                    eprintln!("error: {}: {error}", page.url);
                    any_failed = true;
                }
            }
        }
    }
    drop(site);
    let code = finish_run(printed, &reports, &args.report, any_failed)?;
    eprintln!("evidence and reports: {}", args.out.display());
    Ok(code)
}
