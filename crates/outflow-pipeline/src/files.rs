//! Local files (`outflow js`): nothing ran, so the facts are the code's.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use outflow_detect::ScriptFacts;
use outflow_model::{InventoryScript, Report, ScriptInput, Target, TargetKind};

use crate::Pipeline;
use crate::assemble::{self, Parts};

/// Analyses files, directories (walked, honouring `.gitignore`) or `-`
/// (standard input) and reports on them.
pub fn report_files(inputs: &[String], pipeline: &Pipeline<'_>) -> Report {
    let documents = outflow_js::analyze_paths(inputs, pipeline.js);
    let mut texts: BTreeMap<String, Option<Arc<str>>> = BTreeMap::new();
    let mut scripts = Vec::new();
    let mut errors = Vec::new();
    for document in &documents {
        if let Some(error) = &document.error {
            errors.push(format!("{}: {error}", document.path));
        }
        for analysis in &document.scripts {
            let source = match &analysis.input {
                // Inline scripts are located in their page, so the page's
                // text is the source their spans point into.
                ScriptInput::File { path } | ScriptInput::Inline { document: path, .. } => texts
                    .entry(path.clone())
                    .or_insert_with(|| read_text(path, pipeline.js.max_script_bytes))
                    .clone(),
                _ => None,
            };
            if let Some(reason) = &analysis.skipped {
                errors.push(format!("{}: not analysed: {reason}", analysis.name));
            }
            scripts.push(ScriptFacts {
                id: analysis.name.clone(),
                name: analysis.name.clone(),
                url: None,
                sha256: analysis.sha256.clone(),
                source,
                analysis: Some(analysis.clone()),
            });
        }
    }
    let hosts: BTreeSet<String> = documents
        .iter()
        .flat_map(|d| d.references.iter())
        .filter_map(|e| e.host.clone())
        .chain(scripts.iter().flat_map(assemble::named_hosts))
        .collect();
    let attributions = assemble::attribute(pipeline, pipeline.site, &hosts, &BTreeMap::new());
    let inventory = scripts
        .iter()
        .map(|script| InventoryScript {
            id: script.id.clone(),
            name: script.name.clone(),
            origin: "file".to_string(),
            host: None,
            party: None,
            size: script.analysis.as_ref().map_or(0, |a| a.size),
            sha256: script.sha256.clone(),
            obfuscation: script
                .analysis
                .as_ref()
                .map_or(0.0, |a| a.obfuscation.score),
            contacts: Vec::new(),
            names: assemble::named_hosts(script),
            frame: None,
        })
        .collect();
    let flows = assemble::flows(
        [],
        scripts.iter().flat_map(|s| {
            assemble::named_hosts(s)
                .into_iter()
                .map(|host| (s.name.clone(), host))
        }),
    );
    assemble::report(
        pipeline,
        Parts {
            target: Target {
                kind: TargetKind::Files,
                value: inputs.join(" "),
                persona: None,
                final_url: None,
            },
            capture: None,
            scripts,
            attributions,
            inventory,
            integrity: None,
            flows,
            documents,
            errors,
        },
    )
}

/// A file's text for evidence snippets; `None` when it cannot be read or is
/// over the analysis size limit.
fn read_text(path: &str, max_bytes: usize) -> Option<Arc<str>> {
    let metadata = std::fs::metadata(path).ok()?;
    if metadata.len() > max_bytes as u64 {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    Some(Arc::from(String::from_utf8_lossy(&bytes).as_ref()))
}
