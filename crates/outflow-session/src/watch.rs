//! `outflow watch`: pages rescanned on a schedule, each scan saved and
//! compared with the previous one, changes printed and posted.

use std::time::Duration;

use outflow_capture::capture_failed;

use crate::alert::{Alerts, DiffFormat, check_webhook};
use crate::analyser::{Analyser, AttributionOptions};
use crate::error::Result;
use crate::follow::chain;
use crate::history::open_store;
use crate::output::ExitStatus;
use crate::session::Session;
use crate::visit::{VisitOptions, resolve_persona, with_persona};

/// What `outflow watch` was asked.
#[derive(Debug, Clone)]
pub struct WatchRequest {
    /// Pages to watch.
    pub urls: Vec<String>,
    /// Time between two rounds of scans.
    pub every: Duration,
    /// Stop after this many rounds (0: never).
    pub rounds: u32,
    /// Visit as this persona.
    pub persona: Option<String>,
    /// How to visit.
    pub visit: VisitOptions,
    /// How hosts are attributed.
    pub attribution: AttributionOptions,
    /// The history database (default: the per-user one).
    pub db: Option<std::path::PathBuf>,
    /// POST each change as JSON here.
    pub webhook: Option<String>,
    /// Deliveries tried before a webhook alert is given up.
    pub webhook_attempts: u32,
    /// How the diffs printed on change look.
    pub format: DiffFormat,
}

/// Watches: returns only after `rounds` rounds (or on an error opening the
/// database or starting).
pub fn watch(request: &WatchRequest) -> Result<ExitStatus> {
    if let Some(webhook) = &request.webhook {
        check_webhook(webhook)?;
    }
    let mut store = open_store(request.db.as_deref())?;
    let base = request.visit.scan_options(None)?;
    let persona = request
        .persona
        .as_deref()
        .map(resolve_persona)
        .transpose()?;
    let options = with_persona(&base, persona.as_ref());
    let session = Session::start(Analyser::load(&request.attribution, true)?)?;
    let alerts = Alerts {
        webhook: request.webhook.as_deref(),
        attempts: request.webhook_attempts.max(1),
        to_stdout: true,
        format: request.format,
    };
    let mut round = 0u32;
    loop {
        round += 1;
        for url in &request.urls {
            eprintln!("watch round {round}: scanning {url}");
            let output = match session.visit(url, &options) {
                Ok(output) => output,
                Err(error) => {
                    eprintln!("error: {url}: {error}");
                    continue;
                }
            };
            if capture_failed(&output.capture) {
                // A page that did not load would read as "every script
                // removed": not saved, not compared.
                for error in &output.capture.errors {
                    eprintln!("error: {url}: {:?}: {}", error.kind, error.message);
                }
                continue;
            }
            let outflow_pipeline::AnalysedCapture { report, facts } =
                session.analyser().analyse(output.capture, &output.sources);
            let id = store.save(&report, &facts)?;
            eprintln!("  saved as scan {id}: {}", report.summary.verdict);
            if let Err(error) = alerts.compare(&store, id) {
                eprintln!("error: {url}: {}", chain(&error));
            }
        }
        if request.rounds != 0 && round >= request.rounds {
            return Ok(0);
        }
        std::thread::sleep(request.every);
    }
}
