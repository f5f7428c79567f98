//! What analysing captures needs for a whole run, loaded once: host
//! intelligence (unless turned off), the script-analysis limits, and the
//! options it was loaded with, which the evidence bundle records.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use outflow_intel::{Intel, IntelOptions};
use outflow_model::Capture;

use crate::error::{Result, SessionError};

/// The version written into every report.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// How hosts are attributed, as given on the command line.
#[derive(Debug, Clone, Default)]
pub struct AttributionOptions {
    /// `--no-intel`: every host is a third party of unknown owner.
    pub no_intel: bool,
    /// `--intel` folders adding to or overriding the built-in data.
    pub intel_dirs: Vec<PathBuf>,
    /// `--first-party` domains of the site itself.
    pub first_party: Vec<String>,
}

impl AttributionOptions {
    /// Loads host intelligence unless `--no-intel`.
    pub fn intel(&self) -> Result<Option<Intel>> {
        if self.no_intel {
            return Ok(None);
        }
        let options = IntelOptions {
            intel_dirs: self.intel_dirs.clone(),
            first_party: self.first_party.clone(),
            ..Default::default()
        };
        Intel::load(&options).map(Some).map_err(SessionError::Intel)
    }
}

/// Intelligence and analysis limits for a run.
pub struct Analyser {
    intel: Option<Arc<Intel>>,
    js: outflow_js::Options,
    options: AttributionOptions,
}

impl Analyser {
    /// Loads intelligence per `options`; `attribute: false` (e.g.
    /// `--capture-only`) skips loading it.
    pub fn load(options: &AttributionOptions, attribute: bool) -> Result<Self> {
        let intel = if attribute { options.intel()? } else { None };
        Ok(Self::with_intel(intel.map(Arc::new), options.clone()))
    }

    /// An analyser over intelligence already loaded (shared by a crawl's
    /// scanning threads); `options` are what it was loaded with.
    pub fn with_intel(intel: Option<Arc<Intel>>, options: AttributionOptions) -> Self {
        Self {
            intel,
            js: outflow_js::Options::default(),
            options,
        }
    }

    /// Whether hosts are attributed.
    pub fn attributes(&self) -> bool {
        self.intel.is_some()
    }

    /// The options the intelligence was loaded with.
    pub fn options(&self) -> &AttributionOptions {
        &self.options
    }

    /// The pipeline over what was loaded.
    pub fn pipeline(&self) -> outflow_pipeline::Pipeline<'_> {
        outflow_pipeline::Pipeline {
            js: &self.js,
            intel: self.intel.as_deref(),
            site: None,
            tool_version: TOOL_VERSION,
        }
    }

    /// The report and page facts of a capture whose script bodies are in
    /// `sources`, computed once by the pipeline.
    pub fn analyse(
        &self,
        capture: Capture,
        sources: &BTreeMap<String, String>,
    ) -> outflow_pipeline::AnalysedCapture {
        outflow_pipeline::analyse_capture(
            capture,
            outflow_pipeline::Sources::Map(sources),
            &self.pipeline(),
        )
    }
}
