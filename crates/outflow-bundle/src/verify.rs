//! Verifying a bundle offline: every file must match the manifest's
//! SHA-256, and every capture, analysed again from the bundle's own
//! scripts, must give its reports: `report.json`, `report.html` and
//! `report.sarif` must be byte for byte what the renderers make of the
//! report the evidence gives (so a consistently re-hashed edit of any of
//! them is found), each difference said part by part (findings, target,
//! summary, attributions, inventory, flows, integrity, documents,
//! problems met) or, for HTML and SARIF, by the first line that differs
//! and the SARIF result counts. The manifest
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
use crate::layout::{MAX_RENDERED_BYTES, REPORT_HTML, REPORT_JSON, REPORT_SARIF};
use crate::render::render;
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
                            "the intelligence data it was made with cannot be loaded: {error}"
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
        captures.push(recheck(&bundle, entry, intel, &manifest.tool_version));
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
/// the bundle's copies of the `--intel` folders (read by the bundle's own
/// reader, never by path), the `--first-party` domains.
fn load_intel(
    bundle: &Bundle,
    settings: &AnalysisSettings,
) -> Result<outflow_intel::Intel, String> {
    let files = bundle
        .intel_files(&settings.intel_dirs)
        .map_err(|error| with_causes(&error))?;
    let options = outflow_intel::IntelOptions {
        first_party: settings.first_party.clone(),
        ..Default::default()
    };
    outflow_intel::Intel::load_files(&options, &files).map_err(|error| with_causes(&error))
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

/// Analyses one capture again, from the bundle alone, renders its reports
/// with the renderers that wrote them, and compares every file.
fn recheck(
    bundle: &Bundle,
    entry: &BundleCapture,
    intel: Option<&outflow_intel::Intel>,
    written_by: &str,
) -> CaptureOutcome {
    let name = clean(&entry.name);
    let unreadable = |error: &dyn std::error::Error| CaptureOutcome {
        name: name.clone(),
        findings: 0,
        differences: vec![clean(&format!("unreadable: {}", with_causes(error)))],
    };
    let (capture, stated) = match bundle.load(entry) {
        Ok(loaded) => loaded,
        Err(error) => return unreadable(&error),
    };
    let mut differences: Vec<String> = bundle
        .missing_bodies(entry, &capture)
        .into_iter()
        .map(|b| format!("request body missing from bodies/: {}", clean(&b)))
        .collect();
    let js = outflow_js::Options::default();
    // The report is remade as the writer made it (its version is in the
    // report): what this outflow's rules or data change shows as a
    // difference, and the note says the versions differ.
    let pipeline = outflow_pipeline::Pipeline {
        js: &js,
        intel,
        site: entry.analysis.site.as_deref(),
        tool_version: written_by,
    };
    let scripts = bundle.scripts_of(&capture, js.max_script_bytes as u64);
    let recomputed = outflow_pipeline::report_capture(
        capture,
        outflow_pipeline::Sources::Map(&scripts),
        &pipeline,
    );
    differences.extend(compare(&stated, &recomputed));
    let expected = render(&recomputed);
    for (file, text) in [
        (REPORT_JSON, &expected.json),
        (REPORT_HTML, &expected.html),
        (REPORT_SARIF, &expected.sarif),
    ] {
        match bundle.capture_file(entry, file, MAX_RENDERED_BYTES) {
            Ok(bytes) if bytes == text.as_bytes() => {}
            Ok(bytes) => {
                let detail = if file == REPORT_SARIF {
                    sarif_results(&bytes, text)
                } else {
                    None
                };
                differences.push(format!(
                    "{file} is not the report the evidence gives{}: {}",
                    detail.map(|d| format!(" ({d})")).unwrap_or_default(),
                    first_difference(&bytes, text.as_bytes())
                ));
            }
            Err(error) => differences.push(clean(&format!(
                "{file} cannot be read: {}",
                with_causes(&error)
            ))),
        }
    }
    CaptureOutcome {
        name,
        findings: recomputed.findings.len(),
        differences,
    }
}

/// Where two renderings first differ: the line, and both lines shortened
/// and made safe for a terminal.
fn first_difference(stated: &[u8], expected: &[u8]) -> String {
    let stated = String::from_utf8_lossy(stated);
    let expected = String::from_utf8_lossy(expected);
    let mut left = stated.split('\n');
    let mut right = expected.split('\n');
    let mut line = 1usize;
    loop {
        match (left.next(), right.next()) {
            (Some(a), Some(b)) if a == b => line += 1,
            (None, None) => {
                return "the same text, other bytes".to_string();
            }
            (a, b) => {
                let show = |text: Option<&str>| match text {
                    Some(text) => format!("{:?}", clean(&shorten(text.trim(), 100))),
                    None => "the end of the file".to_string(),
                };
                return format!("line {line} is {}, the evidence gives {}", show(a), show(b));
            }
        }
    }
}

/// How many results a SARIF log holds, stated and expected, when they
/// differ.
fn sarif_results(stated: &[u8], expected: &str) -> Option<String> {
    let count = |value: &serde_json::Value| {
        value["runs"]
            .as_array()
            .map(|runs| {
                runs.iter()
                    .map(|run| run["results"].as_array().map_or(0, Vec::len))
                    .sum::<usize>()
            })
            .unwrap_or(0)
    };
    let stated: serde_json::Value = serde_json::from_slice(stated).ok()?;
    let expected: serde_json::Value = serde_json::from_str(expected).ok()?;
    let (stated, expected) = (count(&stated), count(&expected));
    (stated != expected).then(|| format!("{stated} result(s), the evidence gives {expected}"))
}

/// At most `max` characters of `text`, `…` marking a cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max).collect();
    out.push('…');
    out
}

