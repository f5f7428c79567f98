//! Verifying a bundle offline: every file must match the manifest's
//! SHA-256, and every capture, analysed again from the bundle's own
//! scripts, must give the findings its report.json states. The manifest
//! says how each report was made (attribution on or off, the
//! `--first-party` domains, the bundle's copies of the `--intel` files):
//! verification needs no option and no file from outside the bundle.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use outflow_model::{Finding, Report};
use outflow_report::clean;

use crate::check::FileProblem;
use crate::error::VerifyError;
use crate::hash::sha256_hex;
use crate::{AnalysisSettings, Bundle, BundleCapture};

/// The outcome of verifying a bundle; its [`Display`](std::fmt::Display)
/// is what `outflow verify` prints, every string from the bundle made safe
/// for a terminal.
#[derive(Debug)]
pub struct Verification {
    /// The bundle folder.
    pub dir: PathBuf,
    /// The SHA-256 of `manifest.json`, which identifies the bundle.
    pub manifest_sha256: String,
    /// The outflow version that wrote the bundle.
    pub written_by: String,
    /// The outflow version that verified it.
    pub checked_with: String,
    /// How many files the manifest lists.
    pub files_listed: usize,
    /// Where the files disagree with the manifest.
    pub file_problems: Vec<FileProblem>,
    /// Each capture, in the manifest's order.
    pub captures: Vec<CaptureOutcome>,
}

/// The outcome for one capture.
#[derive(Debug)]
pub struct CaptureOutcome {
    /// Its name, made safe for a terminal.
    pub name: String,
    /// How many findings the evidence gives.
    pub findings: usize,
    /// What differs between its report.json and the evidence (empty when
    /// the report stands), made safe for a terminal.
    pub differences: Vec<String>,
}

impl Verification {
    /// Whether the report stands: every file as listed, at least one
    /// capture, and each capture's findings given by its evidence.
    pub fn stands(&self) -> bool {
        self.file_problems.is_empty()
            && !self.captures.is_empty()
            && self.captures.iter().all(|c| c.differences.is_empty())
    }
}

impl std::fmt::Display for Verification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "bundle {} (manifest sha256 {})",
            self.dir.display(),
            self.manifest_sha256
        )?;
        if self.written_by != self.checked_with {
            writeln!(
                f,
                "note: written by outflow {}, checked with outflow {}: rules or data that changed in between can change findings",
                clean(&self.written_by),
                self.checked_with
            )?;
        }
        writeln!(
            f,
            "files: {} listed, {} problem(s)",
            self.files_listed,
            self.file_problems.len()
        )?;
        for problem in &self.file_problems {
            writeln!(f, "  ✖ {}", clean(&problem.to_string()))?;
        }
        if self.captures.is_empty() {
            writeln!(f, "✖ the manifest lists no capture")?;
        }
        for outcome in &self.captures {
            if outcome.differences.is_empty() {
                writeln!(
                    f,
                    "✔ {}: {} finding(s) recomputed from the evidence, identical to report.json",
                    outcome.name, outcome.findings
                )?;
            } else {
                writeln!(
                    f,
                    "✖ {}: the evidence does not give report.json",
                    outcome.name
                )?;
                for difference in &outcome.differences {
                    writeln!(f, "    {difference}")?;
                }
            }
        }
        if self.stands() {
            writeln!(f, "the report stands")
        } else {
            writeln!(f, "the report does NOT stand")
        }
    }
}

/// Verifies the bundle in `dir` with this outflow (`tool_version`): its
/// files against the manifest, and each capture's report against the
/// findings its evidence gives. An error means the bundle cannot be read
/// at all; a bundle that can be read but disagrees is a [`Verification`]
/// that does not stand.
pub fn verify(dir: &Path, tool_version: &str) -> Result<Verification, VerifyError> {
    let bundle = Bundle::open(dir);
    let (manifest, manifest_bytes) =
        bundle
            .manifest_and_bytes()
            .map_err(|source| VerifyError::Manifest {
                dir: dir.display().to_string(),
                source,
            })?;
    let file_problems = bundle.check_files(&manifest).map_err(VerifyError::Files)?;

    // Captures made in one run share their settings: load each set once.
    let mut loaded: BTreeMap<(Vec<String>, Vec<String>), outflow_intel::Intel> = BTreeMap::new();
    let mut captures = Vec::new();
    for entry in &manifest.captures {
        let settings = &entry.analysis;
        let key = (settings.intel_dirs.clone(), settings.first_party.clone());
        if settings.intel && !loaded.contains_key(&key) {
            match load_intel(&bundle, settings) {
                Ok(intel) => {
                    loaded.insert(key.clone(), intel);
                }
                Err(error) => {
                    captures.push(CaptureOutcome {
                        name: clean(&entry.name),
                        findings: 0,
                        differences: vec![clean(&format!(
                            "the intelligence data it was made with cannot be loaded: {}",
                            with_causes(&error)
                        ))],
                    });
                    continue;
                }
            }
        }
        let intel = if settings.intel {
            loaded.get(&key)
        } else {
            None
        };
        captures.push(recheck(&bundle, entry, intel, tool_version));
    }
    Ok(Verification {
        dir: dir.to_path_buf(),
        manifest_sha256: sha256_hex(&manifest_bytes),
        written_by: manifest.tool_version,
        checked_with: tool_version.to_string(),
        files_listed: manifest.files.len(),
        file_problems,
        captures,
    })
}

