//! `outflow demo`: the whole story on the built-in demo site, with no
//! network: the site served on loopback, each page scanned as a visitor
//! would be (the chat login under two personas), and reported.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use outflow_bundle::capture_name;
use outflow_capture::HostMapping;
use outflow_demo::{DemoSite, PAGES};

use crate::analyser::{Analyser, AttributionOptions};
use crate::error::Result;
use crate::evidence::Evidence;
use crate::output::{ExitStatus, OutputOptions};
use crate::session::{Run, Session};
use crate::visit::{VisitOptions, resolve_persona, with_persona};

/// What `outflow demo` was asked.
#[derive(Debug, Clone)]
pub struct DemoRequest {
    /// Where the evidence (captures, scripts, reports) is written.
    pub out: PathBuf,
    /// Seconds each page may take to load.
    pub timeout_secs: u64,
    /// How hosts are attributed.
    pub attribution: AttributionOptions,
    /// How reports are printed.
    pub output: OutputOptions,
}

/// Runs the demo: exit 2 when the browser could not start or a page could
/// not be scanned.
pub fn demo(request: &DemoRequest) -> Result<ExitStatus> {
    let site = DemoSite::start()?;
    let mut names = Vec::new();
    for page in PAGES {
        for persona in page.personas {
            names.push(capture_name(
                page.url,
                Some(&resolve_persona(persona)?.name),
            ));
        }
    }
    let evidence = Evidence::create(&request.out, &names)?;
    let visit = VisitOptions {
        timeout_secs: request.timeout_secs,
        fill_forms: true,
        ..VisitOptions::default()
    };
    let mut base = visit.scan_options(Some(evidence.scripts_dir()))?;
    // Every host name goes to the demo site: nothing can reach the network.
    base.mappings = vec![HostMapping {
        pattern: "*".to_string(),
        address: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port: Some(site.addr().port()),
    }];
    let session = Session::start(Analyser::load(&request.attribution, true)?)?;
    let mut run = Run::new(session.analyser(), Some(&evidence), false, false);
    for page in PAGES {
        eprintln!("{}: {}", page.name, page.story);
        for persona in page.personas {
            let persona = resolve_persona(persona)?;
            let name = capture_name(page.url, Some(&persona.name));
            eprintln!("  scanning {} as {}", page.url, persona.name);
            let options = with_persona(&base, Some(&persona));
            run.visited(&name, page.url, session.visit(page.url, &options))?;
        }
    }
    drop(site);
    let status = run.finish(&request.output, None)?;
    eprintln!("evidence and reports: {}", request.out.display());
    Ok(status)
}
