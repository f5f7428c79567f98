//! The `--out` folder: the one place of this crate that writes captures and
//! evidence bundles into it (see [`outflow_bundle`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use outflow_bundle::{AnalysisSettings, Bundle};
use outflow_model::Capture;
use outflow_pipeline::AnalysedCapture;

use crate::analyser::Analyser;
use crate::error::{Result, SessionError};

/// An `--out` folder, created when the session starts.
pub struct Evidence {
    bundle: Bundle,
}

impl Evidence {
    /// Creates `root` and its `scripts/` folder for a bundle of the
    /// captures named `captures`: `root` must be new, empty, or a bundle
    /// of the same captures (see [`Bundle::create`]).
    pub fn create(root: &Path, captures: &[String]) -> Result<Self> {
        Ok(Self {
            bundle: Bundle::create(root, captures)?,
        })
    }

    /// Where a live scan writes script bodies.
    pub fn scripts_dir(&self) -> PathBuf {
        self.bundle.scripts_dir()
    }

    /// Writes a capture alone (`--capture-only`); returns its path.
    pub fn write_capture(
        &self,
        name: &str,
        capture: &Capture,
        sources: &BTreeMap<String, String>,
    ) -> Result<PathBuf> {
        Ok(self.bundle.add_bare_capture(name, capture, sources)?)
    }

    /// Adds the capture to the evidence bundle with its reports; returns
    /// the analysis (report and page facts), made from the bundle's own copy of the scripts exactly
    /// as `outflow verify` will remake it, and the capture's folder.
    pub fn add(
        &self,
        name: &str,
        capture: Capture,
        sources: &BTreeMap<String, String>,
        analyser: &Analyser,
    ) -> Result<(AnalysedCapture, PathBuf)> {
        let bundle = &self.bundle;
        // Bodies a live scan already wrote to scripts/ are not in `sources`;
        // HAR imports bring theirs here.
        bundle.add_scripts(sources)?;
        let kept = capture.clone();
        let pipeline = analyser.pipeline();
        let analysed = outflow_pipeline::analyse_capture(
            capture,
            outflow_pipeline::Sources::Dir(&bundle.scripts_dir()),
            &pipeline,
        );
        let folder = bundle.add_capture(
            name,
            &kept,
            &analysed.report,
            settings(analyser, bundle)?,
            pipeline.tool_version,
        )?;
        Ok((analysed, folder))
    }
}

/// Records in `bundle` how reports are made: whether hosts are attributed,
/// the `--first-party` domains, and a copy of each `--intel` folder, so
/// that `outflow verify` needs no option.
fn settings(analyser: &Analyser, bundle: &Bundle) -> Result<AnalysisSettings> {
    let mut settings = AnalysisSettings {
        intel: analyser.attributes(),
        site: analyser.pipeline().site.map(str::to_string),
        ..Default::default()
    };
    if settings.intel {
        settings.first_party = analyser.options().first_party.clone();
        for dir in &analyser.options().intel_dirs {
            settings
                .intel_dirs
                .push(
                    bundle
                        .add_intel_dir(dir)
                        .map_err(|source| SessionError::IntelDir {
                            dir: dir.clone(),
                            source,
                        })?,
                );
        }
    }
    Ok(settings)
}
