//! `outflow verify DIR`: re-checks an evidence bundle offline. Every file
//! must match the manifest's SHA-256, and every capture, analysed again from
//! the bundle's own scripts, must give the findings its report.json states.
//! The manifest says how each report was made (attribution on or off, the
//! `--first-party` domains, the bundle's copies of the `--intel` files):
//! verification needs no option and no file from outside the bundle.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use outflow_model::{Finding, Report};
use outflow_report::bundle::{AnalysisSettings, Bundle, BundleCapture};

/// Arguments of `outflow verify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bundle folder (written by `outflow scan --out DIR` or
    /// `outflow har --out DIR`).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// The outcome for one capture.
struct Outcome {
    name: String,
    findings: usize,
    differences: Vec<String>,
}

/// Runs `outflow verify`: exit 0 when the reports stand, 1 when a file or a
/// finding disagrees, 2 when the bundle cannot be read at all.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let bundle = Bundle::open(&args.dir);
    let manifest = bundle
        .manifest()
        .with_context(|| format!("reading the bundle's manifest in {}", args.dir.display()))?;
    let manifest_bytes = std::fs::read(args.dir.join(outflow_report::bundle::MANIFEST))
        .context("reading manifest.json")?;
    let file_problems = bundle
        .check_files(&manifest)
        .context("hashing the bundle's files")?;

    // Captures made in one run share their settings: load each set once.
    let mut loaded: BTreeMap<(Vec<String>, Vec<String>), outflow_intel::Intel> = BTreeMap::new();
    let mut outcomes = Vec::new();
    for entry in &manifest.captures {
        let settings = &entry.analysis;
        let key = (settings.intel_dirs.clone(), settings.first_party.clone());
        if settings.intel && !loaded.contains_key(&key) {
            match load_intel(&bundle, settings) {
                Ok(intel) => {
                    loaded.insert(key.clone(), intel);
                }
                Err(error) => {
                    outcomes.push(Outcome {
                        name: outflow_report::clean(&entry.name),
                        findings: 0,
                        differences: vec![outflow_report::clean(&format!(
                            "the intelligence data it was made with cannot be loaded: {error:#}"
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
        outcomes.push(recheck(&bundle, entry, intel));
    }

    let tool = env!("CARGO_PKG_VERSION");
    println!(
        "bundle {} (manifest sha256 {})",
        args.dir.display(),
        outflow_report::bundle::sha256_hex(&manifest_bytes)
    );
    if manifest.tool_version != tool {
        println!(
            "note: written by outflow {}, checked with outflow {tool}: rules or data that changed in between can change findings",
            outflow_report::clean(&manifest.tool_version)
        );
    }
    println!(
        "files: {} listed, {} problem(s)",
        manifest.files.len(),
        file_problems.len()
    );
    for problem in &file_problems {
        println!("  ✖ {}", outflow_report::clean(&problem.to_string()));
    }
    let mut stands = file_problems.is_empty() && !manifest.captures.is_empty();
    if manifest.captures.is_empty() {
        println!("✖ the manifest lists no capture");
    }
    for outcome in &outcomes {
        if outcome.differences.is_empty() {
            println!(
                "✔ {}: {} finding(s) recomputed from the evidence, identical to report.json",
                outcome.name, outcome.findings
            );
        } else {
            stands = false;
            println!("✖ {}: the evidence does not give report.json", outcome.name);
            for difference in &outcome.differences {
                println!("    {difference}");
            }
        }
    }
    if stands {
        println!("the report stands");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("the report does NOT stand");
        Ok(ExitCode::from(1))
    }
}

/// Intelligence as the capture's report was made with it: the built-in data,
/// the bundle's copies of the `--intel` folders, the `--first-party` domains.
fn load_intel(
    bundle: &Bundle,
    settings: &AnalysisSettings,
) -> anyhow::Result<outflow_intel::Intel> {
    let options = outflow_intel::IntelOptions {
        intel_dirs: settings
            .intel_dirs
            .iter()
            .map(|dir| bundle.root().join(dir))
            .collect(),
        first_party: settings.first_party.clone(),
        ..Default::default()
    };
    Ok(outflow_intel::Intel::load(&options)?)
}

/// Analyses one capture again, from the bundle alone, and compares.
fn recheck(
    bundle: &Bundle,
    entry: &BundleCapture,
    intel: Option<&outflow_intel::Intel>,
) -> Outcome {
    let name = outflow_report::clean(&entry.name);
    let (capture, stated) = match bundle.load(entry) {
        Ok(loaded) => loaded,
        Err(error) => {
            return Outcome {
                name,
                findings: 0,
                differences: vec![format!("unreadable: {error}")],
            };
        }
    };
    let mut differences: Vec<String> = bundle
        .missing_bodies(entry, &capture)
        .into_iter()
        .map(|b| {
            format!(
                "request body missing from bodies/: {}",
                outflow_report::clean(&b)
            )
        })
        .collect();
    let js = outflow_js::Options::default();
    let pipeline = outflow_pipeline::Pipeline {
        js: &js,
        intel,
        site: entry.analysis.site.as_deref(),
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let scripts = bundle.scripts_dir();
    let recomputed = outflow_pipeline::report_capture(
        capture,
        outflow_pipeline::Sources::Dir(&scripts),
        &pipeline,
    );
    differences.extend(compare(&stated, &recomputed));
    Outcome {
        name,
        findings: recomputed.findings.len(),
        differences,
    }
}

/// What differs between the findings a report states and the ones the
/// evidence gives.
fn compare(stated: &Report, recomputed: &Report) -> Vec<String> {
    let mut out = Vec::new();
    let describe =
        |f: &Finding| outflow_report::clean(&format!("[{}] {}: {}", f.severity, f.rule, f.title));
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
        let shown: Vec<String> = differing
            .iter()
            .take(5)
            .map(|h| outflow_report::clean(h))
            .collect();
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
            outflow_report::clean(&stated.summary.verdict),
            recomputed.summary.verdict
        ));
    }
    out
}