/// What differs, part by part, between the report.json a bundle states and
/// the report its evidence gives.
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
    if stated.findings.len() == recomputed.findings.len()
        && out.is_empty()
        && stated.findings != recomputed.findings
    {
        out.push("report.json: the findings are in another order than the evidence gives".into());
    }
    if stated.schema_version != recomputed.schema_version {
        out.push(format!(
            "report.json: schema version {}, the evidence gives {}",
            show(&stated.schema_version),
            show(&recomputed.schema_version)
        ));
    }
    if stated.tool_version != recomputed.tool_version {
        out.push(format!(
            "report.json: written by outflow {}, the manifest says {}",
            show(&stated.tool_version),
            show(&recomputed.tool_version)
        ));
    }
    if stated.target != recomputed.target {
        out.push(format!(
            "report.json: target {}, the capture is of {}",
            show(&stated.target),
            show(&recomputed.target)
        ));
    }
    if stated.summary != recomputed.summary {
        out.push(format!(
            "report.json: summary {}, the evidence gives {}",
            show(&stated.summary),
            show(&recomputed.summary)
        ));
    }
    // Attributions come from intelligence data, not from the evidence: the
    // bundle carries the --intel files and --first-party domains, so a
    // difference here means another outflow version's built-in data or
    // other IP datasets (scripts/setup) than when the report was made, or
    // an edited report.
    if let Some(text) = list_difference(&stated.attributions, &recomputed.attributions, |a| {
        a.host.clone()
    }) {
        out.push(format!(
            "report.json: attributions {text} (if this outflow's built-in data or IP datasets differ from those the report was made with, that explains it)"
        ));
    }
    if let Some(text) =
        list_difference(&stated.inventory, &recomputed.inventory, |s| s.name.clone())
    {
        out.push(format!("report.json: script inventory {text}"));
    }
    if let Some(text) = list_difference(&stated.flows, &recomputed.flows, |f| {
        format!("{} → {}", f.script, f.host)
    }) {
        out.push(format!("report.json: flows {text}"));
    }
    if stated.integrity != recomputed.integrity {
        out.push(
            "report.json: the integrity verdicts of the page's scripts differ from the evidence's"
                .to_string(),
        );
    }
    if stated.documents != recomputed.documents {
        out.push("report.json: the analysed documents differ from the evidence's".to_string());
    }
    if let Some(text) = list_difference(&stated.errors, &recomputed.errors, Clone::clone) {
        out.push(format!("report.json: problems met {text}"));
    }
    out
}

/// How a list of the report differs from the evidence's: how many items
/// each has, and the first few items only one of them holds (or holds
/// differently), by name.
fn list_difference<T: PartialEq>(
    stated: &[T],
    recomputed: &[T],
    name: impl Fn(&T) -> String,
) -> Option<String> {
    if stated == recomputed {
        return None;
    }
    let only = |these: &[T], those: &[T]| -> Vec<String> {
        these
            .iter()
            .filter(|item| !those.contains(item))
            .map(&name)
            .collect()
    };
    let list = |names: Vec<String>| {
        let mut shown: Vec<String> = names.iter().take(3).map(|n| clean(n)).collect();
        if names.len() > 3 {
            shown.push(format!("{} more", names.len() - 3));
        }
        shown.join(", ")
    };
    let extra = only(stated, recomputed);
    let missing = only(recomputed, stated);
    let mut parts = vec![format!(
        "{} stated, the evidence gives {}",
        stated.len(),
        recomputed.len()
    )];
    if !extra.is_empty() {
        parts.push(format!("not in the evidence or changed: {}", list(extra)));
    }
    if !missing.is_empty() {
        parts.push(format!("missing or changed: {}", list(missing)));
    }
    if parts.len() == 1 {
        parts.push("in another order".to_string());
    }
    Some(parts.join("; "))
}

/// A part of a report shown in a difference: compact JSON, at most 200
/// characters, made safe for a terminal.
fn show<T: serde::Serialize>(value: &T) -> String {
    let text = serde_json::to_string(value).unwrap_or_default();
    clean(&shorten(&text, 200))
}