/// Intelligence as the capture's report was made with it: the built-in data,
/// the bundle's copies of the `--intel` folders, the `--first-party` domains.
fn load_intel(
    bundle: &Bundle,
    settings: &AnalysisSettings,
) -> Result<outflow_intel::Intel, outflow_intel::IntelError> {
    let options = outflow_intel::IntelOptions {
        intel_dirs: settings
            .intel_dirs
            .iter()
            .map(|dir| bundle.root().join(dir))
            .collect(),
        first_party: settings.first_party.clone(),
        ..Default::default()
    };
    outflow_intel::Intel::load(&options)
}

/// An error and its causes, `: `-separated.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

/// Analyses one capture again, from the bundle alone, and compares.
fn recheck(
    bundle: &Bundle,
    entry: &BundleCapture,
    intel: Option<&outflow_intel::Intel>,
    tool_version: &str,
) -> CaptureOutcome {
    let name = clean(&entry.name);
    let (capture, stated) = match bundle.load(entry) {
        Ok(loaded) => loaded,
        Err(error) => {
            return CaptureOutcome {
                name,
                findings: 0,
                differences: vec![format!("unreadable: {error}")],
            };
        }
    };
    let mut differences: Vec<String> = bundle
        .missing_bodies(entry, &capture)
        .into_iter()
        .map(|b| format!("request body missing from bodies/: {}", clean(&b)))
        .collect();
    let js = outflow_js::Options::default();
    let pipeline = outflow_pipeline::Pipeline {
        js: &js,
        intel,
        site: entry.analysis.site.as_deref(),
        tool_version,
    };
    let scripts = bundle.scripts_of(&capture, js.max_script_bytes as u64);
    let recomputed = outflow_pipeline::report_capture(
        capture,
        outflow_pipeline::Sources::Map(&scripts),
        &pipeline,
    );
    differences.extend(compare(&stated, &recomputed));
    CaptureOutcome {
        name,
        findings: recomputed.findings.len(),
        differences,
    }
}

/// What differs between the findings a report states and the ones the
/// evidence gives.
fn compare(stated: &Report, recomputed: &Report) -> Vec<String> {
    let mut out = Vec::new();
    let describe = |f: &Finding| clean(&format!("[{}] {}: {}", f.severity, f.rule, f.title));
    for finding in &stated.findings {
        match recomputed.findings.iter().find(|r| r.key() == finding.key()) {
            None => out.push(format!(
                "stated, not found in the evidence: {}",
                describe(finding)
            )),
            Some(again) if again != finding => out.push(format!(
                "stated differently from the evidence (severity, confidence, explanation or evidence): {}",
                describe(finding)
            )),
            Some(_) => {}
        }
    }
    for finding in &recomputed.findings {
        if !stated.findings.iter().any(|s| s.key() == finding.key()) {
            out.push(format!(
                "found in the evidence, missing from the report: {}",
                describe(finding)
            ));
        }
    }
    // Attributions come from intelligence data, not from the evidence: the
    // bundle carries the --intel files and --first-party domains, so a
    // difference here means another outflow version's built-in data or
    // other IP datasets (scripts/setup) than when the report was made.
    let differing: Vec<&str> = stated
        .attributions
        .iter()
        .filter(|a| {
            recomputed
                .attributions
                .iter()
                .find(|r| r.host == a.host)
                .is_none_or(|r| r != *a)
        })
        .map(|a| a.host.as_str())
        .collect();
    if !differing.is_empty() {
        let shown: Vec<String> = differing.iter().take(5).map(|h| clean(h)).collect();
        out.push(format!(
            "attribution of {} host(s) differs from report.json ({}{}): this outflow's built-in data or IP datasets differ from those the report was made with",
            differing.len(),
            shown.join(", "),
            if differing.len() > 5 { ", …" } else { "" }
        ));
    }
    if stated.integrity != recomputed.integrity {
        out.push(
            "the integrity verdicts of the page's scripts differ from report.json".to_string(),
        );
    }
    if stated.summary.verdict != recomputed.summary.verdict {
        out.push(format!(
            "verdict {:?}, the evidence gives {:?}",
            clean(&stated.summary.verdict),
            recomputed.summary.verdict
        ));
    }
    out
}
