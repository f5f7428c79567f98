//! `manifest.json`: what a bundle holds and how its reports were made.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::BundleError;
use crate::layout::{FORMAT, LAYOUT_VERSION, is_intel_folder, is_plain_folder};

/// How the reports of a bundle were made, so that [`crate::verify`]
/// analyses the evidence the same way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalysisSettings {
    /// Whether hosts were attributed with outflow's intelligence data.
    pub intel: bool,
    /// The site given for first or third party, when one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// The domains given with `--first-party`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub first_party: Vec<String>,
    /// The bundle's copies of the `--intel` folders (`intel/<hash>`), in
    /// the order they were given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intel_dirs: Vec<String>,
}

/// One capture of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleCapture {
    /// The capture's name (from its URL and persona, or HAR file).
    pub name: String,
    /// Its folder, relative to the bundle's top; empty for the top itself.
    pub path: String,
    /// How its report was made.
    pub analysis: AnalysisSettings,
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`crate::LAYOUT_VERSION`].
    pub layout_version: u32,
    /// The outflow version that wrote the bundle.
    pub tool_version: String,
    /// The captures, in the order they were made.
    pub captures: Vec<BundleCapture>,
    /// SHA-256 (lower-case hex) of every file but the manifest, by path
    /// relative to the top (`/`-separated), sorted.
    pub files: BTreeMap<String, String>,
}

impl Manifest {
    /// Parses a manifest read from `path` and refuses one that is not an
    /// outflow bundle's, is of a layout this outflow does not know, names
    /// folders outside the bundle, or names one folder for two captures.
    pub(crate) fn parse(bytes: &[u8], path: &str) -> Result<Manifest, BundleError> {
        let invalid = |message: String| BundleError::Invalid {
            path: path.to_string(),
            message,
        };
        let manifest: Manifest =
            serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))?;
        if manifest.format != FORMAT {
            return Err(invalid(format!(
                "format is {:?}, not {FORMAT:?}",
                manifest.format
            )));
        }
        if manifest.layout_version != LAYOUT_VERSION {
            return Err(invalid(format!(
                "layout version {} is not one this outflow reads (it reads layout {LAYOUT_VERSION}): the bundle was written by another outflow ({:?})",
                manifest.layout_version, manifest.tool_version
            )));
        }
        let mut folders = std::collections::BTreeSet::new();
        for capture in &manifest.captures {
            if !folders.insert(capture.path.as_str()) {
                return Err(invalid(format!(
                    "capture folder {:?} is named for two captures",
                    capture.path
                )));
            }
            if let Some(bad) = capture
                .analysis
                .intel_dirs
                .iter()
                .find(|d| !is_intel_folder(d))
            {
                return Err(invalid(format!(
                    "intelligence folder {bad:?} is not intel/<name>"
                )));
            }
            if !is_plain_folder(&capture.path) {
                return Err(invalid(format!(
                    "capture folder {:?} is not a plain sub-folder",
                    capture.path
                )));
            }
        }
        Ok(manifest)
    }
}
